"""Расписания шага обучения η_t (t — номер шага, с нуля) и их график.

Каждая функция совпадает с планировщиком из ``torch.optim.lr_scheduler`` (см. тест).
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from snippets._plotting import explorable, new_figure


# --8<-- [start:schedules]
def step_lr(t: int, base_lr: float, step_size: int, gamma: float = 0.1) -> float:
    """Ступенчатое: η_t = η₀ · γ^⌊t / s⌋ (``StepLR``).

    >>> [step_lr(t, 1.0, step_size=2, gamma=0.5) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """
    return base_lr * gamma ** (t // step_size)


def exponential_lr(t: int, base_lr: float, gamma: float) -> float:
    """Экспоненциальное: η_t = η₀ · γᵗ (``ExponentialLR``).

    >>> exponential_lr(3, 1.0, 0.5)
    0.125
    """
    return base_lr * gamma ** t


def cosine_lr(t: int, base_lr: float, total: int, min_lr: float = 0.0) -> float:
    """Косинусное: η_t = η_min + (η₀ − η_min)(1 + cos(πt/T))/2 (``CosineAnnealingLR``).

    >>> cosine_lr(0, 1.0, 10), cosine_lr(5, 1.0, 10), round(cosine_lr(10, 1.0, 10), 12)
    (1.0, 0.5, 0.0)
    """
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * t / total)) / 2


def warmup_lr(t: int, base_lr: float, warmup: int, start_factor: float = 0.01) -> float:
    """Линейный разогрев: η_t = η₀ · (f₀ + (1 − f₀) · min(t, W)/W) (``LinearLR``).

    >>> [round(warmup_lr(t, 1.0, warmup=4, start_factor=0.2), 2) for t in range(6)]
    [0.2, 0.4, 0.6, 0.8, 1.0, 1.0]
    """
    return base_lr * (start_factor + (1 - start_factor) * min(t, warmup) / warmup)


def warmup_cosine_lr(t: int, base_lr: float, warmup: int, total: int, min_lr: float = 0.0,
                     start_factor: float = 0.01) -> float:
    """Разогрев W шагов, затем косинус до η_min за оставшиеся T − W шагов (стандарт трансформеров).

    >>> warmup_cosine_lr(4, 1.0, warmup=4, total=12), warmup_cosine_lr(8, 1.0, warmup=4, total=12)
    (1.0, 0.5)
    """
    if t < warmup:
        return warmup_lr(t, base_lr, warmup, start_factor)
    return cosine_lr(t - warmup, base_lr, total - warmup, min_lr)


def one_cycle_lr(t: int, max_lr: float, total: int, pct_start: float = 0.3,
                 div_factor: float = 25.0, final_div_factor: float = 1e4) -> float:
    """One-cycle (Smith & Topin, 2019): косинусом от η_max/25 вверх до η_max за долю pct_start
    шагов, затем косинусом вниз до η_max/(25·10⁴) (``OneCycleLR``, две фазы).

    >>> one_cycle_lr(0, 1.0, total=100), one_cycle_lr(29, 1.0, total=100)
    (0.04, 1.0)
    """
    start, peak_at = max_lr / div_factor, pct_start * total - 1
    final = start / final_div_factor
    if t <= peak_at:
        a, b, pct = start, max_lr, t / peak_at
    else:
        a, b, pct = max_lr, final, (t - peak_at) / (total - 1 - peak_at)
    return b + (a - b) * (1 + math.cos(math.pi * pct)) / 2
# --8<-- [end:schedules]


def schedules_table(total: int = 100, base_lr: float = 0.1) -> dict[str, list[float]]:
    """Все расписания на ``total`` шагах с одинаковым η₀ (параметры — как на рисунке)."""
    def run(fn) -> list[float]:
        return [fn(t) for t in range(total)]
    return {
        "ступенчатое (s = 30, γ = 0.1)": run(lambda t: step_lr(t, base_lr, 30, 0.1)),
        "экспоненциальное (γ = 0.96)": run(lambda t: exponential_lr(t, base_lr, 0.96)),
        "косинусное": run(lambda t: cosine_lr(t, base_lr, total)),
        "разогрев (W = 10)": run(lambda t: warmup_lr(t, base_lr, 10)),
        "разогрев + косинус": run(lambda t: warmup_cosine_lr(t, base_lr, 10, total)),
        "one-cycle (30% вверх)": run(lambda t: one_cycle_lr(t, base_lr, total)),
    }


def schedules_figure(total: int = 100, base_lr: float = 0.1) -> go.Figure:
    """График η_t всех расписаний; щелчок по легенде прячет кривую."""
    fig = new_figure("Расписания шага обучения", "шаг t", "шаг обучения η_t")
    for name, lrs in schedules_table(total, base_lr).items():
        fig.add_scatter(x=list(range(total)), y=[round(v, 6) for v in lrs], mode="lines", name=name)
    fig.update_layout(height=460, margin=dict(b=120),
                      legend=dict(orientation="h", y=-0.22, yanchor="top"))
    return fig


def warmup_traces(warmup: int, total: int = 100, base_lr: float = 0.1) -> list:
    """Кадр: разогрев + косинус с длиной разогрева W (пик η₀ на шаге W)."""
    lrs = [warmup_cosine_lr(t, base_lr, warmup, total) for t in range(total)]
    return [go.Scatter(x=list(range(total)), y=[round(v, 6) for v in lrs], mode="lines",
                       name=f"разогрев W = {warmup}, затем косинус")]


def warmup_figure(warmups: list[int], total: int = 100, base_lr: float = 0.1,
                  active: int = 2) -> go.Figure:
    """Разогрев + косинус: ползунок по длине разогрева W (пунктир — косинус без разогрева)."""
    static = [go.Scatter(x=list(range(total)),
                         y=[round(cosine_lr(t, base_lr, total), 6) for t in range(total)],
                         mode="lines", line=dict(dash="dot", color="#8a8a8a"),
                         name="косинус без разогрева")]
    fig = explorable("Разогрев + косинус", "шаг t", "шаг обучения η_t", "разогрев W", warmups,
                     lambda w: warmup_traces(w, total, base_lr), active=active,
                     title_for=lambda w: f"Разогрев {w} шагов + косинус до шага {total}",
                     static=static)
    fig.update_layout(height=400, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    return fig


__all__ = ["step_lr", "exponential_lr", "cosine_lr", "warmup_lr", "warmup_cosine_lr",
           "one_cycle_lr",
           "schedules_table", "schedules_figure", "warmup_traces", "warmup_figure"]
