"""登记状态: the normalizer's canonical values, and a firm 吊销 or 注销 kept but no longer counted."""

from __future__ import annotations

import pytest

from etl.load import load_files
from etl.normalize.reg_status import UNKNOWN, parse_reg_status
from tests import fixtures

q = fixtures.query


@pytest.mark.parametrize("text, status", [
    ("存续", "存续"), ("在业", "存续"), ("存续（在营、开业、在册）", "存续"), ("开业", "存续"),
    ("Active", "存续"), ("注销", "注销"), ("已注销", "注销"), ("吊销，未注销", "吊销"),
    ("吊销未注销", "吊销"), ("迁出", "迁出"), ("清算", "清算"), ("停业", "停业"), ("歇业", "停业"),
])
def test_statuses_as_written_map_to_the_canonical_ones(text, status):
    assert parse_reg_status(text) == (status, None)


@pytest.mark.parametrize("text", [None, "", "-", "—"])
def test_an_absent_status_is_empty_without_a_warning(text):
    assert parse_reg_status(text) == (None, None)


@pytest.mark.parametrize("text", ["abc", "x" * 40, "正在审核中的某种状态"])
def test_other_text_is_a_warning(text):
    assert parse_reg_status(text) == (None, UNKNOWN)


HEADER = ["统一社会信用代码", "企业名称", "注册地址", "经营范围", "登记状态", "链主企业", "成立日期"]
ROWS = [
    ["91370212MA3C000101", "青岛幻境虚拟现实科技有限公司", "青岛市崂山区", "虚拟现实", "存续", "是", "2015-03-02"],
    ["91370212MA3C00110N", "青岛东方视觉有限公司", "青岛市崂山区", "虚拟现实", "注销", "是", "2012-12-12"],
    ["91370203MA3C000807", "青岛蓝海数据有限公司", "青岛市市北区", "虚拟现实", "吊销未注销", "否", "2021-07-01"],
    ["91370214MA3C000704", "青岛海智机器人有限公司", "青岛市城阳区", "虚拟现实", "某某状态", "否", "2019-06-18"],
]


def test_a_firm_gone_is_kept_but_not_counted(tmp_path):
    db = tmp_path / "w.duckdb"
    path = fixtures.write_csv(tmp_path / "firms.csv", HEADER, ROWS)
    report = load_files([path], db_path=db)
    f = report.files[0]
    assert (f.status, f.rows_loaded, f.rows_warned) == ("loaded", 4, 1)  # 某某状态: a warning
    assert q(db, "SELECT credit_code, reg_status FROM enterprise ORDER BY 1") == [
        ("91370203MA3C000807", "吊销"), ("91370212MA3C000101", "存续"),
        ("91370212MA3C00110N", "注销"), ("91370214MA3C000704", None)]
    # 370200: the two in business (存续, and the one whose status is unknown)
    assert q(db, "SELECT sum(enterprises), sum(chain_leaders) FROM mart_enterprise "
                 "WHERE adcode = '370200'") == [(2, 1)]
