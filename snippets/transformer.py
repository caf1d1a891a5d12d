"""Блок трансформера (Post-LN и Pre-LN), маленькая decoder-only модель (GPT) и её обучение
на игрушечной задаче с интерактивной картой внимания.

Vaswani et al. (2017) — Post-LN; Xiong et al. (2020) — Pre-LN; Radford et al. (2018, 2019) — GPT.
"""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread
from snippets.attention import MultiHeadAttention, causal_mask

Tensor = torch.Tensor


# --8<-- [start:block]
class TransformerBlock(nn.Module):
    """Блок с остаточными связями вокруг self-attention и FFN.

    Post-LN (Vaswani et al., 2017): x ← LN(x + Attn(x)), x ← LN(x + FFN(x)).
    Pre-LN (Xiong et al., 2020; GPT-2): x ← x + Attn(LN(x)), x ← x + FFN(LN(x)).
    FFN(x) = GELU(x W₁ + b₁) W₂ + b₂, по умолчанию d_ff = 4·d_model.

    >>> block = TransformerBlock(d_model=16, n_heads=4)
    >>> sum(p.numel() for p in block.parameters())   # 12·d² + 13·d
    3280
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int | None = None, pre_ln: bool = True):
        super().__init__()
        d_ff = d_ff or 4 * d_model
        self.pre_ln = pre_ln
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if self.pre_ln:
            a, weights = self.attn(self.ln1(x), mask=mask)
            x = x + a                                  # остаточный путь не нормируется
            x = x + self.ffn(self.ln2(x))
        else:
            a, weights = self.attn(x, mask=mask)
            x = self.ln1(x + a)                        # LN стоит на остаточном пути
            x = self.ln2(x + self.ffn(x))
        return x, weights
# --8<-- [end:block]


# --8<-- [start:modern]
class RMSNorm(nn.Module):
    """RMSNorm (Zhang & Sennrich, 2019): x / RMS(x) · g, RMS(x) = √(mean(x²) + ε).
    Как LayerNorm, но без вычитания среднего и без сдвига β: на одну редукцию меньше.

    >>> RMSNorm(2)(torch.tensor([[3.0, 4.0]]))          # RMS = √12,5 ≈ 3,54
    tensor([[0.8485, 1.1314]], grad_fn=<MulBackward0>)
    """

    def __init__(self, d: int, eps: float = 1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    """FFN со SwiGLU (Shazeer, 2020): (Swish(x W) ⊙ x V) W₂, Swish(z) = z·σ(z) = SiLU(z).
    Три матрицы вместо двух, поэтому d_ff = 8d/3 (а не 4d) сохраняет число параметров 8d².

    >>> ffn = SwiGLU(d_model=48)                          # d_ff = 128 = 8·48/3
    >>> sum(p.numel() for p in ffn.parameters()) == 8 * 48 ** 2
    True
    """

    def __init__(self, d_model: int, d_ff: int | None = None):
        super().__init__()
        d_ff = d_ff or 8 * d_model // 3
        self.w = nn.Linear(d_model, d_ff, bias=False)       # ворота (через Swish)
        self.v = nn.Linear(d_model, d_ff, bias=False)       # значение
        self.w2 = nn.Linear(d_ff, d_model, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.w2(F.silu(self.w(x)) * self.v(x))


def noam_lr(step: int, d_model: int = 512, warmup: int = 4000) -> float:
    """Расписание шага Vaswani et al. (2017): d^−0,5 · min(s^−0,5, s · w^−1,5) — линейный прогрев
    w шагов, затем спад как 1/√s; максимум d^−0,5 · w^−0,5 при s = w.

    >>> round(noam_lr(4000), 6), noam_lr(4000) > noam_lr(3000) and noam_lr(4000) > noam_lr(5000)
    (0.000699, True)
    """
    return d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)
# --8<-- [end:modern]


@torch.no_grad()
def to_torch_layer(block: TransformerBlock) -> nn.TransformerEncoderLayer:
    """Тот же блок как ``nn.TransformerEncoderLayer`` с теми же весами (для сверки с PyTorch).
    У PyTorch Q, K, V — одна матрица in_proj = [W_Q; W_K; W_V]."""
    a, (lin1, _, lin2) = block.attn, block.ffn
    ref = nn.TransformerEncoderLayer(lin1.in_features, a.n_heads, lin1.out_features, dropout=0.0,
                                     activation="gelu", batch_first=True, norm_first=block.pre_ln,
                                     dtype=a.w_q.weight.dtype)
    ref.self_attn.in_proj_weight.copy_(torch.cat([a.w_q.weight, a.w_k.weight, a.w_v.weight]))
    ref.self_attn.in_proj_bias.copy_(torch.cat([a.w_q.bias, a.w_k.bias, a.w_v.bias]))
    for mine, theirs in ((a.w_o, ref.self_attn.out_proj), (lin1, ref.linear1), (lin2, ref.linear2),
                         (block.ln1, ref.norm1), (block.ln2, ref.norm2)):
        theirs.load_state_dict(mine.state_dict())
    return ref


# --8<-- [start:gpt]
class TinyGPT(nn.Module):
    """Decoder-only трансформер: эмбеддинги токенов + выученные позиции, блоки с причинной маской,
    финальный LN и выходной слой, связанный с матрицей эмбеддингов (как в GPT-2).

    logits[b, t] — распределение следующего токена по префиксу idx[b, :t+1].

    >>> model = TinyGPT(vocab_size=11, d_model=32, n_heads=4, n_layers=2, max_len=16)
    >>> logits, attn = model(torch.zeros(3, 10, dtype=torch.long))
    >>> tuple(logits.shape), len(attn), tuple(attn[0].shape)
    ((3, 10, 11), 2, (3, 4, 10, 10))
    """

    def __init__(self, vocab_size: int, d_model: int = 32, n_heads: int = 4, n_layers: int = 2,
                 max_len: int = 64, pre_ln: bool = True, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng():                  # детерминированно, не трогая общий ГСЧ
            torch.manual_seed(seed)
            self.tok = nn.Embedding(vocab_size, d_model)
            self.pos = nn.Embedding(max_len, d_model)
            self.blocks = nn.ModuleList(TransformerBlock(d_model, n_heads, pre_ln=pre_ln)
                                        for _ in range(n_layers))
            self.ln_f = nn.LayerNorm(d_model) if pre_ln else nn.Identity()
            self.head = nn.Linear(d_model, vocab_size, bias=False)
            self.head.weight = self.tok.weight         # связанные веса (weight tying)
            for m in self.modules():                   # инициализация GPT-2: N(0; 0,02²)
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(m.weight, std=0.02)
                if isinstance(m, nn.Linear) and m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, idx: Tensor) -> tuple[Tensor, list[Tensor]]:
        n = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(n))
        mask, maps = causal_mask(n), []
        for block in self.blocks:
            x, weights = block(x, mask)
            maps.append(weights)
        return self.head(self.ln_f(x)), maps
# --8<-- [end:gpt]


def gpt_param_count(n_layers: int, d_model: int, vocab_size: int, n_ctx: int) -> int:
    """Параметры GPT-2-подобной модели: L·(12d² + 13d) + (V + n_ctx)·d + 2d (финальный LN),
    выходной слой связан с эмбеддингами.

    >>> gpt_param_count(12, 768, 50_257, 1024)        # GPT-2 small
    124439808
    """
    d = d_model
    return n_layers * (12 * d * d + 13 * d) + (vocab_size + n_ctx) * d + 2 * d


# --8<-- [start:task]
SEP = 10  # токены 0…9 — цифры, 10 — разделитель


def reversal_batch(batch: int, length: int = 8, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Задача «разверни последовательность»: x₁…x_L SEP x_L…x₁. Вход — всё без последнего
    токена, цель — сдвиг на один; цель −100 (игнорируется) там, где ответ не определён.

    >>> x, y = reversal_batch(1, length=3, seed=0)
    >>> x.tolist(), y.tolist()
    ([[4, 9, 3, 10, 3, 9]], [[-100, -100, -100, 3, 9, 4]])
    """
    g = torch.Generator().manual_seed(seed)
    digits = torch.randint(0, 10, (batch, length), generator=g)
    seq = torch.cat([digits, torch.full((batch, 1), SEP), digits.flip(1)], dim=1)
    x, y = seq[:, :-1], seq[:, 1:].clone()
    y[:, :length] = -100                            # учим и проверяем только развёрнутую часть
    return x, y


