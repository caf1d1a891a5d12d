# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Крошечный NeRF на плоскости
#
# NeRF в двух измерениях: сцена — три цветных круга на плоскости, «камеры» стоят по окружности и
# снимают одномерные картинки (строку из 48 пикселей). Обучаем поле $F(\mathbf x)\mapsto(\sigma,\mathbf c)$
# только по этим снимкам и рендерим ракурсы, которых сеть не видела. Все формулы — как в
# трёхмерном NeRF: позиционное кодирование, стратифицированная выборка, квадратура объёмного
# рендеринга, MSE по пикселям. Упрощения: сцена матовая (цвет не зависит от направления), одна
# сеть без иерархической выборки. Теория — в [билете 12](../../tickets/12-nerf/).
# Запуск у себя: `python examples/tiny_nerf.py`.

# %%
import math

import numpy as np
import torch
from IPython.display import HTML, display
from torch import nn

from snippets._plotting import new_figure, show
from snippets.nerf import volume_render

torch.set_num_threads(1)          # сеть маленькая: второй поток только мешает

DISKS = [((-0.6, 0.3), 0.55, (0.9, 0.2, 0.2)),   # центр, радиус, цвет RGB
         ((0.7, 0.2), 0.45, (0.2, 0.4, 0.9)),
         ((0.0, -0.8), 0.40, (0.2, 0.75, 0.3))]


