"""产业链: the AI industry chain of the region in view — every node's status (固链 / 强链 / 补链 /
延链) against editable thresholds and a chosen benchmark, the largest gaps, a regions × nodes
heatmap, the detail of one node with its recruitment lists (招引清单, CSV/XLSX), and talent flows.

Thin: read filters → call analytics (analytics.gaps, analytics.flows) → draw. Definitions and
the SQL behind every number: docs/supply-chain.md.
"""

from __future__ import annotations

import html
import io
from datetime import datetime
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings
from analytics import disclosure, flows, gaps
from analytics.filters import COUNTRY, LAYERS, Filters, Thresholds
from exports.tables import neutralise_frame
from maps.figures import MAP_STYLE, NO_DATA_COLOR, fit_view, maritime_trace
from views import auth, components, exporting, sidebar, state
from views.i18n import t

FIG_KEY = "sc_chain_figure"
STATUSES = ("固链", "强链", "补链", "延链")
BADGE = {"固链": "green", "强链": "blue", "补链": "red", "延链": "orange"}
ROW_PX, BOX, GAP = 44, 0.94, 0.03
HEAT_METRICS = {"lq_talent": "人才区位商 LQ", "talent": "人才数量", "postings": "招聘岗位",
                "sd_ratio": "供需比", "gap_score": "差距分"}
FLOW_COLORS = {"流入": "#2f6fb0", "流出": "#ef8f00", "区域间": "#7b3294"}
MEMO_KEY, MEMO_SIZE = "_supply_chain_memo", 48


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = small_k()
    year = _year(ver, f)
    name = sidebar.region_name(ver, f.region)
    st.title(f"{t('supply_chain')} · {html.escape(name)}")
    left, right = st.columns([1, 2])
    with left:
        bench = bench_control(ver, f.region)
    with right:
        th = threshold_controls(state.thresholds())
    st.caption(f"{t('year')}: {year} · {t('sc_bench')}: "
               f"{html.escape(sidebar.region_name(ver, bench))} · "
               f"{threshold_caption(th)}")
    if f.tiers or f.education or f.experience or f.returnees_only:
        st.caption(t("sc_filters_ignored"))
    df = _memo(("chain", ver, f.region, year, _th_key(th), bench),
               lambda: gaps.chain_status(state.reader(), f.region, year, th, bench))
    df = controlled_nodes(df, k).assign(national=f.region == COUNTRY)
    status_counts(df)
    node_key = f"sc_node_{f.region}"
    chain_section(df, k, node_key)
    gaps_col, heat_col = st.columns([2, 3])
    with gaps_col:
        if f.region == COUNTRY:  # the country against itself: every LQ is 1, no gap to show
            national_shortage_section(df)
        else:
            top_gaps_section(df)
    with heat_col:
        heatmap_section(ver, f.region, year, th, bench, k)
    node = node_detail(ver, df, f.region, year, k, node_key)
    flows_section(ver, f, year, node, k)
    components.freshness_line(ver)


def top_gaps_section(df: pd.DataFrame) -> None:
    st.subheader(t("sc_top_gaps"))
    exporting.chart(top_gaps_figure(df), key="sc_top_gaps", title=t("sc_top_gaps"),
                    data=df[df["gap_score"].notna()].nlargest(10, "gap_score")[
                        ["name_zh", "status", "gap_score", "sd_band", "reason"]],
                    unit="差距分 0–100", page="supply_chain", config={"displaylogo": False})


def national_shortage_section(df: pd.DataFrame) -> None:
    """全国: the nodes with the tightest supply/demand (LQ against itself would be 1 everywhere)."""
    st.subheader(t("sc_national_shortage"))
    st.caption(t("sc_national_note"))
    top = df[df["sd_ratio"].notna()].sort_values(["sd_ratio", "sequence"]).head(10)[::-1]
    fig = go.Figure(go.Bar(
        x=top["sd_ratio"], y=top["name_zh"].map(html.escape), orientation="h",
        marker_color=top["sd_band"].map(SD_COLORS).fillna("#999").tolist(),
        text=[f"{v} · {b}" for v, b in zip(top["sd_text"], top["sd_band"], strict=True)],
        textposition="auto", hovertemplate="<b>%{y}</b> 供需比 %{x:.2f}<extra></extra>"))
    fig.update_layout(height=440, margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"title": "供需比 (当年活跃人才 ÷ 当年岗位, < 1 为紧缺)"},
                      yaxis_title=None)
    exporting.chart(fig, key="sc_national_shortage", title=t("sc_national_shortage"),
                    data=top[::-1][["name_zh", "sd_text", "sd_band", "postings"]].rename(
                        columns={"sd_text": "sd_ratio"}),
                    unit="供需比", page="supply_chain", config={"displaylogo": False})


SD_COLORS = {"严重紧缺": "#c62828", "紧缺": "#ef8f00", "平衡": "#2f6fb0", "过剩": "#1a7f37"}


def small_k() -> int | None:
    """k of the small-cell suppression for this user's role: counts of people below it read
    '<k' (None: recruiter/admin, who may see individuals)."""
    return auth.small_cell_k()


