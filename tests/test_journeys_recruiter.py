"""The recruiter's journey (issue #17) in AppTest, on the hand-made fixture of tests/test_clusters.py
(with eps 25 km and at least 3 talents: #1 青岛 VR = 崂山 Q1 Q2 Q3 + 市北 Q4 + 市南 Q5, #2 深圳 VR,
#3 青岛 NLP; scattered: 黄岛 Q6, 海淀 B1).

Cluster filters survive a profile visit and live in the URL; the shortlist records the filters
each talent was added under; matching talents in no cluster are listed and shortlistable; a
click on a table cell opens a profile; revealed contacts go into the export, audited one by
one; the search suggests terms that exist and says what it searched; tables say "—" and
Chinese sentences, never None, 00:00:00 or "empty"; views are saved per user and reopened.
"""

from __future__ import annotations

import json

import pytest
import streamlit as st

from access import appdb
from analytics import talent as tl
from exports import tables
from store.reader import Reader
from tests import fixtures
from tests.test_clusters import _ids, cluster_db  # noqa: F401 - the fixture
from tests.test_profile import click_cell

CLUSTERS, PROFILE = "views/clusters.py", "views/profile.py"
# VR, at least 5 years, willing to relocate, expecting 青岛: Q1 (6 y) Q2 (8 y) in 崂山, Q4 (5 y)
VR5 = {"c_skills": "VR", "c_exp_min": "5", "c_reloc": "1", "c_expected": "370200"}


@pytest.fixture
def ids(cluster_db):  # noqa: F811
    r = Reader(cluster_db)
    try:
        return _ids(r, ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "S1", "S2", "S3", "S4", "B1"])
    finally:
        r.close()


