"""Figures: the map primitives (maps.figures: MapLibre choropleths that draw offline, with grey
no-data regions) and the figures library (figures/: the chain diagram, heatmap, gaps, flows),
with small counts withheld as on the pages."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import disclosure, gaps
from figures import chain as chain_figs
from figures import flows as flow_figs
from figures import gaps as gap_figs
from figures import heatmap as heat_figs
from maps import figures, geometry
from reference.regions import COUNTRY_ADCODE, region_index


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """The session's shared cache folder (test_geometry builds it; built lazily otherwise)."""
    return tmp_path_factory.getbasetemp() / "geo_cache"


@pytest.fixture(scope="session")
def national(cache):
    return geometry.children_geojson(COUNTRY_ADCODE, cache)


@pytest.fixture(scope="session")
def qingdao(cache):
    return geometry.children_geojson("370200", cache)


def _values(parent, missing=()):
    """Children of a region with deterministic values, NaN for the codes in missing."""
    rows = region_index()
    rows = rows[rows["parent_adcode"] == parent].reset_index(drop=True)
    rows["talents"] = np.arange(1, len(rows) + 1, dtype=float) * 10
    rows.loc[rows["adcode"].isin(missing), "talents"] = np.nan
    return rows


@pytest.fixture(scope="session")
def national_fig(cache, national):
    values = _values(COUNTRY_ADCODE, missing={"710000", "540000"})
    return figures.choropleth(values, national, value_col="talents", title="AI 人才分布",
                              colorbar_title="人才数 (人)", maritime=geometry.maritime_lines(cache))


def _traces(fig, kind):
    return [t for t in fig.data if t.type == kind]


def test_national_map_draws_every_province(national_fig):
    grey, valued = _traces(national_fig, "choroplethmap")
    assert len(valued.locations) == 32
    assert sorted(grey.locations) == ["540000", "710000"]
    assert set(grey.locations) | set(valued.locations) == {
        f"{code}" for code in region_index().query("level == 'province'")["adcode"]}
    assert grey.showscale is False and valued.featureidkey == "id"


def test_each_shape_is_sent_once(national_fig):
    grey, valued = _traces(national_fig, "choroplethmap")
    assert [f["id"] for f in grey.geojson["features"]] == ["540000", "710000"]
    assert len(valued.geojson["features"]) == 32


def test_colorbar_and_offline_style(national_fig):
    valued = _traces(national_fig, "choroplethmap")[-1]
    assert valued.colorbar.title.text == "人才数 (人)"
    assert national_fig.layout.map.style == "white-bg"
    assert national_fig.layout.title.text == "AI 人才分布"
    assert "geo" not in national_fig.to_plotly_json()["layout"]


def test_maritime_line_is_drawn(national_fig):
    (line,) = _traces(national_fig, "scattermap")
    assert line.mode == "lines" and line.hoverinfo == "skip"
    assert sum(v is None for v in line.lon) == 10  # ten lines, each closed by a gap
    assert min(v for v in line.lat if v is not None) < 5


def test_national_figure_json_is_small(national_fig):
    assert len(national_fig.to_json()) < 1_500_000


def test_national_view_fits_the_whole_territory(national_fig):
    view = national_fig.layout.map
    assert 100 < view.center.lon < 110 and 25 < view.center.lat < 38
    assert 2.3 < view.zoom < 3.2


def test_hover_shows_name_value_and_rank(national_fig):
    valued = _traces(national_fig, "choroplethmap")[-1]
    assert "%{text}" in valued.hovertemplate and "人才数 (人): %{z:" in valued.hovertemplate
    top = list(valued.z).index(max(valued.z))
    assert valued.customdata[top][0] == "排名 1/32"


def test_qingdao_figure(qingdao):
    values = _values("370200").assign(hover_text=lambda d: "第 " + d["adcode"].str[-2:] + " 名")
    fig = figures.choropleth(values, qingdao, value_col="talents", title="青岛",
                             colorbar_title="人才数 (人)", hover_cols=["short_name"])
    (trace,) = fig.data  # nothing missing: no grey trace
    assert isinstance(trace, go.Choroplethmap)
    assert len(trace.locations) == 10
    assert trace.customdata[0].tolist() == ["第 02 名", "市南"]
    assert "short_name: %{customdata[1]}" in trace.hovertemplate
    assert len(fig.to_json()) < 100_000
    assert 119.5 < fig.layout.map.center.lon < 121.1 and 7 < fig.layout.map.zoom < 9


