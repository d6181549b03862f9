"""The 大屏's maps (views/screen.py): the national map with the home region's inflows as arcs,
and the home city by district in classes — dark, static (no hover, no click), sized in the
stage's design pixels (1920×1080; the page scales the whole stage to the screen).

Offline as every map of the product: MapLibre with a style that is a background colour only
(``maps.figures.MAP_STYLE`` under a dark ground, ``maps.figures.ground_layer``: no tiles, no
glyphs, no sprites — nothing is fetched). Names on
the map and the moving dashes of the arcs are an SVG drawn over the map as a layout image (a
``data:`` URI, so nothing is fetched either): MapLibre text would need glyphs from the web, and
its lines cannot be animated. The overlay uses the map's own projection (Web Mercator at the
figure's centre and zoom), so names and dashes sit on the places and the arcs drawn below.

Counts arrive under disclosure control (``analytics.screen``): a withheld count is NaN here.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
import shapely
import shapely.geometry

from figures import screen_theme as th
from figures.classed_map import (
    KINDS,
    MapClasses,
    class_colors,
    class_labels,
    classed_map,
    classify,
)
from figures.flows import arc
from figures.measure import text_px
from maps.figures import (
    MAINLAND_BOUNDS,
    MAP_STYLE,
    SCS_BOUNDS,
    fit_view,
    ground_layer,
    inset_box,
    inset_layout,
    maritime_trace,
)

_TILE_PX = 512  # MapLibre's world width at zoom 0
LABEL_PX = 24   # names on the maps (design px)
# The kinds of missing figures on the dark ground: fill, outline (order of classed_map.KINDS).
DARK_KINDS = {"small": ("#3a4a61", th.BORDER), "hidden": ("#2d3b50", th.BORDER),
              "weak": ("#24344d", th.BORDER), "none": (th.NO_DATA, th.BORDER)}


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.05), -85.05)
    return (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2


def project(lon: float, lat: float, center: dict, zoom: float, width: float,
            height: float) -> tuple[float, float]:
    """Pixel (x, y) of (lon, lat) on a map ``width`` × ``height`` px at ``center``/``zoom``."""
    scale = _TILE_PX * 2 ** zoom
    return ((lon - center["lon"]) / 360 * scale + width / 2,
            (_merc_y(lat) - _merc_y(center["lat"])) * scale + height / 2)


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * y))) - math.pi / 2)


def view_bounds(center: dict, zoom: float, width: float, height: float) -> dict:
    """The lon/lat window a ``width`` × ``height`` px map shows at ``center``/``zoom``, as
    plotly's ``map.bounds``. MapLibre keeps the view inside it, zooming in (from ``_below``)
    until it covers the canvas: a map of the same aspect at any size (the stage scaled to
    3840×2160) shows the very same window, so the overlay drawn for the design size stays on
    its places."""
    scale = _TILE_PX * 2 ** zoom
    dx = width / 2 / scale * 360
    cy, dy = _merc_y(center["lat"]), height / 2 / scale
    return {"west": center["lon"] - dx, "east": center["lon"] + dx,
            "north": _merc_lat(cy - dy), "south": _merc_lat(cy + dy)}


def _below(zoom: float) -> float:
    """A zoom under the fitted one: MapLibre raises it until the view covers the canvas within
    ``map.bounds`` (it never lowers one), so a smaller screen gets the same window too."""
    return max(0.0, round(zoom - 3, 2))


def svg_image(body: str, width: int, height: int) -> dict:
    """An SVG drawn over the whole figure (paper coordinates) as a plotly layout image."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{body}</svg>')
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {"source": uri, "xref": "paper", "yref": "paper", "x": 0, "y": 1, "sizex": 1,
            "sizey": 1, "sizing": "stretch", "xanchor": "left", "yanchor": "top",
            "layer": "above", "name": "screen_overlay"}


def _label(x: float, y: float, text: str, px: float = LABEL_PX, color: str = th.TEXT,
           anchor: str = "middle", dy: float = 0.0) -> str:
    return (f'<text x="{x:.1f}" y="{y + dy:.1f}" font-size="{px}" fill="{color}" '
            f'text-anchor="{anchor}" font-family="{html.escape(th.FONT)}" '
            f'paint-order="stroke" stroke="{th.BACKGROUND}" stroke-width="{px / 5:.1f}" '
            f'stroke-linejoin="round">{html.escape(text)}</text>')


