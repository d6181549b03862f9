"""Load raw files into the warehouse: read → map → normalise → validate → upsert → publish.

Each file is all-or-nothing inside one staging copy of the warehouse: its good rows go to the
fact tables, its bad rows to ``quarantine`` (row, field, reason, raw values), the problems of
fields its kept rows could do without to ``field_warning`` (row, field, reason, raw value; the
field is loaded empty), and a file that cannot be read at all is recorded as a failed batch with
one clear message. The staging copy is
published once at the end, atomically; the other files of the same command still load.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import settings
from etl import guard, mapping, readers, transform, warehouse
from store.connection import fetch_one
from store.jobs import FileResult, LoadReport, load_files_isolated  # noqa: F401 - the report

Progress = Callable[[str], None]

# Natural keys: a row whose key is already in the table replaces it (last load wins).
KEYS = {
    "enterprise": ["credit_code"],
    "talent": ["talent_id"],
    "talent_contact": ["talent_id"],
    "job_posting": ["posting_id"],
    "talent_move": ["talent_id", "from_adcode", "to_adcode", "moved_on"],
    "region_indicator": ["adcode", "indicator", "year"],
}
LIST_COLUMNS = {"skills"}
# Tables a file's rows are appended to, never upserted: they describe the batch itself.
BATCH_TABLES = ("quarantine", "field_warning")
BATCH_COLUMNS = ("batch_id, file, sha256, kind, source, rows_read, rows_loaded, rows_quarantined, "
                 "rows_warned, started_at, finished_at, status, message")




def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_files(paths: list[Path], *, kind: str | None = None, mapping_file: Path | None = None,
               source: str | None = None, db_path: Path | None = None,
               progress: Progress | None = None, as_of: dt.date | None = None,
               sources: Mapping[Path, str] | None = None) -> LoadReport:
    """Load files into a staging copy of the warehouse and publish it once, atomically.
    ``source`` names where the rows come from (it is recorded on them and keys their ids);
    ``sources`` gives some files a source of their own (the demo's 人社 and 猎聘 files)."""
    db_path = Path(db_path or settings.path("db_path"))
    say = progress or (lambda _m: None)
    user_map = mapping.load_user_mapping(mapping_file) if mapping_file else None
    ctx = transform.Context(source or settings.get("default_source"),
                            settings.get("pseudonym_key"), as_of or dt.date.today())
    limits = guard.Limits.from_settings()
    report = LoadReport()
    with warehouse.writer_lock(db_path):
        warehouse.remove_stale_staging(db_path)
        stage = warehouse.Staging(db_path, memory_limit=settings.get("etl_memory_limit"))
        try:
            con = stage.open()
            for i, path in enumerate(paths, start=1):
                say(f"[{i}/{len(paths)}] {path}")
                try:
                    own = (sources or {}).get(Path(path))
                    file_ctx = ctx if own is None else dataclasses.replace(ctx, source=own)
                    result = load_one(con, Path(path), kind, user_map, file_ctx, say, stage,
                                      limits)
                except warehouse.STORAGE_ERRORS as e:  # the staging copy, not the file
                    raise warehouse.storage_error(stage.path, e) from e
                report.files.append(result)
            if any(f.status != "skipped" for f in report.files) or not db_path.exists():
                say("构建汇总表并检查完整性 …")
                report.version = stage.publish()
                lr = getattr(stage, "link_report", None)
                if lr is not None and lr.unchanged:
                    say(f"人员关联: 人才记录、审核决定与阈值均未变, 沿用上次结果: {lr.records:,} "
                        f"条人才记录 → {lr.persons:,} 人; 待审核 {lr.review_pairs:,} 对 "
                        f"(核对 {sum(lr.seconds.values()):.1f} 秒)")
                elif lr is not None:
                    say(f"人员关联: {lr.records:,} 条人才记录 → {lr.persons:,} 人; 待审核 "
                        f"{lr.review_pairs:,} 对 ({sum(lr.seconds.values()):.1f} 秒: " + ", ".join(
                            f"{k} {v:.1f}" for k, v in lr.seconds.items()) + ")")
                say(f"已发布 {db_path} (版本 {report.version})")
            else:
                say("没有新数据, 已发布的数据库未改变")
        finally:
            stage.discard()
    return report


def load_one(con: duckdb.DuckDBPyConnection, path: Path, kind: str | None,
             user_map: dict | None, ctx: transform.Context, say: Progress,
             stage: warehouse.Staging, limits: guard.Limits | None = None) -> FileResult:
    """Load one file: all its rows or none of them. A bad file — unreadable, crafted to crash
    or exhaust a parser, or holding values no step expected — becomes a failed batch with one
    message naming it; only a storage failure or a reconciliation mismatch (which concern the
    whole load) propagate."""
    started_at = dt.datetime.now()
    copy = stage.input_copy(path)
    try:
        digest = guard.private_copy(path, copy)  # the hash of exactly the bytes parsed
    except readers.ReadError as e:
        return _record_failure(con, path, "-", kind, started_at, str(e), say)
    except OSError as e:  # writing the copy: the staging disk
        raise warehouse.storage_error(copy.parent, e) from e
    try:
        return _load_copy(con, path, copy, digest, kind, user_map, ctx, say, started_at,
                          limits or guard.Limits.from_settings())
    finally:
        guard.remove_tree(copy.parent)


def _load_copy(con, path: Path, copy: Path, digest: str, kind: str | None, user_map: dict | None,
               ctx: transform.Context, say: Progress, started_at: dt.datetime,
               limits: guard.Limits) -> FileResult:
    started = time.perf_counter()
    done = fetch_one(
        con, "SELECT batch_id FROM load_batch WHERE sha256 = ? AND status = 'loaded'", [digest])
    if done:
        say(f"  已加载过 (批次 {done[0]}, 内容相同), 跳过")
        return FileResult(str(path), "skipped", message=f"与批次 {done[0]} 内容相同")
    chunks = guard.iter_tables(copy, path, kind, user_map, settings.get("chunk_rows"),
                               settings.get("stream_threshold_mb") << 20, limits)
    batch_id = _next_batch_id(con)
    pending = None
    try:
        raw = next(chunks)
        file_kind, cols = mapping.resolve_mapping(raw.headers, kind, str(path), user_map)
        say(f"  {mapping.KIND_ZH[file_kind]}数据 ({raw.fmt}"
            f"{', ' + raw.encoding if raw.encoding else ''}"
            f"{', ' + '; '.join(raw.notes) if raw.notes else ''})")
        unmapped = mapping.unmapped_columns(raw.headers, cols)
        absent = mapping.absent_mapping_sources(raw.headers, user_map)
        if unmapped:
            say(f"  未映射的列 (未载入): {'、'.join(unmapped)}")
        if absent:
            say(f"  映射文件中的列在此文件中不存在: {'、'.join(absent)}")
        pending = Pending(con, batch_id, path)
        ctx = dataclasses.replace(ctx, seen=pending.seen)  # duplicate keys: within this file
        totals = [0, 0, 0, 0]  # rows read, loaded, quarantined, warned
        for part in itertools.chain([raw], chunks):
            con.execute("BEGIN TRANSACTION")  # each chunk is committed to its pending tables,
            counts = _load_table(con, pending, path, part, file_kind, cols, ctx)
            con.execute("COMMIT")  # so DuckDB can write it out and memory stays bounded
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            if part is not raw:
                say(f"  … {totals[0]:,} 行" + "".join(f"; {n}" for n in part.notes))
        rows_read, loaded, quarantined, warned = totals
        note = "只有表头, 没有数据行" if rows_read == 0 else None
        con.execute("BEGIN TRANSACTION")  # the whole file goes in at once, or not at all
        written = pending.merge()
        reconcile(path, batch_id, loaded, written)
        con.execute(
            f"INSERT INTO load_batch ({BATCH_COLUMNS}) "  # noqa: S608 - a constant
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?)",
            [batch_id, str(path), digest, file_kind, ctx.source, rows_read, loaded,
             quarantined, warned, started_at, dt.datetime.now(), note])
        con.execute("COMMIT")
    except (readers.ReadError, mapping.MappingError) as e:  # nothing of the file is kept
        _abandon(con, pending)
        return _record_failure(con, path, digest, kind, started_at, str(e), say)
    except (warehouse.PublishError, *warehouse.STORAGE_ERRORS):
        _abandon(con, pending)
        raise
    except Exception as e:  # noqa: BLE001 - a value no step expected: this file fails alone
        _abandon(con, pending)
        message = f"{path}: 加载失败, 文件未载入 ({type(e).__name__}: {_first_line(e)})"
        return _record_failure(con, path, digest, kind, started_at, message, say)
    finally:
        chunks.close()  # ends the reading process whatever happened
    seconds = time.perf_counter() - started
    say(f"  {rows_read:,} 行: 载入 {loaded:,} 行"
        + (f" (其中 {warned:,} 行有字段警告, 该字段为空)" if warned else "")
        + f", 隔离 {quarantined:,} 行 ({seconds:.1f} 秒)")
    return FileResult(str(path), "loaded", file_kind, rows_read, loaded, quarantined,
                      note, seconds, unmapped, absent, rows_warned=warned)


