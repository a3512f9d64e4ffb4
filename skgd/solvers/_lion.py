"""Lion: the sign of an interpolation of the momentum and the gradient."""

from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, Solver


class LionState(NamedTuple):
    """Momentum of every parameter, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    m : ndarray of shape (n_coef,)
        The momentum (moving average of the gradients, decay ``beta_2``) of
        each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import Lion
    >>> Lion().init_state(2, np.float64)
    LionState(step=array([0]), m=array([0., 0.]))
    """

    step: np.ndarray
    m: np.ndarray


class Lion(Solver):
    """Lion, EvoLved Sign Momentum (Chen et al., 2023).

    For each update with gradient ``g``::

        c = beta_1 * m + (1 - beta_1) * g
        direction = sign(c)
        m = beta_2 * m + (1 - beta_2) * g

    with ``sign(0) = 0`` (a coordinate whose interpolation is exactly zero
    does not move).  Every coordinate moves by exactly ``eta`` per update
    (or not at all), whatever the scale of its gradient, so the rate
    ``eta0`` is the size of the step itself: the paper advises a rate 3 to
    10 times smaller than Adam's, and a weight decay 3 to 10 times larger.

    This is Algorithm 2 of X. Chen et al., "Symbolic Discovery of
    Optimization Algorithms", NeurIPS 2023, with the conventions of its
    reference implementations (``optax.lion``, the ``lion-pytorch``
    package; PyTorch itself has no Lion): the weight decay is decoupled,
    ``w = w * (1 - eta * alpha * (1 - l1_ratio))`` before the step.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Weight of the momentum in the interpolation whose sign is the
        direction, in [0, 1).
    beta_2 : float, default=0.99
        Decay of the momentum, in [0, 1).
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch, in the manner of PyTorch's ``SparseAdam``: a
        column absent from a batch keeps its weight (no step, no weight
        decay) and its momentum.  This is not the dense update, under which
        such a column still moves by ``eta * sign(m)`` and its momentum
        decays by ``beta_2``.  ``False``
        gives the exact dense update on sparse input, at O(n_features) per
        step.
    decoupled_weight_decay : bool, default=True
        Apply the L2 part of the penalty as decoupled weight decay, as the
        paper defines Lion.  ``False`` adds it to the gradient instead, where
        the sign then discards its magnitude.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Lion
    >>> GDRegressor(solver=Lion(beta_2=0.98), batch_size=32, eta0=0.001)
    GDRegressor(batch_size=32, eta0=0.001, solver=Lion(beta_2=0.98))
    """

    names = {"lion": {}}
    base_rate = 0.001
    state = ("m",)
    State = LionState

    _parameter_constraints: dict = {
        "beta_1": DECAY,
        "beta_2": DECAY,
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, beta_1=0.9, beta_2=0.99, lazy="auto", decoupled_weight_decay=True
    ):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def rule(g, m, beta_1, beta_2):
        c = beta_1 * m + (1.0 - beta_1) * g
        return np.sign(c), beta_2 * m + (1.0 - beta_2) * g

    def update(self, grad, state):
        b1, b2 = self.beta_1, self.beta_2
        direction = np.sign(b1 * state.m + (1.0 - b1) * grad)
        state.m[:] = b2 * state.m + (1.0 - b2) * grad
        state.step[0] += 1
        return direction, state
