"""The 产业链 page's counts in memory, one set per published version and process (issue 18).

Why: what the page computes for a new selection (region, node, thresholds) was dominated by
scans of the large tables for figures that do not depend on the selection — every region's
talent and enterprises per chain node up to the year (``mart_talent_supply``, 670k rows on the
large demo: the statuses, the bases of the LQs and the 招引 target regions), a node's persons
(``talent_person``, 1M rows: the talent pools) — and by the planning of each query (the flows'
three queries over ``mart_moves`` cost 3–7 ms each for 140k rows). So, like
``analytics.talent_index`` for the 人才集群 page, each published version's tables are summed
once into small ones in memory — region × node matrices per year (7 MB a year on the large
demo), persons by node × place × year (93k rows) and by expected place too (190k rows), the
moves by level (140k rows): 27 MB — built in 1–2 s by the first selection after a publish;
a selection is then numpy over them, about 1 ms a function where the SQL took 5–20 ms.
``gaps.chain_status``, ``gaps.source_regions``, ``gaps.source_talent_pools``, ``flows.summary``,
``flows.origins`` / ``destinations`` and ``flows.top_routes`` ask here first.

Exactness: the counts are the integer sums the SQL makes, the quotients (LQ, weight, score,
share) the same IEEE operations in the same order, ties broken as the SQL's ORDER BY breaks
them, the frames' dtypes those DuckDB gives; tests/test_chain_speed_equiv.py compares each
function with the SQL it replaces (tests/chain_before.py) over many selections. On data this
module does not model (a NULL or negative count, a country whose talent adds up to 0, no
``talent_person``) the functions return None and the SQL runs instead, as it does when
``ENABLED`` is False (bench/chain.py --scan).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.filters import COUNTRY
from store.reader import Reader

ENABLED = True
YEARS_KEPT = 4  # year tables kept per version (7 MB each on the large demo)
_BUILD = threading.RLock()  # a build may need another (the persons need the places)

REGIONS = "SELECT adcode, name, level, lon, lat FROM region ORDER BY adcode"
ANCESTORS = "SELECT adcode, ancestor_adcode, ancestor_level FROM region_ancestor"
NODES = "SELECT node_id, name_zh, layer, segment, sequence FROM chain_node ORDER BY sequence"
# Per region × node up to the year: the sums of gaps.CHAIN_FACTS for every region at once, and
# whether the counts are modelled (no NULL, none negative).
TALENT = """SELECT adcode, node_id, sum(talents)::BIGINT AS stock,
       coalesce(sum(talents) FILTER (WHERE year = $year), 0)::BIGINT AS active,
       bool_and(talents IS NOT NULL AND talents >= 0) AS ok
FROM mart_talent_supply WHERE year <= $year AND adcode IS NOT NULL GROUP BY ALL"""
FIRMS = """SELECT adcode, node_id, sum(enterprises)::BIGINT AS enterprises,
       sum(chain_leaders)::BIGINT AS leaders,
       bool_and(enterprises IS NOT NULL AND enterprises >= 0 AND chain_leaders IS NOT NULL
                AND chain_leaders >= 0) AS ok
FROM mart_enterprise WHERE year <= $year AND adcode IS NOT NULL GROUP BY ALL"""
POSTS = """SELECT adcode, node_id, sum(postings)::BIGINT AS postings,
       sum(salary_sum) / nullif(sum(salaried_postings), 0) AS mean_salary,
       bool_and(postings IS NOT NULL) AS ok
FROM mart_posting_demand WHERE year = $year AND adcode IS NOT NULL GROUP BY ALL"""
# Persons by node × place × year (gaps.SOURCE_POOLS counts them), and those with an expected
# place by it too.
PERSONS = """SELECT node_id, adcode, date_part('year', observed_on) AS y, count(*) AS n,
       count(*) FILTER (WHERE tier IN ('A', 'B', 'C', 'D')) AS high,
       count(*) FILTER (WHERE is_returnee) AS returnees,
       count(*) FILTER (WHERE willing_to_relocate) AS willing
FROM talent_person WHERE node_id IS NOT NULL AND adcode IS NOT NULL GROUP BY ALL"""
EXPECTING = """SELECT node_id, adcode, date_part('year', observed_on) AS y, expected_adcode,
       count(*) AS n
