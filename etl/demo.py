"""Deterministic demo data: raw files shaped like real exports, for the ETL to load.

``generate(out_dir, scale, seed)`` writes enterprises.csv (GBK), talents.xlsx / talents.csv,
postings.jsonl, moves.csv, population.csv and manifest.json. It loads nothing: the ETL reads
these files through the same front door as real data. The same seed gives byte-identical files.

Distributions are calibrated against /work/shared/reference/calibration.tsv; the row ids in the
comments (B2, E5 …) say which published figure each one follows (see docs/demo-data.md).
About ``BAD_ROW_SHARE`` of each data file is deliberately broken; manifest.json lists where.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reference.regions import region_index

SCALES = {
    "small": dict(talents=5_000, enterprises=1_500, postings=5_000, moves=1_500),
    "medium": dict(talents=100_000, enterprises=20_000, postings=100_000, moves=30_000),
    "large": dict(talents=1_000_000, enterprises=100_000, postings=500_000, moves=200_000),
}
BAD_ROW_SHARE = 0.02
SNAPSHOT = "2024-12-31"
YEARS = (2021, 2022, 2023, 2024)
# small and medium talents go to XLSX (100k rows ≈ 15 s with openpyxl write_only, measured);
# large (1M rows) would take minutes, so it is written as UTF-8 CSV with BOM instead.
XLSX_MAX_ROWS = 200_000
MANIFEST = "manifest.json"

Progress = Callable[[str, float], None]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_EXCLUDED_PROVINCES = ("710000", "810000", "820000")  # credit codes and census: mainland only
_MUNICIPALITIES = ("110000", "120000", "310000", "500000")
QINGDAO, LAOSHAN = "370200", "370212"

# ------------------------------------------------------------------------------------------
# Calibration tables
# ------------------------------------------------------------------------------------------

# name: (firm %, talent %, posting %, salary factor vs the 38-city average)
# firms: B2 (Beijing 29.73, Shanghai 14.07, Shenzhen 13.99, Guangzhou 8.14, Hangzhou 7.56; BTH
# 31.02, YRD 30.23, PRD 26.39). talent: A9 (BJ+SH+SZ ≈ 57.6% of supply). postings: A5 (Beijing
# 19.1%, Shenzhen 2nd, Shanghai 3rd, Hangzhou 5th, Wuhan 8th) and A10 (> 3/4 in YRD+PRD+BTH).
# salary factors: D3 (city average ÷ 38-city 10,014), others estimated from city tiers.
CITIES: dict[str, tuple[float, float, float, float]] = {
    "北京市": (29.73, 26.0, 19.1, 1.335), "上海市": (14.07, 15.0, 13.0, 1.323),
    "深圳市": (13.99, 13.0, 14.0, 1.257), "广州市": (8.14, 6.5, 8.5, 1.10),
    "杭州市": (7.56, 6.5, 7.5, 1.137), "苏州市": (2.3, 2.4, 3.2, 1.05),
    "南京市": (2.6, 3.0, 4.0, 1.08), "成都市": (2.0, 3.0, 4.5, 0.96),
    "武汉市": (1.8, 3.0, 3.6, 0.95), "合肥市": (0.7, 1.5, 2.0, 0.93),
    "济南市": (0.9, 1.2, 1.5, 0.914), "青岛市": (1.0, 1.5, 1.8, 0.890),
    "西安市": (1.0, 2.0, 2.5, 0.93), "天津市": (0.9, 1.2, 1.5, 0.98),
    "重庆市": (0.8, 1.2, 1.5, 0.92), "长沙市": (0.9, 1.2, 1.8, 0.93),
    "厦门市": (0.5, 0.6, 0.8, 0.97), "郑州市": (0.5, 0.8, 1.0, 0.88),
    "东莞市": (1.4, 0.7, 0.8, 0.98), "佛山市": (0.9, 0.5, 0.6, 0.97),
    "珠海市": (0.9, 0.4, 0.5, 1.0), "惠州市": (0.3, 0.2, 0.2, 0.88),
    "中山市": (0.3, 0.2, 0.2, 0.88), "无锡市": (0.7, 0.6, 0.8, 1.0),
    "常州市": (0.4, 0.3, 0.4, 0.95), "南通市": (0.2, 0.2, 0.2, 0.92),
    "宁波市": (0.5, 0.6, 0.8, 1.0), "嘉兴市": (0.2, 0.2, 0.2, 0.95),
    "温州市": (0.2, 0.2, 0.2, 0.93), "绍兴市": (0.1, 0.1, 0.1, 0.93),
    "福州市": (0.35, 0.5, 0.6, 0.92), "大连市": (0.35, 0.5, 0.5, 0.90),
    "沈阳市": (0.3, 0.5, 0.5, 0.86), "南昌市": (0.2, 0.3, 0.3, 0.86),
    "贵阳市": (0.25, 0.3, 0.3, 0.86), "昆明市": (0.15, 0.3, 0.3, 0.86),
    "哈尔滨市": (0.15, 0.4, 0.3, 0.82), "长春市": (0.15, 0.3, 0.3, 0.84),
    "太原市": (0.1, 0.3, 0.2, 0.84), "南宁市": (0.1, 0.2, 0.2, 0.85),
    "石家庄市": (0.2, 0.3, 0.3, 0.85), "烟台市": (0.1, 0.2, 0.2, 0.86),
    "潍坊市": (0.1, 0.1, 0.1, 0.84), "兰州市": (0.05, 0.1, 0.1, 0.82),
    "乌鲁木齐市": (0.05, 0.1, 0.1, 0.85), "海口市": (0.05, 0.1, 0.1, 0.86),
    "呼和浩特市": (0.05, 0.1, 0.1, 0.82), "银川市": (0.03, 0.05, 0.05, 0.82),
    "西宁市": (0.02, 0.05, 0.05, 0.82), "拉萨市": (0.02, 0.03, 0.03, 0.85),
}  # fmt: skip
# Share of all other mainland cities together, spread by province population (the long tail).
TAIL = {"firm": 0.8, "talent": 4.5, "posting": 3.0}
TAIL_SALARY = 0.80
# Short names that resolve elsewhere or nowhere (bare 中山 is 大连市中山区, 西安 is ambiguous with
# two 西安区) are always written in full.
SHORT_UNSAFE = frozenset({"中山市", "西安市"})

# Layer shares. Firms: 2019/2020 national reports (DESIGN.md: 2.8-3.4 / 22-24 / 73-75%).
# Talent: A18 (3.3 / 34.9 / 61.8%).
FIRM_LAYERS = {"基础层": 0.03, "技术层": 0.23, "应用层": 0.74}
TALENT_LAYERS = {"基础层": 0.033, "技术层": 0.349, "应用层": 0.618}
# Relative size of nodes inside their layer (how common each kind of firm or job is).
NODE_WEIGHT = {
    "F01": 1.5, "F02": 1.0, "F03": 0.7, "F04": 0.5, "F05": 1.2, "F06": 0.5, "F07": 0.6,
    "F08": 0.7, "F09": 1.0,
    "T01": 0.4, "T02": 0.6, "T03": 0.3, "T04": 1.0, "T05": 0.8, "T06": 0.7, "T07": 1.6,
    "T08": 0.5, "T09": 1.6, "T10": 0.8, "T11": 1.2, "T12": 0.6, "T13": 0.5, "T14": 0.8,
    "A01": 1.2, "A02": 1.2, "A03": 0.5, "A04": 1.0, "A05": 1.5, "A06": 1.2, "A07": 0.8,
    "A08": 0.3, "A09": 1.0, "A10": 0.9, "A11": 1.2, "A12": 1.0, "A13": 1.2, "A14": 0.8,
    "A15": 0.5, "A16": 0.4,
}  # fmt: skip
# City specialisms (multipliers on NODE_WEIGHT inside the layer). Qingdao: its stated emphases
# (DESIGN.md: 轨道交通, 智能家电, 超高清视频, 工业互联网, 智慧医疗, 海洋大模型, VR — E11) and
# clear gaps (AI chips, DL frameworks) so the map shows 补链 nodes.
CITY_NODE_BOOST: dict[str, dict[str, float]] = {
    "青岛市": {"A07": 4, "A04": 4, "A15": 4, "A05": 3, "A06": 2.5, "T05": 3, "A08": 6,
              "T14": 3, "F01": 0.1, "T01": 0.05, "T04": 0.5, "T03": 0.5, "F04": 0.5},
    "北京市": {"T04": 2.0, "F01": 1.5, "T01": 2.0, "T03": 1.5, "T11": 1.3},
    "上海市": {"F01": 2.0, "T04": 1.5, "A06": 1.3, "A09": 1.3},
    "深圳市": {"A04": 2.0, "F01": 1.8, "A03": 3.0, "A01": 1.5, "F02": 1.5},
    "杭州市": {"A11": 2.5, "A09": 1.8, "A13": 1.8, "F05": 1.5},
    "合肥市": {"T10": 5.0, "F01": 1.5},
    "苏州市": {"A05": 2.0, "A01": 1.5},
    "武汉市": {"A02": 1.5, "F02": 1.5},
    "广州市": {"A02": 1.8, "A13": 1.3},
    "南京市": {"F05": 1.3, "A14": 1.5},
    "济南市": {"F03": 2.5, "F04": 2.0},
    "贵阳市": {"F04": 3.0, "F09": 2.0},
}  # fmt: skip

# Districts that lead their city (boosted ×5 over the adcode-order Zipf weights).
TOP_DISTRICTS = {
    "北京市": ("海淀区", "朝阳区", "昌平区", "大兴区"), "上海市": ("浦东新区", "徐汇区", "闵行区", "杨浦区"),
    "深圳市": ("南山区", "福田区", "宝安区", "龙岗区"), "广州市": ("天河区", "黄埔区", "海珠区", "番禺区"),
    "杭州市": ("西湖区", "滨江区", "余杭区", "上城区"), "南京市": ("江宁区", "雨花台区", "建邺区", "玄武区"),
    "苏州市": ("虎丘区", "吴中区", "姑苏区"), "成都市": ("武侯区", "双流区", "锦江区", "成华区"),
    "武汉市": ("洪山区", "江夏区", "武昌区"), "西安市": ("雁塔区", "长安区", "未央区"),
    "合肥市": ("蜀山区", "包河区", "庐阳区"), "济南市": ("历下区", "历城区", "槐荫区"),
    "长沙市": ("岳麓区", "雨花区", "开福区"), "天津市": ("滨海新区", "西青区", "南开区"),
    "重庆市": ("渝北区", "九龙坡区", "南岸区", "渝中区"), "厦门市": ("思明区", "湖里区", "集美区"),
    "郑州市": ("金水区", "中原区", "二七区"),
}  # fmt: skip
# Qingdao's districts. Firms: E5 (城阳 16, 黄岛 5, 崂山 4, 李沧 3, 市南 2, 即墨 2, 市北 1, 胶州 1,
# 莱西 1, 平度 0 → small). Talent: between E5 and the E2 population, Laoshan lifted (E14).
QD_FIRM = {"370214": 16, "370211": 5, "370212": 4, "370213": 3, "370202": 2, "370215": 2,
           "370203": 1, "370281": 1, "370285": 1, "370283": 0.3}  # fmt: skip
QD_TALENT = {"370214": 22, "370211": 20, "370212": 17, "370202": 10, "370213": 8,
             "370203": 8, "370215": 7, "370281": 4, "370283": 2, "370285": 2}  # fmt: skip
# Node-specific district mixes inside Qingdao. VR: E11 (Laoshan 90+ of Qingdao's ~110 firms).
QD_NODE_DISTRICTS = {
    "T14": {"370212": 80, "370202": 5, "370214": 5, "370211": 5, "370203": 5},
    "A04": {"370212": 40, "370211": 25, "370214": 15, "370213": 5, "370203": 5, "370215": 5,
            "370281": 5},
    "A07": {"370214": 60, "370211": 10, "370213": 10, "370215": 10, "370203": 10},
    "A08": {"370211": 35, "370212": 25, "370202": 20, "370215": 10, "370214": 10},
}  # fmt: skip
LAOSHAN_VR_MIN_LQ = 3.0  # built-in floor; the product needs ≥ 2 (固链 stronghold)
# Qingdao's gaps (补链): its LQ in these nodes is capped, extras move to its emphases.
QD_GAPS = ("F01", "T01")
QD_GAP_MAX_LQ = 0.4
QD_EMPHASES = ("A07", "A04", "A15", "A05", "A06", "T05", "A08", "T14")

# Supply/demand targets (talent ÷ postings, 脉脉 convention, < 1 = shortage). C1: 算法研究员
# 0.47, AI工程师 0.61, NLP 0.66, 深度学习 0.73; C4: cloud 0.27, search algorithm 0.39, new
# economy overall 2.06. Application nodes sit between balanced and surplus.
SUPPLY_DEMAND = {
    "F01": 0.6, "F02": 1.0, "F03": 1.1, "F04": 0.8, "F05": 0.3, "F06": 1.0, "F07": 1.2,
    "F08": 2.0, "F09": 0.9,
    "T01": 0.73, "T02": 0.65, "T03": 1.0, "T04": 0.61, "T05": 0.7, "T06": 0.65, "T07": 0.45,
    "T08": 0.8, "T09": 0.73, "T10": 0.8, "T11": 0.66, "T12": 1.0, "T13": 0.9, "T14": 1.0,
    "A01": 1.0, "A02": 0.9, "A03": 1.3, "A04": 1.5, "A05": 1.3, "A06": 1.4, "A07": 1.5,
    "A08": 1.5, "A09": 1.4, "A10": 2.0, "A11": 1.6, "A12": 1.8, "A13": 2.0, "A14": 1.5,
    "A15": 1.4, "A16": 1.8,
}  # fmt: skip
# Salary: monthly midpoint = AI_SALARY × city (D3) × node × experience × year × noise. The base
# puts the national mean of all demo AI postings near 24k (D1: AI engineer 22,788 in 2023Q4; D4:
# NLP 24,007 and deep learning 26,279 in 2024H1) and Qingdao's technical-layer postings near 20k+.
AI_SALARY = 21_000
NODE_SALARY = {
    "F01": 1.2, "F02": 0.95, "F03": 0.9, "F04": 0.85, "F05": 1.0, "F06": 0.9, "F07": 0.7,
    "F08": 0.35, "F09": 0.95,
    "T01": 1.2, "T02": 1.1, "T03": 0.9, "T04": 1.35, "T05": 1.15, "T06": 1.2, "T07": 1.1,
    "T08": 1.0, "T09": 1.0, "T10": 1.0, "T11": 1.05, "T12": 0.95, "T13": 0.9, "T14": 0.85,
    "A01": 0.9, "A02": 1.05, "A03": 0.85, "A04": 0.8, "A05": 0.8, "A06": 0.85, "A07": 0.8,
    "A08": 0.75, "A09": 1.0, "A10": 0.75, "A11": 0.8, "A12": 0.75, "A13": 0.7, "A14": 0.8,
    "A15": 0.8, "A16": 0.7,
}  # fmt: skip
# Net inflow as % of mobile talent: F4 (2023); Qingdao mildly positive (F2 ranks it 11th).
NET_INFLOW = {"北京市": 0.5, "上海市": 1.5, "深圳市": 1.2, "广州市": 1.0, "杭州市": 1.2,
              "成都市": -0.3, "南京市": 0.7, "苏州市": 0.8, "武汉市": 0.1, "无锡市": 0.6,
              "青岛市": 0.3}  # fmt: skip

# ------------------------------------------------------------------------------------------
# Vocabulary
# ------------------------------------------------------------------------------------------

TITLES = {
    "F01": ("AI芯片设计工程师", "芯片验证工程师", "FPGA开发工程师", "GPU架构师", "NPU软件工程师"),
    "F02": ("传感器研发工程师", "MEMS工艺工程师", "激光雷达工程师", "毫米波雷达工程师"),
    "F03": ("服务器硬件工程师", "AI服务器研发工程师", "硬件研发工程师", "计算设备测试工程师"),
    "F04": ("数据中心运维工程师", "智算中心架构师", "IDC运维工程师", "算力中心规划工程师"),
    "F05": ("云计算开发工程师", "云原生架构师", "运维开发工程师", "边缘计算工程师", "DevOps工程师"),
    "F06": ("算力网络工程师", "通信工程师", "高性能网络工程师", "5G网络优化工程师"),
    "F07": ("数据采集工程师", "爬虫工程师", "ETL开发工程师"),
    "F08": ("数据标注员", "数据标注项目经理", "数据清洗专员", "语料工程师"),
    "F09": ("大数据开发工程师", "数据治理工程师", "数据仓库工程师", "隐私计算工程师", "数据安全工程师"),
    "T01": ("深度学习框架研发工程师", "算子开发工程师", "AI编译器工程师", "PyTorch框架开发工程师"),
    "T02": ("MLOps工程师", "模型部署工程师", "推理加速工程师", "AI开发平台工程师"),
    "T03": ("开源社区运营", "开放平台产品经理", "开发者平台工程师"),
    "T04": ("大模型算法工程师", "大模型训练工程师", "LLM研究员", "预训练算法研究员"),
    "T05": ("行业大模型工程师", "海洋大模型算法工程师", "医疗大模型工程师", "RAG应用开发工程师",
            "模型微调工程师"),
    "T06": ("多模态算法工程师", "智能体开发工程师", "扩散模型算法工程师", "具身智能研究员"),
    "T07": ("机器学习工程师", "算法工程师", "推荐算法工程师", "搜索算法工程师", "算法研究员"),
    "T08": ("知识图谱工程师", "图数据库开发工程师", "知识工程师"),
    "T09": ("计算机视觉工程师", "CV算法工程师", "图像识别工程师", "视觉算法工程师", "OCR算法工程师"),
    "T10": ("语音识别工程师", "语音合成算法工程师", "ASR算法工程师", "声学算法工程师"),
    "T11": ("NLP算法工程师", "自然语言处理工程师", "对话系统工程师", "机器翻译研究员"),
    "T12": ("人脸识别算法工程师", "生物特征识别工程师", "指纹识别工程师"),
    "T13": ("人机交互设计师", "脑机接口研究员", "交互设计师", "手势识别工程师"),
    "T14": ("VR开发工程师", "AR算法工程师", "Unity开发工程师", "UE5开发工程师", "XR产品经理",
            "数字孪生工程师", "虚拟现实内容设计师"),
    "A01": ("机器人算法工程师", "机器人运动控制工程师", "ROS开发工程师", "机械臂控制工程师"),
    "A02": ("自动驾驶算法工程师", "智能座舱开发工程师", "ADAS测试工程师", "车联网开发工程师"),
    "A03": ("无人机飞控工程师", "飞控算法工程师", "无人机系统工程师"),
    "A04": ("智能家电软件工程师", "智能家居产品经理", "嵌入式软件工程师", "IoT开发工程师",
            "智能终端测试工程师"),
    "A05": ("工业互联网平台工程师", "智能制造工程师", "MES实施工程师", "PLC工程师", "工业软件开发工程师"),
    "A06": ("医学影像算法工程师", "医疗信息化工程师", "AI制药研究员", "辅助诊断算法工程师"),
    "A07": ("轨道交通信号工程师", "智慧交通算法工程师", "列车控制软件工程师", "智能调度工程师"),
    "A08": ("智慧海洋软件工程师", "海洋监测数据工程师", "船舶智能化工程师", "海洋观测算法工程师"),
    "A09": ("风控算法工程师", "量化研究员", "金融科技开发工程师", "反欺诈策略工程师"),
    "A10": ("教育科技产品经理", "智慧教育开发工程师", "自适应学习算法工程师"),
    "A11": ("智能安防工程师", "视频监控系统工程师", "安防产品经理", "网络安全工程师"),
    "A12": ("智慧城市解决方案工程师", "数字政务产品经理", "电子政务开发工程师", "城市大脑架构师"),
    "A13": ("智能客服产品经理", "数字人开发工程师", "营销算法工程师", "电商数据分析师"),
    "A14": ("智慧能源算法工程师", "电力系统AI工程师", "储能系统工程师", "能源管理软件工程师"),
    "A15": ("视频编解码工程师", "超高清视频算法工程师", "显示面板工艺工程师", "流媒体开发工程师"),
    "A16": ("智慧农业工程师", "农业遥感工程师", "农机自动化工程师"),
}
GENERIC_SKILLS = ("Python", "C++", "Linux", "Java", "Git", "MATLAB", "Go", "Shell", "英语六级",
                  "项目管理", "团队管理", "沟通协调")  # fmt: skip
GENERIC_SKILL_W = (3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1)
MAJORS = ("计算机科学与技术", "软件工程", "电子信息工程", "电子科学与技术", "自动化", "数学与应用数学",
          "统计学", "智能科学与技术", "信息与计算科学", "物理学")  # fmt: skip
NODE_MAJORS = {
    "F01": ("微电子科学与工程", "集成电路设计与集成系统", "电子科学与技术"),
    "F02": ("测控技术与仪器", "光电信息科学与工程"), "F06": ("通信工程",), "F08": ("汉语言文学", "英语", "信息管理与信息系统"),
    "F09": ("数据科学与大数据技术", "信息管理与信息系统"), "T10": ("声学",), "T11": ("计算语言学",),
    "T13": ("工业设计", "心理学"), "T14": ("数字媒体技术", "数字媒体艺术", "动画"),
    "A01": ("机械工程", "机器人工程", "机械电子工程"), "A02": ("车辆工程", "交通运输"),
    "A03": ("飞行器设计与工程",), "A05": ("机械工程", "工业工程"),
    "A06": ("生物医学工程", "生物信息学", "药学"), "A07": ("交通运输", "交通工程"),
    "A08": ("海洋技术", "船舶与海洋工程", "海洋科学"), "A09": ("金融工程", "金融学"),
    "A10": ("教育技术学",), "A11": ("信息安全", "网络空间安全"), "A13": ("市场营销", "电子商务"),
    "A14": ("电气工程及其自动化", "能源与动力工程"), "A15": ("广播电视工程", "电子科学与技术"),
    "A16": ("农业工程", "农学"),
}  # fmt: skip
# (name, province adcode or "", weight): weighted by AI-talent output; local ones get a boost.
UNIVERSITIES = (
    ("清华大学", "110000", 5), ("北京大学", "110000", 4), ("浙江大学", "330000", 5),
    ("上海交通大学", "310000", 4), ("复旦大学", "310000", 3), ("中国科学技术大学", "340000", 3),
    ("哈尔滨工业大学", "230000", 4), ("南京大学", "320000", 3), ("华中科技大学", "420000", 4),
    ("武汉大学", "420000", 3), ("西安交通大学", "610000", 3), ("北京航空航天大学", "110000", 4),
    ("电子科技大学", "510000", 4), ("北京邮电大学", "110000", 4), ("西安电子科技大学", "610000", 4),
    ("同济大学", "310000", 3), ("东南大学", "320000", 3), ("华南理工大学", "440000", 3),
    ("中山大学", "440000", 3), ("四川大学", "510000", 3), ("山东大学", "370000", 3),
    ("中国海洋大学", "370000", 2), ("青岛大学", "370000", 2), ("山东科技大学", "370000", 1.5),
    ("中国石油大学（华东）", "370000", 1.5), ("青岛科技大学", "370000", 1), ("青岛理工大学", "370000", 1),
    ("天津大学", "120000", 3), ("南开大学", "120000", 2), ("大连理工大学", "210000", 3),
    ("吉林大学", "220000", 3), ("厦门大学", "350000", 2), ("重庆大学", "500000", 2),
    ("湖南大学", "430000", 2), ("中南大学", "430000", 2), ("北京理工大学", "110000", 3),
    ("南京航空航天大学", "320000", 2), ("西北工业大学", "610000", 2), ("国防科技大学", "430000", 1),
    ("中国科学院大学", "110000", 3), ("深圳大学", "440000", 2), ("杭州电子科技大学", "330000", 2),
)  # fmt: skip
COLLEGES = ("深圳职业技术大学", "青岛职业技术学院", "南京工业职业技术大学", "金华职业技术学院",
            "武汉职业技术学院", "无锡职业技术学院", "成都职业技术学院", "北京信息职业技术学院")  # fmt: skip
COUNTRIES = {"美国": 34, "英国": 20, "新加坡": 9, "日本": 8, "澳大利亚": 8, "德国": 7, "加拿大": 6,
             "法国": 4, "韩国": 4}  # fmt: skip
FOREIGN_UNIS = {
    "美国": ("卡内基梅隆大学", "斯坦福大学", "加州大学伯克利分校", "南加州大学", "哥伦比亚大学"),
    "英国": ("帝国理工学院", "爱丁堡大学", "伦敦大学学院", "曼彻斯特大学"),
    "新加坡": ("新加坡国立大学", "南洋理工大学"), "日本": ("东京大学", "京都大学"),
    "澳大利亚": ("悉尼大学", "墨尔本大学", "新南威尔士大学"), "德国": ("慕尼黑工业大学", "亚琛工业大学"),
    "加拿大": ("多伦多大学", "滑铁卢大学"), "法国": ("巴黎萨克雷大学",), "韩国": ("首尔大学", "韩国科学技术院"),
}  # fmt: skip
# (pinyin, surname, weight) — the most common surnames, roughly by frequency.
SURNAMES = tuple(
    (s, p, w) for s, p, w in (
        ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4),
        ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0),
        ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.6), ("孙", "sun", 1.5),
        ("马", "ma", 1.4), ("朱", "zhu", 1.3), ("胡", "hu", 1.3), ("郭", "guo", 1.2),
        ("何", "he", 1.2), ("高", "gao", 1.1), ("林", "lin", 1.1), ("罗", "luo", 1.0),
        ("郑", "zheng", 1.0), ("梁", "liang", 0.9), ("谢", "xie", 0.8), ("宋", "song", 0.8),
        ("唐", "tang", 0.8), ("许", "xu", 0.7), ("韩", "han", 0.7), ("冯", "feng", 0.7),
        ("邓", "deng", 0.7), ("曹", "cao", 0.7), ("彭", "peng", 0.6), ("曾", "zeng", 0.6),
        ("肖", "xiao", 0.6), ("田", "tian", 0.6), ("董", "dong", 0.5), ("袁", "yuan", 0.5),
        ("潘", "pan", 0.5), ("于", "yu", 0.5), ("蒋", "jiang", 0.5), ("蔡", "cai", 0.5),
        ("余", "yu", 0.5), ("杜", "du", 0.5), ("叶", "ye", 0.4), ("程", "cheng", 0.4),
        ("苏", "su", 0.4), ("魏", "wei", 0.4), ("吕", "lv", 0.4), ("丁", "ding", 0.4),
        ("任", "ren", 0.4), ("沈", "shen", 0.4), ("姚", "yao", 0.3), ("卢", "lu", 0.3),
        ("姜", "jiang", 0.3), ("崔", "cui", 0.3), ("钟", "zhong", 0.3), ("谭", "tan", 0.3),
        ("陆", "lu", 0.3), ("汪", "wang", 0.3), ("范", "fan", 0.3), ("金", "jin", 0.3),
        ("石", "shi", 0.3), ("廖", "liao", 0.3), ("贾", "jia", 0.3), ("夏", "xia", 0.3),
        ("欧阳", "ouyang", 0.05), ("司马", "sima", 0.02), ("诸葛", "zhuge", 0.01),
    )
)
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰辉鹏宇浩凯俊帆晨欣怡佳子梓涵轩博文雅思"
         "睿嘉琳婷雪晶瑶昊然宁天一诺雨泽阳建国志海斌晓林峰鑫亮飞鸿洁颖琪彤悦璐琦倩慧萌楠威新宏春云东成"
         "龙坤鑫晗烨煜哲航远卓毅铭蕾薇萱妍琳瑜")  # fmt: skip
BRAND = ("海华信达创科新联智源天博锐思恒泰易辰睿宇腾凌弘合优卓远明维鸿瑞星航汇晟康和诚德润中安启乐"
         "顺兴盛嘉正宏永鼎金昊立捷越奥声视微图灵麦极光迅通众聚拓凯普尚朗羽翼澜峰岳川禾然橙蓝青赛驰驭"
         "乾坤元初亿万千百云帆深蓝")  # fmt: skip
FIRM_WORDS = {
    "基础层": ("智能", "数据", "信息", "电子", "微电子", "算力", "云"),
    "技术层": ("智能", "人工智能", "视觉", "智慧", "数智", "认知", "智元"),
    "应用层": ("智能", "智慧", "数字", "物联", "智造", "信息", "网络"),
}
NODE_FIRM_WORDS = {"F01": ("芯", "半导体", "微电子"), "F08": ("数据", "数据服务"),
                   "T14": ("虚拟现实", "视界", "数字科技", "元宇宙"), "A01": ("机器人",),
                   "A03": ("无人机", "航空"), "A08": ("海洋", "海洋科技"), "A07": ("轨道交通", "交通"),
                   "A06": ("医疗", "健康"), "A15": ("视像", "超高清")}  # fmt: skip
FIRM_SUFFIX = ("科技有限公司", "技术有限公司", "信息技术有限公司", "网络科技有限公司", "电子科技有限公司")
SCOPE_GENERIC = ("技术开发", "技术咨询", "技术服务", "技术转让", "技术推广", "软件开发",
                 "信息系统集成服务", "计算机系统服务", "电子产品销售")  # fmt: skip
SCOPE_PATTERNS = ("{kw}技术研发", "{kw}产品的研发、生产和销售", "{kw}相关软件开发", "{kw}解决方案设计与实施")
STREETS = ("科技路", "创新路", "软件园路", "高新大道", "科苑路", "学府路", "创业路", "智慧路", "星火路",
           "云谷路", "同创路", "锦绣路", "致远路", "博学路", "育才路", "银河路", "海尔路",
           "苗岭路", "科学大道", "创智路", "腾飞路", "信息路", "数码路", "智谷大道", "启迪路", "求实路",
           "明德路", "知行路")  # fmt: skip
BUILDINGS = ("创新大厦", "科技大厦", "国际创新园", "软件大厦", "智谷大厦", "数字经济产业园", "创业中心")
BAD_PLACES = ("火星基地1号", "N/A", "地址不详", "未知")
EDUCATION = ("博士", "硕士", "本科", "大专", "其他")
EDU_VARIANTS = {"博士": ("博士", "博士研究生"), "硕士": ("硕士", "硕士研究生", "研究生"),
                "本科": ("本科", "统招本科", "大学本科", "学士"), "大专": ("大专", "专科", "高职"),
                "其他": ("高中", "中专")}  # fmt: skip
EDU_VARIANT_W = {"博士": (6, 4), "硕士": (6, 3, 1), "本科": (6, 2, 1, 1), "大专": (6, 3, 1),
                 "其他": (1, 1)}  # fmt: skip
# Education mix of AI talent by node profile: research-heavy, ordinary, data-labelling.
EDU_MIX = {"research": (0.10, 0.45, 0.40, 0.05, 0.0), "normal": (0.04, 0.30, 0.54, 0.11, 0.01),
           "labour": (0.0, 0.03, 0.35, 0.50, 0.12)}  # fmt: skip
RESEARCH_NODES = frozenset({"F01", "T01", "T04", "T05", "T06", "T07", "T09", "T10", "T11"})
GRAD_AGE = {"博士": 28, "硕士": 25, "本科": 22, "大专": 21, "其他": 19}
# Talent tiers (tiers.csv) by education: A very rare, E ≈ 15% overall.
TIER_P = {"博士": (0.002, 0.03, 0.06, 0.08, 0.50), "硕士": (0.0, 0.002, 0.012, 0.035, 0.17),
          "本科": (0.0, 0.0002, 0.003, 0.02, 0.10), "大专": (0.0, 0.0, 0.0, 0.005, 0.03),
          "其他": (0.0, 0.0, 0.0, 0.0, 0.01)}  # fmt: skip
RETURNEE_P = {"博士": 0.25, "硕士": 0.14, "本科": 0.03, "大专": 0.005, "其他": 0.0}
YEAR_GROWTH = 1.20  # talent snapshots per year grow ~20% (2021 → 2024)


@dataclass
class Geo:
    """Mainland cities ('units') and the places (districts, or the unit itself) inside them."""

    units: pd.DataFrame  # unit, name, short, prov, prov_name, prov_short, muni, short_ok
    places: pd.DataFrame  # place, unit_i, dname, dshort
    unit_places: list[np.ndarray]  # places of each unit, adcode order
    prov_pop: dict[str, int]

    def unit_index(self, name: str) -> int:
        """Row of a unit by its full name (北京市, 重庆市, 青岛市)."""
        return int(np.flatnonzero(self.units["name"].to_numpy() == name)[0])


# ------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------


def generate(out_dir: Path, scale: str = "small", seed: int = 42,
             progress: Progress | None = None) -> list[Path]:
    """Write the demo files into ``out_dir``; return their paths (enterprises … indicators)."""
    if scale not in SCALES:
        raise ValueError(f"未知规模 {scale!r}; 可选: {', '.join(SCALES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = SCALES[scale]
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    say = progress or (lambda message, fraction: None)
    geo = load_geo()
    nodes = load_nodes()
    manifest: dict = {"generator": "etl.demo", "scale": scale, "seed": seed,
                      "snapshot_date": SNAPSHOT, "bad_row_share": BAD_ROW_SHARE, "files": {}}

    say("生成企业", 0.0)
    firms = make_enterprises(rngs[0], sizes["enterprises"], geo, nodes)
    paths = [_write_enterprises(firms, out_dir, manifest)]
    say("生成人才", 0.2)
    talents = make_talents(rngs[1], sizes["talents"], geo, nodes, firms)
    paths.append(_write_talents(talents, out_dir, manifest))
    say("生成招聘岗位", 0.55)
    postings = make_postings(rngs[2], sizes["postings"], geo, nodes, firms, talents)
    paths.append(_write_postings(postings, out_dir, manifest))
    say("生成人才流动", 0.8)
    moves = make_moves(rngs[3], sizes["moves"], geo, talents)
    paths.append(_write_table(moves, out_dir / "moves.csv", "move", "utf-8-sig", manifest))
    say("写入人口指标", 0.95)
    paths.append(_write_table(population_table(), out_dir / "population.csv", "indicator",
                              "utf-8", manifest))
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    say("完成", 1.0)
    return paths


# ------------------------------------------------------------------------------------------
# Reference data
# ------------------------------------------------------------------------------------------


def load_nodes() -> pd.DataFrame:
    """data/chain_nodes.csv: keywords split ('~' marks a generic one), skill weights, scope words.

    kw: keywords usable as skill tags (no spaces); kw_w: their weights (head of the list and
    specific words first, generic '~' words rarely); kw_zh: specific Chinese keywords for 经营范围.
    """
    df = pd.read_csv(DATA_DIR / "chain_nodes.csv", dtype=str, keep_default_na=False)
    raw = df["keywords"].map(lambda s: [k.strip() for k in s.split(";") if k.strip()])
    df["kw"] = raw.map(lambda ks: [k.lstrip("~") for k in ks if " " not in k])
    df["kw_w"] = raw.map(lambda ks: np.array(
        [(0.3 if k.startswith("~") else 1.0) / math.sqrt(i + 1)
         for i, k in enumerate(k for k in ks if " " not in k)]))
    df["kw_zh"] = raw.map(lambda ks: [k for k in ks if not k.startswith("~")
                                      and re.search(r"[\u4e00-\u9fff]", k)])
    return df.sort_values("sequence", key=lambda s: s.astype(int), ignore_index=True)


def load_geo() -> Geo:
    """Mainland cities and their places from reference.regions.region_index()."""
    reg = region_index()
    reg = reg[~reg["province_adcode"].isin(_EXCLUDED_PROVINCES)]
    prov = reg[reg["level"] == "province"].set_index("adcode")
    units = reg[(reg["level"] == "city") | (reg["adcode"] == "500000")].sort_values("adcode")
    units = pd.DataFrame({
        "unit": units["adcode"].to_numpy(), "name": units["name"].to_numpy(),
        "short": units["short_name"].to_numpy(), "prov": units["province_adcode"].to_numpy(),
    })
    units["prov_name"] = prov.loc[units["prov"], "name"].to_numpy()
    units["prov_short"] = prov.loc[units["prov"], "short_name"].to_numpy()
    units["muni"] = units["prov"].isin(_MUNICIPALITIES)
    units["short_ok"] = units["name"].isin(CITIES) & ~units["name"].isin(SHORT_UNSAFE)
    pos = {u: i for i, u in enumerate(units["unit"])}
    dist = reg[(reg["level"] == "district") & reg["parent_adcode"].isin(pos)]
    dist = dist.sort_values("adcode")
    rows = [(a, pos[p], n, s) for a, p, n, s in zip(dist["adcode"], dist["parent_adcode"],
                                                     dist["name"], dist["short_name"], strict=True)]
    with_kids = {r[1] for r in rows}
    rows += [(u, i, "", "") for u, i in pos.items() if i not in with_kids]
    places = pd.DataFrame(rows, columns=["place", "unit_i", "dname", "dshort"])
    places = places.sort_values("place", ignore_index=True)
    groups = places.groupby("unit_i").indices
    unit_places = [np.sort(groups[i]) for i in range(len(units))]
    prov_pop = {code: PROVINCE_POP[name] for code, name in zip(prov.index, prov["name"],
                                                               strict=True)}
    return Geo(units, places, unit_places, prov_pop)


# 2020 (7th) census resident population, published counts. The 31 provinces sum to
# 1,409,778,724 (the national 1,411,778,724 adds 2,000,000 active military).
PROVINCE_POP = {
    "北京市": 21_893_095, "天津市": 13_866_009, "河北省": 74_610_235, "山西省": 34_915_616,
    "内蒙古自治区": 24_049_155, "辽宁省": 42_591_407, "吉林省": 24_073_453, "黑龙江省": 31_850_088,
    "上海市": 24_870_895, "江苏省": 84_748_016, "浙江省": 64_567_588, "安徽省": 61_027_171,
    "福建省": 41_540_086, "江西省": 45_188_635, "山东省": 101_527_453, "河南省": 99_365_519,
    "湖北省": 57_752_557, "湖南省": 66_444_864, "广东省": 126_012_510, "广西壮族自治区": 50_126_804,
    "海南省": 10_081_232, "重庆市": 32_054_159, "四川省": 83_674_866, "贵州省": 38_562_148,
    "云南省": 47_209_277, "西藏自治区": 3_648_100, "陕西省": 39_528_999, "甘肃省": 25_019_831,
    "青海省": 5_923_957, "宁夏回族自治区": 7_202_654, "新疆维吾尔自治区": 25_852_345,
}  # fmt: skip
# Cities (2020 census). 青岛 E1 and its districts E2 come from calibration.tsv; the others are
# the cities' own 7th-census bulletins (from memory; see docs/demo-data.md).
CITY_POP = {
    "深圳市": 17_560_061, "广州市": 18_676_605, "杭州市": 11_936_010, "苏州市": 12_748_262,
    "南京市": 9_314_685, "成都市": 20_937_757, "武汉市": 12_326_518, "合肥市": 9_369_881,
    "济南市": 9_202_432, "西安市": 12_952_907, "长沙市": 10_047_914, "郑州市": 12_600_574,
    "青岛市": 10_071_722,
}  # fmt: skip
QINGDAO_DISTRICT_POP = {  # E2
    "青岛市黄岛区": 1_903_595, "青岛市即墨区": 1_336_077, "青岛市平度市": 1_191_348,
    "青岛市城阳区": 1_109_606, "青岛市市北区": 1_096_879, "青岛市胶州市": 987_820,
    "青岛市李沧区": 737_281, "青岛市莱西市": 720_103, "青岛市崂山区": 502_370, "青岛市市南区": 486_643,
}  # fmt: skip
QINGDAO_POP_2010 = 8_715_087  # E1


# ------------------------------------------------------------------------------------------
# Sampling helpers
# ------------------------------------------------------------------------------------------


def _p(weights) -> np.ndarray:
    """Weights → probabilities."""
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _topk(rng: np.random.Generator, n: int, weights, k: int) -> np.ndarray:
    """n rows of k distinct indices drawn without replacement by weight (Gumbel top-k)."""
    keys = np.log(np.asarray(weights, float))[None, :] + rng.gumbel(size=(n, len(weights)))
    return np.argsort(-keys, axis=1, kind="stable")[:, :k]


def _choose_weighted(rng: np.random.Generator, weights, k: int) -> np.ndarray:
    """k distinct indices, chosen without replacement with probability rising with weight."""
    keys = np.log(np.maximum(np.asarray(weights, float), 1e-12)) + rng.gumbel(size=len(weights))
    return np.argsort(-keys, kind="stable")[:k]


def _quota(p: np.ndarray, total: int) -> np.ndarray:
    """Integer counts summing to total, proportional to p (largest remainder)."""
    raw = _p(p) * total
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _pick(rng: np.random.Generator, members: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted key a random row whose key is that value (-1 when there is none)."""
    order = np.argsort(members, kind="stable")
    keys = members[order]
    left = np.searchsorted(keys, wanted, "left")
    size = np.searchsorted(keys, wanted, "right") - left
    at = left + np.floor(rng.random(len(wanted)) * size).astype(int)
    return np.where(size > 0, order[np.minimum(at, max(len(order) - 1, 0))], -1)


