"""Tests that pin exact outcomes the mutation run (bench/mutate.py) showed as unchecked.

Each group names the behaviour it pins; the inputs sit on the boundaries (length caps, range
limits, table edges) so that an off-by-one or a flipped condition changes the result.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from etl.normalize.credit_code import (
    BAD_CHARS,
    BAD_CHECK,
    BAD_LENGTH,
    MISSING,
    check_char,
    check_credit_code,
    check_credit_code_series,
    make_credit_code,
)
from etl.normalize.education import UNKNOWN as EDU_UNKNOWN
from etl.normalize.education import education_rank, parse_education, parse_education_series
from etl.normalize.flags import UNKNOWN as FLAG_UNKNOWN
from etl.normalize.flags import parse_bool, parse_bool_series
from etl.normalize.number import BAD_FORMAT as NUM_BAD_FORMAT
from etl.normalize.number import (
    NOT_FINITE,
    NOT_INTEGER,
    parse_number,
    parse_number_series,
    range_reason,
    shown,
)
from etl.normalize.skills import split_skills, split_skills_series, split_skills_sql

# --------------------------------------------------------------------------------------------
# flags: bools pass through, only the numbers 0 and 1 count, words map through both tables.


@pytest.mark.parametrize(("value", "expected"), [
    (True, (True, None)),
    (False, (False, None)),
    (1, (True, None)),
    (0, (False, None)),
    (1.0, (True, None)),
    (-1, (None, FLAG_UNKNOWN)),
    (2, (None, FLAG_UNKNOWN)),
    (0.5, (None, FLAG_UNKNOWN)),
    (None, (None, None)),
    ("", (None, None)),
    ("是", (True, None)),
    ("YES!", (True, None)),
    ("否。", (False, None)),
    ("不接受", (False, None)),
    ("maybe", (None, FLAG_UNKNOWN)),
    ("y" * 11, (None, FLAG_UNKNOWN)),
])
def test_parse_bool_exact(value, expected):
    assert parse_bool(value) == expected


def test_parse_bool_series_columns():
    got = parse_bool_series(["是", "否", None, "?"])
    assert got["value"].tolist() == [True, False, pd.NA, pd.NA]
    assert got["error"].isna().tolist() == [True, True, True, False]
    assert got["error"].iloc[3] == FLAG_UNKNOWN


# --------------------------------------------------------------------------------------------
# education: the 50-character cap, rank numbering from 1, and 不限 after prefix stripping.


@pytest.mark.parametrize(("value", "expected"), [
    ("统招" * 24 + "本科", ("本科", None)),  # exactly 50 characters: parsed
    ("统招" * 24 + "本科.", ("本科", None)),  # 51 with a trailing dot that is stripped first
    ("统招" * 25 + "本科", (None, EDU_UNKNOWN)),  # 52 characters: too long
    ("全日制" + "统招" * 23 + "本科", (None, EDU_UNKNOWN)),  # 51 characters: too long
    ("High School", ("其他", None)),  # multi-word entry, looked up before spaces go
    ("PhD.", ("博士", None)),
    ("学历不限", (None, None)),
    ("不限", (None, None)),
    ("全日制不限", (None, None)),  # 不限 only after the prefix is dropped
    ("不限以上", (None, None)),
    ("统招本科及以上", ("本科", None)),
    ("bachelor degree", ("本科", None)),
    ("小学生", (None, EDU_UNKNOWN)),
    (None, (None, None)),
    ("   ", (None, None)),
])
def test_parse_education_exact(value, expected):
    assert parse_education(value) == expected


@pytest.mark.parametrize(("value", "rank"), [
    ("博士", 1), ("硕士", 2), ("本科", 3), ("专科", 4), ("其他", 5), ("不限", None), ("火星", None),
])
def test_education_rank_exact(value, rank):
    assert education_rank(value) == rank


def test_parse_education_series_columns():
    got = parse_education_series(["本科", "火星", None])
    assert got["education"].tolist()[0] == "本科"
    assert got["education"].isna().tolist() == [False, True, True]
    assert got["education_error"].isna().tolist() == [True, False, True]
    assert got["education_error"].iloc[1] == EDU_UNKNOWN


# --------------------------------------------------------------------------------------------
# skills: caps on length and count, de-duplication, empty and punctuation-only tokens dropped,
# list input re-split without its empty items; the SQL twin agrees with the Python version.


def test_split_skills_caps_token_length():
    long = "A" * 60
    assert split_skills(f"{long},Go") == ["A" * 50, "Go"]
    assert split_skills("B" * 50) == ["B" * 50]


def test_split_skills_caps_count():
    many = ",".join(f"s{i}" for i in range(60))
    assert split_skills(many) == [f"s{i}" for i in range(50)]
    assert split_skills(",".join(f"s{i}" for i in range(49))) == [f"s{i}" for i in range(49)]


@pytest.mark.parametrize(("value", "expected"), [
    (",Python,,Java,", ["Python", "Java"]),
    ('"" , Python', ["Python"]),
    ("Python,python,PYTHON", ["Python"]),
    ("Python + Java - SQL", ["Python", "Java", "SQL"]),
    ("C/C++、TCP/IP/UDP", ["C/C++", "TCP/IP", "UDP"]),
    (["Python", "", None, "Go"], ["Python", "Go"]),
    (("SQL",), ["SQL"]),
    ([None, ""], []),
    (None, []),
    ("", []),
])
def test_split_skills_exact(value, expected):
    assert split_skills(value) == expected


SQL_CASES = [
    "C/C++ c/c++ TCP/IP",
    "C/C++,C/C++,C/C++,AR/VR",
    "Python、Java；Go",
    ",Python,,python,+",
    "A" * 60,
    ",".join(f"s{i}" for i in range(60)),
    "C/C++/Java",
]


def test_split_skills_sql_matches_python():
    cleaned = pd.Series(SQL_CASES + [None], index=range(10, 10 + len(SQL_CASES) + 1))
    got = split_skills_sql(cleaned)
    assert got.index.tolist() == cleaned.index.tolist()
    assert got.tolist() == [split_skills(v) for v in SQL_CASES] + [[]]
    assert got.iloc[0] == ["C/C++", "TCP/IP"]
    assert got.iloc[1] == ["C/C++", "AR/VR"]


def test_split_skills_series_shares_by_value():
    got = split_skills_series(pd.Series(["Go,Rust", None, "Go,Rust"], name="sk"))
    assert got.tolist() == [["Go", "Rust"], [], ["Go", "Rust"]]
    assert got.name == "sk"


# --------------------------------------------------------------------------------------------
# credit codes: published codes validate; every weight counts (a body without '0' makes each
# position move the check character); a body summing to 0 mod 31 gets the check '0'.

VALID_CODES = [
    "91350100M000100Y43", "91110000802100433B", "91440300708461136T",
    "123456789ABCDEFGHC", "YXWUTRQPNMLKJHGFEK", "000000000000000000",
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_credit_code_valid_and_rebuilt(code):
    assert check_credit_code(code) == (code, None)
    assert check_char(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code
    assert check_credit_code(f" {code[:6]}-{code[6:].lower()} ") == (code, None)


@pytest.mark.parametrize("position", range(17))
def test_credit_code_every_position_weighs(position):
    good = "123456789ABCDEFGHC"
    swapped = "2" if good[position] != "2" else "3"
    bad = good[:position] + swapped + good[position + 1:]
    assert check_credit_code(bad) == (None, BAD_CHECK)


@pytest.mark.parametrize(("value", "expected"), [
    (None, (None, MISSING)),
    ("", (None, MISSING)),
    (" - ", (None, MISSING)),
    ("12345678901234567", (None, BAD_LENGTH)),
    ("123456789ABCDEFGHC0", (None, BAD_LENGTH)),
    ("123456789ABCDEFGHI", (None, BAD_CHARS)),
    ("123456789ABCDEFGHD", (None, BAD_CHECK)),
])
def test_check_credit_code_reasons(value, expected):
    assert check_credit_code(value) == expected


@pytest.mark.parametrize("body", [None, "", "1234567890123456", "123456789012345678",
                                  "1234567890123456I"])
def test_make_credit_code_rejects_bad_body(body):
    with pytest.raises(ValueError, match="body must be 17 chars"):
        make_credit_code(body)


def test_check_char_needs_seventeen():
    with pytest.raises(ValueError):
        check_char("1234567890123456")


def test_check_credit_code_series_columns():
    got = check_credit_code_series(pd.Series(["91350100M000100Y43", "x", None], index=[7, 8, 9]))
    assert got.index.tolist() == [7, 8, 9]
    assert got["credit_code"].iloc[0] == "91350100M000100Y43"
    assert got["credit_code"].isna().tolist() == [False, True, True]
    assert got["credit_code_error"].isna().tolist() == [True, False, False]
    assert got["credit_code_error"].tolist()[1:] == [BAD_LENGTH, MISSING]


# --------------------------------------------------------------------------------------------
# number: defaults (min 0, no max, not integer), negative-vs-out-of-range reasons, inclusive
# bounds, integer check only when asked; bounds and quoted values as people read them.


@pytest.mark.parametrize(("args", "expected"), [
    (("0.5",), (0.5, None)),
    (("0",), (0.0, None)),
    (("1.5",), (1.5, None)),
    (("1,000万",), (1000.0, None)),
    (("-1",), (None, NUM_BAD_FORMAT)),
    (("abc",), (None, NUM_BAD_FORMAT)),
    (("inf",), (None, NOT_FINITE)),
    (("-NaN",), (None, NOT_FINITE)),
    (("1e309",), (None, "超出合理范围 (0–inf)")),
    ((None,), (None, None)),
    (("  ",), (None, None)),
    (("0", 1, 10), (None, "超出合理范围 (1–10)")),
    (("1", 1, 10), (1.0, None)),
    (("10", 1, 10), (10.0, None)),
    (("5", 1, 10), (5.0, None)),
    (("11", 1, 10), (None, "超出合理范围 (1–10)")),
    (("-6", -5, 5), (None, "超出合理范围 (-5–5)")),
    (("-5", -5, 5), (-5.0, None)),
    (("2", 0, 10, True), (2.0, None)),
    (("2.5", 0, 10, True), (None, NOT_INTEGER)),
    (("20", 0, 10, True), (None, "超出合理范围 (0–10)")),
])
def test_parse_number_exact(args, expected):
    assert parse_number(*args) == expected


@pytest.mark.parametrize(("x", "text"), [
    (0, "0"), (1e7, "10,000,000"), (1.5, "1.5"), (-5, "-5"), (1e17, "100,000,000,000,000,000"),
    (1e18, "1e+18"), (-1e18, "-1e+18"), (math.inf, "inf"), (0.25, "0.25"),
])
def test_bound_spelling(x, text):
    assert range_reason(x, x) == f"超出合理范围 ({text}–{text})"


@pytest.mark.parametrize(("raw", "expected"), [
    ("x" * 23, "x" * 23), ("x" * 24, "x" * 24), ("x" * 25, "x" * 24 + "… (25 字符)"),
    ("9" * 5000, "9" * 24 + "… (5,000 字符)"),
])
def test_shown_cuts_long_values(raw, expected):
    assert shown(raw) == expected


def test_parse_number_series_dtypes():
    floats = parse_number_series(pd.Series(["1.5", "2", None, "-1"], index=[3, 4, 5, 6]))
    assert str(floats["value"].dtype) == "Float64"
    assert floats.index.tolist() == [3, 4, 5, 6]
    assert floats["value"].tolist()[:2] == [1.5, 2.0]
    assert floats["value"].isna().tolist() == [False, False, True, True]
    assert floats["number_error"].isna().tolist() == [True, True, True, False]
    assert floats["number_error"].iloc[3] == NUM_BAD_FORMAT
    ints = parse_number_series(["2", "2.5", "0.5"], 0, 10, True)
    assert str(ints["value"].dtype) == "Int64"
    assert ints["value"].tolist()[0] == 2
    assert ints["number_error"].tolist()[1:] == [NOT_INTEGER, NOT_INTEGER]
    defaults = parse_number_series(["0.5", "-0.5"])
    assert defaults["value"].tolist()[0] == 0.5
    assert defaults["number_error"].tolist()[1] == NUM_BAD_FORMAT
