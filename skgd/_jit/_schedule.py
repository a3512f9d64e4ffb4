"""The learning rate of each update, by scikit-learn's schedule codes
(``skgd._codes.LEARNING_RATE_CODES``).  skgd's schedules evaluated once per
epoch ('exponential', 'step', 'cosine', a callable) reach the kernels as
'constant' with the epoch's rate (``skgd._config``)."""

import math

from skgd._jit._compile import cached, inline
from skgd._jit._loss import loss_derivative

CONSTANT = 1
OPTIMAL = 2
INVSCALING = 3
ADAPTIVE = 4
PA1 = 5
PA2 = 6


@inline(error_model="numpy")
def schedule_eta(sched, alpha, t):
    """Learning rate of update number ``t`` (1-based) under the schedule
    record ``sched``; with ``sched.normalize`` (every solver but plain SGD)
    the schedule equals ``eta0`` at the first update."""
    if sched.code == OPTIMAL:
        if sched.normalize:
            return sched.eta0 * sched.optimal_init / (sched.optimal_init + t - 1)
        return 1.0 / (alpha * (sched.optimal_init + t - 1))
    elif sched.code == INVSCALING:
        return sched.eta0 / t**sched.power_t
    return sched.eta


@cached()
def optimal_t0(loss_code, alpha, eps):
    """scikit-learn's t0 of the 'optimal' schedule (Bottou's heuristic):
    the first rate is ``typw / max(1, dloss(1, -typw))``, with ``typw =
    sqrt(1 / sqrt(alpha))`` the typical size of a weight."""
    typw = math.sqrt(1.0 / math.sqrt(alpha))
    dloss = loss_derivative(loss_code, 1.0, -typw, eps)
    initial_eta0 = typw / max(1.0, dloss)
    return 1.0 / (initial_eta0 * alpha)
