"""The 人才地图 page's children metrics in memory, one set per published version (issue 18).

Why: ``queries.CHILDREN_METRICS`` — what the talent map asks for every new selection — took
26–30 ms on the large demo (``mart_talent_supply``, 670k rows: the sums ~10 ms; the flows over
``mart_moves`` ~7 ms; the latest 常住人口 per region ~5 ms, although it only changes with a
publish). So, like ``analytics.chain_index`` for the 产业链 page, each published version's mart
rows are held as numpy arrays of codes, sorted by the parent region of their place so that the
rows of a parent's children are one slice, with each row's place as its position among its
siblings; the moves likewise (once by destination, once by origin, only the rows at the level
of their place: the SQL joins the children on both); the population per place (the POPULATION
query, once); the children of each parent. A selection is then boolean masks (lookup tables
over the codes, with the SQL's NULL semantics: a NULL tier is in no list, a NULL year is in no
year) and ``np.bincount`` per child.

Exactness: the sums are the integer sums the SQL makes (exact in float64 below 2**53, checked
when built), the quotients (density, share, LQ, growth) the same IEEE operations in the same
order, NULL where the SQL gives NULL, the frame's columns, dtypes, row order and index those
DuckDB gives; tests/test_map_index.py compares with the SQL over many selections. On data this
module does not model (a NULL, zero or negative talent count, a NULL count of moves, sums at
2**53, a child with two population figures, a non-integer ``lq_min_base``) it returns None and
the SQL runs instead, as it does when ``ENABLED`` is False.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.filters import COUNTRY
from store.reader import Reader

ENABLED = True
_BUILD = threading.Lock()
_EXACT = 2.0 ** 53  # float64 holds every integer sum below this
_NEVER = np.iinfo(np.int32).max  # the year of a row without one: in no year window
_YEARS = 10 ** 6  # years beyond ±this: not modelled

TALENT = """SELECT adcode, node_id, tier, education, experience_band, is_returnee, year, talents
FROM mart_talent_supply"""
MOVES = "SELECT from_adcode, to_adcode, level, node_id, year, moves FROM mart_moves"
REGIONS = "SELECT adcode, name, level, parent_adcode FROM region"
HIGH = ("A", "B", "C", "D")  # queries.HIGH
COLUMNS = ("adcode", "name", "level", "talents", "high_level", "talents_prev", "population",
           "density", "share", "lq", "lq_credible", "growth", "net_inflow", "arrivals",
           "departures", "parent_talents", "parent_high_level", "parent_talents_prev")


def cached(reader: Reader, key: tuple, build):
    """``build()`` once per published version of the reader (kept until the next version)."""
    store = reader.version_store("map_index")
    if key not in store:
        with _BUILD:
            if key not in store:
                store[key] = build()
    return store[key]


@dataclass(frozen=True)
class Kids:
    """The children of one parent, in adcode order (byte order, as DuckDB sorts VARCHAR)."""
    adcodes: list
    names: list
    levels: list
    population: np.ndarray  # float64, NaN: none
    modelled: bool          # False: a child with two population figures (the SQL repeats it)


@dataclass
class Index:
    vocab: tuple             # (tiers, educations, bands) each a list, None for NULL
    nodes: dict              # node_id → code (NULL: len(nodes), in no list)
    # talent rows sorted by (parent of the place, place): per row
    year: np.ndarray         # int32 (_NEVER: NULL)
    node: np.ndarray         # node code
    prof: np.ndarray         # ((tier × E + education) × X + band) × 3 + returnee (2: NULL)
    cls: np.ndarray          # int8: 1 + 2 × (tier in A–D)
    talents: np.ndarray      # float64 (exact integers)
    sib: np.ndarray          # the place's position among its parent's children (0 when none)
    rows: dict               # adcode → (lo, hi) of its rows
    spans: dict              # parent adcode → (lo, hi) of its children's rows
    arrivals: tuple          # (spans, sib, year, node, moves) by destination
    departures: tuple        # the same by origin
    regions: pd.DataFrame
    population: dict         # adcode → latest 常住人口 (queries.POPULATION)
    twice: set               # adcodes POPULATION gives two rows for
    kids: dict = field(default_factory=dict)  # parent → Kids, filled when asked


def get(reader: Reader) -> Index | None:
    return cached(reader, ("index",), lambda: _build(reader)) if ENABLED else None


def _sorted_by_parent(adcodes: pd.Series, regions: pd.DataFrame):
    """For rows naming places: the order that puts each parent's children's rows together
    (ordered by child, each child's rows together), each row's position among its siblings,
    and the spans of rows of each parent (its children) and of each place."""
    codes, uniq = pd.factorize(adcodes, use_na_sentinel=True)
    parent_of = dict(zip(regions["adcode"].tolist(), regions["parent_adcode"].tolist(),
                         strict=True))
    groups: dict = {}
    sibs: dict = {}
    for parent, kids in _children(regions).items():
        for i, a in enumerate(kids):
            sibs[a] = i
        groups.setdefault(parent, len(groups) + 1)
    u = uniq.tolist()
    g = np.array([groups.get(parent_of.get(a), 0) for a in u] + [0], dtype=np.int64)
    s = np.array([sibs.get(a, 0) for a in u] + [0], dtype=np.int64)
    codes = np.where(codes < 0, len(u), codes)
    order = np.lexsort((codes, s[codes], g[codes]))
    codes = codes[order]
    cuts = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate(([0], cuts)).astype(np.int64)[:len(codes)]  # no rows: none
    ends = np.concatenate((cuts, [len(codes)])).astype(np.int64)[:len(codes)]
    rows = {u[c]: (int(a), int(b)) for c, a, b in zip(codes[starts].tolist(), starts.tolist(),
                                                     ends.tolist(), strict=True) if c < len(u)}
    gs = g[codes]
    spans = {}
    for parent, gid in groups.items():
        lo, hi = np.searchsorted(gs, [gid, gid + 1])
        spans[parent] = (int(lo), int(hi))
    return order, s[codes].astype(np.int32), rows, spans


def _children(regions: pd.DataFrame) -> dict:
    kids: dict = {}
    for a, p in sorted(zip(regions["adcode"].tolist(), regions["parent_adcode"].tolist(),
                           strict=True), key=lambda x: x[0].encode()):
        if isinstance(p, str):
            kids.setdefault(p, []).append(a)
    return kids


def _codes(col: pd.Series, vocab: list) -> np.ndarray:
    """Positions in ``vocab`` (its None: NULL); values not in it get new entries."""
    values = col.astype(object).where(col.notna(), None).tolist()
    at = {v: i for i, v in enumerate(vocab)}
    for v in dict.fromkeys(values):
        if v not in at:
            at[v] = len(vocab)
            vocab.append(v)
    return np.array([at[v] for v in values], dtype=np.int64) if values else \
        np.zeros(0, np.int64)


def _build(reader: Reader) -> Index | None:
    from analytics.queries import POPULATION

    t, mv, reg = reader.df(TALENT), reader.df(MOVES), reader.df(REGIONS)
    n = t["talents"]
    if n.isna().any() or (n <= 0).any() or float(n.sum()) >= _EXACT:
        return None  # not modelled: NULL/0 counts make NULL sums the SQL keeps apart
    m = mv["moves"]
    if m.isna().any() or float(m.abs().sum()) >= _EXACT:
        return None
    if any(((y.abs() > _YEARS) & y.notna()).any() for y in (t["year"], mv["year"])):
        return None
    pop = reader.df(POPULATION)
    nodes: list = []
    _codes(pd.concat([t["node_id"], mv["node_id"]]).dropna(), nodes)
    node_at = {v: i for i, v in enumerate(nodes)}
    vocab = ([None, *HIGH, "E", "N"], [None], [None])
    tier, edu, band = (_codes(t[c], v) for c, v in zip(("tier", "education", "experience_band"),
                                                       vocab, strict=True))
    ret = np.where(t["is_returnee"].isna(), 2,
                   t["is_returnee"].fillna(False).astype(bool).to_numpy()).astype(np.int64)
    prof = ((tier * len(vocab[1]) + edu) * len(vocab[2]) + band) * 3 + ret
    order, sib, rows, spans = _sorted_by_parent(t["adcode"], reg)

    def node_codes(col: pd.Series) -> np.ndarray:
        return np.array([node_at.get(v, len(nodes)) if isinstance(v, str) else len(nodes)
                         for v in col.tolist()], dtype=np.int64)

    def year_of(col: pd.Series) -> np.ndarray:
        return col.fillna(_NEVER).to_numpy(np.int32) if len(col) else np.zeros(0, np.int32)

    level_of = dict(zip(reg["adcode"].tolist(), reg["level"].tolist(), strict=True))

    def moves_by(col: str) -> tuple:
        at = mv.loc[np.array([level_of.get(a) == lv if isinstance(a, str) else False
                              for a, lv in zip(mv[col].tolist(), mv["level"].tolist(),
                                               strict=True)], dtype=bool)]  # rows, even none
        o, s, _rows, sp = _sorted_by_parent(at[col], reg)
        return (sp, s, year_of(at["year"])[o], node_codes(at["node_id"])[o],
                at["moves"].to_numpy(np.float64)[o])

    counts = pop["adcode"].value_counts()
    return Index(vocab, node_at, year_of(t["year"])[order], node_codes(t["node_id"])[order],
                 prof[order].astype(np.int32),
                 (1 + 2 * np.isin(tier, [1, 2, 3, 4])).astype(np.int8)[order],
                 n.to_numpy(np.float64)[order], sib, rows, spans, moves_by("to_adcode"),
                 moves_by("from_adcode"), reg,
                 dict(zip(pop["adcode"].tolist(), pop["population"].tolist(), strict=True)),
                 set(counts[counts > 1].index.tolist()))


def _kids(ix: Index, parent: str) -> Kids:
    got = ix.kids.get(parent)
    if got is None:
        reg = ix.regions[ix.regions["parent_adcode"] == parent]
        reg = reg.iloc[sorted(range(len(reg)), key=lambda i: reg["adcode"].iloc[i].encode())]
        adcodes = reg["adcode"].tolist()
        pop = np.array([ix.population.get(a, np.nan) for a in adcodes], dtype=np.float64)
        got = Kids(adcodes, reg["name"].tolist(), reg["level"].tolist(), pop,
                   not any(a in ix.twice for a in adcodes))
        ix.kids[parent] = got
    return got


def _allowed(vocab: list, picked) -> np.ndarray:
    """Which codes pass ``len($list) = 0 OR list_contains($list, col)`` (NULL never does)."""
    if not picked:
        return np.ones(len(vocab), dtype=bool)
    picked = set(picked)
    return np.array([v is not None and v in picked for v in vocab], dtype=bool)


def children_metrics_fast(reader: Reader, f, parent: str, year: int,
                          min_base) -> pd.DataFrame | None:
    """``queries.CHILDREN_METRICS`` for filters ``f`` (the layer already turned into nodes:
    ``queries.layer_nodes``) and the year in view (``queries.resolve_year``), without the
    ``rank`` column; or None (not modelled: run the SQL)."""
    if not isinstance(min_base, int) or isinstance(min_base, bool):
        return None
    ix = get(reader)
    if ix is None:
        return None
    kids = _kids(ix, parent)
    if not kids.modelled:
        return None
    tiers, edus, bands = ix.vocab
    ok = (_allowed(tiers, f.tiers)[:, None, None, None] & _allowed(edus, f.education)[
        None, :, None, None] & _allowed(bands, f.experience)[None, None, :, None]
        & np.array([not f.returnees_only, True, not f.returnees_only])[None, None, None, :]).ravel()
    all_ok = bool(ok.all())
    node_ok = None
    if f.nodes:
        node_ok = np.zeros(len(ix.nodes) + 1, dtype=bool)
        node_ok[[ix.nodes[k] for k in f.nodes if k in ix.nodes]] = True

    y = min(max(year, -2 * _YEARS), 2 * _YEARS)  # the years kept are within ±_YEARS

    def sums(lo: int, hi: int, size: int | None):
        """(talents, talents_prev, high_level, all_nodes) of the rows: per child, or totals.
        One bincount: each row passing the WHERE falls in a class, 0 when outside the nodes,
        else 1 + (in the year before) + 2 × (high level)."""
        yr = ix.year[lo:hi]
        base = yr <= y
        if not all_ok:
            base &= ok[ix.prof[lo:hi]]
        cls = ix.cls[lo:hi] + (yr <= y - 1)
        if node_ok is not None:
            cls *= node_ok[ix.node[lo:hi]]
        key = cls if size is None else ix.sib[lo:hi] * 5 + cls
        per = np.bincount(key[base], weights=ix.talents[lo:hi][base],
                          minlength=5 * (1 if size is None else size)).astype(
            np.float64, copy=False).reshape(-1, 5)  # (int64 when there is no row)
        inn = per[:, 1] + per[:, 2] + per[:, 3] + per[:, 4]
        out = (inn, per[:, 2] + per[:, 4], per[:, 3] + per[:, 4], per[:, 0] + inn)
        return tuple(float(v[0]) for v in out) if size is None else out

    size = len(kids.adcodes)
    t, prev, high, alln = sums(*ix.spans.get(parent, (0, 0)), size)
    nat_in, _, _, nat_total = sums(*ix.rows.get(COUNTRY, (0, 0)), None)
    p_t, p_prev, p_high, _ = sums(*ix.rows.get(parent, (0, 0)), None)
    arr = _flow(ix.arrivals, parent, y, node_ok, size)
    dep = _flow(ix.departures, parent, y, node_ok, size)
    nan = np.full(size, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = t / (kids.population / 10000.0)
        share = t / nat_in if nat_in > 0 else nan
        if f.nodes and nat_in > 0 and nat_total > 0:
            lq = np.where(alln > 0, t / alln, np.nan) / (nat_in / nat_total)
        else:
            lq = nan
        growth = np.where((t > 0) & (prev > 0), t / prev - 1, np.nan)
    order = np.argsort(-t, kind="stable")  # ORDER BY talents DESC, adcode (kids by adcode)
    take = order.tolist()
    text = "str" if size else object
    cols = {"adcode": pd.Series([kids.adcodes[i] for i in take], dtype=text),
            "name": pd.Series([kids.names[i] for i in take], dtype=text),
            "level": pd.Series([kids.levels[i] for i in take], dtype=text)}
    floats = {"talents": t, "high_level": high, "talents_prev": prev,
              "population": kids.population, "density": density, "share": share, "lq": lq}
    cols |= {k: v[order] for k, v in floats.items()}
    cols["lq_credible"] = (alln >= min_base)[order]
    after = {"growth": growth, "net_inflow": arr - dep, "arrivals": arr, "departures": dep}
    cols |= {k: v[order] for k, v in after.items()}
    cols |= {"parent_talents": np.full(size, p_t), "parent_high_level": np.full(size, p_high),
             "parent_talents_prev": np.full(size, p_prev)}
    return pd.DataFrame(cols)


def _flow(moves: tuple, parent: str, year: int, node_ok, size: int) -> np.ndarray:
    """Moves of the year (of the nodes) per child: arrivals or departures."""
    spans, sib, years, node, n = moves
    lo, hi = spans.get(parent, (0, 0))
    m = years[lo:hi] == year
    if node_ok is not None:
        m &= node_ok[node[lo:hi]]
    return np.bincount(sib[lo:hi][m], weights=n[lo:hi][m], minlength=size).astype(np.float64)
