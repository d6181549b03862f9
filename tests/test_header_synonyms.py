"""The header vocabulary is data (data/header_synonyms.csv): every row names a field of its kind,
no header names two fields of one kind, the real exports' headers map where they should, and
docs/loading-data.md shows exactly the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from etl import mapping
from etl.mapping import (
    FIELDS,
    KINDS,
    SOURCES,
    SYNONYMS_CSV,
    MappingError,
    _norm,
    infer_kind,
    map_columns,
    resolve_mapping,
    synonyms_markdown,
    unmapped_columns,
)
from tests import fixtures

ROOT = Path(__file__).resolve().parent.parent


def csv_rows() -> list[dict[str, str]]:
    with open(SYNONYMS_CSV, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_every_synonym_maps_to_an_existing_field_of_its_kind():
    rows = csv_rows()
    assert list(rows[0]) == ["kind", "field", "header", "source"]
    assert len(rows) > 250
    for r in rows:
        assert r["kind"] in KINDS, r
        assert r["field"] in {f.name for f in FIELDS[r["kind"]]}, r
        assert r["header"].strip() == r["header"] and r["header"], r
        assert r["source"] and set(r["source"].split("、")) <= set(SOURCES), r


def test_no_header_maps_to_two_fields_of_one_kind():
    seen: dict[tuple[str, str], str] = {}
    for r in csv_rows():
        key = (r["kind"], _norm(r["header"]))
        assert seen.setdefault(key, r["field"]) == r["field"], (r, seen[key])
    # ... also counting the labels, which are headers too
    for kind, fields in FIELDS.items():
        field_of: dict[str, str] = {}
        for f in fields:
            for s in f.synonyms:
                assert field_of.setdefault(_norm(s), f.name) == f.name, (kind, s)


def test_every_field_has_its_label_and_the_csv_headers_in_csv_order():
    rows = csv_rows()
    for kind, fields in FIELDS.items():
        for f in fields:
            from_csv = [r["header"] for r in rows if (r["kind"], r["field"]) == (kind, f.name)]
            assert from_csv, (kind, f.name)
            assert f.synonyms == tuple(dict.fromkeys([f.label, *from_csv]))


@pytest.mark.parametrize("kind, header, field", [
    ("talent", "出生年月", "birth_year"),
    ("talent", "期望工作城市", "expected_region"),
    ("talent", "期望城市", "expected_region"),
    ("talent", "当前单位", "employer_name"),
    ("talent", "现工作单位", "employer_name"),
    ("talent", "现单位", "employer_name"),
    ("talent", "是否海外归国", "is_returnee"),
    ("talent", "是否留学回国", "is_returnee"),
    ("talent", "海归", "is_returnee"),
    ("talent", "手机号码", "phone"),
    ("talent", "联系电话", "phone"),
    ("talent", "手机", "phone"),
    ("talent", "现居住地", "region"),
    ("talent", "现居地", "region"),
    ("talent", "毕业院校", "university"),
    ("talent", "最高学历", "education"),
    ("talent", "专业", "major"),
    ("talent", "职称", "title"),
    ("talent", "工作年限", "years_experience"),
    ("enterprise", "统一社会信用代码", "credit_code"),
    ("enterprise", "企业名称", "name"),
    ("enterprise", "公司名称", "name"),
    ("enterprise", "成立日期", "founded_on"),
    ("enterprise", "注册地址", "address"),
    ("enterprise", "企业地址", "address"),
    ("enterprise", "注册资本", "registered_capital_wan"),
    ("enterprise", "注册资本(万元)", "registered_capital_wan"),
    ("enterprise", "参保人数", "employees"),
    ("enterprise", "经营范围", "business_scope"),
    ("posting", "职位名称", "title"),
    ("posting", "薪资", "salary"),
    ("posting", "薪资范围", "salary"),
    ("posting", "工作城市", "region"),
    ("posting", "工作地点", "region"),
    ("posting", "学历要求", "education_req"),
    ("posting", "经验要求", "experience_req"),
    ("posting", "发布时间", "posted_on"),
    ("posting", "公司名称", "company_name"),
    ("enterprise", "登记状态", "reg_status"),
    ("enterprise", "经营状态", "reg_status"),
])
def test_real_headers_map_to_their_fields(kind, header, field):
    assert map_columns([header], kind) == {header: field}


@pytest.mark.parametrize("kind, header", [
    ("talent", "序号"), ("talent", "性别"), ("enterprise", "序号"), ("enterprise", "法定代表人"),
    ("enterprise", "所属行业"), ("enterprise", "企业规模"),
    ("enterprise", "实缴资本"), ("posting", "职位链接"),
])
def test_headers_no_field_needs_stay_unmapped(kind, header):
    assert map_columns([header], kind) == {}


def test_of_two_headers_for_one_field_the_preferred_wins_wherever_it_stands():
    for headers in (["人员规模", "参保人数"], ["参保人数", "人员规模"]):
        cols = map_columns(["统一社会信用代码", "企业名称", "注册地址", *headers], "enterprise")
        assert cols["参保人数"] == "employees" and "人员规模" not in cols
        assert unmapped_columns(headers, cols) == ["人员规模"]
    cols = map_columns(["联系电话", "手机号码", "姓名"], "talent")
    assert cols == {"手机号码": "phone", "姓名": "name"}
    # the user mapping still wins over any synonym
    cols = map_columns(["人员规模", "参保人数"], "enterprise", {"人员规模": "employees"})
    assert cols == {"人员规模": "employees"}


def test_the_kinds_of_real_exports_are_inferred():
    assert infer_kind(fixtures.QICHACHA_HEADER) == "enterprise"
    assert infer_kind(fixtures.TIANYANCHA_HEADER) == "enterprise"
    assert infer_kind(fixtures.HR_HEADER) == "talent"
    assert infer_kind(fixtures.LIEPIN_HEADER) == "posting"


def test_a_talent_file_needs_an_id_or_the_columns_of_a_derived_key():
    assert resolve_mapping(["序号", "姓名", "手机号码", "现居住地"], "talent", "a.xlsx")[0] == "talent"
    assert resolve_mapping(["姓名", "出生年月", "毕业院校", "现居住地"], "talent", "b.xlsx")[0] == "talent"
    with pytest.raises(MappingError) as err:
        resolve_mapping(["序号", "姓名", "出生年月", "现居住地"], "talent", "c.xlsx")
    assert str(err.value) == (
        "c.xlsx: 缺少必需列 人才编号 (或 姓名+手机, 或 姓名+出生年份+毕业院校) (人才数据); "
        "找到的列: 序号、姓名、出生年月、现居住地; 可用 --mapping 指定列名映射")
    with pytest.raises(MappingError, match="缺少必需列 人才编号 \\(或"):
        resolve_mapping(["序号", "手机", "现居住地"], "talent", "d.csv")  # a phone is nobody
    with pytest.raises(MappingError, match="缺少必需列 人才编号 \\(人才流动数据\\)"):
        resolve_mapping(["姓名", "手机", "原所在地", "现所在地", "流动日期"], "move", "e.csv")


def test_the_docs_show_exactly_the_csv():
    text = (ROOT / "docs" / "loading-data.md").read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"### {kind} · {mapping.KIND_ZH[kind]}\n\n{synonyms_markdown(kind)}\n" in text, (
            f"docs/loading-data.md is out of step with data/header_synonyms.csv ({kind}); "
            "regenerate its table with etl.mapping.synonyms_markdown")
