"""The 产业链 page's queries, cached like views/state.py's: keyed by the published version and
the inputs (``st.cache_data``), so that a new load is picked up on the next interaction and an
unchanged view costs nothing. Raw results only: disclosure control is applied by the page for
the session's role, after the cache."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import flows, gaps
from analytics import queries as q
from analytics.filters import Filters, Thresholds
from views import state


@st.cache_data(max_entries=64, show_spinner=False)
def year(ver: str, f: Filters) -> int:
    """The year in view (``queries.resolve_year``)."""
    return q.resolve_year(state.reader(), f)


@st.cache_data(max_entries=64, show_spinner=False)
def layer_nodes(ver: str, f: Filters) -> tuple[str, ...]:
    """The sidebar's nodes, or its layer's nodes; none means every node."""
    return tuple(q.layer_nodes(state.reader(), f).nodes)


@st.cache_data(max_entries=64, show_spinner=False)
def chain(ver: str, region: str, year: int, th: Thresholds, bench: str) -> pd.DataFrame:
    return gaps.chain_status(state.reader(), region, year, th, bench)


@st.cache_data(max_entries=64, show_spinner=False)
def compared_regions(ver: str, region: str, scope: str) -> list[str]:
    peers = state.reference(ver)["peers"]
    return q.compared_regions(state.reader(), region, scope, peers)


@st.cache_data(max_entries=32, show_spinner=False)
def matrix(ver: str, regions: tuple[str, ...], year: int, th: Thresholds,
           bench: str) -> pd.DataFrame:
    return flows.chain_matrix(state.reader(), list(regions), year, th, bench)


# -- one node ---------------------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def node_detail(ver: str, region: str, node: str, year: int) -> dict[str, pd.DataFrame]:
    """The node by sub-area, its demand by job title and the local enterprises."""
    r = state.reader()
    return {"area": flows.node_by_area(r, region, node, year),
            "titles": flows.demand_by_title(r, region, node, year),
            "firms": flows.local_enterprises(r, region, node, year)}


@st.cache_data(max_entries=64, show_spinner=False)
def sources(ver: str, region: str, node: str, year: int) -> dict[str, pd.DataFrame]:
    """The 招引清单: target regions, enterprises and talent pools."""
    r = state.reader()
    return {"regions": gaps.source_regions(r, region, node, year),
            "firms": gaps.source_enterprises(r, region, node),
            "pools": gaps.source_talent_pools(r, region, node, year)}


# -- talent flows (period: (first, last) year; nodes: () for every node) ------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def flow_scope(ver: str, region: str) -> flows.FlowScope:
    return flows.flow_scope(state.reader(), region)


@st.cache_data(max_entries=128, show_spinner=False)
def flow_summary(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> dict:
    return flows.summary(state.reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def routes(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> pd.DataFrame:
    return flows.top_routes(state.reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def counterparts(ver: str, region: str, period: tuple[int, int], nodes: tuple,
                 inbound: bool) -> pd.DataFrame:
    """Top 10 origins (``inbound``) or destinations."""
    fn = flows.origins if inbound else flows.destinations
    return fn(state.reader(), region, period, nodes, limit=10)


@st.cache_data(max_entries=128, show_spinner=False)
def returnees(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> pd.DataFrame:
    return flows.returnee_countries(state.reader(), region, period, nodes)
