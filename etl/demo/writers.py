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
    """Write-only workbook: one title row, the header, the rows; fixed timestamps."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人才")
    ws.append([title])
    ws.append(list(table.columns))
    cols = []
    for name in table.columns:
        values = table[name].to_numpy(dtype=object)
        if name in date_columns:
            values = np.array([dt.date.fromisoformat(v) if v else None for v in values],
                              dtype=object)
        else:
            values = np.array([None if isinstance(v, str) and v == "" else v for v in values],
                              dtype=object)
        cols.append(values)
    for row in zip(*cols, strict=True):
        ws.append([v.item() if isinstance(v, np.generic) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed entry and document timestamps (byte-identical output)."""
    stamp = SNAPSHOT + "T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.encode(), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 12, 31, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, body)
    return out.getvalue()


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
