"""Boundary shapes: simplified, oriented, rounded, cached; the region table and children GeoJSON."""

import json
import logging
import re
import time

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.errors

from maps import geometry
from reference.regions import COUNTRY_ADCODE, region_index

QINGDAO_DISTRICTS = ["370202", "370203", "370211", "370212", "370213", "370214", "370215",
                     "370281", "370283", "370285"]
_DECIMALS = re.compile(r"\d\.(\d+)")


@pytest.fixture(scope="session")
def progress_calls(tmp_path_factory):
    """Every cache built once into the session's shared cache folder; the progress calls."""
    cache = tmp_path_factory.getbasetemp() / "geo_cache"
    calls = []
    geometry.build_all(lambda message, fraction: calls.append((message, fraction)),
                       cache_dir=cache)
    return calls


@pytest.fixture(scope="session")
def cache(progress_calls, tmp_path_factory):
    """The built cache folder (shared with test_figures)."""
    return tmp_path_factory.getbasetemp() / "geo_cache"


@pytest.fixture(scope="session")
def regions():
    return region_index()


def _codes(regions, level):
    return sorted(regions.loc[regions["level"] == level, "adcode"])


def _max_decimals(text: str) -> int:
    return max(len(m) for m in _DECIMALS.findall(text))


# --- build_all ---------------------------------------------------------------------------------

def test_build_all_reports_progress_up_to_one(progress_calls):
    fractions = [f for _, f in progress_calls]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for m, _ in progress_calls)


def test_build_all_writes_every_cache_and_no_temp_files(cache, regions):
    parents = [COUNTRY_ADCODE] + _codes(regions, "province") + _codes(regions, "city")
    assert {p.stem for p in (cache / "geojson").glob("*.json")} == set(parents)
    for level in ("country", "province", "city", "district"):
        assert geometry.shapes_path(level, cache).exists()
    assert (cache / "regions.parquet").exists()
    assert not list(cache.rglob("*.tmp"))


def test_build_all_again_reuses_the_cache(cache):
    before = geometry.shapes_path("district", cache).stat().st_mtime_ns
    start = time.perf_counter()
    geometry.build_all(cache_dir=cache)
    assert time.perf_counter() - start < 2
    assert geometry.shapes_path("district", cache).stat().st_mtime_ns == before


def test_cache_file_names_carry_the_tolerance(cache):
    assert geometry.shapes_path("province", cache).name == "shapes_province_0.02.parquet"
    assert geometry.shapes_path("district", cache).name == "shapes_district_0.005.parquet"


# --- children GeoJSON --------------------------------------------------------------------------

def test_national_map_has_all_34_provinces(cache, regions):
    fc = geometry.children_geojson(COUNTRY_ADCODE, cache)
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == 34
    assert {"710000", "810000", "820000", "460000"} <= set(ids)
    assert ids == _codes(regions, "province")
    assert all(f["properties"]["adcode"] == f["id"] for f in fc["features"])
    assert {f["properties"]["name"] for f in fc["features"]} >= {"台湾省", "香港特别行政区"}


def test_hainan_keeps_the_south_china_sea_islands(cache):
    provinces = geometry.simplified_level("province", cache).set_index("adcode")
    assert provinces.geometry["460000"].bounds[1] < 10
    fc = geometry.children_geojson(COUNTRY_ADCODE, cache)
    hainan = next(f for f in fc["features"] if f["id"] == "460000")
    assert shapely.geometry.shape(hainan["geometry"]).bounds[1] < 10
    assert fc["bbox"][1] < 10


def test_qingdao_has_its_ten_districts(cache):
    fc = geometry.children_geojson("370200", cache)
    assert [f["id"] for f in fc["features"]] == QINGDAO_DISTRICTS
    assert fc["type"] == "FeatureCollection"
    assert all(f["geometry"]["type"] in {"Polygon", "MultiPolygon"} for f in fc["features"])


def test_children_of_province_level_city_and_of_a_leaf(cache):
    chongqing = geometry.children_geojson("500000", cache)
    assert len(chongqing["features"]) == 38
    assert geometry.children_geojson("419001", cache)["features"] == []  # 济源: no children
    assert [f["id"] for f in geometry.children_geojson("110000", cache)["features"]] == ["110100"]


def test_children_geojson_file_is_compact_and_rounded(cache):
    path = geometry.children_geojson_path("370200", cache)
    text = path.read_text(encoding="utf-8")
    assert path == cache / "geojson" / "370200.json"
    assert ", " not in text and '": ' not in text
    assert _max_decimals(text) <= 4
    assert _max_decimals((cache / "geojson" / "100000.json").read_text(encoding="utf-8")) <= 4


def test_children_geojson_is_memoised(cache):
    first = geometry.children_geojson("370200", cache)
    start = time.perf_counter()
    again = geometry.children_geojson("370200", str(cache))
    assert again is first
    assert time.perf_counter() - start < 0.01


def test_unknown_adcode_and_level_are_errors(cache):
    with pytest.raises(KeyError, match="未知行政区划代码 '999999'"):
        geometry.children_geojson("999999", cache)
    with pytest.raises(ValueError, match="未知层级 'county'"):
        geometry.simplified_level("county", cache)


