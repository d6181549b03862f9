"""Plotly map figures: choropleths of region metrics and enterprise bubble layers.

Everything draws on MapLibre (``go.Choroplethmap``/``go.Scattermap``) with the ``white-bg``
style, which renders with no network: ``px.choropleth`` (geo) fetches topojson from a CDN and
draws nothing on an offline intranet. Regions without a value are still drawn, in grey, so the
national map always shows all 34 provinces, and the maritime boundary line can be laid on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
import shapely.geometry

MAP_STYLE = "white-bg"


def ground_layer(color: str) -> dict:
    """A map layer that paints the whole world in one colour under the traces, on the offline
    ``white-bg`` style (the 大屏's dark maps): a layout layer of inline GeoJSON, nothing is
    fetched. (A style object with a coloured background instead makes plotly.js report
    "Map error." in the browser.)"""
    world = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]]}}
    return {"sourcetype": "geojson", "source": world, "type": "fill", "color": color,
            "below": "traces"}


NO_DATA_COLOR = "#e3e3e3"
BORDER_COLOR = "#ffffff"
MARITIME_COLOR = "#7f7f7f"
COLORSCALE = "Blues"
# China with the South China Sea islands: the view when nothing better is known.
CHINA_BOUNDS = (73.5, 3.8, 135.1, 53.6)
# The national map as on 标准地图: the main view from the Pamirs to the Wusuli and from Mohe down
# to Hainan; the South China Sea islands and the maritime line in an inset (lower right) at a
# larger scale (``inset_box``).
MAINLAND_BOUNDS = (73.4, 17.9, 135.1, 53.6)
SCS_BOUNDS = (105.8, 2.9, 123.4, 24.7)  # 南海诸岛: Hainan to 曾母暗沙, the whole maritime line
# Provinces with land in the inset (the rest would be drawn off its view).
SCS_PROVINCES = ("440000", "450000", "460000", "350000", "710000", "810000", "820000")
INSET_FRAME = "#8c8c8c"
_TILE_PX = 512  # MapLibre's world width at zoom 0
_MARGIN = {"l": 0, "r": 0, "t": 40, "b": 0}
_COLORBAR_PX = 100  # the colorbar on the right takes this much of the figure's width
_WIDTH_PX = 800  # typical width of a dashboard map; Streamlit stretches it to the column
_QUALITATIVE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf")


# --- view --------------------------------------------------------------------------------------

def _mercator_y(lat: float) -> float:
    """Web-Mercator y in [0, 1] (0 at the top) of a latitude."""
    lat = max(min(lat, 85.05), -85.05)
    return (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def _mercator_lat(y: float) -> float:
    """Latitude of a Web-Mercator y in [0, 1]."""
    return math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y))) - math.pi / 2)


def fit_view(bounds: Sequence[float], width_px: int = 800, height_px: int = 600,
             padding: float = 0.03) -> tuple[dict, float]:
    """Map center and zoom that fit (minlon, minlat, maxlon, maxlat) in a canvas of that size."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    top, bottom = _mercator_y(maxy), _mercator_y(miny)
    center = {"lon": round((minx + maxx) / 2, 4), "lat": round(_mercator_lat((top + bottom) / 2), 4)}
    dx, dy = (maxx - minx) / 360, bottom - top
    if dx <= 0 and dy <= 0:
        return center, 12.0
    usable = 1 - 2 * padding
    fits = [math.log2(px * usable / (_TILE_PX * span))
            for px, span in ((width_px, dx), (height_px, dy)) if span > 0]
    return center, math.floor(max(0.0, min(min(fits), 20.0)) * 100) / 100


def geojson_bounds(geojson: dict) -> tuple[float, float, float, float]:
    """(minlon, minlat, maxlon, maxlat) of a FeatureCollection: its bbox, else its shapes."""
    if geojson.get("bbox"):
        return tuple(geojson["bbox"][:4])
    shapes = [shapely.geometry.shape(f["geometry"]) for f in geojson["features"] if f["geometry"]]
    if not shapes:
        return CHINA_BOUNDS
    return tuple(float(v) for v in shapely.total_bounds(shapes))


def _fit(geojson: dict | str, maritime: Sequence | None, height: int) -> tuple[dict, float]:
    """View fitting the shapes (and the maritime line) in the map area of the figure."""
    bounds = geojson_bounds(geojson) if isinstance(geojson, dict) else CHINA_BOUNDS
    if maritime:
        lons = [v for lon, _ in maritime for v in lon]
        lats = [v for _, lat in maritime for v in lat]
        bounds = (min(bounds[0], *lons), min(bounds[1], *lats),
                  max(bounds[2], *lons), max(bounds[3], *lats))
    return fit_view(bounds, width_px=_WIDTH_PX - _COLORBAR_PX,
                    height_px=height - _MARGIN["t"] - _MARGIN["b"])


# --- choropleth --------------------------------------------------------------------------------

def _rank_text(values: pd.Series) -> pd.Series:
    """'排名 k/n' by descending value (ties share the better rank)."""
    rank = values.rank(ascending=False, method="min")
    return rank.map(lambda r: f"排名 {int(r)}/{len(values)}")


def _hover(valued: pd.DataFrame, value_col: str, colorbar_title: str, hover_cols: Sequence[str],
           value_format: str) -> tuple[np.ndarray, str]:
    """customdata and hovertemplate of the valued trace: name, value and rank, extra columns.
    A ``hover_text`` column is the whole hover (name and value once each), extras after it."""
    own = "hover_text" in valued
    first = valued["hover_text"].astype(str) if own else _rank_text(valued[value_col])
    columns = [first] + [valued[c].astype(str) for c in hover_cols]
    extra = "".join(f"<br>{c}: %{{customdata[{i + 1}]}}" for i, c in enumerate(hover_cols))
    head = ("%{customdata[0]}" if own else
            f"<b>%{{text}}</b><br>{colorbar_title}: %{{z:{value_format}}}<br>%{{customdata[0]}}")
    return (np.column_stack([c.to_numpy(dtype=object) for c in columns]),
            f"{head}{extra}<extra></extra>")


def _subset(geojson: dict, ids: set[str]) -> dict:
    """The features of a FeatureCollection whose id is in ids."""
    return {"type": "FeatureCollection",
            "features": [f for f in geojson["features"] if str(f.get("id")) in ids]}


def _no_data_trace(geojson: dict | str, ids: list[str], names: list[str],
                   notes: list[str] | None = None) -> go.Choroplethmap:
    """Grey, scale-less trace for the regions without a value; ``notes`` say why per region
    (default 无数据)."""
    return go.Choroplethmap(
        geojson=geojson, locations=ids, featureidkey="id", z=[0] * len(ids), text=names,
        customdata=[[n] for n in (notes or ["无数据"] * len(ids))],
        colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
        marker={"line": {"width": 0.6, "color": BORDER_COLOR}}, name="无数据",
        hovertemplate="<b>%{text}</b><br>%{customdata[0]}<extra></extra>",
    )


def _no_data(values: pd.DataFrame, have: set[str], geojson: dict | str,
             name_col: str) -> tuple[dict | str, list[str], list[str]]:
    """Geometry, ids and names of the regions to draw grey: features (or rows) without a value."""
    if isinstance(geojson, dict):
        feats = [f for f in geojson["features"] if str(f.get("id")) not in have]
        names = [str(f.get("properties", {}).get("name", f["id"])) for f in feats]
        geo = {"type": "FeatureCollection", "features": feats}
        return geo, [str(f["id"]) for f in feats], names
    rows = values[~values["adcode"].isin(have)]
    return geojson, rows["adcode"].tolist(), rows[name_col].astype(str).tolist()


def maritime_trace(maritime: Sequence[tuple[Sequence[float], Sequence[float]]],
                   subplot: str = "map") -> go.Scattermap:
    """The maritime boundary as one thin grey line trace (lines split by gaps), no hover."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for lon, lat in maritime:
        lons += [*lon, None]
        lats += [*lat, None]
    return go.Scattermap(lon=lons, lat=lats, mode="lines", name="海上边界线",
                         line={"width": 1.2, "color": MARITIME_COLOR},
                         hoverinfo="skip", showlegend=False, subplot=subplot)


def maritime_dict(maritime: Sequence[tuple[Sequence[float], Sequence[float]]],
                  subplot: str = "map", decimals: int | None = None) -> dict:
    """``maritime_trace`` as a plain trace dict (for figures built without validation);
    ``decimals``: coordinates rounded (the small 南海诸岛 inset needs no more than 2)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for lon, lat in maritime:
        if decimals is not None:
            lon, lat = [round(v, decimals) for v in lon], [round(v, decimals) for v in lat]
        lons += [*lon, None]
        lats += [*lat, None]
    return {"type": "scattermap", "lon": lons, "lat": lats, "mode": "lines",
            "name": "海上边界线", "line": {"width": 1.2, "color": MARITIME_COLOR},
            "hoverinfo": "skip", "showlegend": False, "subplot": subplot}


def subset(geojson: dict | str, ids: Sequence[str]) -> dict | str:
    """The features of ``ids`` (a URL stays a URL: its locations pick the features)."""
    return _subset(geojson, {str(i) for i in ids}) if isinstance(geojson, dict) else geojson


def inset_box(width_px: float, height_px: float, frac: float = 0.2) -> dict:
    """Paper domain of the 南海诸岛 inset in the lower right of a map ``width_px`` ×
    ``height_px``: ``frac`` of the width, as tall as SCS_BOUNDS needs at that width."""
    minx, miny, maxx, maxy = SCS_BOUNDS
    aspect = ((_mercator_y(miny) - _mercator_y(maxy)) / ((maxx - minx) / 360))  # h / w
    w = frac * width_px
    h = min(w * aspect, 0.45 * height_px)
    return {"x": [1 - w / width_px, 1.0], "y": [0.0, h / height_px]}


def inset_layout(domain: dict, width_px: float, height_px: float, style: str = MAP_STYLE) -> dict:
    """The inset map's layout (``map2``): fitted to SCS_BOUNDS in its own box."""
    w = (domain["x"][1] - domain["x"][0]) * width_px
    h = (domain["y"][1] - domain["y"][0]) * height_px
    center, zoom = fit_view(SCS_BOUNDS, int(w), int(h), padding=0.02)
    return {"style": style, "center": center, "zoom": zoom, "domain": domain}


def inset_frame(domain: dict, label: str = "南海诸岛") -> tuple[dict, dict]:
    """A frame around the inset and its caption (layout shape, annotation)."""
    frame = {"type": "rect", "xref": "paper", "yref": "paper", "x0": domain["x"][0],
             "x1": domain["x"][1], "y0": domain["y"][0], "y1": domain["y"][1],
             "line": {"color": INSET_FRAME, "width": 1}, "layer": "above"}
    caption = {"xref": "paper", "yref": "paper", "x": domain["x"][1], "y": domain["y"][0],
               "xanchor": "right", "yanchor": "bottom", "showarrow": False, "text": label,
               "font": {"size": 10, "color": "#555555"}, "bgcolor": "rgba(255,255,255,0.85)",
               "xshift": -2, "yshift": 2}
    return frame, caption


def _value_trace(valued: pd.DataFrame, geojson: dict | str, value_col: str, name_col: str,
                 colorbar_title: str, hover_cols: Sequence[str], colorscale: str,
                 value_format: str) -> go.Choroplethmap:
    """The coloured trace of the regions that have a value."""
    customdata, template = _hover(valued, value_col, colorbar_title, hover_cols, value_format)
    return go.Choroplethmap(
        geojson=geojson, locations=valued["adcode"].tolist(), featureidkey="id",
        z=valued[value_col].to_numpy(dtype=float), text=valued[name_col].astype(str).tolist(),
        customdata=customdata, hovertemplate=template, colorscale=colorscale,
        colorbar={"title": {"text": colorbar_title}, "thickness": 14},
        marker={"line": {"width": 0.6, "color": BORDER_COLOR}, "opacity": 0.9},
        name=colorbar_title,
    )


def choropleth(values: pd.DataFrame, geojson: dict | str, *, value_col: str,
               name_col: str = "name", title: str, colorbar_title: str,
               hover_cols: Sequence[str] | None = None, center: dict | None = None,
               zoom: float | None = None, maritime: Sequence | None = None, height: int = 600,
               colorscale: str = COLORSCALE, value_format: str = ",.2~f",
               map_style: str = MAP_STYLE) -> go.Figure:
    """Choropleth of values[value_col] by values.adcode over a FeatureCollection (dict or URL).

    Regions with no value are drawn grey underneath (a ``no_value_text`` column says why, else
    无数据); a hover_text column is a region's whole hover (name, value and rank once each);
    pass ``maritime`` (from ``geometry.maritime_lines``) on the national map. When
    ``geojson`` is a URL, pass every region as a row (NaN for no value) and a center/zoom.
    ``map_style`` 'white-bg' (the default) needs no network; a tile style such as
    'carto-positron' or 'open-street-map' loads tiles from the internet (online users only).
    """
    values = values.assign(adcode=values["adcode"].astype(str))
    valued = values[values[value_col].notna()]
    have = set(valued["adcode"])
    if center is None or zoom is None:
        fit_center, fit_zoom = _fit(geojson, maritime, height)
        center, zoom = center or fit_center, fit_zoom if zoom is None else zoom
    fig = go.Figure()
    # Each shape travels once: the grey trace and the coloured trace get disjoint features.
    grey_geo, ids, names = _no_data(values, have, geojson, name_col)
    if ids:
        # A row without a value may say why (``no_value_text``, e.g. a withheld small count).
        why = (dict(zip(values["adcode"], values["no_value_text"], strict=True))
               if "no_value_text" in values else {})
        notes = [str(why[i]) if isinstance(why.get(i), str) and why[i] else "无数据"
                 for i in ids]
        fig.add_trace(_no_data_trace(grey_geo, ids, names, notes))
    valued_geo = _subset(geojson, have) if isinstance(geojson, dict) else geojson
    fig.add_trace(_value_trace(valued, valued_geo, value_col, name_col, colorbar_title,
                               list(hover_cols or []), colorscale, value_format))
    if maritime:
        fig.add_trace(maritime_trace(maritime))
    fig.update_layout(
        title={"text": title}, height=height, margin=_MARGIN,
        map={"style": map_style, "center": center, "zoom": zoom}, showlegend=False,
    )
    return fig


# --- enterprise layer --------------------------------------------------------------------------

def _bubble_colors(column: pd.Series, colorscale: str, colorbar_title: str) -> dict:
    """Marker colour settings: a scale for numbers, a palette for categories."""
    if pd.api.types.is_numeric_dtype(column):
        return {"color": column.to_numpy(dtype=float), "colorscale": colorscale, "showscale": True,
                "colorbar": {"title": {"text": colorbar_title, "side": "top"},
                             "orientation": "h", "len": 0.4, "thickness": 10,
                             "x": 0.02, "xanchor": "left", "y": 0.02, "yanchor": "bottom"}}
    categories = {c: _QUALITATIVE[i % len(_QUALITATIVE)]
                  for i, c in enumerate(pd.unique(column.dropna()))}
    return {"color": column.map(categories).fillna(NO_DATA_COLOR).tolist()}


def bubble_layer(points: pd.DataFrame, lon: str = "lon", lat: str = "lat", size_col: str = "size",
                 color_col: str | None = None, *, name_col: str = "name", name: str = "企业",
                 size_label: str | None = None, color_label: str | None = None,
                 max_size_px: float = 28, colorscale: str = "Viridis",
                 opacity: float = 0.8) -> go.Scattermap:
    """Bubble trace (area ∝ size_col, coloured by color_col) for an enterprise layer."""
    sizes = points[size_col].astype(float).fillna(0).clip(lower=0)
    size_label, color_label = size_label or size_col, color_label or color_col
    marker = {"size": sizes.to_numpy(), "sizemode": "area", "sizemin": 3, "opacity": opacity,
              "sizeref": 2 * max(float(sizes.max() or 0), 1e-9) / max_size_px ** 2}
    columns = [points[size_col].astype(str)]
    template = f"<b>%{{text}}</b><br>{size_label}: %{{customdata[0]}}"
    if color_col is not None:
        marker |= _bubble_colors(points[color_col], colorscale, color_label)
        columns.append(points[color_col].astype(str))
        template += f"<br>{color_label}: %{{customdata[1]}}"
    return go.Scattermap(
        lon=points[lon].to_numpy(dtype=float), lat=points[lat].to_numpy(dtype=float),
        mode="markers", marker=marker, name=name, text=points[name_col].astype(str).tolist(),
        customdata=np.column_stack([c.to_numpy(dtype=object) for c in columns]),
        hovertemplate=template + f"<extra>{name}</extra>",
    )
