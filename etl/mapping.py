"""Column mapping: the headers real exports use → the canonical fields of each kind of record.

Each kind lists its canonical fields (``SPECS``); the Chinese and English headers seen in
registry, résumé and job-board exports are data, ``data/header_synonyms.csv`` (kind, field,
header, source), read once at import — earlier rows of a field are preferred. A user mapping file (JSON ``{"原列名": "canonical_field"}`` or a
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
    synonyms: tuple[str, ...]  # in order of preference (see ``map_columns``)
    required: bool = False
    label: str = ""  # Chinese label used in messages


# The fields of each kind: (name, Chinese label, required). Their headers are data, in
# data/header_synonyms.csv (kind, field, header, source), read once below.
SPECS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "enterprise": (
        ("credit_code", "统一社会信用代码", True), ("name", "企业名称", True),
        ("address", "注册地址", True), ("business_scope", "经营范围", False),
        ("node", "产业链环节", False), ("founded_on", "成立日期", False),
        ("registered_capital_wan", "注册资本", False), ("employees", "参保人数", False),
        ("is_listed", "是否上市", False), ("is_chain_leader", "链主企业", False),
        ("reg_status", "登记状态", False), ("observed_on", "数据日期", False),
    ),
    "talent": (
        ("source_id", "人才编号", True), ("name", "姓名", False), ("phone", "手机", False),
        ("email", "邮箱", False), ("region", "所在地", True), ("birth_year", "出生年份", False),
        ("education", "最高学历", False), ("university", "毕业院校", False),
        ("major", "专业", False), ("years_experience", "工作年限", False),
        ("tier", "人才层次", False), ("skills", "技能标签", False), ("title", "职位", False),
        ("node", "产业链环节", False), ("employer_name", "现任单位", False),
        ("employer_credit_code", "单位信用代码", False), ("is_returnee", "是否海归", False),
        ("overseas_country", "留学国家", False), ("willing_to_relocate", "是否愿意流动", False),
        ("expected_region", "期望城市", False), ("observed_on", "数据日期", False),
        ("id_number", "身份证号", False),
    ),
    "posting": (
        ("source_id", "职位编号", False), ("title", "职位名称", True),
        ("company_name", "公司名称", False), ("credit_code", "统一社会信用代码", False),
        ("region", "工作地点", True), ("salary", "薪资", False),
        ("education_req", "学历要求", False), ("experience_req", "经验要求", False),
        ("skills", "技能标签", False), ("node", "产业链环节", False),
        ("posted_on", "发布日期", True),
    ),
    "move": (
        ("source_id", "人才编号", True), ("from_region", "原所在地", True),
        ("to_region", "现所在地", True), ("moved_on", "流动日期", True),
    ),
    "indicator": (
        ("region", "地区", True), ("indicator", "指标", True), ("year", "年份", True),
        ("value", "数值", True), ("unit", "单位", False), ("source", "来源", False),
    ),
}
# A required key that other columns may stand in for: a talent file without an id column
# derives its key from 姓名 + 手机, or 姓名 + 出生年月 + 毕业院校 (etl.transform_talent).
KEY_ALTERNATIVES: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("talent", "source_id"): (("name", "phone"), ("name", "birth_year", "university")),
}
SYNONYMS_CSV = Path(__file__).resolve().parent.parent / "data" / "header_synonyms.csv"
# Where a header is seen (the CSV's source column; several joined by 、).
SOURCES = ("通用", "人社", "猎聘", "智联", "BOSS直聘", "前程无忧", "企查查", "天眼查", "HR")


def read_synonyms(path: Path = SYNONYMS_CSV) -> list[dict[str, str]]:
    """The rows of the header vocabulary (kind, field, header, source), in file order."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _fields(rows: list[dict[str, str]]) -> dict[str, tuple[Field, ...]]:
    headers: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        headers.setdefault((row["kind"], row["field"]), []).append(row["header"])
    return {kind: tuple(Field(name, tuple(dict.fromkeys([label, *headers.get((kind, name), [])])),
                              required, label) for name, label, required in specs)
            for kind, specs in SPECS.items()}


