"""Small files shaped like the real exports (issue 13): a 企查查 enterprise export, a 天眼查
export, an HR workbook without ids, a 猎聘 posting export — the exact values stored, what is
quarantined, what is only warned, and derived talent keys that stay the same across copies."""

from __future__ import annotations

import datetime as dt

import pytest

import settings
from etl.load import load_files
from etl.normalize.capital import fx_rates
from etl.transform import pseudonym
from tests import fixtures

SOURCE = "hr"


q = fixtures.query


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    d = tmp_path_factory.mktemp("exports")
    paths = {
        "qcc": fixtures.write_titled_xlsx(d / "企查查导出.xlsx", fixtures.QICHACHA_TITLE,
                                          fixtures.QICHACHA_HEADER, fixtures.QICHACHA),
        "tyc": fixtures.write_titled_xlsx(d / "天眼查导出.xlsx", fixtures.TIANYANCHA_TITLE,
                                          fixtures.TIANYANCHA_HEADER, fixtures.TIANYANCHA),
        "hr": fixtures.write_titled_xlsx(d / "人才登记表.xlsx", fixtures.HR_TITLE,
                                         fixtures.HR_HEADER, fixtures.HR_WORKERS),
        "liepin": fixtures.write_csv(d / "猎聘职位.csv", fixtures.LIEPIN_HEADER, fixtures.LIEPIN,
                                     "gbk"),
    }
    db = d / "warehouse.duckdb"
    report = load_files(list(paths.values()), db_path=db, source=SOURCE,
                        as_of=dt.date(2024, 12, 31))
    assert report.ok, report.files
    return db, paths, {name: report.files[i] for i, name in enumerate(paths)}


def batch_of(db, path):
    return q(db, "SELECT batch_id FROM load_batch WHERE file = ?", [str(path)])[0][0]


def issues(db, table, path):
    return q(db, f"SELECT row_number, field, reason{', raw' if table == 'field_warning' else ''} "  # noqa: S608
                 f"FROM {table} WHERE batch_id = ? ORDER BY row_number, field",
             [batch_of(db, path)])


def counts(db, path):
    return q(db, "SELECT rows_read, rows_loaded, rows_quarantined, rows_warned FROM load_batch "
                 "WHERE file = ?", [str(path)])[0]


def wan(amount: float, currency: str) -> float:
    return round(amount * fx_rates()[currency] / 10_000, 6)


ENTERPRISE = ("SELECT credit_code, name, adcode, founded_on, registered_capital, capital_currency, "
              "registered_capital_wan, employees FROM enterprise WHERE batch_id = ? ORDER BY 1")


def test_a_qichacha_export_with_title_rows(exports):
    db, paths, files = exports
    f = files["qcc"]
    assert (f.kind, f.status) == ("enterprise", "loaded")
    assert f.unmapped == ["序号", "法定代表人", "实缴资本", "所属行业", "企业规模", "电话"]
    # 登记状态 as written (存续, 在业) is stored as the canonical 存续
    assert q(db, "SELECT DISTINCT reg_status FROM enterprise WHERE batch_id = ?",
             [batch_of(db, paths["qcc"])]) == [("存续",)]
    assert counts(db, paths["qcc"]) == (6, 5, 1, 1)
    assert q(db, ENTERPRISE, [batch_of(db, paths["qcc"])]) == [
        ("91310115MA1K00090C", "上海浦江智能科技有限公司", "310115", dt.date(2017, 9, 9),
         15_000_000.0, "CNY", 1500.0, 60),                            # １，５００万元 (full width)
        ("91370203MA3C000807", "青岛蓝海数据有限公司", "370203", dt.date(2021, 7, 1),
         None, None, None, 12),                                       # 注册资本待定: warned
        ("91370212MA3C000101", "青岛幻境虚拟现实科技有限公司", "370212", dt.date(2015, 3, 2),
         50_000_000.0, "CNY", 5000.0, 320),                           # 5000万元人民币
        ("91370214MA3C000704", "青岛海智机器人有限公司", "370214", dt.date(2019, 6, 18),
         3_000_000.0, "USD", wan(3_000_000, "USD"), None),            # 300万美元; 参保人数 "-"
        ("91440300MA5F000209", "深圳智芯科技有限公司", "440305", dt.date(2018, 5, 1),
         200_000_000.0, "CNY", 20000.0, 80),                          # 2亿元人民币
    ]
    assert wan(3_000_000, "USD") == pytest.approx(2156.52)
    # the title rows are not data: the sheet's own row numbers (header on row 3)
    assert issues(db, "quarantine", paths["qcc"]) == [(8, "统一社会信用代码", "校验位错误")]
    assert issues(db, "field_warning", paths["qcc"]) == [
        (7, "注册资本", "注册资本不是有效数字: 注册资本待定", "注册资本待定")]


