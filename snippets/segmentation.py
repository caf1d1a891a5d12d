"""Семантическая сегментация: метрики (pixel accuracy, IoU/mIoU, Dice), маленький U-Net и
рецептивное поле расширенных (dilated, atrous) свёрток. Метрики тест сверяет со scikit-learn."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure
from snippets.conv import path_count_map, receptive_field

Array = np.ndarray


# --8<-- [start:metrics]
def confusion(pred: Array, target: Array, n_classes: int, ignore_index: int = 255) -> Array:
    """Матрица ошибок C[i, j] — число пикселей класса i, предсказанных как j (пиксели
    с меткой ``ignore_index``, например границы объектов в VOC, не учитываются)."""
    ok = target != ignore_index
    return np.bincount(n_classes * target[ok] + pred[ok], minlength=n_classes ** 2).reshape(n_classes, -1)


def segmentation_metrics(pred: Array, target: Array, n_classes: int) -> dict[str, float]:
    """Pixel accuracy = Σ TP / N; IoU_c = TP/(TP + FP + FN); Dice_c = 2TP/(2TP + FP + FN);
    mIoU и mDice — средние по классам, встречающимся в разметке или в предсказании.

    >>> t = np.array([[0, 0, 1, 1]]); p = np.array([[0, 1, 1, 1]])
    >>> {k: round(v, 3) for k, v in segmentation_metrics(p, t, 2).items()}
    {'pixel_acc': 0.75, 'mIoU': 0.583, 'mDice': 0.733}
    """
    c = confusion(pred, target, n_classes)
    tp, fp, fn = np.diag(c), c.sum(0) - np.diag(c), c.sum(1) - np.diag(c)
    present = tp + fp + fn > 0
    iou = tp[present] / (tp + fp + fn)[present]
    dice = 2 * tp[present] / (2 * tp + fp + fn)[present]
    return {"pixel_acc": float(tp.sum() / c.sum()), "mIoU": float(iou.mean()), "mDice": float(dice.mean())}


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    """Дифференцируемый («мягкий») Dice для масок (N, C, H, W):
    1 − mean_c (2 Σ p·y + ε) / (Σ p + Σ y + ε), p = softmax по каналам, y — one-hot.
    В V-Net (Milletari et al., 2016) в знаменателе Σ p² + Σ y²."""
    p = logits.softmax(dim=1)
    y = nn.functional.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2).float()
    inter, total = (p * y).sum((0, 2, 3)), (p + y).sum((0, 2, 3))
    return 1 - ((2 * inter + eps) / (total + eps)).mean()
# --8<-- [end:metrics]


# --8<-- [start:unet]
class TinyUNet(nn.Module):
    """U-Net (Ronneberger et al., 2015) в миниатюре: кодировщик (свёртки + пулинг) сжимает карту,
    декодировщик (транспонированная свёртка 2×2, шаг 2) возвращает размер, а skip-связи склеивают
    признаки кодировщика того же разрешения с признаками декодировщика.

    >>> TinyUNet(n_classes=3)(torch.zeros(1, 3, 32, 32)).shape
    torch.Size([1, 3, 32, 32])
    """

    def __init__(self, c_in: int = 3, n_classes: int = 2, base: int = 8, depth: int = 2):
        super().__init__()
        block = lambda a, b: nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.ReLU(),
                                           nn.Conv2d(b, b, 3, padding=1), nn.ReLU())
        chans = [base * 2 ** i for i in range(depth + 1)]
        self.down = nn.ModuleList([block(c_in, chans[0])] + [block(a, b) for a, b in zip(chans, chans[1:])])
        self.up = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, stride=2) for a, b in zip(chans, chans[1:])])
        self.fuse = nn.ModuleList([block(2 * a, a) for a in chans[:-1]])
        self.head = nn.Conv2d(chans[0], n_classes, 1)   # логиты класса в каждом пикселе

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, d in enumerate(self.down):
            x = d(x if i == 0 else nn.functional.max_pool2d(x, 2))
            skips.append(x)
        for up, fuse, skip in zip(reversed(self.up), reversed(self.fuse), reversed(skips[:-1])):
            x = fuse(torch.cat([up(x), skip], dim=1))
        return self.head(x)
# --8<-- [end:unet]


# --8<-- [start:dilated]
def effective_kernel(k: int, d: int) -> int:
    """Эффективный размер ядра k×k с дилатацией d: k + (k − 1)(d − 1).

    >>> effective_kernel(3, 1), effective_kernel(3, 2), effective_kernel(3, 6)
    (3, 5, 13)
    """
    return k + (k - 1) * (d - 1)


def dilation_coverage(dilations: list[int], k: int = 3) -> tuple[int, float]:
    """Рецептивное поле стопки свёрток k×k с дилатациями ``dilations`` и доля пикселей внутри
    него, от которых реально есть путь к центральному выходу (< 1 — «сетка», gridding).

    >>> dilation_coverage([2, 2, 2]), dilation_coverage([1, 2, 5])
    ((13, 0.29), (17, 1.0))
    """
    m = path_count_map(len(dilations), k, dilations)
    return receptive_field([(k, 1, d) for d in dilations])[-1], float((m > 0).mean())
# --8<-- [end:dilated]


DILATION_STACKS = [[1, 1, 1], [2, 2, 2], [2, 4, 8], [1, 2, 4], [1, 2, 5]]


def dilation_table() -> str:
    """Таблица Markdown: стопка дилатаций → рецептивное поле и покрытие."""
    rows = ["| Дилатации трёх свёрток 3×3 | Рецептивное поле | Покрыто пикселей |", "|---|---:|---:|"]
    for dil in DILATION_STACKS:
        rf, cov = dilation_coverage(dil)
        rows.append(f"| {', '.join(map(str, dil))} | {rf}×{rf} | {cov:.0%} |")
    return "\n".join(rows)


def dilation_figure() -> go.Figure:
    """Тепловые карты числа путей к центральному выходу для стопок дилатаций; кнопки переключают."""
    size = receptive_field([(3, 1, d) for d in DILATION_STACKS[2]])[-1]   # самая широкая стопка
    half = size // 2
    title = "Дилатации {}: поле {r}×{r}, покрыто {c:.0%}".format
    fig = new_figure("", "x, пиксели входа", "y, пиксели входа")
    for i, dil in enumerate(DILATION_STACKS):
        m = path_count_map(3, 3, dil)
        z = np.pad(m, (size - m.shape[0]) // 2)
        fig.add_heatmap(z=np.where(z > 0, z / z.max(), np.nan).round(3), x=list(range(-half, half + 1)),
                        y=list(range(-half, half + 1)), colorscale="Viridis", zmin=0, zmax=1,
                        visible=i == 0, colorbar=dict(title="доля от max"), hoverongaps=False)
    labels = [title(", ".join(map(str, d)), r=dilation_coverage(d)[0], c=dilation_coverage(d)[1])
              for d in DILATION_STACKS]
    buttons = [dict(label="d = " + ", ".join(map(str, d)), method="update",
                    args=[{"visible": [j == i for j in range(len(DILATION_STACKS))]}, {"title.text": labels[i]}])
               for i, d in enumerate(DILATION_STACKS)]
    fig.update_layout(title_text=labels[0], updatemenus=[dict(type="buttons", direction="right", x=0,
                      y=-0.15, xanchor="left", yanchor="top", buttons=buttons)], margin=dict(b=110))
    fig.update_yaxes(scaleanchor="x", autorange="reversed")
    return fig


def synthetic_segmentation(size: int = 64, seed: int = 0) -> tuple[Array, Array]:
    """Разметка из трёх классов (фон, круг, прямоугольник) и «предсказание» с ошибками на
    границах и пропущенным куском — для демонстрации метрик."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    target = np.zeros((size, size), int)
    target[(yy - 20) ** 2 + (xx - 22) ** 2 < 12 ** 2] = 1
    target[40:58, 30:60] = 2
    pred = target.copy()
    pred[target == 1] = 0
    pred[(yy - 21) ** 2 + (xx - 25) ** 2 < 12 ** 2] = 1          # круг сдвинут на (1, 3) пикселя
    pred[40:58, 30:60] = 2
    pred[40:58, 50:60] = 0                                        # часть прямоугольника пропущена
    noise = rng.random((size, size)) < 0.02
    pred[noise] = rng.integers(0, 3, noise.sum())
    return pred, target


