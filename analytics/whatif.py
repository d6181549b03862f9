"""What-if (情景推演) on the 产业链 page: "if N talents (by tier) and M firms (chain leaders or
not) land in this node of this region, what would its LQ, supply/demand band, status and gap
score be?" — and, on the 招引跟踪 page, the status each node would reach if its signed and
landed targets land.

Pure (no I/O, no Streamlit): it takes the chain as ``gaps.chain_status`` returned it, adds the
scenario's counts and runs ``gaps.assess`` — the very function that made today's figures — on
the changed counts. No formula is repeated here. What landing means for the counts:

- N talents: the node's talent (stock up to the year) + N, and its active talent of the year + N
  (people who arrive are observed in the year of arrival); the region's base (talent of every
  node) + N. When the region lies inside the benchmark (the country always; a peer city when the
  region is one of its districts), the benchmark's node and base + N as well.
- M firms, L of them chain leaders: the node's local enterprises + M and chain leaders + L; the
  region's enterprise base + M (and the benchmark's, inside it).
- Postings (demand) do not change. Every other node keeps its counts, but its LQ moves with
  the region's base, so the whole chain is assessed again (a status elsewhere can change: it is
  listed, ``changed_elsewhere``).

Tiers (A–E, N as in ``analytics.filters.TIERS``) do not enter any status rule — the LQ counts
people, not tiers; the scenario keeps them and reports the high-level (A–D) talents it adds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import pandas as pd

from analytics import disclosure, gaps
from analytics.filters import HIGH_TIERS, TIERS, Thresholds

MAX_COUNT = 100_000  # talents or firms in one scenario
FIGURES = ("talent", "active", "lq_talent", "sd_ratio", "sd_band", "status", "reason",
           "gap_score", "enterprises", "leaders", "lq_credible")


class ScenarioError(ValueError):
    """A scenario with impossible counts (the message says which, in Chinese)."""


def _count(value, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise ScenarioError(f"{what} 须为非负整数")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{what} 须为非负整数") from None
    if not math.isfinite(f) or f < 0 or f != int(f):
        raise ScenarioError(f"{what} 须为非负整数")
    if f > MAX_COUNT:
        raise ScenarioError(f"{what} 最多 {MAX_COUNT}")
    return int(f)


@dataclass(frozen=True)
class Scenario:
    """Talents by tier (A–E, N = no tier) and firms (of which chain leaders) landing in a node."""
    talents: tuple[tuple[str, int], ...] = ()
    firms: int = 0
    leaders: int = 0
    note: str = field(default="", compare=False)

    @classmethod
    def of(cls, talents: dict | None = None, firms=0, leaders=0) -> Scenario:
        """A checked scenario: known tiers, whole counts ≥ 0, leaders ≤ firms."""
        by_tier = {}
        for tier, n in (talents or {}).items():
            if tier not in TIERS:
                raise ScenarioError(f"未知人才层次 {tier!r}")
            by_tier[tier] = _count(n, f"{tier} 类人才数")
        firms, leaders = _count(firms, "企业数"), _count(leaders, "链主企业数")
        if leaders > firms:
            raise ScenarioError("链主企业数不能多于企业数")
        if sum(by_tier.values()) > MAX_COUNT:
            raise ScenarioError(f"人才合计最多 {MAX_COUNT}")
        return cls(tuple((t, by_tier[t]) for t in TIERS if by_tier.get(t)), firms, leaders)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.talents)

    @property
    def high_level(self) -> int:
        return sum(n for t, n in self.talents if t in HIGH_TIERS)

    @property
    def empty(self) -> bool:
        return self.total == 0 and self.firms == 0

    def __add__(self, other: Scenario) -> Scenario:
        tiers = dict(self.talents)
        for t, n in other.talents:
            tiers[t] = tiers.get(t, 0) + n
        return Scenario.of(tiers, self.firms + other.firms, self.leaders + other.leaders)

    def to_dict(self) -> dict:
        return {"talents": dict(self.talents), "firms": self.firms, "leaders": self.leaders}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict | str | None) -> Scenario:
        if isinstance(d, str):
            d = json.loads(d)
        d = d or {}
        return cls.of(d.get("talents") or {}, d.get("firms", 0), d.get("leaders", 0))

    def describe(self) -> str:
        """The scenario in words: '20 名人才 (B 2, N 18) · 1 家企业 (链主 1)'."""
        parts = []
        if self.total:
            tiers = ", ".join(f"{t} {n}" for t, n in self.talents)
            parts.append(f"{self.total} 名人才 ({tiers})")
        if self.firms:
            parts.append(f"{self.firms} 家企业" + (f" (链主 {self.leaders})" if self.leaders else ""))
        return " · ".join(parts) or "无"


def bases(chain: pd.DataFrame) -> gaps.Bases:
    """The totals the chain was assessed with (columns kept by ``gaps.assess``)."""
    row = chain.iloc[0]
    return gaps.Bases(float(row["lq_base"]), float(row["lq_bench_base"]),
                      float(row["ent_base"]), float(row["ent_bench_base"]))


def land(chain: pd.DataFrame, scenarios: dict[str, Scenario], th: Thresholds,
         bench_contains: bool) -> pd.DataFrame:
    """The whole chain re-assessed with each node's scenario landed (node id → scenario).
    ``bench_contains``: the region lies inside the benchmark (or is it)."""
    unknown = set(scenarios) - set(chain["node_id"])
    if unknown:
        raise ScenarioError(f"未知环节 {sorted(unknown)}")
    counts = chain[["node_id", "name_zh", "layer", "segment", "sequence", "talent", "active",
                    "bench_talent", "enterprises", "leaders", "bench_enterprises",
                    "postings", "mean_salary"]].copy()
    b = bases(chain)
    add_t = add_e = 0
    for node, sc in scenarios.items():
        i = counts.index[counts["node_id"] == node]
        counts.loc[i, "talent"] += sc.total
        counts.loc[i, "active"] += sc.total
        counts.loc[i, "enterprises"] += sc.firms
        counts.loc[i, "leaders"] += sc.leaders
        if bench_contains:
            counts.loc[i, "bench_talent"] += sc.total
            counts.loc[i, "bench_enterprises"] += sc.firms
        add_t, add_e = add_t + sc.total, add_e + sc.firms
    inside = 1 if bench_contains else 0
    after = gaps.Bases(b.talent + add_t, b.bench_talent + inside * add_t,
                       b.enterprises + add_e, b.bench_enterprises + inside * add_e)
    return gaps.assess(counts, after, th)


@dataclass(frozen=True)
class Outcome:
    """One node today and with the scenario landed."""
    node: str
    scenario: Scenario
    today: pd.Series
    after: pd.Series
    changed_elsewhere: pd.DataFrame  # node_id, name_zh, status (today), status_after

    @property
    def status_changed(self) -> bool:
        return self.today["status"] != self.after["status"]


def what_if(chain: pd.DataFrame, node: str, scenario: Scenario, th: Thresholds,
            bench_contains: bool) -> Outcome:
    """The node's figures today and if the scenario lands (with the other nodes whose status
    the new base changes)."""
    after = land(chain, {node: scenario}, th, bench_contains)
    return Outcome(node, scenario, _row(chain, node), _row(after, node),
                   _changed(chain, after, exclude={node}))


def projection(chain: pd.DataFrame, scenarios: dict[str, Scenario], th: Thresholds,
               bench_contains: bool) -> pd.DataFrame:
    """Each node with a scenario: its figures today and with every scenario of the region
    landed at once (they share the region's base). Columns: node_id, name_zh, scenario, and
    for status, lq_talent, sd_band, gap_score the value today and ``*_after``."""
    scenarios = {n: s for n, s in scenarios.items() if not s.empty}
    cols = ["node_id", "name_zh", "scenario", "status", "status_after", "lq_talent",
            "lq_talent_after", "sd_band", "sd_band_after", "gap_score", "gap_score_after"]
    if not scenarios:
        return pd.DataFrame(columns=cols)
    after = land(chain, scenarios, th, bench_contains).set_index("node_id")
    today = chain.set_index("node_id")
    rows = []
    for node in chain["node_id"]:
        if node not in scenarios:
            continue
        rows.append({"node_id": node, "name_zh": today.at[node, "name_zh"],
                     "scenario": scenarios[node].describe(),
                     **{c: today.at[node, c] for c in ("status", "lq_talent", "sd_band",
                                                       "gap_score")},
                     **{f"{c}_after": after.at[node, c] for c in ("status", "lq_talent",
                                                                  "sd_band", "gap_score")}})
    return pd.DataFrame(rows, columns=cols)


def projection_shown(proj: pd.DataFrame, chain: pd.DataFrame, k: int | None,
                     unknown: str = "—") -> pd.DataFrame:
    """``projection`` as text under the rules for ``k``: an LQ or gap score withheld today is
    withheld once landed as well (statuses are shown, as on the chain diagram)."""
    text = disclosure.nodes_shown(chain, k, unknown=unknown).set_index("node_id")
    rows = []
    for r in proj.itertuples():
        lq_now, gap_now = text.at[r.node_id, "lq_text"], text.at[r.node_id, "gap_text"]
        lq_secret, gap_secret = _withheld(lq_now, k), _withheld(gap_now, k)
        rows.append({"name_zh": r.name_zh, "scenario": r.scenario, "status": r.status,
                     "status_after": r.status_after, "lq": lq_now,
                     "lq_after": lq_now if lq_secret else _ratio(r.lq_talent_after, unknown),
                     "gap": gap_now,
                     "gap_after": gap_now if gap_secret else f"{r.gap_score_after:g}"})
    return pd.DataFrame(rows, columns=["name_zh", "scenario", "status", "status_after", "lq",
                                       "lq_after", "gap", "gap_after"])


def _ratio(v, unknown: str) -> str:
    return unknown if v is None or pd.isna(v) else f"{v:.2f}"


def _row(df: pd.DataFrame, node: str) -> pd.Series:
    return df.set_index("node_id").loc[node]


def _changed(before: pd.DataFrame, after: pd.DataFrame, exclude: set[str]) -> pd.DataFrame:
    m = before[["node_id", "name_zh", "status"]].merge(
        after[["node_id", "status"]].rename(columns={"status": "status_after"}), on="node_id")
    return m[(m["status"] != m["status_after"]) & ~m["node_id"].isin(exclude)] \
        .reset_index(drop=True)


# -- what may be shown (planner and analyst: the disclosure rules of the chain) ---------------
def shown(outcome: Outcome, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """The node's figures today and with the scenario, as text under the rules for ``k``: a
    figure withheld today is withheld in the scenario as well (today's count would follow from
    the scenario's figure and the counts the scenario adds)."""
    def one(row: pd.Series) -> pd.Series:  # each row on its own: the two add up to nothing
        frame = pd.DataFrame([row]).reset_index(drop=True).assign(node_id=outcome.node)
        return disclosure.nodes_shown(frame, k, unknown=unknown).iloc[0]

    today, after = one(outcome.today), one(outcome.after).copy()
    secret = {c: today[c] for c in ("talent_text", "lq_text", "sd_text", "gap_text", "sd_band",
                                    "reason") if _withheld(today[c], k)}
    for col, value in secret.items():
        after[col] = value
    if "talent_text" in secret and outcome.scenario.total:
        after["talent_text"] = f"{today['talent_text']} + {outcome.scenario.total}"
    rows = [("talent", "talent_text"), ("lq_talent", "lq_text"), ("sd_ratio", "sd_text"),
            ("sd_band", "sd_band"), ("status", "status"), ("gap_score", "gap_text")]
    return pd.DataFrame({"metric": [m for m, _ in rows],
                         "today": [str(today[c]) for _, c in rows],
                         "after": [str(after[c]) for _, c in rows]})


def _withheld(text, k: int | None) -> bool:
    return bool(k) and isinstance(text, str) and (text.startswith("<") or "保密" in text)


MONITOR = disclosure.Spec(counts=("talent", "active"), within={"active": "talent"},
                          derived={"lq_talent": ("talent",),
                                   **{c: ("talent", "active") for c in ("sd_ratio", "sd_band",
                                                                        "gap_score")}})


def figures(chain: pd.DataFrame, node: str) -> dict:
    """The node's figures to keep (a landing snapshot, a later version's observation): plain
    JSON values."""
    row = _row(chain, node)
    out = {}
    for c in FIGURES:
        v = row[c]
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif hasattr(v, "item"):
            v = v.item()
        out[c] = v
    return out


def monitor_table(rows: list[dict], k: int | None, unknown: str = "—") -> pd.DataFrame:
    """Snapshots of a node (one per warehouse version: at landing, then later) under the rules
    for ``k``: counts below k as '<k', what they would give away as '保密'. Each row is one
    version: they do not add up to anything."""
    cols = ["label", "version", "year", "talent", "active", "lq_talent", "sd_ratio", "sd_band",
            "status", "gap_score"]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    if df.empty:
        return df
    for c in ("talent", "active", "lq_talent", "sd_ratio", "gap_score"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    ctl = disclosure.apply(df, k, MONITOR)

    def ratio(v) -> str:
        return unknown if v is None or pd.isna(v) else f"{v:.2f}"

    return pd.DataFrame({
        "label": df["label"], "version": df["version"], "year": df["year"],
        "talent": ctl.text("talent", lambda v: disclosure.fmt_count(v, unknown=unknown)),
        "lq_talent": ctl.text("lq_talent", ratio), "sd_ratio": ctl.text("sd_ratio", ratio),
        "sd_band": ctl.text("sd_band", lambda v: unknown if v is None else str(v)),
        "status": df["status"],
        "gap_score": ctl.text("gap_score", lambda v: unknown if pd.isna(v) else f"{v:g}")})
