"""区域人才简报: a few-page report on one region, as HTML and as an A4 PDF.

Built from the same analytics functions, thresholds (settings) and figures (``figures/``) as
the dashboard: the region's map (its children, or its parent's children with the region
outlined), KPIs against the peer cities, the chain-node statuses, the largest gaps with whom
to recruit (target regions and enterprises), talent flows, and the data's freshness with the
metric definitions. Every piece of data is escaped before it goes into the HTML; charts are
embedded as base64 images (the map as PNG, the other charts as SVG), so the file is
self-contained. The PDF is that HTML printed by the system Chromium (``--print-to-pdf``), one
section per page.

Counts of people below k (small-cell suppression, ``k``) are shown as '<k' and not coloured.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

import settings
from analytics import disclosure, flows, gaps
from analytics import queries as q
from analytics.filters import COUNTRY, Filters, Thresholds
from exports import CJK_FONT, PRODUCT, ExportUnavailable, freshness_text, now_text
from figures.chain import chain_figure
from figures.flows import counterparts_figure
from figures.regions import peer_talent_figure, region_map_figure
from store.reader import Reader

# tests/test_disclosure.py draws the flow bars through this name.
METRICS_DOC = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions")
FIG_WIDTH = 900  # px; the A4 text column is ~690 CSS px, images scale down to fit
SECTIONS = ("区域概况", "一、区域人才分布", "二、与对标城市比较", "三、产业链环节状态",
            "四、主要短板与招引目标", "五、人才流动", "六、数据说明与指标定义")


@dataclass
class Context:
    """Everything the sections share, read once."""
    reader: Reader
    region: str
    name: str
    year: int
    k: int | None
    th: Thresholds
    peers: list[str]
    fresh: dict
    timings: dict = field(default_factory=dict)

    @property
    def f(self) -> Filters:
        return Filters(region=self.region, year=self.year)


# -- formatting ---------------------------------------------------------------------------------

def esc(value) -> str:
    return html.escape("—" if value is None else str(value))


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def count(v, k: int | None = None) -> str:
    """A people count; below k (and above 0) shown as '<k'."""
    return disclosure.fmt_count(v, k)


def signed(v, k: int | None = None) -> str:
    return disclosure.fmt_signed(v, k)


def shown(ctl: disclosure.Controlled, col: str, fmt) -> list[str]:
    """A column of a controlled table as text: '<k' / '保密' where withheld."""
    return ctl.text(col, lambda v: fmt(v)).tolist()


def ratio(v, digits: int = 2) -> str:
    return "—" if _missing(v) else f"{v:.{digits}f}"


def pct(v) -> str:
    return "—" if _missing(v) else f"{v * 100:+.1f}%"


def table(rows: list[list[str]], header: list[str], cls: str = "") -> str:
    """An HTML table of already formatted cells (escaped here)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def image(data: bytes, fmt: str, alt: str) -> str:
    mime = {"png": "image/png", "svg": "image/svg+xml"}[fmt]
    return (f'<img class="fig" alt="{esc(alt)}" '
            f'src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}">')


def _render(ctx: Context, fig: go.Figure, fmt: str, name: str, **opts) -> bytes:
    """A bare figure (no export header: the section heading says what it is), timed."""
    from exports import charts

    t0 = time.perf_counter()
    out = charts.to_image(fig, None, fmt, frame=False, **opts)
    ctx.timings[name] = round(time.perf_counter() - t0, 2)
    return out


# -- sections -------------------------------------------------------------------------------

def section(title: str, body: str, first: bool = False) -> str:
    cls = "section first" if first else "section"
    return f'<section class="{cls}"><h2>{esc(title)}</h2>{body}</section>'


