"""KV-cache: те же логиты, что без кэша; размер кэша по формуле; GQA против F.sdpa(enable_gqa)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from snippets._plotting import trace_types
from snippets.attention import causal_mask
from snippets.kv_cache import (
    forward_with_cache,
    generate,
    grouped_query_attention,
    kv_cache_bytes,
    kv_cache_table,
    time_per_token,
    timing_figure,
)
from snippets.transformer import TinyGPT



def make_model() -> TinyGPT:
    model = TinyGPT(vocab_size=23, d_model=32, n_heads=4, n_layers=3, max_len=40, seed=1)
    with torch.no_grad():  # веса GPT-2 (σ = 0,02) дают почти равные логиты — разболтаем их
        for p in model.parameters():
            p.mul_(20 if p.dim() > 1 else 1)
    return model.eval()


def test_cached_and_uncached_decoding_give_identical_logits():
    model = make_model()
    prompt = torch.randint(0, 23, (3, 5), generator=torch.Generator().manual_seed(0))
    tok_a, logits_a = generate(model, prompt, n_new=20, use_cache=False)
    tok_b, logits_b = generate(model, prompt, n_new=20, use_cache=True)
    torch.testing.assert_close(logits_b, logits_a, rtol=1e-5, atol=1e-5)
    assert torch.equal(tok_a, tok_b)
    assert logits_a.std() > 0.5                       # логиты не вырождены


def test_prefill_equals_full_forward_and_token_by_token():
    model = make_model()
    idx = torch.randint(0, 23, (2, 12), generator=torch.Generator().manual_seed(1))
    full, _ = model(idx)
    prefill, cache = forward_with_cache(model, idx[:, :7])
    torch.testing.assert_close(prefill, full[:, :7], rtol=1e-5, atol=1e-5)
    for t in range(7, 12):
        step, cache = forward_with_cache(model, idx[:, t:t + 1], cache)
        torch.testing.assert_close(step[:, 0], full[:, t], rtol=1e-5, atol=1e-5)


def test_cache_size_matches_memory_formula():
    model = make_model()
    idx = torch.randint(0, 23, (2, 9), generator=torch.Generator().manual_seed(2))
    _, cache = forward_with_cache(model, idx)
    n_bytes = sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in cache)
    assert n_bytes == kv_cache_bytes(n_layers=3, n_kv_heads=4, d_head=8, seq_len=9, batch=2,
                                     bytes_per_value=4)   # float32


def test_memory_formula_known_values():
    # Llama-2-70B: 80 слоёв, 8 KV-голов по 128, 4096 токенов, fp16 → 1,25 ГиБ;
    # без GQA — в 8 раз больше
    assert kv_cache_bytes(80, 8, 128, 4096) == 1_342_177_280
    assert kv_cache_bytes(80, 64, 128, 4096) == 8 * kv_cache_bytes(80, 8, 128, 4096)
    assert "1.25 ГиБ" in kv_cache_table()


@pytest.mark.parametrize("n_kv_heads", [1, 2, 8])   # MQA, GQA, MHA
def test_gqa_matches_torch(n_kv_heads):
    g = torch.Generator().manual_seed(0)
    q = torch.randn(2, 8, 6, 4, generator=g)
    k = torch.randn(2, n_kv_heads, 6, 4, generator=g)
    v = torch.randn(2, n_kv_heads, 6, 4, generator=g)
    ours = grouped_query_attention(q, k, v, causal_mask(6))
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(6), enable_gqa=True)
    torch.testing.assert_close(ours, ref)


def test_uncached_step_time_grows_with_length_but_cached_does_not():
    model = TinyGPT(vocab_size=64, d_model=128, n_heads=4, n_layers=2, max_len=128).eval()
    plain = time_per_token(model, 128, use_cache=False)
    cached = time_per_token(model, 128, use_cache=True)
    med = lambda a: float(np.median(a))
    assert med(plain[-16:]) > 2 * med(plain[:16])          # без кэша: растёт с длиной
    assert med(cached[-16:]) < 2 * med(cached[:16])        # с кэшем: почти постоянно
    assert med(cached[-16:]) < med(plain[-16:])


def test_timing_figure():
    fig = timing_figure(n_tokens=24)
    assert trace_types(fig) == {"scatter"} and len(fig.data) == 2
