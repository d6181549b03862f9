"""总览: KPI cards for the region in view with the change against the previous year, the peer
cities compared on the same metrics, and talent by chain layer."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from views import components, sidebar, state
from views.i18n import t

PEER_METRICS = ("talents", "high_level", "enterprises", "postings", "sd_ratio", "density")


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = state.thresholds().small_cell_k
    st.title(f"{t('overview')} · {sidebar.region_name(ver, f.region)}")
    kp = state.kpis(ver, f, f.region)
    st.caption(f"{t('year')}: {kp['year']} · 变化为与上一年相比")
    components.kpi_cards(kp, k)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("peers"))
        metric = st.selectbox(t("metric"), PEER_METRICS, format_func=t, key="peer_metric")
        peers = state.peers(ver, f, tuple(state.reference(ver)["peers"]))
        st.plotly_chart(peer_figure(peers, metric, f.region), key="peer_chart")
    with right:
        st.subheader(t("by_layer"))
        layers = state.talent_by_layer(ver, f, f.region)
        if layers.empty:
            st.info(t("no_data"))
        else:
            st.plotly_chart(layer_figure(layers), key="layer_chart")
    components.freshness_line(ver)


def peer_figure(peers, metric: str, highlight: str) -> go.Figure:
    df = peers.sort_values(metric, ascending=True, na_position="first")
    colors = ["#d1495b" if c in (highlight, "370200") else "#1f5fa8" for c in df["adcode"]]
    fig = go.Figure(go.Bar(x=df[metric], y=df["name"], orientation="h", marker_color=colors,
                           text=[components.fmt_ratio(v, 2) if metric in ("sd_ratio", "density")
                                 else components.fmt_count(v) for v in df[metric]],
                           textposition="auto",
                           hovertemplate="%{y}: %{x:,.2f}<extra></extra>"))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10),
                      xaxis_title=t(metric), yaxis_title=None)
    return fig


def layer_figure(layers) -> go.Figure:
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
