"""Gradient checkpointing (Chen et al., 2016) на цепочке слоёв h_i = tanh(w_i·h_{i−1}):
память под активации против повторного прямого прохода."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import explorable


# --8<-- [start:checkpoint]
def chain_grad(w: list[float], x: float, k: int) -> tuple[list[float], int, int]:
    """∂h_n/∂w_i для цепочки h_i = tanh(w_i·h_{i−1}), h_0 = x, с контрольными точками через k слоёв.

    Прямой проход хранит только h_0, h_k, h_2k, … Обратный проход идёт по отрезкам с конца:
    пересчитывает активации отрезка от его контрольной точки, проходит отрезок назад и
    освобождает его. Возвращает (градиент, пик числа хранимых активаций, число вычислений слоя).

    >>> g, peak, evals = chain_grad([0.5] * 16, 1.0, k=4)
    >>> peak, evals          # 4 контрольные точки + 4 активации отрезка; 16 + 16 вычислений
    (8, 32)
    """
    n, stored, evals, peak = len(w), {}, 0, 0
    h = x
    for i in range(n + 1):                        # прямой проход: храним каждую k-ю активацию
        if i > 0:
            h, evals = math.tanh(w[i - 1] * h), evals + 1
        if i % k == 0 and i < n:
            stored[i] = h
        peak = max(peak, len(stored) + 1)         # + текущая активация
    grad, g_h = [0.0] * n, 1.0                    # ∂h_n/∂h_n = 1
    for start in reversed(range(0, n, k)):
        seg = {start: stored[start]}              # пересчёт отрезка от контрольной точки
        for i in range(start + 1, min(start + k, n) + 1):
            seg[i], evals = math.tanh(w[i - 1] * seg[i - 1]), evals + 1
        peak = max(peak, len(stored) + len(seg) - 1)
        for i in range(min(start + k, n), start, -1):     # обратный проход по отрезку
            d = 1 - seg[i] ** 2                   # tanh' через выход
            grad[i - 1] = g_h * d * seg[i - 1]
            g_h = g_h * d * w[i - 1]
        del stored[start]                         # отрезок пройден, его точка больше не нужна
    return grad, peak, evals
# --8<-- [end:checkpoint]


def memory_curve(n: int, seed: int = 0) -> tuple[list[int], list[int], list[int]]:
    """(k, пик памяти, вычислений слоя) для всех длин отрезка k = 1…n на случайной цепочке."""
    w = list(np.random.default_rng(seed).uniform(0.5, 1.5, size=n))
    ks, peaks, evals = [], [], []
    for k in range(1, n + 1):
        _, p, e = chain_grad(w, 0.3, k)
        ks.append(k), peaks.append(p), evals.append(e)
    return ks, peaks, evals


def memory_traces(n: int) -> list:
    """Кадр фигуры: пик памяти от длины отрезка k и лучшее k (около √n)."""
    ks, peaks, _ = memory_curve(n)
    low = min(peaks)                                   # среди равных минимумов — ближайший к √n
    best = min((i for i, v in enumerate(peaks) if v == low), key=lambda i: abs(ks[i] - math.sqrt(n)))
    return [go.Scatter(x=ks, y=peaks, mode="lines+markers", marker=dict(size=4),
                       name=f"с checkpointing, n = {n}"),
            go.Scatter(x=[ks[0], ks[-1]], y=[n + 1, n + 1], mode="lines", line=dict(dash="dash"),
                       name=f"без checkpointing: n + 1 = {n + 1}"),
            go.Scatter(x=[ks[best]], y=[peaks[best]], mode="markers", marker=dict(size=13, symbol="star"),
                       name=f"минимум: k = {ks[best]}, память {peaks[best]} (√n = {math.sqrt(n):.1f})")]


def checkpoint_figure(ns: list[int], active: int = 2) -> go.Figure:
    """Пик памяти в зависимости от длины отрезка k: ползунок по глубине сети n."""
    fig = explorable("Checkpointing", "длина отрезка k (контрольная точка каждые k слоёв)",
                     "пик хранимых активаций", "число слоёв n", ns, memory_traces, active=active,
                     title_for=lambda n: f"Checkpointing: память при n = {n} слоях")
    fig.update_xaxes(type="log", tickvals=[1, 2, 4, 8, 16, 32, 64, 128])
    fig.update_layout(height=440, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return fig


__all__ = ["chain_grad", "memory_curve", "memory_traces", "checkpoint_figure"]
