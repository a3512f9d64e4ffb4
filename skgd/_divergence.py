"""What a fit does when it goes wrong, and the advice it gives.

Two outcomes, as DESIGN.md sets them:

- the coefficients or the intercept become non-finite: the fit stops with
  scikit-learn's ``ValueError`` ("Floating-point under-/overflow occurred at
  epoch #N. Scaling input data with StandardScaler or MinMaxScaler might
  help."), followed by the fixes that apply to the data at hand;
- the fit ends with a training objective far above its start (or with a
  non-finite objective and finite coefficients): a
  :class:`skgd.exceptions.DivergenceWarning` names the ratio and the fixes,
  and the model is returned as scikit-learn returns it.

A finite objective that grows during the fit is never an error: the
``"optimal"`` schedule's first steps routinely make it grow by twenty orders
of magnitude before it recovers.

The advice looks at the data, not at the estimator's history: unscaled
columns call for a scaler, overflowing targets for a scaled target, a few
rows far longer than the rest for clipping, and otherwise the step is too
large for the data's curvature (the largest stable rate of plain gradient
steps is about ``1 / (c * max_i s_i * (||x_i||^2 + 1))`` for a loss of
curvature ``c`` and row weights ``s_i``).  Every check here runs with numpy's
floating-point errors ignored: a fit under ``np.errstate(all="raise")`` gets
the ``ValueError``, never a ``FloatingPointError`` from the diagnosis.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from skgd.exceptions import DivergenceWarning

#: a fit warns when its last epoch's objective exceeds this multiple of the
#: objective at its start (see docs/semantics.rst for the measurements)
DIVERGENCE_FACTOR = 100.0

#: the objective of the model a call returns is computed (one pass over X)
#: when the last epoch's objective exceeds this multiple of the start: the
#: epoch objective averages each row's loss at the weights it was visited
#: with, and lags behind a model that blows up within the epoch
SCREEN_FACTOR = DIVERGENCE_FACTOR / 10

#: columns whose root mean square exceeds this are taken as unscaled
UNSCALED_RMS = 3.0

#: rows whose squared norm exceeds this multiple of the median are outliers
OUTLIER_RATIO = 100.0

SKLEARN_OVERFLOW = (
    "Floating-point under-/overflow occurred at epoch #%d. Scaling input data "
    "with StandardScaler or MinMaxScaler might help."
)

#: the largest second derivative of each loss in the prediction (0 for the
#: piecewise linear losses, whose steps do not depend on the weights)
CURVATURE = {
    "squared_error": 1.0,
    "huber": 1.0,
    "squared_epsilon_insensitive": 2.0,
    "squared_hinge": 2.0,
    "modified_huber": 2.0,
    "log_loss": 0.25,
}

#: customary base rates of the adaptive solvers (their step per coordinate
#: is about eta0 whatever the gradient's size)
BASE_RATES = {"adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01, "adamw": 0.01}

#: solvers whose step is the rate times the gradient (times a bounded factor)
PLAIN_SOLVERS = ("sgd", "momentum", "nesterov")


@dataclass(frozen=True)
class StepSetting:
    """What the advice needs to know of a fit's parameters."""

    loss: str
    solver: str
    learning_rate: object
    eta0: float
    alpha: float
    fit_intercept: bool
    regressor: bool
    optimal_eta: float = 0.0
    #: the solver's step is its own (SAGA's ``step``), not the schedule's
    own_step: bool = False
    #: plain gradient descent: scikit-learn's schedules as they are (for the
    #: other solvers they multiply eta0)
    plain: bool = False

    @classmethod
    def of(cls, config):
        """The setting of a fit configuration (``skgd._config.FitConfig``)."""
        solver = config.solver
        name = type(solver).__name__.lower()
        if name == "momentum" and solver.nesterov:
            name = "nesterov"
        schedule = config.schedule
        init = schedule.optimal_init
        alpha = config.penalty.alpha
        return cls(
            loss=config.loss, solver=name, learning_rate=schedule.learning_rate,
            eta0=schedule.eta0, alpha=alpha, fit_intercept=config.fit_intercept,
            regressor=not config.classifier,
            optimal_eta=1.0 / (alpha * init) if init else 0.0,
            own_step=not solver.uses_schedule, plain=solver._plain,
        )  # fmt: skip


