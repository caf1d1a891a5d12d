"""Регуляризация: dropout против nn.Dropout, штрафы против autograd, label smoothing против
F.cross_entropy, затухание весов против torch.optim, опыт с кривыми обучения."""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from snippets.regularization import (
    EarlyStopping,
    constrained_minimum,
    dropout_backward,
    dropout_forward,
    dropout_mask,
    effective_decay,
    l1_l2_figure,
    l1_penalty,
    l2_penalty,
    label_smoothing_ce,
    lasso_ista,
    ridge,
    run_with_decay,
    soft_threshold,
)
from snippets.regularization_experiment import SETUPS, RegNet, curves_figure, data, train_curves

T = torch.from_numpy


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_match_torch(p):
    n = 200_000
    x = np.ones(n)
    ours = dropout_forward(x, dropout_mask(x.shape, p, np.random.default_rng(0)))
    torch.manual_seed(0)
    ref = nn.Dropout(p).train()(T(x)).numpy()
    tol = 5 * np.sqrt(p * (1 - p) / n)                        # 5σ биномиальной доли
    for out in (ours, ref):
        assert abs((out == 0).mean() - p) < tol
        assert abs(out.mean() - 1.0) < tol / (1 - p)         # матожидание сохраняется
    # выжившие значения у нас и у PyTorch одни и те же: x / (1 − p)
    np.testing.assert_allclose(np.unique(ours[ours != 0]), np.unique(ref[ref != 0]))


@pytest.mark.parametrize("p", [0.2, 0.6])
def test_dropout_forward_backward_with_torch_mask(p):
    """Маска, выбранная nn.Dropout, в наших forward/backward даёт его же результат."""
    rng = np.random.default_rng(1)
    x, dy = rng.normal(size=(64, 32)), rng.normal(size=(64, 32))
    xt = T(x).requires_grad_()
    torch.manual_seed(1)
    yt = nn.Dropout(p).train()(xt)
    yt.backward(T(dy))
    mask = (yt.detach().numpy() != 0) / (1 - p)
    torch.testing.assert_close(T(dropout_forward(x, mask)), yt.detach())
    torch.testing.assert_close(T(dropout_backward(dy, mask)), xt.grad)


def test_dropout_eval_is_identity_and_p1_zeroes():
    x = np.random.default_rng(2).normal(size=(5, 4))
    assert np.array_equal(dropout_forward(x, None), nn.Dropout(0.5).eval()(T(x)).numpy())
    assert not dropout_forward(x, dropout_mask(x.shape, 1.0, np.random.default_rng(0))).any()
    assert not nn.Dropout(1.0).train()(T(x)).any()


def test_penalty_gradients_match_autograd():
    rng = np.random.default_rng(3)
    params = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    params[1][0] = 0.0                                         # субградиент |w| в нуле
    for ours_fn, torch_fn in ((l2_penalty, lambda ws: 0.5 * 0.3 * sum((w ** 2).sum() for w in ws)),
                              (l1_penalty, lambda ws: 0.3 * sum(w.abs().sum() for w in ws))):
        value, grads = ours_fn(params, 0.3)
        ts = [T(w).requires_grad_() for w in params]
        ref = torch_fn(ts)
        ref.backward()
        assert value == pytest.approx(ref.item())
        for g, t in zip(grads, ts):
            torch.testing.assert_close(T(g), t.grad)


def test_l2_gradient_step_equals_sgd_weight_decay():
    rng = np.random.default_rng(4)
    w, g = rng.normal(size=6), rng.normal(size=6)
    lam, lr = 0.05, 0.1
    ours = w - lr * (g + l2_penalty([w], lam)[1][0])
    wt = T(w.copy()).requires_grad_()
    wt.grad = T(g)
    torch.optim.SGD([wt], lr=lr, weight_decay=lam).step()
    torch.testing.assert_close(T(ours), wt.detach())
    np.testing.assert_allclose(ours, (1 - lr * lam) * w - lr * g)   # «затухание весов»


@pytest.mark.parametrize("rule,cls,lr", [("sgd-l2", torch.optim.SGD, 1e-2),
                                         ("adam-l2", torch.optim.Adam, 1e-2),
                                         ("adamw", torch.optim.AdamW, 1e-2)])
def test_run_with_decay_matches_torch_optim(rule, cls, lr):
    grads = np.random.default_rng(5).normal(size=(15, 3)) * [5.0, 1.0, 0.01]
    w = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = cls([w], lr=lr, weight_decay=0.1)
    for g in grads:
        w.grad = T(g.copy())
        opt.step()
    torch.testing.assert_close(T(run_with_decay(grads, rule, lr, 0.1)), w.detach())


def test_effective_decay_uniform_for_sgd_and_adamw_not_for_adam_l2():
    eff = effective_decay()
    for name in ("SGD + L2", "AdamW"):
        np.testing.assert_allclose(eff[name], 0.1, rtol=0.1)
    small_grad, large_grad = eff["Adam + L2"][1], eff["Adam + L2"][0]
    assert large_grad < 0.02 and small_grad > 0.5               # в Adam + L2 разница на порядки


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_label_smoothing_matches_torch(eps):
    rng = np.random.default_rng(6)
    z, y = rng.normal(size=(8, 5)) * 3, rng.integers(0, 5, size=8)
    loss, dz = label_smoothing_ce(z, y, eps)
    zt = T(z).requires_grad_()
    ref = F.cross_entropy(zt, T(y), label_smoothing=eps)
    ref.backward()
    assert loss == pytest.approx(ref.item())
    torch.testing.assert_close(T(dz), zt.grad)


