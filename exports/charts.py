"""Charts to PNG, SVG, PDF (kaleido driving the system Chromium) and self-contained HTML.

Every export is made from a copy of the figure that carries a header (title; filters and unit)
and a footer (freshness, source, export time), in a CJK font. Static images go through one
Chromium kept warm in this process (``renderer()``): starting one costs about 2 s, a warm one
renders a chart in a fraction of a second. It runs on an event-loop thread of its own, so any
thread (Streamlit sessions, the download callbacks) may call it; it closes after being idle.

Maps: the figure's GeoJSON is embedded (a URL would not resolve inside the exporting browser
nor in a saved HTML file) and the view is refitted to the exported canvas. MapLibre's
``white-bg`` style has no tiles, so maps export offline. A saved HTML map opened from disk
needs the small script in chart.html (Chrome refuses MapLibre's module worker on file://).
"""

from __future__ import annotations

import asyncio
import atexit
import html
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

from exports import CJK_FONT, PRODUCT, ExportMeta, ExportUnavailable, now_text
from figures.measure import text_px, top_decoration_px  # noqa: F401 - text_px re-exported

IMAGE_FORMATS = ("png", "svg", "pdf")
FORMATS = (*IMAGE_FORMATS, "html")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
        "html": "text/html", "csv": "text/csv", "zip": "application/zip",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WIDTHS = (800, 1200, 1600)
SCALES = (1, 2, 3)
DEFAULT_WIDTH = 1200
DEFAULT_HEIGHT = 500
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TITLE_PX, SUBTITLE_PX, FOOTER_PX = 20, 13, 11
LINE = 1.35   # line height as a multiple of the font size
GAP = 10      # px between the header and the plot, and around the footer
SIDE = 16     # px kept free at the left and right edges
COLORBAR_PX = 110
MAP_TRACES = ("choroplethmap", "scattermap", "densitymap")
RENDER_TIMEOUT_S = 90
IDLE_CLOSE_S = 600  # a warm browser unused this long is closed (it holds ~150 MB)
# kaleido prints a PDF on a page of the image's size with 0.1 in margins: the image's right and
# bottom 0.2 in (19.2 px) fall off the page. PDFs get this much blank padding there.
PDF_CLIP_PX = 24
GEOJSON_URL = re.compile(r"(\d{6})\.json(?:$|\?)")
# Streamlit's light-theme palette: exported charts keep the colours seen on screen.
COLORWAY = ("#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700",
            "#ffd16a", "#6d3fc0", "#d5dae5")


# -- the browser ----------------------------------------------------------------------------

def chromium_path() -> str | None:
    """The system Chromium: $BROWSER_PATH when set (even if wrong: then None), else on PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env:
        return env if os.access(env, os.X_OK) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def static_available() -> bool:
    return chromium_path() is not None


class Renderer:
    """One kaleido browser on an asyncio loop running in a daemon thread."""

    def __init__(self, browser: str):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="kaleido",
                                        daemon=True)
        self._thread.start()
        try:
            self._kaleido = self._call(self._open(browser), 60)
        except Exception:
            self._stop_loop()
            raise

    @staticmethod
    async def _open(browser: str):
        import kaleido

        # mathjax=False: kaleido would otherwise load MathJax from a CDN on every page.
        k = kaleido.Kaleido(n=1, mathjax=False, path=browser, timeout=RENDER_TIMEOUT_S)
        await k.open()
        return k

    def _call(self, coro, timeout: float = RENDER_TIMEOUT_S + 10):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def render(self, fig: go.Figure, opts: dict) -> bytes:
        return self._call(self._kaleido.calc_fig(fig, opts=opts))

    def close(self) -> None:
        try:
            self._call(self._kaleido.close(), 30)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


_LOCK = threading.Lock()  # guards the renderer and its use count (the idle check needs both)
_RENDERER: Renderer | None = None
_USE = {"busy": 0, "last": 0.0}


def renderer() -> Renderer:
    """The process's warm browser, started on first use."""
    with _LOCK:
        return _start_locked()


def _start_locked() -> Renderer:
    global _RENDERER
    if _RENDERER is None:
        browser = chromium_path()
        if browser is None:
            raise ExportUnavailable()
        try:
            _RENDERER = Renderer(browser)
        except Exception as exc:  # a browser that does not start is as good as none
            raise ExportUnavailable(f"Chromium 无法启动 ({browser}): {exc}") from exc
        _USE["last"] = time.monotonic()
        _watch_idle(_RENDERER)
    return _RENDERER


def shutdown() -> None:
    """Close the warm browser (the next export starts a new one)."""
    global _RENDERER
    with _LOCK:
        current, _RENDERER = _RENDERER, None
    if current is not None:
        current.close()


atexit.register(shutdown)


def is_warm() -> bool:
    return _RENDERER is not None


