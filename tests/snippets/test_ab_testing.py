"""CUPED и подглядывание: несмещённость, снижение дисперсии, пороги Покока из таблиц."""

import numpy as np
import pytest

from snippets.ab_testing import cuped, peeking_fpr, pocock_threshold


def test_cuped_keeps_mean_and_cuts_variance_by_one_minus_rho_squared():
    rng = np.random.default_rng(0)
    x = rng.normal(10, 3, 50_000)                     # метрика до эксперимента
    y = 0.8 * x + rng.normal(0, 2, 50_000)            # та же метрика во время
    rho = np.corrcoef(x, y)[0, 1]
    y_adj, theta = cuped(y, x)
    assert y_adj.mean() == pytest.approx(y.mean())
    assert theta == pytest.approx(0.8, abs=0.01)
    assert y_adj.var() / y.var() == pytest.approx(1 - rho ** 2, rel=1e-6)


def test_one_look_keeps_alpha_and_many_looks_inflate_it():
    assert peeking_fpr(1) == pytest.approx(0.05, abs=0.006)
    assert peeking_fpr(10) > 0.15


@pytest.mark.parametrize("k,table", [(2, 2.178), (5, 2.413), (10, 2.555)])
def test_pocock_threshold_matches_published_constants(k, table):
    # Pocock (1977), α = 0,05 двусторонний: 2,178 / 2,413 / 2,555
    assert pocock_threshold(k) == pytest.approx(table, abs=0.03)
    assert peeking_fpr(k, pocock_threshold(k), seed=5) == pytest.approx(0.05, abs=0.006)
