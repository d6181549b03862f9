"""Tables of records as the pages show them: dates as dates (never 00:00:00), 是/否 for yes/no,
"—" for a missing value (never None, nan or Streamlit's English "empty"), and a Chinese sentence
instead of an empty table. Used by the 人才集群 and 人才档案 pages."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

EMPTY = "—"  # a missing value in tables and records (never "None", "nan" or "empty")


def cell_text(v):
    """A value as a table shows it: dates as YYYY-MM-DD (no 00:00:00), yes/no as 是/否, missing
    as EMPTY; numbers and text stay as they are."""
    if v is None or (not isinstance(v, (list, tuple, np.ndarray)) and pd.isna(v)):
        return EMPTY
    if isinstance(v, (bool, np.bool_)):
        return "是" if v else "否"
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(v).strftime("%Y-%m-%d")
    if isinstance(v, str) and not v.strip():
        return EMPTY
    return v


def display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for st.dataframe: date and yes/no columns as text, missing text as
    EMPTY. Number columns stay numbers (sortable); their gaps show as EMPTY through
    ``st.dataframe(placeholder=EMPTY)``."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            continue
        out[col] = s.astype(object).map(cell_text)
    return out


def table(df: pd.DataFrame | None, empty: str, **kwargs):
    """``st.dataframe`` of ``display_frame(df)`` (no index, EMPTY for gaps), or ``empty`` as a
    caption when there is no row (Streamlit's own empty table says 'empty' in English)."""
    if df is None or df.empty:
        st.caption(empty)
        return None
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(display_frame(df), placeholder=EMPTY, **kwargs)
