"""The numbers of each view as a table, for a role: what the page shows, from the same queries
under the same disclosure rules (analytics/disclosure.py). Used by ``python -m analytics
map|chain|flows|kpis`` for analysts and scripted checks; columns in docs/metrics.md.

A withheld figure is the text the page shows ('<5', '保密'); every other figure is a number.
"""

from __future__ import annotations

import pandas as pd

import settings
from access.users import ROLES, small_cell_k
from analytics import disclosure, flows, gaps, metrics
from analytics import queries as q
from analytics.filters import COUNTRY, Filters, Thresholds
from store.reader import Reader

VIEWS = ("map", "chain", "flows", "kpis")
# Key and text columns, then metric ids of the registry (analytics/metrics.py).
MAP_COLUMNS = ("adcode", "name", "rank", *metrics.MAP)
CHAIN_COLUMNS = ("node_id", "name_zh", "layer", "segment", "status", "talent", "postings",
                 "lq_talent", "lq_credible", "sd_ratio", "sd_band", "gap_score", "reason")
KPI_COLUMNS = ("year", *metrics.KPIS)


def role_k(role: str) -> int | None:
    """k of the small-count rule for the role (None: recruiter and admin see counts)."""
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}; 可选: {', '.join(ROLES)}")
    return small_cell_k(role, settings.get("small_cell_k"))


# Columns written as integers: rank, year and the registry's counts (of people or not).
COUNTS = {"rank", "year"} | {m.id for m in metrics.REGISTRY if m.fmt in ("count", "signed")}


def _whole(v):
    """A count as an int (pandas makes counts floats once a column holds a NaN)."""
    if isinstance(v, float) and not pd.isna(v) and v.is_integer():
        return int(v)
    return v


def _shown(ctl: disclosure.Controlled, columns) -> pd.DataFrame:
    """The columns with withheld cells replaced by their labels, counts as ints."""
    v = ctl.values
    out = pd.DataFrame(index=v.index)
    for col in columns:
        if col not in v.columns:
            continue
        cells = v[col].astype(object)
        if col in COUNTS:  # (Series.map would infer floats again)
            cells = pd.Series([_whole(x) for x in cells], index=cells.index, dtype=object)
        out[col] = cells.where(~ctl.withheld(col), ctl.label(col)) if col in ctl.why else cells
    return out.reset_index(drop=True)


def map_table(reader: Reader, f: Filters, role: str) -> pd.DataFrame:
    """The 人才地图 ranking of the region's map (its children, or its siblings for a leaf):
    visible rows by the chosen metric, withheld rows last."""
    k = role_k(role)
    parent = q.map_parent(reader, f.region)
    ctl = disclosure.children(q.children_metrics(reader, f, parent), k, f.metric)
    return _shown(ctl, MAP_COLUMNS)


def chain_table(reader: Reader, f: Filters, role: str) -> pd.DataFrame:
    """The 产业链 status of the region's chain nodes (benchmark: the country)."""
    year = q.resolve_year(reader, f)
    status = gaps.chain_status(reader, f.region, year, Thresholds.from_settings())
    ctl = disclosure.apply(status, role_k(role), disclosure.NODES)
    return _shown(ctl, CHAIN_COLUMNS)


def flows_table(reader: Reader, f: Filters, role: str) -> pd.DataFrame:
    """Arrivals, departures and net of the region in the year (the 产业链 page's flow cards)."""
    k = role_k(role)
    year = q.resolve_year(reader, f)
    scope = flows.flow_scope(reader, f.region)
    s = flows.summary(reader, scope.region, year, f.nodes)
    row = {"region": scope.region, "year": year, "moves": s["moves"]}
    if scope.region == COUNTRY:
        return pd.DataFrame([row | {"arrivals": None, "departures": None, "net": None,
                                    "net_per_10k": None}])
    c = disclosure.flows(s["arrivals"], s["departures"], k, net=s["net"],
                         per_10k=s["net_per_10k"])
    for key in ("arrivals", "departures", "net", "net_per_10k"):
        row[key] = disclosure.label_for(c["why"][key], k) if key in c["why"] else c[key]
    if disclosure.is_small(row["moves"], k):
        row["moves"] = f"<{k}"
    return pd.DataFrame([row])


def kpis_table(reader: Reader, f: Filters, role: str) -> pd.DataFrame:
    """The 总览 KPI cards of the region: the year in view and the year before."""
    k = role_k(role)
    kp = q.kpis(reader, f, f.region)
    rows = []
    for label, year in (("now", kp["year"]), ("prev", kp["year"] - 1)):
        values, why = disclosure.record(kp[label], k, disclosure.KPIS)
        rows.append({"year": year, **{c: (disclosure.label_for(why[c], k) if c in why
                                          else _whole(values.get(c))) for c in KPI_COLUMNS[1:]}})
    return pd.DataFrame(rows)


TABLES = {"map": map_table, "chain": chain_table, "flows": flows_table, "kpis": kpis_table}


def table(reader: Reader, view: str, f: Filters, role: str = "planner") -> pd.DataFrame:
    if view not in TABLES:
        raise ValueError(f"未知视图 {view!r}; 可选: {', '.join(VIEWS)}")
    return TABLES[view](reader, f, role)
