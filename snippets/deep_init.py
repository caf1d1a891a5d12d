"""Инициализация глубоких остаточных сетей: дисперсия остаточного потока x_{l+1} = x_l + F(x_l)
при разном масштабе последнего слоя ветви (без нормализаций, как в Fixup).

Ветвь F(x) = α·W₂ ReLU(W₁x), W₁, W₂ — по He, Var F = 2α²·Var x. При α = 1 поток растёт
экспоненциально (втрое за блок); при α = 1/√(2L) — в (1 + 1/L)^L ≤ e раз за всю сеть; при α = 0
(ноль в последнем слое ветви: Fixup, ReZero, γ = 0 последнего BN) каждый блок — тождество.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# --8<-- [start:residual]
def residual_stream_var(depth: int, alpha: float, width: int = 256, n: int = 512,
                        seed: int = 0) -> list[float]:
    """Дисперсия x_l после каждого из depth блоков x ← x + α·W₂ ReLU(W₁x) со входом N(0, 1).

    >>> [round(v, 6) for v in residual_stream_var(3, alpha=0.0)]      # ветви выключены
    [1.0, 1.0, 1.0, 1.0]
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, width))
    x /= x.std()
    out = [float(x.var())]
    for _ in range(depth):
        W1 = rng.normal(0, np.sqrt(2 / width), (width, width))
        W2 = rng.normal(0, np.sqrt(2 / width), (width, width))
        x = x + alpha * np.maximum(x @ W1, 0) @ W2
        out.append(float(x.var()))
    return out
# --8<-- [end:residual]
