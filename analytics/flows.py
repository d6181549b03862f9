"""Talent flows (人才流动) and the detail of one chain node in a region (Streamlit-free).

Every value is a bound parameter; the only text composed into SQL is the constant node filter.

Definitions (docs/supply-chain.md, docs/metrics.md):
- flows use ``mart_moves``: moves between two regions *at the same level* (a move inside a
  region is not a flow there), by the year of ``moved_on``;
- arrivals(r) = moves with to = r; departures(r) = moves with from = r; net = arrivals −
  departures; net per 10,000 residents = net ÷ (常住人口 ÷ 10,000), unknown (None) without a
  population figure;
- counterparts are regions at the region's own level (provinces for a province, cities for a
  city, districts for a district); for the country, routes are between provinces;
- routes are drawn between places in China; moves across the border are counted by country
  in ``analytics.overseas.border_flows`` (and are origins/destinations like any region);
- returnees: persons (``talent_person``) in the region up to the end of the year with
  ``is_returnee``, by ``overseas_country`` (未知 when the person has none);
- node detail: talent and enterprises up to the end of the year, postings published in the
  year, mean monthly salary = mean of (salary_min + salary_max) ÷ 2 over postings with a salary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics import chain_index
from analytics.filters import COUNTRY
from analytics.queries import NODE_WHERE, POPULATION, in_business, on_persons
from store.reader import Reader

UNKNOWN_COUNTRY = "未知"


@dataclass(frozen=True)
class FlowScope:
    """The region whose flows are shown and the mart level they are counted at."""
    region: str
    level: str
    note: str | None = None   # why it differs from the region asked for


def span(year: int | tuple[int, int]) -> tuple[int, int]:
    """A year or a (first, last) period as (first, last)."""
    if isinstance(year, tuple | list):
        first, last = (int(v) for v in year)
        return min(first, last), max(first, last)
    return int(year), int(year)


def _params(region: str, year, nodes) -> dict:
    y0, y1 = span(year)
    return {"region": region, "y0": y0, "y1": y1, "nodes": list(nodes or ())}


def flow_scope(reader: Reader, region: str) -> FlowScope:
    """Flows are counted at the region's own level. The country has no flows of its own: its
    routes are between provinces. A district whose moves are only recorded at city level (no
    move between it and another district touches it) is shown through its city, and the note
    says so. A move across the border does not count here: a place abroad stands for itself at
    every level, so such a move touches the district without any district-level record."""
    info = reader.df("SELECT level, city_adcode, parent_adcode FROM region WHERE adcode = $region",
                     {"region": region})
    if info.empty or region == COUNTRY:
        return FlowScope(COUNTRY, "province", "全国: 显示省际流动")
    level = str(info["level"].iloc[0])
    if level != "district":
        return FlowScope(region, level)
    seen = reader.df("SELECT count(*) AS n FROM mart_moves m "
                     "JOIN region f ON f.adcode = m.from_adcode "
                     "JOIN region t ON t.adcode = m.to_adcode WHERE m.level = 'district' "
                     "AND f.level <> 'abroad' AND t.level <> 'abroad' "
                     "AND (m.from_adcode = $region OR m.to_adcode = $region)", {"region": region})
    city = info["city_adcode"].iloc[0] or info["parent_adcode"].iloc[0]
    if int(seen["n"].iloc[0]) or not city or pd.isna(city):
        return FlowScope(region, level)
    name = reader.df("SELECT name FROM region WHERE adcode = $c", {"c": city})["name"].iloc[0]
    return FlowScope(str(city), "city", f"流动记录只到市级: 显示所属 {name} 的流动")


# The region's level is looked up in Python (chain_index.region_levels: the region table once
# per version) and its population too (``population``): each subquery cost the planner about as
# much as the scan of mart_moves (issue 18). A NULL level (a code the region table does not
# know) matches no move, as the subquery's did. The moves themselves are counted in memory
# (chain_index.move_totals, counterparts, routes) when the mart is modelled there; this SQL
# answers otherwise, the same.
SUMMARY = f"""
SELECT coalesce(sum(moves) FILTER (WHERE to_adcode = $region), 0) AS arrivals,
       coalesce(sum(moves) FILTER (WHERE from_adcode = $region), 0) AS departures
FROM mart_moves
WHERE level = $level AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
  AND (to_adcode = $region OR from_adcode = $region)
