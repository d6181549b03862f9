"""产业链 page, 环节详情: one chain node of the region — its figures, the node by sub-area and by
job title, the local enterprises, and its 招引清单 (recruitment lists) with CSV/XLSX downloads
(exports.tables writers: formulas neutralised, the XLSX headed by the list's context)."""

from __future__ import annotations

import html
import logging
from datetime import datetime

import pandas as pd
import streamlit as st

from analytics import chain_tables as ct
from analytics import gaps
from analytics.filters import COUNTRY, Filters
from exports import tables
from views import auth, chain_targets, components, sidebar, state
from views.i18n import t

log = logging.getLogger("talentmap.chain_node")
BADGE = {"固链": "green", "强链": "blue", "补链": "red", "延链": "orange"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def last_pick_key(node_key: str) -> str:
    return f"_{node_key}_last"


def keep_pick(df: pd.DataFrame, node_key: str) -> None:
    """The node a reader picked stays picked when the node box's state arrives empty (the
    page left and opened again) or as no node of the chain. The box's options carry the node's
    status, and its value travels as that label: a rerun sent with the label of a render whose
    statuses have since changed deserializes to no option, and Streamlit falls back to the
    first node (AI芯片). Seen in the pipeline browser test while the threshold boxes arrived as
    0 (fixed in supply_chain.threshold_controls); the guard stays for any status change. The
    node last shown is put back before the diagram and the box are drawn. A ?node= link and a
    click on the diagram set a node of the chain, which stands."""
    last = st.session_state.get(last_pick_key(node_key))
    current = st.session_state.get(node_key)
    ids = set(df["node_id"])
    if current not in ids and last in ids:
        log.warning("node box %s arrived as %r: the node shown before, %s, is kept",
                    node_key, current, last)
        st.session_state[node_key] = last


def node_picker(df: pd.DataFrame, node_key: str) -> str:
    names = dict(zip(df["node_id"], df["name_zh"], strict=True))
    status = dict(zip(df["node_id"], df["status"], strict=True))
    node = st.selectbox(t("sc_node"), list(df.sort_values("sequence")["node_id"]), key=node_key,
                        format_func=lambda n: f"{names.get(n, n)} · {status.get(n, '')}")
    st.session_state[last_pick_key(node_key)] = node
    return node


def section(ver: str, df: pd.DataFrame, region: str, year: int, k: int | None,
            node_key: str) -> str:
    """The node picked (the diagram's click sets it too); returns its id."""
    st.header(t("sc_detail"))
    node = node_picker(df, node_key)
    row = df.set_index("node_id").loc[node]
    node_header(row, year)
    chain_targets.stage_line(region, node)  # its 招引 targets by stage
    node_trends(ver, region, node, str(row["name_zh"]), k)
    detail = state.node_detail(ver, region, node, year)
    left, right = st.columns(2)
    with left:
        st.subheader(t("sc_by_area"))
        st.dataframe(ct.area_table(detail["area"], k, t("unknown")), hide_index=True,
                     width="stretch")
    with right:
        st.subheader(f"{t('sc_by_title')} · {year}")
        if detail["titles"].empty:
            st.info(t("no_data"))
        else:
            st.dataframe(ct.title_table(detail["titles"]), hide_index=True, width="stretch")
    with st.expander(t("sc_local_firms")):
        st.dataframe(ct.local_firms_table(detail["firms"]), hide_index=True, width="stretch")
    recruit_lists(ver, region, node, str(row["name_zh"]), year, k)
    return node


def node_header(row: pd.Series, year: int) -> None:
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


def node_trends(ver: str, region: str, node: str, node_name: str, k: int | None) -> None:
    """The node's figures in every year (all talent, as the statuses: the sidebar's talent
    filters do not apply)."""
    df = state.trends(ver, Filters(region=region, nodes=(node,)), region)
    if df.empty:
        return
    name = sidebar.region_name(ver, region)
    with st.expander(f"{t('trends')} · {html.escape(node_name)}", expanded=True):
        components.trend_chart(df, k, key="sc_node_trends", page="supply_chain",
                               title=f"{t('trends')} · {name} · {node_name}",
                               filters_text=f"地区 {name} · 环节 {node_name} ({node}) · 全部人才",
                               caption=t("trends_help"))


# -- 招引清单 -----------------------------------------------------------------------------------
def source_tables(ver: str, region: str, node: str, year: int,
                  k: int | None) -> dict[str, pd.DataFrame]:
    """The three lists as shown, by their tab's text key."""
    raw = state.sources(ver, region, node, year)
    return {"sc_src_regions": ct.regions_table(raw["regions"], k, t("unknown")),
            "sc_src_firms": ct.firms_table(raw["firms"]),
            "sc_src_pools": ct.pools_table(raw["pools"], k, t("unknown"))}


def recruit_lists(ver: str, region: str, node: str, node_name: str, year: int,
                  k: int | None) -> None:
    st.subheader(f"{t('sc_sources')} · {html.escape(node_name)}")
    if region == COUNTRY:
        st.info(t("sc_country_sources"))
        return
    lists = source_tables(ver, region, node, year, k)
    name = sidebar.region_name(ver, region)
    meta = {"地区": name, "产业链环节": f"{node_name} ({node})", "年份": year,
            "数据版本": ver, "导出时间": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "说明": f"人才数少于 {k} 人显示为 <{k}" if k else "人才数未作小数抑制"}
    for tab, (key, df) in zip(st.tabs([t(key) for key in lists]), lists.items(), strict=True):
        with tab:
            if df.empty:
                st.info(t("no_data"))
            elif key == "sc_src_regions":
                st.caption(t("sc_src_regions_order"))
            st.dataframe(df, hide_index=True, width="stretch", column_config={
                "区位商": st.column_config.NumberColumn(format="%.2f")})
            if auth.can_export():
                stem = f"招引清单_{t(key)}_{name}_{node_name.replace('/', '-')}_{year}"
                download_buttons(df, stem, meta | {"清单": t(key)}, key)
            chain_targets.add_control(ver, region, node, year, key)  # track an entry


def list_csv(df: pd.DataFrame) -> bytes:
    """The list as shown: UTF-8 with BOM (Excel shows the Chinese text), the header row first."""
    return tables.csv_bytes(df, [])


def list_xlsx(df: pd.DataFrame, meta: dict) -> bytes:
    """The list under its context (region, node, year, data version, export time …)."""
    title = f"{t('sc_sources')} · {meta.get('清单', '')}"
    lines = [title, *(f"{key}: {value}" for key, value in meta.items() if key != "清单")]
    # Figures shown as text ('1,214', '0.47') are number cells, as in every XLSX export (an
    # analyst sorts and sums them); withheld ones stay the labels '<5' / '保密', codes text.
    return tables.xlsx_bytes(df, lines, sheet="清单")


def download_buttons(df: pd.DataFrame, stem: str, meta: dict, key: str) -> None:
    """CSV and XLSX of the table as shown; each download is written to the audit log."""
    a, b, _ = st.columns([1, 1, 4])
    # Bytes made up front (small tables): a deferred file plus the audit callback's rerun
    # could lose the download.
    a.download_button(t("sc_download_csv"), list_csv(df), file_name=f"{stem}.csv",
                      mime="text/csv", key=f"{key}_csv", on_click=auth.audit,
                      args=("export", f"{stem}.csv", None, meta), icon=":material/download:")
    b.download_button(t("sc_download_xlsx"), list_xlsx(df, meta), file_name=f"{stem}.xlsx",
                      mime=XLSX_MIME, key=f"{key}_xlsx", on_click=auth.audit,
                      args=("export", f"{stem}.xlsx", None, meta), icon=":material/download:")
