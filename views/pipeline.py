"""招引跟踪: every tracked 招引 target (issue 19) — the funnel by stage, targets by chain node and
stage, the status each node would reach once its signed and landed targets land, the list with
overdue next steps first (CSV/XLSX for the export roles), and a target's form and history.

Thin: targets from access/targets.py (read on every run: they change with each save), tables
from analytics/pipeline.py, projections from analytics/whatif.py, charts from figures/pipeline.py.
Every role sees the page; planners, recruiters and admins edit (checked again in access/targets).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from access import targets as tg
from analytics import pipeline as pl
from analytics import whatif
from analytics.filters import COUNTRY
from figures import pipeline as pipe_figs
from views import auth, cells, chain_targets, components, exporting, state, target_edit
from views.i18n import t


def page() -> None:
    ver = state.version()
    st.title(t("pipeline"))
    target_edit.show_message()
    try:
        targets = tg.list_targets(target_edit.store())
    except tg.TargetError as e:
        st.error(str(e))
        return
    if not targets:
        st.info(t("pl_empty"))
        components.freshness_line(ver)
        return
    ref = state.reference(ver)
    nodes = ref["nodes"]
    node_names = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    df = pl.frame(targets, ref["region_names"], node_names)
    shown = filters(df, node_names, ref["region_names"])
    kpis(shown)
    left, right = st.columns([2, 3])
    with left:
        st.subheader(t("pl_funnel"))
        funnel = pl.funnel(shown)
        exporting.chart(pipe_figs.funnel_figure(funnel), key="pl_funnel", title=t("pl_funnel"),
                        data=funnel.rename(columns={"stage": "阶段", "at": "当前处于",
                                                    "reached": "到达该阶段"}),
                        unit="目标数", page="pipeline", filters_text=filters_text(),
                        config={"displaylogo": False})
    with right:
        st.subheader(t("pl_by_node"))
        matrix = pl.by_node(shown, list(nodes.sort_values("sequence")["node_id"]))
        if matrix.empty:
            st.info(t("no_data"))
        else:
            exporting.chart(pipe_figs.node_stage_figure(matrix, tg.ALL_STAGES), key="pl_by_node",
                            title=t("pl_by_node"),
                            data=matrix.rename(columns={"node": "环节代码", "node_name": "环节"}),
                            unit="目标数", page="pipeline", filters_text=filters_text(),
                            config={"displaylogo": False})
    projections(ver, [x for x in targets if x.id in set(shown["id"])], ref["region_names"])
    target_list(shown)
    edit_section(ver, [x for x in targets if x.id in set(shown["id"])])
    components.freshness_line(ver)


def filters(df: pd.DataFrame, node_names: dict, region_names: dict) -> pd.DataFrame:
    cols = st.columns(4)
    stages = cols[0].multiselect(t("pl_f_stage"), list(tg.ALL_STAGES), key="pl_f_stage",
                                 placeholder=t("choose"))
    nodes = cols[1].multiselect(t("pl_f_node"), sorted(df["node"].unique()), key="pl_f_node",
                                format_func=lambda n: f"{node_names.get(n, n)} ({n})",
                                placeholder=t("choose"))
    owners = cols[2].multiselect(t("pl_f_owner"), sorted(df["owner"].unique()),
                                 key="pl_f_owner", placeholder=t("choose"))
    regions = cols[3].multiselect(t("pl_f_region"), sorted(df["region"].unique()),
                                  key="pl_f_region", format_func=lambda c: region_names.get(c, c),
                                  placeholder=t("choose"))
    return pl.filtered(df, stages, nodes, owners, regions)


def filters_text() -> str:
    s = st.session_state
    parts = [f"{label} {'、'.join(map(str, s.get(key) or [])) or '全部'}"
             for key, label in (("pl_f_stage", "阶段"), ("pl_f_node", "环节"),
                                ("pl_f_owner", "负责人"), ("pl_f_region", "地区"))]
    return " · ".join(parts)


def kpis(df: pd.DataFrame) -> None:
    signed = df[df["stage"].isin(pl.LANDING_STAGES)]
    cols = st.columns(5)
    cols[0].metric(t("pl_k_total"), f"{len(df)} 个", border=True)
    cols[1].metric(t("pl_k_signed"), f"{len(signed)} 个", border=True)
    cols[2].metric(t("pl_k_expected"), f"{int(signed['expected_talents'].sum())} 人",
                   border=True)
    cols[3].metric(t("pl_k_investment"), f"{signed['investment_wan'].sum():,.2f}", border=True)
    cols[4].metric(t("pl_k_overdue"), f"{int(df['overdue'].sum())} 个", border=True)


def projections(ver: str, targets: list[tg.Target], region_names: dict) -> None:
    """Per region: the nodes with signed or landed targets, today and once they land."""
    regions = sorted({x.region for x in targets if x.stage in pl.LANDING_STAGES})
    if not regions:
        return
    st.subheader(t("pl_projection"))
    st.caption(t("pl_projection_help"))
    year = state.reference(ver)["default_year"]
    th, k = state.thresholds(), auth.small_cell_k()
    for region in regions:
        chain = state.chain(ver, region, year, th, COUNTRY)
        proj = whatif.projection(chain, pl.landing_scenarios(targets, region), th,
                                 state.bench_contains(ver, region, COUNTRY))
        st.markdown(f"**{components.md(region_names.get(region, region))}** · {year} 年")
        st.table(whatif.projection_shown(proj, chain, k, unknown=t("unknown")).rename(
            columns={"name_zh": "环节", "scenario": "落地内容", "status": "当前状态",
                     "status_after": "落地后状态", "lq": f"{t('lq_talent')} 当前",
                     "lq_after": f"{t('lq_talent')} 落地后", "gap": f"{t('gap_score')} 当前",
                     "gap_after": f"{t('gap_score')} 落地后"}), hide_index=True)


def target_list(df: pd.DataFrame) -> None:
    st.subheader(t("pl_list"))
    table = pl.list_table(df)
    overdue = int((table["逾期"] == "是").sum())
    if overdue:
        st.warning(t("pl_overdue_note").format(n=overdue))
    styled = cells.display_frame(table).style.apply(
        lambda row: ["background-color: #fde2e1" if row["逾期"] == "是" else ""] * len(row),
        axis=1).format({"预计投资 (万元)": "{:,.2f}"})
    st.dataframe(styled, hide_index=True, width="stretch", placeholder=cells.EMPTY)
    if auth.can_export():
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        lines = [t("pl_list"), f"筛选: {filters_text()}", f"导出时间: {stamp}"]
        components.download_buttons(table, lines, f"招引跟踪_{dt.date.today():%Y%m%d}",
                                    "pl_list", filters={"page": "pipeline",
                                                        "filters": filters_text()})


def edit_section(ver: str, targets: list[tg.Target]) -> None:
    if not targets:
        return
    st.subheader(t("pl_edit"))
    pick = st.selectbox(t("pl_pick_target"), [x.id for x in targets], key="pl_edit_pick",
                        format_func=lambda i: next(x.label for x in targets if x.id == i))
    chosen = next((x for x in targets if x.id == pick), targets[0])
    target_edit.editor(chosen, "page", chain_targets.landing_figures(ver))
    target_edit.history(chosen)


if __name__ == "__main__":  # run as a page by st.navigation
    page()
