"""Boundary shapes: raw GeoJSON → simplified, oriented, rounded shapes cached under ``cache_dir``.

Each level is simplified once with ``simplify_coverage`` (shared borders stay shared), its rings
oriented clockwise (plotly's MapLibre floods the canvas on counter-clockwise shells after coverage
simplification flips them), its coordinates rounded to ``coordinate_precision`` decimals, and
written as GeoParquet. The dashboard reads children GeoJSON files built from those shapes; every
read is memoised per process, so only the first call in a process touches the disk.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.errors
import shapely.geometry

import settings
from reference.regions import (
    COUNTRY_ADCODE,
    LEVELS,
    boundary_file,
    maritime_boundary_file,
    region_index,
)

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
# Albers equal-area conic for China: areas in m² within a fraction of a percent.
EQUAL_AREA_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=WGS84 +units=m +no_defs"
_TOLERANCE_SETTING = {"country": "tolerance_province", "province": "tolerance_province",
                      "city": "tolerance_city", "district": "tolerance_district"}
_POLYGONAL = {"Polygon", "MultiPolygon"}

Progress = Callable[[str, float], None]


# --- paths and settings ------------------------------------------------------------------------

def _root(cache_dir: str | os.PathLike | None) -> str:
    """The cache folder as an absolute string (the memo key)."""
    return str(Path(cache_dir if cache_dir is not None else settings.path("cache_dir")).resolve())


def tolerance(level: str) -> float:
    """Simplification tolerance (degrees) of a level, from settings."""
    if level not in _TOLERANCE_SETTING:
        raise ValueError(f"未知层级 {level!r}: 应为 {', '.join(LEVELS)} 之一")
    return settings.get(_TOLERANCE_SETTING[level])


def _precision() -> int:
    """Decimal places kept in cached coordinates."""
    return settings.get("coordinate_precision")


def shapes_path(level: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Cache file of a level's simplified shapes."""
    return Path(_root(cache_dir)) / f"shapes_{level}_{tolerance(level):g}.parquet"


def region_table_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """Cache file of the region table."""
    return Path(_root(cache_dir)) / "regions.parquet"


def _geojson_path(parent_adcode: str, root: str) -> Path:
    """Cache file of one parent's children FeatureCollection."""
    return Path(root) / "geojson" / f"{parent_adcode}.json"


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then swap it in with os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the dashboard may run as another user
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- raw shapes --------------------------------------------------------------------------------

def _level_codes(level: str) -> list[str]:
    """Adcodes of every region of a level, sorted."""
    if level not in LEVELS:
        raise ValueError(f"未知层级 {level!r}: 应为 {', '.join(LEVELS)} 之一")
    regions = region_index()
    return sorted(regions.loc[regions["level"] == level, "adcode"])


def load_raw_level(level: str) -> gpd.GeoDataFrame:
    """Raw boundaries of every region of a level: GeoDataFrame(adcode, geometry)."""
    codes = _level_codes(level)
    texts = [boundary_file(code).read_text(encoding="utf-8") for code in codes]
    geoms = shapely.from_geojson(texts)
    return gpd.GeoDataFrame({"adcode": codes}, geometry=geoms, crs=CRS)


# --- simplification ----------------------------------------------------------------------------

def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (make_valid can return a collection)."""
    if geom.geom_type in _POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in _POLYGONAL]
    return shapely.multipolygons(shapely.get_parts(parts)) if parts else shapely.Polygon()


def _make_valid(geoms: np.ndarray) -> np.ndarray:
    """Repair invalid shapes (simplify_coverage rejects them), keeping only polygons."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        log.warning("%d invalid shapes repaired with make_valid", int(bad.sum()))
        geoms = geoms.copy()
        geoms[bad] = [_polygonal(g) for g in shapely.make_valid(geoms[bad])]
    return geoms


