"""Данные как тензоры: типы чисел, изображения, текст, ряды, батчи; стоимость матричных цепочек.

Соглашения PyTorch: изображения — (N, C, H, W), последовательности токенов — (N, T) целых
индексов, эмбеддинги — (N, T, d). Тесты сверяют функции с ``torch`` (one_hot, Embedding,
pad_sequence) и с перебором.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

Array = np.ndarray


# --8<-- [start:dtypes]
def dtype_table() -> str:
    """Таблица Markdown: бит на число, наибольшее и наименьшее нормальное значение (диапазон
    задают биты экспоненты), машинный эпсилон (шаг после 1; точность задают биты мантиссы).

    >>> "| torch.float16 | 16 | 6.55e+04 | 6.1e-05 |" in dtype_table()
    True
    """
    rows = ["| dtype | бит | максимум | мин. нормальное | эпсилон | где используют |",
            "|---|---:|---:|---:|---:|---|"]
    use = {torch.float64: "научные расчёты, проверка градиентов",
           torch.float32: "обучение по умолчанию",
           torch.float16: "смешанная точность на GPU (нужен loss scaling)",
           torch.bfloat16: "смешанная точность: диапазон как у float32",
           torch.int8: "квантованные веса и активации",
           torch.uint8: "пиксели изображений 0…255",
           torch.int64: "индексы токенов и классов"}
    for dt, where in use.items():
        info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
        eps, tiny = (f"{info.eps:.1e}", f"{info.tiny:.1e}") if dt.is_floating_point else ("1", "—")
        rows.append(f"| {dt} | {info.bits} | {float(info.max):.3g} | {tiny} | {eps} | {where} |")
    return "\n".join(rows)
# --8<-- [end:dtypes]


# --8<-- [start:image]
def image_to_tensor(img: Array) -> torch.Tensor:
    """Картинка H×W×C uint8 (как её отдаёт PIL/OpenCV) → тензор C×H×W float32 в [0, 1].

    >>> image_to_tensor(np.full((4, 6, 3), 255, dtype=np.uint8)).shape
    torch.Size([3, 4, 6])
    """
    return torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
# --8<-- [end:image]


# --8<-- [start:text]
def one_hot(ids: Array, vocab_size: int) -> Array:
    """One-hot: индекс i → вектор длины V с единицей на месте i.

    >>> one_hot(np.array([2, 0]), 4)
    array([[0., 0., 1., 0.],
           [1., 0., 0., 0.]])
    """
    out = np.zeros((*ids.shape, vocab_size))
    np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


def embed(ids: Array, E: Array) -> Array:
    """Эмбеддинг — строка матрицы E ∈ R^{V×d}: embed(i) = E[i] = one_hot(i)·E.

    >>> E = np.arange(8.0).reshape(4, 2); embed(np.array([3, 1]), E)
    array([[6., 7.],
           [2., 3.]])
    """
    return E[ids]


def pad_batch(seqs: list[list[int]], pad_id: int = 0) -> tuple[Array, Array]:
    """Последовательности разной длины → матрица (N, T_max) и маска (1 — токен, 0 — паддинг).

    >>> ids, mask = pad_batch([[5, 6, 7], [8]]); ids.tolist(), mask.tolist()
    ([[5, 6, 7], [8, 0, 0]], [[1, 1, 1], [1, 0, 0]])
    """
    t_max = max(len(s) for s in seqs)
    ids = np.full((len(seqs), t_max), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), t_max), dtype=np.int64)
    for i, s in enumerate(seqs):
        ids[i, :len(s)], mask[i, :len(s)] = s, 1
    return ids, mask
# --8<-- [end:text]


# --8<-- [start:windows]
def sliding_windows(series: Array, window: int, horizon: int = 1) -> tuple[Array, Array]:
    """Ряд длины T → пары (окно из ``window`` прошлых точек, ``horizon`` следующих точек).

    Получается N = T − window − horizon + 1 примеров: X ∈ R^{N×window}, y ∈ R^{N×horizon}.

    >>> X, y = sliding_windows(np.arange(6.0), window=3, horizon=1)
    >>> X.tolist(), y.ravel().tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
    """
    w = np.lib.stride_tricks.sliding_window_view(series, window + horizon)
    return w[:, :window], w[:, window:]
# --8<-- [end:windows]


# --8<-- [start:intensity]
def matmul_intensity(n: int, d_in: int, d_out: int, bytes_per: int = 4) -> tuple[int, float]:
    """FLOP и арифметическая интенсивность (FLOP на байт памяти) слоя Y = XW + b на пакете из n.

    FLOP = 2·n·d_in·d_out (умножение и сложение); байты = b·(n·d_in + d_in·d_out + n·d_out) —
    прочитать X и W, записать Y. Пока интенсивность ниже «порога» железа (десятки–сотни FLOP/байт),
    слой упирается в пропускную способность памяти, и рост n почти бесплатен.

    >>> flop, ai = matmul_intensity(1, 4096, 4096); flop, round(ai, 2)
    (33554432, 0.5)
    """
    flop = 2 * n * d_in * d_out
    return flop, flop / (bytes_per * (n * d_in + d_in * d_out + n * d_out))
# --8<-- [end:intensity]


# --8<-- [start:chain]
def matmul_chain_cost(dims: list[int]) -> tuple[int, str]:
    """Наименьшее число умножений для A_1·…·A_n, A_i ∈ R^{d_{i−1}×d_i}, и расстановка скобок.

    Одно произведение (p×q)·(q×r) стоит p·q·r умножений; динамическое программирование
    по длине отрезка цепочки (классическая задача, Cormen et al., гл. 15.2), O(n³).

    >>> matmul_chain_cost([1000, 1000, 1000, 1])    # (A·B)·v против A·(B·v)
    (2000000, '(A1·(A2·A3))')
    """
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))

    def paren(i: int, j: int) -> str:
        if i == j:
            return f"A{i + 1}"
        return f"({paren(i, split[i][j])}·{paren(split[i][j] + 1, j)})"

    return cost[0][n - 1], paren(0, n - 1)


def chain_costs_brute(dims: list[int]) -> dict[str, int]:
    """Стоимость каждой расстановки скобок перебором (для проверки и таблиц).

    >>> chain_costs_brute([10, 100, 5, 50])
    {'(A1·(A2·A3))': 75000, '((A1·A2)·A3)': 7500}
    """
    def orders(i: int, j: int):
        if i == j:
            yield f"A{i + 1}", 0, (dims[i], dims[i + 1])
            return
        for k in range(i, j):
            for (ls, lc, (p, q)), (rs, rc, (_, r)) in itertools.product(orders(i, k), orders(k + 1, j)):
                yield f"({ls}·{rs})", lc + rc + p * q * r, (p, r)

    return {s: c for s, c, _ in orders(0, len(dims) - 2)}
# --8<-- [end:chain]
