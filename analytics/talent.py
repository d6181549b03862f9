"""Individual talent records (Streamlit-free, role-aware): the members of a cluster, a talent's
profile (record, contact, moves, employer, matching postings, similar talent), search results and
the shortlist export.

Individual records are returned only for roles that may see them (``users.can_see_individuals``);
other roles get counts (``analytics.talent_aggregates``: clusters, search counts, whose names
this module re-exports, so that ``analytics.talent`` stays the one import of the talent pages).
Contact details leave this module masked unless a caller that recorded a reason asks for them
unmasked. Values are always bound parameters; the only text composed into SQL are the constant
snippets below.
"""

from __future__ import annotations

import re

import pandas as pd

from access.users import can_see_individuals
from analytics import queries as q
from analytics.filters import Filters
from analytics.talent_aggregates import (  # noqa: F401 - re-exported for the talent pages
    AGE_BAND,
    AGE_BANDS,
    EXPERIENCE_BAND,
    EXPERIENCE_MAX,
    HIGH,
    MAPPED,
    PLACE,
    SEARCH_KINDS,
    SKILL_SIMILARITY,
    TOP_N,
    WHERE,
    TalentFilters,
    cluster_cards,
    cluster_cells,
    cluster_stats,
    cluster_tops,
    describe,
    fmt_count,
    match_skills,
    params,
    place_sql,
    resolve_skills,
    search_enterprises,
    search_examples,
    search_params,
    search_talent_counts,
    skill_vocabulary,
    split_terms,
    universities,
)
from store.reader import Reader

TALENT_ID = re.compile(r"^T[0-9a-f]{19}$")
TABLE_LIMIT = 1000


class NotAllowed(PermissionError):
    """The role may not see individual records."""


def _require_individuals(role: str) -> None:
    if not can_see_individuals(role):
        raise NotAllowed(f"角色 {role} 无权查看个人记录")


# -- individuals --------------------------------------------------------------------------------
DETAIL = f"""
    SELECT t.talent_id, coalesce(n.name_zh, '未分类') AS node, coalesce(t.tier, 'N') AS tier,
           t.education, t.university, t.years_experience, array_to_string(t.skills, '、') AS skills,
           t.employer_name, {PLACE} AS place, coalesce(e.name, '') AS expected_city,
           t.title, ct.name AS contact_name, ct.phone, ct.email
"""
DETAIL_FROM = """
    LEFT JOIN chain_node n ON n.node_id = t.node_id
    LEFT JOIN region r ON r.adcode = t.adcode LEFT JOIN region c ON c.adcode = r.city_adcode
    LEFT JOIN region e ON e.adcode = t.expected_adcode
    LEFT JOIN talent_contact ct ON ct.talent_id = t.talent_id
"""
ORDER = "ORDER BY coalesce(tr.rank, 9), t.years_experience DESC NULLS LAST, t.talent_id"


CLUSTER_TALENTS = f"""
        WITH cells AS (SELECT unnest($c_adcode::VARCHAR[]) AS adcode,
                              unnest($c_node::VARCHAR[]) AS node_id)
        {DETAIL}
        FROM talent_person t JOIN cells ON cells.adcode = t.adcode
             AND cells.node_id = coalesce(t.node_id, '未分类')
        LEFT JOIN tier tr ON tr.tier = t.tier
        {DETAIL_FROM}
        WHERE {WHERE}
        {ORDER} LIMIT $limit
    """  # noqa: S608 - constant fragments only


def cluster_talents(reader: Reader, f: Filters, tf: TalentFilters, places: list[tuple[str, str]],
                    role: str, limit: int = TABLE_LIMIT) -> pd.DataFrame:
    """The talents of one cluster (its (adcode, node) cells), each person once (the row of
    ``talent_person``: their latest record, filled), contacts masked."""
    _require_individuals(role)
    p = params(reader, f, tf) | {"c_adcode": [a for a, _ in places],
                                 "c_node": [n for _, n in places], "limit": limit}
    df = reader.df(q.on_persons(reader, CLUSTER_TALENTS), p)
    return mask_contacts(df)


