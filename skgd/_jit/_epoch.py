"""The mini-batch kernel: one epoch of gradient descent on ``K`` outputs,
every solver (through its generated module's functions), every batch size,
dense and CSR; and its pieces for the other paths (the gradient of the
blocks of a dask array, and the client's step on their sum).

A model of ``K`` outputs keeps the ``(K, n_features)`` coefficients row by
row in ``w`` and the ``K`` intercepts in ``b``.  With ``control.softmax``
the outputs are the scores of a multinomial logistic model (``y`` holds
class indices, ``cw`` the class weights, or the ``(n_samples, K)`` class
probabilities of soft labels row by row, told apart by their length);
otherwise ``objective.loss`` is a
one-output loss applied to each of the ``K`` targets (``y`` holds the
``(n_samples, K)`` targets row by row; ``cw`` = (weight of y <= 0, weight of
y > 0), read on the first target).

``control.lazy_mode`` (sparse input only): 0, every step updates every
column; 1 (lazy), an update touches only the columns present in the batch
(in every output); 2, the same for batches of one row whose column indices
are distinct (a canonical CSR matrix): the row's own indices are the touched
columns and the gradient is read off the row, with no buffer.  Lazy mode
with plain SGD is exact, and is only asked for without L1, averaging or
clipping.

The solver-dependent part of the kernel is the template
``skgd._jit._template``, copied into each solver's generated module (see
``skgd._jit._generate``); this module holds the pieces every solver shares:
``gather_rows`` (inlined into each kernel: a call per row would cost a
per-sample epoch about 5%) and its cached form ``gather`` for the other
paths, the batch gradient's finishing touches, and the dask path's pieces.
"""

import math

import numpy as np

from skgd._jit._compile import cached, inline
from skgd._jit._loss import MAX_DLOSS, loss_derivative, loss_value
from skgd._jit._rows import U, faxpy, fdot, prefetch_ahead, span
from skgd._jit._step import Pass

# Layout of the float64 scalar-state vector ``model.st``.
MB_U = 0  # the cumulative L1 penalty
MB_STEP = 1  # the solver's update count
MB_AVG_COUNT = 2  # the number of averaged updates
MB_SIZE = 3


@inline(error_model="numpy")
def gather_rows(rows, targets, objective, control, model, scratch, pos, wscale, lazy):
    """Read one batch of training rows from position ``pos`` of the order:
    their weighted losses and the sums of their loss gradients (``gbuf``
    for the coefficients, ``gb`` for the intercepts; for a lazily updated
    batch of one row, ``zbuf`` holds the row's derivatives instead).
    ``lazy``: (full, direct, prefetch).

    Returns (next position, rows read, columns touched, sum of weighted
    losses, sum of weights, start and length of the last row read)."""
    data, indices, indptr, dense = rows
    y, sw, order, vmask = targets
    w, b = model.w, model.b
    gbuf, gb, zbuf = scratch.gbuf, scratch.gb, scratch.zbuf
    touched, mark = scratch.touched, scratch.mark
    full, direct, prefetch = lazy
    loss_code, eps = objective.loss, objective.eps
    softmax, cw, batch_size = control.softmax, control.cw, control.batch_size
    n_out = b.shape[0]
    nf = w.shape[0] // n_out
    # soft labels (a probability per class and row) fill y with n_out values
    # a row, class indices one
    soft = softmax and y.shape[0] != sw.shape[0]
    n_y = 1 if softmax and not soft else n_out  # targets per row in y
    n_order = order.shape[0]
    n_touched = 0
    bw = 0.0
    bl = 0.0
    nrows = 0
    bs = np.int64(0)
    bn = np.int64(0)
    for o in range(n_out):
        gb[o] = 0.0
    if full:
        for c in range(w.shape[0]):
            gbuf[c] = 0.0
    while pos < n_order and nrows < batch_size:
        if prefetch:
            prefetch_ahead(order, pos, data, indices, indptr, dense, nf, y, n_y, sw)
        r = order[pos]
        pos += 1
        if vmask[r]:
            continue
        nrows += 1
        s, nnz = span(indptr, dense, nf, r)
        if direct:
            bs = s
            bn = nnz
        first = 0  # outputs whose score is still to compute start here
        if not full and not direct:
            # one pass over the (sparse) row: record its new columns and
            # compute the first output's score
            acc = 0.0
            r0 = U(s)
            for j in range(nnz):
                idx = U(indices[r0 + U(j)])
                if mark[idx] == 0:
                    mark[idx] = 1
                    touched[n_touched] = idx
                    n_touched += 1
                acc += w[idx] * data[r0 + U(j)]
            zbuf[0] = acc * wscale + b[0]
            first = 1
        for o in range(first, n_out):
            inner = fdot(w, o * nf, data, indices, s, nnz, dense) * wscale
            zbuf[o] = inner + b[o]
        if softmax and soft:
            # cross-entropy against the row's class probabilities q: the
            # loss log(sum exp z) - sum q z, its gradient softmax(z) - q
            wr = np.float64(sw[r])
            zmax = zbuf[0]
            qz = 0.0
            for o in range(n_out):
                zmax = max(zmax, zbuf[o])
                qz += y[r * n_out + o] * zbuf[o]
            total = 0.0
            for o in range(n_out):
                zbuf[o] = math.exp(zbuf[o] - zmax)
                total += zbuf[o]
            bl += wr * (math.log(total) + zmax - qz)
            for o in range(n_out):
                zbuf[o] = zbuf[o] / total - y[r * n_out + o]
        elif softmax:
            label = np.int64(y[r])
            wr = np.float64(sw[r]) * cw[label]
            zmax = zbuf[0]
            for o in range(1, n_out):
                zmax = max(zmax, zbuf[o])
            total = 0.0
            for o in range(n_out):
                zbuf[o] = math.exp(zbuf[o] - zmax)
                total += zbuf[o]
            bl += wr * (math.log(total) + zmax - (math.log(zbuf[label]) + zmax))
            for o in range(n_out):
                zbuf[o] = zbuf[o] / total - (1.0 if o == label else 0.0)
        else:
            # one-output losses, on each of the n_out targets of the row
            yr = y[r * n_out]
            wr = np.float64(sw[r]) * (cw[1] if yr > 0.0 else cw[0])
            for o in range(n_out):
                yo = y[r * n_out + o]
                bl += wr * loss_value(loss_code, yo, zbuf[o], eps)
                zbuf[o] = loss_derivative(loss_code, yo, zbuf[o], eps)
        bw += wr
        for o in range(n_out):
            dl = zbuf[o]
            if dl < -MAX_DLOSS:
                dl = -MAX_DLOSS
            elif dl > MAX_DLOSS:
                dl = MAX_DLOSS
            dl *= wr
            zbuf[o] = dl
            if dl != 0.0 and not direct:
                faxpy(gbuf, o * nf, dl, data, indices, s, nnz, dense)
            gb[o] += dl
    return pos, nrows, n_touched, bl, bw, bs, bn


