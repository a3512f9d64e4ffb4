"""The solver-dependent part of the mini-batch kernel, a template: skgd
copies the source below the marker into each solver's generated module
(``skgd._jit._generate``), after the solver's functions, so that numba
compiles these functions once per solver, calling its rule as a global of
the module (cacheable), never as a value (a function passed as a value is
an address numba cannot cache).

The names the template reads from the generated module: ``hyper(hp)`` (the
solver's hyperparameters as a tuple), ``begin(h, t0)`` (what it carries
from update to update, at the start of a call after ``t0`` updates),
``prepare(h, carry, t)`` (the carry and the values of update ``t``),
``coordinate(g, w, eta, S, c, h, p, catch_up)`` (the rule on coordinate
``c`` of the state matrix ``S``, of value ``w`` before the update of rate
``eta``, each state entry first times ``catch_up``, the decay it owes for
the updates that skipped it; returns the rule's two intermediates),
``complete(a, b, h, p)`` (the direction from them) and ``proximal(z, eta,
S, c, h, p)`` (the solver's proximal step of a coefficient ``z`` after the
step, at rate ``eta``, reading the coordinate's state in ``S``, when it owns
the penalty); and three
constants: ``SPLIT``, whether the rule returns two intermediates (then
``split_pass`` takes its simple updates), ``GENERAL``, whether the module
serves fits with several outputs, clipping, L1, averaging or a solver's
proximal step (every update then takes ``column_pass``'s general version;
else its simple one, or ``split_pass``), and ``PROXIMAL``, whether the
solver owns the penalty.  A fit uses one of a rule's two modules, and numba
compiles only the passes it reaches.  Here they are placeholders, so that
the file imports.
"""

import math

import numpy as np

from skgd._jit._compile import inline, jit
from skgd._jit._epoch import MB_AVG_COUNT, MB_STEP, MB_U, finish, gather_rows, with_step
from skgd._jit._placeholders import (  # noqa: F401 - names of the template
    GENERAL,
    PROXIMAL,
    SPLIT,
    begin,
    complete,
    coordinate,
    hyper,
    prepare,
    proximal,
)
from skgd._jit._rows import U, shuffle_order, worth_prefetching
from skgd._jit._schedule import schedule_eta
from skgd._jit._step import (
    WSCALE_MIN,
    Pass,
    avg_steps,
    decay_since,
    fold_scale,
    pass_column,
)

# ---- template: copied into each solver's generated module from here ----


