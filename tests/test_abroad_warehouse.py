"""Places abroad in the warehouse: countries in the region table under 海外 (900000), a move from
abroad an arrival at every level of the place it reached, and an old warehouse upgraded."""

from __future__ import annotations

import duckdb

from etl.load import load_files
from tests import fixtures

q = fixtures.query


def test_countries_are_regions_under_abroad(loaded_db):
    assert q(loaded_db, "SELECT name, level, parent_adcode FROM region "
                        "WHERE adcode IN ('900000', '982600', '984000') ORDER BY adcode") == [
        ("海外", "abroad", None), ("英国", "abroad", "900000"), ("美国", "abroad", "900000")]
    assert q(loaded_db, "SELECT ancestor_adcode FROM region_ancestor WHERE adcode = '982600' "
                        "ORDER BY ancestor_adcode") == [("900000",), ("982600",)]


def test_a_move_from_abroad_is_an_arrival_at_every_level(loaded_db):
    rows = q(loaded_db, "SELECT level, to_adcode, moves FROM mart_moves "
                        "WHERE from_adcode = '982600' ORDER BY level")
    assert rows == [("city", "370200", 1), ("country", "100000", 1),
                    ("district", "370202", 1), ("province", "370000", 1)]


def test_an_old_warehouse_without_abroad_is_upgraded_on_its_next_load(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE region (adcode VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, "
                "short_name VARCHAR, level VARCHAR NOT NULL CHECK (level IN ('country', "
                "'province', 'city', 'district')), parent_adcode VARCHAR, province_adcode "
                "VARCHAR, city_adcode VARCHAR, lon DOUBLE, lat DOUBLE, area_km2 DOUBLE)")
    con.close()
    path = fixtures.write_csv(tmp_path / "m.csv", fixtures.MOVES_HEADER, fixtures.MOVES)
    report = load_files([path], db_path=db)
    assert [(f.status, f.rows_loaded) for f in report.files] == [("loaded", 3)]
    assert q(db, "SELECT count(*) FROM region WHERE level = 'abroad'")[0][0] > 200
