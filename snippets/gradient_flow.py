"""Как градиент проходит через глубокую сеть и через время: масштаб инициализации против нормы
сигнала ошибки по слоям, произведение якобианов RNN (условие Pascanu et al., 2013) и потеря
малых градиентов в float16 с масштабированием потери (loss scaling)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import explorable
from snippets.mlp import MLP, softmax_cross_entropy

Array = np.ndarray


# --8<-- [start:signal]
def scaled_mlp(depth: int, width: int, activation: str, var_scale: float, seed: int = 0) -> MLP:
    """Перцептрон depth скрытых слоёв ширины width → 10 классов, веса W ~ N(0, var_scale/n_in).

    var_scale = n_in·Var(w): 1 — LeCun (≈ Xavier для квадратных слоёв), 2 — He.

    >>> net = scaled_mlp(3, 500, "relu", 2.0); round(float(net.params[0].var() * 500), 2)
    2.0
    """
    rng = np.random.default_rng(seed)
    net = MLP([width] * (depth + 1) + [10], activation=activation, seed=seed)
    for i in range(0, len(net.params), 2):
        n_in, n_out = net.params[i].shape
        net.params[i] = rng.normal(0.0, np.sqrt(var_scale / n_in), size=(n_in, n_out))
    return net


def backprop_signal_norms(activation: str, var_scale: float, depth: int = 20, width: int = 64,
                          n: int = 128, seed: int = 0) -> Array:
    """‖Δ_l‖_F = ‖∂L/∂Z_l‖_F для скрытых слоёв l = 1..depth: рекурсия Δ_{l−1} = (Δ_l W_lᵀ) ⊙ f′(Z_{l−1}).

    Вход ~ N(0, I), случайные метки 10 классов, потеря — кросс-энтропия.

    >>> g = backprop_signal_norms("relu", 2.0)              # He: сигнал ошибки держит масштаб
    >>> bool(0.3 < g[0] / g[-1] < 3)
    True
    >>> bool(backprop_signal_norms("relu", 1.0)[0] < 1e-2 * backprop_signal_norms("relu", 1.0)[-1])
    True
    """
    rng = np.random.default_rng(seed)
    net = scaled_mlp(depth, width, activation, var_scale, seed)
    X, y = rng.normal(size=(n, width)), rng.integers(0, 10, size=n)
    _, delta = softmax_cross_entropy(net.forward(X), y)          # Δ выходного слоя
    norms = []
    for i in range(depth, 0, -1):                                # от выхода к входу
        delta = (delta @ net.params[2 * i].T) * net.d_act(net.cache[i - 1][1])
        norms.append(np.linalg.norm(delta))
    return np.array(norms[::-1])
# --8<-- [end:signal]


INIT_SCALES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


def init_scale_traces(var_scale: float, depth: int = 20) -> list[go.Scatter]:
    """Трассы одного положения ползунка: ‖Δ_l‖ по слоям для tanh и ReLU."""
    layers = np.arange(1, depth + 1)
    return [go.Scatter(x=layers, y=backprop_signal_norms(act, var_scale, depth), name=name,
                       mode="lines+markers")
            for act, name in (("tanh", "tanh"), ("relu", "ReLU"))]


def init_scale_figure(values: tuple[float, ...] = INIT_SCALES, active: int = 3) -> go.Figure:
    """Ползунок по n·Var(w): норма сигнала ошибки по слоям сети глубины 20."""
    fig = explorable("Сигнал ошибки по слоям", "номер слоя l (1 — у входа)",
                     "‖∂L/∂Z_l‖ (лог. шкала)", "n·Var(w)", values, init_scale_traces,
                     active=active,
                     title_for=lambda v: f"Сигнал ошибки ‖∂L/∂Z_l‖ по 20 слоям при n·Var(w) = {v:g}")
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# --8<-- [start:bptt]
def bptt_jacobian_norms(sigma_max: float, steps: int = 50, hidden: int = 32,
                        activation: str = "tanh", seed: int = 0) -> Array:
    """‖∂h_T/∂h_{T−k}‖₂ для k = 1..steps у RNN h_t = f(W h_{t−1} + x_t) (столбцовая запись).

    W = σ_max·Q, Q — случайная ортогональная, так что все сингулярные числа W равны σ_max.
    ∂h_T/∂h_{T−k} = Π_{t=T−k+1}^{T} diag(f′(a_t))·W; граница Pascanu et al.: ≤ (γ σ_max)^k,
    γ = max|f′| (1 для tanh и линейной f).

    >>> g = bptt_jacobian_norms(0.9, steps=10, activation="linear"); round(float(g[-1]), 4)
    0.3487
    """
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
    W = sigma_max * Q
    xs = rng.normal(size=(steps, hidden))
    h, jacs = np.zeros(hidden), []
    for x in xs:                                          # прямой проход, запоминаем якобианы
        a = W @ h + x
        h, d = (a, np.ones(hidden)) if activation == "linear" else (np.tanh(a), 1 - np.tanh(a) ** 2)
        jacs.append(d[:, None] * W)                       # ∂h_t/∂h_{t−1} = diag(f′(a_t)) W
    prod, norms = np.eye(hidden), []
    for J in reversed(jacs):                              # ∂h_T/∂h_{T−k} = ∂h_T/∂h_{T−k+1} · J
        prod = prod @ J
        norms.append(np.linalg.norm(prod, 2))
    return np.array(norms)
# --8<-- [end:bptt]


# --8<-- [start:fp16]
FP16_MIN_SUBNORMAL, FP16_MIN_NORMAL, FP16_MAX = 2.0**-24, 2.0**-14, 65504.0


def fp16_fate(grads: Array, scale: float) -> dict[str, float]:
    """Доли ненулевых градиентов, которые после умножения на scale и перевода во float16
    обнулились (underflow), стали субнормальными (точность ниже 11 бит) или inf (overflow).

    >>> fp16_fate(np.array([1e-9, 1e-6, 1e-3]), scale=1.0)["в ноль"]
    0.3333333333333333
    >>> fp16_fate(np.array([1e-9, 1e-6, 1e-3]), scale=1024.0)["в ноль"]
    0.0
    """
    g = np.abs(grads[grads != 0]) * scale
    with np.errstate(over="ignore"):
        h = np.abs(g.astype(np.float16))
    return {"в ноль": float(np.mean(h == 0)),
            "субнормальные": float(np.mean((h > 0) & (h < FP16_MIN_NORMAL))),
            "в inf": float(np.mean(np.isinf(h)))}
# --8<-- [end:fp16]


def mlp_gradients(depth: int = 20, width: int = 64, activation: str = "relu",
                  init: str = "xavier", n: int = 128, seed: int = 0) -> Array:
    """Все компоненты градиента по параметрам (W и b) перцептрона на случайных данных (одним вектором).

    >>> mlp_gradients(depth=2, width=8, n=4).shape
    (234,)
    """
    rng = np.random.default_rng(seed)
    net = MLP([width] * (depth + 1) + [10], activation=activation, init=init, seed=seed)
    net.loss(rng.normal(size=(n, width)), rng.integers(0, 10, size=n))
    return np.concatenate([g.ravel() for g in net.grads])


LOSS_SCALES = tuple(2.0**k for k in (0, 4, 8, 12, 16, 20, 24, 28))


def loss_scaling_traces(scale: float, grads: Array, bins: Array) -> list[go.Bar]:
    """Гистограмма log₂|S·g| ненулевых градиентов для множителя S."""
    counts, _ = np.histogram(np.log2(np.abs(grads[grads != 0]) * scale), bins=bins)
    centers = (bins[:-1] + bins[1:]) / 2
    return [go.Bar(x=centers, y=counts / counts.sum(), name="градиенты", marker_line_width=0,
                   hovertemplate="log₂|S·g| ≈ %{x:.1f}: %{y:.1%}<extra></extra>")]


def loss_scaling_figure(values: tuple[float, ...] = LOSS_SCALES, active: int = 0) -> go.Figure:
    """Ползунок по множителю потери S: где градиенты сети оказываются в формате float16."""
    grads = mlp_gradients()
    bins = np.linspace(-50, 30, 81)

    def title(s: float) -> str:
        fate = fp16_fate(grads, s)
        return (f"S = 2^{int(np.log2(s))}: в ноль {fate['в ноль']:.1%}, субнормальных "
                f"{fate['субнормальные']:.1%}, в inf {fate['в inf']:.1%}")

    fig = explorable("Градиенты во float16", "log₂|S·g|", "доля градиентов", "log₂ S", values,
                     lambda s: loss_scaling_traces(s, grads, bins), active=active,
                     label=lambda s: f"{int(np.log2(s))}", title_for=title, bargap=0)
    for x0, x1, color, text in ((-50, -25, "rgba(214,39,40,0.15)", "ноль"),
                                (-25, -14, "rgba(255,127,14,0.15)", "субнорм."),
                                (np.log2(FP16_MAX), 30, "rgba(214,39,40,0.15)", "inf")):
        fig.add_vrect(x0=x0, x1=x1, fillcolor=color, line_width=0, annotation_text=text,
                      annotation_position="top left")
    return fig


__all__ = [
    "FP16_MAX",
    "FP16_MIN_NORMAL",
    "FP16_MIN_SUBNORMAL",
    "INIT_SCALES",
    "LOSS_SCALES",
    "backprop_signal_norms",
    "bptt_jacobian_norms",
    "fp16_fate",
    "init_scale_figure",
    "init_scale_traces",
    "loss_scaling_figure",
    "loss_scaling_traces",
    "mlp_gradients",
    "scaled_mlp",
]