def may_export() -> bool:
    """Whether this session's role gets the 招引清单 downloads."""
    return auth.can_export()


def _year(ver: str, f: Filters) -> int:
    """The year in view, resolved like analytics.queries.resolve_year."""
    years = state.reference(ver)["years"]
    if not years:
        return 0
    return f.year if f.year in years else state.reference(ver)["default_year"]


def _memo(key: tuple, compute):
    """Results of this page kept per session, keyed by the published version and the inputs
    (views/state.py owns the shared caches; see the report on issue #4)."""
    store = st.session_state.setdefault(MEMO_KEY, {})
    if key not in store:
        while len(store) >= MEMO_SIZE:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


def _th_key(th: Thresholds) -> tuple:
    return th.lq_missing, th.lq_stronghold, tuple(th.sd_bands)


# -- controls ----------------------------------------------------------------------------------
TH_KEYS = {"sc_th_missing": "lq_missing", "sc_th_stronghold": "lq_stronghold",
           "sc_th_severe": 0, "sc_th_shortage": 1, "sc_th_balanced": 2}


def _th_default(th: Thresholds, field) -> float:
    return float(th.sd_bands[field] if isinstance(field, int) else getattr(th, field))


def threshold_controls(defaults: Thresholds) -> Thresholds:
    """The thresholds, editable in an expander (session only); defaults from settings."""
    with st.expander(t("sc_thresholds")):
        cols = st.columns(len(TH_KEYS))
        values = {}
        for col, (key, field) in zip(cols, TH_KEYS.items(), strict=True):
            if key not in st.session_state:  # the default goes through session state only
                st.session_state[key] = _th_default(defaults, field)
            values[field] = col.number_input(t(key), min_value=0.0, max_value=100.0, step=0.1,
                                             format="%.2f", key=key)
        st.button(t("sc_th_reset"), key="sc_th_reset", on_click=_reset_thresholds,
                  args=(defaults,))
        th = Thresholds(small_cell_k=defaults.small_cell_k, lq_missing=values["lq_missing"],
                        lq_stronghold=values["lq_stronghold"],
                        sd_bands=(values[0], values[1], values[2]),
                        lq_min_base=defaults.lq_min_base)
        if th.lq_missing > th.lq_stronghold or sorted(th.sd_bands) != list(th.sd_bands):
            st.warning(t("sc_th_order"))
    return th


def _reset_thresholds(defaults: Thresholds) -> None:
    for key, field in TH_KEYS.items():
        st.session_state[key] = _th_default(defaults, field)


def threshold_caption(th: Thresholds) -> str:
    severe, shortage, balanced = th.sd_bands
    return (f"补链: LQ < {th.lq_missing:g} 或无本地企业 · "
            f"强链: LQ ≥ {th.lq_missing:g} 但未达固链 · "
            f"固链: LQ ≥ {th.lq_stronghold:g} 且有链主企业 · "
            f"延链: 本地无企业且与固链环节相邻 · "
            f"供需比 ≤ {severe:g} 严重紧缺, ≤ {shortage:g} 紧缺, ≤ {balanced:g} 平衡, 以上过剩")


def bench_control(ver: str, region: str) -> str:
    """全国 (default) or a peer city as the benchmark of the location quotients."""
    ref = state.reference(ver)
    options = [COUNTRY, *[p for p in ref["peers"] if p != region]]
    names = ref["region_names"]
    choice = st.selectbox(t("sc_bench"), options, key="sc_bench", disabled=region == COUNTRY,
                          format_func=lambda c: "全国" if c == COUNTRY else names.get(c, c),
                          help="区位商 = 本地该环节人才占比 ÷ 基准地区该环节人才占比")
    return COUNTRY if region == COUNTRY or choice is None else choice