def place_labels(points: Sequence[tuple[float, float, str]], px: float = LABEL_PX,
                 box: tuple[float, float] | None = None) -> list[tuple[float, float, str]]:
    """The labels that fit: in the given order (most important first), a label whose box
    would overlap one already placed, or leave ``box`` (width, height), is left out."""
    placed, boxes = [], []
    for x, y, text in points:
        w, h = text_px(text, px), px * 1.2
        b = (x - w / 2 - 4, y - h, x + w / 2 + 4, y + 4)
        if box and (b[0] < 0 or b[1] < 0 or b[2] > box[0] or b[3] > box[1]):
            continue
        if any(b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3] for o in boxes):
            continue
        placed.append((x, y, text))
        boxes.append(b)
    return placed


def _base(geojson, ids: list[str], subplot: str = "map") -> go.Choroplethmap:
    """Regions in the ground's blue with their outlines (no hover)."""
    return go.Choroplethmap(
        geojson=geojson, locations=ids, featureidkey="id", z=[0] * len(ids),
        colorscale=[[0, th.NO_DATA], [1, th.NO_DATA]], showscale=False, hoverinfo="skip",
        marker={"line": {"width": 0.8, "color": th.BORDER}}, subplot=subplot, name="省界")


def inflow_map(routes: pd.DataFrame, home: tuple[float, float, str], geojson, ids: list[str],
               maritime: Sequence | None, width: int, height: int,
               animate: bool = True) -> go.Figure:
    """All China (the main view MAINLAND_BOUNDS, 南海诸岛 in an inset) with the home region's
    largest origins: an arc per origin (width by arrivals; a withheld count as thin as the
    thinnest), the home region marked, the origins' names where they fit; ``animate``: dashes
    run along the arcs towards home."""
    center, zoom = fit_view(MAINLAND_BOUNDS, width, height, padding=0.02)
    fig = go.Figure([_base(geojson, ids)])
    if maritime:
        fig.add_trace(maritime_trace(maritime))
    top = max(float(routes["moves"].max()), 1.0) if routes["moves"].notna().any() else 1.0
    paths, origins = [], []
    hx, hy = home[0], home[1]
    for r in routes.itertuples():
        lons, lats = arc(r.from_lon, r.from_lat, hx, hy, bend=0.18, steps=24)
        w = 2.0 if pd.isna(r.moves) else 2.0 + 8.0 * float(r.moves) / top
        fig.add_trace(go.Scattermap(lon=lons, lat=lats, mode="lines", hoverinfo="skip",
                                    line={"width": w, "color": "rgba(53,194,255,0.45)"},
                                    showlegend=False, name="流入"))
        pts = [project(lo, la, center, zoom, width, height) for lo, la in zip(lons, lats,
                                                                               strict=True)]
        paths.append((pts, w))
        origins.append((r.from_lon, r.from_lat, str(r.from_name)))
    fig.add_trace(go.Scattermap(lon=[o[0] for o in origins], lat=[o[1] for o in origins],
                                mode="markers", hoverinfo="skip", showlegend=False,
                                marker={"size": 10, "color": th.ACCENT}, name="来源地"))
    fig.add_trace(go.Scattermap(lon=[hx], lat=[hy], mode="markers", hoverinfo="skip",
                                showlegend=False, marker={"size": 22, "color": th.HOME_EDGE},
                                name=home[2]))
    body = [_arcs_svg(paths, animate)]
    hxp, hyp = project(hx, hy, center, zoom, width, height)
    body.append(f'<circle cx="{hxp:.1f}" cy="{hyp:.1f}" r="14" fill="none" '
                f'stroke="{th.HOME_EDGE}" stroke-width="3">'
                + ('<animate attributeName="r" values="12;34;12" dur="2.4s" '
                   'repeatCount="indefinite"/><animate attributeName="opacity" '
                   'values="1;0;1" dur="2.4s" repeatCount="indefinite"/>' if animate else "")
                + "</circle>")
    labels = [(hxp, hyp - 26, home[2])]
    labels += [(*project(lo, la, center, zoom, width, height - 14), name)
               for lo, la, name in origins]
    body += [_label(x, y, text, px=LABEL_PX + (6 if i == 0 else 0),
                    color=th.HOME_EDGE if i == 0 else th.TEXT, dy=-8 if i else 0)
             for i, (x, y, text) in enumerate(place_labels(labels, box=(width, height)))]
    layout = {"map": {"style": MAP_STYLE, "layers": [ground_layer(th.BACKGROUND)],
                      "center": center, "zoom": _below(zoom), "domain": {"x": [0, 1], "y": [0, 1]},
                      "bounds": view_bounds(center, zoom, width, height)}}
    box = inset_box(width, height, frac=0.17)
    fig.add_trace(_base(geojson, ids, subplot="map2"))
    if maritime:
        fig.add_trace(maritime_trace(maritime, subplot="map2"))
    inset = inset_layout(box, width, height)
    iw = (box["x"][1] - box["x"][0]) * width
    ih = (box["y"][1] - box["y"][0]) * height
    layout["map2"] = inset | {"layers": [ground_layer(th.BACKGROUND)],
                              "zoom": _below(inset["zoom"]),
                              "bounds": view_bounds(inset["center"], inset["zoom"], iw, ih)}
    x0, y0 = box["x"][0] * width, (1 - box["y"][1]) * height
    body.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{width - x0 - 1:.1f}" '
                f'height="{height - y0 - 1:.1f}" fill="none" stroke="{th.MUTED}" '
                'stroke-width="1.5"/>')
    body.append(_label(width - 10, height - 12, "南海诸岛", px=22, color=th.MUTED, anchor="end"))
    fig.update_layout(**layout, images=[svg_image("".join(body), width, height)])
    return _frame(fig, width, height)


