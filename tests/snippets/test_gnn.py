"""GNN: Â против определения, GCN-слой против передачи сообщений циклом, GraphSAGE и GAT против
поэлементных формул статей, обучение на клубе карате."""

import networkx as nx
import numpy as np
import torch

from snippets._plotting import trace_types
from snippets.gnn import (
    GCNLayer,
    gat_coefficients,
    karate_club,
    karate_figure,
    message_passing,
    normalized_adjacency,
    sage_mean,
    train_karate,
)


def random_graph(n=12, p=0.3, seed=0):
    G = nx.gnp_random_graph(n, p, seed=seed)
    G.add_node(n)                                          # изолированная вершина — крайний случай
    return nx.to_numpy_array(G, nodelist=range(n + 1), weight=None)


def test_normalized_adjacency_definition():
    A = random_graph()
    A_hat = normalized_adjacency(A)
    deg = A.sum(1) + 1
    for i, j in [(0, 0), (1, 2), (3, 7), (12, 12)]:
        expected = (A[i, j] + (i == j)) / np.sqrt(deg[i] * deg[j])
        assert np.isclose(A_hat[i, j], expected)
    np.testing.assert_allclose(A_hat, A_hat.T)
    eig = np.linalg.eigvalsh(A_hat)                        # спектр в (−1, 1]: слои не раздувают сигнал
    assert eig.max() <= 1 + 1e-12 and eig.min() > -1
    # D̃^{1/2}·1 — собственный вектор с собственным числом 1
    v = np.sqrt(deg)
    np.testing.assert_allclose(A_hat @ v, v)


def test_gcn_layer_equals_message_passing():
    A = random_graph(seed=1)
    rng = np.random.default_rng(0)
    H = rng.normal(size=(len(A), 5))
    layer = GCNLayer(5, 3).double()
    with torch.no_grad():
        layer.bias.normal_()
    W = layer.linear.weight.detach().numpy().T
    b = layer.bias.detach().numpy()
    A_hat = normalized_adjacency(A)
    # сообщение по ребру графа с петлями: Â_vu · h_u W; обновление: m_v + b
    ref = message_passing(A + np.eye(len(A)), H, lambda hv, hu, e: e * (hu @ W),
                          lambda hv, m: m + b, E=A_hat)
    ours = layer(torch.tensor(A_hat), torch.tensor(H)).detach().numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    deg = A.sum(1) + 1                                     # то же для одной вершины вручную
    v = 3
    manual = sum((H[u] @ W) / np.sqrt(deg[v] * deg[u]) for u in [v, *np.flatnonzero(A[v])]) + b
    np.testing.assert_allclose(ours[v], manual, atol=1e-12)


def test_gcn_is_permutation_equivariant():
    A = random_graph(seed=2)
    H = torch.randn(len(A), 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    layer = GCNLayer(4, 3).double()
    perm = np.random.default_rng(1).permutation(len(A))
    P = np.eye(len(A))[perm]
    out = layer(torch.tensor(normalized_adjacency(A)), H)
    out_perm = layer(torch.tensor(normalized_adjacency(P @ A @ P.T)), torch.tensor(P) @ H)
    torch.testing.assert_close(out_perm, torch.tensor(P) @ out)


def test_sage_mean_matches_per_node_formula():
    A = random_graph(seed=3)
    rng = np.random.default_rng(1)
    H, W = rng.normal(size=(len(A), 4)), rng.normal(size=(8, 6))
    ours = sage_mean(A, H, W)
    for v in range(len(A)):
        nb = np.flatnonzero(A[v])
        mean = H[nb].mean(0) if len(nb) else np.zeros(4)
        h = np.maximum(np.concatenate([H[v], mean]) @ W, 0)
        np.testing.assert_allclose(ours[v], h / max(np.linalg.norm(h), 1e-12), atol=1e-12)


def test_gat_coefficients_match_per_edge_formula():
    A = random_graph(seed=4)
    rng = np.random.default_rng(2)
    H, W, a = rng.normal(size=(len(A), 4)), rng.normal(size=(4, 3)), rng.normal(size=6)
    alpha = gat_coefficients(A, H, W, a)
    lrelu = lambda x: x if x > 0 else 0.2 * x
    for i in range(len(A)):
        nb = [i, *np.flatnonzero(A[i])]
        e = np.array([lrelu(a @ np.concatenate([H[i] @ W, H[j] @ W])) for j in nb])
        np.testing.assert_allclose(alpha[i, nb], np.exp(e) / np.exp(e).sum(), atol=1e-12)
        assert np.all(np.delete(alpha[i], nb) == 0)         # вне окрестности — ровно 0
    np.testing.assert_allclose(alpha.sum(1), 1.0)


def test_gat_coefficients_match_torch_softmax():
    A = random_graph(seed=5)
    rng = np.random.default_rng(3)
    H, W, a = rng.normal(size=(len(A), 4)), rng.normal(size=(4, 3)), rng.normal(size=6)
    Z = torch.tensor(H @ W)
    e = torch.nn.functional.leaky_relu(Z @ torch.tensor(a[:3])[:, None]
                                       + (Z @ torch.tensor(a[3:]))[None, :], 0.2)
    e = e.masked_fill(torch.tensor(A + np.eye(len(A))) == 0, float("-inf"))
    torch.testing.assert_close(torch.tensor(gat_coefficients(A, H, W, a)), e.softmax(1))


def test_karate_gcn_learns_from_two_labels():
    A, y = karate_club()
    assert np.allclose(A, A.T) and np.all(np.diag(A) == 0)
    r = train_karate()
    assert r["loss"][-1] < 0.05
    assert r["acc"] >= 0.85                                 # 32 неразмеченные вершины
    # после обучения классы разделены по 2-D эмбеддингу лучше, чем до
    def separation(E):
        c0, c1 = E[y == 0].mean(0), E[y == 1].mean(0)
        return np.linalg.norm(c0 - c1) / (E[y == 0].std() + E[y == 1].std())
    assert separation(r["emb"]) > 2 * separation(r["emb0"])


def test_karate_figure():
    fig = karate_figure()
    assert trace_types(fig) == {"scatter"} and len(fig.data) == 6
    assert sum(1 for t in fig.data if t.visible) == 3
