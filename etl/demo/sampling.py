"""Vectorised helpers shared by the generators: weights → probabilities, quotas, weighted draws,
dates and element-wise string building. Every draw comes from the caller's numpy Generator."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.demo.constants import YEARS


def normalized(weights) -> np.ndarray:
    """Weights → probabilities."""
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def top_k(rng: np.random.Generator, n: int, weights, k: int) -> np.ndarray:
    """n rows of k distinct indices drawn without replacement by weight (Gumbel top-k)."""
    keys = np.log(np.asarray(weights, float))[None, :] + rng.gumbel(size=(n, len(weights)))
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]


def choose_weighted(rng: np.random.Generator, weights, k: int) -> np.ndarray:
    """k distinct indices, chosen without replacement with probability rising with weight."""
    keys = np.log(np.maximum(np.asarray(weights, float), 1e-12)) + rng.gumbel(size=len(weights))
    return np.argsort(-keys, kind="stable")[:k]


def quota(p: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to total, proportional to p (largest remainder)."""
    raw = normalized(p) * total
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def pick_rows(rng: np.random.Generator, members: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted key a random row whose key is that value (-1 when there is none)."""
    order = np.argsort(members, kind="stable")
    keys = members[order]
    left = np.searchsorted(keys, wanted, "left")
    size = np.searchsorted(keys, wanted, "right") - left
    at = left + np.floor(rng.random(len(wanted)) * size).astype(int)
    return np.where(size > 0, order[np.minimum(at, max(len(order) - 1, 0))], -1)


def concat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = out + (np.asarray(p, dtype=object) if not isinstance(p, str) else p)
    return out


def join_first(cols: np.ndarray, count: np.ndarray, sep) -> np.ndarray:
    """Join the first count[i] strings of row i of an object matrix with sep (array or str)."""
    out = cols[:, 0].copy()
    for j in range(1, cols.shape[1]):
        out = np.where(count > j, concat(out, sep, cols[:, j]), out)
    return out


def random_dates(rng: np.random.Generator, n: int, year_w, start=YEARS[0]) -> np.ndarray:
    """Dates (datetime64[D]) with years drawn by weight and a uniform day inside the year."""
    years = start + rng.choice(len(year_w), n, p=normalized(year_w))
    first = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = np.where((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)), 366, 365)
    return first + np.floor(rng.random(n) * length).astype("timedelta64[D]")


def iso_dates(d: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYY-MM-DD' strings (object)."""
    return np.datetime_as_string(d, unit="D").astype(object)


def ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day integer arrays of datetime64[D] values."""
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    return y, m, day


def int_text(a: np.ndarray) -> np.ndarray:
    """Integers → decimal strings (object)."""
    return np.asarray(a).astype(np.int64).astype(str).astype(object)


def one_decimal(x: np.ndarray) -> np.ndarray:
    """One decimal without a trailing '.0' (1.5, 3, 12000)."""
    text = pd.Series(np.round(np.asarray(x, float), 1)).map(lambda v: f"{v:.1f}")
    return text.str.removesuffix(".0").to_numpy(dtype=object)
