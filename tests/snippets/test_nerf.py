"""NeRF: позиционное кодирование, квадратура объёмного рендеринга против аналитических ответов,
стратифицированная и иерархическая выборка."""

import numpy as np
import pytest
from scipy import integrate

from snippets._plotting import trace_types
from snippets.nerf import (
    nerf_mlp_parameters,
    positional_encoding,
    ray_figure,
    sample_pdf,
    slab_scene,
    stratified_samples,
    volume_render,
)


def test_positional_encoding_matches_definition():
    rng = np.random.default_rng(0)
    p = rng.uniform(-1, 1, size=(5, 3))
    enc = positional_encoding(p, 10)
    assert enc.shape == (5, 60)
    assert positional_encoding(p, 4, include_input=True).shape == (5, 3 + 24)
    # наивный цикл по формуле статьи: γ(p) = (sin(2^k π p), cos(2^k π p))_k для каждой координаты
    ref = np.stack([np.concatenate([[f(2**k * np.pi * x[c]) for c in range(3)]
                                    for k in range(10) for f in (np.sin, np.cos)]) for x in p])
    np.testing.assert_allclose(enc, ref, atol=1e-12)
    np.testing.assert_allclose(positional_encoding(p, 4, include_input=True)[:, :3], p)


def test_positional_encoding_kernel_is_shift_invariant():
    # γ(p)·γ(q) = Σ_k cos(2^k π (p − q)): стационарное ядро, зависит только от p − q
    p, q = np.array([0.3]), np.array([-0.45])
    dot = positional_encoding(p, 6) @ positional_encoding(q, 6)
    np.testing.assert_allclose(dot, sum(np.cos(2**k * np.pi * (p - q)[0]) for k in range(6)))
    assert np.isclose(positional_encoding(p, 6) @ positional_encoding(p, 6), 6.0)  # ‖γ‖² = L


@pytest.mark.parametrize("sigma", [0.3, 2.0, 50.0])
def test_homogeneous_slab_is_exact(sigma):
    # σ на [a, b], цвет c, фон bg: C = c·(1 − e^{−σL}) + bg·e^{−σL}; границы совпадают с сеткой,
    # плотность кусочно-постоянна — квадратура точна
    a, b, t_far, n = 1.0, 2.5, 4.0, 400
    t = np.linspace(0.0, t_far, n, endpoint=False)          # левые концы интервалов δ = 0,01
    dens = np.where((t >= a - 1e-9) & (t < b - 1e-9), sigma, 0.0)
    c, bg = np.array([0.2, 0.7, 0.1]), np.array([1.0, 1.0, 1.0])
    out = volume_render(dens, np.broadcast_to(c, (n, 3)), t, t_far, background=bg)
    opacity = 1 - np.exp(-sigma * (b - a))
    np.testing.assert_allclose(out["acc"], opacity, rtol=1e-10)
    np.testing.assert_allclose(out["color"], c * opacity + bg * (1 - opacity), rtol=1e-10)
    # ожидаемая глубина: ∫ t σ e^{−σ(t−a)} dt = a·O + O/σ − L e^{−σL}, O — непрозрачность
    depth = a * opacity + opacity / sigma - (b - a) * np.exp(-sigma * (b - a))
    assert abs(out["depth"] - depth) < 0.01 + 1e-3 * sigma   # квадратура по левым концам: O(δ)


def test_two_slabs_figure_scene_analytic():
    t = np.linspace(0.0, 6.0, 600, endpoint=False)
    out = volume_render(*slab_scene(t + 1e-9), t, 6.0)
    o1, o2 = 1 - np.exp(-0.5), 1 - np.exp(-8.0)
    np.testing.assert_allclose(out["color"], [(1 - o1) * o2, 0.0, o1], rtol=1e-8)


def test_transmittance_product_form_matches_official_cumprod():
    # код авторов: weights = α · cumprod(1 − α), исключающий; у нас — exp(−cumsum(σδ))
    rng = np.random.default_rng(1)
    sigma = rng.exponential(2.0, size=(7, 64))
    t = np.sort(rng.uniform(2, 6, size=(7, 64)), axis=-1)
    out = volume_render(sigma, rng.random((7, 64, 3)), t, 6.0)
    alpha = out["alpha"]
    T_ref = np.cumprod(np.concatenate([np.ones((7, 1)), 1 - alpha[:, :-1]], -1), -1)
    np.testing.assert_allclose(out["T"], T_ref, rtol=1e-10)
    np.testing.assert_allclose(out["acc"], 1 - np.prod(1 - alpha, -1), rtol=1e-10)
    assert np.all(np.diff(out["T"], axis=-1) <= 0) and np.all(out["acc"] <= 1)


