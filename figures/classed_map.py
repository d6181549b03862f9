"""The talent map in classes: regions coloured by class (quantiles or natural breaks, setting
``map_classes``) with a legend of the classes' ranges, and each kind of missing figure in a look
and a legend entry of its own (``<5``, ``保密``, an LQ on a small base, 无数据). On the national
map the South China Sea islands are drawn in an inset (lower right), as on 标准地图.

Input rows: ``adcode``, ``name``, ``value`` (NaN unless coloured), ``kind`` (one of KINDS, or
``value``) and ``hover_text`` (the region's whole hover, HTML-escaped by the caller). Values
arrive under disclosure control: a withheld figure is NaN here and never reaches the browser.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
import shapely.geometry
from plotly.colors import sample_colorscale

from figures.measure import text_px
from maps.figures import (
    BORDER_COLOR,
    MAINLAND_BOUNDS,
    MAP_STYLE,
    MARITIME_COLOR,
    SCS_BOUNDS,
    SCS_PROVINCES,
    fit_view,
    geojson_bounds,
    inset_box,
    inset_frame,
    inset_layout,
    subset,
)

METHODS = ("quantile", "jenks")
# Regions without a colour: fill, outline and default legend text, in legend order.
KINDS = {
    "small": ("#c3c8cf", "#ffffff", "人数过少"),          # '<k': a small count withheld
    "hidden": ("#8f969f", "#ffffff", "保密"),             # withheld to protect another figure
    "weak": ("#dfe6f0", "#9fb0c8", "基数不足, 仅供参考"),  # an LQ on fewer talents than lq_min_base
    "none": ("#f3f3f3", "#b4b4b4", "无数据"),             # nothing known
}
LEGEND_PX = 64   # room under the map for the legend (two rows)
_MARGIN = {"l": 0, "r": 0, "t": 8}


@dataclass(frozen=True)
class MapClasses:
    """How values are put into classes: ``quantile`` (each class about as many regions) or
    ``jenks`` (natural breaks: the within-class spread as small as it can be), ``n`` classes."""

    method: str = "quantile"
    n: int = 5

    @classmethod
    def from_settings(cls) -> MapClasses:
        import settings

        method, n = str(settings.get("map_classes")).lower().split(":")
        return cls(method, int(n))


def _quantile_bounds(x: np.ndarray, n: int) -> list[float]:
    return [float(b) for b in np.quantile(x, [i / n for i in range(1, n)], method="linear")]


def _jenks_bounds(x: np.ndarray, n: int) -> list[float]:
    """Fisher's optimal partition of sorted x into n groups (least total squared deviation);
    the upper value of every group but the last."""
    x = np.sort(x)
    m = len(x)
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])

    def sse(i: np.ndarray, j: int) -> np.ndarray:  # x[i..j] inclusive, i an array
        cnt = j - i + 1
        tot = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - tot * tot / cnt

    cost = np.full((n, m), np.inf)
    start = np.zeros((n, m), dtype=int)
    cost[0] = [sse(np.array([0]), j)[0] for j in range(m)]
    for c in range(1, n):
        for j in range(c, m):
            i = np.arange(c, j + 1)           # the last group is x[i..j]
            total = cost[c - 1][i - 1] + sse(i, j)
            best = int(np.argmin(total))
            cost[c][j], start[c][j] = total[best], i[best]
    bounds, j = [], m - 1
    for c in range(n - 1, 0, -1):
        i = start[c][j]
        bounds.append(float(x[i - 1]))
        j = i - 1
    return bounds[::-1]


def classify(values: pd.Series, classes: MapClasses) -> pd.Series:
    """Class 0 (lowest) … of each value (NaN stays NA); empty classes are dropped, so the
    classes are 0..k−1 with k ≤ classes.n, and equal values share a class."""
    if classes.method not in METHODS:
        raise ValueError(f"unknown classification {classes.method!r}; one of {METHODS}")
    x = values.dropna().to_numpy(dtype=float)
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if not len(x):
        return out
    unique = np.unique(x)
    if len(unique) <= classes.n:  # as many values as classes or fewer: each value a class
        out.loc[values.dropna().index] = np.searchsorted(unique, x)
        return out
    n = classes.n
    bounds = _jenks_bounds(x, n) if classes.method == "jenks" else _quantile_bounds(x, n)
    raw = np.searchsorted(np.asarray(bounds), x, side="left")  # v ≤ bound: that class
    dense = {c: i for i, c in enumerate(sorted(set(raw.tolist())))}
    out.loc[values.dropna().index] = [dense[c] for c in raw]
    return out


def _by_class(values: pd.Series, cls: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The values that have a class (as floats) and their classes (as ints)."""
    has = cls.notna().to_numpy()
    return (values.to_numpy(dtype=float, na_value=np.nan)[has],
            cls.to_numpy(dtype=float, na_value=np.nan)[has].astype(int))


