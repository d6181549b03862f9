"""Read raw exports (CSV/TSV, XLSX, JSON/JSONL, Parquet) into a table of text cells.

Every reader returns the same thing: a DataFrame whose cells are text (or None), the original
headers, and each row's number in the file as a person would count it (the header row is 1 in a
CSV; XLSX rows are the sheet's own row numbers), so that messages can name the row.

This module picks the reader by format and reads XLSX, JSON and Parquet; CSV/TSV, the encoding
of text files and the ``RawTable`` / ``ReadError`` types are in ``etl.delimited`` (re-exported
here, so that ``etl.readers`` stays the one import of the loader and the guard).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import json
import math
from pathlib import Path

import pandas as pd

from etl.delimited import (  # also etl.readers.* for the loader, the guard and the tests
    SAMPLE_BYTES,
    RawTable,
    ReadError,
    csv_chunks,
    dedupe_headers,
    detect_encoding,
    read_csv,
)

HEADER_SEARCH_ROWS = 20
MAX_JSON_DEPTH = 64  # deeper JSON is refused (etl.guard sets it from read_max_depth)
MAX_EXPANDED_BYTES = 2048 << 20  # a Parquet file decoding to more is refused (read_max_expanded_mb)


def read_file(path: Path, header_hint=None) -> RawTable:
    """Read any supported file; ``header_hint(headers) -> score`` helps find an XLSX header."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: 文件不存在")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: 文件为空")
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        return read_excel(path, header_hint)
    if suffix in {".json", ".jsonl", ".ndjson"}:
        return read_json(path)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix in {".csv", ".tsv", ".txt", ""}:
        return read_csv(path)
    raise ReadError(f"{path}: 不支持的文件格式 {suffix} (支持 CSV、TSV、XLSX、JSON、JSONL、Parquet)")


EXCEL = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: encrypted xlsx or old .xls


def iter_tables(path: Path, header_hint=None, chunk_rows: int = 200_000,
                stream_bytes: int = 100 << 20):
    """The file as one RawTable, or — a CSV or JSON-lines file larger than ``stream_bytes`` — as
    consecutive chunks of ``chunk_rows`` rows, so that memory stays bounded whatever its size."""
    path = Path(path)
    suffix = path.suffix.lower()
    streamable = suffix in {".csv", ".tsv", ".txt", "", ".jsonl", ".ndjson"}
    if not streamable or not path.exists() or path.stat().st_size <= stream_bytes:
        yield read_file(path, header_hint)
        return
    if suffix in {".jsonl", ".ndjson"}:
        yield from _jsonl_chunks(path, chunk_rows)
        return
    yield from csv_chunks(path, chunk_rows)


# -- XLSX -----------------------------------------------------------------------------------------
def _cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) \
            else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v)
    return s if s.strip() else None


def read_excel(path: Path, header_hint=None) -> RawTable:
    """First visible sheet; the header is the row among the first 20 that looks most like one."""
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == CFB_MAGIC and path.suffix.lower() != ".xls":
        raise ReadError(f"{path}: Excel 文件已加密 (受密码保护), 无法读取; "
                        "请在 Excel 中取消密码后另存为 .xlsx 再导入")
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own types for broken/encrypted files
        raise ReadError(f"{path}: 无法打开 Excel 文件 (文件损坏或已加密?): {e}") from None
    sheets = [s for s in wb.sheets_metadata if str(s.visible).lower().endswith("visible")
              and "hidden" not in str(s.visible).lower()] or wb.sheets_metadata
    if not sheets:
        raise ReadError(f"{path}: Excel 文件没有工作表")
    sheet = wb.get_sheet_by_name(sheets[0].name)
    rows = sheet.to_python(skip_empty_area=False)
    if not rows:
        raise ReadError(f"{path}: 工作表 {sheets[0].name} 为空")
    header_idx = _find_header(rows, header_hint)
    headers = dedupe_headers(rows[header_idx])
    body = [[_cell_text(v) for v in r] for r in rows[header_idx + 1:]]
    width = len(headers)
    body = [(r + [None] * width)[:width] for r in body]
    keep = [i for i, r in enumerate(body) if any(v is not None for v in r)]
    df = pd.DataFrame([body[i] for i in keep], columns=headers, dtype=object)
    # calamine starts at the sheet's first used row; openpyxl-style numbers are 1-based.
    offset = header_idx + 2 + _first_row(sheet)
    numbers = pd.Series([i + offset for i in keep], dtype="int64")
    notes = [f"表头在第 {header_idx + 1 + _first_row(sheet)} 行"] if header_idx else []
    return RawTable(df, numbers, "xlsx", None, notes)


