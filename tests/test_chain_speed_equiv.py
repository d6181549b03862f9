"""Issue 18, the 产业链 page: what it computes for a selection — ``gaps.chain_status``,
``gaps.source_regions``, ``gaps.source_enterprises``, ``gaps.source_talent_pools``,
``flows.summary``, ``flows.origins`` / ``destinations`` and ``flows.top_routes`` — equals, value
for value and dtype for dtype, what it returned before the speed-up (tests/chain_before.py, a
frozen copy): by the counts kept in memory (analytics/chain_index.py) and by the SQL alone
(``chain_index.ENABLED`` off), on the small demo over the country, provinces, cities,
districts, a place abroad and codes without data, many nodes, years, benchmarks, thresholds and
limits; and on hand-made data at the edges (ties, a region with talent or firms only outside
the chain, a code the region table does not know, moves from abroad, of no one or of no node,
NULLs, a country without talent, no talent_person).
"""

from __future__ import annotations

import random
import shutil

import duckdb
import pandas as pd
import pytest

from analytics import chain_index, flows, gaps, whatif
from analytics.filters import Thresholds
from store.reader import Reader
from tests import chain_before as before

THRESHOLDS = (Thresholds(), Thresholds(lq_missing=0.4, lq_stronghold=1.1, lq_min_base=300,
                                       sd_bands=(0.5, 1.0, 1.5)), Thresholds(lq_min_base=0))
# the country, provinces, cities (one with data of its own below the province, one a
# municipality's), districts, codes without data (120113, 120115, 130200 and 130400 get some
# in the hand-made warehouse), unknown codes
FIXED = ["100000", "370000", "440000", "370200", "440300", "110100", "370212", "120113",
         "120115", "130200", "130400", "990000", "999999"]


def regions_of(r: Reader, seed: int, sampled: int) -> list[str]:
    """The fixed codes and a sample of every level's (with and without data)."""
    rng = random.Random(seed)
    out = list(FIXED)
    for level in ("province", "city", "district", "abroad"):
        codes = r.df("SELECT adcode FROM region WHERE level = ? ORDER BY adcode",
                     [level])["adcode"].tolist()
        out += rng.sample(codes, sampled)
    return list(dict.fromkeys(out))


def compare_all(r: Reader, seed: int, years: list[int], sampled: int = 1) -> None:
    rng = random.Random(seed)
    nodes = r.df("SELECT node_id FROM chain_node ORDER BY node_id")["node_id"].tolist()
    eq = pd.testing.assert_frame_equal
    for region in regions_of(r, seed, sampled):
        for year in years:
            for bench in rng.sample(["100000", "370000", region], 2):
                th = rng.choice(THRESHOLDS)
                eq(gaps.chain_status(r, region, year, th, bench),
                   before.chain_status(r, region, year, th, bench),
                   obj=f"chain_status {region} {year} {bench}")
            for node in [rng.choice(nodes), rng.choice(["A01", "F01", "未分类", "Z99"])]:
                limit, base = rng.choice([20, 3, 1, 0]), rng.choice([None, 0, 13, 31, 10**9])
                eq(gaps.source_regions(r, region, node, year, limit, base),
                   before.source_regions(r, region, node, year, limit, base),
                   obj=f"source_regions {region} {node} {year} {limit} {base}")
                eq(gaps.source_talent_pools(r, region, node, year, limit),
                   before.source_talent_pools(r, region, node, year, limit),
                   obj=f"source_talent_pools {region} {node} {year} {limit}")
        for node in (rng.choice(nodes), "Z99"):
            limit = rng.choice([50, 3, 0])
            eq(gaps.source_enterprises(r, region, node, limit),
               before.source_enterprises(r, region, node, limit), obj=f"firms {region} {node}")
        for span in rng.sample([years[-1], (years[0], years[-1]), (years[-1], years[0] - 5)], 2):
            for picked in ((), rng.choice([tuple(rng.sample(nodes, 2)), ("Z99",)])):
                assert flows.summary(r, region, span, picked) == before.summary(
                    r, region, span, picked), (region, span, picked)
                limit = rng.choice([20, 2])
                for new, old in ((flows.origins, before.origins),
                                 (flows.destinations, before.destinations),
                                 (flows.top_routes, before.top_routes)):
                    eq(new(r, region, span, picked, limit), old(r, region, span, picked, limit),
                       obj=f"{new.__name__} {region} {span} {picked}")


@pytest.fixture(params=[True, False], ids=["in-memory", "sql"])
def enabled(request, monkeypatch):
    monkeypatch.setattr(chain_index, "ENABLED", request.param)
    return request.param


