"""The metric registry: every figure the map, overview, chain and flow views, the exports and the
numbers CLI show, with its Chinese and English name and its unit — declared once, here.

``filters.METRICS`` (the map's metric switch and the URL's ``metric``), the UI text of
``views/i18n.py``, the labels and units of ``python -m exports map`` and the columns of
``analytics/numbers.py`` are all read from this registry; none of them keeps a list of labels of
its own. ``counts_people`` marks a head count, which ``analytics/disclosure.py`` withholds when
small (tests/test_metrics_registry.py checks the two agree); ``derived_from`` names the counts a
figure is computed from, and is withheld with (docs/roles.md, "Small counts").

Streamlit-free and import-free, so that every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

# How a figure is written: a whole count, a signed count, a ratio (2 decimals), a fraction shown
# in % (×100), a score, or a band (text).
FORMATS = ("count", "signed", "ratio", "percent", "score", "band")


@dataclass(frozen=True)
class Metric:
    id: str                          # the column name in queries, tables and URLs
    zh: str                          # 中文名称 (the UI's and the exports' default)
    en: str
    unit: str                        # 中文单位: 人 / 家 / 个 / % …; "" for a pure number (无单位)
    unit_en: str
    counts_people: bool              # a head count: withheld as '<k' when small
    fmt: str = "count"               # one of FORMATS
    derived_from: tuple[str, ...] = ()  # counts of people it is computed from

    def label(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def unit_of(self, lang: str = "zh") -> str:
        return self.unit_en if lang == "en" else self.unit

    @property
    def definition(self) -> str:
        """中文定义 for users (tooltips; docs/metrics.md carries the same text, with how it is
        computed and the small-count rule)."""
        return DEFINITIONS[self.id]


def _people(id_: str, zh: str, en: str) -> Metric:
    return Metric(id_, zh, en, "人", "people", counts_people=True)


REGISTRY: tuple[Metric, ...] = (
    # A region's talent (analytics.queries: children_metrics, kpis, peers; the brief).
    _people("talents", "人才数量", "Talent"),
    _people("high_level", "高层次人才 (A–D)", "High-level talent (A–D)"),
    _people("talents_prev", "上年人才数量", "Talent in the year before"),
    _people("active", "当年活跃人才", "Talent active in the year"),
    Metric("enterprises", "企业数量", "Enterprises", "家", "enterprises", False),
    Metric("postings", "招聘岗位", "Open postings", "个", "postings", False),
    Metric("density", "每万人人才数", "Talent per 10,000 residents", "人/万人",
           "per 10k residents", False, "ratio", ("talents",)),
    Metric("share", "占全国比重", "Share of national total", "%", "%", False, "percent",
           ("talents",)),
    Metric("lq", "区位商 LQ (所选环节)", "Location quotient (selected nodes)", "", "", False,
           "ratio", ("talents",)),
    Metric("growth", "同比增长", "Year-on-year growth", "%", "%", False, "percent",
           ("talents", "talents_prev")),
    Metric("sd_ratio", "供需比", "Supply/demand ratio", "", "", False, "ratio",
           ("talents", "active")),
    # Talent flows (analytics.flows): arrivals, departures and what is computed from them.
    _people("arrivals", "流入人才", "Arrivals"),
    _people("departures", "流出人才", "Departures"),
    Metric("net_inflow", "人才净流入", "Net inflow", "人", "people", False, "signed",
           ("arrivals", "departures")),
    Metric("net", "净流入 (流入 − 流出)", "Net (arrivals − departures)", "人", "people", False,
           "signed", ("arrivals", "departures")),
    Metric("net_per_10k", "每万人净流入", "Net inflow per 10k residents", "人/万人",
           "per 10k residents", False, "ratio", ("arrivals", "departures")),
    Metric("moves", "流动人次", "Moves", "人次", "moves", True),
    # A region's chain nodes (analytics.gaps: chain_status, sources, pools).
    _people("talent", "环节人才数量", "Talent in the node"),
    Metric("lq_talent", "人才区位商 LQ", "Talent location quotient", "", "", False, "ratio",
           ("talent",)),
    Metric("sd_band", "供需状况", "Supply/demand band", "", "", False, "band",
           ("talent", "active")),
    Metric("gap_score", "差距分", "Gap score", "分 (0–100)", "points (0–100)", False, "score",
           ("talent", "active")),
    Metric("lq_weight", "区位商权重", "LQ weight", "", "", False, "ratio", ("talent",)),
    Metric("score", "招引分", "Recruitment score", "", "", False, "score", ("talent",)),
    _people("returnees", "海归人才", "Returnees"),
    _people("willing_to_relocate", "愿意流动人才", "Willing to relocate"),
    _people("expecting_here", "期望来本地人才", "Expecting to move here"),
)

BY_ID: dict[str, Metric] = {m.id: m for m in REGISTRY}

# 定义: one or two sentences a user reads in a tooltip (the 定义 column of docs/metrics.md,
# kept equal by tests/test_metrics_registry.py).
DEFINITIONS: dict[str, str] = {
    "talents": "截至所选年份年末在库的人工智能产业人才人数, 按侧栏的环节与人才筛选条件统计, 每人只计一次。",
    "high_level": "人才数量中层次为 A 顶尖人才、B 国家级领军、C 省级领军、D 市级领军的人数。",
    "talents_prev": "截至上一年年末的人才数量, 用于计算同比增长。",
    "active": "所选年份内有新记录 (新入库或更新) 的人才, 即当年的求职供给。",
    "enterprises": "截至所选年份年末已成立的所选环节企业数 (无成立日期的按首次记录年份)。",
    "postings": "所选年份内发布的所选环节招聘岗位数。",
    "density": "人才数量 ÷ 常住人口 × 10,000; 常住人口取该地区最新一年数据, 没有时为未知 (不按 0 计)。",
    "share": "本地区人才数量 ÷ 相同筛选条件下的全国人才数量。",
    "lq": "本地区所选环节人才占本地区人才的比重 ÷ 全国所选环节人才占全国人才的比重; 大于 1 表示该环节在本地相对集中。",
    "growth": "本年人才数量 ÷ 上年人才数量 − 1。",
    "sd_ratio": "当年活跃人才 ÷ 当年发布的招聘岗位 (同一时间窗口); 小于 1 表示岗位多于求职人才, 即紧缺。",
    "arrivals": "所选时期内从其他地区 (同一级别) 迁入本地区的人才人次。",
    "departures": "所选时期内从本地区迁往其他地区 (同一级别) 的人才人次。",
    "net_inflow": "流入人才 − 流出人才 (所选年份); 正数为净流入, 负数为净流出。",
    "net": "统计期内流入人才 − 流出人才; 正数为净流入, 负数为净流出。",
    "net_per_10k": "净流入 ÷ 常住人口 × 10,000; 没有常住人口数据时为未知。",
    "moves": "统计期内地区之间的人才流动次数 (同一人多次流动计多次)。",
    "talent": "本地区该产业链环节的人才数量 (截至年末, 全部人才, 不受侧栏人才筛选影响)。",
    "lq_talent": "本地区该环节人才占本地区人才的比重 ÷ 基准地区该环节人才占其人才的比重; 大于 1 表示相对集中。",
    "sd_band": "按供需比分档: 严重紧缺、紧缺、平衡、过剩 (阈值见页面上的阈值设置)。",
    "gap_score": "0–100, 越高差距越大: 区位商不足占 50 分, 供需紧缺占 30 分, 本地无企业占 20 分。",
    "lq_weight": "目标地区该环节的人才区位商, 封顶 3; 人才基数不足时按 1 计。",
    "score": "招引清单的排序分: 该地区该环节人才数量 × 区位商权重。",
    "returnees": "有海外学习或工作经历的人才人数。",
    "willing_to_relocate": "表示愿意流动 (换城市工作) 的人才人数。",
    "expecting_here": "期望城市为本地区的人才人数。",
}

# The 人才地图's metrics, in the order of its switch (filters.METRICS, the numbers CLI's map
# columns, ``python -m exports map --metric``).
MAP: tuple[str, ...] = ("talents", "high_level", "density", "share", "lq", "growth",
                        "net_inflow")
# The 总览 KPI figures of a region as the numbers CLI lists them (``python -m analytics kpis``).
KPIS: tuple[str, ...] = ("talents", "high_level", "enterprises", "postings", "sd_ratio",
                         "arrivals", "departures", "net_inflow")


def get(metric_id: str) -> Metric:
    """The metric of an id (KeyError naming the known ids otherwise)."""
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"未知指标 {metric_id!r}; 可选: {', '.join(BY_ID)}") from None

