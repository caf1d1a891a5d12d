"""Калибровка PTQ и подготовка модели к квантованию: выбор диапазона (min-max, перцентиль,
минимум MSE), свёртка BatchNorm в предыдущий слой. Тесты сверяют свёртку BN с
``torch.nn.utils.fusion``, а квантование — с ``snippets.quantization``.
"""

from __future__ import annotations

import numpy as np
import torch

from snippets.quantization import dequantize, qparams, quantize

Tensor = torch.Tensor


# --8<-- [start:calibration]
def quant_mse(x: Tensor, lo: float, hi: float, bits: int = 8) -> float:
    """Средний квадрат ошибки x − x̂ после аффинного квантования в диапазон [lo, hi].

    >>> quant_mse(torch.tensor([0.0, 1.0]), 0.0, 1.0)
    0.0
    """
    s, z = qparams(lo, hi, bits)
    return float(((dequantize(quantize(x, s, z, bits), s, z) - x) ** 2).mean())


def calibration_range(x: Tensor, bits: int = 8, method: str = "minmax",
                      pct: float = 99.99) -> tuple[float, float]:
    """Диапазон [lo, hi] для активаций по калибровочным данным.

    ``minmax`` — крайние значения (выброс растягивает шаг s для всех остальных);
    ``percentile`` — перцентили pct и 100 − pct (хвосты обрезаются);
    ``mse`` — обрезка [lo·c, hi·c], c по сетке, с минимальной ошибкой квантования.

    >>> x = torch.tensor(np.random.default_rng(0).standard_t(3, 20_000), dtype=torch.float32)
    >>> [round(calibration_range(x, 4, m)[1], 1) for m in ("minmax", "mse")]   # тяжёлые хвосты
    [43.5, 10.4]
    """
    lo, hi = x.min().item(), x.max().item()
    if method == "percentile":
        q = np.percentile(x.numpy(), [100 - pct, pct])
        return float(q[0]), float(q[1])
    if method == "mse":
        grid = np.linspace(0.01, 1.0, 100)
        c = min(grid, key=lambda c: quant_mse(x, lo * c, hi * c, bits))
        return lo * float(c), hi * float(c)
    return lo, hi
# --8<-- [end:calibration]


# --8<-- [start:fold-bn]
def fold_bn(weight: Tensor, bias: Tensor | None, mean: Tensor, var: Tensor, gamma: Tensor,
            beta: Tensor, eps: float = 1e-5) -> tuple[Tensor, Tensor]:
    """Свёртка BatchNorm (режим вывода) в предыдущий Linear/Conv: для выходного канала j
    a_j = γ_j / √(σ²_j + ε), W'_j = a_j·W_j, b'_j = a_j·(b_j − μ_j) + β_j. Один слой вместо двух,
    и квантуется уже W' — с тем масштабом, с которым он реально работает.

    >>> W, b = fold_bn(torch.ones(1, 2), torch.zeros(1), torch.tensor([1.0]), torch.tensor([4.0]),
    ...                torch.tensor([2.0]), torch.tensor([0.5]), eps=0.0)
    >>> W.tolist(), b.tolist()
    ([[1.0, 1.0]], [-0.5])
    """
    a = gamma / torch.sqrt(var + eps)
    shape = (-1,) + (1,) * (weight.dim() - 1)
    b = torch.zeros_like(mean) if bias is None else bias
    return weight * a.reshape(shape), a * (b - mean) + beta
# --8<-- [end:fold-bn]
