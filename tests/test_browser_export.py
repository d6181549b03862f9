"""Browser tests of the exports: a chart downloaded as PNG from its 导出 popover, the 导出 page's
ZIP of the charts visited, and an exported interactive map opened offline.

These run a small test-only app (tests/apps/export_demo.py: one chart through
``views.exporting.chart`` and the 导出 page), so that a download is checked on a known chart. The
``browser`` and ``page`` fixtures come from tests/test_browser.py (importing it fails the run when
CI is set and Chromium is missing, and skips otherwise); ``server`` is overridden here.
"""

from __future__ import annotations

import io
import time
import zipfile

import pandas as pd
import pytest
from PIL import Image

from tests.test_browser import (  # noqa: F401
    ARTIFACTS,
    ROOT,
    browser,
    idle,
    page,
    running_app,
)

pytestmark = pytest.mark.browser
APP = ROOT / "tests" / "apps" / "export_demo.py"


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    return tmp_path_factory.mktemp("app") / "app.duckdb"


@pytest.fixture(scope="module")
def server(demo_db, app_db, tmp_path_factory):
    """The test-only export app on a free port, as an analyst (a role that may export)."""
    with running_app(demo_db, tmp_path_factory.mktemp("st") / "streamlit.log", str(APP),
                     ("--server.enableStaticServing", "false"), TALENTMAP_ROLE="analyst",
                     TALENTMAP_APP_DB_PATH=str(app_db)) as base:
        yield base


def _open_chart_page(pg, base: str) -> None:
    pg.goto(base)
    pg.get_by_role("heading", name="导出测试").wait_for(timeout=60_000)
    pg.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    idle(pg)  # a rerun replaces the download buttons' file ids: a click on a button of the
    # previous run would ask for a file that is gone


def test_chart_downloads_as_png_from_its_popover(page, server, app_db):  # noqa: F811
    _open_chart_page(page, server)
    page.get_by_role("button", name="导出").click()
    page.get_by_text("SVG", exact=True).click()  # choose another format, then PNG again
    page.get_by_role("button", name="下载 SVG").wait_for(timeout=30_000)
    page.get_by_text("PNG", exact=True).click()
    download_button = page.get_by_role("button", name="下载 PNG")
    download_button.wait_for(timeout=30_000)
    idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "export-popover.png"))
    with page.expect_download(timeout=120_000) as info:
        download_button.click()
    download = info.value
    data = download.path().read_bytes()
    (ARTIFACTS / "export-download.png").write_bytes(data)
    assert download.suggested_filename == "测试图表_山东城市人才数量.png"
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert Image.open(io.BytesIO(data)).size[0] == 1200  # the default width at scale 1
    _wait_for_audit(app_db, download.suggested_filename)


def _wait_for_audit(app_db, target: str, timeout: float = 20) -> None:
    """The click is recorded in the audit log (the on_click callback of the rerun)."""
    from access.appdb import audit_rows

    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = audit_rows(app_db)
        if ((rows["action"] == "export") & (rows["target"] == target)).any():
            return
        time.sleep(0.3)
    raise AssertionError(f"no audit row for {target}")


def test_export_page_bundles_the_charts_seen(page, server):  # noqa: F811
    _open_chart_page(page, server)
    page.get_by_role("link", name="导出").click()
    page.get_by_role("heading", name="图表与数据").wait_for(timeout=60_000)
    button = page.get_by_role("button", name="下载 ZIP (1 个图表 × 2 种格式)")
    button.wait_for(timeout=30_000)
    idle(page)
    with page.expect_download(timeout=120_000) as info:
        button.click()
    zf = zipfile.ZipFile(io.BytesIO(info.value.path().read_bytes()))
    names = sorted(zf.namelist())
    assert names == sorted(["总览/测试图表_山东城市人才数量.png", "总览/测试图表_山东城市人才数量.csv",
                            "说明.txt"])
    assert zf.read(names[0] if names[0].endswith(".png") else names[1]).startswith(b"\x89PNG")
    csv_text = zf.read("总览/测试图表_山东城市人才数量.csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "青岛市,1435" in csv_text


def test_exported_map_html_works_offline(browser, tmp_path):  # noqa: F811
    """The interactive HTML of the national map draws with no request leaving the file."""
    from analytics.filters import COUNTRY
    from exports import ExportMeta, charts
    from maps.figures import choropleth
    from maps.geometry import children_geojson, maritime_lines

    geo = children_geojson(COUNTRY)
    values = pd.DataFrame({"adcode": [f["id"] for f in geo["features"]],
                           "name": [f["properties"]["name"] for f in geo["features"]]})
    values["v"] = range(len(values))
    fig = choropleth(values, f"app/static/geojson/{COUNTRY}.json", value_col="v", title="",
                     colorbar_title="人才数量 (人)", maritime=maritime_lines(),
                     center={"lon": 105, "lat": 35}, zoom=2.5)
    target = tmp_path / "map.html"
    target.write_bytes(charts.to_html(fig, ExportMeta(title="全国人才地图")))
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = ctx.new_page()
    foreign = []
    pg.on("request", lambda r: not r.url.startswith(("file:", "data:", "blob:"))
          and foreign.append(r.url))
    pg.goto(target.as_uri())
    pg.wait_for_function(
        """() => { const gd = document.querySelector('.js-plotly-plot');
                   return gd && gd._fullLayout && gd._fullLayout.map
                          && gd._fullLayout.map._subplot.map.loaded(); }""", timeout=60_000)
    drawn = pg.evaluate("""() => document.querySelector('.js-plotly-plot').data
        .filter(t => t.type === 'choroplethmap').map(t => t.locations.length)""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "export-map-html.png"))
    ctx.close()
    assert sum(drawn) == len(geo["features"])
    assert not foreign, foreign[:5]
