"""Adam and AdamW."""

import math
from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, POSITIVE, Solver


class AdamState(NamedTuple):
    """First and second moment estimates, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far (``t`` of the bias correction).
    m : ndarray of shape (n_coef,)
        The first moment estimate of each parameter.
    v : ndarray of shape (n_coef,)
        The second moment estimate of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import Adam
    >>> Adam().init_state(2, np.float64)
    AdamState(step=array([0]), m=array([0., 0.]), v=array([0., 0.]))
    """

    step: np.ndarray
    m: np.ndarray
    v: np.ndarray


class Adam(Solver):
    """Adam (Kingma and Ba, 2015).

    For update number ``t`` with gradient ``g``::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        direction = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay of the first moment, in [0, 1).
    beta_2 : float, default=0.999
        Decay of the second moment, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.  This is the
        solver's own ``epsilon``, unrelated to the estimator's loss
        ``epsilon``.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` apply the lazy rule of
        PyTorch's ``SparseAdam`` and TensorFlow's ``LazyAdam``: moments and
        weights change only in the columns present in the batch (the bias
        correction still uses the global update count).  ``False`` gives the
        exact dense Adam update on sparse input, at O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient: :class:`AdamW`.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Adam
    >>> GDRegressor(solver=Adam(beta_1=0.8), batch_size=32, eta0=0.001)
    GDRegressor(batch_size=32, eta0=0.001, solver=Adam(beta_1=0.8))
    """

    names = {"adam": {}}
    base_rate = 0.01
    state = ("m", "v")
    State = AdamState
    prepared = ("ibc1", "isbc2")

    _parameter_constraints: dict = {
        "beta_1": DECAY,
        "beta_2": DECAY,
        "epsilon": POSITIVE,
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, lazy="auto",
        decoupled_weight_decay=False,
    ):  # fmt: skip
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def begin(t0, beta_1, beta_2):
        # beta_1**t and beta_2**t are then running products: no pow per step
        return beta_1**t0, beta_2**t0

    @staticmethod
    def prepare(power_1, power_2, beta_1, beta_2):
        power_1 = power_1 * beta_1
        power_2 = power_2 * beta_2
        # the bias corrections 1 / (1 - beta_1**t), 1 / sqrt(1 - beta_2**t)
        return (power_1, power_2), (
            1.0 / (1.0 - power_1),
            1.0 / math.sqrt(1.0 - power_2),
        )

    @staticmethod
    def rule(g, m, v, beta_1, beta_2, ibc1):
        m = beta_1 * m + (1.0 - beta_1) * g
        v = beta_2 * v + (1.0 - beta_2) * g * g
        return m * ibc1, v, m, v

    @staticmethod
    def finish(m_hat, v, epsilon, isbc2):
        return m_hat / (math.sqrt(v) * isbc2 + epsilon)

    def update(self, grad, state):
        b1, b2 = self.beta_1, self.beta_2
        state.step[0] += 1
        t = state.step[0]
        state.m[:] = b1 * state.m + (1.0 - b1) * grad
        state.v[:] = b2 * state.v + (1.0 - b2) * grad * grad
        m_hat = state.m / (1.0 - b1**t)
        v_hat = state.v / (1.0 - b2**t)
        return m_hat / (np.sqrt(v_hat) + self.epsilon), state


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    The L2 part of the estimator's penalty (``alpha * (1 - l1_ratio)``) is not
    added to the gradient; instead every update first shrinks the weights::

        w = w * (1 - eta * alpha * (1 - l1_ratio))
        w = w - eta * adam_direction(gradient of the loss)

    as PyTorch's ``AdamW`` does with ``weight_decay = alpha * (1 - l1_ratio)``.
    There is no second decay parameter.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay of the first moment, in [0, 1).
    beta_2 : float, default=0.999
        Decay of the second moment, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    lazy : {"auto", True, False}, default="auto"
        The sparse update rule, as for :class:`Adam`.
    decoupled_weight_decay : bool, default=True
        As for :class:`Adam`, whose decoupled form AdamW is.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import AdamW
    >>> GDRegressor(solver=AdamW(), alpha=0.01, eta0=0.001)
    GDRegressor(alpha=0.01, eta0=0.001, solver=AdamW())
    """

    names = {"adamw": {}}

    def __init__(
        self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, lazy="auto",
        decoupled_weight_decay=True,
    ):  # fmt: skip
        super().__init__(beta_1, beta_2, epsilon, lazy, decoupled_weight_decay)
