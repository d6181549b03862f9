"""Horizontal grouped bars drawn as plain SVG (setting ``map_renderer=svg``: the charts of the
talent map page, so that the landing page loads no plotly.js; issue 18).

The page builds the plotly figure (exports print it); ``figures.svg_bars.payload`` turns it into
categories and series, and this component draws them: a legend of the series, a bar per series
and category with its label at the end (``<5`` / ``保密`` for a withheld figure, no bar), grid
lines with round ticks, the axis title, a hover per bar. It redraws at its width when resized.
"""

from __future__ import annotations

import streamlit as st

from figures.svg_bars import payload
from views.svg_map import SAFE_JS

NAME = "talentmap_svg_bars"
LEGEND_PX = 26

CSS = """
.tm-bars { position: relative; width: 100%; font-family: var(--st-font, sans-serif);
           color: var(--st-text-color, #31333F); font-size: 12px; }
.tm-bars .tm-keys { display: flex; flex-wrap: wrap; gap: 4px 16px; height: 22px; }
.tm-bars .tm-keys i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
                      vertical-align: -1px; }
.tm-bars svg { display: block; width: 100%; overflow: visible; }
.tm-bars .tm-tip { position: absolute; pointer-events: none; display: none; z-index: 2;
                   padding: 4px 6px; border-radius: 3px; max-width: 320px;
                   background: var(--st-background-color, #ffffff);
                   border: 1px solid rgba(49, 51, 63, 0.2); box-shadow: 0 1px 4px #0002; }
"""

JS = SAFE_JS + r"""
const SVG = "http://www.w3.org/2000/svg";

function node(name, attrs, parent, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.appendChild(safe(text));
  if (parent) parent.appendChild(e);
  return e;
}

function step(max) {  // a round tick step: 1, 2 or 5 × 10^k, about four ticks
  const raw = max / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) || raw;
}

function label(html) {  // the text of our own HTML (a category may carry entities)
  return safe(html).textContent;
}

function draw(root, data) {
  const width = Math.max(root.clientWidth, 200);
  const keys = root.__keys, svg = root.__svg;
  keys.replaceChildren();
  for (const s of data.series) {
    const k = document.createElement("span");
    const sw = document.createElement("i");
    sw.style.background = s.color;
    k.append(sw, safe(s.name));
    keys.appendChild(k);
  }
  const cats = data.categories, n = Math.max(cats.length, 1), m = Math.max(data.series.length, 1);
  const height = Math.max(data.height - 26, 120);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("height", height);
  svg.replaceChildren();
  const names = cats.map(label);
  const left = Math.min(width * 0.4, 12 + 13 * Math.max(2, ...names.map((c) => c.length)));
  const right = 56, bottom = 38, plotW = Math.max(width - left - right, 40);
  const plotH = height - bottom, group = plotH / n, bar = group * 0.75 / m;
  const max = Math.max(1e-9, ...data.series.flatMap((s) => s.values));
  const tick = step(max), top = Math.ceil(max / tick) * tick;
  node("rect", {x: left, y: 0, width: plotW, height: plotH, fill: data.background}, svg);
  for (let v = 0; v <= top + 1e-9; v += tick) {
    const x = left + v / top * plotW;
    node("line", {x1: x, x2: x, y1: 0, y2: plotH, stroke: "#ffffff", "stroke-width": 1}, svg);
    node("text", {x, y: plotH + 14, "text-anchor": "middle", fill: "currentColor",
                  "font-size": 11}, svg, v.toLocaleString("en-US"));
  }
  node("text", {x: left + plotW / 2, y: plotH + 32, "text-anchor": "middle",
                fill: "currentColor"}, svg, data.x_title);
  names.forEach((name, i) => {
    node("text", {x: left - 6, y: (i + 0.5) * group + 4, "text-anchor": "end",
                  fill: "currentColor"}, svg).textContent = name;
    data.series.forEach((s, j) => {
      const y = i * group + group * 0.125 + j * bar, w = s.values[i] / top * plotW;
      const r = node("rect", {x: left, y, width: Math.max(w, 0), height: Math.max(bar - 1, 1),
                              fill: s.color, "data-hover": s.hover[i], class: "tm-bar"}, svg);
      r.dataset.series = j;
      if (s.text[i]) {
        node("text", {x: left + Math.max(w, 0) + 3, y: y + bar / 2 + 4, "font-size": 11,
                      fill: "currentColor"}, svg).textContent = s.text[i];
      }
    });
  });
  root.dataset.drawn = String((Number(root.dataset.drawn) || 0) + 1);
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.__tmBars;
  if (!root || root.parentNode !== parentElement) {
    root = document.createElement("div");
    root.className = "tm-bars";
    root.__keys = document.createElement("div");
    root.__keys.className = "tm-keys";
    root.__svg = document.createElementNS(SVG, "svg");
    root.__tip = document.createElement("div");
    root.__tip.className = "tm-tip";
    root.append(root.__keys, root.__svg, root.__tip);
    parentElement.appendChild(root);
    parentElement.__tmBars = root;
    root.__svg.addEventListener("pointermove", (ev) => {
      const t = ev.target.closest ? ev.target.closest("[data-hover]") : null;
      if (!t) { root.__tip.style.display = "none"; root.__tipFor = null; return; }
      if (root.__tipFor !== t) { root.__tipFor = t; root.__tip.replaceChildren(safe(t.dataset.hover)); }
      placeTip(root.__tip, root, ev);
    });
    root.__svg.addEventListener("pointerleave", () => { root.__tip.style.display = "none"; });
    let width = 0;
    new ResizeObserver(() => {
      if (root.clientWidth !== width && root.__data) { width = root.clientWidth; draw(root, root.__data); }
    }).observe(root);
  }
  root.__data = data;
  root.__tip.style.display = "none";
  draw(root, data);
}
"""

_component = st.components.v2.component(NAME, css=CSS, js=JS, isolate_styles=False)


def svg_bars(fig, *, key: str):
    """Draw ``fig`` (horizontal bars of figures.overseas) as SVG in the element of ``key``."""
    data = payload(fig)
    return _component(key=key, data=data, height=data["height"], width="stretch")
