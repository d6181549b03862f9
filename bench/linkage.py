"""Record linkage (etl/linkage.py): precision, recall and F1 of the person links against the
planted truth of etl/demo/duplicates.py, and the linkage time, median of 3 runs.

    python3 bench/linkage.py --persons 60000          # about 100k records
    python3 bench/linkage.py --persons 600000 --runs 1
    python3 bench/linkage.py --demo medium            # the demo's own duplicates (see below)
    python3 bench/linkage.py --demo small --db /tmp/d.duckdb --raw /tmp/raw/demo-small-42

--demo scores a warehouse built by ``python -m etl demo`` against the truth the generator keeps
aside (``_truth/linkage_truth.csv``, etl/demo/sources.py): it builds one in a temporary folder
unless --db and --raw name a published one. Every record of the demo is in the truth.

Pairwise measures: a pair of records is predicted linked when they get one person_id, truly
linked when they are of one planted person.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import linkage, warehouse  # noqa: E402
from etl.demo.duplicates import generate  # noqa: E402
from etl.demo.sources import pair_scores  # noqa: E402
from store.connection import connect  # noqa: E402

scores = pair_scores


def warehouse_with(recs: pd.DataFrame, folder: Path):
    con = connect(folder / "bench.duckdb")
    warehouse.init_schema(con)
    con.register("_r", recs.assign(batch_id=1))
    con.execute("INSERT INTO talent BY NAME SELECT talent_id, adcode, university, major, "
                "birth_year, employer_name, observed_on, source, batch_id FROM _r")
    con.execute("INSERT INTO talent_contact BY NAME SELECT talent_id, name, phone, email, "
                "birth_month, batch_id FROM _r")
    con.unregister("_r")
    return con


def run(persons: int, runs: int, seed: int) -> None:
    recs = generate(persons, seed=seed)
    print(f"{persons:,} persons → {len(recs):,} records", flush=True)
    times, result = [], None
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            con = warehouse_with(recs, Path(tmp))
            t0 = time.perf_counter()
            report = linkage.link_persons(con, decisions={})
            times.append(time.perf_counter() - t0)
            got = con.execute("SELECT talent_id, person_id FROM talent").df()
            con.close()
        merged = recs[["talent_id", "person"]].merge(got, on="talent_id")
        result = scores(merged["person"], merged["person_id"])
        print(f"  run: {times[-1]:.1f} s {dict((k, round(v, 2)) for k, v in report.seconds.items())}"
              f" review {report.review_pairs:,}", flush=True)
    print(f"records {len(recs):,}: precision {result['precision']:.4f} recall "
          f"{result['recall']:.4f} F1 {result['f1']:.4f} (true pairs {result['true_pairs']:,}, "
          f"predicted {result['predicted_pairs']:,}); linkage median {statistics.median(times):.1f} s"
          f" over {runs} runs")


def demo(scale: str, db: Path | None, raw: Path | None, seed: int = 42) -> dict:
    """Precision/recall/F1 of the published person links of a demo warehouse."""
    import os
    import subprocess

    import settings
    from etl.demo.sources import read_truth

    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db, out = Path(tmp) / "demo.duckdb", Path(tmp) / "raw"
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "etl", "--db", str(db), "demo", "--scale", scale,
                            "--seed", str(seed), "--out", str(out)], check=True,
                           env=os.environ | {"TALENTMAP_ALERT_AFTER_PUBLISH": "false"},
                           stderr=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
            print(f"demo {scale} built and published in {time.perf_counter() - t0:.0f} s")
            raw = out / f"demo-{scale}-{seed}"
        truth = read_truth(raw, settings.get("pseudonym_key"))
        con = connect(db, read_only=True)
        got = con.execute("SELECT t.talent_id, t.person_id, t.source, c.phone FROM talent t "
                          "LEFT JOIN talent_contact c USING (talent_id)").df()
        queue = con.execute("SELECT count(*) FROM link_review").fetchone()[0]
        con.close()
    merged = truth.drop(columns="source").merge(got, on="talent_id")
    result = scores(merged["person"], merged["person_id"])
    print(f"demo {scale}: {len(got):,} records published, {len(merged):,} in the truth; "
          f"persons true {merged['person'].nunique():,}, linked {merged['person_id'].nunique():,};"
          f" precision {result['precision']:.4f} recall {result['recall']:.4f} F1 "
          f"{result['f1']:.4f} (true pairs {result['true_pairs']:,}, predicted "
          f"{result['predicted_pairs']:,}); review queue {queue:,} pairs")
    # the hard part: true pairs whose phones differ (no deterministic link between them)
    from etl.linkage import _norm_phone

    merged["ph"] = merged["phone"].map(lambda v: _norm_phone(v) if isinstance(v, str) else None)
    pairs_ = merged.merge(merged, on="person", suffixes=("_a", "_b"))
    pairs_ = pairs_[pairs_["talent_id_a"] < pairs_["talent_id_b"]]
    hard = pairs_[pairs_["ph_a"].isna() | (pairs_["ph_a"] != pairs_["ph_b"])]
    found = int((hard["person_id_a"] == hard["person_id_b"]).sum())
    print(f"  true pairs with different phones: {len(hard):,}, linked {found:,} "
          f"(recall {found / max(len(hard), 1):.4f})")
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=60_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--demo", choices=("small", "medium", "large"),
                    help="score the demo's own duplicates at this scale instead")
    ap.add_argument("--db", type=Path, help="with --demo: a published demo warehouse")
    ap.add_argument("--raw", type=Path, help="with --demo: its raw folder (demo-SCALE-SEED)")
    a = ap.parse_args()
    if a.demo:
        demo(a.demo, a.db, a.raw)
    else:
        run(a.persons, a.runs, a.seed)
