"""Мониторинг модели в продакшене: дрейф данных (PSI, тест Колмогорова–Смирнова), дрейф концепции
(детектор DDM по потоку ошибок) и A/B-тест двух моделей (z-тест для долей).

Тесты сверяют KS и z-тест со ``scipy.stats``, PSI — с суммой двух KL-дивергенций.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray


# --8<-- [start:psi]
def psi(reference: Array, current: Array, bins: int = 10, eps: float = 1e-4) -> float:
    """Population Stability Index: PSI = Σ_b (a_b − e_b) · ln(a_b / e_b).

    e_b, a_b — доли эталонной (обучающей) и текущей выборки в корзине b; границы корзин —
    децили эталона, пустые корзины получают долю eps. Практическое правило (кредитный скоринг,
    Siddiqi, 2006): < 0,1 — стабильно, 0,1–0,25 — умеренный сдвиг, > 0,25 — сильный.

    >>> x = np.random.default_rng(0).normal(size=10_000)
    >>> round(psi(x, x), 6), round(psi(x, x + 0.5), 2)
    (0.0, 0.24)
    """
    edges = np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1])
    e = np.bincount(np.searchsorted(edges, reference), minlength=bins) / len(reference)
    a = np.bincount(np.searchsorted(edges, current), minlength=bins) / len(current)
    e, a = np.maximum(e, eps), np.maximum(a, eps)
    return float(np.sum((a - e) * np.log(a / e)))
# --8<-- [end:psi]


# --8<-- [start:ks]
def ks_test(x: Array, y: Array) -> tuple[float, float]:
    """Двухвыборочный тест Колмогорова–Смирнова: D = sup_t |F_x(t) − F_y(t)|.

    p-значение — асимптотическое распределение Колмогорова: при n_e = nm/(n + m)
    P(√n_e·D > λ) ≈ Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}.

    >>> rng = np.random.default_rng(0)
    >>> d, p = ks_test(rng.normal(size=500), rng.normal(0.3, 1, size=500)); round(d, 3), p < 0.01
    (0.14, True)
    """
    grid = np.sort(np.r_[x, y])
    fx = np.searchsorted(np.sort(x), grid, side="right") / len(x)
    fy = np.searchsorted(np.sort(y), grid, side="right") / len(y)
    d = float(np.abs(fx - fy).max())
    lam = np.sqrt(len(x) * len(y) / (len(x) + len(y))) * d
    k = np.arange(1, 101)
    p = 2 * np.sum((-1.0) ** (k - 1) * np.exp(-2 * k ** 2 * lam ** 2)) if lam > 0 else 1.0
    return d, float(np.clip(p, 0.0, 1.0))
# --8<-- [end:ks]


# --8<-- [start:ddm]
def ddm(errors: Array, warm_up: int = 100, warn: float = 2.0, alarm: float = 3.0) -> tuple[int | None, int | None]:
    """Drift Detection Method (Gama et al., 2004) по потоку ошибок модели (1 — ошибка).

    p_i — доля ошибок к шагу i, s_i = √(p_i(1 − p_i)/i); запоминаем минимум p_min + s_min.
    Предупреждение, когда p_i + s_i ≥ p_min + 2 s_min; дрейф — при ≥ p_min + 3 s_min.
    Возвращает индексы первого предупреждения и первого сигнала дрейфа (или None).

    >>> ddm(np.r_[np.zeros(200), np.ones(20)].astype(int))[1] is not None
    True
    """
    p_min = s_min = np.inf
    warning = None
    n_err = 0
    for i, e in enumerate(errors, start=1):
        n_err += e
        p = n_err / i
        s = np.sqrt(p * (1 - p) / i)
        if i < warm_up:
            continue
        if p + s < p_min + s_min:
            p_min, s_min = p, s
        if warning is None and p + s >= p_min + warn * s_min:
            warning = i - 1
        if p + s >= p_min + alarm * s_min:
            return warning, i - 1
    return warning, None
# --8<-- [end:ddm]


# --8<-- [start:ab]
def two_proportion_ztest(conv_a: int, n_a: int, conv_b: int, n_b: int) -> tuple[float, float]:
    """z-тест равенства долей: z = (p̂_B − p̂_A) / √(p̂(1 − p̂)(1/n_A + 1/n_B)), p̂ — общая доля.

    Возвращает z и двустороннее p-значение 2(1 − Φ(|z|)).

    >>> z, p = two_proportion_ztest(500, 10_000, 580, 10_000); round(z, 2), round(p, 3)
    (2.5, 0.012)
    """
    pool = (conv_a + conv_b) / (n_a + n_b)
    z = (conv_b / n_b - conv_a / n_a) / np.sqrt(pool * (1 - pool) * (1 / n_a + 1 / n_b))
    return float(z), math.erfc(abs(z) / math.sqrt(2))        # 2(1 − Φ(|z|))


def ab_sample_size(p_base: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Размер каждой группы, чтобы заметить рост доли с p до p + mde:
    n = (z_{1−α/2} + z_{power})² · (p₁(1 − p₁) + p₂(1 − p₂)) / mde².

    >>> ab_sample_size(0.05, 0.005)        # конверсия 5 %, хотим заметить +0,5 п.п.
    31231
    """
    p2 = p_base + mde
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    return int(np.ceil(z ** 2 * (p_base * (1 - p_base) + p2 * (1 - p2)) / mde ** 2))
# --8<-- [end:ab]


