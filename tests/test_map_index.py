"""Issue 18, the talent map: ``queries.children_metrics`` from the rows kept in memory
(analytics/map_index.py) equals, value for value and dtype for dtype, what the SQL alone gives
(``map_index.ENABLED`` off) — on the small demo over the country, provinces (one of a single
city), cities, districts, a place abroad, codes without data or children, and hundreds of
seeded filter combinations; and on a copy with hand-made rows at the edges (NULL tier,
education, band, returnee flag, node and year; a child with talent and 0 population; children
with no talent before the year; moves at the wrong level, of no year or no node; a region
whose population the SQL repeats; counts the index does not model, which fall back to SQL).
"""

from __future__ import annotations

import random
import shutil

import duckdb
import pandas as pd
import pytest

import settings
from analytics import map_index
from analytics import queries as q
from analytics.filters import EDUCATION, EXPERIENCE_BANDS, LAYERS, METRICS, TIERS, Filters
from store.reader import Reader

FIXED = ["100000", "370000", "440000", "110000", "110100", "370200", "440300", "310100",
         "370212", "370202", "900000", "650000", "999999"]


@pytest.fixture
def enabled(monkeypatch):
    monkeypatch.setattr(map_index, "ENABLED", True)


def both(r: Reader, f: Filters, parent: str) -> None:
    """children_metrics with the index and with the SQL alone: identical frames."""
    map_index.ENABLED = True
    fast = q.children_metrics(r, f, parent)
    map_index.ENABLED = False
    try:
        slow = q.children_metrics(r, f, parent)
    finally:
        map_index.ENABLED = True
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, obj=f"{parent} {f}")


def direct(r: Reader, f: Filters, parent: str, year: int, min_base: int) -> None:
    """The fast function for an explicit year (one without data, before the first) against
    the SQL with the same parameters."""
    got = map_index.children_metrics_fast(r, f, parent, year, min_base)
    assert got is not None
    want = r.df(q.CHILDREN_METRICS, f.params(year) | {
        "parent": parent, "has_nodes": bool(f.nodes), "min_base": min_base})
    pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{parent} {f} {year}")


def random_filters(rng: random.Random, nodes: list[str], years: list[int]) -> Filters:
    pick = rng.random()
    chosen = tuple(rng.sample(nodes, rng.randint(1, 4))) if pick < 0.4 else \
        (rng.choice([("Z99",), ("未分类",), ("未分类", nodes[0])]) if pick < 0.5 else ())
    return Filters(tiers=tuple(rng.sample(TIERS, rng.choice([0, 0, 1, 2, 3]))),
                   education=tuple(rng.sample(EDUCATION, rng.choice([0, 0, 1, 2]))),
                   experience=tuple(rng.sample(EXPERIENCE_BANDS, rng.choice([0, 0, 1, 2]))),
                   returnees_only=rng.random() < 0.3, nodes=chosen,
                   layer=rng.choice([None, None, *LAYERS]) if not chosen else None,
                   year=rng.choice([None, *years, years[0], years[0] - 1, 1990]),
                   metric=rng.choice(METRICS))


def parents_of(r: Reader, rng: random.Random) -> list[str]:
    out = list(FIXED)
    for level in ("province", "city", "district", "abroad"):
        codes = r.df("SELECT adcode FROM region WHERE level = ? ORDER BY adcode",
                      [level])["adcode"].tolist()
        out += rng.sample(codes, 3)
    return list(dict.fromkeys(out))


