"""GAN/WGAN-GP: оптимальный дискриминатор на известных плотностях, JS против scipy, потери против
BCE PyTorch, градиентный штраф против ручного счёта, спектральная норма, детерминированность."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm

from snippets._plotting import trace_types
from snippets.gan import (clip_weights_, critic_loss, d_loss, g_loss, gradient_penalty, js_divergence,
                          js_vs_wasserstein_figure, mlp, mode_stats, optimal_d_figure,
                          optimal_discriminator, ring_data, samples_figure, spectral_norm,
                          stats_table, train)

X = np.linspace(-8, 9, 20001)
DX = X[1] - X[0]


def test_optimal_discriminator_for_two_gaussians_is_logistic():
    p_data, p_g = norm.pdf(X, 0, 1), norm.pdf(X, 1, 1)
    # p_g/p_data = exp(x − 1/2)  ⇒  D*(x) = σ(1/2 − x)
    np.testing.assert_allclose(optimal_discriminator(p_data, p_g), 1 / (1 + np.exp(X - 0.5)))


def value(D, p_data, p_g):
    """V(D, G) = E_data log D + E_g log(1 − D) численным интегрированием."""
    return np.sum(p_data * np.log(D) + p_g * np.log(1 - D)) * DX


def test_value_at_optimum_is_minus_log4_plus_2js():
    p_data = 0.5 * norm.pdf(X, -2, 0.5) + 0.5 * norm.pdf(X, 2, 0.5)
    p_g = norm.pdf(X, 0.5, 1.5)
    d_star = optimal_discriminator(p_data, p_g)
    v_star = value(np.clip(d_star, 1e-300, 1 - 1e-16), p_data, p_g)
    assert v_star == pytest.approx(-math.log(4) + 2 * js_divergence(p_data, p_g, DX), abs=1e-6)
    rng = np.random.default_rng(0)
    for _ in range(5):                     # любой другой D даёт меньшее значение
        other = np.clip(d_star + 0.05 * rng.normal(size=X.size), 1e-6, 1 - 1e-6)
        assert value(other, p_data, p_g) < v_star
    assert value(np.full_like(X, 0.5), p_data, p_data) == pytest.approx(-math.log(4))   # p_g = p_data


def test_js_matches_scipy_and_is_bounded():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p, q = rng.random(50), rng.random(50)
        p, q = p / p.sum(), q / q.sum()
        assert js_divergence(p, q, 1.0) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-9)
    disjoint = js_divergence(np.r_[0.5, 0.5, 0, 0], np.r_[0, 0, 0.5, 0.5], 1.0)
    assert disjoint == pytest.approx(math.log(2))


def test_trained_logistic_discriminator_approaches_d_star():
    """Минимизация d_loss по выборкам даёт D ≈ D* (для двух гауссиан D* — логистическая функция)."""
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(2000, 1, generator=gen), torch.randn(2000, 1, generator=gen) + 1
    D = nn.Linear(1, 1)
    nn.init.zeros_(D.weight), nn.init.zeros_(D.bias)          # детерминированный старт: D ≡ 1/2
    opt = torch.optim.LBFGS(D.parameters(), max_iter=100, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = d_loss(D(real), D(fake))
        loss.backward()
        return loss

    opt.step(closure)
    # D*(x) = σ(1/2 − x): вес −1, смещение 1/2
    assert D.weight.item() == pytest.approx(-1.0, abs=0.1)
    assert D.bias.item() == pytest.approx(0.5, abs=0.1)


def test_losses_match_bce_with_logits():
    gen = torch.Generator().manual_seed(1)
    r, f = torch.randn(64, 1, generator=gen), torch.randn(64, 1, generator=gen)
    bce = F.binary_cross_entropy_with_logits
    torch.testing.assert_close(d_loss(r, f), bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f)))
    torch.testing.assert_close(g_loss(f), bce(f, torch.ones_like(f)))                  # −log D(G(z))
    torch.testing.assert_close(g_loss(f, saturating=True), -bce(f, torch.zeros_like(f)))  # log(1 − D)


def test_saturating_loss_gradient_vanishes_when_d_wins():
    a = torch.tensor([-8.0, 0.0, 8.0], requires_grad=True)    # логиты D(G(z))
    g_sat, = torch.autograd.grad(g_loss(a, saturating=True) * 3, a)
    g_ns, = torch.autograd.grad(g_loss(a) * 3, a)
    d = torch.sigmoid(a.detach())
    torch.testing.assert_close(g_sat, -d)                  # ∂ log(1 − σ(a))/∂a = −σ(a)
    torch.testing.assert_close(g_ns, -(1 - d))             # ∂(−log σ(a))/∂a = −(1 − σ(a))
    assert abs(g_sat[0]) < 1e-3 and abs(g_ns[0]) > 0.99    # D уверенно отвергает: только NS учит


def test_gradient_penalty_linear_critic_by_hand():
    critic = nn.Linear(3, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[1.0, 2.0, 2.0]]))   # ‖∇D‖ = ‖w‖ = 3 везде
    gen = torch.Generator().manual_seed(0)
    real, fake = torch.randn(16, 3, generator=gen), torch.randn(16, 3, generator=gen)
    gp = gradient_penalty(critic, real, fake, torch.rand(16, 1, generator=gen), lam=10.0)
    assert gp.item() == pytest.approx(10 * (3 - 1) ** 2)
    gp.backward()                                  # штраф дифференцируем по весам критика
    w = critic.weight.detach()
    torch.testing.assert_close(critic.weight.grad, 2 * 10 * (3 - 1) * w / 3)


def test_gradient_penalty_quadratic_critic_by_hand():
    class Quad(nn.Module):            # D(x) = ½‖x‖², ∇D(x) = x
        def forward(self, x):
            return 0.5 * (x ** 2).sum(1, keepdim=True)

    real = torch.tensor([[3.0, 0.0], [0.0, 0.0]])
    fake = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    eps = torch.tensor([[0.5], [0.25]])
    # x̂₁ = (2, 0), ‖x̂₁‖ = 2; x̂₂ = (0, 1.5), ‖x̂₂‖ = 1.5; штраф = 10·((2−1)² + (0.5)²)/2 = 6.25
    assert gradient_penalty(Quad(), real, fake, eps).item() == pytest.approx(6.25)


def test_critic_loss_is_w_estimate_plus_penalty():
    critic = nn.Linear(2, 1)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[0.6, 0.8]]))      # ‖w‖ = 1 ⇒ штраф 0
        critic.bias.zero_()
    real, fake = torch.tensor([[1.0, 1.0]]), torch.tensor([[0.0, 0.0]])
    loss = critic_loss(critic, real, fake, torch.tensor([[0.3]]))
    assert loss.item() == pytest.approx(-1.4)                # −(D(x) − D(x̃)) = −(0.6 + 0.8)


def test_spectral_norm_and_clipping():
    W = torch.randn(20, 30, generator=torch.Generator().manual_seed(0))
    assert spectral_norm(W, n_iter=200) == pytest.approx(torch.linalg.matrix_norm(W, 2).item(), rel=1e-4)
    lin = nn.utils.parametrizations.spectral_norm(nn.Linear(30, 20))   # PyTorch: W/σ(W)
    for _ in range(30):
        lin(torch.randn(1, 30))                                          # итерации степенного метода
    lin.eval()
    assert torch.linalg.matrix_norm(lin.weight, 2).item() == pytest.approx(1.0, abs=1e-3)
    net = mlp(2, 1)
    clip_weights_(net, 0.01)
    assert max(p.abs().max().item() for p in net.parameters()) <= 0.01


def test_ring_data_and_mode_stats():
    x = ring_data(4000, torch.Generator().manual_seed(0)).numpy()
    assert np.linalg.norm(x, axis=1).mean() == pytest.approx(2.0, abs=0.01)
    covered, precise = mode_stats(x)
    assert covered == 8 and precise > 0.95                       # данные сами покрывают все 8 мод
    assert mode_stats(np.zeros((100, 2))) == (0, 0.0)           # всё в центре — ни одной моды


def test_training_is_deterministic_and_reports_snapshots():
    a = train("gan", d_updates=40, n_snapshots=4, seed=3)
    b = train("gan", d_updates=40, n_snapshots=4, seed=3)
    assert [s for s, _ in a] == [0, 10, 20, 30, 40]
    for (_, xa), (_, xb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
    w = train("wgan-gp", d_updates=40, n_snapshots=4, seed=3)
    assert [s for s, _ in w] == [0, 10, 20, 30, 40] and w[-1][1].shape == (300, 2)
    assert not np.array_equal(w[0][1], w[-1][1])                  # генератор обучается
    fig = samples_figure({"GAN": a, "WGAN-GP": w})
    assert trace_types(fig) == {"scatter"} and len(fig.to_json()) < 150_000
    assert stats_table({"GAN": a}).count("\n") == 6


def test_theory_figures():
    for fig in (optimal_d_figure(), js_vs_wasserstein_figure()):
        assert trace_types(fig) == {"scatter"}
    js = js_vs_wasserstein_figure()
    assert max(js.data[0].y) == pytest.approx(math.log(2), abs=1e-3)    # JS упирается в ln 2
    np.testing.assert_allclose(js.data[1].y, np.abs(js.data[1].x), atol=2e-3)   # W₁ = |θ|