def controlled_nodes(df: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """The chain status under disclosure control, with ``*_text`` columns to show."""
    return disclosure.nodes_shown(df, k, unknown=t("unknown"))


def status_counts(df: pd.DataFrame) -> None:
    cols = st.columns(len(STATUSES))
    counts = df["status"].value_counts()
    for col, status in zip(cols, STATUSES, strict=True):
        col.metric(f"{status} 环节", f"{int(counts.get(status, 0))} 个", border=True,
                   help=gaps.STATUS_HELP[status])


# -- chain diagram -----------------------------------------------------------------------------
def _label(r, k: int | None) -> str:
    # 全国 is its own benchmark (every LQ 1.00): its boxes give the supply/demand ratio instead
    tail = (f"供需 {r.sd_text}" if getattr(r, "national", False) else f"LQ {r.lq_text}")
    return (f"<b>{html.escape(str(r.name_zh))}</b><br>供 {r.talent_text} · "
            f"需 {components.fmt_count(r.postings)} · {tail}")


def _hover(r, k: int | None) -> str:
    salary = "—" if pd.isna(r.mean_salary) else f"{r.mean_salary:,.0f} 元/月"
    return (f"<b>{html.escape(str(r.name_zh))}</b> ({r.node_id}) · {html.escape(r.segment)}<br>"
            f"状态: <b>{r.status}</b> — {html.escape(str(r.reason))}<br>"
            f"人才 (供给): {r.talent_text} · 岗位 (需求): "
            f"{components.fmt_count(r.postings)} · 平均月薪: {salary}<br>"
            f"人才区位商: {r.lq_text} · 企业区位商: "
            f"{components.fmt_ratio(r.lq_enterprise)}<br>"
            f"供需比: {r.sd_text} ({r.sd_band}) · 企业 "
            f"{int(r.enterprises)} 家 (链主 {int(r.leaders)}) · 差距分 {r.gap_text}")


def _status_trace(part: pd.DataFrame, status: str, selected: str | None,
                  k: int | None) -> go.Bar:
    """The boxes of one status: horizontal bars from the column's left edge."""
    edge = ["#111111" if n == selected else "rgba(255,255,255,0.9)" for n in part["node_id"]]
    return go.Bar(
        orientation="h", base=(part["col"] + GAP).tolist(), x=[BOX] * len(part),
        y=part["row"].tolist(), width=0.84, name=f"{status} · {gaps.STATUS_HELP[status]}",
        legendgroup=status, showlegend=False,
        marker={"color": gaps.STATUS_COLORS[status],
                "line": {"color": edge, "width": [3 if n == selected else 1
                                                  for n in part["node_id"]]}},
        text=[_label(r, k) for r in part.itertuples()], textposition="inside",
        insidetextanchor="middle", textfont={"color": "white", "size": 12},
        customdata=part["node_id"].tolist(), hovertext=[_hover(r, k) for r in part.itertuples()],
        hovertemplate="%{hovertext}<extra></extra>", cliponaxis=False,
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}})


def _legend_trace(status: str) -> go.Scatter:
    """A legend entry for every status, even one no node has (it toggles that status)."""
    return go.Scatter(x=[None], y=[None], mode="markers", legendgroup=status,
                      name=f"{status} · {gaps.STATUS_HELP[status]}", hoverinfo="skip",
                      marker={"symbol": "square", "size": 12,
                              "color": gaps.STATUS_COLORS[status]})


def chain_figure(df: pd.DataFrame, selected: str | None, k: int | None) -> go.Figure:
    """基础层 → 技术层 → 应用层 as three columns of boxes coloured by status."""
    placed, heads = gaps.chain_positions(df)
    fig = go.Figure([_status_trace(placed[placed["status"] == s], s, selected, k)
                     for s in STATUSES] + [_legend_trace(s) for s in STATUSES])
    notes = [{"x": col + 0.5, "y": -1.1, "text": f"<b>{layer}</b>", "showarrow": False,
              "font": {"size": 16}} for col, layer in enumerate(LAYERS)]
    notes += [{"x": col, "y": -1.1, "text": "➜", "showarrow": False, "font": {"size": 20,
               "color": "#888"}} for col in (1, 2)]
    notes += [{"x": col + GAP, "y": row, "text": html.escape(seg), "showarrow": False,
               "xanchor": "left", "font": {"size": 12, "color": "#555"}} for col, row, seg in heads]
    rows = int(placed["row"].max()) + 1 if len(placed) else 1
    fig.update_layout(
        barmode="overlay", height=(rows + 2) * ROW_PX + 60, annotations=notes,
        margin={"l": 4, "r": 4, "t": 60, "b": 4}, plot_bgcolor="white", bargap=0,
        xaxis={"range": [0, 3], "visible": False, "fixedrange": True},
        yaxis={"range": [rows - 0.4, -1.7], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        hoverlabel={"align": "left"}, clickmode="event+select", dragmode=False)
    return fig


def chain_section(df: pd.DataFrame, k: int | None, node_key: str) -> None:
    st.subheader(t("sc_diagram"))
    st.caption(t("sc_diagram_help"))
    if node_key not in st.session_state:
        st.session_state[node_key] = top_gap_node(df)
    selected = st.session_state[node_key]
    # A new key per selected node: each click starts from an empty plotly selection, so a box
    # clicked before is selected again by the next click on it.
    chart_key = f"{FIG_KEY}_{node_key}_{selected}"
    exporting.chart(chain_figure(df, selected, k), key=chart_key, title=t("sc_diagram"),
                    data=df[["layer", "segment", "name_zh", "status", "reason", "lq_text",
                             "sd_text", "gap_text"]].rename(columns={
                                 "lq_text": "lq_talent", "sd_text": "sd_ratio",
                                 "gap_text": "gap_score"}),
                    unit="状态 · LQ", page="supply_chain",
                    on_select=partial(_node_clicked, chart_key, node_key),
                    selection_mode="points", config={"displaylogo": False})


def top_gap_node(df: pd.DataFrame) -> str:
    return str(df.sort_values(["gap_score", "sequence"], ascending=[False, True])
               ["node_id"].iloc[0])


def _node_clicked(chart_key: str, node_key: str) -> None:
    """A click on a box selects its node for the detail section."""
    points = ((st.session_state.get(chart_key) or {}).get("selection") or {}).get("points") or []
    for p in points:
        node = p.get("customdata")
        node = node[0] if isinstance(node, list) and node else node
        if isinstance(node, str) and node:
            st.session_state[node_key] = node
            return


# -- top gaps and heatmap ----------------------------------------------------------------------
def top_gaps_figure(df: pd.DataFrame) -> go.Figure:
    top = df[df["gap_score"].notna()].sort_values(["gap_score", "sequence"],
                                                  ascending=[False, True]).head(10)[::-1]
    fig = go.Figure(go.Bar(
        x=top["gap_score"], y=top["name_zh"].map(html.escape), orientation="h",
        marker_color=top["status"].map(gaps.STATUS_COLORS).tolist(),
        text=[f"{g:g} · {s} · {b}" for g, s, b in zip(top["gap_score"], top["status"],
                                                      top["sd_band"], strict=True)],
        textposition="auto", customdata=top[["status", "reason", "sd_band"]].to_numpy(),
        hovertemplate="<b>%{y}</b> 差距分 %{x}<br>%{customdata[0]}: %{customdata[1]}"
                      "<br>供需: %{customdata[2]}<extra></extra>"))
    fig.update_layout(height=440, margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"title": "差距分 (0–100, 越高差距越大)", "range": [0, 105]},
                      yaxis_title=None)
    return fig


