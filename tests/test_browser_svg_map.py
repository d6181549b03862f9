"""The talent map drawn as SVG in Chromium (views/svg_map.py, the default map_renderer; issue 18):
the national map in its classes with its legend, the 南海诸岛 inset and the maritime line, no
plotly map and no MapLibre; a hover names the region once; clicks drill down in the same element;
a metric change recolours it and keeps the reader's zoom; no page error. Fails, not skips, when
CI is set and Chromium is missing."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
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


@pytest.fixture(scope="module")
def app(demo_db, tmp_path_factory):
    log = tmp_path_factory.mktemp("svg_map") / "streamlit.log"
    with running_app(demo_db, log, TALENTMAP_ROLE="analyst") as base:  # the default renderer
        yield base


FACTS = """() => { const root = document.querySelector('.tm-svgmap');
    const svg = root.querySelector('svg.tm-main'), r = svg.getBoundingClientRect();
    const regions = Array.from(svg.querySelectorAll('path[data-loc]'));
    return {regions: regions.length, fills: new Set(regions.map(p => p.getAttribute('fill'))).size,
            lines: svg.querySelectorAll('path[fill="none"]').length,
            inset: root.querySelectorAll('.tm-inset path').length,
            caption: (root.querySelector('.tm-caption') || {}).textContent || '',
            legend: root.querySelector('.tm-legend').textContent,
            w: r.width, h: r.height, viewBox: svg.getAttribute('viewBox'),
            plotly_maps: document.querySelectorAll('.maplibregl-map').length,
            marked: root.__mark === 1}; }"""


def _facts(pg) -> dict:
    return pg.evaluate(FACTS)


def _mark(pg) -> None:
    pg.evaluate("() => { document.querySelector('.tm-svgmap').__mark = 1; }")


def _open_marked(pg, base: str) -> None:
    """The national map drawn, its element marked to find it again after reruns."""
    pg.goto(f"{base}/")
    _wait_map(pg, "人才地图 · 全国")
    idle(pg)
    _mark(pg)


def _drill(pg, lon: float, lat: float, title: str, prefix: str, count: int) -> None:
    """Click the map at (lon, lat); until the page and the map show that region's children."""
    _click_lonlat(pg, lon, lat)
    _wait_map(pg, title)
    _wait_locations(pg, prefix, count)
    idle(pg)


def _inked(png: bytes) -> float:
    """The share of the picture that is not (near) white."""
    img = Image.open(io.BytesIO(png)).convert("L")
    hist = img.histogram()
    return sum(hist[:235]) / sum(hist)


def test_the_national_map_in_classes_with_legend_inset_and_sea_line(browser, app):  # noqa: F811
    with watched_page(browser, app) as page:
        page.goto(f"{app}/")
        _wait_map(page, "人才地图 · 全国")
        _wait_inset(page)
        idle(page)
        f = _facts(page)
        assert f["regions"] == 34, f
        assert f["fills"] >= 4, f  # the classes and any kind of withheld figure
        assert f["lines"] >= 1 and f["inset"] >= 3 and f["caption"] == "南海诸岛", f
        assert f["legend"].startswith("人才数量 (人)"), f
        assert f["w"] > 400 and f["h"] == 560 - 8 - 64, f
        assert f["plotly_maps"] == 0, "no MapLibre map on the page"
        shot = page.locator(".tm-svgmap").screenshot()
        assert _inked(shot) > 0.2, "the map is drawn, not blank"
        # the overseas pool beside it is SVG bars: the landing page loads no plotly.js
        bars = page.locator(".tm-bars[data-drawn]")
        bars.wait_for(timeout=60_000)
        bars.scroll_into_view_if_needed()
        n = page.locator(".tm-bars rect.tm-bar").count()
        assert n >= 9, n  # countries × (海外人才, 愿意回国, 期望回国内)
        assert _inked(bars.screenshot()) > 0.05, "the bars are drawn"
        assert page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length") == 0
        assert page.evaluate("() => typeof window.Plotly") == "undefined", "no plotly.js"
        _shot(page, "svg-map-national")


def test_hover_names_the_region_once_and_clicks_drill_down_in_place(browser, app):  # noqa: F811
    with watched_page(browser, app) as page:
        _open_marked(page, app)
        page.locator(".tm-svgmap path[data-loc='370000']").hover()
        tip = page.locator(".tm-svgmap .tm-tip")
        tip.wait_for(state="visible", timeout=10_000)
        text = tip.inner_text()
        assert text.count("山东省") == 1 and text.count("人才数量") == 1, text
        _drill(page, 118.2, 36.3, "人才地图 · 山东省", "37", 16)  # 山东省
        assert "region=370000" in page.url
        f = _facts(page)
        assert f["marked"], "the same element, redrawn"
        assert f["inset"] == 0 and not tip.is_visible(), f
        _drill(page, 120.4, 36.2, "人才地图 · 青岛市", "3702", 10)  # 青岛市
        assert _facts(page)["marked"]
        assert page.get_by_role("heading", name=re.compile("人才地图 · 青岛市")).is_visible()
        _shot(page, "svg-map-qingdao")


def test_a_metric_change_recolours_the_same_map_and_keeps_the_zoom(browser, app):  # noqa: F811
    with watched_page(browser, app) as page:
        _open_marked(page, app)
        home = _facts(page)["viewBox"]
        box = page.locator(".tm-svgmap svg.tm-main").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.5)
        page.mouse.wheel(0, -400)
        page.wait_for_function("(v) => document.querySelector('.tm-svgmap svg.tm-main')"
                               ".getAttribute('viewBox') !== v", arg=home, timeout=10_000)
        zoomed = _facts(page)["viewBox"]
        assert float(zoomed.split()[2]) < float(home.split()[2]), (home, zoomed)
        page.get_by_role("radio", name="占全国比重").click()
        page.wait_for_function("() => document.querySelector('.tm-svgmap .tm-legend')"
                               ".textContent.startsWith('占全国')", timeout=60_000)
        idle(page)
        f = _facts(page)
        assert f["marked"] and f["regions"] == 34 and f["viewBox"] == zoomed, f
        page.locator(".tm-svgmap svg.tm-main").dblclick(position={"x": 5, "y": 5})
        page.wait_for_function("(v) => document.querySelector('.tm-svgmap svg.tm-main')"
                               ".getAttribute('viewBox') === v", arg=home, timeout=10_000)
        _shot(page, "svg-map-share")
