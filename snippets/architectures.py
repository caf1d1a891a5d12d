"""Классические CNN в torch.nn по исходным статьям, таблица параметров и MAC, ResNet и градиенты.

Модели строятся на мета-устройстве (без памяти под веса), параметры и умножения-сложения
считают ``snippets.vgg.count_parameters`` и ``count_macs``. Вспомогательные блоки вынесены в
функции ``cbr`` (conv → BN → ReLU), чтобы каждая архитектура умещалась в несколько строк.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import plotly.graph_objects as go
import torch
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread
from snippets.vgg import CFG, VGG16, count_macs, count_parameters


def cbr(c_in: int, c_out: int, k: int, s: int = 1, groups: int = 1, act: type = nn.ReLU) -> nn.Sequential:
    """Свёртка k×k без смещения (его заменяет сдвиг BN) → BatchNorm → активация."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, s, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(c_out), act())


def lenet5() -> nn.Sequential:
    """LeNet-5 (LeCun et al., 1998) в современной записи, вход 1×32×32: C1–S2–C3–S4–C5–F6–выход."""
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(),
                         nn.AvgPool2d(2), nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
                         nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))


def alexnet() -> nn.Sequential:
    """AlexNet (Krizhevsky et al., 2012), вход 3×227×227; groups=2 — половины сети на двух GPU."""
    conv = lambda c_in, c_out, k, s=1, p=0, g=1: [nn.Conv2d(c_in, c_out, k, s, p, groups=g), nn.ReLU()]
    lrn, pool = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0), nn.MaxPool2d(3, 2)
    return nn.Sequential(*conv(3, 96, 11, 4), lrn, pool, *conv(96, 256, 5, p=2, g=2), lrn, pool,
                         *conv(256, 384, 3, p=1), *conv(384, 384, 3, p=1, g=2),
                         *conv(384, 256, 3, p=1, g=2), pool, nn.Flatten(),
                         nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
                         nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))


# --8<-- [start:resnet-blocks]
class BasicBlock(nn.Module):
    """Остаточный блок ResNet-18/34: y = ReLU(x + F(x)), F = conv3×3 → BN → ReLU → conv3×3 → BN.

    Если меняются размер или число каналов, ветка-обход — проекция 1×1 с шагом s (вариант B).
    """
    expansion = 1

    def __init__(self, c_in: int, c: int, stride: int = 1):
        super().__init__()
        self.f = nn.Sequential(cbr(c_in, c, 3, stride), nn.Conv2d(c, c, 3, 1, 1, bias=False),
                               nn.BatchNorm2d(c))
        self.shortcut = nn.Identity() if stride == 1 and c_in == c else nn.Sequential(
            nn.Conv2d(c_in, c, 1, stride, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.shortcut(x) + self.f(x))


class Bottleneck(BasicBlock):
    """Блок «бутылочное горлышко» ResNet-50/101/152: 1×1 (сжать до c) → 3×3 → 1×1 (расширить до 4c).

    Шаг — в первой 1×1, как в статье; ``stride_in_3x3 = True`` — вариант «v1.5» из torchvision.
    """
    expansion, stride_in_3x3 = 4, False

    def __init__(self, c_in: int, c: int, stride: int = 1):
        nn.Module.__init__(self)
        s1, s3 = (1, stride) if self.stride_in_3x3 else (stride, 1)
        self.f = nn.Sequential(cbr(c_in, c, 1, s1), cbr(c, c, 3, s3),
                               nn.Conv2d(c, 4 * c, 1, bias=False), nn.BatchNorm2d(4 * c))
        self.shortcut = nn.Identity() if stride == 1 and c_in == 4 * c else nn.Sequential(
            nn.Conv2d(c_in, 4 * c, 1, stride, bias=False), nn.BatchNorm2d(4 * c))
# --8<-- [end:resnet-blocks]


class BottleneckV15(Bottleneck):
    """Bottleneck с шагом в свёртке 3×3 (torchvision, «ResNet v1.5»): параметры те же, MAC больше."""
    stride_in_3x3 = True


# --8<-- [start:resnet]
def resnet(block: type[BasicBlock], layers: list[int], num_classes: int = 1000) -> nn.Sequential:
    """ResNet (He et al., 2016, табл. 1): stem 7×7/2 + max-pool, четыре стадии по ``layers[i]``
    блоков с 64, 128, 256, 512 каналами (шаг 2 в начале стадий 2–4), global average pooling, FC."""
    stages, c_in = [], 64
    for i, (c, n) in enumerate(zip([64, 128, 256, 512], layers)):
        for j in range(n):
            stages.append(block(c_in, c, stride=2 if i > 0 and j == 0 else 1))
            c_in = c * block.expansion
    return nn.Sequential(cbr(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1), *stages,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, num_classes))