def _cat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = out + (np.asarray(p, dtype=object) if not isinstance(p, str) else p)
    return out


def _join(cols: np.ndarray, count: np.ndarray, sep) -> np.ndarray:
    """Join the first count[i] strings of row i of an object matrix with sep (array or str)."""
    out = cols[:, 0].copy()
    for j in range(1, cols.shape[1]):
        out = np.where(count > j, _cat(out, sep, cols[:, j]), out)
    return out


def _dates(rng: np.random.Generator, n: int, year_w, start=YEARS[0]) -> np.ndarray:
    """Dates (datetime64[D]) with years drawn by weight and a uniform day inside the year."""
    years = start + rng.choice(len(year_w), n, p=_p(year_w))
    first = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = np.where((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0)), 366, 365)
    return first + np.floor(rng.random(n) * length).astype("timedelta64[D]")


def _iso(d: np.ndarray) -> np.ndarray:
    """datetime64[D] → 'YYYY-MM-DD' strings (object)."""
    return np.datetime_as_string(d, unit="D").astype(object)


def _ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day integer arrays of datetime64[D] values."""
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    day = (d - d.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    return y, m, day


def _str(a: np.ndarray) -> np.ndarray:
    """Integers → decimal strings (object)."""
    return np.asarray(a).astype(np.int64).astype(str).astype(object)


def _layer_probs(geo: Geo, nodes: pd.DataFrame, layers: dict[str, float]) -> np.ndarray:
    """P(node | unit): layer shares kept in every city, node weights times city boosts."""
    base = nodes["node_id"].map(NODE_WEIGHT).to_numpy(float)
    layer = nodes["layer"].to_numpy()
    probs = np.tile(base, (len(geo.units), 1))
    for name, boost in CITY_NODE_BOOST.items():
        i = geo.unit_index(name)
        probs[i] *= nodes["node_id"].map(boost).fillna(1.0).to_numpy(float)
    for lay, share in layers.items():
        cols = layer == lay
        probs[:, cols] *= share / probs[:, cols].sum(axis=1, keepdims=True)
    return probs


def _unit_weights(geo: Geo, kind: str) -> np.ndarray:
    """Weight of each unit for firms, talent or postings: named cities plus the tail."""
    col = {"firm": 0, "talent": 1, "posting": 2}[kind]
    named = geo.units["name"].map(lambda n: CITIES[n][col] if n in CITIES else np.nan)
    tail = geo.units.loc[named.isna(), "prov"].map(geo.prov_pop).astype(float)
    tail /= geo.units.loc[named.isna()].groupby("prov")["unit"].transform("size")
    w = named.to_numpy(float).copy()
    w[named.isna().to_numpy()] = (tail / tail.sum() * TAIL[kind]).to_numpy()
    return w


def _sample_units(rng: np.random.Generator, geo: Geo, n: int, kind: str) -> np.ndarray:
    """Unit index per row, every province covered (donor rows come from the biggest unit)."""
    units = rng.choice(len(geo.units), n, p=_p(_unit_weights(geo, kind)))
    provs = geo.units["prov"].to_numpy()
    missing = sorted(set(provs) - set(provs[units]))
    if missing:
        donors = rng.choice(np.flatnonzero(units == np.bincount(units).argmax()), len(missing),
                            replace=False)
        for row, prov in zip(donors, missing, strict=True):
            units[row] = rng.choice(np.flatnonzero(provs == prov))
    return units


def _sample_nodes(rng: np.random.Generator, units: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Node index per row given its unit (P(node | unit) rows of probs)."""
    out = np.empty(len(units), dtype=int)
    for u in np.unique(units):
        rows = np.flatnonzero(units == u)
        out[rows] = rng.choice(probs.shape[1], len(rows), p=_p(probs[u]))
    return out


