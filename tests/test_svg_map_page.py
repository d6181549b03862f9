"""The talent map drawn as SVG (views/svg_map.py, setting map_renderer=svg; issue 18) on the
page, without a browser: the component is given exactly the payload of the figure the page
built (the one exports print), kept by its key on every level, no plotly chart of a map on the
page, a click drilling down, and no more reaching the browser than the plotly map showed.
tests/test_browser_svg_map.py checks the drawing in Chromium."""

from __future__ import annotations

import json
import re

import plotly.io as pio

from figures import svg_map as svg_payload
from tests.test_map_component import app, click, figure_specs  # noqa: F401 (app: a fixture)
from views import svg_map
from views.talent_map import MAP_KEY


def the_component(at):
    [comp] = [c for c in at.get("bidi_component") if c.proto.component_name == svg_map.NAME]
    return comp


def regions(data: dict) -> dict[str, list]:
    return {r[0]: r[1:] for s in data["shapes"] for r in s["regions"]}


def test_the_component_draws_the_figure_the_page_built(app):  # noqa: F811
    at = app("svg")
    comp = the_component(at)
    assert comp.proto.id.endswith(MAP_KEY), "kept by its key, not by its figure"
    data = json.loads(comp.proto.json)
    fig = at.session_state["export_registry"]["talent_map"][MAP_KEY][0]  # for exports
    assert {k: v for k, v in data.items() if k not in ("scroll_zoom", "label")} == \
        json.loads(json.dumps(svg_payload.payload(fig)))
    assert data["scroll_zoom"] is True and data["label"] == "人才地图 · 人才数量"
    assert len(regions(data)) == 34 and data["inset"]["caption"] == "南海诸岛"
    assert all(isinstance(s["source"], str) for s in data["shapes"]), "shapes go by URL"
    assert len(comp.proto.json) < 15_000
    assert not [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if any(t["type"] == "choroplethmap" for t in s["data"])], "no plotly map"
    assert not [c for c in at.get("bidi_component") if c.proto.component_name != svg_map.NAME]


def test_the_browser_gets_the_plotly_maps_hovers_and_nothing_more(app, monkeypatch):  # noqa: F811
    """What reaches the browser: the hovers the plotly map had (the disclosure-controlled
    figures, nothing else: no z), region by region, at a small-count threshold that withholds."""
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "3")  # the fixture's provinces have 1–3
    withheld = 0
    for query in (None, {"region": "370000"}, {"metric": "high_level"}):
        at = app("plotly_chart", query)
        spec = next(s for s in figure_specs(at)
                    if any(t["type"] == "choroplethmap" for t in s["data"]))
        before = {loc: h[0] for t in spec["data"] if t["type"] == "choroplethmap"
                  for loc, h in zip(t["locations"], t["customdata"], strict=True)}
        data = json.loads(the_component(app("svg", query)).proto.json)
        assert {loc: r[2] for loc, r in regions(data).items()} == before, query
        withheld += sum("<3" in h for h in before.values())
        # per region its code, fill, outline and hover: no value, no other field
        assert all(set(sh) == {"source", "name", "width", "regions"} and
                   all(len(r) == 4 for r in sh["regions"]) for sh in data["shapes"])
    assert withheld, "the threshold withheld some figures"


def test_a_click_on_a_region_drills_into_it_and_back(app):  # noqa: F811
    at = app("svg")
    click(at, "370000")
    assert at.title[0].value == "人才地图 · 山东省"
    assert at.query_params["region"] == "370000"
    data = json.loads(the_component(at).proto.json)
    assert set(regions(data)) and all(c.startswith("37") for c in regions(data))
    assert "inset" not in data
    click(at, "370200")
    assert at.title[0].value == "人才地图 · 青岛市"
    assert the_component(at).proto.id.endswith(MAP_KEY), "the same element on every level"
    fig = at.session_state["export_registry"]["talent_map"][MAP_KEY][0]
    assert json.loads(pio.to_json(fig))["data"][0]["type"] == "choroplethmap", \
        "exports still get the plotly figure"


def test_the_enterprise_layer_reaches_the_svg_map(app):  # noqa: F811
    at = app("svg", {"region": "370000"})
    at.toggle(key="enterprise_layer").set_value(True).run()
    assert not at.exception
    data = json.loads(the_component(at).proto.json)
    assert data["points"] and data["show_points_legend"]
    assert {p["name"] for p in data["points"]} <= {"企业 · 基础层", "企业 · 技术层", "企业 · 应用层"}
    for p in data["points"]:
        assert len(p["lon"]) == len(p["lat"]) == len(p["d"]) == len(p["hover"]) > 0
        assert all(d >= 6 for d in p["d"]), "at least plotly's sizemin"
        assert all(re.search(r"企业数: \d+<br>", h) for h in p["hover"]), p["hover"][:3]


def test_the_landing_page_sends_no_plotly_chart_with_the_svg_map(demo_db, monkeypatch):
    """The overseas pool beside the map is drawn as SVG bars too: the landing page loads no
    plotly.js (issue 18: its first render); the bars are the figure the page registered. (The
    small demo: it has people abroad.)"""
    import streamlit as st

    from figures import svg_bars as bars_payload
    from tests import fixtures
    from views import svg_bars

    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_ROLE", "analyst")
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "5")
    st.cache_data.clear()
    st.cache_resource.clear()

    def page(renderer):
        monkeypatch.setenv("TALENTMAP_MAP_RENDERER", renderer)
        return fixtures.open_app("views/talent_map.py")

    at = page("svg")
    assert not list(at.get("plotly_chart")), "no plotly chart on the landing page"
    [comp] = [c for c in at.get("bidi_component") if c.proto.component_name == svg_bars.NAME]
    assert comp.proto.id.endswith("ov_pool_chart")
    fig = at.session_state["export_registry"]["talent_map"]["ov_pool_chart"][0]
    assert json.loads(comp.proto.json) == json.loads(json.dumps(bars_payload.payload(fig)))
    at = page("plotly_chart")  # with the plotly map the pool stays a plotly chart
    assert not [c for c in at.get("bidi_component") if c.proto.component_name == svg_bars.NAME]
    assert len(at.get("plotly_chart")) == 2
