"""The user's column-mapping file (``--mapping``): checked when read and again per file, its
entries win over the synonyms, and what maps to nothing is listed, never dropped silently."""

from __future__ import annotations

import json

import duckdb
import pytest

from etl.__main__ import main
from etl.load import load_files
from etl.mapping import (
    MappingError,
    UserMapping,
    absent_mapping_sources,
    infer_kind,
    load_user_mapping,
    map_columns,
    resolve_mapping,
    unmapped_columns,
)
from tests import fixtures

FIRM = [["91370212MA3C000101", "甲公司", "青岛市崂山区"]]


def write_json(tmp_path, data, name="m.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
                    encoding="utf-8")
    return path


def write_text(tmp_path, text, name="m.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path) -> str:
    with pytest.raises(MappingError) as err:
        load_user_mapping(path)
    return str(err.value)


# -- reading a valid file ---------------------------------------------------------------------
def test_a_valid_json_mapping_is_read_as_is(tmp_path):
    path = write_json(tmp_path, {"USCC_NO": "credit_code", " CORP ": "name", "ADDR": "address"})
    user = load_user_mapping(path)
    assert user == {"USCC_NO": "credit_code", "CORP": "name", "ADDR": "address"}
    assert isinstance(user, UserMapping) and user.path == str(path)


@pytest.mark.parametrize("text", [
    "source,target\nUSCC_NO,credit_code\nCORP,name\n",
    "原列名,字段名\nUSCC_NO,credit_code\nCORP,name\n",
    "USCC_NO,credit_code\nCORP,name\n",  # no header row: the first line is a mapping too
    "\ufeffsource,target\r\nUSCC_NO,credit_code\r\n\r\nCORP,name,备注\r\n",  # BOM, CRLF, extras
])
def test_csv_mapping_with_or_without_a_header(tmp_path, text):
    assert load_user_mapping(write_text(tmp_path, text)) == {"USCC_NO": "credit_code",
                                                            "CORP": "name"}


def test_the_same_entry_twice_is_harmless(tmp_path):
    path = write_text(tmp_path, "source,target\nCORP,name\nCORP,name\n")
    assert load_user_mapping(path) == {"CORP": "name"}


# -- what is wrong is said, with the file, the column and the closest names ------------------
def test_unknown_target_names_file_column_target_and_closest_fields(tmp_path):
    path = write_json(tmp_path, {"USCC_NO": "credit_cod", "ADDR": "adress"})
    assert error_of(path) == (
        f"{path}: 映射文件有误: 列 USCC_NO 映射到未知字段 credit_cod; "
        "最接近的字段: credit_code、employer_credit_code; "
        "列 ADDR 映射到未知字段 adress; 最接近的字段: address")


def test_a_header_word_as_target_suggests_its_field(tmp_path):
    path = write_json(tmp_path, {"X": "统一社会信用代码"})
    assert error_of(path) == (f"{path}: 映射文件有误: 列 X 映射到未知字段 统一社会信用代码; "
                              "最接近的字段: credit_code")


def test_unknown_target_without_a_close_name(tmp_path):
    path = write_json(tmp_path, {"X": "zzz"})
    assert error_of(path) == (f"{path}: 映射文件有误: 列 X 映射到未知字段 zzz; "
                              "没有相近的字段名 (字段名见 docs/loading-data.md)")


def test_an_unknown_csv_header_is_not_skipped_silently(tmp_path):
    path = write_text(tmp_path, "列名,映射\nCORP,name\n")
    assert error_of(path) == (f"{path}: 映射文件有误: 列 列名 映射到未知字段 映射; "
                              "没有相近的字段名 (字段名见 docs/loading-data.md)")


def test_two_columns_to_one_field_is_a_collision(tmp_path):
    path = write_text(tmp_path, "source,target\nCORP,name\nFIRM,name\nADDR,address\n")
    assert error_of(path) == f"{path}: 映射文件有误: 列 CORP 与列 FIRM 都映射到字段 name"


def test_one_column_to_two_fields(tmp_path):
    path = write_json(tmp_path, '{"CORP": "name", "CORP": "title"}')
    assert error_of(path) == f"{path}: 映射文件有误: 列 CORP 出现两次, 却分别映射到 name 和 title"
    path = write_json(tmp_path, {"Corp Name": "name", "corp_name": "title"})
    assert error_of(path) == (f"{path}: 映射文件有误: 列 Corp Name 与列 corp_name 是同一列, "
                              "却分别映射到 name 和 title")


def test_blank_cells_and_every_problem_in_one_message(tmp_path):
    path = write_text(tmp_path, "source,target\nCORP,\n,name\nA,title\nB,title\nC,nmae\n")
    assert error_of(path) == (
        f"{path}: 映射文件有误: 第 2 行: 原列名和字段名都不能为空 (原列名 CORP, 字段名 (空)); "
        "第 3 行: 原列名和字段名都不能为空 (原列名 (空), 字段名 name); "
        "列 A 与列 B 都映射到字段 title; 列 C 映射到未知字段 nmae; 最接近的字段: name")


@pytest.mark.parametrize(("data", "message"), [
    ('["CORP", "name"]', '映射文件应为 JSON 对象 {"原列名": "字段名"}'),
    ('{"CORP": null}', "列 CORP 的目标应为字段名 (文本), 实际为 null"),
    ('{"CORP": {"a": 1}}', '列 CORP 的目标应为字段名 (文本), 实际为 [["a", 1]]'),
])
def test_json_that_is_not_an_object_of_names(tmp_path, data, message):
    path = write_json(tmp_path, data)
    assert error_of(path) == f"{path}: {message}"


def test_unreadable_file(tmp_path):
    assert error_of(tmp_path / "none.csv").startswith(f"{tmp_path / 'none.csv'}: 无法读取映射文件: ")


# -- applied to a file: checked against its kind; the user's entries win ----------------------
def test_a_field_of_another_kind_is_an_error_for_this_file():
    user = UserMapping({"CORP": "company_name", "编号": "source_id"}, "m.json")
    with pytest.raises(MappingError) as err:
        resolve_mapping(["CORP", "统一社会信用代码", "地址"], "enterprise", "e.csv", user)
    assert str(err.value) == ("e.csv: 映射文件 m.json 不适用于企业数据: 列 CORP 映射到 company_name, "
                              "但企业数据没有这个字段, 最接近的字段: name")


def test_the_kind_check_also_applies_when_the_kind_is_inferred():
    user = {"CORP": "title"}  # a plain dict: no file name to give
    headers = ["CORP", "企业名称", "统一社会信用代码", "地址"]
    with pytest.raises(MappingError) as err:
        resolve_mapping(headers, None, "e.csv", user)
    assert str(err.value) == ("e.csv: 映射文件不适用于企业数据: 列 CORP 映射到 title, "
                              "但企业数据没有这个字段, 没有相近的字段名 (字段名见 docs/loading-data.md)")


def test_entries_for_columns_the_file_lacks_are_not_checked_against_its_kind():
    user = UserMapping({"CORP": "name", "JOB": "posted_on"}, "m.json")
    kind, cols = resolve_mapping(["统一社会信用代码", "CORP", "地址"], None, "e.csv", user)
    assert (kind, cols) == ("enterprise", {"统一社会信用代码": "credit_code", "CORP": "name",
                                           "地址": "address"})


def test_the_user_mapping_wins_over_a_synonym_whatever_the_column_order():
    headers = ["企业名称", "统一社会信用代码", "CORP", "地址", "备注"]
    cols = map_columns(headers, "enterprise", {"corp": "name"})
    assert cols == {"统一社会信用代码": "credit_code", "CORP": "name", "地址": "address"}
    assert list(cols) == ["统一社会信用代码", "CORP", "地址"]  # file order
    assert unmapped_columns(headers, cols) == ["企业名称", "备注"]


def test_a_column_the_user_mapped_to_another_kind_does_not_count_for_this_one():
    headers = ["企业名称", "统一社会信用代码", "地址"]
    user = {"企业名称": "title"}  # the user says: a job title, whatever the synonyms say
    assert map_columns(headers, "enterprise", user) == {"统一社会信用代码": "credit_code",
                                                        "地址": "address"}
    assert infer_kind(headers, user) is None
    assert infer_kind(headers) == "enterprise"


def test_unmapped_columns_lists_unknown_and_duplicate_columns_in_file_order():
    headers = ["备注", "企业名称", "统一社会信用代码", "公司名称", "地址", "未命名列6"]
    kind, cols = resolve_mapping(headers, None, "e.csv")
    assert kind == "enterprise"
    assert unmapped_columns(headers, cols) == ["备注", "公司名称", "未命名列6"]
    assert unmapped_columns(headers, {h: "x" for h in headers}) == []
    assert unmapped_columns([], {}) == []


def test_absent_mapping_sources_lists_entries_matching_no_column():
    user = UserMapping({"USCC_NO": "credit_code", "Corp Name": "name", "ADDR": "address"})
    assert absent_mapping_sources(["uscc_no", "CORP_NAME", "地址"], user) == ["ADDR"]
    assert absent_mapping_sources(["X"], user) == ["USCC_NO", "Corp Name", "ADDR"]
    assert absent_mapping_sources(["X"], None) == []


# -- end to end ---------------------------------------------------------------------------------
def test_a_bad_mapping_file_stops_the_command_before_anything_is_written(tmp_path, capsys):
    data = fixtures.write_csv(tmp_path / "e.csv", ["USCC_NO", "CORP", "ADDR"], FIRM)
    mapping = write_json(tmp_path, {"USCC_NO": "credit_code", "CORP": "nmae", "ADDR": "address"})
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "load", str(data), "--mapping", str(mapping)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"错误: {mapping}: 映射文件有误: 列 CORP 映射到未知字段 nmae; 最接近的字段: name")
    assert not db.exists()


def test_a_file_of_the_wrong_kind_for_the_mapping_fails_alone(tmp_path):
    good = fixtures.write_csv(tmp_path / "e.csv", ["USCC_NO", "CORP", "ADDR"], FIRM)
    wrong = fixtures.write_csv(tmp_path / "p.csv", ["职位名称", "工作地点", "发布日期", "CORP"],
                               [["算法工程师", "青岛市崂山区", "2024-05-01", "甲公司"]])
    mapping = write_json(tmp_path, {"USCC_NO": "credit_code", "CORP": "name", "ADDR": "address"})
    db = tmp_path / "w.duckdb"
    report = load_files([good, wrong], db_path=db, mapping_file=mapping)
    assert [f.status for f in report.files] == ["loaded", "failed"]
    assert report.files[1].message == (
        f"{wrong}: 映射文件 {mapping} 不适用于招聘岗位数据: 列 CORP 映射到 name, "
        "但招聘岗位数据没有这个字段, 最接近的字段: company_name")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT credit_code, name FROM enterprise").fetchall() == [
            ("91370212MA3C000101", "甲公司")]
