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


def test_gatv2_matches_per_edge_formula_and_torch():
    from snippets.gnn import gatv2_coefficients
    A = random_graph(seed=6)
    rng = np.random.default_rng(4)
    H, W, a = rng.normal(size=(len(A), 4)), rng.normal(size=(8, 5)), rng.normal(size=5)
    alpha = gatv2_coefficients(A, H, W, a)
    lrelu = lambda x: np.where(x > 0, x, 0.2 * x)
    for i in range(len(A)):
        nb = [i, *np.flatnonzero(A[i])]
        e = np.array([lrelu(np.concatenate([H[i], H[j]]) @ W) @ a for j in nb])
        np.testing.assert_allclose(alpha[i, nb], np.exp(e) / np.exp(e).sum(), atol=1e-12)
    Ht = torch.tensor(H)
    pair = torch.cat([Ht[:, None].expand(-1, len(A), -1), Ht[None].expand(len(A), -1, -1)], -1)
    e = torch.nn.functional.leaky_relu(pair @ torch.tensor(W), 0.2) @ torch.tensor(a)
    e = e.masked_fill(torch.tensor(A + np.eye(len(A))) == 0, float("-inf"))
    torch.testing.assert_close(torch.tensor(alpha), e.softmax(1))


def test_gat_attention_is_static_gatv2_is_not():
    from snippets.gnn import attention_ranking_traces
    gat_top, v2_top = set(), set()
    for i in range(6):                                   # полный граф с петлями: ключи — все 6
        gat, v2 = attention_ranking_traces(i)
        gat_top.add(int(np.argmax(gat.y)))
        v2_top.add(int(np.argmax(v2.y)))
    assert len(gat_top) == 1          # GAT: один и тот же лучший ключ для всех запросов
    assert len(v2_top) >= 3           # GATv2: у разных запросов разные


def test_attention_ranking_figure_frames():
    from snippets._plotting import frame_traces, same_traces
    from snippets.gnn import attention_ranking_figure, attention_ranking_traces
    fig = attention_ranking_figure()
    for i in (0, 3, 5):
        assert same_traces(frame_traces(fig, i), attention_ranking_traces(i))


def test_propagate_is_matrix_power_and_appnp_limit():
    from snippets.gnn import propagate
    A = random_graph(seed=7)
    X = np.random.default_rng(5).normal(size=(len(A), 3))
    A_hat = normalized_adjacency(A)
    np.testing.assert_allclose(propagate(A, X, 5), np.linalg.matrix_power(A_hat, 5) @ X)
    limit = 0.1 * np.linalg.solve(np.eye(len(A)) - 0.9 * A_hat, X)   # персонализированный PageRank
    np.testing.assert_allclose(propagate(A, X, 400, alpha=0.1), limit, atol=1e-10)


def test_oversmoothing_rate_is_second_eigenvalue():
    from snippets.gnn import propagate, smoothness
    A, _ = karate_club()
    X = np.random.default_rng(0).normal(size=(34, 16))
    lam = np.sort(np.abs(np.linalg.eigvalsh(normalized_adjacency(A))))[-2]
    s = [smoothness(A, propagate(A, X, k)) for k in (40, 41)]
    assert s[1] / s[0] == __import__("pytest").approx(lam, rel=0.02)   # асимптотически |λ₂|
    assert smoothness(A, propagate(A, X, 60)) < 1e-3 * smoothness(A, X)
    assert smoothness(A, propagate(A, X, 60, alpha=0.1)) > 0.1 * smoothness(A, X)


def test_smoothing_figure_frames():
    from snippets._plotting import frame_traces, same_traces
    from snippets.gnn import SMOOTH_KS, smoothing_figure, smoothing_traces
    fig = smoothing_figure()
    for i in (0, 2, len(SMOOTH_KS) - 1):
        assert same_traces(frame_traces(fig, i), smoothing_traces(SMOOTH_KS[i]))


def test_heterophily_graph_and_accuracies():
    from snippets.gnn import edge_homophily, heterophily_accuracies, two_class_graph
    for h in (0.1, 0.5, 0.9):
        A, X, y = two_class_graph(homophily=h, seed=3)
        assert abs(edge_homophily(A, y) - h) < 0.05
        assert np.allclose(A, A.T) and np.all(np.diag(A) == 0)
    mixed, homo = heterophily_accuracies(0.5), heterophily_accuracies(1.0)
    assert mixed["ÂX"] < mixed["X"] - 0.05            # смешанные соседи портят признаки
    assert homo["ÂX"] > homo["X"] + 0.1               # свои соседи усредняют шум
    assert mixed["[X ‖ mean N(v)]"] > mixed["ÂX"]     # раздельно себя и соседей — не хуже X


def test_sage_layer_matches_sage_mean_and_generalises():
    from snippets.gnn import SAGE, mean_operator, train_sage
    A = random_graph(seed=8)
    X = np.random.default_rng(6).normal(size=(len(A), 4))
    model = SAGE(4, 5, 2).double()
    W = model.w1.weight.detach().numpy().T
    M = mean_operator(A).double()
    with torch.no_grad():
        h = torch.relu(model.w1(torch.cat([torch.tensor(X), M @ torch.tensor(X)], 1)))
        h = h / h.norm(dim=1, keepdim=True).clamp_min(1e-12)
    np.testing.assert_allclose(h.numpy(), sage_mean(A, X, W), atol=1e-6)   # M хранится во float32
    sampled = mean_operator(A, sample=2).numpy()
    assert np.all((sampled > 0).sum(1) <= 2) and np.all(sampled <= (A > 0))
    r = train_sage()
    assert r["новый граф"] > r["новый граф, только свои признаки"] + 0.05
    assert r["новый граф, 3 соседа"] > r["новый граф, только свои признаки"]
