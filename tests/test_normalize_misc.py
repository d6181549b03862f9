"""Table-driven tests for the small normalizers: text, education, experience, skills, flags."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.normalize import credit_code, dates, education, experience, flags, salary, skills, text
from etl.normalize.education import (
    EDUCATION_LEVELS,
    EDUCATION_RANK,
    UNKNOWN,
    education_rank,
    parse_education,
    parse_education_series,
)
from etl.normalize.experience import (
    BAD_FORMAT,
    NEGATIVE,
    OUT_OF_RANGE,
    parse_years,
    parse_years_range,
    parse_years_series,
)
from etl.normalize.flags import parse_bool, parse_bool_series
from etl.normalize.skills import MAX_SKILL_LEN, MAX_SKILLS, split_skills, split_skills_series
from etl.normalize.text import clean, is_missing, to_simplified

NASTY = [
    None, float("nan"), np.nan, pd.NA, pd.NaT, "", " ", "\u3000", "\x00", "x" * 100_000,
    "1" * 100_000, "-" * 100_000, "<script>alert(1)</script>", "=HYPERLINK(1)", "１５Ｋ", 12345,
    -1, 0, 1e308, float("inf"), -math.inf, True, b"bytes", b"\xff\xfe", bytearray(b"yes"),
    [1, 2], {"a": 1}, object(), "\ud800", "🙂" * 1000, "本科、" * 10_000, Decimal("NaN"), Decimal("sNaN"), 10**400, -(10**5000),
    Decimal("1.5"), np.int64(5), np.float64("nan"), "9" * 400, "1e400", "一" * 1000,
]  # fmt: skip
IDS = list(range(len(NASTY)))


# --- text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("１５Ｋ", "15K"),
        ("ＡＢＣ１２３", "ABC123"),
        ("\u3000 北京 \u3000", "北京"),
        ("a \t\n  b", "a b"),
        ("a\u3000\u3000b", "a b"),
        ("a\x00b", "ab"),
        ("\ufeffab\u200bc", "abc"),
        ("臺灣", "台湾"),
        ("廣東省深圳市", "广东省深圳市"),
        ("黑龍江", "黑龙江"),
        ("內蒙古", "内蒙古"),
        ("華為技術有限公司", "华为技术有限公司"),
        ("數據與雲計算", "数据与云计算"),
        (12345, "12345"),
        (8000.0, "8000"),
        (5.5, "5.5"),
        (b"abc", "abc"),
        (None, None),
        ("", None),
        ("  \u3000\x00 ", None),
        (float("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
    ],
)
def test_clean(value, expected):
    assert clean(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("臺北", "台北"),
        ("廈門", "厦门"),
        ("重慶", "重庆"),
        ("陝西", "陕西"),
        ("abc", "abc"),
        (None, None),
    ],
)
def test_to_simplified(value, expected):
    assert to_simplified(value) == expected


def test_t2s_table_is_sane():
    assert len(text.T2S) >= 80
    assert all(len(k) == 1 and len(v) == 1 and k != v for k, v in text.T2S.items())


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), (float("nan"), True), (pd.NA, True), (pd.NaT, True), (np.datetime64("NaT"), True),
     ("", False), ("nan", False), (0, False), ([None], False), (np.array([np.nan]), False)],
)  # fmt: skip
def test_is_missing(value, expected):
    assert is_missing(value) is expected


@pytest.mark.parametrize("value", NASTY, ids=IDS)
def test_text_never_raises(value):
    out = clean(value)
    assert out is None or (isinstance(out, str) and out == out.strip() and "\x00" not in out)
    assert to_simplified(value) is None or isinstance(to_simplified(value), str)


# --- education --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(w, "博士") for w in ["博士", "博士研究生", "PhD", "Ph.D.", "Doctor", "博士后"]],
        *[(w, "硕士") for w in ["硕士", "研究生", "硕士研究生", "MBA", "EMBA", "Master", "MSc"]],
        *[(w, "硕士") for w in ["Master's Degree", "硕士以上", "硕士及以上学历", "研究生及以上"]],
        *[(w, "本科") for w in ["本科", "学士", "大学本科", "Bachelor", "统招本科", "本科及以上"]],
        *[
            (w, "本科")
            for w in ["全日制本科及以上学历", "本科（统招）", " 本科 ", "ＢＡＣＨＥＬＯＲ"]
        ],
        *[(w, "专科") for w in ["大专", "专科", "高职", "大专及以上", "大专以上学历"]],
        *[(w, "其他") for w in ["高中", "中专", "中技", "初中及以下", "其他", "High School"]],
    ],
)
def test_parse_education(value, expected):
    assert parse_education(value) == (expected, None)


@pytest.mark.parametrize(
    "value", ["学历不限", "不限", "无学历要求", "", None, float("nan"), "\u3000"]
)
def test_education_no_requirement(value):
    assert parse_education(value) == (None, None)


@pytest.mark.parametrize("value", ["火星大学", "以上", "abc", "<script>", 12345, "x" * 100_000])
def test_education_unknown(value):
    assert parse_education(value) == (None, UNKNOWN)


def test_education_levels_and_rank():
    assert EDUCATION_LEVELS == ("博士", "硕士", "本科", "专科", "其他")
    assert [EDUCATION_RANK[level] for level in EDUCATION_LEVELS] == [1, 2, 3, 4, 5]
    assert (education_rank("硕士研究生"), education_rank("不限"), education_rank("?")) == (
        2,
        None,
        None,
    )


@pytest.mark.parametrize("value", NASTY, ids=IDS)
def test_education_never_raises(value):
    level, reason = parse_education(value)
    assert level in (None, *EDUCATION_LEVELS)
    assert reason in (None, UNKNOWN)


def test_parse_education_series():
    s = pd.Series(["本科", None, "PhD", "不限", "火星", "本科"], index=list("abcdef"))
    df = parse_education_series(s)
    assert list(df.index) == list("abcdef")
    assert list(df.columns) == ["education", "education_error"]
    assert df["education"].tolist()[:3:2] == ["本科", "博士"]
    assert df["education"].isna().tolist() == [False, True, False, True, True, False]
    assert df["education_error"].isna().tolist() == [True, True, True, True, False, True]


# --- experience -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5年", 5.0),
        ("5年以上", 5.0),
        ("5年及以上", 5.0),
        ("3-5年", 3.0),
        ("3年-5年", 3.0),
        ("3~5年", 3.0),
        ("5-3年", 3.0),
        ("10年以上", 10.0),
        ("10+", 10.0),
        ("应届", 0.0),
        ("应届生", 0.0),
        ("应届毕业生", 0.0),
        ("在校", 0.0),
        ("在校生", 0.0),
        ("无经验", 0.0),
        ("经验不限", 0.0),
        ("不限", 0.0),
        ("1年以下", 0.0),
        (5, 5.0),
        (5.5, 5.5),
        ("5.5", 5.5),
        ("５年", 5.0),
        ("一年", 1.0),
        ("两年", 2.0),
        ("三年以上", 3.0),
        ("十年", 10.0),
        ("十五年", 15.0),
        ("二十年以上", 20.0),
        ("半年", 0.5),
        ("6个月", 0.5),
        ("工作经验3-5年", 3.0),
        ("3年以上工作经验", 3.0),
        ("五年左右", 5.0),
        (0, 0.0),
        (60, 60.0),
    ],
)
def test_parse_years(value, expected):
    assert parse_years(value) == (expected, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3-5年", (3.0, 5.0, None)), ("5年以上", (5.0, None, None)), ("5年", (5.0, 5.0, None)),
     ("1年以下", (0.0, 1.0, None)), ("应届", (0.0, 0.0, None)), (None, (None, None, None))],
)  # fmt: skip
def test_parse_years_range(value, expected):
    assert parse_years_range(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (-1, NEGATIVE),
        (-0.5, NEGATIVE),
        ("-3年", NEGATIVE),
        ("-3-5年", NEGATIVE),
        (61, OUT_OF_RANGE),
        ("70年", OUT_OF_RANGE),
        ("3-70年", OUT_OF_RANGE),
        ("9" * 40, OUT_OF_RANGE),
        ("abc", BAD_FORMAT),
        ("一年半", BAD_FORMAT),
        ("三十十年", BAD_FORMAT),
        ("<script>", BAD_FORMAT),
        (True, BAD_FORMAT),
        (float("inf"), BAD_FORMAT),
        ("x" * 100_000, BAD_FORMAT),
    ],
)
def test_parse_years_errors(value, reason):
    assert parse_years(value) == (None, reason)


@pytest.mark.parametrize("value", [None, "", " ", float("nan"), pd.NA])
def test_parse_years_missing(value):
    assert parse_years(value) == (None, None)


@pytest.mark.parametrize("value", NASTY, ids=IDS)
def test_experience_never_raises(value):
    years, reason = parse_years(value)
    assert years is None or (isinstance(years, float) and 0 <= years <= 60)
    assert reason in (None, BAD_FORMAT, NEGATIVE, OUT_OF_RANGE)


def test_parse_years_series():
    df = parse_years_series(pd.Series(["3-5年", None, "应届", "abc", 5.5], index=[9, 8, 7, 6, 5]))
    assert list(df.index) == [9, 8, 7, 6, 5]
    assert str(df["years"].dtype) == "Float64"
    assert df["years"].tolist() == [3.0, pd.NA, 0.0, pd.NA, 5.5]
    assert df["years_error"].tolist()[3] == BAD_FORMAT


# --- skills -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Python、C/C++；TensorFlow", ["Python", "C/C++", "TensorFlow"]),
        ("python,Python,PYTHON", ["python"]),
        ("Java，java；JAVA|Go", ["Java", "Go"]),
        ("AR/VR/3D", ["AR/VR", "3D"]),
        ("VR/AR", ["VR/AR"]),
        ("tcp/ip、http", ["tcp/ip", "http"]),
        ("c/c++ / Java", ["c/c++", "Java"]),
        ("TCP/IPv6", ["TCP", "IPv6"]),
        ("ABC/C++", ["ABC", "C++"]),
        ("Go／Rust", ["Go", "Rust"]),
        ("深度学习 + 机器学习", ["深度学习", "机器学习"]),
        ("Spark|Hadoop\tHive\nFlink·Kafka", ["Spark", "Hadoop", "Hive", "Flink", "Kafka"]),
        ("Ｐｙｔｈｏｎ　ＳＱＬ", ["Python", "SQL"]),
        ("“Python”，'Go'", ["Python", "Go"]),
        (".NET, C#, Node.js", [".NET", "C#", "Node.js"]),
        ("  ,, ; ", []),
        (["Python", "C/C++、Go", None], ["Python", "C/C++", "Go"]),
        (None, []),
        ("", []),
        (float("nan"), []),
    ],
)
def test_split_skills(value, expected):
    assert split_skills(value) == expected


def test_split_skills_caps():
    assert split_skills("x" * 100_000) == ["x" * MAX_SKILL_LEN]
    many = split_skills(",".join(f"s{i}" for i in range(200)))
    assert many == [f"s{i}" for i in range(MAX_SKILLS)]


@pytest.mark.parametrize("value", NASTY, ids=IDS)
def test_skills_never_raises(value):
    out = split_skills(value)
    assert isinstance(out, list) and len(out) <= MAX_SKILLS
    assert all(isinstance(x, str) and 0 < len(x) <= MAX_SKILL_LEN for x in out)
    assert len({x.casefold() for x in out}) == len(out)


def test_split_skills_series():
    s = pd.Series(["Python、Go", None, "Python、Go"], index=[2, 1, 0])
    out = split_skills_series(s)
    assert isinstance(out, pd.Series) and list(out.index) == [2, 1, 0]
    assert out.tolist() == [["Python", "Go"], [], ["Python", "Go"]]


# --- flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[
            (v, True)
            for v in ["是", "有", "Y", "y", "yes", "YES", "true", "True", "1", "√", "愿意"]
        ],
        *[
            (v, False)
            for v in ["否", "无", "N", "n", "no", "No", "false", "FALSE", "0", "×", "不愿意"]
        ],
        *[(v, True) for v in [True, 1, 1.0, np.int64(1), np.True_, " 是 ", "ｙｅｓ"]],
        *[(v, False) for v in [False, 0, 0.0, np.int64(0), np.False_]],
    ],
)
def test_parse_bool(value, expected):
    assert parse_bool(value) == (expected, None)


@pytest.mark.parametrize("value", [None, "", " ", "\u3000", float("nan"), pd.NA])
def test_parse_bool_empty(value):
    assert parse_bool(value) == (None, None)


@pytest.mark.parametrize("value", ["也许", "maybe", "2", 2, 0.5, "是否", "<script>", "x" * 100_000])
def test_parse_bool_unknown(value):
    assert parse_bool(value) == (None, flags.UNKNOWN)


@pytest.mark.parametrize("value", NASTY, ids=IDS)
def test_flags_never_raises(value):
    result, reason = parse_bool(value)
    assert result in (None, True, False)
    assert reason in (None, flags.UNKNOWN)


def test_parse_bool_series():
    df = parse_bool_series(pd.Series(["是", None, "否", "也许"], index=list("abcd")))
    assert list(df.columns) == ["value", "error"] and list(df.index) == list("abcd")
    assert str(df["value"].dtype) == "boolean"
    assert df["value"].tolist() == [True, pd.NA, False, pd.NA]
    assert df["error"].isna().tolist() == [True, True, True, False]


# --- all modules: fuzzing and series plumbing --------------------------------------------

PARSERS = [
    text.clean,
    salary.parse_salary,
    dates.parse_date,
    dates.parse_year,
    credit_code.check_credit_code,
    education.parse_education,
    experience.parse_years,
    skills.split_skills,
    flags.parse_bool,
]
SERIES_HELPERS = [
    salary.parse_salary_series,
    dates.parse_date_series,
    dates.parse_year_series,
    credit_code.check_credit_code_series,
    education.parse_education_series,
    experience.parse_years_series,
    skills.split_skills_series,
    flags.parse_bool_series,
]


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(
            alphabet="0123456789-~/.:年月日号薪万千kKwW元以上以下及起+ ·、，十一两半个面议应届"
        ),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.binary(),
        st.booleans(),
        st.dates(),
        st.datetimes(),
        st.lists(st.text(), max_size=5),
        st.none(),
    )
)
def test_fuzz_never_raises(value):
    for parse in PARSERS:
        parse(value)


@pytest.mark.parametrize("helper", SERIES_HELPERS, ids=lambda f: f.__name__)
def test_series_helpers_handle_nasty_and_empty(helper):
    nasty = pd.Series(NASTY, dtype=object, index=range(100, 100 + len(NASTY)))
    assert list(helper(nasty).index) == list(nasty.index)
    assert len(helper(pd.Series([], dtype=object))) == 0
    assert len(helper(pd.Series(["a", "b", "a"], dtype="category"))) == 3
    assert len(helper(["a", None])) == 2  # plain list-likes get a RangeIndex
