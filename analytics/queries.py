"""Talent-map queries and metrics (Streamlit-free). Every value is a bound parameter; the only
text pasted into SQL are the constant filter snippets below.

Definitions (docs/metrics.md):
- talent stock in year Y: talents on record (observed) up to the end of Y;
- high-level talent: tiers A–D;
- density: talents per 10,000 residents (latest 常住人口 indicator; unknown when missing);
- share: the region's talent ÷ national talent under the same filters;
- LQ for the selected nodes: (region's talent in those nodes ÷ region's talent) ÷
  (national talent in those nodes ÷ national talent);
- growth: stock(Y) ÷ stock(Y−1) − 1;
- net inflow: arrivals − departures with moved_on in year Y.
"""

from __future__ import annotations

import re

import pandas as pd

import settings
from analytics import map_index
from analytics.filters import COUNTRY, Filters
from store.reader import Reader

# Talent-mart filter shared by every talent query (columns of mart_talent_supply).
TALENT_WHERE = """
    (len($tiers) = 0 OR list_contains($tiers, tier))
    AND (len($education) = 0 OR list_contains($education, education))
    AND (len($experience) = 0 OR list_contains($experience, experience_band))
    AND (NOT $returnees_only OR is_returnee)
"""
NODE_WHERE = "(len($nodes) = 0 OR list_contains($nodes, node_id))"
# A firm in business (not 吊销 or 注销: docs/loading-data.md) — `e` the enterprise table.
IN_BUSINESS = "coalesce(e.reg_status, '存续') NOT IN ('注销', '吊销')"


def in_business(reader: Reader) -> str:
    """IN_BUSINESS, or ``true`` on a warehouse published before 登记状态 was loaded."""
    return IN_BUSINESS if reader.has_column("enterprise", "reg_status") else "true"


# Every talent count and list reads persons (docs/linkage.md, "Counting"): `talent_person`, one
# row per person (etl/sql/marts.sql), never the source records in `talent` (a person loaded from
# two sources is one talent). Queries name `talent_person`; on a warehouse published before that
# table existed, `on_persons` puts the latest record of each person in its place (the mart's
# order, without the fill), or every record when the warehouse has not even persons.
PERSONS = "talent_person"
LATEST_RECORDS = ("(SELECT * FROM talent QUALIFY row_number() OVER (PARTITION BY "
                  "coalesce(person_id, talent_id) ORDER BY observed_on DESC, batch_id DESC, "
                  "talent_id) = 1)")
RECORDS = "talent"


def talent_table(reader: Reader) -> str:
    """What a talent query reads on this warehouse: one of the three constants above."""
    if reader.has_table(PERSONS):
        return PERSONS
    return LATEST_RECORDS if reader.has_column("talent", "person_id") else RECORDS


def on_persons(reader: Reader, sql: str) -> str:
    """A constant query that reads `talent_person`, made right for this warehouse (only the
    constants of ``talent_table`` are put in; never any text from a user)."""
    table = talent_table(reader)
    return sql if table == PERSONS else re.sub(rf"\b{PERSONS}\b", lambda _m: table, sql)


HIGH = "list_contains(['A', 'B', 'C', 'D'], tier)"
# Latest 常住人口 of each region. A municipality's province and its only city (北京市 110000 and
# 110100) are one place: whichever of the two has a figure lends it to the other. A region that
# could borrow from both its parent and its only child takes its parent's (one row per region).
POPULATION = """
    WITH direct AS (
        SELECT adcode, arg_max(value, year) AS population
        FROM region_indicator WHERE indicator = '常住人口' GROUP BY adcode
    ),
    twins AS (
        SELECT parent_adcode AS a, any_value(adcode) AS b FROM region
        WHERE parent_adcode IS NOT NULL GROUP BY parent_adcode HAVING count(*) = 1
    ),
    lent AS (
        SELECT adcode, arg_max(population, from_parent) AS population FROM (
            SELECT t.a AS adcode, d.population, 0 AS from_parent
            FROM twins t JOIN direct d ON d.adcode = t.b
            UNION ALL
            SELECT t.b, d.population, 1 FROM twins t JOIN direct d ON d.adcode = t.a
        ) GROUP BY adcode
    )
    SELECT * FROM direct
    UNION ALL
    SELECT * FROM lent WHERE adcode NOT IN (SELECT adcode FROM direct)
"""


