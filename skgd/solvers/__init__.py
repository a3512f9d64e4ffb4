"""Solvers: how a gradient becomes a step.

Pass an instance as ``solver=`` to :class:`skgd.GDRegressor` to set its
hyperparameters (``GDRegressor(solver=Adam(beta_1=0.8))``); the names
``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``, ``"rmsprop"``,
``"adam"`` and ``"adamw"`` stand for the defaults.  Subclass :class:`Solver`
to write your own.
"""

from skgd.solvers._adagrad import AdaGrad, AdaGradState
from skgd.solvers._adam import Adam, AdamState, AdamW
from skgd.solvers._base import Solver, SolverState
from skgd.solvers._momentum import Momentum, MomentumState
from skgd.solvers._rmsprop import RMSProp, RMSPropState
from skgd.solvers._sgd import SGD

SOLVER_NAMES = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": lambda: Momentum(nesterov=True),
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def get_solver(solver):
    """The solver object for a name or an object (a clone-free pass-through)."""
    if isinstance(solver, str):
        return SOLVER_NAMES[solver]()
    return solver


__all__ = [
    "SGD",
    "AdaGrad",
    "AdaGradState",
    "Adam",
    "AdamState",
    "AdamW",
    "Momentum",
    "MomentumState",
    "RMSProp",
    "RMSPropState",
    "Solver",
    "SolverState",
    "get_solver",
]
