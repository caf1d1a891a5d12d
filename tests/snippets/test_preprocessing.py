"""Масштабирование признаков против scikit-learn; градиентный спуск и обусловленность."""

import numpy as np
import pytest
from sklearn import preprocessing as skp

from snippets.preprocessing import (
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
    condition_number,
    encode_tabular,
    gd_path,
    scaling_data,
    scaling_figure,
)


@pytest.mark.parametrize("ours,theirs", [(MinMaxScaler, skp.MinMaxScaler),
                                         (StandardScaler, skp.StandardScaler),
                                         (RobustScaler, skp.RobustScaler)])
def test_scalers_match_sklearn_fit_on_train_only(ours, theirs):
    rng = np.random.default_rng(0)
    train = rng.lognormal(size=(50, 3)) * [1, 100, 1e4]
    test = rng.lognormal(size=(20, 3)) * [1, 100, 1e4]
    np.testing.assert_allclose(ours().fit(train).transform(test),
                               theirs().fit(train).transform(test), rtol=1e-10)


def test_standardized_train_has_zero_mean_unit_std_and_constant_column_is_safe():
    X = np.c_[np.random.default_rng(1).normal(5, 3, 100), np.full(100, 7.0)]
    Z = StandardScaler().fit(X).transform(X)
    np.testing.assert_allclose(Z[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 0].std(), 1)
    assert np.all(Z[:, 1] == 0)          # σ = 0: не делим на ноль


def test_robust_scaler_ignores_outlier_and_minmax_does_not():
    X = np.r_[np.arange(1.0, 100.0), [1e6]][:, None]
    assert RobustScaler().fit(X).transform(np.array([[50.0]]))[0, 0] == pytest.approx(0, abs=0.02)
    assert MinMaxScaler().fit(X).transform(np.array([[50.0]]))[0, 0] < 1e-3  # всё сжато к нулю


def test_encode_tabular_matches_sklearn_column_transformer():
    from sklearn.compose import ColumnTransformer

    rng = np.random.default_rng(2)
    num = rng.normal(size=(30, 2))
    cat = rng.choice(["red", "green", "blue"], size=(30, 1))
    cats = [np.array(sorted(set(cat[:, 0])))]
    ours = encode_tabular(num, cat, StandardScaler().fit(num), cats)
    data = np.empty((30, 3), dtype=object)
    data[:, :2], data[:, 2] = num, cat[:, 0]
    ct = ColumnTransformer([("num", skp.StandardScaler(), [0, 1]),
                            ("cat", skp.OneHotEncoder(sparse_output=False), [2])])
    np.testing.assert_allclose(ours, ct.fit_transform(data).astype(float))


def test_gd_matches_least_squares_and_standardizing_reduces_condition_number():
    X, y = scaling_data()
    Z = StandardScaler().fit(X).transform(X)
    assert condition_number(X) > 50 * condition_number(Z)
    lam = np.linalg.eigvalsh(Z.T @ Z / len(Z))
    w = gd_path(Z, y, lr=1.0 / lam[-1], steps=200)[-1]
    np.testing.assert_allclose(w, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8)
    # на исходных признаках за то же число шагов до минимума не дойти
    lam_x = np.linalg.eigvalsh(X.T @ X / len(X))
    w_x = gd_path(X, y, lr=1.0 / lam_x[-1], steps=200)[-1]
    assert np.linalg.norm(w_x - np.linalg.lstsq(X, y, rcond=None)[0]) > 0.05


def test_scaling_figure_has_contour_and_path():
    fig = scaling_figure(standardize=False)
    assert [t.type for t in fig.data] == ["contour", "scatter", "scatter"]
    assert len(fig.data[1].x) == 51
