"""How much room a figure's text takes, without a browser: text widths (CJK 1 em, others
0.6 em) and what a figure draws above its plot area (a horizontal legend on top, tick labels
of a top x axis), so that an export's title can be set clear of them (exports.charts)."""

from __future__ import annotations

import math
import re
import unicodedata

import plotly.graph_objects as go

_TAG = re.compile(r"<[^>]+>|&\w+;")
LINE = 1.35  # line height as a multiple of the font size
GAP = 10


def text_px(text: str, px: float) -> float:
    """Approximate width: CJK and full-width characters 1 em, others 0.6 em."""
    return sum(px if unicodedata.east_asian_width(c) in "WF" else 0.6 * px for c in text)


def top_legend_px(fig: go.Figure, avail: float) -> float:
    """Height of a horizontal legend placed above the plot (its entries packed in rows of
    ``avail`` px)."""
    lg = fig.layout.legend
    if fig.layout.showlegend is False or lg.orientation != "h" or lg.y is None or lg.y < 1:
        return 0.0
    px = lg.font.size if lg.font and lg.font.size else 12
    names = [str(t.name) for t in fig.data if t.name and t.showlegend is not False
             and (t.showlegend or t.type not in ("bar", "heatmap"))]
    rows, used = (1, 0.0) if names else (0, 0.0)
    for name in dict.fromkeys(names):
        w = text_px(_TAG.sub("", name), px) + 40  # the symbol and the gap
        if used and used + w > avail:
            rows, used = rows + 1, 0.0
        used += w
    return rows * (px * 1.6 + 6) + (GAP if rows else 0)


def top_axis_px(fig: go.Figure) -> float:
    """Height of the tick labels of an x axis on the top side (rotated ones included)."""
    ax = fig.layout.xaxis
    if ax.side != "top" or ax.visible is False or ax.showticklabels is False:
        return 0.0
    px = ax.tickfont.size if ax.tickfont and ax.tickfont.size else 12
    labels = [str(v) for t in fig.data if getattr(t, "x", None) is not None for v in t.x]
    longest = max((text_px(_TAG.sub("", v), px) for v in labels), default=px)
    angle = abs(float(ax.tickangle)) if isinstance(ax.tickangle, int | float) else 0.0
    return px * LINE + math.sin(math.radians(angle)) * longest + 8


def top_decoration_px(fig: go.Figure, avail: float) -> float:
    """Room the figure needs above its plot area for its own legend or axis labels."""
    return max(top_legend_px(fig, avail), top_axis_px(fig))
