"""GDRegressor: the drop-in SGDRegressor with pluggable solvers."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import (
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from skgd import _dask, _losses
from skgd._base import MAX_INT, BaseGD
from skgd._codes import LOG_LINK_LOSSES, REGRESSION_LOSSES, SKGD_REGRESSION_LOSSES
from skgd._docstrings import fill_docstring
from skgd._driver import ProblemState
from skgd._loss_functions import REGRESSION_LOSS_FUNCTIONS
from skgd._params import with_parameters


@with_parameters(
    defaults={"loss": "squared_error", "power_t": 0.25},
    insert={"epsilon": {"quantile": 0.5, "power": 1.5}},
)
@fill_docstring(sgd="SGDRegressor", y_val_shape=" or (n_val, n_targets)", y_val_note="")
class GDRegressor(RegressorMixin, BaseGD):
    """Linear regression by gradient descent, with pluggable solvers.

    %(drop_in)s
    What skgd adds is documented as such below: the solver (momentum,
    Nesterov, AdaGrad, RMSProp, Adam, AdamW or your own), mini-batch and
    full-batch gradient descent, gradient clipping, the record of the
    objective, and a warning that names the fix when a fit ends far worse
    than it started.

    The model minimises the objective::

        sum_i s_i * L(y_i, x_i . w + b) / sum_i s_i + R(w)

    with sample weights ``s``, the loss ``L`` and the penalty
    ``R(w) = alpha * ((1 - l1_ratio) / 2 * ||w||_2^2 + l1_ratio * ||w||_1)``.
    Each update, in this order: the gradient of the loss on a batch (weighted
    by ``sample_weight``), plus the gradient of the L2 part of the penalty,
    then clipping (``clip_value``, ``clip_norm``), then the solver's
    direction, times ``-eta``, then the L1 part of the penalty by the
    cumulative truncated gradient (Tsuruoka et al., 2009), then averaging.

    Parameters
    ----------
    loss : {'squared_error', 'huber', 'epsilon_insensitive', \
            'squared_epsilon_insensitive', 'quantile', 'poisson', 'gamma', \
            'tweedie'}, default='squared_error'
        The loss function. 'squared_error' is ordinary least squares
        (``0.5 * (y - p)**2``); 'huber' is squared up to a distance of
        ``epsilon`` and linear past it; 'epsilon_insensitive' ignores errors
        smaller than ``epsilon`` and is linear past it (the loss of SVR);
        'squared_epsilon_insensitive' is its square.

        *skgd:* 'quantile' is the pinball loss of the ``quantile`` (the
        model of QuantileRegressor); 'poisson', 'gamma' and 'tweedie' (of
        ``power``) are scikit-learn's half deviances of the mean
        ``mu = exp(x . w + b)`` (the log link of PoissonRegressor,
        GammaRegressor and TweedieRegressor): ``predict`` returns ``mu`` and
        ``score`` returns D², the share of the deviance explained, as those
        estimators do. Their targets must be in the loss's range (counts
        >= 0 for 'poisson', > 0 for 'gamma'), else scikit-learn's
        ``ValueError``. A model started from scratch starts its intercept at
        the best constant prediction (the quantile, or the log of the mean
        of ``y``). Their "auto" defaults are read off the data for every
        solver: these losses have no scikit-learn numbers to keep. See the
        user guide, "Losses beyond SGDRegressor's".

    penalty : {'l2', 'l1', 'elasticnet', None}, default='l2'
        The regularisation term. None means no penalty.

    alpha : float, default=0.0001
        Strength of the penalty; also sets the 'optimal' learning rate.
        Values must be in the range `[0.0, inf)`.

    l1_ratio : float, default=0.15
        The Elastic Net mixing parameter, in `[0, 1]`: 0 is pure L2, 1 pure
        L1. Only used when ``penalty='elasticnet'``; may be None otherwise.

    fit_intercept : bool, default=True
        Whether to estimate the intercept.

    max_iter : int, default=1000
        Maximum number of epochs (passes over the training data). Only
        ``fit`` uses it; ``partial_fit`` makes one epoch.

    tol : float, None or 'auto', default='auto'
        The stopping criterion: training stops when the epoch's objective
        (or validation score, with ``early_stopping``) has not improved by at
        least ``tol`` on its best value for ``n_iter_no_change`` epochs in a
        row. None disables it. *skgd:* 'auto' is scikit-learn's 1e-3 for the
        per-sample plain SGD (``solver='sgd'``, ``batch_size=1``) and with
        ``early_stopping``; elsewhere ``1e-6`` times the objective at zero
        coefficients (a tolerance relative to the scale of the targets).
        The value used is ``tol_``.

    shuffle : bool, default=True
        Whether to shuffle the training data after each epoch (scikit-learn's
        per-epoch permutation). Full-batch gradient descent does not shuffle.

    verbose : int, default=0
        Print scikit-learn's per-epoch progress lines when positive.

    epsilon : float, default=0.1
        The width of the insensitive region of 'huber', 'epsilon_insensitive'
        and 'squared_epsilon_insensitive'. Unrelated to a solver's own
        ``epsilon``.

    quantile : float, default=0.5
        *skgd.* The quantile that ``loss='quantile'`` estimates, in
        `(0, 1)` (scikit-learn's QuantileRegressor's parameter); 0.5 is the
        median. Other losses ignore it.

    power : float, default=1.5
        *skgd.* The power of the Tweedie deviance of ``loss='tweedie'``
        (scikit-learn's TweedieRegressor's parameter, whose default there is
        0): 0 the normal distribution, 1 Poisson, between 1 and 2 the
        compound Poisson-gamma (the default 1.5, as scikit-learn's
        HalfTweedieLoss has it), 2 gamma, 3 inverse Gaussian. The targets
        must be >= 0 for ``0 < power < 2`` and > 0 from 2 on. Other losses
        ignore it.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling and the validation split of ``early_stopping``
        exactly as ``SGDRegressor`` does, so that an integer gives its
        results.

    learning_rate : {'constant', 'optimal', 'invscaling', 'adaptive', \
            'pa1', 'pa2', 'auto'}, default='auto'
        The schedule of the learning rate ``eta``, with ``t`` the number of
        the update (for ``batch_size=1``, the number of rows seen):

        - 'constant': ``eta = eta0``;
        - 'optimal': ``eta = 1 / (alpha * (t0 + t - 1))``, ``t0`` from Bottou's
          heuristic;
        - 'invscaling': ``eta = eta0 / t**power_t``;
        - 'adaptive': ``eta = eta0`` while the stopping criterion improves;
          after ``n_iter_no_change`` epochs without improvement it is divided
          by 5 (until it falls below 1e-6);
        - 'pa1', 'pa2': the passive-aggressive step rules, only with
          ``loss='epsilon_insensitive'`` and the per-sample plain SGD
          (``solver='sgd'``, ``batch_size=1``, no clipping).

        For every solver but 'sgd' the schedule multiplies ``eta0`` and
        equals 1 at the first update: 'optimal' becomes
        ``eta0 * t0 / (t0 + t - 1)``.

        *skgd:* 'auto' is scikit-learn's 'invscaling' for the per-sample
        plain SGD, else 'adaptive'. The schedule used is ``learning_rate_``.

        %(epoch_schedules)s

    eta0 : float or 'auto', default='auto'
        The initial learning rate (for the passive-aggressive rules, their
        aggressiveness ``C``). Adaptive solvers take it as their base rate.
        *skgd:* 'auto' is scikit-learn's 0.01 for the per-sample plain SGD;
        elsewhere it is read off the training data: the inverse of the
        curvature of a batch's loss for the solvers that step along the
        gradient, the solver's ``base_rate`` scaled by the batch size and the
        targets for the adaptive ones (see the user guide, "Defaults that
        converge"). The value used is ``eta0_``.

    power_t : float, default=0.25
        The exponent of the 'invscaling' schedule.

    early_stopping : bool, default=False
        Whether to set aside ``validation_fraction`` of the training data
        and stop when its R² score stops improving (see ``tol``). The best
        weights are not restored, as in scikit-learn.

    validation_fraction : float, default=0.1
        The share of the training data set aside with ``early_stopping``.

    n_iter_no_change : int or 'auto', default='auto'
        Number of epochs without improvement before stopping (or, with
        'adaptive', before dividing the learning rate). *skgd:* 'auto' is
        scikit-learn's 5 for the per-sample plain SGD and with
        ``early_stopping``, else 25. The value used is
        ``n_iter_no_change_``.

    warm_start : bool, default=False
        When True, ``fit`` starts from the previous solution's ``coef_`` and
        ``intercept_``; the solver state and the schedule restart.

    average : bool or int, default=False
        When True (or an int ``a``), ``coef_`` and ``intercept_`` are the
        average of the weights over the updates from update ``a`` on (True
        means 1): averaged SGD.

    %(solver_parameters)s

    %(epoch_parameters)s

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Weights assigned to the features (float32 when X is float32).

    intercept_ : ndarray of shape (1,) or (n_targets,)
        The intercept term (float64, as in scikit-learn).

    n_iter_ : int
        The number of epochs run by the last ``fit``.

    t_ : float
        ``1 + n_iter_ * n_samples`` after ``fit``: the number of rows seen
        (validation rows included), scikit-learn's update counter.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``; defined only when `X` has
        feature names that are all strings.

    loss_curve_ : list of float
        *skgd.* The training objective of each epoch: the average over the
        epoch of the (weighted) loss of each row at the weights it was
        visited with, plus the penalty — the quantity the stopping criterion
        uses (for the per-sample plain SGD, scikit-learn's unweighted
        version). For ``batch_size='full'`` it is the exact objective before
        each step. ``partial_fit`` appends to it.

    validation_scores_ : list of float or None
        *skgd.* The validation R² after each epoch with ``early_stopping``,
        else None.

    solver_state_ : NamedTuple of ndarrays
        *skgd.* The solver's state (moments, accumulators) and ``step``, the
        number of updates made; ``partial_fit`` resumes from it.

    %(best_attributes)s

    See Also
    --------
    sklearn.linear_model.SGDRegressor : The per-sample SGD this class
        reproduces.
    sklearn.linear_model.Ridge : Closed-form L2-penalised least squares.
    skgd.solvers : The solver objects.

    Notes
    -----
    When the coefficients or the intercept become non-finite, ``fit`` raises
    scikit-learn's ``ValueError`` ("Floating-point under-/overflow occurred
    at epoch #N. ..."), followed by the fixes that apply. *skgd.* A fit
    whose returned model has a training objective over 100 times its value
    at the start (or a non-finite one) emits a
    :class:`skgd.exceptions.DivergenceWarning` naming the ratio and the fix
    for the data at hand (scale ``X`` or ``y``, clip, a smaller ``eta0``);
    the model is returned as scikit-learn returns it.

    *skgd.* ``fit(X, Y)`` with ``Y`` of shape (n_samples, n_targets),
    ``n_targets >= 2``, trains every target in one pass over ``X`` (one
    coefficient matrix; the objective is the sum of the targets' losses plus
    the penalty of the matrix; ``clip_norm`` clips the gradient of all
    targets together). Predictions are then 2-D. A column vector ``y`` of
    shape (n_samples, 1) keeps scikit-learn's behaviour: a
    ``DataConversionWarning`` and a single-output model.

    %(callbacks_note)s

    On sparse input the intercept's updates are multiplied by
    ``sparse_intercept_decay``: scikit-learn's 0.01 in the drop-in
    configuration, 1 elsewhere. The solvers' ``lazy`` option decides whether a sparse
    update touches only the batch's columns (see :mod:`skgd.solvers`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 5)
    >>> y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.1 * rng.randn(200)
    >>> reg = make_pipeline(StandardScaler(), GDRegressor(random_state=0))
    >>> round(reg.fit(X, y).score(X, y), 3)
    0.999
    >>> reg = GDRegressor(solver="adam", batch_size=32, eta0=0.05, random_state=0)
    >>> round(reg.fit(X, y).score(X, y), 3)
    0.999
    """

    #: scikit-learn's learning_rate, which "auto" is for its per-sample algorithm
    _SKLEARN_LEARNING_RATE = "invscaling"

    _parameter_constraints: dict = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions(set(REGRESSION_LOSSES) | set(SKGD_REGRESSION_LOSSES))],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "power": [Interval(Real, None, None, closed="neither")],
    }

    #: each loss's class and default parameters, as SGDRegressor's table
    loss_functions = REGRESSION_LOSS_FUNCTIONS

    # ------------------------------------------------------------------
    # the targets and the problem
    # ------------------------------------------------------------------
    def _targets(self, X, y, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # scikit-learn's 1-D model
        y = np.ascontiguousarray(y.astype(X.dtype, copy=False))
        _losses.check_targets(self.loss, y, self._power())
        multi = y.ndim == 2
        if multi and self.learning_rate in ("pa1", "pa2"):
            raise ValueError(
                f"Learning rate '{self.learning_rate}' is a per-sample plain SGD "
                "step rule for a single target; it does not apply to a 2-D y. "
                "Fit one model per target, or use another learning_rate."
            )
        return y, y.shape[1] if multi else 1, multi

    def _power(self):
        """The Tweedie power of a log-link loss (None for the others)."""
        if self.loss not in LOG_LINK_LOSSES:
            return None
        return _losses.loss_parameter(self.loss, power=self.power)

    def _start_model(self, y, sample_weight):
        """A model started from scratch starts its intercept at the best
        constant prediction of skgd's own losses (scikit-learn's start at
        0: ``skgd._losses.start_prediction``)."""
        if not self.fit_intercept or self.loss not in SKGD_REGRESSION_LOSSES:
            return
        if _dask.is_dask_collection(y):
            y = _dask._compute(y)
            if sample_weight is not None and _dask.is_dask_collection(sample_weight):
                sample_weight = _dask._compute(sample_weight)
        parameter = _losses.estimator_loss_parameter(self)
        start = _losses.start_prediction(self.loss, y, sample_weight, parameter)
        self.intercept_[...] = start.reshape(self.intercept_.shape)

    def _check_fitted_shape(self, X, y, n_outputs, matrix):
        fitted = self.coef_.shape[0] if self.coef_.ndim == 2 else None
        if fitted != (n_outputs if matrix else None):
            raise ValueError(
                f"y has {n_outputs if matrix else 'a single'} target"
                f"{'s' if matrix else ''} (shape {y.shape}), but GDRegressor "
                f"was fitted with {fitted or 'a single'} target"
                f"{'s' if fitted else ''}."
            )

    def _problems(self, reset_state):
        """One problem: every target in one pass over X."""
        if reset_state or not hasattr(self, "_problem_"):
            self._problem_ = ProblemState()
        return [self._problem_]

    def _coef_shape(self, n_features):
        return self.coef_.shape

    def _fit_problems(self, call):
        random_state = check_random_state(self.random_state)
        seed = random_state.randint(0, MAX_INT)
        # scikit-learn draws the dataset's own seed next; keep the stream aligned
        random_state.randint(1, np.iinfo(np.int32).max)
        coef, intercept, average_coef, average_intercept = self._model_arrays()
        if call.y.ndim == 2:
            intercept = np.array(intercept, dtype=np.float64)
            average_intercept = np.array(average_intercept, dtype=np.float64)
        else:
            intercept = float(intercept[0])
            average_intercept = float(average_intercept[0])
        intercept, average_intercept, n_iter = self._run_problem(
            call, 0, call.y, (coef, intercept, average_coef, average_intercept), seed
        )
        if self.average > 0:
            self._average_intercept = np.atleast_1d(average_intercept)
            self._standard_intercept = np.atleast_1d(intercept)
        return n_iter, (coef, intercept), (average_coef, average_intercept)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # the passive-aggressive rules are single-target
        tags.target_tags.multi_output = self.learning_rate not in ("pa1", "pa2")
        # the deviances of a positive power take no negative targets (the
        # tag of PoissonRegressor, GammaRegressor and TweedieRegressor)
        power = self._power() if isinstance(self.power, Real) else None
        tags.target_tags.positive_only = power is not None and power > 0
        return tags

    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Perform one epoch of gradient descent on the given samples.

        Internally ``max_iter = 1``: convergence and early stopping are left
        to the caller. The solver state (moments, update count), the
        averaged weights and ``t_`` carry over between calls; changing the
        solver between calls restarts its state, with a warning.  The model
        keeps the float dtype of the first call's data: later data of the
        other float dtype is converted to it (scikit-learn's
        ``SGDRegressor`` raises a ``TypeError`` there).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Subset of training data.
        y : ndarray of shape (n_samples,)
            Subset of target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples; uniform when None.

        Returns
        -------
        self : object
            Returns an instance of self.
        """
        if not hasattr(self, "coef_"):
            self._more_validate_params(for_partial_fit=True)
        return self._partial_fit(X, y, sample_weight)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X, y, coef_init=None, intercept_init=None, sample_weight=None, *,
        X_val=None, y_val=None, sample_weight_val=None,
    ):  # fmt: skip
        """Fit the linear model by gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target values; several columns train one model per column in a
            single pass over X (skgd).
        coef_init : ndarray of shape (n_features,), default=None
            The initial coefficients to warm-start the optimization.
        intercept_init : ndarray of shape (1,), default=None
            The initial intercept to warm-start the optimization.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples (1. for unweighted).
        %(fit_validation)s

        Returns
        -------
        self : object
            Fitted `GDRegressor` estimator.
        """
        return self._fit(
            X, y, coef_init, intercept_init, sample_weight,
            validation=(X_val, y_val, sample_weight_val),
        )  # fmt: skip

    def predict(self, X):
        """Predict using the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples to predict.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            The predicted values: one column per target for a model fitted
            on a 2-D ``y``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        if self.loss in LOG_LINK_LOSSES:  # the mean of the log link
            scores = np.exp(scores)
        if self.intercept_.shape[0] > 1:
            return scores
        return scores.ravel()

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination of the prediction.

        R² for scikit-learn's losses and 'quantile' (RegressorMixin's
        score); *skgd:* for the log-link losses ('poisson', 'gamma',
        'tweedie') D², the share of the deviance explained, as
        scikit-learn's GLMs score (``sklearn.metrics.d2_tweedie_score`` of
        the loss's power; averaged over the targets of a 2-D ``y``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values for `X`.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² (or D²) of ``self.predict(X)`` against `y`.
        """
        if self.loss not in LOG_LINK_LOSSES:
            return super().score(X, y, sample_weight=sample_weight)
        power = self._power()
        _losses.check_targets(self.loss, y, power)
        return _losses.d2_score(y, self.predict(X), sample_weight, power)
