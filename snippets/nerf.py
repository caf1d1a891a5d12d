"""NeRF по шагам (NumPy): позиционное кодирование, объёмный рендеринг (квадратура), стратифицированная
и иерархическая выборка точек на луче.

Mildenhall et al. (2020), *NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis*.
Луч r(t) = o + t·d, t ∈ [t_n, t_f]; σ — плотность, c — цвет (RGB) в точках луча.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray


# --8<-- [start:encoding]
def positional_encoding(p: Array, n_freqs: int, include_input: bool = False) -> Array:
    """γ(p) = (sin(2⁰πp), cos(2⁰πp), …, sin(2^{L−1}πp), cos(2^{L−1}πp)) для каждой координаты p.

    p формы (…, D) → (…, 2·L·D) (+D, если include_input, как в коде авторов NeRF).
    В NeRF L = 10 для координат x (60 чисел) и L = 4 для направления d (24 числа).

    >>> positional_encoding(np.zeros((1, 3)), 10).shape, positional_encoding(np.zeros(3), 4).shape
    ((1, 60), (24,))
    >>> positional_encoding(np.array([0.5]), 2).round(6).tolist()   # sin π/2, cos π/2, sin π, cos π
    [1.0, 0.0, 0.0, -1.0]
    """
    p = np.asarray(p, dtype=float)
    freqs = 2.0 ** np.arange(n_freqs) * np.pi                        # 2^k π, k = 0…L−1
    angles = p[..., None, :] * freqs[:, None]                        # (…, L, D)
    enc = np.stack([np.sin(angles), np.cos(angles)], axis=-2)        # (…, L, 2, D)
    enc = enc.reshape(*p.shape[:-1], 2 * n_freqs * p.shape[-1])
    return np.concatenate([p, enc], axis=-1) if include_input else enc
# --8<-- [end:encoding]


# --8<-- [start:render]
def volume_render(sigma: Array, rgb: Array, t: Array, t_far: float,
                  background: Array | float = 0.0) -> dict[str, Array]:
    """Квадратура интеграла объёмного рендеринга (Mildenhall et al., 2020, ур. 3):

    Ĉ(r) = Σᵢ Tᵢ αᵢ cᵢ,  αᵢ = 1 − exp(−σᵢ δᵢ),  Tᵢ = exp(−Σ_{j<i} σⱼ δⱼ) = Π_{j<i} (1 − αⱼ),
    δᵢ = t_{i+1} − tᵢ (последний интервал — до t_far). wᵢ = Tᵢ αᵢ — веса точек.

    sigma (…, N), rgb (…, N, 3), t (…, N) по возрастанию. Возвращает color (с фоном за
    непрозрачностью 1 − Σwᵢ), depth = Σ wᵢ tᵢ, acc = Σ wᵢ (непрозрачность), weights, T, alpha.

    >>> out = volume_render(np.array([0.0, np.log(2.0)]), np.ones((2, 3)), np.array([0.0, 1.0]), 2.0)
    >>> out["alpha"].tolist(), out["weights"].tolist(), float(out["acc"])
    ([0.0, 0.5], [0.0, 0.5], 0.5)
    """
    t = np.asarray(t, dtype=float)
    delta = np.diff(t, axis=-1, append=np.broadcast_to(t_far, t.shape[:-1] + (1,)))
    tau = sigma * delta                                        # оптическая толщина интервала
    alpha = 1.0 - np.exp(-tau)
    # T_i = exp(−сумма по j < i): исключающая кумулятивная сумма
    T = np.exp(-np.concatenate([np.zeros_like(tau[..., :1]), np.cumsum(tau, -1)[..., :-1]], -1))
    weights = T * alpha
    acc = weights.sum(-1)
    color = (weights[..., None] * rgb).sum(-2) + (1.0 - acc)[..., None] * background
    return {"color": color, "depth": (weights * t).sum(-1), "acc": acc,
            "weights": weights, "T": T, "alpha": alpha}
# --8<-- [end:render]


# --8<-- [start:sampling]
def stratified_samples(t_near: float, t_far: float, n: int,
                       rng: np.random.Generator | None = None) -> Array:
    """tᵢ ~ U[t_n + (i−1)/N·(t_f − t_n), t_n + i/N·(t_f − t_n)]: по одной точке в каждой из N
    равных корзин (ур. 2 статьи). Без rng — середины корзин (детерминированно, для инференса).

    >>> stratified_samples(2.0, 6.0, 4).tolist()
    [2.5, 3.5, 4.5, 5.5]
    """
    edges = np.linspace(t_near, t_far, n + 1)
    u = 0.5 * np.ones(n) if rng is None else rng.random(n)
    return edges[:-1] + u * np.diff(edges)


def sample_pdf(edges: Array, weights: Array, n: int,
               rng: np.random.Generator | None = None) -> Array:
    """Иерархическая выборка: n точек из кусочно-постоянной плотности p_i = wᵢ / Σwⱼ на корзинах
    [edges_i, edges_{i+1}] обращением функции распределения (inverse transform sampling).

    Веса wᵢ = Tᵢαᵢ грубой сети; точки тонкой сети ложатся туда, где луч «видит» поверхность.
    Без rng — u на равномерной сетке (детерминированно).

    >>> sample_pdf(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.0]), 4).tolist()
    [1.125, 1.375, 1.625, 1.875]
    """
    pdf = weights / weights.sum()
    cdf = np.concatenate([[0.0], np.cumsum(pdf)])                    # F(edges_i)
    u = (np.arange(n) + 0.5) / n if rng is None else np.sort(rng.random(n))
    i = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, len(pdf) - 1)   # корзина для u
    frac = (u - cdf[i]) / np.where(pdf[i] > 0, pdf[i], 1.0)          # доля пути внутри корзины
    frac = np.clip(frac, 0.0, 1.0)                                   # защита от округления cdf
    return edges[i] + frac * (edges[i + 1] - edges[i])
# --8<-- [end:sampling]


# --8<-- [start:mlp]
def nerf_mlp_parameters(l_x: int = 10, l_d: int = 4, width: int = 256) -> int:
    """Параметры одной MLP NeRF (архитектура из приложения статьи и кода авторов): γ(x) (3 + 6L_x
    чисел) → 8 слоёв по 256 с ReLU, γ(x) подклеивается ко входу шестого слоя; выход σ (1 число) и
    признак 256; [признак ‖ γ(d)] → 128 → RGB.

    >>> nerf_mlp_parameters()
    595844
    """
    dx, dd = 3 + 6 * l_x, 3 + 6 * l_d                    # 63 и 27 с самими координатами
    dense = lambda i, o: i * o + o                       # веса + смещения
    trunk = dense(dx, width) + 6 * dense(width, width) + dense(width + dx, width)
    heads = dense(width, 1) + dense(width, width) + dense(width + dd, width // 2) + dense(width // 2, 3)
    return trunk + heads
# --8<-- [end:mlp]


def slab_scene(t: Array) -> tuple[Array, Array]:
    """Синтетическая сцена на луче: полупрозрачный синий слой σ = 0,5 на [2, 3] и непрозрачный
    красный σ = 8 на [4, 5]. Возвращает (σ(t), rgb(t)).

    >>> s, c = slab_scene(np.array([1.0, 2.5, 4.5])); s.tolist(), c[2].tolist()
    ([0.0, 0.5, 8.0], [1.0, 0.0, 0.0])
    """
    t = np.asarray(t, dtype=float)
    blue, red = (t >= 2) & (t < 3), (t >= 4) & (t < 5)
    sigma = 0.5 * blue + 8.0 * red
    rgb = np.zeros(t.shape + (3,))
    rgb[blue] = [0.0, 0.0, 1.0]
    rgb[red] = [1.0, 0.0, 0.0]
    return sigma, rgb


def ray_figure(n_coarse: int = 32, n_fine: int = 64, seed: int = 0) -> go.Figure:
    """σ(t), Tᵢ и веса wᵢ на луче через slab_scene; точки грубой (стратифицированной) и тонкой
    (иерархической) выборки."""
    rng = np.random.default_rng(seed)
    t_near, t_far = 0.0, 6.0
    t_c = stratified_samples(t_near, t_far, n_coarse, rng)
    out = volume_render(*slab_scene(t_c), t_c, t_far)
    edges = np.concatenate([[t_near], 0.5 * (t_c[1:] + t_c[:-1]), [t_far]])
    t_f = sample_pdf(edges, out["weights"] + 1e-5, n_fine, rng)
    grid = np.linspace(t_near, t_far, 601)
    fig = new_figure("Объёмный рендеринг на одном луче", "расстояние вдоль луча t", "значение")
    fig.add_scatter(x=grid, y=slab_scene(grid)[0] / 8, name="σ(t) / 8", mode="lines",
                    line=dict(shape="hv"))
    fig.add_scatter(x=t_c.round(3), y=out["T"].round(4), name="пропускание Tᵢ",
                    mode="lines+markers")
    fig.add_bar(x=t_c.round(3), y=out["weights"].round(4), name="веса wᵢ = Tᵢαᵢ",
                width=0.6 * (t_far - t_near) / n_coarse, opacity=0.7)
    fig.add_scatter(x=t_c.round(3), y=np.full(n_coarse, -0.08), mode="markers",
                    name="грубая выборка", marker=dict(symbol="line-ns-open", size=12))
    fig.add_scatter(x=t_f.round(3), y=np.full(n_fine, -0.16), mode="markers",
                    name="тонкая выборка", marker=dict(symbol="line-ns-open", size=12))
    fig.update_layout(legend=dict(orientation="h", y=-0.25, yanchor="top"))
    return fig