def _first_row(sheet) -> int:
    start = getattr(sheet, "start", None)
    return int(start[0]) if start else 0


def _find_header(rows: list[list], header_hint) -> int:
    best, best_score = 0, -1.0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
        if not cells:
            continue
        score = header_hint(cells) if header_hint else 0
        score += len(cells) * 0.01 + (0.001 if all(isinstance(v, str) for v in cells) else 0)
        if score > best_score:
            best, best_score = i, score
    return best


# -- JSON -----------------------------------------------------------------------------------------
def read_json(path: Path) -> RawTable:
    """A JSON array of objects, JSON lines, or a single object (one record)."""
    return _json_table(path, path.read_bytes())


def _jsonl_chunks(path: Path, chunk_rows: int):
    """A large JSON-lines file ``chunk_rows`` lines at a time (cut at newlines, which never fall
    inside a UTF-8 or GBK character), each chunk read like a whole file; row numbers are the
    file's line numbers. The columns are those of the first chunk: a key first met later is
    reported in the chunk's notes and not loaded."""
    with open(path, "rb") as f:
        encoding = detect_encoding(f.read(SAMPLE_BYTES))
    if encoding.startswith("utf-16"):
        yield read_json(path)
        return
    columns: list[str] | None = None
    line = 0
    with open(path, "rb") as f:
        while True:
            lines = list(itertools.islice(f, chunk_rows))
            if not lines:
                break
            if line == 0 and lines[0].startswith(codecs.BOM_UTF8):
                lines[0] = lines[0][len(codecs.BOM_UTF8):]
            table = _json_table(path, b"".join(lines))
            table.row_numbers = table.row_numbers + line
            if columns is None:
                columns = table.headers
            else:
                extra = [c for c in table.headers if c not in columns]
                if extra:
                    table.notes.append(f"第 {line + 1} 行起出现新的键 {'、'.join(extra[:5])}, "
                                       "未载入 (流式读取时以前面记录的键为列)")
                table.data = table.data.reindex(columns=columns)
            line += len(lines)
            yield table


def _json_table(path: Path, raw: bytes) -> RawTable:
    try:
        text = raw.decode(detect_encoding(raw[:SAMPLE_BYTES]))
    except (ReadError, UnicodeDecodeError) as e:
        raise ReadError(f"{path}: 无法解码 JSON 文件: {e}") from None
    text = text.lstrip("\ufeff").strip()
    shallow = bracket_depth(raw) <= MAX_JSON_DEPTH  # an upper bound: brackets in text count too
    fast = _jsonl_arrow(path, raw, text) if shallow else None
    if fast is not None:
        return fast
    records, numbers = _json_records(text, path)
    if not shallow:
        for r, n in zip(records, numbers, strict=True):
            if json_depth(r) > MAX_JSON_DEPTH:
                raise ReadError(f"{path}: 第 {n} 条记录嵌套超过 {MAX_JSON_DEPTH} 层 "
                                "(设置 read_max_depth), 不像表格数据")
    bad = [n for r, n in zip(records, numbers, strict=True) if not isinstance(r, dict)]
    if bad:
        raise ReadError(f"{path}: 第 {bad[0]} 条记录不是对象 (应为 {{\"列名\": 值}})")
    df = pd.DataFrame.from_records([{k: _json_cell(v) for k, v in r.items()} for r in records])
    df = df.astype(object).where(df.notna(), None)
    df.columns = dedupe_headers(list(df.columns))
    return RawTable(df, pd.Series(numbers, dtype="int64"), "json", "utf-8")


