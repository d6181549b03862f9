"""Persons from linked records (etl/linkage.py): clusters of the links with no rejected pair
inside one, pairs of different ID numbers kept apart, and each cluster's person id (carried
forward from the last publish where its records had one)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd


def clusters(n: int, edges: pd.DataFrame, rejected: list[tuple[int, int]]) -> np.ndarray:
    """A cluster label per record: connected components of ``edges`` (i, j, strength), with no
    two records of a rejected pair in one cluster (edges taken strongest first; an edge that
    would join a rejected pair is dropped)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    i, j = edges["i"].to_numpy(dtype=np.int64), edges["j"].to_numpy(dtype=np.int64)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    bad = {labels[a] for a, b in rejected if labels[a] == labels[b]}
    if not bad:
        return labels
    # Constrained union-find inside each component that holds a rejected pair.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    apart: dict[int, set[int]] = {}
    for a, b in rejected:
        apart.setdefault(a, set()).add(b)
        apart.setdefault(b, set()).add(a)
    members: dict[int, set[int]] = {}
    inside = edges[np.isin(labels[i], list(bad))].sort_values("strength", ascending=False)
    for a, b in zip(inside["i"], inside["j"], strict=True):
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members.setdefault(ra, {ra}), members.setdefault(rb, {rb})
        if any(apart.get(x, set()) & mb for x in ma):
            continue  # would put a rejected pair in one person
        parent[rb] = ra
        members[ra] = ma | members.pop(rb)
    out = labels.astype(np.int64).copy()
    top = int(labels.max()) + 1
    for x in parent:
        if labels[x] in bad:
            out[x] = top + find(x)
    return out


def id_conflicts(id_hash: np.ndarray, labels: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i < j) put in one cluster whose ID numbers differ: two people, whatever linked
    them (a shared phone, a model link, a chain through a record without a number)."""
    has = np.flatnonzero(pd.notna(id_hash))
    df = pd.DataFrame({"pos": has, "label": labels[has], "h": id_hash[has]})
    df = df[df.groupby("label")["h"].transform("nunique") > 1]
    out = []
    for _, g in df.groupby("label"):
        rows = list(zip(g["pos"], g["h"], strict=True))
        out += [(min(a, b), max(a, b)) for (a, ha), (b, hb) in itertools.combinations(rows, 2)
                if ha != hb]
    return out


def person_ids(ids: np.ndarray, labels: np.ndarray, previous) -> np.ndarray:
    """The person id of each record: carried forward from ``previous`` (talent_id → person_id,
    a dict or Series) where the cluster holds records of an earlier person, else ``P`` + its
    first talent id. Each earlier id goes to the cluster holding most of its records (then the
    smaller id, then the smaller cluster); each cluster takes the earlier id it holds most
    records of. On arrays of codes: a reload's million carried ids cost no Python object each."""
    ids, labels = np.asarray(ids, dtype=object), np.asarray(labels)
    clusters, inverse = np.unique(labels, return_inverse=True)
    k = len(clusters)
    prev = previous if isinstance(previous, pd.Series) else pd.Series(previous, dtype=object)
    pos = pd.Index(prev.index).get_indexer(ids) if len(prev) else np.full(len(ids), -1)
    old_codes, old_ids = pd.factorize(prev.to_numpy(dtype=object))
    has = pos >= 0
    claim, n = np.unique(old_codes[pos[has]].astype(np.int64) * k + inverse[has],
                         return_counts=True)  # (earlier id, cluster) and its records
    c_old, c_cl = claim // max(k, 1), claim % max(k, 1)
    # A claim whose id and cluster are in no other claim (nearly all, on a reload) is granted
    # whatever the order; the rest are settled greedily in the order above.
    alone = (np.bincount(c_old, minlength=len(old_ids))[c_old] == 1) & (
        np.bincount(c_cl, minlength=k)[c_cl] == 1)
    given = np.full(k, -1, dtype=np.int64)
    given[c_cl[alone]] = c_old[alone]
    taken = np.zeros(len(old_ids), dtype=bool)
    taken[c_old[alone]] = True
    for r in sorted(np.flatnonzero(~alone),
                    key=lambda r: (-n[r], old_ids[c_old[r]], clusters[c_cl[r]])):
        if given[c_cl[r]] < 0 and not taken[c_old[r]]:
            given[c_cl[r]], taken[c_old[r]] = c_old[r], True
    out = np.empty(k, dtype=object)
    out[given >= 0] = np.asarray(old_ids, dtype=object)[given[given >= 0]]
    fresh = np.flatnonzero(given < 0)
    if len(fresh):
        order = (np.arange(len(ids)) if pd.Index(ids).is_monotonic_increasing  # sorted: as
                 else np.argsort(ids, kind="stable"))  # records() gives them
        firsts = np.empty(k, dtype=np.int64)  # each cluster's smallest talent id's place
        seen, first = np.unique(inverse[order], return_index=True)
        firsts[seen] = order[first]
        used = set(out[given >= 0])
        names = ["P" + ids[firsts[c]][1:] for c in fresh]
        names = [f"{p}-{clusters[c]}" if p in used else p  # a split-off part whose first record
                 for p, c in zip(names, fresh, strict=True)]  # founded another person
        if len(set(names)) < len(names) or used.intersection(names):  # cannot happen with T… ids
            raise ValueError("two persons would share an id")
        out[fresh] = names
    return out[inverse]
