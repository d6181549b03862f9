"""The 招引跟踪 page's charts: the funnel of targets by stage, and targets per chain node
stacked by stage (analytics/pipeline.py makes their tables)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

STAGE_COLORS = {"线索": "#9fb7d6", "已接洽": "#6f98c8", "洽谈中": "#3f78b8", "已签约": "#1f5a9e",
                "已落地": "#1a7f37", "已放弃": "#9e9e9e"}


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """Targets that reached each stage (线索 → 已落地), with how many are there now; the
    abandoned ones beside it as a note in the title of the chart's x axis."""
    main = funnel[funnel["stage"] != "已放弃"]
    dropped = int(funnel.loc[funnel["stage"] == "已放弃", "at"].sum())
    fig = go.Figure(go.Funnel(
        y=main["stage"].tolist(), x=main["reached"].tolist(),
        text=[f"{r} 个 (当前 {a})" for r, a in zip(main["reached"], main["at"], strict=True)],
        textinfo="text", customdata=main["at"].tolist(),
        marker={"color": [STAGE_COLORS[s] for s in main["stage"]]},
        hovertemplate="<b>%{y}</b><br>到达该阶段: %{x} 个<br>当前处于该阶段: %{customdata} 个"
                      "<extra></extra>"))
    fig.update_layout(height=340, margin={"l": 10, "r": 10, "t": 10, "b": 40},
                      xaxis_title=f"已放弃 {dropped} 个 (计入其放弃前到达的阶段)")
    return fig


def node_stage_figure(by_node: pd.DataFrame, stages: tuple[str, ...]) -> go.Figure:
    """Targets per node (rows, chain order top-down), stacked by stage."""
    rows = by_node[::-1]
    names = [html.escape(f"{n} {node}") for n, node in zip(rows["node_name"], rows["node"],
                                                           strict=True)]
    fig = go.Figure()
    for stage in stages:
        if stage not in rows or not rows[stage].any():
            continue
        fig.add_trace(go.Bar(
            x=rows[stage].tolist(), y=names, orientation="h", name=stage,
            marker_color=STAGE_COLORS.get(stage, "#999"), customdata=rows["node"].tolist(),
            hovertemplate=f"<b>%{{y}}</b><br>{stage}: %{{x}} 个<extra></extra>"))
    fig.update_layout(barmode="stack", height=max(220, 60 + 28 * len(rows)),
                      margin={"l": 10, "r": 10, "t": 30, "b": 30},
                      legend={"orientation": "h", "y": 1.08, "x": 0},
                      xaxis={"title": "目标数", "dtick": 1}, yaxis_title=None)
    return fig
