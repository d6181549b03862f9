"""ETL benchmark: demo generation and load timed separately, rows/s per kind, against DuckDB's
plain read of the same files as the floor. Not a test: run it by hand.

    python3 bench/etl.py --scale large --runs 3

Prints medians over the runs and the ratio load ÷ floor (how many times slower than DuckDB
merely reading the file). Results are also written to bench/results/etl-<scale>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.measure import rows_at_destination  # noqa: E402
from etl.demo import demo_sources, generate  # noqa: E402
from etl.load import load_files  # noqa: E402


def floor_seconds(path: Path) -> float | None:
    """DuckDB reading the raw file into a table, nothing else (None where it cannot).

    DuckDB has no GBK decoder without an extension, so a GBK file's floor is measured on a
    UTF-8 copy of it (made before the clock starts)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from etl.readers import detect_encoding

        enc = detect_encoding(path.read_bytes()[:1 << 20])
        if enc not in ("utf-8", "utf-8-sig"):
            copy = path.with_suffix(".utf8.csv.tmp")
            copy.write_text(path.read_text(encoding=enc), encoding="utf-8")
            path = copy
        reader = "read_csv(?, all_varchar=true)"
    elif suffix in (".jsonl", ".json"):
        reader = "read_json(?, format='newline_delimited')"
    elif suffix == ".parquet":
        reader = "read_parquet(?)"
    else:
        return None
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}", [str(path)])  # noqa: S608
    con.execute("SELECT count(*) FROM t").fetchall()
    return time.perf_counter() - t0


def one_load(files: list[Path]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        t0 = time.perf_counter()
        report = load_files(files, db_path=db, source="demo", sources=demo_sources(files))
        total = time.perf_counter() - t0
        landed = rows_at_destination(db)  # exits when a batch's rows are not all there
    per: dict[str, dict] = {}  # by kind: the demo has three talent files (人才集团, 人社, 猎聘)
    for f in report.files:
        k = per.setdefault(f.kind, {"rows": 0, "seconds": 0.0})
        k["rows"] += f.rows_read
        k["seconds"] += f.seconds
    return {"total": total, "files": per, "landed": landed,
            "publish": total - sum(f.seconds for f in report.files)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="large", choices=("small", "medium", "large"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    out = ROOT / "data" / "raw" / f"bench-{args.scale}-{args.seed}"
    t0 = time.perf_counter()
    files = generate(out, scale=args.scale, seed=args.seed)
    gen = time.perf_counter() - t0
    print(f"generate {args.scale}: {gen:.1f} s ({out})")
    floors = {p.name: [floor_seconds(p) for _ in range(args.runs)] for p in files}
    runs = [one_load(files) for _ in range(args.runs)]
    rows = []
    for path, (kind, first) in zip(files, runs[0]["files"].items(), strict=True):
        secs = statistics.median(r["files"][kind]["seconds"] for r in runs)
        fl = floors[path.name]
        floor = statistics.median(fl) if fl[0] is not None else None
        rows.append({"kind": kind, "file": path.name, "rows": first["rows"], "load_s": secs,
                     "rows_per_s": first["rows"] / secs if secs else None, "floor_s": floor,
                     "ratio": secs / floor if floor else None})
    print("rows recorded = rows present in the published tables (every run):")
    for name, kind, recorded, present, _ in runs[0]["landed"]:
        print(f"  {kind:<11}{name:<24}{recorded:>12,}{present:>12,}")
    publish = statistics.median(r["publish"] for r in runs)
    total = statistics.median(r["total"] for r in runs)
    print(f"\n{'kind':<11}{'file':<18}{'rows':>10}{'load s':>9}{'rows/s':>11}{'floor s':>9}"
          f"{'ratio':>7}")
    for r in rows:
        floor = f"{r['floor_s']:.2f}" if r["floor_s"] else "n/a"
        ratio = f"{r['ratio']:.0f}x" if r["ratio"] else "n/a"
        print(f"{r['kind']:<11}{r['file']:<18}{r['rows']:>10,}{r['load_s']:>9.2f}"
              f"{r['rows_per_s']:>11,.0f}{floor:>9}{ratio:>7}")
    print(f"\nmarts + checks + publish: {publish:.2f} s; whole load: {total:.2f} s "
          f"(median of {args.runs})")
    result = {"scale": args.scale, "generate_s": gen, "kinds": rows, "publish_s": publish,
              "total_s": total, "runs": args.runs}
    target = ROOT / "bench" / "results" / f"etl-{args.scale}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