def cover(ctx: Context) -> str:
    crumbs = " › ".join(n for _, n in q.breadcrumb(ctx.reader, ctx.region))
    when, source = freshness_text(ctx.fresh)
    kp = q.kpis(ctx.reader, ctx.f, ctx.region)
    now, why_now = disclosure.record(kp["now"], ctx.k, disclosure.KPIS)
    prev, why_prev = disclosure.record(kp["prev"], ctx.k, disclosure.KPIS)

    def cell(row, why, key, fmt):
        return disclosure.label_for(why[key], ctx.k) if key in why else fmt(row[key])

    rows = [[label, cell(now, why_now, key, fmt), cell(prev, why_prev, key, fmt),
             "—" if key in why_now or key in why_prev else _change(now[key], prev[key])]
            for key, label, fmt in KPI_ROWS]
    toc = "".join(f"<li>{esc(s)}</li>" for s in SECTIONS[1:])
    body = (f'<p class="lead">{esc(crumbs)} · 行政区划代码 {esc(ctx.region)}</p>'
            f'<p>统计口径: 截至 {ctx.year} 年末, 全部人才、全部产业链环节; 流动与岗位为 {ctx.year} '
            f'年当年。数据更新 {esc(when)} · 来源 {esc(source)} · 生成于 {esc(now_text())}</p>'
            f'<h3>核心指标</h3>{table(rows, ["指标", f"{ctx.year} 年", f"{ctx.year - 1} 年", "变化"])}'
            f"<h3>目录</h3><ol class='toc'>{toc}</ol>")
    return (f'<header class="title"><div class="kicker">{esc(PRODUCT)} · 区域人才简报</div>'
            f"<h1>{esc(ctx.name)}</h1></header>" + section(SECTIONS[0], body, first=True))


KPI_ROWS = (("talents", "人才数量 (人)", count), ("high_level", "高层次人才 A–D (人)", count),
            ("enterprises", "企业数量 (家)", count), ("postings", "招聘岗位 (个)", count),
            ("sd_ratio", "供需比 (人才 ÷ 岗位)", ratio))


def _change(now, prev) -> str:
    """Relative change (the caller leaves out withheld figures)."""
    if _missing(now) or _missing(prev):
        return "—"
    return pct((now - prev) / abs(prev)) if prev else f"{now - prev:+,.0f}"


def map_section(ctx: Context) -> str:
    from maps.geometry import children_geojson, maritime_lines

    parent = q.map_parent(ctx.reader, ctx.region)
    values = disclosure.children(q.children_metrics(ctx.reader, ctx.f, parent), ctx.k)
    sea = maritime_lines() if parent == COUNTRY else None
    fig = region_map_figure(values, children_geojson(parent), ctx.region, sea)
    png = _render(ctx, fig, "png", "地图", width=FIG_WIDTH, scale=2)
    parent_name = "全国" if parent == COUNTRY else q.region_info(ctx.reader, parent).get("name")
    note = f"{esc(ctx.name)} 以红框标出。" if parent != ctx.region else ""
    v = values.values  # visible counts by size, then withheld ones in code order
    top = v.index[:10]
    cols = [shown(values, "talents", count), shown(values, "high_level", count),
            shown(values, "density", ratio), shown(values, "share", lambda x: f"{x * 100:.2f}%")]
    pos = {i: n for n, i in enumerate(v.index)}
    rows = [[v.at[i, "name"], *(c[pos[i]] for c in cols)] for i in top]
    return section(SECTIONS[1], (
        f"<p>{esc(parent_name)} 下辖各地区人才数量 ({ctx.year} 年末)。{note}</p>"
        + image(png, "png", f"{parent_name} 人才分布图")
        + "<h3>人才数量前 10 的地区</h3>"
        + table(rows, ["地区", "人才数量", "高层次人才", "每万人人才数", "占全国比重"])))


def peers_section(ctx: Context) -> str:
    codes = list(dict.fromkeys([ctx.region, *ctx.peers]))
    peers = disclosure.apply(q.peer_comparison(ctx.reader, ctx.f, codes), ctx.k,
                             disclosure.KPIS)
    svg = _render(ctx, peer_talent_figure(peers, ctx.region), "svg", "对标", width=FIG_WIDTH)
    cols = {c: peers.text(c, fmt) for c, fmt in (
        ("talents", count), ("high_level", count), ("enterprises", count),
        ("postings", count), ("sd_ratio", ratio), ("density", ratio))}
    order = peers.values.assign(_w=peers.withheld("talents")).sort_values(
        ["_w", "talents"], ascending=[True, False], kind="stable").index
    rows = [[peers.values.at[i, "name"], *(c[i] for c in cols.values())] for i in order]
    return section(SECTIONS[2], (
        f"<p>对标城市 (设置 peer_cities) 与 {esc(ctx.name)} 在同一口径下的比较, 红色为本地区。</p>"
        + image(svg, "svg", "对标城市人才数量")
        + table(rows, ["地区", "人才数量", "高层次人才", "企业数量", "招聘岗位", "供需比",
                       "每万人人才数"])))


