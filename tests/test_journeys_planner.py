"""Issue 17, the planner's journey, in Streamlit's AppTest on the tiny fixture warehouse: the
national map in classes with a legend of class ranges and of withheld figures, the 南海诸岛
inset, one hover per region, a readable trail down to a district, KPI cards with their
definitions and no arrow without a change, trends on 总览 and in the node detail, and the
产业链 heatmap limited to the top regions. The browser view: tests/test_browser*.py."""

from __future__ import annotations

import pytest
import streamlit as st

from analytics import metrics
from tests import fixtures
from tests.test_map_component import figure_specs
from tests.test_roles import values

# The fixture's talent (2024): 山东省 3 (青岛市: 市南区, 崂山区, 黄岛区 1 each), 广东省 1, 北京市 1.


@pytest.fixture
def app(loaded_db, monkeypatch):
    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_GEOJSON_MODE", "inline")
    # these tests read the map's plotly figure (the one exports print and the SVG renderer
    # draws from: tests/test_svg_map_page.py): drawn by st.plotly_chart, it is in the page
    monkeypatch.setenv("TALENTMAP_MAP_RENDERER", "plotly_chart")
    monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", "1")  # the fixture is tiny: show real counts
    st.cache_data.clear()
    st.cache_resource.clear()

    def make(page: str | None = None, query: dict | None = None, k: int = 1):
        monkeypatch.setenv("TALENTMAP_SMALL_CELL_K", str(k))
        return fixtures.open_app(page, query, timeout=120)
    return make


def specs(at) -> list[dict]:
    return figure_specs(at)  # the talent map's (map_renderer) and st.plotly_chart's


def the_map(at) -> dict:
    return next(s for s in specs(at) if any(t["type"] == "choroplethmap" for t in s["data"]))


def legend(spec: dict) -> list[str]:
    """The legend's entries (class ranges, then kinds of missing figures) as text."""
    text = next(a["text"] for a in spec["layout"]["annotations"] if a.get("name") == "map_legend")
    return [part.split("</span>")[1].strip("\u2009\u2003").replace("&lt;", "<")
            for part in text.split("<span")[1:]]


def test_the_national_map_is_in_classes_with_a_legend_of_ranges(app):
    at = app()
    spec = the_map(at)
    assert legend(spec) == ["3", "1", "0"]  # the classes, highest first: 山东 3; 广东, 北京 1
    legend_text = next(a["text"] for a in spec["layout"]["annotations"]
                       if a.get("name") == "map_legend")
    assert legend_text.startswith("<b>人才数量 (人)</b>")
    layers = [t for t in spec["data"] if t["type"] == "choroplethmap"]
    assert len(layers) == 1, "every province has a value: one coloured layer"
    assert len(layers[0]["locations"]) == 34 and len(set(layers[0]["locations"])) == 34
    # three classes, three colours: the scale steps between them
    assert len({c for _, c in layers[0]["colorscale"]}) == 3


def test_withheld_and_unknown_figures_have_their_own_legend_entries(app):
    at = app(k=4)  # every province with talent has fewer than 4
    entries = legend(the_map(at))
    assert entries == ["0", "<4 人数过少"]
    at = app(query={"metric": "density"}, k=4)  # no province has a population in the fixture
    assert legend(the_map(at))[-2:] == ["保密", "无数据"]


def test_the_national_map_has_the_south_china_sea_inset(app):
    spec = the_map(app())
    layout = spec["layout"]
    assert layout["map2"]["domain"]["x"][1] == 1 and layout["map2"]["domain"]["y"][0] == 0
    inset = layout["map2"]["layers"]
    assert {"460000", "440000", "710000"} <= {la["name"] for la in inset if la["type"] == "fill"}
    assert any(la["type"] == "line" for la in inset), "the maritime line"
    # served as the main map's shapes are (by URL unless geojson_mode is inline)
    main = next(t for t in spec["data"] if t["type"] == "choroplethmap")
    assert all(type(la["source"]) is type(main["geojson"]) for la in inset)
    assert any(a["text"] == "南海诸岛" for a in layout["annotations"])
    # a province's map has none
    assert "map2" not in the_map(app(query={"region": "370000"}))["layout"]


