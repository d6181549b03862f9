"""Field warnings (issue 13): a field a row does not need never costs the row. The row loads with
the field empty; field_warning keeps batch, file, row, field, reason and raw value; it travels
with the file's rows (a failed file leaves none); load_batch.rows_warned counts the rows; status,
the CLI and the store's queries show them, raw values to admins only."""

from __future__ import annotations

import datetime as dt
import sys

import duckdb
import pytest

from etl.__main__ import main
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from store import connection
from store import status as published
from tests import fixtures

q = fixtures.query


def run_on(con):
    return lambda sql, params=None: con.execute(sql, params or []).df()


def test_the_fixture_talent_with_a_negative_experience_loads_with_a_warning(loaded_db):
    assert q(loaded_db, "SELECT regexp_extract(file, '[^/]+$'), row_number, field, reason, raw "
                        "FROM field_warning") == [
        ("talents.xlsx", 6, "工作年限", "工作年限为负", "-3")]
    assert q(loaded_db, "SELECT kind, rows_loaded, rows_quarantined, rows_warned FROM load_batch "
                        "ORDER BY kind") == [
        ("enterprise", 4, 3, 0), ("indicator", 3, 0, 0), ("move", 3, 0, 0), ("posting", 3, 2, 0),
        ("talent", 5, 2, 1)]
    assert q(loaded_db, "SELECT adcode, years_experience, birth_year, education FROM talent "
                        "WHERE adcode = '370211'") == [("370211", None, 1980, "专科")]


EH = ["统一社会信用代码", "企业名称", "注册地址", "成立日期", "注册资本", "参保人数", "是否上市",
      "链主企业", "数据日期"]


def firm(i: int, *rest: str) -> list[str]:
    return [make_credit_code(f"91370212MA3W{i:05d}"), f"警告公司{i}", "青岛市崂山区", *rest]


def test_every_optional_enterprise_field_warns_and_the_row_loads(tmp_path):
    rows = [
        firm(1, "2020-01-01", "1000万元", "10", "否", "否", "2024-12-31"),  # line 2: clean
        firm(2, "昨天", "很多钱", "许多", "也许", "大概", "上个月"),           # line 3: all bad
        firm(3, "-", "-", "-", "-", "-", "-"),                            # line 4: stated absence
        [make_credit_code("91370212MA3W00004"), "", "青岛市崂山区", "2020-01-01", "1", "1", "否",
         "否", "2024-12-31"],                                            # line 5: no name
    ]
    path = fixtures.write_csv(tmp_path / "e.csv", EH, rows)
    db = tmp_path / "w.duckdb"
    report = load_files([path], db_path=db, source="t")
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_warned) == (4, 3, 1, 1)
    assert q(db, "SELECT row_number, field, reason, raw FROM field_warning "
                 "ORDER BY row_number, field") == [
        (3, "参保人数", "参保人数不是有效数字: 许多", "许多"),
        (3, "成立日期", "无法解析日期", "昨天"),
        (3, "数据日期", "无法解析日期", "上个月"),
        (3, "是否上市", "无法识别是/否", "也许"),
        (3, "注册资本", "注册资本不是有效数字: 很多钱", "很多钱"),
        (3, "链主企业", "无法识别是/否", "大概"),
    ]
    assert q(db, "SELECT row_number, field, reason FROM quarantine") == [(5, "企业名称", "缺少企业名称")]
    assert q(db, "SELECT rows_warned FROM load_batch") == [(1,)]
    as_of = q(db, "SELECT CAST(started_at AS DATE) FROM load_batch")[0][0]
    assert q(db, "SELECT name, founded_on, registered_capital_wan, employees, is_listed, "
                 "is_chain_leader, observed_on FROM enterprise ORDER BY name") == [
        ("警告公司1", dt.date(2020, 1, 1), 1000.0, 10, False, False, dt.date(2024, 12, 31)),
        ("警告公司2", None, None, None, None, None, as_of),  # a snapshot's date: the load's
        ("警告公司3", None, None, None, None, None, as_of),
    ]