def mask_name(v) -> str | None:
    """张三 → 张**: the family name stays, the length of the given name does not show."""
    if v is None or pd.isna(v) or not str(v).strip():
        return None
    s = str(v).strip()
    return "*" if len(s) == 1 else s[0] + "**"


def mask_phone(v) -> str | None:
    """13800000001 → 138****0001."""
    if v is None or pd.isna(v) or not str(v).strip():
        return None
    s = re.sub(r"\s", "", str(v))
    if len(s) >= 11:
        return s[:3] + "****" + s[-4:]
    if len(s) >= 7:
        return s[:2] + "****" + s[-2:]
    return "****"


def mask_email(v) -> str | None:
    """a@example.com → a***@example.com."""
    if v is None or pd.isna(v) or not str(v).strip():
        return None
    local, at, domain = str(v).strip().partition("@")
    return f"{local[:1]}***@{domain}" if at and local else "***"


def mask_contacts(df: pd.DataFrame) -> pd.DataFrame:
    """Contact columns masked in place of the originals."""
    return df.assign(contact_name=df["contact_name"].map(mask_name),
                     phone=df["phone"].map(mask_phone), email=df["email"].map(mask_email))


# -- profile ------------------------------------------------------------------------------------
# A profile opens on any record of a person (any of its talent_ids); the page shows the person's
# representative record (person_view_id), filled from talent_person, with the moves of all its
# records, and lists every record in its provenance (analytics.persons).
TALENT_RECORD = f"""
        SELECT t.*, {PLACE} AS place, coalesce(n.name_zh, '未分类') AS node_name, n.layer,
               tr.name AS tier_name, e.name AS expected_city, r.lon, r.lat,
               e.lon AS expected_lon, e.lat AS expected_lat, r.province_adcode,
               e.province_adcode AS expected_province
        FROM ({{records}}) t LEFT JOIN region r ON r.adcode = t.adcode
        LEFT JOIN region c ON c.adcode = r.city_adcode
        LEFT JOIN region e ON e.adcode = t.expected_adcode
        LEFT JOIN chain_node n ON n.node_id = t.node_id LEFT JOIN tier tr ON tr.tier = t.tier
        ORDER BY t.observed_on DESC
    """  # noqa: S608 - constant fragments only
# The record itself; when it is a person's representative record, its talent_person row (the
# fields it lacks filled from the person's older records, etl/sql/marts.sql).
_RECORD_AS_IS = "SELECT * FROM talent WHERE talent_id = $id"
_RECORD_FILLED = """SELECT * FROM talent_person WHERE talent_id = $id
        UNION ALL BY NAME SELECT * FROM talent WHERE talent_id = $id
        AND NOT EXISTS (SELECT 1 FROM talent_person WHERE talent_id = $id)"""
# The talent_id a profile shows for a record: its person's representative record.
PERSON_VIEW = """SELECT p.talent_id FROM talent t JOIN talent_person p ON p.person_id = t.person_id
        WHERE t.talent_id = $id"""


def talent_record(reader: Reader, talent_id: str, role: str) -> pd.DataFrame:
    """The talent's record with region, node and tier names (no contact details); a person's
    representative record with the fields it lacks filled (talent_person)."""
    _require_individuals(role)
    records = _RECORD_FILLED if reader.has_table("talent_person") else _RECORD_AS_IS
    return reader.df(TALENT_RECORD.replace("{records}", records), {"id": talent_id})


def person_view_id(reader: Reader, talent_id: str, role: str) -> str:
    """The record a profile opened on ``talent_id`` shows: the representative record of its
    person (a person is one profile, whichever source's record a link named), else itself."""
    _require_individuals(role)
    if not reader.has_table("talent_person"):
        return talent_id
    df = reader.df(PERSON_VIEW, {"id": talent_id})
    return str(df.iloc[0, 0]) if len(df) else talent_id


