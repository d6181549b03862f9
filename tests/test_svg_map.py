"""figures/svg_map.py: what the SVG renderer (map_renderer=svg) is given for a map figure —
each region's fill the colour of its class (or of its kind of missing figure), its outline and
its hover as the plotly figure has them, the layers and the inset, the bubbles' diameters as
plotly draws them. tests/test_svg_map_page.py checks the page, tests/test_browser_svg_map.py
the drawing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from figures import svg_map
from figures.classed_map import KINDS, MapClasses, class_colors, classed_map, classify
from maps import figures, geometry
from reference.regions import COUNTRY_ADCODE
from tests.test_classed_map import _rows


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return geometry.children_geojson(COUNTRY_ADCODE, tmp_path_factory.getbasetemp() / "geo_cache")


def _regions(data) -> dict[str, tuple]:
    out = {}
    for shape in data["shapes"]:
        for loc, fill, outline, hover in shape["regions"]:
            assert loc not in out, f"{loc} drawn twice"
            out[loc] = (fill, outline, hover)
    return out


def _hex(color: str) -> str:
    if color.startswith("#"):
        return color.lower()
    r, g, b = (round(float(x)) for x in color[color.index("(") + 1:-1].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("classes", [MapClasses("quantile", 5), MapClasses("jenks", 4),
                                     MapClasses("quantile", 3)])
def test_each_region_has_its_class_colour_or_its_kinds_look(national, classes):
    rows = _rows(national)
    rows.loc[rows["adcode"] == "110000", "value"] = 10.0  # ties with another region
    fig = classed_map(rows, national, legend_title="人才数量 (人)", classes=classes)
    got = _regions(svg_map.payload(fig))
    assert set(got) == set(rows["adcode"]), "every region once"
    valued = rows["kind"] == "value"
    cls = classify(rows["value"].where(valued), classes)
    colors = class_colors(int(cls.max()) + 1)
    for code, kind, c, hover in zip(rows["adcode"], rows["kind"], cls, rows["hover_text"],
                                    strict=True):
        fill, outline, shown = got[code]
        if kind == "value":
            assert fill == _hex(colors[int(c)]), code
            assert outline == figures.BORDER_COLOR
        else:
            assert (fill, outline) == (KINDS[kind][0], KINDS[kind][1]), code
        assert shown == hover
    assert len({got[c][0] for c in rows.loc[valued, "adcode"]}) == int(cls.max()) + 1


def test_the_colour_scale_is_read_as_plotly_reads_it():
    scale = [[0.0, "#000000"], [0.5, "rgb(0, 0, 255)"], [0.5, "#ff0000"], [1.0, "#ffffff"]]
    got = svg_map.colors_on_scale([0, 5, 10, 20, 30, 40, -5, 45], 0, 40, scale)
    # interpolated in RGB between the entries around a value; a step has its colour on either
    # side; values beyond zmin/zmax take the ends
    assert got == ["#000000", "#000040", "#000080", "#ff0000", "#ff8080", "#ffffff",
                   "#000000", "#ffffff"]
    assert svg_map.colors_on_scale([3, 3], 3, 3, scale) == ["#000000"] * 2
    with pytest.raises(ValueError, match="colour"):
        svg_map.colors_on_scale([1], 0, 1, [[0, "blue"], [1, "red"]])


def test_the_national_map_brings_its_inset_sea_line_and_legend(national):
    sea = geometry.maritime_lines()
    rows = _rows(national)
    fig = classed_map(rows, "app/static/geojson/100000.json", shapes=national,
                      legend_title="人才数量 (人)", maritime=sea, inset=True, height=560,
                      width_px=620, publish=lambda name, _: f"app/static/geojson/{name}.json")
    data = svg_map.payload(fig)
    assert data["height"] == 560 and data["margin"] == {"t": 8, "b": 64}
    assert data["view"] == list(figures.MAINLAND_BOUNDS)
    assert [s["source"] for s in data["shapes"]] == ["app/static/geojson/100000.json"] * 2
    assert data["lines"] == [{"source": "app/static/geojson/maritime.json",
                              "color": figures.MARITIME_COLOR, "width": 1.2}]
    inset = data["inset"]
    assert inset["view"] == list(figures.SCS_BOUNDS)
    assert inset["box"] == figures.inset_box(620, 560 - 8 - 64)
    assert inset["caption"] == "南海诸岛"
    assert inset["lines"] == data["lines"]
    regions = _regions(data)
    land = {f["source"].rsplit("/", 1)[1][len("inset-"):-len(".json")]: f["color"]
            for f in inset["fills"]}
    assert set(land) == set(figures.SCS_PROVINCES) & set(rows["adcode"])
    for code, color in land.items():  # the inset's land in its province's colour
        assert _hex(color) == regions[code][0], code
    legend = next(a.text for a in fig.layout.annotations if a.name == "map_legend")
    assert data["legend"] == legend and "人才数量 (人)" in legend
    assert data["points"] == [] and not data["show_points_legend"]
    # a province map has neither inset nor sea line, and its view is its own bounds
    shandong = geometry.children_geojson("370000")
    rows = _rows(shandong).assign(kind="value")
    fig = classed_map(rows, shandong, legend_title="t",
                      bounds=figures.geojson_bounds(shandong))
    data = svg_map.payload(fig)
    assert "inset" not in data and data["lines"] == [] and data["fills"] == []
    assert data["view"] == pytest.approx(list(figures.geojson_bounds(shandong)))
    assert data["shapes"][0]["source"]["features"], "inline shapes travel as they are"


def test_bubbles_are_as_large_as_plotly_draws_them():
    points = pd.DataFrame({"lon": [120.1, 120.5, 121.0], "lat": [36.0, 36.2, 36.5],
                           "size": [1.0, 4.0, 400.0], "name": ["崂山区", "市南区", "黄岛区"]})
    tr = figures.bubble_layer(points, name="企业 · 基础层", size_label="企业数")
    fig = classed_map(_rows(geometry.children_geojson("370200")).assign(kind="value"),
                      geometry.children_geojson("370200"), legend_title="t")
    fig.add_trace(tr)
    fig.update_layout(showlegend=True)
    [p] = svg_map.payload(fig)["points"]
    ref = tr.marker.sizeref
    # plotly.js (makeBubbleSizeFn): the radius is sqrt(size / 2 / sizeref), at least sizemin
    assert p["d"] == [round(2 * max(3, math.sqrt(s / 2 / ref)), 2) for s in points["size"]]
    assert p["d"][0] == 6, "the smallest at sizemin"
    assert p["d"][-1] == pytest.approx(28, abs=0.01), "the largest at max_size_px"
    assert p["lon"] == points["lon"].tolist() and p["lat"] == points["lat"].tolist()
    assert p["hover"][1] == "<b>市南区</b><br>企业数: 4.0<br><i>企业 · 基础层</i>"
    assert p["name"] == "企业 · 基础层" and p["opacity"] == 0.8
    assert svg_map.payload(fig)["show_points_legend"]


def test_a_template_is_filled_in_as_plotly_fills_it():
    assert svg_map.hover_text("%{customdata[0]}<extra></extra>", None, ["<b>A</b>"], "1",
                              "x") == "<b>A</b>"
    assert svg_map.hover_text("<b>%{text}</b> %{customdata[1]}<extra>%{location}</extra>",
                              "北京", [1, 2], "110000", "trace") == \
        "<b>北京</b> 2<br><i>110000</i>"
    assert svg_map.hover_text("%{text}", "北京", None, "110000", "trace") == \
        "北京<br><i>trace</i>", "no <extra>: the trace's name, as plotly shows it"
    assert svg_map.hover_text(None, None, None, "110000", "") == "110000"


def test_packed_arrays_are_read_back():
    fig = classed_map(pd.DataFrame({"adcode": ["1", "2"], "name": ["a", "b"],
                                    "value": [1.5, 3.0], "kind": "value",
                                    "hover_text": ["a", "b"]}),
                      {"type": "FeatureCollection", "features": []}, legend_title="t")
    packed = fig.to_plotly_json()["data"][0]["z"]
    assert isinstance(packed, dict) and "bdata" in packed, "plotly packs numeric arrays"
    assert svg_map.as_list(packed) == [1.5, 3.0]
    assert svg_map.as_list(np.array([[1, 2], [3, 4]])) == [[1, 2], [3, 4]]


def test_bars_are_the_figures_categories_values_and_labels():
    """The overseas pool's bars (figures/svg_bars.py): categories from the top as plotly draws
    them, each series' values (a withheld figure: no bar, its label '<5'), labels and hovers."""
    from analytics import overseas as ov
    from figures import overseas as figs
    from figures import svg_bars

    df = pd.DataFrame({"country": ["美国", "A&B", "日本"], "talents": [120, 40, 3],
                       "high_level": [10, 5, 1], "willing_to_relocate": [60, 2, 3],
                       "expecting_here": [30, 1, 0]})
    ctl = ov.controlled(df, 5)
    fig = figs.pool_figure(ctl, "青岛市")
    data = svg_bars.payload(fig)
    assert data["categories"] == ["美国", "A&amp;B", "日本"], "from the top, escaped as drawn"
    assert [s["name"] for s in data["series"]] == ["海外人才", "愿意回国", "期望来青岛市"]
    talents, willing, here = data["series"]
    # 日本's 3 is small; A&B's 40 is withheld to protect it (保密): neither has a bar
    assert talents["values"] == [120, 0, 0] and talents["text"] == ["120", "保密", "<5"]
    assert willing["values"] == [60, 0, 0] and willing["text"] == ["60", "<5", "<5"]
    assert here["color"] == "#d1495b" and data["x_title"] == "人数 (人)"
    assert talents["hover"][0] == "美国 · 海外人才: 120 人"
    assert data["height"] == fig.layout.height
    # nothing withheld reaches the payload as a number
    assert not {3, 40} & set(talents["values"]) and not {"3", "40"} & set(talents["text"])
    assert "日本 · 海外人才: <5 人" in talents["hover"]


def test_a_map_without_its_bounds_is_refused():
    """The view is the bounds the figure was fitted to (classed_map always writes them), never
    one guessed from a centre and zoom."""
    fig = classed_map(_rows(geometry.children_geojson("370200")).assign(kind="value"),
                      geometry.children_geojson("370200"), legend_title="t")
    d = fig.to_plotly_json()
    del d["layout"]["meta"]
    with pytest.raises(ValueError, match="fit_bounds.map"):
        svg_map.payload(d)
