"""Квантование против операций PyTorch: quantize_per_tensor, fake_quantize, MinMaxObserver, NF4."""

import copy
import warnings

import numpy as np
import pytest
import torch

from snippets.distillation import accuracy, make_task, mlp, train
from snippets.quantization import (
    QuantMLP,
    blockwise_quant,
    dequantize,
    fake_quant,
    int8_linear,
    model_size_bytes,
    nf4_levels,
    qparams,
    quantize,
    quantize_weight,
    torch_dynamic_int8,
)

# Таблица NF4 из bitsandbytes (functional.py, create_normal_map), которую цитирует QLoRA.
BNB_NF4 = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
           -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
           0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
           0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0]



def test_qparams_match_minmax_observer():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization.observer import MinMaxObserver
    x = torch.randn(1000) * 3 + 1
    obs = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
    obs(x)
    s_ref, z_ref = obs.calculate_qparams()
    s, z = qparams(x.min().item(), x.max().item())
    assert s == pytest.approx(s_ref.item(), rel=1e-6) and z == z_ref.item()


@pytest.mark.parametrize("seed", range(3))
def test_quantize_matches_quantize_per_tensor_and_error_is_half_step(seed):
    x = torch.randn(500, generator=torch.Generator().manual_seed(seed)) * 2
    s, z = qparams(-3.0, 5.0)
    q = quantize(x, s, z)
    ref = torch.quantize_per_tensor(x, s, z, torch.quint8)
    assert torch.equal(q, ref.int_repr().to(torch.int32))
    torch.testing.assert_close(dequantize(q, s, z), ref.dequantize())
    inside = (x >= -3) & (x <= 5)
    assert (dequantize(q, s, z) - x)[inside].abs().max() <= s / 2 + 1e-6
    assert dequantize(quantize(torch.zeros(1), s, z), s, z).item() == 0.0   # ноль точен


def test_fake_quant_value_and_ste_gradient_match_torch():
    x = (torch.randn(300) * 4).requires_grad_()
    x_ref = x.detach().clone().requires_grad_()
    y = fake_quant(x, 0.05, 10, 0, 255)
    y_ref = torch.fake_quantize_per_tensor_affine(x_ref, 0.05, 10, 0, 255)
    torch.testing.assert_close(y, y_ref)
    w = torch.randn(300)
    (y * w).sum().backward()
    (y_ref * w).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad)
    assert 0 < (x.grad == 0).sum() < 300            # снаружи диапазона градиента нет


def test_integer_linear_equals_float_on_dequantized_values():
    g = torch.Generator().manual_seed(0)
    x, W, b = torch.rand(5, 32, generator=g) * 4 - 1, torch.randn(8, 32, generator=g), torch.randn(8)
    s_x, z_x = qparams(x.min().item(), x.max().item())
    y = int8_linear(x, W, b, s_x, z_x)
    q_w, s_w = quantize_weight(W)
    assert q_w.abs().max() <= 127
    x_hat = dequantize(quantize(x, s_x, z_x), s_x, z_x)
    torch.testing.assert_close(y, x_hat @ (q_w * s_w).T + b)     # целые дают то же, что float
    # и близко к исходному слою: ошибка округления каждого слагаемого не больше полушага
    bound = (W.abs() * s_x / 2).sum(1) + (x_hat.abs() @ (s_w / 2).T.expand(32, 8)) / 1
    assert torch.all((y - (x @ W.T + b)).abs() <= bound + 1e-5)


def test_ptq_and_qat_on_toy_task():
    X, y = make_task(1200)
    Xtr, ytr, Xte, yte = X[:800], y[:800], X[800:], y[800:]
    net = train(mlp([16, 32, 8]), Xtr, ytr, epochs=80, batch_size=800, lr=1e-2)
    acc = accuracy(net, Xte, yte)
    assert acc > 0.85
    q8 = QuantMLP(copy.deepcopy(net), bits=8).calibrate(Xtr)
    assert abs(accuracy(q8, Xte, yte) - acc) < 0.01          # int8 PTQ почти без потерь
    q2 = QuantMLP(copy.deepcopy(net), bits=2).calibrate(Xtr)
    ptq2 = accuracy(q2, Xte, yte)
    train(q2, Xtr, ytr, epochs=40, batch_size=800, lr=3e-3)  # QAT: обучение через fake quant
    assert ptq2 < acc - 0.2 and accuracy(q2, Xte, yte) > ptq2 + 0.05
    dyn = torch_dynamic_int8(copy.deepcopy(net))
    assert abs(accuracy(dyn, Xte, yte) - acc) < 0.01
    big = mlp([256, 512, 512, 10])
    assert model_size_bytes(torch_dynamic_int8(copy.deepcopy(big))) < 0.3 * model_size_bytes(big)


def test_nf4_levels_match_bitsandbytes_and_beat_uniform_int4_on_gaussian_weights():
    np.testing.assert_allclose(nf4_levels().numpy(), BNB_NF4, atol=1e-6)
    w = torch.randn(64 * 256, generator=torch.Generator().manual_seed(0))
    err_nf4 = (blockwise_quant(w, nf4_levels()) - w).pow(2).mean()
    err_int4 = (blockwise_quant(w, torch.arange(-7, 8) / 7) - w).pow(2).mean()
    assert err_nf4 < err_int4
