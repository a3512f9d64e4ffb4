"""Losses, penalties and the training objective in plain numpy.

These functions restate, array at a time, the definitions that the compiled
kernels in ``skgd._kernels`` apply one sample at a time.  They share no code
with the kernels on purpose: the tests compare the two, and
:func:`skgd.check_gradient` uses these versions as its analytic gradients.

Every loss is a function ``L(y, p)`` of the target ``y`` and the prediction
``p = x . w + b``; derivatives are taken with respect to ``p``.  The
definitions are scikit-learn's (``SGDRegressor`` / ``SGDClassifier``):

==============================  ============================================
``squared_error``               ``0.5 * (p - y)**2``
``huber``                       ``0.5 * r**2`` if ``r <= epsilon`` else
                                ``epsilon * (r - 0.5 * epsilon)``,
                                ``r = |y - p|``
``epsilon_insensitive``         ``max(0, |y - p| - epsilon)``
``squared_epsilon_insensitive`` ``max(0, |y - p| - epsilon)**2``
``hinge``                       ``max(0, 1 - p * y)``, y in {-1, +1}
``perceptron``                  ``max(0, -p * y)``, y in {-1, +1}
``squared_hinge``               ``max(0, 1 - p * y)**2``, y in {-1, +1}
``modified_huber``              ``max(0, 1 - z)**2`` if ``z >= -1`` else
                                ``-4 * z``, ``z = p * y``, y in {-1, +1}
``log_loss``                    ``log(1 + exp(p)) - y * p``, y in {0, 1}
==============================  ============================================

and skgd's own regression losses, where the 4th argument ``epsilon`` of the
functions below is the loss's parameter (the quantile ``q`` in (0, 1) of
``quantile``, the power ``rho`` of ``tweedie``): the pinball loss and
scikit-learn's half deviances (``HalfPoissonLoss``, ``HalfGammaLoss``,
``HalfTweedieLoss``, their constant included so that a perfect prediction
costs 0) of the mean ``mu = exp(p)`` (the log link):

==============================  ============================================
``quantile``                    ``q * (y - p)`` if ``y >= p`` else
                                ``(q - 1) * (y - p)``
``poisson``                     ``y * log(y / mu) - y + mu``, y >= 0
``gamma``                       ``log(mu / y) + y / mu - 1``, y > 0
``tweedie``                     ``max(y, 0)**(2 - rho) / ((1 - rho) *
                                (2 - rho)) - y * mu**(1 - rho) / (1 - rho)
                                + mu**(2 - rho) / (2 - rho)`` (rho = 0:
                                ``(y - mu)**2 / 2``; 1: poisson; 2: gamma)
==============================  ============================================

Where a loss is not differentiable the derivative follows scikit-learn's
convention: ``hinge`` and ``perceptron`` return ``-y`` at ``p * y`` equal to
the threshold, the epsilon-insensitive losses return 0 at
``|y - p| == epsilon``, ``quantile`` returns ``-q`` at ``p == y``.

The penalty of the coefficients ``w`` (never of the intercept) is

* ``"l2"``: ``alpha * 0.5 * ||w||_2**2``,
* ``"l1"``: ``alpha * ||w||_1``,
* ``"elasticnet"``: ``alpha * ((1 - l1_ratio) * 0.5 * ||w||_2**2
  + l1_ratio * ||w||_1)``,
* ``None`` or ``"none"``: 0,

and the objective minimised by the estimators is the weighted mean loss plus
the penalty::

    F(w, b) = sum_i s_i * L(y_i, x_i . w + b) / sum_i s_i + penalty(w)
"""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.utils._param_validation import InvalidParameterError

from skgd._codes import LOG_LINK_LOSSES, LOSS_CODES, SKGD_REGRESSION_LOSSES

LOSSES = tuple(LOSS_CODES)
#: the power of the Tweedie deviance each log-link loss is
LOG_LINK_POWER = {"poisson": 1.0, "gamma": 2.0}
#: scikit-learn's names of the GLM losses (its error messages name them)
SKLEARN_LOSS_NAMES = {
    "poisson": "HalfPoissonLoss",
    "gamma": "HalfGammaLoss",
    "tweedie": "HalfTweedieLoss",
}
PENALTIES = ("l2", "l1", "elasticnet", "none")


