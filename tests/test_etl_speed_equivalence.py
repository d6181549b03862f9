"""The faster ETL paths (issue 18) give exactly what the per-value code before them gave.

Each test holds the earlier, plain implementation as the reference and compares the new one
with it on varied input: Han and Latin names, traditional characters, full-width and Unicode
digits, spaces, control characters, missing values."""

from __future__ import annotations

import re
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import linkage_keys as lk
from etl import transform as T
from etl.normalize import credit_code as cc
from etl.normalize import text
from etl.transform_talent import _norm_phone

SETTINGS = settings(max_examples=200, deadline=None)
NOISE = " \t\u3000\u00a0-()（）.·•\x1f\u200b"
HAN = "张王李趙劉陳吕呂綠绿楊杨臺台灣湾國国學学大東东华華科技有限公司北京青岛崂山區区"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZüÜéÉ"
DIGITS = "0123456789０１２３４５６７８９٣٤"  # ASCII, full-width, Arabic-Indic
texts = st.text(alphabet=HAN + LATIN + DIGITS + NOISE + "+@_'", max_size=24)
maybe = st.one_of(st.none(), texts)


# -- references: the code as it was ----------------------------------------------------------
def old_norm_phone(value):
    if value is None:
        return None
    runs = re.findall(r"\d{5,}", re.sub(r"[\s\-()（）.]", "", value))
    if not runs:
        return None
    digits = runs[0]
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11 \
                and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


def old_name_keys(names: pd.Series) -> pd.DataFrame:
    uniq = [v for v in pd.unique(names.dropna()) if isinstance(v, str)]
    han = [v for v in uniq if lk._HAN.search(v)]
    simplified = dict(zip(han, lk._converter().convert("\n".join(
        lk._SPACE_DOT.sub("", v) for v in han)).split("\n"), strict=True)) if han else {}
    zh, py = {}, {}
    for v in uniq:
        if v in simplified:
            s = simplified[v]
            zh[v] = s or None
            py[v] = "".join(lk._char_pinyin(c) if lk._HAN.match(c) else c.lower() for c in s
                            if lk._HAN.match(c) or c.isalpha()) or None
        else:
            tokens = lk.latin_tokens(v)
            surnames = lk._surname_keys()
            if len(tokens) >= 2 and tokens[-1] in surnames and tokens[0] not in surnames:
                tokens = [tokens[-1], *tokens[:-1]]
            py[v] = "".join(tokens) or None
    return pd.DataFrame({"name_zh": names.map(zh), "name_py": names.map(py)},
                        index=names.index).astype(object).where(lambda d: d.notna(), None)


def old_text_key(col: pd.Series) -> pd.Series:
    table = {}
    uniq = [v for v in pd.unique(col.dropna()) if isinstance(v, str)]
    if uniq:
        conv = lk._converter().convert("\n".join(re.sub(r"\s+", "", v) for v in uniq)).split("\n")
        table = {v: (c.lower() or None) for v, c in zip(uniq, conv, strict=True)}
    return col.map(table).astype(object).where(col.notna(), None)


def none_for_nan(values) -> list:
    return [None if v is None or (isinstance(v, float) and v != v) else v for v in values]


# -- the tests -----------------------------------------------------------------------------------
@SETTINGS
@given(st.lists(maybe, max_size=30))
def test_clean_series_of_an_arrow_column_is_clean_series_of_objects(values):
    objects = pd.Series(values, dtype=object)
    arrow = pd.Series(values, dtype="str")
    assert text.arrow_strings(arrow) is not None
    got = text.clean_series(arrow)
    assert got.dtype == object
    assert got.tolist() == text.clean_series(objects).tolist() == [text.clean(v) for v in values]



@SETTINGS
@given(st.lists(maybe, min_size=1, max_size=30), st.integers(0, 2**32 - 1))
def test_clean_series_of_few_distinct_values_goes_through_the_dictionary(values, seed):
    """A long column of few distinct values is cleaned through its Arrow dictionary: same
    cells as clean() one by one, missing (None, NaN, blank) as None."""
    picks = np.random.default_rng(seed).integers(0, len(values), 9000)
    cells = [values[i] for i in picks]
    arrow = pd.Series(cells, dtype="str", index=range(3, 9003))
    assert text._few_distinct(text.arrow_strings(arrow))  # the dictionary path is the one tested
    got = text.clean_series(arrow)
    assert got.dtype == object and got.index.equals(arrow.index)
    table = {v: text.clean(v) for v in set(none_for_nan(values))}
    assert got.tolist() == [table[v] for v in none_for_nan(cells)]


