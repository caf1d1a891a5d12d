"""Нормализации на NumPy против модулей torch.nn: прямой и обратный проход, running-статистики."""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from snippets.normalization import (
    BatchNorm,
    group_norm,
    instance_norm,
    layer_norm,
    rms_norm,
    standardize,
    standardize_backward,
    weight_norm,
    weight_norm_backward,
)

T = torch.from_numpy


def _torch_bn(shape_c, ours: BatchNorm, dim: int) -> nn.Module:
    bn = (nn.BatchNorm1d if dim in (2, 3) else nn.BatchNorm2d)(shape_c).double()
    with torch.no_grad():
        bn.weight.copy_(T(ours.gamma))
        bn.bias.copy_(T(ours.beta))
    return bn


@pytest.mark.parametrize("shape", [(16, 5), (8, 4, 7), (4, 3, 5, 6)])
def test_batchnorm_train_forward_backward_and_running_stats_match_torch(shape):
    rng = np.random.default_rng(0)
    c = shape[1]
    ours = BatchNorm(c)
    ours.gamma, ours.beta = rng.normal(size=c), rng.normal(size=c)
    ref = _torch_bn(c, ours, len(shape))
    ref.train()
    for step in range(3):                                    # несколько шагов: скользящие средние
        x = rng.normal(loc=2.0, scale=3.0, size=shape)
        _assert_step_matches(ours, ref, x, rng.normal(size=shape))
        torch.testing.assert_close(T(ours.dbeta), ref.bias.grad)
        torch.testing.assert_close(T(ours.running_mean), ref.running_mean)
        torch.testing.assert_close(T(ours.running_var), ref.running_var)
        ref.zero_grad()


def _assert_step_matches(ours, ref, x, dy):
    """Один шаг forward/backward нашего BN и torch: выход, ∂L/∂x и ∂L/∂γ совпадают. Возвращает y."""
    y = ours.forward(x)
    dx = ours.backward(dy)
    xt = T(x).requires_grad_()
    yt = ref(xt)
    yt.backward(T(dy))
    torch.testing.assert_close(T(y), yt.detach())
    torch.testing.assert_close(T(dx), xt.grad)
    torch.testing.assert_close(T(ours.dgamma), ref.weight.grad)
    return y


def test_batchnorm_eval_uses_running_stats_forward_and_backward():
    rng = np.random.default_rng(1)
    ours = BatchNorm(6)
    ours.gamma, ours.beta = rng.normal(size=6), rng.normal(size=6)
    ref = _torch_bn(6, ours, 2)
    for _ in range(5):
        x = rng.normal(loc=-1.0, scale=2.0, size=(32, 6))
        ours.forward(x)
        ref(T(x))
    ours.training = False
    ref.eval()
    x = rng.normal(size=(3, 6))                       # маленький пакет: на инференсе это не важно
    y = _assert_step_matches(ours, ref, x, rng.normal(size=(3, 6)))
    # выход примера не зависит от остальных примеров пакета
    torch.testing.assert_close(T(ours.forward(x[:1])), T(y[:1]))


@pytest.mark.parametrize("shape,axes,torch_fn", [
    ((6, 10), (1,), lambda x: F.layer_norm(x, x.shape[1:])),
    ((4, 6, 5), (1, 2), lambda x: F.layer_norm(x, x.shape[1:])),
    ((4, 6, 3, 3), (2, 3), lambda x: F.instance_norm(x)),
    ((8, 5), (0,), lambda x: F.batch_norm(x, None, None, training=True)),
])
def test_standardize_backward_matches_autograd(shape, axes, torch_fn):
    rng = np.random.default_rng(2)
    x, g = rng.normal(size=shape), rng.normal(size=shape)
    xhat, inv_std = standardize(x, axes)
    xt = T(x).requires_grad_()
    yt = torch_fn(xt)
    yt.backward(T(g))
    torch.testing.assert_close(T(xhat), yt.detach())
    torch.testing.assert_close(T(standardize_backward(g, xhat, inv_std, axes)), xt.grad)


@pytest.mark.parametrize("shape", [(5, 8), (3, 4, 8)])
def test_layer_norm_matches_torch(shape):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    ref = nn.LayerNorm(8).double()
    with torch.no_grad():
        ref.weight.normal_()
        ref.bias.normal_()
    ours = layer_norm(x, ref.weight.detach().numpy(), ref.bias.detach().numpy())
    torch.testing.assert_close(T(ours), ref(T(x)).detach())


def test_layer_norm_over_last_two_dims_matches_torch():
    rng = np.random.default_rng(4)
    x, gamma, beta = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    ref = F.layer_norm(T(x), (4, 5), T(gamma), T(beta))
    torch.testing.assert_close(T(layer_norm(x, gamma, beta)), ref)


@pytest.mark.parametrize("module,shape", [(nn.InstanceNorm1d, (3, 4, 9)),
                                          (nn.InstanceNorm2d, (3, 4, 5, 6))])
def test_instance_norm_matches_torch(module, shape):
    x = np.random.default_rng(5).normal(loc=3.0, size=shape)
    torch.testing.assert_close(T(instance_norm(x)), module(shape[1]).double()(T(x)))