@torch.no_grad()
def adam_step(params: list[nn.Parameter], state: list[tuple[Tensor, Tensor]], t: int,
              lr: float = 3e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
    """Шаг Adam (Kingma & Ba, 2015; вывод — в билете 4): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
    θ ← θ − η·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). Вручную, а не ``torch.optim``: тот при
    первом вызове импортирует ``torch._dynamo`` — секунды на сборке страницы."""
    for p, (m, v) in zip(params, state):
        m.mul_(betas[0]).add_(p.grad, alpha=1 - betas[0])
        v.mul_(betas[1]).addcmul_(p.grad, p.grad, value=1 - betas[1])
        denom = (v / (1 - betas[1] ** t)).sqrt_().add_(eps)
        p.addcdiv_(m, denom, value=-lr / (1 - betas[0] ** t))
        p.grad = None


@functools.lru_cache(maxsize=4)
def train_reversal(steps: int = 80, length: int = 8, seed: int = 0) -> tuple[TinyGPT, list[float]]:
    """Обучает TinyGPT (2 слоя × 4 головы, d = 32) Adam-ом; возвращает модель и кривую потерь."""
    with one_thread():                              # крошечные матрицы: потоки только мешают
        model = TinyGPT(vocab_size=11, d_model=32, n_heads=4, n_layers=2, max_len=2 * length,
                        seed=seed)
        params = list(model.parameters())               # связанные веса — один параметр
        state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
        losses = []
        for step in range(1, steps + 1):
            x, y = reversal_batch(64, length, seed=seed * 100_000 + step)
            logits, _ = model(x)
            loss = F.cross_entropy(logits.reshape(-1, 11), y.reshape(-1), ignore_index=-100)
            loss.backward()
            adam_step(params, state, step)
            losses.append(loss.item())
    return model.eval(), losses
# --8<-- [end:task]


@torch.no_grad()
def reversal_accuracy(model: TinyGPT, length: int = 8, seed: int = 12_345) -> float:
    """Доля верно развёрнутых цифр при жадном предсказании на новых примерах (teacher forcing)."""
    x, y = reversal_batch(512, length, seed=seed)
    pred = model(x)[0].argmax(-1)
    keep = y != -100
    return float((pred[keep] == y[keep]).float().mean())


@torch.no_grad()
def accuracy_without_attention(model: TinyGPT, layer: int, length: int = 8) -> float:
    """Абляция: точность разворота, если выход внимания слоя ``layer`` (с 0) заменить нулями."""
    hook = model.blocks[layer].attn.register_forward_hook(
        lambda module, inputs, out: (torch.zeros_like(out[0]), out[1]))
    try:
        return reversal_accuracy(model, length)
    finally:
        hook.remove()


@torch.no_grad()
def attention_map_figure(model: TinyGPT, length: int = 8, seed: int = 7) -> go.Figure:
    """Интерактивная карта внимания: выпадающий список выбирает слой и голову."""
    x, _ = reversal_batch(1, length, seed=seed)
    _, maps = model(x)
    labels = [f"{i}:{'SEP' if t == SEP else t}" for i, t in enumerate(x[0].tolist())]
    fig = new_figure("", "ключ j (на кого смотрим)", "запрос i (кто смотрит)")
    names = []
    for layer, weights in enumerate(maps, start=1):
        for head in range(weights.shape[1]):
            names.append(f"слой {layer}, голова {head + 1}")
            fig.add_heatmap(z=weights[0, head].numpy().round(3), x=labels, y=labels,
                            colorscale="Viridis", zmin=0, zmax=1, visible=not names[:-1],
                            hovertemplate="запрос %{y} → ключ %{x}: %{z}<extra></extra>")
    title = "Внимание: {}"
    buttons = [{"label": name, "method": "update",
                    "args": [{"visible": [j == i for j in range(len(names))]},
                          {"title.text": title.format(name)}]} for i, name in enumerate(names)]
    fig.update_layout(title_text=title.format(names[0]), height=520, margin={"l": 110},
                      updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.13}])
    fig.update_yaxes(autorange="reversed")
    return fig
