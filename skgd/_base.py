"""Shared machinery of the gradient-descent estimators: parameters,
validation and the epoch driver."""

import warnings
from dataclasses import replace
from numbers import Integral, Real
from typing import NamedTuple

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
from sklearn.utils.validation import _check_sample_weight, validate_data

from skgd import _auto, _dask
from skgd._callbacks import CallbackSupportMixin, FitTask
from skgd._config import EPOCH_SCHEDULES, FitConfig, exact_path, per_sample_sgd
from skgd._divergence import StepSetting, warn_if_diverged
from skgd._driver import run_epochs
from skgd.solvers import SOLVER_NAMES, get_solver

MAX_INT = np.iinfo(np.int32).max


class FitCall(NamedTuple):
    """What the problems of one call to ``fit`` or ``partial_fit`` share."""

    config: FitConfig
    X: object  # {ndarray, sparse matrix, DaskDesign}
    y: np.ndarray
    sample_weight: np.ndarray
    max_iter: int
    reset_state: bool
    problems: list  # of ProblemState
    task: FitTask
    validation_mask: object  # ndarray, or None: each problem splits its own
    validation: object  # (X_val, y_val, sample_weight_val) given to fit, or None


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

    ``fit`` and ``partial_fit`` are written once here (``_fit``,
    ``_partial_fit``); an estimator defines its targets and its problems
    (the methods under "what each estimator defines") and its predictions.
    """

    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None, StrOptions({"auto"})],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="neither"), "boolean"],
        "eta0": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "power_t": [Interval(Real, None, None, closed="neither")],
        "learning_rate": [
            StrOptions(
                {"auto", "constant", "optimal", "invscaling", "adaptive", "pa1", "pa2"}
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
        "sparse_intercept_decay": [
            StrOptions({"auto"}),
            Interval(Real, 0, 1, closed="right"),
        ],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
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
        scheduled = get_solver(self.solver).uses_schedule
        if self._learning_rate() == "optimal" and self.alpha == 0 and scheduled:
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

    def _learning_rate(self):
        """``learning_rate``, its "auto" resolved (scikit-learn's default for
        its per-sample algorithm, else 'adaptive')."""
        return _auto.learning_rate(
            self.learning_rate,
            per_sample_sgd(get_solver(self.solver), self.batch_size, self.loss),
            self._SKLEARN_LEARNING_RATE,
        )

    def _exact(self):
        """Whether the fit runs scikit-learn's per-sample SGD algorithm."""
        return exact_path(
            get_solver(self.solver), self.batch_size, self.clip_norm,
            self.clip_value, self.loss,
        )  # fmt: skip

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
            self.tol_ is not None
            and self.tol_ > -np.inf
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
    # the calls: fit and partial_fit
    # ------------------------------------------------------------------
    #: whether a warm-started fit trains the fitted arrays further
    #: (scikit-learn's SGDRegressor) rather than copies of them (SGDClassifier)
    _WARM_START_IN_PLACE = True

    def _fit(self, X, y, coef_init, intercept_init, sample_weight, validation=None):
        """``fit``: the model started anew (or, with ``warm_start``, from the
        fitted one), then up to ``max_iter`` epochs; ``validation`` is
        ``(X_val, y_val, sample_weight_val)`` as ``fit`` received them."""
        self._more_validate_params()
        y, classes = self._fit_classes(y)
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if coef_init is None:
                coef_init = self.coef_
            if intercept_init is None:
                intercept_init = self.intercept_
        else:
            self.coef_ = None
            self.intercept_ = None
        self.t_ = 1.0
        self._partial_fit(
            X,
            y,
            sample_weight,
            max_iter=self.max_iter,
            coef_init=coef_init,
            intercept_init=intercept_init,
            reset_state=True,
            task_name="fit",
            classes=classes,
            validation=validation,
        )
        self._warn_after_fit()
        return self

    def _partial_fit(
        self, X, y, sample_weight, *, max_iter=1, coef_init=None,
        intercept_init=None, reset_state=False, task_name="partial_fit",
        classes=None, validation=None,
    ):  # fmt: skip
        """One call to ``partial_fit`` (the defaults) or ``fit``: the data
        validated, the model allocated or continued, the epochs of its
        problems run, then the model and the record published."""
        config = self._config()
        config.solver.check_fit(config)
        # a fitted model keeps its dtype: later data is converted to it (a
        # fit, warm-started or not, takes the data's)
        model = getattr(self, "coef_", None) if coef_init is None else None
        dtype = [np.float64, np.float32] if model is None else model.dtype
        X, y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, reset=self._first_call(), dtype=dtype
        )
        y, n_outputs, matrix = self._targets(X, y, classes)
        given_weight = sample_weight
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype,
            # SGDClassifier leaves all-zero weights to the validation split
            allow_all_zero_weights=is_classifier(self) and self.early_stopping,
        )  # fmt: skip
        if getattr(self, "coef_", None) is None or (
            coef_init is not None and not self._WARM_START_IN_PLACE
        ):
            self._allocate_parameter_mem(
                n_outputs, X.shape[1], X.dtype, coef_init, intercept_init, matrix
            )
            if intercept_init is None:
                self._start_model(y, sample_weight)
            reset_state = True
        else:
            self._check_fitted_shape(X, y, n_outputs, matrix)
            self._continue_fitting(X.dtype, warm=coef_init is not None)
        if not hasattr(self, "t_"):
            self.t_ = 1.0
        config = self._resolve_auto(config, X, y, sample_weight, reset_state)
        validation = self._check_validation_data(X, y, validation)
        problems = self._problems(reset_state)
        if validation is None:
            validation_mask = self._validation_mask(y, sample_weight)
        else:  # the user's validation data instead of a split
            validation_mask = np.zeros(y.shape[0], dtype=np.bool_)
        task = FitTask(
            self, X, y, given_weight, task_name, max_iter, problems,
            coef_shape=self._coef_shape(X.shape[1]),
            problem_names=self._problem_names(),
        )  # fmt: skip
        call = FitCall(
            config, X, y, sample_weight, max_iter, reset_state, problems, task,
            validation_mask, validation,
        )  # fmt: skip
        n_iter, standard, average = self._fit_problems(call)
        self.n_iter_ = n_iter
        self.t_ += n_iter * X.shape[0]
        self._publish_model(config, problems, standard, average)
        self._publish_record(problems)
        task.end()
        self._warn_divergence(
            config, X, y, self._row_weight(y, sample_weight), problems,
            self._problem_names(),
        )  # fmt: skip
        return self

    def _resolve_auto(self, config, X, y, sample_weight, reset):
        """``config`` with the "auto" ``eta0`` and ``tol`` computed from the
        training data (``skgd._auto``), when the call starts a model; a
        ``partial_fit`` that continues one keeps the values of its first
        call.  Publishes the values used: ``eta0_``, ``learning_rate_``,
        ``tol_`` and ``n_iter_no_change_``."""
        if not reset and getattr(self, "eta0_", None) is not None:
            schedule, tol = config.schedule, config.tol
            if schedule.eta0 == _auto.AUTO:
                schedule = replace(schedule, eta0=self.eta0_)
            if tol == _auto.AUTO and self.tol_ is not None:
                tol = self.tol_
            config = replace(config, schedule=schedule, tol=tol)
        classes = None
        if self._multinomial():
            classes = len(self.classes_)
        config = _auto.resolve(
            config, X, y, self._row_weight(y, sample_weight), classes
        )
        self.eta0_ = config.schedule.eta0
        self.learning_rate_ = config.schedule.learning_rate
        self.tol_ = None if config.tol == -np.inf else config.tol
        self.n_iter_no_change_ = config.n_iter_no_change
        return config

    def _check_validation_data(self, X, y, validation):
        """``fit``'s ``X_val``, ``y_val`` and ``sample_weight_val`` validated
        as scikit-learn's HistGradientBoosting estimators validate them, the
        targets as the call's (``_validation_targets``); None when none
        were given."""
        X_val, y_val, sw_val = validation or (None, None, None)
        if X_val is None and y_val is None:
            if sw_val is not None:
                raise ValueError(
                    "sample_weight_val is provided, but X_val and y_val were not "
                    "provided."
                )
            return None
        if y_val is None:
            raise ValueError("X_val is provided, but y_val was not provided.")
        if X_val is None:
            raise ValueError("y_val is provided, but X_val was not provided.")
        if not self.early_stopping:
            raise ValueError(
                "X_val and y_val are passed to fit while at the same time "
                "early_stopping is False. When passing X_val and y_val to fit, "
                "early_stopping should be set to True."
            )
        X_val, y_val = validate_data(
            self, X_val, y_val, reset=False, accept_sparse="csr", copy=False,
            order="C", dtype=X.dtype, accept_large_sparse=False,
            multi_output=self._multi_output(y_val),
        )  # fmt: skip
        y_val = self._validation_targets(y, y_val)
        sw_val = _check_sample_weight(sw_val, X_val, dtype=X.dtype)
        return X_val, y_val, sw_val

    def _validation_targets(self, y, y_val):
        """``y_val`` as the call's targets ``y`` are (the regressor's)."""
        if y.ndim == 1 and y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val[:, 0]
        if y_val.shape[1:] != y.shape[1:]:
            raise ValueError(
                f"y_val has shape {y_val.shape}, but y has shape {y.shape}: the "
                "validation targets must have as many columns as the training ones."
            )
        return np.ascontiguousarray(y_val, dtype=y.dtype)

    def _multi_output(self, y):
        """Whether ``y`` may have several columns (the regressor's)."""
        return not is_classifier(self)

    def _validate_fit_data(self, X, y, sample_weight, reset, dtype):
        """X and y validated (a dask collection: by ``skgd._dask``)."""
        multi_output = self._multi_output(y)
        if _dask.is_dask_collection(X):
            return _dask.validate_data(
                self, X, y, sample_weight, reset=reset, multi_output=multi_output,
                dtype=dtype,
            )  # fmt: skip
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            copy=False,
            order="C",
            dtype=dtype,
            accept_large_sparse=False,
            reset=reset,
            multi_output=multi_output,
        )
        return X, y, sample_weight

    # ------------------------------------------------------------------
    # what each estimator defines: its targets and its problems
    # ------------------------------------------------------------------
    def _fit_classes(self, y):
        """``fit``'s targets and the classes it learns (None: regression)."""
        return y, None

    def _first_call(self):
        """Whether the call starts a new model (validation resets the
        features seen)."""
        return getattr(self, "coef_", None) is None

    def _targets(self, X, y, classes):
        """The validated targets: ``(y, n_outputs, matrix)``, the number of
        rows of the model to allocate and whether it is a matrix even for
        one output."""
        raise NotImplementedError

    def _start_model(self, y, sample_weight):
        """Set the start of a model allocated from scratch (zeros, as
        scikit-learn's; an estimator may start elsewhere)."""

    def _check_fitted_shape(self, X, y, n_outputs, matrix):
        """Raise when the fitted model does not fit the data."""
        raise NotImplementedError

    def _problems(self, reset_state):
        """The ``ProblemState`` of each problem of the call, restarted with
        ``reset_state``."""
        raise NotImplementedError

    def _problem_names(self):
        """The name of each problem's task, or None for a single problem."""
        return None

    def _coef_shape(self, n_features):
        """The shape of the fitted ``coef_``."""
        raise NotImplementedError

    def _validation_mask(self, y, sample_weight):
        """The validation rows of ``early_stopping``, split before the call's
        task begins (None: each problem splits its own)."""
        return self._make_validation_split(y, sample_mask=sample_weight > 0)

    def _fit_problems(self, call):
        """Run the epochs of the call's problems (a ``FitCall``); returns
        ``(n_iter, standard, average)``: the number of epochs, the standard
        and the averaged model, each a ``(coef, intercept)`` pair."""
        raise NotImplementedError

    def _row_weight(self, y, sample_weight):
        """The weight of each row in the objective."""
        return sample_weight

    def _multinomial(self):
        """Whether the model is one softmax of all the classes."""
        return False

    # ------------------------------------------------------------------
    # the epochs of a problem, and what a call publishes
    # ------------------------------------------------------------------
    def _problem_split(self, call, y):
        """The validation rows of a problem with targets ``y``: none when
        ``fit`` was given validation data, else the split of
        ``early_stopping``."""
        if call.validation is not None:
            return np.zeros(y.shape[0], dtype=np.bool_)
        return self._make_validation_split(y, sample_mask=call.sample_weight > 0)

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

    def _model_arrays(self):
        """The arrays the epochs train: ``(coef, intercept, average_coef,
        average_intercept)``, the standard model and its average; without
        averaging ``coef_`` and ``intercept_``, and no average (None and
        zeros)."""
        if self.average:
            return (
                self._standard_coef, self._standard_intercept,
                self._average_coef, self._average_intercept,
            )  # fmt: skip
        return self.coef_, self.intercept_, None, np.zeros(self.intercept_.shape)

    def _run_problem(
        self, call, k, y, model, seed, validation_mask=None, y_val=None, **weights
    ):
        """The epoch driver (``skgd._driver.run_epochs``) on problem ``k`` of
        the call, with targets ``y``, from the estimator's update count
        ``t_``.

        ``model`` is ``(coef, intercept, average_coef, average_intercept)``
        as the driver takes them, the coefficient arrays flattened and
        trained in place; ``validation_mask`` defaults to the call's, the
        targets of the user's validation data ``y_val`` (the problem's, as
        ``y`` is) to the call's, and ``weights`` are the driver's class
        weights.  Returns ``(intercept, average_intercept, n_iter)``."""
        coef, intercept, average_coef, average_intercept = model
        validation = call.validation
        if validation is not None:
            X_val, call_y_val, sw_val = validation
            validation = (X_val, call_y_val if y_val is None else y_val, sw_val)
        epochs = call.task.epochs(k)
        if epochs is not None:
            epochs.begin_problem()
        result = run_epochs(
            call.config, call.X, y, call.sample_weight, call.max_iter,
            coef=coef.reshape(-1), intercept=intercept,
            average_coef=None if average_coef is None else average_coef.reshape(-1),
            average_intercept=average_intercept,
            validation_mask=(
                call.validation_mask if validation_mask is None else validation_mask
            ),
            seed=seed, t_start=self.t_, problem=call.problems[k],
            reset_state=call.reset_state, epochs=epochs, validation=validation,
            **weights,
        )  # fmt: skip
        if epochs is not None:
            epochs.end_problem()
        return result

    def _publish_model(self, config, problems, standard, average):
        """Publish ``coef_`` and ``intercept_``: the averaged model
        (``average``) once averaging has begun, else the standard one;
        each a ``(coef, intercept)`` pair.

        Averaging has begun on scikit-learn's per-sample path when ``t_``
        (which counts rows) has passed ``average``, as scikit-learn decides;
        elsewhere once every problem has averaged an update."""
        averaged = False
        if self.average > 0:
            if config.exact and not self._multinomial():
                averaged = self.average <= self.t_ - 1.0
            else:
                averaged = min(p.average_count for p in problems) > 0
        coef, intercept = average if averaged else standard
        self.coef_ = coef
        self.intercept_ = np.atleast_1d(intercept)

    def _publish_record(self, problems):
        """The record of the call: the solver state, the objective and the
        validation scores of each epoch, and the best of them; for one
        problem its own, else a list with one per problem."""

        def each(values):
            return values[0] if len(problems) == 1 else values

        self.solver_state_ = each([p.solver_state for p in problems])
        self.loss_curve_ = each([p.loss_curve for p in problems])
        self.validation_scores_ = (
            each([p.validation_scores for p in problems])
            if self.early_stopping
            else None
        )
        bests = [p.bests(self.early_stopping) for p in problems]
        self.best_loss_ = each([b[0] for b in bests])
        self.best_validation_score_ = each([b[1] for b in bests])

    def _warn_divergence(self, config, X, y, row_weight, problems, names=None):
        """skgd's ``DivergenceWarning`` when the call ended far worse than it
        started (for one-vs-rest, the worst of its problems)."""
        ends = [p.end for p in problems if p.end is not None]
        warn_if_diverged(ends, X, y, row_weight, StepSetting.of(config), names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
