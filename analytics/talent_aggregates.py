"""Talent in aggregate (Streamlit-free, for every role): the cluster page's filters as SQL, the
skills vocabulary, clusters (cells, statistics, most frequent items, cards under the small-count
rule), how many talents a search finds, enterprise search, and the filters' description.

Individual records (cluster members, profiles, search results, the shortlist) are in
``analytics.talent``, which also re-exports these names. Values are always bound parameters;
the only text composed into SQL are the constant snippets below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analytics import cluster_counts, disclosure
from analytics import queries as q
from analytics.filters import (
    _ADCODE,
    _NODE,
    COUNTRY,
    EDUCATION,
    TIERS,
    Filters,
    qp_flag,
    qp_int,
    qp_list,
    qp_one,
)
from reference.abroad import ABROAD_ADCODE
from store.reader import Reader

AGE_BANDS = ("<30", "30-39", "40-49", "50+")
EXPERIENCE_MAX = 40
TOP_N = 5
SKILL_SIMILARITY = 0.88  # jaro-winkler: catches typos (Pytorch ~ PyTorch), not other words
# What a URL may carry for the cluster page: a skill term (after split_terms: no separators)
# and a university name when no list of known ones is given.
SKILL_TERM = re.compile(r"[0-9A-Za-z\u4e00-\u9fff+#._()（）-]{1,40}")
UNIVERSITY = re.compile(r"[0-9A-Za-z\u4e00-\u9fff()（）·&' .-]{2,60}")
MAX_SKILL_TERMS = 10


@dataclass(frozen=True)
class TalentFilters:
    """The cluster page's filters, applied on top of the global ones."""
    skills: tuple[tuple[str, ...], ...] = ()  # per search term, the vocabulary skills it matched
    skill_terms: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    education: tuple[str, ...] = ()
    universities: tuple[str, ...] = ()
    exp_min: float | None = None
    exp_max: float | None = None
    age_bands: tuple[str, ...] = ()
    returnees_only: bool = False
    relocate_only: bool = False
    expected: str | None = None  # adcode of the expected city (or any region containing it)
    # Living abroad (海外引才): the place is a country abroad or 海外, instead of the sidebar's
    # region (a place in China: 全国 is China, as on the map, so talent abroad is found only
    # with this filter); combine with relocate_only and expected for "who
    # abroad would come here".
    abroad_only: bool = False

    def params(self) -> dict:
        return {"skill_groups": [list(g) for g in self.skills], "c_nodes": list(self.nodes),
                "c_tiers": list(self.tiers), "c_education": list(self.education),
                "universities": list(self.universities), "exp_min": self.exp_min,
                "exp_max": self.exp_max, "age_bands": list(self.age_bands),
                "relocate_only": self.relocate_only, "c_returnees": self.returnees_only,
                "expected": self.expected, "abroad_only": self.abroad_only}


    def to_query_params(self) -> dict[str, str]:
        """Compact URL form (keys ``c_*``, apart from the global filters' keys): only what
        differs from the defaults. Skills travel as the terms typed; the vocabulary skills they
        match are found again when the URL is read."""
        out = {}
        lists = (("c_skills", self.skill_terms), ("c_nodes", self.nodes), ("c_tiers", self.tiers),
                 ("c_edu", self.education), ("c_unis", self.universities),
                 ("c_age", self.age_bands))
        out |= {key: ",".join(v) for key, v in lists if v}
        if self.exp_min is not None:
            out["c_exp_min"] = f"{self.exp_min:g}"
        if self.exp_max is not None:
            out["c_exp_max"] = f"{self.exp_max:g}"
        if self.returnees_only:
            out["c_ret"] = "1"
        if self.relocate_only:
            out["c_reloc"] = "1"
        if self.expected:
            out["c_expected"] = self.expected
        if self.abroad_only:
            out["c_abroad"] = "1"
        return out

    @classmethod
    def from_query_params(cls, qp: dict, *, known_nodes=None, known_regions=None,
                          universities=None, resolve=None) -> TalentFilters:
        """Parse untrusted URL params as strictly as ``Filters.from_query_params``: each value
        is kept only when it is on a whitelist (node ids, tiers, education levels, age bands,
        known universities and regions) or, with no list to check against, has the shape of
        one; numbers are ASCII digits in range. Skill terms are kept only when ``resolve``
        (text → (terms, vocabulary skills per term)) is given and finds a skill for them."""
        nodes = qp_list(qp, "c_nodes", known_nodes, _NODE)
        unis = qp_list(qp, "c_unis", set(universities) if universities is not None else None,
                       UNIVERSITY)
        lo = qp_int(qp, "c_exp_min", 1, EXPERIENCE_MAX)
        hi = qp_int(qp, "c_exp_max", 0, EXPERIENCE_MAX - 1)
        if lo is not None and hi is not None and lo > hi:
            lo = hi = None
        expected = qp_one(qp, "c_expected") or ""
        if not _ADCODE.fullmatch(expected) or expected == COUNTRY or (
                known_regions is not None and expected not in known_regions):
            expected = None
        terms, groups = (), ()
        if resolve is not None:
            raw = qp_list(qp, "c_skills", None, SKILL_TERM, max_items=MAX_SKILL_TERMS)
            if raw:
                found = [(t, g) for t, g in zip(*resolve(",".join(raw)), strict=True) if g]
                terms = tuple(t for t, _ in found)
                groups = tuple(tuple(g) for _, g in found)
        return cls(skills=groups, skill_terms=terms, nodes=nodes,
                   tiers=qp_list(qp, "c_tiers", TIERS), education=qp_list(qp, "c_edu", EDUCATION),
                   universities=unis, exp_min=float(lo) if lo is not None else None,
                   exp_max=float(hi) if hi is not None else None,
                   age_bands=qp_list(qp, "c_age", AGE_BANDS),
                   returnees_only=qp_flag(qp, "c_ret") is True,
                   relocate_only=qp_flag(qp, "c_reloc") is True, expected=expected,
                   abroad_only=qp_flag(qp, "c_abroad") is True)