def class_iou(pred: Array, target: Array, n_classes: int) -> Array:
    """IoU_c = TP/(TP + FP + FN) каждого класса (NaN, если класса нет ни в разметке, ни в ответе).

    >>> class_iou(np.array([0, 1, 1, 1]), np.array([0, 0, 1, 1]), 2).round(3).tolist()
    [0.5, 0.667]
    """
    c = confusion(pred, target, n_classes)
    tp, fp, fn = np.diag(c), c.sum(0) - np.diag(c), c.sum(1) - np.diag(c)
    with np.errstate(invalid="ignore"):
        return tp / (tp + fp + fn)


def tumour_example(size: int = 100, radius: float = 5.6) -> tuple[Array, Array]:
    """Снимок size×size с «опухолью» — кругом радиуса ``radius`` (≈ 1 % площади) — и «модель»,
    которая всё называет фоном. Возвращает (предсказание, разметку)."""
    yy, xx = np.mgrid[:size, :size]
    target = (((yy - size / 2) ** 2 + (xx - size / 2) ** 2) < radius ** 2).astype(int)
    return np.zeros_like(target), target


# --8<-- [start:checkerboard]
def transposed_overlap(k: int, s: int, n: int = 6) -> Array:
    """Сколько слагаемых получает каждый пиксель выхода транспонированной свёртки k×k с шагом s
    (вход n×n из единиц, ядро из единиц). Неравномерно, если k не делится на s, — отсюда
    «шахматные» артефакты (Odena et al., 2016). Размер выхода (n − 1)s + k.

    >>> transposed_overlap(3, 2)[4, 2:-2].tolist()              # k = 3, s = 2: через пиксель 4 и 2
    [4.0, 2.0, 4.0, 2.0, 4.0, 2.0, 4.0, 2.0, 4.0]
    >>> np.unique(transposed_overlap(4, 2)[2:-2, 2:-2]).tolist()  # k кратно s: внутри ровно
    [4.0]
    """
    x = torch.ones(1, 1, n, n)
    w = torch.ones(1, 1, k, k)
    return nn.functional.conv_transpose2d(x, w, stride=s)[0, 0].numpy().astype(float)
