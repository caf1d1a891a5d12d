"""Векторы слов: игрушечный русский корпус, PPMI + SVD, skip-gram с отрицательными примерами, GloVe.

Mikolov et al. (2013a, 2013b) — Word2Vec; Levy & Goldberg (2014) — SGNS как факторизация PMI;
Pennington et al. (2014) — GloVe. Всё на NumPy, градиенты выписаны вручную (тесты сверяют их
с autograd PyTorch). Обозначения: V — векторы слов-центров, U — векторы контекстов.
"""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import COLORS, new_figure

Array = np.ndarray

# --8<-- [start:corpus]
# «X столица Y»: столица и страна с одним индексом
CAPITALS = ["москва", "париж", "берлин", "рим", "лондон", "мадрид"]
COUNTRIES = ["россии", "франции", "германии", "италии", "англии", "испании"]
CLASSES = {  # смысловые классы слов игрушечного корпуса
    "люди": ["мама", "папа", "бабушка", "дедушка", "мальчик", "девочка", "учитель", "врач"],
    "животные": ["кошка", "собака", "лиса", "волк", "медведь", "заяц", "ёж", "белка"],
    "еда": ["кашу", "хлеб", "сыр", "суп", "яблоко", "рыбу", "мясо", "пирог"],
    "напитки": ["чай", "кофе", "молоко", "сок", "воду", "компот", "кефир", "какао"],
    "места": ["лесу", "поле", "саду", "парке"],
    "города": ["москву", *CAPITALS],                # «едет в москву», «москва столица россии»
    "страны": COUNTRIES,
    "время": ["утром", "вечером", "часто", "иногда"],
}


def toy_corpus(n_sentences: int = 3000, seed: int = 0) -> list[list[str]]:
    """Предложения из шаблонов: слова одного класса встречаются в одинаковых контекстах.

    >>> toy_corpus(3, seed=1)
    [['врач', 'едет', 'в', 'москву'], ['папа', 'пьёт', 'молоко'], ['учитель', 'ест', 'сыр']]
    """
    rng = np.random.default_rng(seed)
    pick = lambda cls: CLASSES[cls][rng.integers(len(CLASSES[cls]))]
    out = []
    for _ in range(n_sentences):
        time = [pick("время")] if rng.random() < 0.4 else []
        kind = rng.integers(6)
        if kind == 0:
            s = time + [pick("люди"), "пьёт", pick("напитки")]
        elif kind == 1:
            s = time + [pick("люди"), "ест", pick("еда")]
        elif kind == 2:
            s = [pick("люди"), "пьёт", pick("напитки"), "и", "ест", pick("еда")]
        elif kind == 3:
            verb = ["живёт", "спит", "бегает"][rng.integers(3)]
            s = time + [pick("животные"), verb, "в", pick("места")]
        elif kind == 4:
            s = time + [pick("люди"), "едет", "в", pick("города")]
        else:
            i = rng.integers(len(CAPITALS))
            s = [CAPITALS[i], "столица", COUNTRIES[i]]
        out.append(s)
    return out
# --8<-- [end:corpus]


def word_class(word: str) -> str:
    """Смысловой класс слова из CLASSES или «прочие» (глаголы, предлоги).

    >>> word_class("чай"), word_class("пьёт")
    ('напитки', 'прочие')
    """
    return next((k for k, ws in CLASSES.items() if word in ws), "прочие")


def build_vocab(sentences: list[list[str]]) -> tuple[list[str], Array]:
    """Словарь, упорядоченный по убыванию частоты (при равенстве — по алфавиту), и частоты.

    >>> build_vocab([["а", "б", "а"]])
    (['а', 'б'], array([2, 1]))
    """
    counts: dict[str, int] = {}
    for s in sentences:
        for w in s:
            counts[w] = counts.get(w, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return words, np.array([counts[w] for w in words])


# --8<-- [start:sampling]
def noise_distribution(counts: Array, power: float = 0.75) -> Array:
    """Распределение отрицательных примеров P_n(w) ∝ count(w)^{3/4} (Mikolov et al., 2013b).

    >>> noise_distribution(np.array([16, 1])).round(3)   # 8 : 1 вместо 16 : 1
    array([0.889, 0.111])
    """
    p = counts.astype(float) ** power
    return p / p.sum()


def keep_probability(counts: Array, t: float = 1e-3) -> Array:
    """Прореживание частых слов: слово w остаётся с вероятностью min(1, √(t / f(w))), f — доля в корпусе.

    Так в статье (Mikolov et al., 2013b); в коде word2vec.c вероятность чуть больше: √(t/f) + t/f.

    >>> keep_probability(np.array([900, 100]), t=0.01).round(3)
    array([0.105, 0.316])
    """
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(t / f))


