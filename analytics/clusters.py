"""Talent clusters: a small weighted DBSCAN over region centres (no scikit-learn), vectorised.

Points are places (district centroids; a record known only to its city sits at the city's
centre) carrying a weight, the number of matching talents there. A place is a *core* when the
talents within ``eps_km`` of it (itself included) number at least ``min_weight``. Cores within
eps of each other form one cluster; a non-core place within eps of a core joins the cluster of
its nearest core; the rest is noise (scattered talent). Clusters are numbered by size.

``label_cells`` (the page) finds the neighbour pairs once for all distinct centres and clusters
each chain node on its own pairs (an edge list, not one n × n matrix per node); it gives what
``dbscan_weighted`` per node gives (tests/test_clusters_speed.py).
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

EARTH_RADIUS_KM = 6371.0088
NOISE = -1
_CHUNK = 1024  # rows of the distance matrix computed at a time (memory stays ~ chunk × n)


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distances (broadcasting) in km."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=float))
                              for a in (lon1, lat1, lon2, lat2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere (n × 3)."""
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def neighbours(lon: np.ndarray, lat: np.ndarray, eps_km: float) -> np.ndarray:
    """n × n boolean matrix: the two places are at most eps_km apart (diagonal true).

    Two unit vectors' dot product is the cosine of their great-circle angle, so one matrix
    product finds every pair within eps — exact, and far faster than pairwise haversines."""
    v = _unit_vectors(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    n = len(v)
    limit = np.cos(min(eps_km / EARTH_RADIUS_KM, np.pi))
    adj = np.zeros((n, n), dtype=bool)
    for start in range(0, n, _CHUNK):
        adj[start:start + _CHUNK] = v[start:start + _CHUNK] @ v.T >= limit - 1e-12
    np.fill_diagonal(adj, True)
    return adj


def _components(adj: np.ndarray) -> np.ndarray:
    """Connected components of a symmetric boolean matrix: each node's smallest member index."""
    src, dst = np.nonzero(adj)  # the edge list: memory follows the edges, not n²
    return _components_edges(len(adj), src, dst)


def _components_edges(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected components of n nodes from an edge list holding both directions of each edge:
    each node's smallest member index (a node without edges is its own component)."""
    labels = np.arange(n)
    while True:  # label propagation: converges in (component diameter) rounds
        new = labels.copy()
        np.minimum.at(new, src, labels[dst])
        new = new[new]  # pointer jumping shortens long chains
        if np.array_equal(new, labels):
            return labels
        labels = new


def dbscan_weighted(lon, lat, weight, eps_km: float, min_weight: float) -> np.ndarray:
    """Cluster label per point (0 = the biggest cluster by weight; -1 noise)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w = np.asarray(weight, dtype=float)
    n = len(w)
    if n == 0:
        return np.zeros(0, dtype=int)
    adj = neighbours(lon, lat, eps_km)
    core = adj.astype(float) @ w >= min_weight
    labels = np.full(n, NOISE)
    if not core.any():
        return labels
    cores = np.flatnonzero(core)
    labels[cores] = cores[_components(adj[np.ix_(cores, cores)])]
    border = np.flatnonzero(~core & adj[:, cores].any(axis=1))
    if len(border):  # a border place joins its nearest core's cluster (largest cosine)
        v = _unit_vectors(lon, lat)
        near = np.where(adj[np.ix_(border, cores)], v[border] @ v[cores].T, -np.inf)
        labels[border] = labels[cores[near.argmax(axis=1)]]
    return _renumber(labels, w)


def _renumber(labels: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Clusters numbered 0.. by total weight (descending), ties by first member."""
    found = labels != NOISE
    ids, inverse = np.unique(labels[found], return_inverse=True)
    totals = np.bincount(inverse, weights=w[found], minlength=len(ids))
    rank = np.empty(len(ids), dtype=int)
    rank[np.lexsort((ids, -totals))] = np.arange(len(ids))
    out = np.full(len(labels), NOISE, dtype=int)
    out[found] = rank[inverse]
    return out


def neighbour_pairs(lon, lat, eps_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The neighbours matrix of ``neighbours`` as an edge list (i, j, cosine of i–j): both
    directions of each pair, every point with itself. Same products, same threshold."""
    v = _unit_vectors(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    n = len(v)
    limit = np.cos(min(eps_km / EARTH_RADIUS_KM, np.pi))
    src, dst, cos = [], [], []
    for start in range(0, n, _CHUNK):
        d = v[start:start + _CHUNK] @ v.T
        rows = np.arange(len(d))
        i, j = np.divmod(np.flatnonzero(d >= limit - 1e-12), n)  # np.nonzero's order, faster
        off = i + start != j
        i, j = np.r_[rows, i[off]], np.r_[rows + start, j[off]]  # the diagonal is always in
        src.append(i + start)
        dst.append(j)
        cos.append(d[i, j])
    return np.concatenate(src), np.concatenate(dst), np.concatenate(cos)


PAIRS_KEPT = 1_000_000  # pairs kept per eps (at most EPS_KEPT of them) for the next call
EPS_KEPT = 4
_PAIRS: dict = {}  # eps → (every centre seen at that eps, as lon + i·lat, sorted; its pairs)
_PAIRS_LOCK = threading.Lock()


def _pairs(centres: np.ndarray, eps_km: float):
    """``neighbour_pairs`` of the centres (sorted by lon, lat), taken from the pairs of every
    centre seen so far at this eps: a pair's product does not depend on the other rows of the
    matrix, so a subset's pairs are the same (tests/test_cluster_index.py). The places with
    matching talent are a subset of the same few thousand region centres on every call."""
    z = centres[:, 0] + 1j * centres[:, 1]
    seen = _PAIRS.get(eps_km)
    if seen is not None:
        at = np.minimum(np.searchsorted(seen[0], z), len(seen[0]) - 1)
        if len(z) and (seen[0][at] == z).all():
            pos = np.full(len(seen[0]), -1)
            pos[at] = np.arange(len(z))
            src, dst, cos = seen[1]
            keep = (pos[src] >= 0) & (pos[dst] >= 0)
            return pos[src[keep]], pos[dst[keep]], cos[keep]
        z = np.union1d(seen[0], z)  # sorted as centres are (complex: real, then imaginary)
    pairs = neighbour_pairs(z.real, z.imag, eps_km)
    if len(pairs[0]) <= PAIRS_KEPT:
        with _PAIRS_LOCK:
            if eps_km not in _PAIRS and len(_PAIRS) >= EPS_KEPT:
                _PAIRS.pop(next(iter(_PAIRS)))
            _PAIRS[eps_km] = (z, pairs)
        return _pairs(centres, eps_km)
    return neighbour_pairs(centres[:, 0], centres[:, 1], eps_km)


def _by_source(edges, n_centres: int):
    """The edge list sorted by source centre: (first edge, degree, destination, cosine)."""
    e_src, e_dst, e_cos = edges
    order = np.argsort(e_src, kind="stable")
    deg = np.bincount(e_src, minlength=n_centres)
    return np.cumsum(deg) - deg, deg, e_dst[order], e_cos[order]


def _group_pairs(pts: np.ndarray, grp: np.ndarray, n_centres: int, csr):
    """The place pairs (a, b, cosine) of places in the same group (0.. sorted) whose centres
    are neighbours: each place with every place of its group at each neighbour centre."""
    first, deg, dst, cos = csr
    d = deg[pts]
    a = np.repeat(np.arange(len(pts)), d)
    e = np.repeat(first[pts] - (np.cumsum(d) - d), d) + np.arange(len(a))
    key = grp * n_centres + pts  # a place's (group, centre)
    count = np.bincount(key, minlength=(int(grp[-1]) + 1) * n_centres)
    order = np.argsort(key, kind="stable")
    kb = grp[a] * n_centres + dst[e]
    n = count[kb]
    a, e, kb, n = a[n > 0], e[n > 0], kb[n > 0], n[n > 0]  # the group has a place there
    start = (np.cumsum(count) - count)[kb]
    if n.max() == 1:  # one place per centre and group (the usual case): no expansion
        return a, order[start], cos[e]
    row = np.repeat(np.arange(len(a)), n)
    k = np.arange(len(row)) - np.repeat(np.cumsum(n) - n, n)
    return a[row], order[start[row] + k], cos[e[row]]


def _dbscan_edges(n: int, a: np.ndarray, b: np.ndarray, cos: np.ndarray, w: np.ndarray,
                  min_weight: float) -> np.ndarray:
    """``dbscan_weighted`` on an edge list (a, b, cosine; both directions, diagonal included)
    instead of the n × n matrix: the same cores, components and borders; a cluster is named
    by its smallest core (``_number`` numbers them)."""
    core = np.bincount(a, weights=w[b], minlength=n) >= min_weight
    labels = np.full(n, NOISE)
    if not core.any():
        return labels
    both = core[a] & core[b]
    comp = _components_edges(n, a[both], b[both])  # a core's smallest core neighbour-chain
    labels[core] = comp[core]
    to_core = ~core[a] & core[b]
    if to_core.any():  # a border place joins its nearest core (largest cosine; ties: first core)
        ba, bb, bc = a[to_core], b[to_core], cos[to_core]
        order = np.lexsort((bb, -bc, ba))
        ba, bb = ba[order], bb[order]
        first = np.r_[True, ba[1:] != ba[:-1]]
        labels[ba[first]] = labels[bb[first]]
    return labels


def _number(labels: np.ndarray, w: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Clusters numbered 0.. group by group, in each by total weight (descending), ties by the
    smallest core: ``_renumber`` per group, each numbered on from the previous group's."""
    found = labels != NOISE
    ids, inverse = np.unique(labels[found], return_inverse=True)
    totals = np.bincount(inverse, weights=w[found], minlength=len(ids))
    rank = np.empty(len(ids), dtype=int)
    rank[np.lexsort((ids, -totals, group[ids]))] = np.arange(len(ids))
    out = np.full(len(labels), NOISE, dtype=int)
    out[found] = rank[inverse]
    return out


MAX_PAIRS = 4_000_000  # place × neighbour-centre pairs looked at in one batch of groups


def _batches(group: np.ndarray, work: np.ndarray):
    """Ranges of places covering whole groups, each with at most MAX_PAIRS of work (a group
    with more is a batch of its own): memory stays bounded at a large eps."""
    bounds = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1, len(group)]
    total = np.r_[0, np.cumsum(work)]
    start = 0
    for i in range(1, len(bounds)):
        if i == len(bounds) - 1 or total[bounds[i + 1]] - total[bounds[start]] > MAX_PAIRS:
            yield bounds[start], bounds[i]
            start = i


def _label_places(places: pd.DataFrame, eps_km: float, min_talents: float,
                  by_node: bool) -> np.ndarray:
    """Cluster ids of places (sorted by node, adcode): each node on its own when ``by_node``,
    numbered on from the previous node's. The neighbour pairs are found once for all the
    distinct centres; the nodes are clustered together (their places never pair across nodes),
    in batches."""
    lon, lat = places["lon"].to_numpy(dtype=float), places["lat"].to_numpy(dtype=float)
    w = places["talents"].to_numpy(dtype=float)
    raw = np.full(len(places), NOISE)
    if not len(places):
        return raw
    centres, point = _unique_points(lon, lat)
    csr = _by_source(_pairs(centres, eps_km), len(centres))
    if by_node:
        node = places["node_id"].to_numpy()
        group = np.r_[0, np.cumsum(node[1:] != node[:-1])]
    else:
        group = np.zeros(len(places), dtype=np.int64)
    for lo, hi in _batches(group, csr[1][point]):
        a, b, c = _group_pairs(point[lo:hi], group[lo:hi] - group[lo], len(centres), csr)
        lab = _dbscan_edges(hi - lo, a, b, c, w[lo:hi], min_talents)
        raw[lo:hi] = np.where(lab == NOISE, NOISE, lab + lo)
    return _number(raw, w, group)


def _unique_points(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(np.column_stack([lon, lat]), axis=0, return_inverse=True)``: the distinct
    points sorted by lon then lat, and each point's index among them (a lexsort: 4× faster)."""
    order = np.lexsort((lat, lon))
    sl, sa = lon[order], lat[order]
    new = np.r_[True, (sl[1:] != sl[:-1]) | (sa[1:] != sa[:-1])] if len(order) else \
        np.zeros(0, dtype=bool)
    point = np.empty(len(order), dtype=np.intp)
    point[order] = np.cumsum(new) - 1
    return np.column_stack([sl[new], sa[new]]), point


def label_cells(cells: pd.DataFrame, eps_km: float, min_talents: float,
                by_node: bool = True) -> pd.DataFrame:
    """Cells (adcode, lon, lat, node_id, talents) with a ``cluster`` column (-1 noise).

    With ``by_node`` each chain node is clustered on its own (a cluster is a place × a node);
    otherwise the nodes of each place are pooled first. Cells without coordinates are noise.
    """
    located = cells[cells["lon"].notna() & cells["lat"].notna()]
    key = ["node_id", "adcode"] if by_node else ["adcode"]
    places = located.groupby(key, as_index=False).agg(
        lon=("lon", "first"), lat=("lat", "first"), talents=("talents", "sum"))
    places["cluster"] = _label_places(places, eps_km, min_talents, by_node)
    out = cells.merge(places[[*key, "cluster"]], on=key, how="left")
    out["cluster"] = out["cluster"].fillna(NOISE).astype(int)
    return _order_clusters(out)


def _order_clusters(cells: pd.DataFrame) -> pd.DataFrame:
    """Renumber clusters 1.. by size over all nodes (biggest first, ties by the old id)."""
    old = cells["cluster"].to_numpy()
    found = old != NOISE
    ids, inverse = np.unique(old[found], return_inverse=True)
    sizes = cells.loc[found, "talents"].groupby(inverse).sum().to_numpy()
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.lexsort((ids, -sizes))] = np.arange(1, len(ids) + 1)
    new = np.full(len(old), NOISE, dtype=np.int64)
    new[found] = rank[inverse]
    return cells.assign(cluster=new)


def summarise(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster: size, weighted centre, places, main place and main node."""
    c = cells[cells["cluster"] != NOISE].copy()
    if c.empty:
        return pd.DataFrame(columns=["cluster", "talents", "lon", "lat", "places", "n_places",
                                     "place", "node_id", "node_name"])
    c = c.sort_values(["cluster", "talents", "adcode"], ascending=[True, False, True])
    c["wlon"], c["wlat"] = c["lon"] * c["talents"], c["lat"] * c["talents"]
    g = c.groupby("cluster", sort=True)
    node_size = c.groupby(["cluster", "node_id"])["talents"].sum().reset_index()
    main_node = node_size.sort_values(["cluster", "talents", "node_id"],
                                      ascending=[True, False, True]).groupby("cluster").first()
    out = pd.DataFrame({
        "talents": g["talents"].sum(),
        "lon": g["wlon"].sum() / g["talents"].sum(),
        "lat": g["wlat"].sum() / g["talents"].sum(),
        "places": _places_in_order(c),
        "place": g["place"].first(),
        "node_id": main_node["node_id"],
    })
    out["n_places"] = out["places"].map(len)
    names = c.drop_duplicates("node_id").set_index("node_id")["node_name"]
    out["node_name"] = out["node_id"].map(names)
    return out.reset_index()


def _places_in_order(c: pd.DataFrame) -> pd.Series:
    """Per cluster (c sorted by cluster), its adcodes in order, each once (a list)."""
    first = c.drop_duplicates(["cluster", "adcode"])
    ids = first["cluster"].to_numpy()
    codes = first["adcode"].to_numpy(dtype=object).tolist()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return pd.Series([codes[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)],
                     index=pd.Index(ids[starts], name="cluster"), dtype=object)


def label(row) -> str:
    """'#1 青岛市崂山区 等 3 地 · 虚拟现实' for a summary row."""
    more = f" 等 {row.n_places} 地" if row.n_places > 1 else ""
    return f"#{row.cluster} {row.place}{more} · {row.node_name}"
