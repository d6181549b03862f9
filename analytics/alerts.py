"""风险预警: rules evaluated once per published version for the home region and its sub-regions
(docs/alerts.md). Each alert says why in words, with its numbers and thresholds (settings
``alert_*``, the chain thresholds of ``Thresholds``), and links to the view that explains it.

Rules (id: what raises it):

- ``outflow``: a region's net flow (all nodes) in the latest year is below the earlier years'
  mean by more than max(z × their standard deviation, ``alert_min_moves``), with at least
  ``alert_min_moves`` departures — flows at the region's level (``mart_moves``); the reason names
  the nodes that lost most.
- ``status_drop``: a chain node's status was 固链 or 强链 and is now 补链 — against the last
  evaluated version's snapshot, or the previous year at the first evaluation.
- ``severe_shortage``: a node's supply/demand fell into 严重紧缺 (same comparison).
- ``leader_gone``: a chain leader or listed firm of the home region is 吊销/注销, 迁出, or its
  registered address moved out of the home region since the last evaluated version.
- ``talent_leaving``: high-level talent (A–C) moved out of a region in the latest year.
- ``postings_drop``: a region-node's postings in the latest year are at most (1 − ``alert_postings_drop``)
  × last year's, last year having at least ``alert_min_postings``.

Evaluation (``evaluate``) stores what it finds in ``access.alert_store`` — new, still true or
resolved — and is done once per version. Counts of people are kept with each alert: a role
that sees aggregates only is shown an alert only when none of them is a small count
(``visible``), so an alert never tells about fewer than k people.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from access import alert_store as store
from analytics import disclosure, gaps
from analytics import queries as q
from analytics.filters import Thresholds
from store.reader import Reader

RULES = {"outflow": "人才净流出异常", "status_drop": "环节状态转弱", "severe_shortage": "供需转为严重紧缺",
         "leader_gone": "链主/重点企业注销或迁出", "talent_leaving": "高层次人才流出",
         "postings_drop": "岗位需求骤降"}
SEVERITY_ORDER = {"高": 0, "中": 1, "低": 2}
STRONG = ("固链", "强链")
GONE = ("吊销", "注销", "迁出")


@dataclass(frozen=True)
class Limits:
    """The alert thresholds (settings ``alert_*``)."""
    outflow_z: float = 2.0
    min_moves: int = 5
    postings_drop: float = 0.5
    min_postings: int = 10
    min_people: int = 5  # the small-count k: a node with fewer people raises no status alert

    @classmethod
    def from_settings(cls) -> Limits:
        import settings

        return cls(outflow_z=settings.get("alert_outflow_z"),
                   min_moves=settings.get("alert_min_moves"),
                   postings_drop=settings.get("alert_postings_drop"),
                   min_postings=settings.get("alert_min_postings"),
                   min_people=settings.get("small_cell_k"))


def _link(page: str, **query) -> str:
    return f"{page}?{urlencode({k: v for k, v in query.items() if v is not None})}"


REGIONS = """
SELECT r.adcode, r.name, r.level FROM region_ancestor a JOIN region r ON r.adcode = a.adcode
WHERE a.ancestor_adcode = $home ORDER BY r.level <> (SELECT level FROM region WHERE adcode = $home),
      r.adcode"""
NODES = "SELECT node_id, name_zh FROM chain_node ORDER BY sequence"


# -- outflow ------------------------------------------------------------------------------------
FLOWS = """
WITH r AS (SELECT adcode, level FROM region WHERE adcode IN (SELECT unnest($regions::VARCHAR[])))
SELECT r.adcode, m.node_id, m.year,
       sum(m.moves) FILTER (WHERE m.to_adcode = r.adcode) AS arrivals,
       sum(m.moves) FILTER (WHERE m.from_adcode = r.adcode) AS departures