@pytest.mark.parametrize("groups,shape", [(1, (2, 6, 4, 4)), (2, (2, 6, 4, 4)), (3, (3, 6, 7)),
                                          (6, (2, 6, 4, 4))])
def test_group_norm_matches_torch(groups, shape):
    rng = np.random.default_rng(6)
    x = rng.normal(size=shape)
    ref = nn.GroupNorm(groups, shape[1]).double()
    with torch.no_grad():
        ref.weight.normal_()
        ref.bias.normal_()
    ours = group_norm(x, groups, ref.weight.detach().numpy(), ref.bias.detach().numpy())
    torch.testing.assert_close(T(ours), ref(T(x)).detach())


@pytest.mark.parametrize("eps", [1e-6, 1e-2])
def test_rms_norm_matches_torch(eps):
    rng = np.random.default_rng(7)
    x, g = rng.normal(loc=1.0, size=(4, 3, 16)), rng.normal(size=16)
    ref = nn.RMSNorm(16, eps=eps).double()
    with torch.no_grad():
        ref.weight.copy_(T(g))
    torch.testing.assert_close(T(rms_norm(x, g, eps)), ref(T(x)).detach())


def test_weight_norm_forward_and_grads_match_torch_parametrization():
    rng = np.random.default_rng(8)
    d_in, d_out = 5, 3
    lin = nn.utils.parametrizations.weight_norm(nn.Linear(d_in, d_out).double(), dim=0)
    V = lin.parametrizations.weight.original1.detach().numpy().T   # torch (out, in) → (in, out)
    g = lin.parametrizations.weight.original0.detach().numpy().ravel()
    torch.testing.assert_close(T(weight_norm(V, g)).T, lin.weight.detach())

    X, G = rng.normal(size=(7, d_in)), rng.normal(size=(7, d_out))
    lin(T(X)).backward(T(G))
    dW = X.T @ G                                                   # ∂L/∂W для Y = XW + b
    dg, dV = weight_norm_backward(dW, V, g)
    torch.testing.assert_close(T(dg), lin.parametrizations.weight.original0.grad.ravel())
    torch.testing.assert_close(T(dV).T, lin.parametrizations.weight.original1.grad)


def test_deepnet_sgd_step_matches_autograd_with_bn():
    from snippets.normalization_experiment import DeepNet
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(16, 2)), rng.integers(0, 3, size=16)
    net = DeepNet(2, 6, 3, depth=3, bn=True, seed=1)
    for bn in net.bns:
        bn.gamma, bn.beta = rng.normal(size=6), rng.normal(size=6)
    Ws = [T(w.copy()).requires_grad_() for w in net.W]
    bs = [T(b.copy()).requires_grad_() for b in net.b]
    gammas = [T(bn.gamma.copy()).requires_grad_() for bn in net.bns]
    betas = [T(bn.beta.copy()).requires_grad_() for bn in net.bns]
    h = T(X)
    for W, b, g, be in zip(Ws[:-1], bs[:-1], gammas, betas):
        h = F.relu(F.batch_norm(h @ W + b, None, None, g, be, training=True))
    F.cross_entropy(h @ Ws[-1] + bs[-1], T(y)).backward()

    from snippets.mlp import softmax_cross_entropy
    before = [w.copy() for w in net.W] + [bn.gamma.copy() for bn in net.bns]
    _, dz = softmax_cross_entropy(net.forward(X), y)
    net.sgd_step(dz, lr=1.0)
    after = net.W + [bn.gamma for bn in net.bns]
    for b0, a, ref in zip(before, after, Ws + gammas):
        torch.testing.assert_close(T(b0 - a), ref.grad)


def test_bn_allows_large_learning_rate():
    from snippets.normalization_experiment import bn_loss_curve
    assert len(bn_loss_curve(False, 1.0)) < 30                    # без BN — расходится
    assert bn_loss_curve(True, 1.0)[-1] < 0.5                     # с BN — обучается
    assert bn_loss_curve(True, 0.01)[-1] < bn_loss_curve(False, 0.01)[-1]


def test_norm_axes_figure_gives_every_set_its_own_colour():
    from snippets.normalization_experiment import norm_axes_figure
    fig = norm_axes_figure(n=4, c=6, groups=2)
    for trace, n_sets in zip(fig.data, (6, 4, 24, 8)):
        z = np.asarray(trace.z)                      # номер множества + 0,5
        assert len(np.unique(z)) == n_sets
        # полоса цветовой шкалы [i/k, (i+1)/k] — цвет множества i; у разных множеств — разные
        colours = {trace.colorscale[2 * int(v - 0.5)][1] for v in np.unique(z)}
        assert len(colours) == n_sets


def test_bn_figure_frames_are_direct_calls_and_divergence_is_visible():
    from snippets._plotting import frame_traces, same_traces
    from snippets.normalization_experiment import BN_LRS, bn_figure, bn_lr_traces
    fig = bn_figure()
    for i in (0, 4):
        assert same_traces(frame_traces(fig, i), bn_lr_traces(BN_LRS[i]))
    diverged = frame_traces(fig, BN_LRS.index(1.0))
    assert any(t.mode == "markers+text" and "nan" in t.text[0] for t in diverged)