@pytest.fixture(scope="module")
def crafted(demo_db, tmp_path_factory):
    """The small demo with edge cases added by hand."""
    db = tmp_path_factory.mktemp("chain_equiv") / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db))
    talent = [  # adcode, level, node, year, talents
        # two cities without data made equal: ties in every ranking (the code decides)
        *[(c, "city", n, y, t) for c in ("130200", "130400")
          for n, y, t in (("A01", 2024, 7), ("F01", 2023, 13), ("未分类", 2022, 3))],
        ("120113", "district", "未分类", 2024, 5),  # talent only outside the chain
        ("120115", "district", "A01", 2024, 6),    # firms only outside it (below)
        ("990000", "city", "A01", 2024, 50),         # a code the region table does not know
    ]
    con.executemany("INSERT INTO mart_talent_supply (adcode, level, node_id, year, talents) "
                    "VALUES (?, ?, ?, ?, ?)", talent)
    con.executemany("INSERT INTO mart_enterprise (adcode, level, node_id, year, enterprises, "
                    "chain_leaders) VALUES (?, ?, ?, ?, ?, ?)",
                    [("130200", "city", "A01", 2024, 2, 1), ("130400", "city", "A01", 2024, 2, 1),
                     ("120113", "district", "未分类", 2023, 4, 0),
                     ("120115", "district", "未分类", 2024, 9, 1),
                     ("990000", "city", "A01", 2024, 3, 3)])
    persons = [  # adcode, node, tier, returnee, willing, expected, observed
        *[(c, "A01", t, ret, w, e, o) for c in ("130200", "130400")
          for t, ret, w, e, o in (("A", True, True, None, "2024-03-01"),
                                  ("N", False, None, "370212", "2023-05-01"),
                                  ("B", None, False, "990000", "2022-01-01"),
                                  ("C", True, True, "370200", None))],
        (None, "A01", "A", True, True, "370212", "2024-01-01"),   # no place
        ("370212", None, "A", True, True, "370212", "2024-01-01"),  # no node
        ("110101", "A01", None, None, None, "370202", "2021-12-31"),
        ("990000", "A01", "D", False, True, "370212", "2024-06-30"),  # a place not in region
    ]
    moves = [  # from, to, level, node, year, moves
        ("130200", "370200", "city", "A01", 2024, 3), ("130400", "370200", "city", "A01", 2024, 3),
        ("990000", "370200", "city", "A01", 2024, 5),   # from a code the region table lacks
        ("370200", "130200", "city", "F01", 2024, 0),   # a route of no one
        ("903600", "370200", "city", "F01", 2022, 4),   # from abroad: no route on the map
        ("120113", "120115", "district", None, 2023, 2),  # no node
    ]
    con.executemany("INSERT INTO mart_moves (from_adcode, to_adcode, level, node_id, year, "
                    "moves) VALUES (?, ?, ?, ?, ?, ?)", moves)
    con.executemany("INSERT INTO talent_person (talent_id, person_id, adcode, node_id, tier, "
                    "is_returnee, willing_to_relocate, expected_adcode, observed_on) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(f"X{i}", f"P{i}", *p) for i, p in enumerate(persons)])
    con.close()
    return db


@pytest.fixture(scope="module")
def odd(demo_db, tmp_path_factory):
    """Data the counts in memory do not model: the SQL answers, the same."""
    db = tmp_path_factory.mktemp("chain_odd") / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE mart_talent_supply SET talents = 0 "
                "WHERE adcode = '100000' AND year = 2021")  # no talent in the country in 2021
    con.execute("INSERT INTO mart_talent_supply (adcode, level, node_id, year, talents) "
                "VALUES ('370200', 'city', 'A01', 2023, NULL)")  # a NULL count from 2023
    con.execute("DROP TABLE talent_person")  # an old warehouse: the records stand in
    con.execute("INSERT INTO mart_moves VALUES ('370202', '370212', 'district', 'A01', 2024, "
                "NULL)")  # a NULL count of moves
    con.close()
    return db


def test_the_demo_gives_what_it_gave(demo_db, enabled):
    r = Reader(demo_db)
    try:
        compare_all(r, 18, [2021, 2023, 2024, 2019], sampled=2)
        for region in ("370200", "370212", "370000"):  # a node without data, one outside
            for node in ("Z99", "未分类"):
                pd.testing.assert_frame_equal(gaps.source_regions(r, region, node, 2024),
                                              before.source_regions(r, region, node, 2024))
                pd.testing.assert_frame_equal(gaps.source_talent_pools(r, region, node, 2024),
                                              before.source_talent_pools(r, region, node, 2024))
        memory = [chain_index.status_facts(r, "370200", "100000", 2024),
                  chain_index.source_regions(r, "370200", "A01", 2024, 20, 30),
                  chain_index.talent_pools(r, "370200", "A01", 2024, 20),
                  chain_index.move_totals(r, "370200", "city", 2024, 2024, ()),
                  chain_index.routes(r, "370200", "city", 2024, 2024, (), 15)]
        assert all((m is not None) == enabled for m in memory)  # the path meant is the one run
    finally:
        r.close()