def _arcs_svg(paths: list[tuple[list[tuple[float, float]], float]], animate: bool) -> str:
    """Dashes running along each arc (from the origin to home), staggered."""
    if not animate or not paths:
        return ""
    style = ("<style>.flow{fill:none;stroke:#bff0ff;stroke-linecap:round;"
             "stroke-dasharray:6 94;animation:flow 2.6s linear infinite}"
             "@keyframes flow{from{stroke-dashoffset:100}to{stroke-dashoffset:0}}</style>")
    out = [style]
    for i, (pts, w) in enumerate(paths):
        d = "M " + " L ".join(f"{x:.1f} {y:.1f}" for x, y in pts)
        out.append(f'<path class="flow" pathLength="100" d="{d}" '
                   f'stroke-width="{max(w * 0.8, 3):.1f}" '
                   f'style="animation-delay:-{(i * 0.37) % 2.6:.2f}s"/>')
    return "".join(out)


def _frame(fig: go.Figure, width: int, height: int) -> go.Figure:
    """Dark, static, no margins. The figure's own size is a quarter of the design's: the page
    gives the chart its box (Streamlit sizes the figure to it), and a map created small and then
    enlarged is zoomed in to its bounds (MapLibre raises a zoom to fit ``map.bounds`` but never
    lowers one: created at full size, a smaller screen would keep the larger zoom)."""
    fig.update_layout(width=width // 4, height=height // 4,
                      margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      paper_bgcolor=th.BACKGROUND, plot_bgcolor=th.BACKGROUND,
                      showlegend=False, hovermode=False, dragmode=False)
    return fig


