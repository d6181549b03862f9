"""Integrity checks (etl/sql/checks.sql): each one, given exactly its violation in a staging copy
of the fixture warehouse, makes the publish refuse with that check named — and no other.

A new check in checks.sql needs an entry in PLANTS (SQL that breaks that check and only that
one); ``test_every_check_has_a_planting_entry`` fails until it has one. The planting SQL runs
on the staging database right after its marts are rebuilt, just before the checks run.
"""
# ruff: noqa: S608 - every table and column name in the planting SQL is a constant here

from __future__ import annotations

import re

import pytest

from etl import warehouse
from store import connection
from store import status as store_status

CHECKS_SQL = warehouse.SQL_DIR / "checks.sql"


def _one_row(table: str, where: str = "true") -> str:
    """A WHERE clause picking exactly one row of the table (the first by rowid)."""
    return f"rowid = (SELECT min(rowid) FROM {table} WHERE {where})"


COUNTRY, PROVINCE = "level = 'country'", "level = 'province'"

# check name → SQL that plants exactly that violation (one offending row where possible).
PLANTS: dict[str, str] = {
    "enterprise credit_code unique":
        "UPDATE enterprise SET credit_code = (SELECT min(credit_code) FROM enterprise) "
        "WHERE credit_code = (SELECT max(credit_code) FROM enterprise)",
    # The contact (and the person's row, built before the plant) moves with its talent, so
    # that only the key is duplicated.
    "talent talent_id unique":
        "UPDATE talent_contact SET talent_id = (SELECT min(talent_id) FROM talent) "
        "WHERE talent_id = (SELECT max(talent_id) FROM talent); "
        "UPDATE talent_person SET talent_id = (SELECT min(talent_id) FROM talent) "
        "WHERE talent_id = (SELECT max(talent_id) FROM talent); "
        "UPDATE talent SET talent_id = (SELECT min(talent_id) FROM talent) "
        "WHERE talent_id = (SELECT max(talent_id) FROM talent)",
    "job_posting posting_id unique":
        "UPDATE job_posting SET posting_id = (SELECT min(posting_id) FROM job_posting) "
        "WHERE posting_id = (SELECT max(posting_id) FROM job_posting)",
    "talent_contact belongs to a talent":
        f"UPDATE talent_contact SET talent_id = 'T-nobody' WHERE {_one_row('talent_contact')}",
    "facts point at known regions":
        f"UPDATE region_indicator SET adcode = '999999' WHERE {_one_row('region_indicator')}",
    "facts point at known chain nodes":
        f"UPDATE enterprise SET node_id = 'X99' WHERE {_one_row('enterprise')}",
    "facts come from a loaded batch":
        "UPDATE load_batch SET status = 'failed' "
        "WHERE batch_id = (SELECT min(batch_id) FROM enterprise)",
    # One place's ancestor twice (the marts were built before: they stay right).
    "region_ancestor names each ancestor of a place once":
        "INSERT INTO region_ancestor SELECT * FROM region_ancestor "
        f"WHERE {_one_row('region_ancestor')}",
    # Country and province both +1: the province check stays at 0.
    "talent mart adds up to the talent table at country level":
        "UPDATE mart_talent_supply SET talents = talents + 1 "
        f"WHERE {_one_row('mart_talent_supply', COUNTRY)} "
        f"OR {_one_row('mart_talent_supply', PROVINCE)}",
    # Persons (etl/linkage.py): a record whose person disagrees with its membership, and a
    # person whose record count is off.
    "every talent record belongs to one person":
        f"UPDATE person_member SET person_id = 'P-other' WHERE {_one_row('person_member')}",
    "person table counts each person once, with all its records":
        f"UPDATE person SET records = records + 1 WHERE {_one_row('person')}",
    # A person missing from talent_person (the mart was built before: it stays right).
    "talent_person has each person once, as one of its records":
        f"DELETE FROM talent_person WHERE {_one_row('talent_person')}",
    "enterprise mart adds up at country level":
        "UPDATE mart_enterprise SET enterprises = enterprises + 1 "
        f"WHERE {_one_row('mart_enterprise', COUNTRY)}",
    "posting mart adds up at country level":
        "UPDATE mart_posting_demand SET postings = postings + 1 "
        f"WHERE {_one_row('mart_posting_demand', COUNTRY)}",
    "provinces add up to the country in the talent mart":
        "UPDATE mart_talent_supply SET talents = talents + 1 "
        f"WHERE {_one_row('mart_talent_supply', PROVINCE)}",
    # A fact row lost after its batch recorded it (talent_move: no mart check counts moves).
    "every batch's rows are present in its fact tables":
        f"DELETE FROM talent_move WHERE {_one_row('talent_move')}",
    "every loaded batch wrote the rows it records":
        "UPDATE load_batch SET rows_loaded = rows_loaded + 1 "
        "WHERE batch_id = (SELECT max(batch_id) FROM load_batch WHERE status = 'loaded')",
    # A warning count that no longer matches the batch's field_warning rows.
    "every loaded batch's field warnings are the rows it records":
        "UPDATE load_batch SET rows_warned = rows_warned + 1 "
        "WHERE batch_id = (SELECT max(batch_id) FROM load_batch WHERE status = 'loaded')",
}

