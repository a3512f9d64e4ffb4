"""Finite-difference checks of analytic gradients."""

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array

from skgd._losses import (
    LOSSES,
    PENALTIES,
    _check_option,
    _check_real,
    _l1_share,
    estimator_loss_parameter,
    loss_derivative,
    loss_parameter,
    loss_value,
    objective_gradient,
    penalty_gradient,
    penalty_value,
)

__all__ = ["GradientCheckResult", "check_gradient"]

_CALLER = "check_gradient"
# cube root of the float64 machine epsilon: the step that balances the
# truncation error (~h**2) and the rounding error (~eps / h) of a central
# difference.
DEFAULT_H = float(np.finfo(np.float64).eps ** (1.0 / 3.0))
# relative slack when deciding whether a stencil reaches a kink, so that a
# kink computed one rounding away from a stencil's end still counts.
_KINK_SLACK = 1.0 + 1e-6
_TINY = np.finfo(np.float64).tiny
_ESTIMATOR_ATTRIBUTES = (
    "coef_",
    "intercept_",
    "loss",
    "penalty",
    "alpha",
    "l1_ratio",
    "epsilon",
    "fit_intercept",
)


@dataclass(frozen=True, eq=False, repr=False)
class GradientCheckResult:
    """Outcome of :func:`check_gradient`.

    Attributes
    ----------
    relative_error : float
        ``||analytic - numeric|| / max(||analytic|| + ||numeric||, tiny)``
        over the coordinates in ``checked`` (Euclidean norms, ``tiny`` the
        smallest positive float64).  0 when both gradients are 0; ``nan``
        when no coordinate was checked.
    analytic : ndarray of float64
        The analytic gradient, every coordinate.
    numeric : ndarray of float64
        The central finite difference, every coordinate (also where it is
        meaningless because the stencil crosses a kink).
    h : float
        The relative step: coordinate ``j`` was moved by
        ``steps[j] = h * max(1, |x_j|)`` either way.
    steps : ndarray of float64
        The step of every coordinate.
    kinks : ndarray of bool
        Coordinates whose stencil ``[x_j - steps[j], x_j + steps[j]]``
        contains a point where the function is not differentiable.
    checked : ndarray of bool
        Coordinates that entered ``relative_error``: all of them with
        ``at_kink="include"``, ``~kinks`` with ``at_kink="skip"``.
    """

    relative_error: float
    analytic: np.ndarray
    numeric: np.ndarray
    h: float
    steps: np.ndarray
    kinks: np.ndarray
    checked: np.ndarray

    @property
    def absolute_error(self):
        """``||analytic - numeric||`` over the checked coordinates."""
        if not self.checked.any():
            return float("nan")
        diff = self.analytic[self.checked] - self.numeric[self.checked]
        return float(np.linalg.norm(diff))

    def __repr__(self):
        return (
            f"GradientCheckResult(relative_error={self.relative_error:.3g}, "
            f"n_checked={int(self.checked.sum())}, "
            f"n_kinks={int(self.kinks.sum())}, h={self.h:.3g})"
        )


