"""CLIP: наша симметричная InfoNCE против записи через F.cross_entropy, её градиент, zero-shot."""

import math

import numpy as np
import torch
import torch.nn.functional as F

from snippets._plotting import trace_types
from snippets.clip import ToyCLIP, ToyWorld, clip_loss, similarity_figure, train_toy_clip

G = torch.Generator().manual_seed(0)


def reference_clip_loss(img, txt, logit_scale):
    # псевдокод рис. 3 статьи CLIP (Radford et al., 2021)
    logits = logit_scale.exp() * F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).T
    labels = torch.arange(len(img))
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def test_loss_and_gradients_match_reference():
    img = torch.randn(12, 7, generator=G, dtype=torch.float64, requires_grad=True)
    txt = torch.randn(12, 7, generator=G, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(math.log(1 / 0.07), dtype=torch.float64, requires_grad=True)
    ours = clip_loss(img, txt, t)
    grads = torch.autograd.grad(ours, (img, txt, t))
    ref = reference_clip_loss(img, txt, t)
    ref_grads = torch.autograd.grad(ref, (img, txt, t))
    torch.testing.assert_close(ours, ref)
    for a, b in zip(grads, ref_grads):
        torch.testing.assert_close(a, b)


def test_gradient_wrt_logits_is_softmax_minus_identity():
    # L = ½(CE по строкам + CE по столбцам) ⇒ ∂L/∂S = [(P_строк − I) + (P_столбцов − I)] / (2N)
    n = 6
    S = torch.randn(n, n, generator=G, dtype=torch.float64, requires_grad=True)
    labels = torch.arange(n)
    loss = (F.cross_entropy(S, labels) + F.cross_entropy(S.T, labels)) / 2
    (g,) = torch.autograd.grad(loss, S)
    eye = torch.eye(n, dtype=torch.float64)
    expected = ((S.softmax(1) - eye) + (S.softmax(0) - eye)) / (2 * n)
    torch.testing.assert_close(g, expected.detach())


def test_loss_limits_and_symmetry():
    n = 32
    x = torch.randn(n, 16, generator=G, dtype=torch.float64)
    y = torch.randn(n, 16, generator=G, dtype=torch.float64)
    zero = torch.tensor(0.0, dtype=torch.float64)
    # масштаб 0 ⇒ все логиты равны ⇒ потеря ровно log N
    torch.testing.assert_close(clip_loss(x, y, torch.tensor(-50.0, dtype=torch.float64)),
                               torch.tensor(math.log(n), dtype=torch.float64))
    # идеальное совпадение и малая температура ⇒ потеря → 0
    assert clip_loss(x, x, torch.tensor(math.log(100.0))).item() < clip_loss(x, y, zero).item()
    assert clip_loss(torch.eye(n), torch.eye(n), torch.tensor(math.log(100.0))).item() < 1e-10
    # симметрия: обмен модальностей и согласованная перестановка пар не меняют потерю
    perm = torch.randperm(n, generator=G)
    torch.testing.assert_close(clip_loss(x, y, zero), clip_loss(y, x, zero))
    torch.testing.assert_close(clip_loss(x, y, zero), clip_loss(x[perm], y[perm], zero))


def test_temperature_is_clamped_at_100():
    model = ToyCLIP()
    with torch.no_grad():
        model.logit_scale.fill_(10.0)                           # e^10 ≫ 100
    w, g = ToyWorld(), torch.Generator().manual_seed(0)
    cls = torch.arange(8)
    img, txt = w.images(cls, g), w.captions(cls, g)
    expected = clip_loss(model.image_encoder(img), model.text_encoder(txt),
                         torch.tensor(math.log(100.0)))
    torch.testing.assert_close(model(img, txt), expected)


def test_zero_shot_on_unseen_classes():
    r = train_toy_clip()
    assert r["loss"][-20:].mean() < 0.5 * r["loss"][:5].mean()
    assert r["acc_seen"] > 0.9
    assert r["acc_unseen"] > 0.8                               # случайное угадывание — 1/40
    assert 0.01 <= r["tau"] <= 0.2


def test_similarity_figure_has_bright_diagonal():
    fig = similarity_figure()
    assert trace_types(fig) == {"heatmap"}
    before, after = (np.array(t.z) for t in fig.data)
    off = ~np.eye(len(after), dtype=bool)
    assert np.diag(after).mean() > 0.8 > after[off].mean() + 0.5
    assert np.diag(after).mean() - after[off].mean() > np.diag(before).mean() - before[off].mean()


def test_temperature_probs_and_figure():
    from snippets._plotting import frame_traces, same_traces
    from snippets.clip import TAUS, temperature_figure, temperature_probs, temperature_traces, toy_batch
    img, txt = toy_batch()
    cos = F.normalize(img, dim=-1) @ F.normalize(txt, dim=-1).T
    for tau in (1.0, 0.07):
        p = temperature_probs(img, txt, tau)
        torch.testing.assert_close(p, F.softmax(cos / tau, dim=-1))
    # чем ниже τ, тем острее распределение: энтропия строк падает
    ent = [-torch.special.xlogy(temperature_probs(img, txt, t), temperature_probs(img, txt, t))
           .sum(1).mean() for t in TAUS]
    assert all(a > b for a, b in zip(ent, ent[1:]))
    assert ent[0] > 0.6 * math.log(len(img))                       # τ = 1: почти равномерно
    fig = temperature_figure()
    for i in (0, 3):
        assert same_traces(frame_traces(fig, i), temperature_traces(TAUS[i]))
