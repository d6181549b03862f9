"""人才集群: filter talent on top of the global filters, find where matching talent concentrates
(place × chain node, grouped by a density clustering of region centres), read each cluster's
card, and — for recruiters and admins — list its people, build a shortlist and export it.
Also the search box: talents by skill, employer, university or node, enterprises by name or code.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings
from analytics import clusters as cl
from analytics import talent as tl
from analytics.filters import COUNTRY, EDUCATION, TIERS, Filters
from maps.figures import MAP_STYLE, fit_view, geojson_bounds, maritime_trace
from views import auth, components, exporting, sidebar, state
from views.i18n import t

SHORTLIST = "shortlist"      # session key: talent_id → row (masked contacts)
SELECTED = "cl_selected"     # session key: the cluster in view
MAP_KEY = "cluster_map"
MAP_HEIGHT = 520
CARDS = 9
BUBBLE_MAX_PX = 46
TABLE_COLUMNS = {"talent_id": "人才编号", "node": "产业链环节", "tier": "层次", "education": "学历",
                 "university": "毕业院校", "years_experience": "工作年限", "skills": "技能",
                 "employer_name": "现任单位", "place": "所在地", "expected_city": "期望城市",
                 "contact_name": "姓名", "phone": "手机", "email": "邮箱"}


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()
    st.title(f"{t('clusters')} · {sidebar.region_name(ver, f.region)}")
    tab_clusters, tab_search = st.tabs([t("cl_tab_clusters"), t("cl_tab_search")])
    with tab_clusters:
        tf, how = talent_filters(ver)
        result = state.clusters(ver, f, tf, *how)
        summary_line(result, k)
        chosen = cluster_overview(ver, f, result, k)
        if chosen is not None:
            _card_grid(tl.cluster_cards(result["summary"].head(CARDS), result["stats"],
                                        result["tops"], k))
            cluster_people(ver, f, tf, result, chosen)
        if auth.can_see_individuals():
            shortlist_section(ver, f, tf)
        if auth.can_export():
            export_clusters(ver, f, tf, result, k)
    with tab_search:
        search_section(ver, k)
    components.freshness_line(ver)


# -- filters ------------------------------------------------------------------------------------
def talent_filters(ver: str) -> tuple[tl.TalentFilters, tuple[float, int, bool]]:
    """The page's filters (on top of the sidebar's) and the clustering parameters."""
    ref = state.reference(ver)
    nodes = ref["nodes"]
    labels = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    with st.expander(t("cl_filters"), expanded=True):
        c1, c2, c3 = st.columns(3)
        terms, groups = _skills_box(c1, ver)
        picked = c1.multiselect(t("nodes"), list(nodes["node_id"]), key="cl_nodes",
                                format_func=lambda n: labels.get(n, n), placeholder=t("choose"))
        expected = _expected_city(c1)
        tiers = c2.multiselect(t("tier"), TIERS, key="cl_tiers", format_func=sidebar.TIER_LABELS.get,
                               placeholder=t("choose"))
        edu = c2.multiselect(t("education"), EDUCATION, key="cl_edu", placeholder=t("choose"))
        unis = c2.multiselect(t("cl_university"), state.universities(ver), key="cl_unis",
                              placeholder=t("choose"))
        lo, hi = c3.slider(t("cl_experience"), 0, tl.EXPERIENCE_MAX, (0, tl.EXPERIENCE_MAX),
                           key="cl_exp")
        ages = c3.multiselect(t("cl_age"), tl.AGE_BANDS, key="cl_age", placeholder=t("choose"))
        ret = c3.checkbox(t("returnees"), key="cl_ret")
        reloc = c3.checkbox(t("cl_relocate"), key="cl_reloc")
        how = _clustering_params()
    tf = tl.TalentFilters(skills=groups, skill_terms=terms, nodes=tuple(picked),
                          tiers=tuple(tiers), education=tuple(edu), universities=tuple(unis),
                          exp_min=float(lo) if lo > 0 else None,
                          exp_max=float(hi) if hi < tl.EXPERIENCE_MAX else None,
                          age_bands=tuple(ages), returnees_only=ret, relocate_only=reloc,
                          expected=expected)
    return tf, how


def _skills_box(col, ver: str) -> tuple[tuple, tuple]:
    """Free text → vocabulary skills, shown under the box (a term that matches nothing says so)."""
    text = col.text_input(t("cl_skills"), key="cl_skills", placeholder="VR, PyTorch")
    if not text.strip():
        return (), ()
    terms, groups = state.resolve_skills(ver, text)
    for term, group in zip(terms, groups, strict=True):
        if group:
            col.caption(components.md(f"「{term}」→ {'、'.join(group[:12])}")
                        + (" …" if len(group) > 12 else ""))
        else:
            col.warning(f"「{components.md(term)}」{t('cl_no_skill')}")
    return terms, groups


def _expected_city(col) -> str | None:
    """The expected city typed as text, resolved to a region (any level)."""
    from maps.resolver import default_resolver

    text = col.text_input(t("cl_expected"), key="cl_expected", placeholder="青岛")
    if not text.strip():
        return None
    res = default_resolver().resolve(text)
    if res.adcode is None:
        col.warning(f"{t('cl_no_region')}: {components.md(text)}")
        return None
    col.caption(f"→ {default_resolver().full_name(res.adcode)} ({res.adcode})")
    return res.adcode


def _clustering_params() -> tuple[float, int, bool]:
    """eps (km), the minimum talents of a cluster, and whether nodes are clustered apart."""
    c1, c2, c3 = st.columns(3)
    eps = c1.slider(t("cl_eps"), 5, 200, int(settings.get("cluster_eps_km")), step=5,
                    key="cl_eps", help=t("cl_eps_help"))
    min_n = c2.number_input(t("cl_min"), 1, 1000, settings.get("cluster_min_talents"),
                            key="cl_min", help=t("cl_min_help"))
    by_node = c3.toggle(t("cl_by_node"), value=True, key="cl_by_node")
    return float(eps), int(min_n), bool(by_node)


# -- overview: summary, map, cards --------------------------------------------------------------
def summary_line(result: dict, k: int | None) -> None:
    cells, summary = result["cells"], result["summary"]
    total = int(cells["talents"].sum()) if len(cells) else 0
    noise = int(cells.loc[cells["cluster"] < 0, "talents"].sum()) if len(cells) else 0
    st.markdown(f"{t('cl_matching')}: **{tl.fmt_count(total, k)}** · {t('cl_count')}: "
                f"**{len(summary)}** · {t('cl_scattered')}: **{tl.fmt_count(noise, k)}**")
    if k:
        st.caption(t("cl_suppressed").format(k=k))


def cluster_overview(ver: str, f: Filters, result: dict, k: int | None) -> int | None:
    """Bubble map and cards; returns the cluster chosen (by the box, a card or a bubble)."""
    summary = result["summary"]
    if summary.empty:
        st.info(t("cl_none"))
        return None
    left, right = st.columns([3, 2])
    with left:
        exporting.chart(cluster_figure(ver, f, summary, k), key=MAP_KEY, title=t("clusters"),
                        data=exporting.suppress(summary[["cluster", "place", "node_name",
                                                         "n_places", "talents"]],
                                                ["talents"], k),
                        unit="人", page="clusters", on_select=_clicked,
                        selection_mode="points",
                        config={"displaylogo": False, "scrollZoom": True})
    options = summary["cluster"].astype(int).tolist()
    if st.session_state.get(SELECTED) not in options:
        st.session_state[SELECTED] = options[0]
    names = {int(r.cluster): cl.label(r) for r in summary.itertuples()}
    with right:
        chosen = st.selectbox(t("cl_pick"), options, key=SELECTED, format_func=names.get)
        cluster_card(result, chosen, k)
    return chosen


def cluster_figure(ver: str, f: Filters, summary: pd.DataFrame, k: int | None) -> go.Figure:
    """Clusters as bubbles (area ∝ talents; below k drawn at k's size) over grey regions."""
    parent = state.map_parent(ver, f.region)
    geo = state.geojson(parent)
    sea = state.maritime() if parent == COUNTRY else None
    fig = go.Figure(components.region_outline(parent))
    if sea:
        fig.add_trace(maritime_trace(sea))
    size = summary["talents"].astype(float)
    if k:
        size = size.clip(lower=k)  # a small cluster's size must not be readable
    text = [cl.label(r) for r in summary.itertuples()]
    shown = [tl.fmt_count(v, k) for v in summary["talents"]]
    fig.add_trace(go.Scattermap(
        lon=summary["lon"], lat=summary["lat"], mode="markers", text=text, name="人才集群",
        customdata=[[int(c), s] for c, s in zip(summary["cluster"], shown, strict=True)],
        marker={"size": size, "sizemode": "area", "sizemin": 4, "opacity": 0.75,
                "sizeref": 2 * max(float(size.max()), 1.0) / BUBBLE_MAX_PX ** 2,
                "color": "#d1495b"},
        hovertemplate="<b>%{text}</b><br>人数: %{customdata[1]}<extra></extra>"))
    center, zoom = fit_view(geojson_bounds(geo), 560, MAP_HEIGHT - 20)
    fig.update_layout(height=MAP_HEIGHT, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      showlegend=False, map={"style": MAP_STYLE, "center": center, "zoom": zoom})
    return fig


def _clicked() -> None:
    """A click on a bubble picks its cluster."""
    points = (st.session_state.get(MAP_KEY) or {}).get("selection", {}).get("points", [])
    for p in points:
        data = p.get("customdata")
        if data:
            st.session_state[SELECTED] = int(data[0])
            return


def _card_grid(cards: list[dict]) -> None:
    cols = st.columns(3)
    for i, card in enumerate(cards):
        with cols[i % 3].container(border=True):
            st.markdown(card_markdown(card))
            st.button(t("cl_open"), key=f"card_{card['cluster']}", on_click=_pick,
                      args=(card["cluster"],), width="stretch")


def _pick(cluster: int) -> None:
    st.session_state[SELECTED] = cluster


def card_markdown(card: dict, full: bool = False) -> str:
    """A cluster card as markdown; a cluster below k shows its size only."""
    more = f" 等 {card['n_places']} 地" if card["n_places"] > 1 else ""
    lines = [f"**#{card['cluster']} {components.md(card['place'])}{more}**",
             components.md(card["node"]),
             f"人数 **{card['size']}**"]
    if card["hidden"]:
        return "  \n".join([*lines, "_人数过少, 不显示构成_"])
    exp = card.get("median_experience")
    high = card.get("high_share")
    lines.append(f"中位年限 {exp:g} 年" if exp is not None else "中位年限 —")
    share = f"{high * 100:.1f}%" if high is not None else card.get("high", "—")
    lines.append(f"高层次 (A–D) {share} · 海归 {card.get('returnees', '—')}")
    n = 5 if full else 3
    for kind, label in (("skill", "技能"), ("employer", "单位"), ("university", "院校")):
        items = card.get(kind) or []
        lines.append(f"{label}: " + ("、".join(f"{components.md(v)} ({c})" for v, c in items[:n])
                                      or "—"))
    return "  \n".join(x for x in lines if x)


# -- one cluster: card and people ---------------------------------------------------------------
def cluster_card(result: dict, chosen: int, k: int | None) -> None:
    """The chosen cluster's full card and the places it spans."""
    row = result["summary"][result["summary"]["cluster"] == chosen]
    card = tl.cluster_cards(row, result["stats"], result["tops"], k)[0]
    with st.container(border=True):
        st.markdown(card_markdown(card, full=True))
        cells = result["cells"]
        places = cells[cells["cluster"] == chosen]
        st.caption(t("cl_places") + ": " + "、".join(
            f"{components.md(p)} ({tl.fmt_count(n, k)})"
            for p, n in zip(places["place"], places["talents"], strict=True)))


def cluster_people(ver: str, f: Filters, tf: tl.TalentFilters, result: dict,
                   chosen: int) -> None:
    """The chosen cluster's people, for roles that may see individuals."""
    r = result["summary"][result["summary"]["cluster"] == chosen].iloc[0]
    st.subheader(f"{t('cl_people')} · {cl.label(r)}")
    if not auth.can_see_individuals():
        st.info(t("cl_individuals_only"))
        return
    cells = result["cells"]
    places = cells[cells["cluster"] == chosen]
    pairs = tuple(zip(places["adcode"], places["node_id"], strict=True))
    people = state.cluster_talents(ver, f, tf, pairs, auth.role())
    talent_table(people, cl.label(r), _table_key(tf, pairs))


def _table_key(tf: tl.TalentFilters, pairs: tuple) -> str:
    """A widget key per (filters, cluster): a new table starts from the shortlist."""
    return "cl_table_" + hashlib.sha1(repr((tf, pairs)).encode()).hexdigest()[:12]


def talent_table(people: pd.DataFrame, cluster: str, key: str) -> None:
    """The cluster's people (contacts masked); ticked rows join the shortlist."""
    if len(people) >= tl.TABLE_LIMIT:
        st.caption(t("cl_first_rows").format(n=tl.TABLE_LIMIT))
    shortlist = st.session_state.setdefault(SHORTLIST, {})
    ids = people["talent_id"].tolist()
    chosen = [i for i, tid in enumerate(ids) if tid in shortlist]
    event = st.dataframe(people[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS),
                         hide_index=True, key=key, on_select="rerun", selection_mode="multi-row",
                         selection_default={"selection": {"rows": chosen}}, width="stretch",
                         height=380, placeholder="—")
    sync_shortlist(key, people, list(event.selection.rows), chosen, cluster)
    st.caption(t("cl_select_hint"))
    _profile_button(ids, "cl_profile_table")


def sync_shortlist(key: str, people: pd.DataFrame, rows: list[int], initial: list[int],
                   cluster: str) -> None:
    """Apply what changed in this table's selection since the last run to the shortlist
    (rows of other tables stay)."""
    before = st.session_state.setdefault("cl_seen", {}).get(key, initial)
    shortlist = st.session_state.setdefault(SHORTLIST, {})
    for i in set(rows) - set(before):
        rec = people.iloc[i].to_dict()
        shortlist.setdefault(rec["talent_id"], {**rec, "cluster": cluster})
    for i in set(before) - set(rows):
        if i < len(people):
            shortlist.pop(people.iloc[i]["talent_id"], None)
    st.session_state["cl_seen"][key] = list(rows)


def _profile_button(ids: list[str], key: str) -> None:
    """Open a talent's profile page (same session, so the role carries over)."""
    if not ids:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    tid = left.selectbox(t("pf_open"), ids, key=key)
    if right.button(t("cl_open_profile"), key=f"{key}_go", width="stretch"):
        st.switch_page("views/profile.py", query_params={"talent": tid})


# -- shortlist ----------------------------------------------------------------------------------
def shortlist_section(ver: str, f: Filters, tf: tl.TalentFilters) -> None:
    shortlist = st.session_state.get(SHORTLIST) or {}
    st.subheader(f"{t('cl_shortlist')} ({len(shortlist)})")
    if not shortlist:
        st.caption(t("cl_shortlist_empty"))
        return
    df = tl.shortlist_frame(list(shortlist.values()))
    st.dataframe(df, hide_index=True, width="stretch")
    lines = export_lines(ver, f, tf)
    components.download_buttons(df, lines, "人才候选名单", "shortlist",
                                filters=_audit_filters(f, tf))
    st.button(t("cl_clear"), on_click=_clear, key="cl_clear")
    _profile_button(list(shortlist), "cl_profile_shortlist")


def _clear() -> None:
    """Empty the shortlist and the tables' selections (so they do not re-add rows)."""
    for key in [k for k in st.session_state
                if str(k).startswith(("cl_table_", "cl_seen", SHORTLIST))]:
        del st.session_state[key]


def export_lines(ver: str, f: Filters, tf: tl.TalentFilters) -> list[str]:
    """'筛选条件: …' header lines, then who exported what version and when."""
    ref = state.reference(ver)
    node_names = dict(zip(ref["nodes"]["node_id"], ref["nodes"]["name_zh"], strict=True))
    year = ref["default_year"] if f.year is None and ref["years"] else f.year
    lines = [f"筛选条件: {x}" for x in tl.describe(f, tf, ref["region_names"], node_names, year)]
    name, role = auth.current_user()
    stamp = pd.Timestamp.now().strftime("%Y-%m-%d %H:%M")
    return [*lines, f"导出: {stamp} · {name} ({role}) · 数据版本 {ver}"]


def _audit_filters(f: Filters, tf: tl.TalentFilters) -> dict:
    from dataclasses import asdict

    return {"global": asdict(f), "talent": asdict(tf)}


def export_clusters(ver: str, f: Filters, tf: tl.TalentFilters, result: dict,
                    k: int | None) -> None:
    """The cluster list as a table to download (suppressed as on screen)."""
    summary = result["summary"]
    if summary.empty:
        return
    with st.expander(t("cl_export")):
        cards = tl.cluster_cards(summary, result["stats"], result["tops"], k)
        df = pd.DataFrame([{
            "集群": c["cluster"], "地点": c["place"], "区县数": c["n_places"], "产业链环节": c["node"],
            "人数": c["size"], "中位年限": c.get("median_experience"),
            "高层次占比": c.get("high_share"), "海归": c.get("returnees"),
            "主要技能": "、".join(v for v, _ in c.get("skill") or []),
            "主要单位": "、".join(v for v, _ in c.get("employer") or []),
            "主要院校": "、".join(v for v, _ in c.get("university") or [])} for c in cards])
        st.dataframe(df, hide_index=True, width="stretch", height=240)
        components.download_buttons(df, export_lines(ver, f, tf), "人才集群", "clusters",
                                    filters=_audit_filters(f, tf))


# -- search -------------------------------------------------------------------------------------
def search_section(ver: str, k: int | None) -> None:
    text = st.text_input(t("cl_search"), key="cl_search", placeholder=t("cl_search_hint"))
    if not text.strip():
        st.caption(t("cl_search_scope"))
        return
    who = auth.role() if auth.can_see_individuals() else None
    found = state.search(ver, text.strip(), who)
    st.subheader(t("cl_search_talents"))
    counts = found["counts"].assign(talents=lambda d: d["talents"].map(
        lambda v: tl.fmt_count(v, k)))
    st.dataframe(counts[["label", "talents"]].rename(columns={"label": "匹配字段",
                                                              "talents": "人数"}),
                 hide_index=True)
    if who:
        people = found["talents"]
        st.dataframe(people[[*TABLE_COLUMNS, "matched_on"]].rename(
            columns={**TABLE_COLUMNS, "matched_on": "匹配于"}), hide_index=True, width="stretch")
        _profile_button(people["talent_id"].tolist(), "cl_profile_search")
    else:
        st.caption(t("cl_individuals_only"))
    st.subheader(t("cl_search_firms"))
    firms = found["enterprises"]
    if firms.empty:
        st.caption(t("no_data"))
    else:
        st.dataframe(firms.rename(columns={"name": "企业名称", "credit_code": "统一社会信用代码",
                                           "region": "所在地", "node": "产业链环节",
                                           "employees": "参保人数", "is_listed": "上市",
                                           "is_chain_leader": "链主"}),
                     hide_index=True, width="stretch")


if __name__ == "__main__":  # run as a page by st.navigation
    page()
