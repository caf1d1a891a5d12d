"""Мосты между энкодером зрения и языковой моделью (мультимодальные LLM), в миниатюре.

LLaVA (Liu et al., 2023; 2024): линейный слой / двухслойный MLP переводит каждый патч в эмбеддинг слова.
Flamingo (Alayrac et al., 2022): Perceiver Resampler сводит любое число визуальных токенов к
фиксированному числу латентов; gated cross-attention с гейтом tanh(α), α = 0 в начале, вставляется
между замороженными слоями LLM. Размеры здесь игрушечные; важны формы и поведение в начале обучения.
"""

from __future__ import annotations

import torch
from torch import nn

Tensor = torch.Tensor


# --8<-- [start:projector]
class Projector(nn.Module):
    """LLaVA: z = W·v (линейный мост) или LLaVA-1.5: z = W₂·GELU(W₁·v). Каждый из N патчей
    становится одним «словом» на входе LLM, так что визуальных токенов столько же, сколько патчей.

    >>> Projector(16, 32, mlp=True)(torch.zeros(1, 576, 16)).shape
    torch.Size([1, 576, 32])
    """

    def __init__(self, d_vision: int, d_llm: int, mlp: bool = False):
        super().__init__()
        self.net = (nn.Sequential(nn.Linear(d_vision, d_llm), nn.GELU(), nn.Linear(d_llm, d_llm))
                    if mlp else nn.Linear(d_vision, d_llm))

    def forward(self, v: Tensor) -> Tensor:
        return self.net(v)
# --8<-- [end:projector]


# --8<-- [start:resampler]
class PerceiverResampler(nn.Module):
    """Flamingo: n_latents обучаемых векторов читают признаки изображения перекрёстным вниманием
    (ключи и значения — конкатенация [признаки; латенты]), затем FFN; на выходе всегда n_latents
    токенов, сколько бы патчей или кадров ни пришло.

    >>> r = PerceiverResampler(d=32, n_latents=64)
    >>> r(torch.zeros(2, 576, 32)).shape, r(torch.zeros(2, 2304, 32)).shape
    (torch.Size([2, 64, 32]), torch.Size([2, 64, 32]))
    """

    def __init__(self, d: int, n_latents: int = 64, n_heads: int = 4, depth: int = 2):
        super().__init__()
        self.latents = nn.Parameter(torch.randn(n_latents, d) * 0.02)
        self.attn = nn.ModuleList(nn.MultiheadAttention(d, n_heads, batch_first=True)
                                  for _ in range(depth))
        self.ffn = nn.ModuleList(nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(),
                                               nn.Linear(4 * d, d)) for _ in range(depth))
        self.norm = nn.LayerNorm(d)

    def forward(self, feats: Tensor) -> Tensor:
        x = self.latents.expand(len(feats), -1, -1)
        for attn, ffn in zip(self.attn, self.ffn):
            kv = torch.cat([feats, x], dim=1)
            x = x + attn(x, kv, kv, need_weights=False)[0]
            x = x + ffn(x)
        return self.norm(x)
# --8<-- [end:resampler]


# --8<-- [start:gated]
class GatedCrossAttentionBlock(nn.Module):
    """Flamingo: y = x + tanh(α_attn)·XAttn(LN(x), визуальные токены), затем
    y ← y + tanh(α_ffn)·FFN(LN(y)); α = 0 при инициализации, поэтому блок вначале — тождество,
    и замороженная LLM работает в точности как до вставки блока.

    >>> blk = GatedCrossAttentionBlock(d=16)
    >>> x = torch.randn(1, 5, 16)
    >>> torch.equal(blk(x, torch.randn(1, 64, 16)), x)
    True
    """

    def __init__(self, d: int, n_heads: int = 4):
        super().__init__()
        self.ln_attn, self.ln_ffn = nn.LayerNorm(d), nn.LayerNorm(d)
        self.xattn = nn.MultiheadAttention(d, n_heads, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.alpha_attn = nn.Parameter(torch.zeros(()))
        self.alpha_ffn = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor, visual: Tensor) -> Tensor:
        h = self.ln_attn(x)
        x = x + torch.tanh(self.alpha_attn) * self.xattn(h, visual, visual, need_weights=False)[0]
        return x + torch.tanh(self.alpha_ffn) * self.ffn(self.ln_ffn(x))
# --8<-- [end:gated]