@jit(error_model="numpy")
def column_pass(simple, ps, rows, model, scratch, h, p, norms):
    """One update's pass over the coefficient columns it touches: gradient
    (mean + coupled L2, clipped; or the ``prepared`` gradient already in
    ``gbuf`` times ``scale``), solver direction, step, decoupled decay, L1
    truncation, averaging.  ``simple`` (a constant): the version for one
    output without clipping, L1 or averaging, whose loop holds no branch for
    them.  (A separate function rather than one inlined into the kernel: the
    same speed, and the kernel compiles in about 13 s instead of 23.)
    Returns the running squared L2 norm and L1 norm of the coefficients,
    updated."""
    data, indices = rows.data, rows.indices
    w, S, q = model.w, model.S, model.q
    touched, last, mark = scratch.touched, scratch.last, scratch.mark
    asum, gbuf, zbuf, dbuf = scratch.asum, scratch.gbuf, scratch.zbuf, scratch.dbuf
    full, direct, n_cols, k, nf, bs = ps.full, ps.direct, ps.n_cols, ps.k, ps.nf, ps.bs
    prepared, use_l1, use_avg, averaged = (
        ps.prepared,
        ps.use_l1,
        ps.use_avg,
        ps.averaged,
    )
    eta_t, decay, u, scale, inv_n = ps.eta, ps.decay, ps.u, ps.scale, ps.inv_n
    grad_lam, clip_value, n_out, decaying = (
        ps.grad_lam,
        ps.clip_value,
        ps.n_out,
        ps.decaying,
    )
    sq_norm, l1_norm = norms
    if simple:
        prepared = use_l1 = use_avg = averaged = False
        clip_value = 0.0
        n_out = 1
    ct = w.dtype.type
    for jj in range(n_cols):
        j = pass_column(jj, full, direct, indices, bs, touched)
        catch_up = 1.0
        if decaying and not full:
            catch_up = decay_since(ps.skip_decay, k - 1 - last[j], dbuf, 2 * nf)
        for o in range(n_out):
            c = U(o * nf + j)
            old = np.float64(w[c])
            if prepared:
                g = gbuf[c] * scale
            else:
                g = zbuf[o] * data[U(bs + jj)] if direct else gbuf[c] * inv_n
                g += grad_lam * old
                if clip_value > 0.0:
                    g = min(max(g, -clip_value), clip_value)
            if not full and not direct:
                gbuf[c] = 0.0  # ready for the next batch
            a, b = coordinate(g, old, eta_t, S, c, h, p, catch_up)
            d = complete(a, b, h, p)
            if use_avg and not full:
                asum[c] += old * avg_steps(last[j], k - 1, ps.avg_first)
            new = ct(old * decay - eta_t * d)
            if use_l1:
                z = np.float64(new)
                if z > 0.0:
                    new = ct(max(0.0, z - (u + q[c])))
                elif z < 0.0:
                    new = ct(min(0.0, z + (u - q[c])))
                q[c] = q[c] + (np.float64(new) - z)
            if PROXIMAL:  # the solver owns the penalty: its proximal step
                new = ct(proximal(np.float64(new), eta_t, S, c, h, p))
            w[c] = new
            nw = np.float64(new)
            sq_norm += nw * nw - old * old
            if not simple:  # the simple pass has no L1 term to report
                l1_norm += abs(nw) - abs(old)
            if averaged:
                asum[c] += nw
        if decaying or use_avg:
            last[j] = k  # for the catch-up of lazily updated coordinates
        if not full and not direct:
            mark[j] = 0
    return sq_norm, l1_norm


@inline(error_model="numpy")
def split_pass(ps, rows, model, scratch, h, p, norms):
    """``column_pass`` for a solver whose rule returns two intermediates
    (the adaptive solvers: a numerator and a radicand), for one output
    without clipping, L1 or averaging, in three loops: the gradient and the
    rule per column, writing the intermediates to ``dbuf``; the directions,
    over ``dbuf`` alone, whose square roots and divisions LLVM takes four at
    a time; the steps.  The same operations in the same order as the
    one-loop pass, so the same bits, in less time on sparse rows, where the
    columns come in no order and a square root and a division per column
    otherwise wait for each other (CSR, 50 000 columns: Adam on batches of
    256 159 -> 136 ms an epoch).  Returns the squared L2 norm of the
    coefficients, updated."""
    data, indices = rows.data, rows.indices
    w, S = model.w, model.S
    touched, last, mark = scratch.touched, scratch.last, scratch.mark
    gbuf, zbuf, dbuf = scratch.gbuf, scratch.zbuf, scratch.dbuf
    full, direct, n_cols, k, nf, bs = ps.full, ps.direct, ps.n_cols, ps.k, ps.nf, ps.bs
    eta_t, decay, inv_n, grad_lam = ps.eta, ps.decay, ps.inv_n, ps.grad_lam
    decaying = ps.decaying
    sq_norm = norms[0]
    ct = w.dtype.type
    second = U(n_cols)  # the second intermediates follow the first in dbuf
    for jj in range(n_cols):
        j = pass_column(jj, full, direct, indices, bs, touched)
        c = U(j)
        g = zbuf[0] * data[U(bs + jj)] if direct else gbuf[c] * inv_n
        old = np.float64(w[c])
        g += grad_lam * old
        if not full and not direct:
            gbuf[c] = 0.0  # ready for the next batch
        catch_up = 1.0
        if decaying and not full:
            catch_up = decay_since(ps.skip_decay, k - 1 - last[j], dbuf, 2 * nf)
        a, b = coordinate(g, old, eta_t, S, c, h, p, catch_up)
        dbuf[U(jj)] = a
        dbuf[second + U(jj)] = b
    for jj in range(n_cols):
        dbuf[U(jj)] = complete(dbuf[U(jj)], dbuf[second + U(jj)], h, p)
    for jj in range(n_cols):
        j = pass_column(jj, full, direct, indices, bs, touched)
        c = U(j)
        old = np.float64(w[c])
        new = ct(old * decay - eta_t * dbuf[U(jj)])
        w[c] = new
        nw = np.float64(new)
        sq_norm += nw * nw - old * old
        if decaying:
            last[j] = k  # for the catch-up of lazily updated coordinates
        if not full and not direct:
            mark[j] = 0
    return sq_norm, norms[1]


