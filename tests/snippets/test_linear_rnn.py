"""Линейная рекурсия: цикл = параллельное сканирование = свёртка (против np.convolve)."""

import math

import numpy as np
import pytest

from snippets.linear_rnn import scan_parallel, scan_sequential, ssm_conv, ssm_kernel


@pytest.mark.parametrize("T", [1, 2, 7, 64, 1000])
def test_parallel_scan_equals_loop_with_log_depth(T):
    rng = np.random.default_rng(T)
    a, u = rng.uniform(0.5, 1.0, size=(T, 4)), rng.normal(size=(T, 4))   # a_t зависит от t, как в Mamba
    h, steps = scan_parallel(a, u)
    np.testing.assert_allclose(h, scan_sequential(a, u), rtol=1e-10, atol=1e-12)
    assert steps == math.ceil(math.log2(T)) if T > 1 else steps == 0


def test_constant_coefficients_give_a_convolution():
    rng = np.random.default_rng(0)
    T, N = 200, 6
    a_bar, b_bar, c = rng.uniform(0.3, 0.99, N), rng.normal(size=N), rng.normal(size=N)
    x = rng.normal(size=T)
    y_loop = scan_sequential(np.tile(a_bar, (T, 1)), b_bar * x[:, None]) @ c
    K = ssm_kernel(a_bar, b_bar, c, T)
    np.testing.assert_allclose(ssm_conv(K, x), y_loop, atol=1e-10)
    np.testing.assert_allclose(np.convolve(K, x)[:T], y_loop, atol=1e-10)
