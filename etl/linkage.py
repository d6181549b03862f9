"""One person, one archive: link the talent records of one person across sources, at every publish.

A ``talent`` row is a source record (its id a keyed hash of source and source id). Before the
marts are built (``etl.warehouse.Staging.publish``) the records are linked into persons:

1. deterministic links: the same normalised phone number (digits, without +86/0086) or the same
   e-mail (lower case), unless the two names clearly differ (a family's shared phone) or the
   value is shared by more than ``MAX_SHARED_KEY`` records (a switchboard, hr@…); and the same
   身份证号 (its keyed hash, ``talent_contact.id_hash``) whatever else differs — two different
   numbers are two people, kept apart like a rejected pair;
2. probabilistic links (splink 5 on DuckDB) on name (simplified; pinyin, so 张三 = Zhang San =
   San Zhang), birth month/year, school, major, employer and city, with fixed m/u priors (below)
   rather than training at each publish, so a link does not move because another file came in;
   candidate pairs come only from ``BLOCKING`` (name + birth year, phone tail + birth year, …),
   and are scored by ``etl.linkage_score`` (splink's predictions, computed with less work);
3. reviewers' decisions (``store.link_decisions``) override both: confirm links, reject keeps
   apart (a cannot-link constraint: no chain of other links joins a rejected pair).

Pairs with a probability ≥ ``LINK_THRESHOLD`` are linked; pairs in [``REVIEW_THRESHOLD``,
``LINK_THRESHOLD``) go to ``link_review``. Linked records form a person (connected components).

person_id: ``P`` + the pseudonym of the person's founding record, carried forward from the last
publish (``person_member``): a person keeps its id when a record is reloaded or a new source adds
a record; when persons merge, the one with the most records (then the smallest id) keeps its id;
when a reviewer splits a person, the part with most of its records keeps it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from etl import linkage_score
from etl.linkage_keys import (  # noqa: F401 - tests use them
    factorize,
    int64s,
    latin_tokens,
    name_key_arrays,
    name_keys,
    objects,
    per_value,
    phone_key_arrays,
    spread,
    text_key,
    text_key_array,
)
from etl.linkage_persons import clusters, id_conflicts, person_ids  # noqa: F401 - tests
from etl.transform_talent import _birth_month, _norm_phone  # noqa: F401 - one normalisation
from store import link_decisions
from store.connection import offline_config

# -- thresholds: the settings link_threshold, link_review_threshold, link_max_shared_key ----------
# (docs/linkage.md; the defaults below are the settings' defaults, read at each publish).
# A pair whose match probability is at least LINK_THRESHOLD is the same person.
LINK_THRESHOLD = 0.95
# A pair at least this probable (and below LINK_THRESHOLD) goes to the review queue.
REVIEW_THRESHOLD = 0.50
# A phone or e-mail held by more records than this links nothing deterministically.
MAX_SHARED_KEY = 3


def thresholds() -> tuple[float, float, int]:
    """(link, review, max shared key) as configured."""
    import settings

    link, review = settings.get("link_threshold"), settings.get("link_review_threshold")
    if review > link:
        raise ValueError(f"link_review_threshold {review} > link_threshold {link}")
    return link, review, settings.get("link_max_shared_key")
# The prior, probability_two_random_records_match = MATCHES_PER_RECORD / max(N - 1, POPULATION):
# expected true matches per record, over at least a national-scale pool, so that a small file
# does not make "same name, same year" conclusive (the u priors are national frequencies).
MATCHES_PER_RECORD = 0.5
POPULATION = 100_000
# From this many records on, the u probabilities are estimated from the data (random pairs,
# fixed seed) instead of the priors below: how often strangers share a name depends on the pool.
ESTIMATE_U_FROM = 20_000

# Candidate pairs: records agreeing on one of these (OR-ed; splink deduplicates the pairs).
BLOCKING = (
    "l.name_py = r.name_py AND l.birth_year = r.birth_year",
    "l.phone_tail = r.phone_tail AND l.birth_year = r.birth_year",
    "l.name_py = r.name_py AND l.school = r.school",
    "l.name_py = r.name_py AND l.city = r.city",
    "l.email = r.email",
)
COMPARED = ("name", "birth", "phone", "email", "school", "major", "employer", "city")


def _level(sql: str, label: str, m: float, u: float) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m,
            "u_probability": u}


def _null(col: str) -> dict:
    return {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "label_for_charts": "空",
            "is_null_level": True}


def _else(m: float, u: float) -> dict:
    return _level("ELSE", "不同", m, u)


# m: P(level | same person), u: P(level | two different people): priors from how Chinese
# names, birth dates and schools are distributed (docs/linkage.md), checked by bench/linkage.py.
COMPARISONS = [
    {"output_column_name": "name", "comparison_levels": [
        _null("name_py"),
        _level("name_zh_l = name_zh_r", "汉字相同", 0.80, 1e-4),
        _level("name_py_l = name_py_r", "拼音相同", 0.15, 2e-4),
        _level("jaro_winkler_similarity(name_py_l, name_py_r) >= 0.92", "拼音相近", 0.04, 1e-3),
        _else(0.01, 0.999)]},
    {"output_column_name": "birth", "comparison_levels": [
        _null("birth_year"),
        _level("birth_month_l = birth_month_r", "年月相同", 0.85, 0.002),
        _level("birth_year_l = birth_year_r", "年份相同", 0.12, 0.025),
        _level("abs(birth_year_l - birth_year_r) <= 1", "相差一年", 0.02, 0.05),
        _else(0.01, 0.92)]},
    {"output_column_name": "phone", "comparison_levels": [
        _null("phone"),
        _level("phone_l = phone_r", "相同", 0.70, 1e-6),
        _else(0.30, 0.999999)]},
    {"output_column_name": "email", "comparison_levels": [
        _null("email"),
        _level("email_l = email_r", "相同", 0.60, 1e-6),
        _else(0.40, 0.999999)]},
    {"output_column_name": "school", "comparison_levels": [
        _null("school"),
        _level("school_l = school_r", "相同", 0.85, 0.01),
        _level("jaro_winkler_similarity(school_l, school_r) >= 0.9", "相近", 0.05, 0.01),
        _else(0.10, 0.98)]},
    {"output_column_name": "major", "comparison_levels": [
        _null("major"),
        _level("major_l = major_r", "相同", 0.70, 0.03),
        _else(0.30, 0.97)]},
    {"output_column_name": "employer", "comparison_levels": [
        _null("employer"),
        _level("employer_l = employer_r", "相同", 0.55, 0.002),
        _level("jaro_winkler_similarity(employer_l, employer_r) >= 0.9", "相近", 0.10, 0.003),
        _else(0.35, 0.995)]},
    {"output_column_name": "city", "comparison_levels": [
        _null("city"),
        _level("city_l = city_r", "同城", 0.70, 0.02),
        _level("left(city_l, 2) = left(city_r, 2)", "同省", 0.10, 0.05),
        _else(0.20, 0.93)]},
]

# -- the records ----------------------------------------------------------------------------------
RECORDS_SQL = """
SELECT t.talent_id, t.source, t.observed_on, t.adcode, t.birth_year, t.university, t.major,
       t.employer_name, c.name, c.phone, c.email, c.birth_month, c.id_hash
