"""Shared machinery of the gradient-descent estimators: parameters,
validation and the epoch driver."""

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import SparseCoefMixin
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.extmath import safe_sparse_dot

from skgd import _losses
from skgd._callbacks import CallbackSupportMixin
from skgd._codes import LEARNING_RATE_CODES, LOSS_CODES, PENALTY_CODES
from skgd._divergence import (
    SCREEN_FACTOR,
    StepSetting,
    all_finite,
    overflow_error,
    ratio,
    warn_if_diverged,
)
from skgd._epochs import EpochArgs, ExactPath, KernelPath, PythonPath
from skgd.solvers import SGD, SOLVER_NAMES, get_solver

MAX_INT = np.iinfo(np.int32).max

#: skgd's schedules evaluated once per epoch (the rate is constant within it)
EPOCH_SCHEDULES = ("exponential", "step", "cosine")


#: the error of a fit that would start from a sparse coef_ (scikit-learn's
#: documented rule: fitting further needs densify() first)
_SPARSE_COEF = (
    "The initial coefficients are a sparse matrix, as sparsify() leaves coef_; "
    "%s needs them dense: call densify() first."
)


class ProblemState:
    """What one linear problem carries from one call to the next: the solver
    state, the cumulative L1 penalty, the number of averaged updates, and the
    record of the objective and validation scores.  (A one-vs-rest classifier
    has one per class.)"""

    def __init__(self):
        self.solver_state = None
        self.l1_u = 0.0
        self.l1_q = None
        self.average_count = 0.0
        self.loss_curve = []
        self.validation_scores = None
        self.epochs_done = 0
        self.eta = None
        self.best_objective = np.inf
        self.best_score = -np.inf
        self.no_improvement_count = 0
        # (last epoch's objective, objective at the start) of the last call
        self.end = None

    def bests(self, early_stopping):
        """(best training objective, best validation score), None for the
        one the stopping rule did not track."""
        if early_stopping:
            return None, self.best_score
        return self.best_objective, None


