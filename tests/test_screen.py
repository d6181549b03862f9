"""大屏 (views/screen.py) in AppTest on the small demo: every scene for every role, the
planner's small-count rule whatever the role, nothing that selects or links to an individual,
the settings' checks, and the rotation's clock (same scene on every screen)."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import streamlit as st

import settings
from tests import fixtures
from views import screen

ROLES = ("planner", "analyst", "recruiter", "admin")
SCENES = settings.SCREEN_SCENES
WIDGETS = ("button", "checkbox", "color_picker", "date_input", "multiselect", "number_input",
           "radio", "selectbox", "select_slider", "slider", "text_area", "text_input",
           "time_input", "toggle", "chat_input")


@pytest.fixture
def open_screen(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")  # no static files written
    st.cache_data.clear()
    st.cache_resource.clear()  # the reader of another test's warehouse must not be reused

    def make(role: str, scene: str, **query):
        monkeypatch.setenv("TALENTMAP_ROLE", role)
        return fixtures.open_app(None, {"mode": "screen", "scene": scene, **query}, timeout=120)
    return make


def stage_html(at) -> str:
    return "\n".join(m.value for m in at.markdown if "scr" in m.value)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scene", SCENES)
def test_every_scene_renders_for_every_role(open_screen, role, scene):
    at = open_screen(role, scene)  # open_app fails on any exception
    html = stage_html(at)
    assert "scr-head" in html and screen.sh.SCENE_TITLES[scene] in html
    assert not at.error and not at.warning
    assert not at.get("sidebar") or not at.sidebar.children  # nothing drawn in the sidebar
    # Nothing to click: no widget, no selectable chart, no link.
    for kind in WIDGETS:
        assert not at.get(kind), (scene, kind)
    for chart in at.get("plotly_chart"):
        assert not list(chart.proto.selection_mode), scene
        assert json.loads(chart.proto.config)["staticPlot"] is True
    assert "<a " not in html and "href" not in html


def _moves(db, origin: str, home: str, years: tuple[int, int]) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(
            "SELECT coalesce(sum(moves), 0) FROM mart_moves WHERE level = 'city' "
            "AND from_adcode = ? AND to_adcode = ? AND year BETWEEN ? AND ?",
            [origin, home, *years]).fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("role", ["admin", "recruiter"])
def test_small_counts_read_less_than_k_even_for_admin(open_screen, demo_db, role):
    """南京 → 青岛 over 2021–2024 is 4 moves on the demo (counted here from the mart): the
    screen writes '<5' in 南京市's row, for an admin too."""
    n = _moves(demo_db, "320100", "370200", (2021, 2024))
    assert 0 < n < 5
    html = stage_html(open_screen(role, "inflow"))
    row = re.search(r"南京市</div>.*?scr-num[^>]*>([^<]*)<", html)
    assert row and row.group(1) == "&lt;5", row and row.group(1)
    shown = {m.group(1) for m in re.finditer(r"scr-num[^>]*>([^<]*)<", html)}
    assert "&lt;5" in shown and str(n) not in shown


def test_the_overseas_pool_withholds_a_small_country_for_admin(open_screen, demo_db):
    html = stage_html(open_screen("admin", "overseas"))
    row = re.search(r"韩国</div>.*?scr-num[^>]*>([^<]*)<", html)
    assert row and row.group(1) == "&lt;5"


def test_k_follows_the_small_count_setting(open_screen, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "10")
    html = stage_html(open_screen("admin", "inflow"))
    assert "&lt;10" in html and "&lt;5" not in html


def test_home_region_and_scene_order_come_from_settings(open_screen, monkeypatch):
    monkeypatch.setenv("TALENTMAP_SCREEN_SCENES", "kpis,chain")
    monkeypatch.setenv("TALENTMAP_HOME_REGION", "370212")  # 崂山区
    at = open_screen("planner", "kpis")
    html = stage_html(at)
    assert "崂山区 · AI 产业人才" in html
    assert len(re.findall(r'class="scr-dot( on)?"', html)) == 2


