"""Score the candidate pairs of a splink model in DuckDB, the costly comparisons only where they
can change the outcome (issue 18).

splink's ``predict`` computes every comparison level of every blocked pair: on the large demo's
1.26M records that is 14.7M pairs, and the string similarities (Jaro-Winkler on schools and
employers, whose names are long in UTF-8) took two thirds of the linkage's time, though nearly
every pair ends far below the review threshold. Here the same model — splink's comparisons,
their trained weights, its prior and its threshold, read from the linker — is applied in two
passes:

1. every pair gets the levels that need no costly function (null, equality, a year's distance);
   a comparison whose answer lies at or after its first costly level is left open, and counted
   at the highest weight still possible for it. A pair whose total cannot reach the threshold
   even so is dropped: adding a larger term never gives a smaller float (rounding is monotone),
   so no pair splink would keep is lost. Each blocking rule's pairs go through this alone, and
   the pairs several rules make are kept once among the survivors (splink instead tests every
   pair of a rule against the earlier rules);
2. the few pairs left get the full comparisons, the weights summed in splink's order with
   splink's own expressions, and the threshold applied as splink applies it.

The result is splink's, pair for pair, level for level and bit for bit (tests/test_linkage_score.py
compares them on generated records); splink still defines the model and estimates its u
probabilities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

# A level whose condition calls one of these is costly (per pair, on both strings).
COSTLY = re.compile(r"\b(jaro|levenshtein|damerau|jaccard|cosine)\w*\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Level:
    gamma: int          # splink's comparison vector value (-1 for the null level)
    condition: str      # the level's SQL condition, on <column>_l / <column>_r
    weight: float       # log2 Bayes factor (0 for the null level)
    weight_sql: str     # splink's literal for it: "cast(<weight> as float8)"

    @property
    def is_else(self) -> bool:
        return self.condition.strip().upper() == "ELSE"


@dataclass(frozen=True)
class Comparison:
    name: str              # output column name: gamma_<name>, mw_<name>
    levels: tuple[Level, ...]
    columns: tuple[str, ...]  # the record columns its conditions read

    @property
    def cheap_levels(self) -> tuple[Level, ...]:
        """The levels before the first costly one."""
        out = []
        for lv in self.levels:
            if COSTLY.search(lv.condition):
                break
            out.append(lv)
        return tuple(out)

    @property
    def costly(self) -> bool:
        return len(self.cheap_levels) < len(self.levels)

    def case(self, levels: tuple[Level, ...] | None = None) -> str:
        """The gamma as splink computes it; with ``levels``, only those (else NULL: open)."""
        levels = self.levels if levels is None else levels
        whens = " ".join(f"WHEN {lv.condition} THEN {lv.gamma}" for lv in levels
                         if not lv.is_else)
        tail = next((lv.gamma for lv in levels if lv.is_else), "NULL")
        return f"CASE {whens} ELSE {tail} END"

    def weight_case(self, gamma: str) -> str:
        return "CASE " + " ".join(f"WHEN {gamma} = {lv.gamma} THEN {lv.weight_sql}"
                                  for lv in self.levels) + " END"

    def highest_open_weight(self) -> str:
        """splink's literal of the largest weight among the levels left open."""
        open_levels = self.levels[len(self.cheap_levels):]
        return max(open_levels, key=lambda lv: lv.weight).weight_sql


@dataclass(frozen=True)
class Model:
    comparisons: tuple[Comparison, ...]
    blocking: tuple[str, ...]   # rules on l.<column> / r.<column>, OR-ed in this order
    prior: float                # probability two random records match

    def combine(self, terms: list[str]) -> tuple[str, str]:
        """splink's own expressions: (match weight, match probability) of prior + terms."""
        from splink.internals.predict import _combine_prior_and_mws

        return _combine_prior_and_mws(self.prior, terms, "duckdb")

    def threshold_weight(self, threshold: float) -> float | None:
        from splink.internals.misc import threshold_args_to_match_weight

        return threshold_args_to_match_weight(threshold, None)


def model_of(linker, blocking: tuple[str, ...]) -> Model:
    """The model a splink linker holds now (after any training): its comparisons with their
    weights, and its prior. Read from splink's internals (splink is pinned in requirements.txt;
    tests/test_linkage_score.py fails if a new version computes otherwise)."""
    so = linker._settings_obj
    comparisons = []
    for c in so.comparisons:
        levels = tuple(Level(lv.comparison_vector_value, lv.sql_condition,
                             0.0 if lv.is_null_level else float(lv._match_weight),
                             f"cast({0.0 if lv.is_null_level else lv._match_weight} as float8)")
                       for lv in c.comparison_levels)
        columns = tuple(dict.fromkeys(col.input_name for col in
                                      c._input_columns_used_by_case_statement))
        comparisons.append(Comparison(c.output_column_name, levels, columns))
    return Model(tuple(comparisons), tuple(blocking), so._probability_two_random_records_match)


