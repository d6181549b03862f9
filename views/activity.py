"""Whether this process is serving a session right now, for background work that can wait.

The in-memory indexes of a new version are built in a background thread (views/state.py), a few
seconds of CPU in steps of 0.1–2 s on the large demo. A session's script run that meets a step
shares the two cores and the GIL with it: the first full render right after the server's
warm-up took 2.4–2.6 s instead of 2.0 s once the indexes were built (docs/ARCHITECTURE.md). So
each step waits until no run is in progress (``busy``: a session's script run, the warm-up) and
none ended in the last moment, and takes its turn anyway after ``LONGEST_WAIT_S``, so that
steady traffic still gets the indexes built.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

SETTLE_S = 0.3  # quiet for this long after a run ended (a page's follow-up rerun comes sooner)
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


def active() -> int:
    return _process.active()


def wait_quiet(settle: float = SETTLE_S, longest: float = LONGEST_WAIT_S) -> float:
    """``Activity.wait_quiet`` of this process."""
    return _process.wait_quiet(settle, longest)