def class_labels(values: pd.Series, cls: pd.Series, fmt: Callable[[float], str]) -> list[str]:
    """Each class's range as text, from its lowest to its highest member ('12–35'; '7')."""
    x, c = _by_class(values, cls)
    out = []
    for k in range(int(c.max()) + 1 if len(c) else 0):
        v = x[c == k]
        lo, hi = fmt(float(v.min())), fmt(float(v.max()))
        out.append(lo if lo == hi else f"{lo} – {hi}")
    return out


def class_colors(k: int, scale: str | list = "Blues") -> list[str]:
    """k colours from light to dark (the lightest class still tells from 无数据's white);
    ``scale`` a named scale (cached) or a list of [position, colour] pairs."""
    if isinstance(scale, str):
        return list(_class_colors(k, scale))
    return list(_class_colors.__wrapped__(k, scale))


@functools.lru_cache(maxsize=64)
def _class_colors(k: int, scale: str | list) -> tuple[str, ...]:
    if k <= 1:
        return tuple(sample_colorscale(scale, [0.6]))
    return tuple(sample_colorscale(scale, [0.22 + 0.78 * i / (k - 1) for i in range(k)]))


def stepped_scale(values: pd.Series, cls: pd.Series, colors: list[str]) -> dict:
    """A colour scale in steps (each class one colour) over the values: z stays the value,
    the steps sit halfway between one class's highest and the next one's lowest member."""
    x, c = _by_class(values, cls)
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return {"zmin": lo, "zmax": lo + 1, "colorscale": [[0, colors[0]], [1, colors[0]]]}
    scale = [[0.0, colors[0]]]
    for k in range(1, len(colors)):
        step = (float(x[c == k - 1].max()) + float(x[c == k].min())) / 2
        t = (step - lo) / (hi - lo)
        scale += [[t, colors[k - 1]], [t, colors[k]]]
    return {"zmin": lo, "zmax": hi, "colorscale": [*scale, [1.0, colors[-1]]]}


def _valued_trace(rows: pd.DataFrame, geo, colors: list[str], name: str) -> dict:
    """The regions with a colour, in one trace: z the value, the scale in class steps."""
    part = rows[rows["class"].notna()]
    return {
        "type": "choroplethmap", "geojson": subset(geo, part["adcode"]),
        "locations": part["adcode"].tolist(), "featureidkey": "id",
        "z": part["value"].to_numpy(dtype=float),
        "customdata": [[h] for h in part["hover_text"]],
        "hovertemplate": "%{customdata[0]}<extra></extra>", "showscale": False, "name": name,
        # no colour bar is drawn (the legend is), but its title says what z is: the role tests
        # check every choropleth of people for small counts by it
        "colorbar": {"title": {"text": name}},
        "marker": {"line": {"width": 0.6, "color": BORDER_COLOR}},
        **stepped_scale(rows["value"], rows["class"], colors)}


def _kinds_scale() -> list:
    fills = [f for f, _, _ in KINDS.values()]
    scale = [[0.0, fills[0]]]
    for i in range(1, len(fills)):
        t = (i - 0.5) / (len(fills) - 1)
        scale += [[t, fills[i - 1]], [t, fills[i]]]
    return [*scale, [1.0, fills[-1]]]


def _missing_trace(rows: pd.DataFrame, geo) -> dict:
    """The regions without a colour ('无数据', as the disclosure tests know it), each kind of
    missing figure in its own fill and outline."""
    part = rows[rows["kind"] != "value"]
    code = {kind: i for i, kind in enumerate(KINDS)}
    kinds = part["kind"].tolist()
    return {
        "type": "choroplethmap", "geojson": subset(geo, part["adcode"]),
        "locations": part["adcode"].tolist(), "featureidkey": "id",
        "z": [code[k] for k in kinds], "zmin": 0, "zmax": len(KINDS) - 1,
        "colorscale": _kinds_scale(), "showscale": False, "name": "无数据",
        "customdata": [[h] for h in part["hover_text"]],
        "hovertemplate": "%{customdata[0]}<extra></extra>",
        "marker": {"line": {"width": 0.6, "color": [KINDS[k][1] for k in kinds]}}}


