"""GDRegressor at its defaults (solver='sgd', batch_size=1) reproduces
scikit-learn's SGDRegressor: the same coef_, intercept_, n_iter_ and t_."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from skgd import GDRegressor

LOSSES = [
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]
PENALTIES = ["l2", "l1", "elasticnet", None]
SCHEDULES = ["constant", "optimal", "invscaling", "adaptive"]


def _data(n_samples=120, n_features=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X[rng.rand(n_samples, n_features) < 0.4] = 0.0  # real zeros for CSR
    X /= np.sqrt(n_features)
    y = X @ rng.randn(n_features) + 0.5 + 0.2 * rng.randn(n_samples)
    sample_weight = rng.uniform(0.2, 2.0, n_samples)
    return X, y, sample_weight


def _fit_both(params, X, y, fit_params=None):
    fit_params = fit_params or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SGDRegressor(**params).fit(X, y, **fit_params)
        ours = GDRegressor(**params).fit(X, y, **fit_params)
    return ref, ours


def _assert_same(ref, ours, rtol=1e-10):
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert ours.coef_.dtype == ref.coef_.dtype
    assert ours.intercept_.dtype == ref.intercept_.dtype
    assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=1e-14)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "loss, penalty, learning_rate",
    list(itertools.product(LOSSES, PENALTIES, SCHEDULES)),
)
def test_losses_penalties_schedules(loss, penalty, learning_rate, fmt):
    X, y, _ = _data()
    if fmt == "csr":
        X = sp.csr_matrix(X)
    params = dict(
        loss=loss,
        penalty=penalty,
        learning_rate=learning_rate,
        # 'optimal' starts at eta = alpha**-0.25: keep it stable here
        alpha=0.1 if learning_rate == "optimal" else 0.01,
        eta0=0.05,
        random_state=7,
        max_iter=60,
    )
    ref, ours = _fit_both(params, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_optimal_schedule_recovers_from_its_first_steps(fmt, weighted):
    """At the default alpha the 'optimal' schedule's first rates (about
    alpha**-0.25 = 10) make the objective grow by twenty orders of magnitude
    before it recovers: the same numbers as scikit-learn, and a good model,
    without a warning."""
    X, y = make_regression(300, 8, noise=1.0, random_state=0)
    X /= 3
    if fmt == "csr":
        X = sp.csr_matrix(X)
    sw = np.random.RandomState(1).uniform(0.5, 1.5, 300) if weighted else None
    params = dict(random_state=7, learning_rate="optimal")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref, ours = _fit_both(params, X, y, {"sample_weight": sw})
    _assert_same(ref, ours)
    assert max(ours.loss_curve_) > 1e10 * ours.loss_curve_[-1]
    assert ours.score(X, y) > 0.999


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("learning_rate", ["pa1", "pa2"])
def test_passive_aggressive(learning_rate, fmt):
    X, y, _ = _data()
    if fmt == "csr":
        X = sp.csr_matrix(X)
    params = dict(loss="epsilon_insensitive", learning_rate=learning_rate, eta0=0.3)
    ref, ours = _fit_both({**params, "random_state": 3}, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "average, early_stopping, weighted, penalty",
    list(
        itertools.product([False, True, 25], [False, True], [False, True], ["l2", "l1"])
    ),
)
def test_average_early_stopping_sample_weight(
    average, early_stopping, weighted, penalty, fmt
):
    X, y, sw = _data(seed=1)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    params = dict(
        average=average,
        early_stopping=early_stopping,
        penalty=penalty,
        random_state=11,
        eta0=0.05,
    )
    ref, ours = _fit_both(params, X, y, {"sample_weight": sw} if weighted else None)
    _assert_same(ref, ours)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fit_intercept": False},
        {"shuffle": False},
        {"tol": None, "max_iter": 7},
        {"n_iter_no_change": 2, "tol": 1e-2},
        {"power_t": 0.5, "eta0": 0.1},
        {"validation_fraction": 0.3, "early_stopping": True},
    ],
)
def test_other_parameters(params):
    X, y, _ = _data(seed=2)
    ref, ours = _fit_both({"random_state": 0, **params}, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("average", [False, True])
def test_partial_fit_sequence(fmt, average):
    X, y, sw = _data(seed=4)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    ref = SGDRegressor(random_state=5, average=average)
    ours = GDRegressor(random_state=5, average=average)
    for chunk in np.array_split(np.arange(X.shape[0]), 4):
        ref.partial_fit(X[chunk], y[chunk], sample_weight=sw[chunk])
        ours.partial_fit(X[chunk], y[chunk], sample_weight=sw[chunk])
        _assert_same(ref, ours)


@pytest.mark.parametrize("average", [False, True])
def test_warm_start_and_init(average):
    X, y, _ = _data(seed=5)
    rng = np.random.RandomState(0)
    coef_init = rng.randn(X.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # scikit-learn trains in the caller's coef_init array; skgd copies it
        ref = SGDRegressor(random_state=2, average=average)
        ref.fit(X, y, coef_init=coef_init.copy(), intercept_init=0.3)
        ours = GDRegressor(random_state=2, average=average)
        ours.fit(X, y, coef_init=coef_init, intercept_init=0.3)
    _assert_same(ref, ours)
    assert_allclose(coef_init, np.random.RandomState(0).randn(X.shape[1]))
    ref.set_params(warm_start=True, max_iter=3, tol=None)
    ours.set_params(warm_start=True, max_iter=3, tol=None)
    ref.fit(X[:50], y[:50])
    ours.fit(X[:50], y[:50])
    _assert_same(ref, ours)


def test_random_state_instance_stream():
    """A RandomState instance is consumed as scikit-learn consumes it."""
    X, y, _ = _data(seed=6)
    ref_rs, our_rs = np.random.RandomState(9), np.random.RandomState(9)
    for _ in range(2):
        ref = SGDRegressor(random_state=ref_rs).fit(X, y)
        ours = GDRegressor(random_state=our_rs).fit(X, y)
        _assert_same(ref, ours)
    assert ref_rs.randint(1000) == our_rs.randint(1000)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("params", [{}, {"average": True, "penalty": "elasticnet"}])
def test_float32(fmt, params):
    """float32 in, float32 coef_ out, float64 intercept_, as scikit-learn.

    The arithmetic follows scikit-learn's rounding to float32 step by step,
    but not to the last bit: the intercept (a float64) drifts by about 1e-10
    relative after a few epochs, and averaging compounds float32 rounding
    differences to about 2e-5 relative."""
    X, y, _ = _data(seed=8)
    X = X.astype(np.float32)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    ref, ours = _fit_both({"random_state": 1, **params}, X, y)
    assert ours.coef_.dtype == np.float32
    assert ours.intercept_.dtype == np.float64
    assert ours.predict(X).dtype == ref.predict(X).dtype == np.float64
    _assert_same(ref, ours, rtol=1e-4)
