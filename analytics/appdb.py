"""The dashboard's own small DuckDB (``app_db_path``, never the warehouse): the audit log.

Many sessions write, and DuckDB lets only one read-write connection per file exist across
processes. So every write opens a short-lived connection under a process-wide lock and retries
while another process holds the file; the file and its table are created on first use.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from etl.warehouse import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    "at"    TIMESTAMP NOT NULL,   -- local time of the server
    "user"  VARCHAR NOT NULL,
    role    VARCHAR NOT NULL,
    action  VARCHAR NOT NULL,     -- export | unmask | load
    target  VARCHAR,              -- file name, talent id …
    reason  VARCHAR,              -- required for unmask
    filters JSON                  -- the filters in force
)
"""
ACTIONS = ("export", "unmask", "load")
_LOCK = threading.Lock()  # one writer per process; other processes are waited for below
ATTEMPTS = 60
BACKOFF_S = 0.05


class AuditError(RuntimeError):
    """The audit log could not be written: the action it records must not happen."""


def _is_lock_error(e: Exception) -> bool:
    text = str(e).lower()
    return "lock" in text or "conflicting" in text or "being used" in text


def _with_connection(path: Path | str, work: Callable[[duckdb.DuckDBPyConnection], object]):
    """Run ``work`` on a fresh read-write connection, retrying while the file is locked."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for attempt in range(ATTEMPTS):
        with _LOCK:
            try:
                con = connect(p)
            except (duckdb.IOException, duckdb.ConnectionException) as e:
                if not _is_lock_error(e):
                    raise
                last = e
            else:
                try:
                    con.execute(SCHEMA)
                    return work(con)
                finally:
                    con.close()
        time.sleep(min(BACKOFF_S * (attempt + 1), 0.25))
    raise AuditError(f"审计日志被占用, 无法写入: {last}")


def record(path: Path | str, user: str, role: str, action: str, target: str | None = None,
           reason: str | None = None, filters: dict | None = None,
           at: dt.datetime | None = None) -> None:
    """Append one audit row (raises AuditError when it cannot be written)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    row = [at or dt.datetime.now(), user, role, action, target, reason,
           json.dumps(filters or {}, ensure_ascii=False, default=str, sort_keys=True)]
    _with_connection(path, lambda con: con.execute(
        'INSERT INTO audit ("at", "user", role, action, target, reason, filters) '
        "VALUES (?, ?, ?, ?, ?, ?, ?)", row).fetchall())


def audit_rows(path: Path | str, limit: int | None = None) -> pd.DataFrame:
    """The audit log, newest first (an empty frame when nothing was recorded yet)."""
    if not Path(path).exists():
        return pd.DataFrame(columns=["at", "user", "role", "action", "target", "reason",
                                     "filters"])
    sql = ('SELECT "at", "user", role, action, target, reason, filters FROM audit '
           'ORDER BY "at" DESC, rowid DESC LIMIT ?')
    df = _with_connection(path, lambda con: con.execute(sql, [limit or 2**62]).df())
    text = df.columns.drop("at")
    df[text] = df[text].astype(object).where(df[text].notna(), None)  # None, not NaN
    return df
