"""Внимание (attention) трансформера: scaled dot-product attention, маски, multi-head attention.

Vaswani et al. (2017), *Attention Is All You Need*. Соглашение PyTorch: ``nn.Linear`` хранит
W ∈ R^{d_out×d_in} и считает y = x Wᵀ + b, что в обозначениях книги есть Y = X W' + b с W' = Wᵀ.
Маска — булев тензор: True — пару (запрос i, ключ j) учитываем, False — запрещаем
(то же соглашение, что у ``attn_mask`` в ``F.scaled_dot_product_attention``).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure

Tensor = torch.Tensor
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.3, "yanchor": "top"}


# --8<-- [start:sdpa]
def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor,
                                 mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Attention(Q, K, V) = softmax(Q Kᵀ / √d_k + M) V; M = 0 там, где mask True, и −∞ где False.

    Формы: q (…, n_q, d_k), k (…, n_k, d_k), v (…, n_k, d_v), mask — broadcast к (…, n_q, n_k).
    Возвращает (выход (…, n_q, d_v), веса внимания A (…, n_q, n_k)); строки A суммируются в 1.

    >>> q = k = torch.eye(2)                     # два ортогональных ключа
    >>> v = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> out, a = scaled_dot_product_attention(q, k, v, mask=causal_mask(2))
    >>> a                                        # первый токен видит только себя
    tensor([[1.0000, 0.0000],
            [0.3302, 0.6698]])
    """
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)       # (…, n_q, n_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))   # exp(−∞) = 0
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


