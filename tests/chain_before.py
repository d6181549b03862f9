"""A frozen copy of the 产业链 page's query functions as they were before issue 18's speed-up
(analytics/gaps.py and analytics/flows.py): tests/test_chain_speed_equiv.py compares the new
ones with these, and ``bench/chain.py --before`` times them. Never edit to follow a change: it
is the reference the new code must equal.
"""

# ruff: noqa: E501, S608

from __future__ import annotations

import math

import pandas as pd

from analytics.filters import COUNTRY, Thresholds
from analytics.gaps import Bases, extend_chain, gap_score, lq, node_status, sd_band, sd_ratio
from analytics.queries import NODE_WHERE, POPULATION, in_business, on_persons
from store.reader import Reader


def span(year: int | tuple[int, int]) -> tuple[int, int]:
    """A year or a (first, last) period as (first, last)."""
    if isinstance(year, tuple | list):
        first, last = (int(v) for v in year)
        return min(first, last), max(first, last)
    return int(year), int(year)


def _params(region: str, year, nodes) -> dict:
    y0, y1 = span(year)
    return {"region": region, "y0": y0, "y1": y1, "nodes": list(nodes or ())}


NODE_FACTS = """
WITH nodes AS (SELECT node_id, name_zh, layer, segment, sequence FROM chain_node),
t AS (SELECT adcode, node_id, sum(talents) AS talents,
             sum(talents) FILTER (WHERE year = $year) AS active
      FROM mart_talent_supply
      WHERE adcode IN ($region, $bench) AND year <= $year GROUP BY ALL),
e AS (SELECT adcode, node_id, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise WHERE adcode IN ($region, $bench) AND year <= $year GROUP BY ALL),
p AS (SELECT adcode, node_id, sum(postings) AS postings,
             sum(salary_sum) / nullif(sum(salaried_postings), 0) AS mean_salary
      FROM mart_posting_demand WHERE adcode IN ($region, $bench) AND year = $year GROUP BY ALL)
SELECT n.*,
       coalesce(tl.talents, 0) AS talent, coalesce(tl.active, 0) AS active,
       coalesce(tb.talents, 0) AS bench_talent,
       coalesce(el.enterprises, 0) AS enterprises, coalesce(el.leaders, 0) AS leaders,
       coalesce(eb.enterprises, 0) AS bench_enterprises,
       coalesce(pl.postings, 0) AS postings, pl.mean_salary
FROM nodes n
LEFT JOIN t tl ON tl.node_id = n.node_id AND tl.adcode = $region
LEFT JOIN t tb ON tb.node_id = n.node_id AND tb.adcode = $bench
LEFT JOIN e el ON el.node_id = n.node_id AND el.adcode = $region
LEFT JOIN e eb ON eb.node_id = n.node_id AND eb.adcode = $bench
LEFT JOIN p pl ON pl.node_id = n.node_id AND pl.adcode = $region
ORDER BY n.sequence
"""

TOTALS = """
SELECT adcode,
       (SELECT coalesce(sum(talents), 0) FROM mart_talent_supply m
        WHERE m.adcode = r.adcode AND year <= $year) AS talent,
       (SELECT coalesce(sum(enterprises), 0) FROM mart_enterprise m
        WHERE m.adcode = r.adcode AND year <= $year) AS enterprises
FROM region r WHERE adcode IN ($region, $bench)
"""


def chain_status(reader: Reader, region: str, year: int, th: Thresholds,
                 bench: str = COUNTRY) -> pd.DataFrame:
    """One row per chain node: supply, demand, LQs, band, status with its reason, gap score."""
    params = {"region": region, "bench": bench, "year": year}
    df = reader.df(NODE_FACTS, params)
    totals = reader.df(TOTALS, params).set_index("adcode")
    bases = Bases(_total(totals, region, "talent"), _total(totals, bench, "talent"),
                  _total(totals, region, "enterprises"), _total(totals, bench, "enterprises"))
    return assess(df, bases, th)