def _district_weights(geo: Geo, u: int, kind: str, node: str | None) -> np.ndarray:
    """Weights over the places of unit u: Zipf by adcode, leading districts, Qingdao's mix."""
    places = geo.places.loc[geo.unit_places[u]]
    name = geo.units.at[u, "name"]
    if name == "青岛市":
        table = QD_NODE_DISTRICTS.get(node) or (QD_TALENT if kind == "talent" else QD_FIRM)
        return places["place"].map(table).fillna(0.0).to_numpy(float) + 1e-9
    w = 1.0 / np.arange(1, len(places) + 1) ** 1.1
    top = TOP_DISTRICTS.get(name, ())
    return w * np.where(places["dname"].isin(top), 5.0, 1.0)


def _sample_places(rng: np.random.Generator, geo: Geo, units: np.ndarray, node_ids: np.ndarray,
                   kind: str) -> np.ndarray:
    """Place index per row (a district of its unit; Qingdao's depend on the node)."""
    out = np.empty(len(units), dtype=int)
    qd = geo.unit_index("青岛市")
    for u in np.unique(units):
        rows = np.flatnonzero(units == u)
        keys = node_ids[rows] if u == qd else np.full(len(rows), "")
        for key in np.unique(keys):
            sub = rows[keys == key]
            w = _district_weights(geo, u, kind, key or None)
            out[sub] = rng.choice(geo.unit_places[u], len(sub), p=_p(w))
    return out


