"""Tests that pin exact outcomes the mutation run (bench/mutate.py) showed as unchecked: the
salary, date, experience and text normalisers (the others: tests/test_normalize_mutants.py).

Each group names the behaviour it pins; the inputs sit on the boundaries (length caps, range
limits, table edges) so that an off-by-one or a flipped condition changes the result.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from etl.normalize import text as text_module
from etl.normalize.dates import (
    BAD_FORMAT,
    BAD_YEAR,
    INVALID,
    INVALID_YEAR,
    parse_date,
    parse_date_series,
    parse_year,
    parse_year_series,
)
from etl.normalize.experience import BAD_FORMAT as EXP_BAD_FORMAT
from etl.normalize.experience import (
    NEGATIVE,
    OUT_OF_RANGE,
    parse_years,
    parse_years_range,
    parse_years_series,
)
from etl.normalize.salary import BAD_FORMAT as SAL_BAD_FORMAT
from etl.normalize.salary import OUT_OF_RANGE as SAL_OUT_OF_RANGE
from etl.normalize.salary import parse_salary, parse_salary_series
from etl.normalize.text import clean, clean_series

# --------------------------------------------------------------------------------------------
# salary: every unit and period in the tables, the inclusive 100 … 1,000,000 monthly range,
# half-up rounding, the 1–24 薪 range, prefixes giving the default period, open bounds, the
# 100-character cap, and the empty / negotiable spellings.


@pytest.mark.parametrize(("value", "expected"), [
    # units
    ("8000", (8000, 8000, 12)), ("8000元", (8000, 8000, 12)), ("8k", (8000, 8000, 12)),
    ("8千", (8000, 8000, 12)), ("8千元", (8000, 8000, 12)), ("1w", (10000, 10000, 12)),
    ("1万", (10000, 10000, 12)), ("1万元", (10000, 10000, 12)),
    # periods
    ("10k/月", (10000, 10000, 12)), ("10k/个月", (10000, 10000, 12)),
    ("10k/month", (10000, 10000, 12)), ("10k/mon", (10000, 10000, 12)),
    ("120k/年", (10000, 10000, 12)), ("120k/year", (10000, 10000, 12)),
    ("120k per yr", (10000, 10000, 12)), ("120-240k/年", (10000, 20000, 12)),
    ("200/天", (4350, 4350, 12)), ("200/日", (4350, 4350, 12)), ("200/day", (4350, 4350, 12)),
    ("50/时", (8700, 8700, 12)), ("50/小时", (8700, 8700, 12)), ("50/hour", (8700, 8700, 12)),
    ("50/hr", (8700, 8700, 12)), ("50/h", (8700, 8700, 12)),
    ("1200/周", (5200, 5200, 12)), ("1200/week", (5200, 5200, 12)),
    # prefixes: the period they imply, overridden by an explicit one
    ("年薪240k", (20000, 20000, 12)), ("年薪:240k/月", (240000, 240000, 12)),
    ("年薪：240k", (20000, 20000, 12)),
    ("月薪10k", (10000, 10000, 12)), ("日薪200", (4350, 4350, 12)), ("时薪50", (8700, 8700, 12)),
    ("薪资:10k", (10000, 10000, 12)),
    # units on one side only, range order, noise
    ("10-20k", (10000, 20000, 12)), ("10k-20", (10000, 20000, 12)),
    ("20k-10", (10000, 20000, 12)), ("1w-15k", (10000, 15000, 12)),
    ("¥10,000-RMB 20,000", (10000, 20000, 12)), ("人民币 10K", (10000, 10000, 12)),
    # open bounds, before or after the period
    ("10k以上", (10000, None, 12)), ("10k起", (10000, None, 12)), ("10k+", (10000, None, 12)),
    ("10k以下", (None, 10000, 12)), ("10k以内", (None, 10000, 12)),
    ("10k/月以上", (10000, None, 12)), ("10k/月以下", (None, 10000, 12)),
    ("10-20k以上", (10000, 20000, 12)),
    # range limits and rounding
    ("100", (100, 100, 12)), ("1000000", (1000000, 1000000, 12)),
    ("99-100", (None, None, None)), ("1000000-1000001", (None, None, None)),
    ("99以上", (None, None, None)), ("1000001以下", (None, None, None)),
    ("100.5", (101, 101, 12)), ("100.4", (100, 100, 12)), ("100.6", (101, 101, 12)),
    # months
    ("15-25k·14薪", (15000, 25000, 14)), ("10k·24薪", (10000, 10000, 24)),
    ("10k·1薪", (10000, 10000, 1)), ("10k 13薪/月", (10000, 10000, 13)),
])
def test_parse_salary_values(value, expected):
    got = parse_salary(value)
    assert (got.min_yuan, got.max_yuan, got.months) == expected
    assert got.reason == (None if expected[2] else SAL_OUT_OF_RANGE)


@pytest.mark.parametrize(("value", "expected"), [
    ("10k·25薪", (None, None, SAL_OUT_OF_RANGE)), ("10k·0薪", (None, None, SAL_OUT_OF_RANGE)),
    ("-10k", (None, None, SAL_OUT_OF_RANGE)), ("99", (None, None, SAL_OUT_OF_RANGE)),
    ("1000001", (None, None, SAL_OUT_OF_RANGE)), ("1200k/月", (None, None, SAL_OUT_OF_RANGE)),
    ("abc", (None, None, SAL_BAD_FORMAT)), ("10k-", (None, None, SAL_BAD_FORMAT)),
    ("0" * 95 + "15000", (15000, 15000, None)),  # 100 characters: still parsed
    ("0" * 96 + "15000", (None, None, SAL_BAD_FORMAT)),  # 101: too long
    ("面议", (None, None, None)), ("薪资面谈", (None, None, None)),
    ("Negotiable", (None, None, None)), ("", (None, None, None)), ("  ", (None, None, None)),
    (None, (None, None, None)),
])
def test_parse_salary_reasons(value, expected):
    got = parse_salary(value)
    assert (got.min_yuan, got.max_yuan, got.reason) == expected
    assert got.months == (12 if expected[0] else None)


def test_parse_salary_series_columns():
    got = parse_salary_series(pd.Series(["10-20k·13薪", "abc", None], index=[4, 5, 6]))
    assert got.index.tolist() == [4, 5, 6]
    assert got["salary_min"].tolist()[0] == 10000
    assert got["salary_max"].tolist()[0] == 20000
    assert got["salary_months"].tolist()[0] == 13
    assert got["salary_min"].isna().tolist() == [False, True, True]
    assert got["salary_error"].isna().tolist() == [True, False, True]
    assert got["salary_error"].iloc[1] == SAL_BAD_FORMAT


# --------------------------------------------------------------------------------------------
# dates: the 1900–2100 window, the Excel serial window 20000–80000 and its 1899-12-30 epoch,
# bare years 1000–9999 and yyyymmdd numbers 10000000–99999999 (outside: not a date at all),
# day and month defaulting to 1, the 64-character and 20-digit caps, and each input type.

D = dt.date


@pytest.mark.parametrize(("value", "expected"), [
    ("1900-01-01", (D(1900, 1, 1), None)), ("1899-12-31", (None, INVALID)),
    ("2100-12-31", (D(2100, 12, 31), None)), ("2101-01-01", (None, INVALID)),
    ("2024-03-15", (D(2024, 3, 15), None)), ("2024/3", (D(2024, 3, 1), None)),
    ("2024年3月15日", (D(2024, 3, 15), None)), ("2024年3月", (D(2024, 3, 1), None)),
    ("20240315", (D(2024, 3, 15), None)), ("2024", (D(2024, 1, 1), None)),
    ("1985年", (D(1985, 1, 1), None)), ("2024-02-30", (None, INVALID)),
    ("2024-03-15 10:30", (D(2024, 3, 15), None)),
    ("2024-01-02 10:30:00." + "0" * 44, (D(2024, 1, 2), None)),  # 64 characters
    ("2024-01-02 10:30:00." + "0" * 45, (None, BAD_FORMAT)),  # 65 characters
    ("45000", (D(2023, 3, 15), None)), ("0" * 15 + "45000", (D(2023, 3, 15), None)),
    ("0" * 16 + "45000", (None, BAD_FORMAT)),  # 21 digits: not read as a number
    ("abc", (None, BAD_FORMAT)), ("   ", (None, None)), ("", (None, None)),
])
def test_parse_date_text(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (20000, (D(1954, 10, 3), None)), (20000.9, (D(1954, 10, 3), None)),
    (19999, (None, BAD_FORMAT)), (19999.5, (None, BAD_FORMAT)),
    (45000, (D(2023, 3, 15), None)), (45000.75, (D(2023, 3, 15), None)),
    (80000, (None, INVALID)), (80001, (None, BAD_FORMAT)),
    (999, (None, BAD_FORMAT)), (1000, (None, INVALID)), (2024, (D(2024, 1, 1), None)),
    (2024.0, (D(2024, 1, 1), None)), (9999, (None, INVALID)), (10000, (None, BAD_FORMAT)),
    (9999999, (None, BAD_FORMAT)), (10000000, (None, INVALID)),
    (20240315, (D(2024, 3, 15), None)), (19991231, (D(1999, 12, 31), None)),
    (20241305, (None, INVALID)), (99999999, (None, INVALID)), (100000000, (None, BAD_FORMAT)),
    (float("inf"), (None, BAD_FORMAT)), (10**400, (None, BAD_FORMAT)),
    (True, (None, BAD_FORMAT)), (False, (None, BAD_FORMAT)),
    (None, (None, None)), (float("nan"), (None, None)),
    (dt.datetime(2024, 3, 15, 23, 59), (D(2024, 3, 15), None)),
    (pd.Timestamp("2024-03-15 12:00"), (D(2024, 3, 15), None)),
    (D(1899, 12, 31), (None, INVALID)), (D(2024, 3, 15), (D(2024, 3, 15), None)),
    (np.datetime64("2024-03-15"), (D(2024, 3, 15), None)),
    (np.datetime64("3000-01-01"), (None, INVALID)),
    (np.datetime64(10**15, "D"), (None, INVALID)),  # past what pd.Timestamp can hold
    (np.datetime64("NaT"), (None, None)),
])
def test_parse_date_values(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1985", (1985, None)), ("1985年", (1985, None)), (1985.0, (1985, None)),
    ("1900", (1900, None)), ("2100", (2100, None)),
    ("1899", (None, INVALID_YEAR)), ("2101", (None, INVALID_YEAR)),
    ("1899年", (None, INVALID_YEAR)),
    ("1985." + "0" * 59, (1985, None)),  # 64 characters
    ("1985." + "0" * 60, (None, BAD_YEAR)),  # 65: left to parse_date, which gives up
    ("985", (None, BAD_YEAR)), ("12345年", (None, BAD_YEAR)), ("abc", (None, BAD_YEAR)),
    ("2024-03-15", (2024, None)), ("2024-02-30", (None, INVALID)),
    (D(2024, 3, 15), (2024, None)), (np.datetime64("2024-03-15"), (2024, None)),
    (True, (None, BAD_YEAR)), (None, (None, None)), ("  ", (None, None)),
])
def test_parse_year_exact(value, expected):
    assert parse_year(value) == expected


def test_date_series_columns():
    got = parse_date_series(pd.Series(["2024-03-15", "abc", None], index=[1, 2, 3]))
    assert got.index.tolist() == [1, 2, 3]
    assert got["date"].tolist()[0] == pd.Timestamp("2024-03-15")
    assert got["date"].isna().tolist() == [False, True, True]
    assert got["date_error"].isna().tolist() == [True, False, True]
    assert got["date_error"].iloc[1] == BAD_FORMAT
    years = parse_year_series(pd.Series(["1985", "1899", None], index=[4, 5, 6]))
    assert years.index.tolist() == [4, 5, 6]
    assert years["year"].tolist()[0] == 1985
    assert years["year"].isna().tolist() == [False, True, True]
    assert years["year_error"].isna().tolist() == [True, False, True]
    assert years["year_error"].iloc[1] == INVALID_YEAR


# --------------------------------------------------------------------------------------------
# experience: each Chinese numeral, 十-compounds and malformed ones, months as twelfths, signs,
# open and capped bounds, the inclusive 0–60 range, the 50-character cap, the no-experience
# words (before and after prefix stripping), numbers passed as numbers.


@pytest.mark.parametrize(("value", "expected"), [
    ("零年", (0.0, 0.0, None)), ("一年", (1.0, 1.0, None)), ("二年", (2.0, 2.0, None)),
    ("两年", (2.0, 2.0, None)), ("三年", (3.0, 3.0, None)), ("四年", (4.0, 4.0, None)),
    ("五年", (5.0, 5.0, None)), ("六年", (6.0, 6.0, None)), ("七年", (7.0, 7.0, None)),
    ("八年", (8.0, 8.0, None)), ("九年", (9.0, 9.0, None)), ("半年", (0.5, 0.5, None)),
    ("十年", (10.0, 10.0, None)), ("十五年", (15.0, 15.0, None)), ("二十年", (20.0, 20.0, None)),
    ("二十五年", (25.0, 25.0, None)), ("三到五年", (3.0, 5.0, None)),
    ("一二年", (None, None, EXP_BAD_FORMAT)), ("一二十年", (None, None, EXP_BAD_FORMAT)),
    ("十一二年", (None, None, EXP_BAD_FORMAT)), ("十二十年", (None, None, EXP_BAD_FORMAT)),
    ("3-一二年", (None, None, EXP_BAD_FORMAT)),
])
def test_years_chinese_numerals(value, expected):
    assert parse_years_range(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("3", (3.0, 3.0, None)), ("1.5年", (1.5, 1.5, None)), ("15年", (15.0, 15.0, None)),
    ("3-5年", (3.0, 5.0, None)), ("5-3年", (3.0, 5.0, None)),
    ("6个月", (0.5, 0.5, None)), ("18个月", (1.5, 1.5, None)), ("6月以上", (0.5, None, None)),
    ("6-18个月", (0.5, 1.5, None)), ("6-18月", (0.5, 1.5, None)),
    ("3年以上", (3.0, None, None)), ("3年+", (3.0, None, None)), ("3年多", (3.0, None, None)),
    ("3年以下", (0.0, 3.0, None)), ("3年以内", (0.0, 3.0, None)),
    ("3-5年以上", (3.0, 5.0, None)), ("3-5年以下", (0.0, 5.0, None)),
    ("0年", (0.0, 0.0, None)), ("0.5年", (0.5, 0.5, None)), ("60年", (60.0, 60.0, None)),
    ("61年", (None, None, OUT_OF_RANGE)), ("60年以上", (60.0, None, None)),
    ("-3年", (None, None, NEGATIVE)), ("-0.5年", (None, None, NEGATIVE)),
    ("-1", (None, None, NEGATIVE)), ("-3-5年", (None, None, NEGATIVE)),
    ("-3年以下", (None, None, NEGATIVE)), ("-0年", (-0.0, -0.0, None)),
    ("要求" * 24 + "3年", (3.0, 3.0, None)),  # 50 characters
    ("要求" * 24 + "10年", (None, None, EXP_BAD_FORMAT)),  # 51 characters
    ("应届", (0.0, 0.0, None)), ("No Experience", (0.0, 0.0, None)),
    ("工作经验:无", (0.0, 0.0, None)), ("要求:应届生", (0.0, 0.0, None)),
    ("3 years", (3.0, 3.0, None)), ("工作经验3-5年", (3.0, 5.0, None)),
    ("abc", (None, None, EXP_BAD_FORMAT)), ("", (None, None, None)), (None, (None, None, None)),
    (5.5, (5.5, 5.5, None)), (0, (0.0, 0.0, None)), (60, (60.0, 60.0, None)),
    (60.5, (None, None, OUT_OF_RANGE)), (-1, (None, None, NEGATIVE)),
    (float("inf"), (None, None, EXP_BAD_FORMAT)), (True, (None, None, EXP_BAD_FORMAT)),
])
def test_years_range_exact(value, expected):
    got = parse_years_range(value)
    assert got == expected
    assert parse_years(value) == (expected[0], expected[2])


def test_years_series_columns():
    got = parse_years_series(pd.Series(["3-5年", "abc", None], index=[7, 8, 9]))
    assert got.index.tolist() == [7, 8, 9]
    assert got["years"].tolist()[0] == 3.0
    assert got["years"].isna().tolist() == [False, True, True]
    assert got["years_error"].isna().tolist() == [True, False, True]
    assert got["years_error"].iloc[1] == EXP_BAD_FORMAT


# --------------------------------------------------------------------------------------------
# text: clean_series' fast path must send every string clean() would change through clean(),
# including strings whose characters each look unchanged alone: marks above U+DFFF that NFKC
# puts back in canonical order (U+FE20 has class 230, U+FB1E class 26), marks that compose
# with the letter before them, and odd spacing.

FAST_PATH_CASES = [
    "a\ufe20\ufb1e", "x\ufe26\ufb1e y", "a\u0301", "e\u0316\u0301", "A\u3000B", "a\u1680b",
    " lead", "trail ", "two  spaces", "臺灣", "plain", "", "ＡＢＣ", "\ufeffbom",
    # one per range of the character class: NFKC below U+D800, C0 and C1 controls, zero-widths
    "x²", "①", "㎏", "a\x00b", "a\x01b", "a\x1fb", "a\x80b", "a\x81b", "a\x9fb",
    "a\u200bb", "a\u200eb", "a\u200fb", "a\u2060b",
]


def test_clean_series_matches_clean():
    n = len(FAST_PATH_CASES)
    got = clean_series(pd.Series(FAST_PATH_CASES + [None], index=range(5, 6 + n)))
    assert got.index.tolist() == list(range(5, 6 + n))
    assert got.tolist() == [clean(v) for v in FAST_PATH_CASES] + [None]
    assert got.iloc[0] == "a\ufb1e\ufe20"
    assert got.iloc[2] == "\u00e1"


# The fast path's other half: values that need no cleaning never reach clean(), missing cells
# (None and NaN) included; a hyphen (U+2010) and an unassigned code point (U+1FFF) need none.


def test_clean_series_calls_clean_only_for_dirty_values(monkeypatch):
    calls = []
    real = text_module.clean
    monkeypatch.setattr(text_module, "clean", lambda v: calls.append(v) or real(v))
    values = ["plain", None, np.nan, "臺", "a\u2010b", "a\u1fffb", "臺", "x\u3000", "a b"]
    got = clean_series(pd.Series(values, dtype=object))
    assert got.tolist() == ["plain", None, None, "台", "a\u2010b", "a\u1fffb", "台", "x", "a b"]
    assert sorted(calls) == ["x\u3000", "臺"]


# Scalars: what counts as missing, how a cell becomes text, and the traditional table.


class _Broken:
    def __str__(self):
        raise RuntimeError("no")


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), (float("nan"), None), (pd.NA, None), (pd.NaT, None), ("abc", "abc"),
    (b"caf\xc3\xa9", "café"), (bytearray(b"\xff"), "\ufffd"), (8000.0, "8000"),
    (np.float64(2.5), "2.5"), (np.int64(7), "7"), (True, "True"), pytest.param(10**5000, "<int>", id="int-of-5000-digits"),
    (_Broken(), "<_Broken>"), (Decimal("8000.0"), "8000.0"), ([1, 2], "[1, 2]"), (float("inf"), "inf"),
])
def test_to_str_exact(value, expected):
    assert text_module.to_str(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, True), (float("nan"), True), (pd.NaT, True), (pd.NA, True), ("", False),
    (b"", False), ([], False), ((), False), ({}, False), (set(), False),
    (np.array([np.nan]), False), (0, False), (Decimal("sNaN"), False), (Decimal("NaN"), True),
])
def test_is_missing_exact(value, expected):
    assert text_module.is_missing(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1.5", 1.5), (3, 3.0), ("inf", None), ("nan", None), ("x", None), (None, None),
    (10**400, None),
])
def test_to_float_exact(value, expected):
    assert text_module.to_float(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("臺灣", "台湾"), ("廣東省", "广东省"), ("臺訓", "台训"), (None, None), (12, "12"),
])
def test_to_simplified_and_table_ends(value, expected):
    assert text_module.to_simplified(value) == expected


def test_map_unique_and_as_series():
    results, codes = text_module.map_unique(pd.Series(["b", None, "a", "b"]), str)
    assert results == ["b", "a", "None"]
    assert codes.tolist() == [0, -1, 1, 0]
    rows, row_codes = text_module.map_unique([[1], [1]], len)  # unhashable: row by row
    assert rows == [1, 1]
    assert row_codes.tolist() == [0, 1]
    s = pd.Series(["x"], index=[9])
    assert text_module.as_series(s) is s
    made = text_module.as_series(("a", "b"))
    assert made.tolist() == ["a", "b"]
    assert made.dtype == object
    mixed = clean_series(pd.Series([5, "臺", None, 2.0], dtype=object))
    assert mixed.tolist() == ["5", "台", None, "2"]
