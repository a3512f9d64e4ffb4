"""Solvers: how a gradient becomes a step.

Pass an instance as ``solver=`` to :class:`skgd.GDRegressor` to set its
hyperparameters (``GDRegressor(solver=Adam(beta_1=0.8))``); the names
``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``, ``"rmsprop"``,
``"adam"``, ``"adamw"``, ``"amsgrad"``, ``"nadam"``, ``"adadelta"``,
``"lion"``, ``"saga"`` and ``"ftrl"`` stand for the defaults.  Subclass :class:`Solver`
to write your own: one class, whose rule skgd compiles (see
:doc:`/custom_solver`).  Each solver is one file of this package, which
registers its names when it is imported.
"""

from skgd.solvers._adadelta import Adadelta, AdadeltaState
from skgd.solvers._adagrad import AdaGrad, AdaGradState
from skgd.solvers._adam import Adam, AdamState, AdamW
from skgd.solvers._amsgrad import AMSGrad, AMSGradState
from skgd.solvers._base import REGISTRY, Solver, SolverState
from skgd.solvers._ftrl import FTRL, FTRLState
from skgd.solvers._lion import Lion, LionState
from skgd.solvers._momentum import Momentum, MomentumState
from skgd.solvers._nadam import Nadam, NadamState
from skgd.solvers._rmsprop import RMSProp, RMSPropState
from skgd.solvers._saga import SAGA, SAGAState
from skgd.solvers._sgd import SGD

#: the solver names an estimator's ``solver`` accepts (kept up to date as
#: solver classes register theirs)
SOLVER_NAMES = REGISTRY


def get_solver(solver):
    """The solver object for a solver name, or the object itself.

    Parameters
    ----------
    solver : str or Solver
        A registered name (``"sgd"``, ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``, ...), or a
        solver object (returned as it is, not copied).

    Returns
    -------
    solver : Solver
        The solver with its default hyperparameters for a name.

    Examples
    --------
    >>> from skgd.solvers import get_solver
    >>> get_solver("nesterov")
    Momentum(nesterov=True)
    """
    if isinstance(solver, str):
        cls, params = REGISTRY[solver]
        return cls(**params)
    return solver


__all__ = [
    "SGD",
    "AMSGrad",
    "AMSGradState",
    "AdaGrad",
    "AdaGradState",
    "Adadelta",
    "AdadeltaState",
    "Adam",
    "AdamState",
    "AdamW",
    "FTRL",
    "FTRLState",
    "Lion",
    "LionState",
    "Momentum",
    "MomentumState",
    "Nadam",
    "NadamState",
    "RMSProp",
    "RMSPropState",
    "SAGA",
    "SAGAState",
    "Solver",
    "SolverState",
    "get_solver",
]
