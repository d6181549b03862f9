"""Roles: what each may see, in the analytics layer and on every page of the app (AppTest).

The walk covers every page listed in dashboard.py — pages other people add included — for each
role, on the tiny fixture with k = 5 (every count of the fixture is below 5). For planner and
analyst no individual record may appear (no talent id, name, phone or e-mail, masked or not)
and every people count shown must be '<5', 0 or at least 5. Recruiters see the cluster table
with masked contacts; admins see the raw quarantined rows. Also: masking, the users file,
sign-in, and the exact audit rows of exports and unmasking.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from access import appdb, users
from analytics import talent as tl
from analytics.filters import Filters
from figures.svg_map import as_list
from store.reader import Reader
from tests import fixtures
from tests.test_map_component import figure_specs

ROOT = Path(__file__).resolve().parent.parent
PAGES = re.findall(r'st\.Page\(\s*"([^"]+)"', (ROOT / "dashboard.py").read_text("utf-8"))
ROLES = ("planner", "recruiter", "analyst", "admin")
K = 5
TALENT_ID = re.compile(r"T[0-9a-f]{19}")
PHONE = re.compile(r"(?<![\d.])(?:1[3-9]\d{9}|1[3-9]\d\*{4}\d{4})(?!\d)")
EMAIL = re.compile(r"[\w.*]+@example\.com")
NAMES = [r[1] for r in fixtures.TALENTS]  # 张三, 李四 … and the quarantined ones
# Labels of people counts: metrics, table columns, and "label: N" in text.
PEOPLE_LABELS = {"人才数量", "高层次人才 (A–D)", "人才净流入", "人数", "流入人才", "流出人才",
                 "海归", "人才"}
COUNT_IN_TEXT = [re.compile(p) for p in (
    r"人数\s*\**\s*[:：]?\s*\**\s*(<?[\d,]+)", r"人才数量\s*[:：]\s*(<?[\d,]+)",
    r"符合条件的人才\s*[:：]\s*\**(<?[\d,]+)", r"零散[^:：]*[:：]\s*\**(<?[\d,]+)",
    r"海归\s+(<?[\d,]+)", r"(\d[\d,]*)\s*人(?![才均口员])")]
CARD_ITEM = re.compile(r"\((<?[\d,]+)\)")  # 'VR (3)' in cluster cards and place lists


def test_pages_are_discovered():
    assert {"views/clusters.py", "views/profile.py", "views/data_page.py"} <= set(PAGES)


# -- analytics layer ----------------------------------------------------------------------------
@pytest.mark.parametrize("role, individuals, k, export, raw", [
    ("planner", False, 5, False, False), ("recruiter", True, None, True, False),
    ("analyst", False, 5, True, False), ("admin", True, None, True, True)])
def test_role_matrix(role, individuals, k, export, raw):
    assert users.can_see_individuals(role) is individuals
    assert users.small_cell_k(role, 5) == k
    assert users.can_export(role) is export
    assert users.can_see_raw(role) is raw and users.can_load_data(role) is raw


def test_unknown_roles_fall_back_to_planner():
    assert users.parse_role("ADMIN ") == "admin"
    for v in ("root", "", None, "管理员"):
        assert users.parse_role(v) == "planner"


@pytest.fixture
def reader(loaded_db):
    r = Reader(loaded_db)
    yield r
    r.close()


def _zhang(reader) -> str:
    return reader.df("SELECT talent_id FROM talent_contact WHERE name = '张三'")["talent_id"][0]


INDIVIDUAL_CALLS = {
    "cluster_talents": lambda r, tid, role: tl.cluster_talents(
        r, Filters(), tl.TalentFilters(), [("370212", "T14")], role),
    "talent_record": lambda r, tid, role: tl.talent_record(r, tid, role),
    "contact": lambda r, tid, role: tl.contact(r, tid, role),
    "moves": lambda r, tid, role: tl.moves(r, tid, role),
    "matching_postings": lambda r, tid, role: tl.matching_postings(r, tid, role),
    "similar_talents": lambda r, tid, role: tl.similar_talents(r, tid, role),
    "search_talents": lambda r, tid, role: tl.search_talents(r, "VR", role),
}


# What each call gives a role that may see individuals (张三's talent_id written as 张三).
INDIVIDUAL_RESULTS = {
    "cluster_talents": (["talent_id", "place", "contact_name", "phone"],
                        [("张三", "青岛市崂山区", "张**", "138****0001")]),
    "talent_record": (["talent_id", "place", "tier", "years_experience", "expected_city"],
                      [("张三", "青岛市崂山区", "D", 8.0, "青岛市")]),
    "contact": {"contact_name": "张**", "phone": "138****0001", "email": "a***@example.com"},
    "moves": (["from_place", "to_place"], [("北京市海淀区", "青岛市崂山区")]),
    "matching_postings": (["title", "company", "shared", "shared_skills"],
                          [("VR开发工程师", "青岛幻境虚拟现实科技有限公司", 2, "VR、Unity")]),
    "similar_talents": (["talent_id", "place", "tier", "education", "years_experience",
                         "employer_name", "shared", "shared_skills"], []),
    "search_talents": (["talent_id", "place", "phone", "matched_on"],
                       [("张三", "青岛市崂山区", "138****0001", "技能 产业链环节")]),
}


def _digest(out, columns, tid):
    """The given columns of a result frame as tuples, with 张三's id as 张三."""
    assert isinstance(out, pd.DataFrame)
    assert set(columns) <= set(out.columns), out.columns
    df = out[columns].copy()
    if "talent_id" in df:
        df["talent_id"] = df["talent_id"].map(lambda t: "张三" if t == tid else t)
    return [tuple(r) for r in df.itertuples(index=False)]


