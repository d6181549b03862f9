"""Delimited text (CSV/TSV) and what every reader returns.

``RawTable`` and ``ReadError`` (the result and the failure of every reader), the encoding of a
text file (UTF-8 with or without BOM, UTF-16 with BOM, GB18030), header names made unique, and
reading a CSV or TSV whole or in chunks, with each row's number in the file. ``etl.readers``
picks the reader by format and re-exports these names; the other formats (XLSX, JSON, Parquet)
are there.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SAMPLE_BYTES = 1 << 20


class ReadError(ValueError):
    """A file cannot be read at all (its format, encoding or structure is broken)."""


@dataclass
class RawTable:
    # text cells, columns = original headers (deduplicated); a missing cell is None, or NaN in
    # the Arrow-backed str columns of a CSV (pd.isna covers both)
    data: pd.DataFrame
    row_numbers: pd.Series      # the row's number in the file, aligned with data
    fmt: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
    # Rows the reader could not split into cells: (row number, reason, raw text) → quarantine.
    bad_rows: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [str(c) for c in self.data.columns]


# -- CSV ------------------------------------------------------------------------------------------
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13))


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM) or GB18030 (a superset of GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:65536]
    if head and sum(head.count(bytes([b])) for b in _CONTROL) > len(head) // 10:
        raise ReadError("看起来是二进制文件或无 BOM 的 UTF-16, 不是文本表格")
    failures = {}
    for enc in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            decoder.decode(sample, final=False)  # a multibyte char cut at the sample's end is fine
            return enc
        except UnicodeDecodeError as e:
            failures[enc] = e.start
    # Neither fits: name the line where the likelier encoding (the one that got further) broke.
    enc, pos = max(failures.items(), key=lambda kv: kv[1])
    line = sample[:pos].count(b"\n") + 1
    raise ReadError(f"第 {line} 行编码错误 (既不是 UTF-8 也不是 GBK; 按 {enc.upper()} 在第 "
                    f"{pos + 1} 字节处无法解码), 请检查文件是否被截断或混用了编码")


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _sniff(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV from its first megabyte."""
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    try:
        encoding = detect_encoding(sample)
    except ReadError as e:
        raise ReadError(f"{path}: {e}") from None
    text_sample = sample.decode(encoding, errors="ignore")
    first = text_sample.lstrip("\ufeff").splitlines()[0] if text_sample.strip() else ""
    if not first.strip():
        raise ReadError(f"{path}: 文件没有表头")
    return encoding, _sniff_delimiter(first)


def read_csv(path: Path) -> RawTable:
    """CSV or TSV, encoding and delimiter detected; every cell read as text."""
    encoding, sep = _sniff(path)
    df = _read_csv_arrow(path, sep, encoding)
    if df is not None:
        return _csv_table(df, sep, encoding)
    bad: list[tuple[int, str, str]] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            df = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False,
                             na_values=[], skip_blank_lines=True, encoding_errors="strict",
                             on_bad_lines="warn", engine="c", quoting=csv.QUOTE_MINIMAL)
        bad = _ragged_rows(path, encoding, caught)
    except UnicodeDecodeError as e:
        raise _decode_error(path, encoding, e) from None
    except pd.errors.ParserError as e:
        raise ReadError(f"{path}: CSV 格式错误: {e}") from None
    except pd.errors.EmptyDataError:
        raise ReadError(f"{path}: 文件没有表头") from None
    table = _csv_table(df, sep, encoding)
    if bad:  # the rows after a skipped line sit one line further down the file
        skipped = {n for n, _, _ in bad}
        lines = (n for n in range(2, len(df) + len(bad) + 2) if n not in skipped)
        table.row_numbers = pd.Series([next(lines) for _ in range(len(df))],
                                      index=df.index, dtype="int64")
        table.bad_rows = bad
    return table


