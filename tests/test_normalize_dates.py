"""Table-driven tests for etl.normalize.dates."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

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

NASTY = [
    None, float("nan"), np.nan, pd.NA, pd.NaT, "", " ", "\u3000", "\x00", "x" * 100_000,
    "1" * 100_000, "-" * 100_000, "<script>alert(1)</script>", "=HYPERLINK(1)", "１５Ｋ", 12345,
    -1, 0, 1e308, float("inf"), -math.inf, True, b"bytes", b"\xff\xfe", bytearray(b"2023"),
    [1, 2], {"a": 1}, object(), "\ud800", "🙂" * 1000, "2023-05-01" * 1000, Decimal("NaN"), Decimal("sNaN"), 10**400, -(10**5000),
    Decimal("45000"), np.int64(5), np.float64("nan"), "9" * 400, "1e400",
    np.datetime64("NaT"), np.datetime64("2023-05-01"), np.datetime64("9999-12-31"),
    dt.datetime.max, dt.date.min, pd.Timestamp.max, "2023-05-01 99:99:99",
]  # fmt: skip

D = dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-01", D(2023, 5, 1)),
        ("2023/5/1", D(2023, 5, 1)),
        ("2023.05.01", D(2023, 5, 1)),
        ("20230501", D(2023, 5, 1)),
        ("2023年5月1日", D(2023, 5, 1)),
        ("2023年05月01号", D(2023, 5, 1)),
        ("2023 年 5 月 1 日", D(2023, 5, 1)),
        ("2023年5月", D(2023, 5, 1)),
        ("2023-05", D(2023, 5, 1)),
        ("2023/5", D(2023, 5, 1)),
        ("2023", D(2023, 1, 1)),
        ("2023年", D(2023, 1, 1)),
        ("２０２３－０５－０１", D(2023, 5, 1)),
        ("2023-05-01 10:20:00", D(2023, 5, 1)),
        ("2023-05-01T10:20:00", D(2023, 5, 1)),
        ("2023-05-01T10:20:00.123Z", D(2023, 5, 1)),
        ("2023-05-01T10:20:00+08:00", D(2023, 5, 1)),
        ("2023/5/1 10:20", D(2023, 5, 1)),
        ("2023年5月1日 10:20", D(2023, 5, 1)),
        ("2023年5月1日10:20", D(2023, 5, 1)),
        (" 2023-05-01 ", D(2023, 5, 1)),
        ("2024-02-29", D(2024, 2, 29)),
        ("1900-01-01", D(1900, 1, 1)),
        ("2100-12-31", D(2100, 12, 31)),
        (dt.datetime(2023, 5, 1, 10, 20), D(2023, 5, 1)),
        (dt.date(2023, 5, 1), D(2023, 5, 1)),
        (pd.Timestamp("2023-05-01 10:20"), D(2023, 5, 1)),
        (pd.Timestamp("2023-05-01", tz="Asia/Shanghai"), D(2023, 5, 1)),
        (np.datetime64("2023-05-01T10:20"), D(2023, 5, 1)),
        (45000, D(2023, 3, 15)),
        (45000.75, D(2023, 3, 15)),
        (np.int64(45000), D(2023, 3, 15)),
        ("45000", D(2023, 3, 15)),
        ("45000.0", D(2023, 3, 15)),
        (20000, D(1954, 10, 3)),
        (20230501, D(2023, 5, 1)),
        (2023, D(2023, 1, 1)),
        (2023.0, D(2023, 1, 1)),
    ],
)
def test_parse_date_values(value, expected):
    assert parse_date(value) == (expected, None)


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000", "\x00", float("nan"), pd.NA, pd.NaT])
def test_parse_date_missing(value):
    assert parse_date(value) == (None, None)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2023-02-30", INVALID),
        ("2023-02-29", INVALID),
        ("2023-13-01", INVALID),
        ("2023-00-10", INVALID),
        ("2023年4月31日", INVALID),
        ("20231301", INVALID),
        ("1899-12-31", INVALID),
        ("2101-01-01", INVALID),
        ("1899", INVALID),
        (1899, INVALID),
        ("0000", INVALID),
        (80000, INVALID),  # 2119: inside the Excel window but past 2100
        (dt.date(1800, 1, 1), INVALID),
        (pd.Timestamp("2200-01-01"), INVALID),
        ("abc", BAD_FORMAT),
        ("05/01/2023", BAD_FORMAT),
        ("2023-05-01abc", BAD_FORMAT),
        ("12345", BAD_FORMAT),
        (12345, BAD_FORMAT),
        (19999, BAD_FORMAT),
        (80001, BAD_FORMAT),
        (-45000, BAD_FORMAT),
        (1.5, BAD_FORMAT),
        (float("inf"), BAD_FORMAT),
        (True, BAD_FORMAT),
        ("<script>", BAD_FORMAT),
        ("=HYPERLINK(1)", BAD_FORMAT),
        ("x" * 100_000, BAD_FORMAT),
    ],
)
def test_parse_date_errors(value, reason):
    assert parse_date(value) == (None, reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985", (1985, None)),
        ("1985年", (1985, None)),
        ("1985 年", (1985, None)),
        ("１９８５", (1985, None)),
        (1985, (1985, None)),
        (1985.0, (1985, None)),
        ("1985.0", (1985, None)),
        ("1985-06-15", (1985, None)),
        ("1985年6月", (1985, None)),
        ("19850615", (1985, None)),
        (dt.date(1985, 6, 15), (1985, None)),
        (pd.Timestamp("1985-06-15"), (1985, None)),
        (45000, (2023, None)),
        (None, (None, None)),
        ("", (None, None)),
        (float("nan"), (None, None)),
        ("1899", (None, INVALID_YEAR)),
        ("2101年", (None, INVALID_YEAR)),
        (1850, (None, INVALID_YEAR)),
        ("1985-02-30", (None, INVALID)),
        ("abc", (None, BAD_YEAR)),
        ("85", (None, BAD_YEAR)),
        (1985.5, (None, BAD_YEAR)),
        (True, (None, BAD_YEAR)),
        ("x" * 100_000, (None, BAD_YEAR)),
    ],
)
def test_parse_year(value, expected):
    assert parse_year(value) == expected


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_never_raises(value):
    day, reason = parse_date(value)
    assert day is None or isinstance(day, dt.date)
    assert (day is None) or reason is None
    assert reason is None or isinstance(reason, str)
    year, reason = parse_year(value)
    assert year is None or isinstance(year, int)
    assert reason is None or isinstance(reason, str)


def test_parse_date_series():
    s = pd.Series(
        ["2023-05-01", 45000, None, "2023-02-30", "abc", "2023-05-01"], index=[5, 4, 3, 2, 1, 0]
    )
    df = parse_date_series(s)
    assert list(df.index) == [5, 4, 3, 2, 1, 0]
    assert list(df.columns) == ["date", "date_error"]
    assert str(df["date"].dtype) == "datetime64[ms]"
    expected = pd.to_datetime(["2023-05-01", "2023-03-15", None, None, None, "2023-05-01"])
    assert df["date"].tolist() == list(expected)
    assert df["date_error"].tolist()[3:5] == [INVALID, BAD_FORMAT]
    assert df["date_error"].isna().tolist() == [True, True, True, False, False, True]


def test_parse_date_series_nasty_and_empty():
    assert len(parse_date_series(pd.Series(NASTY, dtype=object))) == len(NASTY)
    assert parse_date_series(pd.Series([], dtype=object)).shape == (0, 2)


def test_parse_date_series_accepts_datetime_column():
    s = pd.Series(pd.to_datetime(["2023-05-01 10:00", None, "1850-01-01 00:00"]))
    df = parse_date_series(s)
    assert df["date"].tolist()[0] == pd.Timestamp("2023-05-01")
    assert df["date_error"].tolist()[2] == INVALID


def test_parse_year_series():
    df = parse_year_series(pd.Series(["1985年", 1990.0, None, "abc"]))
    assert str(df["year"].dtype) == "Int64"
    assert df["year"].tolist() == [1985, 1990, pd.NA, pd.NA]
    assert df["year_error"].tolist()[3] == BAD_YEAR
