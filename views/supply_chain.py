"""产业链: the AI industry chain of the region in view — every node's status (固链 / 强链 / 补链 /
延链) against editable thresholds and a chosen benchmark, the largest gaps, a regions × nodes
heatmap, the detail of one node with its recruitment lists (views/chain_node.py), and talent
flows (views/chain_flows.py).

Thin: read filters → cached analytics (views/state.py) → figures/ → draw. Definitions and
the SQL behind every number: docs/supply-chain.md.
"""

from __future__ import annotations

import html
from functools import partial

import pandas as pd
import streamlit as st

from analytics import disclosure, gaps
from analytics.filters import COUNTRY, Thresholds
from figures import chain as chain_figs
from figures import gaps as gap_figs
from figures import heatmap as heat_figs
from views import (
    auth,
    chain_flows,
    chain_node,
    chain_targets,
    components,
    exporting,
    sidebar,
    state,
)
from views.i18n import t

FIG_KEY = "sc_chain_figure"
STATUSES = chain_figs.STATUSES


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()  # None: recruiter/admin, who may see individuals
    year = state.year(ver, f)
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
    df = state.chain(ver, f.region, year, th, bench)
    df = disclosure.nodes_shown(df, k, unknown=t("unknown")).assign(national=f.region == COUNTRY)
    status_counts(df)
    node_key = f"sc_node_{f.region}"
    node_from_url(df, node_key)
    chain_node.keep_pick(df, node_key)
    chain_section(df, node_key, name, chain_filters_text(ver, f.region, year, bench))
    gaps_col, heat_col = st.columns([2, 3])
    with gaps_col:
        if f.region == COUNTRY:  # the country against itself: every LQ is 1, no gap to show
            national_shortage_section(df)
        else:
            top_gaps_section(df)
    with heat_col:
        heatmap_section(ver, f.region, year, th, bench, k)
    node = chain_node.section(ver, df, f.region, year, k, node_key)
    node_name = str(df.set_index("node_id").at[node, "name_zh"])
    chain_targets.section(ver, f.region, node, node_name, year, th, bench, k)  # 招引 (issue 19)
    chain_flows.section(ver, f, year, node, k)
    components.freshness_line(ver)


def node_from_url(df, node_key: str) -> None:
    """``?node=T14`` (a 风险预警 link) picks that node once, when the page opens with it; an
    unknown id is ignored."""
    start = st.session_state.get(sidebar.START_URL) or {}  # the sidebar rewrites the URL
    want = st.query_params.get("node") or start.get("node")
    if isinstance(want, list):
        want = want[-1] if want else None
    if want and want in set(df["node_id"]) and st.session_state.get("_sc_node_url") != want:
        st.session_state[node_key] = want
        st.session_state["_sc_node_url"] = want


# -- controls ----------------------------------------------------------------------------------
TH_KEYS = {"sc_th_missing": "lq_missing", "sc_th_stronghold": "lq_stronghold",
           "sc_th_severe": 0, "sc_th_shortage": 1, "sc_th_balanced": 2}


def _th_default(th: Thresholds, field) -> float:
    return float(th.sd_bands[field] if isinstance(field, int) else getattr(th, field))


TH_APPLIED = "sc_th_applied"  # the thresholds in force: set by 应用阈值 and 恢复默认阈值 only


def threshold_controls(defaults: Thresholds) -> Thresholds:
    """The thresholds in force (defaults from settings; for this session), editable in an
    expander and put in force by 应用阈值. Not read from the boxes on every run: on a busy
    machine a rerun (a button click elsewhere on the page) has delivered two of these boxes as
    their minimum, 0, which silently turned every 补链 node into 强链 (the pipeline browser
    test); what is in force now changes only when the reader applies or resets."""
    applied = st.session_state.get(TH_APPLIED) or {}
    values = {field: float(applied.get(key, _th_default(defaults, field)))
              for key, field in TH_KEYS.items()}
    with st.expander(t("sc_thresholds")):
        cols = st.columns(len(TH_KEYS))
        for col, (key, field) in zip(cols, TH_KEYS.items(), strict=True):
            if key not in st.session_state:  # the box starts at the value in force
                st.session_state[key] = values[field]
            col.number_input(t(key), min_value=0.0, max_value=100.0, step=0.1, format="%.2f",
                             key=key)
        a, b = st.columns(2)
        a.button(t("sc_th_apply"), key="sc_th_apply", on_click=_apply_thresholds,
                 type="primary", width="stretch")
        b.button(t("sc_th_reset"), key="sc_th_reset", on_click=_reset_thresholds,
                 args=(defaults,), width="stretch")
    th = Thresholds(small_cell_k=defaults.small_cell_k, lq_missing=values["lq_missing"],
                    lq_stronghold=values["lq_stronghold"],
                    sd_bands=(values[0], values[1], values[2]),
                    lq_min_base=defaults.lq_min_base)
    if th.lq_missing > th.lq_stronghold or sorted(th.sd_bands) != list(th.sd_bands):
        st.warning(t("sc_th_order"))
    return th


def _apply_thresholds() -> None:
    st.session_state[TH_APPLIED] = {key: float(st.session_state[key]) for key in TH_KEYS}


def _reset_thresholds(defaults: Thresholds) -> None:
    st.session_state.pop(TH_APPLIED, None)
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


