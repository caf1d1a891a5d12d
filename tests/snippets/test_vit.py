"""ViT: patchify против F.unfold, проекция патчей против Conv2d, число параметров ViT-B/16,
интерполяция позиций; приёмы против O(n²) против F.scaled_dot_product_attention."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import trace_types
from snippets.vit import (
    ViT,
    attention_cost_figure,
    attention_macs,
    flash_attention,
    interpolate_pos_embed,
    linear_attention,
    linformer_attention,
    local_mask,
    mask_patterns_figure,
    patchify,
    performer_features,
    vit_parameters,
    window_attention,
)

G = torch.Generator().manual_seed(0)


def rand(*shape):
    return torch.randn(*shape, generator=G, dtype=torch.float64)


def test_patchify_matches_unfold():
    x = rand(2, 3, 32, 48)
    p = 8
    ours = patchify(x, p)                                       # (B, N, p·p·C), порядок (i, j, c)
    ref = F.unfold(x, kernel_size=p, stride=p)                  # (B, C·p·p, N), порядок (c, i, j)
    ref = ref.transpose(1, 2).reshape(2, -1, 3, p, p).permute(0, 1, 3, 4, 2).reshape(2, -1, p * p * 3)
    torch.testing.assert_close(ours, ref)
    assert ours.shape == (2, (32 // p) * (48 // p), p * p * 3)


def test_linear_patch_projection_equals_strided_conv():
    p, d = 4, 10
    conv = nn.Conv2d(3, d, kernel_size=p, stride=p).double()
    x = rand(2, 3, 16, 16)
    W = conv.weight.permute(2, 3, 1, 0).reshape(p * p * 3, d)  # E ∈ R^{p²C × d}
    ours = patchify(x, p) @ W + conv.bias
    torch.testing.assert_close(ours, conv(x).flatten(2).transpose(1, 2))


def test_vit_b16_has_86m_parameters():
    # Dosovitskiy et al. (2021), табл. 1: ViT-Base — 86M
    n = vit_parameters("ViT-B/16")
    d, layers, n_tokens = 768, 12, 14 * 14 + 1
    by_formula = ((16 * 16 * 3 * d + d) + d + n_tokens * d      # проекция, [CLS], позиции
                  + layers * (12 * d * d + 13 * d)             # блоки: 4d² + 8d² весов, смещения, 2 LN
                  + 2 * d + (d * 1000 + 1000))                 # финальный LN, голова
    assert n == by_formula == 86_567_656
    assert round(vit_parameters("ViT-H/14") / 1e6) == 632


def test_vit_forward_and_resolution_change():
    torch.manual_seed(0)
    vit = ViT(image_size=32, patch=8, d_model=32, depth=2, n_heads=4, n_classes=5).eval()
    x = torch.randn(3, 3, 32, 32)
    assert vit(x).shape == (3, 5)
    # та же сетка — интерполяция ничего не меняет
    torch.testing.assert_close(interpolate_pos_embed(vit.pos.data, 4), vit.pos.data)
    # дообучение на 48×48: сетка 4×4 → 6×6, [CLS] не трогаем
    new = interpolate_pos_embed(vit.pos.data, 6)
    assert new.shape == (1, 37, 32)
    torch.testing.assert_close(new[:, 0], vit.pos.data[:, 0])
    vit.pos = nn.Parameter(new)
    assert vit(torch.randn(1, 3, 48, 48)).shape == (1, 5)


def test_attention_cost_scaling():
    lin1, quad1 = attention_macs(224)
    lin2, quad2 = attention_macs(448)                          # N растёт в 4 раза
    assert lin2 == 4 * lin1 and quad2 == 16 * quad1
    _, win1 = attention_macs(224, window=7)
    _, win2 = attention_macs(448, window=7)
    assert win2 == 4 * win1                                     # окна: линейно по N
    assert trace_types(attention_cost_figure()) == {"scatter"}


def test_local_mask_counts_and_receptive_field():
    n, w = 40, 2
    m = local_mask(n, w)
    assert m.sum() == n * (2 * w + 1) - w * (w + 1)
    # после L слоёв токен «видит» на расстоянии L·w: булева степень матрицы смежности
    reach = torch.linalg.matrix_power(m.double(), 3) > 0
    torch.testing.assert_close(reach, local_mask(n, 3 * w))
    g = local_mask(n, w, n_global=2, n_random=3)
    assert g[:2].all() and g[:, :2].all() and (g.sum(1) >= 2 * w + 1).all()


def test_window_attention_equals_block_diagonal_mask():
    q, k, v = rand(2, 3, 24, 8), rand(2, 3, 24, 8), rand(2, 3, 24, 5)
    mask = torch.block_diag(*[torch.ones(6, 6, dtype=torch.bool)] * 4)
    torch.testing.assert_close(window_attention(q, k, v, 6),
                               F.scaled_dot_product_attention(q, k, v, attn_mask=mask))


def test_linformer_identity_projection_is_exact_and_compresses():
    q, k, v = rand(2, 16, 8), rand(2, 16, 8), rand(2, 16, 8)
    eye = torch.eye(16, dtype=torch.float64)
    torch.testing.assert_close(linformer_attention(q, k, v, eye, eye),
                               F.scaled_dot_product_attention(q, k, v))
    E = rand(4, 16) / 4
    assert linformer_attention(q, k, v, E, E).shape == (2, 16, 8)


def test_linear_attention_equals_its_quadratic_form():
    q, k, v = rand(2, 30, 6), rand(2, 30, 6), rand(2, 30, 4)
    phi = lambda x: F.elu(x) + 1                                # Katharopoulos et al. (2020)
    A = phi(q) @ phi(k).transpose(-2, -1)
    torch.testing.assert_close(linear_attention(q, k, v, phi), (A / A.sum(-1, keepdim=True)) @ v)


def test_performer_approximates_softmax_attention():
    d, n = 16, 64
    q, k, v = 0.5 * rand(1, n, d), 0.5 * rand(1, n, d), rand(1, n, 4)
    s = d ** -0.25                                              # exp(qᵀk/√d) = exp((s q)ᵀ(s k))
    errors = []
    for m in (16, 256, 4096):
        W = torch.randn(m, d, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        out = linear_attention(s * q, s * k, v, lambda x, W=W: performer_features(x, W))
        errors.append((out - F.scaled_dot_product_attention(q, k, v)).abs().max().item())
    assert errors[0] > errors[1] > errors[2] and errors[2] < 0.05


@pytest.mark.parametrize("block", [1, 7, 16, 100])
def test_flash_attention_is_exact(block):
    q, k, v = rand(2, 3, 50, 8), rand(2, 3, 50, 8), rand(2, 3, 50, 5)
    torch.testing.assert_close(flash_attention(q, k, v, block), F.scaled_dot_product_attention(q, k, v))
    big = flash_attention(100 * q, k, v, block)                 # большие логиты: без переполнения
    torch.testing.assert_close(big, F.scaled_dot_product_attention(100 * q, k, v))


def test_mask_figure_has_one_visible_pattern():
    fig = mask_patterns_figure()
    assert trace_types(fig) == {"heatmap"} and len(fig.data) == 6
    assert sum(bool(t.visible) for t in fig.data) == 1


# ------------------------------------------------ Sparse Transformer, Swin в 2-D, размер патча

from snippets._plotting import frame_traces, same_traces  # noqa: E402
from snippets.vit import (  # noqa: E402
    PATCH_SIZES,
    SWIN_VIEWS,
    patch_cost_traces,
    patch_size_figure,
    shifted_window_ids,
    shifted_window_mask,
    strided_mask,
    swin_attention,
    swin_figure,
    swin_reference,
    swin_region_labels,
    swin_view_traces,
    window_partition,
    window_reverse,
)


def test_strided_mask_reaches_every_past_token_in_two_layers():
    n, l = 49, 7
    m = strided_mask(n, l)
    assert not m.triu(1).any()                                    # причинная
    assert m.sum(1).max() <= 2 * l                                # O(√n) ключей на строку
    two = (m.double() @ m.double()) > 0
    torch.testing.assert_close(two, torch.ones(n, n, dtype=torch.bool).tril())


def test_mask_figure_data_matches_masks():
    fig = mask_patterns_figure()
    n = 48
    expected = [torch.ones(n, n, dtype=torch.bool), local_mask(n, 3), local_mask(n, 3, n_global=2),
                local_mask(n, 3, 2, 3),
                torch.block_diag(*[torch.ones(8, 8, dtype=torch.bool)] * 6), strided_mask(n, 7)]
    assert len(fig.data) == len(expected)
    for trace, mask in zip(fig.data, expected):
        assert [list(r) for r in trace.z] == mask.int().tolist()
    for i, b in enumerate(fig.layout.updatemenus[0].buttons):     # кнопка i показывает маску i
        assert list(b.args[0]["visible"]) == [j == i for j in range(len(expected))]


def test_window_partition_roundtrip():
    x = rand(8, 12, 3)
    w = window_partition(x, 4)
    assert w.shape == (6, 16, 3)
    torch.testing.assert_close(w[1], x[0:4, 4:8].reshape(16, 3))  # второе окно первой полосы
    torch.testing.assert_close(window_reverse(w, 4, 8, 12), x)


@pytest.mark.parametrize("H,W,m", [(8, 8, 4), (14, 14, 7), (8, 12, 4)])
def test_swin_shifted_windows_equal_full_attention_with_window_mask(H, W, m):
    q, k, v = rand(H, W, 6), rand(H, W, 6), rand(H, W, 5)
    for shift in (0, m // 2):
        torch.testing.assert_close(swin_attention(q, k, v, m, shift),
                                   swin_reference(q, k, v, m, shift))


def test_swin_mask_regions():
    mask = shifted_window_mask(8, 8, 4, 2)                         # 4 окна по 16 токенов
    pairs = mask.flatten(1).sum(1).tolist()
    assert pairs == [16 * 16, 2 * 8 * 8, 2 * 8 * 8, 4 * 4 * 4]     # 1, 2, 2 и 4 области
    assert len(torch.unique(swin_region_labels(8, 8, 4, 2))) == 9
    assert len(torch.unique(shifted_window_ids(8, 8, 4, 2))) == 9  # 9 сдвинутых окон → 4 пакета


def test_swin_rolled_view_regions_are_the_mask():
    from snippets.vit import swin_view
    rolled = swin_view(SWIN_VIEWS[2])                              # номера сдвинутых окон после переноса
    ids = window_partition(rolled[..., None], 4)[..., 0]
    torch.testing.assert_close(ids[:, :, None] == ids[:, None, :], shifted_window_mask(8, 8, 4, 2))


def test_swin_figure_frames():
    fig = swin_figure()
    for i in (0, 2):
        assert same_traces(frame_traces(fig, i), swin_view_traces(SWIN_VIEWS[i]))
    assert [len({x for row in frame_traces(fig, i)[0].z for x in row}) for i in range(3)] == [4, 9, 9]


def test_patch_size_figure_frames_and_scaling():
    fig = patch_size_figure()
    for i in (0, 3):
        assert same_traces(frame_traces(fig, i), patch_cost_traces(PATCH_SIZES[i]))
    lin16, quad16 = attention_macs(512, patch=16)
    lin8, quad8 = attention_macs(512, patch=8)                     # патч вдвое меньше:
    assert lin8 == 4 * lin16 and quad8 == 16 * quad16              # N ×4, N² ×16
