"""FTRL-Proximal: follow the regularized leader, per coordinate."""

import math
from numbers import Real
from typing import NamedTuple

import numpy as np
from sklearn.utils._param_validation import Interval

from skgd.solvers._base import LAZY, Solver


class FTRLState(NamedTuple):
    """FTRL-Proximal's memory of every parameter, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    z : ndarray of shape (n_coef,)
        The sum of the gradients of each parameter, less the proximal
        terms ``sigma * w`` of its updates (the paper's ``z``).
    n : ndarray of shape (n_coef,)
        The accumulator of each parameter: ``initial_accumulator_value``
        plus the sum of its squared gradients (the paper's ``n``).
    rate : ndarray of shape (n_coef,)
        The rate ``alpha_t`` of each parameter's last update (0 before the
        first).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import FTRL
    >>> FTRL(initial_accumulator_value=0.1).init_state(1, np.float64)
    FTRLState(step=array([0]), z=array([0.]), n=array([0.1]), rate=array([0.]))
    """

    step: np.ndarray
    z: np.ndarray
    n: np.ndarray
    rate: np.ndarray


class FTRL(Solver):
    """FTRL-Proximal: follow the regularized leader, per coordinate.

    McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches",
    Algorithm 1.

    Each parameter keeps ``z`` and ``n``; an update of gradient ``g`` (the
    batch's mean gradient of the loss, clipped, without the penalty) and
    rate ``alpha_t`` (the estimator's ``eta0`` times its schedule) makes::

        n_new = n + g**2
        sigma = (n_new**-p - n**-p) / alpha_t        (p: learning_rate_power)
        z = z + g - sigma * w
        w = 0                                        if |z| <= l1
        w = -(z - sign(z) * l1) / ((beta + n_new**-p) / alpha_t + l2)  else

    with ``p = -0.5`` the paper's square root.  When the rate changes (a
    schedule), ``sigma`` is the change of the inverse of the coordinate's
    rate ``alpha_t / (beta + n**-p)`` since its last update, ``(beta +
    n_new**-p) / alpha_t - (beta + n**-p) / alpha_last``: the sum of the
    sigmas stays the inverse of the current rate, so that a rate divided by
    5 makes the steps 5 times shorter and leaves the coefficients where they
    are (with any penalty).  FTRL-Proximal owns the
    penalty: ``l1 = alpha * l1_ratio`` and ``l2 = alpha * (1 - l1_ratio)``
    from the estimator's ``penalty`` (``"l2"``: ``l1 = 0``, ``l2 = alpha``;
    ``"l1"``: ``l1 = alpha``, ``l2 = 0``; ``None``: both 0), in the closed
    form above, so the coefficients of an L1 penalty are exact zeros; the
    estimator adds no L2 gradient and truncates nothing.  The intercept is
    not penalized (``l1 = l2 = 0``).

    Parameters
    ----------
    learning_rate_power : float, default=-0.5
        The power ``p`` of the accumulator in the per-coordinate rate
        ``alpha_t / (beta + n**-p)``; at most 0 (0: a fixed rate).
    initial_accumulator_value : float, default=0.0
        Starting value of ``n``.
    beta : float, default=1.0
        Added to ``n**-p`` in the per-coordinate rate's denominator
        (the paper's ``beta``): keeps the first steps finite.
    lazy : {"auto", True, False}, default="auto"
        On sparse input, ``"auto"`` and ``True`` update only the columns
        present in the batch, at O(non-zeros) per step.  A zero gradient
        changes neither a column's ``n`` nor its coefficient (its ``z``
        moves only by the change of the rate, which the column's next
        update applies at once), so this is exact, with any penalty and
        schedule: the numbers of dense input up to rounding.  ``False``
        updates every column at every step, at O(n_features) per step.

    See Also
    --------
    AdaGrad : The per-coordinate rates of FTRL-Proximal, as gradient steps.
    SAGA : The other solver that owns the penalty (exact zeros too).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GDClassifier
    >>> X = np.array([[1.0, 0.0, 0.1], [0.9, 0.1, 0.0], [0.0, 1.0, 0.1],
    ...               [0.1, 0.9, 0.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = GDClassifier(loss="log_loss", solver="ftrl", penalty="l1",
    ...                    alpha=0.05, eta0=0.5, learning_rate="constant",
    ...                    max_iter=50, tol=None, random_state=0).fit(X, y)
    >>> clf.predict(X)
    array([0, 0, 1, 1])
    >>> clf.coef_[0, 2]  # an exact zero
    np.float64(0.0)
    """

    names = {"ftrl": {}}
    base_rate = 0.1
    state = ("z", "n", "rate")
    State = FTRLState

    _parameter_constraints: dict = {
        "learning_rate_power": [Interval(Real, None, 0, closed="right")],
        "initial_accumulator_value": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "lazy": LAZY,
    }

    def __init__(
        self, learning_rate_power=-0.5, initial_accumulator_value=0.0, beta=1.0,
        lazy="auto",
    ):  # fmt: skip
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.beta = beta
        self.lazy = lazy

    def init_state(self, n_coef, dtype):
        return FTRLState(
            step=np.zeros(1, dtype=np.int64),
            z=np.zeros(n_coef, dtype=dtype),
            n=np.full(n_coef, self.initial_accumulator_value, dtype=dtype),
            rate=np.zeros(n_coef, dtype=dtype),
        )

    @staticmethod
    def rule(g, z, n, rate, w, eta, learning_rate_power, beta):
        # z and n of Algorithm 1, sigma the change of the inverse of the
        # coordinate's rate eta / (beta + n**-p) since its last update (at
        # the rate ``rate``); the direction takes the coordinate to its
        # unpenalized closed form (the intercept's update), which the
        # proximal step replaces by the penalized one for the coefficients
        total = n + g * g
        if learning_rate_power == -0.5:
            root, before = math.sqrt(total), math.sqrt(n)
        else:
            root = math.pow(total, -learning_rate_power)
            before = math.pow(n, -learning_rate_power)
        if rate == eta or rate == 0.0:
            sigma = (root - before) / eta
        else:
            sigma = (beta + root) / eta - (beta + before) / rate
        z_new = z + g - sigma * w
        denominator = beta + root
        target = -z_new * eta / denominator if denominator > 0.0 else 0.0
        return (w - target) / eta, z_new, total, eta

    @staticmethod
    def proximal(w, eta, z, n, l1, l2, learning_rate_power, beta):
        if abs(z) <= l1:
            return 0.0
        if learning_rate_power == -0.5:
            root = math.sqrt(n)
        else:
            root = math.pow(n, -learning_rate_power)
        return -(z - math.copysign(l1, z)) / ((beta + root) / eta + l2)

    def update(self, grad, state):
        raise NotImplementedError(
            "FTRL-Proximal's update reads each coefficient and the update's rate "
            "and owns the penalty: it runs in the compiled kernels only, not from "
            "a gradient alone."
        )
