"""Регуляризация на практике: какие параметры затухают в AdamW, шаг SAM (Foret et al., 2021),
смешивание целей Mixup/CutMix и перекрёстная энтропия с мягкой целью."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from snippets.mlp import log_softmax

Array = np.ndarray


# --8<-- [start:decay-groups]
def weight_decay_groups(named_params: Iterable[tuple[str, object]],
                        weight_decay: float) -> list[dict]:
    """Группы параметров для AdamW: затухают тензоры с ≥ 2 осями (матрицы Linear, свёртки,
    эмбеддинги), не затухают смещения и γ, β нормализаций (1 ось) — правило nanoGPT.

    >>> import torch
    >>> g = weight_decay_groups(torch.nn.Linear(3, 2).named_parameters(), 0.1)
    >>> [(x["weight_decay"], [p.shape for p in x["params"]]) for x in g]
    [(0.1, [torch.Size([2, 3])]), (0.0, [torch.Size([2])])]
    """
    params = [p for _, p in named_params if p.requires_grad]
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
# --8<-- [end:decay-groups]


# --8<-- [start:sam]
def sam_gradient(w: Array, grad: Callable[[Array], Array], rho: float) -> Array:
    """Градиент SAM: ε̂ = ρ·g/‖g‖ (g = ∇L(w)) — шаг к худшей точке шара радиуса ρ в линейном
    приближении; возвращает ∇L(w + ε̂), которым и делают шаг из w. Два прохода на шаг.

    >>> h = np.array([10.0, 0.1])                       # L = ½ Σ h_i w_i²: одна ось крутая
    >>> sam_gradient(np.array([1.0, 1.0]), lambda w: h * w, rho=0.1).round(2).tolist()
    [11.0, 0.1]
    """
    g = grad(w)
    eps = rho * g / (np.linalg.norm(g) + 1e-12)
    return grad(w + eps)
# --8<-- [end:sam]


# --8<-- [start:mixup]
def mix_targets(y1: Array, y2: Array, lam: float) -> Array:
    """Мягкая цель Mixup/CutMix: ỹ = λ y₁ + (1 − λ) y₂ (y — one-hot или уже мягкие).

    >>> mix_targets(np.array([1.0, 0.0]), np.array([0.0, 1.0]), 0.7).tolist()
    [0.7, 0.3]
    """
    return lam * y1 + (1.0 - lam) * y2


def soft_cross_entropy(logits: Array, q: Array) -> float:
    """Перекрёстная энтропия с мягкой целью: L = −(1/N) Σ_n Σ_k q_nk log p_nk.
    Линейна по q, поэтому CE(p, λy₁ + (1−λ)y₂) = λ CE(p, y₁) + (1−λ) CE(p, y₂).

    >>> round(soft_cross_entropy(np.zeros((1, 4)), np.array([[0.5, 0.5, 0.0, 0.0]])), 4)
    1.3863
    """
    return float(-(q * log_softmax(logits)).sum(axis=1).mean())
# --8<-- [end:mixup]


__all__ = ["mix_targets", "sam_gradient", "soft_cross_entropy", "weight_decay_groups"]
