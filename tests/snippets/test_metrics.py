"""Метрики против scikit-learn; ROC AUC против статистики Манна–Уитни; BLEU против ручного счёта."""

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn import metrics as skm

from snippets.metrics import (
    auc,
    average_precision_at_k,
    brier_score,
    calibration_bins,
    expected_calibration_error,
    frechet_distance,
    ndcg_at_k,
    recall_at_k,
    average_precision,
    bleu,
    confusion_figure,
    confusion_matrix,
    emergence_figure,
    pr_curve,
    precision_recall_f1,
    roc_curve,
    roc_pr_figure,
    synthetic_scores,
)


@pytest.mark.parametrize("seed", range(3))
def test_confusion_matrix_and_prf_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y, pred = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    pred[:120] = y[:120]                       # частично верный классификатор
    cm = confusion_matrix(y, pred, 4)
    np.testing.assert_array_equal(cm, skm.confusion_matrix(y, pred, labels=range(4)))
    p, r, f, _ = skm.precision_recall_fscore_support(y, pred, labels=range(4), zero_division=0)
    for ours, ref in zip(precision_recall_f1(cm), (p, r, f)):
        np.testing.assert_allclose(ours, ref)
    for avg in ("macro", "micro", "weighted"):
        ref = skm.precision_recall_fscore_support(y, pred, average=avg, zero_division=0)[:3]
        np.testing.assert_allclose(precision_recall_f1(cm, avg), ref)
    assert precision_recall_f1(cm, "micro")[0] == pytest.approx(skm.accuracy_score(y, pred))


def test_class_never_predicted_gets_zero_precision():
    cm = confusion_matrix(np.array([0, 1, 2]), np.array([0, 0, 0]), 3)
    p, r, _ = precision_recall_f1(cm)
    assert p.tolist() == [pytest.approx(1 / 3), 0.0, 0.0] and r.tolist() == [1.0, 0.0, 0.0]


@pytest.mark.parametrize("ties", [False, True])
def test_roc_and_pr_curves_match_sklearn(ties):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    s = rng.normal(size=300) + y
    if ties:
        s = np.round(s, 1)                     # много одинаковых оценок
    fpr, tpr, thr = roc_curve(y, s)
    f_ref, t_ref, thr_ref = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f_ref)
    np.testing.assert_allclose(tpr, t_ref)
    np.testing.assert_allclose(thr[1:], thr_ref[1:])
    assert auc(fpr, tpr) == pytest.approx(skm.roc_auc_score(y, s))
    p, r, _ = pr_curve(y, s)
    p_ref, r_ref, _ = skm.precision_recall_curve(y, s, drop_intermediate=False)
    # sklearn: по возрастанию порога и с добавленной точкой (recall 0, precision 1)
    np.testing.assert_allclose(p, p_ref[:-1][::-1])
    np.testing.assert_allclose(r, r_ref[:-1][::-1])
    assert average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s))


def test_roc_auc_is_probability_that_positive_outranks_negative():
    y, s = synthetic_scores(40, 60, seed=3)
    s = np.round(s, 1)
    pos, neg = s[y == 1], s[y == 0]
    brute = np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))
    n1, n0 = len(pos), len(neg)
    mann_whitney = (rankdata(s)[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
    fpr, tpr, _ = roc_curve(y, s)
    assert auc(fpr, tpr) == pytest.approx(brute) == pytest.approx(mann_whitney)


def test_roc_does_not_depend_on_prevalence_but_ap_does():
    fig_roc, fig_pr = roc_pr_figure("roc"), roc_pr_figure("pr")
    auc_bal, auc_imb = (float(t.name.split("= ")[1]) for t in fig_roc.data[:2])
    ap_bal, ap_imb = (float(t.name.split("= ")[1]) for t in fig_pr.data[:2])
    assert abs(auc_bal - auc_imb) < 0.03
    assert ap_imb < ap_bal - 0.4


def bleu_by_hand(cand, refs, max_n):
    ps = []
    for n in range(1, max_n + 1):
        cg = [tuple(cand[i:i + n]) for i in range(len(cand) - n + 1)]
        hits = 0
        for g in set(cg):
            hits += min(cg.count(g), max(sum(tuple(r[i:i + n]) == g for i in range(len(r) - n + 1))
                                          for r in refs))
        ps.append(hits / len(cg))
    c, r = len(cand), min((abs(len(x) - len(cand)), len(x)) for x in refs)[1]
    bp = 1 if c > r else np.exp(1 - r / c)
    return bp * np.exp(np.mean(np.log(ps))) if min(ps) > 0 else 0.0


def test_bleu_matches_hand_count_and_edge_cases():
    refs = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the", "mat"]]
    cand = ["the", "cat", "the", "cat", "on", "the", "mat"]
    assert bleu(cand, refs, 2) == pytest.approx(bleu_by_hand(cand, refs, 2))
    assert bleu(refs[0], refs, 4) == pytest.approx(1.0)
    assert bleu(["on", "the", "mat"], refs, 2) == pytest.approx(np.exp(1 - 6 / 3))  # штраф за краткость
    assert bleu(["dog"], refs, 1) == 0.0


def test_other_figures():
    cm = np.array([[5, 1], [2, 7]])
    assert confusion_figure(cm, ["0", "1"]).data[0].type == "heatmap"
    em = emergence_figure(10)
    tok, exact = np.array(em.data[0].y), np.array(em.data[1].y)
    np.testing.assert_allclose(exact, np.round(tok ** 10, 4), atol=2e-3)
    assert np.all(np.diff(tok) > 0)


def test_brier_and_calibration_bins_match_sklearn():
    from sklearn.calibration import calibration_curve
    rng = np.random.default_rng(5)
    prob = rng.random(2000)
    y = (rng.random(2000) < prob ** 2).astype(int)          # переуверенная модель
    assert brier_score(y, prob) == pytest.approx(skm.brier_score_loss(y, prob))
    conf, freq, _ = calibration_bins(y, prob, n_bins=10)
    ref_freq, ref_conf = calibration_curve(y, prob, n_bins=10)
    np.testing.assert_allclose(freq, ref_freq)
    np.testing.assert_allclose(conf, ref_conf)
    # откалиброванная модель: ECE мал; переуверенная — заметно больше
    y_cal = (rng.random(20000) < (p := rng.random(20000))).astype(int)
    assert expected_calibration_error(y_cal, p) < 0.02
    assert expected_calibration_error(y, prob) > 0.1


def test_ranking_metrics_match_sklearn_and_hand_counts():
    rng = np.random.default_rng(6)
    for _ in range(5):
        rel = rng.integers(0, 4, size=12).astype(float)
        scores = np.arange(12, 0, -1, dtype=float)          # выдача в данном порядке
        for k in (3, 5, 12):
            assert ndcg_at_k(rel, k) == pytest.approx(skm.ndcg_score(rel[None], scores[None], k=k))
    rel = np.array([0, 1, 0, 1, 1, 0])
    assert recall_at_k(rel, 4) == pytest.approx(2 / 3)
    assert average_precision_at_k(rel, 6) == pytest.approx((1 / 2 + 2 / 4 + 3 / 5) / 3)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(7)
    mu1, mu2 = rng.normal(size=4), rng.normal(size=4)
    s1, s2 = rng.random(4) + 0.1, rng.random(4) + 0.1
    ref = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    assert frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(ref)
    a = rng.normal(size=(6, 6)); cov = a @ a.T
    assert frechet_distance(mu1[:1].repeat(6), cov, mu1[:1].repeat(6), cov) == pytest.approx(0, abs=1e-6)
