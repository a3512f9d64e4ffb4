"""Nadam: Adam with Nesterov momentum."""

import math
from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import Interval

from skgd.solvers._base import DECAY, DECOUPLED, LAZY, POSITIVE, Solver


class NadamState(NamedTuple):
    """First and second moment estimates, and the update count.

    The running product of the momentum schedule is a function of the
    update count alone: it is computed from ``step``, not stored.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far (``t`` of the momentum schedule and
        of the bias correction).
    m : ndarray of shape (n_coef,)
        The first moment estimate of each parameter.
    v : ndarray of shape (n_coef,)
        The second moment estimate of each parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import Nadam
    >>> Nadam().init_state(2, np.float64)
    NadamState(step=array([0]), m=array([0., 0.]), v=array([0., 0.]))
    """

    step: np.ndarray
    m: np.ndarray
    v: np.ndarray


def _mu(t, beta_1, momentum_decay):
    """The momentum coefficient of update ``t``."""
    return beta_1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


def _mu_product(t, beta_1, momentum_decay):
    """The product of the momentum coefficients of updates 1 to ``t``,
    multiplied in that order (as the compiled kernels carry it)."""
    product = 1.0
    s = 1.0
    while s <= t and product != 0.0:  # once it underflows to 0, it stays 0
        product *= _mu(s, beta_1, momentum_decay)
        s += 1.0
    return product


class Nadam(Solver):
    """Nadam, Adam with Nesterov momentum (Dozat, 2016), as PyTorch's ``NAdam``.

    For update number ``t`` with gradient ``g``, a momentum schedule ``mu_t``
    and its running product ``P_t = mu_1 * ... * mu_t``::

        mu_t = beta_1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        m_bar = (1 - mu_t) / (1 - P_t) * g + mu_{t+1} / (1 - P_t * mu_{t+1}) * m
        direction = m_bar / (sqrt(v / (1 - beta_2**t)) + epsilon)

    the algorithm of T. Dozat, "Incorporating Nesterov Momentum into Adam",
    ICLR 2016 workshop, with the momentum schedule of its experiments, in the
    form and with the defaults of PyTorch's ``torch.optim.NAdam`` (Keras's
    ``Nadam`` instead uses the constant ``mu_t = beta_1``).  The momentum
    schedule and its product are computed once per update, not per
    coordinate.

    Parameters
    ----------
    beta_1 : float, default=0.9
        Decay of the first moment, and the limit of the momentum schedule
        ``mu_t``, in [0, 1).
    beta_2 : float, default=0.999
        Decay of the second moment, in [0, 1).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.  This is the
        solver's own ``epsilon``, unrelated to the estimator's loss
        ``epsilon``.
    momentum_decay : float, default=0.004
        The ``psi`` of the momentum schedule, at least 0: ``mu_t`` rises
        from ``beta_1 / 2`` towards ``beta_1`` as ``0.96**(t * psi)`` decays
        (0: the constant ``mu_t = beta_1 / 2``).
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update the moments and the
        weights only in the columns present in the batch, as for
        :class:`Adam` (the momentum schedule and the bias correction still
        use the global update count).  This is not the dense update, under
        which such a column keeps moving with its first moment.  ``False``
        gives the exact dense update on sparse input, at O(n_features) per
        step.
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay instead of
        adding it to the gradient (PyTorch's
        ``NAdam(decoupled_weight_decay=True)``, NAdamW).

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Nadam
    >>> GDRegressor(solver=Nadam(momentum_decay=0.0), batch_size=32, eta0=0.002)
    GDRegressor(batch_size=32, eta0=0.002, solver=Nadam(momentum_decay=0.0))
    """

    names = {"nadam": {}}
    base_rate = 0.01
    state = ("m", "v")
    State = NadamState
    prepared = ("c_grad", "c_m", "isbc2")

    _parameter_constraints: dict = {
        "beta_1": DECAY,
        "beta_2": DECAY,
        "epsilon": POSITIVE,
        "momentum_decay": [Interval(Real, 0, None, closed="left")],
        "lazy": LAZY,
        "decoupled_weight_decay": DECOUPLED,
    }

    def __init__(
        self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, momentum_decay=0.004,
        lazy="auto", decoupled_weight_decay=False,
    ):  # fmt: skip
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.momentum_decay = momentum_decay
        self.lazy = lazy
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def begin(t0, beta_1, beta_2, momentum_decay):
        # beta_2**t0, and the product of mu_1 ... mu_t0 (the same
        # multiplications as prepare's, in the same order; once it underflows
        # to 0 it stays 0)
        product = 1.0
        s = 1.0
        while s <= t0 and product != 0.0:
            product = product * (beta_1 * (1.0 - 0.5 * 0.96 ** (s * momentum_decay)))
            s += 1.0
        return beta_2**t0, product

    @staticmethod
    def prepare(power_2, mu_product, t, beta_1, beta_2, momentum_decay):
        power_2 = power_2 * beta_2
        mu = beta_1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta_1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * momentum_decay))
        mu_product = mu_product * mu
        # the weights of g and m in m_bar, and 1 / sqrt(1 - beta_2**t)
        return (power_2, mu_product), (
            (1.0 - mu) / (1.0 - mu_product),
            mu_next / (1.0 - mu_product * mu_next),
            1.0 / math.sqrt(1.0 - power_2),
        )

    @staticmethod
    def rule(g, m, v, beta_1, beta_2, c_grad, c_m):
        m = beta_1 * m + (1.0 - beta_1) * g
        v = beta_2 * v + (1.0 - beta_2) * g * g
        return c_grad * g + c_m * m, v, m, v

    @staticmethod
    def finish(m_bar, v, epsilon, isbc2):
        return m_bar / (math.sqrt(v) * isbc2 + epsilon)

    def update(self, grad, state):
        b1, b2, psi = self.beta_1, self.beta_2, self.momentum_decay
        state.step[0] += 1
        t = float(state.step[0])
        mu, mu_next = _mu(t, b1, psi), _mu(t + 1.0, b1, psi)
        product = _mu_product(t, b1, psi)
        state.m[:] = b1 * state.m + (1.0 - b1) * grad
        state.v[:] = b2 * state.v + (1.0 - b2) * grad * grad
        m_bar = (1.0 - mu) / (1.0 - product) * grad
        m_bar += mu_next / (1.0 - product * mu_next) * state.m
        return m_bar / (np.sqrt(state.v / (1.0 - b2**t)) + self.epsilon), state
