"""Talent flows and chain-node detail on a tiny fixture loaded through the ETL; every expected
number is worked out by hand below.

Talent (observed 2024-06-30 unless noted; returnee country in brackets):
  崂山区 370212  Q1 T14 (美国), Q2 T14 (美国), Q3 T14 (英国), Q4 T14 (returnee, no country),
                 Q5 T14, Q6 T14, Q8 T14 (日本, observed 2023-01-01)
  市南区 370202  Q7 A08 (英国)
  海淀区 110108  B1 T04 (美国), B2 T04, B3 T04, B4 T04
  浦东新区 310115 S1 T14, S2 T14
  南山区 440305  Z1 A04

Moves (the node is the mover's node):
  Q1 海淀 → 崂山 2024-03-01 (T14)     Q2 海淀 → 崂山 2024-04-01 (T14)
  Q3 浦东 → 崂山 2024-05-01 (T14)     Q5 市南 → 崂山 2024-02-01 (T14, inside 青岛)
  B1 崂山 → 海淀 2024-06-01 (T04)     S1 崂山 → 浦东 2023-07-01 (T14)
  Z1 市南 → 南山 2024-08-01 (A04)     B2 浦东 → 海淀 2024-09-01 (T04, not 青岛)

青岛市 (city level) in 2024: arrivals Q1, Q2 (北京市), Q3 (上海市) = 3 (Q5 moved inside the city:
not a flow); departures B1 (北京市), Z1 (深圳市) = 2; net 1; population 10,071,722 → net per
10k = 1 / 1007.1722. Only T14: arrivals 3, departures 0; T14 in 2023–2024: departures 1 (S1).
崂山区 (district level) in 2024: arrivals Q1, Q2, Q3, Q5 = 4; departures B1 = 1; net 3;
population 502,370 → 3 / 50.237. 山东省 in 2024: arrivals 3, departures 2.
Provinces in 2024: 北京→山东 2, 上海→山东 1, 山东→北京 1, 山东→广东 1, 上海→北京 1.
Returnees in 青岛市 up to 2024: 美国 2, 英国 2 (Q3, Q7), 日本 1, 未知 1; up to 2023: 日本 1.

Postings in 崂山区, T14: 2024 VR开发工程师 ×3 (10-20K → 15,000; 20-30K → 25,000; 面议),
Unity工程师 ×1 (8-12K → 10,000); 2023 VR开发工程师 ×1; 北京 T14 2024 ×1 (not 青岛).
→ VR开发工程师 3 postings, 2 with salary, mean 20,000; Unity工程师 1, mean 10,000.
Enterprises: 崂山 T14 ×2 (one chain leader), 市南 A08 ×1.
"""

from __future__ import annotations

import pytest

from analytics import flows
from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from store.reader import Reader
from tests.fixtures import write_csv

LAOSHAN, SHINAN, HAIDIAN, PUDONG, NANSHAN = ("青岛市崂山区", "青岛市市南区", "北京市海淀区",
                                             "上海市浦东新区", "深圳市南山区")
