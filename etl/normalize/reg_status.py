"""登记状态 (registration status) of an enterprise as 企查查, 天眼查 and 市场监管 exports write it.

Canonical values: 存续 (in business: 在业, 开业, 在营, 正常, 登记成立, 存续（在营、开业、在册）…), 迁出 (moved
out of the registering authority's area), 停业, 清算, 吊销 (licence revoked: 吊销未注销 …) and 注销
(deregistered, 已注销 …). Anything else is a field warning (the row is kept, the field empty).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, is_missing, map_unique, take_column

UNKNOWN = "无法识别登记状态"
STATUSES = ("存续", "迁出", "停业", "清算", "吊销", "注销")
GONE = ("吊销", "注销")  # no longer a firm in business
# Checked in this order: 吊销未注销 is 吊销, 注销 after 吊销; 迁出 before 存续.
_PATTERNS = (
    ("吊销", re.compile(r"吊销|revoked", re.IGNORECASE)),
    ("注销", re.compile(r"注销|deregistered|cancell?ed", re.IGNORECASE)),
    ("迁出", re.compile(r"迁出|迁往|moved", re.IGNORECASE)),
    ("清算", re.compile(r"清算|liquidat", re.IGNORECASE)),
    ("停业", re.compile(r"停业|歇业|suspend", re.IGNORECASE)),
    ("存续", re.compile(r"存续|在业|开业|在营|在册|正常|营业|登记成立|active|in business|operating",
                      re.IGNORECASE)),
)
MAX_LEN = 30


def parse_reg_status(text: Any) -> tuple[str | None, str | None]:
    """(status, None), (None, None) when empty, or (None, reason)."""
    if is_missing(text):
        return None, None
    t = clean(str(text))
    if t is None or t in ("-", "--", "—"):
        return None, None
    if len(t) > MAX_LEN:
        return None, UNKNOWN
    for status, pattern in _PATTERNS:
        if pattern.search(t):
            return status, None
    return None, UNKNOWN


def parse_reg_status_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_reg_status over distinct values: value, error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_reg_status)
    return pd.DataFrame({"value": take_column([v for v, _ in results], codes),
                         "error": take_column([r for _, r in results], codes)}, index=s.index)
