"""人才档案: one talent's archive from every source — the record, contact details (masked until a
reason is given and audited), moves, the employer's register entry, matching postings, current
and expected location, skills on the chain, similar talents. Recruiters and admins only.
Opened by clicking a talent in a table of the clusters page (or a similar talent here): the id
is in session state and in the URL (?talent=<id>, validated); 「返回人才集群」 goes back to the
clusters page with its filters as they were."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import settings
from access import appdb
from analytics import talent as tl
from maps.figures import MAP_STYLE, fit_view
from views import auth, cells, components, state
from views.i18n import t

CURRENT = "profile_talent"   # session key: the talent in view
UNMASKED = "unmasked"        # session key: talent ids whose contacts this session revealed
REASONS = "unmask_reasons"   # session key: talent id → the reason given for revealing
BACK_PAGE = "views/clusters.py"


def page() -> None:
    ver = state.version()
    st.title(t("profile"))
    if not auth.can_see_individuals():
        st.error(t("pf_denied"))
        components.freshness_line(ver)
        return
    if st.button("← 返回人才集群", key="pf_back", help="回到人才集群页, 筛选条件与候选名单保持不变"):
        st.switch_page(BACK_PAGE)
    tid = talent_id()
    if tid is None:
        st.info(t("pf_none"))
    else:  # one profile per person, whichever of its records was named
        archive(ver, state.person_view_id(ver, tid, auth.role()))
    components.freshness_line(ver)


def talent_id() -> str | None:
    """The talent in view: ?talent=<id> (validated), else the last one of this session."""
    raw = st.query_params.get("talent")
    if raw and tl.TALENT_ID.match(str(raw)):
        st.session_state[CURRENT] = str(raw)
    return st.session_state.get(CURRENT)


def archive(ver: str, tid: str) -> None:
    data = state.profile(ver, tid, auth.role())
    record = data["record"]
    if record.empty:
        st.warning(t("pf_not_found"))
        return
    rec = record.iloc[0]
    st.subheader(f"{tid} · {rec['node_name']} · {rec['place']}")
    left, right = st.columns([3, 2])
    with left:
        record_table(rec)
        skills_section(ver, rec)
    with right:
        contact_section(tid, data["contact"])
        st.markdown(f"**{t('pf_map')}**")
        st.plotly_chart(location_figure(rec), key="profile_map")
        st.caption(f"蓝点: 现居 {_text(rec.get('place'))} · 红点: 期望 "
                   f"{_text(rec.get('expected_city'))}")
    provenance_section(ver, tid)
    _table(t("pf_moves"), data["moves"], {"moved_on": "日期", "from_place": "原所在地",
                                          "to_place": "现所在地"}, "没有流动记录。")
    _table(t("pf_employer"), data["employer"], EMPLOYER_COLUMNS, "企业库中没有现任单位的记录。")
    _table(t("pf_postings"), data["postings"], POSTING_COLUMNS, "没有匹配的招聘岗位。")
    similar_section(tid, data["similar"])


FIELDS = [("title", "职位"), ("employer_name", "现任单位"), ("tier_name", "人才层次"),
          ("education", "学历"), ("university", "毕业院校"), ("major", "专业"),
          ("years_experience", "工作年限"), ("birth_year", "出生年份"), ("layer", "产业链层级"),
          ("node_name", "产业链环节"), ("place", "所在地"), ("expected_city", "期望城市"),
          ("willing_to_relocate", "愿意流动"), ("is_returnee", "海归"),
          ("overseas_country", "留学国家"), ("observed_on", "数据日期"), ("source", "来源")]
EMPLOYER_COLUMNS = {"name": "企业名称", "credit_code": "统一社会信用代码", "region": "所在地",
                    "address": "地址", "node": "产业链环节", "founded_on": "成立日期",
                    "registered_capital_wan": "注册资本(万元)", "employees": "参保人数",
                    "is_listed": "上市", "is_chain_leader": "链主"}
POSTING_COLUMNS = {"title": "职位", "company": "企业", "place": "地点", "shared": "共同技能数",
                   "shared_skills": "共同技能", "salary_min": "月薪下限", "salary_max": "月薪上限",
                   "posted_on": "发布日期"}


PROVENANCE_LABELS = {"adcode": "所在地", "node_id": "产业链环节", "tier": "人才层次",
                     "education": "学历", "university": "毕业院校", "major": "专业",
                     "title": "职位", "years_experience": "工作年限", "birth_year": "出生年份",
                     "employer_name": "现任单位", "employer_credit_code": "单位信用代码",
                     "is_returnee": "海归", "overseas_country": "留学国家",
                     "willing_to_relocate": "愿意流动", "expected_adcode": "期望城市",
                     "skills": "技能"}


def provenance_section(ver: str, tid: str) -> None:
    """The person's archive (无感档案): every source record, and for each field the value used,
    the source and date it came from, and what other sources said (docs/linkage.md)."""
    from analytics import persons

    recs = state.person_records(ver, tid, auth.role())
    if recs.empty:
        return
    ref = state.reference(ver)
    nodes = dict(zip(ref["nodes"]["node_id"], ref["nodes"]["name_zh"], strict=True))

    def shown(field: str, v) -> str:
        if field in ("adcode", "expected_adcode"):
            return ref["region_names"].get(v, v)
        if field == "node_id":
            return nodes.get(v, v)
        if isinstance(v, (list, tuple, np.ndarray)):  # skills (a numpy bool is no list)
            return "、".join(map(str, list(v)))
        return _text(v)

    label = f"{t('pf_provenance')} ({len(recs)} 条记录, 来自 {recs['source'].nunique()} 个来源)"
    with st.expander(label, expanded=len(recs) > 1):
        res = persons.resolved(recs)
        differ = set(persons.conflicts(recs))
        rows = []
        for r in res.itertuples():
            others = sorted({shown(r.field, v) for v in recs[r.field] if persons.has_value(r.field, v)}
                            - {shown(r.field, r.value)}) if r.field in differ else []
            rows.append({"字段": PROVENANCE_LABELS.get(r.field, r.field),
                         "采用的值": shown(r.field, r.value), "来源": r.source,
                         "记录日期": _text(r.observed_on),
                         "其他来源的不同值": "、".join(others)})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption("同一字段取最近的记录; 同一天的按来源优先级 (人社 > 人才集团 > 猎聘 > 智联招聘 > 前程无忧 > "
                   "BOSS直聘); 有不同值的字段在最后一列列出。")


def record_table(rec: pd.Series) -> None:
    st.markdown(f"**{t('pf_record')}**")
    rows = [(label, _text(rec.get(col))) for col, label in FIELDS]
    st.dataframe(pd.DataFrame(rows, columns=["项目", "内容"]), hide_index=True, width="stretch",
                 height=35 * (len(rows) + 1) + 3)


def _text(v) -> str:
    """A record value as text: dates as dates, 是/否, whole numbers without '.0', — if missing."""
    v = cells.cell_text(v)
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def contact_section(tid: str, masked: dict) -> None:
    """Masked contacts; a reason of the minimum length reveals them and is audited."""
    st.markdown(f"**{t('pf_contact')}**")
    revealed = st.session_state.setdefault(UNMASKED, {})
    shown = revealed.get(tid, masked)
    st.markdown(contact_markdown(shown))
    if tid in revealed:
        return
    with st.form(f"reveal_{tid}"):
        reason = st.text_area(t("pf_reason"), key=f"reason_{tid}", height=68)
        if st.form_submit_button(t("pf_reveal")):
            reveal(tid, reason)


def contact_markdown(c: dict) -> str:
    """Name, phone and e-mail as plain text lines (no links: nothing is sent anywhere)."""
    return "  \n".join(f"{label}: `{str(c.get(key) or '—').replace('`', chr(39))}`"
                       for key, label in (("contact_name", "姓名"), ("phone", "手机"),
                                          ("email", "邮箱")))


def reveal(tid: str, reason: str) -> None:
    """Record the reason in the audit log, then show the contact details (this session)."""
    need = settings.get("audit_reason_min_chars")
    if len(reason.strip()) < need:
        st.warning(t("pf_reason_short").format(n=need))
        return
    try:
        auth.audit("unmask", tid, reason.strip())
    except appdb.AuditError as e:  # not recorded: not revealed
        st.error(str(e))
        return
    st.session_state[UNMASKED][tid] = tl.contact(state.reader(), tid, auth.role(), unmasked=True)
    st.session_state.setdefault(REASONS, {})[tid] = reason.strip()
    st.rerun()


def skills_section(ver: str, rec: pd.Series) -> None:
    st.markdown(f"**{t('pf_skills')}**")
    nodes = state.reference(ver)["nodes"]
    names = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    df = tl.skills_to_nodes(rec.get("skills"), names)
    cells.table(df.rename(columns={"skill": "技能", "node_id": "环节代码",
                                        "node": "产业链环节"}), "没有技能记录。")


def location_figure(rec: pd.Series) -> go.Figure:
    """Current place and expected city as two points joined by a line (no tiles)."""
    pts = [(rec.get("lon"), rec.get("lat"), f"现居: {rec.get('place')}", "#1f5fa8")]
    if pd.notna(rec.get("expected_lon")):
        pts.append((rec["expected_lon"], rec["expected_lat"],
                    f"期望: {rec.get('expected_city')}", "#d1495b"))
    pts = [p for p in pts if pd.notna(p[0]) and pd.notna(p[1])]
    fig = go.Figure(components.region_outline("100000"))
    if len(pts) == 2:
        fig.add_trace(go.Scattermap(lon=[p[0] for p in pts], lat=[p[1] for p in pts],
                                    mode="lines", line={"width": 2, "color": "#999"},
                                    hoverinfo="skip"))
    # markers only: text on a MapLibre map needs glyphs from a font server (not offline)
    fig.add_trace(go.Scattermap(lon=[p[0] for p in pts], lat=[p[1] for p in pts],
                                mode="markers", text=[p[2] for p in pts], name="位置",
                                marker={"size": 14, "color": [p[3] for p in pts]},
                                hovertemplate="%{text}<extra></extra>"))
    lons = [p[0] for p in pts] or [120.38]
    lats = [p[1] for p in pts] or [36.07]
    pad = 1.5
    center, zoom = fit_view((min(lons) - pad, min(lats) - pad, max(lons) + pad,
                             max(lats) + pad), 420, 300)
    fig.update_layout(height=300, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      map={"style": MAP_STYLE, "center": center, "zoom": zoom})
    return fig


def _table(title: str, df: pd.DataFrame, columns: dict, empty: str) -> None:
    st.markdown(f"**{title}**")
    if df is None or df.empty:
        st.caption(empty)
        return
    cells.table(df[[c for c in columns if c in df]].rename(columns=columns), empty)


def similar_section(tid: str, similar: pd.DataFrame) -> None:
    """Similar talents; clicking a cell opens that talent's profile here (a table per profile,
    so the click is not carried over to the next one)."""
    st.markdown(f"**{t('pf_similar')}**")
    event = cells.table(similar.rename(columns={
        "talent_id": "人才编号", "place": "所在地", "tier": "层次", "education": "学历",
        "years_experience": "工作年限", "employer_name": "现任单位", "shared": "共同技能数",
        "shared_skills": "共同技能"}), "没有同环节、有共同技能的人才。", key=f"pf_similar_{tid}",
        on_select="rerun", selection_mode="single-cell")
    if event is None:
        return
    st.caption("点击表格中的任一单元格打开该人才的档案。")
    picked = event.selection.cells
    if picked and 0 <= int(picked[0][0]) < len(similar):
        other = similar["talent_id"].iloc[int(picked[0][0])]
        st.session_state[CURRENT] = other
        st.query_params["talent"] = other
        st.rerun()


if __name__ == "__main__":  # run as a page by st.navigation
    page()
