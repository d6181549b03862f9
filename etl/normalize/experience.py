"""Parse years of work experience ('3-5年', '应届', '一年', 5.5)."""

from __future__ import annotations

import numbers
import re
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, is_missing, map_unique, take_column, to_float

BAD_FORMAT = "无法解析工作年限"
NEGATIVE = "工作年限为负"
OUT_OF_RANGE = "工作年限超出合理范围"

MAX_YEARS = 60
MAX_LEN = 50

YearsRange = tuple[float | None, float | None, str | None]

_ZERO = {
    "应届", "应届生", "应届毕业生", "在校", "在校生", "学生", "实习", "实习生", "无经验", "经验不限",
    "不限", "无", "无要求", "无需经验", "无工作经验", "无经验要求", "经验无要求", "fresh", "graduate",
    "none", "no experience",
}  # fmt: skip
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_NUM = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十]{1,3}|半"
_PREFIX_RE = re.compile(r"^(?:工作经验|工作年限|相关经验|经验|工龄|年限|要求)+:?")
_SUFFIX_RE = re.compile(r"(?:工作经验|相关经验|经验|工作|左右)+$")
_YEARS_RE = re.compile(
    rf"^(?P<neg>-)?(?P<a>{_NUM})(?P<ua>年|个月|月)?"
    rf"(?:(?:-|~|至|到|—|–|〜)(?P<b>{_NUM}))?"
    r"(?P<unit>个?月|年|years?|yrs?|y)?(?P<bound>及以上|或以上|以上|以下|以内|多|\+)?$"
)


def _cn_number(token: str) -> float | None:
    """Arabic or small Chinese numeral ('十五', '二十', '半') as float."""
    if token[0].isdigit():
        return float(token)
    if token == "半":
        return 0.5
    if "十" not in token:
        return float(_CN_DIGITS[token]) if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    if "十" in ones or (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return float(_CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0))


def _check(lo: float | None, hi: float | None) -> YearsRange:
    """Range checks shared by numeric and text input."""
    values = [v for v in (lo, hi) if v is not None]
    if any(v < 0 for v in values):
        return None, None, NEGATIVE
    if any(v > MAX_YEARS for v in values):
        return None, None, OUT_OF_RANGE
    return lo, hi, None


def parse_years_range(text: Any) -> YearsRange:
    """Parse to (min, max, reason); max is None for open-ended ('5年以上')."""
    if isinstance(text, bool):
        return None, None, BAD_FORMAT
    if is_missing(text):
        return None, None, None
    if isinstance(text, numbers.Real):
        v = to_float(text)
        return (None, None, BAD_FORMAT) if v is None else _check(v, v)
    t = clean(text)
    if t is None:
        return None, None, None
    t = t.lower()
    if len(t) > MAX_LEN:
        return None, None, BAD_FORMAT
    if t in _ZERO:  # before space removal: 'no experience'
        return 0.0, 0.0, None
    t = _SUFFIX_RE.sub("", _PREFIX_RE.sub("", t.replace(" ", "")))
    if t in _ZERO:
        return 0.0, 0.0, None
    return _match(t)


def _match(t: str) -> YearsRange:
    """Regex part of parse_years_range on a cleaned, lower-cased string."""
    m = _YEARS_RE.match(t)
    if not m:
        return None, None, BAD_FORMAT
    a = _cn_number(m["a"])
    b = _cn_number(m["b"]) if m["b"] else None
    if a is None or (m["b"] and b is None):
        return None, None, BAD_FORMAT
    if "月" in (m["unit"] or m["ua"] or ""):  # months: '6个月' is half a year
        a, b = a / 12, None if b is None else b / 12
    sign = -1 if m["neg"] else 1
    lo, hi = (sign * a, sign * a) if b is None else sorted((sign * a, b))
    if m["bound"] in ("以下", "以内"):
        lo, hi = 0.0, hi
    elif m["bound"] and b is None:
        hi = None
    return _check(lo, hi)


def parse_years(text: Any) -> tuple[float | None, str | None]:
    """Years of experience as its lower bound ('3-5年' -> 3.0); never raises."""
    lo, _, reason = parse_years_range(text)
    return lo, reason


def parse_years_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_years over distinct values: years (Float64), years_error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_years)
    return pd.DataFrame(
        {
            "years": take_column([y for y, _ in results], codes, "Float64"),
            "years_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
