"""Правила обновления на NumPy: SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW.

Семантика (порядок операций, место ε, затравка буферов) совпадает с ``torch.optim``:
это проверяет ``tests/snippets/test_optimizers.py``.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:base]
class Optimizer:
    """Общий цикл: t ← t + 1, затем ``update`` каждого параметра на месте со своим состоянием."""

    def __init__(self, lr: float):
        self.lr, self.t = lr, 0
        self.state: dict[int, dict[str, Array]] = {}

    def step(self, params: list[Array], grads: list[Array]) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            self.update(p, g, self.state.setdefault(i, {}))

    def update(self, p: Array, g: Array, state: dict[str, Array]) -> None:
        raise NotImplementedError
# --8<-- [end:base]


# --8<-- [start:sgd]
class SGD(Optimizer):
    """SGD с моментом: v ← μv + g, θ ← θ − ηv; Нестеров: θ ← θ − η(g + μv).

    L2-регуляризация: g ← g + λθ. Буфер v на первом шаге равен g (как в PyTorch).

    >>> p = np.array([1.0]); opt = SGD(lr=0.1, momentum=0.9)
    >>> for _ in range(2): opt.step([p], [np.array([1.0])])
    >>> p   # 1 − 0.1·1 − 0.1·(0.9 + 1)
    array([0.71])
    """

    def __init__(self, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(lr)
        self.mu, self.nesterov, self.wd = momentum, nesterov, weight_decay

    def update(self, p, g, state):
        g = g + self.wd * p
        if self.mu:
            v = state["v"] = g.copy() if "v" not in state else self.mu * state["v"] + g
            g = g + self.mu * v if self.nesterov else v
        p -= self.lr * g
# --8<-- [end:sgd]


# --8<-- [start:adagrad]
class AdaGrad(Optimizer):
    """AdaGrad: G ← G + g², θ ← θ − η·g / (√G + ε). Шаг по координате только убывает.

    >>> p = np.array([1.0, 1.0]); opt = AdaGrad(lr=0.5)
    >>> opt.step([p], [np.array([100.0, 0.01])]); p.round(6)   # шаг η независимо от |g|
    array([0.5, 0.5])
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0):
        super().__init__(lr)
        self.eps, self.wd = eps, weight_decay

    def update(self, p, g, state):
        g = g + self.wd * p
        state["G"] = state.get("G", 0.0) + g * g
        p -= self.lr * g / (np.sqrt(state["G"]) + self.eps)
# --8<-- [end:adagrad]


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """RMSProp: s ← αs + (1 − α)g², θ ← θ − η·g / (√s + ε). Забывает старые градиенты.

    >>> p = np.array([0.0]); opt = RMSProp(lr=0.01, alpha=0.99)
    >>> opt.step([p], [np.array([2.0])]); p.round(6)   # √s = √0.01·|g| → шаг 0.1
    array([-0.1])
    """

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(lr)
        self.alpha, self.eps, self.wd = alpha, eps, weight_decay

    def update(self, p, g, state):
        g = g + self.wd * p
        state["s"] = self.alpha * state.get("s", 0.0) + (1 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(state["s"]) + self.eps)
# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
    θ ← θ − η·m̂ / (√v̂ + ε).

    ``weight_decay`` — L2 внутри градиента (g ← g + λθ, как ``torch.optim.Adam``); с
    ``decoupled=True`` — AdamW: θ ← θ(1 − ηλ) отдельно от адаптивного шага.

    >>> p = np.array([0.0, 0.0]); opt = Adam(lr=0.1)
    >>> opt.step([p], [np.array([1e-3, 1e3])]); p.round(4)   # первый шаг ≈ η·sign(g)
    array([-0.1, -0.1])
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, decoupled: bool = False):
        super().__init__(lr)
        (self.b1, self.b2), self.eps, self.wd, self.decoupled = betas, eps, weight_decay, decoupled

    def update(self, p, g, state):
        if self.decoupled:
            p *= 1 - self.lr * self.wd             # AdamW: затухание весов мимо m и v
        else:
            g = g + self.wd * p                    # Adam + L2: λθ попадает в m и v
        state["m"] = self.b1 * state.get("m", 0.0) + (1 - self.b1) * g
        state["v"] = self.b2 * state.get("v", 0.0) + (1 - self.b2) * g * g
        m_hat = state["m"] / (1 - self.b1 ** self.t)   # поправка на смещение к нулю
        v_hat = state["v"] / (1 - self.b2 ** self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019): Adam с развязанным затуханием весов, λ = 0.01.

    >>> p = np.array([2.0]); AdamW(lr=0.1, weight_decay=0.5).step([p], [np.array([0.0])]); p
    array([1.9])
    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01):
        super().__init__(lr, betas, eps, weight_decay, decoupled=True)
# --8<-- [end:adam]


__all__ = ["Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW"]
