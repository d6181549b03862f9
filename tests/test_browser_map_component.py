"""The talent map's kept graph in Chromium (issue 18, setting map_renderer=component): a change
of metric updates the same plotly graph div and the same MapLibre map (Plotly.react, no new
map), with no page error; a click on a province still drills down. Fails, not skips, when CI
is set and Chromium is missing."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest

from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
    ARTIFACTS,
    _click_lonlat,
    _shot,
    _wait_inset,
    _wait_locations,
    _wait_map,
    browser,
    idle,
    running_app,
    watched_page,
)

pytestmark = pytest.mark.browser

# the plotly.js the installed plotly package ships: "* plotly.js v4.1.1" in its header
PLOTLY_JS_VERSION = re.search(
    r"plotly\.js v([0-9.]+)",
    (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text("utf-8")[:200],
).group(1)
METRICS = (("每万人人才数", "每万人"), ("占全国比重", "占全国"), ("人才数量", "人才数量"))


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    log = tmp_path_factory.mktemp("map_component") / "streamlit.log"
    with running_app(demo_db, log, TALENTMAP_ROLE="analyst",
                     TALENTMAP_MAP_RENDERER="component") as base:
        yield base


def _mark(pg) -> None:
    """Tag the graph div and remember its MapLibre map, to find them again after reruns."""
    pg.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
        gd.__mark = 1; window.__tmMap = gd._fullLayout.map._subplot.map;
        window.__tmMapCount = document.querySelectorAll('.maplibregl-map').length; }""")


def _kept(pg) -> dict:
    return pg.evaluate("""() => { const all = document.querySelectorAll('.js-plotly-plot');
        const gd = all[0], m = gd._fullLayout.map._subplot.map;
        return {marked: gd.__mark === 1, same_map: m === window.__tmMap,
                removed: !!m._removed, graphs: all.length,
                maps: document.querySelectorAll('.maplibregl-map').length,
                before: window.__tmMapCount,
                in_component: !!gd.closest('[data-testid="stBidiComponentRegular"]')}; }""")


def _legend_starts(pg, prefix: str) -> None:
    pg.wait_for_function("""(p) => Array.from(document.querySelector('.js-plotly-plot')
        .querySelectorAll('.annotation-text')).some(a => a.textContent.startsWith(p))""",
                         arg=prefix, timeout=60_000)


def test_metric_changes_keep_the_graph_and_its_map(browser, app):  # noqa: F811
    with watched_page(browser, app) as page:
        page.goto(f"{app}/")
        _wait_map(page, "人才地图 · 全国")
        idle(page)
        _mark(page)
        assert _kept(page)["in_component"], "the map is drawn by the component"
        for label, legend in METRICS:
            page.get_by_role("radio", name=label).click()
            _legend_starts(page, legend)
            idle(page)
            kept = _kept(page)
            assert kept["marked"] and kept["same_map"] and not kept["removed"], (label, kept)
            assert kept["maps"] == kept["before"], (label, kept)  # no extra MapLibre map
        _wait_inset(page)
        # the map is drawn, not blank: its regions are there and its canvas has its size
        drawn = page.evaluate("""() => { const gd = document.querySelector('.js-plotly-plot');
            const r = gd.getBoundingClientRect();
            return {regions: gd.data.filter(t => t.type === 'choroplethmap')
                                    .reduce((n, t) => n + t.locations.length, 0),
                    w: r.width, h: r.height, font: gd._fullLayout.font.family,
                    bg: gd._fullLayout.paper_bgcolor}; }""")
        assert drawn["regions"] >= 34 and drawn["w"] > 400 and drawn["h"] == 560, drawn
        assert "Source Sans" in drawn["font"] and drawn["bg"].upper() == "#FFFFFF", drawn
        _shot(page, "map-component-metrics")
        assert page.errors == [] or all("404" in e for e in page.errors), page.errors


def test_a_click_drills_down_in_the_same_graph(browser, app):  # noqa: F811
    with watched_page(browser, app) as page:
        page.goto(f"{app}/")
        _wait_map(page, "人才地图 · 全国")
        idle(page)
        _mark(page)
        _click_lonlat(page, 118.2, 36.3)  # 山东省
        _wait_map(page, "人才地图 · 山东省")
        _wait_locations(page, "37", 16)
        idle(page)
        assert page.get_by_role("heading", name=re.compile("人才地图 · 山东省")).is_visible()
        assert "region=370000" in page.url
        kept = _kept(page)
        # the drill-down redraws the same graph div and its map (the page's other charts
        # come after it)
        assert kept["marked"] and kept["same_map"] and not kept["removed"], kept
        _shot(page, "map-component-drill")
        _click_lonlat(page, 120.4, 36.2)  # 青岛市
        _wait_map(page, "人才地图 · 青岛市")
        _wait_locations(page, "3702", 10)
        idle(page)
        assert _kept(page)["marked"]
        _shot(page, "map-component-qingdao")
        assert page.errors == [] or all("404" in e for e in page.errors), page.errors


FOREIGN = """() => { window.__foreign = 0;
    const count = () => { window.__foreign += 1; return Promise.reject(new Error('foreign')); };
    window.Plotly = {react: count, newPlot: count, purge: count, Plots: {resize: count}}; }"""


def test_another_plotly_on_the_page_does_not_draw_the_map(browser, app):  # noqa: F811
    """st.plotly_chart's own plotly.js sets window.Plotly when its chunk arrives, on a busy
    machine after the map's first draw; drawing with that second copy built a new MapLibre map
    (CI, under load). Here a foreign window.Plotly is present before the page loads and replaced
    again after the first draw: the map is drawn, and kept across metric changes, by the
    component's own plotly.js, and nothing of it calls the foreign one."""
    with watched_page(browser, app) as page:
        page.add_init_script(f"({FOREIGN})();")
        page.goto(f"{app}/")
        _wait_map(page, "人才地图 · 全国")
        idle(page)
        _mark(page)
        page.evaluate(FOREIGN)
        for label, legend in METRICS[:2]:
            page.get_by_role("radio", name=label).click()
            _legend_starts(page, legend)
            idle(page)
            kept = _kept(page)
            assert kept["marked"] and kept["same_map"] and not kept["removed"], (label, kept)
        page.set_viewport_size({"width": 1200, "height": 1000})  # the resize path too
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__foreign") == 0
        ours = page.evaluate("""() => [window.__talentmapPlotly.version,
                                        typeof window.Plotly.react]""")
        assert ours == [PLOTLY_JS_VERSION, "function"], ours
        assert page.errors == [] or all("404" in e for e in page.errors), page.errors
