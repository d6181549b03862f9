"""Fault injection for the crash tests, installed from the tests' side.

The production code has no test hooks: this module wraps the functions a load passes through
(``etl.warehouse``, ``etl.load``, ``etl.guard``, ``etl.transform``) so that the process dies
with SIGKILL — no cleanup, no ``finally`` — at one named point. A load run as

    python -m tests.faults POINT -- [python -m etl arguments]

is ``python -m etl …`` with that point armed. Points: ``locked``, ``staging-copied``,
``dimensions-loaded``, ``reading-<stem>``, ``transformed-<stem>``, ``upserted-<stem>``,
``committed-<stem>`` (``<stem>`` is the input file's name without extension), ``before-marts``,
``marts-built``, ``checks-passed``, ``staging-closed``, ``before-replace``, ``after-replace``.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path

FILE_POINTS = ("reading", "transformed", "upserted", "committed")
# point → (module: the warehouse or its os, function, die before or after it, on which call)
WAREHOUSE_POINTS = {
    "locked": ("warehouse", "remove_stale_staging", "before", "always"),
    "staging-copied": ("warehouse", "connect", "before", "staging"),
    "dimensions-loaded": ("warehouse", "load_dimensions", "after", "always"),
    "before-marts": ("warehouse", "build_marts", "before", "always"),
    "marts-built": ("warehouse", "build_marts", "after", "always"),
    "checks-passed": ("warehouse", "check_integrity", "after", "always"),
    "staging-closed": ("warehouse", "check_reconciled", "before", "always"),
    "before-replace": ("os", "replace", "before", "staging"),
    "after-replace": ("warehouse", "_fsync_dir", "before", "always"),
}
POINTS = tuple(WAREHOUSE_POINTS)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _around(module, name: str, *, before=None, after=None) -> None:
    """Replace ``module.name`` by a wrapper that may die before or after the real call."""
    real = getattr(module, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        if before is not None and before(*args, **kwargs):
            die()
        result = real(*args, **kwargs)
        if after is not None and after(*args, **kwargs):
            die()
        return result

    setattr(module, name, wrapper)


def install(point: str) -> None:
    """Arm one point in this process (an unknown point is an error, not a silent no-op)."""
    from etl import guard, load, transform, warehouse

    stage, _, stem = point.partition("-") if point.split("-")[0] in FILE_POINTS else (point, "", "")
    always = lambda *a, **k: True  # noqa: E731
    staging = lambda path, *a, **k: ".staging-" in str(path)  # noqa: E731
    current = {"stem": None}  # the file being read now (set when its reading starts)

    def reading(copy, path, *a, **k):
        current["stem"] = Path(path).stem
        return stage == "reading" and current["stem"] == stem

    if stage in FILE_POINTS:
        _around(guard, "iter_tables", before=reading)
        _around(transform, "transform",
                after=lambda *a, **k: stage == "transformed" and current["stem"] == stem)
        _around(load, "_write_quarantine",
                before=lambda con, batch, q, path, *a, **k: stage == "upserted"
                and Path(path).stem == stem)
        _around(load, "FileResult",
                after=lambda path, status, *a, **k: stage == "committed" and status == "loaded"
                and Path(path).stem == stem)
    elif point in WAREHOUSE_POINTS:
        target, name, when, test = WAREHOUSE_POINTS[point]
        _around(warehouse.os if target == "os" else warehouse, name,
                **{when: staging if test == "staging" else always})
    else:
        raise ValueError(f"unknown fault point {point!r}")


def command(point: str | None) -> list[str]:
    """The command prefix that runs ``python -m etl`` with ``point`` armed (None: unarmed)."""
    if point is None:
        return [sys.executable, "-m", "etl"]
    return [sys.executable, "-m", "tests.faults", point, "--"]


def main(argv: list[str]) -> int:
    point, sep, *rest = argv
    assert sep == "--", "usage: python -m tests.faults POINT -- ARGS"
    install(point)
    from etl.__main__ import main as etl_main

    return etl_main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
