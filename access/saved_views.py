"""Saved views: a user's named views (a page and its filters, as the page's URL query string),
kept in the app's own storage beside ``app_db_path`` — never in the warehouse, which the app only
reads (``data/app/app.duckdb`` → ``data/app/app.views.sqlite``).

Why SQLite in WAL mode, not a JSON file: every save is one small transaction on one row, so two
sessions (threads of the dashboard, or two dashboard processes) saving at the same moment take
turns on SQLite's own lock (``busy_timeout``) and neither loses the other's view — a JSON file
would need a read-modify-write of the whole file under a lock of our own. WAL lets readers (the
sidebar's list) go on while a save is written, and a crash mid-save leaves the last committed
state. SQLite is in the standard library. (WAL needs a local file system, like DuckDB.)

Values are checked here, not trusted: a name of 1–60 printable characters, a page id, and a
query string of at most ``QUERY_MAX`` characters that parses as one. What the query string holds
is checked again, key by key, when the view is opened (``Filters.from_query_params`` …).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

SUFFIX = ".views.sqlite"
NAME_MAX = 60
QUERY_MAX = 4000
MAX_PER_USER = 100  # the oldest views beyond this are dropped on save
BUSY_MS = 10_000
_PAGE = re.compile(r"[a-z][a-z0-9_]{0,39}")
SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_view (
    user     TEXT NOT NULL,
    name     TEXT NOT NULL,
    page     TEXT NOT NULL,
    query    TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (user, name)
)"""
UPSERT = """
INSERT INTO saved_view (user, name, page, query, saved_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (user, name) DO UPDATE SET page = excluded.page, query = excluded.query,
                                       saved_at = excluded.saved_at"""
TRIM = """
DELETE FROM saved_view WHERE user = ? AND name NOT IN (
    SELECT name FROM saved_view WHERE user = ? ORDER BY saved_at DESC, name LIMIT ?)"""


class SavedViewError(RuntimeError):
    """A view could not be saved, listed or deleted (the message says why, in Chinese)."""


@dataclass(frozen=True)
class SavedView:
    name: str
    page: str
    query: str      # the URL query string, without '?'
    saved_at: str   # ISO time, server local

    def params(self) -> dict[str, str]:
        """The query string as a dict (the last value of a repeated key wins)."""
        return dict(parse_qsl(self.query, keep_blank_values=False))

    def url(self, root: str = "/") -> str:
        """The view's link below ``root`` (the app's address, ending with '/')."""
        return f"{root}{self.page}" + (f"?{self.query}" if self.query else "")


def store_path(app_db_path: Path | str) -> Path:
    """The views database of an app database path (a ``.sqlite`` path is the store itself)."""
    p = Path(app_db_path)
    return p if p.suffix == ".sqlite" else p.with_name(p.stem + SUFFIX)


def clean_name(name) -> str:
    """The name as stored: trimmed, control characters refused, at most NAME_MAX characters."""
    text = str(name or "").strip()
    if not text:
        raise SavedViewError("请填写视图名称。")
    if len(text) > NAME_MAX:
        raise SavedViewError(f"视图名称最多 {NAME_MAX} 个字。")
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise SavedViewError("视图名称含有不可见字符。")
    return text


def clean_query(query: str | dict) -> str:
    """A query string (or a dict of params) as a normalised query string."""
    pairs = list(query.items()) if isinstance(query, dict) else parse_qsl(
        str(query or "").lstrip("?"), keep_blank_values=False)
    flat = [(str(k), str(v[-1] if isinstance(v, (list, tuple)) and v else v)) for k, v in pairs]
    text = urlencode(flat)
    if len(text) > QUERY_MAX:
        raise SavedViewError(f"视图的筛选条件过长 (最多 {QUERY_MAX} 个字符)。")
    return text


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute(SCHEMA)
        return con
    except (OSError, sqlite3.Error) as e:
        raise SavedViewError(f"视图存储无法打开: {e}") from e


def save(path: Path | str, user: str, name: str, page: str, query: str | dict) -> SavedView:
    """Save (or replace) the user's view of this name; returns it as stored."""
    name, query = clean_name(name), clean_query(query)
    if not _PAGE.fullmatch(str(page)):
        raise SavedViewError("无法保存: 未知页面。")
    view = SavedView(name, page, query, dt.datetime.now().isoformat(timespec="microseconds"))
    con = _connect(store_path(path))
    try:
        con.execute("BEGIN IMMEDIATE")  # take the write lock now: concurrent saves take turns
        con.execute(UPSERT, (str(user), view.name, view.page, view.query, view.saved_at))
        con.execute(TRIM, (str(user), str(user), MAX_PER_USER))
        con.execute("COMMIT")
    except sqlite3.Error as e:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise SavedViewError(f"视图无法保存: {e}") from e
    finally:
        con.close()
    return view


def list_views(path: Path | str, user: str) -> list[SavedView]:
    """The user's views, newest first (none when nothing was saved yet)."""
    p = store_path(path)
    if not p.exists():
        return []
    con = _connect(p)
    try:
        rows = con.execute("SELECT name, page, query, saved_at FROM saved_view WHERE user = ? "
                           "ORDER BY saved_at DESC, name", (str(user),)).fetchall()
    except sqlite3.Error as e:
        raise SavedViewError(f"视图无法读取: {e}") from e
    finally:
        con.close()
    return [SavedView(*r) for r in rows]


def delete(path: Path | str, user: str, name: str) -> bool:
    """Delete the user's view of this name; True when there was one."""
    p = store_path(path)
    if not p.exists():
        return False
    con = _connect(p)
    try:
        cur = con.execute("DELETE FROM saved_view WHERE user = ? AND name = ?",
                          (str(user), str(name)))
        return cur.rowcount > 0
    except sqlite3.Error as e:
        raise SavedViewError(f"视图无法删除: {e}") from e
    finally:
        con.close()
