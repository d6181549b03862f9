"""Impossible values (issue 11): non-finite or out-of-range numbers, facts dated after the load
or before the data could exist, and a stray late year — each is recorded with a reason naming
the row, the field and the value, never crashes a load, and never becomes the default year. In a
field the row needs (key, place, the date of its fact) the row is quarantined; in any other
(issue 13) the row loads with the field empty and a field warning."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analytics import queries as q
from analytics.filters import Filters
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from etl.normalize.number import parse_number
from etl.transform import fact_date_reason, fact_year_reason
from store import connection
from store.reader import Reader
from tests import fixtures

AS_OF = dt.date(2024, 12, 31)
HUGE = "9" * 5000  # int(HUGE) raises "Exceeds the limit (4300 digits)"
HUGE_SHOWN = "9" * 24 + "… (5,000 字符)"


def load(tmp_path, name, header, rows, kind, as_of=AS_OF):
    """Load one CSV into a fresh warehouse; returns (file result, quarantine rows, db)."""
    path = fixtures.write_csv(tmp_path / name, header, rows)
    db = tmp_path / "warehouse.duckdb"
    report = load_files([path], kind=kind, db_path=db, source="t", as_of=as_of)
    (result,) = report.files
    return result, quarantine(db), db


def quarantine(db):
    con = connection.connect(db, read_only=True)
    try:
        return con.execute("SELECT row_number, field, reason FROM quarantine "
                           "ORDER BY row_number, field").fetchall()
    finally:
        con.close()


def warnings(db):
    con = connection.connect(db, read_only=True)
    try:
        return con.execute("SELECT row_number, field, reason FROM field_warning "
                           "ORDER BY row_number, field").fetchall()
    finally:
        con.close()


def rows_of(db, sql, params=None):
    con = connection.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# -- numbers ----------------------------------------------------------------------------------
EH = ["统一社会信用代码", "企业名称", "注册地址", "注册资本(万元)", "参保人数"]
CODES = ["91370212MA3C000404", "91370214MA3C000502", "91370200MA3C00060R"]


def firm(i: int) -> list[str]:
    return [make_credit_code(f"91370212MA3T1{i:04d}"), f"坏公司{i}", "青岛市崂山区"]


def test_non_finite_and_huge_enterprise_numbers_are_left_empty_with_warnings(tmp_path):
    rows = [
        [CODES[0], "好公司", "青岛市崂山区", "5,000", "320"],         # line 2: loads
        firm(3) + ["inf", "1"],
        firm(4) + ["1", "-inf"],
        firm(5) + ["nan", "1"],
        firm(6) + ["1e309", "1"],
        firm(7) + ["-1e308", "1"],
        firm(8) + ["1", "99999999999"],                               # INTEGER overflow
        firm(9) + [HUGE, HUGE],
        firm(10) + ["1", "1.5"],
        firm(11) + ["Infinity", "NaN"],
        firm(12) + ["1e11", "10000001"],                              # just past the bounds
        [CODES[1], "好公司二", "青岛市城阳区", "1e10", "10000000"],  # line 13, on them: loads
    ]
    result, got, db = load(tmp_path, "e.csv", EH, rows, "enterprise")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == \
        ("loaded", 12, 12, 0)
    assert got == []
    cap, emp = "注册资本", "参保人数"
    assert warnings(db) == sorted([
        (3, cap, f"{cap}不是有限数值: inf"),
        (4, emp, f"{emp}不是有限数值: -inf"),
        (5, cap, f"{cap}不是有限数值: nan"),
        (6, cap, f"{cap}超出合理范围 (0–10,000,000,000): 1e309"),
        (7, cap, f"{cap}不是有效数字: -1e308"),
        (8, emp, f"{emp}超出合理范围 (0–10,000,000): 99999999999"),
        (9, cap, f"{cap}超出合理范围 (0–10,000,000,000): {HUGE_SHOWN}"),
        (9, emp, f"{emp}超出合理范围 (0–10,000,000): {HUGE_SHOWN}"),
        (10, emp, f"{emp}应为整数: 1.5"),
        (11, cap, f"{cap}不是有限数值: Infinity"),
        (11, emp, f"{emp}不是有限数值: NaN"),
        (12, cap, f"{cap}超出合理范围 (0–10,000,000,000): 1e11"),
        (12, emp, f"{emp}超出合理范围 (0–10,000,000): 10000001"),
    ])
    assert rows_of(db, "SELECT credit_code, registered_capital_wan, employees FROM enterprise "
                       "WHERE credit_code IN (?, ?) ORDER BY credit_code", CODES[:2]) == [
        (CODES[0], 5000.0, 320), (CODES[1], 1e10, 10_000_000)]
    assert rows_of(db, "SELECT count(*) FROM enterprise WHERE registered_capital_wan IS NULL "
                       "AND employees IS NULL") == [(3,)]  # lines 9, 11, 12: both fields bad


def test_indicator_values_and_years_out_of_bounds_are_quarantined(tmp_path):
    rows = [
        ["青岛市", "常住人口", "2020", "10071722", "人", "普查"],   # line 2: loads
        ["青岛市", "GDP", "2020", "inf", "元", ""],
        ["青岛市", "GDP", "2021", "1e309", "元", ""],
        ["青岛市", "GDP", "2022", "-1e308", "元", ""],
        ["青岛市", "GDP", "2023", "nan", "元", ""],
        ["青岛市", "常住人口", "2099", "12000000", "人", "规划"],    # a projection, not a fact
        ["青岛市", "常住人口", "1900", "1", "人", ""],
        ["青岛市", "常住人口", HUGE, "1", "人", ""],
        ["青岛市", "常住人口", "2021", HUGE, "人", ""],
        ["青岛市", "GDP增速", "2024", "-5", "%", ""],               # line 11: negative is fine
        ["青岛市", "GDP", "2024", "1e15", "元", ""],                # line 12: on the bound
        ["青岛市", "常住人口", "去年", "1", "人", ""],              # no year: no repeat of 9
    ]
    result, got, db = load(tmp_path, "population.csv", fixtures.POPULATION_HEADER, rows,
                           "indicator")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 3, 9)
    span = "(-1,000,000,000,000,000–1,000,000,000,000,000)"
    assert got == [
        (3, "数值", "数值不是有限数值: inf"),
        (4, "数值", f"数值超出合理范围 {span}: 1e309"),
        (5, "数值", f"数值超出合理范围 {span}: -1e308"),
        (6, "数值", "数值不是有限数值: nan"),
        (7, "年份", "年份晚于载入年份 (2099 晚于 2024)"),
        (8, "年份", "年份早于数据起始年份 (1900 早于 1949 年)"),
        (9, "年份", "无法解析年份"),
        (10, "数值", f"数值超出合理范围 {span}: {HUGE_SHOWN}"),
        (13, "年份", "无法解析年份"),
    ]
    assert rows_of(db, "SELECT indicator, year, value FROM region_indicator ORDER BY value") == [
        ("GDP增速", 2024, -5.0), ("常住人口", 2020, 10071722.0), ("GDP", 2024, 1e15)]


def test_postings_dated_after_the_load_or_before_the_data_are_quarantined(tmp_path):
    header = ["职位名称", "工作地点", "薪资", "发布日期"]
    rows = [
        ["算法工程师", "青岛", "15-25K", "2024-12-31"],    # line 2: the load date itself loads
        ["算法工程师", "青岛", "15-25K", "2025-01-01"],
        ["算法工程师", "青岛", "15-25K", "1948-12-31"],
        ["算法工程师", "青岛", "15-25K", "1949-01-01"],    # line 5: the first year loads
        ["算法工程师", "青岛", "1e309K", "2024-01-01"],
        ["算法工程师", "青岛", "infK", "2024-01-02"],
        ["算法工程师", "青岛", HUGE + "K", "2024-01-03"],
        ["算法工程师", "青岛", "99999999999K", "2024-01-04"],
        ["算法工程师", "青岛", "15-25K", HUGE],
        ["算法工程师", "青岛", "15-25K", "2099"],
    ]
    result, got, db = load(tmp_path, "postings.csv", header, rows, "posting")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 6, 4)
    assert got == [
        (3, "发布日期", "发布日期晚于载入日期 (2025-01-01 晚于 2024-12-31)"),
        (4, "发布日期", "发布日期早于数据起始年份 (1948-12-31 早于 1949 年)"),
        (10, "发布日期", "无法解析日期"),
        (11, "发布日期", "发布日期晚于载入日期 (2099-01-01 晚于 2024-12-31)"),
    ]
    assert warnings(db) == [  # the salary is not what places or dates a posting
        (6, "薪资", "无法解析薪资"),
        (7, "薪资", "无法解析薪资"),
        (8, "薪资", "无法解析薪资"),
        (9, "薪资", "薪资超出合理范围"),
    ]
    assert rows_of(db, "SELECT posted_on::VARCHAR, salary_min, salary_max, salary_months "
                       "FROM job_posting ORDER BY 1") == [
        ("1949-01-01", 15000, 25000, 12), ("2024-01-01", None, None, None),
        ("2024-01-02", None, None, None), ("2024-01-03", None, None, None),
        ("2024-01-04", None, None, None), ("2024-12-31", 15000, 25000, 12)]


def test_moves_talents_and_enterprises_dated_after_the_load_are_quarantined(tmp_path):
    for sub in "mte":
        (tmp_path / sub).mkdir()
    moves, got_moves, _ = load(tmp_path / "m", "moves.csv", fixtures.MOVES_HEADER, [
        ["R1", "北京市海淀区", "青岛市崂山区", "2023-05-01"],
        ["R2", "北京市海淀区", "青岛市崂山区", "2025-06-01"],
        ["R3", "北京市海淀区", "青岛市崂山区", "1900-01-01"],
        ["R4", "北京市海淀区", "青岛市崂山区", HUGE],
        ["R4", "北京市海淀区", "青岛市崂山区", "昨天"],  # no date: no repeat of line 5 either
    ], "move")
    assert (moves.rows_loaded, moves.rows_quarantined) == (1, 4)
    assert got_moves == [
        (3, "流动日期", "流动日期晚于载入日期 (2025-06-01 晚于 2024-12-31)"),
        (4, "流动日期", "流动日期早于数据起始年份 (1900-01-01 早于 1949 年)"),
        (5, "流动日期", "无法解析日期"),
        (6, "流动日期", "无法解析日期"),
    ]

    header = ["人才编号", "所在地", "出生年份", "工作年限", "数据日期"]
    talents, got_talents, db = load(tmp_path / "t", "talents.csv", header, [
        ["T1", "青岛市崂山区", "1988", "5", "2024-06-30"],
        ["T2", "青岛市崂山区", "1988", "5", "2025-01-01"],
        ["T3", "青岛市崂山区", HUGE, "5", "2024-01-01"],
        ["T4", "青岛市崂山区", "1988", "inf", "2024-01-01"],
        ["T5", "青岛市崂山区", "1988", "1e309", "2024-01-01"],
        [HUGE, "青岛市崂山区", "1990", "3", "2024-01-01"],  # line 7: a long id is still an id
        ["T8", "青岛市崂山区", "1988", "5", ""],            # line 8: no date → the load date
    ], "talent")
    assert (talents.rows_loaded, talents.rows_quarantined) == (7, 0)
    assert got_talents == []
    assert warnings(db) == [  # a snapshot's date warned falls back to the load date
        (3, "数据日期", "数据日期晚于载入日期 (2025-01-01 晚于 2024-12-31)"),
        (4, "出生年份", "无法解析年份"),
        (5, "工作年限", "无法解析工作年限"),
        (6, "工作年限", "无法解析工作年限"),
    ]
    assert rows_of(db, "SELECT birth_year, years_experience, observed_on::VARCHAR FROM talent "
                       "ORDER BY 3, 1 NULLS FIRST, 2 NULLS FIRST") == [
        (None, 5.0, "2024-01-01"), (1988, None, "2024-01-01"), (1988, None, "2024-01-01"),
        (1990, 3.0, "2024-01-01"), (1988, 5.0, "2024-06-30"), (1988, 5.0, "2024-12-31"),
        (1988, 5.0, "2024-12-31")]

    header = ["统一社会信用代码", "企业名称", "注册地址", "成立日期", "数据日期"]
    firms, got_firms, firms_db = load(tmp_path / "e", "firms.csv", header, [
        firm(2) + ["1949-10-01", "2024-12-31"],
        firm(3) + ["2025-03-01", "2024-12-31"],
        firm(4) + ["1903-08-15", "2024-12-31"],
        firm(5) + ["2020-01-01", "2030-12-31"],
    ], "enterprise")
    assert (firms.rows_loaded, firms.rows_quarantined) == (4, 0)
    assert got_firms == []
    assert warnings(firms_db) == [
        (3, "成立日期", "成立日期晚于载入日期 (2025-03-01 晚于 2024-12-31)"),
        (4, "成立日期", "成立日期早于数据起始年份 (1903-08-15 早于 1949 年)"),
        (5, "数据日期", "数据日期晚于载入日期 (2030-12-31 晚于 2024-12-31)"),
    ]
    assert rows_of(firms_db, "SELECT founded_on::VARCHAR, observed_on::VARCHAR FROM enterprise "
                             "ORDER BY name") == [
        ("1949-10-01", "2024-12-31"), (None, "2024-12-31"), (None, "2024-12-31"),
        ("2020-01-01", "2024-12-31")]


def test_min_fact_year_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_MIN_FACT_YEAR", "2000")
    result, got, _ = load(tmp_path, "moves.csv", fixtures.MOVES_HEADER, [
        ["R1", "北京市海淀区", "青岛市崂山区", "2000-01-01"],
        ["R2", "北京市海淀区", "青岛市崂山区", "1999-12-31"],
    ], "move")
    assert result.rows_loaded == 1
    assert got == [(3, "流动日期", "流动日期早于数据起始年份 (1999-12-31 早于 2000 年)")]


# -- the default year -------------------------------------------------------------------------
@pytest.fixture
def late_talent_db(tmp_path):
    """5 talents in 2022, 20 in 2023 and one dated 2099 (let in by a load dated 2099)."""
    header = ["人才编号", "所在地", "数据日期"]
    rows = ([[f"A{i}", "青岛市崂山区", "2022-06-30"] for i in range(5)]
            + [[f"B{i}", "青岛市崂山区", "2023-06-30"] for i in range(20)]
            + [["C0", "青岛市崂山区", "2099-01-01"]])
    result, got, db = load(tmp_path, "talents.csv", header, rows, "talent",
                           as_of=dt.date(2099, 12, 31))
    assert (result.rows_loaded, got) == (26, [])
    reader = Reader(db)
    yield reader
    reader.close()


def test_one_late_talent_does_not_become_the_default_year(late_talent_db):
    r = late_talent_db
    assert q.years(r) == [2022, 2023, 2099]
    assert q.talent_per_year(r) == {2022: 5, 2023: 20, 2099: 1}
    assert q.default_year(r) == 2023
    assert q.resolve_year(r, Filters()) == 2023
    assert q.resolve_year(r, Filters(year=1999)) == 2023   # a year without data: the default
    assert q.resolve_year(r, Filters(year=2099)) == 2099   # a year asked for that exists wins
    assert q.resolve_year(r, Filters(year=2022)) == 2022


def test_default_year_share_is_a_setting(late_talent_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DEFAULT_YEAR_MIN_SHARE", "0.05")  # 1 ≥ 0.05 × 20
    assert q.resolve_year(late_talent_db, Filters()) == 2099
    monkeypatch.setenv("TALENTMAP_DEFAULT_YEAR_MIN_SHARE", "0.3")   # 5 < 0.3 × 20
    assert q.resolve_year(late_talent_db, Filters()) == 2023


@pytest.mark.parametrize("counts, share, expected", [
    ({}, 0.1, 0),
    ({2024: 7}, 0.1, 2024),
    ({2021: 900, 2022: 1100, 2023: 1300, 2024: 1500}, 0.1, 2024),
    ({2021: 900, 2022: 1100, 2023: 1300, 2024: 1500, 2099: 1}, 0.1, 2024),
    ({2021: 900, 2022: 1100, 2023: 1300, 2024: 129}, 0.1, 2023),
    ({2021: 900, 2022: 1100, 2023: 1300, 2024: 130}, 0.1, 2024),  # exactly the share counts
    ({2021: 900, 2024: 1}, 0.0, 2024),
    ({2021: 900, 2024: 1}, 2.0, 2024),                              # none reaches it: the latest
])
def test_pick_default_year(counts, share, expected):
    assert q.pick_default_year(counts, share) == expected


# -- pure functions ---------------------------------------------------------------------------
@pytest.mark.parametrize("value, kwargs, expected", [
    ("320", {}, (320.0, None)),
    ("5,000万", {}, (5000.0, None)),
    ("1.5", {}, (1.5, None)),
    ("1e3", {}, (1000.0, None)),
    ("0", {"integer": True}, (0.0, None)),
    (None, {}, (None, None)),
    ("   ", {}, (None, None)),
    ("inf", {}, (None, "不是有限数值")),
    ("-Infinity", {}, (None, "不是有限数值")),
    ("NaN", {}, (None, "不是有限数值")),
    (math.inf, {}, (None, "不是有限数值")),
    (math.nan, {}, (None, None)),  # a missing cell (pandas NaN) is no value, not an error
    ("1e309", {}, (None, "超出合理范围 (0–inf)")),
    ("-1e309", {"minimum": -10.0, "maximum": 10.0}, (None, "超出合理范围 (-10–10)")),
    (HUGE, {"maximum": 1e7}, (None, "超出合理范围 (0–10,000,000)")),
    ("-" + HUGE, {"minimum": -1e15, "maximum": 1e15},
     (None, "超出合理范围 (-1,000,000,000,000,000–1,000,000,000,000,000)")),
    ("-5", {}, (None, "不是有效数字")),
    ("-1e308", {"minimum": -1e15, "maximum": 1e15},
     (None, "超出合理范围 (-1,000,000,000,000,000–1,000,000,000,000,000)")),
    ("-5", {"minimum": -1e15, "maximum": 1e15}, (-5.0, None)),
    ("10000001", {"maximum": 1e7}, (None, "超出合理范围 (0–10,000,000)")),
    ("10000000", {"maximum": 1e7, "integer": True}, (1e7, None)),
    ("1.5", {"integer": True}, (None, "应为整数")),
    ("很多", {}, (None, "不是有效数字")),
    ("1_000", {}, (None, "不是有效数字")),
    ("0x10", {}, (None, "不是有效数字")),
    ("1e", {}, (None, "不是有效数字")),
])
def test_parse_number(value, kwargs, expected):
    assert parse_number(value, **kwargs) == expected


def test_fact_date_and_year_reasons():
    as_of = dt.date(2024, 12, 31)
    assert fact_date_reason("发布日期", dt.date(2024, 12, 31), as_of, 1949) is None
    assert fact_date_reason("发布日期", dt.date(1949, 1, 1), as_of, 1949) is None
    assert fact_date_reason("发布日期", dt.date(2025, 1, 1), as_of, 1949) == \
        "发布日期晚于载入日期 (2025-01-01 晚于 2024-12-31)"
    assert fact_date_reason("成立日期", dt.date(1948, 12, 31), as_of, 1949) == \
        "成立日期早于数据起始年份 (1948-12-31 早于 1949 年)"
    assert fact_year_reason("年份", 2024, as_of, 1949) is None
    assert fact_year_reason("年份", 2025, as_of, 1949) == "年份晚于载入年份 (2025 晚于 2024)"
    assert fact_year_reason("年份", 1948, as_of, 1949) == \
        "年份早于数据起始年份 (1948 早于 1949 年)"
