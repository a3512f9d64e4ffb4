"""The fit configuration: everything the epoch driver, the paths and the
stopping rule read, built once per call from the estimator's parameters.

The driver never sees the estimator: ``FitConfig.of(estimator)`` turns its
names and objects into values (loss and schedule codes, the penalty
normalised once, the solver object), and the record constructors give the
kernels their arguments.  Schedules and penalties are defined here, once.
"""

import math
from dataclasses import dataclass

import numpy as np
from sklearn.base import is_classifier

from skgd import _auto, _losses
from skgd._codes import (
    LEARNING_RATE_CODES,
    LOSS_CODES,
    PENALTY_CODES,
    SKLEARN_LOSSES,
)
from skgd.solvers import get_solver

#: scikit-learn's factor of the intercept's step on sparse data
SPARSE_INTERCEPT_DECAY = 0.01

#: skgd's schedules evaluated once per epoch (the rate is constant within it)
EPOCH_SCHEDULES = ("exponential", "step", "cosine")


def per_sample_sgd(solver, batch_size, loss):
    """Whether a fit runs scikit-learn's per-sample SGD algorithm, clipped or
    not: plain gradient descent on one row at a time, on one of its losses
    (its "auto" defaults are then scikit-learn's: a guard does not change
    the step sizes; skgd's own losses have no scikit-learn numbers to keep)."""
    return (
        solver._plain and not solver._decoupled() and batch_size == 1
        and loss in SKLEARN_LOSSES
    )  # fmt: skip


def exact_path(solver, batch_size, clip_norm, clip_value, loss):
    """Whether a fit runs scikit-learn's per-sample SGD algorithm exactly:
    plain gradient descent on one row at a time, unclipped, on one of its
    losses."""
    return (
        per_sample_sgd(solver, batch_size, loss) and not clip_norm and not clip_value
    )


@dataclass(frozen=True)
class Penalty:
    """The penalty ``alpha * ((1 - l1_ratio) / 2 * ||w||^2 + l1_ratio *
    ||w||_1)``, its L1 share normalised (1 for 'l1', 0 for 'l2')."""

    name: object  # 'l2', 'l1', 'elasticnet' or None
    alpha: float
    l1_ratio: float

    @classmethod
    def of(cls, penalty, alpha, l1_ratio):
        share = {"l1": 1.0, "l2": 0.0}.get(
            penalty, 0.0 if l1_ratio is None else l1_ratio
        )
        return cls(penalty, float(alpha), float(share))

    @property
    def code(self):
        return PENALTY_CODES[str(self.name).lower()]

    @property
    def use_l1(self):
        return self.name in ("l1", "elasticnet")

    @property
    def use_l2(self):
        return self.name in ("l2", "elasticnet")

    @property
    def lam(self):
        """The strength of the L2 part: ``alpha * (1 - l1_ratio)``, or 0."""
        return self.alpha * (1.0 - self.l1_ratio) if self.use_l2 else 0.0

    def strength(self, name):
        """The strength of the penalty's part ``name``: ``'l1'``, ``alpha *
        l1_ratio``, or ``'l2'``, ``alpha * (1 - l1_ratio)`` (0 when the
        penalty has no such part), as a solver's rule reads it."""
        if name == "l1":
            return self.alpha * self.l1_ratio if self.use_l1 else 0.0
        return self.lam

    def value(self, w):
        """The penalty of the coefficients ``w``."""
        return _losses.penalty_value(self.name, w, self.alpha, self.l1_ratio)


