"""Read side of the warehouse: one read-only connection, a cursor per query, reopened when a
new version is published.

DuckDB shares one database instance per file path within a process, so the old connection is
closed before the new file is opened; otherwise the reopen would still see the old file.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from etl.warehouse import connect


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


class Reader:
    """Thread-safe access to the published warehouse for many dashboard sessions."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = None
        self._stamp: FileStamp | None = None
        self.version: str | None = None

    def refresh(self) -> str:
        """Reopen if the published file changed; returns the version in use."""
        current = stamp(self.path)
        if current is None:
            raise NoWarehouse(f"{self.path}: 尚未发布数据库")
        with self._lock:
            if current != self._stamp or self._con is None:
                if self._con is not None:
                    self._con.close()
                    self._con = None
                con = connect(self.path, read_only=True)
                rows = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchall()
                self._con, self._stamp = con, current
                self.version = rows[0][0] if rows else "unversioned"
            return self.version

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
                self._con.close()
                self._con = None
                self._stamp = None