def compare_many(r: Reader, seed: int, combos: int) -> int:
    rng = random.Random(seed)
    nodes = r.df("SELECT node_id FROM chain_node ORDER BY node_id")["node_id"].tolist()
    years = q.years(r)
    parents = parents_of(r, rng)
    n = 0
    for parent in parents:  # every parent unfiltered, by layer and by one node
        for f in (Filters(), Filters(layer=LAYERS[0]), Filters(nodes=(nodes[0],)),
                  Filters(returnees_only=True, year=years[0])):
            both(r, f, parent)
            n += 1
    for _ in range(combos):
        both(r, random_filters(rng, nodes, years), rng.choice(parents))
        n += 1
    for year in (years[0] - 1, years[0], years[-1], years[-1] + 3, 0):
        for parent in ("100000", "370000", "370200", "999999"):
            f = random_filters(rng, nodes, years).with_(layer=None)
            direct(r, f, parent, year, rng.choice([0, 20, 300, 10**12]))
            n += 1
    return n


def test_demo_equals_sql(demo_db, enabled):
    r = Reader(demo_db)
    try:
        assert map_index.get(r) is not None  # the fast path is what is compared
        assert map_index.children_metrics_fast(r, Filters(), "100000", q.resolve_year(
            r, Filters()), settings.get("lq_min_base")) is not None
        assert compare_many(r, seed=18, combos=300) > 400
    finally:
        r.close()


EDGES = """
INSERT INTO region VALUES
    ('370299', '边区', '边区', 'district', '370200', '370000', '370200', 120.1, 36.1, 10.0),
    ('370298', '零区', '零区', 'district', '370200', '370000', '370200', 120.2, 36.2, 10.0),
    ('370297', '空区', '空区', 'district', '370200', '370000', '370200', 120.3, 36.3, 10.0);
INSERT INTO region_indicator VALUES
    ('370298', '常住人口', 2020, 0.0, '人', 'test', 1),
    ('370297', '常住人口', 2021, 0.0, '人', 'test', 1),
    ('370202', '常住人口', 2020, 500000.0, '人', 'test', 1);
INSERT INTO mart_talent_supply VALUES
    ('370299', 'district', NULL, NULL, NULL, NULL, NULL, 2024, 3),
    ('370299', 'district', 'A01', 'A', '博士', '0-3', true, NULL, 4),
    ('370298', 'district', 'A01', 'A', '博士', '0-3', true, 2024, 2),
    ('370202', 'district', NULL, 'B', NULL, '3-5', NULL, 2022, 5),
    ('370202', 'district', 'A01', NULL, '硕士', NULL, false, 2023, 6),
    ('370200', 'city', NULL, NULL, NULL, NULL, NULL, 2022, 7),
    ('370200', 'city', 'A01', 'C', '本科', '未知', NULL, NULL, 2),
    ('100000', 'country', NULL, 'A', NULL, NULL, true, 2021, 9),
    ('100000', 'country', 'A01', NULL, '博士', '10+', NULL, 2024, 1),
    ('999998', 'district', 'A01', 'A', '博士', '0-3', true, 2024, 5),
    (NULL, 'district', 'A01', 'A', '博士', '0-3', true, 2024, 5);
INSERT INTO mart_moves VALUES
    ('370202', '370299', 'district', NULL, 2024, 3),
    ('370299', '370202', 'district', 'A01', NULL, 2),
    ('370299', '370203', 'city', 'A01', 2024, 4),
    ('900400', '370298', 'district', 'A01', 2024, 6),
    ('370298', NULL, 'district', 'A01', 2024, 1),
    (NULL, '370298', NULL, 'A01', 2024, 1),
    ('370200', '999998', 'city', 'A01', 2023, 8);
"""


def edge_copy(demo_db, tmp_path, extra: str = "") -> Reader:
    db = tmp_path / "edges.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db))
    try:
        con.execute(EDGES + extra)
    finally:
        con.close()
    return Reader(db)


