"""Shared by the benches: peak memory of a whole process tree, and rows counted where they land.

A load parses each file in a child of a fork server, so the loading process's own peak RSS
(what ``/usr/bin/time -v`` reports) misses the parser. ``run_tree`` samples the summed RSS of
the command and all its descendants from /proc and reports the peak.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import duckdb


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    kids, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(kids.get(pid, []))
    return total


def run_tree(cmd: list[str], *, interval: float = 0.1, **kw) -> tuple[int, float, float, str]:
    """Run ``cmd``; return (exit code, peak summed RSS of its process tree in MB, seconds,
    stderr)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    peak = 0
    import threading

    out: dict[str, str] = {}
    reader = threading.Thread(target=lambda: out.update(
        zip(("stdout", "stderr"), proc.communicate(), strict=True)))
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(interval)
    reader.join()
    return proc.returncode, peak / 1024, time.perf_counter() - t0, out.get("stderr", "")


TABLE_OF_KIND = {"enterprise": "enterprise", "talent": "talent", "posting": "job_posting",
                 "move": "talent_move", "indicator": "region_indicator"}


def rows_at_destination(db: Path) -> list[tuple]:
    """Per loaded batch: (file, kind, rows recorded, rows present in its fact table now, rows
    replaced since by a later batch), present counted by scanning the published file. Raises
    SystemExit unless present = recorded - replaced."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        batches = con.execute(
            "SELECT l.batch_id, l.file, l.kind, l.rows_loaded, coalesce(b.rows_replaced, 0) "
            "FROM load_batch l LEFT JOIN batch_rows b ON b.batch_id = l.batch_id AND "
            "b.table_name <> 'talent_contact' WHERE l.status = 'loaded' ORDER BY 1").fetchall()
        out = []
        for batch_id, file, kind, recorded, replaced in batches:
            table = TABLE_OF_KIND[kind]
            present = con.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?",  # noqa: S608
                                  [batch_id]).fetchone()[0]
            out.append((Path(file).name, kind, recorded, present, replaced))
    finally:
        con.close()
    bad = [r for r in out if r[2] - r[4] != r[3]]
    if bad:
        raise SystemExit(f"rows lost: {bad}")
    return out