# --- simplified shapes -------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["province", "city"])
def test_every_region_has_a_polygonal_shape(cache, regions, level):
    shapes = geometry.simplified_level(level, cache)
    assert list(shapes["adcode"]) == _codes(regions, level)
    assert not shapes.is_empty.any()
    assert set(shapes.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapes.is_valid.all()


def test_district_cache_has_one_shape_per_district(cache, regions):
    shapes = gpd.read_parquet(geometry.shapes_path("district", cache))
    assert list(shapes["adcode"]) == _codes(regions, "district")
    assert shapes["adcode"].is_unique
    assert not shapes.is_empty.any()
    assert set(shapes.geom_type) <= {"Polygon", "MultiPolygon"}


@pytest.mark.parametrize("level", ["province", "city", "district"])
def test_exterior_rings_are_clockwise(cache, level):
    polygons = shapely.get_parts(geometry.simplified_level(level, cache).geometry.values)
    assert not shapely.is_ccw(shapely.get_exterior_ring(polygons)).any()
    holes = [r for p in polygons for r in p.interiors]
    assert all(shapely.is_ccw(holes))


@pytest.mark.parametrize("level", ["province", "district"])
def test_coordinates_have_at_most_four_decimals(cache, level):
    coords = shapely.get_coordinates(geometry.simplified_level(level, cache).geometry.values)
    assert np.array_equal(coords, np.round(coords, 4))


def test_neighbours_still_share_their_border(cache):
    shapes = geometry.simplified_level("district", cache).set_index("adcode").geometry
    shinan, shibei = shapes["370202"], shapes["370203"]
    assert shinan.intersection(shibei).length > 0.01
    assert shinan.intersection(shibei).area < 1e-6


def test_simplified_level_is_memoised_and_a_copy(cache):
    first = geometry.simplified_level("city", cache)
    first["adcode"] = "x"
    assert geometry.simplified_level("city", cache)["adcode"].iloc[0] != "x"


def _squares(*codes):
    """Adjacent unit squares, one per code, as a raw GeoDataFrame."""
    boxes = [shapely.box(i, 30, i + 1, 31) for i in range(len(codes))]
    return gpd.GeoDataFrame({"adcode": list(codes)}, geometry=boxes, crs=geometry.CRS)


def test_failed_coverage_falls_back_to_plain_simplify(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise shapely.errors.GEOSException("coverage is invalid")

    monkeypatch.setattr(shapely, "coverage_simplify", broken)
    with caplog.at_level(logging.WARNING, logger="maps.geometry"):
        out = geometry.simplify_shapes(_squares("370202", "370203"), "district")
    assert list(out["adcode"]) == ["370202", "370203"]
    assert shapely.area(out.geometry.values).round(6).tolist() == [1.0, 1.0]
    assert "failed on the whole level" in caplog.text and "plain simplify" in caplog.text


def test_a_region_too_small_for_the_tolerance_keeps_a_shape(caplog):
    raw = _squares("370202")
    raw.loc[1] = ["370203", shapely.box(2.00001, 30.00001, 2.00003, 30.00003)]
    with caplog.at_level(logging.INFO, logger="maps.geometry"):
        out = geometry.simplify_shapes(raw, "district")
    assert not out.is_empty.any()
    assert shapely.area(out.geometry.values[1]) > 0
    assert "kept unsimplified shapes for 370203" in caplog.text


# --- region table ------------------------------------------------------------------------------

def test_region_table_covers_every_region(cache, regions):
    table = geometry.region_table(cache)
    assert list(table["adcode"]) == list(regions["adcode"])
    assert list(table.columns) == list(regions.columns) + ["lon", "lat", "area_km2"]
    assert (table["area_km2"] > 0).all()
    assert table["lon"].between(73, 136).all() and table["lat"].between(3, 54).all()


@pytest.mark.parametrize(("adcode", "km2", "tolerance"), [
    ("630000", 720_000, 0.08),  # 青海
    ("370212", 395, 0.15),  # 崂山区
    ("100000", 9_600_000, 0.05),  # land area of the whole country
])
def test_region_areas_are_plausible(cache, adcode, km2, tolerance):
    table = geometry.region_table(cache).set_index("adcode")
    assert table.loc[adcode, "area_km2"] == pytest.approx(km2, rel=tolerance)


def test_region_point_lies_inside_its_region(cache):
    table = geometry.region_table(cache).set_index("adcode")
    shapes = geometry.simplified_level("district", cache).set_index("adcode").geometry
    point = shapely.Point(table.loc["370212", "lon"], table.loc["370212", "lat"])
    assert shapes["370212"].distance(point) < 0.01


# --- maritime line -----------------------------------------------------------------------------

def test_maritime_lines_are_rounded_lon_lat_lists(cache):
    lines = geometry.maritime_lines(cache)
    assert len(lines) >= 9
    for lon, lat in lines:
        assert isinstance(lon, list) and len(lon) == len(lat) >= 2
        assert all(105 < x < 125 for x in lon) and all(3 < y < 26 for y in lat)
        assert np.array_equal(np.array(lon + lat), np.round(np.array(lon + lat), 4))
    assert json.loads((cache / "maritime.json").read_text(encoding="utf-8"))["lines"]
