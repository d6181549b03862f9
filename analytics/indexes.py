"""The in-memory counts of a published version, built before the first request needs them.

``analytics.map_index`` (人才地图), ``analytics.talent_index`` (人才集群),
``analytics.overseas.persons_abroad`` (the 海外人才库 beside the map) and
``analytics.chain_index`` (产业链) are built by the first request after a publish that needs
them: 2–4 s each on the large demo, paid by whoever asks first.
``build`` builds them now, in whatever thread calls it (the dashboard calls it in the
background when it sees a new published version; views/state.py). A request arriving meanwhile
waits on the same build (each index builds under its own lock) rather than building again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from analytics import chain_index, map_index, overseas, talent_index
from analytics import queries as q
from store.reader import Reader


def build(reader: Reader, year: int | None = None,
          between: Callable[[], float] | None = None) -> dict[str, float | str]:
    """Build every in-memory index of the reader's published version; ``year``: the year whose
    chain matrices to build (default: the default year the pages open on). ``between`` is
    called before each step and returns the seconds it waited (the dashboard's: until no
    session is being served, views/activity.py), reported as ``waited``. Returns each
    step's seconds, or its error (a failed step leaves the index to the first request, which
    builds it, or falls back to SQL, as before)."""
    report: dict[str, float | str] = {}
    waited = 0.0

    def step(name: str, fn) -> None:
        nonlocal waited
        if between is not None:
            waited += between()
            report["waited"] = round(waited, 3)
        started = time.perf_counter()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a warm build never fails a request
            report[name] = f"{type(e).__name__}: {e}"
            return
        report[name] = round(time.perf_counter() - started, 3)

    step("map_index", lambda: map_index.get(reader))
    step("talent_index", lambda: talent_index.get(reader))
    step("overseas pool", lambda: overseas.persons_abroad(reader))
    step("chain places", lambda: chain_index.places(reader))
    step("chain persons", lambda: chain_index.persons(reader))
    step("chain moves", lambda: chain_index.moves(reader))
    if chain_index.ENABLED:
        step("chain year", lambda: chain_index.year_facts(
            reader, q.default_year(reader) if year is None else year))
    return report