def legend_note(title: str, entries: Sequence[tuple[str, str]], width_px: float) -> dict:
    """The legend under the map, as one annotation: the title, then a coloured square and the
    text of each entry (class ranges, kinds of missing figures), wrapped to the width."""
    px = 12
    lines, line, used = [], f"<b>{html.escape(title)}</b>", text_px(title, px) + 2 * px
    for color, label in entries:
        mark = "□" if color == KINDS["none"][0] else "■"
        ink = KINDS["none"][1] if mark == "□" else color
        item = (f"<span style='color:{ink};font-size:{px + 5}px'>{mark}</span>"
                f"\u2009{html.escape(label)}")
        w = text_px(label, px) + px + 5 + 2 * px  # the square, the label, the gap after it
        if used + w > width_px and used:
            lines.append(line)
            line, used = "", 0.0
        line += ("\u2003\u2003" if line else "") + item
        used += w
    lines.append(line)
    return {"xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left",
            "yanchor": "top", "yshift": -6, "align": "left", "showarrow": False,
            "text": "<br>".join(lines), "font": {"size": px, "color": "#333333"},
            "name": "map_legend"}


# The land of the inset, cut to its box, by the shapes it was cut from (the shapes of a parent
# are one cached object in the app: cut once, not on every rerun). The entry keeps the shapes,
# so their id is not reused while it lives.
_INSET_LAND: dict[int, tuple[dict, list[tuple[str, dict]]]] = {}
# The inset shows SCS_BOUNDS (17.6°) in about 125 px: 0.03° is a fifth of a pixel there.
INSET_TOLERANCE = 0.03
INSET_DECIMALS = 2
# A GeoJSON source for a map layer: given the payload's name and the payload, where the browser
# finds it (a URL: fetched once and cached, not sent with every rerun: issue 18), or the
# payload itself (``None``: inline).
Publish = Callable[[str, dict], "str | dict"]


def _inline(name: str, payload: dict) -> dict:
    return payload


def inset_land(shapes: dict) -> list[tuple[str, dict]]:
    """(adcode, GeoJSON FeatureCollection) of each province near the South China Sea, cut to
    SCS_BOUNDS and simplified for the inset's scale."""
    hit = _INSET_LAND.get(id(shapes))
    if hit is not None and hit[0] is shapes:
        return hit[1]
    box = shapely.box(*SCS_BOUNDS)
    out = []
    for feat in shapes.get("features", []):
        code = str(feat.get("id"))
        if code not in SCS_PROVINCES or not feat.get("geometry"):
            continue
        geom = shapely.intersection(shapely.geometry.shape(feat["geometry"]), box)
        geom = shapely.simplify(geom, INSET_TOLERANCE, preserve_topology=True)
        polys = [[[[round(x, INSET_DECIMALS), round(y, INSET_DECIMALS)]
                   for x, y in poly.exterior.coords]]
                 for poly in shapely.get_parts(geom)
                 if poly.geom_type == "Polygon" and not poly.is_empty]
        if polys:
            out.append((code, {"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": code, "properties": {},
                 "geometry": {"type": "MultiPolygon", "coordinates": polys}}]}))
    if len(_INSET_LAND) > 8:
        _INSET_LAND.clear()
    _INSET_LAND[id(shapes)] = (shapes, out)
    return out


_MARITIME: dict[int, tuple[object, dict]] = {}


def maritime_geojson(maritime: Sequence[tuple[Sequence[float], Sequence[float]]]) -> dict:
    """The maritime boundary's lines as one GeoJSON MultiLineString (memoised per object)."""
    hit = _MARITIME.get(id(maritime))
    if hit is not None and hit[0] is maritime:
        return hit[1]
    geo = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {}, "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[x, y] for x, y in zip(lon, lat, strict=True)]
                            for lon, lat in maritime]}}]}
    if len(_MARITIME) > 4:
        _MARITIME.clear()
    _MARITIME[id(maritime)] = (maritime, geo)
    return geo


def maritime_layer(source: str | dict) -> dict:
    """The maritime boundary line as a layout layer above the regions."""
    return {"sourcetype": "geojson", "source": source, "type": "line", "color": MARITIME_COLOR,
            "line": {"width": 1.2}, "name": "海上边界线"}


def _inset_layers(rows: pd.DataFrame, shapes: dict, colors: list[str],
                  publish: Publish) -> list[dict]:
    """The land of the 南海诸岛 inset (``map2``): the provinces near the South China Sea cut to
    the inset's box, one fill layer each in its class or kind colour. Layers, not traces: their
    shapes travel by URL (the inset's land was most of the national map's bytes), and a layer
    holds no figure (the map keeps one coloured and one grey choropleth)."""
    color = {code: (colors[int(c)] if not pd.isna(c) else KINDS[kind][0])
             for code, c, kind in zip(rows["adcode"], rows["class"], rows["kind"], strict=True)}
    return [{"sourcetype": "geojson", "source": publish(f"inset-{code}", land), "type": "fill",
             "color": color[code], "fill": {"outlinecolor": "#ffffff"}, "name": code}
            for code, land in inset_land(shapes) if code in color]


