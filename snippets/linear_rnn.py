"""Линейные рекуррентные сети (S4, Mamba, RWKV): линейная рекурсия тремя способами.

Диагональная модель пространства состояний (state-space model, SSM) с одним входным каналом:
непрерывная h'(τ) = A h(τ) + B x(τ), y = C h; после дискретизации с шагом Δ —
h_t = Ā ⊙ h_{t−1} + B̄ x_t, y_t = Cᵀh_t (Gu, Goel & Ré, 2022 — S4; Gu & Dao, 2023 — Mamba,
где Δ, B, C зависят от входа). Нелинейности между шагами нет, поэтому рекурсию можно считать
циклом (вывод, O(1) памяти на шаг), свёрткой (обучение, если Ā не зависит от t) или
параллельным сканированием за ⌈log₂ T⌉ шагов (и для зависящих от t коэффициентов).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:scan]
def scan_sequential(a: Array, u: Array) -> Array:
    """Линейная рекурсия циклом: h_t = a_t ⊙ h_{t−1} + u_t, h_0 = 0; a, u — (T, N).

    >>> scan_sequential(np.full((3, 1), 0.5), np.ones((3, 1))).ravel().tolist()
    [1.0, 1.5, 1.75]
    """
    h, out = np.zeros(u.shape[1:]), []
    for a_t, u_t in zip(a, u):
        h = a_t * h + u_t
        out.append(h)
    return np.stack(out)


def scan_parallel(a: Array, u: Array) -> tuple[Array, int]:
    """Та же рекурсия параллельным сканированием (Hillis & Steele, 1986): пары (a, u) с
    ассоциативной операцией (a₁, u₁) ∘ (a₂, u₂) = (a₁a₂, a₂u₁ + u₂). На шаге s каждая позиция
    t ≥ s объединяется с позицией t − s (s = 1, 2, 4, …) — все позиции сразу.
    Возвращает (h, число последовательных шагов = ⌈log₂ T⌉).

    >>> h, steps = scan_parallel(np.full((3, 1), 0.5), np.ones((3, 1)))
    >>> h.ravel().tolist(), steps
    ([1.0, 1.5, 1.75], 2)
    """
    a, u = a.copy(), u.copy()
    s, steps = 1, 0
    while s < len(a):
        u[s:] = a[s:] * u[:-s] + u[s:]           # сначала u: ему нужно старое a
        a[s:] = a[s:] * a[:-s]
        s, steps = 2 * s, steps + 1
    return u, steps


def ssm_kernel(a_bar: Array, b_bar: Array, c: Array, T: int) -> Array:
    """Ядро свёртки SSM с постоянными коэффициентами: K_k = Σ_n c_n ā_n^k b̄_n, k = 0…T−1,
    так что y_t = Σ_k K_k x_{t−k} (S4 считает его быстро и свёртку — через БПФ).

    >>> ssm_kernel(np.array([0.5]), np.array([1.0]), np.array([2.0]), 3).tolist()
    [2.0, 1.0, 0.5]
    """
    return (c * b_bar * a_bar ** np.arange(T)[:, None]).sum(-1)


def ssm_conv(K: Array, x: Array) -> Array:
    """Причинная свёртка y_t = Σ_{k ≤ t} K_k x_{t−k}.

    >>> ssm_conv(np.array([2.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0])).tolist()
    [2.0, 1.0, 0.5]
    """
    return np.array([K[:t + 1][::-1] @ x[:t + 1] for t in range(len(x))])
# --8<-- [end:scan]
