"""Sign-in under attack (issue #16): wrong passwords until the lockout, and the peak memory of N
concurrent sign-in attempts with the hash bound (signin_max_concurrent_hashes) against the same
attempts unbounded, measured in the same run.

    python3 bench/signin.py              # 50 concurrent attempts, 3 runs each
    python3 bench/signin.py --n 16 --runs 5

Each measurement is a fresh child process (its peak RSS, threads included), so one run's freed
memory does not hide the next one's peak.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, threading, time
from access import users
path, n = sys.argv[1], int(sys.argv[2])
out = {}
# 1. wrong passwords for one name until it is locked (one client per attempt: the name's limit)
tries = 0
while tries < 50:
    tries += 1
    r = users.attempt_sign_in(path, "zhang", "wrong password", client=f"c{tries}")
    if r.status == "locked" or "锁定" in (r.message or ""):
        break
out["attempts_until_lockout"] = tries
t0 = time.perf_counter()
after = users.attempt_sign_in(path, "zhang", "right password 1", client="other")
out["locked_attempt_status"] = after.status
out["locked_attempt_ms"] = round((time.perf_counter() - t0) * 1000, 1)
# 2. n concurrent attempts, each for its own name and client (no lockout involved)
results = []
def one(i):
    t = time.perf_counter()
    r = users.attempt_sign_in(path, f"u{i}", "wrong password", client=f"x{i}")
    results.append((r.status, time.perf_counter() - t))
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
t0 = time.perf_counter()
for th in threads: th.start()
for th in threads: th.join()
out["concurrent_seconds"] = round(time.perf_counter() - t0, 2)
out["statuses"] = {s: sum(1 for x, _ in results if x == s) for s in {x for x, _ in results}}
import resource
out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
"""


def measure(users_file: Path, n: int, max_hashes: int, wait_s: float) -> tuple[dict, int]:
    env = os.environ | {"TALENTMAP_SIGNIN_MAX_CONCURRENT_HASHES": str(max_hashes),
                        "TALENTMAP_SIGNIN_HASH_WAIT_S": str(wait_s),
                        "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(users_file), str(n)], env=env,
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    return info, info["peak_kb"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from access import users

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "users.toml"
        users.add_user(path, "zhang", "analyst", "right password 1")
        for i in range(args.n):
            users.add_user(path, f"u{i}", "planner", f"password {i:04d}")
        rows = {}
        for label, slots, wait in (("bounded (setting 2)", 2, 120.0),
                                   (f"unbounded ({args.n})", args.n, 120.0)):
            peaks, info = [], None
            for _ in range(args.runs):
                info, peak = measure(path, args.n, slots, wait)
                peaks.append(peak)
            rows[label] = (statistics.median(peaks), info)
    base = rows[f"unbounded ({args.n})"][0]
    print(f"{args.n} concurrent sign-in attempts, median of {args.runs} runs each")
    print("| hash slots | peak RSS (MB) | ratio to unbounded | wall time (s) | outcomes |")
    print("|---|---|---|---|---|")
    for label, (peak, info) in rows.items():
        print(f"| {label} | {peak / 1024:.0f} | {peak / base:.2f} | {info['concurrent_seconds']} "
              f"| {info['statuses']} |")
    info = next(iter(rows.values()))[1]
    print(f"\nwrong passwords until the name is locked: {info['attempts_until_lockout']}; "
          f"the next attempt (right password): {info['locked_attempt_status']} in "
          f"{info['locked_attempt_ms']} ms (no argon2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
