"""The ETL command line: exit codes and exact messages are part of the contract."""

from __future__ import annotations

import json

import pytest

from etl.__main__ import main
from etl.mapping import MappingError, infer_kind, map_columns, resolve_mapping
from tests import fixtures


def test_missing_required_column_message(tmp_path, capsys):
    path = fixtures.write_csv(tmp_path / "e.csv", ["企业名称", "地址"], [["甲", "青岛"]])
    code = main(["--db", str(tmp_path / "w.duckdb"), "load", str(path), "--kind", "enterprise"])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"错误: {path}: 缺少必需列 统一社会信用代码 (企业数据); "
                       "找到的列: 企业名称、地址; 可用 --mapping 指定列名映射")


def test_user_mapping_file_maps_unknown_headers(tmp_path, capsys):
    path = fixtures.write_csv(tmp_path / "e.csv", ["USCC_NO", "CORP", "ADDR"],
                              [["91370212MA3C000101", "甲公司", "青岛市崂山区"]])
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"USCC_NO": "credit_code", "CORP": "name",
                                   "ADDR": "address"}), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "load", str(path), "--mapping", str(mapping)]) == 0
    assert "1 个文件: 载入 1 行, 隔离 0 行, 失败 0 个文件" in capsys.readouterr().out


def test_status_and_quarantine_export(tmp_path, capsys, loaded_db):
    assert main(["--db", str(loaded_db), "status"]) == 0
    out = capsys.readouterr().out
    assert "talent                            5" in out  # R0004 loads, 工作年限 warned
    assert "校验位错误" in out
    target = tmp_path / "q.csv"
    assert main(["--db", str(loaded_db), "quarantine", "--batch", "1", "--export",
                 str(target)]) == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text correctly
    assert data.decode("utf-8-sig").count("enterprises.csv") == 3


def test_status_without_a_warehouse(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.duckdb"), "status"]) == 1
    assert "尚未发布数据库" in capsys.readouterr().err


@pytest.mark.parametrize(("headers", "kind"), [
    (fixtures.ENTERPRISE_HEADER, "enterprise"),
    (fixtures.TALENT_HEADER, "talent"),
    (list(fixtures.POSTINGS[0]), "posting"),
    (fixtures.MOVES_HEADER, "move"),
    (fixtures.POPULATION_HEADER, "indicator"),
    (["公司名称", "统一社会信用代码", "企业地址"], "enterprise"),
    (["Company Name", "credit_code", "Address"], "enterprise"),
    (["foo", "bar"], None),
])
def test_kind_is_inferred_from_headers(headers, kind):
    assert infer_kind(headers) == kind


def test_synonyms_and_full_width_headers():
    mapped = map_columns(["单位名称", "信用代码", "所在地", "成立时间", "注册资本（万元）"], "enterprise")
    assert mapped == {"单位名称": "name", "信用代码": "credit_code", "所在地": "address",
                      "成立时间": "founded_on", "注册资本（万元）": "registered_capital_wan"}


def test_resolve_mapping_without_kind_lists_columns():
    with pytest.raises(MappingError) as err:
        resolve_mapping(["x", "y"], None, "f.csv")
    assert str(err.value).startswith("f.csv: 无法从列名判断数据类型; 找到的列: x、y; ")
