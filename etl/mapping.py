"""Column mapping: the headers real exports use → the canonical fields of each kind of record.

Each kind lists its canonical fields with the Chinese and English synonyms seen in registry,
résumé and job-board exports. A user mapping file (JSON ``{"原列名": "canonical_field"}`` or a
two-column CSV) covers anything else; it is checked when read (every target is a field name, no
two columns map to the same field) and again against the kind of each file it is applied to, and
its entries win over the synonyms. A file missing a required field fails with one message listing
the columns found and those missing. Columns that map to nothing are listed by
``unmapped_columns`` (and mapping entries that match no column by ``absent_mapping_sources``),
never dropped silently.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from store.errors import MappingError  # noqa: F401 - raised here, defined with the load's errors

KINDS = ("enterprise", "talent", "posting", "move", "indicator")
KIND_ZH = {"enterprise": "企业", "talent": "人才", "posting": "招聘岗位", "move": "人才流动",
           "indicator": "地区指标"}


@dataclass(frozen=True)
class Field:
    name: str
    synonyms: tuple[str, ...]
    required: bool = False
    label: str = ""  # Chinese label used in messages


def _f(name, label, *synonyms, required=False):
    return Field(name, (label, *synonyms), required, label)


FIELDS: dict[str, tuple[Field, ...]] = {
    "enterprise": (
        _f("credit_code", "统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "credit_code",
           "uscc", "unified social credit code", required=True),
        _f("name", "企业名称", "公司名称", "单位名称", "名称", "企业名", "company", "company_name",
           "enterprise_name", "name", required=True),
        _f("address", "注册地址", "企业地址", "所在地", "地址", "住所", "所在地区", "注册地",
           "address", "region", required=True),
        _f("business_scope", "经营范围", "主营业务", "业务范围", "business_scope", "scope"),
        _f("node", "产业链环节", "产业链节点", "链条环节", "chain_node", "node", "node_id"),
        _f("founded_on", "成立日期", "成立时间", "注册日期", "成立年份", "founded_on", "founded",
           "established"),
        _f("registered_capital_wan", "注册资本(万元)", "注册资本", "注册资本（万元）",
           "registered_capital", "registered_capital_wan"),
        _f("employees", "参保人数", "员工人数", "人员规模", "职工人数", "employees", "staff"),
        _f("is_listed", "是否上市", "上市", "上市状态", "is_listed", "listed"),
        _f("is_chain_leader", "链主企业", "是否链主", "链主", "is_chain_leader", "chain_leader"),
        _f("observed_on", "数据日期", "更新日期", "统计日期", "快照日期", "observed_on", "snapshot_date"),
    ),
    "talent": (
        _f("source_id", "人才编号", "简历编号", "编号", "人员编号", "候选人ID", "source_id", "resume_id",
           "talent_id", "id", required=True),
        _f("name", "姓名", "name", "full_name"),
        _f("phone", "手机", "手机号", "联系电话", "电话", "phone", "mobile"),
        _f("email", "邮箱", "电子邮箱", "email", "e-mail"),
        _f("region", "所在地", "现居住地", "所在城市", "工作地点", "居住地", "现所在地", "地区",
           "location", "city", "region", required=True),
        _f("birth_year", "出生年份", "出生年", "出生日期", "birth_year", "birthday", "born"),
        _f("education", "最高学历", "学历", "education", "degree"),
        _f("university", "毕业院校", "毕业学校", "院校", "学校", "university", "school"),
        _f("major", "专业", "所学专业", "major"),
        _f("years_experience", "工作年限", "工作经验", "从业年限", "years_experience", "experience"),
        _f("tier", "人才层次", "人才类别", "人才等级", "层次", "tier", "talent_tier"),
        _f("skills", "技能标签", "技能", "专业技能", "skills", "skill_tags"),
        _f("title", "职位", "当前职位", "岗位", "职称", "title", "position"),
        _f("node", "产业链环节", "产业链节点", "chain_node", "node", "node_id"),
        _f("employer_name", "现任单位", "工作单位", "所在单位", "现任公司", "employer", "employer_name",
           "company"),
        _f("employer_credit_code", "单位信用代码", "单位统一社会信用代码", "employer_credit_code"),
        _f("is_returnee", "是否海归", "海归", "留学归国", "is_returnee", "returnee"),
        _f("overseas_country", "留学国家", "海外经历国家", "留学/工作国家", "overseas_country"),
        _f("willing_to_relocate", "是否愿意流动", "愿意流动", "接受异地", "求职意向", "willing_to_relocate",
           "relocate"),
        _f("expected_region", "期望城市", "期望工作地", "意向城市", "expected_region", "expected_city"),
        _f("observed_on", "数据日期", "更新日期", "简历更新时间", "入库日期", "observed_on",
           "updated_at"),
    ),
    "posting": (
        _f("source_id", "职位编号", "岗位编号", "职位ID", "job_id", "posting_id", "source_id", "id"),
        _f("title", "职位名称", "岗位名称", "职位", "岗位", "title", "job_title", required=True),
        _f("company_name", "公司名称", "企业名称", "招聘单位", "company", "company_name"),
        _f("credit_code", "统一社会信用代码", "信用代码", "credit_code"),
        _f("region", "工作地点", "工作城市", "工作地址", "城市", "地点", "location", "city", "region",
           required=True),
        _f("salary", "薪资", "薪资范围", "月薪", "薪酬", "工资", "salary", "pay"),
        _f("education_req", "学历要求", "学历", "education", "education_req", "degree"),
        _f("experience_req", "经验要求", "工作经验", "工作年限", "experience", "experience_req"),
        _f("skills", "技能标签", "技能要求", "技能", "职位标签", "skills", "tags"),
        _f("node", "产业链环节", "chain_node", "node", "node_id"),
        _f("posted_on", "发布日期", "发布时间", "更新日期", "posted_on", "publish_date", "date",
           required=True),
    ),
    "move": (
        _f("source_id", "人才编号", "简历编号", "编号", "人员编号", "source_id", "talent_id", "id",
           required=True),
        _f("from_region", "原所在地", "流出地", "原工作地", "迁出地", "from", "from_region",
           required=True),
        _f("to_region", "现所在地", "流入地", "新工作地", "迁入地", "to", "to_region", required=True),
        _f("moved_on", "流动日期", "迁移日期", "入职日期", "变动日期", "moved_on", "date", required=True),
    ),
    "indicator": (
        _f("region", "地区", "地区名称", "行政区划", "区划代码", "行政区划代码", "region", "adcode",
           required=True),
        _f("indicator", "指标", "指标名称", "indicator", required=True),
        _f("year", "年份", "年度", "统计年度", "year", required=True),
        _f("value", "数值", "值", "指标值", "value", required=True),
        _f("unit", "单位", "计量单位", "unit"),
        _f("source", "来源", "数据来源", "source"),
    ),
}




def _norm(header: str) -> str:
    h = unicodedata.normalize("NFKC", str(header)).strip().lower()
    return re.sub(r"[\s_\-:：*]+", "", h).replace("(", "（").replace(")", "）")


_SYNONYMS = {kind: {_norm(s): f.name for f in fields for s in f.synonyms}
             for kind, fields in FIELDS.items()}


ALL_FIELDS = frozenset(f.name for fields in FIELDS.values() for f in fields)
# Words accepted as the header row of a CSV mapping file (the target column's heading). Any
# other first row is a mapping like the rest, so a file without a header loses no entry.
CSV_HEADER_TARGETS = frozenset({"target", "field", "fieldname", "canonicalfield", "to",
                                "字段", "字段名", "目标字段", "目标列", "标准字段", "映射字段"})


class UserMapping(dict):
    """A user's column mapping {source column: field} that remembers the file it came from."""

    def __init__(self, pairs=(), path: str | Path | None = None):
        super().__init__(pairs)
        self.path = None if path is None else str(path)


