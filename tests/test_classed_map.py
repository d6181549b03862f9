"""figures/classed_map.py: the talent map in classes (quantiles, natural breaks), a legend of
class ranges and of each kind of missing figure, the 南海诸岛 inset of the national map, one
hover per region, and the view an export refits (exports.charts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exports import charts
from figures.classed_map import KINDS, MapClasses, class_labels, classed_map, classify
from maps import figures, geometry
from reference.regions import COUNTRY_ADCODE


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return geometry.children_geojson(COUNTRY_ADCODE, tmp_path_factory.getbasetemp() / "geo_cache")


def _classes(values, method, n):
    s = pd.Series(values, dtype=float)
    return classify(s, MapClasses(method, n)).tolist()


def test_quantiles_put_as_many_regions_in_each_class():
    assert _classes(range(1, 11), "quantile", 5) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_natural_breaks_follow_the_jumps():
    values = [1, 2, 3, 10, 11, 12, 30, 31]
    assert _classes(values, "jenks", 3) == [0, 0, 0, 1, 1, 1, 2, 2]
    # quantiles split the same values elsewhere (equal counts, not gaps)
    assert _classes(values, "quantile", 3) == [0, 0, 0, 1, 1, 2, 2, 2]


def test_ties_share_a_class_and_missing_values_have_none():
    got = _classes([0, 0, 0, 0, 0, 0, 5, 10, 20, 30, None], "quantile", 3)
    assert got[:6] == [0] * 6 and got[6:10] == [1, 2, 2, 2] and pd.isna(got[10])
    # no more values than classes: each value a class of its own
    assert _classes([0, 0, 5, 10], "quantile", 5) == [0, 0, 1, 2]
    assert _classes([7, 7, None], "jenks", 4)[:2] == [0, 0]  # one value: one class
    with pytest.raises(ValueError, match="unknown classification"):
        _classes([1, 2, 3], "equal", 3)


def test_class_labels_are_the_ranges_of_their_members():
    values = pd.Series([1, 2, 3, 10, 1214.0, 7])
    cls = classify(values, MapClasses("jenks", 3))
    assert class_labels(values, cls, lambda v: f"{v:,.0f}") == ["1 – 3", "7 – 10", "1,214"]


def test_the_setting_picks_method_and_count(monkeypatch):
    monkeypatch.setenv("TALENTMAP_MAP_CLASSES", "Jenks:7")
    assert MapClasses.from_settings() == MapClasses("jenks", 7)
    monkeypatch.delenv("TALENTMAP_MAP_CLASSES")
    assert MapClasses.from_settings() == MapClasses("quantile", 5)


def _rows(geo):
    feats = geo["features"]
    rows = pd.DataFrame({"adcode": [f["id"] for f in feats],
                         "name": [f["properties"]["name"] for f in feats]})
    rows["value"] = np.arange(1, len(rows) + 1, dtype=float) * 10
    rows["kind"] = "value"
    for code, kind in (("540000", "small"), ("650000", "hidden"), ("710000", "none"),
                       ("460000", "small")):
        rows.loc[rows["adcode"] == code, ["value", "kind"]] = [np.nan, kind]
    rows["hover_text"] = "<b>" + rows["name"] + "</b><br>人才数量: x"
    return rows


def _legend(fig) -> str:
    return next(a.text for a in fig.layout.annotations if a.name == "map_legend")


def test_one_coloured_layer_in_class_steps_and_one_for_the_rest(national):
    rows = _rows(national)
    fig = classed_map(rows, national, legend_title="人才数量 (人)",
                      classes=MapClasses("quantile", 5), kind_labels={"small": "<5 人数过少"},
                      maritime=geometry.maritime_lines(), inset=True, height=560)
    layers = [t for t in fig.data if t.type == "choroplethmap"]
    grey, valued = layers  # the disclosure tests rely on exactly these two
    assert grey.name == "无数据" and valued.name == "人才数量 (人)"
    # z is the value itself; the scale steps give each class one colour
    shown = rows[rows["kind"] == "value"]
    assert list(valued.z) == shown["value"].tolist()
    assert valued.zmin == shown["value"].min() and valued.zmax == shown["value"].max()
    stops = [c for _, c in valued.colorscale]
    assert len(set(stops)) == 5 and len(valued.colorscale) == 2 * 5
    # every region once on the main map; withheld and unknown ones carry no value
    assert sorted([*grey.locations, *valued.locations]) == sorted(
        f["id"] for f in national["features"])
    kind = dict(zip(grey.locations, grey.z, strict=True))
    assert kind["540000"] == kind["460000"] == 0 and kind["650000"] == 1 and kind["710000"] == 3
    # each kind its own fill and outline
    fills = [c for _, c in grey.colorscale]
    assert KINDS["small"][0] in fills and KINDS["hidden"][0] in fills and KINDS["none"][0] in fills
    outline = dict(zip(grey.locations, grey.marker.line.color, strict=True))
    assert outline["710000"] == KINDS["none"][1] != outline["540000"]


def test_the_legend_gives_class_ranges_and_each_kind(national):
    fig = classed_map(_rows(national), national, legend_title="人才数量 (人)",
                      classes=MapClasses("quantile", 5), kind_labels={"small": "<5 人数过少"},
                      width_px=620)
    text = _legend(fig)
    assert text.startswith("<b>人才数量 (人)</b>")
    ranges = [part.split("</span>")[1].strip("\u2009\u2003") for part in text.split("<span")[1:]]
    assert len(ranges) == 8 and all(" – " in r for r in ranges[:5])
    assert ranges[5:] == ["&lt;5 人数过少", "保密", "无数据"]
    lows = [float(r.split(" – ")[0]) for r in ranges[:5]]
    assert lows == sorted(lows, reverse=True), "the darkest class first"
    assert "□" in text and text.count("■") == 7  # 无数据: an outlined square
    assert "<br>" in text, "wrapped to the map's width"


def test_one_hover_per_region_with_name_and_value_once(national):
    fig = classed_map(_rows(national), national, legend_title="人才数量 (人)")
    for t in fig.data:
        if t.type == "choroplethmap":
            assert t.hovertemplate == "%{customdata[0]}<extra></extra>"
            assert t.customdata[0][0].count("人才数量") == 1


def test_the_national_map_has_the_south_china_sea_inset(national):
    sea = geometry.maritime_lines()
    rows = _rows(national)
    fig = classed_map(rows, national, legend_title="t", maritime=sea, inset=True,
                      width_px=620, height=560)
    layers = fig.layout.map2.layers
    land = {la.name: la for la in layers if la.type == "fill"}
    assert set(land) <= set(figures.SCS_PROVINCES) and {"440000", "460000", "710000"} <= set(land)
    assert land["460000"].color == KINDS["small"][0]  # Hainan as on the main map
    assert land["710000"].color == KINDS["none"][0]
    lats = [y for la in land.values() for f in la.source["features"]
            for poly in f["geometry"]["coordinates"] for ring in poly for _, y in ring]
    assert min(lats) < 5 and max(lats) <= figures.SCS_BOUNDS[3] + 1e-6, "cut to the box"
    lines = [la for la in layers if la.type == "line"]
    assert len(lines) == 1 and lines[0].source["features"][0]["geometry"]["type"] == \
        "MultiLineString", "the maritime line"
    assert [la.type for la in fig.layout.map.layers] == ["line"], "and on the main map"
    assert [t.type for t in fig.data if t.subplot == "map2"] == ["scattermap"]
    assert not [t for t in fig.data if t.subplot == "map2" and t.lon]
    box = fig.layout.map2.domain
    assert box.x[1] == 1 and box.y[0] == 0 and 0.15 < box.x[1] - box.x[0] < 0.3
    assert fig.layout.map.domain.y == (0, 1), "the main map keeps the whole height"
    # the main view: the mainland to Hainan; the inset: the islands down to 曾母暗沙
    assert fig.layout.meta["fit_bounds"] == {"map": list(figures.MAINLAND_BOUNDS),
                                             "map2": list(figures.SCS_BOUNDS)}
    assert 2.5 < fig.layout.map.zoom < 3.4 and fig.layout.map2.zoom > 1.5
    assert fig.layout.shapes[0].x0 == box.x[0]
    assert "南海诸岛" in [a.text for a in fig.layout.annotations]
    # a province map has no inset and fits its own shapes
    plain = classed_map(rows, national, legend_title="t")
    assert "map2" not in plain.to_plotly_json()["layout"] and not plain.layout.shapes


def test_the_inset_land_and_the_sea_line_travel_by_url(national, tmp_path):
    """Served, the national map carries URLs, not shapes (issue 18: its bytes); what the URLs
    serve is exactly what the inline figure holds, and an export puts it back."""
    from exports import charts
    from maps import static

    sea = geometry.maritime_lines()
    rows = _rows(national)
    inline = classed_map(rows, national, legend_title="t", maritime=sea, inset=True)
    served = {}

    def publish(name, payload):
        url = static.publish(name, payload, root=tmp_path)
        served[url] = payload
        return url

    fig = classed_map(rows, "app/static/geojson/100000.json", shapes=national, legend_title="t",
                      maritime=sea, inset=True, publish=publish)
    layers = [*fig.layout.map.layers, *fig.layout.map2.layers]
    assert layers and all(isinstance(la.source, str) for la in layers)
    assert len(fig.to_json()) < len(inline.to_json()) / 4
    for url_layer, inline_layer in zip(layers, [*inline.layout.map.layers,
                                                *inline.layout.map2.layers], strict=True):
        assert static.read(url_layer.source, root=tmp_path) == inline_layer.source
        assert url_layer.color == inline_layer.color
    # the same payload is one file; a changed one gets a new URL
    land = served[fig.layout.map2.layers[0].source]
    assert static.publish("x", land, root=tmp_path) == static.publish("x", land, root=tmp_path)
    assert static.publish("x", {**land, "bbox": [0, 0, 1, 1]}, root=tmp_path) != \
        static.publish("x", land, root=tmp_path)
    with pytest.raises(ValueError):
        static.publish("../etc", land, root=tmp_path)
    assert static.read("https://example.com/app/static/geojson/../x.json") is None
    # an export embeds what the URLs serve
    out = classed_map(rows, national, legend_title="t", maritime=sea, inset=True,
                      publish=static.publish)
    assert all(isinstance(la.source, str) for la in out.layout.map2.layers)
    charts.inline_geojson(out)
    assert [la.source for la in out.layout.map2.layers] == \
        [la.source for la in inline.layout.map2.layers]
    out.layout.map.layers[0].source = "app/static/geojson/gone-000000000000.json"
    with pytest.raises(ValueError, match="地图图层"):
        charts.inline_geojson(out)


def test_an_export_refits_both_maps_to_their_own_bounds(national):
    fig = classed_map(_rows(national), national, legend_title="t", inset=True, width_px=620,
                      maritime=geometry.maritime_lines())
    out = charts.decorate(fig, width=1600)
    main, inset = out.layout.map, out.layout.map2
    assert main.zoom > fig.layout.map.zoom and inset.zoom > fig.layout.map2.zoom
    c, _ = figures.fit_view(figures.MAINLAND_BOUNDS)
    assert main.center.lat == pytest.approx(c["lat"], abs=0.01)
    assert inset.center.lat < 20, "the inset stays on the South China Sea"
