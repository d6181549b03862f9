"""UI text: Chinese first, with an English switch. Keys are English; unknown keys show as is."""

from __future__ import annotations

import streamlit as st

from analytics import metrics

TEXT = {
    "overview": ("总览", "Overview"),
    "talent_map": ("人才地图", "Talent map"),
    "data": ("数据", "Data"),
    "export": ("导出", "Exports"),
    "filters": ("筛选条件", "Filters"),
    "region": ("地区范围", "Region"),
    "drill": ("下钻到", "Drill down to"),
    "layer": ("产业链层级", "Chain layer"),
    "nodes": ("产业链环节", "Chain nodes"),
    "tier": ("人才层次", "Talent tier"),
    "education": ("学历", "Education"),
    "experience": ("工作年限", "Years of experience"),
    "returnees": ("仅海归人才", "Returnees only"),
    "year": ("年份", "Year"),
    "metric": ("指标", "Metric"),
    "all": ("全部", "All"),
    "choose": ("不限 (可多选)", "Any (choose one or more)"),
    "reset": ("重置筛选", "Reset filters"),
    "language": ("语言", "Language"),
    "rank": ("同级排名", "Rank"),
    "name": ("地区", "Region"),
    "population": ("常住人口", "Population"),
    "freshness": ("数据更新", "Data as of"),
    "sources": ("来源", "Sources"),
    "unknown": ("未知", "unknown"),
    "peers": ("与对标城市比较", "Compared with peer cities"),
    "by_layer": ("人才按产业链层级", "Talent by chain layer"),
    "ranking": ("地区排名", "Ranking"),
    "enterprise_layer": ("显示企业图层", "Show enterprise layer"),
    "map_small": ("人数过少", "too few people"),
    "map_weak": ("基数不足, 仅供参考", "small base, for reference only"),
    "map_none": ("无数据", "no data"),
    "trail": ("当前位置", "You are here"),
    "trends": ("历年趋势", "Trends"),
    "trends_help": ("每年的数字与当年的指标卡相同: 人才为截至年末的存量, 岗位与流动为当年发生数, 供需比为当年活跃人才 ÷ 当年岗位。",
                    "Each year as that year's KPI cards: talent is the stock at the year's end, "
                    "postings and moves those of the year, supply/demand the year's active "
                    "talent ÷ its postings."),
    "trends_small": ("人数少于 {k} 的年份显示为 <{k} 并在折线上留空, 由其推算的数字 (供需比、净流入) 一并隐去。",
                     "Years with fewer than {k} people read <{k} and leave a gap; figures "
                     "computed from them are withheld too."),
    "lq_needs_nodes": ("区位商需要先在左侧选择产业链环节或层级。",
                       "Pick chain nodes or a layer on the left to compute the location quotient."),
    "no_data": ("当前筛选条件下没有数据。", "No data for these filters."),
    "batches": ("加载批次", "Load batches"),
    "row_counts": ("表行数", "Row counts"),
    "quarantine": ("隔离记录", "Quarantined rows"),
    "dictionary": ("数据字典", "Data dictionary"),
    "definitions": ("指标定义", "Metric definitions"),
    "building_demo": ("首次运行: 正在生成并加载演示数据 …", "First run: building the demo data …"),
    # 产业链 page (views/supply_chain.py)
    "supply_chain": ("产业链", "Supply chain"),
    "sc_thresholds": ("阈值设置", "Thresholds"),
    "sc_th_missing": ("补链: LQ 低于", "Missing link: LQ below"),
    "sc_th_stronghold": ("固链: LQ 不低于", "Stronghold: LQ at least"),
    "sc_th_severe": ("严重紧缺: 供需比 ≤", "Severe shortage: ratio ≤"),
    "sc_th_shortage": ("紧缺: 供需比 ≤", "Shortage: ratio ≤"),
    "sc_th_balanced": ("平衡: 供需比 ≤", "Balanced: ratio ≤"),
    "sc_th_reset": ("恢复默认阈值", "Reset to defaults"),
    "sc_th_order": ("阈值顺序不合理: 需满足 补链阈值 ≤ 固链阈值, 严重紧缺 ≤ 紧缺 ≤ 平衡。",
                    "Thresholds out of order: missing ≤ stronghold, severe ≤ shortage ≤ balanced."),
    "sc_bench": ("对标基准", "Benchmark"),
    "sc_diagram": ("产业链图谱", "Chain diagram"),
    "sc_diagram_help": ("方块颜色为环节状态; 标注 供=本地人才, 需=当年招聘岗位, LQ=人才区位商 (括号内: 人才基数"
                        "不足 lq_min_base, 仅供参考, 不决定状态)。点击方块查看详情。",
                        "Colour = status; 供 = local talent, 需 = postings this year, LQ = "
                        "talent location quotient (in brackets: the region has fewer talents "
                        "than lq_min_base; shown for reference, it decides nothing). Click a box "
                        "for its detail."),
    "sc_top_gaps": ("差距最大的 10 个环节", "Ten largest gaps"),
    "sc_national_shortage": ("全国供需最紧缺的 10 个环节", "Ten tightest nodes nationally"),
    "sc_national_note": ("全国以自身为基准, 各环节区位商均为 1, 没有差距可比: 这里按供需比 (当年活跃人才 ÷ 当年岗位) "
                         "列出最紧缺的环节; 各省、市的强弱请在地图上下钻后查看。",
                         "The country is its own benchmark (every LQ is 1): the nodes with the "
                         "lowest supply/demand ratio instead; drill down for regions' gaps."),
    "sc_heatmap": ("地区 × 环节 热力图", "Regions × nodes heatmap"),
    "sc_heat_regions": ("对比地区", "Regions"),
    "sc_heat_children": ("下辖地区", "Sub-regions"),
    "sc_heat_siblings": ("同级地区", "Neighbouring regions"),
    "sc_heat_peers": ("对标城市", "Peer cities"),
    "sc_heat_top": ("显示地区数 (按所选指标排序)", "Regions shown (by the metric)"),
    "sc_heat_top_help": ("共 {n} 个地区。人数类指标按各环节合计排序, 比值与分数按各环节平均排序; 被保密的格子不参与排序。",
                         "{n} regions. Counts are ranked by their sum over the nodes, ratios and "
                         "scores by their mean; withheld cells do not count."),
    "sc_detail": ("环节详情", "Node detail"),
    "sc_node": ("选择环节 (默认: 差距最大的环节)", "Node (default: the largest gap)"),
    "sc_by_area": ("按下辖地区分布", "By sub-region"),
    "sc_by_title": ("岗位需求 (按职位)", "Demand by job title"),
    "sc_local_firms": ("本地企业名录", "Local enterprises"),
    "sc_sources": ("招引清单", "Recruitment list"),
    "sc_src_regions": ("目标地区", "Target regions"),
    "sc_src_regions_order": ("排序: 招引分 = 该环节人才 × 区位商权重 (区位商, 封顶 3; 人才基数不足 lq_min_base 时按 1 计)。",
                             "Order: score = talent in the node × LQ weight (LQ capped at 3; 1 "
                             "on a base below lq_min_base)."),
    "sc_src_firms": ("目标企业", "Target enterprises"),
    "sc_src_pools": ("人才池", "Talent pools"),
    "sc_country_sources": ("招引清单面向具体地区: 请在左侧选择省、市或区县。",
                           "Recruitment lists are for a region: pick a province, city or district."),
    "sc_flows": ("人才流动", "Talent flows"),
    "sc_period": ("统计期", "Period"),
    "sc_only_node": ("仅看所选环节", "Selected node only"),
    "sc_routes": ("主要流动路线", "Main routes"),
    "sc_routes_table": ("路线明细", "Routes in detail"),
    "sc_origins": ("主要来源地", "Main origins"),
    "sc_destinations": ("主要去向地", "Main destinations"),
    "sc_returnees": ("海归人才留学国家", "Returnees by country"),
    "ov_pool": ("海外人才 · 归国意愿", "Talent abroad · return intention"),
    "ov_pool_help": ("所在地在境外的人才 (按最新记录, 与左侧筛选一致); 愿意回国 = 记录中愿意流动; "
                     "期望来本地 = 愿意回国且期望城市在{here}。",
                     "Talent living abroad (latest record, sidebar filters); willing = willing "
                     "to move; expecting = willing with an expected city in {here}."),
    "ov_pool_empty": ("当前筛选条件下没有所在地在境外的人才。",
                      "No talent abroad under the current filters."),
    "ov_border": ("海外回流与出境", "Moves across the border"),
    "ov_border_none": ("所选期间没有跨境流动记录。", "No moves across the border in the period."),
    "cl_abroad": ("仅海外人才", "Abroad only"),
    "sc_reason": ("判定依据", "Because"),
    "sc_m_talent": ("本地人才 (供给)", "Local talent (supply)"),
    "sc_m_postings": ("招聘岗位 (需求)", "Postings (demand)"),
    "sc_m_firms": ("本地企业 / 链主", "Local firms / chain leaders"),
    "sc_m_salary": ("平均月薪 (元)", "Mean monthly salary (yuan)"),
    "sc_download_csv": ("下载 CSV", "Download CSV"),
    "sc_download_xlsx": ("下载 XLSX", "Download XLSX"),
    "sc_returnees_small": ("各国海归人数均少于 {k} 人, 不予显示。",
                           "Every country has fewer than {k} returnees: not shown."),
    "sc_filters_ignored": ("产业链按全部人才计算: 侧栏的人才层次、学历、年限与海归筛选不作用于本页的状态判定。",
                           "Statuses use all talent: the tier, education, experience and "
                           "returnee filters do not apply to them."),
    # 人才集群 and 人才档案 pages (views/clusters.py, views/profile.py)
    "clusters": ("人才集群", "Talent clusters"),
    "profile": ("人才档案", "Talent profile"),
    "cl_tab_clusters": ("集群", "Clusters"),
    "cl_tab_search": ("搜索", "Search"),
    "cl_filters": ("人才筛选 (叠加左侧筛选条件)", "Talent filters (on top of the sidebar's)"),
    "cl_skills": ("技能 (多个用逗号分隔)", "Skills (comma separated)"),
    "cl_no_skill": ("未匹配到任何技能, 没有人才符合", "matches no skill: no talent qualifies"),
    "cl_expected": ("期望城市", "Expected city"),
    "cl_no_region": ("无法识别的地区", "Unknown region"),
    "cl_university": ("毕业院校", "University"),
    "cl_experience": ("工作年限 (年)", "Years of experience"),
    "cl_age": ("年龄段", "Age band"),
    "cl_relocate": ("仅愿意流动", "Willing to relocate only"),
    "cl_eps": ("集群半径 (公里)", "Cluster radius (km)"),
    "cl_eps_help": ("中心相距不超过该距离的地区归为同一集群", "Places whose centres are this close are grouped"),
    "cl_min": ("集群最少人数", "Minimum talents per cluster"),
    "cl_min_help": ("半径内符合条件的人才达到该人数才形成集群", "Talents needed within the radius to form a cluster"),
    "cl_by_node": ("按产业链环节分别成群", "Cluster each chain node apart"),
    "cl_matching": ("符合条件的人才", "Matching talent"),
    "cl_count": ("集群数", "Clusters"),
    "cl_scattered": ("零散 (不属于任何集群)", "Scattered (in no cluster)"),
    "cl_suppressed": ("少于 {k} 人的数字显示为「<{k}」; 少于 {k} 人的集群不显示构成, 各项名单只列出不少于 {k} 人的项。",
                      "Counts below {k} show as '<{k}'; clusters below {k} show no breakdown; "
                      "lists name only items of at least {k} people."),
    "cl_none": ("当前条件下没有形成集群: 放宽筛选条件, 增大半径或降低最少人数。",
                "No cluster for these filters: widen them, raise the radius or lower the minimum."),
    "cl_pick": ("选择集群", "Cluster"),
    "cl_open": ("查看此集群", "Show this cluster"),
    "cl_places": ("包含地区", "Places"),
    "cl_people": ("集群人才", "People in the cluster"),
    "cl_individuals_only": ("个人明细仅对招聘 (recruiter) 与管理员 (admin) 角色可见。",
                            "Individual records are shown to recruiters and admins only."),
    "cl_first_rows": ("仅显示前 {n} 人 (按层次与年限排序)。", "First {n} people shown (by tier and experience)."),
    "cl_shortlist": ("候选名单", "Shortlist"),
    "cl_shortlist_empty": ("尚未选择人才: 在集群人才表中勾选行。", "Empty: tick rows in the table above."),
    "cl_clear": ("清空候选名单", "Clear the shortlist"),
    "cl_export": ("导出集群列表", "Export the cluster list"),
    "cl_search": ("搜索人才 (技能、单位、院校、环节) 或企业 (名称、信用代码)",
                  "Search talent (skill, employer, university, node) or enterprises (name, credit code)"),
    "cl_search_scope": ("在全部数据中搜索, 不受筛选条件限制。", "Searches all data, regardless of the filters."),
    "cl_search_talents": ("人才", "Talent"),
    "cl_search_firms": ("企业", "Enterprises"),
    "pf_denied": ("无权查看个人档案: 当前角色只能查看汇总数据。",
                  "You may not view personal profiles: this role sees aggregates only."),
    "pf_none": ("请从「人才集群」页的人才表或搜索结果中打开档案。",
                "Open a profile from the table or the search results on the clusters page."),
    "pf_not_found": ("没有该人才的记录。", "No record of this talent."),
    "pf_record": ("基本信息", "Record"),
    "pf_contact": ("联系方式", "Contact"),
    "pf_reason": ("查看理由 (将记入审计日志)", "Reason (recorded in the audit log)"),
    "pf_reveal": ("查看联系方式", "Show contact details"),
    "pf_reason_short": ("理由至少 {n} 个字。", "Give a reason of at least {n} characters."),
    "pf_moves": ("流动轨迹", "Moves"),
    "pf_employer": ("现任单位 (企业库)", "Employer (enterprise register)"),
    "pf_postings": ("匹配岗位 (同环节、同城或期望城市, 按共同技能排序)",
                    "Matching postings (same node, city or expected city; by shared skills)"),
    "pf_map": ("现居地与期望城市", "Location and expected city"),
    "pf_skills": ("技能与产业链环节", "Skills and chain nodes"),
    "pf_similar": ("相似人才 (同环节, 共同技能最多)", "Similar talent (same node, most shared skills)"),
}

# Metric names and units come from the registry (analytics/metrics.py), not from here. A key
# in NOT_METRICS shares a metric's id but is other text: "returnees" is the sidebar's 仅海归人才
# filter, not the talent pools' count of returnees.
NOT_METRICS = frozenset({"returnees"})
TEXT |= {m.id: (m.zh, m.en) for m in metrics.REGISTRY if m.id not in NOT_METRICS}
TEXT["sc_m_lq"] = TEXT["lq_talent"]  # the node detail's LQ card
UNITS = {m.id: (m.unit, m.unit_en) for m in metrics.REGISTRY}


def t(key: str) -> str:
    """The text for ``key`` in the session's language."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if st.session_state.get("lang") == "en" else pair[0]


def unit(metric: str) -> str:
    pair = UNITS.get(metric, ("", ""))
    return pair[1] if st.session_state.get("lang") == "en" else pair[0]