EXPERIENCE_BAND = """CASE WHEN t.years_experience IS NULL THEN '未知'
    WHEN t.years_experience < 3 THEN '0-3' WHEN t.years_experience < 5 THEN '3-5'
    WHEN t.years_experience < 10 THEN '5-10' ELSE '10+' END"""
AGE_BAND = """CASE WHEN t.birth_year IS NULL THEN NULL WHEN $year - t.birth_year < 30 THEN '<30'
    WHEN $year - t.birth_year < 40 THEN '30-39' WHEN $year - t.birth_year < 50 THEN '40-49'
    ELSE '50+' END"""
# Every talent query: the global filters (as on the marts) and the cluster page's filters.
WHERE = f"""
    (CASE WHEN $abroad_only THEN t.adcode IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '{ABROAD_ADCODE}')
          WHEN $region = '{COUNTRY}' THEN t.adcode NOT IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = '{ABROAD_ADCODE}')
          ELSE t.adcode IN
              (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region) END)
    AND year(t.observed_on) <= $year
    AND (len($nodes) = 0 OR list_contains($nodes, coalesce(t.node_id, '未分类')))
    AND (len($tiers) = 0 OR list_contains($tiers, coalesce(t.tier, 'N')))
    AND (len($education) = 0 OR list_contains($education, coalesce(t.education, '其他')))
    AND (len($experience) = 0 OR list_contains($experience, {EXPERIENCE_BAND}))
    AND (NOT $returnees_only OR coalesce(t.is_returnee, false))
    AND (len($skill_groups::VARCHAR[][]) = 0 OR list_bool_and(list_transform(
        $skill_groups::VARCHAR[][], lambda g: coalesce(list_has_any(t.skills, g), false))))
    AND (len($c_nodes) = 0 OR list_contains($c_nodes, coalesce(t.node_id, '未分类')))
    AND (len($c_tiers) = 0 OR list_contains($c_tiers, coalesce(t.tier, 'N')))
    AND (len($c_education) = 0 OR list_contains($c_education, coalesce(t.education, '其他')))
    AND (len($universities) = 0 OR list_contains($universities, t.university))
    AND ($exp_min::DOUBLE IS NULL OR t.years_experience >= $exp_min::DOUBLE)
    AND ($exp_max::DOUBLE IS NULL OR t.years_experience <= $exp_max::DOUBLE)
    AND (len($age_bands) = 0 OR list_contains($age_bands, {AGE_BAND}))
    AND (NOT $c_returnees OR coalesce(t.is_returnee, false))
    AND (NOT $relocate_only OR coalesce(t.willing_to_relocate, false))
    AND ($expected::VARCHAR IS NULL OR t.expected_adcode IN
        (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $expected::VARCHAR))
"""  # noqa: S608 - constant snippets, values bound
HIGH = "list_contains(['A', 'B', 'C', 'D'], t.tier)"


