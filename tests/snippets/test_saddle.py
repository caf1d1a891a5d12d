"""Уход от седла: линейная оценка времени, ось y = 0, возмущённый спуск."""

import numpy as np
import pytest

from snippets.saddle import escape_step, grad_f, predicted_escape


def test_gradient_matches_finite_differences():
    f = lambda p: p[0] ** 2 - p[1] ** 2 + p[1] ** 4 / 2
    p, h = np.array([0.3, -0.7]), 1e-6
    num = [(f(p + h * e) - f(p - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad_f(p), num, atol=1e-8)


@pytest.mark.parametrize("y0", [1e-3, 1e-6, 1e-9])
def test_escape_time_follows_the_log_law(y0):
    assert escape_step(np.array([1.0, y0])) == pytest.approx(predicted_escape(y0), abs=2)


def test_plain_gd_stays_on_the_axis_and_perturbed_gd_escapes():
    assert escape_step(np.array([1.0, 0.0]), steps=2000) is None
    assert all(escape_step(np.array([1.0, 0.0]), perturb=1e-3, seed=s) for s in range(5))