def test_smooth_density_converges_to_integral():
    # 1 − exp(−∫σ dt) для гладкой σ(t) = 3·exp(−(t − 3)²/0,1) по scipy.integrate.quad
    dens = lambda t: 3.0 * np.exp(-((t - 3.0) ** 2) / 0.1)
    integral, _ = integrate.quad(dens, 0.0, 6.0)
    t = np.linspace(0.0, 6.0, 4000, endpoint=False)
    out = volume_render(dens(t), np.ones((4000, 3)), t, 6.0)
    np.testing.assert_allclose(out["acc"], 1 - np.exp(-integral), rtol=1e-4)


def test_opaque_wall_depth_and_color():
    t = stratified_samples(0.0, 10.0, 100)
    dens = np.where(t > 4.0, 1e4, 0.0)
    rgb = np.zeros((100, 3)); rgb[:, 1] = 1.0
    out = volume_render(dens, rgb, t, 10.0)
    assert abs(out["depth"] - t[t > 4.0][0]) < 1e-9          # вся масса — в первой точке за стеной
    np.testing.assert_allclose(out["color"], [0.0, 1.0, 0.0])


def test_stratified_one_sample_per_bin():
    rng = np.random.default_rng(2)
    t = np.stack([stratified_samples(2.0, 6.0, 8, rng) for _ in range(2000)])
    edges = np.linspace(2.0, 6.0, 9)
    assert np.all((t >= edges[:-1]) & (t < edges[1:]))
    np.testing.assert_allclose(t.mean(0), stratified_samples(2.0, 6.0, 8), atol=0.02)


def test_sample_pdf_matches_interp_inverse_cdf():
    rng = np.random.default_rng(3)
    edges = np.sort(rng.uniform(0, 5, 11))
    w = rng.random(10) + 0.01                                # все веса положительны
    u = (np.arange(50) + 0.5) / 50
    cdf = np.concatenate([[0], np.cumsum(w / w.sum())])
    np.testing.assert_allclose(sample_pdf(edges, w, 50), np.interp(u, cdf, edges), atol=1e-12)


def test_sample_pdf_histogram_follows_weights():
    rng = np.random.default_rng(4)
    edges = np.linspace(0.0, 4.0, 5)
    w = np.array([0.1, 0.0, 0.6, 0.3])
    s = sample_pdf(edges, w, 20_000, rng)
    counts = np.histogram(s, bins=edges)[0] / 20_000
    np.testing.assert_allclose(counts, w, atol=0.01)
    assert counts[1] == 0                                    # в пустую корзину не попадает ничего
    assert np.all(np.diff(sample_pdf(edges, w, 100)) >= 0)


def test_ray_figure():
    fig = ray_figure()
    assert trace_types(fig) <= {"scatter", "bar"}
    fine = np.array(fig.data[-1].x)
    # тонкая выборка сосредоточена у поверхностей: > 80 % точек в слоях [2, 3] и [4, 5]
    assert np.mean(((fine >= 1.8) & (fine <= 3.2)) | ((fine >= 3.8) & (fine <= 5.2))) > 0.8


