"""Tests of the numpy losses, the objective and ``check_gradient``."""

import doctest
import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.utils._param_validation import InvalidParameterError

import skgd._gradcheck as gradcheck_module
from skgd import check_gradient
from skgd._codes import LOSS_CODES, REGRESSION_LOSSES
from skgd._gradcheck import GradientCheckResult
from skgd._jit import _loss as _kernels
from skgd._losses import (
    LOSSES,
    loss_derivative,
    loss_value,
    objective,
    objective_gradient,
    penalty_gradient,
    penalty_value,
)

ALL_LOSSES = tuple(LOSS_CODES)
MARGIN_LOSSES = ("hinge", "modified_huber", "squared_hinge", "perceptron")
PENALTY_NAMES = ("l2", "l1", "elasticnet", "none")
# a power of two, so that y +- EPS is exact and the kinks below are exact too
EPS = 0.5
MIN_KINK_DISTANCE = 1e-3


def test_loss_tables_agree():
    assert set(LOSSES) == set(ALL_LOSSES)
    assert len(ALL_LOSSES) == 13


def _parameter(loss):
    """check_gradient's argument of the loss's parameter, set to EPS."""
    return {"quantile": {"quantile": EPS}, "tweedie": {"power": EPS}}.get(
        loss, {"epsilon": EPS}
    )


# ---------------------------------------------------------------------------
# Points: random ones away from the kinks, and ones exactly at a kink.
# ---------------------------------------------------------------------------
def _targets(loss, rng, n):
    if loss == "log_loss":
        return rng.integers(0, 2, size=n).astype(np.float64)
    if loss in MARGIN_LOSSES:
        return rng.choice([-1.0, 1.0], size=n)
    if loss in ("poisson", "tweedie"):  # counts, zeros among them
        return rng.poisson(2.0, size=n).astype(np.float64)
    if loss == "gamma":
        return rng.gamma(2.0, size=n)
    return rng.normal(scale=2.0, size=n)


def _kink_locations(loss, y):
    """Predictions at which ``p -> L(y, p)`` or its derivative is not smooth.

    Written from the definitions, independently of the library, and
    including the points where only the second derivative jumps.
    """
    if loss in ("huber", "epsilon_insensitive", "squared_epsilon_insensitive"):
        return [y - EPS, y + EPS]
    if loss in ("hinge", "squared_hinge"):  # p * y == 1 with y = +-1
        return [y]
    if loss == "modified_huber":  # p * y == +-1
        return [y, -y]
    if loss == "perceptron":
        return [np.zeros_like(y)]
    if loss == "quantile":
        return [y]
    return []  # squared_error, log_loss, the log-link losses


def _smooth_points(loss, seed=0, n=300):
    rng = np.random.default_rng(seed)
    y = _targets(loss, rng, n)
    p = np.concatenate(
        [rng.normal(scale=3.0, size=n - 6), [-40.0, -20.0, -5.0, 5.0, 20.0, 40.0]]
    )
    far = np.ones(n, dtype=bool)
    for at in _kink_locations(loss, y):
        far &= np.abs(p - at) > MIN_KINK_DISTANCE
    return y[far], p[far]


def _kink_points(loss):
    """(y, p) exactly at every kink of ``loss``, for a few targets."""
    if loss in MARGIN_LOSSES or loss == "log_loss":
        y = np.array([-1.0, 1.0, -1.0, 1.0])
    elif loss in ("poisson", "gamma", "tweedie"):
        y = np.array([0.25, 1.0, 2.0, 3.5])
    else:
        y = np.array([-1.5, 0.0, 0.75, 2.25])
    locations = _kink_locations(loss, y)
    if not locations:  # smooth everywhere: use the decision boundary
        locations = [np.zeros_like(y)]
    ys = np.concatenate([y] * len(locations))
    ps = np.concatenate(locations)
    return ys, ps