def reconcile(path: Path, batch_id: int, loaded: int, written: dict[str, int]) -> None:
    """The rows a file's batch records must be the rows it put in the fact tables, counted
    there (talent contacts travel with their talents and are not counted)."""
    present = sum(n for table, n in written.items() if table != "talent_contact")
    if present != loaded:
        detail = ", ".join(f"{t} {n:,}" for t, n in written.items()) or "无"
        raise warehouse.ReconciliationError(
            f"{path}: 行数核对未通过, 未发布: 批次 {batch_id} 记录载入 {loaded:,} 行, "
            f"事实表中实有 {present:,} 行 ({detail})")


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


def _abandon(con, pending: Pending | None) -> None:
    _rollback(con)
    if pending is not None:
        with contextlib.suppress(Exception):
            pending.drop()


def _load_table(con, pending: Pending, path: Path, raw: readers.RawTable, kind: str,
                cols: dict[str, str], ctx: transform.Context) -> tuple[int, int, int, int]:
    """Transform one table (a whole file, or one chunk of a streamed file) into the file's
    pending tables."""
    mapped = raw.data[list(cols)].rename(columns=cols)
    result = transform.transform(kind, mapped, raw.row_numbers, ctx)
    loaded = 0
    for table, df in result.tables.items():
        pending.add(table, df)
        if table != "talent_contact":
            loaded += len(df)
    secret = {c for c, f in cols.items() if f in transform.SECRET_FIELDS}
    _write_quarantine(con, pending.batch_id, pending.table("quarantine"), path, raw, result,
                      secret)
    _write_warnings(con, pending, path, raw, result)
    return (result.rows_read + len(raw.bad_rows), loaded,
            len(result.bad_rows) + len(raw.bad_rows), result.warned_rows)


