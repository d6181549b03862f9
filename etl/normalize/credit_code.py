"""统一社会信用代码 (unified social credit code) validation per GB 32100-2015."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
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
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except Exception:  # unhashable cells: row by row (map_unique's careful way)
        results, codes = map_unique(s, check_credit_code)
    else:
        results = check_credit_codes(list(uniques)) + [check_credit_code(None)]
        codes = np.asarray(codes)
    return pd.DataFrame(
        {
            "credit_code": take_column([c for c, _ in results], codes),
            "credit_code_error": take_column([r for _, r in results], codes),
        },
        index=s.index,
    )


# A cell already written as 18 upper-case ASCII letters and digits is what clean() and the
# space/hyphen/case folding leave unchanged: its characters and check digit are tested in numpy.
_PLAIN = re.compile(r"[0-9A-Z]{18}")
_LUT = np.full(256, -1, dtype=np.int64)
_LUT[np.frombuffer(CHARSET.encode("ascii"), dtype=np.uint8)] = np.arange(len(CHARSET))
_CHECK_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)


def check_credit_codes(values: list) -> list[tuple[str | None, str | None]]:
    """check_credit_code of each value, the plain ones (18 upper-case ASCII letters and digits,
    most of a registry export) at once in numpy; exactly the same results."""
    out: list = [None] * len(values)
    plain = []
    for i, v in enumerate(values):
        if type(v) is str and len(v) == 18 and _PLAIN.fullmatch(v):
            plain.append(i)
        else:
            out[i] = check_credit_code(v)
    if plain:
        body = "".join(values[i] for i in plain).encode("ascii")
        idx = _LUT[np.frombuffer(body, dtype=np.uint8).reshape(len(plain), 18)]
        bad_chars = (idx < 0).any(axis=1)
        check = (31 - (idx[:, :17] @ _CHECK_WEIGHTS) % 31) % 31
        good = ~bad_chars & (check == idx[:, 17])
        for i, bad, ok in zip(plain, bad_chars.tolist(), good.tolist(), strict=True):
            out[i] = (values[i], None) if ok else (None, BAD_CHARS if bad else BAD_CHECK)
    return out
