"""IoU, NMS, AP/mAP и focal loss. torchvision недоступен: NMS сверяем с переборной реализацией
и разобранными вручную случаями, mAP — с официальным pycocotools."""

import contextlib
import io
import itertools

import numpy as np
import pytest
import torch

from snippets._plotting import frame_traces, same_traces
from snippets.detection import (
    COCO_THRESHOLDS,
    NMS_THRESHOLDS,
    SCORE_THRESHOLDS,
    _staircase,
    after_nms,
    average_precision,
    box_iou,
    confidence_figure,
    confidence_traces,
    focal_loss,
    focal_loss_figure,
    generalized_iou,
    match,
    mean_ap,
    nms,
    nms_figure,
    nms_pr_traces,
    operating_point,
    pr_curve,
    pr_figure,
    pr_points,
    raw_detections,
    smooth_l1,
    soft_nms,
    synthetic_detections,
)


def random_boxes(rng, n, size=50.0):
    xy = rng.uniform(0, size, (n, 2))
    return np.hstack([xy, xy + rng.uniform(1, size / 2, (n, 2))])


def iou_scalar(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_iou_against_scalar_formula_and_pixel_count():
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    ours = box_iou(a, b)
    ref = np.array([[iou_scalar(x, y) for y in b] for x in a])
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    np.testing.assert_allclose(ours, box_iou(b, a).T)
    # целочисленные рамки: IoU = пересечение/объединение множеств пикселей
    ia, ib = np.array([[2, 3, 9, 8]]), np.array([[5, 1, 12, 6]])
    grid = np.zeros((2, 15, 15), bool)
    grid[0, 3:8, 2:9], grid[1, 1:6, 5:12] = True, True
    assert box_iou(ia, ib)[0, 0] == (grid[0] & grid[1]).sum() / (grid[0] | grid[1]).sum()


def nms_bruteforce(boxes, scores, thr):
    """Определение: рамка остаётся, если её IoU с каждой оставленной более уверенной ≤ thr."""
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    kept = []
    for i in order:
        if all(iou_scalar(boxes[i], boxes[j]) <= thr for j in kept):
            kept.append(i)
    return kept


@pytest.mark.parametrize("seed,thr", [(0, 0.3), (1, 0.5), (2, 0.7), (3, 0.0), (4, 1.0)])
def test_nms_matches_bruteforce(seed, thr):
    rng = np.random.default_rng(seed)
    boxes, scores = random_boxes(rng, 60, size=30.0), rng.random(60)
    assert nms(boxes, scores, thr).tolist() == nms_bruteforce(boxes, scores, thr)


def test_nms_hand_checked_cases():
    # A подавляет B (IoU 0,67); у C с A IoU 0,43 ≤ 0,5 (с B — 0,67, но B уже выброшена), поэтому C остаётся
    a, b, c = [0, 0, 10, 10], [2, 0, 12, 10], [4, 0, 14, 10]
    boxes, scores = np.array([a, b, c], float), np.array([0.9, 0.8, 0.7])
    assert round(box_iou(boxes[:1], boxes[1:2])[0, 0], 2) == 0.67
    assert round(box_iou(boxes[:1], boxes[2:])[0, 0], 2) == 0.43
    assert nms(boxes, scores, 0.5).tolist() == [0, 2]
    assert nms(boxes, scores, 0.7).tolist() == [0, 1, 2]
    assert nms(boxes, scores, 0.4).tolist() == [0]        # 0,43 > 0,4: C тоже подавлена
    # одинаковые рамки: остаётся самая уверенная; порядок ответа — по убыванию score
    same = np.array([[0, 0, 5, 5]] * 3, float)
    assert nms(same, np.array([0.2, 0.9, 0.5]), 0.99).tolist() == [1]
    assert nms(np.array([[0, 0, 1, 1], [5, 5, 6, 6]], float), np.array([0.1, 0.8])).tolist() == [1, 0]


def voc_devkit_ap(rec, prec, use_07_metric=False):
    """Эталон: функция voc_ap из devkit PASCAL VOC (в переписывании py-faster-rcnn)."""
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            p = 0 if np.sum(rec >= t) == 0 else np.max(prec[rec >= t])
            ap += p / 11.0
        return ap
    mrec, mpre = np.concatenate(([0.0], rec, [1.0])), np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


@pytest.mark.parametrize("seed", range(5))
def test_ap_matches_voc_devkit(seed):
    rng = np.random.default_rng(seed)
    tp, scores, n_gt = (rng.random(40) < 0.6).astype(float), rng.random(40), 30
    rec, prec = pr_curve(tp, scores, n_gt)
    assert average_precision(rec, prec, "all") == pytest.approx(voc_devkit_ap(rec, prec))
    assert average_precision(rec, prec, "voc11") == pytest.approx(voc_devkit_ap(rec, prec, True))


def test_ap_hand_checked():
    # 3 объекта; детекции по убыванию score: TP, FP, TP, TP ⇒ огибающая 1, 3/4, 3/4
    rec, prec = pr_curve(np.array([1.0, 0, 1, 1]), np.array([0.9, 0.8, 0.7, 0.6]), 3)
    np.testing.assert_allclose(rec, [1 / 3, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(prec, [1, 0.5, 2 / 3, 0.75])
    assert average_precision(rec, prec) == pytest.approx(1 / 3 + 2 / 3 * 0.75)
    assert average_precision(np.array([1.0]), np.array([1.0]), "coco101") == 1.0


def test_match_rules_differ_when_best_box_is_taken():
    gt = np.array([[0, 0, 10, 10], [6, 0, 16, 10]], float)
    pred = np.array([[0, 0, 10, 10], [1, 0, 11, 10]], float)    # второе лучше всего совпадает с первым gt
    scores = np.array([0.9, 0.8])
    assert match(pred, scores, gt, 0.3, "coco").tolist() == [1, 1]
    assert match(pred, scores, gt, 0.3, "voc").tolist() == [1, 0]


def to_coco(dets, gts):
    images = [{"id": i + 1, "width": 100, "height": 100} for i in range(len(gts))]
    anns, res, k = [], [], 1
    for i, ((gb, gl), (db, ds, dl)) in enumerate(zip(gts, dets)):
        for b, c in zip(gb, gl):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append({"id": k, "image_id": i + 1, "category_id": int(c) + 1, "iscrowd": 0,
                         "bbox": [float(b[0]), float(b[1]), float(w), float(h)], "area": float(w * h)})
            k += 1
        for b, s, c in zip(db, ds, dl):
            res.append({"image_id": i + 1, "category_id": int(c) + 1, "score": float(s),
                        "bbox": [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]})
    cats = [{"id": c, "name": str(c)} for c in (1, 2)]
    return {"images": images, "annotations": anns, "categories": cats}, res


def test_map_matches_pycocotools():
    coco_mod = pytest.importorskip("pycocotools.coco")
    cocoeval = pytest.importorskip("pycocotools.cocoeval")
    dets, gts = synthetic_detections(n_images=30, seed=3)
    gt_json, res = to_coco(dets, gts)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = coco_mod.COCO()
        gt.dataset = gt_json
        gt.createIndex()
        ev = cocoeval.COCOeval(gt, gt.loadRes(res), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    assert mean_ap(dets, gts, COCO_THRESHOLDS, "coco101") == pytest.approx(ev.stats[0], abs=1e-9)
    assert mean_ap(dets, gts, np.array([0.5]), "coco101") == pytest.approx(ev.stats[1], abs=1e-9)
    assert mean_ap(dets, gts, np.array([0.75]), "coco101") == pytest.approx(ev.stats[2], abs=1e-9)


def test_perfect_detector_has_map_one():
    _, gts = synthetic_detections(n_images=10, seed=1)
    dets = [(gb, np.linspace(1, 0.5, len(gb)), gl) for gb, gl in gts]
    assert mean_ap(dets, gts, COCO_THRESHOLDS, "coco101") == 1.0
    assert mean_ap(dets, gts) == 1.0


def test_focal_loss_formula():
    torch.manual_seed(0)
    x, y = torch.randn(50), (torch.rand(50) > 0.7).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none")
    torch.testing.assert_close(focal_loss(x, y, alpha=0.5, gamma=0.0), 0.5 * bce)
    p = torch.sigmoid(x)
    p_t = torch.where(y == 1, p, 1 - p)
    a_t = torch.where(y == 1, 0.25, 0.75)
    torch.testing.assert_close(focal_loss(x, y), -a_t * (1 - p_t) ** 2 * torch.log(p_t))


def test_figures():
    fig = pr_figure()
    assert len(fig.data) == 6 and "AP = " in fig.data[1].name
    assert len(focal_loss_figure().data) == 5


def test_smooth_l1_matches_torch():
    x = torch.linspace(-3, 3, 61)
    for beta in (1.0, 0.5):
        ref = torch.nn.functional.smooth_l1_loss(x, torch.zeros_like(x), reduction="none", beta=beta)
        torch.testing.assert_close(smooth_l1(x, beta), ref)


def test_giou_against_scalar_definition():
    rng = np.random.default_rng(5)
    a, b = random_boxes(rng, 6), random_boxes(rng, 4)
    ours = generalized_iou(a, b)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            hull = (max(x[2], y[2]) - min(x[0], y[0])) * (max(x[3], y[3]) - min(x[1], y[1]))
            inter = iou_scalar(x, y)
            union = ((x[2] - x[0]) * (x[3] - x[1]) + (y[2] - y[0]) * (y[3] - y[1])) / (1 + inter)
            assert ours[i, j] == pytest.approx(inter - (hull - union) / hull)
    # вложенные рамки: оболочка = объединение, GIoU = IoU; далёкие рамки: GIoU → −1
    inner, outer = np.array([[2, 2, 4, 4.0]]), np.array([[0, 0, 10, 10.0]])
    assert generalized_iou(inner, outer)[0, 0] == pytest.approx(box_iou(inner, outer)[0, 0])
    assert generalized_iou(np.array([[0, 0, 1, 1.0]]), np.array([[999, 999, 1000, 1000.0]]))[0, 0] < -0.99


def soft_nms_reference(boxes, scores, sigma, nt, method, thr=1e-3):
    """Алгоритм 1 статьи Bodla et al. (2017) на скалярах."""
    s, rest, out = list(map(float, scores)), list(range(len(scores))), []
    while rest:
        m = max(rest, key=lambda i: s[i])
        out.append((m, s[m]))
        rest.remove(m)
        for i in rest:
            ov = iou_scalar(boxes[m], boxes[i])
            if method == "linear":
                s[i] *= (1 - ov) if ov >= nt else 1.0
            else:
                s[i] *= np.exp(-ov ** 2 / sigma)
        rest = [i for i in rest if s[i] >= thr]
    return [i for i, _ in out], [v for _, v in out]


@pytest.mark.parametrize("method", ["gaussian", "linear"])
def test_soft_nms_matches_paper_algorithm(method):
    rng = np.random.default_rng(7)
    boxes, scores = random_boxes(rng, 30, size=20.0), rng.random(30)
    keep, s = soft_nms(boxes, scores, sigma=0.5, iou_threshold=0.3, method=method)
    ref_keep, ref_s = soft_nms_reference(boxes, scores, 0.5, 0.3, method)
    assert keep.tolist() == ref_keep
    np.testing.assert_allclose(s, ref_s)


def test_soft_nms_with_tiny_sigma_is_hard_nms_at_zero():
    rng = np.random.default_rng(8)
    boxes, scores = random_boxes(rng, 40, size=40.0), rng.random(40)
    keep, _ = soft_nms(boxes, scores, sigma=1e-9)
    assert keep.tolist() == nms(boxes, scores, 0.0).tolist()


def test_staircase_is_the_envelope_and_its_area_is_ap():
    rng = np.random.default_rng(1)
    tp, sc = (rng.random(80) < 0.6).astype(float), rng.random(80)
    rec, prec = pr_curve(tp, sc, 60)
    x, y = _staircase(rec, prec)
    # площадь под ступеньками (line_shape="hv") = AP по всем точкам
    assert np.sum(np.diff(x) * y[1:]) == pytest.approx(average_precision(rec, prec))


def test_nms_threshold_tradeoff_on_toy_detector():
    dets, gts = raw_detections()
    ap = {t: average_precision(*pr_points(after_nms(dets, t), gts)[:2]) for t in NMS_THRESHOLDS}
    best = max(ap, key=ap.get)
    assert 0.3 < best < 0.8 and ap[0.2] < ap[best] and ap[0.9] < ap[best]
    # сырой выход без NMS: рамок больше всего, recall тот же, что при пороге 0,9
    assert sum(len(d[0]) for d in after_nms(dets, 1.0)) == sum(len(d[0]) for d in dets)


def test_explorable_detection_figures_are_the_tested_traces():
    fig = nms_figure()
    for i in (0, 3, 7):
        assert same_traces(frame_traces(fig, i), nms_pr_traces(NMS_THRESHOLDS[i]))
    fig = confidence_figure()
    for i in (0, 4):
        assert same_traces(frame_traces(fig, i), confidence_traces(SCORE_THRESHOLDS[i]))


def test_operating_point_is_on_the_curve():
    dets, gts = raw_detections()
    rec, prec, sc = pr_points(after_nms(dets, 0.5), gts)
    op = operating_point(0.5)
    k = int((sc >= 0.5).sum())
    assert op["boxes"] == k and op["precision"] == prec[k - 1] and op["recall"] == rec[k - 1]
    ops = [operating_point(t) for t in SCORE_THRESHOLDS]
    assert all(a["recall"] <= b["recall"] for a, b in itertools.pairwise(ops))   # ниже порог — выше recall
