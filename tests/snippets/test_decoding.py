"""Декодирование: top-k и top-p против алгоритма Hugging Face (TopK/TopPLogitsWarper, переписан
здесь как оракул), частоты сэмплов против распределения, кадры фигуры против прямого вызова."""

import pytest
import torch

from snippets._plotting import frame_traces, same_traces
from snippets.decoding import (
    TEMPERATURES,
    entropy_bits,
    next_token_probs,
    sample,
    sampling_figure,
    sampling_traces,
    top_k_filter,
    top_p_filter,
    zipf_logits,
)


def hf_top_p(scores, top_p):
    """Алгоритм transformers.TopPLogitsWarper (сортировка по возрастанию)."""
    sorted_logits, sorted_indices = torch.sort(scores, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove_sorted = cumulative <= (1 - top_p)
    remove_sorted[..., -1:] = False
    remove = remove_sorted.scatter(-1, sorted_indices, remove_sorted)
    return scores.masked_fill(remove, float("-inf"))


def hf_top_k(scores, top_k):
    remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
    return scores.masked_fill(remove, float("-inf"))


@pytest.mark.parametrize("p", [0.3, 0.5, 0.77, 0.9, 0.99])
def test_top_p_matches_hf_algorithm(p):
    logits = torch.randn(8, 50, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    ours, ref = top_p_filter(logits, p), hf_top_p(logits, p)
    assert torch.equal(torch.isinf(ours), torch.isinf(ref))
    kept = torch.softmax(logits, -1).masked_fill(torch.isinf(ours), 0).sum(-1)
    assert torch.all(kept >= p)                                  # ядро набрало ≥ p
    # и оно наименьшее: без самого маловероятного из оставленных сумма < p
    probs = torch.softmax(logits, -1).masked_fill(torch.isinf(ours), float("inf"))
    assert torch.all(kept - probs.min(-1).values < p)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_top_k_matches_hf_algorithm(k):
    logits = torch.randn(4, 30, generator=torch.Generator().manual_seed(1))
    ours = top_k_filter(logits, k)
    assert torch.equal(ours, hf_top_k(logits, k))
    assert torch.all(torch.isfinite(ours).sum(-1) == k)


def test_temperature_limits():
    z = zipf_logits()
    cold = next_token_probs(z, temperature=0.01)
    assert cold[0] > 0.999                                       # T → 0: argmax
    hot = next_token_probs(z, temperature=1e3)
    torch.testing.assert_close(hot, torch.full_like(z, 1 / len(z)), atol=1e-3, rtol=0)
    # энтропия растёт с температурой
    h = [entropy_bits(next_token_probs(z, t)) for t in TEMPERATURES]
    assert all(a < b for a, b in zip(h, h[1:]))


def test_sample_frequencies_follow_the_distribution():
    z = zipf_logits()
    g = torch.Generator().manual_seed(0)
    for kw in ({}, {"k": 3}, {"p": 0.9}, {"temperature": 0.5}):
        s = sample(z, g, n=20_000, **kw)
        freq = torch.bincount(s, minlength=len(z)).double() / len(s)
        probs = next_token_probs(z, **kw).double()
        torch.testing.assert_close(freq, probs, atol=0.015, rtol=0)
        assert torch.all(freq[probs == 0] == 0)                 # отброшенные не выпадают


def test_sampling_figure_frames_equal_direct_calls():
    fig = sampling_figure()
    for i in (0, 3, len(TEMPERATURES) - 1):
        assert same_traces(frame_traces(fig, i), sampling_traces(TEMPERATURES[i]))
    assert fig.layout.sliders[0].active == 3
