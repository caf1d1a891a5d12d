"""Позиционное кодирование: формулы статей, относительное свойство RoPE, наклоны ALiBi."""

import math

import numpy as np
import pytest

from snippets._plotting import trace_types
from snippets.positional import (
    alibi_bias,
    alibi_figure,
    alibi_slopes,
    rope,
    rope_relative_figure,
    rope_rotation_figure,
    shift_matrix,
    sinusoidal_encoding,
    sinusoidal_figure,
)


def test_sinusoidal_matches_formula_elementwise():
    d = 10
    pe = sinusoidal_encoding(30, d)
    for pos in range(30):
        for i in range(d // 2):
            angle = pos / 10_000 ** (2 * i / d)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle))
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle))


def test_sinusoidal_shift_is_linear_and_position_independent():
    pe = sinusoidal_encoding(100, 16)
    for k in (1, 7, 40):
        m = shift_matrix(k, 16)
        np.testing.assert_allclose(pe[: 100 - k] @ m, pe[k:], atol=1e-10)
        np.testing.assert_allclose(m @ m.T, np.eye(16), atol=1e-12)   # это поворот


def test_rope_equals_complex_multiplication():
    # RoFormer: пара (x_{2i}, x_{2i+1}) — комплексное число, умножаемое на e^{i m θ_i}
    rng = np.random.default_rng(0)
    x = rng.standard_normal((9, 12))
    pos = np.arange(9) * 3
    z = x[:, 0::2] + 1j * x[:, 1::2]
    theta = 10_000 ** (-np.arange(0, 12, 2) / 12)
    rotated = z * np.exp(1j * pos[:, None] * theta[None, :])
    out = rope(x, pos)
    np.testing.assert_allclose(out[:, 0::2], rotated.real, atol=1e-12)
    np.testing.assert_allclose(out[:, 1::2], rotated.imag, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), np.linalg.norm(x, axis=1))


def test_rope_score_depends_only_on_relative_position():
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((2, 64))

    def score(m: int, n: int) -> float:
        return float(rope(q[None], np.array([m]))[0] @ rope(k[None], np.array([n]))[0])

    for m, n in [(0, 0), (3, 10), (17, 2), (100, 57)]:
        for shift in (1, 25, 1000):
            assert score(m + shift, n + shift) == pytest.approx(score(m, n), abs=1e-9)
    assert score(0, 5) != pytest.approx(score(0, 6))      # а от разности зависит


def test_alibi_slopes_match_reference_code():
    np.testing.assert_allclose(alibi_slopes(16), [2 ** (-0.5 * h) for h in range(1, 17)])
    # не степень двойки: 8 наклонов для 8 голов + каждый второй из 16 голов
    expected12 = [2.0 ** -h for h in range(1, 9)] + [2 ** -0.5, 2 ** -1.5, 2 ** -2.5, 2 ** -3.5]
    np.testing.assert_allclose(alibi_slopes(12), expected12)


def test_alibi_bias_brute_force():
    n, h = 6, 4
    bias = alibi_bias(n, h)
    slopes = alibi_slopes(h)
    for head in range(h):
        for i in range(n):
            for j in range(n):
                want = -slopes[head] * (i - j) if j <= i else 0.0
                assert bias[head, i, j] == pytest.approx(want)


def test_figures_are_small_and_use_basic_traces():
    figs = [sinusoidal_figure(), rope_rotation_figure(), rope_relative_figure(), alibi_figure()]
    assert trace_types(figs[0]) == {"heatmap"}
    for f in figs[1:]:
        assert trace_types(f) == {"scatter"}
    assert all(len(f.to_json()) < 150_000 for f in figs)
