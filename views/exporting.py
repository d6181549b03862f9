"""Charts with an 导出 popover, and the registry of the charts a session has seen.

Use ``chart(fig, key=…, title=…, data=…, unit=…, page=…)`` where a page called
``st.plotly_chart(fig, key=…)``: it draws the same chart (other keyword arguments such as
``on_select`` pass through), adds a popover to download it as PNG/SVG/PDF/HTML or its data as
CSV/XLSX, and records it in ``st.session_state["export_registry"][page][key] = (figure, data, meta)``
so that the 导出 page can bundle every chart of the pages visited. Files are made only when a download button is
clicked (deferred), so drawing the page costs nothing extra. Images print the title, filters,
unit, freshness and source on them (``exports.charts``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import disclosure
from exports import INSTALL_HINT, ExportMeta, charts, describe_filters, freshness_text, tables
from views import state

REGISTRY = "export_registry"
FORMATS = (*charts.IMAGE_FORMATS, "html", *tables.TABLE_FORMATS)
LABELS = {"png": "PNG", "svg": "SVG", "pdf": "PDF", "html": "HTML (交互)", "csv": "CSV",
          "xlsx": "Excel"}
HELP = {"png": "图片 (可选宽度与倍率)", "svg": "矢量图, 适合排版", "pdf": "矢量 PDF",
        "html": "可交互的网页文件, 离线可用", "csv": "图表数据, UTF-8", "xlsx": "图表数据"}


def chart(fig, *, key: str, title: str, data: pd.DataFrame | None = None, unit: str = "",
          filters_text: str | None = None, page: str | None = None, note: str = "",
          renderer: str = "plotly_chart", **kwargs):
    """``st.plotly_chart(fig, key=key, **kwargs)`` with an 导出 popover; returns its event.
    ``renderer="component"``: the kept plotly graph of views/map_component; ``"svg"``: a map
    drawn as SVG by views/svg_map, horizontal bars by views/svg_bars (setting map_renderer;
    ``on_select`` and ``config`` pass through, other arguments are not taken)."""
    if renderer == "svg" and any(tr.type == "bar" for tr in fig.data):
        from views import svg_bars

        event = svg_bars.svg_bars(fig, key=key)
    elif renderer == "svg":
        from views import svg_map

        event = svg_map.svg_map(fig, key=key, on_select=kwargs.get("on_select"),
                                config=kwargs.get("config"), label=title)
    elif renderer == "component":
        from views import map_component

        event = map_component.plotly_map(fig, key=key, on_select=kwargs.get("on_select"),
                                         config=kwargs.get("config"))
    else:
        event = st.plotly_chart(fig, key=key, **kwargs)
    if allowed():
        meta = meta_for(title, unit=unit, filters_text=filters_text, page=page or "",
                        note=note)
        # The figure object itself, not its JSON: serialising a map with inline shapes costs
        # ~150 ms per rerun, and pages build a new figure on every run rather than change it.
        register(page or "", key, fig, data, meta)
        export_popover(fig, data, meta, key)
    return event


def suppress(df: pd.DataFrame, columns, k: int | None) -> pd.DataFrame:
    """People counts below k shown as '<k' in exported data, as on screen (None: no rule);
    analytics.disclosure decides what is small."""
    if not k:
        return df
    out = df.copy()
    for col in columns:
        out[col] = out[col].astype(object).map(
            lambda v: f"<{k}" if isinstance(v, int | float) and disclosure.is_small(v, k) else v)
    return out


def allowed() -> bool:
    """Exports follow the role model: recruiter, analyst and admin may export."""
    from views import auth

    return auth.can_export()


def meta_for(title: str, *, unit: str = "", filters_text: str | None = None, page: str = "",
             note: str = "") -> ExportMeta:
    """Title and unit from the caller; filters (in words), freshness and source from state."""
    ref = state.reference(state.version())
    when, source = freshness_text(ref["freshness"])
    if filters_text is None:
        filters_text = current_filters_text(ref)
    return ExportMeta(title=title, filters_text=filters_text, unit=unit, freshness=when,
                      source=source, page=page, note=note)


def current_filters_text(ref: dict) -> str:
    f = state.filters()
    nodes = dict(zip(ref["nodes"]["node_id"], ref["nodes"]["name_zh"], strict=True))
    year = f.year or (ref["default_year"] if ref["years"] else None)
    return describe_filters(f, ref["region_names"], nodes, year=year)


def register(page: str, key: str, spec, data: pd.DataFrame | None, meta: ExportMeta) -> None:
    """Remember the chart (figure, data, meta) for the 导出 page."""
    reg = st.session_state.setdefault(REGISTRY, {})
    reg.setdefault(page, {})[key] = (spec, data, meta)


def registry() -> dict[str, dict[str, tuple]]:
    return st.session_state.get(REGISTRY, {})


def export_popover(spec, data: pd.DataFrame | None, meta: ExportMeta, key: str) -> None:
    with st.popover("导出", icon=":material/download:"):
        # A radio, not a segmented control: clicking the chosen segment would unselect it.
        fmt = st.radio("格式", FORMATS, format_func=LABELS.get, horizontal=True,
                       key=f"{key}__fmt")
        st.caption(HELP[fmt])
        opts = image_options(key) if fmt == "png" else {}
        download_button(spec, data, meta, fmt, opts, key)


def image_options(key: str) -> dict:
    left, right = st.columns(2)
    width = left.selectbox("宽度 (像素)", charts.WIDTHS, index=1, key=f"{key}__width")
    scale = right.selectbox("倍率", charts.SCALES, key=f"{key}__scale",
                            format_func=lambda s: f"{s}×")
    return {"width": width, "scale": scale}


def download_button(spec, data, meta: ExportMeta, fmt: str, opts: dict, key: str) -> None:
    """One button; the file is made when it is clicked (and the click is audited)."""
    disabled = False
    if fmt in charts.IMAGE_FORMATS and not charts.static_available():
        st.warning(INSTALL_HINT)
        disabled = True
    elif fmt in tables.TABLE_FORMATS and data is None:
        st.caption("该图表没有可导出的数据表")
        disabled = True
    name = charts.file_name(meta, fmt)
    st.download_button(f"下载 {LABELS[fmt]}", data=producer(spec, data, meta, fmt, opts),
                       file_name=name, mime=charts.MIME[fmt], key=f"{key}__download",
                       disabled=disabled, on_click=audit, args=(name, meta),
                       icon=":material/download:", type="primary")


def producer(spec, data, meta: ExportMeta, fmt: str, opts: dict):
    """A no-argument callable making the file (Streamlit runs it on click, in a thread)."""
    if fmt in tables.TABLE_FORMATS:
        return lambda: tables.export_table(data, meta, fmt)
    return lambda: charts.export(spec, meta, fmt, **opts)


def audit(name: str, meta: ExportMeta) -> None:
    from views import auth

    auth.audit("export", name, filters={"filters": meta.filters_text, "page": meta.page})
