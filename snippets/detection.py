"""Детекция: IoU, NMS, сопоставление с разметкой, precision–recall, AP и mAP (VOC и COCO), focal loss.

Рамки — массивы (N, 4) в формате (x1, y1, x2, y2), площадь (x2 − x1)(y2 − y1), как в COCO и
torchvision (в devkit PASCAL VOC к ширине и высоте прибавляют 1 пиксель). Тесты сверяют NMS
с переборной реализацией, а mAP — с официальным pycocotools.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from snippets._plotting import COLORS, new_figure

Array = np.ndarray


# --8<-- [start:iou]
def box_iou(a: Array, b: Array) -> Array:
    """Матрица IoU(a_i, b_j) = |a_i ∩ b_j| / |a_i ∪ b_j| для рамок (N, 4) и (M, 4).

    >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]]))
    array([[0.14285714, 1.        , 0.        ]])
    """
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])   # левый верхний угол пересечения
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])   # правый нижний
    inter = np.clip(rb - lt, 0, None).prod(axis=2)
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)
# --8<-- [end:iou]


# --8<-- [start:nms]
def nms(boxes: Array, scores: Array, iou_threshold: float = 0.5) -> Array:
    """Жадное подавление немаксимумов: берём рамку с наибольшей уверенностью, выбрасываем все,
    у которых IoU с ней > порога, повторяем. Возвращает индексы оставленных по убыванию score.

    >>> b = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
    >>> nms(b, np.array([0.9, 0.8, 0.7]), 0.5)
    array([0, 2])
    """
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i, order = order[0], order[1:]
        keep.append(i)
        order = order[box_iou(boxes[i:i + 1], boxes[order])[0] <= iou_threshold]
    return np.array(keep, dtype=int)
# --8<-- [end:nms]


# --8<-- [start:ap]
def match(pred: Array, scores: Array, gt: Array, iou_thr: float, rule: str = "coco") -> Array:
    """Метки TP (1) / FP (0) для предсказаний одного класса на одной картинке, в порядке убывания score.

    Каждая истинная рамка засчитывается не больше одного раза. ``coco``: лучшая по IoU из ещё
    свободных с IoU ≥ порога; ``voc``: рамка с максимальным IoU среди всех, и если она уже
    занята — ложное срабатывание.
    """
    order = np.argsort(-scores, kind="stable")
    ious = box_iou(pred[order], gt) if len(gt) else np.zeros((len(pred), 0))
    taken, tp = np.zeros(len(gt), bool), np.zeros(len(pred))
    for k, row in enumerate(ious):
        cand = np.where(taken, -1.0, row) if rule == "coco" else row
        j = int(np.argmax(cand)) if len(gt) else -1
        if j >= 0 and cand[j] >= iou_thr and not taken[j]:
            taken[j], tp[k] = True, 1.0
    return tp


def average_precision(recall: Array, precision: Array, method: str = "all") -> float:
    """AP — площадь под огибающей PR-кривой, p_interp(r) = max_{r' ≥ r} p(r').

    ``all`` (VOC 2010+): Σ (r_k − r_{k−1}) · p_interp(r_k); ``voc11`` (VOC 2007): среднее
    p_interp по r ∈ {0; 0,1; …; 1}; ``coco101``: среднее по 101 точке r ∈ {0; 0,01; …; 1}.

    >>> r, p = np.array([0.5, 0.5, 1.0]), np.array([1.0, 0.5, 2 / 3])
    >>> round(average_precision(r, p), 4), round(average_precision(r, p, "voc11"), 4)
    (0.8333, 0.8485)
    """
    p_interp = np.maximum.accumulate(precision[::-1])[::-1]          # огибающая справа
    if method == "all":
        r = np.concatenate([[0.0], recall])
        return float(np.sum((r[1:] - r[:-1]) * p_interp))
    grid = np.linspace(0, 1, 11 if method == "voc11" else 101)
    idx = np.searchsorted(recall, grid, side="left")                  # первая точка с r ≥ t
    return float(np.mean([p_interp[i] if i < len(recall) else 0.0 for i in idx]))


def pr_curve(tp: Array, scores: Array, n_gt: int) -> tuple[Array, Array]:
    """Precision = TP/(TP + FP) и recall = TP/n_gt по порогам уверенности (от высокой к низкой)."""
    tp = tp[np.argsort(-scores, kind="stable")]
    tps, fps = np.cumsum(tp), np.cumsum(1 - tp)
    return tps / n_gt, tps / np.maximum(tps + fps, np.finfo(float).eps)


def mean_ap(dets: list[tuple[Array, Array, Array]], gts: list[tuple[Array, Array]],
            iou_thresholds: Array | tuple = (0.5,), method: str = "all", rule: str = "coco") -> float:
    """mAP: среднее AP по классам (и по порогам IoU). dets[i] = (рамки, score, классы) картинки i,
    gts[i] = (рамки, классы). VOC: пороги [0,5], ``all``; COCO: 0,5:0,05:0,95, ``coco101``."""
    aps = []
    for c in np.unique(np.concatenate([g[1] for g in gts])):
        for thr in iou_thresholds:
            tp, sc, n_gt = [], [], 0
            for (b, s, lab), (gb, glab) in zip(dets, gts):
                order = np.argsort(-s[lab == c], kind="stable")
                sc.append(s[lab == c][order])
                tp.append(match(b[lab == c][order], sc[-1], gb[glab == c], thr, rule))
                n_gt += int((glab == c).sum())
            tp, sc = np.concatenate(tp), np.concatenate(sc)
            aps.append(average_precision(*pr_curve(tp, sc, n_gt), method) if len(tp) else 0.0)
    return float(np.mean(aps))
# --8<-- [end:ap]


COCO_THRESHOLDS = np.round(np.arange(0.5, 0.951, 0.05), 2)


# --8<-- [start:focal]
def focal_loss(logits: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25,
               gamma: float = 2.0) -> torch.Tensor:
    """Focal loss (Lin et al., 2017), сумма по элементам: FL = −α_t (1 − p_t)^γ log p_t,

    p_t = p для положительных (y = 1) и 1 − p для отрицательных, α_t = α или 1 − α.
    При γ = 0 и α = 0,5 — половина бинарной кросс-энтропии.

    Лёгкий пример (p_t ≈ 0,95) ослабляется множителем (1 − p_t)^γ ≈ 1/450, трудный (p_t ≈ 0,05) — почти нет:

    >>> x, y = torch.tensor([3.0, -3.0]), torch.tensor([1.0, 1.0])
    >>> ce = torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none")
    >>> (focal_loss(x, y, alpha=1.0, gamma=2.0) / ce).round(decimals=4).tolist()
    [0.0022, 0.9074]
    """
    p = torch.sigmoid(logits)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return alpha_t * (1 - p_t) ** gamma * ce
# --8<-- [end:focal]


def synthetic_detections(n_images: int = 40, seed: int = 0) -> tuple[list, list]:
    """Игрушечный детектор: 1–4 объекта двух классов на картинке 100×100; предсказание — рамка
    объекта со сдвигом (иногда пропуск, иногда дубль) плюс случайные ложные рамки."""
    rng = np.random.default_rng(seed)
    dets, gts = [], []
    for _ in range(n_images):
        n = rng.integers(1, 5)
        xy, wh = rng.uniform(0, 60, (n, 2)), rng.uniform(15, 40, (n, 2))
        gb, glab = np.hstack([xy, xy + wh]), rng.integers(0, 2, n)
        keep = rng.random(n) > 0.15                                      # 15 % объектов пропущено
        dup = rng.random(n) < 0.2                                        # 20 % получают дубль
        base = np.vstack([gb[keep], gb[dup]])
        noise = rng.normal(0, 0.05, base.shape) * np.tile(base[:, 2:] - base[:, :2], 2)
        s_true = np.concatenate([rng.beta(5, 2, keep.sum()), rng.beta(2, 3, dup.sum())])
        n_fp = rng.integers(0, 3)
        fxy = rng.uniform(0, 70, (n_fp, 2))
        fb = np.hstack([fxy, fxy + rng.uniform(10, 30, (n_fp, 2))])
        dets.append((np.vstack([base + noise, fb]), np.concatenate([s_true, rng.beta(2, 4, n_fp)]),
                     np.concatenate([glab[keep], glab[dup], rng.integers(0, 2, n_fp)])))
        gts.append((gb, glab))
    return dets, gts


def pr_figure(seed: int = 0, thresholds: tuple[float, ...] = (0.5, 0.8, 0.9)) -> go.Figure:
    """PR-кривые класса 0 игрушечного детектора при нескольких порогах IoU и их огибающие."""
    dets, gts = synthetic_detections(seed=seed)
    fig = new_figure("Precision–recall игрушечного детектора (класс 0)", "recall", "precision")
    for k, thr in enumerate(thresholds):
        tp, sc, n_gt = [], [], 0
        for (b, s, lab), (gb, glab) in zip(dets, gts):
            tp.append(match(b[lab == 0], s[lab == 0], gb[glab == 0], thr))
            sc.append(np.sort(s[lab == 0])[::-1])
            n_gt += int((glab == 0).sum())
        rec, prec = pr_curve(np.concatenate(tp), np.concatenate(sc), n_gt)
        ap = average_precision(rec, prec)
        env = np.maximum.accumulate(prec[::-1])[::-1]
        color = COLORS[k]
        fig.add_scatter(x=rec.round(4), y=prec.round(4), mode="lines", name=f"IoU ≥ {thr}: сырая",
                        line=dict(width=1, dash="dot", color=color), legendgroup=str(k))
        fig.add_scatter(x=np.r_[0, rec].round(4), y=np.r_[env[0], env].round(4), mode="lines",
                        line=dict(width=2.5, color=color), line_shape="hv", legendgroup=str(k),
                        name=f"IoU ≥ {thr}: огибающая, AP = {ap:.3f}")
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.3, yanchor="top"),
                      margin=dict(b=190), height=540)
    return fig


def focal_loss_figure() -> go.Figure:
    """Focal loss как функция p_t при разных γ (α = 1), как рис. 1 статьи RetinaNet."""
    p = torch.linspace(0.01, 1.0, 100)
    fig = new_figure("Focal loss −(1 − p_t)^γ log p_t", "вероятность истинного класса p_t", "потеря")
    for gamma in [0, 0.5, 1, 2, 5]:
        loss = focal_loss(torch.logit(p.clamp(max=1 - 1e-6)), torch.ones(100), alpha=1.0, gamma=gamma)
        fig.add_scatter(x=p.numpy().round(3), y=loss.numpy().round(4), mode="lines",
                        name=f"γ = {gamma}" + (" (кросс-энтропия)" if gamma == 0 else ""))
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.3, yanchor="top"),
                      margin=dict(b=160), height=500)
    return fig


# --8<-- [start:losses]
def smooth_l1(x: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Smooth L1 (Girshick, 2015), поэлементно: 0,5x²/β при |x| < β, иначе |x| − 0,5β.

    У нуля — квадратичная (гладкий градиент), дальше — линейная (выбросы не взрывают градиент).

    >>> smooth_l1(torch.tensor([0.5, -2.0])).tolist()
    [0.125, 1.5]
    """
    a = x.abs()
    return torch.where(a < beta, 0.5 * a ** 2 / beta, a - 0.5 * beta)


