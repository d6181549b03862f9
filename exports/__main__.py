"""Command line: ``python -m exports brief|map``.

    python -m exports brief --region 370212 --out brief.pdf [--html brief.html] [--db PATH]
    python -m exports map --region 370200 --metric talents --out 青岛.png [--width 1200]

Results go to the files named; progress and timings to stderr. Exit status 2 when Chromium
is missing for a format that needs it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import settings
from analytics import metrics
from exports import ExportUnavailable


def _reader(args):
    from store.reader import Reader

    return Reader(Path(args.db) if args.db else settings.path("db_path"))


def _k(args) -> int | None:
    k = settings.get("small_cell_k") if args.k is None else args.k
    return k or None


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_brief(args) -> int:
    from exports import brief

    t0 = time.perf_counter()
    out = Path(args.out) if args.out else None
    result = brief.build(_reader(args), args.region, pdf=out is not None, year=args.year,
                         k=_k(args))
    if args.html:
        Path(args.html).write_text(result.html, encoding="utf-8")
        _progress(f"HTML: {args.html} ({len(result.html.encode()):,} 字节)")
    if out is not None:
        out.write_bytes(result.pdf)
        _progress(f"PDF: {out} ({len(result.pdf):,} 字节)")
    _progress(f"用时 {time.perf_counter() - t0:.1f} 秒: {result.timings}")
    return 0


# The map's metrics but the LQ (it needs chain nodes, which this command does not take); names
# and units from the registry (analytics/metrics.py).
METRICS = tuple(m for m in metrics.MAP if m != "lq")


def cmd_map(args) -> int:
    """The talent map of a region's children, in the format of the output's suffix."""
    from exports import charts, tables

    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower()
    fig, values, meta = _map(_reader(args), args.region, args.metric, _k(args))
    t0 = time.perf_counter()
    if fmt in tables.TABLE_FORMATS:  # the mapped metric only, withheld cells as '<k' / '保密'
        v = values.values
        shown = v[args.metric].astype(object).where(~values.withheld(args.metric),
                                                    values.label(args.metric))
        data = tables.export_table(v[["adcode", "name"]].assign(**{args.metric: shown}), meta,
                                   fmt)
    else:
        data = charts.export(fig, meta, fmt, width=args.width, scale=args.scale)
    out.write_bytes(data)
    _progress(f"{out} ({len(data):,} 字节, {time.perf_counter() - t0:.2f} 秒)")
    return 0


def _map(reader, region: str, metric: str, k: int | None):
    """(figure, values, meta) of the metric over the children of the region's map."""
    from analytics import queries as q
    from analytics.filters import COUNTRY, Filters
    from exports import ExportMeta, describe_filters, freshness_text
    from maps.figures import choropleth
    from maps.geometry import children_geojson, maritime_lines

    if not q.region_info(reader, region):
        raise ValueError(f"未知地区代码: {region}")
    parent = q.map_parent(reader, region)
    values = _metric_values(q.children_metrics(reader, Filters(region=region), parent), metric,
                            k)
    label, unit = metrics.get(metric).zh, metrics.get(metric).unit
    fig = choropleth(values.values, children_geojson(parent), value_col=metric, title="",
                     colorbar_title=f"{label} ({unit})" if unit else label,
                     maritime=maritime_lines() if parent == COUNTRY else None)
    when, source = freshness_text(q.freshness(reader))
    names = dict(q.breadcrumb(reader, parent)) | dict(q.breadcrumb(reader, region))
    year = q.resolve_year(reader, Filters())
    meta = ExportMeta(title=f"人才地图 · {names.get(parent, parent)} · {label}", unit=unit,
                      filters_text=describe_filters(Filters(region=region), names, year=year),
                      freshness=when, source=source,
                      note=f"人数少于 {k} 的地区及由其推算的指标不着色" if k else "")
    return fig, values, meta


def _metric_values(values, metric: str, k: int | None):
    """The children under disclosure control (analytics.disclosure.children), shares and
    growth in %."""
    from analytics import disclosure

    ctl = disclosure.children(values, k, metric)
    if metrics.get(metric).fmt == "percent":  # share, growth
        ctl.values[metric] = ctl.values[metric] * 100
    return ctl


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m exports", description="图表导出与区域人才简报")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("brief", help="区域人才简报 (PDF 和/或 HTML)")
    b.add_argument("--region", required=True, help="行政区划代码, 如 370212")
    b.add_argument("--out", help="PDF 文件")
    b.add_argument("--html", help="同时写出 HTML 文件")
    b.add_argument("--year", type=int, help="统计年份 (默认最新)")
    m = sub.add_parser("map", help="某地区下辖地区的人才地图 (png/svg/pdf/html/csv/xlsx)")
    m.add_argument("--region", default="100000")
    m.add_argument("--metric", default="talents", choices=METRICS)
    m.add_argument("--out", required=True, help="输出文件, 格式取自扩展名")
    m.add_argument("--width", type=int, default=1200)
    m.add_argument("--scale", type=float, default=1)
    for s in (b, m):
        s.add_argument("--db", help="数据库文件 (默认设置 db_path)")
        s.add_argument("--k", type=int, help="小样本保护阈值 (默认设置 small_cell_k; 0 关闭)")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if code := settings.invalid_for_cli():
        return code
    if args.cmd == "brief" and not (args.out or args.html):
        parser.error("brief: 至少给出 --out 或 --html")
    try:
        return {"brief": cmd_brief, "map": cmd_map}[args.cmd](args)
    except ExportUnavailable as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
