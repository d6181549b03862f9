"""Session state, URL state and caching for the dashboard — the only module with cache
decorators. Queries are cached by the published version and the filters, so a new load is
picked up on the next interaction and an unchanged view costs nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import streamlit as st

import settings
from analytics import clusters as cl
from analytics import flows, gaps, indexes, overseas
from analytics import queries as q
from analytics import talent as tl
from analytics import trends as tr
from analytics.filters import Filters, Thresholds
from maps.static import STATIC_GEOJSON
from store.reader import Reader
from views import activity


@st.cache_resource
def reader() -> Reader:
    return Reader(settings.path("db_path"))


def version() -> str:
    """The published version in use (reopened when new); its first run starts warm_indexes."""
    ver = reader().refresh()
    if WARM_INDEXES and ver not in _warmed:
        warm_indexes(ver)
    return ver


# -- the in-memory indexes of a new version, built in the background (analytics/indexes.py) ----
WARM_INDEXES = False  # set by the server's start (dashboard.start_warm_up; setting warm_up)
INDEX_THREAD = "talentmap-indexes"
_warmed: set[str] = set()
_warm_lock = threading.Lock()


def warm_indexes(ver: str) -> threading.Thread | None:
    """Build the version's indexes in a daemon thread, once per version and process, each step
    when no session is served (the 人才集群/产业链 pages' first request after a publish finds
    them built, or waits on the build). Returns the thread, None when already started."""
    with _warm_lock:
        if ver in _warmed:
            return None
        _warmed.add(ver)
    thread = threading.Thread(target=_build_indexes, args=(ver,), name=INDEX_THREAD,
                              daemon=True)
    thread.start()
    return thread


def _build_indexes(ver: str) -> None:
    from streamlit.logger import get_logger

    started = time.perf_counter()
    report = indexes.build(reader(), between=activity.first_build_waits())  # visitors first
    steps = ", ".join(f"{k} {v:.2f} s" if isinstance(v, float) else f"{k}: {v}"
                      for k, v in report.items())
    get_logger("talentmap.indexes").info("版本 %s 的内存索引 (in-memory indexes) built in %.2f s: %s",
                                         ver, time.perf_counter() - started, steps)


# -- cached queries (keyed by version and filters) -------------------------------------------
@st.cache_data(max_entries=256, show_spinner=False)
def children_metrics(ver: str, f: Filters, parent: str):
    return q.children_metrics(reader(), f, parent)


@st.cache_data(max_entries=256, show_spinner=False)
def controlled_children(ver: str, f: Filters, parent: str, k: int | None, metric: str):
    """``children_metrics`` under the role's small-count rule, ranked by ``metric``
    (``disclosure.children``): the same for every session that asks the same (issue 18: a
    tenth of the server's time under 20 sessions went into repeating it)."""
    from analytics import disclosure

    return disclosure.children(children_metrics(ver, f, parent), k, metric)


@st.cache_data(max_entries=128, show_spinner=False)
def enterprise_points(ver: str, f: Filters, parent: str):
    return q.enterprise_points(reader(), f, parent)


@st.cache_data(max_entries=256, show_spinner=False)
def kpis(ver: str, f: Filters, adcode: str):
    return q.kpis(reader(), f, adcode)


@st.cache_data(max_entries=64, show_spinner=False)
def peers(ver: str, f: Filters, adcodes: tuple[str, ...]):
    return q.peer_comparison(reader(), f, list(adcodes))


@st.cache_data(max_entries=64, show_spinner=False)
def talent_by_layer(ver: str, f: Filters, adcode: str):
    return q.talent_by_layer(reader(), f, adcode)


@st.cache_data(max_entries=128, show_spinner=False)
def trends(ver: str, f: Filters, adcode: str):
    """The region's figures year by year (raw: the page applies the rules for the role)."""
    return tr.trends(reader(), f, adcode)


@st.cache_resource(max_entries=8, show_spinner=False)
def reference(ver: str) -> Mapping:
    """What every page needs, per version: one read-only object for every session (a copy per
    call, as st.cache_data gives, cost 2 ms of unpickling, several times per run; issue 18)."""
    r, kids = reader(), {}
    regions = r.df("SELECT adcode, name, level, parent_adcode FROM region")
    for code, parent in sorted(zip(regions["adcode"], regions["parent_adcode"], strict=True)):
        kids.setdefault(parent, []).append(code)
    names = dict(zip(regions["adcode"], regions["name"], strict=True))
    return MappingProxyType({
        "years": q.years(r), "default_year": q.default_year(r),  # latest with enough data
        "nodes": q.chain_nodes(r), "regions": regions, "region_names": MappingProxyType(names),
        "children": MappingProxyType({k: tuple(v) for k, v in kids.items()}),  # sorted codes
        "freshness": q.freshness(r),
        "peers": q.regions_named(r, settings.get("peer_cities").split(",")),
    })


# Per region, a few hundred bytes each: every place of China (about 3,300 with its districts)
# fits, so walking the map never asks the warehouse twice (64 entries were refilled under 20
# sessions, issue 18).
REGION_ENTRIES = 4096


@st.cache_data(max_entries=REGION_ENTRIES, show_spinner=False)
def breadcrumb(ver: str, adcode: str):
    return q.breadcrumb(reader(), adcode)


@st.cache_data(max_entries=REGION_ENTRIES, show_spinner=False)
def drill_parent(ver: str, adcode: str) -> str:
    return q.drill_parent(reader(), adcode)


@st.cache_data(max_entries=REGION_ENTRIES, show_spinner=False)
def map_parent(ver: str, adcode: str) -> str:
    return q.map_parent(reader(), adcode)


@st.cache_data(max_entries=64, show_spinner=False)
def table(ver: str, sql: str, params: tuple = ()):
    """A small read query from the data page (SQL text comes from constants in views)."""
    return reader().df(sql, list(params))


# -- talent clusters, search and profiles (the role is an argument: analytics checks it) ------
@st.cache_data(max_entries=8, show_spinner=False)
def skill_vocabulary(ver: str) -> tuple[str, ...]:
    """Every distinct skill, most frequent first (matched against in SQL)."""
    return tuple(tl.skill_vocabulary(reader())["skill"])


@st.cache_data(max_entries=256, show_spinner=False)
def resolve_skills(ver: str, text: str):
    return tl.resolve_skills(reader(), text, skill_vocabulary(ver))


@st.cache_data(max_entries=8, show_spinner=False)
def universities(ver: str) -> list[str]:
    return tl.universities(reader())


@st.cache_data(max_entries=64, show_spinner="正在计算人才集群 …")
def clusters(ver: str, f: Filters, tf: tl.TalentFilters, eps_km: float, min_talents: int,
             by_node: bool) -> dict:
    """Cells labelled with their cluster, one summary row per cluster, stats and top lists."""
    r = reader()
    cells = cl.label_cells(tl.cluster_cells(r, f, tf), eps_km, min_talents, by_node)
    return {"cells": cells, "summary": cl.summarise(cells),
            "stats": tl.cluster_stats(r, f, tf, cells), "tops": tl.cluster_tops(r, f, tf, cells)}


@st.cache_data(max_entries=32, show_spinner=False)
def cluster_talents(ver: str, f: Filters, tf: tl.TalentFilters, places: tuple, role: str):
    return tl.cluster_talents(reader(), f, tf, list(places), role)


@st.cache_data(max_entries=64, show_spinner=False)
def search(ver: str, text: str, individuals_role: str | None) -> dict:
    """Enterprises and talent counts for everyone; individual talents when a role is given."""
    r, vocab = reader(), skill_vocabulary(ver)
    out = {"enterprises": tl.search_enterprises(r, text),
           "counts": tl.search_talent_counts(r, text, vocab)}
    if individuals_role:
        out["talents"] = tl.search_talents(r, text, individuals_role, vocab=vocab)
    return out


@st.cache_data(max_entries=64, show_spinner=False)
def person_view_id(ver: str, talent_id: str, role: str) -> str:
    """The record a profile shows for ``talent_id``: its person's representative record."""
    return tl.person_view_id(reader(), talent_id, role)


@st.cache_data(max_entries=64, show_spinner=False)
def profile(ver: str, talent_id: str, role: str) -> dict:
    """Everything known about one talent, contacts masked."""
    r = reader()
    record = tl.talent_record(r, talent_id, role)
    code = record["employer_credit_code"].iloc[0] if len(record) else None
    return {"record": record, "contact": tl.contact(r, talent_id, role),
            "moves": tl.moves(r, talent_id, role),
            "employer": tl.employer(r, None if code is None or pd.isna(code) else str(code)),
            "postings": tl.matching_postings(r, talent_id, role),
            "similar": tl.similar_talents(r, talent_id, role)}


# -- geometry ---------------------------------------------------------------------------------
@st.cache_resource(show_spinner="正在准备边界数据 …")
def geojson(parent: str) -> dict:
    from maps.geometry import children_geojson

    return children_geojson(parent)


_GEOJSON_URLS: dict[str, tuple] = {}  # parent → (source file, its mtime and size, url)


def geojson_url(parent: str) -> str:
    """Serve the children's shapes as a static file, so the browser fetches them once. The URL
    carries the content's hash (``?v=``): shapes rebuilt differently (new boundaries, another
    simplification) are a new URL, never a stale file from the browser's cache."""
    from maps.geometry import children_geojson_path

    known = _GEOJSON_URLS.get(parent)
    if known is not None:
        with contextlib.suppress(OSError):  # the source file gone: find (build) it again
            stat = known[0].stat()
            if (stat.st_mtime_ns, stat.st_size) == known[1]:
                return known[2]
    src = children_geojson_path(parent)
    stat = src.stat()
    data = src.read_bytes()
    target = STATIC_GEOJSON / f"{parent}.json"
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{parent}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)  # atomic: a reader never sees half a file
    url = f"app/static/geojson/{parent}.json?v={hashlib.sha256(data).hexdigest()[:12]}"
    _GEOJSON_URLS[parent] = (src, (stat.st_mtime_ns, stat.st_size), url)
    return url