@inline(error_model="numpy")
def update(rows, model, objective, control, scratch, ps, h, p, norms, eta_t):
    """One update from the batch gradient sums of ``gather``: intercepts
    and coefficients; ``eta_t`` the update's rate, ``ps.eta`` the
    coefficients' (the rate over the running scale of plain SGD on lazily
    updated sparse input).  Returns (the running norms, the cumulative L1
    penalty)."""
    b, S = model.b, model.S
    gb = scratch.gb
    n_out = ps.n_out
    n_coef = model.w.shape[0]
    scale = finish(rows, model, control, scratch, ps)
    # ---- intercepts: direction and step
    if control.fit_intercept:
        for o in range(n_out):
            a, a2 = coordinate(gb[o], b[o], eta_t, S, n_coef + o, h, p, 1.0)
            b[o] -= eta_t * complete(a, a2, h, p) * control.intercept_decay
    u = ps.u
    if ps.use_l1:
        u += objective.l1_ratio * eta_t * objective.alpha
    decay = max(0.0, 1.0 - eta_t * objective.lam) if control.decoupled else 1.0
    ps = with_step(ps, u, decay, scale)
    # ---- coefficients, one pass per touched column: gradient (mean + coupled
    # L2, clipped), solver direction, step, decoupled decay, L1 truncation,
    # running norms, averaging
    if GENERAL:
        norms = column_pass(False, ps, rows, model, scratch, h, p, norms)
    elif SPLIT:
        norms = split_pass(ps, rows, model, scratch, h, p, norms)
    else:
        norms = column_pass(True, ps, rows, model, scratch, h, p, norms)
    return norms, u


