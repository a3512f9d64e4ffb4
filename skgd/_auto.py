"""The ``"auto"`` defaults of ``eta0``, ``learning_rate``, ``tol`` and
``n_iter_no_change``: scikit-learn's values where the fit runs its
per-sample algorithm (the drop-in: plain SGD, one row a step, unclipped),
values read off the data everywhere else.

The rule was chosen on the grid of ``benchmarks/accuracy_table.py`` (every
solver and batch size on housing, diabetes, breast cancer, digits and a
sparse text set); see the user guide's section "Defaults that converge".

- The step of a solver whose step is the rate times the gradient (plain
  gradient descent, momentum, Nesterov, a solver of your own) is the
  inverse of the curvature of a batch's gradient, ``1 / L_b``: with
  ``L = c * lambda_max([X 1]^T S [X 1] / sum(S)) + alpha`` (``c`` bounds the
  loss's second derivative: 1 for squared loss, 1/4 for the log loss, 1/2
  for the multinomial one; ``S`` the sample weights) and ``L_row = c *
  max_i (||x_i||^2 + 1) + alpha`` the curvature of one row,
  ``L_b = L + (L_row - L) * (n - b) / (b * (n - 1))`` for batches of ``b``
  rows of ``n`` (the expected smoothness of a batch: ``L_row`` for one
  row, ``L`` for all).  The log losses take 16 times that step (their
  curvature near the optimum is far below the bound), a momentum solver
  ``1 - momentum`` of it on batches smaller than the data (its velocity
  adds up about ``1 / (1 - momentum)`` gradients).
- A solver whose steps have a size of their own (the adaptive ones: each
  coordinate's step is about the rate) declares it as ``base_rate``, which
  grows with the square root of the batch size (up to 10 times) and, for the
  regression losses of the identity link, with the root mean square of
  the targets (the scale of the coefficients to reach); for the log-link
  losses it is the base rate for every batch size (a step of the rate in
  the log of the mean: grown with the batch, AdaGrad's full batch overshot
  on Poisson counts).
- The log-link losses have no bounded curvature: their ``c`` is the
  deviance's curvature at the start (``curvature``).
- ``learning_rate="adaptive"``: the rate stays while the objective improves
  and is divided by 5 on a plateau; ``tol`` is ``1e-6`` times the
  objective at zero coefficients (a relative tolerance, whatever the scale
  of the targets) and ``n_iter_no_change`` 25 (stochastic batches make
  epochs of no progress now and then, long before the optimum).  With
  ``early_stopping`` the criterion is a validation score, which is scale
  free: ``tol`` and ``n_iter_no_change`` are then scikit-learn's.
"""

import math
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from skgd import _dask, _losses
from skgd._codes import LOG_LINK_LOSSES

AUTO = "auto"

#: scikit-learn's defaults, which "auto" takes for its per-sample algorithm
SKLEARN_ETA0 = 0.01
SKLEARN_TOL = 1e-3
SKLEARN_N_ITER_NO_CHANGE = 5

#: elsewhere: the relative tolerance and the patience of the stopping rule
RELATIVE_TOL = 1e-6
PATIENCE = 25

#: bounds of the loss's second derivative in the prediction (the curvature
#: constant ``c``); a loss without one (a kink) counts as 1
CURVATURE = {
    "squared_error": 1.0,
    "huber": 1.0,
    "epsilon_insensitive": 1.0,
    "squared_epsilon_insensitive": 2.0,
    "log_loss": 0.25,
    "hinge": 1.0,
    "perceptron": 1.0,
    "modified_huber": 2.0,
    "squared_hinge": 2.0,
    "quantile": 1.0,
}
#: the multinomial log loss (softmax): the Hessian of log-sum-exp is below 1/2
MULTINOMIAL_CURVATURE = 0.5
#: the log losses' factor on 1 / L_b
LOG_LOSS_BOOST = 16.0
#: regression losses whose coefficients scale with the targets
IDENTITY_LINK = (
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive",
    "quantile",
)  # fmt: skip
#: the growth of an adaptive solver's rate with the batch size: sqrt(b), capped
BATCH_GAIN_CAP = 10.0

