"""The recruiter's flow in Chromium: switch role in the 设置 expander, filter talent (skill
"全景VR", at least 5 years, willing to relocate, expected city 青岛), pick a cluster, tick rows,
download the shortlist and read it; click a row to open a profile, reveal the contact details
with a reason, go back (the button, and the browser's back) and find every filter as it was;
the second download carries the revealed contact, audited.

The server runs on a copy of the small demo with a few extra talents loaded through the ETL;
only they have the skill 全景VR, so the result is known. Fails, not skips, when CI is set and
Chromium is missing (the import below does that).
"""

from __future__ import annotations

import re
import shutil

import pytest

from access import appdb
from etl.load import load_files
from tests import fixtures
from tests.test_browser import (  # noqa: F401 - fixtures and the CI rule
    ARTIFACTS,
    FLAGS,
    ROOT,
    _free_port,
    browser,
    idle,
    page,
    running_app,
    server,
    watched_page,
)

pytestmark = pytest.mark.browser


def _talent(code, name, phone, place, exp, tier, skills, employer="", willing="是",
            expected="青岛"):
    skills = "全景VR、" + skills  # a skill of these talents alone
    return [code, name, phone, f"{code.lower()}@example.com", place, "1990", "硕士", "山东大学",
            "计算机", exp, tier, skills, "VR开发工程师", employer, "", "否", "", willing, expected,
            "2024-06-30"]


# 青岛: 崂山 2, 市南 1, 市北 1, 李沧 1 → one cluster of 5 (eps 25 km, at least 5 talents);
# 深圳 1 is scattered; V7 (3 years) and V8 (not willing to move) do not match.
EXTRA = [
    _talent("V1", "林一", "13912340001", "青岛市崂山区", "8年", "B", "VR、Unity",
            employer='=HYPERLINK("http://x.invalid","点我")'),
    _talent("V2", "林二", "13912340002", "青岛市崂山区", "6年", "", "VR"),
    _talent("V3", "林三", "13912340003", "青岛市市南区", "10年", "D", "VR、三维引擎"),
    _talent("V4", "林四", "13912340004", "青岛市市北区", "7年", "", "VR头显、Unity"),
    _talent("V5", "林五", "13912340005", "深圳市南山区", "9年", "", "VR"),
    _talent("V6", "林六", "13912340006", "青岛市李沧区", "5年", "", "VR"),
    _talent("V7", "林七", "13912340007", "青岛市崂山区", "3年", "", "VR"),
    _talent("V8", "林八", "13912340008", "青岛市崂山区", "8年", "", "VR", willing="否"),
]


@pytest.fixture(scope="module")
def recruiter_server(demo_db, tmp_path_factory):
    """A server on the demo plus EXTRA, role switch allowed, its own audit database."""
    root = tmp_path_factory.mktemp("recruiter")
    db = root / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    extra = fixtures.write_csv(root / "extra_talents.csv", fixtures.TALENT_HEADER, EXTRA)
    assert load_files([extra], db_path=db, source="extra").ok
    app_db = root / "app.duckdb"
    with running_app(db, root / "streamlit.log", TALENTMAP_APP_DB_PATH=str(app_db),
                     TALENTMAP_ROLE="planner", TALENTMAP_ALLOW_ROLE_SWITCH="true") as base:
        yield base, app_db


@pytest.fixture
def rpage(browser, recruiter_server):  # noqa: F811
    with watched_page(browser, recruiter_server[0], accept_downloads=True) as pg:
        yield pg


def _shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _switch_role(pg, label: str) -> None:
    sidebar = pg.locator("section[data-testid='stSidebar']")
    box = sidebar.locator("[data-testid='stSelectbox']", has_text="角色")
    sidebar.get_by_text("设置", exact=True).click()
    box.wait_for(state="visible", timeout=30_000)
    option = pg.get_by_role("option", name=label)
    for _ in range(3):  # the list can close again when a rerun lands at the same moment
        box.locator("input").click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try again
            idle(pg)
    option.click()
    idle(pg)


def _type(pg, label: str, text: str) -> None:
    box = pg.get_by_label(label)
    box.fill(text)
    box.press("Enter")
    idle(pg)


def _experience_from(pg, years: int) -> None:
    """Move the experience slider's lower thumb with the keyboard (one year per key)."""
    slider = pg.locator("[data-testid='stSlider']", has_text="工作年限 (年)")
    slider.get_by_role("slider").first.focus()
    for _ in range(years):
        pg.keyboard.press("ArrowRight")
    idle(pg)


def _settled_box(pg, grid) -> dict:
    """The grid's box once the page has stopped moving: the app idle and the box the same on
    two looks 200 ms apart (a rerun that lands late can shift or redraw the grid)."""
    idle(pg)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for _ in range(10):
        pg.wait_for_timeout(200)
        again = grid.bounding_box()
        if again == box:
            break
        box = again
    return box


