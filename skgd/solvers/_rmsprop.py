"""RMSProp: per-coordinate rates from a moving average of squared gradients."""

import math
from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, POSITIVE, Solver


class RMSPropState(NamedTuple):
    """Moving average of squared gradients, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    mean_sq : ndarray of shape (n_coef,)
        The moving average of the squared gradients of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import RMSProp
    >>> RMSProp().init_state(2, np.float64)
    RMSPropState(step=array([0]), mean_sq=array([0., 0.]))
    """

    step: np.ndarray
    mean_sq: np.ndarray


class RMSProp(Solver):
    """RMSProp (Tieleman and Hinton, 2012).

    For each update with gradient ``g``::

        E = rho * E + (1 - rho) * g**2
        direction = g / (sqrt(E) + epsilon)

    Parameters
    ----------
    rho : float, default=0.9
        Decay of the moving average, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch.  A column with zero gradient does not move and
        its ``E`` decays by ``rho`` per step; that decay is applied when the
        column is next touched (and at the end of each epoch), so without an
        L2 penalty this is exact.  With ``penalty="l2"`` or ``"elasticnet"``
        the columns absent from a batch skip their L2 gradient for that step.
        ``False`` updates every column at every step, exactly as on dense
        input, at O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import RMSProp
    >>> GDRegressor(solver=RMSProp(rho=0.99), eta0=0.001)
    GDRegressor(eta0=0.001, solver=RMSProp(rho=0.99))
    """

    names = {"rmsprop": {}}
    base_rate = 0.01
    state = ("mean_sq",)
    State = RMSPropState
    lazy_decay = "rho"

    _parameter_constraints: dict = {
        "rho": DECAY,
        "epsilon": POSITIVE,
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, rho=0.9, epsilon=1e-8, lazy="auto", decoupled_weight_decay=False
    ):
        self.rho = rho
        self.epsilon = epsilon
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def rule(g, mean_sq, rho):
        mean = rho * mean_sq + (1.0 - rho) * g * g
        return g, mean, mean

    @staticmethod
    def finish(g, mean, epsilon):
        return g / (math.sqrt(mean) + epsilon)

    def update(self, grad, state):
        e = state.mean_sq
        e *= self.rho
        e += (1.0 - self.rho) * grad * grad
        state.step[0] += 1
        return grad / (np.sqrt(e) + self.epsilon), state