def generalized_iou(a: Array, b: Array) -> Array:
    """GIoU (Rezatofighi et al., 2019) попарно для рамок (N, 4) и (M, 4):

    GIoU = IoU − |C \\ (A ∪ B)| / |C|, C — наименьшая рамка, содержащая A и B; GIoU ∈ (−1, 1].
    Потеря 1 − GIoU даёт градиент и непересекающимся рамкам (у них IoU = 0 при любом расстоянии).

    >>> generalized_iou(np.array([[0, 0, 1, 1]]), np.array([[2, 0, 3, 1], [0, 0, 1, 1]]))
    array([[-0.33333333,  1.        ]])
    """
    area = lambda r: (r[:, 2] - r[:, 0]) * (r[:, 3] - r[:, 1])
    inter = np.clip(np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2]),
                    0, None).prod(axis=2)
    union = area(a)[:, None] + area(b)[None, :] - inter
    hull = (np.maximum(a[:, None, 2:], b[None, :, 2:]) - np.minimum(a[:, None, :2], b[None, :, :2])).prod(axis=2)
    return inter / union - (hull - union) / hull
# --8<-- [end:losses]


# --8<-- [start:soft-nms]
def soft_nms(boxes: Array, scores: Array, sigma: float = 0.5, iou_threshold: float = 0.3,
             method: str = "gaussian", score_threshold: float = 1e-3) -> tuple[Array, Array]:
    """Soft-NMS (Bodla et al., 2017): вместо удаления понижает уверенность рамок, перекрытых
    выбранной рамкой M:

    линейный вариант: s_i ← s_i·(1 − IoU(M, b_i)), если IoU ≥ N_t (иначе без изменений);
    гауссов: s_i ← s_i·exp(−IoU(M, b_i)²/σ) для всех оставшихся.

    Возвращает индексы в порядке выбора и их новые уверенности (рамки ниже ``score_threshold`` отброшены).

    >>> b = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30]])
    >>> keep, s = soft_nms(b, np.array([0.9, 0.8, 0.7]))
    >>> keep.tolist(), s.round(3).tolist()          # соседняя рамка не удалена, а ослаблена
    ([0, 2, 1], [0.9, 0.7, 0.21])
    """
    s, idx, keep, new = scores.astype(float).copy(), np.arange(len(scores)), [], []
    while idx.size:
        top = int(np.argmax(s[idx]))
        i = idx[top]
        keep.append(i), new.append(s[i])
        idx = np.delete(idx, top)
        ov = box_iou(boxes[i:i + 1], boxes[idx])[0]
        if method == "linear":
            s[idx] *= np.where(ov >= iou_threshold, 1 - ov, 1.0)
        else:
            s[idx] *= np.exp(-ov ** 2 / sigma)
        idx = idx[s[idx] >= score_threshold]
    return np.array(keep, dtype=int), np.array(new)
