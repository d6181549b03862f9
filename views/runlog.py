"""Per-run timing log for operators (setting ``run_log``): one JSON line per script run.

Each line: ``{"at", "session", "page", "ms", "outcome"}`` where ``outcome`` is ``ok``, or the
name of the exception that ended the run (``RerunException`` when a newer interaction of the
same user replaced it, ``StopException`` for ``st.stop()``, anything else is an error). It tells
what the server spent on each interaction, apart from the browser's own rendering time —
``bench/concurrent_users.py`` reads it. Off (empty path) by default.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import streamlit as st

import settings

_LOCK = threading.Lock()


def timed(run: Callable[[], str | None]) -> None:
    """Call ``run`` (which returns the page's url path) and log how long it took."""
    path = str(settings.get("run_log") or "")
    if not path:
        run()
        return
    session = st.session_state.setdefault("_run_log_session", uuid.uuid4().hex[:12])
    page, outcome, started = None, "ok", time.perf_counter()
    try:
        page = run()
    except BaseException as e:  # logged, then re-raised: Streamlit's reruns are exceptions too
        outcome = type(e).__name__
        raise
    finally:
        line = json.dumps({"at": dt.datetime.now().isoformat(timespec="milliseconds"),
                           "session": session, "page": page,
                           "ms": round((time.perf_counter() - started) * 1000, 1),
                           "outcome": outcome}, ensure_ascii=False)
        with _LOCK, open(Path(path), "a", encoding="utf-8") as f:
            f.write(line + "\n")


def in_fragment_run() -> bool:
    """Whether this run is a fragment's own rerun (st.fragment), not the whole page's: the
    page's run is logged by dashboard.py, a fragment's by the fragment (``timed``)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)

