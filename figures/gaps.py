"""Bars of a region's chain nodes: the largest gap scores, and for the country (its own
benchmark: no gap to show) the tightest supply/demand."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from analytics import gaps

SD_COLORS = {"严重紧缺": "#c62828", "紧缺": "#ef8f00", "平衡": "#2f6fb0", "过剩": "#1a7f37"}


def top_gaps_figure(df: pd.DataFrame) -> go.Figure:
    """The 10 nodes with the largest gap score (ties in chain order), largest on top."""
    top = df[df["gap_score"].notna()].sort_values(["gap_score", "sequence"],
                                                  ascending=[False, True]).head(10)[::-1]
    fig = go.Figure(go.Bar(
        x=top["gap_score"], y=top["name_zh"].map(html.escape), orientation="h",
        marker_color=top["status"].map(gaps.STATUS_COLORS).tolist(),
        text=[f"{g:g} · {s} · {b}" for g, s, b in zip(top["gap_score"], top["status"],
                                                      top["sd_band"], strict=True)],
        textposition="auto", customdata=top[["status", "reason", "sd_band"]].to_numpy(),
        hovertemplate="<b>%{y}</b> 差距分 %{x}<br>%{customdata[0]}: %{customdata[1]}"
                      "<br>供需: %{customdata[2]}<extra></extra>"))
    fig.update_layout(height=440, margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"title": "差距分 (0–100, 越高差距越大)", "range": [0, 105]},
                      yaxis_title=None)
    return fig


def tightest(df: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The n nodes with the lowest supply/demand ratio (ties in chain order), tightest first."""
    return df[df["sd_ratio"].notna()].sort_values(["sd_ratio", "sequence"]).head(n)


def shortage_figure(top: pd.DataFrame) -> go.Figure:
    """``tightest`` as bars coloured by band, drawn bottom-up so that the tightest is on top."""
    top = top[::-1]
    fig = go.Figure(go.Bar(
        x=top["sd_ratio"], y=top["name_zh"].map(html.escape), orientation="h",
        marker_color=top["sd_band"].map(SD_COLORS).fillna("#999").tolist(),
        text=[f"{v} · {b}" for v, b in zip(top["sd_text"], top["sd_band"], strict=True)],
        textposition="auto", hovertemplate="<b>%{y}</b> 供需比 %{x:.2f}<extra></extra>"))
    fig.update_layout(height=440, margin={"l": 10, "r": 10, "t": 10, "b": 30},
                      xaxis={"title": "供需比 (当年活跃人才 ÷ 当年岗位, < 1 为紧缺)"},
                      yaxis_title=None)
    return fig
