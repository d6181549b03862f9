"""风险预警 storage: the alerts each published version raised, their life (new, still true,
resolved), the snapshots the next evaluation compares against, and acknowledgements — kept in
the app's own storage beside ``app_db_path`` (``data/app/app.alerts.sqlite``), never in the
warehouse, which the app only reads. SQLite in WAL mode, one transaction per evaluation (the
pattern of ``access/saved_views``): a crash mid-write leaves the last evaluation whole, two
processes evaluating the same version take turns and the second finds it done.

The rules themselves are in ``analytics/alerts.py``; this module stores what they found.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SUFFIX = ".alerts.sqlite"
BUSY_MS = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS evaluation (
    version      TEXT PRIMARY KEY,
    evaluated_at TEXT NOT NULL,
    alerts       INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS alert (
    key              TEXT NOT NULL,
    first_version    TEXT NOT NULL,
    last_version     TEXT NOT NULL,       -- the latest evaluated version where it was true
    resolved_version TEXT,                -- the first evaluated version where it was not
    rule             TEXT NOT NULL,
    severity         TEXT NOT NULL,
    region           TEXT NOT NULL,
    node_id          TEXT,
    subject          TEXT,
    year             INTEGER,
    reason           TEXT NOT NULL,
    people           TEXT NOT NULL,       -- JSON: counts of people the alert speaks of
    link             TEXT NOT NULL,       -- the page and query that explain it
    PRIMARY KEY (key, first_version)
);
CREATE TABLE IF NOT EXISTS snapshot (
    version TEXT NOT NULL,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (version, kind, key)
);
CREATE TABLE IF NOT EXISTS ack (
    key           TEXT NOT NULL,
    first_version TEXT NOT NULL,
    user          TEXT NOT NULL,
    at            TEXT NOT NULL,
    PRIMARY KEY (key, first_version, user)
);
"""
COLUMNS = ["key", "first_version", "last_version", "resolved_version", "rule", "severity",
           "region", "node_id", "subject", "year", "reason", "people", "link"]


class AlertStoreError(RuntimeError):
    """The alert store could not be read or written (the message says why, in Chinese)."""


@dataclass(frozen=True)
class Alert:
    """One alert as a rule raised it in a version."""
    key: str
    rule: str
    severity: str
    region: str
    reason: str
    link: str
    node_id: str | None = None
    subject: str | None = None
    year: int | None = None
    people: dict[str, int] = field(default_factory=dict)


def store_path(app_db_path: Path | str) -> Path:
    p = Path(app_db_path)
    return p if p.suffix == ".sqlite" else p.with_name(p.stem + SUFFIX)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        con.execute("PRAGMA journal_mode = WAL")
        con.executescript(SCHEMA)
        return con
    except (OSError, sqlite3.Error) as e:
        raise AlertStoreError(f"预警存储无法打开: {e}") from e


def evaluated(path: Path | str, version: str) -> bool:
    p = store_path(path)
    if not p.exists():
        return False
    con = _connect(p)
    try:
        return con.execute("SELECT 1 FROM evaluation WHERE version = ?", (version,)).fetchone() \
            is not None
    finally:
        con.close()


def stamp(path: Path | str) -> tuple[int, str | None, int] | None:
    """What changes whenever ``alerts(path)`` can change, read cheaply (no schema script):
    the evaluations — ``record`` adds one in the transaction that writes its alerts — and the
    acknowledgements (only ever added). None when there is no store (or no schema) yet."""
    p = store_path(path)
    if not p.exists():
        return None
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True,
                              timeout=BUSY_MS / 1000)
    except sqlite3.Error as e:
        raise AlertStoreError(f"预警存储无法打开: {e}") from e
    try:
        n, latest, acks = con.execute(
            "SELECT (SELECT count(*) FROM evaluation), (SELECT max(version) FROM evaluation), "
            "(SELECT count(*) FROM ack)").fetchone()
        return n, latest, acks
    except sqlite3.OperationalError:  # created, its tables not yet: nothing to cache on
        return None
    finally:
        con.close()


def last_evaluated(path: Path | str) -> str | None:
    """The latest evaluated version (versions sort as their UTC timestamps)."""
    p = store_path(path)
    if not p.exists():
        return None
    con = _connect(p)
    try:
        row = con.execute("SELECT max(version) FROM evaluation").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def snapshot(path: Path | str, version: str | None, kind: str) -> dict[str, dict]:
    """The snapshot of a kind taken at an evaluated version (empty when none)."""
    p = store_path(path)
    if version is None or not p.exists():
        return {}
    con = _connect(p)
    try:
        rows = con.execute("SELECT key, value FROM snapshot WHERE version = ? AND kind = ?",
                           (version, kind)).fetchall()
    finally:
        con.close()
    return {k: json.loads(v) for k, v in rows}


