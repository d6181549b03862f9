"""Reading a file nobody vouches for: only regular files, the exact bytes hashed, parsing bounded.

A load takes a private copy of each input while hashing it, so the digest recorded in the batch
is the digest of exactly the bytes parsed (a file replaced mid-load cannot be recorded under the
other version's hash). The copy is then parsed in a child process under limits: nesting depth,
columns, header size, decompressed size, address space and time. Whatever a crafted file does
to a parser — a segfault deep inside pyarrow, a shared-strings bomb, a header of a million
columns — ends that child only: the load gets one clear message naming the file, and the other
files of the same command still load. The child streams the file's tables back one chunk at a
time over a pipe, so memory stays bounded on both sides.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing as mp
import os
import resource
import shutil
import signal
import stat
import sys
import time
import types
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import settings
from etl import readers

BLOCK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one file's parsing may use. Built from settings (``Limits.from_settings()``)."""

    max_columns: int = 2_000
    max_header_kb: int = 256
    max_depth: int = 64
    max_expanded_mb: int = 2_048
    memory_mb: int = 4_096  # resident; address space is capped at 4× as a backstop
    timeout_s: float = 600.0

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(max_columns=settings.get("read_max_columns"),
                   max_header_kb=settings.get("read_max_header_kb"),
                   max_depth=settings.get("read_max_depth"),
                   max_expanded_mb=settings.get("read_max_expanded_mb"),
                   memory_mb=settings.get("read_memory_mb"),
                   timeout_s=settings.get("read_timeout_s"))


# -- the bytes ------------------------------------------------------------------------------------
_KINDS = ((stat.S_ISDIR, "目录"), (stat.S_ISFIFO, "命名管道 (FIFO)"), (stat.S_ISCHR, "字符设备"),
          (stat.S_ISBLK, "块设备"), (stat.S_ISSOCK, "套接字"))


def _not_regular(path: Path, mode: int) -> readers.ReadError:
    what = next((name for test, name in _KINDS if test(mode)), "特殊文件")
    return readers.ReadError(f"{path}: 不是普通文件 ({what}), 只能加载普通文件")


