"""etl.linkage_score gives splink's predictions exactly: the same pairs, levels and probabilities
(to the bit), at any threshold, with the priors and with u trained on the data."""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd
import pytest
from splink.internals.misc import prob_to_match_weight

from etl import linkage, linkage_score

SURNAMES = [("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen")]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
         ("丽", "li"), ("强", "qiang"), ("磊", "lei")]
SCHOOLS = ["北京大学", "北京大学医学部", "清华大学", "中国海洋大学", "中国石油大学(华东)",
           "中国石油大学(北京)", "山东大学", "青岛大学"]
EMPLOYERS = ["青岛海尔科技有限公司", "青岛海尔科技股份有限公司", "海信集团有限公司",
             "海信集团控股有限公司", "歌尔股份有限公司", "科大讯飞股份有限公司", None]
MAJORS = ["计算机科学与技术", "软件工程", "人工智能", "电子信息", None]
CITIES = ["3702", "3701", "1101", "3101", "4403", None]


def generated(seed: int, persons: int = 700) -> pd.DataFrame:
    """Records of persons seen 1–3 times, with the variations that reach every level: the same
    name in pinyin only or misspelt, a birth month or year off, schools and employers that are
    close but not equal, values missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(persons):
        (s_zh, s_py), (g_zh, g_py) = SURNAMES[rng.integers(5)], GIVEN[rng.integers(8)]
        year = int(rng.integers(1975, 2000))
        month = int(rng.integers(1, 13))
        phone = f"13{rng.integers(10**8, 10**9)}"
        school, employer = rng.integers(len(SCHOOLS)), rng.integers(len(EMPLOYERS))
        for _ in range(int(rng.integers(1, 4))):
            py = s_py + g_py
            if rng.random() < 0.15:  # a misspelling: close in Jaro-Winkler, not equal
                k = int(rng.integers(1, len(py)))
                py = py[:k] + "x" + py[k + 1:]
            y = year + int(rng.choice([0, 0, 0, 1, -2]))
            rows.append({
                "name_zh": None if rng.random() < 0.2 else s_zh + g_zh,
                "name_py": None if rng.random() < 0.03 else py,
                "phone": None if rng.random() < 0.4 else phone,
                "email": None if rng.random() < 0.6 else f"p{p}@example.com",
                "birth_year": None if rng.random() < 0.1 else y,
                "birth_month": None if rng.random() < 0.3 else f"{y}-{month:02d}",
                "school": None if rng.random() < 0.2 else SCHOOLS[
                    (school + int(rng.random() < 0.2)) % len(SCHOOLS)],
                "major": MAJORS[rng.integers(len(MAJORS))],
                "employer": EMPLOYERS[(employer + int(rng.random() < 0.3)) % len(EMPLOYERS)],
                "city": CITIES[rng.integers(len(CITIES))],
            })
    df = pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)
    df.insert(0, "unique_id", [f"T{k:08d}" for k in range(len(df))])
    df.insert(4, "phone_tail", df["phone"].str[-4:])
    df["birth_year"] = pd.array(df["birth_year"], dtype="Int64")
    return df.astype({c: object for c in df.columns if c != "birth_year"})


def linker_for(recs: pd.DataFrame, prior: float, train: bool, max_pairs: float = 2e5):
    from splink import Linker, SettingsCreator
    from splink.internals.duckdb.database_api import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.WARNING)
    settings = SettingsCreator(
        link_type="dedupe_only", comparisons=linkage.COMPARISONS,
        blocking_rules_to_generate_predictions=list(linkage.BLOCKING),
        probability_two_random_records_match=prior,
        retain_matching_columns=True, retain_intermediate_calculation_columns=True)
    mem = duckdb.connect()
    linker = Linker(DuckDBAPI(connection=mem).register(recs), settings, log_level="WARNING")
    if train:
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=1)
    return linker, mem


def splink_predictions(linker, recs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    pred = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    pos = pd.Series(np.arange(len(recs)), index=recs["unique_id"])
    a, b = pos[pred["unique_id_l"]].to_numpy(), pos[pred["unique_id_r"]].to_numpy()
    return pd.DataFrame({
        "i": np.minimum(a, b), "j": np.maximum(a, b),
        "match_probability": pred["match_probability"].to_numpy(),
        **{f"gamma_{c}": pred[f"gamma_{c}"].to_numpy(dtype=np.int64) for c in linkage.COMPARED},
    }).sort_values(["i", "j"]).reset_index(drop=True)


def own_predictions(linker, mem, recs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    mem.register("_in", recs.assign(pos=np.arange(len(recs))))
    mem.execute("CREATE OR REPLACE TABLE recs AS SELECT * FROM _in")
    got = linkage_score.score(mem, "recs", linkage_score.model_of(linker, linkage.BLOCKING),
                              threshold)
    return got.astype({"i": np.int64, "j": np.int64,
                       **{f"gamma_{c}": np.int64 for c in linkage.COMPARED}})


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("train", [False, True], ids=["priors", "u trained"])
def test_the_same_predictions_as_splink(seed, train):
    recs = generated(seed)
    linker, mem = linker_for(recs, 2e-4, train)
    for threshold in (0.0, 0.01, linkage.REVIEW_THRESHOLD, linkage.LINK_THRESHOLD):
        want = splink_predictions(linker, recs, threshold)
        got = own_predictions(linker, mem, recs, threshold)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        if threshold == linkage.REVIEW_THRESHOLD:  # the data reaches what the bound skips
            levels = {c.name: c for c in linkage_score.model_of(
                linker, linkage.BLOCKING).comparisons}
            costly = [want[f"gamma_{n}"].isin([lv.gamma for lv in c.levels[len(c.cheap_levels):]
                                               if not lv.is_else])
                      for n, c in levels.items() if c.costly]
            assert sum(int(m.sum()) for m in costly) > 0, "no pair at a costly level"
    mem.close()


def test_pairs_decided_by_a_costly_level_are_kept():
    """Two records whose cheap levels alone fall short of the threshold, and whose close school
    and employer (Jaro-Winkler, not equal) lift them over it."""
    base = {"name_zh": None, "name_py": "zhangwei", "phone": None, "phone_tail": None,
            "email": None, "birth_year": 1990, "birth_month": None, "major": None, "city": None}
    recs = pd.DataFrame([
        {"unique_id": "T1", **base, "school": "中国石油大学(华东)", "employer": "青岛海尔科技有限公司"},
        {"unique_id": "T2", **base, "school": "中国石油大学(北京)",
         "employer": "青岛海尔科技股份有限公司"},
    ])
    recs["birth_year"] = pd.array(recs["birth_year"], dtype="Int64")
    linker, mem = linker_for(recs, 1e-5, train=False)
    model = linkage_score.model_of(linker, linkage.BLOCKING)
    want = splink_predictions(linker, recs, 0.5)
    assert len(want) == 1 and want.loc[0, "gamma_school"] == 1 \
        and want.loc[0, "gamma_employer"] == 1  # both at the Jaro-Winkler level
    cheap_only = sum(lv.weight for c in model.comparisons for lv in c.levels
                     if lv.gamma == want.loc[0, f"gamma_{c.name}"] and lv in c.cheap_levels)
    assert cheap_only + prob_to_match_weight(model.prior) < 0  # short without them
    pd.testing.assert_frame_equal(own_predictions(linker, mem, recs, 0.5), want,
                                  check_exact=True)


def test_a_costly_level_is_recognised():
    model = linkage_score.model_of(linker_for(generated(1, 5), 1e-3, False)[0], linkage.BLOCKING)
    costly = {c.name for c in model.comparisons if c.costly}
    assert costly == {"name", "school", "employer"}
    name = next(c for c in model.comparisons if c.name == "name")
    assert [lv.gamma for lv in name.cheap_levels] == [-1, 3, 2]


@pytest.mark.parametrize("train", [False, True], ids=["priors", "u trained"])
def test_model_pairs_are_splinks_predictions(monkeypatch, train):
    """The linkage's own path (the records as a DuckDB table, u estimated there) gives what
    splink's predict gives on the same records as a DataFrame: pairs, probabilities, levels."""
    recs = generated(4)
    monkeypatch.setattr(linkage, "ESTIMATE_U_FROM", 100 if train else 10**9)
    prior = linkage.MATCHES_PER_RECORD / max(len(recs) - 1, linkage.POPULATION)
    linker, mem = linker_for(recs, prior, train, max_pairs=2e6)
    want = splink_predictions(linker, recs, linkage.REVIEW_THRESHOLD)
    with duckdb.connect() as own:
        got = linkage.model_pairs(recs, own, linkage.REVIEW_THRESHOLD)
    assert len(want) > 50
    np.testing.assert_array_equal(got[["i", "j"]].to_numpy(), want[["i", "j"]].to_numpy())
    np.testing.assert_array_equal(got["probability"].to_numpy(),
                                  want["match_probability"].to_numpy())
    for comp in linkage.COMPARISONS:
        name, labels = comp["output_column_name"], [lv["label_for_charts"]
                                                    for lv in comp["comparison_levels"]]
        expected = [labels[0] if g < 0 else labels[len(labels) - 1 - g]
                    for g in want[f"gamma_{name}"]]
        assert got[name].tolist() == expected, name
    mem.close()