TALENTS = [
    # id, place, node, observed, returnee, country
    ("Q1", LAOSHAN, "T14", "2024-06-30", "是", "美国"),
    ("Q2", LAOSHAN, "T14", "2024-06-30", "是", "美国"),
    ("Q3", LAOSHAN, "T14", "2024-06-30", "是", "英国"),
    ("Q4", LAOSHAN, "T14", "2024-06-30", "是", ""),
    ("Q5", LAOSHAN, "T14", "2024-06-30", "否", ""),
    ("Q6", LAOSHAN, "T14", "2024-06-30", "否", ""),
    ("Q8", LAOSHAN, "T14", "2023-01-01", "是", "日本"),
    ("Q7", SHINAN, "A08", "2024-06-30", "是", "英国"),
    ("B1", HAIDIAN, "T04", "2024-06-30", "是", "美国"),
    ("B2", HAIDIAN, "T04", "2024-06-30", "否", ""),
    ("B3", HAIDIAN, "T04", "2024-06-30", "否", ""),
    ("B4", HAIDIAN, "T04", "2024-06-30", "否", ""),
    ("S1", PUDONG, "T14", "2024-06-30", "否", ""),
    ("S2", PUDONG, "T14", "2024-06-30", "否", ""),
    ("Z1", NANSHAN, "A04", "2024-06-30", "否", ""),
]
MOVES = [
    ("Q1", HAIDIAN, LAOSHAN, "2024-03-01"), ("Q2", HAIDIAN, LAOSHAN, "2024-04-01"),
    ("Q3", PUDONG, LAOSHAN, "2024-05-01"), ("Q5", SHINAN, LAOSHAN, "2024-02-01"),
    ("B1", LAOSHAN, HAIDIAN, "2024-06-01"), ("S1", LAOSHAN, PUDONG, "2023-07-01"),
    ("Z1", SHINAN, NANSHAN, "2024-08-01"), ("B2", PUDONG, HAIDIAN, "2024-09-01"),
]
POSTINGS = [
    ("P1", "VR开发工程师", LAOSHAN, "T14", "10-20K", "2024-03-01"),
    ("P2", "VR开发工程师", LAOSHAN, "T14", "20-30K", "2024-04-01"),
    ("P3", "VR开发工程师", LAOSHAN, "T14", "面议", "2024-05-01"),
    ("P4", "Unity工程师", LAOSHAN, "T14", "8-12K", "2024-05-01"),
    ("P5", "VR开发工程师", LAOSHAN, "T14", "10-20K", "2023-05-01"),
    ("P6", "VR开发工程师", HAIDIAN, "T14", "30-40K", "2024-05-01"),
]
ENTERPRISES = [
    (make_credit_code("91370212MA3F00010"), "青岛幻境科技有限公司", LAOSHAN, "T14", "是", "2018-01-01"),
    (make_credit_code("91370212MA3F00020"), "青岛视界科技有限公司", LAOSHAN, "T14", "否", "2020-01-01"),
    (make_credit_code("91370202MA3F00030"), "青岛海洋智能有限公司", SHINAN, "A08", "否", "2019-01-01"),
]
POPULATION = [("青岛市", "常住人口", "2020", "10071722", "人", "七普"),
              ("青岛市崂山区", "常住人口", "2020", "502370", "人", "七普")]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    d = tmp_path_factory.mktemp("flows")
    files = [
        write_csv(d / "t.csv", ["人才编号", "所在地", "产业链环节", "数据日期", "是否海归", "留学国家"],
                  [list(r) for r in TALENTS]),
        write_csv(d / "m.csv", ["人才编号", "原所在地", "现所在地", "流动日期"],
                  [list(r) for r in MOVES]),
        write_csv(d / "p.csv", ["职位编号", "职位名称", "工作地点", "产业链环节", "薪资", "发布日期"],
                  [list(r) for r in POSTINGS]),
        write_csv(d / "e.csv", ["统一社会信用代码", "企业名称", "注册地址", "产业链环节", "链主企业",
                                "成立日期"], [list(r) for r in ENTERPRISES]),
        write_csv(d / "i.csv", ["地区", "指标", "年份", "数值", "单位", "来源"],
                  [list(r) for r in POPULATION]),
    ]
    report = load_files(files, db_path=d / "w.duckdb")
    assert report.ok and [f.rows_quarantined for f in report.files] == [0] * 5, report
    r = Reader(d / "w.duckdb")
    yield r
    r.close()


def test_city_summary(reader):
    s = flows.summary(reader, "370200", 2024)
    assert (s["arrivals"], s["departures"], s["net"]) == (3, 2, 1)
    assert s["population"] == 10071722
    assert s["net_per_10k"] == pytest.approx(1 / 1007.1722)


def test_node_filter_and_period(reader):
    assert flows.summary(reader, "370200", 2024, ["T14"])["departures"] == 0
    s = flows.summary(reader, "370200", (2023, 2024), ["T14"])
    assert (s["arrivals"], s["departures"], s["net"]) == (3, 1, 2)
    assert flows.span((2024, 2023)) == (2023, 2024)


def test_district_and_province_summary(reader):
    s = flows.summary(reader, "370212", 2024)
    assert (s["arrivals"], s["departures"], s["net"]) == (4, 1, 3)
    assert s["net_per_10k"] == pytest.approx(3 / 50.237)
    p = flows.summary(reader, "370000", 2024)
    assert (p["arrivals"], p["departures"], p["net"]) == (3, 2, 1)
    assert p["net_per_10k"] is None and p["population"] is None   # unknown, not zero


def test_country_has_no_flows_of_its_own(reader):
    s = flows.summary(reader, "100000", 2024)
    assert s["arrivals"] is None and s["net_per_10k"] is None
    assert s["moves"] == 6, "between provinces: 北京→山东 2, 上海→山东, 山东→北京, 山东→广东, 上海→北京"


