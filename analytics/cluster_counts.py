"""The 人才集群 page's cells, statistics and top lists counted on the in-memory index
(``analytics.talent_index``) instead of scanning ``talent_person`` (issue 18): the rows the SQL
of ``talent_aggregates`` (CLUSTER_CELLS, CLUSTER_STATS, CLUSTER_TOPS) returns, with the same
column types, order and ties. Each function returns None when the index cannot answer (the
caller then runs the SQL).

Counts are by persons (a filter on anything but the place, the node and the year) or by units
(cell × year, each weighted by its persons: ``talent_index.unit_filter``); both give the same
integers. A group × value count is a bincount when the bins are few, else a sort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics import talent_index as ti
from store.reader import Reader

I32 = np.int32
DENSE_BINS = 1 << 22  # count by bincount up to this many (group × value) bins, else by sorting
FEW = 0.5  # top lists read only the persons in clusters when they are under this share
TOP_KINDS = ("employer", "skill", "university")  # the SQL's ORDER BY kind
STATS_COLUMNS = {"cluster": np.int32, "talents": np.int64, "median_experience": np.float64,
                 "high": np.int64, "high_share": np.float64, "returnees": np.int64,
                 "relocatable": np.int64}


def cells(reader: Reader, p: dict) -> pd.DataFrame | None:
    """CLUSTER_CELLS: matching persons per placed cell, most first, then by adcode and node
    (the cell codes' order)."""
    unit = ti.unit_filter(reader, p)
    if unit is not None:
        ix, ok = unit
        u = ix.units
        counts = np.bincount(u["cell"][ok], weights=u["n"][ok], minlength=len(ix.cells) + 1)
    else:
        got = ti.mask(reader, p)
        if got is None:
            return None
        ix, m = got
        counts = np.bincount(ix.cell[m], minlength=len(ix.cells) + 1)
    counts = counts.astype(np.int64)
    keep = np.flatnonzero((counts > 0) & ix.placed)
    keep = keep[np.lexsort((keep, -counts[keep]))]
    out = ix.info.iloc[keep].reset_index(drop=True)
    return _as_sql(out.assign(talents=counts[keep]))


def _codes_of(values: pd.Series, vocab: pa.Array) -> np.ndarray | None:
    """Each value's position in ``vocab`` (-1 when absent; NULL is absent, as in a join); None
    when the values are not text (the SQL would cast them)."""
    try:
        arr = pa.array(values.array) if len(values) else pa.array([], pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return pc.fill_null(pc.index_in(arr, value_set=vocab), -1).to_numpy(zero_copy_only=False)


def _mapping(ix: ti.Index, cells_df: pd.DataFrame):
    """(per cell code: its cluster's position in ids or -1; ids): the cells' cluster mapping
    as the SQL joins it; None when it names a cell twice (the SQL would count twice)."""
    cluster = cells_df["cluster"].to_numpy(dtype=np.int64)
    ad = _codes_of(cells_df["adcode"], ix.texts_of("adcode"))
    nd = _codes_of(cells_df["node_id"], ix.texts_of("node"))
    if ad is None or nd is None:
        return None
    code = np.where((ad >= 0) & (nd >= 0), ix.grid[ad, nd], -1)
    code, cluster = code[(code >= 0) & (cluster >= 0)], cluster[(code >= 0) & (cluster >= 0)]
    if len(code) and np.bincount(code).max() > 1:
        return None
    ids = ti._distinct(cluster)
    lut = np.full(len(ix.cells) + 1, -1, dtype=I32)
    lut[code] = np.searchsorted(ids, cluster)
    return lut, ids


def _grouped(reader: Reader, p: dict, cells_df: pd.DataFrame):
    """(index, each unit's or person's cluster position (-1 none), ids, by units?) or None."""
    unit = ti.unit_filter(reader, p)
    got = unit or ti.mask(reader, p)
    found = got and _mapping(got[0], cells_df)
    if not found:
        return None
    (ix, keep), (lut, ids) = got, found
    at = ix.units["cell"] if unit else ix.cell
    return ix, np.where(keep, lut[at], I32(-1)), ids, unit is not None


def _median(groups, codes, weights, yvals: np.ndarray, k: int) -> np.ndarray:
    """median(years_experience) per group as DuckDB 2.0 computes it: (lo + hi) / 2 of the two
    middle values (not lo + (hi − lo) / 2: they differ in the last bit for 0.1 and 1.3), the
    middle one when the count is odd, NaN without any. ``codes`` index
    ``yvals`` (sorted), -1 NULL; ``weights`` count each entry (None: once)."""
    ny = max(len(yvals), 1)
    keep = (groups >= 0) & (codes >= 0)
    key = groups[keep].astype(np.int64) * ny + codes[keep]
    w = None if weights is None else weights[keep]
    if k * ny <= DENSE_BINS:  # a histogram per group: the r-th value is where its count passes r
        below = np.bincount(key, weights=w, minlength=k * ny).reshape(k, ny).cumsum(axis=1)
        total = below[:, -1]
        lo = (below <= ((total - 1) // 2)[:, None]).sum(axis=1)
        hi = (below <= (total // 2)[:, None]).sum(axis=1)
    else:  # sorted, with the running count: the r-th value of a group is where it passes r
        order = np.argsort(key, kind="stable")
        key = key[order]
        run = np.cumsum(np.ones(len(key)) if w is None else w[order])
        start = np.searchsorted(key, np.arange(k, dtype=np.int64) * ny)
        end = np.searchsorted(key, np.arange(1, k + 1, dtype=np.int64) * ny)
        base = np.where(start > 0, run[np.maximum(start - 1, 0)] if len(run) else 0, 0)
        total = np.where(end > 0, run[np.maximum(end - 1, 0)] if len(run) else 0, 0) - base
        last = max(len(key) - 1, 0)
        lo = np.searchsorted(run, base + (total - 1) // 2, side="right")
        hi = np.searchsorted(run, base + total // 2, side="right")
        lo = key[np.minimum(lo, last)] % ny if len(key) else lo
        hi = key[np.minimum(hi, last)] % ny if len(key) else hi
    has = total > 0
    lo, hi = yvals[np.minimum(lo[has], ny - 1)], yvals[np.minimum(hi[has], ny - 1)]
    out = np.full(k, np.nan)
    out[has] = np.where(total[has] % 2 == 1, lo, (lo + hi) / 2)
    return out


def stats(reader: Reader, p: dict, cells_df: pd.DataFrame) -> pd.DataFrame | None:
    """CLUSTER_STATS: per cluster its persons, median years of experience, tiers A–D (count,
    share), returnees and persons willing to move."""
    found = _grouped(reader, p, cells_df)
    if found is None:
        return None
    ix, grp, ids, by_unit = found
    k = len(ids)
    if by_unit:
        u = ix.units
        at = grp >= 0

        def count(name):
            return np.bincount(grp[at], weights=u[name][at], minlength=k).astype(np.int64)

        talents = count("n")
        t_unit, t_code, t_n = u["years"]
        median = _median(grp[t_unit], t_code, t_n, ix.yvals, k)
    else:
        rows = np.flatnonzero(grp >= 0)
        pos = grp[rows]

        def count(name):
            return np.bincount(pos if name == "n" else pos[ix.flags[name][rows]], minlength=k)

        talents = count("n")
        median = _median(pos, ix.ycode[rows], None, ix.yvals, k)
    high = count("high")
    out = pd.DataFrame({
        "cluster": ids, "talents": talents, "median_experience": median, "high": high,
        "high_share": high / np.maximum(talents, 1), "returnees": count("returnee"),
        "relocatable": count("relocate")})
    return out[talents > 0].reset_index(drop=True).astype(STATS_COLUMNS)


def _counted(groups, values, nv: int, k: int, weights=None):
    """(group, value code, count) of each pair that occurs; groups of -1 are left out."""
    key = (groups.astype(np.int64) + 1) * nv + values
    if (k + 1) * nv <= DENSE_BINS:
        n = np.bincount(key, weights=weights, minlength=(k + 1) * nv)[nv:]
        nz = np.flatnonzero(n)
        return nz // nv, nz % nv, n[nz].astype(np.int64)
    keep = groups >= 0
    key, w = key[keep], None if weights is None else weights[keep]
    if w is None:
        key = np.sort(key)
    elif len(key) and key.max() < 2 ** 40 and w.max() < 2 ** 22:  # sort the pairs as one int
        packed = np.sort(key << 22 | w.astype(np.int64))
        key, w = packed >> 22, packed & (2 ** 22 - 1)
    else:
        order = np.argsort(key, kind="stable")
        key, w = key[order], w[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    n = np.diff(np.r_[starts, len(key)]) if w is None else \
        np.add.reduceat(w, starts) if len(key) else starts
    return key[starts] // nv - 1, key[starts] % nv, n.astype(np.int64)


def _top(groups, values, n, nv: int, top: int):
    """The first ``top`` per group by count descending, then value (code) ascending."""
    big = int(n.max()) + 1 if len(n) else 1
    if (int(groups.max()) + 1 if len(groups) else 1) * big * nv < 2 ** 62:  # one sort key
        key = np.sort((groups * big + (big - 1 - n)) * nv + values)
        groups, values, n = key // nv // big, key % nv, big - 1 - key // nv % big
    else:
        order = np.lexsort((values, -n, groups))
        groups, values, n = groups[order], values[order], n[order]
    first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]]) if len(groups) else groups
    rank = np.arange(len(groups)) - np.repeat(first, np.diff(np.r_[first, len(groups)]))
    keep = rank < top
    return groups[keep], values[keep], n[keep]


def _members(ix: ti.Index, grp: np.ndarray, kind: str):
    """(group, value code) of each person in a cluster with a value of ``kind`` (one per
    distinct skill) — the persons in clusters when they are few, else everyone's (-1 none)."""
    rows = np.flatnonzero(grp >= 0)
    few = len(rows) < ix.n * FEW
    if kind == "skill" and few:
        start, count = ix.entry_start[rows], np.diff(ix.entry_start)[rows]
        at = np.repeat(start - (np.cumsum(count) - count), count) + np.arange(count.sum())
        return np.repeat(grp[rows], count), ix.entry_code[at]
    if kind == "skill":
        return grp[ix.entry_row], ix.entry_code
    v = ix.codes[kind][rows] if few else ix.codes[kind]
    return np.where(v >= 0, grp[rows] if few else grp, I32(-1)), np.maximum(v, 0)


def tops(reader: Reader, p: dict, cells_df: pd.DataFrame, top: int) -> pd.DataFrame | None:
    """CLUSTER_TOPS: per cluster the ``top`` most frequent employers, skills (each person's
    distinct skills) and universities, ties by value."""
    found = _grouped(reader, p, cells_df)
    if found is None:
        return None
    ix, grp, ids, by_unit = found
    parts, offset = [], 0
    for kind_code, kind in enumerate(TOP_KINDS):
        nv = max(len(ix.vocab[kind]), 1)
        if by_unit:
            t_unit, t_code, t_n = ix.units[kind]
            counted = _counted(grp[t_unit], t_code, nv, len(ids), t_n)
        else:
            counted = _counted(*_members(ix, grp, kind), nv, len(ids))
        g, v, n = _top(*counted, nv, top)
        parts.append((g, np.full(len(g), kind_code), v + offset, n))
        offset += len(ix.vocab[kind])
    g, kind, v, n = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.argsort(g, kind="stable")  # each kind's rows are in (cluster, n, value) order
    if not len(order):
        empty = np.zeros(0, dtype=object)
        return pd.DataFrame({"cluster": np.zeros(0, dtype=np.int32), "kind": empty,
                             "value": empty, "n": np.zeros(0, dtype=np.int64)})
    texts = _texts(ix)
    return pd.DataFrame({"cluster": ids[g[order]].astype(np.int32),
                         "kind": texts["kind"].take(kind[order]),
                         "value": texts["value"].take(v[order]), "n": n[order]})


def _texts(ix: ti.Index) -> dict:
    """The kinds and the values of the top lists as ``str`` arrays (taking from them is
    cheaper than converting Python strings on every call)."""
    if "value" not in ix.texts:
        values = np.concatenate([ix.vocab[k] for k in TOP_KINDS])
        ix.texts |= {"kind": pd.array(list(TOP_KINDS), dtype="str"),
                     "value": pd.array(values, dtype="str")}
    return ix.texts


def _as_sql(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns typed as DuckDB's result types them: ``str``, ``object`` when empty."""
    text = [c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype,
                                                                        pd.StringDtype)]
    want = object if df.empty else "str"
    return df.astype({c: want for c in text if df[c].dtype != want})