def test_url_geojson_draws_rows_without_value_grey():
    values = _values("370200", missing={"370202"})
    fig = figures.choropleth(values, "/static/geojson/370200.json", value_col="talents",
                             title="青岛", colorbar_title="人才数 (人)",
                             center={"lon": 120.3, "lat": 36.3}, zoom=8)
    grey, valued = fig.data
    assert grey.geojson == valued.geojson == "/static/geojson/370200.json"
    assert list(grey.locations) == ["370202"] and len(valued.locations) == 9
    assert fig.layout.map.zoom == 8


def test_fit_view():
    center, zoom = figures.fit_view((119.5, 35.6, 121.1, 37.1), width_px=800, height_px=600)
    assert center["lon"] == pytest.approx(120.3) and 35.6 < center["lat"] < 37.1
    wider_center, wider_zoom = figures.fit_view(figures.CHINA_BOUNDS)
    assert wider_zoom < zoom
    # the whole span fits: MapLibre's world is 512 px wide at zoom 0
    assert 512 * 2 ** wider_zoom * (135.1 - 73.5) / 360 <= 800
    assert figures.fit_view((120, 36, 120, 36)) == ({"lon": 120.0, "lat": 36.0}, 12.0)
    assert math.isfinite(wider_center["lat"])


def test_bubble_layer():
    points = pd.DataFrame({"lon": [120.3, 120.5, 120.4], "lat": [36.1, 36.2, 36.3],
                           "employees": [10, 400, 50], "name": ["甲", "乙", "丙"],
                           "node": ["芯片", "算法", "芯片"]})
    trace = figures.bubble_layer(points, size_col="employees", color_col="node",
                                 size_label="员工数")
    assert isinstance(trace, go.Scattermap) and trace.mode == "markers"
    assert trace.marker.sizemode == "area"
    assert trace.marker.sizeref == pytest.approx(2 * 400 / 28 ** 2)
    assert trace.marker.color[0] == trace.marker.color[2] != trace.marker.color[1]
    assert "员工数: %{customdata[0]}" in trace.hovertemplate
    numeric = figures.bubble_layer(points, size_col="employees", color_col="employees")
    assert numeric.marker.showscale is True


# -- figures/ -------------------------------------------------------------------------------------

def _chain(k=5):
    """Four nodes in two layers, as ``disclosure.nodes_shown(gaps.chain_status(…))`` gives them."""
    df = pd.DataFrame({
        "node_id": ["F01", "F02", "T01", "T02"], "name_zh": ["AI芯片", "<b>传感器</b>", "框架", "平台"],
        "layer": ["基础层", "基础层", "技术层", "技术层"],
        "segment": ["算力硬件", "算力硬件", "框架与平台", "框架与平台"], "sequence": [1, 2, 3, 4],
        "talent": [40, 3, 25, 30], "active": [10, 1, 5, 8], "postings": [12, 0, 4, 9],
        "lq_talent": [1.5, 0.2, 0.9, 1.1], "lq_enterprise": [1.0, None, 0.5, 2.0],
        "sd_ratio": [0.8, None, 1.2, 0.9], "sd_band": ["紧缺", "—", "平衡", "紧缺"],
        "gap_score": [10.0, 80.0, 20.0, 5.0], "reason": ["r1", "r2", "r3", "r4"],
        "status": ["固链", "补链", "强链", "强链"], "mean_salary": [20000.0, None, 15000.0, 18000.0],
        "enterprises": [3, 0, 2, 1], "leaders": [1, 0, 0, 0]})
    return disclosure.nodes_shown(df, k)


def _boxes(fig):
    return {n: (tr.marker.color, t) for tr in fig.data if tr.type == "bar"
            for n, t in zip(tr.customdata, tr.text, strict=True)}


