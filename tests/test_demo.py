"""Demo data generator: deterministic, shaped like real exports, broken where the manifest says."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from types import SimpleNamespace

import openpyxl
import pytest

from etl import demo
from etl.demo import BAD_ROW_SHARE, SCALES, generate
from reference import taxonomy

FILES = ["enterprises.csv", "talents.xlsx", "postings.jsonl", "moves.csv", "population.csv",
         "renshe_talents.csv", "liepin_resumes.csv"]
DATA_FILES = FILES[:4]
# Independent GB 32100-2015 reference (as written in the standard), not the generator's code.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
VR_TITLE = re.compile(r"VR|AR|XR|Unity|UE5|数字孪生|虚拟现实")
VR_SCOPE = re.compile(r"虚拟现实|增强现实|元宇宙|数字孪生|虚拟仿真|三维引擎|VR头显|AR眼镜")


def code_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    total = sum(CHARSET.index(c) * w for c, w in zip(code[:17], WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31] == code[17]


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small demo (seed 42): its folder, returned paths and progress calls."""
    folder = tmp_path_factory.mktemp("demo-small-42")
    calls = []
    paths = generate(folder, "small", 42, progress=lambda m, f: calls.append((m, f)))
    return SimpleNamespace(folder=folder, paths=paths, calls=calls)


@pytest.fixture(scope="module")
def out(run):
    return run.folder


