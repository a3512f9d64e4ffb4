"""skgd's additions beyond SGDRegressor: epoch schedules (and users' own),
restoring the best weights, and an adaptive rate kept across partial_fit."""

import math
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, ShuffleSplit

from skgd import GDClassifier, GDRegressor


class HalvingSchedule:
    """A user's schedule: halve the rate every ``every`` epochs."""

    def __init__(self, eta0=0.1, every=2):
        self.eta0 = eta0
        self.every = every

    def __call__(self, epoch):
        return self.eta0 * 0.5 ** (epoch // self.every)

    def __eq__(self, other):
        return isinstance(other, HalvingSchedule) and vars(self) == vars(other)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 4)
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.3 * rng.randn(200)
    return X, y


def _expected_etas(schedule, n_epochs, eta0=0.1, **params):
    """The formulas, written out independently of the estimator."""
    gamma = params.get("gamma", 0.9)
    etas = []
    for e in range(n_epochs):
        if schedule == "exponential":
            etas.append(eta0 * gamma**e)
        elif schedule == "step":
            etas.append(eta0 * gamma ** math.floor(e / params["step_size"]))
        else:  # cosine
            warm = params.get("warmup_epochs", 0)
            floor = params.get("eta_min", 0.0)
            if e < warm:
                etas.append(eta0 * (e + 1) / (warm + 1))
            else:
                span = n_epochs - warm
                etas.append(
                    floor
                    + (eta0 - floor) * (1 + math.cos(math.pi * (e - warm) / span)) / 2
                )
    return etas


def _gradient_descent(X, y, etas):
    """Full-batch gradient descent on the mean squared error / 2, no penalty."""
    w = np.zeros(X.shape[1])
    b = 0.0
    for eta in etas:
        residual = X @ w + b - y
        w, b = w - eta * X.T @ residual / len(y), b - eta * residual.mean()
    return w, b


@pytest.mark.parametrize(
    "schedule, params",
    [
        ("exponential", {"gamma": 0.7}),
        ("step", {"gamma": 0.5, "step_size": 3}),
        ("cosine", {"eta_min": 0.01}),
        ("cosine", {"eta_min": 0.0, "warmup_epochs": 3}),
    ],
)
def test_epoch_schedules_follow_their_formula(schedule, params, data):
    """One full-batch step per epoch: the fit equals gradient descent run
    with the formula's rates."""
    X, y = data
    n_epochs = 12
    reg = GDRegressor(
        learning_rate=schedule, eta0=0.1, batch_size="full", penalty=None,
        max_iter=n_epochs, tol=None, **params,
    ).fit(X, y)  # fmt: skip
    w, b = _gradient_descent(X, y, _expected_etas(schedule, n_epochs, **params))
    assert_allclose(reg.coef_, w, rtol=1e-12)
    assert_allclose(reg.intercept_, [b], rtol=1e-12)


def test_user_schedule_object(data):
    X, y = data
    reg = GDRegressor(
        learning_rate=HalvingSchedule(), batch_size="full", penalty=None, max_iter=7,
        tol=None,
    ).fit(X, y)  # fmt: skip
    w, b = _gradient_descent(X, y, [HalvingSchedule()(e) for e in range(7)])
    assert_allclose(reg.coef_, w, rtol=1e-12)
    restored = pickle.loads(pickle.dumps(reg))
    assert restored.learning_rate == HalvingSchedule()
    search = GridSearchCV(
        GDRegressor(solver="adam", batch_size=16, random_state=0),
        {"learning_rate": [HalvingSchedule(0.1, 2), HalvingSchedule(1e-4, 1)]},
        cv=2,
    ).fit(X, y)
    assert search.best_params_["learning_rate"] == HalvingSchedule(0.1, 2)


def test_epoch_schedule_continues_over_partial_fit(data):
    X, y = data
    reg = GDRegressor(learning_rate="exponential", gamma=0.5, batch_size="full",
                      penalty=None)  # fmt: skip
    rates = []
    for _ in range(4):
        reg.partial_fit(X, y)
        rates.append(reg.eta0_)
    # the "auto" eta0 is read off the data by the first call, then kept
    assert rates == [rates[0]] * 4
    w, b = _gradient_descent(X, y, [rates[0] * 0.5**e for e in range(4)])
    assert_allclose(reg.coef_, w, rtol=1e-12)


