"""The first-run (small) demo shows the home region as a planner would see it: enough talents per
district and chain node of 青岛市 (the setting home_region) to read, while the national sample
and the calibrated scales (medium, large: tests/test_calibration.py) are left as they were."""

from __future__ import annotations

import json

import numpy as np
import pytest

from etl.demo import generate
from etl.demo.calibration import HOME_MIN_TALENTS, QD_EMPHASES
from etl.demo.geography import home_units, load_geo, set_home_boost, unit_weights
from store.reader import Reader

LAOSHAN, QINGDAO = "370212", "370200"


@pytest.fixture(scope="module")
def reader(demo_db):
    r = Reader(demo_db)
    yield r
    r.close()


def per_node(reader, adcode: str) -> dict[str, int]:
    df = reader.df("SELECT node_id, count(*) AS n FROM talent WHERE adcode = $a GROUP BY 1",
                   {"a": adcode})
    return dict(zip(df["node_id"], df["n"], strict=True))


def test_laoshan_has_enough_talents_in_most_core_nodes(reader):
    nodes = per_node(reader, LAOSHAN)
    core = {n: nodes.get(n, 0) for n in QD_EMPHASES}  # Qingdao's emphases (calibration.json)
    # 轨道交通 A07 sits in 城阳 and 黄岛 by design (qingdao_node_districts): not in 崂山
    assert sum(v >= 5 for v in core.values()) >= 6, core
    assert nodes.get("T14", 0) >= 10 and nodes.get("A04", 0) >= 10, core  # VR, devices
    assert sum(nodes.values()) >= 80, nodes  # was 13 before the home region was boosted


def test_qingdao_has_several_hundred_talents_in_every_district(reader):
    df = reader.df("""SELECT t.adcode, count(*) AS n FROM talent t JOIN region r USING (adcode)
                      WHERE r.city_adcode = $c OR t.adcode = $c GROUP BY 1""", {"c": QINGDAO})
    counts = dict(zip(df["adcode"], df["n"], strict=True))
    assert 400 <= sum(counts.values()) <= 900, counts  # was 77
    districts = {a: n for a, n in counts.items() if a != QINGDAO}
    assert len(districts) == 10 and min(districts.values()) >= 5, districts
    # the core districts hold enough people per node to be read (cells of at least 5)
    cells = reader.df("""SELECT t.adcode, t.node_id, count(*) AS n FROM talent t
                         WHERE t.adcode IN ('370212', '370214', '370211') GROUP BY ALL""")
    assert int((cells["n"] >= 5).sum()) >= 15, cells.sort_values("n").tail(20)


def test_the_rest_of_the_country_keeps_its_shape(reader):
    df = reader.df("""SELECT coalesce(r.city_adcode, t.adcode) AS city, count(*) AS n
                      FROM talent t JOIN region r USING (adcode) GROUP BY 1 ORDER BY n DESC""")
    top = df["city"].tolist()
    assert top[0] == "110100"  # Beijing stays the biggest
    assert top.index("370200") < 10  # Qingdao is oversampled, visibly so …
    total = int(df["n"].sum())
    assert 0.08 < int(df.set_index("city").at["370200", "n"]) / total < 0.16  # … ≈ 11 %


def test_the_boost_applies_only_where_the_scale_is_too_small():
    geo = load_geo()
    plain = unit_weights(geo, "talent", home=False)
    assert set_home_boost(geo, QINGDAO, 100_000) == 1.0  # medium: 1.5 % of 100k > 600
    assert np.array_equal(unit_weights(geo, "talent"), plain)  # bit for bit: output unchanged
    k = set_home_boost(geo, QINGDAO, 5_000)
    mask = home_units(geo, QINGDAO)
    assert mask.sum() == 1 and geo.units["name"][mask].tolist() == ["青岛市"]
    boosted = unit_weights(geo, "talent")
    assert k > 5 and np.allclose(boosted[mask], plain[mask] * k)
    assert np.array_equal(boosted[~mask], plain[~mask])
    expected = 5_000 * boosted[mask].sum() / boosted.sum()
    assert expected >= HOME_MIN_TALENTS * 0.9  # the region now draws about min_talents
    assert set_home_boost(geo, LAOSHAN, 5_000) == k  # a district boosts its city
    assert set_home_boost(geo, "100000", 5_000) == 1.0  # the country: nothing to boost
    assert home_units(geo, "370000").sum() == 16  # a province: its cities


def test_the_manifest_records_the_home_region(tmp_path):
    generate(tmp_path, "small", 42, home_region="100000")
    manifest = json.loads((tmp_path / "manifest.json").read_text("utf-8"))
    assert (manifest["home_region"], manifest["home_boost"]) == ("100000", 1.0)


def test_where_people_want_to_move_is_not_oversampled(reader):
    """期望城市 follows the calibrated weights: of the willing talents elsewhere, 10 % name 青岛
    on purpose and a few more draw it among the big cities — not the boosted weight (≈ 17 %)."""
    share = reader.df("""
        SELECT avg(CASE WHEN coalesce(e.city_adcode, t.expected_adcode) = '370200'
                        THEN 1.0 ELSE 0.0 END) AS share
        FROM talent t JOIN region r ON r.adcode = t.adcode
        LEFT JOIN region e ON e.adcode = t.expected_adcode
        WHERE t.willing_to_relocate AND coalesce(r.city_adcode, t.adcode) <> '370200'
    """)["share"][0]
    assert 0.08 < share < 0.14, share
