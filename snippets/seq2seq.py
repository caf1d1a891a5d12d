"""Seq2seq кодировщик–декодировщик на GRU с вниманием Бахданау или Луонга; жадный поиск и лучевой поиск.

Sutskever et al. (2014) — seq2seq; Cho et al. (2014) — RNN encoder–decoder; Bahdanau et al. (2015) —
аддитивное внимание; Luong et al. (2015) — мультипликативное. Игрушечная задача — развернуть
последовательность цифр: выход t равен входу n − 1 − t, и хорошее внимание видно как антидиагональ.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from torch import nn

from snippets._plotting import new_figure
from snippets._threads import one_thread

Tensor = torch.Tensor
BOS, EOS, VOCAB = 10, 11, 12          # цифры 0–9, начало и конец последовательности


# --8<-- [start:attention]
class AdditiveAttention(nn.Module):
    """Бахданау: e_j = vᵀ tanh(s W_s + h_j W_h), α = softmax(e), c = Σ_j α_j h_j.

    q (B, d_q) — состояние декодера, H (B, n, d_k) — выходы кодировщика. Возвращает (c, α).

    >>> att = AdditiveAttention(2, 2, 4)
    >>> _ = att.v.weight.data.zero_()                     # все e_j = 0: внимание равномерное
    >>> c, alpha = att(torch.zeros(1, 2), torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]))
    >>> alpha.tolist(), c.tolist()
    ([[0.5, 0.5]], [[0.5, 0.5]])
    """

    def __init__(self, d_q: int, d_k: int, d_att: int):
        super().__init__()
        self.W_s = nn.Linear(d_q, d_att, bias=False)
        self.W_h = nn.Linear(d_k, d_att, bias=False)
        self.v = nn.Linear(d_att, 1, bias=False)

    def forward(self, q: Tensor, H: Tensor) -> tuple[Tensor, Tensor]:
        e = self.v(torch.tanh(self.W_s(q)[:, None, :] + self.W_h(H))).squeeze(-1)   # (B, n)
        alpha = torch.softmax(e, dim=-1)
        return torch.einsum("bn,bnd->bd", alpha, H), alpha


class MultiplicativeAttention(nn.Module):
    """Луонг: e_j = sᵀ W h_j («general») или sᵀ h_j («dot», без параметров); α = softmax(e).

    >>> att = MultiplicativeAttention(2, 2, kind="dot")
    >>> H = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    >>> c, alpha = att(torch.tensor([[2.0, 0.0]]), H)
    >>> alpha.round(decimals=3)                           # softmax(2, 0)
    tensor([[0.8810, 0.1190]])
    """

    def __init__(self, d_q: int, d_k: int, kind: str = "general"):
        super().__init__()
        self.W = nn.Linear(d_k, d_q, bias=False) if kind == "general" else None

    def forward(self, q: Tensor, H: Tensor) -> tuple[Tensor, Tensor]:
        keys = self.W(H) if self.W is not None else H
        alpha = torch.softmax(torch.einsum("bd,bnd->bn", q, keys), dim=-1)
        return torch.einsum("bn,bnd->bd", alpha, H), alpha
# --8<-- [end:attention]


# --8<-- [start:model]
class Seq2Seq(nn.Module):
    """Кодировщик — двунаправленный GRU; декодировщик — GRUCell. attention ∈ {bahdanau, luong, None}.

    Бахданау: внимание по s_{t−1}, контекст c_t — вход ячейки: s_t = GRU([y_{t−1}; c_t], s_{t−1}).
    Луонг: s_t = GRU(y_{t−1}, s_{t−1}), внимание по s_t, выход W_o tanh(W_c [s_t; c_t]).
    Без внимания: вся входная последовательность — в начальном состоянии декодера.

    >>> src, tgt_in, _ = reversal_batch(4, n=5)
    >>> tuple(Seq2Seq(attention="luong")(src, tgt_in).shape)   # (B, T, V): log p на каждом шаге
    (4, 6, 12)
    """

    def __init__(self, d: int = 32, attention: str | None = "bahdanau", seed: int = 0):
        super().__init__()
        self.attention = attention
        with torch.random.fork_rng():                   # свой seed, глобальный генератор не трогаем
            torch.manual_seed(seed)
            self.emb = nn.Embedding(VOCAB, d)
            self.encoder = nn.GRU(d, d // 2, bidirectional=True, batch_first=True)  # h_j = [→h_j; ←h_j]
            self.att = {"bahdanau": AdditiveAttention(d, d, d),
                        "luong": MultiplicativeAttention(d, d), None: None}[attention]
            self.cell = nn.GRUCell(2 * d if attention == "bahdanau" else d, d)
            self.W_c = nn.Linear(2 * d, d) if attention == "luong" else None
            self.out = nn.Linear(2 * d if attention == "bahdanau" else d, VOCAB)

    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, n) → выходы H (B, n, d) и начальное состояние декодера s_0 (B, d)."""
        H, h_n = self.encoder(self.emb(src))
        return H, torch.cat([h_n[0], h_n[1]], dim=-1)      # последние состояния двух направлений

    def step(self, y_prev: Tensor, s: Tensor, H: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """Один шаг декодера: (log p(y_t | y_<t, x) (B, V), новое состояние s_t, веса внимания α_t)."""
        e, alpha = self.emb(y_prev), None
        if self.attention == "bahdanau":
            c, alpha = self.att(s, H)
            s = self.cell(torch.cat([e, c], dim=-1), s)
            logits = self.out(torch.cat([s, c], dim=-1))
        elif self.attention == "luong":
            s = self.cell(e, s)
            c, alpha = self.att(s, H)
            logits = self.out(torch.tanh(self.W_c(torch.cat([s, c], dim=-1))))
        else:
            s = self.cell(e, s)
            logits = self.out(s)
        return F.log_softmax(logits, dim=-1), s, alpha

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Принуждение учителем (teacher forcing): на вход шага t — верный токен y_{t−1}."""
        H, s = self.encode(src)
        logps = []
        for t in range(tgt_in.shape[1]):
            logp, s, _ = self.step(tgt_in[:, t], s, H)
            logps.append(logp)
        return torch.stack(logps, dim=1)                   # (B, T, V)
# --8<-- [end:model]


def reversal_batch(batch: int, n: int = 6, seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    """(src, tgt_in, tgt_out): src — n случайных цифр, tgt_in = [BOS, rev], tgt_out = [rev, EOS].

    >>> src, tgt_in, tgt_out = reversal_batch(1, n=4, seed=0)
    >>> src.tolist(), tgt_in.tolist(), tgt_out.tolist()
    ([[4, 9, 3, 0]], [[10, 0, 3, 9, 4]], [[0, 3, 9, 4, 11]])
    """
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(0, 10, (batch, n), generator=g)
    rev = src.flip(1)
    return (src, torch.cat([torch.full((batch, 1), BOS), rev], 1),
            torch.cat([rev, torch.full((batch, 1), EOS)], 1))


# --8<-- [start:train]
@one_thread()                             # крошечные матрицы: лишние потоки только мешают
def train(attention: str | None = "luong", steps: int = 100, n: int = 6, batch: int = 128,
          lr: float = 2e-2, seed: int = 0) -> tuple[Seq2Seq, list[float]]:
    """Обучение с принуждением учителем: −Σ_t log p(y_t | y_<t, x), Adam, отсечение градиента."""
    model = Seq2Seq(attention=attention, seed=seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for i in range(steps):
        src, tgt_in, tgt_out = reversal_batch(batch, n, seed=seed * 100_003 + i)
        loss = F.nll_loss(model(src, tgt_in).flatten(0, 1), tgt_out.flatten())
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return model, losses
# --8<-- [end:train]


@functools.lru_cache(maxsize=4)
def trained(attention: str | None = "luong", steps: int = 100) -> tuple[Seq2Seq, list[float]]:
    """Обученная модель и кривая потерь (кэш: блоки страницы используют одну и ту же модель)."""
    model, losses = train(attention, steps)
    return model.eval(), losses


def loss_figure(curves: dict[str, list[float]]) -> go.Figure:
    """Кривые потерь обучения (скользящее среднее по 10 шагам), лог-шкала."""
    fig = new_figure("Обучение seq2seq на развороте: с вниманием и без",
                     "шаг обучения", "потеря (кросс-энтропия на токен)")
    for name, losses in curves.items():
        t = torch.tensor(losses)
        smooth = torch.nn.functional.avg_pool1d(t[None, None], 10, 1)[0, 0]
        fig.add_scatter(x=list(range(10, len(losses) + 1)), y=[float(f"{v:.4g}") for v in smooth.tolist()],
                        mode="lines", name=name)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# --8<-- [start:search]
StepFn = Callable[[int, object], tuple[Tensor, object]]   # (токен, состояние) → (log p по словарю, состояние)


def beam_search(step: StepFn, state: object, beam: int = 3, max_len: int = 20,
                bos: int = BOS, eos: int = EOS) -> tuple[list[int], float]:
    """Лучевой поиск: держим beam лучших префиксов по сумме log p; beam = 1 — жадный поиск.

    Законченные гипотезы (с EOS) переходят в следующий шаг без изменений. Возвращает (токены без
    BOS, log p последовательности). Пример, где жадный поиск ошибается (токен 0 — BOS и EOS):
    p(1|BOS) = 0,6, p(2|BOS) = 0,4; p(EOS|1) = 0,45; p(EOS|2) = 1.

    >>> P = torch.tensor([[0.0, 0.6, 0.4], [0.45, 0.3, 0.25], [1.0, 0.0, 0.0]]).log()
    >>> seq, lp = greedy(markov_step(P), None, bos=0, eos=0); seq, round(lp, 3)     # 0,6·0,45 = 0,27
    ([1, 0], -1.309)
    >>> seq, lp = beam_search(markov_step(P), None, beam=2, bos=0, eos=0); seq, round(lp, 3)  # 0,4
    ([2, 0], -0.916)
    """
    beams = [(0.0, [bos], state, False)]                  # (log p, токены, состояние, закончена?)
    for _ in range(max_len):
        candidates = []
        for score, seq, st, done in beams:
            if done:
                candidates.append((score, seq, st, True))
                continue
            logp, new_st = step(seq[-1], st)
            top = torch.topk(logp, min(beam, logp.numel()))
            candidates += [(score + lp, seq + [tok], new_st, tok == eos)
                           for lp, tok in zip(top.values.tolist(), top.indices.tolist())]
        beams = sorted(candidates, key=lambda b: -b[0])[:beam]
        if all(done for *_, done in beams):
            break
    score, seq, _, _ = beams[0]
    return seq[1:], score


def greedy(step: StepFn, state: object, max_len: int = 20, bos: int = BOS,
           eos: int = EOS) -> tuple[list[int], float]:
    """Жадный поиск: на каждом шаге y_t = argmax p(y | y_<t, x)."""
    return beam_search(step, state, beam=1, max_len=max_len, bos=bos, eos=eos)
# --8<-- [end:search]


def markov_step(logp: Tensor) -> StepFn:
    """Шаг «модели», у которой следующий токен зависит только от предыдущего: logp[prev] — log p(·|prev)."""
    return lambda tok, state: (logp[tok], state)


@one_thread()
def model_step(model: Seq2Seq, src: list[int]) -> tuple[StepFn, Tensor]:
    """Функция шага для поиска по одному примеру и начальное состояние декодера."""
    with torch.no_grad():
        H, s0 = model.encode(torch.tensor([src]))

    @one_thread()
    def step(tok: int, s: Tensor) -> tuple[Tensor, Tensor]:
        with torch.no_grad():
            logp, s, _ = model.step(torch.tensor([tok]), s, H)
        return logp[0], s
    return step, s0


@one_thread()
def sequence_accuracy(model: Seq2Seq, n: int = 6, count: int = 500, seed: int = 99_999) -> float:
    """Доля примеров, развёрнутых без единой ошибки (жадный поиск пакетом)."""
    src, _, tgt_out = reversal_batch(count, n, seed)
    with torch.no_grad():
        H, s = model.encode(src)
        y, out = torch.full((count,), BOS), []
        for _ in range(n + 1):
            logp, s, _ = model.step(y, s, H)
            y = logp.argmax(-1)
            out.append(y)
    return (torch.stack(out, 1) == tgt_out).all(1).float().mean().item()


@one_thread()
def attention_weights(model: Seq2Seq, src: list[int]) -> tuple[list[int], Tensor]:
    """Жадно декодировать src и вернуть (выход, матрица внимания (длина выхода, n))."""
    with torch.no_grad():
        H, s = model.encode(torch.tensor([src]))
        y, out, rows = BOS, [], []
        for _ in range(len(src) + 1):
            logp, s, alpha = model.step(torch.tensor([y]), s, H)
            y = int(logp.argmax())
            out.append(y)
            rows.append(alpha[0])
            if y == EOS:
                break
    return out, torch.stack(rows)


def attention_figure(model: Seq2Seq, src: list[int]) -> go.Figure:
    """Тепловая карта внимания α_tj: строка — шаг декодера t, столбец — позиция входа j."""
    out, A = attention_weights(model, src)
    name = lambda tok: "EOS" if tok == EOS else str(tok)
    fig = new_figure("Внимание декодера при развороте последовательности",
                     "вход: позиция j и цифра", "выход: шаг t и цифра")
    fig.add_heatmap(z=A.numpy().round(3), x=[f"{j}: {d}" for j, d in enumerate(src)],
                    y=[f"{t}: {name(d)}" for t, d in enumerate(out)], zmin=0, zmax=1,
                    colorscale="Blues", colorbar={"title": "α"})
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


# --8<-- [start:beam-width]
def length_penalty(length: int, alpha: float = 1.0) -> float:
    """Штраф длины GNMT (Wu et al., 2016): lp(Y) = ((5 + |Y|) / 6)^α; гипотезы сравнивают по log p / lp.

    >>> length_penalty(1), length_penalty(7, alpha=0.0)
    (1.0, 1.0)
    """
    return ((5 + length) / 6) ** alpha


def beam_finished(step: StepFn, state: object, beam: int, max_len: int = 20, bos: int = BOS,
                  eos: int = EOS) -> list[tuple[list[int], float]]:
    """Лучевой поиск с отдельным списком законченных гипотез (так устроены OpenNMT и fairseq):
    из beam лучших продолжений законченные (с EOS) уходят в список, остальные продолжаются.
    Возвращает все законченные гипотезы: ответ выбирают по log p или по log p / lp(|Y|).

    >>> P = torch.tensor([[0.0, 0.6, 0.4], [0.45, 0.3, 0.25], [1.0, 0.0, 0.0]]).log()
    >>> [(s, round(lp, 3)) for s, lp in beam_finished(markov_step(P), None, beam=2, bos=0, eos=0)]
    [([2, 0], -0.916), ([1, 0], -1.309)]
    """
    beams, finished = [(0.0, [bos], state)], []
    for _ in range(max_len):
        candidates = []
        for score, seq, st in beams:
            logp, new_st = step(seq[-1], st)
            top = torch.topk(logp, min(beam, logp.numel()))
            candidates += [(score + lp, seq + [tok], new_st)
                           for lp, tok in zip(top.values.tolist(), top.indices.tolist())]
        kept = sorted(candidates, key=lambda b: -b[0])[:beam]
        finished += [(seq[1:], score) for score, seq, _ in kept if seq[-1] == eos]
        beams = [b for b in kept if b[1][-1] != eos]
        if not beams:
            break
    return finished


def best_by_length(logp: Tensor, max_len: int, bos: int = 0, eos: int = 0) -> list[float]:
    """Точный максимум log p законченной гипотезы длины L = 1…max_len (EOS — последний токен)
    в марковской модели logp[prev, tok]: динамическое программирование по последнему токену.

    >>> P = torch.tensor([[0.0, 0.6, 0.4], [0.45, 0.3, 0.25], [1.0, 0.0, 0.0]]).log()
    >>> [round(v, 3) for v in best_by_length(P, 3)]      # [EOS] невозможен; [2, EOS]; [1, 2, EOS]
    [-inf, -0.916, -1.897]
    """
    out, cur = [logp[bos, eos].item()], logp[bos].clone()
    cur[eos] = -math.inf                                   # лучший префикс, оканчивающийся токеном
    for _ in range(2, max_len + 1):
        out.append((cur + logp[:, eos]).max().item())
        cur = (cur[:, None] + logp).max(0).values
        cur[eos] = -math.inf
    return out
# --8<-- [end:beam-width]


def toy_translation_model(correct: list[float], stop: list[float], extra: int = 3,
                          stop_other: float = 0.1) -> Tensor:
    """Игрушечная «модель перевода» (марковская): log p(tok | prev) матрицей (V, V), V = n + 1 + extra.

    Токен 0 — BOS и EOS; верный перевод — 1, 2, …, n, EOS; токены n + 1 … — «неверные слова».
    После токена i (0 — BOS) верный следующий токен i + 1 имеет вероятность correct[i], EOS —
    stop[i], остаток поровну делят неверные слова. После неверного слова EOS имеет вероятность
    stop_other, остальное — снова неверные слова.

    >>> toy_translation_model([0.5], [0.1, 0.8], extra=2, stop_other=0.2).exp().round(decimals=2).tolist()
    [[0.1, 0.5, 0.2, 0.2], [0.8, 0.0, 0.1, 0.1], [0.2, 0.0, 0.4, 0.4], [0.2, 0.0, 0.4, 0.4]]
    """
    n = len(correct)
    V = n + 1 + extra
    P = torch.zeros(V, V, dtype=torch.float64)
    for i in range(V):
        P[i, 0] = stop[i] if i <= n else stop_other
        if i < n:
            P[i, i + 1] = correct[i]
        rest = list(range(n + 1, V))                          # неверные слова
        P[i, rest] += (1 - P[i].sum()) / len(rest)
    return P.log()


BEAM_TOY = ([0.5, 0.6, 0.55, 0.6, 0.55, 0.6], [0.04, 0.05, 0.06, 0.2, 0.1, 0.12, 0.9])  # correct, stop
BEAM_WIDTHS = [1, 2, 3, 4, 5, 8]


def beam_width_traces(beam: int, alpha: float = 1.0, max_len: int = 10) -> list[go.Scatter]:
    """Кадр для ширины луча B: законченные гипотезы луча и ответы по log p и по log p / lp."""
    P = toy_translation_model(*BEAM_TOY)
    hyps = beam_finished(markov_step(P), None, beam, max_len=max_len, bos=0, eos=0)
    text = lambda seq: " ".join(map(str, seq[:-1])) + " EOS"
    best = max(hyps, key=lambda h: h[1])
    norm = max(hyps, key=lambda h: h[1] / length_penalty(len(h[0]), alpha))
    point = lambda h, **kw: go.Scatter(x=[len(h[0]) - 1], y=[h[1]], text=[text(h[0])], **kw)
    return [go.Scatter(x=[len(s) - 1 for s, _ in hyps], y=[lp for _, lp in hyps], mode="markers",
                       text=[text(s) for s, _ in hyps], name="законченные гипотезы луча",
                       marker={"size": 8, "color": "#7f7f7f"}),
            point(best, mode="markers", name="ответ по log p",
                  marker={"size": 18, "symbol": "star", "color": "#d62728"}),
            point(norm, mode="markers", name=f"ответ по log p / lp, α = {alpha:g}",
                  marker={"size": 13, "symbol": "diamond-open", "color": "#1f77b4", "line": {"width": 3}})]


def beam_width_figure(widths: list[int] = BEAM_WIDTHS, active: int = 4, max_len: int = 10) -> go.Figure:
    """Ползунок по ширине луча: чем шире луч, тем короче ответ по log p — вплоть до пустого."""
    from snippets._plotting import explorable
    P = toy_translation_model(*BEAM_TOY)
    exact = best_by_length(P, max_len, bos=0, eos=0)
    static = [go.Scatter(x=list(range(max_len)), y=exact, mode="lines+markers", name="точный максимум для длины",
                         line={"dash": "dot", "color": "#2ca02c"})]
    def answer(B: int) -> str:
        n = len(max(beam_finished(markov_step(P), None, B, max_len, 0, 0), key=lambda h: h[1])[0]) - 1
        return "пустой перевод" if n == 0 else "полный перевод" if n == len(BEAM_TOY[0]) else f"обрывок из {n} слов"
    return explorable("Ширина луча и длина ответа", "длина перевода (слов, без EOS)", "log p(y | x)",
                      "ширина луча B", widths, lambda B: beam_width_traces(B, max_len=max_len),
                      active=active, static=static,
                      title_for=lambda B: f"Луч B = {B}: ответ по log p — {answer(B)}")


@one_thread()
def decoder_perplexity(model: Seq2Seq, n: int = 6, count: int = 500, seed: int = 7) -> float:
    """Перплексия декодера на новых примерах с принуждением учителем: exp(−среднее log p(y_t | y_<t, x))."""
    src, tgt_in, tgt_out = reversal_batch(count, n, seed)
    with torch.no_grad():
        logp = model(src, tgt_in).gather(-1, tgt_out[..., None])
    return math.exp(-logp.mean().item())
