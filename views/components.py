"""Small pieces every page uses: the data freshness line, KPI cards, number formats."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from views import state
from views.i18n import t


def freshness_line(ver: str) -> None:
    """Last load time and sources, on every page."""
    fr = state.reference(ver)["freshness"]
    last = fr.get("last_load")
    when = pd.Timestamp(last).strftime("%Y-%m-%d %H:%M") if last is not None and \
        not pd.isna(last) else t("unknown")
    st.caption(f"{t('freshness')}: {when} · {t('sources')}: {html.escape(str(fr.get('sources') or '—'))}"
               f" · 版本 {html.escape(str(fr.get('version')))}")


def fmt_count(v, k: int | None = None) -> str:
    """A count as text; below k (small-cell suppression) shown as '<k'."""
    if v is None or pd.isna(v):
        return t("unknown")
    if k and 0 < v < k:
        return f"<{k}"
    return f"{int(round(v)):,}"


def fmt_ratio(v, digits: int = 2) -> str:
    return t("unknown") if v is None or pd.isna(v) else f"{v:.{digits}f}"


def fmt_pct(v) -> str:
    return t("unknown") if v is None or pd.isna(v) else f"{v * 100:+.1f}%"


def delta(now, prev) -> str | None:
    """Change against the previous year, as text for st.metric."""
    if now is None or prev is None or pd.isna(now) or pd.isna(prev):
        return None
    if prev == 0:
        return f"{now - prev:+,.0f}"
    return f"{(now - prev) / abs(prev) * 100:+.1f}%"


def kpi_cards(k: dict, small_k: int) -> None:
    now, prev = k["now"], k["prev"]
    cols = st.columns(6)
    counts = ("talents", "high_level", "enterprises", "postings")
    for col, key in zip(cols, counts, strict=False):
        col.metric(t(key), fmt_count(now[key], small_k if key in ("talents", "high_level") else None),
                   delta(now[key], prev[key]), border=True)
    cols[4].metric(t("sd_ratio"), fmt_ratio(now["sd_ratio"]),
                   delta(now["sd_ratio"], prev["sd_ratio"]), border=True)
    cols[5].metric(t("net_inflow"), fmt_count(now["net_inflow"]) if now["net_inflow"] is not None
                   else t("unknown"), delta(now["net_inflow"], prev["net_inflow"]), border=True)
