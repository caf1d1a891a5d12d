"""Наши ячейки RNN/LSTM/GRU против torch.nn.*Cell и nn.RNN/LSTM/GRU; усечённый BPTT."""

import math

import pytest
import torch
from torch import nn

from snippets._plotting import trace_types
from snippets.rnn import (
    CELLS,
    SETUPS,
    ElmanRNNCell,
    GRUCell,
    LSTMCell,
    grad_through_time_figure,
    input_grad_norms,
    n_params,
    unroll,
)

TORCH_CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}
TORCH_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cell_matches_torch_forward_and_backward(kind):
    torch.manual_seed(0)
    ref = TORCH_CELLS[kind](5, 7).double()
    ours = CELLS[kind].from_torch(ref).double()
    g = torch.Generator().manual_seed(1)
    xs = torch.randn(6, 3, 5, generator=g, dtype=torch.float64)
    h0 = torch.randn(3, 7, generator=g, dtype=torch.float64)
    state_ref = (h0, h0 * 0.5) if kind == "lstm" else h0
    state_ours = state_ref
    for x in xs:                                   # несколько шагов подряд
        state_ref, state_ours = ref(x, state_ref), ours(x, state_ours)
    out_ref = state_ref[0] if kind == "lstm" else state_ref
    out_ours = state_ours[0] if kind == "lstm" else state_ours
    torch.testing.assert_close(out_ours, out_ref)
    if kind == "lstm":
        torch.testing.assert_close(state_ours[1], state_ref[1])
    w = torch.randn(7, generator=g, dtype=torch.float64)
    (out_ref @ w).sum().backward()
    (out_ours @ w).sum().backward()
    torch.testing.assert_close(ours.W_x.grad, ref.weight_ih.grad.T)
    torch.testing.assert_close(ours.W_h.grad, ref.weight_hh.grad.T)
    torch.testing.assert_close(ours.b_x.grad, ref.bias_ih.grad)
    torch.testing.assert_close(ours.b_h.grad, ref.bias_hh.grad)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_unroll_matches_torch_layer(kind):
    torch.manual_seed(2)
    layer = TORCH_LAYERS[kind](4, 6)
    cell = CELLS[kind](4, 6)
    with torch.no_grad():
        cell.W_x.copy_(layer.weight_ih_l0.T)
        cell.W_h.copy_(layer.weight_hh_l0.T)
        cell.b_x.copy_(layer.bias_ih_l0)
        cell.b_h.copy_(layer.bias_hh_l0)
    xs = torch.randn(9, 2, 4)
    hs, _ = unroll(cell, xs)
    ref, _ = layer(xs)
    torch.testing.assert_close(hs, ref)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("d_in,d_h", [(3, 5), (100, 128)])
def test_param_count_matches_torch(kind, d_in, d_h):
    torch_count = sum(p.numel() for p in TORCH_CELLS[kind](d_in, d_h).parameters())
    assert n_params(kind, d_in, d_h) == torch_count
    assert sum(p.numel() for p in CELLS[kind](d_in, d_h).parameters()) == torch_count
    assert sum(p.numel() for p in TORCH_LAYERS[kind](d_in, d_h).parameters()) == torch_count
    assert n_params(kind, d_in, d_h, two_biases=False) == torch_count - CELLS[kind].k * d_h


def test_gru_has_three_quarters_of_lstm_params():
    assert n_params("gru", 64, 64) * 4 == n_params("lstm", 64, 64) * 3


def test_truncated_bptt_cuts_gradient_but_keeps_recent_steps():
    cell = LSTMCell(3, 4, seed=0)
    xs = torch.randn(12, 1, 3, generator=torch.Generator().manual_seed(0))
    grads = {}
    for k in (None, 5):
        x = xs.clone().requires_grad_()
        hs, _ = unroll(cell, x, truncate=k)
        hs[-1].sum().backward()
        grads[k] = x.grad[:, 0].norm(dim=-1)
    # последний отрезок — шаги 10, 11 (начала отрезков 0, 5, 10)
    assert torch.all(grads[5][:10] == 0) and torch.all(grads[5][10:] > 0)
    torch.testing.assert_close(grads[5][10:], grads[None][10:])
    assert torch.all(grads[None] > 0)
    # прямой проход усечение не меняет
    torch.testing.assert_close(unroll(cell, xs, truncate=5)[0], unroll(cell, xs)[0])


def test_vanishing_and_exploding_through_time():
    rnn = input_grad_norms("rnn")
    assert rnn[-1] / rnn[70] > 1e8 and rnn[0] == 0.0        # затухание у обычной RNN (до нуля float32)
    big = input_grad_norms("rnn", w_scale=4.0)
    assert big[0] / big[-1] > 1e3                            # взрыв при большом W_h
    f0, f3 = input_grad_norms("lstm"), input_grad_norms("lstm", forget_bias=3.0)
    assert f3[0] / f3[-1] > 1e-2 and f0[0] / f0[-1] < 1e-15  # забывающий гейт ≈ 1 сохраняет градиент


def test_figure():
    fig = grad_through_time_figure()
    assert trace_types(fig) == {"scatter"} and len(fig.data) == len(SETUPS)
    assert len(fig.to_json()) < 150_000


def test_cells_are_deterministic_and_in_torch_init_range():
    a, b = GRUCell(4, 9, seed=3), GRUCell(4, 9, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert all(p.abs().max() <= 1 / 3 for p in ElmanRNNCell(4, 9).parameters())


def test_linear_rnn_gradient_follows_spectral_radius():
    from snippets.rnn import radius_grad_norms
    for rho in (0.8, 1.2):
        g = radius_grad_norms(rho, "linear", T=80)
        # ‖W_x W_h^k w‖ ~ ρ^k: наклон лог-нормы на дальних шагах ≈ log ρ
        slope = (math.log(g[0]) - math.log(g[40])) / 40
        assert slope == pytest.approx(math.log(rho), abs=0.02)
    assert radius_grad_norms(1.5, "tanh")[0] < radius_grad_norms(1.5, "linear")[0] * 1e-5  # tanh насыщается


def test_linear_rnn_gradient_matches_closed_form():
    """∂(wᵀh_T)/∂x_t = W_x W_h^{T−t} w для линейной RNN — сверяем autograd с формулой."""
    from snippets.rnn import radius_grad_norms
    T, d, rho = 12, 32, 0.9
    g = torch.Generator().manual_seed(0)
    W_h = torch.randn(d, d, generator=g, dtype=torch.float64)
    W_h *= rho / torch.linalg.eigvals(W_h).abs().max()
    W_x = 0.1 * torch.randn(d, d, generator=g, dtype=torch.float64) / math.sqrt(d)
    torch.randn(T, d, generator=g, dtype=torch.float64)                      # xs (не нужны)
    w = torch.randn(d, generator=g, dtype=torch.float64)
    ref = [(W_x @ torch.linalg.matrix_power(W_h, T - 1 - t) @ w).norm().item() for t in range(T)]
    assert radius_grad_norms(rho, "linear", T=T, d=d) == pytest.approx(ref, rel=1e-9)


def test_spectral_radius_slider_frames_are_the_tested_function():
    from snippets._plotting import frame_traces, same_traces
    from snippets.rnn import RADII, radius_traces, spectral_radius_figure
    fig = spectral_radius_figure()
    for i in (0, 3, len(RADII) - 1):
        assert same_traces(frame_traces(fig, i), radius_traces(RADII[i]))
    assert len(fig.to_json()) < 80_000
