"""GAN и WGAN-GP на двумерной смеси гауссиан: функции потерь, оптимальный дискриминатор,
градиентный штраф, обучение маленьких MLP на PyTorch и фигуры «выборки по ходу обучения»."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn as nn
import torch.nn.functional as F

from snippets._plotting import COLORS, new_figure
from snippets._threads import one_thread

Tensor = torch.Tensor


# --8<-- [start:data]
def ring_data(n: int, gen: torch.Generator, k: int = 8, radius: float = 2.0, std: float = 0.05) -> Tensor:
    """n точек из смеси k гауссиан N(μ_j, std²·I) с центрами μ_j на окружности радиуса radius.

    >>> ring_data(4, torch.Generator().manual_seed(0), std=0.0).norm(dim=1).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    angle = 2 * math.pi * torch.randint(0, k, (n,), generator=gen) / k
    centers = radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centers + std * torch.randn(n, 2, generator=gen)


def mlp(d_in: int, d_out: int, hidden: int = 64) -> nn.Sequential:
    """Генератор (2 → 2) или дискриминатор/критик (2 → 1): два скрытых слоя ReLU.

    >>> sum(p.numel() for p in mlp(2, 1).parameters())   # (2·64 + 64) + (64·64 + 64) + (64 + 1)
    4417
    """
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, d_out))
# --8<-- [end:data]