def skipgram_pairs(ids: list[Array], window: int, rng: np.random.Generator) -> Array:
    """Пары (центр, контекст) внутри предложений; ширина окна b ~ U{1..window} для каждого центра.

    >>> skipgram_pairs([np.array([0, 1, 2])], 1, np.random.default_rng(0)).tolist()
    [[0, 1], [1, 0], [1, 2], [2, 1]]
    """
    pairs = []
    for s in ids:
        for i, c in enumerate(s):
            b = rng.integers(1, window + 1)
            pairs += [(c, s[j]) for j in range(max(0, i - b), min(len(s), i + b + 1)) if j != i]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)
# --8<-- [end:sampling]


# --8<-- [start:sgns]
def sgns_loss_grads(V: Array, U: Array, c: Array, o: Array, neg: Array) -> tuple[float, Array, Array]:
    """Потеря SGNS, суммарная по пакету, и её градиенты по V и U.

    ℓ = −log σ(u_oᵀv_c) − Σ_k log σ(−u_kᵀv_c);  ∂ℓ/∂v_c = (σ(u_oᵀv_c) − 1)·u_o + Σ_k σ(u_kᵀv_c)·u_k,
    ∂ℓ/∂u_o = (σ(u_oᵀv_c) − 1)·v_c,  ∂ℓ/∂u_k = σ(u_kᵀv_c)·v_c.
    c, o — (B,) индексы центров и контекстов, neg — (B, K) отрицательные примеры.

    >>> V, U = np.zeros((3, 2)), np.zeros((3, 2))
    >>> round(sgns_loss_grads(V, U, np.array([0]), np.array([1]), np.array([[2, 2]]))[0], 4)  # 3·log 2
    2.0794
    """
    v, u_pos, u_neg = V[c], U[o], U[neg]                        # (B,d), (B,d), (B,K,d)
    s_pos = np.einsum("bd,bd->b", u_pos, v)
    s_neg = np.einsum("bkd,bd->bk", u_neg, v)
    loss = np.logaddexp(0, -s_pos).sum() + np.logaddexp(0, s_neg).sum()   # −log σ(x) = log(1+e^{−x})
    g_pos = 1 / (1 + np.exp(-s_pos)) - 1                        # ∂ℓ/∂s_pos
    g_neg = 1 / (1 + np.exp(-s_neg))                            # ∂ℓ/∂s_neg
    dV, dU = np.zeros_like(V), np.zeros_like(U)
    np.add.at(dV, c, g_pos[:, None] * u_pos + np.einsum("bk,bkd->bd", g_neg, u_neg))
    np.add.at(dU, o, g_pos[:, None] * v)
    np.add.at(dU, neg, g_neg[..., None] * v[:, None, :])
    return float(loss), dV, dU