#: rows the largest eigenvalue is estimated on (a seeded sample of them), and
#: the power iterations it takes
SAMPLE_ROWS = 10_000
POWER_ITERATIONS = 10


def learning_rate(value, exact, sklearn_default):
    """``learning_rate`` resolved: scikit-learn's default for its per-sample
    algorithm, else 'adaptive'; any other value as given."""
    if value != AUTO:
        return value
    return sklearn_default if exact else "adaptive"


def n_iter_no_change(value, exact, early_stopping):
    """``n_iter_no_change`` resolved (see the module docstring)."""
    if value != AUTO:
        return int(value)
    return SKLEARN_N_ITER_NO_CHANGE if exact or early_stopping else PATIENCE


def _on_dask(X):
    """Whether ``X`` is a dask array (or the driver's wrapper of one)."""
    return _dask.is_dask_collection(X) or getattr(X, "_skgd_dask_design", False)


def _sample(X, y, sample_weight):
    """At most ``SAMPLE_ROWS`` rows, chosen by a fixed seed (in memory: a
    dask array gives its first rows)."""
    n = X.shape[0]
    if _on_dask(X):
        m = min(n, SAMPLE_ROWS)
        X = getattr(X, "array", X)
        X, y = np.asarray(X[:m].compute()), np.asarray(_dask._compute(y[:m]))
        if sample_weight is not None:
            sample_weight = np.asarray(_dask._compute(sample_weight[:m]))
        return X, y, sample_weight
    if n > SAMPLE_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(n, SAMPLE_ROWS, replace=False))
        X, y = X[rows], y[rows]
        sample_weight = None if sample_weight is None else sample_weight[rows]
    return X, y, sample_weight


def largest_eigenvalue(X, sample_weight, fit_intercept):
    """``lambda_max([X 1]^T S [X 1] / sum(S))`` by power iteration from a
    seeded start (the column of ones only with ``fit_intercept``)."""
    n, p = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    total = float(s.sum())
    if total <= 0:
        return 0.0
    v = np.random.default_rng(0).standard_normal(p + 1)
    if not fit_intercept:
        v[-1] = 0.0
    lam = 0.0
    for _ in range(POWER_ITERATIONS):
        norm = float(np.linalg.norm(v))
        if norm == 0.0 or not np.isfinite(norm):
            break
        v = v / norm
        u = np.asarray(X @ v[:-1], dtype=np.float64).ravel() + v[-1]
        u *= s
        w = np.empty(p + 1)
        w[:-1] = np.asarray(X.T @ u, dtype=np.float64).ravel()
        w[-1] = u.sum() if fit_intercept else 0.0
        w /= total
        lam = float(v @ w)
        v = w
    return lam


def row_reach(X, fit_intercept):
    """``max_i ||x_i||^2`` (+ 1 with an intercept) over every row."""
    if X.shape[0] == 0:
        return float(fit_intercept)
    if sp.issparse(X):
        sq = np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
    else:
        sq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    return float(sq.max()) + float(fit_intercept)


def zero_objective(config, y, sample_weight, n_classes):
    """The objective at zero coefficients and the start intercept (0, or
    for skgd's own losses the best constant, where their fits start): the
    weighted mean loss of that prediction (summed over the outputs; log K
    for the multinomial loss)."""
    if n_classes:
        return math.log(n_classes)
    n = y.shape[0]
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    total = float(s.sum())
    if total <= 0:
        return 0.0
    if config.classifier:  # a binary problem's +-1 labels: the loss at 0
        y = np.ones((n, 1))
    else:
        y = np.asarray(y, dtype=np.float64).reshape(n, -1)
    start = _losses.start_prediction(config.loss, y, sample_weight, config.loss_param)
    if not config.fit_intercept:
        start = np.zeros_like(start)
    p = np.broadcast_to(start, y.shape)
    values = _losses.loss_value(config.loss, y, p, config.loss_param)
    return float(np.sum(s @ values) / total)