@st.cache_resource(show_spinner=False)
def maritime():
    from maps.geometry import maritime_lines

    return maritime_lines()


# -- filters in session state and in the URL ---------------------------------------------------
def thresholds() -> Thresholds:
    return Thresholds.from_settings()


def filters() -> Filters:
    """The filters of this session, read once from the URL when the session starts."""
    if "filters" not in st.session_state:
        ref = reference(version())
        known_nodes = set(ref["nodes"]["node_id"])
        st.session_state["filters"] = Filters.from_query_params(
            st.query_params.to_dict(), set(ref["region_names"]), known_nodes)
    return st.session_state["filters"]


def set_filters(f: Filters) -> None:
    st.session_state["filters"] = f


PAGE_PARAMS = ("talent",)  # a page's own URL params (the profile's talent id) survive the sync


def sync_url(f: Filters) -> None:
    """Mirror the filters in the URL, so that a copied link reopens the same view."""
    current = st.query_params.to_dict()
    wanted = f.to_query_params() | {k: current[k] for k in PAGE_PARAMS if k in current}
    if current != wanted:
        st.query_params.from_dict(wanted)


def lang() -> str:
    return st.session_state.get("lang", "zh")


# -- the 产业链 page (raw results: disclosure is applied by the page for the role, after the cache)
@st.cache_data(max_entries=64, show_spinner=False)
def year(ver: str, f: Filters) -> int:
    """The year in view (``queries.resolve_year``)."""
    return q.resolve_year(reader(), f)