def assess(df: pd.DataFrame, bases: Bases, th: Thresholds) -> pd.DataFrame:
    """The chain's figures from its counts (pure): ``df`` has one row per node with node_id,
    name_zh, talent, active, bench_talent, enterprises, leaders, bench_enterprises, postings.
    ``chain_status`` calls it on the warehouse's counts, the what-if (analytics/whatif.py) on
    changed ones: one set of rules. The bases are kept as columns (lq_base, lq_bench_base,
    ent_base, ent_bench_base)."""
    from reference.taxonomy import adjacent_nodes

    col = {c: df[c].tolist() for c in ("node_id", "name_zh", "talent", "bench_talent",
                                       "enterprises", "bench_enterprises", "active", "postings",
                                       "leaders")}
    loc_t, ben_t = bases.talent, bases.bench_talent
    loc_e, ben_e = bases.enterprises, bases.bench_enterprises
    # Plain lists, one assign: itertuples and column-by-column assignment cost pandas 3 about
    # 25 ms per region (most of the 34-province heatmap's time); the rules are the same.
    lq_t = [lq(a, loc_t, b, ben_t) for a, b in zip(col["talent"], col["bench_talent"],
                                                   strict=True)]
    lq_e = [lq(a, loc_e, b, ben_e) for a, b in zip(col["enterprises"], col["bench_enterprises"],
                                                   strict=True)]
    ratio = [sd_ratio(a, b) for a, b in zip(col["active"], col["postings"], strict=True)]
    credible = loc_t >= th.lq_min_base
    statuses = {n: node_status(_none(v), int(e), int(ld), th, base=loc_t)
                for n, v, e, ld in zip(col["node_id"], lq_t, col["enterprises"], col["leaders"],
                                       strict=True)}
    statuses = extend_chain(statuses, dict(zip(col["node_id"], col["enterprises"], strict=True)),
                            adjacent_nodes(), dict(zip(col["node_id"], col["name_zh"], strict=True)))
    return df.assign(
        lq_talent=pd.Series(lq_t, index=df.index, dtype=object).astype(float),
        lq_enterprise=pd.Series(lq_e, index=df.index, dtype=object).astype(float),
        sd_ratio=pd.Series(ratio, index=df.index, dtype=object).astype(float),
        sd_band=[sd_band(_none(r), th) for r in ratio],
        lq_base=loc_t, lq_credible=credible, lq_bench_base=ben_t, ent_base=loc_e,
        ent_bench_base=ben_e,
        status=[statuses[n].status for n in col["node_id"]],
        reason=[statuses[n].reason for n in col["node_id"]],
        gap_score=[gap_score(_none(v), _none(r), int(e), bool(credible))
                   for v, r, e in zip(lq_t, ratio, col["enterprises"], strict=True)])


def _total(totals: pd.DataFrame, code: str, col: str) -> float:
    return float(totals.loc[code, col]) if code in totals.index else 0.0


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


SOURCE_REGIONS = """
WITH lvl AS (SELECT level FROM region WHERE adcode = $region),
peers AS (SELECT adcode, name FROM region WHERE level = (SELECT level FROM lvl)
          AND adcode <> $region),
t AS (SELECT adcode, sum(talents) FILTER (WHERE node_id = $node) AS in_node,
             sum(talents) AS total
      FROM mart_talent_supply WHERE year <= $year AND adcode IN (SELECT adcode FROM peers)
      GROUP BY adcode),
nat AS (SELECT sum(talents) FILTER (WHERE node_id = $node) / sum(talents) AS share
        FROM mart_talent_supply WHERE adcode = '100000' AND year <= $year),
e AS (SELECT adcode, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise WHERE node_id = $node AND year <= $year GROUP BY adcode)
SELECT p.adcode, p.name, t.in_node AS talent, coalesce(e.enterprises, 0) AS enterprises,
       coalesce(e.leaders, 0) AS leaders,
       (t.in_node / nullif(t.total, 0)) / nullif(nat.share, 0) AS lq,
       t.total >= $min_base AS lq_credible,
       -- the ranking: talent × min(LQ, 3); an LQ from a base below lq_min_base is noise,
       -- neutral (1) here
       least(CASE WHEN t.total >= $min_base THEN coalesce(lq, 0) ELSE 1 END, 3) AS lq_weight,
       t.in_node * least(CASE WHEN t.total >= $min_base THEN coalesce(lq, 0) ELSE 1 END, 3)
           AS score
FROM peers p JOIN t USING (adcode) LEFT JOIN e USING (adcode) CROSS JOIN nat
WHERE t.in_node > 0
ORDER BY score DESC, p.adcode
LIMIT $limit
"""

SOURCE_ENTERPRISES = """
SELECT e.credit_code, e.name, r.name AS region, c.name AS city, e.employees,
       e.registered_capital_wan, e.founded_on, e.is_listed, e.is_chain_leader
FROM enterprise e
JOIN region r USING (adcode)
LEFT JOIN region c ON c.adcode = coalesce(r.city_adcode, r.province_adcode)
WHERE e.node_id = $node
  AND e.adcode NOT IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region)
  AND {in_business}  -- no firm to recruit any more
ORDER BY e.is_chain_leader DESC, e.is_listed DESC, e.employees DESC NULLS LAST, e.credit_code
LIMIT $limit
"""

SOURCE_POOLS = """
SELECT * FROM (
    SELECT r.adcode, r.name, count(*) AS talent,
           count(*) FILTER (WHERE t.tier IN ('A', 'B', 'C', 'D')) AS high_level,
           count(*) FILTER (WHERE t.is_returnee) AS returnees,
           count(*) FILTER (WHERE t.willing_to_relocate) AS willing_to_relocate,
           count(*) FILTER (WHERE t.expected_adcode IN
                            (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region))
               AS expecting_here
    FROM talent_person t
    JOIN region_ancestor a ON a.adcode = t.adcode
      AND a.ancestor_level = (SELECT CASE level WHEN 'district' THEN 'city' ELSE level END
                              FROM region WHERE adcode = $region)
    JOIN region r ON r.adcode = a.ancestor_adcode
    WHERE t.node_id = $node AND year(t.observed_on) <= $year AND r.adcode <> $region
      AND t.adcode NOT IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region)
    GROUP BY ALL
) ORDER BY willing_to_relocate + expecting_here DESC, talent DESC, adcode
LIMIT $limit
"""


