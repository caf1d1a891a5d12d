"""Метрики качества классификации с нуля: матрица ошибок, precision/recall/F1, ROC и PR с AUC, BLEU.

Соглашения scikit-learn: строки матрицы ошибок — истинный класс, столбцы — предсказанный;
класс 1 — положительный. Тесты сверяют каждую функцию с ``sklearn.metrics``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import plotly.graph_objects as go

from snippets._plotting import new_figure

Array = np.ndarray


# --8<-- [start:prf]
def confusion_matrix(y_true: Array, y_pred: Array, n_classes: int) -> Array:
    """C[i, j] — сколько примеров класса i предсказано как j.

    >>> confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    array([[1, 1],
           [0, 2]])
    """
    return np.bincount(n_classes * y_true + y_pred, minlength=n_classes ** 2).reshape(n_classes, -1)


def precision_recall_f1(cm: Array, average: str | None = None) -> tuple:
    """Precision = TP/(TP+FP) (столбец), recall = TP/(TP+FN) (строка), F1 = 2PR/(P+R).

    average: None — по классам; "macro" — среднее по классам; "micro" — по суммарным TP, FP, FN
    (для однометочной задачи равно accuracy); "weighted" — среднее с весами = размер класса.

    >>> cm = np.array([[1, 1], [0, 2]])
    >>> [round(float(v), 3) for v in precision_recall_f1(cm, "macro")]
    [0.833, 0.75, 0.733]
    """
    tp = np.diag(cm).astype(float)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    p = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    r = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)
    if average in ("macro", "weighted"):
        w = cm.sum(axis=1) if average == "weighted" else np.ones(len(cm))
        return tuple(float(np.average(m, weights=w)) for m in (p, r, f1))
    return p, r, f1
# --8<-- [end:prf]


# --8<-- [start:curves]
def _ranked(y: Array, scores: Array) -> tuple[Array, Array, Array]:
    """TP и FP при пороге «score ≥ t» для каждого различного значения t по убыванию."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]     # последний индекс каждой группы
    tp = np.cumsum(y)[last]
    return tp, (last + 1) - tp, s[last]


def roc_curve(y: Array, scores: Array) -> tuple[Array, Array, Array]:
    """ROC: FPR = FP/N₋ и TPR = TP/N₊ при всех порогах; первая точка (0, 0) — порог +∞.

    >>> fpr, tpr, _ = roc_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> fpr.tolist(), tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    """
    tp, fp, thr = _ranked(y, scores)
    return np.r_[0, fp] / fp[-1], np.r_[0, tp] / tp[-1], np.r_[np.inf, thr]


def auc(x: Array, y: Array) -> float:
    """Площадь под кривой методом трапеций: Σ (x_{k+1} − x_k)(y_k + y_{k+1})/2.

    >>> auc(np.array([0.0, 0.0, 0.5, 0.5, 1.0]), np.array([0.0, 0.5, 0.5, 1.0, 1.0]))
    0.75
    """
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def pr_curve(y: Array, scores: Array) -> tuple[Array, Array, Array]:
    """Precision = TP/(TP+FP) и recall = TP/N₊ при всех порогах (по убыванию порога).

    >>> p, r, _ = pr_curve(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> p.round(3).tolist(), r.tolist()
    ([1.0, 0.5, 0.667, 0.5], [0.5, 0.5, 1.0, 1.0])
    """
    tp, fp, thr = _ranked(y, scores)
    return tp / (tp + fp), tp / tp[-1], thr


def average_precision(y: Array, scores: Array) -> float:
    """AP = Σ_k (R_k − R_{k−1}) P_k — площадь под ступенчатой PR-кривой (как в scikit-learn).

    >>> round(average_precision(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])), 4)
    0.8333
    """
    p, r, _ = pr_curve(y, scores)
    return float(np.sum(np.diff(np.r_[0, r]) * p))
# --8<-- [end:curves]


