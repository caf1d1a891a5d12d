"""Дрейф и A/B: KS и z-тест против scipy, PSI против KL-дивергенций, мощность — симуляцией."""

import numpy as np
import pytest
from scipy import stats

from snippets.drift import (
    ab_sample_size,
    concept_drift_errors,
    concept_drift_figure,
    ddm,
    drift_figure,
    ks_test,
    psi,
    two_proportion_ztest,
)


@pytest.mark.parametrize("shift,n,m", [(0.0, 300, 500), (0.2, 400, 400), (0.5, 1000, 250)])
def test_ks_matches_scipy(shift, n, m):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=n), rng.normal(shift, 1, size=m)
    d, p = ks_test(x, y)
    ref = stats.ks_2samp(x, y)
    assert d == pytest.approx(ref.statistic)
    # асимптотическое распределение Колмогорова, как в scipy.stats.kstwobign
    assert p == pytest.approx(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * d), rel=1e-9, abs=1e-12)
    assert p == pytest.approx(ref.pvalue, abs=0.02)     # scipy здесь считает точнее, но близко


def test_psi_is_symmetric_kl_over_reference_deciles():
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(size=4000), rng.normal(0.3, 1.2, size=3000)
    edges = np.quantile(ref, np.linspace(0, 1, 11)[1:-1])
    e = np.bincount(np.searchsorted(edges, ref), minlength=10) / len(ref)
    a = np.bincount(np.searchsorted(edges, cur), minlength=10) / len(cur)
    assert psi(ref, cur) == pytest.approx(stats.entropy(a, e) + stats.entropy(e, a))
    assert np.allclose(e, 0.1, atol=1e-3)               # корзины — децили эталона


def test_psi_grows_with_shift_and_ignores_monotone_rescaling():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=5000)
    values = [psi(ref, rng.normal(s, 1, 5000)) for s in (0.0, 0.1, 0.3, 0.6)]
    assert values[0] < 0.01 and values == sorted(values) and values[-1] > 0.25
    cur = rng.normal(0.3, 1, 5000)
    assert psi(np.exp(ref), np.exp(cur)) == pytest.approx(psi(ref, cur))


def test_ztest_equals_chi_square_test_of_2x2_table():
    z, p = two_proportion_ztest(120, 2000, 150, 2100)
    table = np.array([[120, 2000 - 120], [150, 2100 - 150]])
    chi2, p_chi, _, _ = stats.chi2_contingency(table, correction=False)
    assert z ** 2 == pytest.approx(chi2) and p == pytest.approx(p_chi)


def test_sample_size_gives_requested_power_by_simulation():
    p0, mde = 0.10, 0.02
    n = ab_sample_size(p0, mde, alpha=0.05, power=0.8)
    rng = np.random.default_rng(3)
    a, b = rng.binomial(n, p0, 4000), rng.binomial(n, p0 + mde, 4000)
    pool = (a + b) / (2 * n)
    z = (b - a) / n / np.sqrt(pool * (1 - pool) * 2 / n)
    assert np.mean(np.abs(z) > stats.norm.ppf(0.975)) == pytest.approx(0.8, abs=0.03)
    # без эффекта доля ложных срабатываний ≈ α
    a0, b0 = rng.binomial(n, p0, 4000), rng.binomial(n, p0, 4000)
    pool0 = (a0 + b0) / (2 * n)
    z0 = (b0 - a0) / n / np.sqrt(pool0 * (1 - pool0) * 2 / n)
    assert np.mean(np.abs(z0) > stats.norm.ppf(0.975)) == pytest.approx(0.05, abs=0.015)


def test_ddm_detects_concept_drift_but_psi_of_inputs_does_not():
    delays, false_alarms = [], 0
    for seed in range(10):
        X, err = concept_drift_errors(seed=seed)
        assert psi(X[:1000, 0], X[1000:, 0]) < 0.05        # входы не изменились
        _, alarm = ddm(err)
        assert alarm is not None
        false_alarms += alarm < 1000
        delays.append(alarm - 1000)
        _, alarm_stationary = ddm(err[:1000])
        false_alarms += alarm_stationary is not None
    # DDM шумит: изредка срабатывает на стационарном потоке (множественные сравнения)
    assert false_alarms <= 3 and np.median(delays) < 200


def test_figures_build():
    fig = drift_figure()
    assert [t.type for t in fig.data] == ["scatter"] * 3
    psis = np.array(fig.data[0].y)
    assert psis[:15].max() < 0.1 and psis[-1] > 0.25
    assert concept_drift_figure().data[0].type == "scatter"