def heat_regions(ver: str, region: str, scope: str) -> list[str]:
    """The regions compared: the region's children (its siblings for a leaf), or the peer
    cities with the region first."""
    ref = state.reference(ver)
    regions = ref["regions"]
    if scope == "peers":
        return list(dict.fromkeys(([region] if region != COUNTRY else []) + ref["peers"]))
    kids = regions[regions["parent_adcode"] == region]
    if kids.empty:
        parent = regions.loc[regions["adcode"] == region, "parent_adcode"]
        kids = regions[regions["parent_adcode"] == (parent.iloc[0] if len(parent) else COUNTRY)]
    return sorted(kids["adcode"])


def heatmap_section(ver: str, region: str, year: int, th: Thresholds, bench: str,
                    k: int | None) -> None:
    st.subheader(t("sc_heatmap"))
    leaf = state.reference(ver)["regions"]["parent_adcode"].ne(region).all()
    local = "sc_heat_siblings" if leaf else "sc_heat_children"
    a, b = st.columns(2)
    scope = a.radio(t("sc_heat_regions"), ["children", "peers"], horizontal=True,
                    key="sc_heat_scope",
                    format_func=lambda s: t(local) if s == "children" else t("sc_heat_peers"))
    metric = b.selectbox(t("metric"), list(HEAT_METRICS), format_func=HEAT_METRICS.get,
                         key="sc_heat_metric")
    codes = heat_regions(ver, region, scope)
    matrix = _memo(("heat", ver, tuple(codes), year, _th_key(th), bench),
                   lambda: flows.chain_matrix(state.reader(), codes, year, th, bench))
    if matrix.empty:
        st.info(t("no_data"))
        return
    ctl = disclosure.apply(matrix, k, disclosure.NODES, by="adcode")
    exporting.chart(heatmap_figure(matrix, metric, k, ctl), key="sc_heatmap",
                    title=t("sc_heatmap"),
                    data=ctl.values.assign(**{c: ctl.text(c, str) for c in ctl.why}), unit=metric,
                    page="supply_chain", config={"displaylogo": False})


def _heat_values(matrix: pd.DataFrame, metric: str, k: int | None,
                 ctl: disclosure.Controlled | None = None) -> tuple[pd.Series, pd.Series]:
    """Colour value and text of each cell: withheld figures (a talent count below k, and what
    is computed from it) are shown '<k' / '保密' and not coloured; quotients are capped for the
    colour (the text keeps the value). ``ctl``: the matrix already under control (the caller's)."""
    if ctl is None:
        ctl = disclosure.apply(matrix, k, disclosure.NODES, by="adcode")
    v = ctl.values[metric].astype(float)
    if metric == "talent":
        text = ctl.text(metric, components.fmt_count)
    elif metric in ("postings", "gap_score"):
        text = ctl.text(metric, lambda x: f"{x:,.0f}" if metric == "postings" else f"{x:g}")
    else:
        text = ctl.text(metric, components.fmt_ratio)
        v = v.clip(upper=2.0)
        if metric == "lq_talent" and "lq_credible" in matrix.columns:
            # an LQ on fewer talents than lq_min_base is not coloured and reads "(3.00)"
            weak = ~matrix["lq_credible"].astype(bool) & v.notna()
            v = v.where(~weak)
            text = text.where(~weak, "(" + text + ")")
    return v, text


# colour scale and (zmin, zmid, zmax): quotients are diverging around 1 (red = below, a gap)
HEAT_SCALES = {"lq_talent": ("RdBu", (0, 1, 2)), "sd_ratio": ("RdBu", (0, 1, 2)),
               "talent": ("Blues", None), "postings": ("Blues", None),
               "gap_score": ("Reds", (0, None, 100))}