@contextmanager
def browser_session():
    """One browser for a batch of exports; closed afterwards unless it was already warm."""
    started = not is_warm()
    renderer()
    try:
        yield
    finally:
        if started:
            shutdown()


def _watch_idle(current: Renderer) -> None:
    """Close the browser after IDLE_CLOSE_S without a render (checked by a daemon timer)."""
    def check():
        global _RENDERER
        with _LOCK:
            if _RENDERER is not current:
                return  # closed or replaced meanwhile
            idle = _USE["busy"] == 0 and time.monotonic() - _USE["last"] >= IDLE_CLOSE_S
            if idle:
                _RENDERER = None
        if idle:
            current.close()
        else:
            _watch_idle(current)

    timer = threading.Timer(IDLE_CLOSE_S / 4, check)
    timer.daemon = True
    timer.start()


def _render(fig: go.Figure, opts: dict) -> bytes:
    """Render through the warm browser; a browser that failed is dropped and restarted next."""
    from kaleido.errors import KaleidoError

    with _LOCK:  # taken and counted at once, so that the idle check cannot close it under us
        r = _start_locked()
        _USE["busy"] += 1
    try:
        return r.render(fig, opts)
    except KaleidoError:
        raise  # the figure is at fault, not the browser
    except Exception:
        shutdown()
        raise
    finally:
        with _LOCK:
            _USE["busy"] -= 1
            _USE["last"] = time.monotonic()


# -- text layout ------------------------------------------------------------------------------

def wrap(text: str, max_px: float, px: float, sep: str = " · ") -> list[str]:
    """Greedy line breaking at separators; a part longer than a line is cut by characters."""
    lines: list[str] = []
    current = ""
    for part in (p for p in text.split(sep) if p):
        candidate = f"{current}{sep}{part}" if current else part
        if text_px(candidate, px) <= max_px:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in part:
            if text_px(current + ch, px) > max_px and current:
                lines.append(current)
                current = ""
            current += ch
    return [*lines, current] if current else lines


def _esc(text: str) -> str:
    """Plotly renders a subset of HTML in text: data must not become tags."""
    return html.escape(str(text), quote=False)


def _block_px(lines: list[str], px: float) -> float:
    return len(lines) * px * LINE


# -- decorating a copy of the figure ----------------------------------------------------------

def as_figure(fig) -> go.Figure:
    """A private copy of a figure given as a Figure, a dict or its JSON text."""
    if isinstance(fig, str):
        return pio.from_json(fig, skip_invalid=True)
    return go.Figure(fig)


def export_template() -> go.layout.Template:
    template = go.layout.Template(pio.templates["plotly_white"])
    template.layout.colorway = COLORWAY
    return template


def _streamlit_template(fig: go.Figure) -> bool:
    """Whether the figure has Streamlit's template (or none)."""
    # Streamlit's template holds placeholder colours (#000001…) that only its frontend
    # replaces: exported as is, every bar would be black and the axes unstyled.
    colorway = fig.layout.template.layout.colorway
    return not fig.layout.template.to_plotly_json() or bool(
        colorway and str(colorway[0]).lower() == "#000001")


def prepare(fig) -> go.Figure:
    """A copy ready for any export: a real template, embedded shapes, the CJK font."""
    out = inline_geojson(as_figure(fig))
    if _streamlit_template(out):
        out.layout.template = export_template()
    out.update_layout(font={"family": CJK_FONT})
    return out


def _subset(geojson: dict, ids) -> dict:
    wanted = {str(i) for i in ids}
    return {"type": "FeatureCollection",
            "features": [f for f in geojson["features"] if str(f.get("id")) in wanted]}


def inline_geojson(fig: go.Figure, loader=None) -> go.Figure:
    """Replace GeoJSON URLs (``…/<parent adcode>.json``) by the shapes themselves."""
    if loader is None:
        from maps.geometry import children_geojson as loader
    for trace in fig.data:
        if trace.type != "choroplethmap" or not isinstance(trace.geojson, str):
            continue
        match = GEOJSON_URL.search(trace.geojson)
        if match is None:
            raise ValueError(f"无法导出: 地图边界 {trace.geojson!r} 不是区划边界文件")
        trace.geojson = _subset(loader(match.group(1)), trace.locations or ())
    from maps import static

    static.inline_layers(fig)
    return fig


def is_map(fig: go.Figure) -> bool:
    return any(t.type in MAP_TRACES for t in fig.data)


