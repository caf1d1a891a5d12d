"""Hinge-потеря, R1, спектральная нормализация в обучении, Dirac-GAN (линейный анализ) и FID
против scipy; кадры ползунков фигур равны прямому вызову функций."""

import numpy as np
import pytest
import torch
import torch.nn as nn
from scipy.linalg import sqrtm

from snippets._plotting import frame_traces, same_traces
from snippets.gan import samples_figure, train
from snippets.gan_stability import (
    DIRAC_GAMMAS,
    dirac_figure,
    dirac_gan,
    dirac_traces,
    fid,
    fid_curves,
    fid_figure,
    frechet_distance,
    hinge_d_loss,
    lipschitz_report,
    r1_penalty,
    sn_mlp,
    train_sngan,
)


def test_hinge_loss_matches_definition():
    gen = torch.Generator().manual_seed(0)
    r, f = torch.randn(100, generator=gen), torch.randn(100, generator=gen)
    ref = torch.clamp(1 - r, min=0).mean() + torch.clamp(1 + f, min=0).mean()
    torch.testing.assert_close(hinge_d_loss(r, f), ref)
    # уверенно разделённые примеры (запас больше 1) не дают градиента
    r = torch.tensor([3.0, 0.0], requires_grad=True)
    hinge_d_loss(r, torch.tensor([-5.0])).backward()
    assert r.grad.tolist() == [0.0, -0.5]


def test_r1_penalty_matches_finite_differences_and_is_differentiable():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    x = torch.randn(5, 2, dtype=torch.float64)
    eps, grads = 1e-6, []
    for i in range(5):
        g = []
        for j in range(2):
            e = torch.zeros(2, dtype=torch.float64)
            e[j] = eps
            g.append(((D(x[i] + e) - D(x[i] - e)) / (2 * eps)).item())
        grads.append(g)
    ref = 3.0 / 2 * np.mean(np.sum(np.array(grads) ** 2, axis=1))
    pen = r1_penalty(D, x, gamma=3.0)
    assert pen.item() == pytest.approx(ref, rel=1e-6)
    pen.backward()                                   # create_graph: градиент по весам есть
    assert D[0].weight.grad is not None and D[0].weight.grad.abs().sum() > 0


def test_sn_mlp_layers_have_unit_spectral_norm():
    torch.manual_seed(0)
    net = sn_mlp(2, 1)
    net.train()
    for _ in range(30):                              # степенной метод сходится за forward-ы
        net(torch.randn(4, 2))
    sig, bound, grad_max = lipschitz_report(net.eval())
    assert len(sig) == 3
    assert all(s == pytest.approx(1.0, abs=1e-3) for s in sig)
    assert grad_max <= bound + 1e-4


def test_train_sngan_is_deterministic_and_lipschitz():
    a, D = train_sngan(40, n_snapshots=4, seed=1)
    b, _ = train_sngan(40, n_snapshots=4, seed=1)
    assert [s for s, _ in a] == [0, 10, 20, 30, 40]
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b))
    _, bound, grad_max = lipschitz_report(D)
    assert bound == pytest.approx(1.0, abs=0.05) and grad_max <= bound + 1e-4


def test_dirac_gan_matches_linear_analysis():
    # без штрафа одновременный шаг: |z_{k+1}| ≈ |1 + i·h·f'(0)|·|z_k|, f'(0) = 1/2
    h = 0.01
    traj = dirac_gan(0.0, h=h, steps=100, start=(1e-4, 0.0))
    ratio = np.hypot(*traj[-1]) / np.hypot(*traj[0])
    assert ratio == pytest.approx(np.sqrt(1 + (h / 2) ** 2) ** 100, rel=1e-4)
    # поочерёдный шаг: определитель матрицы шага 1 — радиус не растёт и не падает
    alt = dirac_gan(0.0, h=h, steps=2000, start=(1e-4, 0.0), alternating=True)
    r = np.hypot(alt[:, 0], alt[:, 1]) / 1e-4
    assert 0.9 < r.min() and r.max() < 1.1
    # с R1: спектральный радиус матрицы шага I + hJ, J = [[0, −½], [½, −γ]]
    gamma = 0.3
    J = np.array([[0, -0.5], [0.5, -gamma]])
    rho = np.abs(np.linalg.eigvals(np.eye(2) + 0.2 * J)).max()
    traj = dirac_gan(gamma, h=0.2, steps=200, start=(1e-4, 1e-4))
    assert np.hypot(*traj[-1]) <= 2 * rho ** 200 * np.hypot(*traj[0])
    assert rho < 1


def test_dirac_figure_frames_equal_direct_calls():
    fig = dirac_figure()
    for i in (0, 2, len(DIRAC_GAMMAS) - 1):
        assert same_traces(frame_traces(fig, i), dirac_traces(DIRAC_GAMMAS[i]))


def test_frechet_distance_matches_scipy_sqrtm():
    rng = np.random.default_rng(0)
    for d in (1, 3, 6):
        A, B = rng.normal(size=(d, d)), rng.normal(size=(d, d))
        c1, c2 = A @ A.T + 0.1 * np.eye(d), B @ B.T + 0.1 * np.eye(d)
        m1, m2 = rng.normal(size=d), rng.normal(size=d)
        ref = np.sum((m1 - m2) ** 2) + np.trace(c1 + c2 - 2 * np.real(sqrtm(c1 @ c2)))
        assert frechet_distance(m1, c1, m2, c2) == pytest.approx(ref, rel=1e-8)
    assert frechet_distance(m1, c1, m1, c1) == pytest.approx(0.0, abs=1e-9)


def test_fid_sees_collapse_but_not_modes():
    gen = torch.Generator().manual_seed(0)
    from snippets.gan import ring_data
    data = ring_data(3000, gen).numpy()
    collapsed = ring_data(3000, gen).numpy()[:, :1] * 0 + np.array([[2.0, 0.0]])
    angle = np.random.default_rng(0).uniform(0, 2 * np.pi, 3000)
    circle = 2 * np.stack([np.cos(angle), np.sin(angle)], 1)        # кольцо без мод
    assert fid(data, collapsed) > 3.0
    assert fid(data, circle) < 0.05                                 # два момента совпадают


def test_mode_collapse_slider_shows_the_snapshots():
    runs = {"GAN": train("gan", 40, n_snapshots=4, seed=0),
            "WGAN-GP": train("wgan-gp", 40, n_snapshots=4, seed=0)}
    fig = samples_figure(runs)
    n_snap = 5
    for i in (0, 3):
        for col, name in enumerate(runs):
            trace = fig.data[2 + col * n_snap + i]               # 2 фоновые трассы данных
            np.testing.assert_array_equal(np.asarray(trace.x), runs[name][i][1][:, 0])
            vis = fig.layout.sliders[0].steps[i].args[0]["visible"]
            assert vis[2 + col * n_snap + i] and sum(vis) == 2 + len(runs)


def test_fid_figure_uses_fid_curves():
    runs = {"GAN": train("gan", 20, n_snapshots=2, seed=0)}
    curves, floor = fid_curves(runs)
    fig = fid_figure(runs)
    assert list(fig.data[0].y) == [round(v, 4) for _, v in curves["GAN"]]
    assert floor < min(v for _, v in curves["GAN"])
