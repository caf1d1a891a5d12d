"""CTC: потеря и градиент против torch.nn.CTCLoss, полный перебор путей, декодеры."""

import itertools

import numpy as np
import pytest
import torch

from snippets._plotting import trace_types
from snippets.ctc import (
    collapse,
    ctc_alpha_beta,
    ctc_grad,
    ctc_loss,
    greedy_decode,
    lattice_figure,
    prefix_beam_search,
    toy_posteriors,
)


def random_log_probs(T, C, seed):
    z = np.random.default_rng(seed).normal(size=(T, C)) * 2
    return z - np.logaddexp.reduce(z, axis=1, keepdims=True)


def brute_force(log_probs, blank=0):
    """p(l|x) для всех меток l перебором всех C^T путей."""
    T, C = log_probs.shape
    probs: dict = {}
    for path in itertools.product(range(C), repeat=T):
        lab = collapse(path, blank)
        probs[lab] = probs.get(lab, 0.0) + np.exp(log_probs[np.arange(T), list(path)].sum())
    return probs


CASES = [(12, 5, [1, 2, 3]), (10, 4, [2, 2]), (15, 6, [1, 1, 1, 4]), (6, 3, []), (9, 3, [1, 2, 1, 2])]


@pytest.mark.parametrize("T,C,target", CASES)
def test_loss_and_grad_match_torch(T, C, target):
    logits = torch.randn(T, 1, C, dtype=torch.float64, generator=torch.Generator().manual_seed(T))
    logits.requires_grad_(True)
    lp = logits.log_softmax(-1)
    ref = torch.nn.CTCLoss(blank=0, reduction="sum")(
        lp, torch.tensor([target], dtype=torch.long).reshape(1, -1), torch.tensor([T]),
        torch.tensor([len(target)]))
    ref.backward()
    lp_np = lp.detach()[:, 0].numpy()
    assert ctc_loss(lp_np, target) == pytest.approx(ref.item(), rel=1e-10)
    torch.testing.assert_close(torch.from_numpy(ctc_grad(lp_np, target)), logits.grad[:, 0])


def test_batch_with_different_lengths_matches_torch_mean_reduction():
    T, C, N = 20, 7, 4
    lengths, targets = [20, 17, 11, 20], [[1, 2, 3, 4], [5, 5, 6], [2], [3, 1, 3, 1, 3]]
    gen = torch.Generator().manual_seed(1)
    lp = torch.randn(T, N, C, dtype=torch.float64, generator=gen).log_softmax(-1)
    flat = torch.tensor(sum(targets, []))
    ref = torch.nn.CTCLoss(reduction="mean")(lp, flat, torch.tensor(lengths),
                                             torch.tensor([len(t) for t in targets]))
    # reduction="mean": потеря каждого примера делится на длину его цели, затем среднее по пакету
    ours = np.mean([ctc_loss(lp[:L, n].numpy(), tg) / len(tg)
                    for n, (L, tg) in enumerate(zip(lengths, targets))])
    assert ours == pytest.approx(ref.item(), rel=1e-10)


def test_loss_equals_brute_force_sum_over_paths():
    lp = random_log_probs(6, 3, 0)
    probs = brute_force(lp)
    for lab in [(1,), (1, 2), (2, 2), (1, 2, 1), ()]:
        assert np.exp(-ctc_loss(lp, list(lab))) == pytest.approx(probs[lab], rel=1e-10)
    assert sum(probs.values()) == pytest.approx(1.0)


def test_occupancy_is_a_distribution_per_frame():
    lp = random_log_probs(14, 5, 2)
    target = [1, 3, 3, 2]
    alpha, beta = ctc_alpha_beta(lp, target)
    occ = np.exp(alpha + beta + ctc_loss(lp, target))
    np.testing.assert_allclose(occ.sum(1), 1.0)          # в каждом кадре путь где-то проходит


def test_infeasible_target_has_zero_probability():
    lp = random_log_probs(3, 3, 0)                       # «aa» требует ≥ 3 кадров: a, ∅, a
    assert np.isfinite(ctc_loss(lp, [1, 1]))
    assert ctc_loss(lp[:2], [1, 1]) == np.inf


def test_greedy_decoding_and_collapse():
    assert collapse([0, 1, 1, 0, 0, 1, 2, 0]) == (1, 1, 2)
    path = [0, 2, 2, 0, 3, 3, 3, 0]
    lp = np.log(np.full((8, 4), 0.01))
    lp[np.arange(8), path] = np.log(0.97)
    assert greedy_decode(lp) == (2, 3)


@pytest.mark.parametrize("seed", range(4))
def test_prefix_beam_is_exact_with_wide_beam(seed):
    lp = random_log_probs(6, 3, seed)
    probs = brute_force(lp)
    beams = prefix_beam_search(lp, beam=10_000)
    best = max(probs, key=probs.get)
    assert beams[0][0] == best
    for prefix, logp in beams[:10]:      # вероятности префиксов — точные p(l | x)
        assert logp == pytest.approx(np.log(probs[prefix]), abs=1e-3)


def test_beam_beats_greedy_on_classic_example():
    lp = np.log([[0.6, 0.4], [0.6, 0.4]])
    assert greedy_decode(lp) == ()                       # лучший путь «∅∅»: 0,36
    assert prefix_beam_search(lp, beam=4)[0][0] == (1,)  # а метка «a» вероятнее: 0,64


def test_narrow_beam_still_finds_label_on_peaky_posteriors():
    target = [1, 2, 3, 2]
    lp = toy_posteriors(target, T=30, n_classes=5, seed=0)
    assert prefix_beam_search(lp, beam=4)[0][0] == tuple(target)
    assert greedy_decode(lp) == tuple(target)
    fig = lattice_figure(lp, target, "∅abcd")
    assert trace_types(fig) == {"heatmap"}
