"""Степенные и квантильное преобразования против scipy/sklearn; циклы, RevIN, разности."""

import numpy as np
import pytest
from scipy import stats
from sklearn.preprocessing import QuantileTransformer

from snippets.feature_transforms import (
    box_cox,
    cyclic_encode,
    difference,
    instance_normalize,
    quantile_to_normal,
    yeo_johnson,
    yeo_johnson_lambda,
)


@pytest.mark.parametrize("lam", [-0.5, 0.0, 0.3, 1.5])
def test_box_cox_and_yeo_johnson_match_scipy(lam):
    rng = np.random.default_rng(0)
    x = rng.lognormal(size=300)
    np.testing.assert_allclose(box_cox(x, lam), stats.boxcox(x, lmbda=lam), rtol=1e-10)
    y = rng.normal(size=300) * 3
    np.testing.assert_allclose(yeo_johnson(y, lam), stats.yeojohnson(y, lmbda=lam), rtol=1e-10)


def test_yeo_johnson_lambda_matches_scipy_mle_and_removes_skew():
    x = np.random.default_rng(1).lognormal(size=2000) - 0.5
    lam = yeo_johnson_lambda(x)
    assert lam == pytest.approx(stats.yeojohnson_normmax(x), abs=0.01)
    assert abs(stats.skew(yeo_johnson(x, lam))) < 0.2 and stats.skew(x) > 5


def test_quantile_transform_matches_sklearn_and_is_standard_normal():
    rng = np.random.default_rng(2)
    train, test = rng.exponential(size=400), rng.exponential(size=100)
    qt = QuantileTransformer(n_quantiles=400, output_distribution="normal").fit(train[:, None])
    np.testing.assert_allclose(quantile_to_normal(train, test), qt.transform(test[:, None]).ravel(),
                               atol=1e-9)
    z = quantile_to_normal(rng.exponential(size=5000), rng.exponential(size=20_000))
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    assert abs(np.mean(np.abs(z) < 1) - 0.683) < 0.02


def test_cyclic_encoding_is_periodic_and_equidistant():
    e = cyclic_encode(np.arange(25.0), 24)
    np.testing.assert_allclose(e[0], e[24], atol=1e-12)
    steps = np.linalg.norm(np.diff(e, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps[0])            # 23→0 ч — такой же шаг, как 11→12 ч


def test_instance_normalize_removes_level_and_scale_and_inverts():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(4, 16, 2))
    z, mu, sd = instance_normalize(w)
    z2, _, _ = instance_normalize(100 + 7 * w)
    np.testing.assert_allclose(z, z2, atol=1e-4)
    np.testing.assert_allclose(z * sd + mu, w)


def test_difference_makes_random_walk_stationary_and_inverts():
    steps = np.random.default_rng(4).normal(size=4000)
    walk = 5 + np.cumsum(steps)
    d = difference(walk)
    np.testing.assert_allclose(d, steps[1:])
    np.testing.assert_allclose(np.r_[walk[0], walk[0] + np.cumsum(d)], walk)
