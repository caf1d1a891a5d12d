"""Подготовка входов: min-max, стандартизация, робастное масштабирование, табличные признаки.

Параметры преобразования (min/max, среднее, дисперсия) оцениваются только на обучающей выборке
и затем применяются без изменений к валидации, тесту и продакшену. Тесты сверяют классы
со ``sklearn.preprocessing``. Фигура показывает, зачем масштабировать: градиентный спуск
на плохо обусловленной квадратичной потере.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray


# --8<-- [start:scalers]
class MinMaxScaler:
    """Нормализация в [0, 1]: x' = (x − min) / (max − min), min и max — по обучающей выборке.

    >>> MinMaxScaler().fit(np.array([[0.0], [5.0], [10.0]])).transform(np.array([[2.5], [20.0]]))
    array([[0.25],
           [2.  ]])
    """

    def fit(self, X: Array) -> MinMaxScaler:
        self.lo, self.hi = X.min(axis=0), X.max(axis=0)
        return self

    def transform(self, X: Array) -> Array:
        return (X - self.lo) / np.where(self.hi > self.lo, self.hi - self.lo, 1.0)


class StandardScaler:
    """Стандартизация (z-score): x' = (x − μ) / σ, μ и σ — по обучающей выборке.

    >>> StandardScaler().fit(np.array([[1.0], [3.0]])).transform(np.array([[1.0], [5.0]]))
    array([[-1.],
           [ 3.]])
    """

    def fit(self, X: Array) -> StandardScaler:
        self.mu, self.sigma = X.mean(axis=0), X.std(axis=0)
        return self

    def transform(self, X: Array) -> Array:
        return (X - self.mu) / np.where(self.sigma > 0, self.sigma, 1.0)


class RobustScaler:
    """Робастное масштабирование: x' = (x − медиана) / IQR, IQR = Q₇₅ − Q₂₅; выбросы не влияют.

    >>> RobustScaler().fit(np.array([[1.0], [2.0], [3.0], [4.0], [1000.0]])).transform(np.array([[3.0]]))
    array([[0.]])
    """

    def fit(self, X: Array) -> RobustScaler:
        self.med = np.median(X, axis=0)
        q1, q3 = np.percentile(X, [25, 75], axis=0)
        self.iqr = np.where(q3 > q1, q3 - q1, 1.0)
        return self

    def transform(self, X: Array) -> Array:
        return (X - self.med) / self.iqr
# --8<-- [end:scalers]


# --8<-- [start:tabular]
def encode_tabular(num: Array, cat: Array, scaler: StandardScaler,
                   categories: list[Array]) -> Array:
    """Табличные признаки в одну матрицу: стандартизованные числа ‖ one-hot каждой категории.

    Неизвестная на обучении категория кодируется нулевым вектором.

    >>> cats = [np.array(["a", "b", "c"])]
    >>> sc = StandardScaler().fit(np.array([[0.0], [2.0]]))
    >>> encode_tabular(np.array([[2.0]]), np.array([["c"]]), sc, cats)
    array([[1., 0., 0., 1.]])
    """
    parts = [scaler.transform(num)]
    for j, values in enumerate(categories):
        parts.append((cat[:, j:j + 1] == values[None, :]).astype(float))
    return np.hstack(parts)
# --8<-- [end:tabular]


# --8<-- [start:gd]
def gd_path(X: Array, y: Array, lr: float, steps: int) -> Array:
    """Градиентный спуск для L(w) = ‖Xw − y‖² / 2N из w = 0; возвращает все точки пути.

    Гессиан H = XᵀX/N; шаг устойчив при η < 2/λ_max(H), а скорость по самому пологому
    направлению — (1 − η λ_min)^t: при числе обусловленности κ = λ_max/λ_min нужно ~κ шагов.

    >>> X = np.eye(2); gd_path(X, np.array([2.0, 2.0]), lr=2.0, steps=1)[-1]
    array([2., 2.])
    """
    w = np.zeros(X.shape[1])
    path = [w]
    for _ in range(steps):
        w = w - lr * X.T @ (X @ w - y) / len(X)
        path.append(w)
    return np.array(path)


def condition_number(X: Array) -> float:
    """κ(XᵀX) = λ_max / λ_min — во сколько раз самое крутое направление круче самого пологого.

    >>> round(condition_number(np.diag([1.0, 10.0])), 6)
    100.0
    """
    ev = np.linalg.eigvalsh(X.T @ X)
    return float(ev[-1] / ev[0])


def scaling_data(n: int = 200, seed: int = 0) -> tuple[Array, Array]:
    """Два центрированных признака разного масштаба: возраст (σ ≈ 10 лет) и доход
    (σ ≈ 100 тыс. ₽), слабо связанные; y = 0,5·возраст + 0,02·доход + шум."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n)
    income = 3 * age + rng.normal(100, 100, n)
    X = np.c_[age - age.mean(), income - income.mean()]
    return X, X @ np.array([0.5, 0.02]) + rng.normal(0, 1, n)
# --8<-- [end:gd]


def scaling_figure(standardize: bool, steps: int = 50) -> go.Figure:
    """Линии уровня потери и путь градиентного спуска с наибольшим устойчивым шагом ≈ 1/λ_max."""
    X, y = scaling_data()
    if standardize:
        X = StandardScaler().fit(X).transform(X)
    H = X.T @ X / len(X)
    lr = 1.0 / np.linalg.eigvalsh(H)[-1]
    path = gd_path(X, y, lr, steps)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    span = np.abs(w_star).max() * 1.6
    g = np.linspace(-span, span, 61)
    W1, W2 = np.meshgrid(g + w_star[0], g + w_star[1])
    Wf = np.stack([W1.ravel(), W2.ravel()])
    loss = (((X @ Wf) - y[:, None]) ** 2).mean(axis=0) / 2
    title = ("Стандартизованные признаки" if standardize else "Исходные признаки") + \
        f": κ = {condition_number(X):.3g}, {steps} шагов"
    fig = new_figure(title, "w₁", "w₂")
    fig.add_contour(x=(g + w_star[0]).round(4), y=(g + w_star[1]).round(4),
                    z=np.log10(loss.reshape(W1.shape)).round(3), showscale=False,
                    contours_coloring="lines", ncontours=25, name="log₁₀ L", hoverinfo="skip")
    fig.add_scatter(x=path[:, 0].round(4), y=path[:, 1].round(4), mode="lines+markers",
                    marker_size=4, name="градиентный спуск")
    fig.add_scatter(x=[w_star[0]], y=[w_star[1]], mode="markers", marker_symbol="star",
                    marker_size=14, name="минимум")
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig
