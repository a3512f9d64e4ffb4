"""GDRegressor with a 2-D y: all targets trained in one pass over X."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import SGDRegressor

from skgd import GDRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(240, 6)
    X[rng.rand(*X.shape) < 0.3] = 0.0
    Y = X @ rng.randn(6, 3) + np.array([0.5, -1.0, 2.0]) + 0.1 * rng.randn(240, 3)
    return X, Y


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"penalty": "elasticnet"},
        {"average": True},
        {"solver": "adam", "batch_size": 16, "eta0": 0.01},
        {"solver": "momentum", "batch_size": 8, "clip_value": 0.5},
        {"batch_size": "full", "learning_rate": "constant", "eta0": 0.1},
        {
            "loss": "huber", "epsilon": 0.5, "solver": "rmsprop", "batch_size": 4,
            "eta0": 0.01,
        },  # fmt: skip
    ],
)
def test_equals_one_fit_per_target(params, fmt, data):
    """Same seed, tol=None and no clip_norm (which would couple the targets
    through one norm): k targets equal k single-target fits.  (A single
    target with the per-sample plain SGD runs scikit-learn's algorithm,
    whose averaged weights leave out the L1 truncation steps; multiple
    targets average the true iterates, so L1 with averaging is not listed;
    an adaptive solver's "auto" eta0 reads the scale of all the targets, so
    it is given.)"""
    X, Y = data
    if fmt == "csr":
        if params.get("penalty") == "elasticnet":
            pytest.skip(
                "a single target on CSR runs scikit-learn's per-sample SGD, "
                "whose L1 step truncates only the columns of the current row"
            )
        X = sp.csr_matrix(X)
    params = {"random_state": 3, "tol": None, "max_iter": 6, **params}
    joint = GDRegressor(**params).fit(X, Y)
    assert joint.coef_.shape == (3, 6)
    assert joint.intercept_.shape == (3,)
    assert joint.predict(X).shape == (240, 3)
    for k in range(3):
        single = GDRegressor(**params).fit(X, Y[:, k])
        assert_allclose(joint.coef_[k], single.coef_, rtol=1e-10, atol=1e-14)
        assert_allclose(joint.intercept_[k], single.intercept_[0], rtol=1e-10)


def test_clip_norm_couples_the_targets(data):
    X, Y = data
    params = dict(random_state=0, tol=None, max_iter=3, clip_norm=0.05, batch_size=8)
    joint = GDRegressor(**params).fit(X, Y)
    single = GDRegressor(**params).fit(X, Y[:, 0])
    assert not np.allclose(joint.coef_[0], single.coef_)


def test_column_vector_is_a_single_output_model(data):
    """As scikit-learn: a DataConversionWarning and a 1-D model."""
    X, Y = data
    with pytest.warns(DataConversionWarning) as ours:
        model = GDRegressor(random_state=0).fit(X, Y[:, :1])
    with pytest.warns(DataConversionWarning) as theirs:
        SGDRegressor(random_state=0).fit(X, Y[:, :1])
    assert str(ours[0].message) == str(theirs[0].message)
    assert model.coef_.shape == (6,)
    assert model.predict(X).shape == (240,)


def test_partial_fit_keeps_the_number_of_targets(data):
    X, Y = data
    model = GDRegressor().partial_fit(X, Y)
    model.partial_fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 targets .* fitted with 3 targets"):
        model.partial_fit(X, Y[:, :2])
    with pytest.raises(ValueError, match="y has a single target"):
        model.partial_fit(X, Y[:, 0])


def test_multioutput_score_and_early_stopping(data):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GDRegressor(early_stopping=True, random_state=0).fit(X, Y)
    assert model.score(X, Y) > 0.95
    assert len(model.validation_scores_) == model.n_iter_


@pytest.mark.parametrize("learning_rate", ["pa1", "pa2"])
def test_passive_aggressive_needs_a_single_target(learning_rate, data):
    X, Y = data
    model = GDRegressor(loss="epsilon_insensitive", learning_rate=learning_rate)
    with pytest.raises(ValueError, match="does not apply to a 2-D y"):
        model.fit(X, Y)