def layer_nodes(reader: Reader, f: Filters) -> Filters:
    """Filters whose node list reflects the chosen layer when no node is picked."""
    if f.nodes or not f.layer:
        return f
    nodes = reader.per_version(("layer_nodes", f.layer), lambda: tuple(reader.df(
        "SELECT node_id FROM chain_node WHERE layer = ? ORDER BY sequence",
        [f.layer])["node_id"].tolist()))  # once per published version
    return f.with_(nodes=nodes)


def years(reader: Reader) -> list[int]:
    """Years with talent data, ascending."""
    df = reader.df("SELECT DISTINCT year FROM mart_talent_supply WHERE year IS NOT NULL "
                   "ORDER BY year")
    return [int(y) for y in df["year"]]


def talent_per_year(reader: Reader) -> dict[int, int]:
    """Talent records per year (each counted once: at its country, the top of its chain)."""
    df = reader.df("SELECT year, sum(talents) AS n FROM mart_talent_supply "
                   "WHERE level = 'country' AND year IS NOT NULL GROUP BY year ORDER BY year")
    return {int(y): int(n) for y, n in zip(df["year"], df["n"], strict=True)}


def pick_default_year(counts: dict[int, int], min_share: float) -> int:
    """The latest year whose count reaches ``min_share`` of the busiest year's (the latest year
    when none does; 0 without data): a few stray records dated late never become the default."""
    if not counts:
        return 0
    need = min_share * max(counts.values())
    enough = [y for y, n in counts.items() if n >= need]
    return max(enough) if enough else max(counts)


def default_year(reader: Reader) -> int:
    """The year in view when none is asked for (setting ``default_year_min_share``)."""
    share = settings.get("default_year_min_share")
    return pick_default_year(talent_per_year(reader), share)


def resolve_year(reader: Reader, f: Filters) -> int:
    """The year asked for when it has data, else the default year (see default_year); both
    looked up once per published version of the reader (each is a scan of the mart)."""
    def lookup() -> tuple:
        ys = years(reader)
        return ys, default_year(reader) if ys else 0

    ys, default = reader.per_version(("years", settings.get("default_year_min_share")), lookup)
    if not ys:
        return 0
    return f.year if f.year in ys else default


def region_info(reader: Reader, adcode: str) -> dict:
    df = reader.df("SELECT * FROM region WHERE adcode = ?", [adcode])
    return df.iloc[0].to_dict() if len(df) else {}


def breadcrumb(reader: Reader, adcode: str) -> list[tuple[str, str]]:
    """(adcode, name) from the country down to the region."""
    df = reader.df("SELECT r.adcode, r.name, r.level FROM region_ancestor a "
                   "JOIN region r ON r.adcode = a.ancestor_adcode WHERE a.adcode = ?", [adcode])
    order = {"country": 0, "province": 1, "city": 2, "district": 3}
    df = df.assign(o=df["level"].map(order)).sort_values("o")
    crumbs = [("100000" if a == COUNTRY else a, "全国" if a == COUNTRY else n)
              for a, n in zip(df["adcode"], df["name"], strict=True)]
    # 北京市 the province and 北京市 the city are one place to a reader: keep the deeper one
    return [c for c, after in zip(crumbs, crumbs[1:] + [None], strict=True)
            if after is None or after[1] != c[1]]


def drill_parent(reader: Reader, adcode: str) -> str:
    """The region whose children the drill box offers: the region itself, or — for a region
    with a single child (the province 北京市 and its one city) — the first level below it that
    has a choice, so that the box lists the places the map shows."""
    kids = reader.df("SELECT adcode FROM region WHERE parent_adcode = ?", [adcode])
    return drill_parent(reader, kids["adcode"].iloc[0]) if len(kids) == 1 else adcode


