"""The three ways an in-memory epoch runs, behind one interface for the epoch
loop of ``BaseGD._run_epochs``:

- ``ExactPath``: scikit-learn's per-sample algorithm (``_kernels.sgd_epoch``),
  the default solver and batch size of one output;
- ``KernelPath``: the mini-batch kernel (``_kernels.minibatch_epoch``), every
  built-in solver on batches, several outputs, and the full batch;
- ``PythonPath``: a user's solver object, one batch at a time in numpy.

Each keeps the model where its epochs update it and answers the loop's
questions: the intercept and norm after an epoch, the model a callback sees,
a snapshot for ``restore_best_weights``, and the state left for the next
``partial_fit``.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot


def flat_rows(X):
    """X as the kernels read its rows (see ``skgd._kernels``): (values,
    column indices, row pointers), CSR's own arrays with int32 indices
    (converted only if wider), or a dense C-contiguous X's flat buffer, no
    copy, with no indices."""
    if sp.issparse(X):
        return (
            X.data,
            X.indices.astype(np.int32, copy=False),
            X.indptr.astype(np.int32, copy=False),
        )
    return X.reshape(-1), np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int32)


def minibatch_scratch(code, lazy_mode, n_out, n_samples, n_features):
    """The scratch arrays of the mini-batch kernel for solver ``code``, in
    its argument order: gbuf, gb, zbuf, asum, last, touched, mark, dbuf (see
    ``skgd._kernels.minibatch_epoch``).  ``dbuf`` is empty but for the
    adaptive solvers (the scratch of their coefficient pass), and holds room
    for lazy RMSProp's powers of rho too."""
    from skgd import _kernels

    n_dbuf = 0
    if code in (_kernels.ADAGRAD, _kernels.RMSPROP, _kernels.ADAM):
        n_dbuf = 2 * n_features
        if code == _kernels.RMSPROP and lazy_mode:
            n_dbuf += min(_kernels.RMSPROP_POWERS, n_samples + 1)
    n_coef = n_out * n_features
    return (
        np.zeros(n_coef),
        np.zeros(n_out),
        np.zeros(n_out),
        np.zeros(n_coef),
        np.zeros(n_features, dtype=np.int64),
        np.zeros(n_features, dtype=np.int64),
        np.zeros(n_features, dtype=np.uint8),
        np.zeros(n_dbuf),
    )


@dataclass
class EpochArgs:
    """What every epoch of one ``_run_epochs`` call reads, as the kernels
    take it: the training rows (``flat_rows``; ``y`` contiguous; the weights
    scaled for the full batch; ``validation_mask`` marking the rows held
    out, ``train_count`` counting the others), the objective's and the
    schedule's codes and constants, the class weights of a one-output loss,
    and the shuffling seed."""

    X: object
    y: np.ndarray
    sample_weight: np.ndarray
    validation_mask: np.ndarray
    train_count: int
    loss_code: int
    eps: float
    penalty_code: int
    alpha: float
    l1_ratio: float
    lr_code: int
    eta0: float
    power_t: float
    optimal_init: float
    fit_intercept: bool
    intercept_decay: float
    average: int
    weight_pos: float
    weight_neg: float
    seed: int

    def __post_init__(self):
        self.dense = not sp.issparse(self.X)
        self.data, self.indices, self.indptr = flat_rows(self.X)
        self.vmask = self.validation_mask.view(np.uint8)
        self.use_l1 = self.penalty_code in (1, 3)


class ExactPath:
    """scikit-learn's per-sample algorithm: ``coef`` is the stored part of
    ``wscale * coef`` and ``st`` the kernel's scalars (``ST_*``: scale,
    norms, averaging, intercepts, update count)."""

    def __init__(self, est, args, coef, average_coef, intercept, average_intercept):
        from skgd import _kernels as k

        self.k = k
        self.est = est
        self.args = args
        self.coef = coef
        dtype = coef.dtype
        self.q = np.zeros(coef.shape[0] if args.use_l1 else 0, dtype=dtype)
        self.aw = average_coef if args.average else np.zeros(0, dtype=dtype)
        st = self.st = np.zeros(k.ST_SIZE, dtype=np.float64)
        st[k.ST_WSCALE] = 1.0
        st[k.ST_SQNORM] = float(np.dot(coef, coef))
        st[k.ST_L1NORM] = float(np.abs(coef).sum())
        st[k.ST_AVG_A] = 0.0
        st[k.ST_AVG_B] = 1.0
        st[k.ST_INTERCEPT] = intercept
        st[k.ST_AVG_INTERCEPT] = average_intercept
        st[k.ST_T] = est.t_
        self.wscale_threshold = 1e-6 if dtype == np.float32 else 1e-9

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        a = self.args
        return self.k.sgd_epoch(
            a.data, a.indices, a.indptr, a.dense, a.y, a.sample_weight, order,
            a.vmask, self.coef, self.aw, self.q, self.st,
            a.loss_code, a.eps, a.penalty_code, a.alpha, a.l1_ratio,
            a.lr_code, eta, a.eta0, a.power_t, a.optimal_init,
            a.fit_intercept, a.intercept_decay, a.average,
            a.weight_pos, a.weight_neg, self.wscale_threshold,
            do_shuffle, a.seed, not blocks,
        )  # fmt: skip

    def intercept(self):
        return self.st[self.k.ST_INTERCEPT]

    def norm(self):
        sq = np.asarray(self.st[self.k.ST_SQNORM], dtype=self.coef.dtype)
        return float(np.sqrt(sq))

    def settle(self):
        """Fold the running scale into the arrays, which then hold the model
        (to be scored, kept or returned)."""
        self.k.reset_wscale(self.coef, self.aw, self.st, bool(self.args.average))

    def model(self, n_epochs):
        """(coef, intercept) after ``n_epochs`` epochs of the call, the
        averaged pair once the fitted attributes are."""
        k = self.k
        w, a, s = self.coef.copy(), self.aw.copy(), self.st.copy()
        average = self.args.average
        k.reset_wscale(w, a, s, bool(average))
        n_samples = self.args.X.shape[0]
        if average and average <= self.est.t_ + n_epochs * n_samples - 1:
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


