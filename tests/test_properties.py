"""Property tests (hypothesis): the normalizers never raise on arbitrary text, and round-trip
where a round trip is defined."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.normalize import credit_code, dates, salary, skills
from etl.normalize.text import clean
from maps.regions import region_index
from maps.resolver import default_resolver

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Arbitrary text, plus text built from the characters these parsers care about.
TEXTY = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-~.kK万千元月年天时薪·/以上下面议 ", max_size=30),
    st.text(alphabet="省市区县自治州盟旗新区青岛崂山北京朝阳鼓楼中山西安", max_size=20),
)
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@FAST
@given(TEXTY)
def test_resolver_never_raises(text):
    res = default_resolver().resolve(text)
    assert (res.adcode is None) == (res.level is None)
    assert res.adcode is None or res.reason is None


@FAST
@given(TEXTY)
def test_salary_never_raises_and_is_ordered(text):
    s = salary.parse_salary(text)
    if s.min_yuan is not None and s.max_yuan is not None:
        assert 0 < s.min_yuan <= s.max_yuan


@FAST
@given(st.one_of(TEXTY, st.integers(), st.floats(allow_nan=True)))
def test_dates_never_raise(value):
    d, reason = dates.parse_date(value)
    assert d is None or 1900 <= d.year <= 2100
    assert d is None or reason is None


@FAST
@given(TEXTY)
def test_credit_code_check_never_raises(text):
    code, reason = credit_code.check_credit_code(text)
    assert (code is None) != (reason is None)


@FAST
@given(st.text(alphabet=CODE_CHARS, min_size=17, max_size=17))
def test_credit_code_round_trip(body):
    code = credit_code.make_credit_code(body)
    assert credit_code.check_credit_code(code) == (code, None)
    wrong = CODE_CHARS[(CODE_CHARS.index(code[-1]) + 1) % len(CODE_CHARS)]
    assert credit_code.check_credit_code(body + wrong) == (None, "校验位错误")


@FAST
@given(st.integers(1, 200), st.integers(0, 200), st.sampled_from([12, 13, 14, 15, 16]))
def test_salary_round_trip(low, extra, months):
    text = f"{low}-{low + extra}K·{months}薪"
    s = salary.parse_salary(text)
    assert (s.min_yuan, s.max_yuan, s.months) == (low * 1000, (low + extra) * 1000, months)


@FAST
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_date_round_trip(d):
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
                 d.strftime("%Y%m%d")):
        assert dates.parse_date(text) == (d, None), text


@FAST
@given(st.lists(st.text(alphabet="abcdefgXYZ机器学习深度视觉+#", min_size=1, max_size=8),
                min_size=1, max_size=6, unique_by=str.casefold))
def test_skills_round_trip(words):
    words = [w for w in (clean(w) for w in words) if w and w.strip("+#")]
    if len({w.casefold() for w in words}) != len(words):
        return
    assert skills.split_skills("、".join(words)) == words


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(region_index().query("level == 'district'")["adcode"])))
def test_resolver_round_trip_on_full_names(code):
    r = default_resolver()
    assert r.resolve(r.full_name(code)).adcode == code