def chain_section(ctx: Context, status: pd.DataFrame) -> str:
    svg = _render(ctx, chain_figure(status, static=True), "svg", "产业链", width=FIG_WIDTH)
    counts = status["status"].value_counts()
    rows = [[s, str(int(counts.get(s, 0))), gaps.STATUS_HELP[s]] for s in gaps.STATUS_COLORS]
    th = ctx.th
    note = ("<p class='note'>全国以自身为基准, 各环节区位商均为 1; 地区的强弱请看省、市、区县的简报。</p>"
            if ctx.region == COUNTRY else "")
    return section(SECTIONS[3], note + (
        f"<p>各环节状态 (方块中为人才区位商 LQ, 基准为全国)。阈值: 补链 LQ &lt; {th.lq_missing:g}"
        f" 或本地无企业; 固链 LQ ≥ {th.lq_stronghold:g} 且有本地链主企业; 延链为与固链相邻而本地"
        "尚无企业的环节; 其余为强链。</p>"
        + image(svg, "svg", "产业链环节状态图") + table(rows, ["状态", "环节数", "含义"])))


def gaps_section(ctx: Context, status: pd.DataFrame) -> str:
    if ctx.region == COUNTRY:  # the benchmark is the country itself: every LQ is 1
        return section(SECTIONS[4], "<p>短板与招引清单面向具体地区 (以全国为基准): 请为省、市或区县"
                                    "生成简报。</p>")
    top = status[status["gap_score"].notna()].sort_values(["gap_score", "sequence"],
                                                          ascending=[False, True]).head(3)
    parts = ["<p>差距分 (0–100, 越高差距越大) = 50·人才区位商不足 + 30·人才紧缺 + 20·本地无企业。"
             "以下为差距最大的 3 个环节及其招引目标。</p>"]
    for i, r in enumerate(top.itertuples(), start=1):
        parts.append(_gap_block(ctx, i, r))
    return section(SECTIONS[4], "".join(parts))


def _gap_block(ctx: Context, i: int, r) -> str:
    regions = disclosure.apply(gaps.source_regions(ctx.reader, ctx.region, r.node_id, ctx.year,
                                                   limit=5), ctx.k, disclosure.SOURCES)
    firms = gaps.source_enterprises(ctx.reader, ctx.region, r.node_id, limit=5)
    reg_rows = [[x.name, t, count(x.enterprises), count(x.leaders), lq] for x, t, lq in zip(
        regions.values.itertuples(), regions.text("talent", count),
        regions.text("lq", ratio), strict=True)]
    firm_rows = [[x.name, f"{x.city or ''}{x.region or ''}", count(x.employees),
                  "是" if x.is_listed else "否", "是" if x.is_chain_leader else "否"]
                 for x in firms.itertuples()]
    return (f'<div class="gap"><h3>{i}. {esc(r.name_zh)} <span class="tag" '
            f'style="background:{gaps.STATUS_COLORS.get(r.status, "#999")}">{esc(r.status)}'
            f"</span> 差距分 {esc(r.gap_text)}</h3>"
            f"<p>{esc(r.layer)} · {esc(r.segment)} · {esc(r.reason)} · 本地人才 "
            f"{esc(r.talent_text)} · 岗位 {count(r.postings)} · 供需 {esc(r.sd_band)}</p>"
            "<h4>招引目标地区</h4>"
            + (table(reg_rows, ["地区", "该环节人才", "企业", "链主企业", "区位商"], "small")
               if reg_rows else "<p>无符合条件的地区。</p>")
            + "<h4>招引目标企业</h4>"
            + (table(firm_rows, ["企业", "所在地", "员工数", "上市", "链主"], "small")
               if firm_rows else "<p>无符合条件的企业。</p>") + "</div>")


