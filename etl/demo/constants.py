"""Sizes, the snapshot date and the other fixed settings every part of the generator shares."""

from __future__ import annotations

from collections.abc import Callable

SCALES = {
    "small": dict(talents=5_000, enterprises=1_500, postings=5_000, moves=1_500),
    "medium": dict(talents=100_000, enterprises=20_000, postings=100_000, moves=30_000),
    "large": dict(talents=1_000_000, enterprises=100_000, postings=500_000, moves=200_000),
}
BAD_ROW_SHARE = 0.02
SNAPSHOT = "2024-12-31"
YEARS = (2021, 2022, 2023, 2024)
# small and medium talents go to XLSX (written directly: 100k rows in a few seconds);
# large (1M rows) is written as UTF-8 CSV with BOM instead (its sheet would be ~1 GB in memory).
XLSX_MAX_ROWS = 200_000
MANIFEST = "manifest.json"

Progress = Callable[[str, float], None]
