"""Table-driven tests for etl.normalize.credit_code (GB 32100-2015)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from etl.normalize.credit_code import (
    BAD_CHARS,
    BAD_CHECK,
    BAD_LENGTH,
    CHARSET,
    MISSING,
    check_char,
    check_credit_code,
    check_credit_code_series,
    make_credit_code,
)

NASTY = [
    None, float("nan"), np.nan, pd.NA, pd.NaT, "", " ", "\u3000", "\x00", "x" * 100_000,
    "1" * 100_000, "-" * 100_000, "<script>alert(1)</script>", "=HYPERLINK(1)", "１５Ｋ", 12345,
    -1, 0, 1e308, float("inf"), -math.inf, True, b"bytes", b"\xff\xfe", bytearray(b"91"),
    [1, 2], {"a": 1}, object(), "\ud800", "🙂" * 18, "9" * 18, Decimal("NaN"), Decimal("sNaN"), 10**400, -(10**5000), np.int64(5),
    np.float64("nan"), "ⅰ" * 18, "ß" * 18,
]  # fmt: skip

# Published codes whose check character was verified by hand-computing the weighted sum
# (and cross-checked by check_char below); nothing else is assumed about them.
KNOWN_VALID = ["91110000802100433B", "91440300708461136T"]
DEMO = make_credit_code("91110108MA01ABCD1")


def _flip_last(code: str) -> str:
    """Same code with a different (still legal) check character."""
    return code[:17] + CHARSET[(CHARSET.index(code[17]) + 1) % len(CHARSET)]


def test_charset_and_alphabet_rules():
    assert len(CHARSET) == 31
    assert not set("IOZSV") & set(CHARSET)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_valid_codes(code):
    assert check_char(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code
    assert check_credit_code(code) == (code, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("91110000802100433", "91110000802100433B"),
        ("91440300708461136", "91440300708461136T"),
        ("00000000000000000", "000000000000000000"),  # sum 0 -> (31 - 0) % 31 = 0
        ("10000000000000000", "10000000000000000Y"),  # 1*1 -> 31 - 1 = 30 -> 'Y'
        ("01000000000000000", "01000000000000000W"),  # 1*3 -> 31 - 3 = 28 -> "W"
        (" 91110000802100433 ", "91110000802100433B"),
        ("９１１１００００８０２１００４３３", "91110000802100433B"),
    ],
)
def test_make_credit_code(body, expected):
    assert make_credit_code(body) == expected


@pytest.mark.parametrize("body", ["", "123", "9111000080210043I", "9111000080210043", None, 5])
def test_make_credit_code_rejects_bad_body(body):
    with pytest.raises(ValueError):
        make_credit_code(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DEMO, (DEMO, None)),
        (DEMO.lower(), (DEMO, None)),
        (f"  {DEMO}\u3000", (DEMO, None)),
        ("９１１１００００８０２１００４３３Ｂ", ("91110000802100433B", None)),
        ("9111 0000 8021 0043 3B", ("91110000802100433B", None)),
        ("91110000-802100433B", ("91110000802100433B", None)),
        ("91110000802100433b", ("91110000802100433B", None)),
        (_flip_last(DEMO), (None, BAD_CHECK)),
        (_flip_last("91110000802100433B"), (None, BAD_CHECK)),
        ("91110000802100433A", (None, BAD_CHECK)),
        ("91110000802100434B", (None, BAD_CHECK)),  # one body digit changed
        (None, (None, MISSING)),
        ("", (None, MISSING)),
        ("   ", (None, MISSING)),
        (float("nan"), (None, MISSING)),
        (pd.NA, (None, MISSING)),
        ("9111000080210043", (None, BAD_LENGTH)),
        ("91110000802100433BB", (None, BAD_LENGTH)),
        (12345, (None, BAD_LENGTH)),
        ("x" * 100_000, (None, BAD_LENGTH)),
        ("9111000080210043IB", (None, BAD_CHARS)),
        ("9111000080210043OB", (None, BAD_CHARS)),
        ("9111000080210043ZB", (None, BAD_CHARS)),
        ("9111000080210043SB", (None, BAD_CHARS)),
        ("9111000080210043VB", (None, BAD_CHARS)),
        ("91110000802100433中", (None, BAD_CHARS)),
        ("<script>alert(1)</", (None, BAD_CHARS)),
    ],
)
def test_check_credit_code(text, expected):
    assert check_credit_code(text) == expected


def test_every_wrong_check_char_is_caught():
    wrong = [DEMO[:17] + c for c in CHARSET if c != DEMO[17]]
    assert len(wrong) == 30
    assert {check_credit_code(code)[1] for code in wrong} == {BAD_CHECK}


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_never_raises(value):
    code, reason = check_credit_code(value)
    assert (code is None) != (reason is None)
    assert reason is None or isinstance(reason, str)


def test_series():
    s = pd.Series([DEMO, None, "abc", _flip_last(DEMO), DEMO.lower()], index=list("vwxyz"))
    df = check_credit_code_series(s)
    assert list(df.index) == list("vwxyz")
    assert list(df.columns) == ["credit_code", "credit_code_error"]
    assert df["credit_code"].tolist()[::4] == [DEMO, DEMO]
    assert df["credit_code"].isna().tolist() == [False, True, True, True, False]
    assert df["credit_code_error"].tolist()[1:4] == [MISSING, BAD_LENGTH, BAD_CHECK]


def test_series_nasty_and_empty():
    assert len(check_credit_code_series(pd.Series(NASTY, dtype=object))) == len(NASTY)
    assert check_credit_code_series(pd.Series([], dtype=object)).shape == (0, 2)
