"""导出: every chart of the pages visited in this session as one ZIP (chosen charts × chosen
formats), and the 区域人才简报 (region brief) as PDF and HTML."""

from __future__ import annotations

import datetime as dt

import streamlit as st

import settings
from analytics.filters import COUNTRY
from exports import INSTALL_HINT, ExportUnavailable, brief, charts, tables
from views import auth, components, exporting, state
from views.i18n import t

ALL_PAGES = "__all__"
BRIEF = "export_brief"
LEVELS = {"country": 0, "province": 1, "city": 2, "district": 3}


def page() -> None:
    ver = state.version()
    st.title("导出")
    if exporting.allowed():
        charts_section()
    else:
        st.info("当前角色不能导出图表与数据 (需要 招聘、分析 或 管理员 角色); 区域简报见下方。")
    st.divider()
    brief_section(ver)
    components.freshness_line(ver)


# -- charts -------------------------------------------------------------------------------------

def charts_section() -> None:
    st.subheader("图表与数据")
    reg = exporting.registry()
    if not reg:
        st.info("先打开其他页面: 看过的每个图表都会列在这里, 可一次打包下载。")
        return
    scope = st.selectbox("页面", [ALL_PAGES, *reg], key="export_scope",
                         format_func=lambda p: "全部看过的页面" if p == ALL_PAGES else page_label(p))
    entries = chart_entries(reg, scope)
    chosen = st.multiselect("图表 (默认为该页面的全部图表)", list(entries), default=list(entries),
                            format_func=lambda e: entries[e][0], key=f"export_charts_{scope}")
    formats = st.pills("格式", exporting.FORMATS, selection_mode="multi", default=["png", "csv"],
                       format_func=exporting.LABELS.get, key="export_formats") or []
    opts = exporting.image_options("export_zip") if "png" in formats else {}
    zip_button([entries[e][1] for e in chosen], formats, opts)


def page_label(page: str) -> str:
    return t(page) if page else "其他"


def chart_entries(reg: dict, scope: str) -> dict[str, tuple[str, tables.ChartItem]]:
    """'page/key' → (label, item) for the pages in scope, in the order they were seen."""
    out = {}
    for page, charts_of_page in reg.items():
        if scope not in (ALL_PAGES, page):
            continue
        for key, (spec, data, meta) in charts_of_page.items():
            item = tables.ChartItem(spec, data, meta, folder=page_label(page))
            out[f"{page}/{key}"] = (f"{page_label(page)} · {meta.title}", item)
    return out


def zip_button(items: list[tables.ChartItem], formats: list[str], opts: dict) -> None:
    images = [f for f in formats if f in charts.IMAGE_FORMATS]
    if images and not charts.static_available():
        st.warning(f"{INSTALL_HINT}。ZIP 中将只有 HTML 与数据文件。")
    name = f"人才地图导出_{dt.date.today():%Y%m%d}.zip"
    st.download_button(
        f"下载 ZIP ({len(items)} 个图表 × {len(formats)} 种格式)",
        data=lambda: tables.bundle(items, formats, **opts), file_name=name,
        mime=charts.MIME["zip"], disabled=not items or not formats, key="export_zip_download",
        on_click=auth.audit, args=("export", name), icon=":material/folder_zip:", type="primary")


# -- region brief -------------------------------------------------------------------------------

def region_options(ref: dict) -> tuple[list[str], dict[str, str]]:
    """Every region (country, provinces, cities, districts) with a label naming its parent."""
    regions = ref["regions"]
    names = ref["region_names"]
    df = regions.assign(order=regions["level"].map(LEVELS)).sort_values(["order", "adcode"])
    labels = {}
    for code, name, parent in zip(df["adcode"], df["name"], df["parent_adcode"], strict=True):
        up = names.get(parent) if isinstance(parent, str) and parent != COUNTRY else None
        labels[code] = "全国" if code == COUNTRY else (f"{name} ({up})" if up else name)
    return list(labels), labels


def brief_section(ver: str) -> None:
    st.subheader("区域人才简报")
    st.caption("地区分布图、与对标城市比较、产业链环节状态、主要短板与招引目标、人才流动、数据说明;"
               " A4 PDF (每节一页) 与离线可看的 HTML。")
    codes, labels = region_options(state.reference(ver))
    default = state.filters().region
    if default == COUNTRY:
        default = settings.get("home_region")
    region = st.selectbox("地区", codes, index=codes.index(default) if default in codes else 0,
                          format_func=lambda c: labels.get(c, c), key="brief_region")
    if st.button("生成简报", key="brief_build", icon=":material/description:"):
        build_brief(region)
    result = st.session_state.get(BRIEF)
    if result is not None:
        brief_downloads(result)


def build_brief(region: str) -> None:
    options = {"k": auth.small_cell_k(), "th": state.thresholds(), "year": state.filters().year}
    with st.spinner("正在生成简报 …"):
        try:
            result = brief.build(state.reader(), region, **options)
        except ExportUnavailable as exc:
            st.warning(f"{exc}。只生成了 HTML。")
            result = brief.build(state.reader(), region, pdf=False, **options)
    st.session_state[BRIEF] = result


def brief_downloads(result: brief.Brief) -> None:
    stem = result.file_stem()
    took = result.timings.get("html", 0) + result.timings.get("pdf", 0)
    st.success(f"已生成: 区域人才简报 · {result.name} (用时约 {took:.1f} 秒)")
    left, right = st.columns(2)
    if result.pdf is not None:
        left.download_button("下载 PDF", result.pdf, file_name=f"{stem}.pdf",
                             mime=charts.MIME["pdf"], key="brief_pdf", on_click=auth.audit,
                             args=("export", f"{stem}.pdf"), icon=":material/picture_as_pdf:")
    right.download_button("下载 HTML", result.html.encode("utf-8"), file_name=f"{stem}.html",
                          mime=charts.MIME["html"], key="brief_html", on_click=auth.audit,
                          args=("export", f"{stem}.html"), icon=":material/html:")


if __name__ == "__main__":  # run as a page by st.navigation
    page()
