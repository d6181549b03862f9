"""Record linkage (etl/linkage.py): precision, recall and F1 of the person links against the
planted truth of etl/demo/duplicates.py, and the linkage time, median of 3 runs.

    python3 bench/linkage.py --persons 60000          # about 100k records
    python3 bench/linkage.py --persons 600000 --runs 1

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
from store.connection import connect  # noqa: E402


def pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def scores(truth: pd.Series, predicted: pd.Series) -> dict[str, float]:
    df = pd.DataFrame({"t": truth.to_numpy(), "p": predicted.to_numpy()})
    tp = pairs(df.groupby(["t", "p"]).size())
    pred, true = pairs(df.groupby("p").size()), pairs(df.groupby("t").size())
    precision, recall = tp / max(pred, 1), tp / max(true, 1)
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / max(precision + recall, 1e-12),
            "true_pairs": true, "predicted_pairs": pred}


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


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=60_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    run(a.persons, a.runs, a.seed)
