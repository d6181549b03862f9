"""The talent map drawn as plain SVG (setting ``map_renderer=svg``; issue 18).

The page builds its map as a plotly figure (kept for exports); ``figures.svg_map.payload``
turns it into regions with their colours and hovers, GeoJSON layers and bubbles, and this
component draws them with SVG paths in a Web Mercator projection: no plotly.js to load and
evaluate, no WebGL, no map object that a rerun could destroy while it loads. The element is
kept by its ``key`` across reruns; a new payload redraws its contents, and keeps the reader's
zoom when the view is the same map's. Shapes given as URLs are fetched once per page.

Wheel zooms (``config["scrollZoom"]``), a drag pans, a double click goes back to the whole
view. A click on a region comes back as the trigger value ``selection`` shaped like
st.plotly_chart's (``{"points": [{"location": …, "curve_number": …, "point_number": …}]}``).
Hover texts and the legend are HTML made by our own code; the browser keeps only ``b``, ``i``,
``br`` and a ``span``'s colour and size of them, as text nodes.
"""

from __future__ import annotations

import streamlit as st

from figures.svg_map import payload

NAME = "talentmap_svg_map"

SAFE_JS = r"""
// Our own HTML (hover texts, the legend), kept to text and a few tags: nothing else survives.
function safe(html) {
  const doc = new DOMParser().parseFromString("<div>" + (html || "") + "</div>", "text/html");
  const out = document.createDocumentFragment();
  const walk = (from, into) => {
    for (const n of from.childNodes) {
      if (n.nodeType === 3) { into.appendChild(document.createTextNode(n.textContent)); continue; }
      if (n.nodeType !== 1) continue;
      const tag = n.tagName.toLowerCase();
      if (tag === "br") { into.appendChild(document.createElement("br")); continue; }
      let e = null;
      if (tag === "b" || tag === "i") e = document.createElement(tag);
      if (tag === "span") {
        e = document.createElement("span");
        if (n.style.color) e.style.color = n.style.color;
        if (n.style.fontSize) e.style.fontSize = n.style.fontSize;
      }
      walk(n, e || into);
      if (e) into.appendChild(e);
    }
  };
  if (doc.body.firstChild) walk(doc.body.firstChild, out);
  return out;
}

// A tooltip inside ``root`` beside the pointer, on the side where it fits.
function placeTip(tip, root, ev) {
  const r = root.getBoundingClientRect();
  const x = ev.clientX - r.left, y = ev.clientY - r.top;
  tip.style.display = "block";
  const w = tip.offsetWidth;
  tip.style.left = (x + 14 + w > r.width ? Math.max(0, x - 14 - w) : x + 14) + "px";
  tip.style.top = (y + 14) + "px";
}
"""

CSS = """
.tm-svgmap { position: relative; width: 100%; font-family: var(--st-font, sans-serif);
             color: var(--st-text-color, #31333F); user-select: none; }
.tm-svgmap .tm-area { position: relative; width: 100%; overflow: hidden; }
.tm-svgmap svg.tm-main { display: block; width: 100%; height: 100%; cursor: grab;
                         touch-action: none; }
.tm-svgmap svg.tm-main.tm-drag { cursor: grabbing; }
.tm-svgmap .tm-r { cursor: pointer; }
.tm-svgmap .tm-r:hover { fill-opacity: 0.8; }
.tm-svgmap .tm-inset { position: absolute; background: #ffffff; box-sizing: border-box;
                       border: 1px solid #8c8c8c; }
.tm-svgmap .tm-inset svg { display: block; width: 100%; height: 100%; }
.tm-svgmap .tm-caption { position: absolute; right: 2px; bottom: 2px; font-size: 10px;
                         color: #555555; background: rgba(255,255,255,0.85); padding: 0 2px; }
.tm-svgmap .tm-legend { font-size: 12px; color: #333333; line-height: 1.5; padding-top: 6px; }
.tm-svgmap .tm-layers { position: absolute; left: 1%; top: 1%; font-size: 12px;
                        background: rgba(255,255,255,0.8); padding: 2px 6px; }
.tm-svgmap .tm-tip { position: absolute; pointer-events: none; display: none; z-index: 2;
                     font-size: 12px; padding: 4px 6px; border-radius: 3px; max-width: 320px;
                     background: var(--st-background-color, #ffffff);
                     border: 1px solid rgba(49, 51, 63, 0.2); box-shadow: 0 1px 4px #0002; }
.tm-svgmap .tm-error { color: var(--st-red-color, #c00); padding: 0.5rem; white-space: pre-wrap; }
"""

