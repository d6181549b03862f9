"""Trends: a region's KPIs in every year of the warehouse — talent, high-level talent, talent
active in the year, postings, arrivals, departures, net inflow and supply/demand — for the
sidebar's nodes (总览) or one chain node (环节详情). Each year is the KPI card of that year
(``queries.kpis``): the same definitions (docs/metrics.md), one query for all years.

Under disclosure control year by year (``disclosure.TRENDS``): a small count in a year is
withheld there ('<k', a gap in the line), and what is computed from it with it.
"""

from __future__ import annotations

import pandas as pd

from analytics import disclosure
from analytics.filters import Filters
from analytics.queries import HIGH, NODE_WHERE, TALENT_WHERE, layer_nodes
from store.reader import Reader

# The figures a trend chart offers, in its order (ids of analytics/metrics.py).
TREND_METRICS = ("talents", "high_level", "postings", "net_inflow", "sd_ratio")
COLUMNS = ("year", "talents", "high_level", "active", "postings", "arrivals", "departures",
           "net_inflow", "sd_ratio")

# Years: those with talent data (the year selector's). Talent is the stock up to the end of
# each year, active talent and postings those of the year, moves those dated in the year.
TRENDS = f"""
WITH years AS (
    SELECT DISTINCT year FROM mart_talent_supply WHERE year IS NOT NULL
),
talent AS (
    SELECT y.year,
           coalesce(sum(m.talents), 0) AS talents,
           coalesce(sum(m.talents) FILTER (WHERE {HIGH}), 0) AS high_level,
           coalesce(sum(m.talents) FILTER (WHERE m.year = y.year), 0) AS active
    FROM years y
    LEFT JOIN mart_talent_supply m
           ON m.adcode = $adcode AND m.year <= y.year AND {NODE_WHERE} AND {TALENT_WHERE}
    GROUP BY y.year
),
demand AS (
    SELECT year, sum(postings) AS postings FROM mart_posting_demand
    WHERE adcode = $adcode AND {NODE_WHERE} GROUP BY year
),
arrived AS (
    SELECT year, sum(moves) AS arrivals FROM mart_moves
    WHERE to_adcode = $adcode AND {NODE_WHERE} GROUP BY year
),
departed AS (
    SELECT year, sum(moves) AS departures FROM mart_moves
    WHERE from_adcode = $adcode AND {NODE_WHERE} GROUP BY year
)
SELECT t.year, t.talents, t.high_level, t.active,
       coalesce(d.postings, 0) AS postings,
       coalesce(a.arrivals, 0) AS arrivals,
       coalesce(o.departures, 0) AS departures,
       coalesce(a.arrivals, 0) - coalesce(o.departures, 0) AS net_inflow,
       -- supply and demand over the same window: talent active in the year ÷ its postings
       t.active / nullif(coalesce(d.postings, 0), 0) AS sd_ratio
FROM talent t
LEFT JOIN demand d USING (year)
LEFT JOIN arrived a USING (year)
LEFT JOIN departed o USING (year)
ORDER BY t.year
"""  # noqa: S608 - only constant snippets are pasted; values are bound


def trends(reader: Reader, f: Filters, adcode: str) -> pd.DataFrame:
    """One row per year: the region's figures for the filters' nodes (or layer; none: every
    node) and talent filters, unsuppressed (``controlled`` applies the rules for a role)."""
    f = layer_nodes(reader, f)
    params = f.params(0) | {"adcode": adcode}
    params.pop("year")
    df = reader.df(TRENDS, params)
    for col in COLUMNS[1:-1]:
        df[col] = df[col].astype("int64")
    df["year"] = df["year"].astype("int64")
    df["sd_ratio"] = df["sd_ratio"].astype(float)
    return df[list(COLUMNS)]


def controlled(df: pd.DataFrame, k: int | None) -> disclosure.Controlled:
    """The trend under the small-count rules, each year on its own (``disclosure.TRENDS``)."""
    return disclosure.apply(df, k, disclosure.TRENDS)