def _map_bounds(fig: go.Figure) -> tuple[float, float, float, float] | None:
    """Extent of the drawn shapes and points of a map figure."""
    from maps.figures import geojson_bounds

    boxes = []
    for t in fig.data:
        if t.type == "choroplethmap" and isinstance(t.geojson, dict) and t.geojson["features"]:
            boxes.append(geojson_bounds(t.geojson))
        elif t.type == "scattermap" and t.lon is not None:
            pts = [(x, y) for x, y in zip(t.lon, t.lat, strict=False)
                   if x is not None and y is not None]
            if pts:
                xs, ys = zip(*pts, strict=True)
                boxes.append((min(xs), min(ys), max(xs), max(ys)))
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _refit_map(fig: go.Figure, plot_w: float, plot_h: float) -> None:
    """Center and zoom so that each map fills its part of the exported plot area: the bounds
    the figure asks each map to show (``layout.meta.fit_bounds``, set by figures.classed_map:
    the national map's main view and its 南海诸岛 inset), else what is drawn."""
    from maps.figures import fit_view

    meta = fig.layout.meta
    fits = (meta.get("fit_bounds") or {}) if isinstance(meta, dict) else {}
    has_scale = any(getattr(t, "showscale", None) is not False and t.type == "choroplethmap"
                    for t in fig.data)
    for name in fits or ["map"]:
        bounds = fits.get(name) or _map_bounds(fig)
        if bounds is None:
            continue
        dx, dy = fig.layout[name].domain.x or (0, 1), fig.layout[name].domain.y or (0, 1)
        width = plot_w - (COLORBAR_PX if has_scale and name == "map" else 0)
        center, zoom = fit_view(bounds, int(width * (dx[1] - dx[0])),
                                int(plot_h * (dy[1] - dy[0])),
                                padding=0.03 if name == "map" else 0.02)
        fig.update_layout({name: {"center": center, "zoom": zoom}})


def _title_of(fig: go.Figure) -> str:
    text = fig.layout.title.text if fig.layout.title else None
    return re.sub(r"<[^>]+>", "", text or "") or "图表"


def header_text(meta: ExportMeta) -> str:
    """The line under the title: filters and unit."""
    parts = [f"筛选: {meta.filters_text}" if meta.filters_text else "",
             f"单位: {meta.unit}" if meta.unit else ""]
    return " · ".join(p for p in parts if p)


def footer_text(meta: ExportMeta) -> str:
    parts = [f"数据更新: {meta.freshness}" if meta.freshness else "",
             f"来源: {meta.source}" if meta.source else "",
             f"说明: {meta.note}" if meta.note else "", f"{PRODUCT} · 导出于 {now_text()}"]
    return " · ".join(p for p in parts if p)


def _header(meta: ExportMeta, avail: float, lift: float = 0) -> tuple[list[dict], float]:
    """Title and subtitle annotations above the plot area (and ``lift`` px higher still,
    clear of what the figure draws above its plot: a legend, top axis labels), and their
    height in px."""
    title = wrap(meta.title, avail, TITLE_PX)
    sub = wrap(header_text(meta), avail, SUBTITLE_PX)
    sub_h = _block_px(sub, SUBTITLE_PX)
    common = {"xref": "paper", "yref": "paper", "x": 0, "y": 1, "xanchor": "left",
              "yanchor": "bottom", "align": "left", "showarrow": False}
    notes = [{**common, "text": "<br>".join(f"<b>{_esc(t)}</b>" for t in title),
              "font": {"size": TITLE_PX, "color": "#1a1a1a"},
              "yshift": GAP + sub_h + 4 + lift, "name": "export_title"}]
    if sub:
        notes.append({**common, "text": "<br>".join(_esc(s) for s in sub),
                      "font": {"size": SUBTITLE_PX, "color": "#555555"}, "yshift": GAP + lift,
                      "name": "export_subtitle"})
    return notes, _block_px(title, TITLE_PX) + sub_h + 4 + 2 * GAP


def _footer(meta: ExportMeta, avail: float) -> tuple[dict, float]:
    """The footer (as the layout title) and its height in px."""
    # Pinned to the image's bottom edge with automargin, plotly keeps it clear of the plot,
    # the tick labels and the axis titles.
    lines = wrap(footer_text(meta), avail, FOOTER_PX)
    title = {"text": "<br>".join(_esc(s) for s in lines), "x": 0, "xref": "container",
             "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom",
             "automargin": True, "pad": {"l": SIDE, "b": GAP, "t": GAP},
             "font": {"size": FOOTER_PX, "color": "#666666"}}
    return title, _block_px(lines, FOOTER_PX) + 2 * GAP


