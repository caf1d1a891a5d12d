"""Регуляризация на NumPy: dropout (прямой и обратный проход), штрафы L1 и L2, проксимальный шаг
для L1, сглаживание меток (label smoothing), ранняя остановка; L2 против развязанного затухания
весов в Adam и рисунок «почему L1 даёт нули». Тесты сверяют с PyTorch."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure
from snippets.mlp import log_softmax

Array = np.ndarray


# --8<-- [start:dropout]
def dropout_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> Array:
    """Маска inverted dropout: m = ξ/(1 − p), ξ ~ Bernoulli(1 − p), так что E[m] = 1.

    >>> m = dropout_mask((100_000,), 0.25, np.random.default_rng(0))
    >>> sorted(set(m.round(4).tolist())), round(float(m.mean()), 2)
    ([0.0, 1.3333], 1.0)
    """
    if p >= 1.0:
        return np.zeros(shape)
    return (rng.random(shape) >= p) / (1.0 - p)


def dropout_forward(x: Array, mask: Array | None) -> Array:
    """Обучение: y = x ⊙ m. Инференс (mask = None): y = x — масштаб уже учтён в обучении."""
    return x if mask is None else x * mask


def dropout_backward(dy: Array, mask: Array) -> Array:
    """∂L/∂x = ∂L/∂y ⊙ m: градиент проходит только через выжившие нейроны, с тем же множителем.

    >>> dropout_backward(np.ones(4), np.array([2.0, 0.0, 2.0, 0.0])).tolist()
    [2.0, 0.0, 2.0, 0.0]
    """
    return dy * mask
# --8<-- [end:dropout]


# --8<-- [start:penalties]
def l2_penalty(params: list[Array], lam: float) -> tuple[float, list[Array]]:
    """R(θ) = (λ/2)·Σ‖W‖², ∇R = λW. Шаг SGD с ним: W ← (1 − ηλ)W − η∇L — «затухание весов».

    >>> l2_penalty([np.array([3.0, 4.0])], 0.1)
    (1.25, [array([0.3, 0.4])])
    """
    return 0.5 * lam * sum(float((w ** 2).sum()) for w in params), [lam * w for w in params]


def l1_penalty(params: list[Array], lam: float) -> tuple[float, list[Array]]:
    """R(θ) = λ·Σ|W|, субградиент λ·sign(W) (в нуле берём 0, как PyTorch).

    >>> l1_penalty([np.array([-2.0, 0.0, 0.5])], 0.1)
    (0.25, [array([-0.1,  0. ,  0.1])])
    """
    return lam * sum(float(np.abs(w).sum()) for w in params), [lam * np.sign(w) for w in params]


def soft_threshold(w: Array, t: float) -> Array:
    """Проксимальный оператор t·|w|: sign(w)·max(|w| − t, 0) — малые веса становятся ровно 0.

    >>> soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0).tolist()
    [-2.0, 0.0, 1.0]
    """
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


def lasso_ista(X: Array, y: Array, lam: float, steps: int = 500) -> Array:
    """Линейная регрессия с L1: min (1/2N)‖Xw − y‖² + λ‖w‖₁ проксимальным градиентом (ISTA):
    w ← soft(w − η∇, ηλ), η = 1/L, L — наибольшее собственное число XᵀX/N."""
    n = len(X)
    eta = n / np.linalg.eigvalsh(X.T @ X).max()
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = soft_threshold(w - eta * X.T @ (X @ w - y) / n, eta * lam)
    return w


def ridge(X: Array, y: Array, lam: float) -> Array:
    """Линейная регрессия с L2: min (1/2N)‖Xw − y‖² + (λ/2)‖w‖², решение (XᵀX/N + λI)⁻¹Xᵀy/N."""
    n, d = X.shape
    return np.linalg.solve(X.T @ X / n + lam * np.eye(d), X.T @ y / n)
# --8<-- [end:penalties]


# --8<-- [start:label-smoothing]
def label_smoothing_ce(logits: Array, y: Array, eps: float) -> tuple[float, Array]:
    """Цель q = (1 − ε)·onehot(y) + ε/K; L = −(1/N)Σ_i Σ_k q_ik log p_ik; ∂L/∂z = (p − q)/N.

    >>> loss, _ = label_smoothing_ce(np.array([[20.0, 0.0]]), np.array([0]), eps=0.1)
    >>> round(loss, 3)   # уверенный верный ответ теперь штрафуется
    1.0
    """
    n, k = logits.shape
    q = np.full((n, k), eps / k)
    q[np.arange(n), y] += 1.0 - eps
    logp = log_softmax(logits)
    return float(-(q * logp).sum() / n), (np.exp(logp) - q) / n
# --8<-- [end:label-smoothing]


# --8<-- [start:early-stopping]
class EarlyStopping:
    """Останов, если потеря на валидации не улучшалась на min_delta ``patience`` эпох подряд;
    лучшая эпоха запоминается, чтобы вернуть её веса.

    >>> es = EarlyStopping(patience=2)
    >>> [es.step(v) for v in [1.0, 0.8, 0.9, 0.85]], es.best_epoch
    ([False, False, False, True], 1)
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0) -> None:
        self.patience, self.min_delta = patience, min_delta
        self.best, self.best_epoch, self.epoch, self.stopped = np.inf, -1, -1, False

    def step(self, val_loss: float) -> bool:
        """Учесть потерю очередной эпохи; True — пора остановиться."""
        self.epoch += 1
        if val_loss < self.best - self.min_delta:
            self.best, self.best_epoch = val_loss, self.epoch
        self.stopped = self.stopped or self.epoch - self.best_epoch >= self.patience
        return self.stopped