# ------------------------------------------------------------------------------------------
# Place text
# ------------------------------------------------------------------------------------------

# Location styles ('所在地'): the first four name the district, the last two only the city.
LOC_STYLES = ("{c}{d}", "{cs}{d}", "{cs}{ds}", "{p}{c}{d}", "{c}", "{cs}")
LOC_STYLE_W = (35, 20, 10, 15, 10, 10)
ADDR_STYLES = ("{p}{c}{d}", "{c}{d}", "{cs}{d}", "{ps}{c}{d}")
ADDR_STYLE_W = (40, 35, 15, 10)
POST_STYLES = ("{cs}·{d}", "{cs}-{d}", "{cs}", "{c}{d}")
POST_STYLE_W = (40, 20, 25, 15)
CITY_STYLES = ("{c}", "{cs}", "{ps}{c}")
CITY_STYLE_W = (50, 30, 20)
_ALT_DISTRICT = {"370211": "西海岸新区"}  # realistic alias, resolved via data/region_aliases.csv


def _place_text(geo: Geo, place: int, style: str, variant: int = 0) -> str:
    """One place rendered in a style; unsafe short forms fall back to full names."""
    pl = geo.places.loc[place]
    un = geo.units.loc[pl["unit_i"]]
    short_ok = bool(un["short_ok"])
    if not short_ok:
        style = style.replace("{cs}{ds}", "{c}{d}").replace("{cs}", "{c}")
    d = pl["dname"]
    if variant % 3 == 1 and pl["place"] in _ALT_DISTRICT:
        d = _ALT_DISTRICT[pl["place"]]
    ds = pl["dshort"] or d
    if ds and ds in un["name"]:  # 长沙县 → bare 长沙 would name the city: keep the suffix
        ds = d
    p, ps = ("", "") if un["muni"] else (un["prov_name"], un["prov_short"])
    if not d and style in ("{cs}{ds}", "{cs}·{d}", "{cs}-{d}"):
        style = "{cs}" if short_ok else "{c}"
    return style.format(p=p, ps=ps, c=un["name"], cs=un["short"] if short_ok else un["name"],
                        d=d, ds=ds)


