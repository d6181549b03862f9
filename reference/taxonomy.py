"""The AI industry chain, talent tiers and education levels (reference data in ``data/``).

Also the keyword classifier that puts an enterprise's business scope, a job title or a talent's
skills on a chain node, and the chain's adjacency ("next to" along the chain).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs
import pandas as pd

DATA = Path(__file__).resolve().parent.parent / "data"
LAYERS = ("基础层", "技术层", "应用层")

TIER_WORDS = {
    "A": "A", "顶尖人才": "A", "顶尖": "A", "A类": "A", "A类人才": "A",
    "B": "B", "国家级领军人才": "B", "国家级": "B", "B类": "B", "B类人才": "B",
    "C": "C", "省级领军人才": "C", "省级": "C", "C类": "C", "C类人才": "C",
    "D": "D", "市级领军人才": "D", "市级": "D", "D类": "D", "D类人才": "D",
    "E": "E", "高级人才": "E", "青年人才": "E", "高级/青年人才": "E", "E类": "E", "E类人才": "E",
    "N": "N", "无": "N", "-": "N", "否": "N", "普通": "N", "一般": "N",
}


@lru_cache(maxsize=1)
def chain_nodes() -> pd.DataFrame:
    """The chain nodes, with ``links_to``, ``keywords`` and ``weak_keywords`` as lists."""
    df = pd.read_csv(DATA / "chain_nodes.csv", dtype=str, keep_default_na=False)
    df["sequence"] = df["sequence"].astype(int)
    for col in ("links_to", "keywords"):
        df[col] = df[col].map(lambda s: [x.strip() for x in s.split(";") if x.strip()])
    # "~word" marks a generic keyword: it classifies only when nothing more specific matches.
    df["weak_keywords"] = df["keywords"].map(lambda ks: [k[1:] for k in ks if k.startswith("~")])
    df["keywords"] = df["keywords"].map(lambda ks: [k.lstrip("~") for k in ks])
    return df.sort_values("sequence", ignore_index=True)


@lru_cache(maxsize=1)
def tiers() -> pd.DataFrame:
    return pd.read_csv(DATA / "tiers.csv", dtype={"tier": str, "name": str, "rank": int})


@lru_cache(maxsize=1)
def education_levels() -> pd.DataFrame:
    return pd.read_csv(DATA / "education.csv", dtype={"level": str, "rank": int})


@lru_cache(maxsize=1)
def adjacent_nodes() -> dict[str, frozenset[str]]:
    """Node → nodes next to it along the chain (links in either direction, and the node just
    before or after it in the same segment). Cached (it took 25 ms, once per chain status —
    most of the 34-province heatmap's time): the sets are frozen, the dict must not be changed."""
    nodes = chain_nodes()
    adj: dict[str, set[str]] = defaultdict(set)
    for row in nodes.itertuples():
        for other in row.links_to:
            adj[row.node_id].add(other)
            adj[other].add(row.node_id)
    for _, seg in nodes.groupby("segment", sort=False):
        ids = list(seg.sort_values("sequence")["node_id"])
        for a, b in zip(ids, ids[1:], strict=False):
            adj[a].add(b)
            adj[b].add(a)
    return {k: frozenset(v) for k, v in adj.items()}


def parse_tier(value) -> tuple[str | None, str | None]:
    """Talent tier letter (A–E, N for none) from a letter or its Chinese name."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "N", None
    s = str(value).strip().upper().replace("类", "类")
    if not s:
        return "N", None
    tier = TIER_WORDS.get(s) or TIER_WORDS.get(str(value).strip())
    return (tier, None) if tier else (None, f"无法识别人才层次: {str(value)[:20]}")


class NodeClassifier:
    """Classify text to a chain node by its keywords: longer keywords weigh more; generic
    keywords (marked ``~`` in chain_nodes.csv) count only a little."""

    def __init__(self, nodes: pd.DataFrame | None = None):
        nodes = chain_nodes() if nodes is None else nodes
        self.by_keyword: dict[str, list[str]] = defaultdict(list)
        self.weak: set[str] = set()  # generic words (~Python): they decide only when alone
        self.sequence = dict(zip(nodes["node_id"], nodes["sequence"], strict=True))
        for row in nodes.itertuples():
            for kw in row.keywords:
                self.by_keyword[kw.lower()].append(row.node_id)
            self.weak.update(k.lower() for k in row.weak_keywords)
        # Leftmost-longest, non-overlapping: 海洋大模型 counts once, not also 海洋 and 大模型.
        self.automaton = ahocorasick_rs.AhoCorasick(
            list(self.by_keyword), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
        self.names = {}
        for row in nodes.itertuples():
            for key in (row.node_id, row.name_zh, row.name_en):
                self.names[str(key).strip().lower()] = row.node_id

    def node_of_name(self, value) -> str | None:
        """A node given explicitly by id or name (产业链环节 column)."""
        if value is None:
            return None
        return self.names.get(str(value).strip().lower())

    def scores(self, text) -> dict[str, float]:
        """Node → score of one text: each distinct keyword found adds its length (0.1 if weak)."""
        out: dict[str, float] = defaultdict(float)
        if not isinstance(text, str) or not text:
            return out
        for kw in set(self.automaton.find_matches_as_strings(text[:2000].lower())):
            for node in self.by_keyword[kw]:
                out[node] += 0.1 if kw in self.weak else len(kw)
        return out

    def classify(self, text) -> str | None:
        """The best-scoring node of one text (ties: the earlier node along the chain)."""
        scores = self.scores(text)
        if not scores:
            return None
        return max(scores, key=lambda n: (scores[n], -self.sequence[n]))

    def score_table(self, texts) -> pd.DataFrame:
        """(text, node_id, score, sequence) for each distinct text that matches a keyword."""
        rows = [(t, n, sc, self.sequence[n])
                for t in pd.unique(pd.Series(texts, dtype=object).dropna())
                for n, sc in self.scores(t).items()]
        return pd.DataFrame(rows, columns=["text", "node_id", "score", "sequence"]).astype(
            {"text": object, "node_id": object, "score": float, "sequence": int})


@lru_cache(maxsize=1)
def default_classifier() -> NodeClassifier:
    return NodeClassifier()