def drift_stream(days: int = 30, start: int = 15, n: int = 500, seed: int = 0) -> list[Array]:
    """Значения одного признака по дням: до дня ``start`` — N(0, 1), затем среднее
    растёт на 0,05 в день (медленный дрейф данных)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0.05 * max(0, d - start), 1, n) for d in range(days)]


def drift_figure(days: int = 30, start: int = 15) -> go.Figure:
    """PSI и KS-статистика каждого дня против обучающей выборки; пороги PSI 0,1 и 0,25."""
    rng = np.random.default_rng(1)
    train = rng.normal(0, 1, 5000)
    stream = drift_stream(days, start)
    psis = [psi(train, x) for x in stream]
    ks = [ks_test(train, x) for x in stream]
    fig = new_figure(f"Дрейф признака: среднее растёт с дня {start}", "день", "значение")
    fig.add_scatter(x=list(range(days)), y=np.round(psis, 4), mode="lines+markers", name="PSI")
    fig.add_scatter(x=list(range(days)), y=np.round([d for d, _ in ks], 4), mode="lines+markers",
                    name="KS-статистика D")
    alarm = [d for d, (_, p) in enumerate(ks) if p < 0.01]
    fig.add_scatter(x=alarm, y=[ks[d][0] for d in alarm], mode="markers", marker_symbol="x",
                    marker_size=10, name="KS: p < 0,01")
    for level in (0.1, 0.25):
        fig.add_hline(y=level, line_dash="dot", annotation_text=f"PSI = {level}")
    return fig


def concept_drift_errors(n: int = 2000, change: int = 1000, seed: int = 0) -> tuple[Array, Array]:
    """Поток из n примеров: x ~ N(0, I₂) всё время (P(x) не меняется), правило разметки
    y = [x₁ > 0] после шага ``change`` сменяется на y = [x₁ + x₂ > 0]; 10 % меток перевёрнуты
    (шум разметки). Модель — старое правило. Возвращает признаки и ошибки модели (1 — ошибка)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.where(np.arange(n) < change, X[:, 0] > 0, X.sum(axis=1) > 0) ^ (rng.random(n) < 0.1)
    return X, ((X[:, 0] > 0) != y).astype(int)


def concept_drift_figure(seed: int = 1, window: int = 100) -> go.Figure:
    """Скользящая доля ошибок модели и момент срабатывания DDM; P(x) при этом не меняется."""
    _, err = concept_drift_errors(seed=seed)
    rolling = np.convolve(err, np.ones(window) / window, mode="valid")
    _, alarm = ddm(err)
    fig = new_figure("Дрейф концепции: P(x) та же, P(y | x) сменилась на шаге 1000",
                     "номер примера в потоке", "доля ошибок")
    fig.add_scatter(x=np.arange(window - 1, len(err)), y=rolling.round(3), mode="lines",
                    name=f"доля ошибок, окно {window}")
    fig.add_vline(x=1000, line_dash="dot", annotation_text="смена правила")
    if alarm is not None:
        fig.add_vline(x=alarm, line_dash="dash", annotation_text="DDM: дрейф",
                      annotation_position="bottom right")
    return fig
