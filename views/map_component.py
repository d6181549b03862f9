"""The talent map drawn by one plotly graph that lives across reruns (issue 18).

``st.plotly_chart`` derives its element's identity from the figure, so every change of the
figure (a metric, a region) unmounts the chart and the browser builds a new MapLibre map: slow,
and under many sessions plotly.js trips over the destroyed map ("getCenter"). This renderer is
a Streamlit components v2 component with a fixed ``key``: Streamlit keeps the element, the
component's JavaScript keeps one graph div inside it and updates it with ``Plotly.react``.

plotly.js comes from the installed plotly package, published once as a static file
(``static/js/plotly-<version>.min.js``, served at ``app/static/js/``; no CDN, no network) and kept
as ``window.__talentmapPlotly``: never the ``window.Plotly`` that st.plotly_chart's own copy sets
when it arrives, since a second copy's ``Plotly.react`` builds a new map. A
click on a region comes back as the trigger value ``selection`` shaped like st.plotly_chart's
(``{"points": [{"location": …, "curve_number": …, "point_number": …}]}``), so
``st.session_state[key]["selection"]["points"]`` reads the same in an ``on_select`` callback.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import plotly
import plotly.io as pio
import streamlit as st

STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"
URL_PREFIX = "app/static/js/"
NAME = "talentmap_plotly_map"
DEFAULT_HEIGHT = 450


def plotly_source() -> Path:
    """plotly.min.js as the installed plotly package ships it."""
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def publish_plotly(root: Path | None = None) -> str:
    """The URL of plotly.js as ``static/js/plotly-<version>.min.js`` (copied once, atomically:
    a reader never sees half a file; a file of another size is replaced), with its gzip beside
    it (``….min.js.gz``, what the browser fetches: Streamlit would gzip the 4.8-MB script again
    on every request, and a precompressed file it serves as it is)."""
    src = plotly_source()
    file = f"plotly-{plotly.__version__}.min.js"
    target = (root or STATIC_JS) / file
    packed = target.with_name(file + ".gz")
    if not target.exists() or target.stat().st_size != src.stat().st_size \
            or not packed.exists():
        data = src.read_bytes()
        _write(target, data)
        _write(packed, gzip.compress(data, compresslevel=9, mtime=0))
    return URL_PREFIX + file


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)


def figure_json(fig) -> str:
    """The figure as st.plotly_chart sends it (plotly.io.to_json, not validated again)."""
    return pio.to_json(fig, validate=False)


def payload(fig, config: dict | None = None) -> dict:
    """What the component is given: the figure's JSON, plotly's config, the script's URL."""
    height = fig.layout.height or DEFAULT_HEIGHT
    return {"figure": figure_json(fig), "height": int(height), "src": publish_plotly(),
            "config": {"displaylogo": False, **(config or {}), "responsive": True}}


CSS = """
.tm-map-graph { width: 100%; }
.tm-map-error { color: var(--st-red-color, #c00); font-family: var(--st-font, sans-serif);
                white-space: pre-wrap; padding: 0.5rem; }
"""