def check_gradient(
    fun=None,
    grad=None,
    x0=None,
    *,
    loss=None,
    penalty=None,
    estimator=None,
    X=None,
    y=None,
    sample_weight=None,
    epsilon=None,
    quantile=None,
    power=None,
    alpha=None,
    l1_ratio=None,
    h=None,
    at_kink="skip",
):
    """Compare an analytic gradient with a central finite difference.

    Every coordinate ``j`` of the point is moved by a step ``s_j`` either way
    and the derivative is estimated as
    ``(f(x + s_j e_j) - f(x - s_j e_j)) / (2 s_j)``; the result reports the
    relative error ``||g_analytic - g_numeric|| / (||g_analytic|| +
    ||g_numeric||)``.  A correct gradient of a smooth function typically gives
    ``1e-11`` to ``1e-8``; much above ``1e-6`` points to a mistake.

    Give exactly one of ``fun``, ``loss``, ``penalty`` or ``estimator``:

    * ``check_gradient(fun, grad, x0)``: any function ``fun(x) -> float`` and
      its gradient ``grad(x) -> array`` at the point ``x0``.
    * ``check_gradient(loss=name, y=y, x0=p)``: a loss of ``skgd`` by name,
      differentiated with respect to the predictions ``p`` at every pair
      ``(y_i, p_i)`` (the pairs are independent, so each coordinate is one
      pair).
    * ``check_gradient(penalty=name, x0=w)``: a penalty by name at the
      coefficients ``w``.
    * ``check_gradient(estimator=est, X=X, y=y)``: the objective of a fitted
      linear model, ``sum_i s_i * L(y_i, x_i . w + b) / sum_i s_i +
      penalty(w)``, at its fitted ``coef_`` and ``intercept_`` (the intercept
      only with ``fit_intercept=True``), using the estimator's ``loss``,
      ``penalty``, ``alpha``, ``l1_ratio`` and ``epsilon``.  This works for
      :class:`skgd.GDRegressor` and for scikit-learn's ``SGDRegressor`` and
      binary ``SGDClassifier``.

    The analytic gradients of the last three come from plain numpy
    restatements of the definitions (``skgd._losses``), so the check also
    validates them.  All arithmetic is in float64.

    **Kinks.**  ``hinge`` (at ``p * y == 1``), ``perceptron`` (at
    ``p * y == 0``), ``epsilon_insensitive`` (at ``|y - p| == epsilon``),
    ``quantile`` (at ``p == y``) and
    the L1 part of ``"l1"`` and ``"elasticnet"`` (at ``w_j == 0``) are not
    differentiable everywhere: there the analytic value is a convention
    (scikit-learn's, e.g. ``-y`` for the hinge at ``p * y == 1`` and 0 for
    the L1 part at ``w_j == 0``) and the finite difference averages the two
    one-sided slopes, so a comparison is meaningful only away from those
    points.  A coordinate whose stencil ``[x_j - s_j, x_j + s_j]`` contains
    such a point is flagged in ``result.kinks``; for an estimator that is
    every coefficient that is 0 (or within ``s_j`` of it) under an L1
    penalty, and every coordinate ``j`` for which some sample with
    ``x_ij != 0`` has its prediction within ``s_j * |x_ij|`` of a kink of the
    loss.  With ``at_kink="skip"`` (default) flagged coordinates are left out
    of ``relative_error``, and when nothing is left it is ``nan`` with a
    warning; with ``at_kink="include"`` every coordinate counts.  The losses
    ``huber``, ``squared_epsilon_insensitive``, ``squared_hinge`` and
    ``modified_huber`` have a continuous derivative and are checked
    everywhere; near the points where their second derivative jumps the
    finite difference is only accurate to ``O(h)``, which shows in the
    relative error only where the derivative itself is close to 0.
    The arbitrary ``fun`` is never checked for kinks.

    **Near zero.**  At an exact minimiser the gradient is 0 and the relative
    error compares rounding noise with rounding noise; look at
    ``result.absolute_error`` there instead.

    Parameters
    ----------
    fun : callable, default=None
        ``fun(x) -> float`` where ``x`` is an ndarray of the shape of ``x0``.
    grad : callable, default=None
        ``grad(x) -> array`` of the shape of ``x0``; required with ``fun``.
    x0 : array-like, default=None
        The point.  With ``fun``: its argument (required).  With ``loss``:
        the predictions ``p`` (required; broadcast against ``y``).  With
        ``penalty``: the coefficients ``w`` (required).  With ``estimator``:
        optional, the coefficients followed by the intercept (when the
        estimator fits one); defaults to the fitted values.
    loss : str, default=None
        The loss to check, one of ``'squared_error'``, ``'huber'``,
        ``'epsilon_insensitive'``, ``'squared_epsilon_insensitive'``,
        ``'hinge'``, ``'log_loss'``, ``'modified_huber'``,
        ``'squared_hinge'``, ``'perceptron'``, or skgd's own
        ``'quantile'``, ``'poisson'``, ``'gamma'``, ``'tweedie'``.
    penalty : {'l2', 'l1', 'elasticnet', 'none'}, default=None
        The penalty to check (``'none'`` for no penalty: ``None`` means "not
        checking a penalty").
    estimator : estimator object, default=None
        A fitted linear model with the attributes ``coef_``, ``intercept_``,
        ``loss``, ``penalty``, ``alpha``, ``l1_ratio``, ``epsilon`` and
        ``fit_intercept``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features), \
            default=None
        Data of the estimator's objective; required with ``estimator``.
    y : array-like, default=None
        Targets: with ``loss``, encoded as the loss expects ({-1, +1} for
        the margin losses, {0, 1} for ``log_loss``); with ``estimator``, the
        targets or class labels it was fitted on (a classifier's labels are
        encoded as it encodes them).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights of the estimator's objective; all ones when None.
    epsilon : float, default=None
        ``epsilon`` of the loss when checking a loss; None means 0.1.
    quantile : float, default=None
        The quantile of ``'quantile'`` when checking a loss; None means 0.5.
    power : float, default=None
        The power of ``'tweedie'`` when checking a loss; None means 1.5.
    alpha : float, default=None
        Strength of the penalty when checking a penalty; None means 0.0001.
    l1_ratio : float, default=None
        L1 share of ``'elasticnet'`` when checking a penalty; None means
        0.15.
    h : float, default=None
        Relative step in (0, 1): coordinate ``j`` moves by
        ``h * max(1, |x_j|)``.  None means ``eps ** (1/3)`` (about
        ``6e-6``, ``eps`` the float64 machine epsilon), the step that
        balances truncation and rounding errors of a central difference.
    at_kink : {'skip', 'include'}, default='skip'
        Whether coordinates whose stencil contains a kink are left out of
        the relative error (see above).

    Returns
    -------
    result : GradientCheckResult
        With ``relative_error``, the ``analytic`` and ``numeric`` gradients,
        the relative step ``h`` and the per-coordinate ``steps``, and the
        ``kinks`` and ``checked`` masks (arrays of the shape of ``x0``; for
        a loss, of the broadcast shape of ``y`` and ``x0``).

    Raises
    ------
    TypeError
        If not exactly one of ``fun``, ``loss``, ``penalty``, ``estimator``
        is given, or an argument that this kind of check requires is
        missing, or one it does not use is given.
    ValueError
        If a value is invalid (``InvalidParameterError``, a subclass of both
        ``ValueError`` and ``TypeError``, for bad option names and ranges),
        or the shapes do not match.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    Examples
    --------
    Any function and its gradient:

    >>> import numpy as np
    >>> from skgd import check_gradient
    >>> def f(x):
    ...     return np.sum(x**3) + x[0] * x[1]
    >>> def g(x):
    ...     return 3 * x**2 + np.array([x[1], x[0], 0.0])
    >>> result = check_gradient(f, g, np.array([1.0, -2.0, 0.5]))
    >>> bool(result.relative_error < 1e-8)
    True

    A wrong gradient does not pass:

    >>> bad = check_gradient(f, lambda x: 1.01 * g(x), np.array([1.0, -2.0, 0.5]))
    >>> bool(bad.relative_error > 1e-3)
    True

    A loss, with respect to the predictions:

    >>> rng = np.random.default_rng(0)
    >>> y, p = rng.normal(size=20), rng.normal(size=20)
    >>> result = check_gradient(loss="squared_error", y=y, x0=p)
    >>> bool(result.relative_error < 1e-8)
    True

    At a kink the coordinate is flagged and left out:

    >>> result = check_gradient(loss="hinge", y=[1.0, -1.0], x0=[1.0, 0.3])
    >>> result.kinks
    array([ True, False])
    >>> bool(result.relative_error < 1e-8)
    True

    A penalty:

    >>> w = np.array([0.5, -1.5, 2.0])
    >>> result = check_gradient(penalty="elasticnet", x0=w, alpha=0.1)
    >>> bool(result.relative_error < 1e-8)
    True

    The objective of a fitted model:

    >>> from sklearn.linear_model import SGDRegressor
    >>> X = rng.normal(size=(100, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=100)
    >>> reg = SGDRegressor(loss="huber", random_state=0).fit(X, y)
    >>> result = check_gradient(estimator=reg, X=X, y=y)
    >>> bool(result.relative_error < 1e-6)
    True
    """
    given = {
        "fun": fun,
        "loss": loss,
        "penalty": penalty,
        "estimator": estimator,
    }
    modes = [name for name, value in given.items() if value is not None]
    if len(modes) != 1:
        got = "none of them" if not modes else " and ".join(modes)
        raise TypeError(
            "check_gradient needs exactly one of fun, loss, penalty or "
            f"estimator; got {got}.  Call it as check_gradient(fun, grad, x0), "
            "check_gradient(loss=..., y=..., x0=p), "
            "check_gradient(penalty=..., x0=w) or "
            "check_gradient(estimator=..., X=..., y=...)."
        )
    mode = modes[0]
    if h is None:
        h = DEFAULT_H
    else:
        _check_real(h, "h", _CALLER, 0.0, 1.0, closed="neither")
        h = float(h)
    _check_option(at_kink, "at_kink", ("skip", "include"), _CALLER)

    args = {
        "grad": grad,
        "x0": x0,
        "X": X,
        "y": y,
        "sample_weight": sample_weight,
        "epsilon": epsilon,
        "quantile": quantile,
        "power": power,
        "alpha": alpha,
        "l1_ratio": l1_ratio,
    }
    if mode == "fun":
        _check_args(mode, "a function", args, ("grad", "x0"), ())
        for which, value in (("fun", fun), ("grad", grad)):
            if not callable(value):
                raise TypeError(
                    f"The {which!r} argument of check_gradient must be callable; "
                    f"got an object of type {type(value).__name__}."
                )
        analytic, numeric, steps, kinks = _check_function(fun, grad, x0, h)
    elif mode == "loss":
        _check_args(mode, "a loss", args, ("y", "x0"), ("epsilon", "quantile", "power"))
        _check_option(loss, "loss", LOSSES, _CALLER)
        epsilon = 0.1 if epsilon is None else epsilon
        quantile = 0.5 if quantile is None else quantile
        power = 1.5 if power is None else power
        _check_real(epsilon, "epsilon", _CALLER, 0.0, None)
        _check_real(quantile, "quantile", _CALLER, 0.0, 1.0, closed="neither")
        _check_real(power, "power", _CALLER)
        parameter = loss_parameter(loss, epsilon, quantile, power)
        analytic, numeric, steps, kinks = _check_loss(loss, y, x0, parameter, h)
    elif mode == "penalty":
        _check_args(mode, "a penalty", args, ("x0",), ("alpha", "l1_ratio"))
        _check_option(penalty, "penalty", PENALTIES, _CALLER)
        alpha = 0.0001 if alpha is None else alpha
        l1_ratio = 0.15 if l1_ratio is None else l1_ratio
        _check_real(alpha, "alpha", _CALLER, 0.0, None)
        _check_real(l1_ratio, "l1_ratio", _CALLER, 0.0, 1.0)
        analytic, numeric, steps, kinks = _check_penalty(
            penalty, x0, alpha, l1_ratio, h
        )
    else:
        _check_args(mode, "an estimator", args, ("X", "y"), ("x0", "sample_weight"))
        analytic, numeric, steps, kinks = _check_estimator(
            estimator, X, y, sample_weight, x0, h
        )

    checked = ~kinks if at_kink == "skip" else np.ones_like(kinks)
    if checked.any():
        ga = analytic[checked]
        gn = numeric[checked]
        scale = max(float(np.linalg.norm(ga) + np.linalg.norm(gn)), _TINY)
        relative_error = float(np.linalg.norm(ga - gn)) / scale
    else:
        relative_error = float("nan")
        warnings.warn(
            "Every coordinate's finite-difference stencil contains a kink of "
            "the loss or the penalty, so nothing was checked and "
            "relative_error is nan.  Move the point away from the kinks, "
            "pass a smaller h, or pass at_kink='include' to compare anyway.",
            UserWarning,
            stacklevel=2,
        )
    return GradientCheckResult(
        relative_error=relative_error,
        analytic=analytic,
        numeric=numeric,
        h=h,
        steps=steps,
        kinks=kinks,
        checked=checked,
    )


