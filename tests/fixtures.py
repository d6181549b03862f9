"""Tiny deterministic raw files, written the way real exports look (GBK CSV, XLSX with a title
row, JSON lines with salary strings). Every row is listed here so tests can assert exact values.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "注册地址", "经营范围", "成立日期",
                     "注册资本(万元)", "参保人数", "是否上市", "链主企业", "数据日期"]
ENTERPRISES = [
    # line 2..8 of the file (the header is line 1)
    ["91370212MA3C000101", "青岛幻境虚拟现实科技有限公司", "山东省青岛市崂山区松岭路169号",
     "虚拟现实、VR头显研发与销售", "2015-03-02", "5000", "320", "否", "是", "2024-12-31"],
    ["91440300MA5F000209", "深圳智芯科技有限公司", "深圳南山区科技园", "AI芯片设计; 集成电路设计",
     "2018/5/1", "1000", "80", "是", "否", "2024-12-31"],
    ["91110108MA0X000308", "北京言语智能有限公司", "北京市海淀区中关村大街1号",
     "自然语言处理、大模型技术开发", "2020年1月1日", "2,000", "150", "否", "否", "2024-12-31"],
    ["91370212MA3C000102", "校验位错误公司", "青岛崂山", "虚拟现实", "2019-01-01", "10", "5",
     "否", "否", "2024-12-31"],
    ["91370212MA3C000101", "重复代码公司", "青岛崂山", "虚拟现实", "2019-01-01", "10", "5",
     "否", "否", "2024-12-31"],
    ["91370212MA3C000404", "火星公司", "火星基地1号", "机器人", "2019-01-01", "10", "5",
     "否", "否", "2024-12-31"],
    ["91370214MA3C000502", "青岛城阳轨交智能有限公司", "青岛市城阳区", "轨道交通 智能调度",
     "2016-07-01", "800", "60", "否", "否", "2024-12-31"],
]

TALENT_HEADER = ["人才编号", "姓名", "手机", "邮箱", "所在地", "出生年份", "最高学历", "毕业院校",
                 "专业", "工作年限", "人才层次", "技能标签", "职位", "现任单位", "单位信用代码",
                 "是否海归", "留学国家", "是否愿意流动", "期望城市", "数据日期"]
TALENTS = [
    # sheet rows 3..9 (row 1 is a title, row 2 the header)
    ["R0001", "张三", "13800000001", "a@example.com", "青岛市崂山区", "1988", "硕士研究生", "山东大学",
     "计算机", "8年", "D", "VR、Unity、三维引擎", "VR开发工程师", "青岛幻境虚拟现实科技有限公司",
     "91370212MA3C000101", "否", "", "是", "青岛", "2023-06-30"],
    ["R0002", "李四", "13800000002", "", "深圳南山区", "1990", "博士", "清华大学", "微电子", "5",
     "B", "AI芯片/FPGA/Verilog", "芯片架构师", "深圳智芯科技有限公司", "91440300MA5F000209",
     "是", "美国", "否", "深圳", "2022-03-01"],
    ["R0003", "王五", "", "", "北京海淀", "1995", "本科", "北京大学", "软件工程", "应届", "",
     "NLP,大模型,Python", "算法工程师", "", "", "否", "", "是", "不限", "2024-01-15"],
    ["R0004", "赵六", "", "", "青岛黄岛", "1980", "大专", "青岛大学", "机械", "-3", "", "机器人",
     "工程师", "", "", "否", "", "否", "", "2024-01-15"],
    ["R0005", "钱七", "", "", "月球", "1900", "本科", "", "", "2", "", "", "", "", "", "否", "",
     "否", "", "2024-01-15"],
    ["R0001", "张三重复", "", "", "青岛", "1988", "硕士", "", "", "8", "", "", "", "", "", "否", "",
     "否", "", "2024-01-15"],
    ["R0007", "孙八", "", "", "青岛市市南区", "1985", "硕士", "中国海洋大学", "海洋科学", "12年",
     "E", "海洋大模型、深度学习", "研究员", "", "", "是", "英国", "是", "青岛", "2021-09-01"],
]

POSTINGS = [
    # JSON lines 1..5
    {"职位编号": "J1", "职位名称": "VR开发工程师", "公司名称": "青岛幻境虚拟现实科技有限公司",
     "统一社会信用代码": "91370212MA3C000101", "工作地点": "青岛-崂山区", "薪资": "15-25K·14薪",
     "学历要求": "本科及以上", "经验要求": "3-5年", "技能标签": ["Unity", "VR"], "发布日期": "2024-03-01"},
    {"职位编号": "J2", "职位名称": "NLP算法工程师", "公司名称": "北京言语智能有限公司",
     "工作地点": "北京", "薪资": "1.5-3万/月", "学历要求": "硕士", "经验要求": "经验不限",
     "技能标签": "NLP,Python", "发布日期": "2023/11/20"},
    {"职位编号": "J3", "职位名称": "芯片验证工程师", "公司名称": "深圳智芯科技有限公司",
     "工作地点": "深圳市南山区", "薪资": "面议", "学历要求": "学历不限", "经验要求": "应届",
     "技能标签": "Verilog", "发布日期": "2024-05-06"},
    {"职位编号": "J4", "职位名称": "", "公司名称": "无名", "工作地点": "青岛", "薪资": "10K",
     "发布日期": "2024-05-06"},
    {"职位编号": "J5", "职位名称": "数据标注员", "公司名称": "青岛某公司", "工作地点": "青岛城阳",
     "薪资": "薪资保密啦", "发布日期": "昨天"},
]

MOVES_HEADER = ["人才编号", "原所在地", "现所在地", "流动日期"]
MOVES = [
    ["R0001", "北京市海淀区", "青岛市崂山区", "2023-05-01"],
    ["R0002", "上海浦东新区", "深圳南山区", "2022-01-10"],
    ["R0007", "英国伦敦", "青岛市市南区", "2021-08-01"],
]

POPULATION_HEADER = ["地区", "指标", "年份", "数值", "单位", "来源"]
POPULATION = [
    ["青岛市", "常住人口", "2020", "10071722", "人", "第七次全国人口普查"],
    ["青岛市崂山区", "常住人口", "2020", "502370", "人", "第七次全国人口普查"],
    ["山东省", "常住人口", "2020", "101527453", "人", "第七次全国人口普查"],
]


def query(db, sql: str, params=None) -> list[tuple]:
    """Rows of a read query on a published warehouse file (a read-only connection of its own)."""
    from store import connection

    con = connection.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[str]], title: str | None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def write_all(folder: Path) -> dict[str, Path]:
    """Write every fixture file into ``folder``; returns kind → path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "enterprise": write_csv(folder / "enterprises.csv", ENTERPRISE_HEADER, ENTERPRISES, "gbk"),
        "talent": write_xlsx(folder / "talents.xlsx", TALENT_HEADER, TALENTS, "人才信息导出"),
        "posting": write_jsonl(folder / "postings.jsonl", POSTINGS),
        "move": write_csv(folder / "moves.csv", MOVES_HEADER, MOVES, "utf-8-sig"),
        "indicator": write_csv(folder / "population.csv", POPULATION_HEADER, POPULATION),
    }


DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def open_app(page: str | None = None, query: dict | None = None, timeout: int = 60):
    """The dashboard in Streamlit's AppTest: query params set, first run, then ``page``;
    fails on any exception the app shows."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(DASHBOARD, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


# -- real exports, shaped as their sources write them (issue 13) --------------------------------
# 企查查 batch export (XLSX): two title rows above the header, 序号 first, 注册资本 with unit and
# currency, "-" for an unknown 参保人数, columns no field needs (登记状态, 法定代表人, 实缴资本 …).
QICHACHA_TITLE = [["企查查 · 企业数据导出"], ["导出时间: 2024-12-31 10:00:00", None, "数据来源: 企查查"]]
QICHACHA_HEADER = ["序号", "企业名称", "登记状态", "法定代表人", "注册资本", "实缴资本", "成立日期",
                   "统一社会信用代码", "企业地址", "所属行业", "参保人数", "企业规模", "经营范围", "电话"]
QICHACHA = [
    # sheet rows 4..9
    ["1", "青岛幻境虚拟现实科技有限公司", "存续", "张某", "5000万元人民币", "1000万元人民币", "2015-03-02",
     "91370212MA3C000101", "山东省青岛市崂山区松岭路169号", "软件和信息技术服务业", "320", "小型",
     "虚拟现实、VR头显研发与销售", "0532-80000000"],
    ["2", "深圳智芯科技有限公司", "在业", "李某", "2亿元人民币", "-", "2018-05-01",
     "91440300MA5F000209", "深圳市南山区科技园", "软件和信息技术服务业", "80", "中型",
     "AI芯片设计; 集成电路设计", "-"],
    ["3", "青岛海智机器人有限公司", "存续", "Smith", "300万美元", "300万美元", "2019-06-18",
     "91370214MA3C000704", "青岛市城阳区正阳路1号", "专用设备制造业", "-", "小型", "服务机器人研发",
     "-"],
    ["4", "青岛蓝海数据有限公司", "存续", "王某", "注册资本待定", "-", "2021-07-01",
     "91370203MA3C000807", "青岛市市北区辽宁路1号", "软件和信息技术服务业", "12", "微型",
     "数据标注、数据服务", "-"],
    ["5", "校验位错误公司", "存续", "赵某", "1,000万元", "-", "2020-01-01", "91370212MA3C000102",
     "青岛市崂山区", "软件和信息技术服务业", "5", "微型", "虚拟现实", "-"],
    ["6", "上海浦江智能科技有限公司", "存续", "钱某", "１，５００万元", "-", "2017-09-09",
     "91310115MA1K00090C", "上海市浦东新区张江路1号", "软件和信息技术服务业", "60", "小型",
     "计算机视觉 图像识别", "-"],
]

# 天眼查 export (XLSX): one title row; 人员规模 (a band) stands before 参保人数 (the number).
TIANYANCHA_TITLE = [["天眼查 TianYanCha 企业信息导出 2024-12-31"]]
TIANYANCHA_HEADER = ["公司名称", "登记状态", "法定代表人", "注册资本", "成立日期", "统一社会信用代码",
                     "人员规模", "参保人数", "注册地址", "经营范围"]
TIANYANCHA = [
    # sheet rows 3..7
    ["北京言语智能有限公司", "存续", "周某", "1000万人民币", "2020-01-01", "91110108MA0X000308",
     "100-499人", "150", "北京市海淀区中关村大街1号", "自然语言处理、大模型技术开发"],
    ["深圳港湾智能有限公司", "存续", "吴某", "500万欧元", "2010-05-20", "91440300MA5F00100W",
     "少于50人", "-", "深圳市南山区粤海街道1号", "智能语音、语音识别"],
    ["青岛东方视觉有限公司", "存续", "郑某", "100万港元", "2012-12-12", "91370212MA3C00110N",
     "50-99人", "55", "青岛市崂山区海尔路1号", "计算机视觉"],
    ["北京樱花算力有限公司", "存续", "冯某", "50万日元", "2016-02-29", "91110108MA0X00120W",
     "少于50人", "8", "北京市海淀区上地十街1号", "算力服务、数据中心"],
    ["北京未名智能有限公司", "存续", "陈某", "暂无", "-", "91110108MA0X00130X",
     "少于50人", "3", "北京市海淀区", "智能硬件"],
]

# An HR workbook (XLSX): a title row, 序号 first and no id column; 出生年月, 手机号码, 现工作单位 …
HR_TITLE = [["2024年度人才信息登记表"]]
HR_HEADER = ["序号", "姓名", "性别", "出生年月", "手机号码", "毕业院校", "最高学历", "专业", "职称",
             "工作年限", "现工作单位", "现居住地", "期望工作城市", "是否海外归国"]
HR_WORKERS = [
    # sheet rows 3..8
    ["1", "张三", "男", "1988.05", "13800000001", "山东大学", "硕士研究生", "计算机", "高级工程师", "8年",
     "青岛幻境虚拟现实科技有限公司", "青岛市崂山区", "青岛", "否"],
    ["2", "李 四", "女", "1990-03", "+86 138-0000-0002", "清华大学", "博士", "微电子", "研究员", "5",
     "深圳智芯科技有限公司", "深圳市南山区", "深圳", "是"],
    ["3", "王五", "男", "1995年7月", "", "北京大学", "本科", "软件工程", "工程师", "应届", "",
     "北京市海淀区", "不限", "否"],
    ["4", "赵六", "男", "", "", "青岛大学", "大专", "机械", "技术员", "3", "", "青岛市黄岛区", "", "否"],
    ["5", "孙八", "女", "1985-11", "13900000008", "中国海洋大学", "在职研究生课程班", "海洋科学", "教授",
     "十二年", "中国海洋大学", "青岛市市南区", "青岛", "不详"],
    ["6", "张三", "男", "1988.05", "138 0000 0001", "山东大学", "硕士", "计算机", "高级工程师", "8",
     "", "青岛市崂山区", "", "否"],
]

# A 猎聘-shaped posting export (CSV, GBK): 职位ID, 工作地点 as 城市-区, 薪资 with 薪 months.
LIEPIN_HEADER = ["职位ID", "职位名称", "公司名称", "工作地点", "薪资", "学历要求", "经验要求", "发布时间",
                 "职位链接"]
LIEPIN = [
    # lines 2..6
    ["L101", "VR开发工程师", "青岛幻境虚拟现实科技有限公司", "青岛-崂山区", "20-40k·15薪", "本科", "3-5年",
     "2024-11-20 10:30", "https://www.liepin.com/job/101.shtml"],
    ["L102", "大模型算法专家", "北京言语智能有限公司", "北京-海淀区", "薪资面议", "硕士", "5-10年",
     "2024-12-01", "https://www.liepin.com/job/102.shtml"],
    ["L103", "数据标注员", "青岛蓝海数据有限公司", "青岛", "保密", "学历不限", "经验不限", "2024-12-15",
     "https://www.liepin.com/job/103.shtml"],
    ["L104", "芯片验证工程师", "深圳智芯科技有限公司", "深圳", "25-50K", "在职研究生课程班", "3年以上",
     "2024-10-01", "https://www.liepin.com/job/104.shtml"],
    ["L105", "", "无名公司", "青岛", "10K", "本科", "1年", "2024-10-02", ""],
]


def write_titled_xlsx(path: Path, titles: list[list], header: list[str],
                      rows: list[list[str]]) -> Path:
    """An XLSX as exporters write it: title rows (any number, any width) above the header."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for t in titles:
        ws.append(t)
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
