"""数据: load batches, row counts, quarantine by reason with its rows, field warnings (rows loaded
with a field left empty) by field and reason with their rows, the data dictionary and the metric
definitions. Admins also see the raw quarantined rows and warned values (they hold names and
phone numbers), the audit log, and can load files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import streamlit as st

import settings
from access import appdb, users
from store import status as published
from store.tables import FACT_TABLES, MART_TABLES
from views import auth, components, state
from views.i18n import t

DOCS = Path(__file__).resolve().parent.parent / "docs"
BATCH_COLUMNS = {"batch_id": "批次", "file": "文件", "kind": "类型", "source": "来源",
                 "status": "状态", "rows_read": "读取行数", "rows_loaded": "载入行数",
                 "rows_present": "现存行数", "rows_replaced": "被替换行数",
                 "rows_quarantined": "隔离行数", "rows_warned": "警告行数",
                 "finished_at": "完成时间", "message": "说明"}
ROW_COLUMNS = {"batch_id": "批次", "file": "文件", "row_number": "行号", "field": "字段",
               "reason": "原因", "raw": "原始数据"}
WARNINGS_TAB = "字段警告"


def _file_names(df):
    """Files by name alone (the server's folders are not the reader's business)."""
    return df.assign(file=[str(f).rsplit("/", 1)[-1] for f in df["file"]])


def page() -> None:
    ver = state.version()
    st.title(t("data"))
    admin = users.can_see_raw(auth.role())
    names = [t("batches"), t("quarantine"), WARNINGS_TAB, t("dictionary"), t("definitions")]
    tabs = st.tabs(names + (["审计日志", "加载数据"] if admin else []))
    warned = published.has_warnings(lambda sql: state.table(ver, sql))
    with tabs[0]:
        reconciled = published.reconciled(lambda sql: state.table(ver, sql))
        batches = state.table(ver, published.batches_sql(reconciled=reconciled,
                                                      mask_found_columns=not admin,
                                                      warned=warned))
        if not reconciled:  # a warehouse from before the reconciliation view
            batches = batches.drop(columns=["rows_present", "rows_replaced"])
        st.dataframe(_file_names(batches).rename(columns=BATCH_COLUMNS), hide_index=True,
                     width="stretch")
        if reconciled:
            st.caption("现存行数: 现在事实表中属于该批次的行数 (逐行清点); 之后以相同主键载入的更新导出会替换"
                       "旧行 (被替换行数)。现存 = 载入 − 被替换, 否则发布前的完整性检查不通过。")
        st.subheader(t("row_counts"))
        counts = {name: int(state.table(ver, published.count_sql(name))["n"].iloc[0])
                  for name in FACT_TABLES + MART_TABLES}
        st.dataframe({"表": list(counts), "行数": list(counts.values())}, hide_index=True)
    with tabs[1]:
        reasons = state.table(ver, published.REASONS).rename(
            columns={"field": "字段", "reason": "原因", "rows": "行数"})
        st.dataframe(reasons, hide_index=True, width="stretch")
        options = [""] + sorted(reasons["原因"].unique().tolist())
        reason = st.selectbox("按原因筛选", options, format_func=lambda r: r or t("all"),
                              key="quarantine_reason")
        rows = state.table(ver, published.quarantine_rows_sql(raw=admin), (reason, reason))
        st.dataframe(_file_names(rows).rename(columns=ROW_COLUMNS), hide_index=True,
                     width="stretch")
        if not admin:
            st.caption("原始数据列含个人信息, 仅管理员可见。")
    with tabs[2]:
        _warnings(ver, admin, warned)
    with tabs[3]:
        st.markdown(_doc("data-dictionary.md"))
    with tabs[4]:
        st.markdown(_doc("metrics.md"))
    if admin:
        with tabs[5]:
            _audit_log()
        with tabs[6]:
            _load_form()
    components.freshness_line(ver)


def _warnings(ver, admin: bool, warned: bool) -> None:
    """Field warnings by field and reason, and their rows: the same rule as the quarantine
    (reasons without the values they quote, and no raw value, unless admin)."""
    st.caption("这些行已载入, 只是所列字段无法识别而留空; 不影响行数, 只影响该字段的统计。")
    if not warned:
        st.info("这个数据库早于字段警告, 没有记录; 重新加载后即有。")
        return
    reasons = state.table(ver, published.WARNINGS).rename(
        columns={"field": "字段", "reason": "原因", "rows": "行数"})
    st.dataframe(reasons, hide_index=True, width="stretch")
    options = [""] + sorted(reasons["原因"].unique().tolist())
    reason = st.selectbox("按原因筛选", options, format_func=lambda r: r or t("all"),
                          key="warning_reason")
    rows = state.table(ver, published.warning_rows_sql(raw=admin), (reason, reason))
    st.dataframe(_file_names(rows).rename(columns=ROW_COLUMNS), hide_index=True,
                 width="stretch")
    if not admin:
        st.caption("原始数据列含个人信息, 仅管理员可见。")


def _audit_log() -> None:
    """The latest audit rows (exports, unmasked contacts, loads)."""
    df = appdb.audit_rows(settings.path("app_db_path"), limit=500, with_seq=True)
    st.dataframe(df.rename(columns={"seq": "序号", "at": "时间", "user": "用户", "role": "角色",
                                    "action": "操作", "target": "对象", "reason": "理由",
                                    "filters": "筛选条件"}),
                 hide_index=True, width="stretch")
    st.caption("每行带上一行的哈希 (链式), 删改或倒签会被 `python -m analytics audit-verify` 发现; "
               "序号为空的是启用链式记录之前的旧记录。")


def _load_form() -> None:
    """Upload files and load them through the ETL (published atomically, like `etl load`)."""
    with st.form("load_files", clear_on_submit=True):
        files = st.file_uploader("数据文件 (CSV/TSV/XLSX/JSON/JSONL/Parquet)",
                                 accept_multiple_files=True)
        source = st.text_input("数据来源", value=settings.get("default_source"))
        go = st.form_submit_button("加载并发布", type="primary")
    if go and files:
        paths = _save_uploads(files)
        with st.status("正在加载 …", expanded=True) as status:
            from store.jobs import load_files_isolated

            report = load_files_isolated(paths, source=source or None, progress=st.write)
            status.update(label="加载完成" if report.ok else "部分文件失败",
                          state="complete" if report.ok else "error")
        auth.audit("load", ", ".join(p.name for p in paths), filters={"source": source})
        st.dataframe([vars(f) for f in report.files], hide_index=True)


def _save_uploads(files) -> list[Path]:
    """Uploaded files saved under raw_dir/uploads/<time>/ with safe names."""
    folder = settings.path("raw_dir") / "uploads" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for up in files:
        name = re.sub(r"[^\w.\-]", "_", Path(up.name).name)[:120] or "upload"
        path = folder / name
        path.write_bytes(up.getvalue())
        out.append(path)
    return out


def _doc(name: str) -> str:
    path = DOCS / name
    return path.read_text(encoding="utf-8") if path.exists() else f"({name} 缺失)"


if __name__ == "__main__":  # run as a page by st.navigation
    page()