@pytest.fixture
def app(cluster_db, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(cluster_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_CLUSTER_MIN_TALENTS", "3")
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    exported = []  # (header lines, table) of every CSV the app made
    real = tables.csv_bytes

    def spy(df, lines):
        exported.append((list(lines), df.copy()))
        return real(df, lines)
    monkeypatch.setattr(tables, "csv_bytes", spy)

    def make(role: str, page: str | None = CLUSTERS, query: dict | None = None):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return follow(fixtures.open_app(page, query))
    make.audit = lambda: appdb.audit_rows(tmp_path / "app.duckdb").iloc[::-1].reset_index(
        drop=True)  # oldest first
    # the last shortlist CSV made (files are made when the page is drawn, each run)
    make.shortlist_csv = lambda: next(x for x in reversed(exported) if "人才编号" in x[1])
    return make


def follow(at):
    """Let the next runs go where the app went, as a browser does. AppTest asks for the page of
    its last ``switch_page()`` on every later run, so a page the app switched to itself
    (``st.switch_page``: a clicked row, 「返回人才集群」, a saved view) would be left at once."""
    assert hasattr(at, "_page_hash"), "AppTest changed: see how it picks the page to run"
    at._page_hash = None  # → the page the last run finished on
    return at


def go(at, page: str):
    """The user picks a page in the navigation."""
    return follow(at.switch_page(page).run())


def table(at, prefix: str = "cl_table_"):
    return next(d for d in at.dataframe if d.key and d.key.startswith(prefix))


def tick(at, key: str, rows: list[int]) -> None:
    """Tick rows of a people table (those ticked already stay ticked, as in the browser)."""
    try:
        before = list(at.session_state[key]["selection"]["rows"])
    except (KeyError, TypeError):
        before = []
    rows = sorted(set(before) | set(rows))
    at.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()


def shortlist(at):
    return next(d.value for d in at.dataframe if d.key == "cl_shortlist_table")


def widgets(at) -> dict:
    return {"skills": at.text_input(key="cl_skills").value,
            "exp": at.slider(key="cl_exp").value, "reloc": at.checkbox(key="cl_reloc").value,
            "expected": at.text_input(key="cl_expected").value,
            "tiers": at.multiselect(key="cl_tiers").value}


def download(at, key: str) -> None:
    next(b for b in at.get("download_button") if b.proto.id.endswith(key)).click().run()
    assert not at.exception


# -- 1. filters across pages and in the URL; the shortlist keeps its filters ---------------------
def test_cluster_filters_survive_a_profile_visit_and_go_into_the_url(app, ids):
    at = app("recruiter")
    at.text_input(key="cl_skills").input("VR")
    at.slider(key="cl_exp").set_value((5, 40))
    at.checkbox(key="cl_reloc").check()
    at.text_input(key="cl_expected").input("青岛").run()
    want = {"skills": "VR", "exp": (5, 40), "reloc": True, "expected": "青岛", "tiers": []}
    assert widgets(at) == want
    assert {k: at.query_params[k] for k in VR5} == VR5
    people = table(at)
    assert set(people.value["人才编号"]) == {ids["Q1"], ids["Q2"], ids["Q4"]}
    tick(at, people.key, [0])
    click_cell(at, people.key, 1)
    assert at.title[0].value == "人才档案"
    at.button(key="pf_back").click().run()
    assert at.title[0].value.startswith("人才集群")
    assert widgets(at) == want  # every cluster filter is still there …
    assert {k: at.query_params[k] for k in VR5} == VR5  # … and in the URL
    assert len(shortlist(at)) == 1 and table(at).key == people.key


@pytest.mark.parametrize("query, expected", [
    (VR5, {"skills": "VR", "exp": (5, 40), "reloc": True, "expected": "山东省青岛市",
           "tiers": []}),
    # hostile: unknown tiers and nodes, a script, out-of-range years, a non-region, a list
    ({"c_skills": "<script>,VR", "c_tiers": "B,Z,'; DROP", "c_exp_min": "-3",
      "c_exp_max": "99", "c_expected": "999999", "c_reloc": "yes", "c_nodes": "T14,../x"},
     {"skills": "VR", "exp": (0, 40), "reloc": False, "expected": "", "tiers": ["B"]}),
])
def test_a_link_opens_the_cluster_filters_it_names(app, query, expected):
    at = app("recruiter", CLUSTERS, query)
    assert widgets(at) == expected
    assert not at.exception


def test_the_shortlist_records_the_filters_each_talent_was_added_under(app, ids):
    at = app("recruiter", CLUSTERS, VR5)
    tick(at, table(at).key, [0])  # Q2 (tier B first) under VR5
    at.checkbox(key="cl_reloc").uncheck()
    at.text_input(key="cl_expected").input("").run()
    rows = table(at).value["人才编号"].tolist()
    tick(at, table(at).key, [rows.index(ids["Q3"])])  # Q3 (not willing) under VR ≥ 5 years
    sl = shortlist(at)
    assert sl["人才编号"].tolist() == [ids["Q2"], ids["Q3"]] and sl["筛选组"].tolist() == [1, 2]
    download(at, "shortlist_csv")
    lines, df = app.shortlist_csv()
    assert lines[:-1] == [
        "筛选组 1 (1 人): 加入候选名单时的筛选条件",
        "筛选条件 (组 1): 地区: 全国", "筛选条件 (组 1): 年份: 2024",
        "筛选条件 (组 1): 技能: VR (匹配 VR)", "筛选条件 (组 1): 工作年限: 5–不限 年",
        "筛选条件 (组 1): 愿意流动: 是", "筛选条件 (组 1): 期望城市: 青岛市",
        "筛选组 2 (1 人): 加入候选名单时的筛选条件",
        "筛选条件 (组 2): 地区: 全国", "筛选条件 (组 2): 年份: 2024",
        "筛选条件 (组 2): 技能: VR (匹配 VR)", "筛选条件 (组 2): 工作年限: 5–不限 年"]
    assert lines[-1].startswith("导出: ") and "本地用户 (recruiter)" in lines[-1]
    assert df["筛选组"].tolist() == [1, 2]
    audit = app.audit()
    assert audit[["action", "target", "reason"]].values.tolist() == \
        [["export", "人才候选名单.csv", None]]
    groups = json.loads(audit["filters"][0])["groups"]
    assert [g["talents"] for g in groups] == [[ids["Q2"]], [ids["Q3"]]]
    assert [(g["talent"]["relocate_only"], g["talent"]["expected"]) for g in groups] == \
        [(True, "370200"), (False, None)]
    assert [g["talent"]["exp_min"] for g in groups] == [5.0, 5.0]


def test_one_filter_group_keeps_the_plain_header(app, ids):
    at = app("recruiter", CLUSTERS, VR5)
    tick(at, table(at).key, [0, 1])
    assert "筛选组" not in shortlist(at).columns
    download(at, "shortlist_xlsx")
    audit = app.audit()
    assert audit["target"].tolist() == ["人才候选名单.xlsx"]
    [group] = json.loads(audit["filters"][0])["groups"]
    assert sorted(group["talents"]) == sorted([ids["Q2"], ids["Q1"]])


# -- 2. talents in no cluster --------------------------------------------------------------------
def test_matching_talents_in_no_cluster_are_listed_and_shortlistable(app, ids):
    at = app("recruiter", CLUSTERS, {**VR5, "c_min": "5"})  # 崂山 2 + 市北 1: no cluster of 5
    assert "符合条件的人才: **3** · 集群数: **0** · 零散 (不属于任何集群): **3**" in \
        [m.value for m in at.markdown]
    assert any("零散人才" in i.value for i in at.info)
    scattered = table(at)
    assert set(scattered.value["人才编号"]) == {ids["Q1"], ids["Q2"], ids["Q4"]}
    tick(at, scattered.key, [0, 2])
    sl = shortlist(at)
    assert len(sl) == 2 and set(sl["集群"]) == {"零散 (不在集群内)"}
    # with clusters, the scattered ones are listed too (黄岛 Q6, 海淀 B1 for plain VR)
    at = app("admin", CLUSTERS, {"c_skills": "VR"})
    noise = [d.value for d in at.dataframe if d.key and d.key.startswith("cl_table_")][-1]
    assert set(noise["人才编号"]) == {ids["Q6"], ids["B1"]}


@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_aggregate_roles_get_no_scattered_list(app, role):
    at = app(role, CLUSTERS, {**VR5, "c_min": "5"})
    assert not [d for d in at.dataframe if d.key and d.key.startswith("cl_table_")]
    assert not [e for e in at.expander if "零散人才" in e.label]
    assert "零散 (不属于任何集群): **<5**" in " ".join(m.value for m in at.markdown)


# -- 3. a click on a cell opens the profile ------------------------------------------------------
def test_search_results_and_shortlist_open_a_profile_on_click(app, ids):
    at = app("recruiter")
    at.text_input(key="cl_search").input("山东大学").run()
    found = table(at, "cl_search_table")
    click_cell(at, found.key, found.value["人才编号"].tolist().index(ids["Q3"]))
    assert at.subheader[0].value.startswith(f"{ids['Q3']} · ")
    at.button(key="pf_back").click().run()
    assert at.text_input(key="cl_search").value == "山东大学"  # the search is kept too
    tick(at, table(at).key, [0])
    click_cell(at, "cl_shortlist_table", 0)
    assert at.title[0].value == "人才档案"


# -- 4. revealed contacts go into the export, each audited ---------------------------------------
def test_revealed_contacts_are_exported_and_audited_one_by_one(app, ids):
    at = app("recruiter", CLUSTERS, VR5)
    people = table(at)
    tick(at, people.key, [0, 1, 2])  # Q2, Q1, Q4
    click_cell(at, people.key, people.value["人才编号"].tolist().index(ids["Q2"]))
    at.text_area(key=f"reason_{ids['Q2']}").input("电话邀约参加人才洽谈会")
    at.button(key=f"FormSubmitter:reveal_{ids['Q2']}-查看联系方式").click().run()
    at.button(key="pf_back").click().run()
    sl = shortlist(at).set_index("人才编号")
    assert sl.loc[ids["Q2"], ["姓名", "手机", "邮箱"]].tolist() == \
        ["吴二", "13900000002", "wu2@example.com"]
    assert sl.loc[ids["Q1"], ["姓名", "手机"]].tolist() == ["周**", "139****0001"]
    download(at, "shortlist_csv")
    _, df = app.shortlist_csv()
    exported = df.set_index("人才编号")
    assert exported.loc[ids["Q2"], "手机"] == "13900000002"
    assert exported.loc[ids["Q1"], "手机"] == "139****0001"
    assert exported.loc[ids["Q4"], "邮箱"] == "w***@example.com"
    audit = app.audit()
    assert audit[["user", "role", "action", "target", "reason"]].values.tolist() == [
        ["本地用户", "recruiter", "unmask", ids["Q2"], "电话邀约参加人才洽谈会"],
        ["本地用户", "recruiter", "export", "人才候选名单.csv", None],
        ["本地用户", "recruiter", "export", ids["Q2"], "电话邀约参加人才洽谈会"]]
    assert json.loads(audit["filters"][2]) == {"file": "人才候选名单.csv",
                                               "fields": ["姓名", "手机", "邮箱"]}


# -- 5. search: terms that exist, what it searched, Chinese empty states -------------------------
def test_the_search_hint_names_terms_that_find_something(app, cluster_db):  # noqa: F811
    at = app("planner")
    hint = at.text_input(key="cl_search").placeholder
    assert hint.startswith("如 ") and "海尔" not in hint
    examples = [x.rstrip("…") for x in hint[2:].split("、")]
    assert len(examples) >= 3
    r = Reader(cluster_db)
    try:
        for term in examples:
            found = tl.search_talent_counts(r, term)["talents"].sum() + \
                len(tl.search_enterprises(r, term))
            assert found > 0, term
    finally:
        r.close()


def test_a_search_says_what_it_searched_and_empty_results_say_so_in_chinese(app):
    at = app("recruiter")
    at.text_input(key="cl_search").input("海尔").run()
    scope = next(c.value for c in at.caption if c.value.startswith("在全部数据中搜索"))
    assert "不受左侧与上方筛选条件限制" in scope and "技能 — 无匹配" in scope
    assert "当前筛选条件下没有数据" not in " ".join(c.value for c in at.caption)
    captions = [c.value for c in at.caption]
    assert "没有人才的技能、现任单位、毕业院校或产业链环节匹配「海尔」。" in captions
    assert "没有名称包含「海尔」或信用代码以它开头的企业。" in captions
    assert all(len(d.value) for d in at.dataframe)  # no empty table ("empty")


# -- 8. dates as dates, "—" for missing values ---------------------------------------------------
def test_profile_tables_show_dates_and_dashes(app, ids):
    at = app("recruiter", PROFILE, {"talent": ids["Q2"]})
    frames = {tuple(d.value.columns)[:2]: d.value for d in at.dataframe}
    blob = "\n".join(f.to_csv() for f in frames.values())
    for bad in ("00:00:00", "None", "NaT", ",nan", "True", "False"):
        assert bad not in blob, bad
    moves = next(f for f in frames.values() if "原所在地" in f.columns)
    assert moves["日期"].tolist() == ["2023-05-01"]
    firm = next(f for f in frames.values() if "统一社会信用代码" in f.columns)
    assert firm[["成立日期", "上市", "链主"]].values.tolist() == [["2015-03-02", "否", "是"]]
    assert "2024-06-30" in dict(next(f for f in frames.values() if "项目" in f.columns)
                                .values.tolist()).values()
    at = app("recruiter", PROFILE, {"talent": ids["B1"]})  # no employer, no move, no posting
    captions = [c.value for c in at.caption]
    assert {"没有流动记录。", "企业库中没有现任单位的记录。", "没有匹配的招聘岗位。"} <= set(captions)


# -- 10. saved views -----------------------------------------------------------------------------
def test_a_saved_view_is_listed_and_reopens_its_page_and_filters(app):
    at = app("recruiter", CLUSTERS, {**VR5, "region": "370200"})
    at.text_input(key="sv_name").input("崂山 VR 人才")
    at.button(key="sv_save").click().run()
    assert not at.exception
    opened = at.button(key="sv_open_0")
    assert opened.label == "崂山 VR 人才"
    link = next(c.value for c in at.code)
    assert link.startswith("/clusters?") and "c_skills=VR" in link and "c_reloc=1" in link
    at.text_input(key="cl_skills").input("NLP").run()  # change the filters, leave the page
    at.button(key="crumb_100000").click().run()  # and the region (全国)
    assert at.title[0].value == "人才集群 · 全国"
    go(at, "views/talent_map.py")
    at.button(key="sv_open_0").click().run()
    assert at.title[0].value.startswith("人才集群")
    assert widgets(at) == {"skills": "VR", "exp": (5, 40), "reloc": True,
                           "expected": "山东省青岛市", "tiers": []}
    assert at.title[0].value == "人才集群 · 青岛市" and at.query_params["region"] == "370200"
    at.button(key="sv_del_0").click().run()
    assert not [b for b in at.button if b.key == "sv_open_0"]
    assert any(c.value == "尚无保存的视图。" for c in at.caption)


def test_saved_views_belong_to_the_signed_in_user(app, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from access import saved_views, users

    at = app("planner", "views/talent_map.py", {"region": "370200"})
    at.text_input(key="sv_name").input("青岛地图")
    at.button(key="sv_save").click().run()
    [mine] = saved_views.list_views(tmp_path / "app.duckdb", "本地用户")
    assert (mine.name, mine.page, mine.query) == ("青岛地图", "talent_map", "region=370200")
    path = tmp_path / "users.toml"
    users.add_user(path, "wang", "recruiter", "s3cret-pass")
    monkeypatch.setenv("TALENTMAP_USERS_FILE", str(path))
    wang = AppTest.from_file(fixtures.DASHBOARD, default_timeout=60)
    wang.run()
    wang.text_input[0].input("wang")
    wang.text_input[1].input("s3cret-pass")
    wang.button[0].click().run()
    assert not [b for b in wang.button if b.key == "sv_open_0"]  # 本地用户's view is not his
    wang.text_input(key="sv_name").input("我的")
    wang.button(key="sv_save").click().run()
    assert [v.name for v in saved_views.list_views(tmp_path / "app.duckdb", "wang")] == ["我的"]
    assert wang.button(key="sv_open_0").label == "我的"
