"""人才集群, the people: a cluster's talents and the scattered ones (in no cluster), the shortlist
and its exports, the cluster list export, and the search tab. A section of views/clusters.py.

Tables of people (recruiter and admin only) open a talent's profile when a cell is clicked
(``st.dataframe`` cell selection → ``st.switch_page`` with the id in session state and the URL);
ticking a row's box puts the talent on the shortlist, with the filters in force at that moment.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import pandas as pd
import streamlit as st

from analytics import clusters as cl
from analytics import talent as tl
from analytics.filters import Filters
from views import auth, cells, components, profile, state
from views.i18n import t

SHORTLIST = "shortlist"          # session: talent_id → row (masked contacts) + its filter group
GROUPS = "shortlist_groups"      # session: group id → the filters a talent was added under
GROUP = "_group"                 # a shortlist row's filter group
SEEN = "cl_seen"                 # session: table key → the rows ticked at its last run
SHORTLIST_STEM = "人才候选名单"
SCATTERED = "零散 (不在集群内)"
CONTACT_FIELDS = ("contact_name", "phone", "email")
TABLE_COLUMNS = {"talent_id": "人才编号", "node": "产业链环节", "tier": "层次", "education": "学历",
                 "university": "毕业院校", "years_experience": "工作年限", "skills": "技能",
                 "employer_name": "现任单位", "place": "所在地", "expected_city": "期望城市",
                 "contact_name": "姓名", "phone": "手机", "email": "邮箱"}
OPEN_HINT = "点击表格中的任一单元格打开该人才的档案。"
TICK_HINT = "勾选行首的方框即加入下方候选名单 (取消勾选即移出); " + OPEN_HINT


@dataclass(frozen=True)
class Context:
    """What a people table needs: the version and the filters in force."""
    ver: str
    f: Filters
    tf: tl.TalentFilters


# -- opening a profile --------------------------------------------------------------------------
def open_profile(tid: str) -> None:
    """Go to the talent's profile (same session, so the role and the filters carry over)."""
    st.session_state[profile.CURRENT] = tid
    st.switch_page("views/profile.py", query_params={"talent": tid})


def clicked_id(event, ids: list[str]) -> str | None:
    """The talent id of the row whose cell was clicked in a table's selection event."""
    picked = (getattr(event.selection, "cells", None) or []) if event is not None else []
    for row, _col in picked:
        if 0 <= int(row) < len(ids):
            return ids[int(row)]
    return None


# -- a cluster's people and the scattered ones --------------------------------------------------
def cluster_people(ctx: Context, result: dict, chosen: int) -> None:
    """The chosen cluster's people, for roles that may see individuals."""
    r = result["summary"][result["summary"]["cluster"] == chosen].iloc[0]
    st.subheader(f"{t('cl_people')} · {cl.label(r)}")
    if not auth.can_see_individuals():
        st.info(t("cl_individuals_only"))
        return
    grid = result["cells"]
    places = grid[grid["cluster"] == chosen]
    pairs = tuple(zip(places["adcode"], places["node_id"], strict=True))
    people = state.cluster_talents(ctx.ver, ctx.f, ctx.tf, pairs, auth.role())
    talent_table(ctx, people, cl.label(r), table_key(ctx.tf, pairs))


def scattered_people(ctx: Context, result: dict) -> None:
    """Matching talents in no cluster (DBSCAN noise): listed and shortlistable like a cluster's
    (recruiter and admin only; the caller checks)."""
    grid = result["cells"]
    noise = grid[grid["cluster"] < 0] if len(grid) else grid
    n = int(noise["talents"].sum()) if len(noise) else 0
    with st.expander(f"零散人才 · 不在任何集群内 ({n} 人)", expanded=result["summary"].empty):
        if not n:
            st.caption("符合条件的人才都在集群内。")
            return
        st.caption("符合条件、但所在地点的人数不足以形成集群的人才 (按层次与年限排序)。")
        pairs = tuple(zip(noise["adcode"], noise["node_id"], strict=True))
        people = state.cluster_talents(ctx.ver, ctx.f, ctx.tf, pairs, auth.role())
        talent_table(ctx, people, SCATTERED, table_key(ctx.tf, ("scattered", *pairs)))