# --8<-- [end:checkerboard]


def checkerboard_traces(k: int, s: int = 2, n: int = 6) -> list[go.Heatmap]:
    """Кадр фигуры: карта перекрытий транспонированной свёртки k×k, шаг s (доля от максимума)."""
    m = transposed_overlap(k, s, n)
    return [go.Heatmap(z=(m / m.max()).round(3), colorscale="Viridis", zmin=0, zmax=1,
                       colorbar=dict(title="доля от max"), hovertemplate="x=%{x}, y=%{y}: %{z}<extra></extra>")]


def checkerboard_figure(s: int = 2) -> go.Figure:
    """Ползунок по размеру ядра транспонированной свёртки с шагом s = 2: где появляется «шахматка»."""
    from snippets._plotting import explorable
    ks = [2, 3, 4, 5, 6]

    def title(k: int) -> str:
        inner = transposed_overlap(k, s)[k:-k, k:-k]
        kind = "равномерно" if inner.min() == inner.max() else "неравномерно — шахматка"
        return f"Транспонированная свёртка {k}×{k}, шаг {s}: внутри {kind}"

    fig = explorable("", "x, пиксели выхода", "y, пиксели выхода", "ядро k", ks,
                     lambda k: checkerboard_traces(k, s), active=1, title_for=title)
    fig.update_xaxes(constrain="domain")
    fig.update_yaxes(scaleanchor="x", autorange="reversed", constrain="domain")
    return fig
