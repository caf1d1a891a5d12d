"""Сигнал ошибки по слоям, якобианы RNN и float16 — против torch.autograd и torch.half."""

import numpy as np
import torch

from snippets._plotting import frame_traces, same_traces
from snippets.gradient_flow import (
    INIT_SCALES,
    LOSS_SCALES,
    backprop_signal_norms,
    bptt_jacobian_norms,
    fp16_fate,
    init_scale_figure,
    init_scale_traces,
    loss_scaling_figure,
    loss_scaling_traces,
    mlp_gradients,
    scaled_mlp,
)


def test_signal_norms_match_torch_autograd():
    depth, width, n = 5, 16, 12
    for act, torch_act in (("tanh", torch.tanh), ("relu", torch.relu)):
        ours = backprop_signal_norms(act, 2.0, depth=depth, width=width, n=n, seed=3)
        net = scaled_mlp(depth, width, act, 2.0, seed=3)
        rng = np.random.default_rng(3)
        X, y = rng.normal(size=(n, width)), rng.integers(0, 10, size=n)
        h, zs = torch.tensor(X, requires_grad=True), []
        params = [torch.from_numpy(p) for p in net.params]
        for i in range(0, len(params), 2):
            z = h @ params[i] + params[i + 1]
            if i < len(params) - 2:
                z.retain_grad()
                zs.append(z)
                h = torch_act(z)
            else:
                h = z
        torch.nn.functional.cross_entropy(h, torch.from_numpy(y)).backward()
        ref = np.array([z.grad.norm().item() for z in zs])
        np.testing.assert_allclose(ours, ref, rtol=1e-10)


def test_he_keeps_relu_signal_and_small_scale_kills_it():
    he = backprop_signal_norms("relu", 2.0)
    small = backprop_signal_norms("relu", 0.5)
    big = backprop_signal_norms("relu", 4.0)
    assert 0.3 < he[0] / he[-1] < 3
    assert small[0] < 1e-4 * small[-1]   # затухание к входу
    assert big[0] > 1e2 * big[-1]        # взрыв к входу


def test_bptt_norms_match_torch_jacobian():
    for act in ("tanh", "linear"):
        ours = bptt_jacobian_norms(1.2, steps=6, hidden=5, activation=act, seed=1)
        rng = np.random.default_rng(1)
        Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
        W, xs = torch.from_numpy(1.2 * Q), torch.from_numpy(rng.normal(size=(6, 5)))
        f = (lambda a: a) if act == "linear" else torch.tanh
        for k in range(1, 7):
            h0 = torch.zeros(5, dtype=torch.float64)
            for x in xs[:6 - k]:
                h0 = f(W @ h0 + x)

            def tail(h, k=k, xs=xs, f=f, W=W):
                for x in xs[6 - k:]:
                    h = f(W @ h + x)
                return h
            J = torch.autograd.functional.jacobian(tail, h0)
            assert np.isclose(ours[k - 1], torch.linalg.matrix_norm(J, 2).item(), rtol=1e-10)


def test_bptt_linear_rnn_follows_pascanu_bound_exactly():
    for s in (0.9, 1.1):
        g = bptt_jacobian_norms(s, steps=20, activation="linear")
        np.testing.assert_allclose(g, s ** np.arange(1, 21), rtol=1e-9)
        assert np.all(bptt_jacobian_norms(s, steps=20) <= g * (1 + 1e-12))   # tanh: γ = 1


def test_fp16_fate_matches_torch_half():
    g = mlp_gradients(depth=6, width=16, n=8)
    g = g[g != 0]
    for s in (1.0, 2.0**10, 2.0**30):
        h = (torch.from_numpy(np.abs(g)) * s).half()
        fate = fp16_fate(g, s)
        assert np.isclose(fate["в ноль"], (h == 0).double().mean().item())
        assert np.isclose(fate["в inf"], torch.isinf(h).double().mean().item())
        tiny = torch.finfo(torch.float16).tiny
        assert np.isclose(fate["субнормальные"], ((h > 0) & (h < tiny)).double().mean().item())


def test_init_scale_figure_frames_are_direct_calls():
    fig = init_scale_figure()
    for i in (0, 3, 5):
        assert same_traces(frame_traces(fig, i), init_scale_traces(INIT_SCALES[i]))


def test_loss_scaling_figure_frames_and_effect():
    fig = loss_scaling_figure()
    grads, bins = mlp_gradients(), np.linspace(-50, 30, 81)
    for i in (0, 4):
        assert same_traces(frame_traces(fig, i), loss_scaling_traces(LOSS_SCALES[i], grads, bins))
    assert fp16_fate(grads, 1.0)["в ноль"] > 0.01
    assert fp16_fate(grads, 2.0**16)["в ноль"] == 0.0
    assert fp16_fate(grads, 2.0**28)["в inf"] > 0
