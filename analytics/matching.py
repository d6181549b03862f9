"""产才对接会 (matchmaking): for a region and an event, the local enterprises with open postings
in its gap and key chain nodes × the talents who would come, ranked by fit, with the reasons
(docs/matching.md). Streamlit-free; individual records only for roles that may see them.

Who is who:
- **enterprises**: the employers (``company_name``) of postings published in the year in the
  region (or under it) in the chosen nodes; their credit code when a posting gives one.
- **talents who would come**: a person (``talent_person``: their latest record, a field it
  lacks filled from their older records), placed outside the region (abroad included), in one
  of the chosen nodes, and either 愿意流动 (for someone abroad: return intention) or with a
  期望城市 inside the region.
- a talent is a candidate for a posting **of the same chain node**.

Fit of a talent for a posting, 0–100 (``SCORE``): skills 40 × (shared skills ÷ the posting's
skills, case-insensitive), education 15 (at least the posting's requirement, or none asked),
experience 15 (at least the posting's minimum; 7 when one year short; 5 when unknown), tier 15
(A 15, B 13, C 11, D 9, E 5), intent 15 (期望城市 in the region 15, abroad and willing to return
12, willing to relocate 8). A talent's fit for an enterprise is their best posting's; ties go to
the smaller talent id, so the order is reproducible.
"""

from __future__ import annotations

import pandas as pd

from analytics import queries as q
from analytics.talent import NotAllowed, _require_individuals, mask_contacts  # noqa: F401
from reference.abroad import ABROAD_ADCODE
from store.reader import Reader

WEIGHTS = {"skills": 40, "education": 15, "experience": 15, "tier": 15, "intent": 15}
EDU_RANK = "CASE {col} WHEN '博士' THEN 4 WHEN '硕士' THEN 3 WHEN '本科' THEN 2 " \
           "WHEN '专科' THEN 1 ELSE 0 END"
TIER_POINTS = "CASE t.tier WHEN 'A' THEN 15 WHEN 'B' THEN 13 WHEN 'C' THEN 11 WHEN 'D' THEN 9 " \
              "WHEN 'E' THEN 5 ELSE 0 END"

PAIRS = f"""
WITH here AS (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region),
abroad AS (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '{ABROAD_ADCODE}'),
posts AS (
    SELECT p.company_name AS firm, p.credit_code, p.posting_id, p.node_id, p.title,
           list_distinct(list_transform(coalesce(p.skills, []), lambda x: lower(x))) AS p_skills,
           p.skills AS posting_skills, p.education_req, p.experience_min
    FROM job_posting p
    WHERE p.adcode IN (SELECT adcode FROM here) AND year(p.posted_on) = $year
      AND list_contains($nodes, p.node_id) AND p.company_name IS NOT NULL
),
latest AS (SELECT * FROM talent_person),  -- each person once (docs/linkage.md, "Counting")
cands AS (
    SELECT t.*, t.adcode IN (SELECT adcode FROM abroad) AS abroad,
           coalesce(t.expected_adcode IN (SELECT adcode FROM here), false) AS expects_here,
           coalesce(t.willing_to_relocate, false) AS willing
    FROM latest t
    WHERE t.adcode NOT IN (SELECT adcode FROM here) AND list_contains($nodes, t.node_id)
      AND year(t.observed_on) <= $year
      AND (coalesce(t.willing_to_relocate, false)
           OR coalesce(t.expected_adcode IN (SELECT adcode FROM here), false))
),
scored AS (
    SELECT p.firm, p.credit_code, p.posting_id, p.title, p.node_id, p.posting_skills,
           p.education_req, p.experience_min,
           t.talent_id, t.tier, t.education, t.years_experience, t.adcode, t.abroad,
           t.expects_here, t.willing, t.expected_adcode,
           list_sort(list_intersect(
               list_distinct(list_transform(coalesce(t.skills, []), lambda x: lower(x))),
               p.p_skills)) AS shared,
           len(p.p_skills) AS asked,
           {EDU_RANK.format(col="t.education")} >= {EDU_RANK.format(col="p.education_req")}
               AS edu_ok,
           CASE WHEN p.experience_min IS NULL THEN 15
                WHEN t.years_experience IS NULL THEN 5
                WHEN t.years_experience >= p.experience_min THEN 15
                WHEN t.years_experience >= p.experience_min - 1 THEN 7 ELSE 0 END AS exp_points,
           {TIER_POINTS} AS tier_points,
           CASE WHEN t.expects_here THEN 15 WHEN t.abroad AND t.willing THEN 12
                WHEN t.willing THEN 8 ELSE 0 END AS intent_points
    FROM posts p JOIN cands t ON t.node_id = p.node_id
)
SELECT *, round(40.0 * len(shared) / greatest(asked, 1) + 15 * edu_ok::INT + exp_points
                + tier_points + intent_points, 1) AS score
FROM scored
"""  # noqa: S608 - constant snippets, values bound
BEST = f"""
WITH pairs AS ({PAIRS})
SELECT * FROM pairs
QUALIFY row_number() OVER (PARTITION BY firm, talent_id
                           ORDER BY score DESC, posting_id) = 1
"""  # noqa: S608


