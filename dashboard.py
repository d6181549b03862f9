"""人才地图 dashboard: page config, first-run demo build, shared sidebar filters, navigation.

Run: ``streamlit run dashboard.py``. With no published warehouse, the small demo is generated
and loaded through the ETL first (with its progress on screen), then the app opens.

``streamlit run`` finds ``app`` (an ``st.App``) at the end of this file and serves it: the module
is imported once when the server starts, and its lifespan warms the landing page in a background
thread (setting ``warm_up``), so the first visitor does not pay for imports, queries, shapes and
the figure. Each session still runs this file as a script (``main``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import streamlit as st

import settings
from views.i18n import t

LANDING = "talent_map"


def ensure_warehouse() -> None:
    """With no published warehouse, build the demo one (generate + load, in a child process
    started once per server process: a second session follows the same build). The progress
    shows in a status box that is removed when the build is done; a toast says the data is
    ready (it fades by itself and is not shown again on the next rerun)."""
    db = settings.path("db_path")
    if db.exists():
        return
    from etl.demo import build

    job = build.start(db, settings.path("raw_dir"), settings.get("demo_scale"), seed=42)
    box = st.empty()
    with box.container(), st.status(t("building_demo"), expanded=True) as status:
        st.caption("只在首次运行时进行: 生成约 1.3 万条演示记录并通过 ETL 加载, 通常需要十几秒。")
        bar = st.progress(0.0, text=job.message)
        while not job.done:
            bar.progress(min(job.fraction, 1.0), text=job.message)
            time.sleep(0.25)
        if job.error:
            status.update(label="演示数据构建失败", state="error", expanded=True)
            st.error(job.error)
            st.stop()
    box.empty()
    st.toast(f"演示数据已就绪 (用时 {job.seconds:.0f} 秒)", icon=":material/check_circle:",
             duration="long")


def alerts_title() -> str:
    """风险预警 with the number of open alerts the role may see."""
    from views import alerts, state

    try:
        n = alerts.open_count(state.version())
    except Exception:  # noqa: BLE001 - no warehouse yet: no badge
        n = 0
    return f"{t('alerts')} ({n})" if n else t("alerts")


def main() -> None:
    from views import activity, auth, runlog, sidebar  # here: the server imports this file

    st.set_page_config(page_title="人才地图", page_icon="🗺️", layout="wide")
    # No built-in table download or copy for anyone: downloads go through the audited,
    # neutralised export path, offered to export roles only (also set in .streamlit/config.toml,
    # which a run from another directory would not read).
    st.set_option("client.disableDataExport", True)
    if problems := settings.check_all():  # a mistyped variable stops here, named
        st.error("设置有误, 请修正下列环境变量后重新启动。")
        st.code("\n".join(problems), language=None)  # shown literally, never as markdown
        st.stop()
    # Sign-in first: an anonymous visitor must not make the app build or write anything.
    auth.sign_in()  # stops here until signed in when a users file or OIDC is configured
    ensure_warehouse()
    from views import link_review

    pages = [
        # The map is the landing page: the README's run command ends on the national map.
        st.Page("views/talent_map.py", title=t("talent_map"), url_path=LANDING, default=True),
        st.Page("views/overview.py", title=t("overview"), url_path="overview"),
        st.Page("views/supply_chain.py", title=t("supply_chain"), url_path="supply_chain"),
        st.Page("views/export_page.py", title=t("export"), url_path="export"),
        st.Page("views/data_page.py", title=t("data"), url_path="data"),
        st.Page("views/clusters.py", title=t("clusters"), url_path="clusters"),
        st.Page("views/pipeline.py", title=t("pipeline"), url_path="pipeline"),
        st.Page("views/alerts.py", title=alerts_title(), url_path="alerts"),
        st.Page("views/matching.py", title=t("matching"), url_path="matching"),
        st.Page("views/link_review.py", title=t("link_review"), url_path="link_review",
                visibility="visible" if link_review.allowed() else "hidden"),
        st.Page("views/screen.py", title=t("screen"), url_path="screen"),
        st.Page("views/profile.py", title=t("profile"), url_path="profile",
                visibility="visible" if auth.can_see_individuals() else "hidden"),
    ]
    nav = st.navigation(pages)

    def run() -> str:
        from views import screen  # 大屏 (issue 21): its own stage, no sidebar

        if screen.requested(nav.url_path):  # /screen, or ?mode=screen on any URL
            screen.page()
            return "screen"
        sidebar.render()
        auth.settings_expander()
        sidebar.saved_views(nav.url_path or LANDING,
                            {p.url_path or LANDING: p for p in pages})
        nav.run()
        return nav.url_path or LANDING  # the default page's url_path is ""

    with activity.busy():  # the background index build waits for this run (views/activity.py)
        runlog.timed(run)


# -- warm-up: the landing page computed when the server starts (setting warm_up) ----------------
WARM_UP_THREAD = "talentmap-warm-up"
# What the script imports, in its order (main(), then the landing page's own imports).
WARM_UP_MODULES = ("views.auth", "views.runlog", "views.sidebar", "views.link_review",
                   "views.alerts", "views.screen", "views.talent_map", "views.svg_map",
                   "views.svg_bars")


class _WarmUpStopped(Exception):
    """A warm-up step failed (its error is in the report): the later steps need its result."""


def warm_landing() -> dict[str, float | str]:
    """Compute now, into the page's caches (``views.state``), what the first session on the
    landing page (the national map, default filters, a planner) computes: the script's modules
    imported, the warehouse opened, the page's queries, shapes, static files and figures. A
    session arriving meanwhile waits on the same cache entries rather than computing them again.
    Returns each step's seconds, or the error that ended it (what the warm-up could not compute,
    the first session computes as before, and shows its error)."""
    import importlib

    report: dict[str, float | str] = {}

    def step(name: str, fn):
        started = time.perf_counter()
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - a warm-up never stops the server
            report[name] = f"{type(e).__name__}: {e}"
            raise _WarmUpStopped from e
        report[name] = round(time.perf_counter() - started, 3)
        return out

    try:
        step("imports", lambda: [importlib.import_module(m) for m in WARM_UP_MODULES])
        if not settings.path("db_path").exists():
            report["warehouse"] = "none yet: the first session builds the demo"
            return report
        from analytics.filters import COUNTRY, Filters
        from views import state, talent_map

        ver = step("warehouse", state.version)
        ref = step("reference", lambda: state.reference(ver))
        step("alerts", lambda: state.alerts_evaluated(ver))
        f = step("filters", lambda: Filters.from_query_params(  # a session's, with no URL params
            {}, set(ref["region_names"]), set(ref["nodes"]["node_id"])))
        parent = step("region", lambda: (state.breadcrumb(ver, f.region),
                                         state.drill_parent(ver, f.region),
                                         state.map_parent(ver, f.region))[-1])
        step("children", lambda: state.children_metrics(
            ver, talent_map.query_filters(f, parent), parent))
        pool = step("overseas", lambda: state.overseas_pool(ver, f))
        url = step("shapes", lambda: (  # url None: shapes inline (geojson_mode)
            state.geojson(parent), state.maritime() if parent == COUNTRY else None,
            talent_map.shapes_url(parent))[-1])
        step("figure", lambda: _landing_figure(ver, f, parent, url))
        step("pool figure", lambda: _pool_figure(ver, f, pool[0]))
    except _WarmUpStopped:
        pass
    return report


def _landing_figure(ver: str, f, parent: str, url: str | None) -> str:
    """The national map's view as the page makes it for a planner (its cache entry:
    views/talent_map.map_view — the figures under the small-count rule, the ranking, the
    figure), what the SVG map is sent, plotly's JSON (plotly's validators and the inset's land
    are made once per process)."""
    from figures import svg_map
    from views import state, talent_map

    k = state.thresholds().small_cell_k
    fig = talent_map.map_view(ver, talent_map.query_filters(f, parent), parent, k, f.metric,
                              "zh", url).figure  # a session's language until it picks one
    svg_map.payload(fig)
    return fig.to_json()


def _pool_figure(ver: str, f, by_country) -> str | None:
    """The overseas pool beside the map as the page shows it to a planner (its cache entry:
    views/overseas.pool_view) and its chart's JSON, and what else a first drawing of the page
    imports (Streamlit's emoji table: an icon's check)."""
    import importlib

    from figures import svg_bars
    from views import overseas, state

    with contextlib.suppress(ImportError):  # Streamlit's own module: gone in a later version?
        importlib.import_module("streamlit.emojis")
    if by_country.empty:
        return None
    view = overseas.pool_view(ver, f.with_(metric="talents"), state.thresholds().small_cell_k,
                              None, "zh")  # the national pool, in a session's first language
    figure = view[-1] if view else None
    if figure is None:
        return None
    svg_bars.payload(figure)
    return figure.to_json()


def warm_up() -> dict:
    """Warm the landing page (``warm_landing``), after main()'s imports in main()'s order; log
    what it took. Runs in a thread started at server start."""
    from streamlit.logger import get_logger  # Streamlit's format and level (logger.level)

    started = time.perf_counter()
    try:
        from views import activity, auth, runlog, sidebar  # noqa: F401 - main()'s imports first

        with activity.busy():  # the index build waits for the landing page to be warm
            report = {"main imports": round(time.perf_counter() - started, 3), **warm_landing()}
    except Exception as e:  # noqa: BLE001 - the first session meets (and shows) it again
        report = {"main imports": f"{type(e).__name__}: {e}"}
    steps = ", ".join(f"{k} {v:.2f} s" if isinstance(v, float) else f"{k}: {v}"
                      for k, v in report.items())
    get_logger("talentmap.warm_up").info("预热完成 (warm-up done) in %.2f s: %s",
                                          time.perf_counter() - started, steps)
    return report


class _NotFromWarmUp(logging.Filter):
    """Streamlit warns of a missing ScriptRunContext on every cached call outside a script run:
    expected in the warm-up thread, not worth a line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread().name not in (WARM_UP_THREAD, "talentmap-indexes")


def start_warm_up() -> threading.Thread | None:
    """The warm-up thread, started unless the setting ``warm_up`` is off (or mistyped: the
    first session says so)."""
    try:
        wanted = settings.get("warm_up")
    except settings.SettingError:
        wanted = False
    if not wanted:
        return None
    from views import state

    state.WARM_INDEXES = True  # each new published version's indexes, built in the background
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _NotFromWarmUp())
    thread = threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread


@contextlib.asynccontextmanager
async def lifespan(_app):
    """Server start: warm up in the background (the server answers at once; a session arriving
    meanwhile waits on the same cache entries); nothing to undo at shutdown (a daemon thread
    that only reads, and evaluates alerts as the first session would)."""
    start_warm_up()
    yield


# Streamlit runs this file as __main__. A multiprocessing child (the ETL's fork server, started
# from a process that ran the app in AppTest) re-imports the main module as __mp_main__: it must
# not draw the app there. ``streamlit run`` imports it as ``dashboard`` (finding ``app`` below).
if __name__ == "__main__":
    main()
elif __name__ == "dashboard":
    app = st.App(__file__, lifespan=lifespan)