def test_soft_threshold_is_prox_of_l1_by_brute_force():
    """prox(v) = argmin_w ½(w − v)² + t|w| — сверяем с перебором по сетке."""
    grid = np.linspace(-4, 4, 80_001)
    for v in (-2.5, -0.3, 0.0, 0.7, 3.1):
        brute = grid[np.argmin(0.5 * (grid - v) ** 2 + 1.0 * np.abs(grid))]
        assert soft_threshold(np.array([v]), 1.0)[0] == pytest.approx(brute, abs=1e-3)


def test_lasso_gives_exact_zeros_ridge_does_not():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(100, 20))
    w_true = np.zeros(20)
    w_true[:3] = [2.0, -1.5, 1.0]
    y = X @ w_true + 0.1 * rng.normal(size=100)
    w_l1, w_l2 = lasso_ista(X, y, 0.1), ridge(X, y, 0.1)
    assert (w_l1 == 0).sum() >= 12 and (w_l2 == 0).sum() == 0
    assert np.all(w_l1[:3] != 0)                              # нужные признаки остались
    # оптимальность ISTA: субградиентное условие |∇_j| ≤ λ на нулевых координатах
    grad = X.T @ (X @ w_l1 - y) / 100
    assert np.all(np.abs(grad[w_l1 == 0]) <= 0.1 + 1e-6)


def test_l1_constrained_minimum_is_a_vertex_l2_is_not():
    c, H = np.array([2.0, 0.5]), np.array([[3.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(constrained_minimum(c, H, 1), [1.0, 0.0], atol=1e-9)
    w2 = constrained_minimum(c, H, 2)
    assert np.linalg.norm(w2) == pytest.approx(1.0) and w2[1] > 0.1
    assert {t.type for t in l1_l2_figure().data} == {"scatter"}


def test_early_stopping():
    es = EarlyStopping(patience=3, min_delta=0.01)
    flags = [es.step(v) for v in [1.0, 0.5, 0.495, 0.6, 0.7]]  # 0.495 — не улучшение на 0.01
    assert flags == [False, False, False, False, True] and es.best_epoch == 1 and es.best == 0.5


def test_regnet_backward_matches_autograd_with_dropout_and_l2():
    X, y, _, _ = data()
    net = RegNet(hidden=8, p=0.3, lam=0.01, seed=3)
    params = [T(w.copy()).requires_grad_() for w in net.W + net.b]
    net.vel = [np.zeros_like(v) for v in net.vel]
    lr = 1.0
    before = [w.copy() for w in net.W + net.b]
    loss = net.step(X, y, lr, momentum=0.0)                   # шаг = −lr·градиент
    W1, W2, W3, b1, b2, b3 = params
    m1, m2 = (T(m) for m in net.masks)
    h = F.relu(T(X) @ W1 + b1) * m1
    h = F.relu(h @ W2 + b2) * m2
    ce = F.cross_entropy(h @ W3 + b3, T(y))
    (ce + 0.5 * 0.01 * sum((w ** 2).sum() for w in (W1, W2, W3))).backward()
    assert loss == pytest.approx(ce.item())
    for b, a, p in zip(before, net.W + net.b, params):
        torch.testing.assert_close(T(b - a), p.grad)


def test_experiment_shows_overfitting_and_regularization_helps():
    _, train, val, _ = train_curves(**SETUPS["без регуляризации"])
    assert train[-1] < train[val.argmin()] and val[-1] > val.min() + 0.3   # переобучение
    _, _, val_l2, _ = train_curves(**SETUPS["L2, λ = 10⁻²"])
    assert val_l2[-1] < val[-1] - 0.3
    assert len(curves_figure().data) == 7


def test_l2_boundary_and_dropout_figures_frames_are_direct_calls():
    from snippets._plotting import frame_traces, same_traces
    from snippets.regularization_experiment import (
        DROPOUT_PS,
        L2_LAMBDAS,
        dropout_curve_traces,
        dropout_figure,
        final_metrics,
        l2_boundary_figure,
        l2_boundary_traces,
    )
    fig = l2_boundary_figure()
    for i in (0, 3, 5):
        assert same_traces(frame_traces(fig, i), l2_boundary_traces(L2_LAMBDAS[i]))
    fig = dropout_figure()
    for i in (0, 3):
        assert same_traces(frame_traces(fig, i), dropout_curve_traces(DROPOUT_PS[i]))
    # L2 сокращает разрыв обучение/валидация; слишком большое λ недообучает
    gap = {lam: final_metrics(lam, 0.0)["потеря, валидация"] - final_metrics(lam, 0.0)["потеря, обучение"]
           for lam in (0.0, 1e-2)}
    assert gap[1e-2] < gap[0.0] / 3
    assert final_metrics(1e-1, 0.0)["точность, обучение"] < 0.6
    assert final_metrics(0.0, 0.5)["потеря, валидация"] < final_metrics(0.0, 0.0)["потеря, валидация"]
