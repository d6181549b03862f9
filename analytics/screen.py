"""The 大屏's figures (Streamlit-free): what each scene shows, already under disclosure control.

The screen is a public display: whatever the signed-in role, every count of people goes through
``analytics.disclosure`` with the planner's k (the setting ``small_cell_k``), so a small count
reads '<k' even when an admin opened the page. Nothing here returns an individual.

- ``inflows``: the home region's arrivals by origin over a period, with both ends' centroids
  (routes between places in China at the home region's level, as ``flows.top_routes``);
- ``kpi_cards``: the KPI card figures with the change on the year before, and each figure's
  line over every year (``analytics.trends``), withheld years as gaps;
- ``top_gaps``: the largest gaps of the chain (``gaps.chain_status`` under ``nodes_shown``);
- ``target_counts``: 招引 targets per chain node and stage, when the pipeline store exists
  (``access.targets`` is optional: without it the scene shows the gaps alone);
- ``pool``: the overseas pool by country (``analytics.overseas``).
"""

from __future__ import annotations

import pandas as pd

from analytics import disclosure, flows
from analytics import trends as tr

# KPI cards in screen order: (metric id, label, how it is written, has a trend line).
CARDS = (("talents", "人才总量", "count"), ("high_level", "高层次人才 (A–D)", "count"),
         ("enterprises", "AI 企业", "count"), ("postings", "招聘岗位", "count"),
         ("net_inflow", "人才净流入", "signed"), ("sd_ratio", "供需比", "ratio"))
UNITS = {"talents": "人", "high_level": "人", "enterprises": "家", "postings": "个",
         "net_inflow": "人", "sd_ratio": ""}
INFLOW_LIMIT = 12
GAP_LIMIT = 8


def fmt(value, how: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if how == "signed":
        return disclosure.fmt_signed(value)
    if how == "ratio":
        return f"{float(value):.2f}"
    return disclosure.fmt_count(value)


POINT = "SELECT lon, lat FROM region WHERE adcode = $adcode"


def region_point(reader, adcode: str) -> tuple[float, float]:
    """The region's centroid (lon, lat) as the region table has it."""
    row = reader.df(POINT, {"adcode": adcode}).iloc[0]
    return float(row["lon"]), float(row["lat"])


def inflows(reader, region: str, period: tuple[int, int], k: int,
            limit: int = INFLOW_LIMIT) -> pd.DataFrame:
    """The largest origins of the region's arrivals over ``period``: from_name, from_lon,
    from_lat, to_lon, to_lat, moves (NaN where withheld), text ('<k' or the count), and
    ``withheld``. Withheld routes stay in the list (an arc of the thinnest width, '<k'): how
    many places send talent is not a count of people."""
    routes = flows.top_routes(reader, region, period, limit=200)
    routes = routes[routes["direction"] == "流入"].head(limit).reset_index(drop=True)
    ctl = disclosure.apply(routes, k, disclosure.COUNTERPARTS)
    out = ctl.values.copy()
    out["text"] = ctl.text("moves", disclosure.fmt_count).to_numpy()
    out["withheld"] = ctl.withheld("moves").to_numpy()
    return out


def kpi_cards(kpis: dict, trend: pd.DataFrame, k: int) -> list[dict]:
    """One dict per card: id, label, unit, value (text), change (text or None), direction
    (+1, -1, 0 or None), the trend's years and values (None where withheld) and the withheld
    years' labels."""
    now, why_now = disclosure.record(kpis["now"], k, disclosure.KPIS)
    prev, why_prev = disclosure.record(kpis["prev"], k, disclosure.KPIS)
    ctl = tr.controlled(trend, k) if len(trend) else None
    cards = []
    for key, label, how in CARDS:
        value = disclosure.label_for(why_now[key], k) if key in why_now else fmt(now[key], how)
        change, direction = None, None
        if key not in why_now and key not in why_prev:
            change, direction = _change(now[key], prev[key], how)
        years, line, marks = [], [], []
        if ctl is not None and key in ctl.values.columns:
            years = [int(y) for y in ctl.values["year"]]
            line = [None if pd.isna(v) else float(v) for v in ctl.values[key]]
            marks = [None if lab is None or pd.isna(lab) else str(lab)
                     for lab in ctl.label(key)]
        cards.append({"id": key, "label": label, "unit": UNITS[key], "value": value,
                      "change": change, "direction": direction, "years": years,
                      "line": line, "marks": marks, "year": kpis["year"]})
    return cards


def _change(now, prev, how: str) -> tuple[str | None, int | None]:
    """The change on the year before: in % for counts, in points for a ratio, in people for the
    net inflow (which can change sign)."""
    if now is None or prev is None or pd.isna(now) or pd.isna(prev):
        return None, None
    diff = float(now) - float(prev)
    direction = (diff > 0) - (diff < 0)
    if how == "signed":
        return f"{diff:+,.0f} 人", direction
    if how == "ratio":
        return f"{diff:+.2f}", direction
    if not prev:
        return None, direction
    return f"{diff / float(prev) * 100:+.1f}%", direction


def top_gaps(chain_shown: pd.DataFrame, limit: int = GAP_LIMIT) -> pd.DataFrame:
    """The nodes with the largest gap score among those whose score may be shown (the 产业链
    page's rule): node_id, name_zh, layer, status, gap_score, gap_text, sd_band, talent_text."""
    df = chain_shown[chain_shown["gap_score"].notna()]
    df = df.sort_values(["gap_score", "sequence"], ascending=[False, True]).head(limit)
    return df[["node_id", "name_zh", "layer", "status", "gap_score", "gap_text", "sd_band",
               "talent_text"]].reset_index(drop=True)


def target_counts(app_db, region: str) -> pd.DataFrame | None:
    """招引 targets of the region per node and stage (columns: node, then one per stage), or
    None when the pipeline module is not installed. Only counts: no target's name leaves."""
    try:
        from access import targets as tg
    except ImportError:
        return None
    try:
        stages = tuple(tg.ALL_STAGES)
        rows = tg.list_targets(app_db, region=region)
    except (AttributeError, ValueError, OSError):  # an older or half-built pipeline module
        return None
    counts = pd.DataFrame([{"node": t.node, "stage": t.stage} for t in rows],
                          columns=["node", "stage"])
    table = pd.crosstab(counts["node"], counts["stage"]) if len(counts) else \
        pd.DataFrame(index=pd.Index([], name="node"))
    return table.reindex(columns=list(stages), fill_value=0).reset_index()


def pool(by_country: pd.DataFrame, k: int, limit: int = 10) -> dict:
    """The overseas pool by country under the rules: the totals (text) and the largest
    countries (country, talents, text, withheld; those with a withheld count after the
    others)."""
    ctl = disclosure.apply(by_country, k, disclosure.OVERSEAS)
    totals = {c: int(by_country[c].sum()) if len(by_country) else 0
              for c in disclosure.OVERSEAS.counts}
    v = ctl.values.assign(text=ctl.text("talents", disclosure.fmt_count),
                          willing_text=ctl.text("willing_to_relocate", disclosure.fmt_count),
                          withheld=ctl.withheld("talents"))
    v = v.sort_values(["withheld", "talents"], ascending=[True, False], kind="stable")
    return {"totals": {c: disclosure.fmt_count(n, k) for c, n in totals.items()},
            "countries": v.head(limit)[["country", "talents", "text", "willing_text",
                                        "withheld"]].reset_index(drop=True)}
