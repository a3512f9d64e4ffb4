"""Heavy-ball momentum and Nesterov's accelerated gradient."""

from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, LAZY, Solver


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

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Momentum
    >>> GDRegressor(solver=Momentum(momentum=0.8, nesterov=True))
    GDRegressor(solver=Momentum(momentum=0.8, nesterov=True))
    """

    _code = 1

    _parameter_constraints: dict = {
        "momentum": DECAY,
        "nesterov": ["boolean"],
        "lazy": LAZY,
    }

    def __init__(self, momentum=0.9, nesterov=False, lazy="auto"):
        self.momentum = momentum
        self.nesterov = nesterov
        self.lazy = lazy

    def init_state(self, n_coef, dtype):
        return MomentumState(
            step=np.zeros(1, dtype=np.int64), velocity=np.zeros(n_coef, dtype=dtype)
        )

    def update(self, grad, state):
        v = state.velocity
        v *= self.momentum
        v += grad
        state.step[0] += 1
        if self.nesterov:
            return grad + self.momentum * v, state
        return v.copy(), state

    def _kernel_params(self):
        hp = np.zeros(4, dtype=np.float64)
        hp[0] = self.momentum
        hp[1] = float(bool(self.nesterov))
        return self._code, hp
