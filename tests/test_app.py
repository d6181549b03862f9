"""Streamlit AppTest for every page, on the tiny fixture warehouse."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests import fixtures
from tests.test_map_component import figure_specs

PAGES = ["views/overview.py", "views/talent_map.py", "views/data_page.py"]


@pytest.fixture
def app(loaded_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "1")  # the fixture is tiny: show real counts
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    # these tests read the map's plotly figure (the one exports print and the SVG renderer
    # draws from: tests/test_svg_map_page.py): drawn by st.plotly_chart, it is in the page
    monkeypatch.setenv("TALENTMAP_MAP_RENDERER", "plotly_chart")
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(page: str | None = None, query: dict | None = None) -> AppTest:
        return fixtures.open_app(page, query)
    return make


def metric_values(at) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app, page):
    at = app(page)
    assert at.title, "page has a title"
    assert any("数据更新" in c.value for c in at.caption), "freshness line on every page"


def test_overview_kpis_and_a_filter_changes_them(app):
    at = app("views/overview.py")
    assert metric_values(at)["人才数量"] == "5"  # R0004 loads, its bad 工作年限 a field warning
    assert metric_values(at)["企业数量"] == "4"
    at.sidebar.multiselect[1].set_value(["B"]).run()  # 人才层次 = B
    assert metric_values(at)["人才数量"] == "1"
    assert at.query_params["tiers"] == "B"


def test_talent_map_draws_every_province(app):
    at = app("views/talent_map.py")
    spec = figure_specs(at)[0]
    # every province once on the main map (the 南海诸岛 inset draws some again: map2)
    locations = [loc for tr in spec["data"] if tr["type"] == "choroplethmap"
                 and tr.get("subplot", "map") == "map" for loc in tr["locations"]]
    assert len(locations) == 34
    assert {"710000", "810000", "820000", "460000"} <= set(locations)
    assert any(tr["type"] == "scattermap" for tr in spec["data"]), "maritime boundary line"
    table = at.dataframe[0].value
    assert table.iloc[0]["地区"] == "山东省" and table.iloc[0]["人才数量"] == "3"


def test_drill_down_and_breadcrumb(app):
    at = app("views/talent_map.py")
    drill = next(s for s in at.sidebar.selectbox if s.label == "下钻到")
    drill.set_value("370000").run()
    assert at.title[0].value == "人才地图 · 山东省"
    next(s for s in at.sidebar.selectbox if s.label == "下钻到").set_value("370200").run()
    assert at.title[0].value == "人才地图 · 青岛市"
    spec = figure_specs(at)[0]
    locations = {loc for tr in spec["data"] if tr["type"] == "choroplethmap"
                 for loc in tr["locations"]}
    assert locations == {"370202", "370203", "370211", "370212", "370213", "370214", "370215",
                         "370281", "370283", "370285"}
    assert at.query_params["region"] == "370200"
    next(b for b in at.sidebar.button if b.label == "全国").click().run()
    assert at.title[0].value == "人才地图 · 全国"


def test_query_params_reopen_the_same_view(app):
    at = app("views/talent_map.py", {"region": "370200", "tiers": "D,E", "nodes": "T14"})
    assert at.title[0].value == "人才地图 · 青岛市"
    assert at.sidebar.multiselect[1].value == ["D", "E"]
    assert at.sidebar.multiselect[0].value == ["T14"]
    table = at.dataframe[0].value
    assert table.iloc[0]["地区"] == "崂山区"


@pytest.mark.parametrize("query", [
    {"region": "'; DROP TABLE talent; --"}, {"region": "../../etc/passwd"},
    {"nodes": "T14,<script>"}, {"year": "99999"}, {"tiers": "Z"},
])
def test_hostile_query_params_are_ignored(app, query):
    at = app("views/talent_map.py", query)
    assert at.title[0].value == "人才地图 · 全国"


def test_language_switch(app):
    at = app()
    assert at.title[0].value == "人才地图 · 全国"  # the landing page is the national map
    at.sidebar.segmented_control[0].set_value("English").run()
    assert at.title[0].value.startswith("Talent map")


def test_data_page_shows_batches_and_quarantine(app):
    at = app("views/data_page.py")
    batches = at.dataframe[0].value
    assert len(batches) == 5
    # rows recorded, present now (counted in the fact tables) and replaced, per batch
    assert batches.sort_values("批次")[["载入行数", "现存行数", "被替换行数"]].values.tolist() == [
        [4, 4, 0], [5, 5, 0], [3, 3, 0], [3, 3, 0], [3, 3, 0]]  # the move from 英国 loads
    reasons = at.dataframe[2].value
    assert "校验位错误" in set(reasons["原因"])


def test_enterprise_layer_on_a_city_map(app):
    at = app("views/talent_map.py", {"region": "370200"})
    assert at.toggle[0].label == "显示企业图层"
    at.toggle[0].set_value(True).run()
    spec = figure_specs(at)[0]
    bubbles = [tr for tr in spec["data"] if tr["type"] == "scattermap"]
    # The fixture has 2 enterprises in 青岛: 崂山区 (VR, 技术层) and 城阳区 (rail, 应用层).
    assert sorted(tr["name"] for tr in bubbles) == ["企业 · 应用层", "企业 · 技术层"]
    assert sorted(t for tr in bubbles for t in tr["text"]) == ["城阳区", "崂山区"]


def test_run_log_records_each_script_run(app, tmp_path, monkeypatch):
    log = tmp_path / "runs.jsonl"
    monkeypatch.setenv("TALENTMAP_RUN_LOG", str(log))
    at = app("views/overview.py")
    next(s for s in at.sidebar.selectbox if s.label == "下钻到").set_value("370000").run()
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(runs) == 3  # the first run, the page switch, the drill-down
    assert {r["outcome"] for r in runs} == {"ok"}
    assert [r["page"] for r in runs] == ["talent_map", "overview", "overview"]
    assert len({r["session"] for r in runs}) == 1 and all(r["ms"] > 0 for r in runs)


def test_no_run_log_by_default(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app("views/overview.py")
    assert list(tmp_path.iterdir()) == []


def test_a_province_with_one_city_drills_straight_to_its_districts(app):
    """北京市 (province 110000) has one city, 北京市 (110100): the map already shows districts,
    so the drill box offers those districts and the breadcrumb names 北京市 once."""
    at = app("views/talent_map.py")
    next(s for s in at.sidebar.selectbox if s.label == "下钻到").set_value("110000").run()
    drill = next(s for s in at.sidebar.selectbox if s.label == "下钻到")
    assert "110108" in drill.options or "海淀区" in drill.options  # districts, not the city
    assert not any(o in ("110100", "北京市") for o in drill.options)
    assert [b.label for b in at.sidebar.button if b.key and b.key.startswith("crumb_")] == \
        ["全国", "北京市"]
    drill.set_value("110108").run()
    assert at.title[0].value == "人才地图 · 海淀区"
    assert [b.label for b in at.sidebar.button if b.key and b.key.startswith("crumb_")] == \
        ["全国", "北京市", "海淀区"]