FROM mart_moves m JOIN r ON m.level = r.level AND r.adcode IN (m.from_adcode, m.to_adcode)
GROUP BY ALL"""


def outflow_alerts(flows: pd.DataFrame, names: dict, node_names: dict, year: int,
                   years: list[int], lim: Limits) -> list[store.Alert]:
    """Pure: ``flows`` has adcode, node_id, year, arrivals, departures (one row per cell); one
    alert per region (all nodes), naming the nodes that lost most."""
    earlier = [y for y in years if y < year]
    if flows.empty or len(earlier) < 2:
        return []
    f = flows.fillna({"arrivals": 0, "departures": 0})
    out = []
    for adcode, g in f.groupby("adcode", sort=True):
        by_year = g.groupby("year")[["arrivals", "departures"]].sum()
        net = {y: float(by_year["arrivals"].get(y, 0) - by_year["departures"].get(y, 0))
               for y in [*earlier, year]}
        dep = int(by_year["departures"].get(year, 0))
        arr = int(by_year["arrivals"].get(year, 0))
        past = [net[y] for y in earlier]
        mean = sum(past) / len(past)
        std = math.sqrt(sum((v - mean) ** 2 for v in past) / (len(past) - 1))
        floor = mean - max(lim.outflow_z * std, lim.min_moves)
        if dep < lim.min_moves or net[year] >= floor:
            continue
        now = g[g["year"] == year].assign(net=lambda d: d["arrivals"] - d["departures"])
        worst = now[now["net"] < 0].sort_values(["net", "node_id"]).head(3)
        nodes = "、".join(f"{node_names.get(n, n)} {-int(v)}" for n, v in
                         zip(worst["node_id"], worst["net"], strict=True))
        severe = net[year] < mean - 2 * max(lim.outflow_z * std, lim.min_moves)
        out.append(store.Alert(
            key=f"outflow|{adcode}|{year}", rule="outflow", severity="高" if severe else "中",
            region=adcode, year=year,
            reason=(f"{names.get(adcode, adcode)}: {year} 年净流出 {-net[year]:.0f} 人 (流入 {arr}, "
                    f"流出 {dep}); 往年净流入均值 {mean:+.1f}, 标准差 {std:.1f}, 低于常态下限 "
                    f"{floor:+.1f} (均值 − max({lim.outflow_z:g}×标准差, {lim.min_moves}))"
                    + (f"; 净流出最多: {nodes}" if nodes else "")),
            people={"arrivals": arr, "departures": dep},
            link=_link("supply_chain", region=adcode)))
    return out


# -- chain status -------------------------------------------------------------------------------
def status_alerts(now: dict[str, dict], before: dict[str, dict], names: dict, node_names: dict,
                  year: int, against: str, lim: Limits) -> list[store.Alert]:
    """Pure: ``now`` / ``before`` map 'adcode|node' → {status, sd_band, sd_ratio, talent,
    postings, reason}. A node with fewer than ``lim.min_people`` talents both times raises
    nothing (its status swings with one person); a shortage needs ``lim.min_postings`` postings
    now and a band known before."""
    out = []
    for key, cur in sorted(now.items()):
        prev = before.get(key)
        if not prev or max(cur.get("talent") or 0, prev.get("talent") or 0) < lim.min_people:
            continue
        adcode, node = key.split("|")
        where = f"{names.get(adcode, adcode)} · {node_names.get(node, node)}"
        link = _link("supply_chain", region=adcode, node=node)
        people = {"talent": int(cur.get("talent") or 0)}
        if prev["status"] in STRONG and cur["status"] == "补链":
            out.append(store.Alert(
                key=f"status_drop|{adcode}|{node}", rule="status_drop", severity="高",
                region=adcode, node_id=node, year=year, link=link, people=people,
                reason=f"{where}: 状态由{prev['status']}转为补链 ({against}); {cur.get('reason') or ''}"))
        known = prev.get("sd_band") not in (None, "无需求数据", "严重紧缺")
        if known and cur.get("sd_band") == "严重紧缺" and \
                (cur.get("postings") or 0) >= lim.min_postings:
            out.append(store.Alert(
                key=f"severe_shortage|{adcode}|{node}", rule="severe_shortage", severity="中",
                region=adcode, node_id=node, year=year, link=link, people=people,
                reason=(f"{where}: 供需由{prev.get('sd_band') or '未知'}转为严重紧缺 ({against}); "
                        f"供需比 {cur.get('sd_ratio')}, 岗位 {cur.get('postings')} 个")))
    return out


def chain_snapshot(reader: Reader, regions: list[str], year: int, th: Thresholds) -> dict:
    out = {}
    for adcode in regions:
        df = gaps.chain_status(reader, adcode, year, th)
        for r in df.itertuples():
            ratio = None if r.sd_ratio is None or pd.isna(r.sd_ratio) else round(float(r.sd_ratio), 2)
            out[f"{adcode}|{r.node_id}"] = {"status": r.status, "sd_band": r.sd_band,
                                           "sd_ratio": ratio, "talent": int(r.talent or 0),
                                           "postings": int(r.postings or 0),
                                           "reason": str(r.reason or "")}
    return out


# -- firms --------------------------------------------------------------------------------------
FIRMS = """
SELECT e.credit_code, e.name, e.adcode, {reg_status} AS reg_status,
       coalesce(e.is_chain_leader, false) AS leader, coalesce(e.is_listed, false) AS listed,
       e.node_id
