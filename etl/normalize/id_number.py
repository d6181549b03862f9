"""居民身份证号码 (GB 11643-1999): checked, then only ever kept as a keyed hash.

A source that has the ID number (人社 lists, HR workbooks) gives the strongest link between records
of one person (etl/linkage.py): two records with one valid number are one person, two with
different valid numbers are not. The number itself never enters the warehouse: the transform
keeps ``pseudonym(key, "身份证", number)`` (etl.transform), the same for every source so the hash
matches across sources, and not reversible without the key.

Accepted: 18 characters (17 digits and a check digit 0–9 or X/x), spaces and hyphens ignored,
full-width digits folded; the old 15-digit form (before 1999: 6 region + YYMMDD + 3 sequence)
is widened to 18 with 19YY and its check digit, so both forms of one number hash the same.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
BAD_LENGTH = "身份证号应为18位(或旧式15位)"
BAD_CHARS = "身份证号含非法字符"
BAD_DATE = "身份证号中的出生日期无效"
BAD_CHECK = "身份证号校验位错误"
_NOISE = re.compile(r"[\s\-]+")
_FULL = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789xX")


def check_digit(body17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]


def check_id_number(text: str | None) -> tuple[str | None, str | None]:
    """(the 18-character number, None), or (None, reason); None, None for an empty value."""
    if text is None:
        return None, None
    s = _NOISE.sub("", str(text).translate(_FULL)).upper()
    if not s:
        return None, None
    if len(s) == 15 and s.isdigit():
        s = s[:6] + "19" + s[6:]
        s += check_digit(s)
    if len(s) != 18:
        return None, BAD_LENGTH
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        return None, BAD_CHARS
    try:
        born = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None, BAD_DATE
    if not 1900 <= born.year <= dt.date.today().year:
        return None, BAD_DATE
    if check_digit(s[:17]) != s[17]:
        return None, BAD_CHECK
    return s, None


def birth_month(number: str) -> str:
    """YYYY-MM of the birth date in a checked number."""
    return f"{number[6:10]}-{number[10:12]}"


def check_id_number_series(values: pd.Series) -> pd.DataFrame:
    """``id_number`` and ``id_number_error`` per value (each distinct value checked once)."""
    table = {v: check_id_number(v) for v in pd.unique(values.dropna())}
    got = values.map(table)
    return pd.DataFrame({
        "id_number": got.map(lambda t: t[0] if isinstance(t, tuple) else None).astype(object),
        "id_number_error": got.map(lambda t: t[1] if isinstance(t, tuple) else None).astype(object),
    }, index=values.index)
