"""大屏: the map for a summit screen and a leader's briefing (issue 21; docs/screen.md).

Opened at ``/screen`` or with ``?mode=screen`` on any URL (dashboard.py). A 16:9 stage of
1920×1080 design pixels, scaled to the screen, dark, without sidebar, header or widgets; scenes
of the home region (setting ``home_region``) rotate every ``screen_seconds`` in the order of
``screen_scenes``. ``?scene=<id>`` holds one scene (a briefing on one subject).

- **Same scene on every screen**: the scene is the time's (``scene_at``: whole periods since the
  epoch), and the rotation's timer (``st.fragment(run_every=…)``) is kept on the periods'
  boundaries: a full run sets the timer to the next boundary, the first tick resets it to the
  period, and a tick that has drifted more than ``DRIFT`` s off the beat starts over.
- **A new version without a reload**: each rotation reads ``state.version()``; the cached
  queries are keyed by it.
- **Aggregates only**: every count with the planner's k (``screen_k``), whatever the role;
  nothing is clickable (static plots, no selection, no links).
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import settings
from analytics import disclosure
from analytics import screen as scr
from analytics.filters import COUNTRY, Filters
from figures import screen as maps
from figures import screen_html as sh
from views import state

STAGE_KEY = "screen_stage"
LEAD = 1.0    # s: a scene is drawn up to this early (a tick that fires just before its beat)
DRIFT = 2.0   # s: a tick further than this off the beat realigns the timer
STATIC = {"staticPlot": True, "displayModeBar": False, "scrollZoom": False}
BODY_H = sh.H - sh.HEAD_H - 20 - 36   # the scenes' height under the header (design px)
MAP_W = 1130                          # the maps' width; their side panel takes the rest


def requested(url_path: str | None) -> bool:
    """Whether this run is the screen's: its page, or ``?mode=screen`` on any page."""
    return url_path == "screen" or st.query_params.get("mode") == "screen"


def scene_order() -> tuple[str, ...]:
    return tuple(s.strip() for s in str(settings.get("screen_scenes")).split(",") if s.strip())


def seconds() -> int:
    return int(settings.get("screen_seconds"))


