"""The heatmap's chain status of many regions in one query (``gaps.chain_status_all``) equals,
region by region, what ``gaps.chain_status`` (two queries and ``assess``) gives: on the small
demo (every province, a province's cities) and on a hand-made warehouse with edge values (LQ
exactly at the thresholds, zero counts, bases below and at lq_min_base, supply/demand exactly at
the band limits, a gap score whose rounding is a tie, 延链 with two 固链 neighbours)."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest

from analytics import disclosure, flows, gaps
from analytics import queries as q
from analytics.filters import Thresholds
from store.reader import Reader

YEAR = 2024
THRESHOLDS = (Thresholds(), Thresholds(lq_missing=0.4, lq_stronghold=1.1, lq_min_base=300,
                                       sd_bands=(0.5, 1.0, 1.5)))


def assert_equal_per_region(r: Reader, regions: list[str], year: int, th: Thresholds,
                            bench: str) -> None:
    many = gaps.chain_status_many(r, regions, year, th, bench)
    assert list(many) == list(dict.fromkeys(regions))
    for code in regions:
        pd.testing.assert_frame_equal(many[code], gaps.chain_status(r, code, year, th, bench),
                                      obj=f"{code} vs {bench}")


def old_matrix(r: Reader, regions: list[str], year: int, th: Thresholds,
               bench: str) -> pd.DataFrame:
    """The heatmap's data as it was built before: chain_status per region, stacked."""
    names = r.df("SELECT adcode, name FROM region")
    name = dict(zip(names["adcode"], names["name"], strict=True))
    return pd.concat([gaps.chain_status(r, c, year, th, bench).assign(adcode=c,
                                                                      name=name.get(c, c))
                      for c in regions], ignore_index=True)


@pytest.fixture(scope="module")
def demo(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


@pytest.mark.parametrize("th", THRESHOLDS)
def test_every_province_equals_its_own_chain_status(demo, th):
    year = q.years(demo)[-1]
    provinces = demo.df("SELECT adcode FROM region WHERE level = 'province' ORDER BY adcode")
    codes = provinces["adcode"].tolist()
    assert len(codes) == 34
    for bench in ("100000", "370000"):
        assert_equal_per_region(demo, [*codes, "999999"], year, th, bench)


def test_a_provinces_cities_equal_their_own_chain_status(demo):
    year = q.years(demo)[-1]
    for province in ("370000", "440000"):
        cities = demo.df("SELECT adcode FROM region WHERE parent_adcode = ? ORDER BY adcode",
                         [province])["adcode"].tolist()
        assert len(cities) > 5
        for bench in ("100000", province):
            assert_equal_per_region(demo, cities, year, Thresholds(), bench)


def test_the_heatmap_matrix_is_unchanged_also_under_disclosure(demo):
    """flows.chain_matrix (one query now) equals the stack of chain_status it used to be, in
    the order asked for, and what the figure shows after disclosure control is the same."""
    year, th = q.years(demo)[-1], Thresholds()
    regions = ["370200", *demo.df("SELECT adcode FROM region WHERE parent_adcode = '370000' "
                                  "ORDER BY adcode DESC")["adcode"]]
    regions = list(dict.fromkeys(regions))
    new, old = flows.chain_matrix(demo, regions, year, th), old_matrix(demo, regions, year,
                                                                        th, "100000")
    pd.testing.assert_frame_equal(new, old)
    assert list(dict.fromkeys(new["adcode"])) == regions
    for k in (None, 5, 50):
        a, b = (disclosure.apply(m, k, disclosure.NODES, by="adcode") for m in (new, old))
        pd.testing.assert_frame_equal(a.values, b.values)
    assert flows.chain_matrix(demo, [], year, th).empty


# -- a hand-made warehouse -------------------------------------------------------------------
# Country (the benchmark): 1,024 talents, 256 in each of A01, A02, A05 and F01 (share 1/4, exact
# in binary); no talent in the other nodes (their LQ is unknown).
TALENT = [  # adcode, node, year, talents
    *[("100000", n, YEAR, 256) for n in ("A01", "A02", "A05", "F01")],
    # 110000: 64 talents. A01 8 → LQ exactly 0.5 (= lq_missing: not 补链); A02 14 → LQ 0.875:
    # gap 50 × 0.125 = 6.25, a tie (Python rounds it to 6.2, DuckDB's round to 6.3). In 2023
    # (stock, not active), and a 2025 row the year leaves out.
    ("110000", "A01", 2023, 8), ("110000", "A02", 2023, 14), ("110000", "F01", 2023, 42),
    ("110000", "F01", 2025, 1000),
    # 120000: 40 talents. A02 and A05 12 each → LQ exactly 1.2 (= lq_stronghold); A01 none → LQ 0
    ("120000", "A02", YEAR, 12), ("120000", "A05", YEAR, 12), ("120000", "F01", YEAR, 16),
    ("130000", "A01", YEAR, 19),   # a base of 19 < lq_min_base: the LQ decides nothing
    ("140000", "A01", YEAR, 20),   # a base of exactly lq_min_base: credible
    # 210000: 200 talents, all active; supply/demand exactly at the band limits
    ("210000", "F01", YEAR, 59), ("210000", "A01", YEAR, 90), ("210000", "A02", YEAR, 12),
    ("210000", "A05", YEAR, 39),
    ("990000", "A01", YEAR, 50),   # a code the region table does not know: no base
]
ENTERPRISE = [  # adcode, node, year, enterprises, chain leaders
    *[("100000", n, YEAR, 40, 4) for n in ("A01", "A02", "A05", "F01", "F02")],
    ("110000", "A01", YEAR, 2, 0), ("110000", "A02", YEAR, 1, 0), ("110000", "F01", 2025, 9, 9),
    ("120000", "A02", YEAR, 2, 1), ("120000", "A05", 2020, 1, 1), ("120000", "F01", YEAR, 3, 0),
    ("140000", "A01", YEAR, 1, 1),
    ("150000", "A01", YEAR, 5, 2),  # enterprises, no talent: base 0, LQ unknown
    ("210000", "A05", YEAR, 0, 0), ("210000", "A01", YEAR, 7, 0),
]
POSTINGS = [  # adcode, node, year, postings, salaried postings, salary sum
    ("210000", "F01", YEAR, 100, 10, 250_000.0),  # 0.59
    ("210000", "A01", YEAR, 100, 0, None),         # 0.9, no salary stated
    ("210000", "A02", YEAR, 10, 3, 61_000.0),      # 1.2
    ("210000", "A05", YEAR, 10, 10, 1.0e5),        # 3.9
    ("210000", "F02", YEAR, 5, 5, 1.0e5),          # no talent: 0
    ("210000", "F03", 2023, 5, 5, 1.0e5),          # another year
    ("110000", "F01", YEAR, 0, 0, None),           # zero postings: no ratio
]
CODES = ["110000", "120000", "130000", "140000", "150000", "210000", "990000", "999999",
         "100000"]


@pytest.fixture(scope="module")
def crafted(demo_db, tmp_path_factory):
    """The demo's reference tables (regions, chain nodes) with marts written by hand."""
    db = tmp_path_factory.mktemp("crafted") / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db))
    for table in ("mart_talent_supply", "mart_enterprise", "mart_posting_demand"):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - constant names
    con.executemany("INSERT INTO mart_talent_supply (adcode, node_id, year, talents) "
                    "VALUES (?, ?, ?, ?)", TALENT)
    con.executemany("INSERT INTO mart_enterprise (adcode, node_id, year, enterprises, "
                    "chain_leaders) VALUES (?, ?, ?, ?, ?)", ENTERPRISE)
    con.executemany("INSERT INTO mart_posting_demand (adcode, node_id, year, postings, "
                    "salaried_postings, salary_sum) VALUES (?, ?, ?, ?, ?, ?)", POSTINGS)
    con.close()
    r = Reader(db)
    yield r
    r.close()


