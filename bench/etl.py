"""ETL benchmark: demo generation and load timed separately, rows/s per kind, against DuckDB's
plain read of the same files as the floor. Not a test: run it by hand.

    python3 bench/etl.py --scale large --runs 3

Prints medians over the runs and the ratio load ÷ floor (how many times slower than DuckDB
merely reading the file). Results are also written to bench/results/etl-<scale>.json.

    python3 bench/etl.py --profile /tmp/rawl/demo-large-42/talents.csv --runs 3

loads one file into an empty warehouse and publishes it, stage by stage (read, header mapping,
each normalisation, staging writes, merge, linkage stages, marts, checks, publish), each stage's
own time (the stages it calls are counted apart), with DuckDB's read_csv of the same file as the
floor in the same run; medians to bench/results/etl-profile-<file>.json (``--baseline`` prints an
earlier JSON beside it).
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
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
        reader = "read_csv(?, all_varchar=true, quote='\"')"  # quotes past the sniffed rows
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
            "kinds": [f.kind for f in report.files],  # one per file, in the files' order
            "publish": total - sum(f.seconds for f in report.files)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="large", choices=("small", "medium", "large"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", type=Path, help="one file: its load and publish stage by stage")
    ap.add_argument("--source", default="人才集团", help="with --profile: the file's source")
    ap.add_argument("--baseline", type=Path, help="with --profile: an earlier result to compare")
    ap.add_argument("--keep", type=Path, help="with --profile: keep the published warehouse here")
    ap.add_argument("--out", type=Path, help="with --profile: the result JSON (default under "
                                             "bench/results)")
    args = ap.parse_args()
    if args.profile:
        profile_main(args.profile, args.runs, args.source, args.baseline, args.keep, args.out)
        return
    out = ROOT / "data" / "raw" / f"bench-{args.scale}-{args.seed}"
    t0 = time.perf_counter()
    files = generate(out, scale=args.scale, seed=args.seed)
    gen = time.perf_counter() - t0
    print(f"generate {args.scale}: {gen:.1f} s ({out})")
    floors = {p.name: [floor_seconds(p) for _ in range(args.runs)] for p in files}
    runs = [one_load(files) for _ in range(args.runs)]
    rows = []
    by_kind: dict[str, list[Path]] = {}  # several files of one kind: one row, floors summed
    for path, kind in zip(files, runs[0]["kinds"], strict=True):
        by_kind.setdefault(kind, []).append(path)
    for kind, first in runs[0]["files"].items():
        secs = statistics.median(r["files"][kind]["seconds"] for r in runs)
        fls = [floors[p.name] for p in by_kind[kind]]
        floor = (sum(statistics.median(fl) for fl in fls)
                 if all(fl[0] is not None for fl in fls) else None)
        name = ", ".join(p.name for p in by_kind[kind])
        rows.append({"kind": kind, "file": name, "rows": first["rows"], "load_s": secs,
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


# -- --profile: one file's load and publish, stage by stage ------------------------------------------
class StageClock:
    """Each wrapped function's own time under a label: the time of wrapped functions it calls
    is theirs, not its (a stack of child times)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._stack: list[float] = []

    def _add(self, label: str, elapsed: float) -> None:
        child = self._stack.pop()
        self.seconds[label] = self.seconds.get(label, 0.0) + elapsed - child
        if self._stack:
            self._stack[-1] += elapsed

    def wrap(self, label: str, fn):
        @functools.wraps(fn)
        def timed(*a, **k):
            self._stack.append(0.0)
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self._add(label, time.perf_counter() - t0)
        return timed

    def wrap_iter(self, label: str, fn):
        """A generator function: each next() is timed (the consumer's work between is not)."""
        @functools.wraps(fn)
        def timed(*a, **k):
            it = fn(*a, **k)
            try:
                while True:
                    self._stack.append(0.0)
                    t0 = time.perf_counter()
                    try:
                        item = next(it)
                    except StopIteration:
                        return
                    finally:
                        self._add(label, time.perf_counter() - t0)
                    yield item
            finally:
                it.close()
        return timed


