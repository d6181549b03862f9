"""Chart exports (PNG/SVG/PDF/HTML through kaleido and the system Chromium) and table exports
(CSV/XLSX, formula neutralisation, ZIP bundles). One warm browser serves the whole module."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from analytics.filters import Filters
from exports import ExportMeta, ExportUnavailable, charts, describe_filters, safe_name, tables

META = ExportMeta(title="人才数量 · 青岛市各区", filters_text="地区 青岛市 · 2024 年 · 学历 博士、硕士",
                  unit="人", freshness="2026-01-02 03:04 (版本 v1)", source="人才集团、demo",
                  page="talent_map", note="人数少于 5 的地区不着色")
PNG = b"\x89PNG\r\n\x1a\n"
FORMULAS = ["=1+1", "+86 532 1234", "-5", "@SUM(A1)", "\tTAB", "\rCR"]


def bar(**layout) -> go.Figure:
    fig = go.Figure(go.Bar(x=[1435, 1086, 512], y=["青岛市", "济南市", "烟台市"],
                           orientation="h"))
    fig.update_layout(height=300, xaxis_title="人才数量", **layout)
    return fig


def data() -> pd.DataFrame:
    return pd.DataFrame({"地区": ["青岛市", *FORMULAS], "人才数量": [1435, 1, 2, -5, 3, 4, 5],
                         "占比": [0.5, None, 0.1, 0.1, 0.1, 0.1, 0.1]})


# -- static images ------------------------------------------------------------------------------

def test_png_has_signature_and_the_chosen_size(export_browser):
    png = charts.to_image(bar(), META, "png", width=800, scale=2)
    assert png.startswith(PNG)
    img = Image.open(io.BytesIO(png))
    expected_h = charts.decorate(bar(), META, width=800).layout.height * 2
    assert img.size == (1600, expected_h)


def test_svg_parses_and_carries_header_and_footer(export_browser):
    svg = charts.to_image(bar(), META, "svg").decode("utf-8")
    ET.fromstring(svg)  # well-formed XML
    text = "".join(ET.fromstring(svg).itertext())
    for part in (META.title, "学历 博士、硕士", "单位: 人", "2026-01-02 03:04", "人才集团、demo"):
        assert part in text


def test_pdf_has_signature(export_browser):
    pdf = charts.to_image(bar(), META, "pdf")
    assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]


def test_header_and_footer_stay_clear_of_the_plot(export_browser):
    """The plot area is painted magenta: no magenta may reach the header band (the top margin
    holding title and filters) nor the footer band (the last rows, freshness and source), and
    both bands must hold dark text pixels."""
    fig = bar(plot_bgcolor="#ff00ff")
    png = charts.to_image(fig, META, "png", width=800)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    head = charts.decorate(fig, META, width=800).layout.margin.t
    rows = [[img.getpixel((x, y)) for x in range(0, img.width, 2)] for y in range(img.height)]
    magenta = [any(p[0] > 230 and p[1] < 30 and p[2] > 230 for p in r) for r in rows]
    dark = [any(max(p) < 160 for p in r) for r in rows]  # text: #1a1a1a … #666666
    first, last = magenta.index(True), len(magenta) - 1 - magenta[::-1].index(True)
    assert first >= head - 2
    assert any(dark[:first]) and any(dark[last + 1:])
    assert img.height - last > charts.FOOTER_PX  # room for the footer line below the plot


def test_png_shows_cjk_glyphs_not_tofu(export_browser):
    """Missing glyphs all look alike: a character no installed font covers is drawn as the
    font's .notdef box ("tofu"), or as nothing, whatever the character. Two titles made of
    different Private Use Area characters (U+E000…, in no font) therefore render to identical
    pixels: that is what tofu looks like here. A Chinese title must render differently from
    that tofu, and two different Chinese titles differently from each other. Without a CJK
    font all four images would be the same tofu, and the test would fail."""
    def render(text: str) -> bytes:
        fig = go.Figure(layout={"title": {"text": text, "x": 0.5}, "height": 90,
                                "margin": {"l": 0, "r": 0, "t": 60, "b": 0},
                                "xaxis": {"visible": False}, "yaxis": {"visible": False}})
        return charts.to_image(fig, fmt="png", width=300, frame=False)

    tofu_a, tofu_b = render("\ue000\ue001\ue002\ue003"), render("\ue010\ue011\ue012\ue013")
    assert tofu_a == tofu_b, "the tofu reference is unstable: this check cannot work here"
    talent, chain = render("人才地图"), render("产业链条")
    assert talent != tofu_a and chain != tofu_a
    assert talent != chain


def test_national_map_png_is_drawn_offline(export_browser):
    """The MapLibre choropleth (white-bg, no tiles) renders: coloured provinces, not blank."""
    from analytics.filters import COUNTRY
    from maps.figures import choropleth
    from maps.geometry import children_geojson, maritime_lines

    geo = children_geojson(COUNTRY)
    values = pd.DataFrame({"adcode": [f["id"] for f in geo["features"]],
                           "name": [f["properties"]["name"] for f in geo["features"]]})
    values["v"] = range(len(values))
    fig = choropleth(values, geo, value_col="v", title="", colorbar_title="人才数量 (人)",
                     maritime=maritime_lines())
    png = charts.to_image(fig, META, "png", width=800)
    img = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 200))
    raw = img.tobytes()
    pixels = list(zip(raw[0::3], raw[1::3], raw[2::3], strict=True))
    blue = sum(1 for r, g, b in pixels if b > r + 40)  # the Blues colour scale
    assert blue > 0.05 * len(pixels), "the map came out (nearly) blank"


def test_map_figure_with_a_geojson_url_is_embedded_and_refitted():
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "370212", "properties": {"name": "崂山区"},
         "geometry": {"type": "Polygon", "coordinates": [[[120.4, 36.0], [120.7, 36.0],
                                                          [120.7, 36.3], [120.4, 36.0]]]}},
        {"type": "Feature", "id": "370211", "properties": {"name": "黄岛区"},
         "geometry": {"type": "Point", "coordinates": [120.0, 35.9]}}]}
    fig = go.Figure(go.Choroplethmap(geojson="app/static/geojson/370200.json",
                                     locations=["370212"], z=[1], featureidkey="id"))
    fig.update_layout(map={"style": "white-bg", "center": {"lon": 105, "lat": 35}, "zoom": 2})
    out = charts.inline_geojson(charts.as_figure(fig), loader=lambda code: geo)
    assert [f["id"] for f in out.data[0].geojson["features"]] == ["370212"]
    out = charts.decorate(charts.prepare(out), META, width=800)
    assert isinstance(out.data[0].geojson, dict)
    assert out.layout.map.zoom > 6 and 120 < out.layout.map.center.lon < 121


def test_streamlit_placeholder_template_is_replaced():
    """Streamlit's template has placeholder colours only its frontend fills in."""
    fig = bar(template=go.layout.Template(layout={"colorway": ["#000001", "#000002"]}))
    out = charts.prepare(fig)
    assert out.layout.template.layout.colorway[0] == charts.COLORWAY[0]
    assert out.layout.template.layout.yaxis.automargin
    kept = charts.prepare(bar(template="plotly_dark"))
    assert kept.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"


