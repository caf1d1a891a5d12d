"""Метрики сегментации против scikit-learn; U-Net; рецептивное поле расширенных свёрток."""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score, jaccard_score

from snippets._plotting import frame_traces, same_traces
from snippets.segmentation import (
    DILATION_STACKS,
    TinyUNet,
    checkerboard_figure,
    checkerboard_traces,
    class_iou,
    confusion,
    dilation_coverage,
    dilation_figure,
    dilation_table,
    effective_kernel,
    segmentation_metrics,
    soft_dice_loss,
    synthetic_segmentation,
    transposed_overlap,
    tumour_example,
)


@pytest.mark.parametrize("seed", range(3))
def test_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, 4, (20, 30))
    pred = np.where(rng.random((20, 30)) < 0.7, target, rng.integers(0, 4, (20, 30)))
    m = segmentation_metrics(pred, target, 4)
    t, p = target.ravel(), pred.ravel()
    assert m["pixel_acc"] == pytest.approx(accuracy_score(t, p))
    assert m["mIoU"] == pytest.approx(jaccard_score(t, p, average="macro"))
    assert m["mDice"] == pytest.approx(f1_score(t, p, average="macro"))   # Dice = F1


def test_dice_iou_relation_and_ignore_index():
    pred, target = synthetic_segmentation()
    c = confusion(pred, target, 3)
    tp, fp, fn = np.diag(c), c.sum(0) - np.diag(c), c.sum(1) - np.diag(c)
    iou, dice = tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn)
    np.testing.assert_allclose(dice, 2 * iou / (1 + iou))
    target_ign = target.copy()
    target_ign[:5] = 255
    assert confusion(pred, target_ign, 3).sum() == target.size - 5 * target.shape[1]


def test_absent_class_is_not_averaged():
    t = np.array([0, 0, 1, 1])
    assert segmentation_metrics(t, t, 5)["mIoU"] == 1.0


def test_soft_dice_loss():
    target = torch.tensor([[[0, 1], [1, 1]]])
    perfect = torch.nn.functional.one_hot(target, 2).permute(0, 3, 1, 2).float() * 50
    assert soft_dice_loss(perfect, target).item() == pytest.approx(0.0, abs=1e-6)
    logits = torch.zeros(1, 2, 2, 2, requires_grad=True)
    loss = soft_dice_loss(logits, target)
    loss.backward()
    assert 0 < loss.item() < 1 and logits.grad.abs().sum() > 0


def test_unet_shapes():
    torch.manual_seed(0)
    net = TinyUNet(c_in=1, n_classes=4, base=4, depth=3)
    assert net(torch.randn(2, 1, 32, 48)).shape == (2, 4, 32, 48)


def test_dilated_receptive_field_and_gridding():
    assert [effective_kernel(3, d) for d in (1, 2, 6, 12, 18)] == [3, 5, 13, 25, 37]
    assert dilation_coverage([1, 1, 1]) == (7, 1.0)
    rf, cov = dilation_coverage([2, 2, 2])
    assert rf == 13 and cov == pytest.approx(49 / 169)     # только чётные смещения: 7×7 из 13×13
    assert dilation_coverage([1, 2, 4]) == (15, 1.0)
    # dilated-свёртка PyTorch с тем же эффективным ядром: выход того же размера при padding = d
    x = torch.randn(1, 1, 20, 20)
    assert torch.nn.functional.conv2d(x, torch.ones(1, 1, 3, 3), padding=4, dilation=4).shape == x.shape


def test_table_and_figure():
    assert "| 2, 2, 2 | 13×13 | 29% |" in dilation_table()
    fig = dilation_figure()
    assert len(fig.data) == 5 and len(fig.layout.updatemenus[0].buttons) == 5


def test_class_iou_matches_sklearn():
    rng = np.random.default_rng(4)
    t, p = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    np.testing.assert_allclose(class_iou(p, t, 3), jaccard_score(t, p, average=None))


def test_tumour_example_accuracy_high_iou_zero():
    pred, target = tumour_example()
    m = segmentation_metrics(pred, target, 2)
    assert 0.985 < m["pixel_acc"] < 0.995 and class_iou(pred, target, 2)[1] == 0.0


def test_synthetic_prediction_disc_is_shifted_not_enlarged():
    pred, target = synthetic_segmentation()
    assert abs(int((pred == 1).sum()) - int((target == 1).sum())) < 0.1 * (target == 1).sum()
    assert ((target == 1) & (pred == 0)).sum() > 30       # у сдвинутого круга есть пропущенный край


def test_transposed_overlap_matches_k_mod_s_rule():
    for k in range(2, 7):
        inner = transposed_overlap(k, 2, n=8)[k:-k, k:-k]
        assert (inner.min() == inner.max()) == (k % 2 == 0)
    # сумма перекрытий = n²·k² (каждый вход разносит k² копий)
    assert transposed_overlap(3, 2, n=5).sum() == 25 * 9


def test_checkerboard_figure_frames_are_the_tested_traces():
    fig = checkerboard_figure()
    for i, k in [(0, 2), (1, 3), (4, 6)]:
        assert same_traces(frame_traces(fig, i), checkerboard_traces(k))


def test_dilation_figure_heatmaps_are_path_maps():
    from snippets.conv import path_count_map
    fig = dilation_figure()
    for i in (0, 1):
        z = np.array(fig.data[i].z, dtype=float)
        m = path_count_map(3, 3, DILATION_STACKS[i])
        pad = (z.shape[0] - m.shape[0]) // 2
        inner = z[pad:pad + m.shape[0], pad:pad + m.shape[0]]
        expected = np.where(m > 0, m / m.max(), np.nan).round(3)
        np.testing.assert_allclose(inner, expected)
