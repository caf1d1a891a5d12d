"""Функции потерь против torch.nn.functional и torch.autograd."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets.losses import (
    bce_with_logits,
    contrastive_loss,
    dice_loss,
    focal_loss,
    gradient_figure,
    margin_figure,
    margin_ranking_loss,
    mse,
    softmax_focal_loss,
    triplet_loss,
)

RNG = np.random.default_rng(0)



def test_mse_value_and_gradient_match_torch():
    pred, target = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    loss, grad = mse(pred, target)
    p = torch.tensor(pred, requires_grad=True)
    lt = F.mse_loss(p, torch.tensor(target))
    lt.backward()
    assert loss == pytest.approx(lt.item())
    torch.testing.assert_close(torch.from_numpy(grad), p.grad)


def test_bce_with_logits_matches_torch_even_for_huge_logits():
    z = RNG.normal(scale=30.0, size=20)
    z[:2] = [800.0, -800.0]
    y = RNG.integers(0, 2, size=20).astype(float)
    loss, grad = bce_with_logits(z, y)
    zt = torch.tensor(z, requires_grad=True)
    lt = F.binary_cross_entropy_with_logits(zt, torch.tensor(y))
    lt.backward()
    assert np.isfinite(loss) and loss == pytest.approx(lt.item())
    torch.testing.assert_close(torch.from_numpy(grad), zt.grad)


def torch_focal(z: torch.Tensor, y: torch.Tensor, gamma: float, alpha: float) -> torch.Tensor:
    """Эталон по формуле статьи Lin et al. (2017), через autograd."""
    p = torch.sigmoid(z)
    p_t = torch.where(y == 1, p, 1 - p)
    a_t = torch.where(y == 1, torch.full_like(z, alpha), torch.full_like(z, 1 - alpha))
    return (-a_t * (1 - p_t) ** gamma * torch.log(p_t)).mean()


@pytest.mark.parametrize("gamma,alpha", [(0.0, 0.5), (2.0, 0.25), (5.0, 0.75), (0.5, 1.0)])
def test_focal_loss_value_and_analytic_gradient_match_autograd(gamma, alpha):
    z = RNG.normal(scale=3.0, size=30)
    y = RNG.integers(0, 2, size=30).astype(float)
    loss, grad = focal_loss(z, y, gamma, alpha)
    zt = torch.tensor(z, requires_grad=True)
    lt = torch_focal(zt, torch.tensor(y), gamma, alpha)
    lt.backward()
    assert loss == pytest.approx(lt.item(), rel=1e-10)
    torch.testing.assert_close(torch.from_numpy(grad), zt.grad)


def test_focal_with_gamma_zero_is_weighted_bce_and_agrees_with_ticket6_version():
    from snippets.detection import focal_loss as focal_torch  # реализация билета 6 (PyTorch)

    z = RNG.normal(scale=2.0, size=40)
    y = RNG.integers(0, 2, size=40).astype(float)
    assert focal_loss(z, y, 0.0, 0.5)[0] == pytest.approx(bce_with_logits(z, y)[0] / 2)
    ref = focal_torch(torch.tensor(z), torch.tensor(y), alpha=0.25, gamma=2.0).mean().item()
    assert focal_loss(z, y, 2.0, 0.25)[0] == pytest.approx(ref, rel=1e-10)


def test_softmax_focal_reduces_to_cross_entropy_and_downweights_easy_examples():
    logits = RNG.normal(scale=2.0, size=(8, 5))
    y = RNG.integers(0, 5, size=8)
    ce = F.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    assert softmax_focal_loss(logits, y, gamma=0.0) == pytest.approx(ce)
    assert softmax_focal_loss(logits, y, gamma=2.0) < ce


def test_contrastive_loss_matches_autograd_formula_and_pulls_pushes():
    x1, x2 = RNG.normal(size=(10, 4)), RNG.normal(size=(10, 4)) * 0.3
    same = RNG.integers(0, 2, size=10)
    a, b = torch.tensor(x1), torch.tensor(x2)
    d = F.pairwise_distance(a, b, eps=0.0)
    s = torch.tensor(same, dtype=torch.float64)
    ref = (s * d ** 2 + (1 - s) * torch.clamp(2.0 - d, min=0) ** 2).mean() / 2
    assert contrastive_loss(x1, x2, same, margin=2.0) == pytest.approx(ref.item())
    # непохожая пара дальше порога не даёт потери; похожая даёт d²/2
    far = np.array([[10.0, 0.0]])
    assert contrastive_loss(np.zeros((1, 2)), far, np.array([0]), margin=2.0) == 0.0
    assert contrastive_loss(np.zeros((1, 2)), far, np.array([1]), margin=2.0) == pytest.approx(50.0)


def test_triplet_loss_matches_torch():
    a, p, n = (RNG.normal(size=(16, 8)) for _ in range(3))
    ref = F.triplet_margin_loss(torch.tensor(a), torch.tensor(p), torch.tensor(n), margin=0.5,
                                eps=0.0)
    assert triplet_loss(a, p, n, margin=0.5) == pytest.approx(ref.item(), rel=1e-10)


def test_margin_ranking_loss_matches_torch():
    s1, s2 = RNG.normal(size=12), RNG.normal(size=12)
    y = RNG.choice([-1.0, 1.0], size=12)
    ref = F.margin_ranking_loss(torch.tensor(s1), torch.tensor(s2), torch.tensor(y), margin=0.3)
    assert margin_ranking_loss(s1, s2, y, margin=0.3) == pytest.approx(ref.item())


def test_figures_show_mse_gradient_vanishing_for_confident_mistakes():
    fig = gradient_figure()
    mse_g, bce_g = np.array(fig.data[0].y), np.array(fig.data[1].y)
    assert mse_g[0] < 1e-3 and bce_g[0] > 0.99     # z = −8: MSE «не видит» грубую ошибку
    assert [t.type for t in margin_figure().data] == ["scatter", "scatter"]


def test_dice_loss_is_one_minus_f1_on_hard_masks_and_smooth_on_soft():
    from sklearn.metrics import f1_score
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.1).astype(int)
    pred = (rng.random(400) < 0.15).astype(int)
    assert dice_loss(pred, y, eps=0.0) == pytest.approx(1 - f1_score(y, pred))
    assert dice_loss(y.astype(float), y, eps=0.0) == pytest.approx(0.0)
    p = torch.tensor(rng.random(400), requires_grad=True)
    yt = torch.tensor(y, dtype=torch.float64)
    loss = 1 - (2 * (p * yt).sum() + 1) / (p.sum() + yt.sum() + 1)
    assert dice_loss(p.detach().numpy(), y) == pytest.approx(loss.item())