@dataclass(frozen=True)
class Schedule:
    """The learning-rate schedule: scikit-learn's per-update ones (by code,
    in the kernels) and skgd's per-epoch ones (``epoch_eta``)."""

    learning_rate: object  # a name or a callable
    eta0: float  # 'auto' until resolved from the data (skgd._auto.resolve)
    power_t: float
    optimal_init: float  # t0 of 'optimal'
    gamma: float
    step_size: int
    eta_min: float
    warmup_epochs: int
    max_iter: int

    @property
    def per_epoch(self):
        lr = self.learning_rate
        return callable(lr) or lr in EPOCH_SCHEDULES

    @property
    def code(self):
        """Kernel code; epoch schedules run as 'constant' with the epoch's
        rate."""
        if self.per_epoch:
            return LEARNING_RATE_CODES["constant"]
        return LEARNING_RATE_CODES[self.learning_rate]

    def epoch_eta(self, epoch):
        """The rate of epoch ``epoch`` (0-based) of an epoch schedule."""
        lr = self.learning_rate
        eta0 = self.eta0
        if callable(lr):
            return float(lr(epoch))
        if lr == "exponential":
            return eta0 * self.gamma**epoch
        if lr == "step":
            return eta0 * self.gamma ** (epoch // self.step_size)
        warmup = self.warmup_epochs
        if epoch < warmup:
            return eta0 * (epoch + 1) / (warmup + 1)
        span = max(self.max_iter - warmup, 1)
        progress = min(epoch - warmup, span) / span
        return (
            self.eta_min
            + (self.eta0 - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2
        )


@dataclass(frozen=True)
class FitConfig:
    """The fit as the driver sees it (see the module docstring)."""

    estimator_name: str
    classifier: bool
    loss: str
    loss_param: float  # epsilon, quantile or power (skgd._losses.loss_parameter)
    penalty: Penalty
    schedule: Schedule
    solver: object  # a Solver object
    batch_size: object  # int or 'full'
    clip_norm: float  # 0: none
    clip_value: float  # 0: none
    average: int
    fit_intercept: bool
    shuffle: bool
    shuffle_block_size: object  # int or None
    tol: float  # -inf: no stopping rule; 'auto' until resolved from the data
    n_iter_no_change: int
    early_stopping: bool
    restore_best_weights: bool
    keep_adaptive_state: bool
    verbose: int
    sparse_intercept_decay: object  # 'auto' or a float in (0, 1]

    @classmethod
    def of(cls, est):
        """The configuration of estimator ``est``'s current parameters."""
        from skgd import _jit

        # the solver's "auto" hyperparameters resolved for the batch size
        solver = get_solver(est.solver)._resolved(est.batch_size)
        loss_param = _losses.estimator_loss_parameter(est)
        exact = per_sample_sgd(solver, est.batch_size, est.loss)  # its "auto" values
        early = bool(est.early_stopping)
        lr = _auto.learning_rate(est.learning_rate, exact, est._SKLEARN_LEARNING_RATE)
        optimal_init = 0.0
        if lr == "optimal" and solver.uses_schedule:
            optimal_init = _jit.base().optimal_t0(
                LOSS_CODES[est.loss], float(est.alpha), loss_param
            )
        eta0 = est.eta0
        if eta0 == _auto.AUTO:  # a solver with a step of its own ignores it
            data = not exact and solver.uses_schedule
            eta0 = _auto.AUTO if data else _auto.SKLEARN_ETA0
        tol = est.tol
        if tol == _auto.AUTO:
            tol = _auto.SKLEARN_TOL if exact or early else _auto.AUTO
        schedule = Schedule(
            learning_rate=lr,
            eta0=eta0 if eta0 == _auto.AUTO else float(eta0),
            power_t=float(est.power_t), optimal_init=optimal_init,
            gamma=float(est.gamma), step_size=int(est.step_size),
            eta_min=float(est.eta_min), warmup_epochs=int(est.warmup_epochs),
            max_iter=int(est.max_iter),
        )  # fmt: skip
        return cls(
            estimator_name=type(est).__name__,
            classifier=is_classifier(est),
            loss=est.loss,
            loss_param=loss_param,
            penalty=Penalty.of(est.penalty, est.alpha, est.l1_ratio),
            schedule=schedule,
            solver=solver,
            batch_size=est.batch_size,
            clip_norm=float(est.clip_norm or 0.0),
            clip_value=float(est.clip_value or 0.0),
            average=int(est.average),
            fit_intercept=bool(est.fit_intercept),
            shuffle=bool(est.shuffle),
            shuffle_block_size=est.shuffle_block_size,
            tol=-np.inf if tol is None else tol if tol == _auto.AUTO else float(tol),
            n_iter_no_change=_auto.n_iter_no_change(est.n_iter_no_change, exact, early),
            early_stopping=early,
            restore_best_weights=bool(est.restore_best_weights),
            keep_adaptive_state=bool(est.keep_adaptive_state),
            verbose=int(est.verbose),
            sparse_intercept_decay=est.sparse_intercept_decay,
        )

    @property
    def loss_code(self):
        return LOSS_CODES[self.loss]

    @property
    def exact(self):
        """Whether the fit runs scikit-learn's per-sample SGD algorithm."""
        return exact_path(
            self.solver, self.batch_size, self.clip_norm, self.clip_value, self.loss
        )

    def intercept_decay(self, dense):
        """The factor of the intercept's step: 1 on dense data; on sparse
        data ``sparse_intercept_decay``, whose 'auto' is scikit-learn's 0.01
        where the fit runs scikit-learn's per-sample algorithm (its numbers
        are at stake) and 1 elsewhere (sparse data then fit as dense)."""
        if dense:
            return 1.0
        decay = self.sparse_intercept_decay
        if decay == "auto":
            return SPARSE_INTERCEPT_DECAY if self.exact else 1.0
        return float(decay)

    @property
    def proximal(self):
        """Whether the solver owns the penalty (its ``proximal`` step): the
        update order's L2 gradient, decoupled decay and L1 truncation are
        then left out."""
        return type(self.solver)._own("proximal") is not None

    def general(self, n_out):
        """Whether the mini-batch updates take the kernels' general pass
        (several outputs, clipping, L1, averaging or a proximal step) rather
        than their simple one."""
        return not (
            n_out == 1
            and not (self.clip_norm or self.clip_value or self.average)
            and not self.penalty.use_l1
            and not self.proximal
        )

    @property
    def compiled(self):
        """Whether the solver has a rule to compile (else: its numpy
        ``update``, on the numpy path)."""
        return type(self.solver)._own("rule") is not None

    def objective(self):
        """The kernels' objective record (loss and normalised penalty)."""
        from skgd._jit._records import Objective

        p = self.penalty
        # a solver that owns the penalty applies it itself: the update order
        # then adds no L2 gradient, decays nothing and truncates nothing (the
        # objective still counts the whole penalty)
        own = self.proximal
        return Objective.make(
            loss=self.loss_code, eps=self.loss_param, alpha=p.alpha,
            l1_ratio=p.l1_ratio, lam=0.0 if own else p.lam,
            use_l1=p.use_l1 and not own, use_l2=p.use_l2 and not own,
            penalized=p.name is not None,
        )  # fmt: skip

    def schedule_record(self, eta, normalize):
        """The kernels' schedule record at the epoch's rate ``eta``."""
        from skgd._jit._records import Schedule as Record

        s = self.schedule
        return Record.make(
            code=s.code, eta=eta, eta0=s.eta0, power_t=s.power_t,
            optimal_init=s.optimal_init, normalize=normalize,
        )  # fmt: skip