def decorate(fig, meta: ExportMeta | None = None, *, width: int = DEFAULT_WIDTH,
             height: int | None = None) -> go.Figure:
    """A copy with header, footer, CJK font and embedded shapes; ``height`` is the chart's."""
    out = prepare(fig)
    meta = meta or ExportMeta(title=_title_of(out))
    m = out.layout.margin
    left, right = (max(SIDE, 80 if v is None else v) for v in (m.l, m.r))
    lift = top_decoration_px(out, width - left - right)
    notes, head_h = _header(meta, width - left - SIDE, lift)
    head_h += lift
    foot, foot_h = _footer(meta, width - 2 * SIDE)
    bottom = 80 if m.b is None else m.b
    total_h = round(_chart_height(out, width, height) + head_h + foot_h)
    out.update_layout(width=width, height=total_h, autosize=False, title=foot,
                      margin={"l": left, "r": right, "t": round(head_h), "b": bottom})
    # Assigned, not update_layout(annotations=…): an update merges a list into the figure's
    # own annotations index by index, and the header was lost on a figure that has some.
    out.layout.annotations = [*notes, *(out.layout.annotations or ())]
    if is_map(out):
        _refit_map(out, width - left - right, total_h - head_h - foot_h - bottom)
    return out


# -- exports ------------------------------------------------------------------------------------

def _chart_height(fig: go.Figure, width: int, height: int | None) -> float:
    """The chart's own height: as asked, else the figure's (maps at least 0.7 × width)."""
    # A map keeps the country's shape in a wide image.
    if height:
        return height
    own = fig.layout.height or DEFAULT_HEIGHT
    return max(own, round(0.7 * width)) if is_map(fig) else own


def plain(fig, *, width: int = DEFAULT_WIDTH, height: int | None = None) -> go.Figure:
    """A copy without header and footer (for reports that caption it), at a fixed size."""
    out = prepare(fig)
    h = height or out.layout.height or DEFAULT_HEIGHT
    out.update_layout(width=width, height=h, autosize=False)
    if is_map(out):
        m = out.layout.margin
        _refit_map(out, width - (m.l or 0) - (m.r or 0), h - (m.t or 0) - (m.b or 0))
    return out


def to_image(fig, meta: ExportMeta | None = None, fmt: str = "png", *,
             width: int = DEFAULT_WIDTH, height: int | None = None, scale: float = 1,
             frame: bool = True) -> bytes:
    """PNG, SVG or PDF bytes (with header and footer unless frame=False); needs Chromium."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}")
    out = (decorate(fig, meta, width=width, height=height) if frame
           else plain(fig, width=width, height=height))
    if fmt == "pdf":
        _pad_for_pdf(out)
    opts = {"format": fmt, "width": out.layout.width, "height": out.layout.height,
            "scale": scale}
    return _render(out, opts)


def _pad_for_pdf(out: go.Figure) -> None:
    """Blank space on the right and at the bottom, where kaleido's PDF page cuts the image."""
    m = out.layout.margin
    out.update_layout(width=out.layout.width + PDF_CLIP_PX, height=out.layout.height + PDF_CLIP_PX,
                      margin={"r": (m.r or 0) + PDF_CLIP_PX, "b": (m.b or 0) + PDF_CLIP_PX})
    if out.layout.title.yref == "container":  # the footer is pinned to the bottom edge
        out.layout.title.pad.b = (out.layout.title.pad.b or 0) + PDF_CLIP_PX


HTML_PAGE = Path(__file__).with_name("chart.html")  # its script lets saved maps draw from disk
HTML_MAP_WIDTH = 1000


def to_html(fig, meta: ExportMeta | None = None) -> bytes:
    """A self-contained interactive page: plotly.js inlined, no CDN, the header as text."""
    out = prepare(fig)
    meta = meta or ExportMeta(title=_title_of(out))
    height = out.layout.height or DEFAULT_HEIGHT
    out.update_layout(width=None, autosize=True, title={"text": ""})
    if is_map(out):  # fit a typical page width rather than the dashboard's column
        m = out.layout.margin
        _refit_map(out, HTML_MAP_WIDTH - (m.l or 0) - (m.r or 0), height - (m.t or 0) - (m.b or 0))
    plot = pio.to_html(out, include_plotlyjs=True, include_mathjax=False, full_html=False,
                       default_width="100%", default_height=f"{height}px",
                       config={"displaylogo": False, "responsive": True,
                               "toImageButtonOptions": {"filename": meta.stem()}})
    page = HTML_PAGE.read_text(encoding="utf-8")
    fields = {"title": _esc(meta.title), "subtitle": _esc(header_text(meta)),
              "footer": _esc(footer_text(meta)), "font": _esc(CJK_FONT), "plot": plot}
    # One pass, so that text in a field is never taken for a placeholder.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], page).encode("utf-8")


def export(fig, meta: ExportMeta | None, fmt: str, *, width: int = DEFAULT_WIDTH,
           height: int | None = None, scale: float = 1) -> bytes:
    """The figure in one of FORMATS."""
    if fmt == "html":
        return to_html(fig, meta)
    return to_image(fig, meta, fmt, width=width, height=height, scale=scale)


def file_name(meta: ExportMeta, fmt: str) -> str:
    return f"{meta.stem()}.{fmt}"
