"""产业链 page, 招引 on the node detail (issue 19): an entry of the 招引清单 becomes a tracked
target in one click; the node's targets by stage with their form; the what-if (情景推演) with
the page's rules and thresholds; and 招引成效, the figures of landed targets at landing against
each later published version. Tables and rules: analytics/pipeline.py, analytics/whatif.py;
storage: access/targets.py. User text is shown as plain text only."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from access import targets as tg
from analytics import pipeline as pl
from analytics import whatif
from analytics.filters import COUNTRY, TIERS, Thresholds
from views import auth, cells, components, state, target_edit
from views.i18n import t

LIST_KINDS = {"sc_src_firms": "enterprise", "sc_src_pools": "talent_pool",
              "sc_src_regions": "region"}
TIER_LABELS = {"A": "A 类", "B": "B 类", "C": "C 类", "D": "D 类", "E": "E 类", "N": "无层次"}


def node_targets(region: str, node: str) -> list[tg.Target]:
    try:
        return tg.list_targets(target_edit.store(), region=region, node=node)
    except tg.TargetError as e:
        st.error(str(e))
        return []


def stage_line(region: str, node: str) -> None:
    """Under the node's header: how many targets it has at which stage."""
    counts = pl.stage_counts(node_targets(region, node))
    if counts:
        st.caption(f"{t('pl_node_targets')}: " + " · ".join(f"{s} {n}" for s, n in
                                                           counts.items()))


# -- one click from the 招引清单 ------------------------------------------------------------------
def entries(raw: pd.DataFrame, kind: str) -> list[dict]:
    """The entries of one raw list (``state.sources``) as target keys and names."""
    if raw.empty:
        return []
    if kind == "enterprise":
        return [{"key": str(r.credit_code), "name": str(r.name),
                 "leader": bool(r.is_chain_leader)} for r in raw.itertuples()]
    return [{"key": str(r.adcode), "name": str(r.name), "leader": False}
            for r in raw.itertuples()]


def add_control(ver: str, region: str, node: str, year: int, list_key: str) -> None:
    """Under a 招引清单 tab: pick an entry (the first by default) and track it."""
    if region == COUNTRY or not target_edit.can_write():
        return
    kind = LIST_KINDS[list_key]
    raw = state.sources(ver, region, node, year)[{"enterprise": "firms", "talent_pool": "pools",
                                                  "region": "regions"}[kind]]
    items = entries(raw, kind)
    if not items:
        return
    tracked = {t_.entry_key for t_ in node_targets(region, node) if t_.kind == kind}
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    i = a.selectbox(t("pl_pick"), range(len(items)), key=f"pl_pick_{list_key}_{region}_{node}",
                    format_func=lambda j: items[j]["name"] + (
                        " (已跟踪)" if items[j]["key"] in tracked else ""))
    b.button(t("pl_add"), key=f"pl_add_{list_key}_{region}_{node}", icon=":material/add_task:",
             on_click=_add, args=(region, node, kind, items[i or 0]), width="stretch",
             disabled=items[i or 0]["key"] in tracked)


def _add(region: str, node: str, kind: str, item: dict) -> None:
    name, role = auth.current_user()
    try:
        tg.create(target_edit.store(), name, role, region=region, node=node, kind=kind,
                  entry_key=item["key"], entry_name=item["name"], entry_leader=item["leader"])
    except tg.TargetError as e:
        st.session_state[target_edit.MSG] = ("error", str(e))
    else:
        st.session_state[target_edit.MSG] = ("ok", t("pl_added").format(name=item["name"]))


# -- the section under the node detail -----------------------------------------------------------
def section(ver: str, region: str, node: str, node_name: str, year: int, th: Thresholds,
            bench: str, k: int | None) -> None:
    targets = node_targets(region, node)
    target_edit.show_message()
    if region != COUNTRY:
        targets_section(ver, region, node, node_name, targets)
    what_if_section(ver, region, node, year, th, bench, k, targets)
    if region != COUNTRY:
        effect_section(ver, region, node, k, targets)


def targets_section(ver: str, region: str, node: str, node_name: str,
                    targets: list[tg.Target]) -> None:
    st.subheader(f"{t('pl_node_targets')} · {components.md(node_name)}")
    if not targets:
        st.caption(t("pl_no_targets"))
        return
    counts = pl.stage_counts(targets)
    cols = st.columns(len(tg.ALL_STAGES))
    for col, stage in zip(cols, tg.ALL_STAGES, strict=True):
        col.metric(stage, f"{counts.get(stage, 0)} 个", border=True)
    ref = state.reference(ver)
    names = dict(zip(ref["nodes"]["node_id"], ref["nodes"]["name_zh"], strict=True))
    df = pl.frame(targets, ref["region_names"], names)
    st.dataframe(cells.display_frame(pl.list_table(df).drop(columns=["地区", "环节"])),
                 hide_index=True, width="stretch", placeholder=cells.EMPTY,
                 column_config={"预计投资 (万元)": st.column_config.NumberColumn(format="%.2f")})
    pick = st.selectbox(t("pl_pick_target"), [x.id for x in targets],
                        key=f"pl_node_pick_{region}_{node}",
                        format_func=lambda i: next(x.label for x in targets if x.id == i))
    chosen = next(x for x in targets if x.id == pick)
    target_edit.editor(chosen, f"node_{region}_{node}", landing_figures(ver))
    target_edit.history(chosen)


def landing_figures(ver: str):
    """A function giving a target's node figures now (what a move to 已落地 keeps)."""
    return lambda target: monitor_figures(ver, target.region, target.node)