def rule_pairs_sql(table: str, rule: str, columns: Sequence[str] = ()) -> str:
    """The pairs (i < j, by ``pos``) one blocking rule makes, with both records' ``columns`` as
    <column>_l and <column>_r. A pair several rules make comes once from each: the caller
    keeps each pair once (splink excludes the earlier rules' pairs from each rule instead;
    that test on every pair cost more than dropping the repeats among the few that remain)."""
    sides = "".join(f", l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    return (f"SELECT l.pos AS i, r.pos AS j{sides} FROM {table} l JOIN {table} r "  # noqa: S608
            f"ON {rule} WHERE l.pos < r.pos")


def _sides(table: str, pairs: str, columns: list[str], keep: list[str]) -> str:
    """The pairs of ``pairs`` (columns ``keep``) with both records' ``columns``, as
    <column>_l and <column>_r."""
    cols = ", ".join([*(f"p.{k}" for k in keep),
                      *(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)])
    return (f"SELECT {cols} FROM {pairs} p JOIN {table} l ON l.pos = p.i "  # noqa: S608
            f"JOIN {table} r ON r.pos = p.j")


def score(mem: duckdb.DuckDBPyConnection, table: str, model: Model,
          threshold: float) -> pd.DataFrame:
    """Pairs (i < j, the records' ``pos``) whose match probability is at least ``threshold``:
    i, j, match_probability and gamma_<comparison> for each comparison, sorted by (i, j).
    ``table`` holds the records: ``pos`` (0…n-1) and the model's columns."""
    comps = model.comparisons
    every = list(dict.fromkeys(c for cmp in comps for c in cmp.columns))
    costly = [cmp for cmp in comps if cmp.costly]
    limit = model.threshold_weight(threshold)
    try:
        # 1. the cheap levels of every pair; the open comparisons at their best: a bound
        cheap = ", ".join(f"{cmp.case(cmp.cheap_levels)} AS gamma_{cmp.name}" for cmp in comps)
        bound_terms = [f"coalesce(({cmp.weight_case(f'gamma_{cmp.name}')}), "
                       f"{cmp.highest_open_weight()})" if cmp.costly
                       else cmp.weight_case(f"gamma_{cmp.name}") for cmp in comps]
        bound, _ = model.combine(bound_terms)
        names = [f"gamma_{cmp.name}" for cmp in comps]
        gammas = ", ".join(names)
        keep = "" if limit is None else f" WHERE ({bound}) >= {limit}"
        per_rule = [f"SELECT i, j, {gammas} FROM (SELECT i, j, {cheap} FROM "  # noqa: S608
                    f"({rule_pairs_sql(table, rule, every)})){keep}" for rule in model.blocking]
        mem.execute("CREATE OR REPLACE TEMP TABLE _link_open AS SELECT DISTINCT * FROM ("  # noqa: S608
                    + " UNION ALL ".join(per_rule) + ")")  # a pair's gammas are its own: once
        # 2. the pairs left: the open comparisons in full, the weights as splink sums them
        full = ", ".join(
            f"coalesce(gamma_{cmp.name}, {cmp.case()}) AS gamma_{cmp.name}" if cmp.costly
            else f"gamma_{cmp.name}" for cmp in comps)
        open_cols = list(dict.fromkeys(c for cmp in costly for c in cmp.columns))
        weights = ", ".join(f"{cmp.weight_case(f'gamma_{cmp.name}')} AS mw_{cmp.name}"
                            for cmp in comps)
        weight, probability = model.combine([f"mw_{cmp.name}" for cmp in comps])
        return mem.execute(
            f"SELECT i, j, {probability} AS match_probability, {gammas} FROM ("  # noqa: S608
            f"SELECT *, {weights} FROM (SELECT i, j, {full} FROM ("
            f"{_sides(table, '_link_open', open_cols, ['i', 'j', *names])})))"
            + ("" if limit is None else f" WHERE ({weight}) >= {limit}")
            + " ORDER BY i, j").df()
    finally:
        mem.execute("DROP TABLE IF EXISTS _link_open")
