"""The 大屏's HTML (views/screen.py): the stage's CSS, the header, and the scenes that are text
and shapes rather than maps — KPI cards with sparklines, the chain by status, the top gaps with
their 招引 targets, the overseas pool, and the maps' side panels.

Plain strings, no Streamlit. Every text that comes from the data is escaped here
(``html.escape``); numbers arrive as text already under disclosure control ('<k' / '保密').
Sizes are design pixels of the 1920×1080 stage, which the page scales to the screen with CSS
``zoom: min(100vw / 1920px, 100vh / 1080px)`` (viewport units; a ladder of media queries where
a browser cannot divide lengths): 26 px body text at 1920×1080 is 52 px at 3840×2160, laid out
and rasterised at that size. The charts are zoomed back to 1 (Streamlit sizes a chart by its
zoomed box) and keep their view by ``map.bounds`` (``figures.screen.view_bounds``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from analytics.filters import LAYERS
from figures import screen_theme as th

W, H = th.STAGE_W, th.STAGE_H
PAD = 40          # the stage's side margins
HEAD_H = 104      # the header band
BODY = 26         # body text (px at 1920×1080; ≥ 24 px)
SCENE_TITLES = {"inflow": "人才流入", "city": "区县人才分布", "kpis": "核心指标",
                "chain": "AI 产业链", "gaps": "短板环节与招引", "overseas": "海外人才库"}


def _e(text) -> str:
    return html.escape(str(text))


def css() -> str:
    """The page's CSS: Streamlit's chrome hidden, the stage fixed, 16:9, scaled to the screen.
    The stage sits in the top left corner (a screen that is not 16:9 has a margin on the right
    or at the bottom): a stage moved off the corner puts plotly's map canvas and its SVG layer
    apart under CSS zoom."""
    s = "min(calc(100vw / 1920px), calc(100vh / 1080px))"
    steps = ((3800, 2.0), (3200, 1.6667), (2540, 1.3333), (1900, 1.0), (1580, 0.8333),
             (1270, 0.6667), (0, 0.5))
    fallback = "".join(f"@media (min-width:{w}px){{.st-key-screen_stage{{zoom:{f}}}}}"
                       for w, f in reversed(steps))
    return f"""<style>
header[data-testid="stHeader"], [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stSidebarNav"], [data-testid="stBottom"] {{display: none !important;}}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {{
  background: {th.BACKGROUND} !important; overflow: hidden !important;}}
.st-key-screen_stage {{
  --scr-s: {s};
  position: fixed !important; z-index: 10; width: {W}px !important; height: {H}px !important;
  left: 0; top: 0; zoom: var(--scr-s); overflow: hidden;
  background: {th.BACKGROUND}; color: {th.TEXT}; font-family: {th.FONT};
  padding: 0 {PAD}px; gap: 0 !important; box-sizing: border-box;}}
@supports not (width: calc(100vw / 1920px * 1px)) {{{fallback}}}
.st-key-screen_stage [data-stale="true"], .st-key-screen_stage .stale-element {{
  opacity: 1 !important; transition: none !important;}}
.st-key-screen_stage [data-testid="stPlotlyChart"] {{zoom: calc(1 / var(--scr-s));}}
.st-key-screen_stage [data-testid="stMarkdownContainer"] {{color: {th.TEXT};}}
.st-key-screen_stage [data-testid="stElementContainer"] {{margin: 0 !important;}}
.st-key-screen_stage [data-testid="stHorizontalBlock"] {{gap: 24px !important;}}
.scr {{font-family: {th.FONT}; color: {th.TEXT}; font-size: {BODY}px; line-height: 1.35;}}
.scr-head {{height: {HEAD_H}px; display: flex; align-items: center; gap: 28px;
  border-bottom: 2px solid {th.PANEL_EDGE}; margin-bottom: 20px;}}
.scr-title {{font-size: 44px; font-weight: bold; letter-spacing: 2px; white-space: nowrap;}}
.scr-scene {{font-size: 34px; color: {th.ACCENT}; white-space: nowrap;}}
.scr-meta {{margin-left: auto; font-size: 24px; color: {th.MUTED}; text-align: right;
  white-space: nowrap;}}
.scr-dots {{display: flex; gap: 10px; justify-content: flex-end; margin-top: 6px;}}
.scr-dot {{width: 14px; height: 14px; border-radius: 7px; background: {th.PANEL_EDGE};}}
.scr-dot.on {{background: {th.ACCENT};}}
.scr-panel {{background: {th.PANEL}; border: 1px solid {th.PANEL_EDGE}; border-radius: 12px;
  padding: 22px 26px; box-sizing: border-box;}}
