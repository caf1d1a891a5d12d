"""Мосты мультимодальных LLM: формы, тождественность gated cross-attention в начале обучения,
перекрёстное внимание Resampler против явной формулы softmax(QKᵀ/√d)V."""

import torch
import torch.nn.functional as F

from snippets.mllm import GatedCrossAttentionBlock, PerceiverResampler, Projector

torch.manual_seed(0)


def test_projector_keeps_one_token_per_patch():
    v = torch.randn(2, 576, 16)
    for mlp in (False, True):
        assert Projector(16, 24, mlp=mlp)(v).shape == (2, 576, 24)
    lin = Projector(16, 24)
    torch.testing.assert_close(lin(v), v @ lin.net.weight.T + lin.net.bias)


def test_resampler_output_size_is_fixed_and_depends_on_all_inputs():
    r = PerceiverResampler(d=32, n_latents=8, depth=1)
    a = torch.randn(1, 100, 32)
    out = r(a)
    assert out.shape == (1, 8, 32) and r(torch.randn(1, 7, 32)).shape == (1, 8, 32)
    a.requires_grad_(True)
    r(a).sum().backward()
    assert (a.grad.abs().sum(-1) > 0).all()                       # каждый патч влияет на выход


def test_resampler_cross_attention_matches_formula():
    r = PerceiverResampler(d=16, n_latents=4, n_heads=1, depth=1)
    feats = torch.randn(1, 10, 16)
    attn = r.attn[0]
    x = r.latents[None]
    kv = torch.cat([feats, x], 1)
    Wq, Wk, Wv = attn.in_proj_weight.chunk(3)
    bq, bk, bv = attn.in_proj_bias.chunk(3)
    q, k, v = x @ Wq.T + bq, kv @ Wk.T + bk, kv @ Wv.T + bv
    manual = F.softmax(q @ k.transpose(1, 2) / 16 ** 0.5, -1) @ v @ attn.out_proj.weight.T \
        + attn.out_proj.bias
    torch.testing.assert_close(attn(x, kv, kv, need_weights=False)[0], manual)


def test_gated_block_starts_as_identity_and_gradient_opens_the_gate():
    blk = GatedCrossAttentionBlock(d=16)
    x, vis = torch.randn(2, 5, 16), torch.randn(2, 64, 16)
    assert torch.equal(blk(x, vis), x)
    blk(x, vis).pow(2).sum().backward()
    assert blk.alpha_attn.grad.abs() > 0                          # tanh'(0) = 1: гейт учится сразу
    assert torch.all(blk.xattn.in_proj_weight.grad == 0)          # веса внимания ждут, пока α ≠ 0
    with torch.no_grad():
        blk.alpha_attn.fill_(0.5)
    assert not torch.allclose(blk(x, vis), x)
