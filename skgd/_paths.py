"""The ways an epoch runs, behind one interface for the epoch driver
(``skgd._driver``):

- ``ExactPath``: scikit-learn's per-sample algorithm (the base kernels'
  ``sgd_epoch``), the default solver and batch size of one output;
- ``KernelPath``: the mini-batch kernel compiled for the solver's rule,
  every batch size, several outputs, the full batch;
- ``NumpyPath``: a solver without a compiled rule: per batch, the kernels
  give the finished gradient, the solver's numpy ``update`` the direction,
  and the kernels take the step;
- ``DaskPath`` (``skgd._dask``): full-batch gradient descent on a dask
  array, its gradient summed blockwise on the workers, the step the
  kernels' as in memory.

Each receives the fit configuration and the epoch's data, keeps the model
where its epochs update it and answers the driver's questions: the
intercept and norm after an epoch, the model a callback sees, a snapshot
for ``restore_best_weights``, and the state left for the next
``partial_fit``.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.utils.extmath import safe_sparse_dot

from skgd import _losses
from skgd.solvers import Solver


@dataclass
class EpochData:
    """What every epoch of one call reads: the training rows as the kernels
    read them, the targets, the sample weights (scaled to mean one over the
    training rows for the full batch), the rows held out for validation,
    the class weights of a one-output loss (``weight_pos``, ``weight_neg``)
    or of the softmax model (``class_weights``), the number of outputs, the
    shuffling seed, and the estimator's update count ``t_`` at the start."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    validation_mask: np.ndarray
    weight_pos: float
    weight_neg: float
    class_weights: object
    n_out: int
    seed: int
    t_start: float
    intercept_decay: float = 1.0

    def __post_init__(self):
        from skgd._jit._rows import flat_rows

        self.softmax = self.class_weights is not None
        self.vector_out = self.softmax or np.ndim(self.y) == 2
        self.dense = not sp.issparse(self.X)
        self.train_count = int((~self.validation_mask).sum())
        if getattr(self.X, "_skgd_dask_design", False):
            return
        self.data, self.indices, self.indptr = flat_rows(self.X)
        self.vmask = self.validation_mask.view(np.uint8)

    def rows(self):
        from skgd._jit._records import Rows

        return Rows.make(
            data=self.data, indices=self.indices, indptr=self.indptr,
            dense=self.dense,
        )  # fmt: skip

    def targets(self, order):
        from skgd._jit._records import Targets

        return Targets.make(
            y=self.y.reshape(-1), sw=self.sample_weight, order=order,
            vmask=self.vmask,
        )  # fmt: skip


def objective_at(config, X, y, sw_obj, train, coef, intercept, softmax=False):
    """The training objective at ``coef`` and ``intercept``, with the
    per-row weights ``sw_obj`` of the epoch objective (inf when it
    overflows), computed with floating-point errors ignored."""
    y_t = np.asarray(y[train], dtype=np.float64)
    sw = np.asarray(sw_obj[train], dtype=np.float64)
    n = max(y_t.shape[0], 1)
    n_out = np.size(intercept)
    with np.errstate(all="ignore"):
        if not np.any(coef):
            p = np.zeros((y_t.shape[0], n_out))
        else:
            # every row, then the training ones: X[train] would copy X, and
            # float64 coefficients would cast a float32 X whole
            W = coef.reshape(n_out, -1).astype(X.dtype, copy=False)
            p = safe_sparse_dot(X, W.T, dense_output=True)
            p = np.asarray(p, dtype=np.float64)[train]
        p = p + np.asarray(intercept, dtype=np.float64).reshape(1, n_out)
        if softmax and y_t.ndim == 2:  # soft labels: class probabilities
            losses = logsumexp(p, axis=1) - np.sum(y_t * p, axis=1)
        elif softmax:
            labels = y_t.astype(np.int64)
            losses = logsumexp(p, axis=1) - p[np.arange(p.shape[0]), labels]
        else:
            y_t = y_t.reshape(y_t.shape[0], -1)  # one column per target
            losses = _losses.loss_value(config.loss, y_t, p, config.loss_param)
            losses = losses.sum(axis=1)
        return float(np.sum(sw * losses) / n + config.penalty.value(coef))


