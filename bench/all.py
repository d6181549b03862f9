"""Every benchmark at one scale against one warehouse, one table with the ratios (issue 18).
Not a test: run it by hand.

    python3 bench/all.py --db /tmp/large.duckdb --scale large --quick
    python3 bench/all.py --db /tmp/medium.duckdb --scale medium --skip etl
    python3 bench/all.py --db /tmp/medium.duckdb --browser          # also the browser benches

Each bench runs as a subprocess (``sys.executable bench/X.py ...``) and hands its figures over
as JSON (bench/dashboard.py and bench/etl.py write theirs under bench/results/, the others take
``--json``; the browser benches' printed lines are read). Medians (p50) and p95 are the benches'
own, with the floor each measures in the same run: DuckDB's bare aggregate of the same data.
A bench that fails or times out is a row saying so; the others still run. ``--quick`` runs
fewer interactions (at least 5 runs where a median is taken over repeats). ETL generates its
own data at ``--scale``; every other bench reads ``--db`` (read-only).

Targets (issue 18): a talent-map filter change ≤ 3× the floor at p50; bytes per interaction
≤ 15 KB at most; clusters p95 ≤ 250 ms; chain status + 招引 + flows ≤ 8× the floor; the
34-province heatmap ≤ 150 ms; ETL of 1M rows to published ≤ 15 s.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Target:
    """A limit on one of a row's figures: ``on`` is 'p50', 'p95', 'max' or 'ratio'."""
    on: str
    limit: float
    text: str

    def met(self, row: Row) -> bool | None:
        value = row.ratio if self.on == "ratio" else getattr(row, self.on)
        return None if value is None else value <= self.limit


TARGETS = {
    "filter": Target("ratio", 3.0, "≤ 3× floor at p50"),
    "bytes": Target("max", 15.0, "max ≤ 15 KB"),
    "clusters": Target("p95", 250.0, "p95 ≤ 250 ms"),
    "chain": Target("ratio", 8.0, "≤ 8× floor at p50"),
    "heatmap": Target("p50", 150.0, "p50 ≤ 150 ms"),
    "etl": Target("p50", 15.0, "published ≤ 15 s"),
    "sessions": Target("p95", 300.0, "p95 ≤ 300 ms"),
}


@dataclass
class Row:
    interaction: str
    p50: float | None = None
    p95: float | None = None
    floor_p50: float | None = None
    unit: str = "ms"
    target: Target | None = None
    max: float | None = None      # shown in the p95 column as "max …" where there is no p95
    error: str | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.p50 is None or not self.floor_p50:
            return None
        return self.p50 / self.floor_p50

    @property
    def met(self) -> bool | None:
        return None if self.error or self.target is None else self.target.met(self)


