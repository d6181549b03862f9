"""Exact outcomes at the edges of the normalisers, written against the survivors of a mutation
run (bench/mutate.py, docs/testing.md): spellings, bounds on both sides, and the
parse-distinct-values-once helpers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from etl.normalize import credit_code, dates, education, experience, flags, salary, skills, text
from etl.normalize.salary import BAD_FORMAT as S_BAD
from etl.normalize.salary import OUT_OF_RANGE as S_RANGE
from etl.normalize.salary import Salary

H = 8 * 21.75  # hours in a statutory working month


# -- salary ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1.5-3万元", (15000, 30000, 12)),
    ("1.5万元-3万元/月", (15000, 30000, 12)),
    ("2万元", (20000, 20000, 12)),
    ("1千-2千", (1000, 2000, 12)),
    ("1千元-2千元", (1000, 2000, 12)),
    ("15-25k/month", (15000, 25000, 12)),
    ("15k/mon", (15000, 15000, 12)),
    ("15k/个月", (15000, 15000, 12)),
    ("15k per month", (15000, 15000, 12)),
    ("15k每月", (15000, 15000, 12)),
    ("30-50万/year", (25000, 41667, 12)),
    ("30万/yr", (25000, 25000, 12)),
    ("36万/年", (30000, 30000, 12)),
    ("100-200/hr", (17400, 34800, 12)),
    ("100/h", (17400, 17400, 12)),
    ("100/hour", (17400, 17400, 12)),
    ("时薪100", (17400, 17400, 12)),
    ("500/day", (10875, 10875, 12)),
    ("日薪500", (10875, 10875, 12)),
    ("5000/week", (21667, 21667, 12)),
    ("5000元/周", (21667, 21667, 12)),
    ("月薪15k", (15000, 15000, 12)),
    ("薪资15k", (15000, 15000, 12)),
    ("rmb15k", (15000, 15000, 12)),
    ("CNY 15k", (15000, 15000, 12)),
    ("人民币15k", (15000, 15000, 12)),
    ("15K·24薪", (15000, 15000, 24)),      # the most months accepted
    ("15K·1薪", (15000, 15000, 1)),        # the fewest
    ("20k*16薪", (20000, 20000, 16)),
    ("20kx13薪", (20000, 20000, 13)),
    ("20k×13薪", (20000, 20000, 13)),
    ("20k/13薪", (20000, 20000, 13)),
    ("10k起/月", (10000, None, 12)),
    ("8000以内", (None, 8000, 12)),
    ("8000/月以下", (None, 8000, 12)),
    ("0.5-1K", (500, 1000, 12)),
    ("100", (100, 100, 12)),               # the lowest monthly figure taken
    ("1000000", (1_000_000, 1_000_000, 12)),  # the highest
    ("100.5", (101, 101, 12)),             # rounded half up, not to even
    ("100.4", (100, 100, 12)),
    ("1,000,000", (1_000_000, 1_000_000, 12)),
    ("15k-25", (15000, 25000, 12)),            # the unit of the first bound serves both
    ("年薪:30万", (25000, 25000, 12)),          # a prefix with a colon still sets the period
    ("日薪：500", (10875, 10875, 12)),
    ("时薪:100", (17400, 17400, 12)),
    ("15-25k以上", (15000, 25000, 12)),         # a range keeps its top
    ("15k以上/月", (15000, None, 12)),
])
def test_salary_spellings(text, expected):
    assert salary.parse_salary(text) == Salary(*expected, None)


@pytest.mark.parametrize(("text", "reason"), [
    ("15K·25薪", S_RANGE),                 # one month too many
    ("99", S_RANGE),                       # below 100 a month
    ("99.5", S_RANGE),
    ("1000001", S_RANGE),
    ("1,000,001", S_RANGE),
    ("1,2345", S_BAD),                     # not a thousands separator
    ("15k·" + "1" * 100, S_BAD),           # more than 100 characters
    ("40-50k/day", S_RANGE),               # 870,000-1,087,500 a month
])
def test_salary_bounds(text, reason):
    assert salary.parse_salary(text) == Salary(None, None, None, reason)


def test_salary_length_limit_is_100_characters():
    assert salary.parse_salary("1" * 4 + " " * 96).min_yuan == 1111   # spaces are noise
    assert salary.parse_salary("0" * 96 + "8000").min_yuan == 8000    # exactly 100
    assert salary.parse_salary("0" * 97 + "8000") == Salary(None, None, None, S_BAD)


def test_salary_series_lines_up_with_the_index():
    s = pd.Series(["15-25K·14薪", None, "面议", "abc", "15-25K·14薪"], index=[3, 1, 4, 1, 5])
    out = salary.parse_salary_series(s)
    assert list(out.index) == [3, 1, 4, 1, 5]
    assert out["salary_min"].tolist() == [15000, pd.NA, pd.NA, pd.NA, 15000]
    assert out["salary_max"].tolist() == [25000, pd.NA, pd.NA, pd.NA, 25000]
    assert out["salary_months"].tolist() == [14, pd.NA, pd.NA, pd.NA, 14]
    assert out["salary_error"].fillna("-").tolist() == ["-", "-", "-", S_BAD, "-"]
    assert [str(out[c].dtype) for c in ("salary_min", "salary_max", "salary_months")] == [
        "Int64"] * 3


# -- experience -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("零年", (0.0, 0.0)), ("零", (0.0, 0.0)), ("九年", (9.0, 9.0)), ("九年以上", (9.0, None)),
    ("一年", (1.0, 1.0)), ("两年", (2.0, 2.0)), ("二年", (2.0, 2.0)), ("八年", (8.0, 8.0)),
    ("十", (10.0, 10.0)), ("一十年", (10.0, 10.0)), ("十一", (11.0, 11.0)),
    ("十九", (19.0, 19.0)), ("二十", (20.0, 20.0)), ("二十五年", (25.0, 25.0)),
    ("半年", (0.5, 0.5)),
    ("工作经验不限", (0.0, 0.0)), ("经验不限", (0.0, 0.0)), ("无经验要求", (0.0, 0.0)),
    ("No Experience", (0.0, 0.0)), ("应届生", (0.0, 0.0)),
    ("6-12个月", (0.5, 1.0)), ("6个月", (0.5, 0.5)), ("3-6月", (0.25, 0.5)),
    ("12个月以上", (1.0, None)), ("6个月以下", (0.0, 0.5)),
    ("1年-3年", (1.0, 3.0)), ("5-3年", (3.0, 5.0)), ("3到5年", (3.0, 5.0)),
    ("3至5年", (3.0, 5.0)), ("3~5年", (3.0, 5.0)), ("3—5年", (3.0, 5.0)), ("3–5年", (3.0, 5.0)),
    ("3〜5年", (3.0, 5.0)),
    ("5年及以上", (5.0, None)), ("5年或以上", (5.0, None)), ("5+", (5.0, None)),
    ("3年多", (3.0, None)), ("3年以下", (0.0, 3.0)), ("3年以内", (0.0, 3.0)),
    ("3-5 years", (3.0, 5.0)), ("3yrs", (3.0, 3.0)), ("3y", (3.0, 3.0)), ("2 year", (2.0, 2.0)),
    ("经验3年以上", (3.0, None)), ("3年左右", (3.0, 3.0)), ("3年工作经验", (3.0, 3.0)),
    ("要求:3年", (3.0, 3.0)),
    ("60年", (60.0, 60.0)), (60, (60.0, 60.0)), (5.5, (5.5, 5.5)), (0, (0.0, 0.0)),
    ("3-5年以上", (3.0, 5.0)), ("3-5年+", (3.0, 5.0)),   # a range keeps its top
    ("十年以下", (0.0, 10.0)), ("二十个月", (20 / 12, 20 / 12)),
])
def test_years_spellings(value, expected):
    assert experience.parse_years_range(value) == (*expected, None)


@pytest.mark.parametrize(("value", "reason"), [
    ("61年", experience.OUT_OF_RANGE), (61, experience.OUT_OF_RANGE),
    (60.5, experience.OUT_OF_RANGE), ("九十九年", experience.OUT_OF_RANGE),
    ("八十年", experience.OUT_OF_RANGE),
    ("-3年", experience.NEGATIVE), ("-3-5年", experience.NEGATIVE), (-1, experience.NEGATIVE),
    (-0.5, experience.NEGATIVE),
    ("十十年", experience.BAD_FORMAT), ("一二三年", experience.BAD_FORMAT),
    ("廿年", experience.BAD_FORMAT), ("三年半", experience.BAD_FORMAT),
    ("1年-", experience.BAD_FORMAT), (True, experience.BAD_FORMAT),
    ("一二十年", experience.BAD_FORMAT), ("十一二年", experience.BAD_FORMAT),
    ("3-十十年", experience.BAD_FORMAT),
    (False, experience.BAD_FORMAT), (math.inf, experience.BAD_FORMAT),
    ("x" * 51, experience.BAD_FORMAT),
])
def test_years_errors(value, reason):
    assert experience.parse_years_range(value) == (None, None, reason)


def test_years_length_limit_is_50_characters():
    assert experience.parse_years_range(" " * 47 + "3年") == (3.0, 3.0, None)  # cleaned first
    assert experience.parse_years_range("0" * 49 + "3") == (3.0, 3.0, None)
    assert experience.parse_years_range("0" * 50 + "3")[2] == experience.BAD_FORMAT


def test_years_series():
    s = pd.Series(["3-5年", None, "应届", "x", "3-5年"], index=list("abcde"))
    out = experience.parse_years_series(s)
    assert list(out.index) == list("abcde")
    assert out["years"].tolist() == [3.0, pd.NA, 0.0, pd.NA, 3.0]
    assert out["years_error"].fillna("-").tolist() == ["-", "-", "-", experience.BAD_FORMAT, "-"]
    assert str(out["years"].dtype) == "Float64"
    assert experience.parse_years("3-5年") == (3.0, None)
    assert experience.parse_years("61") == (None, experience.OUT_OF_RANGE)


# -- dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2100", (2100, None)), ("1900", (1900, None)), (2100, (2100, None)), (1900.0, (1900, None)),
    ("2101", (None, dates.INVALID_YEAR)), ("1899", (None, dates.INVALID_YEAR)),
    ("1000", (None, dates.INVALID_YEAR)), ("9999", (None, dates.INVALID_YEAR)),
    (1000, (None, dates.INVALID_YEAR)), (9999, (None, dates.INVALID_YEAR)),
    (999, (None, dates.BAD_YEAR)), ("999", (None, dates.BAD_YEAR)),
    (10000, (None, dates.BAD_YEAR)),
    (99999999, (None, dates.INVALID)), ("99999999", (None, dates.INVALID)),
    (10000000, (None, dates.INVALID)), (100000000, (None, dates.BAD_YEAR)),
    ("2024年", (2024, None)), ("2024.0", (2024, None)), ("2024 年", (2024, None)),
    ("2024.5", (2024, None)), ("20240101", (2024, None)), (19991231, (1999, None)),
    (True, (None, dates.BAD_YEAR)), (None, (None, None)), ("", (None, None)),
    (np.datetime64("2024-01-02"), (2024, None)), (dt.date(2024, 1, 2), (2024, None)),
    ("x" * 65, (None, dates.BAD_YEAR)), ("1" * 65, (None, dates.BAD_YEAR)),
    ("1985." + "0" * 59, (1985, None)), ("1985." + "0" * 60, (None, dates.BAD_YEAR)),  # 64, 65
    (45000, (2023, None)),
])
def test_parse_year_bounds(value, expected):
    assert dates.parse_year(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1000, (None, dates.INVALID)), (999, (None, dates.BAD_FORMAT)),
    (9999, (None, dates.INVALID)), (10000, (None, dates.BAD_FORMAT)),
    (19000101, (dt.date(1900, 1, 1), None)), (21001231, (dt.date(2100, 12, 31), None)),
    (99999999, (None, dates.INVALID)), (100000000, (None, dates.BAD_FORMAT)),
    (9999999, (None, dates.BAD_FORMAT)),
    (19999, (None, dates.BAD_FORMAT)), (20000, (dt.date(1954, 10, 3), None)),
    (80000, (None, dates.INVALID)), (80001, (None, dates.BAD_FORMAT)),
    (45000.99, (dt.date(2023, 3, 15), None)), ("45000.7", (dt.date(2023, 3, 15), None)),
    (61, (None, dates.BAD_FORMAT)), (2024.5, (None, dates.BAD_FORMAT)),
    (math.inf, (None, dates.BAD_FORMAT)), (math.nan, (None, None)),
    ("2024-2", (dt.date(2024, 2, 1), None)), ("2024年2月3号", (dt.date(2024, 2, 3), None)),
    ("2024 年 2 月 3 日", (dt.date(2024, 2, 3), None)), ("2024.2.3", (dt.date(2024, 2, 3), None)),
    ("2024-01-02T10:20:30Z", (dt.date(2024, 1, 2), None)),
    ("2024-01-02 10:20:30+08:00", (dt.date(2024, 1, 2), None)),
    ("2024年1月2日10:20", (dt.date(2024, 1, 2), None)),
    ("2024-02-30", (None, dates.INVALID)), ("20240230", (None, dates.INVALID)),
    ("1" * 21, (None, dates.BAD_FORMAT)), ("1" * 20, (None, dates.BAD_FORMAT)),
    (np.datetime64("3000-01-01"), (None, dates.INVALID)),
    (np.datetime64(10**15, "Y"), (None, dates.INVALID)),    # beyond what pandas represents
    (dt.datetime(2024, 1, 2, 23, 59), (dt.date(2024, 1, 2), None)),
    (pd.Timestamp("2024-01-02 23:59"), (dt.date(2024, 1, 2), None)),
    (dt.date(1899, 12, 31), (None, dates.INVALID)), (dt.date(2100, 12, 31), (dt.date(2100, 12, 31), None)),
    (False, (None, dates.BAD_FORMAT)),
])
def test_parse_date_bounds(value, expected):
    assert dates.parse_date(value) == expected


def test_date_length_limit_is_64_characters():
    stamp = "2024-01-02 10:20:30." + "1" * 44          # 64 characters, fractional seconds
    assert dates.parse_date(stamp) == (dt.date(2024, 1, 2), None)
    assert dates.parse_date(stamp + "1") == (None, dates.BAD_FORMAT)
    assert dates.parse_date("2024-01-02" + " " * 60) == (dt.date(2024, 1, 2), None)  # cleaned
    assert dates.parse_date("x" * 65) == (None, dates.BAD_FORMAT)


def test_a_number_as_text_is_read_up_to_20_characters():
    assert dates.parse_date("0" * 16 + "2024") == (dt.date(2024, 1, 1), None)
    assert dates.parse_date("0" * 17 + "2024") == (None, dates.BAD_FORMAT)


def test_date_and_year_series():
    s = pd.Series(["2024-01-02", None, "x", 45000, "2024-01-02"], index=[9, 8, 7, 6, 5])
    out = dates.parse_date_series(s)
    assert list(out.index) == [9, 8, 7, 6, 5]
    assert out["date"].tolist()[0] == pd.Timestamp("2024-01-02")
    assert out["date"].isna().tolist() == [False, True, True, False, False]
    assert out["date_error"].fillna("-").tolist() == ["-", "-", dates.BAD_FORMAT, "-", "-"]
    assert str(out["date"].dtype) == "datetime64[ms]"
    years = dates.parse_year_series(pd.Series(["1985", "1985年", None, "2101"]))
    assert years["year"].tolist() == [1985, 1985, pd.NA, pd.NA]
    assert years["year_error"].fillna("-").tolist() == ["-", "-", "-", dates.INVALID_YEAR]


# -- credit codes, education, flags, skills, text --------------------------------------------------

def test_credit_code_edges():
    good = "91370212MA3C000101"
    assert credit_code.check_credit_code("9137-0212 ma3c000101") == (good, None)
    assert credit_code.check_credit_code(" - ") == (None, credit_code.MISSING)
    assert credit_code.check_credit_code(good[:17]) == (None, credit_code.BAD_LENGTH)
    assert credit_code.check_credit_code(good + "1") == (None, credit_code.BAD_LENGTH)
    assert credit_code.check_credit_code(good[:16] + "O1") == (None, credit_code.BAD_CHARS)
    assert credit_code.make_credit_code(good[:17]) == good
    assert credit_code.make_credit_code(" 91370212ma3c00010 ") == good
    for bad in (good[:16], good, good[:16] + "I"):
        with pytest.raises(ValueError, match="body must be 17 chars"):
            credit_code.make_credit_code(bad)
    out = credit_code.check_credit_code_series(pd.Series([good, None, "x"], index=[2, 1, 0]))
    assert list(out.index) == [2, 1, 0]
    assert out["credit_code"].fillna("-").tolist() == [good, "-", "-"]
    assert out["credit_code_error"].fillna("-").tolist() == ["-", credit_code.MISSING,
                                                             credit_code.BAD_LENGTH]


@pytest.mark.parametrize(("text", "expected"), [
    ("博士及以上", ("博士", None)), ("统招本科及以上", ("本科", None)),
    ("全日制硕士研究生", ("硕士", None)), ("大专以上", ("专科", None)),
    ("High School", ("其他", None)), ("ph.d.", ("博士", None)), ("Master's degree", ("硕士", None)),
    ("(本科)", ("本科", None)), ("985本科", ("本科", None)), ("高中以下", ("其他", None)),
    ("研究生及以上学历", ("硕士", None)), ("学历不限", (None, None)), ("N/A", (None, None)),
    ("无要求", (None, None)), ("不限学历", (None, None)),
    ("中专/高中", (None, education.UNKNOWN)), ("x" * 51, (None, education.UNKNOWN)),
    ("统招" * 24 + "本科", ("本科", None)),                 # 50 characters: read
    ("统招" * 24 + "本科及", (None, education.UNKNOWN)),     # 51: too long to read
])
def test_education_edges(text, expected):
    assert education.parse_education(text) == expected


def test_education_rank_and_series():
    assert [education.education_rank(x) for x in ("博士", "硕士", "本科", "大专", "高中")] == [
        1, 2, 3, 4, 5]
    assert education.education_rank("不限") is None
    assert education.education_rank("火星学历") is None
    out = education.parse_education_series(pd.Series(["本科", None, "x"], index=[5, 6, 7]))
    assert list(out.index) == [5, 6, 7]
    assert out["education"].fillna("-").tolist() == ["本科", "-", "-"]
    assert out["education_error"].fillna("-").tolist() == ["-", "-", education.UNKNOWN]


@pytest.mark.parametrize(("value", "expected"), [
    ("是。", (True, None)), ("TRUE!", (True, None)), (1.0, (True, None)), (0, (False, None)),
    (True, (True, None)), (False, (False, None)), ("   ", (None, None)),
    (2, (None, flags.UNKNOWN)), (0.5, (None, flags.UNKNOWN)), ("2", (None, flags.UNKNOWN)),
    ("不愿意" + " " * 7, (False, None)), ("x" * 10, (None, flags.UNKNOWN)),
    ("不" * 11, (None, flags.UNKNOWN)),
])
def test_flag_edges(value, expected):
    assert flags.parse_bool(value) == expected


def test_flag_series():
    out = flags.parse_bool_series(pd.Series(["是", None, "否", "?"], index=[4, 3, 2, 1]))
    assert list(out.index) == [4, 3, 2, 1]
    assert out["value"].tolist() == [True, pd.NA, False, pd.NA]
    assert out["error"].fillna("-").tolist() == ["-", "-", "-", flags.UNKNOWN]


def test_skills_edges():
    assert skills.split_skills("Python、C/C++；TensorFlow,python, AR/VR / + - 'Go' “Rust”") == [
        "Python", "C/C++", "TensorFlow", "AR/VR", "Go", "Rust"]
    assert skills.split_skills(["a,b", "c", None, ""]) == ["a", "b", "c"]
    assert skills.split_skills(",".join(str(i) for i in range(60))) == [
        str(i) for i in range(50)]
    assert skills.split_skills("x" * 60) == ["x" * 50]
    assert skills.split_skills(None) == [] and skills.split_skills("、、") == []
    out = skills.split_skills_series(pd.Series(["a,b", None], index=[7, 8], name="k"))
    assert out.tolist() == [["a", "b"], []] and list(out.index) == [7, 8] and out.name == "k"


def test_text_helpers():
    assert text.to_str(8000.0) == "8000" and text.to_str(8000.5) == "8000.5"
    assert text.to_str(b"\xe5\x8c\x97") == "北" and text.to_str(bytearray(b"a")) == "a"
    assert text.to_str(True) == "True" and text.to_str(None) is None
    assert text.to_float("1.5") == 1.5 and text.to_float("inf") is None
    assert text.to_float(10**400) is None and text.to_float("x") is None
    assert text.is_missing(pd.NaT) and not text.is_missing([]) and not text.is_missing("")
    assert text.clean(" \u3000 ") is None and text.clean("a\x00\u200bb") == "ab"
    results, codes = text.map_unique(["b", None, "a", "b"], str)
    assert [results[c] for c in codes] == ["b", "None", "a", "b"]
    results, codes = text.map_unique([[1], [1]], str)  # unhashable: row by row
    assert [results[c] for c in codes] == ["[1]", "[1]"]


def test_credit_code_check_character_follows_the_standard():
    # GB 32100-2015: weight of position i is 3^i mod 31, check = 31 - (Σ c_i·w_i mod 31), 31 → 0.
    weights = [pow(3, i, 31) for i in range(17)]
    charset = credit_code.CHARSET
    rng = np.random.default_rng(32100)
    for _ in range(300):
        body = "".join(rng.choice(list(charset), 17))
        total = sum(charset.index(c) * w for c, w in zip(body, weights, strict=True))
        expected = charset[(31 - total % 31) % 31]
        assert credit_code.check_char(body) == expected, body
        assert credit_code.check_credit_code(body + expected) == (body + expected, None)
    assert credit_code.check_char("0" * 17) == "0"            # 31 - 0 is 31, which wraps to 0
    assert credit_code.check_char("1" + "0" * 16) == "Y"      # 31 - 1 = 30, the last character


CN_DIGITS = dict(zip("零一二两三四五六七八九", [0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9], strict=True))


@pytest.mark.parametrize(("digit", "value"), list(CN_DIGITS.items()))
def test_every_chinese_digit(digit, value):
    assert experience.parse_years_range(f"{digit}年") == (float(value), float(value), None)
    if value:  # 十X and X十
        assert experience.parse_years_range(f"十{digit}年")[0] == 10.0 + value
        expected = (None, None, experience.OUT_OF_RANGE) if value * 10 > 60 else (
            float(value * 10), float(value * 10), None)
        assert experience.parse_years_range(f"{digit}十年") == expected


SKILL_TEXTS = {
    "AR/VR,AR/VR,x": ["AR/VR", "x"],          # the same protected name twice, side by side
    "C/C++ AR/VR": ["C/C++", "AR/VR"],
    "c/c++、Python、python": ["c/c++", "Python"],
    "a/b/c": ["a", "b", "c"],
    "TCP/IP/UDP": ["TCP/IP", "UDP"],
    "AR/VR/XR": ["AR/VR", "XR"],
    "VR/AR,vr/ar": ["VR/AR"],
    "'Go' “Rust”": ["Go", "Rust"],
    "+ - ·": [],
    "x" * 60: ["x" * 50],
    ",".join(str(i) for i in range(60)): [str(i) for i in range(50)],
    "  ": [],
}


def test_the_sql_skill_splitter_agrees_with_python():
    raw = [*SKILL_TEXTS, None]
    cleaned = pd.Series([text.clean(v) for v in raw], index=range(10, 10 + len(raw)))
    got = skills.split_skills_sql(cleaned)
    assert list(got.index) == list(cleaned.index)
    assert got.tolist() == [*SKILL_TEXTS.values(), []]
    assert [skills.split_skills(v) for v in raw] == got.tolist()


def test_clean_series_matches_clean():
    values = ["  a  b ", "臺灣", "ok", None, "", "\u3000", "x\u200b", "A  B", "ｘ", " lead",
              "trail ", "a\u00a0b"]
    s = pd.Series(values, index=range(20, 20 + len(values)), dtype=object)
    out = text.clean_series(s)
    assert out.tolist() == [text.clean(v) for v in values]
    assert out.tolist()[:8] == ["a b", "台湾", "ok", None, None, None, "x", "A B"]
    assert list(out.index) == list(s.index) and out.dtype == object
    mixed = pd.Series([5, "臺", None, 2.0], dtype=object)    # not all text: cell by cell
    assert text.clean_series(mixed).tolist() == ["5", "台", None, "2"]


def test_clean_series_takes_the_slow_path_for_every_character_clean_changes():
    # Every character of the Basic Multilingual Plane (surrogates aside) between two letters,
    # and at either end: the fast path may keep a value only when clean() would keep it.
    # (Combining marks and U+1680 once slipped through: NFKC leaves each alone.)
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    values = [f"a{c}b" for c in chars] + [f"{c}x" for c in chars] + [f"x{c}" for c in chars]
    got = text.clean_series(pd.Series(values, dtype=object)).tolist()
    wrong = [(v, g) for v, g in zip(values, got, strict=True) if g != text.clean(v)]
    assert wrong == []


def test_text_odd_values():
    from decimal import Decimal

    class Broken:
        def __str__(self):
            raise RuntimeError("no")

    assert text.to_str(Decimal("8000.0")) == "8000.0"   # not a numbers.Real: as written
    assert text.to_str(np.float64(8000.0)) == "8000" and text.to_str(np.int64(7)) == "7"
    assert text.to_str(Broken()) == "<Broken>"
    assert text.to_str(10**5000) == "<int>"              # past Python's 4300-digit limit
    assert text.is_missing(Decimal("sNaN")) is False      # pandas raises on it
    assert text.is_missing(Decimal("NaN")) is True
    assert text.is_missing(np.array([np.nan])) is False


def test_clean_series_composes_combining_marks_and_strips_the_ogham_space():
    values = ["a\u0301b", "x\u0307", "a\u1680b", "\u1680x"]
    assert text.clean_series(pd.Series(values, dtype=object)).tolist() == [
        text.clean(v) for v in values] == ["áb", "ẋ", "a b", "x"]


def test_clean_series_leaves_clean_text_to_the_fast_path(monkeypatch):
    # Printable ASCII and the CJK ideographs without a traditional → simplified mapping need no
    # cleaning: clean() is never called for them (it would give the same, only slower).
    plain = [chr(c) for c in range(0x21, 0x7F)] + [
        chr(c) for c in range(0x4E00, 0xA000) if chr(c) not in text.T2S]
    values = [f"a{c}b" for c in plain] + ["青岛市崂山区", "VR开发工程师", "a b"]
    calls = []
    real = text.clean
    monkeypatch.setattr(text, "clean", lambda v: calls.append(v) or real(v))
    assert text.clean_series(pd.Series(values, dtype=object)).tolist() == values
    assert calls == []
    dirty = pd.Series(["臺", "臺", " x", "ok"], dtype=object)
    assert text.clean_series(dirty).tolist() == ["台", "台", "x", "ok"]
    assert sorted(calls) == [" x", "臺"]          # each distinct dirty value once
