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


# ---------------------------------------------------------------- камера, NDC, метрики, SDF

# --8<-- [start:camera]
def camera_rays(height: int, width: int, focal: float, c2w: Array) -> tuple[Array, Array]:
    """Лучи через центры пикселей камеры-обскуры (pinhole). Пиксель (u, v) = (i + ½, j + ½):
    направление в системе камеры d_cam = ((u − W/2)/f, −(v − H/2)/f, −1) = K⁻¹(u, v, 1) с
    осями OpenGL (камера смотрит вдоль −z, y вверх, как в коде NeRF); в мире d = R·d_cam,
    o = t, где c2w = [R | t] (3×4) — поза «камера → мир».

    Возвращает (o, d) формы (H, W, 3); d не нормированы (z-компонента в системе камеры −1).

    >>> o, d = camera_rays(2, 2, 1.0, np.hstack([np.eye(3), [[0.0], [0.0], [5.0]]]))
    >>> o[0, 0].tolist(), d[0, 0].tolist()            # левый верхний пиксель
    ([0.0, 0.0, 5.0], [-0.5, 0.5, -1.0])
    """
    i, j = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5, indexing="xy")
    dirs = np.stack([(i - width / 2) / focal, -(j - height / 2) / focal, -np.ones_like(i)], -1)
    d = dirs @ c2w[:3, :3].T
    return np.broadcast_to(c2w[:3, 3], d.shape).copy(), d
# --8<-- [end:camera]


# --8<-- [start:ndc]
def ndc_rays(o: Array, d: Array, height: int, width: int, focal: float,
             near: float = 1.0) -> tuple[Array, Array]:
    """Лучи в нормированных координатах устройства (NDC) для фронтальных сцен (Mildenhall et al.,
    2020, прил. C, ур. 25–26), дальняя граница — бесконечность. Сначала o сдвигается на плоскость
    z = −near, затем
    o' = (−f/(W/2)·o_x/o_z, −f/(H/2)·o_y/o_z, 1 + 2n/o_z),
    d' = (−f/(W/2)·(d_x/d_z − o_x/o_z), −f/(H/2)·(d_y/d_z − o_y/o_z), −2n/o_z).
    Точка o + t·d переходит в o' + t'·d', t' = 1 − o_z/(o_z + t·d_z) ∈ [0, 1): t' линейна по
    обратной глубине (disparity), и равномерные t' ∈ [0, 1] покрывают глубины от near до ∞.

    >>> o2, d2 = ndc_rays(np.array([0.0, 0.0, 0.0]), np.array([0.0, 0.0, -1.0]), 2, 2, 1.0)
    >>> o2.tolist(), d2.tolist()                      # луч по оси: от z' = −1 к z' = 1
    ([-0.0, -0.0, -1.0], [-0.0, -0.0, 2.0])
    """
    t_n = -(near + o[..., 2]) / d[..., 2]
    o = o + t_n[..., None] * d                                      # на плоскость z = −near
    ax, ay = -focal / (width / 2), -focal / (height / 2)
    ox, oy, oz = o[..., 0], o[..., 1], o[..., 2]
    dx, dy, dz = d[..., 0], d[..., 1], d[..., 2]
    o_ndc = np.stack([ax * ox / oz, ay * oy / oz, 1 + 2 * near / oz], -1)
    d_ndc = np.stack([ax * (dx / dz - ox / oz), ay * (dy / dz - oy / oz), -2 * near / oz], -1)
    return o_ndc, d_ndc
# --8<-- [end:ndc]


# --8<-- [start:contract]
def contract(x: Array) -> Array:
    """Сжатие неограниченной сцены в шар радиуса 2 (mip-NeRF 360; Barron et al., 2022):
    contract(x) = x при ‖x‖ ≤ 1, иначе (2 − 1/‖x‖)·x/‖x‖. Бесконечность уходит на сферу ‖·‖ = 2,
    а дальние области получают место, пропорциональное обратной дальности (disparity).

    >>> contract(np.array([[0.5, 0.0, 0.0], [4.0, 0.0, 0.0]])).tolist()
    [[0.5, 0.0, 0.0], [1.75, 0.0, 0.0]]
    """
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.where(n <= 1, x, (2 - 1 / np.maximum(n, 1)) * x / np.maximum(n, 1e-12))
# --8<-- [end:contract]


