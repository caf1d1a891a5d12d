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


def test_best_by_length_equals_brute_force():
    from snippets.seq2seq import best_by_length
    g = torch.Generator().manual_seed(5)
    P = torch.log_softmax(torch.randn(4, 4, generator=g, dtype=torch.float64), -1)
    exact = best_by_length(P, 4)
    for L in range(1, 5):
        ref = max((lp for seq, lp in all_hypotheses(P, L) if len(seq) == L and seq[-1] == EOS_T),
                  default=float("-inf"))
        assert exact[L - 1] == pytest.approx(ref)


def test_beam_finished_is_exhaustive_for_wide_beam_and_greedy_for_one():
    from snippets.seq2seq import beam_finished
    g = torch.Generator().manual_seed(6)
    for _ in range(3):
        P = torch.log_softmax(2 * torch.randn(4, 4, generator=g, dtype=torch.float64), -1)
        step = markov_step(P)
        finished = beam_finished(step, None, beam=4**4, max_len=4, bos=BOS_T, eos=EOS_T)
        ref = {tuple(s): lp for s, lp in all_hypotheses(P, 4) if s[-1] == EOS_T}
        assert {tuple(s): pytest.approx(lp) for s, lp in finished} == ref
        g_seq, g_lp = greedy(step, None, max_len=4, bos=BOS_T, eos=EOS_T)
        one = beam_finished(step, None, beam=1, max_len=4, bos=BOS_T, eos=EOS_T)
        assert one == ([(g_seq, g_lp)] if g_seq[-1] == EOS_T else [])


def test_wide_beam_finds_the_empty_translation_and_length_penalty_fixes_it():
    from snippets._plotting import frame_traces, same_traces
    from snippets.seq2seq import (
        BEAM_TOY,
        BEAM_WIDTHS,
        beam_finished,
        beam_width_figure,
        beam_width_traces,
        best_by_length,
        length_penalty,
        toy_translation_model,
    )
    P = toy_translation_model(*BEAM_TOY)
    torch.testing.assert_close(P.exp().sum(-1), torch.ones(len(P), dtype=torch.float64))
    exact = best_by_length(P, 10)
    assert max(range(10), key=exact.__getitem__) == 0                  # мода модели — пустой перевод
    full = list(range(1, len(BEAM_TOY[0]) + 1)) + [0]
    lengths = []
    for B in BEAM_WIDTHS:
        hyps = beam_finished(markov_step(P), None, B, max_len=10, bos=0, eos=0)
        lengths.append(len(max(hyps, key=lambda h: h[1])[0]))
        assert max(hyps, key=lambda h: h[1] / length_penalty(len(h[0])))[0] == full
    assert lengths[0] == len(full) and lengths[-1] == 1
    assert all(a >= b for a, b in itertools.pairwise(lengths))           # шире луч — короче ответ
    fig = beam_width_figure()
    for i in (0, 1, len(BEAM_WIDTHS) - 1):
        assert same_traces(frame_traces(fig, i), beam_width_traces(BEAM_WIDTHS[i]))


def test_perplexity_with_attention_is_lower():
    from snippets.seq2seq import decoder_perplexity
    with_att, without = decoder_perplexity(trained("luong")[0]), decoder_perplexity(trained(None)[0])
    assert 1.0 <= with_att < without < 12.0                                # 12 — равномерная по словарю
