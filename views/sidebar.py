"""The global filters in the sidebar, shared by every page and mirrored in the URL."""

from __future__ import annotations

import streamlit as st

from analytics.filters import COUNTRY, EDUCATION, EXPERIENCE_BANDS, LAYERS, TIERS, Filters
from views import state
from views.i18n import t

TIER_LABELS = {"A": "A 顶尖人才", "B": "B 国家级领军", "C": "C 省级领军", "D": "D 市级领军",
               "E": "E 高级/青年", "N": "无层次"}


def go_to(adcode: str) -> None:
    """Change the region in view (a click on the map, a breadcrumb or the drill box)."""
    state.set_filters(state.filters().with_(region=adcode))


def render() -> Filters:
    """Draw the filters; returns the filters now in force."""
    ver = state.version()
    ref = state.reference(ver)
    f = state.filters()
    sb = st.sidebar
    sb.segmented_control(t("language"), ["中文", "English"], key="lang_choice",
                         default="中文", on_change=_set_lang)
    sb.header(t("filters"))
    _region_picker(sb, ver, ref, f)
    nodes = ref["nodes"]
    layer = sb.selectbox(t("layer"), [None, *LAYERS], index=_index([None, *LAYERS], f.layer),
                         format_func=lambda v: t("all") if v is None else v)
    pool = nodes if layer is None else nodes[nodes["layer"] == layer]
    labels = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    chosen = sb.multiselect(t("nodes"), list(pool["node_id"]),
                            default=[n for n in f.nodes if n in set(pool["node_id"])],
                            format_func=lambda n: f"{labels.get(n, n)}", placeholder=t("choose"))
    tiers = sb.multiselect(t("tier"), TIERS, default=list(f.tiers),
                           format_func=TIER_LABELS.get, placeholder=t("choose"))
    edu = sb.multiselect(t("education"), EDUCATION, default=list(f.education),
                         placeholder=t("choose"))
    exp = sb.multiselect(t("experience"), EXPERIENCE_BANDS, default=list(f.experience),
                         placeholder=t("choose"))
    ret = sb.checkbox(t("returnees"), value=f.returnees_only)
    years = ref["years"] or [None]
    default = ref["default_year"] if ref["years"] else None
    year = sb.selectbox(t("year"), years[::-1], index=_index(years[::-1], f.year or default))
    if f.year is None and year == default:
        year = None  # "the default year": a shared link follows new data
    new = f.with_(layer=layer, nodes=tuple(chosen), tiers=tuple(tiers), education=tuple(edu),
                  experience=tuple(exp), returnees_only=ret, year=year)
    if sb.button(t("reset"), width="stretch"):
        new = Filters(region=f.region)
    state.set_filters(new)
    state.sync_url(new)
    return new


def _region_picker(sb, ver: str, ref: dict, f: Filters) -> None:
    crumbs = state.breadcrumb(ver, f.region)
    sb.caption(t("region"))
    cols = sb.columns(len(crumbs))
    for col, (code, name) in zip(cols, crumbs, strict=True):
        col.button(name, key=f"crumb_{code}", on_click=go_to, args=(code,),
                   disabled=code == f.region, width="stretch")
    regions = ref["regions"]
    kids = regions[regions["parent_adcode"] == state.drill_parent(ver, f.region)] \
        .sort_values("adcode")
    if len(kids):
        options = [None, *kids["adcode"]]
        names = ref["region_names"]
        sb.selectbox(t("drill"), options, index=0, key=f"drill_{f.region}",
                     format_func=lambda c: "—" if c is None else names.get(c, c),
                     on_change=_drill, args=(f"drill_{f.region}",))


def _drill(key: str) -> None:
    code = st.session_state.get(key)
    if code:
        go_to(code)


def _set_lang() -> None:
    st.session_state["lang"] = "en" if st.session_state.get("lang_choice") == "English" else "zh"


def _index(options: list, value) -> int:
    return options.index(value) if value in options else 0


def region_name(ver: str, adcode: str) -> str:
    return "全国" if adcode == COUNTRY else state.reference(ver)["region_names"].get(adcode, adcode)
