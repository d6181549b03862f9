"""The global filters shared by every page, and their round trip through URL query params.

Values from a URL are untrusted: each one is checked against a whitelist (known adcodes, node
ids, tiers, education levels, experience bands, a year range) and dropped when it is not valid.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from analytics import metrics

COUNTRY = "100000"
TIERS = ("A", "B", "C", "D", "E", "N")
HIGH_TIERS = ("A", "B", "C", "D")
EDUCATION = ("博士", "硕士", "本科", "专科", "其他")
EXPERIENCE_BANDS = ("0-3", "3-5", "5-10", "10+", "未知")
LAYERS = ("基础层", "技术层", "应用层")
METRICS = metrics.MAP  # the map's metrics (ids, names and units: analytics/metrics.py)
# ASCII digits only, matched whole (\d takes ٣ and ², and $ a trailing newline).
_ADCODE = re.compile(r"[0-9]{6}")
_NODE = re.compile(r"[A-Z][0-9]{2}")
_YEAR = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Filters:
    region: str = COUNTRY              # the region in view (its children are on the map)
    layer: str | None = None
    nodes: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    education: tuple[str, ...] = ()
    experience: tuple[str, ...] = ()
    returnees_only: bool = False
    year: int | None = None            # None: the latest year with data
    metric: str = "talents"

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)

    def params(self, year: int) -> dict:
        """Bound parameters for the talent-mart filter (see analytics.queries.TALENT_WHERE)."""
        return {"nodes": list(self.nodes), "tiers": list(self.tiers),
                "education": list(self.education), "experience": list(self.experience),
                "returnees_only": self.returnees_only, "year": year}

    def to_query_params(self) -> dict[str, str]:
        """Compact URL form: only what differs from the defaults."""
        out = {}
        defaults = Filters()
        for key, value in asdict(self).items():
            if value == getattr(defaults, key):
                continue
            if isinstance(value, tuple):
                out[key] = ",".join(value)
            elif isinstance(value, bool):
                out[key] = "1" if value else "0"
            else:
                out[key] = str(value)
        return out

    @classmethod
    def from_query_params(cls, qp: dict, known_regions: set[str] | None = None,
                          known_nodes: set[str] | None = None,
                          years: tuple[int, int] = (2000, 2100)) -> Filters:
        """Parse untrusted URL params; anything not on a whitelist is ignored."""
        def one(key):
            v = qp.get(key)
            if isinstance(v, list):
                v = v[-1] if v else None
            return None if v is None else str(v)[:200]

        def many(key, allowed):
            raw = one(key) or ""
            return tuple(dict.fromkeys(x for x in raw.split(",") if x in allowed))

        region = one("region") or COUNTRY
        if not _ADCODE.fullmatch(region) or (known_regions is not None
                                              and region not in known_regions):
            region = COUNTRY
        node_ok = known_nodes if known_nodes is not None else None
        raw_nodes = [x for x in (one("nodes") or "").split(",") if _NODE.fullmatch(x)]
        nodes = tuple(dict.fromkeys(x for x in raw_nodes if node_ok is None or x in node_ok))
        layer = one("layer") if one("layer") in LAYERS else None
        year = one("year") or ""
        year_val = int(year) if _YEAR.fullmatch(year) else None
        if year_val is not None and not years[0] <= year_val <= years[1]:
            year_val = None
        metric = one("metric") if one("metric") in METRICS else "talents"
        return cls(region=region, layer=layer, nodes=nodes, tiers=many("tiers", TIERS),
                   education=many("education", EDUCATION),
                   experience=many("experience", EXPERIENCE_BANDS),
                   returnees_only=one("returnees_only") == "1", year=year_val, metric=metric)



# -- untrusted URL values, one key at a time (the cluster page's filters use these) -------------
_INT = re.compile(r"[0-9]{1,4}")


def qp_one(qp: dict, key: str, limit: int = 200) -> str | None:
    """The last value of ``key`` as text, cut to ``limit`` characters (None when absent)."""
    v = qp.get(key)
    if isinstance(v, (list, tuple)):
        v = v[-1] if v else None
    return None if v is None else str(v)[:limit]


def qp_list(qp: dict, key: str, allowed=None, pattern: re.Pattern | None = None,
            max_items: int = 50, limit: int = 2000) -> tuple[str, ...]:
    """Comma-separated values of ``key``, each kept only when it is in ``allowed`` (when given)
    and matches ``pattern`` whole (when given); duplicates dropped, order kept."""
    raw = qp_one(qp, key, limit) or ""
    out = [x.strip() for x in raw.split(",")]
    out = [x for x in out if x and (allowed is None or x in allowed)
           and (pattern is None or pattern.fullmatch(x))]
    return tuple(dict.fromkeys(out))[:max_items]


def qp_int(qp: dict, key: str, lo: int, hi: int) -> int | None:
    """An integer of ASCII digits within [lo, hi], else None."""
    raw = qp_one(qp, key) or ""
    return int(raw) if _INT.fullmatch(raw) and lo <= int(raw) <= hi else None


def qp_flag(qp: dict, key: str) -> bool | None:
    """'1' → True, '0' → False, anything else → None."""
    return {"1": True, "0": False}.get(qp_one(qp, key) or "")


# -- the cluster page's clustering parameters in the URL ---------------------------------------
EPS_KM = (5, 200, 5)        # slider: min, max, step
MIN_TALENTS = (1, 1000)


def clustering_from_query_params(qp: dict, default: tuple[float, int, bool]
                                 ) -> tuple[float, int, bool]:
    """(radius km, minimum talents, by node) from untrusted params; each falls back to its
    default when missing or invalid (the radius must be on the slider's 5 km steps)."""
    eps = qp_int(qp, "c_eps", EPS_KM[0], EPS_KM[1])
    if eps is not None and eps % EPS_KM[2]:
        eps = None
    min_n = qp_int(qp, "c_min", *MIN_TALENTS)
    by_node = qp_flag(qp, "c_by_node")
    return (float(eps) if eps is not None else default[0],
            min_n if min_n is not None else default[1],
            by_node if by_node is not None else default[2])


def clustering_to_query_params(how: tuple[float, int, bool],
                               default: tuple[float, int, bool]) -> dict[str, str]:
    """Only what differs from the defaults."""
    out = {}
    if float(how[0]) != float(default[0]):
        out["c_eps"] = f"{float(how[0]):g}"
    if int(how[1]) != int(default[1]):
        out["c_min"] = str(int(how[1]))
    if bool(how[2]) != bool(default[2]):
        out["c_by_node"] = "1" if how[2] else "0"
    return out

@dataclass
class Thresholds:
    """Configurable thresholds shown on screen beside what they decide."""
    small_cell_k: int = 5
    lq_missing: float = 0.5
    lq_stronghold: float = 1.2
    sd_bands: tuple[float, float, float] = (0.59, 0.90, 1.20)
    lq_min_base: int = 20

    @classmethod
    def from_settings(cls) -> Thresholds:
        """The thresholds as configured (docs/settings.md)."""
        import settings

        return cls(small_cell_k=settings.get("small_cell_k"),
                   lq_missing=settings.get("lq_missing"),
                   lq_stronghold=settings.get("lq_stronghold"),
                   sd_bands=(settings.get("sd_severe"), settings.get("sd_shortage"),
                             settings.get("sd_balanced")),
                   lq_min_base=settings.get("lq_min_base"))