def test_decorated_figure_prints_title_filters_unit_freshness_source():
    out = charts.decorate(bar(), META, width=1200)
    header = " ".join(a.text for a in out.layout.annotations)
    footer = out.layout.title.text
    assert META.title in header and "学历 博士、硕士" in header and "单位: 人" in header
    assert "2026-01-02 03:04" in footer and "人才集团、demo" in footer and "少于 5" in footer
    assert out.layout.title.yref == "container" and out.layout.title.automargin
    assert out.layout.margin.t >= charts.TITLE_PX + charts.SUBTITLE_PX
    assert "WenQuanYi Micro Hei" in out.layout.font.family


def test_text_in_images_is_escaped():
    meta = ExportMeta(title="<b>x</b><script>alert(1)</script>")
    out = charts.decorate(bar(), meta)
    assert "<script>" not in out.layout.annotations[0].text
    assert "&lt;script&gt;" in out.layout.annotations[0].text


def test_long_filters_wrap_to_the_width():
    text = " · ".join(f"环节 {i} 计算机视觉、智能语音" for i in range(12))
    lines = charts.wrap(text, 400, 13)
    assert len(lines) > 2 and all(charts.text_px(line, 13) <= 400 for line in lines)
    assert " · ".join(lines) == text


# -- HTML ---------------------------------------------------------------------------------------

def test_html_is_self_contained():
    page = charts.to_html(bar(), META).decode("utf-8")
    assert not re.search(r"<script[^>]+src\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert not re.search(r"<link[^>]+href\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "Plotly.newPlot" in page and len(page) > 1_000_000  # plotly.js is inlined
    assert META.title in page and "学历 博士、硕士" in page and "人才集团、demo" in page


def test_html_escapes_meta():
    page = charts.to_html(bar(), ExportMeta(title="<img src=x onerror=alert(1)>")).decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


# -- tables -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+86 532 1234", "'+86 532 1234"), ("-5", "'-5"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
    ("青岛市", "青岛市"), ("a=1", "a=1"), (-5, -5), (1.5, 1.5), (None, None)])
