"""Тензорные представления данных: против torch и против перебора."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets.tensors import (
    chain_costs_brute,
    embed,
    image_to_tensor,
    matmul_chain_cost,
    one_hot,
    pad_batch,
    sliding_windows,
)


def test_image_layout_matches_manual_transpose():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    t = image_to_tensor(img)
    assert t.shape == (3, 5, 7) and t.dtype == torch.float32
    # пиксель (h=2, w=4), канал 1 должен оказаться в t[1, 2, 4]
    assert t[1, 2, 4].item() == pytest.approx(img[2, 4, 1] / 255.0)
    assert 0.0 <= t.min() and t.max() <= 1.0


def test_one_hot_and_embedding_match_torch():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 10, size=(3, 4))
    oh = one_hot(ids, 10)
    torch.testing.assert_close(torch.from_numpy(oh), F.one_hot(torch.from_numpy(ids), 10).double())
    emb = nn.Embedding(10, 6)
    E = emb.weight.detach().double().numpy()
    torch.testing.assert_close(torch.from_numpy(embed(ids, E)),
                               emb(torch.from_numpy(ids)).detach().double())
    # эмбеддинг = one-hot, умноженный на матрицу: Embedding — это Linear без смещения по one-hot
    np.testing.assert_allclose(oh @ E, embed(ids, E), atol=1e-12)


def test_pad_batch_matches_pad_sequence():
    seqs = [[3, 1, 4, 1, 5], [9, 2], [6, 5, 3]]
    ids, mask = pad_batch(seqs, pad_id=0)
    ref = nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=0)
    assert torch.equal(torch.from_numpy(ids), ref)
    assert mask.sum(axis=1).tolist() == [5, 2, 3]


@pytest.mark.parametrize("window,horizon", [(1, 1), (4, 2), (7, 3)])
def test_sliding_windows_against_loop(window, horizon):
    s = np.random.default_rng(2).normal(size=20)
    X, y = sliding_windows(s, window, horizon)
    n = len(s) - window - horizon + 1
    assert X.shape == (n, window) and y.shape == (n, horizon)
    for i in range(n):
        np.testing.assert_array_equal(X[i], s[i:i + window])
        np.testing.assert_array_equal(y[i], s[i + window:i + window + horizon])


@pytest.mark.parametrize("seed", range(5))
def test_matmul_chain_dp_equals_brute_force(seed):
    dims = np.random.default_rng(seed).integers(1, 50, size=6).tolist()
    best, order = matmul_chain_cost(dims)
    costs = chain_costs_brute(dims)
    assert best == min(costs.values())
    assert costs[order] == best
    assert len(costs) == 14  # число Каталана C_4: способов расставить скобки для 5 матриц


def test_chain_cost_counts_real_products():
    # (10×100)(100×5) = 5000 умножений, затем (10×5)(5×50) = 2500
    assert chain_costs_brute([10, 100, 5, 50])["((A1·A2)·A3)"] == 10 * 100 * 5 + 10 * 5 * 50


def test_matmul_intensity_grows_with_batch_to_the_limit():
    from snippets.tensors import matmul_intensity

    values = [matmul_intensity(n, 512, 256)[1] for n in (1, 16, 256, 10**6)]
    assert values == sorted(values)
    # предел при n → ∞: 2·d_in·d_out / (b·(d_in + d_out)) — веса читаются один раз на весь пакет
    assert values[-1] == pytest.approx(2 * 512 * 256 / (4 * (512 + 256)), rel=1e-3)
    assert matmul_intensity(3, 5, 7)[0] == 2 * 3 * 5 * 7
