"""Map figures: MapLibre choropleths that draw offline, with grey no-data regions."""

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

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