def map_parent(reader: Reader, adcode: str) -> str:
    """The region whose children are drawn: the region itself, or its parent for a leaf;
    a province with a single city (北京市) is drawn by that city's districts."""
    kids = reader.df("SELECT adcode FROM region WHERE parent_adcode = ?", [adcode])
    if len(kids) == 1:
        return map_parent(reader, kids["adcode"].iloc[0])
    if len(kids) == 0:
        info = region_info(reader, adcode)
        return info.get("parent_adcode") or COUNTRY
    return adcode


CHILDREN_METRICS = f"""
    WITH kids AS (SELECT adcode, name, level FROM region WHERE parent_adcode = $parent),
    -- one scan of the mart for the children, the parent and the country (issue 18)
    sums AS (
        SELECT adcode,
               sum(talents) FILTER (WHERE {NODE_WHERE}) AS talents,
               sum(talents) FILTER (WHERE {NODE_WHERE} AND year <= $year - 1) AS talents_prev,
               sum(talents) FILTER (WHERE {NODE_WHERE} AND {HIGH}) AS high_level,
               sum(talents) AS all_nodes
        FROM mart_talent_supply
        WHERE year <= $year AND {TALENT_WHERE} AND adcode IN (
            SELECT adcode FROM kids UNION ALL SELECT $parent UNION ALL SELECT '100000')
        GROUP BY adcode
    ),
    nat AS (SELECT max(all_nodes) AS total, max(talents) AS in_nodes
            FROM sums WHERE adcode = '100000'),
    par AS (
        SELECT coalesce(max(talents), 0) AS talents, coalesce(max(high_level), 0) AS high_level,
               coalesce(max(talents_prev), 0) AS talents_prev
        FROM sums WHERE adcode = $parent
    ),
    mv AS (SELECT to_adcode, from_adcode, level, moves FROM mart_moves
           WHERE year = $year AND {NODE_WHERE}),
    flows AS (
        SELECT adcode, sum(arrivals) AS arrivals, sum(departures) AS departures FROM (
            SELECT to_adcode AS adcode, level, moves AS arrivals, 0 AS departures FROM mv
            UNION ALL
            SELECT from_adcode, level, 0, moves FROM mv
        ) JOIN kids USING (adcode, level) GROUP BY adcode
    ),
    pop AS ({POPULATION})
    SELECT k.adcode, k.name, k.level,
           coalesce(a.talents, 0) AS talents, coalesce(a.high_level, 0) AS high_level,
           coalesce(a.talents_prev, 0) AS talents_prev,
           p.population,
           coalesce(a.talents, 0) / (p.population / 10000.0) AS density,
           coalesce(a.talents, 0) / nullif(nat.in_nodes, 0) AS share,
           -- talent but none in the nodes: LQ 0 (as on the chain page); no talent: unknown
           CASE WHEN $has_nodes THEN (coalesce(a.talents, 0) / nullif(a.all_nodes, 0))
                / nullif(nat.in_nodes / nullif(nat.total, 0), 0) END AS lq,
           coalesce(a.all_nodes, 0) >= $min_base AS lq_credible,
           a.talents / nullif(a.talents_prev, 0) - 1 AS growth,
           coalesce(fl.arrivals, 0) - coalesce(fl.departures, 0) AS net_inflow,
           coalesce(fl.arrivals, 0) AS arrivals, coalesce(fl.departures, 0) AS departures,
           par.talents AS parent_talents, par.high_level AS parent_high_level,
           par.talents_prev AS parent_talents_prev
    FROM kids k LEFT JOIN sums a USING (adcode) LEFT JOIN pop p USING (adcode)
    LEFT JOIN flows fl USING (adcode) CROSS JOIN nat CROSS JOIN par
    ORDER BY talents DESC, k.adcode
    """  # noqa: S608 - constant fragments only


