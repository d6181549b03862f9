"""The overseas pool (海外人才库) and moves across the border (Streamlit-free), for 海外引才.

Definitions (docs/metrics.md, "海外人才"):

- **海外人才**: a person (not a record) whose latest record places them abroad — a country, or
  900000 海外 with the country unknown — counted like the talent stock (the record's year ≤ the
  year in view), with the sidebar's node, tier, education, experience filters.
- **愿意回国**: of those, the ones whose record says 愿意流动 (for a talent abroad, moving means
  coming back).
- **期望来本地**: of those, the ones whose 期望城市 is inside the region in view; for 全国, any
  place in China.
- **回流 / 出境** (``border_flows``): moves from a place abroad to the region (arrivals), from
  the region to a place abroad (departures), counted at the region's level in ``mart_moves``.

Every count is of people: aggregate roles see them through ``analytics.disclosure`` (``SPEC``).
"""

from __future__ import annotations

import pandas as pd

from analytics import disclosure
from analytics import queries as q
from analytics.filters import COUNTRY, Filters
from analytics.flows import span
from analytics.talent_aggregates import EXPERIENCE_BAND
from reference.abroad import ABROAD_ADCODE
from store.reader import Reader

COUNTS = disclosure.OVERSEAS.counts  # talents, high_level, willing_to_relocate, expecting_here

# Each person once (talent_person: their latest record, by the mart's rule, a field it lacks
# filled from their older records), kept when that record is abroad and passes the sidebar's
# filters.
POOL = f"""
WITH abroad AS (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '{ABROAD_ADCODE}'),
pool AS (
    SELECT t.adcode, coalesce(t.node_id, '未分类') AS node_id,
           list_contains(['A', 'B', 'C', 'D'], t.tier) AS high,
           coalesce(t.willing_to_relocate, false) AS willing,
           coalesce(t.willing_to_relocate, false) AND t.expected_adcode IS NOT NULL AND (
               CASE WHEN $region = '{COUNTRY}'
                    THEN t.expected_adcode NOT IN (SELECT adcode FROM abroad)
                    ELSE t.expected_adcode IN (SELECT adcode FROM region_ancestor
                                               WHERE ancestor_adcode = $region) END)
               AS expecting_here
    FROM talent_person t
    WHERE t.adcode IN (SELECT adcode FROM abroad) AND year(t.observed_on) <= $year
      AND (len($nodes) = 0 OR list_contains($nodes, coalesce(t.node_id, '未分类')))
      AND (len($tiers) = 0 OR list_contains($tiers, coalesce(t.tier, 'N')))
      AND (len($education) = 0 OR list_contains($education, coalesce(t.education, '其他')))
      AND (len($experience) = 0 OR list_contains($experience, {EXPERIENCE_BAND}))
      AND (NOT $returnees_only OR coalesce(t.is_returnee, false))
)
"""  # noqa: S608 - constant snippets, values bound
SUMS = """count(*) AS talents, count(*) FILTER (WHERE high) AS high_level,
          count(*) FILTER (WHERE willing) AS willing_to_relocate,
          count(*) FILTER (WHERE expecting_here) AS expecting_here"""
BY_COUNTRY = f"""{POOL}
SELECT p.adcode, r.name AS country, {SUMS}
FROM pool p JOIN region r USING (adcode)
GROUP BY p.adcode, r.name ORDER BY talents DESC, p.adcode = '{ABROAD_ADCODE}', p.adcode"""  # noqa: S608
BY_NODE = f"""{POOL}
SELECT p.node_id, coalesce(n.name_zh, '未分类') AS node, {SUMS}
FROM pool p LEFT JOIN chain_node n USING (node_id)
GROUP BY ALL ORDER BY talents DESC, p.node_id"""  # noqa: S608


def _params(reader: Reader, f: Filters) -> dict:
    f = q.layer_nodes(reader, f)
    return {**f.params(q.resolve_year(reader, f)), "region": f.region}


def pool_by_country(reader: Reader, f: Filters) -> pd.DataFrame:
    """adcode, country, talents, high_level, willing_to_relocate, expecting_here (raw counts);
    largest first,
    海外 (country unknown) after the countries of its size."""
    return reader.df(q.on_persons(reader, BY_COUNTRY), _params(reader, f))


def pool_by_node(reader: Reader, f: Filters) -> pd.DataFrame:
    """node_id, node, talents, high_level, willing_to_relocate, expecting_here (raw counts)."""
    return reader.df(q.on_persons(reader, BY_NODE), _params(reader, f))


def totals(by_country: pd.DataFrame) -> dict[str, int]:
    """The pool's totals (every person is in exactly one country row)."""
    return {c: int(by_country[c].sum()) if len(by_country) else 0 for c in COUNTS}


def controlled(df: pd.DataFrame, k: int | None) -> disclosure.Controlled:
    """A pool table under the small-count rules (its columns add up to the totals shown)."""
    return disclosure.apply(df, k, disclosure.OVERSEAS)


BORDER = f"""
WITH abroad AS (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '{ABROAD_ADCODE}'),
m AS (
    SELECT CASE WHEN to_adcode = $region THEN from_adcode ELSE to_adcode END AS adcode,
           CASE WHEN to_adcode = $region THEN moves ELSE 0 END AS arrivals,
           CASE WHEN from_adcode = $region THEN moves ELSE 0 END AS departures
    FROM mart_moves
    WHERE level = (SELECT CASE WHEN level = 'abroad' THEN 'country' ELSE level END
                   FROM region WHERE adcode = $region)
      AND year BETWEEN $y0 AND $y1
      AND (len($nodes) = 0 OR list_contains($nodes, node_id))
      AND $region IN (from_adcode, to_adcode)
      AND (from_adcode IN (SELECT adcode FROM abroad) OR to_adcode IN (SELECT adcode FROM abroad))
)
SELECT m.adcode, r.name AS country, sum(arrivals)::BIGINT AS arrivals,
       sum(departures)::BIGINT AS departures
FROM m JOIN region r USING (adcode)
GROUP BY ALL ORDER BY sum(arrivals) + sum(departures) DESC, m.adcode"""  # noqa: S608


def border_flows(reader: Reader, region: str, year, nodes=()) -> pd.DataFrame:
    """adcode, country, arrivals (回流, from abroad), departures (出境): the region's moves
    across the border by country, in a year or a (first, last) period."""
    y0, y1 = span(year)
    return reader.df(BORDER, {"region": region, "y0": y0, "y1": y1, "nodes": list(nodes or ())})
