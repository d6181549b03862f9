"""The files as real exports look: GBK CSV, XLSX with a title row, JSON lines, plain CSV.

Each writer also records its file in the manifest (rows, where the data starts, the defects).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo.constants import SNAPSHOT, XLSX_MAX_ROWS

ENTERPRISE_COLUMNS = ("统一社会信用代码", "企业名称", "注册地址", "经营范围", "成立日期",
                      "注册资本(万元)", "参保人数", "是否上市", "链主企业", "数据日期")
TALENT_COLUMNS = ("人才编号", "姓名", "手机", "邮箱", "所在地", "出生年份", "最高学历", "毕业院校", "专业",
                  "工作年限", "人才层次", "技能标签", "职位", "现任单位", "单位信用代码", "是否海归",
                  "留学国家", "是否愿意流动", "期望城市", "数据日期")  # fmt: skip
POSTING_COLUMNS = ("职位编号", "职位名称", "公司名称", "统一社会信用代码", "工作地点", "薪资", "学历要求",
                   "经验要求", "技能标签", "发布日期")  # fmt: skip


def write_enterprises(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """enterprises.csv in GBK with CRLF line ends, as a Windows registry export would be."""
    path = out_dir / "enterprises.csv"
    df.loc[:, list(ENTERPRISE_COLUMNS)].to_csv(path, index=False, encoding="gbk",
                                               lineterminator="\r\n")
    _record_defects(manifest, path.name, "enterprise", len(df), df.attrs["defects"], 2,
                    encoding="gbk")
    return path


def write_talents(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """talents.xlsx (title row above the header) up to XLSX_MAX_ROWS, else talents.csv."""
    table = df.loc[:, list(TALENT_COLUMNS)]
    if len(df) <= XLSX_MAX_ROWS:
        path = out_dir / "talents.xlsx"
        _write_xlsx(table, path, f"人才信息导出 {SNAPSHOT}", date_columns=("数据日期",))
        first, extra = 3, {"format": "xlsx", "title_rows": 1}
    else:
        path = out_dir / "talents.csv"
        table.to_csv(path, index=False, encoding="utf-8-sig")
        first, extra = 2, {"format": "csv", "encoding": "utf-8-sig"}
    _record_defects(manifest, path.name, "talent", len(df), df.attrs["defects"], first, **extra)
    return path


def _write_xlsx(table: pd.DataFrame, path: Path, title: str, date_columns=()) -> None:
    """One sheet: a title row, the header, the rows; text as inline strings, numbers as numbers,
    dates as date cells (format 14), empty text as no cell; fixed timestamps (byte-identical).

    Written directly (zipfile + XML text), not with openpyxl: its write-only mode spent 3–5 s
    of the first run on 5,000 rows (half the generator's time); this takes a tenth of that.
    Excel, LibreOffice, openpyxl and calamine read it as before."""
    cols = []
    for name in table.columns:
        values = table[name].to_numpy(dtype=object)
        if name in date_columns:
            values = np.array([dt.date.fromisoformat(v) if v else None for v in values],
                              dtype=object)
        cols.append(values)
    letters = [_column_letter(i) for i in range(len(table.columns))]
    rows = [_xlsx_row(1, letters, [title]), _xlsx_row(2, letters, list(table.columns))]
    rows += [_xlsx_row(r, letters, row) for r, row in enumerate(zip(*cols, strict=True), 3)]
    sheet = (_XML + f'<worksheet xmlns="{_NS_MAIN}"><sheetData>' + "".join(rows)
             + "</sheetData></worksheet>")
    parts = {**_XLSX_PARTS, "xl/worksheets/sheet1.xml": sheet}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 12, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-"
_EPOCH = dt.date(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_PARTS = {
    "[Content_Types].xml": _XML + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{_CT}package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}officedocument.'
        'spreadsheetml.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}officedocument.'
        'spreadsheetml.styles+xml"/>'
        f'<Override PartName="/docProps/core.xml" ContentType="{_CT}package.core-properties'
        '+xml"/></Types>'),
    "_rels/.rels": _XML + (
        f'<Relationships xmlns="{_NS_PKG}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"),
    "docProps/core.xml": _XML + (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
        '"http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>etl.demo</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{SNAPSHOT}T00:00:00Z</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{SNAPSHOT}T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"),
    "xl/workbook.xml": _XML + (
        f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><sheets>'
        '<sheet name="人才" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": _XML + (
        f'<Relationships xmlns="{_NS_PKG}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_NS_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"),
    "xl/styles.xml": _XML + (
        f'<styleSheet xmlns="{_NS_MAIN}"><fonts count="1"><font><sz val="11"/>'
        '<name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill '
        'patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" '
        'borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" '
        'xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle '
        'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xlsx_row(r: int, letters: list[str], values) -> str:
    cells = []
    for letter, v in zip(letters, values, strict=False):
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or (isinstance(v, str) and v == ""):
            continue
        ref = f"{letter}{r}"
        if isinstance(v, dt.date):
            cells.append(f'<c r="{ref}" s="1"><v>{(v - _EPOCH).days}</v></c>')
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
        else:
            text = _ILLEGAL.sub("", str(v)).replace("&", "&amp;").replace("<", "&lt;") \
                .replace(">", "&gt;")
            space = ' xml:space="preserve"' if text != text.strip() else ""
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
    return f'<row r="{r}">' + "".join(cells) + "</row>"


def write_postings(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """postings.jsonl: one JSON object per line, UTF-8, Chinese keys."""
    path = out_dir / "postings.jsonl"
    cols = [df[c].to_numpy(dtype=object) for c in POSTING_COLUMNS]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in zip(*cols, strict=True):
            record = {k: (v if isinstance(v, str) else None)
                      for k, v in zip(POSTING_COLUMNS, row, strict=True)}
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
    _record_defects(manifest, path.name, "posting", len(df), df.attrs["defects"], 1,
                    format="jsonl", encoding="utf-8")
    return path


def write_table(df: pd.DataFrame, path: Path, kind: str, encoding: str, manifest: dict) -> Path:
    """Plain CSV of the file columns (no latent ones)."""
    cols = [c for c in df.columns if re.search(r"[\u4e00-\u9fff]", c)]
    df.loc[:, cols].to_csv(path, index=False, encoding=encoding, quoting=csv.QUOTE_MINIMAL)
    _record_defects(manifest, path.name, kind, len(df), df.attrs["defects"], 2,
                    encoding=encoding)
    return path


def _record_defects(manifest: dict, name: str, kind: str, rows: int,
                    defects: dict[str, np.ndarray], first_data_line: int, **extra) -> None:
    """Manifest entry: row count and the injected defects with their 1-based data rows.

    Data row r sits on line (sheet row) first_data_line + r - 1 of the file.
    """
    manifest["files"][name] = {
        "kind": kind, "rows": rows, "first_data_line": first_data_line, **extra,
        "bad_rows": int(sum(len(v) for v in defects.values())),
        "defects": {k: len(v) for k, v in defects.items()},
        "defect_rows": {k: [int(r) + 1 for r in v] for k, v in defects.items()},
    }