def test_a_tianyancha_export_prefers_the_head_count_to_the_band(exports):
    db, paths, files = exports
    f = files["tyc"]
    assert f.unmapped == ["法定代表人", "人员规模"]  # 参保人数 wins, wherever it stands
    assert counts(db, paths["tyc"]) == (5, 5, 0, 0)
    assert q(db, ENTERPRISE, [batch_of(db, paths["tyc"])]) == [
        ("91110108MA0X000308", "北京言语智能有限公司", "110108", dt.date(2020, 1, 1),
         10_000_000.0, "CNY", 1000.0, 150),                           # 1000万人民币
        ("91110108MA0X00120W", "北京樱花算力有限公司", "110108", dt.date(2016, 2, 29),
         500_000.0, "JPY", wan(500_000, "JPY"), 8),                   # 50万日元
        ("91110108MA0X00130X", "北京未名智能有限公司", "110108", None,
         None, None, None, 3),                                        # 暂无 and "-": no warning
        ("91370212MA3C00110N", "青岛东方视觉有限公司", "370212", dt.date(2012, 12, 12),
         1_000_000.0, "HKD", wan(1_000_000, "HKD"), 55),              # 100万港元
        ("91440300MA5F00100W", "深圳港湾智能有限公司", "440305", dt.date(2010, 5, 20),
         5_000_000.0, "EUR", wan(5_000_000, "EUR"), None),            # 500万欧元; 参保人数 "-"
    ]
    assert issues(db, "quarantine", paths["tyc"]) == []
    assert issues(db, "field_warning", paths["tyc"]) == []


def key(*parts: str) -> str:
    return pseudonym(settings.get("pseudonym_key"), SOURCE, "\x1f".join(parts))


ZHANG = key("姓名+手机", "张三", "13800000001")
LI = key("姓名+手机", "李四", "13800000002")                   # 李 四, +86 138-0000-0002
WANG = key("姓名+出生年月+毕业院校", "王五", "1995-07", "北京大学")  # no phone
SUN = key("姓名+手机", "孙八", "13900000008")
TALENT = ("SELECT talent_id, adcode, birth_year, education, years_experience, university, title, "
          "employer_name, expected_adcode, is_returnee FROM talent WHERE batch_id = ? ORDER BY 2")


def test_an_hr_workbook_without_ids_gets_derived_keys(exports):
    db, paths, files = exports
    f = files["hr"]
    assert (f.kind, f.unmapped) == ("talent", ["序号", "性别"])  # 序号 is no identity
    assert counts(db, paths["hr"]) == (6, 4, 2, 1)
    assert q(db, TALENT, [batch_of(db, paths["hr"])]) == [
        (WANG, "110108", 1995, "本科", 0.0, "北京大学", "工程师", None, None, False),
        (SUN, "370202", 1985, None, 12.0, "中国海洋大学", "教授", "中国海洋大学", "370200", None),
        (ZHANG, "370212", 1988, "硕士", 8.0, "山东大学", "高级工程师", "青岛幻境虚拟现实科技有限公司",
         "370200", False),
        (LI, "440305", 1990, "博士", 5.0, "清华大学", "研究员", "深圳智芯科技有限公司", "440300",
         True),
    ]
    assert all(k.startswith("T") and len(k) == 20 for k in (ZHANG, LI, WANG, SUN))
    assert q(db, "SELECT name, phone FROM talent_contact WHERE talent_id = ?", [LI]) == [
        ("李 四", "+86 138-0000-0002")]  # the contact as written; only the key is normalised
    assert issues(db, "quarantine", paths["hr"]) == [
        (6, "人才编号", "无法生成人才编号: 文件没有人才编号列, 本行也没有 姓名+手机 或 姓名+出生年月+毕业院校"),
        (8, "人才编号", "文件内重复 (与第 3 行相同)"),  # 张三 again, phone written 138 0000 0001
    ]
    assert issues(db, "field_warning", paths["hr"]) == [
        (7, "是否海归", "无法识别是/否", "不详"),
        (7, "最高学历", "无法识别学历", "在职研究生课程班"),
    ]