# -- reading each bench's figures (pure: fed with a bench's JSON or printed text) ---------------
def rows_dashboard(data: dict) -> list[Row]:
    rows = [
        # the floor: the bare aggregate on the fact table (persons per child region)
        Row("talent map: filter change (server work)", data["server_ms_p50"],
            data["server_ms_p95"], data.get("fact_floor_ms_p50"), target=TARGETS["filter"],
            note="floor: persons per child region from talent_person, same filters"),
        Row("talent map: filter change vs the mart's bare sum", data["server_ms_p50"],
            data["server_ms_p95"], data["floor_ms_p50"],
            note="stricter floor: sum over mart_talent_supply, no filters; no target"),
        Row("talent map: Streamlit rerun (AppTest)", data["apptest_ms_p50"],
            data["apptest_ms_p95"], data["floor_ms_p50"], note="whole page rerun; no target"),
    ]
    svg = "svg_bytes_max" in data  # then the default renderer's (map_renderer=svg) has the target
    if svg:
        rows.append(Row("talent map: bytes per interaction (SVG map, default)",
                        data["svg_bytes_p50"] / 1024, None, None, "KB", TARGETS["bytes"],
                        max=data["svg_bytes_max"] / 1024,
                        note="the component's data and the ranking; shapes fetched once, apart"))
    rows.append(Row("talent map: bytes per interaction (plotly map)", data["bytes_p50"] / 1024,
                    None, None, "KB", None if svg else TARGETS["bytes"],
                    max=data["bytes_max"] / 1024,
                    note="map_renderer=plotly_chart: the figure's JSON and the ranking; "
                         "geometry sent once per map, apart"))
    if data.get("browser"):
        br = data["browser"]
        warm = sorted(br.get("warm_s") or [])
        rows.append(Row("landing page first render (browser, warm)",
                        warm[len(warm) // 2] if warm else None, None, None, "s",
                        note=f"cold {br['first_cold_s']:.2f} s"))
    return rows


def rows_chain(data: dict) -> list[Row]:
    return [Row("chain status + 招引 + flows", data["p50_ms"], data["p95_ms"],
                data["floor_p50_ms"], target=TARGETS["chain"])]


def rows_clusters(data: dict) -> list[Row]:
    return [Row(f"clusters ({data['cases']} filter sets)", data["p50_ms"], data["p95_ms"],
                data.get("floor_p50_ms"), target=TARGETS["clusters"], max=data.get("max_ms"),
                note="" if data.get("floor_p50_ms") else "no floor measured"),
            Row("clusters: talent table of the biggest", data["table_median_ms"],
                note="median of 5; no target")]


def rows_heatmap(data: dict) -> list[Row]:
    ways, floor = data["ways"], data["ways"]["floor"]["p50_ms"]
    n, scope = data["regions"], data.get("scope", "provinces")
    rows = [Row(f"heatmap: {n} {scope}, one query", ways["one query"]["p50_ms"],
                ways["one query"]["p95_ms"], floor, target=TARGETS["heatmap"])]
    for way in ("old batched", "per region"):
        if way in ways:
            rows.append(Row(f"heatmap: {n} {scope}, {way} (before)", ways[way]["p50_ms"],
                            ways[way]["p95_ms"], floor, note="for comparison"))
    return rows


def rows_etl(data: dict) -> list[Row]:
    kinds = data["kinds"]
    rows = sum(k["rows"] for k in kinds)
    floors = [k["floor_s"] for k in kinds if k.get("floor_s")]
    return [Row(f"ETL ({data['scale']}): {rows:,} rows → published", data["total_s"], None,
                sum(floors) if floors else None, "s", TARGETS["etl"],
                note=f"median of {data['runs']}; floor: DuckDB reading the files")]


NUMBER = r"([0-9][0-9,]*(?:\.[0-9]+)?)"


def _f(text: str) -> float:
    return float(text.replace(",", ""))


def _num(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text)
    return _f(m.group(1)) if m else None


def rows_concurrent(text: str) -> list[Row]:
    """bench/concurrent_users.py's printed lines (the floor: one session alone, same server)."""
    server = re.search(rf"server script runs:.*?p50 {NUMBER} ms, p95 {NUMBER} ms", text)
    alone = re.search(rf"baseline, one session alone.*?p50 {NUMBER} ms", text)
    browser = re.search(rf"browser \(click → results received\): p50 {NUMBER} ms, "
                        rf"p95 {NUMBER} ms", text)
    errors = _num(r"interactions .*?, ([0-9]+) errors", text)
    if not server:
        raise ValueError("no 'server script runs' line")
    rows = [Row("concurrent users: server script run", _f(server.group(1)),
                _f(server.group(2)), _f(alone.group(1)) if alone else None,
                note=f"floor: one session alone; {errors or 0:.0f} errors")]
    if browser:
        rows.append(Row("concurrent users: click → results", _f(browser.group(1)),
                        _f(browser.group(2))))
    return rows


def rows_protocol(data: dict) -> list[Row]:
    """bench/protocol_users.py's figures (the floor: one session alone, same server)."""
    n = data["sessions"]
    return [Row(f"{n} sessions (protocol clients): server script run", data["server_p50_ms"],
                data["server_p95_ms"], data["alone_server_p50_ms"], target=TARGETS["sessions"],
                note=f"floor: one session alone; {data['interactions']} interactions, "
                     f"{data['errors']} errors"),
            Row(f"{n} sessions (protocol clients): change sent → results",
                data["wait_p50_ms"], data["wait_p95_ms"], data["alone_wait_p50_ms"],
                note="floor: one session alone")]


def rows_first_run(text: str) -> list[Row]:
    drawn = _num(rf"national map drawn {NUMBER} s", text)
    if drawn is None:
        raise ValueError("no 'national map drawn' line")
    return [Row("first run: run command → national map", drawn, unit="s",
                note="fresh clone, demo built")]


def rows_screen_soak(data: dict) -> list[Row]:
    rss, heap = data["rss_mb"], data["heap_mb"]
    return [Row(f"screen soak ({data['minutes']:g} min): server RSS slope",
                rss["slope_mb_per_hour"], unit="MB/h", max=rss["max"],
                note=f"JS heap slope {heap['slope_mb_per_hour']} MB/h; "
                     f"{len(data.get('errors', []))} page errors")]


# -- the benches -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bench:
    name: str
    argv: Callable[[argparse.Namespace, Path], list[str]]   # (options, JSON file) → arguments
    rows: Callable                                           # JSON dict or printed text → rows
    reads: str = "json"                                      # 'json' or 'stdout'
    json_at: Callable[[argparse.Namespace], Path] | None = None  # a file the bench names itself
    browser: bool = False


def _runs(a, full: int, quick: int) -> list[str]:
    return ["--runs", str(quick if a.quick else full)]


BENCHES = [
    Bench("dashboard", lambda a, out: ["--db", a.db, *_runs(a, 60, 15),
                                       *(["--browser"] if a.browser else [])],
          rows_dashboard,
          json_at=lambda a: RESULTS / f"dashboard-{Path(a.db).stem}-"
                                      f"{Path(a.db).parent.name}.json"),
    Bench("chain", lambda a, out: [a.db, *_runs(a, 40, 10), "--json", str(out)], rows_chain),
    Bench("clusters", lambda a, out: [a.db, "--json", str(out)], rows_clusters),
    Bench("heatmap", lambda a, out: [a.db, *_runs(a, 7, 5), "--json", str(out)], rows_heatmap),
    Bench("etl", lambda a, out: ["--scale", a.scale, *_runs(a, 3, 1)], rows_etl,
          json_at=lambda a: RESULTS / f"etl-{a.scale}.json"),
    Bench("protocol_users", lambda a, out: [
        "--db", a.db, "--sessions", "20", "--no-publish", "--json", str(out),
        *(["--seconds", "60", "--baseline-seconds", "15"] if a.quick else [])], rows_protocol),
    Bench("concurrent_users", lambda a, out: [
        "--db", a.db, *(["--sessions", "10", "--seconds", "60", "--baseline-seconds", "20"]
                        if a.quick else [])], rows_concurrent, reads="stdout", browser=True),
    Bench("screen_soak", lambda a, out: ["--db", a.db, "--minutes", "3" if a.quick else "10",
                                         "--sample", "15", "--out", str(out)],
          rows_screen_soak, browser=True),
    Bench("first_run", lambda a, out: [], rows_first_run, reads="stdout", browser=True),
]


def run_bench(b: Bench, a: argparse.Namespace, tmp: Path) -> list[Row]:
    """Run one bench; a failure (exit code, timeout, figures missing) is a row saying so."""
    out = b.json_at(a) if b.json_at else tmp / f"{b.name}.json"
    cmd = [sys.executable, str(ROOT / "bench" / f"{b.name}.py"), *b.argv(a, out)]
    print(f"[all] {b.name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    started = time.time()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return [Row(b.name, error=f"timed out after {a.timeout:.0f} s")]
    took = time.time() - started
    print(f"[all] {b.name}: exit {proc.returncode} after {took:.0f} s", file=sys.stderr,
          flush=True)
    if proc.stdout.strip():
        print(proc.stdout.rstrip(), file=sys.stderr, flush=True)
    return rows_from(b, proc.returncode, proc.stdout, proc.stderr, out, started)


EXCEPTION = re.compile(r"^[\w.]*(?:Error|Exception|Exit)\b.*")


def failure_line(text: str) -> str:
    """The line that says why a bench failed: the last exception line of a traceback (DuckDB's
    messages go on for lines after it), else the last line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    found = [line for line in lines if EXCEPTION.match(line)]
    return found[-1] if found else lines[-1] if lines else "no output"


def rows_from(b: Bench, code: int, stdout: str, stderr: str, out: Path | None,
              started: float) -> list[Row]:
    """A finished bench's rows, or one failure row (pure but for reading ``out``)."""
    if code != 0:
        return [Row(b.name, error=f"exit {code}: {failure_line(stderr or stdout)[:120]}")]
    try:
        if b.reads == "stdout":
            return b.rows(stdout)
        if out is None or not out.exists() or out.stat().st_mtime < started:
            raise ValueError(f"no figures written to {out}")
        return b.rows(json.loads(out.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as e:
        return [Row(b.name, error=f"figures unreadable: {e}")]


# -- the table ---------------------------------------------------------------------------------
HEAD = ("interaction", "p50", "p95", "floor p50", "ratio p50/floor", "target", "met?")


def _fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    digits = (0 if v >= 100 else 1 if v >= 10 else 2) if unit in ("ms", "s") else 1
    return f"{v:,.{digits}f} {unit}"


def cells(row: Row) -> list[str]:
    if row.error:
        return [row.interaction, "—", "—", "—", "—", "—", f"FAILED: {row.error}"]
    p95 = _fmt(row.p95, row.unit) if row.p95 is not None else (
        f"max {_fmt(row.max, row.unit)}" if row.max is not None else "—")
    met = {True: "yes", False: "NO", None: "—"}[row.met]
    return [row.interaction, _fmt(row.p50, row.unit), p95, _fmt(row.floor_p50, row.unit),
            "—" if row.ratio is None else f"{row.ratio:.1f}×",
            row.target.text if row.target else "—", met]


def width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(rows: list[Row]) -> str:
    """A pipe table (Markdown), aligned for a terminal."""
    body = [list(HEAD), *(cells(r) for r in rows)]
    w = [max(width(line[i]) for line in body) for i in range(len(HEAD))]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(v + " " * (w[i] - width(v)) for i, v in enumerate(values)) + " |"

    out = [line(body[0]), "|" + "|".join("-" * (x + 2) for x in w) + "|"]
    out += [line(v) for v in body[1:]]
    notes = [f"- {r.interaction}: {r.note}" for r in rows if r.note and not r.error]
    return "\n".join(out + ([""] + notes if notes else []))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True, help="the warehouse every bench but ETL reads")
    ap.add_argument("--scale", default="small", choices=("small", "medium", "large"),
                    help="the demo scale ETL generates and loads")
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    ap.add_argument("--browser", action="store_true",
                    help="also the browser benches (concurrent users, screen soak, first run)")
    ap.add_argument("--skip", action="append", default=[], metavar="BENCH",
                    help="leave a bench out (repeatable): " + ", ".join(b.name for b in BENCHES))
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per bench")
    ap.add_argument("--json", default=None, help="also write the rows here")
    a = ap.parse_args(argv)
    a.db = str(Path(a.db).resolve())
    chosen = [b for b in BENCHES if b.name not in a.skip and (a.browser or not b.browser)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for b in chosen:
            rows += run_bench(b, a, Path(tmp))
    print(f"\n{a.db} · ETL at {a.scale}" + (" · quick" if a.quick else "")
          + (f" · skipped: {', '.join(a.skip)}" if a.skip else ""))
    print(table(rows))
    if a.json:
        Path(a.json).write_text(json.dumps(
            [{**asdict(r), "ratio": r.ratio, "met": r.met} for r in rows], ensure_ascii=False,
            indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
