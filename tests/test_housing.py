"""GDRegressor on real data: California housing through a pipeline that
imputes, scales and one-hot encodes; the raw columns' exploded fit."""

import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.compose import make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skgd import GDRegressor
from skgd.datasets import load_california_housing
from skgd.exceptions import DivergenceWarning
from skgd.solvers import RMSProp

pytest.importorskip("pandas")

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


@pytest.fixture(scope="module")
def housing():
    data = load_california_housing(as_frame=True)
    return data.data, data.target.to_numpy()


def _pipeline(regressor, scale=True):
    numeric = make_pipeline(
        SimpleImputer(strategy="median"), *([StandardScaler()] if scale else [])
    )
    columns = make_column_transformer(
        (numeric, make_column_selector_numeric()),
        (OneHotEncoder(handle_unknown="ignore"), ["ocean_proximity"]),
    )
    return make_pipeline(columns, regressor)


def make_column_selector_numeric():
    from sklearn.compose import make_column_selector

    return make_column_selector(dtype_include=np.number)


def test_raw_columns_warn_and_scaling_fixes_them(housing):
    """scikit-learn returns the exploded model silently; skgd returns the
    same model, with a DivergenceWarning whose only advice is the scaler."""
    X, y = housing
    reference = _pipeline(SGDRegressor(random_state=0), scale=False).fit(X, y)
    assert reference.score(X, y) < -1e20
    model = _pipeline(GDRegressor(random_state=0), scale=False)
    with pytest.warns(DivergenceWarning) as record:
        model.fit(X, y)
    assert_array_equal(model[-1].coef_, reference[-1].coef_)
    (message,) = [str(w.message) for w in record if w.category is DivergenceWarning]
    ratio = float(re.search(r"is (\S+) times its value at the start", message)[1])
    assert ratio > 1e20
    assert "StandardScaler" in message
    assert "eta0" not in message and "clip_norm" not in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        scaled = _pipeline(GDRegressor(random_state=0)).fit(X, y)
    assert scaled.score(X, y) > 0.55


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_clip_norm_keeps_raw_fit_finite(housing, random_state):
    """Clipping stops the explosion; it does not make up for the scaling
    (the per-step noise on columns of size 1e4 stays large)."""
    X, y = housing
    regressor = GDRegressor(random_state=random_state, clip_norm=0.1)
    model = _pipeline(regressor, scale=False).fit(X, y)
    assert np.all(np.isfinite(model[-1].coef_))
    assert model.score(X, y) > -1


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_adam_minibatches_fit_raw_columns(housing, random_state):
    """Adam's per-coordinate step absorbs the five orders of magnitude between
    the raw columns (at its customary base rate 0.001)."""
    X, y = housing
    regressor = GDRegressor(
        solver="adam", batch_size=32, eta0=0.001, random_state=random_state
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = _pipeline(regressor, scale=False).fit(X, y)
    assert model.score(X, y) > 0.55


def _healthy_configurations():
    """Every solver and batch size at its defaults (the 'auto' step, schedule
    and stopping rule), then guarded and penalised variants."""
    for solver in SOLVERS:
        for batch_size in (1, 32, "full"):
            rule = solver
            if solver == "rmsprop" and batch_size == 1:
                # a decay of 0.9 averages ten rows' squares: the step is then
                # close to a sign, whose fixed point is not least squares
                # (training R^2 0.51); a longer memory fixes it
                rule = RMSProp(rho=0.999)
            # Ridge's training R^2 is 0.645: each reaches it
            yield dict(solver=rule, batch_size=batch_size), 0.64
    yield dict(penalty="l1", alpha=1e-3), 0.55
    yield dict(penalty="elasticnet", average=True), 0.55
    yield dict(solver="adam", batch_size=16, clip_norm=1.0, penalty="elasticnet"), 0.55
    yield dict(loss="huber", epsilon=0.5, clip_value=0.5), 0.55
    yield dict(loss="epsilon_insensitive", learning_rate="pa1", eta0=0.1), 0.55


@pytest.mark.parametrize(
    "params, least", list(_healthy_configurations()), ids=lambda v: repr(v)
)
def test_no_divergence_warning_on_standardized_data(params, least, housing):
    X, y = housing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", DivergenceWarning)
        model = _pipeline(GDRegressor(random_state=0, **params)).fit(X, y)
    assert model.score(X, y) > least
