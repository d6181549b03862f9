"""The faster cluster computation (issue 18) gives exactly what the former one gave.

The former implementation is kept here as the reference: ``label_cells`` with one n × n
neighbours matrix per chain node (``cl.dbscan_weighted``, unchanged), the former ``summarise``
and ``_order_clusters``, and the top-lists query with ``list_distinct``. The new one finds the
neighbour pairs once for all distinct centres and clusters each node on its own pairs, and
counts a person's distinct skills as the first occurrence of each. Compared on the small demo
over several filter sets and clustering parameters (cells, summary, labels, stats, top lists,
the members table) and on hand-made cells (centres shared by two places, ties, no coordinates).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics import clusters as cl
from analytics import queries as q
from analytics import talent as tl
from analytics import talent_aggregates as ta
from analytics.filters import Filters
from store.reader import Reader

NOISE = cl.NOISE


# -- the former implementation (reference) -----------------------------------------------------
def old_label_cells(cells: pd.DataFrame, eps_km: float, min_talents: float,
                    by_node: bool = True) -> pd.DataFrame:
    located = cells[cells["lon"].notna() & cells["lat"].notna()]
    key = ["node_id", "adcode"] if by_node else ["adcode"]
    places = located.groupby(key, as_index=False).agg(
        lon=("lon", "first"), lat=("lat", "first"), talents=("talents", "sum"))
    places["cluster"] = NOISE
    groups = places.groupby("node_id", sort=True) if by_node else [(None, places)]
    next_id = 0
    for _, g in groups:
        lab = cl.dbscan_weighted(g["lon"], g["lat"], g["talents"], eps_km, min_talents)
        found = lab != NOISE
        places.loc[g.index[found], "cluster"] = lab[found] + next_id
        next_id += int(lab.max()) + 1 if found.any() else 0
    out = cells.merge(places[[*key, "cluster"]], on=key, how="left")
    out["cluster"] = out["cluster"].fillna(NOISE).astype(int)
    return old_order_clusters(out)


def old_order_clusters(cells: pd.DataFrame) -> pd.DataFrame:
    sizes = cells[cells["cluster"] != NOISE].groupby("cluster")["talents"].sum()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], c))
    mapping = {old: new for new, old in enumerate(order, start=1)}
    return cells.assign(cluster=cells["cluster"].map(lambda c: mapping.get(c, NOISE)))


def old_summarise(cells: pd.DataFrame) -> pd.DataFrame:
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


OLD_TOPS = f"""
        WITH {ta.MAPPED},
        counted AS (
            SELECT cluster, 'skill' AS kind, s AS value, count(*) AS n
            FROM (SELECT cluster, unnest(list_distinct(skills)) AS s FROM base) GROUP BY ALL
            UNION ALL
            SELECT cluster, 'employer', employer_name, count(*) FROM base
            WHERE employer_name IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT cluster, 'university', university, count(*) FROM base
            WHERE university IS NOT NULL GROUP BY ALL
        )
        SELECT cluster, kind, value, n FROM counted
        QUALIFY row_number() OVER (PARTITION BY cluster, kind ORDER BY n DESC, value) <= $top
        ORDER BY cluster, kind, n DESC, value
    """  # noqa: S608 - constant fragments only


# -- comparison ---------------------------------------------------------------------------------
def assert_same_clusters(raw: pd.DataFrame, eps: float, min_talents: float, by_node: bool):
    old, new = old_label_cells(raw, eps, min_talents, by_node), cl.label_cells(
        raw, eps, min_talents, by_node)
    pd.testing.assert_frame_equal(new, old)
    s_old, s_new = old_summarise(old), cl.summarise(new)
    pd.testing.assert_frame_equal(s_new, s_old)
    assert [cl.label(r) for r in s_new.itertuples()] == [cl.label(r) for r in s_old.itertuples()]
    return new


def _cases(r: Reader) -> list[tuple]:
    def skills(text: str, **kw) -> tl.TalentFilters:
        terms, groups = tl.resolve_skills(r, text)
        return tl.TalentFilters(skills=groups, skill_terms=terms, **kw)

    T = tl.TalentFilters
    return [
        (Filters(), T(), 25.0, 5, True),
        (Filters(), T(), 50.0, 10, False),
        (Filters(), T(), 5.0, 1, True),
        (Filters(), T(), 200.0, 3, True),
        (Filters(), T(), 100.0, 2, False),
        (Filters(region="370000"), T(), 25.0, 2, True),
        (Filters(tiers=("A", "B", "C")), T(education=("博士", "硕士")), 25.0, 2, True),
        (Filters(), skills("Python, 视觉"), 25.0, 2, True),
        (Filters(layer="应用层"), T(exp_min=5.0, relocate_only=True), 40.0, 2, False),
        (Filters(returnees_only=True), T(), 100.0, 1, True),
        (Filters(year=2022), T(age_bands=("<30", "30-39")), 25.0, 3, True),
    ]


@pytest.fixture(scope="module")
def demo(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


def test_demo_clusters_stats_tops_and_members_are_unchanged(demo):
    r = demo
    seen_clusters = 0
    for f, tf, eps, min_talents, by_node in _cases(r):
        raw = tl.cluster_cells(r, f, tf)
        cells = assert_same_clusters(raw, eps, min_talents, by_node)
        seen_clusters += int(cells["cluster"].max()) if len(cells) else 0
        p = ta.params(r, f, tf) | ta._mapping(cells) | {"top": ta.TOP_N}
        old_tops = r.df(q.on_persons(r, OLD_TOPS), p)
        pd.testing.assert_frame_equal(tl.cluster_tops(r, f, tf, cells), old_tops)
        stats = tl.cluster_stats(r, f, tf, cells)
        assert stats["cluster"].tolist() == sorted(set(cells["cluster"]) - {NOISE})
        if (cells["cluster"] == 1).any():
            pairs = list(zip(*(cells.loc[cells.cluster == 1, c].tolist()
                               for c in ("adcode", "node_id")), strict=True))
            members = tl.cluster_talents(r, f, tf, pairs, "recruiter")
            assert len(members) == min(int(cells.loc[cells.cluster == 1, "talents"].sum()),
                                       tl.TABLE_LIMIT)
    assert seen_clusters > 20  # the demo does make clusters under these filters


def _cells(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["adcode", "place", "level", "lon", "lat", "node_id",
                                       "node_name", "talents"]).astype({"talents": "int64"})


def test_hand_made_cells_with_shared_centres_ties_and_no_coordinates():
    rows = [
        # two places at one centre (a city-level record at the city's centre and a district)
        ("370200", "青岛市", "city", 120.38, 36.07, "T14", "虚拟现实", 3),
        ("370202", "青岛市市南区", "district", 120.38, 36.07, "T14", "虚拟现实", 1),
        ("370212", "青岛市崂山区", "district", 120.47, 36.11, "T14", "虚拟现实", 2),
        ("370211", "青岛市黄岛区", "district", 120.05, 35.87, "T14", "虚拟现实", 1),
        # a border place exactly between two cores (a tie: the first core wins)
        ("110101", "北京市东城区", "district", 116.0, 40.0, "T11", "自然语言处理", 5),
        ("110102", "北京市西城区", "district", 116.4, 40.0, "T11", "自然语言处理", 5),
        ("110105", "北京市朝阳区", "district", 116.2, 40.0, "T11", "自然语言处理", 1),
        ("110101", "北京市东城区", "district", 116.0, 40.0, "T14", "虚拟现实", 2),
        # no coordinates: noise
        ("999999", "某地", "district", None, None, "T14", "虚拟现实", 9),
        ("440305", "深圳市南山区", "district", 113.93, 22.53, "未分类", "未分类", 4),
    ]
    raw = _cells(rows)
    for eps in (5.0, 20.0, 40.0, 200.0):
        for min_talents in (1, 3, 5, 6, 100):
            for by_node in (True, False):
                assert_same_clusters(raw, eps, min_talents, by_node)
    assert_same_clusters(raw.iloc[:0], 25.0, 5, True)


@pytest.mark.parametrize("seed", range(6))
def test_random_cells_match_the_former_implementation(seed):
    rng = np.random.default_rng(seed)
    n_places = int(rng.integers(5, 120))
    lon = np.round(rng.uniform(110, 122, n_places), 1)  # rounded: some centres repeat
    lat = np.round(rng.uniform(28, 40, n_places), 1)
    rows = []
    for i in range(n_places):
        for node in rng.choice(["T01", "T04", "T11", "T14"], int(rng.integers(1, 4)),
                               replace=False):
            rows.append((f"{100000 + i:06d}", f"地{i}", "district", lon[i], lat[i], str(node),
                         f"环节{node}", int(rng.integers(1, 12))))
    raw = _cells(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for eps, min_talents in ((10.0, 5), (60.0, 12), (150.0, 30)):
        for by_node in (True, False):
            assert_same_clusters(raw, eps, min_talents, by_node)


def test_first_occurrences_are_the_distinct_skills():
    con = duckdb.connect()
    lists = [["VR", "VR", "Unity"], [None, "A", None, "A"], [], None, ["b", "B", "b"], [None]]
    got = con.execute("""
        SELECT list_sort(list_distinct(s)) AS old,
               list_sort(list_filter(s, lambda x, i: x IS NOT NULL
                                     AND list_position(s, x) = i)) AS new
        FROM (SELECT unnest($l::VARCHAR[][]) AS s)
    """, {"l": lists}).fetchall()
    assert [a for a, _ in got] == [b for _, b in got]
