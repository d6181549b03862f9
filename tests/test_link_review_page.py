"""人员合并审核 in AppTest, on the two sources of test_linkage (one grey-zone pair, 刘洋 / Liu Yang):
an admin compares the records and confirms; the decision is stored, audited and applied at the
next publish. Recruiters review only when the setting allows; planners never. And the linkage
thresholds are settings: a lower link_threshold links the grey pair at the next load."""

from __future__ import annotations

import pytest
import streamlit as st

from access import appdb
from etl.load import load_files
from store import link_decisions
from tests import fixtures
from tests.test_linkage import (  # noqa: F401 - fixtures
    GREY,
    RESUME_HEADER,
    RESUMES,
    decisions_file,
    ids,
    linked,
    linked_pairs,
    query,
)


def republish(db, folder):
    """The next publish: an updated résumé export (one more row) loaded."""
    import csv

    path = folder / "liepin_resumes_2.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([RESUME_HEADER, *RESUMES, ["LP006", "Sun Li", "", "", "1993-04-04",
                                                           "", "", "", "青岛市城阳区", "2024-05-01"]])
    assert load_files([path], db_path=db, source="猎聘").ok


@pytest.fixture
def open_as(linked, tmp_path, monkeypatch):  # noqa: F811
    db, _, _ = linked
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")

    def make(role: str, recruiters: bool = False):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        monkeypatch.setenv("TALENTMAP_LINK_REVIEW_RECRUITERS", "true" if recruiters else "false")
        st.cache_data.clear()
        st.cache_resource.clear()
        return fixtures.open_app("views/link_review.py")
    return make


def test_an_admin_confirms_a_pair_and_it_applies_at_the_next_publish(open_as, linked):  # noqa: F811
    db, _, resume = linked
    at = open_as("admin")
    assert at.metric[0].value == "1"
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["字段", "记录 A", "记录 B", "相同"]
    assert set(table.loc[table["字段"] == "来源", ["记录 A", "记录 B"]].iloc[0]) == {"人才集团", "猎聘"}
    at.radio(key="lr_choice").set_value("confirm")
    at.text_input(key="lr_note").input("同一手机尾号")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    key = ids(db)
    a, b = link_decisions.pair(key[GREY[0]], key[GREY[1]])
    assert link_decisions.load() == {(a, b): "confirm"}
    log = appdb.audit_rows(link_decisions.decisions_path().with_name("app.duckdb"))
    row = log[log["action"] == "link_decision"].iloc[0]
    assert (row["target"], row["reason"]) == (f"{a}|{b}", "同一手机尾号")
    assert GREY not in linked_pairs(db)
    republish(db, resume.parent)
    assert GREY in linked_pairs(db)


@pytest.mark.parametrize("role, recruiters, allowed", [
    ("recruiter", False, False), ("recruiter", True, True), ("planner", True, False),
    ("analyst", False, False)])
def test_who_may_review(open_as, role, recruiters, allowed):
    at = open_as(role, recruiters)
    assert bool(at.warning) is not allowed
    assert bool(at.metric) is allowed


def test_a_lower_link_threshold_links_the_grey_pair(linked, monkeypatch):  # noqa: F811
    db, _, resume = linked
    assert GREY not in linked_pairs(db)
    monkeypatch.setenv("TALENTMAP_LINK_THRESHOLD", "0.5")
    republish(db, resume.parent)
    assert GREY in linked_pairs(db)
    assert query(db, "SELECT count(*) FROM link_review")[0][0] == 0


def test_the_profile_shows_where_each_field_came_from(linked, monkeypatch):  # noqa: F811
    db, _, _ = linked
    key = ids(db)
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    monkeypatch.setenv("TALENTMAP_ROLE", "admin")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = fixtures.open_app(None, {"talent": key["张伟"]})
    at.switch_page("views/profile.py").run()
    assert not at.exception
    exp = [e for e in at.expander if e.label.startswith("档案来源")]
    assert [e.label for e in exp] == ["档案来源 (2 条记录, 来自 2 个来源)"]
    table = exp[0].dataframe[0].value
    assert set(table["来源"]) <= {"人才集团", "猎聘"} and len(table) >= 3
    assert table.columns.tolist() == ["字段", "采用的值", "来源", "记录日期", "其他来源的不同值"]