FROM talent_person
WHERE node_id IS NOT NULL AND adcode IS NOT NULL AND expected_adcode IS NOT NULL GROUP BY ALL"""


def cached(reader: Reader, key: tuple, build):
    """``build()`` once per published version of the reader (kept until the next version)."""
    store = reader.version_store("chain_index")
    try:
        return store[key]
    except KeyError:
        pass
    with _BUILD:  # builds and evictions one at a time
        if key not in store:
            years = [k for k in store if k[0] == "year"]
            if key[0] == "year" and len(years) >= YEARS_KEPT:
                del store[years[0]]
            store[key] = build()
        return store[key]


@dataclass(frozen=True)
class Places:
    """The region table and its ancestor bridge, as codes: position in ``codes``."""
    codes: dict            # adcode → code (every region and ancestor; other tables add theirs)
    names: dict            # region adcode → name
    levels: dict           # region adcode → level
    peers: dict            # level → (codes, adcodes, names) in adcode order; None → none
    pairs: dict            # ancestor level → (adcode codes, ancestor codes), ancestor in region
    within: dict           # region adcode → codes of the places in it (itself included)
    named: dict            # code of a region → (adcode, name)
    rank: np.ndarray       # code of a region → its adcode's place in adcode order
    size: int
    lon: np.ndarray        # code → the region's centroid (NaN: none, or not a region)
    lat: np.ndarray
    mapped: np.ndarray     # code → a region that is not abroad (routes are drawn between them)


def places(reader: Reader) -> Places:
    return cached(reader, ("places",), lambda: _places(reader))


def region_levels(reader: Reader) -> dict:
    """Each region's level by adcode (the region table, once per version)."""
    return places(reader).levels


def _places(reader: Reader) -> Places:
    reg, anc = reader.df(REGIONS), reader.df(ANCESTORS)
    adcodes, names = reg["adcode"].tolist(), reg["name"].tolist()
    levels = dict(zip(adcodes, reg["level"].tolist(), strict=True))
    codes: dict = {}
    for a in [*adcodes, *anc["adcode"].tolist(), *anc["ancestor_adcode"].tolist()]:
        codes.setdefault(a, len(codes))
    peers: dict = {None: ([], [], [])}
    for a, n in sorted(zip(adcodes, names, strict=True), key=lambda p: p[0].encode()):
        for part, v in zip(peers.setdefault(levels[a], ([], [], [])), (codes[a], a, n),
                           strict=True):
            part.append(v)
    pairs, within = {}, {}
    for a, b, lv in zip(anc["adcode"].tolist(), anc["ancestor_adcode"].tolist(),
                        anc["ancestor_level"].tolist(), strict=True):
        within.setdefault(b, []).append(codes[a])
        if b in levels:
            pairs.setdefault(lv, ([], []))
            pairs[lv][0].append(codes[a])
            pairs[lv][1].append(codes[b])
    return Places(codes, dict(zip(adcodes, names, strict=True)), levels,
                  {lv: (np.array(c, np.int64), a, n) for lv, (c, a, n) in peers.items()},
                  {lv: (np.array(x, np.int64), np.array(y, np.int64))
                   for lv, (x, y) in pairs.items()},
                  {b: np.array(sorted(set(v)), np.int64) for b, v in within.items()},
                  {codes[a]: (a, n) for a, n in zip(adcodes, names, strict=True)},
                  _rank(codes, adcodes), len(codes), *_mapped(reg, codes))


