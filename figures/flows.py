"""Talent flows: routes on the map (arcs over grey provinces), returnees by country, and the main
origins and destinations side by side (the brief)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics import disclosure
from figures import HIGHLIGHT
from maps.figures import MAP_STYLE, NO_DATA_COLOR, fit_view, maritime_trace

FLOW_COLORS = {"流入": "#2f6fb0", "流出": "#ef8f00", "区域间": "#7b3294"}


def base_map(geo: dict, maritime: Sequence, url: str | None = None) -> list:
    """Grey provinces (and the maritime boundary line) under the routes: MapLibre, white-bg,
    no tiles — nothing is fetched from another host. ``url``: the shapes as a static file
    (the browser fetches them once) instead of inline."""
    ids = [str(feat["id"]) for feat in geo.get("features", [])]
    base = go.Choroplethmap(
        geojson=url or geo, locations=ids, featureidkey="id",
        z=[0] * len(ids), colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
        marker={"line": {"width": 0.6, "color": "#ffffff"}}, hoverinfo="skip", name="省界")
    return [base, maritime_trace(maritime)]


def arc(x0: float, y0: float, x1: float, y1: float, bend: float = 0.15,
        steps: int = 12) -> tuple[list[float], list[float]]:
    """A gentle curve from (x0, y0) to (x1, y1), bowing to the left of the direction of travel,
    so that the two directions of one route are drawn apart."""
    cx = (x0 + x1) / 2 - (y1 - y0) * bend
    cy = (y0 + y1) / 2 + (x1 - x0) * bend
    ts = [i / steps for i in range(steps + 1)]
    return ([(1 - u) ** 2 * x0 + 2 * (1 - u) * u * cx + u ** 2 * x1 for u in ts],
            [(1 - u) ** 2 * y0 + 2 * (1 - u) * u * cy + u ** 2 * y1 for u in ts])


ROUTES_W, ROUTES_H = 600, 440  # the map column at a 1500-px window, the figure's height


def routes_figure(routes: pd.DataFrame, base: list, k: int | None,
                  unknown: str = "—", bounds: Sequence[float] | None = None) -> go.Figure:
    """``flows.top_routes`` as arcs coloured by direction, width by moves (a route below k as
    wide as one of k: small routes all look alike), ends as markers. The view fits ``bounds``
    (the national map: all China), else the routes' ends."""
    fig = go.Figure(base)
    top = max(float(routes["moves"].max()), 1.0)
    shown = set()
    for r in routes.itertuples():
        lons, lats = arc(r.from_lon, r.from_lat, r.to_lon, r.to_lat)
        text = f"{html.escape(r.from_name)} → {html.escape(r.to_name)}: " \
               f"{disclosure.fmt_count(r.moves, k, unknown=unknown)} 人"
        width = 1.5 + 6 * max(r.moves, k or 0) / top
        fig.add_trace(go.Scattermap(
            lon=lons, lat=lats, mode="lines", line={"width": width,
                                                    "color": FLOW_COLORS[r.direction]},
            name=r.direction, legendgroup=r.direction, showlegend=r.direction not in shown,
            hovertext=[text] * len(lons), hoverinfo="text"))
        shown.add(r.direction)
    ends = pd.concat([routes[["from_name", "from_lon", "from_lat"]].set_axis(
        ["name", "lon", "lat"], axis=1), routes[["to_name", "to_lon", "to_lat"]].set_axis(
        ["name", "lon", "lat"], axis=1)]).drop_duplicates("name")
    # Markers only: MapLibre text labels fetch glyph fonts from the internet.
    fig.add_trace(go.Scattermap(lon=ends["lon"], lat=ends["lat"], mode="markers",
                                hovertext=ends["name"].map(html.escape),
                                marker={"size": 7, "color": "#333"}, hoverinfo="text",
                                showlegend=False))
    if bounds is None:
        center, zoom = fit_view((ends["lon"].min(), ends["lat"].min(), ends["lon"].max(),
                                 ends["lat"].max()), ROUTES_W, ROUTES_H - 60, padding=0.12)
    else:
        center, zoom = fit_view(bounds, ROUTES_W, ROUTES_H, padding=0.02)
    fig.update_layout(height=ROUTES_H, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      map={"style": MAP_STYLE, "center": center, "zoom": min(zoom, 7)},
                      legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"})
    return fig


def returnee_figure(ret: pd.DataFrame, k: int | None) -> go.Figure | None:
    """Countries by returnees; countries with fewer than k people are merged into 其他, which
    is left out when it is itself below k (small-cell suppression). None: nothing to draw."""
    small = ret["talent"] < (k or 0)
    rest = int(ret.loc[small, "talent"].sum())
    df = ret[~small]
    if k and rest >= k:
        df = pd.concat([df, pd.DataFrame({"country": [f"其他 (各不足 {k} 人)"], "talent": [rest]})])
    df = df[::-1]
    if df.empty:
        return None
    fig = go.Figure(go.Bar(x=df["talent"], y=df["country"].map(html.escape), orientation="h",
                           marker_color="#2f6fb0", text=df["talent"].map(lambda v: f"{v:,}"),
                           textposition="auto",
                           hovertemplate="%{y}: %{x:,} 人<extra></extra>"))
    fig.update_layout(height=max(200, 34 * len(df) + 60), xaxis_title="海归人才 (人)",
                      yaxis_title=None, margin={"l": 10, "r": 10, "t": 10, "b": 30})
    return fig


def counterparts_figure(origins: disclosure.Controlled,
                        destinations: disclosure.Controlled) -> go.Figure:
    """Main origins (arrivals) and destinations (departures) side by side, under control
    (``disclosure.COUNTERPARTS``): withheld counts draw no bar and read '<k'."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("主要来源地 (流入)", "主要去向地 (流出)"),
                        horizontal_spacing=0.18)
    for col, part, color in ((1, origins, "#1a7f37"), (2, destinations, HIGHLIGHT)):
        text = part.text("moves", disclosure.fmt_count)
        d = part.values.assign(_w=part.withheld("moves")).sort_values(
            ["_w", "moves"], ascending=[False, True], kind="stable")
        fig.add_trace(go.Bar(x=d["moves"], y=d["name"], orientation="h", marker_color=color,
                             showlegend=False, text=text.loc[d.index].tolist(),
                             textposition="auto"), row=1, col=col)
    fig.update_layout(height=360, margin={"l": 10, "r": 10, "t": 40, "b": 30},
                      plot_bgcolor="#f4f6f9")
    return fig
