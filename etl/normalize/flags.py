"""Yes/no flags in Chinese and English (是/否, Y/N, √/×, 愿意/不愿意)."""

from __future__ import annotations

import numbers
from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, is_missing, map_unique, take_column

UNKNOWN = "无法识别是/否"

_TRUE = {
    "是",
    "有",
    "y",
    "yes",
    "true",
    "t",
    "1",
    "√",
    "✓",
    "✔",
    "☑",
    "愿意",
    "可以",
    "接受",
    "同意",
    "对",
}
_FALSE = {"否", "无", "没有", "n", "no", "false", "f", "0", "×", "✗", "✘", "☐", "不愿意", "不可以",
          "不接受", "不同意", "不是"}  # fmt: skip
MAX_LEN = 10


def parse_bool(text: Any) -> tuple[bool | None, str | None]:
    """Parse one yes/no value into (bool, None), (None, None) if empty, or (None, reason)."""
    if isinstance(text, bool):
        return text, None
    if is_missing(text):
        return None, None
    if isinstance(text, numbers.Real):
        # Only exact 1/0: 2 or 0.5 is more likely a misplaced column than a flag.
        return (bool(text), None) if text in (0, 1) else (None, UNKNOWN)
    t = clean(text)
    if t is None:
        return None, None
    t = t.lower().strip(" .。!！")
    if len(t) > MAX_LEN:
        return None, UNKNOWN
    if t in _TRUE:
        return True, None
    if t in _FALSE:
        return False, None
    return None, UNKNOWN


def parse_bool_series(s: Any) -> pd.DataFrame:
    """Vectorised parse_bool over distinct values: value (boolean), error."""
    s = as_series(s)
    results, codes = map_unique(s, parse_bool)
    return pd.DataFrame(
        {
            "value": take_column([v for v, _ in results], codes, "boolean"),
            "error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
