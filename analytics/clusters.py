"""Talent clusters: a small weighted DBSCAN over region centres (no scikit-learn), vectorised.

Points are places (district centroids; a record known only to its city sits at the city's
centre) carrying a weight, the number of matching talents there. A place is a *core* when the
talents within ``eps_km`` of it (itself included) number at least ``min_weight``. Cores within
eps of each other form one cluster; a non-core place within eps of a core joins the cluster of
its nearest core; the rest is noise (scattered talent). Clusters are numbered by size.
"""

from __future__ import annotations

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
    labels = np.arange(len(adj))
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
    places["cluster"] = NOISE
    groups = places.groupby("node_id", sort=True) if by_node else [(None, places)]
    next_id = 0
    for _, g in groups:
        lab = dbscan_weighted(g["lon"], g["lat"], g["talents"], eps_km, min_talents)
        found = lab != NOISE
        places.loc[g.index[found], "cluster"] = lab[found] + next_id
        next_id += int(lab.max()) + 1 if found.any() else 0
    out = cells.merge(places[[*key, "cluster"]], on=key, how="left")
    out["cluster"] = out["cluster"].fillna(NOISE).astype(int)
    return _order_clusters(out)


def _order_clusters(cells: pd.DataFrame) -> pd.DataFrame:
    """Renumber clusters 1.. by size over all nodes (biggest first)."""
    sizes = cells[cells["cluster"] != NOISE].groupby("cluster")["talents"].sum()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], c))
    mapping = {old: new for new, old in enumerate(order, start=1)}
    return cells.assign(cluster=cells["cluster"].map(lambda c: mapping.get(c, NOISE)))


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
        "places": g["adcode"].agg(lambda s: list(dict.fromkeys(s))),
        "place": g["place"].first(),
        "node_id": main_node["node_id"],
    })
    out["n_places"] = out["places"].map(len)
    names = c.drop_duplicates("node_id").set_index("node_id")["node_name"]
    out["node_name"] = out["node_id"].map(names)
    return out.reset_index()


def label(row) -> str:
    """'#1 青岛市崂山区 等 3 地 · 虚拟现实' for a summary row."""
    more = f" 等 {row.n_places} 地" if row.n_places > 1 else ""
    return f"#{row.cluster} {row.place}{more} · {row.node_name}"
