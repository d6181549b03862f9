"""Crafted files fail alone and fast: each ends in one clear message naming the file, while the
good file of the same command loads and what was published before stays.

Parsing runs in a child process under limits (etl.guard): a parser that crashes (a real
segfault in pyarrow on JSON nested 20,000 deep), a decompression bomb, a header of 700,000
columns or a header-only CSV of 20 MB cannot take the loading process — or the dashboard that
started it — down with it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl import guard, readers
from etl.load import load_files
from tests import fixtures

GOOD_ROW = ["91370212MA3C000404", "好公司", "青岛市崂山区", "虚拟现实", "2019-01-01", "10", "5",
            "否", "否", "2024-12-31"]


def good_file(folder: Path) -> Path:
    return fixtures.write_csv(folder / "good.csv", fixtures.ENTERPRISE_HEADER, [GOOD_ROW])


def load_with_good(bad: Path, tmp_path: Path, **kw):
    db = tmp_path / "wh.duckdb"
    report = load_files([bad, good_file(tmp_path)], db_path=db, **kw)
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute("SELECT name FROM enterprise").fetchall()
    finally:
        con.close()
    assert report.files[1].status == "loaded" and names == [("好公司",)]
    return report.files[0]


def deep_jsonl(p: Path, depth: int = 20_000) -> Path:
    line = '{"职位名称": "x", "a": ' + "[" * depth + "]" * depth + "}\n"
    p.write_text(line * 2, encoding="utf-8")
    return p


@pytest.mark.timeout(120)
def test_jsonl_nested_20000_deep_is_refused_by_depth(tmp_path):
    bad = deep_jsonl(tmp_path / "deep.jsonl")
    result = load_with_good(bad, tmp_path)
    assert result.status == "failed"
    assert result.message == f"{bad}: 嵌套层数过深, 超过上限 64 层 (设置 read_max_depth)"


@pytest.mark.timeout(120)
def test_jsonl_nested_100_deep_is_refused_naming_the_record(tmp_path):
    bad = tmp_path / "deep100.jsonl"
    bad.write_text('{"职位名称": "x"}\n{"职位名称": ' + "[" * 100 + "]" * 100 + "}\n",
                   encoding="utf-8")
    result = load_with_good(bad, tmp_path)
    assert result.message == f"{bad}: 第 2 条记录嵌套超过 64 层 (设置 read_max_depth), 不像表格数据"


@pytest.mark.timeout(120)
def test_a_parser_that_really_crashes_takes_only_its_child(tmp_path, monkeypatch):
    """With the depth gate opened, pyarrow's JSON reader segfaults on this file: the child dies
    of SIGSEGV, the load names the file and goes on (the same in the dashboard's server)."""
    monkeypatch.setenv("TALENTMAP_READ_MAX_DEPTH", "1000000")
    bad = deep_jsonl(tmp_path / "deep.jsonl", 200_000)
    result = load_with_good(bad, tmp_path)
    assert result.status == "failed"
    assert result.message == f"{bad}: 文件解析器崩溃 (SIGSEGV); 文件结构异常 (例如嵌套过深), 未加载"


def xlsx_bomb(p: Path, mb: int) -> Path:
    """A valid XLSX whose sheet expands to ``mb`` MB (a few hundred KB on disk)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(fixtures.ENTERPRISE_HEADER)
    wb.active.append(GOOD_ROW)
    plain = p.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # rows of one long text, repeated
                cell = "<is><t>" + "炸" * 1000 + "</t></is>"
                rows = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr">{cell}</c></row>'
                               for r in range(3, 3 + mb * 1024 // 3))
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            out.writestr(item, data)
    return p


@pytest.mark.timeout(120)
def test_an_xlsx_bomb_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_READ_MAX_EXPANDED_MB", "64")
    bad = xlsx_bomb(tmp_path / "bomb.xlsx", 100)
    assert bad.stat().st_size < 2 << 20
    result = load_with_good(bad, tmp_path)
    assert result.status == "failed"
    assert result.message.startswith(f"{bad}: Excel 文件解压后有 1")
    assert result.message.endswith("MB, 超过上限 64 MB (设置 read_max_expanded_mb); "
                                   "疑似压缩炸弹或请拆分文件")


@pytest.mark.timeout(120)
def test_a_parquet_bomb_is_refused_by_its_decoded_size(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_READ_MAX_EXPANDED_MB", "64")
    bad = tmp_path / "bomb.parquet"
    big = "炸" * 100_000
    pq.write_table(pa.table({"企业名称": pa.array([big] * 2_000).dictionary_encode()}), bad)
    assert bad.stat().st_size < 1 << 20
    result = load_with_good(bad, tmp_path)
    assert result.message == (f"{bad}: Parquet 文件解码后有 572 MB, 超过上限 64 MB "
                              "(设置 read_max_expanded_mb); 疑似压缩炸弹")


@pytest.mark.timeout(120)
def test_a_20_mb_header_only_csv_is_refused_before_parsing(tmp_path):
    bad = tmp_path / "header.csv"
    bad.write_bytes(b"x" * (20 << 20) + b"\n")
    result = load_with_good(bad, tmp_path)
    assert result.message == (f"{bad}: 表头行超过 256 KB (设置 read_max_header_kb), 不像表格文件")


@pytest.mark.timeout(120)
def test_a_700000_column_header_is_refused_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_READ_MAX_HEADER_KB", "8192")  # past the header-size gate
    bad = tmp_path / "wide.csv"
    bad.write_text(",".join(f"c{i}" for i in range(700_000)) + "\n1\n", encoding="utf-8")
    result = load_with_good(bad, tmp_path)
    assert result.message == f"{bad}: 表头有 700,000 列, 超过上限 2,000 列 (设置 read_max_columns)"


@pytest.mark.timeout(120)
def test_a_json_file_of_3000_keys_is_refused_by_columns(tmp_path):
    bad = tmp_path / "wide.json"
    bad.write_text(json.dumps([{f"k{i}": i for i in range(3_000)}]), encoding="utf-8")
    result = load_with_good(bad, tmp_path)
    assert result.message == f"{bad}: 有 3,000 列, 超过上限 2,000 列 (设置 read_max_columns)"


@pytest.mark.timeout(120)
def test_a_5000_digit_integer_in_json_is_a_cell_not_a_crash(tmp_path):
    bad = tmp_path / "huge.jsonl"
    rows = [{"统一社会信用代码": GOOD_ROW[0], "企业名称": "数字公司", "注册地址": "青岛市崂山区",
             "参保人数": 1}]
    text = json.dumps(rows[0], ensure_ascii=False).replace(": 1}", ": " + "9" * 5_000 + "}")
    bad.write_text(text + "\n", encoding="utf-8")
    table = readers.read_json(bad)
    assert table.data["参保人数"].tolist() == ["9" * 5_000]


def test_parquet_structs_with_datetimes_and_decimals_become_text(tmp_path):
    p = tmp_path / "structs.parquet"
    pq.write_table(pa.table({
        "企业名称": ["甲公司"],
        "详情": [{"at": dt.datetime(2024, 5, 1, 8, 30), "capital": decimal.Decimal("12.50"),
                  "raw": b"\x01\x02"}]}), p)
    table = readers.read_parquet(p)
    assert json.loads(table.data["详情"][0]) == {"at": "2024-05-01 08:30:00",
                                                 "capital": "12.50", "raw": "0102"}


@pytest.mark.timeout(120)
def test_a_reader_past_its_time_limit_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_READ_TIMEOUT_S", "0.001")
    bad = fixtures.write_csv(tmp_path / "slow.csv", fixtures.ENTERPRISE_HEADER, [GOOD_ROW] * 50)
    db = tmp_path / "wh.duckdb"
    report = load_files([bad], db_path=db)
    assert report.files[0].message == f"{bad}: 读取超时 (超过 0.001 秒, 设置 read_timeout_s), 已中止"


@pytest.mark.timeout(120)
def test_a_reader_past_its_memory_limit_fails_alone(tmp_path, monkeypatch):
    """A 40 MB JSON array needs far more than 700 MB as Python objects; the parsing process
    (≈ 400 MB of address space before it reads a byte) is stopped at its limit."""
    monkeypatch.setenv("TALENTMAP_READ_MEMORY_MB", "700")
    bad = tmp_path / "big.json"
    record = json.dumps({"企业名称": "公司", "注册地址": "青岛市崂山区", "统一社会信用代码": "x"},
                        ensure_ascii=False)
    bad.write_text("[" + ",".join([record] * 600_000) + "]", encoding="utf-8")
    result = load_with_good(bad, tmp_path)
    assert result.status == "failed"
    assert result.message in {
        f"{bad}: 读取时超出内存上限 700 MB (设置 read_memory_mb); 文件过大或结构异常 (疑似炸弹文件)",
        f"{bad}: 读取进程被终止 (SIGABRT), 多半是内存耗尽 (上限 700 MB, 设置 read_memory_mb); "
        "文件过大或结构异常"}


@pytest.mark.parametrize("code, expected", [
    (-11, "x.csv: 文件解析器崩溃 (SIGSEGV); 文件结构异常 (例如嵌套过深), 未加载"),
    (-9, "x.csv: 读取进程被终止 (SIGKILL), 多半是内存耗尽 (上限 4,096 MB, 设置 read_memory_mb); "
         "文件过大或结构异常"),
    (3, "x.csv: 读取进程意外退出 (退出码 3), 未加载"),
])
def test_death_messages(code, expected):
    assert guard._death(Path("x.csv"), code, guard.Limits()) == expected


def test_bracket_depth_is_an_upper_bound_and_json_depth_is_exact():
    assert readers.bracket_depth(b'{"a": [[1]], "b": "]]"}') == 3
    assert readers.bracket_depth(b'{"a": "[[[[", "b": 1}') == 5  # text counts: a bound only
    assert readers.json_depth({"a": [[1]], "b": "[[[["}) == 3
    assert readers.json_depth("x") == 0


def test_a_large_jsonl_is_streamed_with_the_files_line_numbers(tmp_path):
    p = tmp_path / "p.jsonl"
    rows = [{"职位名称": f"t{i}", "工作地点": "青岛"} for i in range(5)]
    rows[3]["新键"] = "x"
    p.write_text("\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                 encoding="utf-8")
    chunks = list(readers.iter_tables(p, None, chunk_rows=2, stream_bytes=0))
    assert [c.row_numbers.tolist() for c in chunks] == [[1, 2], [3, 4], [5]]
    assert [c.data["职位名称"].tolist() for c in chunks] == [["t0", "t1"], ["t2", "t3"], ["t4"]]
    assert [c.headers for c in chunks] == [["职位名称", "工作地点"]] * 3
    assert chunks[1].notes == ["第 3 行起出现新的键 新键, 未载入 (流式读取时以前面记录的键为列)"]
    whole = readers.read_json(p)
    assert whole.data["职位名称"].tolist() == [f"t{i}" for i in range(5)]