def test_neutralise(value, expected):
    assert tables.neutralise(value) == expected


def test_csv_has_bom_header_rows_and_round_trips_chinese():
    raw = tables.to_csv(data(), META)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = META.header_lines()
    head = list(csv.reader(io.StringIO(text)))[:len(lines)]
    assert [r[0] for r in head] == [f"# {line}" for line in lines]
    assert "\r\n" in text and '"\'\rCR"' in text  # a CR inside a cell is quoted
    back = pd.read_csv(io.StringIO(text), skiprows=len(lines), keep_default_na=False)
    assert list(back.columns) == ["地区", "人才数量", "占比"]
    assert back["地区"].tolist() == ["青岛市", *("'" + v for v in FORMULAS)]
    assert back["人才数量"].tolist() == [1435, 1, 2, -5, 3, 4, 5]  # numbers stay numbers


def test_xlsx_has_header_rows_and_neutralised_cells():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(tables.to_xlsx(data(), META)))
    ws = wb.active
    lines = META.header_lines()
    assert [ws.cell(i + 1, 1).value for i in range(len(lines))] == lines
    assert ws.cell(len(lines) + 1, 1).value is None  # blank row
    table_row = len(lines) + 2
    assert [c.value for c in ws[table_row]] == ["地区", "人才数量", "占比"]
    cells = [ws.cell(table_row + 2 + i, 1) for i in range(len(FORMULAS))]
    # (XML reads a CR back as LF: the cell still starts with the apostrophe.)
    assert [c.value for c in cells] == ["'" + v.replace("\r", "\n") for v in FORMULAS]
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert ws.cell(table_row + 3, 2).value == 2 and ws.cell(table_row + 4, 2).value == -5
    assert ws.cell(table_row + 2, 3).value is None  # NaN → empty


def test_header_lines_starting_like_formulas_are_neutralised():
    meta = ExportMeta(title="=cmd|' /C calc'!A0", filters_text="x")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(tables.to_xlsx(data(), meta))).active
    assert ws["A1"].value == "'=cmd|' /C calc'!A0" and ws["A1"].data_type == "s"


def test_zip_bundle_many_charts_and_formats(export_browser):
    items = [tables.ChartItem(bar().to_json(), data(), META, folder="人才地图"),
             tables.ChartItem(bar(), None, META, folder="人才地图"),
             tables.ChartItem(bar(), data(), ExportMeta(title="对标城市"), folder="总览")]
    raw = tables.bundle(items, ["png", "svg", "html", "csv", "xlsx"], width=800)
    zf = zipfile.ZipFile(io.BytesIO(raw))
    names = zf.namelist()
    stem = META.stem()
    assert f"人才地图/{stem}.png" in names and f"人才地图/{stem} (2).png" in names
    assert "总览/对标城市.xlsx" in names and "说明.txt" in names
    assert f"人才地图/{stem}.csv" in names and f"人才地图/{stem} (2).csv" not in names
    assert zf.read(f"人才地图/{stem}.png").startswith(PNG)
    readme = zf.read("说明.txt").decode("utf-8")
    assert "没有数据表" in readme and META.title in readme


@pytest.mark.slow
def test_an_idle_browser_is_closed_and_restarted_on_demand(export_browser, monkeypatch):
    import time

    monkeypatch.setattr(charts, "_RENDERER", None)  # a browser of its own; the warm one waits
    monkeypatch.setattr(charts, "IDLE_CLOSE_S", 0.4)
    charts.to_image(bar(), fmt="png", width=300, frame=False)
    assert charts.is_warm()
    deadline = time.monotonic() + 10
    while charts.is_warm() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not charts.is_warm()
    assert charts.to_image(bar(), fmt="png", width=300, frame=False).startswith(PNG)
    charts.shutdown()


# -- without Chromium ---------------------------------------------------------------------------