@pytest.mark.parametrize("call", list(INDIVIDUAL_CALLS))
@pytest.mark.parametrize("role", ROLES)
def test_individual_queries_refuse_aggregate_roles(reader, call, role):
    fn = INDIVIDUAL_CALLS[call]
    if users.can_see_individuals(role):
        tid = _zhang(reader)
        out, expected = fn(reader, tid, role), INDIVIDUAL_RESULTS[call]
        if isinstance(expected, dict):
            assert out == expected
        else:
            assert _digest(out, expected[0], tid) == expected[1]
    else:
        with pytest.raises(tl.NotAllowed):
            fn(reader, _zhang(reader), role)


def test_contacts_are_masked_unless_asked(reader):
    tid = _zhang(reader)
    assert tl.contact(reader, tid, "recruiter") == {
        "contact_name": "张**", "phone": "138****0001", "email": "a***@example.com"}
    assert tl.contact(reader, tid, "admin", unmasked=True) == {
        "contact_name": "张三", "phone": "13800000001", "email": "a@example.com"}
    rows = tl.search_talents(reader, "VR", "recruiter")
    assert rows[["contact_name", "phone", "email"]].values.tolist() == \
        [["张**", "138****0001", "a***@example.com"]]


def test_search_counts_and_enterprises_for_every_role(reader):
    counts = tl.search_talent_counts(reader, "VR")
    assert dict(zip(counts["kind"], counts["talents"], strict=True)) == \
        {"skill": 1, "employer": 0, "university": 0, "node": 1}  # T14 虚拟现实/增强现实
    assert dict(zip(tl.search_talent_counts(reader, "大学")["kind"],
                    tl.search_talent_counts(reader, "大学")["talents"], strict=True)) == \
        {"skill": 0, "employer": 0, "university": 5, "node": 0}  # 赵六 loads now (field warning)
    firms = tl.search_enterprises(reader, "幻境")
    assert firms["credit_code"].tolist() == ["91370212MA3C000101"]
    assert tl.search_enterprises(reader, "91440300")["name"].tolist() == ["深圳智芯科技有限公司"]


