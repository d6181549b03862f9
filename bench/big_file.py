"""Peak memory loading a ~500 MB CSV: streamed in chunks (the default above
`stream_threshold_mb`) against reading it whole.

    python3 bench/big_file.py [--mb 500]

Builds the file from the large demo's talents (ids made unique per copy), then runs
`python -m etl load` on it twice and reports the peak RSS of the whole process tree (loader and
parsing child) and wall time; each load's rows are counted in the published table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure import rows_at_destination, run_tree  # noqa: E402


def build(target: Path, mb: int) -> int:
    from etl.demo import generate

    src = ROOT / "data" / "raw" / "bench-large-42" / "talents.csv"
    if not src.exists():
        generate(src.parent, scale="large", seed=42)
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    header, body = lines[0], lines[1:]
    rows, copy = 0, 0
    with open(target, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        while f.tell() < mb << 20:
            copy += 1
            for line in body:  # 人才编号 is the first column: make it unique per copy
                f.write(f"C{copy}-{line}\n")
                rows += 1
                if rows % 100_000 == 0 and f.tell() >= mb << 20:
                    break
    return rows


def measure(csv: Path, env_extra: dict) -> tuple[float, float]:
    """Peak RSS of the whole process tree (the loader and its parsing child) and wall time;
    the rows are then counted in the published table and must equal the batch's record."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **env_extra}
        code, rss, seconds, err = run_tree([sys.executable, "-m", "etl", "--db",
                                            f"{tmp}/w.duckdb", "load", str(csv), "--source",
                                            "big"], cwd=ROOT, env=env)
        if code != 0:
            raise RuntimeError(err[-2000:])
        (name, kind, recorded, present, _), = rows_at_destination(Path(tmp) / "w.duckdb")
        print(f"  {name}: {recorded:,} rows recorded, {present:,} in {kind} table")
    return rss, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--streamed-only", action="store_true")
    args = ap.parse_args()
    target = ROOT / "data" / "raw" / f"big-{args.mb}mb.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = build(target, args.mb) if not target.exists() else sum(1 for _ in open(target)) - 1
    size = target.stat().st_size / (1 << 20)
    print(f"{target.name}: {size:.0f} MB, {rows:,} rows")
    rss, secs = measure(target, {})
    print(f"streamed (chunks of {os.environ.get('TALENTMAP_CHUNK_ROWS', '200000')} rows): "
          f"peak RSS {rss:,.0f} MB, {secs:.1f} s")
    if not args.streamed_only:
        rss2, secs2 = measure(target, {"TALENTMAP_STREAM_THRESHOLD_MB": "100000"})
        print(f"read whole: peak RSS {rss2:,.0f} MB, {secs2:.1f} s")


if __name__ == "__main__":
    main()
