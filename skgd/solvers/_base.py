"""The solver protocol: how a gradient becomes a step."""

import copy
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
#: the ``decoupled_weight_decay`` option every built-in solver has
DECOUPLED = ["boolean"]

#: the solvers by name: name -> (class, constructor parameters); a solver
#: class registers the names of its ``names`` attribute when it is defined
REGISTRY = {}


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


def _state_class(cls):
    """A NamedTuple ``cls.State`` of fields ``step`` and ``cls.state``, kept
    on the class (so that the fitted state pickles with the solver)."""
    fields = [("step", np.ndarray)] + [(name, np.ndarray) for name in cls.state]
    state = NamedTuple(f"{cls.__name__}State", fields)
    state.__qualname__ = f"{cls.__qualname__}.State"
    state.__module__ = cls.__module__
    state.__doc__ = (
        f"The state of {cls.__name__}: the update count ``step`` and the "
        f"vectors {', '.join(cls.state)}."
    )
    return state


class Solver(BaseEstimator):
    """Base class of the solvers: turn a gradient into a direction.

    A solver holds hyperparameters only (it clones, pickles and takes part in
    grid searches like any scikit-learn estimator, and its
    ``_parameter_constraints`` are checked when the estimator fits).  What
    it remembers between updates lives in a state object that
    :meth:`init_state` creates and the estimator keeps in its fitted
    attribute ``solver_state_``, so ``partial_fit`` and ``warm_start``
    resume with that memory intact.

    The estimator applies one update as::

        direction, state = solver.update(gradient, state)
        params = params * decay - eta * direction

    where ``params`` and ``gradient`` are vectors of ``n_features + 1``
    entries (the coefficients, then the intercept; the gradient already holds
    the L2 part of the penalty and has been clipped), ``eta`` is the rate of
    the schedule and ``decay`` is 1, or ``1 - eta * alpha * (1 - l1_ratio)``
    with ``decoupled_weight_decay=True`` (the L2 part of the penalty then
    leaves the gradient).

    **A compiled solver** writes its rule for one coordinate as a static
    method of plain numeric Python (arithmetic, comparisons, ``math`` and
    ``np`` functions of floats), which skgd compiles into its kernels on the
    first fit and caches on disk:

    - ``state``: the names of the per-coordinate state vectors;
    - ``rule(g, *state, *names)``: the gradient ``g`` of one coordinate and
      its state values in, ``(direction, *new_state)`` out.  Every other
      parameter is a hyperparameter (a constructor parameter, as a float),
      a value of ``prepared``, or ``w`` and ``eta``: the coordinate's value
      before the update and the update's rate (the compiled kernels' only:
      a solver whose rule reads them defines its own :meth:`update`);
    - optionally ``prepared`` (names) and ``prepare(*names)``, computed once
      per update from hyperparameters and ``t``, the update's number;
      ``begin(t0, *hyperparameters)`` starts what ``prepare`` carries from
      update to update (then ``prepare(*carried, *names)`` returns
      ``(carried, prepared)``);
    - optionally ``finish(a, b, *names)``: the rule then returns
      ``(a, b, *new_state)`` and the direction is ``finish(a, b, ...)``, for
      the kernels to take the square roots and divisions of many coordinates
      at once (the adaptive solvers);
    - optionally ``lazy_decay``: the hyperparameter by which the state of a
      coordinate decays per update that skips it (RMSProp's ``rho``), so
      that lazy sparse updates catch it up exactly.
    - optionally ``proximal(w, eta, *names)``: the solver owns the penalty
      (proximal methods: FTRL-Proximal, SAGA, ISTA).  The update order then
      adds no L2 term to the gradient, decays nothing and truncates nothing;
      instead every coefficient, after its step ``w - eta * direction``,
      becomes ``proximal(w, eta, ...)``, which may also read the
      coordinate's state vectors by name (after the rule).  Any function
      of the protocol may
      read the penalty's strengths by the names ``l1`` (``alpha *
      l1_ratio``) and ``l2`` (``alpha * (1 - l1_ratio)``), each 0 when the
      penalty has no such part.  The intercept is not penalized.
    - ``row_state``: the names of state vectors kept per training row and
      output rather than per coordinate (SAGA's stored loss derivatives).
      Such a solver's steps depend on the row, not on a gradient alone: it
      brings its own compiled pass over the rows, ``row_pass`` (a tuple of
      plain functions of its file, the last one the pass ``(rows, targets,
      model, objective, control, scratch) -> (sum of weighted losses, sum of
      objective terms, updates)``; skgd compiles them into a module of their
      own, as it does a rule), the hyperparameters of the pass from the data
      (``row_hyper(config, data, row_weight)``), and ``init_state(n_coef,
      dtype, n_rows, n_out)``.  It owns the penalty (the pass reads it in
      ``objective``).  The driver runs its epochs (shuffling, stopping,
      callbacks) like any other's, and its state, row vectors included, is
      kept in ``solver_state_``.
    - optionally ``check_fit(config)``: raise a ValueError for a fit the
      solver cannot run (a batch size, a loss, ...), before the fit starts;
      ``config`` is the fit's configuration (``skgd._config.FitConfig``:
      ``loss``, ``batch_size``, ``clip_norm``, ``clip_value``, ``average``,
      ``penalty``, ...).
    - ``uses_schedule``: False for a solver whose step is its own (SAGA):
      the estimator's ``learning_rate``, ``eta0`` and ``power_t`` are then
      ignored.

    Rule, state vectors and the hooks are the whole of a compiled solver:
    the update order (gradient, L2, clipping, step, L1, averaging), the
    batch sizes, sparse input and both dtypes come from the kernels.

    The numpy :meth:`update` then follows from the rule.  A solver that
    defines only :meth:`update` (and :meth:`init_state` when its state is
    not ``state``'s vectors) runs on the numpy path, one Python call per
    batch; so does one whose rule numba cannot compile, with a warning that
    names the line.  See :doc:`/custom_solver`.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Solver
    >>> class SignSGD(Solver):
    ...     '''Step along the sign of the gradient, scaled by ``size``.'''
    ...     def __init__(self, size=1.0):
    ...         self.size = size
    ...     @staticmethod
    ...     def rule(g, size):
    ...         return (size * math.copysign(1.0, g) if g != 0.0 else 0.0,)
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([1.0, 3.0, 5.0, 7.0])
    >>> reg = GDRegressor(solver=SignSGD(), batch_size="full", eta0=0.01,
    ...                   learning_rate="constant", penalty=None, tol=None,
    ...                   max_iter=500).fit(X, y)
    >>> reg.predict([[4.0]]).round()
    array([9.])
    """

    #: the names of the per-coordinate state vectors, in the rule's order
    state = ()
    #: the values ``prepare`` computes once per update, in its order
    prepared = ()
    #: the hyperparameter by which the state decays per skipped update
    lazy_decay = None
    #: the names of state vectors kept per training row and output; such a
    #: solver runs its own compiled pass over the rows, ``row_pass``
    row_state = ()
    #: the plain functions of a row-state solver's compiled pass, the pass last
    row_pass = ()
    #: whether the estimator's schedule (learning_rate, eta0, power_t) sets
    #: the step
    uses_schedule = True
    #: the rate ``eta0="auto"`` gives this solver: None for a solver whose
    #: step is the rate times the gradient (the rate is then the inverse of
    #: the curvature of a batch's gradient, read off the data), or a float
    #: for one whose steps have a size of their own (the adaptive solvers:
    #: each coordinate moves by about the rate), the rate for one row a
    #: batch and targets of unit scale (see the user guide, "Defaults that
    #: converge")
    base_rate = None
    #: the names this class registers: name -> constructor parameters
    names = {}
    #: the type of the state ``init_state`` creates
    State = SolverState
    #: the direction is the gradient (plain gradient descent): its sparse
    #: steps keep the L2 decay in a running scale, and at batch size one it
    #: is scikit-learn's per-sample algorithm
    _plain = False

    #: the hyperparameters' constraints, checked when an estimator fits
    #: (scikit-learn's ``_parameter_constraints``); a subclass lists its own
    _parameter_constraints: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "state" in cls.__dict__ and "State" not in cls.__dict__ and cls.state:
            cls.State = _state_class(cls)
        for name, params in cls.__dict__.get("names", {}).items():
            REGISTRY[name] = (cls, params)

    @staticmethod
    def rule(g, *values):
        """The solver's rule for one coordinate (the compiled protocol).

        Plain numeric Python on floats: arithmetic, comparisons and the
        functions of ``math`` and ``np``; no other global name.

        Parameters
        ----------
        g : float
            The coordinate's gradient (clipped, the coupled L2 part of the
            penalty included).
        *values : float
            The coordinate's entries of the state vectors, in the order of
            ``state``; then, by name, hyperparameters (constructor
            parameters) and values of ``prepared``.

        Returns
        -------
        result : tuple of float
            ``(direction, *new_state)``; with ``finish``, ``(a, b,
            *new_state)``.
        """
        raise NotImplementedError

    @staticmethod
    def finish(a, b, *values):
        """The direction from the rule's two intermediates (optional).

        Parameters
        ----------
        a, b : float
            The first two values the rule returned.
        *values : float
            Hyperparameters and values of ``prepared``, by name.

        Returns
        -------
        direction : float
            The coordinate moves by ``-eta * direction``.
        """
        raise NotImplementedError

    @staticmethod
    def begin(t0, *values):
        """What ``prepare`` carries from update to update (optional).

        Its values at the start of a pass, after ``t0`` updates.

        Parameters
        ----------
        t0 : float
            The number of updates made so far.
        *values : float
            Hyperparameters, by name.

        Returns
        -------
        carried : tuple of float
            The starting values of what ``prepare`` names first.
        """
        raise NotImplementedError

    @staticmethod
    def prepare(*values):
        """The values of ``prepared``, once per update (optional).

        Parameters
        ----------
        *values : float
            What ``begin`` started (by name, first), then ``t`` (the update's
            number) and hyperparameters, by name.

        Returns
        -------
        prepared : tuple of float
            The values of ``prepared``; with ``begin``, ``(carried,
            prepared)``.
        """
        raise NotImplementedError

    @staticmethod
    def proximal(w, eta, *values):
        """The solver's proximal step: it owns the penalty (optional).

        Parameters
        ----------
        w : float
            A coefficient after its step ``w - eta * direction``.
        eta : float
            The rate of the step.
        *values : float
            Hyperparameters, values of ``prepared`` and the penalty's
            strengths ``l1`` and ``l2``, by name.

        Returns
        -------
        w : float
            The coefficient after the proximal step of the penalty.
        """
        raise NotImplementedError

    def check_fit(self, config):
        """Raise a ValueError for a fit the solver cannot run (optional).

        The base accepts every fit configuration.

        Parameters
        ----------
        config : skgd._config.FitConfig
            The fit's configuration.
        """

    def row_hyper(self, config, data, row_weight):
        """The hyperparameters of a row-state solver's pass for this fit.

        Parameters
        ----------
        config : skgd._config.FitConfig
            The fit's configuration.
        data : skgd._paths.EpochData
            The epoch's data: ``X``, ``validation_mask``, ``softmax``, ...
        row_weight : ndarray of shape (n_samples,)
            The weight of each row in the loss (sample times class weight).

        Returns
        -------
        hyper : tuple of float
            The pass reads them as ``model.hp``.
        """
        return ()

    @classmethod
    def _own(cls, name):
        """The protocol function ``name`` of this class, or None when it
        keeps the base's placeholder."""
        for klass in cls.__mro__:
            if name in klass.__dict__:
                if klass is Solver:
                    return None
                func = klass.__dict__[name]
                return getattr(func, "__func__", func)
        return None

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
            the updates made so far; then one vector of ``n_coef`` entries
            per name of ``state``, zeros.
        """
        vectors = [np.zeros(n_coef, dtype=dtype) for _ in self.state]
        return self.State(np.zeros(1, dtype=np.int64), *vectors)

    def update(self, grad, state):
        """Direction of one update.

        The numpy counterpart of the compiled rule: the rule applied to every
        coordinate (to whole arrays when its arithmetic allows, else one
        coordinate at a time).

        Parameters
        ----------
        grad : ndarray of shape (n_coef,)
            The (clipped) gradient of the batch objective.
        state : NamedTuple
            The state created by :meth:`init_state`; it is updated in place
            and returned.

        Returns
        -------
        direction : ndarray of shape (n_coef,)
            The parameters move by ``-eta * direction``.
        state : NamedTuple
            The state after this update, with ``step`` incremented.
        """
        if type(self)._own("rule") is None:
            raise NotImplementedError(
                f"{type(self).__name__} must implement rule(g, ...) or "
                "update(grad, state)."
            )
        from skgd.solvers._numpy import apply_rule

        return apply_rule(self, grad, state)

    def _auto_hyper(self, batch_size):
        """The values of the solver's ``"auto"`` hyperparameters for a fit
        with batches of ``batch_size`` rows (an int or ``"full"``), by name
        (none by default)."""
        return {}

    def _resolved(self, batch_size):
        """The solver a fit with batches of ``batch_size`` rows runs: a copy
        with its ``"auto"`` hyperparameters resolved (``_auto_hyper``), or
        the solver itself when it has none (the user's object is never
        changed)."""
        values = self._auto_hyper(batch_size)
        if not values:
            return self
        resolved = copy.copy(self)
        for name, value in values.items():
            setattr(resolved, name, value)
        return resolved

    def _resolve_lazy(self, sparse):
        """Whether sparse updates touch only the batch's columns."""
        lazy = getattr(self, "lazy", False)
        if lazy == "auto":
            return bool(sparse)
        return bool(lazy) and bool(sparse)

    def _velocity_gain(self):
        """How many times a steady gradient the solver's direction grows to
        (``1 / (1 - momentum)`` for a momentum solver, else 1): the rate
        ``eta0="auto"`` gives stochastic batches is divided by it."""
        return 1.0

    def _decoupled(self):
        """Whether the L2 part of the penalty is decoupled weight decay."""
        return bool(getattr(self, "decoupled_weight_decay", False))

    def _skip_decay(self):
        """The decay of the state per update that skips a coordinate."""
        if self.lazy_decay is None:
            return 1.0
        return float(getattr(self, self.lazy_decay))
