"""Regions × chain nodes (``flows.chain_matrix``) coloured by one metric, under disclosure
control: withheld cells (a talent count below k and what is computed from it) and cells with
no colour (unknown, an LQ on a small base) are grey with their text ('<k', '保密', '(3.00)')."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import disclosure
from analytics.chain_tables import fmt_ratio

HEAT_METRICS = {"lq_talent": "人才区位商 LQ", "talent": "人才数量", "postings": "招聘岗位",
                "sd_ratio": "供需比", "gap_score": "差距分"}
# colour scale and (zmin, zmid, zmax): quotients are diverging around 1 (red = below, a gap)
HEAT_SCALES = {"lq_talent": ("RdBu", (0, 1, 2)), "sd_ratio": ("RdBu", (0, 1, 2)),
               "talent": ("Blues", None), "postings": ("Blues", None),
               "gap_score": ("Reds", (0, None, 100))}


def controlled(matrix: pd.DataFrame, k: int | None) -> disclosure.Controlled:
    """The matrix under control, each region's nodes a group (for the figure and its data)."""
    return disclosure.apply(matrix, k, disclosure.NODES, by="adcode")


def heat_values(matrix: pd.DataFrame, metric: str, k: int | None,
                ctl: disclosure.Controlled | None = None,
                unknown: str = "—") -> tuple[pd.Series, pd.Series]:
    """Colour value and text of each cell: withheld figures (a talent count below k, and what
    is computed from it) are shown '<k' / '保密' and not coloured; quotients are capped for the
    colour (the text keeps the value). ``ctl``: the matrix already under control (the caller's)."""
    if ctl is None:
        ctl = controlled(matrix, k)
    v = ctl.values[metric].astype(float)
    if metric == "talent":
        text = ctl.text(metric, lambda x: disclosure.fmt_count(x, unknown=unknown))
    elif metric in ("postings", "gap_score"):
        text = ctl.text(metric, lambda x: f"{x:,.0f}" if metric == "postings" else f"{x:g}")
    else:
        text = ctl.text(metric, lambda x: fmt_ratio(x, unknown=unknown))
        v = v.clip(upper=2.0)
        if metric == "lq_talent" and "lq_credible" in matrix.columns:
            # an LQ on fewer talents than lq_min_base is not coloured and reads "(3.00)"
            weak = ~matrix["lq_credible"].astype(bool) & v.notna()
            v = v.where(~weak)
            text = text.where(~weak, "(" + text + ")")
    return v, text


def heatmap_figure(matrix: pd.DataFrame, metric: str, k: int | None,
                   ctl: disclosure.Controlled | None = None, unknown: str = "—") -> go.Figure:
    v, text = heat_values(matrix, metric, k, ctl, unknown)
    m = matrix.assign(v=v, text=text)
    order = m.drop_duplicates("node_id").sort_values("sequence")
    z = m.pivot(index="node_id", columns="adcode", values="v").loc[order["node_id"]]
    txt = m.pivot(index="node_id", columns="adcode", values="text").loc[order["node_id"]]
    names = m.drop_duplicates("adcode").set_index("adcode")["name"]
    cols = list(dict.fromkeys(m["adcode"]))
    scale, (zmin, zmid, zmax) = HEAT_SCALES[metric][0], HEAT_SCALES[metric][1] or (None,) * 3
    x = [html.escape(str(names[c])) for c in cols]
    y = [html.escape(str(n)) for n in order["name_zh"]]
    values, texts = z[cols].to_numpy(dtype=float), txt[cols].to_numpy(dtype=object)
    blank = np.isnan(values)
    hover = "%{y} · %{x}<br>" + HEAT_METRICS[metric] + ": %{text}<extra></extra>"
    # Cells without a colour (withheld, unknown, an LQ on a small base) are grey with their
    # text, underneath; a heatmap leaves a NaN cell empty, and a grid of them would be blank.
    grey = go.Heatmap(z=np.where(blank, 0.0, np.nan), x=x, y=y,
                      text=np.where(blank, texts, ""), texttemplate="%{text}",
                      textfont={"size": 10}, colorscale=[[0, "#eceff3"], [1, "#eceff3"]],
                      showscale=False, xgap=1, ygap=1, hovertemplate=hover)
    fig = go.Figure([grey, go.Heatmap(
        z=values, x=x, y=y, text=np.where(blank, "", texts),
        texttemplate="%{text}", textfont={"size": 10}, colorscale=scale, zmin=zmin, zmax=zmax,
        zmid=zmid, colorbar={"title": {"text": HEAT_METRICS[metric]}, "thickness": 12},
        hovertemplate=hover, xgap=1, ygap=1)])
    fig.update_layout(height=len(order) * 19 + 120, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis={"autorange": "reversed", "tickfont": {"size": 11}},
                      xaxis={"side": "top", "tickangle": -40 if len(cols) > 8 else 0})
    return fig