def table_key(tf: tl.TalentFilters, pairs: tuple) -> str:
    """A widget key per (filters, cells): a new table starts from the shortlist."""
    return "cl_table_" + hashlib.sha1(repr((tf, pairs)).encode()).hexdigest()[:12]


def talent_table(ctx: Context, people: pd.DataFrame, cluster: str, key: str) -> None:
    """People (contacts masked): ticked rows join the shortlist, a clicked cell opens a profile."""
    if people.empty:
        st.caption("没有符合条件的人才。")
        return
    if len(people) >= tl.TABLE_LIMIT:
        st.caption(t("cl_first_rows").format(n=tl.TABLE_LIMIT))
    shortlist = st.session_state.setdefault(SHORTLIST, {})
    ids = people["talent_id"].tolist()
    chosen = [i for i, tid in enumerate(ids) if tid in shortlist]
    shown = cells.display_frame(people[list(TABLE_COLUMNS)]).rename(columns=TABLE_COLUMNS)
    event = st.dataframe(shown, hide_index=True, key=key, on_select="rerun",
                         selection_mode=["multi-row", "single-cell"],
                         selection_default={"selection": {"rows": chosen}}, width="stretch",
                         height=min(380, 35 * (len(shown) + 1) + 3), placeholder=cells.EMPTY)
    sync_shortlist(ctx, key, people, list(event.selection.rows), chosen, cluster)
    st.caption(TICK_HINT)
    if tid := clicked_id(event, ids):
        open_profile(tid)


def sync_shortlist(ctx: Context, key: str, people: pd.DataFrame, rows: list[int],
                   initial: list[int], cluster: str) -> None:
    """Apply what changed in this table's selection since its last run to the shortlist (rows
    of other tables stay); a talent added keeps the filters in force now."""
    before = st.session_state.setdefault(SEEN, {}).get(key, initial)
    shortlist = st.session_state.setdefault(SHORTLIST, {})
    added = set(rows) - set(before)
    group = register_group(ctx) if added else None
    for i in added:
        rec = people.iloc[i].to_dict()
        shortlist.setdefault(rec["talent_id"], {**rec, "cluster": cluster, GROUP: group})
    for i in set(before) - set(rows):
        if i < len(people):
            shortlist.pop(people.iloc[i]["talent_id"], None)
    st.session_state[SEEN][key] = list(rows)


# -- filters of the shortlist: recorded when a talent is added ----------------------------------
def filter_lines(ver: str, f: Filters, tf: tl.TalentFilters) -> list[str]:
    """The filters as '筛选条件' phrases (地区, 年份 resolved, then what is set)."""
    ref = state.reference(ver)
    node_names = dict(zip(ref["nodes"]["node_id"], ref["nodes"]["name_zh"], strict=True))
    year = ref["default_year"] if f.year is None and ref["years"] else f.year
    return tl.describe(f, tf, ref["region_names"], node_names, year)


def register_group(ctx: Context) -> str:
    """The id of the filters in force (registered once per session)."""
    gid = hashlib.sha1(repr((ctx.f, ctx.tf)).encode()).hexdigest()[:10]
    st.session_state.setdefault(GROUPS, {}).setdefault(gid, {
        "global": asdict(ctx.f), "talent": asdict(ctx.tf),
        "lines": filter_lines(ctx.ver, ctx.f, ctx.tf)})
    return gid


def groups_used(shortlist: dict) -> list[tuple[str, list[str]]]:
    """(group id, talent ids) in the order the groups were first used."""
    out: dict[str, list[str]] = {}
    for tid, row in shortlist.items():
        out.setdefault(row.get(GROUP) or "", []).append(tid)
    return list(out.items())


def stamp_line(ver: str) -> str:
    name, role = auth.current_user()
    return f"导出: {pd.Timestamp.now():%Y-%m-%d %H:%M} · {name} ({role}) · 数据版本 {ver}"


