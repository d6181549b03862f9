"""The overseas pool (海外人才) and moves across the border, on a tiny warehouse whose every
figure is counted by hand below; and the recruiter's 海外 filter."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import overseas as ov
from analytics import talent as tl
from analytics.filters import Filters
from etl.load import load_files
from store.reader import Reader
from tests import fixtures


def _talent(tid, name, place, tier="", willing="否", expected="", observed="2024-03-01",
            node_skill="VR、Unity"):
    return [tid, name, "", "", place, "1990", "博士", "", "", "5", tier, node_skill, "工程师", "", "",
            "否", "", willing, expected, observed]


ABROAD = [
    _talent("O01", "甲一", "美国加州", tier="B", willing="是", expected="青岛"),
    _talent("O02", "甲二", "Boston, USA", willing="是", expected="北京"),
    _talent("O03", "甲三", "美国", willing="否"),
    _talent("O04", "甲四", "英国伦敦", tier="A", willing="是", expected="青岛市崂山区"),
    _talent("O05", "甲五", "海外", willing="是", expected="伦敦"),   # expects a place abroad
    _talent("O06", "甲六", "日本东京", observed="2025-02-01"),          # after the year in view
    _talent("D01", "乙一", "青岛市崂山区", willing="是", expected="青岛"),  # at home: not abroad
]
MOVES = [["O01", "青岛市", "美国加州", "2023-05-01"],     # a departure abroad from 青岛
         ["D01", "英国伦敦", "青岛市崂山区", "2024-02-01"],  # an arrival (回流) at 崂山/青岛
         ["D01", "美国", "北京", "2022-01-01"]]


@pytest.fixture(scope="module")
def pool_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("overseas")
    db = folder / "w.duckdb"
    paths = [fixtures.write_csv(folder / "talents.csv", fixtures.TALENT_HEADER, ABROAD),
             fixtures.write_csv(folder / "moves.csv", fixtures.MOVES_HEADER, MOVES)]
    report = load_files(paths, db_path=db)
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 7), ("loaded", 3)]
    return Reader(db)


def _rows(df, key):
    return {r[key]: (r["talents"], r["high_level"], r["willing_to_relocate"], r["expecting_here"])
            for r in df.to_dict("records")}


def test_pool_by_country_counts_people_abroad_in_the_year(pool_db):
    df = ov.pool_by_country(pool_db, Filters(year=2024))
    # 全国: expecting = willing with an expected city anywhere in China (O05 expects 伦敦: no)
    assert _rows(df, "country") == {"美国": (3, 1, 2, 2), "英国": (1, 1, 1, 1), "海外": (1, 0, 1, 0)}
    assert list(df["country"]) == ["美国", "英国", "海外"]  # largest first, then by code
    assert ov.totals(df) == {"talents": 5, "high_level": 2, "willing_to_relocate": 4,
                             "expecting_here": 3}


def test_expecting_is_relative_to_the_region_in_view(pool_db):
    qd = _rows(ov.pool_by_country(pool_db, Filters(region="370200", year=2024)), "country")
    assert qd == {"美国": (3, 1, 2, 1), "英国": (1, 1, 1, 1), "海外": (1, 0, 1, 0)}
    laoshan = _rows(ov.pool_by_country(pool_db, Filters(region="370212", year=2024)), "country")
    assert laoshan["美国"][3] == 0 and laoshan["英国"][3] == 1


def test_a_later_year_includes_the_later_record(pool_db):
    df = ov.pool_by_country(pool_db, Filters(year=2025))
    assert _rows(df, "country")["日本"] == (1, 0, 0, 0)


def test_small_counts_are_withheld_for_aggregate_roles(pool_db):
    df = ov.pool_by_country(pool_db, Filters(year=2024))
    ctl = ov.controlled(df, 5)
    assert ctl.text("talents", str).tolist() == ["<5", "<5", "<5"]
    assert ov.controlled(df, None).text("talents", str).tolist() == ["3", "1", "1"]


def test_border_flows_count_arrivals_and_departures_by_country(pool_db):
    qd = ov.border_flows(pool_db, "370200", (2021, 2024))
    assert {r["country"]: (r["arrivals"], r["departures"]) for r in qd.to_dict("records")} == {
        "英国": (1, 0), "美国": (0, 1)}
    cn = ov.border_flows(pool_db, "100000", (2021, 2024))
    assert {r["country"]: (r["arrivals"], r["departures"]) for r in cn.to_dict("records")} == {
        "英国": (1, 0), "美国": (1, 1)}
    assert ov.border_flows(pool_db, "370200", 2022).empty  # the year bounds the moves


def test_routes_on_the_map_leave_out_places_abroad(pool_db):
    from analytics import flows

    routes = flows.top_routes(pool_db, "100000", (2021, 2024))
    assert set(routes["from_adcode"]) | set(routes["to_adcode"]) <= {"110000", "370000"}
    origins = flows.origins(pool_db, "370200", (2021, 2024))
    assert "英国" in set(origins["name"])  # an origin like any other region


def test_recruiter_filter_abroad_replaces_the_region(pool_db):
    base = Filters(region="370200", year=2024)
    cells = tl.cluster_cells(pool_db, base, tl.TalentFilters(abroad_only=True))
    assert int(cells["talents"].sum()) == 5
    assert cells["lon"].isna().all()  # no place on the map: scattered, never a cluster
    come = tl.TalentFilters(abroad_only=True, relocate_only=True, expected="370200")
    cells = tl.cluster_cells(pool_db, base, come)
    assert int(cells["talents"].sum()) == 2  # O01 (青岛) and O04 (崂山区)
    home = tl.cluster_cells(pool_db, base, tl.TalentFilters())
    assert int(home["talents"].sum()) == 1  # D01 only: the region is a place in China
    china = tl.cluster_cells(pool_db, Filters(year=2024), tl.TalentFilters())
    assert int(china["talents"].sum()) == 1  # 全国 is China, as on the map
    anywhere = tl.cluster_cells(pool_db, Filters(year=2024), tl.TalentFilters(abroad_only=True))
    assert int(anywhere["talents"].sum()) == 5


def test_abroad_filter_round_trips_through_the_url():
    tf = tl.TalentFilters(abroad_only=True, relocate_only=True)
    qp = tf.to_query_params()
    assert qp == {"c_abroad": "1", "c_reloc": "1"}
    assert tl.TalentFilters.from_query_params(qp).abroad_only is True
    assert tl.TalentFilters.from_query_params({"c_abroad": "yes"}).abroad_only is False
    lines = tl.describe(Filters(region="370200"), tf, {"370200": "青岛市"}, {})
    assert lines[0] == "地区: 海外 (所在地在境外)" and "愿意回国: 是" in lines


def test_a_district_reached_only_from_abroad_is_shown_through_its_city(pool_db):
    from analytics import flows

    # 崂山区's only district-level move is from 英国: its domestic flows are at city level only
    scope = flows.flow_scope(pool_db, "370212")
    assert (scope.region, scope.level) == ("370200", "city")
    assert scope.note.startswith("流动记录只到市级")


def _pool_sql(reader, sql, f):
    """The pool as the SQL computes it on the warehouse (the in-memory pool's reference)."""
    from analytics import queries as q

    return reader.df(q.on_persons(reader, sql), ov._params(reader, f))


def _filters(reader, n: int, seed: int) -> list[Filters]:
    """Filters drawn from what the warehouse holds: places at home and abroad, years before,
    at and after its data, and each list filter empty or a draw of its values."""
    import random

    rng = random.Random(seed)
    regions = ["100000", "370000", "370200", "370212", "110000", "900000"] + list(reader.df(
        "SELECT adcode FROM region ORDER BY adcode LIMIT 5 OFFSET 40")["adcode"])
    nodes = list(reader.df("SELECT node_id FROM chain_node")["node_id"]) + ["未分类"]
    values = {"tiers": ["A", "B", "C", "D", "E", "N"],
              "education": ["博士", "硕士", "本科", "大专", "其他"],
              "experience": ["0-3", "3-5", "5-10", "10+", "未知"], "nodes": nodes}
    out = []
    for _ in range(n):
        draw = {k: tuple(rng.sample(v, rng.choice([0, 0, 1, 2]))) for k, v in values.items()}
        out.append(Filters(region=rng.choice(regions), year=rng.choice([2019, 2023, 2024, 2025]),
                           returnees_only=rng.random() < 0.2, **draw))
    return out


def _blank(row, *columns):
    return [("" if i in columns else v) for i, v in enumerate(row)]


@pytest.fixture(scope="module")
def blank_pool_db(tmp_path_factory):
    """The pool's people again, and three abroad with education, experience, tier and skills
    left blank (their NULLs take the filters' defaults: 其他, 未知, N, 未分类)."""
    folder = tmp_path_factory.mktemp("blank_pool")
    rows = [*ABROAD, _blank(_talent("O07", "甲七", "美国"), 6, 9),
            _blank(_talent("O08", "甲八", "英国", willing="是", expected="青岛"), 6, 11),
            _blank(_talent("O09", "甲九", "德国"), 6, 9, 11)]
    db = folder / "w.duckdb"
    report = load_files([fixtures.write_csv(folder / "talents.csv", fixtures.TALENT_HEADER,
                                            rows)], db_path=db)
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 10)]
    return Reader(db)


@pytest.mark.parametrize("which, least", [("pool_db", 10), ("blank_pool_db", 10),
                                          ("demo_db", 40)])
def test_the_pool_in_memory_equals_the_sql(which, least, request):
    reader = request.getfixturevalue(which)
    reader = reader if isinstance(reader, Reader) else Reader(reader)
    compared = 0
    blanks = [Filters(year=2024, education=("其他",)), Filters(year=2024, experience=("未知",)),
              Filters(year=2024, tiers=("N",)), Filters(year=2024, nodes=("未分类",))]
    for f in [Filters(year=2024), Filters(region="370200", year=2024), *blanks,
              *_filters(reader, 60, 7)]:
        both = ov.pool(reader, f)  # the panel's call: the filters applied once for both
        for got, again, sql in ((ov.pool_by_country(reader, f), both[0], ov.BY_COUNTRY),
                                (ov.pool_by_node(reader, f), both[1], ov.BY_NODE)):
            want = _pool_sql(reader, sql, f)
            pd.testing.assert_frame_equal(got, want, check_dtype=True)
            pd.testing.assert_frame_equal(again, want, check_dtype=True)
            compared += len(got) > 0
    assert compared >= least  # many draws find someone: not only empty frames compared
