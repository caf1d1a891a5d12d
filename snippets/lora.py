"""Transfer learning: заморозка слоёв, дискриминативные шаги обучения и LoRA (Hu et al., 2021).

Соглашение PyTorch: ``nn.Linear`` хранит W ∈ R^{d_out×d_in} и считает y = x Wᵀ + b; так же
записана статья LoRA: h = W₀x + BAx, B ∈ R^{d_out×r}, A ∈ R^{r×d_in}.
"""

from __future__ import annotations

import math

import torch
from torch import nn


# --8<-- [start:lora]
class LoRALinear(nn.Module):
    """Линейный слой с низкоранговой добавкой: y = x (W₀ + (α/r)·B A)ᵀ + b, W₀ и b заморожены.

    A ∈ R^{r×d_in} — случайная, B ∈ R^{d_out×r} — нули, поэтому в начале обучения BA = 0 и слой
    в точности равен исходному. Обучаются только r·(d_in + d_out) чисел.

    >>> layer = LoRALinear(nn.Linear(512, 512), r=8, alpha=16)
    >>> sum(p.numel() for p in layer.parameters() if p.requires_grad)   # 8·(512 + 512)
    8192
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16.0, dropout: float = 0.0):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)                       # W₀ и b не меняются
        self.r, self.scaling = r, alpha / r               # масштаб α/r
        self.A = nn.Parameter(torch.empty(r, base.in_features))
        self.B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # как nn.Linear и код авторов
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.A.T @ self.B.T) * self.scaling

    def delta_weight(self) -> torch.Tensor:
        """ΔW = (α/r)·B A — матрица ранга ≤ r той же формы, что W₀."""
        return self.scaling * self.B @ self.A

    @torch.no_grad()
    def merge(self) -> nn.Linear:
        """Обычный nn.Linear с весом W₀ + (α/r)·BA: после обучения адаптер «вливается» в вес,
        и на инференсе нет ни лишних параметров, ни лишней задержки."""
        merged = nn.Linear(self.base.in_features, self.base.out_features,
                           bias=self.base.bias is not None)
        merged.weight.copy_(self.base.weight + self.delta_weight())
        if self.base.bias is not None:
            merged.bias.copy_(self.base.bias)
        return merged
# --8<-- [end:lora]


def apply_lora(model: nn.Module, r: int = 8, alpha: float = 16.0,
               target: tuple[str, ...] = ("",)) -> nn.Module:
    """Замораживает всю модель и заменяет каждый ``nn.Linear``, в имени которого есть одна из
    подстрок ``target``, на ``LoRALinear``. Меняет модель на месте и возвращает её.

    >>> net = apply_lora(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)), r=2)
    >>> [type(m).__name__ for m in net]
    ['LoRALinear', 'ReLU', 'LoRALinear']
    """
    for p in model.parameters():
        p.requires_grad_(False)
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and any(t in full for t in target):
                setattr(module, child_name, LoRALinear(child, r=r, alpha=alpha))
    return model


# --8<-- [start:freeze]
def freeze_except(model: nn.Module, trainable: tuple[str, ...]) -> nn.Module:
    """Feature extraction / частичное дообучение: обучаются только параметры, имя которых
    начинается с одного из префиксов ``trainable``; остальные заморожены (requires_grad=False).

    >>> m = freeze_except(nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1)), ("1.",))
    >>> [p.requires_grad for p in m.parameters()]
    [False, False, True, True]
    """
    for name, p in model.named_parameters():
        p.requires_grad_(name.startswith(trainable))
    return model


def discriminative_param_groups(stages: list[nn.Module], base_lr: float,
                                factor: float = 2.6) -> list[dict]:
    """Дискриминативные шаги (Howard & Ruder, 2018): последней стадии — ``base_lr``, каждой
    следующей к входу — в ``factor`` раз меньше: η_l = η_L / factor^{L−l}.

    >>> groups = discriminative_param_groups([nn.Linear(2, 2)] * 3, base_lr=1e-3, factor=10)
    >>> [g["lr"] for g in groups]
    [1e-05, 0.0001, 0.001]
    """
    n = len(stages)
    return [{"params": list(s.parameters()), "lr": base_lr / factor ** (n - 1 - i)}
            for i, s in enumerate(stages)]
# --8<-- [end:freeze]


# --8<-- [start:memory]
def finetune_memory_gb(n_total: int, n_trainable: int, bytes_per_weight: int = 4) -> float:
    """Память под веса и состояние оптимизатора Adam (без активаций), ГБ = 10⁹ байт.

    Веса — все n_total; для каждого обучаемого параметра ещё градиент и два момента Adam (fp32):
    M = b·n_total + (4 + 4 + 4)·n_trainable.

    >>> finetune_memory_gb(10**9, 10**9)        # полное дообучение 1 млрд параметров в fp32
    16.0
    """
    return (bytes_per_weight * n_total + 12 * n_trainable) / 1e9


def lora_transformer_params(r: int, n_layers: int, d_model: int, n_matrices: int = 2) -> int:
    """Обучаемые параметры LoRA на ``n_matrices`` квадратных матрицах d×d в каждом из слоёв:
    n_layers · n_matrices · r · (d + d).

    >>> lora_transformer_params(r=1, n_layers=96, d_model=12288)   # GPT-3, W_q и W_v
    4718592
    """
    return n_layers * n_matrices * r * 2 * d_model
# --8<-- [end:memory]


# --8<-- [start:l2sp]
def l2_sp_penalty(model: nn.Module, start: dict[str, torch.Tensor], alpha: float = 0.1,
                  beta: float = 0.01) -> torch.Tensor:
    """L2-SP (Li, Grandvalet & Davoine, 2018): штраф тянет перенесённые веса к предобученным, а не к нулю:

    Ω(w) = α/2 · Σ_{i∈S} ‖w_i − w_i⁰‖² + β/2 · Σ_{i∉S} ‖w_i‖²,

    S — параметры, которые есть в ``start`` (веса из предобученной сети), остальные (новая голова) —
    обычный L2.

    >>> net = nn.Linear(2, 1, bias=False)
    >>> start = {k: v.detach().clone() for k, v in net.state_dict().items()}
    >>> with torch.no_grad():
    ...     net.weight += 1.0                                 # сдвинули оба веса на 1
    >>> round(l2_sp_penalty(net, start, alpha=0.1).item(), 6)   # 0,1/2 · (1² + 1²)
    0.1
    """
    total = torch.zeros(())
    for name, p in model.named_parameters():
        if name in start:
            total = total + alpha / 2 * (p - start[name]).pow(2).sum()
        else:
            total = total + beta / 2 * p.pow(2).sum()
    return total
# --8<-- [end:l2sp]
