"""Hostile text in a real browser: names, sources and URL params carrying HTML/JS, Markdown and
SQL must show as text — no dialog opens, no injected script runs, no query breaks."""

from __future__ import annotations

import shutil

import pytest

from etl.load import load_files
from etl.normalize.credit_code import make_credit_code
from tests.fixtures import write_csv
from tests.test_browser import CHROMIUM, FLAGS, _shot, idle, running_app

pytestmark = pytest.mark.browser

PWN = "window.__pwned = 1"
NAMES = [f'<img src=x onerror="{PWN}">科技有限公司', f"<script>{PWN}</script>智能公司",
         "**粗体** [链接](javascript:alert(1)) 公司", "'; DROP TABLE enterprise; -- 公司",
         '=HYPERLINK("http://example.invalid","点我")']


@pytest.fixture(scope="module")
def hostile_server(loaded_db, tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    db = d / "warehouse.duckdb"
    shutil.copyfile(loaded_db, db)
    rows = [[make_credit_code(f"91370212MA3X{i:04d}0"), name, "青岛市崂山区", "虚拟现实",
             "否", "是" if i == 0 else "否"] for i, name in enumerate(NAMES)]
    f = write_csv(d / "hostile.csv", ["统一社会信用代码", "企业名称", "注册地址", "经营范围",
                                      "是否上市", "链主企业"], rows)
    assert load_files([f], db_path=db, source=f'<img src=x onerror="{PWN}">').ok
    with running_app(db, d / "streamlit.log", TALENTMAP_ROLE="admin",
                     TALENTMAP_SMALL_CELL_K="1") as base:
        yield base


@pytest.mark.parametrize("path", [
    "/?region=370212",
    "/supply_chain?region=370212",
    "/data",
    "/clusters?region=370212",
    "/?region=%27%3B%20DROP%20TABLE%20talent%3B--&nodes=%3Cscript%3E",
    "/overview?region=..%2F..%2Fetc%2Fpasswd",
])
def test_nothing_hostile_runs(hostile_server, path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(hostile_server + path)
        idle(page)
        page.wait_for_timeout(2500)  # time for an injected script to run
        pwned = page.evaluate("() => window.__pwned === 1")
        exceptions = page.locator("[data-testid='stException']").count()
        text = page.inner_text("body")
        _shot(page, "hostile-" + path.strip("/").split("?")[0].replace("/", "_") or "map")
        browser.close()
    assert not dialogs and not pwned, "injected script ran"
    assert exceptions == 0, "a query broke"
    if path.startswith("/?region=370212"):
        assert "崂山区" in text