# --8<-- [end:resnet]


class Inception(nn.Module):
    """Модуль Inception (Szegedy et al., 2015): четыре параллельные ветви, выходы склеиваются по каналам."""

    def __init__(self, c_in: int, c1: int, r3: int, c3: int, r5: int, c5: int, cp: int):
        super().__init__()
        conv = lambda a, b, k: nn.Sequential(nn.Conv2d(a, b, k, padding=k // 2), nn.ReLU())
        self.branches = nn.ModuleList([
            conv(c_in, c1, 1), nn.Sequential(conv(c_in, r3, 1), conv(r3, c3, 3)),
            nn.Sequential(conv(c_in, r5, 1), conv(r5, c5, 5)),
            nn.Sequential(nn.MaxPool2d(3, 1, 1), conv(c_in, cp, 1))])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


def googlenet() -> nn.Sequential:
    """GoogLeNet по табл. 1 статьи, без вспомогательных классификаторов (они нужны только в обучении)."""
    cfg = {"3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64), "M3": None,
           "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
           "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
           "4e": (528, 256, 160, 320, 32, 128, 128), "M4": None,
           "5a": (832, 256, 160, 320, 32, 128, 128), "5b": (832, 384, 192, 384, 48, 128, 128)}
    pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)
    body = [Inception(*c) if c else pool() for c in cfg.values()]
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3), nn.ReLU(), pool(), nn.Conv2d(64, 64, 1), nn.ReLU(),
                         nn.Conv2d(64, 192, 3, padding=1), nn.ReLU(), pool(), *body,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000))


class DenseLayer(nn.Module):
    """Слой DenseNet-B (Huang et al., 2017): BN-ReLU-1×1(4k)-BN-ReLU-3×3(k), выход дописывается к входу."""

    def __init__(self, c_in: int, k: int):
        super().__init__()
        self.f = nn.Sequential(nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, 4 * k, 1, bias=False),
                               nn.BatchNorm2d(4 * k), nn.ReLU(), nn.Conv2d(4 * k, k, 3, 1, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.f(x)], dim=1)


def densenet121(k: int = 32, blocks: tuple[int, ...] = (6, 12, 24, 16)) -> nn.Sequential:
    """DenseNet-121 (BC): темп роста k = 32; переходные слои 1×1 сжимают каналы вдвое и пулят 2×2."""
    layers, c = [cbr(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)], 64
    for i, n in enumerate(blocks):
        for _ in range(n):
            layers.append(DenseLayer(c, k))
            c += k
        if i < len(blocks) - 1:
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2)]
            c //= 2
    return nn.Sequential(*layers, nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(c, 1000))


# --8<-- [start:depthwise]
def depthwise_separable(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    """Блок MobileNetV1: depthwise 3×3 (groups=c_in, своё ядро на канал) → pointwise 1×1.

    Параметры 9·C_in + C_in·C_out вместо 9·C_in·C_out, то есть доля 1/C_out + 1/9 от обычной свёртки.
    """
    return nn.Sequential(cbr(c_in, c_in, 3, stride, groups=c_in), cbr(c_in, c_out, 1))
# --8<-- [end:depthwise]


def mobilenet_v1() -> nn.Sequential:
    """MobileNetV1 (Howard et al., 2017, табл. 1), множитель ширины 1,0."""
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    layers, c = [cbr(3, 32, 3, 2)], 32
    for c_out, s in plan:
        layers.append(depthwise_separable(c, c_out, s))
        c = c_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000))


