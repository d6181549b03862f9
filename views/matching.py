"""产才对接: matchmaking lists for a 产才对接会 (analytics/matching.py, docs/matching.md) — for a
region (default the home region) and the chain nodes chosen (default its gap and key nodes),
per enterprise its invitation list, per talent the enterprises to meet, with the reasons; export
for the organisers and a printable agenda per enterprise. Recruiters and admins see people
(contacts masked unless revealed on a profile, audited); other roles see per-enterprise counts."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st

import settings
from analytics import disclosure
from analytics import matching as mt
from analytics.filters import COUNTRY
from views import auth, components, sidebar, state
from views.i18n import t

GAP_KEY = ("补链", "延链", "固链")


def page() -> None:
    ver = state.version()
    f = state.filters()
    region = f.region if f.region != COUNTRY else settings.get("home_region")
    name = sidebar.region_name(ver, region)
    st.title(f"{t('matching')} · {name}")
    st.caption(t("mt_help"))
    ref = state.reference(ver)
    year = ref["default_year"] if ref["years"] else 0
    chain = state.chain(ver, region, year, state.thresholds(), COUNTRY)
    labels = dict(zip(chain["node_id"], chain["name_zh"] + " · " + chain["status"], strict=True))
    default = chain.loc[chain["status"].isin(GAP_KEY), "node_id"].tolist()
    a, b, c = st.columns([2, 3, 1])
    event = a.text_input(t("mt_event"), value=f"{name}产才对接会", max_chars=60, key="mt_event")
    nodes = b.multiselect(t("nodes"), list(chain["node_id"]), default=default,
                          format_func=labels.get, key=f"mt_nodes_{region}")
    per_firm = c.number_input(t("mt_per_firm"), 1, 50, 10, key="mt_per_firm")
    if not nodes:
        st.info(t("mt_pick_nodes"))
        return
    found = state.match_pairs(ver, region, year, tuple(sorted(nodes)))
    if found.empty:
        st.info(t("mt_none"))
        components.freshness_line(ver)
        return
    if not auth.can_see_individuals():
        counts_only(found, auth.small_cell_k())
        components.freshness_line(ver)
        return
    inv = mt.invitations(found, int(per_firm))
    people = mt.contacts(state.reader(), sorted(set(inv["talent_id"])), auth.role())
    inv = inv.merge(with_revealed(people), on="talent_id", how="left")
    by_firm, by_talent = st.tabs([t("mt_by_firm"), t("mt_by_talent")])
    with by_firm:
        firm_lists(inv)
    with by_talent:
        meet = mt.meetings(found).merge(with_revealed(people), on="talent_id", how="inner")
        st.dataframe(pd.DataFrame({
            "人才编号": meet["talent_id"], "姓名": meet["contact_name"], "排序": meet["rank"],
            "企业": meet["firm"], "岗位": meet["title"], "匹配分": meet["score"],
            "理由": meet.apply(mt.reasons, axis=1)}), hide_index=True, width="stretch")
    downloads(event, inv, name)
    components.freshness_line(ver)


def with_revealed(people: pd.DataFrame) -> pd.DataFrame:
    """Contacts revealed on a profile in this session (audited there) replace the masked ones."""
    from views import profile

    revealed = st.session_state.get(profile.UNMASKED) or {}
    out = people.copy()
    for i, tid in out["talent_id"].items():
        if tid in revealed:
            for col in ("contact_name", "phone", "email"):
                out.at[i, col] = revealed[tid].get(col)
    return out


def counts_only(found: pd.DataFrame, k: int | None) -> None:
    st.info(t("mt_counts_only"))
    df = mt.firm_counts(found)
    st.dataframe(pd.DataFrame({
        "企业": df["firm"], "岗位所在环节": df["nodes"],
        "可能来的人才": [disclosure.fmt_count(v, k) for v in df["candidates"]],
        "匹配分 ≥ 50": [disclosure.fmt_count(v, k) for v in df["good"]]}),
        hide_index=True, width="stretch")


def firm_lists(inv: pd.DataFrame) -> None:
    for firm, rows in inv.groupby("firm", sort=False):
        with st.expander(f"{firm} · {len(rows)} 人 · 最高匹配分 {rows['score'].max():.0f}"):
            st.caption("对接岗位: " + html.escape("、".join(dict.fromkeys(rows["title"]))))
            shown = export_table(rows).astype(object).where(lambda d: d.notna(), "—")
            st.dataframe(shown, hide_index=True, width="stretch", column_config={
                "理由": st.column_config.TextColumn("理由", width="large")})


def export_table(inv: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "企业": inv["firm"], "排序": inv["rank"], "人才编号": inv["talent_id"],
        "姓名": inv["contact_name"], "手机": inv["phone"], "邮箱": inv["email"],
        "所在地": inv["place"], "岗位": inv["title"], "匹配分": inv["score"],
        "理由": inv["why"]})


def downloads(event: str, inv: pd.DataFrame, region_name: str) -> None:
    from exports.agenda import agenda_html
    from exports.tables import xlsx_bytes

    if not auth.can_export():
        return
    stem = f"{event}_{dt.date.today():%Y%m%d}".replace("/", "-")
    lines = [f"{event} · 邀请名单", f"地区: {region_name}", f"导出: {dt.datetime.now():%Y-%m-%d %H:%M}",
             "联系方式: 未在人才档案中查看的已遮蔽"]
    meta = {"event": event, "firms": int(inv["firm"].nunique()), "talents": int(len(inv))}
    a, b, _ = st.columns([1, 1, 3])
    a.download_button(t("mt_download"), xlsx_bytes(export_table(inv), lines, sheet="邀请名单"),
                      file_name=f"{stem}_邀请名单.xlsx", key="mt_xlsx", on_click=auth.audit,
                      args=("export", f"{stem}_邀请名单.xlsx", None, meta),
                      icon=":material/download:")
    when = f"{dt.datetime.now():%Y-%m-%d %H:%M}"
    b.download_button(t("mt_agenda"), agenda_html(event, inv, when).encode("utf-8"),
                      file_name=f"{stem}_企业日程.html", mime="text/html", key="mt_agenda",
                      on_click=auth.audit, args=("export", f"{stem}_企业日程.html", None, meta),
                      icon=":material/print:")


if __name__ == "__main__":  # run as a page by st.navigation
    page()