def _next_batch_id(con) -> int:
    return int(fetch_one(con, "SELECT coalesce(max(batch_id), 0) + 1 FROM load_batch")[0])


def _record_failure(con, path: Path, digest: str, kind, started_at, message: str,
                    say: Progress) -> FileResult:
    say(f"  错误: {message}")
    batch_id = _next_batch_id(con)
    con.execute(f"INSERT INTO load_batch ({BATCH_COLUMNS}) "  # noqa: S608 - a constant
                "VALUES (?, ?, ?, ?, NULL, 0, 0, 0, 0, ?, ?, 'failed', ?)",
                [batch_id, str(path), digest, kind, started_at, dt.datetime.now(), message])
    return FileResult(str(path), "failed", kind, message=message)


class Pending:
    """A file's rows on their way in: chunk by chunk into ``_pending_*`` temporary tables of
    the staging connection (committed, so DuckDB's buffer manager can spill them to its temp
    directory beyond ``etl_memory_limit``), then merged into the fact tables in one
    transaction. Temporary, because a table in the database file is compressed and written as
    it fills, and the merge then writes the rows again: 200k talent rows took 0.8 s to stage
    there, 0.25 s in a temporary table. A file that breaks half-way leaves nothing behind: its
    pending tables are dropped, and a crash loses only the staging copy (temporary tables die
    with the connection), never the published file."""

    PREFIX = "_pending_"

    def __init__(self, con: duckdb.DuckDBPyConnection, batch_id: int, path: Path | None = None):
        self.con, self.batch_id, self.path = con, batch_id, path
        self.created: list[str] = []  # fact tables in the order they were first written
        self.drop_all(con)  # leftovers of an earlier failure in this staging copy
        self.seen = _DiskSeenKeys(con, self.PREFIX + "_keys")

    def table(self, fact: str) -> str:
        if fact not in KEYS and fact not in BATCH_TABLES:
            raise ValueError(f"unknown table {fact!r}")
        name = self.PREFIX + fact
        if fact not in self.created:
            self.con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {fact} LIMIT 0")  # noqa: S608
            self.created.append(fact)
        return name

    def add(self, fact: str, df: pd.DataFrame) -> None:
        if df.empty:
            return
        name = self.table(fact)
        df = df.assign(batch_id=self.batch_id)
        select = ", ".join(
            f"CASE WHEN {c} IS NULL THEN NULL ELSE string_split({c}, '{transform.SKILL_SEP}') END"
            f" AS {c}" if c in LIST_COLUMNS else c for c in df.columns)
        self.con.register("_incoming", df)
        try:
            self.con.execute(f"INSERT INTO {name} BY NAME SELECT {select} FROM _incoming")  # noqa: S608
        finally:
            self.con.unregister("_incoming")

    def merge(self) -> dict[str, int]:
        """Upsert every pending table into its fact table (last load wins on a natural key),
        then drop it. Runs inside the caller's transaction. Returns, per fact table, the rows
        this batch now has there — counted by scanning the table, and checked against the rows
        scanned in the pending table — and records them in ``batch_rows``, with the rows of
        earlier batches it replaced."""
        written: dict[str, int] = {}
        for fact in self.created:
            name = self.PREFIX + fact
            if fact not in KEYS:  # the quarantine and the field warnings
                self.con.execute(f"INSERT INTO {fact} BY NAME SELECT * FROM {name}")  # noqa: S608
                continue
            cond = " AND ".join(f"t.{k} = i.{k}" for k in KEYS[fact])
            match = f"EXISTS (SELECT 1 FROM {name} i WHERE {cond})"  # noqa: S608 - constants
            incoming = self._scan_count(name)
            replaced = self.con.execute(
                f"SELECT batch_id, count(*) FROM {fact} t WHERE {match} GROUP BY ALL"  # noqa: S608
            ).fetchall()
            self.con.execute(f"DELETE FROM {fact} t WHERE {match}")  # noqa: S608 - constants
            self.con.execute(f"INSERT INTO {fact} BY NAME SELECT * FROM {name}")  # noqa: S608
            present = self._scan_count(fact)
            if present != incoming:
                raise warehouse.ReconciliationError(
                    f"{self.path}: 行数核对未通过, 未发布: 批次 {self.batch_id} 应写入 {fact} "
                    f"{incoming:,} 行, 表中实有 {present:,} 行")
            for earlier, n in replaced:
                self.con.execute("UPDATE batch_rows SET rows_replaced = rows_replaced + ? "
                                 "WHERE batch_id = ? AND table_name = ?", [n, earlier, fact])
            self.con.execute("INSERT INTO batch_rows VALUES (?, ?, ?, 0)",
                             [self.batch_id, fact, present])
            written[fact] = present
        self.drop()
        return written

    def _scan_count(self, table: str) -> int:
        """Rows of this batch in ``table``, counted by reading them (a filter forces a scan; a
        bare count(*) may answer from metadata that DuckDB 2.0.0 got wrong)."""
        return int(fetch_one(
            self.con, f"SELECT count(*) FROM {table} WHERE batch_id = ?",  # noqa: S608
            [self.batch_id])[0])

    def drop(self) -> None:
        self.drop_all(self.con)
        self.created = []

    @classmethod
    def drop_all(cls, con: duckdb.DuckDBPyConnection) -> None:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, ?)",
            [cls.PREFIX]).fetchall()]
        for name in names:
            con.execute(f'DROP TABLE "{name}"')


