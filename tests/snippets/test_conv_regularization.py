"""Spatial dropout, DropBlock, stochastic depth, Cutout, Mixup, CutMix: структура масок и матожидание."""

import torch
import torch.nn.functional as F

from snippets.conv_regularization import (
    augmentation_figure,
    cutmix,
    cutout,
    dropblock,
    dropout,
    dropout_figure,
    feature_maps,
    mixup,
    spatial_dropout,
    stochastic_depth,
    synthetic_images,
)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_elementwise_dropout_rate_and_scale():
    x = torch.ones(100, 100)
    y = dropout(x, 0.3, gen())
    assert abs((y == 0).float().mean().item() - 0.3) < 0.02
    assert torch.all((y == 0) | torch.isclose(y, torch.tensor(1 / 0.7)))


def test_spatial_dropout_drops_whole_channels_like_dropout2d():
    x = torch.rand(64, 32, 6, 6) + 0.1
    y = spatial_dropout(x, 0.25, gen(1))
    zero = (y == 0).flatten(2)
    assert torch.all(zero.all(2) | (~zero).all(2))                 # канал обнулён целиком или не тронут
    kept = ~zero.all(2)
    torch.testing.assert_close(y[kept], x[kept] / 0.75)
    assert abs(1 - kept.float().mean().item() - 0.25) < 0.03
    # nn.Dropout2d устроен так же (другой поток случайных чисел): те же свойства
    torch.manual_seed(0)
    ref = torch.nn.Dropout2d(0.25)(x)
    ref_zero = (ref == 0).flatten(2)
    assert torch.all(ref_zero.all(2) | (~ref_zero).all(2))
    assert abs(ref_zero.all(2).float().mean().item() - 0.25) < 0.03


def test_dropblock_drops_square_blocks_and_keeps_mean():
    b = 5
    x = torch.ones(8, 16, 40, 40)
    y = dropblock(x, 0.1, b, gen(2))
    assert torch.isclose(y.mean(), torch.tensor(1.0))             # нормировка сохраняет среднее
    dropped = (y == 0).float()
    assert 0.07 < dropped.mean().item() < 0.13
    full = (F.avg_pool2d(dropped, b, stride=1) > 1 - 1e-6).float()       # целиком выброшенные окна b×b
    covered = F.conv_transpose2d(full, torch.ones(16, 1, b, b), groups=16) > 0
    assert torch.equal(covered, dropped.bool())                    # выброшено = объединение квадратов b×b


def test_stochastic_depth():
    x, branch = torch.zeros(1000, 3), torch.ones(1000, 3)
    y = stochastic_depth(x, branch, 0.2, gen(3))
    on = y[:, 0] > 0
    assert torch.all((y == 0).all(1) | torch.isclose(y, torch.tensor(1 / 0.8)).all(1))
    assert abs(on.float().mean().item() - 0.8) < 0.04
    assert abs(y.mean().item() - 1.0) < 0.05                       # E[y] = x + F(x)
    torch.testing.assert_close(stochastic_depth(x, branch, 0.2, gen(3), training=False), x + branch)


def test_cutout_zeroes_one_square():
    img = torch.ones(32, 32)
    out = cutout(img, 8, gen(4))
    rows, cols = torch.nonzero(out == 0).T
    n = int((out == 0).sum())
    assert 0 < n <= 64
    assert n == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)


def test_mixup_and_cutmix_labels():
    a, b = synthetic_images()
    ya, yb = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    x, y = mixup(a, ya, b, yb, 0.7)
    torch.testing.assert_close(x, 0.7 * a + 0.3 * b)
    torch.testing.assert_close(y, torch.tensor([0.7, 0.3]))
    x1, x2 = torch.zeros(40, 40), torch.ones(40, 40)
    for seed in range(5):
        x, y, lam = cutmix(x1, ya, x2, yb, 0.6, gen(seed))
        assert abs((x == 0).double().mean().item() - lam) < 1e-12    # λ' — доля пикселей из x₁
        torch.testing.assert_close(y, torch.tensor([lam, 1 - lam]))
        assert lam >= 0.6 - 1e-9


def test_figures_are_small():
    assert feature_maps().shape == (1, 4, 24, 24)
    for fig, n in [(augmentation_figure(), 5), (dropout_figure(), 16)]:
        assert len(fig.data) == n and len(fig.to_json()) < 150_000


def test_neighbour_recovery_orders_the_methods():
    from snippets.conv_regularization import neighbour_recovery_error
    x = feature_maps().repeat(16, 1, 1, 1)
    gen = torch.Generator().manual_seed(0)
    e_drop = neighbour_recovery_error(x, dropout(x, 0.3, gen))
    e_block = neighbour_recovery_error(x, dropblock(x, 0.3, 5, gen))
    e_spatial = neighbour_recovery_error(x, spatial_dropout(x, 0.3, gen))
    assert e_drop < 0.4 < e_block < e_spatial == 1.0
    assert neighbour_recovery_error(x, x) != neighbour_recovery_error(x, x)   # ничего не выключено: NaN