def _click_until(pg, grid, x: int, row: int, done, before=None) -> None:
    """Click a grid cell until ``done`` (a locator) shows, up to 3 times; a click is repeated
    only while ``before`` (the state the click changes, when given) still shows, so a late
    rerun cannot make a tick box toggle twice."""
    for attempt in range(3):
        box = _settled_box(pg, grid)
        grid.hover()
        pg.mouse.click(box["x"] + x, box["y"] + 35 + 35 * row + 17)
        try:
            done.wait_for(timeout=20_000 if attempt < 2 else 60_000)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: look, maybe again
            idle(pg)
            if done.count():
                return
            if before is not None and not before.count():
                raise
    done.wait_for(timeout=1)  # the last try's error


def _tick_rows(pg, grid, rows: list[int], shortlist_after: list[int]) -> None:
    """Tick rows in the glide data grid (a canvas): the row markers are its first column."""
    for row, expected in zip(rows, shortlist_after, strict=True):
        heading = pg.get_by_role("heading", name=re.compile(r"^候选名单 \(\d+\)$"))
        before = pg.get_by_role("heading", name=heading.first.inner_text(), exact=True) \
            if heading.count() else None
        _click_until(pg, grid, 20, row,
                     pg.get_by_role("heading", name=f"候选名单 ({expected})"), before)
        idle(pg)


def test_recruiter_filters_picks_a_cluster_and_exports_a_shortlist(rpage, recruiter_server):
    base, app_db = recruiter_server
    pg = rpage
    pg.goto(f"{base}/clusters")
    pg.get_by_role("heading", name=re.compile("人才集群 · 全国")).wait_for(timeout=60_000)
    idle(pg)
    _switch_role(pg, "招聘 (recruiter)")
    _type(pg, "技能 (多个用逗号分隔)", "全景VR")
    _experience_from(pg, 5)
    pg.get_by_text("仅愿意流动").click()
    idle(pg)
    _type(pg, "期望城市", "青岛")
    summary = pg.get_by_text(re.compile("符合条件的人才"))
    summary.wait_for(timeout=30_000)
    pg.wait_for_function("""() => [...document.querySelectorAll('p')].some(p =>
        p.innerText.includes('符合条件的人才: 6 · 集群数: 1 · 零散 (不属于任何集群): 1'))""",
                         timeout=30_000)
    _shot(pg, "recruiter-clusters")
    pg.get_by_role("button", name="查看此集群").first.click()
    idle(pg)
    pg.get_by_role("heading", name=re.compile("集群人才 · #1 青岛市")).wait_for()
    grid = pg.locator("[data-testid='stDataFrame']").first
    _tick_rows(pg, grid, [0, 1], [1, 2])
    _shot(pg, "recruiter-shortlist")
    with pg.expect_download() as info:
        pg.get_by_role("button", name="下载 CSV").first.click()
    download = info.value
    assert download.suggested_filename == "人才候选名单.csv"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "# 筛选条件: 地区: 全国"
    assert lines[2] == "# 筛选条件: 技能: 全景VR (匹配 全景VR)"
    assert lines[3:6] == ["# 筛选条件: 工作年限: 5–不限 年", "# 筛选条件: 愿意流动: 是",
                          "# 筛选条件: 期望城市: 青岛市"]
    assert lines[6].startswith("# 导出: ") and "本地用户 (recruiter)" in lines[6]
    assert lines[7].startswith("人才编号,产业链环节,人才层次")
    body = lines[8:]
    assert len(body) == 2
    # tier B (林一) then tier D (林三); contacts masked; the formula neutralised
    assert body[0].endswith(",林**,139****0001,v***@example.com,#1 青岛市崂山区 等 4 地 · "
                            "虚拟现实/增强现实")
    assert "\"'=HYPERLINK(\"\"http://x.invalid\"\",\"\"点我\"\")\"" in body[0]
    assert ",D,硕士,山东大学,10.0,全景VR、VR、三维引擎," in body[1]
    assert "13912340001" not in data.decode("utf-8-sig")
    idle(pg)
    rows = appdb.audit_rows(app_db)
    assert rows[["user", "role", "action", "target"]].values.tolist()[0] == \
        ["本地用户", "recruiter", "export", "人才候选名单.csv"]

    # the browser's back from a profile: the cluster page as it was
    _open_row(pg, grid, 1)  # 林三
    pg.go_back()
    _filters_kept(pg, "recruiter-back-browser")

    # click 林一's row: the profile; reveal the contact details with a reason; back (button)
    _open_row(pg, grid, 0)
    assert "talent=T" in pg.url
    pg.get_by_role("heading", name=re.compile("青岛市崂山区")).wait_for(timeout=30_000)
    idle(pg)
    pg.get_by_label("查看理由 (将记入审计日志)").fill("电话邀约参加崂山人才洽谈会")
    pg.get_by_role("button", name="查看联系方式").click()
    pg.get_by_text("13912340001").wait_for(timeout=30_000)
    idle(pg)
    _shot(pg, "recruiter-profile")
    _shot_at(pg, pg.get_by_text("相似人才 (同环节, 共同技能最多)"), "recruiter-profile-tables")
    unmask = appdb.audit_rows(app_db).iloc[0]
    assert (unmask["action"], unmask["reason"]) == ("unmask", "电话邀约参加崂山人才洽谈会")
    assert pg.locator(".js-plotly-plot").count() >= 1
    pg.get_by_role("button", name="← 返回人才集群").click()
    _filters_kept(pg, "recruiter-back")
    pg.get_by_text("零散人才 · 不在任何集群内 (1 人)").click()  # 林五 in 深圳
    idle(pg)
    _shot_at(pg, pg.get_by_role("heading", name="候选名单 (2)"), "recruiter-back-shortlist")

    # the revealed contact is in the export (and audited on its own); the other stays masked
    with pg.expect_download() as info:
        pg.get_by_role("button", name="下载 CSV").first.click()
    text = open(info.value.path(), "rb").read().decode("utf-8-sig")
    assert ",林一,13912340001,v1@example.com," in text and ",林**,139****0003," in text
    idle(pg)
    rows = appdb.audit_rows(app_db)  # newest first
    assert rows[["action", "target", "reason"]].values.tolist()[:2] == [
        ["export", unmask["target"], "电话邀约参加崂山人才洽谈会"],
        ["export", "人才候选名单.csv", None]]

    # save the view: its link (this page with every filter) is shown to share
    sidebar = pg.locator("section[data-testid='stSidebar']")
    sidebar.get_by_text("已保存的视图", exact=True).click()
    name = sidebar.get_by_label("名称", exact=True)
    name.fill("崂山全景VR")
    name.press("Enter")
    idle(pg)
    sidebar.get_by_role("button", name="保存当前视图").click()
    idle(pg)
    link = sidebar.locator("[data-testid='stCode']").inner_text().strip()
    assert link.startswith(f"{base}/clusters?") and "c_skills=%E5%85%A8%E6%99%AFVR" in link
    _shot_at(pg, sidebar.get_by_role("button", name="崂山全景VR"), "recruiter-saved-view")