def flows_section(ctx: Context) -> str:
    scope = flows.flow_scope(ctx.reader, ctx.region)
    if scope.region == COUNTRY:
        return section(SECTIONS[5], "<p>全国没有流入流出; 省际流动见各省简报。</p>")
    period = (ctx.year - 2, ctx.year)
    rows = [_flow_row(ctx, scope.region, span, label) for span, label in
            ((ctx.year, f"{ctx.year} 年"), (period, f"{period[0]}–{period[1]} 年"))]
    origins, dests = (disclosure.apply(part(ctx.reader, scope.region, ctx.year, limit=8), ctx.k,
                                       disclosure.COUNTERPARTS)
                      for part in (flows.origins, flows.destinations))
    note = f"<p class='note'>{esc(scope.note)}</p>" if scope.note else ""
    fig = ""
    if len(origins.values) or len(dests.values):
        svg = _render(ctx, counterparts_figure(origins, dests), "svg", "流动", width=FIG_WIDTH)
        fig = image(svg, "svg", "人才流动来源与去向")
    return section(SECTIONS[5], note + table(
        rows, ["期间", "流入", "流出", "净流入", "每万人净流入"]) + fig)


def _flow_row(ctx: Context, region: str, span, label: str) -> list[str]:
    s = flows.summary(ctx.reader, region, span)
    c = disclosure.flows(s["arrivals"], s["departures"], ctx.k, net=s["net"],
                         per_10k=s["net_per_10k"])
    hidden = disclosure.HIDDEN_LABEL
    return [label, count(s["arrivals"], ctx.k), count(s["departures"], ctx.k),
            hidden if "net" in c["why"] else signed(c["net"]),
            hidden if "net" in c["why"] else ratio(c["net_per_10k"], 3)]


# The metrics the brief shows, defined on its last page (in the order of docs/metrics.md).
BRIEF_METRICS = ("talents", "high_level", "density", "share", "enterprises", "postings",
                 "sd_ratio", "arrivals", "departures", "net_inflow", "net", "net_per_10k",
                 "talent", "lq_talent", "sd_band", "gap_score")