# --8<-- [start:bleu]
def bleu(candidate: list[str], references: list[list[str]], max_n: int = 4) -> float:
    """BLEU (Papineni et al., 2002) одного предложения без сглаживания:

    BLEU = BP · exp((1/N) Σ_n log p_n), p_n — доля n-грамм кандидата, встречающихся в
    переводе-эталоне (счёт n-граммы обрезается её максимумом в одном эталоне);
    BP = 1 при c > r, иначе e^{1 − r/c}; c — длина кандидата, r — ближайшая длина эталона.

    >>> bleu("the the the the the the the".split(), ["the cat is on the mat".split()], max_n=1)
    0.2857142857142857
    """
    log_p = 0.0
    for n in range(1, max_n + 1):
        grams = Counter(tuple(candidate[i:i + n]) for i in range(len(candidate) - n + 1))
        max_ref = Counter()
        for ref in references:
            max_ref |= Counter(tuple(ref[i:i + n]) for i in range(len(ref) - n + 1))
        clipped = sum(min(c, max_ref[g]) for g, c in grams.items())
        if clipped == 0:
            return 0.0
        log_p += np.log(clipped / sum(grams.values())) / max_n
    c = len(candidate)
    r = min((abs(len(ref) - c), len(ref)) for ref in references)[1]
    return float(np.exp(log_p) * (1.0 if c > r else np.exp(1 - r / c)))
# --8<-- [end:bleu]


# --8<-- [start:calibration]
def brier_score(y: Array, prob: Array) -> float:
    """Brier score = (1/n) Σ (p_i − y_i)² — MSE вероятностей; 0 — идеал, у константы 0,5 — 0,25.

    >>> brier_score(np.array([1, 0]), np.array([0.8, 0.4]))
    0.1
    """
    return float(np.mean((prob - y) ** 2))


def calibration_bins(y: Array, prob: Array, n_bins: int = 10) -> tuple[Array, Array, Array]:
    """Диаграмма надёжности: для равных интервалов уверенности — средняя уверенность,
    доля положительных и число примеров в интервале (пустые интервалы выброшены)."""
    idx = np.minimum((prob * n_bins).astype(int), n_bins - 1)
    count = np.bincount(idx, minlength=n_bins)
    conf = np.bincount(idx, weights=prob, minlength=n_bins)
    freq = np.bincount(idx, weights=y, minlength=n_bins)
    keep = count > 0
    return conf[keep] / count[keep], freq[keep] / count[keep], count[keep]


def expected_calibration_error(y: Array, prob: Array, n_bins: int = 10) -> float:
    """ECE = Σ_b (n_b/n) |acc_b − conf_b| (Guo et al., 2017; здесь — для вероятности класса 1).

    >>> expected_calibration_error(np.array([1, 1, 0, 0]), np.array([0.9, 0.9, 0.1, 0.1]))
    0.1
    """
    conf, freq, count = calibration_bins(y, prob, n_bins)
    return float(np.sum(count / count.sum() * np.abs(freq - conf)))
# --8<-- [end:calibration]


# --8<-- [start:ranking]
def dcg_at_k(rel: Array, k: int) -> float:
    """DCG@k = Σ_{i≤k} rel_i / log₂(i + 1), rel — релевантности в порядке выдачи."""
    rel = np.asarray(rel, dtype=float)[:k]
    return float(np.sum(rel / np.log2(np.arange(2, rel.size + 2))))


def ndcg_at_k(rel: Array, k: int) -> float:
    """NDCG@k = DCG@k / DCG@k идеальной (отсортированной) выдачи.

    >>> round(ndcg_at_k(np.array([0, 1]), k=2), 4)     # релевантный документ на 2-м месте
    0.6309
    """
    ideal = dcg_at_k(np.sort(rel)[::-1], k)
    return dcg_at_k(rel, k) / ideal if ideal > 0 else 0.0


def recall_at_k(rel: Array, k: int) -> float:
    """Recall@k — доля всех релевантных, попавших в первые k (rel бинарный).

    >>> recall_at_k(np.array([1, 0, 0, 1]), k=2)
    0.5
    """
    rel = np.asarray(rel)
    return float(rel[:k].sum() / rel.sum())


