"""Words the records are made of, read once from ``data/vocabulary.json``.

Job titles, skills, majors, universities, names, firm-name parts, business-scope phrases,
streets and education spellings. Weights that come with a list (surnames, universities, generic
skills, education spellings) only say how common each entry is; they follow no published figure.
"""

from __future__ import annotations

from etl.demo.calibration import as_tuples, read_json

_VOCAB = read_json("vocabulary.json")

TITLES = as_tuples(_VOCAB["titles"])
GENERIC_SKILLS: tuple[str, ...] = tuple(_VOCAB["generic_skills"])
GENERIC_SKILL_W: tuple[float, ...] = tuple(_VOCAB["generic_skills"].values())
MAJORS: tuple[str, ...] = tuple(_VOCAB["majors"])
NODE_MAJORS = as_tuples(_VOCAB["node_majors"])
# (name, province adcode, weight)
UNIVERSITIES: tuple[tuple[str, str, float], ...] = tuple(
    (name, prov, weight) for name, prov, weight in _VOCAB["universities"])
COLLEGES: tuple[str, ...] = tuple(_VOCAB["colleges"])
FOREIGN_UNIS = as_tuples(_VOCAB["foreign_universities"])
# (surname, pinyin, weight)
SURNAMES: tuple[tuple[str, str, float], ...] = tuple(
    (surname, pinyin, weight) for surname, pinyin, weight in _VOCAB["surnames"])
GIVEN: str = _VOCAB["given_name_chars"]
BRAND: str = _VOCAB["brand_chars"]
FIRM_WORDS = as_tuples(_VOCAB["firm_words"])
NODE_FIRM_WORDS = as_tuples(_VOCAB["node_firm_words"])
FIRM_SUFFIX: tuple[str, ...] = tuple(_VOCAB["firm_suffixes"])
SCOPE_GENERIC: tuple[str, ...] = tuple(_VOCAB["scope_generic"])
SCOPE_PATTERNS: tuple[str, ...] = tuple(_VOCAB["scope_patterns"])
STREETS: tuple[str, ...] = tuple(_VOCAB["streets"])
BUILDINGS: tuple[str, ...] = tuple(_VOCAB["buildings"])
EDU_VARIANTS = {level: tuple(v) for level, v in _VOCAB["education_variants"].items()}
EDU_VARIANT_W = {level: tuple(v.values()) for level, v in _VOCAB["education_variants"].items()}
