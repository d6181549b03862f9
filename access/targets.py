"""招引 targets: an entry of a node's 招引清单 (a firm elsewhere, a talent pool, a source region)
tracked from 线索 to 已落地, kept in the app's own storage beside ``app_db_path`` — never in the
warehouse (``data/app/app.duckdb`` → ``data/app/app.targets.sqlite``). docs/pipeline.md.

SQLite in WAL mode, as the saved views (access/saved_views.py): each write is one transaction
that takes the write lock first (``BEGIN IMMEDIATE``), so concurrent sessions take turns and a
process killed mid-write leaves the last committed state. On top of that, **optimistic
concurrency**: every target has a ``version``; a change names the version it was made on and is
refused (``StaleTarget``) when someone else changed the target since — nothing is overwritten
unseen. Each change writes a row of ``target_history`` (version, who, when, the fields changed
as [old, new]) in the same transaction, and a row of the audit log (access/appdb.py) before the
commit: when the audit row cannot be written the change is rolled back.

Targets name their node, region and entry by key (node id, adcode, credit code), so a new
warehouse version never loses one. Planners, recruiters and admins write; analysts (and any
unknown role) read only — checked here, not only on the page. Every value is checked: known
kinds and stages, allowed stage moves, text lengths, numbers ≥ 0, real dates.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from access import appdb, target_rules
from access.target_rules import (
    ABANDONED,
    ALL_STAGES,
    CLEAN,
    CREDIT,
    EDITABLE,
    KINDS,
    LANDED,
    NODE,
    OPEN_STAGES,
    REGION,
    STAGES,
    NotAllowed,
    TargetError,
    allowed_moves,
    can_write,
    clean_date,
    clean_investment,
    clean_landing,
    clean_talents,
    clean_text,
)

SUFFIX = ".targets.sqlite"
# The rules, for the pages (access/target_rules.py).
SIGNED, WRITERS, LIMITS = target_rules.SIGNED, target_rules.WRITERS, target_rules.LIMITS
FIRST_DATE, LAST_DATE = target_rules.FIRST_DATE, target_rules.LAST_DATE
MAX_TALENTS, MAX_INVESTMENT_WAN = target_rules.MAX_TALENTS, target_rules.MAX_INVESTMENT_WAN
BUSY_MS = 10_000

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS target (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        region           TEXT NOT NULL,
        node             TEXT NOT NULL,
        kind             TEXT NOT NULL,
        entry_key        TEXT NOT NULL,
        entry_name       TEXT NOT NULL,
        entry_leader     INTEGER NOT NULL DEFAULT 0,
        owner            TEXT NOT NULL,
        stage            TEXT NOT NULL,
        abandoned_from   TEXT,
        abandon_reason   TEXT,
        expected_talents INTEGER NOT NULL DEFAULT 0 CHECK (expected_talents >= 0),
        investment_wan   REAL NOT NULL DEFAULT 0 CHECK (investment_wan >= 0),
        next_step        TEXT NOT NULL DEFAULT '',
        next_date        TEXT,
        notes            TEXT NOT NULL DEFAULT '',
        scenario         TEXT,
        landing          TEXT,
        created_by       TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        updated_by       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        version          INTEGER NOT NULL DEFAULT 1,
        UNIQUE (region, node, kind, entry_key))""",
    """CREATE TABLE IF NOT EXISTS target_history (
        target_id INTEGER NOT NULL REFERENCES target (id),
        version   INTEGER NOT NULL,
        at        TEXT NOT NULL,
        user      TEXT NOT NULL,
        role      TEXT NOT NULL,
        action    TEXT NOT NULL,
        changes   TEXT NOT NULL,
        PRIMARY KEY (target_id, version))""",
    """CREATE TABLE IF NOT EXISTS target_observation (
        target_id   INTEGER NOT NULL REFERENCES target (id),
        wh_version  TEXT NOT NULL,
        observed_at TEXT NOT NULL,
        figures     TEXT NOT NULL,
        PRIMARY KEY (target_id, wh_version))""",
)
COLUMNS = ("id", "region", "node", "kind", "entry_key", "entry_name", "entry_leader", "owner",
           "stage", "abandoned_from", "abandon_reason", "expected_talents", "investment_wan",
           "next_step", "next_date", "notes", "scenario", "landing", "created_by", "created_at",
           "updated_by", "updated_at", "version")
SELECT = f"SELECT {', '.join(COLUMNS)} FROM target"  # noqa: S608 - column names, constant
INSERT = (f"INSERT INTO target ({', '.join(COLUMNS[1:])}) "  # noqa: S608 - constant columns
          f"VALUES ({', '.join('?' for _ in COLUMNS[1:])})")
