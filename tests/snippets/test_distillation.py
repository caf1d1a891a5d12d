"""Дистилляция: формула потери, масштаб T², эффект на игрушечной задаче; прунинг против torch.prune."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

from snippets.distillation import (
    accuracy,
    finetune_pruned,
    kd_loss,
    magnitude_prune,
    make_task,
    mlp,
    sparsity,
    train,
)



def test_kd_loss_matches_soft_cross_entropy_minus_teacher_entropy():
    g = torch.Generator().manual_seed(0)
    z, v, y = torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g), torch.randint(0, 5, (6,))
    T, a = 3.0, 0.7
    p = F.softmax(v / T, 1)
    # KL(p‖q) = H(p, q) − H(p); F.cross_entropy принимает вероятности как цель
    kl = F.cross_entropy(z / T, p) + (p * p.log()).sum(1).mean()
    ref = a * T ** 2 * kl + (1 - a) * F.cross_entropy(z, y)
    torch.testing.assert_close(kd_loss(z, v, y, T, a), ref)


@pytest.mark.parametrize("T", [1.0, 2.0, 5.0])
def test_soft_gradient_is_q_minus_p_over_T(T):
    z = torch.randn(4, 6, requires_grad=True)
    v = torch.randn(4, 6)
    kd_loss(z, v, torch.zeros(4, dtype=torch.long), T, alpha=1.0).backward()
    q, p = F.softmax(z / T, 1), F.softmax(v / T, 1)
    # с множителем T² и усреднением по пакету: T² · (q − p)/(T·N) = T (q − p)/N
    torch.testing.assert_close(z.grad, T * (q - p).detach() / 4)


def test_t_squared_keeps_gradient_scale_at_high_temperature():
    g = torch.Generator().manual_seed(1)
    v = torch.randn(32, 10, generator=g)
    z = (v + 0.5 * torch.randn(32, 10, generator=g)).requires_grad_()
    norms = []
    for T in (5.0, 20.0, 80.0):
        z.grad = None
        kd_loss(z, v, torch.zeros(32, dtype=torch.long), T, alpha=1.0).backward()
        norms.append(z.grad.norm().item())
        # предел Hinton et al.: градиент → (z − v − среднее)/(K·N), не зависит от T
        zc, vc = z.detach() - z.detach().mean(1, keepdim=True), v - v.mean(1, keepdim=True)
        if T == 80.0:
            limit = (zc - vc) / (10 * 32)
            assert (z.grad - limit).norm() < 0.05 * limit.norm()
    assert max(norms) / min(norms) < 1.1


def test_distillation_helps_small_student_on_small_labelled_set():
    X, y = make_task(3000)
    Xtr, ytr, Xte, yte = X[:2000], y[:2000], X[2000:], y[2000:]
    teacher = train(mlp([16, 64, 64, 8]), Xtr, ytr, epochs=100, batch_size=2000, lr=1e-2)
    n = 500
    hard = train(mlp([16, 16, 8], seed=1), Xtr[:n], ytr[:n], epochs=200, batch_size=n, lr=1e-2)
    soft = train(mlp([16, 16, 8], seed=1), Xtr[:n], ytr[:n], epochs=200, batch_size=n, lr=1e-2,
                 teacher=teacher, T=4.0, alpha=0.5)
    assert accuracy(teacher, Xte, yte) > accuracy(soft, Xte, yte) > accuracy(hard, Xte, yte)


def test_magnitude_prune_matches_torch_global_unstructured():
    net = mlp([16, 32, 32, 8], seed=3)
    ours = magnitude_prune(copy.deepcopy(net), 0.7)
    params = [(m, "weight") for m in net.modules() if isinstance(m, nn.Linear)]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=0.7)
    for a, b in zip([m for m in ours.modules() if isinstance(m, nn.Linear)],
                    [m for m in net.modules() if isinstance(m, nn.Linear)]):
        torch.testing.assert_close(a.weight, b.weight)
    assert sparsity(ours) == pytest.approx(0.7, abs=1e-3)


def test_finetuning_keeps_zeros_and_recovers_accuracy():
    X, y = make_task(1500)
    net = train(mlp([16, 64, 8]), X[:1000], y[:1000], epochs=80, batch_size=1000, lr=1e-2)
    pruned = magnitude_prune(copy.deepcopy(net), 0.85)
    before = accuracy(pruned, X[1000:], y[1000:])
    finetune_pruned(pruned, X[:1000], y[:1000], epochs=60, batch_size=1000, lr=1e-2)
    assert sparsity(pruned) == pytest.approx(0.85, abs=1e-3)
    assert accuracy(pruned, X[1000:], y[1000:]) > before + 0.05
