"""Talent clusters on a hand-made fixture (loaded through the ETL), the weighted DBSCAN on
synthetic points, cluster cards with and without suppression, and the shortlist exports.

The fixture's places (centroids from the boundary data; distances in km):
崂山–市北 22.2, 市北–市南 5.5, 崂山–市南 26.1, 市南–黄岛 48.0, 南山–福田 10.3.
With eps 25 km and at least 3 talents:
- #1 青岛 VR (T14): 崂山 3 + 市北 1 + 市南 1 = 5. 崂山 (3+1) and 市北 (1+3+1) are cores,
  市南 (1+1) is a border place of 市北 — 崂山 and 市南 are not neighbours but one cluster.
- #2 深圳 VR: 南山 2 + 福田 2 = 4 (both cores).
- #3 青岛 NLP (T11): 崂山 3.
- noise: 黄岛 1 (VR), 海淀 1 (VR).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from analytics import clusters as cl
from analytics import talent as tl
from analytics.filters import Filters
from etl.load import load_files
from exports import tables
from store.reader import Reader
from tests import fixtures

HEADER = fixtures.TALENT_HEADER
VR = "VR开发工程师"
NLP = "NLP算法工程师"


def _talent(code, name, phone, email, place, exp, tier, edu, uni, skills, title=VR,
            employer="", credit="", returnee="否", country="", willing="否", expected="",
            birth="1990"):
    return [code, name, phone, email, place, birth, edu, uni, "计算机", exp, tier, skills, title,
            employer, credit, returnee, country, willing, expected, "2024-06-30"]


HUANJING = ("青岛幻境虚拟现实科技有限公司", "91370212MA3C000101")
TALENTS = [
    # 青岛 VR: the cluster of 5
    _talent("Q1", "周一", "13900000001", "zhou1@example.com", "青岛市崂山区", "6年", "D", "硕士",
            "山东大学", "VR、Unity、三维引擎", employer=HUANJING[0], credit=HUANJING[1],
            willing="是", expected="青岛"),
    _talent("Q2", "吴二", "13900000002", "wu2@example.com", "青岛市崂山区", "8年", "B", "博士",
            "中国海洋大学", "VR、Unity", employer=HUANJING[0], credit=HUANJING[1],
            returnee="是", country="美国", willing="是", expected="青岛"),
    _talent("Q3", "郑三", "13900000003", "zheng3@example.com", "青岛市崂山区", "10年", "", "本科",
            "山东大学", "VR", employer=HUANJING[0], credit=HUANJING[1], birth="1975"),
    _talent("Q4", "王四", "13900000004", "wang4@example.com", "青岛市市北区", "5年", "E", "硕士",
            "青岛大学", "VR、Unity", employer="青岛歌尔声学科技有限公司", willing="是",
            expected="青岛"),
    _talent("Q5", "冯五", "13900000005", "feng5@example.com", "青岛市市南区", "12年", "", "本科",
            "中国海洋大学", "VR、三维引擎", employer="=1+2", birth="2000"),
    # noise in 青岛: 黄岛 is 48 km from 市南
    _talent("Q6", "陈六", "13900000006", "chen6@example.com", "青岛市黄岛区", "7年", "", "本科",
            "青岛大学", "VR"),
    # 深圳 VR: the cluster of 4
    _talent("S1", "褚一", "13700000001", "chu1@example.com", "深圳市南山区", "3年", "", "本科",
            "深圳大学", "VR、Unity"),
    _talent("S2", "卫二", "13700000002", "wei2@example.com", "深圳市南山区", "4年", "", "硕士",
            "深圳大学", "VR"),
    _talent("S3", "蒋三", "13700000003", "jiang3@example.com", "深圳市福田区", "7年", "C", "博士",
            "清华大学", "VR、Unity"),
    _talent("S4", "沈四", "13700000004", "shen4@example.com", "深圳市福田区", "9年", "", "本科",
            "深圳大学", "VR"),
    # noise in 北京
    _talent("B1", "韩一", "13600000001", "han1@example.com", "北京市海淀区", "6年", "", "硕士",
            "北京大学", "VR"),
    # 青岛 NLP (T11): the cluster of 3
    _talent("N1", "杨一", "13500000001", "yang1@example.com", "青岛市崂山区", "4年", "", "硕士",
            "山东大学", "自然语言处理、NLP", title=NLP),
    _talent("N2", "朱二", "13500000002", "zhu2@example.com", "青岛市崂山区", "6年", "", "博士",
            "山东大学", "自然语言处理、NLP", title=NLP),
    _talent("N3", "秦三", "13500000003", "qin3@example.com", "青岛市崂山区", "2年", "", "本科",
            "青岛大学", "自然语言处理", title=NLP),
]


@pytest.fixture(scope="session")
def cluster_db(tmp_path_factory):
    """A warehouse with the talents above, the fixture enterprises and postings."""
    root = tmp_path_factory.mktemp("clusters")
    # CSV, not XLSX: openpyxl would store the employer '=1+2' as a formula
    files = [fixtures.write_csv(root / "talents.csv", HEADER, TALENTS, "utf-8"),
             fixtures.write_csv(root / "enterprises.csv", fixtures.ENTERPRISE_HEADER,
                                fixtures.ENTERPRISES, "gbk"),
             fixtures.write_jsonl(root / "postings.jsonl", fixtures.POSTINGS),
             fixtures.write_csv(root / "moves.csv", fixtures.MOVES_HEADER,
                                [["Q2", "北京市海淀区", "青岛市崂山区", "2023-05-01"]], "utf-8")]
    db = root / "warehouse.duckdb"
    report = load_files(files, db_path=db, source="hand")
    assert report.ok, report
    return db


@pytest.fixture
def reader(cluster_db):
    r = Reader(cluster_db)
    yield r
    r.close()


def _ids(reader, codes: list[str]) -> dict[str, str]:
    """Fixture code (Q1 …) → talent_id, through the contact name (codes are pseudonymised)."""
    names = {row[0]: row[1] for row in TALENTS}
    df = reader.df("SELECT talent_id, name FROM talent_contact")
    by_name = dict(zip(df["name"], df["talent_id"], strict=True))
    return {c: by_name[names[c]] for c in codes}


def _clusters(reader, f=None, tf=None, eps=25.0, min_n=3, by_node=True):
    cells = cl.label_cells(tl.cluster_cells(reader, f or Filters(), tf or tl.TalentFilters()),
                           eps, min_n, by_node)
    return cells, cl.summarise(cells)


# -- DBSCAN on synthetic points ------------------------------------------------------------------
def test_dbscan_weighted_core_border_noise():
    # On the equator 0.1° of longitude is 11.1 km.
    lon = np.array([0.0, 0.1, 0.2, 5.0, 5.1, 10.0])
    labels = cl.dbscan_weighted(lon, np.zeros(6), [3, 3, 1, 2, 2, 10], eps_km=12, min_weight=5)
    # point 5 alone weighs 10 (cluster 0, the biggest); 0 and 1 are cores (6 and 7 within eps),
    # 2 is a border point of 1; 3 and 4 weigh 4 together: noise.
    assert labels.tolist() == [1, 1, 1, -1, -1, 0]


def test_dbscan_chains_cores_and_empty_input():
    lon = np.arange(5) * 0.1  # a chain, each 11.1 km from the next
    assert cl.dbscan_weighted(lon, np.zeros(5), [2] * 5, 12, 4).tolist() == [0] * 5
    assert cl.dbscan_weighted([], [], [], 10, 1).tolist() == []
    assert cl.dbscan_weighted([0.0], [0.0], [1], 10, 2).tolist() == [-1]


def test_haversine_and_components():
    assert cl.haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)
    adj = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]], dtype=bool)
    assert cl._components(adj).tolist() == [0, 0, 2, 2]


def test_dbscan_matches_a_brute_force_reference():
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(100, 104, 300), rng.uniform(30, 33, 300)
    w = rng.integers(1, 6, 300)
    labels = cl.dbscan_weighted(lon, lat, w, 30, 12)
    d = cl.haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    core = (d <= 30) @ w >= 12
    for i in range(300):  # cores within eps share a label; noise has no core within eps
        near_cores = np.flatnonzero((d[i] <= 30) & core)
        if core[i]:
            assert (labels[near_cores] == labels[i]).all()
        elif len(near_cores) == 0:
            assert labels[i] == -1
        else:
            assert labels[i] == labels[near_cores[np.argmin(d[i, near_cores])]]


# -- clusters on the fixture ---------------------------------------------------------------------
def test_clusters_by_node(reader):
    cells, summary = _clusters(reader)
    got = [(r.cluster, r.talents, r.node_id, sorted(r.places)) for r in summary.itertuples()]
    assert got == [(1, 5, "T14", ["370202", "370203", "370212"]),
                   (2, 4, "T14", ["440304", "440305"]),
                   (3, 3, "T11", ["370212"])]
    noise = cells[cells["cluster"] == -1]
    assert sorted(noise["adcode"]) == ["110108", "370211"]
    assert summary["place"].tolist() == ["青岛市崂山区", "深圳市福田区", "青岛市崂山区"]
    assert cl.label(summary.iloc[0]) == "#1 青岛市崂山区 等 3 地 · 虚拟现实/增强现实"


def test_clusters_pooled_and_smaller_radius(reader):
    _, pooled = _clusters(reader, by_node=False)
    assert [(r.talents, r.node_id, r.n_places) for r in pooled.itertuples()] == \
        [(8, "T14", 3), (4, "T14", 2)]
    _, tight = _clusters(reader, eps=20)  # 崂山–市北 (22 km) no longer neighbours
    assert [(r.talents, sorted(r.places)) for r in tight.itertuples()] == \
        [(4, ["440304", "440305"]), (3, ["370212"]), (3, ["370212"])]


def test_cluster_filters(reader):
    terms, groups = tl.resolve_skills(reader, "vr, unity")
    assert terms == ("vr", "unity") and groups == (("VR",), ("Unity",))
    tf = tl.TalentFilters(skills=groups, skill_terms=terms, exp_min=5.0)
    cells = tl.cluster_cells(reader, Filters(), tf)
    # VR and Unity with at least 5 years: Q1 (6), Q2 (8), Q4 (5), S3 (7)
    assert cells.groupby("adcode")["talents"].sum().to_dict() == \
        {"370212": 2, "370203": 1, "440304": 1}
    qd = tl.TalentFilters(relocate_only=True, expected="370200")
    assert int(tl.cluster_cells(reader, Filters(), qd)["talents"].sum()) == 3  # Q1, Q2, Q4
    region = tl.cluster_cells(reader, Filters(region="440300"), tl.TalentFilters())
    assert set(region["adcode"]) == {"440304", "440305"}
    young = tl.TalentFilters(age_bands=("<30",))  # data year 2024: only Q5 (born 2000)
    assert int(tl.cluster_cells(reader, Filters(), young)["talents"].sum()) == 1
    nothing = tl.TalentFilters(skills=((),), skill_terms=("不存在的技能",))
    assert tl.cluster_cells(reader, Filters(), nothing).empty


def test_cluster_cards_unsuppressed(reader):
    cells, summary = _clusters(reader)
    stats = tl.cluster_stats(reader, Filters(), tl.TalentFilters(), cells)
    tops = tl.cluster_tops(reader, Filters(), tl.TalentFilters(), cells)
    card = tl.cluster_cards(summary, stats, tops, None)[0]
    assert card == {
        "cluster": 1, "place": "青岛市崂山区", "n_places": 3, "node": "虚拟现实/增强现实",
        "size": "5", "hidden": False, "median_experience": 8.0, "high_share": 0.4,
        "high": "2", "returnees": "1",
        "skill": [("VR", "5"), ("Unity", "3"), ("三维引擎", "2")],
        "employer": [("青岛幻境虚拟现实科技有限公司", "3"), ("=1+2", "1"),
                     ("青岛歌尔声学科技有限公司", "1")],
        "university": [("中国海洋大学", "2"), ("山东大学", "2"), ("青岛大学", "1")]}


def test_cluster_cards_suppressed_for_aggregate_roles(reader):
    cells, summary = _clusters(reader)
    stats = tl.cluster_stats(reader, Filters(), tl.TalentFilters(), cells)
    tops = tl.cluster_tops(reader, Filters(), tl.TalentFilters(), cells)
    big, small, nlp = tl.cluster_cards(summary, stats, tops, 5)
    # 5 people: shown, but 2 high-tier people (a share would give the count away) and 1
    # returnee are '<5', and lists keep only items named for at least 5 people.
    assert big["size"] == "5" and big["high"] == "<5" and big["high_share"] is None
    assert big["returnees"] == "<5" and big["median_experience"] == 8.0
    assert big["skill"] == [("VR", "5")] and big["employer"] == [] and big["university"] == []
    assert small == {"cluster": 2, "place": "深圳市福田区", "n_places": 2,
                     "node": "虚拟现实/增强现实", "size": "<5", "hidden": True}
    assert nlp["size"] == "<5" and nlp["hidden"]


# -- the cluster's people and the shortlist exports -----------------------------------------------
def test_cluster_talents_masked_and_role_checked(reader):
    cells, _ = _clusters(reader)
    places = list(cells[cells["cluster"] == 1][["adcode", "node_id"]].itertuples(index=False,
                                                                                  name=None))
    people = tl.cluster_talents(reader, Filters(), tl.TalentFilters(), places, "recruiter")
    ids = _ids(reader, ["Q1", "Q2", "Q3", "Q4", "Q5"])
    # order: tier rank (B, D, E, then none), then experience descending
    assert people["talent_id"].tolist() == [ids["Q2"], ids["Q1"], ids["Q4"], ids["Q5"], ids["Q3"]]
    first = people.iloc[0]
    assert (first["contact_name"], first["phone"], first["email"]) == \
        ("吴**", "139****0002", "w***@example.com")
    assert not people.astype(str).apply(lambda c: c.str.contains("1390000000")).any().any()
    for role in ("planner", "analyst"):
        with pytest.raises(tl.NotAllowed):
            tl.cluster_talents(reader, Filters(), tl.TalentFilters(), places, role)


def _shortlist(reader):
    cells, _ = _clusters(reader)
    places = list(cells[cells["cluster"] == 1][["adcode", "node_id"]].itertuples(index=False,
                                                                                  name=None))
    people = tl.cluster_talents(reader, Filters(), tl.TalentFilters(), places, "admin")
    rows = [{**r, "cluster": "#1"} for r in people.iloc[[0, 3]].to_dict("records")]  # Q2, Q5
    return tl.shortlist_frame(rows)


def test_shortlist_csv_exact(reader):
    terms, groups = tl.resolve_skills(reader, "VR")
    tf = tl.TalentFilters(skills=groups, skill_terms=terms, exp_min=5.0, relocate_only=True,
                          expected="370200")
    lines = [f"筛选条件: {x}" for x in tl.describe(
        Filters(region="370200"), tf, {"370200": "青岛市"}, {}, 2024)]
    ids = _ids(reader, ["Q2", "Q5"])
    data = tables.csv_bytes(_shortlist(reader), lines)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == [
        "# 筛选条件: 地区: 青岛市",
        "# 筛选条件: 年份: 2024",
        "# 筛选条件: 技能: VR (匹配 VR)",
        "# 筛选条件: 工作年限: 5–不限 年",
        "# 筛选条件: 愿意流动: 是",
        "# 筛选条件: 期望城市: 青岛市",
        "人才编号,产业链环节,人才层次,学历,毕业院校,工作年限,技能,现任单位,所在地,期望城市,"
        "姓名,手机,邮箱,集群",
        f"{ids['Q2']},虚拟现实/增强现实,B,博士,中国海洋大学,8.0,VR、Unity,"
        "青岛幻境虚拟现实科技有限公司,青岛市崂山区,青岛市,吴**,139****0002,w***@example.com,#1",
        f"{ids['Q5']},虚拟现实/增强现实,N,本科,中国海洋大学,12.0,VR、三维引擎,'=1+2,"
        "青岛市市南区,,冯**,139****0005,f***@example.com,#1",
    ]


def test_csv_header_line_with_a_comma_stays_one_cell():
    data = tables.csv_bytes(pd.DataFrame({"a": [1]}), ["筛选条件: 技能: x,=cmd()"])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    # one cell, and the part after the comma cannot become a formula if a spreadsheet splits it
    assert rows == [["# 筛选条件: 技能: x,'=cmd()"], ["a"], ["1"]]


def test_shortlist_xlsx_has_filters_above_the_table(reader):
    lines = ["筛选条件: 地区: 青岛市", "=HYPERLINK(\"http://x\")"]
    wb = load_workbook(io.BytesIO(tables.xlsx_bytes(_shortlist(reader), lines)))
    rows = [[c.value for c in r] for r in wb.active.iter_rows()]
    assert rows[0][0] == "筛选条件: 地区: 青岛市"
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"
    assert all(v is None for v in rows[2])
    assert rows[3][:3] == ["人才编号", "产业链环节", "人才层次"]
    assert rows[5][7] == "'=1+2" and rows[5][5] == 12.0
    assert all(c.data_type != "f" for r in wb.active.iter_rows() for c in r)


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+8613800000000", "'+8613800000000"), ("-3", "'-3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("张**", "张**"), ("a=b", "a=b"), (-3, -3), (None, None), (2.5, 2.5),
])
def test_neutralise(value, expected):
    assert tables.neutralise(value) == expected


def test_neutralise_frame_keeps_numbers():
    df = pd.DataFrame({"=x": ["=a", "b"], "n": [-1, 2], "ok": [True, False]})
    out = tables.neutralise_frame(df)
    assert list(out.columns) == ["'=x", "n", "ok"]
    assert out["'=x"].tolist() == ["'=a", "b"] and out["n"].tolist() == [-1, 2]


def test_split_terms_and_fuzzy_skills(reader):
    assert tl.split_terms("VR, Unity、三维引擎；NLP  x") == ["VR", "Unity", "三维引擎", "NLP", "x"]
    assert tl.match_skills(reader, "unity") == ["Unity"]
    assert tl.match_skills(reader, "Untiy") == ["Unity"]  # a typo: jaro-winkler ≥ 0.88
    assert tl.match_skills(reader, "区块链") == []
