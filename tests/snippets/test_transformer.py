"""Блок трансформера против nn.TransformerEncoderLayer, причинность GPT, обучение на развороте."""

import pytest
import torch

from snippets._plotting import trace_types
from snippets.attention import causal_mask
from snippets.transformer import (
    TinyGPT,
    TransformerBlock,
    accuracy_without_attention,
    adam_step,
    attention_map_figure,
    gpt_param_count,
    reversal_accuracy,
    reversal_batch,
    to_torch_layer,
    train_reversal,
)



@pytest.mark.parametrize("pre_ln", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_block_matches_transformer_encoder_layer(pre_ln, causal):
    torch.manual_seed(0)
    d, h = 16, 4
    ours = TransformerBlock(d, h, d_ff=40, pre_ln=pre_ln).double()
    with torch.no_grad():  # неединичные параметры LN, чтобы проверить и их
        for ln in (ours.ln1, ours.ln2):
            ln.weight.normal_()
            ln.bias.normal_()
    ref = to_torch_layer(ours)
    assert ref.norm_first == pre_ln and ref.linear1.out_features == 40
    x = torch.randn(2, 9, d, dtype=torch.float64)
    mask = causal_mask(9) if causal else None
    out, _ = ours(x, mask)
    ref_out = ref(x, src_mask=None if mask is None else ~mask)   # у PyTorch True — запрещено
    torch.testing.assert_close(out, ref_out)


def test_param_count_formula_matches_module():
    model = TinyGPT(vocab_size=37, d_model=24, n_heads=3, n_layers=3, max_len=20)
    assert sum(p.numel() for p in model.parameters()) == gpt_param_count(3, 24, 37, 20)


def test_gpt_is_causal():
    model = TinyGPT(vocab_size=11, d_model=16, n_heads=2, n_layers=2, max_len=12)
    idx = torch.randint(0, 11, (1, 12), generator=torch.Generator().manual_seed(0))
    idx2 = idx.clone()
    idx2[0, 8:] = (idx2[0, 8:] + 1) % 11
    logits, maps = model(idx)
    logits2, _ = model(idx2)
    torch.testing.assert_close(logits[:, :8], logits2[:, :8])
    assert not torch.allclose(logits[:, 8:], logits2[:, 8:])
    assert all(torch.all(w.triu(1) == 0) for w in maps)


def test_adam_step_matches_torch_adam():
    a = TinyGPT(vocab_size=11, d_model=16, n_heads=2, n_layers=1, max_len=8, seed=3)
    b = TinyGPT(vocab_size=11, d_model=16, n_heads=2, n_layers=1, max_len=8, seed=3)
    params_a = list(a.parameters())
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params_a]
    opt = torch.optim.Adam(b.parameters(), lr=3e-3)
    x, y = reversal_batch(8, length=4, seed=0)
    for t in range(1, 6):
        for model in (a, b):
            logits, _ = model(x)
            torch.nn.functional.cross_entropy(logits.reshape(-1, 11), y.reshape(-1)).backward()
        adam_step(params_a, state, t)
        opt.step()
        opt.zero_grad()
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_reversal_batch_is_a_reversal():
    x, y = reversal_batch(5, length=6, seed=3)
    seq = torch.cat([x, y[:, -1:]], dim=1)
    assert torch.all(seq[:, 6] == 10)
    torch.testing.assert_close(seq[:, 7:], seq[:, :6].flip(1))
    assert torch.all(y[:, :6] == -100)


def test_training_learns_the_reversal():
    model, losses = train_reversal()
    assert losses[-1] < 0.2 * losses[0]
    assert reversal_accuracy(model) > 0.95
    untrained = TinyGPT(vocab_size=11, d_model=32, n_heads=4, n_layers=2, max_len=16)
    assert reversal_accuracy(untrained) < 0.3


def test_first_layer_attends_to_the_mirror_position():
    model, _ = train_reversal()
    x, _ = reversal_batch(64, 8, seed=99)
    with torch.no_grad():
        _, maps = model(x)
    w = maps[0].mean(dim=(0, 1))                     # слой 1, среднее по примерам и головам
    # запрос i предсказывает цифру с позиции 2L − 1 − i = 15 − i
    mirror = torch.stack([w[i, 15 - i] for i in range(8, 16)])
    assert mirror.mean() > 0.6


def test_ablation_first_layer_does_the_work():
    model, _ = train_reversal()
    assert accuracy_without_attention(model, 0) < 0.3       # без внимания слоя 1 — угадывание
    assert accuracy_without_attention(model, 1) > 0.95      # слой 2 не нужен
    assert reversal_accuracy(model) > 0.95                  # хук снят, модель цела


def test_attention_map_figure_has_a_menu_over_layers_and_heads():
    model, _ = train_reversal()
    fig = attention_map_figure(model)
    assert trace_types(fig) == {"heatmap"} and len(fig.data) == 8
    assert [t.visible for t in fig.data].count(True) == 1
    buttons = fig.layout.updatemenus[0].buttons
    assert len(buttons) == 8 and buttons[5].args[0]["visible"][5] is True
    assert len(fig.to_json()) < 150_000


def test_rmsnorm_matches_torch():
    from snippets.transformer import RMSNorm
    ours, ref = RMSNorm(12).double(), torch.nn.RMSNorm(12, eps=1e-6).double()
    with torch.no_grad():
        ours.weight.normal_()
        ref.weight.copy_(ours.weight)
    x = torch.randn(3, 5, 12, dtype=torch.float64) * 3 + 1
    torch.testing.assert_close(ours(x), ref(x))
    # в отличие от LayerNorm среднее не вычитается: постоянный вектор не обнуляется
    torch.testing.assert_close(ours(torch.ones(1, 12, dtype=torch.float64))[0], ours.weight,
                               rtol=1e-5, atol=0)


def test_swiglu_matches_formula_and_keeps_params():
    from snippets.transformer import SwiGLU
    torch.manual_seed(0)
    ffn = SwiGLU(24).double()
    x = torch.randn(4, 24, dtype=torch.float64)
    W, V, W2 = ffn.w.weight.T, ffn.v.weight.T, ffn.w2.weight.T
    z = x @ W
    torch.testing.assert_close(ffn(x), ((z * torch.sigmoid(z)) * (x @ V)) @ W2)
    gelu_ffn_weights = 2 * 24 * 4 * 24                      # W₁, W₂ обычного FFN без смещений
    assert sum(p.numel() for p in ffn.parameters()) == gelu_ffn_weights


def test_noam_schedule_shape():
    from snippets.transformer import noam_lr
    lrs = [noam_lr(s, 512, 4000) for s in range(1, 20_001)]
    assert max(range(len(lrs)), key=lrs.__getitem__) + 1 == 4000
    assert abs(lrs[1999] / lrs[999] - 2) < 1e-9             # прогрев линейный
    assert abs(lrs[15_999] / lrs[3999] - 0.5) < 1e-9        # затем 1/√s


def test_attention_map_frames_are_the_model_maps():
    model, _ = train_reversal()
    fig = attention_map_figure(model)
    x, _ = reversal_batch(1, 8, seed=7)
    with torch.no_grad():
        _, maps = model(x)
    for i, (layer, head) in [(0, (0, 0)), (5, (1, 1)), (7, (1, 3))]:
        torch.testing.assert_close(torch.tensor(fig.data[i].z, dtype=torch.float32),
                                   maps[layer][0, head].round(decimals=3))
        assert fig.layout.updatemenus[0].buttons[i].args[0]["visible"][i] is True
