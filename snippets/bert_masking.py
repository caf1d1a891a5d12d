"""BERT (Devlin et al., 2019): формат входа, маскирование MLM (15 %, правило 80/10/10), пары NSP,
выбор ответа-отрезка в QA и число параметров. NumPy: токены — целые id словаря.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
IGNORE = -100  # метка «не предсказывать» (как ignore_index в F.cross_entropy)


# --8<-- [start:input]
def bert_input(tokens_a: list[str],
               tokens_b: list[str] | None = None) -> tuple[list[str], list[int]]:
    """[CLS] A [SEP] B [SEP] и номера сегментов (token type ids): 0 для A, 1 для B.

    >>> bert_input(["я", "учу"], ["он", "спит"])
    (['[CLS]', 'я', 'учу', '[SEP]', 'он', 'спит', '[SEP]'], [0, 0, 0, 0, 1, 1, 1])
    """
    tokens = ["[CLS]", *tokens_a, "[SEP]"]
    segments = [0] * len(tokens)
    if tokens_b:
        tokens += [*tokens_b, "[SEP]"]
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments
# --8<-- [end:input]


# --8<-- [start:mlm]
def mlm_mask(ids: Array, vocab_size: int, mask_id: int, special_ids: list[int],
             rng: np.random.Generator, p: float = 0.15) -> tuple[Array, Array]:
    """Маскирование для MLM: каждый обычный токен выбирается с вероятностью p = 0,15; из выбранных
    80 % заменяются на [MASK], 10 % — на случайный токен словаря, 10 % остаются как есть.
    Метка — исходный токен на выбранных позициях и IGNORE на остальных (потеря только по ним).

    >>> rng = np.random.default_rng(5)
    >>> inputs, labels = mlm_mask(np.arange(5, 25), 30, mask_id=4, special_ids=[0, 1], rng=rng)
    >>> labels[labels != IGNORE]                # выбраны токены 9, 12, 13, 24
    array([ 9, 12, 13, 24])
    >>> inputs                                  # 9, 24 → [MASK]=4; 12 → случайный 17; 13 — как был
    array([ 5,  6,  7,  8,  4, 10, 11, 17, 13, 14, 15, 16, 17, 18, 19, 20, 21,
           22, 23,  4])
    """
    ids = np.asarray(ids)
    selected = (rng.random(ids.shape) < p) & ~np.isin(ids, special_ids)   # [CLS], [SEP], [PAD]
    labels = np.where(selected, ids, IGNORE)
    r = rng.random(ids.shape)
    to_mask = selected & (r < 0.8)
    to_random = selected & (r >= 0.8) & (r < 0.9)        # остальные 10 % остаются как есть
    inputs = ids.copy()
    inputs[to_mask] = mask_id
    inputs[to_random] = rng.integers(0, vocab_size, size=int(to_random.sum()))
    return inputs, labels
# --8<-- [end:mlm]


def nsp_pairs(sentences: list[str], rng: np.random.Generator) -> list[tuple[str, str, bool]]:
    """Пары для next sentence prediction: в 50 % случаев B — следующее предложение (IsNext),
    иначе — случайное другое предложение корпуса (NotNext).

    >>> nsp_pairs(["a", "b", "c", "d"], np.random.default_rng(1))
    [('a', 'd', False), ('b', 'c', True), ('c', 'b', False)]
    """
    pairs = []
    for i in range(len(sentences) - 1):
        if rng.random() < 0.5:
            pairs.append((sentences[i], sentences[i + 1], True))
        else:
            others = [k for k in range(len(sentences)) if k not in (i, i + 1)]
            j = others[int(rng.integers(len(others)))]   # в BERT — из другого документа
            pairs.append((sentences[i], sentences[j], False))
    return pairs


# --8<-- [start:qa]
def best_span(start_logits: Array, end_logits: Array, max_len: int = 30) -> tuple[int, int]:
    """Ответ в экстрактивном QA (SQuAD): отрезок (i, j), i ≤ j < i + max_len, с максимумом
    s_i + e_j, где s_i = S·T_i и e_j = E·T_j — скоры начала и конца (T_i — выход BERT токена i).

    >>> s, e = np.array([0.0, 3.0, 1.0, 0.0]), np.array([5.0, 0.0, 0.0, 4.0])
    >>> best_span(s, e)        # argmax s и argmax e по отдельности дали бы (1, 0): конец до начала
    (1, 3)
    """
    n = len(start_logits)
    scores = start_logits[:, None] + end_logits[None, :]                  # (i, j)
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    scores = np.where((j >= i) & (j < i + max_len), scores, -np.inf)
    best = np.unravel_index(np.argmax(scores), scores.shape)
    return int(best[0]), int(best[1])
# --8<-- [end:qa]


def bert_param_count(n_layers: int = 12, d_model: int = 768, vocab_size: int = 30_522,
                     max_pos: int = 512, n_segments: int = 2) -> int:
    """Параметры BertModel: эмбеддинги токенов, позиций и сегментов + LN, L блоков по
    12d² + 13d (d_ff = 4d) и пулер [CLS] (d² + d).

    >>> bert_param_count()                         # BERT-base (uncased)
    109482240
    >>> bert_param_count(24, 1024)                 # BERT-large
    335141888
    """
    d = d_model
    embeddings = (vocab_size + max_pos + n_segments) * d + 2 * d
    return embeddings + n_layers * (12 * d * d + 13 * d) + d * d + d
