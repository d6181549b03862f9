"""Parse Chinese job-board salary strings ('15-25K·14薪', '20-40万/年') into monthly yuan."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

BAD_FORMAT = "无法解析薪资"
OUT_OF_RANGE = "薪资超出合理范围"

MAX_MONTHLY = 1_000_000
# Below this a "monthly" figure is almost surely a unit-less '15-25' meant as K; flag, don't guess.
MIN_MONTHLY = 100
WORK_DAYS_PER_MONTH = 21.75  # statutory average used by Chinese payroll
HOURS_PER_DAY = 8
MAX_LEN = 100  # real salary strings are short; skip regex work on pasted essays

_UNIT = {
    "": 1,
    "元": 1,
    "k": 1000,
    "千": 1000,
    "千元": 1000,
    "w": 10000,
    "万": 10000,
    "万元": 10000,
}
_PER = {
    "月": 1.0, "个月": 1.0, "month": 1.0, "mon": 1.0,
    "年": 1 / 12, "year": 1 / 12, "yr": 1 / 12,
    "天": WORK_DAYS_PER_MONTH, "日": WORK_DAYS_PER_MONTH, "day": WORK_DAYS_PER_MONTH,
    "时": WORK_DAYS_PER_MONTH * HOURS_PER_DAY, "小时": WORK_DAYS_PER_MONTH * HOURS_PER_DAY,
    "hour": WORK_DAYS_PER_MONTH * HOURS_PER_DAY, "hr": WORK_DAYS_PER_MONTH * HOURS_PER_DAY,
    "h": WORK_DAYS_PER_MONTH * HOURS_PER_DAY,
    "周": 52 / 12, "week": 52 / 12,
}  # fmt: skip
_PREFIX_PER = {"月薪": "月", "年薪": "年", "日薪": "天", "时薪": "时"}

_NOISE_RE = re.compile(r"¥|rmb|cny|人民币|\s")
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_PREFIX_RE = re.compile(r"^(月薪|年薪|日薪|时薪|薪资|薪酬|工资|底薪|待遇):?")
_MONTHS_RE = re.compile(r"[·・•*x×,/]?(\d{1,2})薪")
_UNIT_PAT = r"k|千元|千|w|万元|万|元"
_BOUND_PAT = r"以上|起|\+|以下|以内"
_SALARY_RE = re.compile(
    rf"^(?P<neg>-)?(?P<a>\d+(?:\.\d+)?)(?P<ua>{_UNIT_PAT})?"
    rf"(?:(?:-|~|至|到|—|–|〜)(?P<b>\d+(?:\.\d+)?)(?P<ub>{_UNIT_PAT})?)?"
    rf"(?P<bound>{_BOUND_PAT})?"
    r"(?:(?:/|每|per)?(?P<per>个月|月|month|mon|年|year|yr|天|日|day|小时|时|hour|hr|h|周|week))?"
    rf"(?P<bound2>{_BOUND_PAT})?$"
)


@dataclass(frozen=True, slots=True)
class Salary:
    """Monthly yuan range; all None with reason None means negotiable (面议)."""

    min_yuan: int | None
    max_yuan: int | None
    months: int | None
    reason: str | None = None


_BAD = Salary(None, None, None, BAD_FORMAT)
_RANGE = Salary(None, None, None, OUT_OF_RANGE)
_EMPTY = Salary(None, None, None, None)


def _round(x: float | None) -> int | None:
    """Round half up (Python's round() is banker's rounding)."""
    return None if x is None else int(math.floor(x + 0.5))


def _normalise(text: Any) -> str | None:
    """Clean, lower-case and strip currency noise and thousands separators."""
    t = clean(text)
    if t is None:
        return None
    return _THOUSANDS_RE.sub("", _NOISE_RE.sub("", t.lower()))


def parse_salary(text: Any) -> Salary:
    """Parse one salary string into monthly yuan; never raises."""
    t = _normalise(text)
    if not t:
        return _EMPTY
    if "面议" in t or "面谈" in t or t == "negotiable":
        return _EMPTY
    if len(t) > MAX_LEN:
        return _BAD
    prefix = _PREFIX_RE.match(t)
    if prefix:
        t = t[prefix.end() :]
    months = 12
    m = _MONTHS_RE.search(t)
    if m:
        months = int(m.group(1))
        t = t[: m.start()] + t[m.end() :]
    m = _SALARY_RE.match(t)
    if not m:
        return _BAD
    if m["neg"] or not 1 <= months <= 24:
        return _RANGE
    return _scale(m, months, _PREFIX_PER.get(prefix.group(1)) if prefix else None)


def _scale(m: re.Match[str], months: int, default_per: str | None) -> Salary:
    """Turn a matched salary into monthly yuan with range checks."""
    ua, ub = m["ua"] or m["ub"] or "", m["ub"] or m["ua"] or ""
    factor = _PER[m["per"] or default_per or "月"]
    a = float(m["a"]) * _UNIT[ua] * factor
    b = float(m["b"]) * _UNIT[ub] * factor if m["b"] else None
    bound = m["bound"] or m["bound2"]
    if b is None:
        lo, hi = a, a
        if bound in ("以上", "起", "+"):
            hi = None
        elif bound in ("以下", "以内"):
            lo = None
    else:
        lo, hi = min(a, b), max(a, b)
    present = [v for v in (lo, hi) if v is not None]
    if any(v > MAX_MONTHLY or v < MIN_MONTHLY for v in present):
        return _RANGE
    return Salary(_round(lo), _round(hi), months)


def parse_salary_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_salary over distinct values: salary_min/max/months (Int64), salary_error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_salary)
    return pd.DataFrame(
        {
            "salary_min": take_column([r.min_yuan for r in results], codes, "Int64"),
            "salary_max": take_column([r.max_yuan for r in results], codes, "Int64"),
            "salary_months": take_column([r.months for r in results], codes, "Int64"),
            "salary_error": take_column([r.reason for r in results], codes),
        },
        index=s.index,
    )
