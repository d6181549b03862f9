"""Figures of regions side by side: the map of a region's neighbourhood with the region outlined,
and the peer cities' bars with the region highlighted (both in the brief)."""

from __future__ import annotations

import plotly.graph_objects as go

from analytics import disclosure
from figures import BASE, HIGHLIGHT
from maps.figures import choropleth


def region_map_figure(values: disclosure.Controlled, geo: dict, region: str,
                      maritime=None) -> go.Figure:
    """Talent by child region (``disclosure.children``: withheld counts not coloured); the
    region itself outlined when it is one of the children."""
    v = values.values[["adcode", "name"]].assign(value=values.values["talents"].astype(float))
    fig = choropleth(v, geo, value_col="value", title="", colorbar_title="人才数量 (人)",
                     maritime=maritime, height=620)
    own = [f for f in geo["features"] if str(f.get("id")) == region]
    if own:
        fig.add_trace(go.Choroplethmap(
            geojson={"type": "FeatureCollection", "features": own}, locations=[region],
            featureidkey="id", z=[0], showscale=False, hoverinfo="skip",
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            marker={"line": {"width": 3, "color": HIGHLIGHT}}))
    return fig


def peer_talent_figure(peers: disclosure.Controlled, region: str) -> go.Figure:
    """Talent of the peer cities (``disclosure.KPIS``), the region in red; withheld counts draw
    no bar, read '<k' and come first (at the bottom)."""
    text = peers.text("talents", disclosure.fmt_count)
    df = peers.values.assign(_w=peers.withheld("talents")).sort_values(
        ["_w", "talents"], ascending=[False, True], kind="stable")
    x = df["talents"].astype(float)
    colors = [HIGHLIGHT if c == region else BASE for c in df["adcode"]]
    fig = go.Figure(go.Bar(x=x, y=df["name"], orientation="h", marker_color=colors,
                           text=text.loc[df.index].tolist(), textposition="auto"))
    fig.update_layout(height=60 + 34 * len(df), margin={"l": 10, "r": 20, "t": 10, "b": 40},
                      xaxis_title="人才数量 (人)", plot_bgcolor="#f4f6f9")
    return fig