def heatmap_figure(matrix: pd.DataFrame, metric: str, k: int | None,
                   ctl: disclosure.Controlled | None = None) -> go.Figure:
    v, text = _heat_values(matrix, metric, k, ctl)
    m = matrix.assign(v=v, text=text)
    order = m.drop_duplicates("node_id").sort_values("sequence")
    z = m.pivot(index="node_id", columns="adcode", values="v").loc[order["node_id"]]
    txt = m.pivot(index="node_id", columns="adcode", values="text").loc[order["node_id"]]
    names = m.drop_duplicates("adcode").set_index("adcode")["name"]
    cols = list(dict.fromkeys(m["adcode"]))
    scale, (zmin, zmid, zmax) = HEAT_SCALES[metric][0], HEAT_SCALES[metric][1] or (None,) * 3
    x = [html.escape(str(names[c])) for c in cols]
    y = [html.escape(str(n)) for n in order["name_zh"]]
    values, texts = z[cols].to_numpy(dtype=float), txt[cols].to_numpy(dtype=object)
    blank = np.isnan(values)
    # Cells without a colour (withheld, unknown, an LQ on a small base) are grey with their
    # text, underneath; a heatmap leaves a NaN cell empty, and a grid of them would be blank.
    grey = go.Heatmap(z=np.where(blank, 0.0, np.nan), x=x, y=y,
                      text=np.where(blank, texts, ""), texttemplate="%{text}",
                      textfont={"size": 10}, colorscale=[[0, "#eceff3"], [1, "#eceff3"]],
                      showscale=False, xgap=1, ygap=1,
                      hovertemplate="%{y} · %{x}<br>" + HEAT_METRICS[metric]
                      + ": %{text}<extra></extra>")
    fig = go.Figure([grey, go.Heatmap(
        z=values, x=x, y=y, text=np.where(blank, "", texts),
        texttemplate="%{text}", textfont={"size": 10}, colorscale=scale, zmin=zmin, zmax=zmax,
        zmid=zmid,
        colorbar={"title": {"text": HEAT_METRICS[metric]}, "thickness": 12},
        hovertemplate="%{y} · %{x}<br>" + HEAT_METRICS[metric] + ": %{text}<extra></extra>",
        xgap=1, ygap=1)])
    fig.update_layout(height=len(order) * 19 + 120, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis={"autorange": "reversed", "tickfont": {"size": 11}},
                      xaxis={"side": "top", "tickangle": -40 if len(cols) > 8 else 0})
    return fig


# -- node detail -------------------------------------------------------------------------------
def node_picker(df: pd.DataFrame, node_key: str) -> str:
    names = dict(zip(df["node_id"], df["name_zh"], strict=True))
    status = dict(zip(df["node_id"], df["status"], strict=True))
    return st.selectbox(t("sc_node"), list(df.sort_values("sequence")["node_id"]), key=node_key,
                        format_func=lambda n: f"{names.get(n, n)} · {status.get(n, '')}")


def node_detail(ver: str, df: pd.DataFrame, region: str, year: int, k: int | None,
                node_key: str) -> str:
    st.header(t("sc_detail"))
    node = node_picker(df, node_key)
    row = df.set_index("node_id").loc[node]
    node_header(row, year, k)
    r = state.reader()
    left, right = st.columns(2)
    with left:
        st.subheader(t("sc_by_area"))
        area = _memo(("area", ver, region, node, year),
                     lambda: flows.node_by_area(r, region, node, year))
        st.dataframe(area_table(area, k), hide_index=True, width="stretch")
    with right:
        st.subheader(f"{t('sc_by_title')} · {year}")
        titles = _memo(("titles", ver, region, node, year),
                       lambda: flows.demand_by_title(r, region, node, year))
        if titles.empty:
            st.info(t("no_data"))
        else:
            st.dataframe(title_table(titles), hide_index=True, width="stretch")
    with st.expander(t("sc_local_firms")):
        firms = _memo(("firms", ver, region, node, year),
                      lambda: flows.local_enterprises(r, region, node, year))
        st.dataframe(firms.rename(columns=FIRM_COLUMNS), hide_index=True, width="stretch")
    recruit_lists(ver, region, node, str(row["name_zh"]), year, k)
    return node


def node_header(row: pd.Series, year: int, k: int | None) -> None:
    st.badge(row["status"], color=BADGE.get(row["status"], "gray"))
    st.caption(f"{gaps.STATUS_HELP.get(row['status'], '')} · {t('sc_reason')}: "
               f"{html.escape(str(row['reason']))}")
    cols = st.columns(6)
    salary = t("unknown") if pd.isna(row["mean_salary"]) else f"¥{row['mean_salary']:,.0f}"
    cols[0].metric(t("sc_m_talent"), row["talent_text"], border=True)
    cols[1].metric(t("sc_m_postings"), components.fmt_count(row["postings"]), border=True,
                   help=f"{year} 年发布的招聘岗位")
    cols[2].metric(t("sc_m_firms"), f"{int(row['enterprises'])} / {int(row['leaders'])}",
                   border=True)
    cols[3].metric(t("sc_m_lq"), row["lq_text"], border=True,
                   help=f"企业区位商 {components.fmt_ratio(row['lq_enterprise'])}")
    cols[4].metric(t("sd_ratio"), row["sd_text"], row["sd_band"],
                   border=True, delta_color="off", delta_arrow="off", help="人才 ÷ 当年招聘岗位")
    cols[5].metric(t("sc_m_salary"), salary, border=True, help=f"差距分 {row['gap_text']}")


