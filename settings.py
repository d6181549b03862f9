"""Named settings: every threshold, tolerance and path the product uses, with its help text.

A setting is read from the environment variable ``TALENTMAP_<NAME>`` (upper case) when set,
otherwise its default applies. ``docs/settings.md`` lists them all; a test keeps it in step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", str(ROOT / "data" / "warehouse.duckdb"),
            "Published warehouse (DuckDB file) that the dashboard reads and `etl load` replaces."),
    Setting("app_db_path", str(ROOT / "data" / "app" / "app.duckdb"),
            "The dashboard's own small database (audit log, saved views), never the warehouse."),
    Setting("cache_dir", str(ROOT / "data" / "cache"),
            "Where simplified boundaries and the region table are cached (git-ignored)."),
    Setting("raw_dir", str(ROOT / "data" / "raw"),
            "Where `etl demo` writes the raw files it then loads."),
    Setting("pseudonym_key", "talentmap-dev-key",
            "Secret key for talent pseudonyms (HMAC of source and source id). Set your own in production."),
    Setting("default_source", "local",
            "Source name recorded on rows when `etl load` is not given --source."),
    Setting("tolerance_province", 0.02, "Simplification tolerance (degrees) for province shapes."),
    Setting("tolerance_city", 0.02, "Simplification tolerance (degrees) for city shapes."),
    Setting("tolerance_district", 0.005, "Simplification tolerance (degrees) for district shapes."),
    Setting("coordinate_precision", 4, "Decimal places kept in cached boundary coordinates."),
    Setting("small_cell_k", 5,
            "Aggregates of fewer than k people are shown as '<k' to roles that may not see individuals."),
    Setting("lq_missing", 0.5, "Chain node status 补链 (missing link) below this location quotient."),
    Setting("lq_stronghold", 1.2, "Chain node status 固链 (stronghold) at or above this location quotient."),
    Setting("lq_min_base", 20,
            "A location quotient of a region with fewer talents than this (all chain nodes) is "
            "low-confidence: shown in brackets, and it decides no status, gap score, heatmap "
            "colour or 招引 ranking."),
    Setting("sd_severe", 0.59, "Supply/demand ratio at or below this: severe shortage."),
    Setting("sd_shortage", 0.90, "Supply/demand ratio at or below this: shortage."),
    Setting("sd_balanced", 1.20, "Supply/demand ratio at or below this: balanced; above: surplus."),
    Setting("peer_cities", "北京市,上海市,深圳市,杭州市,苏州市,合肥市,济南市,青岛市",
            "Peer cities compared on the overview page (names or adcodes, comma separated)."),
    Setting("home_region", "370200", "The region the product is run for (default 青岛市)."),
    Setting("demo_scale", "small", "Scale of the demo built on first run when no warehouse exists."),
    Setting("stream_threshold_mb", 100,
            "A CSV larger than this (MB) is loaded in chunks, so memory stays bounded."),
    Setting("chunk_rows", 200_000, "Rows per chunk when a large CSV is streamed."),
    Setting("etl_memory_limit", "1GB",
            "DuckDB memory limit for a load (e.g. 1GB, 512MB); beyond it data spills to disk."),
    Setting("read_max_columns", 2_000,
            "A file with more columns than this is refused before it is parsed."),
    Setting("read_max_header_kb", 256,
            "A CSV whose header line is longer than this (KB) is refused before it is parsed."),
    Setting("read_max_depth", 64,
            "JSON nested deeper than this is refused (tables are flat; deep nesting crashes parsers)."),
    Setting("read_max_expanded_mb", 2_048,
            "An XLSX or Parquet file that would expand beyond this (MB) is refused (decompression bombs)."),
    Setting("read_memory_mb", 4_096,
            "Resident memory (MB) the process parsing one file may use; beyond it the file fails alone."),
    Setting("read_timeout_s", 600.0,
            "Seconds the parsing process may take to produce a file's next table before it is stopped."),
    Setting("role", "planner",
            "Role of the embedded local user when no sign-in is configured: planner, recruiter, "
            "analyst or admin."),
    Setting("allow_role_switch", True,
            "Let the embedded local user switch role in the sidebar 设置 expander; turn it off "
            "for shared deployments."),
    Setting("users_file", "",
            "TOML file of local users (argon2 password hashes and roles); when set, users sign in "
            "with a form. Empty: no local sign-in."),
    Setting("oidc_role_claim", "role",
            "Claim of the OIDC identity (st.login) that carries the user's role; the users file's "
            "[oidc_roles] table maps e-mail addresses to roles when the claim is absent."),
    Setting("audit_reason_min_chars", 6,
            "Minimum length of the reason a recruiter or admin must give to see contact details."),
    Setting("cluster_eps_km", 25.0,
            "Talent clusters: places whose centres are at most this many km apart are grouped "
            "(the eps of the density clustering)."),
    Setting("cluster_min_talents", 5,
            "Talent clusters: matching talents needed within eps of a place to start a cluster."),
    Setting("geojson_mode", "url",
            "How the map gets its shapes: 'url' (a static file the browser caches, sent once) or "
            "'inline' (inside every figure)."),
    Setting("run_log", "",
            "JSON-lines file where the dashboard logs each script run (session, page, ms, "
            "outcome) for operators and bench/concurrent_users.py. Empty: off."),
    Setting("min_fact_year", 1949,
            "Earliest year a fact may describe (founding, snapshot, posting, move dates and an "
            "indicator's year); an earlier one is quarantined. Birth years have their own range."),
    Setting("default_year_min_share", 0.1,
            "The default year is the latest whose talent records reach this share of the busiest "
            "year's, so a handful of stray late records cannot become everyone's default."),
    Setting("signin_max_failures", 5,
            "Failed sign-ins of one user name within signin_window_s that lock the name for "
            "signin_lockout_s (a locked attempt checks no password). 0: no limit."),
    Setting("signin_client_max_failures", 20,
            "Failed sign-ins from one client address, whatever the names, within signin_window_s "
            "that lock the address for signin_lockout_s. Behind a reverse proxy every user shares "
            "the proxy's address. 0: no limit."),
    Setting("signin_window_s", 900.0, "Seconds over which failed sign-ins are counted."),
    Setting("signin_lockout_s", 900.0,
            "Seconds a user name or client address stays locked after too many failed sign-ins."),
    Setting("signin_max_concurrent_hashes", 2,
            "Password checks (argon2id, 64 MiB of memory each) the dashboard process runs at "
            "once; further sign-ins wait for a free slot."),
    Setting("signin_hash_wait_s", 10.0,
            "Seconds a sign-in waits for a free password-check slot before it is refused with "
            "'busy, try again later'."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str):
    """Return the value of setting ``name``: environment override first, then default."""
    setting = _BY_NAME[name]
    raw = os.environ.get(f"TALENTMAP_{name.upper()}")
    if raw is None:
        return setting.default
    default = setting.default
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def path(name: str) -> Path:
    """A path-valued setting as a Path."""
    return Path(str(get(name)))
