"""What is published: its version stamp, row counts, recent batches, quarantine by reason and
field warnings by field and reason.

Read by the data page, the CLI (``python -m etl status``) and the benchmarks, on a connection of
their own (``store.connection.connect``) or through the reader.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from store.connection import connect, fetch_one
from store.tables import DIMENSION_TABLES, FACT_TABLES, MART_TABLES, REASON_KIND


def published_version(db_path: Path) -> str | None:
    """The version stamp of the published file, or None when there is none."""
    if not Path(db_path).exists():
        return None
    con = connect(db_path, read_only=True)
    try:
        row = fetch_one(con, "SELECT value FROM meta WHERE key = 'version'")
        return row[0] if row else None
    finally:
        con.close()


def status(con: duckdb.DuckDBPyConnection) -> dict:
    """What is published: table row counts, recent batches, quarantine counts by reason, field
    warnings by field and reason and the batches that have them (both empty for a warehouse
    from before field warnings)."""
    run = lambda sql, params=None: con.execute(sql, params or []).df()  # noqa: E731
    counts = {t: int(run(count_sql(t))["n"].iloc[0])
              for t in DIMENSION_TABLES + FACT_TABLES + MART_TABLES}
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    batches = run(batches_sql(reconciled=reconciled(run), limit=20)).drop(columns="source")
    batches = batches.astype({"rows_present": "Int64", "rows_replaced": "Int64"})
    warned = has_warnings(run)
    return {"meta": meta, "counts": counts, "batches": batches, "quarantine": run(REASONS),
            "warnings": run(WARNINGS if warned else NO_WARNINGS),
            "warned_batches": run(WARNED_BATCHES if warned else NO_WARNED_BATCHES)}


# -- the queries, shared by status() and the data page (which caches them per version) --------
HAS_RECONCILIATION = ("SELECT count(*) AS n FROM duckdb_views() "
                      "WHERE view_name = 'batch_reconciliation'")
# Rows present now, counted in the fact tables (talent_contact aside: contacts travel with
# talents), and rows_replaced: rows a later batch replaced (same key, newer export), so
# rows_present = rows_loaded - rows_replaced, or the publish is refused.
_PRESENT = """
LEFT JOIN (SELECT batch_id,
                  sum(rows_present) FILTER (WHERE table_name <> 'talent_contact') AS rows_present,
                  sum(rows_replaced) FILTER (WHERE table_name <> 'talent_contact')
                      AS rows_replaced
           FROM batch_reconciliation GROUP BY ALL) r USING (batch_id)"""
# A headerless file's message quotes its first row ("columns found"): names, phone numbers.
_MASKED_MESSAGE = ("regexp_replace(l.message, '找到的列: [^;]*', "
                   "'找到的列: (含原始数据, 仅管理员可见)')")
REASONS = (f"SELECT field, {REASON_KIND} AS reason, count(*) AS rows "  # noqa: S608 - constant
           "FROM quarantine GROUP BY ALL ORDER BY rows DESC")
# Field warnings: a field a kept row could do without, loaded empty (etl.transform). Grouped
# like the quarantine: the reason without the value it quotes.
HAS_WARNINGS = ("SELECT count(*) AS n FROM duckdb_tables() "
                "WHERE table_name = 'field_warning'")
WARNINGS = (f"SELECT field, {REASON_KIND} AS reason, count(*) AS rows "  # noqa: S608 - constant
            "FROM field_warning GROUP BY ALL ORDER BY rows DESC, field, reason")
NO_WARNINGS = ("SELECT NULL::VARCHAR AS field, NULL::VARCHAR AS reason, 0::BIGINT AS rows "
               "WHERE false")
WARNED_BATCHES = ("SELECT batch_id, file, rows_loaded, rows_warned FROM load_batch "
                  "WHERE rows_warned > 0 ORDER BY batch_id DESC LIMIT 20")
NO_WARNED_BATCHES = ("SELECT NULL::INTEGER AS batch_id, NULL::VARCHAR AS file, "
                     "0::BIGINT AS rows_loaded, 0::BIGINT AS rows_warned WHERE false")


def reconciled(run) -> bool:
    """Whether the warehouse has the reconciliation view (one from before it does not)."""
    return int(run(HAS_RECONCILIATION)["n"].iloc[0]) > 0


def has_warnings(run) -> bool:
    """Whether the warehouse has field warnings (one from before them does not)."""
    return int(run(HAS_WARNINGS)["n"].iloc[0]) > 0


def batches_sql(*, reconciled: bool, mask_found_columns: bool = False,
                limit: int | None = None, warned: bool = False) -> str:
    """Load batches, newest first: what each recorded and, when ``reconciled``, the rows
    present now. ``mask_found_columns`` hides the raw first row quoted in some messages (for
    roles that may not see personal data). ``warned`` (a warehouse with field warnings) adds
    rows_warned after rows_quarantined: rows loaded with a field left empty."""
    present = ("CAST(r.rows_present AS BIGINT) AS rows_present, "
               "CAST(r.rows_replaced AS BIGINT) AS rows_replaced" if reconciled
               else "NULL AS rows_present, NULL AS rows_replaced")
    message = _MASKED_MESSAGE if mask_found_columns else "l.message"
    return (f"SELECT l.batch_id, l.file, l.kind, l.source, l.status, l.rows_read, "  # noqa: S608
            f"l.rows_loaded, {present}, l.rows_quarantined, "
            + ("l.rows_warned, " if warned else "")
            + f"l.finished_at, {message} AS message "
            f"FROM load_batch l {_PRESENT if reconciled else ''} ORDER BY l.batch_id DESC"
            + (f" LIMIT {int(limit)}" if limit else ""))


def quarantine_rows_sql(*, raw: bool) -> str:
    """Quarantined rows of one reason kind (parameters: the kind twice; '' for all). ``raw``
    adds the row as loaded and the reason's details (they quote the cell): admins only."""
    reason = "reason" if raw else REASON_KIND
    return (f"SELECT batch_id, file, row_number, field, {reason} AS reason"  # noqa: S608
            + (", raw" if raw else "")
            + f" FROM quarantine WHERE (? = '' OR {REASON_KIND} = ?) "
            "ORDER BY batch_id, row_number LIMIT 2000")


def warning_rows_sql(*, raw: bool) -> str:
    """Field warnings of one reason kind (parameters: the kind twice; '' for all). ``raw`` adds
    the cell as read and the reason's details (they quote the cell): admins only."""
    reason = "reason" if raw else REASON_KIND
    return (f"SELECT batch_id, file, row_number, field, {reason} AS reason"  # noqa: S608
            + (", raw" if raw else "")
            + f" FROM field_warning WHERE (? = '' OR {REASON_KIND} = ?) "
            "ORDER BY batch_id, row_number, field LIMIT 2000")


def count_sql(table: str) -> str:
    """Row count of a published table (a name from store.tables only)."""
    if table not in DIMENSION_TABLES + FACT_TABLES + MART_TABLES:
        raise ValueError(f"not a published table: {table!r}")
    return f"SELECT count(*) AS n FROM {table}"  # noqa: S608 - whitelisted above