def _render(geo: Geo, places: np.ndarray, styles: tuple[str, ...], style_idx: np.ndarray,
            variant: np.ndarray | None = None) -> np.ndarray:
    """Place text per row, each distinct (place, style, variant) rendered once."""
    variant = np.zeros(len(places), dtype=int) if variant is None else variant % 3
    key = (places.astype(np.int64) * 16 + style_idx) * 4 + variant
    uniq, inv = np.unique(key, return_inverse=True)
    texts = np.array([_place_text(geo, int(k // 64), styles[int(k // 4 % 16)], int(k % 4))
                      for k in uniq], dtype=object)
    return texts[inv]


def _unit_text(geo: Geo, units: np.ndarray, style_idx: np.ndarray) -> np.ndarray:
    """City-level text per row (北京市, 深圳, 山东青岛市)."""
    key = units.astype(np.int64) * 4 + style_idx
    uniq, inv = np.unique(key, return_inverse=True)
    texts = [_place_text(geo, int(geo.unit_places[int(k // 4)][0]), CITY_STYLES[int(k % 4)])
             for k in uniq]
    return np.array(texts, dtype=object)[inv]


# ------------------------------------------------------------------------------------------
# Credit codes
# ------------------------------------------------------------------------------------------

# GB 32100-2015 (same constants as etl/normalize/credit_code.py; vectorised here for speed).
_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714 organisation code


def _org_value(idx: np.ndarray) -> np.ndarray:
    """GB 11714 value of a charset index: digits as is, letters A=10 … Z=35."""
    chars = np.array([ord(c) for c in _CHARSET])[idx]
    return np.where(chars < 65, chars - 48, chars - 55)


def credit_codes(rng: np.random.Generator, adcodes: np.ndarray) -> np.ndarray:
    """Unique, valid 18-character codes: '91' + adcode + organisation code + check."""
    n = len(adcodes)
    idx = np.zeros((n, 18), dtype=np.int64)
    idx[:, 0], idx[:, 1] = 9, 1
    idx[:, 2:8] = np.array([list(a) for a in adcodes], dtype=np.int64) if n else 0
    idx[:, 8:16] = _org_bodies(rng, n)
    while True:
        org = 11 - (_org_value(idx[:, 8:16]) * _ORG_WEIGHTS).sum(axis=1) % 11
        idx[:, 16] = np.where(org == 10, _CHARSET.index("X"), org % 11)
        idx[:, 17] = (31 - (idx[:, :17] * np.array(_WEIGHTS)).sum(axis=1) % 31) % 31
        codes = np.array(list(_CHARSET))[idx].view("<U18").ravel().astype(object)
        dup = pd.Series(codes).duplicated().to_numpy()
        if not dup.any():
            return codes
        idx[dup, 8:16] = _org_bodies(rng, int(dup.sum()))


def _org_bodies(rng: np.random.Generator, n: int) -> np.ndarray:
    """8-char organisation-code bodies: old all-digit ones and post-2015 'MA…' ones."""
    body = rng.integers(0, 10, (n, 8))
    new = rng.random(n) < 0.6
    body[new, 0], body[new, 1] = _CHARSET.index("M"), _CHARSET.index("A")
    body[new, 2:] = rng.integers(0, 31, (int(new.sum()), 6))
    return body


# ------------------------------------------------------------------------------------------
# Defects
# ------------------------------------------------------------------------------------------


def _defect_rows(rng: np.random.Generator, n: int, kinds: tuple[str, ...],
                 protected: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Row positions to break, BAD_ROW_SHARE of n split evenly across the kinds."""
    total = round(n * BAD_ROW_SHARE)
    eligible = np.setdiff1d(np.arange(n), protected if protected is not None else [])
    eligible = eligible[eligible >= min(50, n // 10)]  # duplicates need an earlier original
    rows = rng.choice(eligible, total, replace=False)
    counts = _quota(np.ones(len(kinds)), total)
    edges = np.concatenate([[0], np.cumsum(counts)])
    return {k: np.sort(rows[edges[i]:edges[i + 1]]) for i, k in enumerate(kinds)}


def _earlier_good(rng: np.random.Generator, rows: np.ndarray, good: np.ndarray) -> np.ndarray:
    """For each row a random good row before it (the original of a duplicate)."""
    before = np.searchsorted(good, rows)
    return good[np.floor(rng.random(len(rows)) * before).astype(int)]


def _record_defects(manifest: dict, name: str, kind: str, rows: int,
                    defects: dict[str, np.ndarray], first_data_line: int, **extra) -> None:
    """Manifest entry: row count and the injected defects with their 1-based data rows.

    Data row r sits on line (sheet row) first_data_line + r - 1 of the file.
    """
    manifest["files"][name] = {
        "kind": kind, "rows": rows, "first_data_line": first_data_line, **extra,
        "bad_rows": int(sum(len(v) for v in defects.values())),
        "defects": {k: len(v) for k, v in defects.items()},
        "defect_rows": {k: [int(r) + 1 for r in v] for k, v in defects.items()},
    }


# ------------------------------------------------------------------------------------------
# Enterprises
# ------------------------------------------------------------------------------------------

ENTERPRISE_DEFECTS = ("wrong_check_char", "duplicate_credit_code", "unresolvable_address",
                      "empty_name")
# Qingdao anchor firms: (place, node, chain leader, listed). Two VR chain leaders in Laoshan
# are a hard requirement of the demo; the rest mirror Qingdao's real anchors (smart home in
# Laoshan, rail in Chengyang, UHD video and smart ocean in the West Coast).
ANCHORS = (
    ("370212", "T14", True, True), ("370212", "T14", True, False),
    ("370212", "T14", False, False), ("370212", "T14", False, False),
    ("370212", "T14", False, False), ("370202", "T14", False, False),
    ("370212", "A04", True, True), ("370214", "A07", True, True), ("370211", "A15", True, True),
    ("370212", "A05", True, False), ("370211", "A08", True, False), ("370202", "T05", False, False),
)


def make_enterprises(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame
                     ) -> pd.DataFrame:
    """Enterprise records: latent columns (unit_i, place_i, node_i, good …) and file columns."""
    units = _sample_units(rng, geo, n, "firm")
    node_i = _sample_nodes(rng, units, _layer_probs(geo, nodes, FIRM_LAYERS))
    place = _sample_places(rng, geo, units, nodes["node_id"].to_numpy()[node_i], "firm")
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place})
    _cap_qingdao_gaps(rng, df, geo, nodes, np.ones(n, dtype=bool))
    _firm_size(rng, df)
    anchors = _place_anchors(rng, df, geo, nodes)
    _choose_leaders(rng, df, anchors)
    defects = _defect_rows(rng, n, ENTERPRISE_DEFECTS, anchors)
    df["good"] = True
    for rows in defects.values():
        df.loc[rows, "good"] = False
    _firm_text(rng, df, geo, nodes)
    _break_enterprises(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _firm_size(rng: np.random.Generator, df: pd.DataFrame) -> None:
    """Employees, registered capital, founding date and listing (2%, biased to large)."""
    n = len(df)
    emp = np.clip(np.exp(rng.normal(np.log(25), 1.3, n)), 1, 60_000).round().astype(int)
    cap = emp * np.exp(rng.normal(np.log(15), 0.9, n))
    nice = np.array([50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000, 20000, 50000])
    snapped = nice[np.abs(np.log(cap)[:, None] - np.log(nice)[None, :]).argmin(axis=1)]
    df["employees"] = emp
    df["capital"] = np.where(rng.random(n) < 0.6, snapped, np.round(cap, 1))
    age = np.clip(rng.lognormal(np.log(6) + 0.12 * np.log(emp / 25), 0.6), 0.05, 29.9)
    df["founded"] = np.datetime64(SNAPSHOT) - (age * 365.25).astype("timedelta64[D]")
    df["listed"] = False
    df.loc[_choose_weighted(rng, emp.astype(float) ** 1.2, max(1, round(n * 0.02))),
           "listed"] = True


def _place_anchors(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                   nodes: pd.DataFrame) -> np.ndarray:
    """Overwrite donor rows (from the biggest unit) with Qingdao's anchor firms."""
    biggest = np.bincount(df["unit_i"]).argmax()
    rows = np.sort(rng.choice(np.flatnonzero(df["unit_i"].to_numpy() == biggest), len(ANCHORS),
                              replace=False))
    place_pos = {p: i for i, p in enumerate(geo.places["place"])}
    node_pos = {nid: i for i, nid in enumerate(nodes["node_id"])}
    qd = geo.unit_index("青岛市")
    df["leader"] = False
    for row, (place, node, leader, listed) in zip(rows, ANCHORS, strict=True):
        size = rng.integers(2_000, 20_000) if leader else rng.integers(80, 600)
        df.loc[row, ["unit_i", "place_i", "node_i", "employees"]] = [
            qd, place_pos[place], node_pos[node], size]
        df.loc[row, ["listed", "leader"]] = [listed, leader]
        df.loc[row, "capital"] = float(size * rng.integers(20, 60))
    return rows


def _choose_leaders(rng: np.random.Generator, df: pd.DataFrame, anchors: np.ndarray) -> None:
    """About 1% chain leaders, biased to large listed firms (anchors already included)."""
    want = max(round(len(df) * 0.01) - int(df["leader"].sum()), 0)
    w = df["employees"].to_numpy(float) * np.where(df["listed"], 10.0, 1.0)
    w[anchors] = 0.0
    w[df["leader"].to_numpy()] = 0.0
    df.loc[_choose_weighted(rng, w, want), "leader"] = True


def _firm_text(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame) -> None:
    """The file's columns: code, name, address, scope, dates, capital, flags."""
    n = len(df)
    adcodes = geo.places["place"].to_numpy()[df["place_i"]]
    df["统一社会信用代码"] = credit_codes(rng, adcodes)
    df["企业名称"] = _firm_names(rng, df, geo, nodes)
    df["注册地址"] = _addresses(rng, geo, df["place_i"].to_numpy())
    df["经营范围"] = _scopes(rng, df["node_i"].to_numpy(), nodes)
    df["成立日期"] = _mixed_dates(rng, df["founded"].to_numpy().astype("datetime64[D]"))
    df["注册资本(万元)"] = np.where(rng.random(n) < 0.03, "", _fmt(df["capital"].to_numpy()))
    df["参保人数"] = np.where(rng.random(n) < 0.05, "", _str(df["employees"]))
    df["是否上市"] = np.where(df["listed"], "是", "否")
    df["链主企业"] = np.where(df["leader"], "是", "否")
    df["数据日期"] = SNAPSHOT


def _firm_names(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                nodes: pd.DataFrame) -> np.ndarray:
    """'青岛海澜智能科技有限公司', '海澜智能（青岛）科技有限公司' … unique within the file."""
    n = len(df)
    layer = nodes["layer"].to_numpy()[df["node_i"]]
    node_id = nodes["node_id"].to_numpy()[df["node_i"]]
    words = np.empty(n, dtype=object)
    for lay, options in FIRM_WORDS.items():
        rows = np.flatnonzero(layer == lay)
        words[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    own = rng.random(n) < 0.5
    for node, options in NODE_FIRM_WORDS.items():
        rows = np.flatnonzero(own & (node_id == node))
        words[rows] = np.array(options, dtype=object)[rng.integers(0, len(options), len(rows))]
    suffix = np.where(df["listed"], "科技股份有限公司",
                      np.array(FIRM_SUFFIX, dtype=object)[rng.integers(0, 5, n)])
    city = geo.units["short"].to_numpy(dtype=object)[df["unit_i"]]
    style = rng.choice(3, n, p=[0.75, 0.15, 0.10])
    brand = _brands(rng, n)
    while True:
        names = np.choose(style, [_cat(city, brand, words, suffix),
                                  _cat(brand, words, "（", city, "）", suffix),
                                  _cat(brand, words, suffix)])
        dup = pd.Series(names).duplicated().to_numpy()
        if not dup.any():
            return names
        brand[dup] = _brands(rng, int(dup.sum()))


def _brands(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invented two-character brands."""
    chars = np.array(list(BRAND), dtype=object)
    return _cat(chars[rng.integers(0, len(chars), n)], chars[rng.integers(0, len(chars), n)])


def _addresses(rng: np.random.Generator, geo: Geo, places: np.ndarray) -> np.ndarray:
    """Registered address: place text in varied styles + street, number, building."""
    n = len(places)
    head = _render(geo, places, ADDR_STYLES, rng.choice(4, n, p=_p(ADDR_STYLE_W)),
                   rng.integers(0, 3, n))
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    number = _str(rng.integers(1, 400, n))
    extra_kind = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    building = np.array(BUILDINGS, dtype=object)[rng.integers(0, len(BUILDINGS), n)]
    room = _str(rng.integers(1, 30, n) * 100 + rng.integers(1, 20, n))
    extra = np.where(extra_kind == 1, _cat(_str(rng.integers(1, 12, n)), "号楼", room, "室"),
                     np.where(extra_kind == 2, _cat(building, room, "室"), ""))
    return _cat(head, street, number, "号", extra)


def _scopes(rng: np.random.Generator, node_i: np.ndarray, nodes: pd.DataFrame) -> np.ndarray:
    """经营范围: generic technical services plus 1-3 of the node's (Chinese) keywords."""
    n = len(node_i)
    kw = np.full((n, 3), "", dtype=object)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        words = np.array(nodes.at[ni, "kw_zh"] or nodes.at[ni, "kw"], dtype=object)
        kw[rows] = words[_topk(rng, len(rows), np.ones(len(words)), 3)]
    n_kw = rng.integers(1, 4, n)
    pattern = rng.integers(0, len(SCOPE_PATTERNS), (n, 3))
    generic = np.sort(_topk(rng, n, np.ones(len(SCOPE_GENERIC)), 5), axis=1)
    n_gen = rng.integers(3, 6, n)
    prefix = rng.random(n) < 0.7
    suffix = rng.random(n) < 0.5
    out = np.empty(n, dtype=object)
    for i in range(n):
        node_part = "；".join(SCOPE_PATTERNS[pattern[i, j]].format(kw=kw[i, j])
                             for j in range(n_kw[i]))
        gen = "、".join(SCOPE_GENERIC[j] for j in np.sort(generic[i, :n_gen[i]]))
        out[i] = (("一般项目：" if prefix[i] else "") + f"{gen}；{node_part}"
                  + ("。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）" if suffix[i] else ""))
    return out


def _mixed_dates(rng: np.random.Generator, d: np.ndarray) -> np.ndarray:
    """'2015-03-02', '2015/3/2' or '2015年3月2日'."""
    y, m, day = (_str(a) for a in _ymd(d))
    style = rng.choice(3, len(d), p=[0.5, 0.3, 0.2])
    return np.where(style == 0, _iso(d), np.where(style == 1, _cat(y, "/", m, "/", day),
                                                  _cat(y, "年", m, "月", day, "日")))


def _break_enterprises(rng: np.random.Generator, df: pd.DataFrame,
                       defects: dict[str, np.ndarray]) -> None:
    """Apply the enterprise defects in place."""
    codes = df["统一社会信用代码"].to_numpy().copy()
    for r in defects["wrong_check_char"]:
        right = _CHARSET.index(codes[r][-1])
        codes[r] = codes[r][:-1] + _CHARSET[(right + rng.integers(1, 31)) % 31]
    df["统一社会信用代码"] = codes
    good = np.flatnonzero(df["good"].to_numpy())
    dup = defects["duplicate_credit_code"]
    originals = _earlier_good(rng, dup, good)
    for col in ("统一社会信用代码", "企业名称", "注册地址", "经营范围", "成立日期", "注册资本(万元)",
                "是否上市", "链主企业", "unit_i", "place_i", "node_i"):
        df.loc[dup, col] = df.loc[originals, col].to_numpy()
    bad = defects["unresolvable_address"]
    df.loc[bad, "注册地址"] = np.array(BAD_PLACES, dtype=object)[rng.integers(0, 4, len(bad))]
    df.loc[defects["empty_name"], "企业名称"] = ""


ENTERPRISE_COLUMNS = ("统一社会信用代码", "企业名称", "注册地址", "经营范围", "成立日期",
                      "注册资本(万元)", "参保人数", "是否上市", "链主企业", "数据日期")


def _write_enterprises(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """enterprises.csv in GBK with CRLF line ends, as a Windows registry export would be."""
    path = out_dir / "enterprises.csv"
    df.loc[:, list(ENTERPRISE_COLUMNS)].to_csv(path, index=False, encoding="gbk",
                                               lineterminator="\r\n")
    _record_defects(manifest, path.name, "enterprise", len(df), df.attrs["defects"], 2,
                    encoding="gbk")
    return path


# ------------------------------------------------------------------------------------------
# Talents
# ------------------------------------------------------------------------------------------

TALENT_DEFECTS = ("negative_experience", "implausible_birth_year", "unresolvable_region",
                  "empty_id", "duplicate_id")
TALENT_COLUMNS = ("人才编号", "姓名", "手机", "邮箱", "所在地", "出生年份", "最高学历", "毕业院校", "专业",
                  "工作年限", "人才层次", "技能标签", "职位", "现任单位", "单位信用代码", "是否海归",
                  "留学国家", "是否愿意流动", "期望城市", "数据日期")  # fmt: skip


def make_talents(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame,
                 firms: pd.DataFrame) -> pd.DataFrame:
    """Talent records: latent columns (unit_i, place_i, node_i, good …) and file columns."""
    units = _sample_units(rng, geo, n, "talent")
    node_i = _sample_nodes(rng, units, _layer_probs(geo, nodes, TALENT_LAYERS))
    node_ids = nodes["node_id"].to_numpy()
    place = _sample_places(rng, geo, units, node_ids[node_i], "talent")
    style = rng.choice(len(LOC_STYLES), n, p=_p(LOC_STYLE_W))
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place, "style": style,
                       "prov": geo.units["prov"].to_numpy()[units]})
    defects = _defect_rows(rng, n, TALENT_DEFECTS)
    df["good"] = True
    for rows in defects.values():
        df.loc[rows, "good"] = False
    _cap_qingdao_gaps(rng, df, geo, nodes, df["good"].to_numpy())
    _ensure_laoshan_vr(rng, df, geo, nodes)
    df["所在地"] = _render(geo, df["place_i"].to_numpy(), LOC_STYLES, style, rng.integers(0, 3, n))
    _talent_person(rng, df, nodes)
    _talent_work(rng, df, geo, nodes, firms)
    _break_talents(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _cap_qingdao_gaps(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                      counted: np.ndarray) -> None:
    """Keep Qingdao's LQ in QD_GAPS below QD_GAP_MAX_LQ (over the ``counted`` rows)."""
    ids = nodes["node_id"].to_numpy()
    node_i = df["node_i"].to_numpy().copy()
    local = counted & (df["unit_i"].to_numpy() == geo.unit_index("青岛市"))
    emphases = np.flatnonzero(np.isin(ids, QD_EMPHASES))
    for gap in np.flatnonzero(np.isin(ids, QD_GAPS)):
        allowed = math.floor(QD_GAP_MAX_LQ * (node_i[counted] == gap).mean() * local.sum())
        rows = np.flatnonzero(local & (node_i == gap))
        if len(rows) > allowed:
            extra = rng.choice(rows, len(rows) - allowed, replace=False)
            node_i[extra] = rng.choice(emphases, len(extra))
    df["node_i"] = node_i


def _ensure_laoshan_vr(rng: np.random.Generator, df: pd.DataFrame, geo: Geo,
                       nodes: pd.DataFrame) -> None:
    """Make VR (T14) a Laoshan stronghold: its talent LQ there ≥ LAOSHAN_VR_MIN_LQ."""
    vr = int(np.flatnonzero(nodes["node_id"].to_numpy() == "T14")[0])
    laoshan = int(np.flatnonzero(geo.places["place"].to_numpy() == LAOSHAN)[0])
    in_district = df["style"].to_numpy() < 4  # styles that name the district
    good = df["good"].to_numpy()
    local = np.flatnonzero(good & in_district & (df["place_i"].to_numpy() == laoshan))
    node_i = df["node_i"].to_numpy().copy()
    national = (node_i[good] == vr).mean()
    need = max(2, math.ceil(LAOSHAN_VR_MIN_LQ * national * len(local)))
    have = int((node_i[local] == vr).sum())
    if have < need and len(local):
        others = local[node_i[local] != vr]
        node_i[rng.choice(others, min(need - have, len(others)), replace=False)] = vr
    df["node_i"] = node_i


def _talent_person(rng: np.random.Generator, df: pd.DataFrame, nodes: pd.DataFrame) -> None:
    """Identity and background: id, name, contact, education, school, experience, tier."""
    n = len(df)
    node_ids = nodes["node_id"].to_numpy()[df["node_i"]]
    df["人才编号"] = _cat("R", _str(10_000_000 + np.cumsum(rng.integers(1, 20, n))))
    sur = rng.choice(len(SURNAMES), n, p=_p([s[2] for s in SURNAMES]))
    given = np.array(list(GIVEN), dtype=object)
    two = rng.random(n) < 0.7
    first = given[rng.integers(0, len(given), n)]
    second = np.where(two, given[rng.integers(0, len(given), n)], "")
    df["姓名"] = _cat(np.array([s[0] for s in SURNAMES], dtype=object)[sur], first, second)
    nine = pd.Series(_str(rng.integers(0, 10**9, n) + 10**9)).str.slice(1).to_numpy(dtype=object)
    df["手机"] = _cat("1", _str(rng.integers(3, 10, n)), nine)
    df["邮箱"] = _emails(rng, sur)
    edu = _education(rng, node_ids)
    df["edu"] = edu
    df["最高学历"] = _edu_text(rng, edu)
    df["years"] = _experience(rng, edu)
    df["工作年限"] = _years_text(rng, df["years"].to_numpy())
    observed = _dates(rng, n, [YEAR_GROWTH**i for i in range(len(YEARS))])
    df["observed"] = observed
    obs_year = _ymd(observed)[0]
    age = np.array([GRAD_AGE[e] for e in edu]) + df["years"].to_numpy() + rng.integers(0, 3, n)
    df["出生年份"] = obs_year - age
    df["人才层次"] = _tiers(rng, edu)
    returnee = rng.random(n) < np.array([RETURNEE_P[e] for e in edu])
    country = np.array(list(COUNTRIES), dtype=object)[
        rng.choice(len(COUNTRIES), n, p=_p(list(COUNTRIES.values())))]
    df["是否海归"] = np.where(returnee, "是", "否")
    df["留学国家"] = np.where(returnee, country, "")
    df["毕业院校"] = _universities(rng, df, edu, returnee, country)
    df["专业"] = _majors(rng, node_ids)


def _emails(rng: np.random.Generator, sur: np.ndarray) -> np.ndarray:
    """QQ-number mail, pinyin-ish mail, or empty (10%)."""
    n = len(sur)
    pinyin = np.array([s[1] for s in SURNAMES], dtype=object)[sur]
    letters = np.array(list("abcdefghjklmnpqrstwxyz"), dtype=object)
    tag = _cat(letters[rng.integers(0, 22, n)], letters[rng.integers(0, 22, n)])
    domain = np.array(["@163.com", "@126.com", "@gmail.com", "@outlook.com", "@foxmail.com",
                       "@sina.com"], dtype=object)[rng.integers(0, 6, n)]
    kind = rng.choice(3, n, p=[0.4, 0.5, 0.1])
    qq = _cat(_str(rng.integers(10**5, 10**10, n)), "@qq.com")
    named = _cat(pinyin, tag, _str(rng.integers(1, 1000, n)), domain)
    return np.where(kind == 0, qq, np.where(kind == 1, named, ""))


def _education(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """Highest education level per row by node profile (EDU_MIX)."""
    out = np.empty(len(node_ids), dtype=object)
    profile = np.where(np.isin(node_ids, list(RESEARCH_NODES)), "research",
                       np.where(node_ids == "F08", "labour", "normal"))
    for name, mix in EDU_MIX.items():
        rows = np.flatnonzero(profile == name)
        out[rows] = np.array(EDUCATION, dtype=object)[rng.choice(5, len(rows), p=_p(mix))]
    return out


def _edu_text(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """Education as written: '硕士研究生', '统招本科' … (variants the ETL must fold)."""
    out = np.empty(len(edu), dtype=object)
    for level, variants in EDU_VARIANTS.items():
        rows = np.flatnonzero(edu == level)
        out[rows] = np.array(variants, dtype=object)[
            rng.choice(len(variants), len(rows), p=_p(EDU_VARIANT_W[level]))]
    return out


def _experience(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """Whole years of experience: 8% fresh graduates, else a right-skewed spread (≤ 35)."""
    n = len(edu)
    years = np.clip(np.round(rng.gamma(2.0, 3.2, n)), 1, 35).astype(int)
    years = np.where(edu == "博士", np.maximum(years - 2, 0), years)
    return np.where(rng.random(n) < 0.08, 0, years)


def _years_text(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """'5年', '5', '10年以上', '应届'."""
    n = len(years)
    style = rng.random(n)
    text = np.where(style < 0.65, _cat(_str(years), "年"), _str(years))
    text = np.where((years >= 10) & (style > 0.8), "10年以上", text)
    fresh = np.array(["应届", "应届生", "无经验"], dtype=object)[rng.choice(3, n, p=[0.6, 0.3, 0.1])]
    return np.where(years == 0, fresh, text)


def _tiers(rng: np.random.Generator, edu: np.ndarray) -> np.ndarray:
    """人才层次 A-E or '' by education (TIER_P)."""
    u = rng.random(len(edu))
    out = np.full(len(edu), "", dtype=object)
    for level, probs in TIER_P.items():
        rows = np.flatnonzero(edu == level)
        edges = np.cumsum(probs)
        pick = np.searchsorted(edges, u[rows], side="right")
        out[rows] = np.array(list("ABCDE") + [""], dtype=object)[pick]
    return out


def _universities(rng: np.random.Generator, df: pd.DataFrame, edu: np.ndarray,
                  returnee: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Domestic (local ones boosted), vocational for 大专, foreign for half the returnees."""
    n = len(df)
    names = np.array([u[0] for u in UNIVERSITIES], dtype=object)
    uni_prov = np.array([u[1] for u in UNIVERSITIES])
    base = np.array([u[2] for u in UNIVERSITIES], float)
    out = names[rng.choice(len(names), n, p=_p(base))]
    local_first = rng.random(n) < 0.3
    for p in np.unique(uni_prov):
        cand = np.flatnonzero(uni_prov == p)
        rows = np.flatnonzero(local_first & (df["prov"].to_numpy() == p))
        out[rows] = names[cand[rng.choice(len(cand), len(rows), p=_p(base[cand]))]]
    college = np.array(COLLEGES, dtype=object)[rng.integers(0, len(COLLEGES), n)]
    out = np.where(np.isin(edu, ["大专", "其他"]), college, out)
    abroad = returnee & (rng.random(n) < 0.5) & np.isin(edu, ["博士", "硕士"])
    for c, unis in FOREIGN_UNIS.items():
        rows = np.flatnonzero(abroad & (country == c))
        out[rows] = np.array(unis, dtype=object)[rng.integers(0, len(unis), len(rows))]
    return np.where(edu == "其他", "", out)


def _majors(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """Node-specific major half the time (when the node has one), else a CS-like major."""
    n = len(node_ids)
    out = np.array(MAJORS, dtype=object)[rng.integers(0, len(MAJORS), n)]
    own = rng.random(n) < 0.5
    for node, majors in NODE_MAJORS.items():
        rows = np.flatnonzero(own & (node_ids == node))
        out[rows] = np.array(majors, dtype=object)[rng.integers(0, len(majors), len(rows))]
    return out


def _skills(rng: np.random.Generator, node_i: np.ndarray, nodes: pd.DataFrame, k_node: np.ndarray,
            k_gen: np.ndarray) -> np.ndarray:
    """Object matrix: the node's keywords first (weighted to the list's head), then generic."""
    n = len(node_i)
    width = int(k_node.max() + k_gen.max())
    cols = np.full((n, width), "", dtype=object)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        kws = np.array(nodes.at[ni, "kw"], dtype=object)
        k = min(int(k_node.max()), len(kws))
        cols[rows, :k] = kws[_topk(rng, len(rows), nodes.at[ni, "kw_w"], k)]
    gen = np.array(GENERIC_SKILLS, dtype=object)[_topk(rng, n, GENERIC_SKILL_W, int(k_gen.max()))]
    for j in range(int(k_gen.max())):
        at = k_node + j
        take = j < k_gen
        cols[np.flatnonzero(take), at[take]] = gen[take, j]
    return cols


def _talent_work(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                 firms: pd.DataFrame) -> None:
    """Skills, title, employer (same city, same node when possible), mobility, snapshot date."""
    n = len(df)
    node_i = df["node_i"].to_numpy()
    k_node = rng.integers(2, 5, n)
    k_gen = np.minimum(rng.integers(0, 3, n), 6 - k_node)
    k_gen = np.maximum(k_gen, 3 - k_node)
    cols = _skills(rng, node_i, nodes, k_node, k_gen)
    sep = np.array(["、", ",", "/"], dtype=object)[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    df["技能标签"] = _join(cols, k_node + k_gen, sep)
    df["职位"] = _titles(rng, nodes["node_id"].to_numpy()[node_i], df["years"].to_numpy())
    emp = _employers(rng, df, firms, len(nodes))
    has = emp >= 0
    fnames = firms["企业名称"].to_numpy()
    fcodes = firms["统一社会信用代码"].to_numpy()
    df["现任单位"] = np.where(has, fnames[np.maximum(emp, 0)], "")
    show_code = has & (rng.random(n) < 0.85)
    df["单位信用代码"] = np.where(show_code, fcodes[np.maximum(emp, 0)], "")
    _mobility(rng, df, geo)
    df["数据日期"] = _iso(df["observed"].to_numpy())


def _titles(rng: np.random.Generator, node_ids: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Node title with a seniority prefix by experience."""
    n = len(node_ids)
    out = np.empty(n, dtype=object)
    for node, titles in TITLES.items():
        rows = np.flatnonzero(node_ids == node)
        out[rows] = np.array(titles, dtype=object)[rng.integers(0, len(titles), len(rows))]
    u = rng.random(n)
    prefix = np.where(years >= 10, np.where(u < 0.3, "资深", np.where(u < 0.4, "首席", "高级")),
                      np.where((years >= 4) & (u < 0.45), "高级", ""))
    return _cat(prefix, out)


def _employers(rng: np.random.Generator, df: pd.DataFrame, firms: pd.DataFrame,
               n_nodes: int) -> np.ndarray:
    """Row of the employing firm (good firms only), -1 for none: same unit and node 70%."""
    good = np.flatnonzero(firms["good"].to_numpy())
    f_unit = firms["unit_i"].to_numpy()[good]
    f_key = f_unit * n_nodes + firms["node_i"].to_numpy()[good]
    t_key = df["unit_i"].to_numpy() * n_nodes + df["node_i"].to_numpy()
    same_node = _pick(rng, f_key, t_key)
    same_unit = _pick(rng, f_unit, df["unit_i"].to_numpy())
    u = rng.random(len(df))
    pick = np.where((u < 0.7) & (same_node >= 0), same_node, same_unit)
    pick = np.where(u > 0.85, -1, pick)
    return np.where(pick >= 0, good[np.maximum(pick, 0)], -1)


def _mobility(rng: np.random.Generator, df: pd.DataFrame, geo: Geo) -> None:
    """是否愿意流动 (35% yes) and 期望城市: own city, 青岛 for some, or a big city."""
    n = len(df)
    willing = rng.random(n) < 0.35
    units = df["unit_i"].to_numpy()
    big = _unit_weights(geo, "talent")
    big[~geo.units["name"].isin(CITIES).to_numpy()] = 0
    target = rng.choice(len(big), n, p=_p(big))
    u = rng.random(n)
    qd = geo.unit_index("青岛市")
    target = np.where(u < 0.10, qd, np.where(u < 0.40, units, target))
    styles = rng.choice(2, n, p=[0.4, 0.6])
    text = _unit_text(geo, target, styles)
    own = _unit_text(geo, units, np.ones(n, dtype=int))
    df["是否愿意流动"] = np.where(willing, "是", "否")
    df["期望城市"] = np.where(willing, text, np.where(rng.random(n) < 0.6, own, ""))


def _break_talents(rng: np.random.Generator, df: pd.DataFrame,
                   defects: dict[str, np.ndarray]) -> None:
    """Apply the talent defects in place."""
    neg = defects["negative_experience"]
    df.loc[neg, "工作年限"] = _cat("-", _str(rng.integers(1, 6, len(neg))))
    by = defects["implausible_birth_year"]
    df.loc[by, "出生年份"] = np.where(rng.random(len(by)) < 0.5, 1900, 2015)
    bad = defects["unresolvable_region"]
    df.loc[bad, "所在地"] = np.array(BAD_PLACES, dtype=object)[rng.integers(0, 4, len(bad))]
    df.loc[defects["empty_id"], "人才编号"] = ""
    dup = defects["duplicate_id"]
    good = np.flatnonzero(df["good"].to_numpy())
    df.loc[dup, "人才编号"] = df.loc[_earlier_good(rng, dup, good), "人才编号"].to_numpy()


def _write_talents(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """talents.xlsx (title row above the header) up to XLSX_MAX_ROWS, else talents.csv."""
    table = df.loc[:, list(TALENT_COLUMNS)]
    if len(df) <= XLSX_MAX_ROWS:
        path = out_dir / "talents.xlsx"
        _write_xlsx(table, path, f"人才信息导出 {SNAPSHOT}", date_columns=("数据日期",))
        first, extra = 3, {"format": "xlsx", "title_rows": 1}
    else:
        path = out_dir / "talents.csv"
        table.to_csv(path, index=False, encoding="utf-8-sig")
        first, extra = 2, {"format": "csv", "encoding": "utf-8-sig"}
    _record_defects(manifest, path.name, "talent", len(df), df.attrs["defects"], first, **extra)
    return path


def _write_xlsx(table: pd.DataFrame, path: Path, title: str, date_columns=()) -> None:
    """Write-only workbook: one title row, the header, the rows; fixed timestamps."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人才")
    ws.append([title])
    ws.append(list(table.columns))
    cols = []
    for name in table.columns:
        values = table[name].to_numpy(dtype=object)
        if name in date_columns:
            values = np.array([dt.date.fromisoformat(v) if v else None for v in values],
                              dtype=object)
        else:
            values = np.array([None if isinstance(v, str) and v == "" else v for v in values],
                              dtype=object)
        cols.append(values)
    for row in zip(*cols, strict=True):
        ws.append([v.item() if isinstance(v, np.generic) else v for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed entry and document timestamps (byte-identical output)."""
    stamp = SNAPSHOT + "T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.encode(), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 12, 31, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            zout.writestr(fixed, body)
    return out.getvalue()


# ------------------------------------------------------------------------------------------
# Postings
# ------------------------------------------------------------------------------------------

POSTING_DEFECTS = ("garbage_salary", "empty_title", "unparseable_date")
EXP_REQ = ("经验不限", "应届生", "1年以下", "1-3年", "3-5年", "5-10年", "10年以上")
EXP_REQ_W = (15, 6, 4, 22, 30, 19, 4)
EXP_REQ_MIN = np.array([0, 0, 0, 1, 3, 5, 10])
EXP_SALARY = np.array([0.9, 0.65, 0.7, 0.82, 1.05, 1.32, 1.6])
EDU_REQ = ("本科及以上", "本科", "硕士", "硕士及以上", "博士", "大专及以上", "学历不限")
EDU_REQ_W = {"research": (45, 5, 15, 20, 5, 2, 8), "normal": (55, 8, 5, 7, 0.5, 12, 13),
             "labour": (10, 2, 0, 0, 0, 50, 38)}  # fmt: skip
# Posting growth per year (2021 → 2024); model nodes boom after late 2022 (D4: NLP +111%).
POSTING_YEAR_W = (1.0, 1.15, 1.3, 1.55)
BOOM_YEAR_W = (0.25, 0.45, 1.5, 3.0)
BOOM_NODES = frozenset({"T04", "T05", "T06", "T11"})
POSTING_COLUMNS = ("职位编号", "职位名称", "公司名称", "统一社会信用代码", "工作地点", "薪资", "学历要求",
                   "经验要求", "技能标签", "发布日期")  # fmt: skip


def _latest_share(weights) -> float:
    """The latest year's share of records drawn with these year weights."""
    return float(weights[-1]) / float(sum(weights))


def posting_counts(talents: pd.DataFrame, n: int, nodes: pd.DataFrame) -> np.ndarray:
    """Postings per node so that the dashboard's supply/demand in the latest year — talent
    active (observed) in the year ÷ postings published in it — follows SUPPLY_DEMAND (C1/C3/C4).
    Postings of the boom nodes crowd into the last years (BOOM_YEAR_W), talent snapshots grow by
    YEAR_GROWTH a year: each node's count is set for its own latest-year share."""
    good = talents["good"].to_numpy()
    supply = np.bincount(talents["node_i"].to_numpy()[good], minlength=len(nodes)).astype(float)
    ratio = nodes["node_id"].map(SUPPLY_DEMAND).to_numpy(float)
    talent_share = _latest_share([YEAR_GROWTH**i for i in range(len(YEARS))])
    posting_share = np.where(nodes["node_id"].isin(BOOM_NODES).to_numpy(),
                             _latest_share(BOOM_YEAR_W), _latest_share(POSTING_YEAR_W))
    return _quota(np.maximum(supply, 1.0) * talent_share / posting_share / ratio, n)


def make_postings(rng: np.random.Generator, n: int, geo: Geo, nodes: pd.DataFrame,
                  firms: pd.DataFrame, talents: pd.DataFrame) -> pd.DataFrame:
    """Job postings: node counts from the supply/demand targets, city given the node."""
    node_ids = nodes["node_id"].to_numpy()
    counts = posting_counts(talents, n, nodes)
    node_i = np.repeat(np.arange(len(nodes)), counts)
    node_i = node_i[rng.permutation(n)]
    units = _posting_units(rng, geo, nodes, node_i)
    place = _sample_places(rng, geo, units, node_ids[node_i], "posting")
    df = pd.DataFrame({"unit_i": units, "node_i": node_i, "place_i": place})
    defects = _defect_rows(rng, n, POSTING_DEFECTS)
    _posting_fields(rng, df, geo, nodes, firms)
    _break_postings(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _posting_units(rng: np.random.Generator, geo: Geo, nodes: pd.DataFrame,
                   node_i: np.ndarray) -> np.ndarray:
    """Unit per posting: P(unit | node) ∝ posting weight × the city's node specialism."""
    probs = _layer_probs(geo, nodes, TALENT_LAYERS)
    plain = np.flatnonzero(~geo.units["name"].isin(CITY_NODE_BOOST).to_numpy())[0]
    rel = probs / probs[plain][None, :]  # the city's specialism relative to the national mix
    joint = _unit_weights(geo, "posting")[:, None] * rel
    out = np.empty(len(node_i), dtype=int)
    for ni in np.unique(node_i):
        rows = np.flatnonzero(node_i == ni)
        out[rows] = rng.choice(len(geo.units), len(rows), p=_p(joint[:, ni]))
    return out


def _posting_fields(rng: np.random.Generator, df: pd.DataFrame, geo: Geo, nodes: pd.DataFrame,
                    firms: pd.DataFrame) -> None:
    """All file columns of the postings."""
    n = len(df)
    node_ids = nodes["node_id"].to_numpy()[df["node_i"]]
    df["职位编号"] = _cat("JD", _str(3_000_000_000 + np.cumsum(rng.integers(1, 50, n))))
    exp = rng.choice(len(EXP_REQ), n, p=_p(EXP_REQ_W))
    exp = np.where((node_ids == "F08") & (rng.random(n) < 0.5), 0, exp)
    df["职位名称"] = _titles(rng, node_ids, np.where(EXP_REQ_MIN[exp] >= 5, 4, 0))
    firm = _posting_firms(rng, df, firms, len(nodes))
    df["公司名称"] = firms["企业名称"].to_numpy()[firm]
    codes = firms["统一社会信用代码"].to_numpy()[firm]
    df["统一社会信用代码"] = np.where(rng.random(n) < 0.7, codes, None)
    style = rng.choice(len(POST_STYLES), n, p=_p(POST_STYLE_W))
    df["工作地点"] = _render(geo, df["place_i"].to_numpy(), POST_STYLES, style)
    posted = _posting_dates(rng, node_ids)
    df["薪资"] = _salaries(rng, geo, df, node_ids, exp, _ymd(posted)[0])
    profile = np.where(np.isin(node_ids, list(RESEARCH_NODES)), "research",
                       np.where(node_ids == "F08", "labour", "normal"))
    edu = np.empty(n, dtype=object)
    for name, w in EDU_REQ_W.items():
        rows = np.flatnonzero(profile == name)
        edu[rows] = np.array(EDU_REQ, dtype=object)[rng.choice(len(EDU_REQ), len(rows), p=_p(w))]
    df["学历要求"] = edu
    df["经验要求"] = np.array(EXP_REQ, dtype=object)[exp]
    k_node = rng.integers(2, 6, n)
    k_gen = np.minimum(rng.integers(0, 3, n), 6 - k_node)
    k_gen = np.maximum(k_gen, 3 - k_node)
    df["技能标签"] = _join(_skills(rng, df["node_i"].to_numpy(), nodes, k_node, k_gen),
                        k_node + k_gen, ",")
    df["发布日期"] = _iso(posted)


def _posting_firms(rng: np.random.Generator, df: pd.DataFrame, firms: pd.DataFrame,
                   n_nodes: int) -> np.ndarray:
    """Hiring firm: same unit and node (75%), same unit, same node anywhere, any firm."""
    good = np.flatnonzero(firms["good"].to_numpy())
    f_unit = firms["unit_i"].to_numpy()[good]
    f_node = firms["node_i"].to_numpy()[good]
    units, node_i = df["unit_i"].to_numpy(), df["node_i"].to_numpy()
    same = _pick(rng, f_unit * n_nodes + f_node, units * n_nodes + node_i)
    unit_only = _pick(rng, f_unit, units)
    node_only = _pick(rng, f_node, node_i)
    anyone = rng.integers(0, len(good), len(df))
    pick = np.where(rng.random(len(df)) < 0.75, same, -1)
    for fallback in (unit_only, node_only, anyone):
        pick = np.where(pick >= 0, pick, fallback)
    return good[pick]


def _posting_dates(rng: np.random.Generator, node_ids: np.ndarray) -> np.ndarray:
    """发布日期 2021-2024, growing; model nodes boom from 2023."""
    out = np.empty(len(node_ids), dtype="datetime64[D]")
    boom = np.isin(node_ids, list(BOOM_NODES))
    for mask, w in ((boom, BOOM_YEAR_W), (~boom, POSTING_YEAR_W)):
        rows = np.flatnonzero(mask)
        out[rows] = _dates(rng, len(rows), w)
    return out


def _salaries(rng: np.random.Generator, geo: Geo, df: pd.DataFrame, node_ids: np.ndarray,
              exp: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Salary strings in job-board styles around a calibrated monthly midpoint (D1/D3/D4)."""
    n = len(df)
    city = geo.units["name"].map(lambda c: CITIES[c][3] if c in CITIES else TAIL_SALARY)
    mid = (AI_SALARY * city.to_numpy()[df["unit_i"].to_numpy()] * pd.Series(node_ids).map(NODE_SALARY)
           .to_numpy() * EXP_SALARY[exp] * (1 + 0.03 * (year - 2023))
           * rng.lognormal(0, 0.18, n))
    lo = mid * rng.uniform(0.7, 0.85, n)
    hi = mid * rng.uniform(1.15, 1.4, n)
    return _salary_text(rng, lo, hi, low_paid=(mid < 9000) | (exp == 1))


def _salary_text(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray,
                 low_paid: np.ndarray) -> np.ndarray:
    """'15-25K·14薪', '1.5-3万/月', '20-40万/年', '8000-12000元/月', '200-300元/天', '面议'."""
    n = len(lo)
    style = rng.choice(5, n, p=[0.42, 0.15, 0.1, 0.28, 0.05])
    style = np.where(low_paid & (rng.random(n) < 0.3), 5, style)
    months = rng.choice([12, 13, 14, 15, 16], n, p=[0.6, 0.1, 0.18, 0.07, 0.05])
    lk = np.maximum(np.round(lo / 1000), 1).astype(int)
    hk = np.maximum(np.round(hi / 1000), lk + 1).astype(int)
    k = _cat(_str(lk), "-", _str(hk), "K", np.where(months > 12, _cat("·", _str(months), "薪"), ""))
    lw, hw = np.round(lo / 1000) / 10, np.round(hi / 1000) / 10
    hw = np.where(hw <= lw, lw + 0.5, hw)
    wan = _cat(_fmt(lw), "-", _fmt(hw), "万/月")
    ly = np.maximum(np.round(lo * 12 / 10000), 1).astype(int)
    year = _cat(_str(ly), "-", _str(np.maximum(np.round(hi * 12 / 10000), ly + 1)), "万/年")
    l5, h5 = np.round(lo / 500) * 500, np.round(hi / 500) * 500
    yuan = _cat(_str(np.maximum(l5, 500)), "-", _str(np.maximum(h5, l5 + 500)), "元/月")
    ld = np.round(lo / 21.75 / 10) * 10
    day = _cat(_str(np.maximum(ld, 50)), "-", _str(np.maximum(np.round(hi / 21.75 / 10) * 10,
                                                              ld + 20)), "元/天")
    choices = [k, wan, year, yuan, np.full(n, "面议", dtype=object), day]
    return np.choose(style, choices)


def _fmt(x: np.ndarray) -> np.ndarray:
    """One decimal without a trailing '.0' (1.5, 3, 12000)."""
    text = pd.Series(np.round(np.asarray(x, float), 1)).map(lambda v: f"{v:.1f}")
    return text.str.removesuffix(".0").to_numpy(dtype=object)


def _break_postings(rng: np.random.Generator, df: pd.DataFrame,
                    defects: dict[str, np.ndarray]) -> None:
    """Apply the posting defects in place."""
    sal = defects["garbage_salary"]
    df.loc[sal, "薪资"] = np.array(["薪资保密啦", "待遇从优", "工资看能力"], dtype=object)[
        rng.integers(0, 3, len(sal))]
    df.loc[defects["empty_title"], "职位名称"] = ""
    bad = defects["unparseable_date"]
    df.loc[bad, "发布日期"] = np.array(["昨天", "3天前", "刚刚"], dtype=object)[
        rng.integers(0, 3, len(bad))]


def _write_postings(df: pd.DataFrame, out_dir: Path, manifest: dict) -> Path:
    """postings.jsonl: one JSON object per line, UTF-8, Chinese keys."""
    path = out_dir / "postings.jsonl"
    cols = [df[c].to_numpy(dtype=object) for c in POSTING_COLUMNS]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in zip(*cols, strict=True):
            record = {k: (v if isinstance(v, str) else None)
                      for k, v in zip(POSTING_COLUMNS, row, strict=True)}
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
    _record_defects(manifest, path.name, "posting", len(df), df.attrs["defects"], 1,
                    format="jsonl", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------
# Moves
# ------------------------------------------------------------------------------------------

MOVE_DEFECTS = ("unknown_region", "unparseable_date")
MOVES_PER_MOVER = (0.80, 0.17, 0.03)  # 1, 2 or 3 moves
MOVE_YEAR_W = (1.0, 1.15, 1.3, 1.5)  # moves per year grow with the industry (2021–2024)


def make_moves(rng: np.random.Generator, n: int, geo: Geo, talents: pd.DataFrame) -> pd.DataFrame:
    """Move records whose net flows follow F4; a mover's last move ends in its 所在地 city."""
    n_good = n - round(n * BAD_ROW_SHARE)
    hops = _hops(rng, n_good)
    cand = np.flatnonzero(talents["good"].to_numpy())
    movers = np.sort(rng.choice(cand, len(hops), replace=False))
    finals = talents["unit_i"].to_numpy()[movers]
    origins = _origins(rng, geo, finals)
    chains = _chains(rng, geo, origins, finals, hops)
    df = _move_rows(rng, geo, talents, movers, chains, hops)
    defects = _defect_rows(rng, n, MOVE_DEFECTS)  # as many as n - n_good
    df = _insert_bad_moves(rng, df, defects)
    df.attrs["defects"] = defects
    return df


def _hops(rng: np.random.Generator, total: int) -> np.ndarray:
    """Moves per mover (1-3) summing exactly to total."""
    m = max(1, round(total / np.dot([1, 2, 3], MOVES_PER_MOVER)))
    hops = 1 + rng.choice(3, m, p=MOVES_PER_MOVER)
    while hops.sum() != total:
        diff = total - hops.sum()
        can = np.flatnonzero(hops < 3) if diff > 0 else np.flatnonzero(hops > 1)
        pick = rng.choice(can, min(abs(diff), len(can)), replace=False)
        hops[pick] += int(np.sign(diff))
    return hops


def _origins(rng: np.random.Generator, geo: Geo, finals: np.ndarray) -> np.ndarray:
    """First origin of each mover: counts set so that arrivals − departures = F4 × movers."""
    m = len(finals)
    arrivals = np.bincount(finals, minlength=len(geo.units)).astype(float)
    net = np.zeros(len(geo.units))
    for name, share in NET_INFLOW.items():
        net[geo.unit_index(name)] = share / 100 * m
    others = np.array([n not in NET_INFLOW for n in geo.units["name"]])
    spread = arrivals * others + 0.05 * _unit_weights(geo, "talent") * others
    net[others] = -net.sum() * spread[others] / spread[others].sum()
    origins = np.repeat(np.arange(len(geo.units)), _quota(np.maximum(arrivals - net, 0), m))
    origins = origins[rng.permutation(m)]
    for _ in range(50):  # nobody moves from a city to itself: swap origins until none does
        clash = np.flatnonzero(origins == finals)
        if not len(clash):
            break
        for a, b in zip(clash, rng.integers(0, m, len(clash)), strict=True):
            if origins[b] != finals[a] and origins[a] != finals[b]:
                origins[a], origins[b] = origins[b], origins[a]
    return origins


def _chains(rng: np.random.Generator, geo: Geo, origins: np.ndarray, finals: np.ndarray,
            hops: np.ndarray) -> np.ndarray:
    """Unit sequence per mover, (m, 4) padded with -1: origin, stops …, final."""
    m = len(finals)
    chain = np.full((m, 4), -1)
    chain[:, 0] = origins
    chain[np.arange(m), hops] = finals
    big = _unit_weights(geo, "talent")
    for j in (1, 2):
        rows = np.flatnonzero(hops > j)
        stops = rng.choice(len(big), len(rows), p=_p(big))
        for _ in range(20):
            same = (stops == chain[rows, j - 1]) | (stops == chain[rows, j + 1])
            if not same.any():
                break
            stops[same] = rng.choice(len(big), int(same.sum()), p=_p(big))
        chain[rows, j] = stops
    return chain


def _move_rows(rng: np.random.Generator, geo: Geo, talents: pd.DataFrame, movers: np.ndarray,
               chains: np.ndarray, hops: np.ndarray) -> pd.DataFrame:
    """One row per hop: id, from text, to text, date (sorted by date)."""
    mover_rep = np.repeat(np.arange(len(movers)), hops)
    step = np.concatenate([np.arange(h) for h in hops])
    src, dst = chains[mover_rep, step], chains[mover_rep, step + 1]
    n = len(step)
    src_text = _unit_text(geo, src, rng.choice(3, n, p=_p(CITY_STYLE_W)))
    dst_text = _unit_text(geo, dst, rng.choice(3, n, p=_p(CITY_STYLE_W)))
    last = step == hops[mover_rep] - 1
    own = talents["所在地"].to_numpy()[movers][mover_rep]
    dst_text = np.where(last & (rng.random(n) < 0.5), own, dst_text)
    # Moves grow year on year like postings; a mover's hops are in date order.
    draws = _dates(rng, 3 * len(movers), MOVE_YEAR_W).reshape(len(movers), 3)
    unused = np.arange(3)[None, :] >= hops[:, None]
    draws[unused] = np.datetime64("2100-01-01")  # sorts after the k dates a k-hop mover uses
    dates = np.sort(draws, axis=1)[mover_rep, step]
    df = pd.DataFrame({"人才编号": talents["人才编号"].to_numpy()[movers][mover_rep],
                       "原所在地": src_text, "现所在地": dst_text, "date": dates})
    df = df.sort_values(["date", "人才编号"], kind="stable", ignore_index=True)
    df["流动日期"] = _iso(df["date"].to_numpy())
    return df


def _insert_bad_moves(rng: np.random.Generator, df: pd.DataFrame,
                      defects: dict[str, np.ndarray]) -> pd.DataFrame:
    """Insert broken rows (copies of random good ones) at the defect positions."""
    n = len(df) + sum(len(v) for v in defects.values())
    slots = np.setdiff1d(np.arange(n), np.concatenate(list(defects.values())))
    out = pd.DataFrame(index=np.arange(n), columns=["人才编号", "原所在地", "现所在地", "流动日期"],
                       dtype=object)
    out.loc[slots] = df[out.columns].to_numpy()
    for kind, rows in defects.items():
        src = df.loc[rng.integers(0, len(df), len(rows)), out.columns].to_numpy().copy()
        if kind == "unknown_region":
            col = rng.integers(1, 3, len(rows))
            src[np.arange(len(rows)), col] = np.array(BAD_PLACES, dtype=object)[
                rng.integers(0, 4, len(rows))]
        else:
            src[:, 3] = np.array(["上个月", "2023-02-30", "去年"], dtype=object)[
                rng.integers(0, 3, len(rows))]
        out.loc[rows] = src
    return out


# ------------------------------------------------------------------------------------------
# Population (region indicators)
# ------------------------------------------------------------------------------------------


def population_table() -> pd.DataFrame:
    """常住人口 (2020 census) of the provinces, peer cities, Qingdao and its districts."""
    census = ("常住人口", 2020, "人", "第七次全国人口普查")
    rows = [(name, *census[:2], pop, *census[2:]) for name, pop in PROVINCE_POP.items()]
    rows += [(name, *census[:2], pop, *census[2:]) for name, pop in CITY_POP.items()]
    rows += [(name, *census[:2], pop, *census[2:]) for name, pop in QINGDAO_DISTRICT_POP.items()]
    rows.append(("青岛市", "常住人口", 2010, QINGDAO_POP_2010, "人", "第六次全国人口普查"))
    df = pd.DataFrame(rows, columns=["地区", "指标", "年份", "数值", "单位", "来源"])
    df.attrs["defects"] = {}
    return df


# ------------------------------------------------------------------------------------------
# Writers
# ------------------------------------------------------------------------------------------


def _write_table(df: pd.DataFrame, path: Path, kind: str, encoding: str, manifest: dict) -> Path:
    """Plain CSV of the file columns (no latent ones)."""
    cols = [c for c in df.columns if re.search(r"[\u4e00-\u9fff]", c)]
    df.loc[:, cols].to_csv(path, index=False, encoding=encoding, quoting=csv.QUOTE_MINIMAL)
    _record_defects(manifest, path.name, kind, len(df), df.attrs["defects"], 2,
                    encoding=encoding)
    return path
