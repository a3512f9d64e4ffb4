"""AMSGrad: Adam with a non-decreasing second moment."""

import math
from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, POSITIVE, Solver


class AMSGradState(NamedTuple):
    """Moment estimates, the largest second moment, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far (``t`` of the bias correction).
    m : ndarray of shape (n_coef,)
        The first moment estimate of each parameter.
    v : ndarray of shape (n_coef,)
        The second moment estimate of each parameter.
    v_max : ndarray of shape (n_coef,)
        The largest second moment estimate of each parameter so far.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import AMSGrad
    >>> AMSGrad().init_state(1, np.float64)
    AMSGradState(step=array([0]), m=array([0.]), v=array([0.]), v_max=array([0.]))
    """

    step: np.ndarray
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


class AMSGrad(Solver):
    """AMSGrad (Reddi, Kale and Kumar, 2018).

    For update number ``t`` with gradient ``g``::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        v_max = max(v_max, v)
        m_hat = m / (1 - beta_1**t)
        direction = m_hat / (sqrt(v_max) / sqrt(1 - beta_2**t) + epsilon)

    Adam whose per-coordinate rate never grows: the denominator uses the
    largest second moment seen so far, which repairs the counterexamples to
    Adam's convergence of S. J. Reddi, S. Kale and S. Kumar, "On the
    Convergence of Adam and Beyond", ICLR 2018.  The bias corrections are
    those of PyTorch's ``Adam(amsgrad=True)`` (the paper has none).

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
        On sparse input, ``"auto"`` and ``True`` update the moments and the
        weights only in the columns present in the batch, as for
        :class:`Adam` (the bias correction still uses the global update
        count).  This is not the dense update, under which such a column
        keeps moving with its first moment.  ``False`` gives the exact dense
        update on sparse input, at O(n_features) per step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient (PyTorch's ``AdamW(amsgrad=True)``).

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import AMSGrad
    >>> GDRegressor(solver=AMSGrad(beta_2=0.99), batch_size=32, eta0=0.01)
    GDRegressor(batch_size=32, eta0=0.01, solver=AMSGrad(beta_2=0.99))
    """

    names = {"amsgrad": {}}
    base_rate = 0.01
    state = ("m", "v", "v_max")
    State = AMSGradState
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
    def rule(g, m, v, v_max, beta_1, beta_2, ibc1):
        m = beta_1 * m + (1.0 - beta_1) * g
        v = beta_2 * v + (1.0 - beta_2) * g * g
        v_max = np.maximum(v_max, v)
        return m * ibc1, v_max, m, v, v_max

    @staticmethod
    def finish(m_hat, v_max, epsilon, isbc2):
        return m_hat / (math.sqrt(v_max) * isbc2 + epsilon)

    def update(self, grad, state):
        b1, b2 = self.beta_1, self.beta_2
        state.step[0] += 1
        t = state.step[0]
        state.m[:] = b1 * state.m + (1.0 - b1) * grad
        state.v[:] = b2 * state.v + (1.0 - b2) * grad * grad
        np.maximum(state.v_max, state.v, out=state.v_max)
        m_hat = state.m / (1.0 - b1**t)
        denom = np.sqrt(state.v_max) / np.sqrt(1.0 - b2**t) + self.epsilon
        return m_hat / denom, state
