"""Parse the date and year spellings found in HR exports and statistical tables."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

from etl.normalize.text import as_series, clean, is_missing, map_unique, take_column, to_float

BAD_FORMAT = "无法解析日期"
INVALID = "日期无效"
BAD_YEAR = "无法解析年份"
INVALID_YEAR = "年份无效"

MIN_YEAR, MAX_YEAR = 1900, 2100
EXCEL_MIN, EXCEL_MAX = 20000, 80000  # serials 1954..2119: plausible dates, not plausible counts
# 1899-12-30 rather than 12-31 absorbs Excel's fake 1900-02-29 for every serial > 60.
EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_LEN = 64

DateResult = tuple[dt.date | None, str | None]

_TIME_RE = re.compile(
    r"(?:[ t]|(?<=[日号]))\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?\s?(?:z|[+-]\d{2}:?\d{2})?$", re.I
)
_YMD_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")
_CN_RE = re.compile(r"^(\d{4}) ?年 ?(\d{1,2}) ?月(?: ?(\d{1,2}) ?[日号]?)?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_RE = re.compile(r"^(\d{4}) ?年?$")
_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)?$")
_YEAR_NUMBER_RE = re.compile(r"^(\d+)(?:\.0+)? ?年?$")


def _make(year: int, month: int = 1, day: int = 1) -> DateResult:
    """Build a date, rejecting impossible ones and years outside 1900-2100."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None, INVALID
    try:
        return dt.date(year, month, day), None
    except ValueError:
        return None, INVALID


def _from_number(value: float) -> DateResult:
    """Excel serial, bare year, or yyyymmdd given as a number."""
    if not math.isfinite(value):
        return None, BAD_FORMAT
    if EXCEL_MIN <= value <= EXCEL_MAX:
        return _make_excel(value)
    if not float(value).is_integer():
        return None, BAD_FORMAT
    n = int(value)
    if 1000 <= n <= 9999:
        return _make(n)
    if 10_000_000 <= n <= 99_999_999:
        return _make(n // 10000, n // 100 % 100, n % 100)
    return None, BAD_FORMAT


def _make_excel(serial: float) -> DateResult:
    """Excel 1900-system serial (fraction = time of day, dropped)."""
    day = EXCEL_EPOCH + dt.timedelta(days=int(math.floor(serial)))
    return _make(day.year, day.month, day.day)


def _from_text(text: str) -> DateResult:
    """Parse a cleaned string."""
    t = _TIME_RE.sub("", text).strip()
    for pattern in (_YMD_RE, _CN_RE, _COMPACT_RE):
        m = pattern.match(t)
        if m:
            return _make(int(m[1]), int(m[2]), int(m[3] or 1))
    m = _YEAR_RE.match(t)
    if m:
        return _make(int(m[1]))
    if _NUMBER_RE.match(t) and len(t) <= 20:
        return _from_number(float(t))
    return None, BAD_FORMAT


def parse_date(value: Any) -> DateResult:
    """Parse one date-like value into (date, None) or (None, reason); never raises."""
    if is_missing(value):
        return None, None
    if isinstance(value, dt.datetime):  # also pd.Timestamp; check before date (its parent)
        return _make(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _make(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, OverflowError):  # outside what pandas can represent
            return None, INVALID
        return _make(ts.year, ts.month, ts.day)
    if isinstance(value, bool):
        return None, BAD_FORMAT
    if isinstance(value, numbers.Real):
        number = to_float(value)
        return (None, BAD_FORMAT) if number is None else _from_number(number)
    text = clean(value)
    if text is None:
        return None, None
    if len(text) > MAX_LEN:
        return None, BAD_FORMAT
    return _from_text(text)


def parse_year(value: Any) -> tuple[int | None, str | None]:
    """Parse a year ('1985', '1985年', 1985.0, or any full date); never raises."""
    if isinstance(value, bool):
        return None, BAD_YEAR
    if is_missing(value):
        return None, None
    if not isinstance(value, dt.date | np.datetime64):
        text = clean(value)  # also turns 1985.0 into '1985'
        if text is None:
            return None, None
        m = _YEAR_NUMBER_RE.match(text) if len(text) <= MAX_LEN else None
        if m and len(m[1]) == 4:
            year = int(m[1])
            return (year, None) if MIN_YEAR <= year <= MAX_YEAR else (None, INVALID_YEAR)
    day, reason = parse_date(value)
    if day is not None:
        return day.year, None
    return None, BAD_YEAR if reason == BAD_FORMAT else reason


def parse_date_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_date over distinct values: date (datetime64[ms]), date_error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_date)
    days = np.array([np.datetime64(d, "D") if d else np.datetime64("NaT") for d, _ in results])
    return pd.DataFrame(
        {
            "date": days.astype("datetime64[ms]")[codes],
            "date_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )


def parse_year_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_year over distinct values: year (Int64), year_error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_year)
    return pd.DataFrame(
        {
            "year": take_column([y for y, _ in results], codes, "Int64"),
            "year_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
