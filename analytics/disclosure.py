"""Disclosure control: what a role that may see aggregates only is shown of counts of people.

One module, so that every page, export, the brief and the numbers CLI apply the same rules
(docs/roles.md, "Small counts"):

1. **Primary**: a count of people in 1..k−1 is withheld and shown as ``<k``. Zero is shown: it
   describes nobody.
2. **Complementary**: every figure derived from a withheld count is withheld with it (share,
   per-10k density, LQ, growth, supply/demand, net flow …): ``derived`` names the counts each
   figure is computed from.
3. **Secondary**: in a group of cells that add up to a total shown elsewhere (the children of a
   region, the chain nodes of a region), "total − visible cells" must not pin down a withheld
   small count. While it would, the smallest visible non-zero cell is withheld as well, shown as
   ``保密`` (a figure of at least k, withheld to protect another). If no visible cell is left and
   a small count is still pinned down, every withheld cell of the group is shown as ``保密``.

An attacker knows the rules. What the labels tell, and what the check below assumes:
``<k`` is a value in 1..k−1; ``保密`` is a value ≥ k when the group shows some ``<k``, and ≥ 0
when it shows none (the fall-back); a visible cell is its value; the group's cells add up to the
total. A withheld small count is *recovered* when those facts leave it a single possible value.

Rows of people who may be seen individually (recruiter, admin) pass through untouched
(``k=None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SMALL = "small"            # primary: 1..k−1, shown '<k'
PROTECTING = "protecting"  # secondary: withheld to protect another cell, shown '保密'
HIDDEN_LABEL = "保密"
INF = float("inf")


@dataclass(frozen=True)
class Controlled:
    """A table after disclosure control.

    ``values`` has the same rows and columns as the input, with every withheld cell set to NaN:
    it is safe to hand to a chart, a download or the browser. ``why`` says for each withheld
    cell why (``SMALL``, ``PROTECTING`` or the name of the count a derived figure was withheld
    with); ``text`` formats a column for display.
    """

    values: pd.DataFrame
    why: dict[str, pd.Series] = field(default_factory=dict)
    k: int | None = None

    def withheld(self, column: str) -> pd.Series:
        """True where the column's value is withheld."""
        w = self.why.get(column)
        if w is None:
            return pd.Series(False, index=self.values.index)
        return w.notna()

    def label(self, column: str) -> pd.Series:
        """'<k' / '保密' where withheld, else None."""
        w = self.why.get(column)
        if w is None:
            return pd.Series([None] * len(self.values), index=self.values.index, dtype=object)
        return pd.Series([None if r is None or pd.isna(r) else label_for(r, self.k) for r in w],
                         index=w.index, dtype=object)

    def text(self, column: str, fmt) -> pd.Series:
        """The column as display text: ``fmt(value)`` where shown, the label where withheld."""
        labels = self.label(column)
        return pd.Series([fmt(v) if lab is None or pd.isna(lab) else lab
                          for v, lab in zip(self.values[column], labels, strict=True)],
                         index=self.values.index, dtype=object)


def is_small(value, k: int | None) -> bool:
    """A count of people in 1..k−1 (never true without k, for NaN or for zero)."""
    if not k or value is None or pd.isna(value):
        return False
    return 0 < abs(float(value)) < k