HISTORY = "INSERT INTO target_history VALUES (?, ?, ?, ?, ?, ?, ?)"


class StaleTarget(TargetError):
    """The target was changed by someone else since it was read."""


@dataclass(frozen=True)
class Target:
    id: int
    region: str
    node: str
    kind: str
    entry_key: str
    entry_name: str
    entry_leader: bool
    owner: str
    stage: str
    abandoned_from: str | None
    abandon_reason: str | None
    expected_talents: int
    investment_wan: float
    next_step: str
    next_date: str | None
    notes: str
    scenario: dict | None
    landing: dict | None
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str
    version: int

    @classmethod
    def from_row(cls, row) -> Target:
        d = dict(zip(COLUMNS, row, strict=True))
        d["entry_leader"] = bool(d["entry_leader"])
        for key in ("scenario", "landing"):
            d[key] = json.loads(d[key]) if d[key] else None
        return cls(**d)

    def overdue(self, today: dt.date | None = None) -> bool:
        """An open target whose next step's date has passed."""
        today = today or dt.date.today()
        return (self.stage in OPEN_STAGES and self.next_date is not None
                and dt.date.fromisoformat(self.next_date) < today)

    @property
    def label(self) -> str:
        return f"#{self.id} {self.entry_name} ({KINDS[self.kind]})"


def _who(user: str, role: str) -> str:
    name = str(user or "").strip()
    if not name or len(name) > 64:
        raise TargetError("无法识别当前用户。")
    if not can_write(role):
        raise NotAllowed("当前角色只能查看招引目标, 不能新建或修改 (规划、招聘与管理员可写)。")
    return name


# -- storage ----------------------------------------------------------------------------------
def store_path(app_db_path: Path | str) -> Path:
    """The targets database of an app database path (a ``.sqlite`` path is the store itself)."""
    p = Path(app_db_path)
    return p if p.suffix == ".sqlite" else p.with_name(p.stem + SUFFIX)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA foreign_keys = ON")
        for ddl in SCHEMA:
            con.execute(ddl)
        return con
    except (OSError, sqlite3.Error) as e:
        raise TargetError(f"招引目标存储无法打开: {e}") from e


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="microseconds")


def _write(app_db: Path | str, work) -> Target:
    """Run ``work(con)`` in one write transaction (lock taken first); it returns the target id
    and the audit row to record before the commit."""
    con = _connect(store_path(app_db))
    try:
        con.execute("BEGIN IMMEDIATE")
        target_id, audit = work(con)
        appdb.record(app_db, *audit)  # no audit row, no change: raises before the commit
        con.execute("COMMIT")
        row = con.execute(f"{SELECT} WHERE id = ?", (target_id,)).fetchone()
        return Target.from_row(row)
    except sqlite3.IntegrityError as e:
        _rollback(con)
        if "UNIQUE" in str(e):
            raise TargetError("该条目已在招引跟踪中 (同一地区、环节与条目只建一个目标)。") from e
        raise TargetError(f"招引目标无法保存: {e}") from e
    except sqlite3.Error as e:
        _rollback(con)
        raise TargetError(f"招引目标无法保存: {e}") from e
    except BaseException:
        _rollback(con)
        raise
    finally:
        con.close()


def _rollback(con: sqlite3.Connection) -> None:
    if con.in_transaction:
        con.execute("ROLLBACK")


def _describe(t_region: str, t_node: str, kind: str, key: str, tid: int) -> str:
    return f"招引目标 #{tid} {t_region}/{t_node} {kind}:{key}"