def _stage_targets() -> list[tuple[object, str, str, bool]]:
    """(owner, attribute, stage label, is a generator): every function timed, in stage order."""
    from etl import guard, linkage, load, mapping, transform, transform_talent, warehouse
    from etl.normalize import credit_code, dates, education, experience, flags, id_number
    from maps import resolver

    t, tt = transform, transform_talent
    return [
        (guard, "private_copy", "copy + hash input", False),
        (guard, "iter_tables", "read + decode (child process, pipe)", True),
        (mapping, "resolve_mapping", "header mapping", False),
        (mapping, "unmapped_columns", "header mapping", False),
        (t.Rows, "col", "clean text (NFKC, invisibles, spaces)", False),
        (t, "_check_lengths", "field lengths", False),
        (t, "_blank_stated_absence", "stated absence (-, 暂无 …)", False),
        (tt, "talent_ids", "talent ids", False),
        (tt, "_pseudonyms", "pseudonyms (keyed hash)", False),
        (t.Rows, "unique", "duplicate keys", False),
        (load._DiskSeenKeys, "first_rows", "duplicate keys", False),
        (load._DiskSeenKeys, "add", "duplicate keys", False),
        (dates, "parse_year_series", "birth year", False),
        (dates, "parse_date_series", "dates (observed_on)", False),
        (t, "_date", "dates (observed_on)", False),
        (education, "parse_education_series", "education", False),
        (experience, "parse_years_series", "experience", False),
        (credit_code, "check_credit_code_series", "credit codes", False),
        (tt, "canonical_university_series", "university", False),
        (id_number, "check_id_number_series", "ID numbers", False),
        (flags, "parse_bool_series", "yes/no flags", False),
        (tt, "_region", "region resolving", False),
        (resolver.RegionResolver, "resolve_series", "region resolving", False),
        (tt, "_skills_and_node", "skills + chain node", False),
        (t.Rows, "check", "errors + warnings", False),
        (t.Rows, "fail", "errors + warnings", False),
        (t.Rows, "warn", "errors + warnings", False),
        (tt, "transform_talent", "transform (rest: tier, frames, contact)", False),
        (t, "transform", "transform (rest: tier, frames, contact)", False),
        (load.Pending, "add", "staging writes", False),
        (load, "_write_quarantine", "quarantine + warning writes", False),
        (load, "_write_warnings", "quarantine + warning writes", False),
        (load, "_load_table", "staging writes", False),
        (load.Pending, "merge", "merge into fact tables", False),
        (linkage, "link_persons", "linkage", False),
        (warehouse, "build_marts", "marts", False),
        (warehouse, "check_integrity", "integrity checks", False),
        (warehouse.Staging, "publish", "publish (checkpoint, reopen, swap)", False),
    ]


def profile_once(path: Path, source: str, keep: Path | None = None) -> dict[str, float]:
    """One load of ``path`` into an empty warehouse, published; seconds per stage. ``keep``:
    where to copy the published warehouse (to compare two versions of the code)."""
    import contextlib
    from unittest import mock

    clock, linked = StageClock(), []

    def keeping(fn):  # the linkage report, for its own stage times
        return lambda *a, **k: linked.append(fn(*a, **k)) or linked[-1]

    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as patches:
        for owner, attr, label, gen in _stage_targets():
            fn = getattr(owner, attr)
            fn = keeping(fn) if attr == "link_persons" else fn
            patches.enter_context(mock.patch.object(
                owner, attr, (clock.wrap_iter if gen else clock.wrap)(label, fn)))
        t0 = time.perf_counter()
        load_files([path], db_path=Path(tmp) / "w.duckdb", source=source)
        total = time.perf_counter() - t0
        if keep:
            shutil.copyfile(Path(tmp) / "w.duckdb", keep)
    stages = dict(clock.seconds)
    rest = stages.pop("linkage", 0.0)
    for name, secs in (linked[0].seconds if linked else {}).items():
        stages[f"linkage: {name}"] = secs
        rest -= secs
    stages["linkage: rest"] = rest
    stages["other"] = total - sum(stages.values())
    stages["TOTAL"] = total
    return stages


PUBLISH = ("linkage", "marts", "integrity", "publish")


def profile_main(path: Path, runs: int, source: str, baseline: Path | None,
                 keep: Path | None = None, out: Path | None = None) -> None:
    floors, results = [], []
    for i in range(runs):  # the floor and the load alternate: the same noise for both
        floors.append(floor_seconds(path))
        results.append(profile_once(path, source, keep))
        print(f"run {i + 1}: floor {floors[-1]:.2f} s, load + publish {results[-1]['TOTAL']:.2f} s",
              flush=True)
    floor = statistics.median(floors)
    labels = list(dict.fromkeys(k for r in results for k in r))
    med = {k: statistics.median(r.get(k, 0.0) for r in results) for k in labels}
    load_s = sum(v for k, v in med.items() if k != "TOTAL" and not k.startswith(PUBLISH))
    med["TOTAL load (file → staging)"] = load_s
    med["TOTAL publish"] = med["TOTAL"] - load_s
    base = json.loads(baseline.read_text(encoding="utf-8")) if baseline else None
    head = f"{'stage':<44}{'s':>8}{'× floor':>9}"
    if base:
        head += f"{'before s':>10}{'× floor':>9}"
    print(f"\n{path.name}: median of {runs}; floor (DuckDB read_csv) {floor:.2f} s"
          + (f", before: {base['floor_s']:.2f} s" if base else ""))
    print(head)
    for k, v in med.items():
        line = f"{k:<44}{v:>8.2f}{v / floor:>9.2f}"
        if base:
            b = base["stages"].get(k)
            line += "" if b is None else f"{b:>10.2f}{b / base['floor_s']:>9.2f}"
        print(line)
    target = out or ROOT / "bench" / "results" / f"etl-profile-{path.stem}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"file": str(path), "runs": runs, "floor_s": floor,
                                  "floors": floors, "stages": med, "per_run": results},
                                 ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n{target}")


if __name__ == "__main__":
    main()