.scr-h2 {{font-size: 32px; font-weight: bold; margin: 0 0 14px 0;}}
.scr-note {{font-size: 24px; color: {th.MUTED};}}
.scr-row {{display: flex; align-items: center; gap: 14px; height: 56px;}}
.scr-rank {{width: 40px; color: {th.MUTED}; text-align: right;}}
.scr-name {{width: 190px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}}
.scr-bar {{flex: 1; height: 22px; background: {th.PANEL_EDGE}; border-radius: 11px;
  overflow: hidden;}}
.scr-bar > div {{height: 100%; border-radius: 11px;}}
.scr-num {{width: 110px; text-align: right; font-variant-numeric: tabular-nums;}}
.scr-withheld {{color: {th.WITHHELD};}}
.scr-legend {{display: flex; flex-wrap: wrap; gap: 8px 24px; margin-top: 8px;}}
.scr-key {{display: flex; align-items: center; gap: 10px; white-space: nowrap;}}
.scr-sw {{width: 26px; height: 26px; border-radius: 5px; border: 1px solid {th.BORDER};}}
</style>"""


def header(region: str, scene: str, index: int, count: int, meta: str) -> str:
    dots = "".join(f'<div class="scr-dot{" on" if i == index else ""}"></div>'
                   for i in range(count))
    return (f'<div class="scr scr-head"><div class="scr-title">{_e(region)} · AI 产业人才</div>'
            f'<div class="scr-scene">{_e(SCENE_TITLES.get(scene, scene))}</div>'
            f'<div class="scr-meta">{_e(meta)}<div class="scr-dots">{dots}</div></div></div>')


def bar_rows(rows: Sequence[tuple[str, float | None, str, bool]], color: str = th.ACCENT,
             height: int | None = None) -> str:
    """Ranked rows: name, a bar ∝ value (none for a withheld figure), the figure as text."""
    top = max((v for _, v, _, _ in rows if v is not None and not pd.isna(v)), default=0) or 1
    out = []
    for i, (name, value, text, withheld) in enumerate(rows, start=1):
        pct = 0 if value is None or pd.isna(value) else max(2.0, 100 * float(value) / top)
        out.append(f'<div class="scr-row"><div class="scr-rank">{i}</div>'
                   f'<div class="scr-name">{_e(name)}</div><div class="scr-bar">'
                   f'<div style="width:{pct:.1f}%;background:{color}"></div></div>'
                   f'<div class="scr-num{" scr-withheld" if withheld else ""}">{_e(text)}</div>'
                   "</div>")
    style = f' style="height:{height}px;overflow:hidden"' if height else ""
    return f"<div{style}>{''.join(out)}</div>"


def legend(entries: Sequence[tuple[str, str]]) -> str:
    return '<div class="scr-legend">' + "".join(
        f'<div class="scr-key"><div class="scr-sw" style="background:{c}"></div>{_e(t)}</div>'
        for c, t in entries) + "</div>"


def side_panel(title: str, note: str, body: str, height: int) -> str:
    return (f'<div class="scr scr-panel" style="height:{height}px">'
            f'<div class="scr-h2">{_e(title)}</div><div class="scr-note">{_e(note)}</div>'
            f"{body}</div>")


# -- KPI cards -------------------------------------------------------------------------------
def sparkline(years: Sequence[int], line: Sequence[float | None], marks: Sequence[str | None],
              width: int = 540, height: int = 170) -> str:
    """The figure year by year: a line with gaps at withheld years (their label under them),
    the last point marked, the first and last year written below."""
    if not years:
        return ""
    pad_x, top, bottom = 30, 14, 34
    vals = [v for v in line if v is not None]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    lo = min(lo, 0.0) if vals and lo >= 0 else lo
    span = (hi - lo) or 1.0
    n = len(years)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad_x + (width - 2 * pad_x) * (i / (n - 1) if n > 1 else 0.5)
        return x, top + (height - top - bottom) * (1 - (v - lo) / span)

    segs, cur = [], []
    for i, v in enumerate(line):
        if v is None:
            if cur:
                segs.append(cur)
            cur = []
        else:
            cur.append(xy(i, v))
    if cur:
        segs.append(cur)
    parts = [f'<polyline fill="none" stroke="{th.ACCENT}" stroke-width="4" '
             f'stroke-linejoin="round" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in s)}"/>'
             for s in segs]
    for i, v in enumerate(line):
        if v is not None:
            x, y = xy(i, v)
            last = i == n - 1
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{8 if last else 5}" '
                         f'fill="{th.HOME_EDGE if last else th.ACCENT}"/>')
    base = height - 6
    for i, (year, mark) in enumerate(zip(years, marks, strict=True)):
        x = xy(i, lo)[0]
        if mark:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 2:.1f}" font-size="24" '
                         f'fill="{th.WITHHELD}" text-anchor="middle">{_e(mark)}</text>')
        if i in (0, n - 1):
            parts.append(f'<text x="{x:.1f}" y="{base}" font-size="24" fill="{th.MUTED}" '
                         f'text-anchor="middle">{int(year)}</text>')
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'style="display:block" font-family="{_e(th.FONT)}">{"".join(parts)}</svg>')


def _no_line() -> str:
    return ('<div class="scr-note" style="margin-top:auto">'
            "逐年曲线: 暂无 (企业数为累计登记)</div>")


def kpi_grid(cards: Sequence[dict], height: int) -> str:
    out = []
    for c in cards:
        arrow, color = "", th.MUTED
        if c["change"] is not None:
            arrow = {1: "▲", -1: "▼"}.get(c["direction"], "■")
            color = {1: th.UP, -1: th.DOWN}.get(c["direction"], th.MUTED)
        withheld = c["value"].startswith("<") or c["value"] == "保密"
        change = (f'<span style="color:{color}">{arrow} {_e(c["change"])}</span>'
                  f'<span class="scr-note"> 较上年</span>' if c["change"] is not None
                  else '<span class="scr-note">较上年: —</span>')
        unit = f'<span style="font-size:32px;color:{th.MUTED}"> {_e(c["unit"])}</span>' \
            if c["unit"] and not withheld else ""
        out.append(
            f'<div class="scr-panel" style="display:flex;flex-direction:column;gap:6px">'
            f'<div style="font-size:30px;color:{th.MUTED}">{_e(c["label"])}</div>'
            f'<div style="font-size:84px;font-weight:bold;line-height:1.1'
            f'{";color:" + th.WITHHELD if withheld else ""}">{_e(c["value"])}{unit}</div>'
            f'<div style="font-size:28px">{change}</div>'
            f'{sparkline(c["years"], c["line"], c["marks"]) or _no_line()}</div>')
    return (f'<div class="scr" style="display:grid;grid-template-columns:repeat(3,1fr);'
            f'grid-auto-rows:1fr;gap:24px;height:{height}px">{"".join(out)}</div>')


# -- the chain ---------------------------------------------------------------------------------
def chain_board(df: pd.DataFrame, height: int) -> str:
    """The chain's nodes in three columns (基础层 → 技术层 → 应用层), grouped by segment, each
    node a tile in its status colour, with the count of nodes per status on top."""
    counts = df["status"].value_counts()
    keys = "".join(
        f'<div class="scr-key"><div class="scr-sw" style="background:{th.STATUS[s]}"></div>'
        f'{_e(s)} {int(counts.get(s, 0))} 个</div>' for s in th.STATUS)
    cols = []
    for layer in LAYERS:
        part = df[df["layer"] == layer].sort_values("sequence")
        groups = []
        for segment, g in part.groupby("segment", sort=False):
            tiles = "".join(
                f'<div title="" style="background:{th.STATUS.get(r.status, th.PANEL_EDGE)};'
                f'border-radius:8px;padding:6px 10px;font-size:24px;line-height:1.25;'
                f'color:#ffffff;overflow-wrap:anywhere">'
                f"{_e(r.name_zh)}</div>" for r in g.itertuples())
            groups.append(f'<div style="font-size:24px;color:{th.MUTED};margin:10px 0 6px">'
                          f'{_e(segment)}</div><div style="display:grid;'
                          f'grid-template-columns:1fr 1fr;gap:8px">{tiles}</div>')
        cols.append(f'<div class="scr-panel" style="flex:1;min-width:0">'
                    f'<div class="scr-h2" style="margin:0">{_e(layer)}</div>'
                    f'{"".join(groups)}</div>')
    arrow = f'<div style="align-self:center;font-size:48px;color:{th.MUTED}">➜</div>'
    return (f'<div class="scr" style="height:{height}px;display:flex;flex-direction:column;'
            f'gap:14px"><div class="scr-legend" style="margin:0">{keys}</div>'
            f'<div style="display:flex;gap:16px;flex:1;min-height:0">'
            f'{arrow.join(cols)}</div></div>')


# -- gaps and targets --------------------------------------------------------------------------
def gaps_board(gaps: pd.DataFrame, targets: pd.DataFrame | None, stages: Sequence[str],
               height: int) -> str:
    """The largest gaps (bar ∝ gap score, in the node's status colour) and, when the 招引
    pipeline exists, each of those nodes' targets by stage."""
    rows = []
    top = max(float(gaps["gap_score"].max()), 1.0) if len(gaps) else 1.0
    for i, r in enumerate(gaps.itertuples(), start=1):
        pct = 100 * float(r.gap_score) / top
        rows.append(
            f'<div class="scr-row" style="height:84px"><div class="scr-rank">{i}</div>'
            f'<div style="width:300px"><div style="white-space:nowrap;overflow:hidden;'
            f'text-overflow:ellipsis">{_e(r.name_zh)}</div><div class="scr-note">'
            f'{_e(r.layer)} · <span style="color:{th.STATUS.get(r.status, th.MUTED)}">'
            f'{_e(r.status)}</span> · {_e(r.sd_band)}</div></div>'
            f'<div class="scr-bar"><div style="width:{pct:.1f}%;'
            f'background:{th.STATUS.get(r.status, th.ACCENT)}"></div></div>'
            f'<div class="scr-num">{_e(r.gap_text)}</div></div>')
    left = (f'<div class="scr-panel" style="flex:1.25;min-width:0">'
            f'<div class="scr-h2">差距最大的环节</div><div class="scr-note" '
            f'style="margin-bottom:8px">差距分 0–100, 越高越需补链</div>{"".join(rows)}</div>')
    if targets is None:
        right = ('<div class="scr-panel" style="flex:1"><div class="scr-h2">招引目标</div>'
                 '<div class="scr-note">招引跟踪模块未启用。</div></div>')
    else:
        right = _targets_table(gaps, targets, stages)
    return (f'<div class="scr" style="height:{height}px;display:flex;gap:24px">'
            f"{left}{right}</div>")


def _targets_table(gaps: pd.DataFrame, targets: pd.DataFrame, stages: Sequence[str]) -> str:
    by_node = targets.set_index("node") if len(targets) else None
    head = "".join(f'<th style="padding:6px 8px;font-weight:normal;color:{th.MUTED};'
                   f'font-size:24px;border-bottom:2px solid {th.STAGE_COLORS.get(s, th.MUTED)}">'
                   f"{_e(s)}</th>" for s in stages)
    body = []
    for r in gaps.itertuples():
        cells = []
        for s in stages:
            n = int(by_node.at[r.node_id, s]) if by_node is not None and \
                r.node_id in by_node.index and s in by_node.columns else 0
            cells.append(f'<td style="text-align:center;padding:0 8px;'
                         f'color:{th.STAGE_COLORS.get(s, th.TEXT) if n else th.PANEL_EDGE}">'
                         f"{n}</td>")
        body.append(f'<tr style="height:84px"><td style="width:240px;font-size:24px;'
                    f'line-height:1.2;overflow-wrap:anywhere">{_e(r.name_zh)}</td>'
                    f'{"".join(cells)}</tr>')
    total = int(targets[list(stages)].to_numpy().sum()) if len(targets) else 0
    return (f'<div class="scr-panel" style="flex:1;min-width:0"><div class="scr-h2">'
            f'招引目标 (按阶段)</div><div class="scr-note" style="margin-bottom:8px">'
            f"本地区在跟踪的目标共 {total} 个; 下表为上列环节的目标数</div>"
            f'<table style="border-collapse:collapse;width:100%;font-size:{BODY}px">'
            f'<tr><th></th>{head}</tr>{"".join(body)}</table></div>')


# -- the overseas pool ---------------------------------------------------------------------------
def overseas_board(pool: dict, here: str, height: int) -> str:
    totals = pool["totals"]
    cards = "".join(
        f'<div class="scr-panel" style="flex:1"><div style="font-size:28px;color:{th.MUTED}">'
        f'{_e(label)}</div><div style="font-size:72px;font-weight:bold">{_e(totals[key])}'
        f'<span style="font-size:30px;color:{th.MUTED}"> 人</span></div></div>'
        for key, label in (("talents", "海外人才"), ("high_level", "高层次 (A–D)"),
                           ("willing_to_relocate", "愿意回国"),
                           ("expecting_here", f"期望来{here}")))
    c = pool["countries"]
    rows = [(n, v, f"{t} 人" if not t.startswith("<") and t != "保密" else t, w)
            for n, v, t, w in zip(c["country"], c["talents"], c["text"], c["withheld"],
                                  strict=True)]
    return (f'<div class="scr" style="height:{height}px;display:flex;flex-direction:column;'
            f'gap:24px"><div style="display:flex;gap:24px">{cards}</div>'
            f'<div class="scr-panel" style="flex:1;min-height:0"><div class="scr-h2">'
            f"按所在国家/地区</div>{bar_rows(rows)}</div></div>")


def empty(height: int, text: str) -> str:
    return (f'<div class="scr" style="height:{height}px;display:flex;align-items:center;'
            f'justify-content:center;color:{th.MUTED};font-size:40px">{_e(text)}</div>')
