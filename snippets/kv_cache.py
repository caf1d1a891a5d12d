"""KV-cache при авторегрессионной генерации; MQA/GQA (Shazeer, 2019; Ainslie et al., 2023).

Декодер причинный: ключи и значения токена t не меняются, когда приходят токены t+1, t+2, …
Их считают один раз и хранят; на новом шаге считают q, k, v только для нового токена.
Работает с ``TinyGPT`` из ``snippets.transformer`` (Pre-LN) — на тех же весах.
"""

from __future__ import annotations

import gc
import time

import numpy as np
import plotly.graph_objects as go
import torch

from snippets._plotting import new_figure
from snippets._threads import one_thread
from snippets.attention import scaled_dot_product_attention
from snippets.transformer import TinyGPT

Tensor = torch.Tensor
Cache = list[tuple[Tensor, Tensor]]
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.3, "yanchor": "top"}


# --8<-- [start:memory]
def kv_cache_bytes(n_layers: int, n_kv_heads: int, d_head: int, seq_len: int, batch: int = 1,
                   bytes_per_value: int = 2) -> int:
    """Память KV-cache: 2 (K и V) · слои · KV-головы · d_head · длина · пакет · байт на число.

    >>> kv_cache_bytes(32, 32, 128, 4096) / 2**30   # Llama-2-7B, 4096 токенов, fp16: ГиБ
    2.0
    """
    return 2 * n_layers * n_kv_heads * d_head * seq_len * batch * bytes_per_value


MODELS = [  # (название, слои, головы запросов, KV-головы, d_head, номинально параметров);
    # конфигурации — Touvron et al. (2023), Llama 2
    ("Llama-2-7B (MHA)", 32, 32, 32, 128, 7e9),
    ("Llama-2-70B (GQA, 8 KV-голов)", 80, 64, 8, 128, 70e9),
    ("тот же 70B, если бы MHA", 80, 64, 64, 128, 70e9),
]


def kv_cache_table(seq_len: int = 4096, batch: int = 1) -> str:
    """Таблица Markdown: размер KV-cache в fp16 против размера весов в fp16."""
    rows = [f"| Модель | KV-cache, {seq_len} токенов × {batch} (fp16) | веса, fp16 (номинально) |",
            "|---|---|---|"]
    for name, layers, _, kv_heads, d_head, params in MODELS:
        kv = kv_cache_bytes(layers, kv_heads, d_head, seq_len, batch) / 2**30
        rows.append(f"| {name} | {kv:.2f} ГиБ | {params * 2 / 2**30:.0f} ГиБ |")
    return "\n".join(rows)
# --8<-- [end:memory]


# --8<-- [start:step]
@torch.no_grad()
def forward_with_cache(model: TinyGPT, tokens: Tensor, cache: Cache | None = None
                       ) -> tuple[Tensor, Cache]:
    """Прогон новых токенов (B, T) при уже закэшированных t₀ позициях: q, k, v считаются только
    для новых токенов, K и V прошлых берутся из кэша. Возвращает логиты (B, T, V) и новый кэш.
    Первый вызов с промптом (cache=None) — префилл (prefill), дальше по одному токену.

    >>> model = TinyGPT(vocab_size=11, d_model=16, n_heads=2, n_layers=2, max_len=8)
    >>> _, cache = forward_with_cache(model, torch.tensor([[1, 2, 3]]))
    >>> _, cache = forward_with_cache(model, torch.tensor([[4]]), cache)
    >>> len(cache), tuple(cache[0][0].shape)       # по слою: K (B, h, t, d_head)
    (2, (1, 2, 4, 8))
    """
    assert all(b.pre_ln for b in model.blocks), "схема шага написана для Pre-LN"
    t0 = 0 if cache is None else cache[0][0].shape[2]
    b, t = tokens.shape
    x = model.tok(tokens) + model.pos(torch.arange(t0, t0 + t))
    mask = torch.ones(t, t0 + t, dtype=torch.bool).tril(diagonal=t0)  # новый i видит j ≤ t0 + i
    new_cache = []
    for layer, block in enumerate(model.blocks):
        a, h = block.attn, block.ln1(x)
        q, k, v = a.split_heads(a.w_q(h)), a.split_heads(a.w_k(h)), a.split_heads(a.w_v(h))
        if cache is not None:
            k = torch.cat([cache[layer][0], k], dim=2)   # (B, h, t0 + t, d_head)
            v = torch.cat([cache[layer][1], v], dim=2)
        new_cache.append((k, v))
        out, _ = scaled_dot_product_attention(q, k, v, mask)
        x = x + a.w_o(out.transpose(1, 2).reshape(b, t, -1))
        x = x + block.ffn(block.ln2(x))
    return model.head(model.ln_f(x)), new_cache


