"""Многослойный перцептрон на NumPy с обратным проходом, написанным вручную.

Соглашение книги: пакет — строки, слой считает ``Y = XW + b``,
X ∈ R^{N×d_in}, W ∈ R^{d_in×d_out}. Тесты сверяют градиенты с ``torch.autograd``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from snippets.activations import ACTIVATIONS

Array = np.ndarray


# --8<-- [start:init]
def init_weight(fan_in: int, fan_out: int, scheme: str, rng: np.random.Generator) -> Array:
    """Матрица весов d_in×d_out из N(0, s²).

    ``xavier``: s² = 2/(fan_in + fan_out) (Glorot & Bengio, 2010);
    ``he``: s² = 2/fan_in (He et al., 2015); ``small``: s = 0,01; ``large``: s = 1.

    >>> w = init_weight(1000, 1000, "he", np.random.default_rng(0)); round(float(w.var()), 4)
    0.002
    """
    std = {"xavier": np.sqrt(2.0 / (fan_in + fan_out)), "he": np.sqrt(2.0 / fan_in),
           "small": 0.01, "large": 1.0}[scheme]
    return rng.normal(0.0, std, size=(fan_in, fan_out))
# --8<-- [end:init]


# --8<-- [start:loss]
def log_softmax(z: Array) -> Array:
    """log softmax(z)_k = z_k − logsumexp(z); вычитаем max, чтобы exp не переполнялся.

    >>> np.exp(log_softmax(np.array([[1000.0, 1000.0]])))
    array([[0.5, 0.5]])
    """
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits: Array, y: Array) -> tuple[float, Array]:
    """L = −(1/N) Σ_i log p_{i,y_i}; ∂L/∂z = (softmax(z) − onehot(y)) / N.

    >>> loss, dz = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
    >>> round(loss, 4), dz[0].round(3).tolist()
    (1.3863, [-0.375, 0.125, 0.125, 0.125])
    """
    n = logits.shape[0]
    logp = log_softmax(logits)
    dz = np.exp(logp)
    dz[np.arange(n), y] -= 1.0
    return float(-logp[np.arange(n), y].mean()), dz / n
# --8<-- [end:loss]


# --8<-- [start:mlp]
class MLP:
    """Полносвязная сеть: (Linear → активация) × (L−1) → Linear (логиты).

    >>> net = MLP([2, 8, 3], seed=0)
    >>> net.forward(np.ones((5, 2))).shape, [p.shape for p in net.params]
    ((5, 3), [(2, 8), (8,), (8, 3), (3,)])
    """

    def __init__(self, sizes: list[int], activation: str = "relu", init: str = "he",
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.act, self.d_act = ACTIVATIONS[activation]
        self.params: list[Array] = []
        for d_in, d_out in zip(sizes[:-1], sizes[1:]):
            self.params += [init_weight(d_in, d_out, init, rng), np.zeros(d_out)]
        self.grads = [np.zeros_like(p) for p in self.params]

    def forward(self, X: Array) -> Array:
        """Прямой проход; запоминает входы слоёв и пре-активации для backward."""
        self.cache = []
        h = X
        n_layers = len(self.params) // 2
        for i in range(n_layers):
            W, b = self.params[2 * i], self.params[2 * i + 1]
            z = h @ W + b                                   # Z = HW + b
            self.cache.append((h, z))
            h = self.act(z) if i < n_layers - 1 else z      # последний слой — логиты
        return h

    def backward(self, dout: Array) -> None:
        """Обратный проход от ∂L/∂(логиты); заполняет self.grads.

        Для слоя Z = HW + b: ∂L/∂W = Hᵀ·∂L/∂Z, ∂L/∂b = Σ_i ∂L/∂Z_i, ∂L/∂H = ∂L/∂Z·Wᵀ;
        через активацию: ∂L/∂Z = ∂L/∂A ⊙ f′(Z).
        """
        n_layers = len(self.params) // 2
        dz = dout
        for i in reversed(range(n_layers)):
            h, _ = self.cache[i]
            W = self.params[2 * i]
            self.grads[2 * i] = h.T @ dz
            self.grads[2 * i + 1] = dz.sum(axis=0)
            if i > 0:
                dz = (dz @ W.T) * self.d_act(self.cache[i - 1][1])
# --8<-- [end:mlp]

    def loss(self, X: Array, y: Array) -> float:
        """Кросс-энтропия на (X, y) и градиенты всех параметров в self.grads."""
        loss, dz = softmax_cross_entropy(self.forward(X), y)
        self.backward(dz)
        return loss


# --8<-- [start:gradcheck]
def gradient_check(model: MLP, X: Array, y: Array, eps: float = 1e-5) -> float:
    """max |g_an − g_num| / max(|g_an| + |g_num|, 1e-12) по всем параметрам.

    g_num = (L(θ + ε e_j) − L(θ − ε e_j)) / 2ε — центральная разность, ошибка O(ε²).
    Норма ≲ 1e-6 в float64 означает, что backward написан верно.

    >>> rng = np.random.default_rng(0)
    >>> net = MLP([3, 5, 2], activation="tanh", seed=1)
    >>> gradient_check(net, rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])) < 1e-6
    True
    """
    model.loss(X, y)
    analytic = [g.copy() for g in model.grads]
    worst = 0.0
    for p, g in zip(model.params, analytic):
        for j in np.ndindex(p.shape):
            old = p[j]
            p[j] = old + eps
            plus, _ = softmax_cross_entropy(model.forward(X), y)
            p[j] = old - eps
            minus, _ = softmax_cross_entropy(model.forward(X), y)
            p[j] = old
            num = (plus - minus) / (2 * eps)
            worst = max(worst, abs(g[j] - num) / max(abs(g[j]) + abs(num), 1e-12))
    return float(worst)
# --8<-- [end:gradcheck]


# --8<-- [start:fit]
def iterate_minibatches(X: Array, y: Array, batch_size: int,
                        rng: np.random.Generator) -> Iterator[tuple[Array, Array]]:
    """Одна эпоха: случайная перестановка и нарезка на пакеты (последний может быть меньше).

    >>> [len(b) for b, _ in iterate_minibatches(np.zeros((10, 1)), np.zeros(10), 4,
    ...                                         np.random.default_rng(0))]
    [4, 4, 2]
    """
    idx = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        j = idx[start:start + batch_size]
        yield X[j], y[j]


def fit(model: MLP, X: Array, y: Array, lr: float = 0.1, epochs: int = 100,
        batch_size: int = 32, seed: int = 0) -> list[float]:
    """Мини-пакетный SGD: θ ← θ − η·∇L_batch(θ). Возвращает потерю на всей выборке по эпохам."""
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        for xb, yb in iterate_minibatches(X, y, batch_size, rng):
            model.loss(xb, yb)
            for p, g in zip(model.params, model.grads):
                p -= lr * g
        history.append(softmax_cross_entropy(model.forward(X), y)[0])
    return history
# --8<-- [end:fit]


def accuracy(model: MLP, X: Array, y: Array) -> float:
    """Доля верных ответов argmax(логиты).

    >>> net = MLP([2, 2], seed=0); net.params[0][:] = np.eye(2)
    >>> accuracy(net, np.eye(2), np.array([0, 1]))
    1.0
    """
    return float((model.forward(X).argmax(axis=1) == y).mean())
