"""SAM, цель SAM и усреднение весов (EMA против torch.optim.swa_utils)."""

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from snippets._plotting import frame_traces, same_traces
from snippets.sharpness import (
    XS,
    sam_figure,
    sam_gradient,
    sam_objective,
    sam_traces,
    sgd_with_averaging,
    two_minima,
)


def test_sam_gradient_matches_torch_two_pass_recipe():
    rng = np.random.default_rng(0)
    w, rho = rng.normal(size=4), 0.05
    def loss(t):
        return (t.sin() * t).sum() + (t ** 4).sum()
    def grad(v):
        t = torch.tensor(v, requires_grad=True)
        loss(t).backward()
        return t.grad.numpy()
    t = torch.tensor(w, requires_grad=True)
    loss(t).backward()                                     # проход 1: градиент в w
    with torch.no_grad():
        e = rho * t.grad / t.grad.norm()
    t2 = (t.detach() + e).requires_grad_()
    loss(t2).backward()                                    # проход 2: градиент в w + ε̂
    np.testing.assert_allclose(sam_gradient(grad, w, rho), t2.grad.numpy(), rtol=1e-6)


def test_sam_objective_is_the_sliding_max_and_prefers_the_flat_minimum():
    f = two_minima(XS)
    np.testing.assert_array_equal(sam_objective(f, XS[1] - XS[0], 0.0), f)
    sam = sam_objective(f, XS[1] - XS[0], 0.1)
    assert np.all(sam >= f)
    assert abs(XS[np.argmin(f)] + 1) < 0.02 and abs(XS[np.argmin(sam)] - 1) < 0.05


def test_sam_figure_frames_equal_direct_calls():
    rhos = [0.0, 0.05, 0.3]
    fig = sam_figure(rhos, active=1)
    for i in (0, 2):
        assert same_traces(frame_traces(fig, i), sam_traces(rhos[i]))
    assert len(fig.to_json()) < 150_000


def test_averaging_reduces_distance_to_the_optimum_and_ema_matches_torch():
    runs = [sgd_with_averaging(seed) for seed in range(5)]
    dist = {k: np.mean([np.linalg.norm(r[k] - r["w_opt"]) for r in runs])
            for k in ("последняя итерация", "SWA", "EMA")}
    assert dist["SWA"] < dist["последняя итерация"] and dist["EMA"] < dist["последняя итерация"]
    # EMA: наш пересчёт против AveragedModel с get_ema_multi_avg_fn на той же последовательности
    rng = np.random.default_rng(3)
    seq = rng.normal(size=(20, 3))
    model = torch.nn.Linear(3, 1, bias=False).double()
    ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    ours = None
    for w in seq:
        with torch.no_grad():
            model.weight.copy_(torch.tensor(w)[None])
        ema_model.update_parameters(model)
        ours = w.copy() if ours is None else 0.9 * ours + 0.1 * w
    np.testing.assert_allclose(ema_model.module.weight.detach().numpy()[0], ours, rtol=1e-10)
