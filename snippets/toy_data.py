"""Игрушечные двумерные данные для демонстраций (без скачивания)."""

from __future__ import annotations

import numpy as np


def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Спирали: класс k — точки r·(sin t, cos t), r ∈ [0, 1], t = 4r + 4k + шум N(0, noise²)
    (как в cs231n).

    >>> X, y = spirals(50, 3); X.shape, np.bincount(y).tolist()
    ((150, 2), [50, 50, 50])
    """
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.repeat(np.arange(n_classes), n_per_class)
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(0, noise, n_per_class)
        X[k * n_per_class:(k + 1) * n_per_class] = np.c_[r * np.sin(t), r * np.cos(t)]
    return X, y