def place_sql(region: str, city: str) -> str:
    """SQL for "青岛市崂山区" (a district with its city), else the region's own name."""
    return (f"CASE WHEN {region}.level = 'district' AND {city}.name IS NOT NULL "
            f"AND {city}.name <> {region}.name THEN {city}.name || {region}.name "
            f"ELSE {region}.name END")


PLACE = place_sql("r", "c")


def params(reader: Reader, f: Filters, tf: TalentFilters) -> dict:
    """Bound parameters for WHERE (the layer expands to its nodes; the year is resolved)."""
    f = q.layer_nodes(reader, f)
    year = q.resolve_year(reader, f)
    return {**f.params(year), "region": f.region, **tf.params()}


# -- vocabulary ---------------------------------------------------------------------------------
def skill_vocabulary(reader: Reader) -> pd.DataFrame:
    """Every distinct skill with the number of talents who list it, most frequent first."""
    return reader.df(q.on_persons(reader, "SELECT s AS skill, count(*) AS talents FROM "
                                  "(SELECT unnest(list_distinct(skills)) AS s FROM talent_person) "
                                  "GROUP BY s ORDER BY talents DESC, skill"))


def split_terms(text: str) -> list[str]:
    """Search terms of a free-text skills box: split on commas, 、, semicolons and spaces."""
    return list(dict.fromkeys(t for t in re.split(r"[,，、;；/\s]+", str(text or "")) if t))


def match_skills(reader: Reader, term: str, limit: int = 30,
                 vocab: tuple[str, ...] | None = None) -> list[str]:
    """Vocabulary skills a term means: case-insensitive contains, else a close spelling.
    ``vocab`` (skills, most frequent first) spares scanning every talent's skills again."""
    words = list(vocab) if vocab is not None else \
        skill_vocabulary(reader)["skill"].tolist()
    df = reader.df("""
        WITH v AS (SELECT unnest($vocab::VARCHAR[]) AS skill,
                          unnest(range(len($vocab::VARCHAR[]))) AS i)
        SELECT skill FROM v
        WHERE contains(lower(skill), lower($term))
           OR jaro_winkler_similarity(lower(skill), lower($term)) >= $sim
        ORDER BY lower(skill) = lower($term) DESC, contains(lower(skill), lower($term)) DESC,
                 jaro_winkler_similarity(lower(skill), lower($term)) DESC, i
        LIMIT $limit
    """, {"vocab": words, "term": term.strip(), "sim": SKILL_SIMILARITY, "limit": limit})
    return df["skill"].tolist()


def resolve_skills(reader: Reader, text: str, vocab: tuple[str, ...] | None = None
                   ) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """(terms, one tuple of matched vocabulary skills per term); a term matching nothing keeps
    an empty tuple, so that it matches no talent rather than being dropped silently."""
    terms = split_terms(text)
    return tuple(terms), tuple(tuple(match_skills(reader, t, vocab=vocab)) for t in terms)


def universities(reader: Reader, limit: int = 500) -> list[str]:
    """Universities by number of talents (for the picker)."""
    df = reader.df(q.on_persons(reader, "SELECT university, count(*) AS n FROM talent_person "
                                "WHERE university IS NOT NULL GROUP BY university "
                                "ORDER BY n DESC, university LIMIT $limit"), {"limit": limit})
    return df["university"].tolist()