class _InMemory:
    """The objective of an in-memory path's data at given coefficients."""

    def objective_at(self, sw_obj, train, coef, intercept, softmax):
        d = self.data
        return objective_at(
            self.config, d.X, d.y, sw_obj, train, coef, intercept, softmax
        )


class _HeldModel(_InMemory):
    """A path whose arrays hold the model after every epoch: the
    coefficients in ``coef``, the intercepts in ``b``."""

    def intercept(self):
        return self.b if self.data.vector_out else self.b[0]

    def norm(self):
        return float(np.linalg.norm(self.coef))

    def settle(self):
        """Nothing to fold: the arrays hold the model after every epoch."""


class ExactPath(_InMemory):
    """scikit-learn's per-sample algorithm: ``coef`` is the stored part of
    ``wscale * coef`` and ``st`` the kernel's scalars (``ST_*``: scale,
    norms, averaging, intercepts, update count)."""

    def __init__(self, config, data, coef, average_coef, intercept, average_intercept):
        from skgd import _jit
        from skgd._jit import _sgd as k

        self.k = k
        self.kernels = _jit.base()
        self.config = config
        self.data = data
        self.coef = coef
        dtype = coef.dtype
        use_l1 = config.penalty.use_l1
        self.q = np.zeros(coef.shape[0] if use_l1 else 0, dtype=dtype)
        self.aw = average_coef if config.average else np.zeros(0, dtype=dtype)
        st = self.st = np.zeros(k.ST_SIZE, dtype=np.float64)
        st[k.ST_WSCALE] = 1.0
        st[k.ST_SQNORM] = float(np.dot(coef, coef))
        st[k.ST_L1NORM] = float(np.abs(coef).sum())
        st[k.ST_AVG_A] = 0.0
        st[k.ST_AVG_B] = 1.0
        st[k.ST_INTERCEPT] = intercept
        st[k.ST_AVG_INTERCEPT] = average_intercept
        st[k.ST_T] = data.t_start
        self.wscale_threshold = 1e-6 if dtype == np.float32 else 1e-9
        self.objective = config.objective()

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        from skgd._jit._records import SgdControl, SgdModel

        c, d = self.config, self.data
        model = SgdModel.make(w=self.coef, aw=self.aw, q=self.q, st=self.st)
        control = SgdControl.make(
            fit_intercept=c.fit_intercept, intercept_decay=d.intercept_decay,
            average=c.average, weight_pos=d.weight_pos, weight_neg=d.weight_neg,
            wscale_threshold=self.wscale_threshold, do_shuffle=do_shuffle,
            seed=d.seed, exact=not blocks,
        )  # fmt: skip
        return self.kernels.sgd_epoch(
            d.rows(), d.targets(order), model, self.objective,
            c.schedule_record(eta, False), control,
        )  # fmt: skip

    def intercept(self):
        return self.st[self.k.ST_INTERCEPT]

    def norm(self):
        sq = np.asarray(self.st[self.k.ST_SQNORM], dtype=self.coef.dtype)
        return float(np.sqrt(sq))

    def settle(self):
        """Fold the running scale into the arrays, which then hold the model
        (to be scored, kept or returned)."""
        self.kernels.reset_wscale(
            self.coef, self.aw, self.st, bool(self.config.average)
        )

    def model(self, n_epochs):
        """(coef, intercept) after ``n_epochs`` epochs of the call, the
        averaged pair once the fitted attributes are."""
        k = self.k
        w, a, s = self.coef.copy(), self.aw.copy(), self.st.copy()
        average = self.config.average
        self.kernels.reset_wscale(w, a, s, bool(average))
        n_samples = self.data.X.shape[0]
        if average and average <= self.data.t_start + n_epochs * n_samples - 1:
            return a, np.ravel(s[k.ST_AVG_INTERCEPT])
        return w, np.ravel(s[k.ST_INTERCEPT])

    def snapshot(self):
        st = self.st
        return (
            self.coef.copy(), self.aw.copy(), st[self.k.ST_INTERCEPT],
            st[self.k.ST_AVG_INTERCEPT],
        )  # fmt: skip

    def restore(self, snapshot):
        self.coef[:] = snapshot[0]
        self.aw[:] = snapshot[1]
        self.st[self.k.ST_INTERCEPT] = snapshot[2]
        self.st[self.k.ST_AVG_INTERCEPT] = snapshot[3]

    def finish(self, problem, state, count):
        """Leave the state for the next call: (intercept, average
        intercept)."""
        state.step[0] += count
        return self.intercept(), self.st[self.k.ST_AVG_INTERCEPT]


