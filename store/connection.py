"""Opening warehouse files: the same offline settings for the writer and every reader."""

from __future__ import annotations

from pathlib import Path

import duckdb


def offline_config() -> dict:
    """Connection settings that keep DuckDB from ever reaching the network for extensions."""
    return {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file with the offline settings."""
    return duckdb.connect(str(path), read_only=read_only, config=offline_config())


def fetch_one(con: duckdb.DuckDBPyConnection, query: str, params=None):
    """First row of a query, or None. Drains the result: in DuckDB 2 an open result owns the
    connection until it is fetched to the end."""
    rows = con.execute(query, params or []).fetchall()
    return rows[0] if rows else None
