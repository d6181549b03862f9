"""Read side of the warehouse: one read-only connection per published version, a cursor per
query, and a new connection when a new version is published.

DuckDB shares one database instance per file path inside a process: connecting to the same
path again while a connection is open would still read the old file. So each version is opened
through a hard link named after its inode (``.warehouse.duckdb.r<inode>``): a new version gets a
new path and a new instance, while queries already running on the old one finish undisturbed.
Old connections are closed after a grace period. The reader holds a lock on each link it uses,
removes the link when it closes that version unless another process still uses it, and on
start removes the links that readers killed earlier left behind (``store.reader_links``).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from store import reader_links
from store.connection import connect

GRACE_SECONDS = 120.0  # how long a replaced version stays open for queries still running on it


class NoWarehouse(RuntimeError):
    """No published warehouse exists yet."""


@dataclass(frozen=True)
class FileStamp:
    inode: int
    mtime_ns: int
    size: int


def stamp(path: Path) -> FileStamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return FileStamp(st.st_ino, st.st_mtime_ns, st.st_size)


def version_alias(path: Path, inode: int) -> Path:
    """The per-version path a reader opens (a hard link to the published file)."""
    return reader_links.link_path(path, inode)


class Reader:
    """Thread-safe access to the published warehouse for many dashboard sessions."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = None
        self._held: reader_links.HeldLink | None = None
        self._stamp: FileStamp | None = None
        self._retired: list[tuple[float, object, reader_links.HeldLink | None]] = []
        self.version: str | None = None
        with contextlib.suppress(OSError):  # links of readers that were killed: never in the way
            reader_links.remove_stale_reader_links(self.path)

    def refresh(self) -> str:
        """Open the current version if it changed; returns the version in use."""
        current = stamp(self.path)
        if current is None:
            raise NoWarehouse(f"{self.path}: 尚未发布数据库")
        with self._lock:
            if current != self._stamp or self._con is None:
                self._open(current)
            self._close_retired()
            return self.version

    def _open(self, current: FileStamp) -> None:
        try:  # a link with a shared lock on it, or None: no hard links here, open the path
            held = reader_links.hold_reader_link(self.path)
        except FileNotFoundError:
            raise NoWarehouse(f"{self.path}: 尚未发布数据库") from None
        if self._con is not None:
            if held is None:  # same path: the old instance must go first
                self._con.close()
                if self._held is not None:
                    self._held.release()
            else:
                self._retired.append((time.monotonic(), self._con, self._held))
            self._con, self._held = None, None
        try:
            con = connect(held.path if held else self.path, read_only=True)
            rows = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchall()
        except BaseException:
            if held is not None:
                held.release()
            raise
        if held is not None:  # the version actually linked (a publish may have come between)
            current = FileStamp(held.stat.st_ino, held.stat.st_mtime_ns, held.stat.st_size)
        self._con, self._held, self._stamp = con, held, current
        self.version = rows[0][0] if rows else "unversioned"

    def _close_retired(self, everything: bool = False) -> None:
        keep = []
        for since, con, held in self._retired:
            if everything or time.monotonic() - since > GRACE_SECONDS:
                con.close()
                if held is not None:  # removed unless another process still reads it
                    held.release()
            else:
                keep.append((since, con, held))
        self._retired = keep

    def has_column(self, table: str, column: str) -> bool:
        """Whether the published version's table has the column (a warehouse published before
        the column existed gets it at its next load; until then a query must do without)."""
        return self.per_version(("column", table, column), lambda: bool(len(self.df(
            "SELECT 1 FROM information_schema.columns WHERE table_name = $t "
            "AND column_name = $c", {"t": table, "c": column}))))

    def has_table(self, table: str) -> bool:
        """Whether the published version has the table (one published before the table
        existed gets it at its next publish; until then a query must do without)."""
        return self.per_version(("table", table), lambda: bool(len(self.df(
            "SELECT 1 FROM information_schema.tables WHERE table_name = $t", {"t": table}))))

    def per_version(self, key: tuple, compute):
        """``compute()`` once per published version (and file) of the warehouse: catalog
        lookups, the years that have data. At most 64 results are kept."""
        version = self.refresh()
        full = (version, self._stamp, *key)
        cache = self.__dict__.setdefault("_per_version", {})
        if full not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[full] = compute()
        return cache[full]

    def version_store(self, name: str) -> dict:
        """A dict kept for the reader's published version: the next version gets a new, empty
        one (and the previous version's goes). What analytics' in-memory indexes keep."""
        token = self.per_version((name,), object)
        slot = self.__dict__.get(f"_store_{name}")
        if slot is None or slot[0] is not token:
            slot = (token, {})
            self.__dict__[f"_store_{name}"] = slot
        return slot[1]

    def df(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        """Run a read query with bound parameters on a cursor of its own."""
        self.refresh()
        if isinstance(params, dict):  # DuckDB rejects named parameters the query doesn't use
            params = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
        with self._lock:
            cur = self._con.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._retired.append((0.0, self._con, self._held))
                self._con, self._held, self._stamp = None, None, None
            self._close_retired(everything=True)