def test_chain_diagram_one_drawing_for_the_page_and_the_brief():
    df = _chain()
    page = chain_figs.chain_figure(df, "T01")
    static = chain_figs.chain_figure(df, static=True)
    colors = {n: c for n, (c, _) in _boxes(page).items()}
    assert colors == {n: c for n, (c, _) in _boxes(static).items()}
    assert colors == {n: gaps.STATUS_COLORS[s] for n, s in zip(df["node_id"], df["status"],
                                                               strict=True)}
    # the page: two-line boxes with hover, a click selects (the selected box outlined)
    assert _boxes(page)["F02"][1] == "<b>&lt;b&gt;传感器&lt;/b&gt;</b><br>供 <5 · 需 0 · LQ 保密"
    bars = [tr for tr in page.data if tr.type == "bar"]
    assert all(tr.hovertext for tr in bars if len(tr.customdata))
    assert page.layout.clickmode == "event+select"
    widths = {n: w for tr in bars for n, w in zip(tr.customdata, tr.marker.line.width,
                                                   strict=True)}
    assert widths == {"F01": 1, "F02": 1, "T01": 3, "T02": 1}
    # the brief: one line per box, compact, nothing to hover or click
    assert _boxes(static)["F01"][1] == "AI芯片 · LQ 1.50"
    assert all(tr.hoverinfo == "skip" and not tr.hovertext for tr in static.data)
    assert static.layout.clickmode == "none" and static.layout.hovermode is False
    assert static.layout.height < page.layout.height
    legend = [tr.name for tr in static.data if tr.type == "scatter"]
    assert legend == list(chain_figs.STATUSES)
    # the country is its own benchmark: its boxes give the supply/demand ratio
    national = chain_figs.chain_figure(df.assign(national=True), static=True)
    assert _boxes(national)["F01"][1] == "AI芯片 · 供需 0.80"


def test_gap_bars_largest_gap_and_tightest_supply_on_top():
    df = _chain(None)
    top = gap_figs.top_gaps_figure(df).data[0]
    assert list(top.x) == [5.0, 10.0, 20.0, 80.0]  # drawn bottom-up
    tight = gap_figs.tightest(df)
    assert tight["node_id"].tolist() == ["F01", "T02", "T01"]
    assert list(gap_figs.shortage_figure(tight).data[0].x) == [1.2, 0.9, 0.8]


def test_a_heatmap_of_uncoloured_cells_is_not_blank():
    # Every LQ on a small base (and a withheld count) is uncoloured: its cell is grey with its
    # text in the layer underneath, so the grid never renders empty.
    matrix = pd.DataFrame({
        "adcode": ["a", "a", "b", "b"], "name": ["甲区", "甲区", "乙区", "乙区"],
        "node_id": ["T01", "T02"] * 2, "name_zh": ["深度学习框架", "开发平台"] * 2,
        "sequence": [1, 2] * 2, "talent": [6, 0, 30, 9], "lq_talent": [3.0, 0.0, 1.1, 0.4],
        "lq_credible": [False, False, True, True], "sd_ratio": [None] * 4, "sd_band": ["—"] * 4,
        "gap_score": [10.0, 60.0, 5.0, 40.0], "reason": ["r"] * 4, "postings": [1, 1, 1, 1]})
    grey, valued = heat_figs.heatmap_figure(matrix, "lq_talent", None).data
    assert grey.text.tolist() == [["(3.00)", ""], ["(0.00)", ""]]
    assert valued.text.tolist() == [["", "1.10"], ["", "0.40"]]
    assert np.isnan(valued.z[0][0]) and valued.z[0][1] == pytest.approx(1.1)
    # 甲区 has 6 + 2: the 2 is '<5' and, its total known, the 6 is withheld too (保密)
    grey, valued = heat_figs.heatmap_figure(matrix.assign(talent=[6, 2, 30, 9]), "talent", 5).data
    assert grey.text.tolist() == [["保密", ""], ["<5", ""]]
    assert valued.text.tolist() == [["", "30"], ["", "9"]]


def test_returnees_below_k_are_merged_or_left_out():
    ret = pd.DataFrame({"country": ["美国", "英国", "日本", "法国"], "talent": [9, 3, 2, 1]})
    bars = flow_figs.returnee_figure(ret, 5).data[0]
    assert list(bars.y) == ["其他 (各不足 5 人)", "美国"] and list(bars.x) == [6, 9]
    assert list(flow_figs.returnee_figure(ret, None).data[0].x) == [1, 2, 3, 9]
    assert flow_figs.returnee_figure(ret.iloc[1:], 10) is None, "everything below k: nothing drawn"