def shortlist_header(ver: str, used: list[tuple[str, list[str]]]) -> list[str]:
    """Header lines: the filters each talent was added under — one block when all share them,
    else one numbered block per group (the table then has a 筛选组 column) — then who exported
    which version when."""
    groups = st.session_state.get(GROUPS, {})
    if len(used) == 1:
        lines = [f"筛选条件: {x}" for x in groups.get(used[0][0], {}).get("lines", [])]
    else:
        lines = []
        for i, (gid, ids) in enumerate(used, 1):
            lines.append(f"筛选组 {i} ({len(ids)} 人): 加入候选名单时的筛选条件")
            lines += [f"筛选条件 (组 {i}): {x}" for x in groups.get(gid, {}).get("lines", [])]
    return [*lines, stamp_line(ver)]


def audit_groups(used: list[tuple[str, list[str]]]) -> dict:
    """The audit row's filters: per group, the filters and the talents added under them."""
    groups = st.session_state.get(GROUPS, {})
    return {"groups": [{"global": groups.get(gid, {}).get("global"),
                        "talent": groups.get(gid, {}).get("talent"), "talents": ids}
                       for gid, ids in used]}


# -- the shortlist ------------------------------------------------------------------------------
def revealed_contacts() -> dict[str, dict]:
    """Talent id → contacts revealed (with an audited reason) on a profile in this session."""
    return st.session_state.get(profile.UNMASKED) or {}


def shortlist_rows(shortlist: dict) -> tuple[list[dict], dict[str, str]]:
    """The rows with revealed contacts in place of the masked ones, and the revealed ids with
    the reason given on the profile."""
    revealed, reasons = revealed_contacts(), st.session_state.get(profile.REASONS) or {}
    rows, used = [], {}
    for tid, row in shortlist.items():
        if tid in revealed:
            row = {**row, **{k: revealed[tid].get(k) for k in CONTACT_FIELDS}}
            used[tid] = reasons.get(tid, "")
        rows.append(row)
    return rows, used


def shortlist_section(ctx: Context) -> None:
    shortlist = st.session_state.get(SHORTLIST) or {}
    st.subheader(f"{t('cl_shortlist')} ({len(shortlist)})")
    if not shortlist:
        st.caption(t("cl_shortlist_empty"))
        return
    rows, revealed = shortlist_rows(shortlist)
    df = tl.shortlist_frame(rows)
    used = groups_used(shortlist)
    if len(used) > 1:
        number = {tid: i for i, (_, ids) in enumerate(used, 1) for tid in ids}
        df["筛选组"] = [number[tid] for tid in shortlist]
    event = cells.table(df, "", key="cl_shortlist_table", on_select="rerun",
                             selection_mode="single-cell")
    st.caption(OPEN_HINT + "每人加入时的筛选条件随导出文件一并记录。")
    if revealed:
        st.caption(f"其中 {len(revealed)} 人的联系方式已在档案中查看 (理由已记入审计日志): 导出文件中"
                   "为完整联系方式, 并逐人记入审计日志; 其余人仍为掩码。")
    downloads(df, shortlist_header(ctx.ver, used), audit_groups(used), revealed)
    st.button(t("cl_clear"), on_click=clear, key="cl_clear")
    if tid := clicked_id(event, list(shortlist)):
        open_profile(tid)


