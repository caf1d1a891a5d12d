"""Функции активации и их производные (NumPy) и интерактивная фигура.

Производные записаны аналитически: ими пользуется обратный проход ``snippets.mlp``;
тесты сверяют их с ``torch.autograd``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from snippets._plotting import COLORS

Array = np.ndarray


# --8<-- [start:sigmoid]
def sigmoid(x: Array) -> Array:
    """σ(x) = 1 / (1 + e^{-x}), устойчиво для больших |x|.

    >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
    array([0.5, 1. , 0. ])
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def d_sigmoid(x: Array) -> Array:
    """σ'(x) = σ(x)(1 − σ(x)) ≤ 1/4, максимум в нуле.

    >>> float(d_sigmoid(np.array(0.0)))
    0.25
    """
    s = sigmoid(x)
    return s * (1.0 - s)
# --8<-- [end:sigmoid]


def tanh(x: Array) -> Array:
    """tanh(x) = 2σ(2x) − 1, значения в (−1, 1), центрирована в нуле.

    >>> float(tanh(np.array(0.0)))
    0.0
    """
    return np.tanh(x)


def d_tanh(x: Array) -> Array:
    """tanh'(x) = 1 − tanh²(x) ≤ 1.

    >>> float(d_tanh(np.array(0.0)))
    1.0
    """
    return 1.0 - np.tanh(x) ** 2


# --8<-- [start:relu]
def relu(x: Array) -> Array:
    """ReLU(x) = max(0, x).

    >>> relu(np.array([-2.0, 3.0]))
    array([0., 3.])
    """
    return np.maximum(x, 0.0)


def d_relu(x: Array) -> Array:
    """ReLU'(x) = [x > 0] (в нуле берём 0, как PyTorch).

    >>> d_relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    return (x > 0).astype(float)


def leaky_relu(x: Array, alpha: float = 0.01) -> Array:
    """LeakyReLU(x) = x при x > 0, иначе αx (Maas et al., 2013).

    >>> leaky_relu(np.array([-100.0, 5.0]))
    array([-1.,  5.])
    """
    return np.where(x > 0, x, alpha * x)


def d_leaky_relu(x: Array, alpha: float = 0.01) -> Array:
    """LeakyReLU'(x) = 1 при x > 0, иначе α: градиент не обнуляется.

    >>> d_leaky_relu(np.array([-1.0, 1.0]))
    array([0.01, 1.  ])
    """
    return np.where(x > 0, 1.0, alpha)
# --8<-- [end:relu]


# --8<-- [start:gelu]
_erf = np.vectorize(math.erf, otypes=[float])


def gelu(x: Array) -> Array:
    """GELU(x) = x·Φ(x), Φ — функция распределения N(0, 1) (Hendrycks & Gimpel, 2016).

    >>> round(float(gelu(np.array(1.0))), 4)
    0.8413
    """
    return x * 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))


def d_gelu(x: Array) -> Array:
    """GELU'(x) = Φ(x) + x·φ(x), φ — плотность N(0, 1).

    >>> float(d_gelu(np.array(0.0)))
    0.5
    """
    phi = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return 0.5 * (1.0 + _erf(x / math.sqrt(2.0))) + x * phi


def swish(x: Array, beta: float = 1.0) -> Array:
    """Swish(x) = x·σ(βx); при β = 1 это SiLU (Hendrycks & Gimpel, 2016; Elfwing et al., 2017),
    Swish с параметром β — Ramachandran et al. (2017).

    >>> round(float(swish(np.array(1.0))), 4)
    0.7311
    """
    return x * sigmoid(beta * x)


def d_swish(x: Array, beta: float = 1.0) -> Array:
    """Swish'(x) = σ(βx) + βx·σ(βx)(1 − σ(βx)).

    >>> float(d_swish(np.array(0.0)))
    0.5
    """
    s = sigmoid(beta * x)
    return s + beta * x * s * (1.0 - s)
# --8<-- [end:gelu]


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array]]] = {
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "leaky_relu": (leaky_relu, d_leaky_relu),
    "gelu": (gelu, d_gelu),
    "swish": (swish, d_swish),
}
"""Имя -> (функция, производная)."""

LABELS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU (α=0,1)",
          "gelu": "GELU", "swish": "Swish / SiLU"}


def activation_figure(lo: float = -4.0, hi: float = 4.0, n: int = 161) -> go.Figure:
    """Две панели: функции активации и их производные; щелчок по легенде скрывает кривую."""
    x = np.linspace(lo, hi, n)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Функция f(x)", "Производная f′(x)"),
                        horizontal_spacing=0.1)
    for i, (name, (f, df)) in enumerate(ACTIVATIONS.items()):
        kw = {"alpha": 0.1} if name == "leaky_relu" else {}  # α=0,1, чтобы наклон был виден
        for col, ys in ((1, f(x, **kw)), (2, df(x, **kw))):
            fig.add_trace(go.Scatter(x=x.round(3), y=np.round(ys, 4), name=LABELS[name],
                                     legendgroup=name, showlegend=col == 1,
                                     line=dict(color=COLORS[i], width=2)), row=1, col=col)
    fig.update_layout(template="handbook", title="Функции активации и их производные",
                      legend=dict(orientation="h", y=-0.22), margin=dict(t=80, b=90))
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(range=[-1.5, 4.0], row=1, col=1)
    fig.update_yaxes(range=[-0.2, 1.3], row=1, col=2)
    return fig