def monitor_figures(ver: str, region: str, node: str) -> dict:
    """The node's figures in this version, as monitoring keeps them: the default thresholds,
    the country as benchmark, the default year — the same for every snapshot."""
    year = state.reference(ver)["default_year"]
    chain = state.chain(ver, region, year, state.thresholds(), COUNTRY)
    return {"version": ver, "year": int(year), "bench": COUNTRY, **whatif.figures(chain, node)}


# -- what-if ----------------------------------------------------------------------------------
def what_if_section(ver: str, region: str, node: str, year: int, th: Thresholds, bench: str,
                    k: int | None, targets: list[tg.Target]) -> None:
    st.subheader(t("pl_whatif"))
    st.caption(t("pl_whatif_help"))
    base = pl.landing_scenarios(targets, region).get(node, whatif.Scenario())
    default = dict(base.talents)
    sig = hashlib.sha1(base.to_json().encode()).hexdigest()[:8]  # new defaults: fresh inputs
    prefix = f"wi_{region}_{node}_{sig}"
    cols = st.columns(len(TIERS) + 2)
    tiers = {tier: col.number_input(TIER_LABELS[tier], min_value=0, max_value=whatif.MAX_COUNT,
                                    step=1, value=int(default.get(tier, 0)),
                                    key=f"{prefix}_{tier}")
             for col, tier in zip(cols, TIERS, strict=False)}
    firms = cols[-2].number_input(t("pl_firms"), min_value=0, max_value=whatif.MAX_COUNT, step=1,
                                  value=base.firms, key=f"{prefix}_firms")
    leaders = cols[-1].number_input(t("pl_leaders"), min_value=0, max_value=whatif.MAX_COUNT,
                                    step=1, value=base.leaders, key=f"{prefix}_leaders")
    try:
        scenario = whatif.Scenario.of(tiers, firms, leaders)
    except whatif.ScenarioError as e:
        st.warning(str(e))
        return
    chain = state.chain(ver, region, year, th, bench)
    outcome = whatif.what_if(chain, node, scenario, th, state.bench_contains(ver, region, bench))
    table = whatif.shown(outcome, k, unknown=t("unknown"))
    st.table(pd.DataFrame({"": [t(m) if m != "status" else "状态" for m in table["metric"]],
                           t("pl_today"): table["today"],
                           f"{t('pl_after')} ({scenario.describe()})": table["after"]}),
             hide_index=True)
    if outcome.status_changed:
        st.success(f"状态: {outcome.today['status']} → {outcome.after['status']}")
    elsewhere = outcome.changed_elsewhere
    if not elsewhere.empty:
        st.caption(t("pl_changed_elsewhere").format(nodes="、".join(
            f"{n} ({a} → {b})" for n, a, b in zip(elsewhere["name_zh"], elsewhere["status"],
                                                  elsewhere["status_after"], strict=True))))
    open_targets = [x for x in targets if x.stage != tg.LANDED]
    if region != COUNTRY and open_targets and target_edit.can_write() and not scenario.empty:
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        pick = a.selectbox(t("pl_scenario_target"), [x.id for x in open_targets],
                           key=f"pl_wi_target_{region}_{node}",
                           format_func=lambda i: next(x.label for x in open_targets if x.id == i))
        chosen = next((x for x in open_targets if x.id == pick), open_targets[0])
        b.button(t("pl_save_scenario"), key=f"pl_wi_save_{region}_{node}", width="stretch",
                 on_click=_save_scenario, args=(chosen, scenario.to_dict()))


def _save_scenario(target: tg.Target, scenario: dict) -> None:
    name, role = auth.current_user()
    try:
        new = tg.update(target_edit.store(), name, role, target.id, target.version,
                        {"scenario": scenario})
    except tg.TargetError as e:
        st.session_state[target_edit.MSG] = ("error", str(e))
    else:
        st.session_state[target_edit.MSG] = ("ok", t("pl_saved").format(v=new.version))


# -- 招引成效 -------------------------------------------------------------------------------------
def effect_section(ver: str, region: str, node: str, k: int | None,
                   targets: list[tg.Target]) -> None:
    landed = [x for x in targets if x.stage == tg.LANDED and x.landing]
    st.subheader(t("pl_effect"))
    st.caption(t("pl_effect_help"))
    if not landed:
        st.caption(t("pl_no_landed"))
        return
    now = monitor_figures(ver, region, node)
    for target in landed:
        st.markdown(f"**{components.md(target.label)}** · 落地时间 "
                    f"{components.md(_landed_at(target))}")
        st.table(effect_rows(target, ver, now, k), hide_index=True)


def effect_rows(target: tg.Target, ver: str, now: dict, k: int | None) -> pd.DataFrame:
    """The landing snapshot, then each later version's figures (kept once per version; this
    version's added now), under the rules for ``k``."""
    store = target_edit.store()
    if target.landing.get("version") != ver:
        tg.observe(store, target.id, ver, now)
    rows = [{**target.landing, "label": "落地时"}]
    for obs in tg.observations(store, target.id):
        if obs.get("wh_version") != target.landing.get("version"):
            rows.append({**obs, "version": obs["wh_version"], "label": "其后版本"})
    for row in rows:
        if row.get("version") == ver:
            row["label"] += " (当前版本)"
    shown = whatif.monitor_table(rows, k, unknown=t("unknown"))
    return shown.rename(columns={"label": "", "version": "数据版本", "year": t("year"),
                                 "talent": t("talent"), "lq_talent": t("lq_talent"),
                                 "sd_ratio": t("sd_ratio"), "sd_band": t("sd_band"),
                                 "status": "状态", "gap_score": t("gap_score")})


def _landed_at(target: tg.Target) -> str:
    for h in reversed(tg.history(target_edit.store(), target.id)):
        if h["changes"].get("stage", [None, None])[1] == tg.LANDED:
            return h["at"][:16].replace("T", " ")
    return "—"
