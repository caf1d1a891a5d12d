"""Оценка точности без меток: следит за сдвигом входов, слепа к дрейфу концепции."""

import numpy as np
import pytest

from snippets.monitoring import estimated_accuracy, shifted_batch


@pytest.mark.parametrize("shift", [0.0, 1.0, 2.0])
def test_estimate_tracks_true_accuracy_under_covariate_shift(shift):
    proba, y, pred = shifted_batch(shift, n=40_000)
    assert estimated_accuracy(proba) == pytest.approx(np.mean(pred == y), abs=0.01)


def test_estimate_is_blind_to_concept_drift():
    proba, y, pred = shifted_batch(0.0, flip=True)
    assert estimated_accuracy(proba) > 0.9
    assert np.mean(pred == y) < 0.1
