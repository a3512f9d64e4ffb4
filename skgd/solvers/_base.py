"""The solver protocol: how a gradient becomes a step."""

from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

#: a decay factor, in [0, 1)
DECAY = [Interval(Real, 0, 1, closed="left")]
#: a positive float
POSITIVE = [Interval(Real, 0, None, closed="neither")]
#: the ``lazy`` option of the solvers' sparse updates
LAZY = [StrOptions({"auto"}), "boolean"]


class SolverState(NamedTuple):
    """State of a solver with no memory but its update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import SGD
    >>> SGD().init_state(3, np.float64)
    SolverState(step=array([0]))
    """

    step: np.ndarray


class Solver(BaseEstimator):
    """Base class of the solvers: turn a gradient into a direction.

    A solver holds hyperparameters only (it clones, pickles and takes part in
    grid searches like any scikit-learn estimator).  What it remembers
    between updates lives in a state object that :meth:`init_state` creates
    and the estimator keeps in its fitted attribute ``solver_state_``, so
    ``partial_fit`` and ``warm_start`` resume with that memory intact.

    The estimator applies one update as::

        direction, state = solver.update(gradient, state)
        params -= eta * direction

    where ``params`` and ``gradient`` are vectors of ``n_features + 1``
    entries (the coefficients, then the intercept; the gradient already holds
    the L2 part of the penalty and has been clipped), and ``eta`` is the
    learning rate of the schedule.

    To write your own solver, subclass :class:`Solver` and implement
    :meth:`init_state` and :meth:`update` with numpy.  Built-in solvers run in
    compiled loops; a user-defined one runs on a slower Python path that
    takes one batch at a time (with ``batch_size=1`` that is one Python call
    per sample: use mini-batches).

    Examples
    --------
    >>> import numpy as np
    >>> from typing import NamedTuple
    >>> from skgd.solvers import Solver
    >>> class SignState(NamedTuple):
    ...     step: np.ndarray
    >>> class SignSGD(Solver):
    ...     '''Step along the sign of the gradient.'''
    ...     def init_state(self, n_coef, dtype):
    ...         return SignState(step=np.zeros(1, dtype=np.int64))
    ...     def update(self, grad, state):
    ...         state.step[0] += 1
    ...         return np.sign(grad), state
    >>> from skgd import GDRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([1.0, 3.0, 5.0, 7.0])
    >>> reg = GDRegressor(solver=SignSGD(), batch_size="full", eta0=0.01,
    ...                   learning_rate="constant", penalty=None, tol=None,
    ...                   max_iter=500).fit(X, y)
    >>> reg.predict([[4.0]]).round()
    array([9.])
    """

    #: code of the compiled implementation; ``None`` for the Python path
    _code = None

    #: the hyperparameters' constraints, checked when an estimator fits
    #: (scikit-learn's ``_parameter_constraints``); a subclass lists its own
    _parameter_constraints: dict = {}

    def init_state(self, n_coef, dtype):
        """Create the solver's state for ``n_coef`` parameters.

        Parameters
        ----------
        n_coef : int
            Number of parameters (``n_features + 1``).
        dtype : numpy dtype
            The dtype of the coefficients.

        Returns
        -------
        state : NamedTuple of ndarrays
            Must have a field ``step``: an int64 array of shape (1,) counting
            the updates made so far.
        """
        return SolverState(step=np.zeros(1, dtype=np.int64))

    def update(self, grad, state):
        """Direction of one update.

        Parameters
        ----------
        grad : ndarray of shape (n_coef,)
            The (clipped) gradient of the batch objective.
        state : NamedTuple
            The state created by :meth:`init_state`; it may be updated in
            place and returned.

        Returns
        -------
        direction : ndarray of shape (n_coef,)
            The parameters move by ``-eta * direction``.
        state : NamedTuple
            The state after this update, with ``step`` incremented.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement update(grad, state)."
        )

    def _resolve_lazy(self, sparse):
        """Whether sparse updates touch only the batch's columns."""
        lazy = getattr(self, "lazy", False)
        if lazy == "auto":
            return bool(sparse)
        return bool(lazy) and bool(sparse)

    def _kernel_params(self):
        """(code, hyperparameter vector) for the compiled kernel."""
        return self._code, np.zeros(4, dtype=np.float64)

    def _decoupled_weight_decay(self):
        return False
