"""产才对接 in Chromium: a recruiter on the hand-made warehouse of test_matching opens the page
(崂山区, its gap nodes by default), sees 甲公司's invitation list first, downloads the XLSX (read
back: 甲一 first with 98) and the printable agenda. Screenshot in tests/artifacts/. Fails, not
skips, when CI is set and Chromium is missing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.test_browser import ARTIFACTS, browser, running_app, watched_page  # noqa: F401
from tests.test_matching import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def match_server(world, tmp_path_factory):  # noqa: F811
    reader, _ = world
    root = tmp_path_factory.mktemp("match_app")
    with running_app(reader.path, root / "streamlit.log", TALENTMAP_ROLE="recruiter",
                     TALENTMAP_APP_DB_PATH=str(root / "app.duckdb"),
                     TALENTMAP_HOME_REGION="370212") as base_url:
        yield base_url


def test_invitation_lists_and_downloads(browser, match_server):  # noqa: F811
    with watched_page(browser, match_server, accept_downloads=True) as pg:
        pg.set_viewport_size({"width": 1500, "height": 1300})
        pg.goto(f"{match_server}/matching")
        pg.get_by_role("heading", name="产才对接 · 崂山区").wait_for(timeout=90_000)
        first = pg.get_by_text("甲公司 · 3 人 · 最高匹配分 98")
        first.wait_for(timeout=60_000)
        first.click()
        pg.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "matching-page.png"), full_page=True)
        with pg.expect_download(timeout=60_000) as info:
            pg.get_by_role("button", name="下载邀请名单 XLSX").click()
        ws = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
        rows = [r for r in ws.iter_rows(values_only=True) if r and r[0] in ("甲公司", "乙公司")]
        assert [(r[0], r[1], r[3], r[8]) for r in rows][:2] == [("甲公司", 1, "甲**", 98),
                                                              ("甲公司", 2, "丙**", 67.3)]
        with pg.expect_download(timeout=60_000) as info:
            pg.get_by_role("button", name="下载企业日程 (可打印)").click()
        page = info.value.path().read_text(encoding="utf-8")
        assert page.count("<section>") == 2 and "崂山区产才对接会 · 甲公司" in page