def _shot_at(pg, locator, name: str) -> None:
    """A screenshot of the viewport with ``locator`` scrolled to the top third (Streamlit's
    page scrolls inside a container, so full_page shows only the viewport)."""
    locator.scroll_into_view_if_needed()
    pg.mouse.wheel(0, 250)
    pg.wait_for_timeout(400)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _open_row(pg, grid, row: int) -> None:
    """Click a data cell of a row (not its tick box): the talent's profile opens."""
    _click_until(pg, grid, 180, row, pg.get_by_role("heading", name="人才档案"))
    idle(pg)


def _filters_kept(pg, shot: str) -> None:
    """Back on the cluster page: the filters, the URL, the cluster and the shortlist as they were."""
    pg.get_by_role("heading", name="候选名单 (2)").wait_for(timeout=60_000)
    idle(pg)
    assert pg.get_by_label("技能 (多个用逗号分隔)").input_value() == "全景VR"
    assert pg.get_by_label("期望城市").input_value() == "青岛"
    assert pg.get_by_role("checkbox", name="仅愿意流动").is_checked()
    slider = pg.locator("[data-testid='stSlider']", has_text="工作年限 (年)")
    assert slider.locator("[data-testid='stSliderThumbValue']").first.inner_text() == "5"
    assert "c_skills=" in pg.url and "c_exp_min=5" in pg.url and "c_reloc=1" in pg.url
    assert "talent=" not in pg.url
    pg.get_by_text(re.compile("符合条件的人才: 6 · 集群数: 1")).wait_for(timeout=30_000)
    pg.get_by_role("heading", name=re.compile("集群人才 · #1 青岛市")).wait_for()
    _shot(pg, shot)


def test_tables_have_no_built_in_download_or_copy(rpage, recruiter_server):
    """A planner's ranking table: the toolbar shows no 'Download as CSV' (client.
    disableDataExport); exports go through the audited path of export roles only."""
    pg = rpage
    pg.goto(f"{recruiter_server[0]}/")
    pg.get_by_role("heading", name=re.compile("人才地图 · 全国")).wait_for(timeout=60_000)
    idle(pg)
    table = pg.locator("[data-testid='stDataFrame']").first
    table.wait_for(timeout=30_000)
    table.hover()
    toolbar = pg.locator("[data-testid='stElementToolbar']").first
    toolbar.wait_for(state="attached", timeout=10_000)
    labels = [b.get_attribute("aria-label") or b.inner_text()
              for b in pg.locator("[data-testid='stElementToolbarButton'] button").all()]
    assert labels, "the toolbar is there (search, fullscreen)"
    assert not [x for x in labels if "Download" in x or "下载" in x], labels
    _shot(pg, "planner-table-toolbar")
