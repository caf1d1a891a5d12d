"""Классические CNN: число параметров (эталонные реализации), MAC, формы, остаточные градиенты."""

import numpy as np
import pytest
import torch
from torch import nn

from snippets._plotting import frame_traces, same_traces
from snippets.architectures import (
    INITS,
    ZOO,
    BasicBlock,
    Bottleneck,
    ConvNeXtBlock,
    SqueezeExcitation,
    architecture_table,
    block_grad_norms,
    build,
    depthwise_separable,
    grad_norms_figure,
    grad_norms_table,
    resnet,
    resnext_branch,
    signal_figure,
    signal_stats,
    signal_table,
    signal_traces,
)
from snippets.vgg import count_macs, count_parameters

# Точные числа эталонных реализаций (Caffe bvlc_alexnet; torchvision для ResNet, DenseNet,
# MobileNetV2, EfficientNet-B0); в статьях — округлённые значения.
REFERENCE = {"AlexNet": 60_965_224, "VGG-16": 138_357_544, "VGG-19": 143_667_240,
             "ResNet-18": 11_689_512, "ResNet-50": 25_557_032, "DenseNet-121": 7_978_856,
             "MobileNetV2": 3_504_872, "EfficientNet-B0": 5_288_548}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_parameter_counts_match_reference_implementations(name):
    assert count_parameters(build(name)) == REFERENCE[name]


def test_lenet5_by_formula():
    # C1: 6·(25+1), C3: 16·(6·25+1), C5: 120·(16·25+1), F6: 84·(120+1), выход: 10·(84+1)
    assert count_parameters(build("LeNet-5")) == 156 + 2416 + 48120 + 10164 + 850


@pytest.mark.parametrize("name,paper_macs", [("ResNet-18", 1.8e9), ("ResNet-50", 3.8e9),
                                             ("MobileNetV1", 569e6), ("MobileNetV2", 300e6),
                                             ("EfficientNet-B0", 390e6), ("GoogLeNet", 1.5e9)])
def test_macs_close_to_papers(name, paper_macs):
    assert abs(count_macs(build(name)) / paper_macs - 1) < 0.06


def test_small_real_forward_passes():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 32, 32)
    net = resnet(BasicBlock, [1, 1, 1, 1], num_classes=5).eval()
    assert net(x).shape == (2, 5)
    net = resnet(Bottleneck, [1, 1, 1, 1], num_classes=3).eval()
    assert net(x).shape == (2, 3)
    # формы всех сетей ZOO уже проверил мета-прогон в count_macs; здесь — настоящие числа
    for name in ("LeNet-5", "EfficientNet-B0"):
        model = next(b for n, b, *_ in ZOO if n == name)().eval()
        inp = torch.randn(1, 1, 32, 32) if name == "LeNet-5" else x[:1]
        out = model(inp)
        assert out.shape[-1] in (10, 1000) and torch.isfinite(out).all()


def test_residual_block_with_zero_branch_is_identity_and_jacobian_contains_identity():
    torch.manual_seed(1)
    block = BasicBlock(8, 8).eval()
    nn.init.zeros_(block.f[2].weight)           # γ последнего BN = 0 ⇒ F(x) = 0
    x = torch.rand(1, 8, 3, 3) + 0.1            # x > 0: ReLU(x) = x
    torch.testing.assert_close(block(x), x)
    jac = torch.autograd.functional.jacobian(block, x).reshape(x.numel(), x.numel())
    torch.testing.assert_close(jac, torch.eye(x.numel()))


def test_projection_shortcut_shapes():
    b = Bottleneck(64, 128, stride=2)
    assert b(torch.randn(1, 64, 8, 8)).shape == (1, 512, 4, 4)
    assert isinstance(BasicBlock(64, 64).shortcut, nn.Identity)


def test_depthwise_separable_savings():
    c_in, c_out = 128, 256
    sep = count_parameters(depthwise_separable(c_in, c_out)) - 2 * (c_in + c_out)   # минус BN
    full = 9 * c_in * c_out
    assert sep == 9 * c_in + c_in * c_out
    assert abs(sep / full - (1 / c_out + 1 / 9)) < 1e-12


def test_residual_connections_keep_gradients_alive():
    plain_bn, res_bn = block_grad_norms(False, True), block_grad_norms(True, True)
    plain, res = block_grad_norms(False, False), block_grad_norms(True, False)
    assert plain_bn[0] / plain_bn[-1] > 100          # простая сеть с BN: взрыв к входу
    assert res_bn[0] / res_bn[-1] < 50
    assert plain[0] < 1e-10 * plain[-1]              # без BN: затухание
    assert 0.01 < res[0] / res[-1] < 100


def test_tables_and_figure():
    table = architecture_table()
    assert "| ResNet-50 | 25 557 032 | — | 3.86 | 3.8 |" in table and table.count("\n") == len(ZOO) + 1
    assert grad_norms_table().count("\n") == 5
    assert len(grad_norms_figure().data) == 4


def test_signal_stats_default_init_is_block_grad_norms():
    for residual, bn in [(False, False), (True, True)]:
        g, _ = signal_stats(residual, bn, "PyTorch по умолчанию", depth=6)
        np.testing.assert_allclose(g, block_grad_norms(residual, bn, depth=6), rtol=1e-6)


def test_he_init_keeps_plain_gradients_and_blows_up_residual_forward():
    g_def, _ = signal_stats(False, False, "PyTorch по умолчанию")
    g_he, _ = signal_stats(False, False, "He (Kaiming)")
    assert g_def[0] / g_def[-1] < 1e-10 and 0.1 < g_he[0] / g_he[-1] < 100
    _, s = signal_stats(True, False, "He (Kaiming)")
    _, s_scaled = signal_stats(True, False, "He (Kaiming)", branch_scale=24 ** -0.5)
    assert s[-1] / s[0] > 100 and 0.5 < s_scaled[-1] / s_scaled[0] < 2


def test_init_variances():
    w = torch.empty(256, 64, 3, 3)
    INITS["He (Kaiming)"](w)
    assert w.var().item() == pytest.approx(2 / (64 * 9), rel=0.05)
    INITS["Glorot (Xavier)"](w)
    assert w.var().item() == pytest.approx(2 / (64 * 9 + 256 * 9), rel=0.05)


def test_signal_figure_frames_are_the_tested_traces():
    fig = signal_figure()
    for i, init in enumerate(INITS):
        if i in (0, 2):
            assert same_traces(frame_traces(fig, i), signal_traces(init))
    assert "He" in signal_table()


def test_modern_blocks():
    x = torch.randn(2, 96, 8, 8)
    assert ConvNeXtBlock(96)(x).shape == x.shape
    assert count_parameters(ConvNeXtBlock(96)) == 50 * 96 + 2 * 96 + 4 * 96 ** 2 + 4 * 96 + 4 * 96 ** 2 + 96 + 96
    se = SqueezeExcitation(64)
    y = se(torch.randn(2, 64, 5, 5))
    assert y.shape == (2, 64, 5, 5)
    # ResNeXt 32×4d и bottleneck ResNet-50 на 256 каналах — одинаковая сложность (Xie et al., 2017)
    a, b = count_parameters(resnext_branch(256, 128, 32)), count_parameters(Bottleneck(256, 64))
    assert abs(a - b) / b < 0.02
