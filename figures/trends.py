"""Trend lines: a region's figures over every year of the warehouse (``analytics.trends``), one
small panel per figure side by side (talent, high-level talent, postings, net inflow,
supply/demand). The input is under disclosure control: a withheld year is a gap in its line
with its label ('<5', '保密') at the foot of the panel, never a number."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics import disclosure, metrics
from analytics.trends import TREND_METRICS
from figures import BASE

WITHHELD_COLOR = "#8a8f98"


def value_text(ctl: disclosure.Controlled, metric: str, unknown: str = "—") -> pd.Series:
    """Each year's figure as shown: counts whole, the net signed, ratios with 2 decimals,
    withheld ones '<k' / '保密'."""
    fmt = metrics.get(metric).fmt
    if fmt == "count":
        return ctl.text(metric, lambda v: disclosure.fmt_count(v, unknown=unknown))
    if fmt == "signed":
        return ctl.text(metric, lambda v: disclosure.fmt_signed(v, unknown=unknown))
    return ctl.text(metric, lambda v: unknown if pd.isna(v) else f"{v:,.2f}")


def panel_title(metric: str) -> str:
    m = metrics.get(metric)
    return f"{m.zh} ({m.unit})" if m.unit else m.zh


def trend_table(ctl: disclosure.Controlled, shown: Sequence[str] = TREND_METRICS,
                unknown: str = "—") -> pd.DataFrame:
    """The figures as the chart shows them, a row per year (the chart's download)."""
    out = pd.DataFrame({"年份": ctl.values["year"].astype(int)})
    for m in shown:
        out[panel_title(m)] = value_text(ctl, m, unknown).to_numpy()
    return out


def trend_figure(ctl: disclosure.Controlled, shown: Sequence[str] = TREND_METRICS,
                 unknown: str = "—", height: int = 250) -> go.Figure:
    """One panel per figure, the years along the bottom; a withheld year is a gap with its
    label under it."""
    years = ctl.values["year"].astype(int).tolist()
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=[panel_title(m) for m in shown],
                        horizontal_spacing=0.05)
    notes = []
    for i, m in enumerate(shown, start=1):
        y = ctl.values[m].astype(float)
        text = value_text(ctl, m, unknown)
        fig.add_trace(go.Scatter(
            x=years, y=y, mode="lines+markers", connectgaps=False, name=metrics.get(m).zh,
            text=text, line={"color": BASE, "width": 2}, marker={"size": 6},
            hovertemplate="%{x} 年: %{text}<extra>" + metrics.get(m).zh + "</extra>"),
            row=1, col=i)
        labels = ctl.label(m)
        for year, lab in zip(years, labels, strict=True):
            if lab is not None and not pd.isna(lab):
                axis = "" if i == 1 else str(i)
                notes.append({"x": year, "y": 0, "xref": f"x{axis}", "yref": f"y{axis} domain",
                              "yanchor": "bottom", "text": lab, "showarrow": False,
                              "font": {"size": 11, "color": WITHHELD_COLOR}})
        if metrics.get(m).fmt == "signed":
            fig.add_hline(y=0, line={"color": "#bbbbbb", "width": 1}, row=1, col=i)
        if y.isna().all():  # nothing shown: no scale to read a value from
            fig.update_yaxes(showticklabels=False, showgrid=False, row=1, col=i)
        elif metrics.get(m).fmt in ("count", "signed") and y.abs().max() < 5:
            fig.update_yaxes(dtick=1, row=1, col=i)  # whole people, not 0.5 steps
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years],
                     range=[min(years) - 0.4, max(years) + 0.4] if years else None)
    fig.update_yaxes(rangemode="tozero", zeroline=False)
    fig.update_annotations(font={"size": 12})  # the panel titles
    fig.update_layout(height=height, showlegend=False, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      hovermode="x", plot_bgcolor="#f7f8fa")
    for note in notes:
        fig.add_annotation(note)
    return fig
