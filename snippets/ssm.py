"""Модели пространства состояний (SSM): S4 (Gu, Goel & Ré, 2022) и селективная SSM Mamba (Gu & Dao, 2023).

Диагональная A, один входной канал: h'(τ) = A h(τ) + B x(τ), y = Cᵀh. После дискретизации с шагом Δ
рекурсия h_t = Ā ⊙ h_{t−1} + B̄ x_t линейна: её можно считать циклом или свёрткой с ядром K.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def discretize_zoh(A: Array, B: Array, dt: float) -> tuple[Array, Array]:
    """ZOH-дискретизация диагональной A: Ā = exp(Δ·A), B̄ = (exp(Δ·A) − 1) / A · B.

    >>> a, b = discretize_zoh(np.array([-1.0]), np.array([1.0]), 0.5)
    >>> round(float(a[0]), 4), round(float(b[0]), 4)
    (0.6065, 0.3935)
    """
    A_bar = np.exp(dt * A)
    return A_bar, (A_bar - 1) / A * B


def ssm_recurrent(A_bar: Array, B_bar: Array, C: Array, x: Array) -> Array:
    """Рекуррентный режим: h_t = Ā ⊙ h_{t−1} + B̄ x_t, y_t = Cᵀh_t.

    >>> ssm_recurrent(np.array([0.5]), np.array([1.0]), np.array([2.0]), np.array([1.0, 0.0, 0.0])).tolist()
    [2.0, 1.0, 0.5]
    """
    h, ys = np.zeros_like(A_bar), []
    for x_t in x:
        h = A_bar * h + B_bar * x_t
        ys.append(float(np.real(C @ h)))
    return np.array(ys)


def ssm_kernel(A_bar: Array, B_bar: Array, C: Array, L: int) -> Array:
    """Ядро свёртки: K_k = Σ_n C_n Ā_n^k B̄_n, k = 0…L−1.

    >>> ssm_kernel(np.array([0.5]), np.array([1.0]), np.array([2.0]), 3).tolist()
    [2.0, 1.0, 0.5]
    """
    return np.real((C * B_bar * A_bar ** np.arange(L)[:, None]).sum(-1))


def ssm_convolution(K: Array, x: Array) -> Array:
    """Свёрточный режим: y_t = Σ_{k ≤ t} K_k x_{t−k}.

    >>> ssm_convolution(np.array([2.0, 1.0, 0.5]), np.array([1.0, 0.0, 0.0])).tolist()
    [2.0, 1.0, 0.5]
    """
    return np.array([K[:t + 1][::-1] @ x[:t + 1] for t in range(len(x))])


def selective_scan(x: Array, dt: Array, B: Array, C: Array, A: Array) -> Array:
    """Селективная SSM: Δ_t, B_t, C_t свои на каждом шаге (в Mamba — функции входа);
    Ā_t = exp(Δ_t A), B̄_t = (Ā_t − 1)/A · B_t, h_t = Ā_t ⊙ h_{t−1} + B̄_t x_t, y_t = C_tᵀh_t.

    >>> selective_scan(np.array([1.0, 0.0]), np.array([0.5, 0.5]), np.ones((2, 1)), np.ones((2, 1)),
    ...                np.array([-1.0])).round(4).tolist()
    [0.3935, 0.2387]
    """
    h, ys = np.zeros(A.shape), []
    for x_t, dt_t, B_t, C_t in zip(x, dt, B, C):
        A_bar, B_bar = discretize_zoh(A, B_t, dt_t)
        h = A_bar * h + B_bar * x_t
        ys.append(float(C_t @ h))
    return np.array(ys)
