"""LoRA: слой в начале равен замороженному, слияние точное, обучаются только A и B."""

import torch
from torch import nn

from snippets.lora import (
    LoRALinear,
    apply_lora,
    discriminative_param_groups,
    finetune_memory_gb,
    freeze_except,
    lora_transformer_params,
)


def test_starts_equal_to_frozen_layer():
    torch.manual_seed(0)
    base = nn.Linear(20, 7)
    layer = LoRALinear(base, r=4, alpha=8)
    x = torch.randn(5, 20)
    torch.testing.assert_close(layer(x), base(x), rtol=0, atol=0)
    assert torch.count_nonzero(layer.B) == 0 and torch.count_nonzero(layer.A) > 0


def test_only_a_and_b_are_trained_and_b_gets_gradient_first():
    torch.manual_seed(1)
    layer = LoRALinear(nn.Linear(6, 3), r=2, alpha=2)
    trainable = [n for n, p in layer.named_parameters() if p.requires_grad]
    assert trainable == ["A", "B"]
    layer(torch.randn(4, 6)).pow(2).sum().backward()
    assert layer.base.weight.grad is None
    assert layer.A.grad.abs().max() == 0          # ∂L/∂A ∝ Bᵀ = 0 на первом шаге
    assert layer.B.grad.abs().max() > 0


def test_merge_is_exact_after_training():
    torch.manual_seed(2)
    base = nn.Linear(16, 8)
    w0 = base.weight.detach().clone()
    layer = LoRALinear(base, r=3, alpha=6)
    x, y = torch.randn(32, 16), torch.randn(32, 8)
    for _ in range(5):                           # SGD вручную (torch.optim тянет torch._dynamo)
        nn.functional.mse_loss(layer(x), y).backward()
        with torch.no_grad():
            for p in (layer.A, layer.B):
                p -= 0.1 * p.grad
                p.grad = None
    torch.testing.assert_close(base.weight, w0, rtol=0, atol=0)   # W₀ не изменился
    merged = layer.merge()
    assert isinstance(merged, nn.Linear)
    torch.testing.assert_close(merged(x), layer(x))
    delta = merged.weight - w0
    assert torch.linalg.matrix_rank(delta) <= 3
    torch.testing.assert_close(delta, 2.0 * layer.B @ layer.A)    # α/r = 6/3


def test_apply_lora_to_selected_layers():
    torch.manual_seed(3)
    model = nn.Sequential()
    model.add_module("features", nn.Linear(10, 10))
    model.add_module("head", nn.Linear(10, 2))
    x = torch.randn(3, 10)
    before = model(x)
    apply_lora(model, r=2, target=("head",))
    assert isinstance(model.head, LoRALinear) and isinstance(model.features, nn.Linear)
    torch.testing.assert_close(model(x), before)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n_train == 2 * (10 + 2)


def test_freeze_and_discriminative_lrs():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    freeze_except(model, ("2.",))
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    groups = discriminative_param_groups([model[0], model[2]], base_lr=0.01, factor=2.6)
    assert groups[1]["lr"] == 0.01 and abs(groups[0]["lr"] - 0.01 / 2.6) < 1e-15
    assert groups[0]["params"][0] is model[0].weight and groups[1]["params"][1] is model[2].bias


def test_paper_numbers_gpt3():
    # Hu et al. (2021), табл. 4: LoRA на W_q, W_v GPT-3 175B — 4,7 млн (r=1) и 37,7 млн (r=8)
    assert round(lora_transformer_params(1, 96, 12288) / 1e6, 1) == 4.7
    assert round(lora_transformer_params(8, 96, 12288) / 1e6, 1) == 37.7
    assert finetune_memory_gb(100, 0) == 4e-7


def test_l2_sp_gradient_pulls_towards_start():
    from snippets.lora import l2_sp_penalty
    torch.manual_seed(0)
    body, head = nn.Linear(4, 3), nn.Linear(3, 2)
    net = nn.Sequential(body, head)
    start = {k: v.detach().clone() for k, v in net.state_dict().items() if k.startswith("0.")}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.5)
    l2_sp_penalty(net, start, alpha=0.2, beta=0.01).backward()
    torch.testing.assert_close(body.weight.grad, 0.2 * (body.weight - start["0.weight"]).detach())
    torch.testing.assert_close(head.weight.grad, 0.01 * head.weight.detach())