def average_precision_at_k(rel: Array, k: int) -> float:
    """AP@k = (1/min(k, R)) Σ_{i≤k} P@i · rel_i; среднее по запросам — MAP@k.

    >>> average_precision_at_k(np.array([1, 0, 1]), k=3)   # (1/1 + 2/3) / 2
    0.8333333333333333
    """
    rel = np.asarray(rel, dtype=float)
    hits = rel[:k]
    prec = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float(np.sum(prec * hits) / min(k, rel.sum()))
# --8<-- [end:ranking]


# --8<-- [start:fid]
def frechet_distance(mu1: Array, cov1: Array, mu2: Array, cov2: Array) -> float:
    """Расстояние Фреше между гауссианами (основа FID, Heusel et al., 2017):
    ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^{1/2}).

    >>> frechet_distance(np.zeros(2), np.eye(2), np.ones(2), np.eye(2))
    2.0
    """
    from scipy.linalg import sqrtm
    covmean = sqrtm(cov1 @ cov2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * covmean))
# --8<-- [end:fid]


def synthetic_scores(n_pos: int, n_neg: int, seed: int = 0) -> tuple[Array, Array]:
    """Оценки классификатора: N(1,5; 1) у положительных, N(0; 1) у отрицательных."""
    rng = np.random.default_rng(seed)
    s = np.r_[rng.normal(1.5, 1, n_pos), rng.normal(0, 1, n_neg)]
    return np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)], s


def _thin(*arrays: Array, k: int = 400) -> list[Array]:
    idx = np.unique(np.linspace(0, len(arrays[0]) - 1, k).astype(int))
    return [a[idx].round(4) for a in arrays]


def roc_pr_figure(kind: str) -> go.Figure:
    """ROC (kind="roc") или PR (kind="pr") одного классификатора при 50 % и 1 % положительных."""
    fig = new_figure("ROC-кривая" if kind == "roc" else "Precision–recall",
                     "FPR" if kind == "roc" else "recall", "TPR" if kind == "roc" else "precision")
    for name, (pos, neg) in {"50 % положительных": (1000, 1000),
                             "1 % положительных": (100, 9900)}.items():
        y, s = synthetic_scores(pos, neg)
        if kind == "roc":
            fpr, tpr, _ = roc_curve(y, s)
            x, v, label = *_thin(fpr, tpr), f"ROC AUC = {auc(fpr, tpr):.3f}"
        else:
            p, r, _ = pr_curve(y, s)
            r, p = _thin(r, p)
            x, v, label = r, p, f"AP = {average_precision(y, s):.3f}"
        fig.add_scatter(x=x, y=v, mode="lines", name=f"{name}: {label}")
    if kind == "roc":
        fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line_dash="dot", name="случайный: 0,5")
    return fig


def confusion_figure(cm: Array, labels: list[str]) -> go.Figure:
    """Тепловая карта матрицы ошибок с числами в клетках."""
    fig = new_figure("Матрица ошибок", "предсказанный класс", "истинный класс")
    fig.add_heatmap(z=cm, x=labels, y=labels, text=cm, texttemplate="%{text}", showscale=False,
                    colorscale="Blues")
    fig.update_yaxes(autorange="reversed")
    return fig


def emergence_figure(length: int = 10) -> go.Figure:
    """«Мираж» эмерджентности (Schaeffer et al., 2023): точность одного токена p плавно растёт
    с размером модели, а точное совпадение ответа из L токенов p^L выглядит скачком."""
    n = np.logspace(7, 12, 60)
    p = 1 / (1 + (n / 1e9) ** -0.5)           # гладкий рост точности токена с числом параметров
    fig = new_figure("Одна и та же модель, две метрики", "параметров модели",
                     "значение метрики", xaxis_type="log")
    fig.add_scatter(x=n, y=p.round(4), mode="lines", name="точность токена p (непрерывная)")
    fig.add_scatter(x=n, y=(p ** length).round(4), mode="lines",
                    name=f"точное совпадение p^{length} (разрывная)")
    return fig