class MBConv(nn.Module):
    """Инвертированный остаток (Sandler et al., 2018): 1×1 расширить в t раз → depthwise k×k →
    [squeeze-and-excitation] → 1×1 сжать без активации; остаток, если форма не меняется."""

    def __init__(self, c_in: int, c_out: int, t: int, k: int, s: int, act: type, se: bool):
        super().__init__()
        h = c_in * t
        layers = ([cbr(c_in, h, 1, act=act)] if t != 1 else []) + [cbr(h, h, k, s, groups=h, act=act)]
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(h, max(1, c_in // 4), 1), act(),
                                nn.Conv2d(max(1, c_in // 4), h, 1), nn.Sigmoid()) if se else None
        self.pre = nn.Sequential(*layers)
        self.post = nn.Sequential(nn.Conv2d(h, c_out, 1, bias=False), nn.BatchNorm2d(c_out))
        self.residual = s == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pre(x)
        y = self.post(h * self.se(h) if self.se is not None else h)
        return x + y if self.residual else y


def _mbconv_net(plan: list[tuple[int, int, int, int, int]], act: type, se: bool) -> nn.Sequential:
    """Сеть из MBConv: plan — (t, k, c, n, s) по стадиям; stem 3×3/2 на 32 канала, голова 1×1 на 1280."""
    layers, c = [cbr(3, 32, 3, 2, act=act)], 32
    for t, k, c_out, n, s in plan:
        for i in range(n):
            layers.append(MBConv(c, c_out, t, k, s if i == 0 else 1, act, se))
            c = c_out
    return nn.Sequential(*layers, cbr(c, 1280, 1, act=act), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(0.2), nn.Linear(1280, 1000))


def mobilenet_v2() -> nn.Sequential:
    """MobileNetV2, табл. 2 статьи: (t, 3, c, n, s), активация ReLU6, без SE."""
    plan = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
            (6, 320, 1, 1)]
    return _mbconv_net([(t, 3, c, n, s) for t, c, n, s in plan], nn.ReLU6, se=False)


def efficientnet_b0() -> nn.Sequential:
    """EfficientNet-B0 (Tan & Le, 2019, табл. 1): MBConv с SE и SiLU (Swish), ядра 3×3 и 5×5."""
    plan = [(1, 3, 16, 1, 1), (6, 3, 24, 2, 2), (6, 5, 40, 2, 2), (6, 3, 80, 3, 2), (6, 5, 112, 3, 1),
            (6, 5, 192, 4, 2), (6, 3, 320, 1, 1)]
    return _mbconv_net(plan, nn.SiLU, se=True)


# Имя, конструктор, размер входа, цифры статьи (параметры, MAC) и их источник.
ZOO = [
    ("LeNet-5", lenet5, 32, "60 тыс.", "—", "LeCun, 1998"),
    ("AlexNet", alexnet, 227, "60 млн", "—", "Krizhevsky, 2012"),
    ("VGG-16", VGG16, 224, "138 млн", "—", "Simonyan, 2014"),
    ("VGG-19", lambda: VGG16(cfg=CFG["E"]), 224, "144 млн", "19.6", "Simonyan, 2014; He, 2016"),
    ("GoogLeNet", googlenet, 224, "—", "1.5", "Szegedy, 2015"),
    ("ResNet-18", lambda: resnet(BasicBlock, [2, 2, 2, 2]), 224, "—", "1.8", "He, 2016"),
    ("ResNet-50", lambda: resnet(Bottleneck, [3, 4, 6, 3]), 224, "—", "3.8", "He, 2016"),
    ("DenseNet-121", densenet121, 224, "—", "—", "Huang, 2017"),
    ("MobileNetV1", mobilenet_v1, 224, "4.2 млн", "0.569", "Howard, 2017"),
    ("MobileNetV2", mobilenet_v2, 224, "3.4 млн", "0.3", "Sandler, 2018"),
    ("EfficientNet-B0", efficientnet_b0, 224, "5.3 млн", "0.39", "Tan, 2019"),
]


def build(name: str) -> nn.Module:
    """Модель из ``ZOO`` по имени на мета-устройстве (только формы, без памяти под веса)."""
    with torch.device("meta"):
        return next(b for n, b, *_ in ZOO if n == name)()


def architecture_table() -> str:
    """Таблица Markdown: параметры и умножения-сложения — наш подсчёт и цифры из статей."""
    rows = ["| Сеть | Параметры: наш подсчёт | в статье | MAC, млрд: наш | в статье | Источник |",
            "|---|---:|---:|---:|---:|---|"]
    for name, _, size, p_paper, m_paper, src in ZOO:
        model = build(name)
        p, m = count_parameters(model), count_macs(model, size, channels=1 if size == 32 else 3)
        count = f"{p:,}".replace(",", " ")
        rows.append(f"| {name} | {count} | {p_paper} | {m / 1e9:.3g} | {m_paper} | {src} |")
    return "\n".join(rows)


# --8<-- [start:grad-norms]
@one_thread()
def block_grad_norms(residual: bool, bn: bool = True, depth: int = 24, width: int = 16,
                     seed: int = 0) -> np.ndarray:
    """‖∂L/∂W‖ первой свёртки каждого блока глубокой сети при инициализации (PyTorch по умолчанию).

    Блок F = conv3×3 → [BN] → ReLU → conv3×3 → [BN]; простая сеть: h ← ReLU(F(h)),
    остаточная: h ← ReLU(h + F(h)). Данные — случайные картинки 8×8 и метки из 10 классов.
    """
    torch.manual_seed(seed)
    norm = (lambda: nn.BatchNorm2d(width)) if bn else nn.Identity
    blocks = [nn.Sequential(nn.Conv2d(width, width, 3, padding=1), norm(), nn.ReLU(),
                            nn.Conv2d(width, width, 3, padding=1), norm()) for _ in range(depth)]
    stem, head = nn.Conv2d(3, width, 3, padding=1), nn.Linear(width, 10)
    x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 10, (16,))
    h = stem(x)
    for f in blocks:
        h = torch.relu(h + f(h)) if residual else torch.relu(f(h))
    nn.functional.cross_entropy(head(h.mean(dim=(2, 3))), y).backward()
    return np.array([f[0].weight.grad.norm().item() for f in blocks])
# --8<-- [end:grad-norms]


GRAD_SETUPS = [(False, True, "простая + BN"), (True, True, "остаточная + BN"),
               (False, False, "простая без BN"), (True, False, "остаточная без BN")]


@cache
def _cached_norms(residual: bool, bn: bool, depth: int) -> tuple[float, ...]:
    return tuple(block_grad_norms(residual, bn, depth))


def grad_norms_figure(depth: int = 24) -> go.Figure:
    """Норма градиента по блокам: простая сеть против остаточной (лог. шкала)."""
    fig = new_figure(f"Норма градиента первой свёртки блока, сеть из {depth} блоков",
                     "номер блока (1 — у входа)", "‖∂L/∂W‖ (лог. шкала)")
    for residual, bn, name in GRAD_SETUPS:
        g = _cached_norms(residual, bn, depth)
        fig.add_scatter(x=list(range(1, depth + 1)), y=[float(f"{v:.3g}") for v in g],
                        mode="lines+markers", name=name)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.3, yanchor="top"),
                      margin=dict(b=160), height=500)
    return fig


