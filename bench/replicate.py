"""A warehouse N times the size of a published one, for measuring the pages at a scale the
ETL cannot reach on this machine (issue 18, "where one machine stops"). Not a test, not in CI.

    python3 bench/replicate.py --db /tmp/dl.duckdb --times 10 --out /tmp/x10.duckdb

Copies the warehouse, then makes ``talent_person`` (what every page counts) ``--times`` copies
of itself, each copy's ids suffixed ``~i`` (so every copy is a distinct person), and rebuilds
every mart and index the publish builds from it, with the project's own SQL
(etl/sql/marts.sql). Everything else (firms, postings, moves, regions) stays as it was. The
copies sit in the same places as the originals: counts scale by N, the number of distinct
cells does not: that is the point to measure (marts grow with cells, scans with rows).
Prints the time, the file size and the process's peak memory.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
MARTS = ROOT / "etl" / "sql" / "marts.sql"


def statements_from(sql: str, after: str) -> list[str]:
    """The statements of marts.sql from the first that creates ``after`` on (talent_person is
    replaced, not rebuilt from the source records)."""
    sql = re.sub(r"--[^\n]*", "", sql)  # comments first: they hold semicolons
    keep, on = [], False
    for body in (p.strip() for p in sql.split(";")):
        if not body:
            continue
        if re.search(rf"CREATE OR REPLACE TABLE {after}\b", body):
            on = True
            continue
        if on:
            keep.append(body)
    return keep


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--times", type=int, default=10)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        sys.exit(f"{out} exists: pick another --out")
    t0 = time.perf_counter()
    shutil.copyfile(args.db, out)
    con = duckdb.connect(str(out))
    n = con.execute("SELECT count(*) FROM talent_person").fetchone()[0]
    con.execute(f"""
        CREATE OR REPLACE TABLE talent_person AS
        SELECT * REPLACE (t.talent_id || '~' || c.i AS talent_id,
                          t.person_id || '~' || c.i AS person_id)
        FROM talent_person t CROSS JOIN range({int(args.times)}) c(i)
        ORDER BY c.i""")  # noqa: S608 - an int
    rebuilt = statements_from(MARTS.read_text(encoding="utf-8"), "talent_person")
    for stmt in rebuilt:
        con.execute(stmt)
    con.execute("CHECKPOINT")
    m = con.execute("SELECT count(*) FROM talent_person").fetchone()[0]
    con.close()
    took = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"{out}: talent_person {n:,} → {m:,} persons ({args.times}×), {len(rebuilt)} statements "
          f"of marts.sql rerun; {took:.0f} s, {out.stat().st_size / 1e9:.2f} GB, peak RSS "
          f"{peak:.1f} GB")


if __name__ == "__main__":
    main()