# ---------------------------------------------------------------------------
# Argument checks shared with ``skgd._gradcheck``.
# ---------------------------------------------------------------------------
def _options_str(options, allow_none=False):
    text = "a str among {" + ", ".join(repr(o) for o in options) + "}"
    return text + " or None" if allow_none else text


def _check_option(value, name, options, caller, allow_none=False):
    """Raise ``InvalidParameterError`` unless ``value`` is one of ``options``."""
    if value is None and allow_none:
        return
    if not isinstance(value, str) or value not in options:
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller} must be "
            f"{_options_str(options, allow_none)}. Got {value!r} instead."
        )


def _check_real(value, name, caller, low=None, high=None, closed="both"):
    """Raise ``InvalidParameterError`` unless ``value`` is a real in range."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and np.isfinite(value)
    left_open = closed in ("neither", "right")
    right_open = closed in ("neither", "left")
    if ok and low is not None:
        ok = value > low if left_open else value >= low
    if ok and high is not None:
        ok = value < high if right_open else value <= high
    if not ok:
        lb = "(" if left_open or low is None else "["
        rb = ")" if right_open or high is None else "]"
        lo = "-inf" if low is None else float(low)
        hi = "inf" if high is None else float(high)
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller} must be a float in the range "
            f"{lb}{lo}, {hi}{rb}. Got {value!r} instead."
        )


def _l1_share(penalty, l1_ratio, caller):
    """The weight of the L1 part of ``penalty`` (0 for l2, 1 for l1)."""
    _check_option(penalty, "penalty", PENALTIES, caller, allow_none=True)
    if penalty == "l2":
        return 0.0
    if penalty == "l1":
        return 1.0
    if penalty == "elasticnet":
        _check_real(l1_ratio, "l1_ratio", caller, 0.0, 1.0)
        return float(l1_ratio)
    return None  # no penalty


# ---------------------------------------------------------------------------
# Losses.
# ---------------------------------------------------------------------------
def _as_float_arrays(y, p):
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    return np.broadcast_arrays(y, p)


def loss_value(loss, y, p, epsilon=0.1):
    """Loss of predictions ``p`` for targets ``y``, elementwise.

    Parameters
    ----------
    loss : str
        One of ``LOSSES``.
    y : array-like
        Targets: real values for the regression losses, {-1, +1} for
        ``hinge``, ``perceptron``, ``squared_hinge`` and ``modified_huber``,
        {0, 1} for ``log_loss``.
    p : array-like
        Predictions (decision function values); broadcast against ``y``.
    epsilon : float, default=0.1
        The loss's parameter: the ``epsilon`` of ``huber`` and of the
        epsilon-insensitive losses, the quantile of ``quantile``, the power
        of ``tweedie``; the other losses ignore it.

    Returns
    -------
    value : ndarray of float64
        The loss of every pair, in the broadcast shape of ``y`` and ``p``.
    """
    _check_option(loss, "loss", LOSSES, "loss_value")
    y, p = _as_float_arrays(y, p)
    eps = float(epsilon)
    if loss == "squared_error":
        return 0.5 * (p - y) * (p - y)
    if loss == "huber":
        r = np.abs(y - p)
        return np.where(r <= eps, 0.5 * r * r, eps * (r - 0.5 * eps))
    if loss == "epsilon_insensitive":
        return np.maximum(np.abs(y - p) - eps, 0.0)
    if loss == "squared_epsilon_insensitive":
        excess = np.maximum(np.abs(y - p) - eps, 0.0)
        return excess * excess
    if loss in ("hinge", "perceptron"):
        threshold = 1.0 if loss == "hinge" else 0.0
        return np.maximum(threshold - p * y, 0.0)
    if loss == "log_loss":
        return np.logaddexp(0.0, p) - y * p
    if loss == "modified_huber":
        z = p * y
        margin = np.maximum(1.0 - z, 0.0)
        return np.where(z >= -1.0, margin * margin, -4.0 * z)
    if loss == "quantile":
        r = y - p
        return np.where(r >= 0.0, eps * r, (eps - 1.0) * r)
    if loss in LOG_LINK_LOSSES:
        return _tweedie_deviance(y, p, LOG_LINK_POWER.get(loss, eps))
    # squared_hinge
    margin = np.maximum(1.0 - p * y, 0.0)
    return margin * margin


def _tweedie_deviance(y, p, power):
    """The half Tweedie deviance of ``mu = exp(p)`` (scikit-learn's
    ``mean_tweedie_deviance`` halved, pointwise)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if power == 0.0:
            return 0.5 * (y - np.exp(p)) ** 2
        if power == 1.0:
            log_term = np.where(y > 0.0, y * (np.log(np.where(y > 0, y, 1.0)) - p), 0.0)
            return log_term - y + np.exp(p)
        if power == 2.0:
            return p - np.log(y) + y * np.exp(-p) - 1.0
        a, b = 1.0 - power, 2.0 - power
        head = np.maximum(y, 0.0) ** b / (a * b)
        return head - y * np.exp(a * p) / a + np.exp(b * p) / b


