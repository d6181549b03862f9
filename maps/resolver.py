"""Free-text place names → adcode at the deepest level that is certain.

Resolves against the boundary index itself (so every code has a shape): full names, short names
without their suffix, a small alias table for new areas and renamed places, and the same names in
pinyin and English (Laoshan District, Qingdao). Traditional characters are read as simplified
(OpenCC). Places abroad resolve to their country (reference/abroad.py), 海外 to 900000.

Every name found in the text is a *token*; the answer is the deepest region whose chain of
parents agrees with the most tokens. When regions tie (a bare 鼓楼区 is in four cities, 江北区 in
宁波 and directly under 重庆), the answer falls back to their common parent if the text names it,
otherwise the text is ambiguous and says so. A name followed by a road or building word (北京路,
南京东路, 上海广场) is no place, nor are letters that straddle two names (市北 in 青岛市北京路).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from reference.abroad import ABROAD_LEVEL, abroad_names, abroad_regions, is_chinese
from reference.regions import COUNTRY_ADCODE, latin_key, latin_names, region_index, suffix_keys

ALIASES_FILE = Path(__file__).resolve().parent.parent / "data" / "region_aliases.csv"
_ADCODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_MAX_TEXT = 200  # an address longer than this is cut: names sit at its start
_MIN_NAME = 2
# Names that are also plain words (高新区东区, 老城区): they count only beside a real place name.
_GENERIC = frozenset({"东区", "西区", "南区", "北区", "中区", "城区", "郊区", "矿区", "新区", "市区",
                      "白云", "长安", "新城", "开发", "高新"})
_COUNTRY_NAMES = ("中国", "中华人民共和国", "全国")
_COUNTRY_LATIN = ("china", "prc", "prchina", "peoplesrepublicofchina", "mainlandchina")
# After a name, what makes it a street or a building, not a place: 北京路, 南京东路, 香港中路,
# 延安三路, 深南大道, 成都道 (天津's streets), 上海广场. A 街道 (subdistrict) is a place.
_ROAD = re.compile(r"(?:[东西南北中]|[一二三四五六七八九十]+)?"
                   r"(?:大道|大街|街(?!道)|路|道|巷|弄|胡同|号|公路|高速|大桥|隧道)"
                   r"|大厦|广场|大楼|商厦")
_LATIN_ROAD = frozenset({"road", "rd", "street", "st", "avenue", "ave", "boulevard", "blvd", "lane",
                         "ln", "alley", "lu", "jie", "dajie", "dadao", "hutong", "highway",
                         "expressway", "building", "bldg", "tower", "plaza", "square", "mansion"})
_LATIN_DIRECTION = frozenset({"east", "west", "south", "north", "middle", "central", "dong", "xi",
                              "nan", "bei", "zhong"})
# English words that are also pinyin names (德安 Dean, 弥勒 Mile, 贵德 Guide) count, like the
# generic words, only beside a real name (Dean, Jiujiang); written De'an they are names.
_ENGLISH = frozenset({"dean", "lean", "mile", "guide", "saga", "yuan"})
_LATIN_SUFFIX = frozenset({"xian", "shi", "qu", "sheng", "zhen", "xiang"})
_LETTER = "a-zß-öø-ɏ"   # after _lower: ASCII and accented Latin letters (Lüyuan, München)
_LATIN_WORD = re.compile(f"[{_LETTER}]+(?:['’.][{_LETTER}]+)*")
_HAS_LATIN = re.compile("[A-Za-zÀ-ÖØ-öø-ɏ]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True)
class Resolution:
    adcode: str | None
    level: str | None
    reason: str | None = None

    @property
    def abroad(self) -> bool:
        """A place abroad: a country (9xxx00) or 海外 itself (900000)."""
        return self.level == ABROAD_LEVEL


RESOLVED_MAX = 200_000  # distinct texts a resolver remembers (resolve_series)


class RegionResolver:
    """Resolve free text to adcodes; build once, call ``resolve`` or ``resolve_series``.

    ``regions`` defaults to the boundary index; ``abroad`` (default: only with the boundary
    index) adds the countries of reference/abroad.py.
    """

    def __init__(self, regions: pd.DataFrame | None = None, aliases: Path = ALIASES_FILE,
                 abroad: bool | None = None):
        abroad = regions is None if abroad is None else abroad
        regions = region_index() if regions is None else regions
        codes = _column(regions, "adcode")
        self.parent = {a: (None if pd.isna(p) else p)
                       for a, p in zip(codes, _column(regions, "parent_adcode"), strict=True)}
        self.level = dict(zip(codes, _column(regions, "level"), strict=True))
        full = _column(regions, "name")
        self.name = dict(zip(codes, full, strict=True))
        self._rows = list(zip(codes, full, _column(regions, "short_name"), strict=True))
        self._paths: dict[str, list[str]] = {}
        names: dict[str, set[str]] = defaultdict(set)
        for code, name, short in self._rows:
            if code == COUNTRY_ADCODE:
                continue
            for n in (name, short):
                if isinstance(n, str) and len(n) >= _MIN_NAME:
                    names[n].add(code)
        # Each name as the converted text will read it: 乾县 becomes 干县, and 浚县 written in
        # traditional (濬縣) becomes 濬县, which OpenCC does not take back to 浚县.
        plain = list(names)
        for forms in (_convert_all(plain), _convert_all(_convert_all(plain, "s2t"))):
            for n, form in zip(plain, forms, strict=True):
                if form != n:
                    names[form] |= names[n]
        self.aliases = set()
        self._latin_aliases: list[tuple[str, str, str]] = []
        for alias, code, kind in _read_aliases(aliases):
            if code not in self.level:
                continue
            if not is_chinese(alias):
                self._latin_aliases.append((alias, code, kind))
            # An alias never shadows a current name (巢湖 is now 巢湖市, a county-level city).
            elif alias not in names and len(alias) >= _MIN_NAME:
                names[alias] = {code}
                self.aliases.add(alias)
        for n in _COUNTRY_NAMES:
            names[n] = {COUNTRY_ADCODE}
        self._abroad: dict[str, frozenset[str]] = {}
        if abroad:
            self._add_abroad()
            for n, cs in self._abroad.items():
                if is_chinese(n) and n not in names:   # 黑山 is 黑山县 before Montenegro
                    names[n] = set(cs)
        self.children = defaultdict(list)
        for code, par in self.parent.items():
            if par is not None:
                self.children[par].append(code)
        self.names, self._shadowed = self._ancestors_only(names)
        # Names by their first two characters (every name has at least two), longest first.
        self._by_prefix: dict[str, list[str]] = defaultdict(list)
        for n in sorted(self.names, key=len, reverse=True):
            self._by_prefix[n[:2]].append(n)

    def _add_abroad(self) -> None:
        for r in abroad_regions().itertuples():
            self.parent[r.adcode] = None if pd.isna(r.parent_adcode) else r.parent_adcode
            self.level[r.adcode] = r.level
            self.name[r.adcode] = r.name
        self._abroad = abroad_names()

    def _ancestors_only(self, names):
        """A name shared by a region and its own descendant (乌鲁木齐: the city and 乌鲁木齐县)
        means the ancestor; the descendant is kept aside for a second mention (承德承德)."""
        kept, shadowed = {}, {}
        for n, cs in names.items():
            kept[n] = frozenset(c for c in cs
                                if len(cs) == 1 or not any(a in cs for a in self.path(c)[1:]))
            if len(kept[n]) < len(cs):
                shadowed[n] = frozenset(cs) - kept[n]
        return kept, shadowed

    @cached_property
    def _latin(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """Pinyin and English names (built on the first text with Latin letters)."""
        # A region with a ``pinyin`` alias is read that way only (朝阳市 is Chaoyang, not
        # pypinyin's Zhaoyang; 陕西 is Shaanxi); an ``english`` alias is one more name (Harbin).
        reread = {code for _, code, kind in self._latin_aliases if kind == "pinyin"}
        names: dict[str, set[str]] = defaultdict(set)
        for code, full, short in self._rows:
            if code != COUNTRY_ADCODE and code not in reread and isinstance(full, str):
                for k in latin_names(full, short if isinstance(short, str) else None):
                    names[k].add(code)
        for alias, code, _ in self._latin_aliases:
            key = latin_key(alias)
            for tail in {"", *suffix_keys(self.name[code])}:
                names[key + tail].add(code)
        for k in _COUNTRY_LATIN:
            names[k] = {COUNTRY_ADCODE}
        for k, codes in self._abroad.items():
            if not is_chinese(k) and k not in names:
                names[k] = set(codes)
        return self._ancestors_only(names)

    @cached_property
    def _latin_generic(self) -> frozenset[str]:
        return frozenset(k for g in _GENERIC for k in latin_names(g))

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
        """Resolve a column; returns adcode and region_error (``string`` dtype). Each distinct
        string is resolved once per resolver, not per call: a streamed file's chunks name the
        same few thousand places again and again (at most RESOLVED_MAX remembered)."""
        memo = self.__dict__.setdefault("_resolved", {})
        if len(memo) > RESOLVED_MAX:
            memo.clear()
        codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
        keys = [*uniques, None]  # a missing value (code -1) takes the last
        for k in keys:
            if k not in memo:
                r = self.resolve(k)
                memo[k] = (r.adcode, r.reason)
        pairs = [memo[k] for k in keys]
        return pd.DataFrame({
            "adcode": pd.array([a for a, _ in pairs], dtype="string").take(codes),
            "region_error": pd.array([e for _, e in pairs], dtype="string").take(codes),
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
        """省 市 区 joined, without repeats (北京市东城区, 山东省青岛市崂山区; 英国, 海外)."""
        parts = [self.name[c] for c in reversed(self.path(code))
                 if c != COUNTRY_ADCODE and (c == code or self.level[c] != ABROAD_LEVEL)]
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

    def _tokens(self, s: str) -> list[tuple[range, frozenset[str], bool]]:
        """Places named in the text: (span, candidate codes, is a generic word), in order."""
        found = []   # the longest name starting at each position
        for i in range(len(s) - 1):
            for n in self._by_prefix.get(s[i:i + 2], ()):
                if s.startswith(n, i):
                    found.append((i, i + len(n), n))
                    break
        starts = {a for a, _, _ in found}
        # A street's name, and every name inside it (兴安 in 大兴安岭大厦), is no place.
        roads = [(a, b) for a, b, n in found if _is_road(s, b, n, starts)]
        kept = [(a, b, n) for a, b, n in found
                if not any(x <= a and b <= y and (x, y) != (a, b) and self._swallows(m, n)
                           for x, y, m in found)
                and not _straddles(a, b, found) and not any(x <= a and b <= y for x, y in roads)]
        tokens = self._second_mentions(
            [(range(a, b), n, self.names[n], n in _GENERIC) for a, b, n in kept], self._shadowed)
        if _HAS_LATIN.search(s):
            tokens = sorted(tokens + self._latin_tokens(s), key=lambda t: t[0].start)
        # A place in China named beside one abroad (新加坡国立大学苏州研究院) is where it is.
        abroad = [self._is_abroad(t[2]) for t in tokens]
        if any(abroad) and any(not a and t[2] != {COUNTRY_ADCODE}
                               for a, t in zip(abroad, tokens, strict=True)):
            tokens = [t for a, t in zip(abroad, tokens, strict=True) if not a]
        return [(span, cands, generic) for span, _, cands, generic in tokens]

    def _second_mentions(self, tokens, shadowed):
        """A name that means the ancestor (承德: the city, not 承德县) means the descendant when
        the ancestor is already named before it (承德承德, 吉林吉林)."""
        out = []
        for span, n, cands, generic in tokens:
            if n in shadowed and any(cands & t[2] for t in out):
                cands = shadowed[n]
            out.append((span, n, cands, generic))
        return out

    def _latin_tokens(self, s: str):
        """Names in Latin letters: words joined by spaces or hyphens (Qing Dao, Hong Kong) or one
        word made of several names (ShenzhenNanshan), never part of a word."""
        names, shadowed = self._latin
        low = _lower(s)
        words = [(m.start(), m.end(), latin_key(m.group())) for m in _LATIN_WORD.finditer(low)]
        found, i = [], 0
        while i < len(words):
            # Lanling Xian: a pinyin suffix after a name is its suffix, not 西安 (that is Xi'an).
            a, b, word = words[i]
            if (found and found[-1][3] == i and word in _LATIN_SUFFIX
                    and not low[found[-1][1]:a].strip() and low[a:b] == word):
                i += 1
                continue
            j = i + 1
            while j < len(words) and j - i < MAX_LATIN_WORDS and \
                    not low[words[j - 1][1]:words[j][0]].strip(" -"):
                j += 1
            for k in range(j, i, -1):
                key = "".join(w[2] for w in words[i:k])
                if key in names:
                    found.append((words[i][0], words[k - 1][1], key, k))
                    i = k
                    break
            else:
                letters = [p for p in range(a, b) if low[p].isalpha()]
                for x, y in _split(word, names) if len(letters) == len(word) else ():
                    found.append((letters[x], letters[y - 1] + 1, word[x:y], i + 1))
                i += 1
        tokens = [(range(a, b), key, names[key],
                   key in self._latin_generic or low[a:b] in _ENGLISH)
                  for a, b, key, nxt in found if not _latin_road(words, nxt)]
        return self._second_mentions(tokens, shadowed)

    def _swallows(self, outer: str, inner: str) -> bool:
        """Is the name ``inner``, found inside the longer name ``outer``, part of it?

        Inside an alias (雄安新区) the letters are not place names of their own (安新); nor is
        a name inside a name of its own ancestor (龙江县 in 黑龙江省: the province, not a county
        of it), nor a place in China inside one abroad or the other way round (金山 in 旧金山,
        蒙古 in 内蒙古). A name inside an unrelated one stays (南区 in 香港南区, though 港南区 is
        a district elsewhere)."""
        if outer in self.aliases:
            return True
        wider = self.names[outer]
        if self._is_abroad(wider) != self._is_abroad(self.names[inner]):
            return True
        return all(wider & set(self.path(c)[1:]) for c in self.names[inner])

    def _is_abroad(self, codes) -> bool:
        return any(self.level[c] == ABROAD_LEVEL for c in codes)

    @staticmethod
    def _names_at(s: str, span: range) -> str:
        return s[span.start:span.stop]

    def _choose(self, tokens, s: str) -> Resolution:
        # Score: characters of the text covered by names that agree with the candidate, so
        # that 天津南开 is 南开区 (天津+南开) and not 津南区 (天津+津南, overlapping).
        scores: dict[str, int] = {}
        for cand in {c for _, cands, _ in tokens for c in cands}:
            chain = set(self.path(cand))
            covered = set()
            for span, cands, _ in tokens:
                if cands & chain:
                    covered.update(span)
            scores[cand] = len(covered)
        if all(generic for _, _, generic in tokens):
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
        named = {c for _, cands, _ in tokens for c in cands}
        shared = [c for c in self.path(tied[0]) if c in common and c in named]
        if shared:
            return Resolution(shared[0], self.level[shared[0]], None)
        # full_name leaves the country out (it is every name's prefix): 中国 itself is its name
        options = "、".join(self.full_name(c) or self.name[c] for c in tied[:5])
        return Resolution(None, None, f"地名有歧义: {s[:40]} 可能是 {options}")

    def _finish(self, code: str) -> Resolution:
        # A municipality's only city (北京市 → 110100) is as certain as the province itself.
        kids = self.children.get(code, [])
        if self.level[code] == "province" and len(kids) == 1 and self.level[kids[0]] == "city":
            code = kids[0]
        return Resolution(code, self.level[code])


# Syllables a name written word by word may have: the longest in the index, 双江拉祜族佤族布朗族
# 傣族自治县, has 15 (Shuang Jiang La Hu Zu Wa Zu Bu Lang Zu Dai Zu Zi Zhi Xian); 8 read 58 of
# them from their first syllables as another place (the second mutation audit, docs/testing.md).
MAX_LATIN_WORDS = 16


def _straddles(a: int, b: int, found) -> bool:
    """Do the letters a..b straddle two other names (市北 in 青岛市|北京, 津南 in 天津|南开)?"""
    return (any(x < a < y < b for x, y, _ in found)
            and any(a < x < b < y for x, y, _ in found))


def _is_road(s: str, end: int, name: str, starts) -> bool:
    """Is the name ending at ``end`` followed by a road or building word (北京路, 上海广场), or
    its 国 part of 国际 (完美国际)? Not when another name starts there (道里区, 路北区)."""
    if end in starts:
        return False
    return _ROAD.match(s, end) is not None or (name.endswith("国") and s.startswith("际", end))


def _latin_road(words, nxt: int) -> bool:
    """Is the word ``nxt`` (with a direction word before it) a road word: Nanjing (East) Road."""
    rest = [w for _, _, w in words[nxt:nxt + 2]]
    if rest and rest[0] in _LATIN_DIRECTION:
        rest = rest[1:]
    return bool(rest) and rest[0] in _LATIN_ROAD


def _split(word: str, names) -> list[tuple[int, int]]:
    """The fewest names (at least two) that make up the whole word, as (start, end); or []."""
    best: list[list[tuple[int, int]] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 40), end):
            if best[start] is not None and word[start:end] in names:
                option = [*best[start], (start, end)]
                if best[end] is None or len(option) < len(best[end]):
                    best[end] = option
    parts = best[len(word)]
    return parts if parts and len(parts) > 1 else []


@lru_cache(maxsize=2)
def _converter(config: str = "hk2s"):
    import opencc

    return opencc.OpenCC(config)   # hk2s: t2s plus Hong Kong variants (衞 → 卫)


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The Han characters OpenCC changes on their own: text without any is left as it is."""
    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    out = _converter().convert("\n".join(chars)).split("\n")
    return frozenset(c for c, o in zip(chars, out, strict=True) if c != o)