@pytest.mark.parametrize("th", [*THRESHOLDS, Thresholds(lq_missing=0.875, lq_stronghold=4,
                                                        lq_min_base=19)])
@pytest.mark.parametrize("bench", ["100000", "120000", "999999"])
def test_edge_values_equal_chain_status(crafted, th, bench):
    assert_equal_per_region(crafted, CODES, YEAR, th, bench)


def test_the_edge_values_are_those_meant(crafted):
    """The hand-made cases do reach the edges they are written for (else the equality above
    would prove less than it says)."""
    m = flows.chain_matrix(crafted, CODES, YEAR, Thresholds())
    cell = m.set_index(["adcode", "node_id"])
    assert cell.loc[("110000", "A01"), "lq_talent"] == 0.5
    assert cell.loc[("110000", "A01"), "status"] == "强链"
    assert cell.loc[("110000", "A02"), "gap_score"] == 6.2          # the tie, as Python rounds
    assert cell.loc[("120000", "A02"), "lq_talent"] == 1.2
    assert cell.loc[("120000", "A02"), "status"] == "固链"
    assert cell.loc[("120000", "A01"), "lq_talent"] == 0.0
    assert cell.loc[("120000", "A01"), "status"] == "延链"
    names = dict(zip(m["node_id"], m["name_zh"], strict=False))
    assert cell.loc[("120000", "A01"), "reason"] == (
        f"与固链环节 {names['A02']}、{names['A05']} 相邻; 本地企业 0 家")
    assert cell.loc[("120000", "F01"), "reason"] == "LQ 1.60 ≥ 1.2 但无本地链主企业"
    assert not cell.loc[("130000", "A01"), "lq_credible"]
    assert cell.loc[("130000", "A01"), "gap_score"] == 45.0
    assert cell.loc[("140000", "A01"), "lq_credible"]
    assert cell.loc[("150000", "A01"), "reason"] == "人才基数 0 < 20, LQ — 仅供参考; 本地企业 5 家"
    bands = cell.loc["210000"].loc[["F01", "A01", "A02", "A05", "F02"], "sd_band"].tolist()
    assert bands == ["严重紧缺", "紧缺", "平衡", "过剩", "严重紧缺"]
    assert cell.loc[("110000", "F01"), "sd_band"] == "无需求数据"
    assert cell.loc[("990000", "A01"), "lq_base"] == 0 and cell.loc[("999999", "A01"),
                                                                      "name"] == "999999"
