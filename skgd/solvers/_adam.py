"""Adam and AdamW."""

from typing import NamedTuple

import numpy as np

from skgd.solvers._base import DECAY, LAZY, POSITIVE, Solver


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

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import Adam
    >>> GDRegressor(solver=Adam(beta_1=0.8), batch_size=32, eta0=0.001)
    GDRegressor(batch_size=32, eta0=0.001, solver=Adam(beta_1=0.8))
    """

    _code = 4

    _parameter_constraints: dict = {
        "beta_1": DECAY,
        "beta_2": DECAY,
        "epsilon": POSITIVE,
        "lazy": LAZY,
    }

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, lazy="auto"):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lazy = lazy

    def init_state(self, n_coef, dtype):
        return AdamState(
            step=np.zeros(1, dtype=np.int64),
            m=np.zeros(n_coef, dtype=dtype),
            v=np.zeros(n_coef, dtype=dtype),
        )

    def update(self, grad, state):
        b1, b2 = self.beta_1, self.beta_2
        state.step[0] += 1
        t = state.step[0]
        state.m[:] = b1 * state.m + (1.0 - b1) * grad
        state.v[:] = b2 * state.v + (1.0 - b2) * grad * grad
        m_hat = state.m / (1.0 - b1**t)
        v_hat = state.v / (1.0 - b2**t)
        return m_hat / (np.sqrt(v_hat) + self.epsilon), state

    def _kernel_params(self):
        hp = np.zeros(4, dtype=np.float64)
        hp[0] = self.beta_1
        hp[1] = self.beta_2
        hp[2] = self.epsilon
        hp[3] = float(self._decoupled_weight_decay())
        return self._code, hp


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

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import AdamW
    >>> GDRegressor(solver=AdamW(), alpha=0.01, eta0=0.001)
    GDRegressor(alpha=0.01, eta0=0.001, solver=AdamW())
    """

    def _decoupled_weight_decay(self):
        return True