SYNONYM_ROWS = read_synonyms()
FIELDS: dict[str, tuple[Field, ...]] = _fields(SYNONYM_ROWS)


def _norm(header: str) -> str:
    h = unicodedata.normalize("NFKC", str(header)).strip().lower()
    return re.sub(r"[\s_\-:：*]+", "", h).replace("(", "（").replace(")", "）")


# kind → normalised header → (field, rank): the lower the rank, the more preferred the header.
_SYNONYMS = {kind: {_norm(s): (f.name, rank) for f in fields
                    for rank, s in reversed(list(enumerate(f.synonyms)))}
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
    """Return {original header: canonical field} for the headers that map to ``kind``, in file
    order.

    The user mapping wins over the synonyms (its targets that ``kind`` lacks are skipped here;
    ``resolve_mapping`` reports them). Of several headers naming the same field, the one
    earlier in the field's list of synonyms (data/header_synonyms.csv) wins — 参保人数 over
    人员规模 wherever the columns stand — then the one earlier in the file; the others are left
    unmapped.
    """
    user_norm = {_norm(k): v for k, v in (user or {}).items()}
    known = {f.name for f in FIELDS[kind]}
    out: dict[str, str] = {}
    for h in headers:  # the user's own mapping first
        field = user_norm.get(_norm(h))
        if field in known and field not in out.values():
            out[h] = field
    taken = set(out.values())
    best: dict[str, tuple[int, int, str]] = {}  # field → (rank, position, header)
    for position, h in enumerate(headers):
        if h in out or _norm(h) in user_norm:
            continue
        hit = _SYNONYMS[kind].get(_norm(h))
        if hit and hit[0] not in taken:
            best[hit[0]] = min(best.get(hit[0], (hit[1], position, h)), (hit[1], position, h))
    out.update({h: field for field, (_, _, h) in best.items()})
    return {h: out[h] for h in headers if h in out}


def missing_required(mapped: dict[str, str], kind: str) -> list[Field]:
    """Required fields of ``kind`` that no header maps to (a key is not missing when the
    columns of one of its ``KEY_ALTERNATIVES`` are all there)."""
    have = set(mapped.values())
    return [f for f in FIELDS[kind] if f.required and f.name not in have
            and not any(set(alt) <= have for alt in KEY_ALTERNATIVES.get((kind, f.name), ()))]


def required_label(kind: str, f: Field) -> str:
    """A required field as a message names it: 人才编号 (或 姓名+手机, 或 姓名+出生年份+毕业院校)."""
    alts = KEY_ALTERNATIVES.get((kind, f.name))
    if not alts:
        return f.label
    labels = {x.name: x.label for x in FIELDS[kind]}
    return f.label + " (" + ", ".join("或 " + "+".join(labels[n] for n in alt)
                                       for alt in alts) + ")"


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
        need = "、".join(required_label(kind, f) for f in missing)
        raise MappingError(
            f"{source}: 缺少必需列 {need} ({KIND_ZH[kind]}数据); 找到的列: {shown}; "
            f"可用 --mapping 指定列名映射")
    return kind, mapped


def synonyms_markdown(kind: str) -> str:
    """The table of ``kind``'s fields and headers for docs/loading-data.md (a test keeps the
    document in step with data/header_synonyms.csv)."""
    sources: dict[str, list[str]] = {}
    for row in SYNONYM_ROWS:
        if row["kind"] == kind:
            sources.setdefault(row["field"], []).extend(
                s for s in row["source"].split("、") if s and s != "通用")
    lines = ["| field | recognised headers | seen in |", "|---|---|---|"]
    for f in FIELDS[kind]:
        name = f"**{f.name}**" if f.required else f.name
        alts = KEY_ALTERNATIVES.get((kind, f.name))
        note = (" (without it: " + " or ".join(" + ".join(a) for a in alts) + ", see *Derived "
                "talent key*)") if alts else ""
        seen = "、".join(dict.fromkeys(sources.get(f.name, []))) or "通用"
        lines.append(f"| {name} | {'、'.join(f.synonyms)}{note} | {seen} |")
    return "\n".join(lines)
