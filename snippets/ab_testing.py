"""A/B-тесты сверх z-теста: снижение дисперсии CUPED и последовательная проверка с
подглядыванием (A/A-симуляция, порог Покока). Тесты — симуляцией и сверкой со ``scipy``.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:cuped]
def cuped(y: Array, x: Array) -> tuple[Array, float]:
    """CUPED (Deng et al., 2013): y' = y − θ(x − x̄), θ = cov(y, x) / var(x), где x — та же
    метрика пользователя до эксперимента. Среднее не меняется, дисперсия падает в 1/(1 − ρ²) раз.

    >>> y_adj, theta = cuped(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    >>> theta, y_adj.tolist()
    (1.0, [2.0, 2.0, 2.0])
    """
    theta = float(np.cov(y, x)[0, 1] / np.var(x, ddof=1))
    return y - theta * (x - x.mean()), theta
# --8<-- [end:cuped]


# --8<-- [start:peeking]
def aa_max_z(n_looks: int, n_sim: int = 100_000, seed: int = 0) -> Array:
    """A/A-тест (эффекта нет), z-статистика после каждой из n_looks равных порций данных:
    Z_k = S_k / √k, S_k — сумма k независимых N(0, 1). Возвращает max_k |Z_k| каждого прогона.

    >>> float(np.mean(aa_max_z(1, 40_000) > 1.96)).__round__(2)      # одна проверка — α = 5 %
    0.05
    """
    rng = np.random.default_rng(seed)
    s = np.cumsum(rng.normal(size=(n_sim, n_looks)), axis=1)
    return np.abs(s / np.sqrt(np.arange(1, n_looks + 1))).max(axis=1)


def peeking_fpr(n_looks: int, threshold: float = 1.96, seed: int = 0) -> float:
    """Доля ложных «побед» A/A-теста, если останавливаться при первом |Z_k| > threshold."""
    return float(np.mean(aa_max_z(n_looks, seed=seed) > threshold))


def pocock_threshold(n_looks: int, alpha: float = 0.05, seed: int = 1) -> float:
    """Постоянный порог для n_looks проверок (Pocock, 1977) с общей ошибкой I рода α:
    (1 − α)-квантиль max_k |Z_k| под нулевой гипотезой (здесь — симуляцией)."""
    return float(np.quantile(aa_max_z(n_looks, seed=seed), 1 - alpha))
# --8<-- [end:peeking]
