"""Методы второго порядка на двумерных задачах: шаг Ньютона и L-BFGS (двухпетлевая рекурсия)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


# --8<-- [start:newton]
def newton_step(grad: Array, hess: Array, theta: Array) -> Array:
    """Шаг Ньютона: θ ← θ − H⁻¹g (минимум квадратичной модели f в точке θ).

    На квадратичной функции ½θᵀAθ шаг сразу попадает в стационарную точку:

    >>> A = np.diag([0.2, 4.0]); th = np.array([-5.0, -2.0])
    >>> newton_step(A @ th, A, th)
    array([0., 0.])
    """
    return theta - np.linalg.solve(hess, grad)
# --8<-- [end:newton]


def rosenbrock_hessian(p: Array) -> Array:
    """Гессиан (1 − x)² + 100(y − x²)².

    >>> rosenbrock_hessian(np.array([1.0, 1.0]))
    array([[ 802., -400.],
           [-400.,  200.]])
    """
    x, y = p
    return np.array([[2 - 400 * (y - 3 * x * x), -400 * x], [-400 * x, 200.0]])


# --8<-- [start:lbfgs]
def lbfgs_direction(g: Array, s_hist: list[Array], y_hist: list[Array]) -> Array:
    """Направление L-BFGS d = −H_k g двухпетлевой рекурсией (Nocedal, 1980) по m последним парам
    s = θ_{k+1} − θ_k, y = g_{k+1} − g_k; H₀ = γI, γ = sᵀy / yᵀy. Память O(mn) вместо O(n²).

    >>> lbfgs_direction(np.array([1.0, -2.0]), [], [])     # без истории — антиградиент
    array([-1.,  2.])
    """
    q, alphas = g.copy(), []
    for s, y in zip(reversed(s_hist), reversed(y_hist)):          # от новых пар к старым
        a = (s @ q) / (y @ s)
        q -= a * y
        alphas.append(a)
    gamma = (s_hist[-1] @ y_hist[-1]) / (y_hist[-1] @ y_hist[-1]) if s_hist else 1.0
    r = gamma * q
    for (s, y), a in zip(zip(s_hist, y_hist), reversed(alphas)):  # от старых к новым
        b = (y @ r) / (y @ s)
        r += s * (a - b)
    return -r


def lbfgs(f: Callable[[Array], float], grad: Callable[[Array], Array], x0, steps: int,
          m: int = 5) -> Array:
    """L-BFGS с поиском шага по Армихо (от шага 1, деление пополам): путь θ₀…θ_steps."""
    x = np.array(x0, dtype=float)
    g, path, s_hist, y_hist = grad(x), [x.copy()], [], []
    for _ in range(steps):
        if np.linalg.norm(g) < 1e-12:
            break
        d, t = lbfgs_direction(g, s_hist, y_hist), 1.0
        while f(x + t * d) > f(x) + 1e-4 * t * (g @ d) and t > 1e-10:
            t /= 2
        x_new = x + t * d
        g_new = grad(x_new)
        s, y = x_new - x, g_new - g
        if s @ y > 1e-12:                       # условие кривизны: H_k остаётся положительной
            s_hist, y_hist = (s_hist + [s])[-m:], (y_hist + [y])[-m:]
        x, g = x_new, g_new
        path.append(x.copy())
    return np.array(path)
# --8<-- [end:lbfgs]


def steps_to_reach(path: Array, f: Callable[[Array], float], tol: float) -> int | None:
    """Номер первого шага, на котором f(θ) < tol (None, если не достигнут).

    >>> steps_to_reach(np.array([[2.0], [1.0], [0.1]]), lambda p: float(p[0] ** 2), 0.5)
    2
    """
    for k, p in enumerate(path):
        if f(p) < tol:
            return k
    return None


__all__ = ["newton_step", "rosenbrock_hessian", "lbfgs_direction", "lbfgs", "steps_to_reach"]
