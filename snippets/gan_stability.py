"""Устойчивость и оценка GAN: hinge-потеря, штраф R1, спектральная нормализация в обучении,
Dirac-GAN (почему игра вращается и как R1 это лечит) и расстояние Фреше (FID)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm as sn

from snippets._plotting import explorable
from snippets._threads import one_thread
from snippets.gan import g_loss, mlp, ring_data

Tensor = torch.Tensor


# --8<-- [start:hinge-r1]
def hinge_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Hinge-потеря дискриминатора (Lim & Ye, 2017; Miyato et al., 2018):
    E max(0, 1 − D(x)) + E max(0, 1 + D(G(z))); генератор минимизирует −E D(G(z)).

    >>> hinge_d_loss(torch.tensor([2.0, 0.5]), torch.tensor([-3.0, 0.0])).item()   # (0 + 0,5)/2 + (0 + 1)/2
    0.75
    """
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def r1_penalty(D: nn.Module, real: Tensor, gamma: float = 10.0) -> Tensor:
    """Штраф R1 (Mescheder et al., 2018): γ/2 · E_{x~p_data} ‖∇_x D(x)‖² — только на настоящих
    данных и к нулю, а не к 1 (как в WGAN-GP). create_graph=True — двойной backprop.

    >>> lin = nn.Linear(2, 1); _ = lin.weight.data.copy_(torch.tensor([[3.0, 4.0]]))   # ∇D = w
    >>> r1_penalty(lin, torch.randn(5, 2), gamma=2.0).item()                          # γ/2 · 25
    25.0
    """
    x = real.detach().requires_grad_(True)
    grad, = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return gamma / 2 * grad.pow(2).sum(dim=1).mean()
# --8<-- [end:hinge-r1]


# --8<-- [start:sngan]
def sn_mlp(d_in: int, d_out: int, hidden: int = 64) -> nn.Sequential:
    """Тот же MLP, что в ``gan.mlp``, но каждый Linear обёрнут спектральной нормализацией
    PyTorch: вес W заменяется на W/σ̂(W), σ̂ — одна итерация степенного метода за forward.

    >>> net = sn_mlp(2, 1); [type(m).__name__ for m in net][:2]
    ['ParametrizedLinear', 'ReLU']
    """
    net = mlp(d_in, d_out, hidden)
    for i, m in enumerate(net):
        if isinstance(m, nn.Linear):
            net[i] = sn(m)
    return net


def train_sngan(d_updates: int = 800, lr_g: float = 2e-3, lr_d: float = 2e-3, batch: int = 256,
                n_snapshots: int = 8, seed: int = 0, loss: str = "hinge") -> tuple[list, nn.Module]:
    """GAN со спектральной нормализацией в D (SN-GAN, Miyato et al., 2018) на кольце из восьми
    гауссиан: 1 шаг D на шаг G, hinge-потеря (loss="hinge") или обычная (loss="bce", G —
    ненасыщающаяся). Возвращает ([(обновлений D, выборка G (300, 2))], обученный D).
    """
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    G, D = mlp(2, 2), sn_mlp(2, 1)
    opt_g = torch.optim.Adam(G.parameters(), lr_g, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr_d, betas=(0.5, 0.999))
    z_fixed, every, snaps = torch.randn(300, 2, generator=gen), d_updates // n_snapshots, []
    with one_thread():
        for step in range(d_updates + 1):
            if step % every == 0:
                with torch.no_grad():
                    snaps.append((step, G(z_fixed).numpy().astype(np.float32)))
            if step == d_updates:
                break
            real = ring_data(batch, gen)
            fake = G(torch.randn(batch, 2, generator=gen))
            r, f = D(real), D(fake.detach())
            loss_d = hinge_d_loss(r, f) if loss == "hinge" else F.softplus(-r).mean() + F.softplus(f).mean()
            opt_d.zero_grad(), loss_d.backward(), opt_d.step()
            f = D(fake)
            loss_g = -f.mean() if loss == "hinge" else g_loss(f)
            opt_g.zero_grad(), loss_g.backward(), opt_g.step()
    return snaps, D.eval()


def lipschitz_report(D: nn.Module, seed: int = 0) -> tuple[list[float], float, float]:
    """(σ каждого нормированного слоя по SVD, их произведение — верхняя граница константы
    Липшица, наибольшая норма ∇_x D на 4000 случайных точках квадрата [−3, 3]² — нижняя)."""
    sig = [torch.linalg.matrix_norm(m.weight.detach(), ord=2).item()
           for m in D if isinstance(m, nn.Linear) or hasattr(m, "parametrizations")]
    x = (6 * torch.rand(4000, 2, generator=torch.Generator().manual_seed(seed)) - 3).requires_grad_(True)
    grad, = torch.autograd.grad(D(x).sum(), x)
    return sig, float(np.prod(sig)), float(grad.norm(dim=1).max())
# --8<-- [end:sngan]


