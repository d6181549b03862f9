"""The data behind a chart as CSV (UTF-8 with BOM) and XLSX, and ZIP bundles of many charts.

Both table formats start with header rows (title, filters, unit, freshness, source, export time)
and then the table. Text cells that a spreadsheet would run as a formula, whole or split on a
separator, are written with an apostrophe (store.spreadsheet: one rule for every export). In
XLSX, figures that a page shows as text ('1,214', '0.47', '+12', beside '<5') are numbers.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from exports import ExportMeta, ExportUnavailable, now_text
from store.spreadsheet import FORMULA_START, neutralise, neutralise_frame  # noqa: F401 - re-exported

TABLE_FORMATS = ("csv", "xlsx")


def to_csv(df: pd.DataFrame, meta: ExportMeta) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8): '# …' header lines, then the table."""
    return csv_bytes(df, meta.header_lines())


def csv_bytes(df: pd.DataFrame, header_lines: Iterable[str]) -> bytes:
    """``to_csv`` with header lines of the caller's own (e.g. a shortlist's filters)."""
    # CRLF line ends (RFC 4180) also make the csv writer quote a cell holding a bare CR, so
    # that no cell can split a row.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in header_lines:
        writer.writerow([neutralise(f"# {line}")])
    neutralise_frame(df).to_csv(buf, index=False, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(value):
    """openpyxl takes NaN/NA for numbers and Timestamps with time zones badly."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (list, tuple, set, dict)):
        return neutralise(str(value))
    return value


# A number as the pages write it: '1,214', '151', '+12', '-3', '0.47', '12.5%'. Whole numbers of
# five or more digits count only with separators: '370200' or a phone number is a code (text).
_NUMBER = re.compile(r"([+-]?)((?:[1-9]\d{0,2}(?:,\d{3})+|0|[1-9]\d{0,3})(?:\.\d+)?|\d+\.\d+)(%?)")
# What may stand in such a column instead of a number: a withheld figure ('<5', '保密'), an
# unknown ('未知', '—'), a low-confidence quotient in brackets ('(3.00)').
_PLACEHOLDER = re.compile(r"<\d+|保密|未知|unknown|—|–|\([^()]*\)|")


def _number(text: str) -> tuple[float | int, str] | None:
    """The number a page's text shows and its Excel format, or None."""
    m = _NUMBER.fullmatch(text.strip())
    if m is None:
        return None
    sign, digits, pct = m.groups()
    raw = digits.replace(",", "")
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    value = float(raw) if decimals else int(raw)
    value = -value if sign == "-" else value
    body = ("#,##0" if "," in digits else "0") + ("." + "0" * decimals if decimals else "")
    if pct:
        body = body.replace("#,##", "") + "%"
        value = value / 100
    return value, (f"+{body};-{body};{body}" if sign == "+" else body)


def numbers_as_numbers(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[tuple[int, str], str]]:
    """Text columns that hold figures as the pages write them ('1,214', '0.47', '+12', '<5')
    with their numbers made numbers (for a spreadsheet); the Excel format of each converted
    cell by (row position, column). A column with any other text is left as it is (a name,
    a code, a formula stays text, and is neutralised as text)."""
    out, formats = df.copy(), {}
    for col in df.columns:
        series = df[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        cells = [(i, v) for i, v in enumerate(series) if isinstance(v, str)]
        others = [v for v in series if not isinstance(v, str) and not _missing(v)]
        parsed = {i: _number(v) for i, v in cells}
        if others or not any(parsed.values()) or not all(
                parsed[i] or _PLACEHOLDER.fullmatch(v.strip()) for i, v in cells):
            continue
        values = list(series)
        for i, got in parsed.items():
            if got:
                values[i], formats[(i, col)] = got
        out[col] = pd.Series(values, index=series.index, dtype=object)
    return out, formats


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def to_xlsx(df: pd.DataFrame, meta: ExportMeta, sheet: str = "数据") -> bytes:
    """One sheet: the header lines (bold title), a blank row, the column names, the rows."""
    return xlsx_bytes(df, meta.header_lines(), sheet)


def xlsx_bytes(df: pd.DataFrame, header_lines: Iterable[str], sheet: str = "数据",
               numbers: bool = True) -> bytes:
    """``to_xlsx`` with header lines of the caller's own (the first one bold); ``numbers``:
    figures written as text ('1,214') stored as numbers (``numbers_as_numbers``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    for line in header_lines:
        ws.append([neutralise(line)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    # Figures as numbers (a count sorts and sums), then every text cell neutralised.
    typed, formats = numbers_as_numbers(df) if numbers else (df, {})
    body = neutralise_frame(typed)
    ws.append(list(body.columns))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    columns = list(df.columns)
    for pos, row in enumerate(body.itertuples(index=False)):
        ws.append([_cell(v) for v in row])
        for j, col in enumerate(columns):
            if (pos, col) in formats:
                ws.cell(ws.max_row, j + 1).number_format = formats[(pos, col)]
    _fit_columns(ws, body)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _fit_columns(ws, body: pd.DataFrame) -> None:
    """Column widths from the longest of the name and the first rows' values."""
    from openpyxl.utils import get_column_letter

    for i, col in enumerate(body.columns, start=1):
        values = [str(col), *(str(v) for v in body[col].head(200))]
        width = max(len(v.encode("gbk", "replace")) for v in values)  # CJK counts double
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)


def export_table(df: pd.DataFrame, meta: ExportMeta, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(df, meta)
    if fmt == "xlsx":
        return to_xlsx(df, meta)
    raise ValueError(f"unknown table format {fmt!r}")


# -- bundles ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartItem:
    """One chart to bundle: its figure (object, dict or JSON text), data and meta."""
    fig: object
    data: pd.DataFrame | None
    meta: ExportMeta
    folder: str = ""


def zip_files(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP of (name, bytes); repeated names get a ' (2)' suffix instead of overwriting."""
    buf = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(_unique(name, seen), data)
    return buf.getvalue()


def _unique(name: str, seen: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    stem, ext = (stem, "." + ext) if dot else (name, "")
    candidate, n = name, 1
    while candidate in seen:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    seen.add(candidate)
    return candidate


def _one(item: ChartItem, fmt: str, image_opts: dict) -> bytes | None:
    """The item in one format, or None when that format does not apply (no data)."""
    from exports import charts

    if fmt in TABLE_FORMATS:
        return None if item.data is None else export_table(item.data, item.meta, fmt)
    return charts.export(item.fig, item.meta, fmt, **image_opts)


def bundle(items: list[ChartItem], formats: Iterable[str], **image_opts) -> bytes:
    """A ZIP of every chart in every format, plus 说明.txt listing what could not be made."""
    # Without Chromium the images are listed as missing and the other formats still written.
    from exports import charts

    formats = list(dict.fromkeys(formats))
    files, missing = [], []
    if any(f in charts.IMAGE_FORMATS for f in formats):
        _warm_up(missing)
    for item in items:
        for fmt in formats:
            data = _safe_one(item, fmt, image_opts, missing)
            if data is not None:
                prefix = f"{item.folder}/" if item.folder else ""
                files.append((f"{prefix}{item.meta.stem()}.{fmt}", data))
    files.append(("说明.txt", _readme(items, formats, missing).encode("utf-8")))
    return zip_files(files)


def _warm_up(missing: list[str]) -> None:
    """Start the shared browser once for the bundle (it stays warm for later exports)."""
    from exports import charts

    try:
        charts.renderer()
    except ExportUnavailable as exc:
        missing.append(f"静态图片 (PNG/SVG/PDF) 未生成: {exc}")


def _safe_one(item: ChartItem, fmt: str, image_opts: dict, missing: list[str]) -> bytes | None:
    try:
        out = _one(item, fmt, image_opts)
    except ExportUnavailable:
        return None  # reported once by _warm_up
    except Exception as exc:  # one chart failing must not lose the others
        missing.append(f"{item.meta.title} · {fmt.upper()}: {exc}")
        return None
    if out is None:
        missing.append(f"{item.meta.title} · {fmt.upper()}: 该图表没有数据表")
    return out


def _readme(items: list[ChartItem], formats: list[str], missing: list[str]) -> str:
    lines = [f"人才地图 导出 · {now_text()}", f"格式: {', '.join(f.upper() for f in formats)}",
             "", "图表:"]
    for item in items:
        lines += [f"- {line}" if i == 0 else f"  {line}"
                  for i, line in enumerate(item.meta.header_lines()[:-1])]
    if missing:
        lines += ["", "未生成:", *(f"- {m}" for m in missing)]
    return "\n".join(lines) + "\n"