def classed_map(rows: pd.DataFrame, geojson: dict | str, *, legend_title: str,
                fmt: Callable[[float], str] = lambda v: f"{v:,.0f}",
                classes: MapClasses | None = None, kind_labels: Mapping[str, str] | None = None,
                maritime: Sequence | None = None, inset: bool = False, height: int = 600,
                width_px: int = 640, bounds: Sequence[float] | None = None,
                shapes: dict | None = None, scale: str = "Blues",
                publish: Publish | None = None) -> go.Figure:
    """The map: classes coloured light to dark, each kind of missing value in its own look,
    a legend (title, class ranges, kinds) under the map. Two choropleth layers: the coloured
    regions (z the value, the scale in class steps) and the rest ('无数据'). ``inset``: the
    national map (its main view MAINLAND_BOUNDS; the South China Sea islands, ``shapes``' land
    near them and ``maritime`` in an inset in the lower right). The view fits ``bounds``
    (default: the shapes') in ``width_px`` (a figure stretches to its column; the zoom does
    not follow); the bounds of each map travel in ``layout.meta`` for exports at other sizes.
    When ``geojson`` is a URL, pass every region as a row, ``shapes`` and the bounds.
    ``publish``: where the maritime line and the inset's land are served from (URLs; default:
    inline in the figure)."""
    publish = publish or _inline
    classes = classes or MapClasses.from_settings()
    shapes = shapes if shapes is not None else (geojson if isinstance(geojson, dict) else {})
    rows = rows.assign(adcode=rows["adcode"].astype(str))
    kinds = rows["kind"].where(rows["kind"].isin(list(KINDS)), "value")
    rows = rows.assign(kind=kinds.where(rows["value"].notna() | (kinds != "value"), "none"))
    rows = rows.assign(**{"class": classify(rows["value"].where(rows["kind"] == "value"),
                                            classes)})
    labels = class_labels(rows["value"], rows["class"], fmt)
    colors = class_colors(len(labels), scale)
    map_h = height - _MARGIN["t"] - LEGEND_PX
    if bounds is None:
        bounds = MAINLAND_BOUNDS if inset or not shapes.get("features") else \
            geojson_bounds(shapes)
    center, zoom = fit_view(bounds, width_px, map_h)
    fits = {"map": [float(b) for b in bounds]}
    # Traces and layout as plain dicts, put in a Figure without plotly's validation (which took
    # most of the time of a rerun: issue 18); the same figure, property for property.
    data = []
    if (rows["kind"] != "value").any():
        data.append(_missing_trace(rows, geojson))
    if labels:
        data.append(_valued_trace(rows, geojson, colors, legend_title))
    sea = publish("maritime", maritime_geojson(maritime)) if maritime else None
    entries = [(colors[c], labels[c]) for c in range(len(labels) - 1, -1, -1)]
    entries += [(fill, (kind_labels or {}).get(kind, text))
                for kind, (fill, _, text) in KINDS.items() if (rows["kind"] == kind).any()]
    notes = [legend_note(legend_title, entries, width_px)]
    # The main map's domain said outright: with a second map plotly would split the height.
    layout = {"map": {"style": MAP_STYLE, "center": center, "zoom": zoom,
                      "domain": {"x": [0, 1], "y": [0, 1]},
                      "layers": [maritime_layer(sea)] if sea else []}}
    if inset:
        box = inset_box(width_px, map_h)
        # plotly draws a map for a trace: an empty one holds the inset's place
        data.append({"type": "scattermap", "lon": [], "lat": [], "subplot": "map2",
                     "hoverinfo": "skip", "showlegend": False, "name": "南海诸岛"})
        frame, caption = inset_frame(box)
        layers = _inset_layers(rows, shapes, colors, publish)
        layout |= {"map2": {**inset_layout(box, width_px, map_h),
                            "layers": layers + ([maritime_layer(sea)] if sea else [])},
                   "shapes": [frame]}
        notes.append(caption)
        fits["map2"] = list(SCS_BOUNDS)
    # No template: Streamlit's holds only placeholder colours for other kinds of chart (every
    # colour here is given); its frontend styles fonts and background either way, and exports
    # put a real template in (exports.charts.prepare).
    layout |= {"meta": {"fit_bounds": fits}, "height": height, "showlegend": False,
               "margin": {**_MARGIN, "b": LEGEND_PX}, "annotations": notes, "template": {}}
    return go.Figure(data=data, layout=layout, _validate=False)