# --8<-- [end:soft-nms]


def raw_detections(n_images: int = 60, seed: int = 0) -> tuple[list, list]:
    """Сырой выход игрушечного детектора одного класса ДО NMS: на каждый объект — пачка из 3–7
    сдвинутых рамок (чем точнее рамка, тем выше уверенность), в трети картинок — пара сильно
    перекрытых объектов («толпа»), плюс случайные ложные рамки. Формат как у ``synthetic_detections``."""
    rng = np.random.default_rng(seed)
    dets, gts = [], []
    for _ in range(n_images):
        n = rng.integers(1, 4)
        xy, wh = rng.uniform(0, 60, (n, 2)), rng.uniform(20, 40, (n, 2))
        gb = np.hstack([xy, xy + wh])
        if rng.random() < 0.35:                                          # сосед со сдвигом 30–50 % ширины
            shift = rng.uniform(0.3, 0.5) * (gb[0, 2] - gb[0, 0])
            gb = np.vstack([gb, gb[:1] + [shift, 0, shift, 0]])
        boxes, scores = [], []
        for g in gb:
            if rng.random() < 0.1:                                       # 10 % объектов пропущено
                continue
            k = rng.integers(3, 8)
            cand = g + rng.normal(0, 0.08, (k, 4)) * np.tile(g[2:] - g[:2], 2)
            quality = rng.uniform(0.6, 1.0)
            boxes.append(cand)
            scores.append(np.clip(quality - 1.5 * (1 - box_iou(cand, g[None])[:, 0])
                                  + rng.normal(0, 0.05, k), 0.01, 0.99))
        n_fp = rng.integers(0, 3)
        fxy = rng.uniform(0, 70, (n_fp, 2))
        boxes.append(np.hstack([fxy, fxy + rng.uniform(15, 35, (n_fp, 2))]))
        scores.append(rng.beta(2, 4, n_fp))
        b, s = np.vstack(boxes), np.concatenate(scores)
        dets.append((b, s, np.zeros(len(b), int)))
        gts.append((gb, np.zeros(len(gb), int)))
    return dets, gts


