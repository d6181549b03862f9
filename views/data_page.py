"""数据: load batches, row counts, quarantine by reason with its rows, the data dictionary and the
metric definitions."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from etl.warehouse import FACT_TABLES, MART_TABLES, REASON_KIND
from views import components, state
from views.i18n import t

DOCS = Path(__file__).resolve().parent.parent / "docs"
BATCHES = ("SELECT batch_id AS 批次, regexp_extract(file, '[^/]+$') AS 文件, kind AS 类型, "
           "source AS 来源, status AS 状态, rows_read AS 读取行数, rows_loaded AS 载入行数, "
           "rows_quarantined AS 隔离行数, finished_at AS 完成时间, message AS 说明 "
           "FROM load_batch ORDER BY batch_id DESC")
REASONS = (f"SELECT field AS 字段, {REASON_KIND} AS 原因, count(*) AS 行数 "  # noqa: S608
           "FROM quarantine GROUP BY ALL ORDER BY 行数 DESC")
ROWS = (f"SELECT batch_id AS 批次, regexp_extract(file, '[^/]+$') AS 文件, row_number AS 行号, "  # noqa: S608
        "field AS 字段, reason AS 原因, raw AS 原始数据 FROM quarantine "
        f"WHERE (? = '' OR {REASON_KIND} = ?) "
        "ORDER BY batch_id, row_number LIMIT 2000")


def page() -> None:
    ver = state.version()
    st.title(t("data"))
    tabs = st.tabs([t("batches"), t("quarantine"), t("dictionary"), t("definitions")])
    with tabs[0]:
        st.dataframe(state.table(ver, BATCHES), hide_index=True, width="stretch")
        st.subheader(t("row_counts"))
        counts = {name: int(state.table(ver, f"SELECT count(*) AS n FROM {name}")  # noqa: S608
                            ["n"].iloc[0]) for name in FACT_TABLES + MART_TABLES}  # whitelist
        st.dataframe({"表": list(counts), "行数": list(counts.values())}, hide_index=True)
    with tabs[1]:
        reasons = state.table(ver, REASONS)
        st.dataframe(reasons, hide_index=True, width="stretch")
        options = [""] + sorted(reasons["原因"].unique().tolist())
        reason = st.selectbox("按原因筛选", options, format_func=lambda r: r or t("all"),
                              key="quarantine_reason")
        st.dataframe(state.table(ver, ROWS, (reason, reason)), hide_index=True, width="stretch")
    with tabs[2]:
        st.markdown(_doc("data-dictionary.md"))
    with tabs[3]:
        st.markdown(_doc("metrics.md"))
    components.freshness_line(ver)


def _doc(name: str) -> str:
    path = DOCS / name
    return path.read_text(encoding="utf-8") if path.exists() else f"({name} 缺失)"


if __name__ == "__main__":  # run as a page by st.navigation
    page()
