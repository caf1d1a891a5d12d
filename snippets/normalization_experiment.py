"""Фигуры к нормализации: по каким осям нормализует каждый метод, и опыт «обучение с BN и без»
на глубоком перцептроне с нашей ``BatchNorm`` (NumPy, обратный проход вручную)."""

from __future__ import annotations

from functools import cache

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from snippets._plotting import COLORS, explorable, new_figure
from snippets.mlp import init_weight, softmax_cross_entropy
from snippets.normalization import BatchNorm
from snippets.toy_data import spirals

Array = np.ndarray


# --8<-- [start:deepnet]
class DeepNet:
    """Перцептрон (Linear → [BN] → ReLU) × depth → Linear, инициализация He.

    >>> net = DeepNet(2, 16, 3, depth=4, bn=True); net.forward(np.ones((8, 2))).shape
    (8, 3)
    """

    def __init__(self, d_in: int, width: int, d_out: int, depth: int, bn: bool,
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        sizes = [d_in] + [width] * depth + [d_out]
        self.W = [init_weight(a, b, "he", rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(s) for s in sizes[1:]]
        self.bns = [BatchNorm(width) if bn else None for _ in range(depth)]

    def forward(self, X: Array) -> Array:
        self.h, self.u = [X], []                      # входы слоёв и пре-активации (после BN)
        for i, bn in enumerate(self.bns):
            z = self.h[-1] @ self.W[i] + self.b[i]
            self.u.append(bn.forward(z) if bn else z)
            self.h.append(np.maximum(self.u[-1], 0.0))
        return self.h[-1] @ self.W[-1] + self.b[-1]

    def sgd_step(self, dlogits: Array, lr: float) -> None:
        """Обратный проход от ∂L/∂логиты и шаг SGD по W, b и γ, β всех BN."""
        dz = dlogits
        for i in reversed(range(len(self.W))):
            dh = dz @ self.W[i].T
            self.W[i] -= lr * self.h[i].T @ dz
            self.b[i] -= lr * dz.sum(axis=0)
            if i == 0:
                break
            du = dh * (self.u[i - 1] > 0)
            bn = self.bns[i - 1]
            dz = bn.backward(du) if bn else du
            if bn:
                bn.gamma -= lr * bn.dgamma
                bn.beta -= lr * bn.dbeta
# --8<-- [end:deepnet]


@cache
def bn_loss_curve(bn: bool, lr: float, depth: int = 10, width: int = 32, epochs: int = 30,
                  batch: int = 50, seed: int = 0) -> tuple[float, ...]:
    """Средняя потеря на пакетах каждой эпохи при обучении SGD на трёх спиралях (300 точек).

    Если потеря стала inf/nan, обучение останавливается (кривая обрывается).
    """
    X, y = spirals(100, 3, seed=seed)
    net = DeepNet(2, width, 3, depth, bn, seed=seed)
    rng = np.random.default_rng(seed)
    curve = []
    for _ in range(epochs):
        idx, losses = rng.permutation(len(X)), []
        for s in range(0, len(X), batch):
            j = idx[s:s + batch]
            with np.errstate(all="ignore"):
                loss, dz = softmax_cross_entropy(net.forward(X[j]), y[j])
                if not np.isfinite(loss):
                    return tuple(curve)
                net.sgd_step(dz, lr)
            losses.append(loss)
        curve.append(float(np.mean(losses)))
    return tuple(curve)


def bn_table(lrs: tuple[float, ...] = (0.01, 0.1, 1.0), epochs: int = 30) -> str:
    """Markdown-таблица: средняя потеря на последней эпохе с BN и без для каждого шага η."""
    rows = ["| η | без BN | с BN |", "|---|---|---|"]
    for lr in lrs:
        cells = []
        for bn in (False, True):
            c = bn_loss_curve(bn, lr, epochs=epochs)
            diverged = f"разошлось (nan на эпохе {len(c) + 1})"
            cells.append(f"{c[-1]:.3f}" if len(c) == epochs else diverged)
        rows.append(f"| {lr:g} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


BN_LRS = (0.01, 0.03, 0.1, 0.3, 1.0)
Y_TOP = 1.5                                          # верх оси потерь на рисунке


def bn_lr_traces(lr: float, epochs: int = 30) -> list[go.Scatter]:
    """Трассы одного положения ползунка: кривые потерь с BN и без при шаге η.

    Разошедшийся прогон (потеря стала inf/nan) рисуется точками до расхождения и крестом «nan» у
    верхнего края оси на эпохе, где потеря стала нечисловой."""
    traces = []
    for k, bn in enumerate((True, False)):
        curve = bn_loss_curve(bn, lr, epochs=epochs)
        name = "с BN" if bn else "без BN"
        style = dict(color=COLORS[k], dash="solid" if bn else "dot")
        traces.append(go.Scatter(x=np.arange(1, len(curve) + 1), y=np.round(curve, 4), name=name,
                                 mode="lines+markers", marker=dict(size=4), line=style))
        if len(curve) < epochs:
            last = f"{curve[-1]:.3g}" if curve else "—"
            traces.append(go.Scatter(
                x=[len(curve) + 1], y=[Y_TOP * 0.95], mode="markers+text",
                marker=dict(symbol="x", size=14, color=COLORS[k]), textposition="middle right",
                text=[f"{name}: потеря {last} на эпохе {len(curve)}, затем nan"],
                name=f"{name}: разошлось"))
    return traces


def bn_figure(lrs: tuple[float, ...] = BN_LRS, active: int = 4, epochs: int = 30) -> go.Figure:
    """Ползунок по шагу обучения η: кривые потерь глубокого перцептрона с BN и без."""
    fig = explorable("Глубокий перцептрон (10 слоёв), SGD", "эпоха", "средняя потеря на пакетах эпохи",
                     "шаг обучения η", lrs, lambda lr: bn_lr_traces(lr, epochs), active=active,
                     title_for=lambda lr: f"Глубокий перцептрон (10 слоёв), SGD с BN и без, η = {lr:g}")
    fig.update_yaxes(range=[0, Y_TOP])
    fig.update_xaxes(range=[0, epochs + 1])
    fig.update_layout(height=480)
    return fig


def _norm_groups(method: str, n: int, c: int, groups: int) -> Array:
    """Номер множества, по которому нормализуется ячейка (пример n, канал c)."""
    ni, ci = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    return {"BatchNorm": ci, "LayerNorm": ni, "InstanceNorm": ni * c + ci,
            "GroupNorm": ni * groups + ci // (c // groups)}[method]


def norm_axes_figure(n: int = 4, c: int = 6, groups: int = 2) -> go.Figure:
    """Разбиение тензора (N, C, H·W) на множества, по которым считаются μ и σ: один цвет и один
    номер — одно множество (у каждого множества свой цвет, у InstanceNorm их n·c). Каждая ячейка —
    все H·W позиций канала c примера n (как на рис. 2 Wu & He, 2018)."""
    methods = ["BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm"]
    fig = new_figure("По каким осям нормализует каждый метод (цвет и номер — общие μ и σ)")
    fig.set_subplots(1, 4, subplot_titles=[m if m != "GroupNorm" else f"GroupNorm, G = {groups}"
                                           for m in methods], horizontal_spacing=0.04)
    palette = list(COLORS) + [col for col in qualitative.Alphabet if col not in COLORS]
    k = n * c                                       # столько множеств у InstanceNorm — больше всех
    scale = [[v, palette[i]] for i in range(k) for v in (i / k, (i + 1) / k)]
    for j, m in enumerate(methods, start=1):
        sets = _norm_groups(m, n, c, groups)
        fig.add_heatmap(z=sets + 0.5, x=np.arange(1, c + 1), y=np.arange(1, n + 1), zmin=0, zmax=k,
                        colorscale=scale, showscale=False, xgap=3, ygap=3, row=1, col=j,
                        customdata=sets + 1, text=sets + 1, texttemplate="%{text}",
                        textfont=dict(size=10),
                        hovertemplate="пример %{y}, канал %{x}<br>множество %{customdata}"
                                      "<extra></extra>")
        fig.update_xaxes(title_text="канал C", dtick=1, showline=False, row=1, col=j)
        fig.update_yaxes(autorange="reversed", dtick=1, showline=False, showticklabels=(j == 1),
                         row=1, col=j)
    fig.update_yaxes(title_text="пример в пакете N", row=1, col=1)
    fig.update_layout(height=330, margin=dict(t=80))
    return fig
