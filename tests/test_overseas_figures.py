"""The overseas bars (figures/overseas.py) are built from plain dicts without plotly's
validation; their JSON must be what the validated figure gave. The validated builder is kept
here as it was (the reference), and both are compared on generated pools and border flows:
withheld and small figures, more countries than are drawn, names with markup, no region."""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import disclosure
from analytics import overseas as ov
from figures import overseas as figs
from figures.svg_map import as_list


def _validated_bars(ctl, label_col, series, x_title, here=None):
    """figures.overseas._bars before issue 18's change, unchanged."""
    v = ctl.values.head(figs.MAX_ROWS)
    names = v[label_col].astype(str).map(html.escape)
    fig = go.Figure()
    for col, name, color in series:
        if col == "expecting_here":
            name = f"期望来{html.escape(here)}" if here else "期望回国内"
        text = ctl.text(col, disclosure.fmt_count).loc[v.index]
        x = v[col].where(~ctl.withheld(col).loc[v.index], 0)
        fig.add_trace(go.Bar(y=names[::-1], x=x[::-1], name=name, orientation="h",
                             marker_color=color, text=text[::-1].tolist(), textposition="outside",
                             textfont={"size": 11},
                             cliponaxis=False,
                             hovertemplate=f"%{{y}} · {name}: %{{text}} 人<extra></extra>"))
    fig.update_layout(barmode="group", height=max(240, 28 * len(v) * len(series) // 2 + 90),
                      xaxis_title=x_title, yaxis_title=None, bargap=0.25,
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      margin={"l": 10, "r": 40, "t": 30, "b": 30}, plot_bgcolor="#f4f6f9")
    return fig


def _pool(rng, n: int) -> pd.DataFrame:
    talents = rng.integers(1, 400, n)
    return pd.DataFrame({
        "country": [f"国{i}" if i % 4 else f"<b>A&B{i}</b>" for i in range(n)],
        "talents": talents, "high_level": rng.integers(0, 30, n),
        "willing_to_relocate": (talents * rng.random(n)).astype(int),
        "expecting_here": rng.integers(0, 12, n)}).sort_values("talents", ascending=False)


def _same(a: go.Figure, b: go.Figure) -> None:
    assert json.loads(a.to_json()) == json.loads(b.to_json())


@pytest.mark.parametrize("seed", range(12))
def test_pool_bars_are_the_validated_figure(seed):
    rng = np.random.default_rng(seed)
    df = _pool(rng, int(rng.integers(1, 20)))
    k = (None, 5, 10)[seed % 3]
    here = (None, "青岛市", "A&B<i>市</i>")[seed // 3 % 3]  # with k, 9 combinations in 12 seeds
    ctl = ov.controlled(df, k)
    _same(figs.pool_figure(ctl, here),
          _validated_bars(ctl, "country", figs.POOL_SERIES, "人数 (人)", here))


@pytest.mark.parametrize("seed", range(8))
def test_border_bars_are_the_validated_figure(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 16))
    df = pd.DataFrame({"country": [f"国{i}" for i in range(n)],
                       "arrivals": rng.integers(0, 60, n), "departures": rng.integers(0, 60, n)})
    ctl = disclosure.apply(df, (None, 5)[seed % 2], disclosure.BORDER)
    _same(figs.border_figure(ctl),
          _validated_bars(ctl, "country", figs.FLOW_SERIES, "流动人次"))


def test_a_withheld_figure_draws_no_bar_and_reads_its_mark():
    """日本's 3 is small; A&B's 40 is withheld to protect it (保密): neither has a bar."""
    df = pd.DataFrame({"country": ["美国", "A&B", "日本"], "talents": [120, 40, 3],
                       "high_level": [10, 5, 1], "willing_to_relocate": [60, 2, 3],
                       "expecting_here": [30, 1, 0]})
    fig = figs.pool_figure(ov.controlled(df, 5), "青岛市")
    talents = fig.to_plotly_json()["data"][0]
    assert list(talents["y"]) == ["日本", "A&amp;B", "美国"]  # plotly draws the first at the bottom
    assert as_list(talents["x"]) == [0, 0, 120]
    assert list(talents["text"]) == ["<5", "保密", "120"]
