"""人才地图 dashboard: page config, first-run demo build, shared sidebar filters, navigation.

Run: ``streamlit run dashboard.py``. With no published warehouse, the small demo is generated
and loaded through the ETL first (with its progress on screen), then the app opens.
"""

from __future__ import annotations

import time

import streamlit as st

import settings
from views import auth, runlog, sidebar
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

    runlog.timed(run)


# Streamlit runs this file as __main__. A multiprocessing child (the ETL's fork server, started
# from a process that ran the app in AppTest) re-imports the main module as __mp_main__: it must
# not draw the app there.
if __name__ == "__main__":
    main()
