"""VGG-16 (конфигурация D, Simonyan & Zisserman, 2014) и счётчики: параметры, формы, умножения.

Формы и число операций считаются прогоном на «мета»-устройстве (``device="meta"``): PyTorch
вычисляет только формы тензоров, без арифметики и без памяти под данные, поэтому даже VGG-16 на
224×224 «прогоняется» за миллисекунды.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torch.func import functional_call

# --8<-- [start:vgg16]
# Конфигурации Simonyan & Zisserman (2014), табл. 1: число каналов свёрток 3×3 (шаг 1,
# паддинг 1 — размер сохраняется), "M" — max-pooling 2×2 с шагом 2 (размер делится на 2).
CFG = {
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
          512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


class VGG16(nn.Module):
    """VGG-16: 13 свёрток 3×3 + ReLU в пяти блоках, после каждого блока max-pool, затем 3 FC.

    Вход 3×224×224 → признаки 512×7×7 → FC 4096 → FC 4096 → FC ``num_classes``.
    ``cfg=CFG["E"]`` даёт VGG-19. Имена слоёв — как в статье: conv1_1 … conv5_3, pool1 … pool5.

    >>> m = VGG16(num_classes=10)
    >>> m(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5, cfg: list = CFG["D"]):
        super().__init__()
        layers, c_in, block, i = OrderedDict(), 3, 1, 1
        for v in cfg:
            if v == "M":
                layers[f"pool{block}"] = nn.MaxPool2d(kernel_size=2, stride=2)
                block, i = block + 1, 1
            else:
                layers[f"conv{block}_{i}"] = nn.Conv2d(c_in, v, kernel_size=3, padding=1)
                layers[f"relu{block}_{i}"] = nn.ReLU(inplace=True)
                c_in, i = v, i + 1
        self.features = nn.Sequential(layers)
        # При входе 224×224 карта уже 7×7, и пулинг ничего не делает; для других размеров
        # он приводит карту к 7×7, как в torchvision.
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(OrderedDict(
            flatten=nn.Flatten(),
            fc6=nn.Linear(512 * 7 * 7, 4096), relu6=nn.ReLU(inplace=True), drop6=nn.Dropout(dropout),
            fc7=nn.Linear(4096, 4096), relu7=nn.ReLU(inplace=True), drop7=nn.Dropout(dropout),
            fc8=nn.Linear(4096, num_classes),
        ))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.avgpool(self.features(x)))
# --8<-- [end:vgg16]


# --8<-- [start:count]
def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Число параметров модели. Свёртка k×k: k·k·C_in·C_out + C_out; Linear: d_in·d_out + d_out.

    >>> count_parameters(nn.Conv2d(64, 128, 3))   # 3·3·64·128 + 128
    73856
    >>> with torch.device("meta"):
    ...     vgg = VGG16()
    >>> count_parameters(vgg)
    138357544
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
# --8<-- [end:count]


_SHAPE_KEEPING = (nn.ReLU, nn.ReLU6, nn.SiLU, nn.Dropout, nn.Dropout2d, nn.BatchNorm2d,
                  nn.Identity, nn.LocalResponseNorm, nn.Sigmoid)


def _trace(model: nn.Module, input_size: int, channels: int = 3) -> list[tuple[str, nn.Module, tuple, tuple]]:
    """Прогон на мета-устройстве: (имя, модуль, форма входа, форма выхода) каждого листового модуля."""
    records, hooks = [], []
    for name, mod in model.named_modules():
        if not list(mod.children()):
            hooks.append(mod.register_forward_hook(
                lambda m, inp, out, name=name: records.append(
                    (name, m, tuple(inp[0].shape[1:]), tuple(out.shape[1:])))))
    tensors = list(model.named_parameters()) + list(model.named_buffers())
    x = torch.empty(1, channels, input_size, input_size, device="meta")
    try:
        with torch.no_grad():
            if all(v.is_meta for _, v in tensors):   # модель уже на мета-устройстве
                model(x)
            else:                                    # веса временно подменяются мета-тензорами
                functional_call(model, {k: torch.empty_like(v, device="meta") for k, v in tensors}, (x,))
    finally:
        for h in hooks:
            h.remove()
    return records


def feature_map_shapes(model: nn.Module, input_size: int = 224) -> list[tuple[str, tuple[int, ...]]]:
    """Форма выхода (C, H, W) или (d,) каждого слоя, меняющего данные (свёртки, пулинги, FC).

    Имя слоя — последняя часть полного имени модуля (``conv1_1``), если она не просто номер.

    Размер после свёртки/пулинга: ⌊(n + 2p − k)/s⌋ + 1.

    >>> shapes = dict(feature_map_shapes(VGG16()))
    >>> shapes["conv1_2"], shapes["pool1"], shapes["pool5"], shapes["fc8"]
    ((64, 224, 224), (64, 112, 112), (512, 7, 7), (1000,))
    """
    short = lambda name: name if name.split(".")[-1].isdigit() else name.split(".")[-1]
    return [("input", (3, input_size, input_size))] + [
        (short(name), out) for name, m, _, out in _trace(model, input_size)
        if not isinstance(m, _SHAPE_KEEPING)]


# --8<-- [start:macs]
def count_macs(model: nn.Module, input_size: int = 224, channels: int = 3) -> int:
    """Число умножений-сложений (MAC) на одно изображение в свёртках и полносвязных слоях.

    Свёртка: H_out·W_out·C_out·(C_in/groups)·k_h·k_w; Linear: d_in·d_out. Статьи называют это
    «FLOPs» или «mult-adds»; в строгом смысле FLOPs ≈ 2·MAC. Нормализации, активации, пулинги
    и сложения дают доли процента и не учитываются.

    >>> count_macs(nn.Conv2d(3, 8, 3, padding=1), input_size=4)   # 4·4·8·3·3·3
    3456
    """
    total = 0
    for _, m, _, out in _trace(model, input_size, channels):
        if isinstance(m, nn.Conv2d):
            k_h, k_w = m.kernel_size
            total += out[0] * out[1] * out[2] * (m.in_channels // m.groups) * k_h * k_w
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features
    return total
# --8<-- [end:macs]


def layer_table(model: nn.Module, input_size: int = 224) -> str:
    """Таблица Markdown: слой, форма выхода, параметры, умножения-сложения (млн)."""
    rows = ["| Слой | Выход | Параметры | MAC, млн |", "|---|---|---:|---:|"]
    total_p = total_macs = 0
    for name, m, _, out in _trace(model, input_size):
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.MaxPool2d)):
            p = count_parameters(m)
            macs = (p - (m.bias.numel() if getattr(m, "bias", None) is not None else 0)) * (
                out[1] * out[2] if isinstance(m, nn.Conv2d) else 1)
            total_p, total_macs = total_p + p, total_macs + macs
            rows.append(f"| {name.split('.')[-1]} | {'×'.join(map(str, out))} | {p:,} | "
                        f"{macs / 1e6:,.1f} |".replace(",", " "))
    rows.append(f"| **итого** | | **{total_p:,}** | **{total_macs / 1e6:,.1f}** |".replace(",", " "))
    return "\n".join(rows)
