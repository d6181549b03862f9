"""An attacker of the small-count rule, written apart from analytics.disclosure (it shares no
code with it): given what a page shows, it tries the arithmetic an aggregate-only user could do
and reports every count of people in 1..k−1 it pins down.

It reads shown text the way a user does: '<k' is a value in 1..k−1; '保密' is ≥ k when the same
group shows a '<k', else ≥ 0; a number is itself. Attacks:

- **parent − visible children**: the values of each withheld cell that agree with the labels
  and with the cells adding up to the parent's total; a cell with one possible value is pinned
  (checked against trying every assignment on small cases);
- **share × total**, **density × population**, **per-10k × population**: a derived figure shown
  beside a withheld count gives the count back;
- **in − out**: arrivals, departures and net with one of them withheld.
"""

from __future__ import annotations

import math
import re

SMALL = re.compile(r"^<(\d+)$")


def read(text) -> tuple[str, float | None]:
    """('value', v) / ('small', None) / ('hidden', None) / ('unknown', None)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return "unknown", None
    if isinstance(text, int | float):
        return "value", float(text)
    s = str(text).strip().replace(",", "")
    if SMALL.match(s):
        return "small", None
    if s == "保密":
        return "hidden", None
    try:
        return "value", float(s.rstrip("%")) / (100 if s.endswith("%") else 1)
    except ValueError:
        return "unknown", None


def parent_minus_children(shown: list, total: float, k: int) -> dict[int, int]:
    """Cells (by position) whose value the total and the labels leave single."""
    kinds = [read(x) for x in shown]
    visible = sum(v for kind, v in kinds if kind == "value")
    rest = total - visible
    withheld = [i for i, (kind, _) in enumerate(kinds) if kind in ("small", "hidden")]
    if not withheld or rest < 0 or rest != int(rest):
        return {}
    any_small = any(kinds[i][0] == "small" for i in withheld)
    ranges = []
    for i in withheld:
        if kinds[i][0] == "small":
            ranges.append(range(1, k))
        else:
            ranges.append(range(k if any_small else 0, int(rest) + 1))
    # Sums of integer intervals make an integer interval: v is possible for cell i exactly when
    # the other withheld cells can make up rest − v.
    lows = [r.start for r in ranges]
    highs = [r.stop - 1 for r in ranges]
    out = {}
    for j, i in enumerate(withheld):
        others_lo = sum(lows) - lows[j]
        others_hi = sum(highs) - highs[j]
        possible = [v for v in ranges[j] if others_lo <= rest - v <= others_hi]
        if len(possible) == 1:
            out[i] = possible[0]
    return out


def brute_force(shown: list, total: float, k: int) -> dict[int, int]:
    """The same question answered by trying every assignment (small cases only): a check of
    parent_minus_children itself."""
    kinds = [read(x) for x in shown]
    rest = int(total - sum(v for kind, v in kinds if kind == "value"))
    withheld = [i for i, (kind, _) in enumerate(kinds) if kind in ("small", "hidden")]
    any_small = any(kinds[i][0] == "small" for i in withheld)
    seen: dict[int, set[int]] = {i: set() for i in withheld}

    def walk(j: int, left: int, picked: list[int]) -> None:
        if j == len(withheld):
            if left == 0:
                for i, v in zip(withheld, picked, strict=True):
                    seen[i].add(v)
            return
        small = kinds[withheld[j]][0] == "small"
        for v in range(1 if small else k if any_small else 0, (k if small else left + 1)):
            if v > left:
                break
            walk(j + 1, left - v, [*picked, v])

    if withheld and rest >= 0:
        walk(0, rest, [])
    return {i: next(iter(vals)) for i, vals in seen.items() if len(vals) == 1}


def from_derived(shown_count, derived_value, scale: float | None) -> float | None:
    """A withheld count given back by a shown derived figure (share × total, density × pop)."""
    kind, _ = read(shown_count)
    dkind, d = read(derived_value)
    if kind not in ("small", "hidden") or dkind != "value" or not scale:
        return None
    return d * scale


def from_flows(arrivals, departures, net) -> tuple[str, float] | None:
    """in − out = net with one of the three withheld."""
    a, d, n = read(arrivals), read(departures), read(net)
    if a[0] != "value" and d[0] == "value" and n[0] == "value":
        return "arrivals", d[1] + n[1]
    if d[0] != "value" and a[0] == "value" and n[0] == "value":
        return "departures", a[1] - n[1]
    return None
