"""The bad-input corpus: broken files of many kinds, loaded in one command with a good file.

For each: the exact message (a file that cannot be read fails alone) or the rows quarantined
with their reasons; the good file of the same command still loads; what was published before
is still there.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from etl import warehouse
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from store import connection, tables
from tests import fixtures

EH = ["统一社会信用代码", "企业名称", "注册地址", "经营范围"]
TRAD_CODE = make_credit_code("91440305MA5T00010")
SERIAL_CODE = make_credit_code("91370212MA3T00020")
GOOD = ["91370212MA3C000404", "好公司", "青岛市崂山区", "虚拟现实"]
GOOD2 = ["91370214MA3C000502", "好公司二", "青岛市城阳区", "轨道交通"]


def csv_text(rows, header=EH, sep=","):
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def xlsx(path, rows, *, title=None, hidden_first=False, merged=False, formulas=False):
    wb = Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "说明"
        ws.append(["这是一张隐藏的说明表", "不是数据"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("数据")
    if title:
        ws.append([title])
    ws.append(EH)
    if merged:  # a header cell merged across two columns: the second one reads empty
        ws.merge_cells(start_row=ws.max_row, start_column=4, end_row=ws.max_row, end_column=5)
    for r in rows:
        ws.append(r)
    if formulas:
        ws.append([GOOD2[0], "=B2&\"分公司\"", GOOD2[2], GOOD2[3]])
    wb.save(path)


# name → (build(path), expected). Expected: ("failed", message after "<path>: ") or
# ("loaded", rows loaded, {reason kind: count}).
CASES = {
    "empty.csv": (lambda p: p.write_bytes(b""), ("failed", "文件为空")),
    "header_only.csv": (lambda p: p.write_text(csv_text([]), encoding="utf-8"),
                        ("loaded", 0, {})),
    "binary.csv": (lambda p: p.write_bytes(bytes(range(256)) * 40),
                   ("failed", "看起来是二进制文件或无 BOM 的 UTF-16, 不是文本表格")),
    "truncated_gbk.csv": (
        lambda p: p.write_bytes(csv_text([GOOD]).encode("gbk") + "坏公司,青".encode("gbk")[:-1]
                                + b",x\n"),
        ("failed", "第 3 行编码错误 (既不是 UTF-8 也不是 GBK; 按 GB18030 在第 100 字节处无法解码), "
                   "请检查文件是否被截断或混用了编码")),
    "utf16_bom.csv": (lambda p: p.write_bytes(csv_text([GOOD]).encode("utf-16")),
                      ("loaded", 1, {})),
    "utf16_no_bom.csv": (lambda p: p.write_bytes(csv_text([GOOD]).encode("utf-16-le")),
                         ("failed", "看起来是二进制文件或无 BOM 的 UTF-16, 不是文本表格")),
    "mixed_encodings.csv": (
        lambda p: p.write_bytes(csv_text([GOOD]).encode("utf-8") + ",".join(GOOD2).encode("gbk")
                                + b"\n"),
        ("failed", "第 3 行编码错误 (既不是 UTF-8 也不是 GBK; 按 UTF-8 在第 145 字节处无法解码), "
                   "请检查文件是否被截断或混用了编码")),
    "gbk.csv": (lambda p: p.write_bytes(csv_text([GOOD]).encode("gbk")), ("loaded", 1, {})),
    "duplicate_headers.csv": (
        lambda p: p.write_text(csv_text([GOOD + ["x"]], header=EH + ["企业名称"]), encoding="utf-8"),
        ("loaded", 1, {})),
    "blank_headers.csv": (
        lambda p: p.write_text(csv_text([GOOD + ["", "y"]], header=EH + ["", ""]),
                               encoding="utf-8"),
        ("loaded", 1, {})),
    "missing_column.csv": (
        lambda p: p.write_text(csv_text([GOOD[:2]], header=EH[:2]), encoding="utf-8"),
        ("failed", "缺少必需列 注册地址 (企业数据); 找到的列: 统一社会信用代码、企业名称; "
                   "可用 --mapping 指定列名映射")),
    "title_rows.xlsx": (lambda p: xlsx(p, [GOOD], title="企业名录导出 2024-12-31"),
                        ("loaded", 1, {})),
    "merged_header.xlsx": (lambda p: xlsx(p, [GOOD + ["附注"]], merged=True), ("loaded", 1, {})),
    "hidden_sheet.xlsx": (lambda p: xlsx(p, [GOOD], hidden_first=True), ("loaded", 1, {})),
    "encrypted.xlsx": (
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088)),
        ("failed", "Excel 文件已加密 (受密码保护), 无法读取; 请在 Excel 中取消密码后另存为 .xlsx 再导入")),
    "corrupt.xlsx": (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"),
                     ("failed", "无法打开 Excel 文件 (文件损坏或已加密?)")),
    "formulas.xlsx": (lambda p: xlsx(p, [GOOD], formulas=True), ("loaded", 1, {"缺少企业名称": 1})),
    "nul_bytes.csv": (
        lambda p: p.write_bytes(csv_text([["91370212MA3C00\x000404", "好\x00公司", GOOD[2],
                                           GOOD[3]]]).encode("utf-8")),
        ("loaded", 1, {})),
    "huge_field.csv": (
        lambda p: p.write_text(csv_text([GOOD2, [GOOD[0], "大" * 100_000, GOOD[2], GOOD[3]]]),
                               encoding="utf-8"),
        ("loaded", 1, {"字段过长": 1})),
    "quoted_newlines.csv": (
        lambda p: p.write_text(",".join(EH) + "\n" + f'{GOOD[0]},"好公司\n(总部)",{GOOD[2]},'
                               '"技术开发,\n虚拟现实"\n', encoding="utf-8"),
        ("loaded", 1, {})),
    "ragged_rows.csv": (
        lambda p: p.write_text(csv_text([GOOD, GOOD2 + ["多", "余"], ["91370200MA3C00060R", "第三",
                                                                    "青岛市市南区", "海洋"]]),
                               encoding="utf-8"),
        ("loaded", 2, {"列数不一致": 1})),
    "excel_serial_dates.csv": (
        lambda p: p.write_text(csv_text([[SERIAL_CODE, *GOOD[1:], "45000"]],
                                        header=EH + ["成立日期"]),
                               encoding="utf-8"),
        ("loaded", 1, {})),
    "full_width.csv": (
        lambda p: p.write_text(csv_text([["９１３７０２１２ＭＡ３Ｃ０００４０４", "好公司", "青岛市崂山区",
                                          "虚拟现实"]]), encoding="utf-8"),
        ("loaded", 1, {})),
    "traditional.csv": (
        lambda p: p.write_text(csv_text([[TRAD_CODE, "臺灣好公司", "廣東省深圳市南山區", "虛擬現實"]]),
                               encoding="utf-8"),
        ("loaded", 1, {})),
    "array.json": (lambda p: p.write_text(json.dumps([dict(zip(EH, GOOD, strict=True))],
                                                     ensure_ascii=False), encoding="utf-8"),
                   ("loaded", 1, {})),
    "lines.jsonl": (
        lambda p: p.write_text("\n".join(json.dumps(dict(zip(EH, r, strict=True)),
                                                    ensure_ascii=False) for r in (GOOD, GOOD2)),
                               encoding="utf-8"),
        ("loaded", 2, {})),
    "single.json": (lambda p: p.write_text(json.dumps(dict(zip(EH, GOOD, strict=True)),
                                                      ensure_ascii=False), encoding="utf-8"),
                    ("loaded", 1, {})),
    "broken.json": (lambda p: p.write_text('[{"企业名称": "x"},', encoding="utf-8"),
                    ("failed", "JSON 格式错误 (第 1 行): Expecting value")),
    "not_objects.json": (lambda p: p.write_text("[1, 2]", encoding="utf-8"),
                         ("failed", "第 1 条记录不是对象 (应为 {\"列名\": 值})")),
    "wrong_types.parquet": (
        lambda p: pq.write_table(pa.table({"统一社会信用代码": [123456, 913702], "企业名称": [1.5, 2.0],
                                           "注册地址": ["青岛市崂山区", "青岛市城阳区"]}), p),
        ("loaded", 0, {"长度应为18位": 2})),
    "semicolons.csv": (lambda p: p.write_text(csv_text([GOOD], sep=";"), encoding="utf-8"),
                       ("loaded", 1, {})),
    "unsupported.docx": (lambda p: p.write_bytes(b"PK\x03\x04word"),
                         ("failed", "不支持的文件格式 .docx (支持 CSV、TSV、XLSX、JSON、JSONL、Parquet)")),
    "bad_values.csv": (
        lambda p: p.write_text(csv_text([GOOD + ["2023-02-30", "-5"], GOOD2 + ["2020-01-01", "很多"]],
                                        header=EH + ["成立日期", "参保人数"]), encoding="utf-8"),
        ("loaded", 2, {})),  # fields a row can do without: warnings (see below), not reasons
    "blank_lines_only.csv": (lambda p: p.write_text("\n\n\n", encoding="utf-8"),
                             ("failed", "文件没有表头")),
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, loaded_db):
    d = tmp_path_factory.mktemp("bad")
    db = d / "warehouse.duckdb"
    db.write_bytes(loaded_db.read_bytes())
    paths = {}
    for name, (build, _) in CASES.items():
        paths[name] = d / name
        build(paths[name])
    good = fixtures.write_csv(d / "good.csv", EH, [["91370200MA3C00060R", "另一家好公司",
                                                    "青岛市市南区", "智慧海洋"]])
    report = load_files([*paths.values(), good], db_path=db, source="corpus")
    return db, paths, {f.file: f for f in report.files}


def test_corpus_has_at_least_30_kinds():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_each_bad_input(outcome, name):
    db, paths, results = outcome
    path, expected = paths[name], CASES[name][1]
    result = results[str(path)]
    if expected[0] == "failed":
        assert result.status == "failed"
        assert result.message.startswith(f"{path}: {expected[1]}"), result.message
        return
    _, loaded, reasons = expected
    assert result.status == "loaded", result.message
    assert result.rows_loaded == loaded
    con = connection.connect(db, read_only=True)
    try:
        got = dict(con.execute(
            f"SELECT {tables.REASON_KIND} AS r, count(*) FROM quarantine q "  # noqa: S608
            "JOIN load_batch b USING (batch_id) WHERE b.file = ? GROUP BY r", [str(path)]
        ).fetchall())
    finally:
        con.close()
    assert got == reasons


def test_the_good_file_loads_and_nothing_published_before_is_lost(outcome, loaded_db):
    db, _, results = outcome
    good = [r for f, r in results.items() if f.endswith("good.csv")][0]
    assert good.status == "loaded" and good.rows_loaded == 1
    con = connection.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM talent").fetchall() == [(5,)]
        assert con.execute("SELECT count(*) FROM job_posting").fetchall() == [(3,)]
        names = {r[0] for r in con.execute("SELECT name FROM enterprise").fetchall()}
        assert {"深圳智芯科技有限公司", "北京言语智能有限公司", "另一家好公司"} <= names
        assert all(n == 0 for _, n in warehouse.run_checks(con))
    finally:
        con.close()


def test_bad_optional_values_load_with_field_warnings(outcome):
    db, paths, _ = outcome
    con = connection.connect(db, read_only=True)
    try:
        got = con.execute(
            "SELECT row_number, field, reason, raw FROM field_warning w "
            "JOIN load_batch b USING (batch_id) WHERE b.file = ? ORDER BY 1, 2",
            [str(paths["bad_values.csv"])]).fetchall()
        kept = con.execute(
            "SELECT credit_code, founded_on, employees FROM enterprise e "
            "JOIN load_batch b USING (batch_id) WHERE b.file = ? ORDER BY 1",
            [str(paths["bad_values.csv"])]).fetchall()
    finally:
        con.close()
    assert got == [(2, "参保人数", "参保人数不是有效数字: -5", "-5"),
                   (2, "成立日期", "日期无效", "2023-02-30"),
                   (3, "参保人数", "参保人数不是有效数字: 很多", "很多")]
    assert kept == [(GOOD[0], None, None), (GOOD2[0], dt.date(2020, 1, 1), None)]


def test_values_are_normalised_from_messy_cells(outcome):
    db, _, _ = outcome
    con = connection.connect(db, read_only=True)
    try:
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT credit_code, name, adcode, node_id, founded_on::VARCHAR FROM enterprise"
        ).fetchall()}
    finally:
        con.close()
    assert rows[TRAD_CODE][:3] == ("台湾好公司", "440305", "T14")  # 臺灣, 廣東…南山區, 虛擬現實
    assert rows[SERIAL_CODE][3] == "2023-03-15"  # Excel serial 45000