@jit(error_model="numpy")
def minibatch_epoch(rows, targets, model, objective, sched, control, scratch):
    """One epoch of mini-batch gradient descent (see the module docstring).

    Returns (sum of weighted losses, sum of objective terms -- weighted loss
    plus the penalty once per row --, sum of weights, number of updates).
    """
    data, indices, _, dense = rows
    order = targets.order
    w, b, aw, ab, q, S, hp, st = model
    asum, gbuf, last, mark, dbuf = (
        scratch.asum, scratch.gbuf, scratch.last, scratch.mark, scratch.dbuf,
    )  # fmt: skip
    ct = w.dtype.type
    n_out = b.shape[0]
    nf = w.shape[0] // n_out
    n_coef = w.shape[0]
    lazy_mode = control.lazy_mode
    full = dense or lazy_mode == 0
    direct = not full and lazy_mode == 2 and control.batch_size == 1
    lam = objective.lam
    l1_ratio = objective.l1_ratio
    grad_lam = 0.0 if control.decoupled else lam
    # Plain SGD on lazily updated sparse input keeps w as ``wscale`` times the
    # stored array (scikit-learn's running scale): the coupled L2 decay of
    # every coordinate is then one multiplication of the scale, and the column
    # pass steps only the touched columns, by the loss gradient alone.  Exact,
    # like the dense update, given what the caller guarantees when it asks for
    # lazy mode with plain SGD: no L1 penalty, no averaging, no clipping
    # (which involve every column).
    scaled = control.plain and not control.decoupled and not full and lam > 0.0
    wscale = 1.0
    if scaled:
        grad_lam = 0.0
    use_avg = aw.shape[0] > 0
    skip_decay = control.skip_decay
    decaying = skip_decay != 1.0
    h = hyper(hp)

    if control.do_shuffle:
        shuffle_order(order, control.seed)
    prefetch = control.do_shuffle and worth_prefetching(data, indices)
    if decaying and not full:
        # skip_decay ** m for the lazy updates' catch-up (``decay_since``)
        for m in range(2 * nf, dbuf.shape[0]):
            dbuf[m] = math.pow(skip_decay, np.float64(m - 2 * nf))

    u = st[MB_U]
    step0 = st[MB_STEP]
    avg_count0 = st[MB_AVG_COUNT]
    carry = begin(h, step0)

    # running norms of w for the objective, kept up to date incrementally
    sq_norm = 0.0
    l1_norm = 0.0
    given = control.given_rows > 0
    for c in range(n_coef):
        wc = np.float64(w[c])
        sq_norm += wc * wc
        l1_norm += abs(wc)
        asum[c] = 0.0
        if not given:
            gbuf[c] = 0.0  # a lazy update leaves the entries it reads at zero
    for j in range(nf):
        last[j] = 0
        mark[j] = 0

    # local step at which averaging starts (t = step0 + k >= average)
    avg_first = 1
    if use_avg:
        avg_first = max(1, np.int64(control.average - step0))

    sum_loss = 0.0
    sum_obj = 0.0
    sum_w = 0.0
    k = 0  # local update count
    pos = np.int64(0)
    lazy = (full, direct, prefetch)
    while given or pos < order.shape[0]:
        if given:  # the sums of one batch are in the scratch already
            nrows, n_touched, bs, bn = control.given_rows, 0, np.int64(0), np.int64(0)
            bl, bw = control.given_loss, control.given_weight
            pos = order.shape[0]
            given = False
        else:
            pos, nrows, n_touched, bl, bw, bs, bn = gather_rows(
                rows, targets, objective, control, model, scratch, pos, wscale, lazy
            )
        if nrows == 0:
            break
        k += 1
        t = step0 + k
        sum_loss += bl
        pen = 0.0
        if objective.penalized:
            pen = objective.alpha * (
                (1.0 - l1_ratio) * 0.5 * sq_norm * wscale * wscale
                + l1_ratio * l1_norm * abs(wscale)
            )
        sum_obj += bl + pen * nrows
        sum_w += bw
        n_cols = nf if full else (bn if direct else n_touched)

        eta_t = schedule_eta(sched, objective.alpha, t)
        carry, p = prepare(h, carry, t)
        step_eta = eta_t
        if scaled:
            wscale *= 1.0 - eta_t * lam
            if abs(wscale) < WSCALE_MIN:
                sq_norm = fold_scale(w, wscale)
                wscale = 1.0
            step_eta = eta_t / wscale
        averaged = use_avg and k >= avg_first
        ps = Pass(
            full, direct, control.clip_norm > 0.0, objective.use_l1, use_avg,
            averaged, decaying, n_cols, k, n_out, nf, avg_first, bs, step_eta, 1.0,
            u, 1.0, 1.0 / nrows, grad_lam, control.clip_value, skip_decay,
        )  # fmt: skip
        (sq_norm, l1_norm), u = update(
            rows, model, objective, control, scratch, ps, h, p, (sq_norm, l1_norm),
            eta_t,
        )  # fmt: skip
        if averaged:
            cnt = avg_count0 + avg_steps(0, k, avg_first)
            for o in range(n_out):
                ab[o] += (b[o] - ab[o]) / cnt

    # ---- bring lazily updated coordinates up to the end of the epoch
    if scaled and wscale != 1.0:
        fold_scale(w, wscale)
    if not full and decaying:
        for j in range(nf):
            if k > last[j]:
                decay_j = decay_since(skip_decay, k - last[j], dbuf, 2 * nf)
                for r in range(S.shape[0]):
                    for o in range(n_out):
                        S[r, o * nf + j] = S[r, o * nf + j] * decay_j
    if use_avg:
        n_avg = avg_steps(0, k, avg_first)
        if n_avg > 0:
            total = avg_count0 + n_avg
            for c in range(n_coef):
                acc = asum[c]
                if not full:
                    acc += np.float64(w[c]) * avg_steps(last[c % nf], k, avg_first)
                aw[c] = ct((np.float64(aw[c]) * avg_count0 + acc) / total)
            st[MB_AVG_COUNT] = total

    st[MB_U] = u
    st[MB_STEP] = step0 + k
    return sum_loss, sum_obj, sum_w, k