def metric_definitions(path: Path = METRICS_DOC,
                       only: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(指标, 定义) of each row of the table of docs/metrics.md headed | 指标 | 定义 | 计算 | …,
    markdown stripped (the command-line table is not a metric's); ``only``: the rows of
    those metric ids (its 列名 column)."""
    if not path.exists():
        return []
    out, header = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif header[:3] == ["指标", "定义", "计算"] and not set(cells[0]) <= set("-: "):
            row = dict(zip(header, cells, strict=False))
            if only is None or _plain(row.get("列名", "")) in only:
                out.append((_plain(row["指标"]), _plain(row["定义"])))
    return out


def _plain(text: str) -> str:
    return re.sub(r"[`*]", "", text)


def definitions_section(ctx: Context) -> str:
    fr = ctx.fresh
    rows = [["数据版本", str(fr.get("version") or "—")],
            ["发布时间", str(fr.get("published_at") or "—")],
            ["最近一次载入", freshness_text(fr)[0]], ["数据来源", str(fr.get("sources") or "—")],
            ["小样本保护", f"少于 {ctx.k} 人的人数显示为 <{ctx.k}" if ctx.k else "未启用"]]
    defs = [[a, b] for a, b in metric_definitions(only=BRIEF_METRICS)]
    return section(SECTIONS[6], table(rows, ["项目", "内容"], "defs")
                   + "<h3>指标定义</h3>" + table(defs, ["指标", "定义"], "small defs"))


# -- the document -------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 16mm 15mm 18mm;
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
                   font: 8pt FONT; color: #777; }
  @top-right { content: "TOPLINE"; font: 8pt FONT; color: #777; } }
* { box-sizing: border-box; }
body { font-family: FONT; color: #1a1a1a; font-size: 10.5pt; line-height: 1.5; margin: 0; }
.title .kicker { color: #1f5fa8; font-size: 11pt; letter-spacing: 0.1em; }
h1 { font-size: 26pt; margin: 2mm 0 6mm; }
h2 { font-size: 16pt; border-bottom: 2px solid #1f5fa8; padding-bottom: 2mm; margin: 0 0 4mm; }
h3 { font-size: 12pt; margin: 5mm 0 2mm; }
h4 { font-size: 10.5pt; margin: 3mm 0 1mm; color: #333; }
.section { break-before: page; }
.section.first { break-before: auto; }
.lead { font-size: 12pt; color: #333; }
.note { color: #8a5a00; }
img.fig { display: block; max-width: 100%; margin: 2mm auto 4mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9.5pt; }
table.small { font-size: 8.5pt; }
table.defs td:first-child { width: 26mm; white-space: nowrap; }
th, td { border: 1px solid #d0d5dd; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
tr { break-inside: avoid; }
.gap { break-inside: avoid; margin-bottom: 4mm; }
.tag { color: white; border-radius: 3px; padding: 0 2mm; font-size: 9pt; }
.toc li { margin: 1mm 0; }
@media screen { body { max-width: 210mm; margin: 10mm auto; padding: 0 12mm; }
  .section { border-top: 1px dashed #bbb; margin-top: 10mm; padding-top: 6mm; } }
"""


def _css(topline: str) -> str:
    # The region's name goes into a CSS string inside <style>: CSS-escape what could end the
    # string or the element.
    safe = (topline.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
            .replace("<", "\\3c ").replace(">", "\\3e "))
    return CSS.replace("FONT", _css_font()).replace("TOPLINE", safe)


def _css_font() -> str:
    return ", ".join(f'"{f.strip()}"' if " " in f.strip() else f.strip()
                     for f in CJK_FONT.split(","))


def document(ctx: Context, sections: list[str]) -> str:
    title = f"区域人才简报 · {ctx.name}"
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{_css(title)}</style>"
            f"</head><body>{''.join(sections)}</body></html>")


def context(reader: Reader, region: str, *, year: int | None = None, k: int | None = None,
            th: Thresholds | None = None, peers: list[str] | None = None) -> Context:
    info = q.region_info(reader, region)
    if not info:
        raise ValueError(f"未知地区代码: {region}")
    name = "全国" if region == COUNTRY else str(info["name"])
    the_year = year or q.resolve_year(reader, Filters(region=region))
    peer_codes = peers if peers is not None else q.regions_named(
        reader, settings.get("peer_cities").split(","))
    # The configured thresholds (TALENTMAP_LQ_* …), as the 产业链 page starts from.
    return Context(reader, region, name, the_year, k, th or Thresholds.from_settings(),
                   peer_codes, q.freshness(reader))


def node_status(ctx: Context) -> pd.DataFrame:
    """The region's chain status against the country, under disclosure control."""
    return disclosure.nodes_shown(gaps.chain_status(ctx.reader, ctx.region, ctx.year, ctx.th),
                                  ctx.k)


def build_html(ctx: Context) -> str:
    """The brief as one self-contained HTML document."""
    status = node_status(ctx)
    sections = [cover(ctx), map_section(ctx), peers_section(ctx), chain_section(ctx, status),
                gaps_section(ctx, status), flows_section(ctx), definitions_section(ctx)]
    return document(ctx, sections)


def html_to_pdf(text: str, timeout: float = 120) -> bytes:
    """Print the HTML to an A4 PDF with the system Chromium (headless, no network needed)."""
    from exports import charts

    browser = charts.chromium_path()
    if browser is None:
        raise ExportUnavailable("简报 PDF 需要 Chromium: apt-get install chromium fonts-wqy-microhei")
    with tempfile.TemporaryDirectory(prefix="brief-") as tmp:
        src, out = Path(tmp) / "brief.html", Path(tmp) / "brief.pdf"
        src.write_text(text, encoding="utf-8")
        cmd = [browser, "--headless", *FLAGS, f"--user-data-dir={tmp}/profile",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", src.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if not out.exists() or out.stat().st_size == 0:
            raise RuntimeError(f"Chromium 未能生成 PDF (退出码 {proc.returncode}): "
                               f"{proc.stderr.strip()[-400:]}")
        return out.read_bytes()


@dataclass
class Brief:
    region: str
    name: str
    html: str
    pdf: bytes | None
    timings: dict

    def file_stem(self) -> str:
        from exports import safe_name

        return safe_name(f"区域人才简报_{self.name}_{self.region}")


def build(reader: Reader, region: str, *, pdf: bool = True, **options) -> Brief:
    """Build the brief (HTML, and the PDF unless pdf=False); options go to ``context``."""
    ctx = context(reader, region, **options)
    t0 = time.perf_counter()
    text = build_html(ctx)
    ctx.timings["html"] = round(time.perf_counter() - t0, 2)
    data = None
    if pdf:
        t1 = time.perf_counter()
        data = html_to_pdf(text)
        ctx.timings["pdf"] = round(time.perf_counter() - t1, 2)
    return Brief(region, ctx.name, text, data, ctx.timings)
