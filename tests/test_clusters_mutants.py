"""Cluster edge cases found by the mutation audit of analytics/clusters.py (docs/testing.md,
"Mutation testing"): each test pins a behaviour that a surviving mutant got wrong."""

from __future__ import annotations

import numpy as np
import pytest

from analytics import clusters as cl


def _eps_on_the_threshold(lon, lat) -> float:
    """The eps (km) whose neighbour threshold equals the two points' dot product exactly.

    ``neighbours`` compares the dot product of unit vectors with cos(eps / R) - 1e-12; this
    walks eps float by float from the analytic value until the two are the same float."""
    v = cl._unit_vectors(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    dot = (v @ v.T)[0, 1]
    start = float(np.arccos(dot + 1e-12)) * cl.EARTH_RADIUS_KM
    for direction in (np.inf, -np.inf):
        eps = start
        for _ in range(20000):
            if np.cos(min(eps / cl.EARTH_RADIUS_KM, np.pi)) - 1e-12 == dot:
                return eps
            eps = float(np.nextafter(eps, direction))
    raise AssertionError("no eps puts the threshold exactly on the dot product")


# -- neighbours: a pair whose dot product sits exactly on the threshold counts (>=, not >) ------
@pytest.mark.parametrize(("lon", "lat"), [
    ([0.0, 60.0], [0.0, 0.0]),
    ([120.0, 121.0], [36.0, 36.5]),
    ([100.0, 100.0], [10.0, 40.0]),
])
def test_a_pair_exactly_on_the_threshold_are_neighbours(lon, lat):
    eps = _eps_on_the_threshold(lon, lat)
    lon, lat = np.array(lon), np.array(lat)
    assert cl.neighbours(lon, lat, eps).tolist() == [[True, True], [True, True]]
    # a metre less and they are not: the pair really is on the edge
    assert cl.neighbours(lon, lat, eps - 0.001).tolist() == [[True, False], [False, True]]
