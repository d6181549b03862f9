"""招引跟踪 in Streamlit's AppTest on the small demo (seed 42), for every role: planners,
recruiters and admins track an entry of a node's 招引清单, move it on and land it (the node's
figures kept), and see the what-if and the projection; analysts see everything and can write
nothing. Targets live in a private app database per test; the audit rows are asserted."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from access import appdb
from access import targets as tg
from tests import fixtures

CHAIN, PIPELINE = "views/supply_chain.py", "views/pipeline.py"
WRITERS = ("planner", "recruiter", "admin")


@pytest.fixture
def env(demo_db, tmp_path, monkeypatch):
    app_db = tmp_path / "app" / "app.duckdb"
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(app_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    st.cache_data.clear()
    st.cache_resource.clear()

    def as_role(role: str):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return app_db
    return as_role


def chain_at_node(node: str = "A13"):
    at = fixtures.open_app(CHAIN, {"region": "370212"}, timeout=180)
    next(s for s in at.selectbox if s.label.startswith("选择环节")).set_value(node).run()
    assert not at.exception, at.exception
    return at


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def table_text(at) -> str:
    return " ".join(tbl.value.to_string() for tbl in at.table)


def save(at, **values):
    """Fill the first target form and submit it."""
    for label, value in values.items():
        widget = next(w for kind in ("selectbox", "number_input", "text_input", "text_area")
                      for w in getattr(at, kind) if w.label.startswith(label))
        widget.set_value(value)
    by_label(at.button, "保存修改").click().run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("role", WRITERS)
def test_a_writer_tracks_moves_and_lands_a_target(env, role):
    app_db = env(role)
    at = chain_at_node()
    adds = [b for b in at.button if b.label == "加入招引跟踪"]
    assert len(adds) == 3  # one per list: 目标地区, 目标企业, 人才池
    adds[1].click().run()  # the first target enterprise: one click
    assert not at.exception, at.exception
    [target] = tg.list_targets(app_db)
    assert (target.region, target.node, target.kind, target.stage) == (
        "370212", "A13", "enterprise", "线索")
    assert any(s.value.startswith("已加入招引跟踪") for s in at.success)
    assert any(c.value == "本环节招引目标: 线索 1" for c in at.caption)
    adds = [b for b in at.button if b.label == "加入招引跟踪"]
    assert adds[1].disabled, "the tracked entry cannot be added twice"
    adds[2].click().run()  # a talent pool
    assert len(tg.list_targets(app_db)) == 2

    # On the pipeline page: sign the first with 20 talents, then land it.
    at.switch_page(PIPELINE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "招引跟踪"
    assert {m.label: m.value for m in at.metric}["跟踪中的目标"] == "2 个"
    by_label(at.selectbox, "选择目标").set_value(target.id).run()
    save(at, **{"阶段": "已签约", "预计引进人才": 20})
    assert any("已保存 (版本 2)" in s.value for s in at.success), [e.value for e in at.error]
    assert "补链" in table_text(at) and "强链" in table_text(at)  # the projection
    save(at, **{"阶段": "已落地"})
    landed = tg.get(app_db, target.id)
    assert (landed.stage, landed.expected_talents, landed.version) == ("已落地", 20, 3)
    assert landed.landing["status"] == "补链" and landed.landing["talent"] == 1
    assert landed.landing["version"] and landed.landing["year"] == 2024
    rows = appdb.audit_rows(app_db).iloc[::-1]
    name = "本地用户"
    assert rows[["user", "role", "action"]].values.tolist() == [
        [name, role, "target_create"], [name, role, "target_create"],
        [name, role, "target_update"], [name, role, "target_update"]]
    assert json.loads(rows["filters"].iloc[2])["changes"] == {
        "stage": ["线索", "已签约"], "expected_talents": [0, 20]}

    # Back on the node: the what-if starts from the landed 20 and shows the new status; the
    # 招引成效 table shows the figures at landing.
    at.switch_page(CHAIN).run()
    next(s for s in at.selectbox if s.label.startswith("选择环节")).set_value("A13").run()
    assert not at.exception, at.exception
    assert any(s.value == "状态: 补链 → 强链" for s in at.success)
    assert any(c.value == "本环节招引目标: 线索 1 · 已落地 1" for c in at.caption)
    assert "落地时 (当前版本)" in table_text(at)


def test_an_analyst_sees_but_cannot_write(env):
    app_db = env("analyst")
    t = tg.create(app_db, "王", "planner", region="370212", node="A13", kind="region",
                  entry_key="110101", entry_name="东城区", next_date="2020-01-02")
    at = chain_at_node()
    assert not [b for b in at.button if b.label in ("加入招引跟踪", "保存修改", "保存情景到目标")]
    assert any("只能查看招引目标" in i.value for i in at.info)
    at.switch_page(PIPELINE).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["下一步已逾期"] == "1 个"
    assert any("1 个目标的下一步已逾期" in w.value for w in at.warning)
    assert at.get("plotly_chart"), "the funnel and the node bars"
    assert not [b for b in at.button if b.label == "保存修改"]
    assert any("只能查看招引目标" in i.value for i in at.info)
    with pytest.raises(tg.NotAllowed):
        tg.update(app_db, "分析员", "analyst", t.id, t.version, {"notes": "x"})
    assert tg.get(app_db, t.id).version == 1


def test_the_page_with_no_target_says_how_to_add_one(env):
    env("planner")
    at = fixtures.open_app(PIPELINE, timeout=180)
    assert any("还没有招引目标" in i.value for i in at.info)


def test_a_stale_form_is_refused_with_a_message(env):
    app_db = env("recruiter")
    t = tg.create(app_db, "王", "planner", region="370212", node="A13", kind="region",
                  entry_key="110101", entry_name="东城区")
    at = fixtures.open_app(PIPELINE, timeout=180)
    tg.update(app_db, "李", "planner", t.id, 1, {"notes": "李先改了"})  # meanwhile
    save(at, **{"备注": "我的备注"})
    assert any("已被 李" in e.value and "未保存" in e.value for e in at.error)
    assert tg.get(app_db, t.id).notes == "李先改了"


def test_the_node_picked_stays_when_the_box_state_is_lost(env):
    """The browser test saw the 产业链 page fall back to another node after a 加入招引跟踪 click
    on a busy machine. Leaving the page drops the node box's state as well: opening the page
    again shows the node picked before, not the default one."""
    env("planner")
    at = chain_at_node("A13")
    at.switch_page("views/talent_map.py").run()
    at.switch_page(CHAIN).run()
    assert not at.exception, at.exception
    box = next(s for s in at.selectbox if s.label.startswith("选择环节"))
    assert box.value == "A13"
    assert any(h.value.startswith("招引清单 · 智能客服与营销") for h in [*at.header, *at.subheader])
    box.set_value("T12").run()  # a real pick still moves it
    assert next(s for s in at.selectbox if s.label.startswith("选择环节")).value == "T12"


@pytest.mark.parametrize(("arrived", "kept"), [
    ("智能客服与营销 · 补链", "A13"),  # a label that is no node: the node picked before
    (None, "A13"),  # no state: the same
    ("T12", "T12"),  # a node of the chain (a pick, a click on the diagram, a link) stands
])
def test_keep_pick_puts_back_only_what_is_no_node(monkeypatch, arrived, kept):
    import pandas as pd

    from views import chain_node

    key = "sc_node_370212"
    session = {chain_node.last_pick_key(key): "A13"}
    if arrived is not None:
        session[key] = arrived
    monkeypatch.setattr(chain_node.st, "session_state", session)
    chain_node.keep_pick(pd.DataFrame({"node_id": ["A01", "A13", "T12"]}), key)
    assert session[key] == kept
    first = {}  # nothing picked yet: the page's default applies
    monkeypatch.setattr(chain_node.st, "session_state", first)
    chain_node.keep_pick(pd.DataFrame({"node_id": ["A01", "A13"]}), key)
    assert first == {}
