"""The medium demo against the published figures it is calibrated to (../shared/reference/
calibration.tsv), read where a user reads them: the numbers the dashboard shows (through
analytics.numbers, the functions behind the pages and ``python -m analytics``), nationally, in
the latest year. The table is printed (``pytest -s``) and kept in docs/demo-data.md."""

from __future__ import annotations

import pytest

from analytics import numbers
from analytics.filters import Filters
from etl.load import load_files
from store.reader import Reader

# (id, figure, published value, how the dashboard shows it, tolerance, kind)
# kind "ratio": relative tolerance; "share": absolute, in percentage points.
CHECKS = [
    ("C1", "算法研究员 供需比 → 机器学习 T07", 0.47, ("sd", "T07"), 0.15, "ratio"),
    ("C1", "AI工程师 供需比 → 通用大模型 T04", 0.61, ("sd", "T04"), 0.15, "ratio"),
    ("C1", "NLP 供需比 → 自然语言处理 T11", 0.66, ("sd", "T11"), 0.15, "ratio"),
    ("C1", "深度学习 供需比 → 深度学习框架 T01", 0.73, ("sd", "T01"), 0.15, "ratio"),
    ("C4", "云计算 供需比 → 云计算与边缘计算 F05", 0.27, ("sd", "F05"), 0.15, "ratio"),
    ("A5", "北京 占全国 AI 岗位 %", 19.1, ("postings", ("110000",)), 3.0, "share"),
    ("B2", "北京 占全国 AI 企业 %", 29.73, ("enterprises", ("110000",)), 3.0, "share"),
    ("A9", "北京+上海+深圳 占全国人才 % (2019, 参考)", 57.58,
     ("talents", ("110000", "310000", "440300")), None, "share"),
]


@pytest.fixture(scope="module")
def medium(tmp_path_factory):
    from etl.demo import demo_sources, generate

    root = tmp_path_factory.mktemp("medium")
    files = generate(root / "raw", scale="medium", seed=42)
    report = load_files(files, db_path=root / "w.duckdb", source="demo", sources=demo_sources(files))
    assert report.ok, report
    return Reader(root / "w.duckdb")


def dashboard_value(reader, how) -> float:
    kind, what = how
    if kind == "sd":
        chain = numbers.chain_table(reader, Filters(region="100000"), "planner")
        return float(chain.set_index("node_id").at[what, "sd_ratio"])
    nat = numbers.kpis_table(reader, Filters(region="100000"), "planner").iloc[0]
    part = sum(float(numbers.kpis_table(reader, Filters(region=c), "planner").iloc[0][kind])
               for c in what)
    return 100 * part / float(nat[kind])


def test_the_dashboard_reproduces_the_published_figures(medium):
    rows, misses = [], []
    for ident, figure, published, how, tol, kind in CHECKS:
        got = dashboard_value(medium, how)
        if tol is None:
            ok = "参考"
        else:
            off = abs(got / published - 1) if kind == "ratio" else abs(got - published)
            ok = "是" if off <= tol else "否"
            if ok == "否":
                misses.append((ident, figure, published, got))
        rows.append(f"| {ident} | {figure} | {published:g} | {got:.2f} | "
                    f"{'±' + (f'{tol:.0%}' if kind == 'ratio' else f'{tol:g} 点') if tol else '—'}"
                    f" | {ok} |")
    print("\n| id | figure | published | dashboard | tolerance | within |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    assert misses == []
    # The nodes the sources call short read as shortage (供需比 ≤ 0.90) on the page.
    chain = numbers.chain_table(medium, Filters(region="100000"), "planner").set_index("node_id")
    assert set(chain.loc[["T07", "T04", "T11", "T01", "F05"], "sd_band"]) <= {"严重紧缺", "紧缺"}
