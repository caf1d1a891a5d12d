"""Цикл обучения вокруг MLP: разбиение, накопление градиента, оптимизаторы против torch.optim."""

import numpy as np
import torch

from snippets.mlp import MLP
from snippets.mlp_training import accumulated_grads, fit_with, train_val_split
from snippets.optimizers import SGD, Adam
from snippets.toy_data import spirals


def test_split_is_a_partition_and_deterministic():
    X, y = np.arange(50.0)[:, None], np.arange(50)
    a = train_val_split(X, y, 0.2, seed=3)
    b = train_val_split(X, y, 0.2, seed=3)
    assert len(a[3]) == 10 and sorted(np.r_[a[1], a[3]].tolist()) == list(range(50))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))


def test_accumulated_gradient_equals_full_batch_gradient():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 3, 30)
    net = MLP([4, 7, 3], activation="tanh", seed=1)
    net.loss(X, y)
    full = [g.copy() for g in net.grads]
    for micro in (1, 4, 7, 30):                       # 30 = 4·7 + 2: неровный последний кусок
        for a, f in zip(accumulated_grads(net, X, y, micro), full):
            np.testing.assert_allclose(a, f, atol=1e-14)


def test_one_epoch_with_adam_matches_torch_on_the_same_batches():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, 12)
    net = MLP([3, 5, 2], activation="tanh", seed=0)
    P = [torch.tensor(p.copy(), requires_grad=True) for p in net.params]
    opt_t = torch.optim.Adam(P, lr=0.01, weight_decay=1e-3)
    fit_with(net, Adam(lr=0.01, weight_decay=1e-3), X, y, X, y, epochs=1, batch_size=12)
    opt_t.zero_grad()
    logits = torch.tanh(torch.tensor(X) @ P[0] + P[1]) @ P[2] + P[3]
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    opt_t.step()
    for ours, theirs in zip(net.params, P):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-12)


def test_training_with_micro_batches_follows_the_same_path():
    X, y = spirals(n_per_class=20, n_classes=3, seed=0)
    a, b = MLP([2, 16, 3], seed=0), MLP([2, 16, 3], seed=0)
    ha = fit_with(a, SGD(lr=0.1, momentum=0.9), X, y, X, y, epochs=5, batch_size=12)
    hb = fit_with(b, SGD(lr=0.1, momentum=0.9), X, y, X, y, epochs=5, batch_size=12, micro=5)
    np.testing.assert_allclose(ha["train"], hb["train"], rtol=1e-10)
    assert ha["train"][-1] < ha["train"][0]