def _check_args(mode, what, args, required, optional):
    """Reject missing required and unused arguments of one kind of check."""
    missing = [name for name in required if args[name] is None]
    if missing:
        raise TypeError(
            f"check_gradient({mode}=...) also needs {_names(missing)}, "
            f"for checking {what}."
        )
    unused = [
        name
        for name, value in args.items()
        if value is not None and name not in required and name not in optional
    ]
    if unused:
        hint = ""
        own = {"epsilon", "quantile", "power", "alpha", "l1_ratio"}
        if mode == "estimator" and own & set(unused):
            hint = "  The estimator's own loss and penalty parameters are used."
        raise TypeError(
            f"check_gradient({mode}=...) does not use {_names(unused)}: "
            f"remove {'it' if len(unused) == 1 else 'them'} when checking "
            f"{what}.{hint}"
        )


def _names(names):
    quoted = [repr(n) for n in names]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _point(x0, name):
    """``x0`` as a float64 array with finite entries, at least 1-D."""
    try:
        x = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"check_gradient: {name} must be an array of real numbers; got {x0!r}."
        ) from exc
    x = np.atleast_1d(x)
    if x.size == 0:
        raise ValueError(f"check_gradient: {name} is empty.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"check_gradient: {name} contains NaN or infinity.")
    return x


def _steps(x, h):
    return h * np.maximum(1.0, np.abs(x))


# ---------------------------------------------------------------------------
# The four kinds of check.  Each returns (analytic, numeric, steps, kinks).
# ---------------------------------------------------------------------------
def _check_function(fun, grad, x0, h):
    x = _point(x0, "x0")
    shape = x.shape
    f0 = _scalar(fun(x.copy()), "fun(x0)")
    if not np.isfinite(f0):
        raise ValueError(f"check_gradient: fun(x0) is not finite ({f0}).")
    analytic = np.array(grad(x.copy()), dtype=np.float64)
    if analytic.size != x.size:
        raise ValueError(
            f"check_gradient: grad(x0) has {analytic.size} entries but x0 has "
            f"{x.size}; grad must return one partial derivative per entry of "
            "x0."
        )
    analytic = analytic.reshape(shape)
    flat = x.reshape(-1)
    steps = _steps(flat, h)
    numeric = np.empty_like(flat)
    for j in range(flat.size):
        xp = flat.copy()
        xm = flat.copy()
        xp[j] = flat[j] + steps[j]
        xm[j] = flat[j] - steps[j]
        fp = _scalar(fun(xp.reshape(shape)), "fun(x)")
        fm = _scalar(fun(xm.reshape(shape)), "fun(x)")
        numeric[j] = (fp - fm) / (xp[j] - xm[j])
    kinks = np.zeros(shape, dtype=bool)
    return analytic, numeric.reshape(shape), steps.reshape(shape), kinks


def _scalar(value, what):
    arr = np.asarray(value, dtype=np.float64)
    if arr.size != 1:
        raise ValueError(
            f"check_gradient: {what} must return a single number; got an "
            f"array of shape {arr.shape}."
        )
    return float(arr.reshape(-1)[0])


def _kink_distance(loss, y, p, epsilon):
    """Distance from each prediction to the nearest point where ``p -> L(y, p)``
    is not differentiable (``inf`` where there is none)."""
    dist = np.full(np.broadcast(y, p).shape, np.inf)
    if loss in ("hinge", "perceptron"):
        # p * y == threshold, i.e. p == threshold / y (no kink when y == 0)
        threshold = 1.0 if loss == "hinge" else 0.0
        nonzero = y != 0.0
        at = np.divide(threshold, y, out=np.zeros_like(dist), where=nonzero)
        dist = np.where(nonzero, np.abs(p - at), np.inf)
    elif loss == "epsilon_insensitive":
        r = np.abs(p - y)
        dist = np.abs(r - epsilon)
    elif loss == "quantile":
        dist = np.abs(p - y)
    return dist


def _check_loss(loss, y, x0, epsilon, h):
    p = _point(x0, "x0 (the predictions p)")
    yy = _point(y, "y")
    try:
        yy, p = np.broadcast_arrays(yy, p)
    except ValueError as exc:
        raise ValueError(
            f"check_gradient: y of shape {yy.shape} and x0 (the predictions) "
            f"of shape {p.shape} do not broadcast together."
        ) from exc
    yy, p = yy.copy(), p.copy()
    steps = _steps(p, h)
    pp = p + steps
    pm = p - steps
    diff = loss_value(loss, yy, pp, epsilon) - loss_value(loss, yy, pm, epsilon)
    numeric = diff / (pp - pm)
    analytic = loss_derivative(loss, yy, p, epsilon)
    kinks = _kink_distance(loss, yy, p, epsilon) <= steps * _KINK_SLACK
    return analytic, numeric, steps, kinks


def _check_penalty(penalty, x0, alpha, l1_ratio, h):
    w = _point(x0, "x0 (the coefficients w)")
    flat = w.reshape(-1)
    steps = _steps(flat, h)
    numeric = _penalty_differences(penalty, flat, steps, alpha, l1_ratio)
    analytic = penalty_gradient(penalty, flat, alpha, l1_ratio)
    kinks = _l1_kinks(penalty, flat, steps, alpha, l1_ratio)
    shape = w.shape
    return (
        analytic.reshape(shape),
        numeric.reshape(shape),
        steps.reshape(shape),
        kinks.reshape(shape),
    )


def _penalty_differences(penalty, w, steps, alpha, l1_ratio):
    """Central differences of ``penalty_value``, one coordinate at a time.

    The penalty is a sum over coordinates, so moving ``w_j`` changes only
    its own term: evaluating that term alone avoids cancelling the others.
    """
    numeric = np.empty_like(w)
    for j in range(w.size):
        wp = w[j] + steps[j]
        wm = w[j] - steps[j]
        fp = penalty_value(penalty, np.array([wp]), alpha, l1_ratio)
        fm = penalty_value(penalty, np.array([wm]), alpha, l1_ratio)
        numeric[j] = (fp - fm) / (wp - wm)
    return numeric


def _l1_kinks(penalty, w, steps, alpha, l1_ratio):
    share = _l1_share(penalty, l1_ratio, _CALLER)
    if share is None or share == 0.0 or alpha == 0.0:
        return np.zeros(w.shape, dtype=bool)
    return np.abs(w) <= steps * _KINK_SLACK


def _check_estimator(estimator, X, y, sample_weight, x0, h):
    name = type(estimator).__name__
    missing = [a for a in _ESTIMATOR_ATTRIBUTES if not hasattr(estimator, a)]
    if set(missing) - {"coef_", "intercept_"}:
        raise TypeError(
            f"check_gradient(estimator=...) needs a linear model with the "
            f"attributes {_names(_ESTIMATOR_ATTRIBUTES)}; {name} has no "
            f"{_names(missing)}."
        )
    if missing:
        raise NotFittedError(
            f"This {name} instance is not fitted yet (it has no "
            f"{_names(missing)}).  Call 'fit' before checking its gradient."
        )
    loss = estimator.loss
    penalty = estimator.penalty
    alpha = estimator.alpha
    l1_ratio = estimator.l1_ratio
    epsilon = estimator.epsilon
    _check_option(loss, "loss", LOSSES, name)
    _check_option(penalty, "penalty", PENALTIES, name, allow_none=True)
    _check_real(alpha, "alpha", name, 0.0, None)
    _check_real(epsilon, "epsilon", name, 0.0, None)
    # the loss's one parameter (skgd's quantile and power; scikit-learn's
    # estimators have neither)
    epsilon = estimator_loss_parameter(estimator)
    if penalty == "elasticnet":
        _check_real(l1_ratio, "l1_ratio", name, 0.0, 1.0)

    coef = np.asarray(estimator.coef_, dtype=np.float64)
    intercept = np.asarray(estimator.intercept_, dtype=np.float64).reshape(-1)
    if coef.ndim == 2 and coef.shape[0] == 1:
        coef = coef[0]
    if coef.ndim != 1 or intercept.size != 1:
        raise ValueError(
            f"check_gradient: {name} has coef_ of shape {coef.shape} and "
            f"intercept_ of shape {intercept.shape}; only single-output models "
            "(one coefficient vector and one intercept) can be checked.  For a "
            "multi-class one-vs-rest model, fit and check the binary problems."
        )
    fit_intercept = bool(estimator.fit_intercept)
    n_features = coef.shape[0]

    X = check_array(X, accept_sparse=("csr", "csc"), dtype=np.float64, input_name="X")
    n_samples = X.shape[0]
    if X.shape[1] != n_features:
        raise ValueError(
            f"check_gradient: X has {X.shape[1]} features, but {name} was "
            f"fitted with {n_features}."
        )
    y = _encode_targets(estimator, y, loss, n_samples, name)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        if sample_weight.shape[0] != n_samples:
            raise ValueError(
                f"check_gradient: X has {n_samples} samples but sample_weight "
                f"has {sample_weight.shape[0]}."
            )
        if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
            raise ValueError(
                "check_gradient: sample_weight must be finite and non-negative."
            )
        if not sample_weight.sum() > 0:
            raise ValueError("check_gradient: sample_weight sums to 0.")
        sw = sample_weight
    else:
        sw = np.ones(n_samples)

    n_params = n_features + int(fit_intercept)
    if x0 is None:
        point = np.concatenate([coef, intercept]) if fit_intercept else coef.copy()
    else:
        point = _point(x0, "x0").reshape(-1)
        if point.size != n_params:
            what = "coefficients and the intercept" if fit_intercept else "coefficients"
            raise ValueError(
                f"check_gradient: x0 must hold the {n_params} {what} of {name}; "
                f"got {point.size} values."
            )
    w = point[:n_features]
    b = point[n_features] if fit_intercept else float(intercept[0])

    params = dict(
        loss=loss, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, epsilon=epsilon
    )
    grad_coef, grad_intercept = objective_gradient(
        X, y, w, b, sample_weight=sample_weight, **params
    )
    analytic = np.append(grad_coef, grad_intercept) if fit_intercept else grad_coef

    steps = _steps(point, h)
    numeric = np.empty(n_params)
    kinks = np.zeros(n_params, dtype=bool)
    p = np.asarray(X @ w).reshape(-1) + b
    dist = _kink_distance(loss, y, p, epsilon)
    dist[sw == 0.0] = np.inf  # a sample without weight cannot matter
    total = float(sw.sum())
    columns = X.tocsc(copy=True) if sp.issparse(X) else np.asfortranarray(X)
    if sp.issparse(columns):
        columns.sum_duplicates()
    for j in range(n_features):
        if sp.issparse(columns):
            start, stop = columns.indptr[j], columns.indptr[j + 1]
            rows = columns.indices[start:stop]
            xj = columns.data[start:stop]
        else:
            xj = columns[:, j]
            rows = np.flatnonzero(xj)
            xj = xj[rows]
        wp = w[j] + steps[j]
        wm = w[j] - steps[j]
        # the rows without x_ij do not move: only the others enter the sum
        fp = loss_value(loss, y[rows], p[rows] + (wp - w[j]) * xj, epsilon)
        fm = loss_value(loss, y[rows], p[rows] + (wm - w[j]) * xj, epsilon)
        diff = float(np.sum(sw[rows] * (fp - fm))) / total
        diff += penalty_value(penalty, np.array([wp]), alpha, l1_ratio)
        diff -= penalty_value(penalty, np.array([wm]), alpha, l1_ratio)
        numeric[j] = diff / (wp - wm)
        reach = steps[j] * np.abs(xj) * _KINK_SLACK
        kinks[j] = bool(np.any(dist[rows] <= reach))
    kinks[:n_features] |= _l1_kinks(penalty, w, steps[:n_features], alpha, l1_ratio)
    if fit_intercept:
        s = steps[n_features]
        bp = b + s
        bm = b - s
        fp = loss_value(loss, y, p + (bp - b), epsilon)
        fm = loss_value(loss, y, p + (bm - b), epsilon)
        numeric[n_features] = float(np.sum(sw * (fp - fm))) / total / (bp - bm)
        kinks[n_features] = bool(np.any(dist <= s * _KINK_SLACK))
    return analytic, numeric, steps, kinks


def _encode_targets(estimator, y, loss, n_samples, name):
    """Targets as the loss sees them: a classifier's labels become +-1 (or
    1/0 for ``log_loss``), the positive class being ``classes_[1]``."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(
            f"check_gradient: y must be 1-D with one target per row of X "
            f"({n_samples}); got shape {y.shape}."
        )
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        y = y.astype(np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("check_gradient: y contains NaN or infinity.")
        return y
    if len(classes) != 2:
        raise ValueError(
            f"check_gradient: {name} has {len(classes)} classes; only binary "
            "classifiers have a single objective to check."
        )
    if getattr(estimator, "class_weight", None) is not None:
        raise ValueError(
            f"check_gradient: {name} was fitted with class_weight, which "
            "check_gradient does not apply; refit without it and pass the "
            "class weights of each sample as sample_weight."
        )
    unknown = ~np.isin(y, classes)
    if unknown.any():
        raise ValueError(
            f"check_gradient: y contains labels {np.unique(y[unknown])!r} that "
            f"{name} was not fitted on (classes_ = {classes!r})."
        )
    negative = 0.0 if loss == "log_loss" else -1.0
    return np.where(y == classes[1], 1.0, negative)
