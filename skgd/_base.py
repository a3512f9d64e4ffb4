"""Shared machinery of the gradient-descent estimators: parameters,
validation and the epoch driver."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
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

from skgd._callbacks import CallbackSupportMixin
from skgd._config import EPOCH_SCHEDULES, FitConfig, exact_path
from skgd._divergence import StepSetting, warn_if_diverged
from skgd._driver import run_epochs
from skgd.solvers import SOLVER_NAMES, get_solver

MAX_INT = np.iinfo(np.int32).max

#: the error of a fit that would start from a sparse coef_ (scikit-learn's
#: documented rule: fitting further needs densify() first)
_SPARSE_COEF = (
    "The initial coefficients are a sparse matrix, as sparsify() leaves coef_; "
    "%s needs them dense: call densify() first."
)


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
            if not self._exact():
                raise ValueError(
                    f"Learning rate '{self.learning_rate}' is a per-sample plain SGD "
                    "step rule: it requires solver='sgd', batch_size=1 and no "
                    f"clipping; got solver={self.solver!r}, "
                    f"batch_size={self.batch_size!r}, clip_norm={self.clip_norm!r}, "
                    f"clip_value={self.clip_value!r}."
                )
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'")

    def _exact(self):
        """Whether the fit runs scikit-learn's per-sample SGD algorithm."""
        return exact_path(
            get_solver(self.solver), self.batch_size, self.clip_norm, self.clip_value
        )

    def _config(self):
        """The fit configuration of the current parameters."""
        return FitConfig.of(self)

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

    def _run_epochs(self, config, X, y, sample_weight, max_iter, **kwargs):
        """The epoch driver (``skgd._driver.run_epochs``) on one problem,
        from the estimator's update count ``t_``."""
        return run_epochs(
            config, X, y, sample_weight, max_iter, t_start=self.t_, **kwargs
        )

    def _warn_divergence(self, config, X, y, row_weight, names=None):
        """skgd's ``DivergenceWarning`` when the call ended far worse than it
        started (for one-vs-rest, the worst of its problems)."""
        problems = getattr(self, "_problems_", None) or [self._problem_]
        ends = [p.end for p in problems if p.end is not None]
        warn_if_diverged(ends, X, y, row_weight, StepSetting.of(config), names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