def test_optional_talent_and_posting_fields_warn(tmp_path):
    talents = fixtures.write_csv(tmp_path / "t.csv", [
        "人才编号", "所在地", "出生年份", "最高学历", "工作年限", "人才层次", "单位信用代码", "是否海归",
        "是否愿意流动"], [
        ["A1", "青岛市崂山区", "1920", "秀才", "99", "Z", "123", "嗯", "看情况"],
        ["A2", "火星", "1990", "本科", "3", "D", "", "否", "是"],   # no place: quarantined
    ])
    postings = fixtures.write_csv(tmp_path / "p.csv", [
        "职位名称", "工作地点", "发布日期", "薪资", "学历要求", "经验要求", "统一社会信用代码"], [
        ["算法工程师", "青岛", "2024-01-01", "价格美丽", "秀才", "很久", "123"],
    ])
    db = tmp_path / "w.duckdb"
    report = load_files([talents, postings], db_path=db, source="t")
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(1, 1), (1, 0)]
    assert q(db, "SELECT regexp_extract(file, '[^/]+$'), row_number, field, reason FROM "
                 "field_warning ORDER BY 1, 2, 3") == [
        ("p.csv", 2, "学历要求", "无法识别学历"),
        ("p.csv", 2, "经验要求", "无法解析工作年限"),
        ("p.csv", 2, "统一社会信用代码", "长度应为18位"),
        ("p.csv", 2, "薪资", "无法解析薪资"),
        ("t.csv", 2, "人才层次", "无法识别人才层次: Z"),
        ("t.csv", 2, "出生年份", "出生年份超出 1930–2010"),
        ("t.csv", 2, "单位信用代码", "长度应为18位"),
        ("t.csv", 2, "工作年限", "工作年限超出合理范围"),
        ("t.csv", 2, "是否愿意流动", "无法识别是/否"),
        ("t.csv", 2, "是否海归", "无法识别是/否"),
        ("t.csv", 2, "最高学历", "无法识别学历"),
    ]
    assert q(db, "SELECT birth_year, education, years_experience, tier, employer_credit_code, "
                 "is_returnee, willing_to_relocate FROM talent") == [
        (None, None, None, None, None, None, None)]
    assert q(db, "SELECT salary_min, salary_max, salary_months, education_req, experience_min, "
                 "credit_code FROM job_posting") == [(None, None, None, None, None, None)]
    assert q(db, "SELECT field, reason FROM quarantine") == [("所在地", "无法识别地区: 火星")]


def test_a_long_optional_cell_is_a_warning_and_a_long_needed_one_an_error(tmp_path):
    path = fixtures.write_csv(tmp_path / "e.csv", ["统一社会信用代码", "企业名称", "注册地址", "经营范围"], [
        [make_credit_code("91370212MA3W00011"), "长范围公司", "青岛市崂山区", "虚" * 20_000],
        [make_credit_code("91370212MA3W00012"), "长" * 20_000, "青岛市崂山区", "虚拟现实"],
    ])
    db = tmp_path / "w.duckdb"
    load_files([path], db_path=db)
    assert q(db, "SELECT row_number, field, reason, length(raw) FROM field_warning") == [
        (2, "经营范围", "字段过长 (20,000 字符, 上限 10,000)", 1_000 + len("… (20,000 字符)"))]
    assert q(db, "SELECT row_number, field, reason FROM quarantine") == [
        (3, "企业名称", "字段过长 (20,000 字符, 上限 10,000)")]
    assert q(db, "SELECT name, node_id FROM enterprise") == [("长范围公司", None)]


def _streamed(tmp_path, monkeypatch, *, break_line: int | None):
    """Ten firms, 注册资本 很多 on lines 2, 5, 8, 11, read two rows at a time; with ``break_line``
    a bad byte there, past the first megabyte (an unmapped column pads the lines), so that the
    file fails only once earlier chunks with warnings are in."""
    pad = "x" * 150_000 if break_line else ""
    rows = [firm(100 + i, "2020-01-01", "很多" if i % 3 == 0 else "1", "1", "否", "否",
                 "2024-12-31", pad) for i in range(10)]
    path = fixtures.write_csv(tmp_path / "stream.csv", [*EH, "备注"], rows)
    if break_line:
        lines = path.read_bytes().split(b"\n")
        lines[break_line - 1] = lines[break_line - 1].replace(b"x", b"\xff\xfe", 1)
        path.write_bytes(b"\n".join(lines))
    monkeypatch.setenv("TALENTMAP_STREAM_THRESHOLD_MB", "0")
    monkeypatch.setenv("TALENTMAP_CHUNK_ROWS", "2")
    return path


