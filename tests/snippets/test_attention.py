"""Внимание: наше против F.scaled_dot_product_attention и nn.MultiheadAttention."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import trace_types
from snippets.attention import (
    MultiHeadAttention,
    causal_mask,
    dot_product_std,
    padding_mask,
    scaled_dot_product_attention,
    scaling_figure,
    softmax_saturation,
)


@pytest.mark.parametrize("kind", ["none", "causal", "padding"])
def test_sdpa_matches_torch(kind):
    g = torch.Generator().manual_seed(0)
    q = torch.randn(2, 3, 6, 8, generator=g, dtype=torch.float64)
    k = torch.randn(2, 3, 6, 8, generator=g, dtype=torch.float64)
    v = torch.randn(2, 3, 6, 5, generator=g, dtype=torch.float64)
    mask = {"none": None, "causal": causal_mask(6),
            "padding": padding_mask(torch.tensor([4, 6]), 6)}[kind]
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 6, dtype=torch.float64))
    if kind == "causal":
        torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, is_causal=True))
        assert torch.all(weights.triu(1) == 0)          # будущее не видно
    if kind == "padding":
        assert torch.all(weights[0, ..., 4:] == 0)      # дополненные ключи не видны


def test_causal_output_does_not_depend_on_future_tokens():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(1, 7, 4, generator=g)
    x2 = x.clone()
    x2[:, 5:] = torch.randn(1, 2, 4, generator=g)        # меняем только токены 5 и 6
    out, _ = scaled_dot_product_attention(x, x, x, causal_mask(7))
    out2, _ = scaled_dot_product_attention(x2, x2, x2, causal_mask(7))
    torch.testing.assert_close(out[:, :5], out2[:, :5])
    assert not torch.allclose(out[:, 5:], out2[:, 5:])


@pytest.mark.parametrize("use_mask", [False, True])
def test_multi_head_matches_nn_multihead_attention(use_mask):
    torch.manual_seed(0)
    d, h = 16, 4
    ours = MultiHeadAttention(d, h).double()
    ref = nn.MultiheadAttention(d, h, batch_first=True).double()
    with torch.no_grad():  # копируем веса: in_proj = [W_q; W_k; W_v]
        ref.in_proj_weight.copy_(torch.cat([ours.w_q.weight, ours.w_k.weight, ours.w_v.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.w_q.bias, ours.w_k.bias, ours.w_v.bias]))
        ref.out_proj.weight.copy_(ours.w_o.weight)
        ref.out_proj.bias.copy_(ours.w_o.bias)
    x = torch.randn(3, 7, d, dtype=torch.float64)
    mask = causal_mask(7) if use_mask else None
    out, weights = ours(x, mask=mask)
    # у nn.MultiheadAttention булева маска наоборот: True — запрещено
    ref_out, ref_w = ref(x, x, x, attn_mask=None if mask is None else ~mask,
                         average_attn_weights=False)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(weights, ref_w)


def test_cross_attention_shapes_and_oracle():
    torch.manual_seed(0)
    mha = MultiHeadAttention(8, 2)
    x, memory = torch.randn(2, 3, 8), torch.randn(2, 5, 8)   # 3 запроса декодера, 5 ключей энкодера
    out, weights = mha(x, memory)
    assert out.shape == (2, 3, 8) and weights.shape == (2, 2, 3, 5)
    q, k, v = mha.split_heads(mha.w_q(x)), mha.split_heads(mha.w_k(memory)), \
        mha.split_heads(mha.w_v(memory))
    ref = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(2, 3, 8)
    torch.testing.assert_close(out, mha.w_o(ref))


def test_permutation_equivariance_without_positions():
    torch.manual_seed(0)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(1, 6, 8)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    out, _ = mha(x)
    out_perm, _ = mha(x[:, perm])
    torch.testing.assert_close(out_perm, out[:, perm])


@pytest.mark.parametrize("d_k", [16, 64, 512])
def test_dot_product_variance_is_d_k(d_k):
    s, s_scaled = dot_product_std(d_k, n=40_000)
    # q·k — сумма d_k независимых слагаемых с дисперсией 1; std оценки ≈ 1/√(2n) относительно
    assert abs(s / math.sqrt(d_k) - 1) < 0.02
    assert abs(s_scaled - 1) < 0.02


def test_softmax_saturates_without_scaling():
    r = softmax_saturation([4, 1024], trials=100)
    assert r["max_raw"][1] > 0.95 and r["grad_raw"][1] < 0.05      # почти one-hot, градиента нет
    assert abs(r["max_scaled"][0] - r["max_scaled"][1]) < 0.1        # с √d_k не зависит от d_k
    assert r["grad_scaled"][1] > 5 * r["grad_raw"][1]
    assert trace_types(scaling_figure((4, 64))) == {"scatter"}


def test_strided_sparse_mask_is_causal_sparse_and_two_hop_complete():
    from snippets.attention import strided_sparse_mask
    n = 256
    m = strided_sparse_mask(n, 16)
    assert not torch.any(m & ~causal_mask(n))                     # причинная
    assert m.sum() < 0.25 * causal_mask(n).sum()                    # пар O(n√n)
    two_hops = (m.double() @ m.double()) > 0                        # два слоя: любой j ≤ i
    assert torch.equal(two_hops, causal_mask(n))


def test_lsh_buckets_prefer_similar_directions():
    from snippets.attention import lsh_buckets
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(2000, 16, generator=g), dim=-1)
    near = torch.nn.functional.normalize(x + 0.1 * torch.randn(2000, 16, generator=g), dim=-1)
    far = torch.nn.functional.normalize(torch.randn(2000, 16, generator=g), dim=-1)
    same_near = (lsh_buckets(x, 8) == lsh_buckets(near, 8)).float().mean()
    same_far = (lsh_buckets(x, 8) == lsh_buckets(far, 8)).float().mean()
    assert same_near > 0.6 and 0.05 < same_far < 0.25               # случайные: около 1/8
    assert same_near > 4 * same_far
    assert torch.equal(lsh_buckets(3 * x, 8), lsh_buckets(x, 8))    # зависит только от направления