def _closest_fields(target: str, names) -> list[str]:
    """Up to three valid field names close to ``target``: fields that have ``target`` as a header
    synonym (统一社会信用代码 → credit_code), then by spelling (adress → address), then names
    containing it or contained in it (name → company_name)."""
    names = sorted(names)
    low = target.strip().lower()
    by_synonym = sorted({f.name for fields in FIELDS.values() for f in fields
                         if f.name in names and _norm(target) in {_norm(x) for x in f.synonyms}})
    by_spelling = difflib.get_close_matches(low, names, n=3, cutoff=0.6)
    by_part = [n for n in names if len(low) >= 3 and (low in n or n in low)]
    return list(dict.fromkeys(by_synonym + by_spelling + by_part))[:3]


def _suggest(target: str, names) -> str:
    close = _closest_fields(target, names)
    return (f"最接近的字段: {'、'.join(close)}" if close
            else "没有相近的字段名 (字段名见 docs/loading-data.md)")


class _Pairs(list):
    """A JSON object as its (key, value) pairs, so that a key given twice is seen."""


def _read_entries(path: Path) -> list[tuple[str, str, str]]:
    """(where, source, target) of each entry of a mapping file, in file order."""
    try:
        if path.suffix.lower() == ".json":
            pairs = json.loads(path.read_text(encoding="utf-8-sig"), object_pairs_hook=_Pairs)
            if not isinstance(pairs, _Pairs):
                raise MappingError(f"{path}: 映射文件应为 JSON 对象 {{\"原列名\": \"字段名\"}}")
            out = []
            for k, v in pairs:
                if not isinstance(v, str):
                    raise MappingError(f"{path}: 列 {k} 的目标应为字段名 (文本), 实际为 {json.dumps(v)}")
                out.append((f"键 {json.dumps(k, ensure_ascii=False)}", str(k).strip(), v.strip()))
            return out
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, csv.Error) as e:
        raise MappingError(f"{path}: 无法读取映射文件: {e}") from e
    out = []
    for n, r in enumerate(rows, start=1):
        cells = [c.strip() for c in r]
        if not any(cells):
            continue
        if n == 1 and len(cells) >= 2 and _norm(cells[1]) in CSV_HEADER_TARGETS:
            continue  # the header row (source,target)
        out.append((f"第 {n} 行", cells[0], cells[1] if len(cells) >= 2 else ""))
    return out


