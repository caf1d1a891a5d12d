"""Калибровка диапазона и свёртка BN: против torch.nn.utils.fusion и перебора."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from snippets.quant_calibration import calibration_range, fold_bn, quant_mse


def _bn(c: int, seed: int) -> nn.Module:
    g = torch.Generator().manual_seed(seed)
    bn = nn.BatchNorm2d(c)
    bn.running_mean = torch.randn(c, generator=g)
    bn.running_var = torch.rand(c, generator=g) + 0.5
    bn.weight.data, bn.bias.data = torch.randn(c, generator=g), torch.randn(c, generator=g)
    return bn.eval()


def test_fold_bn_into_conv_matches_torch_fusion_and_the_two_layers():
    torch.manual_seed(0)
    conv, bn = nn.Conv2d(3, 5, 3).eval(), _bn(5, 1)
    W, b = fold_bn(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                   bn.eps)
    fused = fuse_conv_bn_eval(conv, bn)
    torch.testing.assert_close(W, fused.weight)
    torch.testing.assert_close(b, fused.bias)
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(nn.functional.conv2d(x, W, b), bn(conv(x)), atol=1e-5, rtol=1e-5)


def test_fold_bn_into_linear_without_bias_matches_torch():
    torch.manual_seed(2)
    lin = nn.Linear(4, 6, bias=False).eval()
    bn1 = nn.BatchNorm1d(6).eval()
    bn1.running_mean, bn1.running_var = torch.randn(6), torch.rand(6) + 0.5
    W, b = fold_bn(lin.weight, None, bn1.running_mean, bn1.running_var, bn1.weight, bn1.bias)
    fused = fuse_linear_bn_eval(lin, bn1)
    torch.testing.assert_close(W, fused.weight)
    torch.testing.assert_close(b, fused.bias)


@pytest.mark.parametrize("bits", [4, 8])
def test_mse_range_is_never_worse_than_minmax(bits):
    x = torch.tensor(np.random.default_rng(bits).standard_t(3, 5000), dtype=torch.float32)
    mm, ms = calibration_range(x, bits, "minmax"), calibration_range(x, bits, "mse")
    assert quant_mse(x, *ms, bits) <= quant_mse(x, *mm, bits)


def test_percentile_range_clips_the_tails():
    x = torch.arange(10_001, dtype=torch.float32)
    lo, hi = calibration_range(x, method="percentile", pct=99.0)
    assert (lo, hi) == pytest.approx((100.0, 9900.0))