def status_counts(df: pd.DataFrame) -> None:
    cols = st.columns(len(STATUSES))
    counts = df["status"].value_counts()
    for col, status in zip(cols, STATUSES, strict=True):
        col.metric(f"{status} 环节", f"{int(counts.get(status, 0))} 个", border=True,
                   help=gaps.STATUS_HELP[status])


# -- chain diagram -----------------------------------------------------------------------------
CHAIN_COLUMNS = {"layer": "产业链层级", "segment": "环节分组", "name_zh": "环节", "status": "状态",
                 "reason": "判定依据", "lq_text": "lq_talent", "sd_text": "sd_ratio",
                 "gap_text": "gap_score"}


def chain_section(df: pd.DataFrame, node_key: str, region_name: str = "",
                  filters_text: str | None = None) -> None:
    st.subheader(t("sc_diagram"))
    st.caption(t("sc_diagram_help"))
    if node_key not in st.session_state:
        st.session_state[node_key] = top_gap_node(df)
    selected = st.session_state[node_key]
    # A new key per selected node: each click starts from an empty plotly selection, so a box
    # clicked before is selected again by the next click on it.
    chart_key = f"{FIG_KEY}_{node_key}_{selected}"
    # The export's title names the region; its filter line the year and benchmark (the
    # statuses use all talent: the sidebar's talent filters do not apply).
    columns = {c: t(label) for c, label in CHAIN_COLUMNS.items()}
    exporting.chart(chain_figs.chain_figure(df, selected, unknown=t("unknown")), key=chart_key,
                    title=" · ".join(x for x in (t("sc_diagram"), region_name) if x),
                    data=df[list(columns)].rename(columns=columns), filters_text=filters_text,
                    unit=f"状态 · {t('lq_talent')}", page="supply_chain",
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
def top_gaps_section(df: pd.DataFrame) -> None:
    st.subheader(t("sc_top_gaps"))
    exporting.chart(gap_figs.top_gaps_figure(df), key="sc_top_gaps", title=t("sc_top_gaps"),
                    data=df[df["gap_score"].notna()].nlargest(10, "gap_score")[
                        ["name_zh", "status", "gap_score", "sd_band", "reason"]],
                    unit="差距分 0–100", page="supply_chain", config={"displaylogo": False})


def national_shortage_section(df: pd.DataFrame) -> None:
    """全国: the nodes with the tightest supply/demand (LQ against itself would be 1 everywhere)."""
    st.subheader(t("sc_national_shortage"))
    st.caption(t("sc_national_note"))
    top = gap_figs.tightest(df)
    exporting.chart(gap_figs.shortage_figure(top), key="sc_national_shortage",
                    title=t("sc_national_shortage"),
                    data=top[["name_zh", "sd_text", "sd_band", "postings"]].rename(
                        columns={"sd_text": "sd_ratio"}),
                    unit="供需比", page="supply_chain", config={"displaylogo": False})


def heatmap_section(ver: str, region: str, year: int, th: Thresholds, bench: str,
                    k: int | None) -> None:
    st.subheader(t("sc_heatmap"))
    leaf = region not in state.reference(ver)["children"]  # no place lies within it
    local = "sc_heat_siblings" if leaf else "sc_heat_children"
    a, b = st.columns(2)
    # One key per wording: the same key with other option labels (下辖 → 同级, a drill into a
    # district) left neither option selected.
    scope = a.radio(t("sc_heat_regions"), ["children", "peers"], horizontal=True,
                    key=f"sc_heat_scope_{local}", index=0,
                    format_func=lambda s: t(local) if s == "children" else t("sc_heat_peers"))
    metric = b.selectbox(t("metric"), list(heat_figs.HEAT_METRICS),
                         format_func=heat_figs.HEAT_METRICS.get, key="sc_heat_metric")
    codes = tuple(state.compared_regions(ver, region, scope or "children"))
    matrix = state.matrix(ver, codes, year, th, bench)
    if matrix.empty:
        st.info(t("no_data"))
        return
    ctl = heat_figs.controlled(matrix, k)  # once, for the figure and its data
    ranked = heat_figs.ranked_regions(ctl, metric, first=region)
    top = len(ranked)
    if top > heat_figs.DEFAULT_TOP:
        top = st.slider(t("sc_heat_top"), min_value=5,
                        max_value=min(len(ranked), heat_figs.MAX_TOP),
                        value=heat_figs.DEFAULT_TOP, key="sc_heat_top",
                        help=t("sc_heat_top_help").format(n=len(ranked)))
    shown = ranked[:top]
    label = heat_figs.HEAT_METRICS[metric]
    data = ctl.values.assign(**{c: ctl.text(c, str) for c in ctl.why})
    exporting.chart(heat_figs.heatmap_figure(matrix, metric, k, ctl, unknown=t("unknown"),
                                             regions=shown),
                    key="sc_heatmap", title=f"{t('sc_heatmap')} · {label}",
                    data=data[data["adcode"].isin(shown)], unit=heat_figs.unit_text(metric),
                    filters_text=chain_filters_text(ver, region, year, bench),
                    page="supply_chain", config={"displaylogo": False})


def chain_filters_text(ver: str, region: str, year: int, bench: str) -> str:
    """The 产业链 page's filters in words (its statuses use all talent, the sidebar's talent
    filters aside): region, year and benchmark."""
    return (f"地区 {sidebar.region_name(ver, region)} · {year} 年 · "
            f"{t('sc_bench')} {sidebar.region_name(ver, bench)}")


if __name__ == "__main__":  # run as a page by st.navigation
    page()