"""  # noqa: S608 - a constant snippet; values are bound


BETWEEN_PROVINCES = f"""
SELECT coalesce(sum(moves), 0) AS n FROM mart_moves
WHERE level = 'province' AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
"""  # noqa: S608


def population(reader: Reader) -> dict:
    """Latest 常住人口 by adcode (``POPULATION``, once per version; a code with several figures
    keeps the first it has, as the query's any_value did)."""
    def load() -> dict:
        df = reader.df(POPULATION)
        out: dict = {}
        for code, v in zip(df["adcode"].tolist(), df["population"].tolist(), strict=True):
            if out.get(code) is None and not pd.isna(v):
                out[code] = float(v)
        return out

    return chain_index.cached(reader, ("population",), load)


def _level(reader: Reader, region: str) -> str | None:
    return chain_index.region_levels(reader).get(region)


def summary(reader: Reader, region: str, year, nodes=()) -> dict:
    """Arrivals, departures, net and net per 10,000 residents (None without population), and
    ``moves``: every move touching the region. The country has no flows of its own: arrivals,
    departures and net are None and ``moves`` counts the moves between provinces."""
    params = _params(region, year, nodes)
    level = "province" if region == COUNTRY else _level(reader, region)
    got = chain_index.move_totals(reader, region, level, params["y0"], params["y1"], nodes)
    if region == COUNTRY:
        total = got if got is not None else int(reader.df(BETWEEN_PROVINCES, params)["n"].iloc[0])
        return {"arrivals": None, "departures": None, "net": None, "population": None,
                "net_per_10k": None, "moves": total}
    if got is None:
        row = reader.df(SUMMARY, params | {"level": level}).iloc[0]
        got = int(row["arrivals"]), int(row["departures"])
    arrivals, departures = got
    pop = population(reader).get(region)
    net = arrivals - departures
    return {"arrivals": arrivals, "departures": departures, "net": net, "population": pop,
            "net_per_10k": net / (pop / 10000) if pop else None, "moves": arrivals + departures}


# inbound: where arrivals came from; else where departures went (two constant texts)
COUNTERPARTS = {inbound: f"""
SELECT r.adcode, r.name, sum(m.moves) AS moves,
       sum(m.moves) / sum(sum(m.moves)) OVER () AS share
FROM mart_moves m JOIN region r ON r.adcode = m.{there}
WHERE m.level = $level AND m.year BETWEEN $y0 AND $y1
  AND {NODE_WHERE.replace('node_id', 'm.node_id')} AND m.{here} = $region
GROUP BY ALL ORDER BY moves DESC, r.adcode LIMIT $limit
"""  # noqa: S608
    for inbound, there, here in ((True, "from_adcode", "to_adcode"),
                                 (False, "to_adcode", "from_adcode"))}


def _counterparts(reader: Reader, region: str, year, nodes, limit: int,
                  inbound: bool) -> pd.DataFrame:
    params = _params(region, year, nodes) | {"level": _level(reader, region), "limit": limit}
    got = chain_index.counterparts(reader, region, params["level"], params["y0"], params["y1"],
                                   nodes, limit, inbound)
    return got if got is not None else reader.df(COUNTERPARTS[inbound], params)


def origins(reader: Reader, region: str, year, nodes=(), limit: int = 20) -> pd.DataFrame:
    """Where arrivals came from: adcode, name, moves, share of the region's arrivals."""
    return _counterparts(reader, region, year, nodes, limit, True)


def destinations(reader: Reader, region: str, year, nodes=(), limit: int = 20) -> pd.DataFrame:
    """Where departures went: adcode, name, moves, share of the region's departures."""
    return _counterparts(reader, region, year, nodes, limit, False)


ROUTES = f"""
WITH m AS (
    SELECT from_adcode, to_adcode, sum(moves) AS moves FROM mart_moves
    WHERE level = $level AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
      AND ($region = '100000' OR $region IN (from_adcode, to_adcode))
    GROUP BY ALL
)
SELECT m.from_adcode, f.name AS from_name, f.lon AS from_lon, f.lat AS from_lat,
       m.to_adcode, t.name AS to_name, t.lon AS to_lon, t.lat AS to_lat, m.moves,
       CASE WHEN m.to_adcode = $region THEN '流入'
            WHEN m.from_adcode = $region THEN '流出' ELSE '区域间' END AS direction
FROM m JOIN region f ON f.adcode = m.from_adcode JOIN region t ON t.adcode = m.to_adcode
WHERE f.level <> 'abroad' AND t.level <> 'abroad'  -- no place on the map: analytics.overseas
ORDER BY m.moves DESC, m.from_adcode, m.to_adcode LIMIT $limit
"""  # noqa: S608


def top_routes(reader: Reader, region: str, year, nodes=(), limit: int = 15) -> pd.DataFrame:
    """The largest routes into and out of the region (for the country: between provinces),
    with names and centroids (lon/lat) of both ends for drawing lines."""
    level = _level(reader, region)
    params = _params(region, year, nodes) | {
        "level": "province" if level == "country" else level, "limit": limit}
    got = chain_index.routes(reader, region, params["level"], params["y0"], params["y1"], nodes,
                             limit)
    return got if got is not None else reader.df(ROUTES, params)


RETURNEES = f"""
SELECT coalesce(nullif(trim(t.overseas_country), ''), '{UNKNOWN_COUNTRY}') AS country,
       count(*) AS talent
FROM talent_person t JOIN region_ancestor a ON a.adcode = t.adcode AND a.ancestor_adcode = $region
WHERE t.is_returnee AND year(t.observed_on) <= $y1 AND {NODE_WHERE.replace('node_id', 't.node_id')}
GROUP BY ALL ORDER BY talent DESC, country
"""  # noqa: S608


def returnee_countries(reader: Reader, region: str, year, nodes=()) -> pd.DataFrame:
    """Returnees (persons) in the region up to the end of the (last) year, by country."""
    return reader.df(on_persons(reader, RETURNEES), _params(region, year, nodes))


# -- chain-node detail -------------------------------------------------------------------------
BY_AREA = """
WITH kids AS (
    SELECT adcode, name FROM region WHERE parent_adcode = $region
    UNION ALL
    SELECT adcode, name FROM region WHERE adcode = $region
      AND NOT EXISTS (SELECT 1 FROM region WHERE parent_adcode = $region)
),
t AS (SELECT adcode, sum(talents) AS talent FROM mart_talent_supply
      WHERE node_id = $node AND year <= $year GROUP BY adcode),
e AS (SELECT adcode, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise WHERE node_id = $node AND year <= $year GROUP BY adcode),
p AS (SELECT adcode, sum(postings) AS postings FROM mart_posting_demand
      WHERE node_id = $node AND year = $year GROUP BY adcode)
SELECT k.adcode, k.name, coalesce(t.talent, 0) AS talent,
       coalesce(e.enterprises, 0) AS enterprises, coalesce(e.leaders, 0) AS leaders,
       coalesce(p.postings, 0) AS postings
FROM kids k LEFT JOIN t USING (adcode) LEFT JOIN e USING (adcode) LEFT JOIN p USING (adcode)
ORDER BY talent DESC, enterprises DESC, k.adcode
"""


def node_by_area(reader: Reader, region: str, node: str, year: int) -> pd.DataFrame:
    """Talent, enterprises, chain leaders and postings in the node for each child region (the
    region itself when it has no children)."""
    return reader.df(BY_AREA, {"region": region, "node": node, "year": year})


BY_TITLE = """
SELECT p.title, count(*) AS postings, count(p.salary_min) AS salaried,
       avg((p.salary_min + coalesce(p.salary_max, p.salary_min)) / 2.0) AS mean_salary,
       median((p.salary_min + coalesce(p.salary_max, p.salary_min)) / 2.0) AS median_salary
FROM job_posting p
JOIN region_ancestor a ON a.adcode = p.adcode AND a.ancestor_adcode = $region
WHERE p.node_id = $node AND year(p.posted_on) = $year
GROUP BY ALL ORDER BY postings DESC, p.title LIMIT $limit
"""


def demand_by_title(reader: Reader, region: str, node: str, year: int,
                    limit: int = 15) -> pd.DataFrame:
    """Postings in the region and node published in the year, by job title, with the mean and
    median monthly salary (yuan) of the postings that state one."""
    return reader.df(BY_TITLE, {"region": region, "node": node, "year": year, "limit": limit})


LOCAL_FIRMS = """
SELECT e.name, r.name AS district, e.employees, e.registered_capital_wan, e.founded_on,
       coalesce(e.is_listed, false) AS is_listed,
       coalesce(e.is_chain_leader, false) AS is_chain_leader
FROM enterprise e
JOIN region_ancestor a ON a.adcode = e.adcode AND a.ancestor_adcode = $region
JOIN region r ON r.adcode = e.adcode
WHERE e.node_id = $node AND year(coalesce(e.founded_on, e.observed_on)) <= $year
  AND {in_business}
ORDER BY is_chain_leader DESC, is_listed DESC, e.employees DESC NULLS LAST, e.credit_code
LIMIT $limit
"""


def local_enterprises(reader: Reader, region: str, node: str, year: int,
                      limit: int = 50) -> pd.DataFrame:
    """The region's own enterprises in the node: chain leaders, listed and large first."""
    return reader.df(LOCAL_FIRMS.format(in_business=in_business(reader)),
                     {"region": region, "node": node, "year": year, "limit": limit})


def chain_matrix(reader: Reader, regions: list[str], year: int, th,
                 bench: str = COUNTRY) -> pd.DataFrame:
    """``gaps.chain_status`` of several regions stacked (adcode, name added): the heatmap's
    data, from one query for all the regions (``gaps.chain_status_all``)."""
    from analytics import gaps

    if not regions:
        return pd.DataFrame()
    return gaps.chain_status_all(reader, list(regions), year, th, bench)