def load_user_mapping(path: str | Path) -> UserMapping:
    """Read and check a user mapping file: JSON object or CSV with columns source,target.

    Every problem is reported in one MappingError naming the file: a target that is not a field
    of any kind (with the closest field names), a blank source or target, a column given twice
    with different targets, and two columns mapped to the same field ("collision"). Sources
    equal after normalising case, spaces and full-width characters count as the same column.
    A CSV's first row is skipped as a header only when its target cell is a heading such as
    ``target`` or ``字段名``; otherwise it is a mapping like the others.
    """
    path = Path(path)
    problems: list[str] = []
    by_source: dict[str, tuple[str, str]] = {}  # normalised source → (source, target)
    by_target: dict[str, str] = {}  # target → first source mapped to it
    for where, src, tgt in _read_entries(path):
        if not src or not tgt:
            problems.append(f"{where}: 原列名和字段名都不能为空 (原列名 {src or '(空)'}, "
                            f"字段名 {tgt or '(空)'})")
            continue
        if tgt not in ALL_FIELDS:
            problems.append(f"列 {src} 映射到未知字段 {tgt}; {_suggest(tgt, ALL_FIELDS)}")
            continue
        key = _norm(src)
        if key in by_source:
            first, first_tgt = by_source[key]
            if first_tgt != tgt:  # the same entry twice is harmless
                same = f"列 {src} 出现两次" if first == src else f"列 {first} 与列 {src} 是同一列"
                problems.append(f"{same}, 却分别映射到 {first_tgt} 和 {tgt}")
            continue
        by_source[key] = (src, tgt)
        if tgt in by_target:
            problems.append(f"列 {by_target[tgt]} 与列 {src} 都映射到字段 {tgt}")
        else:
            by_target[tgt] = src
    if problems:
        raise MappingError(f"{path}: 映射文件有误: " + "; ".join(problems))
    return UserMapping(by_source.values(), path)


def check_user_mapping_for_kind(headers: list[str], kind: str, source: str,
                                user: dict[str, str] | None) -> None:
    """MappingError if the user mapping maps a column of this file to a field that ``kind``
    does not have (a mapping file may serve several kinds, so entries for absent columns are
    not checked here)."""
    if not user:
        return
    present = {_norm(h) for h in headers}
    known = {f.name for f in FIELDS[kind]}
    bad = [(src, tgt) for src, tgt in user.items() if _norm(src) in present and tgt not in known]
    if bad:
        where = getattr(user, "path", None)
        what = f"映射文件 {where} " if where else "映射文件"
        detail = "; ".join(f"列 {src} 映射到 {tgt}, 但{KIND_ZH[kind]}数据没有这个字段, "
                           f"{_suggest(tgt, known)}" for src, tgt in bad)
        raise MappingError(f"{source}: {what}不适用于{KIND_ZH[kind]}数据: {detail}")


