"""人才地图: a choropleth of the level in view (all China by province, a province by city, a city
by district). A click on a region drills down; the breadcrumb in the sidebar goes back up."""

from __future__ import annotations

import html
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings
from analytics import disclosure
from analytics.filters import COUNTRY, METRICS
from figures.classed_map import MapClasses, classed_map
from maps import static
from views import auth, components, exporting, overseas, runlog, sidebar, state
from views.i18n import t, unit

MAP_KEY = "talent_map_chart"
COUNT_METRICS = ("talents", "high_level")
MAP_HEIGHT = 560
# The map column at a 1500-px-wide window (measured: tests/test_browser.py); the view is fitted
# to it: wider windows show a margin around the map, narrower ones crop its edges a little.
MAP_WIDTH_PX = 620


def page() -> None:
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()  # None: the role may see individuals, nothing is suppressed
    title = sidebar.region_name(ver, f.region)
    st.title(f"{t('talent_map')} · {title}")
    # always one element (empty at 全国), so the map below keeps its place in the page and a
    # drill-down updates it instead of replacing it (setting map_renderer)
    with st.empty().container():
        components.breadcrumb(ver, f.region, key="map_trail")
    map_section(f.region)
    overseas.pool_panel(ver, f, title, k)
    components.freshness_line(ver)


@st.fragment
def map_section(region: str) -> None:
    """The metric, the enterprise layer, the map and its ranking: a fragment, so a change of
    metric or layer reruns this part only, not the sidebar and the panels (issue 18). A click
    on the map that goes to another region reruns the whole page (title, trail, panels)."""
    if runlog.in_fragment_run():  # its own rerun: logged as one (setting run_log)
        # the sidebar, which mirrors the filters in the URL, does not run: the metric would
        # be missing from a copied link
        state.sync_url(state.filters())
        runlog.timed(lambda: _map_section(region) or "talent_map#map")
    else:
        _map_section(region)


def _map_section(region: str) -> None:
    if state.filters().region != region:
        st.rerun(scope="app")
    ver = state.version()
    f = state.filters()
    k = auth.small_cell_k()
    metric = st.segmented_control(t("metric"), METRICS, default=f.metric, key="metric_choice",
                                  format_func=t, on_change=_set_metric)
    metric = metric or f.metric
    parent = state.map_parent(ver, f.region)
    view = map_view(ver, query_filters(f, parent), parent, k, metric, state.lang(),
                    shapes_url(parent))
    note = st.empty()  # always there, so the elements below keep their places in the page
    if metric == "lq" and not (f.nodes or f.layer):
        note.info(t("lq_needs_nodes"))
    firms = st.toggle(t("enterprise_layer"), key="enterprise_layer", disabled=parent == COUNTRY,
                      help="在省、市地图上按产业链层级显示企业数量 (气泡位于所在区县中心)")
    left, right = st.columns([3, 2])
    with left:
        points = state.enterprise_points(ver, f, parent) if firms and parent != COUNTRY else None
        _draw_map(view, metric, points)
    with right:
        st.subheader(t("ranking"))
        st.dataframe(view.table, hide_index=True, height=MAP_HEIGHT - 40, width="stretch")


class MapView(NamedTuple):
    """What the map section shows for one key: the figures under the role's rule, the ranking
    table (on screen and in the map's export) and the map's figure (None: no shapes)."""
    values: disclosure.Controlled
    table: pd.DataFrame
    figure: go.Figure | None


def shapes_url(parent: str) -> str | None:
    """Where the browser fetches the children's shapes (None: inline in the figure)."""
    return None if settings.get("geojson_mode") == "inline" else state.geojson_url(parent)


@st.cache_resource(max_entries=256, show_spinner=False)
def map_view(ver: str, f, parent: str, k: int | None, metric: str, lang: str,
             url: str | None) -> MapView:
    """The map section's view, made once for every session that asks the same (issue 18: the
    ranking, the map's values and its plotly figure were a third of a filter change's time,
    repeated for each session; a metric switch back and forth found nothing made). Shared, not
    copied: callers read it, and copy the figure before adding to it. ``lang`` keys the words;
    ``url`` the shapes' address (content-hashed)."""
    values = state.controlled_children(ver, f, parent, k, metric)
    table = ranking_table(values, metric)
    geo = state.geojson(parent)
    if not geo.get("features"):
        return MapView(values, table, None)
    fig = map_figure(values, parent, metric, geo, k, geojson=geo if url is None else url,
                     maritime=state.maritime() if parent == COUNTRY else None,
                     publish=None if url is None else static.publish)
    return MapView(values, table, fig)