# Every term of the checks that look at several tables, each planted on its own.
VARIANTS: dict[str, tuple[str, str]] = {
    **{f"region:{t}.{col}": ("facts point at known regions",
                             f"UPDATE {t} SET {col} = '999999' WHERE {_one_row(t)}")
       for t, col in (("enterprise", "adcode"), ("talent", "adcode"), ("job_posting", "adcode"),
                      ("region_indicator", "adcode"), ("talent_move", "from_adcode"),
                      ("talent_move", "to_adcode"))},
    **{f"node:{t}": ("facts point at known chain nodes",
                     f"UPDATE {t} SET node_id = 'X99' WHERE {_one_row(t)}")
       for t in ("enterprise", "talent", "job_posting")},
    **{f"batch:{t}": ("facts come from a loaded batch",
                      "UPDATE load_batch SET status = 'failed' "
                      f"WHERE batch_id = (SELECT min(batch_id) FROM {t})")
       for t in ("enterprise", "talent", "job_posting")},
}


def check_names_in_file() -> list[str]:
    """The check names as written in checks.sql (read here, not through warehouse._checks)."""
    return re.findall(r"^-- check: (.+?)\s*$", CHECKS_SQL.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)


def test_every_check_has_a_planting_entry():
    names = check_names_in_file()
    assert len(names) == len(set(names)), "two checks share a name"
    assert sorted(names) == sorted(PLANTS), (
        "every check in checks.sql needs a PLANTS entry (and every entry a check)")


def test_the_number_of_checks():
    checks = warehouse._checks()
    assert len(checks) == len(PLANTS) == 18
    assert [n for n, _ in checks] == check_names_in_file()
    assert all(q and not q.endswith(";") and "-- check:" not in q for _, q in checks)


def test_every_check_is_zero_on_the_published_fixture(loaded_db):
    con = connection.connect(loaded_db, read_only=True)
    try:
        results = warehouse.run_checks(con)
    finally:
        con.close()
    assert results == [(n, 0) for n in check_names_in_file()]


def _publish_with(db, monkeypatch, sql: str):
    """Stage a copy of ``db``, plant ``sql`` once the marts are built, publish.

    Returns (the raised IntegrityError or None, {check: offending rows} on the staging file)."""
    real_build = warehouse.build_marts

    def build_then_plant(con):
        real_build(con)
        if sql:
            con.execute(sql)

    monkeypatch.setattr(warehouse, "build_marts", build_then_plant)
    staging = warehouse.Staging(db)
    staging.open()
    try:
        try:
            staging.publish()
        except warehouse.IntegrityError as exc:
            counts = dict(warehouse.run_checks(staging.con))
            return exc, counts
        return None, {}
    finally:
        staging.discard()


def test_an_unplanted_staging_copy_publishes(fresh_db, monkeypatch):
    before = store_status.published_version(fresh_db)
    error, _ = _publish_with(fresh_db, monkeypatch, "")
    assert error is None
    assert store_status.published_version(fresh_db) not in (None, before)


@pytest.mark.parametrize("name", list(PLANTS))
def test_each_check_refuses_its_violation(fresh_db, monkeypatch, name):
    before = store_status.published_version(fresh_db)
    size = fresh_db.stat().st_size
    error, counts = _publish_with(fresh_db, monkeypatch, PLANTS[name])
    assert error is not None, f"published despite a planted violation of {name!r}"
    failed = {n for n, c in counts.items() if c}
    assert failed == {name}
    message = str(error)
    assert message.startswith("完整性检查未通过, 未发布: ")
    assert f"{name}: {counts[name]} 行" in message
    # Nothing published: same version, same file, no staging file left beside it.
    assert store_status.published_version(fresh_db) == before
    assert fresh_db.stat().st_size == size
    assert [p.name for p in fresh_db.parent.iterdir() if ".staging-" in p.name] == []


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_term_of_a_multi_table_check_counts(fresh_db, monkeypatch, variant):
    name, sql = VARIANTS[variant]
    error, counts = _publish_with(fresh_db, monkeypatch, sql)
    assert error is not None
    assert counts[name] >= 1
    assert {n for n, c in counts.items() if c} == {name}
