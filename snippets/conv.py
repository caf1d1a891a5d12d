"""Свёртка с нуля на NumPy, размер выхода и рецептивное поле.

Тест сверяет ``conv2d`` с ``torch.nn.functional.conv2d`` на случайных входах.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray


# --8<-- [start:output-size]
def conv_output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """Размер выхода свёртки/пулинга: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1.

    При d = 1 это ⌊(n + 2p − k)/s⌋ + 1. Первая свёртка ResNet (7×7, шаг 2, паддинг 3) на 224:

    >>> conv_output_size(224, k=7, s=2, p=3), conv_output_size(224, k=3, p=1)
    (112, 224)
    """
    return (n + 2 * p - d * (k - 1) - 1) // s + 1
# --8<-- [end:output-size]


# --8<-- [start:conv2d]
def conv2d(x: Array, w: Array, b: Array | None = None, stride: int = 1, padding: int = 0,
           dilation: int = 1) -> Array:
    """Двумерная свёртка (как в нейросетях — взаимная корреляция, ядро не переворачивается):

    Y[n, o, y, x] = b_o + Σ_c Σ_i Σ_j W[o, c, i, j] · X̃[n, c, s·y + d·i, s·x + d·j],

    X̃ — вход, дополненный нулями на p пикселей с каждой стороны. Формы: x (N, C_in, H, W),
    w (C_out, C_in, k_h, k_w), результат (N, C_out, H_out, W_out).

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)))[0, 0]          # суммы окон 2×2
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    n, _, h, wd = x.shape
    c_out, _, k_h, k_w = w.shape
    h_out = conv_output_size(h, k_h, stride, padding, dilation)
    w_out = conv_output_size(wd, k_w, stride, padding, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    y = np.zeros((n, c_out, h_out, w_out))
    for i in range(k_h):            # цикл только по позициям внутри ядра: k_h·k_w итераций
        for j in range(k_w):
            top, left = i * dilation, j * dilation
            patch = xp[:, :, top:top + stride * (h_out - 1) + 1:stride,
                             left:left + stride * (w_out - 1) + 1:stride]   # (N, C_in, H_out, W_out)
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return y if b is None else y + b[None, :, None, None]
# --8<-- [end:conv2d]


# --8<-- [start:receptive-field]
def receptive_field(layers: list[tuple[int, int, int]]) -> list[int]:
    """Рецептивное поле после каждого слоя стопки; слой — (k, s, d): ядро, шаг, дилатация.

    r_l = r_{l−1} + d_l (k_l − 1) · j_{l−1},  j_l = j_{l−1} · s_l,  r_0 = j_0 = 1,
    где j — «шаг» слоя в пикселях входа (произведение шагов ниже).

    >>> receptive_field([(3, 1, 1)] * 3)              # три свёртки 3×3 видят 7×7
    [3, 5, 7]
    >>> receptive_field([(3, 1, 1), (2, 2, 1), (3, 1, 1)])   # после пулинга шаг удвоился
    [3, 4, 8]
    """
    r, jump, out = 1, 1, []
    for k, s, d in layers:
        r += d * (k - 1) * jump
        jump *= s
        out.append(r)
    return out
# --8<-- [end:receptive-field]


def vgg16_layers() -> list[tuple[str, tuple[int, int, int]]]:
    """Слои VGG-16 с пространственной структурой: (имя, (k, s, d)) — из определения модели."""
    import torch
    from torch import nn

    from snippets.vgg import VGG16
    with torch.device("meta"):
        model = VGG16()
    layers = []
    for name, m in model.features.named_children():
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else m.stride[0]
            d = m.dilation if isinstance(m.dilation, int) else m.dilation[0]
            layers.append((name, (k, s, d)))
    return layers


def path_count_map(n_layers: int, k: int = 3, dilations: list[int] | None = None) -> Array:
    """Сколько путей ведёт от каждого пикселя входа к центральному выходу стопки свёрток k×k.

    Это градиент центрального выхода по входу при ядрах из единиц — «эффективное рецептивное
    поле» (Luo et al., 2016): при одинаковых весах вклад центра растёт, края весят мало.

    >>> path_count_map(2)[2]                           # центральная строка = 3·(1, 2, 3, 2, 1)
    array([3., 6., 9., 6., 3.])
    """
    dilations = dilations or [1] * n_layers
    size = 1 + sum(d * (k - 1) for d in dilations)
    m = np.zeros((1, 1, size, size))
    m[0, 0, size // 2, size // 2] = 1.0
    for d in dilations:   # транспонированная свёртка ядром из единиц = обычная с паддингом
        m = conv2d(m, np.ones((1, 1, k, k)), padding=d * (k - 1) // 2, dilation=d)
    return m[0, 0]


def receptive_field_figure(depth: int = 13) -> go.Figure:
    """Рост рецептивного поля с глубиной: 3×3 подряд, VGG-16 (с пулингами), дилатация 2^l."""
    fig = new_figure("Рецептивное поле нейрона после l свёрток 3×3",
                     "число свёрточных слоёв l", "рецептивное поле, пикселей (лог. шкала)")
    plain = receptive_field([(3, 1, 1)] * depth)
    fig.add_scatter(x=list(range(1, depth + 1)), y=plain, mode="lines+markers",
                    name="3×3, шаг 1: r = 2l + 1")
    vgg = vgg16_layers()
    rf = receptive_field([spec for _, spec in vgg])
    conv_idx = [i for i, (name, _) in enumerate(vgg) if name.startswith("conv")]
    fig.add_scatter(x=list(range(1, len(conv_idx) + 1)), y=[rf[i] for i in conv_idx],
                    mode="lines+markers", name="VGG-16 (пулинг удваивает шаг)",
                    text=[vgg[i][0] for i in conv_idx], hovertemplate="%{text}: %{y}<extra></extra>")
    dil = receptive_field([(3, 1, 2 ** i) for i in range(depth)])
    fig.add_scatter(x=list(range(1, depth + 1)), y=dil, mode="lines+markers",
                    name="3×3, дилатация 1, 2, 4, …: r = 2^(l+1) − 1")
    fig.update_yaxes(type="log")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.3, yanchor="top"),
                      margin=dict(b=190), height=540)
    return fig


def path_count_figure(max_layers: int = 6, active: int | None = None) -> go.Figure:
    """Тепловая карта числа путей (нормированная) для 1…max_layers свёрток 3×3; ползунок — глубина.

    ``active`` — сколько слоёв показано в исходном состоянии (по умолчанию все ``max_layers``)."""
    active = active or max_layers
    size = 2 * max_layers + 1
    title = "Свёрток 3×3: {n}, рецептивное поле {r}×{r}".format
    fig = new_figure(title(n=active, r=2 * active + 1), "x, пиксели входа", "y, пиксели входа")
    for n in range(1, max_layers + 1):
        m = path_count_map(n)
        pad = (size - m.shape[0]) // 2
        z = np.pad(m / m.max(), pad, constant_values=np.nan)   # вне поля — пусто
        fig.add_heatmap(z=np.where(z > 0, z, np.nan).round(3), x=list(range(-max_layers, max_layers + 1)),
                        y=list(range(-max_layers, max_layers + 1)), colorscale="Viridis",
                        zmin=0, zmax=1, visible=(n == active), name=f"{n} слоёв",
                        colorbar=dict(title="доля от центра"), hoverongaps=False)
    steps = [dict(method="update", label=str(n),
                  args=[{"visible": [i == n - 1 for i in range(max_layers)]},
                        {"title.text": title(n=n, r=2 * n + 1)}])
             for n in range(1, max_layers + 1)]
    fig.update_layout(sliders=[dict(active=active - 1, steps=steps, currentvalue=dict(prefix="слоёв: "),
                                    pad=dict(t=40))])
    fig.update_yaxes(scaleanchor="x", autorange="reversed")
    return fig


def receptive_field_and_jump(layers: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Как ``receptive_field``, но вместе с шагом j_l между соседними нейронами слоя (в пикселях входа).

    >>> receptive_field_and_jump([(3, 1, 1), (2, 2, 1), (3, 1, 1)])
    [(3, 1), (4, 2), (8, 2)]
    """
    r, jump, out = 1, 1, []
    for k, s, d in layers:
        r += d * (k - 1) * jump
        jump *= s
        out.append((r, jump))
    return out


def _square(cx: float, cy: float, size: float) -> tuple[list[float], list[float]]:
    """Контур квадрата со стороной size и центром (cx, cy) — для заливки fill="toself"."""
    h = size / 2
    return [cx - h, cx + h, cx + h, cx - h, cx - h], [cy - h, cy - h, cy + h, cy + h, cy - h]


def vgg_field_traces(layer: str, image: int = 224) -> list[go.Scatter]:
    """Трассы кадра «поле нейрона слоя ``layer`` VGG-16»: поле центрального нейрона, поле его
    соседа справа (сдвиг на j пикселей) и центры нейронов слоя, попадающих в картинку."""
    spec = dict(vgg16_layers())
    names = list(spec)
    r, j = receptive_field_and_jump([spec[n] for n in names])[names.index(layer)]
    c = image / 2
    x0, y0 = _square(c, c, r)
    x1, y1 = _square(c + j, c, r)
    n_side = max(1, min(image // j, 9))                      # не больше 9×9 точек у центра
    centers = (np.arange(n_side) - (n_side - 1) / 2) * j + c
    gx, gy = np.meshgrid(centers, centers)
    return [go.Scatter(x=x0, y=y0, fill="toself", mode="lines", name=f"поле нейрона: {r}×{r}",
                       line=dict(color="#1f77b4", width=2), fillcolor="rgba(31,119,180,0.25)"),
            go.Scatter(x=x1, y=y1, mode="lines", name=f"поле соседа (сдвиг j = {j})",
                       line=dict(color="#d62728", width=2, dash="dash")),
            go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", name="центры нейронов слоя",
                       marker=dict(size=3, color="#7f7f7f"), hoverinfo="skip")]


VGG_FIELD_LAYERS = ["conv1_1", "conv1_2", "conv2_2", "conv3_3", "conv4_3", "conv5_3", "pool5"]


def vgg_field_figure(active: str = "conv4_3", image: int = 224) -> go.Figure:
    """Ползунок по слоям VGG-16: какую часть картинки 224×224 видит нейрон слоя и как далеко стоят соседи."""
    from snippets._plotting import explorable
    spec = dict(vgg16_layers())
    names = list(spec)
    rj = dict(zip(names, receptive_field_and_jump([spec[n] for n in names])))
    frame = go.Scatter(x=[0, image, image, 0, 0], y=[0, 0, image, image, 0], mode="lines",
                       name=f"картинка {image}×{image}", line=dict(color="#2ca02c", width=3))
    fig = explorable("", "x, пиксели входа", "y, пиксели входа", "слой", VGG_FIELD_LAYERS,
                     lambda n: vgg_field_traces(n, image), active=VGG_FIELD_LAYERS.index(active),
                     title_for=lambda n: f"VGG-16, {n}: поле {rj[n][0]}×{rj[n][0]}, шаг соседей {rj[n][1]} пикс.",
                     static=[frame])
    fig.update_xaxes(range=[-20, image + 20], constrain="domain")
    fig.update_yaxes(range=[image + 20, -20], scaleanchor="x", constrain="domain")
    fig.update_layout(height=640, legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
                      margin=dict(t=110))
    return fig