def query_filters(f, parent: str):
    """The filters as the children query reads them: the metric and the region in view
    (beyond its ``parent``) change nothing it returns, so a switch of metric or a click on a
    leaf of the same map finds the cached result (issue 18)."""
    return f.with_(region=parent, metric="talents")


def _set_metric() -> None:
    choice = st.session_state.get("metric_choice")
    if choice:
        state.set_filters(state.filters().with_(metric=choice))


def map_values(values: disclosure.Controlled, metric: str) -> pd.DataFrame:
    """The regions as the map draws them: the value to colour (shares and growth in %), the
    kind of a region without colour (``small`` '<k', ``hidden`` 保密, ``weak`` an LQ on a small
    base, ``none`` unknown) and one hover text (name, the metric, rank and talent, each once)."""
    v = values.values
    out = v[["adcode", "name"]].copy()
    out["value"] = v[metric].astype(float) * (100 if metric in ("share", "growth") else 1)
    shown = (values.text(metric, components.fmt_count) if metric in COUNT_METRICS
             else metric_text(values, metric))
    labels = values.label(metric)
    kind = pd.Series("value", index=v.index, dtype=object)
    kind[out["value"].isna()] = "none"
    kind[labels.notna()] = ["small" if lab.startswith("<") else "hidden"
                            for lab in labels.dropna()]
    if metric == "lq" and "lq_credible" in v.columns:
        # an LQ on fewer talents than lq_min_base: not coloured, "(3.00)" in the hover
        weak = ~v["lq_credible"].astype("boolean").fillna(False).astype(bool) & \
            out["value"].notna()
        out["value"] = out["value"].where(~weak)
        kind[weak] = "weak"
        shown = shown.where(~weak, "(" + shown + ") " + t("map_weak"))
    out["value"] = out["value"].where(kind == "value")
    out["kind"] = kind
    talents = values.text("talents", components.fmt_count)
    shown_n = int(v["rank"].notna().sum())
    rank = v["rank"].map(lambda r: "—" if pd.isna(r) else f"{int(r)}/{shown_n}")
    # Each figure once; the talent count last (for the talent metric, the metric itself).
    t_rank, t_talents, t_metric = t("rank"), t("talents"), t(metric)  # once, not per region
    out["hover_text"] = [
        f"<b>{html.escape(str(n))}</b><br>{t_rank}: {r}<br>{t_talents}: {tl}"
        if metric == "talents" else
        f"<b>{html.escape(str(n))}</b><br>{t_metric}: {s}<br>{t_rank}: {r} · "
        f"{t_talents}: {tl}"
        for n, s, r, tl in zip(v["name"], shown, rank, talents, strict=True)]
    return out


def metric_text(values: disclosure.Controlled, metric: str) -> pd.Series:
    return values.text(metric, lambda x: _fmt_metric(x, metric))


def legend_format(metric: str):
    """How a class bound reads in the legend (the map's values: shares and growth in %)."""
    if metric in ("share", "growth"):
        return lambda v: f"{v:.1f}%"
    if metric == "net_inflow":
        return lambda v: f"{v:+,.0f}"
    if metric in COUNT_METRICS:
        return lambda v: f"{v:,.0f}"
    return lambda v: f"{v:,.2f}"


def kind_labels(k: int | None) -> dict[str, str]:
    return {"small": f"<{k} {t('map_small')}" if k else t("map_small"),
            "hidden": disclosure.HIDDEN_LABEL, "weak": t("map_weak"), "none": t("map_none")}


