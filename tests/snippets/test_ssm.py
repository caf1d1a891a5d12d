"""SSM: рекуррентный и свёрточный режимы S4 совпадают; ZOH против scipy.signal.cont2discrete;
селективная SSM с постоянными параметрами сводится к S4, с переменными — нет."""

import numpy as np
from scipy.signal import cont2discrete

from snippets.ssm import discretize_zoh, selective_scan, ssm_convolution, ssm_kernel, ssm_recurrent


def random_ssm(n=8, seed=0):
    rng = np.random.default_rng(seed)
    A = -np.exp(rng.normal(size=n))                   # устойчивая диагональная A (Re < 0)
    return A, rng.normal(size=n), rng.normal(size=n)


def test_zoh_matches_scipy():
    A, B, C = random_ssm()
    A_bar, B_bar = discretize_zoh(A, B, 0.05)
    Ad, Bd, *_ = cont2discrete((np.diag(A), B[:, None], C[None, :], np.zeros((1, 1))), 0.05,
                               method="zoh")
    np.testing.assert_allclose(np.diag(Ad), A_bar, rtol=1e-12)
    np.testing.assert_allclose(Bd[:, 0], B_bar, rtol=1e-10)


def test_recurrence_equals_convolution():
    A, B, C = random_ssm(seed=1)
    A_bar, B_bar = discretize_zoh(A, B, 0.1)
    x = np.random.default_rng(2).normal(size=300)
    y_rec = ssm_recurrent(A_bar, B_bar, C, x)
    K = ssm_kernel(A_bar, B_bar, C, len(x))
    np.testing.assert_allclose(ssm_convolution(K, x), y_rec, atol=1e-10)
    np.testing.assert_allclose(np.convolve(K, x)[: len(x)], y_rec, atol=1e-10)


def test_selective_scan_reduces_to_lti_and_is_input_dependent():
    A, B, C = random_ssm(seed=3)
    x = np.random.default_rng(4).normal(size=50)
    L = len(x)
    A_bar, B_bar = discretize_zoh(A, B, 0.1)
    y = selective_scan(x, np.full(L, 0.1), np.tile(B, (L, 1)), np.tile(C, (L, 1)), A)
    np.testing.assert_allclose(y, ssm_recurrent(A_bar, B_bar, C, x), atol=1e-12)
    dt = 0.1 * np.exp(x)                              # Δ зависит от входа: уже не свёртка
    y_sel = selective_scan(x, dt, np.tile(B, (L, 1)), np.tile(C, (L, 1)), A)
    assert np.abs(y_sel - y).max() > 1e-3
