"""Квантование: аффинная схема (Jacob et al., 2018), целочисленный линейный слой, fake quantization
с прямым пропуском градиента для QAT, PTQ с калибровкой, int8 средствами PyTorch и NF4 из QLoRA.

Тесты сверяют quantize/fake_quant с ``torch.quantize_per_tensor`` и
``torch.fake_quantize_per_tensor_affine`` (значения и градиент), а уровни NF4 — с таблицей
bitsandbytes.
"""

from __future__ import annotations

import io
import warnings

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor


# --8<-- [start:affine]
def qparams(x_min: float, x_max: float, bits: int = 8) -> tuple[float, int]:
    """Масштаб и нулевая точка для x ∈ [x_min, x_max] → q ∈ [0, 2^b − 1]:

    s = (x_max − x_min) / (2^b − 1),  z = round(−x_min / s); диапазон расширяется до нуля,
    чтобы 0.0 представлялся точно (нули паддинга, ReLU).

    >>> qparams(-1.0, 3.0)
    (0.01568627450980392, 64)
    """
    x_min, x_max = min(x_min, 0.0), max(x_max, 0.0)
    scale = (x_max - x_min) / (2 ** bits - 1) or 1.0
    return scale, int(min(max(round(-x_min / scale), 0), 2 ** bits - 1))


def quantize(x: Tensor, scale: float, zero_point: int, bits: int = 8) -> Tensor:
    """q = clamp(round(x / s) + z, 0, 2^b − 1) (округление к чётному, как в PyTorch).

    >>> quantize(torch.tensor([-1.0, 0.0, 3.0, 9.0]), *qparams(-1.0, 3.0)).tolist()
    [0, 64, 255, 255]
    """
    return torch.clamp(torch.round(x / scale) + zero_point, 0, 2 ** bits - 1).to(torch.int32)


def dequantize(q: Tensor, scale: float, zero_point: int) -> Tensor:
    """x̂ = s (q − z); ошибка округления внутри диапазона не больше s/2.

    >>> dequantize(torch.tensor([0, 64, 255]), *qparams(-1.0, 3.0)).tolist()
    [-1.003921627998352, 0.0, 2.996078491210937]
    """
    return scale * (q.float() - zero_point)
# --8<-- [end:affine]


# --8<-- [start:int-linear]
def quantize_weight(W: Tensor, bits: int = 8) -> tuple[Tensor, Tensor]:
    """Симметричное поканальное квантование весов: s_j = max|W_j| / (2^{b−1} − 1), z = 0.

    >>> q, s = quantize_weight(torch.tensor([[0.5, -1.0], [2.0, 0.1]])); q.tolist()
    [[64, -127], [127, 6]]
    """
    scale = W.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / (2 ** (bits - 1) - 1)
    return torch.round(W / scale).to(torch.int32), scale


def int8_linear(x: Tensor, W: Tensor, b: Tensor, x_scale: float, x_zp: int) -> Tensor:
    """y = x Wᵀ + b в целых числах: (q_x − z_x) q_Wᵀ накапливается в int32, затем один раз
    умножается на s_x·s_W (Jacob et al., 2018, ур. 4–7). Вход uint8, веса int8 поканально.
    """
    q_w, s_w = quantize_weight(W, 8)
    q_x = quantize(x, x_scale, x_zp, 8)
    acc = (q_x - x_zp) @ q_w.T                          # int32 · int32 -> int32
    return acc.float() * (x_scale * s_w.T) + b
# --8<-- [end:int-linear]


# --8<-- [start:fake-quant]
def fake_quant(x: Tensor, scale: Tensor | float, zero_point: int, qmin: int, qmax: int) -> Tensor:
    """Квантовать и сразу деквантовать: x̂ = s·(clamp(round(x/s) + z, q_min, q_max) − z).
    Градиент — прямой пропуск (straight-through estimator, Bengio et al., 2013): 1, если
    round(x/s) + z в диапазоне, иначе 0 (как ``torch.fake_quantize_per_tensor_affine``).

    >>> x = torch.tensor([0.26, 9.0], requires_grad=True)
    >>> y = fake_quant(x, 0.1, 0, 0, 15); y.sum().backward(); y.tolist(), x.grad.tolist()
    ([0.30000001192092896, 1.5], [1.0, 0.0])
    """
    q = torch.round(x / scale) + zero_point
    inside = (q >= qmin) & (q <= qmax)
    x_hat = (torch.clamp(q, qmin, qmax) - zero_point) * scale
    return torch.where(inside, x + (x_hat - x).detach(), x_hat.detach())