def scene(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Истинное поле: σ = 30 внутри кругов, 0 снаружи; цвет круга."""
    sigma = torch.zeros(p.shape[:-1])
    rgb = torch.zeros(p.shape[:-1] + (3,))
    for (cx, cy), r, col in DISKS:
        inside = (p[..., 0] - cx) ** 2 + (p[..., 1] - cy) ** 2 < r * r
        sigma = torch.where(inside, torch.tensor(30.0), sigma)
        rgb[inside] = torch.tensor(col)
    return sigma, rgb


# %% [markdown]
# **Камеры и лучи.** Камера на расстоянии 4 от центра смотрит в центр; у пикселя $u$ луч
# $\mathbf r(t) = \mathbf o + t\mathbf d$ отклонён от оси на угол $\arctan\big((u + \tfrac12 - \tfrac W2)/f\big)$,
# $f$ — фокусное расстояние в пикселях (поле зрения 50°). Точки берём на $t\in[2, 6]$.

# %%
W_PIX, FOV, RADIUS, T_NEAR, T_FAR = 48, math.radians(50), 4.0, 2.0, 6.0


def camera_rays(angle: float) -> tuple[torch.Tensor, torch.Tensor]:
    o = torch.tensor([RADIUS * math.cos(angle), RADIUS * math.sin(angle)])
    fwd = -o / RADIUS
    focal = (W_PIX / 2) / math.tan(FOV / 2)
    phi = torch.atan((torch.arange(W_PIX) + 0.5 - W_PIX / 2) / focal)
    c, s = torch.cos(phi), torch.sin(phi)
    d = torch.stack([c * fwd[0] - s * fwd[1], s * fwd[0] + c * fwd[1]], dim=-1)   # поворот fwd
    return o.expand(W_PIX, 2), d


def rays_of(angles: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
    o, d = zip(*(camera_rays(a) for a in angles))
    return torch.cat(o), torch.cat(d)


train_angles = [2 * math.pi * k / 16 for k in range(16)]
test_angles = [2 * math.pi * (k + 0.5) / 16 for k in (0, 5, 10)]     # между обучающими камерами

# %% [markdown]
# **Рендеринг в PyTorch** — те же формулы, что `volume_render` из `snippets/nerf.py`
# ($\alpha_i = 1 - e^{-\sigma_i\delta_i}$, $T_i = e^{-\sum_{j<i}\sigma_j\delta_j}$, белый фон), но на
# тензорах с autograd. Сначала сверим их на одних и тех же точках.

# %%
def render(field, o, d, n=24, generator=None):
    edges = torch.linspace(T_NEAR, T_FAR, n + 1)
    u = torch.full((len(o), n), 0.5) if generator is None else torch.rand(len(o), n, generator=generator)
    t = edges[:-1] + u * (edges[1:] - edges[:-1])                  # стратифицированная выборка
    sigma, rgb = field(o[:, None, :] + t[..., None] * d[:, None, :])
    delta = torch.diff(t, dim=-1, append=torch.full((len(o), 1), T_FAR))
    tau = sigma * delta
    T = torch.exp(-torch.cumsum(torch.cat([torch.zeros(len(o), 1), tau[:, :-1]], -1), -1))
    w = T * (1 - torch.exp(-tau))
    return (w[..., None] * rgb).sum(1) + (1 - w.sum(1))[:, None]


o, d = camera_rays(0.3)
ours = render(scene, o, d, n=64)
t = torch.linspace(T_NEAR, T_FAR, 65)[:-1] + 0.5 * (T_FAR - T_NEAR) / 64
sig, rgb = scene(o[:, None, :] + t[None, :, None] * d[:, None, :])
ref = volume_render(sig.numpy().astype(float), rgb.numpy().astype(float), np.tile(t.numpy(), (W_PIX, 1)),
                    T_FAR, background=1.0)["color"]
print("max |torch − snippets.nerf| =", float(np.abs(ours.numpy() - ref).max().round(7)))

# %% [markdown]
# Снимки: 16 обучающих камер (768 лучей) и 3 контрольные между ними. «Истинные» пиксели
# рендерим по истинному полю с 256 точками на луч.

# %%
O, D = rays_of(train_angles)
O_test, D_test = rays_of(test_angles)
with torch.no_grad():
    C, C_test = render(scene, O, D, n=256), render(scene, O_test, D_test, n=256)

# %% [markdown]
# **Поле.** $\gamma(\mathbf x)$ с $L = 6$ (плюс сами координаты), три слоя по 64 с ReLU; плотность
# через softplus (неотрицательна и не «умирает», как ReLU у маленькой сети), цвет через сигмоиду.

# %%
L_FREQ = 6


def encode(p: torch.Tensor) -> torch.Tensor:
    ang = p[..., None, :] * (2.0 ** torch.arange(L_FREQ) * math.pi)[:, None]
    return torch.cat([p, torch.sin(ang).flatten(-2), torch.cos(ang).flatten(-2)], dim=-1)


class Field(nn.Module):
    def __init__(self, width: int = 64, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.net = nn.Sequential(nn.Linear(2 + 4 * L_FREQ, width), nn.ReLU(),
                                 nn.Linear(width, width), nn.ReLU(),
                                 nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 4))

    def forward(self, p):
        out = self.net(encode(p / 2.0))                  # координаты сцены → [−1, 1]
        return 5 * nn.functional.softplus(out[..., 0]), torch.sigmoid(out[..., 1:])


def psnr(mse: float) -> float:
    return -10 * math.log10(mse)


model = Field()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
g = torch.Generator().manual_seed(0)
log = []
for step in range(301):
    idx = torch.randint(0, len(O), (128,), generator=g)          # пакет из 128 лучей
    loss = ((render(model, O[idx], D[idx], generator=g) - C[idx]) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 25 == 0:
        with torch.no_grad():
            test_mse = ((render(model, O_test, D_test, n=64) - C_test) ** 2).mean().item()
            train_mse = ((render(model, O, D, n=64) - C) ** 2).mean().item()
        log.append((step, psnr(train_mse), psnr(test_mse)))
print(f"PSNR на обучающих видах {log[-1][1]:.1f} дБ, на новых ракурсах {log[-1][2]:.1f} дБ")

# %%
fig = new_figure("Качество по шагам обучения", "шаг", "PSNR, дБ")
steps, tr, te = zip(*log)
fig.add_scatter(x=steps, y=np.round(tr, 2), name="обучающие камеры", mode="lines+markers")
fig.add_scatter(x=steps, y=np.round(te, 2), name="новые ракурсы", mode="lines+markers")
display(HTML(show(fig, "t12-tiny-nerf-psnr")))

# %% [markdown]
# **Новые ракурсы.** Каждая строка — одномерный снимок контрольной камеры: сверху истина,
# снизу рендер обученного поля.

# %%
with torch.no_grad():
    pred_test = render(model, O_test, D_test, n=64).clamp(0, 1).numpy()
fig = new_figure("Снимки с камер, которых не было в обучении", "пиксель", "", height=360)
for k in range(len(test_angles)):
    for row, (img, label) in enumerate([(C_test.numpy(), "истина"), (pred_test, "NeRF")]):
        block = img[k * W_PIX:(k + 1) * W_PIX]
        fig.add_scatter(x=list(range(W_PIX)), y=[3 * k + (1 - row)] * W_PIX, mode="markers",
                        marker=dict(symbol="square", size=11,
                                    color=[f"rgb({r:.0f},{g_:.0f},{b:.0f})" for r, g_, b in 255 * block]),
                        name=f"камера {k + 1}: {label}", showlegend=False,
                        hovertemplate=f"камера {k + 1}, {label}, пиксель %{{x}}<extra></extra>")
fig.update_yaxes(tickvals=[3 * k + r for k in range(3) for r in (1, 0)],
                 ticktext=[f"кам. {k + 1}: {s}" for k in range(3) for s in ("истина", "NeRF")])
display(HTML(show(fig, "t12-tiny-nerf-views")))

# %% [markdown]
# **Выученная геометрия.** Плотность $\sigma$ на сетке плоскости; пунктир — истинные круги:
# сеть восстановила их форму только по одномерным снимкам. В углах квадрата — «плавающие»
# сгустки (floaters): туда почти не попадают лучи камер, и данные плотность там не ограничивают.
# Та же беда у настоящего NeRF в плохо покрытых снимками областях.

# %%
grid = torch.linspace(-2, 2, 81)
gx, gy = torch.meshgrid(grid, grid, indexing="xy")
with torch.no_grad():
    sig_pred, _ = model(torch.stack([gx, gy], -1))
fig = new_figure("Плотность σ, выученная по снимкам", "x", "y", width=560, height=540)
fig.add_heatmap(x=grid.numpy().round(3), y=grid.numpy().round(3),
                z=sig_pred.numpy().round(2), zmin=0, zmax=40, colorscale="Viridis",
                colorbar=dict(title="σ"))
circle = np.linspace(0, 2 * np.pi, 60)
for (cx, cy), r, _ in DISKS:
    fig.add_scatter(x=(cx + r * np.cos(circle)).round(3), y=(cy + r * np.sin(circle)).round(3),
                    mode="lines", line=dict(color="white", dash="dot"), showlegend=False,
                    hoverinfo="skip")
fig.update_yaxes(scaleanchor="x")
display(HTML(show(fig, "t12-tiny-nerf-density")))
