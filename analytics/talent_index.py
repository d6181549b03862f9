"""The persons of ``talent_person`` in memory, for the 人才集群 page (issue 18): columnar arrays
of codes built once per published version and process, the page's filters as a boolean mask
over them, and per-unit pre-aggregates. ``analytics.cluster_counts`` counts on them what the
three SQL scans of ``talent_aggregates`` counted (cells, statistics, top lists).

Why not a mart built at publish: a talent is one of 45k place × node cells (22 persons per cell
on the large demo), and the page filters on tier, education, exact years of experience, birth
year (age bands), returnee, willing-to-move, expected city, university, year and skills.
Grouping persons by the cell and those dimensions leaves 930k rows of 1.02M (by the cell and
mart_talent_supply's own dimensions alone 422k), and the top lists (skills, employers,
universities per cluster) would need a row per cell, dimensions and value. So the warehouse
keeps no new table: ``talent_person`` is read into arrays (codes, numbers and flags: no names,
no ids; about 90 MB for 1M persons), and a filter change is numpy over them.

A *unit* is a cell × the year of the person's record. Filters on the place, the node and the
year only (the page as first opened, a region, a year) keep or drop whole units, so their
counts come from the units' pre-aggregates (persons, tiers A–D, returnees, years of experience,
and each unit's skills, employers and universities with their counts): 180k units instead of
1M persons and 4M skills. Any other filter is applied person by person (the WHERE of
``talent_aggregates``, term by term, the same NULL rules).

The results are those of the SQL (tests/test_cluster_index.py compares them on many filter
sets). The SQL is used instead (the functions return None) on a warehouse without
``talent_person``, for parameters this module does not know (a filter added to
``TalentFilters`` without a term here), on data it does not model (a NaN years of experience,
a place named twice in ``region``), or when ``ENABLED`` is False (bench/clusters.py --scan).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from analytics.filters import COUNTRY
from reference.abroad import ABROAD_ADCODE
from store.reader import Reader

ENABLED = True
PARAM_KEYS = frozenset({
    "nodes", "tiers", "education", "experience", "returnees_only", "year", "region",
    "skill_groups", "c_nodes", "c_tiers", "c_education", "universities", "exp_min", "exp_max",
    "age_bands", "relocate_only", "c_returnees", "expected", "abroad_only"})
AGE_BANDS = ("<30", "30-39", "40-49", "50+")  # talent_aggregates.AGE_BAND, in order
NO_YEAR = np.iinfo(np.int32).max  # year(observed_on) IS NULL: never <= $year
MASKS = 8  # filter masks kept per index (cells, stats and tops of one filter change share one)
_BUILD = threading.Lock()

# Coded columns: name → the SQL value the WHERE compares (t = talent_person). Codes follow the
# value's ORDER BY (the order the SQL top lists break ties in); NULL is -1.
CODED = {
    "tier": "coalesce(t.tier, 'N')",
    "education": "coalesce(t.education, '其他')",
    "band": "{band}",
    "university": "t.university",
    "employer": "t.employer_name",
    "expected": "t.expected_adcode",
}
_DICT = "SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS code FROM " \
        "(SELECT DISTINCT {expr} AS v FROM talent_person t) WHERE v IS NOT NULL"
_CELLS = """SELECT adcode, node_id, (row_number() OVER (ORDER BY adcode, node_id) - 1)::INTEGER
        AS code FROM (SELECT DISTINCT adcode, coalesce(node_id, '未分类') AS node_id
                      FROM talent_person WHERE adcode IS NOT NULL)"""
_SKILLS = """SELECT v, (row_number() OVER (ORDER BY v) - 1)::INTEGER AS code FROM
        (SELECT DISTINCT unnest(skills) AS v FROM talent_person) WHERE v IS NOT NULL"""
_ENTRIES = f"""WITH d AS ({_SKILLS})
        SELECT e.i, d.code FROM (SELECT rowid AS i, unnest(skills) AS v FROM talent_person) e
        JOIN d USING (v)"""  # noqa: S608 - constant fragments only
_CELL_INFO = """WITH m AS ({cells})
        SELECT m.code, m.adcode, {place} AS place, r.level, r.lon, r.lat, m.node_id,
               coalesce(n.name_zh, '未分类') AS node_name
        FROM m JOIN region r USING (adcode) LEFT JOIN region c ON c.adcode = r.city_adcode
        LEFT JOIN chain_node n ON n.node_id = m.node_id ORDER BY m.code"""
_IN_REGION = "SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $a"
I32 = np.int32


@dataclass
class Index:
    """One published version's persons as arrays (position = talent_person's rowid)."""
    n: int
    cell: np.ndarray        # cell code; len(cells) when the adcode is NULL (or no such row)
    cells: pd.DataFrame     # per cell code: adcode, node_id (every cell, in that order)
    grid: np.ndarray        # (adcode code, node code) → cell code, -1 none
    info: pd.DataFrame      # per cell code: the cells' output columns (NaN when not placed)
    placed: np.ndarray      # the cell's adcode is in `region` (cells joins it)
    year: np.ndarray        # year(observed_on), NO_YEAR for NULL
    birth: np.ndarray       # birth_year, NaN for NULL
    flags: dict             # returnee, relocate, high: booleans
    codes: dict             # CODED name → codes (-1 NULL), and vocab[name] their values
    vocab: dict
    entry_row: np.ndarray   # skills: one entry per person × distinct skill, by person
    entry_code: np.ndarray
    entry_start: np.ndarray  # a person's first entry (n + 1: the last is the end)
    ycode: np.ndarray       # years_experience: its code among the distinct values (-1 NULL)
    yvals: np.ndarray       # the distinct values, ascending
    units: dict             # per unit (cell × year): its cell, year and counts (_units)
    regions: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    masks: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts_of(self, name: str) -> pa.Array:
        """A vocabulary as an arrow array (for pyarrow's hash lookups)."""
        if name not in self.texts:
            self.texts[name] = pa.array(self.vocab[name].tolist(), pa.string())
        return self.texts[name]


def get(reader: Reader) -> Index | None:
    """The index of the reader's published version (built on first use), or None: no
    ``talent_person``, data it does not model, or disabled."""
    if not ENABLED or not reader.has_table("talent_person"):
        return None
    token = reader.per_version(("talent_index",), object)
    slot = reader.__dict__.get("_talent_index")
    if slot is None or slot[0] is not token:
        with _BUILD:
            slot = reader.__dict__.get("_talent_index")
            if slot is None or slot[0] is not token:
                slot = (token, build(reader))
                reader.__dict__["_talent_index"] = slot  # the previous version's goes
    return slot[1]


_ROWS = """WITH {ctes}
        SELECT t.rowid AS i, coalesce(d_cell.code, -1) AS cell,
               coalesce(year(t.observed_on), {no_year})::INTEGER AS year,
               t.years_experience::DOUBLE AS years, t.birth_year::DOUBLE AS birth,
               t.years_experience IS NULL AS years_null,
               coalesce(t.is_returnee, false) AS returnee,
               coalesce(t.willing_to_relocate, false) AS relocate,
               coalesce({high}, false) AS high, {codes}
        FROM talent_person t LEFT JOIN d_cell ON d_cell.adcode = t.adcode
             AND d_cell.node_id = coalesce(t.node_id, '未分类') {joins}"""


def _rows_sql() -> tuple[str, dict]:
    """The per-person query (codes, flags, numbers) and each coded column's dictionary."""
    from analytics.talent_aggregates import EXPERIENCE_BAND, HIGH

    exprs = {k: v.format(band=EXPERIENCE_BAND) for k, v in CODED.items()}
    dicts = {k: _DICT.format(expr=e) for k, e in exprs.items()}
    ctes = ", ".join([f"d_cell AS ({_CELLS})", *(f"d_{k} AS ({v})" for k, v in dicts.items())])
    return _ROWS.format(
        ctes=ctes, no_year=NO_YEAR, high=HIGH,
        codes=", ".join(f"coalesce(d_{k}.code, -1) AS {k}" for k in CODED),
        joins=" ".join(f"LEFT JOIN d_{k} ON d_{k}.v = {e}" for k, e in exprs.items())), dicts


def build(reader: Reader) -> Index | None:
    """Read ``talent_person`` into an Index (None: data this module does not model)."""
    from analytics.talent_aggregates import PLACE

    sql, dicts = _rows_sql()
    rows = reader.df(sql)
    n = int(rows["i"].max()) + 1 if len(rows) else 0
    at = rows["i"].to_numpy(dtype=np.int64)
    cells = reader.df(f"{_CELLS} ORDER BY code")
    info = reader.df(_CELL_INFO.format(cells=_CELLS, place=PLACE))
    years = rows["years"].to_numpy(dtype=float)
    if info["code"].duplicated().any() or \
            (np.isnan(years) != rows["years_null"].to_numpy(dtype=bool)).any():
        return None  # a place twice in `region`; a NaN years: the SQL decides those

    def scatter(col, fill, dtype):
        out = np.full(n, fill, dtype=dtype)
        out[at] = rows[col].to_numpy(dtype=dtype, na_value=fill)
        return out

    ncell = len(cells)
    cell = scatter("cell", -1, I32)
    cell[cell < 0] = ncell  # one slot past the cells: never placed, never mapped
    placed = np.zeros(ncell + 1, dtype=bool)
    placed[info["code"].to_numpy(dtype=np.int64)] = True
    adcodes, ad = np.unique(cells["adcode"].to_numpy(dtype=object), return_inverse=True)
    nodes, nd = np.unique(cells["node_id"].to_numpy(dtype=object), return_inverse=True)
    grid = np.full((len(adcodes), len(nodes)), -1, dtype=np.int64)
    grid[ad, nd] = np.arange(ncell)
    y = scatter("years", np.nan, float)
    yvals = _distinct(y[~np.isnan(y)])
    ycode = np.full(n, -1, dtype=_small(len(yvals)))
    ycode[~np.isnan(y)] = np.searchsorted(yvals, y[~np.isnan(y)])
    vocab = {k: reader.df(f"{v} ORDER BY code")["v"].to_numpy(dtype=object)
             for k, v in dicts.items()}
    vocab["skill"] = reader.df(f"{_SKILLS} ORDER BY code")["v"].to_numpy(dtype=object)
    entries = reader.df(_ENTRIES)  # a person's skill listed twice counts once: dedupe
    ns = max(len(vocab["skill"]), 1)
    key = _distinct(entries["i"].to_numpy(dtype=np.int64) * ns
                    + entries["code"].to_numpy(dtype=np.int64))
    ix = Index(
        n=n, cell=cell, cells=cells, grid=grid, placed=placed,
        info=info.set_index("code").reindex(range(ncell)), year=scatter("year", NO_YEAR, I32),
        birth=scatter("birth", np.nan, np.float32),  # whole years: exact in float32
        flags={k: scatter(k, False, bool) for k in ("returnee", "relocate", "high")},
        codes={k: scatter(k, -1, _small(len(vocab[k]))) for k in CODED},
        vocab=vocab | {"adcode": adcodes, "node": nodes},
        entry_row=(key // ns).astype(I32), entry_code=(key % ns).astype(_small(ns)),
        entry_start=np.searchsorted(key // ns, np.arange(n + 1)).astype(I32),
        ycode=ycode, yvals=yvals, units={})
    ix.units.update(_units(ix))
    return ix


def _small(values: int):
    """The smallest signed integer type that holds codes 0..values − 1 and -1."""
    return next(t for t in (np.int8, np.int16, I32, np.int64) if values < np.iinfo(t).max)


def _units(ix: Index) -> dict:
    """Per unit (cell × year; the year's NULL is NO_YEAR): its cell and year, its persons,
    those in tiers A–D, returnees, willing to move, and as (unit, code, count) triples sorted
    by unit and code its years of experience, employers, universities and skills."""
    years = _distinct(ix.year)
    unit = ix.cell.astype(np.int64) * len(years) + np.searchsorted(years, ix.year)
    size = (len(ix.cells) + 1) * len(years)
    out = {"cell": np.arange(size) // max(len(years), 1),
           "year": np.resize(years, size) if len(years) else np.zeros(0, dtype=I32),
           "n": np.bincount(unit, minlength=size)}
    out |= {k: np.bincount(unit[ix.flags[k]], minlength=size) for k in ix.flags}
    for name, at, code, nv in (
            ("years", unit, ix.ycode, len(ix.yvals)),
            ("employer", unit, ix.codes["employer"], len(ix.vocab["employer"])),
            ("university", unit, ix.codes["university"], len(ix.vocab["university"])),
            ("skill", unit[ix.entry_row], ix.entry_code, len(ix.vocab["skill"]))):
        key = np.sort(at[code >= 0] * max(nv, 1) + code[code >= 0])
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
        out[name] = ((key[starts] // max(nv, 1)).astype(I32),
                     (key[starts] % max(nv, 1)).astype(_small(nv)),
                     np.diff(np.r_[starts, len(key)]).astype(I32))
    return out


def _distinct(a: np.ndarray) -> np.ndarray:
    """np.unique(a) by sorting (numpy's hash-based unique is several times slower here)."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


# -- the WHERE as a mask ------------------------------------------------------------------------
def _in_region(reader: Reader, ix: Index, adcode: str) -> tuple[np.ndarray, bool]:
    """Per cell (and the NULL slot): its adcode is among the region's (region_ancestor); and
    whether that list holds a NULL (then NOT IN is never true)."""
    found = ix.regions.get(adcode)
    if found is None:
        codes = reader.df(_IN_REGION, {"a": adcode})["adcode"]
        inside = ix.cells["adcode"].isin(codes.dropna()).to_numpy(dtype=bool)
        found = (np.r_[inside, False], bool(codes.isna().any()))
        if len(ix.regions) > 256:
            ix.regions = {}
        ix.regions[adcode] = found
    return found


def _expected(reader: Reader, ix: Index, adcode: str) -> np.ndarray:
    """Per expected-city code (and the NULL slot): it lies in the region ``adcode``."""
    key = ("expected", adcode)
    found = ix.regions.get(key)
    if found is None:
        codes = reader.df(_IN_REGION, {"a": adcode})["adcode"].dropna()
        found = np.r_[pd.Index(ix.vocab["expected"]).isin(codes), False]
        if len(ix.regions) > 256:
            ix.regions = {}
        ix.regions[key] = found
    return found


def _lut(vocab: np.ndarray, allowed) -> np.ndarray:
    """Per code (and one slot for NULL, last): the value is in ``allowed``."""
    return np.r_[pd.Index(vocab).isin(list(allowed)), False]


def _cell_ok(reader: Reader, ix: Index, p: dict) -> np.ndarray:
    if p["abroad_only"]:
        ok = _in_region(reader, ix, ABROAD_ADCODE)[0].copy()
    elif p["region"] == COUNTRY:
        inside, has_null = _in_region(reader, ix, ABROAD_ADCODE)
        ok = np.zeros(len(inside), dtype=bool) if has_null else ~inside
    else:
        ok = _in_region(reader, ix, p["region"])[0].copy()
    ok[-1] = False  # a NULL adcode is in no region
    nodes = ix.cells["node_id"].to_numpy(dtype=object)
    for key in ("nodes", "c_nodes"):
        if len(p[key]):
            ok[:-1] &= pd.Index(nodes).isin(list(p[key]))
    return ok


def _mask(reader: Reader, ix: Index, p: dict) -> np.ndarray:
    """The persons the WHERE of talent_aggregates keeps (term by term, same NULL rules)."""
    if p["year"] is None:  # year(observed_on) <= NULL
        return np.zeros(ix.n, dtype=bool)
    m = _cell_ok(reader, ix, p)[ix.cell]
    m &= ix.year <= p["year"]
    for name, key in (("tier", "tiers"), ("tier", "c_tiers"), ("education", "education"),
                      ("education", "c_education"), ("band", "experience"),
                      ("university", "universities")):
        if len(p[key]):
            m &= _lut(ix.vocab[name], p[key])[ix.codes[name]]
    if p["returnees_only"] or p["c_returnees"]:
        m &= ix.flags["returnee"]
    if p["relocate_only"]:
        m &= ix.flags["relocate"]
    for group in p["skill_groups"]:  # some skill of each group (none in an empty group)
        has = np.zeros(ix.n, dtype=bool)
        has[ix.entry_row[_lut(ix.vocab["skill"], group)[ix.entry_code]]] = True
        m &= has
    if p["exp_min"] is not None:  # a NULL (code -1: the last slot) is false
        m &= np.r_[ix.yvals >= float(p["exp_min"]), False][ix.ycode]
    if p["exp_max"] is not None:
        m &= np.r_[ix.yvals <= float(p["exp_max"]), False][ix.ycode]
    if len(p["age_bands"]):
        age = p["year"] - ix.birth
        band = np.select([age < 30, age < 40, age < 50, age >= 50], [0, 1, 2, 3], -1)
        m &= np.r_[np.isin(AGE_BANDS, list(p["age_bands"])), False][band]
    if p["expected"] is not None:
        m &= _expected(reader, ix, p["expected"])[ix.codes["expected"]]
    return m


UNIT_FILTERS = ("region", "abroad_only", "nodes", "c_nodes", "year")  # the rest must be off


def unit_filter(reader: Reader, p: dict) -> tuple[Index, np.ndarray] | None:
    """(index, the units kept) when the bound parameters ``p`` filter on the place, the node
    and the year only (whole units); else None (filter person by person, or the SQL)."""
    if set(p) != PARAM_KEYS or p["year"] is None or any(
            _active(v) for k, v in p.items() if k not in UNIT_FILTERS):
        return None
    ix = get(reader)
    if ix is None:
        return None
    u = ix.units
    return ix, _cell_ok(reader, ix, p)[u["cell"]] & (u["year"] <= p["year"])


def _active(v) -> bool:
    """A filter value that filters: not None, False or an empty list (0.0 does: >= 0.0 drops a
    NULL)."""
    return not (v is None or v is False or isinstance(v, list | tuple) and not v)


def _frozen(v):
    return tuple(_frozen(x) for x in v) if isinstance(v, list | tuple) else v


def mask(reader: Reader, p: dict) -> tuple[Index, np.ndarray] | None:
    """(index, the persons matching the bound parameters ``p``), or None: use the SQL."""
    if set(p) != PARAM_KEYS:
        return None
    ix = get(reader)
    if ix is None:
        return None
    key = _frozen(sorted(p.items()))
    with ix.lock:
        found = ix.masks.get(key)
    if found is None:
        found = _mask(reader, ix, p)
        found.flags.writeable = False
        with ix.lock:
            if len(ix.masks) >= MASKS:
                ix.masks.pop(next(iter(ix.masks)))
            ix.masks[key] = found
    return ix, found


