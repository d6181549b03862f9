"""Command line: ``python -m etl load|demo|status|quarantine [--warnings]|maps``.

Failures exit non-zero with one clear line naming the file (and the row and field where that
applies); progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import settings
from etl import mapping


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_load(args) -> int:
    from etl.load import load_files, report_json

    try:
        report = load_files([Path(p) for p in args.paths], kind=args.kind,
                            mapping_file=Path(args.mapping) if args.mapping else None,
                            source=args.source, db_path=_db(args), progress=_progress)
    except Exception as e:
        if args.report_json:  # the dashboard reads it back (etl.load.load_files_isolated)
            Path(args.report_json).write_text(report_json(None, e), encoding="utf-8")
        raise
    if args.report_json:
        Path(args.report_json).write_text(report_json(report), encoding="utf-8")
    code = _summarise(report)
    _after_publish(report, _db(args))
    return code


def _after_publish(report, db: Path) -> None:
    """风险预警 right after a publish (setting alert_after_publish): ``python -m analytics
    alerts --evaluate`` in a child — etl does not import analytics (docs/ARCHITECTURE.md). Its
    failure never fails the load: the first reader of the version evaluates it then."""
    if not report.version or not settings.get("alert_after_publish"):
        return
    import subprocess

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "analytics", "alerts", "--evaluate", "--db",
                           str(db)], cwd=root, check=False, timeout=600)
    if done.returncode:
        _progress("提示: 风险预警未能评估 (将在首次查看该版本时评估)")


def _summarise(report) -> int:
    for f in report.files:
        if f.status == "failed":
            print(f"错误: {f.message}", file=sys.stderr)
        if f.unmapped:
            print(f"提示: {f.file}: 未映射的列 (未载入): {'、'.join(f.unmapped)}", file=sys.stderr)
        if f.absent:
            print(f"提示: {f.file}: 映射文件中的列在此文件中不存在: {'、'.join(f.absent)}",
                  file=sys.stderr)
    loaded = sum(f.rows_loaded for f in report.files)
    quarantined = sum(f.rows_quarantined for f in report.files)
    failed = sum(f.status == "failed" for f in report.files)
    print(f"{len(report.files)} 个文件: 载入 {loaded:,} 行, 隔离 {quarantined:,} 行, "
          f"失败 {failed} 个文件" + (f"; 已发布版本 {report.version}" if report.version else ""))
    return 0 if report.ok else 1


def cmd_demo(args) -> int:
    from etl.demo import demo_sources, generate
    from etl.load import load_files

    out = Path(args.out or settings.path("raw_dir")) / f"demo-{args.scale}-{args.seed}"
    t0 = time.perf_counter()
    files = generate(out, scale=args.scale, seed=args.seed,
                     progress=lambda m, f: _progress(f"生成 {f:4.0%} {m}"))
    _progress(f"生成完成 ({time.perf_counter() - t0:.1f} 秒): {out}")
    if args.no_load:
        for f in files:
            print(f)
        return 0
    report = load_files(files, source="demo", db_path=_db(args), progress=_progress,
                        sources=demo_sources(files))
    code = _summarise(report)
    _after_publish(report, _db(args))
    return code


def cmd_status(args) -> int:
    from store import connection
    from store import status as store_status

    db = _db(args)
    if not db.exists():
        print(f"错误: {db}: 尚未发布数据库; 先运行 python -m etl demo 或 python -m etl load …",
              file=sys.stderr)
        return 1
    con = connection.connect(db, read_only=True)
    try:
        st = store_status.status(con)
    finally:
        con.close()
    print(f"数据库: {db}")
    print(f"版本: {st['meta'].get('version')}  发布时间: {st['meta'].get('published_at')}")
    print("\n表行数:")
    for table, n in st["counts"].items():
        print(f"  {table:<22} {n:>12,}")
    print("\n最近的加载批次:")
    print(st["batches"].to_string(index=False) if len(st["batches"]) else "  (无)")
    if len(st["batches"]):
        print("  rows_loaded: 批次记录的载入行数; rows_present: 现在事实表中属于该批次的行数 (逐行清点);\n"
              "  rows_replaced: 之后的批次以相同主键 (更新的导出) 替换的行数. "
              "rows_present = rows_loaded - rows_replaced, 否则发布前的完整性检查不通过.")
    print("\n隔离原因:")
    print(st["quarantine"].to_string(index=False) if len(st["quarantine"]) else "  (无)")
    print("\n字段警告 (行已载入, 该字段为空):")
    print(st["warnings"].to_string(index=False) if len(st["warnings"]) else "  (无)")
    if len(st["warned_batches"]):
        print("  有字段警告的批次:")
        print(st["warned_batches"].to_string(index=False))
        print("  明细: python -m etl quarantine --warnings [--batch N] [--export FILE]")
    return 0


def cmd_quarantine(args) -> int:
    from store import connection

    db = _db(args)
    if not db.exists():
        print(f"错误: {db}: 尚未发布数据库", file=sys.stderr)
        return 1
    table = "field_warning" if args.warnings else "quarantine"
    con = connection.connect(db, read_only=True)
    try:
        if args.warnings and not con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'field_warning'"
        ).fetchall()[0][0]:
            print(f"错误: {db}: 这个数据库早于字段警告, 没有记录; 重新加载后即有", file=sys.stderr)
            return 1
        query = f"SELECT * FROM {table}"  # noqa: S608 - one of two constants
        params = []
        if args.batch is not None:
            query += " WHERE batch_id = ?"
            params.append(args.batch)
        df = con.execute(query + " ORDER BY batch_id, row_number, field", params).df()
    finally:
        con.close()
    if args.export:
        from store.spreadsheet import neutralise_frame

        out = Path(args.export)
        safe = neutralise_frame(df)  # raw text from the files: no cell may run as a formula
        if out.suffix.lower() == ".xlsx":
            safe.to_excel(out, index=False)
        else:
            safe.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"已导出 {len(df):,} 行到 {out}")
    else:
        empty = "(无字段警告)" if args.warnings else "(无隔离记录)"
        print(df.to_string(index=False, max_rows=200) if len(df) else empty)
    return 0


def cmd_maps(args) -> int:
    from maps.geometry import build_all

    t0 = time.perf_counter()
    build_all(progress=lambda m, f: _progress(f"{f:4.0%} {m}"))
    print(f"边界缓存已生成 ({time.perf_counter() - t0:.1f} 秒): {settings.path('cache_dir')}")
    return 0


def _db(args) -> Path:
    return Path(args.db) if args.db else settings.path("db_path")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m etl", description="人才地图 ETL")
    p.add_argument("--db", help=f"warehouse file (default {settings.get('db_path')})")
    sub = p.add_subparsers(dest="command", required=True)

    load = sub.add_parser("load", help="load CSV/TSV/XLSX/JSON/JSONL/Parquet files")
    load.add_argument("paths", nargs="+")
    load.add_argument("--kind", choices=mapping.KINDS, help="kind of records (inferred if absent)")
    load.add_argument("--mapping", help="column mapping file (JSON or CSV source,target)")
    load.add_argument("--source", help="source name recorded on rows and used for pseudonyms")
    load.add_argument("--report-json", help="also write the load's report (or error) as JSON here")
    load.set_defaults(func=cmd_load)

    demo = sub.add_parser("demo", help="generate demo raw files and load them")
    demo.add_argument("--scale", choices=("small", "medium", "large"), default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--out", help="folder for the raw files")
    demo.add_argument("--no-load", action="store_true", help="only write the raw files")
    demo.set_defaults(func=cmd_demo)

    st = sub.add_parser("status", help="what is published")
    st.set_defaults(func=cmd_status)

    q = sub.add_parser("quarantine", help="list or export quarantined rows (or field warnings)")
    q.add_argument("--batch", type=int)
    q.add_argument("--warnings", action="store_true",
                   help="the field warnings instead: rows loaded with a field left empty")
    q.add_argument("--export", help="write to FILE (.csv or .xlsx)")
    q.set_defaults(func=cmd_quarantine)

    m = sub.add_parser("maps", help="build the simplified boundary caches")
    m.set_defaults(func=cmd_maps)
    return p


def give_way(increment: int) -> None:
    """Lower this process's scheduling priority by ``increment`` (setting etl_nice), so that a
    load beside the dashboard takes the cores only when the dashboard does not need them: with
    20 sessions and a load publishing beside the server, the sessions' p95 rose to 368–500 ms
    (docs/ARCHITECTURE.md). Its children (the reader, DuckDB's threads) inherit it."""
    if increment > 0 and hasattr(os, "nice"):
        try:
            os.nice(increment)
        except OSError:  # not allowed here: run at the priority given
            pass


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if code := settings.invalid_for_cli():
        return code
    give_way(settings.get("etl_nice"))
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("已中断; 已发布的数据库未改变", file=sys.stderr)
        return 130
    except Exception as e:  # one clear line instead of a traceback for expected failures
        from etl.mapping import MappingError
        from etl.warehouse import PublishError

        if isinstance(e, PublishError | MappingError | OSError):
            print(f"错误: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
