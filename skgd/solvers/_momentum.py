"""Heavy-ball momentum and Nesterov's accelerated gradient."""

from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, Solver


class MomentumState(NamedTuple):
    """Velocity of every parameter, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    velocity : ndarray of shape (n_coef,)
        The velocity of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import Momentum
    >>> Momentum().init_state(2, np.float64)
    MomentumState(step=array([0]), velocity=array([0., 0.]))
    """

    step: np.ndarray
    velocity: np.ndarray


class Momentum(Solver):
    """Gradient descent with momentum (Polyak), or Nesterov's variant.

    For each update with gradient ``g``::

        v = momentum * v + g
        direction = v                      # nesterov=False
        direction = g + momentum * v       # nesterov=True

    the convention of PyTorch's ``SGD(momentum=..., nesterov=...)``.

    Parameters
    ----------
    momentum : float, default=0.9
        Decay of the velocity, in [0, 1).
    nesterov : bool, default=False
        Use Nesterov's look-ahead form.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch (velocity and weight of the other columns stay
        as they are); ``False`` updates every column at every step, exactly
        as on dense input, at O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient (SGDW, Loshchilov and Hutter, 2019).

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Momentum
    >>> GDRegressor(solver=Momentum(momentum=0.8, nesterov=True))
    GDRegressor(solver=Momentum(momentum=0.8, nesterov=True))
    """

    names = {"momentum": {}, "nesterov": {"nesterov": True}}
    state = ("velocity",)
    State = MomentumState

    _parameter_constraints: dict = {
        "momentum": DECAY,
        "nesterov": ["boolean"],
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, momentum=0.9, nesterov=False, lazy="auto", decoupled_weight_decay=False
    ):
        self.momentum = momentum
        self.nesterov = nesterov
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def rule(g, velocity, momentum, nesterov):
        v = momentum * velocity + g
        return (g + momentum * v if nesterov != 0.0 else v), v

    def _velocity_gain(self):
        return 1.0 / (1.0 - self.momentum)

    def update(self, grad, state):
        v = state.velocity
        v *= self.momentum
        v += grad
        state.step[0] += 1
        if self.nesterov:
            return grad + self.momentum * v, state
        return v.copy(), state
