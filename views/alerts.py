"""风险预警: the alerts the published versions raised for the home region and its sub-regions
(analytics/alerts.py, docs/alerts.md) — by severity and date, filtered, each with the view that
explains it; a signed-in user acknowledges one (audited). Roles that see aggregates only are
shown no alert that speaks of fewer than k people."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import settings
from access import alert_store
from analytics import alerts as al
from views import auth, components, sidebar, state
from views.i18n import t

STATES = ("新", "持续", "已解除")


def visible_alerts(ver: str) -> pd.DataFrame:
    return state.alert_rows(ver, auth.small_cell_k())


def open_count(ver: str) -> int:
    """New and still-true alerts this role may see (the navigation's badge)."""
    try:
        return state.open_alerts(ver, auth.small_cell_k())
    except Exception:  # noqa: BLE001 - a badge must never break the app
        return 0


def page() -> None:
    ver = state.version()
    st.title(t("alerts"))
    home = settings.get("home_region")
    st.caption(t("al_help").format(home=sidebar.region_name(ver, home)))
    df = visible_alerts(ver)
    if df.empty:
        st.info(t("al_none"))
        components.freshness_line(ver)
        return
    names = state.reference(ver)["region_names"]
    a, b, c = st.columns(3)
    states = a.multiselect(t("al_state"), STATES, default=["新", "持续"], key="al_states")
    rules = b.multiselect(t("al_rule"), list(al.RULES), format_func=al.RULES.get,
                          placeholder=t("choose"), key="al_rules")
    regions = c.multiselect(t("al_region"), sorted(set(df["region"])), placeholder=t("choose"),
                            format_func=lambda r: names.get(r, r), key="al_regions")
    shown = df[df["state"].isin(states or STATES)]
    if rules:
        shown = shown[shown["rule"].isin(rules)]
    if regions:
        shown = shown[shown["region"].isin(regions)]
    counts = shown["severity"].value_counts()
    cols = st.columns(4)
    cols[0].metric(t("al_shown"), len(shown), border=True)
    for col, sev in zip(cols[1:], ("高", "中", "低"), strict=True):
        col.metric(f"{t('al_severity')}: {sev}", int(counts.get(sev, 0)), border=True)
    st.dataframe(display(shown, names), hide_index=True, width="stretch", column_config={
        "查看": st.column_config.LinkColumn("查看", display_text="打开"),
        "原因": st.column_config.TextColumn("原因", width="large")})
    acknowledge(shown)
    components.freshness_line(ver)


def display(df: pd.DataFrame, names: dict) -> pd.DataFrame:
    """The table as shown: text, never markdown or HTML (a reason quotes firm names)."""
    return pd.DataFrame({
        "严重程度": df["severity"], "状态": df["state"], "规则": df["rule_name"],
        "地区": df["region"].map(lambda r: names.get(r, r)), "查看": "/" + df["link"],
        "首次出现": df["first_version"].str.slice(0, 15), "已确认": df["acked_by"].fillna(""),
        "原因": df["reason"]})  # the long text last: it may run past the table's edge


def acknowledge(df: pd.DataFrame) -> None:
    open_ = df[(df["state"] != "已解除") & df["acked_by"].fillna("").eq("")]
    if open_.empty:
        return
    with st.expander(t("al_ack")):
        keys = list(zip(open_["key"], open_["first_version"], strict=True))
        labels = dict(zip(keys, open_["reason"], strict=True))
        pick = st.selectbox(t("al_pick"), keys, format_func=lambda k: labels[k][:80],
                            key="al_pick")
        if st.button(t("al_ack_button"), key="al_ack_button", icon=":material/done:"):
            name, _ = auth.current_user()
            alert_store.acknowledge(settings.path("app_db_path"), pick[0], pick[1], name)
            auth.audit("alert_ack", pick[0], None, {"first_version": pick[1]})
            st.rerun()


if __name__ == "__main__":  # run as a page by st.navigation
    page()
