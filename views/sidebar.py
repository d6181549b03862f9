"""The global filters in the sidebar, shared by every page and mirrored in the URL; and the
user's saved views (a page with its filters, as its URL) to save, reopen, share and delete."""

from __future__ import annotations

from urllib.parse import parse_qsl

import streamlit as st

import settings
from access import saved_views as sv
from analytics.filters import COUNTRY, EDUCATION, EXPERIENCE_BANDS, LAYERS, TIERS, Filters
from views import components, state
from views.i18n import t

START_URL = "url_at_start"   # session: the URL params the session started with (pages read theirs)
SV_GOTO = "sv_goto"          # session: (page, params) of a saved view to open on this run
SV_LINK = "sv_link"          # session: the view whose link is shown (saved or opened last)
SV_NAME = "sv_name"

TIER_LABELS = {"A": "A 顶尖人才", "B": "B 国家级领军", "C": "C 省级领军", "D": "D 市级领军",
               "E": "E 高级/青年", "N": "无层次"}


def go_to(adcode: str) -> None:
    """Change the region in view (a click on the map, a breadcrumb or the drill box)."""
    state.set_filters(state.filters().with_(region=adcode))


def render() -> Filters:
    """Draw the filters; returns the filters now in force."""
    # Before the sync below rewrites the URL: a page's own params (the cluster page's c_*) are
    # read from here on the page's first run in this session.
    st.session_state.setdefault(START_URL, st.query_params.to_dict())
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
    year = sb.selectbox(t("year"), years[::-1], index=_index(years[::-1], f.year or default),
                        format_func=lambda y: "—" if y is None else str(y))
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
    kids = ref["children"].get(state.drill_parent(ver, f.region), ())
    if kids:
        options = [None, *kids]
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


# -- saved views --------------------------------------------------------------------------------
def _user() -> str:
    from views import auth

    return auth.current_user()[0]


def _store():
    return settings.path("app_db_path")


def saved_views(page: str, pages: dict) -> None:
    """The sidebar's 已保存的视图: save this page with its filters under a name, reopen one (same
    session: role and shortlist stay), see its link to share, delete it. ``page`` is the url
    path of the page in view, ``pages`` url path → st.Page (the pages a view may open)."""
    goto = st.session_state.pop(SV_GOTO, None)
    if goto is not None and goto[0] in pages:
        st.switch_page(pages[goto[0]], query_params=goto[1])
    error = st.session_state.pop("sv_error", None)
    with st.sidebar.expander("已保存的视图", expanded=error is not None):
        if error:
            st.error(error)
        st.text_input("名称", key=SV_NAME, max_chars=sv.NAME_MAX, placeholder="如 崂山 VR 人才")
        st.button("保存当前视图", key="sv_save", on_click=_save, args=(page,), width="stretch",
                  help="保存本页及其筛选条件 (即当前网址), 仅对当前用户可见")
        try:
            views = sv.list_views(_store(), _user())
        except sv.SavedViewError as e:
            st.error(str(e))
            return
        if not views:
            st.caption("尚无保存的视图。")
        for i, view in enumerate(views[:20]):
            left, right = st.columns([4, 1], vertical_alignment="center", gap="small")
            left.button(components.md(view.name), key=f"sv_open_{i}", on_click=_open,
                        args=(view, set(pages)), help=f"打开: {view.url()}", width="stretch")
            right.button("", key=f"sv_del_{i}", on_click=_delete, args=(view.name,),
                         icon=":material/delete:", type="tertiary", help="删除此视图")
        shown = next((v for v in views if v.name == st.session_state.get(SV_LINK)), None)
        if shown is not None:
            st.caption(f"「{components.md(shown.name)}」的链接 (可分享; 打开者看到的内容取决于其角色):")
            st.code(shown.url(app_root(page)), language=None, wrap_lines=True)


def app_root(page: str) -> str:
    """The app's address ending with '/', from the browser's URL of the page in view."""
    url = st.context.url
    if not url:
        return "/"
    base = url.split("?", 1)[0].rstrip("/")
    if base.rsplit("/", 1)[-1] == page:
        base = base.rsplit("/", 1)[0]
    return base + "/"


def _save(page: str) -> None:
    name = st.session_state.get(SV_NAME, "")
    try:
        view = sv.save(_store(), _user(), name, page, st.query_params.to_dict())
    except sv.SavedViewError as e:
        st.session_state["sv_error"] = str(e)
        return
    st.session_state[SV_LINK] = view.name
    st.session_state[SV_NAME] = ""
    st.toast(f"已保存视图「{view.name}」", icon=":material/bookmark_added:")


def _open(view: sv.SavedView, pages: set) -> None:
    """Apply the view's filters (checked like any URL's) and go to its page on this run."""
    from views import clusters

    if view.page not in pages:
        st.toast("该视图的页面已不存在", icon=":material/warning:")
        return
    params = dict(parse_qsl(view.query))
    ref = state.reference(state.version())
    state.set_filters(Filters.from_query_params(params, set(ref["region_names"]),
                                                set(ref["nodes"]["node_id"])))
    if view.page == "clusters":  # the cluster page's own filters, read on its next run
        st.session_state[clusters.PENDING] = params
    st.session_state[SV_LINK] = view.name
    st.session_state[SV_GOTO] = (view.page, params)


def _delete(name: str) -> None:
    try:
        sv.delete(_store(), _user(), name)
    except sv.SavedViewError as e:
        st.session_state["sv_error"] = str(e)
