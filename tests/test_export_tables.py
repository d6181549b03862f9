"""exports.tables without a browser: the ZIP bundle and its 说明.txt exactly, file names, table
cells and column widths. Chart rendering is replaced by a stub (test_exports.py renders)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

import exports
from exports import INSTALL_HINT, ExportMeta, ExportUnavailable, charts, tables

NOW = "2026-01-02 03:04"
META = ExportMeta(title="人才数量 · 青岛市各区", filters_text="地区 青岛市 · 2024 年", unit="人",
                  source="demo")
OTHER = ExportMeta(title="对标城市")
DATA = pd.DataFrame({"地区": ["崂山区", "市南区"], "人才数量": [3, 1]})


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(exports, "now_text", lambda: NOW)
    monkeypatch.setattr(tables, "now_text", lambda: NOW)


@pytest.fixture
def renders(monkeypatch):
    """A working 'browser': every chart format gives 'FMT:title' bytes; counts warm-ups."""
    calls = {"warm": 0, "export": []}

    def renderer():
        calls["warm"] += 1

    def export(fig, meta, fmt, **opts):
        calls["export"].append((fmt, opts))
        return f"{fmt}:{meta.title}".encode()

    monkeypatch.setattr(charts, "renderer", renderer)
    monkeypatch.setattr(charts, "export", export)
    return calls


@pytest.fixture
def no_chromium(monkeypatch):
    """No browser: images are unavailable, HTML still works (stubbed)."""
    def renderer():
        raise ExportUnavailable()

    def export(fig, meta, fmt, **opts):
        if fmt in charts.IMAGE_FORMATS:
            raise ExportUnavailable()
        return f"{fmt}:{meta.title}".encode()

    monkeypatch.setattr(charts, "renderer", renderer)
    monkeypatch.setattr(charts, "export", export)


def unzip(raw: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(raw))
    return {n: zf.read(n) for n in zf.namelist()}


CHARTS_LIST = [
    "图表:",
    "- 人才数量 · 青岛市各区",
    "  筛选: 地区 青岛市 · 2024 年",
    "  单位: 人",
    "  来源: demo",
    "- 对标城市",
]


def test_a_complete_bundle_and_its_readme(renders):
    items = [tables.ChartItem("fig", DATA, META, folder="人才地图"),
             tables.ChartItem("fig", DATA, OTHER)]
    files = unzip(tables.bundle(items, ["png", "csv"], width=800))
    stem = META.stem()
    assert list(files) == [f"人才地图/{stem}.png", f"人才地图/{stem}.csv", "对标城市.png",
                           "对标城市.csv", "说明.txt"]
    assert files[f"人才地图/{stem}.png"] == "png:人才数量 · 青岛市各区".encode()
    assert files["对标城市.csv"] == tables.to_csv(DATA, OTHER)
    assert files["说明.txt"].decode("utf-8") == "\n".join(
        [f"人才地图 导出 · {NOW}", "格式: PNG, CSV", "", *CHARTS_LIST]) + "\n"
    assert renders["warm"] == 1  # the browser is started once for the bundle
    assert renders["export"] == [("png", {"width": 800}), ("png", {"width": 800})]


def test_the_readme_lists_exactly_what_is_missing(renders, monkeypatch):
    def export(fig, meta, fmt, **opts):
        if meta.title == "对标城市":
            raise RuntimeError("渲染超时")
        return b"ok"

    monkeypatch.setattr(charts, "export", export)
    items = [tables.ChartItem("fig", None, META), tables.ChartItem("fig", DATA, OTHER)]
    files = unzip(tables.bundle(items, ["svg", "xlsx", "svg"]))
    assert list(files) == [f"{META.stem()}.svg", "对标城市.xlsx", "说明.txt"]
    assert files["说明.txt"].decode("utf-8") == "\n".join([
        f"人才地图 导出 · {NOW}", "格式: SVG, XLSX", "", *CHARTS_LIST, "", "未生成:",
        "- 人才数量 · 青岛市各区 · XLSX: 该图表没有数据表",
        "- 对标城市 · SVG: 渲染超时"]) + "\n"


def test_table_formats_never_start_the_browser(monkeypatch):
    def renderer():
        raise AssertionError("the browser was started for a table-only bundle")

    monkeypatch.setattr(charts, "renderer", renderer)
    files = unzip(tables.bundle([tables.ChartItem("fig", DATA, META)], ["csv", "xlsx"]))
    assert sorted(files) == sorted([f"{META.stem()}.csv", f"{META.stem()}.xlsx", "说明.txt"])
    assert "未生成" not in files["说明.txt"].decode("utf-8")


def test_an_image_only_bundle_without_chromium_says_what_to_install(no_chromium):
    items = [tables.ChartItem("fig", DATA, META), tables.ChartItem("fig", DATA, OTHER)]
    files = unzip(tables.bundle(items, ["png", "pdf"]))
    assert list(files) == ["说明.txt"]
    assert files["说明.txt"].decode("utf-8") == "\n".join([
        f"人才地图 导出 · {NOW}", "格式: PNG, PDF", "", *CHARTS_LIST, "", "未生成:",
        f"- 静态图片 (PNG/SVG/PDF) 未生成: {INSTALL_HINT}"]) + "\n"


def test_without_chromium_other_formats_are_still_written(no_chromium):
    files = unzip(tables.bundle([tables.ChartItem("fig", DATA, META)], ["html", "png", "csv"]))
    assert list(files) == [f"{META.stem()}.html", f"{META.stem()}.csv", "说明.txt"]
    readme = files["说明.txt"].decode("utf-8")
    assert readme.count("未生成") == 2 and readme.count(INSTALL_HINT) == 1


def test_zip_names_never_overwrite():
    files = [("a.csv", b"1"), ("a.csv", b"2"), ("a.csv", b"3"), ("说明", b"4"), ("说明", b"5"),
             ("d/a.b.csv", b"6"), ("d/a.b.csv", b"7"), ("a (2).csv", b"8")]
    got = unzip(tables.zip_files(files))
    assert got == {"a.csv": b"1", "a (2).csv": b"2", "a (3).csv": b"3", "说明": b"4",
                   "说明 (2)": b"5", "d/a.b.csv": b"6", "d/a.b (2).csv": b"7",
                   "a (2) (2).csv": b"8"}
    info = zipfile.ZipFile(io.BytesIO(tables.zip_files(files))).infolist()
    assert {i.compress_type for i in info} == {zipfile.ZIP_DEFLATED}


def test_export_table_dispatches_on_the_format():
    assert tables.export_table(DATA, META, "csv") == tables.to_csv(DATA, META)
    assert tables.export_table(DATA, META, "xlsx")[:2] == b"PK"
    with pytest.raises(ValueError, match="unknown table format 'pdf'"):
        tables.export_table(DATA, META, "pdf")


def test_csv_exactly():
    raw = tables.csv_bytes(pd.DataFrame({"=列": ["=1", "a"], "n": [1, 2]}), ["标题", "=x"])
    assert raw == ("\ufeff# 标题\r\n# =x\r\n'=列,n\r\n'=1,1\r\na,2\r\n").encode()


def test_neutralise_frame_keeps_types():
    df = pd.DataFrame({"n": [1, -2], "x": [-1.5, 2.0], "t": ["-3", "@a"],
                       "d": pd.to_datetime(["2024-01-01", "2024-01-02"]), "b": [True, False],
                       5: ["+1", None]})
    out = tables.neutralise_frame(df)
    assert list(out.columns) == ["n", "x", "t", "d", "b", "5"]
    assert out["n"].tolist() == [1, -2] and out["x"].tolist() == [-1.5, 2.0]
    assert out["t"].tolist() == ["'-3", "'@a"]
    assert out["d"].dtype == df["d"].dtype and out["b"].tolist() == [True, False]
    assert [str(out[c].dtype) for c in ("n", "x", "b")] == ["int64", "float64", "bool"]
    # Numbers are never mapped cell by cell: a nullable or small integer keeps its type.
    typed = pd.DataFrame({"i": pd.array([1, None], dtype="Int64"),
                          "s": pd.Series([1, -2], dtype="int8")})
    assert [str(t) for t in tables.neutralise_frame(typed).dtypes] == ["Int64", "int8"]
    assert out["5"].iloc[0] == "'+1" and pd.isna(out["5"].iloc[1])
    assert df["t"].tolist() == ["-3", "@a"]  # the input is not changed


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), (float("nan"), None), (pd.NA, None), (pd.NaT, None), (3, 3), ("a", "a"),
    (pd.Timestamp("2024-05-06 07:08", tz="Asia/Shanghai"), dt.datetime(2024, 5, 6, 7, 8)),
    (pd.Timestamp("2024-05-06 07:08"), dt.datetime(2024, 5, 6, 7, 8)),
    (["=a", "b"], "['=a', 'b']"), (("-1",), "('-1',)"), ({"k": 1}, "{'k': 1}"),
    ({"=k"}, "{'=k'}"),
])
def test_cell_values_for_openpyxl(value, expected):
    got = tables._cell(value)
    assert got == expected and type(got) is type(expected)


def test_xlsx_layout_fonts_and_widths():
    df = pd.DataFrame({"地区": ["青岛市"], "a": ["x"], "long": ["y" * 100], "abcdefghij": [1]})
    wb = load_workbook(io.BytesIO(tables.xlsx_bytes(df, ["标题行", "第二行"], sheet="s" * 40)))
    ws = wb.active
    assert ws.title == "s" * 31
    assert [ws.cell(r, 1).value for r in range(1, 5)] == ["标题行", "第二行", None, "地区"]
    assert ws["A1"].font.bold and ws["A1"].font.size == 13
    assert not ws["A2"].font.bold
    assert all(c.font.bold for c in ws[4])
    assert [c.value for c in ws[5]] == ["青岛市", "x", "y" * 100, 1]
    widths = [ws.column_dimensions[c].width for c in "ABCD"]
    assert widths == [8, 8, 60, 12]  # 青岛市 is 6 GBK bytes + 2; at least 8, at most 60


def test_xlsx_widths_read_only_the_first_200_rows():
    df = pd.DataFrame({"c": ["x"] * 200 + ["y" * 30]})
    ws = load_workbook(io.BytesIO(tables.to_xlsx(df, OTHER))).active
    assert ws.column_dimensions["A"].width == 8
    df = pd.DataFrame({"c": ["x"] * 199 + ["y" * 30]})
    ws = load_workbook(io.BytesIO(tables.to_xlsx(df, OTHER))).active
    assert ws.column_dimensions["A"].width == 32
