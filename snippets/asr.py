"""Распознавание речи: метрики WER/CER через выравнивание Левенштейна, потеря RNN-T (Graves, 2012)
прямым проходом по решётке T × (U + 1) и пирамидальный энкодер LAS (Chan et al., 2016)."""

from __future__ import annotations

import itertools

import numpy as np
import torch
import torch.nn as nn

Array = np.ndarray


# --8<-- [start:wer]
def align(ref: list, hyp: list) -> list[tuple[str, object, object]]:
    """Выравнивание Левенштейна с минимальным числом правок: список операций
    ("=", r, h) совпадение, ("S", r, h) замена, ("D", r, None) удаление, ("I", None, h) вставка.
    ``d[i][j] = min(d[i−1][j] + 1, d[i][j−1] + 1, d[i−1][j−1] + [r_i ≠ h_j])``.

    >>> [op for op, *_ in align("abc", "axcd")]
    ['=', 'S', '=', 'I']
    """
    n, m = len(ref), len(hyp)
    d = np.zeros((n + 1, m + 1), dtype=int)
    d[:, 0], d[0, :] = np.arange(n + 1), np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]))
    ops, i, j = [], n, m
    while i or j:                                   # обратный ход по таблице
        if i and j and d[i, j] == d[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            ops.append(("=" if ref[i - 1] == hyp[j - 1] else "S", ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i, j] == d[i - 1, j] + 1:
            ops.append(("D", ref[i - 1], None))
            i -= 1
        else:
            ops.append(("I", None, hyp[j - 1]))
            j -= 1
    return ops[::-1]


def error_rate(ref: list, hyp: list) -> tuple[float, dict[str, int]]:
    """(S + D + I) / N и счётчики {"S", "D", "I", "N"}; N — длина эталона.
    WER — по словам, CER — по символам.

    >>> error_rate("мама мыла раму".split(), "мама мыла раму".split())[0]
    0.0
    >>> error_rate(["да"], ["ну", "да", "да"])     # вставки: WER может быть больше 1
    (2.0, {'S': 0, 'D': 0, 'I': 2, 'N': 1})
    """
    ops = align(ref, hyp)
    counts = {k: sum(op == k for op, *_ in ops) for k in "SDI"}
    counts["N"] = len(ref)
    return (counts["S"] + counts["D"] + counts["I"]) / len(ref), counts
# --8<-- [end:wer]


# --8<-- [start:rnnt]
def rnnt_log_alpha(log_probs: Array, target: list, blank: int = 0) -> Array:
    """Прямая переменная RNN-T в лог-пространстве. log_probs — (T, U + 1, V): log P(k | t, u)
    выхода joiner в кадре t после u выданных символов. α(0, 0) = 1,
    α(t, u) = α(t − 1, u)·P(∅ | t − 1, u) + α(t, u − 1)·P(y_u | t, u − 1).

    >>> rnnt_log_alpha(np.log(np.full((2, 2, 2), 0.5)), [1]).round(3)     # α(1, 1) = 2 · ¼
    array([[ 0.   , -0.693],
           [-0.693, -0.693]])
    """
    T, U1, _ = log_probs.shape
    alpha = np.full((T, U1), -np.inf)
    alpha[0, 0] = 0.0
    for t in range(T):
        for u in range(U1):
            if t == 0 and u == 0:
                continue
            stay = alpha[t - 1, u] + log_probs[t - 1, u, blank] if t > 0 else -np.inf   # blank: t → t+1
            emit = alpha[t, u - 1] + log_probs[t, u - 1, target[u - 1]] if u > 0 else -np.inf  # символ: u → u+1
            alpha[t, u] = np.logaddexp(stay, emit)
    return alpha


def rnnt_loss(log_probs: Array, target: list, blank: int = 0) -> float:
    """−log p(y | x), p(y | x) = α(T − 1, U)·P(∅ | T − 1, U): путь кончается blank в последнем кадре.

    >>> round(float(np.exp(-rnnt_loss(np.log(np.full((2, 2, 2), 0.5)), [1]))), 3)   # 2 пути по ⅛
    0.25
    """
    alpha = rnnt_log_alpha(log_probs, target, blank)
    return float(-(alpha[-1, -1] + log_probs[-1, -1, blank]))


def rnnt_paths(T: int, target: list, blank: int = 0):
    """Все выравнивания RNN-T: последовательности из T blank и U символов, где последним стоит
    blank; их C(T + U − 1, U). Выдаёт списки шагов (t, u, k) — в какой вершине что выдано."""
    U = len(target)
    for pos in itertools.combinations(range(T + U - 1), U):
        t = u = 0
        steps = []
        for i in range(T + U):
            if i in pos:
                steps.append((t, u, target[u]))
                u += 1
            else:
                steps.append((t, u, blank))
                t += 1
        yield steps
# --8<-- [end:rnnt]


# --8<-- [start:las]
class PyramidBLSTM(nn.Module):
    """Слой «слушателя» LAS: склеить соседние кадры [h_{2i}; h_{2i+1}] (длина /2, размер ×2),
    затем двунаправленная LSTM. Три таких слоя сокращают последовательность в 8 раз.

    >>> PyramidBLSTM(80, 32)(torch.zeros(1, 101, 80)).shape     # нечётный последний кадр отброшен
    torch.Size([1, 50, 64])
    """

    def __init__(self, d_in: int, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(2 * d_in, hidden, batch_first=True, bidirectional=True)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        B, T, d = h.shape
        h = h[:, :T - T % 2].reshape(B, T // 2, 2 * d)       # пары кадров → один кадр
        return self.lstm(h)[0]
# --8<-- [end:las]
