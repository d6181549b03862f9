"""人才集群: filter talent on top of the global filters, find where matching talent concentrates
(place × chain node, grouped by a density clustering of region centres), read each cluster's
card, and — for recruiters and admins — list its people and the scattered ones, build a
shortlist and export it (views/cluster_people.py). Also the search tab.

The page's filters survive a visit to another page (``persist_state="session"``) and are
mirrored in the URL as ``c_*`` params (``TalentFilters.to_query_params``); a URL's ``c_*``
params — a shared link, a saved view — are read once, through the whitelists of
``TalentFilters.from_query_params``.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings
from analytics import clusters as cl
from analytics import talent as tl
from analytics.filters import (
    COUNTRY,
    EDUCATION,
    EPS_KM,
    MIN_TALENTS,
    TIERS,
    Filters,
    clustering_from_query_params,
    clustering_to_query_params,
)
from maps.figures import MAP_STYLE, fit_view, geojson_bounds, maritime_trace
from views import auth, components, exporting, sidebar, state
from views import cluster_people as people
from views.i18n import t

SELECTED = "cl_selected"     # session key: the cluster in view
TAB = "cl_tab"               # the tabs' widget key, and TAB_LAST what it was last
TAB_LAST = "cl_tab_last"
APPLIED = "cl_url_applied"   # session: the URL's c_* params were read (once per session)
PENDING = "cl_pending"       # session: params to apply on the next run (a saved view opened)
PERSIST = "session"          # the filter widgets keep their values across pages
MAP_KEY = "cluster_map"
MAP_HEIGHT = 520
CARDS = 9
BUBBLE_MAX_PX = 46


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()
    st.title(f"{t('clusters')} · {sidebar.region_name(ver, f.region)}")
    labels = [t("cl_tab_clusters"), t("cl_tab_search")]
    last = st.session_state.get(TAB_LAST)
    tab_clusters, tab_search = st.tabs(labels, key=TAB, on_change=_remember_tab,
                                       default=last if last in labels else None)
    with tab_clusters:
        tf, how = talent_filters(ver)
        sync_url(tf, how)
        result = state.clusters(ver, f, tf, *how)
        summary_line(result, k)
        chosen = cluster_overview(ver, f, result, k)
        ctx = people.Context(ver, f, tf)
        if chosen is not None:
            _card_grid(tl.cluster_cards(result["summary"].head(CARDS), result["stats"],
                                        result["tops"], k))
            people.cluster_people(ctx, result, chosen)
        if auth.can_see_individuals():
            people.scattered_people(ctx, result)
            people.shortlist_section(ctx)
        if auth.can_export():
            people.export_clusters(ctx, result, k)
    with tab_search:
        people.search_section(ver, k)
    components.freshness_line(ver)


def _remember_tab() -> None:
    st.session_state[TAB_LAST] = st.session_state.get(TAB)


# -- filters ------------------------------------------------------------------------------------
def default_how() -> tuple[float, int, bool]:
    """The clustering parameters' defaults (settings cluster_eps_km, cluster_min_talents)."""
    return (float(settings.get("cluster_eps_km")), int(settings.get("cluster_min_talents")), True)


