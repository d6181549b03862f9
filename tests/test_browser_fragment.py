"""The talent map's fragment in Chromium (issue 18): a change of metric reruns the map and its
ranking only (the server's run log records a fragment run, not a page run) and the map shows
the new metric; a click on the map still reruns the whole page (title, trail). Fails, not
skips, when CI is set and Chromium is missing."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
    ARTIFACTS,
    _click_lonlat,
    _wait_inset,
    _wait_map,
    browser,
    idle,
    running_app,
    watched_page,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def logged(demo_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("fragment")
    runs = root / "runs.jsonl"
    with running_app(demo_db, root / "streamlit.log", TALENTMAP_ROLE="analyst",
                     TALENTMAP_RUN_LOG=str(runs)) as base:
        yield base, runs


def _runs(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# The map's legend text, whichever renderer draws it (the SVG map's, or plotly's annotation).
LEGEND = """() => { const svg = document.querySelector('.tm-svgmap .tm-legend');
    if (svg) return svg.textContent;
    const gd = document.querySelector('.js-plotly-plot');
    return gd ? Array.from(gd.querySelectorAll('.annotation-text')).map(a => a.textContent)
        .find(t => t.includes('(')) || '' : ''; }"""
# The 南海诸岛 inset's land (fill) and sea line (line) as drawn, and whether all arrived.
INSET = """() => { const box = document.querySelector('.tm-svgmap .tm-inset');
    if (box) {
        const paths = Array.from(box.querySelectorAll('path'));
        return {loaded: paths.length > 0,
                kinds: paths.map(p => p.getAttribute('fill') === 'none' ? 'line' : 'fill')};
    }
    const m = document.querySelector('.js-plotly-plot')._fullLayout.map2._subplot.map;
    const ids = Object.keys(m.getStyle().sources).filter(s => s.includes('map2'));
    return {loaded: ids.every(s => m.isSourceLoaded(s)),
            kinds: m.getStyle().layers.filter(l => l.id.includes('map2')).map(l => l.type)}; }"""


def _legend(pg) -> str:
    return pg.evaluate(LEGEND)


def test_a_metric_change_reruns_the_map_only(browser, logged):  # noqa: F811
    base, runs = logged
    with watched_page(browser, base) as page:
        page.goto(f"{base}/")
        _wait_map(page, "人才地图 · 全国")
        idle(page)
        before = _runs(runs)
        assert before and all(r["page"] != "talent_map#map" for r in before)
        page.get_by_role("radio", name="每万人人才数").click()
        page.wait_for_function(f"() => ({LEGEND})().startsWith('每万人')", timeout=60_000)
        idle(page)
        new = _runs(runs)[len(before):]
        assert [r["page"] for r in new if r["outcome"] == "ok"] == ["talent_map#map"], new
        assert "每万人" in _legend(page) and "metric=density" in page.url
        # the rest of the page is still there (not rerun, not lost)
        assert page.get_by_role("heading", name=re.compile("人才地图 · 全国")).is_visible()
        assert page.get_by_text("海外人才").first.is_visible()
        # the 南海诸岛 inset's land and sea line, served by URL, drawn in the new figure too
        _wait_inset(page)
        inset = page.evaluate(INSET)
        assert inset["loaded"] and inset["kinds"].count("fill") >= 5 and "line" in inset["kinds"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-metric-fragment.png"), full_page=True)
        # a click on a province: the whole page reruns (the title follows the region)
        _click_lonlat(page, 118.2, 36.3)  # 山东省
        _wait_map(page, "人才地图 · 山东省")
        idle(page)
        after = _runs(runs)[len(before) + len(new):]
        assert any(r["page"] in ("", "talent_map") and r["outcome"] == "ok" for r in after), after
        assert "每万人" in _legend(page), "the metric chosen in the fragment stays"