def test_one_hover_per_region_names_it_and_its_value_once(app):
    spec = the_map(app())
    hovers = {c: h[0] for t in spec["data"] if t["type"] == "choroplethmap"
              and t.get("subplot", "map") == "map" for c, h in zip(t["locations"],
                                                                   t["customdata"], strict=True)}
    shandong = hovers["370000"]
    assert shandong.count("山东省") == 1 and shandong.count("人才数量") == 1
    assert shandong == "<b>山东省</b><br>同级排名: 1/34<br>人才数量: 3"
    assert all(t["hovertemplate"] == "%{customdata[0]}<extra></extra>" for t in spec["data"]
               if t["type"] == "choroplethmap")


def test_a_district_shows_the_whole_trail_in_full_names(app):
    at = app(query={"region": "370212"})
    trail = [b for b in at.button if str(b.key or "").startswith("map_trail_")]
    assert [b.label for b in trail] == ["全国", "山东省", "青岛市", "崂山区"]
    assert trail[-1].disabled and not trail[2].disabled
    trail[2].click().run()
    assert at.title[0].value == "人才地图 · 青岛市"
    assert not [b for b in at.button if str(b.key or "").startswith("map_trail_")
                if b.label == "崂山区"]


def test_kpi_cards_explain_themselves_and_show_no_arrow_without_change(app):
    at = app("views/overview.py", {"region": "370200"})
    cards = {m.label: m for m in at.metric}
    for key in ("talents", "high_level", "enterprises", "postings", "sd_ratio", "net_inflow"):
        assert cards[metrics.get(key).zh].help.startswith(metrics.get(key).definition), key
    firms = cards["企业数量"]  # 2 in 2023 and in 2024
    assert firms.value == "2" and firms.proto.delta == "0.0%"
    assert firms.proto.direction == firms.proto.NONE and firms.proto.color == firms.proto.GRAY
    net = cards["人才净流入"]  # 0 arrivals in 2024 after 1 in 2023: a change in people, not −100 %
    assert net.proto.delta == "-1" and net.proto.direction == net.proto.DOWN
    national = {m.label: m for m in app("views/overview.py").metric}["人才数量"]
    assert national.proto.delta == "+66.7%"  # 3 → 5: up, in colour
    assert national.proto.direction == national.proto.UP


def test_overview_trends_withhold_a_small_year(app):
    at = app("views/overview.py", {"region": "370200"}, k=2)
    spec = next(s for s in specs(at) if s["layout"].get("annotations")
                and any(a.get("text") == "人才数量 (人)" for a in s["layout"]["annotations"]))
    talent = next(t for t in spec["data"] if t["name"] == "人才数量")
    assert values(talent["x"]) == [2021, 2022, 2023, 2024]
    y = values(talent["y"])
    assert [v != v for v in y] == [True, True, False, False] and y[2:] == [2, 3]  # NaN: a gap
    assert talent["text"] == ["<2", "<2", "2", "3"]
    assert any(h.value == "历年趋势" for h in at.subheader)


def test_heatmap_at_the_country_shows_the_top_regions_and_one_routes_heading(app):
    at = app("views/supply_chain.py")
    top = next(s for s in at.slider if s.label.startswith("显示地区数"))
    assert top.value == 12 and top.max == 20
    heat = next(s for s in specs(at) if s["data"][0]["type"] == "heatmap")
    assert len(heat["data"][0]["x"]) == 12 and heat["layout"]["xaxis"]["tickangle"] == 0
    assert "山东" in heat["layout"]["xaxis"]["ticktext"]  # short names, full ones in the hover
    top.set_value(6).run()
    heat = next(s for s in specs(at) if s["data"][0]["type"] == "heatmap")
    assert len(heat["data"][0]["x"]) == 6
    headings = [h.value for h in (*at.subheader, *at.header)]
    assert headings.count("主要流动路线") == 1
    # the node detail has its trend
    assert any(s["layout"].get("annotations") and any(a.get("text") == "招聘岗位 (个)"
                                                        for a in s["layout"]["annotations"])
               for s in specs(at))
