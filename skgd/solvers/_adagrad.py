"""AdaGrad: per-coordinate rates from the sum of squared gradients."""

import math
from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import Interval

from skgd.solvers._base import DECOUPLED, LAZY, POSITIVE, Solver


class AdaGradState(NamedTuple):
    """Sum of squared gradients of every parameter, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    sum_sq : ndarray of shape (n_coef,)
        The sum of the squared gradients of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import AdaGrad
    >>> AdaGrad(initial_accumulator_value=0.1).init_state(2, np.float64)
    AdaGradState(step=array([0]), sum_sq=array([0.1, 0.1]))
    """

    step: np.ndarray
    sum_sq: np.ndarray


class AdaGrad(Solver):
    """AdaGrad (Duchi, Hazan and Singer, 2011).

    For each update with gradient ``g``::

        G = G + g**2
        direction = g / (sqrt(G) + epsilon)

    Parameters
    ----------
    epsilon : float, default=1e-10
        Added to the denominator for numerical stability.
    initial_accumulator_value : float, default=0.0
        Starting value of ``G``.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch.  A column with zero gradient neither moves nor
        changes its ``G``, so without an L2 penalty this is exact; with
        ``penalty="l2"`` or ``"elasticnet"`` the columns absent from a batch
        skip their L2 gradient for that step.  ``False`` updates every column
        at every step, exactly as on dense input, at O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import AdaGrad
    >>> GDRegressor(solver=AdaGrad(epsilon=1e-8), eta0=0.1)
    GDRegressor(eta0=0.1, solver=AdaGrad(epsilon=1e-08))
    """

    names = {"adagrad": {}}
    base_rate = 0.1
    state = ("sum_sq",)
    State = AdaGradState

    _parameter_constraints: dict = {
        "epsilon": POSITIVE,
        "initial_accumulator_value": [Interval(Real, 0, None, closed="left")],
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, epsilon=1e-10, initial_accumulator_value=0.0, lazy="auto",
        decoupled_weight_decay=False,
    ):  # fmt: skip
        self.epsilon = epsilon
        self.initial_accumulator_value = initial_accumulator_value
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    def init_state(self, n_coef, dtype):
        return AdaGradState(
            step=np.zeros(1, dtype=np.int64),
            sum_sq=np.full(n_coef, self.initial_accumulator_value, dtype=dtype),
        )

    @staticmethod
    def rule(g, sum_sq):
        total = sum_sq + g * g
        return g, total, total

    @staticmethod
    def finish(g, total, epsilon):
        return g / (math.sqrt(total) + epsilon)

    def update(self, grad, state):
        state.sum_sq[:] += grad * grad
        state.step[0] += 1
        return grad / (np.sqrt(state.sum_sq) + self.epsilon), state
