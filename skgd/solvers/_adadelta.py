"""Adadelta: steps in the units of the parameters, from two moving averages."""

import math
from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, POSITIVE, Solver


class AdadeltaState(NamedTuple):
    """Moving averages of squared gradients and steps, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    mean_sq : ndarray of shape (n_coef,)
        The moving average of the squared gradients of each parameter.
    mean_sq_delta : ndarray of shape (n_coef,)
        The moving average of the squared directions of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import Adadelta
    >>> Adadelta().init_state(1, np.float64)
    AdadeltaState(step=array([0]), mean_sq=array([0.]), mean_sq_delta=array([0.]))
    """

    step: np.ndarray
    mean_sq: np.ndarray
    mean_sq_delta: np.ndarray


class Adadelta(Solver):
    """Adadelta (Zeiler, 2012).

    For each update with gradient ``g``::

        E_g2 = rho * E_g2 + (1 - rho) * g**2
        delta = sqrt(E_dx2 + epsilon) / sqrt(E_g2 + epsilon) * g
        E_dx2 = rho * E_dx2 + (1 - rho) * delta**2
        direction = delta

    Algorithm 1 of M. D. Zeiler, "ADADELTA: An Adaptive Learning Rate
    Method", arXiv:1212.5701, 2012, in the form of PyTorch's
    ``torch.optim.Adadelta``.  The paper's method has no rate: its step is
    ``delta`` itself.  As in PyTorch, the estimator's step is ``eta *
    delta``, so ``eta0=1.0, learning_rate="constant"`` (PyTorch's default
    ``lr=1.0``) is the paper's method; the estimator's default
    ``learning_rate="invscaling"`` decays it further.  The steps start at
    about ``sqrt(epsilon)`` per coordinate and grow as ``E_dx2`` builds up.

    Parameters
    ----------
    rho : float, default=0.9
        Decay of both moving averages, in [0, 1).
    epsilon : float, default=1e-6
        Added to both moving averages under their square roots: the scale of
        the first steps as well as a guard against division by zero.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch.  A column with zero gradient does not move, and
        both its averages decay by ``rho`` per step; that decay is applied
        when the column is next touched (and at the end of each epoch), so
        without an L2 penalty this is exact.  With ``penalty="l2"`` or
        ``"elasticnet"`` the columns absent from a batch skip their L2
        gradient (or their decoupled decay) for that step.  ``False``
        updates every column at every step, exactly as on dense input, at
        O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Adadelta
    >>> GDRegressor(solver=Adadelta(rho=0.95), eta0=1.0, learning_rate="constant")
    GDRegressor(eta0=1.0, learning_rate='constant', solver=Adadelta(rho=0.95))
    """

    names = {"adadelta": {}}
    base_rate = 1.0
    state = ("mean_sq", "mean_sq_delta")
    State = AdadeltaState
    lazy_decay = "rho"

    _parameter_constraints: dict = {
        "rho": DECAY,
        "epsilon": POSITIVE,
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, rho=0.9, epsilon=1e-6, lazy="auto", decoupled_weight_decay=False
    ):
        self.rho = rho
        self.epsilon = epsilon
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def rule(g, mean_sq, mean_sq_delta, rho, epsilon):
        mean = rho * mean_sq + (1.0 - rho) * g * g
        delta = math.sqrt(mean_sq_delta + epsilon) / math.sqrt(mean + epsilon) * g
        return delta, mean, rho * mean_sq_delta + (1.0 - rho) * delta * delta

    def update(self, grad, state):
        rho, eps = self.rho, self.epsilon
        state.mean_sq[:] = rho * state.mean_sq + (1.0 - rho) * grad * grad
        delta = np.sqrt(state.mean_sq_delta + eps) / np.sqrt(state.mean_sq + eps) * grad
        state.mean_sq_delta[:] = rho * state.mean_sq_delta + (1.0 - rho) * delta**2
        state.step[0] += 1
        return delta, state