@st.cache_data(max_entries=64, show_spinner=False)
def layer_nodes(ver: str, f: Filters) -> tuple[str, ...]:
    """The sidebar's nodes, or its layer's nodes; none means every node."""
    return tuple(q.layer_nodes(reader(), f).nodes)


@st.cache_data(max_entries=64, show_spinner=False)
def chain(ver: str, region: str, year: int, th: Thresholds, bench: str) -> pd.DataFrame:
    return gaps.chain_status(reader(), region, year, th, bench)


@st.cache_data(max_entries=64, show_spinner=False)
def compared_regions(ver: str, region: str, scope: str) -> list[str]:
    peers = reference(ver)["peers"]
    return q.compared_regions(reader(), region, scope, peers)


@st.cache_data(max_entries=32, show_spinner=False)
def matrix(ver: str, regions: tuple[str, ...], year: int, th: Thresholds,
           bench: str) -> pd.DataFrame:
    return flows.chain_matrix(reader(), list(regions), year, th, bench)


# -- one node ---------------------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def node_detail(ver: str, region: str, node: str, year: int) -> dict[str, pd.DataFrame]:
    """The node by sub-area, its demand by job title and the local enterprises."""
    r = reader()
    return {"area": flows.node_by_area(r, region, node, year),
            "titles": flows.demand_by_title(r, region, node, year),
            "firms": flows.local_enterprises(r, region, node, year)}


@st.cache_data(max_entries=64, show_spinner=False)
def sources(ver: str, region: str, node: str, year: int) -> dict[str, pd.DataFrame]:
    """The 招引清单: target regions, enterprises and talent pools."""
    r = reader()
    return {"regions": gaps.source_regions(r, region, node, year),
            "firms": gaps.source_enterprises(r, region, node),
            "pools": gaps.source_talent_pools(r, region, node, year)}


# -- talent flows (period: (first, last) year; nodes: () for every node) ------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def flow_scope(ver: str, region: str) -> flows.FlowScope:
    return flows.flow_scope(reader(), region)