def test_origins_and_destinations_at_the_regions_level(reader):
    o = flows.origins(reader, "370200", 2024)
    assert o[["adcode", "name", "moves"]].values.tolist() == [["110100", "北京市", 2],
                                                              ["310100", "上海市", 1]]
    assert o["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    d = flows.destinations(reader, "370200", 2024)
    assert d[["adcode", "moves"]].values.tolist() == [["110100", 1], ["440300", 1]]
    # A district's counterparts are districts.
    o = flows.origins(reader, "370212", 2024)
    assert o[["adcode", "moves"]].values.tolist() == [["110108", 2], ["310115", 1],
                                                      ["370202", 1]]


def test_top_routes_with_centroids(reader):
    r = flows.top_routes(reader, "370200", 2024)
    assert r[["from_adcode", "to_adcode", "moves", "direction"]].values.tolist() == [
        ["110100", "370200", 2, "流入"], ["310100", "370200", 1, "流入"],
        ["370200", "110100", 1, "流出"], ["370200", "440300", 1, "流出"]]
    first = r.iloc[0]
    assert (first.from_name, first.to_name) == ("北京市", "青岛市")
    assert first.from_lon == pytest.approx(116.634) and first.to_lat == pytest.approx(36.3623)
    national = flows.top_routes(reader, "100000", 2024)
    assert national[["from_adcode", "to_adcode", "moves"]].values.tolist() == [
        ["110000", "370000", 2], ["310000", "110000", 1], ["310000", "370000", 1],
        ["370000", "110000", 1], ["370000", "440000", 1]]
    assert set(national["direction"]) == {"区域间"}
    assert len(flows.top_routes(reader, "370200", 2024, limit=2)) == 2


def test_flow_scope(reader):
    assert flows.flow_scope(reader, "370212") == flows.FlowScope("370212", "district")
    assert flows.flow_scope(reader, "370200") == flows.FlowScope("370200", "city")
    assert flows.flow_scope(reader, "100000").level == "province"
    # 黄岛区 has no district-level move: it is shown through 青岛市, with a note.
    scope = flows.flow_scope(reader, "370211")
    assert (scope.region, scope.level) == ("370200", "city") and "青岛市" in scope.note


def test_returnee_countries(reader):
    df = flows.returnee_countries(reader, "370200", 2024)
    assert df.values.tolist() == [["美国", 2], ["英国", 2], ["日本", 1], ["未知", 1]]
    assert flows.returnee_countries(reader, "370200", 2023).values.tolist() == [["日本", 1]]
    assert flows.returnee_countries(reader, "370200", 2024, ["A08"]).values.tolist() == [
        ["英国", 1]]
    national = flows.returnee_countries(reader, "100000", 2024)
    assert dict(national.values.tolist())["美国"] == 3


def test_node_by_area(reader):
    df = flows.node_by_area(reader, "370200", "T14", 2024)
    assert len(df) == 10, "every district of 青岛, with or without data"
    top = df.iloc[0]
    assert (top.adcode, top.talent, top.enterprises, top.leaders, top.postings) == \
        ("370212", 7, 2, 1, 4)
    assert df.set_index("adcode").loc["370202", "talent"] == 0
    # A district has no children: its own row.
    leaf = flows.node_by_area(reader, "370212", "T14", 2023)
    assert leaf[["adcode", "talent", "postings"]].values.tolist() == [["370212", 1, 1]]


def test_demand_by_title(reader):
    df = flows.demand_by_title(reader, "370200", "T14", 2024)
    assert df[["title", "postings", "salaried"]].values.tolist() == [
        ["VR开发工程师", 3, 2], ["Unity工程师", 1, 1]]
    assert df["mean_salary"].tolist() == pytest.approx([20000, 10000])


def test_local_enterprises(reader):
    df = flows.local_enterprises(reader, "370200", "T14", 2024)
    assert df["name"].tolist() == ["青岛幻境科技有限公司", "青岛视界科技有限公司"]
    assert df["is_chain_leader"].tolist() == [True, False]
    assert flows.local_enterprises(reader, "370200", "T14", 2019)["name"].tolist() == [
        "青岛幻境科技有限公司"]


@pytest.mark.parametrize("province, city", [("110000", "110100"), ("310000", "310100"),
                                            ("120000", "120100")])
def test_a_municipality_has_the_same_flows_at_province_and_city_level(demo_db, province, city):
    # 北京 showed net inflow 266 at province level and 257 at city level: moves recorded only to
    # 北京市 (110000) or to 重庆's districts (no city above them) were dropped at city level.
    from store.reader import Reader

    r = Reader(demo_db)
    for year in flows_years(r):
        a, b = flows.summary(r, province, year), flows.summary(r, city, year)
        assert (a["arrivals"], a["departures"]) == (b["arrivals"], b["departures"]), year


def test_no_move_is_dropped_at_city_level(demo_db):
    from store.reader import Reader

    r = Reader(demo_db)
    moves = int(r.df("SELECT count(*) AS n FROM talent_move")["n"].iloc[0])
    city = r.df("SELECT coalesce(sum(moves), 0) AS n FROM mart_moves WHERE level = 'city'")
    # every move in the demo is between two cities (or municipalities / 重庆 districts)
    assert int(city["n"].iloc[0]) == moves
    # 重庆's districts sit directly under the province: every move touching one counts at city
    # level through 500000 (41 on the small demo; none was counted before)
    cq = r.df("""SELECT coalesce(sum(moves), 0) AS n FROM mart_moves WHERE level = 'city'
                 AND '500000' IN (from_adcode, to_adcode)""")
    touches = r.df("""SELECT count(*) AS n FROM talent_move m JOIN region_ancestor a
                      ON a.adcode IN (m.from_adcode, m.to_adcode)
                      AND a.ancestor_adcode = '500000'""")
    assert int(touches["n"].iloc[0]) > 0
    assert int(cq["n"].iloc[0]) == int(touches["n"].iloc[0])


def flows_years(reader) -> list[int]:
    return [int(y) for y in reader.df("SELECT DISTINCT year FROM mart_moves ORDER BY 1")["year"]]