# ---------------------------------------------------------------------------
# The numpy losses and penalties pass the finite-difference check.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_loss_derivative_passes_finite_difference(loss):
    y, p = _smooth_points(loss)
    assert p.size > 250

    result = check_gradient(loss=loss, y=y, x0=p, **_parameter(loss))

    assert isinstance(result, GradientCheckResult)
    assert not result.kinks.any()
    assert result.checked.all()
    assert result.relative_error < 1e-6
    # pointwise too, so that one bad point cannot hide among good ones
    np.testing.assert_allclose(result.numeric, result.analytic, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(result.analytic, loss_derivative(loss, y, p, EPS))


@pytest.mark.parametrize("penalty", PENALTY_NAMES)
def test_penalty_gradient_passes_finite_difference(penalty):
    rng = np.random.default_rng(1)
    w = rng.normal(scale=2.0, size=50)
    w = w[np.abs(w) > MIN_KINK_DISTANCE]

    result = check_gradient(penalty=penalty, x0=w, alpha=0.37, l1_ratio=0.4)

    assert not result.kinks.any()
    assert result.relative_error < 1e-6
    np.testing.assert_allclose(result.numeric, result.analytic, rtol=1e-6, atol=1e-12)
    expected = penalty_gradient(penalty, w, 0.37, 0.4)
    np.testing.assert_array_equal(result.analytic, expected)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", "none", None])
def test_penalty_definitions(penalty):
    w = np.array([0.0, 1.5, -2.0, 0.25])
    alpha, l1_ratio = 0.3, 0.4
    sq = float(np.sum(w**2))
    l1 = float(np.sum(np.abs(w)))
    expected_value = {
        "l2": alpha * 0.5 * sq,
        "l1": alpha * l1,
        "elasticnet": alpha * ((1 - l1_ratio) * 0.5 * sq + l1_ratio * l1),
        "none": 0.0,
        None: 0.0,
    }[penalty]
    expected_grad = {
        "l2": alpha * w,
        "l1": alpha * np.sign(w),
        "elasticnet": alpha * ((1 - l1_ratio) * w + l1_ratio * np.sign(w)),
        "none": np.zeros_like(w),
        None: np.zeros_like(w),
    }[penalty]
    assert penalty_value(penalty, w, alpha, l1_ratio) == pytest.approx(
        expected_value, rel=1e-15
    )
    np.testing.assert_allclose(
        penalty_gradient(penalty, w, alpha, l1_ratio), expected_grad, rtol=1e-15
    )
    # the L1 subgradient is 0 at w_j == 0
    assert penalty_gradient(penalty, w, alpha, l1_ratio)[0] == 0.0


# ---------------------------------------------------------------------------
# The compiled scalar kernels agree with the numpy versions.
# ---------------------------------------------------------------------------
def _kernel(func, loss, y, p):
    code = LOSS_CODES[loss]
    return np.array(
        [func(code, float(yi), float(pi), float(EPS)) for yi, pi in zip(y, p)]
    )


@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_kernels_agree_with_numpy(loss):
    ys, ps = _smooth_points(loss, seed=2, n=200)
    yk, pk = _kink_points(loss)
    y = np.concatenate([ys, yk])
    p = np.concatenate([ps, pk])

    np.testing.assert_allclose(
        _kernel(_kernels.loss_value, loss, y, p),
        loss_value(loss, y, p, EPS),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _kernel(_kernels.loss_derivative, loss, y, p),
        loss_derivative(loss, y, p, EPS),
        rtol=1e-12,
        atol=1e-12,
    )


# (loss, y, p, value, derivative) exactly at a kink: scikit-learn's
# conventions, which both implementations must follow.
KINK_CONVENTIONS = [
    ("hinge", 1.0, 1.0, 0.0, -1.0),
    ("hinge", -1.0, -1.0, 0.0, 1.0),
    ("perceptron", 1.0, 0.0, 0.0, -1.0),
    ("perceptron", -1.0, 0.0, 0.0, 1.0),
    ("epsilon_insensitive", 0.0, EPS, 0.0, 0.0),
    ("epsilon_insensitive", 0.0, -EPS, 0.0, 0.0),
    ("squared_epsilon_insensitive", 1.0, 1.0 + EPS, 0.0, 0.0),
    ("squared_epsilon_insensitive", 1.0, 1.0 - EPS, 0.0, 0.0),
    ("huber", 0.0, EPS, 0.5 * EPS**2, EPS),
    ("huber", 0.0, -EPS, 0.5 * EPS**2, -EPS),
    ("squared_hinge", 1.0, 1.0, 0.0, 0.0),
    ("squared_hinge", -1.0, -1.0, 0.0, 0.0),
    ("modified_huber", 1.0, 1.0, 0.0, 0.0),
    ("modified_huber", 1.0, -1.0, 4.0, -4.0),
    ("modified_huber", -1.0, 1.0, 4.0, 4.0),
    ("log_loss", 1.0, 0.0, math.log(2.0), -0.5),
    ("squared_error", 2.0, 2.0, 0.0, 0.0),
    # the pinball loss's subgradient at p == y: -q, scikit-learn's
    ("quantile", 1.0, 1.0, 0.0, -EPS),
]


@pytest.mark.parametrize("loss, y, p, value, derivative", KINK_CONVENTIONS)
def test_kink_conventions(loss, y, p, value, derivative):
    code = LOSS_CODES[loss]
    assert _kernels.loss_value(code, y, p, EPS) == pytest.approx(value, abs=1e-15)
    assert _kernels.loss_derivative(code, y, p, EPS) == pytest.approx(
        derivative, abs=1e-15
    )
    assert float(loss_value(loss, y, p, EPS)) == pytest.approx(value, abs=1e-15)
    assert float(loss_derivative(loss, y, p, EPS)) == pytest.approx(
        derivative, abs=1e-15
    )


def _sklearn_reference(loss, y, p):
    """scikit-learn's own (private) loss objects, or skip if they moved."""
    try:
        from sklearn._loss import _loss as cyloss
        from sklearn._loss import loss as skloss
        from sklearn.linear_model import _sgd_fast as sgd_fast

        scalar = {
            "hinge": lambda: sgd_fast.Hinge(1.0),
            "perceptron": lambda: sgd_fast.Hinge(0.0),
            "squared_hinge": lambda: sgd_fast.SquaredHinge(1.0),
            "modified_huber": lambda: sgd_fast.ModifiedHuber(),
            "epsilon_insensitive": lambda: sgd_fast.EpsilonInsensitive(EPS),
            "squared_epsilon_insensitive": lambda: sgd_fast.SquaredEpsilonInsensitive(
                EPS
            ),
        }
        vector = {
            "squared_error": lambda: cyloss.CyHalfSquaredError(),
            "huber": lambda: cyloss.CyHuberLoss(EPS),
            "log_loss": lambda: cyloss.CyHalfBinomialLoss(),
            "quantile": lambda: cyloss.CyPinballLoss(EPS),
        }
        # the half deviances: scikit-learn's loss plus its constant
        deviance = {
            "poisson": lambda: skloss.HalfPoissonLoss(),
            "gamma": lambda: skloss.HalfGammaLoss(),
            "tweedie": lambda: skloss.HalfTweedieLoss(power=EPS),
        }
        if loss in deviance:
            obj = deviance[loss]()
            value = obj.loss(y, p) + obj.constant_to_optimal_zero(y)
            return value, obj.gradient(y, p)
        if loss in scalar:
            obj = scalar[loss]()
            value = [obj.py_loss(pi, yi) for yi, pi in zip(y, p)]
            deriv = [obj.py_dloss(pi, yi) for yi, pi in zip(y, p)]
            return np.array(value), np.array(deriv)
        obj = vector[loss]()
        value = np.empty_like(p)
        deriv = np.empty_like(p)
        obj.loss(y, p, None, value, 1)
        obj.gradient(y, p, None, deriv, 1)
        return value, deriv
    except (ImportError, AttributeError, TypeError) as exc:  # pragma: no cover
        pytest.skip(f"scikit-learn's private loss objects are not usable: {exc}")


@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_numpy_losses_match_scikit_learn(loss):
    ys, ps = _smooth_points(loss, seed=3, n=100)
    yk, pk = _kink_points(loss)
    y = np.ascontiguousarray(np.concatenate([ys, yk]))
    p = np.ascontiguousarray(np.concatenate([ps, pk]))
    value, deriv = _sklearn_reference(loss, y, p)
    # (a deviance near its zero cancels its constant: an absolute tolerance)
    np.testing.assert_allclose(
        loss_value(loss, y, p, EPS), value, rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        loss_derivative(loss, y, p, EPS), deriv, rtol=1e-12, atol=1e-15
    )


# ---------------------------------------------------------------------------
# The objective and its gradient.
# ---------------------------------------------------------------------------
def _problem(loss, seed=0, n_samples=30, n_features=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    X[rng.random(size=X.shape) < 0.3] = 0.0  # some structure for CSR
    y = _targets(loss, rng, n_samples)
    coef = rng.normal(size=n_features)
    intercept = rng.normal()
    weights = rng.uniform(0.1, 3.0, size=n_samples)
    return X, y, coef, intercept, weights


def _objective_pair(X, y, sample_weight, **params):
    n_features = X.shape[1]

    def fun(x):
        return objective(
            X, y, x[:n_features], x[n_features], sample_weight=sample_weight, **params
        )

    def grad(x):
        g_coef, g_intercept = objective_gradient(
            X, y, x[:n_features], x[n_features], sample_weight=sample_weight, **params
        )
        return np.append(g_coef, g_intercept)

    return fun, grad


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("container", ["dense", "csr"])
@pytest.mark.parametrize("loss", ALL_LOSSES)
def test_objective_gradient_matches_finite_difference(loss, container, weighted):
    X, y, coef, intercept, weights = _problem(loss)
    sample_weight = weights if weighted else None
    Xc = sp.csr_matrix(X) if container == "csr" else X
    params = dict(
        loss=loss, penalty="elasticnet", alpha=0.05, l1_ratio=0.3, epsilon=EPS
    )
    fun, grad = _objective_pair(Xc, y, sample_weight, **params)

    result = check_gradient(fun, grad, np.append(coef, intercept))

    assert result.relative_error < 1e-6
    # dense and sparse give the same numbers
    g_dense = objective_gradient(
        X, y, coef, intercept, sample_weight=sample_weight, **params
    )
    g_csr = objective_gradient(
        sp.csr_matrix(X), y, coef, intercept, sample_weight=sample_weight, **params
    )
    np.testing.assert_allclose(g_csr[0], g_dense[0], rtol=1e-12, atol=1e-15)
    assert g_csr[1] == pytest.approx(g_dense[1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", "none", None])
def test_objective_with_every_penalty(penalty):
    X, y, coef, intercept, weights = _problem("huber", seed=4)
    params = dict(loss="huber", penalty=penalty, alpha=0.2, l1_ratio=0.6, epsilon=EPS)
    fun, grad = _objective_pair(X, y, weights, **params)

    assert check_gradient(fun, grad, np.append(coef, intercept)).relative_error < 1e-6
    # the definition, written out
    p = X @ coef + intercept
    expected = np.sum(weights * loss_value("huber", y, p, EPS)) / np.sum(weights)
    expected += penalty_value(penalty, coef, 0.2, 0.6)
    assert objective(
        X, y, coef, intercept, sample_weight=weights, **params
    ) == pytest.approx(expected, rel=1e-14)


def test_objective_unit_weights_equal_no_weights():
    X, y, coef, intercept, _ = _problem("squared_error", seed=5)
    params = dict(
        loss="squared_error", penalty="l2", alpha=0.1, l1_ratio=0.15, epsilon=0.1
    )
    ones = np.ones(X.shape[0])
    assert objective(X, y, coef, intercept, **params) == pytest.approx(
        objective(X, y, coef, intercept, sample_weight=ones * 3.0, **params),
        rel=1e-14,
    )
    g0 = objective_gradient(X, y, coef, [intercept], **params)
    g1 = objective_gradient(X, y, coef, [intercept], sample_weight=ones, **params)
    np.testing.assert_allclose(g0[0], g1[0], rtol=1e-14)
    assert g0[1] == pytest.approx(g1[1], rel=1e-14)


# ---------------------------------------------------------------------------
# The checker can fail.
# ---------------------------------------------------------------------------
def _cubic(x):
    return float(np.sum(x**3) + x[0] * x[1])


def _cubic_grad(x):
    return 3 * x**2 + np.array([x[1], x[0], 0.0])


def test_check_gradient_on_a_function():
    result = check_gradient(_cubic, _cubic_grad, [1.0, -2.0, 0.5])
    assert result.relative_error < 1e-8
    assert result.absolute_error < 1e-8
    assert result.analytic.shape == (3,)


def test_wrong_function_gradient_is_detected():
    def wrong(x):
        return 1.01 * _cubic_grad(x)

    assert check_gradient(_cubic, wrong, [1.0, -2.0, 0.5]).relative_error > 1e-3


def test_wrong_gradient_is_detected_in_every_mode(monkeypatch):
    def scaled(func):
        def wrapper(*args, **kwargs):
            out = func(*args, **kwargs)
            if isinstance(out, tuple):
                return tuple(1.01 * np.asarray(o) for o in out)
            return 1.01 * out

        return wrapper

    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -1.0, 2.0] + rng.normal(size=40)
    reg = SGDRegressor(random_state=0, max_iter=20, tol=None).fit(X, y)
    ys, ps = _smooth_points("log_loss", seed=7, n=50)
    w = np.array([0.7, -1.2, 2.5])

    checks = {
        "loss": lambda: check_gradient(loss="log_loss", y=ys, x0=ps),
        "penalty": lambda: check_gradient(penalty="l2", x0=w, alpha=1.0),
        "estimator": lambda: check_gradient(estimator=reg, X=X, y=y),
    }
    for mode, run in checks.items():
        assert run().relative_error < 1e-6, mode

    monkeypatch.setattr(
        gradcheck_module, "loss_derivative", scaled(gradcheck_module.loss_derivative)
    )
    monkeypatch.setattr(
        gradcheck_module, "penalty_gradient", scaled(gradcheck_module.penalty_gradient)
    )
    monkeypatch.setattr(
        gradcheck_module,
        "objective_gradient",
        scaled(gradcheck_module.objective_gradient),
    )
    for mode, run in checks.items():
        assert run().relative_error > 1e-3, mode


# ---------------------------------------------------------------------------
# Fitted estimators.
# ---------------------------------------------------------------------------
def _regression_data(seed=0, n_samples=80, n_features=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = X @ rng.normal(size=n_features) + 0.3 + 0.5 * rng.normal(size=n_samples)
    return X, y


def _fitted_objective_gradient(est, X, y, sample_weight=None):
    g_coef, g_intercept = objective_gradient(
        X,
        y,
        est.coef_,
        est.intercept_,
        loss=est.loss,
        penalty=est.penalty,
        alpha=est.alpha,
        l1_ratio=est.l1_ratio,
        epsilon=est.epsilon,
        sample_weight=sample_weight,
    )
    return np.append(g_coef, g_intercept) if est.fit_intercept else g_coef


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_fitted_regressor(loss, penalty):
    X, y = _regression_data()
    reg = SGDRegressor(
        loss=loss, penalty=penalty, alpha=0.01, epsilon=0.2, random_state=0
    ).fit(X, y)

    result = check_gradient(estimator=reg, X=X, y=y)

    assert result.analytic.shape == (X.shape[1] + 1,)
    np.testing.assert_allclose(
        result.analytic, _fitted_objective_gradient(reg, X, y), rtol=1e-12
    )
    assert result.checked.sum() >= 1
    assert result.relative_error < 1e-6
    if penalty in ("l1", "elasticnet"):
        assert result.kinks[:-1][reg.coef_ == 0].all()


@pytest.mark.parametrize("container", ["dense", "csr"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_fitted_regressor_sparse_and_weighted(container, weighted):
    X, y = _regression_data(seed=1)
    X[np.abs(X) < 0.6] = 0.0
    Xc = sp.csr_matrix(X) if container == "csr" else X
    weights = np.random.default_rng(2).uniform(0.2, 2.0, size=X.shape[0])
    sample_weight = weights if weighted else None
    reg = SGDRegressor(loss="huber", penalty="elasticnet", random_state=0)
    reg.fit(Xc, y, sample_weight=sample_weight)

    result = check_gradient(estimator=reg, X=Xc, y=y, sample_weight=sample_weight)

    assert result.relative_error < 1e-6
    np.testing.assert_allclose(
        result.analytic,
        _fitted_objective_gradient(reg, X, y, sample_weight),
        rtol=1e-12,
    )


def test_fitted_regressor_without_intercept_and_custom_point():
    X, y = _regression_data(seed=3)
    reg = SGDRegressor(fit_intercept=False, random_state=0).fit(X, y)

    result = check_gradient(estimator=reg, X=X, y=y)
    assert result.analytic.shape == (X.shape[1],)
    assert result.relative_error < 1e-6

    point = np.linspace(-1.0, 1.0, X.shape[1])
    moved = check_gradient(estimator=reg, X=X, y=y, x0=point)
    assert moved.relative_error < 1e-6
    assert not np.allclose(moved.analytic, result.analytic)


class _StandIn:
    """The smallest object check_gradient accepts as a fitted model."""

    def __init__(self, coef, intercept, loss, penalty="l2", fit_intercept=True):
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray([intercept], dtype=np.float64)
        self.loss = loss
        self.penalty = penalty
        self.alpha = 0.01
        self.l1_ratio = 0.15
        self.epsilon = EPS
        self.fit_intercept = fit_intercept


def test_plain_object_with_the_attributes():
    X, y = _regression_data(seed=4, n_features=3)
    model = _StandIn([0.5, -0.25, 1.0], 0.1, "squared_error")
    result = check_gradient(estimator=model, X=X, y=y)
    assert result.relative_error < 1e-8


def test_estimator_sample_at_a_kink_is_flagged():
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.0 + EPS, 2.75, 2.5])  # the first sample sits on the kink
    model = _StandIn([1.0], 0.0, "epsilon_insensitive", penalty=None)

    with pytest.warns(UserWarning, match="nothing was checked"):
        result = check_gradient(estimator=model, X=X, y=y)
    assert result.kinks.all()  # the coefficient and the intercept
    assert math.isnan(result.relative_error)

    # further away, nothing is flagged and the check passes
    result = check_gradient(estimator=model, X=X, y=y + 0.01)
    assert not result.kinks.any()
    assert result.relative_error < 1e-8


@pytest.mark.parametrize("loss", ["hinge", "log_loss", "modified_huber"])
def test_fitted_binary_classifier(loss):
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 3))
    labels = np.where(X @ [1.0, -1.0, 0.5] + 0.5 * rng.normal(size=60) > 0, "b", "a")
    clf = SGDClassifier(loss=loss, alpha=0.01, random_state=0).fit(X, labels)

    result = check_gradient(estimator=clf, X=X, y=labels)

    encoded = np.where(
        labels == clf.classes_[1], 1.0, 0.0 if loss == "log_loss" else -1.0
    )
    np.testing.assert_allclose(
        result.analytic, _fitted_objective_gradient(clf, X, encoded), rtol=1e-12
    )
    assert result.relative_error < 1e-6


# ---------------------------------------------------------------------------
# Kinks, steps and the result object.
# ---------------------------------------------------------------------------
def test_loss_at_a_kink_is_skipped_or_included():
    y = np.array([1.0, -1.0, 1.0])
    p = np.array([1.0, 0.3, 2.0])  # the first pair sits on the hinge's kink

    skipped = check_gradient(loss="hinge", y=y, x0=p)
    np.testing.assert_array_equal(skipped.kinks, [True, False, False])
    np.testing.assert_array_equal(skipped.checked, [False, True, True])
    assert skipped.relative_error < 1e-8
    assert skipped.analytic[0] == -1.0  # scikit-learn's convention
    assert skipped.numeric[0] == pytest.approx(-0.5)  # the mean of both slopes

    included = check_gradient(loss="hinge", y=y, x0=p, at_kink="include")
    assert included.checked.all()
    assert included.relative_error > 0.1


def test_nothing_left_to_check_warns():
    with pytest.warns(UserWarning, match="nothing was checked"):
        result = check_gradient(loss="perceptron", y=[1.0, -1.0], x0=[0.0, 0.0])
    assert math.isnan(result.relative_error)
    assert math.isnan(result.absolute_error)


@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
def test_l1_zero_coordinates_are_flagged(penalty):
    w = np.array([0.0, 1.0, -2.0, 1e-9])
    result = check_gradient(penalty=penalty, x0=w, alpha=0.5, l1_ratio=0.5)
    np.testing.assert_array_equal(result.kinks, [True, False, False, True])
    assert result.analytic[0] == 0.0
    assert result.relative_error < 1e-8
    # no kink where the L1 part has no weight
    smooth = check_gradient(penalty="elasticnet", x0=w, alpha=0.5, l1_ratio=0.0)
    assert not smooth.kinks.any()
    assert not check_gradient(penalty="l2", x0=w).kinks.any()


def test_steps_are_relative_and_h_is_reported():
    x = np.array([0.0, 0.5, -3.0, 200.0])
    result = check_gradient(_sum_of_squares, _sum_of_squares_grad, x)
    assert result.h == pytest.approx(np.finfo(np.float64).eps ** (1 / 3))
    np.testing.assert_allclose(result.steps, result.h * np.array([1, 1, 3, 200]))

    result = check_gradient(_sum_of_squares, _sum_of_squares_grad, x, h=1e-4)
    assert result.h == 1e-4
    np.testing.assert_allclose(result.steps, [1e-4, 1e-4, 3e-4, 2e-2])
    assert result.relative_error < 1e-8


def _sum_of_squares(x):
    return float(np.sum(x**2))


def _sum_of_squares_grad(x):
    return 2 * x


def test_multidimensional_point_and_float32_input():
    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    result = check_gradient(_sum_of_squares, _sum_of_squares_grad, x)
    assert result.analytic.shape == (2, 3)
    assert result.numeric.dtype == np.float64
    assert result.relative_error < 1e-8


def test_result_repr_and_zero_gradient():
    result = check_gradient(_sum_of_squares, _sum_of_squares_grad, np.zeros(3))
    assert result.relative_error == 0.0
    text = repr(result)
    assert text.startswith("GradientCheckResult(relative_error=0")
    assert "n_checked=3" in text and "n_kinks=0" in text


def test_docstring_examples_run():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(gradcheck_module):
        runner.run(test)
    assert runner.failures == 0
    assert runner.tries > 10


# ---------------------------------------------------------------------------
# Errors.
# ---------------------------------------------------------------------------
def test_unknown_loss_lists_the_valid_ones():
    options = ", ".join(repr(name) for name in LOSS_CODES)
    expected = (
        f"The 'loss' parameter of check_gradient must be a str among {{{options}}}. "
        "Got 'foo' instead."
    )
    with pytest.raises(InvalidParameterError) as excinfo:
        check_gradient(loss="foo", y=[1.0], x0=[0.0])
    assert str(excinfo.value) == expected
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(penalty="l3", x0=[1.0]),
            r"The 'penalty' parameter of check_gradient must be a str among "
            r"\{'l2', 'l1', 'elasticnet', 'none'\}. Got 'l3' instead.",
        ),
        (
            dict(loss="hinge", y=[1.0], x0=[0.0], at_kink="ignore"),
            r"The 'at_kink' parameter of check_gradient must be a str among "
            r"\{'skip', 'include'\}. Got 'ignore' instead.",
        ),
        (
            dict(loss="hinge", y=[1.0], x0=[0.0], h=0.0),
            r"The 'h' parameter of check_gradient must be a float in the range "
            r"\(0.0, 1.0\). Got 0.0 instead.",
        ),
        (
            dict(loss="hinge", y=[1.0], x0=[0.0], h=2.0),
            r"'h' parameter .* \(0.0, 1.0\). Got 2.0",
        ),
        (dict(loss="hinge", y=[1.0], x0=[0.0], h="small"), r"'h' parameter"),
        (
            dict(loss="huber", y=[1.0], x0=[0.0], epsilon=-0.1),
            r"The 'epsilon' parameter of check_gradient must be a float in the "
            r"range \[0.0, inf\). Got -0.1 instead.",
        ),
        (dict(penalty="l2", x0=[1.0], alpha=-1.0), r"'alpha' parameter"),
        (
            dict(penalty="elasticnet", x0=[1.0], l1_ratio=1.5),
            r"'l1_ratio' parameter .* \[0.0, 1.0\]. Got 1.5",
        ),
    ],
)
def test_invalid_parameter_values(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        check_gradient(**kwargs)


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((), {}, "exactly one of fun, loss, penalty or estimator; got none"),
        (
            (_cubic, _cubic_grad, [1.0, 2.0, 3.0]),
            dict(loss="hinge"),
            "got fun and loss",
        ),
        ((_cubic,), dict(x0=[1.0, 2.0, 3.0]), r"also needs 'grad'"),
        (
            (),
            dict(loss="hinge", x0=[0.0]),
            r"check_gradient\(loss=...\) also needs 'y'",
        ),
        ((), dict(penalty="l2"), r"also needs 'x0'"),
        (
            (),
            dict(loss="hinge", y=[1.0], x0=[0.0], alpha=0.1),
            r"does not use 'alpha': remove it",
        ),
        (
            (),
            dict(penalty="l2", x0=[1.0], y=[1.0], epsilon=0.1),
            r"does not use 'y' and 'epsilon': remove them",
        ),
        (("not callable", _cubic_grad, [1.0]), {}, r"'fun' argument .* callable"),
        ((_cubic, 3.0, [1.0]), {}, r"'grad' argument .* callable"),
    ],
)
def test_misuse_raises_type_error(args, kwargs, match):
    with pytest.raises(TypeError, match=match):
        check_gradient(*args, **kwargs)