def after_nms(dets: list, iou_threshold: float) -> list:
    """Применяет ``nms`` к детекциям каждой картинки (один класс)."""
    out = []
    for b, s, lab in dets:
        k = nms(b, s, iou_threshold)
        out.append((b[k], s[k], lab[k]))
    return out


def pr_points(dets: list, gts: list, iou_thr: float = 0.5) -> tuple[Array, Array, Array]:
    """Recall, precision и порог уверенности в каждой точке PR-кривой (класс 0, сопоставление COCO)."""
    tp, sc, n_gt = [], [], 0
    for (b, s, lab), (gb, glab) in zip(dets, gts):
        order = np.argsort(-s[lab == 0], kind="stable")
        sc.append(s[lab == 0][order])
        tp.append(match(b[lab == 0][order], sc[-1], gb[glab == 0], iou_thr))
        n_gt += int((glab == 0).sum())
    tp, sc = np.concatenate(tp), np.concatenate(sc)
    order = np.argsort(-sc, kind="stable")
    rec, prec = pr_curve(tp, sc, n_gt)
    return rec, prec, sc[order]


def _staircase(rec: Array, prec: Array) -> tuple[Array, Array]:
    """Углы огибающей p_interp для рисования ступеньками (line_shape="hv"): точки, где меняется
    recall или огибающая; промежуточные точки на горизонтальных и вертикальных отрезках не нужны."""
    env = np.maximum.accumulate(prec[::-1])[::-1]
    x, y = np.r_[0, rec], np.r_[env[0], env]
    keep = np.ones(len(x), bool)
    keep[1:-1] = ~(((y[:-2] == y[1:-1]) & (y[1:-1] == y[2:])) | ((x[:-2] == x[1:-1]) & (x[1:-1] == x[2:])))
    return x[keep], y[keep]


