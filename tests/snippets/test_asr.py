"""WER/CER против прямого определения расстояния Левенштейна, потеря RNN-T против перебора всех
выравниваний и против автоградиента, пирамидальный слой LAS."""

import functools
import math

import numpy as np
import pytest
import torch

from snippets.asr import PyramidBLSTM, align, error_rate, rnnt_log_alpha, rnnt_loss, rnnt_paths


def levenshtein(a, b):
    @functools.cache
    def d(i, j):
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
    return d(len(a), len(b))


def test_error_counts_sum_to_levenshtein_distance():
    rng = np.random.default_rng(0)
    for _ in range(200):
        ref = list(rng.integers(0, 4, rng.integers(1, 8)))
        hyp = list(rng.integers(0, 4, rng.integers(0, 8)))
        wer, c = error_rate(ref, hyp)
        assert c["S"] + c["D"] + c["I"] == levenshtein(tuple(ref), tuple(hyp))
        assert wer == pytest.approx(levenshtein(tuple(ref), tuple(hyp)) / len(ref))
        ops = align(ref, hyp)                         # выравнивание восстанавливает обе строки
        assert [r for op, r, _ in ops if op != "I"] == ref
        assert [h for op, _, h in ops if op != "D"] == hyp


def test_worked_example():
    ref = "включи свет на кухне и в коридоре".split()
    hyp = "включи свет в кухне в коридоре да".split()
    wer, c = error_rate(ref, hyp)
    assert c == {"S": 1, "D": 1, "I": 1, "N": 7} and wer == pytest.approx(3 / 7)


def random_log_probs(T, U, V, seed):
    logits = np.random.default_rng(seed).normal(size=(T, U + 1, V))
    return logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)


@pytest.mark.parametrize("T,target", [(1, [1]), (3, [1, 2]), (4, [1, 2, 1]), (2, [2, 2, 1, 1]), (5, [])])
def test_rnnt_loss_equals_sum_over_all_alignments(T, target):
    lp = random_log_probs(T, len(target), 3, seed=T + len(target))
    paths = list(rnnt_paths(T, target))
    assert len(paths) == math.comb(T + len(target) - 1, len(target))
    brute = np.logaddexp.reduce([sum(lp[t, u, k] for t, u, k in p) for p in paths])
    assert rnnt_loss(lp, target) == pytest.approx(-brute, rel=1e-12)


def test_rnnt_probabilities_of_all_labels_sum_to_one():
    """Σ_y p(y | x) = 1 по всем меткам; P(blank) = 0,8, длинные метки маловероятны — обрезаем U ≤ 8."""
    T = 2
    lp = np.log(np.broadcast_to([0.8, 0.1, 0.1], (T, 10, 3)))
    total = 0.0
    for U in range(9):
        for y in np.ndindex(*(2,) * U):
            target = [k + 1 for k in y]
            total += math.exp(-rnnt_loss(lp[:, :U + 1], target))
    assert total == pytest.approx(1.0, abs=1e-3)


def test_rnnt_loss_matches_torch_autograd_recursion():
    """Та же рекурсия на torch: градиент по логитам существует, потеря совпадает."""
    lp = random_log_probs(4, 2, 3, seed=7)
    logits = torch.tensor(lp, requires_grad=True)
    lsm = logits.log_softmax(-1)
    y = [2, 1]
    alpha = [[None] * 3 for _ in range(4)]
    for t in range(4):
        for u in range(3):
            terms = []
            if t == 0 and u == 0:
                terms.append(torch.zeros((), dtype=torch.float64))
            if t > 0:
                terms.append(alpha[t - 1][u] + lsm[t - 1, u, 0])
            if u > 0:
                terms.append(alpha[t][u - 1] + lsm[t, u - 1, y[u - 1]])
            alpha[t][u] = torch.logsumexp(torch.stack(terms), 0)
    loss = -(alpha[3][2] + lsm[3, 2, 0])
    assert loss.item() == pytest.approx(rnnt_loss(lp, y), rel=1e-12)
    np.testing.assert_allclose(np.exp(rnnt_log_alpha(lp, y))[3, 2],
                               math.exp(alpha[3][2].item()), rtol=1e-12)


def test_pyramid_concatenates_neighbour_frames():
    torch.manual_seed(0)
    layer = PyramidBLSTM(3, 4)
    h = torch.randn(2, 9, 3)
    out = layer(h)
    assert out.shape == (2, 4, 8)
    ref = layer.lstm(h[:, :8].reshape(2, 4, 6))[0]        # пары (0,1), (2,3), …; 9-й кадр отброшен
    torch.testing.assert_close(out, ref)
    manual = torch.cat([h[:, 0], h[:, 1]], dim=-1)
    torch.testing.assert_close(h[:, :8].reshape(2, 4, 6)[:, 0], manual)
