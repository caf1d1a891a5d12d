"""Графовые нейронные сети: передача сообщений (Gilmer et al., 2017), GCN (Kipf & Welling, 2017),
GraphSAGE-mean (Hamilton et al., 2017), коэффициенты внимания GAT (Veličković et al., 2018);
GCN на клубе карате Закари (Zachary, 1977; граф входит в networkx).

Граф из n вершин: матрица смежности A ∈ {0,1}^{n×n}, признаки вершин — строки H ∈ R^{n×d}.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import networkx as nx
import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread

Array = np.ndarray


# --8<-- [start:mp]
def message_passing(A: Array, H: Array, message: Callable, update: Callable,
                    E: Array | None = None) -> Array:
    """Один шаг передачи сообщений (MPNN): m_v = Σ_{u ∈ N(v)} M(h_v, h_u, e_vu), h_v' = U(h_v, m_v);
    e_vu — признак ребра (по умолчанию A_vu). Циклом по вершинам — медленно, но по определению.

    >>> A = np.array([[0, 1], [1, 0]]); H = np.array([[1.0], [2.0]])
    >>> message_passing(A, H, lambda hv, hu, e: hu, lambda hv, m: hv + m).tolist()   # h_v + h_сосед
    [[3.0], [3.0]]
    """
    E = A if E is None else E
    out = []
    for v in range(len(A)):
        m = sum(message(H[v], H[u], E[v, u]) for u in np.flatnonzero(A[v]))   # без соседей: 0
        out.append(update(H[v], m))
    return np.array(out)
# --8<-- [end:mp]


# --8<-- [start:gcn]
def normalized_adjacency(A: Array) -> Array:
    """Â = D̃^{−1/2} (A + I) D̃^{−1/2}, D̃ᵢᵢ = Σⱼ (A + I)ᵢⱼ — петли и симметричная нормировка
    (Kipf & Welling, 2017): Âᵢⱼ = 1/√(d̃ᵢ d̃ⱼ) для соседей и i = j.

    >>> normalized_adjacency(np.array([[0, 1], [1, 0]])).tolist()     # d̃ = 2: всё по 1/2
    [[0.5, 0.5], [0.5, 0.5]]
    """
    A_tilde = A + np.eye(len(A))
    d_inv_sqrt = 1.0 / np.sqrt(A_tilde.sum(1))
    return d_inv_sqrt[:, None] * A_tilde * d_inv_sqrt[None, :]


class GCNLayer(nn.Module):
    """H' = Â H W + b: каждая вершина усредняет (с весами Â) проекции своих соседей и себя.
    Передачей сообщений: M(h_v, h_u, e_vu) = Â_vu·h_u W по рёбрам графа A + I, U(h_v, m) = m + b."""

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.linear = nn.Linear(d_in, d_out, bias=False)
        self.bias = nn.Parameter(torch.zeros(d_out))

    def forward(self, A_hat: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
        return A_hat @ self.linear(H) + self.bias
# --8<-- [end:gcn]


# --8<-- [start:sage_gat]
def sage_mean(A: Array, H: Array, W: Array) -> Array:
    """GraphSAGE-mean: h_v' = ReLU([h_v ‖ mean_{u∈N(v)} h_u] W), затем h_v' / ‖h_v'‖.
    W ∈ R^{2d×d'}; себя и соседей модель видит раздельно (конкатенация, а не сумма).

    >>> sage_mean(np.array([[0, 1], [1, 0]]), np.eye(2), np.eye(4)[:, :2] + np.eye(4)[:, 2:]).tolist()
    [[0.7071067811865475, 0.7071067811865475], [0.7071067811865475, 0.7071067811865475]]
    """
    neigh = (A @ H) / np.maximum(A.sum(1, keepdims=True), 1)          # среднее по соседям
    out = np.maximum(np.concatenate([H, neigh], axis=1) @ W, 0)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def gat_coefficients(A: Array, H: Array, W: Array, a: Array, slope: float = 0.2) -> Array:
    """GAT: e_ij = LeakyReLU([h_i W ‖ h_j W] a), α_ij = softmax_j e_ij по j ∈ N(i) ∪ {i}.
    [x ‖ y] a = x a₁ + y a₂, поэтому все e_ij — сумма столбца и строки, без цикла по рёбрам.

    >>> alpha = gat_coefficients(np.array([[0, 1], [1, 0]]), np.eye(2), np.eye(2), np.zeros(4))
    >>> alpha.tolist()                                   # a = 0: равные веса себе и соседу
    [[0.5, 0.5], [0.5, 0.5]]
    """
    Z = H @ W                                            # h W для всех вершин: (n, d')
    d = Z.shape[1]
    e = (Z @ a[:d])[:, None] + (Z @ a[d:])[None, :]      # e_ij до LeakyReLU
    e = np.where(e > 0, e, slope * e)
    e = np.where(A + np.eye(len(A)) > 0, e, -np.inf)     # только соседи и сама вершина
    e = np.exp(e - e.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
# --8<-- [end:sage_gat]


def karate_club() -> tuple[Array, Array]:
    """Клуб карате Закари: 34 участника, 78 рёбер-дружб; метка — клуб после раскола
    (0 — инструктор «Mr. Hi», 1 — «Officer»).

    >>> A, y = karate_club(); A.shape, int(A.sum()) // 2, np.bincount(y).tolist()
    ((34, 34), 78, [17, 17])
    """
    G = nx.karate_club_graph()
    A = nx.to_numpy_array(G, nodelist=range(34), weight=None)
    y = np.array([G.nodes[i]["club"] != "Mr. Hi" for i in range(34)], dtype=int)
    return A, y


class KarateGCN(nn.Module):
    """Вход — one-hot номер вершины (X = I): GCN 34→16 (tanh) → GCN 16→2 (tanh) → линейный
    классификатор 2→2. Двумерный выход второго слоя — эмбеддинг для картинки."""

    def __init__(self, n: int = 34, hidden: int = 16, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.gc1, self.gc2 = GCNLayer(n, hidden), GCNLayer(hidden, 2)
            self.classifier = nn.Linear(2, 2)

    def embed(self, A_hat: torch.Tensor) -> torch.Tensor:
        X = torch.eye(len(A_hat))
        return torch.tanh(self.gc2(A_hat, torch.tanh(self.gc1(A_hat, X))))

    def forward(self, A_hat: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.embed(A_hat))


LABELED = (0, 33)     # полуконтролируемо: известны клубы только инструктора и председателя


@functools.cache
def train_karate(steps: int = 100, lr: float = 0.01, weight_decay: float = 5e-4, seed: int = 0) -> dict:
    """Обучение по двум размеченным вершинам (перекрёстная энтропия только по ним, Adam с
    L2-штрафом 5·10⁻⁴ — коэффициент Kipf & Welling, но у них штраф только на первом слое, у нас на
    всех параметрах); точность — по остальным 32.
    Возвращает эмбеддинги до и после, точность, потери."""
    with one_thread():
        return _train(steps, lr, weight_decay, seed)


def _train(steps: int, lr: float, weight_decay: float, seed: int) -> dict:
    A, y = karate_club()
    A_hat = torch.tensor(normalized_adjacency(A), dtype=torch.float32)
    model = KarateGCN(seed=seed)
    with torch.no_grad():
        emb0 = model.embed(A_hat).numpy()
    idx, target = torch.tensor(LABELED), torch.tensor(y[list(LABELED)])
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(A_hat)[idx], target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with torch.no_grad():
        emb, pred = model.embed(A_hat).numpy(), model(A_hat).argmax(1).numpy()
    rest = np.setdiff1d(np.arange(34), LABELED)
    return {"emb0": emb0, "emb": emb, "pred": pred, "y": y, "A": A, "loss": np.array(losses),
            "acc": float((pred[rest] == y[rest]).mean())}


def karate_figure() -> go.Figure:
    """Двумерные эмбеддинги GCN до и после обучения; рёбра графа — серые линии."""
    r = train_karate()
    A, y = r["A"], r["y"]
    fig = new_figure("Клуб карате: эмбеддинги вершин из GCN", "эмбеддинг, координата 1",
                     "эмбеддинг, координата 2")
    names = ("Mr. Hi", "Officer")
    for stage, E in (("до обучения", r["emb0"]), ("после обучения", r["emb"])):
        E = E.round(4)
        ex, ey = [], []
        for i, j in zip(*np.nonzero(np.triu(A))):
            ex += [E[i, 0], E[j, 0], None]
            ey += [E[i, 1], E[j, 1], None]
        vis = stage == "после обучения"
        fig.add_scatter(x=ex, y=ey, mode="lines", line=dict(width=0.6, color="gray"),
                        opacity=0.4, hoverinfo="skip", showlegend=False, visible=vis)
        for c in (0, 1):
            nodes = np.flatnonzero(y == c)
            fig.add_scatter(x=E[nodes, 0], y=E[nodes, 1], mode="markers+text", visible=vis,
                            name=f"{names[c]} ({stage})", text=[str(v) for v in nodes],
                            textposition="top center", textfont=dict(size=9),
                            marker=dict(size=[16 if v in LABELED else 9 for v in nodes],
                                        symbol="diamond" if c else "circle"),
                            hovertemplate="вершина %{text}<extra>" + names[c] + "</extra>")
    fig.update_layout(updatemenus=[dict(
        buttons=[dict(label=s, method="update", args=[{"visible": [k // 3 == i for k in range(6)]}])
                 for i, s in enumerate(("до обучения", "после обучения"))],
        active=1, x=0, xanchor="left", y=1.02, yanchor="bottom")], margin=dict(t=110), height=540)
    return fig
