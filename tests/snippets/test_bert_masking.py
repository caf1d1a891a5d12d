"""BERT: статистика маскирования MLM (15 %, 80/10/10), NSP, выбор отрезка QA, число параметров."""

import numpy as np
import pytest
from scipy import stats
from torch import nn

from snippets.bert_masking import (
    IGNORE,
    bert_input,
    bert_param_count,
    best_span,
    mlm_mask,
    nsp_pairs,
)
from snippets.transformer import TransformerBlock

V, MASK, SPECIAL = 1000, 3, [0, 1, 2, 3]        # [PAD], [CLS], [SEP], [MASK]


@pytest.fixture(scope="module")
def masked():
    rng = np.random.default_rng(0)
    ids = rng.integers(4, V, size=(400, 500))
    ids[:, 0], ids[:, 250], ids[:, -1] = 1, 2, 2        # [CLS] … [SEP] … [SEP]
    ids[::7, 400:] = 0                                  # дополнение
    inputs, labels = mlm_mask(ids, V, MASK, SPECIAL, np.random.default_rng(1))
    return ids, inputs, labels


def test_specials_are_never_selected_and_labels_are_originals(masked):
    ids, inputs, labels = masked
    special = np.isin(ids, SPECIAL)
    assert np.all(labels[special] == IGNORE) and np.all(inputs[special] == ids[special])
    sel = labels != IGNORE
    assert np.array_equal(labels[sel], ids[sel])
    assert np.array_equal(inputs[~sel], ids[~sel])       # невыбранные не тронуты


def test_selection_rate_is_15_percent(masked):
    ids, _, labels = masked
    n = int((~np.isin(ids, SPECIAL)).sum())
    k = int((labels != IGNORE).sum())
    assert stats.binomtest(k, n, 0.15).pvalue > 1e-3
    assert abs(k / n - 0.15) < 0.003


def test_80_10_10_rule(masked):
    ids, inputs, labels = masked
    sel = labels != IGNORE
    became_mask = inputs[sel] == MASK
    unchanged = inputs[sel] == ids[sel]
    other = ~became_mask & ~unchanged
    observed = [became_mask.sum(), other.sum(), unchanged.sum()]
    # случайный токен может совпасть с [MASK] или с исходным (вероятность 1/V каждое)
    p = np.array([0.8 + 0.1 / V, 0.1 * (1 - 2 / V), 0.1 + 0.1 / V])
    assert stats.chisquare(observed, p * sel.sum()).pvalue > 1e-3
    assert np.allclose(np.array(observed) / sel.sum(), [0.8, 0.1, 0.1], atol=0.01)


def test_random_replacements_are_uniform_over_vocabulary(masked):
    ids, inputs, labels = masked
    sel = labels != IGNORE
    replaced = inputs[sel][(inputs[sel] != MASK) & (inputs[sel] != ids[sel])]
    counts = np.bincount(replaced * 10 // V, minlength=10)          # 10 корзин по 100 id
    assert stats.chisquare(counts).pvalue > 1e-3


def test_masking_is_deterministic_given_the_generator():
    ids = np.arange(4, 104)
    a = mlm_mask(ids, V, MASK, SPECIAL, np.random.default_rng(7))
    b = mlm_mask(ids, V, MASK, SPECIAL, np.random.default_rng(7))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_bert_input_format():
    tokens, segments = bert_input(["a"], ["b", "c"])
    assert tokens == ["[CLS]", "a", "[SEP]", "b", "c", "[SEP]"] and segments == [0, 0, 0, 1, 1, 1]
    assert bert_input(["a"]) == (["[CLS]", "a", "[SEP]"], [0, 0, 0])


def test_nsp_pairs_are_half_positive_and_negatives_are_not_next():
    sentences = [f"s{i}" for i in range(4001)]
    pairs = nsp_pairs(sentences, np.random.default_rng(0))
    is_next = np.array([p[2] for p in pairs])
    assert stats.binomtest(int(is_next.sum()), len(pairs), 0.5).pvalue > 1e-3
    for i, (a, b, nxt) in enumerate(pairs):
        assert a == sentences[i]
        assert (b == sentences[i + 1]) == nxt and b != a


def test_best_span_matches_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(50):
        s, e = rng.normal(size=12), rng.normal(size=12)
        best = max(((i, j) for i in range(12) for j in range(i, min(12, i + 4))),
                   key=lambda ij: s[ij[0]] + e[ij[1]])
        assert best_span(s, e, max_len=4) == best


def test_param_count_formula_matches_an_actual_bert_module():
    L, d, vocab, max_pos = 2, 16, 50, 20
    bert = nn.ModuleDict({
        "tok": nn.Embedding(vocab, d), "pos": nn.Embedding(max_pos, d), "seg": nn.Embedding(2, d),
        "ln": nn.LayerNorm(d),
        "blocks": nn.ModuleList(TransformerBlock(d, 4, pre_ln=False) for _ in range(L)),
        "pooler": nn.Linear(d, d)})
    assert sum(p.numel() for p in bert.parameters()) == bert_param_count(L, d, vocab, max_pos)
