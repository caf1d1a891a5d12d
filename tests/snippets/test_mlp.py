"""MLP на NumPy: градиенты против torch.autograd, численная проверка, обучение."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.mlp import MLP, accuracy, fit, gradient_check, log_softmax, softmax_cross_entropy
from snippets.toy_data import spirals

TORCH_ACT = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
             "gelu": F.gelu, "swish": F.silu, "leaky_relu": lambda x: F.leaky_relu(x, 0.01)}


@pytest.mark.parametrize("activation", list(TORCH_ACT))
def test_backward_matches_torch_autograd(activation):
    rng = np.random.default_rng(1)
    net = MLP([4, 7, 6, 3], activation=activation, init="xavier", seed=2)
    X = rng.normal(size=(9, 4))
    y = rng.integers(0, 3, size=9)
    loss = net.loss(X, y)

    params = [torch.tensor(p, requires_grad=True) for p in net.params]
    h = torch.from_numpy(X)
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = TORCH_ACT[activation](h)
    loss_t = F.cross_entropy(h, torch.from_numpy(y))
    loss_t.backward()
    assert loss == pytest.approx(loss_t.item(), rel=1e-10)
    for ours, p in zip(net.grads, params):
        torch.testing.assert_close(torch.from_numpy(ours), p.grad)


def test_softmax_cross_entropy_matches_torch_and_is_stable():
    rng = np.random.default_rng(0)
    z = rng.normal(scale=50.0, size=(6, 5))  # большие логиты: наивный exp переполнился бы
    y = rng.integers(0, 5, size=6)
    loss, dz = softmax_cross_entropy(z, y)
    zt = torch.tensor(z, requires_grad=True)
    lt = F.cross_entropy(zt, torch.from_numpy(y))
    lt.backward()
    assert loss == pytest.approx(lt.item())
    torch.testing.assert_close(torch.from_numpy(dz), zt.grad)
    torch.testing.assert_close(torch.from_numpy(log_softmax(z)), F.log_softmax(torch.from_numpy(z), 1))


def test_gradient_check_detects_a_wrong_backward():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 3)), np.array([0, 1, 2, 0, 1])
    net = MLP([3, 4, 3], activation="tanh", seed=0)
    assert gradient_check(net, X, y) < 1e-6
    net.d_act = lambda z: np.ones_like(z)  # «забыли» производную активации
    assert gradient_check(net, X, y) > 1e-2


def test_fit_learns_spirals():
    X, y = spirals(60, 3, seed=0)
    net = MLP([2, 64, 3], activation="relu", seed=0)
    history = fit(net, X, y, lr=0.5, epochs=150, batch_size=32)
    assert history[-1] < 0.3 * history[0]
    assert accuracy(net, X, y) > 0.9