def contact(reader: Reader, talent_id: str, role: str, unmasked: bool = False) -> dict:
    """Name, phone and e-mail; masked unless ``unmasked`` (the caller recorded a reason)."""
    _require_individuals(role)
    df = reader.df("SELECT name AS contact_name, phone, email FROM talent_contact "
                   "WHERE talent_id = $id", {"id": talent_id})
    if df.empty:
        return {"contact_name": None, "phone": None, "email": None}
    row = (df if unmasked else mask_contacts(df)).iloc[0]
    return {k: (None if pd.isna(v) else v) for k, v in row.items()}


MOVES = f"""
        SELECT m.moved_on, coalesce({place_sql("a", "ac")}, m.from_adcode) AS from_place,
               coalesce({place_sql("b", "bc")}, m.to_adcode) AS to_place
        FROM talent_move m
        LEFT JOIN region a ON a.adcode = m.from_adcode LEFT JOIN region ac ON ac.adcode = a.city_adcode
        LEFT JOIN region b ON b.adcode = m.to_adcode LEFT JOIN region bc ON bc.adcode = b.city_adcode
        WHERE m.talent_id IN ({{ids}}) ORDER BY m.moved_on
    """  # noqa: S608 - constant fragments only
# The moves of every record of the talent's person (a move names the record of its own source).
_PERSON_RECORDS = """SELECT talent_id FROM talent WHERE person_id = (
        SELECT person_id FROM talent WHERE talent_id = $id) UNION SELECT $id"""


def moves(reader: Reader, talent_id: str, role: str) -> pd.DataFrame:
    """The moves on record for the talent's person (all its records)."""
    _require_individuals(role)
    ids = _PERSON_RECORDS if reader.has_column("talent", "person_id") else "SELECT $id"
    return reader.df(MOVES.replace("{ids}", ids), {"id": talent_id})


def employer(reader: Reader, credit_code: str | None) -> pd.DataFrame:
    """The enterprise record of a credit code (enterprises are not personal data)."""
    if not credit_code:
        return pd.DataFrame()
    return reader.df("""
        SELECT e.name, e.credit_code, r.name AS region, e.address, coalesce(n.name_zh, '未分类')
               AS node, e.founded_on, e.registered_capital_wan, e.employees, e.is_listed,
               e.is_chain_leader
        FROM enterprise e LEFT JOIN region r USING (adcode)
        LEFT JOIN chain_node n ON n.node_id = e.node_id
        WHERE e.credit_code = $code ORDER BY e.observed_on DESC NULLS LAST LIMIT 1
    """, {"code": credit_code})


def matching_postings(reader: Reader, talent_id: str, role: str, limit: int = 10) -> pd.DataFrame:
    """Postings in the talent's node and city (or expected city), most shared skills first."""
    _require_individuals(role)
    return reader.df("""
        WITH me AS (
            SELECT t.node_id, t.skills, coalesce(r.city_adcode, t.adcode) AS city,
                   coalesce(x.city_adcode, t.expected_adcode) AS expected_city
            FROM talent t LEFT JOIN region r ON r.adcode = t.adcode
            LEFT JOIN region x ON x.adcode = t.expected_adcode
            WHERE t.talent_id = $id LIMIT 1
        )
        SELECT p.title, coalesce(p.company_name, '') AS company, pr.name AS place,
               len(list_intersect(p.skills, me.skills)) AS shared,
               array_to_string(list_intersect(p.skills, me.skills), '、') AS shared_skills,
               p.salary_min, p.salary_max, p.posted_on, p.posting_id
        FROM job_posting p CROSS JOIN me
        JOIN region pr ON pr.adcode = p.adcode
        WHERE p.node_id = me.node_id
          AND (coalesce(pr.city_adcode, p.adcode) = me.city
               OR coalesce(pr.city_adcode, p.adcode) = me.expected_city)
        ORDER BY shared DESC, p.posted_on DESC, p.posting_id LIMIT $limit
    """, {"id": talent_id, "limit": limit})


