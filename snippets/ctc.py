"""CTC (Graves et al., 2006): прямой-обратный проход в лог-пространстве, потеря и её градиент,
жадное декодирование и префиксный лучевой поиск. NumPy, входы — лог-вероятности (T, C)
после log-softmax, символ 0 — пустой (blank)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray
NEG_INF = -np.inf


# --8<-- [start:collapse]
def collapse(path, blank: int = 0) -> tuple[int, ...]:
    """Отображение B: схлопнуть подряд идущие повторы, затем удалить blank.

    >>> collapse([1, 1, 0, 1, 2, 2, 0, 0])   # «aa-abb--» → «aab»
    (1, 1, 2)
    """
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(int(c))
        prev = c
    return tuple(out)
# --8<-- [end:collapse]


# --8<-- [start:forward-backward]
def extend(target, blank: int = 0) -> Array:
    """Расширенная метка l′: blank между символами и по краям, длина 2U + 1.

    >>> extend([3, 3]).tolist()
    [0, 3, 0, 3, 0]
    """
    ext = np.full(2 * len(target) + 1, blank)
    ext[1::2] = target
    return ext


def ctc_alpha_beta(log_probs: Array, target, blank: int = 0) -> tuple[Array, Array]:
    """Лог-α и лог-β на решётке (T, S), S = 2U + 1.

    α_t(s) = (α_{t−1}(s) + α_{t−1}(s−1) + [l′_s ≠ blank, l′_s ≠ l′_{s−2}]·α_{t−1}(s−2)) · y_t(l′_s),
    β_t(s) — вероятность дописать путь из (t, s) до конца, без y_t (её уже учла α):
    β_t(s) = Σ_{s′ ∈ {s, s+1, s+2}} β_{t+1}(s′) · y_{t+1}(l′_{s′}) с тем же правилом пропуска.
    Тогда α_t(s)·β_t(s) — суммарная вероятность путей, проходящих через (t, s).
    """
    T, ext = log_probs.shape[0], extend(target, blank)
    S = ext.size
    skip = np.zeros(S, bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    emit = log_probs[:, ext]                                  # (T, S): log y_t(l′_s)
    alpha = np.full((T, S), NEG_INF)
    alpha[0, :2] = emit[0, :2]
    for t in range(1, T):
        prev, a = alpha[t - 1], alpha[t - 1].copy()
        a[1:] = np.logaddexp(a[1:], prev[:-1])
        a[2:] = np.where(skip[2:], np.logaddexp(a[2:], prev[:-2]), a[2:])
        alpha[t] = a + emit[t]
    beta = np.full((T, S), NEG_INF)
    beta[T - 1, S - 2:] = 0.0
    for t in range(T - 2, -1, -1):
        nxt = beta[t + 1] + emit[t + 1]
        b = nxt.copy()
        b[:-1] = np.logaddexp(b[:-1], nxt[1:])
        b[:-2] = np.where(skip[2:], np.logaddexp(b[:-2], nxt[2:]), b[:-2])
        beta[t] = b
    return alpha, beta


def ctc_loss(log_probs: Array, target, blank: int = 0) -> float:
    """−log p(l | x), p(l | x) = Σ_{π ∈ B⁻¹(l)} Π_t y_t(π_t) = α_T(S) + α_T(S − 1).

    >>> lp = np.log(np.full((2, 2), 0.5))       # T = 2, {blank, a}, все y = 1/2
    >>> round(float(np.exp(-ctc_loss(lp, [1]))), 2)   # пути aa, a-, -a: 3 · 1/4
    0.75
    """
    alpha, _ = ctc_alpha_beta(log_probs, target, blank)
    return float(-np.logaddexp(alpha[-1, -1], alpha[-1, -2] if alpha.shape[1] > 1 else NEG_INF))


def ctc_grad(log_probs: Array, target, blank: int = 0) -> Array:
    """∂(−log p)/∂u_t(k) = y_t(k) − γ_t(k) по логитам u (до softmax), где
    γ_t(k) = Σ_{s: l′_s = k} α_t(s)β_t(s) / p — апостериорная вероятность символа k в кадре t.

    >>> lp = np.log(np.full((2, 2), 0.5)); ctc_grad(lp, [1]).round(3)
    array([[ 0.167, -0.167],
           [ 0.167, -0.167]])
    """
    alpha, beta = ctc_alpha_beta(log_probs, target, blank)
    occ = np.exp(alpha + beta + ctc_loss(log_probs, target, blank))     # α·β / p
    gamma = np.zeros_like(log_probs)
    np.add.at(gamma.T, extend(target, blank), occ.T)                    # сумма по s с l′_s = k
    return np.exp(log_probs) - gamma
# --8<-- [end:forward-backward]


# --8<-- [start:decode]
def greedy_decode(log_probs: Array, blank: int = 0) -> tuple[int, ...]:
    """Лучший путь: argmax в каждом кадре, затем B (схлопнуть повторы, убрать blank).

    >>> greedy_decode(np.log([[0.6, 0.4], [0.6, 0.4]]))   # путь «--» → пустая строка
    ()
    """
    return collapse(log_probs.argmax(axis=1), blank)


def prefix_beam_search(log_probs: Array, beam: int = 8, blank: int = 0) -> list[tuple[tuple, float]]:
    """Префиксный лучевой поиск (Hannun et al., 2014). Для каждого префикса храним log P_b и
    log P_nb — вероятность всех путей, дающих этот префикс и кончающихся blank / не-blank.
    Повтор символа c = последний символ префикса удлиняет префикс, только если перед ним blank.
    Возвращает beam лучших (префикс, log p(префикс)).

    >>> prefix_beam_search(np.log([[0.6, 0.4], [0.6, 0.4]]))[0]   # «a»: 0,16 + 0,24 + 0,24
    ((1,), -0.446)
    """
    beams = {(): (0.0, NEG_INF)}
    for t in range(log_probs.shape[0]):
        nxt: dict = defaultdict(lambda: [NEG_INF, NEG_INF])
        for prefix, (pb, pnb) in beams.items():
            total = np.logaddexp(pb, pnb)
            for c, lp in enumerate(log_probs[t]):
                if c == blank:                                   # префикс не меняется
                    nxt[prefix][0] = np.logaddexp(nxt[prefix][0], total + lp)
                elif prefix and c == prefix[-1]:
                    nxt[prefix][1] = np.logaddexp(nxt[prefix][1], pnb + lp)          # «aa» → «a»
                    nxt[prefix + (c,)][1] = np.logaddexp(nxt[prefix + (c,)][1], pb + lp)  # «a-a»
                else:
                    nxt[prefix + (c,)][1] = np.logaddexp(nxt[prefix + (c,)][1], total + lp)
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:beam]
        beams = {k: tuple(v) for k, v in ranked}
    return [(k, round(float(np.logaddexp(*v)), 3)) for k, v in beams.items()]
# --8<-- [end:decode]


def toy_posteriors(target, T: int = 30, n_classes: int = 5, seed: int = 0) -> Array:
    """Лог-вероятности «обученной» сети: символы цели занимают равные отрезки времени, между
    ними — blank, плюс шум в логитах. Для иллюстраций."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 0.7, size=(T, n_classes))
    logits[:, 0] += 3.0
    bounds = np.linspace(0, T, len(target) + 1).astype(int)
    for c, a, b in zip(target, bounds[:-1], bounds[1:]):
        logits[a + 1:a + 1 + max(1, (b - a) // 2), c] += 5.0
    return logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)


def lattice_figure(log_probs: Array, target, labels: str, blank: int = 0) -> go.Figure:
    """Апостериорная вероятность α_t(s)β_t(s)/p каждой вершины решётки CTC (s — по вертикали)."""
    alpha, beta = ctc_alpha_beta(log_probs, target, blank)
    occ = np.exp(alpha + beta + ctc_loss(log_probs, target, blank))
    names = [f"{s}: {'∅' if k == blank else labels[k]}" for s, k in enumerate(extend(target, blank))]
    fig = new_figure("Решётка CTC: вероятность пройти через (t, s)", "кадр t", "позиция s в l′")
    fig.add_heatmap(z=occ.T.round(3), x=np.arange(log_probs.shape[0]), y=names, colorscale="Blues",
                    zmin=0, zmax=1, colorbar_title="γ", name="α·β/p")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig
