"""Named settings: every threshold, tolerance and path the product uses, typed, with its help text.

A setting is read from the environment variable ``TALENTMAP_<NAME>`` (upper case) when set,
otherwise its default applies. Each has a type (that of its default), and may have choices or a
range; a value that does not fit raises ``SettingError`` naming the variable, the value and what
it accepts. ``check_all()`` runs at the start of the dashboard and of every CLI, so a mistyped
variable stops the program at once with that message instead of failing later somewhere else.
``docs/settings.md`` lists them all; a test keeps it in step.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class SettingError(ValueError):
    """A setting's environment variable holds a value it cannot take."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    choices: tuple[str, ...] | None = None
    min: float | None = None          # inclusive bounds of a number
    max: float | None = None
    pattern: str | None = None        # a text value must match this (re.fullmatch)
    pattern_help: str | None = None   # how the pattern reads to a user

    @property
    def env(self) -> str:
        return f"TALENTMAP_{self.name.upper()}"

    @property
    def kind(self) -> type:
        return type(self.default)

    def accepts(self) -> str:
        """What the setting accepts, as docs/settings.md and error messages say it."""
        if self.kind is bool:
            return "true/false (1/0, yes/no, on/off)"
        if self.choices:
            return " | ".join(self.choices)
        if self.kind in (int, float):
            word = "integer" if self.kind is int else "number"
            if self.min is not None and self.max is not None:
                return f"{word} {_num(self.min)}–{_num(self.max)}"
            if self.min is not None:
                return f"{word} ≥ {_num(self.min)}"
            return word
        return self.pattern_help or "text"

    def parse(self, raw: str):
        """The typed value of ``raw``, or SettingError naming the variable."""
        text = raw.strip()
        try:
            value = self._convert(text)
        except ValueError:
            raise SettingError(f"{self.env}={raw!r}: 应为 {self.accepts()}") from None
        if self.kind in (int, float) and (
                (self.min is not None and value < self.min)
                or (self.max is not None and value > self.max)):
            raise SettingError(f"{self.env}={raw!r}: 超出范围, 应为 {self.accepts()}")
        if self.choices:
            if value.lower() not in self.choices:
                raise SettingError(f"{self.env}={raw!r}: 应为 {self.accepts()}")
            value = value.lower()
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise SettingError(f"{self.env}={raw!r}: 格式不对, 应为 {self.accepts()}")
        return value

    def _convert(self, text: str):
        if self.kind is bool:
            if text.lower() in TRUE:
                return True
            if text.lower() in FALSE:
                return False
            raise ValueError(text)
        if self.kind is int:
            return int(text.replace("_", ""))
        if self.kind is float:
            value = float(text)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(text)
            return value
        return text


def _num(v: float) -> str:
    return f"{v:g}"