# --8<-- [end:early-stopping]


# --8<-- [start:adam-decay]
def run_with_decay(grads: Array, rule: str, lr: float, lam: float,
                   betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> Array:
    """Веса после шагов по градиентам потерь ``grads`` (steps × d), старт w = 1, правила как в
    torch.optim: ``sgd-l2`` — SGD(weight_decay=λ), ``adam-l2`` — Adam(weight_decay=λ),
    ``adamw`` — AdamW(weight_decay=λ).

    L2 добавляет λw к градиенту (и в Adam делится на √v̂); AdamW затухает отдельно: w ← w − ηλw.
    """
    w, m, v = np.ones(grads.shape[1]), np.zeros(grads.shape[1]), np.zeros(grads.shape[1])
    for t, g in enumerate(grads, start=1):
        if rule == "adamw":
            w = w - lr * lam * w                          # развязанное затухание весов
        else:
            g = g + lam * w                               # градиент штрафа (λ/2)‖w‖²
        if rule == "sgd-l2":
            w = w - lr * g
            continue
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g ** 2
        m_hat, v_hat = m / (1 - betas[0] ** t), v / (1 - betas[1] ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w


def effective_decay(grad_scale: tuple[float, ...] = (10.0, 0.01), lam: float = 0.1,
                    steps: int = 20, seed: int = 0) -> dict[str, Array]:
    """λ_eff = (w_без − w_с)/(η·steps) для каждого веса: насколько затухание уменьшило вес.

    Градиент потерь — шум с масштабом ``grad_scale``, одинаковый в прогонах с затуханием и без.
    """
    grads = np.random.default_rng(seed).normal(size=(steps, len(grad_scale))) * grad_scale
    out = {}
    for name, rule, lr in (("SGD + L2", "sgd-l2", 1e-3), ("Adam + L2", "adam-l2", 1e-2),
                           ("AdamW", "adamw", 1e-2)):
        with_decay = run_with_decay(grads, rule, lr, lam)
        out[name] = (run_with_decay(grads, rule, lr, 0.0) - with_decay) / (lr * steps)
    return out
# --8<-- [end:adam-decay]


def _ellipse(center: Array, H: Array, level: float, n: int = 120) -> Array:
    """Линия уровня ½(w − w*)ᵀH(w − w*) = level: w = w* + √(2·level)·H^{−1/2}(cos φ, sin φ)."""
    vals, vecs = np.linalg.eigh(H)
    phi = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(phi), np.sin(phi)])
    return center[:, None] + np.sqrt(2 * level) * (vecs @ np.diag(vals ** -0.5) @ circle)


