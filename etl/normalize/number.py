"""Plain numbers (注册资本, 参保人数, an indicator's value): a finite value, inside a sane range
for its column, and whole where the column counts things. Never raises.

Python's float() reads 'inf', 'nan' and '1e309' (→ inf) without complaint and a 5,000-digit
integer as inf; int() of such text raises ("Exceeds the limit (4300 digits)"). Neither must reach
the warehouse or crash a load: each comes back as a reason in words.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

BAD_FORMAT = "不是有效数字"
NOT_FINITE = "不是有限数值"
OUT_OF_RANGE = "超出合理范围"
NOT_INTEGER = "应为整数"

SHOWN_CHARS = 24  # a value quoted in a reason is cut to this many characters

# Finite decimal spellings only (ASCII digits, optional exponent); '1_000' or '0x10' are not.
_FINITE_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII | re.IGNORECASE)
_NON_FINITE_RE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)", re.IGNORECASE)

NumberResult = tuple[float | None, str | None]


def _bound(x: float) -> str:
    """A bound as people write it: 10,000,000 rather than 1e+07."""
    return f"{int(x):,}" if float(x).is_integer() and abs(x) < 1e18 else f"{x:g}"


def range_reason(minimum: float, maximum: float) -> str:
    """'超出合理范围 (0–10,000,000)'."""
    return f"{OUT_OF_RANGE} ({_bound(minimum)}–{_bound(maximum)})"


def shown(text: str) -> str:
    """A raw value as quoted in a reason: a 5,000-digit cell is cut, with its length."""
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}… ({len(text):,} 字符)"


def parse_number(value: Any, minimum: float = 0.0, maximum: float = math.inf,
                 integer: bool = False) -> NumberResult:
    """Parse one number into (value, None), (None, None) when empty, or (None, reason).

    Thousands separators and a trailing 万 (the column's own unit) are dropped first. A value
    below 0 where 0 is the minimum is no valid number (a negative count); outside any other
    bound it is out of range. Reasons: 不是有效数字, 不是有限数值, 超出合理范围 (lo–hi), 应为整数.
    """
    text = clean(value)
    if text is None:
        return None, None
    text = text.replace(",", "").replace("万", "").strip()
    if _NON_FINITE_RE.fullmatch(text):
        return None, NOT_FINITE
    if not _FINITE_RE.fullmatch(text):
        return None, BAD_FORMAT
    number = float(text)  # never raises on this spelling; too many digits give ±inf
    if math.isinf(number):  # 1e309, or a 5,000-digit integer: no double holds it
        return None, range_reason(minimum, maximum)
    if number < minimum and minimum == 0:
        return None, BAD_FORMAT
    if not minimum <= number <= maximum:
        return None, range_reason(minimum, maximum)
    if integer and not number.is_integer():
        return None, NOT_INTEGER
    return number, None


def parse_number_series(s: Any, minimum: float = 0.0, maximum: float = math.inf,
                        integer: bool = False) -> pd.DataFrame:
    """Vectorised parse_number over distinct values: value (Int64 when ``integer``, else
    Float64), number_error."""
    s = as_series(s)
    results, codes = map_unique(s, lambda v: parse_number(v, minimum, maximum, integer))
    return pd.DataFrame(
        {
            "value": take_column([v for v, _ in results], codes, "Int64" if integer else "Float64"),
            "number_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