def unmapped_columns(headers: list[str], cols: dict[str, str]) -> list[str]:
    """The file's columns, in file order, that map to no field (``cols`` is the mapping of
    ``map_columns``/``resolve_mapping``): unknown headers, and a second column for a field that
    an earlier column (or the user mapping) already took. They are not loaded."""
    return [h for h in headers if h not in cols]


def absent_mapping_sources(headers: list[str], user: dict[str, str] | None) -> list[str]:
    """Source columns of the user mapping, in mapping order, that this file does not have."""
    present = {_norm(h) for h in headers}
    return [src for src in (user or {}) if _norm(src) not in present]


def map_columns(headers: list[str], kind: str, user: dict[str, str] | None = None
                ) -> dict[str, str]:
    """Return {original header: canonical field} for the headers that map to ``kind``.

    The user mapping wins over the synonyms (its targets that ``kind`` lacks are skipped here;
    ``resolve_mapping`` reports them). Otherwise the first header mapping to a field wins and
    later duplicates are left unmapped.
    """
    user_norm = {_norm(k): v for k, v in (user or {}).items()}
    known = {f.name for f in FIELDS[kind]}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:  # the user's own mapping first
        field = user_norm.get(_norm(h))
        if field in known and field not in taken:
            out[h] = field
            taken.add(field)
    for h in headers:
        if h in out or _norm(h) in user_norm:
            continue
        field = _SYNONYMS[kind].get(_norm(h))
        if field and field not in taken:
            out[h] = field
            taken.add(field)
    return {h: out[h] for h in headers if h in out}


def missing_required(mapped: dict[str, str], kind: str) -> list[Field]:
    """Required fields of ``kind`` that no header maps to."""
    have = set(mapped.values())
    return [f for f in FIELDS[kind] if f.required and f.name not in have]


def infer_kind(headers: list[str], user: dict[str, str] | None = None) -> str | None:
    """The kind whose required fields the headers cover best (all of them), else None."""
    best, best_score = None, 0.0
    for kind in KINDS:
        mapped = map_columns(headers, kind, user)
        if missing_required(mapped, kind):
            continue
        score = len(mapped) / len(FIELDS[kind]) + len(mapped) * 0.01
        if score > best_score:
            best, best_score = kind, score
    return best


def _closest_kind(headers: list[str], user: dict[str, str] | None) -> str | None:
    """The kind most of whose fields the headers name (at least two), even if a required one is
    missing — so that the message can say which columns that kind still needs."""
    def score(kind):
        mapped = map_columns(headers, kind, user)
        required = sum(f.required and f.name in mapped.values() for f in FIELDS[kind])
        return required, len(mapped)
    scores = {k: score(k) for k in KINDS}
    best = max(scores, key=scores.get)
    tied = [k for k, v in scores.items() if v == scores[best]]
    return best if scores[best][0] >= 1 and scores[best][1] >= 2 and len(tied) == 1 else None


def resolve_mapping(headers: list[str], kind: str | None, source: str,
                    user: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """Kind and column mapping for a file, or MappingError with one message that says it all."""
    shown = "、".join(str(h) for h in headers) or "(无)"
    if kind is None:
        kind = infer_kind(headers, user) or _closest_kind(headers, user)
        if kind is None:
            raise MappingError(
                f"{source}: 无法从列名判断数据类型; 找到的列: {shown}; "
                f"请用 --kind 指定 ({'|'.join(KINDS)}) 并用 --mapping 提供列名映射")
    check_user_mapping_for_kind(headers, kind, source, user)
    mapped = map_columns(headers, kind, user)
    missing = missing_required(mapped, kind)
    if missing:
        need = "、".join(f.label for f in missing)
        raise MappingError(
            f"{source}: 缺少必需列 {need} ({KIND_ZH[kind]}数据); 找到的列: {shown}; "
            f"可用 --mapping 指定列名映射")
    return kind, mapped
