"""A person's archive (issue #14): the source records of one person and their facts resolved.

Records of one person from several sources are linked at publish (etl/linkage.py: ``talent.
person_id``). For the profile page: ``records`` lists a person's ``talent`` rows with source and
observed_on (provenance); ``resolved`` picks, field by field, one value — the most recent
observation that has the field, then the source earlier in ``SOURCE_PRIORITY`` (a source not in
the list comes after those in it), then the smallest talent_id — and says where it came from.
Only roles that may see individuals may read either (access.users).
"""

from __future__ import annotations

import pandas as pd

from access.users import can_see_individuals
from store.reader import Reader

# Sources in the order their values win when two records of a person were observed the same
# day (official registers before HR workbooks before job boards).
SOURCE_PRIORITY = ("人社", "人才集团", "猎聘", "智联招聘", "前程无忧", "BOSS直聘")
FIELDS = ("adcode", "node_id", "tier", "education", "university", "major", "title",
          "years_experience", "birth_year", "employer_name", "employer_credit_code",
          "is_returnee", "overseas_country", "willing_to_relocate", "expected_adcode", "skills")
PERSON_RECORDS = """
    SELECT t.person_id, t.talent_id, t.source, t.observed_on, t.batch_id, l.file,
           t.* EXCLUDE (person_id, talent_id, source, observed_on, batch_id)
    FROM talent t LEFT JOIN load_batch l USING (batch_id)
    WHERE t.person_id = (SELECT person_id FROM talent WHERE talent_id = $id OR person_id = $id
                         LIMIT 1)
    ORDER BY t.observed_on DESC, t.talent_id
"""


def _require_individuals(role: str) -> None:
    if not can_see_individuals(role):
        raise PermissionError(f"角色 {role} 不能查看个人档案")


def records(reader: Reader, person_or_talent_id: str, role: str) -> pd.DataFrame:
    """Every source record of the person (given a person_id, or any talent_id of theirs),
    newest first, with source, observed_on, batch and file."""
    _require_individuals(role)
    return reader.df(PERSON_RECORDS, {"id": person_or_talent_id})


def source_rank(source: str, priority: tuple[str, ...] = SOURCE_PRIORITY) -> int:
    return priority.index(source) if source in priority else len(priority)


def resolved(recs: pd.DataFrame, priority: tuple[str, ...] = SOURCE_PRIORITY) -> pd.DataFrame:
    """One row per field: the value, and the talent_id, source and observed_on it came from.
    A field no record has is left out."""
    if recs.empty:
        return pd.DataFrame(columns=["field", "value", "talent_id", "source", "observed_on"])
    order = recs.assign(_rank=recs["source"].map(lambda s: source_rank(s, priority)))
    order = order.sort_values(["observed_on", "_rank", "talent_id"],
                              ascending=[False, True, True], kind="stable")
    out = []
    for name in (f for f in FIELDS if f in order.columns):
        for row in order.itertuples(index=False):
            value = getattr(row, name)
            if has_value(name, value):
                out.append((name, value, row.talent_id, row.source, row.observed_on))
                break
    return pd.DataFrame(out, columns=["field", "value", "talent_id", "source", "observed_on"])


def conflicts(recs: pd.DataFrame) -> list[str]:
    """Fields on which the person's records disagree (shown beside the resolved value). A
    place and the region that contains it do not disagree (青岛市 and 青岛市崂山区: one is the
    other written less precisely)."""
    out = []
    for name in (f for f in FIELDS if f in recs.columns):
        values = {_hashable(v) for v in recs[name] if has_value(name, v)}
        if name in ("adcode", "expected_adcode"):
            values = {v for v in values if not any(w != v and _within(w, v) for w in values)}
        if len(values) > 1:
            out.append(name)
    return out


def has_value(field: str, value) -> bool:
    """Whether a record states the field: not missing, not an empty list, and for the tier not
    ``N`` (the loader's word for "no tier given")."""
    return _present(value) and not (field == "tier" and value == "N")


def _within(inner: str, outer: str) -> bool:
    """Whether region ``inner`` lies in region ``outer`` (adcodes: a province ends in 0000, a
    city in 00; outside China's adcodes, only equality)."""
    if not (isinstance(inner, str) and isinstance(outer, str) and len(outer) == 6
            and outer.isdigit()):
        return False
    prefix = outer[:2] if outer.endswith("0000") else outer[:4] if outer.endswith("00") else outer
    return inner.startswith(prefix)


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple)) or hasattr(value, "__len__") and not isinstance(value, str):
        return len(value) > 0
    return not pd.isna(value)


def _hashable(value):
    return tuple(value) if not isinstance(value, str) and hasattr(value, "__len__") else value


# -- the review queue (人员合并审核) ---------------------------------------------------------------
REVIEW_PAIRS = """
SELECT v.talent_id_a, v.talent_id_b, v.probability, v.compared
FROM link_review v ORDER BY v.probability DESC, v.talent_id_a, v.talent_id_b LIMIT $limit
"""
REVIEW_RECORDS = """
SELECT t.talent_id, t.person_id, t.source, t.observed_on, ct.name, ct.phone, ct.email,
       t.birth_year, t.university, t.major, t.employer_name, t.title, r.name AS place,
       array_to_string(t.skills, '、') AS skills
FROM talent t LEFT JOIN talent_contact ct USING (talent_id) LEFT JOIN region r USING (adcode)
WHERE t.talent_id IN (SELECT unnest($ids::VARCHAR[]))
"""
REVIEW_FIELDS = {"source": "来源", "observed_on": "记录日期", "name": "姓名", "phone": "手机",
                 "email": "邮箱", "birth_year": "出生年份", "university": "毕业院校",
                 "major": "专业", "employer_name": "现任单位", "title": "职位", "place": "所在地",
                 "skills": "技能", "person_id": "当前归属"}


def review_pairs(reader: Reader, role: str, limit: int = 200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs waiting for review (most probable first) and their records (contacts masked:
    a reviewer compares them, e.g. the last four digits of a phone)."""
    from analytics.talent import mask_contacts

    _require_individuals(role)
    pairs = reader.df(REVIEW_PAIRS, {"limit": int(limit)})
    ids = sorted(set(pairs["talent_id_a"]) | set(pairs["talent_id_b"]))
    recs = reader.df(REVIEW_RECORDS, {"ids": ids}).rename(columns={"name": "contact_name"})
    recs = mask_contacts(recs).rename(columns={"contact_name": "name"})
    return pairs, recs.set_index("talent_id")


def side_by_side(recs: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The two records field by field (字段, 记录 A, 记录 B, 相同)."""
    rows = []
    for field, label in REVIEW_FIELDS.items():
        va, vb = (recs.at[t, field] if t in recs.index else None for t in (a, b))
        show = ["—" if not _present(v) else str(v) for v in (va, vb)]
        rows.append({"字段": label, "记录 A": show[0], "记录 B": show[1],
                     "相同": "是" if show[0] == show[1] and show[0] != "—" else ""})
    return pd.DataFrame(rows)