# --8<-- [start:theory]
def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) — максимум V(D, G) по D при фиксированном G.

    >>> optimal_discriminator(np.array([1.0, 0.0, 0.3]), np.array([1.0, 2.0, 0.1]))
    array([0.5 , 0.  , 0.75])
    """
    return p_data / (p_data + p_g)


def js_divergence(p: np.ndarray, q: np.ndarray, dx: float) -> float:
    """JS(p‖q) = ½·KL(p‖m) + ½·KL(q‖m), m = (p + q)/2 (натуральный логарифм, не больше ln 2),
    для плотностей на равномерной сетке с шагом dx.

    >>> round(js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 1.0), 4)   # = ln 2
    0.6931
    """
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:               # 0·log 0 = 0; где a > 0, там и m > 0
        mask = a > 0
        return float(np.sum(a[mask] * (np.log(a[mask]) - np.log(m[mask]))))

    return float((kl(p) + kl(q)) / 2 * dx)
# --8<-- [end:theory]


# --8<-- [start:losses]
def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Дискриминатор: −E log D(x) − E log(1 − D(G(z))), D = σ(логит); log σ(a) = −softplus(−a)."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss(fake_logits: Tensor, saturating: bool = False) -> Tensor:
    """Генератор. Минимакс (насыщающийся): min E log(1 − D(G(z))).
    Ненасыщающийся (Goodfellow et al., 2014): min −E log D(G(z)).

    >>> a = torch.tensor([-5.0], requires_grad=True)    # D(G(z)) = σ(−5) ≈ 0,007: G проигрывает
    >>> [round(torch.autograd.grad(g_loss(a, s), a)[0].item(), 3) for s in (True, False)]
    [-0.007, -0.993]
    """
    return -F.softplus(fake_logits).mean() if saturating else F.softplus(-fake_logits).mean()


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor, eps: Tensor,
                     lam: float = 10.0) -> Tensor:
    """WGAN-GP (Gulrajani et al., 2017): λ·E(‖∇_x̂ D(x̂)‖₂ − 1)², x̂ = ε·x + (1 − ε)·x̃, ε ~ U[0, 1].
    create_graph=True: штраф сам дифференцируется по весам критика (двойной backprop).

    >>> lin = nn.Linear(2, 1); _ = lin.weight.data.copy_(torch.tensor([[3.0, 4.0]]))   # ∇D = w, ‖w‖ = 5
    >>> round(gradient_penalty(lin, torch.zeros(8, 2), torch.ones(8, 2), torch.rand(8, 1)).item(), 4)
    160.0
    """
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return lam * ((grad.norm(dim=1) - 1) ** 2).mean()


def critic_loss(critic: nn.Module, real: Tensor, fake: Tensor, eps: Tensor, lam: float = 10.0) -> Tensor:
    """Критик WGAN-GP: E D(x̃) − E D(x) + штраф (минимизируем = максимизируем оценку W₁)."""
    return critic(fake).mean() - critic(real).mean() + gradient_penalty(critic, real, fake, eps, lam)
# --8<-- [end:losses]


# --8<-- [start:lipschitz]
def clip_weights_(model: nn.Module, c: float = 0.01) -> None:
    """Отсечение весов исходного WGAN (Arjovsky et al., 2017): w ← clip(w, −c, c) после шага."""
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(-c, c)


def spectral_norm(W: Tensor, n_iter: int = 50, seed: int = 0) -> float:
    """Наибольшее сингулярное число σ(W) степенным методом (Miyato et al., 2018):
    v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖, σ ≈ uᵀWv. Спектральная нормализация делит W на σ(W).

    >>> spectral_norm(torch.tensor([[3.0, 0.0], [0.0, -5.0]]))
    5.0
    """
    u = torch.randn(W.shape[0], generator=torch.Generator().manual_seed(seed))
    for _ in range(n_iter):
        v = F.normalize(W.T @ u, dim=0)
        u = F.normalize(W @ v, dim=0)
    return float(u @ W @ v)
# --8<-- [end:lipschitz]




# --8<-- [start:train]
def train(kind: str = "gan", d_updates: int = 800, lr_g: float = 3e-3, lr_d: float = 1e-3,
          n_critic: int = 5, batch: int = 256, n_snapshots: int = 8, seed: int = 0) -> list:
    """Обучает G и D (kind="gan", 1 шаг D на шаг G, ненасыщающаяся потеря) или G и критика
    (kind="wgan-gp", n_critic шагов критика на шаг G, λ = 10). Бюджет — d_updates обновлений
    D/критика. Возвращает [(число обновлений D, выборка G на фиксированном шуме (300, 2))].
    """
    torch.manual_seed(seed)                        # инициализация весов
    gen = torch.Generator().manual_seed(seed)      # данные, шум, ε
    G, D = mlp(2, 2), mlp(2, 1)
    betas = (0.5, 0.999) if kind == "gan" else (0.5, 0.9)
    opt_g = torch.optim.Adam(G.parameters(), lr_g, betas=betas)
    opt_d = torch.optim.Adam(D.parameters(), lr_d, betas=betas)
    z_fixed, k = torch.randn(300, 2, generator=gen), 1 if kind == "gan" else n_critic
    every, snaps = d_updates // n_snapshots, []
    with one_thread():
        for step in range(d_updates // k + 1):
            if (step * k) % every < k:
                with torch.no_grad():
                    snaps.append((step * k, G(z_fixed).numpy().astype(np.float32)))
            for _ in range(k):                     # шаги D (критика) при фиксированном G
                real = ring_data(batch, gen)
                fake = G(torch.randn(batch, 2, generator=gen)).detach()
                if kind == "gan":
                    loss = d_loss(D(real), D(fake))
                else:
                    loss = critic_loss(D, real, fake, torch.rand(batch, 1, generator=gen))
                opt_d.zero_grad(), loss.backward(), opt_d.step()
            fake_logits = D(G(torch.randn(batch, 2, generator=gen)))   # шаг G при фиксированном D
            loss_g = g_loss(fake_logits) if kind == "gan" else -fake_logits.mean()
            opt_g.zero_grad(), loss_g.backward(), opt_g.step()
    return snaps
# --8<-- [end:train]


def mode_stats(x: np.ndarray, k: int = 8, radius: float = 2.0, std: float = 0.05) -> tuple[int, float]:
    """(число покрытых мод, доля точных точек). Точка точная, если до ближайшего центра < 3·std.
    Мода покрыта, если в радиусе 0,5 от её центра (треть расстояния до соседней моды) лежит не
    меньше четверти «честной доли» len(x)/k точек.

    >>> c = np.array([[2 * np.cos(a), 2 * np.sin(a)] for a in np.arange(8) * np.pi / 4])
    >>> mode_stats(np.repeat(c[:3], 10, axis=0))       # все точки на трёх модах из восьми
    (3, 1.0)
    """
    angle = 2 * np.pi * np.arange(k) / k
    centers = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    dist = np.linalg.norm(x[:, None, :] - centers[None], axis=2)
    near = dist.min(1) < 0.5
    counts = np.bincount(dist.argmin(1)[near], minlength=k)
    return int((counts >= 0.25 * len(x) / k).sum()), float((dist.min(1) < 3 * std).mean())


def stats_table(runs: dict[str, list]) -> str:
    """Таблица Markdown: покрытые моды и доля точных точек на каждом снимке."""
    names = list(runs)
    rows = ["| обновлений D | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for i in range(len(runs[names[0]])):
        cells = [f"{m} из 8, {q:.0%}" for m, q in (mode_stats(runs[n][i][1]) for n in names)]
        rows.append(f"| {runs[names[0]][i][0]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def samples_figure(runs: dict[str, list], seed: int = 0) -> go.Figure:
    """Выборки генераторов по ходу обучения: панель на модель, ползунок — номер снимка."""
    names, n_snap = list(runs), len(next(iter(runs.values())))
    fig = new_figure("Выборки генератора по ходу обучения (серое — данные)", "", "")
    fig.set_subplots(1, len(names), subplot_titles=names, horizontal_spacing=0.06)
    data = ring_data(400, torch.Generator().manual_seed(seed)).numpy().astype(np.float32)
    for col in range(1, len(names) + 1):
        fig.add_scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="данные", showlegend=col == 1,
                        marker=dict(size=3, color="rgba(128,128,128,0.5)"), row=1, col=col)
    for col, name in enumerate(names, start=1):
        for i, (_, x) in enumerate(runs[name]):
            fig.add_scatter(x=x[:, 0], y=x[:, 1], mode="markers", visible=i == n_snap - 1,
                            name="G(z)", showlegend=False, marker=dict(size=4, color=COLORS[col - 1]),
                            row=1, col=col)
    steps = []
    for i in range(n_snap):
        visible = [True] * len(names) + [j == i for _ in names for j in range(n_snap)]
        label = " / ".join(f"{runs[n][i][0]}" for n in names) if len(set(runs[n][i][0] for n in names)) > 1 \
            else str(runs[names[0]][i][0])
        steps.append(dict(method="restyle", args=[{"visible": visible}], label=label))
    fig.update_layout(sliders=[dict(active=n_snap - 1, steps=steps, pad=dict(t=70),
                                    currentvalue=dict(prefix="обновлений D / критика: "))], height=560)
    fig.update_xaxes(range=[-3, 3], title_text="x₁")
    fig.update_yaxes(range=[-3, 3])
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    for col in range(1, len(names) + 1):                    # круг выглядит кругом
        fig.update_yaxes(scaleanchor="x" if col == 1 else f"x{col}", row=1, col=col)
    return fig


def optimal_d_figure() -> go.Figure:
    """1-D: p_data — смесь двух гауссиан, p_g — одна гауссиана; D* = p_data/(p_data + p_g)."""
    x = np.linspace(-4, 4, 401)
    pdf = lambda m, s: np.exp(-(x - m) ** 2 / (2 * s * s)) / (s * np.sqrt(2 * np.pi))  # noqa: E731
    p_data, p_g = 0.5 * pdf(-1.5, 0.5) + 0.5 * pdf(1.5, 0.5), pdf(0.5, 1.0)
    fig = new_figure("Оптимальный дискриминатор при фиксированном генераторе", "x", "плотность / D*(x)")
    for y, name in [(p_data, "p_data(x)"), (p_g, "p_g(x)"), (optimal_discriminator(p_data, p_g), "D*(x)")]:
        fig.add_scatter(x=x, y=y.round(4), mode="lines", name=name)
    fig.add_hline(y=0.5, line_dash="dot", line_width=1)
    return fig


def js_vs_wasserstein_figure(std: float = 0.05) -> go.Figure:
    """p = N(0, s²), q = N(θ, s²): JS насыщается на ln 2, как только носители почти не пересекаются,
    а W₁ = |θ| растёт линейно — его градиент по θ не пропадает (вариант примера 1 Arjovsky et al.,
    2017: там вместо гауссиан параллельные отрезки)."""
    x = np.linspace(-3, 3, 6001)
    dx = x[1] - x[0]
    pdf = lambda m: np.exp(-(x - m) ** 2 / (2 * std * std)) / (std * np.sqrt(2 * np.pi))  # noqa: E731
    thetas = np.linspace(-1.5, 1.5, 121)
    js = [js_divergence(pdf(0.0), pdf(t), dx) for t in thetas]
    w1 = [np.sum(np.abs(np.cumsum(pdf(0.0)) - np.cumsum(pdf(t)))) * dx * dx for t in thetas]
    fig = new_figure("Расстояние между N(0; 0,05²) и N(θ; 0,05²)", "сдвиг θ", "значение")
    fig.add_scatter(x=thetas, y=np.round(js, 4), mode="lines", name="JS (насыщается на ln 2)")
    fig.add_scatter(x=thetas, y=np.round(w1, 4), mode="lines", name="W₁ = |θ|")
    fig.add_hline(y=np.log(2), line_dash="dot", line_width=1)
    return fig