def causal_mask(n: int) -> Tensor:
    """Причинная маска декодера: токен i видит ключи j ≤ i (нижний треугольник).

    >>> causal_mask(3).int()
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    return torch.ones(n, n, dtype=torch.bool).tril()


def padding_mask(lengths: Tensor, n: int) -> Tensor:
    """Маска дополнения (padding) формы (B, 1, 1, n): ключи j ≥ длины примера запрещены.

    >>> padding_mask(torch.tensor([2, 3]), 3)[:, 0, 0].int()
    tensor([[1, 1, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    return (torch.arange(n) < lengths[:, None])[:, None, None, :]
# --8<-- [end:sdpa]


# --8<-- [start:mha]
class MultiHeadAttention(nn.Module):
    """MultiHead = Concat(head₁, …, head_h) W_O, head_i = Attention(Q W_Qⁱ, K W_Kⁱ, V W_Vⁱ).

    h голов размерности d_head = d_model / h; проекции всех голов — одна матрица d_model × d_model
    на каждую из Q, K, V (головы — срезы её выхода). Для self-attention x_kv = x.

    >>> mha = MultiHeadAttention(d_model=8, n_heads=2)
    >>> out, a = mha(torch.randn(1, 5, 8), mask=causal_mask(5))
    >>> tuple(out.shape), tuple(a.shape)         # веса — по каждой голове
    ((1, 5, 8), (1, 2, 5, 5))
    """

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        assert d_model % n_heads == 0, "d_model должно делиться на n_heads"
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.w_q, self.w_k, self.w_v, self.w_o = (nn.Linear(d_model, d_model) for _ in range(4))

    def split_heads(self, x: Tensor) -> Tensor:
        """(B, n, d_model) → (B, h, n, d_head)."""
        b, n, _ = x.shape
        return x.view(b, n, self.n_heads, self.d_head).transpose(1, 2)

    def forward(self, x: Tensor, x_kv: Tensor | None = None,
                mask: Tensor | None = None) -> tuple[Tensor, Tensor]:
        x_kv = x if x_kv is None else x_kv                   # cross-attention: x_kv — энкодер
        q, k, v = (self.split_heads(w(t)) for w, t in
                   ((self.w_q, x), (self.w_k, x_kv), (self.w_v, x_kv)))
        out, weights = scaled_dot_product_attention(q, k, v, mask)
        b, _, n, _ = out.shape
        out = out.transpose(1, 2).reshape(b, n, -1)           # Concat(head₁, …, head_h)
        return self.w_o(out), weights
# --8<-- [end:mha]


# --8<-- [start:variance]
def dot_product_std(d_k: int, n: int = 20_000, seed: int = 0) -> tuple[float, float]:
    """Стандартное отклонение q·k и q·k/√d_k для q, k ~ N(0, I_{d_k}); теория: √d_k и 1.

    >>> s, s_scaled = dot_product_std(256)
    >>> round(s / 16, 1), round(s_scaled, 1)
    (1.0, 1.0)
    """
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, n, d_k))
    dots = (q * k).sum(axis=1)
    return float(dots.std()), float((dots / math.sqrt(d_k)).std())
# --8<-- [end:variance]


def softmax_saturation(d_ks: list[int], n_keys: int = 16, trials: int = 200,
                       seed: int = 0) -> dict[str, list[float]]:
    """Средний максимальный вес softmax и средняя норма его градиента по логитам для
    случайных q, k ~ N(0, I) без деления и с делением на √d_k.

    Якобиан softmax J = diag(p) − p pᵀ; при почти one-hot p он почти нулевой.

    >>> r = softmax_saturation([512], trials=50)
    >>> r["max_raw"][0] > 0.9 > 0.5 > r["max_scaled"][0]
    True
    """
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {key: [] for key in
                                   ("max_raw", "max_scaled", "grad_raw", "grad_scaled")}
    for d_k in d_ks:
        q = rng.standard_normal((trials, 1, d_k))
        k = rng.standard_normal((trials, n_keys, d_k))
        raw = (q * k).sum(-1)
        for name, s in (("raw", raw), ("scaled", raw / math.sqrt(d_k))):
            p = np.exp(s - s.max(-1, keepdims=True))
            p /= p.sum(-1, keepdims=True)
            jac = p[:, :, None] * (np.eye(n_keys) - p[:, None, :])   # diag(p) − p pᵀ
            out[f"max_{name}"].append(float(p.max(-1).mean()))
            out[f"grad_{name}"].append(float(np.linalg.norm(jac, axis=(1, 2)).mean()))
    return out


def scaling_figure(d_ks: tuple[int, ...] = (4, 8, 16, 32, 64, 128, 256, 512, 1024)) -> go.Figure:
    """Насыщение softmax без масштабирования: максимальный вес и норма якобиана против d_k."""
    r = softmax_saturation(list(d_ks))
    fig = new_figure("Зачем делить на √dₖ: softmax по 16 случайным ключам",
                     "размерность ключа dₖ (лог. шкала)", "среднее значение")
    for key, name, dash in (("max_raw", "max вес, без √dₖ", "solid"),
                            ("max_scaled", "max вес, с √dₖ", "solid"),
                            ("grad_raw", "‖якобиан softmax‖, без √dₖ", "dot"),
                            ("grad_scaled", "‖якобиан softmax‖, с √dₖ", "dot")):
        fig.add_scatter(x=list(d_ks), y=[round(v, 4) for v in r[key]], name=name,
                        mode="lines+markers", line={"dash": dash})
    fig.update_xaxes(type="log")
    fig.update_layout(legend=LEGEND_BELOW,
                      margin={"b": 170}, height=480)
    return fig


# --8<-- [start:sparse_lsh]
def strided_sparse_mask(n: int, stride: int) -> Tensor:
    """Факторизованное причинное внимание Sparse Transformer (Child et al., 2019), два шаблона
    вместе: локальный (j ∈ (i − l, i]) и «шаговый» ((i − j) mod l = 0), l = stride ≈ √n.
    Пар O(n√n) вместо O(n²); за два слоя любой j ≤ i достижим.

    >>> m = strided_sparse_mask(16, 4)
    >>> int(m.sum()), int(causal_mask(16).sum())
    (82, 136)
    """
    i, j = torch.arange(n)[:, None], torch.arange(n)[None, :]
    local = (j <= i) & (j > i - stride)
    strided = (j <= i) & ((i - j) % stride == 0)
    return local | strided


def lsh_buckets(x: Tensor, n_buckets: int, seed: int = 0) -> Tensor:
    """Угловой LSH Reformer (Kitaev et al., 2020): h(x) = argmax([xR ; −xR]), R ∈ R^{d×b/2}
    случайная. Близкие по направлению векторы чаще попадают в одну корзину, и внимание считают
    только внутри корзин: O(n log n) с сортировкой вместо O(n²).

    >>> x = torch.tensor([[1.0, 0.0], [2.0, 0.01], [-1.0, 0.0]])
    >>> b = lsh_buckets(x, 4); bool(b[0] == b[1]), bool(b[0] == b[2])
    (True, False)
    """
    g = torch.Generator().manual_seed(seed)
    R = torch.randn(x.shape[-1], n_buckets // 2, generator=g, dtype=x.dtype)
    proj = x @ R
    return torch.cat([proj, -proj], dim=-1).argmax(-1)
# --8<-- [end:sparse_lsh]
