"""Траектории оптимизаторов на плохо обусловленной квадратичной функции и функции Розенброка.

Шаг обучения каждого метода подбирается по сетке честно и одинаково: лучший по значению f
после заданного числа шагов. Градиенты точные (без шума мини-пакетов).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import explorable, new_figure
from snippets.optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp

Array = np.ndarray


# --8<-- [start:problems]
class Problem(NamedTuple):
    f: Callable[[Array], float]
    grad: Callable[[Array], Array]
    start: tuple[float, float]
    steps: int
    box: tuple[float, float, float, float]       # x_min, x_max, y_min, y_max для рисунка
    minimum: tuple[float, float]


def quadratic(angle_deg: float = 0.0) -> Problem:
    """f(θ) = ½ θᵀAθ, собственные числа A — 0.2 и 4 (число обусловленности 20), оси повёрнуты.

    >>> p = quadratic(); p.f(np.array([1.0, 1.0]))   # 0.1x² + 2y²
    2.1
    """
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([0.2, 4.0]) @ R.T
    return Problem(lambda p: float(0.5 * p @ A @ p), lambda p: A @ p, (-5.0, -2.0), 40,
                   (-5.5, 1.5, -3.0, 3.0), (0.0, 0.0))


def rosenbrock() -> Problem:
    """f(x, y) = (1 − x)² + 100(y − x²)²: узкий изогнутый овраг, минимум в (1, 1).

    >>> rosenbrock().grad(np.array([1.0, 1.0]))
    array([0., 0.])
    """
    def f(p):
        return float((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2)

    def grad(p):
        x, y = p
        return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    return Problem(f, grad, (-1.5, 2.0), 300, (-2.0, 2.0, -1.0, 3.0), (1.0, 1.0))
# --8<-- [end:problems]


METHODS: dict[str, Callable[[float], Optimizer]] = {
    "GD": lambda lr: SGD(lr),
    "Momentum (μ = 0.9)": lambda lr: SGD(lr, momentum=0.9),
    "Nesterov (μ = 0.9)": lambda lr: SGD(lr, momentum=0.9, nesterov=True),
    "AdaGrad": lambda lr: AdaGrad(lr),
    "RMSProp (α = 0.9)": lambda lr: RMSProp(lr, alpha=0.9),
    "Adam": lambda lr: Adam(lr),
}
LR_GRID = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]


# --8<-- [start:run]
def run(opt: Optimizer, problem: Problem) -> Array:
    """Траектория θ₀, θ₁, …, θ_steps (массив формы (steps + 1, 2))."""
    p = np.array(problem.start, dtype=float)
    path = [p.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(problem.steps):
            opt.step([p], [problem.grad(p)])
            path.append(p.copy())
    return np.array(path)


@lru_cache(maxsize=8)
def tuned(problem: Problem) -> dict[str, tuple[float, Array]]:
    """Для каждого метода: (лучший η из LR_GRID по f(θ_steps), траектория); расходимость = ∞."""
    out = {}
    for name, make in METHODS.items():
        best = (np.inf, 0.0, None)
        for lr in LR_GRID:
            path = run(make(lr), problem)
            val = problem.f(path[-1]) if np.isfinite(path[-1]).all() else np.inf
            if val < best[0]:
                best = (val, lr, path)
        out[name] = (best[1], best[2])
    return out
# --8<-- [end:run]


def results_table(problems: dict[str, Problem]) -> str:
    """Markdown-таблица: f после заданного числа шагов (и подобранный η) для каждой задачи."""
    runs = {title: (pb, tuned(pb)) for title, pb in problems.items()}
    titles = [f"{t} ({pb.steps} шагов)" for t, (pb, _) in runs.items()]
    head = "| Метод | " + " | ".join(titles) + " |"
    rows = [head, "|---" * (len(runs) + 1) + "|"]
    for name in METHODS:
        cells = [f"{pb.f(r[name][1][-1]):.1e} (η = {r[name][0]:g})" for pb, r in runs.values()]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def trajectory_figure(problem: Problem, title: str, log_levels: bool = False) -> go.Figure:
    """Линии уровня f и траектории всех методов; щелчок по легенде прячет метод."""
    x0, x1, y0, y1 = problem.box
    fig = new_figure(title, "x", "y")
    fig.add_trace(_contours(problem, log_levels))
    for name, (lr, path) in tuned(problem).items():
        every = max(1, len(path) // 100)
        idx = np.r_[np.arange(0, len(path), every), len(path) - 1]
        pts = path[idx]
        hover = [f"шаг {k}: f = {problem.f(path[k]):.3g}" for k in idx]
        fig.add_scatter(x=pts[:, 0].round(4), y=pts[:, 1].round(4), mode="lines+markers",
                        marker=dict(size=4), line=dict(width=1.5), name=f"{name}, η = {lr:g}",
                        hovertext=hover, hoverinfo="name+text")
    fig.add_scatter(x=[problem.start[0]], y=[problem.start[1]], mode="markers", name="старт",
                    marker=dict(symbol="circle-open", size=12, line=dict(width=2)))
    fig.add_scatter(x=[problem.minimum[0]], y=[problem.minimum[1]], mode="markers", name="минимум",
                    marker=dict(symbol="star", size=14))
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    fig.update_layout(height=540, margin=dict(b=130),
                      legend=dict(orientation="h", y=-0.16, yanchor="top"))
    return fig


def _contours(problem: Problem, log_levels: bool = False) -> go.Contour:
    """Линии уровня f на прямоугольнике задачи (серые, общий фон фигур)."""
    x0, x1, y0, y1 = problem.box
    xs, ys = np.linspace(x0, x1, 61), np.linspace(y0, y1, 51)
    Z = np.array([[problem.f(np.array([x, y])) for x in xs] for y in ys])
    Z = np.log10(Z + 1e-3) if log_levels else Z
    return go.Contour(x=xs.round(3), y=ys.round(3), z=Z.round(2),
                      colorscale=[[0, "#8a8a8a"], [1, "#8a8a8a"]], showscale=False, ncontours=16,
                      contours=dict(coloring="lines"), opacity=0.6, hoverinfo="skip",
                      name="линии уровня" + (" log₁₀ f" if log_levels else " f"))


def sweep_traces(problem: Problem, make: Callable[[float], Optimizer], value: float) -> list:
    """Траектория одного метода при значении гиперпараметра ``value`` (кадр ползунка).

    Расходящуюся траекторию обрываем, когда она уходит далеко за рамку рисунка.
    """
    path = run(make(value), problem)
    far = np.flatnonzero(~np.isfinite(path).all(axis=1) | (np.abs(path).max(axis=1) > 100))
    shown = path[: far[0] + 1] if far.size else path
    shown = shown[np.isfinite(shown).all(axis=1)]
    f_end = problem.f(path[-1]) if np.isfinite(path[-1]).all() else np.inf
    label = f"f(θ_{problem.steps}) = {f_end:.2g}" if np.isfinite(f_end) else "f = ∞"
    if f_end > problem.f(np.array(problem.start)):
        label = "расходится: " + label
    return [go.Scatter(x=shown[:, 0].round(4), y=shown[:, 1].round(4), mode="lines+markers",
                       marker=dict(size=5), line=dict(width=1.5), name=label,
                       hovertext=[f"шаг {k}" for k in range(len(shown))], hoverinfo="text+x+y")]


def sweep_figure(problem: Problem, make: Callable[[float], Optimizer], values: list[float],
                 param: str, title: str, active: int = 0) -> go.Figure:
    """Траектория метода при разных значениях гиперпараметра: ползунок по ``values``."""
    x0, x1, y0, y1 = problem.box
    fig = explorable(title, "x", "y", param, values, lambda v: sweep_traces(problem, make, v),
                     active=active, title_for=lambda v: f"{title}: {param} = {v:g}",
                     static=[_contours(problem)])
    fig.update_xaxes(range=[x0, x1])
    fig.update_yaxes(range=[y0, y1])
    fig.update_layout(height=500, showlegend=True,
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return fig


__all__ = ["Problem", "quadratic", "rosenbrock", "METHODS", "LR_GRID", "run", "tuned",
           "results_table", "trajectory_figure", "sweep_traces", "sweep_figure"]
