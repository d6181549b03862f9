"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015."""

from __future__ import annotations

from typing import Any

import pandas as pd

from etl.normalize.text import as_series, clean, map_unique, take_column

MISSING = "缺少统一社会信用代码"
BAD_LENGTH = "长度应为18位"
BAD_CHARS = "含非法字符"
BAD_CHECK = "校验位错误"

# I, O, Z, S and V are left out of the standard to avoid confusion with 1, 0, 2, 5 and U.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_INDEX = {c: i for i, c in enumerate(CHARSET)}


def check_char(body17: str) -> str:
    """Check character for a 17-char body already known to use CHARSET."""
    total = sum(_INDEX[c] * w for c, w in zip(body17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def make_credit_code(body17: str) -> str:
    """Append the check character to a 17-char body (raises ValueError on a bad body)."""
    body = (clean(body17) or "").replace(" ", "").upper()
    # Deliberately strict: this builds codes for demo data, so a bad body is a programming error.
    if len(body) != 17 or any(c not in _INDEX for c in body):
        raise ValueError(f"body must be 17 chars from {CHARSET!r}: {body17!r}")
    return body + check_char(body)


def check_credit_code(text: Any) -> tuple[str | None, str | None]:
    """Validate one code: (normalised code, None) or (None, reason); never raises."""
    code = clean(text)
    if code is None:
        return None, MISSING
    code = code.replace(" ", "").replace("-", "").upper()
    if not code:
        return None, MISSING
    if len(code) != 18:
        return None, BAD_LENGTH
    if any(c not in _INDEX for c in code):
        return None, BAD_CHARS
    if check_char(code[:17]) != code[17]:
        return None, BAD_CHECK
    return code, None


def check_credit_code_series(s: Any) -> pd.DataFrame:
    """Vectorised check_credit_code over distinct values: credit_code, credit_code_error."""
    s = as_series(s)
    results, codes = map_unique(s, check_credit_code)
    return pd.DataFrame(
        {
            "credit_code": take_column([c for c, _ in results], codes),
            "credit_code_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )
