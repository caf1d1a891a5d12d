"""Vision Transformer (Dosovitskiy et al., 2021, *An Image is Worth 16x16 Words*): нарезка на патчи,
модель в torch.nn, интерполяция позиционных эмбеддингов, стоимость внимания от разрешения;
приёмы против квадратичной сложности внимания (окна, разреженные маски, Linformer, Performer,
FlashAttention; MQA/GQA — в snippets/kv_cache.py).

Блок энкодера — ``TransformerBlock`` из snippets/transformer.py (Pre-LN, GELU, d_ff = 4d), тот же,
что в ViT. Формы внимания: q, k, v — (…, n, d), как в ``F.scaled_dot_product_attention``.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import new_figure
from snippets.attention import strided_sparse_mask
from snippets.transformer import TransformerBlock

Tensor = torch.Tensor


# --8<-- [start:patchify]
def patchify(x: Tensor, p: int) -> Tensor:
    """(B, C, H, W) → (B, N, p²·C): N = HW/p² патчей построчно, внутри патча порядок (строка,
    столбец, канал). Патч x_i ∈ R^{p²C} — «слово» изображения.

    >>> patchify(torch.zeros(1, 3, 224, 224), 16).shape       # 14·14 = 196 патчей по 768 чисел
    torch.Size([1, 196, 768])
    >>> patchify(torch.arange(16.0).view(1, 1, 4, 4), 2)[0, 1].tolist()   # правый верхний патч
    [2.0, 3.0, 6.0, 7.0]
    """
    B, C, H, W = x.shape
    assert H % p == 0 and W % p == 0, "сторона изображения должна делиться на размер патча"
    x = x.reshape(B, C, H // p, p, W // p, p)               # b c h p1 w p2
    return x.permute(0, 2, 4, 3, 5, 1).reshape(B, (H // p) * (W // p), p * p * C)
# --8<-- [end:patchify]


# --8<-- [start:vit]
class ViT(nn.Module):
    """z₀ = [x_cls; x₁E; …; x_N E] + E_pos,  z_l = Block(z_{l−1}),  ŷ = Head(LN(z_L⁰)).

    E ∈ R^{p²C×d} — линейная проекция патчей (в коде — Conv2d с ядром и шагом p, что то же самое),
    x_cls — обучаемый токен [CLS], E_pos ∈ R^{(N+1)×d} — обучаемые позиционные эмбеддинги.

    >>> vit = ViT(image_size=32, patch=8, d_model=64, depth=2, n_heads=4, n_classes=10)
    >>> vit(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, image_size: int = 224, patch: int = 16, in_ch: int = 3,
                 d_model: int = 768, depth: int = 12, n_heads: int = 12, n_classes: int = 1000,
                 seed: int = 0):
        super().__init__()
        n_patches = (image_size // patch) ** 2
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.patch_embed = nn.Conv2d(in_ch, d_model, kernel_size=patch, stride=patch)
            self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
            self.pos = nn.Parameter(torch.empty(1, n_patches + 1, d_model))
            nn.init.trunc_normal_(self.pos, std=0.02)               # как в коде ViT
            self.blocks = nn.ModuleList(TransformerBlock(d_model, n_heads) for _ in range(depth))
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        z = self.patch_embed(x).flatten(2).transpose(1, 2)          # (B, N, d)
        z = torch.cat([self.cls.expand(len(z), -1, -1), z], dim=1) + self.pos
        for block in self.blocks:
            z, _ = block(z)
        return self.head(self.norm(z[:, 0]))                        # классификация по [CLS]
# --8<-- [end:vit]


VIT_CONFIGS = {  # Dosovitskiy et al. (2021), табл. 1: слои, d, голов; число параметров в статье
    "ViT-B/16": dict(patch=16, d_model=768, depth=12, n_heads=12, paper="86M"),
    "ViT-L/16": dict(patch=16, d_model=1024, depth=24, n_heads=16, paper="307M"),
    "ViT-H/14": dict(patch=14, d_model=1280, depth=32, n_heads=16, paper="632M"),
}


def vit_parameters(name: str, image_size: int = 224, n_classes: int = 1000) -> int:
    """Число параметров конфигурации из VIT_CONFIGS (модель строится на устройстве meta, без памяти).

    >>> vit_parameters("ViT-B/16")
    86567656
    """
    cfg = {k: v for k, v in VIT_CONFIGS[name].items() if k != "paper"}
    with torch.device("meta"):
        model = ViT(image_size=image_size, n_classes=n_classes, **cfg)
    return sum(p.numel() for p in model.parameters())


# --8<-- [start:interpolate]
def interpolate_pos_embed(pos: Tensor, new_grid: int) -> Tensor:
    """Позиционные эмбеддинги (1, 1 + g², d) сетки g×g → (1, 1 + G², d) для сетки G×G:
    интерполяция по 2-D сетке, эмбеддинг [CLS] без изменений (так дообучают ViT на большем
    разрешении: Dosovitskiy et al., 2021, разд. 3.2). Бикубически, как в DeiT и timm; в коде
    авторов ViT — билинейно.

    >>> interpolate_pos_embed(torch.zeros(1, 1 + 14 * 14, 768), 24).shape   # 224 → 384 пикселей
    torch.Size([1, 577, 768])
    """
    cls, grid = pos[:, :1], pos[:, 1:]
    g, d = round(grid.shape[1] ** 0.5), grid.shape[2]
    grid = grid.reshape(1, g, g, d).permute(0, 3, 1, 2)              # (1, d, g, g)
    grid = F.interpolate(grid, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
    return torch.cat([cls, grid.permute(0, 2, 3, 1).reshape(1, new_grid ** 2, d)], dim=1)
# --8<-- [end:interpolate]


# --8<-- [start:cost]
def attention_macs(image_size: int, patch: int = 16, d: int = 768,
                   window: int | None = None) -> tuple[float, float]:
    """Умножения-сложения одного слоя внимания (Liu et al., 2021, ур. 1–2), N = (image_size/p)²:
    глобальное Ω = 4NC² + 2N²C, оконное (окна M×M) Ω = 4NC² + 2M²NC.
    Возвращает (проекции Q, K, V, O: 4NC²; матрицы QKᵀ и AV: 2N²C или 2M²NC).

    >>> [int(v) for v in attention_macs(224)]                   # N = 196, C = 768
    [462422016, 59006976]
    """
    n = (image_size // patch) ** 2
    mix = 2 * n * n * d if window is None else 2 * window ** 2 * n * d
    return 4 * n * d * d, mix
# --8<-- [end:cost]


def attention_cost_figure(sizes: tuple[int, ...] = (224, 384, 512, 768, 1024, 1536, 2048)
                          ) -> go.Figure:
    """Стоимость одного слоя внимания против разрешения: ViT-B/16 глобально и окнами 7×7."""
    fig = new_figure("Стоимость одного слоя внимания против разрешения (C = 768, патч 16)",
                     "сторона изображения, пикселей", "млрд умножений-сложений (лог. шкала)")
    glob = np.array([attention_macs(s) for s in sizes]) / 1e9
    win = np.array([attention_macs(s, window=7) for s in sizes]) / 1e9
    fig.add_scatter(x=sizes, y=glob.sum(1).round(3), name="глобальное: 4NC² + 2N²C",
                    mode="lines+markers")
    fig.add_scatter(x=sizes, y=glob[:, 1].round(3), name="из них QKᵀ и AV: 2N²C",
                    mode="lines+markers", line=dict(dash="dot"))
    fig.add_scatter(x=sizes, y=win.sum(1).round(3), name="окна 7×7 (Swin): 4NC² + 2M²NC",
                    mode="lines+markers")
    fig.update_yaxes(type="log")
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top"))
    return fig


# ---------------------------------------------------------------- приёмы против O(n²)

# --8<-- [start:masks]
def local_mask(n: int, w: int, n_global: int = 0, n_random: int = 0, seed: int = 0) -> Tensor:
    """Разреженная маска (n, n), True — пара (i, j) считается. Окно |i − j| ≤ w (скользящее окно,
    Longformer); n_global первых токенов видят всех и видны всем (Longformer, BigBird); n_random
    случайных ключей на строку (BigBird). Число пар — O(n·(w + g + r)) вместо n².

    >>> local_mask(5, 1).int()
    tensor([[1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 1, 1, 1, 0],
            [0, 0, 1, 1, 1],
            [0, 0, 0, 1, 1]], dtype=torch.int32)
    """
    i = torch.arange(n)
    mask = (i[:, None] - i[None, :]).abs() <= w
    mask[:n_global, :] = mask[:, :n_global] = True
    if n_random:
        g = torch.Generator().manual_seed(seed)
        cols = torch.stack([torch.randperm(n, generator=g)[:n_random] for _ in range(n)])
        mask[i[:, None], cols] = True
    return mask


def window_attention(q: Tensor, k: Tensor, v: Tensor, m: int) -> Tensor:
    """Внимание внутри непересекающихся окон из m токенов (1-D аналог окон Swin): последовательность
    режется на n/m окон, в каждом — обычное внимание. Стоимость O(n·m·d) вместо O(n²·d).

    >>> window_attention(*torch.randn(3, 2, 12, 8), m=4).shape
    torch.Size([2, 12, 8])
    """
    *batch, n, _ = q.shape
    split = lambda t: t.reshape(*batch, n // m, m, t.shape[-1])
    out = F.scaled_dot_product_attention(split(q), split(k), split(v))
    return out.reshape(*batch, n, v.shape[-1])


def strided_mask(n: int, l: int) -> Tensor:
    """Причинная маска Sparse Transformer, шаблон strided (Child et al., 2019): объединение двух
    голов — локальной (i − l < j ≤ i) и «с шагом» ((i − j) mod l = 0, j ≤ i). При l ≈ √n на строку
    O(√n) ключей, всего O(n√n); за два слоя любой j ≤ i достижим.

    >>> strided_mask(5, 2).int()
    tensor([[1, 0, 0, 0, 0],
            [1, 1, 0, 0, 0],
            [1, 1, 1, 0, 0],
            [0, 1, 1, 1, 0],
            [1, 0, 1, 1, 1]], dtype=torch.int32)
    """
    return strided_sparse_mask(n, l)  # одна реализация шаблона на книгу: snippets/attention.py
# --8<-- [end:masks]


# --8<-- [start:linear]
def linformer_attention(q: Tensor, k: Tensor, v: Tensor, E: Tensor, Fp: Tensor) -> Tensor:
    """Linformer (Wang et al., 2020): ключи и значения сжимаются по длине, E, Fp ∈ R^{k×n}:
    softmax(Q (E K)ᵀ / √d) (Fp V) — матрица внимания n×k, стоимость O(n·k·d).

    >>> q = torch.randn(1, 10, 4); linformer_attention(q, q, q, torch.eye(10), torch.eye(10)).shape
    torch.Size([1, 10, 4])
    """
    return F.scaled_dot_product_attention(q, E @ k, Fp @ v)


def performer_features(x: Tensor, W: Tensor) -> Tensor:
    """Положительные случайные признаки FAVOR+ (Choromanski et al., 2021):
    φ(x) = exp(Wx − ‖x‖²/2) / √m, строки W ~ N(0, I); E[φ(q)ᵀφ(k)] = exp(qᵀk).

    >>> performer_features(torch.zeros(1, 3), torch.ones(4, 3)).tolist()   # exp(0)/√4
    [[0.5, 0.5, 0.5, 0.5]]
    """
    return torch.exp(x @ W.T - (x ** 2).sum(-1, keepdim=True) / 2) / W.shape[0] ** 0.5


def linear_attention(q: Tensor, k: Tensor, v: Tensor, phi) -> Tensor:
    """Ядровое (линейное) внимание: softmax(QKᵀ) заменён на φ(Q)φ(K)ᵀ, и по ассоциативности
    out = φ(Q) (φ(K)ᵀ V) / (φ(Q) φ(K)ᵀ 1) — сначала матрица m×d_v, затем n×m: O(n·m·d), а не O(n²·d).

    >>> q = torch.ones(1, 5, 2); v = torch.arange(5.0).view(1, 5, 1)
    >>> linear_attention(q, q, v, lambda x: x).flatten().tolist()   # равные веса: среднее v
    [2.0, 2.0, 2.0, 2.0, 2.0]
    """
    qf, kf = phi(q), phi(k)                                      # (…, n, m)
    kv = kf.transpose(-2, -1) @ v                               # (…, m, d_v): один раз на все запросы
    z = qf @ kf.sum(-2, keepdim=True).transpose(-2, -1)         # (…, n, 1): нормировка строк
    return (qf @ kv) / z
# --8<-- [end:linear]


# --8<-- [start:flash]
def flash_attention(q: Tensor, k: Tensor, v: Tensor, block: int = 64) -> Tensor:
    """Точное внимание по блокам ключей с онлайн-softmax (идея FlashAttention, Dao et al., 2022):
    для блока S_b = Q K_bᵀ/√d: m' = max(m, rowmax S_b), ℓ' = e^{m−m'} ℓ + rowsum e^{S_b−m'},
    acc' = e^{m−m'} acc + e^{S_b−m'} V_b; ответ O = acc / ℓ. Матрица n×n не хранится целиком.

    >>> q, k, v = torch.randn(3, 1, 100, 8, dtype=torch.float64)
    >>> bool(torch.allclose(flash_attention(q, k, v, block=16), F.scaled_dot_product_attention(q, k, v)))
    True
    """
    scale = q.shape[-1] ** -0.5
    m = torch.full(q.shape[:-1] + (1,), float("-inf"), dtype=q.dtype)   # текущий максимум строки
    ell = torch.zeros_like(m)                                   # текущая сумма экспонент
    acc = torch.zeros(q.shape[:-1] + (v.shape[-1],), dtype=q.dtype)
    for s in range(0, k.shape[-2], block):
        S = q @ k[..., s:s + block, :].transpose(-2, -1) * scale
        m_new = torch.maximum(m, S.amax(-1, keepdim=True))
        P, corr = torch.exp(S - m_new), torch.exp(m - m_new)    # corr: пересчёт старых сумм
        ell = corr * ell + P.sum(-1, keepdim=True)
        acc = corr * acc + P @ v[..., s:s + block, :]
        m = m_new
    return acc / ell
# --8<-- [end:flash]


def mask_patterns_figure(n: int = 48) -> go.Figure:
    """Какие пары (запрос, ключ) считает каждый приём; переключатель — кнопки над картой."""
    pats = {"полное внимание": torch.ones(n, n, dtype=torch.bool),
            "скользящее окно (w = 3)": local_mask(n, 3),
            "окно + 2 глобальных токена (Longformer)": local_mask(n, 3, n_global=2),
            "окно + глобальные + 3 случайных (BigBird)": local_mask(n, 3, 2, 3),
            "непересекающиеся окна по 8 (Swin, 1-D)":
                torch.block_diag(*[torch.ones(8, 8, dtype=torch.bool)] * (n // 8)),
            "Sparse Transformer, strided (l = 7)": strided_mask(n, 7)}
    fig = new_figure("Какие пары «запрос — ключ» считаются", "ключ j", "запрос i")
    for idx, (name, mask) in enumerate(pats.items()):
        fig.add_heatmap(z=mask.int().tolist(), name=name, visible=idx == 1, showscale=False,
                        colorscale=[[0, "rgba(128,128,128,0.08)"], [1, "#1f77b4"]],
                        hovertemplate="i=%{y}, j=%{x}<extra></extra>")
    buttons = [dict(label=f"{name} — {int(m.sum()) / n**2:.0%} пар", method="update",
                    args=[{"visible": [j == i for j in range(len(pats))]}])
               for i, (name, m) in enumerate(pats.items())]
    fig.update_layout(updatemenus=[dict(buttons=buttons, active=1, x=0, xanchor="left", y=1.02,
                                        yanchor="bottom")], height=540, margin=dict(t=110))
    fig.update_xaxes(constrain="domain")
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain")
    return fig


# ---------------------------------------------------------------- Swin: сдвинутые окна в 2-D

# --8<-- [start:swin]
def window_partition(x: Tensor, m: int) -> Tensor:
    """(H, W, C) → (H/m · W/m, m², C): окна m×m построчно, внутри окна токены построчно."""
    H, W, C = x.shape
    return x.reshape(H // m, m, W // m, m, C).permute(0, 2, 1, 3, 4).reshape(-1, m * m, C)


def window_reverse(win: Tensor, m: int, H: int, W: int) -> Tensor:
    """Обратно к window_partition: (H/m · W/m, m², C) → (H, W, C)."""
    C = win.shape[-1]
    return win.reshape(H // m, W // m, m, m, C).permute(0, 2, 1, 3, 4).reshape(H, W, C)


def swin_region_labels(H: int, W: int, m: int, s: int) -> Tensor:
    """Метки областей карты после циклического сдвига на s (img_mask в коде Swin): полосы
    [0, H−m), [H−m, H−s), [H−s, H) по каждой оси. Токены из разных областей одного окна в
    исходной карте не соседи — между ними внимание запрещено.

    >>> swin_region_labels(4, 4, 2, 1)
    tensor([[0, 0, 1, 2],
            [0, 0, 1, 2],
            [3, 3, 4, 5],
            [6, 6, 7, 8]])
    """
    labels = torch.zeros(H, W, dtype=torch.long)
    bands = (slice(0, -m), slice(-m, -s), slice(-s, None))
    for a, hs in enumerate(bands):
        for b, ws in enumerate(bands):
            labels[hs, ws] = 3 * a + b
    return labels


def shifted_window_mask(H: int, W: int, m: int, s: int) -> Tensor:
    """Маска (число окон, m², m²): True — пара в одном окне и в одной области (можно смотреть)."""
    lab = window_partition(swin_region_labels(H, W, m, s)[..., None], m)[..., 0]
    return lab[:, :, None] == lab[:, None, :]


def swin_attention(q: Tensor, k: Tensor, v: Tensor, m: int, shift: int = 0) -> Tensor:
    """Внимание в окнах m×m на карте (H, W, d) (Liu et al., 2021). shift = 0 — обычные окна (W-MSA);
    shift = ⌊m/2⌋ — сдвинутые (SW-MSA): карта циклически сдвигается на (−s, −s), окна режутся как
    обычно, маска запрещает пары из разных областей, результат сдвигается обратно. Окон столько же,
    сколько без сдвига, и считаются они одним пакетом.

    >>> swin_attention(*torch.randn(3, 8, 8, 4), m=4, shift=2).shape
    torch.Size([8, 8, 4])
    """
    H, W, _ = q.shape
    if shift:
        q, k, v = (torch.roll(t, shifts=(-shift, -shift), dims=(0, 1)) for t in (q, k, v))
    mask = shifted_window_mask(H, W, m, shift) if shift else None
    out = F.scaled_dot_product_attention(window_partition(q, m), window_partition(k, m),
                                         window_partition(v, m), attn_mask=mask)
    out = window_reverse(out, m, H, W)
    return torch.roll(out, shifts=(shift, shift), dims=(0, 1)) if shift else out
# --8<-- [end:swin]


def shifted_window_ids(H: int, W: int, m: int, s: int) -> Tensor:
    """Номер сдвинутого окна каждой клетки в исходной карте, без циклического сдвига: границы окон
    по оси — s, s + m, s + 2m, …; у краёв окна неполные (их (H/m + 1)² при s > 0)."""
    band = lambda n: (torch.arange(n) + m - s) // m
    return band(H)[:, None] * (W // m + 1) + band(W)[None, :]


def swin_reference(q: Tensor, k: Tensor, v: Tensor, m: int, shift: int) -> Tensor:
    """То же, что swin_attention, «в лоб»: полное внимание по всем H·W токенам с маской
    «в одном сдвинутом окне» (окна неполные у краёв, без циклического сдвига)."""
    H, W, d = q.shape
    ids = shifted_window_ids(H, W, m, shift).flatten()
    out = F.scaled_dot_product_attention(q.reshape(H * W, d), k.reshape(H * W, d),
                                         v.reshape(H * W, -1), attn_mask=ids[:, None] == ids[None])
    return out.reshape(H, W, -1)


SWIN_VIEWS = ("обычные окна (блок ℓ)", "сдвинутые окна (блок ℓ + 1)",
              "после циклического сдвига: окна и области маски")


def swin_view(view: str, H: int = 8, m: int = 4) -> Tensor:
    """Карта H×H для фигуры, s = ⌊m/2⌋: номера обычных окон; номера сдвинутых окон; те же номера
    после циклического сдвига на (−s, −s) — области маски внутри обычных окон."""
    s = m // 2
    r = torch.arange(H)
    win = (r[:, None] // m) * (H // m) + r[None, :] // m     # обычные окна
    if view == SWIN_VIEWS[0]:
        return win
    shifted = shifted_window_ids(H, H, m, s)
    if view == SWIN_VIEWS[1]:
        return shifted
    return torch.roll(shifted, shifts=(-s, -s), dims=(0, 1))  # куски сдвинутых окон после переноса


def swin_view_traces(view: str) -> list:
    """Трасса кадра: номера окон (или пар «окно, область») как цвета клеток 8×8."""
    z = swin_view(view)
    _, codes = torch.unique(z, return_inverse=True)         # подряд идущие номера 0, 1, 2, …
    return [go.Heatmap(z=codes.tolist(), text=codes.tolist(), texttemplate="%{text}",
                       colorscale="Turbo", showscale=False, name=view,
                       hovertemplate="строка %{y}, столбец %{x}: № %{z}<extra></extra>")]


def swin_figure(active: int = 1) -> go.Figure:
    """Ползунок по трём видам разбиения карты 8×8 окнами 4×4 со сдвигом 2."""
    from snippets._plotting import explorable

    fig = explorable("Окна Swin на карте 8×8 (M = 4, сдвиг ⌊M/2⌋ = 2)", "столбец", "строка",
                     "вид", list(SWIN_VIEWS), swin_view_traces, active=active,
                     label=lambda v: v.split(" (")[0].split(":")[0], height=520)
    fig.update_xaxes(constrain="domain", dtick=1)
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", dtick=1)
    return fig


# ---------------------------------------------------------------- размер патча против стоимости

PATCH_SIZES = (8, 14, 16, 32)
SIDES = (224, 384, 512, 768, 1024)


def patch_cost_traces(patch: int, d: int = 768) -> list:
    """Трассы кадра: линейная (4NC²) и квадратичная (2N²C) части слоя внимания по стороне
    изображения при размере патча patch (attention_macs)."""
    cost = np.array([attention_macs(sd, patch=patch, d=d) for sd in SIDES]) / 1e9
    return [go.Scatter(x=list(SIDES), y=cost[:, 0].round(3), mode="lines+markers",
                       name="проекции Q, K, V, O: 4NC²"),
            go.Scatter(x=list(SIDES), y=cost[:, 1].round(3), mode="lines+markers",
                       name="QKᵀ и AV: 2N²C", line=dict(dash="dot"))]


def patch_size_figure(active: int = 2) -> go.Figure:
    """Ползунок по размеру патча P: токены N = (сторона/P)² и стоимость слоя (C = 768)."""
    from snippets._plotting import explorable

    def title(p: int) -> str:
        n224, n1024 = (224 // p) ** 2, (1024 // p) ** 2
        return f"Патч P = {p}<br>{n224} токенов на 224², {n1024} на 1024²"

    fig = explorable("Размер патча и стоимость слоя внимания", "сторона изображения, пикселей",
                     "млрд умножений-сложений (лог. шкала)", "P", list(PATCH_SIZES),
                     patch_cost_traces, active=active, title_for=title)
    everything = np.array([attention_macs(sd, patch=p) for p in PATCH_SIZES for sd in SIDES])
    fig.update_yaxes(type="log", range=[np.log10(everything.min() / 1e9) - 0.2,
                                        np.log10(everything.max() / 1e9) + 0.2])
    return fig