def test_a_column_of_many_distinct_values_is_cleaned_value_by_value():
    cells = [f"臺{i}\u3000" if i % 3 else f"id{i}" for i in range(9000)]
    arrow = pd.Series(cells, dtype="str")
    assert not text._few_distinct(text.arrow_strings(arrow))
    assert text.clean_series(arrow).tolist() == [text.clean(v) for v in cells]


def _codes():
    body = st.text(alphabet=cc.CHARSET, min_size=17, max_size=17)
    valid = body.map(cc.make_credit_code)
    any18 = st.text(alphabet=string.ascii_uppercase + string.digits, min_size=18, max_size=18)
    messy = st.builds(lambda c, sep, low: (c.lower() if low else c)[:6] + sep + c[6:],
                      valid, st.sampled_from(["", " ", "-", "\u3000"]), st.booleans())
    return st.one_of(st.none(), valid, any18, messy, texts,
                     st.sampled_from(["９１３７０２００MA3C1234５X", 12345, "I" * 18, ""]))


@SETTINGS
@given(st.lists(_codes(), max_size=30))
def test_credit_codes_at_once_are_the_per_value_check(values):
    got = cc.check_credit_code_series(pd.Series(values, dtype=object))
    want = [cc.check_credit_code(v) for v in values]
    assert none_for_nan(got["credit_code"]) == [c for c, _ in want]
    assert none_for_nan(got["credit_code_error"]) == [r for _, r in want]


REGIONS = ["青岛市崂山区", "山东省青岛市", "北京", "Beijing", "上海市浦东新区", "不限", "海外",
           "火星", "370212", "", "广东 深圳", "臺北市", "一线城市"]


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.sampled_from(REGIONS), texts), max_size=20),
       st.lists(st.one_of(st.none(), st.sampled_from(REGIONS)), max_size=20))
def test_regions_resolved_once_per_value_are_resolve_per_value(first, second):
    from maps.resolver import default_resolver

    resolver = default_resolver()
    for values in (first, second, first):  # the memo carries values across calls (chunks)
        col = text.clean_series(pd.Series(values, dtype=object))
        want = [resolver.resolve(v) for v in col]
        pd.testing.assert_frame_equal(resolver.resolve_series(col), pd.DataFrame({
            "adcode": pd.Series([r.adcode for r in want], dtype=object).astype("string"),
            "region_error": pd.Series([r.reason for r in want], dtype=object).astype("string"),
        }, index=col.index))


@SETTINGS
@given(st.lists(st.one_of(texts, st.integers()), max_size=20), texts, texts)
def test_pseudonym_list_is_pseudonym_of_each(ids, key, source):
    key = key or "k"
    assert T.pseudonym_list(key, source, ids) == [T.pseudonym(key, source, v) for v in ids]


@SETTINGS
@given(st.lists(st.one_of(texts, st.sampled_from(
    ["+86 138-0000-0001", "0086 13800000001", "8613800000001", "13800000001", "12345",
     "1234", "１３８００００００01", "٣٤٥٦٧٨", "0532-88886666", "86139000000012"])), max_size=30))
def test_phone_fast_path_is_the_regex(values):
    assert [_norm_phone(v) for v in values] == [old_norm_phone(v) for v in values]


NAMES = ["张 三", "Zhang San", "San ZHANG", "張三", "Lü Wei", "吕伟", "LV Wei", "Wang", "王·小明",
         "李 a 明", "O'Neil Li", "", "  ", "123", "Ŀi", "İlker Zhang"]


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.sampled_from(NAMES), texts), max_size=30))
def test_name_keys_per_character_are_the_per_name_keys(values):
    names = pd.Series(values, dtype=object, index=range(7, 7 + len(values)))
    got, want = lk.name_keys(names), old_name_keys(names)
    assert got.index.equals(want.index)
    for c in ("name_zh", "name_py"):
        assert none_for_nan(got[c]) == none_for_nan(want[c])


@SETTINGS
@given(st.lists(maybe, max_size=30))
def test_text_key_is_the_per_value_key(values):
    col = pd.Series(values, dtype=object)
    assert none_for_nan(lk.text_key(col)) == none_for_nan(old_text_key(col))
    arrow = pd.Series(values, dtype="str")
    assert none_for_nan(lk.text_key(arrow)) == none_for_nan(old_text_key(arrow.astype(object)))