def source_regions(reader: Reader, region: str, node: str, year: int,
                   limit: int = 20, min_base: int | None = None) -> pd.DataFrame:
    """Regions at the same level with high LQ and supply in the node (招引目标地区), ranked by
    talent × min(LQ, 3); an LQ on fewer than ``min_base`` talents (default: the setting
    lq_min_base) counts as 1 and is flagged ``lq_credible`` = false."""
    if min_base is None:
        min_base = Thresholds.from_settings().lq_min_base
    return reader.df(SOURCE_REGIONS, {"region": region, "node": node, "year": year,
                                      "limit": limit, "min_base": min_base})


def source_enterprises(reader: Reader, region: str, node: str, limit: int = 50) -> pd.DataFrame:
    """Enterprises elsewhere in the node: chain leaders, listed and large first (招引企业)."""
    sql = SOURCE_ENTERPRISES.format(in_business=in_business(reader))
    return reader.df(sql, {"region": region, "node": node, "limit": limit})


def source_talent_pools(reader: Reader, region: str, node: str, year: int,
                        limit: int = 20) -> pd.DataFrame:
    """Talent pools elsewhere in the node (persons), with returnees and those willing to
    relocate."""
    return reader.df(on_persons(reader, SOURCE_POOLS),
                     {"region": region, "node": node, "year": year, "limit": limit})


SUMMARY = f"""
WITH m AS (
    SELECT from_adcode, to_adcode, moves FROM mart_moves
    WHERE level = (SELECT level FROM region WHERE adcode = $region)
      AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
),
pop AS ({POPULATION})
SELECT (SELECT coalesce(sum(moves), 0) FROM m WHERE to_adcode = $region) AS arrivals,
       (SELECT coalesce(sum(moves), 0) FROM m WHERE from_adcode = $region) AS departures,
       (SELECT any_value(population) FROM pop WHERE adcode = $region) AS population
"""  # noqa: S608 - a constant snippet; values are bound


BETWEEN_PROVINCES = f"""
SELECT coalesce(sum(moves), 0) AS n FROM mart_moves
WHERE level = 'province' AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
"""  # noqa: S608


def summary(reader: Reader, region: str, year, nodes=()) -> dict:
    """Arrivals, departures, net and net per 10,000 residents (None without population), and
    ``moves``: every move touching the region. The country has no flows of its own: arrivals,
    departures and net are None and ``moves`` counts the moves between provinces."""
    params = _params(region, year, nodes)
    if region == COUNTRY:
        total = reader.df(BETWEEN_PROVINCES, params)
        return {"arrivals": None, "departures": None, "net": None, "population": None,
                "net_per_10k": None, "moves": int(total["n"].iloc[0])}
    row = reader.df(SUMMARY, params).iloc[0]
    arrivals, departures = int(row["arrivals"]), int(row["departures"])
    pop = None if pd.isna(row["population"]) else float(row["population"])
    net = arrivals - departures
    return {"arrivals": arrivals, "departures": departures, "net": net, "population": pop,
            "net_per_10k": net / (pop / 10000) if pop else None, "moves": arrivals + departures}


COUNTERPARTS = f"""
WITH m AS (
    SELECT CASE WHEN $inbound THEN from_adcode ELSE to_adcode END AS adcode, moves
    FROM mart_moves
    WHERE level = (SELECT level FROM region WHERE adcode = $region)
      AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
      AND (CASE WHEN $inbound THEN to_adcode ELSE from_adcode END) = $region
)
SELECT r.adcode, r.name, sum(m.moves) AS moves,
       sum(m.moves) / sum(sum(m.moves)) OVER () AS share
FROM m JOIN region r USING (adcode)
GROUP BY ALL ORDER BY moves DESC, r.adcode LIMIT $limit
"""  # noqa: S608


def origins(reader: Reader, region: str, year, nodes=(), limit: int = 20) -> pd.DataFrame:
    """Where arrivals came from: adcode, name, moves, share of the region's arrivals."""
    return reader.df(COUNTERPARTS, _params(region, year, nodes) | {"inbound": True,
                                                                   "limit": limit})


def destinations(reader: Reader, region: str, year, nodes=(), limit: int = 20) -> pd.DataFrame:
    """Where departures went: adcode, name, moves, share of the region's departures."""
    return reader.df(COUNTERPARTS, _params(region, year, nodes) | {"inbound": False,
                                                                   "limit": limit})


ROUTES = f"""
WITH m AS (
    SELECT from_adcode, to_adcode, sum(moves) AS moves FROM mart_moves
    WHERE level = (SELECT CASE level WHEN 'country' THEN 'province' ELSE level END
                   FROM region WHERE adcode = $region)
      AND year BETWEEN $y0 AND $y1 AND {NODE_WHERE}
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
    return reader.df(ROUTES, _params(region, year, nodes) | {"limit": limit})