def _jsonl_arrow(path: Path, raw: bytes, text: str) -> RawTable | None:
    """JSON lines read by pyarrow (multi-threaded); None when the file needs the careful
    reader (an array, blank lines that would shift row numbers, mixed or nested types)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    if not text or text[0] != "{" or b"\n\n" in raw or b"\n\r\n" in raw or raw.startswith(
            codecs.BOM_UTF8) or "\n" not in text:
        return None
    try:
        table = pj.read_json(io.BytesIO(raw))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        typ = col.type
        if pa.types.is_list(typ) or pa.types.is_large_list(typ):
            if not pa.types.is_string(typ.value_type):
                return None
            col = pc.binary_join(col, "、")
        elif pa.types.is_boolean(typ):
            col = pc.if_else(col, "是", "否")
        elif pa.types.is_null(typ):
            col = pa.nulls(len(col), pa.string())
        elif pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_string(typ):
            col = pc.cast(col, pa.string())
        else:  # structs, timestamps …: the careful reader renders them
            return None
        values = col.to_numpy(zero_copy_only=False).astype(object)
        values[values == ""] = None
        cols[name] = values
    df = pd.DataFrame(cols, dtype=object)
    df = df.where(df.notna(), None)
    df.columns = dedupe_headers(list(df.columns))
    return RawTable(df, pd.Series(range(1, len(df) + 1), dtype="int64"), "json", "utf-8")


def bracket_depth(raw: bytes) -> int:
    """The deepest nesting of brackets and braces in ``raw``, counting those inside strings too
    (so never less than the JSON's real depth). Vectorised: a gate before any parser runs."""
    import numpy as np

    a = np.frombuffer(raw, dtype=np.uint8)
    step = ((a == 0x5B) | (a == 0x7B)).astype(np.int32) - ((a == 0x5D) | (a == 0x7D))
    return int(np.cumsum(step).max()) if len(step) else 0


def json_depth(value) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d + 1)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def _loads(text: str):
    """json.loads keeping integers as their text: a 5,000-digit number is a cell like any other
    (Python refuses to turn more than 4,300 digits into an int)."""
    return json.loads(text, parse_int=str)


def _json_records(text: str, path: Path) -> tuple[list, list[int]]:
    if not text:
        raise ReadError(f"{path}: 文件为空")
    if text[0] == "[":
        try:
            data = _loads(text)
        except json.JSONDecodeError as e:
            raise ReadError(f"{path}: JSON 格式错误 (第 {e.lineno} 行): {e.msg}") from None
        return data, list(range(1, len(data) + 1))
    try:
        one = _loads(text)
        if isinstance(one, dict):
            return [one], [1]
    except json.JSONDecodeError:
        pass
    records, numbers = [], []
    for i, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            records.append(_loads(line))
        except json.JSONDecodeError as e:
            raise ReadError(f"{path}: 第 {i} 行不是合法的 JSON: {e.msg}") from None
        numbers.append(i)
    return records, numbers


def _json_cell(v):
    if v is None:
        return None
    if hasattr(v, "tolist") and not isinstance(v, str):  # numpy arrays from Parquet lists
        v = v.tolist()
    if isinstance(v, list):
        return "、".join(str(x) for x in v if x is not None)
    if isinstance(v, dict):  # a struct: its values may be datetimes, Decimals, bytes …
        return json.dumps(v, ensure_ascii=False, default=_json_default)
    return _cell_text(v)


def _json_default(v) -> str:
    if isinstance(v, bytes):
        return v.hex()
    return _cell_text(v) or ""


# -- Parquet --------------------------------------------------------------------------------------
def read_parquet(path: Path) -> RawTable:
    """Parquet of any column types; cells turned into text like the other formats. Text columns
    are read dictionary-encoded and their decoded size is checked before any cell is built: a
    small file of one long string repeated a million times is refused, not expanded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetFile(path).schema_arrow
        text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_binary(f.type)
                or pa.types.is_large_string(f.type)]
        table = pq.ParquetFile(path, read_dictionary=text).read()
    except Exception as e:
        raise ReadError(f"{path}: 无法读取 Parquet 文件: {e}") from None
    size = decoded_bytes(table)
    if size > MAX_EXPANDED_BYTES:
        raise ReadError(f"{path}: Parquet 文件解码后有 {size / 2**20:,.0f} MB, 超过上限 "
                        f"{MAX_EXPANDED_BYTES >> 20:,} MB (设置 read_max_expanded_mb); 疑似压缩炸弹")
    out = pd.DataFrame({name: pd.Series([_json_cell(v) for v in col.to_pylist()], dtype=object)
                        for name, col in zip(table.column_names, table.columns, strict=True)})
    out.columns = dedupe_headers(list(out.columns))
    return RawTable(out, pd.Series(range(1, len(out) + 1), dtype="int64"), "parquet")


def decoded_bytes(table) -> int:
    """Bytes a table takes once its dictionary-encoded columns are decoded."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for col in table.columns:
        for chunk in col.chunks:
            if pa.types.is_dictionary(chunk.type):
                lengths = pc.binary_length(chunk.dictionary)
                total += int(pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0)
            else:
                total += chunk.nbytes
    return total
