"""Дисперсия остаточного потока при разном масштабе ветви."""

import numpy as np
import pytest

from snippets.deep_init import residual_stream_var


def test_unscaled_branches_explode_scaled_stay_bounded_zero_is_identity():
    L = 16
    plain = residual_stream_var(L, 1.0)
    scaled = residual_stream_var(L, 1 / np.sqrt(2 * L))
    assert plain[-1] > 1e6
    assert scaled[-1] == pytest.approx((1 + 1 / L) ** L, rel=0.15)   # Var F = 2α²·Var x
    assert residual_stream_var(L, 0.0) == [pytest.approx(1.0)] * (L + 1)


def test_one_block_adds_two_alpha_squared():
    v = residual_stream_var(1, 0.5, width=1024, n=2048)
    assert v[1] == pytest.approx(1 + 2 * 0.25, rel=0.05)