def constrained_minimum(center: Array, H: Array, q: int, t: float = 1.0) -> Array:
    """Минимум ½(w − w*)ᵀH(w − w*) на сфере ‖w‖_q = t (w* вне шара) перебором 20 000 точек."""
    phi = np.linspace(0, 2 * np.pi, 20_000, endpoint=False)
    u = np.stack([np.cos(phi), np.sin(phi)])
    w = t * u / np.linalg.norm(u, ord=q, axis=0)
    d = w - center[:, None]
    return w[:, np.argmin(0.5 * np.einsum("ik,ij,jk->k", d, H, d))]


def l1_l2_figure(center: tuple[float, float] = (2.0, 0.5),
                 H: tuple[tuple[float, ...], ...] = ((3.0, 0.5), (0.5, 1.0))) -> go.Figure:
    """Линии уровня квадратичной потери и шары ‖w‖₁ ≤ 1 (ромб) и ‖w‖₂ ≤ 1 (круг).

    Решение задачи с ограничением — точка, где линия уровня впервые касается шара.
    """
    c, Hm = np.array(center), np.array(H)
    fig = new_figure("Почему L1 даёт нули: линии уровня потерь касаются ромба в вершине")
    fig.set_subplots(1, 2, subplot_titles=["L1: ‖w‖₁ ≤ 1", "L2: ‖w‖₂ ≤ 1"],
                     horizontal_spacing=0.08)
    phi = np.linspace(0, 2 * np.pi, 200)
    balls = {1: np.array([[1, 0, -1, 0, 1], [0, 1, 0, -1, 0]]),
             2: np.stack([np.cos(phi), np.sin(phi)])}
    for col, q in enumerate((1, 2), start=1):
        w = constrained_minimum(c, Hm, q)
        touch = 0.5 * (w - c) @ Hm @ (w - c)
        fig.add_scatter(x=balls[q][0], y=balls[q][1], fill="toself", mode="lines", name="шар",
                        line=dict(color="#2ca02c"), opacity=0.5, showlegend=col == 1,
                        hoverinfo="skip", row=1, col=col)
        for k, level in enumerate(touch * np.array([0.15, 0.45, 1.0, 1.6])):
            e = _ellipse(c, Hm, level).round(3)
            fig.add_scatter(x=e[0], y=e[1], mode="lines", hoverinfo="skip",
                            line=dict(color="#1f77b4", width=3 if level == touch else 1),
                            name="линии уровня потерь", showlegend=col == 1 and k == 0,
                            row=1, col=col)
        fig.add_scatter(x=[c[0]], y=[c[1]], mode="markers", name="минимум без штрафа w*",
                        marker=dict(color="#1f77b4", size=9, symbol="x"),
                        showlegend=col == 1, row=1, col=col)
        fig.add_scatter(x=[round(w[0], 3)], y=[round(w[1], 3)], mode="markers",
                        name="решение с ограничением", marker=dict(color="#d62728", size=11),
                        showlegend=col == 1, row=1, col=col,
                        hovertemplate="w = (%{x}, %{y})<extra></extra>")
        fig.update_xaxes(title_text="w₁", range=[-1.5, 4.0], constrain="domain", row=1, col=col)
        fig.update_yaxes(title_text="w₂", range=[-1.5, 2.5], constrain="domain",
                         scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_layout(height=480, legend=dict(orientation="h", yanchor="top", y=-0.3),
                      margin=dict(b=40))
    return fig