@pytest.mark.parametrize("dtype", [object, "str"])
def test_per_value_spreads_over_rows_with_none_for_missing(dtype):
    col = pd.Series(["b", None, "a", "b"], dtype=dtype)
    assert lk.per_value(col, lambda v: v * 2).tolist() == ["bb", None, "aa", "bb"]


def old_unique(rows, name, keys, row_numbers):
    earlier = rows.seen.first_rows(name, keys)
    within = keys.notna() & keys.duplicated(keep="first")
    first = earlier.where(earlier.notna(), row_numbers.groupby(keys).transform("min"))
    dup = keys.notna() & (earlier.notna() | within)
    if dup.any():
        rows.fail(name, pd.Series(
            [f"文件内重复 (与第 {int(n)} 行相同)" for n in first[dup]], index=keys[dup].index))
    new = keys.notna() & earlier.isna() & ~within
    rows.seen.add(name, keys[new], row_numbers[new])


@SETTINGS
@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from("abcdef")), max_size=12),
                min_size=1, max_size=3))
def test_duplicate_keys_name_the_same_first_rows(chunks):
    new_seen, old_seen = T.SeenKeys(), T.SeenKeys()
    line = 2
    for chunk in chunks:
        index = range(100 + line, 100 + line + len(chunk))
        keys = pd.Series(chunk, index=index, dtype=object)
        numbers = pd.Series(range(line, line + len(chunk)), index=index, dtype="int64")
        line += len(chunk)
        new = T.Rows(pd.DataFrame({"source_id": keys}), "talent", new_seen)
        old = T.Rows(pd.DataFrame({"source_id": keys}), "talent", old_seen)
        new.unique("source_id", keys, numbers)
        old_unique(old, "source_id", keys, numbers)
        pd.testing.assert_frame_equal(new.errors(), old.errors())


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.sampled_from(["A", "b", " c ", "A类", "领军人才", "X", ""])),
                max_size=20))
def test_tiers_per_distinct_value_are_parse_tier_of_each(values):
    from reference.taxonomy import parse_tier

    col = text.clean_series(pd.Series(values, dtype=object))
    tiers, codes = text.map_unique(col, parse_tier)
    assert text.take_column(tiers, codes, "object").tolist() == col.map(parse_tier).tolist()


def _node_by_python(skills_text, parts, explicit, clf):
    """The chain node one row gets, computed the slow way: every text of the row (each skill,
    each part) scored on its own, scores summed per node, the best (ties: earlier node)."""
    from etl.normalize.skills import split_skills

    if clf.node_of_name(explicit):
        return clf.node_of_name(explicit)
    total: dict[str, float] = {}
    for t in [*split_skills(skills_text), *(p for p in parts if p)]:
        for node, score in clf.scores(t).items():
            total[node] = total.get(node, 0.0) + score
    if not total:
        return None
    return max(total, key=lambda n: total[n] * 1000 - clf.sequence[n])


WORDS = ["GPU", "大模型", "Python", "数据标注", "传感器", "MEMS", "云计算", "沟通协调", "", None,
         "C/C++", "智能制造, 工业互联网", "ETL", "NLP、语音识别", "深度学习;PyTorch"]


@pytest.mark.parametrize("batch", [7, 1_000_000])
def test_skills_and_node_in_arrow_batches_are_the_row_by_row_result(monkeypatch, batch):
    from reference.taxonomy import default_classifier

    rng = np.random.default_rng(5)
    n = 400

    def pick(k):
        return [",".join(w for w in rng.choice(WORDS[:-1], k) if w) or None for _ in range(n)]

    df = pd.DataFrame({"skills": pick(4), "title": pick(1), "major": pick(1),
                       "node": rng.choice(["", "F01", "AI芯片", "nonsense", None], n)},
                      index=range(10, 10 + n))
    monkeypatch.setattr(T, "SCAN_BATCH_ROWS", batch)
    joined, node = T._skills_and_node(T.Rows(df, "talent"), "title", "major")
    clf = default_classifier()
    want = [_node_by_python(s, (t, m), e, clf) for s, t, m, e in
            zip(df["skills"], df["title"], df["major"], df["node"], strict=True)]
    assert node.index.equals(df.index)
    assert node.tolist() == want
    assert sum(w is not None for w in want) > n // 2
    from etl.normalize.skills import split_skills
    assert joined.tolist() == [T.SKILL_SEP.join(split_skills(s)) or None for s in df["skills"]]