# -- clusters -----------------------------------------------------------------------------------
CLUSTER_CELLS = f"""
        WITH m AS (
            SELECT t.adcode, coalesce(t.node_id, '未分类') AS node_id, count(*) AS talents
            FROM talent_person t WHERE {WHERE} GROUP BY ALL
        )
        SELECT m.adcode, {PLACE} AS place, r.level, r.lon, r.lat, m.node_id,
               coalesce(n.name_zh, '未分类') AS node_name, m.talents
        FROM m JOIN region r USING (adcode) LEFT JOIN region c ON c.adcode = r.city_adcode
        LEFT JOIN chain_node n ON n.node_id = m.node_id
        ORDER BY m.talents DESC, m.adcode, m.node_id
    """  # noqa: S608 - constant fragments only


def cluster_cells(reader: Reader, f: Filters, tf: TalentFilters) -> pd.DataFrame:
    """Matching talents by place (finest region known) and chain node, with the place's centre.
    In memory (analytics.cluster_counts) when it can, else this SQL: the same rows."""
    p = params(reader, f, tf)
    fast = cluster_counts.cells(reader, p)
    return fast if fast is not None else reader.df(q.on_persons(reader, CLUSTER_CELLS), p)


def _mapping(cells: pd.DataFrame) -> dict:
    """The cells' cluster labels as bound list parameters (joined back in SQL)."""
    c = cells[cells["cluster"] >= 0]
    return {"m_adcode": c["adcode"].tolist(), "m_node": c["node_id"].tolist(),
            "m_cluster": [int(x) for x in c["cluster"]]}


MAPPED = f"""
    mapping AS (SELECT unnest($m_adcode::VARCHAR[]) AS adcode,
                       unnest($m_node::VARCHAR[]) AS node_id,
                       unnest($m_cluster::INTEGER[]) AS cluster),
    base AS (SELECT mp.cluster, t.* FROM talent_person t
             JOIN mapping mp ON mp.adcode = t.adcode AND mp.node_id = coalesce(t.node_id, '未分类')
             WHERE {WHERE})
"""  # noqa: S608


CLUSTER_STATS = f"""
        WITH {MAPPED}
        SELECT cluster, count(*) AS talents, median(years_experience) AS median_experience,
               count(*) FILTER (WHERE {HIGH}) AS high,
               avg(CASE WHEN {HIGH} THEN 1.0 ELSE 0.0 END) AS high_share,
               count(*) FILTER (WHERE is_returnee) AS returnees,
               count(*) FILTER (WHERE willing_to_relocate) AS relocatable
        FROM base t GROUP BY cluster ORDER BY cluster
    """  # noqa: S608 - constant fragments only


