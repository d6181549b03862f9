"""Small pieces every page uses: the data freshness line, KPI cards, number formats."""

from __future__ import annotations

import html
import re

import pandas as pd
import streamlit as st

from analytics import disclosure, metrics
from views import state
from views.i18n import t


def freshness_line(ver: str) -> None:
    """Last load time and sources, on every page."""
    fr = state.reference(ver)["freshness"]
    last = fr.get("last_load")
    when = pd.Timestamp(last).strftime("%Y-%m-%d %H:%M") if last is not None and \
        not pd.isna(last) else t("unknown")
    st.caption(f"{t('freshness')}: {when} · {t('sources')}: {html.escape(str(fr.get('sources') or '—'))}"
               f" · 版本 {html.escape(str(fr.get('version') or '—'))}")


def breadcrumb(ver: str, region: str, key: str) -> None:
    """The way from 全国 down to the region in full names, each step a link back up (wraps
    when the line is full); nothing at 全国."""
    crumbs = state.breadcrumb(ver, region)
    if len(crumbs) < 2:
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=key):
        st.caption(f"{t('trail')}:", width="content")
        for i, (code, name) in enumerate(crumbs):
            if i:
                st.caption("›", width="content")
            st.button(name, key=f"{key}_{code}", type="tertiary", on_click=_go, args=(code,),
                      disabled=i == len(crumbs) - 1, width="content")


def _go(code: str) -> None:
    state.set_filters(state.filters().with_(region=code))


def fmt_count(v, k: int | None = None) -> str:
    """A count as text; below k (small-cell suppression) shown as '<k'."""
    return disclosure.fmt_count(v, k, unknown=t("unknown"))


def fmt_ratio(v, digits: int = 2) -> str:
    return t("unknown") if v is None or pd.isna(v) else f"{v:.{digits}f}"


def fmt_pct(v) -> str:
    return t("unknown") if v is None or pd.isna(v) else f"{v * 100:+.1f}%"


def delta(now, prev, signed: bool = False) -> str | None:
    """Change against the previous year, as text for st.metric ('0.0%' when none shows);
    ``signed`` (a net flow, which may change sign): the difference in people, not a %."""
    if now is None or prev is None or pd.isna(now) or pd.isna(prev):
        return None
    if prev == 0 or signed:
        return f"{now - prev:+,.0f}" if now != prev else "0"
    text = f"{(now - prev) / abs(prev) * 100:+.1f}%"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def is_flat(change: str | None) -> bool:
    """A change that reads as none (or is unknown): no arrow, no colour."""
    return change is None or change in ("0", "0.0%")


def kpi_help(key: str, small_k: int | None) -> str:
    """A card's tooltip: the metric's definition (analytics/metrics.py, docs/metrics.md) and,
    for counts of people, the small-count rule."""
    m = metrics.get(key)
    text = m.definition
    if small_k and (m.counts_people or m.derived_from):
        text += f" 人数少于 {small_k} 时显示为 <{small_k}, 由其推算的数字显示为 保密。"
    return text + " 变化为与上一年相比。"


def kpi_cards(k: dict, small_k: int | None) -> None:
    """Six KPI cards under disclosure control: withheld figures read '<k' / '保密', and a change
    is shown only when neither year's figure is withheld; no change: no arrow, grey."""
    now, why_now = disclosure.record(k["now"], small_k, disclosure.KPIS)
    prev, why_prev = disclosure.record(k["prev"], small_k, disclosure.KPIS)
    cols = st.columns(6)
    cards = (("talents", fmt_count), ("high_level", fmt_count), ("enterprises", fmt_count),
             ("postings", fmt_count), ("sd_ratio", fmt_ratio), ("net_inflow", fmt_signed))
    for col, (key, fmt) in zip(cols, cards, strict=True):
        shown = (disclosure.label_for(why_now[key], small_k) if key in why_now
                 else fmt(now[key]))
        change = None if key in why_now or key in why_prev else \
            delta(now[key], prev[key], signed=key == "net_inflow")
        flat = is_flat(change)
        col.metric(t(key), shown, change, border=True, help=kpi_help(key, small_k),
                   height="stretch",
                   delta_color="off" if flat else "normal",
                   delta_arrow="off" if flat else "auto")


def trend_chart(df: pd.DataFrame, k: int | None, *, key: str, page: str, title: str = "",
                caption: str = "", filters_text: str | None = None) -> None:
    """The trend panels of ``analytics.trends`` under the small-count rules, with an export
    popover (its data: the figures as shown)."""
    from analytics import trends
    from figures import trends as trend_figs
    from views import exporting

    ctl = trends.controlled(df, k)
    exporting.chart(trend_figs.trend_figure(ctl, unknown=t("unknown")), key=key,
                    title=title or t("trends"), data=trend_figs.trend_table(ctl,
                                                                            unknown=t("unknown")),
                    page=page, filters_text=filters_text, config={"displaylogo": False})
    if caption:
        st.caption(caption + (f" {t('trends_small').format(k=k)}" if k else ""))


def fmt_signed(v, k: int | None = None) -> str:
    """A signed people count (net inflow); |v| below k shown as '<k'."""
    return disclosure.fmt_signed(v, k, unknown=t("unknown"))


def download_buttons(df: pd.DataFrame, header_lines: list[str], stem: str, key: str,
                     filters: dict | None = None) -> None:
    """CSV (UTF-8 with BOM) and XLSX downloads with the filters in their header rows; each
    click is recorded in the audit log."""
    from exports.tables import csv_bytes, xlsx_bytes
    from views import auth

    left, right = st.columns(2)
    for col, ext, data, mime in (
            (left, "csv", lambda: csv_bytes(df, header_lines), "text/csv"),
            (right, "xlsx", lambda: xlsx_bytes(df, header_lines),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        name = f"{stem}.{ext}"
        col.download_button(f"下载 {ext.upper()}", data(), file_name=name, mime=mime,
                            key=f"{key}_{ext}", on_click=auth.audit,
                            args=("export", name), kwargs={"filters": filters},
                            width="stretch")


def region_outline(parent: str):
    """The child regions of ``parent`` drawn grey for orientation (no values, no hover)."""
    import plotly.graph_objects as go

    import settings

    geo = state.geojson(parent)
    inline = settings.get("geojson_mode") == "inline"
    ids = [str(feat["id"]) for feat in geo.get("features", [])]
    return go.Choroplethmap(
        geojson=geo if inline else state.geojson_url(parent), locations=ids, featureidkey="id",
        z=[0] * len(ids), colorscale=[[0, "#eceff3"], [1, "#eceff3"]], showscale=False,
        marker={"line": {"width": 0.6, "color": "#ffffff"}}, hoverinfo="skip")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md(text) -> str:
    """Data text made inert in markdown: special characters escaped, URLs not autolinked."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("://", ":\u200b//")
