"""MoE: top-k гейтинг против определения, слой против плотной суммы по всем экспертам,
потеря балансировки (границы 1 и N, градиент), обучение маршрутизатора выравнивает нагрузку."""

import torch
import torch.nn.functional as F

from snippets.moe import MoE, balance_router, expert_load, load_balancing_loss, top_k_gates


def test_top_k_gates_definition():
    logits = torch.randn(10, 6, generator=torch.Generator().manual_seed(0))
    gates, idx = top_k_gates(logits, 2)
    assert torch.all((gates > 0).sum(-1) == 2)
    torch.testing.assert_close(gates.sum(-1), torch.ones(10))
    # softmax по k оставленным логитам = softmax всех логитов с −∞ вне top-k
    keep = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, idx, True)
    torch.testing.assert_close(gates, logits.masked_fill(~keep, float("-inf")).softmax(-1))


def test_moe_equals_dense_gated_sum():
    moe = MoE(8, 16, n_experts=4, k=2).double()
    x = torch.randn(20, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    y, _ = moe(x)
    gates, _ = top_k_gates(moe.router(x), 2)
    dense = sum(gates[:, e, None] * expert(x) for e, expert in enumerate(moe.experts))
    torch.testing.assert_close(y, dense)


def test_load_balancing_loss_bounds_and_gradient():
    probs = torch.softmax(torch.randn(64, 4, generator=torch.Generator().manual_seed(2)), -1)
    loss = load_balancing_loss(probs, probs.argmax(-1))
    assert 1.0 - 1e-6 <= float(loss) <= 4.0
    logits = torch.randn(64, 4, requires_grad=True)
    load_balancing_loss(logits.softmax(-1), logits.argmax(-1)).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0
    # Switch: f и P — средние по токенам
    f = F.one_hot(probs.argmax(-1), 4).float().mean(0)
    torch.testing.assert_close(loss, 4 * (f * probs.mean(0)).sum())


def test_balancing_evens_out_the_load():
    moe = MoE(16, 32, n_experts=4, k=2)
    x = torch.randn(512, 16, generator=torch.Generator().manual_seed(0)) + 1.0
    before = expert_load(moe, x)
    history = balance_router(moe, x)
    after = expert_load(moe, x)
    assert history[-1] < history[0]
    assert after.max() - after.min() < before.max() - before.min()
