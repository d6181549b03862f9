"""Sign-in failure counters shared by every dashboard process on the machine (setting
``signin_limits_shared``; ``python -m serve`` turns it on for its workers).

``users.SignInLimiter`` counts in the process: with N processes behind one address, a script
that spreads its guesses over them would get N times the attempts on a name. Here the same
counters live in SQLite beside ``app_db_path`` (``data/app/app.duckdb`` →
``data/app/app.signin.sqlite``), each begin / end / cancel one ``BEGIN IMMEDIATE`` transaction
on the rows of its keys, so the processes take turns and every one sees the others' failures
and lockouts; they also survive a restart. The limiter's own logic is ``SignInLimiter``'s,
unchanged: only where its counters are kept differs.

The clock is wall time (``time.time``), the one clock the processes share. A place reserved
by an attempt whose process died before its end is given back after ``STALE_S``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from access.users import SignInLimiter, _Counter

SUFFIX = ".signin.sqlite"
STALE_S = 600.0  # longer than any password check (signin_hash_wait_s + argon2)
_SCHEMA = """CREATE TABLE IF NOT EXISTS counters (
    kind TEXT NOT NULL, key TEXT NOT NULL,
    failures TEXT NOT NULL,      -- JSON list of failure times (wall clock)
    locked_until REAL NOT NULL,
    in_flight TEXT NOT NULL,     -- JSON list of the times places were reserved
    PRIMARY KEY (kind, key))"""


def store_path(app_db: Path | str) -> Path:
    p = Path(app_db)
    return p.with_name(p.stem + SUFFIX)


class SharedSignInLimiter(SignInLimiter):
    """``SignInLimiter`` whose counters are rows of a SQLite file."""

    def __init__(self, path: Path | str, clock: Callable[[], float] = time.time):
        super().__init__(clock)
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute(_SCHEMA)
        return con

    @contextlib.contextmanager
    def _state(self, keys: list[tuple[str, str]]) -> Iterator[dict[tuple[str, str], _Counter]]:
        now = self.clock()
        with self._lock, contextlib.closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                state, flights = {}, {}
                for k in dict.fromkeys(keys):
                    row = con.execute("SELECT failures, locked_until, in_flight FROM counters "
                                      "WHERE kind = ? AND key = ?", k).fetchone()
                    if row is None:  # as good as no counter (another process may remove a
                        state[k], flights[k] = _Counter(), []  # row between begin and end)
                        continue
                    live = [t for t in json.loads(row[2]) if now - t < STALE_S]
                    state[k] = _Counter(deque(json.loads(row[0])), row[1], len(live))
                    flights[k] = live
                yield state
                for k, c in state.items():
                    live = flights.get(k, [])
                    if c.in_flight > len(live):  # places reserved now
                        live = live + [now] * (c.in_flight - len(live))
                    else:  # places given back: the oldest first
                        live = live[len(live) - max(c.in_flight, 0):]
                    if not c.failures and not live and c.locked_until <= now:
                        con.execute("DELETE FROM counters WHERE kind = ? AND key = ?", k)
                    else:
                        con.execute("INSERT OR REPLACE INTO counters VALUES (?, ?, ?, ?, ?)",
                                    (*k, json.dumps(list(c.failures)), c.locked_until,
                                     json.dumps(live)))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def reset(self) -> None:
        with self._lock, contextlib.closing(self._connect()) as con:
            con.execute("DELETE FROM counters")


_SHARED: dict[Path, SharedSignInLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared(app_db: Path | str) -> SharedSignInLimiter:
    """The process's limiter on the store beside ``app_db`` (one per path)."""
    path = store_path(app_db)
    with _SHARED_LOCK:
        if path not in _SHARED:
            _SHARED[path] = SharedSignInLimiter(path)
        return _SHARED[path]
