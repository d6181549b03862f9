"""The talent map's kept plotly graph (views/map_component.py, setting map_renderer; issue 18),
without a browser: plotly.js published once as a static file, the component given the very
figure the page built, the setting choosing the renderer, and a click drilling down.
tests/test_browser_map_component.py checks the graph in Chromium."""

from __future__ import annotations

import gzip
import json

import plotly
import plotly.io as pio
import pytest
import streamlit as st

import settings
from tests import fixtures
from views import map_component, svg_map
from views.talent_map import MAP_KEY


def figure_specs(at) -> list[dict]:
    """Every figure an AppTest page sends: the talent map's as its renderer sends it first —
    the kept plotly graph's figure (map_renderer=component), or what the SVG map is given
    (map_renderer=svg: ``{"svg": payload, "data": []}``) — then st.plotly_chart's, as
    ``json.loads(proto.spec)``."""
    maps = [json.loads(json.loads(c.proto.json)["figure"]) for c in at.get("bidi_component")
            if c.proto.component_name == map_component.NAME]
    maps += [{"svg": json.loads(c.proto.json), "data": []} for c in at.get("bidi_component")
             if c.proto.component_name == svg_map.NAME]
    return maps + [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def click(at, location: str):
    """What the component's JavaScript sends on a click of the region ``location``."""
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    comp = next(c for c in at.get("bidi_component") if MAP_KEY in c.proto.id)
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(comp.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "selection", "value": {
        "points": [{"location": location, "curve_number": 0, "point_number": 3}]}}])
    at._run(states)
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(loaded_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "1")
    monkeypatch.setenv("TALENTMAP_ROLE", "analyst")  # exports: the page's figure is registered
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(renderer: str | None = "component", query: dict | None = None):
        if renderer is None:
            monkeypatch.delenv("TALENTMAP_MAP_RENDERER", raising=False)
        else:
            monkeypatch.setenv("TALENTMAP_MAP_RENDERER", renderer)
        return fixtures.open_app("views/talent_map.py", query)
    return make


def test_plotly_js_is_published_once_with_the_package_bytes(tmp_path):
    url = map_component.publish_plotly(tmp_path)
    name = f"plotly-{plotly.__version__}.min.js"
    assert url == f"app/static/js/{name}"
    target = tmp_path / name
    assert target.read_bytes() == map_component.plotly_source().read_bytes()
    assert b"plotly" in target.read_bytes()[:2000].lower()
    stamp = target.stat().st_mtime_ns
    assert map_component.publish_plotly(tmp_path) == url
    assert target.stat().st_mtime_ns == stamp, "written once"
    # what the browser fetches: the same bytes, gzipped (served as they are, not compressed
    # again by the server on every request)
    packed = tmp_path / f"{name}.gz"
    assert gzip.decompress(packed.read_bytes()) == target.read_bytes()
    assert len(packed.read_bytes()) < len(target.read_bytes()) / 2
    target.write_bytes(b"half a file")  # a broken copy is replaced
    map_component.publish_plotly(tmp_path)
    assert target.read_bytes() == map_component.plotly_source().read_bytes()
    packed.unlink()  # and a missing gzip made again
    map_component.publish_plotly(tmp_path)
    assert gzip.decompress(packed.read_bytes()) == target.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, f"{name}.gz"], \
        "no temporary file left"
    # where Streamlit serves it (server.enableStaticServing): static/js under the repository
    assert map_component.STATIC_JS == settings.ROOT / "static" / "js"


def test_the_component_gets_the_figure_the_page_built(app):
    at = app()
    [comp] = [c for c in at.get("bidi_component") if c.proto.component_name == map_component.NAME]
    assert comp.proto.id.endswith(MAP_KEY), "kept by its key, not by its figure"
    data = json.loads(comp.proto.json)
    fig = at.session_state["export_registry"]["talent_map"][MAP_KEY][0]  # for exports
    assert json.loads(data["figure"]) == json.loads(pio.to_json(fig, validate=False))
    assert data["height"] == fig.layout.height == 560
    assert data["config"] == {"displaylogo": False, "scrollZoom": True, "responsive": True}
    assert data["src"] == f"app/static/js/plotly-{plotly.__version__}.min.js"
    assert (map_component.STATIC_JS / data["src"].rsplit("/", 1)[1]).is_file()
    assert len(comp.proto.json) < 100_000, "shapes go by URL, not inside the figure"
    # the map is no st.plotly_chart any more; the page's other charts still are
    assert not [s for s in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
                if any(t["type"] == "choroplethmap" for t in s["data"])]
    locations = {loc for tr in figure_specs(at)[0]["data"] if tr["type"] == "choroplethmap"
                 and tr.get("subplot", "map") == "map" for loc in tr["locations"]}
    assert len(locations) == 34


def test_the_setting_chooses_the_renderer(app, monkeypatch):
    at = app("plotly_chart")
    assert not at.get("bidi_component")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(t["type"] == "choroplethmap" for t in spec["data"])
    at = app("component")
    assert [c.proto.component_name for c in at.get("bidi_component")] == [map_component.NAME]
    assert settings.get("map_renderer") == "component"
    monkeypatch.delenv("TALENTMAP_MAP_RENDERER")
    assert settings.get("map_renderer") == "svg", "the default"
    monkeypatch.setenv("TALENTMAP_MAP_RENDERER", "canvas")
    with pytest.raises(settings.SettingError, match="TALENTMAP_MAP_RENDERER"):
        settings.get("map_renderer")


def test_a_click_on_a_region_drills_into_it(app):
    at = app()
    assert at.title[0].value == "人才地图 · 全国"
    click(at, "370000")
    assert at.title[0].value == "人才地图 · 山东省"
    assert at.query_params["region"] == "370000"
    locations = {loc for tr in figure_specs(at)[0]["data"] if tr["type"] == "choroplethmap"
                 for loc in tr["locations"]}
    assert locations and all(loc.startswith("37") for loc in locations)
    click(at, "370200")
    assert at.title[0].value == "人才地图 · 青岛市"
    # the same element: one component, keyed by the map's key, on every level
    assert [c.proto.id for c in at.get("bidi_component")][0].endswith(MAP_KEY)


def test_a_click_without_a_region_changes_nothing(app):
    at = app()
    comp = next(c for c in at.get("bidi_component") if MAP_KEY in c.proto.id)
    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(comp.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "selection", "value": {"points": [
        {"curve_number": 2, "point_number": 0}]}}])  # a bubble of the enterprise layer
    at._run(states)
    assert not at.exception and at.title[0].value == "人才地图 · 全国"
