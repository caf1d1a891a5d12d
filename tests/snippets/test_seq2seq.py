"""Seq2seq с вниманием: внимание Луонга против F.scaled_dot_product_attention, Бахданау против
формулы, лучевой поиск против полного перебора, обучение на развороте."""

import itertools

import pytest
import torch
import torch.nn.functional as F

from snippets._plotting import trace_types
from snippets.seq2seq import (
    EOS,
    AdditiveAttention,
    MultiplicativeAttention,
    Seq2Seq,
    attention_figure,
    attention_weights,
    beam_search,
    greedy,
    loss_figure,
    markov_step,
    model_step,
    reversal_batch,
    sequence_accuracy,
    trained,
)


@pytest.mark.parametrize("kind", ["dot", "general"])
def test_luong_matches_sdpa_without_scaling(kind):
    torch.manual_seed(0)
    att = MultiplicativeAttention(6, 6, kind=kind).double()
    q, H = torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 9, 6, dtype=torch.float64)
    c, alpha = att(q, H)
    keys = att.W(H) if kind == "general" else H
    ref = F.scaled_dot_product_attention(q[:, None], keys, H, scale=1.0)[:, 0]
    torch.testing.assert_close(c, ref)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(4, dtype=torch.float64))


def test_bahdanau_matches_formula():
    torch.manual_seed(1)
    att = AdditiveAttention(5, 7, 8).double()
    q, H = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 4, 7, dtype=torch.float64)
    c, alpha = att(q, H)
    Ws, Wh, v = att.W_s.weight.T, att.W_h.weight.T, att.v.weight[0]
    for b in range(3):
        e = torch.stack([v @ torch.tanh(q[b] @ Ws + H[b, j] @ Wh) for j in range(4)])
        a = torch.softmax(e, 0)
        torch.testing.assert_close(alpha[b], a)
        torch.testing.assert_close(c[b], (a[:, None] * H[b]).sum(0))


@pytest.mark.parametrize("attention", ["bahdanau", "luong", None])
def test_teacher_forcing_equals_stepwise_and_is_causal(attention):
    state = torch.random.get_rng_state()
    model = Seq2Seq(attention=attention, seed=3).eval()
    assert torch.equal(state, torch.random.get_rng_state())        # глобальный генератор не тронут
    src, tgt_in, _ = reversal_batch(5, n=6, seed=1)
    with torch.no_grad():
        full = model(src, tgt_in)
        H, s = model.encode(src)
        for t in range(tgt_in.shape[1]):
            logp, s, alpha = model.step(tgt_in[:, t], s, H)
            torch.testing.assert_close(full[:, t], logp)
            assert (alpha is None) == (attention is None)
        changed = tgt_in.clone()
        changed[:, 4:] = (changed[:, 4:] + 1) % 10                 # меняем будущие входы декодера
        torch.testing.assert_close(model(src, changed)[:, :4], full[:, :4])
    torch.testing.assert_close(full.exp().sum(-1), torch.ones(5, 7))


def all_hypotheses(P, max_len):
    """Все гипотезы, которые может держать луч: законченные (…, EOS) и незаконченные длины max_len."""
    V = P.shape[0]
    for L in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=L):
            if EOS_T in seq[:-1] or (seq[-1] != EOS_T and L < max_len):
                continue
            prev, lp = BOS_T, 0.0
            for tok in seq:
                lp, prev = lp + P[prev, tok].item(), tok
            yield list(seq), lp


BOS_T, EOS_T = 0, 0


def test_beam_search_exhaustive_equals_brute_force_and_beats_greedy():
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        P = torch.log_softmax(2 * torch.randn(4, 4, generator=g), dim=-1).double()
        step = markov_step(P)
        best_seq, best_lp = max(all_hypotheses(P, 4), key=lambda h: h[1])
        seq, lp = beam_search(step, None, beam=4**4, max_len=4, bos=BOS_T, eos=EOS_T)
        assert seq == best_seq and lp == pytest.approx(best_lp)
        g_seq, g_lp = greedy(step, None, max_len=4, bos=BOS_T, eos=EOS_T)
        assert g_lp <= best_lp + 1e-12
        assert beam_search(step, None, beam=1, max_len=4, bos=BOS_T, eos=EOS_T) == (g_seq, g_lp)


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
def test_attention_learns_reversal_and_beats_no_attention(attention):
    model, losses = trained(attention)
    assert losses[-1] < 0.1 * losses[0]
    assert sequence_accuracy(model) > 0.9
    plain, _ = trained(None)
    assert sequence_accuracy(plain) < 0.4                   # тот же бюджет обучения без внимания
    src = [3, 1, 4, 1, 5, 9]
    out, A = attention_weights(model, src)
    assert out == src[::-1] + [EOS]
    torch.testing.assert_close(A.sum(-1), torch.ones(len(out)))
    n = len(src)                                            # внимание — около антидиагонали j = n − 1 − t
    near = [A[t, max(0, n - 2 - t):n - t + 1].sum().item() for t in range(n)]
    assert sum(near) / n > 0.8
    step, s0 = model_step(model, src)
    assert greedy(step, s0)[0] == out
    assert beam_search(step, s0, beam=3)[0] == out


def test_figures():
    model, losses = trained("luong")
    fig = attention_figure(model, [3, 1, 4, 1, 5, 9])
    assert trace_types(fig) == {"heatmap"} and len(fig.to_json()) < 150_000
    fig = loss_figure({"с вниманием": losses, "без внимания": trained(None)[1]})
    assert trace_types(fig) == {"scatter"} and len(fig.data[0].y) == len(losses) - 9
