"""bench/replicate.py: the N-times warehouse counts N times the persons, on every mart that
counts them, and keeps what it does not copy (nothing timed here)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
rep = importlib.import_module("bench.replicate")


def test_the_statements_are_the_marts_after_talent_person():
    stmts = rep.statements_from(rep.MARTS.read_text(encoding="utf-8"), "talent_person")
    names = [s.split()[4] for s in stmts]
    assert names[0] == "mart_talent_supply" and "talent_person" not in names
    assert all(s.startswith("CREATE OR REPLACE TABLE") for s in stmts)


def test_three_times_the_warehouse(demo_db, tmp_path):
    out = tmp_path / "x3.duckdb"
    done = subprocess.run([sys.executable, "bench/replicate.py", "--db", str(demo_db),
                           "--times", "3", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    q = ("SELECT (SELECT count(*) FROM talent_person), (SELECT sum(talents) FROM "
         "mart_talent_supply WHERE adcode = '100000'), (SELECT count(*) FROM enterprise)")
    with duckdb.connect(str(demo_db), read_only=True) as a, \
            duckdb.connect(str(out), read_only=True) as b:
        n, national, firms = a.execute(q).fetchone()
        assert b.execute(q).fetchone() == (3 * n, 3 * national, firms)
        assert b.execute("SELECT count(DISTINCT person_id) FROM talent_person").fetchone()[0] \
            == 3 * a.execute("SELECT count(DISTINCT person_id) FROM talent_person").fetchone()[0]
    # an existing file is never overwritten
    again = subprocess.run([sys.executable, "bench/replicate.py", "--db", str(demo_db),
                            "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert again.returncode != 0 and "exists" in again.stderr