def test_reloading_a_workbook_updates_rather_than_duplicates(exports, tmp_path):
    db0, paths, _ = exports
    db = tmp_path / "w.duckdb"
    db.write_bytes(db0.read_bytes())
    before = q(db, "SELECT count(*) FROM talent")
    assert load_files([paths["hr"]], db_path=db, source=SOURCE).files[0].status == "skipped"
    # The same people in a copy with other bytes (another title): same keys, same count.
    copy = fixtures.write_titled_xlsx(tmp_path / "人才登记表-副本.xlsx", [["另存的副本"]],
                                      fixtures.HR_HEADER, fixtures.HR_WORKERS)
    report = load_files([copy], db_path=db, source=SOURCE, as_of=dt.date(2024, 12, 31))
    assert (report.files[0].status, report.files[0].rows_loaded) == ("loaded", 4)
    assert q(db, "SELECT count(*) FROM talent") == before
    assert q(db, "SELECT sum(rows_replaced) FROM batch_rows WHERE table_name = 'talent' "
                 "AND batch_id = ?", [batch_of(db, paths["hr"])]) == [(4,)]
    # An updated copy: 张三 moved, 李四's phone written another way, 王五 now has a 硕士.
    rows = [list(r) for r in fixtures.HR_WORKERS]
    rows[0][11] = "青岛市市南区"
    rows[1][4] = "13800000002"
    rows[2][6] = "硕士"
    updated = fixtures.write_titled_xlsx(tmp_path / "人才登记表-2025.xlsx", fixtures.HR_TITLE,
                                         fixtures.HR_HEADER, rows)
    report = load_files([updated], db_path=db, source=SOURCE, as_of=dt.date(2024, 12, 31))
    assert report.files[0].rows_loaded == 4
    assert q(db, "SELECT count(*) FROM talent") == before
    got = dict(q(db, "SELECT talent_id, adcode || '/' || coalesce(education, '-') FROM talent "
                     "WHERE talent_id IN (?, ?, ?, ?)", [ZHANG, LI, WANG, SUN]))
    assert got == {ZHANG: "370202/硕士", LI: "440305/博士", WANG: "110108/硕士", SUN: "370202/-"}
    assert q(db, "SELECT phone FROM talent_contact WHERE talent_id = ?", [LI]) == [
        ("13800000002",)]


def test_derived_keys_depend_on_the_source_like_every_pseudonym(exports, tmp_path):
    _, paths, _ = exports
    db = tmp_path / "w.duckdb"
    load_files([paths["hr"]], db_path=db, source="another", as_of=dt.date(2024, 12, 31))
    ids = {r[0] for r in q(db, "SELECT talent_id FROM talent")}
    assert len(ids) == 4 and not ids & {ZHANG, LI, WANG, SUN}
    assert pseudonym(settings.get("pseudonym_key"), "another",
                     "姓名+手机\x1f张三\x1f13800000001") in ids


POSTING = ("SELECT title, company_name, adcode, salary_min, salary_max, salary_months, "
           "education_req, experience_min, posted_on FROM job_posting WHERE batch_id = ? "
           "ORDER BY posted_on")


def test_a_liepin_posting_export(exports):
    db, paths, files = exports
    f = files["liepin"]
    assert (f.kind, f.unmapped) == ("posting", ["职位链接"])
    assert counts(db, paths["liepin"]) == (5, 4, 1, 2)
    assert q(db, POSTING, [batch_of(db, paths["liepin"])]) == [
        ("芯片验证工程师", "深圳智芯科技有限公司", "440300", 25000, 50000, 12, None, 3.0,
         dt.date(2024, 10, 1)),
        ("VR开发工程师", "青岛幻境虚拟现实科技有限公司", "370212", 20000, 40000, 15, "本科", 3.0,
         dt.date(2024, 11, 20)),                                      # 20-40k·15薪, 10:30 dropped
        ("大模型算法专家", "北京言语智能有限公司", "110108", None, None, None, "硕士", 5.0,
         dt.date(2024, 12, 1)),                                       # 薪资面议: no warning
        ("数据标注员", "青岛蓝海数据有限公司", "370200", None, None, None, None, 0.0,
         dt.date(2024, 12, 15)),                                      # 保密: warned
    ]
    assert issues(db, "quarantine", paths["liepin"]) == [(6, "职位名称", "缺少职位名称")]
    assert issues(db, "field_warning", paths["liepin"]) == [
        (4, "薪资", "无法解析薪资", "保密"),
        (5, "学历要求", "无法识别学历", "在职研究生课程班"),
    ]
