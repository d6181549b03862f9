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
    by_country, by_node = state.overseas_pool(ver, f)
    st.subheader(t("ov_pool"))
    here = None if f.region == COUNTRY else region_name
    st.caption(t("ov_pool_help").format(here=html.escape(here or "国内")))
    if by_country.empty:
        st.info(t("ov_pool_empty"))
        return
    total = ov.totals(by_country)
    cols = st.columns(4)
    expecting = f"期望来{here}" if here else "期望回国内"
    for col, (key, label) in zip(cols, (("talents", "海外人才"), ("high_level", "高层次 (A–D)"),
                                        ("willing_to_relocate", "愿意回国"),
                                        ("expecting_here", expecting)),
                                 strict=True):
        col.metric(label, components.fmt_count(total[key], k), border=True)
    countries = ov.controlled(by_country, k)
    nodes = ov.controlled(by_node, k)
    left, right = st.columns([3, 2])
    with left:
        if not figs.has_bars(countries, ov.COUNTS):
            st.dataframe(table(countries, "country", here), hide_index=True, width="stretch")
        else:
            exporting.chart(figs.pool_figure(countries, here), key="ov_pool_chart",
                            title=f"{t('ov_pool')} · 按国家", unit="人", page="talent_map",
                            data=table(countries, "country", here),
                            config={"displaylogo": False},
                            # beside the map, drawn as the map is (no plotly.js on the landing
                            # page with the SVG map)
                            renderer="svg" if settings.get("map_renderer") == "svg"
                            else "plotly_chart")
    with right:
        st.dataframe(table(nodes, "node", here), hide_index=True, width="stretch", height=380)


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