def widget_values(tf: tl.TalentFilters, how: tuple[float, int, bool]) -> dict:
    """The filter widgets' values (session keys) that show ``tf`` and ``how``."""
    from maps.resolver import default_resolver

    expected = default_resolver().full_name(tf.expected) if tf.expected else ""
    lo = int(tf.exp_min) if tf.exp_min is not None else 0
    hi = int(tf.exp_max) if tf.exp_max is not None else tl.EXPERIENCE_MAX
    eps = min(max(int(how[0]) // EPS_KM[2] * EPS_KM[2], EPS_KM[0]), EPS_KM[1])
    return {"cl_skills": ", ".join(tf.skill_terms), "cl_nodes": list(tf.nodes),
            "cl_expected": expected or "", "cl_tiers": list(tf.tiers),
            "cl_edu": list(tf.education), "cl_unis": list(tf.universities), "cl_exp": (lo, hi),
            "cl_age": list(tf.age_bands), "cl_ret": tf.returnees_only,
            "cl_reloc": tf.relocate_only, "cl_abroad": tf.abroad_only, "cl_eps": eps,
            "cl_min": min(max(int(how[1]), MIN_TALENTS[0]), MIN_TALENTS[1]),
            "cl_by_node": bool(how[2])}


def apply_params(ver: str, qp: dict) -> None:
    """Set the filter widgets from untrusted URL params (whitelisted by from_query_params);
    what the params do not name goes back to its default."""
    ref = state.reference(ver)
    tf = tl.TalentFilters.from_query_params(
        qp, known_nodes=set(ref["nodes"]["node_id"]), known_regions=set(ref["region_names"]),
        universities=state.universities(ver), resolve=lambda text: state.resolve_skills(ver, text))
    st.session_state.update(widget_values(tf, clustering_from_query_params(qp, default_how())))


def _initial_state(ver: str) -> None:
    """Params of a saved view just opened, else (once per session) those of the URL the session
    started with; then defaults for every widget not set yet."""
    pending = st.session_state.pop(PENDING, None)
    if pending is None and not st.session_state.get(APPLIED):
        start = st.session_state.get(sidebar.START_URL) or st.query_params.to_dict()
        pending = start if any(str(key).startswith("c_") for key in start) else None
    st.session_state[APPLIED] = True
    if pending is not None:
        apply_params(ver, pending)
    for key, value in widget_values(tl.TalentFilters(), default_how()).items():
        st.session_state.setdefault(key, value)


def sync_url(tf: tl.TalentFilters, how: tuple[float, int, bool]) -> None:
    """Mirror the page's filters in the URL beside the sidebar's (which sidebar.render wrote);
    a profile's talent id left over by the browser's back button goes."""
    wanted = tf.to_query_params() | clustering_to_query_params(how, default_how())
    current = st.query_params.to_dict()
    if "talent" in current:
        del st.query_params["talent"]
    if any(current.get(key) != value for key, value in wanted.items()):
        st.query_params.update(wanted)


def talent_filters(ver: str) -> tuple[tl.TalentFilters, tuple[float, int, bool]]:
    """The page's filters (on top of the sidebar's) and the clustering parameters."""
    _initial_state(ver)
    ref = state.reference(ver)
    nodes = ref["nodes"]
    labels = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    with st.expander(t("cl_filters"), expanded=True):
        c1, c2, c3 = st.columns(3)
        terms, groups = _skills_box(c1, ver)
        picked = c1.multiselect(t("nodes"), list(nodes["node_id"]), key="cl_nodes",
                                format_func=lambda n: labels.get(n, n), placeholder=t("choose"),
                                persist_state=PERSIST)
        expected = _expected_city(c1)
        tiers = c2.multiselect(t("tier"), TIERS, key="cl_tiers", format_func=sidebar.TIER_LABELS.get,
                               placeholder=t("choose"), persist_state=PERSIST)
        edu = c2.multiselect(t("education"), EDUCATION, key="cl_edu", placeholder=t("choose"),
                             persist_state=PERSIST)
        unis = c2.multiselect(t("cl_university"), state.universities(ver), key="cl_unis",
                              placeholder=t("choose"), persist_state=PERSIST)
        lo, hi = c3.slider(t("cl_experience"), 0, tl.EXPERIENCE_MAX, key="cl_exp",
                           persist_state=PERSIST)
        ages = c3.multiselect(t("cl_age"), tl.AGE_BANDS, key="cl_age", placeholder=t("choose"),
                              persist_state=PERSIST)
        ret = c3.checkbox(t("returnees"), key="cl_ret", persist_state=PERSIST)
        reloc = c3.checkbox(t("cl_relocate"), key="cl_reloc", persist_state=PERSIST)
        abroad = c3.checkbox(t("cl_abroad"), key="cl_abroad", persist_state=PERSIST,
                             help="所在地在境外的人才 (代替左侧地区); 与「愿意流动」「期望城市」"
                                  "一起用, 找愿意回到本地的海外人才")
        how = _clustering_params()
    tf = tl.TalentFilters(skills=groups, skill_terms=terms, nodes=tuple(picked),
                          tiers=tuple(tiers), education=tuple(edu), universities=tuple(unis),
                          exp_min=float(lo) if lo > 0 else None,
                          exp_max=float(hi) if hi < tl.EXPERIENCE_MAX else None,
                          age_bands=tuple(ages), returnees_only=ret, relocate_only=reloc,
                          expected=expected, abroad_only=abroad)
    return tf, how


def _skills_box(col, ver: str) -> tuple[tuple, tuple]:
    """Free text → vocabulary skills, shown under the box (a term that matches nothing says so)."""
    text = col.text_input(t("cl_skills"), key="cl_skills", placeholder="VR, PyTorch",
                          persist_state=PERSIST)
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

    text = col.text_input(t("cl_expected"), key="cl_expected", placeholder="青岛",
                          persist_state=PERSIST)
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
    eps = c1.slider(t("cl_eps"), EPS_KM[0], EPS_KM[1], step=EPS_KM[2], key="cl_eps",
                    help=t("cl_eps_help"), persist_state=PERSIST)
    min_n = c2.number_input(t("cl_min"), MIN_TALENTS[0], MIN_TALENTS[1], key="cl_min",
                            help=t("cl_min_help"), persist_state=PERSIST)
    by_node = c3.toggle(t("cl_by_node"), key="cl_by_node", persist_state=PERSIST)
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
        cells = result["cells"]
        extra = (" 符合条件但不在任何集群内的人才见下方「零散人才」。"
                 if len(cells) and auth.can_see_individuals() else "")
        st.info(t("cl_none") + extra)
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
        chosen = st.selectbox(t("cl_pick"), options, key=SELECTED, format_func=names.get,
                              persist_state=PERSIST)
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


# -- one cluster: its card --------------------------------------------------------------------------
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


if __name__ == "__main__":  # run as a page by st.navigation
    page()
