"""Активации и их производные против PyTorch (функции и autograd)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.activations import ACTIVATIONS, activation_figure

TORCH = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "gelu": lambda x: F.gelu(x, approximate="none"),
    "swish": F.silu,
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_and_derivative_match_torch(name):
    rng = np.random.default_rng(0)
    x = rng.normal(scale=3.0, size=1000)
    x = x[np.abs(x) > 1e-3]  # ReLU не дифференцируема в нуле
    f, df = ACTIVATIONS[name]
    xt = torch.tensor(x, requires_grad=True)
    yt = TORCH[name](xt)
    yt.sum().backward()
    torch.testing.assert_close(torch.from_numpy(f(x)), yt.detach())
    torch.testing.assert_close(torch.from_numpy(df(x)), xt.grad)


def test_sigmoid_derivative_bounded_by_quarter():
    _, ds = ACTIVATIONS["sigmoid"]
    assert ds(np.linspace(-10, 10, 2001)).max() == pytest.approx(0.25)


def test_figure_has_function_and_derivative_for_each_activation():
    fig = activation_figure()
    assert len(fig.data) == 2 * len(ACTIVATIONS)
    assert {t.type for t in fig.data} == {"scatter"}