def _mapped(reg: pd.DataFrame, codes: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    at = np.array([codes[a] for a in reg["adcode"].tolist()], dtype=np.int64)
    lon, lat = np.full(len(codes) + 1, np.nan), np.full(len(codes) + 1, np.nan)
    mapped = np.zeros(len(codes) + 1, dtype=bool)
    lon[at], lat[at] = reg["lon"].to_numpy(float), reg["lat"].to_numpy(float)
    mapped[at] = (reg["level"] != "abroad").to_numpy(bool)
    return lon, lat, mapped


def _rank(codes: dict, adcodes: list[str]) -> np.ndarray:
    """Each region's rank in adcode order (byte order, as DuckDB sorts VARCHAR) by code."""
    rank = np.full(len(codes) + 1, len(codes), dtype=np.int64)
    for i, a in enumerate(sorted(adcodes, key=lambda a: a.encode())):
        rank[codes[a]] = i
    return rank


# -- region × node per year ------------------------------------------------------------------
@dataclass(frozen=True)
class Year:
    """One year's sums per place (row: its code; the last row is no place) × node (column; the
    last column is no node): 0 (NaN for the salary) where the mart has no row."""
    codes: dict          # adcode → row: the places' codes, then any other code of the marts
    nodes: dict          # node_id (None for NULL) → column
    stock: np.ndarray    # talent up to the end of the year
    active: np.ndarray   # talent observed in the year
    firms: np.ndarray    # enterprises up to the year
    leaders: np.ndarray  # chain leaders up to the year
    posts: np.ndarray    # postings published in the year
    salary: np.ndarray   # their mean monthly salary
    stock_total: np.ndarray  # per row: every node's talent
    firms_total: np.ndarray


def year_facts(reader: Reader, year: int) -> Year | None:
    return cached(reader, ("year", year), lambda: _year(reader, year))


def _year(reader: Reader, year: int) -> Year | None:
    p = {"year": year}
    t, f, s = reader.df(TALENT, p), reader.df(FIRMS, p), reader.df(POSTS, p)
    if not (t["ok"].all() and f["ok"].all() and s["ok"].all()):
        return None
    codes, nodes = dict(places(reader).codes), {}
    for df in (t, f, s):
        for a in df["adcode"].unique().tolist():
            codes.setdefault(a, len(codes))
        for n in df["node_id"].unique().tolist():
            nodes.setdefault(None if pd.isna(n) else n, len(nodes))
    shape = (len(codes) + 1, len(nodes) + 1)

    def matrix(df: pd.DataFrame, col: str, dtype=np.int64, fill=0) -> np.ndarray:
        m = np.full(shape, fill, dtype=dtype)
        rows = [codes[a] for a in df["adcode"].tolist()]
        cols = [nodes[None if pd.isna(n) else n] for n in df["node_id"].tolist()]
        m[rows, cols] = df[col].to_numpy(dtype=dtype, na_value=fill)
        return m

    stock, firms = matrix(t, "stock"), matrix(f, "enterprises")
    return Year(codes, nodes, stock, matrix(t, "active"), firms, matrix(f, "leaders"),
                matrix(s, "postings"), matrix(s, "mean_salary", float, np.nan),
                stock.sum(axis=1), firms.sum(axis=1))


def nodes(reader: Reader) -> pd.DataFrame:
    return cached(reader, ("nodes",), lambda: reader.df(NODES))


def status_facts(reader: Reader, region: str, bench: str, year: int):
    """``gaps.CHAIN_FACTS`` and the bases of its LQs (talent, bench talent, enterprises, bench
    enterprises), or None (not modelled: run the SQL)."""
    y = year_facts(reader, year) if ENABLED else None
    n = nodes(reader) if y is not None else None
    if n is None or not len(n):
        return None
    known = places(reader).levels
    cols = np.array([y.nodes.get(k, -1) for k in n["node_id"].tolist()], dtype=np.int64)
    r, b = y.codes.get(region, -1), y.codes.get(bench, -1)
    df = pd.DataFrame({c: n[c] for c in n.columns} | {
        "talent": y.stock[r, cols].astype(float), "active": y.active[r, cols].astype(float),
        "bench_talent": y.stock[b, cols].astype(float),
        "enterprises": y.firms[r, cols].astype(float),
        "leaders": y.leaders[r, cols].astype(float),
        "bench_enterprises": y.firms[b, cols].astype(float),
        "postings": y.posts[r, cols].astype(float), "mean_salary": y.salary[r, cols]})

    def base(totals: np.ndarray, code: str, row: int) -> float:
        return float(totals[row]) if code in known else 0.0  # TOTALS reads the region table

    return df, (base(y.stock_total, region, r), base(y.stock_total, bench, b),
                base(y.firms_total, region, r), base(y.firms_total, bench, b))


REGION_COLUMNS = ("adcode", "name", "talent", "enterprises", "leaders", "lq", "lq_credible",
                  "lq_weight", "score")


def source_regions(reader: Reader, region: str, node: str, year: int, limit: int,
                   min_base) -> pd.DataFrame | None:
    """``gaps.SOURCE_REGIONS`` from the year's table, or None (not modelled)."""
    y = year_facts(reader, year) if ENABLED else None
    if y is None:
        return None
    pl = places(reader)
    k, c = y.nodes.get(node, -1), y.codes.get(COUNTRY, -1)
    nat_in, nat_total = y.stock[c, k], y.stock_total[c]
    if nat_total == 0:  # the country has no talent: 0 ÷ 0 in SQL, not modelled here
        return None
    share = float(nat_in) / float(nat_total) if nat_in else None  # nullif(share, 0)
    codes, adcodes, names = pl.peers.get(pl.levels.get(region), pl.peers[None])
    keep = (y.stock[codes, k] > 0) & (codes != pl.codes.get(region, -1))
    codes = codes[keep]
    talent, total = y.stock[codes, k].astype(float), y.stock_total[codes]
    lq = talent / total.astype(float) / share if share else np.full(len(codes), np.nan)
    credible = total >= min_base
    weight = np.minimum(np.where(credible, np.nan_to_num(lq, nan=0.0), 1.0), 3.0)
    score = talent * weight
    order = np.lexsort((pl.rank[codes], -score))[:max(int(limit), 0)]
    picked = np.flatnonzero(keep)[order]
    codes = codes[order]
    return _frame({"adcode": [adcodes[i] for i in picked], "name": [names[i] for i in picked],
                   "talent": talent[order], "enterprises": y.firms[codes, k],
                   "leaders": y.leaders[codes, k], "lq": lq[order],
                   "lq_credible": credible[order], "lq_weight": weight[order],
                   "score": score[order]}, "ssffffbff")


def _frame(cols: dict, kinds: str) -> pd.DataFrame:
    """Columns as the query returns them, by kind: s text ('str'; object when there are no
    rows, as DuckDB gives it), f float64, i int64, b bool."""
    types = {"f": float, "i": np.int64, "b": bool}
    empty = not len(next(iter(cols.values())))
    return pd.DataFrame({
        name: pd.Series(list(v), dtype=object if empty else "str") if k == "s"
        else np.asarray(v, dtype=types[k]) for (name, v), k in zip(cols.items(), kinds,
                                                                  strict=True)})


# -- persons of a node -------------------------------------------------------------------------
@dataclass(frozen=True)
class Persons:
    counts: dict     # node_id → (place code, year, n, high, returnees, willing) arrays
    expecting: dict  # node_id → (place code, year, expected place code, n) arrays
    size: int        # places coded (the region's and any other the persons name)


def persons(reader: Reader) -> Persons | None:
    if not ENABLED or not reader.has_table("talent_person"):
        return None
    return cached(reader, ("persons",), lambda: _persons(reader))


def _split(df: pd.DataFrame, vocab: list, cols: list[str]) -> dict:
    """Per node id (``df`` is sorted by it) the columns as arrays, places as their codes."""
    arrays = [pd.Categorical(df[c], categories=vocab).codes.astype(np.int64)
              if c in ("adcode", "expected_adcode") else df[c].to_numpy(float) for c in cols]
    ids = df["node_id"].tolist()
    cuts = [0, *(i for i in range(1, len(ids)) if ids[i] != ids[i - 1]), len(ids)]
    return {ids[a]: tuple(x[a:b] for x in arrays) for a, b in zip(cuts, cuts[1:], strict=False)
            if b > a}


def _persons(reader: Reader) -> Persons:
    a = reader.df(PERSONS + " ORDER BY node_id")
    b = reader.df(EXPECTING + " ORDER BY node_id")
    codes = dict(places(reader).codes)
    for col in (a["adcode"], b["adcode"], b["expected_adcode"]):
        for v in col.unique().tolist():
            codes.setdefault(v, len(codes))
    vocab = list(codes)  # code → place
    return Persons(_split(a, vocab, ["adcode", "y", "n", "high", "returnees", "willing"]),
                   _split(b, vocab, ["adcode", "y", "expected_adcode", "n"]), len(codes))


POOL_COLUMNS = ("adcode", "name", "talent", "high_level", "returnees", "willing_to_relocate",
                "expecting_here")


def talent_pools(reader: Reader, region: str, node: str, year: int,
                 limit: int) -> pd.DataFrame | None:
    """``gaps.SOURCE_POOLS`` from the persons' table, or None (not modelled)."""
    ps = persons(reader)
    if ps is None:
        return None
    pl, size = places(reader), ps.size
    level = pl.levels.get(region)
    level = "city" if level == "district" else level
    here = np.zeros(size, dtype=bool)
    here[pl.within.get(region, np.array([], np.int64))] = True
    sums = np.zeros((5, size))
    if node in ps.counts:
        place, y, *counts = ps.counts[node]
        m = (y <= year) & ~here[place]
        for i, v in enumerate(counts):
            sums[i] = np.bincount(place[m], weights=v[m], minlength=size)
    if node in ps.expecting:
        place, y, expected, n = ps.expecting[node]
        m = (y <= year) & ~here[place] & here[expected]
        sums[4] = np.bincount(place[m], weights=n[m], minlength=size)
    lo, anc = pl.pairs.get(level, (np.array([], np.int64),) * 2)
    per = np.stack([np.bincount(anc, weights=s[lo], minlength=size) for s in sums])
    kept = np.flatnonzero(per[0] > 0)  # never the region itself: its persons are left out
    # ORDER BY willing_to_relocate + expecting_here DESC, talent DESC, adcode
    order = np.lexsort((pl.rank[kept], -per[0, kept], -(per[3, kept] + per[4, kept])))
    kept = kept[order[:max(int(limit), 0)]]
    return _frame({"adcode": [pl.named[c][0] for c in kept],
                   "name": [pl.named[c][1] for c in kept],
                   **{col: per[i, kept] for i, col in enumerate(POOL_COLUMNS[2:])}}, "ssiiiii")


# -- moves (flows.summary, flows.origins / destinations, flows.top_routes) --------------------
MOVES = """SELECT level, from_adcode, to_adcode, node_id, year, moves FROM mart_moves
WHERE level IS NOT NULL AND from_adcode IS NOT NULL AND to_adcode IS NOT NULL"""


@dataclass(frozen=True)
class Moves:
    by_level: dict  # level → (from code, to code, node code, year, moves) arrays
    nodes: dict     # node_id → code (a NULL node: none, never listed)
    codes: dict     # adcode → code: the places' codes, then any other code of the mart
    size: int


def moves(reader: Reader) -> Moves | None:
    return cached(reader, ("moves",), lambda: _moves(reader)) if ENABLED else None


def _moves(reader: Reader) -> Moves | None:
    df = reader.df(MOVES + " ORDER BY level")
    if df["moves"].isna().any() or (df["moves"] < 0).any():
        return None  # not modelled
    codes, nodes = dict(places(reader).codes), {}
    for col in ("from_adcode", "to_adcode"):
        for v in df[col].unique().tolist():
            codes.setdefault(v, len(codes))
    for v in df["node_id"].dropna().unique().tolist():
        nodes.setdefault(v, len(nodes))
    vocab, ids = list(codes), list(nodes)
    arrays = [pd.Categorical(df["from_adcode"], categories=vocab).codes.astype(np.int64),
              pd.Categorical(df["to_adcode"], categories=vocab).codes.astype(np.int64),
              pd.Categorical(df["node_id"], categories=ids).codes.astype(np.int64),
              df["year"].to_numpy(float), df["moves"].to_numpy(np.int64)]
    levels = df["level"].tolist()
    cuts = [0, *(i for i in range(1, len(levels)) if levels[i] != levels[i - 1]), len(levels)]
    return Moves({levels[a]: tuple(x[a:b] for x in arrays)
                  for a, b in zip(cuts, cuts[1:], strict=False) if b > a},
                 nodes, codes, len(codes))


def _selected(mv: Moves, level, y0: int, y1: int, nodes) -> tuple:
    """The moves at the level in the years, of the nodes (all for none): (from, to, moves)."""
    got = mv.by_level.get(level)
    if got is None:
        return (np.array([], np.int64),) * 3
    src, dst, node, year, n = got
    m = (year >= y0) & (year <= y1)
    if nodes:
        wanted = [mv.nodes[k] for k in dict.fromkeys(nodes) if k in mv.nodes]
        m &= np.isin(node, wanted)
    return src[m], dst[m], n[m]


def move_totals(reader: Reader, region: str, level, y0: int, y1: int, nodes):
    """``flows.SUMMARY``'s (arrivals, departures), or the moves at the level for the country
    (``flows.BETWEEN_PROVINCES``), or None (not modelled)."""
    mv = moves(reader)
    if mv is None:
        return None
    src, dst, n = _selected(mv, level, y0, y1, nodes)
    if region == COUNTRY:
        return int(n.sum())
    code = mv.codes.get(region, -1)
    return int(n[dst == code].sum()), int(n[src == code].sum())


def counterparts(reader: Reader, region: str, level, y0: int, y1: int, nodes, limit: int,
                 inbound: bool) -> pd.DataFrame | None:
    """``flows.COUNTERPARTS`` (origins or destinations), or None (not modelled)."""
    mv = moves(reader)
    if mv is None:
        return None
    pl = places(reader)
    src, dst, n = _selected(mv, level, y0, y1, nodes)
    code = mv.codes.get(region, -1)
    here, there = (dst, src) if inbound else (src, dst)
    there, n = there[here == code], n[here == code]
    rows = np.bincount(there, minlength=mv.size)
    sums = np.bincount(there, weights=n, minlength=mv.size)
    kept = np.flatnonzero(rows[:pl.size] > 0)
    kept = kept[[c in pl.named for c in kept]]  # JOIN region
    total = sums[kept].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = sums[kept] / total
    order = np.lexsort((pl.rank[kept], -sums[kept]))[:max(int(limit), 0)]
    kept = kept[order]
    return _frame({"adcode": [pl.named[c][0] for c in kept],
                   "name": [pl.named[c][1] for c in kept], "moves": sums[kept],
                   "share": share[order]}, "ssff")


ROUTE_COLUMNS = ("from_adcode", "from_name", "from_lon", "from_lat", "to_adcode", "to_name",
                 "to_lon", "to_lat", "moves", "direction")


def routes(reader: Reader, region: str, level, y0: int, y1: int, nodes,
           limit: int) -> pd.DataFrame | None:
    """``flows.ROUTES``, or None (not modelled)."""
    mv = moves(reader)
    if mv is None:
        return None
    pl = places(reader)
    src, dst, n = _selected(mv, level, y0, y1, nodes)
    code = mv.codes.get(region, -1)
    if region != COUNTRY:
        touch = (src == code) | (dst == code)
        src, dst, n = src[touch], dst[touch], n[touch]
    pairs, at = np.unique(src * mv.size + dst, return_inverse=True)
    sums = np.bincount(at, weights=n, minlength=len(pairs))
    src, dst = pairs // mv.size, pairs % mv.size
    on_map = np.zeros(len(pairs), dtype=bool)
    inside = (src < pl.size) & (dst < pl.size)
    on_map[inside] = pl.mapped[src[inside]] & pl.mapped[dst[inside]]
    src, dst, sums = src[on_map], dst[on_map], sums[on_map]
    order = np.lexsort((pl.rank[dst], pl.rank[src], -sums))[:max(int(limit), 0)]
    src, dst, sums = src[order], dst[order], sums[order]
    way = np.where(dst == code, "流入", np.where(src == code, "流出", "区域间")).tolist()
    return _frame({"from_adcode": [pl.named[c][0] for c in src],
                   "from_name": [pl.named[c][1] for c in src],
                   "from_lon": pl.lon[src], "from_lat": pl.lat[src],
                   "to_adcode": [pl.named[c][0] for c in dst],
                   "to_name": [pl.named[c][1] for c in dst],
                   "to_lon": pl.lon[dst], "to_lat": pl.lat[dst], "moves": sums,
                   "direction": way}, "ssffssfffs")