def test_routes_say_less_than_k_and_small_routes_look_alike():
    routes = pd.DataFrame({"from_name": ["北京市", "青岛市"], "from_lon": [116.4, 120.4],
                           "from_lat": [39.9, 36.1], "to_name": ["青岛市", "上海市"],
                           "to_lon": [120.4, 121.5], "to_lat": [36.1, 31.2], "moves": [20, 2],
                           "direction": ["流入", "流出"]})
    fig = flow_figs.routes_figure(routes, [], 5)
    lines = [tr for tr in fig.data if tr.mode == "lines"]
    assert lines[1].hovertext[0] == "青岛市 → 上海市: <5 人"
    assert lines[1].line.width == pytest.approx(1.5 + 6 * 5 / 20)
    assert fig.layout.map.style == "white-bg"


def _wide_matrix(n=20):
    """n provinces × 2 nodes, talent rising with the code; 北京's second node withheld."""
    codes = [r.adcode for r in region_index().query("level == 'province'").itertuples()][:n]
    names = dict(zip(region_index()["adcode"], region_index()["name"], strict=True))
    rows = [{"adcode": c, "name": names[c], "node_id": node, "name_zh": nm, "sequence": s,
             "talent": 10 * (i + 1) + s, "lq_talent": 1.0, "sd_ratio": None, "sd_band": "—",
             "gap_score": 0.0, "reason": "r", "postings": i}
            for i, c in enumerate(codes) for s, (node, nm) in enumerate(
                [("T01", "深度学习框架"), ("A02", "自动驾驶与智能网联汽车")])]
    df = pd.DataFrame(rows)
    df.loc[(df["adcode"] == "110000") & (df["node_id"] == "A02"), "talent"] = 2
    return df


def test_heatmap_ranks_regions_and_labels_them_short_and_flat():
    matrix = _wide_matrix()
    ctl = heat_figs.controlled(matrix, 5)
    ranked = heat_figs.ranked_regions(ctl, "talent")
    assert len(ranked) == 20 and ranked[0] == matrix["adcode"].iloc[-1]  # the largest first
    # a withheld cell adds nothing: 北京 (10 + 2, the 10 withheld too) ranks last, not by 12
    assert ranked[-1] == "110000"
    top = ranked[:heat_figs.DEFAULT_TOP]
    fig = heat_figs.heatmap_figure(matrix, "talent", 5, ctl, regions=top)
    grey, valued = fig.data
    axis = fig.layout.xaxis
    assert len(valued.x) == heat_figs.DEFAULT_TOP and axis.tickangle == 0
    names = dict(zip(matrix["adcode"], matrix["name"], strict=True))
    assert list(valued.x) == [names[c] for c in top], "full names: the hover's"
    assert list(axis.tickvals) == list(valued.x) and axis.tickmode == "array"
    assert list(axis.ticktext) == [heat_figs.short_name(names[c]) for c in top]
    assert all(len(x) <= 3 for x in axis.ticktext)  # 内蒙古自治区 → 内蒙古
    assert "%{x}" in valued.hovertemplate
    # the region in view stays first
    assert heat_figs.ranked_regions(ctl, "talent", first="120000")[:2] == ["120000", ranked[0]]
    assert valued.colorbar.title.text == "环节人才数量"  # the registry's label, not the id
    assert heat_figs.unit_text("talent") == "人" and "比值" in heat_figs.unit_text("lq_talent")


def test_national_routes_fit_all_china_not_only_their_ends():
    routes = pd.DataFrame({"from_name": ["北京市"], "from_lon": [116.4], "from_lat": [39.9],
                           "to_name": ["上海市"], "to_lon": [121.5], "to_lat": [31.2],
                           "moves": [20], "direction": ["区域间"]})
    ends = flow_figs.routes_figure(routes, [], None)
    china = flow_figs.routes_figure(routes, [], None, bounds=figures.MAINLAND_BOUNDS)
    assert china.layout.map.zoom < ends.layout.map.zoom
    # the west (喀什, 76°E) within the view of the map's width
    half_span = 360 / (512 * 2 ** china.layout.map.zoom) * flow_figs.ROUTES_W / 2
    assert china.layout.map.center.lon - half_span < 76


def test_a_hover_text_is_the_whole_hover():
    values = _values("370200").assign(hover_text="<b>甲</b><br>人才数量: 10")
    trace = figures.choropleth(values, "/static/geojson/370200.json", value_col="talents",
                               title="", colorbar_title="人才数量 (人)",
                               center={"lon": 120.3, "lat": 36.3}, zoom=8).data[-1]
    assert trace.hovertemplate == "%{customdata[0]}<extra></extra>"
