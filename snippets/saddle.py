"""Градиентный спуск у седловой точки: f(x, y) = x² − y² + y⁴/2 (седло в 0, минимумы в (0, ±1)).

Вблизи седла GD сжимает x в (1 − 2η) раз за шаг и растит y в (1 + 2η) раз: с высоты y₀ он
уходит за t ≈ ln(1/|y₀|) / ln(1 + 2η) шагов, а ровно с оси y = 0 не уходит никогда. Возмущённый
GD (Jin et al., 2017) добавляет случайный толчок, когда градиент мал, и уходит всегда.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


# --8<-- [start:saddle]
def grad_f(p: Array) -> Array:
    """∇f для f(x, y) = x² − y² + y⁴/2: (2x, −2y + 2y³). Гессиан в нуле — diag(2, −2).

    >>> grad_f(np.array([1.0, 1.0])).tolist()
    [2.0, 0.0]
    """
    x, y = p
    return np.array([2 * x, -2 * y + 2 * y ** 3])


def escape_step(p0: Array, lr: float = 0.1, steps: int = 500, perturb: float = 0.0,
                g_tol: float = 1e-3, seed: int = 0) -> int | None:
    """Номер шага, на котором спуск ушёл от седла (|y| > 0,5), или None.

    ``perturb`` > 0 — возмущённый GD: если ‖∇f‖ < g_tol, к точке добавляется случайный
    вектор длины ``perturb`` (Jin et al., 2017, упрощённо).

    >>> escape_step(np.array([1.0, 0.0])) is None, escape_step(np.array([1.0, 0.0]), perturb=1e-3)
    (True, 72)
    """
    rng = np.random.default_rng(seed)
    p = np.array(p0, dtype=float)
    for t in range(1, steps + 1):
        g = grad_f(p)
        if perturb and np.linalg.norm(g) < g_tol:
            u = rng.normal(size=2)
            p = p + perturb * u / np.linalg.norm(u)
        p = p - lr * grad_f(p)
        if abs(p[1]) > 0.5:
            return t
    return None


def predicted_escape(y0: float, lr: float = 0.1) -> float:
    """Оценка по линеаризации: (1 + 2η)^t·|y₀| = 0,5 → t = ln(0,5/|y₀|) / ln(1 + 2η).

    >>> round(predicted_escape(1e-6), 1)
    72.0
    """
    return math.log(0.5 / abs(y0)) / math.log(1 + 2 * lr)
# --8<-- [end:saddle]