def create(app_db: Path | str, user: str, role: str, *, region: str, node: str, kind: str,
           entry_key: str, entry_name: str, entry_leader: bool = False, owner: str | None = None,
           expected_talents=0, investment_wan=0, next_step: str = "", next_date=None,
           notes: str = "") -> Target:
    """A new target at 线索 for an entry of a node's 招引清单 (one per region, node and entry)."""
    name = _who(user, role)
    if not REGION.fullmatch(str(region)):
        raise TargetError("地区代码不正确。")
    if not NODE.fullmatch(str(node)):
        raise TargetError("产业链环节不正确。")
    if kind not in KINDS:
        raise TargetError("未知的目标类型。")
    key = str(entry_key or "").strip()
    if not (CREDIT if kind == "enterprise" else REGION).fullmatch(key):
        raise TargetError("条目的代码不正确 (企业: 统一社会信用代码; 地区与人才池: 地区代码)。")
    values = {"owner": CLEAN["owner"](owner if owner is not None else name),
              "expected_talents": clean_talents(expected_talents),
              "investment_wan": clean_investment(investment_wan),
              "next_step": CLEAN["next_step"](next_step), "next_date": clean_date(next_date),
              "notes": CLEAN["notes"](notes)}
    entry = clean_text(entry_name, "entry_name", "条目名称", required=True)
    now = _now()

    def work(con):
        cur = con.execute(INSERT, (
            region, node, kind, key, entry, int(bool(entry_leader)), values["owner"],
            STAGES[0], None, None, values["expected_talents"], values["investment_wan"],
            values["next_step"], values["next_date"], values["notes"], None, None, name, now,
            name, now, 1))
        tid = cur.lastrowid
        changes = {"stage": [None, STAGES[0]], "entry": [None, f"{kind}:{key} {entry}"],
                   **{f: [None, v] for f, v in values.items() if v not in (None, "", 0, 0.0)}}
        con.execute(HISTORY, (tid, 1, now, name, role, "create",
                              json.dumps(changes, ensure_ascii=False)))
        return tid, (name, role, "target_create", _describe(region, node, kind, key, tid), None,
                     {"changes": changes, "version": 1})

    return _write(app_db, work)


def update(app_db: Path | str, user: str, role: str, target_id: int, version: int,
           changes: dict) -> Target:
    """Change fields and/or the stage of a target read at ``version``. ``changes`` may hold
    the EDITABLE fields, ``stage`` (an allowed move), ``abandon_reason`` (required to move to
    已放弃) and ``landing`` (the node's figures, required to move to 已落地). A target changed
    since ``version`` raises StaleTarget; nothing is written."""
    name = _who(user, role)
    unknown = set(changes) - {*EDITABLE, "stage", "abandon_reason", "landing"}
    if unknown:
        raise TargetError(f"不能修改的字段: {', '.join(sorted(unknown))}")
    clean = {f: CLEAN[f](v) for f, v in changes.items() if f in CLEAN}
    reason = changes.get("abandon_reason")
    now = _now()

    def work(con):
        row = con.execute(f"{SELECT} WHERE id = ?", (int(target_id),)).fetchone()
        if row is None:
            raise TargetError(f"招引目标 #{target_id} 不存在。")
        cur = Target.from_row(row)
        if cur.version != int(version):
            raise StaleTarget(f"招引目标 #{cur.id} 已被 {cur.updated_by} 于 {cur.updated_at[:16]} "
                              f"修改 (版本 {cur.version}, 您看到的是版本 {version}): 请刷新后再改, "
                              f"您的修改未保存。")
        new = dict(clean)
        stage = changes.get("stage", cur.stage)
        if stage != cur.stage:
            if stage not in ALL_STAGES:
                raise TargetError("未知的阶段。")
            if stage not in allowed_moves(cur.stage):
                raise TargetError(f"不能从 {cur.stage} 改为 {stage} (可改为: "
                                  f"{'、'.join(allowed_moves(cur.stage)) or '无, 已落地为终态'})。")
            new["stage"] = stage
            if stage == ABANDONED:
                new["abandon_reason"] = clean_text(reason, "abandon_reason", "放弃原因", required=True)
                new["abandoned_from"] = cur.stage
            elif cur.stage == ABANDONED:
                new["abandon_reason"], new["abandoned_from"] = None, None
            if stage == LANDED:
                new["landing"] = clean_landing(changes.get("landing"))
        elif cur.stage == LANDED and set(new) - {"notes", "owner"}:
            raise TargetError("已落地的目标只能修改负责人与备注。")
        old = {f: _stored(cur, f) for f in new}
        diff = {f: [old[f], v] for f, v in new.items() if old[f] != v}
        if not diff:
            return cur.id, None
        sets = ", ".join(f"{f} = ?" for f in diff)
        done = con.execute(f"UPDATE target SET {sets}, updated_by = ?, updated_at = ?, "  # noqa: S608 - column names from EDITABLE
                           "version = version + 1 WHERE id = ? AND version = ?",
                           (*(v for _, v in diff.values()), name, now, cur.id, cur.version))
        if done.rowcount != 1:  # cannot happen under the write lock; refuse rather than guess
            raise StaleTarget("招引目标刚被他人修改: 请刷新后再改, 您的修改未保存。")
        shown = {f: ([_loads(a), _loads(b)] if f in ("scenario", "landing") else [a, b])
                 for f, (a, b) in diff.items()}
        action = "stage" if "stage" in diff else "update"
        con.execute(HISTORY, (cur.id, cur.version + 1, now, name, role, action,
                              json.dumps(shown, ensure_ascii=False)))
        return cur.id, (name, role, "target_update",
                        _describe(cur.region, cur.node, cur.kind, cur.entry_key, cur.id),
                        new.get("abandon_reason"), {"changes": shown, "version": cur.version + 1})

    return _write_or_same(app_db, work)