@st.cache_data(max_entries=128, show_spinner=False)
def flow_summary(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> dict:
    return flows.summary(reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def routes(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> pd.DataFrame:
    return flows.top_routes(reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def counterparts(ver: str, region: str, period: tuple[int, int], nodes: tuple,
                 inbound: bool) -> pd.DataFrame:
    """Top 10 origins (``inbound``) or destinations."""
    fn = flows.origins if inbound else flows.destinations
    return fn(reader(), region, period, nodes, limit=10)


@st.cache_data(max_entries=128, show_spinner=False)
def returnees(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> pd.DataFrame:
    return flows.returnee_countries(reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def border_flows(ver: str, region: str, period: tuple[int, int], nodes: tuple) -> pd.DataFrame:
    return overseas.border_flows(reader(), region, period, nodes)


@st.cache_data(max_entries=128, show_spinner=False)
def overseas_pool(ver: str, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The overseas pool by country and by chain node (raw counts)."""
    return overseas.pool(reader(), f)


@st.cache_data(max_entries=64, show_spinner=False)
def person_records(ver: str, tid: str, role: str) -> pd.DataFrame:
    """Every source record of the talent's person (the profile's 档案来源)."""
    from analytics import persons

    return persons.records(reader(), tid, role)


@st.cache_data(max_entries=32, show_spinner="正在匹配 …")
def match_pairs(ver: str, region: str, year: int, nodes: tuple[str, ...]) -> pd.DataFrame:
    """产才对接: every (enterprise, talent) pair with its best posting and fit."""
    from analytics import matching

    return matching.best_pairs(reader(), region, year, list(nodes))


# -- 风险预警 ----------------------------------------------------------------------------------------
@st.cache_resource(max_entries=8, show_spinner="正在评估风险预警 …")
def alerts_evaluated(ver: str) -> str:
    """Evaluate the alert rules on this version once per process (the store makes it once per
    deployment: ``python -m etl`` does it right after publishing)."""
    from analytics import alerts

    alerts.evaluate(reader(), settings.path("app_db_path"), settings.get("home_region"))
    return ver


def alert_rows(ver: str, k: int | None = None) -> pd.DataFrame:
    """Every alert in reading order; with ``k`` (aggregate roles) only those that speak of no
    small count (``alerts.visible``). Read again only when the store has changed (an evaluation
    or an acknowledgement: ``alert_store.stamp``): every run of every page counts the open
    alerts for the navigation's badge, and the store keeps every alert ever raised."""
    path, mark = _alert_store(ver)
    return _read_alerts(path, k) if mark is None else _alert_table(path, mark, k)


def open_alerts(ver: str, k: int | None = None) -> int:
    """How many of ``alert_rows(ver, k)`` are new or still true (the navigation's badge, on
    every run of every page: a number cached with the table, not the table copied out)."""
    path, mark = _alert_store(ver)
    return _open(_read_alerts(path, k)) if mark is None else _open_alerts(path, mark, k)


def _alert_store(ver: str) -> tuple[str, tuple | None]:
    """The alert store, evaluated on ``ver``, and its stamp (None: nothing to cache on)."""
    from access import alert_store

    alerts_evaluated(ver)
    path = settings.path("app_db_path")
    return str(path), alert_store.stamp(path)


def _read_alerts(path: str, k: int | None) -> pd.DataFrame:
    from access import alert_store
    from analytics import alerts

    return alerts.visible(alerts.table(alert_store.alerts(path)), k)


@st.cache_data(max_entries=16, show_spinner=False)
def _alert_table(path: str, mark: tuple, k: int | None) -> pd.DataFrame:
    """``alert_rows`` of the store at ``path`` as it was when its stamp was ``mark``."""
    return _read_alerts(path, k)


@st.cache_data(max_entries=16, show_spinner=False)
def _open_alerts(path: str, mark: tuple, k: int | None) -> int:
    return _open(_alert_table(path, mark, k))


def _open(df: pd.DataFrame) -> int:
    return int((df["state"] != "已解除").sum()) if len(df) else 0


# -- the recruiter's journey (人才集群 search) ---------------------------------------------------
@st.cache_data(max_entries=8, show_spinner=False)
def search_examples(ver: str) -> list[str]:
    """Terms that find something in this version, for the search box's hint."""
    return tl.search_examples(reader(), skill_vocabulary(ver), settings.get("home_region"))


@st.cache_data(max_entries=64, show_spinner=False)
def search_scope(ver: str, text: str) -> dict:
    """What a search looks at: the text, the vocabulary skills and the chain nodes it names."""
    return tl.search_params(reader(), text, skill_vocabulary(ver))


# -- 招引跟踪 (the targets themselves are read uncached: they change with every save) ---------------
@st.cache_data(max_entries=64, show_spinner=False)
def bench_contains(ver: str, region: str, bench: str) -> bool:
    """The region lies inside the benchmark (what lands there lands in both: analytics/whatif)."""
    from analytics import pipeline

    return pipeline.bench_contains(reader(), region, bench)


# -- the 大屏 (views/screen.py: the planner's small-count rules, whatever the role) --------------
@st.cache_data(max_entries=16, show_spinner=False)
def screen_inflows(ver: str, region: str, period: tuple[int, int], k: int) -> pd.DataFrame:
    from analytics import screen

    return screen.inflows(reader(), region, period, k)


@st.cache_data(max_entries=16, show_spinner=False)
def region_point(ver: str, adcode: str) -> tuple[float, float]:
    from analytics import screen

    return screen.region_point(reader(), adcode)
