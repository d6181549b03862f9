"""Operator commands on the dashboard's own data.

    python -m analytics audit-verify [--app-db PATH]

``audit-verify`` checks the audit log's hash chain (analytics/appdb.py) and names the first
broken row; exit code 0 when the chain holds, 1 when it does not. It takes no lock: the
dashboard keeps writing while it runs.
"""

from __future__ import annotations

import argparse
import sys

import settings
from analytics import appdb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analytics")
    sub = ap.add_subparsers(dest="cmd", required=True)
    verify = sub.add_parser("audit-verify", help="verify the audit log's hash chain")
    verify.add_argument("--app-db", default=str(settings.path("app_db_path")),
                        help="the app database (its log is <name>.audit.jsonl beside it) "
                             "or the .jsonl log itself; default: the setting app_db_path")
    args = ap.parse_args(argv)
    ok, broken, message = appdb.verify_chain(args.app_db)
    print(f"{appdb.log_path(args.app_db)}: {message}", file=sys.stdout if ok else sys.stderr)
    if not ok and broken is not None:
        print(f"first broken seq: {broken}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
