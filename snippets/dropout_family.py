"""Родственники dropout на NumPy: ограничение нормы весов (max-norm), DropConnect, гауссов
dropout, маски dropout для RNN (общая маска на всю последовательность, Gal & Ghahramani, 2016)."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:max-norm]
def max_norm(W: Array, c: float) -> Array:
    """Проекция на шар: каждый столбец W (входящие веса одного нейрона, W ∈ R^{d_in×d_out})
    с нормой больше c масштабируется до нормы c: w_j ← w_j · min(1, c/‖w_j‖₂).
    Делается после каждого шага оптимизатора (Srivastava et al., 2014, §5.1).

    >>> max_norm(np.array([[3.0, 0.3], [4.0, 0.4]]), c=1.0).round(2).tolist()
    [[0.6, 0.3], [0.8, 0.4]]
    """
    norms = np.linalg.norm(W, axis=0, keepdims=True)
    return W * np.minimum(1.0, c / np.maximum(norms, 1e-12))
# --8<-- [end:max-norm]


# --8<-- [start:dropconnect]
def dropconnect_forward(X: Array, W: Array, b: Array, p: float,
                        rng: np.random.Generator) -> tuple[Array, Array]:
    """DropConnect (Wan et al., 2013) в обучении: каждый вес выключается с вероятностью p.

    Y = X (W ⊙ M)/(1 − p) + b, M_ik ~ Bernoulli(1 − p). Маска своя у каждого примера пакета:
    форма (N, d_in, d_out). Возвращает (Y, маска с множителем 1/(1 − p)).

    >>> Y, M = dropconnect_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4), 0.0,
    ...                            np.random.default_rng(0))
    >>> Y.tolist()[0], M.shape
    ([3.0, 3.0, 3.0, 3.0], (2, 3, 4))
    """
    M = (rng.random((X.shape[0], *W.shape)) >= p) / (1.0 - p)
    return np.einsum("ni,nik->nk", X, W * M) + b, M


def dropconnect_backward(dY: Array, X: Array, W: Array, M: Array) -> tuple[Array, Array]:
    """∂L/∂W = Σ_n x_nᵀ dY_n ⊙ M_n, ∂L/∂X_n = dY_n (W ⊙ M_n)ᵀ: градиент идёт только через
    сохранённые веса.

    >>> dW, dX = dropconnect_backward(np.ones((1, 2)), np.ones((1, 2)), np.ones((2, 2)),
    ...                               np.array([[[2.0, 0.0], [0.0, 2.0]]]))
    >>> dW.tolist(), dX.tolist()
    ([[2.0, 0.0], [0.0, 2.0]], [[2.0, 2.0]])
    """
    dW = np.einsum("ni,nk,nik->ik", X, dY, M)
    dX = np.einsum("nk,nik->ni", dY, W * M)
    return dW, dX
# --8<-- [end:dropconnect]


# --8<-- [start:gaussian]
def gaussian_dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> Array:
    """Гауссов dropout: m ~ N(1, p/(1 − p)) — то же среднее 1 и та же дисперсия, что у маски
    inverted dropout ξ/(1 − p) (Srivastava et al., 2014, §10).

    >>> m = gaussian_dropout_mask((200_000,), 0.5, np.random.default_rng(0))
    >>> round(float(m.mean()), 2), round(float(m.var()), 2)
    (1.0, 1.0)
    """
    return 1.0 + np.sqrt(p / (1.0 - p)) * rng.normal(size=shape)
# --8<-- [end:gaussian]


# --8<-- [start:rnn-masks]
def rnn_dropout_masks(steps: int, batch: int, dim: int, p: float, rng: np.random.Generator,
                      variational: bool = True) -> Array:
    """Маски dropout для последовательности (steps, batch, dim).

    ``variational=True`` (Gal & Ghahramani, 2016): одна маска на пример для всех шагов — одни и
    те же нейроны выключены на всей последовательности, поэтому маску можно ставить и на
    рекуррентную связь h_{t−1}. ``False``: новая маска на каждом шаге — так делают только на
    нерекуррентных связях (Zaremba et al., 2014).

    >>> m = rnn_dropout_masks(5, 2, 3, 0.5, np.random.default_rng(0))
    >>> bool((m == m[0]).all()), m.shape
    (True, (5, 2, 3))
    """
    if variational:
        one = (rng.random((1, batch, dim)) >= p) / (1.0 - p)
        return np.repeat(one, steps, axis=0)
    return (rng.random((steps, batch, dim)) >= p) / (1.0 - p)
# --8<-- [end:rnn-masks]


__all__ = ["dropconnect_backward", "dropconnect_forward", "gaussian_dropout_mask", "max_norm",
           "rnn_dropout_masks"]
