"""What a fit does when it goes wrong: non-finite weights raise
scikit-learn's error, a fit that ends far worse than it started warns with
skgd's DivergenceWarning, and each piece of advice fixes the case that
triggers it."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import error_of
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import r2_score
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler
from test_estimator_checks import _classifier_configurations, _configurations

from skgd import GDClassifier, GDRegressor
from skgd._divergence import DIVERGENCE_FACTOR
from skgd.exceptions import DivergenceWarning

SKLEARN_MESSAGE = (
    r"Floating-point under-/overflow occurred at epoch #\d+\. Scaling input data "
    r"with StandardScaler or MinMaxScaler might help\."
)


def _fit(est, X, y, **fit_params):
    """Fit, returning the DivergenceWarnings' messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, **fit_params)
    return [str(w.message) for w in caught if w.category is DivergenceWarning]


def _ratio(message):
    return float(re.search(r"is (\S+) times its value at the start", message)[1])


def _suggested(message, name):
    return float(re.search(name + r"=([0-9.e+-]+\d)", message)[1])


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _unscaled_classification():
    """scikit-learn's test_underflow_or_overflow data."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 10))
    X[:, :2] *= 1e300
    X_scaled = MinMaxScaler().fit_transform(X)
    y = (X_scaled @ rng.normal(size=10) > 0.0).astype(np.int32)
    return X, X_scaled, y


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_non_finite_weights_raise_sklearns_error(fmt):
    """Under np.errstate(all="raise") (as scikit-learn's own tests run), the
    error is the ValueError, not a FloatingPointError from the checks."""
    X, _, y = _unscaled_classification()
    X = sp.csr_matrix(X) if fmt == "csr" else X
    params = dict(alpha=0.1, loss="squared_hinge", max_iter=20, random_state=0)
    ref_type, ref_msg = error_of(lambda: SGDClassifier(**params).fit(X, y))
    assert ref_type is ValueError
    with np.errstate(all="raise"), pytest.raises(ValueError) as exc:
        GDClassifier(**params).fit(X, y)
    message = str(exc.value)
    assert message.startswith(ref_msg)
    # the columns are unscaled: the measured size and the scaler, nothing else
    assert "root mean squares up to" in message and "eta0" not in message
    assert "clip_norm" not in message


def test_non_finite_weights_on_scaled_data_name_the_rate():
    """Scaled data and a rate far above what they allow: scikit-learn's
    message, then the largest stable rate, which fixes the fit."""
    X, y = make_regression(200, 5, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = y / y.std()
    params = dict(learning_rate="constant", eta0=1e300, random_state=0)
    ref_type, ref_msg = error_of(lambda: SGDRegressor(**params).fit(X, y))
    assert ref_type is ValueError
    with pytest.raises(ValueError, match=SKLEARN_MESSAGE) as exc:
        GDRegressor(**params).fit(X, y)
    message = str(exc.value)
    assert message.startswith(ref_msg) and "X is scaled" in message
    eta0 = _suggested(message, "eta0")
    assert eta0 < 1.0
    assert _fit(GDRegressor(**dict(params, eta0=eta0)), X, y) == []


def test_a_moderately_bad_fit_warns_and_the_rate_fixes_it(diabetes):
    """A fit whose model ends a few hundred times worse than the start
    (scikit-learn's too: R² of about -446) warns: the factor is within
    reach.  The rate it names fixes the fit."""
    X, y = diabetes
    params = dict(learning_rate="constant", eta0=0.152, max_iter=1, tol=None,
                  random_state=0)  # fmt: skip
    assert SGDRegressor(**params).fit(X, y).score(X, y) < -100
    messages = _fit(GDRegressor(**params), X, y)
    assert len(messages) == 1
    assert 2 * DIVERGENCE_FACTOR < _ratio(messages[0]) < 10 * DIVERGENCE_FACTOR
    assert "X is scaled" in messages[0] and "clip_norm" not in messages[0]
    fixed = GDRegressor(**dict(params, eta0=_suggested(messages[0], "eta0")))
    fixed.set_params(max_iter=20, tol=1e-3)
    assert _fit(fixed, X, y) == []
    assert fixed.score(X, y) > 0.45


def test_overflowing_targets_warn_and_target_scaling_fixes_it():
    """A non-finite objective with finite weights is no error (scikit-learn
    completes the fit): it warns, and names the target's scaling."""
    X = np.random.RandomState(0).randn(100, 3)
    y = (X @ [1.0, 2.0, 3.0]) * 1e160
    params = dict(random_state=0, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SGDRegressor(**params).fit(X, y)
        messages = _fit(GDRegressor(**params), X, y)
    assert np.isfinite(ref.coef_).all()
    assert len(messages) == 1 and "not finite" in messages[0]
    assert "TransformedTargetRegressor" in messages[0]
    fixed = TransformedTargetRegressor(
        GDRegressor(**params), transformer=MaxAbsScaler()
    )
    assert _fit(fixed, X, y) == []
    assert r2_score(y / 1e160, fixed.predict(X) / 1e160) > 0.99


def test_a_few_long_rows_advise_clipping():
    X, y = make_regression(400, 8, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    X[:2] *= 30  # two outlying rows in scaled data
    messages = _fit(GDRegressor(random_state=0), X, y)
    assert len(messages) == 1
    assert "clip_norm=1.0" in messages[0] and "StandardScaler" not in messages[0]
    clipped = GDRegressor(random_state=0, clip_norm=1.0)
    assert _fit(clipped, X, y) == []
    assert clipped.score(X, y) > 0.7


def test_optimal_schedule_on_scaled_data_advises_another_schedule():
    """scikit-learn's 'smoke test' fit of test_underflow_or_overflow ends at
    an objective 3.6e4 times its start (accuracy 0.62): the 'optimal'
    schedule's first rate is far above what the data allow."""
    _, X, y = _unscaled_classification()
    params = dict(alpha=0.1, loss="squared_hinge", max_iter=500, tol=None,
                  random_state=0)  # fmt: skip
    messages = _fit(GDClassifier(**params), X, y)
    assert len(messages) == 1 and "learning_rate='invscaling'" in messages[0]
    eta0 = _suggested(messages[0], "eta0")
    fixed = GDClassifier(**dict(params, learning_rate="invscaling", eta0=eta0))
    assert _fit(fixed, X, y) == []
    assert fixed.score(X, y) >= 0.85


def test_adaptive_solver_advises_its_base_rate(diabetes):
    X, y = diabetes
    # seeded: with eta0=100 about one shuffle in four happens to end below
    # the factor (RMSProp's steps are about eta0 whatever the gradient)
    # (with the 'invscaling' schedule: the 'adaptive' one divides a rate
    # that makes no progress, and recovers)
    params = dict(
        solver="rmsprop", batch_size=16, random_state=0, learning_rate="invscaling"
    )
    messages = _fit(GDRegressor(eta0=100.0, **params), X, y)
    assert len(messages) == 1
    eta0 = _suggested(messages[0], "eta0")
    assert eta0 == 0.01
    fixed = GDRegressor(eta0=eta0, **params)
    assert _fit(fixed, X, y) == []
    assert fixed.score(X, y) > 0.45


@pytest.mark.parametrize("names", [None, ["setosa", "versicolor", "virginica"]])
def test_one_vs_rest_names_the_problem(names):
    """scikit-learn's test_numerical_stability_large_gradient: the squared
    hinge on unscaled iris, where only one class's problem explodes (with
    its labels as integers or as strings)."""
    X, y = load_iris(return_X_y=True)
    if names is not None:
        y = np.asarray(names)[y]
    params = dict(
        loss="squared_hinge",
        penalty="elasticnet",
        l1_ratio=0.3,
        alpha=0.01,
        eta0=0.001,
        max_iter=10,
        tol=None,
        random_state=0,
    )
    messages = _fit(GDClassifier(**params), X, y)
    assert len(messages) == 1
    label = 1 if names is None else names[1]
    assert f"(class {label} vs rest)" in messages[0]
    assert "StandardScaler" in messages[0]


def test_partial_fit_compares_each_call_with_its_own_start(diabetes):
    X, y = diabetes
    est = GDRegressor(random_state=0)
    for _ in range(3):
        assert _partial_fit(est, X, y) == []
    est.set_params(learning_rate="constant", eta0=0.17)
    assert len(_partial_fit(est, X, y)) == 1
    # the next call starts from the bad model, and improves on it
    est.set_params(eta0=0.001)
    assert _partial_fit(est, X, y) == []


def _partial_fit(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.partial_fit(X, y)
    return [w for w in caught if w.category is DivergenceWarning]


def test_warning_filters_make_it_an_error(diabetes):
    X, y = diabetes
    est = GDRegressor(learning_rate="constant", eta0=0.17, max_iter=3, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        with pytest.raises(DivergenceWarning, match="far worse than it started"):
            est.fit(X, y)
    assert issubclass(DivergenceWarning, ConvergenceWarning)


@pytest.fixture(scope="module")
def standardized():
    X, y = load_diabetes(return_X_y=True)
    Xc, yc = load_iris(return_X_y=True)
    return (
        StandardScaler().fit_transform(X), y,
        StandardScaler().fit_transform(Xc), yc,
    )  # fmt: skip


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.filterwarnings("error::skgd.exceptions.DivergenceWarning")
@pytest.mark.parametrize(
    "estimator",
    list(_configurations()) + list(_classifier_configurations()),
    ids=repr,
)
def test_healthy_fits_never_warn(estimator, standardized):
    """Every configuration of the estimator checks, on standardized real data
    (the regressor on diabetes, its target uncentred; the classifier on
    iris)."""
    X, y, Xc, yc = standardized
    if isinstance(estimator, GDClassifier):
        X, y = Xc, yc
    estimator.set_params(random_state=0).fit(X, y)
