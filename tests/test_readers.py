"""Readers: every format and encoding gives the same text table; broken files give one message."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.readers import ReadError, read_file
from tests.fixtures import write_xlsx

HEADER = ["企业名称", "注册地址", "成立日期"]
ROWS = [["青岛幻境科技有限公司", "青岛市崂山区", "2015-03-02"], ["深圳智芯", "深圳南山区", ""]]


def _csv_text(sep=","):
    return "\n".join(sep.join(r) for r in [HEADER, *ROWS]) + "\n"


def cells(row) -> list:
    """A row's cells, a missing one (None, or NaN in an Arrow-backed str column) as None."""
    return [None if pd.isna(v) else v for v in row.tolist()]


def _expect(raw, numbers=(2, 3)):
    assert raw.headers == HEADER
    assert cells(raw.data.iloc[0]) == ROWS[0]
    assert cells(raw.data.iloc[1]) == ["深圳智芯", "深圳南山区", None]  # empty: missing
    assert raw.row_numbers.tolist() == list(numbers)


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
    ("utf-16", "utf-16"),
])
def test_csv_encodings(tmp_path, encoding, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(_csv_text().encode(encoding))
    raw = read_file(path)
    assert raw.encoding == expected
    _expect(raw)


def test_tsv(tmp_path):
    path = tmp_path / "f.tsv"
    path.write_text(_csv_text("\t"), encoding="utf-8")
    raw = read_file(path)
    assert raw.fmt == "tsv"
    _expect(raw)


def test_quoted_newline_and_comma(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('企业名称,经营范围\n"甲公司","技术开发,\n技术服务"\n乙公司,数据标注\n',
                    encoding="utf-8")
    raw = read_file(path)
    assert raw.data["经营范围"].tolist() == ["技术开发,\n技术服务", "数据标注"]


def test_xlsx_header_found_under_a_title_row(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", HEADER, ROWS, title="企业名录导出 2024-12-31")
    raw = read_file(path, header_hint=lambda cells: sum(c in HEADER for c in cells))
    _expect(raw, numbers=(3, 4))
    assert raw.notes == ["表头在第 2 行"]


def test_xlsx_numbers_and_dates_become_text(tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["人才编号", "出生年份", "数据日期", "工作年限"])
    ws.append(["R1", 1988, dt.date(2024, 1, 15), 5.5])
    path = tmp_path / "n.xlsx"
    wb.save(path)
    raw = read_file(path)
    assert raw.data.iloc[0].tolist() == ["R1", "1988", "2024-01-15", "5.5"]


@pytest.mark.parametrize("layout", ["array", "lines", "single"])
def test_json_layouts(tmp_path, layout):
    records = [dict(zip(HEADER, r, strict=True)) for r in ROWS]
    path = tmp_path / "f.json"
    if layout == "array":
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    elif layout == "lines":
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records),
                        encoding="utf-8")
    else:
        path.write_text(json.dumps(records[0], ensure_ascii=False), encoding="utf-8")
    raw = read_file(path)
    assert raw.headers == HEADER
    assert raw.data.iloc[0].tolist() == ROWS[0]
    assert len(raw.data) == (1 if layout == "single" else 2)


def test_json_lists_are_joined(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"职位名称": "NLP", "技能标签": ["NLP", "Python"]}\n', encoding="utf-8")
    assert read_file(path).data["技能标签"].tolist() == ["NLP、Python"]


def test_parquet_with_typed_columns(tmp_path):
    path = tmp_path / "f.parquet"
    table = pa.table({"人才编号": ["R1", "R2"], "出生年份": [1988, None],
                      "技能": [["VR", "Unity"], None]})
    pq.write_table(table, path)
    raw = read_file(path)
    assert raw.data.to_dict("list") == {"人才编号": ["R1", "R2"], "出生年份": ["1988", None],
                                        "技能": ["VR、Unity", None]}


def test_duplicate_and_blank_headers_are_renamed(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("名称,名称,\na,b,c\n", encoding="utf-8")
    assert read_file(path).headers == ["名称", "名称.1", "未命名列3"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "文件为空"),
    ("binary.csv", bytes(range(256)) * 50, "看起来是二进制文件或无 BOM 的 UTF-16, 不是文本表格"),
    ("broken.json", b'[{"a": 1},', "JSON 格式错误 (第 1 行): Expecting value"),
    ("lines.jsonl", b'{"a": 1}\nnot json\n', "第 2 行不是合法的 JSON: Expecting value"),
    ("notxlsx.xlsx", b"this is not a zip", "无法打开 Excel 文件 (文件损坏或已加密?)"),
])
def test_unreadable_files_say_why(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_file(path)
    assert str(err.value).startswith(f"{path}: {message}")


def test_missing_file(tmp_path):
    with pytest.raises(ReadError, match="文件不存在"):
        read_file(tmp_path / "nope.csv")


def test_truncated_gbk_in_the_middle_names_the_line(tmp_path):
    good = "企业名称,地址\n" + "".join(f"公司{i},青岛\n" for i in range(10))
    data = good.encode("gbk") + "坏公司,青".encode("gbk")[:-1] + b",x\n" + "好公司,青岛\n".encode("gbk")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read_file(path)
    assert str(err.value).startswith(f"{path}: 第 12 行编码错误 (既不是 UTF-8 也不是 GBK; 按 GB18030")


def test_pandas_reads_nothing_as_nan(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("名称,值\nNA,NULL\n", encoding="utf-8")
    assert read_file(path).data.iloc[0].tolist() == ["NA", "NULL"]
    assert isinstance(read_file(path).data, pd.DataFrame)


def test_json_lines_fast_path_matches_the_careful_reader(tmp_path):
    lines = ['{"职位名称": "NLP", "技能标签": ["NLP", "Python"], "人数": 3, "远程": true}',
             '{"职位名称": "VR", "技能标签": ["Unity"], "人数": 1.5, "远程": false, "备注": null}']
    fast = tmp_path / "fast.jsonl"
    fast.write_text("\n".join(lines) + "\n", encoding="utf-8")
    careful = tmp_path / "careful.jsonl"  # a blank line sends it down the careful path
    careful.write_text(lines[0] + "\n\n" + lines[1] + "\n", encoding="utf-8")
    a, b = read_file(fast), read_file(careful)
    assert a.data.to_dict("list") == b.data.to_dict("list") == {
        "职位名称": ["NLP", "VR"], "技能标签": ["NLP、Python", "Unity"], "人数": ["3", "1.5"],
        "远程": ["是", "否"], "备注": [None, None]}
    assert a.row_numbers.tolist() == [1, 2] and b.row_numbers.tolist() == [1, 3]
