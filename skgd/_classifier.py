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
    check_array,
    check_is_fitted,
    validate_data,
)

from skgd import _dask
from skgd._base import MAX_INT, BaseGD
from skgd._codes import SKLEARN_LOSSES
from skgd._docstrings import fill_docstring
from skgd._driver import ProblemState
from skgd._loss_functions import CLASSIFICATION_LOSS_FUNCTIONS
from skgd._params import with_parameters
from skgd.solvers import get_solver


@with_parameters(
    defaults={"loss": "hinge", "power_t": 0.5},
    insert={
        "epsilon": {"n_jobs": None},
        "n_iter_no_change": {"class_weight": None},
        "clip_value": {"multi_class": "ovr"},
    },
)
@fill_docstring(
    sgd="SGDClassifier",
    y_val_shape="",
    y_val_note=": class labels, each one of those in ``y``",
)
class GDClassifier(LinearClassifierMixin, BaseGD):
    """Linear classification by gradient descent, with pluggable solvers.

    %(drop_in)s
    That holds for binary and one-vs-rest classification. skgd adds the
    solver, the batch size, gradient clipping, the record of the objective
    and a warning when a fit ends far worse than it started, with the
    semantics of :class:`skgd.GDRegressor`.

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

    tol : float, None or 'auto', default='auto'
        The stopping criterion (see :class:`skgd.GDRegressor`). None disables
        it. *skgd:* 'auto' is scikit-learn's 1e-3 for the per-sample plain
        SGD and with ``early_stopping``, else ``1e-6`` times the objective at
        zero coefficients. The value used is ``tol_``.

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
            'pa1', 'pa2', 'auto'}, default='auto'
        The learning-rate schedule (see :class:`skgd.GDRegressor`); 'pa1'
        and 'pa2' are the passive-aggressive rules, only with
        ``loss='hinge'`` and the per-sample plain SGD. *skgd:* 'auto' is
        scikit-learn's 'optimal' for the per-sample plain SGD, else
        'adaptive'. The schedule used is ``learning_rate_``.

        %(epoch_schedules)s

    eta0 : float or 'auto', default='auto'
        The initial learning rate; adaptive solvers take it as their base
        rate. *skgd:* 'auto' is scikit-learn's 0.01 for the per-sample plain
        SGD, else read off the training data (see :class:`skgd.GDRegressor`
        and the user guide, "Defaults that converge"). The value used is
        ``eta0_``.

    power_t : float, default=0.5
        The exponent of the 'invscaling' schedule.

    early_stopping : bool, default=False
        Whether to set aside a stratified ``validation_fraction`` of the
        training data and stop when its accuracy stops improving.

    validation_fraction : float, default=0.1
        The share of the training data set aside with ``early_stopping``.

    n_iter_no_change : int or 'auto', default='auto'
        Number of epochs without improvement before stopping. *skgd:* 'auto'
        is scikit-learn's 5 for the per-sample plain SGD and with
        ``early_stopping``, else 25. The value used is
        ``n_iter_no_change_``.

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

    %(solver_parameters)s

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

    %(epoch_parameters)s

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

    %(best_attributes)s

    See Also
    --------
    sklearn.linear_model.SGDClassifier : The per-sample SGD this class
        reproduces.
    sklearn.linear_model.LogisticRegression : Logistic regression by
        second-order solvers.
    skgd.GDRegressor : The regressor, with the same solvers.

    Notes
    -----
    %(callbacks_note)s

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgd import GDClassifier
    >>> X = [[-1, -1], [-2, -1], [1, 1], [2, 1]]
    >>> y = [1, 1, 2, 2]
    >>> clf = make_pipeline(StandardScaler(), GDClassifier(random_state=0))
    >>> clf.fit(X, y).predict([[-0.8, -1]])
    array([1])
    >>> clf = GDClassifier(loss="log_loss", solver="adam", batch_size=2,
    ...                    eta0=0.1, random_state=0).fit(X, y)
    >>> clf.predict_proba([[0.5, 0.5]]).round(2)
    array([[0.03, 0.97]])
    """

    _parameter_constraints: dict = {
        **BaseGD._parameter_constraints,
        "loss": [StrOptions(set(SKLEARN_LOSSES))],
        "n_jobs": [Integral, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "multi_class": [StrOptions({"ovr", "multinomial"})],
    }

    #: each loss's class and default parameters, as SGDClassifier's table
    loss_functions = CLASSIFICATION_LOSS_FUNCTIONS

    # ------------------------------------------------------------------
    # the classes and the problems
    # ------------------------------------------------------------------
    _WARM_START_IN_PLACE = False
    #: scikit-learn's learning_rate, which "auto" is for its per-sample algorithm
    _SKLEARN_LEARNING_RATE = "optimal"

    def _fit_classes(self, y):
        if hasattr(self, "classes_"):
            delattr(self, "classes_")
        if self._soft(y):  # validated once, with the call's data (_targets)
            self._refuse_dask_soft_labels(y)
            return y, np.arange(np.shape(np.asarray(y))[1])
        y = validate_data(self, y=y)
        return y, np.unique(y)

    # ------------------------------------------------------------------
    # soft labels (a 2-D y of class probabilities, multinomial model)
    # ------------------------------------------------------------------
    def _soft(self, y):
        """Whether ``y`` holds soft labels: a 2-D array of several columns
        given to the multinomial model (one-vs-rest keeps scikit-learn's
        error)."""
        if self.multi_class != "multinomial" or y is None:
            return False
        shape = getattr(y, "shape", None)  # an array, a frame, a dask array
        if not isinstance(shape, tuple):
            shape = np.asarray(y).shape  # any other array-like
        return len(shape) == 2 and shape[1] > 1

    def _multi_output(self, y):
        return self._soft(y)

    @staticmethod
    def _refuse_dask_soft_labels(y):
        if _dask.is_dask_collection(y):
            raise ValueError(
                "Soft labels (a 2-D y) are not supported on dask arrays: pass class "
                "labels (a 1-D y), or fit in memory."
            )

    def _check_soft_labels(self, y):
        """Soft labels as a float64 array: non-negative rows summing to 1."""
        self._refuse_dask_soft_labels(y)
        Y = check_array(y, dtype=np.float64, input_name="y")
        if self.class_weight is not None:
            raise ValueError(
                "class_weight is not supported with soft labels (a 2-D y): a row "
                "belongs to several classes. Weight the rows with sample_weight, "
                "or pass class labels (a 1-D y) to use class_weight."
            )
        if Y.min() < 0.0:
            raise ValueError(
                "Soft labels (a 2-D y) must be class probabilities: y has negative "
                f"entries (the smallest is {Y.min():.6g})."
            )
        sums = Y.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if bad.size:
            raise ValueError(
                "Soft labels (a 2-D y) must be class probabilities: each row must "
                f"sum to 1, but row {bad[0]} sums to {sums[bad[0]]:.6g} ({bad.size} "
                "rows do not). Normalize them: y / y.sum(axis=1, keepdims=True)."
            )
        return Y

    def _first_call(self):
        return not hasattr(self, "classes_")

    def _targets(self, X, y, classes):
        _check_partial_fit_first_call(self, classes)
        if self._soft(y):
            y = self._check_soft_labels(y).astype(X.dtype)
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"Soft labels (a 2-D y) have a column per class: y has "
                    f"{y.shape[1]} columns, but the classifier has "
                    f"{len(self.classes_)} classes {self.classes_.tolist()}."
                )
            if type(get_solver(self.solver)).row_state:
                raise ValueError(
                    f"solver={self.solver!r} keeps a loss derivative per row and "
                    "takes class labels only (a 1-D y), not soft labels. Use "
                    "another solver for soft labels."
                )
            self._expanded_class_weight = np.ones(len(self.classes_))
            return y, self.classes_.shape[0], False
        self._expanded_class_weight = compute_class_weight(
            self.class_weight, classes=self.classes_, y=y
        )
        return y, self.classes_.shape[0], False

    def _check_fitted_shape(self, X, y, n_outputs, matrix):
        if X.shape[1] != self.coef_.shape[-1]:
            raise ValueError(
                "Number of features %d does not match previous data %d."
                % (X.shape[1], self.coef_.shape[-1])
            )

    def _problems(self, reset_state):
        """One binary problem per class for one-vs-rest, else one."""
        n_classes = len(self.classes_)
        n_problems = 1 if n_classes == 2 or self._multinomial() else n_classes
        if reset_state or len(getattr(self, "_problems_", ())) != n_problems:
            self._problems_ = [ProblemState() for _ in range(n_problems)]
        return self._problems_

    def _problem_names(self):
        if len(self._problems_) == 1:
            return None
        return [f"class {c} vs rest" for c in self.classes_]

    def _coef_shape(self, n_features):
        n_classes = len(self.classes_)
        return (1 if n_classes == 2 else n_classes, n_features)

    def _validation_mask(self, y, sample_weight):
        return None  # split by each problem, once the call's task has begun

    def _validation_targets(self, y, y_val):
        if np.ndim(y_val) == 2:  # soft labels: their most probable class
            y_val = self.classes_[np.argmax(self._check_soft_labels(y_val), axis=1)]
        unseen = np.setdiff1d(y_val, self.classes_)
        if unseen.size:
            raise ValueError(
                f"y_val contains labels that y does not have: {unseen.tolist()}; "
                f"the classifier learns the classes {self.classes_.tolist()}."
            )
        return y_val

    def _hard(self, y, y_i=None, i=None):
        """Labels to split the rows by: soft labels' most probable class
        (for the binary problem of class ``i``, whether it is that class)."""
        if np.ndim(y) != 2:
            return y if y_i is None else y_i
        labels = np.argmax(y, axis=1)
        return labels if i is None else (labels == i).astype(y.dtype)

    def _binary_targets(self, y, i, dtype):
        """The targets of class ``i`` against the rest: 1 for its rows, 0
        (log loss) or -1 for the others; for soft labels, the probability of
        class ``i``."""
        if np.ndim(y) == 2:
            return np.ascontiguousarray(y[:, i], dtype=dtype)
        y_i = np.ones(y.shape, dtype=dtype, order="C")
        y_i[y != self.classes_[i]] = 0.0 if self.loss == "log_loss" else -1.0
        return y_i

    def _row_weight(self, y, sample_weight):
        if np.ndim(y) == 2:  # soft labels: no class weights
            return sample_weight
        labels = np.searchsorted(self.classes_, y)
        return sample_weight * self._expanded_class_weight[labels]

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

    def _fit_problems(self, call):
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got %d class"
                % n_classes
            )
        if self._multinomial():
            return self._fit_multinomial(call)
        return self._fit_one_vs_rest(call)

    def _fit_one_vs_rest(self, call):
        """The binary problem of two classes, or one per class run in
        parallel threads (``n_jobs``), each with its seed."""
        weights = self._expanded_class_weight
        binary = len(self.classes_) == 2
        if binary:
            results = [
                self._fit_binary_problem(
                    call, 1, (weights[1], weights[0]), self.random_state
                )
            ]
        else:
            mask = self._problem_split(call, call.y)
            seeds = check_random_state(self.random_state).randint(
                MAX_INT, size=len(self.classes_)
            )
            fit = delayed(self._fit_binary_problem)
            results = Parallel(
                n_jobs=self.n_jobs, verbose=self.verbose, require="sharedmem"
            )(
                fit(call, i, (weights[i], 1.0), seed, mask)
                for i, seed in enumerate(seeds)
            )
        n_iter = max(n for _, _, n in results)
        if not binary:
            # the standard intercepts go to their own array once averaging
            # runs too (scikit-learn wrote them into intercept_, by then the
            # averaged intercepts' array: a later partial_fit restarted from
            # stale standard intercepts and reported standard ones as the
            # average)
            standard = self._model_arrays()[1]
            for i, (_, intercept, _) in enumerate(results):
                standard[i] = intercept
        elif self.average > 0:
            # the standard intercept is kept for the next call once averaging
            # runs too (scikit-learn keeps it only before: each later
            # partial_fit restarted the standard intercept from zero)
            self._standard_intercept = np.atleast_1d(results[0][1])
        else:
            coef, intercept, _ = results[0]
            return n_iter, (coef.reshape(1, -1), intercept), None
        coef, intercept, average_coef, average_intercept = self._model_arrays()
        if binary:
            coef, average_coef = coef.reshape(1, -1), average_coef.reshape(1, -1)
        return n_iter, (coef, intercept), (average_coef, average_intercept)

    def _fit_binary_problem(self, call, i, weights, random_state, mask=None):
        """Class ``i`` against the rest (scikit-learn's ``fit_binary``), with
        the weights of the positive and the negative rows."""
        binary = len(self.classes_) == 2
        k = 0 if binary else i  # the problem, and its row of the model
        y_i = self._binary_targets(call.y, i, call.X.dtype)
        y_val = None
        if call.validation is not None:
            y_val = self._binary_targets(call.validation[1], i, call.X.dtype)
        coef, intercept, average_coef, average_intercept = self._model_arrays()
        if not binary:
            coef = coef[i]
            average_coef = None if average_coef is None else average_coef[i]
        model = (coef, float(intercept[k]), average_coef, float(average_intercept[k]))
        random_state = check_random_state(random_state)
        # the dataset's own seed, drawn first as scikit-learn does
        random_state.randint(1, np.iinfo(np.int32).max)
        if mask is None:
            mask = self._problem_split(call, self._hard(call.y, y_i, i))
        intercept, average_intercept, n_iter = self._run_problem(
            call, k, y_i, model, random_state.randint(MAX_INT), mask, y_val,
            weight_pos=weights[0], weight_neg=weights[1],
        )  # fmt: skip
        if self.average:
            self._average_intercept[k] = average_intercept
        return coef, intercept, n_iter

    def _fit_multinomial(self, call):
        """All classes jointly: the softmax cross-entropy model."""
        mask = self._problem_split(call, self._hard(call.y))
        seed = check_random_state(self.random_state).randint(MAX_INT)
        if call.y.ndim == 2:  # soft labels: the class probabilities
            labels = call.y
        else:
            labels = np.searchsorted(self.classes_, call.y).astype(call.X.dtype)
        y_val = None
        if call.validation is not None:
            y_val = np.searchsorted(self.classes_, call.validation[1])
            y_val = y_val.astype(call.X.dtype)
        coef, intercept, average_coef, average_intercept = self._model_arrays()
        intercept_out, average_out, n_iter = self._run_problem(
            call, 0, labels, (coef, intercept, average_coef, average_intercept),
            seed, mask, y_val, class_weights=self._expanded_class_weight,
        )  # fmt: skip
        intercept[:] = intercept_out
        if self.average > 0:
            average_intercept[:] = average_out
        return n_iter, (coef, intercept), (average_coef, average_intercept)

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
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Subset of the target values: class labels, or (skgd, with
            ``multi_class='multinomial'``) soft labels, a probability per
            class in each row.
        classes : ndarray of shape (n_classes,), default=None
            All the classes. Required on the first call; later calls may
            omit it. With soft labels, one per column of ``y``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples, multiplied with the class
            weights; uniform when None.

        Returns
        -------
        self : object
            The classifier, fitted one more epoch on each of its problems.
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
        return self._partial_fit(X, y, sample_weight, classes=classes)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self, X, y, coef_init=None, intercept_init=None, sample_weight=None, *,
        X_val=None, y_val=None, sample_weight_val=None,
    ):  # fmt: skip
        """Fit the linear classifier by gradient descent.

        One binary problem per class (one-vs-rest; a single one for two
        classes), or all classes jointly with ``multi_class='multinomial'``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Target values: the class labels; or, with
            ``multi_class='multinomial'`` (skgd), soft labels: a probability
            per class in each row (non-negative, summing to 1), the classes
            then ``range(n_classes)``.
        coef_init : ndarray of shape (n_classes, n_features), default=None
            The initial coefficients to warm-start the optimization.
        intercept_init : ndarray of shape (n_classes,), default=None
            The initial intercept to warm-start the optimization.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights applied to individual samples; multiplied with the class
            weights when ``class_weight`` is given.
        %(fit_validation)s

        Returns
        -------
        self : object
            Returns an instance of self.
        """
        return self._fit(
            X, y, coef_init, intercept_init, sample_weight,
            validation=(X_val, y_val, sample_weight_val),
        )  # fmt: skip

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
            The samples, as for :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            The log-probability of each class, in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))