def grad_norms_table(depth: int = 24) -> str:
    """Таблица Markdown: норма градиента у входа, у выхода и их отношение для четырёх сетей."""
    rows = ["| Сеть | блок 1 | блок " + str(depth) + " | отношение |", "|---|---:|---:|---:|"]
    for residual, bn, name in GRAD_SETUPS:
        g = _cached_norms(residual, bn, depth)
        rows.append(f"| {name} | {g[0]:.1e} | {g[-1]:.1e} | {g[0] / g[-1]:.1e} |")
    return "\n".join(rows)


# --8<-- [start:signal]
INITS = {"PyTorch по умолчанию": None,                       # kaiming_uniform(a=√5): Var w = 1/(3·fan_in)
         "Glorot (Xavier)": nn.init.xavier_normal_,          # Var w = 2/(fan_in + fan_out) = 1/fan_in здесь
         "He (Kaiming)": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")}   # Var w = 2/fan_in


@one_thread()
def signal_stats(residual: bool, bn: bool, init: str = "PyTorch по умолчанию", depth: int = 24,
                 width: int = 16, branch_scale: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Прямой и обратный сигнал в глубокой сети при инициализации ``init`` (ключ ``INITS``).

    Та же сеть, что в ``block_grad_norms``; остаточный блок h ← ReLU(h + c·F(h)), c = ``branch_scale``.
    Возвращает (‖∂L/∂W‖ первой свёртки каждого блока, std активаций после каждого блока).
    """
    torch.manual_seed(seed)
    norm = (lambda: nn.BatchNorm2d(width)) if bn else nn.Identity
    blocks = [nn.Sequential(nn.Conv2d(width, width, 3, padding=1), norm(), nn.ReLU(),
                            nn.Conv2d(width, width, 3, padding=1), norm()) for _ in range(depth)]
    if INITS[init] is not None:
        for conv in (m for f in blocks for m in f if isinstance(m, nn.Conv2d)):
            INITS[init](conv.weight)
            nn.init.zeros_(conv.bias)
    stem, head = nn.Conv2d(3, width, 3, padding=1), nn.Linear(width, 10)
    x, y = torch.randn(16, 3, 8, 8), torch.randint(0, 10, (16,))
    h, stds = stem(x), []
    for f in blocks:
        h = torch.relu(h + branch_scale * f(h)) if residual else torch.relu(f(h))
        stds.append(h.std().item())
    nn.functional.cross_entropy(head(h.mean(dim=(2, 3))), y).backward()
    return np.array([f[0].weight.grad.norm().item() for f in blocks]), np.array(stds)
# --8<-- [end:signal]


# (остаточная?, BN?, масштаб ветви, подпись); 1/√L — ветвь ослаблена при старте, как в Fixup/SkipInit
SIGNAL_SETUPS = [(False, True, 1.0, "простая + BN"), (True, True, 1.0, "остаточная + BN"),
                 (False, False, 1.0, "простая без BN"), (True, False, 1.0, "остаточная без BN"),
                 (True, False, 24 ** -0.5, "остаточная без BN, ветвь × 1/√L")]


@cache
def _cached_signal(residual: bool, bn: bool, init: str, scale: float, depth: int) -> tuple[tuple, tuple]:
    g, s = signal_stats(residual, bn, init, depth, branch_scale=scale)
    return tuple(float(f"{v:.3g}") for v in g), tuple(float(f"{v:.3g}") for v in s)


def signal_traces(init: str, depth: int = 24) -> list[go.Scatter]:
    """Кадр фигуры: норма градиента по блокам для всех сетей ``SIGNAL_SETUPS`` при инициализации ``init``."""
    from snippets._plotting import COLORS
    return [go.Scatter(x=list(range(1, depth + 1)), y=list(_cached_signal(r, bn, init, c, depth)[0]),
                       mode="lines+markers", name=name, line=dict(color=COLORS[i]))
            for i, (r, bn, c, name) in enumerate(SIGNAL_SETUPS)]


def signal_figure(depth: int = 24) -> go.Figure:
    """Ползунок по инициализации: градиенты по блокам простых и остаточных сетей с BN и без."""
    from snippets._plotting import explorable
    fig = explorable("", "номер блока (1 — у входа)", "‖∂L/∂W‖ (лог. шкала)", "инициализация",
                     list(INITS), lambda v: signal_traces(v, depth), active=0,
                     title_for=lambda v: f"Норма градиента по блокам, {depth} блоков; инициализация: {v}")
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom"),
                      margin=dict(t=150), height=620)
    return fig


def signal_table(depth: int = 24) -> str:
    """Таблица Markdown: std активаций после блока 1 → после блока ``depth`` для каждой сети и инициализации."""
    rows = ["| Сеть | " + " | ".join(INITS) + " |", "|---|" + "---:|" * len(INITS)]
    for r, bn, c, name in SIGNAL_SETUPS:
        cells = []
        for init in INITS:
            s = _cached_signal(r, bn, init, c, depth)[1]
            cells.append(f"{s[0]:.2g} → {s[-1]:.2g}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


# --8<-- [start:modern-blocks]
class SqueezeExcitation(nn.Module):
    """SE-блок (Hu et al., 2018): веса каналов s = σ(W₂ ReLU(W₁ GAP(x))), выход x·s по каналам.

    W₁: C → C/r, W₂: C/r → C (r = 16) — 2C²/r параметров (+ смещения).

    >>> sum(p.numel() for p in SqueezeExcitation(256).parameters())   # 2·256·16 + 16 + 256
    8464
    """

    def __init__(self, c: int, r: int = 16):
        super().__init__()
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // r, 1), nn.ReLU(),
                                  nn.Conv2d(c // r, c, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(x)


def resnext_branch(c_in: int, width: int, groups: int) -> nn.Sequential:
    """Ветвь блока ResNeXt (Xie et al., 2017): 1×1 → групповая 3×3 (``groups`` = мощность, cardinality) → 1×1.

    ResNeXt-50 32×4d, первая стадия: 256 → 128 (32 группы по 4 канала) → 256.
    """
    return nn.Sequential(cbr(c_in, width, 1), cbr(width, width, 3, groups=groups),
                         nn.Conv2d(width, c_in, 1, bias=False), nn.BatchNorm2d(c_in))


class ConvNeXtBlock(nn.Module):
    """Блок ConvNeXt (Liu et al., 2022): x + γ·(1×1 ← GELU ← 1×1 (×4) ← LayerNorm ← depthwise 7×7)(x).

    Инвертированное горлышко как в трансформере (C → 4C → C), одна нормализация (LN по каналам) и
    одна активация (GELU) на блок; γ — поканальный масштаб ветви (layer scale), в начале 10⁻⁶.

    >>> sum(p.numel() for p in ConvNeXtBlock(96).parameters())   # 50C + 2C + (4C² + 4C) + (4C² + C) + C
    79296
    """

    def __init__(self, c: int):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = nn.LayerNorm(c)                       # по каналам, в формате (N, H, W, C)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))
        self.gamma = nn.Parameter(torch.full((c,), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.dw(x).permute(0, 2, 3, 1))     # (N, C, H, W) -> (N, H, W, C)
        return x + (self.gamma * self.mlp(h)).permute(0, 3, 1, 2)
# --8<-- [end:modern-blocks]