def train_sgns(sentences: list[list[str]], dim: int = 16, window: int = 2, k: int = 5,
               epochs: int = 5, lr: float = 0.025, batch: int = 256, t: float = 1e-2,
               seed: int = 0) -> tuple[list[str], Array, Array, list[float]]:
    """Skip-gram с отрицательными примерами: SGD с линейно убывающим шагом (α₀ = 0,025, как в word2vec).

    Пары обрабатываются пакетами по ``batch`` (градиент суммы). Возвращает (словарь, V, U, средняя
    потеря на пару по эпохам). Инициализация как в word2vec: V ~ U(±0,5/d), U = 0.
    """
    rng = np.random.default_rng(seed)
    words, counts = build_vocab(sentences)
    index = {w: i for i, w in enumerate(words)}
    ids = [np.array([index[w] for w in s]) for s in sentences]
    p_noise, p_keep = noise_distribution(counts), keep_probability(counts, t)
    V = (rng.random((len(words), dim)) - 0.5) / dim
    U = np.zeros((len(words), dim))
    history, step, total = [], 0, None
    for _ in range(epochs):
        kept = [s[rng.random(len(s)) < p_keep[s]] for s in ids]      # прореживание — заново каждую эпоху
        pairs = rng.permutation(skipgram_pairs(kept, window, rng))
        total = total or epochs * (len(pairs) // batch + 1)
        losses = []
        for i in range(0, len(pairs), batch):
            c, o = pairs[i:i + batch].T
            neg = rng.choice(len(words), size=(len(c), k), p=p_noise)
            loss, dV, dU = sgns_loss_grads(V, U, c, o, neg)
            eta = lr * max(1e-4, 1 - step / total)
            V -= eta * dV
            U -= eta * dU
            losses.append(loss / len(c))
            step += 1
        history.append(float(np.mean(losses)))
    return words, V, U, history
# --8<-- [end:sgns]


# --8<-- [start:ppmi]
def cooccurrence(sentences: list[list[str]], words: list[str], window: int = 2,
                 weighting: str = "uniform") -> Array:
    """Симметричная матрица совместной встречаемости X_ij в окне ±window.

    weighting="harmonic" — вклад 1/расстояние, как в GloVe.

    >>> cooccurrence([["а", "б", "в"]], ["а", "б", "в"], window=1).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    index = {w: i for i, w in enumerate(words)}
    X = np.zeros((len(words), len(words)))
    for s in sentences:
        for i, w in enumerate(s):
            for d in range(1, window + 1):
                if i + d < len(s):
                    inc = 1.0 / d if weighting == "harmonic" else 1.0
                    X[index[w], index[s[i + d]]] += inc
                    X[index[s[i + d]], index[w]] += inc
    return X


def ppmi(X: Array, alpha: float = 1.0) -> Array:
    """PPMI(w, c) = max(0, log P(w,c) / (P(w) P_α(c))), P_α(c) ∝ count(c)^α (α = 0,75 — сглаживание).

    >>> ppmi(np.array([[0.0, 2.0], [2.0, 0.0]])).round(3).tolist()   # log(0,5 / 0,25) = log 2
    [[0.0, 0.693], [0.693, 0.0]]
    """
    p_wc = X / X.sum()
    p_w = X.sum(1) / X.sum()
    p_c = X.sum(0) ** alpha / (X.sum(0) ** alpha).sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(p_wc / np.outer(p_w, p_c))
    return np.maximum(pmi, 0.0)


def svd_embeddings(M: Array, dim: int) -> Array:
    """Векторы слов из усечённого SVD: M ≈ U_d Σ_d V_dᵀ, строки U_d Σ_d^{1/2} (Levy et al., 2015).

    >>> E = svd_embeddings(np.diag([4.0, 1.0]), dim=1)      # ранг 1: остаётся главное направление
    >>> E.round(3).tolist()
    [[2.0], [0.0]]
    """
    Uu, S, _ = np.linalg.svd(M)
    return Uu[:, :dim] * np.sqrt(S[:dim])
# --8<-- [end:ppmi]


# --8<-- [start:glove]
def glove_weight(x: Array, x_max: float = 100.0, alpha: float = 0.75) -> Array:
    """Весовая функция GloVe: f(x) = (x / x_max)^α при x < x_max, иначе 1.

    >>> glove_weight(np.array([1.0, 50.0, 100.0, 500.0])).round(3)
    array([0.032, 0.595, 1.   , 1.   ])
    """
    return np.minimum(1.0, (x / x_max) ** alpha)


def glove_loss_grads(W: Array, Wc: Array, b: Array, bc: Array, i: Array, j: Array,
                     x: Array) -> tuple[float, tuple[Array, Array, Array, Array]]:
    """J = Σ f(X_ij)(w_iᵀw̃_j + b_i + b̃_j − log X_ij)² по ненулевым X_ij; градиенты — 2 f(X_ij)·e_ij·(…).

    >>> z = np.zeros((1, 2))                               # нулевые векторы: J = f(x)·(log x)²
    >>> round(glove_loss_grads(z, z, np.zeros(1), np.zeros(1), [0], [0], np.array([100.0]))[0], 4)
    21.2076
    """
    f = glove_weight(x)
    e = np.einsum("nd,nd->n", W[i], Wc[j]) + b[i] + bc[j] - np.log(x)
    g = 2 * f * e
    dW, dWc, db, dbc = np.zeros_like(W), np.zeros_like(Wc), np.zeros_like(b), np.zeros_like(bc)
    np.add.at(dW, i, g[:, None] * Wc[j])
    np.add.at(dWc, j, g[:, None] * W[i])
    np.add.at(db, i, g)
    np.add.at(dbc, j, g)
    return float((f * e**2).sum()), (dW, dWc, db, dbc)


def train_glove(X: Array, dim: int = 16, epochs: int = 300, lr: float = 0.05,
                seed: int = 0) -> tuple[Array, list[float]]:
    """GloVe полным пакетом с AdaGrad (как в статье); итоговые векторы слов — W + W̃."""
    rng = np.random.default_rng(seed)
    n = len(X)
    params = [(rng.random((n, dim)) - 0.5) / dim, (rng.random((n, dim)) - 0.5) / dim,
              np.zeros(n), np.zeros(n)]
    acc = [np.full_like(p, 1e-8) for p in params]           # сумма квадратов градиентов (AdaGrad)
    i, j = np.nonzero(X)
    history = []
    for _ in range(epochs):
        loss, grads = glove_loss_grads(*params, i, j, X[i, j])
        for p, g, a in zip(params, grads, acc):
            a += g**2
            p -= lr * g / np.sqrt(a)
        history.append(loss)
    return params[0] + params[1], history
# --8<-- [end:glove]


# --8<-- [start:neighbours]
def nearest(E: Array, words: list[str], word: str, n: int = 5) -> list[tuple[str, float]]:
    """n ближайших соседей слова по косинусной близости cos(a, b) = aᵀb / (‖a‖‖b‖).

    >>> nearest(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]), ["a", "b", "c"], "a", n=2)
    [('b', 0.994), ('c', 0.0)]
    """
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    sims = En @ En[words.index(word)]
    order = [k for k in np.argsort(-sims, kind="stable") if words[k] != word][:n]
    return [(words[k], round(float(sims[k]), 3)) for k in order]
# --8<-- [end:neighbours]


def neighbour_purity(E: Array, words: list[str], n: int = 3) -> float:
    """Доля из n ближайших соседей, попавших в тот же смысловой класс (по словам из CLASSES).

    >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> neighbour_purity(E, ["чай", "кофе", "кошка", "собака"], n=1)
    1.0
    """
    content = [w for w in words if word_class(w) != "прочие"]
    hits = [word_class(v) == word_class(w) for w in content for v, _ in nearest(E, words, w, n)]
    return float(np.mean(hits))


@functools.lru_cache(maxsize=2)
def trained(seed: int = 0) -> tuple[list[str], Array, Array]:
    """Корпус по умолчанию и обученная на нём SGNS (кэш: страница обучает модель один раз)."""
    words, V, U, _ = train_sgns(toy_corpus(seed=seed), seed=seed)
    return words, V, U


def embedding_map_figure(E: Array, words: list[str], title: str) -> go.Figure:
    """Двумерная карта векторов: проекция на две главные компоненты, цвет — смысловой класс."""
    Ec = E - E.mean(0)
    _, _, Vt = np.linalg.svd(Ec, full_matrices=False)
    xy = np.round(Ec @ Vt[:2].T, 3)
    fig = new_figure(title, "главная компонента 1", "главная компонента 2")
    for n, cls in enumerate([*CLASSES, "прочие"]):
        idx = [k for k, w in enumerate(words) if word_class(w) == cls]
        fig.add_scatter(x=xy[idx, 0], y=xy[idx, 1], mode="markers+text", name=cls,
                        text=[words[k] for k in idx], textposition="top center", textfont_size=10,
                        marker=dict(size=8, color=COLORS[n % len(COLORS)],
                                    symbol="diamond" if n >= len(COLORS) else "circle"))
    return fig


def sgns_vs_shifted_pmi(sentences: list[list[str]], k: int = 5, seed: int = 0) -> tuple[Array, Array]:
    """Проверка Levy & Goldberg (2014): у обученной SGNS v_wᵀu_c ≈ PMI_{3/4}(w, c) − log k.

    SGNS учим без прореживания (оно меняет счётчики); X — счётчики с весом 1/расстояние: это
    ожидаемый вес пары при окне b ~ U{1, 2}. Возвращает (PMI − log k, v_wᵀu_c) по парам с X_wc > 0.
    """
    words, V, U, _ = train_sgns(sentences, k=k, t=1.0, seed=seed)
    X = cooccurrence(sentences, words, window=2, weighting="harmonic")
    p_c = X.sum(0) ** 0.75 / (X.sum(0) ** 0.75).sum()
    mask = X > 0
    pmi = np.log((X / X.sum())[mask] / np.outer(X.sum(1) / X.sum(), p_c)[mask])
    return pmi - np.log(k), (V @ U.T)[mask]


def pmi_scatter_figure(shifted_pmi: Array, dots: Array) -> go.Figure:
    """Точка — пара (слово, контекст): по x сдвинутый PMI, по y скалярное произведение SGNS."""
    fig = new_figure("SGNS неявно факторизует сдвинутую матрицу PMI",
                     "PMI(w, c) − log k", "v_wᵀ u_c после обучения SGNS")
    fig.add_scatter(x=np.round(shifted_pmi, 3), y=np.round(dots, 3), mode="markers",
                    marker=dict(size=5, opacity=0.6), name="пары (w, c)")
    lo, hi = float(shifted_pmi.min()), float(shifted_pmi.max())
    fig.add_scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="y = x", line=dict(dash="dash"))
    return fig


# --8<-- [start:analogy]
def analogy(E: Array, words: list[str], a: str, b: str, c: str, exclude: bool = True,
            method: str = "add") -> str:
    """Ответ на аналогию «a относится к b, как c к ?» (Mikolov et al., 2013a).

    3CosAdd: argmax_d cos(d, b − a + c) по нормированным векторам (= cos(d,b) − cos(d,a) + cos(d,c));
    3CosMul (Levy & Goldberg, 2014b): argmax_d cos'(d,b)·cos'(d,c) / (cos'(d,a) + 0,001), cos' = (cos + 1)/2.
    exclude=True — слова запроса a, b, c не могут быть ответом (так принято в тестах аналогий).

    >>> E = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 1.1]])
    >>> ws = ["a", "b", "c", "d"]
    >>> analogy(E, ws, "a", "b", "c"), analogy(E, ws, "a", "b", "c", exclude=False)
    ('d', 'c')
    """
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    ia, ib, ic = (words.index(w) for w in (a, b, c))
    if method == "add":
        scores = En @ (En[ib] - En[ia] + En[ic])
    else:
        cos = lambda i: (En @ En[i] + 1) / 2
        scores = cos(ib) * cos(ic) / (cos(ia) + 1e-3)
    if exclude:
        scores[[ia, ib, ic]] = -np.inf
    return words[int(np.argmax(scores))]
# --8<-- [end:analogy]


def capital_analogies(E: Array, words: list[str], exclude: bool = True,
                      method: str = "add") -> tuple[float, float]:
    """Все вопросы «страна_i : столица_i = страна_j : ?» корпуса (i ≠ j):
    (доля верных ответов, доля ответов — одно из слов запроса)."""
    right = query = 0
    pairs = [(i, j) for i in range(len(CAPITALS)) for j in range(len(CAPITALS)) if i != j]
    for i, j in pairs:
        q = (COUNTRIES[i], CAPITALS[i], COUNTRIES[j])
        got = analogy(E, words, *q, exclude=exclude, method=method)
        right += got == CAPITALS[j]
        query += got in q
    return right / len(pairs), query / len(pairs)


WINDOW_WORDS = ["пьёт", "ест", "едет", "живёт", "чай", "кофе", "хлеб", "суп",
                "мама", "врач", "кошка", "лиса", "лесу", "москву", "утром"]
WINDOWS = [1, 2, 4]


@functools.lru_cache(maxsize=8)
def trained_window(window: int, seed: int = 0) -> tuple[list[str], Array]:
    """SGNS на корпусе по умолчанию с окном ±window (кэш: кадры фигуры и тесты обучают один раз)."""
    if window == 2:                                   # те же параметры, что у trained()
        return trained(seed)[:2]
    words, V, _, _ = train_sgns(toy_corpus(seed=seed), window=window, seed=seed)
    return words, V


def window_similarity_traces(window: int, show_words: list[str] = WINDOW_WORDS) -> list[go.Heatmap]:
    """Кадр «окно ±m»: косинусы векторов SGNS между словами show_words."""
    words, V = trained_window(window)
    E = V[[words.index(w) for w in show_words]]
    En = E / np.linalg.norm(E, axis=1, keepdims=True)
    return [go.Heatmap(z=np.round(En @ En.T, 3), x=show_words, y=show_words, zmin=-1, zmax=1,
                       colorscale="RdBu", reversescale=True, colorbar={"title": "cos"})]


def window_figure(windows: list[int] = WINDOWS, active: int = 0) -> go.Figure:
    """Ползунок по ширине окна word2vec: какие слова становятся близкими."""
    from snippets._plotting import explorable
    fig = explorable("Окно word2vec и сходство слов", "", "", "окно ±m", windows,
                     window_similarity_traces, active=active,
                     title_for=lambda m: f"Косинусы векторов SGNS, окно ±{m}")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=520)
    return fig