def test_the_page_url_opens_the_screen_too(demo_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(demo_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    at = fixtures.open_app("views/screen.py", timeout=120)
    html = stage_html(at)
    assert "scr-head" in html and any(t in html for t in screen.sh.SCENE_TITLES.values())
    assert not at.sidebar.children  # the sidebar's filters are not drawn


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("screen_scenes", "kpis,bogus", "TALENTMAP_SCREEN_SCENES='kpis,bogus': 格式不对, 应为 scene ids "
                                    "separated by commas: inflow, city, kpis, chain, gaps, overseas"),
    ("screen_scenes", "", "TALENTMAP_SCREEN_SCENES='': 格式不对"),
    ("screen_seconds", "4", "TALENTMAP_SCREEN_SECONDS='4': 超出范围, 应为 integer 5–600"),
    ("screen_seconds", "601", "TALENTMAP_SCREEN_SECONDS='601': 超出范围, 应为 integer 5–600"),
    ("screen_seconds", "fast", "TALENTMAP_SCREEN_SECONDS='fast': 应为 integer 5–600"),
])
def test_bad_screen_settings_stop_with_a_clear_message(monkeypatch, name, raw, message):
    monkeypatch.setenv(f"TALENTMAP_{name.upper()}", raw)
    with pytest.raises(settings.SettingError) as err:
        settings.get(name)
    assert str(err.value).startswith(message)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(fixtures.DASHBOARD, default_timeout=60)
    at.query_params["mode"] = "screen"
    at.run()
    assert [e.value for e in at.error] == ["设置有误, 请修正下列环境变量后重新启动。"]
    assert any(c.value.startswith(message) for c in at.code)


def test_good_screen_settings(monkeypatch):
    monkeypatch.setenv("TALENTMAP_SCREEN_SCENES", " chain , kpis ")
    monkeypatch.setenv("TALENTMAP_SCREEN_SECONDS", "5")
    assert screen.scene_order() == ("chain", "kpis") and screen.seconds() == 5


def test_two_screens_show_the_same_scene_and_change_on_the_beat():
    order = SCENES
    t = 1_700_000_000.0 - 1_700_000_000.0 % 20  # a boundary of 20-s periods
    a = screen.scene_at(t + 3.0, 20, order)
    b = screen.scene_at(t + 17.5, 20, order)  # another screen, later in the same period
    assert a == b
    nxt = screen.scene_at(t + 20.2, 20, order)
    assert nxt[0] == (a[0] + 1) % len(order)
    assert screen.scene_at(t + 19.5, 20, order) == nxt  # a tick firing just early
    assert screen.scene_at(t + 3.0, 20, order, pinned="chain") == (order.index("chain"), "chain")


def test_the_timer_lands_on_the_beat():
    t = 1_700_000_000.0 - 1_700_000_000.0 % 20
    assert screen.timer(t + 0.2, 20) == 20.0           # just past a boundary: the period
    assert screen.timer(t + 7.0, 20) == pytest.approx(13.0)  # the rest of the period
    assert screen.timer(t + 19.8, 20) == pytest.approx(20.2)  # too close: the one after
    assert not screen.off_beat(t + 1.5, 20) and screen.off_beat(t + 5.0, 20)


def test_without_the_pipeline_module_the_gaps_scene_says_so(open_screen, monkeypatch):
    import sys

    import access

    monkeypatch.setitem(sys.modules, "access.targets", None)  # import fails
    monkeypatch.delattr(access, "targets", raising=False)
    from analytics import screen as scr

    assert scr.target_counts("/nonexistent/app.duckdb", "370200") is None
    html = stage_html(open_screen("planner", "gaps"))
    assert "招引跟踪模块未启用" in html and "差距最大的环节" in html


def test_the_gaps_scene_counts_targets_by_stage(open_screen, tmp_path):
    """Two targets on the demo's largest gap (AI芯片, F01) at 线索: the gaps scene counts them
    by stage (counts only: no target's name on the screen)."""
    tg = pytest.importorskip("access.targets")
    app_db = tmp_path / "app.duckdb"  # the fixture's app database
    for key, name in (("110100", "北京 AI芯片人才池"), ("310100", "上海 AI芯片人才池")):
        tg.create(app_db, "测试", "planner", region="370200", node="F01", kind="talent_pool",
                  entry_key=key, entry_name=name)
    html = stage_html(open_screen("planner", "gaps"))
    assert "本地区在跟踪的目标共 2 个" in html
    row = re.search(r"AI芯片</td>(.*?)</tr>", html)
    assert row and re.findall(r">(\d+)</td>", row.group(1))[0] == "2"
    assert "人才池" not in html