def test_nerf_mlp_parameters_match_torch_definition():
    from torch import nn

    W, dx, dd = 256, 63, 27                                  # код авторов: skips=[4], use_viewdirs
    trunk = [nn.Linear(dx, W)] + [nn.Linear(W + dx if i == 4 else W, W) for i in range(7)]
    heads = [nn.Linear(W, 1), nn.Linear(W, W), nn.Linear(W + dd, W // 2), nn.Linear(W // 2, 3)]
    count = sum(p.numel() for m in trunk + heads for p in m.parameters())
    assert nerf_mlp_parameters() == count == 595_844
    assert 2 * count * 4 / 1e6 < 5                          # грубая + тонкая сети в float32 < 5 МБ


# ------------------------------------------------------------ камера, NDC, сжатие, PSNR, SDF

from snippets._plotting import frame_traces, same_traces  # noqa: E402
from snippets.nerf import (  # noqa: E402
    SDF_BETAS,
    camera_rays,
    contract,
    ndc_rays,
    psnr,
    sdf_beta_figure,
    sdf_ray,
    sdf_ray_traces,
    sdf_to_density,
)


def _rotation(seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    return q * np.sign(np.linalg.det(q))                     # det = +1


def test_camera_rays_project_back_to_pixel_centers():
    # точка o + s·d, переведённая обратно в систему камеры и спроецированная, — центр пикселя
    H, W, f = 5, 7, 6.0
    c2w = np.hstack([_rotation(0), [[1.0], [-2.0], [3.0]]])
    o, d = camera_rays(H, W, f, c2w)
    p = o + 2.7 * d
    cam = (p - c2w[:3, 3]) @ c2w[:3, :3]                    # Rᵀ(p − t) построчно
    u = f * cam[..., 0] / -cam[..., 2] + W / 2
    v = -f * cam[..., 1] / -cam[..., 2] + H / 2
    jj, ii = np.mgrid[0:H, 0:W]
    np.testing.assert_allclose(u, ii + 0.5, atol=1e-10)
    np.testing.assert_allclose(v, jj + 0.5, atol=1e-10)
    np.testing.assert_allclose(o, np.broadcast_to(c2w[:3, 3], o.shape))


def test_ndc_rays_trace_the_projected_ray():
    # π(o + t·d) = o' + t'·d', t' = 1 − o_z/(o_z + t·d_z) (o — уже на плоскости z = −near)
    H, W, f, near = 6, 8, 5.0, 1.0
    o, d = camera_rays(H, W, f, np.hstack([np.eye(3), [[0.1], [-0.2], [0.3]]]))
    o_ndc, d_ndc = ndc_rays(o, d, H, W, f, near)
    o_near = o + (-(near + o[..., 2]) / d[..., 2])[..., None] * d
    ax, ay = -f / (W / 2), -f / (H / 2)
    for t in (0.0, 0.5, 3.0, 40.0):
        x = o_near + t * d
        proj = np.stack([ax * x[..., 0] / x[..., 2], ay * x[..., 1] / x[..., 2],
                         1 + 2 * near / x[..., 2]], -1)
        t_ndc = 1 - o_near[..., 2] / (o_near[..., 2] + t * d[..., 2])
        np.testing.assert_allclose(proj, o_ndc + t_ndc[..., None] * d_ndc, atol=1e-10)
    np.testing.assert_allclose(o_ndc[..., 2], -1.0)              # начало — ближняя плоскость NDC
    np.testing.assert_allclose((o_ndc + d_ndc)[..., 2], 1.0)     # t' = 1 — бесконечность


def test_contract_is_continuous_and_bounded():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(1000, 3)) * rng.exponential(10, size=(1000, 1))
    y = contract(x)
    n = np.linalg.norm(y, axis=-1)
    assert np.all(n < 2)
    inner = np.linalg.norm(x, axis=-1) <= 1
    np.testing.assert_allclose(y[inner], x[inner])
    np.testing.assert_allclose(n[~inner], 2 - 1 / np.linalg.norm(x[~inner], axis=-1))
    u = np.array([[0.0, 0.6, 0.8]])                              # на единичной сфере — без скачка
    np.testing.assert_allclose(contract(u * (1 + 1e-9)), u, atol=1e-8)


def test_psnr_definition():
    rng = np.random.default_rng(6)
    a, b = rng.random((8, 8, 3)), rng.random((8, 8, 3))
    assert np.isclose(psnr(a, b), -10 * np.log10(np.mean((a - b) ** 2)))
    assert np.isclose(psnr(a, a + 0.1), 20.0) and np.isclose(psnr(a, a + 0.01), 40.0)


def test_sdf_density_is_laplace_cdf():
    beta = 0.3
    s = np.linspace(-3, 3, 61)
    sigma = sdf_to_density(-s, beta)                             # d = −s
    np.testing.assert_allclose(sigma * beta, np.where(s <= 0, 0.5 * np.exp(s / beta),
                                                      1 - 0.5 * np.exp(-s / beta)))
    assert np.all(np.diff(sigma) > 0)                            # растёт вглубь объекта
    assert np.isclose(sdf_to_density(0.0, beta), 1 / (2 * beta))
    # производная по s — плотность Лапласа / β: численно
    ds = 1e-6
    lap = np.exp(-np.abs(s) / beta) / (2 * beta)
    np.testing.assert_allclose((sdf_to_density(-(s + ds), beta) - sdf_to_density(-s, beta)) / ds
                               * beta, lap, rtol=1e-4)


def test_sdf_ray_depth_bias_shrinks_with_beta():
    depths = [float(sdf_ray(b)["depth"]) for b in SDF_BETAS]
    bias = np.array(depths) - 3.0
    assert np.all(bias > 0) and np.all(np.diff(bias) < 0)         # луч заходит внутрь на глубину порядка β
    assert bias[-1] < 0.01 and bias[0] > 0.1
    assert all(float(sdf_ray(b)["acc"]) > 0.99 for b in SDF_BETAS)


def test_sdf_beta_figure_frames_match_function():
    fig = sdf_beta_figure()
    for i in (0, 3):
        assert same_traces(frame_traces(fig, i), sdf_ray_traces(SDF_BETAS[i]))
    assert len(fig.layout.sliders[0].steps) == len(SDF_BETAS)