def control(df: pd.DataFrame, k: int | None, *, counts: Sequence[str],
            derived: Mapping[str, Iterable[str]] | None = None,
            totals: Mapping[str, float | None] | None = None,
            within: Mapping[str, str] | None = None) -> Controlled:
    """Apply the three rules to ``df``.

    - ``counts``: columns that are counts of people (primary suppression).
    - ``totals``: for a count column whose cells add up to a figure shown elsewhere, that figure
      (secondary suppression over all rows of ``df``). None or a total that is itself small:
      no known total, no secondary suppression.
    - ``within``: ``{"high_level": "talents"}``: a count that is part of another is withheld
      with it (else a visible part would bound the whole).
    - ``derived``: ``{"share": ["talents"], "growth": ["talents", "talents_prev"]}``: a figure
      withheld whenever one of its counts is.
    """
    if not k:
        return Controlled(values=df.copy(), why={}, k=None)
    # The rules run on plain lists (a few dozen rows: pandas per cell cost most of a map's
    # rerun, issue 18); tests/test_disclosure_lists.py holds them equal to the pandas version.
    cells = {col: df[col].tolist() for col in counts}
    why: dict[str, list] = {col: [SMALL if is_small(v, k) else None for v in cells[col]]
                            for col in counts}
    within, totals = within or {}, totals or {}
    for col in counts:  # a whole before its parts: a part is withheld with its final whole
        if col in within:
            # A visible part (≥ k) would bound a withheld whole from below: withheld with it.
            # A zero part tells nothing and stays.
            why[col] = [w if w is not None or whole is None or _zero(v) else PROTECTING
                        for w, whole, v in zip(why[col], why[within[col]], cells[col],
                                               strict=True)]
        total = totals.get(col)
        if total is not None and not pd.isna(total) and not is_small(total, k):
            why[col] = _secondary(cells[col], why[col], float(total), k)
    for col, sources in (derived or {}).items():
        if col not in df.columns:
            continue
        reason: list = [None] * len(df)
        for src in sources:
            if src in why:  # a count the table does not have withholds nothing
                reason = [r if r is not None or w is None else src
                          for r, w in zip(reason, why[src], strict=True)]
        why[col] = reason
    out, masked = {}, {}
    for col, w in why.items():
        hidden = np.fromiter((x is not None for x in w), dtype=bool, count=len(w))
        if pd.api.types.is_numeric_dtype(df[col]):
            arr = df[col].to_numpy(dtype=float, na_value=np.nan, copy=True)
            arr[hidden] = np.nan
        else:  # text made from a withheld figure (a status reason quoting the LQ)
            arr = df[col].to_numpy(dtype=object, copy=True)
            arr[hidden] = None
        masked[col] = pd.Series(arr, index=df.index, name=col, dtype=arr.dtype)
        out[col] = pd.Series(w, index=df.index, dtype=object)
    return Controlled(values=df.assign(**masked), why=out, k=k)


def _zero(v) -> bool:
    """A count of zero (NaN read as zero: nothing known is nothing to bound)."""
    return v is None or pd.isna(v) or v == 0


@dataclass(frozen=True)
class Spec:
    """The figures of one kind of table: counts of people, parts of counts, figures computed
    from counts, and counts whose rows add up to a total a user can see elsewhere (their sum
    is taken as known)."""

    counts: tuple[str, ...]
    within: Mapping[str, str] = field(default_factory=dict)
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    add_up: tuple[str, ...] = ()


def apply(df: pd.DataFrame, k: int | None, spec: Spec, by: str | None = None) -> Controlled:
    """``control`` with a spec; with ``by``, each group of rows (e.g. one region's chain nodes
    in a region × node matrix) is its own additive group."""
    def one(part: pd.DataFrame) -> Controlled:
        return control(part, k, counts=[c for c in spec.counts if c in part.columns],
                       within=spec.within, derived=spec.derived,
                       totals={c: float(part[c].sum()) for c in spec.add_up if c in part.columns})
    if by is None or not k or df.empty:
        return one(df)
    parts = [one(part) for _, part in df.groupby(by, sort=False, dropna=False)]
    values = pd.concat([p.values for p in parts]).loc[df.index]
    why = {c: pd.concat([p.why[c] for p in parts]).loc[df.index] for c in parts[0].why}
    return Controlled(values=values, why=why, k=k)


# The KPI set of one region (analytics.queries.kpis, peer_comparison): supply/demand and
# density are the talent count's; the net flow is arrivals − departures.
KPIS = Spec(counts=("talents", "high_level", "active", "arrivals", "departures"),
            within={"high_level": "talents", "active": "talents"},
            derived={"sd_ratio": ("talents", "active"), "density": ("talents",),
                     "net_inflow": ("arrivals", "departures")})


# The overseas pool by country or by chain node (analytics.overseas): willing to return is part
# of the talents, expecting to come here part of the willing; each column adds up to the
# pool's totals shown above the table.
OVERSEAS = Spec(counts=("talents", "high_level", "willing_to_relocate", "expecting_here"),
                within={"high_level": "talents", "willing_to_relocate": "talents",
                        "expecting_here": "willing_to_relocate"},
                add_up=("talents", "high_level", "willing_to_relocate", "expecting_here"))
# Moves across the border by country (analytics.overseas.border_flows), adding up to the totals.
BORDER = Spec(counts=("arrivals", "departures"), add_up=("arrivals", "departures"))


def record(values: Mapping, k: int | None, spec: Spec) -> tuple[dict, dict]:
    """One row (a region's KPIs) under the rules: (values with withheld ones None, why)."""
    ctl = apply(pd.DataFrame([dict(values)]), k, spec)
    row = ctl.values.iloc[0].to_dict()
    why = {c: w.iloc[0] for c, w in ctl.why.items() if not pd.isna(w.iloc[0])}
    return {c: (None if c in why else v) for c, v in row.items()}, why


