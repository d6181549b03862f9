"""What is published: its version stamp, row counts, recent batches and quarantine by reason.

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
    """What is published: table row counts, recent batches, quarantine counts by reason."""
    tables = DIMENSION_TABLES + FACT_TABLES + MART_TABLES
    counts = {t: fetch_one(con, f"SELECT count(*) FROM {t}")[0]  # noqa: S608
              for t in tables}
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    batches = con.execute(BATCHES if _has_view(con, "batch_reconciliation") else BATCHES_OLD).df()
    batches = batches.astype({"rows_present": "Int64", "rows_replaced": "Int64"})
    reasons = con.execute(
        f"SELECT field, {REASON_KIND} AS reason, count(*) AS rows "  # noqa: S608 - constant
        "FROM quarantine GROUP BY ALL ORDER BY rows DESC").df()
    return {"meta": meta, "counts": counts, "batches": batches, "quarantine": reasons}


def _has_view(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return fetch_one(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name])[0] > 0


# Recent batches with the rows each recorded and the rows present now, counted in the fact
# tables (talent_contact aside: contacts travel with talents). rows_replaced: rows a later
# batch replaced (same key, newer export), so rows_present = rows_loaded - rows_replaced.
BATCHES = """
SELECT l.batch_id, l.file, l.kind, l.status, l.rows_read, l.rows_loaded, r.rows_present,
       r.rows_replaced, l.rows_quarantined, l.finished_at, l.message
FROM load_batch l
LEFT JOIN (SELECT batch_id,
                  sum(rows_present) FILTER (WHERE table_name <> 'talent_contact') AS rows_present,
                  sum(rows_replaced) FILTER (WHERE table_name <> 'talent_contact')
                      AS rows_replaced
           FROM batch_reconciliation GROUP BY ALL) r USING (batch_id)
ORDER BY l.batch_id DESC LIMIT 20"""
BATCHES_OLD = """
SELECT batch_id, file, kind, status, rows_read, rows_loaded, NULL AS rows_present,
       NULL AS rows_replaced, rows_quarantined, finished_at, message
FROM load_batch ORDER BY batch_id DESC LIMIT 20"""