def loss_derivative(loss, y, p, epsilon=0.1):
    """Derivative of the loss with respect to the prediction ``p``.

    At the points where a loss has no derivative the value follows
    scikit-learn's convention (see the module docstring).

    Parameters
    ----------
    loss : str
        One of ``LOSSES``.
    y : array-like
        Targets, as for :func:`loss_value`.
    p : array-like
        Predictions; broadcast against ``y``.
    epsilon : float, default=0.1
        The loss's parameter, as for :func:`loss_value`.

    Returns
    -------
    derivative : ndarray of float64
        ``dL/dp`` of every pair, in the broadcast shape of ``y`` and ``p``.
    """
    _check_option(loss, "loss", LOSSES, "loss_derivative")
    y, p = _as_float_arrays(y, p)
    eps = float(epsilon)
    zero = np.zeros_like(p)
    if loss == "squared_error":
        return p - y
    if loss == "huber":
        r = p - y
        return np.where(np.abs(r) <= eps, r, np.where(r >= 0.0, eps, -eps))
    if loss == "epsilon_insensitive":
        return np.where(y - p > eps, -1.0, np.where(p - y > eps, 1.0, zero))
    if loss == "squared_epsilon_insensitive":
        r = y - p
        below = -2.0 * (r - eps)
        above = 2.0 * (-r - eps)
        return np.where(r > eps, below, np.where(r < -eps, above, zero))
    if loss in ("hinge", "perceptron"):
        threshold = 1.0 if loss == "hinge" else 0.0
        return np.where(p * y <= threshold, -y, zero)
    if loss == "log_loss":
        return expit(p) - y
    if loss == "modified_huber":
        z = p * y
        quadratic = -2.0 * y * (1.0 - z)
        return np.where(z >= 1.0, zero, np.where(z >= -1.0, quadratic, -4.0 * y))
    if loss == "quantile":
        return np.where(p > y, 1.0 - eps, -eps)
    if loss in LOG_LINK_LOSSES:
        power = LOG_LINK_POWER.get(loss, eps)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp((2.0 - power) * p) - y * np.exp((1.0 - power) * p)
    # squared_hinge
    z = 1.0 - p * y
    return np.where(z > 0.0, -2.0 * y * z, zero)


def loss_parameter(loss, epsilon=0.1, quantile=0.5, power=1.5):
    """The one parameter the loss ``loss`` takes, as :func:`loss_value`
    and the compiled kernels take it: ``quantile`` for 'quantile', the
    Tweedie power (``power`` for 'tweedie', 1 for 'poisson', 2 for
    'gamma'), else ``epsilon``."""
    if loss == "quantile":
        return float(quantile)
    if loss == "tweedie":
        return float(power)
    return float(LOG_LINK_POWER.get(loss, epsilon))


def estimator_loss_parameter(est):
    """:func:`loss_parameter` of estimator ``est``'s ``loss`` (an estimator
    without ``quantile`` or ``power``, scikit-learn's or the classifier,
    takes their defaults)."""
    return loss_parameter(
        est.loss, est.epsilon, getattr(est, "quantile", 0.5), getattr(est, "power", 1.5)
    )