JS = SAFE_JS + r"""
const SVG = "http://www.w3.org/2000/svg";
const RAD = Math.PI / 180;

// Shapes by URL: fetched once per page (the browser caches the file too), shared by reruns.
function source(src) {
  if (typeof src !== "string") return Promise.resolve(src);
  const cache = window.__talentmapGeo || (window.__talentmapGeo = new Map());
  if (!cache.has(src)) {
    cache.set(src, fetch(new URL(src, document.baseURI).href).then((r) => {
      if (!r.ok) throw new Error("无法加载 " + src + " (" + r.status + ")");
      return r.json();
    }).catch((err) => { cache.delete(src); throw err; }));
  }
  return cache.get(src);
}

function mercY(lat) {  // Web Mercator, in degrees, north up (SVG's y grows downwards)
  const c = Math.max(-85, Math.min(85, lat));
  return -Math.log(Math.tan(Math.PI / 4 + c * RAD / 2)) / RAD;
}

function line(points, close) {
  let s = "";
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    s += (i ? "L" : "M") + p[0].toFixed(3) + "," + mercY(p[1]).toFixed(3);
  }
  return close ? s + "Z" : s;
}

function pathOf(g) {
  if (!g) return "";
  switch (g.type) {
    case "Polygon": return g.coordinates.map((r) => line(r, true)).join("");
    case "MultiPolygon":
      return g.coordinates.map((p) => p.map((r) => line(r, true)).join("")).join("");
    case "LineString": return line(g.coordinates, false);
    case "MultiLineString": return g.coordinates.map((l) => line(l, false)).join("");
    case "GeometryCollection": return g.geometries.map(pathOf).join("");
    default: return "";
  }
}

function features(geo) {  // id → path, once per GeoJSON object
  if (!geo.__tmPaths) {
    const out = new Map();
    const list = geo.type === "FeatureCollection" ? geo.features || [] : [geo];
    for (const f of list) {
      const d = pathOf(f.geometry || f);
      if (d) out.set(String(f.id ?? out.size), d);
    }
    geo.__tmPaths = out;
  }
  return geo.__tmPaths;
}

function node(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function box(bounds, pad) {  // [lon0, lat0, lon1, lat1] → a viewBox
  const [x0, y0, x1, y1] = bounds;
  const top = mercY(y1), w = x1 - x0, h = mercY(y0) - top;
  return [x0 - w * pad, top - h * pad, w * (1 + 2 * pad), h * (1 + 2 * pad)];
}

function layers(g, fills, lines, geos) {
  for (const f of fills) {
    for (const d of features(geos.get(f.source)).values()) {
      node("path", {d, fill: f.color, stroke: f.outline, "stroke-width": 0.6,
                    "vector-effect": "non-scaling-stroke"}, g);
    }
  }
  for (const l of lines) {
    for (const d of features(geos.get(l.source)).values()) {
      node("path", {d, fill: "none", stroke: l.color, "stroke-width": l.width,
                    "vector-effect": "non-scaling-stroke"}, g);
    }
  }
}

function sources(data) {
  const all = [...data.shapes.map((s) => s.source), ...data.fills.map((f) => f.source),
               ...data.lines.map((l) => l.source)];
  if (data.inset) all.push(...data.inset.fills.map((f) => f.source),
                           ...data.inset.lines.map((l) => l.source));
  const keyed = all.map((s) => [s, source(s)]);
  return Promise.all(keyed.map((k) => k[1])).then((geos) =>
    new Map(keyed.map((k, i) => [k[0], geos[i]])));
}

function scale(svg) {  // screen pixels per unit of the view
  const m = svg.getScreenCTM();
  return m && m.a ? m.a : 1;
}

function rescale(root) {  // bubbles keep their size in pixels at every zoom
  const k = scale(root.__tm.svg);
  for (const c of root.__tm.svg.querySelectorAll("circle")) c.setAttribute("r", c.__d / 2 / k);
}

function setView(root, vb) {
  root.__tm.vb = vb;
  root.__tm.svg.setAttribute("viewBox", vb.map((v) => v.toFixed(4)).join(" "));
  rescale(root);
}

function build(root) {
  root.replaceChildren();
  const area = document.createElement("div");
  area.className = "tm-area";
  const svg = node("svg", {class: "tm-main", preserveAspectRatio: "xMidYMid meet",
                           role: "img"}, area);
  const tip = document.createElement("div");
  tip.className = "tm-tip";
  const legend = document.createElement("div");
  legend.className = "tm-legend";
  root.append(area, legend, tip);
  root.__tm = {area, svg, tip, legend, vb: null, view: null, drag: null};
  wire(root);
  new ResizeObserver(() => rescale(root)).observe(area);
}

function wire(root) {
  const t = root.__tm, svg = t.svg;
  const point = (ev) => {
    const m = svg.getScreenCTM();
    return m ? new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse()) : null;
  };
  svg.addEventListener("wheel", (ev) => {
    if (!t.scrollZoom || !t.vb) return;
    ev.preventDefault();
    const p = point(ev);
    if (!p) return;
    const f = Math.exp(Math.max(-1, Math.min(1, ev.deltaY * 0.002)));
    const [x, y, w, h] = t.vb;
    setView(root, [p.x - (p.x - x) * f, p.y - (p.y - y) * f, w * f, h * f]);
  }, {passive: false});
  svg.addEventListener("pointerdown", (ev) => {
    t.drag = {x: ev.clientX, y: ev.clientY, vb: t.vb, moved: false};
  });
  svg.addEventListener("pointermove", (ev) => {
    hover(root, ev);
    const d = t.drag;
    if (!d || !d.vb) return;
    const dx = ev.clientX - d.x, dy = ev.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 4) return;
    if (!d.moved) { d.moved = true; svg.setPointerCapture(ev.pointerId); }
    svg.classList.add("tm-drag");
    const k = scale(svg) || 1;
    setView(root, [d.vb[0] - dx / k, d.vb[1] - dy / k, d.vb[2], d.vb[3]]);
  });
  const end = (ev) => {
    const d = t.drag;
    t.drag = null;
    svg.classList.remove("tm-drag");
    if (!d || d.moved || ev.type !== "pointerup") return;
    const target = ev.target.closest ? ev.target.closest("[data-loc]") : null;
    if (target && t.send) {
      t.send("selection", {points: [{location: target.dataset.loc,
                                     curve_number: Number(target.dataset.curve),
                                     point_number: Number(target.dataset.point)}]});
    }
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("pointerleave", () => { t.tip.style.display = "none"; t.tipFor = null; });
  svg.addEventListener("dblclick", () => { if (t.home) setView(root, t.home.slice()); });
}

function hover(root, ev) {
  const t = root.__tm;
  const target = ev.target.closest ? ev.target.closest("[data-hover]") : null;
  if (!target) { t.tip.style.display = "none"; t.tipFor = null; return; }
  if (t.tipFor !== target) {
    t.tipFor = target;
    t.tip.replaceChildren(safe(target.dataset.hover));
  }
  placeTip(t.tip, root, ev);
}

function draw(root, data, geos) {
  const t = root.__tm;
  const mapH = data.height - data.margin.t - data.margin.b;
  t.area.style.height = mapH + "px";
  t.area.style.marginTop = data.margin.t + "px";
  t.legend.style.minHeight = data.margin.b + "px";
  const svg = t.svg;
  svg.replaceChildren();
  t.tip.style.display = "none";  // the region under the pointer may be gone
  t.tipFor = null;
  const g = node("g", {}, svg);
  data.shapes.forEach((s, curve) => {
    const paths = features(geos.get(s.source));
    s.regions.forEach(([loc, fill, outline, hov], i) => {
      const d = paths.get(loc);
      if (!d) return;
      node("path", {d, fill, stroke: outline, "stroke-width": s.width, class: "tm-r",
                    "vector-effect": "non-scaling-stroke", "data-loc": loc,
                    "data-curve": curve, "data-point": i, "data-hover": hov}, g);
    });
  });
  layers(g, data.fills, data.lines, geos);
  for (const p of data.points) {
    p.lon.forEach((lon, i) => {
      const c = node("circle", {cx: lon, cy: mercY(p.lat[i]), r: 1, "fill-opacity": p.opacity,
                                fill: Array.isArray(p.color) ? p.color[i] : p.color,
                                stroke: "#ffffff", "stroke-width": 0.5,
                                "vector-effect": "non-scaling-stroke",
                                "data-hover": p.hover[i]}, g);
      c.__d = p.d[i];
    });
  }
  const view = JSON.stringify(data.view);
  t.home = box(data.view, 0.02);
  setView(root, t.view === view && t.vb ? t.vb : t.home.slice());  // same map: keep the zoom
  t.view = view;
  t.svg.setAttribute("aria-label", data.label || "");
  t.legend.replaceChildren(safe(data.legend));
  for (const old of t.area.querySelectorAll(".tm-inset, .tm-layers")) old.remove();
  if (data.show_points_legend) {
    const key = document.createElement("div");
    key.className = "tm-layers";
    for (const p of data.points.filter((q) => q.legend)) {
      const row = document.createElement("div");
      const dot = document.createElement("span");
      dot.textContent = "● ";
      dot.style.color = Array.isArray(p.color) ? p.color[0] : p.color;
      row.append(dot, document.createTextNode(p.name));
      key.appendChild(row);
    }
    t.area.appendChild(key);
  }
  if (data.inset) inset(t.area, data.inset, geos);
}

function inset(area, spec, geos) {
  const div = document.createElement("div");
  div.className = "tm-inset";
  const [x0, x1] = spec.box.x, [y0, y1] = spec.box.y;
  Object.assign(div.style, {left: x0 * 100 + "%", width: (x1 - x0) * 100 + "%",
                            bottom: y0 * 100 + "%", height: (y1 - y0) * 100 + "%"});
  const svg = node("svg", {viewBox: box(spec.view, 0.02).join(" "),
                           preserveAspectRatio: "xMidYMid meet"}, div);
  layers(node("g", {}, svg), spec.fills, spec.lines, geos);
  if (spec.caption) {
    const cap = document.createElement("div");
    cap.className = "tm-caption";
    cap.appendChild(safe(spec.caption));
    div.appendChild(cap);
  }
  area.appendChild(div);
}

function showError(root, err) {
  const box = document.createElement("div");
  box.className = "tm-error";
  box.textContent = "地图无法显示: " + (err && err.message ? err.message : String(err));
  root.replaceChildren(box);
  delete root.__tm;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.__tmSvg;
  if (!root || root.parentNode !== parentElement) {
    root = document.createElement("div");
    root.className = "tm-svgmap";
    parentElement.appendChild(root);
    parentElement.__tmSvg = root;
  }
  if (!root.__tm) build(root);
  root.__tm.send = setTriggerValue;
  root.__tm.scrollZoom = !!data.scroll_zoom;
  const seq = (root.__tmSeq || 0) + 1;
  root.__tmSeq = seq;
  sources(data).then((geos) => {
    if (root.__tmSeq !== seq) return;  // a newer payload came while the shapes loaded
    if (!root.__tm) build(root);
    draw(root, data, geos);
    root.dataset.drawn = String(seq);
  }).catch((err) => showError(root, err));
}
"""

_component = st.components.v2.component(NAME, css=CSS, js=JS, isolate_styles=False)


def svg_map(fig, *, key: str, on_select=None, config: dict | None = None, label: str = ""):
    """Draw ``fig`` (a map figure of figures.classed_map) as SVG in the element kept by
    ``key``; ``on_select`` runs (before the rerun) when a region is clicked, with
    ``st.session_state[key]["selection"]["points"]`` set. Returns the component's result."""
    from views.map_component import _ignore

    data = payload(fig)
    data["scroll_zoom"] = bool((config or {}).get("scrollZoom"))
    data["label"] = label
    return _component(key=key, data=data, height=data["height"], width="stretch",
                      on_selection_change=on_select or _ignore)