def _squares(X):
    """(root mean square of each column, squared norm of each row, stored
    values of each row) of ``X``, in float64: a numpy array, a CSR matrix, or a
    dask design (``.array``)."""
    if hasattr(X, "array"):  # skgd._dask.DaskDesign
        import dask

        A = X.array.astype(np.float64)
        cols, rows = dask.compute((A**2).mean(axis=0), (A**2).sum(axis=1))
        cols, rows = np.sqrt(np.asarray(cols)), np.asarray(rows)
        return cols, rows, np.full(len(rows), A.shape[1])
    n = max(X.shape[0], 1)
    if sp.issparse(X):
        # each column divided by its largest magnitude first, so that its
        # mean square does not overflow where the values do not
        top = np.asarray(abs(X).max(axis=0).todense()).ravel().astype(np.float64)
        top[top == 0] = 1.0
        unit = X.multiply(1.0 / top).tocsr()
        cols = np.sqrt(np.asarray(unit.multiply(unit).sum(axis=0)).ravel() / n) * top
        rows = np.asarray(X.multiply(X).astype(np.float64).sum(axis=1)).ravel()
        return cols, rows, np.diff(X.indptr)
    X = np.asarray(X)
    top = np.max(np.abs(X), axis=0, initial=0.0).astype(np.float64)
    top[top == 0] = 1.0
    unit = X / top
    cols = np.sqrt(np.einsum("ij,ij->j", unit, unit, dtype=np.float64) / n) * top
    rows = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    return cols, rows, np.full(X.shape[0], X.shape[1])


def _fmt(value):
    return "%.3g" % value


def advice(X, y, row_weight, setting, *, after_sklearn=False):
    """The fixes that apply to a fit on ``X``, ``y`` with per-row weights
    ``row_weight`` (sample times class weights), as sentences.

    ``after_sklearn``: the text follows scikit-learn's overflow message,
    which already says to scale the data."""
    with np.errstate(all="ignore"):
        col_ms, row_sq, row_nnz = _squares(X)
        col_rms = float(np.max(col_ms)) if col_ms.size else 0.0
        # a classifier's labels may be strings: only a regressor's targets
        # have a scale to advise on
        y_ms = 0.0
        if setting.regressor:
            y_ms = float(np.mean(np.square(np.asarray(y, dtype=np.float64))))
        weight = np.asarray(row_weight, dtype=np.float64)
        median = float(np.median(row_sq)) if row_sq.size else 0.0
        longest = float(np.max(row_sq)) if row_sq.size else 0.0
        outliers = median > 0 and longest > OUTLIER_RATIO * median
        # the typical stored value of a row, and the columns' sizes (which
        # a few outlying rows inflate)
        typical = np.sqrt(np.median(row_sq / np.maximum(row_nnz, 1)))
        unscaled = not typical <= UNSCALED_RMS or (
            not col_rms <= UNSCALED_RMS and not outliers
        )
        tips = []
        if setting.regressor and not math.isfinite(y_ms):
            tips.append(
                "The targets are too large for the loss to be computed in "
                "floating point: scale them too, e.g. with "
                "TransformedTargetRegressor(regressor=..., "
                "transformer=MaxAbsScaler()) (StandardScaler's variance "
                "overflows on them as well)."
            )
        if unscaled:
            if after_sklearn:
                tips.append(
                    "The columns of X have root mean squares up to %s: put a "
                    "StandardScaler before the estimator, in a pipeline."
                    % _fmt(col_rms)
                )
            else:
                tips.append(
                    "The columns of X have root mean squares up to %s: scaling "
                    "input data with StandardScaler or MinMaxScaler (in a "
                    "pipeline before the estimator) will help." % _fmt(col_rms)
                )
            return " ".join(tips)
        if tips:
            return " ".join(tips)
        curvature = CURVATURE.get(setting.loss, 0.0)
        if curvature > 0 and outliers:
            return (
                "X is scaled, but a few of its rows are far longer than the others "
                "(the largest squared norm is %s times the median): clip the "
                "gradient (e.g. clip_norm=1.0), or remove the outlying rows."
                % _fmt(longest / median)
            )
        return _step_advice(row_sq, weight, setting, curvature, col_rms)