def test_edges_equal_sql(demo_db, tmp_path, enabled):
    r = edge_copy(demo_db, tmp_path)
    try:
        assert map_index.get(r) is not None
        rng = random.Random(7)
        nodes = r.df("SELECT node_id FROM chain_node ORDER BY node_id")["node_id"].tolist()
        years = q.years(r)
        hand = [Filters(), Filters(tiers=("A",)), Filters(tiers=("A", "B", "C", "D", "E", "N")),
                Filters(education=tuple(EDUCATION)), Filters(experience=tuple(EXPERIENCE_BANDS)),
                Filters(returnees_only=True), Filters(nodes=("A01",)), Filters(nodes=("Z99",)),
                Filters(year=years[0]), Filters(year=2024, nodes=("A01",), tiers=("A",)),
                Filters(layer=LAYERS[1], returnees_only=True, year=2022)]
        for parent in ("370200", "370000", "100000", "370299", "999998", "999999"):
            for f in hand:
                both(r, f, parent)
        for _ in range(200):
            both(r, random_filters(rng, nodes, years), rng.choice(
                ["370200", "370000", "100000", "370202"]))
        for year in (2020, 2021, 2024, 2030):
            direct(r, Filters(nodes=("A01",)), "370200", year, 1)
        df = q.children_metrics(r, Filters(), "370200").set_index("adcode")
        assert df.loc["370298", "density"] == float("inf")  # talent, 0 population
        assert pd.isna(df.loc["370297", "density"])          # 0 ÷ 0
        assert pd.isna(df.loc["370298", "growth"])           # no talent before the year
    finally:
        r.close()


def test_a_chain_of_twins_gives_each_region_one_population(demo_db, tmp_path, enabled):
    """A city that is its province's only child and has only one district could borrow a
    figure from both: it takes its parent's, once (the SQL repeated the child's row before);
    the index and the SQL agree."""
    r = edge_copy(demo_db, tmp_path, """
        INSERT INTO region VALUES
            ('880000', '单市省', '单市省', 'province', '100000', '880000', NULL, 1, 1, 1),
            ('880100', '单区市', '单区市', 'city', '880000', '880000', '880100', 1, 1, 1),
            ('880101', '独区', '独区', 'district', '880100', '880000', '880100', 1, 1, 1);
        INSERT INTO region_indicator VALUES ('880000', '常住人口', 2020, 100.0, '人', 't', 1),
            ('880101', '常住人口', 2020, 7.0, '人', 't', 1);""")
    try:
        kids = map_index.children_metrics_fast(r, Filters(), "880000", 2024, 20)
        assert kids is not None and kids["adcode"].tolist() == ["880100"]
        assert kids["population"].tolist() == [100.0]  # the province's, not the district's
        for parent in ("880000", "100000", "880100"):
            both(r, Filters(), parent)
    finally:
        r.close()


@pytest.mark.parametrize("extra", [
    "INSERT INTO mart_talent_supply VALUES ('370202', 'district', 'A01', 'A', '博士', "
    "'0-3', true, 2023, 0)",
    "INSERT INTO mart_talent_supply VALUES ('370202', 'district', 'A01', 'A', '博士', "
    "'0-3', true, 2023, NULL)",
    "INSERT INTO mart_moves VALUES ('370202', '370203', 'district', 'A01', 2024, NULL)"])
def test_unmodelled_counts_fall_back(demo_db, tmp_path, enabled, extra):
    r = edge_copy(demo_db, tmp_path, extra)
    try:
        assert map_index.get(r) is None
        for parent in ("370200", "100000"):
            both(r, Filters(), parent)
            both(r, Filters(nodes=("A01",), year=2023), parent)
    finally:
        r.close()


@pytest.mark.parametrize("empty", ["DELETE FROM mart_moves", "DELETE FROM mart_talent_supply",
                                   "DELETE FROM mart_moves; DELETE FROM mart_talent_supply"])
def test_empty_marts_are_modelled(demo_db, tmp_path, enabled, empty):
    """A warehouse with no moves (or no talent) yet: the index answers, as the SQL does."""
    r = edge_copy(demo_db, tmp_path, empty)
    try:
        assert map_index.get(r) is not None
        for parent in ("100000", "370000", "370200"):
            both(r, Filters(), parent)
            both(r, Filters(tiers=("A",), returnees_only=True), parent)
    finally:
        r.close()
