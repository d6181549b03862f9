"""The rules of 招引 targets (access/targets.py stores them): stages and the moves allowed
between them, kinds of entry, who may write, and the checks every value passes (lengths,
numbers ≥ 0, real dates, keys of the right form). Messages in Chinese, for the page."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata

STAGES = ("线索", "已接洽", "洽谈中", "已签约", "已落地")
ABANDONED = "已放弃"
ALL_STAGES = (*STAGES, ABANDONED)
SIGNED, LANDED = "已签约", "已落地"
OPEN_STAGES = STAGES[:4]  # neither landed nor abandoned: their next steps can be overdue
KINDS = {"enterprise": "目标企业", "talent_pool": "人才池", "region": "目标地区"}
WRITERS = frozenset({"planner", "recruiter", "admin"})
LIMITS = {"owner": 40, "entry_name": 120, "next_step": 200, "notes": 2000, "abandon_reason": 200}
MAX_TALENTS = 100_000
MAX_INVESTMENT_WAN = 100_000_000.0  # 万元: a trillion yuan
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
EDITABLE = ("owner", "expected_talents", "investment_wan", "next_step", "next_date", "notes",
            "scenario")
LANDING_KEYS = ("version", "year", "talent", "lq_talent", "status", "sd_ratio", "sd_band")
REGION = re.compile(r"\d{6}")
NODE = re.compile(r"[FTA]\d{2}")
CREDIT = re.compile(r"[0-9A-Z]{18}")



class TargetError(RuntimeError):
    """A target could not be created, changed or read (the message says why, in Chinese)."""


class NotAllowed(TargetError):
    """The role may not change targets."""


def can_write(role: str) -> bool:
    return role in WRITERS


def allowed_moves(stage: str) -> tuple[str, ...]:
    """Where a target at ``stage`` may go: on to any later stage up to 已签约, 已落地 from 已签约
    only (landing follows a signed agreement), back one stage (a correction), 已放弃 from any
    open stage (with a reason), and back to 线索 from 已放弃. 已落地 is final."""
    if stage == ABANDONED:
        return (STAGES[0],)
    if stage == LANDED:
        return ()
    i = STAGES.index(stage)
    forward = [s for s in STAGES[i + 1:STAGES.index(SIGNED) + 1]]
    if stage == SIGNED:
        forward = [LANDED]
    back = [STAGES[i - 1]] if i > 0 else []
    return (*forward, *back, ABANDONED)


def clean_text(value, field: str, label: str, required: bool = False, lines: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise TargetError(f"请填写{label}。")
    if len(text) > LIMITS.get(field, 120):
        raise TargetError(f"{label}最多 {LIMITS.get(field, 120)} 个字。")
    allowed = {"\n", "\t"} if lines else set()
    if any(unicodedata.category(c).startswith("C") and c not in allowed for c in text):
        raise TargetError(f"{label}含有不可见字符。")
    return text


def clean_talents(value) -> int:
    if isinstance(value, bool):
        raise TargetError("预计引进人才须为 0 或正整数。")
    try:
        f = float(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        raise TargetError("预计引进人才须为 0 或正整数。") from None
    if not math.isfinite(f) or f < 0 or f != int(f):
        raise TargetError("预计引进人才须为 0 或正整数。")
    if f > MAX_TALENTS:
        raise TargetError(f"预计引进人才最多 {MAX_TALENTS} 人。")
    return int(f)


def clean_investment(value) -> float:
    if isinstance(value, bool):
        raise TargetError("预计投资须为不小于 0 的数 (万元)。")
    try:
        f = float(value if value not in (None, "") else 0)
    except (TypeError, ValueError):
        raise TargetError("预计投资须为不小于 0 的数 (万元)。") from None
    if not math.isfinite(f) or f < 0:
        raise TargetError("预计投资须为不小于 0 的数 (万元)。")
    if f > MAX_INVESTMENT_WAN:
        raise TargetError(f"预计投资最多 {MAX_INVESTMENT_WAN:,.0f} 万元。")
    return round(f, 2)


def clean_date(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise TargetError("下一步日期须为有效日期 (YYYY-MM-DD)。") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise TargetError(f"下一步日期须在 {FIRST_DATE} 与 {LAST_DATE} 之间。")
    return value.isoformat()


def clean_scenario(value) -> str | None:
    if value in (None, "", {}):
        return None
    d = json.loads(value) if isinstance(value, str) else value
    if not isinstance(d, dict) or set(d) - {"talents", "firms", "leaders"}:
        raise TargetError("情景格式不正确。")
    talents = d.get("talents") or {}
    if not isinstance(talents, dict) or not all(
            isinstance(k, str) and len(k) == 1 and k in "ABCDEN" for k in talents):
        raise TargetError("情景的人才层次不正确。")
    nums = [*talents.values(), d.get("firms", 0), d.get("leaders", 0)]
    for n in nums:
        clean_talents(n)
    if clean_talents(d.get("leaders", 0)) > clean_talents(d.get("firms", 0)):
        raise TargetError("情景的链主企业数不能多于企业数。")
    return json.dumps({"talents": {k: clean_talents(v) for k, v in sorted(talents.items())},
                       "firms": clean_talents(d.get("firms", 0)),
                       "leaders": clean_talents(d.get("leaders", 0))}, sort_keys=True)


def clean_landing(value) -> str:
    if not isinstance(value, dict) or any(k not in value for k in LANDING_KEYS):
        raise TargetError("落地时须记录环节当时的指标 (人才数、区位商、状态、供需比与数据版本)。")
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        raise TargetError("落地指标无法保存。") from None


CLEAN = {"owner": lambda v: clean_text(v, "owner", "负责人", required=True),
         "expected_talents": clean_talents, "investment_wan": clean_investment,
         "next_step": lambda v: clean_text(v, "next_step", "下一步"),
         "next_date": clean_date, "notes": lambda v: clean_text(v, "notes", "备注", lines=True),
         "scenario": clean_scenario}
