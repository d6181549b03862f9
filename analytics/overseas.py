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

import threading
from dataclasses import dataclass

import numpy as np
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
    return _by_country(*_pool(reader, f))


def pool_by_node(reader: Reader, f: Filters) -> pd.DataFrame:
    """node_id, node, talents, high_level, willing_to_relocate, expecting_here (raw counts)."""
    return _by_node(*_pool(reader, f))


def pool(reader: Reader, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``pool_by_country``, ``pool_by_node``), the filters applied once for both."""
    masked = _pool(reader, f)
    return _by_country(*masked), _by_node(*masked)


def _by_country(pool: _Pool, kept: np.ndarray, expecting: np.ndarray) -> pd.DataFrame:
    """By talents, most first; then the unnamed 海外 (``ABROAD_ADCODE``) after the countries;
    then by code (BY_COUNTRY's ORDER BY)."""
    return _counts(pool, kept, expecting, ("adcode", "country"),
                   lambda talents, keys: (keys.rank, keys.first == ABROAD_ADCODE, -talents))


def _by_node(pool: _Pool, kept: np.ndarray, expecting: np.ndarray) -> pd.DataFrame:
    """By talents, most first; then by node id (BY_NODE's ORDER BY)."""
    return _counts(pool, kept, expecting, ("node_id", "node"),
                   lambda talents, keys: (keys.rank, -talents))


# -- the pool in memory, per published version (issue 18) ---------------------------------------
# The talent map shows the pool beside the map, so every drill and every filter change asked two
# queries of a million persons (30 + 35 ms at the large demo, on the cores every session
# shares) for the 3% of them abroad. Those persons are read once per published version, each
# with what POOL computes of a person (the joins with region and chain_node, the defaults of
# NULL fields, the experience band, the year); a filter is then a mask and a group count.
# tests/test_overseas.py holds the answers equal to the SQL above (BY_COUNTRY, BY_NODE), frame
# for frame, on many filters.
_BUILD = threading.Lock()
PERSON_COLUMNS = f"""
SELECT t.adcode, r.name AS country,
       coalesce(t.node_id, '未分类') AS node_id, coalesce(n.name_zh, '未分类') AS node,
       coalesce(list_contains(['A', 'B', 'C', 'D'], t.tier), false) AS high,
       coalesce(t.willing_to_relocate, false) AS willing, t.expected_adcode,
       coalesce(t.expected_adcode IN (SELECT adcode FROM abroad), false) AS expected_abroad,
       year(t.observed_on) AS year, coalesce(t.tier, 'N') AS tier,
       coalesce(t.education, '其他') AS education, {EXPERIENCE_BAND} AS band,
       coalesce(t.is_returnee, false) AS returnee
FROM talent_person t JOIN region r ON r.adcode = t.adcode  -- every place abroad has its row
     LEFT JOIN chain_node n ON n.node_id = coalesce(t.node_id, '未分类')
WHERE t.adcode IN (SELECT adcode FROM abroad)"""  # noqa: S608 - constant snippets


@dataclass(frozen=True)
class _Coded:
    """A column as codes into its distinct values (code -1: NULL), to mask by a list at once."""
    codes: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _Coded:
        codes, values = pd.factorize(column, use_na_sentinel=True)
        return cls(np.asarray(codes), np.asarray(values, dtype=object))

    def isin(self, wanted) -> np.ndarray:
        hit = np.append(np.isin(self.values, list(wanted)), False)  # NULL (-1): the last slot
        return hit[self.codes]


@dataclass(frozen=True)
class _Pool:
    year: np.ndarray                  # float64, NaN: no date (never <= a year)
    high: np.ndarray                  # bool, and the other flags
    willing: np.ndarray
    returnee: np.ndarray
    expects_china: np.ndarray         # an expected place that is not abroad
    lists: dict                       # node_id, tier, education, band → _Coded
    expected: _Coded
    groups: dict                      # (adcode, country) / (node_id, node) → (codes, _Keys)


@dataclass(frozen=True)
class _Keys:
    """The groups of a pool table, by code: their two key columns and the rank of the first
    (the sort's tie-break), made once per version, so a filter costs counts and one sort."""
    first: np.ndarray                 # object: str, or None
    second: np.ndarray
    rank: np.ndarray                  # int64: the order of ``first`` (NULL last)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Keys:
        first, second = (frame[c].to_numpy(dtype=object, na_value=None) for c in frame.columns)
        order = sorted(range(len(first)), key=lambda i: (first[i] is None, first[i] or ""))
        rank = np.empty(len(first), dtype="int64")
        rank[order] = np.arange(len(first))
        return cls(first, second, rank)


def persons_abroad(reader: Reader) -> _Pool:
    """The persons abroad as codes, once per published version (analytics/indexes.py builds
    it in the background after a publish)."""
    store = reader.version_store("overseas_pool")
    if "persons" not in store:
        with _BUILD:
            if "persons" not in store:
                sql = ("WITH abroad AS (SELECT adcode FROM region_ancestor WHERE "  # noqa: S608
                       f"ancestor_adcode = '{ABROAD_ADCODE}') {PERSON_COLUMNS}")
                store["persons"] = _coded(reader.df(q.on_persons(reader, sql)))
    return store["persons"]


def _coded(df: pd.DataFrame) -> _Pool:
    groups = {}
    for keys in (("adcode", "country"), ("node_id", "node")):
        codes = df.groupby(list(keys), sort=False, dropna=False).ngroup().to_numpy()
        first = np.unique(codes, return_index=True)[1]  # each group's first row, by code
        groups[keys] = (codes, _Keys.of(df[list(keys)].iloc[first]))
    flag = {c: df[c].to_numpy(dtype=bool) for c in ("high", "willing", "returnee")}
    return _Pool(year=df["year"].astype("float64").to_numpy(), **flag,
                 expects_china=(df["expected_adcode"].notna()
                                & ~df["expected_abroad"].astype(bool)).to_numpy(dtype=bool),
                 lists={c: _Coded.of(df[c]) for c in ("node_id", "tier", "education", "band")},
                 expected=_Coded.of(df["expected_adcode"]), groups=groups)


def _descendants(reader: Reader, region: str) -> frozenset:
    """The region and every place under it (region_ancestor), once per version and region."""
    store = reader.version_store("overseas_pool")
    key = ("under", region)
    if key not in store:
        store[key] = frozenset(reader.df(
            "SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region",
            {"region": region})["adcode"])
    return store[key]


def _pool(reader: Reader, f: Filters) -> tuple[_Pool, np.ndarray, np.ndarray]:
    """The abroad persons, which of them pass the filters, and which expect to come here."""
    p = _params(reader, f)
    pool = persons_abroad(reader)
    kept = pool.year <= p["year"]
    for column, values in (("node_id", p["nodes"]), ("tier", p["tiers"]),
                           ("education", p["education"]), ("band", p["experience"])):
        if values:
            kept = kept & pool.lists[column].isin(values)
    if p["returnees_only"]:
        kept = kept & pool.returnee
    here = pool.expects_china if f.region == COUNTRY else \
        pool.expected.isin(_descendants(reader, f.region))
    return pool, kept, pool.willing & here


def _counts(pool: _Pool, keep: np.ndarray, expecting: np.ndarray,
            keys: tuple[str, str], order) -> pd.DataFrame:
    """The kept persons counted by group, the groups with nobody left out, in the order
    ``order(talents, keys)`` gives as np.lexsort keys (last: primary). Plain numpy, one frame
    made at the end: a filter change under 20 sessions paid ~11 ms of pandas per table."""
    codes, groups = pool.groups[keys]
    g, n = codes[keep], len(groups.first)
    counts = {"talents": np.bincount(g, minlength=n).astype("int64")}
    for name, flag in (("high_level", pool.high), ("willing_to_relocate", pool.willing),
                       ("expecting_here", expecting)):
        counts[name] = np.bincount(g, weights=flag[keep], minlength=n).astype("int64")
    present = np.flatnonzero(counts["talents"] > 0)
    rows = present[np.lexsort(tuple(k[present] for k in order(counts["talents"], groups)))]
    text = "str" if len(rows) else "object"  # as DuckDB hands over an empty text column
    out = {keys[0]: pd.array(groups.first[rows], dtype=text) if len(rows) else
           pd.Series([], dtype=object),
           keys[1]: pd.array(groups.second[rows], dtype=text) if len(rows) else
           pd.Series([], dtype=object)}
    return pd.DataFrame(out | {c: counts[c][rows] for c in COUNTS})


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
