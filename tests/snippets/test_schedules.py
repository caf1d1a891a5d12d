"""Наши расписания против torch.optim.lr_scheduler."""

import math

import pytest
import torch
from torch.optim import lr_scheduler as S

from snippets.schedules import (
    cosine_lr,
    exponential_lr,
    one_cycle_lr,
    schedules_figure,
    schedules_table,
    step_lr,
    warmup_cosine_lr,
    warmup_lr,
)

BASE, TOTAL = 0.1, 60


def torch_lrs(make_scheduler, total=TOTAL, base=BASE, momentum=0.9):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base, momentum=momentum)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


CASES = [
    (lambda t: step_lr(t, BASE, 7, 0.5), lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    (lambda t: exponential_lr(t, BASE, 0.93), lambda o: S.ExponentialLR(o, gamma=0.93)),
    (lambda t: cosine_lr(t, BASE, TOTAL, 1e-3), lambda o: S.CosineAnnealingLR(o, TOTAL, 1e-3)),
    (lambda t: warmup_lr(t, BASE, 9, 0.05),
     lambda o: S.LinearLR(o, start_factor=0.05, end_factor=1.0, total_iters=9)),
    (lambda t: warmup_cosine_lr(t, BASE, 8, TOTAL, 1e-4, 0.01),
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.01, total_iters=8),
                                  S.CosineAnnealingLR(o, T_max=TOTAL - 8, eta_min=1e-4)],
                              milestones=[8])),
    (lambda t: one_cycle_lr(t, BASE, TOTAL),
     lambda o: S.OneCycleLR(o, max_lr=BASE, total_steps=TOTAL)),
    (lambda t: one_cycle_lr(t, 0.5, TOTAL, pct_start=0.25, div_factor=10, final_div_factor=100),
     lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=TOTAL, pct_start=0.25, div_factor=10,
                            final_div_factor=100)),
]


@pytest.mark.parametrize("ours, make", CASES,
                         ids=["step", "exp", "cosine", "warmup", "warmup-cosine", "onecycle",
                              "onecycle2"])
def test_schedule_matches_torch(ours, make):
    expected = torch_lrs(make)
    got = [ours(t) for t in range(TOTAL)]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_one_cycle_peaks_at_max_lr_and_ends_near_zero():
    lrs = [one_cycle_lr(t, 1.0, 100) for t in range(100)]
    assert max(lrs) == pytest.approx(1.0) and lrs.index(max(lrs)) == 29
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)


def test_figure_has_all_schedules_and_is_small():
    fig = schedules_figure()
    assert len(fig.data) == len(schedules_table()) == 6
    assert all(t.type == "scatter" for t in fig.data)
    assert len(fig.to_json()) < 150_000
    assert math.isclose(max(fig.data[0].y), 0.1)


def test_warmup_figure_frames_equal_direct_calls():
    from snippets._plotting import frame_traces, same_traces
    from snippets.schedules import warmup_figure, warmup_traces
    ws = [1, 10, 40]
    fig = warmup_figure(ws, active=1)
    for i in (0, 2):
        assert same_traces(frame_traces(fig, i), warmup_traces(ws[i]))
    peak = max(frame_traces(fig, 2)[0].y)
    assert math.isclose(peak, 0.1) and frame_traces(fig, 2)[0].y.index(peak) == 40
    assert len(fig.to_json()) < 60_000