SIMILAR_TALENTS = f"""
        WITH me AS (SELECT node_id, skills, person_id FROM talent WHERE talent_id = $id LIMIT 1)
        SELECT t.talent_id, {PLACE} AS place, coalesce(t.tier, 'N') AS tier, t.education,
               t.years_experience, t.employer_name,
               len(list_intersect(t.skills, me.skills)) AS shared,
               array_to_string(list_intersect(t.skills, me.skills), '、') AS shared_skills
        FROM talent_person t CROSS JOIN me
        LEFT JOIN region r ON r.adcode = t.adcode LEFT JOIN region c ON c.adcode = r.city_adcode
        WHERE t.node_id = me.node_id AND t.talent_id <> $id
          AND t.person_id IS DISTINCT FROM me.person_id  -- not the talent under another record
          AND len(list_intersect(t.skills, me.skills)) > 0
        ORDER BY shared DESC, t.years_experience DESC NULLS LAST, t.talent_id LIMIT $limit
    """  # noqa: S608 - constant fragments only


def similar_talents(reader: Reader, talent_id: str, role: str, limit: int = 10) -> pd.DataFrame:
    """Other persons in the same node with the most skills in common (no contact details); the
    talent is the record ``talent_id`` (any of a person's records), the others are persons."""
    _require_individuals(role)
    return reader.df(q.on_persons(reader, SIMILAR_TALENTS), {"id": talent_id, "limit": limit})


def skills_to_nodes(skills, node_names: dict[str, str]) -> pd.DataFrame:
    """Each skill with the chain node its words point to (taxonomy keywords)."""
    from reference.taxonomy import default_classifier

    clf = default_classifier()
    # A record without skills (an HR workbook has none) comes as None or pd.NA: no rows.
    given = [] if skills is None or (not hasattr(skills, "__len__") and pd.isna(skills)) \
        else list(skills)
    rows = [(s, clf.classify(s)) for s in given]
    return pd.DataFrame({"skill": pd.Series([s for s, _ in rows], dtype=object),
                         "node_id": pd.Series([n for _, n in rows], dtype=object),
                         "node": [node_names.get(n, "—") if n else "—" for _, n in rows]})


# -- search -------------------------------------------------------------------------------------
_MATCHED = " || ".join(f"CASE WHEN {cond} THEN '{lab} ' ELSE '' END"
                       for lab, cond in SEARCH_KINDS.values())
_ANY_OF = " OR ".join(f"coalesce({cond}, false)" for _, cond in SEARCH_KINDS.values())
SEARCH_TALENTS = f"""
        {DETAIL}, trim({_MATCHED}) AS matched_on
        FROM talent_person t LEFT JOIN tier tr ON tr.tier = t.tier
        {DETAIL_FROM}
        WHERE {_ANY_OF}
        {ORDER} LIMIT $limit
    """  # noqa: S608 - constant fragments only


def search_talents(reader: Reader, text: str, role: str, limit: int = 100,
                   vocab: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Individual talents the text finds, each person once (roles that may see individuals),
    contacts masked."""
    _require_individuals(role)
    p = search_params(reader, text, vocab) | {"limit": limit}
    df = reader.df(q.on_persons(reader, SEARCH_TALENTS), p)
    return mask_contacts(df)


def shortlist_frame(rows: list[dict]) -> pd.DataFrame:
    """The shortlist as an export table with Chinese column names (contacts stay masked)."""
    cols = {"talent_id": "人才编号", "node": "产业链环节", "tier": "人才层次",
            "education": "学历", "university": "毕业院校", "years_experience": "工作年限",
            "skills": "技能", "employer_name": "现任单位", "place": "所在地",
            "expected_city": "期望城市", "contact_name": "姓名", "phone": "手机",
            "email": "邮箱", "cluster": "集群"}
    df = pd.DataFrame(rows, columns=list(cols))
    return df.rename(columns=cols)