def area_table(area: pd.DataFrame, k: int | None) -> pd.DataFrame:
    ctl = disclosure.apply(area, k, disclosure.AREAS)
    return pd.DataFrame({
        "地区": area["name"], "人才": ctl.text("talent", components.fmt_count),
        "企业": area["enterprises"].astype(int), "链主企业": area["leaders"].astype(int),
        "招聘岗位": area["postings"].astype(int)})


def title_table(titles: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "职位": titles["title"], "岗位数": titles["postings"].astype(int),
        "平均月薪 (元)": titles["mean_salary"].round(0),
        "月薪中位数 (元)": titles["median_salary"].round(0)})


FIRM_COLUMNS = {"name": "企业名称", "district": "所在地区", "employees": "参保人数",
                "registered_capital_wan": "注册资本 (万元)", "founded_on": "成立日期",
                "is_listed": "上市", "is_chain_leader": "链主企业", "region": "所在区县",
                "city": "所在城市", "credit_code": "统一社会信用代码"}


# -- 招引清单 -----------------------------------------------------------------------------------
def safe_cells(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells (and headers) that a spreadsheet would run as a formula, neutralised."""
    return neutralise_frame(df)


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so that Excel shows Chinese text."""
    return safe_cells(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, meta: dict) -> bytes:
    """The table, and a 说明 sheet with the filters and data freshness."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        safe_cells(df).to_excel(xw, index=False, sheet_name="清单")
        safe_cells(pd.DataFrame({"项目": list(meta), "内容": [str(v) for v in meta.values()]})) \
            .to_excel(xw, index=False, sheet_name="说明")
    return buf.getvalue()


def regions_table(df: pd.DataFrame, k: int | None) -> pd.DataFrame:
    ctl = disclosure.apply(df, k, disclosure.SOURCES)
    return pd.DataFrame({
        "地区代码": df["adcode"], "地区": df["name"],
        "该环节人才": ctl.text("talent", components.fmt_count),
        "企业数": df["enterprises"].astype(int), "链主企业": df["leaders"].astype(int),
        "区位商": ctl.text("lq", lambda v: f"{v:.2f}"),
        # the order, explained: 招引分 = 该环节人才 × 区位商权重 (LQ capped at 3; 1 on a small base)
        "区位商权重": ctl.text("lq_weight", lambda v: f"{v:.2f}"),
        "招引分": ctl.text("score", lambda v: f"{v:,.1f}")})


def pools_table(df: pd.DataFrame, k: int | None) -> pd.DataFrame:
    cols = {"talent": "人才数", "high_level": "高层次人才 (A–D)", "returnees": "海归",
            "willing_to_relocate": "愿意流动", "expecting_here": "期望来本地"}
    out = pd.DataFrame({"地区代码": df["adcode"], "地区": df["name"]})
    ctl = disclosure.apply(df, k, disclosure.POOLS)
    for col, label in cols.items():
        out[label] = ctl.text(col, components.fmt_count)
    return out


def firms_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df.rename(columns=FIRM_COLUMNS)
    for col in ("上市", "链主企业"):
        out[col] = out[col].map(lambda v: "是" if v is True else ("否" if v is False else ""))
    return out


def recruit_lists(ver: str, region: str, node: str, node_name: str, year: int,
                  k: int | None) -> None:
    st.subheader(f"{t('sc_sources')} · {html.escape(node_name)}")
    if region == COUNTRY:
        st.info(t("sc_country_sources"))
        return
    r = state.reader()
    tables = _memo(("sources", ver, region, node, year, k), lambda: {
        "sc_src_regions": regions_table(gaps.source_regions(r, region, node, year), k),
        "sc_src_firms": firms_table(gaps.source_enterprises(r, region, node)),
        "sc_src_pools": pools_table(gaps.source_talent_pools(r, region, node, year), k)})
    name = sidebar.region_name(ver, region)
    meta = {"地区": name, "产业链环节": f"{node_name} ({node})", "年份": year,
            "数据版本": ver, "导出时间": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "说明": f"人才数少于 {k} 人显示为 <{k}" if k else "人才数未作小数抑制"}
    for tab, (key, df) in zip(st.tabs([t(key) for key in tables]), tables.items(), strict=True):
        with tab:
            if df.empty:
                st.info(t("no_data"))
            elif key == "sc_src_regions":
                st.caption(t("sc_src_regions_order"))
            st.dataframe(df, hide_index=True, width="stretch", column_config={
                "区位商": st.column_config.NumberColumn(format="%.2f")})
            if may_export():
                stem = f"招引清单_{t(key)}_{name}_{node_name.replace('/', '-')}_{year}"
                download_buttons(df, stem, meta | {"清单": t(key)}, key)


def download_buttons(df: pd.DataFrame, stem: str, meta: dict, key: str) -> None:
    """CSV and XLSX of the table as shown; each download is written to the audit log."""
    a, b, _ = st.columns([1, 1, 4])
    # Bytes made up front (small tables): a deferred file plus the audit callback's rerun
    # could lose the download.
    a.download_button(t("sc_download_csv"), to_csv(df), file_name=f"{stem}.csv",
                      mime="text/csv", key=f"{key}_csv", on_click=auth.audit,
                      args=("export", f"{stem}.csv", None, meta), icon=":material/download:")
    b.download_button(t("sc_download_xlsx"), to_xlsx(df, meta),
                      file_name=f"{stem}.xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      key=f"{key}_xlsx", on_click=auth.audit,
                      args=("export", f"{stem}.xlsx", None, meta), icon=":material/download:")


# -- talent flows ------------------------------------------------------------------------------
def _flow_nodes(ver: str, f: Filters) -> tuple[str, ...]:
    """The sidebar's nodes (or its layer's nodes); none means every node."""
    if f.nodes or not f.layer:
        return tuple(f.nodes)
    nodes = state.reference(ver)["nodes"]
    return tuple(nodes.loc[nodes["layer"] == f.layer, "node_id"])


def flow_controls(ver: str, year: int, node_name: str) -> tuple[tuple[int, int], bool]:
    years = [y for y in state.reference(ver)["years"] if y <= year] or [year]
    a, b = st.columns([3, 2])
    period = (year, year)
    if len(years) > 1:
        period = a.select_slider(t("sc_period"), options=years, value=(year, year),
                                 key=f"sc_flow_period_{year}")
    only = b.toggle(f"{t('sc_only_node')}: {html.escape(node_name)}", key="sc_flow_only_node")
    return tuple(period), only


def flows_section(ver: str, f: Filters, year: int, node: str, k: int | None) -> None:
    st.header(t("sc_flows"))
    names = state.reference(ver)["nodes"].set_index("node_id")["name_zh"]
    period, only = flow_controls(ver, year, str(names.get(node, node)))
    nodes = (node,) if only else _flow_nodes(ver, f)
    r = state.reader()
    scope = _memo(("scope", ver, f.region), lambda: flows.flow_scope(r, f.region))
    if scope.note:
        st.caption(html.escape(scope.note))
    key = (ver, scope.region, period, nodes)
    s = _memo(("flow_sum", *key), lambda: flows.summary(r, scope.region, period, nodes))
    flow_kpis(s, k)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("sc_routes"))
        routes = _memo(("routes", *key), lambda: flows.top_routes(r, scope.region, period, nodes))
        draw_routes(ver, routes, k)
    with right:
        counterparts(ver, scope, period, nodes, routes, k)
    st.subheader(t("sc_returnees"))
    ret = _memo(("returnees", ver, f.region, period, nodes),
                lambda: flows.returnee_countries(r, f.region, period, nodes))
    fig = None if ret.empty else returnee_figure(ret, k)
    if fig is None:
        st.info(t("no_data") if ret.empty else t("sc_returnees_small").format(k=k))
    else:
        exporting.chart(fig, key="sc_returnees", title=t("sc_returnees"),
                        data=exporting.suppress(ret, [c for c in ret.columns
                                                      if c != "country"], k),
                        unit="人", page="supply_chain", config={"displaylogo": False})


def flow_kpis(s: dict, k: int | None) -> None:
    cols = st.columns(4)
    if s["arrivals"] is None:  # the country: only moves between provinces
        cols[0].metric("省际流动", components.fmt_count(s["moves"], k), border=True)
        return
    c = disclosure.flows(s["arrivals"], s["departures"], k, net=s["net"],
                         per_10k=s["net_per_10k"])
    cols[0].metric(t("arrivals"), components.fmt_count(s["arrivals"], k), border=True)
    cols[1].metric(t("departures"), components.fmt_count(s["departures"], k), border=True)
    # With a withheld side, the net (and per 10k) would give the small count away.
    hidden = "net" in c["why"]
    per = c["net_per_10k"]
    cols[2].metric(t("net_inflow"), disclosure.HIDDEN_LABEL if hidden
                   else disclosure.fmt_signed(c["net"]), border=True)
    cols[3].metric(t("net_per_10k"), disclosure.HIDDEN_LABEL if hidden else t("unknown")
                   if per is None else f"{per:+.3f}", border=True,
                   help="净流入 ÷ (常住人口 ÷ 10,000); 无常住人口数据时为未知")


def counterparts(ver: str, scope: flows.FlowScope, period, nodes, routes: pd.DataFrame,
                 k: int | None) -> None:
    def people(v) -> str:
        return components.fmt_count(v, k)

    if scope.region == COUNTRY:
        st.subheader(t("sc_routes"))
        st.dataframe(pd.DataFrame({"流出地": routes["from_name"], "流入地": routes["to_name"],
                                   "人数": routes["moves"].map(people)}),
                     hide_index=True, width="stretch")
        return
    r = state.reader()
    for label, fn in (("sc_origins", flows.origins), ("sc_destinations", flows.destinations)):
        st.subheader(t(label))
        df = _memo((label, ver, scope.region, period, nodes),
                   lambda fn=fn: fn(r, scope.region, period, nodes, limit=10))
        st.dataframe(counterpart_table(df, k), hide_index=True, width="stretch")


def counterpart_table(df: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """Region, people and share; the share of a suppressed count is not shown either (with
    the total on screen it would give the count away)."""
    ctl = disclosure.apply(df, k, disclosure.COUNTERPARTS)
    return pd.DataFrame({"地区": df["name"], "人数": ctl.text("moves", components.fmt_count),
                         "占比": ctl.text("share", lambda v: f"{v * 100:.1f}%")})


def _base_map(ver: str) -> list:
    """Grey provinces (and the maritime boundary line) under the routes: MapLibre, white-bg,
    no tiles — nothing is fetched from another host."""
    geo = state.geojson(COUNTRY)
    inline = str(settings.get("geojson_mode")) == "inline"
    ids = [str(feat["id"]) for feat in geo.get("features", [])]
    base = go.Choroplethmap(
        geojson=geo if inline else state.geojson_url(COUNTRY), locations=ids, featureidkey="id",
        z=[0] * len(ids), colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
        marker={"line": {"width": 0.6, "color": "#ffffff"}}, hoverinfo="skip", name="省界")
    return [base, maritime_trace(state.maritime())]


def arc(x0: float, y0: float, x1: float, y1: float, bend: float = 0.15,
        steps: int = 12) -> tuple[list[float], list[float]]:
    """A gentle curve from (x0, y0) to (x1, y1), bowing to the left of the direction of travel,
    so that the two directions of one route are drawn apart."""
    cx = (x0 + x1) / 2 - (y1 - y0) * bend
    cy = (y0 + y1) / 2 + (x1 - x0) * bend
    ts = [i / steps for i in range(steps + 1)]
    return ([(1 - u) ** 2 * x0 + 2 * (1 - u) * u * cx + u ** 2 * x1 for u in ts],
            [(1 - u) ** 2 * y0 + 2 * (1 - u) * u * cy + u ** 2 * y1 for u in ts])


def routes_figure(routes: pd.DataFrame, base: list, k: int | None) -> go.Figure:
    fig = go.Figure(base)
    top = max(float(routes["moves"].max()), 1.0)
    shown = set()
    for r in routes.itertuples():
        lons, lats = arc(r.from_lon, r.from_lat, r.to_lon, r.to_lat)
        text = f"{html.escape(r.from_name)} → {html.escape(r.to_name)}: " \
               f"{components.fmt_count(r.moves, k)} 人"
        width = 1.5 + 6 * max(r.moves, k or 0) / top  # small routes all look alike
        fig.add_trace(go.Scattermap(
            lon=lons, lat=lats, mode="lines", line={"width": width,
                                                    "color": FLOW_COLORS[r.direction]},
            name=r.direction, legendgroup=r.direction, showlegend=r.direction not in shown,
            hovertext=[text] * len(lons), hoverinfo="text"))
        shown.add(r.direction)
    ends = pd.concat([routes[["from_name", "from_lon", "from_lat"]].set_axis(
        ["name", "lon", "lat"], axis=1), routes[["to_name", "to_lon", "to_lat"]].set_axis(
        ["name", "lon", "lat"], axis=1)]).drop_duplicates("name")
    # Markers only: MapLibre text labels fetch glyph fonts from the internet.
    fig.add_trace(go.Scattermap(lon=ends["lon"], lat=ends["lat"], mode="markers",
                                hovertext=ends["name"].map(html.escape),
                                marker={"size": 7, "color": "#333"}, hoverinfo="text",
                                showlegend=False))
    center, zoom = fit_view((ends["lon"].min(), ends["lat"].min(), ends["lon"].max(),
                             ends["lat"].max()), 640, 380, padding=0.12)
    fig.update_layout(height=440, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      map={"style": MAP_STYLE, "center": center, "zoom": min(zoom, 7)},
                      legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"})
    return fig


def draw_routes(ver: str, routes: pd.DataFrame, k: int | None) -> None:
    if routes.empty:
        st.info(t("no_data"))
        return
    exporting.chart(routes_figure(routes, _base_map(ver), k), key="sc_routes",
                    title=t("sc_routes"), unit="人", page="supply_chain",
                    data=exporting.suppress(routes[["from_name", "to_name", "direction", "moves"]],
                                            ["moves"], k),
                    config={"displaylogo": False, "scrollZoom": True})


def returnee_figure(ret: pd.DataFrame, k: int | None) -> go.Figure | None:
    """Countries by returnees; countries with fewer than k people are merged into 其他, which
    is left out when it is itself below k (small-cell suppression)."""
    small = ret["talent"] < (k or 0)
    rest = int(ret.loc[small, "talent"].sum())
    df = ret[~small]
    if k and rest >= k:
        df = pd.concat([df, pd.DataFrame({"country": [f"其他 (各不足 {k} 人)"], "talent": [rest]})])
    df = df[::-1]
    if df.empty:
        return None
    fig = go.Figure(go.Bar(x=df["talent"], y=df["country"].map(html.escape), orientation="h",
                           marker_color="#2f6fb0", text=df["talent"].map(lambda v: f"{v:,}"),
                           textposition="auto",
                           hovertemplate="%{y}: %{x:,} 人<extra></extra>"))
    fig.update_layout(height=max(200, 34 * len(df) + 60), xaxis_title="海归人才 (人)",
                      yaxis_title=None, margin={"l": 10, "r": 10, "t": 10, "b": 30})
    return fig


if __name__ == "__main__":  # run as a page by st.navigation
    page()
