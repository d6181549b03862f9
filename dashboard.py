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
    """Build the demo warehouse on first run, showing progress; wait if another session is."""
    db = settings.path("db_path")
    if db.exists():
        return
    from etl.demo import generate
    from store.errors import PublishError
    from store.jobs import load_files_isolated

    scale = settings.get("demo_scale")
    with st.status(t("building_demo"), expanded=True) as status:
        out = settings.path("raw_dir") / f"demo-{scale}-42"
        bar = st.progress(0.0)
        files = generate(out, scale=scale, seed=42,
                         progress=lambda m, frac: bar.progress(min(frac, 1.0), text=m))
        try:
            load_files_isolated(files, source="demo", db_path=db, progress=st.write)
        except PublishError:
            st.write("另一个会话正在构建演示数据库, 等待完成 …")
            while not db.exists():
                time.sleep(1)
        status.update(label="演示数据已就绪", state="complete", expanded=False)


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
    pages = [
        # The map is the landing page: the README's run command ends on the national map.
        st.Page("views/talent_map.py", title=t("talent_map"), url_path=LANDING, default=True),
        st.Page("views/overview.py", title=t("overview"), url_path="overview"),
        st.Page("views/supply_chain.py", title=t("supply_chain"), url_path="supply_chain"),
        st.Page("views/export_page.py", title=t("export"), url_path="export"),
        st.Page("views/data_page.py", title=t("data"), url_path="data"),
        st.Page("views/clusters.py", title=t("clusters"), url_path="clusters"),
        st.Page("views/profile.py", title=t("profile"), url_path="profile",
                visibility="visible" if auth.can_see_individuals() else "hidden"),
    ]
    nav = st.navigation(pages)

    def run() -> str:
        sidebar.render()
        auth.settings_expander()
        nav.run()
        return nav.url_path or LANDING  # the default page's url_path is ""

    runlog.timed(run)


main()