class _BatchPath:
    """What the mini-batch kernel and a user's solver share: intercepts in
    ``b``/``ab`` (one per output), the state of the solver ``solver`` (whose
    step count the epochs advance), the kernel's scalars in ``st``
    (``MB_*``: cumulative L1 penalty, update count, averaged updates) and
    the class weights ``cw`` (one per class with ``class_weights``, the
    multinomial model; else those of y <= 0 and y > 0)."""

    def __init__(
        self, est, args, coef, average_coef, intercept, average_intercept, *,
        problem, state, reset_state, n_out, class_weights, solver, batch_size,
    ):  # fmt: skip
        from skgd import _kernels as k

        self.k = k
        self.est = est
        self.args = args
        self.coef = coef
        self.state = state
        self.solver = solver
        self.batch_size = int(batch_size)
        self.n_out = n_out
        self.softmax = class_weights is not None
        # several outputs: the intercepts stay an array
        self.vector_out = self.softmax or np.ndim(args.y) == 2
        dtype = coef.dtype
        u, self.q = est._l1_state(
            problem, coef.shape[0], dtype, args.use_l1, reset_state
        )
        self.aw = average_coef if args.average else np.zeros(0, dtype=dtype)
        self.b = np.array(intercept, dtype=np.float64).reshape(n_out)
        self.ab = np.array(average_intercept, dtype=np.float64).reshape(n_out)
        if self.softmax:
            self.cw = np.asarray(class_weights, dtype=np.float64)
        else:
            self.cw = np.array([args.weight_neg, args.weight_pos], dtype=np.float64)
        st = self.st = np.zeros(k.MB_SIZE, dtype=np.float64)
        st[k.MB_U] = u
        st[k.MB_STEP] = state.step[0]
        st[k.MB_AVG_COUNT] = 0.0 if reset_state else problem.average_count

    def intercept(self):
        return self.b if self.vector_out else self.b[0]

    def norm(self):
        return float(np.linalg.norm(self.coef))

    def settle(self):
        """Nothing to fold: the arrays hold the model after every epoch."""

    def model(self, n_epochs):
        """(coef, intercept) now, the averaged pair once the fitted
        attributes are."""
        if self.args.average and self.st[self.k.MB_AVG_COUNT] > 0:
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
        if self.vector_out:
            return self.b, self.ab
        return self.b[0], self.ab[0]