FROM enterprise e
WHERE (coalesce(e.is_chain_leader, false) OR coalesce(e.is_listed, false))
  AND (e.adcode IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = $home)
       OR e.credit_code IN (SELECT unnest($known::VARCHAR[])))"""


def firm_alerts(firms: pd.DataFrame, before: dict[str, dict], home: set[str], names: dict,
                year: int) -> tuple[list[store.Alert], dict]:
    """Pure: key firms gone (吊销/注销/迁出) or moved out of the home region; the new snapshot."""
    out, snap = [], {}
    for r in firms.itertuples():
        inside = r.adcode in home
        prev = before.get(r.credit_code)
        kind = "链主企业" if r.leader else "上市企业"
        if inside and r.reg_status not in GONE:
            snap[r.credit_code] = {"adcode": r.adcode, "reg_status": r.reg_status}
        if inside and r.reg_status in GONE:
            why = f"登记状态为{r.reg_status}"
        elif not inside and prev is not None:
            why = f"注册地由{names.get(prev['adcode'], prev['adcode'])}迁至{names.get(r.adcode, r.adcode)}"
        else:
            continue
        region = r.adcode if inside else prev["adcode"]
        out.append(store.Alert(
            key=f"leader_gone|{r.credit_code}", rule="leader_gone",
            severity="高" if r.leader else "中", region=region, node_id=r.node_id,
            subject=r.credit_code, year=year, people={},
            reason=f"{kind} {r.name}: {why}",
            link=_link("supply_chain", region=region, node=r.node_id)))
    return out, snap


# -- high-level talent leaving, postings ----------------------------------------------------------
# Persons: a move is of a record (talent_move.talent_id); its person, with the person's tier
# (talent_person), is who leaves, so a move loaded from two sources is one person leaving.
LEAVING = """
WITH r AS (SELECT adcode, level FROM region WHERE adcode IN (SELECT unnest($regions::VARCHAR[])))
SELECT r.adcode, count(DISTINCT p.person_id) AS leaving
FROM talent_move m JOIN talent t USING (talent_id)
JOIN talent_person p ON p.person_id = t.person_id
JOIN region_ancestor f ON f.adcode = m.from_adcode
JOIN r ON f.ancestor_adcode = r.adcode
WHERE year(m.moved_on) = $year AND p.tier IN ('A', 'B', 'C')
  AND m.to_adcode NOT IN (SELECT adcode FROM region_ancestor WHERE ancestor_adcode = r.adcode)
GROUP BY ALL HAVING count(DISTINCT p.person_id) > 0"""
POSTINGS = """
SELECT adcode, node_id, sum(postings) FILTER (WHERE year = $year) AS now,
       sum(postings) FILTER (WHERE year = $year - 1) AS before
