"""Numbers of the dashboard's views, and operator commands on its own data.

    python -m analytics map|chain|flows|kpis --region ADCODE [--year Y] [--nodes T01,T05]
        [--tiers A,B] [--metric M] [--role planner|analyst|recruiter|admin] [--format csv|json]
        [--db PATH]
    python -m analytics audit-verify [--app-db PATH]
    python -m analytics alerts [--since VERSION] [--format csv|json] [--role R] [--evaluate]
        [--db PATH] [--app-db PATH]

``map`` … ``kpis`` print the numbers the page shows to that role (default planner: small counts
'<5', what they would give away '保密'), from the same functions (analytics/numbers.py);
columns in docs/metrics.md.

``alerts`` evaluates the 风险预警 rules on the published version if that was not done yet
(docs/alerts.md) and prints the alerts that role may see (default planner: none that speaks of
fewer than k people), newest first; ``--since`` keeps those opened, still true or resolved at or
after a version; ``--evaluate`` only evaluates and says how many alerts are open. For scheduled
jobs: exit code 0, or 1 when the warehouse is missing.

``audit-verify`` checks the audit log's hash chain (access/appdb.py) and names the first
broken row; exit code 0 when the chain holds, 1 when it does not. It takes no lock: the
dashboard keeps writing while it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import settings
from access import appdb


def _numbers(args) -> int:
    from analytics import numbers
    from analytics.filters import METRICS, Filters
    from store.reader import Reader

    db = Path(args.db) if args.db else settings.path("db_path")
    if not db.exists():
        print(f"错误: {db}: 尚未发布数据库 (python -m etl demo 或 python -m etl load …)",
              file=sys.stderr)
        return 1
    split = lambda v: tuple(x.strip() for x in (v or "").split(",") if x.strip())  # noqa: E731
    if args.metric not in METRICS:
        print(f"错误: 未知指标 {args.metric!r}; 可选: {', '.join(METRICS)}", file=sys.stderr)
        return 1
    reader = Reader(db)
    from analytics import queries as q

    if args.region != "100000" and not q.region_info(reader, args.region):
        print(f"错误: 未知地区代码: {args.region}", file=sys.stderr)
        return 1
    f = Filters(region=args.region, year=args.year, nodes=split(args.nodes),
                tiers=split(args.tiers), metric=args.metric)
    try:
        df = numbers.table(reader, args.cmd, f, args.role)
    except ValueError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        rows = json.loads(df.to_json(orient="records", force_ascii=False))
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        from store.spreadsheet import neutralise_frame

        sys.stdout.write(neutralise_frame(df).to_csv(index=False))
    return 0


ALERT_COLUMNS = {"severity": "严重程度", "state": "状态", "rule_name": "规则", "region": "地区代码",
                 "node_id": "环节", "reason": "原因", "first_version": "首次出现版本",
                 "last_version": "最近成立版本", "resolved_version": "解除版本", "link": "查看"}


def _alerts(args) -> int:
    from access import alert_store
    from access.users import small_cell_k
    from analytics import alerts
    from store.reader import Reader

    db = Path(args.db) if args.db else settings.path("db_path")
    if not db.exists():
        print(f"错误: {db}: 尚未发布数据库", file=sys.stderr)
        return 1
    reader = Reader(db)
    done = alerts.evaluate(reader, args.app_db, settings.get("home_region"))
    table = alerts.table(alert_store.alerts(args.app_db, since=args.since))
    if args.evaluate:
        open_ = int((table["state"] != "已解除").sum()) if len(table) else 0
        print(f"风险预警: 版本 {reader.version} {'已评估' if done else '此前已评估'}; "
              f"未解除 {open_} 条", file=sys.stderr)
        return 0
    shown = alerts.visible(table, small_cell_k(args.role, settings.get("small_cell_k")))
    out = shown.reindex(columns=list(ALERT_COLUMNS)).rename(columns=ALERT_COLUMNS)
    if args.format == "json":
        print(json.dumps(json.loads(out.to_json(orient="records", force_ascii=False)),
                         ensure_ascii=False, indent=1))
    else:
        from store.spreadsheet import neutralise_frame

        sys.stdout.write(neutralise_frame(out).to_csv(index=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    from access.users import ROLES
    from analytics.numbers import VIEWS

    ap = argparse.ArgumentParser(prog="python -m analytics")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for view in VIEWS:
        p = sub.add_parser(view, help=f"the numbers of the {view} view, as the page shows them")
        p.add_argument("--region", default="100000", help="行政区划代码 (默认 100000 全国)")
        p.add_argument("--year", type=int, help="统计年份 (默认: 页面的默认年份)")
        p.add_argument("--nodes", help="产业链环节, 逗号分隔, 如 T01,T05")
        p.add_argument("--tiers", help="人才层次, 逗号分隔, 如 A,B")
        p.add_argument("--metric", default="talents", help="map: 排序指标")
        p.add_argument("--role", default="planner", choices=ROLES,
                       help="按哪个角色的可见范围输出 (默认 planner)")
        p.add_argument("--format", default="csv", choices=("csv", "json"))
        p.add_argument("--db", help="数据库文件 (默认设置 db_path)")
    verify = sub.add_parser("audit-verify", help="verify the audit log's hash chain")
    verify.add_argument("--app-db", default=str(settings.path("app_db_path")),
                        help="the app database (its log is <name>.audit.jsonl beside it) "
                             "or the .jsonl log itself; default: the setting app_db_path")
    al = sub.add_parser("alerts", help="风险预警: evaluate the published version, list alerts")
    al.add_argument("--since", help="only alerts opened, still true or resolved since VERSION")
    al.add_argument("--format", default="csv", choices=("csv", "json"))
    al.add_argument("--role", default="planner", choices=ROLES,
                    help="按哪个角色的可见范围输出 (默认 planner)")
    al.add_argument("--evaluate", action="store_true", help="only evaluate; print a summary")
    al.add_argument("--db", help="数据库文件 (默认设置 db_path)")
    al.add_argument("--app-db", default=str(settings.path("app_db_path")),
                    help="the app database (alerts are kept beside it); default app_db_path")
    args = ap.parse_args(argv)
    if code := settings.invalid_for_cli():
        return code
    if args.cmd in VIEWS:
        return _numbers(args)
    if args.cmd == "alerts":
        return _alerts(args)
    ok, broken, message = appdb.verify_chain(args.app_db)
    print(f"{appdb.log_path(args.app_db)}: {message}", file=sys.stdout if ok else sys.stderr)
    if not ok and broken is not None:
        print(f"first broken seq: {broken}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
