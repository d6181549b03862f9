"""Table-driven tests for etl.normalize.salary."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from etl.normalize.salary import BAD_FORMAT, OUT_OF_RANGE, Salary, parse_salary, parse_salary_series

NASTY = [
    None, float("nan"), np.nan, pd.NA, pd.NaT, "", " ", "\u3000", "\x00", "x" * 100_000,
    "1" * 100_000, "-" * 100_000, "<script>alert(1)</script>", "=HYPERLINK(1)", "１５Ｋ", 12345,
    -1, 0, 1e308, float("inf"), -math.inf, True, b"bytes", b"\xff\xfe", bytearray(b"15k"),
    [1, 2], {"a": 1}, object(), "\ud800", "🙂" * 1000, "15-25K·14薪" * 1000, Decimal("NaN"), Decimal("sNaN"), 10**400, -(10**5000),
    Decimal("1.5"), np.int64(5), np.float64("nan"), "9" * 400, "1e400", "面议" * 1000,
]  # fmt: skip

H = 8 * 21.75  # hours in a statutory working month


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15-25K·14薪", (15000, 25000, 14)),
        ("15-25k·13薪", (15000, 25000, 13)),
        ("15-25K 13薪", (15000, 25000, 13)),
        ("15-25K13薪", (15000, 25000, 13)),
        ("15k-25k", (15000, 25000, 12)),
        ("15K-25K", (15000, 25000, 12)),
        ("15-25K", (15000, 25000, 12)),
        ("15~25k", (15000, 25000, 12)),
        ("15至25k", (15000, 25000, 12)),
        ("15k-25k/月", (15000, 25000, 12)),
        ("1.5-3万/月", (15000, 30000, 12)),
        ("1.5-3万", (15000, 30000, 12)),
        ("1.5万-3万", (15000, 30000, 12)),
        ("1.5-3w", (15000, 30000, 12)),
        ("20-40万/年", (16667, 33333, 12)),
        ("年薪20-40万", (16667, 33333, 12)),
        ("年薪30万", (25000, 25000, 12)),
        ("200-300元/天", (4350, 6525, 12)),
        ("200-300元/日", (4350, 6525, 12)),
        ("50-80元/时", (round(50 * H), round(80 * H), 12)),
        ("50-80元/小时", (8700, 13920, 12)),
        ("8000-12000元/月", (8000, 12000, 12)),
        ("8000-12000", (8000, 12000, 12)),
        ("8,000-12,000", (8000, 12000, 12)),
        ("¥8000-12000", (8000, 12000, 12)),
        ("月薪:8000-12000", (8000, 12000, 12)),
        ("10K以上", (10000, None, 12)),
        ("10k+", (10000, None, 12)),
        ("8000元起", (8000, None, 12)),
        ("8000元以下", (None, 8000, 12)),
        ("20K", (20000, 20000, 12)),
        ("20k·15薪", (20000, 20000, 15)),
        ("8000", (8000, 8000, 12)),
        ("１５-２５Ｋ", (15000, 25000, 12)),
        ("１５－２５Ｋ・１４薪", (15000, 25000, 14)),
        (" 15 - 25 K ", (15000, 25000, 12)),
        ("25-15K", (15000, 25000, 12)),
        (8000, (8000, 8000, 12)),
        (8000.0, (8000, 8000, 12)),
        (np.int64(9000), (9000, 9000, 12)),
        ("1000K", (1_000_000, 1_000_000, 12)),
    ],
)
def test_parse_salary_values(text, expected):
    assert parse_salary(text) == Salary(*expected, None)


@pytest.mark.parametrize("text", ["面议", "薪资面议", "待遇面议", "面谈", "Negotiable"])
def test_negotiable_is_valid_and_empty(text):
    assert parse_salary(text) == Salary(None, None, None, None)


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000", "\x00", float("nan"), pd.NA])
def test_missing_is_empty_without_error(text):
    assert parse_salary(text) == Salary(None, None, None, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-5K", OUT_OF_RANGE),
        ("-5-10K", OUT_OF_RANGE),
        (-8000, OUT_OF_RANGE),
        ("2000-3000万", OUT_OF_RANGE),
        ("1001K", OUT_OF_RANGE),
        ("50000万/年", OUT_OF_RANGE),
        ("15-25", OUT_OF_RANGE),  # unit-less and tiny: flagged rather than guessed as K
        ("0", OUT_OF_RANGE),
        ("15K·99薪", OUT_OF_RANGE),
        ("15K·0薪", OUT_OF_RANGE),
        ("9" * 90, OUT_OF_RANGE),
        ("abc", BAD_FORMAT),
        ("13薪", BAD_FORMAT),
        ("K", BAD_FORMAT),
        ("15-25K+年终奖", BAD_FORMAT),
        ("十五K", BAD_FORMAT),
        ("15--25K", BAD_FORMAT),
        ("<script>", BAD_FORMAT),
        ("=HYPERLINK(1)", BAD_FORMAT),
        (True, BAD_FORMAT),
        ("x" * 100_000, BAD_FORMAT),
    ],
)
def test_parse_salary_errors(text, reason):
    assert parse_salary(text) == Salary(None, None, None, reason)


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_parse_salary_never_raises(value):
    result = parse_salary(value)
    assert isinstance(result, Salary)
    assert result.reason is None or isinstance(result.reason, str)
    if result.reason is not None:
        assert (result.min_yuan, result.max_yuan, result.months) == (None, None, None)


def test_salary_is_frozen():
    with pytest.raises(AttributeError):
        parse_salary("15K").min_yuan = 1  # type: ignore[misc]


def test_parse_salary_series_aligned_and_typed():
    s = pd.Series(["15-25K·14薪", None, "面议", "abc", "15-25K·14薪", "-1K"], index=list("abcdef"))
    df = parse_salary_series(s)
    assert list(df.index) == list("abcdef")
    assert list(df.columns) == ["salary_min", "salary_max", "salary_months", "salary_error"]
    assert [str(t) for t in df.dtypes[:3]] == ["Int64", "Int64", "Int64"]
    assert df["salary_min"].tolist() == [15000, pd.NA, pd.NA, pd.NA, 15000, pd.NA]
    assert df["salary_months"].tolist() == [14, pd.NA, pd.NA, pd.NA, 14, pd.NA]
    assert df["salary_error"].isna().tolist() == [True, True, True, False, True, False]
    assert df.loc["d", "salary_error"] == BAD_FORMAT
    assert df.loc["f", "salary_error"] == OUT_OF_RANGE


def test_parse_salary_series_parses_each_distinct_value_once(monkeypatch):
    import etl.normalize.salary as mod

    calls = []
    real = mod.parse_salary
    monkeypatch.setattr(mod, "parse_salary", lambda v: calls.append(v) or real(v))
    df = mod.parse_salary_series(pd.Series(["15K", "20K"] * 5000 + [None] * 10))
    assert sorted(map(str, calls)) == ["15K", "20K", "None"]
    assert df["salary_min"].iloc[:4].tolist() == [15000, 20000, 15000, 20000]


def test_parse_salary_series_nasty_and_empty():
    df = parse_salary_series(pd.Series(NASTY, dtype=object))
    assert len(df) == len(NASTY)
    assert parse_salary_series(pd.Series([], dtype=object)).shape == (0, 4)
    assert parse_salary_series(["15K", None])["salary_max"].tolist() == [15000, pd.NA]
