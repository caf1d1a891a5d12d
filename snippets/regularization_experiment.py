"""Опыт: одна и та же переобучающаяся сеть без регуляризации, с L2, с dropout — кривые потерь на
обучении и валидации и граница решений. Всё на NumPy, функции dropout и L2 из
``snippets.regularization``; мало данных (80 точек, пятая часть меток перевёрнута) и широкая
сеть, чтобы переобучение было видно."""

from __future__ import annotations

from functools import cache

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import COLORS, explorable, new_figure
from snippets.mlp import init_weight, softmax_cross_entropy
from snippets.regularization import (
    EarlyStopping,
    dropout_backward,
    dropout_forward,
    dropout_mask,
    l2_penalty,
)
from snippets.toy_data import spirals

Array = np.ndarray
SETUPS = {"без регуляризации": dict(lam=0.0, p=0.0), "L2, λ = 10⁻²": dict(lam=1e-2, p=0.0),
          "dropout, p = 0,5": dict(lam=0.0, p=0.5)}


# --8<-- [start:regnet]
class RegNet:
    """2 → h → h → 2, ReLU, dropout с вероятностью p после каждого скрытого слоя, L2 с λ.

    >>> RegNet(hidden=8).forward(np.zeros((3, 2)), training=False).shape
    (3, 2)
    """

    def __init__(self, hidden: int = 48, p: float = 0.0, lam: float = 0.0, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        sizes = [2, hidden, hidden, 2]
        self.W = [init_weight(a, b, "he", self.rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.b = [np.zeros(s) for s in sizes[1:]]
        self.p, self.lam = p, lam
        self.vel = [np.zeros_like(w) for w in self.W + self.b]

    def forward(self, X: Array, training: bool) -> Array:
        self.h, self.masks = [X], []
        for W, b in zip(self.W[:-1], self.b[:-1]):
            a = np.maximum(self.h[-1] @ W + b, 0.0)
            m = dropout_mask(a.shape, self.p, self.rng) if training and self.p > 0 else None
            self.masks.append(m)
            self.h.append(dropout_forward(a, m))
        return self.h[-1] @ self.W[-1] + self.b[-1]

    def step(self, X: Array, y: Array, lr: float, momentum: float = 0.9) -> float:
        """Шаг SGD с моментом по ∇(L + (λ/2)Σ‖W‖²); возвращает L без штрафа."""
        loss, dz = softmax_cross_entropy(self.forward(X, training=True), y)
        _, dpen = l2_penalty(self.W, self.lam)
        gW, gb = [None] * 3, [None] * 3
        for i in (2, 1, 0):
            gW[i], gb[i] = self.h[i].T @ dz + dpen[i], dz.sum(axis=0)
            if i > 0:
                dh = dz @ self.W[i].T
                dh = dh if self.masks[i - 1] is None else dropout_backward(dh, self.masks[i - 1])
                dz = dh * (self.h[i] > 0)
        for p, v, g in zip(self.W + self.b, self.vel, gW + gb):
            v *= momentum
            v -= lr * g
            p += v
        return loss
# --8<-- [end:regnet]


def predict(net: RegNet, X: Array, rows: int = 100) -> Array:
    """Логиты в режиме инференса кусками по ``rows`` строк: произведения до 64³ умножений
    OpenBLAS считает в одном потоке, и на загруженной машине это в разы быстрее."""
    return np.concatenate([net.forward(X[i:i + rows], training=False)
                           for i in range(0, len(X), rows)])


def data(seed: int = 0, flip: float = 0.2) -> tuple[Array, Array, Array, Array]:
    """Две спирали: 80 точек для обучения, 600 для валидации; у доли ``flip`` меток класс
    перевёрнут (шум разметки), поэтому запоминание обучающих точек вредит."""
    X, y = spirals(40, 2, seed=seed)
    Xv, yv = spirals(300, 2, seed=seed + 1)
    rng = np.random.default_rng(seed + 2)

    def flip_labels(t: Array) -> Array:
        return np.where(rng.random(len(t)) < flip, 1 - t, t)
    return X, flip_labels(y), Xv, flip_labels(yv)


@cache
def train_curves(lam: float, p: float, epochs: int = 400, lr: float = 0.05, every: int = 4,
                 seed: int = 1) -> tuple[Array, Array, Array, RegNet]:
    """Полнопакетное обучение; (эпохи, потеря на обучении, на валидации, сеть) — потери
    в режиме инференса, каждые ``every`` эпох."""
    X, y, Xv, yv = data(seed)
    net = RegNet(p=p, lam=lam, seed=seed)
    epochs_seen, train, val = [], [], []
    for e in range(1, epochs + 1):
        net.step(X, y, lr)
        if e % every == 0 or e == 1:
            epochs_seen.append(e)
            train.append(softmax_cross_entropy(net.forward(X, training=False), y)[0])
            val.append(softmax_cross_entropy(predict(net, Xv), yv)[0])
    return np.array(epochs_seen), np.array(train), np.array(val), net


def summary_table() -> str:
    """Markdown-таблица: лучшая и последняя потеря на валидации и точность в конце обучения."""
    _, _, Xv, yv = data(1)
    rows = ["| Настройка | мин. потеря на валидации (эпоха) | потеря в конце | точность в конце |",
            "|---|---|---|---|"]
    for name, kw in SETUPS.items():
        ep, _, val, net = train_curves(**kw)
        acc = (predict(net, Xv).argmax(axis=1) == yv).mean()
        best = f"{val.min():.3f} ({ep[val.argmin()]})"
        rows.append(f"| {name} | {best} | {val[-1]:.3f} | {acc:.1%} |")
    return "\n".join(rows)


def curves_figure() -> go.Figure:
    """Сплошные линии — обучение, пунктир — валидация; ромб — эпоха, которую выбрала бы
    ранняя остановка (patience = 10 замеров) для сети без регуляризации."""
    fig = new_figure("Кривые обучения одной сети с регуляризацией и без",
                     "эпоха", "перекрёстная энтропия")
    for k, (name, kw) in enumerate(SETUPS.items()):
        ep, train, val, _ = train_curves(**kw)
        for curve, dash, part in ((train, "solid", "обучение"), (val, "dot", "валидация")):
            fig.add_scatter(x=ep, y=curve.round(4), mode="lines", name=f"{name}: {part}",
                            line=dict(color=COLORS[k], dash=dash))
        if k == 0:
            es = EarlyStopping(patience=10)
            next((v for v in val if es.step(v)), None)
            fig.add_scatter(x=[ep[es.best_epoch]], y=[round(es.best, 4)], mode="markers",
                            name="ранняя остановка", marker=dict(symbol="diamond", size=11,
                                                                 color=COLORS[3]))
    fig.update_layout(height=500, legend=dict(orientation="h", yanchor="top", y=-0.3),
                      margin=dict(b=40))
    return fig


def boundary_figure(n: int = 45) -> go.Figure:
    """Вероятность класса 1 на плоскости для сети без регуляризации и с L2, точки обучения."""
    X, y, _, _ = data(1)
    g = np.linspace(-1.1, 1.1, n)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    names = list(SETUPS)[:2]
    fig = new_figure("Граница решений: без регуляризации и с L2")
    fig.set_subplots(1, 2, subplot_titles=names, horizontal_spacing=0.06)
    for col, name in enumerate(names, start=1):
        net = train_curves(**SETUPS[name])[3]
        z = predict(net, grid)
        prob = np.exp(z[:, 1] - np.logaddexp(z[:, 0], z[:, 1])).reshape(n, n)
        fig.add_heatmap(x=g.round(3), y=g.round(3), z=prob.round(2), zmin=0, zmax=1,
                        colorscale="RdBu", showscale=col == 2, opacity=0.75, row=1, col=col,
                        colorbar=dict(title="P(класс 1)"),
                        hovertemplate="P(класс 1) = %{z}<extra></extra>")
        for cls, sym in ((0, "circle"), (1, "x")):
            fig.add_scatter(x=X[y == cls, 0].round(3), y=X[y == cls, 1].round(3), mode="markers",
                            marker=dict(symbol=sym, size=7,
                                        color="#d62728" if cls == 0 else "#1f77b4",
                                        line=dict(width=1, color="white")),
                            name=f"обучение, класс {cls}", showlegend=col == 1, row=1, col=col)
        fig.update_yaxes(scaleanchor=f"x{col if col > 1 else ''}", row=1, col=col)
    fig.update_layout(height=440, legend=dict(orientation="h", yanchor="top", y=-0.22),
                      margin=dict(b=40))
    return fig


L2_LAMBDAS = (0.0, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
DROPOUT_PS = (0.0, 0.1, 0.3, 0.5, 0.7)


def final_metrics(lam: float, p: float) -> dict[str, float]:
    """Потери и точности на обучении и валидации в конце обучения (режим инференса).

    >>> m = final_metrics(0.0, 0.0); bool(m["потеря, валидация"] > m["потеря, обучение"])
    True
    """
    X, y, Xv, yv = data(1)
    net = train_curves(lam, p)[3]
    out = {}
    for part, (A, t) in (("обучение", (X, y)), ("валидация", (Xv, yv))):
        z = predict(net, A)
        out[f"потеря, {part}"] = softmax_cross_entropy(z, t)[0]
        out[f"точность, {part}"] = float((z.argmax(axis=1) == t).mean())
    return out


def _title(prefix: str, m: dict[str, float]) -> str:
    return (f"{prefix}: потеря {m['потеря, обучение']:.2f} / {m['потеря, валидация']:.2f}, "
            f"точность {m['точность, обучение']:.0%} / {m['точность, валидация']:.0%} "
            "(обучение / валидация)")


def l2_boundary_traces(lam: float, n: int = 35) -> list[go.Heatmap]:
    """Вероятность класса 1 на сетке n×n для сети, обученной с L2-коэффициентом λ."""
    g = np.linspace(-1.1, 1.1, n)
    grid = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    z = predict(train_curves(lam, 0.0)[3], grid)
    prob = np.exp(z[:, 1] - np.logaddexp(z[:, 0], z[:, 1])).reshape(n, n)
    return [go.Heatmap(x=g.round(3), y=g.round(3), z=prob.round(2), zmin=0, zmax=1,
                       colorscale="RdBu", opacity=0.75, colorbar=dict(title="P(класс 1)"),
                       hovertemplate="P(класс 1) = %{z}<extra></extra>", name="P(класс 1)")]


def l2_boundary_figure(lams: tuple[float, ...] = L2_LAMBDAS, active: int = 3) -> go.Figure:
    """Ползунок по λ: граница решений и разрыв потерь обучение/валидация."""
    X, y, _, _ = data(1)
    points = [go.Scatter(x=X[y == cls, 0].round(3), y=X[y == cls, 1].round(3), mode="markers",
                         marker=dict(symbol=sym, size=7, color="#d62728" if cls == 0 else "#1f77b4",
                                     line=dict(width=1, color="white")),
                         name=f"обучение, класс {cls}")
              for cls, sym in ((0, "circle"), (1, "x"))]
    fig = explorable("Граница решений при L2", "x₁", "x₂", "λ", lams, l2_boundary_traces,
                     active=active, static=points, label=lambda v: f"{v:g}",
                     title_for=lambda v: _title(f"λ = {v:g}", final_metrics(v, 0.0)))
    fig.update_xaxes(range=[-1.1, 1.1], constrain="domain")
    fig.update_yaxes(range=[-1.1, 1.1], scaleanchor="x", constrain="domain")
    fig.update_layout(height=540, title_font_size=13, margin=dict(t=90),
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def dropout_curve_traces(p: float) -> list[go.Scatter]:
    """Кривые потерь на обучении и валидации для сети с dropout p (режим инференса)."""
    ep, train, val, _ = train_curves(0.0, p)
    return [go.Scatter(x=ep, y=train.round(4), mode="lines", name="обучение",
                       line=dict(color=COLORS[0])),
            go.Scatter(x=ep, y=val.round(4), mode="lines", name="валидация",
                       line=dict(color=COLORS[1], dash="dot"))]


def dropout_figure(ps: tuple[float, ...] = DROPOUT_PS, active: int = 3) -> go.Figure:
    """Ползунок по вероятности dropout p: кривые обучения и разрыв обучение/валидация."""
    fig = explorable("Dropout", "эпоха", "перекрёстная энтропия", "p", ps, dropout_curve_traces,
                     active=active, title_for=lambda p: _title(f"p = {p:g}", final_metrics(0.0, p)))
    fig.update_yaxes(range=[0, 1.4])
    fig.update_layout(height=460, title_font_size=13)
    return fig
