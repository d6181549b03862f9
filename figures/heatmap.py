"""Regions × chain nodes (``flows.chain_matrix``) coloured by one metric, under disclosure
control: withheld cells (a talent count below k and what is computed from it) and cells with
no colour (unknown, an LQ on a small base) are grey with their text ('<k', '保密', '(3.00)')."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics import disclosure, metrics
from analytics.chain_tables import fmt_ratio
from reference.regions import short_name

# The heatmap's metrics, named as everywhere (analytics/metrics.py).
HEAT_IDS = ("lq_talent", "talent", "postings", "sd_ratio", "gap_score")
HEAT_METRICS = {m: metrics.get(m).zh for m in HEAT_IDS}
DEFAULT_TOP = 12   # regions shown at first (the 全国 heatmap has 34; 12 stay legible)
MAX_TOP = 20       # at most this many columns
FLAT_MAX = 14      # column labels stay horizontal up to this many columns
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


def unit_text(metric: str) -> str:
    """The unit line of an export: the registry's unit, '比值' for a pure number."""
    m = metrics.get(metric)
    return m.unit or ("比值 (无单位)" if m.fmt == "ratio" else "")


def ranked_regions(ctl: disclosure.Controlled, metric: str,
                   first: str | None = None) -> list[str]:
    """The regions by the metric, largest first (``first``, the region in view, ahead of
    them when it is one): counts summed over the nodes, quotients and scores averaged; only
    figures shown count (a withheld cell adds nothing), regions with none shown last."""
    v = ctl.values.assign(_v=ctl.values[metric].astype(float))
    how = "sum" if metrics.get(metric).fmt == "count" else "mean"
    by = v.groupby("adcode", sort=False)["_v"].agg(how, **({"min_count": 1} if how == "sum"
                                                        else {}))
    order = list(by.sort_values(ascending=False, na_position="last", kind="stable").index)
    return [first, *(c for c in order if c != first)] if first in order else order


def _column_labels(names: Sequence[str]) -> list[str]:
    """Short names (内蒙古自治区 → 内蒙古) where they stay unique, else the full name."""
    short = [short_name(str(n)) or str(n) for n in names]
    return [html.escape(s if short.count(s) == 1 else str(n))
            for s, n in zip(short, names, strict=True)]


def heatmap_figure(matrix: pd.DataFrame, metric: str, k: int | None,
                   ctl: disclosure.Controlled | None = None, unknown: str = "—",
                   regions: Sequence[str] | None = None) -> go.Figure:
    """Nodes (rows, in chain order) × regions (columns: ``regions`` in that order, default
    all in the matrix's); columns labelled with short names, horizontally (the full names
    are the columns' values, in the hover)."""
    v, text = heat_values(matrix, metric, k, ctl, unknown)
    m = matrix.assign(v=v, text=text)
    order = m.drop_duplicates("node_id").sort_values("sequence")
    z = m.pivot(index="node_id", columns="adcode", values="v").loc[order["node_id"]]
    txt = m.pivot(index="node_id", columns="adcode", values="text").loc[order["node_id"]]
    names = m.drop_duplicates("adcode").set_index("adcode")["name"]
    cols = [c for c in (regions or dict.fromkeys(m["adcode"])) if c in names.index]
    x = [html.escape(str(names[c])) for c in cols]  # full names: the hover's
    y = [html.escape(str(n)) for n in order["name_zh"]]
    values, texts = z[cols].to_numpy(dtype=float), txt[cols].to_numpy(dtype=object)
    blank = np.isnan(values)
    scale, (zmin, zmid, zmax) = HEAT_SCALES[metric][0], HEAT_SCALES[metric][1] or (None,) * 3
    hover = "%{y} · %{x}<br>" + HEAT_METRICS[metric] + ": %{text}<extra></extra>"
    common = {"x": x, "y": y, "texttemplate": "%{text}", "textfont": {"size": 10}, "xgap": 1,
              "ygap": 1, "hovertemplate": hover}
    # Cells without a colour (withheld, unknown, an LQ on a small base) are grey with their
    # text, underneath; a heatmap leaves a NaN cell empty, and a grid of them would be blank.
    grey = go.Heatmap(z=np.where(blank, 0.0, np.nan), text=np.where(blank, texts, ""),
                      colorscale=[[0, "#eceff3"], [1, "#eceff3"]], showscale=False, **common)
    fig = go.Figure([grey, go.Heatmap(
        z=values, text=np.where(blank, "", texts), colorscale=scale, zmin=zmin, zmax=zmax,
        zmid=zmid, colorbar={"title": {"text": HEAT_METRICS[metric]}, "thickness": 12},
        **common)])
    fig.update_layout(height=len(order) * 19 + 90, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      yaxis={"autorange": "reversed", "tickfont": {"size": 11}},
                      xaxis={"side": "top", "tickangle": 0 if len(cols) <= FLAT_MAX else -45,
                             "tickfont": {"size": 11}, "automargin": True, "tickmode": "array",
                             "tickvals": x, "ticktext": _column_labels([names[c] for c in cols])})
    return fig
