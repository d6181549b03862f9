"""Valid, unique 统一社会信用代码 (GB 32100-2015), vectorised.

The charset and check weights come from etl/normalize/credit_code.py, the ETL's validator, so
generator and validator cannot drift apart; the GB 11714 organisation-code weights are only
needed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.normalize.credit_code import CHARSET, WEIGHTS

_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714 organisation code


def _org_value(idx: np.ndarray) -> np.ndarray:
    """GB 11714 value of a charset index: digits as is, letters A=10 … Z=35."""
    chars = np.array([ord(c) for c in CHARSET])[idx]
    return np.where(chars < 65, chars - 48, chars - 55)


def credit_codes(rng: np.random.Generator, adcodes: np.ndarray) -> np.ndarray:
    """Unique, valid 18-character codes: '91' + adcode + organisation code + check."""
    n = len(adcodes)
    idx = np.zeros((n, 18), dtype=np.int64)
    idx[:, 0], idx[:, 1] = 9, 1
    idx[:, 2:8] = np.array([list(a) for a in adcodes], dtype=np.int64) if n else 0
    idx[:, 8:16] = _org_bodies(rng, n)
    while True:
        org = 11 - (_org_value(idx[:, 8:16]) * _ORG_WEIGHTS).sum(axis=1) % 11
        idx[:, 16] = np.where(org == 10, CHARSET.index("X"), org % 11)
        idx[:, 17] = (31 - (idx[:, :17] * np.array(WEIGHTS)).sum(axis=1) % 31) % 31
        codes = np.array(list(CHARSET))[idx].view("<U18").ravel().astype(object)
        dup = pd.Series(codes).duplicated().to_numpy()
        if not dup.any():
            return codes
        idx[dup, 8:16] = _org_bodies(rng, int(dup.sum()))


def _org_bodies(rng: np.random.Generator, n: int) -> np.ndarray:
    """8-char organisation-code bodies: old all-digit ones and post-2015 'MA…' ones."""
    body = rng.integers(0, 10, (n, 8))
    new = rng.random(n) < 0.6
    body[new, 0], body[new, 1] = CHARSET.index("M"), CHARSET.index("A")
    body[new, 2:] = rng.integers(0, 31, (int(new.sum()), 6))
    return body
