"""Плоские и острые минимумы: шаг SAM, цель SAM на одномерной потере, усреднение весов (SWA, EMA)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import explorable

Array = np.ndarray


# --8<-- [start:sam]
def sam_gradient(grad: Callable[[Array], Array], w: Array, rho: float) -> Array:
    """Градиент SAM (Foret et al., 2021): ε̂ = ρ·g/‖g‖ — шаг вверх по градиенту,
    затем градиент в точке w + ε̂. Цена — два прямых и два обратных прохода на шаг.

    На ½wᵀAw: g_SAM = A(w + ρ·Aw/‖Aw‖).

    >>> A = np.diag([1.0, 10.0]); w = np.array([1.0, 0.0])
    >>> sam_gradient(lambda v: A @ v, w, rho=0.5)
    array([1.5, 0. ])
    """
    g = grad(w)
    eps = rho * g / (np.linalg.norm(g) + 1e-12)
    return grad(w + eps)


def sam_objective(f_values: Array, dx: float, rho: float) -> Array:
    """Цель SAM на равномерной сетке: max f(x + e) по |e| ≤ ρ («худший сосед» в радиусе ρ).

    >>> sam_objective(np.array([3.0, 0.0, 1.0, 2.0]), dx=1.0, rho=1.0)
    array([3., 3., 2., 2.])
    """
    k = int(round(rho / dx))
    padded = np.pad(f_values, k, mode="edge")
    return np.array([padded[i:i + 2 * k + 1].max() for i in range(len(f_values))])
# --8<-- [end:sam]


def two_minima(x: Array) -> Array:
    """Одномерная потеря: острый глубокий минимум у x = −1 и широкий мелкий у x = 1.

    >>> bool(two_minima(np.array(-1.0)) < two_minima(np.array(1.0)))
    True
    """
    return (1.0 + 0.02 * x ** 2 - 0.9 * np.exp(-(x - 1) ** 2 / (2 * 0.5 ** 2))
            - 1.0 * np.exp(-(x + 1) ** 2 / (2 * 0.05 ** 2)))


XS = np.linspace(-2.5, 2.5, 501)


def sam_traces(rho: float) -> list:
    """Кадр фигуры: цель SAM при радиусе ρ и её минимум."""
    f = two_minima(XS)
    sam = sam_objective(f, XS[1] - XS[0], rho)
    i = int(np.argmin(sam))
    return [go.Scatter(x=XS[::2].round(3), y=sam[::2].round(4), mode="lines",
                       name=f"цель SAM, ρ = {rho:g}", line=dict(width=2.5)),
            go.Scatter(x=[round(float(XS[i]), 3)], y=[round(float(sam[i]), 4)], mode="markers",
                       name=f"минимум цели SAM: x = {XS[i]:.2f}",
                       marker=dict(symbol="star", size=14))]


def sam_figure(rhos: list[float], active: int = 2) -> go.Figure:
    """Потеря и цель SAM max_{|e|≤ρ} f(x + e): ползунок по радиусу ρ."""
    static = [go.Scatter(x=XS[::2].round(3), y=two_minima(XS[::2]).round(4), mode="lines",
                         name="потеря f(x)", line=dict(color="#8a8a8a", dash="dot"))]
    fig = explorable("Цель SAM", "параметр x", "потеря", "радиус ρ", rhos, sam_traces,
                     active=active, title_for=lambda r: f"Цель SAM при ρ = {r:g}", static=static)
    fig.update_layout(height=440, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return fig


# --8<-- [start:averaging]
def sgd_with_averaging(seed: int = 0, steps: int = 2000, lr: float = 0.05,
                       ema_decay: float = 0.99) -> dict[str, Array]:
    """SGD с постоянным шагом на линейной регрессии (пакет из одного примера) и три оценки весов:
    последняя итерация; SWA — среднее итераций второй половины (Izmailov et al., 2018);
    EMA — θ̄ ← α·θ̄ + (1 − α)·θ после каждого шага.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 5))
    w_true = rng.normal(size=5)
    y = X @ w_true + 0.5 * rng.normal(size=200)
    w, swa, n_swa, ema = np.zeros(5), np.zeros(5), 0, np.zeros(5)
    for t in range(steps):
        i = rng.integers(len(X))
        w = w - lr * (X[i] @ w - y[i]) * X[i]          # шаг SGD по одному примеру
        ema = w.copy() if t == 0 else ema_decay * ema + (1 - ema_decay) * w
        if t >= steps // 2:
            swa, n_swa = swa + (w - swa) / (n_swa + 1), n_swa + 1   # бегущее среднее
    w_opt = np.linalg.lstsq(X, y, rcond=None)[0]       # минимум потери на обучении
    return {"w_opt": w_opt, "последняя итерация": w, "SWA": swa, "EMA": ema}
# --8<-- [end:averaging]


__all__ = ["sam_gradient", "sam_objective", "two_minima", "sam_traces", "sam_figure",
           "sgd_with_averaging"]