def scratch(n_out, n_samples, n_features, split, lazy_decay):
    """The scratch arrays of the mini-batch kernel (a ``Scratch`` record's
    fields): ``dbuf`` holds the two intermediates per column of a solver
    whose rule is split (``skgd._jit._step.split_pass``) and, for a lazily
    updated solver whose state decays (``lazy_decay``), the table of that
    decay's powers after them."""
    from skgd._jit._step import SKIP_POWERS

    n_dbuf = 2 * n_features if split or lazy_decay else 0
    if lazy_decay:
        n_dbuf += min(SKIP_POWERS, n_samples + 1)
    n_coef = n_out * n_features
    return dict(
        gbuf=np.zeros(n_coef), gb=np.zeros(n_out), zbuf=np.zeros(n_out),
        asum=np.zeros(n_coef), last=np.zeros(n_features, dtype=np.int64),
        touched=np.zeros(n_features, dtype=np.int64),
        mark=np.zeros(n_features, dtype=np.uint8), dbuf=np.zeros(n_dbuf),
    )  # fmt: skip


class _BatchPath(_HeldModel):
    """What the mini-batch kernel paths share: intercepts in ``b``/``ab``
    (one per output), the state of the solver (whose step count the epochs
    advance) as the matrix ``S`` (a row per state vector, the coefficients'
    entries then the intercepts'), the kernel's scalars in ``st`` (``MB_*``:
    cumulative L1 penalty, update count, averaged updates) and the class
    weights ``cw`` (one per class for the softmax model; else those of y <= 0
    and y > 0)."""

    def __init__(
        self, config, data, coef, average_coef, intercept, average_intercept, *,
        problem, state, reset_state,
    ):  # fmt: skip
        from skgd._jit import _epoch as k

        self.k = k
        self.config = config
        self.data = data
        self.coef = coef
        self.state = state
        self.solver = config.solver
        n_out = data.n_out
        self.batch_size = (
            data.train_count if config.batch_size == "full" else config.batch_size
        )
        dtype = coef.dtype
        size = coef.shape[0] if config.penalty.use_l1 else 0
        if reset_state or problem.l1_q is None or problem.l1_q.shape[0] != size:
            u, self.q = 0.0, np.zeros(size, dtype=dtype)
        else:
            u, self.q = problem.l1_u, problem.l1_q
        self.aw = average_coef if config.average else np.zeros(0, dtype=dtype)
        self.b = np.array(intercept, dtype=np.float64).reshape(n_out)
        self.ab = np.array(average_intercept, dtype=np.float64).reshape(n_out)
        if data.softmax:
            self.cw = np.asarray(data.class_weights, dtype=np.float64)
        else:
            self.cw = np.array([data.weight_neg, data.weight_pos], dtype=np.float64)
        st = self.st = np.zeros(k.MB_SIZE, dtype=np.float64)
        st[k.MB_U] = u
        st[k.MB_STEP] = state.step[0]
        st[k.MB_AVG_COUNT] = 0.0 if reset_state else problem.average_count
        self.objective = config.objective()
        self.normalize = not self.solver._plain

    def _control(self, do_shuffle, lazy_mode=0, batch_size=None, given=(0, 0.0, 0.0)):
        from skgd._jit._records import Control

        c, d = self.config, self.data
        return Control.make(
            cw=self.cw, softmax=d.softmax,
            batch_size=self.batch_size if batch_size is None else batch_size,
            lazy_mode=lazy_mode, clip_norm=c.clip_norm, clip_value=c.clip_value,
            fit_intercept=c.fit_intercept, intercept_decay=d.intercept_decay,
            average=c.average, decoupled=self.solver._decoupled(),
            plain=self.solver._plain, skip_decay=self.solver._skip_decay(),
            do_shuffle=do_shuffle, seed=d.seed, given_rows=given[0],
            given_loss=given[1], given_weight=given[2],
        )  # fmt: skip

    def _model(self, S, hp):
        from skgd._jit._records import Model

        return Model.make(
            w=self.coef, b=self.b, aw=self.aw, ab=self.ab, q=self.q, S=S, hp=hp,
            st=self.st,
        )  # fmt: skip

    def model(self, n_epochs):
        """(coef, intercept) now, the averaged pair once the fitted
        attributes are."""
        if self.config.average and self.st[self.k.MB_AVG_COUNT] > 0:
            return self.aw.copy(), self.ab.copy()
        return self.coef.copy(), self.b.copy()

    def snapshot(self):
        return (self.coef.copy(), self.aw.copy(), self.b.copy(), self.ab.copy())

    def restore(self, snapshot):
        self.coef[:] = snapshot[0]
        self.aw[:] = snapshot[1]
        self.b[:] = snapshot[2]
        self.ab[:] = snapshot[3]

    def _store_state(self):
        """Copy the solver state the epochs updated back into ``state``."""

    def finish(self, problem, state, count):
        """Leave the state for the next call: (intercept, average
        intercept)."""
        problem.l1_u = self.st[self.k.MB_U]
        problem.l1_q = self.q
        problem.average_count = self.st[self.k.MB_AVG_COUNT]
        self._store_state()
        problem.solver_state = self.state
        if self.data.vector_out:
            return self.b, self.ab
        return self.b[0], self.ab[0]