def _simplified(s: str) -> str:
    """Traditional characters read as simplified, run by run of Han characters (OpenCC)."""
    if _traditional().isdisjoint(s):
        return s
    return _HAN_RUN.sub(lambda m: _converter().convert(m.group()), s)


def _convert_all(names: list[str], config: str = "hk2s") -> list[str]:
    """Many names converted in one call to OpenCC (one name a line)."""
    out = _converter(config).convert("\n".join(names)).split("\n") if names else []
    return out if len(out) == len(names) else [_converter(config).convert(n) for n in names]


def _column(table, name: str) -> list:
    column = table[name]
    return column.tolist() if hasattr(column, "tolist") else list(column)


def _lower(s: str) -> str:
    """Letters in lower case, the text's length unchanged (İ would grow: it stays)."""
    return "".join(low if len(low := c.lower()) == 1 else c for c in s)


def _clean(s: str) -> str:
    s = _simplified(unicodedata.normalize("NFKC", s)).strip()
    # Spaces go, except one between two Latin words or numbers (Qing Dao, Hong Kong).
    s = re.sub(r"\s+", " ", s)
    s = re.sub(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])", "", s)
    return s[:_MAX_TEXT]


def _read_aliases(path: Path) -> list[tuple[str, str, str]]:
    """(alias, adcode, kind): kind ``alias`` (Chinese, the default), ``pinyin`` or ``english``."""
    with open(path, encoding="utf-8") as f:
        return [(r["alias"], r["adcode"], r.get("kind") or "alias") for r in csv.DictReader(f)]


@lru_cache(maxsize=1)
def default_resolver() -> RegionResolver:
    """The resolver over the installed boundary index and the places abroad (built once per
    process; its pinyin and English names on the first text with Latin letters)."""
    return RegionResolver()