def test_estimator_mode_rejects_its_own_parameters():
    X, y = _regression_data(seed=9, n_features=2)
    reg = SGDRegressor(random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="estimator's own loss and penalty"):
        check_gradient(estimator=reg, X=X, y=y, alpha=0.1)


def test_bad_values_raise_value_error():
    with pytest.raises(ValueError, match="grad\\(x0\\) has 2 entries but x0 has 3"):
        check_gradient(_cubic, lambda x: np.zeros(2), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must return a single number"):
        check_gradient(lambda x: x, lambda x: x, [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN or infinity"):
        check_gradient(_cubic, _cubic_grad, [1.0, np.nan, 3.0])
    with pytest.raises(ValueError, match="empty"):
        check_gradient(penalty="l2", x0=[])
    with pytest.raises(ValueError, match="do not broadcast"):
        check_gradient(loss="hinge", y=[1.0, -1.0], x0=[0.1, 0.2, 0.3])


def test_estimator_errors():
    X, y = _regression_data(seed=10, n_features=3)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        check_gradient(estimator=SGDRegressor(), X=X, y=y)

    class NoLoss:
        coef_ = np.zeros(3)
        intercept_ = np.zeros(1)

    with pytest.raises(TypeError, match="NoLoss has no 'loss'"):
        check_gradient(estimator=NoLoss(), X=X, y=y)

    reg = SGDRegressor(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but SGDRegressor"):
        check_gradient(estimator=reg, X=X[:, :2], y=y)
    with pytest.raises(ValueError, match="one target per row"):
        check_gradient(estimator=reg, X=X, y=y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        check_gradient(estimator=reg, X=X, y=y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="x0 must hold the 4 coefficients"):
        check_gradient(estimator=reg, X=X, y=y, x0=np.zeros(3))

    labels = np.repeat([0, 1, 2], 20)
    Xc = np.random.default_rng(0).normal(size=(60, 3))
    clf = SGDClassifier(random_state=0).fit(Xc, labels)
    with pytest.raises(ValueError, match="only single-output models"):
        check_gradient(estimator=clf, X=Xc, y=labels)
    binary = SGDClassifier(random_state=0, class_weight="balanced")
    binary.fit(Xc[:40], labels[:40])
    with pytest.raises(ValueError, match="class_weight"):
        check_gradient(estimator=binary, X=Xc[:40], y=labels[:40])
    plain = SGDClassifier(random_state=0).fit(Xc[:40], labels[:40])
    with pytest.raises(ValueError, match="not fitted on"):
        check_gradient(estimator=plain, X=Xc, y=labels)


@pytest.mark.parametrize(
    "func, args",
    [
        (loss_value, ("foo", 1.0, 0.0)),
        (loss_derivative, ("foo", 1.0, 0.0)),
        (penalty_value, ("l3", [1.0])),
        (penalty_gradient, ("l3", [1.0])),
    ],
)
def test_numpy_functions_validate_names(func, args):
    with pytest.raises(InvalidParameterError, match=f"parameter of {func.__name__}"):
        func(*args)


def test_no_warning_on_smooth_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_gradient(loss="squared_error", y=[1.0, 2.0], x0=[0.5, 0.0])