def record(path: Path | str, version: str, alerts: Iterable[Alert],
           snapshots: dict[str, dict[str, dict]]) -> bool:
    """Store one evaluation: new alerts open, still-true ones advance, the rest resolve; and the
    snapshots for the next one. False when the version was already evaluated (nothing done)."""
    alerts = list(alerts)
    keys = {a.key for a in alerts}
    if len(keys) != len(alerts):
        raise AlertStoreError("同一预警在一次评估中出现两次")
    con = _connect(store_path(path))
    try:
        con.execute("BEGIN IMMEDIATE")
        if con.execute("SELECT 1 FROM evaluation WHERE version = ?", (version,)).fetchone():
            con.execute("ROLLBACK")
            return False
        open_rows = dict(con.execute(
            "SELECT key, first_version FROM alert WHERE resolved_version IS NULL").fetchall())
        for a in alerts:
            values = (a.rule, a.severity, a.region, a.node_id, a.subject, a.year, a.reason,
                      json.dumps(a.people, ensure_ascii=False), a.link)
            if a.key in open_rows:
                con.execute("UPDATE alert SET last_version = ?, rule = ?, severity = ?, "
                            "region = ?, node_id = ?, subject = ?, year = ?, reason = ?, "
                            "people = ?, link = ? WHERE key = ? AND first_version = ?",
                            (version, *values, a.key, open_rows[a.key]))
            else:
                con.execute(f"INSERT INTO alert ({', '.join(COLUMNS)}) "  # noqa: S608 - constants
                            f"VALUES ({', '.join('?' * len(COLUMNS))})",
                            (a.key, version, version, None, *values))
        for key, first in open_rows.items():
            if key not in keys:
                con.execute("UPDATE alert SET resolved_version = ? WHERE key = ? AND "
                            "first_version = ?", (version, key, first))
        for kind, entries in snapshots.items():
            con.executemany("INSERT INTO snapshot VALUES (?, ?, ?, ?)",
                            [(version, kind, k, json.dumps(v, ensure_ascii=False))
                             for k, v in entries.items()])
        con.execute("INSERT INTO evaluation VALUES (?, ?, ?)",
                    (version, dt.datetime.now().isoformat(timespec="seconds"), len(alerts)))
        con.execute("COMMIT")
        return True
    except sqlite3.Error as e:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise AlertStoreError(f"预警无法保存: {e}") from e
    finally:
        con.close()


def alerts(path: Path | str, since: str | None = None) -> pd.DataFrame:
    """Every alert (one row per key and opening), with ``state`` relative to the latest
    evaluated version: 新 (opened there), 持续 (opened earlier, still true), 已解除 (resolved);
    ``since``: only those opened, still true or resolved at or after that version."""
    p = store_path(path)
    empty = pd.DataFrame(columns=[*COLUMNS, "state", "acked_by"])
    if not p.exists():
        return empty
    con = _connect(p)
    try:
        latest = con.execute("SELECT max(version) FROM evaluation").fetchone()[0]
        df = pd.read_sql_query(
            "SELECT a.*, (SELECT group_concat(user, '、') FROM ack k WHERE k.key = a.key "
            "AND k.first_version = a.first_version) AS acked_by FROM alert a", con)
    finally:
        con.close()
    if df.empty:
        return empty
    if since:
        df = df[(df["last_version"] >= since) | (df["resolved_version"].fillna("") >= since)]
    df["state"] = [("已解除" if r is not None and not pd.isna(r) else
                    "新" if f == latest else "持续")
                   for f, r in zip(df["first_version"], df["resolved_version"], strict=True)]
    df["people"] = df["people"].map(json.loads)
    return df.reset_index(drop=True)


def acknowledge(path: Path | str, key: str, first_version: str, user: str) -> None:
    con = _connect(store_path(path))
    try:
        if not con.execute("SELECT 1 FROM alert WHERE key = ? AND first_version = ?",
                           (key, first_version)).fetchone():
            raise AlertStoreError("没有这条预警")
        con.execute("INSERT OR IGNORE INTO ack VALUES (?, ?, ?, ?)",
                    (key, first_version, str(user), dt.datetime.now().isoformat(
                        timespec="seconds")))
    except sqlite3.Error as e:
        raise AlertStoreError(f"确认无法保存: {e}") from e
    finally:
        con.close()
