"""Траектории оптимизаторов: задачи, подбор шага, фигуры."""

import numpy as np
import pytest
import torch

from snippets.optimizers import SGD
from snippets.trajectories import (
    LR_GRID,
    METHODS,
    quadratic,
    results_table,
    rosenbrock,
    run,
    trajectory_figure,
    tuned,
)


def _matrix(problem):
    return np.array([problem.grad(e) for e in np.eye(2)]).T      # A из grad(eᵢ) = A eᵢ


@pytest.mark.parametrize("problem", [quadratic(), quadratic(30), rosenbrock()])
def test_f_and_gradients_match_torch_autograd(problem):
    is_rosenbrock = problem.minimum == (1.0, 1.0)
    for p in np.random.default_rng(0).normal(size=(5, 2)):
        t = torch.tensor(p, requires_grad=True)
        if is_rosenbrock:
            f = (1 - t[0]) ** 2 + 100 * (t[1] - t[0] ** 2) ** 2
        else:
            f = 0.5 * t @ torch.tensor(_matrix(problem)) @ t
        f.backward()
        np.testing.assert_allclose(problem.grad(p), t.grad.numpy(), rtol=1e-10)
        assert problem.f(p) == pytest.approx(f.item())


def test_rotation_keeps_the_spectrum():
    for angle in (0, 30, 77):
        A = _matrix(quadratic(angle))
        np.testing.assert_allclose(A, A.T)
        np.testing.assert_allclose(np.linalg.eigvalsh(A), [0.2, 4.0])


def test_gd_on_quadratic_matches_closed_form():
    """GD на ½θᵀAθ с диагональной A: θ_k = (1 − ηλ)^k θ₀ по каждой оси."""
    path = run(SGD(0.3), quadratic())
    k = np.arange(len(path))[:, None]
    np.testing.assert_allclose(path, (1 - 0.3 * np.array([0.2, 4.0])) ** k * np.array([-5.0, -2.0]))


def test_tuning_picks_the_best_grid_point_and_all_methods_make_progress():
    for problem in (quadratic(), rosenbrock()):
        start = problem.f(np.array(problem.start))
        for name, (lr, path) in tuned(problem).items():
            assert lr in LR_GRID
            best = problem.f(path[-1])
            assert best < start
            for other in LR_GRID:
                p = run(METHODS[name](other), problem)[-1]
                assert not (np.isfinite(p).all() and problem.f(p) < best)


def test_adaptive_methods_lose_their_edge_when_the_quadratic_is_rotated():
    aligned, rotated = tuned(quadratic()), tuned(quadratic(30))
    f0, f30 = quadratic().f, quadratic(30).f
    assert f0(aligned["RMSProp (α = 0.9)"][1][-1]) < 1e-10 < f30(rotated["RMSProp (α = 0.9)"][1][-1])
    assert f0(aligned["AdaGrad"][1][-1]) < f30(rotated["AdaGrad"][1][-1]) / 50
    assert f30(rotated["Nesterov (μ = 0.9)"][1][-1]) < f30(rotated["AdaGrad"][1][-1])


def test_table_and_figures():
    table = results_table({"q": quadratic()})
    assert table.count("\n") == len(METHODS) + 1
    for fig in (trajectory_figure(quadratic(), "q"), trajectory_figure(rosenbrock(), "r", True)):
        assert {t.type for t in fig.data} == {"contour", "scatter"}
        assert len(fig.data) == len(METHODS) + 3
        assert len(fig.to_json()) < 150_000


def test_sweep_figures_frames_equal_direct_calls():
    from snippets._plotting import frame_traces, same_traces
    from snippets.trajectories import sweep_figure, sweep_traces
    lrs = [0.05, 0.4, 0.52]
    fig = sweep_figure(quadratic(), SGD, lrs, "η", "GD", active=1)
    for i in (0, 2):
        assert same_traces(frame_traces(fig, i), sweep_traces(quadratic(), SGD, lrs[i]))
    assert frame_traces(fig, 2)[0].name.startswith("расходится")
    assert frame_traces(fig, 1)[0].name.startswith("f(θ_40)")
    mus = [0.0, 0.9]
    make = lambda mu: SGD(0.1, momentum=mu)
    fig = sweep_figure(quadratic(), make, mus, "μ", "Момент")
    assert same_traces(frame_traces(fig, 1), sweep_traces(quadratic(), make, 0.9))
    assert len(fig.to_json()) < 150_000
