"""Декодирование при генерации: температура, top-k (Fan et al., 2018), top-p / nucleus
(Holtzman et al., 2020). Жадный и лучевой поиск — в ``snippets.seq2seq`` (билет 8).

Порядок фильтров как в распространённых реализациях: сначала температура, затем top-k, затем top-p;
отброшенные токены получают логит −∞, остальные перенормируются softmax-ом.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from snippets._plotting import explorable

Tensor = torch.Tensor


# --8<-- [start:sampling]
def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Оставляет k самых больших логитов, остальным −∞ (Fan et al., 2018).

    >>> top_k_filter(torch.tensor([1.0, 3.0, 2.0, 0.0]), 2)
    tensor([-inf, 3., 2., -inf])
    """
    kth = torch.topk(logits, min(k, logits.shape[-1])).values[..., -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """Nucleus (Holtzman et al., 2020): наименьший набор самых вероятных токенов с суммарной
    вероятностью ≥ p; остальным −∞. Токен, на котором сумма переходит p, входит в набор.

    >>> probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    >>> top_p_filter(probs.log(), 0.75).exp()          # 0,5 + 0,3 ≥ 0,75
    tensor([0.5000, 0.3000, 0.0000, 0.0000])
    """
    sorted_logits, order = torch.sort(logits, descending=True)
    cum = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
    drop_sorted = cum - torch.softmax(sorted_logits, dim=-1) >= p   # набор уже набрал p без токена
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def next_token_probs(logits: Tensor, temperature: float = 1.0, k: int | None = None,
                     p: float | None = None) -> Tensor:
    """Распределение, из которого сэмплируют: softmax(z / T) после фильтров top-k и top-p.

    >>> z = torch.tensor([2.0, 1.0, 0.0])
    >>> next_token_probs(z, temperature=1.0)            # обычный softmax
    tensor([0.6652, 0.2447, 0.0900])
    >>> next_token_probs(z, temperature=0.5)            # T < 1 заостряет
    tensor([0.8668, 0.1173, 0.0159])
    >>> next_token_probs(z, k=2)                        # top-2: третий токен выброшен
    tensor([0.7311, 0.2689, 0.0000])
    """
    z = logits / temperature
    if k is not None:
        z = top_k_filter(z, k)
    if p is not None:
        z = top_p_filter(z, p)
    return torch.softmax(z, dim=-1)


def sample(logits: Tensor, generator: torch.Generator, temperature: float = 1.0,
           k: int | None = None, p: float | None = None, n: int = 1) -> Tensor:
    """n независимых сэмплов следующего токена; T → 0 даёт жадный выбор argmax."""
    probs = next_token_probs(logits, temperature, k, p)
    return torch.multinomial(probs, n, replacement=True, generator=generator)
# --8<-- [end:sampling]


def entropy_bits(probs: Tensor) -> float:
    """Энтропия распределения в битах: H = −Σ pᵢ log₂ pᵢ (0 · log 0 = 0).

    >>> entropy_bits(torch.tensor([0.5, 0.5, 0.0]))
    1.0
    """
    p = probs[probs > 0]
    return float(-(p * p.log2()).sum())


WORDS = ["окне", "диване", "стуле", "полу", "крыше", "ковре", "коленях", "шкафу", "заборе",
         "траве", "подоконнике", "батарее", "луне", "облаке", "клавиатуре", "холодильнике"]


def zipf_logits(n: int = len(WORDS), s: float = 1.1) -> Tensor:
    """Условные логиты следующего слова по закону Ципфа: p(ранг r) ∝ r^(−s), z_r = −s·ln r.

    >>> torch.softmax(zipf_logits(3, s=1.0), 0)          # 1 : 1/2 : 1/3
    tensor([0.5455, 0.2727, 0.1818])
    """
    return -s * torch.log(torch.arange(1, n + 1, dtype=torch.float32))


def sampling_traces(temperature: float, p: float = 0.9, logits: Tensor | None = None) -> list:
    """Трассы одного кадра: softmax(z/T) по всем словам и то же после top-p (перенормировано)."""
    z = zipf_logits() if logits is None else logits
    full = next_token_probs(z, temperature)
    nucleus = next_token_probs(z, temperature, p=p)
    return [go.Bar(x=WORDS, y=full.numpy().round(4), name="softmax(z / T)", opacity=0.55),
            go.Bar(x=WORDS, y=nucleus.numpy().round(4), name=f"после top-p, p = {p}")]


TEMPERATURES = [0.3, 0.5, 0.7, 1.0, 1.5, 2.5]


def sampling_figure(p: float = 0.9, temperatures: list[float] = TEMPERATURES) -> go.Figure:
    """Ползунок по температуре: распределение следующего слова и ядро top-p."""
    z = zipf_logits()

    def title(t: float) -> str:
        probs = next_token_probs(z, t)
        size = int((next_token_probs(z, t, p=p) > 0).sum())
        return (f"Сэмплирование «Кошка сидит на …»: T = {t:g}, энтропия {entropy_bits(probs):.2f} бит, "
                f"в ядре top-p {size} слов")

    fig = explorable("", "следующее слово (по убыванию логита)", "вероятность", "температура T",
                     temperatures, lambda t: sampling_traces(t, p), active=3, title_for=title,
                     barmode="overlay", height=470)
    fig.update_layout(legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
                      margin={"t": 90}, title_font_size=14)
    fig.update_yaxes(range=[0, 1])
    return fig


def sampling_table(seed: int = 0, n: int = 2000) -> str:
    """Markdown-таблица: сколько разных слов и какая доля самого вероятного среди n сэмплов."""
    z, g = zipf_logits(), torch.Generator().manual_seed(seed)
    rows = ["| Способ | разных слов из 16 | доля «окне» | энтропия, бит |", "|---|---|---|---|"]
    for name, kw in (("жадно (argmax)", None), ("T = 0.5", {"temperature": 0.5}),
                     ("T = 1", {}), ("T = 1, top-k = 3", {"k": 3}), ("T = 1, top-p = 0.9", {"p": 0.9}),
                     ("T = 2", {"temperature": 2.0})):
        if kw is None:
            s = torch.full((n,), int(z.argmax()))
            h = 0.0
        else:
            s = sample(z, g, n=n, **kw)
            h = entropy_bits(next_token_probs(z, **kw))
        rows.append(f"| {name} | {len(np.unique(s.numpy()))} | {float((s == 0).float().mean()):.2f} "
                    f"| {h:.2f} |")
    return "\n".join(rows)