def d2_score(y, mean, sample_weight, power):
    """D², the share of the Tweedie deviance of ``power`` that the means
    ``mean`` explain (``sklearn.metrics.d2_tweedie_score``), averaged over
    the columns of a 2-D ``y``: the score of the log-link losses."""
    from sklearn.metrics import d2_tweedie_score

    y = np.asarray(y, dtype=np.float64)
    if mean.ndim == 1:
        y, mean = y.reshape(-1, 1), mean.reshape(-1, 1)
    scores = [
        d2_tweedie_score(y[:, k], mean[:, k], sample_weight=sample_weight, power=power)
        for k in range(mean.shape[1])
    ]
    return float(np.mean(scores))


def check_targets(loss, y, power):
    """Raise scikit-learn's ``ValueError`` of its GLMs unless the targets
    ``y`` are in the range of the Tweedie deviance of ``power`` (any real
    for ``power <= 0``, non-negative below 2, positive from 2 on)."""
    if loss not in LOG_LINK_LOSSES:
        return
    if not hasattr(y, "dask"):  # a dask array is checked lazily, in one pass
        y = np.asarray(y)
    if power <= 0:
        ok = bool(np.isfinite(y).all())
    elif power < 2:
        ok = bool((y >= 0).all())
    else:
        ok = bool((y > 0).all())
    if not ok:
        raise ValueError(
            "Some value(s) of y are out of the valid range of the loss "
            f"{SKLEARN_LOSS_NAMES[loss]!r}."
        )


def start_prediction(loss, y, sample_weight, parameter):
    """The best constant prediction of the targets ``y`` (per column), where
    a fit of skgd's own losses starts its intercept: the weighted quantile
    for 'quantile', the log of the weighted mean for the log-link losses
    (the intercept-only optimum of each); 0 for scikit-learn's losses,
    whose fits start at 0 as SGDRegressor's do."""
    y = np.asarray(y, dtype=np.float64)
    columns = y.reshape(y.shape[0], -1)
    zero = np.zeros(columns.shape[1])
    if loss not in SKGD_REGRESSION_LOSSES or columns.shape[0] == 0:
        return zero
    s = np.ones(columns.shape[0]) if sample_weight is None else np.asarray(
        sample_weight, dtype=np.float64
    )
    if not s.sum() > 0:
        return zero
    if loss == "quantile":
        start = np.empty(columns.shape[1])
        for k in range(columns.shape[1]):
            order = np.argsort(columns[:, k], kind="stable")
            cum = np.cumsum(s[order])
            at = np.searchsorted(cum, parameter * cum[-1], side="left")
            start[k] = columns[order[min(at, order.size - 1)], k]
        return start
    mean = (s @ columns) / s.sum()
    with np.errstate(divide="ignore"):
        start = np.log(mean)
    return np.where(np.isfinite(start), start, 0.0)


# ---------------------------------------------------------------------------
# Penalties.
# ---------------------------------------------------------------------------
def penalty_value(penalty, w, alpha=0.0001, l1_ratio=0.15):
    """Penalty of the coefficients ``w``.

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet", "none"} or None
        The regularisation term.
    w : array-like
        Coefficients (the intercept is never penalised: leave it out).
    alpha : float, default=0.0001
        Strength of the penalty.
    l1_ratio : float, default=0.15
        Share of the L1 part for ``"elasticnet"``; ignored otherwise.

    Returns
    -------
    value : float
    """
    share = _l1_share(penalty, l1_ratio, "penalty_value")
    if share is None:
        return 0.0
    w = np.asarray(w, dtype=np.float64)
    value = 0.0
    if share < 1.0:
        value += (1.0 - share) * 0.5 * float(np.sum(w * w))
    if share > 0.0:
        value += share * float(np.sum(np.abs(w)))
    return float(alpha) * value


def penalty_gradient(penalty, w, alpha=0.0001, l1_ratio=0.15):
    """Gradient of :func:`penalty_value` with respect to ``w``.

    The L1 part contributes ``alpha * l1_ratio * sign(w_j)``, which is 0 at
    ``w_j == 0`` (the subgradient of smallest norm).

    Parameters
    ----------
    penalty : {"l2", "l1", "elasticnet", "none"} or None
        The regularisation term.
    w : array-like
        Coefficients.
    alpha : float, default=0.0001
        Strength of the penalty.
    l1_ratio : float, default=0.15
        Share of the L1 part for ``"elasticnet"``; ignored otherwise.

    Returns
    -------
    gradient : ndarray of float64, shape of ``w``
    """
    share = _l1_share(penalty, l1_ratio, "penalty_gradient")
    w = np.asarray(w, dtype=np.float64)
    if share is None:
        return np.zeros_like(w)
    return float(alpha) * ((1.0 - share) * w + share * np.sign(w))