# -- the app, page by page ------------------------------------------------------------------------
@pytest.fixture
def app(loaded_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_CLUSTER_MIN_TALENTS", "1")  # the fixture is tiny
    monkeypatch.delenv("TALENTMAP_SMALL_CELL_K", raising=False)
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(role: str, page: str | None = None, query: dict | None = None) -> AppTest:
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return fixtures.open_app(page, query)
    make.audit = lambda: appdb.audit_rows(tmp_path / "app.duckdb")
    return make


def content(at, drop: str | None = None) -> dict:
    """Everything a page shows: texts, tables, chart specs, widget options."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success", "text"):
        texts += [str(e.value) for e in getattr(at, kind)]
    metrics = [(m.label, str(m.value), str(m.proto.delta)) for m in at.metric]
    options = [str(o) for w in (*at.selectbox, *at.multiselect) for o in w.options]
    frames = [d.value.drop(columns=[drop], errors="ignore") for d in at.dataframe]
    specs = figure_specs(at)  # the talent map's (map_renderer) and st.plotly_chart's
    for spec in specs:  # shapes are not content (and their digits look like phone numbers)
        for tr in spec.get("data", []):
            tr.pop("geojson", None)
    blob = "\n".join([*texts, *options, *(f"{a} {b} {c}" for a, b, c in metrics),
                      *(f.to_csv() for f in frames), *(json.dumps(s, ensure_ascii=False)
                                                       for s in specs)])
    return {"texts": texts, "metrics": metrics, "frames": frames, "specs": specs, "blob": blob}


def _count_ok(v) -> bool:
    """A people count as shown to planner/analyst: '<5', blank, 0, or at least 5."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return True
    s = str(v).strip().replace(",", "").replace("+", "").lstrip("-")
    if s in ("", "<5", "—", "未知", "unknown", "None", "nan", "<NA>"):
        return True
    try:
        return float(s) == 0 or float(s) >= K
    except ValueError:
        return False


def assert_no_individuals(c: dict) -> None:
    blob = c["blob"]
    assert not TALENT_ID.search(blob), TALENT_ID.search(blob).group(0)
    assert not PHONE.search(blob), PHONE.search(blob).group(0)
    assert not EMAIL.search(blob), EMAIL.search(blob).group(0)
    for name in NAMES:
        assert name not in blob, name


def assert_counts_suppressed(c: dict) -> None:
    for label, value, delta in c["metrics"]:
        if label in PEOPLE_LABELS:
            assert _count_ok(value), (label, value)
            assert delta in ("", "None") or "%" not in delta or _count_ok(value), (label, delta)
    for f in c["frames"]:
        for col in f.columns:
            if str(col) in PEOPLE_LABELS:
                bad = [v for v in f[col] if not _count_ok(v)]
                assert not bad, (col, bad)
    for text in c["texts"] + [json.dumps(s, ensure_ascii=False) for s in c["specs"]]:
        for pattern in COUNT_IN_TEXT:
            for m in pattern.finditer(text):
                assert _count_ok(m.group(1)), (m.group(0), text[:200])
        if "技能:" in text or "包含地区" in text:
            for m in CARD_ITEM.finditer(text):
                assert _count_ok(m.group(1)), (m.group(0), text[:200])
    for spec in c["specs"]:
        _assert_spec_suppressed(spec)


def values(v) -> list:
    """A plotly array from a figure's JSON: a list, or a typed array (plotly 7's 'bdata')."""
    return as_list(v)


def _assert_spec_suppressed(spec: dict) -> None:
    for tr in spec.get("data", []):
        if tr.get("type") == "sunburst":
            assert all(_count_ok(v) for v in values(tr.get("values"))), tr.get("values")
        if tr.get("type") == "scattermap" and tr.get("name") == "人才集群":
            sizes = values(tr["marker"]["size"])
            assert all(_count_ok(v) for v in sizes), sizes
        colorbar = json.dumps(tr.get("colorbar", {}), ensure_ascii=False)
        if tr.get("type") == "choroplethmap" and ("人才" in colorbar or "人)" in colorbar):
            assert all(_count_ok(v) for v in values(tr.get("z"))), values(tr.get("z"))
    axis = json.dumps(spec.get("layout", {}).get("xaxis", {}).get("title", {}),
                      ensure_ascii=False)
    if any(label in axis for label in PEOPLE_LABELS):
        for tr in spec.get("data", []):
            if tr.get("type") == "bar":
                assert all(_count_ok(v) for v in values(tr.get("x"))), values(tr.get("x"))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_aggregate_roles_see_no_individual_and_no_small_count(app, role, page):
    at = app(role, page)
    c = content(at)
    assert_no_individuals(c)
    assert_counts_suppressed(c)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_individual_roles_never_see_unmasked_contacts_by_default(app, role, page):
    c = content(app(role, page), drop="原始数据")  # the admin's raw rows are raw by design
    m = re.search(r"(?<![\d.])1[3-9]\d{9}(?!\d)", c["blob"])
    assert not m, c["blob"][m.start() - 300:m.end() + 50]
    assert "张三" not in c["blob"] and "a@example.com" not in c["blob"]


def test_planner_suppression_is_visible_on_the_overview(app):
    at = app("planner", "views/overview.py")
    values = {m.label: m.value for m in at.metric}
    # 5 talents since 赵六 loads with a field warning (commit 327c651): the count is shown, the
    # high-level count of 2 is not
    assert values["人才数量"] == "5" and values["高层次人才 (A–D)"] == "<5"
    recruiter = {m.label: m.value for m in app("recruiter", "views/overview.py").metric}
    assert recruiter["人才数量"] == "5" and recruiter["高层次人才 (A–D)"] == "2"


def _cluster_with(at, place: str) -> None:
    box = at.selectbox(key="cl_selected")
    label = next(o for o in box.options if place in str(o))  # '#3 青岛市崂山区 · …'
    box.set_value(int(re.match(r"#(\d+)", label).group(1))).run()


def test_recruiter_sees_the_cluster_table_with_masked_contacts(app):
    at = app("recruiter", "views/clusters.py")
    _cluster_with(at, "崂山")
    table = next(d for d in at.dataframe if d.key and d.key.startswith("cl_table_")).value
    assert table[["姓名", "手机", "邮箱"]].values.tolist() == \
        [["张**", "138****0001", "a***@example.com"]]
    assert TALENT_ID.fullmatch(table["人才编号"][0])


@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_aggregate_roles_get_no_cluster_table_and_no_profile(app, role):
    at = app(role, "views/clusters.py")
    assert not [d for d in at.dataframe if d.key and d.key.startswith("cl_table_")]
    assert any("仅对招聘" in i.value for i in at.info)
    at = app(role, "views/profile.py", {"talent": "T" + "0" * 19})
    assert [e.value for e in at.error] == ["无权查看个人档案: 当前角色只能查看汇总数据。"]


def test_admin_sees_raw_quarantine_and_others_do_not(app):
    admin = app("admin", "views/data_page.py")
    rows = next(d.value for d in admin.dataframe if "原始数据" in d.value.columns)
    assert rows["原始数据"].str.contains("钱七").any()
    assert {t.label for t in admin.tabs} >= {"审计日志", "加载数据"}
    for role in ("planner", "recruiter", "analyst"):
        at = app(role, "views/data_page.py")
        assert not any("原始数据" in d.value.columns for d in at.dataframe), role
        assert "钱七" not in content(at)["blob"]
        assert "审计日志" not in {t.label for t in at.tabs}


def test_role_switch_in_the_settings_expander(app, monkeypatch):
    at = app("planner", "views/clusters.py")
    at.selectbox(key="role_choice").set_value("recruiter").run()
    _cluster_with(at, "崂山")
    assert any(d.key and d.key.startswith("cl_table_") for d in at.dataframe)
    monkeypatch.setenv("TALENTMAP_ALLOW_ROLE_SWITCH", "false")
    at = app("planner", "views/clusters.py")
    assert "role_choice" not in [s.key for s in at.selectbox]
    assert any("角色: 规划 (planner)" in c.value for c in at.caption)


def test_users_file_sign_in(app, tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    users.add_user(path, "wang", "recruiter", "s3cret-pass")
    monkeypatch.setenv("TALENTMAP_USERS_FILE", str(path))
    monkeypatch.setenv("TALENTMAP_ROLE", "admin")  # ignored: the users file decides
    at = AppTest.from_file(fixtures.DASHBOARD, default_timeout=60)
    at.run()
    assert at.title[0].value == "人才地图 · 登录" and not at.dataframe
    at.text_input[0].input("wang")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["用户名或密码不正确"]
    at.text_input[1].input("s3cret-pass")
    at.button[0].click().run()
    assert not at.exception
    at.switch_page("views/clusters.py").run()
    assert any("用户: wang · 角色: 招聘 (recruiter)" in c.value for c in at.caption)
    _cluster_with(at, "崂山")
    assert any(d.key and d.key.startswith("cl_table_") for d in at.dataframe)


def test_oidc_identity_to_role(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[oidc_roles]\n"li@example.gov.cn" = "recruiter"\n', "utf-8")
    mapping = users.oidc_roles(path)
    assert users.role_from_identity({"email": "x@y", "role": "admin"}, "role", mapping) == \
        ("x@y", "admin")
    assert users.role_from_identity({"email": "x@y", "roles": ["analyst", "planner"]}, "roles",
                                    mapping) == ("x@y", "analyst")
    assert users.role_from_identity({"email": "Li@example.gov.cn"}, "role", mapping) == \
        ("Li@example.gov.cn", "recruiter")
    assert users.role_from_identity({"sub": "abc", "role": "root"}, "role", mapping) == \
        ("abc", "planner")


# -- audited actions in the app -------------------------------------------------------------------
def test_shortlist_export_is_audited(app):
    at = app("recruiter", "views/clusters.py")
    _cluster_with(at, "崂山")
    key = next(d.key for d in at.dataframe if d.key and d.key.startswith("cl_table_"))
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert [s.value for s in at.subheader if "候选名单" in s.value] == ["候选名单 (1)"]
    shortlist = next(d.value for d in at.dataframe if "集群" in d.value.columns)
    assert shortlist[["姓名", "手机"]].values.tolist() == [["张**", "138****0001"]]
    next(b for b in at.get("download_button") if b.label == "下载 CSV" and
         b.proto.id.endswith("shortlist_csv")).click().run()
    rows = app.audit()
    assert rows[["user", "role", "action", "target", "reason"]].values.tolist() == \
        [["本地用户", "recruiter", "export", "人才候选名单.csv", None]]
    filters = json.loads(rows["filters"][0])  # the filters each talent was added under
    [group] = filters["groups"]
    assert group["global"]["region"] == "100000" and group["talent"]["skills"] == []
    assert group["talents"] == [shortlist["人才编号"][0]]


def test_cluster_list_export_by_analyst_is_audited(app):
    at = app("analyst", "views/clusters.py")
    next(b for b in at.get("download_button") if b.proto.id.endswith("clusters_xlsx")) \
        .click().run()
    rows = app.audit()
    assert rows[["user", "role", "action", "target"]].values.tolist() == \
        [["本地用户", "analyst", "export", "人才集群.xlsx"]]


def test_unmasking_needs_a_reason_and_is_audited(app, loaded_db):
    r = Reader(loaded_db)
    tid = _zhang(r)
    r.close()
    at = app("recruiter", "views/profile.py", {"talent": tid})
    def contact() -> list[str]:
        text = next(m.value for m in at.markdown if m.value.startswith("姓名: "))
        return re.findall(r"`([^`]*)`", text)
    assert contact() == ["张**", "138****0001", "a***@example.com"]
    at.text_area(key=f"reason_{tid}").input("太短")
    at.button(key=f"FormSubmitter:reveal_{tid}-查看联系方式").click().run()
    assert [w.value for w in at.warning] == ["理由至少 6 个字。"]
    assert app.audit().empty and contact()[0] == "张**"
    at.text_area(key=f"reason_{tid}").input("电话邀约参加人才洽谈会")
    at.button(key=f"FormSubmitter:reveal_{tid}-查看联系方式").click().run()
    assert contact() == ["张三", "13800000001", "a@example.com"]
    rows = app.audit()
    assert rows[["user", "role", "action", "target", "reason", "filters"]].values.tolist() == \
        [["本地用户", "recruiter", "unmask", tid, "电话邀约参加人才洽谈会", "{}"]]


def test_admin_loads_a_file_and_the_load_is_audited(app, fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(fresh_db))
    monkeypatch.setenv("TALENTMAP_RAW_DIR", str(tmp_path / "raw"))
    at = app("admin", "views/data_page.py")
    rows = ["地区,指标,年份,数值,单位,来源", "青岛市,常住人口,2023,10344000,人,统计公报"]
    at.file_uploader[0].set_value(("人口.csv", "\n".join(rows).encode("utf-8"), "text/csv"))
    at.button(key="FormSubmitter:load_files-加载并发布").click().run()
    assert not at.exception
    r = Reader(fresh_db)
    assert r.df("SELECT value FROM region_indicator WHERE year = 2023")["value"].tolist() == \
        [10344000.0]
    r.close()
    audit = app.audit()
    assert audit[["user", "role", "action", "target"]].values.tolist() == \
        [["本地用户", "admin", "load", "人口.csv"]]
    assert list((tmp_path / "raw" / "uploads").glob("*/人口.csv"))


def test_example_users_file_and_roles_doc():
    loaded = users.load_users(ROOT / "users.example.toml")
    assert sorted(u.role for u in loaded.values()) == sorted(ROLES)
    assert users.authenticate(ROOT / "users.example.toml", "recruiter1", "change-me-recruiter")
    text = (ROOT / "docs" / "roles.md").read_text("utf-8")
    for role in ROLES:
        assert f"`{role}`" in text
