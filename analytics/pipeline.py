"""The 招引跟踪 page's tables (pure pandas over access/targets.py's targets): the list with
overdue next steps, the funnel by stage, node × stage counts, and the scenario each node's signed
and landed targets make for the what-if (analytics/whatif.py). docs/pipeline.md.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from access import targets as tg
from analytics.whatif import Scenario
from store.reader import Reader

LIST_COLUMNS = {"id": "编号", "region_name": "地区", "node_name": "环节", "kind_text": "类型",
                "entry_name": "条目", "entry_key": "代码", "owner": "负责人", "stage": "阶段",
                "expected_talents": "预计引进人才", "investment_wan": "预计投资 (万元)",
                "next_step": "下一步", "next_date": "下一步日期", "overdue": "逾期",
                "abandon_reason": "放弃原因", "notes": "备注", "updated_by": "最后修改人",
                "updated_at": "最后修改时间", "version": "版本"}
LANDING_STAGES = (tg.SIGNED, tg.LANDED)  # the targets a projection counts on


def frame(targets: list[tg.Target], region_names: dict[str, str], node_names: dict[str, str],
          today: dt.date | None = None) -> pd.DataFrame:
    """One row per target, with names for codes and the overdue flag."""
    today = today or dt.date.today()
    rows = [{**{c: getattr(t, c) for c in tg.COLUMNS if c not in ("scenario", "landing")},
             "region_name": region_names.get(t.region, t.region),
             "node_name": node_names.get(t.node, t.node), "kind_text": tg.KINDS[t.kind],
             "overdue": t.overdue(today), "has_scenario": t.scenario is not None,
             "landed_version": (t.landing or {}).get("version")} for t in targets]
    cols = [*tg.COLUMNS, "region_name", "node_name", "kind_text", "overdue", "has_scenario",
            "landed_version"]
    df = pd.DataFrame(rows, columns=[c for c in cols if c not in ("scenario", "landing")])
    return df


def filtered(df: pd.DataFrame, stages=(), nodes=(), owners=(), regions=()) -> pd.DataFrame:
    """Rows matching every filter given (an empty filter keeps all)."""
    keep = pd.Series(True, index=df.index)
    for col, chosen in (("stage", stages), ("node", nodes), ("owner", owners),
                        ("region", regions)):
        if chosen:
            keep &= df[col].isin(list(chosen))
    return df[keep]


def list_table(df: pd.DataFrame) -> pd.DataFrame:
    """The list as shown and exported: Chinese headers, 是/否 for overdue, overdue first."""
    out = df.sort_values(["overdue", "next_date", "id"], ascending=[False, True, True],
                         na_position="last")
    out = out[list(LIST_COLUMNS)].rename(columns=LIST_COLUMNS)
    out["逾期"] = out["逾期"].map({True: "是", False: "否"})
    out["最后修改时间"] = out["最后修改时间"].str.slice(0, 16).str.replace("T", " ")
    return out.reset_index(drop=True)


def funnel(df: pd.DataFrame) -> pd.DataFrame:
    """Per stage: targets there now (``at``) and targets that reached it (``reached``: there now
    or further on; an abandoned target counts up to the stage it was abandoned from)."""
    order = {s: i for i, s in enumerate(tg.STAGES)}
    furthest = [order[a] if s == tg.ABANDONED and a in order else order.get(s, -1)
                for s, a in zip(df["stage"], df["abandoned_from"], strict=True)]
    rows = [{"stage": s, "at": int((df["stage"] == s).sum()),
             "reached": sum(f >= i for f in furthest)} for s, i in order.items()]
    return pd.DataFrame([*rows, {"stage": tg.ABANDONED,
                                 "at": int((df["stage"] == tg.ABANDONED).sum()),
                                 "reached": int((df["stage"] == tg.ABANDONED).sum())}])


def by_node(df: pd.DataFrame, node_order: list[str] | None = None) -> pd.DataFrame:
    """Targets per node (rows: node id and name) and stage (columns, in stage order)."""
    if df.empty:
        return pd.DataFrame(columns=["node", "node_name", *tg.ALL_STAGES, "合计"])
    m = pd.crosstab([df["node"], df["node_name"]], df["stage"])
    m = m.reindex(columns=list(tg.ALL_STAGES), fill_value=0)
    m["合计"] = m.sum(axis=1)
    m = m.reset_index()
    if node_order:
        rank = {n: i for i, n in enumerate(node_order)}
        m = m.sort_values("node", key=lambda s: s.map(rank).fillna(len(rank)))
    return m.reset_index(drop=True)


def stage_counts(targets: list[tg.Target]) -> dict[str, int]:
    """Targets by stage (stages with none left out), in stage order."""
    counts = {s: sum(t.stage == s for t in targets) for s in tg.ALL_STAGES}
    return {s: n for s, n in counts.items() if n}


def target_scenario(t: tg.Target) -> Scenario:
    """What a target brings when it lands: the scenario saved with it, else its expected
    talents (tier unknown: N) and, for a firm, the firm itself (a chain leader or not)."""
    if t.scenario:
        return Scenario.from_dict(t.scenario)
    firm = t.kind == "enterprise"
    return Scenario.of({"N": t.expected_talents}, int(firm), int(firm and t.entry_leader))


def landing_scenarios(targets: list[tg.Target], region: str) -> dict[str, Scenario]:
    """Node id → the sum of the scenarios of the region's 已签约 and 已落地 targets."""
    out: dict[str, Scenario] = {}
    for t in targets:
        if t.region == region and t.stage in LANDING_STAGES:
            out[t.node] = out.get(t.node, Scenario()) + target_scenario(t)
    return out


BENCH_CONTAINS = """
SELECT count(*) AS n FROM region_ancestor WHERE adcode = $region AND ancestor_adcode = $bench
"""


def bench_contains(reader: Reader, region: str, bench: str) -> bool:
    """The region lies inside the benchmark (or is it): what lands there lands in both."""
    if region == bench:
        return True
    return int(reader.df(BENCH_CONTAINS, {"region": region, "bench": bench})["n"].iloc[0]) > 0
