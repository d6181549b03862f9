"""The chain diagram: 基础层 → 技术层 → 应用层 as three columns of boxes coloured by status
(固链 / 强链 / 补链 / 延链), segment headers in chain order (``gaps.chain_positions``).

One drawing for both uses: the 产业链 page (two-line boxes, hover, a click selects a node) and
the brief (``static=True``: one-line boxes, compact rows, no hover or selection). The input is
``disclosure.nodes_shown(chain_status(...))``: the ``*_text`` columns are what may be shown.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from analytics import disclosure, gaps
from analytics.chain_tables import fmt_ratio
from analytics.filters import LAYERS

STATUSES = ("固链", "强链", "补链", "延链")
ROW_PX, STATIC_ROW_PX = 44, 30   # px per row: the page's two-line boxes, the brief's one-line
BOX, GAP = 0.94, 0.03            # box width and left margin within a column (column width 1)


def _tail(r) -> str:
    # 全国 is its own benchmark (every LQ 1.00): its boxes give the supply/demand ratio instead
    return f"供需 {r.sd_text}" if getattr(r, "national", False) else f"LQ {r.lq_text}"


def label(r, unknown: str = "—") -> str:
    """A box on the page: name, supply, demand and the LQ (supply/demand for the country)."""
    return (f"<b>{html.escape(str(r.name_zh))}</b><br>供 {r.talent_text} · "
            f"需 {disclosure.fmt_count(r.postings, unknown=unknown)} · {_tail(r)}")


def short_label(r) -> str:
    """A box in the brief: name and the LQ (supply/demand for the country), one line."""
    return f"{html.escape(str(r.name_zh))} · {_tail(r)}"


def hover(r, unknown: str = "—") -> str:
    salary = "—" if pd.isna(r.mean_salary) else f"{r.mean_salary:,.0f} 元/月"
    return (f"<b>{html.escape(str(r.name_zh))}</b> ({r.node_id}) · {html.escape(r.segment)}<br>"
            f"状态: <b>{r.status}</b> — {html.escape(str(r.reason))}<br>"
            f"人才 (供给): {r.talent_text} · 岗位 (需求): "
            f"{disclosure.fmt_count(r.postings, unknown=unknown)} · 平均月薪: {salary}<br>"
            f"人才区位商: {r.lq_text} · 企业区位商: "
            f"{fmt_ratio(r.lq_enterprise, unknown=unknown)}<br>"
            f"供需比: {r.sd_text} ({r.sd_band}) · 企业 "
            f"{int(r.enterprises)} 家 (链主 {int(r.leaders)}) · 差距分 {r.gap_text}")


def legend_name(status: str, static: bool = False) -> str:
    return status if static else f"{status} · {gaps.STATUS_HELP[status]}"


def _status_trace(part: pd.DataFrame, status: str, selected: str | None, unknown: str,
                  static: bool) -> go.Bar:
    """The boxes of one status: horizontal bars from the column's left edge."""
    edge = ["#111111" if n == selected else "rgba(255,255,255,0.9)" for n in part["node_id"]]
    rows = list(part.itertuples())
    if static:
        text, hovers = [short_label(r) for r in rows], {"hoverinfo": "skip"}
    else:
        text = [label(r, unknown) for r in rows]
        hovers = {"hovertext": [hover(r, unknown) for r in rows],
                  "hovertemplate": "%{hovertext}<extra></extra>"}
    return go.Bar(
        orientation="h", base=(part["col"] + GAP).tolist(), x=[BOX] * len(part),
        y=part["row"].tolist(), width=0.84, name=legend_name(status, static),
        legendgroup=status, showlegend=False,
        marker={"color": gaps.STATUS_COLORS[status],
                "line": {"color": edge, "width": [3 if n == selected else 1
                                                  for n in part["node_id"]]}},
        text=text, textposition="inside", insidetextanchor="middle",
        textfont={"color": "white", "size": 12}, customdata=part["node_id"].tolist(),
        cliponaxis=False, selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 1}}, **hovers)


def _legend_trace(status: str, static: bool) -> go.Scatter:
    """A legend entry for every status, even one no node has (it toggles that status)."""
    return go.Scatter(x=[None], y=[None], mode="markers", legendgroup=status,
                      name=legend_name(status, static), hoverinfo="skip",
                      marker={"symbol": "square", "size": 12,
                              "color": gaps.STATUS_COLORS[status]})


def chain_figure(df: pd.DataFrame, selected: str | None = None, *, unknown: str = "—",
                 static: bool = False) -> go.Figure:
    """The diagram; ``selected`` is outlined. ``static``: for print (the brief)."""
    placed, heads = gaps.chain_positions(df)
    fig = go.Figure([_status_trace(placed[placed["status"] == s], s, selected, unknown, static)
                     for s in STATUSES] + [_legend_trace(s, static) for s in STATUSES])
    notes = [{"x": col + 0.5, "y": -1.1, "text": f"<b>{layer}</b>", "showarrow": False,
              "font": {"size": 16}} for col, layer in enumerate(LAYERS)]
    notes += [{"x": col, "y": -1.1, "text": "➜", "showarrow": False, "font": {"size": 20,
               "color": "#888"}} for col in (1, 2)]
    notes += [{"x": col + GAP, "y": row, "text": html.escape(seg), "showarrow": False,
               "xanchor": "left", "font": {"size": 12, "color": "#555"}} for col, row, seg in heads]
    rows = int(placed["row"].max()) + 1 if len(placed) else 1
    row_px = STATIC_ROW_PX if static else ROW_PX
    fig.update_layout(
        barmode="overlay", height=(rows + 2) * row_px + 60, annotations=notes,
        margin={"l": 4, "r": 4, "t": 60, "b": 4}, plot_bgcolor="white", bargap=0,
        xaxis={"range": [0, 3], "visible": False, "fixedrange": True},
        yaxis={"range": [rows - 0.4, -1.7], "visible": False, "fixedrange": True},
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        hoverlabel={"align": "left"}, clickmode="none" if static else "event+select",
        dragmode=False)
    if static:
        fig.update_layout(hovermode=False)
    return fig