def _state_matrix(state, names, dtype):
    """The state vectors ``names`` of ``state`` as the rows of one
    C-contiguous matrix (the kernels' ``S``)."""
    vectors = [np.asarray(getattr(state, n)) for n in names]
    if not vectors:
        return np.zeros((0, 0), dtype=dtype)
    return np.ascontiguousarray(np.stack(vectors), dtype=dtype)


class KernelPath(_BatchPath):
    """The mini-batch kernel compiled for the solver's rule."""

    def __init__(self, *args, module=None, **kwargs):
        super().__init__(*args, **kwargs)
        from skgd import _jit

        c, d = self.config, self.data
        if module is None:
            module = _jit.for_solver(self.solver, c.general(d.n_out))
        self.kernels = module
        self.hp = np.array(
            [self._hyper(n) for n in self.kernels.HYPER],
            dtype=np.float64,
        )
        self.S = _state_matrix(self.state, self.kernels.STATE, self.coef.dtype)
        # plain SGD touches only the batch's columns where that is exact (the
        # kernel keeps the L2 decay in a running scale): L1, averaging and
        # clipping need every column
        exact_lazy = (
            self.solver._plain
            and not self.solver._decoupled()
            and not (c.penalty.use_l1 or c.average or c.clip_norm or c.clip_value)
        )
        self.lazy_mode = 0
        sparse = not d.dense
        if self.solver._resolve_lazy(sparse) or (sparse and exact_lazy):
            # a batch of one row whose column indices are distinct is its own
            # list of touched columns (kernel mode 2)
            one = self.batch_size == 1 and d.X.has_canonical_format
            self.lazy_mode = 2 if one else 1
        n_samples, n_features = d.X.shape
        split = _split(self.solver)
        decays = self.lazy_mode and self.solver.lazy_decay is not None
        self.scratch = scratch(d.n_out, n_samples, n_features, split, decays)

    def _hyper(self, name):
        """The value of the rule's hyperparameter ``name``: the solver's
        parameter, or one of the penalty's strengths."""
        from skgd._jit._generate import PENALTY_NAMES

        if name in PENALTY_NAMES and name not in self.solver._get_param_names():
            return float(self.config.penalty.strength(name))
        return float(getattr(self.solver, name))

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        from skgd._jit._records import Scratch

        d = self.data
        sumloss, objective_sum, _, _ = self.kernels.run_epoch(
            d.rows(), d.targets(order), self._model(self.S, self.hp), self.objective,
            self.config.schedule_record(eta, self.normalize),
            self._control(do_shuffle, self.lazy_mode), Scratch.make(**self.scratch),
        )  # fmt: skip
        self.state.step[0] = self.st[self.k.MB_STEP]
        return sumloss, objective_sum, d.train_count

    def step_from_sums(self, eta, g, gb, n, loss, weight):
        """One update of the full batch whose loss gradient sums ``g``,
        ``gb`` over ``n`` rows (weighted loss ``loss``, weight ``weight``)
        were added up elsewhere (the blocks of a dask array)."""
        from skgd._jit._records import Scratch

        d = self.data
        self.scratch["gbuf"][:] = g
        self.scratch["gb"][:] = gb
        control = self._control(False, batch_size=n, given=(n, loss, weight))
        out = self.kernels.run_epoch(
            d.rows(), d.targets(np.zeros(0, dtype=np.int32)),
            self._model(self.S, self.hp), self.objective,
            self.config.schedule_record(eta, self.normalize), control,
            Scratch.make(**self.scratch),
        )  # fmt: skip
        self.state.step[0] = self.st[self.k.MB_STEP]
        return out[0], out[1], n

    def _store_state(self):
        for i, name in enumerate(self.kernels.STATE):
            vector = getattr(self.state, name)
            vector[...] = self.S[i]


