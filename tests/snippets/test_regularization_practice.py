"""Группы затухания против AdamW, градиент SAM против autograd, мягкая CE против PyTorch."""

import numpy as np
import torch
import torch.nn.functional as F

from snippets.regularization_practice import (
    mix_targets,
    sam_gradient,
    soft_cross_entropy,
    weight_decay_groups,
)


def test_weight_decay_groups_decay_only_matrices():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.LayerNorm(4),
                                torch.nn.Linear(4, 3))
    groups = weight_decay_groups(model.named_parameters(), 0.1)
    assert sum(p.numel() for p in groups[0]["params"]) == 10 * 4 + 4 * 3
    assert sum(p.numel() for p in groups[1]["params"]) == 4 + 4 + 3
    opt = torch.optim.AdamW(groups, lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    for p in model.parameters():
        p.grad = torch.zeros_like(p)                 # градиент 0: меняет веса только затухание
    opt.step()
    for (name, p), p0 in zip(model.named_parameters(), before):
        if p.dim() >= 2:
            torch.testing.assert_close(p.detach(), p0 * (1 - 0.1 * 0.1))
        else:
            torch.testing.assert_close(p.detach(), p0)


def test_sam_gradient_matches_autograd():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))

    def loss_t(w):
        return torch.log1p((torch.from_numpy(A) @ w).pow(2).sum())

    def grad(w):
        wt = torch.tensor(w, requires_grad=True)
        loss_t(wt).backward()
        return wt.grad.numpy()

    w, rho = rng.normal(size=4), 0.05
    wt = torch.tensor(w, requires_grad=True)
    g, = torch.autograd.grad(loss_t(wt), wt)
    w_adv = (wt + rho * g / g.norm()).detach().requires_grad_()
    ref, = torch.autograd.grad(loss_t(w_adv), w_adv)
    np.testing.assert_allclose(sam_gradient(w, grad, rho), ref.numpy(), rtol=1e-6)


def test_soft_cross_entropy_matches_torch_and_is_linear_in_target():
    rng = np.random.default_rng(1)
    z, y1, y2 = rng.normal(size=(5, 4)), np.eye(4)[[0, 1, 2, 3, 0]], np.eye(4)[[1, 1, 0, 2, 3]]
    q = mix_targets(y1, y2, 0.3)
    ref = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(q))
    assert np.isclose(soft_cross_entropy(z, q), ref.item())
    assert np.isclose(soft_cross_entropy(z, q),
                      0.3 * soft_cross_entropy(z, y1) + 0.7 * soft_cross_entropy(z, y2))