def downloads(df: pd.DataFrame, lines: list[str], filters: dict, revealed: dict) -> None:
    """CSV and XLSX of the shortlist; a click writes the audit rows (export_audit)."""
    from exports.tables import csv_bytes, xlsx_bytes

    left, right = st.columns(2)
    for col, ext, data, mime in (
            (left, "csv", lambda: csv_bytes(df, lines), "text/csv"),
            (right, "xlsx", lambda: xlsx_bytes(df, lines),
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        name = f"{SHORTLIST_STEM}.{ext}"
        col.download_button(f"下载 {ext.upper()}", data(), file_name=name, mime=mime,
                            key=f"shortlist_{ext}", on_click=export_audit,
                            args=(name, filters, revealed), width="stretch")


def export_audit(name: str, filters: dict, revealed: dict[str, str]) -> None:
    """One 'export' row for the file (the filter groups), then one per revealed contact in it:
    target the talent id, reason the one given when it was revealed, filters the file and the
    fields exported."""
    auth.audit("export", name, filters=filters)
    for tid, reason in revealed.items():
        auth.audit("export", tid, reason or None,
                   filters={"file": name, "fields": ["姓名", "手机", "邮箱"]})


def clear() -> None:
    """Empty the shortlist and the tables' selections (so they do not re-add rows)."""
    for key in [k for k in st.session_state
                if str(k).startswith(("cl_table_", SEEN, SHORTLIST, GROUPS))]:
        del st.session_state[key]


# -- the cluster list ---------------------------------------------------------------------------
def export_clusters(ctx: Context, result: dict, k: int | None) -> None:
    """The cluster list as a table to download (suppressed as on screen; the filters now)."""
    summary = result["summary"]
    if summary.empty:
        return
    with st.expander(t("cl_export")):
        cards = tl.cluster_cards(summary, result["stats"], result["tops"], k)
        df = pd.DataFrame([{
            "集群": c["cluster"], "地点": c["place"], "区县数": c["n_places"], "产业链环节": c["node"],
            "人数": c["size"], "中位年限": c.get("median_experience"),
            "高层次占比": c.get("high_share"), "海归": c.get("returnees"),
            "主要技能": "、".join(v for v, _ in c.get("skill") or []),
            "主要单位": "、".join(v for v, _ in c.get("employer") or []),
            "主要院校": "、".join(v for v, _ in c.get("university") or [])} for c in cards])
        cells.table(df, "", height=240)
        lines = [*(f"筛选条件: {x}" for x in filter_lines(ctx.ver, ctx.f, ctx.tf)),
                 stamp_line(ctx.ver)]
        components.download_buttons(df, lines, "人才集群", "clusters",
                                    filters={"global": asdict(ctx.f), "talent": asdict(ctx.tf)})


# -- search -------------------------------------------------------------------------------------
def search_section(ver: str, k: int | None) -> None:
    examples = state.search_examples(ver)
    hint = ("如 " + "、".join(examples)) if examples else ""
    text = st.text_input(t("cl_search"), key="cl_search", placeholder=hint,
                         persist_state="session")
    if not text.strip():
        st.caption(t("cl_search_scope"))
        return
    q = text.strip()
    st.caption(scope_text(ver, q))
    who = auth.role() if auth.can_see_individuals() else None
    found = state.search(ver, q, who)
    st.subheader(t("cl_search_talents"))
    counts = found["counts"].assign(talents=lambda d: d["talents"].map(
        lambda v: tl.fmt_count(v, k)))
    cells.table(counts[["label", "talents"]].rename(columns={"label": "匹配字段",
                                                                  "talents": "人数"}), "")
    if who:
        people = found["talents"]
        event = cells.table(
            people[[*TABLE_COLUMNS, "matched_on"]].rename(
                columns={**TABLE_COLUMNS, "matched_on": "匹配于"}),
            f"没有人才的技能、现任单位、毕业院校或产业链环节匹配「{components.md(q)}」。",
            key="cl_search_table", on_select="rerun", selection_mode="single-cell")
        if event is not None:
            st.caption(OPEN_HINT)
        if tid := clicked_id(event, people["talent_id"].tolist()):
            open_profile(tid)
    else:
        st.caption(t("cl_individuals_only"))
    st.subheader(t("cl_search_firms"))
    cells.table(
        found["enterprises"].rename(columns={
            "name": "企业名称", "credit_code": "统一社会信用代码", "region": "所在地",
            "node": "产业链环节", "employees": "参保人数", "is_listed": "上市",
            "is_chain_leader": "链主"}),
        f"没有名称包含「{components.md(q)}」或信用代码以它开头的企业。")


def scope_text(ver: str, q: str) -> str:
    """What the search looked at, in words (it ignores every filter)."""
    scope = state.search_scope(ver, q)
    nodes = state.reference(ver)["nodes"]
    names = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    skills = scope["skills"]
    shown = "、".join(components.md(s) for s in skills[:8]) + (" …" if len(skills) > 8 else "")
    node_text = "、".join(components.md(names.get(n, n)) for n in scope["s_nodes"])
    quoted = f"「{components.md(q)}」"
    return (f"在全部数据中搜索{quoted} (不受左侧与上方筛选条件限制): 技能 — {shown or '无匹配'}; "
            f"现任单位、毕业院校 — 名称包含{quoted}; 产业链环节 — {node_text or '无匹配'}; "
            f"企业 — 名称包含{quoted}或信用代码以它开头。")