def private_copy(path: Path, dest: Path) -> str:
    """Copy ``path`` to ``dest`` while hashing it; return the sha256 of exactly the bytes copied.

    Only regular files: a FIFO, device, socket or directory is refused before a byte is read
    (the file is opened non-blocking, so a FIFO with no writer cannot hang the load)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise readers.ReadError(f"{path}: 文件不存在") from None
    except OSError as e:
        raise readers.ReadError(f"{path}: 无法读取文件: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(path, st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        raise readers.ReadError(f"{path}: 无法读取文件: {e.strerror or e}") from None
    h = hashlib.sha256()
    try:
        st = os.fstat(fd)  # what was opened may differ from what was stat'ed a moment ago
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, st.st_mode)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(fd, "rb", closefd=False) as src, open(dest, "wb") as out:
            while block := src.read(BLOCK):
                h.update(block)
                out.write(block)
    except OSError as e:
        with contextlib.suppress(OSError):
            dest.unlink()
        if e.filename and Path(e.filename) == dest:  # the copy's disk, not the input
            raise
        raise readers.ReadError(f"{path}: 无法读取文件: {e.strerror or e}") from None
    finally:
        os.close(fd)
    return h.hexdigest()


# -- bounded parsing ------------------------------------------------------------------------------
def check_shape(path: Path, limits: Limits) -> None:
    """Refuse, before any parser runs, what no parser should be given: a header line longer
    than ``max_header_kb``, more than ``max_columns`` columns, an archive (XLSX) or Parquet file
    that expands beyond ``max_expanded_mb``. Raises ReadError naming the limit and its setting."""
    suffix = path.suffix.lower()
    if suffix in readers.EXCEL and zipfile.is_zipfile(path):
        _check_zip(path, limits)
    elif suffix == ".parquet":
        _check_parquet(path, limits)
    elif suffix in {".csv", ".tsv", ".txt", ""}:
        _check_header_line(path, limits)


def _check_header_line(path: Path, limits: Limits) -> None:
    cap = limits.max_header_kb << 10
    with open(path, "rb") as f:
        head = f.read(cap + 1)
    # the header is the first non-empty line; quoted newlines in a header are not supported
    stripped = head.lstrip(b"\xef\xbb\xbf\r\n ")
    end = stripped.find(b"\n")
    if end < 0 and len(head) > cap:
        raise readers.ReadError(
            f"{path}: 表头行超过 {limits.max_header_kb} KB (设置 read_max_header_kb), 不像表格文件")
    line = stripped if end < 0 else stripped[:end]
    columns = 1 + max(line.count(d) for d in (b",", b"\t", b";", b"|"))
    if columns > limits.max_columns:
        raise readers.ReadError(f"{path}: 表头有 {columns:,} 列, 超过上限 {limits.max_columns:,} 列 "
                                "(设置 read_max_columns)")


def _check_zip(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            expanded = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # the Excel reader explains a broken file
    if expanded > limits.max_expanded_mb << 20:
        raise readers.ReadError(
            f"{path}: Excel 文件解压后有 {expanded / 2**20:,.0f} MB, 超过上限 "
            f"{limits.max_expanded_mb:,} MB (设置 read_max_expanded_mb); 疑似压缩炸弹或请拆分文件")


def _check_parquet(path: Path, limits: Limits) -> None:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # noqa: BLE001 - the Parquet reader explains a broken file
        return
    if meta.num_columns > limits.max_columns:
        raise readers.ReadError(f"{path}: 有 {meta.num_columns:,} 列, 超过上限 "
                                f"{limits.max_columns:,} 列 (设置 read_max_columns)")
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > limits.max_expanded_mb << 20:
        raise readers.ReadError(
            f"{path}: Parquet 文件解压后有 {expanded / 2**20:,.0f} MB, 超过上限 "
            f"{limits.max_expanded_mb:,} MB (设置 read_max_expanded_mb)")


def check_table(path: Path, table: readers.RawTable, limits: Limits) -> None:
    """Limits that can only be checked on what was parsed (columns of JSON and XLSX)."""
    if table.data.shape[1] > limits.max_columns:
        raise readers.ReadError(f"{path}: 有 {table.data.shape[1]:,} 列, 超过上限 "
                                f"{limits.max_columns:,} 列 (设置 read_max_columns)")


def _child(conn, path: str, shown: str, kind: str | None, user_map: dict | None,
           chunk_rows: int, stream_bytes: int, limits: Limits) -> None:
    """The child process: parse under limits, send each table, then ('done',) or ('error', msg)."""
    from etl import mapping

    # The parent watches the resident size (memory_mb); address space is only a backstop
    # (pyarrow and thread stacks reserve far more than they touch: a 4 GB cap on address space
    # refused the large demo's 500,000 postings).
    space = (limits.memory_mb << 20) * 4
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
    readers.MAX_JSON_DEPTH = limits.max_depth
    readers.MAX_EXPANDED_BYTES = limits.max_expanded_mb << 20
    kinds = [kind] if kind else list(mapping.KINDS)

    def hint(cells: list[str]) -> float:
        return max(len(mapping.map_columns(cells, k, user_map)) for k in kinds)

    p = Path(path)

    def fix(text: str) -> str:  # messages name the user's file, not the private copy
        return text.replace(path, shown)

    try:
        check_shape(p, limits)
        for table in readers.iter_tables(p, hint, chunk_rows, stream_bytes):
            check_table(p, table, limits)
            conn.send(("table", table))
        conn.send(("done", None))
    except readers.ReadError as e:
        conn.send(("error", fix(str(e))))
    except MemoryError:
        conn.send(("error", memory_message(shown, limits)))
    except RecursionError:
        conn.send(("error", f"{shown}: 嵌套层数过深, 超过上限 {limits.max_depth} 层 "
                            "(设置 read_max_depth)"))
    except Exception as e:  # noqa: BLE001 - whatever a parser raises becomes one message
        conn.send(("error", fix(f"{shown}: 无法读取文件 ({type(e).__name__}: {e})")[:2000]))
    finally:
        conn.close()


_CTX = None


def _context():
    """A fork server that has imported the readers once: each file's child forks from it in
    milliseconds, and never from the (multi-threaded) loading process itself."""
    global _CTX
    if _CTX is None:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["etl.guard", "etl.readers", "etl.mapping", "pandas",
                                    "pyarrow.parquet", "pyarrow.json", "pyarrow.csv"])
        _CTX = ctx
    return _CTX


@contextlib.contextmanager
def _bare_main():
    """While a child is started, ``__main__`` is an empty module: multiprocessing would import
    the parent's main script again in the child, and in a Streamlit server or after an AppTest
    that script is the dashboard. The child needs nothing from it (its target lives here)."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def iter_tables(path: Path, shown: Path, kind: str | None, user_map: dict | None,
                chunk_rows: int, stream_bytes: int,
                limits: Limits | None = None) -> Iterator[readers.RawTable]:
    """``readers.iter_tables`` run in a child process under ``limits``.

    ``path`` is what is parsed (the private copy); ``shown`` is the name messages give. Raises
    ReadError with one clear message when the child reports an error, crashes (a signal), runs
    out of memory or takes longer than ``timeout_s`` to produce its next table."""
    limits = limits or Limits.from_settings()
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, name=f"read {Path(shown).name}", daemon=True,
                       args=(child, str(path), str(shown), kind, user_map, chunk_rows,
                             stream_bytes, limits))
    with _bare_main():
        proc.start()
    child.close()
    try:
        while True:
            _wait(parent, proc, shown, limits)
            try:
                what, value = parent.recv()
            except (EOFError, ConnectionError, OSError):
                proc.join(5)
                raise readers.ReadError(_death(shown, proc.exitcode, limits)) from None
            if what == "table":
                yield value
            elif what == "error":
                raise readers.ReadError(value)
            else:
                return
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)


POLL_S = 0.1


def _wait(parent, proc, shown: Path, limits: Limits) -> None:
    """Wait for the child's next message, stopping it past its time or resident memory."""
    deadline = time.monotonic() + limits.timeout_s
    while not parent.poll(min(POLL_S, limits.timeout_s)):
        if resident_mb(proc.pid) > limits.memory_mb:
            proc.kill()
            raise readers.ReadError(memory_message(shown, limits))
        if time.monotonic() >= deadline:
            raise readers.ReadError(
                f"{shown}: 读取超时 (超过 {limits.timeout_s:g} 秒, 设置 read_timeout_s), 已中止")


def resident_mb(pid: int | None) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory_message(shown: Path | str, limits: Limits) -> str:
    return (f"{shown}: 读取时超出内存上限 {limits.memory_mb:,} MB (设置 read_memory_mb); "
            "文件过大或结构异常 (疑似炸弹文件)")


def _death(shown: Path, exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        sig = signal.Signals(-exitcode).name
        if -exitcode in (signal.SIGKILL, signal.SIGABRT):
            return (f"{shown}: 读取进程被终止 ({sig}), 多半是内存耗尽 (上限 {limits.memory_mb:,} MB, "
                    "设置 read_memory_mb); 文件过大或结构异常")
        return f"{shown}: 文件解析器崩溃 ({sig}); 文件结构异常 (例如嵌套过深), 未加载"
    return f"{shown}: 读取进程意外退出 (退出码 {exitcode}), 未加载"


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