NMS_THRESHOLDS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def nms_pr_traces(iou_threshold: float, seed: int = 0) -> list[go.Scatter]:
    """Кадр фигуры: PR-кривая и огибающая после NMS с порогом ``iou_threshold``."""
    dets, gts = raw_detections(seed=seed)
    rec, prec, _ = pr_points(after_nms(dets, iou_threshold), gts)
    ap = average_precision(rec, prec)
    step = max(1, len(rec) // 200)                                     # не больше ~200 точек
    ex, ey = _staircase(rec, prec)
    return [go.Scatter(x=rec[::step].round(4), y=prec[::step].round(4), mode="lines", name="сырая кривая",
                       line=dict(width=1, dash="dot", color=COLORS[0])),
            go.Scatter(x=ex.round(4), y=ey.round(4), mode="lines",
                       line=dict(width=2.5, color=COLORS[0]), line_shape="hv",
                       name=f"огибающая, AP50 = {ap:.3f}")]


def nms_figure(seed: int = 0) -> go.Figure:
    """Ползунок по порогу NMS: как меняется PR-кривая сырого выхода детектора после подавления."""
    from snippets._plotting import explorable
    dets, gts = raw_detections(seed=seed)
    n_raw = sum(len(d[0]) for d in dets)

    def title(t: float) -> str:
        kept = sum(len(d[0]) for d in after_nms(dets, t))
        ap = average_precision(*pr_points(after_nms(dets, t), gts)[:2])
        return f"NMS с порогом IoU {t}: осталось {kept} из {n_raw} рамок, AP50 = {ap:.3f}"

    fig = explorable("", "recall", "precision", "порог NMS", NMS_THRESHOLDS,
                     lambda t: nms_pr_traces(t, seed), active=NMS_THRESHOLDS.index(0.5), title_for=title)
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), margin=dict(t=110), height=560)
    return fig


SCORE_THRESHOLDS = [0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]


def operating_point(score_threshold: float, iou_nms: float = 0.5, seed: int = 0) -> dict[str, float]:
    """Precision, recall и F1 детектора, если оставить рамки с уверенностью ≥ ``score_threshold``."""
    dets, gts = raw_detections(seed=seed)
    rec, prec, sc = pr_points(after_nms(dets, iou_nms), gts)
    k = int(np.sum(sc >= score_threshold))
    if k == 0:
        return {"precision": 1.0, "recall": 0.0, "f1": 0.0, "boxes": 0}
    p, r = float(prec[k - 1]), float(rec[k - 1])
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "boxes": k}


def confidence_traces(score_threshold: float, seed: int = 0) -> list[go.Scatter]:
    """Кадр фигуры: рабочая точка на PR-кривой при пороге уверенности ``score_threshold``."""
    op = operating_point(score_threshold, seed=seed)
    return [go.Scatter(x=[0, op["recall"], op["recall"]], y=[op["precision"], op["precision"], 0],
                       mode="lines", line=dict(color=COLORS[1], dash="dash", width=1), showlegend=False,
                       hoverinfo="skip"),
            go.Scatter(x=[round(op["recall"], 4)], y=[round(op["precision"], 4)], mode="markers",
                       marker=dict(size=13, color=COLORS[1]),
                       name=f"порог {score_threshold}: P = {op['precision']:.2f}, R = {op['recall']:.2f}")]


def confidence_figure(seed: int = 0) -> go.Figure:
    """Ползунок по порогу уверенности: рабочая точка бежит по PR-кривой (NMS 0,5, IoU с разметкой 0,5)."""
    from snippets._plotting import explorable
    dets, gts = raw_detections(seed=seed)
    rec, prec, _ = pr_points(after_nms(dets, 0.5), gts)
    step = max(1, len(rec) // 200)
    curve = go.Scatter(x=rec[::step].round(4), y=prec[::step].round(4), mode="lines", name="PR-кривая",
                       line=dict(color=COLORS[0], width=2))

    def title(t: float) -> str:
        op = operating_point(t, seed=seed)
        return (f"Порог уверенности {t}: {op['boxes']} рамок, precision {op['precision']:.2f}, "
                f"recall {op['recall']:.2f}, F1 {op['f1']:.2f}")

    fig = explorable("", "recall", "precision", "порог уверенности", SCORE_THRESHOLDS,
                     lambda t: confidence_traces(t, seed), active=SCORE_THRESHOLDS.index(0.5),
                     title_for=title, static=[curve])
    fig.update_xaxes(range=[0, 1.02])
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), margin=dict(t=110), height=560)
    return fig
