"""Supply-chain gap metrics on a tiny fixture whose every number is worked out by hand below.

Talent (all observed in 2024):       T14   T04   A04   F01   total
  青岛市 (崂山区)                       6     2     2     0     10
  北京市 (海淀区)                       2    14     4    10     30
  全国                                  8    16     6    10     40
Enterprises in 青岛: T14 2 (1 chain leader), T04 1, A04 1.   Postings in 青岛 in 2024: T14 4,
T04 4, A04 2.

LQ(青岛, n) = (T(青岛, n) / 10) / (T(全国, n) / 40):
  T14 = 0.6 / 0.2 = 3.0;  T04 = 0.2 / 0.4 = 0.5;  A04 = 0.2 / 0.15 = 1.333…;  F01 = 0 / 0.25 = 0.
Supply/demand = talent / postings: T14 6/4 = 1.5 (过剩); T04 2/4 = 0.5 (严重紧缺); A04 2/2 = 1.0
(平衡); F01 no postings.
Gap = 50·max(0, 1 − LQ) + 30·max(0, 1 − min(sd, 1.2)/1.2) + 20·[no local firm]:
  T14 = 0;  T04 = 25 + 30·(1 − 0.5/1.2) = 25 + 17.5 = 42.5;  A04 = 0 + 30·(1 − 1/1.2) = 5.0;
  F01 = 50 + 0 + 20 = 70;  T13 (no talent anywhere: LQ undefined) = 50 + 20 = 70.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import gaps
from analytics import queries as q
from analytics.filters import Thresholds
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from store.reader import Reader
from tests.fixtures import write_csv

TH = Thresholds(lq_min_base=0)  # the fixture's regions are tiny: pin the formulas on it


def _talents():
    rows, i = [], 0
    for place, counts in (("青岛市崂山区", {"T14": 6, "T04": 2, "A04": 2}),
                          ("北京市海淀区", {"T14": 2, "T04": 14, "A04": 4, "F01": 10})):
        for node, n in counts.items():
            for _ in range(n):
                i += 1
                rows.append([f"G{i:04d}", place, node, "2024-06-30", "是" if i % 3 else "否"])
    return rows


def _enterprises():
    spec = [("T14", "是"), ("T14", "否"), ("T04", "否"), ("A04", "否")]
    return [[make_credit_code(f"91370212MA3G{i:04d}0"), f"青岛测试{i}有限公司", "青岛市崂山区",
             node, leader, "2020-01-01"] for i, (node, leader) in enumerate(spec)] + \
        [[make_credit_code(f"91110108MA3G{i:04d}0"), f"北京芯片{i}有限公司", "北京市海淀区",
          "F01", "是" if i == 10 else "否", "2019-01-01"] for i in range(10, 13)]


def _postings():
    spec = {"T14": 4, "T04": 4, "A04": 2}
    return [[f"P{n}{k}", f"{n}岗位", "青岛市崂山区", n, "10-20K", "2024-05-01"]
            for n, c in spec.items() for k in range(c)]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    d = tmp_path_factory.mktemp("gaps")
    files = [
        write_csv(d / "t.csv", ["人才编号", "所在地", "产业链环节", "数据日期", "是否愿意流动"],
                  _talents()),
        write_csv(d / "e.csv", ["统一社会信用代码", "企业名称", "注册地址", "产业链环节", "链主企业",
                                "成立日期"], _enterprises()),
        write_csv(d / "p.csv", ["职位编号", "职位名称", "工作地点", "产业链环节", "薪资", "发布日期"],
                  _postings()),
    ]
    report = load_files(files, db_path=d / "w.duckdb")
    assert report.ok and [f.rows_quarantined for f in report.files] == [0, 0, 0]
    r = Reader(d / "w.duckdb")
    yield r
    r.close()


def test_lq_ratio_band_status_and_gap_for_each_node(reader):
    df = gaps.chain_status(reader, "370200", 2024, TH).set_index("node_id")
    expected = {
        # node: (talent, postings, LQ, sd ratio, band, status, reason, gap)
        "T14": (6, 4, 3.0, 1.5, "过剩", "固链", "LQ 3.00 ≥ 1.2; 链主企业 1 家", 0.0),
        "T04": (2, 4, 0.5, 0.5, "严重紧缺", "强链", "0.5 ≤ LQ 0.50 < 1.2; 本地企业 1 家", 42.5),
        "A04": (2, 2, 4 / 3, 1.0, "平衡", "强链", "LQ 1.33 ≥ 1.2 但无本地链主企业", 5.0),
        "F01": (0, 0, 0.0, None, "无需求数据", "补链", "LQ 0.00 < 0.5; 本地企业 0 家", 70.0),
    }
    for node, (talent, postings, lq, sd, band, status, reason, gap) in expected.items():
        row = df.loc[node]
        assert (row.talent, row.postings) == (talent, postings), node
        assert row.lq_talent == pytest.approx(lq), node
        assert (row.sd_ratio is None or row.sd_ratio != row.sd_ratio) if sd is None \
            else row.sd_ratio == pytest.approx(sd), node
        assert (row.sd_band, row.status, row.reason, row.gap_score) == (band, status, reason, gap)


def test_extension_nodes_next_to_a_stronghold(reader):
    df = gaps.chain_status(reader, "370200", 2024, TH).set_index("node_id")
    # T13 人机交互 links to T14; T14 links to A15 超高清视频: both absent locally.
    assert df.loc["T13", "status"] == "延链"
    assert df.loc["T13", "reason"] == "与固链环节 虚拟现实/增强现实 相邻; 本地企业 0 家"
    assert df.loc["A15", "status"] == "延链"
    assert df.loc["T13", "gap_score"] == 70.0
    # A node with no data at all and no strong neighbour is a missing link.
    assert df.loc["A16", "status"] == "补链"


def test_thresholds_change_the_status(reader):
    stricter = Thresholds(lq_missing=0.6, lq_stronghold=3.5, lq_min_base=0)
    df = gaps.chain_status(reader, "370200", 2024, stricter).set_index("node_id")
    assert df.loc["T04", "status"] == "补链"
    assert df.loc["T04", "reason"] == "LQ 0.50 < 0.6; 本地企业 1 家"
    assert df.loc["T14", "status"] == "强链"


def test_enterprise_lq_and_benchmark(reader):
    df = gaps.chain_status(reader, "370200", 2024, TH).set_index("node_id")
    # Enterprises: 青岛 T14 2 of 4; country T14 2 of 7 → (2/4)/(2/7) = 1.75.
    assert df.loc["T14", "lq_enterprise"] == pytest.approx(1.75)
    # Against 北京 as the benchmark: (6/10)/(2/30) = 9.
    bench = gaps.chain_status(reader, "370200", 2024, TH, bench="110100").set_index("node_id")
    assert bench.loc["T14", "lq_talent"] == pytest.approx(9.0)


def test_recruitment_sources_for_a_gap_node(reader):
    regions = gaps.source_regions(reader, "370200", "F01", 2024)
    assert regions[["adcode", "talent", "enterprises", "leaders"]].values.tolist() == [
        ["110100", 10, 3, 1]]
    assert regions["lq"].iloc[0] == pytest.approx((10 / 30) / (10 / 40))
    # the order explained: 北京 has 30 talents, above lq_min_base 20: score = 10 × min(LQ, 3)
    assert bool(regions["lq_credible"].iloc[0])
    assert regions["score"].iloc[0] == pytest.approx(10 * (10 / 30) / (10 / 40))
    small = gaps.source_regions(reader, "370200", "F01", 2024, min_base=31)
    assert not small["lq_credible"].iloc[0] and small["lq_weight"].iloc[0] == 1
    assert small["score"].iloc[0] == 10  # an LQ on 30 < 31 talents counts as 1
    firms = gaps.source_enterprises(reader, "370200", "F01")
    assert list(firms["is_chain_leader"]) == [True, False, False]
    pools = gaps.source_talent_pools(reader, "370200", "F01", 2024)
    assert pools[["adcode", "talent"]].values.tolist() == [["110100", 10]]
    # ids G0031..G0040 are 北京's F01 talent; willing = id not divisible by 3.
    assert pools["willing_to_relocate"].iloc[0] == sum(1 for i in range(31, 41) if i % 3)


@pytest.mark.parametrize(("ratio", "band"), [
    (0.59, "严重紧缺"), (0.6, "紧缺"), (0.9, "紧缺"), (0.91, "平衡"), (1.2, "平衡"), (1.21, "过剩"),
    (None, "无需求数据")])
def test_sd_bands_at_their_edges(ratio, band):
    assert gaps.sd_band(ratio, TH) == band


def test_pure_functions():
    assert gaps.lq(6, 10, 8, 40) == pytest.approx(3.0)
    assert gaps.lq(1, 0, 8, 40) is None
    assert gaps.gap_score(None, None, 0) == 70.0
    assert gaps.node_status(1.5, 3, 0, TH).status == "强链"
    assert gaps.lq(1, 10, 8, 0) is None and gaps.lq(1, 10, 0, 40) is None


@pytest.mark.parametrize(("lq", "firms", "leaders", "status", "reason"), [
    # a node with a good LQ but no local firm is still a missing link
    (0.8, 0, 0, "补链", "LQ 0.80; 本地企业 0 家"),
    (0.49, 2, 0, "补链", "LQ 0.49 < 0.5; 本地企业 2 家"),
    (None, 2, 0, "补链", "LQ — < 0.5; 本地企业 2 家"),
    (0.5, 2, 0, "强链", "0.5 ≤ LQ 0.50 < 1.2; 本地企业 2 家"),
    (1.2, 2, 1, "固链", "LQ 1.20 ≥ 1.2; 链主企业 1 家"),          # at the threshold
    (1.19, 2, 1, "强链", "0.5 ≤ LQ 1.19 < 1.2; 本地企业 2 家"),
    (1.2, 2, 0, "强链", "LQ 1.20 ≥ 1.2 但无本地链主企业"),
    (0.5, 0, 0, "补链", "LQ 0.50; 本地企业 0 家"),                # at lq_missing, no firm
])
def test_node_status_at_its_edges(lq, firms, leaders, status, reason):
    assert gaps.node_status(lq, firms, leaders, TH) == gaps.NodeStatus(status, reason)


def test_an_lq_on_a_small_base_decides_nothing(reader):
    # 青岛市 has 10 talents in the fixture: with lq_min_base 11 every LQ is low-confidence.
    df = gaps.chain_status(reader, "370200", 2024, Thresholds(lq_min_base=11)).set_index("node_id")
    assert set(df["lq_base"]) == {10.0} and not df["lq_credible"].any()
    t14, f01 = df.loc["T14"], df.loc["F01"]
    assert t14.lq_talent == pytest.approx(3.0)  # kept, shown in brackets
    assert (t14.status, t14.reason, t14.gap_score) == (
        "强链", "人才基数 10 < 11, LQ 3.00 仅供参考; 本地企业 2 家", 25.0)  # not 固链, not 0
    assert (f01.status, f01.gap_score) == ("补链", 45.0)  # no local firm: 25 + 20
    same = gaps.chain_status(reader, "370200", 2024, Thresholds(lq_min_base=10))
    assert same["lq_credible"].all() and same.set_index("node_id").at["T14", "status"] == "固链"


def test_gap_score_with_an_lq_that_is_not_credible():
    assert gaps.gap_score(0.1, None, 1, credible=False) == 25.0
    assert gaps.gap_score(0.1, None, 1) == 45.0
    assert gaps.gap_score(None, 0.6, 0, credible=False) == 60.0  # 25 + 15 (shortage) + 20


@pytest.fixture(scope="module")
def window_reader(tmp_path_factory):
    # 崂山 T14: talent observed 2023 (1) and 2024 (2); postings 2023 (2) and 2024 (4).
    d = tmp_path_factory.mktemp("window")
    talents = [[f"W{i}", "青岛市崂山区", "T14", day, "是"]
               for i, day in enumerate(["2023-03-01", "2024-02-01", "2024-09-01"])]
    postings = [[f"WP{i}", "VR工程师", "青岛市崂山区", "T14", "10-20K", day]
                for i, day in enumerate(["2023-05-01"] * 2 + ["2024-05-01"] * 4)]
    files = [write_csv(d / "t.csv", ["人才编号", "所在地", "产业链环节", "数据日期", "是否愿意流动"],
                       talents),
             write_csv(d / "p.csv", ["职位编号", "职位名称", "工作地点", "产业链环节", "薪资", "发布日期"],
                       postings)]
    assert load_files(files, db_path=d / "w.duckdb").ok
    r = Reader(d / "w.duckdb")
    yield r
    r.close()


def test_supply_and_demand_over_the_same_window(window_reader):
    # 2024: 2 active ÷ 4 postings = 0.5 (the stock of both years, 3 ÷ 4 = 0.75, is not it);
    # 2023: 1 ÷ 2 = 0.5.
    for year, talent, active, postings in ((2024, 3, 2, 4), (2023, 1, 1, 2)):
        row = gaps.chain_status(window_reader, "370212", year, TH).set_index("node_id").loc["T14"]
        assert (row.talent, row.active, row.postings) == (talent, active, postings)
        assert row.sd_ratio == pytest.approx(0.5) and row.sd_band == "严重紧缺"
    from analytics import queries as q
    from analytics.filters import Filters

    kp = q.kpis(window_reader, Filters(region="370212", year=2024), "370212")
    assert (kp["now"]["talents"], kp["now"]["active"], kp["now"]["sd_ratio"]) == (3, 2, 0.5)


def test_the_recruitment_lists_default_lengths(demo_db):
    # 目标地区 20, 目标企业 50, 人才池 20 unless asked otherwise (the demo has more of each).
    r = Reader(demo_db)
    year = 2024
    assert len(gaps.source_regions(r, "370212", "A10", year)) == 20
    assert len(gaps.source_regions(r, "370212", "A10", year, limit=21)) == 21
    assert len(gaps.source_enterprises(r, "370212", "A10")) == 50
    assert len(gaps.source_enterprises(r, "370212", "A10", limit=51)) == 51
    assert len(gaps.source_talent_pools(r, "370212", "A10", year)) == 20
    assert len(gaps.source_talent_pools(r, "370212", "A10", year, limit=21)) == 21


def test_gap_score_exact():
    assert gaps.gap_score(0.5, None, 1) == 25.0             # no demand data: no shortage part
    assert gaps.gap_score(0.5, 0.6, 1) == 40.0              # 25 + 30 × (1 − 0.6 / 1.2)
    assert gaps.gap_score(0.5, 2.0, 1) == 25.0              # a surplus is no shortage
    assert gaps.gap_score(0.3333, None, 1) == 33.3          # rounded to one decimal
    assert gaps.gap_score(1.5, 0.0, 0) == 50.0              # 0 + 30 + 20


def test_extend_chain_marks_absent_nodes_next_to_a_stronghold():
    st = gaps.NodeStatus
    statuses = {"A": st("固链", "r"), "B": st("补链", "r"), "C": st("补链", "r"),
                "D": st("强链", "r"), "E": st("补链", "r"), "F": st("补链", "r")}
    adjacent = {"B": {"A"}, "C": {"A"}, "D": {"A"}, "E": {"A", "X"}, "F": {"D", "X"}}
    names = {"A": "甲"}
    out = gaps.extend_chain(statuses, {"B": 0, "C": 1, "D": 0}, adjacent, names)
    assert {n: s.status for n, s in out.items()} == {
        "A": "固链", "B": "延链", "C": "补链", "D": "强链", "E": "延链", "F": "补链"}
    assert out["B"].reason == "与固链环节 甲 相邻; 本地企业 0 家"
    assert statuses["B"].status == "补链"  # the input is left as it was


def test_chain_positions_rows_per_layer_with_segment_headers():
    import pandas as pd

    # segments in chain order, not in the order of their names (数 < 算)
    df = pd.DataFrame({"node_id": ["F2", "F1", "T1", "A1", "A2"],
                       "layer": ["基础层", "基础层", "技术层", "应用层", "应用层"],
                       "segment": ["数据", "算力", "算法", "终端", "终端"],
                       "sequence": [2, 1, 3, 4, 5]})
    placed, heads = gaps.chain_positions(df)
    assert heads == [(0, 0, "算力"), (0, 2, "数据"), (1, 0, "算法"), (2, 0, "终端")]
    got = {r.node_id: (r.col, r.row) for r in placed.itertuples()}
    assert got == {"F1": (0, 1), "F2": (0, 3), "T1": (1, 1), "A1": (2, 1), "A2": (2, 2)}
    assert list(placed.columns) == ["node_id", "layer", "segment", "sequence", "col", "row"]


def test_an_unknown_region_has_no_lq(reader):
    df = gaps.chain_status(reader, "999999", 2024, TH)
    assert len(df) and df["lq_talent"].isna().all() and df["lq_enterprise"].isna().all()


def test_many_regions_at_once_equal_each_regions_own_status(demo_db):
    """The heatmap's batched query gives, region by region, exactly what chain_status gives:
    every province, two cities, a district, an unknown code; with another benchmark too."""
    from analytics.gaps import chain_status, chain_status_many
    from store.reader import Reader

    r = Reader(demo_db)
    year = q.years(r)[-1]
    th = Thresholds()
    provinces = r.df("SELECT adcode FROM region WHERE level = 'province' ORDER BY adcode")
    regions = [*provinces["adcode"], "370200", "440300", "370212", "999999"]
    for bench in ("100000", "370000"):
        many = chain_status_many(r, regions, year, th, bench)
        assert sorted(many) == sorted(regions)
        for code in regions:
            pd.testing.assert_frame_equal(many[code], chain_status(r, code, year, th, bench),
                                          check_dtype=False, obj=f"{code} vs {bench}")
