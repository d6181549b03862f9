"""产才对接 on a hand-made warehouse whose every score is worked out below (region 崂山区, node
T14 VR). Two local firms post in 2024:

- 甲公司 VR开发工程师: skills VR, Unity, C#; 本科及以上; 3–5 年
- 乙公司 VR算法工程师: skills VR, 三维重建; 硕士; 经验不限

Talents (VR unless said), and their fit (skills 40 × shared/asked + education 15 + experience
15/7/0 + tier A15 B13 C11 D9 E5 + intent: expects 崂山 15, abroad and willing 12, willing 8):

- K1 北京, VR·Unity·C#, 硕士, 5 年, B, willing, expects 崂山: 甲 40+15+15+13+15 = 98; 乙 20+15+15+13+15 = 78
- K2 美国加州, VR·Unity, 博士, 2 年, willing (abroad): 甲 26.7+15+7+0+12 = 60.7; 乙 20+15+15+0+12 = 62
- K3 上海, VR·三维重建, 本科, 10 年, D, not willing, expects 崂山: 甲 13.3+15+15+9+15 = 67.3;
  乙 40+0+15+9+15 = 79
- K4 深圳, not willing, expects 深圳: not coming. K5 in 崂山: local. K6 北京 willing but 智能机器人:
  another node.
"""

from __future__ import annotations

import pytest

from analytics import matching as mt
from etl.load import load_files
from exports.agenda import agenda_html
from store.reader import Reader
from tests import fixtures

REGION = "370212"
T_HEADER = ["人才编号", "姓名", "手机", "所在地", "最高学历", "工作年限", "人才层次", "技能标签",
            "产业链环节", "是否愿意流动", "期望城市", "数据日期"]
TALENTS = [
    ["K1", "甲一", "13900000001", "北京市海淀区", "硕士", "5年", "B", "VR、Unity、C#", "T14", "是",
     "青岛市崂山区", "2024-06-30"],
    ["K2", "乙二", "13900000002", "美国加州", "博士", "2年", "", "VR、Unity", "T14", "是", "",
     "2024-06-30"],
    ["K3", "丙三", "13900000003", "上海市浦东新区", "本科", "10年", "D", "VR、三维重建", "T14", "否",
     "青岛市崂山区", "2024-06-30"],
    ["K4", "丁四", "13900000004", "深圳市南山区", "硕士", "5年", "", "VR、Unity", "T14", "否", "深圳",
     "2024-06-30"],
    ["K5", "戊五", "13900000005", "青岛市崂山区", "硕士", "5年", "", "VR、Unity", "T14", "是", "",
     "2024-06-30"],
    ["K6", "己六", "13900000006", "北京市海淀区", "硕士", "5年", "", "VR、Unity", "A01", "是", "",
     "2024-06-30"],
]
P_HEADER = ["职位编号", "职位名称", "公司名称", "工作地点", "学历要求", "经验要求", "技能标签",
            "产业链环节", "发布日期"]
POSTINGS = [
    ["P1", "VR开发工程师", "甲公司", "青岛市崂山区", "本科及以上", "3-5年", "VR,Unity,C#", "T14",
     "2024-05-01"],
    ["P2", "VR算法工程师", "乙公司", "青岛市崂山区", "硕士", "经验不限", "VR,三维重建", "T14",
     "2024-05-02"],
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("match")
    db = root / "w.duckdb"
    paths = [fixtures.write_csv(root / "talents.csv", T_HEADER, TALENTS),
             fixtures.write_csv(root / "postings.csv", P_HEADER, POSTINGS)]
    report = load_files(paths, db_path=db, source="hr")
    assert report.ok and [f.rows_loaded for f in report.files] == [6, 2], report
    reader = Reader(db)
    names = dict(reader.df("SELECT talent_id, name FROM talent_contact").values.tolist())
    return reader, names


def test_invitations_rank_each_firms_talents_by_fit(world):
    reader, names = world
    inv = mt.invitations(mt.best_pairs(reader, REGION, 2024, ["T14"]), per_firm=10)
    got = [(r.firm, r.rank, names[r.talent_id], r.score) for r in inv.itertuples()]
    assert got == [("甲公司", 1, "甲一", 98.0), ("甲公司", 2, "丙三", 67.3), ("甲公司", 3, "乙二", 60.7),
                   ("乙公司", 1, "丙三", 79.0), ("乙公司", 2, "甲一", 78.0), ("乙公司", 3, "乙二", 62.0)]
    assert inv["why"].iloc[0] == ("技能重合 3/3 (c#、unity、vr); 学历 硕士 ≥ 本科; 经验 5 年 / 要求 3 年; "
                                  "B 类人才; 期望来本地")
    assert inv["why"].iloc[2] == "技能重合 2/3 (unity、vr); 学历 博士 ≥ 本科; 经验 2 年 / 要求 3 年; 海外, 愿意回国"


def test_per_firm_cuts_the_list(world):
    reader, names = world
    inv = mt.invitations(mt.best_pairs(reader, REGION, 2024, ["T14"]), per_firm=1)
    assert [(r.firm, names[r.talent_id]) for r in inv.itertuples()] == [("甲公司", "甲一"),
                                                                        ("乙公司", "丙三")]


def test_meetings_list_each_talents_firms(world):
    reader, names = world
    meet = mt.meetings(mt.best_pairs(reader, REGION, 2024, ["T14"]))
    got = sorted((names[r.talent_id], r.rank, r.firm) for r in meet.itertuples())
    assert got == [("丙三", 1, "乙公司"), ("丙三", 2, "甲公司"), ("乙二", 1, "乙公司"), ("乙二", 2, "甲公司"),
                   ("甲一", 1, "甲公司"), ("甲一", 2, "乙公司")]


def test_another_node_or_year_finds_nobody(world):
    reader, _ = world
    assert mt.best_pairs(reader, REGION, 2024, ["A01"]).empty  # no local posting in A01
    assert mt.best_pairs(reader, REGION, 2023, ["T14"]).empty  # no posting in 2023


def test_counts_for_aggregate_roles_name_nobody(world):
    reader, _ = world
    df = mt.firm_counts(mt.best_pairs(reader, REGION, 2024, ["T14"]))
    assert df.to_dict("records") == [  # a tie: by name (乙 U+4E59 before 甲 U+7532)
        {"firm": "乙公司", "nodes": "T14", "candidates": 3, "good": 3},
        {"firm": "甲公司", "nodes": "T14", "candidates": 3, "good": 3}]
    assert "talent_id" not in df.columns


def test_contacts_are_masked_and_for_individual_roles_only(world):
    reader, names = world
    ids = list(names)
    df = mt.contacts(reader, ids, "recruiter")
    assert sorted(df["phone"].dropna()) == [f"139****000{i}" for i in range(1, 7)]
    with pytest.raises(mt.NotAllowed):
        mt.contacts(reader, ids, "planner")


def test_the_agenda_has_a_page_per_firm_and_escapes_text(world):
    reader, _ = world
    inv = mt.invitations(mt.best_pairs(reader, REGION, 2024, ["T14"]))
    inv = inv.merge(mt.contacts(reader, list(inv["talent_id"]), "admin"), on="talent_id")
    page = agenda_html("<崂山>对接会", inv, "2026-11-30 10:00")
    assert page.count("<section>") == 2
    assert "&lt;崂山&gt;对接会 · 甲公司" in page and "<崂山>" not in page
    assert page.index("甲公司") < page.index("乙公司")