def _block_order(n_samples, block_size, seed, epoch):
    """The rows of one epoch with ``shuffle_block_size``: the blocks of
    ``block_size`` consecutive rows (the last one may be shorter) in a random
    order drawn from ``seed`` and the epoch number, each block's rows in
    order."""
    n_blocks = -(-n_samples // block_size)
    rng = np.random.default_rng([int(seed), int(epoch)])
    starts = rng.permutation(n_blocks) * block_size
    lengths = np.minimum(block_size, n_samples - starts)
    # row = its block's start + its offset within the block
    offsets = np.arange(n_samples) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return (np.repeat(starts, lengths) + offsets).astype(np.int32)


class _StoppingRule:
    """scikit-learn's stopping rule across the epochs of a fit: the best
    training objective (or validation score) so far, the count of epochs
    without an improvement of more than ``tol``, and the rate of the
    ``"adaptive"`` schedule, which a plateau divides by 5.  Taken from the
    ``ProblemState`` and left in it (``save``), so that ``partial_fit``
    calls with ``keep_adaptive_state`` continue them."""

    def __init__(self, est, problem, reset_state):
        self._est = est
        self.tol = est.tol if est.tol is not None else -np.inf
        if not reset_state and est.keep_adaptive_state and problem.eta is not None:
            self.eta = problem.eta
            self.best_objective = problem.best_objective
            self.best_score = problem.best_score
            self.count = problem.no_improvement_count
        else:
            self.eta = float(est.eta0)
            self.best_objective = np.inf
            self.best_score = -np.inf
            self.count = 0

    def _count(self, value, best):
        """Count an epoch whose ``value`` (to minimise) does not improve on
        ``best`` by more than ``tol``; reset the count otherwise.  Returns
        whether ``value`` improves on ``best`` at all."""
        worse = self.tol > -np.inf and value > best - self.tol
        self.count = self.count + 1 if worse else 0
        return value < best

    def objective(self, value):
        """Count the epoch's training objective; whether it is the best."""
        improved = self._count(value, self.best_objective)
        if improved:
            self.best_objective = value
        return improved

    def score(self, value):
        """Count the epoch's validation score (higher is better); whether it
        is the best."""
        improved = self._count(-value, -self.best_score)
        if improved:
            self.best_score = value
        return improved

    def converged(self, epoch, t_start):
        """The end of an epoch: after ``n_iter_no_change`` epochs without
        improvement, the ``"adaptive"`` schedule divides its rate by 5
        (while it exceeds 1e-6) and starts counting again; otherwise the fit
        has converged.  Returns whether it has."""
        est = self._est
        if self.count < est.n_iter_no_change:
            return False
        if est.learning_rate == "adaptive" and self.eta > 1e-6:
            self.eta /= 5
            self.count = 0
            return False
        if est.verbose:
            print(
                "Convergence after %d epochs took %.2f seconds"
                % (epoch + 1, time.time() - t_start)
            )
        return True

    def save(self, problem):
        """Leave the rule's state in ``problem`` for the next call."""
        problem.eta = self.eta
        problem.best_objective = self.best_objective
        problem.best_score = self.best_score
        problem.no_improvement_count = self.count


class BaseGD(CallbackSupportMixin, SparseCoefMixin, BaseEstimator):
    """Base class of the gradient-descent linear models.

    Holds scikit-learn's SGD parameters and skgd's solver axes, validates
    them, and drives the epochs: shuffling, the compiled epoch kernels,
    stopping, the adaptive schedule, averaging, divergence detection and
    the record of the objective.
    """

    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="neither"), "boolean"],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "power_t": [Interval(Real, None, None, closed="neither")],
        "learning_rate": [
            StrOptions(
                {"constant", "optimal", "invscaling", "adaptive", "pa1", "pa2"}
                | set(EPOCH_SCHEDULES)
            ),
            callable,
        ],
        "gamma": [Interval(Real, 0, 1, closed="right")],
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "eta_min": [Interval(Real, 0, None, closed="left")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "restore_best_weights": ["boolean"],
        "keep_adaptive_state": ["boolean"],
        "shuffle_block_size": [Interval(Integral, 1, None, closed="left"), None],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions(set(SOLVER_NAMES)), HasMethods(["init_state", "update"])],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"full"}),
        ],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "clip_value": [Interval(Real, 0, None, closed="neither"), None],
    }

    # ------------------------------------------------------------------
    # validation of parameter combinations
    # ------------------------------------------------------------------
    def _validate_params(self):
        """scikit-learn's validation of the parameters, then of the solver
        object's own hyperparameters (its ``_parameter_constraints``)."""
        super()._validate_params()
        solver = self.solver
        if isinstance(solver, type):
            raise InvalidParameterError(
                f"The 'solver' parameter of {type(self).__name__} must be a solver "
                f"name or a solver object; got the class {solver.__name__} itself. "
                f"Pass an instance: solver={solver.__name__}()."
            )
        if not isinstance(solver, str):
            solver._validate_params()

    def set_params(self, **params):
        """Set the parameters of this estimator (scikit-learn's
        ``set_params``); ``solver__<name>`` sets a hyperparameter of the
        solver object.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        nested = sorted(k for k in params if k.startswith("solver__"))
        solver = params.get("solver", getattr(self, "solver", None))
        if nested and isinstance(solver, str):
            obj = repr(get_solver(solver)) if solver in SOLVER_NAMES else "Solver()"
            raise ValueError(
                f"{nested[0]} sets a hyperparameter of a solver object, but "
                f"solver={solver!r} is a name. Pass the object instead: "
                f"solver={obj} (in a grid: {{'solver': [{obj}], "
                f"'{nested[0]}': [...]}})."
            )
        return super().set_params(**params)

    def _more_validate_params(self, for_partial_fit=False):
        if self.early_stopping and for_partial_fit:
            raise ValueError("early_stopping should be False with partial_fit")
        if self.learning_rate == "optimal" and self.alpha == 0:
            raise ValueError(
                "alpha must be > 0 since "
                "learning_rate is 'optimal'. alpha is used "
                "to compute the optimal learning rate."
            )
        if self.learning_rate in ("pa1", "pa2"):
            if is_classifier(self):
                if self.loss != "hinge":
                    raise ValueError(
                        f"Learning rate '{self.learning_rate}' only works with loss "
                        "'hinge'."
                    )
            elif self.loss != "epsilon_insensitive":
                raise ValueError(
                    f"Learning rate '{self.learning_rate}' only works with loss "
                    "'epsilon_insensitive'."
                )
            if not self._uses_exact_sgd_path():
                raise ValueError(
                    f"Learning rate '{self.learning_rate}' is a per-sample plain SGD "
                    "step rule: it requires solver='sgd', batch_size=1 and no "
                    f"clipping; got solver={self.solver!r}, "
                    f"batch_size={self.batch_size!r}, clip_norm={self.clip_norm!r}, "
                    f"clip_value={self.clip_value!r}."
                )
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'")

    def _uses_exact_sgd_path(self):
        """Whether the fit runs scikit-learn's per-sample SGD algorithm."""
        solver = self.solver
        plain = solver == "sgd" if isinstance(solver, str) else type(solver) is SGD
        return (
            plain
            and self.batch_size == 1
            and self.clip_norm is None
            and self.clip_value is None
        )

    def _epoch_schedule(self):
        lr = self.learning_rate
        return callable(lr) or lr in EPOCH_SCHEDULES

    def _lr_code(self):
        """Kernel code of the schedule; epoch schedules run as 'constant'
        with the epoch's rate."""
        if self._epoch_schedule():
            return LEARNING_RATE_CODES["constant"]
        return LEARNING_RATE_CODES[self.learning_rate]

    def _epoch_eta(self, epoch):
        """The rate of epoch ``epoch`` (0-based) of an epoch schedule."""
        lr = self.learning_rate
        eta0 = float(self.eta0)
        if callable(lr):
            return float(lr(epoch))
        if lr == "exponential":
            return eta0 * self.gamma**epoch
        if lr == "step":
            return eta0 * self.gamma ** (epoch // self.step_size)
        warmup = self.warmup_epochs
        if epoch < warmup:
            return eta0 * (epoch + 1) / (warmup + 1)
        span = max(self.max_iter - warmup, 1)
        progress = min(epoch - warmup, span) / span
        return (
            self.eta_min
            + (eta0 - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2
        )

    def _get_l1_ratio(self):
        return 0.0 if self.l1_ratio is None else self.l1_ratio

    def _penalty(self, w):
        """The penalty of the coefficients ``w`` (skgd._losses.penalty_value)."""
        return _losses.penalty_value(self.penalty, w, self.alpha, self._get_l1_ratio())

    def _penalty_code(self):
        return PENALTY_CODES[str(self.penalty).lower()]

    def _optimal_init(self, loss_code):
        """scikit-learn's t0 of the 'optimal' schedule."""
        if self.learning_rate != "optimal":
            return 0.0
        from skgd import _kernels

        typw = np.sqrt(1.0 / np.sqrt(self.alpha))
        dloss = _kernels.loss_derivative(loss_code, 1.0, -typw, float(self.epsilon))
        initial_eta0 = typw / max(1.0, dloss)
        return 1.0 / (initial_eta0 * self.alpha)

    def _allocate_parameter_mem(
        self, n_classes, n_features, dtype, coef_init, intercept_init, matrix=False
    ):
        """Allocate coef_ and intercept_ (and the averaging pairs), from the
        given initial values when there are some (copied: the caller's
        arrays are never trained in place)."""
        if sp.issparse(coef_init):
            raise TypeError(_SPARSE_COEF % "a warm-started fit (or coef_init)")
        if n_classes > 2 or matrix:
            if coef_init is not None:
                coef_init = np.array(coef_init, dtype=dtype, order="C")
                if coef_init.shape != (n_classes, n_features):
                    raise ValueError("Provided ``coef_`` does not match dataset. ")
                self.coef_ = coef_init
            else:
                self.coef_ = np.zeros((n_classes, n_features), dtype=dtype, order="C")
            if intercept_init is not None:
                intercept_init = np.array(intercept_init, order="C", dtype=dtype)
                if intercept_init.shape != (n_classes,):
                    raise ValueError("Provided intercept_init does not match dataset.")
                self.intercept_ = intercept_init
            else:
                self.intercept_ = np.zeros(n_classes, dtype=dtype, order="C")
        else:
            if coef_init is not None:
                coef_init = np.array(coef_init, dtype=dtype, order="C").ravel()
                if coef_init.shape != (n_features,):
                    raise ValueError("Provided coef_init does not match dataset.")
                self.coef_ = coef_init
            else:
                self.coef_ = np.zeros(n_features, dtype=dtype, order="C")
            if intercept_init is not None:
                intercept_init = np.array(intercept_init, dtype=dtype)
                if intercept_init.shape != (1,) and intercept_init.shape != ():
                    raise ValueError("Provided intercept_init does not match dataset.")
                self.intercept_ = intercept_init.reshape(1)
            else:
                self.intercept_ = np.zeros(1, dtype=dtype, order="C")
        if self.average > 0:
            self._allocate_averages()

    def _allocate_averages(self):
        """The averaging pairs of a model that starts to average: the
        standard ones are ``coef_`` and ``intercept_``, the averages zeros."""
        self._standard_coef = self.coef_
        self._average_coef = np.zeros_like(self.coef_, order="C")
        self._standard_intercept = self.intercept_
        self._average_intercept = np.zeros_like(self.intercept_, order="C")

    #: the fitted arrays a later call updates in place
    _MODEL_ARRAYS = (
        "coef_", "intercept_", "_standard_coef", "_standard_intercept",
        "_average_coef", "_average_intercept",
    )  # fmt: skip

    def _continue_fitting(self, dtype, warm=False):
        """Before a ``partial_fit`` of a fitted model, or (``warm``) a fit
        warm-started from it, on data of ``dtype``.

        Read-only arrays (a model loaded with joblib's ``mmap_mode="r"``, or
        handed to a joblib worker, which memory-maps large arrays) are
        replaced by writable copies, the coefficients' as well as the solver
        state's, so that fitting continues where it stopped (scikit-learn
        crashes there, or fails with a ``ValueError``); so are coefficient
        arrays of another float dtype than ``dtype`` (the intercepts keep
        theirs).  Attributes that shared an array share its copy.

        Averaging must have run since the first update: turned on later, the
        average would count the earlier updates as zeros (scikit-learn fails
        there with an ``AttributeError``).  A call without averaging leaves
        the arrays of the averaged model behind, so it cannot resume
        afterwards either.  A warm-started fit starts its average anew."""
        if sp.issparse(self.coef_):
            raise TypeError(
                _SPARSE_COEF % ("a warm-started fit" if warm else "partial_fit")
            )
        copies = {}

        def own(a, coef=True):
            if not isinstance(a, np.ndarray):
                return a
            cast = coef and a.dtype.kind == "f" and a.dtype != dtype
            if a.flags.writeable and not cast:
                return a
            if id(a) not in copies:  # the original kept alive: ids stay unique
                copies[id(a)] = (a, np.array(a, dtype=dtype if cast else None))
            return copies[id(a)][1]

        for name in self._MODEL_ARRAYS:
            if hasattr(self, name):
                setattr(self, name, own(getattr(self, name), "coef" in name))
        problems = getattr(self, "_problems_", [getattr(self, "_problem_", None)])
        for problem in filter(None, problems):
            problem.l1_q = own(problem.l1_q)
            state = problem.solver_state
            if hasattr(state, "_replace"):  # a NamedTuple of arrays
                problem.solver_state = state._replace(
                    **{f: own(a) for f, a in zip(state._fields, state)}
                )
        if not self.average:
            self._standard_coef = None
        elif getattr(self, "_standard_coef", None) is None:
            if warm:
                self._allocate_averages()
                return
            raise ValueError(
                f"average={self.average!r} was set after the model was fitted "
                "without averaging: the average cannot start in the middle of a "
                "sequence of partial_fit calls, as the model holds no average "
                "of the earlier updates. Set average before the first call to "
                "partial_fit, or call fit."
            )

    def _warn_after_fit(self):
        """scikit-learn's warnings at the end of fit."""
        if (
            self.tol is not None
            and self.tol > -np.inf
            and self.n_iter_ == self.max_iter
        ):
            warnings.warn(
                (
                    "Maximum number of iteration reached before "
                    "convergence. Consider increasing max_iter to "
                    "improve the fit."
                ),
                ConvergenceWarning,
            )
        if self.power_t < 0:
            warnings.warn(
                "Negative values for `power_t` are deprecated in version 1.8 "
                "and will raise an error in 1.10. "
                "Use values in the range [0.0, inf) instead.",
                FutureWarning,
            )

    # ------------------------------------------------------------------
    # the fit
    # ------------------------------------------------------------------
    def _make_validation_split(self, y, sample_mask):
        n_samples = y.shape[0]
        validation_mask = np.zeros(n_samples, dtype=np.bool_)
        if not self.early_stopping:
            return validation_mask
        splitter = StratifiedShuffleSplit if is_classifier(self) else ShuffleSplit
        cv = splitter(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        idx_train, idx_val = next(cv.split(np.zeros(shape=(y.shape[0], 1)), y))
        if not np.any(sample_mask[idx_val]):
            raise ValueError(
                "The sample weights for validation set are all zero, consider using a"
                " different random state."
            )
        if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
            raise ValueError(
                "Splitting %d samples into a train set and a validation set "
                "with validation_fraction=%r led to an empty set (%d and %d "
                "samples). Please either change validation_fraction, increase "
                "number of samples, or disable early_stopping."
                % (
                    n_samples,
                    self.validation_fraction,
                    idx_train.shape[0],
                    idx_val.shape[0],
                )
            )
        validation_mask[idx_val] = True
        return validation_mask

    def _validation_score(self, X_val, y_val, sw_val, coef, intercept, softmax=False):
        """Score of the raw coefficient array on the validation split, as
        scikit-learn's ``_ValidationScoreCallback`` computes it: R² for a
        regressor; for one binary problem of a classifier, the accuracy of
        the sign of the decision against the problem's labels."""
        from sklearn.metrics import accuracy_score, r2_score

        if softmax:
            n_out = np.shape(intercept)[0]
            scores = safe_sparse_dot(
                X_val, coef.reshape(n_out, -1).T, dense_output=True
            )
            pred = np.argmax(scores + intercept, axis=1)
            return accuracy_score(y_val.astype(np.int64), pred, sample_weight=sw_val)
        n_out = np.size(intercept)
        pred = safe_sparse_dot(X_val, coef.reshape(n_out, -1).T, dense_output=True)
        pred = pred + np.atleast_1d(intercept)
        if n_out == 1:
            pred = pred.ravel()
        if is_classifier(self):
            signs = np.array([-1, 1], dtype=y_val.dtype)[(pred > 0).astype(int)]
            return accuracy_score(y_val, signs, sample_weight=sw_val)
        return r2_score(y_val, pred, sample_weight=sw_val)

    def _objective_at(self, X, y, sw_obj, train, coef, intercept, softmax=False):
        """The training objective at ``coef`` and ``intercept``, with the
        per-row weights ``sw_obj`` of the epoch objective (inf when it
        overflows), computed with floating-point errors ignored."""
        y_t = np.asarray(y[train], dtype=np.float64)
        sw = np.asarray(sw_obj[train], dtype=np.float64)
        n = max(y_t.shape[0], 1)
        n_out = np.size(intercept)
        with np.errstate(all="ignore"):
            if not np.any(coef):
                p = np.zeros((y_t.shape[0], n_out))
            else:
                # every row, then the training ones: X[train] would copy X, and
                # float64 coefficients would cast a float32 X whole
                W = coef.reshape(n_out, -1).astype(X.dtype, copy=False)
                p = safe_sparse_dot(X, W.T, dense_output=True)
                p = np.asarray(p, dtype=np.float64)[train]
            p = p + np.asarray(intercept, dtype=np.float64).reshape(1, n_out)
            if softmax:
                labels = y_t.astype(np.int64)
                losses = logsumexp(p, axis=1) - p[np.arange(p.shape[0]), labels]
            else:
                y_t = y_t.reshape(y_t.shape[0], -1)  # one column per target
                eps = float(self.epsilon)
                losses = _losses.loss_value(self.loss, y_t, p, eps).sum(axis=1)
            return float(np.sum(sw * losses) / n + self._penalty(coef))

    def _run_epochs(
        self,
        X,
        y,
        sample_weight,
        max_iter,
        *,
        coef,
        intercept,
        average_coef,
        average_intercept,
        validation_mask,
        seed,
        weight_pos=1.0,
        weight_neg=1.0,
        problem,
        reset_state,
        class_weights=None,
        epochs=None,
    ):
        """Run up to ``max_iter`` epochs on (X, y) from the given state.

        ``coef`` (and ``average_coef``) are updated in place, and so is
        ``problem`` (a ``ProblemState``). Returns (intercept,
        average_intercept, n_iter).

        With ``class_weights`` (one per class) the model is the multinomial
        logistic one: ``y`` holds class indices, ``coef`` is the flattened
        ``(n_classes, n_features)`` matrix and the intercepts are arrays.

        ``epochs`` (a ``skgd._callbacks.EpochTasks``) reports each epoch to
        the callbacks, which may end the training after any epoch.
        """
        if getattr(X, "_skgd_dask_design", False):
            # a dask array (skgd._dask): the gradient is summed blockwise
            return X.run_epochs(
                self, y, sample_weight, max_iter, coef=coef, intercept=intercept,
                average_coef=average_coef, average_intercept=average_intercept,
                weight_pos=weight_pos, weight_neg=weight_neg, problem=problem,
                reset_state=reset_state, class_weights=class_weights,
                epochs=epochs,
            )  # fmt: skip
        sparse = sp.issparse(X)
        n_samples, n_features = X.shape
        softmax = class_weights is not None
        # several regression targets: y of shape (n_samples, n_targets)
        multi = not softmax and np.ndim(y) == 2
        n_out = len(class_weights) if softmax else (y.shape[1] if multi else 1)
        n_coef = n_out * n_features
        dtype = coef.dtype
        y = np.ascontiguousarray(y)
        sample_weight = np.ascontiguousarray(sample_weight)
        train = ~validation_mask
        train_count = int(train.sum())
        order = np.arange(n_samples, dtype=np.int32)
        exact = self._uses_exact_sgd_path() and not (softmax or multi)

        solver = get_solver(self.solver)
        if reset_state:
            problem.loss_curve = []
        problem.validation_scores = [] if self.early_stopping else None
        state = self._solver_state(problem, solver, n_coef + n_out, dtype, reset_state)

        wfac = 1.0
        if self.batch_size == "full" and not exact:
            # weights rescaled to mean one over the training rows, so that the
            # step is the exact gradient of sum(s * loss) / sum(s) + penalty;
            # the total includes the class weights, which multiply the sample
            # weights row by row
            if softmax:
                row_cw = np.asarray(class_weights)[y.astype(np.int64)]
            elif multi:
                row_cw = 1.0
            else:
                row_cw = np.where(y > 0, weight_pos, weight_neg)
            total = float(np.sum((sample_weight * row_cw)[train], dtype=np.float64))
            wfac = train_count / total
            sample_weight = (sample_weight * wfac).astype(dtype, copy=False)
        batch_size = train_count if self.batch_size == "full" else self.batch_size

        # scikit-learn's per-sample objective is the unweighted mean loss; the
        # batch kernel's weighs each row by its sample and class weights
        if exact:
            sw_obj = np.ones_like(sample_weight)
        else:
            sw_obj = self._row_weight(
                y, sample_weight, weight_pos, weight_neg, class_weights
            )
        # the scale of "far worse": max(objective at the start, at zero)
        zero = np.zeros(n_out)
        reference = max(
            self._objective_at(X, y, sw_obj, train, 0 * coef, zero, softmax),
            self._objective_at(X, y, sw_obj, train, coef, intercept, softmax),
        )
        if self.early_stopping:
            X_val = X[validation_mask]
            y_val = y[validation_mask]
            sw_val = sample_weight[validation_mask] / wfac

        args = EpochArgs(
            X=X, y=y, sample_weight=sample_weight, validation_mask=validation_mask,
            train_count=train_count,
            loss_code=LOSS_CODES[self.loss], eps=float(self.epsilon),
            penalty_code=self._penalty_code(), alpha=float(self.alpha),
            l1_ratio=float(self._get_l1_ratio()), lr_code=self._lr_code(),
            eta0=float(self.eta0), power_t=float(self.power_t),
            optimal_init=self._optimal_init(LOSS_CODES[self.loss]),
            fit_intercept=bool(self.fit_intercept),
            # scikit-learn damps the intercept's step on sparse data
            intercept_decay=0.01 if sparse else 1.0,
            average=int(self.average), weight_pos=float(weight_pos),
            weight_neg=float(weight_neg), seed=int(seed),
        )  # fmt: skip
        model = (coef, average_coef, intercept, average_intercept)
        if exact:
            path = ExactPath(self, args, *model)
        else:
            batch = dict(
                problem=problem, state=state, reset_state=reset_state, n_out=n_out,
                class_weights=class_weights, solver=solver, batch_size=batch_size,
            )  # fmt: skip
            compiled = solver._code is not None
            path = (KernelPath if compiled else PythonPath)(self, args, *model, **batch)

        if reset_state:
            problem.epochs_done = 0
        rule = _StoppingRule(self, problem, reset_state)
        restore = self.restore_best_weights
        snapshot = None
        count = 0
        t_start = time.time()
        epoch = 0
        for epoch in range(max_iter):
            if epochs is not None:
                epochs.begin(path.model)
            if self.verbose > 0:
                print("-- Epoch %d" % (epoch + 1))
            do_shuffle = bool(self.shuffle) and self.batch_size != "full"
            blocks = do_shuffle and self.shuffle_block_size is not None
            if blocks:
                order = _block_order(
                    n_samples, self.shuffle_block_size, seed, problem.epochs_done
                )
                do_shuffle = False
            if self._epoch_schedule():
                rule.eta = self._epoch_eta(problem.epochs_done)
            problem.epochs_done += 1
            sumloss, objective_sum, n_used = path.epoch(
                float(rule.eta), order, do_shuffle, blocks
            )
            intercept = path.intercept()
            if not all_finite(coef, intercept):
                row_weight = self._row_weight(
                    y, sample_weight, weight_pos, weight_neg, class_weights
                )
                setting = StepSetting.of(self, args.optimal_init)
                raise overflow_error(epoch, X, y, row_weight, setting)
            if restore:
                # the arrays hold the model that is scored and may be kept
                path.settle()
            count += n_used
            objective = objective_sum / train_count
            problem.loss_curve.append(objective)

            score = None
            # the model may be finite but huge: no floating-point error from
            # skgd's own arithmetic on it (a fit under np.errstate(all="raise"))
            with np.errstate(all="ignore"):
                if self.early_stopping:
                    score = self._validation_score(
                        X_val, y_val, sw_val, coef, intercept, softmax
                    )
                    problem.validation_scores.append(score)
                if self.verbose > 0:
                    self._print_epoch(
                        path.norm(), coef, intercept, count, sumloss,
                        objective_sum, train_count, t_start, score,
                    )  # fmt: skip
            if self.early_stopping:
                improved = rule.score(score)
            else:
                improved = rule.objective(objective)
            if restore and improved:
                snapshot = path.snapshot()

            stop = epochs is not None and epochs.end(path.model)
            if rule.converged(epoch, t_start) or stop:
                break

        rule.save(problem)
        path.settle()
        if snapshot is not None:
            path.restore(snapshot)
        if ratio(objective, reference) > SCREEN_FACTOR:
            # the epoch objective averages the rows' losses at the weights
            # each was visited with: confirm with the model the call returns
            w_end, b_end = path.model(epoch + 1)
            objective = self._objective_at(X, y, sw_obj, train, w_end, b_end, softmax)
        problem.end = (objective, reference)
        return (*path.finish(problem, state, count), epoch + 1)

    # ------------------------------------------------------------------
    # state kept between partial_fit calls
    # ------------------------------------------------------------------
    def _solver_state(self, problem, solver, n_coef, dtype, reset):
        fresh = solver.init_state(n_coef, dtype)
        old = problem.solver_state
        if reset or old is None:
            problem.solver_state = fresh
            return fresh
        compatible = type(old) is type(fresh) and all(
            np.shape(a) == np.shape(b) for a, b in zip(old, fresh)
        )
        if not compatible:
            warnings.warn(
                f"The solver changed since the previous call to partial_fit (its "
                f"state was {type(old).__name__}, {type(solver).__name__} needs "
                f"{type(fresh).__name__}): the solver state (moments, step "
                "count) restarts from zero.",
                UserWarning,
            )
            problem.solver_state = fresh
            return fresh
        return old

    def _state_vectors(self, state, dtype):
        """The solver state as the kernel's two vectors."""
        arrays = [np.asarray(a) for a in state[1:]]
        empty = np.zeros(0, dtype=dtype)
        s1 = arrays[0] if len(arrays) > 0 else empty
        s2 = arrays[1] if len(arrays) > 1 else empty
        s1 = np.ascontiguousarray(s1, dtype=dtype)
        s2 = np.ascontiguousarray(s2, dtype=dtype)
        return s1, s2

    def _store_state_vectors(self, state, s1, s2):
        for arr, vec in zip(state[1:], (s1, s2)):
            if arr is not vec:
                arr[...] = vec

    def _l1_state(self, problem, n_features, dtype, use_l1, reset):
        q = problem.l1_q
        size = n_features if use_l1 else 0
        if reset or q is None or q.shape[0] != size:
            return 0.0, np.zeros(size, dtype=dtype)
        return problem.l1_u, q

    # ------------------------------------------------------------------
    def _row_weight(self, y, sample_weight, weight_pos, weight_neg, class_weights):
        """The weight of each row in the loss: its sample weight times its
        class weight (one-output losses: ``weight_pos`` where ``y > 0``)."""
        sw = np.asarray(sample_weight, dtype=np.float64)
        if class_weights is not None:
            return sw * np.asarray(class_weights)[np.asarray(y, dtype=np.int64)]
        if np.ndim(y) == 1:
            return sw * np.where(np.asarray(y) > 0, weight_pos, weight_neg)
        return sw

    def _warn_divergence(self, X, y, row_weight, names=None):
        """skgd's ``DivergenceWarning`` when the call ended far worse than it
        started (for one-vs-rest, the worst of its problems)."""
        problems = getattr(self, "_problems_", None) or [self._problem_]
        ends = [p.end for p in problems if p.end is not None]
        setting = StepSetting.of(self, self._optimal_init(LOSS_CODES[self.loss]))
        warn_if_diverged(ends, X, y, row_weight, setting, names)

    def _print_epoch(
        self, norm, coef, intercept, count, sumloss, objective_sum, train_count,
        t_start, score=None,
    ):  # fmt: skip
        line = (
            "Norm: %.2f, NNZs: %d, Bias: %.6f, T: %d, Avg. loss: %f, Objective: %f"
            % (
                norm,
                np.count_nonzero(coef),
                float(np.mean(intercept)),
                count,
                sumloss / train_count,
                objective_sum / train_count,
            )
        )
        if score is not None:
            line += ", Validation score: %f" % score
        print(line)
        print("Total training time: %.2f seconds." % (time.time() - t_start))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
