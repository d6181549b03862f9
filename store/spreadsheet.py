"""The one rule that keeps text from running as a spreadsheet formula, for every file the product
writes (chart tables, shortlists, the quarantine export). It lives at the bottom layer so that
the ETL's own exports use it too (``exports.tables`` re-exports it).

A text cell starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe
(``=1+1科技有限公司`` → ``'=1+1科技有限公司``). A spreadsheet that splits a cell on another
separator when it opens the file (``;`` in many European locales, ``,`` ``|`` or a tab) would
make each part a cell of its own, so a part that would start a formula gets the apostrophe as
well (``x;=HYPERLINK(…)`` → ``x;'=HYPERLINK(…)``).
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A separator a spreadsheet may split on, optional spaces or quotes, then a formula start.
_SPLIT_FORMULA = re.compile(r"([;,|\t\r\n][\s\"']*)(?=[=+\-@])")


def neutralise(value):
    """A text cell that no spreadsheet runs as a formula, whole or split; other values as
    they are."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    return _SPLIT_FORMULA.sub(r"\1'", value)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Every text cell and column name neutralised; numbers, booleans and dates stay typed."""
    out = df.rename(columns=lambda c: neutralise(str(c)))
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        # (not Series.map: it would infer a numeric dtype again and write 1 as 1.0)
        out[col] = pd.Series([neutralise(v) for v in series], index=series.index, dtype=object)
    return out
