"""产业链 page, 人才流动: arrivals, departures and net inflow of the region over a period, the
largest routes on a map, the main origins and destinations, and returnees by country — for the
sidebar's nodes or the selected node only."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import settings
from analytics import chain_tables as ct
from analytics import disclosure
from analytics.filters import COUNTRY, Filters
from figures import flows as flow_figs
from maps.figures import MAINLAND_BOUNDS
from views import components, exporting, overseas, state
from views.i18n import t


def flow_controls(ver: str, year: int, node_name: str) -> tuple[tuple[int, int], bool]:
    years = [y for y in state.reference(ver)["years"] if y <= year] or [year]
    a, b = st.columns([3, 2])
    period = (year, year)
    if len(years) > 1:
        period = a.select_slider(t("sc_period"), options=years, value=(year, year),
                                 key=f"sc_flow_period_{year}")
    only = b.toggle(f"{t('sc_only_node')}: {html.escape(node_name)}", key="sc_flow_only_node")
    return tuple(period), only


def section(ver: str, f: Filters, year: int, node: str, k: int | None) -> None:
    st.header(t("sc_flows"))
    names = state.reference(ver)["nodes"].set_index("node_id")["name_zh"]
    period, only = flow_controls(ver, year, str(names.get(node, node)))
    nodes = (node,) if only else state.layer_nodes(ver, f)
    scope = state.flow_scope(ver, f.region)
    if scope.note:
        st.caption(html.escape(scope.note))
    flow_kpis(state.flow_summary(ver, scope.region, period, nodes), k)
    left, right = st.columns([3, 2])
    with left:
        st.subheader(t("sc_routes"))
        routes = state.routes(ver, scope.region, period, nodes)
        draw_routes(routes, k, national=scope.region == COUNTRY)
    with right:
        counterparts(ver, scope, period, nodes, routes, k)
    overseas.border_section(ver, scope.region, period, nodes, k)
    st.subheader(t("sc_returnees"))
    ret = state.returnees(ver, f.region, period, nodes)
    fig = None if ret.empty else flow_figs.returnee_figure(ret, k)
    if fig is None:
        st.info(t("no_data") if ret.empty else t("sc_returnees_small").format(k=k))
    else:
        exporting.chart(fig, key="sc_returnees", title=t("sc_returnees"),
                        data=exporting.suppress(ret, [c for c in ret.columns
                                                      if c != "country"], k),
                        unit="人", page="supply_chain", config={"displaylogo": False})


def flow_kpis(s: dict, k: int | None) -> None:
    cols = st.columns(4)
    if s["arrivals"] is None:  # the country: only moves between provinces
        cols[0].metric("省际流动", components.fmt_count(s["moves"], k), border=True)
        return
    c = disclosure.flows(s["arrivals"], s["departures"], k, net=s["net"],
                         per_10k=s["net_per_10k"])
    cols[0].metric(t("arrivals"), components.fmt_count(s["arrivals"], k), border=True)
    cols[1].metric(t("departures"), components.fmt_count(s["departures"], k), border=True)
    # With a withheld side, the net (and per 10k) would give the small count away.
    hidden = "net" in c["why"]
    per = c["net_per_10k"]
    cols[2].metric(t("net_inflow"), disclosure.HIDDEN_LABEL if hidden
                   else disclosure.fmt_signed(c["net"]), border=True)
    cols[3].metric(t("net_per_10k"), disclosure.HIDDEN_LABEL if hidden else t("unknown")
                   if per is None else f"{per:+.3f}", border=True,
                   help="净流入 ÷ (常住人口 ÷ 10,000); 无常住人口数据时为未知")


def counterparts(ver: str, scope, period, nodes, routes: pd.DataFrame, k: int | None) -> None:
    if scope.region == COUNTRY:
        st.subheader(t("sc_routes_table"))  # the map beside it is headed 主要流动路线
        st.dataframe(ct.routes_table(routes, k, t("unknown")), hide_index=True, width="stretch")
        return
    for label, inbound in (("sc_origins", True), ("sc_destinations", False)):
        st.subheader(t(label))
        df = state.counterparts(ver, scope.region, period, nodes, inbound)
        st.dataframe(ct.counterpart_table(df, k, t("unknown")), hide_index=True,
                     width="stretch")


def base_map() -> list:
    """The grey provinces under the routes: inline shapes or the static file (setting
    ``geojson_mode``)."""
    inline = settings.get("geojson_mode") == "inline"
    return flow_figs.base_map(state.geojson(COUNTRY), state.maritime(),
                              None if inline else state.geojson_url(COUNTRY))


def draw_routes(routes: pd.DataFrame, k: int | None, national: bool = False) -> None:
    """The routes on the map; the national map shows all China (not only the routes' ends)."""
    if routes.empty:
        st.info(t("no_data"))
        return
    bounds = MAINLAND_BOUNDS if national else None
    exporting.chart(flow_figs.routes_figure(routes, base_map(), k, t("unknown"), bounds=bounds),
                    key="sc_routes", title=t("sc_routes"), unit="人", page="supply_chain",
                    data=exporting.suppress(routes[["from_name", "to_name", "direction", "moves"]],
                                            ["moves"], k),
                    config={"displaylogo": False, "scrollZoom": True})