@pytest.mark.parametrize("solver, batch_size", [("sgd", 1), ("adam", 16)])
def test_restore_best_weights_with_early_stopping(solver, batch_size, data):
    """coef_ is the best epoch's: its validation R² is best_validation_score_,
    the maximum of the recorded curve."""
    X, y = data
    reg = GDRegressor(
        solver=solver, batch_size=batch_size, early_stopping=True, random_state=0,
        restore_best_weights=True, eta0=0.05, n_iter_no_change=8, tol=1e-6,
    ).fit(X, y)  # fmt: skip
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.best_loss_ is None
    _, val = next(ShuffleSplit(test_size=0.1, random_state=0).split(X))
    assert_allclose(r2_score(y[val], reg.predict(X[val])), reg.best_validation_score_)
    last = np.argmax(reg.validation_scores_) != len(reg.validation_scores_) - 1
    assert last, "the best epoch should not be the last one in this setting"


def test_restore_best_weights_without_early_stopping(data):
    """Without early stopping: the epoch with the lowest training objective
    (momentum's objective is not monotone at this rate)."""
    X, y = data
    params = dict(solver="momentum", batch_size="full", eta0=0.5,
                  learning_rate="constant", max_iter=20, tol=None)  # fmt: skip
    reg = GDRegressor(restore_best_weights=True, **params).fit(X, y)
    best = int(np.argmin(reg.loss_curve_))
    assert reg.best_loss_ == min(reg.loss_curve_)
    assert best < len(reg.loss_curve_) - 1
    # the weights after epoch `best` are those before epoch `best + 1`,
    # whose objective is recorded in loss_curve_[best + 1]
    reference = GDRegressor(**{**params, "max_iter": best + 1}).fit(X, y)
    assert_allclose(reg.coef_, reference.coef_, rtol=1e-12)


def test_restore_best_weights_classifier(data):
    X, y = data
    labels = (y > 0).astype(int)
    clf = GDClassifier(early_stopping=True, restore_best_weights=True,
                       random_state=0).fit(X, labels)  # fmt: skip
    assert clf.best_validation_score_ == max(clf.validation_scores_)


@pytest.mark.parametrize("keep", [True, False])
def test_keep_adaptive_state(keep, data):
    """With keep_adaptive_state, n partial_fit calls equal a fit of n
    epochs with the adaptive rate (whose divisions by 5 happen in them)."""
    X, y = data
    params = dict(
        learning_rate="adaptive", eta0=0.5, batch_size="full", penalty=None,
        shuffle=False, n_iter_no_change=2, tol=1e-1,
    )  # fmt: skip
    n_epochs = 15
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        fitted = GDRegressor(max_iter=n_epochs, **params).fit(X, y)
    assert fitted.n_iter_ == n_epochs  # the rate was divided, never stopped
    stream = GDRegressor(keep_adaptive_state=keep, **params)
    for _ in range(n_epochs):
        stream.partial_fit(X, y)
    if keep:
        assert_allclose(stream.coef_, fitted.coef_, rtol=1e-12)
        assert_allclose(stream.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    else:
        assert not np.allclose(stream.coef_, fitted.coef_, rtol=1e-6)


@pytest.mark.parametrize("estimator", ["SGDRegressor", "GDRegressor"])
@pytest.mark.parametrize("alpha", [1e-4, 1e-2, 1.0])
def test_optimal_first_rate_is_the_documented_alpha_to_the_minus_quarter(
    estimator, alpha
):
    """The user guide's account of the 'optimal' schedule's t0: the first
    rate is alpha ** -0.25 (t0 = alpha ** -0.75).  One update from zero on
    one row x = 1, y = 1 without penalty moves the weight by exactly that
    rate times the loss derivative, -1."""
    import sklearn.linear_model

    import skgd

    cls = getattr(skgd, estimator, None) or getattr(sklearn.linear_model, estimator)
    reg = cls(
        learning_rate="optimal", alpha=alpha, penalty=None, max_iter=1, tol=None,
        fit_intercept=False, shuffle=False,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit([[1.0]], [1.0])
    assert reg.coef_[0] == pytest.approx(alpha**-0.25, rel=1e-12)