def _split(solver):
    return type(solver)._own("finish") is not None


class _GivenDirection(Solver):
    """The direction a solver's numpy ``update`` computed, handed to the
    kernels as the state of this rule (``NumpyPath``)."""

    state = ("direction",)

    @staticmethod
    def rule(g, direction):
        return direction, direction


class NumpyPath(_BatchPath):
    """A solver without a compiled rule: per batch of training rows, the
    kernels sum the loss gradient and finish it (mean, coupled L2, clipping),
    the solver's numpy ``update`` turns it into a direction, and the kernels
    take the step with it (rate, decoupled decay, L1, averaging): the
    compiled path's update, one Python call per batch."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from skgd import _jit

        self.kernels = _jit.base()
        general = self.config.general(self.data.n_out)
        self.step = _jit.for_solver(_GivenDirection, general)
        n_samples, n_features = self.data.X.shape
        self.scratch = scratch(self.data.n_out, n_samples, n_features, False, False)
        self.direction = np.zeros((1, self.coef.shape[0] + self.data.n_out))
        self.direction = self.direction.astype(self.coef.dtype)

    def _step(self, targets, schedule, n, loss, weight):
        """One update from the loss gradient sums of ``n`` rows in the
        scratch: finished by the kernels, turned into a direction by the
        solver's ``update``, stepped by the kernels.  Returns the kernel's
        (sum of losses, sum of objective terms)."""
        from skgd._jit._records import Scratch

        d, k = self.data, self.kernels
        model = self._model(self.direction, np.zeros(0))
        scratch = Scratch.make(**self.scratch)
        control = self._control(False, batch_size=n)
        scale = k.finish_sums(d.rows(), model, self.objective, control, scratch, n)
        n_coef = self.coef.shape[0]
        grad = np.concatenate([self.scratch["gbuf"][:n_coef] * scale,
                               self.scratch["gb"]])  # fmt: skip
        if not self.config.fit_intercept:
            grad[n_coef:] = 0.0
        direction, self.state = self.solver.update(grad, self.state)
        self.direction[0] = direction
        control = self._control(False, batch_size=n, given=(n, loss, weight))
        out = self.step.run_epoch(
            d.rows(), targets, model, self.objective, schedule, control, scratch
        )
        return out[0], out[1]

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        from skgd._jit._records import Scratch

        d, k = self.data, self.kernels
        if do_shuffle:
            k.shuffle_order(order, d.seed)
        rows = order[~d.validation_mask[order]]
        model = self._model(self.direction, np.zeros(0))
        schedule = self.config.schedule_record(eta, self.normalize)
        sumloss = objective_sum = 0.0
        for start in range(0, rows.shape[0], self.batch_size):
            targets = d.targets(rows[start : start + self.batch_size])
            control = self._control(False, batch_size=self.batch_size)
            loss, weight, n = k.batch_gradient(
                d.rows(), targets, model, self.objective, control,
                Scratch.make(**self.scratch),
            )  # fmt: skip
            out = self._step(targets, schedule, n, loss, weight)
            sumloss += out[0]
            objective_sum += out[1]
        return sumloss, objective_sum, d.train_count

    def step_from_sums(self, eta, g, gb, n, loss, weight):
        """One update of the full batch whose loss gradient sums were added
        up elsewhere (see ``KernelPath.step_from_sums``)."""
        self.scratch["gbuf"][:] = g
        self.scratch["gb"][:] = gb
        schedule = self.config.schedule_record(eta, self.normalize)
        out = self._step(self.data.targets(np.zeros(0, dtype=np.int32)), schedule,
                         n, loss, weight)  # fmt: skip
        return out[0], out[1], n


class RowPath(_HeldModel):
    """A solver that keeps state per row (SAGA): its own compiled pass over
    the rows (``row_pass``), the per-coordinate state as the matrix ``S``
    and the per-row state as the matrix ``R`` (a row per state vector, the
    rows' entries output by output), the hyperparameters of the pass from
    the data (``row_hyper``)."""

    def __init__(
        self, config, data, coef, average_coef, intercept, average_intercept, *,
        problem, state, reset_state,
    ):  # fmt: skip
        from skgd import _jit
        from skgd._driver import row_weight
        from skgd._jit._rows import flat_rows

        self.config = config
        self.solver = solver = config.solver
        if not data.dense and not data.X.has_canonical_format:
            # a column repeated in a row would take two proximal steps
            data.X = data.X.copy()
            data.X.sum_duplicates()
            data.data, data.indices, data.indptr = flat_rows(data.X)
        self.data = data
        self.coef = coef
        self.state = state
        self.kernels = _jit.row_kernels(solver)
        n_out = data.n_out
        dtype = coef.dtype
        self.b = np.array(intercept, dtype=np.float64).reshape(n_out)
        if data.softmax:
            self.cw = np.asarray(data.class_weights, dtype=np.float64)
        else:
            self.cw = np.array([data.weight_neg, data.weight_pos], dtype=np.float64)
        rw = row_weight(
            data.y, data.sample_weight, data.weight_pos, data.weight_neg,
            data.class_weights,
        )  # fmt: skip
        self.hp = np.array(solver.row_hyper(config, data, rw), dtype=np.float64)
        self.S = _state_matrix(state, type(solver).state, dtype)
        self.R = np.ascontiguousarray(
            np.stack([np.asarray(getattr(state, n)).reshape(-1)
                      for n in type(solver).row_state]),
            dtype=dtype,
        )  # fmt: skip
        n_samples, n_features = data.X.shape
        self.scratch = dict(
            f=np.zeros(data.train_count + 1),
            last=np.zeros(n_features, dtype=np.int64), z=np.zeros(n_out),
        )  # fmt: skip
        # the pass reads the whole penalty: the solver owns it
        p = config.penalty
        from skgd._jit._records import Objective

        self.objective = Objective.make(
            loss=config.loss_code, eps=config.loss_param, alpha=p.alpha,
            l1_ratio=p.l1_ratio, lam=p.lam, use_l1=p.use_l1, use_l2=p.use_l2,
            penalized=p.name is not None,
        )  # fmt: skip

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        from skgd._jit._records import RowControl, RowModel, RowScratch

        c, d = self.config, self.data
        model = RowModel.make(w=self.coef, b=self.b, S=self.S, R=self.R, hp=self.hp)
        control = RowControl.make(
            cw=self.cw, softmax=d.softmax, fit_intercept=c.fit_intercept,
            do_shuffle=do_shuffle, seed=d.seed,
        )  # fmt: skip
        sumloss, objective_sum, k = self.kernels.run_rows(
            d.rows(), d.targets(order), model, self.objective, control,
            RowScratch.make(**self.scratch),
        )  # fmt: skip
        self.state.step[0] += k
        return sumloss, objective_sum, d.train_count

    def model(self, n_epochs):
        return self.coef.copy(), self.b.copy()

    def snapshot(self):
        return (self.coef.copy(), self.b.copy(), self.S.copy(), self.R.copy())

    def restore(self, snapshot):
        self.coef[:] = snapshot[0]
        self.b[:] = snapshot[1]
        self.S[:] = snapshot[2]
        self.R[:] = snapshot[3]

    def finish(self, problem, state, count):
        """Leave the state for the next call: (intercept, average
        intercept)."""
        cls = type(self.solver)
        for i, name in enumerate(cls.state):
            getattr(state, name)[...] = self.S[i]
        for i, name in enumerate(cls.row_state):
            vector = getattr(state, name)
            vector[...] = self.R[i].reshape(vector.shape)
        problem.solver_state = state
        if self.data.vector_out:
            return self.b, self.b.copy()
        return self.b[0], self.b[0]
