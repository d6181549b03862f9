"""海外人才 in Chromium, on the small demo (which writes talent living abroad and moves across
the border): the overseas pool on 人才地图 for 全国 and for 青岛 (figures read off the page equal
the warehouse's, counted here in SQL), 回流/出境 in the 产业链 flows, and the recruiter's
仅海外人才 + 仅愿意流动 + 期望城市 青岛 listing exactly the talents abroad who would come.
Screenshots in tests/artifacts/. (A place abroad has a code 9xxxxx: reference/abroad.py.) Fails, not skips, when CI is set and Chromium is missing."""

from __future__ import annotations

import re

import pytest

from tests import fixtures
from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
    ARTIFACTS,
    browser,
    idle,
    page,
    running_app,
    server,
    watched_page,
)

pytestmark = pytest.mark.browser



def _shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _metric(pg, label: str) -> str:
    card = pg.locator("[data-testid='stMetric']", has_text=label).first
    card.wait_for(timeout=60_000)
    return card.locator("[data-testid='stMetricValue']").inner_text().strip()


@pytest.fixture(scope="module")
def recruiter_server(demo_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("overseas")
    with running_app(demo_db, root / "streamlit.log", TALENTMAP_APP_DB_PATH=str(root / "app.db"),
                     TALENTMAP_ROLE="recruiter") as base:
        yield base


@pytest.fixture
def rpage(browser, recruiter_server):  # noqa: F811
    with watched_page(browser, recruiter_server) as pg:
        yield pg


def _year(db) -> int:
    return fixtures.query(db, "SELECT max(year(observed_on)) FROM talent")[0][0]


def test_overseas_pool_on_the_map_page(page, server, demo_db):  # noqa: F811
    """全国 then 青岛 as an analyst: the pool's totals as the warehouse counts them (people
    abroad in the default year; willing; willing and expecting 青岛)."""
    year = _year(demo_db)
    total, willing = fixtures.query(demo_db, """
        SELECT count(*), count(*) FILTER (WHERE willing_to_relocate) FROM talent
        WHERE adcode LIKE '9%' AND year(observed_on) <= ?""", [year])[0]
    qd = fixtures.query(demo_db, """
        SELECT count(*) FROM talent WHERE adcode LIKE '9%' AND year(observed_on) <= ?
        AND willing_to_relocate AND expected_adcode IN
            (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '370200')""", [year])[0][0]
    assert total > 50 and willing > 20 and qd >= 5  # the demo writes a pool worth showing
    page.set_viewport_size({"width": 1500, "height": 1800})
    page.goto(f"{server}/")
    page.get_by_role("heading", name=re.compile("海外人才 · 归国意愿")).wait_for(timeout=60_000)
    idle(page)
    assert _metric(page, "海外人才") == f"{total:,}"
    assert _metric(page, "愿意回国") == f"{willing:,}"
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
    page.get_by_role("heading", name=re.compile("海外人才")).scroll_into_view_if_needed()
    _shot(page, "overseas_pool_country")
    page.goto(f"{server}/?region=370200")
    page.get_by_role("heading", name=re.compile("海外人才 · 归国意愿")).wait_for(timeout=60_000)
    idle(page)
    assert _metric(page, "期望来青岛市") == f"{qd:,}"
    page.wait_for_timeout(2000)  # the map's shapes arrive after the page's last rerun
    _shot(page, "overseas_pool_qingdao")


def test_moves_across_the_border_in_the_flows(page, server, demo_db):  # noqa: F811
    """全国, the default year: 回流 as mart_moves counts it (moves from a place abroad into
    China at country level); an analyst sees a count below 5 as '<5'."""
    year = fixtures.query(demo_db, "SELECT max(year) FROM mart_moves")[0][0]
    arrivals, departures = fixtures.query(demo_db, """
        SELECT coalesce(sum(moves) FILTER (WHERE to_adcode = '100000'), 0),
               coalesce(sum(moves) FILTER (WHERE from_adcode = '100000'), 0)
        FROM mart_moves WHERE level = 'country' AND year = ?
        AND (from_adcode LIKE '9%' OR to_adcode LIKE '9%')""", [year])[0]
    assert arrivals > 0 and departures > 0  # the demo records moves both ways
    page.set_viewport_size({"width": 1500, "height": 2600})
    page.goto(f"{server}/supply_chain")
    heading = page.get_by_role("heading", name="海外回流与出境")
    heading.wait_for(timeout=90_000)
    idle(page)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"]')",
                           timeout=60_000)

    def shown(n):
        return f"{n:,}" if n >= 5 else "<5"

    assert _metric(page, "回流 (自海外流入)") == shown(arrivals)
    assert _metric(page, "出境 (流向海外)") == shown(departures)
    heading.scroll_into_view_if_needed()
    _shot(page, "overseas_border_flows")


def test_recruiter_lists_talent_abroad_who_would_come(rpage, recruiter_server, demo_db):
    ids = {r[0] for r in fixtures.query(demo_db, """
        SELECT talent_id FROM talent WHERE adcode LIKE '9%' AND willing_to_relocate
        AND expected_adcode IN (SELECT adcode FROM region_ancestor
                                WHERE ancestor_adcode = '370200')""")}
    assert len(ids) >= 5
    rpage.set_viewport_size({"width": 1500, "height": 2200})
    rpage.goto(f"{recruiter_server}/clusters?region=370200&c_abroad=1&c_reloc=1&c_expected=370200")
    label = rpage.get_by_text(re.compile(r"零散人才 · 不在任何集群内 \(\d+ 人\)"))
    label.wait_for(timeout=90_000)
    idle(rpage)
    assert rpage.get_by_role("checkbox", name="仅海外人才").is_checked()
    assert label.inner_text().strip().endswith(f"({len(ids)} 人)")
    _shot(rpage, "overseas_recruiter_filter")
