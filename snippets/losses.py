"""Функции потерь на NumPy: значение и градиент по выходу модели.

Многоклассовая перекрёстная энтропия — ``snippets.mlp.softmax_cross_entropy`` (билет 1), здесь
её не повторяем. Тесты сверяют значения и градиенты с ``torch.nn.functional`` (mse_loss,
binary_cross_entropy_with_logits, triplet_margin_loss, margin_ranking_loss) и с
``torch.autograd`` для потерь, которых в PyTorch нет (focal, contrastive).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure
from snippets.activations import sigmoid
from snippets.mlp import log_softmax

Array = np.ndarray


# --8<-- [start:regression]
def mse(pred: Array, target: Array) -> tuple[float, Array]:
    """L = (1/n) Σ (ŷ − y)², ∂L/∂ŷ = 2(ŷ − y)/n; n — число элементов.

    >>> mse(np.array([1.0, 3.0]), np.array([0.0, 0.0]))
    (5.0, array([1., 3.]))
    """
    diff = pred - target
    return float((diff ** 2).mean()), 2 * diff / diff.size
# --8<-- [end:regression]


# --8<-- [start:bce]
def bce_with_logits(z: Array, y: Array) -> tuple[float, Array]:
    """Бинарная перекрёстная энтропия по логитам, среднее по элементам.

    ℓ = −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − z·y + log(1 + e^{−|z|})
    (вторая запись не переполняется); ∂ℓ/∂z = σ(z) − y.

    >>> loss, g = bce_with_logits(np.array([0.0, 1000.0]), np.array([1.0, 0.0]))
    >>> round(loss, 4), g.tolist()
    (500.3466, [-0.25, 0.5])
    """
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(loss.mean()), (sigmoid(z) - y) / z.size
# --8<-- [end:bce]


# --8<-- [start:focal]
def focal_loss(z: Array, y: Array, gamma: float = 2.0, alpha: float = 0.25) -> tuple[float, Array]:
    """Бинарный focal loss (Lin et al., 2017), среднее по элементам:

    FL = −α_t (1 − p_t)^γ log p_t, p_t = σ(z) при y = 1 и 1 − σ(z) при y = 0,
    α_t = α при y = 1 и 1 − α при y = 0. Градиент по логиту (dp_t/dz = (2y − 1) p_t (1 − p_t)):
    ∂FL/∂z = (2y − 1) α_t (1 − p_t)^γ (γ p_t log p_t + p_t − 1).
    При γ = 0, α = 0,5 это половина BCE.

    >>> z, y = np.array([3.0, -3.0]), np.array([1.0, 1.0])
    >>> ce = np.log1p(np.exp(-z))                       # BCE каждого примера
    >>> [round(float(focal_loss(z[i:i+1], y[i:i+1], 2.0, 1.0)[0] / ce[i]), 4) for i in range(2)]
    [0.0022, 0.9074]
    """
    p = sigmoid(z)
    p_t = np.where(y == 1, p, 1 - p)
    a_t = np.where(y == 1, alpha, 1 - alpha)
    log_pt = -(np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))))   # log σ(z), устойчиво
    log_pt = np.where(y == 1, log_pt, log_pt - z)                  # log(1 − σ(z)) = log σ(z) − z
    loss = -a_t * (1 - p_t) ** gamma * log_pt
    grad = (2 * y - 1) * a_t * (1 - p_t) ** gamma * (gamma * p_t * log_pt + p_t - 1)
    return float(loss.mean()), grad / z.size


def softmax_focal_loss(logits: Array, y: Array, gamma: float = 2.0) -> float:
    """Многоклассный вариант: FL = −(1/N) Σ_i (1 − p_{i,y_i})^γ log p_{i,y_i} по softmax.

    >>> round(softmax_focal_loss(np.zeros((1, 4)), np.array([0]), gamma=0.0), 4)   # = log 4
    1.3863
    """
    logp = log_softmax(logits)[np.arange(len(y)), y]
    return float((-(1 - np.exp(logp)) ** gamma * logp).mean())
# --8<-- [end:focal]


# --8<-- [start:margin]
def contrastive_loss(x1: Array, x2: Array, same: Array, margin: float = 1.0) -> float:
    """Contrastive loss (Hadsell, Chopra & LeCun, 2006): d = ‖x₁ − x₂‖,
    ℓ = s·d²/2 + (1 − s)·max(0, m − d)²/2, s = 1 для пары одного класса.

    Похожие пары стягиваются, непохожие расталкиваются, но только пока ближе порога m.

    >>> contrastive_loss(np.zeros((2, 2)), np.array([[3.0, 4.0], [0.3, 0.4]]), np.array([1, 0]))
    6.3125
    """
    d = np.linalg.norm(x1 - x2, axis=1)
    return float((same * d ** 2 + (1 - same) * np.maximum(0, margin - d) ** 2).mean() / 2)


def triplet_loss(a: Array, p: Array, n: Array, margin: float = 1.0) -> float:
    """Triplet loss (Schroff et al., 2015): ℓ = max(0, ‖a − p‖ − ‖a − n‖ + m), среднее.

    Якорь a должен быть ближе к позитиву p, чем к негативу n, хотя бы на m.
    (В FaceNet расстояния квадратные; PyTorch и здесь — обычные.)

    >>> triplet_loss(np.zeros((1, 2)), np.array([[1.0, 0.0]]), np.array([[3.0, 0.0]]), margin=1.0)
    0.0
    """
    d_ap = np.linalg.norm(a - p, axis=1)
    d_an = np.linalg.norm(a - n, axis=1)
    return float(np.maximum(0, d_ap - d_an + margin).mean())


def margin_ranking_loss(s1: Array, s2: Array, y: Array, margin: float = 0.0) -> float:
    """Ранжирующая потеря: ℓ = max(0, −y(s₁ − s₂) + m), y = +1, если s₁ должно быть больше.

    >>> margin_ranking_loss(np.array([2.0, 0.0]), np.array([1.0, 0.5]), np.array([1, 1]), 1.0)
    0.75
    """
    return float(np.maximum(0, -y * (s1 - s2) + margin).mean())
# --8<-- [end:margin]


# --8<-- [start:dice]
def dice_loss(p: Array, y: Array, eps: float = 1.0) -> float:
    """Мягкий Dice loss одного класса: 1 − (2Σ p·y + ε) / (Σ p + Σ y + ε).

    p — вероятности класса по пикселям, y — бинарная маска. Для бинарного p при ε = 0 это 1 − F1.

    >>> y = np.array([0, 1, 1, 0])
    >>> round(dice_loss(np.array([0, 1, 0, 0]), y, eps=0.0), 4)   # F1 = 2/3
    0.3333
    """
    return float(1.0 - (2.0 * np.sum(p * y) + eps) / (np.sum(p) + np.sum(y) + eps))
# --8<-- [end:dice]


def imbalance_table(n_easy: int = 100_000, n_hard: int = 100, p_easy: float = 0.99,
                    p_hard: float = 0.3) -> str:
    """Доля потери от лёгких примеров: n_easy с p_t = p_easy и n_hard с p_t = p_hard.

    >>> "γ = 2" in imbalance_table()
    True
    """
    rows = ["| потеря | вклад лёгких, % | вклад трудных, % |", "|---|---:|---:|"]
    for gamma in (0.0, 2.0):
        le = -(1 - p_easy) ** gamma * np.log(p_easy) * n_easy
        lh = -(1 - p_hard) ** gamma * np.log(p_hard) * n_hard
        name = "кросс-энтропия (γ = 0)" if gamma == 0 else "focal, γ = 2"
        rows.append(f"| {name} | {100 * le / (le + lh):.2f} | {100 * lh / (le + lh):.2f} |")
    return "\n".join(rows)


def gradient_figure() -> go.Figure:
    """|∂ℓ/∂z| для истинного класса y = 1 как функция логита z: MSE после сигмоиды, BCE, focal."""
    z = np.linspace(-8, 8, 161)
    y = np.ones_like(z)
    p = sigmoid(z)
    fig = new_figure("Градиент потери по логиту, истинный класс y = 1",
                     "логит z (z < 0 — модель уверенно ошибается)", "|∂ℓ/∂z|")
    curves = {"MSE (σ(z) − 1)²": np.abs(2 * (p - 1) * p * (1 - p)),
              "BCE (кросс-энтропия)": np.abs(p - 1),
              "focal, γ = 2, α = 1": np.abs(focal_loss(z, y, 2.0, 1.0)[1] * z.size)}
    for name, g in curves.items():
        fig.add_scatter(x=z.round(2), y=g.round(5), mode="lines", name=name)
    return fig


def margin_figure(margin: float = 1.0) -> go.Figure:
    """Contrastive loss как функция расстояния d для похожей и непохожей пары."""
    d = np.linspace(0, 2, 101)
    fig = new_figure(f"Contrastive loss, порог m = {margin}", "расстояние d между эмбеддингами",
                     "потеря")
    fig.add_scatter(x=d.round(3), y=(d ** 2 / 2).round(4), mode="lines", name="похожая пара: d²/2")
    fig.add_scatter(x=d.round(3), y=(np.maximum(0, margin - d) ** 2 / 2).round(4), mode="lines",
                    name="непохожая пара: max(0, m − d)²/2")
    return fig