def _coverage_by_group(geoms: np.ndarray, groups: np.ndarray, tol: float) -> np.ndarray:
    """simplify_coverage within each group; plain simplify for a group where it fails."""
    out = np.empty(len(geoms), dtype=object)
    for group in pd.unique(groups):
        mask = groups == group
        try:
            out[mask] = shapely.coverage_simplify(geoms[mask], tol)
        except shapely.errors.ShapelyError as err:
            log.warning("group %s: simplify_coverage failed (%s); plain simplify", group, err)
            out[mask] = shapely.simplify(geoms[mask], tol, preserve_topology=True)
    return out


def _simplify(geoms: np.ndarray, groups: np.ndarray, tol: float, label: str) -> np.ndarray:
    """Coverage-simplify the whole level, else per province group, else plain simplify."""
    try:
        out = shapely.coverage_simplify(geoms, tol)
        log.info("%s: simplify_coverage on the whole level", label)
        return out
    except shapely.errors.ShapelyError as err:
        log.warning("%s: simplify_coverage failed on the whole level (%s); per province",
                    label, err)
    return _coverage_by_group(geoms, groups, tol)


def _round(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Snap to a 10^-decimals grid (kept valid) and store the nearest decimal doubles."""
    snapped = shapely.set_precision(geoms, 10.0 ** -decimals)
    return shapely.transform(snapped, lambda xy: np.round(xy, decimals))


def _usable(geoms: np.ndarray) -> np.ndarray:
    """Mask of non-empty polygonal shapes."""
    kinds = np.isin(shapely.get_type_id(geoms), [3, 6])  # Polygon, MultiPolygon
    return kinds & ~shapely.is_empty(geoms)


def _fill_vanished(out: np.ndarray, raw: np.ndarray, decimals: int, codes: Iterable[str]) -> None:
    """Give a region that vanished under the tolerance its raw shape, rounded (or as is)."""
    lost = ~_usable(out)
    if not lost.any():
        return
    log.info("kept unsimplified shapes for %s", ", ".join(np.asarray(list(codes))[lost]))
    rounded = _round(raw[lost], decimals)
    out[lost] = np.where(_usable(rounded), rounded, raw[lost])


def _check_extent(out: np.ndarray, raw: np.ndarray, codes: list[str], slack: float) -> None:
    """Warn when simplification moved a region's bounds (an island group lost)."""
    shift = np.abs(shapely.bounds(out) - shapely.bounds(raw)).max(axis=1)
    for code in np.asarray(codes)[shift > slack]:
        log.warning("region %s lost part of its extent in simplification", code)


def simplify_shapes(raw: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Simplified, rounded, clockwise shapes of one level's raw GeoDataFrame."""
    tol, decimals = tolerance(level), _precision()
    codes = list(raw["adcode"])
    geoms = _make_valid(np.asarray(raw.geometry.values, dtype=object))
    groups = _province_groups(codes)
    out = _round(_simplify(geoms, groups, tol, level), decimals)
    _fill_vanished(out, geoms, decimals, codes)
    out = shapely.orient_polygons(out, exterior_cw=True)
    _check_extent(out, geoms, codes, slack=max(4 * tol, 0.1))
    return gpd.GeoDataFrame({"adcode": codes}, geometry=out, crs=CRS)


def _province_groups(codes: list[str]) -> np.ndarray:
    """Province adcode of each region (itself for the country and provinces)."""
    province = region_index().set_index("adcode")["province_adcode"].dropna().to_dict()
    return np.array([province.get(c, c) for c in codes])


def _write_shapes(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """Write a level's shapes as GeoParquet, atomically."""
    _atomic_write(path, lambda tmp: gdf.to_parquet(tmp, index=False))


@lru_cache(maxsize=16)
def _shapes(level: str, root: str, tol: float, decimals: int) -> gpd.GeoDataFrame:
    """A level's simplified shapes from the cache, built first when missing (memoised)."""
    path = shapes_path(level, root)
    if not path.exists():
        _write_shapes(simplify_shapes(load_raw_level(level), level), path)
    return gpd.read_parquet(path)


def simplified_level(level: str, cache_dir: str | os.PathLike | None = None) -> gpd.GeoDataFrame:
    """Simplified shapes of every region of a level: GeoDataFrame(adcode, geometry), cached."""
    _level_codes(level)  # validates the level
    return _shapes(level, _root(cache_dir), tolerance(level), _precision()).copy()


@lru_cache(maxsize=16)
def _shape_lookup(level: str, root: str, tol: float, decimals: int) -> dict[str, shapely.Geometry]:
    """adcode → simplified geometry of one level (memoised)."""
    gdf = _shapes(level, root, tol, decimals)
    return dict(zip(gdf["adcode"], gdf.geometry.values, strict=True))


def _shape(adcode: str, level: str, root: str) -> shapely.Geometry:
    """Simplified geometry of one region."""
    return _shape_lookup(level, root, tolerance(level), _precision())[adcode]


# --- region table ------------------------------------------------------------------------------

def level_metrics(raw: gpd.GeoDataFrame) -> pd.DataFrame:
    """lon, lat (a point inside the shape) and area_km2 (equal-area) of raw shapes."""
    points = shapely.point_on_surface(np.asarray(raw.geometry.values, dtype=object))
    area = raw.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6
    return pd.DataFrame({
        "adcode": raw["adcode"].to_numpy(),
        "lon": np.round(shapely.get_x(points), 4),
        "lat": np.round(shapely.get_y(points), 4),
        "area_km2": np.round(area.to_numpy(), 2),
    })


def _write_region_table(metrics: list[pd.DataFrame], path: Path) -> None:
    """Join the index with the metrics of every level and write it atomically."""
    table = region_index().merge(pd.concat(metrics, ignore_index=True), on="adcode", how="left")
    _atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))


@lru_cache(maxsize=4)
def _region_table(root: str) -> pd.DataFrame:
    """The region table from the cache, built first when missing (memoised)."""
    path = region_table_path(root)
    if not path.exists():
        _write_region_table([level_metrics(load_raw_level(lvl)) for lvl in LEVELS], path)
    return pd.read_parquet(path)


def region_table(cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """region_index() plus lon, lat and area_km2 of every region, cached."""
    return _region_table(_root(cache_dir)).copy()


# --- GeoJSON for the dashboard -----------------------------------------------------------------

def _children(parent_adcode: str) -> pd.DataFrame:
    """Index rows of a region's children; an unknown adcode is an error."""
    regions = region_index()
    if parent_adcode not in set(regions["adcode"]):
        raise KeyError(f"未知行政区划代码 {parent_adcode!r}")
    return regions[regions["parent_adcode"] == parent_adcode].sort_values("adcode")


def _feature(adcode: str, name: str, geom: shapely.Geometry) -> dict:
    """One GeoJSON Feature whose id is the adcode."""
    return {"type": "Feature", "id": adcode, "properties": {"adcode": adcode, "name": name},
            "geometry": shapely.geometry.mapping(geom)}


def _build_children(parent_adcode: str, root: str) -> dict:
    """FeatureCollection of a region's children from the simplified shapes."""
    kids = _children(parent_adcode)
    geoms = [_shape(a, lvl, root) for a, lvl in zip(kids["adcode"], kids["level"], strict=True)]
    features = [_feature(a, n, g) for a, n, g in zip(kids["adcode"], kids["name"], geoms,
                                                      strict=True)]
    collection: dict = {"type": "FeatureCollection", "features": features}
    if geoms:
        collection["bbox"] = [round(float(v), 4) for v in shapely.total_bounds(geoms)]
    return collection


def _write_json(data: dict, path: Path) -> None:
    """Write compact JSON atomically."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def children_geojson_path(parent_adcode: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Path of a region's children FeatureCollection file, built first when missing."""
    root, code = _root(cache_dir), str(parent_adcode)
    path = _geojson_path(code, root)
    if not path.exists():
        _write_json(_build_children(code, root), path)
    return path


@lru_cache(maxsize=512)
def _children_geojson(parent_adcode: str, root: str) -> dict:
    """A region's children FeatureCollection, read from its file (memoised)."""
    return json.loads(children_geojson_path(parent_adcode, root).read_text(encoding="utf-8"))


def children_geojson(parent_adcode: str, cache_dir: str | os.PathLike | None = None) -> dict:
    """GeoJSON FeatureCollection of a region's children (id = adcode); shared, do not mutate."""
    return _children_geojson(str(parent_adcode), _root(cache_dir))


@lru_cache(maxsize=4)
def _maritime_lines(root: str, decimals: int) -> tuple[tuple[tuple[float, ...], ...], ...]:
    """The maritime boundary's lines from the cache, built first when missing (memoised)."""
    path = Path(root) / "maritime.json"
    if not path.exists():
        feature = json.loads(maritime_boundary_file().read_text(encoding="utf-8"))
        lines = shapely.get_parts(shapely.geometry.shape(feature["geometry"]))
        data = [np.round(shapely.get_coordinates(line), decimals).T.tolist() for line in lines]
        _write_json({"lines": data}, path)
    data = json.loads(path.read_text(encoding="utf-8"))["lines"]
    return tuple((tuple(lon), tuple(lat)) for lon, lat in data)


def maritime_lines(cache_dir: str | os.PathLike | None = None) -> list[tuple[list[float], list[float]]]:
    """The maritime boundary line as (lons, lats) pairs, one per line, for plotly line traces."""
    lines = _maritime_lines(_root(cache_dir), _precision())
    return [(list(lon), list(lat)) for lon, lat in lines]


# --- building everything -----------------------------------------------------------------------

def clear_memo() -> None:
    """Forget every memoised shape, table and GeoJSON (after the cache files changed)."""
    for memo in (_shapes, _shape_lookup, _region_table, _children_geojson, _maritime_lines):
        memo.cache_clear()


def _build_levels(root: str, force: bool, report: Progress, timings: dict) -> None:
    """Simplified shapes of every level and the region table, each raw level read once."""
    table_path = region_table_path(root)
    need_table = force or not table_path.exists()
    metrics = []
    for i, level in enumerate(LEVELS):
        report(f"简化边界: {level}", 0.6 * i / len(LEVELS))
        start = time.perf_counter()
        path = shapes_path(level, root)
        if force or not path.exists() or need_table:
            raw = load_raw_level(level)
            if force or not path.exists():
                _write_shapes(simplify_shapes(raw, level), path)
            if need_table:
                metrics.append(level_metrics(raw))
        timings[f"shapes_{level}"] = time.perf_counter() - start
    if need_table:
        _write_region_table(metrics, table_path)


def _build_geojson(root: str, force: bool, report: Progress, timings: dict) -> None:
    """Children FeatureCollections of the country, every province and every city."""
    start = time.perf_counter()
    regions = region_index()
    parents = [COUNTRY_ADCODE] + sorted(regions.loc[regions["level"].isin(["province", "city"]),
                                                    "adcode"])
    for i, code in enumerate(parents):
        if i % 50 == 0:
            report(f"生成 GeoJSON: {i}/{len(parents)}", 0.6 + 0.4 * i / len(parents))
        if force or not _geojson_path(code, root).exists():
            _write_json(_build_children(code, root), _geojson_path(code, root))
    timings["geojson"] = time.perf_counter() - start


def build_all(progress: Progress | None = None, *, cache_dir: str | os.PathLike | None = None,
              force: bool = False) -> dict[str, float]:
    """Build every cache (shapes, region table, children GeoJSON, maritime line); seconds per step."""
    root = _root(cache_dir)
    report = progress or (lambda message, fraction: None)
    timings: dict[str, float] = {}
    if force:
        clear_memo()
        (Path(root) / "maritime.json").unlink(missing_ok=True)
    _build_levels(root, force, report, timings)
    _build_geojson(root, force, report, timings)
    maritime_lines(root)
    if force:
        clear_memo()
    report("完成", 1.0)
    return timings
