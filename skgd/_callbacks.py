"""scikit-learn's callback API (:mod:`sklearn.callback`) for the epoch driver.

A call to ``fit`` or ``partial_fit`` is the root task.  Its subtasks are the
epochs; a one-vs-rest classifier has one subtask per binary problem instead
(run in parallel with ``n_jobs``), each with one subtask per epoch.  At the
end of an epoch the callbacks see a copy of the estimator holding the model
as it stands (``coef_``, ``intercept_``, ``n_iter_``, ``t_``, ``loss_curve_``,
``validation_scores_``), and any of them may end that problem's training.
"""

import threading

import numpy as np

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # a scikit-learn without the callback API

    class CallbackSupportMixin:
        """The estimators take no callbacks: scikit-learn has no callback API."""


class FitTask:
    """The callback tasks of one call to ``fit`` or ``partial_fit``.

    Parameters
    ----------
    estimator : BaseGD
        The estimator being fitted, its parameters allocated.
    X : {ndarray, sparse matrix, DaskDesign} of shape (n_samples, n_features)
        The validated training data, passed to the hooks (the dask array of
        a ``skgd._dask.DaskDesign``).
    y : ndarray
        The validated targets, passed to the hooks.
    sample_weight : ndarray or None
        The sample weights as given by the caller, passed to the hooks as
        metadata when not None.
    task_name : str
        Name of the root task (``"fit"`` or ``"partial_fit"``).
    max_iter : int
        The most epochs each problem may run.
    problems : list of ProblemState
        The problems the call trains (one but for one-vs-rest).
    coef_shape : tuple of int
        The shape of the fitted ``coef_``.
    problem_names : list of str or None, default=None
        For one-vs-rest, the name of each binary problem's task; None when
        the epochs are the root's subtasks.
    """

    def __init__(
        self, estimator, X, y, sample_weight, task_name, max_iter, problems, *,
        coef_shape, problem_names=None,
    ):  # fmt: skip
        self.estimator = estimator
        if getattr(X, "_skgd_dask_design", False):
            X = X.array  # the hooks see the dask array, not skgd's wrapper
        self.X = X
        self.y = y
        self.metadata = (
            None if sample_weight is None else {"sample_weight": sample_weight}
        )
        self.problems = problems
        self.coef_shape = coef_shape
        self.dtype = X.dtype
        self.t_start = estimator.t_
        self.root = None
        self.contexts = []
        self.ovr = problem_names is not None
        if not hasattr(estimator, "_init_callback_context"):
            return
        ovr = self.ovr
        self.root = estimator._init_callback_context(
            task_name=task_name,
            max_subtasks=len(problem_names) if ovr else max_iter,
            sequential_subtasks=not ovr,
        )
        self.root.call_on_fit_task_begin(
            estimator=estimator, X=X, y=y, metadata=self.metadata
        )
        if not getattr(estimator, "_skl_callbacks", None):
            return
        if ovr:
            # created here, before the problems run in threads, as
            # scikit-learn's searches create their parallel subtasks
            self.contexts = [
                self.root.subcontext(task_name=name, task_id=i, max_subtasks=max_iter)
                for i, name in enumerate(problem_names)
            ]
            self._lock = threading.Lock()
            self._coef = np.array(estimator.coef_, dtype=self.dtype)
            self._intercept = np.array(estimator.intercept_, dtype=np.float64)
        else:
            self.contexts = [self.root]

    def epochs(self, i=0):
        """The epoch tasks of problem ``i``, or None without callbacks.

        Parameters
        ----------
        i : int, default=0
            Index of the problem.

        Returns
        -------
        epochs : EpochTasks or None
            What the epoch driver calls at each epoch's beginning and end.
        """
        if not self.contexts:
            return None
        return EpochTasks(self, i)

    def end(self):
        """End the root task, the estimator fitted."""
        if self.root is not None:
            self.root.call_on_fit_task_end(
                estimator=self.estimator,
                X=self.X,
                y=self.y,
                metadata=self.metadata,
                reconstruction_attributes={},
            )

    def _attributes(self, i, coef, intercept, n_epochs):
        """The fitted attributes of the estimator were the fit to stop with
        problem ``i`` at ``(coef, intercept)`` after ``n_epochs`` epochs."""
        if self.ovr:
            with self._lock:
                self._coef[i] = coef
                self._intercept[i] = intercept[0]
                coef = self._coef.copy()
                intercept = self._intercept.copy()
        else:
            coef = np.array(coef, dtype=self.dtype).reshape(self.coef_shape)
            intercept = np.array(intercept, dtype=np.float64)
        curves = [list(p.loss_curve) for p in self.problems]
        scores = [
            None if p.validation_scores is None else list(p.validation_scores)
            for p in self.problems
        ]
        single = len(self.problems) == 1
        return {
            "coef_": coef,
            "intercept_": intercept,
            "n_iter_": n_epochs,
            "t_": self.t_start + n_epochs * self.X.shape[0],
            "loss_curve_": curves[0] if single else curves,
            "validation_scores_": scores[0] if single else scores,
        }


class EpochTasks:
    """The epochs of one problem as subtasks of its callback context.

    Parameters
    ----------
    fit_task : FitTask
        The call's tasks.
    i : int
        Index of the problem.
    """

    def __init__(self, fit_task, i):
        self.fit_task = fit_task
        self.i = i
        self.context = fit_task.contexts[i]
        self.epoch = None
        self.n_epochs = 0
        self.model = None

    def _hook_arguments(self, model):
        task = self.fit_task
        n_epochs = self.n_epochs

        def attributes():
            coef, intercept = model(n_epochs)
            return task._attributes(self.i, coef, intercept, n_epochs)

        return dict(
            estimator=task.estimator,
            X=task.X,
            y=task.y,
            metadata=task.metadata,
            reconstruction_attributes=attributes,
        )

    def begin_problem(self):
        """Begin a one-vs-rest problem's task (a no-op for the others,
        whose task is the root)."""
        if self.fit_task.ovr:
            self.context.call_on_fit_task_begin(
                estimator=self.fit_task.estimator,
                X=self.fit_task.X,
                y=self.fit_task.y,
                metadata=self.fit_task.metadata,
            )

    def end_problem(self):
        """End a one-vs-rest problem's task, its training over.

        Its callbacks see the problem's final coefficients.  The problems
        are parallel tasks: a request to stop at this level is not acted on,
        as in scikit-learn's searches.
        """
        if self.fit_task.ovr:
            self.context.call_on_fit_task_end(**self._hook_arguments(self.model))

    def begin(self, model):
        """Begin an epoch.

        Parameters
        ----------
        model : callable
            Returns the problem's ``(coef, intercept)`` as they stand.
        """
        self.epoch = self.context.subcontext(task_name="epoch")
        self.epoch.call_on_fit_task_begin(**self._hook_arguments(model))

    def end(self, model):
        """End the epoch begun last.

        Parameters
        ----------
        model : callable
            Returns the problem's ``(coef, intercept)`` after the epoch.

        Returns
        -------
        stop : bool
            Whether a callback asks the problem's training to stop.
        """
        self.n_epochs += 1
        self.model = model
        return self.epoch.call_on_fit_task_end(**self._hook_arguments(model))
