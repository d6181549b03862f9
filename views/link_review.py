"""人员合并审核: the record pairs the linkage found likely but not certain (docs/linkage.md) —
the reviewer compares the two records field by field and confirms (one person) or rejects (two
people). Decisions are kept outside the warehouse (store/link_decisions.py), audited, and
applied at the next publish, where they override the model. Admins; recruiters too when the
setting link_review_recruiters allows."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

import settings
from analytics import persons
from store import link_decisions
from views import auth, components, state
from views.i18n import t

DECIDE = {"confirm": "同一人 (合并)", "reject": "不是同一人 (分开)"}


def allowed() -> bool:
    role = auth.role()
    return role == "admin" or (role == "recruiter" and settings.get("link_review_recruiters"))


def page() -> None:
    ver = state.version()
    st.title(t("link_review"))
    if not allowed():
        st.warning(t("lr_not_allowed"))
        return
    st.caption(t("lr_help").format(link=settings.get("link_threshold"),
                                   review=settings.get("link_review_threshold")))
    pairs, recs = persons.review_pairs(state.reader(), auth.role())
    decided = link_decisions.load()
    if pairs.empty:
        st.info(t("lr_none"))
    else:
        queue(pairs, recs, decided)
    history()
    components.freshness_line(ver)


def queue(pairs: pd.DataFrame, recs: pd.DataFrame, decided: dict) -> None:
    keys = list(zip(pairs["talent_id_a"], pairs["talent_id_b"], strict=True))
    prob = dict(zip(keys, pairs["probability"], strict=True))
    pending = [k for k in keys if link_decisions.pair(*k) not in decided]
    st.metric(t("lr_pending"), len(pending), border=True)
    if not pending:
        st.info(t("lr_all_decided"))
        return
    pick = st.selectbox(t("lr_pick"), pending, key="lr_pick",
                        format_func=lambda k: f"{k[0]} × {k[1]} · 概率 {prob[k]:.2f}")
    st.dataframe(persons.side_by_side(recs, *pick), hide_index=True, width="stretch")
    compared = pairs.loc[(pairs["talent_id_a"] == pick[0]) & (pairs["talent_id_b"] == pick[1]),
                         "compared"].iloc[0]
    if isinstance(compared, str) and compared:
        with st.expander(t("lr_compared")):
            st.dataframe(pd.DataFrame(list(json.loads(compared).items()),
                                      columns=["字段", "模型比较结果"]), hide_index=True)
    with st.form("lr_form"):
        choice = st.radio(t("lr_decision"), list(DECIDE), format_func=DECIDE.get,
                          horizontal=True, key="lr_choice")
        note = st.text_input(t("lr_note"), max_chars=200, key="lr_note")
        if st.form_submit_button(t("lr_save"), type="primary"):
            name, _ = auth.current_user()
            link_decisions.record(pick[0], pick[1], choice, decided_by=name,
                                  note=note.strip() or None)
            auth.audit("link_decision", f"{pick[0]}|{pick[1]}", note.strip() or None,
                       {"decision": choice, "probability": round(float(prob[pick]), 4)})
            st.success(t("lr_saved"))
            st.rerun()


def history() -> None:
    rows = link_decisions.history()
    if not rows:
        return
    with st.expander(f"{t('lr_history')} ({len(rows)})"):
        df = pd.DataFrame(rows)
        st.dataframe(pd.DataFrame({
            "记录 A": df["talent_id_a"], "记录 B": df["talent_id_b"],
            "决定": df["decision"].map(DECIDE), "决定人": df["decided_by"].fillna("—"),
            "时间": df["decided_at"], "备注": df["note"].fillna("")}),
            hide_index=True, width="stretch")


if __name__ == "__main__":  # run as a page by st.navigation
    page()
