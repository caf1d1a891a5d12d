"""Затухание и взрыв градиентов: измерение по слоям, и отсечение градиента (clipping)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure
from snippets.mlp import MLP, softmax_cross_entropy

Array = np.ndarray


# --8<-- [start:layer-norms]
def layer_grad_norms(depth: int = 20, width: int = 64, activation: str = "tanh",
                     init: str = "xavier", n: int = 128, seed: int = 0) -> Array:
    """‖∂L/∂W_l‖_F для каждого из ``depth`` скрытых слоёв глубокой сети на случайных данных.

    Вход ~ N(0, I), метки случайные из 10 классов, потеря — кросс-энтропия.

    >>> g = layer_grad_norms(depth=10, activation="sigmoid", init="xavier")
    >>> bool(g[0] < g[-1] / 100)   # у входа градиент в сотни раз меньше
    True
    """
    rng = np.random.default_rng(seed)
    net = MLP([width] * (depth + 1) + [10], activation=activation, init=init, seed=seed)
    X = rng.normal(size=(n, width))
    y = rng.integers(0, 10, size=n)
    net.loss(X, y)
    return np.array([np.linalg.norm(net.grads[2 * i]) for i in range(depth)])
# --8<-- [end:layer-norms]


SETUPS = [("sigmoid", "xavier", "sigmoid + Xavier"), ("tanh", "small", "tanh + N(0; 0,01²)"),
          ("tanh", "large", "tanh + N(0; 1)"), ("tanh", "xavier", "tanh + Xavier"),
          ("relu", "xavier", "ReLU + Xavier"), ("relu", "he", "ReLU + He")]


def grad_norms_table(depth: int = 20) -> str:
    """Таблица Markdown: норма градиента у входа и у выхода и их отношение для каждой настройки."""
    rows = ["| Активация + инициализация | ‖∂L/∂W₁‖ | ‖∂L/∂W₂₀‖ | отношение |", "|---|---|---|---|"]
    for act, init, label in SETUPS:
        g = layer_grad_norms(depth=depth, activation=act, init=init)
        rows.append(f"| {label} | {g[0]:.1e} | {g[-1]:.1e} | {g[0] / g[-1]:.1e} |")
    return "\n".join(rows)


def grad_norms_figure(depth: int = 20) -> go.Figure:
    """Норма градиента по слоям (лог-шкала) для разных активаций и инициализаций."""
    fig = new_figure("Норма градиента ‖∂L/∂W_l‖ по слоям сети глубины 20",
                     "номер слоя l (1 — у входа)", "норма градиента (лог. шкала)")
    layers = np.arange(1, depth + 1)
    for act, init, label in SETUPS:
        g = layer_grad_norms(depth=depth, activation=act, init=init)
        fig.add_scatter(x=layers, y=[float(f"{v:.3g}") for v in g], mode="lines+markers",
                        name=label)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# --8<-- [start:clip]
def clip_by_value(grads: list[Array], c: float) -> list[Array]:
    """Покомпонентное отсечение: g ← min(max(g, −c), c). Меняет направление вектора.

    >>> clip_by_value([np.array([-3.0, 0.5, 2.0])], 1.0)[0]
    array([-1. ,  0.5,  1. ])
    """
    return [np.clip(g, -c, c) for g in grads]


def clip_by_global_norm(grads: list[Array], max_norm: float,
                        eps: float = 1e-6) -> tuple[list[Array], float]:
    """Отсечение по общей норме: ‖g‖ = sqrt(Σ_p ‖g_p‖²); если ‖g‖ > c, то g ← g · c/(‖g‖ + ε).

    Направление сохраняется, меняется только длина шага. Возвращает (новые градиенты, ‖g‖ до
    отсечения) — как ``torch.nn.utils.clip_grad_norm_``.

    >>> g, total = clip_by_global_norm([np.array([3.0]), np.array([4.0])], max_norm=1.0)
    >>> total, [round(float(x[0]), 4) for x in g]
    (5.0, [0.6, 0.8])
    """
    total = float(np.sqrt(sum(float((g**2).sum()) for g in grads)))
    scale = min(1.0, max_norm / (total + eps))
    return [g * scale for g in grads], total
# --8<-- [end:clip]


def backprop_vs_numeric_cost(sizes: list[int]) -> dict[str, int]:
    """Сколько проходов по сети нужно для полного градиента.

    Считаем в «прямых проходах»: backprop = 1 прямой + 1 обратный ≈ 3 прямых (в обратном два
    матричных умножения на слой вместо одного); численно (центральная разность) — 2 прямых на
    каждый из P параметров.

    >>> backprop_vs_numeric_cost([784, 128, 10])["параметров"]
    101770
    """
    p = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return {"параметров": p, "backprop, прямых проходов": 3, "численно, прямых проходов": 2 * p,
            "во сколько раз дороже": round(2 * p / 3)}


# --8<-- [start:maxpool]
def max_pool2d(x: Array, k: int = 2) -> tuple[Array, Array]:
    """Max-pooling окном k×k с шагом k для карты (H, W), H и W делятся на k.

    Возвращает выход (H/k, W/k) и маску: 1 в позиции максимума каждого окна (при равенстве —
    первая в порядке строк, как в PyTorch), 0 в остальных.

    >>> out, mask = max_pool2d(np.array([[1.0, 3.0], [3.0, 2.0]]))
    >>> out.tolist(), mask.tolist()
    ([[3.0]], [[0.0, 1.0], [0.0, 0.0]])
    """
    h, w = x.shape
    win = x.reshape(h // k, k, w // k, k).transpose(0, 2, 1, 3).reshape(h // k, w // k, k * k)
    idx = win.argmax(axis=-1)                               # argmax берёт первый максимум
    onehot = np.eye(k * k)[idx]                             # (H/k, W/k, k·k)
    mask = onehot.reshape(h // k, w // k, k, k).transpose(0, 2, 1, 3).reshape(h, w)
    return win.max(axis=-1), mask


def max_pool2d_backward(dy: Array, mask: Array, k: int = 2) -> Array:
    """∂L/∂x = маска ⊙ (∂L/∂y, растянутый на окна): градиент окна целиком идёт в его максимум.

    >>> max_pool2d_backward(np.array([[5.0]]), np.array([[0.0, 1.0], [0.0, 0.0]])).tolist()
    [[0.0, 5.0], [0.0, 0.0]]
    """
    return mask * np.kron(dy, np.ones((k, k)))
# --8<-- [end:maxpool]


def loss_of(net: MLP, X: Array, y: Array) -> float:
    """Потеря без обновления градиентов (для численных проверок)."""
    return softmax_cross_entropy(net.forward(X), y)[0]