# --8<-- [start:dirac]
def dirac_gan(gamma: float = 0.0, h: float = 0.2, steps: int = 400, start=(1.0, 1.0),
              alternating: bool = False) -> np.ndarray:
    """Dirac-GAN (Mescheder et al., 2018): данные — точка 0, генератор выдаёт точку θ,
    дискриминатор D(x) = ψ·x. Игра L(θ, ψ) = f(ψθ) + f(0), f(t) = −log(1 + e^{−t}) = log σ(t);
    G минимизирует L, D максимизирует L − γ/2·ψ² (штраф R1: ∇_x D = ψ на данных).
    Одновременный (или поочерёдный) градиентный шаг h. Возвращает траекторию (steps + 1, 2).

    >>> traj = dirac_gan(gamma=0.0); bool(np.hypot(*traj[-1]) > np.hypot(*traj[0]))   # раскручивается
    True
    >>> bool(np.hypot(*dirac_gan(gamma=1.0)[-1]) < 0.01)                             # R1: сходится к (0, 0)
    True
    """
    fp = lambda t: 1 / (1 + np.exp(t))                    # f'(t) = σ(−t)
    theta, psi = start
    out = [(theta, psi)]
    for _ in range(steps):
        d_theta = psi * fp(psi * theta)                   # ∂L/∂θ
        new_theta = theta - h * d_theta
        th = new_theta if alternating else theta          # поочерёдно: D видит новый θ
        psi = psi + h * (th * fp(psi * th) - gamma * psi)  # ∂(L − γψ²/2)/∂ψ
        theta = new_theta
        out.append((theta, psi))
    return np.array(out)
# --8<-- [end:dirac]


def dirac_traces(gamma: float) -> list:
    """Траектории одновременного и поочерёдного шага для данного γ (для фигуры)."""
    sim, alt = dirac_gan(gamma)[::2], dirac_gan(gamma, alternating=True)[::2]   # ≤ 201 точка
    return [go.Scatter(x=sim[:, 0].round(4), y=sim[:, 1].round(4), mode="lines", name="одновременный шаг"),
            go.Scatter(x=alt[:, 0].round(4), y=alt[:, 1].round(4), mode="lines", name="поочерёдный шаг",
                       line=dict(dash="dot"))]


DIRAC_GAMMAS = [0.0, 0.03, 0.1, 0.3, 1.0]


def dirac_figure() -> go.Figure:
    """Ползунок по γ штрафа R1: траектории (θ, ψ) из (1, 1), равновесие — (0, 0)."""
    eq = go.Scatter(x=[0], y=[0], mode="markers", name="равновесие", marker=dict(size=10, symbol="x"))
    start = go.Scatter(x=[1], y=[1], mode="markers", name="старт", marker=dict(size=8))
    fig = explorable("Dirac-GAN", "θ (генератор)", "ψ (дискриминатор)", "γ (R1)", DIRAC_GAMMAS,
                     dirac_traces, active=0, static=[eq, start],
                     title_for=lambda g: f"Dirac-GAN, 400 шагов h = 0,2, штраф R1 γ = {g:g}".replace(".", ","))
    fig.update_xaxes(range=[-3.2, 3.2])
    fig.update_yaxes(range=[-3.2, 3.2], scaleanchor="x")
    return fig


# --8<-- [start:fid]
def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Квадрат расстояния Фреше (W₂²) между N(μ₁, Σ₁) и N(μ₂, Σ₂) (Dowson & Landau, 1982):
    ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}). Tr(Σ₁Σ₂)^{1/2} = Σ√λ(Σ₁^{1/2}Σ₂Σ₁^{1/2}).

    >>> frechet_distance(np.zeros(1), np.eye(1) * 4, np.ones(1) * 3, np.eye(1))   # 3² + (2 − 1)²
    10.0
    """
    w, v = np.linalg.eigh(cov1)
    s1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T                   # Σ₁^{1/2}
    lam = np.clip(np.linalg.eigvalsh(s1 @ cov2 @ s1), 0, None)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1) + np.trace(cov2) - 2 * np.sqrt(lam).sum())


def fid(feats_real: np.ndarray, feats_fake: np.ndarray) -> float:
    """FID (Heusel et al., 2017): расстояние Фреше между гауссианами, подогнанными к признакам
    двух выборок (N, d). В статье признаки — 2048-мерный выход пулинга Inception-v3.

    >>> x = np.random.default_rng(0).normal(size=(5000, 2)); round(fid(x, x + [1.0, 0.0]), 6)
    1.0
    """
    mu1, mu2 = feats_real.mean(0), feats_fake.mean(0)
    return frechet_distance(mu1, np.cov(feats_real, rowvar=False), mu2, np.cov(feats_fake, rowvar=False))
# --8<-- [end:fid]


def fid_curves(runs: dict[str, list], n_data: int = 2000, seed: int = 1) -> tuple[dict[str, list], float]:
    """FID каждого снимка каждого прогона против n_data точек кольца (признаки — сами координаты)
    и «пол» — FID между двумя независимыми выборками данных того же размера, что снимок."""
    gen = torch.Generator().manual_seed(seed)
    data = ring_data(n_data, gen).numpy()
    curves = {name: [(step, fid(data, x)) for step, x in snaps] for name, snaps in runs.items()}
    n = len(next(iter(runs.values()))[0][1])
    floor = fid(data, ring_data(n, gen).numpy())
    return curves, floor


def fid_figure(runs: dict[str, list], seed: int = 1) -> go.Figure:
    """FID по ходу обучения для каждого прогона (логарифмическая ось) и уровень «данные против данных»."""
    from snippets._plotting import new_figure

    curves, floor = fid_curves(runs, seed=seed)
    fig = new_figure("FID по ходу обучения (признаки — координаты точек)", "обновлений D / критика", "FID")
    for name, pts in curves.items():
        fig.add_scatter(x=[s for s, _ in pts], y=[round(v, 4) for _, v in pts], mode="lines+markers", name=name)
    xmax = max(s for pts in curves.values() for s, _ in pts)
    fig.add_scatter(x=[0, xmax], y=[round(floor, 6)] * 2, mode="lines", name="данные против данных",
                    line=dict(dash="dot", width=1, color="gray"))
    fig.update_yaxes(type="log")
    return fig
