"""Deterministic demo data: raw files shaped like real exports, for the ETL to load.

``generate(out_dir, scale, seed)`` writes enterprises.csv (GBK), talents.xlsx / talents.csv,
postings.jsonl, moves.csv, population.csv and manifest.json. It loads nothing: the ETL reads
these files through the same front door as real data. The same seed gives byte-identical files.

Distributions are calibrated against /work/shared/reference/calibration.tsv; the notes in the
data files say which published figure each table follows (see docs/demo-data.md). About
``BAD_ROW_SHARE`` of each data file is deliberately broken; manifest.json lists where.

Submodules, in the order ``generate`` uses them:

- ``constants``: scales, ``BAD_ROW_SHARE``, the snapshot date, the years, file limits.
- ``calibration``: reads the calibration tables in ``data/`` (cities.csv, nodes.csv,
  calibration.json, census.json) once and exposes them as constants.
- ``vocabulary``: reads ``data/vocabulary.json`` (titles, skills, schools, names, streets …).
- ``sampling``: vectorised helpers (weights → probabilities, quotas, top-k, dates, string
  concatenation).
- ``geography``: mainland cities and districts; sampling them by calibrated weights; place text
  in the styles of real exports.
- ``nodes``: the chain-node taxonomy (data/chain_nodes.csv), P(node | city), Qingdao's gaps.
- ``credit_codes``: valid, unique GB 32100 credit codes (tables from etl.normalize.credit_code).
- ``enterprises``, ``people``, ``postings``, ``moves``, ``indicators``: the record generators
  (firms, talents, job postings, talent moves, census population).
- ``defects``: which rows are broken and how (wrong check characters, duplicates, bad places …).
- ``writers``: the files (GBK CSV, XLSX with a title row, JSON lines, CSV) and their manifest
  entries.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from etl.demo.abroad import make_abroad_talents, make_border_moves
from etl.demo.calibration import PROVINCE_POP
from etl.demo.constants import BAD_ROW_SHARE, MANIFEST, SCALES, SNAPSHOT, Progress
from etl.demo.enterprises import make_enterprises
from etl.demo.geography import home_units, load_geo, set_home_boost
from etl.demo.indicators import population_table
from etl.demo.moves import make_moves
from etl.demo.nodes import load_nodes
from etl.demo.people import make_talents
from etl.demo.postings import make_postings
from etl.demo.sources import SOURCES, make_other_sources, write_sources
from etl.demo.vocabulary import BUILDINGS, STREETS
from etl.demo.writers import (
    ENTERPRISE_COLUMNS,
    POSTING_COLUMNS,
    TALENT_COLUMNS,
    write_enterprises,
    write_postings,
    write_table,
    write_talents,
)

__all__ = [
    "BAD_ROW_SHARE", "BUILDINGS", "ENTERPRISE_COLUMNS", "POSTING_COLUMNS", "PROVINCE_POP",
    "SCALES", "SNAPSHOT", "SOURCES", "demo_sources", "STREETS", "TALENT_COLUMNS", "Progress", "generate",
]


def generate(out_dir: Path, scale: str = "small", seed: int = 42,
             progress: Progress | None = None, home_region: str | None = None) -> list[Path]:
    """Write the demo files into ``out_dir``; return their paths (enterprises … indicators).
    ``home_region`` (default: the setting home_region) is sampled densely enough to hold
    ``HOME_MIN_TALENTS`` talents (calibration.json ``home_region_density``)."""
    if scale not in SCALES:
        raise ValueError(f"未知规模 {scale!r}; 可选: {', '.join(SCALES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = SCALES[scale]
    # Streams 0-3 as before; 4-5 (talent abroad, moves across the border) and 6-7 (the same
    # people in other sources) were added later: SeedSequence.spawn gives the same first
    # children, so the other files did not change.
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    say = progress or (lambda message, fraction: None)
    geo = load_geo()
    if home_region is None:
        import settings

        home_region = settings.get("home_region")
    boost = set_home_boost(geo, home_region, sizes["talents"])
    nodes = load_nodes()
    manifest: dict = {"generator": "etl.demo", "scale": scale, "seed": seed,
                      "snapshot_date": SNAPSHOT, "bad_row_share": BAD_ROW_SHARE,
                      "home_region": home_region, "home_boost": round(boost, 4), "files": {}}

    say("生成企业", 0.0)
    firms = make_enterprises(rngs[0], sizes["enterprises"], geo, nodes)
    paths = [write_enterprises(firms, out_dir, manifest)]
    say("生成人才", 0.2)
    talents = make_talents(rngs[1], sizes["talents"], geo, nodes, firms)
    abroad = make_abroad_talents(rngs[4], talents, geo, nodes, firms, _home_city(geo, home_region))
    everyone = _append(talents, abroad)
    paths.append(write_talents(everyone, out_dir, manifest))
    say("生成招聘岗位", 0.55)
    postings = make_postings(rngs[2], sizes["postings"], geo, nodes, firms, talents)
    paths.append(write_postings(postings, out_dir, manifest))
    say("生成人才流动", 0.8)
    moves = make_moves(rngs[3], sizes["moves"], geo, talents)
    border = make_border_moves(rngs[5], geo, talents, abroad, moves)
    paths.append(write_table(_append(moves, border), out_dir / "moves.csv", "move", "utf-8-sig",
                             manifest))
    say("写入人口指标", 0.9)
    paths.append(write_table(population_table(), out_dir / "population.csv", "indicator",
                             "utf-8", manifest))
    say("生成其他来源的同一批人才", 0.93)
    paths += write_sources(*make_other_sources(rngs[6], rngs[7], talents, everyone, geo, firms),
                           out_dir, manifest)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    say("完成", 1.0)
    return paths


def demo_sources(files: list[Path]) -> dict[Path, str]:
    """{file: source} for the demo files that come from a source of their own (人社, 猎聘), for
    ``etl.load.load_files(..., sources=...)``; the others are loaded as ``source="demo"``."""
    return {Path(f): SOURCES[Path(f).name] for f in files if Path(f).name in SOURCES}


def _append(df: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``more`` after the rows of ``df``, keeping ``df``'s injected defects (row positions)."""
    defects = df.attrs["defects"]
    parts = [df.copy(deep=False), more.copy(deep=False)]
    for p in parts:
        p.attrs = {}  # pandas compares attrs on concat, and arrays do not compare as one bool
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {"defects": defects}
    return out


def _home_city(geo, home_region: str | None) -> str:
    """The name of the home region's city (the 期望城市 of talent abroad who would come)."""
    names = geo.units.loc[home_units(geo, home_region), "name"]
    return str(names.iloc[0]) if len(names) == 1 else "青岛市"