def test_the_edge_cases_give_what_they_gave(crafted, enabled):
    r = Reader(crafted)
    try:
        compare_all(r, 7, [2022, 2024])
        ties = gaps.source_regions(r, "370200", "A01", 2024, limit=400)
        assert ties.set_index("adcode").loc[["130200", "130400"], "score"].nunique() == 1
        pools = gaps.source_talent_pools(r, "370200", "A01", 2024, limit=400)
        tied = pools.set_index("adcode").loc[["130200", "130400"]]
        assert tied["talent"].tolist() == [3, 3] and tied["expecting_here"].tolist() == [1, 1]
        only_other = gaps.chain_status(r, "120113", 2024, Thresholds())
        assert only_other["lq_base"].iloc[0] == 5 and only_other["ent_base"].iloc[0] == 4
        assert gaps.chain_status(r, "990000", 2024, Thresholds())["lq_base"].iloc[0] == 0
        for span in (2024, (2022, 2024)):
            for nodes in ((), ("A01", "F01")):
                assert flows.summary(r, "370200", span, nodes) == before.summary(
                    r, "370200", span, nodes)
                for new, old in ((flows.origins, before.origins),
                                 (flows.destinations, before.destinations),
                                 (flows.top_routes, before.top_routes)):
                    for code in ("370200", "120115", "100000"):
                        pd.testing.assert_frame_equal(new(r, code, span, nodes, 400),
                                                      old(r, code, span, nodes, 400))
        origins = flows.origins(r, "370200", 2024, ("A01",), 400).set_index("adcode")
        assert origins.loc["130200", "moves"] == origins.loc["130400", "moves"] == 3
        assert "990000" not in origins.index
        for bench in ("120115", "100000"):  # its own benchmark: no chain node has a firm
            pd.testing.assert_frame_equal(
                gaps.chain_status(r, "120115", 2024, Thresholds(), bench),
                before.chain_status(r, "120115", 2024, Thresholds(), bench))
        assert gaps.chain_status(r, "120115", 2024, Thresholds(), "120115")["ent_base"].iloc[
            0] == 9
    finally:
        r.close()


def test_data_not_modelled_goes_to_the_sql(odd, enabled):
    r = Reader(odd)
    try:
        compare_all(r, 3, [2021, 2022, 2024], sampled=0)
        assert chain_index.year_facts(r, 2022) is not None
        assert chain_index.year_facts(r, 2023) is None  # the NULL count
        assert chain_index.source_regions(r, "370200", "A01", 2021, 20, 30) is None  # 0 ÷ 0
        assert chain_index.talent_pools(r, "370200", "A01", 2024, 20) is None
        assert chain_index.moves(r) is None  # the NULL count of moves
    finally:
        r.close()


@pytest.mark.timeout(120)
def test_a_fresh_reader_builds_in_any_order(demo_db):
    """The pools' build needs the places' (a lock taken twice must not hang), and a new
    published version drops the previous version's counts."""
    r = Reader(demo_db)
    try:
        want = before.source_talent_pools(r, "370200", "A01", 2024)
        pd.testing.assert_frame_equal(gaps.source_talent_pools(r, "370200", "A01", 2024), want)
        token = r.per_version(("chain_index",), object)
        assert r.__dict__["_store_chain_index"][0] is token
        r.__dict__["_per_version"].clear()  # as a publish does: a new version, a new token
        pd.testing.assert_frame_equal(gaps.source_talent_pools(r, "370200", "A01", 2024), want)
        assert r.__dict__["_store_chain_index"][0] is not token
        assert set(r.__dict__["_store_chain_index"][1]) == {("places",), ("persons",)}
    finally:
        r.close()


def test_assess_gives_what_it_gave(demo_db):
    """``assess`` builds its frame at once now: the same as the column-by-column assign, for
    the warehouse's counts and the what-if's changed ones (integer bases too)."""
    r = Reader(demo_db)
    try:
        chain = gaps.chain_status(r, "370200", 2024, Thresholds())
        counts = chain[list(chain.columns[:13])].copy()
        counts.loc[3, "talent"] += 7
        counts.loc[5, "enterprises"] = 0
        for th in THRESHOLDS:
            for bases in (whatif.bases(chain), gaps.Bases(10, 1000, 3, 50),
                          gaps.Bases(0.0, 0.0, 0.0, 0.0)):
                pd.testing.assert_frame_equal(gaps.assess(counts, bases, th),
                                              before.assess(counts, bases, th))
        pd.testing.assert_frame_equal(gaps.assess(counts.iloc[:0], whatif.bases(chain), th),
                                      before.assess(counts.iloc[:0], whatif.bases(chain), th))
        shifted = counts.set_axis(range(100, 100 + len(counts)))
        pd.testing.assert_frame_equal(gaps.assess(shifted, whatif.bases(chain), th),
                                      before.assess(shifted, whatif.bases(chain), th))
    finally:
        r.close()