def test_without_chromium_static_exports_say_what_to_install(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setattr(charts, "_RENDERER", None)
    assert not charts.static_available()
    with pytest.raises(ExportUnavailable, match="apt-get install chromium fonts-wqy-microhei"):
        charts.to_image(bar(), META, "png")
    assert charts.to_html(bar(), META).startswith(b"<!DOCTYPE html>")
    assert tables.to_csv(data(), META).startswith(b"\xef\xbb\xbf")
    raw = tables.bundle([tables.ChartItem(bar(), data(), META)], ["png", "html", "xlsx"])
    zf = zipfile.ZipFile(io.BytesIO(raw))
    assert sorted(zf.namelist()) == sorted([f"{META.stem()}.html", f"{META.stem()}.xlsx",
                                            "说明.txt"])
    assert "apt-get install chromium" in zf.read("说明.txt").decode("utf-8")


# -- words --------------------------------------------------------------------------------------

def test_filters_in_words():
    f = Filters(region="370200", layer="技术层", nodes=("T01",), tiers=("A", "B"),
                education=("博士",), returnees_only=True)
    text = describe_filters(f, {"370200": "青岛市"}, {"T01": "深度学习框架"}, year=2024)
    assert text == ("地区 青岛市 · 2024 年 · 层级 技术层 · 环节 深度学习框架 · 人才层次 A、B · "
                    "学历 博士 · 仅海归")
    assert describe_filters(Filters(), year=2024) == "地区 全国 · 2024 年 · 全部人才"


def test_safe_file_names():
    assert safe_name('人才/地图: "青岛" <崂山>?') == "人才_地图_青岛_崂山"
    assert ExportMeta(title="a\\b|c*d").stem() == "a_b_c_d"


# -- Streamlit: the chart wrapper and the 导出 page (AppTest) ----------------------------------

DEMO_APP = str(Path(__file__).resolve().parent / "apps" / "export_demo.py")
EXPORT_PAGE = str(Path(__file__).resolve().parent.parent / "views" / "export_page.py")


@pytest.fixture
def streamlit_env(loaded_db, tmp_path, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("TALENTMAP_DB_PATH", str(loaded_db))
    monkeypatch.setenv("TALENTMAP_APP_DB_PATH", str(tmp_path / "app.duckdb"))
    monkeypatch.setenv("TALENTMAP_ROLE", "analyst")
    st.cache_data.clear()
    st.cache_resource.clear()


def test_wrapper_draws_the_chart_with_an_export_popover_and_registers_it(streamlit_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(DEMO_APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 1
    assert [b.proto.label for b in at.get("download_button")] == ["下载 PNG"]
    spec, data, meta = at.session_state["export_registry"]["overview"]["demo_chart"]
    assert charts.as_figure(spec).data[0].type == "bar" and len(data) == 4
    assert meta.title == "测试图表 · 山东城市人才数量" and meta.unit == "人"
    assert meta.filters_text.startswith("地区 全国") and meta.source == "fixture"


def test_roles_that_may_not_export_get_the_chart_only(streamlit_env, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENTMAP_ROLE", "planner")
    at = AppTest.from_file(DEMO_APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 1 and not at.get("download_button")
    assert "export_registry" not in at.session_state


def test_export_page_lists_the_registered_charts(streamlit_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(EXPORT_PAGE, default_timeout=60)
    at.session_state["export_registry"] = {
        "overview": {"peer_chart": (bar().to_json(), data(), META)},
        "talent_map": {"map": (bar().to_json(), None, ExportMeta(title="地图"))}}
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect[0].value == ["overview/peer_chart", "talent_map/map"]
    zip_button = [b for b in at.get("download_button") if b.proto.label.startswith("下载 ZIP")]
    assert zip_button and "2 个图表 × 2 种格式" in zip_button[0].proto.label
    assert at.selectbox(key="brief_region").value == "370200"  # the home region by default
    at.selectbox(key="export_scope").set_value("talent_map").run()
    assert at.multiselect[0].value == ["talent_map/map"]


def test_export_page_without_charts_says_where_they_come_from(streamlit_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(EXPORT_PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("先打开其他页面" in i.value for i in at.info)


def test_cli_map_writes_table_and_image(loaded_db, tmp_path, export_browser):
    from exports.__main__ import main

    table, image = tmp_path / "青岛.csv", tmp_path / "青岛.png"
    args = ["map", "--region", "370200", "--db", str(loaded_db), "--k", "0"]
    assert main([*args, "--out", str(table)]) == 0
    text = table.read_bytes().decode("utf-8-sig")
    assert text.startswith("# 人才地图 · 青岛市 · 人才数量") and "adcode,name,talents" in text
    assert main([*args, "--out", str(image), "--width", "800"]) == 0
    assert image.read_bytes().startswith(PNG)
    assert main(["map", "--region", "999999", "--db", str(loaded_db), "--out", str(table)]) == 1
