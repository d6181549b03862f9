"""Reviewers' decisions on record pairs (same person or not), kept outside the warehouse.

The warehouse is rebuilt and swapped at every publish, so what a reviewer decided must live
elsewhere: a small SQLite file beside the dashboard's own database
(``settings.path("app_db_path").with_name("link_decisions.sqlite")``), in WAL mode so the
dashboard can write while a load reads. The ETL reads every decision at each publish
(``etl.linkage``), and a decision overrides the model: ``confirm`` links the two records, even
when the model saw no match; ``reject`` keeps them apart, even when their phone numbers agree.

A pair is stored once, its two talent ids in sorted order; the latest decision on a pair wins.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import settings

DECISIONS = ("confirm", "reject")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS link_decision (
    talent_id_a VARCHAR NOT NULL,
    talent_id_b VARCHAR NOT NULL,
    decision    VARCHAR NOT NULL CHECK (decision IN ('confirm', 'reject')),
    decided_by  VARCHAR,
    decided_at  VARCHAR NOT NULL,
    note        VARCHAR,
    PRIMARY KEY (talent_id_a, talent_id_b),
    CHECK (talent_id_a < talent_id_b)
)
"""


def decisions_path() -> Path:
    """Where the decisions live: beside the dashboard's own database."""
    return settings.path("app_db_path").with_name("link_decisions.sqlite")


def pair(a: str, b: str) -> tuple[str, str]:
    """A pair of talent ids in the order it is stored."""
    if a == b:
        raise ValueError("a record cannot be paired with itself")
    return (a, b) if a < b else (b, a)


@contextlib.contextmanager
def _open(path: Path | None, write: bool):
    path = Path(path or decisions_path())
    if write:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    try:
        if write:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(_SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def record(a: str, b: str, decision: str, decided_by: str | None = None,
           note: str | None = None, path: Path | None = None) -> None:
    """Store (or replace) a reviewer's decision on the pair (a, b)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    x, y = pair(a, b)
    with _open(path, write=True) as con:
        con.execute("INSERT OR REPLACE INTO link_decision VALUES (?, ?, ?, ?, ?, ?)",
                    [x, y, decision, decided_by,
                     dt.datetime.now().astimezone().isoformat(timespec="seconds"), note])


def withdraw(a: str, b: str, path: Path | None = None) -> bool:
    """Forget the decision on a pair (the model decides again). True if there was one."""
    x, y = pair(a, b)
    with _open(path, write=True) as con:
        return con.execute("DELETE FROM link_decision WHERE talent_id_a = ? AND talent_id_b = ?",
                           [x, y]).rowcount > 0


def load(path: Path | None = None) -> dict[tuple[str, str], str]:
    """Every decision: {(talent_id_a, talent_id_b): 'confirm' | 'reject'}; empty when the file
    does not exist yet."""
    path = Path(path or decisions_path())
    if not path.exists():
        return {}
    with _open(path, write=False) as con:
        try:
            rows = con.execute("SELECT talent_id_a, talent_id_b, decision "
                               "FROM link_decision").fetchall()
        except sqlite3.OperationalError:  # a file without the table yet
            return {}
    return {(a, b): d for a, b, d in rows}


def history(path: Path | None = None) -> list[dict]:
    """Every decision with who made it and when (for the review page), newest first."""
    path = Path(path or decisions_path())
    if not path.exists():
        return []
    with _open(path, write=False) as con:
        con.row_factory = sqlite3.Row
        try:
            rows = con.execute("SELECT * FROM link_decision ORDER BY decided_at DESC").fetchall()
        except sqlite3.OperationalError:
            return []
    return [dict(r) for r in rows]