def best_pairs(reader: Reader, region: str, year: int, nodes: list[str]) -> pd.DataFrame:
    """One row per (enterprise, talent): the talent's best posting of the firm and its score."""
    return reader.df(q.on_persons(reader, BEST),
                     {"region": region, "year": year, "nodes": list(nodes)})


def reasons(row) -> str:
    """Why a talent fits a posting, in words (the score's parts)."""
    shared = list(row["shared"]) if row["shared"] is not None else []
    out = [f"技能重合 {len(shared)}/{int(row['asked'])}"
           + (f" ({'、'.join(shared[:4])})" if shared else "")]
    req = row["education_req"]
    out.append(f"学历 {row['education'] or '未知'}" + (f" {'≥' if row['edu_ok'] else '<'} {req}"
                                                    if isinstance(req, str) else ""))
    years, need = row["years_experience"], row["experience_min"]
    have = "未知" if years is None or pd.isna(years) else f"{years:g} 年"
    out.append(f"经验 {have}" + ("" if need is None or pd.isna(need) or not need
                                 else f" / 要求 {need:g} 年"))
    if row["tier"] in ("A", "B", "C", "D", "E"):
        out.append(f"{row['tier']} 类人才")
    out.append("期望来本地" if row["expects_here"] else
               "海外, 愿意回国" if row["abroad"] and row["willing"] else "愿意流动")
    return "; ".join(out)


def _ranked(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.sort_values(["score", "talent_id"], ascending=[False, True], kind="stable")


def invitations(pairs: pd.DataFrame, per_firm: int = 10) -> pd.DataFrame:
    """Per enterprise, its best ``per_firm`` talents (rank 1 = best), firms by their best fit."""
    if pairs.empty:
        return pairs.assign(rank=pd.Series(dtype=int), why=pd.Series(dtype=str))
    df = _ranked(pairs)
    df = df.assign(rank=df.groupby("firm").cumcount() + 1)
    df = df[df["rank"] <= per_firm]
    top = df.groupby("firm")["score"].max().rename("firm_best")
    df = df.join(top, on="firm").sort_values(["firm_best", "firm", "rank"],
                                              ascending=[False, True, True], kind="stable")
    return df.drop(columns="firm_best").assign(why=lambda d: d.apply(reasons, axis=1)) \
        .reset_index(drop=True)


def meetings(pairs: pd.DataFrame, per_talent: int = 5) -> pd.DataFrame:
    """Per talent, the ``per_talent`` enterprises to meet (rank 1 = best fit)."""
    if pairs.empty:
        return pairs.assign(rank=pd.Series(dtype=int))
    df = pairs.sort_values(["talent_id", "score", "firm"], ascending=[True, False, True],
                           kind="stable")
    df = df.assign(rank=df.groupby("talent_id").cumcount() + 1)
    return df[df["rank"] <= per_talent].reset_index(drop=True)


def firm_counts(pairs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate view (every role): per enterprise, its postings' nodes and how many talents
    would fit (score ≥ 50), without naming anyone."""
    if pairs.empty:
        return pd.DataFrame(columns=["firm", "nodes", "candidates", "good"])
    g = pairs.groupby("firm")
    return pd.DataFrame({
        "nodes": g["node_id"].agg(lambda s: "、".join(sorted(set(s)))),
        "candidates": g["talent_id"].nunique(),
        "good": g.apply(lambda d: d.loc[d["score"] >= 50, "talent_id"].nunique(),
                        include_groups=False),
    }).reset_index().sort_values(["good", "candidates", "firm"], ascending=[False, False, True])




CONTACTS = """
SELECT t.talent_id, ct.name AS contact_name, ct.phone, ct.email, r.name AS place
FROM talent t LEFT JOIN talent_contact ct USING (talent_id) LEFT JOIN region r USING (adcode)
WHERE t.talent_id IN (SELECT unnest($ids::VARCHAR[]))
"""


def contacts(reader: Reader, ids: list[str], role: str) -> pd.DataFrame:
    """The talents' place and contacts, masked (``analytics.talent.mask_contacts``)."""
    _require_individuals(role)  # NotAllowed for roles that see aggregates only
    return mask_contacts(reader.df(CONTACTS, {"ids": list(ids)}))
