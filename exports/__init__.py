"""Exports (Streamlit-free): charts as PNG/SVG/PDF/HTML (``exports.charts``), their data as
CSV/XLSX and ZIP bundles (``exports.tables``), and the region brief (``exports.brief``).

This module holds what they share: what is printed on every export (``ExportMeta``), the
filters in words, and the error raised when a static export cannot run here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from analytics.filters import COUNTRY, Filters

# Chinese needs a CJK font in the browser that renders the image (Debian fonts-wqy-microhei).
CJK_FONT = ("WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, "
            "PingFang SC, sans-serif")
INSTALL_HINT = "静态图片导出需要 Chromium: apt-get install chromium fonts-wqy-microhei"
PRODUCT = "人才地图"


class ExportUnavailable(RuntimeError):
    """A static export (PNG/SVG/PDF, the brief's PDF) cannot run: no Chromium here."""

    def __init__(self, message: str = INSTALL_HINT):
        super().__init__(message)


@dataclass(frozen=True)
class ExportMeta:
    """What every export carries besides the chart: title, filters, unit, freshness, source."""

    title: str
    filters_text: str = ""
    unit: str = ""
    freshness: str = ""
    source: str = ""
    page: str = ""
    note: str = ""  # e.g. the small-cell rule that blanked some values

    def header_lines(self) -> list[str]:
        """The lines written above a table (CSV/XLSX) and under a chart's title."""
        lines = [self.title]
        for label, value in (("筛选", self.filters_text), ("单位", self.unit),
                             ("数据更新", self.freshness), ("来源", self.source),
                             ("说明", self.note)):
            if value:
                lines.append(f"{label}: {value}")
        lines.append(f"导出: {PRODUCT} · {now_text()}")
        return lines

    def stem(self) -> str:
        """A safe file name stem from the title."""
        return safe_name(self.title) or "chart"


def now_text() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def safe_name(text: str, limit: int = 60) -> str:
    """Text usable as a file name on every OS: no separators, controls or reserved marks."""
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f\s·]+', "_", str(text))
    return re.sub(r"_+", "_", cleaned).strip(" ._")[:limit]


def freshness_text(fr: dict) -> tuple[str, str]:
    """(freshness, source) in words from ``analytics.queries.freshness``."""
    last = fr.get("last_load")
    when = "未知" if last is None or pd.isna(last) else pd.Timestamp(last).strftime(
        "%Y-%m-%d %H:%M")
    version = fr.get("version")
    return (f"{when} (版本 {version})" if version else when), str(fr.get("sources") or "未知")


def describe_filters(f: Filters, region_names: dict[str, str] | None = None,
                     node_names: dict[str, str] | None = None, year: int | None = None) -> str:
    """The active filters in words, e.g. '地区 青岛市 · 2024 年 · 学历 博士、硕士'."""
    names, nodes = region_names or {}, node_names or {}
    parts = [f"地区 {'全国' if f.region == COUNTRY else names.get(f.region, f.region)}"]
    if year or f.year:
        parts.append(f"{year or f.year} 年")
    if f.layer:
        parts.append(f"层级 {f.layer}")
    if f.nodes:
        parts.append("环节 " + "、".join(nodes.get(n, n) for n in f.nodes))
    for label, values in (("人才层次", f.tiers), ("学历", f.education), ("工作年限", f.experience)):
        if values:
            parts.append(f"{label} " + "、".join(values))
    if f.returnees_only:
        parts.append("仅海归")
    if len(parts) == 1 + bool(year or f.year):
        parts.append("全部人才")
    return " · ".join(parts)
