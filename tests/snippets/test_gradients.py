"""Затухание/взрыв градиентов и отсечение градиента против PyTorch."""

import numpy as np
import torch

from snippets.gradients import (
    backprop_vs_numeric_cost,
    clip_by_global_norm,
    clip_by_value,
    grad_norms_figure,
    layer_grad_norms,
)


def test_sigmoid_gradients_vanish_towards_input():
    g = layer_grad_norms(depth=20, activation="sigmoid", init="xavier")
    assert g[0] < 1e-3 * g[-1]


def test_tanh_small_init_kills_the_signal_and_large_init_explodes():
    small = layer_grad_norms(depth=20, activation="tanh", init="small")
    assert small.max() < 1e-15  # сигнал затух ещё в прямом проходе
    large = layer_grad_norms(depth=20, activation="tanh", init="large")
    assert large[0] > 1e4 * large[-1]  # к входу градиент растёт на порядки
    xavier = layer_grad_norms(depth=20, activation="tanh", init="xavier")
    assert 0.05 < xavier[0] / xavier[-1] < 20


def test_he_keeps_relu_gradients_within_an_order_of_magnitude():
    g = layer_grad_norms(depth=20, activation="relu", init="he")
    assert g.max() / g.min() < 10


def test_clip_by_global_norm_matches_torch():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    clipped, total = clip_by_global_norm(grads, 1.0)
    assert np.isclose(total, total_t.item())
    for ours, p in zip(clipped, params):
        torch.testing.assert_close(torch.from_numpy(ours), p.grad)


def test_clip_by_value_matches_torch():
    rng = np.random.default_rng(1)
    g = rng.normal(scale=2.0, size=(4, 4))
    p = torch.zeros(4, 4, dtype=torch.float64, requires_grad=True)
    p.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_value_([p], 0.5)
    torch.testing.assert_close(torch.from_numpy(clip_by_value([g], 0.5)[0]), p.grad)


def test_cost_counts_and_figure():
    cost = backprop_vs_numeric_cost([10, 5, 2])
    assert cost["параметров"] == 10 * 5 + 5 + 5 * 2 + 2
    assert cost["численно, прямых проходов"] == 2 * cost["параметров"]
    assert cost["во сколько раз дороже"] == round(2 * cost["параметров"] / 3)
    fig = grad_norms_figure(depth=20)
    assert len(fig.data) == 6 and fig.layout.yaxis.type == "log"


def test_max_pool_matches_torch_including_ties():
    from snippets.gradients import max_pool2d, max_pool2d_backward
    rng = np.random.default_rng(0)
    for x in (rng.normal(size=(6, 8)), rng.integers(0, 3, size=(6, 8)).astype(float)):  # 2-й — с равенствами
        out, mask = max_pool2d(x)
        dy = rng.normal(size=out.shape)
        xt = torch.tensor(x, requires_grad=True)
        yt = torch.nn.functional.max_pool2d(xt[None, None], 2)[0, 0]
        yt.backward(torch.from_numpy(dy))
        torch.testing.assert_close(torch.from_numpy(out), yt.detach())
        torch.testing.assert_close(torch.from_numpy(max_pool2d_backward(dy, mask)), xt.grad)