@cached(error_model="numpy")
def gather(rows, targets, objective, control, model, scratch, pos, wscale, lazy):
    """``gather_rows``, compiled once for every caller that is no kernel."""
    return gather_rows(
        rows, targets, objective, control, model, scratch, pos, wscale, lazy
    )


@cached(error_model="numpy")
def finish_gradient(rows, model, control, scratch, ps):
    """Clipping by norm needs the whole gradient first: one pass that
    finishes it (mean + coupled L2, clipped by value) in ``gbuf``, then the
    norm's factor applied to the intercepts'.  Returns the factor for the
    coefficients'."""
    data, indices = rows.data, rows.indices
    w, gbuf, gb, zbuf = model.w, scratch.gbuf, scratch.gb, scratch.zbuf
    nf, bs, clip_value = ps.nf, ps.bs, ps.clip_value
    gsq = 0.0
    for o in range(ps.n_out):
        if control.fit_intercept:
            gsq += gb[o] * gb[o]
        off = o * nf
        for jj in range(ps.n_cols):
            if ps.full:
                c = off + jj
            elif ps.direct:
                c = off + np.int64(indices[U(bs + jj)])
            else:
                c = off + scratch.touched[jj]
            g = zbuf[o] * data[bs + jj] if ps.direct else gbuf[c] * ps.inv_n
            g += ps.grad_lam * w[c]
            if clip_value > 0.0:
                g = min(max(g, -clip_value), clip_value)
            gbuf[c] = g
            gsq += g * g
    gnorm = math.sqrt(gsq)
    scale = 1.0
    if control.clip_norm > 0.0 and gnorm > control.clip_norm:
        scale = control.clip_norm / gnorm
        for o in range(ps.n_out):
            gb[o] *= scale
    return scale


@inline()
def with_step(ps, u, decay, scale):
    """``ps`` with the step's L1 penalty, decoupled decay and clipping
    factor."""
    return Pass(
        ps.full, ps.direct, ps.prepared, ps.use_l1, ps.use_avg, ps.averaged,
        ps.decaying, ps.n_cols, ps.k, ps.n_out, ps.nf, ps.avg_first, ps.bs, ps.eta,
        decay, u, scale, ps.inv_n, ps.grad_lam, ps.clip_value, ps.skip_decay,
    )  # fmt: skip


@inline(error_model="numpy")
def finish(rows, model, control, scratch, ps):
    """The batch gradient from its sums: the intercepts' mean, clipped by
    value; with ``ps.prepared``, the coefficients' too, and clipping by norm
    (``finish_gradient``).  Returns the factor of clipping by norm."""
    gb = scratch.gb
    for o in range(ps.n_out):
        gb[o] *= ps.inv_n
        if ps.clip_value > 0.0:
            gb[o] = min(max(gb[o], -ps.clip_value), ps.clip_value)
    if ps.prepared:
        return finish_gradient(rows, model, control, scratch, ps)
    return 1.0


@cached(error_model="numpy")
def batch_gradient(rows, targets, model, objective, control, scratch):
    """The loss gradient sums of the rows of ``targets.order`` taken as one
    batch, every column, in ``gbuf`` (coefficients) and ``gb``
    (intercepts), with no step: for the blocks of a dask array, whose sums
    the client adds up, and for the solvers of the numpy path.

    Returns (sum of weighted losses, sum of weights, rows)."""
    _, nrows, _, bl, bw, _, _ = gather(
        rows, targets, objective, control, model, scratch, np.int64(0), 1.0,
        (True, False, False),
    )  # fmt: skip
    return bl, bw, nrows


@cached(error_model="numpy")
def finish_sums(rows, model, objective, control, scratch, nrows):
    """The batch gradient a solver of the numpy path sees, from the sums of
    ``batch_gradient`` over ``nrows`` rows: the mean, plus the coupled L2
    part of the penalty, clipped, in ``gbuf`` and ``gb`` (``finish``).
    Returns the factor of clipping by norm, which applies to ``gbuf``."""
    n_out = model.b.shape[0]
    nf = model.w.shape[0] // n_out
    grad_lam = 0.0 if control.decoupled else objective.lam
    ps = Pass(
        True, False, True, False, False, False, False, nf, 1, n_out, nf, 1,
        np.int64(0), 0.0, 1.0, 0.0, 1.0, 1.0 / nrows, grad_lam, control.clip_value,
        1.0,
    )  # fmt: skip
    return finish(rows, model, control, scratch, ps)
