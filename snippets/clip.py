"""CLIP (Radford et al., 2021): симметричная контрастивная потеря InfoNCE с обучаемой температурой
и классификация без обучения (zero-shot) по текстовым подсказкам — на игрушечных «модальностях».

Игрушка: у класса c есть скрытый прототип z_c ∈ R^k. «Изображение» — нелинейная проекция
z_c + шум в R^32, «подпись» — другая линейная проекция z_c + шум в R^16, «подсказка» класса
(«a photo of a {c}») — проекция z_c без шума. Энкодеры видят только пары (изображение, подпись).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread

Tensor = torch.Tensor


# --8<-- [start:loss]
def clip_loss(img_emb: Tensor, txt_emb: Tensor, logit_scale: Tensor) -> Tensor:
    """Симметричная InfoNCE: uᵢ, vⱼ — L2-нормированные эмбеддинги, sᵢⱼ = e^{t}·uᵢᵀvⱼ (e^{t} = 1/τ),
    L = ½·[ −1/N Σᵢ log softmaxⱼ(sᵢⱼ)|ⱼ₌ᵢ  −  1/N Σⱼ log softmaxᵢ(sᵢⱼ)|ᵢ₌ⱼ ]:
    изображение ищет свою подпись среди N подписей пакета, и наоборот.

    >>> e = torch.eye(3)                                     # идеальные пары, ортогональные
    >>> round(clip_loss(e, e, torch.tensor(0.0)).item(), 4)  # log(e + 2) − 1 при τ = 1
    0.5514
    """
    u = img_emb / img_emb.norm(dim=-1, keepdim=True)
    v = txt_emb / txt_emb.norm(dim=-1, keepdim=True)
    s = logit_scale.exp() * u @ v.T                           # (N, N), пары на диагонали
    log_p_i2t = s - torch.logsumexp(s, dim=1, keepdim=True)   # softmax по подписям (строки)
    log_p_t2i = s - torch.logsumexp(s, dim=0, keepdim=True)   # softmax по изображениям (столбцы)
    return -(log_p_i2t.diagonal().mean() + log_p_t2i.diagonal().mean()) / 2
# --8<-- [end:loss]


class ToyCLIP(nn.Module):
    """Два энкодера в общее пространство размерности d и обучаемый t = log(1/τ),
    инициализация τ = 0,07, ограничение e^t ≤ 100 (как в CLIP)."""

    def __init__(self, d_img: int = 32, d_txt: int = 16, d: int = 16, seed: int = 0):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.image_encoder = nn.Sequential(nn.Linear(d_img, 64), nn.ReLU(), nn.Linear(64, d))
            self.text_encoder = nn.Linear(d_txt, d)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def forward(self, img: Tensor, txt: Tensor) -> Tensor:
        return clip_loss(self.image_encoder(img), self.text_encoder(txt),
                         self.logit_scale.clamp(max=math.log(100.0)))


class ToyWorld:
    """Генератор игрушечных пар; всё детерминировано seed'ом."""

    def __init__(self, n_classes: int = 40, k: int = 8, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        self.protos = torch.randn(n_classes, k, generator=g)
        self.A = torch.randn(k, 32, generator=g) / math.sqrt(k)   # «камера»
        self.B = torch.randn(k, 16, generator=g) / math.sqrt(k)   # «язык»

    def images(self, cls: Tensor, g: torch.Generator) -> Tensor:
        z = self.protos[cls] + 0.3 * torch.randn(len(cls), self.protos.shape[1], generator=g)
        return torch.tanh(z @ self.A) + 0.05 * torch.randn(len(cls), 32, generator=g)

    def captions(self, cls: Tensor, g: torch.Generator) -> Tensor:
        return (self.protos[cls] + 0.3 * torch.randn(len(cls), self.protos.shape[1],
                                                     generator=g)) @ self.B

    def prompts(self) -> Tensor:
        return self.protos @ self.B                          # «a photo of a {класс}» для всех


# --8<-- [start:zeroshot]
def zero_shot_predict(model: ToyCLIP, images: Tensor, prompts: Tensor) -> Tensor:
    """Класс = argmax_c cos(f_img(x), f_txt(подсказка_c)): классификатор собран из текста,
    обучения на метках нет.

    >>> m = ToyCLIP(); w = ToyWorld()
    >>> zero_shot_predict(m, torch.zeros(3, 32), w.prompts()).shape
    torch.Size([3])
    """
    with torch.no_grad():
        u = F.normalize(model.image_encoder(images), dim=-1)
        v = F.normalize(model.text_encoder(prompts), dim=-1)
        return (u @ v.T).argmax(dim=-1)
# --8<-- [end:zeroshot]


@functools.cache
def train_toy_clip(steps: int = 300, batch: int = 64, n_seen: int = 30, seed: int = 0) -> dict:
    """Обучение на парах классов 0…n_seen−1; zero-shot на изображениях всех классов, в том числе
    не виденных (n_seen…39). Возвращает модель, мир, историю потерь и точности."""
    with one_thread():
        return _train(steps, batch, n_seen, seed)


def _train(steps: int, batch: int, n_seen: int, seed: int) -> dict:
    world, model = ToyWorld(seed=seed), ToyCLIP(seed=seed)
    g = torch.Generator().manual_seed(seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(steps):
        cls = torch.randint(0, n_seen, (batch,), generator=g)
        loss = model(world.images(cls, g), world.captions(cls, g))
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    test_g = torch.Generator().manual_seed(seed + 2)
    cls = torch.arange(len(world.protos)).repeat_interleave(100)
    pred = zero_shot_predict(model, world.images(cls, test_g), world.prompts())
    seen = cls < n_seen
    return {"model": model, "world": world, "loss": np.array(history),
            "acc_seen": (pred[seen] == cls[seen]).float().mean().item(),
            "acc_unseen": (pred[~seen] == cls[~seen]).float().mean().item(),
            "tau": 1 / model.logit_scale.exp().item()}


def similarity_figure(n: int = 10, seed: int = 0) -> go.Figure:
    """Косинусы изображение–подпись для n пар до и после обучения; кнопки переключают."""
    r = train_toy_clip()
    world = r["world"]
    g = torch.Generator().manual_seed(seed + 3)
    cls = torch.randperm(len(world.protos), generator=g)[:n]
    img, txt = world.images(cls, g), world.captions(cls, g)
    fig = new_figure("Косинусное сходство изображений и подписей в пакете",
                     "подпись j", "изображение i")
    for name, model in (("до обучения", ToyCLIP(seed=seed)), ("после обучения", r["model"])):
        with torch.no_grad():
            sim = F.normalize(model.image_encoder(img), dim=-1) @ \
                F.normalize(model.text_encoder(txt), dim=-1).T
        fig.add_heatmap(z=sim.numpy().round(3), zmin=-1, zmax=1, colorscale="RdBu_r",
                        name=name, visible=name == "после обучения",
                        colorbar=dict(title="cos"),
                        hovertemplate="изобр. %{y}, подпись %{x}: %{z}<extra></extra>")
    fig.update_layout(updatemenus=[dict(
        buttons=[dict(label=t.name, method="update", args=[{"visible": [u is t for u in fig.data]}])
                 for t in fig.data], active=1, x=0, xanchor="left", y=1.02, yanchor="bottom")],
        margin=dict(t=110), height=480)
    fig.update_xaxes(constrain="domain")
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain")
    return fig


# ---------------------------------------------------------------- температура τ

TAUS = (1.0, 0.3, 0.1, 0.07, 0.03, 0.01)


@functools.cache
def toy_batch(n: int = 8, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Эмбеддинги n пар (изображение, подпись) разных классов от обученной игрушечной модели."""
    r = train_toy_clip()
    world, model = r["world"], r["model"]
    g = torch.Generator().manual_seed(seed + 4)
    cls = torch.randperm(len(world.protos), generator=g)[:n]
    with torch.no_grad():
        return model.image_encoder(world.images(cls, g)), model.text_encoder(world.captions(cls, g))


def temperature_probs(img_emb: Tensor, txt_emb: Tensor, tau: float) -> Tensor:
    """Строки softmax_j(cos(uᵢ, vⱼ)/τ): с какой вероятностью изображение i «выбирает» подпись j.

    >>> e = torch.eye(2)
    >>> temperature_probs(e, e, 1.0).round(decimals=4).tolist()     # e¹/(e¹ + e⁰)
    [[0.7311, 0.2689], [0.2689, 0.7311]]
    """
    cos = F.normalize(img_emb, dim=-1) @ F.normalize(txt_emb, dim=-1).T
    return torch.softmax(cos / tau, dim=-1)


def temperature_traces(tau: float) -> list:
    """Трасса кадра: матрица вероятностей temperature_probs для пакета toy_batch."""
    p = temperature_probs(*toy_batch(), tau)
    return [go.Heatmap(z=p.numpy().round(3), zmin=0, zmax=1, colorscale="Viridis",
                       colorbar=dict(title="p"), name=f"τ = {tau:g}",
                       hovertemplate="изобр. %{y}, подпись %{x}: p = %{z}<extra></extra>")]


def temperature_figure(taus: tuple[float, ...] = TAUS, active: int = 3) -> go.Figure:
    """Ползунок по τ: распределение softmax по подписям и потеря CLIP при той же геометрии."""
    from snippets._plotting import explorable

    img, txt = toy_batch()

    def title(tau: float) -> str:
        loss = clip_loss(img, txt, torch.tensor(math.log(1 / tau))).item()
        p = temperature_probs(img, txt, tau).diagonal().mean().item()
        return f"τ = {tau:g}<br>потеря {loss:.3f}, средняя p своей подписи {p:.2f}"

    fig = explorable("Температура CLIP", "подпись j", "изображение i", "τ", list(taus),
                     temperature_traces, active=active, title_for=title, height=500)
    fig.update_xaxes(constrain="domain", dtick=1)
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", dtick=1)
    return fig
