"""人才档案: the archive assembled from every source (analytics) and the page (AppTest), on the
hand-made fixture of tests/test_clusters.py (Q2 is the returnee 吴二 in 崂山, tier B, VR)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import talent as tl
from store.reader import Reader
from tests import fixtures
from tests.test_clusters import _ids, cluster_db  # noqa: F401 - the fixture


@pytest.fixture
def reader(cluster_db):  # noqa: F811
    r = Reader(cluster_db)
    yield r
    r.close()


@pytest.fixture
def ids(reader):
    return _ids(reader, ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "S1", "S2", "S3", "S4", "B1"])


def test_record_moves_and_employer(reader, ids):
    rec = tl.talent_record(reader, ids["Q2"], "recruiter").iloc[0]
    assert (rec["place"], rec["node_id"], rec["node_name"], rec["tier_name"],
            rec["expected_city"], rec["overseas_country"]) == \
        ("青岛市崂山区", "T14", "虚拟现实/增强现实", "国家级领军人才", "青岛市", "美国")
    assert "name" not in rec.index and "phone" not in rec.index  # contacts are apart
    moves = tl.moves(reader, ids["Q2"], "recruiter")
    assert moves[["from_place", "to_place"]].values.tolist() == [["北京市海淀区", "青岛市崂山区"]]
    assert str(moves["moved_on"][0].date()) == "2023-05-01"
    firm = tl.employer(reader, rec["employer_credit_code"]).iloc[0]
    assert (firm["name"], firm["region"], firm["employees"]) == \
        ("青岛幻境虚拟现实科技有限公司", "崂山区", 320)
    assert tl.employer(reader, None).empty


def test_matching_postings_rank_by_shared_skills(reader, ids):
    posts = tl.matching_postings(reader, ids["Q2"], "recruiter")
    # J1 (VR开发工程师 in 崂山, skills Unity and VR) is the only VR posting in 青岛
    assert posts["title"].tolist() == ["VR开发工程师"]
    assert posts["shared"].tolist() == [2]
    assert set(posts["shared_skills"][0].split("、")) == {"Unity", "VR"}
    assert tl.matching_postings(reader, ids["S1"], "recruiter").empty  # no VR posting in 深圳


def test_similar_talents_same_node_most_shared(reader, ids):
    sim = tl.similar_talents(reader, ids["Q2"], "recruiter")
    # shares VR and Unity: S3 (7 y), Q1 (6), Q4 (5), S1 (3); VR only: Q5 (12), Q3 (10),
    # S4 (9), Q6 (7), B1 (6), S2 (4); the NLP talents are another node
    order = ["S3", "Q1", "Q4", "S1", "Q5", "Q3", "S4", "Q6", "B1", "S2"]
    assert sim["talent_id"].tolist() == [ids[c] for c in order]
    assert sim["shared"].tolist() == [2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
    assert ids["Q2"] not in set(sim["talent_id"])


def test_skills_to_nodes():
    df = tl.skills_to_nodes(["VR", "自然语言处理", "沟通协调"], {"T14": "虚拟现实/增强现实",
                                                          "T11": "自然语言处理"})
    assert df.values.tolist() == [["VR", "T14", "虚拟现实/增强现实"],
                                  ["自然语言处理", "T11", "自然语言处理"], ["沟通协调", None, "—"]]


@pytest.mark.parametrize("missing", [None, pd.NA, float("nan")])
def test_a_record_without_skills_has_no_skill_rows(missing):
    # an HR workbook gives no skills: its profile used to fail on pd.NA
    assert tl.skills_to_nodes(missing, {}).empty


@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_profile_queries_refuse_aggregate_roles(reader, ids, role):
    for fn in (tl.talent_record, tl.moves, tl.matching_postings, tl.similar_talents, tl.contact):
        with pytest.raises(tl.NotAllowed):
            fn(reader, ids["Q2"], role)


# -- the page -------------------------------------------------------------------------------------
@pytest.fixture
def app(cluster_db, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(cluster_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_CLUSTER_MIN_TALENTS", "3")
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(role: str, page: str, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return fixtures.open_app(page, query)
    return make


def _frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_profile_page_for_a_recruiter(app, ids):
    at = app("recruiter", "views/profile.py", {"talent": ids["Q2"]})
    assert at.subheader[0].value == f"{ids['Q2']} · 虚拟现实/增强现实 · 青岛市崂山区"
    record = dict(_frame_with(at, "项目").values.tolist())
    assert record["人才层次"] == "国家级领军人才" and record["海归"] == "是"
    assert record["工作年限"] == "8" and record["期望城市"] == "青岛市"
    assert "姓名: `吴**`  \n手机: `139****0002`  \n邮箱: `w***@example.com`" in \
        [m.value for m in at.markdown]
    assert _frame_with(at, "原所在地")["原所在地"].tolist() == ["北京市海淀区"]
    assert _frame_with(at, "统一社会信用代码")["企业名称"].tolist() == ["青岛幻境虚拟现实科技有限公司"]
    assert _frame_with(at, "共同技能数")["职位"].tolist() == ["VR开发工程师"]
    assert len(_frame_with(at, "人才编号")) == 10
    assert _frame_with(at, "环节代码")["环节代码"].tolist() == ["T14", "T14"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    points = [tr for tr in spec["data"] if tr.get("name") == "位置"][0]
    assert points["mode"] == "markers"  # text labels would fetch glyphs from a font server
    assert points["text"] == ["现居: 青岛市崂山区", "期望: 青岛市"]
    assert spec["layout"]["map"]["style"] == "white-bg"


@pytest.mark.parametrize("query, message", [
    ({}, "请从「人才集群」页的人才表或搜索结果中打开档案。"),
    ({"talent": "'; DROP TABLE talent; --"}, "请从「人才集群」页的人才表或搜索结果中打开档案。"),
    ({"talent": "T" + "0" * 19}, "没有该人才的记录。"),
])
def test_profile_page_without_a_valid_talent(app, query, message):
    at = app("admin", "views/profile.py", query)
    assert [x.value for x in (*at.info, *at.warning)] == [message]


def test_aggregate_roles_get_no_profile_at_all(app, ids):
    at = app("analyst", "views/profile.py", {"talent": ids["Q2"]})
    assert [e.value for e in at.error] == ["无权查看个人档案: 当前角色只能查看汇总数据。"]
    assert not at.dataframe and not at.get("plotly_chart") and not at.subheader


def click_cell(at, key: str, row: int, column: str = "人才编号") -> None:
    """A click on a cell of a table with cell selection (what the browser sends: the rows
    ticked stay ticked), then a run."""
    try:
        rows = list(at.session_state[key]["selection"]["rows"])
    except (KeyError, TypeError):
        rows = []
    at.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": [[row, column]]}}
    at.run()


def test_open_a_profile_from_the_cluster_table(app, ids):
    at = app("recruiter", "views/clusters.py")
    assert at.selectbox(key="cl_selected").value == 1  # 青岛 VR
    assert not [s for s in at.selectbox if s.key and s.key.startswith("cl_profile")]  # no id box
    table = next(d for d in at.dataframe if d.key and d.key.startswith("cl_table_"))
    row = table.value["人才编号"].tolist().index(ids["Q4"])
    click_cell(at, table.key, row, "技能")  # any cell of the row
    assert not at.exception
    assert at.title[0].value == "人才档案"
    assert at.subheader[0].value == f"{ids['Q4']} · 虚拟现实/增强现实 · 青岛市市北区"
    assert at.query_params["talent"] == ids["Q4"]
    assert at.session_state["profile_talent"] == ids["Q4"]


def test_open_a_similar_talent_from_a_profile(app, ids):
    at = app("recruiter", "views/profile.py", {"talent": ids["Q2"]})
    table = next(d for d in at.dataframe if d.key == f"pf_similar_{ids['Q2']}")
    assert table.value["人才编号"].tolist()[0] == ids["S3"]
    click_cell(at, table.key, 0)
    assert at.subheader[0].value.startswith(f"{ids['S3']} · 虚拟现实/增强现实 · ")
    at.run()  # the click is not carried over to the next profile's table
    assert at.subheader[0].value.startswith(f"{ids['S3']} · ")
    assert not [b for b in at.selectbox if any(str(o).startswith("T") and len(str(o)) == 20
                                               for o in b.options)]  # no dropdown of ids


def test_search_on_the_clusters_page(app, ids):
    at = app("recruiter", "views/clusters.py")
    at.text_input(key="cl_search").input("山东大学").run()
    counts = _frame_with(at, "匹配字段")
    assert dict(counts.values.tolist())["毕业院校"] == "4"  # Q1, Q3, N1, N2
    people = _frame_with(at, "匹配于")
    assert set(people["人才编号"]) >= {ids["Q1"], ids["Q3"]}
    assert set(people["匹配于"]) == {"毕业院校"}
    planner = app("planner", "views/clusters.py")
    planner.text_input(key="cl_search").input("山东大学").run()
    assert dict(_frame_with(planner, "匹配字段").values.tolist())["毕业院校"] == "<5"
    assert not [d for d in planner.dataframe if "匹配于" in d.value.columns]
    planner.text_input(key="cl_search").input("幻境").run()
    assert _frame_with(planner, "企业名称")["企业名称"].tolist() == ["青岛幻境虚拟现实科技有限公司"]
