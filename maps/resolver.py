"""Free-text place names → adcode at the deepest level that is certain.

Resolves against the boundary index itself (so every code has a shape): full names, short names
without their suffix, a small alias table for new areas and renamed places. Every name found in
the text is a *token*; the answer is the deepest region whose chain of parents agrees with the
most tokens. When regions tie (a bare 鼓楼区 is in five cities), the answer falls back to their
common parent if the text names it, otherwise the text is ambiguous and says so.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from reference.regions import COUNTRY_ADCODE, region_index

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "region_aliases.csv"
_ADCODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_MAX_TEXT = 200  # an address longer than this is cut: names sit at its start
_MIN_NAME = 2
# Names that are also plain words (高新区东区, 老城区): they count only beside a real place name.
_GENERIC = frozenset({"东区", "西区", "南区", "北区", "中区", "城区", "郊区", "矿区", "新区", "市区",
                      "白云", "长安", "新城", "开发", "高新"})

# Common traditional forms in place names (臺灣, 廣東 …); the ETL's text cleaner does more.
_TRAD = str.maketrans("臺灣廣東區縣門陽蘇雲龍島濟寧漢貴遼內陝廈慶陸鐵黃灣興瀋鄭蘭烏張嶺關滬",
                      "台湾广东区县门阳苏云龙岛济宁汉贵辽内陕厦庆陆铁黄湾兴沈郑兰乌张岭关沪")


@dataclass(frozen=True)
class Resolution:
    adcode: str | None
    level: str | None
    reason: str | None = None


class RegionResolver:
    """Resolve free text to adcodes; build once, call ``resolve`` or ``resolve_series``."""

    def __init__(self, regions: pd.DataFrame | None = None, aliases: Path = ALIASES_FILE):
        regions = region_index() if regions is None else regions
        self.parent = {a: (None if pd.isna(p) else p)
                       for a, p in zip(regions["adcode"], regions["parent_adcode"], strict=True)}
        self.level = dict(zip(regions["adcode"], regions["level"], strict=True))
        self.name = dict(zip(regions["adcode"], regions["name"], strict=True))
        self._paths: dict[str, list[str]] = {}
        self.children = defaultdict(list)
        for code, par in self.parent.items():
            if par is not None:
                self.children[par].append(code)
        names: dict[str, set[str]] = defaultdict(set)
        for code, full, short in zip(regions["adcode"], regions["name"], regions["short_name"],
                                     strict=True):
            if code == COUNTRY_ADCODE:
                continue
            for n in (full, short):
                if isinstance(n, str) and len(n) >= _MIN_NAME:
                    names[n].add(code)
        self.aliases = set()
        for alias, code in _read_aliases(aliases):
            # An alias never shadows a current name (巢湖 is now 巢湖市, a county-level city).
            if code in self.level and alias not in names:
                names[alias] = {code}
                self.aliases.add(alias)
        for n in ("中国", "中华人民共和国", "全国"):
            names[n] = {COUNTRY_ADCODE}
        # A name shared by a region and its own descendant (乌鲁木齐: the city and 乌鲁木齐县)
        # certainly means the ancestor; picking the child would be a guess.
        self.names = {n: frozenset(c for c in cs
                                   if not any(a in cs for a in self.path(c)[1:]))
                      for n, cs in names.items()}
        # Names by their first two characters (every name has at least two), longest first.
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        for n in sorted(self.names, key=len, reverse=True):
            self._by_prefix[n[:2]].append(n)


    # -- public API -------------------------------------------------------------------------
    def resolve(self, text) -> Resolution:
        """Resolve one string. Never raises: unresolvable text gets a reason."""
        if text is None or (not isinstance(text, str) and pd.isna(text)):
            return Resolution(None, None, "缺少地区")
        s = _clean(str(text))
        if not s:
            return Resolution(None, None, "缺少地区")
        code = self._direct_code(s)
        if code:
            return Resolution(code, self.level[code])
        tokens = self._tokens(s)
        if not tokens:
            return Resolution(None, None, f"无法识别地区: {s[:40]}")
        return self._choose(tokens, s)

    def resolve_series(self, values: pd.Series) -> pd.DataFrame:
        """Resolve a column, each distinct string once; returns adcode and region_error."""
        distinct = pd.unique(values.astype("object"))
        table = {v: self.resolve(v) for v in distinct}
        res = values.astype("object").map(table)
        return pd.DataFrame({
            "adcode": res.map(lambda r: r.adcode).astype("string"),
            "region_error": res.map(lambda r: r.reason).astype("string"),
        }, index=values.index)

    def path(self, code: str) -> list[str]:
        """The code and its parents, deepest first."""
        cached = self._paths.get(code)
        if cached is None:
            cached, node = [], code
            while node is not None:
                cached.append(node)
                node = self.parent.get(node)
            self._paths[code] = cached
        return cached

    def full_name(self, code: str) -> str:
        """省 市 区 joined, without repeats (北京市东城区, 山东省青岛市崂山区)."""
        parts = [self.name[c] for c in reversed(self.path(code)) if c != COUNTRY_ADCODE]
        out: list[str] = []
        for p in parts:
            if not out or out[-1] != p:
                out.append(p)
        return "".join(out)

    # -- internals --------------------------------------------------------------------------
    def _direct_code(self, s: str) -> str | None:
        m = _ADCODE_RE.search(s)
        if m and m.group(1) in self.level and (s == m.group(1) or not self._tokens(s)):
            return m.group(1)
        return None

    def _tokens(self, s: str) -> list[tuple[range, frozenset[str]]]:
        """The longest name starting at each position of the text, with its span."""
        found = []
        for i in range(len(s) - 1):
            for n in self._by_prefix.get(s[i:i + 2], ()):
                if s.startswith(n, i):
                    found.append((i, i + len(n), n))
                    break
        return [(range(a, b), self.names[n]) for a, b, n in found
                if not any(x <= a and b <= y and (x, y) != (a, b) and self._swallows(m, n)
                           for x, y, m in found)]

    def _swallows(self, outer: str, inner: str) -> bool:
        """Is the name ``inner``, found inside the longer name ``outer``, part of it?

        Inside an alias (雄安新区) the letters are not place names of their own (安新); nor is
        a name inside a name of its own ancestor (龙江县 in 黑龙江省: the province, not a county
        of it). A name inside an unrelated one stays (南区 in 香港南区, though 港南区 is a
        district elsewhere)."""
        if outer in self.aliases:
            return True
        wider = self.names[outer]
        return all(wider & set(self.path(c)[1:]) for c in self.names[inner])

    @staticmethod
    def _names_at(s: str, span: range) -> str:
        return s[span.start:span.stop]

    def _choose(self, tokens, s: str) -> Resolution:
        # Score: characters of the text covered by names that agree with the candidate, so
        # that 天津南开 is 南开区 (天津+南开) and not 津南区 (天津+津南, overlapping).
        scores: dict[str, int] = {}
        for cand in {c for _, cands in tokens for c in cands}:
            chain = set(self.path(cand))
            covered = set()
            for span, cands in tokens:
                if cands & chain:
                    covered.update(span)
            scores[cand] = len(covered)
        if all(self._names_at(s, span) in _GENERIC for span, _ in tokens):
            return Resolution(None, None, f"无法识别地区: {s[:40]}")
        best = max(scores.values())
        top = [c for c, v in scores.items() if v == best]
        # A bare name shared by a city and districts elsewhere (中山, 西安, 朝阳) is the city.
        # A region that covers no more of the text than its own ancestor ties with it and is
        # no likelier: its name is made of its parents' letters (河市区 in 东河市).
        shallow = min(len(self.path(c)) for c in top)
        shallowest = [c for c in top if len(self.path(c)) == shallow]
        if len(shallowest) == 1 and self.level[shallowest[0]] in ("province", "city"):
            return self._finish(shallowest[0])
        # Tied: keep the region that all candidates share, if the text names it. Candidates at
        # different depths tie too: 江北区 is in 宁波市 and directly in 重庆市 (no city level),
        # and the deeper one is no likelier.
        tied = sorted(top, key=lambda c: (-len(self.path(c)), c))
        common = set(self.path(tied[0]))
        for c in tied[1:]:
            common &= set(self.path(c))
        named = {c for _, cands in tokens for c in cands}
        shared = [c for c in self.path(tied[0]) if c in common and c in named]
        options = "、".join(self.full_name(c) for c in tied[:5])
        if shared:
            return Resolution(shared[0], self.level[shared[0]], None)
        return Resolution(None, None, f"地名有歧义: {s[:40]} 可能是 {options}")

    def _finish(self, code: str) -> Resolution:
        # A municipality's only city (北京市 → 110100) is as certain as the province itself.
        kids = self.children.get(code, [])
        if self.level[code] == "province" and len(kids) == 1 and self.level[kids[0]] == "city":
            code = kids[0]
        return Resolution(code, self.level[code])


def _clean(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).translate(_TRAD)
    s = re.sub(r"\s+", "", s)
    return s[:_MAX_TEXT]


def _read_aliases(path: Path) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [(r["alias"], r["adcode"]) for r in csv.DictReader(f)]


@lru_cache(maxsize=1)
def default_resolver() -> RegionResolver:
    """The resolver over the installed boundary index (built once per process)."""
    return RegionResolver()
