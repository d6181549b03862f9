"""One 招引 target's form (owner, stage, expected talents and investment, next step and date,
notes) and its history, used by the 招引跟踪 page and the 产业链 node detail.

The save runs in the submit button's callback with the target as it was drawn: its version is
the one the user saw, so a change someone else saved in between is refused (StaleTarget) rather
than overwritten, and only the fields this user changed are sent. Writes, roles and checks are
access/targets.py's; a move to 已落地 records the node's figures (views/chain_targets.py).
Every user text is shown as plain text (inputs, tables), never as markdown or HTML.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import settings
from access import targets as tg
from views import auth, cells
from views.i18n import t

MSG = "te_message"  # session key: (kind, text) of the last save, shown once
FIELD_NAMES = {"stage": "阶段", "owner": "负责人", "expected_talents": "预计引进人才",
               "investment_wan": "预计投资 (万元)", "next_step": "下一步", "next_date": "下一步日期",
               "notes": "备注", "abandon_reason": "放弃原因", "abandoned_from": "放弃前阶段",
               "scenario": "情景", "landing": "落地时指标", "entry": "条目"}
ACTIONS = {"create": "新建", "update": "修改", "stage": "阶段变更"}


def store():
    return settings.path("app_db_path")


def can_write() -> bool:
    return tg.can_write(auth.role())


def show_message() -> None:
    """The outcome of the last save (once)."""
    msg = st.session_state.pop(MSG, None)
    if msg:
        (st.success if msg[0] == "ok" else st.error)(msg[1])


def editor(target: tg.Target, key: str, landing_figures) -> None:
    """The target's form; ``landing_figures(target)`` gives the node's figures to keep when it
    moves to 已落地. Read-only roles see the values without a form."""
    if not can_write():
        st.info(t("pl_readonly"))
        return
    prefix = f"te_{key}_{target.id}_v{target.version}"  # a new version, fresh inputs
    moves = tg.allowed_moves(target.stage)
    with st.form(prefix, border=True):
        a, b, c = st.columns(3)
        a.selectbox(t("pl_f_stage"), [target.stage, *moves], key=f"{prefix}_stage",
                    help="可前进到已签约 (含跳过); 已落地须先签约; 可退回上一阶段; 已放弃须填写原因")
        b.text_input(t("pl_f_owner"), target.owner, max_chars=tg.LIMITS["owner"],
                     key=f"{prefix}_owner")
        c.text_input(t("pl_reason"), target.abandon_reason or "",
                     max_chars=tg.LIMITS["abandon_reason"], key=f"{prefix}_reason")
        a, b, c = st.columns(3)
        a.number_input(t("pl_expected"), min_value=0, max_value=tg.MAX_TALENTS, step=1,
                       value=int(target.expected_talents), key=f"{prefix}_expected")
        b.number_input(t("pl_investment"), min_value=0.0, max_value=tg.MAX_INVESTMENT_WAN,
                       step=10.0, value=float(target.investment_wan), format="%.2f",
                       key=f"{prefix}_investment")
        c.date_input(t("pl_next_date"), value=_date(target.next_date), min_value=tg.FIRST_DATE,
                     max_value=tg.LAST_DATE, key=f"{prefix}_date", format="YYYY-MM-DD")
        st.text_input(t("pl_next_step"), target.next_step, max_chars=tg.LIMITS["next_step"],
                      key=f"{prefix}_next")
        st.text_area(t("pl_notes"), target.notes, max_chars=tg.LIMITS["notes"], height=80,
                     key=f"{prefix}_notes")
        st.form_submit_button(t("pl_save"), type="primary", on_click=_save,
                              args=(prefix, target, landing_figures))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _save(prefix: str, seen: tg.Target, landing_figures) -> None:
    """Send what the user changed, on the version drawn."""
    s = st.session_state
    values = {"stage": s.get(f"{prefix}_stage"), "owner": s.get(f"{prefix}_owner"),
              "expected_talents": s.get(f"{prefix}_expected"),
              "investment_wan": s.get(f"{prefix}_investment"),
              "next_date": (s[f"{prefix}_date"].isoformat() if s.get(f"{prefix}_date") else None),
              "next_step": s.get(f"{prefix}_next"), "notes": s.get(f"{prefix}_notes")}
    changes = {f: v for f, v in values.items() if v != getattr(seen, f)}
    if not changes:
        return
    if changes.get("stage") == tg.ABANDONED:
        changes["abandon_reason"] = s.get(f"{prefix}_reason")
    name, role = auth.current_user()
    try:
        if changes.get("stage") == tg.LANDED:
            changes["landing"] = landing_figures(seen)
        new = tg.update(store(), name, role, seen.id, seen.version, changes)
    except tg.TargetError as e:
        st.session_state[MSG] = ("error", str(e))
    except Exception as e:  # noqa: BLE001 - the audit log or the warehouse: say it, keep the page
        st.session_state[MSG] = ("error", f"未能保存: {e}")
    else:
        st.session_state[MSG] = ("ok", t("pl_saved").format(v=new.version))


def history_table(target: tg.Target) -> pd.DataFrame:
    """The target's changes, newest first, as plain text."""
    rows = []
    for h in reversed(tg.history(store(), target.id)):
        parts = []
        for field, (old, new) in h["changes"].items():
            if field == "landing":
                new = f"版本 {new.get('version')} · {new.get('status')}" if new else new
            parts.append(f"{FIELD_NAMES.get(field, field)}: {_v(old)} → {_v(new)}")
        rows.append({"版本": h["version"], "时间": h["at"][:19].replace("T", " "),
                     "修改人": h["user"], "角色": h["role"],
                     "操作": ACTIONS.get(h["action"], h["action"]), "变更": "; ".join(parts)})
    return pd.DataFrame(rows, columns=["版本", "时间", "修改人", "角色", "操作", "变更"])


def _v(value) -> str:
    if value is None or value == "":
        return cells.EMPTY
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


def history(target: tg.Target) -> None:
    with st.expander(f"{t('pl_history')} · #{target.id}"):
        st.dataframe(history_table(target), hide_index=True, width="stretch")
