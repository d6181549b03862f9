"""海外人才 (the overseas pool, for 海外引才): on 人才地图, talent living abroad by country and
chain node, how many would come back (愿意回国) and how many name the region in view as their
期望城市; on the 产业链 page's flows, moves across the border by country (回流 / 出境).

Counts of people follow the small-count rules of the role (``analytics.disclosure``).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import settings
from analytics import disclosure
from analytics import overseas as ov
from analytics.filters import COUNTRY, Filters
from figures import overseas as figs
from views import components, exporting, state
from views.i18n import t

COLUMNS = {"country": "国家/地区", "node": "产业链环节", "talents": "海外人才",
           "high_level": "高层次 (A–D)", "willing_to_relocate": "愿意回国",
           "expecting_here": "期望来本地"}


def pool_panel(ver: str, f: Filters, region_name: str, k: int | None) -> None:
    """The overseas pool beside the map: totals, countries, chain nodes."""
    st.subheader(t("ov_pool"))
    here = None if f.region == COUNTRY else region_name
    st.caption(t("ov_pool_help").format(here=html.escape(here or "国内")))
    view = pool_view(ver, f.with_(metric="talents"), k, here, state.lang())
    if view is None:
        st.info(t("ov_pool_empty"))
        return
    total, countries, nodes, country_table, node_table, figure = view
    cols = st.columns(4)
    expecting = f"期望来{here}" if here else "期望回国内"
    for col, (key, label) in zip(cols, (("talents", "海外人才"), ("high_level", "高层次 (A–D)"),
                                        ("willing_to_relocate", "愿意回国"),
                                        ("expecting_here", expecting)),
                                 strict=True):
        col.metric(label, components.fmt_count(total[key], k), border=True)
    left, right = st.columns([3, 2])
    with left:
        if figure is None:
            st.dataframe(country_table, hide_index=True, width="stretch")
        else:
            exporting.chart(figure, key="ov_pool_chart",
                            title=f"{t('ov_pool')} · 按国家", unit="人", page="talent_map",
                            data=country_table,
                            config={"displaylogo": False},
                            # beside the map, drawn as the map is (no plotly.js on the landing
                            # page with the SVG map)
                            renderer="svg" if settings.get("map_renderer") == "svg"
                            else "plotly_chart")
    with right:
        st.dataframe(node_table, hide_index=True, width="stretch", height=380)


@st.cache_resource(max_entries=256, show_spinner=False)  # shared, not copied: read only
def pool_view(ver: str, f: Filters, k: int | None, here: str | None, lang: str | None):
    """What the pool panel shows for these filters, role rule and language, made once for
    every session that asks the same (issue 18: a quarter of the server's time under 20
    sessions): the totals, the countries and nodes under the rule, their tables, the chart
    (None: every figure withheld); None when nobody is abroad. ``lang`` keys the tables' words.
    Callers read it, never change it."""
    by_country, by_node = state.overseas_pool(ver, f)
    if by_country.empty:
        return None
    countries, nodes = ov.controlled(by_country, k), ov.controlled(by_node, k)
    figure = figs.pool_figure(countries, here) if figs.has_bars(countries, ov.COUNTS) else None
    return (ov.totals(by_country), countries, nodes, table(countries, "country", here),
            table(nodes, "node", here), figure)


def table(ctl: disclosure.Controlled, label: str, here: str | None) -> pd.DataFrame:
    """A pool table as shown and downloaded: withheld counts as '<k' / '保密'."""
    names = dict(COLUMNS, expecting_here=f"期望来{here}" if here else "期望回国内")
    out = pd.DataFrame({label: ctl.values[label]}, index=ctl.values.index)
    for col in ov.COUNTS:
        out[col] = ctl.text(col, components.fmt_count)
    return out.rename(columns=names)


def border_section(ver: str, region: str, period: tuple[int, int], nodes: tuple,
                   k: int | None) -> None:
    """Moves across the border by country, for the flows section of the 产业链 page."""
    st.subheader(t("ov_border"))
    df = state.border_flows(ver, region, period, nodes)
    total_in, total_out = int(df["arrivals"].sum()), int(df["departures"].sum())
    a, b = st.columns(2)
    a.metric("回流 (自海外流入)", components.fmt_count(total_in, k), border=True)
    b.metric("出境 (流向海外)", components.fmt_count(total_out, k), border=True)
    if df.empty:
        st.caption(t("ov_border_none"))
        return
    ctl = disclosure.apply(df, k, disclosure.BORDER)
    data = pd.DataFrame({"国家/地区": ctl.values["country"],
                         "回流": ctl.text("arrivals", components.fmt_count),
                         "出境": ctl.text("departures", components.fmt_count)})
    if not figs.has_bars(ctl, ("arrivals", "departures")):  # every figure withheld: no chart
        st.dataframe(data, hide_index=True, width="stretch")
        return
    exporting.chart(figs.border_figure(ctl), key="ov_border_chart", title=t("ov_border"),
                    unit="人次", page="supply_chain", data=data, config={"displaylogo": False})