def label_for(reason: str, k: int | None) -> str:
    """The text shown for a withheld figure: '<k' for a small count, '保密' for the rest."""
    return f"<{k}" if reason == SMALL else HIDDEN_LABEL


# A region's chain nodes (analytics.gaps.chain_status) and the region × node matrix: the LQ,
# supply/demand ratio and its band, the gap score and the status reason (which quotes them)
# are computed from the node's talent count. The status itself (a band) is kept.
NODES = Spec(counts=("talent", "active"), add_up=("talent",), within={"active": "talent"},
             derived={"lq_talent": ("talent",), "lq": ("talent",), "reason": ("talent",),
                      **{c: ("talent", "active") for c in ("sd_ratio", "sd_band", "gap_score")}})


def nodes_shown(df: pd.DataFrame, k: int | None, unknown: str = "—") -> pd.DataFrame:
    """A region's chain status under the rules: withheld figures NaN (None for text), and the
    shown figures as text in ``talent_text``, ``lq_text``, ``sd_text``, ``gap_text`` ('<k' /
    '保密' where withheld); ``reason`` and ``sd_band`` read '保密' where withheld."""
    def ratio(v) -> str:
        return unknown if v is None or pd.isna(v) else f"{v:.2f}"

    ctl = apply(df, k, NODES)
    out = ctl.values.copy()
    out["talent_text"] = ctl.text("talent", lambda v: fmt_count(v, unknown=unknown))
    lq_text = ctl.text("lq_talent", ratio)
    if "lq_credible" in df.columns:  # an LQ on a small base: in brackets (low confidence)
        weak = ~df["lq_credible"].astype(bool) & ~ctl.withheld("lq_talent") & \
            df["lq_talent"].notna()
        lq_text = lq_text.where(~weak, "(" + lq_text + ")")
    out["lq_text"] = lq_text
    out["sd_text"] = ctl.text("sd_ratio", ratio)
    out["gap_text"] = ctl.text("gap_score", lambda v: unknown if pd.isna(v) else f"{v:g}")
    out["reason"] = ctl.text("reason", str)
    out["sd_band"] = ctl.text("sd_band", str)
    return out


# A node's talent by sub-area of the region (adds up to the node's count in the header).
AREAS = Spec(counts=("talent",), add_up=("talent",))
# Other regions as sources for a node (a top list: no known total); the LQ is the talent's.
SOURCES = Spec(counts=("talent",), derived={c: ("talent",) for c in ("lq", "lq_weight", "score")})
# Talent pools of a node elsewhere: every column a part of the pool.
POOLS = Spec(counts=("talent", "high_level", "returnees", "willing_to_relocate",
                     "expecting_here"),
             within={c: "talent" for c in ("high_level", "returnees", "willing_to_relocate",
                                           "expecting_here")})
# Where a region's arrivals came from / departures went (a top list: no known total).
COUNTERPARTS = Spec(counts=("moves",), derived={"share": ("moves",)})
# A region's KPIs year by year (analytics.trends): each row a year, ruled on its own as the
# KPI card of that year is (the years do not add up to a total anyone is shown).
TRENDS = Spec(counts=("talents", "high_level", "active", "arrivals", "departures"),
              within={"high_level": "talents", "active": "talents"},
              derived={"sd_ratio": ("talents", "active"),
                       "net_inflow": ("arrivals", "departures")})


def _secondary(cells: Sequence, why: Sequence[str | None], total: float, k: int) -> list:
    """Withhold visible cells until no small count of the group can be pinned down."""
    why = list(why)
    while pinned(cells, why, total, k):
        visible = [(float(v), i) for i, (v, w) in enumerate(zip(cells, why, strict=True))
                   if w is None and not pd.isna(v) and v > 0]
        if not visible:  # the fall-back: every cell of the group, zeros too, reads 保密
            why = [PROTECTING] * len(why)
            break
        _, pos = min(visible)
        why[pos] = PROTECTING
    return why


def intervals(labels: Sequence[str | None], values: Sequence[float], k: int
              ) -> list[tuple[float, float]]:
    """What the labels tell of each cell: (low, high)."""
    fallback = SMALL not in labels
    out = []
    for lab, v in zip(labels, values, strict=True):
        if lab is None:
            out.append((float(v), float(v)))
        elif lab == SMALL:
            out.append((1.0, float(k - 1)))
        else:
            out.append((0.0 if fallback else float(k), INF))
    return out


