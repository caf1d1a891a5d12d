"""Позиционное кодирование: синусоидальное (Vaswani et al., 2017), RoPE (Su et al., 2021), ALiBi
(Press et al., 2022). NumPy: вектор позиции pos размерности d — строка матрицы (n_pos, d).
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray
LEGEND_BELOW = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.3, "yanchor": "top"}


# --8<-- [start:sinusoidal]
def sinusoidal_encoding(n_pos: int, d_model: int, base: float = 10_000.0) -> Array:
    """PE[pos, 2i] = sin(pos·ω_i), PE[pos, 2i+1] = cos(pos·ω_i), ω_i = base^(−2i/d_model).

    Частоты убывают геометрически от 1 до 1/base: длины волн от 2π до 2π·base.

    >>> pe = sinusoidal_encoding(50, 8)
    >>> pe.shape, pe[0].tolist()                  # позиция 0: sin 0 = 0, cos 0 = 1
    ((50, 8), [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    """
    omega = base ** (-np.arange(0, d_model, 2) / d_model)   # (d/2,)
    angles = np.arange(n_pos)[:, None] * omega[None, :]      # (n_pos, d/2)
    pe = np.empty((n_pos, d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


def shift_matrix(k: int, d_model: int, base: float = 10_000.0) -> Array:
    """Матрица M_k с PE[pos + k] = PE[pos] M_k для всех pos: блоки поворота на угол k·ω_i.

    Сдвиг позиции — линейное преобразование, не зависящее от pos (довод Vaswani et al.).

    >>> pe = sinusoidal_encoding(20, 6)
    >>> bool(np.allclose(pe[3] @ shift_matrix(5, 6), pe[8]))
    True
    """
    omega = base ** (-np.arange(0, d_model, 2) / d_model)
    m = np.zeros((d_model, d_model))
    for i, w in enumerate(omega):
        c, s = math.cos(k * w), math.sin(k * w)
        # (sin a, cos a) → (sin a cos b + cos a sin b, cos a cos b − sin a sin b)
        m[2 * i:2 * i + 2, 2 * i:2 * i + 2] = [[c, -s], [s, c]]
    return m
# --8<-- [end:sinusoidal]


# --8<-- [start:rope]
def rope(x: Array, positions: Array, base: float = 10_000.0) -> Array:
    """Rotary position embedding: пара (x_{2i}, x_{2i+1}) вектора на позиции m поворачивается
    на угол m·θ_i, θ_i = base^(−2i/d):
    (x_{2i}, x_{2i+1}) → (x_{2i} cos mθ_i − x_{2i+1} sin mθ_i, x_{2i} sin mθ_i + x_{2i+1} cos mθ_i).

    Применяется к запросам и ключам (не к значениям) в каждом слое. Поворот сохраняет норму, а
    ⟨R_m q, R_n k⟩ = ⟨q, R_{n−m} k⟩ зависит только от разности позиций n − m.

    >>> q = np.array([[1.0, 0.0]])
    >>> rope(q, np.array([1]), base=1.0).round(4)   # θ_0 = 1: поворот на 1 радиан
    array([[0.5403, 0.8415]])
    """
    d = x.shape[-1]
    theta = base ** (-np.arange(0, d, 2) / d)                 # (d/2,)
    angles = np.asarray(positions)[:, None] * theta[None, :]  # (n, d/2)
    cos, sin = np.cos(angles), np.sin(angles)
    x_even, x_odd = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x, dtype=float)
    out[..., 0::2] = x_even * cos - x_odd * sin
    out[..., 1::2] = x_even * sin + x_odd * cos
    return out
# --8<-- [end:rope]


# --8<-- [start:alibi]
def alibi_slopes(n_heads: int) -> Array:
    """Наклоны ALiBi: геометрическая прогрессия 2^(−8/h), 2^(−16/h), …, 2^(−8) для h голов
    (h — степень двойки; иначе — как в коде авторов: прогрессия для ближайшей меньшей степени
    двойки плюс каждый второй наклон прогрессии для удвоенной).

    >>> alibi_slopes(8).tolist()
    [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]
    """
    def power_of_two(n: int) -> list[float]:
        start = 2.0 ** (-8.0 / n)
        return [start ** (i + 1) for i in range(n)]

    if math.log2(n_heads).is_integer():
        return np.array(power_of_two(n_heads))
    closest = 2 ** math.floor(math.log2(n_heads))
    extra = alibi_slopes(2 * closest)[0::2][: n_heads - closest]
    return np.concatenate([power_of_two(closest), extra])


def alibi_bias(n: int, n_heads: int) -> Array:
    """Смещение логитов внимания (h, n, n) для декодера: b[h, i, j] = −m_h · (i − j) при j ≤ i.

    Прибавляется к Q Kᵀ/√d_k вместо позиционных векторов; будущее (j > i) закрывает маска.

    >>> alibi_bias(3, 2)[0]                        # голова с наклоном 1/16
    array([[ 0.    ,  0.    ,  0.    ],
           [-0.0625,  0.    ,  0.    ],
           [-0.125 , -0.0625,  0.    ]])
    """
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    distance = np.where(j <= i, i - j, 0)
    return 0.0 - alibi_slopes(n_heads)[:, None, None] * distance[None]   # 0.0 −: без «−0.»
# --8<-- [end:alibi]


def sinusoidal_figure(n_pos: int = 64, d_model: int = 64) -> go.Figure:
    """Тепловая карта синусоидального кодирования: позиции × измерения."""
    pe = sinusoidal_encoding(n_pos, d_model)
    fig = new_figure("Синусоидальное позиционное кодирование (d_model = 64)",
                     "измерение вектора", "позиция pos")
    fig.add_heatmap(z=pe.round(3), colorscale="RdBu", zmid=0, colorbar={"title": "значение"},
                    hovertemplate="pos %{y}, измерение %{x}: %{z}<extra></extra>")
    fig.update_yaxes(autorange="reversed")
    return fig


def rope_rotation_figure(n_pos: int = 7, seed: int = 0) -> go.Figure:
    """Первая пара координат (θ_0 = 1 рад) одного и того же вектора на позициях 0…n−1."""
    q = np.random.default_rng(seed).standard_normal(8)
    pos = np.arange(n_pos)
    rotated = rope(np.tile(q, (n_pos, 1)), pos)
    fig = new_figure("RoPE: пара (x₀, x₁) поворачивается на θ₀ = 1 рад за позицию", "x₀", "x₁")
    r = float(np.hypot(q[0], q[1]))
    t = np.linspace(0, 2 * np.pi, 73)
    fig.add_scatter(x=(r * np.cos(t)).round(3), y=(r * np.sin(t)).round(3), mode="lines",
                    line={"dash": "dot", "width": 1}, name="окружность радиуса ‖(x₀, x₁)‖")
    fig.add_scatter(x=rotated[:, 0].round(3), y=rotated[:, 1].round(3), mode="markers+text",
                    text=[f"m={p}" for p in pos], textposition="top center", marker={"size": 9},
                    name="позиция m")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_layout(legend=LEGEND_BELOW,
                      margin={"b": 140}, height=460)
    return fig


def rope_relative_figure(d: int = 16, seed: int = 0) -> go.Figure:
    """⟨R_m q, R_n k⟩ как функция m − n при двух разных m: кривые совпадают."""
    q, k = np.random.default_rng(seed).standard_normal((2, d))
    fig = new_figure("RoPE: скор ⟨R_m q, R_n k⟩ зависит только от m − n",
                     "разность позиций m − n", "⟨R_m q, R_n k⟩")
    for m, mode in ((5, "lines"), (105, "markers")):
        n = np.arange(m - 5, m + 26)
        scores = (rope(q[None], np.array([m])) * rope(np.tile(k, (len(n), 1)), n)).sum(-1)
        fig.add_scatter(x=(m - n).tolist(), y=scores.round(4), mode=mode, name=f"m = {m}")
    fig.update_layout(legend=LEGEND_BELOW,
                      margin={"b": 140}, height=460)
    return fig


def alibi_figure(n_heads: int = 8, max_distance: int = 32) -> go.Figure:
    """Штраф ALiBi −m_h·(i − j) против расстояния для каждой головы."""
    fig = new_figure("ALiBi: штраф к логиту внимания растёт линейно с расстоянием",
                     "расстояние i − j (токенов назад)", "добавка к логиту")
    dist = np.arange(max_distance + 1)
    for h, m in enumerate(alibi_slopes(n_heads), start=1):
        fig.add_scatter(x=dist, y=(-m * dist).round(4), mode="lines",
                        name=f"голова {h}: m = 1/{round(1 / m)}")
    fig.update_layout(legend=LEGEND_BELOW,
                      margin={"b": 230}, height=580)
    return fig
