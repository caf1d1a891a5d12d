"""Word2Vec, PPMI + SVD, GloVe: градиенты против autograd PyTorch, счётчики против перебора."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets._plotting import trace_types
from snippets.word2vec import (
    CLASSES,
    build_vocab,
    cooccurrence,
    embedding_map_figure,
    glove_loss_grads,
    glove_weight,
    keep_probability,
    nearest,
    neighbour_purity,
    noise_distribution,
    pmi_scatter_figure,
    ppmi,
    sgns_loss_grads,
    sgns_vs_shifted_pmi,
    skipgram_pairs,
    svd_embeddings,
    toy_corpus,
    train_glove,
    train_sgns,
    trained,
)


def test_sgns_grads_match_autograd():
    rng = np.random.default_rng(0)
    V, U = rng.normal(size=(7, 4)), rng.normal(size=(7, 4))
    c, o = np.array([0, 1, 1, 3, 0]), np.array([2, 2, 5, 0, 6])        # повторы индексов
    neg = rng.integers(0, 7, size=(5, 3))
    loss, dV, dU = sgns_loss_grads(V, U, c, o, neg)
    Vt, Ut = torch.tensor(V, requires_grad=True), torch.tensor(U, requires_grad=True)
    v = Vt[c]
    ref = (-F.logsigmoid((Ut[o] * v).sum(-1)).sum()
           - F.logsigmoid(-(Ut[neg] * v[:, None]).sum(-1)).sum())
    ref.backward()
    torch.testing.assert_close(torch.tensor(loss, dtype=torch.float64), ref.detach())
    torch.testing.assert_close(torch.tensor(dV), Vt.grad)
    torch.testing.assert_close(torch.tensor(dU), Ut.grad)


def test_glove_grads_match_autograd():
    rng = np.random.default_rng(1)
    n, d = 6, 3
    W, Wc, b, bc = rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=n)
    X = rng.integers(0, 200, size=(n, n)).astype(float) * (rng.random((n, n)) < 0.6)
    i, j = np.nonzero(X)
    loss, grads = glove_loss_grads(W, Wc, b, bc, i, j, X[i, j])
    params = [torch.tensor(p, requires_grad=True) for p in (W, Wc, b, bc)]
    Wt, Wct, bt, bct = params
    x = torch.tensor(X[i, j])
    f = torch.clamp((x / 100) ** 0.75, max=1.0)
    ref = (f * ((Wt[i] * Wct[j]).sum(-1) + bt[i] + bct[j] - torch.log(x)) ** 2).sum()
    ref.backward()
    torch.testing.assert_close(torch.tensor(loss, dtype=torch.float64), ref.detach())
    for g, p in zip(grads, params):
        torch.testing.assert_close(torch.tensor(g), p.grad)


def test_glove_weight_shape():
    x = np.array([0.5, 10.0, 99.0, 100.0, 1e4])
    w = glove_weight(x)
    assert np.all(np.diff(w) >= 0) and w[-1] == 1.0 and w[-2] == 1.0
    assert w[1] == pytest.approx(0.1**0.75)


def test_cooccurrence_and_ppmi_brute_force():
    sents = toy_corpus(200, seed=3)
    words, _ = build_vocab(sents)
    X = cooccurrence(sents, words, window=3)
    ref = np.zeros_like(X)
    for s in sents:
        for a in range(len(s)):
            for bb in range(len(s)):
                if 0 < abs(a - bb) <= 3:
                    ref[words.index(s[a]), words.index(s[bb])] += 1
    np.testing.assert_array_equal(X, ref)
    for alpha in (1.0, 0.75):
        P = ppmi(X, alpha)
        total, cnt = X.sum(), X.sum(0) ** alpha
        for w in range(0, len(words), 7):
            for c in range(0, len(words), 5):
                expect = 0.0 if X[w, c] == 0 else max(
                    0.0, np.log((X[w, c] / total) / (X[w].sum() / total * cnt[c] / cnt.sum())))
                assert P[w, c] == pytest.approx(expect)


def test_skipgram_pairs_within_window():
    rng = np.random.default_rng(0)
    s = [np.arange(10)]
    pairs = skipgram_pairs(s, 3, rng)
    assert np.all(np.abs(pairs[:, 0] - pairs[:, 1]) <= 3) and np.all(pairs[:, 0] != pairs[:, 1])
    np.testing.assert_array_equal(skipgram_pairs(s, 1, rng).shape, (18, 2))   # окно 1: все соседи
    # в среднем контекст на расстоянии 1 встречается вдвое чаще, чем на расстоянии 2 (b ~ U{1,2})
    pairs = skipgram_pairs([np.arange(50)] * 200, 2, rng)
    d = np.abs(pairs[:, 0] - pairs[:, 1])
    assert (d == 1).sum() / (d == 2).sum() == pytest.approx(2.0, rel=0.05)


def test_noise_and_subsampling():
    counts = np.array([1000, 100, 10, 1])
    p = noise_distribution(counts)
    assert p.sum() == pytest.approx(1.0)
    assert p[0] / p[3] == pytest.approx(1000**0.75)           # редкие слова выбираются чаще, чем по частоте
    keep = keep_probability(counts, t=1e-2)
    assert np.all(np.diff(keep) >= 0) and keep[-1] == 1.0 and keep[0] < 0.2


def test_svd_embeddings_reconstruct_psd():
    A = np.random.default_rng(0).normal(size=(6, 6))
    M = A @ A.T
    E = svd_embeddings(M, 6)
    np.testing.assert_allclose(E @ E.T, M, atol=1e-9)


def test_nearest_brute_force():
    rng = np.random.default_rng(2)
    E = rng.normal(size=(9, 4))
    words = [f"w{i}" for i in range(9)]
    got = nearest(E, words, "w3", n=4)
    sims = [(words[k], float(E[k] @ E[3] / np.linalg.norm(E[k]) / np.linalg.norm(E[3])))
            for k in range(9) if k != 3]
    ref = sorted(sims, key=lambda t: -t[1])[:4]
    assert [w for w, _ in got] == [w for w, _ in ref]
    assert [s for _, s in got] == pytest.approx([s for _, s in ref], abs=1e-3)


def test_sgns_learns_classes_and_is_deterministic():
    words, V, _, hist = train_sgns(toy_corpus(), seed=0)
    assert hist[-1] < 0.7 * hist[0]
    assert neighbour_purity(V, words) > 0.9
    _, V2, _, _ = train_sgns(toy_corpus(), seed=0)
    np.testing.assert_array_equal(V, V2)
    assert nearest(V, words, "чай", 1)[0][0] in CLASSES["напитки"]


def test_count_based_and_glove_learn_classes():
    sents = toy_corpus()
    words, _ = build_vocab(sents)
    E = svd_embeddings(ppmi(cooccurrence(sents, words)), 16)
    assert neighbour_purity(E, words) > 0.8
    Eg, hist = train_glove(cooccurrence(sents, words, weighting="harmonic"))
    assert hist[-1] < 0.01 * hist[0]
    assert neighbour_purity(Eg, words) > 0.9


def test_sgns_approximates_shifted_pmi():
    x, y = sgns_vs_shifted_pmi(toy_corpus())
    assert np.corrcoef(x, y)[0, 1] > 0.8
    assert abs(np.mean(y - x)) < 0.3


def test_figures_are_small_scatter():
    words, V, _ = trained()
    for fig in (embedding_map_figure(V, words, "карта"), pmi_scatter_figure(*sgns_vs_shifted_pmi(toy_corpus()))):
        assert trace_types(fig) == {"scatter"}
        assert len(fig.to_json()) < 150_000


def test_analogy_brute_force_and_query_exclusion():
    from snippets.word2vec import analogy
    rng = np.random.default_rng(3)
    E = rng.normal(size=(12, 5))
    words = [f"w{i}" for i in range(12)]
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    for a, b, c in [(0, 1, 2), (3, 4, 5), (6, 7, 8)]:
        cos = En @ En.T
        add = [cos[d, b] - cos[d, a] + cos[d, c] if d not in (a, b, c) else -np.inf for d in range(12)]
        c01 = (cos + 1) / 2
        mul = [c01[d, b] * c01[d, c] / (c01[d, a] + 1e-3) if d not in (a, b, c) else -np.inf
               for d in range(12)]
        q = (words[a], words[b], words[c])
        assert analogy(E, words, *q) == words[int(np.argmax(add))]
        assert analogy(E, words, *q, method="mul") == words[int(np.argmax(mul))]


def test_capital_analogies_on_toy_corpus():
    from snippets.word2vec import capital_analogies
    words, V, U = trained()
    acc_ex, query_ex = capital_analogies(V, words)
    acc_in, query_in = capital_analogies(V, words, exclude=False)
    assert query_ex == 0.0 and query_in > 0.3 and acc_in < acc_ex      # без исключения отвечает словом запроса
    assert capital_analogies(V + U, words)[0] == 1.0


def test_window_slider_frames_and_topical_similarity():
    from snippets._plotting import frame_traces, same_traces
    from snippets.word2vec import (
        WINDOW_WORDS,
        WINDOWS,
        trained_window,
        window_figure,
        window_similarity_traces,
    )
    fig = window_figure()
    for i in (0, len(WINDOWS) - 1):
        assert same_traces(frame_traces(fig, i), window_similarity_traces(WINDOWS[i]))
    z = {m: np.array(window_similarity_traces(m)[0].z) for m in WINDOWS}
    i = {w: k for k, w in enumerate(WINDOW_WORDS)}
    # шире окно — ближе слова одной сцены: «кошка» и «живёт»
    assert z[WINDOWS[-1]][i["кошка"], i["живёт"]] > z[1][i["кошка"], i["живёт"]] + 0.1
    np.testing.assert_allclose(np.diag(z[1]), 1.0, atol=1e-3)
    assert trained_window(2)[0] == trained()[0]
