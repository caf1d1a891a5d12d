"""Преобразования признаков сверх масштабирования: степенные (Бокса–Кокса, Йео–Джонсона),
квантильное, циклическое кодирование времени; нормализация окна ряда (RevIN) и разности.

Как и у масштабирования, параметры (λ, квантили обучающей выборки) оцениваются только на
обучении. Тесты сверяют функции со ``scipy.stats`` и ``sklearn.preprocessing``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

Array = np.ndarray


# --8<-- [start:power]
def box_cox(x: Array, lam: float) -> Array:
    """Бокс–Кокс (Box & Cox, 1964), только x > 0: (x^λ − 1)/λ, при λ = 0 — ln x.

    >>> box_cox(np.array([1.0, np.e]), 0.0).round(6).tolist()
    [0.0, 1.0]
    """
    return np.log(x) if lam == 0 else (x ** lam - 1) / lam


def yeo_johnson(x: Array, lam: float) -> Array:
    """Йео–Джонсон (Yeo & Johnson, 2000): Бокс–Кокс для x + 1 при x ≥ 0 и зеркальный
    Бокс–Кокс с показателем 2 − λ для −x + 1 при x < 0; определён для любых x.

    >>> yeo_johnson(np.array([-1.0, 0.0, 3.0]), 1.0).tolist()
    [-1.0, 0.0, 3.0]
    """
    x = np.asarray(x, dtype=float)
    pos, out = x >= 0, np.empty_like(x)
    out[pos] = box_cox(x[pos] + 1, lam)
    out[~pos] = -box_cox(-x[~pos] + 1, 2 - lam)
    return out


def yeo_johnson_lambda(x: Array, grid: Array | None = None) -> float:
    """λ по максимуму правдоподобия нормальной модели для преобразованных данных:
    ℓ(λ) = −n/2·ln σ̂²(λ) + (λ − 1)·Σ sign(x)·ln(|x| + 1) (второе слагаемое — якобиан).

    >>> round(yeo_johnson_lambda(np.random.default_rng(0).normal(size=2000)), 1)  # уже нормальные
    1.0
    """
    grid = np.linspace(-2, 4, 601) if grid is None else grid
    jac = (np.sign(x) * np.log1p(np.abs(x))).sum()
    ll = [-len(x) / 2 * np.log(yeo_johnson(x, lam).var()) + (lam - 1) * jac for lam in grid]
    return float(grid[int(np.argmax(ll))])
# --8<-- [end:power]


# --8<-- [start:quantile]
def quantile_to_normal(train: Array, x: Array, n_quantiles: int = 1000) -> Array:
    """Квантильное преобразование: z = Φ⁻¹(F̂(x)), F̂ — эмпирическая функция распределения
    обучающей выборки (кусочно-линейная по n_quantiles квантилям). Любое непрерывное
    распределение становится N(0, 1); порядок значений сохраняется, выбросы прижимаются.

    >>> quantile_to_normal(np.arange(101.0), np.array([50.0, 1e9])).round(2).tolist()
    [0.0, 5.2]
    """
    refs = np.linspace(0, 1, min(n_quantiles, len(train)))
    qs = np.percentile(train, refs * 100)
    u = np.interp(x, qs, refs)                                # F̂(x) ∈ [0, 1]
    return ndtri(np.clip(u, 1e-7 - np.spacing(1), 1 - (1e-7 - np.spacing(1))))
# --8<-- [end:quantile]


# --8<-- [start:cyclic]
def cyclic_encode(t: Array, period: float) -> Array:
    """Циклический признак (час, день недели, месяц) → (sin 2πt/P, cos 2πt/P).

    Точки t и t + P совпадают, а 23 ч и 0 ч оказываются соседями, а не концами шкалы.

    >>> d = np.linalg.norm(cyclic_encode(np.array([23.0]), 24) - cyclic_encode(np.array([0.0]), 24))
    >>> round(float(d), 3)
    0.261
    """
    angle = 2 * np.pi * np.asarray(t, dtype=float) / period
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1)
# --8<-- [end:cyclic]


# --8<-- [start:revin]
def instance_normalize(windows: Array, eps: float = 1e-5) -> tuple[Array, Array, Array]:
    """Нормализация каждого окна ряда его собственными μ и σ по времени (ось 1 тензора N×T×F),
    как во входном слое RevIN (Kim et al., 2022); μ и σ возвращаются, чтобы вернуть прогноз
    в исходный масштаб: ŷ = ŷ_норм·σ + μ.

    >>> z, mu, sd = instance_normalize(np.array([[[10.0], [12.0], [14.0]]]))
    >>> z.ravel().round(3).tolist(), mu.ravel().tolist()
    ([-1.225, 0.0, 1.225], [12.0])
    """
    mu = windows.mean(axis=1, keepdims=True)
    sd = np.sqrt(windows.var(axis=1, keepdims=True) + eps)
    return (windows - mu) / sd, mu, sd


def difference(x: Array, lag: int = 1) -> Array:
    """Разность с лагом: Δx_t = x_t − x_{t−lag}. lag = 1 убирает тренд случайного блуждания,
    lag = период (7, 24, 12) — сезонность. Обратно: x_t = Δx_t + x_{t−lag}.

    >>> difference(np.array([1.0, 3.0, 6.0, 10.0])).tolist()
    [2.0, 3.0, 4.0]
    """
    return x[lag:] - x[:-lag]
# --8<-- [end:revin]