def pinned(cells: Sequence[float], why: Sequence[str | None], total: float, k: int) -> bool:
    """Whether "cells add up to total" and the labels leave some withheld small count a single
    possible value (bounds propagated to a fixed point)."""
    labels = [None if w is None else (SMALL if w == SMALL else PROTECTING) for w in why]
    if not any(lab is not None for lab in labels):
        return False
    known = [(0.0 if pd.isna(v) else float(v)) for v in cells]
    bounds = intervals(labels, known, k)
    lo = [b[0] for b in bounds]
    hi = [b[1] for b in bounds]
    for _ in range(len(lo) + 2):
        changed = False
        sum_lo = sum(lo)
        for i in range(len(lo)):
            others_hi = _sum_without(hi, i)
            new_lo = max(lo[i], total - others_hi)
            new_hi = min(hi[i], total - (sum_lo - lo[i]))
            if new_lo != lo[i] or new_hi != hi[i]:
                lo[i], hi[i], changed = new_lo, new_hi, True
        if not changed:
            break
    return any(lab is not None and 0 < known[i] < k and hi[i] <= lo[i]
               for i, lab in enumerate(labels))


def _sum_without(xs: list[float], i: int) -> float:
    """Sum of xs except xs[i], where any other infinite term makes it infinite."""
    rest = xs[:i] + xs[i + 1:]
    return INF if any(x == INF for x in rest) else float(sum(rest))


def fmt_count(value, k: int | None = None, unknown: str = "—") -> str:
    """A count of people as text: '<k' when small (k given), thousands separators otherwise."""
    if value is None or pd.isna(value):
        return unknown
    if is_small(value, k):
        return f"<{k}"
    return f"{int(round(float(value))):,}"


def fmt_signed(value, k: int | None = None, unknown: str = "—") -> str:
    """A signed count (a net flow): '<k' when small, '+1,234' / '-12' otherwise."""
    if value is None or pd.isna(value):
        return unknown
    if is_small(value, k):
        return f"<{k}"
    return f"{int(round(float(value))):+,}"


def flows(arrivals, departures, k: int | None, *, net=None, per_10k=None) -> dict:
    """In / out / net of one region: each count primary-suppressed, the net (and per 10k)
    withheld when either side is, so in − out cannot give a small count back."""
    out = {"arrivals": arrivals, "departures": departures,
           "net": (arrivals - departures) if net is None else net, "net_per_10k": per_10k}
    if not k:
        return out | {"why": {}}
    why = {}
    for key in ("arrivals", "departures"):
        if is_small(out[key], k):
            why[key] = SMALL
            out[key] = None
    if why:
        for key in ("net", "net_per_10k"):
            why[key] = "arrivals" if "arrivals" in why else "departures"
            out[key] = None
    return out | {"why": why}


# The figures of analytics.queries.children_metrics: which are counts of people, which part of
# which, which add up to the parent's own figure, which are computed from which.
CHILD_COUNTS = ("talents", "high_level", "talents_prev", "arrivals", "departures")
CHILD_WITHIN = {"high_level": "talents"}
CHILD_TOTALS = {"talents": "parent_talents", "high_level": "parent_high_level",
                "talents_prev": "parent_talents_prev"}
CHILD_DERIVED = {"density": ("talents",), "share": ("talents",), "lq": ("talents",),
                 "growth": ("talents", "talents_prev"),
                 "net_inflow": ("arrivals", "departures")}


def children(values: pd.DataFrame, k: int | None, metric: str = "talents") -> Controlled:
    """``children_metrics`` of one parent under the rules, ranked by ``metric``: ``rank`` among
    the rows whose metric is shown (a rank among withheld cells would bound them), those rows
    by the metric, then the rest (withheld or unknown) in region-code order (the order of the
    query would rank them)."""
    totals = {col: (values[src].iloc[0] if src in values.columns and len(values) else None)
              for col, src in CHILD_TOTALS.items()}
    values = values.drop(columns=[c for c in CHILD_TOTALS.values() if c in values.columns])
    out = control(values, k, counts=[c for c in CHILD_COUNTS if c in values.columns],
                  within=CHILD_WITHIN, totals=totals, derived=CHILD_DERIVED)
    v = out.values
    if metric not in v.columns:
        metric = "talents"
    by = v[metric].astype(float)
    v["rank"] = by.rank(ascending=False, method="min")
    shown = by.notna()
    order = pd.concat([v[shown].sort_values(metric, ascending=False, kind="stable"),
                       v[~shown].sort_values("adcode")]).index
    return Controlled(values=v.loc[order], why={c: w.loc[order] for c, w in out.why.items()},
                      k=k)