FROM mart_posting_demand WHERE adcode IN (SELECT unnest($regions::VARCHAR[]))
  AND year IN ($year, $year - 1) GROUP BY ALL"""


def leaving_alerts(df: pd.DataFrame, names: dict, year: int) -> list[store.Alert]:
    return [store.Alert(
        key=f"talent_leaving|{r.adcode}|{year}", rule="talent_leaving", severity="高",
        region=r.adcode, year=year, people={"leaving": int(r.leaving)},
        reason=f"{names.get(r.adcode, r.adcode)}: {year} 年有 {int(r.leaving)} 名 A–C 层次人才迁出",
        link=_link("supply_chain", region=r.adcode)) for r in df.itertuples()]


def postings_alerts(df: pd.DataFrame, names: dict, node_names: dict, year: int,
                    lim: Limits) -> list[store.Alert]:
    out = []
    for r in df.fillna(0).itertuples():
        if r.before < lim.min_postings or r.now > r.before * (1 - lim.postings_drop):
            continue
        where = f"{names.get(r.adcode, r.adcode)} · {node_names.get(r.node_id, r.node_id)}"
        out.append(store.Alert(
            key=f"postings_drop|{r.adcode}|{r.node_id}|{year}", rule="postings_drop",
            severity="中", region=r.adcode, node_id=r.node_id, year=year, people={},
            reason=(f"{where}: {year} 年招聘岗位 {int(r.now)} 个, 上年 {int(r.before)} 个 "
                    f"(降幅 {1 - r.now / r.before:.0%}, 阈值 {lim.postings_drop:.0%})"),
            link=_link("supply_chain", region=r.adcode, node=r.node_id)))
    return out


# -- evaluation ---------------------------------------------------------------------------------
def find(reader: Reader, home: str, th: Thresholds, lim: Limits,
         before_chain: dict | None = None, before_firms: dict | None = None
         ) -> tuple[list[store.Alert], dict[str, dict]]:
    """Every alert the published version raises, and the snapshots for the next evaluation."""
    years = q.years(reader)
    if not years:
        return [], {}
    year = years[-1]
    regions = reader.df(REGIONS, {"home": home})
    codes = regions["adcode"].tolist()
    names = dict(zip(regions["adcode"], regions["name"], strict=True))
    nodes = reader.df(NODES)
    node_names = dict(zip(nodes["node_id"], nodes["name_zh"], strict=True))
    found = outflow_alerts(reader.df(FLOWS, {"regions": codes}), names, node_names, year, years,
                           lim)
    chain_now = chain_snapshot(reader, codes, year, th)
    if before_chain:
        against = "与上一发布版本相比"
    else:
        against = f"与 {year - 1} 年相比"
        before_chain = chain_snapshot(reader, codes, year - 1, th) if year - 1 in years else {}
    found += status_alerts(chain_now, before_chain, names, node_names, year, against, lim)
    status = ("coalesce(e.reg_status, '存续')" if reader.has_column("enterprise", "reg_status")
              else "'存续'")
    firms = reader.df(FIRMS.format(reg_status=status),
                      {"home": home, "known": sorted(before_firms or {})})
    all_names = names | dict(reader.df("SELECT adcode, name FROM region WHERE adcode IN "
                                       "(SELECT unnest($a::VARCHAR[]))",
                                       {"a": firms["adcode"].tolist()}).values.tolist())
    firm_found, firm_snap = firm_alerts(firms, before_firms or {}, set(codes), all_names, year)
    found += firm_found
    found += leaving_alerts(reader.df(q.on_persons(reader, LEAVING),
                                      {"regions": codes, "year": year}), names, year)
    found += postings_alerts(reader.df(POSTINGS, {"regions": codes, "year": year}), names,
                             node_names, year, lim)
    return found, {"chain": chain_now, "firms": firm_snap}


def evaluate(reader: Reader, app_db: Path | str, home: str, th: Thresholds | None = None,
             lim: Limits | None = None) -> bool:
    """Evaluate the rules on the reader's published version once (False: already done)."""
    version = reader.refresh()
    if store.evaluated(app_db, version):
        return False
    last = store.last_evaluated(app_db)
    found, snaps = find(reader, home, th or Thresholds.from_settings(),
                        lim or Limits.from_settings(),
                        before_chain=store.snapshot(app_db, last, "chain"),
                        before_firms=store.snapshot(app_db, last, "firms"))
    return store.record(app_db, version, found, snaps)


def visible(df: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """The alerts a role may see: with k (aggregate roles), none that speaks of a small count."""
    if not k or df.empty:
        return df
    keep = [not any(disclosure.is_small(v, k) for v in (p or {}).values()) for p in df["people"]]
    return df[keep].reset_index(drop=True)


def table(df: pd.DataFrame) -> pd.DataFrame:
    """Alerts in reading order: still-open first, by severity, newest first."""
    if df.empty:
        return df
    out = df.assign(_open=df["state"] != "已解除", _sev=df["severity"].map(SEVERITY_ORDER),
                    rule_name=df["rule"].map(RULES))
    out = out.sort_values(["_open", "_sev", "first_version", "key"],
                          ascending=[False, True, False, True], kind="stable")
    return out.drop(columns=["_open", "_sev"]).reset_index(drop=True)