def _target_scale(config, y, sample_weight):
    """The root mean square of the targets for the regression losses of
    the identity link (over the outputs), else 1."""
    if config.classifier or config.loss not in IDENTITY_LINK or y.shape[0] == 0:
        return 1.0
    yy = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
    s = np.ones(yy.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    total = float(s.sum())
    if total <= 0:
        return 1.0
    scale = math.sqrt(float(np.mean(s @ (yy * yy)) / total))
    return scale if scale > 0 and np.isfinite(scale) else 1.0


def curvature(config, y, sample_weight, n_classes=None):
    """The curvature constants ``(c, c_row)`` of the loss, of the mean of
    the rows and of the row of most curvature: its table's bound for both,
    or for a log-link loss, whose second derivative has no bound, its values
    at the start (the mean ``m`` of the targets, where the fit starts): the
    Tweedie deviance's ``h_i = (power - 1) * y_i * m**(1 - power) + (2 -
    power) * m**(2 - power)``, their weighted mean (``m**(2 - power)``) and
    their largest, the largest over the outputs."""
    if n_classes:
        return MULTINOMIAL_CURVATURE, MULTINOMIAL_CURVATURE
    if config.loss not in LOG_LINK_LOSSES:
        c = CURVATURE.get(config.loss, 1.0)
        return c, c
    yy = np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)
    s = np.ones(yy.shape[0]) if sample_weight is None else np.asarray(sample_weight)
    total = float(s.sum())
    if not total > 0 or yy.shape[0] == 0:
        return 1.0, 1.0
    power = config.loss_param
    m = (s @ yy) / total
    m = np.where(m > 0, m, 1.0)
    with np.errstate(all="ignore"):
        h = (power - 1.0) * yy * m ** (1.0 - power) + (2.0 - power) * m ** (2.0 - power)
        c = float(np.max(m ** (2.0 - power)))
        c_row = float(np.max(h[s > 0])) if np.any(s > 0) else c
    if not (np.isfinite(c) and c > 0):
        return 1.0, 1.0
    return c, max(c, c_row) if np.isfinite(c_row) else c


def eta0(config, X, y, sample_weight, n_classes=None):
    """The data's ``eta0`` for the fit ``config`` (see the module
    docstring)."""
    solver = config.solver
    n = X.shape[0]
    batch = n if config.batch_size == "full" else min(int(config.batch_size), n)
    full = batch >= n
    base = getattr(solver, "base_rate", None)
    if base is not None:
        if config.loss in LOG_LINK_LOSSES:  # a step of the rate in log(mu), any batch
            return float(base)
        return float(base) * min(BATCH_GAIN_CAP, math.sqrt(batch)) * _target_scale(
            config, y, sample_weight
        )
    c, c_row = curvature(config, y, sample_weight, n_classes)
    alpha = config.penalty.alpha
    reach = row_reach(X, config.fit_intercept)
    Xs, _, ss = _sample(X, y, sample_weight)
    lam = largest_eigenvalue(Xs, ss, config.fit_intercept)
    L = c * lam + alpha
    L_row = max(c_row * reach + alpha, L)
    L_b = L if n <= 1 else L + (L_row - L) * (n - batch) / (batch * (n - 1))
    if not L_b > 0 or not np.isfinite(L_b):
        return SKLEARN_ETA0
    gain = float(solver._velocity_gain())
    step = 1.0 / L_b
    if config.loss == "log_loss" and (gain == 1.0 or not full):
        step *= LOG_LOSS_BOOST
    if not full:
        step /= gain
    return step


def resolve(config, X, y, sample_weight, n_classes=None):
    """``config`` with its data-dependent "auto" values (``eta0``, ``tol``)
    computed from the training data (``n_classes``: the number of classes
    of a softmax model, else None): a new ``FitConfig``, or ``config``
    itself when nothing is left to resolve."""
    changes = {}
    if config.schedule.eta0 == AUTO:
        if _on_dask(X):  # its first rows stand for all of them
            Xs, ys, ss = _sample(X, y, sample_weight)
            value = eta0(config, Xs, ys, ss, n_classes)
        else:
            value = eta0(config, X, y, sample_weight, n_classes)
        changes["schedule"] = replace(config.schedule, eta0=value)
    if config.tol == AUTO:
        if _on_dask(X):
            _, ys, ss = _sample(X, y, sample_weight)
        else:
            ys, ss = y, sample_weight
        changes["tol"] = RELATIVE_TOL * zero_objective(config, ys, ss, n_classes)
    return replace(config, **changes) if changes else config