def _write_or_same(app_db, work) -> Target:
    """``_write`` for a change that may turn out to change nothing (no version, no audit)."""
    result: dict = {}

    def wrapped(con):
        tid, audit = work(con)
        result["tid"] = tid
        if audit is None:
            raise _NoChange
        return tid, audit

    try:
        return _write(app_db, wrapped)
    except _NoChange:
        return get(app_db, result["tid"])


class _NoChange(Exception):
    pass


def _stored(t: Target, field: str):
    v = getattr(t, field)
    if field in ("scenario", "landing") and v is not None:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return v


def _loads(v):
    return json.loads(v) if isinstance(v, str) else v


def move(app_db: Path | str, user: str, role: str, target_id: int, version: int, stage: str,
         reason: str | None = None, landing: dict | None = None, **changes) -> Target:
    """``update`` with a stage move (and other fields in the same change)."""
    extra = {"abandon_reason": reason} if reason is not None else {}
    if landing is not None:
        extra["landing"] = landing
    return update(app_db, user, role, target_id, version, {**changes, "stage": stage, **extra})


# -- reading ----------------------------------------------------------------------------------
def _read(app_db: Path | str, sql: str, params: tuple = ()) -> list:
    p = store_path(app_db)
    if not p.exists():
        return []
    con = _connect(p)
    try:
        return con.execute(sql, params).fetchall()
    except sqlite3.Error as e:
        raise TargetError(f"招引目标无法读取: {e}") from e
    finally:
        con.close()


def get(app_db: Path | str, target_id: int) -> Target | None:
    rows = _read(app_db, f"{SELECT} WHERE id = ?", (int(target_id),))
    return Target.from_row(rows[0]) if rows else None


def list_targets(app_db: Path | str, region: str | None = None,
                 node: str | None = None) -> list[Target]:
    """Every target (of a region, of a node), oldest first."""
    rows = _read(app_db, f"{SELECT} WHERE (? IS NULL OR region = ?) AND (? IS NULL OR node = ?) "
                         "ORDER BY id", (region, region, node, node))
    return [Target.from_row(r) for r in rows]


def history(app_db: Path | str, target_id: int) -> list[dict]:
    """The target's changes, oldest first: version, at, user, role, action, changes."""
    rows = _read(app_db, "SELECT version, at, user, role, action, changes FROM target_history "
                         "WHERE target_id = ? ORDER BY version", (int(target_id),))
    return [{"version": v, "at": at, "user": u, "role": r, "action": a,
             "changes": json.loads(c)} for v, at, u, r, a, c in rows]


# -- monitoring (figures of the warehouse, not a person's edit: no role, no audit row) ---------
def observe(app_db: Path | str, target_id: int, wh_version: str, figures: dict) -> bool:
    """Keep the node's figures of a landed target as a published warehouse version shows them
    (once per version; the first kept stays). True when a row was added."""
    if not wh_version or len(str(wh_version)) > 64:
        raise TargetError("数据版本不正确。")
    data = json.dumps(figures, ensure_ascii=False, sort_keys=True, allow_nan=False)
    con = _connect(store_path(app_db))
    try:
        con.execute("BEGIN IMMEDIATE")
        landed = con.execute("SELECT landing FROM target WHERE id = ? AND stage = ?",
                             (int(target_id), LANDED)).fetchone()
        if landed is None:
            con.execute("ROLLBACK")
            return False
        cur = con.execute("INSERT OR IGNORE INTO target_observation VALUES (?, ?, ?, ?)",
                          (int(target_id), str(wh_version), _now(), data))
        con.execute("COMMIT")
        return cur.rowcount == 1
    except sqlite3.Error as e:
        _rollback(con)
        raise TargetError(f"招引成效无法记录: {e}") from e
    finally:
        con.close()


def observations(app_db: Path | str, target_id: int) -> list[dict]:
    """Figures kept for later warehouse versions, oldest first (each with wh_version and
    observed_at)."""
    rows = _read(app_db, "SELECT wh_version, observed_at, figures FROM target_observation "
                         "WHERE target_id = ? ORDER BY observed_at", (int(target_id),))
    return [{**json.loads(f), "wh_version": v, "observed_at": at} for v, at, f in rows]