def cluster_stats(reader: Reader, f: Filters, tf: TalentFilters,
                  cells: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: talents, median experience, tiers A–D (count, share), returnees."""
    p = params(reader, f, tf)
    fast = cluster_counts.stats(reader, p, cells)
    return fast if fast is not None else reader.df(q.on_persons(reader, CLUSTER_STATS),
                                                   p | _mapping(cells))


# A person's distinct skills are the first occurrence of each (list_distinct, several times
# slower on a million lists, would count the same).
CLUSTER_TOPS = f"""
        WITH {MAPPED},
        counted AS (
            SELECT cluster, 'skill' AS kind, s AS value, count(*) AS n
            FROM (SELECT cluster, unnest(list_filter(skills, lambda x, i: x IS NOT NULL
                  AND list_position(skills, x) = i)) AS s FROM base) GROUP BY ALL
            UNION ALL
            SELECT cluster, 'employer', employer_name, count(*) FROM base
            WHERE employer_name IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT cluster, 'university', university, count(*) FROM base
            WHERE university IS NOT NULL GROUP BY ALL
        )
        SELECT cluster, kind, value, n FROM counted
        QUALIFY row_number() OVER (PARTITION BY cluster, kind ORDER BY n DESC, value) <= $top
        ORDER BY cluster, kind, n DESC, value
    """  # noqa: S608 - constant fragments only


def cluster_tops(reader: Reader, f: Filters, tf: TalentFilters, cells: pd.DataFrame,
                 top: int = TOP_N) -> pd.DataFrame:
    """Per cluster, the most frequent skills, employers and universities (kind, value, n)."""
    p = params(reader, f, tf)
    fast = cluster_counts.tops(reader, p, cells, top)
    return fast if fast is not None else reader.df(q.on_persons(reader, CLUSTER_TOPS),
                                                   p | _mapping(cells) | {"top": top})


def cluster_cards(summary: pd.DataFrame, stats: pd.DataFrame, tops: pd.DataFrame,
                  k: int | None) -> list[dict]:
    """What each cluster card shows. With k (roles that see aggregates only) sizes below k are
    '<k', a cluster below k shows no breakdown, and items named for fewer than k people are
    left out of the lists."""
    st_by = stats.set_index("cluster") if len(stats) else pd.DataFrame()
    cards = []
    for row in summary.itertuples():
        s = st_by.loc[row.cluster] if row.cluster in st_by.index else None
        small = disclosure.is_small(row.talents, k)
        card = {"cluster": int(row.cluster), "place": row.place, "n_places": int(row.n_places),
                "node": row.node_name, "size": fmt_count(row.talents, k), "hidden": small}
        if s is not None and not small:
            few_high = disclosure.is_small(s["high"], k)  # a share would give the count away
            card |= {"median_experience": _num(s["median_experience"]),
                     "high_share": None if few_high else _num(s["high_share"]),
                     "high": fmt_count(s["high"], k),
                     "returnees": fmt_count(s["returnees"], k)}
            for kind in ("skill", "employer", "university"):
                mine = tops[(tops["cluster"] == row.cluster) & (tops["kind"] == kind)]
                if k:
                    mine = mine[mine["n"] >= k]
                card[kind] = [(v, fmt_count(n, k)) for v, n in zip(mine["value"], mine["n"],
                                                                     strict=True)]
        cards.append(card)
    return cards


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def fmt_count(v, k: int | None) -> str:
    """A people count as text; below k shown as '<k' (0 stays 0): the one rule of
    analytics.disclosure."""
    return disclosure.fmt_count(v, k)


# -- search (counts for every role) -------------------------------------------------------------
def search_enterprises(reader: Reader, text: str, limit: int = 20) -> pd.DataFrame:
    """Enterprises by name (contains, or a close spelling) or credit code (prefix)."""
    return reader.df("""
        SELECT e.name, e.credit_code, r.name AS region, coalesce(n.name_zh, '未分类') AS node,
               e.employees, e.is_listed, e.is_chain_leader
        FROM enterprise e LEFT JOIN region r USING (adcode)
        LEFT JOIN chain_node n ON n.node_id = e.node_id
        WHERE contains(lower(e.name), lower($q)) OR starts_with(e.credit_code, upper($q))
           OR jaro_winkler_similarity(e.name, $q) >= 0.9
        ORDER BY contains(lower(e.name), lower($q)) DESC, jaro_winkler_similarity(e.name, $q)
                 DESC, e.employees DESC NULLS LAST, e.name LIMIT $limit
    """, {"q": text.strip(), "limit": limit})


def search_params(reader: Reader, text: str, vocab: tuple[str, ...] | None = None) -> dict:
    """The search's bound values: the text, the skills it names, the nodes it names."""
    term = text.strip()
    nodes = reader.df("SELECT node_id FROM chain_node WHERE contains(lower(name_zh), lower($q)) "
                      "OR contains(lower(coalesce(name_en, '')), lower($q)) OR node_id = upper($q)",
                      {"q": term})["node_id"].tolist()
    return {"q": term, "skills": match_skills(reader, term, vocab=vocab), "s_nodes": nodes}


SEARCH_KINDS = {  # kind → (label, condition on talent t)
    "skill": ("技能", "list_has_any(t.skills, $skills::VARCHAR[])"),
    "employer": ("现任单位", "contains(lower(t.employer_name), lower($q))"),
    "university": ("毕业院校", "contains(lower(t.university), lower($q))"),
    "node": ("产业链环节", "list_contains($s_nodes::VARCHAR[], t.node_id)"),
}


SEARCH_COUNTS = "SELECT " + ", ".join(  # noqa: S608 - constant fragments only
    f"count(*) FILTER (WHERE {cond}) AS {kind}" for kind, (_, cond) in SEARCH_KINDS.items()
) + " FROM talent_person t"


def search_talent_counts(reader: Reader, text: str,
                         vocab: tuple[str, ...] | None = None) -> pd.DataFrame:
    """How many talents the text finds, by what it matched (for every role)."""
    p = search_params(reader, text, vocab)
    row = reader.df(q.on_persons(reader, SEARCH_COUNTS), p).iloc[0]
    return pd.DataFrame({"kind": list(SEARCH_KINDS),
                         "label": [lab for lab, _ in SEARCH_KINDS.values()],
                         "talents": [int(row[k]) for k in SEARCH_KINDS]})


EXAMPLE_EMPLOYER = """
        SELECT t.employer_name AS name, count(*) AS n,
               bool_or(t.adcode IN (SELECT adcode FROM region_ancestor
                                    WHERE ancestor_adcode = $home)) AS home
        FROM talent_person t WHERE t.employer_name IS NOT NULL AND t.employer_name <> ''
        GROUP BY 1 ORDER BY home DESC, n DESC, name LIMIT 1
"""
EXAMPLE_UNIVERSITY = """
        SELECT university FROM talent_person WHERE university IS NOT NULL AND university <> ''
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
"""
EXAMPLE_CODE = """
        SELECT credit_code FROM enterprise
        WHERE adcode IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $home)
        ORDER BY employees DESC NULLS LAST, credit_code LIMIT 1
"""


def search_examples(reader: Reader, vocab: tuple[str, ...], home: str = COUNTRY) -> list[str]:
    """Search terms that find something in this warehouse, for the search box's hint: the most
    frequent skill, university and employer (the home region's first) and the first six
    characters of a home enterprise's credit code. Nothing when the warehouse is empty."""
    out = list(vocab[:1])
    for sql, col in ((EXAMPLE_UNIVERSITY, "university"), (EXAMPLE_EMPLOYER, "name")):
        out += reader.df(q.on_persons(reader, sql), {"home": home})[col].tolist()
    codes = reader.df(EXAMPLE_CODE, {"home": home})["credit_code"].tolist()
    out += [c[:6] + "…" for c in codes if isinstance(c, str) and len(c) >= 6]
    return list(dict.fromkeys(x for x in out if x))


def describe(f: Filters, tf: TalentFilters, names: dict[str, str],
             node_names: dict[str, str], year: int | None = None) -> list[str]:
    """The filters in force, as '筛选条件: …' lines for export headers."""
    out = [f"地区: {'全国' if f.region == COUNTRY else names.get(f.region, f.region)}"]
    out.append(f"年份: {year or f.year or '最新'}")
    lists = [("产业链层级", (f.layer,) if f.layer else ()),
             ("产业链环节", tuple(node_names.get(n, n) for n in (*f.nodes, *tf.nodes))),
             ("人才层次", (*f.tiers, *tf.tiers)), ("学历", (*f.education, *tf.education)),
             ("工作年限段", f.experience), ("毕业院校", tf.universities), ("年龄段", tf.age_bands)]
    out += [f"{label}: {'、'.join(dict.fromkeys(v))}" for label, v in lists if v]
    for term, group in zip(tf.skill_terms, tf.skills, strict=False):
        out.append(f"技能: {term} (匹配 {'、'.join(group) or '无'})")
    if tf.exp_min is not None or tf.exp_max is not None:
        lo = f"{tf.exp_min:g}" if tf.exp_min is not None else "0"
        hi = f"{tf.exp_max:g}" if tf.exp_max is not None else "不限"
        out.append(f"工作年限: {lo}–{hi} 年")
    if f.returnees_only or tf.returnees_only:
        out.append("仅海归人才: 是")
    if tf.abroad_only:
        out[0] = "地区: 海外 (所在地在境外)"
    if tf.relocate_only:
        out.append("愿意回国: 是" if tf.abroad_only else "愿意流动: 是")
    if tf.expected:
        out.append(f"期望城市: {names.get(tf.expected, tf.expected)}")
    return out