def children_metrics(reader: Reader, f: Filters, parent: str) -> pd.DataFrame:
    """Every metric for each child region of ``parent`` (one row per child, all children)."""
    f = layer_nodes(reader, f)
    year = resolve_year(reader, f)
    min_base = settings.get("lq_min_base")
    df = map_index.children_metrics_fast(reader, f, parent, year, min_base)  # issue 18
    if df is None:  # not modelled in memory (analytics/map_index.py): the SQL
        params = f.params(year) | {"parent": parent, "has_nodes": bool(f.nodes),
                                   "min_base": min_base}
        df = reader.df(CHILDREN_METRICS, params)
    df["rank"] = df["talents"].rank(ascending=False, method="min").astype(int)
    return df


KPI_OTHER = f"""
            SELECT
              (SELECT coalesce(sum(enterprises), 0) FROM mart_enterprise
               WHERE adcode = $adcode AND year <= $year AND {NODE_WHERE}) AS enterprises,
              (SELECT coalesce(sum(postings), 0) FROM mart_posting_demand
               WHERE adcode = $adcode AND year = $year AND {NODE_WHERE}) AS postings,
              (SELECT coalesce(sum(moves), 0) FROM mart_moves
               WHERE to_adcode = $adcode AND year = $year AND {NODE_WHERE}) AS arrivals,
              (SELECT coalesce(sum(moves), 0) FROM mart_moves
               WHERE from_adcode = $adcode AND year = $year AND {NODE_WHERE}) AS departures
        """  # noqa: S608 - constant fragments only


KPI_TALENT = f"""
            SELECT coalesce(sum(talents), 0) AS talents,
                   coalesce(sum(talents) FILTER (WHERE {HIGH}), 0) AS high_level,
                   coalesce(sum(talents) FILTER (WHERE year = $year), 0) AS active
            FROM mart_talent_supply
            WHERE adcode = $adcode AND year <= $year AND {NODE_WHERE} AND {TALENT_WHERE}
        """  # noqa: S608 - constant fragments only


def kpis(reader: Reader, f: Filters, adcode: str) -> dict:
    """KPI values for one region in the year in view and the year before."""
    f = layer_nodes(reader, f)
    year = resolve_year(reader, f)
    out = {"year": year}
    for label, y in (("now", year), ("prev", year - 1)):
        params = f.params(y) | {"adcode": adcode}
        talent = reader.df(KPI_TALENT, params).iloc[0]
        other = reader.df(KPI_OTHER, {k: params[k] for k in ("adcode", "year", "nodes")}).iloc[0]
        values = {**talent.to_dict(), **other.to_dict()}
        values["net_inflow"] = values["arrivals"] - values["departures"]
        # supply and demand over the same window: talent active in the year ÷ its postings
        values["sd_ratio"] = (values["active"] / values["postings"]) if values["postings"] \
            else None
        out[label] = {k: (None if v is None or pd.isna(v) else float(v))
                      for k, v in values.items()}
    return out


def peer_comparison(reader: Reader, f: Filters, adcodes: list[str]) -> pd.DataFrame:
    """The KPI set for several regions side by side (peer cities)."""
    rows = []
    names = reader.df("SELECT adcode, name FROM region WHERE list_contains(?, adcode)", [adcodes])
    name = dict(zip(names["adcode"], names["name"], strict=True))
    pop = reader.df(POPULATION)
    population = dict(zip(pop["adcode"], pop["population"], strict=True))
    for code in adcodes:
        if code not in name:
            continue
        k = kpis(reader, f, code)["now"]
        p = population.get(code)
        rows.append({"adcode": code, "name": name[code], **k,
                     "density": k["talents"] / (p / 10000) if p else None})
    return pd.DataFrame(rows)