# The 大屏's scenes (views/screen.py draws them; the setting screen_scenes orders them).
SCREEN_SCENES = ("inflow", "city", "kpis", "chain", "gaps", "overseas")

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
    Setting("tolerance_province", 0.02, "Simplification tolerance (degrees) for province shapes.",
            min=0.0, max=1.0),
    Setting("tolerance_city", 0.02, "Simplification tolerance (degrees) for city shapes.",
            min=0.0, max=1.0),
    Setting("tolerance_district", 0.005, "Simplification tolerance (degrees) for district shapes.",
            min=0.0, max=1.0),
    Setting("coordinate_precision", 4, "Decimal places kept in cached boundary coordinates.",
            min=1, max=8),
    Setting("small_cell_k", 5,
            "Aggregates of fewer than k people are shown as '<k' to roles that may not see individuals.",
            min=1, max=100),
    Setting("lq_missing", 0.5, "Chain node status 补链 (missing link) below this location quotient.", min=0.0, max=100.0),
    Setting("lq_stronghold", 1.2, "Chain node status 固链 (stronghold) at or above this location quotient.",
            min=0.0, max=100.0),
    Setting("lq_min_base", 20,
            "A location quotient of a region with fewer talents than this (all chain nodes) is "
            "low-confidence: shown in brackets, and it decides no status, gap score, heatmap "
            "colour or 招引 ranking.", min=0),
    Setting("sd_severe", 0.59, "Supply/demand ratio at or below this: severe shortage.", min=0.0, max=100.0),
    Setting("sd_shortage", 0.90, "Supply/demand ratio at or below this: shortage.", min=0.0, max=100.0),
    Setting("sd_balanced", 1.20, "Supply/demand ratio at or below this: balanced; above: surplus.", min=0.0, max=100.0),
    Setting("link_threshold", 0.95,
            "Record linkage (无感档案): a pair of talent records at least this probable is one "
            "person.", min=0.5, max=1.0),
    Setting("link_review_threshold", 0.50,
            "Record linkage: a pair at least this probable (and below link_threshold) goes to "
            "the review queue (人员合并审核).", min=0.0, max=1.0),
    Setting("link_max_shared_key", 3,
            "Record linkage: a phone or e-mail held by more records than this links nothing "
            "by itself (a switchboard, hr@…).", min=2, max=100),
    Setting("link_review_recruiters", False,
            "Let recruiters review record pairs (人员合并审核) as well as admins."),
    Setting("alert_outflow_z", 2.0,
            "风险预警: a region's net flow this year below the earlier years' mean by more "
            "than this many standard deviations is an outflow alert.", min=0.0, max=10.0),
    Setting("alert_min_moves", 5,
            "风险预警: an outflow alert needs at least this many departures this year, and the net "
            "flow at least this far below the earlier mean.", min=1),
    Setting("alert_postings_drop", 0.5,
            "风险预警: a region-node's postings this year at or below (1 − this) × last year's is "
            "a collapse.", min=0.0, max=1.0),
    Setting("alert_min_postings", 10,
            "风险预警: a postings collapse needs at least this many postings last year.", min=1),
    Setting("alert_after_publish", True,
            "Evaluate the 风险预警 rules right after each publish by `python -m etl` (else the "
            "first reader of a new version evaluates them)."),
    Setting("peer_cities", "北京市,上海市,深圳市,杭州市,苏州市,合肥市,济南市,青岛市",
            "Peer cities compared on the overview page (names or adcodes, comma separated)."),
    Setting("home_region", "370200", "The region the product is run for (default 青岛市).",
            pattern=r"\d{6}", pattern_help="a 6-digit region code (行政区划代码)"),
    Setting("demo_scale", "small", "Scale of the demo built on first run when no warehouse exists.",
            choices=("small", "medium", "large")),
    Setting("stream_threshold_mb", 100,
            "A CSV larger than this (MB) is loaded in chunks, so memory stays bounded.", min=0),
    Setting("chunk_rows", 200_000, "Rows per chunk when a large CSV is streamed.", min=1),
    Setting("etl_memory_limit", "1GB",
            "DuckDB memory limit for a load (e.g. 1GB, 512MB); beyond it data spills to disk.",
            pattern=r"(?i)\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)",
            pattern_help="a size such as 1GB or 512MB"),
    Setting("read_max_columns", 2_000,
            "A file with more columns than this is refused before it is parsed.", min=1),
    Setting("read_max_header_kb", 256,
            "A CSV whose header line is longer than this (KB) is refused before it is parsed.", min=1),
    Setting("read_max_depth", 64,
            "JSON nested deeper than this is refused (tables are flat; deep nesting crashes parsers).",
            min=2),
    Setting("read_max_expanded_mb", 2_048,
            "An XLSX or Parquet file that would expand beyond this (MB) is refused (decompression bombs).",
            min=1),
    Setting("read_memory_mb", 4_096,
            "Resident memory (MB) the process parsing one file may use; beyond it the file fails alone.",
            min=64),
    Setting("read_timeout_s", 600.0,
            "Seconds the parsing process may take to produce a file's next table before it is stopped.",
            min=0.001),
    Setting("role", "planner",
            "Role of the embedded local user when no sign-in is configured: planner, recruiter, "
            "analyst or admin.", choices=("planner", "recruiter", "analyst", "admin")),
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
            "Minimum length of the reason a recruiter or admin must give to see contact details.",
            min=0, max=200),
    Setting("cluster_eps_km", 25.0,
            "Talent clusters: places whose centres are at most this many km apart are grouped "
            "(the eps of the density clustering).", min=1.0, max=500.0),
    Setting("cluster_min_talents", 5,
            "Talent clusters: matching talents needed within eps of a place to start a cluster.",
            min=1),
    Setting("geojson_mode", "url",
            "How the map gets its shapes: 'url' (a static file the browser caches, sent once) or "
            "'inline' (inside every figure).", choices=("url", "inline")),
    Setting("map_renderer", "svg",
            "How the talent map is drawn: 'svg' (plain SVG in one element kept across reruns: no "
            "plotly.js and no WebGL in the browser), 'plotly_chart' (st.plotly_chart, which "
            "builds a new MapLibre map whenever the figure changes) or 'component' (one plotly "
            "graph kept across reruns and updated in place; a second plotly.js, served from "
            "static/js, makes the first load heavier). Exports print the plotly figure either "
            "way: docs/dashboard.md, docs/ARCHITECTURE.md.",
            choices=("svg", "plotly_chart", "component")),
    Setting("map_classes", "quantile:5",
            "Colour classes of the talent map: method and number of classes. quantile: each "
            "class holds about as many regions; jenks: natural breaks (classes where the values "
            "jump). The legend gives each class's range.",
            pattern=r"(?i)(quantile|jenks):[3-9]",
            pattern_help="method:classes — quantile or jenks, 3–9 classes (e.g. quantile:5)"),
    Setting("run_log", "",
            "JSON-lines file where the dashboard logs each script run (session, page, ms, "
            "outcome) for operators and bench/concurrent_users.py. Empty: off."),
    Setting("etl_nice", 10,
            "How much the ETL (python -m etl, and the 数据 page's loads, which run it) gives way "
            "to the dashboard on a shared machine: its POSIX nice increment, 0 (none) to 19. It "
            "only slows the load when the cores are busy with something else.", min=0, max=19),
    Setting("warm_up", True,
            "Prepare the landing page when the dashboard server starts (in the background: "
            "modules, the warehouse, the national map's queries, shapes and figure), so the "
            "first visitor does not wait for it; and build each newly published version's "
            "in-memory counts of the 人才地图, 人才集群 and 产业链 pages in the background (the "
            "server's first build gives way to visitors: it starts 2 s after the warm-up when "
            "nobody is being served, each step waiting for a quiet moment, 10 s at most). Off: "
            "the first visitor's session (and each page's first request) does it."),
    Setting("min_fact_year", 1949,
            "Earliest year a fact may describe (founding, snapshot, posting, move dates and an "
            "indicator's year); an earlier one is quarantined. Birth years have their own range.",
            min=1800, max=2100),
    Setting("default_year_min_share", 0.1,
            "The default year is the latest whose talent records reach this share of the busiest "
            "year's, so a handful of stray late records cannot become everyone's default.",
            min=0.0, max=1.0),
    Setting("signin_max_failures", 5,
            "Failed sign-ins of one user name within signin_window_s that lock the name for "
            "signin_lockout_s (a locked attempt checks no password). 0: no limit.", min=0),
    Setting("signin_client_max_failures", 20,
            "Failed sign-ins from one client address, whatever the names, within signin_window_s "
            "that lock the address for signin_lockout_s. The address is the connection's, or the "
            "X-Forwarded-For a proxy on this machine sets (Streamlit's server believes it from "
            "127.0.0.1 and ::1 only, as python -m serve's front connects; FORWARDED_ALLOW_IPS "
            "names other proxies): behind any other proxy every user shares the proxy's address. "
            "0: no limit.", min=0),
    Setting("signin_window_s", 900.0, "Seconds over which failed sign-ins are counted.", min=1.0),
    Setting("signin_lockout_s", 900.0,
            "Seconds a user name or client address stays locked after too many failed sign-ins.",
            min=0.0),
    Setting("signin_max_concurrent_hashes", 2,
            "Password checks (argon2id, 64 MiB of memory each) the dashboard process runs at "
            "once; further sign-ins wait for a free slot.", min=1, max=64),
    Setting("screen_seconds", 20,
            "大屏 (/screen, ?mode=screen): seconds each scene stays on screen before the next.",
            min=5, max=600),
    Setting("screen_scenes", ",".join(SCREEN_SCENES),
            "大屏: the scenes shown, in order (comma separated ids; docs/screen.md).",
            pattern=rf"\s*({'|'.join(SCREEN_SCENES)})\s*(,\s*({'|'.join(SCREEN_SCENES)})\s*)*",
            pattern_help="scene ids separated by commas: " + ", ".join(SCREEN_SCENES)),
    Setting("signin_hash_wait_s", 10.0,
            "Seconds a sign-in waits for a free password-check slot before it is refused with "
            "'busy, try again later'.", min=0.0),
    Setting("signin_limits_shared", False,
            "Keep the sign-in failure counters in a file beside app_db_path (app.signin.sqlite), "
            "shared by every dashboard process on the machine and kept across restarts, instead "
            "of in the process; python -m serve turns it on for its workers, so N processes do "
            "not give N times the attempts."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
# Settings that must keep an order among themselves (the thresholds of one scale).
ORDERED = (("lq_missing", "lq_stronghold"), ("sd_severe", "sd_shortage", "sd_balanced"))


def get(name: str):
    """The typed value of setting ``name``: its environment variable when set, else its default.
    Raises SettingError (naming the variable) for a value the setting cannot take."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    return setting.default if raw is None else setting.parse(raw)


def path(name: str) -> Path:
    """A path-valued setting as a Path."""
    return Path(str(get(name)))


def check_all() -> list[str]:
    """Every problem with the environment's settings, one message each (empty: all good)."""
    problems, values = [], {}
    for s in SETTINGS:
        try:
            values[s.name] = get(s.name)
        except SettingError as e:
            problems.append(str(e))
    for names in ORDERED:
        got = [values[n] for n in names if n in values]
        if len(got) == len(names) and any(a > b for a, b in zip(got, got[1:], strict=False)):
            shown = " ≤ ".join(f"{_BY_NAME[n].env}={values[n]:g}" for n in names)
            problems.append(f"阈值顺序不对: 应为 {shown}")
    return problems


def invalid_for_cli() -> int:
    """For a CLI's main: print every settings problem to stderr and return exit code 2, or
    return 0 when all settings are good."""
    import sys

    problems = check_all()
    for p in problems:
        print(f"错误: 设置有误: {p}", file=sys.stderr)
    return 2 if problems else 0


def require_valid() -> None:
    """Raise SettingError listing every problem (the CLIs print it and exit 2)."""
    problems = check_all()
    if problems:
        raise SettingError("设置有误: " + "; ".join(problems))