def scene_at(now: float, period: int, order: tuple[str, ...],
             pinned: str | None = None) -> tuple[int, str]:
    """(index, scene id) shown at ``now``: the whole periods since the epoch, so every screen
    with the same settings shows the same scene; ``pinned`` (a known id) holds one scene."""
    if pinned in order:
        return order.index(pinned), pinned
    i = int((now + LEAD) // period) % len(order)
    return i, order[i]


def timer(now: float, period: int) -> float:
    """The rotation's interval from a full run: the time to the next boundary (the first tick
    lands on it), or the period when a boundary has just passed."""
    left = period - now % period
    if left > period - LEAD:
        return float(period)
    return left + period if left < 0.5 else round(left, 3)


def off_beat(now: float, period: int) -> bool:
    phase = now % period
    return min(phase, period - phase) > DRIFT


def screen_k() -> int:
    """The planner's k (the small-count setting), for every role: a screen is public."""
    return state.thresholds().small_cell_k


def page() -> None:
    st.markdown(sh.css(), unsafe_allow_html=True)
    try:
        order, period = scene_order(), seconds()
    except settings.SettingError as e:  # the dashboard checks at start; a direct run too
        st.error(f"大屏设置有误: {e}")
        st.stop()
    pinned = st.query_params.get("scene")
    pinned = pinned if pinned in settings.SCREEN_SCENES else None
    interval = timer(time.time(), period)
    st.session_state["screen_timer"] = interval
    st.session_state["screen_full_run"] = True

    @st.fragment(run_every=interval)
    def rotation() -> None:
        full = st.session_state.pop("screen_full_run", False)
        now = time.time()
        if not full and not pinned and (st.session_state.get("screen_timer") != period
                                        or off_beat(now, period)):
            st.rerun(scope="app")  # realign the timer on the beat (docstring)
        ver = state.version()  # a new publish is picked up here, at the next rotation
        index, scene = scene_at(now, period, order, pinned)
        draw(ver, scene, index, len(order))

    rotation()


def draw(ver: str, scene: str, index: int, count: int) -> None:
    """One scene on the stage: the header, then the scene's composition."""
    ref = state.reference(ver)
    home = str(settings.get("home_region"))
    names = ref["region_names"]
    home_name = "全国" if home == COUNTRY else names.get(home, home)
    fr = ref["freshness"]
    last = fr.get("last_load")
    when = pd.Timestamp(last).strftime("%Y-%m-%d") if last is not None and not pd.isna(last) \
        else "—"
    meta = f"数据更新 {when} · 版本 {fr.get('version') or '—'}"
    with st.container(key=STAGE_KEY):
        st.markdown(sh.header(home_name, scene, index, count, meta), unsafe_allow_html=True)
        SCENES[scene](ver, home, home_name, screen_k())


def _html(body: str) -> None:
    st.markdown(body, unsafe_allow_html=True)


def _year_span(ver: str) -> tuple[int, int]:
    ref = state.reference(ver)
    years = ref["years"] or [ref["default_year"]]
    return int(min(years)), int(ref["default_year"])


# -- scenes ------------------------------------------------------------------------------------
def inflow(ver: str, home: str, home_name: str, k: int) -> None:
    """(1) All China with the home region's largest origins as arcs running towards it."""
    period = _year_span(ver)
    routes = state.screen_inflows(ver, home, period, k) if home != COUNTRY else pd.DataFrame()
    if routes.empty:
        _html(sh.empty(BODY_H, "暂无流入记录"))
        return
    home_pt = state.region_point(ver, home)
    left, right = st.columns([MAP_W, sh.W - 2 * sh.PAD - MAP_W - 24])
    with left:
        geo = state.geojson(COUNTRY)
        ids = [str(f["id"]) for f in geo.get("features", [])]
        inline = settings.get("geojson_mode") == "inline"
        fig = maps.inflow_map(routes, (*home_pt, home_name),
                              geo if inline else state.geojson_url(COUNTRY), ids,
                              state.maritime(), MAP_W, BODY_H)
        st.plotly_chart(fig, width=MAP_W, height=BODY_H, key="scr_inflow_map", config=STATIC,
                        theme=None)
    with right:
        rows = [(n, v, t, w) for n, v, t, w in zip(routes["from_name"], routes["moves"],
                                                   routes["text"], routes["withheld"],
                                                   strict=True)]
        _html(sh.side_panel("主要来源地", f"{period[0]}–{period[1]} 年流入{home_name}的人才 (人)",
                            sh.bar_rows(rows[:12]), BODY_H))


def city(ver: str, home: str, home_name: str, k: int) -> None:
    """(2) The home region's city by district, in classes of talent."""
    parent = state.map_parent(ver, home)
    f = Filters(region=parent)
    geo = state.geojson(parent)
    if not geo.get("features"):
        _html(sh.empty(BODY_H, "暂无区县边界"))
        return
    ctl = state.controlled_children(ver, f, parent, k, "talents")
    v = ctl.values
    labels = ctl.label("talents")
    rows = maps.city_rows(v, labels)
    texts = ctl.text("talents", disclosure.fmt_count)
    inline = settings.get("geojson_mode") == "inline"
    left, right = st.columns([MAP_W, sh.W - 2 * sh.PAD - MAP_W - 24])
    with left:
        fig = maps.city_map(rows, geo if inline else state.geojson_url(parent), geo,
                            {a: f"{n}\n{t}" for a, n, t in zip(v["adcode"], v["name"], texts,
                                                                strict=True)},
                            maps.bounds_of(geo), MAP_W, BODY_H)
        st.plotly_chart(fig, width=MAP_W, height=BODY_H, key="scr_city_map", config=STATIC,
                        theme=None)
    with right:
        names = state.reference(ver)["region_names"]
        ranked = [(n, val, t, lab is not None and not pd.isna(lab))
                  for n, val, t, lab in zip(v["name"], v["talents"], texts, labels,
                                            strict=True)]
        body = sh.legend(maps.legend_entries(rows, k)) + sh.bar_rows(ranked[:10])
        _html(sh.side_panel(f"{names.get(parent, home_name)} · 人才数量",
                            f"{state.year(ver, f)} 年 · 人数少于 {k} 的显示为 <{k}", body,
                            BODY_H))


def kpis(ver: str, home: str, home_name: str, k: int) -> None:
    """(3) The KPI cards with the change on the year before and each figure's line."""
    f = Filters(region=home)
    cards = scr.kpi_cards(state.kpis(ver, f, home), state.trends(ver, f, home), k)
    _html(sh.kpi_grid(cards, BODY_H))


def chain(ver: str, home: str, home_name: str, k: int) -> None:
    """(4) The AI chain, each node in its status colour (固链 / 强链 / 补链 / 延链)."""
    df = _chain(ver, home, k)
    _html(sh.chain_board(df, BODY_H))


def _chain(ver: str, home: str, k: int) -> pd.DataFrame:
    f = Filters(region=home)
    df = state.chain(ver, home, state.year(ver, f), state.thresholds(), COUNTRY)
    return disclosure.nodes_shown(df, k)


def gaps(ver: str, home: str, home_name: str, k: int) -> None:
    """(5) The largest gaps, and their 招引 targets by stage when the pipeline exists."""
    top = scr.top_gaps(_chain(ver, home, k))
    targets = scr.target_counts(settings.path("app_db_path"), home)
    stages = [c for c in (targets.columns if targets is not None else []) if c != "node"]
    _html(sh.gaps_board(top, targets, stages, BODY_H))


def overseas(ver: str, home: str, home_name: str, k: int) -> None:
    """(6) The overseas pool by country (and who would come to the home region)."""
    by_country, _ = state.overseas_pool(ver, Filters(region=home))
    here = "国内" if home == COUNTRY else home_name
    if by_country.empty:
        _html(sh.empty(BODY_H, "暂无海外人才记录"))
        return
    _html(sh.overseas_board(scr.pool(by_country, k), here, BODY_H))


SCENES = {"inflow": inflow, "city": city, "kpis": kpis, "chain": chain, "gaps": gaps,
          "overseas": overseas}
assert set(SCENES) == set(settings.SCREEN_SCENES)


if __name__ == "__main__":  # run as a page by st.navigation
    page()
