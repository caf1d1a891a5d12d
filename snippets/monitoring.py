"""Качество без меток: оценка точности по уверенности модели (CBPE-подобная) при сдвиге входов
и почему она слепа к дрейфу концепции. Синтетика с известной истиной: логистическая модель,
совпадающая с истинным правилом, поэтому её вероятности откалиброваны.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:cbpe]
def estimated_accuracy(proba: Array) -> float:
    """Ожидаемая точность откалиброванного классификатора без меток: среднее max_k p_k
    (P(ответ верен | x) = max_k p_k при калибровке). Идея CBPE из NannyML.

    >>> estimated_accuracy(np.array([[0.9, 0.1], [0.6, 0.4]]))
    0.75
    """
    return float(proba.max(axis=1).mean())


def shifted_batch(shift: float, flip: bool = False, n: int = 5000,
                  seed: int = 0) -> tuple[Array, Array, Array]:
    """x ~ N(2 − shift, 1): при росте shift примеры подходят к границе x = 0, и задача трудней.
    Истина: P(y = 1 | x) = σ(2x) (при ``flip`` — σ(−2x), дрейф концепции). Модель — σ(2x).
    Возвращает (вероятности модели N×2, метки, предсказания)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0 - shift, 1.0, n)
    p_true = 1 / (1 + np.exp(-2 * x * (-1 if flip else 1)))
    y = (rng.random(n) < p_true).astype(int)
    p1 = 1 / (1 + np.exp(-2 * x))
    return np.c_[1 - p1, p1], y, (p1 > 0.5).astype(int)
# --8<-- [end:cbpe]