def _step_advice(row_sq, weight, setting, curvature, col_rms):
    """The step is too large for the data: the rate to use instead."""
    scaled = "X is scaled (root mean squares up to %s); " % _fmt(col_rms)
    if setting.own_step:
        return scaled + (
            "the solver's step is too large for these data: leave it to the "
            "solver (step='auto', derived from the data) or set a smaller one."
        )
    if setting.solver not in PLAIN_SOLVERS or curvature == 0.0:
        rate = min(setting.eta0 / 10, BASE_RATES.get(setting.solver, np.inf))
        return scaled + (
            "the steps are too large: set a smaller eta0, e.g. eta0=%g." % rate
        )
    reach = float(np.max(weight * (row_sq + float(setting.fit_intercept))))
    bound = 1.0 / (curvature * reach) if reach > 0 else setting.eta0 / 10
    rate = float("%.2g" % bound)
    if setting.learning_rate == "optimal" and setting.plain:
        return scaled + (
            "the 'optimal' schedule's first rate, %s, is far above the largest "
            "stable rate for these data, about %s: use learning_rate='invscaling' "
            "(or 'constant') with eta0=%g, or a larger alpha."
            % (_fmt(setting.optimal_eta), _fmt(bound), rate)
        )
    if callable(setting.learning_rate):
        return scaled + (
            "the steps are too large: the largest stable rate for these data "
            "is about %s; lower the rates of the learning_rate schedule." % _fmt(bound)
        )
    return scaled + (
        "the steps are too large for these data: their largest stable rate is "
        "about %s (1 / (curvature of the loss x the largest weighted squared row "
        "norm)); set eta0=%g or smaller." % (_fmt(bound), rate)
    )


def overflow_error(epoch, X, y, row_weight, setting):
    """The ``ValueError`` of a fit whose weights became non-finite at
    ``epoch`` (0-based): scikit-learn's message, then the fixes."""
    tips = advice(X, y, row_weight, setting, after_sklearn=True)
    return ValueError((SKLEARN_OVERFLOW % (epoch + 1)) + " " + tips)


def all_finite(coef, intercept):
    """Whether the model is finite, without arithmetic on its values."""
    return bool(np.isfinite(coef).all() and np.isfinite(intercept).all())


def ratio(final, start):
    """How much worse the last epoch's objective is than the start's (inf
    for a non-finite objective; 0 when the start is 0 or not finite)."""
    if not math.isfinite(final):
        return math.inf
    if not (start > 0 and math.isfinite(start)):
        return 0.0
    return final / start


def warn_if_diverged(problems, X, y, row_weight, setting, names=None):
    """The ``DivergenceWarning`` at the end of a fit, for the worst of its
    problems ((last objective, objective at the start) each; ``names`` for
    one-vs-rest), if it ended far worse than it started."""
    worst = None
    for i, (final, start) in enumerate(problems):
        r = ratio(final, start)
        if r > DIVERGENCE_FACTOR and (worst is None or r > worst[0]):
            worst = (r, final, start, i)
    if worst is None:
        return
    r, final, start, i = worst
    which = " (%s)" % names[i] if names else ""
    tips = advice(X, y, row_weight, setting)
    if math.isfinite(final):
        head = (
            "The fit ended far worse than it started%s: the training objective "
            "of the fitted model, %s, is %s times its value at the start (%s), "
            "more than %g times. The model is returned as it is."
            % (which, _fmt(final), _fmt(r), _fmt(start), DIVERGENCE_FACTOR)
        )
    else:
        head = (
            "The fit ended with a training objective that is not finite%s (%s), "
            "although the coefficients are: the model is returned as it is."
            % (which, final)
        )
    warnings.warn(head + " " + tips, DivergenceWarning, stacklevel=3)