JS = r"""
const LOADING = "__talentmapPlotlyLoading";

// The gzipped script, unpacked here (one small download, nothing for the server to compress);
// the plain file where the browser cannot unpack it.
async function scriptUrl(src) {
  if (window.DecompressionStream) {
    try {
      const r = await fetch(new URL(src + ".gz", document.baseURI).href);
      if (r.ok) {
        const text = await new Response(r.body.pipeThrough(new DecompressionStream("gzip")))
          .text();
        return URL.createObjectURL(new Blob([text], {type: "text/javascript"}));
      }
    } catch (e) { /* the plain file below */ }
  }
  return new URL(src, document.baseURI).href;
}

const OURS = "__talentmapPlotly";

// Our own plotly.js, kept under its own name. Streamlit's st.plotly_chart brings another
// plotly.js that sets window.Plotly when its chunk arrives, which on a busy machine is after our
// first draw: Plotly.react from a second copy of plotly.js does not know the first copy's graph,
// starts a new plot and builds a new MapLibre map. So every draw, resize and purge of the graph
// uses the copy loaded here, whatever window.Plotly is now; window.Plotly is left as it was.
function plotly() { return window[OURS] || null; }

function loadPlotly(src) {
  if (plotly()) return Promise.resolve(plotly());
  if (!window[LOADING]) {
    window[LOADING] = scriptUrl(src).then((url) => new Promise((resolve, reject) => {
      const before = Object.getOwnPropertyDescriptor(window, "Plotly");
      const s = document.createElement("script");
      s.src = url;
      s.async = true;
      s.onload = () => {
        const loaded = window.Plotly;
        if (before) Object.defineProperty(window, "Plotly", before);
        if (!loaded || !loaded.react) { reject(new Error("plotly.js 未能加载")); return; }
        window[OURS] = loaded;
        resolve(loaded);
      };
      s.onerror = () => reject(new Error("无法加载 " + src));
      document.head.appendChild(s);
    })).catch((err) => { window[LOADING] = null; throw err; });
  }
  return window[LOADING];
}

function css(el, name, fallback) {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v && v !== "unset" ? v : fallback;
}

function rgba(color, alpha) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})`
           : color;
}

// What st.plotly_chart's "streamlit" theme gives a figure whose own template is empty (all its
// colours are its own): the app's font, faded text, its background, hover labels to match.
function themed(layout, el) {
  const font = css(el, "--st-font", '"Source Sans", sans-serif');
  const text = css(el, "--st-text-color", "#31333F");
  const bg = css(el, "--st-background-color", "#FFFFFF");
  const dark = /^#([0-7][0-9a-f]){3}$/i.test(bg);
  const faded = dark ? "#A3A8B8" : "#808495";
  const out = Object.assign({clickmode: "event", hovermode: "closest", dragmode: "pan"}, layout);
  const tpl = layout.template;
  if (!tpl || !Object.keys(tpl).length) {
    out.template = {layout: {
      font: {family: font, color: faded, size: 12},
      paper_bgcolor: bg, plot_bgcolor: bg,
      hoverlabel: {bgcolor: bg, bordercolor: rgba(text, 0.2),
                   font: {family: font, color: faded, size: 12}},
      legend: {font: {size: 12, color: text}, bordercolor: "transparent", borderwidth: 0},
    }};
  }
  out.autosize = true;
  delete out.width;
  return out;
}

function showError(gd, err) {
  try {
    if (plotly() && gd._fullLayout) plotly().purge(gd);
    const box = document.createElement("div");
    box.className = "tm-map-error";
    box.textContent = "地图无法显示: " + (err && err.message ? err.message : String(err));
    gd.replaceChildren(box);
  } catch (e) { /* nothing more to do */ }
}

function graph(parent) {
  let gd = parent.__tmGraph;
  if (gd && gd.parentNode === parent) return gd;
  gd = document.createElement("div");
  gd.className = "tm-map-graph";
  parent.appendChild(gd);
  parent.__tmGraph = gd;
  let frame = 0;
  gd.__tmResize = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (gd._fullLayout && plotly() && gd.isConnected) {
        plotly().Plots.resize(gd).catch(() => {});
      }
    });
  });
  gd.__tmResize.observe(parent);
  return gd;
}

// The graph's config as it stands (plotly.js fills in toImageButtonOptions after a first
// plot), then ours: Plotly.react starts a new plot, and a new map, whenever they differ.
function config(gd, ours) {
  const out = {};
  for (const [k, v] of Object.entries(gd._context || {})) {
    if (!k.startsWith("_") && typeof v !== "function") out[k] = v;
  }
  return Object.assign(out, ours);
}

function clicked(gd) {
  return (ev) => {
    const p = ev && ev.points && ev.points.find((q) => q.location != null);
    if (!p || !gd.__tmSend) return;
    gd.__tmSend("selection", {points: [{location: String(p.location),
                                        curve_number: p.curveNumber,
                                        point_number: p.pointNumber}]});
  };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let gd;
  try {
    gd = graph(parentElement);
    gd.style.height = (data.height || 450) + "px";
    gd.__tmSend = setTriggerValue;
    const seq = (gd.__tmSeq || 0) + 1;
    gd.__tmSeq = seq;
    // One Plotly.react at a time: a second one while the first is still building the map
    // would make plotly.js build another map. A figure superseded while waiting is skipped.
    const draw = () => loadPlotly(data.src).then((Plotly) => {
      if (gd.__tmSeq !== seq || !gd.isConnected) return null;
      const fig = JSON.parse(data.figure);
      if (gd.firstChild && gd.firstChild.className === "tm-map-error") gd.replaceChildren();
      return Plotly.react(gd, fig.data || [], themed(fig.layout || {}, parentElement),
                          config(gd, data.config || {})).then(() => {
        if (!gd.__tmClick) {
          gd.__tmClick = true;
          gd.on("plotly_click", clicked(gd));
        }
      });
    }).catch((err) => showError(gd, err));
    const late = () => new Promise((resolve) => setTimeout(resolve, 20000));  // never stuck
    gd.__tmDrawn = (gd.__tmDrawn || Promise.resolve()).then(() => Promise.race([draw(), late()]));
  } catch (err) {
    if (gd) showError(gd, err);
  }
  // Called when Streamlit unmounts the element (not on a new figure): free the map once the
  // element has left the page.
  return () => setTimeout(() => {
    if (!gd || parentElement.isConnected) return;
    try {
      if (gd.__tmResize) gd.__tmResize.disconnect();
      if (plotly()) plotly().purge(gd);
    } catch (e) { /* gone anyway */ }
    if (parentElement.__tmGraph === gd) delete parentElement.__tmGraph;
  }, 0);
}
"""

_component = st.components.v2.component(NAME, css=CSS, js=JS, isolate_styles=False)


def plotly_map(fig, *, key: str, on_select=None, config: dict | None = None):
    """Draw ``fig`` in the kept graph of ``key``; ``on_select`` runs (before the rerun) when a
    region is clicked, with ``st.session_state[key]["selection"]["points"]`` set. Returns the
    component's result (``.selection``: the click of this run, else None)."""
    data = payload(fig, config)
    callbacks = {"on_selection_change": on_select or _ignore}
    return _component(key=key, data=data, height=data["height"], width="stretch", **callbacks)


def _ignore() -> None:
    """A click with no callback still reruns the app (Streamlit needs a callback to deliver a
    trigger value)."""
