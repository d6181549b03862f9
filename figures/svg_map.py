"""A map figure as the SVG renderer draws it (setting ``map_renderer=svg``; issue 18).

``figures.classed_map`` builds the talent map as a plotly figure: MapLibre choropleths, layers
for the 南海诸岛 inset and the maritime line, bubbles for the enterprise layer. Exports keep
that figure. On the page, plotly.js (4.7 MB to evaluate) and a software-WebGL MapLibre map were
most of the browser's first render and the source of its page errors under load; the SVG
renderer (``views/svg_map.py``) draws the same picture as plain SVG paths from this payload:

- ``regions``: per shape source (a URL or an inline FeatureCollection), each region's fill,
  outline and hover, the colour plotly.js would give its ``z`` on the trace's colour scale;
- ``lines`` / ``fills``: the map's GeoJSON layers; ``inset``: the second map's box, view and
  layers; ``points``: bubbles with plotly's diameters (``sizemode='area'``);
- ``legend`` and ``caption``: the figure's annotations (HTML made by our own code, labels
  escaped there; the browser keeps only ``b``, ``br`` and ``span`` colour and size from them).

No ``z`` and no ids but the regions' codes travel: what the browser gets is what it shows.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence

import numpy as np
from plotly.colors import hex_to_rgb, unlabel_rgb

# hovertemplate fields the payload fills in; anything else in a template is left as it is
_FIELD = re.compile(r"%\{(text|customdata\[(\d+)\]|location)\}")
_EXTRA = re.compile(r"<extra>(.*?)</extra>", re.S)


def as_list(v) -> list:
    """A figure's array as a list: numpy, a list, or plotly's packed form (``{"dtype": …,
    "bdata": base64}``, which ``to_plotly_json`` gives numeric arrays)."""
    if v is None:
        return []
    if isinstance(v, dict) and "bdata" in v:
        flat = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return flat.reshape(v["shape"]).tolist() if v.get("shape") else flat.tolist()
    return v.tolist() if hasattr(v, "tolist") else list(v)


def colors_on_scale(z: Sequence[float], zmin: float, zmax: float, scale) -> list[str]:
    """The colour of each ``z`` on ``scale`` ([[position, colour], …], colours as hex or
    ``rgb()``) as plotly.js gives it: the position ``(z − zmin) / (zmax − zmin)`` clipped to
    [0, 1], the colour interpolated in RGB between the entries around it (a stepped scale's
    entries share a position: the colour is then the step's, flat on either side)."""
    span = (zmax - zmin) or 1.0
    stops = [(float(q), _rgb(c)) for q, c in scale]
    out = []
    for v in z:
        p = min(1.0, max(0.0, (float(v) - zmin) / span))
        hi = next((i for i, (q, _) in enumerate(stops) if q > p), len(stops) - 1)
        lo = max(hi - 1, 0)
        (q0, c0), (q1, c1) = stops[lo], stops[hi]
        f = 0.0 if q1 <= q0 else min(1.0, max(0.0, (p - q0) / (q1 - q0)))
        out.append("#" + "".join(f"{round(a + (b - a) * f):02x}" for a, b in zip(c0, c1,
                                                                                   strict=True)))
    return out


def _rgb(color: str) -> tuple[float, float, float]:
    """``#rrggbb`` or ``rgb(…)`` / ``rgba(…)`` as an (r, g, b) tuple (plotly's own parsers)."""
    color = color.strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        return hex_to_rgb(color)
    if color.startswith("rgb"):
        return tuple(unlabel_rgb(color)[:3])
    raise ValueError(f"colour not understood: {color!r}")


def hover_text(template: str | None, text, custom, location, name: str) -> str:
    """A point's hover as plotly would show it: the template's fields filled in; an
    ``<extra>`` part (plotly's side label: the trace's name unless given) after a line break."""
    if not template:
        return str(text if text is not None else location)

    def field(m: re.Match) -> str:
        if m.group(1) == "text":
            return "" if text is None else str(text)
        if m.group(1) == "location":
            return str(location)
        i = int(m.group(2))
        return str(custom[i]) if custom is not None and i < len(custom) else ""

    extra = _EXTRA.search(template)
    body = _FIELD.sub(field, _EXTRA.sub("", template))
    side = _FIELD.sub(field, extra.group(1)) if extra else name
    return body + (f"<br><i>{side}</i>" if side else "")


def _at(seq, i):
    return seq[i] if isinstance(seq, list | tuple) and i < len(seq) else seq


def _regions(tr: dict) -> dict:
    locations = [str(x) for x in as_list(tr.get("locations"))]
    z = as_list(tr.get("z"))
    scale = tr.get("colorscale")
    zmin = tr.get("zmin", min(z) if z else 0)
    zmax = tr.get("zmax", max(z) if z else 1)
    fills = colors_on_scale(z, zmin, zmax, scale) if z and isinstance(scale, list) else \
        ["#cccccc"] * len(locations)
    line = (tr.get("marker") or {}).get("line") or {}
    outline = as_list(line.get("color")) if isinstance(line.get("color"), list | tuple) or \
        hasattr(line.get("color"), "tolist") else line.get("color", "#ffffff")
    custom, text = as_list(tr.get("customdata")), as_list(tr.get("text"))
    template, name = tr.get("hovertemplate"), tr.get("name") or ""
    return {"source": tr.get("geojson"), "name": name,
            "width": float(line.get("width", 0.6)),
            "regions": [[loc, fills[i], _at(outline, i),
                         hover_text(template, _at(text, i) if text else None,
                                    custom[i] if i < len(custom) else None, loc, name)]
                        for i, loc in enumerate(locations)]}


def _layers(layers: Sequence[dict]) -> tuple[list[dict], list[dict]]:
    fills, lines = [], []
    for lay in layers or []:
        if lay.get("sourcetype", "geojson") != "geojson" or lay.get("visible") is False:
            continue
        if lay.get("type") == "fill":
            fills.append({"source": lay["source"], "color": lay.get("color", "#cccccc"),
                          "outline": (lay.get("fill") or {}).get("outlinecolor", "#ffffff")})
        elif lay.get("type") == "line":
            lines.append({"source": lay["source"], "color": lay.get("color", "#7f7f7f"),
                          "width": float((lay.get("line") or {}).get("width", 1))})
    return fills, lines


def _points(tr: dict) -> dict:
    marker = tr.get("marker") or {}
    sizes = marker.get("size", 6)
    lon, lat = as_list(tr.get("lon")), as_list(tr.get("lat"))
    ref = float(marker.get("sizeref") or 1)
    least = float(marker.get("sizemin") or 0)

    def diameter(s) -> float:  # plotly.js: radius = f(size / 2), at least sizemin
        s = 0.0 if s is None or (isinstance(s, float) and math.isnan(s)) else max(float(s), 0)
        r = math.sqrt(s / 2 / ref) if marker.get("sizemode") == "area" else s / 2 / ref
        return 2 * max(least, r)

    sizes = [diameter(s) for s in as_list(sizes)] if not isinstance(sizes, int | float) \
        else [diameter(sizes)] * len(lon)
    custom, text = as_list(tr.get("customdata")), as_list(tr.get("text"))
    name = tr.get("name") or ""
    hovers = [hover_text(tr.get("hovertemplate"), _at(text, i) if text else None,
                         as_list(custom[i]) if i < len(custom) else None, "", name)
              for i in range(len(lon))]
    color = marker.get("color", "#1f77b4")
    return {"name": name, "lon": [round(float(x), 5) for x in lon],
            "lat": [round(float(x), 5) for x in lat], "d": [round(d, 2) for d in sizes],
            "color": as_list(color) if not isinstance(color, str) else color,
            "opacity": float(marker.get("opacity", 1)), "hover": hovers,
            "legend": tr.get("showlegend", True) is not False}


def payload(fig) -> dict:
    """What the SVG renderer needs of a map figure (a plotly Figure or its dict)."""
    d = fig if isinstance(fig, dict) else fig.to_plotly_json()
    layout = d.get("layout") or {}
    main = layout.get("map") or {}
    inset = layout.get("map2")
    fits = (layout.get("meta") or {}).get("fit_bounds") or {}
    shapes, points = [], []
    for tr in d.get("data") or []:
        subplot = tr.get("subplot", "map")
        if tr.get("type") == "choroplethmap" and subplot == "map":
            shapes.append(_regions(tr))
        elif tr.get("type") == "scattermap" and subplot == "map" and as_list(tr.get("lon")):
            points.append(_points(tr))
    fills, lines = _layers(main.get("layers"))
    notes = layout.get("annotations") or []
    legend = next((a.get("text", "") for a in notes if a.get("name") == "map_legend"), "")
    out = {"height": int(layout.get("height") or 450),
           "margin": {k: int((layout.get("margin") or {}).get(k, 0)) for k in "tb"},
           "view": _bounds(fits, "map"), "shapes": shapes,
           "fills": fills, "lines": lines, "points": points, "legend": legend,
           "show_points_legend": bool(layout.get("showlegend")) and bool(points)}
    if inset:
        i_fills, i_lines = _layers(inset.get("layers"))
        caption = next((a.get("text", "") for a in notes
                        if a.get("name") != "map_legend" and a.get("xref") == "paper"
                        and a.get("yanchor") == "bottom"), "")
        out["inset"] = {"box": inset.get("domain"), "view": _bounds(fits, "map2"),
                        "fills": i_fills, "lines": i_lines, "caption": caption}
    return out


def _bounds(fits: dict, subplot: str) -> list[float]:
    """The bounds a map is fitted to (``layout.meta.fit_bounds``, which figures.classed_map
    always writes: exports refit by it too)."""
    if not fits.get(subplot):
        raise ValueError(f"地图缺少视图范围 (layout.meta.fit_bounds.{subplot})")
    return [float(b) for b in fits[subplot]]