class _DiskSeenKeys(transform.SeenKeys):
    """The file's keys in a (temporary) table of the staging connection instead of a dict: a
    20-million-row file's keys would take gigabytes of Python objects."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table, self.created = con, table, False

    def first_rows(self, name: str, keys: pd.Series) -> pd.Series:
        if not self.created:
            return pd.Series(float("nan"), index=keys.index)
        # Each row's place comes back with its match: no dict of the keys, no map over them.
        self.con.register("_keys", pd.DataFrame({"key": keys.to_numpy(dtype=object),
                                                 "pos": np.arange(len(keys))}))
        try:
            found = self.con.execute(
                f"SELECT k.pos, s.row_number FROM _keys k JOIN {self.table} s "  # noqa: S608
                "ON s.name = ? AND s.key = k.key", [name]).fetchnumpy()
        finally:
            self.con.unregister("_keys")
        first = np.full(len(keys), np.nan)
        first[found["pos"]] = found["row_number"]
        return pd.Series(first, index=keys.index)

    def add(self, name: str, keys: pd.Series, row_numbers: pd.Series) -> None:
        if not self.created:
            self.con.execute(f"CREATE TEMP TABLE {self.table} "
                             "(name VARCHAR, key VARCHAR, row_number BIGINT)")
            self.created = True
        self.con.register("_keys", pd.DataFrame({"name": name, "key": keys.astype(object),
                                                 "row_number": row_numbers.to_numpy()}))
        try:
            self.con.execute(f"INSERT INTO {self.table} SELECT * FROM _keys")  # noqa: S608
        finally:
            self.con.unregister("_keys")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if there is one."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


# In a line that could not be split into cells, anything shaped like a 身份证号 (15–18 digits, the
# last maybe X) is masked after its first 6 when the file has an ID-number column.
_ID_RUN = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8,11}[0-9Xx]?(?![0-9])")


def _mask_run(m: re.Match) -> str:
    return m[1] + "*" * (len(m[0]) - 6)


def _write_quarantine(con, batch_id: int, target: str, path: Path, raw: readers.RawTable,
                      result: transform.Transformed, secret: set[str] = frozenset()) -> None:
    """The quarantined rows as read, with the columns in ``secret`` masked
    (transform.SECRET_FIELDS: a 身份证号 never enters the warehouse as written)."""
    if raw.bad_rows:  # rows the reader could not even split into cells
        unreadable = pd.DataFrame(
            [(batch_id, str(path), n, "(整行)", reason, json.dumps(
                {"line": _ID_RUN.sub(_mask_run, text) if secret else text},
                                                                   ensure_ascii=False))
             for n, reason, text in raw.bad_rows],
            columns=["batch_id", "file", "row_number", "field", "reason", "raw"])
        con.register("_q", unreadable)
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _q")  # noqa: S608
        con.unregister("_q")
    errors = result.errors
    if errors.empty:
        return
    rows = sorted(result.bad_rows)
    records = raw.data.loc[rows].to_dict("records")
    raw_json = {i: json.dumps({str(k): transform.masked(v) if k in secret else v
                               for k, v in rec.items() if isinstance(v, str)},
                              ensure_ascii=False) for i, rec in zip(rows, records, strict=True)}
    q = pd.DataFrame({
        "batch_id": batch_id, "file": str(path),
        "row_number": raw.row_numbers.loc[errors.index].to_numpy(),
        "field": errors["field"].to_numpy(), "reason": errors["reason"].to_numpy(),
        "raw": [raw_json[i] for i in errors.index],
    }).sort_values(["row_number", "field"], kind="stable")
    con.register("_q", q)
    con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _q")  # noqa: S608
    con.unregister("_q")


def _write_warnings(con, pending: Pending, path: Path, raw: readers.RawTable,
                    result: transform.Transformed) -> None:
    """The field warnings of the rows kept: row, field, reason and the cell as read."""
    warnings = result.warnings
    if warnings is None or warnings.empty:
        return
    w = pd.DataFrame({
        "batch_id": pending.batch_id, "file": str(path),
        "row_number": raw.row_numbers.loc[warnings.index].to_numpy(),
        "field": warnings["field"].to_numpy(dtype=object),
        "reason": warnings["reason"].to_numpy(dtype=object),
        "raw": warnings["raw"].to_numpy(dtype=object),
    }).sort_values(["row_number", "field"], kind="stable")
    target = pending.table("field_warning")
    con.register("_w", w)
    try:
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _w")  # noqa: S608
    finally:
        con.unregister("_w")


# -- a load in its own process ---------------------------------------------------------------------
def report_json(report: LoadReport | None, error: BaseException | None = None) -> str:
    """A load's report (or its error) as JSON, for ``load_files_isolated``."""
    if error is not None:
        return json.dumps({"error": {"type": type(error).__name__, "message": str(error)}},
                          ensure_ascii=False)
    return json.dumps({"files": [dataclasses.asdict(f) for f in report.files],
                       "version": report.version}, ensure_ascii=False)

