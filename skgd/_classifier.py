"""GDClassifier: the drop-in SGDClassifier with pluggable solvers."""

from numbers import Integral

import numpy as np
from scipy.special import softmax
from sklearn.base import _fit_context
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skgd import _dask
from skgd._base import MAX_INT, BaseGD
from skgd._callbacks import FitTask
from skgd._codes import LOSS_CODES
from skgd._driver import ProblemState
from skgd._loss_functions import CLASSIFICATION_LOSS_FUNCTIONS
from skgd._params import with_parameters


@with_parameters(
    defaults={"loss": "hinge", "learning_rate": "optimal", "power_t": 0.5},
    insert={
        "epsilon": {"n_jobs": None},
        "n_iter_no_change": {"class_weight": None},
        "clip_value": {"multi_class": "ovr"},
    },
)
class GDClassifier(LinearClassifierMixin, BaseGD):
    """Linear classification by gradient descent, with pluggable solvers.

    A drop-in replacement for :class:`sklearn.linear_model.SGDClassifier`:
    every parameter, method, fitted attribute, error and warning of
    ``SGDClassifier`` is here with the same meaning, and with the default
    ``solver="sgd"``, ``batch_size=1`` and an integer ``random_state`` the
    fitted ``coef_``, ``intercept_``, ``n_iter_`` and ``t_`` are
    ``SGDClassifier``'s, binary and one-vs-rest. skgd adds the solver, the
    batch size, gradient clipping, the record of the objective and a
    warning when a fit ends far worse than it started, with the semantics
    of :class:`skgd.GDRegressor`.

    Multi-class problems are solved one-vs-rest: one binary problem per
    class (the class against all others), each with its own seed drawn from
    ``random_state`` as scikit-learn does, run in parallel threads with
    ``n_jobs``; the class with the largest decision wins.

    Parameters
    ----------
    loss : {'hinge', 'log_loss', 'modified_huber', 'squared_hinge', \
            'perceptron', 'squared_error', 'huber', 'epsilon_insensitive', \
            'squared_epsilon_insensitive'}, default='hinge'
        The loss function: 'hinge' is the linear SVM, 'log_loss' logistic
        regression (and gives ``predict_proba``), 'modified_huber' a smooth
        hinge that also gives probability estimates, 'squared_hinge' the
        quadratically penalised hinge, 'perceptron' the hinge at threshold 0;
        the regression losses fit the labels -1 and +1 by regression.

    penalty : {'l2', 'l1', 'elasticnet', None}, default='l2'
        The regularisation term. None means no penalty.

    alpha : float, default=0.0001
        Strength of the penalty; also sets the 'optimal' learning rate.

    l1_ratio : float, default=0.15
        The Elastic Net mixing parameter, in `[0, 1]`; only used with
        ``penalty='elasticnet'``.

    fit_intercept : bool, default=True
        Whether to estimate the intercepts.

    max_iter : int, default=1000
        Maximum number of epochs. Only ``fit`` uses it.

    tol : float or None, default=1e-3
        The stopping criterion (see :class:`skgd.GDRegressor`). None disables
        it.

    shuffle : bool, default=True
        Whether to shuffle the training data after each epoch.

    verbose : int, default=0
        Print scikit-learn's per-epoch progress lines when positive.

    epsilon : float, default=0.1
        The insensitive region of 'huber', 'epsilon_insensitive' and
        'squared_epsilon_insensitive'.

    n_jobs : int, default=None
        Number of threads for the one-vs-rest problems of a multi-class fit
        (the compiled loops release the GIL). None means 1 unless in a
        :obj:`joblib.parallel_backend` context; -1 means all processors.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling and the validation split exactly as
        ``SGDClassifier`` does.

    learning_rate : {'constant', 'optimal', 'invscaling', 'adaptive', \
            'pa1', 'pa2'}, default='optimal'
        The learning-rate schedule (see :class:`skgd.GDRegressor`); 'pa1'
        and 'pa2' are the passive-aggressive rules, only with
        ``loss='hinge'`` and the per-sample plain SGD.

        skgd adds schedules evaluated once per epoch ``e`` (0-based,
        counted over ``fit``, or over the ``partial_fit`` calls), the rate
        being constant within the epoch:

        - 'exponential': ``eta = eta0 * gamma**e``;
        - 'step': ``eta = eta0 * gamma**(e // step_size)``;
        - 'cosine': from ``eta0`` down to ``eta_min`` over ``max_iter``
          epochs, ``eta_min + (eta0 - eta_min) * (1 + cos(pi * e' / T)) / 2``
          with ``e' = e - warmup_epochs`` and ``T = max_iter - warmup_epochs``,
          after ``warmup_epochs`` of linear warm-up;
        - a callable ``schedule(e) -> eta``, e.g. a picklable object with a
          ``__call__`` method (your own schedule).

    eta0 : float, default=0.01
        The initial learning rate; adaptive solvers take it as their base
        rate.

    power_t : float, default=0.5
        The exponent of the 'invscaling' schedule.

    early_stopping : bool, default=False
        Whether to set aside a stratified ``validation_fraction`` of the
        training data and stop when its accuracy stops improving.

    validation_fraction : float, default=0.1
        The share of the training data set aside with ``early_stopping``.

    n_iter_no_change : int, default=5
        Number of epochs without improvement before stopping.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied with ``sample_weight``; 'balanced'
        uses ``n_samples / (n_classes * np.bincount(y))`` (not with
        ``partial_fit``).

    warm_start : bool, default=False
        When True, ``fit`` starts from the previous solution; the solver
        state and the schedule restart.

    average : bool or int, default=False
        Averaged SGD: ``coef_`` is the average of the weights over the
        updates from update ``average`` on (True means 1).

    solver : str or Solver, default='sgd'
        *skgd.* How a gradient becomes a step: 'sgd', 'momentum',
        'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw', or a solver
        object from :mod:`skgd.solvers` (see :class:`skgd.GDRegressor`).

    batch_size : int or 'full', default=1
        *skgd.* 1 is per-sample SGD (scikit-learn's algorithm), an int ``k``
        mini-batches of ``k`` rows, 'full' batch gradient descent.

    clip_norm : float or None, default=None
        *skgd.* Clip the gradient to this L2 norm before the solver sees it.

    clip_value : float or None, default=None
        *skgd.* Clip each component of the gradient to
        ``[-clip_value, clip_value]``.

    multi_class : {'ovr', 'multinomial'}, default='ovr'
        *skgd.* How more than two classes are learned. 'ovr' (scikit-learn's
        way, the default) trains one binary problem per class.
        'multinomial' trains one softmax (multinomial logistic) model of all
        classes jointly, minimising the cross-entropy -- the recommended
        choice for multi-class probabilities: ``predict_proba`` is the
        softmax of the decision function, a calibrated distribution rather
        than normalised one-vs-rest scores. It requires
        ``loss='log_loss'`` and works with every solver, batch size and
        sparse input. With two classes it is the binary logistic model
        (``coef_`` has one row, ``decision_function`` is 1-D), as in
        :class:`~sklearn.linear_model.LogisticRegression`.

    gamma : float, default=0.9
        *skgd.* The decay factor of the 'exponential' and 'step' schedules,
        in (0, 1].

    step_size : int, default=10
        *skgd.* The number of epochs between two decays of the 'step'
        schedule.

    eta_min : float, default=0.0
        *skgd.* The floor of the 'cosine' schedule.

    warmup_epochs : int, default=0
        *skgd.* Epochs of linear warm-up of the 'cosine' schedule, from
        ``eta0 / (warmup_epochs + 1)`` up to ``eta0``.

    restore_best_weights : bool, default=False
        *skgd.* When True, ``fit`` (and each ``partial_fit``) leaves
        ``coef_`` and ``intercept_`` at the epoch with the best validation
        score (with ``early_stopping``) or the best training objective
        (without), instead of the last epoch's. The solver state is not
        rewound. On the per-sample plain SGD path the running scale is then
        folded into the weights each epoch, so the numbers differ from
        scikit-learn's in the last digits.

    keep_adaptive_state : bool, default=False
        *skgd.* With ``learning_rate='adaptive'``, let ``partial_fit`` carry
        the current rate and the stopping counters over to the next call, so
        that a sequence of ``partial_fit`` calls behaves as the epochs of one
        ``fit``. The default restarts at ``eta0`` on every call, as
        scikit-learn does.

    shuffle_block_size : int or None, default=None
        *skgd.* With ``shuffle=True``, shuffle blocks of this many
        consecutive rows instead of single rows: each epoch visits the
        blocks in a new random order and the rows of a block in their order
        in X. Reading rows in runs is kinder to the memory cache and makes
        an epoch faster on large data, at the price of a less random order
        (shuffle or sort the data once beforehand so that a block is not a
        cluster of similar rows). The dot product of each row is then
        summed in SIMD registers rather than strictly left to right (the
        same value to rounding). None keeps scikit-learn's per-row
        permutation, and its numbers.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights assigned to the features (float32 when X is float32).

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Constants in the decision function.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    n_iter_ : int
        The number of epochs run; for one-vs-rest, the largest over the
        binary problems.

    t_ : float
        ``1 + n_iter_ * n_samples``: scikit-learn's update counter.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``; defined only when `X` has
        feature names that are all strings.

    loss_curve_ : list of float, or list of lists of float
        *skgd.* The training objective of each epoch (see
        :class:`skgd.GDRegressor`): a list for a binary problem, one list
        per class for one-vs-rest.

    validation_scores_ : list, list of lists, or None
        *skgd.* The validation accuracy of each epoch with
        ``early_stopping`` (per class for one-vs-rest), else None.

    solver_state_ : NamedTuple of ndarrays, or list of them
        *skgd.* The solver state of the binary problem, or of each
        one-vs-rest problem; ``partial_fit`` resumes from it.

    best_loss_ : float or None
        *skgd.* The best training objective over the epochs (None with
        ``early_stopping``).

    best_validation_score_ : float or None
        *skgd.* The best validation score over the epochs (None without
        ``early_stopping``).

    See Also
    --------
    sklearn.linear_model.SGDClassifier : The per-sample SGD this class
        reproduces.
    sklearn.linear_model.LogisticRegression : Logistic regression by
        second-order solvers.
    skgd.GDRegressor : The regressor, with the same solvers.

    Notes
    -----
    *skgd.* ``set_callbacks`` (scikit-learn's callback API) attaches
    callbacks such as :class:`sklearn.callback.ProgressBar` and
    :class:`sklearn.callback.ScoringMonitor` to ``fit`` and ``partial_fit``:
    each epoch is a subtask (for one-vs-rest, of its class's problem); its
    callbacks see the model as it stands and may stop that problem's
    training after it (see :ref:`callbacks`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDClassifier
    >>> X = np.array([[-1, -1], [-2, -1], [1, 1], [2, 1]])
    >>> y = np.array([1, 1, 2, 2])
    >>> clf = make_pipeline(StandardScaler(), GDClassifier(random_state=0))
    >>> clf.fit(X, y).predict([[-0.8, -1]])
    array([1])
    >>> clf = GDClassifier(loss="log_loss", solver="adam", batch_size=2,
    ...                    eta0=0.1, random_state=0).fit(X, y)
    >>> clf.predict_proba([[0.5, 0.5]]).round(2)
    array([[0.12, 0.88]])
    """

    _parameter_constraints: dict = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions(set(LOSS_CODES))],
        "n_jobs": [Integral, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "multi_class": [StrOptions({"ovr", "multinomial"})],
    }

    #: each loss's class and default parameters, as SGDClassifier's table
    loss_functions = CLASSIFICATION_LOSS_FUNCTIONS

    # ------------------------------------------------------------------
    def _binary_views(self, i, y, dtype):
        """Labels and parameter views of the binary problem of class ``i``
        (scikit-learn's ``_prepare_fit_binary``)."""
        y_i = np.ones(y.shape, dtype=dtype, order="C")
        y_i[y != self.classes_[i]] = 0.0 if self.loss == "log_loss" else -1.0
        average_intercept = 0.0
        average_coef = None
        row = slice(None) if len(self.classes_) == 2 else i
        if not self.average:
            coef = self.coef_.ravel() if len(self.classes_) == 2 else self.coef_[i]
            intercept = self.intercept_[0 if len(self.classes_) == 2 else i]
        else:
            coef = self._standard_coef[row].ravel()
            intercept = self._standard_intercept[0 if len(self.classes_) == 2 else i]
            average_coef = self._average_coef[row].ravel()
            average_intercept = self._average_intercept[
                0 if len(self.classes_) == 2 else i
            ]
        return y_i, coef, float(intercept), average_coef, float(average_intercept)

    def _fit_binary_problem(
        self,
        config,
        i,
        X,
        y,
        max_iter,
        pos_weight,
        neg_weight,
        sample_weight,
        problem,
        reset_state,
        validation_mask=None,
        random_state=None,
        epochs=None,
    ):
        """Class ``i`` against the rest (scikit-learn's ``fit_binary``)."""
        y_i, coef, intercept, average_coef, average_intercept = self._binary_views(
            i, y, X.dtype
        )
        random_state = check_random_state(random_state)
        # the dataset's own seed, drawn first as scikit-learn does
        random_state.randint(1, np.iinfo(np.int32).max)
        if validation_mask is None:
            validation_mask = self._make_validation_split(
                y_i, sample_mask=sample_weight > 0
            )
        seed = random_state.randint(MAX_INT)
        if epochs is not None:
            epochs.begin_problem()
        intercept, average_intercept, n_iter = self._run_epochs(
            config,
            X,
            y_i,
            sample_weight,
            max_iter,
            coef=coef,
            intercept=intercept,
            average_coef=average_coef,
            average_intercept=average_intercept,
            validation_mask=validation_mask,
            seed=seed,
            weight_pos=pos_weight,
            weight_neg=neg_weight,
            problem=problem,
            reset_state=reset_state,
            epochs=epochs,
        )
        if epochs is not None:
            epochs.end_problem()
        if self.average:
            self._average_intercept[0 if len(self.classes_) == 2 else i] = (
                average_intercept
            )
        return coef, intercept, n_iter

    def _more_validate_params(self, for_partial_fit=False):
        super()._more_validate_params(for_partial_fit)
        if self.multi_class == "multinomial" and self.loss != "log_loss":
            raise ValueError(
                "multi_class='multinomial' is the softmax cross-entropy model: it "
                f"requires loss='log_loss', got loss={self.loss!r}. Use "
                "multi_class='ovr' for other losses."
            )

    def _multinomial(self):
        return self.multi_class == "multinomial" and len(self.classes_) > 2

    def _averaged(self, config):
        if config.exact and not self._multinomial():
            return self.average <= self.t_ - 1.0
        return min(p.average_count for p in self._problems_) > 0

    def _partial_fit(
        self, X, y, max_iter, classes, sample_weight, coef_init, intercept_init,
        reset_state, task_name,
    ):  # fmt: skip
        first_call = not hasattr(self, "classes_")
        # a fitted model keeps its dtype: later data is converted to it
        model = getattr(self, "coef_", None) if coef_init is None else None
        dtype = [np.float64, np.float32] if model is None else model.dtype
        if _dask.is_dask_collection(X):
            X, y, sample_weight = _dask.validate_data(
                self, X, y, sample_weight, reset=first_call, dtype=dtype
            )
        else:
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse="csr",
                dtype=dtype,
                order="C",
                accept_large_sparse=False,
                reset=first_call,
            )
        n_samples, n_features = X.shape
        _check_partial_fit_first_call(self, classes)
        n_classes = self.classes_.shape[0]
        self._expanded_class_weight = compute_class_weight(
            self.class_weight, classes=self.classes_, y=y
        )
        given_weight = sample_weight
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, allow_all_zero_weights=self.early_stopping
        )
        if getattr(self, "coef_", None) is None or coef_init is not None:
            self._allocate_parameter_mem(
                n_classes, n_features, X.dtype, coef_init, intercept_init
            )
            reset_state = True
        elif n_features != self.coef_.shape[-1]:
            raise ValueError(
                "Number of features %d does not match previous data %d."
                % (n_features, self.coef_.shape[-1])
            )
        else:
            self._continue_fitting(X.dtype)
        if not hasattr(self, "t_"):
            self.t_ = 1.0
        n_problems = 1 if n_classes == 2 or self._multinomial() else n_classes
        if reset_state or len(getattr(self, "_problems_", ())) != n_problems:
            self._problems_ = [ProblemState() for _ in range(n_problems)]
        task = FitTask(
            self, X, y, given_weight, task_name, max_iter, self._problems_,
            coef_shape=(1 if n_classes == 2 else n_classes, n_features),
            problem_names=(
                [f"class {c} vs rest" for c in self.classes_]
                if n_problems > 1 else None
            ),
        )  # fmt: skip
        config = self._config()
        args = (config, X, y, sample_weight, max_iter, reset_state, task)
        if n_classes > 2 and self._multinomial():
            self._fit_multinomial(*args)
        elif n_classes > 2:
            self._fit_multiclass(*args)
        elif n_classes == 2:
            self._fit_binary(*args)
        else:
            raise ValueError(
                "The number of classes has to be greater than one; got %d class"
                % n_classes
            )
        states = [p.solver_state for p in self._problems_]
        curves = [p.loss_curve for p in self._problems_]
        scores = [p.validation_scores for p in self._problems_]
        binary = n_problems == 1
        self.solver_state_ = states[0] if binary else states
        self.loss_curve_ = curves[0] if binary else curves
        self.validation_scores_ = (
            None if not self.early_stopping else (scores[0] if binary else scores)
        )
        bests = [p.bests(self.early_stopping) for p in self._problems_]
        self.best_loss_ = bests[0][0] if binary else [b[0] for b in bests]
        self.best_validation_score_ = bests[0][1] if binary else [b[1] for b in bests]
        task.end()
        labels = np.searchsorted(self.classes_, y)
        self._warn_divergence(
            config, X, y, sample_weight * self._expanded_class_weight[labels],
            names=None if binary else [f"class {c} vs rest" for c in self.classes_],
        )  # fmt: skip
        return self

    def _fit_binary(self, config, X, y, sample_weight, max_iter, reset_state, task):
        coef, intercept, n_iter = self._fit_binary_problem(
            config,
            1,
            X,
            y,
            max_iter,
            self._expanded_class_weight[1],
            self._expanded_class_weight[0],
            sample_weight,
            self._problems_[0],
            reset_state,
            random_state=self.random_state,
            epochs=task.epochs(),
        )
        self.t_ += n_iter * X.shape[0]
        self.n_iter_ = n_iter
        if self.average > 0:
            # the standard intercept is kept for the next call once averaging
            # runs too (scikit-learn keeps it only before: each later
            # partial_fit restarted the standard intercept from zero)
            self._standard_intercept = np.atleast_1d(intercept)
            if self._averaged(config):
                self.coef_ = self._average_coef.reshape(1, -1)
                self.intercept_ = self._average_intercept
            else:
                self.coef_ = self._standard_coef.reshape(1, -1)
                self.intercept_ = self._standard_intercept
        else:
            self.coef_ = coef.reshape(1, -1)
            self.intercept_ = np.atleast_1d(intercept)

    def _fit_multiclass(self, config, X, y, sample_weight, max_iter, reset_state, task):
        validation_mask = self._make_validation_split(y, sample_mask=sample_weight > 0)
        random_state = check_random_state(self.random_state)
        seeds = random_state.randint(MAX_INT, size=len(self.classes_))
        result = Parallel(
            n_jobs=self.n_jobs, verbose=self.verbose, require="sharedmem"
        )(
            delayed(self._fit_binary_problem)(
                config,
                i,
                X,
                y,
                max_iter,
                self._expanded_class_weight[i],
                1.0,
                sample_weight,
                self._problems_[i],
                reset_state,
                validation_mask=validation_mask,
                random_state=seed,
                epochs=task.epochs(i),
            )
            for i, seed in enumerate(seeds)
        )
        # the standard intercepts go to their own array once averaging runs
        # too (scikit-learn wrote them into intercept_, by then the averaged
        # intercepts' array: a later partial_fit restarted from stale
        # standard intercepts and reported standard ones as the average)
        standard = self._standard_intercept if self.average > 0 else self.intercept_
        n_iter = 0
        for i, (_, intercept, n_iter_i) in enumerate(result):
            standard[i] = intercept
            n_iter = max(n_iter, n_iter_i)
        self.t_ += n_iter * X.shape[0]
        self.n_iter_ = n_iter
        if self.average > 0:
            if self._averaged(config):
                self.coef_ = self._average_coef
                self.intercept_ = self._average_intercept
            else:
                self.coef_ = self._standard_coef
                self.intercept_ = self._standard_intercept

    def _fit_multinomial(
        self, config, X, y, sample_weight, max_iter, reset_state, task
    ):
        """All classes jointly: the softmax cross-entropy model."""
        validation_mask = self._make_validation_split(y, sample_mask=sample_weight > 0)
        seed = check_random_state(self.random_state).randint(MAX_INT)
        labels = np.searchsorted(self.classes_, y).astype(X.dtype)
        if self.average:
            coef, intercept = self._standard_coef, self._standard_intercept
            average_coef = self._average_coef.reshape(-1)
            average_intercept = self._average_intercept
        else:
            coef, intercept = self.coef_, self.intercept_
            average_coef, average_intercept = None, np.zeros(len(self.classes_))
        intercept_out, average_out, n_iter = self._run_epochs(
            config,
            X,
            labels,
            sample_weight,
            max_iter,
            coef=coef.reshape(-1),
            intercept=intercept,
            average_coef=average_coef,
            average_intercept=average_intercept,
            validation_mask=validation_mask,
            seed=seed,
            problem=self._problems_[0],
            reset_state=reset_state,
            class_weights=self._expanded_class_weight,
            epochs=task.epochs(),
        )
        intercept[:] = intercept_out
        self.t_ += n_iter * X.shape[0]
        self.n_iter_ = n_iter
        if self.average > 0:
            self._average_intercept[:] = average_out
            if self._averaged(config):
                self.coef_ = self._average_coef
                self.intercept_ = self._average_intercept
            else:
                self.coef_ = self._standard_coef
                self.intercept_ = self._standard_intercept

    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Perform one epoch of gradient descent on the given samples.

        Internally ``max_iter = 1``. The solver state, averages and ``t_``
        carry over between calls; changing the solver between calls
        restarts its state, with a warning.  The model keeps the float
        dtype of the first call's data: later data of the other float dtype
        is converted to it (scikit-learn's ``SGDClassifier`` raises a
        ``TypeError`` there).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Subset of the training data.
        y : ndarray of shape (n_samples,)
            Subset of the target values.
        classes : ndarray of shape (n_classes,), default=None
            All the classes. Required on the first call; later calls may
            omit it.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples; uniform when None.

        Returns
        -------
        self : object
            Returns an instance of self.
        """
        if not hasattr(self, "classes_"):
            self._more_validate_params(for_partial_fit=True)
            if self.class_weight == "balanced":
                raise ValueError(
                    "class_weight '{0}' is not supported for "
                    "partial_fit. In order to use 'balanced' weights,"
                    " use compute_class_weight('{0}', "
                    "classes=classes, y=y). "
                    "In place of y you can use a large enough sample "
                    "of the full training set target to properly "
                    "estimate the class frequency distributions. "
                    "Pass the resulting weights as the class_weight "
                    "parameter.".format(self.class_weight)
                )
        return self._partial_fit(
            X,
            y,
            max_iter=1,
            classes=classes,
            sample_weight=sample_weight,
            coef_init=None,
            intercept_init=None,
            reset_state=False,
            task_name="partial_fit",
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the linear model by gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,)
            Target values.
        coef_init : ndarray of shape (n_classes, n_features), default=None
            The initial coefficients to warm-start the optimization.
        intercept_init : ndarray of shape (n_classes,), default=None
            The initial intercept to warm-start the optimization.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples; multiplied with the class
            weights when ``class_weight`` is given.

        Returns
        -------
        self : object
            Returns an instance of self.
        """
        self._more_validate_params()
        if hasattr(self, "classes_"):
            delattr(self, "classes_")
        y = validate_data(self, y=y)
        classes = np.unique(y)
        if self.warm_start and hasattr(self, "coef_"):
            if coef_init is None:
                coef_init = self.coef_
            if intercept_init is None:
                intercept_init = self.intercept_
        else:
            self.coef_ = None
            self.intercept_ = None
        if self.average > 0:
            self._standard_coef = self.coef_
            self._standard_intercept = self.intercept_
            self._average_coef = None
            self._average_intercept = None
        self.t_ = 1.0
        self._partial_fit(
            X,
            y,
            self.max_iter,
            classes,
            sample_weight,
            coef_init,
            intercept_init,
            reset_state=True,
            task_name="fit",
        )
        self._warn_after_fit()
        return self

    # ------------------------------------------------------------------
    def _check_proba(self):
        if self.loss not in ("log_loss", "modified_huber"):
            raise AttributeError(
                "probability estimates are not available for loss=%r" % self.loss
            )
        return True

    @available_if(_check_proba)
    def predict_proba(self, X):
        """Probability estimates.

        Available for ``loss="log_loss"`` (with ``multi_class="multinomial"``
        the softmax of the decision function; otherwise the logistic function
        of the decision, one-vs-rest probabilities normalised to sum to one) and
        ``loss="modified_huber"`` (``(clip(decision, -1, 1) + 1) / 2``,
        normalised likewise; may be exactly 0 or 1), as in scikit-learn.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        check_is_fitted(self)
        if self.loss == "log_loss" and self._multinomial():
            return softmax(self.decision_function(X), axis=1)
        if self.loss == "log_loss":
            return self._predict_proba_lr(X)
        binary = len(self.classes_) == 2
        scores = self.decision_function(X)
        if binary:
            prob2 = np.ones((scores.shape[0], 2))
            prob = prob2[:, 1]
        else:
            prob = scores
        np.clip(scores, -1, 1, prob)
        prob += 1.0
        prob /= 2.0
        if binary:
            prob2[:, 0] -= prob
            return prob2
        prob_sum = prob.sum(axis=1)
        all_zero = prob_sum == 0
        if np.any(all_zero):
            prob[all_zero, :] = 1
            prob_sum[all_zero] = len(self.classes_)
        prob /= prob_sum.reshape((prob.shape[0], -1))
        return prob

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        """Log of the probability estimates (see :meth:`predict_proba`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))
