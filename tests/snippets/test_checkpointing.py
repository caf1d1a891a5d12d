"""Checkpointing: тот же градиент, что у autograd и torch.utils.checkpoint; память ~2√n."""

import math

import numpy as np
import pytest
import torch
from torch.utils.checkpoint import checkpoint_sequential

from snippets._plotting import frame_traces, same_traces
from snippets.checkpointing import chain_grad, checkpoint_figure, memory_curve, memory_traces


class TanhScale(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, h):
        return torch.tanh(self.w * h)


@pytest.mark.parametrize("k", [1, 3, 5, 20])
def test_gradient_equals_autograd_and_torch_checkpoint(k):
    w = list(np.random.default_rng(k).uniform(0.5, 1.5, size=20))
    ours, _, evals = chain_grad(w, 0.3, k)
    model = torch.nn.Sequential(*(TanhScale(wi) for wi in w))
    x = torch.tensor([0.3], dtype=torch.float64, requires_grad=True)
    checkpoint_sequential(model, 4, x, use_reentrant=False).sum().backward()
    ref = [m.w.grad.item() for m in model]
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    assert evals == 2 * len(w)                      # ровно один лишний прямой проход


def test_peak_memory_is_about_two_sqrt_n():
    for n in (16, 64, 100):
        ks, peaks, _ = memory_curve(n)
        assert peaks[0] == n + 1                    # k = 1: храним всё
        assert min(peaks) == 2 * math.isqrt(n)      # n — полный квадрат: n/k + k при k = √n
        assert peaks[ks.index(math.isqrt(n))] == min(peaks)


def test_checkpoint_figure_frames_equal_direct_calls():
    ns = [16, 64, 144]
    fig = checkpoint_figure(ns, active=1)
    for i in (0, 2):
        assert same_traces(frame_traces(fig, i), memory_traces(ns[i]))
    assert len(fig.to_json()) < 100_000