class KernelPath(_BatchPath):
    """The mini-batch kernel, for the built-in solvers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        a = self.args
        est = self.est
        self.code, self.hp = self.solver._kernel_params()
        self.s1, self.s2 = est._state_vectors(self.state, self.coef.dtype)
        # plain SGD touches only the batch's columns where that is exact (the
        # kernel keeps the L2 decay in a running scale): L1, averaging and
        # clipping need every column
        exact_lazy = (
            self.code == self.k.SGD and not (a.use_l1 or a.average)
            and est.clip_norm is None and est.clip_value is None
        )  # fmt: skip
        self.lazy_mode = 0
        sparse = not a.dense
        if self.solver._resolve_lazy(sparse) or (sparse and exact_lazy):
            # a batch of one row whose column indices are distinct is its own
            # list of touched columns (kernel mode 2)
            one = self.batch_size == 1 and a.X.has_canonical_format
            self.lazy_mode = 2 if one else 1
        n_samples, n_features = a.X.shape
        self.scratch = minibatch_scratch(
            self.code, self.lazy_mode, self.n_out, n_samples, n_features
        )
        self.clip_norm = float(est.clip_norm or 0.0)
        self.clip_value = float(est.clip_value or 0.0)

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        a = self.args
        sumloss, objective_sum, _, _ = self.k.minibatch_epoch(
            a.data, a.indices, a.indptr, a.dense, a.y.reshape(-1),
            a.sample_weight, order,
            a.vmask, self.coef, self.b, self.s1, self.s2, self.aw, self.ab, self.q,
            self.st, *self.scratch,
            a.loss_code, self.softmax, a.eps, a.penalty_code, a.alpha, a.l1_ratio,
            a.lr_code, eta, a.eta0, a.power_t, a.optimal_init,
            self.code, self.hp, self.lazy_mode, self.batch_size,
            self.clip_norm, self.clip_value,
            a.fit_intercept, a.intercept_decay, a.average, self.cw,
            do_shuffle, a.seed,
        )  # fmt: skip
        self.state.step[0] = self.st[self.k.MB_STEP]
        return sumloss, objective_sum, a.train_count

    def _store_state(self):
        self.est._store_state_vectors(self.state, self.s1, self.s2)


class PythonPath(_BatchPath):
    """A user's solver object, one batch at a time in numpy, on the
    mini-batch kernel's arrays: the same update as the compiled
    ``minibatch_epoch``, with every coordinate updated; the solver returns
    its new state after each update."""

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch: (sum of losses, sum of objective terms, rows used)."""
        from skgd import _losses

        a, est, k = self.args, self.est, self.k
        b, aw, ab, q, st, cw = self.b, self.aw, self.ab, self.q, self.st, self.cw
        if do_shuffle:
            k.shuffle_order(order, a.seed)
        rows = order[~a.validation_mask[order]]
        n_out = b.shape[0]
        l1_ratio = {1: 1.0, 2: 0.0}.get(a.penalty_code, a.l1_ratio)
        lam = a.alpha * (1.0 - l1_ratio) if a.penalty_code in (2, 3) else 0.0
        u = st[k.MB_U]
        avg_count = st[k.MB_AVG_COUNT]
        sumloss = 0.0
        objective_sum = 0.0
        dtype = self.coef.dtype
        W = self.coef.astype(np.float64).reshape(n_out, -1)
        n_coef = W.size
        for start in range(0, rows.shape[0], self.batch_size):
            batch = rows[start : start + self.batch_size]
            m = batch.shape[0]
            Xb = a.X[batch]
            yb = np.asarray(a.y[batch], dtype=np.float64)
            Z = np.asarray(safe_sparse_dot(Xb, W.T, dense_output=True)) + b
            if self.softmax:
                labels = yb.astype(np.int64)
                sb = np.asarray(a.sample_weight[batch], dtype=np.float64) * cw[labels]
                Z -= Z.max(axis=1, keepdims=True)
                log_norm = np.log(np.exp(Z).sum(axis=1))
                losses = log_norm - Z[np.arange(m), labels]
                G = np.exp(Z - log_norm[:, None])
                G[np.arange(m), labels] -= 1.0
            else:
                yb = yb.reshape(m, n_out)
                sb = np.asarray(a.sample_weight[batch], dtype=np.float64)
                sb = sb * np.where(yb[:, 0] > 0.0, cw[1], cw[0])
                losses = _losses.loss_value(est.loss, yb, Z, a.eps).sum(axis=1)
                G = _losses.loss_derivative(est.loss, yb, Z, a.eps)
            G = np.clip(G, -1e12, 1e12) * sb[:, None]
            sumloss += np.sum(sb * losses)
            pen = est._penalty(W.ravel())
            objective_sum += np.sum(sb * losses) + pen * m
            grad = np.empty(n_coef + n_out)
            grad[:n_coef] = (
                np.asarray(safe_sparse_dot(G.T, Xb, dense_output=True)) / m + lam * W
            ).ravel()
            grad[n_coef:] = G.sum(axis=0) / m if a.fit_intercept else 0.0
            if est.clip_value is not None:
                np.clip(grad, -est.clip_value, est.clip_value, out=grad)
            if est.clip_norm is not None:
                gnorm = np.linalg.norm(grad)
                if gnorm > est.clip_norm:
                    grad *= est.clip_norm / gnorm
            t = float(self.state.step[0]) + 1.0
            eta_t = k.schedule_eta(
                a.lr_code, eta, a.eta0, a.power_t, a.alpha, a.optimal_init, t, True
            )
            direction, self.state = self.solver.update(grad, self.state)
            direction = np.asarray(direction, dtype=np.float64)
            w = W.ravel() - eta_t * direction[:n_coef]
            if a.fit_intercept:
                b -= eta_t * direction[n_coef:] * a.intercept_decay
            if a.use_l1:
                u += l1_ratio * eta_t * a.alpha
                z = w.copy()
                pos = z > 0
                neg = z < 0
                w[pos] = np.maximum(0.0, z[pos] - (u + q[pos]))
                w[neg] = np.minimum(0.0, z[neg] + (u - q[neg]))
                w = w.astype(dtype).astype(np.float64)
                q += (w - z).astype(q.dtype)
            else:
                w = w.astype(dtype).astype(np.float64)
            W = w.reshape(n_out, -1)
            if a.average and t >= a.average:
                avg_count += 1
                aw += ((w - aw) / avg_count).astype(aw.dtype)
                ab += (b - ab) / avg_count
        self.coef[:] = W.ravel()
        st[k.MB_U] = u
        st[k.MB_AVG_COUNT] = avg_count
        st[k.MB_STEP] = self.state.step[0]
        return sumloss, objective_sum, a.train_count
