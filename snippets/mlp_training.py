"""Обучение перцептрона с нуля «как в жизни»: отложенная выборка, любой оптимизатор
(SGD с моментом, Adam, AdamW из ``snippets.optimizers``), L2 и накопление градиента.

Сеть и её обратный проход — ``snippets.mlp.MLP``; здесь только цикл обучения вокруг них.
"""

from __future__ import annotations

import numpy as np

from snippets.mlp import MLP, iterate_minibatches, softmax_cross_entropy
from snippets.optimizers import Optimizer

Array = np.ndarray


# --8<-- [start:split]
def train_val_split(X: Array, y: Array, val_frac: float = 0.2,
                    seed: int = 0) -> tuple[Array, Array, Array, Array]:
    """Случайное разбиение на обучение и валидацию (для независимых примеров; ряды делят по времени).

    >>> Xtr, ytr, Xva, yva = train_val_split(np.arange(10.0)[:, None], np.arange(10), 0.3)
    >>> len(Xtr), len(Xva), sorted(np.r_[ytr, yva].tolist()) == list(range(10))
    (7, 3, True)
    """
    idx = np.random.default_rng(seed).permutation(len(X))
    n_val = round(val_frac * len(X))
    va, tr = idx[:n_val], idx[n_val:]
    return X[tr], y[tr], X[va], y[va]
# --8<-- [end:split]


# --8<-- [start:accumulate]
def accumulated_grads(model: MLP, X: Array, y: Array, micro: int) -> list[Array]:
    """Градиент средней потери по пакету (X, y), собранный из микропакетов по ``micro`` примеров:
    g = Σ_k (n_k / N)·g_k — то же, что один проход по всему пакету, но в памяти только микропакет.

    >>> net, rng = MLP([3, 4, 2], seed=0), np.random.default_rng(0)
    >>> X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    >>> full = (net.loss(X, y), [g.copy() for g in net.grads])[1]
    >>> all(np.allclose(a, b) for a, b in zip(full, accumulated_grads(net, X, y, micro=3)))
    True
    """
    total = [np.zeros_like(p) for p in model.params]
    for s in range(0, len(X), micro):
        model.loss(X[s:s + micro], y[s:s + micro])          # градиент среднего по микропакету
        w = len(X[s:s + micro]) / len(X)
        for acc, g in zip(total, model.grads):
            acc += w * g
    return total
# --8<-- [end:accumulate]


# --8<-- [start:fit]
def fit_with(model: MLP, opt: Optimizer, X: Array, y: Array, X_val: Array, y_val: Array,
             epochs: int, batch_size: int, micro: int | None = None,
             seed: int = 0) -> dict[str, list[float]]:
    """Мини-пакетное обучение с оптимизатором ``opt`` (L2 — его ``weight_decay``); после каждой
    эпохи — потеря на обучении и на валидации. ``micro`` — размер микропакета для накопления.

    >>> from snippets.optimizers import Adam
    >>> rng = np.random.default_rng(0); X = rng.normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> h = fit_with(MLP([2, 8, 2]), Adam(lr=0.05), X[:30], y[:30], X[30:], y[30:], 20, 10)
    >>> len(h["val"]), h["train"][-1] < h["train"][0] / 2
    (20, True)
    """
    rng = np.random.default_rng(seed)
    hist: dict[str, list[float]] = {"train": [], "val": []}
    for _ in range(epochs):
        for xb, yb in iterate_minibatches(X, y, batch_size, rng):
            if micro is None:
                model.loss(xb, yb)
                grads = model.grads
            else:
                grads = accumulated_grads(model, xb, yb, micro)
            opt.step(model.params, grads)
        hist["train"].append(softmax_cross_entropy(model.forward(X), y)[0])
        hist["val"].append(softmax_cross_entropy(model.forward(X_val), y_val)[0])
    return hist
# --8<-- [end:fit]