def test_a_streamed_file_warns_exactly_like_a_whole_one(tmp_path, monkeypatch):
    path = _streamed(tmp_path, monkeypatch, break_line=None)
    streamed = tmp_path / "s.duckdb"
    load_files([path], db_path=streamed)
    monkeypatch.undo()
    whole = tmp_path / "w.duckdb"
    load_files([path], db_path=whole)
    sql = "SELECT row_number, field, reason, raw FROM field_warning ORDER BY 1"
    assert q(streamed, sql) == q(whole, sql) == [
        (n, "注册资本", "注册资本不是有效数字: 很多", "很多") for n in (2, 5, 8, 11)]
    assert q(streamed, "SELECT rows_loaded, rows_warned FROM load_batch") == [(10, 4)]


def test_a_file_that_fails_leaves_no_warning(tmp_path, monkeypatch, fresh_db):
    path = _streamed(tmp_path, monkeypatch, break_line=9)  # after two chunks with warnings
    before = q(fresh_db, "SELECT count(*) FROM field_warning")
    report = load_files([path], db_path=fresh_db)
    assert report.files[0].status == "failed"
    assert "第 9 行" in report.files[0].message
    assert q(fresh_db, "SELECT count(*) FROM field_warning") == before
    assert q(fresh_db, "SELECT count(*) FROM enterprise WHERE name LIKE '警告公司%'") == [(0,)]


def test_status_shows_warnings_by_field_and_reason(loaded_db):
    con = connection.connect(loaded_db, read_only=True)
    try:
        st = published.status(con)
        run = run_on(con)
        plain = run(published.warning_rows_sql(raw=False), ["", ""])
        full = run(published.warning_rows_sql(raw=True), ["工作年限为负", "工作年限为负"])
        batches = run(published.batches_sql(reconciled=True, warned=True))
    finally:
        con.close()
    assert st["warnings"].values.tolist() == [["工作年限", "工作年限为负", 1]]
    assert st["warned_batches"][["rows_loaded", "rows_warned"]].values.tolist() == [[5, 1]]
    assert list(plain.columns) == ["batch_id", "file", "row_number", "field", "reason"]
    assert full[["row_number", "field", "reason", "raw"]].values.tolist() == [
        [6, "工作年限", "工作年限为负", "-3"]]
    assert batches.columns.tolist().index("rows_warned") == \
        batches.columns.tolist().index("rows_quarantined") + 1


def test_aggregate_roles_get_reasons_without_the_values_they_quote(tmp_path):
    path = fixtures.write_csv(tmp_path / "e.csv", EH, [firm(21, "", "13912345678元整整", "", "", "",
                                                            "")])
    db = tmp_path / "w.duckdb"
    load_files([path], db_path=db)
    con = connection.connect(db, read_only=True)
    try:
        plain = run_on(con)(published.warning_rows_sql(raw=False), ["", ""])
        full = run_on(con)(published.warning_rows_sql(raw=True), ["", ""])
    finally:
        con.close()
    assert plain["reason"].tolist() == ["注册资本不是有效数字"]
    assert "1391234567" not in plain.to_string()
    assert full["raw"].tolist() == ["13912345678元整整"]


def test_the_cli_lists_and_exports_warnings_with_formulas_neutralised(tmp_path, capsys):
    path = fixtures.write_csv(tmp_path / "p.csv", ["职位名称", "工作地点", "发布日期", "薪资"], [
        ["算法工程师", "青岛", "2024-01-01", "=HYPERLINK(\"http://evil\",\"点我\")"]])
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "load", str(path)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert "字段警告 (行已载入, 该字段为空):" in out and "无法解析薪资" in out
    assert main(["--db", str(db), "quarantine", "--warnings"]) == 0
    assert "=HYPERLINK" in capsys.readouterr().out  # on screen, as read
    target = tmp_path / "w.csv"
    assert main(["--db", str(db), "quarantine", "--warnings", "--batch", "1", "--export",
                 str(target)]) == 0
    text = target.read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and "\n=HYPERLINK" not in text
    assert "无法解析薪资" in text
    assert main(["--db", str(db), "quarantine"]) == 0
    assert "(无隔离记录)" in capsys.readouterr().out


