"""Crafted inputs, each loaded beside a good file by the CLI a user runs: the outcome, the wall
time and the peak RSS of the whole process tree (loader + parsing child). Not a test.

    python3 bench/crafted.py

Every row must end with the crafted file failed (one message naming it) and the good file
loaded; the script exits non-zero otherwise.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from bench.measure import rows_at_destination, run_tree  # noqa: E402
from tests import fixtures  # noqa: E402
from tests.test_crafted_inputs import GOOD_ROW, deep_jsonl, xlsx_bomb  # noqa: E402


def _write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def cases(d: Path) -> dict[str, tuple[Path, dict]]:
    big = "炸" * 100_000
    pq.write_table(pa.table({"企业名称": pa.array([big] * 20_000).dictionary_encode()}),
                   d / "bomb.parquet")
    pq.write_table(pa.table({"企业名称": ["甲公司"], "统一社会信用代码": ["91370214MA3C000502"],
                             "注册地址": ["青岛市崂山区"],
                             "详情": [{"at": dt.datetime(2024, 5, 1), "cap": decimal.Decimal("1.5")}]}),
                   d / "structs.parquet")
    (d / "header.csv").write_bytes(b"x" * (20 << 20) + b"\n")
    rec = json.dumps({"统一社会信用代码": GOOD_ROW[0], "企业名称": "数字公司", "注册地址": "青岛市崂山区",
                      "参保人数": 1}, ensure_ascii=False)
    return {
        "JSONL nested 20,000 deep": (deep_jsonl(d / "deep.jsonl"), {}),
        "JSONL nested 200,000 deep, depth gate opened (pyarrow segfaults)":
            (deep_jsonl(d / "deeper.jsonl", 200_000), {"TALENTMAP_READ_MAX_DEPTH": "10000000"}),
        "XLSX bomb: 1.4 MB expanding to 3 GB": (xlsx_bomb(d / "bomb.xlsx", 3_000), {}),
        "Parquet bomb: one 300 KB string × 20,000 (6 GB decoded)": (d / "bomb.parquet", {}),
        "header-only CSV of 20 MB": (d / "header.csv", {}),
        "700,000-column header": (_write(d / "wide.csv", ",".join(
            f"c{i}" for i in range(700_000)) + "\n1\n"), {"TALENTMAP_READ_MAX_HEADER_KB": "8192"}),
        "5,000-digit integer (JSONL)": (_write(d / "digits.jsonl", rec.replace(
            ": 1}", ": " + "9" * 5_000 + "}") + "\n"), {}),
        "employees 99999999999 (CSV)": (fixtures.write_csv(
            d / "employees.csv", fixtures.ENTERPRISE_HEADER,
            [[*GOOD_ROW[:6], "99999999999", *GOOD_ROW[7:]]]), {}),
        "Parquet struct with datetime and Decimal": (d / "structs.parquet", {}),
    }


def main() -> int:
    bad_outcomes = 0
    print(f"{'input':<62}{'status':<8}{'s':>6}{'peak MB':>9}  message / rows")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        good = fixtures.write_csv(d / "good.csv", fixtures.ENTERPRISE_HEADER,
                                  [[make_code(), "好公司", "青岛市崂山区", "虚拟现实", "2019-01-01",
                                    "10", "5", "否", "否", "2024-12-31"]])
        base = [run_tree([sys.executable, "-m", "etl", "--db", str(d / f"base{i}.duckdb"), "load",
                          str(good)], cwd=ROOT)[1:3] for i in range(3)]
        print(f"{'baseline: the good file alone (median of 3)':<62}{'loaded':<8}"
              f"{sorted(b[1] for b in base)[1]:>6.1f}{sorted(b[0] for b in base)[1]:>9,.0f}")
        for name, (path, env) in cases(d).items():
            db = d / f"{path.stem}.duckdb"
            import os

            code, peak, secs, err = run_tree([sys.executable, "-m", "etl", "--db", str(db), "load",
                                              str(path), str(good)], cwd=ROOT,
                                             env={**os.environ, **env})
            errors = [ln for ln in err.splitlines() if ln.startswith("错误: ")]
            landed = rows_at_destination(db) if db.exists() else []
            good_in = any(n == "good.csv" and p == 1 for n, _, _, p, _ in landed)
            status = "failed" if errors else "loaded"
            detail = errors[0][4:].replace(str(d) + "/", "") if errors else \
                ", ".join(f"{n}: {r} rows" for n, _, r, _, _ in landed) + _quarantined(db, path)
            print(f"{name:<62}{status:<8}{secs:>6.1f}{peak:>9,.0f}  {detail[:160]}")
            if not good_in:
                bad_outcomes += 1
                print("   !! the good file of the same command did not load")
    return 1 if bad_outcomes else 0


def _quarantined(db: Path, path: Path) -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT field, reason FROM quarantine WHERE file = ?",
                           [str(path)]).fetchall()
    finally:
        con.close()
    return "".join(f"; 隔离: {f} {r}" for f, r in rows)


def make_code() -> str:
    from etl.normalize.credit_code import make_credit_code

    return make_credit_code("91370212MA3C00040")


if __name__ == "__main__":
    sys.exit(main())
