"""The DuckDB warehouse: schema, dimensions, marts, integrity checks and atomic publish.

One writer, many readers. A load never writes the published file: it copies it to a staging
file beside it, loads there, rebuilds the marts, runs the integrity checks, then swaps the file
in with ``os.replace``. A crash at any point leaves the published file as it was; a dashboard
holding the old file open read-only keeps reading the old version until it reopens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import uuid
from pathlib import Path

import duckdb
import pandas as pd

from store import reader_links
from store.connection import connect, fetch_one
from store.errors import (  # noqa: F401 - the load's errors, raised here
    IntegrityError,
    PublishError,
    ReconciliationError,
    StorageError,
)

SQL_DIR = Path(__file__).resolve().parent / "sql"



# What a full disk or an unwritable directory raises while a staging copy is written.
STORAGE_ERRORS = (OSError, duckdb.IOException, duckdb.FatalException)


def storage_error(where: Path, error: BaseException) -> StorageError:
    """One clear line for a disk that is full or a directory that cannot be written."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return StorageError(f"{where}: 无法写入暂存数据库 ({first}); 请检查磁盘空间和目录权限, "
                        "已发布的数据库未改变")


def sql_file(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run a .sql file of several statements."""
    con.execute(sql_file(name))


# -- dimensions -----------------------------------------------------------------------------------
def region_dimension() -> pd.DataFrame:
    """Region table with centroids and areas when the geometry cache can be built, and the
    places abroad (countries under 900000 海外; no shapes)."""
    from reference.abroad import abroad_regions

    try:
        from maps.geometry import region_table

        china = region_table()
    except ImportError:  # geometry module not installed: codes and names still work
        from reference.regions import region_index

        china = region_index().assign(lon=None, lat=None, area_km2=None)
    abroad = abroad_regions().assign(lon=None, lat=None, area_km2=None)
    return pd.concat([china, abroad[china.columns.intersection(abroad.columns)]],
                     ignore_index=True)


def load_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)write region, region_ancestor, chain_node, tier and education from reference data."""
    from reference.regions import ancestors
    from reference.taxonomy import chain_nodes, education_levels, tiers

    regions = region_dimension()
    cols = ["adcode", "name", "short_name", "level", "parent_adcode", "province_adcode",
            "city_adcode", "lon", "lat", "area_km2"]
    dims = {
        "region": regions[cols],
        "region_ancestor": ancestors(regions),
        "chain_node": chain_nodes()[["node_id", "name_zh", "name_en", "layer", "segment",
                                     "sequence", "links_to", "keywords"]],
        "tier": tiers(),
        "education": education_levels(),
    }
    _allow_abroad(con)
    for table, df in dims.items():
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants above
        con.register("_dim", df)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _dim")  # noqa: S608
        con.unregister("_dim")


def _allow_abroad(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before places abroad: its region table's level check has no 'abroad'.
    The table is rewritten on every load anyway, so it is created again from schema.sql."""
    row = fetch_one(con, "SELECT sql FROM duckdb_tables() WHERE table_name = 'region'")
    if row and "'abroad'" not in row[0]:
        con.execute("DROP TABLE region")
        init_schema(con)


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    run_script(con, "schema.sql")


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    run_script(con, "marts.sql")


def run_checks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Every integrity check with the number of offending rows (all should be 0)."""
    results = []
    for name, query in _checks():
        results.append((name, int(fetch_one(con, query)[0])))
    return results


def _checks() -> list[tuple[str, str]]:
    text = sql_file("checks.sql")
    parts = re.split(r"^-- check: (.+)$", text, flags=re.MULTILINE)
    return [(parts[i].strip(), parts[i + 1].strip().rstrip(";"))
            for i in range(1, len(parts) - 1, 2)]


# -- staging and publish --------------------------------------------------------------------------
@contextlib.contextmanager
def writer_lock(db_path: Path):
    """One writer at a time: an exclusive lock on a file beside the warehouse."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"{db_path}: 另一个加载进程正在写入, 请稍后再试") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def remove_stale_staging(db_path: Path) -> list[Path]:
    """Delete staging files (and private copies of inputs) left by a load that crashed (the
    caller holds the writer lock)."""
    removed = []
    for p in db_path.parent.glob(db_path.name + ".staging-*"):
        with contextlib.suppress(OSError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
    return removed


MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class Staging:
    """A copy of the published warehouse that one load writes to, then publishes."""

    def __init__(self, db_path: Path, memory_limit: str | None = None):
        if memory_limit and not MEMORY_LIMIT.fullmatch(memory_limit.strip()):
            raise PublishError(f"加载的内存上限 (设置 etl_memory_limit) 格式不对: {memory_limit!r}, "
                               "应为例如 1GB 或 512MB; 已发布的数据库未改变")
        self.memory_limit = memory_limit.strip() if memory_limit else None
        self.db_path = Path(db_path)
        self.path = self.db_path.with_name(f"{self.db_path.name}.staging-{uuid.uuid4().hex[:8]}")
        self.inputs = self.path.with_name(self.path.name + ".inputs")  # private copies of files
        self.con: duckdb.DuckDBPyConnection | None = None
        self._inputs = 0

    def open(self) -> duckdb.DuckDBPyConnection:
        try:
            if self.db_path.exists():
                shutil.copyfile(self.db_path, self.path)
            self.con = connect(self.path)
            if self.memory_limit:  # beyond it DuckDB spills committed data to disk
                self.con.execute(f"SET memory_limit = '{self.memory_limit}'")  # checked in __init__
            init_schema(self.con)
            _mark_reconciled_from(self.con)
            load_dimensions(self.con)
        except STORAGE_ERRORS as e:
            raise storage_error(self.path, e) from e
        return self.con

    def input_copy(self, path: Path) -> Path:
        """Where the private copy of an input file goes (same name, own folder)."""
        self._inputs += 1
        return self.inputs / str(self._inputs) / Path(path).name

    def publish(self) -> str:
        """Build marts, check integrity, stamp a version and swap the file in."""
        try:
            return self._publish()
        except STORAGE_ERRORS as e:
            raise storage_error(self.path, e) from e

    def _publish(self) -> str:
        con = self.con
        from etl.linkage import link_persons  # splink is imported only when a publish needs it

        self.link_report = link_persons(con)  # records → persons, before the marts count them
        build_marts(con)
        check_integrity(con)
        version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?), ('published_at', ?)",
                    [version, dt.datetime.now().astimezone().isoformat(timespec="seconds")])
        con.execute("CHECKPOINT")
        con.close()
        self.con = None
        # Measured where readers will look: the closed file, opened afresh, must hold every row.
        fresh = connect(self.path, read_only=True)
        try:
            check_reconciled(fresh)
        finally:
            fresh.close()
        _fsync(self.path)
        try:
            os.replace(self.path, self.db_path)
        except OSError as e:
            raise PublishError(f"{self.db_path}: 无法替换已发布的数据库: {e}") from e
        _fsync_dir(self.db_path.parent)
        with contextlib.suppress(OSError):  # old versions' reader links no process holds
            reader_links.remove_stale_reader_links(self.db_path)
        return version

    def discard(self) -> None:
        if self.con is not None:
            with contextlib.suppress(Exception):
                self.con.close()
            self.con = None
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        shutil.rmtree(self.inputs, ignore_errors=True)


def _mark_reconciled_from(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse from before batch_rows existed: reconcile from its next batch on."""
    con.execute("INSERT OR IGNORE INTO meta SELECT 'reconciled_from_batch', "
                "CAST(coalesce(max(batch_id), 0) + 1 AS VARCHAR) FROM load_batch")


def check_integrity(con: duckdb.DuckDBPyConnection) -> None:
    """Raise IntegrityError naming every failed check (a reconciliation failure names the
    files and their counts)."""
    failed = [(n, c) for n, c in run_checks(con) if c]
    if not failed:
        return
    detail = "; ".join(f"{n}: {c} 行" for n, c in failed)
    bad = unreconciled(con)
    if len(bad):
        raise ReconciliationError(f"完整性检查未通过, 未发布: {detail}; {_describe(bad)}")
    raise IntegrityError(f"完整性检查未通过, 未发布: {detail}")


def unreconciled(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Batches whose rows in a fact table are not what they wrote less what was replaced."""
    return con.execute("SELECT * FROM batch_reconciliation WHERE NOT ok "
                       "ORDER BY batch_id, table_name").df()


def check_reconciled(con: duckdb.DuckDBPyConnection) -> None:
    bad = unreconciled(con)
    if len(bad):
        raise ReconciliationError(f"行数核对未通过, 未发布: {_describe(bad)}")


def _describe(bad: pd.DataFrame) -> str:
    parts = [f"{r.file if isinstance(r.file, str) else '(无加载记录)'} (批次 {r.batch_id}) "
             f"写入 {r.table_name} {r.rows_written:,} 行"
             + (f", 之后被替换 {r.rows_replaced:,} 行" if r.rows_replaced else "")
             + f", 表中现有 {r.rows_present:,} 行" for r in bad.head(5).itertuples()]
    more = f" 等 {len(bad)} 处" if len(bad) > 5 else ""
    return "; ".join(parts) + more


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)