def map_figure(values: disclosure.Controlled, parent: str, metric: str, geo: dict,
               k: int | None = None, geojson=None, maritime=None, publish=None):
    """The classed map of the children of ``parent`` (``geojson``: the shapes or their URL;
    default ``geo``); the national map with the 南海诸岛 inset (``publish``: where its land and
    the maritime line are served from; default inline)."""
    from maps.figures import geojson_bounds

    title = f"{t(metric)} ({unit(metric)})" if unit(metric) else t(metric)
    national = parent == COUNTRY
    return classed_map(
        map_values(values, metric), geo if geojson is None else geojson, legend_title=title,
        fmt=legend_format(metric), classes=MapClasses.from_settings(),
        kind_labels=kind_labels(k), maritime=maritime, inset=national, height=MAP_HEIGHT,
        width_px=MAP_WIDTH_PX, bounds=None if national else geojson_bounds(geo), shapes=geo,
        publish=publish)


def _draw_map(view: MapView, metric: str, points: pd.DataFrame | None = None) -> None:
    if view.figure is None:
        st.warning(t("no_data"))
        return
    fig = view.figure
    if points is not None and len(points):
        fig = go.Figure(fig)  # the shared view's figure stays as it is
        for trace in enterprise_traces(points):
            fig.add_trace(trace)
        fig.update_layout(showlegend=True,
                          legend={"x": 0.01, "y": 0.99, "bgcolor": "rgba(255,255,255,0.8)"})
    exporting.chart(fig, key=MAP_KEY, title=f"{t('talent_map')} · {t(metric)}",
                    data=view.table, unit=unit(metric), page="talent_map",
                    on_select=_clicked, selection_mode="points",
                    config={"displaylogo": False, "scrollZoom": True},
                    renderer=settings.get("map_renderer"))


def _clicked() -> None:
    """Drill into the region that was clicked."""
    sel = st.session_state.get(MAP_KEY)
    points = (sel or {}).get("selection", {}).get("points", [])
    for p in points:
        code = p.get("location")
        if code:
            sidebar.go_to(str(code))
            return


def ranking_table(values: disclosure.Controlled, metric: str) -> pd.DataFrame:
    """The ranking as shown and downloaded: rank and the chosen metric first, withheld figures
    as '<k' / '保密', in the order disclosure.children gives (by the metric, withheld last)."""
    cols = {"rank": t("rank"), "name": t("name"), metric: t(metric), "talents": t("talents"),
            "high_level": t("high_level")}
    v = values.values
    df = pd.DataFrame({
        "rank": v["rank"].astype("Int64"),  # withheld and unknown rows have none
        "name": v["name"],
        "talents": values.text("talents", components.fmt_count),
        "high_level": values.text("high_level", components.fmt_count),
        metric: (values.text(metric, components.fmt_count) if metric in COUNT_METRICS
                 else metric_text(values, metric)),
    }, index=v.index)
    return df[list(dict.fromkeys(cols))].rename(columns=cols)


def _fmt_metric(v, metric: str) -> str:
    if v is None or pd.isna(v):
        return t("unknown")
    if metric in ("share", "growth"):
        return f"{v * 100:.1f}%"
    if metric == "net_inflow":
        return f"{int(v):+,}"
    return f"{v:.2f}"


LAYER_COLORS = {"基础层": "#7b3294", "技术层": "#e66101", "应用层": "#1a9641"}
LAYER_OFFSET = {"基础层": -1, "技术层": 0, "应用层": 1}


def enterprise_traces(points: pd.DataFrame) -> list:
    """One bubble trace per chain layer (area ∝ enterprises), side by side at each centroid."""
    from maps.figures import bubble_layer

    # Spread the three layers a little around the centroid, in proportion to the region's size.
    step = (points["area_km2"].fillna(100).clip(lower=1) ** 0.5 / 111 * 0.25)
    pts = points.assign(lon=points["lon"] + points["layer"].map(LAYER_OFFSET) * step,
                        # a count (the query's sum comes as a float): '578', not '578.0'
                        size=points["enterprises"].fillna(0).round().astype("int64"))
    sizeref = 2 * max(float(pts["size"].max()), 1.0) / 26 ** 2
    traces = []
    for layer, group in pts.groupby("layer", sort=False):
        tr = bubble_layer(group, size_col="size", name=f"企业 · {layer}", size_label="企业数")
        tr.marker.color = LAYER_COLORS.get(layer, "#666")
        tr.marker.sizeref = sizeref
        traces.append(tr)
    return traces


if __name__ == "__main__":  # run as a page by st.navigation
    page()