_SKIP = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def _ragged_rows(path: Path, encoding: str, caught) -> list[tuple[int, str, str]]:
    """Rows with the wrong number of cells, from pandas' warnings, with their raw text."""
    found = [(int(m[1]), int(m[2]), int(m[3])) for w in caught
             for m in _SKIP.finditer(str(w.message))]
    if not found:
        return []
    wanted = {n for n, _, _ in found}
    lines = {}
    with open(path, encoding=encoding, errors="replace") as f:
        for i, line in enumerate(f, start=1):
            if i in wanted:
                lines[i] = line.rstrip("\r\n")[:2000]
    return [(n, f"列数不一致 (应为 {want} 列, 实际 {got} 列)", lines.get(n, ""))
            for n, want, got in found]


def _csv_table(df: pd.DataFrame, sep: str, encoding: str) -> RawTable:
    df.columns = dedupe_headers(list(df.columns))
    # An empty cell is missing. Masked, a column keeps pandas' Arrow-backed str dtype (missing
    # as NaN): it crosses the reader's pipe as Arrow buffers and is cleaned on the Arrow path,
    # where replacing with None made it a column of Python objects (issue 18).
    df = df.mask(df == "")
    rows = pd.Series(range(2, len(df) + 2), index=df.index, dtype="int64")
    return RawTable(df, rows, "csv" if sep != "\t" else "tsv", encoding)


def _read_csv_arrow(path: Path, sep: str, encoding: str) -> pd.DataFrame | None:
    """pyarrow's multi-threaded CSV reader (3× the C engine on a million rows) for plain UTF-8
    files; None when the file needs the careful reader (quoted newlines shift row numbers,
    ragged rows need a message naming the line, other encodings)."""
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False,
                         na_values=[], engine="pyarrow")
    except Exception:  # noqa: BLE001 - any trouble: the careful reader explains it
        return None
    raw = [c for c in df.columns]
    if any(str(c).startswith("Unnamed") or str(c) == "" for c in raw):
        return None
    return df


def _decode_error(path: Path, encoding: str, error: UnicodeDecodeError) -> ReadError:
    """The message for a file that does not decode, naming the line of the first bad byte.

    The parser's offset is into whatever buffer it was decoding (one chunk of a streamed
    file), so the file is decoded again, a block of whole lines at a time, to find the line.
    (A newline byte never occurs inside a UTF-8 or GBK character; UTF-16 is decoded whole.)"""
    line, reason = 1, error.reason
    with open(path, "rb") as f:
        if encoding.lower().startswith("utf-16"):
            data = f.read()
            try:
                data.decode(encoding)
            except UnicodeDecodeError as e:
                line, reason = data[:e.start].count(b"\n") + 1, e.reason
        else:
            rest = b""
            while True:
                block = f.read(1 << 20)
                data = rest + block
                cut = data.rfind(b"\n") + 1 if block else len(data)
                data, rest = data[:cut], data[cut:]
                try:
                    data.decode(encoding)
                except UnicodeDecodeError as e:
                    line += data[:e.start].count(b"\n")
                    reason = e.reason
                    break
                line += data.count(b"\n")
                if not block:
                    break
    return ReadError(f"{path}: 第 {line} 行附近编码错误 (按 {encoding} 解码失败): {reason}")


def dedupe_headers(headers: list) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        name = str(h).strip() if h is not None and str(h).strip() else f"未命名列{i + 1}"
        if name.startswith("Unnamed:"):
            name = f"未命名列{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def csv_chunks(path: Path, chunk_rows: int):
    """A CSV in tables of ``chunk_rows`` rows. A UTF-8 file is read by pyarrow's multi-threaded
    streaming reader (3.5× pandas' C reader on the large demo's 1M talents: 2.4 s against 8.4 s);
    at anything it does not take (a ragged row, a bad byte, odd headers) the careful reader takes
    over where it stopped, and explains any error with the line it is on."""
    encoding, sep = _sniff(path)
    sent = 0
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            for table in _arrow_chunks(path, sep, encoding, chunk_rows):
                sent += len(table.data)
                yield table
            if sent:
                return
        except _NotForArrow:
            pass
    yield from _careful_chunks(path, encoding, sep, chunk_rows, sent)


