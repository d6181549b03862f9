"""Whether this process is serving a session right now, for background work that can wait.

The in-memory indexes of a new version are built in a background thread (views/state.py), a few
seconds of CPU in steps of 0.1–2 s on the large demo. A session's script run that meets a step
shares the two cores and the GIL with it: the first full render right after the server's
warm-up took 2.8–2.9 s instead of 1.9 s once the indexes were built (docs/ARCHITECTURE.md).
So in the server's first build (``first_build_waits``) each step waits until no run is in
progress (``busy``: a session's script run, the warm-up) and none ended in the last moment (the
first step, right after the warm-up: ``FIRST_SETTLE_S``, the time a visitor who opened the page
meanwhile takes to start a run), and takes its turn anyway after ``LONGEST_WAIT_S``, so that
steady traffic still gets the indexes built. A step already running is not interrupted: a
session arriving then still shares the cores with it. Later builds (a version published while
sessions are served) do not wait.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

SETTLE_S = 0.3  # quiet for this long after a run ended (a page's follow-up rerun comes sooner)
# before the first step, after the warm-up: a visitor who opened the page while the server
# started (or reloads it after a deploy) connects and starts a run within this time
FIRST_SETTLE_S = 2.0
LONGEST_WAIT_S = 10.0


class Activity:
    """Runs in progress and when the last one ended."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._last_end = float("-inf")

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a script run (or the warm-up) as in progress while the block runs."""
        with self._cond:
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._last_end = time.monotonic()
                self._cond.notify_all()

    def active(self) -> int:
        with self._cond:
            return self._active

    def wait_quiet(self, settle: float = SETTLE_S, longest: float = LONGEST_WAIT_S) -> float:
        """Block until no run is in progress and none ended in the last ``settle`` seconds, or
        for ``longest`` seconds at most; returns the seconds waited."""
        start = time.monotonic()
        with self._cond:
            while True:
                now = time.monotonic()
                left = longest - (now - start)
                if left <= 0:
                    break
                if self._active == 0:
                    quiet_for = now - self._last_end
                    if quiet_for >= settle:
                        break
                    self._cond.wait(min(left, settle - quiet_for))
                else:
                    self._cond.wait(left)
        return time.monotonic() - start


_process = Activity()  # this server process's


def busy():
    """``Activity.busy`` of this process."""
    return _process.busy()


def wait_quiet(settle: float = SETTLE_S, longest: float = LONGEST_WAIT_S) -> float:
    """``Activity.wait_quiet`` of this process."""
    return _process.wait_quiet(settle, longest)


def yielding(first_settle: float | None = None, settle: float | None = None,
             longest: float | None = None):
    """The wait for background work of several steps: the first waits for ``first_settle``
    seconds of quiet (default FIRST_SETTLE_S), the next ones for ``settle`` (SETTLE_S)."""
    first = FIRST_SETTLE_S if first_settle is None else first_settle
    then = SETTLE_S if settle is None else settle
    cap = LONGEST_WAIT_S if longest is None else longest
    calls = [0]

    def wait() -> float:
        calls[0] += 1
        return wait_quiet(first if calls[0] == 1 else then, cap)
    return wait


_first_lock = threading.Lock()
_first_build = True  # the process's first background build has not asked yet


def first_build_waits():
    """``yielding()`` for the process's first background build (the version the server started
    on: protect the first visitors), None for later ones. A version published while sessions
    are served is built at once, as they will all need it: waiting for quiet under steady
    traffic only left each session's first request to build it."""
    global _first_build
    with _first_lock:
        first, _first_build = _first_build, False
    return yielding() if first else None
