"""Регуляризация свёрточных сетей: spatial dropout, DropBlock, stochastic depth и смешивающие
аугментации Cutout, Mixup, CutMix. Картинки синтезируются кодом, ничего не скачивается."""

from __future__ import annotations

import plotly.graph_objects as go
import torch
import torch.nn.functional as F

from snippets._plotting import new_figure

Tensor = torch.Tensor


# --8<-- [start:dropout]
def dropout(x: Tensor, p: float, gen: torch.Generator) -> Tensor:
    """Обычный (inverted) dropout: каждый элемент независимо обнуляется с вероятностью p,
    выжившие делятся на 1 − p.

    >>> y = dropout(torch.ones(1, 1, 100, 100), 0.5, torch.Generator().manual_seed(0))
    >>> sorted(set(y.flatten().tolist())), round((y == 0).float().mean().item(), 2)
    ([0.0, 2.0], 0.5)
    """
    return x * (torch.rand(x.shape, generator=gen) >= p).to(x.dtype) / (1 - p)


def spatial_dropout(x: Tensor, p: float, gen: torch.Generator) -> Tensor:
    """Spatial dropout (Tompson et al., 2015; ``nn.Dropout2d``): канал (N, C) обнуляется целиком
    с вероятностью p, выжившие делятся на 1 − p, чтобы матожидание не изменилось.

    >>> y = spatial_dropout(torch.ones(1, 6, 3, 3), 0.5, torch.Generator().manual_seed(0))
    >>> y[0, :, 0, 0].tolist() == y[0, :, 2, 1].tolist(), y.amax(dim=(2, 3)).flatten().tolist()
    (True, [0.0, 2.0, 0.0, 0.0, 0.0, 2.0])
    """
    keep = (torch.rand(x.shape[0], x.shape[1], 1, 1, generator=gen) >= p).to(x.dtype)
    return x * keep / (1 - p)


def dropblock(x: Tensor, p: float, block: int, gen: torch.Generator) -> Tensor:
    """DropBlock (Ghiasi et al., 2018): обнуляет квадраты block×block, доля обнулённых ≈ p.

    Центры блоков — Bernoulli(γ) в области, где блок целиком помещается в карту H×W:
    γ = p / block² · H·W / ((H − block + 1)(W − block + 1)). Выжившие нормируются на долю единиц маски.

    >>> y = dropblock(torch.ones(1, 1, 12, 12), 0.2, 3, torch.Generator().manual_seed(1))
    >>> (y == 0).int()[0, 0, 2:5, 2:8].tolist(), round(y.mean().item(), 6)   # блок 3×3, среднее = 1
    ([[0, 0, 1, 1, 1, 0], [0, 0, 1, 1, 1, 0], [0, 0, 1, 1, 1, 0]], 1.0)
    """
    n, c, h, w = x.shape
    gamma = p / block ** 2 * h * w / ((h - block + 1) * (w - block + 1))
    centers = (torch.rand(n, c, h - block + 1, w - block + 1, generator=gen) < gamma).to(x.dtype)
    centers = F.pad(centers, [block // 2, (block - 1) // 2, block // 2, (block - 1) // 2])
    dropped = F.max_pool2d(centers, block, stride=1, padding=block // 2)[..., :h, :w]   # расширить до блоков
    mask = 1 - dropped
    return x * mask * mask.numel() / mask.sum().clamp(min=1)


def stochastic_depth(x: Tensor, branch: Tensor, p: float, gen: torch.Generator,
                     training: bool = True) -> Tensor:
    """Стохастическая глубина (Huang et al., 2016): в обучении остаточная ветвь F(x) примера
    выключается целиком с вероятностью p, y = x + m·F(x)/(1 − p), m ~ Bernoulli(1 − p);
    на инференсе y = x + F(x). В статье ветвь выключают сразу для всего мини-пакета и на тесте
    умножают на 1 − p вместо деления в обучении; по примерам, как здесь, — вариант drop path.

    >>> stochastic_depth(torch.zeros(4, 1), torch.ones(4, 1), 0.5, torch.Generator().manual_seed(0)).flatten()
    tensor([0., 2., 0., 0.])
    """
    if not training or p == 0:
        return x + branch
    keep = (torch.rand(x.shape[0], *[1] * (x.dim() - 1), generator=gen) >= p).to(x.dtype)
    return x + branch * keep / (1 - p)
# --8<-- [end:dropout]


# --8<-- [start:mixing]
def cutout(img: Tensor, size: int, gen: torch.Generator) -> Tensor:
    """Cutout (DeVries & Taylor, 2017): обнулить квадрат size×size со случайным центром
    (квадрат может частично выходить за край).

    >>> int((cutout(torch.ones(20, 20), 6, torch.Generator().manual_seed(0)) == 0).sum())   # 6×6 у края
    24
    """
    h, w = img.shape[-2:]
    cy, cx = (int(torch.randint(0, s, (1,), generator=gen)) for s in (h, w))
    out = img.clone()
    out[..., max(0, cy - size // 2):cy + size - size // 2, max(0, cx - size // 2):cx + size - size // 2] = 0
    return out


def mixup(x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor, lam: float) -> tuple[Tensor, Tensor]:
    """Mixup (Zhang et al., 2018): x = λx₁ + (1 − λ)x₂, y = λy₁ + (1 − λ)y₂ (y — one-hot),
    λ ~ Beta(α, α).

    >>> mixup(torch.tensor([1.0]), torch.tensor([1.0, 0.0]), torch.tensor([0.0]), torch.tensor([0.0, 1.0]), 0.7)
    (tensor([0.7000]), tensor([0.7000, 0.3000]))
    """
    return lam * x1 + (1 - lam) * x2, lam * y1 + (1 - lam) * y2


def cutmix(x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor, lam: float,
           gen: torch.Generator) -> tuple[Tensor, Tensor, float]:
    """CutMix (Yun et al., 2019): в x₁ вклеивается прямоугольник из x₂ площадью ≈ (1 − λ)·H·W;
    метка смешивается по фактической доле площади: λ' = 1 − S_box/(H·W). Возвращает (x, y, λ').

    >>> x, y, lam = cutmix(torch.zeros(10, 10), torch.tensor([1.0, 0.0]), torch.ones(10, 10),
    ...                    torch.tensor([0.0, 1.0]), 0.75, torch.Generator().manual_seed(0))
    >>> int(x.sum()), lam, [round(v, 2) for v in y.tolist()]   # 5×5 обрезан краем до 5×3
    (15, 0.85, [0.85, 0.15])
    """
    h, w = x1.shape[-2:]
    rh, rw = int(h * (1 - lam) ** 0.5), int(w * (1 - lam) ** 0.5)
    cy, cx = (int(torch.randint(0, s, (1,), generator=gen)) for s in (h, w))
    top, bottom = max(cy - rh // 2, 0), min(cy + rh - rh // 2, h)
    left, right = max(cx - rw // 2, 0), min(cx + rw - rw // 2, w)
    x = x1.clone()
    x[..., top:bottom, left:right] = x2[..., top:bottom, left:right]
    lam_adj = 1 - (bottom - top) * (right - left) / (h * w)
    return x, lam_adj * y1 + (1 - lam_adj) * y2, lam_adj
# --8<-- [end:mixing]


def synthetic_images(size: int = 48) -> tuple[Tensor, Tensor]:
    """Две картинки в оттенках серого: «диск на градиенте» и «клетка с полосами»."""
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32),
                            torch.arange(size, dtype=torch.float32), indexing="ij")
    a = 0.3 * xx / size + 0.7 * (((yy - size * 0.45) ** 2 + (xx - size * 0.55) ** 2) < (size * 0.3) ** 2).float()
    b = 0.25 + 0.5 * ((yy // 8 + xx // 8) % 2) * (torch.sin(yy / 2) > 0).float() + 0.2 * (yy / size)
    return a.clamp(0, 1), b.clamp(0, 1)


def feature_maps(size: int = 24) -> Tensor:
    """Карты признаков (1, 4, size, size): картинка «диск», свёрнутая с 4 фильтрами-детекторами
    краёв и пятен, после ReLU — соседние пиксели сильно коррелированы, как в реальной CNN."""
    img = F.interpolate(synthetic_images(2 * size)[0][None, None], size=(size, size), mode="bilinear")
    k = torch.tensor([[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                      [[0, 1, 0], [1, -4, 1], [0, 1, 0]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]]],
                     dtype=torch.float32)[:, None] / torch.tensor([4, 4, 2, 9.0])[:, None, None, None]
    return F.relu(F.conv2d(img, k, padding=1) * torch.tensor([1, 1, -1, 1.0])[None, :, None, None])


def _grid(title: str, panels: list[Tensor], cols: int, col_titles: list[str],
          row_titles: list[str] | None = None) -> go.Figure:
    """Сетка тепловых карт в оттенках серого с общей шкалой яркости и квадратными пикселями."""
    rows = (len(panels) + cols - 1) // cols
    fig = new_figure(title)
    fig.set_subplots(rows, cols, column_titles=col_titles, row_titles=row_titles,
                     horizontal_spacing=0.02, vertical_spacing=0.04)
    zmax = max(float(z.max()) for z in panels)          # одна шкала яркости на все панели
    for i, z in enumerate(panels):
        fig.add_heatmap(z=z.numpy().round(2), colorscale="gray", showscale=False, zmin=0, zmax=zmax,
                        row=i // cols + 1, col=i % cols + 1,
                        hovertemplate="x=%{x}, y=%{y}: %{z}<extra></extra>")
        suffix = str(i + 1) if i else ""
        fig.layout[f"yaxis{suffix}"].update(scaleanchor=f"x{suffix}", constrain="domain")
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_annotations(font_size=12)
    fig.update_layout(height=int(rows * 620 / cols) + 110, margin=dict(l=10, r=30, t=90, b=10))
    return fig


def augmentation_figure(seed: int = 2) -> go.Figure:
    """Исходные картинки A и B и что с ними делают Cutout, Mixup (λ = 0,6) и CutMix (λ = 0,6)."""
    gen = torch.Generator().manual_seed(seed)
    a, b = synthetic_images()
    ya, yb = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mixed, _ = mixup(a, ya, b, yb, 0.6)
    cm, _, lam = cutmix(a, ya, b, yb, 0.6, gen)
    titles = ["A: (1; 0)", "B: (0; 1)", "Cutout(A): (1; 0)", "Mixup: (0,6; 0,4)",
              f"CutMix: ({lam:.2f}; {1 - lam:.2f})".replace(".", ",")]
    return _grid("Аугментации на уровне картинки; в скобках — метка", [a, b, cutout(a, 16, gen), mixed, cm],
                 cols=5, col_titles=titles)


def dropout_figure(p: float = 0.3, seed: int = 0) -> go.Figure:
    """Четыре канала карты признаков: без изменений, dropout, spatial dropout, DropBlock (p = 0,3)."""
    gen = torch.Generator().manual_seed(seed)
    x = feature_maps()
    variants = [("исходная", x), ("dropout", dropout(x, p, gen)), ("spatial dropout", spatial_dropout(x, p, gen)),
                ("DropBlock 5×5", dropblock(x, p, 5, gen))]
    return _grid(f"Что остаётся от карты признаков при p = {p}".replace(".", ","),
                 [v[0, c] for _, v in variants for c in range(4)], cols=4,
                 col_titles=[f"канал {c + 1}" for c in range(4)], row_titles=[n for n, _ in variants])


# --8<-- [start:recovery]
def neighbour_recovery_error(x: Tensor, y: Tensor) -> float:
    """Насколько выключенные активации восстановимы по соседям: каждую выключенную (y = 0 при x ≠ 0)
    предсказываем средним живых соседей в окне 3×3 того же канала (нет живых — нулём) и считаем
    относительную ошибку ‖x − x̂‖/‖x‖ по выключенным. 0 — информация не потеряна, 1 — потеряна вся.

    >>> x = torch.ones(1, 1, 5, 5); y = x.clone(); y[0, 0, 2, 2] = 0     # один пиксель среди живых
    >>> neighbour_recovery_error(x, y)
    0.0
    """
    dropped = (y == 0) & (x != 0)
    if not dropped.any():
        return float("nan")
    alive = (~dropped).to(x.dtype)
    c = x.shape[1]
    ones = torch.ones(c, 1, 3, 3, dtype=x.dtype)
    s = F.conv2d(x * alive, ones, padding=1, groups=c)          # сумма живых соседей
    n = F.conv2d(alive, ones, padding=1, groups=c)              # их число
    x_hat = torch.where(n > 0, s / n.clamp(min=1), torch.zeros_like(s))
    return float((x - x_hat)[dropped].norm() / x[dropped].norm().clamp(min=1e-12))
# --8<-- [end:recovery]
