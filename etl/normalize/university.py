"""School names as one spelling: 哈工大 → 哈尔滨工业大学, 中国石油大学(华东) → 中国石油大学（华东）.

Real exports write a school by its common short name as often as by its full name; the talent map
counts schools and record linkage (etl/linkage.py) compares them, so both must see one spelling.
The aliases are data, ``data/university_aliases.csv`` (alias, university, note): an alias with an
empty university is ambiguous (交大, 海大, 东大 …) and is left as written, not guessed. Only the
whole cell is looked up (after dropping spaces and writing brackets full-width): a name that merely
contains an alias (北大荒职业学院) is not touched.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd

ALIASES_CSV = Path(__file__).resolve().parents[2] / "data" / "university_aliases.csv"
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACES.sub("", text).replace("(", "（").replace(")", "）")


@functools.cache
def aliases() -> dict[str, str]:
    """{written form (as _key): full name}; ambiguous aliases are not in it."""
    with ALIASES_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = {_key(r["alias"]): r["university"].strip() for r in rows if r["university"].strip()}
    for name in set(out.values()):
        out.setdefault(_key(name), name)
    return out


def canonical_university(text: str | None) -> str | None:
    """The full name of a school written by an alias; other text with spaces dropped and
    brackets full-width; None stays None, blank becomes None."""
    if text is None:
        return None
    key = _key(str(text))
    if not key:
        return None
    return aliases().get(key, key)


def canonical_university_series(values: pd.Series) -> pd.Series:
    """canonical_university of each value (computed once per distinct value)."""
    table = {v: canonical_university(v) for v in pd.unique(values.dropna())}
    return values.map(table).astype(object).where(values.notna(), None)