@torch.no_grad()
def generate(model: TinyGPT, prompt: Tensor, n_new: int, use_cache: bool) -> tuple[Tensor, Tensor]:
    """Жадная генерация n_new токенов. Возвращает (токены (B, n_prompt + n_new),
    логиты каждого шага (B, n_new, V)). Без кэша каждый шаг заново прогоняет весь префикс."""
    tokens, cache, step_logits = prompt, None, []
    for _ in range(n_new):
        if use_cache:
            new = tokens if cache is None else tokens[:, -1:]
            logits, cache = forward_with_cache(model, new, cache)
        else:
            logits, _ = model(tokens)                   # O(t) токенов на шаге t
        step_logits.append(logits[:, -1])
        tokens = torch.cat([tokens, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    return tokens, torch.stack(step_logits, dim=1)
# --8<-- [end:step]


# --8<-- [start:gqa]
def grouped_query_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> Tensor:
    """GQA: h голов запросов делят g голов ключей/значений, группа из h/g голов запросов
    смотрит в одну пару (K, V). g = h — обычный MHA, g = 1 — MQA. KV-cache меньше в h/g раз.

    q (B, h, n, d), k и v (B, g, n, d).

    >>> q, kv = torch.randn(1, 8, 5, 4), torch.randn(1, 2, 5, 4)
    >>> tuple(grouped_query_attention(q, kv, kv).shape)
    (1, 8, 5, 4)
    """
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
    return scaled_dot_product_attention(q, k, v, mask)[0]
# --8<-- [end:gqa]


def time_per_token(model: TinyGPT, n_tokens: int, use_cache: bool, repeats: int = 2) -> np.ndarray:
    """Время (с) каждого шага генерации от длины 1 до n_tokens; минимум из ``repeats`` прогонов.
    Один поток и выключенный сборщик мусора — чтобы мерить модель, а не фон (как timeit)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with one_thread():
            best = np.full(n_tokens, np.inf)
            for _ in range(repeats):
                tokens, cache = torch.zeros(1, 1, dtype=torch.long), None
                for t in range(n_tokens):
                    start = time.perf_counter()
                    with torch.no_grad():
                        if use_cache:
                            _, cache = forward_with_cache(model, tokens[:, -1:], cache)
                        else:
                            model(tokens)
                    best[t] = min(best[t], time.perf_counter() - start)
                    tokens = torch.cat([tokens, tokens[:, -1:]], dim=1)
    finally:
        if gc_was_enabled:
            gc.enable()
    return best


def timing_figure(n_tokens: int = 120, window: int = 4, seed: int = 0) -> go.Figure:
    """Измеренное время шага генерации с KV-cache и без него (TinyGPT: 2 слоя, d = 128);
    точка — медиана по окну из ``window`` соседних шагов (гасит случайные паузы машины)."""
    model = TinyGPT(vocab_size=64, d_model=128, n_heads=4, n_layers=2, max_len=n_tokens,
                    seed=seed).eval()
    fig = new_figure("Время генерации одного токена: с KV-cache и без",
                     "длина уже сгенерированного текста t", "мс на токен")
    t = np.arange(1, n_tokens + 1).reshape(-1, window).mean(axis=1)
    for use_cache, name in ((False, "без кэша: весь префикс заново"), (True, "с KV-cache")):
        ms = np.median(time_per_token(model, n_tokens, use_cache, repeats=3).reshape(-1, window),
                       axis=1)
        fig.add_scatter(x=t, y=(ms * 1e3).round(3), mode="lines+markers", name=name)
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(legend=LEGEND_BELOW,
                      margin={"b": 140}, height=460)
    return fig