def test_a_warehouse_from_before_field_warnings_still_reports(tmp_path, loaded_db, capsys):
    db = tmp_path / "old.duckdb"
    db.write_bytes(loaded_db.read_bytes())
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE field_warning")
    con.close()
    con = connection.connect(db, read_only=True)
    try:
        st = published.status(con)
        assert not published.has_warnings(run_on(con))
    finally:
        con.close()
    assert st["warnings"].empty and st["warned_batches"].empty
    assert main(["--db", str(db), "quarantine", "--warnings"]) == 1
    assert "早于字段警告" in capsys.readouterr().err


@pytest.mark.parametrize("cell", ["-", "--", "—", "/", "暂无", "未公开", "N/A"])
def test_a_stated_absence_is_empty_without_a_warning(tmp_path, cell):
    path = fixtures.write_csv(tmp_path / "e.csv", EH, [firm(31, cell, cell, cell, cell, cell,
                                                            "2024-12-31")])
    db = tmp_path / "w.duckdb"
    load_files([path], db_path=db)
    assert q(db, "SELECT count(*) FROM field_warning") == [(0,)]
    assert q(db, "SELECT founded_on, registered_capital, employees, is_listed FROM enterprise") \
        == [(None, None, None, None)]


@pytest.fixture
def data_page(loaded_db, tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)

    def open_as(role: str):
        st.cache_data.clear()
        st.cache_resource.clear()
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return fixtures.open_app("views/data_page.py")
    # AppTest leaves sys.modules["__main__"] at dashboard.py, and the loader's reading processes
    # (a forkserver, etl.guard) would run it again and die: later loads in this process fail.
    main = sys.modules["__main__"]
    yield open_as
    sys.modules["__main__"] = main


def _warning_rows(at):
    return [d.value for d in at.dataframe if "行号" in d.value.columns
            and "工作年限" in set(d.value["字段"])]


def test_the_data_page_shows_warnings_with_the_quarantine_role_rule(data_page):
    admin = data_page("admin")
    assert "字段警告" in {t.label for t in admin.tabs}
    batches = admin.dataframe[0].value
    assert batches.sort_values("批次")["警告行数"].tolist() == [0, 1, 0, 0, 0]
    (rows,) = _warning_rows(admin)
    assert rows[["行号", "字段", "原因", "原始数据"]].values.tolist() == [[6, "工作年限", "工作年限为负", "-3"]]
    for role in ("planner", "analyst", "recruiter"):
        at = data_page(role)
        (rows,) = _warning_rows(at)
        assert "原始数据" not in rows.columns, role
        assert rows[["行号", "字段", "原因"]].values.tolist() == [[6, "工作年限", "工作年限为负"]]
        assert any("工作年限为负" in set(d.value.get("原因", [])) and "行数" in d.value.columns
                   for d in at.dataframe), role


def test_a_warehouse_from_before_field_warnings_is_migrated_by_the_next_load(tmp_path,
                                                                          loaded_db):
    db = tmp_path / "old.duckdb"
    db.write_bytes(loaded_db.read_bytes())
    con = duckdb.connect(str(db))
    for sql in ("DROP TABLE field_warning", "ALTER TABLE load_batch DROP COLUMN rows_warned",
                "ALTER TABLE enterprise DROP COLUMN registered_capital",
                "ALTER TABLE enterprise DROP COLUMN capital_currency"):
        con.execute(sql)
    con.close()
    path = fixtures.write_csv(tmp_path / "e.csv", EH, [firm(41, "2020-01-01", "300万美元", "很多",
                                                            "否", "否", "2024-12-31")])
    report = load_files([path], db_path=db)
    assert report.ok and report.version
    assert q(db, "SELECT count(*) FROM load_batch WHERE rows_warned IS NULL") == [(5,)]  # old
    assert q(db, "SELECT rows_warned FROM load_batch WHERE file = ?", [str(path)]) == [(1,)]
    assert q(db, "SELECT registered_capital, capital_currency FROM enterprise "
                 "WHERE name = '警告公司41'") == [(3_000_000.0, "USD")]
    assert q(db, "SELECT field, reason FROM field_warning") == [("参保人数", "参保人数不是有效数字: 很多")]
