"""Спектральное смещение (spectral bias) MLP и признаки Фурье (Fourier features).

Rahaman et al. (2019): MLP с ReLU сначала выучивает низкие частоты, высокие — медленно.
Tancik et al. (2020): отображение γ(x) = (sin 2πBx, cos 2πBx) перед MLP снимает это ограничение;
позиционное кодирование NeRF — частный случай с B = (2⁰, …, 2^{L−1}) / 2.
Sitzmann et al. (2020): SIREN — MLP с активацией sin(ω₀·z).
Опыт: 1-D периодический сигнал из четырёх синусоид на 256 точках, полный пакет, Adam.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread

FREQS = (1, 3, 6, 12)           # частоты сигнала, периодов на отрезке [0, 1)


def target_signal(x: np.ndarray) -> np.ndarray:
    """f(x) = Σ_k sin(2π·k·x + k) по k ∈ FREQS, амплитуды равны 1.

    >>> float(np.round(target_signal(np.array([0.0])), 4)[0])   # sin 1 + sin 3 + sin 6 + sin 12
    0.1666
    """
    return sum(np.sin(2 * np.pi * k * x + k) for k in FREQS)


# --8<-- [start:features]
class FourierFeatures(nn.Module):
    """γ(x) = [sin(2π x B), cos(2π x B)], x ∈ R^{N×d}, B ∈ R^{d×m} — фиксированная (не обучается).

    Скалярное произведение γ(x)·γ(x') = Σⱼ cos(2π (x − x')·bⱼ) зависит только от x − x':
    MLP на γ(x) ведёт себя как ядровый метод со сдвиг-инвариантным ядром, ширину которого
    задают частоты B (Tancik et al., 2020).

    >>> ff = FourierFeatures(torch.tensor([[1.0, 2.0]]))
    >>> ff(torch.tensor([[0.25]])).round(decimals=4)          # sin π/2, sin π, cos π/2, cos π
    tensor([[ 1.0000, -0.0000, -0.0000, -1.0000]])
    """

    def __init__(self, B: torch.Tensor):
        super().__init__()
        self.register_buffer("B", B)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        proj = 2 * math.pi * x @ self.B
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)
# --8<-- [end:features]


class Sine(nn.Module):
    """sin(ω₀·z) — активация SIREN."""

    def __init__(self, w0: float = 30.0):
        super().__init__()
        self.w0 = w0

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.w0 * z)


# --8<-- [start:models]
def make_model(kind: str, width: int = 64, n_freqs: int = 6, seed: int = 0) -> nn.Module:
    """«relu» — MLP 1→64→64→1 на сыром x; «ff» — тот же MLP на γ(x) с частотами 2⁰…2^{L−1}
    (позиционное кодирование NeRF, L = n_freqs); «siren» — синусы с ω₀ = 30 и инициализацией
    Sitzmann et al.: первый слой U(−1/d, 1/d), остальные U(−√(6/d)/ω₀, √(6/d)/ω₀).

    >>> [sum(p.numel() for p in make_model(k).parameters()) for k in ("relu", "ff", "siren")]
    [4353, 5057, 4353]
    """
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        if kind == "ff":
            B = (2.0 ** torch.arange(n_freqs, dtype=torch.float32))[None, :]
            return nn.Sequential(FourierFeatures(B), nn.Linear(2 * n_freqs, width), nn.ReLU(),
                                 nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
        act = (lambda: nn.ReLU()) if kind == "relu" else (lambda: Sine(30.0))
        layers = [nn.Linear(1, width), act(), nn.Linear(width, width), act(), nn.Linear(width, 1)]
        if kind == "siren":
            with torch.no_grad():
                for i, lin in enumerate(layers[::2]):
                    bound = 1.0 / lin.in_features if i == 0 else math.sqrt(6 / lin.in_features) / 30
                    lin.weight.uniform_(-bound, bound, generator=g)
        return nn.Sequential(*layers)
# --8<-- [end:models]


@functools.cache
def fit(kind: str, steps: int = 800, n: int = 256, lr: float = 3e-3, every: int = 20,
        seed: int = 0) -> dict:
    """Обучение на n точках сетки [0, 1) (MSE, Adam, полный пакет). Возвращает x, предсказание,
    MSE по шагам и нормированную ошибку на каждой частоте сигнала |F̂_k − F_k| / |F_k| (ДПФ)."""
    with one_thread():
        return _fit(kind, steps, n, lr, every, seed)




def _fit(kind: str, steps: int, n: int, lr: float, every: int, seed: int) -> dict:
    x = np.arange(n) / n
    y = target_signal(x)
    X = torch.tensor(x, dtype=torch.float32)[:, None]
    Y = torch.tensor(y, dtype=torch.float32)[:, None]
    model = make_model(kind, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    F_true = np.fft.rfft(y)[list(FREQS)]
    hist: dict[str, list] = {"step": [], "mse": [], "freq_err": []}
    for step in range(steps + 1):
        pred = model(X)
        loss = ((pred - Y) ** 2).mean()
        if step % every == 0:
            F_pred = np.fft.rfft(pred.detach().numpy()[:, 0])[list(FREQS)]
            hist["step"].append(step)
            hist["mse"].append(loss.item())
            hist["freq_err"].append(np.abs(F_pred - F_true) / np.abs(F_true))
        if step < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = model(X).numpy()[:, 0]
    return {"x": x, "y": y, "pred": pred, "step": np.array(hist["step"]),
            "mse": np.array(hist["mse"]), "freq_err": np.array(hist["freq_err"])}


NAMES = {"relu": "MLP (ReLU) на x", "ff": "MLP на признаках Фурье γ(x)", "siren": "SIREN"}


def fit_figure(kinds: tuple[str, ...] = ("relu", "ff", "siren")) -> go.Figure:
    """Сигнал и приближения моделей после обучения."""
    fig = new_figure("Одинаковые MLP, один сигнал: сырой вход против признаков Фурье",
                     "x", "f(x)")
    r = fit(kinds[0])
    fig.add_scatter(x=r["x"].round(4), y=r["y"].round(3), name="сигнал", mode="lines",
                    line=dict(width=4, color="rgba(128,128,128,0.5)"))
    for k, dash in zip(kinds, ("solid", "dash", "dot")):
        r = fit(k)
        fig.add_scatter(x=r["x"].round(4), y=r["pred"].round(3), mode="lines",
                        line=dict(dash=dash), name=f"{NAMES[k]}, MSE {r['mse'][-1]:.1e}")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top"))
    return fig


def spectral_bias_figure(kind: str = "relu") -> go.Figure:
    """Ошибка на каждой частоте сигнала по шагам обучения: спектральное смещение."""
    r = fit(kind)
    fig = new_figure(f"Спектральное смещение: {NAMES[kind]}", "шаг обучения",
                     "ошибка на частоте |F̂ₖ − Fₖ| / |Fₖ|")
    for j, k in enumerate(FREQS):
        fig.add_scatter(x=r["step"], y=r["freq_err"][:, j].round(4), mode="lines",
                        name=f"k = {k}")
    fig.update_yaxes(range=[0, 1.5])
    return fig


# ------------------------------------------------ число частот L: недообучение против переобучения

PE_LEVELS = (0, 2, 4, 6, 8, 10)     # L для фигуры; L = 0 — сырой x без кодирования


@functools.cache
def fit_n_freqs(n_freqs: int, n_train: int = 64, steps: int = 300, lr: float = 3e-3,
                n_test: int = 512, seed: int = 0) -> dict:
    """Одна и та же MLP на γ(x) с частотами 2⁰…2^{L−1} (L = n_freqs; L = 0 — сырой x) учится на
    n_train случайных точках сигнала и проверяется на плотной сетке из n_test точек.

    Возвращает обучающие точки, предсказание на сетке, MSE на обучающих точках и на сетке.
    Малое L — размытое приближение (высокие частоты недоступны), большое L — точная подгонка
    обучающих точек и шум между ними (Tancik et al., 2020; Mildenhall et al., 2020, табл. 2).
    """
    with one_thread():
        rng = np.random.default_rng(seed)
        x_tr = np.sort(rng.random(n_train))
        x_te = np.arange(n_test) / n_test
        model = make_model("relu" if n_freqs == 0 else "ff", n_freqs=max(n_freqs, 1), seed=seed)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        X = torch.tensor(x_tr, dtype=torch.float32)[:, None]
        Y = torch.tensor(target_signal(x_tr), dtype=torch.float32)[:, None]
        for _ in range(steps):
            loss = ((model(X) - Y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            train_mse = ((model(X) - Y) ** 2).mean().item()
            pred = model(torch.tensor(x_te, dtype=torch.float32)[:, None]).numpy()[:, 0]
    return {"x_train": x_tr, "y_train": target_signal(x_tr), "x": x_te, "pred": pred,
            "train_mse": train_mse, "test_mse": float(np.mean((pred - target_signal(x_te)) ** 2))}


def n_freqs_traces(n_freqs: int) -> list:
    """Трассы одного кадра фигуры: приближение MLP на сетке (каждая вторая точка)."""
    r = fit_n_freqs(n_freqs)
    name = "сырой x" if n_freqs == 0 else f"γ(x), L = {n_freqs}"
    return [go.Scatter(x=r["x"][::2].round(4), y=r["pred"][::2].round(3), mode="lines",
                       name=f"MLP на {name}")]


def n_freqs_figure(levels: tuple[int, ...] = PE_LEVELS, active: int = 2) -> go.Figure:
    """Ползунок по числу частот L: приближение сигнала по 64 точкам и ошибка между ними."""
    from snippets._plotting import explorable

    r0 = fit_n_freqs(levels[0])
    grid = r0["x"][::2]
    static = [go.Scatter(x=grid.round(4), y=target_signal(grid).round(3), mode="lines",
                         name="сигнал", line=dict(width=4, color="rgba(128,128,128,0.45)")),
              go.Scatter(x=r0["x_train"].round(4), y=r0["y_train"].round(3), mode="markers",
                         name="64 обучающие точки", marker=dict(size=6, color="#d62728"))]

    def title(L: int) -> str:
        r = fit_n_freqs(L)
        return (f"Число частот L = {L}<br>MSE на обучающих точках {r['train_mse']:.0e}, "
                f"между ними {r['test_mse']:.2f}")

    fig = explorable("Число частот позиционного кодирования", "x", "f(x)", "L", list(levels),
                     n_freqs_traces, active=active, title_for=title, static=static)
    fig.update_yaxes(range=[-4.5, 4.5])
    return fig