@pytest.fixture(scope="module")
def manifest(out):
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def enterprises(out):
    text = (out / "enterprises.csv").read_bytes().decode("gbk")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def talents(out):
    wb = openpyxl.load_workbook(out / "talents.xlsx", read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    wb.close()
    header = rows[1]
    return [dict(zip(header, ["" if v is None else v for v in r], strict=True)) for r in rows[2:]]


@pytest.fixture(scope="module")
def postings(out):
    lines = (out / "postings.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def moves(out):
    with open(out / "moves.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def defect_rows(manifest, name: str, kind: str) -> set[int]:
    """0-based data-row positions of one kind of defect."""
    return {r - 1 for r in manifest["files"][name]["defect_rows"][kind]}


def all_defects(manifest, name: str) -> set[int]:
    return {r - 1 for rows in manifest["files"][name]["defect_rows"].values() for r in rows}


# -- the API ----------------------------------------------------------------------------------
def test_returns_the_files_in_order_and_reports_progress(run):
    assert [p.name for p in run.paths] == FILES
    assert all(p.parent == run.folder for p in run.paths)
    assert (run.folder / "manifest.json").exists()
    fractions = [f for _, f in run.calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)


def test_scales_and_bad_share():
    assert SCALES["small"] == dict(talents=5_000, enterprises=1_500, postings=5_000, moves=1_500)
    assert set(SCALES) == {"small", "medium", "large"}
    assert BAD_ROW_SHARE == 0.02


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="未知规模 'huge'"):
        generate(tmp_path, "huge")


def test_same_seed_gives_identical_bytes(out, tmp_path):
    generate(tmp_path, "small", 42)
    for name in [*FILES, "manifest.json", "_truth/linkage_truth.csv"]:
        assert sha(tmp_path / name) == sha(out / name), name


def test_other_seed_gives_other_data(out, tmp_path):
    generate(tmp_path, "small", 7)
    for name in DATA_FILES:
        assert sha(tmp_path / name) != sha(out / name), name


# -- formats ----------------------------------------------------------------------------------
def test_enterprises_are_gbk_not_utf8(out, enterprises):
    raw = (out / "enterprises.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert list(enterprises[0]) == list(demo.ENTERPRISE_COLUMNS)
    assert {e["数据日期"] for e in enterprises} == {"2024-12-31"}


def test_founding_dates_use_three_formats(enterprises):
    dates = [e["成立日期"] for e in enterprises]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates)
    assert any(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", d) for d in dates)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", d) for d in dates)


def test_talents_xlsx_has_a_title_row_above_the_header(out):
    wb = openpyxl.load_workbook(out / "talents.xlsx", read_only=True)
    first, second = list(wb.active.iter_rows(min_row=1, max_row=2, values_only=True))
    wb.close()
    assert first[0] == "人才信息导出 2024-12-31"
    assert list(second) == list(demo.TALENT_COLUMNS)


def test_postings_are_json_lines_with_chinese_keys(out, postings):
    assert all(list(p) == list(demo.POSTING_COLUMNS) for p in postings)
    assert "薪资" in (out / "postings.jsonl").read_text(encoding="utf-8")  # not \\u escaped
    salaries = {p["薪资"] for p in postings}
    assert "面议" in salaries
    assert any(re.fullmatch(r"\d+-\d+K·1[3-6]薪", s) for s in salaries)
    assert any(s.endswith("万/年") for s in salaries) and any(s.endswith("元/天") for s in salaries)


def test_moves_and_population_are_utf8(out, moves):
    assert (out / "moves.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(moves[0]) == ["人才编号", "原所在地", "现所在地", "流动日期"]
    assert not (out / "population.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# -- the manifest and the defects ---------------------------------------------------------------
def test_manifest_counts_match_the_files(manifest, enterprises, talents, postings, moves):
    actual = {"enterprises.csv": len(enterprises), "talents.xlsx": len(talents),
              "postings.jsonl": len(postings), "moves.csv": len(moves)}
    for name, rows in actual.items():
        entry = manifest["files"][name]
        assert entry["rows"] == rows, name
        assert entry["bad_rows"] == sum(entry["defects"].values()) == len(all_defects(manifest, name))
        assert 0.01 <= entry["bad_rows"] / rows <= 0.03, name
        assert len(entry["defects"]) >= 2 and min(entry["defects"].values()) > 0, name
    assert manifest["files"]["population.csv"]["bad_rows"] == 0


def test_credit_codes_check_except_the_broken_ones(manifest, enterprises):
    wrong = defect_rows(manifest, "enterprises.csv", "wrong_check_char")
    for i, e in enumerate(enterprises):
        code = e["统一社会信用代码"]
        assert code_ok(code) == (i not in wrong), (i, code)
        assert code.startswith("91") and code[2:8].isdigit()


def test_duplicated_credit_codes_repeat_an_earlier_row(manifest, enterprises):
    first = {}
    for i, e in enumerate(enterprises):
        first.setdefault(e["统一社会信用代码"], i)
    dups = defect_rows(manifest, "enterprises.csv", "duplicate_credit_code")
    assert dups == {i for i, e in enumerate(enterprises) if first[e["统一社会信用代码"]] != i}


def test_talent_defects_are_where_the_manifest_says(manifest, talents):
    rows = lambda kind: [talents[i] for i in defect_rows(manifest, "talents.xlsx", kind)]  # noqa: E731
    assert all(t["人才编号"] == "" for t in rows("empty_id"))
    assert all(str(t["工作年限"]).startswith("-") for t in rows("negative_experience"))
    assert all(t["出生年份"] in (1900, 2015) for t in rows("implausible_birth_year"))
    ids = [t["人才编号"] for t in talents if t["人才编号"]]
    assert len(ids) - len(set(ids)) == manifest["files"]["talents.xlsx"]["defects"]["duplicate_id"]
    good = [t for i, t in enumerate(talents) if i not in all_defects(manifest, "talents.xlsx")]
    assert all(re.fullmatch(r"R\d{8}", t["人才编号"]) for t in good)
    assert all(re.fullmatch(r"1[3-9]\d{9}", t["手机"]) for t in good)
    assert all(1930 < t["出生年份"] < 2005 for t in good)


def test_posting_defects_are_where_the_manifest_says(manifest, postings):
    for kind, check in (("empty_title", lambda p: p["职位名称"] == ""),
                        ("unparseable_date", lambda p: not re.match(r"\d{4}-", p["发布日期"])),
                        ("garbage_salary", lambda p: not re.search(r"\d", p["薪资"]))):
        assert all(check(postings[i]) for i in defect_rows(manifest, "postings.jsonl", kind)), kind


# -- places -----------------------------------------------------------------------------------
def test_every_good_place_text_resolves_to_the_right_region(manifest, enterprises, talents, moves):
    from maps.resolver import default_resolver

    resolve = default_resolver().resolve
    bad = all_defects(manifest, "enterprises.csv")
    for i, e in enumerate(enterprises):
        if i not in bad:  # the code carries the district the address names
            assert resolve(e["注册地址"]).adcode == e["统一社会信用代码"][2:8], e["注册地址"]
    nowhere = defect_rows(manifest, "enterprises.csv", "unresolvable_address")
    assert all(resolve(enterprises[i]["注册地址"]).adcode is None for i in nowhere)
    bad = all_defects(manifest, "talents.xlsx")
    unresolved = {t["所在地"] for i, t in enumerate(talents)
                  if i not in bad and resolve(t["所在地"]).adcode is None}
    assert not unresolved
    bad = all_defects(manifest, "moves.csv")
    assert all(resolve(m[k]).adcode for i, m in enumerate(moves) if i not in bad
               for k in ("原所在地", "现所在地"))


def test_street_names_hold_no_place_names():
    from maps.resolver import default_resolver

    resolve = default_resolver().resolve
    assert [w for w in demo.STREETS + demo.BUILDINGS if resolve(w).adcode] == []


# -- what the demo must show ------------------------------------------------------------------
def test_laoshan_is_a_vr_stronghold_for_talent(talents):
    vr = [bool(VR_TITLE.search(t["职位"])) for t in talents]
    laoshan = ["崂山" in t["所在地"] for t in talents]
    local = sum(laoshan)
    local_vr = sum(v and x for v, x in zip(vr, laoshan, strict=True))
    lq = (local_vr / local) / (sum(vr) / len(talents))
    assert lq >= 2, (local_vr, local, sum(vr))


def test_laoshan_has_vr_chain_leaders(manifest, enterprises):
    bad = all_defects(manifest, "enterprises.csv")
    leaders = [e for i, e in enumerate(enterprises) if i not in bad and e["链主企业"] == "是"
               and e["统一社会信用代码"][2:8] == "370212" and VR_SCOPE.search(e["经营范围"])]
    assert len(leaders) >= 2
    share = sum(e["链主企业"] == "是" for e in enterprises) / len(enterprises)
    assert 0.005 <= share <= 0.02


def test_qingdao_lacks_ai_chips_and_frameworks(talents):
    chips = re.compile(r"芯片|FPGA|GPU|NPU|框架|算子|编译器")
    qd = [t for t in talents if "青岛" in t["所在地"]]
    national = sum(bool(chips.search(t["职位"])) for t in talents) / len(talents)
    local = sum(bool(chips.search(t["职位"])) for t in qd) / len(qd)
    assert local / national < 0.5


def test_etl_classifier_sees_the_laoshan_vr_stronghold(talents):
    clf = taxonomy.default_classifier()  # a broken import fails here, never skips
    nodes = [clf.classify(f"{t['技能标签']} {t['职位']} {t['专业']}") for t in talents]
    laoshan = ["崂山" in t["所在地"] for t in talents]
    local = [n for n, x in zip(nodes, laoshan, strict=True) if x]
    lq = (local.count("T14") / len(local)) / (nodes.count("T14") / len(nodes))
    assert lq >= 2


def test_population_has_census_counts(out):
    with open(out / "population.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    values = {(r["地区"], r["年份"]): int(r["数值"]) for r in rows}
    assert values[("青岛市", "2020")] == 10_071_722
    assert values[("青岛市崂山区", "2020")] == 502_370
    assert values[("青岛市", "2010")] == 8_715_087
    provinces = [v for (name, year), v in values.items()
                 if year == "2020" and name in demo.PROVINCE_POP]
    assert len(provinces) == 31 and sum(provinces) == 1_409_778_724
    qingdao = [v for (name, _), v in values.items() if name.startswith("青岛市") and name != "青岛市"]
    assert sum(qingdao) == 10_071_722
    assert {r["指标"] for r in rows} == {"常住人口"} and {r["单位"] for r in rows} == {"人"}