ARROW_BLOCK_BYTES = 8 << 20  # the streaming reader parses blocks of this size in parallel
FIRST_CHUNK_ROWS = 20_000    # the first chunk's rows (at most chunk_rows)


class _NotForArrow(Exception):
    """The streaming Arrow reader cannot take this file (from here on)."""


def _arrow_chunks(path: Path, sep: str, encoding: str, chunk_rows: int):
    """Tables of exactly ``chunk_rows`` rows (the first FIRST_CHUNK_ROWS at most, the last
    fewer), as the careful reader would give them: str columns, empty cells missing, rows
    numbered from 2."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with open(path, "rb") as f:
        first = f.readline()
    try:
        names = next(csv.reader([first.decode(encoding).rstrip("\r\n")], delimiter=sep), [])
    except UnicodeDecodeError:
        raise _NotForArrow from None
    if not names or len(set(names)) != len(names) or any(not n.strip() for n in names):
        raise _NotForArrow
    try:
        reader = pcsv.open_csv(
            path, read_options=pcsv.ReadOptions(block_size=ARROW_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False))
        if reader.schema.names != names:
            raise _NotForArrow
        line, held = 2, []
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                batch = None
            if batch is not None:
                held.append(batch)
            # The first chunk is small: the loader starts on it while the rest is read.
            size = min(chunk_rows, FIRST_CHUNK_ROWS) if line == 2 else chunk_rows
            while held and (batch is None or sum(len(b) for b in held) >= size):
                table = pa.Table.from_batches(held).combine_chunks()
                out, rest = table.slice(0, size), table.slice(size)
                held = rest.to_batches() if len(rest) else []
                yield _arrow_table(out, sep, encoding, line)
                line += len(out)
                size = chunk_rows
            if batch is None:
                return
    except (pa.ArrowException, UnicodeDecodeError):
        raise _NotForArrow from None


def _arrow_table(table, sep: str, encoding: str, line: int) -> RawTable:
    df = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=float("nan")))
    df.index = pd.RangeIndex(line - 2, line - 2 + len(df))  # as the C reader numbers its chunks
    out = _csv_table(df, sep, encoding)
    out.row_numbers = pd.Series(range(line, line + len(df)), index=df.index, dtype="int64")
    return out


def _careful_chunks(path: Path, encoding: str, sep: str, chunk_rows: int, skip: int):
    """pandas' C reader in chunks, the first ``skip`` rows (sent already) not yielded again."""
    reader = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, keep_default_na=False,
                         na_values=[], skip_blank_lines=True, on_bad_lines="warn", engine="c",
                         chunksize=chunk_rows)
    line, yielded = 2, False
    while True:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                df = next(reader)
        except StopIteration:
            break
        except UnicodeDecodeError as e:
            raise _decode_error(path, encoding, e) from None
        except pd.errors.ParserError as e:
            raise ReadError(f"{path}: CSV 格式错误: {e}") from None
        bad = _ragged_rows(path, encoding, caught)
        table = _csv_table(df, sep, encoding)
        skipped = {n for n, _, _ in bad}
        lines = [n for n in range(line, line + len(df) + len(bad)) if n not in skipped]
        table.row_numbers = pd.Series(lines[:len(df)], index=df.index, dtype="int64")
        table.bad_rows = bad
        line += len(df) + len(bad)
        yielded = True
        if skip:  # rows the Arrow reader sent already
            gone = min(skip, len(df))
            first_bad = min((n for n, _, _ in bad), default=None)
            if first_bad is not None and gone and first_bad < table.row_numbers.iloc[gone - 1]:
                raise ReadError(f"{path}: 第 {first_bad} 行: 两种读法对该行理解不同, "
                                "文件未载入; 请检查该行的引号和列数")
            table.data, table.row_numbers = table.data.iloc[gone:], table.row_numbers.iloc[gone:]
            skip -= gone
            if table.data.empty and not bad:
                continue
        yield table
    if not yielded:
        yield read_csv(path)
