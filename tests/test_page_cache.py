"""The talent map's figures under the small-count rule and the overseas pool panel are made once
for every session that asks the same (views/state.controlled_children, views/overseas.pool_view;
issue 18), and never handed to a session that asks otherwise: another role's rule, another
language, another region."""

from __future__ import annotations

import pytest
import streamlit as st

from analytics import disclosure
from analytics import overseas as ov
from tests import fixtures


@pytest.fixture
def counted(demo_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.delenv("TALENTMAP_SMALL_CELL_K", raising=False)
    monkeypatch.delenv("TALENTMAP_USERS_FILE", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    calls = {"children": 0, "pool": 0}
    children, controlled = disclosure.children, ov.controlled

    def count_children(*a, **kw):
        calls["children"] += 1
        return children(*a, **kw)

    def count_pool(*a, **kw):
        calls["pool"] += 1
        return controlled(*a, **kw)

    monkeypatch.setattr(disclosure, "children", count_children)
    monkeypatch.setattr(ov, "controlled", count_pool)

    def open_as(role: str, query: dict | None = None):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        at = fixtures.open_app("views/talent_map.py", query)
        assert not at.exception, at.exception
        return at
    return open_as, calls


def _pool_cards(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_the_same_question_is_answered_once_and_another_role_is_not_given_it(counted):
    open_as, calls = counted
    planner = open_as("planner")
    first = dict(calls)
    assert first["children"] == 1 and first["pool"] == 2  # countries and nodes
    again = open_as("planner")  # another session, the same view
    assert calls == first, "made once for both"
    assert again.dataframe[0].value.equals(planner.dataframe[0].value)
    assert _pool_cards(again) == _pool_cards(planner)
    # a recruiter sees individuals: no small-count rule, so not the planner's cells
    recruiter = open_as("recruiter")
    assert calls["children"] == 2 and calls["pool"] == 4
    shown = lambda at: {str(v) for v in at.dataframe[0].value.to_numpy().ravel()}  # noqa: E731
    assert any(v.startswith("<") for v in shown(planner)), "the planner's rule withholds"
    assert not any(v.startswith("<") for v in shown(recruiter))
    # another region is another question
    open_as("planner", {"region": "370000"})
    assert calls["children"] == 3 and calls["pool"] == 6


def test_the_pool_tables_follow_the_language(counted):
    open_as, calls = counted
    at = open_as("planner")
    at.sidebar.segmented_control[0].set_value("English").run()  # the language switch
    assert not at.exception
    assert calls["pool"] == 4, "English tables are made, not the Chinese ones reused"


def _map_figure(at):
    """The map's figure as the session drew it (an analyst may export: its registry)."""
    return at.session_state["export_registry"]["talent_map"]["talent_map_chart"][0]


def test_the_map_view_is_made_once_and_follows_the_language(counted, monkeypatch):
    from figures import classed_map as cm  # the page script imports it from there each run

    open_as, _calls = counted
    made = []
    real = cm.classed_map
    monkeypatch.setattr(cm, "classed_map", lambda *a, **kw: made.append(1) or real(*a, **kw))
    first = open_as("analyst")
    second = open_as("analyst")
    assert len(made) == 1, "one figure for both sessions"
    assert _map_figure(second) is _map_figure(first)
    first.sidebar.segmented_control[0].set_value("English").run()
    assert not first.exception
    assert len(made) == 2, "the English map is made, not the Chinese one reused"
    assert "Rank" in first.dataframe[0].value.columns
    assert "同级排名" in second.run().dataframe[0].value.columns  # the other one: still Chinese


def test_the_enterprise_layer_is_drawn_on_a_copy_of_the_shared_map(counted):
    open_as, _calls = counted
    at = open_as("analyst", {"region": "370000"})
    at.toggle(key="enterprise_layer").set_value(True).run()
    assert not at.exception
    layered = _map_figure(at)
    assert any(tr.type == "scattermap" for tr in layered.data), "the layer's bubbles"
    plain = open_as("analyst", {"region": "370000"})  # another session, no layer
    assert not any(tr.type == "scattermap" for tr in _map_figure(plain).data)


def test_the_reference_is_one_read_only_object_and_lists_each_places_children(demo_db,
                                                                              monkeypatch):
    from views import state

    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    st.cache_resource.clear()
    ver = state.version()
    ref = state.reference(ver)
    assert state.reference(ver) is ref, "a copy per call (2 ms of unpickling each)"
    with pytest.raises(TypeError):
        ref["region_names"]["370212"] = "x"
    with pytest.raises(TypeError):
        ref["years"] = []
    regions = ref["regions"]
    for parent in ("100000", "370000", "370200"):  # the drill box's options, as the SQL has them
        expected = tuple(sorted(regions.loc[regions["parent_adcode"] == parent, "adcode"]))
        assert ref["children"][parent] == expected and expected
