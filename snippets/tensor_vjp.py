"""VJP тензорных операций: матричное умножение, смещение с broadcasting, softmax — без якобианов."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:vjp]
def matmul_vjp(X: Array, W: Array, G: Array) -> tuple[Array, Array]:
    """Y = XW, G = ∂L/∂Y (B×m): X̄ = G Wᵀ, W̄ = Xᵀ G (из dL = tr(Gᵀ dX W) + tr(Gᵀ X dW)).

    >>> X, W, G = np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4))
    >>> [a.shape for a in matmul_vjp(X, W, G)]      # формы как у X и W
    [(2, 3), (3, 4)]
    """
    return G @ W.T, X.T @ G


def unbroadcast(G: Array, shape: tuple[int, ...]) -> Array:
    """VJP broadcasting: градиент по тензору, размноженному до формы G, — сумма по
    размноженным осям (Y = X + b, b формы (m,) -> b̄ = Σ_по пакету G).

    >>> unbroadcast(np.ones((4, 3)), (3,)), unbroadcast(np.ones((4, 3)), (4, 1)).ravel()
    (array([4., 4., 4.]), array([3., 3., 3., 3.]))
    """
    while G.ndim > len(shape):                     # добавленные слева оси
        G = G.sum(axis=0)
    for axis, n in enumerate(shape):               # оси длины 1, растянутые до G.shape[axis]
        if n == 1 and G.shape[axis] != 1:
            G = G.sum(axis=axis, keepdims=True)
    return G


def softmax(Z: Array) -> Array:
    """Softmax по последней оси (со сдвигом на максимум против переполнения)."""
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def softmax_vjp(Y: Array, G: Array) -> Array:
    """y = softmax(z), якобиан J = diag(y) − yyᵀ; VJP: z̄ = Jᵀḡ = y ⊙ (ḡ − ⟨ḡ, y⟩) за O(n), не O(n²).

    >>> y = softmax(np.array([0.0, 0.0])); softmax_vjp(y, np.array([1.0, 0.0]))
    array([ 0.25, -0.25])
    """
    return Y * (G - (G * Y).sum(axis=-1, keepdims=True))
# --8<-- [end:vjp]


def jacobian_vs_vjp_sizes(batch: int, n_in: int, n_out: int) -> tuple[int, int]:
    """Y = XW, X: B×n, W: n×m. Число элементов якобиана ∂Y/∂W и число умножений в W̄ = XᵀG.

    >>> jacobian_vs_vjp_sizes(2, 3, 4)
    (96, 24)
    """
    return batch * n_out * n_in * n_out, n_in * batch * n_out


__all__ = ["matmul_vjp", "unbroadcast", "softmax", "softmax_vjp", "jacobian_vs_vjp_sizes"]
