"""总览: KPI cards for the region in view with the change against the previous year, the peer
cities compared on the same metrics, and talent by chain layer."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import disclosure
from views import auth, components, exporting, sidebar, state
from views.i18n import t, unit

PEER_METRICS = ("talents", "high_level", "enterprises", "postings", "sd_ratio", "density")
OTHER = "其他环节"


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()  # None: the role may see individuals
    st.title(f"{t('overview')} · {sidebar.region_name(ver, f.region)}")
    kp = state.kpis(ver, f, f.region)
    st.caption(f"{t('year')}: {kp['year']} · 变化为与上一年相比")
    components.kpi_cards(kp, k)
    trend_section(ver, f, k)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("peers"))
        metric = st.selectbox(t("metric"), PEER_METRICS, format_func=t, key="peer_metric")
        peers = state.peers(ver, f, tuple(state.reference(ver)["peers"]))
        shown = disclosure.apply(peers, k, disclosure.KPIS)  # once for the chart and its data
        exporting.chart(peer_figure(peers, metric, f.region, k, shown), key="peer_chart",
                        title=f"{t('peers')} · {t(metric)}", data=peer_table(peers, k, shown),
                        unit=unit(metric), page="overview")
    with right:
        st.subheader(t("by_layer"))
        layers = merge_small(state.talent_by_layer(ver, f, f.region), k)
        if layers.empty:
            st.info(t("no_data"))
        else:
            exporting.chart(layer_figure(layers, k), key="layer_chart", title=t("by_layer"),
                            data=layers[["layer", "node", "talents"]], unit="人",
                            page="overview")
            if k:
                st.caption(f"人数少于 {k} 的环节合并为「{OTHER}」, 合并后仍少于 {k} 人的不显示; "
                           "故层级合计可能小于实际。")
    components.freshness_line(ver)


def trend_section(ver: str, f, k: int | None) -> None:
    """The region's figures in every year (the sidebar's nodes and talent filters)."""
    st.subheader(t("trends"))
    df = state.trends(ver, f, f.region)
    if df.empty:
        st.info(t("no_data"))
        return
    components.trend_chart(df, k, key="overview_trends", page="overview",
                           caption=t("trends_help"))


def _peer_text(ctl, metric: str) -> pd.Series:
    if metric in ("sd_ratio", "density"):
        return ctl.text(metric, components.fmt_ratio)
    return ctl.text(metric, components.fmt_signed if metric == "net_inflow"
                    else components.fmt_count)


def peer_table(peers: pd.DataFrame, k: int | None,
               ctl: disclosure.Controlled | None = None) -> pd.DataFrame:
    """The peer figures as shown (withheld ones '<k' / '保密'), for the chart's download."""
    ctl = ctl or disclosure.apply(peers, k, disclosure.KPIS)
    return pd.DataFrame({"name": peers["name"],
                         **{m: _peer_text(ctl, m) for m in PEER_METRICS}})


def peer_figure(peers, metric: str, highlight: str, k: int | None = None,
                ctl: disclosure.Controlled | None = None) -> go.Figure:
    """Peer cities on one metric; withheld figures (a small count and what is computed from
    it) draw no bar and read '<k' / '保密'."""
    ctl = ctl or disclosure.apply(peers, k, disclosure.KPIS)
    withheld = ctl.withheld(metric)
    df = ctl.values.assign(_w=withheld).sort_values(["_w", metric], ascending=[False, True],
                                                    na_position="first", kind="stable")
    colors = ["#d1495b" if c in (highlight, "370200") else "#1f5fa8" for c in df["adcode"]]
    x = df[metric].astype(float)
    text = _peer_text(ctl, metric).loc[df.index].tolist()
    fig = go.Figure(go.Bar(x=x, y=df["name"], orientation="h", marker_color=colors,
                           text=text, textposition="auto",
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title=t(metric), yaxis_title=None)
    return fig


def merge_small(layers: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """Nodes with fewer than k talents merged per layer into one slice; a merged slice still
    below k is dropped, so that no slice (nor a layer total) reveals a count under k."""
    if not k:
        return layers
    small = layers["talents"].map(lambda v: disclosure.is_small(v, k))
    merged = (layers[small].groupby("layer", sort=False, as_index=False)["talents"].sum()
              .assign(node=OTHER, sequence=10_000))
    out = pd.concat([layers[~small], merged], ignore_index=True)
    # The slices add up to the region's talent count on the KPI card: a dropped slice must not
    # be that total minus the slices shown (secondary suppression drops more if it would be).
    ctl = disclosure.control(out, k, counts=["talents"],
                             totals={"talents": float(layers["talents"].sum())})
    out = out[~ctl.withheld("talents")]
    return out[out["talents"] > 0].reset_index(drop=True)


def layer_figure(layers, k: int | None = None) -> go.Figure:
    layers = merge_small(layers, k)
    totals = layers.groupby("layer", sort=False)["talents"].sum()
    fig = go.Figure(go.Sunburst(
        ids=list(totals.index) + [f"{a}/{b}" for a, b in zip(layers["layer"], layers["node"],
                                                              strict=True)],
        labels=list(totals.index) + list(layers["node"]),
        parents=[""] * len(totals) + list(layers["layer"]),
        values=list(totals) + list(layers["talents"]),
        branchvalues="total", hovertemplate="%{label}: %{value:,} 人<extra></extra>"))
    fig.update_layout(height=420, margin=dict(l=0, r=0, t=0, b=0))
    return fig


if __name__ == "__main__":  # run as a page by st.navigation
    page()
