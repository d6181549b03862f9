"""The 风险预警 page in AppTest, for every role, on the hand-made warehouse of test_alerts with
two planted problems: 8 departures from 崂山区 (an outflow alert that speaks of 2 arrivals: a
small count) and its chain leader deregistered. Planners and analysts see only the second;
recruiters and admins both. The navigation shows the count; acknowledging is stored and audited."""

from __future__ import annotations

import shutil

import pytest
import streamlit as st

from access import alert_store, appdb
from tests import fixtures
from tests.test_alerts import E_HEADER, LEADER, _load, base  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def planted(base, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("planted")
    db = root / "w.duckdb"
    shutil.copyfile(base, db)
    out = [[f"LD00{i}", "青岛市崂山区", "北京市海淀区", f"2024-08-{10 + i:02d}"] for i in range(8)]
    _load(db, root, moves=(fixtures.MOVES_HEADER, out),
          firms=(E_HEADER, [[*LEADER[:5], "注销", LEADER[6]]]))
    return db


@pytest.fixture
def page(planted, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(planted))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_HOME_REGION", "370212")
    monkeypatch.setenv("TALENTMAP_LQ_MIN_BASE", "5")
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")

    def open_as(role: str):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        st.cache_data.clear()
        st.cache_resource.clear()
        return fixtures.open_app("views/alerts.py")
    return open_as


def _rules(at) -> list[str]:
    return sorted(at.dataframe[0].value["规则"].tolist())


@pytest.mark.parametrize("role, rules", [
    ("planner", ["链主/重点企业注销或迁出"]), ("analyst", ["链主/重点企业注销或迁出"]),
    ("recruiter", ["人才净流出异常", "链主/重点企业注销或迁出"]),
    ("admin", ["人才净流出异常", "链主/重点企业注销或迁出"]),
])
def test_each_role_sees_the_alerts_its_rules_allow(page, role, rules):
    at = page(role)
    assert at.title[0].value == "风险预警"
    assert _rules(at) == rules
    df = at.dataframe[0].value
    assert set(df["状态"]) == {"新"}
    severity = dict(zip(df["规则"], df["严重程度"], strict=True))
    assert severity["链主/重点企业注销或迁出"] == "高"
    assert severity.get("人才净流出异常", "中") == "中"  # −8 against a floor of −5: not twice over
    assert df.loc[df["规则"] == "链主/重点企业注销或迁出", "查看"].tolist() == [
        "/supply_chain?region=370212&node=T14"]
    assert any("数据更新" in c.value for c in at.caption)


def test_acknowledging_is_stored_and_audited(page, tmp_path):
    at = page("planner")
    at.button(key="al_ack_button").click().run()
    assert not at.exception
    rows = alert_store.alerts(tmp_path / "app.duckdb")
    acked = rows[rows["acked_by"].notna()]
    assert acked["rule"].tolist() == ["leader_gone"]
    log = appdb.audit_rows(tmp_path / "app.duckdb")
    assert (log["action"] == "alert_ack").sum() == 1
    assert log.loc[log["action"] == "alert_ack", "target"].iloc[0] == "leader_gone|91370212MA3C000101"
    assert at.dataframe[0].value["已确认"].iloc[0] != ""  # the row says who acknowledged it


def test_the_link_picks_the_node_on_the_chain_page(page):
    at = page("planner")
    at = fixtures.open_app(None, {"region": "370212", "node": "T14"})
    at.switch_page("views/supply_chain.py").run()
    assert not at.exception
    assert at.selectbox(key="sc_node_370212").value == "T14"


def test_the_alerts_are_read_again_only_when_the_store_changes(page, tmp_path, monkeypatch):
    """Every run of every page counts the open alerts (the navigation's badge): the table is
    cached until an evaluation or an acknowledgement changes the store."""
    reads = []
    real = alert_store.alerts
    monkeypatch.setattr(alert_store, "alerts", lambda *a, **k: reads.append(1) or real(*a, **k))
    at = page("planner")
    assert len(reads) == 1
    at.run()
    at.run()
    assert len(reads) == 1  # nothing changed: not read again
    assert at.dataframe[0].value["已确认"].iloc[0] == ""
    at.button(key="al_ack_button").click().run()
    assert len(reads) == 2  # acknowledged: read again, and the page says so
    assert at.dataframe[0].value["已确认"].iloc[0] != ""


@pytest.mark.parametrize("role, n", [("planner", 1), ("recruiter", 2), ("admin", 2)])
def test_the_badge_counts_the_open_alerts_the_role_may_see(page, role, n):
    from views import alerts as alerts_view
    from views import state

    at = page(role)
    assert len(at.dataframe[0].value) == n
    assert alerts_view.open_count(state.version()) == n
