"""The dashboard's audit log: an append-only, hash-chained JSON-lines file beside ``app_db_path``
(``data/app/app.duckdb`` → ``data/app/app.audit.jsonl``), never the warehouse.

Why not a DuckDB table: DuckDB locks a database file per process. A read-write connection needs
every other process out, so an auditor's read-only connection (a DuckDB shell left open) made
every audit write — and with it every export and contact reveal — fail. Appending a line to a
plain file takes no DuckDB lock: writers take turns on an advisory ``flock`` of the log, held for
the append alone, and readers take no lock at all (they read the complete lines present), so
nothing a reader does can hold up a writer. DuckDB reads the log as it is, with the query in
docs/roles.md: ``read_json(..., ignore_errors = true, columns = ...)`` and ``WHERE hash IS NOT
NULL``, because a reader may catch the last line mid-append (tests/test_audit_chain.py runs it).

The chain: row n carries ``seq`` = n, ``prev`` = the ``hash`` of row n-1 (64 zeros for row 1)
and ``hash`` = sha256(prev + newline + the canonical JSON of [seq, at, user, role, action,
target, reason, filters]). Deleting, inserting, reordering or editing a row breaks the chain at
that row, and ``verify_chain`` (``python -m analytics audit-verify``) names it. Rows an earlier
version wrote to the ``audit`` table of app.duckdb are read from a copy of that file (so no lock
is taken on it either), listed as 'unchained', and the chain starts after them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd

try:
    import fcntl
except ImportError:  # not POSIX: only this process's writers are serialised
    fcntl = None

ACTIONS = ("export", "unmask", "load", "signin_failed", "signin_locked",
           "target_create", "target_update",  # 招引 targets (access/targets.py)
           "alert_ack",  # a 风险预警 acknowledged (docs/alerts.md)
           "link_decision")  # a record pair confirmed or rejected (docs/linkage.md)
FIELDS = ("at", "user", "role", "action", "target", "reason", "filters")
GENESIS = "0" * 64
LOG_SUFFIX = ".audit.jsonl"
LOCK_WAIT_S = 5.0  # a writer waits this long for another writer's append, then fails
_LOCK = threading.Lock()  # one writer per process; other processes wait on the flock
_LEGACY_CACHE: dict[tuple, pd.DataFrame] = {}


class AuditError(RuntimeError):
    """The audit log could not be written: the action it records must not happen."""


def log_path(path: Path | str) -> Path:
    """The JSON-lines log of an app database path (a ``.jsonl`` path is the log itself)."""
    p = Path(path)
    return p if p.suffix == ".jsonl" else p.with_name(p.stem + LOG_SUFFIX)


def _legacy_path(path: Path | str) -> Path | None:
    p = Path(path)
    return None if p.suffix == ".jsonl" else p


# -- the chain --------------------------------------------------------------------------------------
def _canonical(seq: int, row: dict) -> str:
    return json.dumps([seq, *(row[f] for f in FIELDS)], ensure_ascii=False, separators=(",", ":"))


def row_hash(prev: str, seq: int, row: dict) -> str:
    """sha256 of the previous row's hash and this row's canonical content."""
    return hashlib.sha256(f"{prev}\n{_canonical(seq, row)}".encode()).hexdigest()


def _text(v) -> str | None:
    return None if v is None else str(v)


def _parse(raw: bytes) -> dict | None:
    """A log line as a dict with every field, or None when it is not one."""
    try:
        obj = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("seq"), int) or \
            isinstance(obj.get("seq"), bool) or not all(f in obj for f in FIELDS) or \
            not isinstance(obj.get("hash"), str) or not isinstance(obj.get("prev"), str):
        return None
    return obj


def _lines_backwards(f: BinaryIO, size: int, chunk: int = 1 << 16) -> Iterator[bytes]:
    """The file's lines from the last to the first. The first one given is what follows the last
    newline: b'' when the file ends with one, else an unfinished line."""
    pos, buf = size, b""
    while pos > 0:
        start = max(0, pos - chunk)
        f.seek(start)
        buf = f.read(pos - start) + buf
        pos = start
        parts = buf.split(b"\n")
        buf = parts[0]
        yield from reversed(parts[1:])
    yield buf


def _head(f: BinaryIO) -> tuple[int, str, bool]:
    """(seq, hash) of the last valid row (0 and GENESIS when none), and whether the file ends
    with a newline (an interrupted append leaves it without one)."""
    size = f.seek(0, 2)
    lines = _lines_backwards(f, size)
    ends_clean = next(lines) == b""
    for raw in lines:
        obj = _parse(raw)
        if obj is not None:
            return obj["seq"], obj["hash"], ends_clean
    return 0, GENESIS, ends_clean


# -- writing ----------------------------------------------------------------------------------------
def _flock(f: BinaryIO) -> None:
    if fcntl is None:
        return
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise AuditError("审计日志被另一进程长时间占用, 无法写入") from None
            time.sleep(0.005)


def record(path: Path | str, user: str, role: str, action: str, target: str | None = None,
           reason: str | None = None, filters: dict | None = None,
           at: dt.datetime | None = None) -> None:
    """Append one chained audit row (raises AuditError when it cannot be written)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    at = at or dt.datetime.now()
    if at.tzinfo is not None:  # the log keeps the server's local time, like before
        at = at.astimezone().replace(tzinfo=None)
    row = {"at": at.isoformat(timespec="microseconds"), "user": str(user), "role": str(role),
           "action": action, "target": _text(target), "reason": _text(reason),
           "filters": json.dumps(filters or {}, ensure_ascii=False, default=str,
                                 sort_keys=True)}
    log = log_path(path)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, open(log, "a+b") as f:  # append mode: every write lands at the end
            _flock(f)  # released when the file is closed
            seq, prev, ends_clean = _head(f)
            seq += 1
            line = json.dumps({"seq": seq, **row, "prev": prev, "hash": row_hash(prev, seq, row)},
                              ensure_ascii=False, separators=(",", ":"))
            # After an interrupted append, start a new line: the broken one stays for verify.
            f.write(("" if ends_clean else "\n").encode() + line.encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise AuditError(f"审计日志无法写入: {e}") from e


# -- reading (no lock is taken, so a reader never holds up a writer) -----------------------------
def _chained_backwards(path: Path | str) -> Iterator[dict]:
    """Valid rows of the log, newest first (an unfinished last line is not a row yet)."""
    log = log_path(path)
    if not log.exists():
        return
    with open(log, "rb") as f:
        size = f.seek(0, 2)
        lines = _lines_backwards(f, size)
        next(lines)
        for raw in lines:
            obj = _parse(raw)
            if obj is not None:
                yield obj


def legacy_rows(path: Path | str) -> pd.DataFrame:
    """Rows of the ``audit`` table an earlier version kept in app.duckdb ('unchained'), oldest
    first, read from a copy of the file so that no DuckDB lock is taken on it."""
    empty = pd.DataFrame(columns=list(FIELDS))
    p = _legacy_path(path)
    if p is None or not p.exists():
        return empty
    wal = p.with_name(p.name + ".wal")
    stamp = tuple((q.stat().st_mtime_ns, q.stat().st_size) if q.exists() else None
                  for q in (p, wal))
    key = (str(p.resolve()), stamp)
    if key not in _LEGACY_CACHE:
        _LEGACY_CACHE.clear()
        _LEGACY_CACHE[key] = _read_legacy(p, wal, empty)
    return _LEGACY_CACHE[key].copy()


def _read_legacy(p: Path, wal: Path, empty: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    from store.connection import connect

    with tempfile.TemporaryDirectory(prefix="audit-snapshot-") as tmp:
        copy = Path(tmp) / "app.duckdb"
        shutil.copyfile(p, copy)
        if wal.exists():
            shutil.copyfile(wal, Path(tmp) / "app.duckdb.wal")
        try:
            con = connect(copy, read_only=True)
        except duckdb.Error as e:
            raise AuditError(f"旧审计表 {p} 无法读取: {e}") from e
        try:
            tables = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
            if "audit" not in tables:
                return empty
            df = con.execute('SELECT "at", "user", role, action, target, reason, '
                             'CAST(filters AS VARCHAR) AS filters FROM audit '
                             'ORDER BY "at", rowid').df()
        finally:
            con.close()
    return df


def audit_rows(path: Path | str, limit: int | None = None, with_seq: bool = False) -> pd.DataFrame:
    """The audit log, newest first: the chained rows, then the unchained ones of app.duckdb
    (an empty frame when nothing was recorded). ``with_seq`` adds the column ``seq`` (None for
    unchained rows)."""
    want = limit if limit is not None else 2**62
    rows = []
    for obj in _chained_backwards(path):
        if len(rows) >= want:
            break
        rows.append({**{f: obj[f] for f in FIELDS}, "seq": obj["seq"]})
    if len(rows) < want:
        old = legacy_rows(path).iloc[::-1].head(want - len(rows))
        rows += [{**r, "seq": None} for r in old.to_dict("records")]
    df = pd.DataFrame(rows, columns=[*FIELDS, "seq"], dtype=object)
    df["at"] = pd.to_datetime(pd.Series([pd.Timestamp(a) for a in df["at"]], dtype=object),
                              format="mixed") if len(df) else pd.Series(dtype="datetime64[ns]")
    rest = df.columns.drop("at")
    df[rest] = df[rest].where(df[rest].notna(), None)  # None, not NaN
    return df if with_seq else df.drop(columns="seq")


# -- verifying ----------------------------------------------------------------------------------
def verify_chain(path: Path | str) -> tuple[bool, int | None, str]:
    """(ok, the first broken seq or None, a message) for the log of ``path``.

    Row n must be valid JSON with every field, carry seq n, the hash of row n-1 as ``prev``, and
    a ``hash`` matching its content. The first row failing any of these is the first broken one
    (a deleted row: its seq, missing). Unchained rows of app.duckdb are counted, not verified.
    """
    try:
        unchained = len(legacy_rows(path))
    except AuditError as e:
        return False, None, str(e)
    before = f"; 此前 {unchained} 行为无链旧记录 (unchained)" if unchained else ""
    log = log_path(path)
    if not log.exists():
        return True, None, f"审计链为空 (无 {log.name}){before}"
    prev, n, lineno, unfinished = GENESIS, 0, 0, False
    with open(log, "rb") as f:
        for raw in f:
            lineno += 1
            if not raw.endswith(b"\n"):  # an append in progress, or one interrupted
                unfinished = True
                break
            seq = n + 1
            obj = _parse(raw.rstrip(b"\n"))
            if obj is None:
                return False, seq, f"seq {seq}: 第 {lineno} 行不是完整的审计记录 (被改动或写入中断)"
            if obj["seq"] != seq:
                what = (f"seq {seq} 缺失 (第 {lineno} 行是 seq {obj['seq']}: 有行被删除)"
                        if obj["seq"] > seq else
                        f"seq {seq}: 第 {lineno} 行是 seq {obj['seq']} (重复或顺序被改动)")
                return False, seq, what
            if obj["prev"] != prev:
                return False, seq, (f"seq {seq}: prev 与 seq {seq - 1} 的 hash 不符 "
                                    f"(其前一行被改动、替换或删除)")
            if row_hash(prev, seq, {f: obj[f] for f in FIELDS}) != obj["hash"]:
                return False, seq, f"seq {seq}: 内容与 hash 不符 (该行被改动)"
            prev, n = obj["hash"], seq
    tail = "; 末行未写完 (写入中或被中断), 未计入" if unfinished else ""
    if n == 0:
        return True, None, f"审计链为空{before}{tail}"
    return True, None, f"审计链完整: seq 1–{n}, 末行 hash {prev}{before}{tail}"