class QuantMLP(nn.Module):
    """MLP из nn.Linear/ReLU, у которого веса (симметрично, поканально) и входы каждого Linear
    (аффинно, по min/max калибровки) проходят fake quantization с ``bits`` битами."""

    def __init__(self, float_model: nn.Sequential, bits: int = 8):
        super().__init__()
        self.net, self.bits = float_model, bits
        self.ranges: dict[int, tuple[float, float]] = {}
        self.observe = False

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.net):
            if isinstance(layer, nn.Linear):
                if self.observe:                       # калибровка: запоминаем min/max входа
                    lo, hi = self.ranges.get(i, (float("inf"), float("-inf")))
                    self.ranges[i] = (min(lo, x.min().item()), max(hi, x.max().item()))
                s, z = qparams(*self.ranges[i], bits=self.bits)
                w_max = 2 ** (self.bits - 1) - 1
                s_w = layer.weight.abs().amax(1, keepdim=True).detach() / w_max
                w = fake_quant(layer.weight, s_w, 0, -w_max, w_max)
                x = F.linear(fake_quant(x, s, z, 0, 2 ** self.bits - 1), w, layer.bias)
            else:
                x = layer(x)
        return x

    @torch.no_grad()
    def calibrate(self, X: Tensor) -> QuantMLP:
        """Post-training quantization: один проход по калибровочным данным, без обучения."""
        self.observe = True
        self(X)
        self.observe = False
        return self
# --8<-- [end:fake-quant]


# --8<-- [start:size]
def model_size_bytes(model: nn.Module) -> int:
    """Размер сериализованного state_dict (как файл весов на диске)."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def torch_dynamic_int8(model: nn.Module) -> nn.Module:
    """Динамическое int8-квантование PyTorch: веса nn.Linear хранятся в int8, активации
    квантуются на лету. API torch.ao.quantization объявлен устаревшим (преемник — torchao),
    но работает в этой версии; предупреждение подавляем."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic
        return quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
# --8<-- [end:size]


# --8<-- [start:nf4]
def nf4_levels() -> Tensor:
    """16 уровней NormalFloat4 (Dettmers et al., 2023): квантили N(0, 1), нормированные в [−1, 1],
    8 положительных и 7 отрицательных плюс точный ноль (как в bitsandbytes, offset = 0,9677).

    >>> [round(v, 4) for v in nf4_levels()[[0, 7, 8, 15]].tolist()]
    [-1.0, 0.0, 0.0796, 1.0]
    """
    offset = 0.9677083
    pos = torch.special.ndtri(torch.linspace(offset, 0.5, 9)[:-1].double())   # Φ⁻¹ — квантили
    neg = -torch.special.ndtri(torch.linspace(offset, 0.5, 8)[:-1].double())
    v = torch.sort(torch.cat([pos, torch.zeros(1, dtype=torch.float64), neg])).values
    return (v / v.abs().max()).float()


def blockwise_quant(w: Tensor, levels: Tensor, block: int = 64) -> Tensor:
    """Поблочное absmax-квантование: блок делится на max|w|, каждое число заменяется
    ближайшим уровнем, затем умножается обратно. Возвращает деквантованный тензор.

    >>> lv = torch.arange(-7, 8) / 7              # равномерная симметричная сетка int4
    >>> blockwise_quant(torch.tensor([0.45, -1.0, 0.02, 0.3]), lv, block=4).tolist()
    [0.4285714328289032, -1.0, 0.0, 0.2857142984867096]
    """
    flat = w.reshape(-1, block)
    absmax = flat.abs().amax(dim=1, keepdim=True)
    idx = (flat / absmax).unsqueeze(-1).sub(levels).abs().argmin(dim=-1)
    return (levels[idx] * absmax).reshape(w.shape)
# --8<-- [end:nf4]
