"""VJP тензорных операций против torch.autograd на случайных входах."""

import numpy as np
import pytest
import torch

from snippets.tensor_vjp import jacobian_vs_vjp_sizes, matmul_vjp, softmax, softmax_vjp, unbroadcast


@pytest.mark.parametrize("seed", range(3))
def test_linear_layer_vjp_matches_torch(seed):
    rng = np.random.default_rng(seed)
    X, W, b, G = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 4))
    Xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (X, W, b))
    (Xt @ Wt + bt).backward(torch.tensor(G))
    dX, dW = matmul_vjp(X, W, G)
    torch.testing.assert_close(torch.tensor(dX), Xt.grad)
    torch.testing.assert_close(torch.tensor(dW), Wt.grad)
    torch.testing.assert_close(torch.tensor(unbroadcast(G, b.shape)), bt.grad)


def test_unbroadcast_handles_size_one_axes_like_torch():
    rng = np.random.default_rng(1)
    a, G = rng.normal(size=(2, 1, 3)), rng.normal(size=(4, 2, 5, 3))
    at = torch.tensor(a, requires_grad=True)
    (at * torch.ones(4, 2, 5, 3, dtype=torch.float64)).backward(torch.tensor(G))
    torch.testing.assert_close(torch.tensor(unbroadcast(G, a.shape)), at.grad)


def test_softmax_vjp_matches_torch_and_the_explicit_jacobian():
    rng = np.random.default_rng(2)
    Z, G = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    Zt = torch.tensor(Z, requires_grad=True)
    Yt = torch.softmax(Zt, dim=-1)
    Yt.backward(torch.tensor(G))
    Y = softmax(Z)
    torch.testing.assert_close(torch.tensor(Y), Yt.detach())
    torch.testing.assert_close(torch.tensor(softmax_vjp(Y, G)), Zt.grad)
    J = np.diag(Y[0]) - np.outer(Y[0], Y[0])
    np.testing.assert_allclose(J.T @ G[0], softmax_vjp(Y, G)[0])


def test_jacobian_is_much_larger_than_the_vjp():
    jac, vjp = jacobian_vs_vjp_sizes(64, 1024, 1024)
    assert jac == 64 * 1024 ** 3 and vjp == 64 * 1024 ** 2