FROM talent t LEFT JOIN talent_contact c USING (talent_id)
ORDER BY t.talent_id
"""


def records(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The linkage fields of every talent record, normalised: object columns (None where
    missing) and ``birth_year`` (Int64). The rows come from DuckDB as Arrow (no pandas string
    column per field) and each field's key is computed once per distinct value."""
    con.complete()  # an earlier execute()'s rest (a fetchone): DuckDB runs no relation before
    raw = con.sql(RECORDS_SQL).to_arrow_table()
    zh, py = name_key_arrays(raw["name"])
    phone, phone_tail = phone_key_arrays(raw["phone"])
    cols = {
        "unique_id": objects(raw["talent_id"]), "name_zh": zh, "name_py": py,
        "phone": phone, "phone_tail": phone_tail,
        "email": per_value(raw["email"], lambda v: v.strip().lower() if "@" in v else None),
        "birth_year": None,  # its place among the columns; Int64 below
        "birth_month": per_value(raw["birth_month"],  # YYYY-MM only
                                 lambda v: v if len(v) == 7 else None),
        "school": text_key_array(raw["university"]),
        "major": text_key_array(raw["major"]),
        "employer": text_key_array(raw["employer_name"]),
        "city": per_value(raw["adcode"], lambda v: v[:4]),
        "source": objects(raw["source"]),
        "id_hash": objects(raw["id_hash"]),  # keyed hash of a checked 身份证号
    }
    out = pd.DataFrame({k: v for k, v in cols.items() if v is not None}, dtype=object)
    out.insert(list(cols).index("birth_year"), "birth_year", int64s(raw["birth_year"]))
    return out