# ---------------------------------------------------------------------------
# The objective.
# ---------------------------------------------------------------------------
def _objective_inputs(X, y, coef, intercept, sample_weight, caller):
    if not sp.issparse(X):
        X = np.asarray(X, dtype=np.float64)
    elif X.dtype != np.float64:
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"{caller} expects a 2-D X; got {X.ndim} dimensions.")
    n_samples, n_features = X.shape
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    coef = np.asarray(coef, dtype=np.float64).reshape(-1)
    intercept = np.asarray(intercept, dtype=np.float64).reshape(-1)
    if y.shape[0] != n_samples:
        raise ValueError(f"{caller}: X has {n_samples} samples but y has {y.shape[0]}.")
    if coef.shape[0] != n_features:
        raise ValueError(
            f"{caller}: X has {n_features} features but coef has "
            f"{coef.shape[0]} entries."
        )
    if intercept.shape[0] != 1:
        raise ValueError(f"{caller}: intercept must be a scalar or of shape (1,).")
    if sample_weight is None:
        sw = np.ones(n_samples)
    else:
        sw = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if sw.shape[0] != n_samples:
            raise ValueError(
                f"{caller}: X has {n_samples} samples but sample_weight has "
                f"{sw.shape[0]}."
            )
    total = float(np.sum(sw))
    if not total > 0.0:
        raise ValueError(f"{caller}: the sample weights must have a positive sum.")
    p = np.asarray(X @ coef).reshape(-1) + intercept[0]
    return X, y, coef, p, sw, total


def objective(
    X, y, coef, intercept, *, loss, penalty, alpha, l1_ratio, epsilon,
    sample_weight=None,
):  # fmt: skip
    """Weighted mean loss plus penalty at ``(coef, intercept)``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Targets, encoded as the loss expects (see :func:`loss_value`).
    coef : array-like of shape (n_features,)
        Coefficients.
    intercept : float or array-like of shape (1,)
        Intercept.
    loss : str
        One of ``LOSSES``.
    penalty : {"l2", "l1", "elasticnet", "none"} or None
        The regularisation term.
    alpha : float
        Strength of the penalty.
    l1_ratio : float
        Share of the L1 part for ``"elasticnet"``.
    epsilon : float
        The loss's parameter, as for :func:`loss_value`.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the samples; all ones when None.

    Returns
    -------
    value : float
    """
    _check_option(loss, "loss", LOSSES, "objective")
    _, y, coef, p, sw, total = _objective_inputs(
        X, y, coef, intercept, sample_weight, "objective"
    )
    data_term = float(np.sum(sw * loss_value(loss, y, p, epsilon))) / total
    return data_term + penalty_value(penalty, coef, alpha, l1_ratio)


def objective_gradient(
    X, y, coef, intercept, *, loss, penalty, alpha, l1_ratio, epsilon,
    sample_weight=None,
):  # fmt: skip
    """Gradient of :func:`objective` with respect to ``coef`` and ``intercept``.

    Parameters are those of :func:`objective`.

    Returns
    -------
    grad_coef : ndarray of float64, shape (n_features,)
        Gradient with respect to the coefficients, penalty included.
    grad_intercept : float
        Derivative with respect to the intercept (never penalised).
    """
    _check_option(loss, "loss", LOSSES, "objective_gradient")
    X, y, coef, p, sw, total = _objective_inputs(
        X, y, coef, intercept, sample_weight, "objective_gradient"
    )
    dloss = sw * loss_derivative(loss, y, p, epsilon) / total
    grad_coef = np.asarray(X.T @ dloss).reshape(-1)
    grad_coef = grad_coef + penalty_gradient(penalty, coef, alpha, l1_ratio)
    return grad_coef, float(np.sum(dloss))
