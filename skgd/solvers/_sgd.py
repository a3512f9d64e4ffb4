"""Plain gradient descent."""

import numpy as np

from skgd.solvers._base import DECOUPLED, Solver


class SGD(Solver):
    """Plain (stochastic) gradient descent: ``direction = gradient``.

    With ``batch_size=1`` this is scikit-learn's SGD update; the estimator
    then runs scikit-learn's own per-sample algorithm (a running scale for the
    L2 decay, the cumulative L1 penalty, averaging) and reproduces
    ``SGDRegressor``'s fitted numbers.

    On sparse input, every update is exact: it equals the update on the same
    data in dense form.  A mini-batch step then costs O(non-zeros of the
    batch) per output (target, or class of a multinomial model), the L2
    decay of the columns it does not touch being kept in one running scale,
    unless an L1 penalty, averaging or clipping (which involve every column)
    asks for O(n_features).

    Parameters
    ----------
    decoupled_weight_decay : bool, default=False
        Apply the L2 part of the penalty as decoupled weight decay (the
        weights shrink by ``1 - eta * alpha * (1 - l1_ratio)`` each update)
        instead of adding it to the gradient; leaves scikit-learn's
        per-sample algorithm.

    Examples
    --------
    >>> from skgd import GDRegressor
    >>> from skgd.solvers import SGD
    >>> GDRegressor(solver=SGD(), batch_size=32)
    GDRegressor(batch_size=32, solver=SGD())
    """

    names = {"sgd": {}}
    _plain = True

    _parameter_constraints: dict = {"decoupled_weight_decay": DECOUPLED}

    def __init__(self, decoupled_weight_decay=False):
        self.decoupled_weight_decay = decoupled_weight_decay

    @staticmethod
    def rule(g):
        return (g,)

    def update(self, grad, state):
        state.step[0] += 1
        return np.array(grad, copy=True), state
