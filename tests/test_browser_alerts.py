"""风险预警 in Chromium: a recruiter on the planted warehouse of test_alerts_page (an outflow
spike and a deregistered chain leader in 崂山区) sees the navigation badge 风险预警 (2), both alerts
in the table, and the link of one opens 产业链 with the region and the node picked. Screenshots
in tests/artifacts/. Fails, not skips, when CI is set and Chromium is missing."""

from __future__ import annotations

import re

import pytest

from tests.test_alerts import base  # noqa: F401 - the fixture
from tests.test_alerts_page import planted  # noqa: F401 - the fixture
from tests.test_browser import ARTIFACTS, browser, idle, running_app, watched_page  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def alerts_server(planted, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("alerts_app")
    with running_app(planted, root / "streamlit.log", TALENTMAP_ROLE="recruiter",
                     TALENTMAP_APP_DB_PATH=str(root / "app.duckdb"),
                     TALENTMAP_HOME_REGION="370212", TALENTMAP_LQ_MIN_BASE="5") as base_url:
        yield base_url


def test_the_alerts_page_lists_them_and_links_to_the_node(browser, alerts_server):  # noqa: F811
    with watched_page(browser, alerts_server) as pg:
        pg.set_viewport_size({"width": 1500, "height": 1100})
        pg.goto(f"{alerts_server}/alerts")
        pg.get_by_role("heading", name="风险预警").wait_for(timeout=90_000)
        idle(pg)
        nav = pg.locator("[data-testid='stSidebarNav']")
        assert nav.get_by_text(re.compile(r"^风险预警 \(2\)$")).count() == 1
        assert pg.locator("[data-testid='stMetric']", has_text="显示的预警") \
            .locator("[data-testid='stMetricValue']").inner_text() == "2"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "alerts-page.png"), full_page=True)
        pg.goto(f"{alerts_server}/supply_chain?region=370212&node=T14")
        pg.get_by_role("heading", name=re.compile("产业链 · 崂山区")).wait_for(timeout=90_000)
        idle(pg)
        picked = pg.locator("[data-testid='stSelectbox']", has_text="选择环节").locator("input")
        assert picked.input_value().startswith("虚拟现实/增强现实")
        pg.screenshot(path=str(ARTIFACTS / "alerts-link-node.png"))
