"""Свёртка с нуля против torch.nn.functional.conv2d; размер выхода; рецептивное поле."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets._plotting import frame_traces, same_traces
from snippets.conv import (
    VGG_FIELD_LAYERS,
    conv2d,
    conv_output_size,
    path_count_figure,
    path_count_map,
    receptive_field,
    receptive_field_and_jump,
    receptive_field_figure,
    vgg16_layers,
    vgg_field_figure,
    vgg_field_traces,
)


@pytest.mark.parametrize("stride,padding,dilation,k", [(1, 0, 1, 3), (2, 1, 1, 3), (1, 2, 2, 3),
                                                       (3, 1, 1, 5), (2, 3, 3, 2)])
def test_conv2d_matches_torch(stride, padding, dilation, k):
    rng = np.random.default_rng(stride * 10 + dilation)
    x = rng.normal(size=(2, 3, 11, 13))
    w = rng.normal(size=(4, 3, k, k))
    b = rng.normal(size=4)
    ours = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
    ref = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=stride,
                   padding=padding, dilation=dilation)
    torch.testing.assert_close(torch.tensor(ours), ref)


@pytest.mark.parametrize("n,k,s,p,d", [(224, 7, 2, 3, 1), (227, 11, 4, 0, 1), (13, 3, 2, 0, 1),
                                       (32, 3, 1, 2, 2), (17, 5, 3, 1, 1), (64, 3, 1, 6, 6)])
def test_output_size_matches_torch(n, k, s, p, d):
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d)
    assert conv_output_size(n, k, s, p, d) == out.shape[-1]


def test_receptive_field_matches_gradient_support():
    # Рецептивное поле = носитель градиента центрального выхода по входу
    layers = [(3, 1, 1), (2, 2, 1), (3, 1, 2), (3, 2, 1)]
    x = torch.zeros(1, 1, 64, 64, requires_grad=True)
    h = x
    for k, s, d in layers:
        h = F.conv2d(h, torch.ones(1, 1, k, k), stride=s, dilation=d)
    h[0, 0, h.shape[2] // 2, h.shape[3] // 2].backward()
    cols = torch.nonzero(x.grad[0, 0].sum(0)).flatten()
    assert receptive_field(layers)[-1] == int(cols.max() - cols.min() + 1)


def test_vgg16_receptive_field():
    rf = receptive_field([spec for _, spec in vgg16_layers()])
    assert rf[-2] == 196 and rf[-1] == 212   # conv5_3 и pool5
    assert receptive_field([(3, 1, 1)] * 2)[-1] == 5 and receptive_field([(3, 1, 1)] * 3)[-1] == 7


def test_path_count_map_is_gradient_of_ones_stack():
    m = path_count_map(3, dilations=[1, 2, 4])
    assert m.shape == (15, 15) and m.sum() == 9 ** 3
    x = torch.zeros(1, 1, 15, 15, requires_grad=True)
    h = x
    for d in (1, 2, 4):
        h = F.conv2d(h, torch.ones(1, 1, 3, 3), padding=d, dilation=d)
    h[0, 0, 7, 7].backward()
    torch.testing.assert_close(torch.tensor(m), x.grad[0, 0].double())


def test_figures():
    fig = receptive_field_figure()
    assert len(fig.data) == 3 and fig.data[2].y[-1] == 2 ** 14 - 1
    fig = path_count_figure(4)
    assert len(fig.data) == 4 and len(fig.layout.sliders[0].steps) == 4


def test_receptive_field_and_jump_agree_with_receptive_field():
    layers = [spec for _, spec in vgg16_layers()]
    rj = receptive_field_and_jump(layers)
    assert [r for r, _ in rj] == receptive_field(layers)
    assert rj[-1] == (212, 32) and rj[-2] == (196, 16)      # pool5, conv5_3


def test_vgg_field_figure_frames_are_the_tested_traces():
    names = VGG_FIELD_LAYERS
    fig = vgg_field_figure()
    for i in (0, names.index("conv4_3"), len(names) - 1):
        assert same_traces(frame_traces(fig, i), vgg_field_traces(names[i]))
    xs = vgg_field_traces("pool5")[0].x
    assert max(xs) - min(xs) == 212


def test_path_count_figure_frames_are_normalised_path_maps():
    fig = path_count_figure(4)
    for n in (1, 4):
        z = np.array(fig.data[n - 1].z, dtype=float)
        m = path_count_map(n)
        pad = (z.shape[0] - m.shape[0]) // 2
        inner = z[pad:pad + m.shape[0], pad:pad + m.shape[0]]
        np.testing.assert_allclose(inner, (m / m.max()).round(3))
