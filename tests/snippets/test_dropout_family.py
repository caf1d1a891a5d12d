"""Max-norm против torch.renorm, DropConnect против autograd, статистика масок."""

import numpy as np
import torch

from snippets.dropout_family import (
    dropconnect_backward,
    dropconnect_forward,
    gaussian_dropout_mask,
    max_norm,
    rnn_dropout_masks,
)


def test_max_norm_matches_torch_renorm():
    W = np.random.default_rng(0).normal(scale=2.0, size=(5, 7))
    ref = torch.renorm(torch.from_numpy(W), p=2, dim=1, maxnorm=3.0)   # dim=1: по столбцам
    np.testing.assert_allclose(max_norm(W, 3.0), ref.numpy(), rtol=1e-6)
    assert np.linalg.norm(max_norm(W, 3.0), axis=0).max() <= 3.0 + 1e-9


def test_dropconnect_backward_matches_autograd_and_is_unbiased():
    rng = np.random.default_rng(1)
    X, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    Y, M = dropconnect_forward(X, W, b, 0.4, rng)
    dY = rng.normal(size=Y.shape)
    Xt, Wt = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    Yt = torch.einsum("ni,nik->nk", Xt, Wt * torch.from_numpy(M)) + torch.from_numpy(b)
    Yt.backward(torch.from_numpy(dY))
    dW, dX = dropconnect_backward(dY, X, W, M)
    np.testing.assert_allclose(Y, Yt.detach().numpy())
    np.testing.assert_allclose(dW, Wt.grad.numpy())
    np.testing.assert_allclose(dX, Xt.grad.numpy())
    many, _ = dropconnect_forward(np.repeat(X[:1], 20_000, axis=0), W, b, 0.4, rng)
    np.testing.assert_allclose(many.mean(axis=0), X[0] @ W + b, atol=0.05)


def test_gaussian_mask_matches_bernoulli_moments():
    rng = np.random.default_rng(2)
    for p in (0.2, 0.5):
        g = gaussian_dropout_mask((400_000,), p, rng)
        bern = (rng.random(400_000) >= p) / (1 - p)
        assert abs(g.mean() - bern.mean()) < 0.01
        assert abs(g.var() - bern.var()) < 0.02


def test_rnn_masks_shared_over_time_only_when_variational():
    rng = np.random.default_rng(3)
    var = rnn_dropout_masks(6, 4, 8, 0.5, rng)
    assert (var == var[0]).all()
    naive = rnn_dropout_masks(6, 4, 8, 0.5, rng, variational=False)
    assert not (naive == naive[0]).all()
    assert set(np.unique(var)) <= {0.0, 2.0}