def city_rows(values: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """``classed_map``'s rows from a city's children under control: value NaN where withheld,
    kind 'small' ('<k') or 'hidden' (保密) then, 'none' without a figure."""
    out = values[["adcode", "name"]].copy()
    out["value"] = values["talents"].astype(float)
    kind = pd.Series("value", index=values.index, dtype=object)
    kind[out["value"].isna()] = "none"
    for i, lab in labels.dropna().items():
        kind[i] = "small" if str(lab).startswith("<") else "hidden"
    out["kind"] = kind
    out["hover_text"] = out["name"].map(lambda n: html.escape(str(n)))
    return out


def city_map(rows: pd.DataFrame, geojson, shapes: dict, texts: dict[str, str],
             bounds: Sequence[float], width: int, height: int,
             classes: MapClasses | None = None) -> go.Figure:
    """The home city by district in classes (dark), each district's name and figure (``texts``:
    adcode → "name\nfigure") written on it where it fits; the legend is the page's
    (``legend_entries``)."""
    from figures.classed_map import LEGEND_PX

    fig = classed_map(rows, geojson, legend_title="人才数量", classes=classes,
                      height=height + 8 + LEGEND_PX, width_px=width, bounds=bounds,
                      shapes=shapes, scale=th.CLASS_SCALE)
    for tr in fig.data:
        tr.hoverinfo, tr.hovertemplate = "skip", None
        tr.marker.line.color = th.BORDER
        if tr.name == "无数据":
            tr.colorscale = _dark_kinds_scale()
            tr.marker.line.color = [DARK_KINDS[k][1] for k in rows.set_index("adcode").loc[
                list(tr.locations), "kind"]]
    center, zoom = fig.layout.map.center, fig.layout.map.zoom
    c = {"lon": center.lon, "lat": center.lat}
    points = []
    for feat in shapes.get("features", []):
        code = str(feat.get("id"))
        if code not in texts or not feat.get("geometry"):
            continue
        p = shapely.geometry.shape(feat["geometry"])
        p = max(shapely.get_parts(p), key=lambda g: g.area) if p.geom_type != "Polygon" else p
        pt = p.representative_point()
        x, y = project(pt.x, pt.y, c, zoom, width, height)
        area = p.area
        points.append((area, x, y, texts[code]))
    points.sort(key=lambda v: -v[0])  # the largest districts first
    body = []
    for x, y, text in place_labels([(x, y, t) for _, x, y, t in points], px=LABEL_PX,
                                   box=(width, height)):
        name, _, figure = text.partition("\n")
        body.append(_label(x, y, name, px=LABEL_PX))
        if figure:
            body.append(_label(x, y + LABEL_PX + 4, figure, px=LABEL_PX, color="#ffffff"))
    fig.update_layout(map={"layers": [ground_layer(th.BACKGROUND)], "zoom": _below(zoom),
                           "bounds": view_bounds(c, zoom, width, height)}, annotations=[],
                      images=[svg_image("".join(body), width, height)])
    return _frame(fig, width, height)


def _dark_kinds_scale() -> list:
    fills = [DARK_KINDS[k][0] for k in KINDS]
    scale = [[0.0, fills[0]]]
    for i in range(1, len(fills)):
        t = (i - 0.5) / (len(fills) - 1)
        scale += [[t, fills[i - 1]], [t, fills[i]]]
    return [*scale, [1.0, fills[-1]]]


def legend_entries(rows: pd.DataFrame, k: int | None, classes: MapClasses | None = None,
                   fmt=lambda v: f"{v:,.0f}") -> list[tuple[str, str]]:
    """The map's legend for the page to draw: each class's colour and range (dark to light,
    as ``classed_map`` classes them), then each kind of missing figure shown."""
    classes = classes or MapClasses.from_settings()
    values = rows["value"].where(rows["kind"] == "value")
    cls = classify(values, classes)
    labels = class_labels(values, cls, fmt)
    colors = class_colors(len(labels), th.CLASS_SCALE)
    out = [(colors[c], labels[c]) for c in range(len(labels) - 1, -1, -1)]
    words = {"small": f"<{k} 人数过少" if k else "人数过少", "hidden": "保密", "weak": "仅供参考",
             "none": "无数据"}
    out += [(DARK_KINDS[kind][0], words[kind]) for kind in KINDS if (rows["kind"] == kind).any()]
    return out


def bounds_of(shapes: dict) -> tuple[float, float, float, float]:
    geoms = [shapely.geometry.shape(f["geometry"]) for f in shapes.get("features", [])
             if f.get("geometry")]
    if not geoms:
        return SCS_BOUNDS
    return tuple(float(v) for v in shapely.total_bounds(geoms))