# --8<-- [start:psnr]
def psnr(pred: Array, target: Array, max_val: float = 1.0) -> float:
    """Пиковое отношение сигнал/шум: PSNR = 10·log₁₀(max² / MSE) в дБ; +10 дБ — MSE меньше в 10 раз.

    >>> psnr(np.full(4, 0.5), np.full(4, 0.6))            # MSE = 0,01 → 20 дБ
    20.0
    """
    mse = float(np.mean((np.asarray(pred, float) - np.asarray(target, float)) ** 2))
    return float(np.round(10 * np.log10(max_val ** 2 / mse), 10))
# --8<-- [end:psnr]


# --8<-- [start:volsdf]
def sdf_to_density(sdf: Array, beta: float) -> Array:
    """Плотность из знакового расстояния (VolSDF; Yariv et al., 2021): σ = α·Ψ_β(−d), α = 1/β,
    Ψ_β — функция распределения Лапласа(0, β): Ψ_β(s) = ½e^{s/β} при s ≤ 0, 1 − ½e^{−s/β} при s > 0.
    d < 0 внутри: там σ → 1/β, снаружи σ → 0; на поверхности σ = 1/(2β). При β → 0 плотность —
    ступенька на поверхности, и объёмный рендеринг переходит в рендеринг поверхности.

    >>> sdf_to_density(np.array([-2.0, 0.0, 2.0]), 0.5).round(4).tolist()   # внутри, на, снаружи
    [1.9817, 1.0, 0.0183]
    """
    s = -np.asarray(sdf, dtype=float)
    cdf = np.where(s <= 0, 0.5 * np.exp(np.minimum(s, 0) / beta),
                   1 - 0.5 * np.exp(-np.maximum(s, 0) / beta))
    return cdf / beta
# --8<-- [end:volsdf]


SDF_BETAS = (0.5, 0.2, 0.1, 0.05, 0.02)
SURFACE_T = 3.0                          # луч перпендикулярен плоскости: d(t) = 3 − t


def sdf_ray(beta: float, n: int = 400, t_far: float = 6.0) -> dict[str, Array]:
    """Рендеринг луча, пересекающего плоскость в t = 3 под прямым углом: SDF вдоль луча d(t) = 3 − t,
    σ = sdf_to_density(d, β), веса wᵢ и глубина D = Σ wᵢ tᵢ (volume_render на n точках)."""
    t = stratified_samples(0.0, t_far, n)
    sigma = sdf_to_density(SURFACE_T - t, beta)
    out = volume_render(sigma, np.ones((n, 3)), t, t_far)
    return {"t": t, "sigma": sigma, **out}


def sdf_ray_traces(beta: float) -> list:
    """Трассы кадра: σ·β (чтобы шкала не зависела от β) и веса wᵢ/δ (плотность вероятности)."""
    r = sdf_ray(beta)
    delta = r["t"][1] - r["t"][0]
    return [go.Scatter(x=r["t"][::2].round(3), y=(r["sigma"] * beta)[::2].round(4), mode="lines",
                       name="σ(t)·β"),
            go.Scatter(x=r["t"][::2].round(3), y=(r["weights"] / delta)[::2].round(4),
                       mode="lines", name="веса wᵢ/δ (плотность точки остановки)")]


def sdf_beta_figure(betas: tuple[float, ...] = SDF_BETAS, active: int = 2) -> go.Figure:
    """Ползунок по β: как из SDF получается плотность и где луч «останавливается»."""
    from snippets._plotting import explorable

    fig = explorable("Плотность из SDF (VolSDF)", "расстояние вдоль луча t", "значение",
                     "β", list(betas), sdf_ray_traces, active=active,
                     title_for=lambda b: (f"VolSDF, β = {b:g}<br>глубина Σwᵢtᵢ = "
                                          f"{float(sdf_ray(b)['depth']):.3f} (поверхность — 3)"),
                     )
    fig.add_vline(x=SURFACE_T, line=dict(dash="dot", color="gray"),
                  annotation_text="поверхность d = 0")
    fig.update_xaxes(range=[1.5, 4.5])
    return fig
