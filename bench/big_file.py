"""Peak memory loading a ~500 MB CSV: streamed in chunks (the default above
`stream_threshold_mb`) against reading it whole.

    python3 bench/big_file.py [--mb 500]

Builds the file from the large demo's talents (ids made unique per copy), then runs
`python -m etl load` on it twice under /usr/bin/time -v and reports peak RSS and wall time.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **env_extra}
        out = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "etl", "--db",
                              f"{tmp}/w.duckdb", "load", str(csv), "--source", "big"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr)[1]) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", out.stderr)[1]
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
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
