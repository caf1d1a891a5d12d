"""Модели пространства состояний (state-space models, SSM) как альтернатива вниманию:
линейная рекуррентность S4 (Gu, Goel & Ré, 2022) — она же свёртка — и селективная SSM Mamba
(Gu & Dao, 2023), у которой параметры зависят от входа.

Диагональная A (как в S4D и Mamba), один входной канал: h'(τ) = A h(τ) + B x(τ), y = C·h;
состояние h_t ∈ R^N.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:ssm]
def discretize_zoh(A: Array, B: Array, dt: float | Array) -> tuple[Array, Array]:
    """Дискретизация h' = A h + B x с шагом Δ (zero-order hold), A диагональная (вектор):
    Ā = exp(ΔA), B̄ = (ΔA)⁻¹(exp(ΔA) − I)·ΔB = (Ā − 1)/A · B.

    >>> Ab, Bb = discretize_zoh(np.array([-1.0]), np.array([1.0]), 0.1)
    >>> Ab.round(4).tolist(), Bb.round(4).tolist()
    ([0.9048], [0.0952])
    """
    A_bar = np.exp(dt * A)
    return A_bar, (A_bar - 1) / A * B


def ssm_recurrent(A_bar: Array, B_bar: Array, C: Array, x: Array) -> Array:
    """Рекуррентный режим (генерация, O(N) памяти на шаг): h_t = Ā ⊙ h_{t−1} + B̄ x_t, y_t = C·h_t.

    >>> ssm_recurrent(np.array([0.5]), np.array([1.0]), np.array([1.0]), np.array([1.0, 0, 0]))
    array([1.  , 0.5 , 0.25])
    """
    h, y = np.zeros_like(A_bar), []
    for x_t in x:
        h = A_bar * h + B_bar * x_t
        y.append(C @ h)
    return np.array(y)


def ssm_kernel(A_bar: Array, B_bar: Array, C: Array, length: int) -> Array:
    """Ядро свёртки S4: K = (C B̄, C Ā B̄, C Ā² B̄, …, C Ā^{L−1} B̄).

    >>> ssm_kernel(np.array([0.5]), np.array([1.0]), np.array([2.0]), 3).tolist()
    [2.0, 1.0, 0.5]
    """
    powers = A_bar[None, :] ** np.arange(length)[:, None]        # (L, N)
    return powers @ (C * B_bar)


def ssm_convolution(K: Array, x: Array) -> Array:
    """Свёрточный режим (обучение, параллельно по времени): y_t = Σ_{l ≤ t} K_l x_{t−l};
    через БПФ — O(L log L).

    >>> ssm_convolution(np.array([2.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0])).round(6).tolist()
    [2.0, 1.0, 0.5]
    """
    n = len(x)
    size = 2 * n                                                  # без циклического наложения
    return np.fft.irfft(np.fft.rfft(K, size) * np.fft.rfft(x, size), size)[:n]


def selective_scan(x: Array, dt: Array, B: Array, C: Array, A: Array) -> Array:
    """Селективная SSM (Mamba): Δ_t, B_t, C_t зависят от входа x_t, поэтому Ā_t = exp(Δ_t A)
    меняется по времени, и единой свёртки нет — считают рекуррентно (на GPU — параллельным
    сканированием). dt (L,), B и C (L, N), A (N,).

    >>> x = np.array([1.0, 0.0]); A = np.array([-1.0])
    >>> selective_scan(x, np.array([0.1, 10.0]), np.ones((2, 1)), np.ones((2, 1)), A).round(4)
    array([0.0952, 0.    ])
    """
    h, y = np.zeros_like(A), []
    for x_t, dt_t, B_t, C_t in zip(x, dt, B, C):
        A_bar, B_bar = discretize_zoh(A, B_t, dt_t)
        h = A_bar * h + B_bar * x_t                               # большое Δ — «забыть и записать»
        y.append(C_t @ h)
    return np.array(y)
# --8<-- [end:ssm]
