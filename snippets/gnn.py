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


# --8<-- [start:gatv2]
def gatv2_coefficients(A: Array, H: Array, W: Array, a: Array, slope: float = 0.2) -> Array:
    """GATv2 (Brody et al., 2022): e_ij = LeakyReLU([h_i ‖ h_j] W) a — нелинейность стоит между
    W и a, поэтому ранжирование соседей зависит от запроса i («динамическое» внимание).
    W ∈ R^{2d×d'}, a ∈ R^{d'}; α_ij = softmax_j e_ij по j ∈ N(i) ∪ {i}.

    >>> gatv2_coefficients(np.array([[0, 1], [1, 0]]), np.eye(2), np.ones((4, 3)), np.zeros(3)).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    d = H.shape[1]
    Z = (H @ W[:d])[:, None, :] + (H @ W[d:])[None, :, :]          # [h_i ‖ h_j] W: (n, n, d')
    e = np.where(Z > 0, Z, slope * Z) @ a
    e = np.where(A + np.eye(len(A)) > 0, e, -np.inf)
    e = np.exp(e - e.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
# --8<-- [end:gatv2]


def attention_ranking_traces(query: int, n: int = 6, seed: int = 0) -> list:
    """Кадр фигуры «статичное против динамического»: веса α_query,j на полном графе для GAT и
    GATv2 со случайными (но одинаковыми для всех запросов) параметрами."""
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(n, 4))
    A = np.ones((n, n)) - np.eye(n)                                # полный граф
    gat = gat_coefficients(A, H, 0.3 * rng.normal(size=(4, 8)), rng.normal(size=16))
    gatv2 = gatv2_coefficients(A, H, 0.5 * rng.normal(size=(8, 8)), rng.normal(size=8))
    keys = [f"ключ {j}" for j in range(n)]
    return [go.Bar(x=keys, y=gat[query].round(4), name="GAT"),
            go.Bar(x=keys, y=gatv2[query].round(4), name="GATv2")]


def attention_ranking_figure(n: int = 6, seed: int = 0) -> go.Figure:
    """Ползунок по запросу: у GAT самый «важный» ключ один и тот же для всех запросов."""
    from snippets._plotting import explorable
    fig = explorable("", "ключ j", "вес внимания α_ij", "запрос i", list(range(n)),
                     lambda i: attention_ranking_traces(i, n, seed), active=0,
                     title_for=lambda i: f"Веса внимания запроса {i} на полном графе из {n} вершин",
                     barmode="group", height=440)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
                      margin={"t": 90})
    return fig


# --8<-- [start:smoothing]
def propagate(A: Array, X: Array, k: int, alpha: float = 0.0) -> Array:
    """k шагов распространения без весов и нелинейностей: H ← (1 − α) Â H + α X.
    α = 0 — k слоёв GCN (Â^k X, SGC); α > 0 — APPNP (Gasteiger et al., 2019): часть исходных
    признаков возвращается на каждом шаге («телепорт» персонализированного PageRank).

    >>> A = np.array([[0, 1], [1, 0]]); X = np.array([[1.0], [0.0]])
    >>> propagate(A, X, 1).tolist(), propagate(A, X, 1, alpha=0.5).tolist()
    ([[0.5], [0.5]], [[0.75], [0.25]])
    """
    A_hat, H = normalized_adjacency(A), X
    for _ in range(k):
        H = (1 - alpha) * (A_hat @ H) + alpha * X
    return H


def smoothness(A: Array, H: Array) -> float:
    """Насколько вершины ещё различимы: разброс строк D̃^{−1/2} H вокруг их среднего, ‖·‖_F.
    Предел Â^k H — строки √d̃_v · c (Li et al., 2018), после деления на √d̃_v все одинаковы: 0.

    >>> A = np.array([[0, 1], [1, 0]])
    >>> smoothness(A, np.array([[1.0], [1.0]])), smoothness(A, np.array([[1.0], [-1.0]]))
    (0.0, 1.0)
    """
    Hn = H / np.sqrt(A.sum(1) + 1)[:, None]
    return float(np.linalg.norm(Hn - Hn.mean(0)))
# --8<-- [end:smoothing]


SMOOTH_KS = [0, 1, 2, 4, 8, 16, 32, 64]


def smoothing_traces(k: int, seed: int = 0) -> list:
    """Кадр ползунка: 2-D признаки вершин клуба карате после k шагов Â (деление на √d̃_v)."""
    A, y = karate_club()
    X = np.random.default_rng(seed).normal(size=(34, 2))
    H = propagate(A, X, k) / np.sqrt(A.sum(1) + 1)[:, None]
    names = ("Mr. Hi", "Officer")
    return [go.Scatter(x=H[y == c, 0].round(4), y=H[y == c, 1].round(4), mode="markers",
                       name=names[c], text=[str(v) for v in np.flatnonzero(y == c)],
                       marker={"size": 9, "symbol": "diamond" if c else "circle"},
                       hovertemplate="вершина %{text}<extra></extra>") for c in (0, 1)]


def smoothing_figure(seed: int = 0) -> go.Figure:
    """Ползунок по числу слоёв k: признаки сначала собираются по сообществам, потом в точку."""
    from snippets._plotting import explorable
    A, _ = karate_club()
    X = np.random.default_rng(seed).normal(size=(34, 2))
    H1 = propagate(A, X, 1) / np.sqrt(A.sum(1) + 1)[:, None]    # оси — по разбросу после 1 шага
    lim = float(np.abs(H1).max()) * 1.1
    fig = explorable("", "признак 1 / √d̃", "признак 2 / √d̃", "слоёв k", SMOOTH_KS,
                     lambda k: smoothing_traces(k, seed), active=2,
                     title_for=lambda k: f"Клуб карате: случайные признаки после {k} шагов Â", height=480)
    fig.update_xaxes(range=[-lim, lim])
    fig.update_yaxes(range=[-lim, lim], scaleanchor="x")
    return fig


def smoothing_curve_figure(ks: tuple[int, ...] = tuple(range(0, 41)), seed: int = 0) -> go.Figure:
    """Различимость вершин против глубины: GCN (Â^k), APPNP (α = 0,1) и теория |λ₂|^k."""
    from snippets._plotting import new_figure
    A, _ = karate_club()
    X = np.random.default_rng(seed).normal(size=(34, 16))
    lam = np.sort(np.abs(np.linalg.eigvalsh(normalized_adjacency(A))))[-2]   # второй по модулю
    s0 = smoothness(A, X)
    fig = new_figure("Пересглаживание: разброс признаков вершин против числа слоёв",
                     "число шагов распространения k", "разброс / разброс при k = 0 (лог. шкала)")
    for name, alpha in (("GCN: Â^k X", 0.0), ("APPNP, α = 0,1", 0.1)):
        fig.add_scatter(x=list(ks), y=[round(smoothness(A, propagate(A, X, k, alpha)) / s0, 6)
                                       for k in ks], name=name, mode="lines+markers")
    fig.add_scatter(x=list(ks), y=[round(lam ** k, 6) for k in ks], name=f"|λ₂|^k, |λ₂| = {lam:.3f}",
                    mode="lines", line={"dash": "dot"})
    fig.update_yaxes(type="log")
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
                      margin={"b": 120}, height=460)
    return fig


# --8<-- [start:heterophily]
def two_class_graph(n: int = 400, homophily: float = 0.8, degree: int = 6, d: int = 8,
                    signal: float = 0.5, seed: int = 0) -> tuple[Array, Array, Array]:
    """Случайный граф двух классов с заданной долей «своих» рёбер h (edge homophily;
    Zhu et al., 2020): у каждого ребра второй конец из того же класса с вероятностью h.
    Признаки: X = ±signal·e₁ (по классу) + N(0, I). Возвращает (A, X, y).

    >>> A, X, y = two_class_graph(homophily=0.9, seed=1)
    >>> round(edge_homophily(A, y), 1), A.shape, X.shape
    (0.9, (400, 400), (400, 8))
    """
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2)
    m = n * degree // 2                                            # столько рёбер разыгрываем
    u = rng.integers(n, size=m)
    target = np.where(rng.random(m) < homophily, y[u], 1 - y[u])   # класс второго конца
    by_class = np.stack([np.flatnonzero(y == c) for c in (0, 1)])   # классы поровну: (2, n/2)
    v = by_class[target, rng.integers(n // 2, size=m)]
    keep = u != v
    A = np.zeros((n, n))
    A[u[keep], v[keep]] = A[v[keep], u[keep]] = 1
    X = rng.normal(size=(n, d))
    X[:, 0] += signal * (2 * y - 1)
    return A, X, y


def edge_homophily(A: Array, y: Array) -> float:
    """h = |{(u, v) ∈ E : y_u = y_v}| / |E|."""
    u, v = np.nonzero(np.triu(A))
    return float(np.mean(y[u] == y[v]))


def nearest_mean_accuracy(F: Array, y: Array, train: Array) -> float:
    """Классификатор «ближайшее среднее класса» по признакам F, средние — по вершинам train."""
    test = np.setdiff1d(np.arange(len(y)), train)
    means = np.stack([F[train][y[train] == c].mean(0) for c in (0, 1)])
    pred = np.argmin(((F[test, None, :] - means[None]) ** 2).sum(-1), axis=1)
    return float(np.mean(pred == y[test]))


def heterophily_accuracies(homophily: float, seeds: tuple[int, ...] = (0, 1, 2)) -> dict[str, float]:
    """Точность без обучения весов на трёх представлениях: свои признаки X, сглаженные ÂX (как GCN)
    и [X ‖ среднее соседей] (как GraphSAGE и H2GCN: себя и соседей не смешивают)."""
    out = {"X": [], "ÂX": [], "[X ‖ mean N(v)]": []}
    for seed in seeds:
        A, X, y = two_class_graph(homophily=homophily, seed=seed)
        train = np.random.default_rng(seed).permutation(len(y))[: len(y) // 2]
        neigh = (A @ X) / np.maximum(A.sum(1, keepdims=True), 1)
        for name, F in (("X", X), ("ÂX", normalized_adjacency(A) @ X),
                        ("[X ‖ mean N(v)]", np.hstack([X, neigh]))):
            out[name].append(nearest_mean_accuracy(F, y, train))
    return {k: float(np.mean(v)) for k, v in out.items()}
# --8<-- [end:heterophily]


def heterophily_figure(hs: tuple[float, ...] = tuple(np.round(np.linspace(0, 1, 11), 1))) -> go.Figure:
    """Точность против доли «своих» рёбер h для X, ÂX и [X ‖ среднее соседей]."""
    from snippets._plotting import new_figure
    rows = [heterophily_accuracies(h) for h in hs]
    fig = new_figure("Гомофилия и гетерофилия: что даёт агрегация соседей",
                     "доля рёбер внутри класса h", "точность на тестовых вершинах")
    for name in rows[0]:
        fig.add_scatter(x=list(hs), y=[round(r[name], 4) for r in rows], name=name,
                        mode="lines+markers")
    fig.update_yaxes(range=[0.45, 1.0])
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
                      margin={"b": 120}, height=460)
    return fig


# --8<-- [start:sage_run]
class SAGE(nn.Module):
    """Два слоя GraphSAGE-mean: h' = [h ‖ mean_{u∈N(v)} h_u] W; после первого — ReLU и
    нормировка ‖h'‖ = 1. Вход — признаки и «средняя» матрица смежности M = D⁻¹A."""

    def __init__(self, d_in: int, hidden: int, n_classes: int, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.w1 = nn.Linear(2 * d_in, hidden, bias=False)
            self.w2 = nn.Linear(2 * hidden, n_classes)

    def forward(self, M: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.w1(torch.cat([X, M @ X], 1)))
        h = h / h.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return self.w2(torch.cat([h, M @ h], 1))


def mean_operator(A: Array, sample: int | None = None, seed: int = 0) -> torch.Tensor:
    """M = D⁻¹A (среднее по соседям); sample = S — у каждой вершины только S случайных соседей."""
    if sample is not None:
        rng, A = np.random.default_rng(seed), A.copy()
        for v in range(len(A)):
            nb = np.flatnonzero(A[v])
            if len(nb) > sample:
                A[v, rng.choice(nb, len(nb) - sample, replace=False)] = 0
    return torch.tensor(A / np.maximum(A.sum(1, keepdims=True), 1), dtype=torch.float32)


@functools.cache
def train_sage(homophily: float = 0.9, steps: int = 100, seed: int = 0) -> dict[str, float]:
    """Индуктивно: учим на одном графе (метки половины вершин), проверяем на новом графе с
    другими вершинами и рёбрами — целиком и с выборкой 3 соседей на вершину."""
    with one_thread():
        A, X, y = two_class_graph(homophily=homophily, signal=1.0, seed=seed)
        Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
        train = torch.tensor(np.random.default_rng(seed).permutation(len(y))[: len(y) // 2])
        model, M = SAGE(X.shape[1], 16, 2, seed=seed), mean_operator(A)
        opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
        for _ in range(steps):
            loss = nn.functional.cross_entropy(model(M, Xt)[train], yt[train])
            opt.zero_grad()
            loss.backward()
            opt.step()
        A2, X2, y2 = two_class_graph(homophily=homophily, signal=1.0, seed=seed + 1000)   # новый граф
        X2t = torch.tensor(X2, dtype=torch.float32)
        with torch.no_grad():
            def acc(M_, X_, y_):
                return float((model(M_, X_).argmax(1).numpy() == y_).mean())
            means = np.stack([X[train.numpy()][y[train.numpy()] == c].mean(0) for c in (0, 1)])
            own = np.argmin(((X2[:, None] - means[None]) ** 2).sum(-1), 1)   # без графа
            return {"свой граф": acc(M, Xt, y), "новый граф": acc(mean_operator(A2), X2t, y2),
                    "новый граф, 3 соседа": acc(mean_operator(A2, sample=3), X2t, y2),
                    "новый граф, только свои признаки": float(np.mean(own == y2))}
# --8<-- [end:sage_run]
