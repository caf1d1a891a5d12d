"""Ньютон и L-BFGS: гессиан против torch, двухпетлевая рекурсия против плотного BFGS, минимум против scipy."""

import numpy as np
import scipy.optimize as so
import torch

from snippets.second_order import lbfgs, lbfgs_direction, newton_step, rosenbrock_hessian
from snippets.trajectories import quadratic, rosenbrock


def test_rosenbrock_hessian_matches_torch():
    f = lambda t: (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2
    for p in np.random.default_rng(0).normal(size=(5, 2)):
        H = torch.autograd.functional.hessian(f, torch.tensor(p))
        np.testing.assert_allclose(rosenbrock_hessian(p), H.numpy(), rtol=1e-12)


def test_newton_solves_a_quadratic_in_one_step_and_jumps_to_a_saddle():
    pb = quadratic(30)
    A = np.array([pb.grad(e) for e in np.eye(2)]).T
    x = np.array(pb.start)
    np.testing.assert_allclose(newton_step(pb.grad(x), A, x), [0.0, 0.0], atol=1e-12)
    H = np.diag([2.0, -2.0])                                   # седло x² − y²
    np.testing.assert_allclose(newton_step(H @ np.array([0.3, 0.7]), H, np.array([0.3, 0.7])), [0, 0])


def test_two_loop_recursion_equals_dense_bfgs_inverse_update():
    rng = np.random.default_rng(1)
    n, m = 6, 4
    M = rng.normal(size=(n, n))
    A = M @ M.T + n * np.eye(n)                               # SPD: yᵀs > 0
    s_hist = [rng.normal(size=n) for _ in range(m)]
    y_hist = [A @ s for s in s_hist]
    g = rng.normal(size=n)
    gamma = (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1])
    H = gamma * np.eye(n)
    for s, y in zip(s_hist, y_hist):
        rho = 1 / (y @ s)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    np.testing.assert_allclose(lbfgs_direction(g, s_hist, y_hist), -H @ g, rtol=1e-10)
    np.testing.assert_allclose(H @ y_hist[-1], s_hist[-1], rtol=1e-10)   # секущее уравнение


def test_lbfgs_finds_the_same_minimum_as_scipy():
    pb = rosenbrock()
    ours = lbfgs(pb.f, pb.grad, pb.start, 300)[-1]
    ref = so.minimize(pb.f, pb.start, jac=pb.grad, method="L-BFGS-B").x
    np.testing.assert_allclose(ours, ref, atol=1e-4)
    assert pb.f(ours) < 1e-10