# -- linking ------------------------------------------------------------------------------------
def deterministic_pairs(recs: pd.DataFrame, mem: duckdb.DuckDBPyConnection,
                        max_shared: int = MAX_SHARED_KEY) -> pd.DataFrame:
    """Pairs (i, j) sharing a phone or e-mail, the key rare and the names not at odds; and
    pairs with one ID number (its keyed hash), however many records hold it (one person in
    many sources) and whatever the names say (a checked number is the person's)."""
    if "id_hash" not in recs.columns:  # records without the column (older callers, tests)
        recs = recs.assign(id_hash=None)
    mem.register("_recs", recs.assign(pos=np.arange(len(recs))))
    try:
        return mem.execute(f"""
            WITH k AS (
                SELECT pos, name_py, 'phone' AS kind, phone AS value FROM _recs WHERE phone IS NOT NULL
                UNION ALL
                SELECT pos, name_py, 'email', email FROM _recs WHERE email IS NOT NULL
            ), rare AS (
                SELECT * FROM k QUALIFY count(*) OVER (PARTITION BY kind, value) <= {int(max_shared)}
            ), ids AS (SELECT pos, id_hash FROM _recs WHERE id_hash IS NOT NULL)
            SELECT a.pos AS i, b.pos AS j
            FROM rare a JOIN rare b ON a.kind = b.kind AND a.value = b.value AND a.pos < b.pos
            WHERE a.name_py IS NULL OR b.name_py IS NULL
               OR jaro_winkler_similarity(a.name_py, b.name_py) >= 0.8
            UNION
            SELECT a.pos, b.pos FROM ids a JOIN ids b ON a.id_hash = b.id_hash AND a.pos < b.pos
            ORDER BY i, j""").df()  # noqa: S608 - a constant
    finally:
        mem.unregister("_recs")


def model_pairs(recs: pd.DataFrame, mem: duckdb.DuckDBPyConnection,
                threshold: float = REVIEW_THRESHOLD) -> pd.DataFrame:
    """splink's pairs at or above ``threshold``: i, j, probability and each field's level."""
    empty = pd.DataFrame(columns=["i", "j", "probability", *COMPARED])
    if len(recs) < 2:
        return empty
    data = recs.drop(columns=["source", "id_hash"], errors="ignore")
    # One table of the records (pos: their place in recs) for the candidate check, splink's u
    # estimate (the same u as from the DataFrame, in less time) and the scoring.
    mem.register("_link_input", data.assign(pos=np.arange(len(data))))
    try:
        mem.execute("CREATE OR REPLACE TEMP TABLE _link_records AS SELECT * FROM _link_input")
    finally:
        mem.unregister("_link_input")
    try:
        if not _any_candidates(mem, "_link_records"):
            return empty
        pred = _scored(mem, "_link_records", len(recs), threshold)
    finally:
        mem.execute("DROP TABLE IF EXISTS _link_records")
    if pred.empty:
        return empty
    out = pd.DataFrame({"i": pred["i"].to_numpy(dtype=np.int64),
                        "j": pred["j"].to_numpy(dtype=np.int64),
                        "probability": pred["match_probability"].to_numpy()})
    labels = {c["output_column_name"]: [lv["label_for_charts"] for lv in c["comparison_levels"]]
              for c in COMPARISONS}
    for name in COMPARED:  # gamma: -1 null, then the levels from the last (else = 0) upwards
        levels = labels[name]
        table = np.array([*reversed(levels[1:]), levels[0]], dtype=object)  # gamma -1: last
        out[name] = table[pred[f"gamma_{name}"].to_numpy(dtype=np.int64)]
    return out


