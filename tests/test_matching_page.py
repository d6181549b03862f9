"""The 产才对接 page in AppTest for every role, on the hand-made warehouse of test_matching: the
home region 崂山区 by default, node T14; recruiters and admins get each firm's invitation list
(masked contacts) and the downloads, planners and analysts counts per firm only."""

from __future__ import annotations

import pytest
import streamlit as st

from tests import fixtures
from tests.test_matching import world  # noqa: F401 - the fixture


@pytest.fixture
def open_as(world, tmp_path, monkeypatch):  # noqa: F811
    reader, _ = world
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(reader.path))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_HOME_REGION", "370212")
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")

    def make(role: str):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        st.cache_data.clear()
        st.cache_resource.clear()
        at = fixtures.open_app("views/matching.py")
        at.multiselect(key="mt_nodes_370212").set_value(["T14"]).run()
        assert not at.exception
        return at
    return make


@pytest.mark.parametrize("role", ["recruiter", "admin"])
def test_individual_roles_get_the_lists(open_as, role):
    at = open_as(role)
    assert at.title[0].value == "产才对接 · 崂山区"
    tables = [d.value for d in at.dataframe]
    firms = tables[0]  # the first expander: the firm with the best fit
    assert firms["企业"].tolist() == ["甲公司"] * 3 and firms["匹配分"].tolist() == [98.0, 67.3, 60.7]
    assert firms["手机"].tolist() == ["139****0001", "139****0003", "139****0002"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["下载邀请名单 XLSX", "下载企业日程 (可打印)"]


@pytest.mark.parametrize("role", ["planner", "analyst"])
def test_aggregate_roles_get_counts_without_names(open_as, role):
    at = open_as(role)
    df = at.dataframe[0].value
    assert df.columns.tolist() == ["企业", "岗位所在环节", "可能来的人才", "匹配分 ≥ 50"]
    assert df["可能来的人才"].tolist() == ["<5", "<5"]  # 3 each: a small count
    assert not at.get("download_button")
