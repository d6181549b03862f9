"""Supply-chain gaps for a region (产业链 · 补链/强链/固链/延链) and whom to recruit to fill them.

Pure metric functions (``node_status``, ``gap_score``, ``sd_band``) work on plain numbers and are
tested on hand-computed values; the query functions read the marts.

Definitions (docs/supply-chain.md):
- LQ_talent(r, n) = (T(r, n) / T(r)) / (T(b, n) / T(b)) with b the benchmark (default the
  country); LQ_enterprise the same with enterprises.
- status: 补链 when LQ_talent < lq_missing or there is no local enterprise; 固链 when
  LQ_talent ≥ lq_stronghold and a local chain-leader firm exists; 强链 otherwise; a 补链 node with
  no local enterprise that is adjacent along the chain to a 固链 node is 延链 (extend the chain).
- supply/demand (供需比) = talent active in the year (records observed in it: job-seekers of the
  window) ÷ postings published in the same year — one window on both sides, as 脉脉 defines it;
  not the stock of every year over one year's postings.
- gap score (0–100, higher = bigger gap) = 50·max(0, 1 − LQ_talent) + 30·shortage + 20·[no local
  enterprise], shortage = max(0, 1 − min(sd_ratio, 1.2) / 1.2) (0 when there are no postings).
- credibility: an LQ of a region with fewer than ``lq_min_base`` talents (all nodes) is noise
  (3 people can make an LQ of 490). It is kept, marked low-confidence, and decides nothing: the
  status then rests on the enterprises alone (补链 without a local firm, else 强链, never 固链),
  the gap score counts under-representation as unknown (half weight), the heatmap does not
  colour it and the 招引 ranking treats it as neutral (1).
- a region with talent but none in a node has LQ 0; a region without talent has no LQ (unknown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics import chain_index
from analytics.filters import COUNTRY, LAYERS, Thresholds
from analytics.queries import in_business, on_persons
from store.reader import Reader

STATUS_COLORS = {"固链": "#1a7f37", "强链": "#2f6fb0", "补链": "#c62828", "延链": "#ef8f00"}
STATUS_HELP = {
    "固链": "优势环节: 区位商高且有本地链主企业",
    "强链": "待加强环节: 有一定基础, 区位商未达优势水平或缺少链主",
    "补链": "缺失环节: 区位商低或本地无企业",
    "延链": "延伸环节: 与本地优势环节相邻而本地尚无企业",
}


@dataclass(frozen=True)
class NodeStatus:
    status: str
    reason: str


def lq(local_n: float, local_total: float, bench_n: float, bench_total: float) -> float | None:
    """Location quotient; None when a share is undefined (no data)."""
    if not local_total or not bench_total or not bench_n:
        return None
    return (local_n / local_total) / (bench_n / bench_total)


def sd_ratio(talent: float, postings: float) -> float | None:
    """Supply/demand: talent active in the window ÷ postings of the same window (None without
    postings)."""
    return talent / postings if postings else None


def sd_band(ratio: float | None, th: Thresholds) -> str:
    """严重紧缺 / 紧缺 / 平衡 / 过剩, or 无需求 without postings."""
    if ratio is None:
        return "无需求数据"
    severe, shortage, balanced = th.sd_bands
    if ratio <= severe:
        return "严重紧缺"
    if ratio <= shortage:
        return "紧缺"
    if ratio <= balanced:
        return "平衡"
    return "过剩"


def node_status(lq_talent: float | None, enterprises: int, leaders: int,
                th: Thresholds, base: float | None = None) -> NodeStatus:
    """补链 / 强链 / 固链 (延链 is decided afterwards, with the neighbours' statuses). With a
    ``base`` (the region's talent) below ``th.lq_min_base`` the LQ decides nothing."""
    shown = "—" if lq_talent is None else f"{lq_talent:.2f}"
    firms = f"本地企业 {enterprises} 家"
    if base is not None and base < th.lq_min_base:
        note = f"人才基数 {int(base)} < {th.lq_min_base}, LQ {shown} 仅供参考"
        return NodeStatus("补链" if enterprises == 0 else "强链", f"{note}; {firms}")
    if lq_talent is None or lq_talent < th.lq_missing or enterprises == 0:
        why = [f"LQ {shown} < {th.lq_missing:g}" if lq_talent is None or
               lq_talent < th.lq_missing else f"LQ {shown}", firms]
        return NodeStatus("补链", "; ".join(why))
    if lq_talent >= th.lq_stronghold and leaders > 0:
        return NodeStatus("固链", f"LQ {shown} ≥ {th.lq_stronghold:g}; 链主企业 {leaders} 家")
    if lq_talent >= th.lq_stronghold:
        return NodeStatus("强链", f"LQ {shown} ≥ {th.lq_stronghold:g} 但无本地链主企业")
    return NodeStatus("强链", f"{th.lq_missing:g} ≤ LQ {shown} < {th.lq_stronghold:g}; {firms}")


def extend_chain(statuses: dict[str, NodeStatus], enterprises: dict[str, int],
                 adjacent: dict[str, set[str]], names: dict[str, str]) -> dict[str, NodeStatus]:
    """Mark 延链: a node absent locally (no enterprise) next to a 固链 node."""
    out = dict(statuses)
    for node, st in statuses.items():
        if st.status != "补链" or enterprises.get(node, 0) > 0:
            continue
        strong = sorted(n for n in adjacent.get(node, ()) if statuses.get(n) and
                        statuses[n].status == "固链")
        if strong:
            out[node] = NodeStatus("延链", f"与固链环节 {'、'.join(names[n] for n in strong)} "
                                         f"相邻; 本地企业 0 家")
    return out


def gap_score(lq_talent: float | None, ratio: float | None, enterprises: int,
              credible: bool = True) -> float:
    """0–100: under-representation (50), talent shortage (30), no local firm (20). An LQ that
    is not credible counts as unknown: half the under-representation weight."""
    under = (0.5 if not credible else 1.0 if lq_talent is None
             else max(0.0, 1.0 - lq_talent))
    shortage = 0.0 if ratio is None else max(0.0, 1.0 - min(ratio, 1.2) / 1.2)
    return round(50 * under + 30 * shortage + 20 * (enterprises == 0), 1)


# -- queries ----------------------------------------------------------------------------------
# One query (issue 18): per node the region's and the benchmark's sums side by side, and the
# totals every LQ divides by (all the region's rows, of any node) as window sums on each row
# that has counts. ``chain_index.status_facts`` gives the same from memory.
CHAIN_FACTS = """
WITH t AS (SELECT node_id, sum(talents) FILTER (WHERE adcode = $region) AS talent,
                  sum(talents) FILTER (WHERE adcode = $region AND year = $year) AS active,
                  sum(talents) FILTER (WHERE adcode = $bench) AS bench_talent,
                  coalesce(sum(sum(talents) FILTER (WHERE adcode = $region)) OVER (), 0) AS lt,
                  coalesce(sum(sum(talents) FILTER (WHERE adcode = $bench)) OVER (), 0) AS bt
           FROM mart_talent_supply WHERE adcode IN ($region, $bench) AND year <= $year
           GROUP BY node_id),
e AS (SELECT node_id, sum(enterprises) FILTER (WHERE adcode = $region) AS enterprises,
             sum(chain_leaders) FILTER (WHERE adcode = $region) AS leaders,
             sum(enterprises) FILTER (WHERE adcode = $bench) AS bench_enterprises,
             coalesce(sum(sum(enterprises) FILTER (WHERE adcode = $region)) OVER (), 0) AS le,
             coalesce(sum(sum(enterprises) FILTER (WHERE adcode = $bench)) OVER (), 0) AS be
      FROM mart_enterprise WHERE adcode IN ($region, $bench) AND year <= $year GROUP BY node_id),
p AS (SELECT node_id, sum(postings) AS postings,
             sum(salary_sum) / nullif(sum(salaried_postings), 0) AS mean_salary
      FROM mart_posting_demand WHERE adcode = $region AND year = $year GROUP BY node_id)
SELECT n.node_id, n.name_zh, n.layer, n.segment, n.sequence,
       coalesce(t.talent, 0) AS talent, coalesce(t.active, 0) AS active,
       coalesce(t.bench_talent, 0) AS bench_talent,
       coalesce(e.enterprises, 0) AS enterprises, coalesce(e.leaders, 0) AS leaders,
       coalesce(e.bench_enterprises, 0) AS bench_enterprises,
       coalesce(p.postings, 0) AS postings, p.mean_salary,
       t.lt AS _lt, t.bt AS _bt, e.le AS _le, e.be AS _be
FROM chain_node n LEFT JOIN t USING (node_id) LEFT JOIN e USING (node_id)
LEFT JOIN p USING (node_id)
ORDER BY n.sequence
"""
_BASES = ["_lt", "_bt", "_le", "_be"]
# The totals when no chain node has a count (the region's rows are all of other nodes, or none).
TOTALS = """
SELECT adcode,
       (SELECT coalesce(sum(talents), 0) FROM mart_talent_supply m
        WHERE m.adcode = r.adcode AND year <= $year) AS talent,
       (SELECT coalesce(sum(enterprises), 0) FROM mart_enterprise m
        WHERE m.adcode = r.adcode AND year <= $year) AS enterprises
FROM region r WHERE adcode IN ($region, $bench)
"""


@dataclass(frozen=True)
class Bases:
    """The totals an LQ divides by: the region's and the benchmark's talent and enterprises
    (every node; 0 for a code the region table does not know), as ``TOTALS`` counts them."""
    talent: float
    bench_talent: float
    enterprises: float
    bench_enterprises: float


def chain_status(reader: Reader, region: str, year: int, th: Thresholds,
                 bench: str = COUNTRY) -> pd.DataFrame:
    """One row per chain node: supply, demand, LQs, band, status with its reason, gap score."""
    got = chain_index.status_facts(reader, region, bench, year)
    if got is not None:
        return assess(got[0], Bases(*got[1]), th)
    params = {"region": region, "bench": bench, "year": year}
    df = reader.df(CHAIN_FACTS, params)
    sums = [next((float(v) for v in df[c].tolist() if not pd.isna(v)), None) for c in _BASES]
    if sums[0] is None or sums[2] is None:
        totals = reader.df(TOTALS, params).set_index("adcode")
        sums = [_total(totals, code, col) for col in ("talent", "enterprises")
                for code in (region, bench)]
    known = chain_index.region_levels(reader)
    lt, bt, le, be = (v if code in known else 0.0
                      for v, code in zip(sums, (region, bench, region, bench), strict=True))
    return assess(df, Bases(lt, bt, le, be), th, drop=_BASES)


# The chain status of many regions (the heatmap: the 34 provinces, a province's cities) in ONE
# query: the facts of CHAIN_FACTS, the bases of TOTALS and the rules of ``assess`` (LQs, status,
# reason, 延链, band, gap score before rounding), one row per region × node. Python only rounds
# the gap score (``round`` as ``gap_score`` does: DuckDB rounds halves away from zero).
# tests/test_heatmap_one_query.py checks it equals ``chain_status`` region by region; the rules
# live in both places, so a change to one must go to the other (the test fails otherwise).
CHAIN_STATUS_ALL = """
WITH regs AS (SELECT unnest($regions::VARCHAR[]) AS region,
                     generate_subscripts($regions::VARCHAR[], 1) AS pos),
codes AS (SELECT region AS adcode FROM regs UNION SELECT $bench::VARCHAR),
nodes AS (SELECT node_id, name_zh, layer, segment, sequence FROM chain_node),
t AS (SELECT adcode, node_id, sum(talents) AS talents,
             sum(talents) FILTER (WHERE year = $year) AS active
      FROM mart_talent_supply
      WHERE adcode IN (SELECT adcode FROM codes) AND year <= $year GROUP BY ALL),
e AS (SELECT adcode, node_id, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise
      WHERE adcode IN (SELECT adcode FROM codes) AND year <= $year GROUP BY ALL),
p AS (SELECT adcode, node_id, sum(postings) AS postings,
             sum(salary_sum) / nullif(sum(salaried_postings), 0) AS mean_salary
      FROM mart_posting_demand
      WHERE adcode IN (SELECT region FROM regs) AND year = $year GROUP BY ALL),
-- the bases (TOTALS): every node's talent and enterprises, of codes the region table knows
tt AS (SELECT adcode, sum(talents) AS n FROM t GROUP BY adcode),
et AS (SELECT adcode, sum(enterprises) AS n FROM e GROUP BY adcode),
bases AS (SELECT c.adcode, coalesce(tt.n, 0)::DOUBLE AS talent,
                 coalesce(et.n, 0)::DOUBLE AS enterprises
          FROM codes c JOIN region r ON r.adcode = c.adcode
          LEFT JOIN tt ON tt.adcode = c.adcode LEFT JOIN et ON et.adcode = c.adcode),
f AS (SELECT g.pos, g.region AS adcode, n.*,
             coalesce(tl.talents, 0)::DOUBLE AS talent, coalesce(tl.active, 0)::DOUBLE AS active,
             coalesce(tb.talents, 0)::DOUBLE AS bench_talent,
             coalesce(el.enterprises, 0)::DOUBLE AS enterprises,
             coalesce(el.leaders, 0)::DOUBLE AS leaders,
             coalesce(eb.enterprises, 0)::DOUBLE AS bench_enterprises,
             coalesce(pl.postings, 0)::DOUBLE AS postings, pl.mean_salary,
             coalesce(bl.talent, 0)::DOUBLE AS lq_base,
             coalesce(bb.talent, 0)::DOUBLE AS lq_bench_base,
             coalesce(bl.enterprises, 0)::DOUBLE AS ent_base,
             coalesce(bb.enterprises, 0)::DOUBLE AS ent_bench_base
      FROM regs g CROSS JOIN nodes n
      LEFT JOIN t tl ON tl.node_id = n.node_id AND tl.adcode = g.region
      LEFT JOIN t tb ON tb.node_id = n.node_id AND tb.adcode = $bench
      LEFT JOIN e el ON el.node_id = n.node_id AND el.adcode = g.region
      LEFT JOIN e eb ON eb.node_id = n.node_id AND eb.adcode = $bench
      LEFT JOIN p pl ON pl.node_id = n.node_id AND pl.adcode = g.region
      LEFT JOIN bases bl ON bl.adcode = g.region
      LEFT JOIN bases bb ON bb.adcode = $bench),
-- lq(), sd_ratio(), credibility
m AS (SELECT *,
             CASE WHEN lq_base = 0 OR lq_bench_base = 0 OR bench_talent = 0 THEN NULL
                  ELSE (talent / lq_base) / (bench_talent / lq_bench_base) END AS lq_talent,
             CASE WHEN ent_base = 0 OR ent_bench_base = 0 OR bench_enterprises = 0 THEN NULL
                  ELSE (enterprises / ent_base) / (bench_enterprises / ent_bench_base)
             END AS lq_enterprise,
             CASE WHEN postings <> 0 THEN active / postings END AS sd_ratio,
             lq_base >= $min_base AS lq_credible,
             CASE WHEN lq_talent IS NULL THEN '—' ELSE printf('%.2f', lq_talent) END AS _shown,
             '本地企业 ' || CAST(enterprises AS HUGEINT) || ' 家' AS _firms
      FROM f),
-- node_status()
s AS (SELECT *,
             CASE WHEN NOT lq_credible THEN CASE WHEN enterprises = 0 THEN '补链' ELSE '强链' END
                  WHEN lq_talent IS NULL OR lq_talent < $lq_missing OR enterprises = 0
                      THEN '补链'
                  WHEN lq_talent >= $lq_stronghold AND leaders > 0 THEN '固链'
                  ELSE '强链' END AS _status,
             CASE WHEN NOT lq_credible
                      THEN '人才基数 ' || CAST(trunc(lq_base) AS HUGEINT) || ' < ' || $min_base_text
                           || ', LQ ' || _shown || ' 仅供参考; ' || _firms
                  WHEN lq_talent IS NULL OR lq_talent < $lq_missing
                      THEN 'LQ ' || _shown || ' < ' || $missing_text || '; ' || _firms
                  WHEN enterprises = 0 THEN 'LQ ' || _shown || '; ' || _firms
                  WHEN lq_talent >= $lq_stronghold AND leaders > 0
                      THEN 'LQ ' || _shown || ' ≥ ' || $stronghold_text || '; 链主企业 '
                           || CAST(leaders AS HUGEINT) || ' 家'
                  WHEN lq_talent >= $lq_stronghold
                      THEN 'LQ ' || _shown || ' ≥ ' || $stronghold_text || ' 但无本地链主企业'
                  ELSE $missing_text || ' ≤ LQ ' || _shown || ' < ' || $stronghold_text || '; '
                       || _firms END AS _reason
      FROM m),
-- extend_chain(): the 固链 neighbours of each node, by node id
adj AS (SELECT unnest($adj_node::VARCHAR[]) AS node_id, unnest($adj_next::VARCHAR[]) AS next_id),
ext AS (SELECT s.pos, a.node_id, string_agg(s.name_zh, '、' ORDER BY s.node_id) AS strong
        FROM adj a JOIN s ON s.node_id = a.next_id AND s._status = '固链' GROUP BY ALL)
SELECT s.node_id, s.name_zh, s.layer, s.segment, s.sequence, s.talent, s.active,
       s.bench_talent, s.enterprises, s.leaders, s.bench_enterprises, s.postings,
       s.mean_salary, s.lq_talent, s.lq_enterprise, s.sd_ratio,
       CASE WHEN s.sd_ratio IS NULL THEN '无需求数据' WHEN s.sd_ratio <= $sd_severe THEN '严重紧缺'
            WHEN s.sd_ratio <= $sd_shortage THEN '紧缺' WHEN s.sd_ratio <= $sd_balanced THEN '平衡'
            ELSE '过剩' END AS sd_band,
       s.lq_base, s.lq_credible, s.lq_bench_base, s.ent_base, s.ent_bench_base,
       CASE WHEN x.strong IS NOT NULL AND s._status = '补链' AND s.enterprises = 0 THEN '延链'
            ELSE s._status END AS status,
       CASE WHEN x.strong IS NOT NULL AND s._status = '补链' AND s.enterprises = 0
                THEN '与固链环节 ' || x.strong || ' 相邻; 本地企业 0 家'
            ELSE s._reason END AS reason,
       -- gap_score() before its rounding
       50 * CASE WHEN NOT s.lq_credible THEN 0.5::DOUBLE WHEN s.lq_talent IS NULL THEN 1::DOUBLE
                 ELSE greatest(0::DOUBLE, 1::DOUBLE - s.lq_talent) END
       + 30 * CASE WHEN s.sd_ratio IS NULL THEN 0::DOUBLE
                   ELSE greatest(0::DOUBLE, 1::DOUBLE - least(s.sd_ratio, 1.2::DOUBLE) / 1.2::DOUBLE)
              END
       + 20 * CASE WHEN s.enterprises = 0 THEN 1 ELSE 0 END AS gap_score,
       s.adcode, coalesce(r.name, s.adcode) AS name
FROM s
LEFT JOIN ext x ON x.pos = s.pos AND x.node_id = s.node_id
LEFT JOIN region r ON r.adcode = s.adcode
ORDER BY s.pos, s.sequence
"""


def chain_status_all(reader: Reader, regions: list[str], year: int, th: Thresholds,
                     bench: str = COUNTRY) -> pd.DataFrame:
    """``chain_status`` of each region stacked, in the order of ``regions``, with the region's
    ``adcode`` and ``name`` added (an unknown code is its own name): one query for all of them
    (the heatmap's data)."""
    from reference.taxonomy import adjacent_nodes

    pairs = [(a, b) for a, nexts in adjacent_nodes().items() for b in sorted(nexts)]
    severe, shortage, balanced = th.sd_bands
    df = reader.df(CHAIN_STATUS_ALL, {
        "regions": list(regions), "bench": bench, "year": year,
        "lq_missing": float(th.lq_missing), "lq_stronghold": float(th.lq_stronghold),
        "min_base": float(th.lq_min_base), "min_base_text": f"{th.lq_min_base}",
        "missing_text": f"{th.lq_missing:g}", "stronghold_text": f"{th.lq_stronghold:g}",
        "sd_severe": float(severe), "sd_shortage": float(shortage),
        "sd_balanced": float(balanced),
        "adj_node": [a for a, _ in pairs], "adj_next": [b for _, b in pairs]})
    df["gap_score"] = [round(v, 1) for v in df["gap_score"].tolist()]
    return df


def chain_status_many(reader: Reader, regions: list[str], year: int, th: Thresholds,
                      bench: str = COUNTRY) -> dict[str, pd.DataFrame]:
    """``chain_status`` of each region, by code, from the one query of ``chain_status_all``."""
    df = chain_status_all(reader, list(dict.fromkeys(regions)), year, th, bench)
    return {code: part.drop(columns=["adcode", "name"]).reset_index(drop=True)
            for code, part in df.groupby("adcode", sort=False)}


def assess(df: pd.DataFrame, bases: Bases, th: Thresholds, drop=()) -> pd.DataFrame:
    """The chain's figures from its counts (pure): ``df`` has one row per node with node_id,
    name_zh, talent, active, bench_talent, enterprises, leaders, bench_enterprises, postings.
    ``chain_status`` calls it on the warehouse's counts, the what-if (analytics/whatif.py) on
    changed ones: one set of rules. The bases are kept as columns (lq_base, lq_bench_base,
    ent_base, ent_bench_base); the columns named in ``drop`` are left out."""
    from reference.taxonomy import adjacent_nodes

    col = {c: df[c].tolist() for c in ("node_id", "name_zh", "talent", "bench_talent",
                                       "enterprises", "bench_enterprises", "active", "postings",
                                       "leaders")}
    loc_t, ben_t = bases.talent, bases.bench_talent
    loc_e, ben_e = bases.enterprises, bases.bench_enterprises
    # Plain lists, one assign: itertuples and column-by-column assignment cost pandas 3 about
    # 25 ms per region (most of the 34-province heatmap's time); the rules are the same.
    lq_t = [lq(a, loc_t, b, ben_t) for a, b in zip(col["talent"], col["bench_talent"],
                                                   strict=True)]
    lq_e = [lq(a, loc_e, b, ben_e) for a, b in zip(col["enterprises"], col["bench_enterprises"],
                                                   strict=True)]
    ratio = [sd_ratio(a, b) for a, b in zip(col["active"], col["postings"], strict=True)]
    credible = loc_t >= th.lq_min_base
    statuses = {n: node_status(_none(v), int(e), int(ld), th, base=loc_t)
                for n, v, e, ld in zip(col["node_id"], lq_t, col["enterprises"], col["leaders"],
                                       strict=True)}
    statuses = extend_chain(statuses, dict(zip(col["node_id"], col["enterprises"], strict=True)),
                            adjacent_nodes(), dict(zip(col["node_id"], col["name_zh"], strict=True)))
    # One frame built at once, as ``df.assign`` would give it: assign inserts column by column
    # (3 ms of a chain_status on pandas 3, issue 18).
    return pd.DataFrame({c: df[c] for c in df.columns if c not in drop} | {
        "lq_talent": pd.Series(lq_t, index=df.index, dtype=object).astype(float),
        "lq_enterprise": pd.Series(lq_e, index=df.index, dtype=object).astype(float),
        "sd_ratio": pd.Series(ratio, index=df.index, dtype=object).astype(float),
        "sd_band": [sd_band(_none(r), th) for r in ratio],
        "lq_base": loc_t, "lq_credible": credible, "lq_bench_base": ben_t, "ent_base": loc_e,
        "ent_bench_base": ben_e,
        "status": [statuses[n].status for n in col["node_id"]],
        "reason": [statuses[n].reason for n in col["node_id"]],
        "gap_score": [gap_score(_none(v), _none(r), int(e), bool(credible))
                      for v, r, e in zip(lq_t, ratio, col["enterprises"], strict=True)]},
        index=df.index)


def _total(totals: pd.DataFrame, code: str, col: str) -> float:
    return float(totals.loc[code, col]) if code in totals.index else 0.0


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


SOURCE_REGIONS = """
WITH peers AS (SELECT adcode, name FROM region
               WHERE level = (SELECT level FROM region WHERE adcode = $region)
                 AND adcode <> $region),
-- the peers' and the country's sums in one scan (issue 18)
t AS (SELECT adcode, sum(talents) FILTER (WHERE node_id = $node) AS in_node,
             sum(talents) AS total
      FROM mart_talent_supply WHERE year <= $year
        AND adcode IN (SELECT adcode FROM peers UNION ALL SELECT '100000')
      GROUP BY adcode),
nat AS (SELECT (SELECT in_node / total FROM t WHERE adcode = '100000') AS share),
e AS (SELECT adcode, sum(enterprises) AS enterprises, sum(chain_leaders) AS leaders
      FROM mart_enterprise WHERE node_id = $node AND year <= $year GROUP BY adcode)
SELECT p.adcode, p.name, t.in_node AS talent, coalesce(e.enterprises, 0) AS enterprises,
       coalesce(e.leaders, 0) AS leaders,
       (t.in_node / nullif(t.total, 0)) / nullif(nat.share, 0) AS lq,
       t.total >= $min_base AS lq_credible,
       -- the ranking: talent × min(LQ, 3); an LQ from a base below lq_min_base is noise,
       -- neutral (1) here
       least(CASE WHEN t.total >= $min_base THEN coalesce(lq, 0) ELSE 1 END, 3) AS lq_weight,
       t.in_node * least(CASE WHEN t.total >= $min_base THEN coalesce(lq, 0) ELSE 1 END, 3)
           AS score
FROM peers p JOIN t USING (adcode) LEFT JOIN e USING (adcode) CROSS JOIN nat
WHERE t.in_node > 0
ORDER BY score DESC, p.adcode
LIMIT $limit
"""

SOURCE_ENTERPRISES = """
SELECT e.credit_code, e.name, r.name AS region, c.name AS city, e.employees,
       e.registered_capital_wan, e.founded_on, e.is_listed, e.is_chain_leader
FROM enterprise e
JOIN region r USING (adcode)
LEFT JOIN region c ON c.adcode = coalesce(r.city_adcode, r.province_adcode)
WHERE e.node_id = $node
  AND e.adcode NOT IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region)
  AND {in_business}  -- no firm to recruit any more
ORDER BY e.is_chain_leader DESC, e.is_listed DESC, e.employees DESC NULLS LAST, e.credit_code
LIMIT $limit
"""

SOURCE_POOLS = """
SELECT * FROM (
    SELECT r.adcode, r.name, count(*) AS talent,
           count(*) FILTER (WHERE t.tier IN ('A', 'B', 'C', 'D')) AS high_level,
           count(*) FILTER (WHERE t.is_returnee) AS returnees,
           count(*) FILTER (WHERE t.willing_to_relocate) AS willing_to_relocate,
           count(*) FILTER (WHERE t.expected_adcode IN
                            (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region))
               AS expecting_here
    FROM talent_person t
    JOIN region_ancestor a ON a.adcode = t.adcode
      AND a.ancestor_level = (SELECT CASE level WHEN 'district' THEN 'city' ELSE level END
                              FROM region WHERE adcode = $region)
    JOIN region r ON r.adcode = a.ancestor_adcode
    -- date_part('year', …) is year(…), without DuckDB's 1.5 ms rewrite of a year() <= …
    WHERE t.node_id = $node AND date_part('year', t.observed_on) <= $year AND r.adcode <> $region
      AND t.adcode NOT IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $region)
    GROUP BY ALL
) ORDER BY willing_to_relocate + expecting_here DESC, talent DESC, adcode
LIMIT $limit
"""


def source_regions(reader: Reader, region: str, node: str, year: int,
                   limit: int = 20, min_base: int | None = None) -> pd.DataFrame:
    """Regions at the same level with high LQ and supply in the node (招引目标地区), ranked by
    talent × min(LQ, 3); an LQ on fewer than ``min_base`` talents (default: the setting
    lq_min_base) counts as 1 and is flagged ``lq_credible`` = false."""
    if min_base is None:
        min_base = Thresholds.from_settings().lq_min_base
    got = chain_index.source_regions(reader, region, node, year, limit, min_base)
    return got if got is not None else reader.df(SOURCE_REGIONS, {
        "region": region, "node": node, "year": year, "limit": limit, "min_base": min_base})


def source_enterprises(reader: Reader, region: str, node: str, limit: int = 50) -> pd.DataFrame:
    """Enterprises elsewhere in the node: chain leaders, listed and large first (招引企业)."""
    sql = SOURCE_ENTERPRISES.format(in_business=in_business(reader))
    return reader.df(sql, {"region": region, "node": node, "limit": limit})


def source_talent_pools(reader: Reader, region: str, node: str, year: int,
                        limit: int = 20) -> pd.DataFrame:
    """Talent pools elsewhere in the node (persons), with returnees and those willing to
    relocate."""
    got = chain_index.talent_pools(reader, region, node, year, limit)
    return got if got is not None else reader.df(on_persons(reader, SOURCE_POOLS), {
        "region": region, "node": node, "year": year, "limit": limit})


def chain_positions(df: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, int, str]]]:
    """Where each node sits in the chain diagram (the 产业链 page and the brief): column = layer
    (基础层, 技术层, 应用层), rows in chain order with a header row per segment. Returns the
    nodes with col/row and the (col, row, segment) headers."""
    rows, heads = [], []
    for col, layer in enumerate(LAYERS):
        r = 0
        part = df[df["layer"] == layer].sort_values("sequence")
        for segment, group in part.groupby("segment", sort=False):
            heads.append((col, r, str(segment)))
            r += 1
            for node in group["node_id"]:
                rows.append((node, col, r))
                r += 1
    pos = pd.DataFrame(rows, columns=["node_id", "col", "row"])
    return df.merge(pos, on="node_id"), heads
