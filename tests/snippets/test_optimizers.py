"""Наши правила обновления против torch.optim: шаг за шагом на случайных параметрах и градиентах."""

import numpy as np
import pytest
import torch

from snippets.optimizers import SGD, AdaGrad, Adam, AdamW, RMSProp

CASES = [
    (SGD, dict(lr=0.1), torch.optim.SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, weight_decay=0.1), torch.optim.SGD, dict(lr=0.05, weight_decay=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9), torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (AdaGrad, dict(lr=0.3), torch.optim.Adagrad, dict(lr=0.3)),
    (AdaGrad, dict(lr=0.3, weight_decay=0.05),
     torch.optim.Adagrad, dict(lr=0.3, weight_decay=0.05)),
    (RMSProp, dict(lr=0.01), torch.optim.RMSprop, dict(lr=0.01)),
    (RMSProp, dict(lr=0.02, alpha=0.9, weight_decay=0.1),
     torch.optim.RMSprop, dict(lr=0.02, alpha=0.9, weight_decay=0.1)),
    (Adam, dict(lr=0.01), torch.optim.Adam, dict(lr=0.01)),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1),
     torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    (AdamW, dict(lr=0.01), torch.optim.AdamW, dict(lr=0.01)),
    (AdamW, dict(lr=0.01, weight_decay=0.3, eps=1e-6),
     torch.optim.AdamW, dict(lr=0.01, weight_decay=0.3, eps=1e-6)),
    (Adam, dict(lr=0.01, weight_decay=0.3, decoupled=True),
     torch.optim.Adam, dict(lr=0.01, weight_decay=0.3, decoupled_weight_decay=True)),
]


@pytest.mark.parametrize("ours_cls, ours_kw, torch_cls, torch_kw", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_update_rule_matches_torch_optim(ours_cls, ours_kw, torch_cls, torch_kw):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(4, 3)), rng.normal(size=5)]
    torch_params = [torch.tensor(p, requires_grad=True) for p in params]
    ours, ref = ours_cls(**ours_kw), torch_cls(torch_params, **torch_kw)
    for _ in range(7):
        grads = [rng.normal(scale=3.0, size=p.shape) for p in params]
        ours.step(params, grads)
        for tp, g in zip(torch_params, grads):
            tp.grad = torch.tensor(g)
        ref.step()
        for p, tp in zip(params, torch_params):
            torch.testing.assert_close(torch.tensor(p), tp.detach(), rtol=1e-10, atol=1e-12)


def test_adam_l2_and_adamw_decay_differ():
    """L2 в Adam нормируется вместе с градиентом; затухание AdamW пропорционально весу."""
    p_l2, p_w = np.array([10.0, 0.01]), np.array([10.0, 0.01])
    Adam(lr=0.1, weight_decay=0.1).step([p_l2], [np.zeros(2)])
    AdamW(lr=0.1, weight_decay=0.1).step([p_w], [np.zeros(2)])
    np.testing.assert_allclose(10.0 - p_l2[0], 0.1, rtol=1e-6)        # шаг η при любом |θ|
    assert p_l2[1] < 0.0                                               # малый вес проскочил ноль
    np.testing.assert_allclose(p_w, [10.0 * 0.99, 0.01 * 0.99])       # θ(1 − ηλ)


def test_bias_correction_makes_first_step_unbiased():
    """Без поправки первый шаг был бы в (1 − β₁)/√(1 − β₂) ≈ 3.2 раза больше."""
    p = np.array([0.0])
    Adam(lr=1.0, eps=0.0).step([p], [np.array([5.0])])
    assert p[0] == pytest.approx(-1.0)