TALENT_BY_LAYER = f"""
        SELECT coalesce(c.layer, '未分类') AS layer, coalesce(c.name_zh, '未分类') AS node,
               c.sequence, sum(m.talents) AS talents
        FROM mart_talent_supply m LEFT JOIN chain_node c USING (node_id)
        WHERE m.adcode = $adcode AND m.year <= $year AND {TALENT_WHERE}
        GROUP BY ALL ORDER BY c.sequence NULLS LAST
    """  # noqa: S608 - constant fragments only


def talent_by_layer(reader: Reader, f: Filters, adcode: str) -> pd.DataFrame:
    year = resolve_year(reader, f)
    params = f.params(year) | {"adcode": adcode}
    return reader.df(TALENT_BY_LAYER, params)


def freshness(reader: Reader) -> dict:
    """Last publish, last successful load and the sources loaded."""
    meta = reader.df("SELECT key, value FROM meta")
    batches = reader.df("SELECT max(finished_at) AS last_load, "
                        "string_agg(DISTINCT source, '、') AS sources FROM load_batch "
                        "WHERE status = 'loaded'")
    m = dict(zip(meta["key"], meta["value"], strict=True))
    return {"version": m.get("version"), "published_at": m.get("published_at"),
            "last_load": batches["last_load"].iloc[0], "sources": batches["sources"].iloc[0]}


def chain_nodes(reader: Reader) -> pd.DataFrame:
    return reader.df("SELECT node_id, name_zh, name_en, layer, segment, sequence FROM chain_node "
                     "ORDER BY sequence")


def regions_named(reader: Reader, names: list[str]) -> list[str]:
    """Adcodes for names or codes (peer-city setting), in the given order."""
    # Cities first, so that 北京市 is the city 110100 (its province has the same name).
    df = reader.df("SELECT adcode, name, short_name FROM region WHERE level IN ('city', 'province') "
                   "ORDER BY level = 'province', adcode")
    lookup = {}
    for a, n, s in zip(df["adcode"], df["name"], df["short_name"], strict=True):
        lookup.setdefault(a, a)
        lookup.setdefault(n, a)
        lookup.setdefault(s, a)
    out = []
    for n in names:
        code = lookup.get(n.strip())
        if code and code not in out:
            out.append(code)
    return out


CHILD_CODES = "SELECT adcode FROM region WHERE parent_adcode = ? ORDER BY adcode"


def compared_regions(reader: Reader, region: str, scope: str, peers: list[str]) -> list[str]:
    """The regions a chain heatmap compares. ``scope`` 'peers': the peer cities, the region
    first (not the country); 'children': the region's children by code, or its siblings (its
    parent's children) for a region without children."""
    if scope == "peers":
        return list(dict.fromkeys(([region] if region != COUNTRY else []) + list(peers)))
    kids = reader.df(CHILD_CODES, [region])["adcode"].tolist()
    if kids:
        return kids
    parent = region_info(reader, region).get("parent_adcode") if region != COUNTRY else None
    return reader.df(CHILD_CODES, [parent or COUNTRY])["adcode"].tolist()


ENTERPRISE_POINTS = f"""
        SELECT k.adcode, k.name, k.lon, k.lat, k.area_km2, c.layer,
               sum(m.enterprises) AS enterprises, sum(m.chain_leaders) AS chain_leaders
        FROM mart_enterprise m
        JOIN region k ON k.adcode = m.adcode AND k.parent_adcode = $parent
        JOIN chain_node c USING (node_id)
        WHERE m.year <= $year AND {NODE_WHERE}
        GROUP BY ALL HAVING sum(m.enterprises) > 0
        ORDER BY k.adcode, c.layer
    """  # noqa: S608 - constant fragments only


def enterprise_points(reader: Reader, f: Filters, parent: str) -> pd.DataFrame:
    """Enterprises of each child region of ``parent`` by chain layer, at the child's centroid
    (the registry gives addresses, resolved to districts, not coordinates)."""
    f = layer_nodes(reader, f)
    year = resolve_year(reader, f)
    return reader.df(ENTERPRISE_POINTS, {"parent": parent, "year": year, "nodes": list(f.nodes)})