def _scored(mem: duckdb.DuckDBPyConnection, table: str, n: int, threshold: float) -> pd.DataFrame:
    """splink's model (u estimated from the records at scale), scored by etl.linkage_score:
    the same pairs and probabilities as splink's predict, the costly comparisons only where
    they can matter."""
    import logging

    from splink import Linker, SettingsCreator
    from splink.internals.duckdb.database_api import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.WARNING)
    settings = SettingsCreator(
        link_type="dedupe_only", comparisons=COMPARISONS,
        blocking_rules_to_generate_predictions=list(BLOCKING),
        probability_two_random_records_match=MATCHES_PER_RECORD / max(n - 1, POPULATION))
    linker = Linker(DuckDBAPI(connection=mem).register(table), settings, log_level="WARNING")
    if n >= ESTIMATE_U_FROM:
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    return linkage_score.score(mem, table, linkage_score.model_of(linker, BLOCKING), threshold)


def _any_candidates(mem: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether any blocking rule pairs two records (the model is not started for nothing)."""
    for rule in BLOCKING:
        cond = rule.replace("l.", "a.").replace("r.", "b.")
        hit = mem.execute(f"SELECT 1 FROM {table} a JOIN {table} b ON {cond} "  # noqa: S608
                          "AND a.pos < b.pos LIMIT 1").fetchall()
        if hit:
            return True
    return False


@dataclass
class LinkReport:
    records: int = 0
    persons: int = 0
    deterministic_pairs: int = 0
    model_links: int = 0
    review_pairs: int = 0
    confirmed: int = 0
    rejected: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    # True: the records, decisions, thresholds and code were those of the last publish, whose
    # persons were kept as they were (nothing relinked: issue 18)
    unchanged: bool = False


def link_persons(con: duckdb.DuckDBPyConnection,
                 decisions: dict[tuple[str, str], str] | None = None) -> LinkReport:
    """Link the staging warehouse's talent records into persons: write ``person``,
    ``person_member``, ``link_review`` and ``talent.person_id``. ``decisions`` default to the
    reviewers' file (store.link_decisions)."""
    if decisions is None:
        decisions = link_decisions.load()
    link_at, review_at, max_shared = limits = thresholds()
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    from etl.linkage_fingerprint import FINGERPRINT_KEY, fingerprint, kept_persons

    print_ = fingerprint(con, decisions, limits)
    kept = kept_persons(con, print_)
    times["fingerprint"] = time.perf_counter() - t0
    if kept is not None:
        kept.seconds = times
        return kept
    t0 = time.perf_counter()
    recs = records(con)
    times["prepare"] = time.perf_counter() - t0
    report = LinkReport(records=len(recs), seconds=times)
    ids = recs["unique_id"].to_numpy(dtype=object)
    named = list({t for pair in decisions for t in pair})  # the decided records' places
    pos = {t: int(k) for t, k in zip(named, pd.Index(ids).get_indexer(named), strict=True)
           if k >= 0}
    mem = duckdb.connect(config=offline_config())
    try:
        t0 = time.perf_counter()
        det = deterministic_pairs(recs, mem, max_shared)
        times["deterministic"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        scored = model_pairs(recs, mem, review_at)
        times["model"] = time.perf_counter() - t0
    finally:
        mem.close()
    t0 = time.perf_counter()
    decided = {(pos[a], pos[b]) if pos[a] < pos[b] else (pos[b], pos[a]): d
               for (a, b), d in decisions.items() if a in pos and b in pos}
    rejected = [p for p, d in decided.items() if d == "reject"]
    confirmed = [p for p, d in decided.items() if d == "confirm"]
    strong = scored[scored["probability"] >= link_at]
    edges = pd.concat([
        pd.DataFrame(confirmed, columns=["i", "j"]).assign(strength=3.0),
        det[["i", "j"]].assign(strength=2.0),
        strong[["i", "j"]].assign(strength=strong["probability"]),
    ], ignore_index=True)
    if rejected:
        cut = pd.MultiIndex.from_tuples(rejected)
        edges = edges[~pd.MultiIndex.from_arrays([edges["i"], edges["j"]]).isin(cut)]
    labels = clusters(len(recs), edges, rejected)
    id_hash = recs["id_hash"].to_numpy(dtype=object)
    kept = set(confirmed)
    apart = [p for p in id_conflicts(id_hash, labels) if p not in kept]
    if apart:  # different ID numbers: kept apart like a rejected pair (a reviewer may confirm)
        rejected = rejected + apart
        cut = pd.MultiIndex.from_tuples(apart)
        edges = edges[~pd.MultiIndex.from_arrays([edges["i"], edges["j"]]).isin(cut)]
        labels = clusters(len(recs), edges, rejected)
    prev = con.execute("SELECT talent_id, person_id FROM person_member").fetchnumpy()
    pids = person_ids(ids, labels, pd.Series(prev["person_id"], index=prev["talent_id"]))
    times["cluster"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    review = scored[scored["probability"] < link_at]
    ha = id_hash[review["i"].to_numpy(dtype=np.int64)]
    hb = id_hash[review["j"].to_numpy(dtype=np.int64)]
    review = review[~(pd.notna(ha) & pd.notna(hb) & (ha != hb))]  # two numbers: two people
    review = review[~pd.MultiIndex.from_arrays([review["i"], review["j"]]).isin(
        pd.MultiIndex.from_tuples(list(decided) or [(-1, -1)]))]
    _write(con, recs, pids, review)
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [FINGERPRINT_KEY, print_])
    times["write"] = time.perf_counter() - t0
    report.persons = len(pd.unique(pids))
    report.deterministic_pairs, report.model_links = len(det), len(strong)
    report.review_pairs, report.confirmed, report.rejected = (len(review), len(confirmed),
                                                              len(rejected))
    return report


def _write(con, recs: pd.DataFrame, pids: np.ndarray, review: pd.DataFrame) -> None:
    ids = recs["unique_id"].to_numpy(dtype=object)
    members = pd.DataFrame({"talent_id": ids, "person_id": pids})
    queue = pd.DataFrame({
        "talent_id_a": ids[review["i"].to_numpy(dtype=np.int64)],
        "talent_id_b": ids[review["j"].to_numpy(dtype=np.int64)],
        "probability": review["probability"].to_numpy(dtype=float),
        "compared": [json.dumps({c: getattr(r, c) for c in COMPARED}, ensure_ascii=False)
                     for r in review.itertuples()],
    })
    con.execute("DELETE FROM person_member")
    con.execute("DELETE FROM link_review")
    con.register("_members", members)
    con.register("_queue", queue)
    try:
        con.execute("INSERT INTO person_member SELECT talent_id, person_id FROM _members")
        con.execute("INSERT INTO link_review BY NAME SELECT * FROM _queue")
    finally:
        con.unregister("_members")
        con.unregister("_queue")
    con.execute("UPDATE talent t SET person_id = m.person_id FROM person_member m "
                "WHERE m.talent_id = t.talent_id AND t.person_id IS DISTINCT FROM m.person_id")
    # Per person and source, then per person: as DISTINCT aggregates (source is NOT NULL), faster
    con.execute("""
        CREATE OR REPLACE TABLE person AS
        SELECT person_id, sum(n)::BIGINT AS records, count(source) AS sources,
               list(source ORDER BY source) AS source_list,
               min(first_on) AS first_observed_on, max(last_on) AS last_observed_on,
               min(first_id) AS first_talent_id
        FROM (SELECT person_id, source, count(*) AS n, min(observed_on) AS first_on,
                     max(observed_on) AS last_on, min(talent_id) AS first_id
              FROM talent GROUP BY person_id, source)
        GROUP BY person_id""")

