"""SAGA: incremental gradients with a memory of one gradient per row."""

from numbers import Real
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from sklearn.utils._param_validation import StrOptions

from skgd.solvers._base import POSITIVE, Solver

if TYPE_CHECKING:  # the layer's names the row pass calls in its generated module
    from skgd._jit._loss import (
        LOG_LOSS,
        MAX_DLOSS,
        log_loss_pair,
        loss_derivative,
        loss_value,
    )
    from skgd._jit._rows import (
        U,
        prefetch_ahead,
        shuffle_order,
        span,
        worth_prefetching,
    )

#: the Lipschitz constant of each smooth loss's derivative with respect to
#: the prediction, in skgd's definitions of the losses (``skgd._losses``:
#: ``squared_error`` is ``0.5 * (p - y)**2``, ``squared_hinge`` is
#: ``max(0, 1 - p * y)**2``, ...)
LIPSCHITZ = {
    "squared_error": 1.0,
    "huber": 1.0,
    "squared_epsilon_insensitive": 2.0,
    "log_loss": 0.25,
    "modified_huber": 2.0,
    "squared_hinge": 2.0,
}
#: the softmax cross-entropy's (the multinomial model): the largest
#: eigenvalue of ``diag(p) - p p^T`` is at most 1/2
SOFTMAX_LIPSCHITZ = 0.5


class SAGAState(NamedTuple):
    """SAGA's memory: a loss derivative per row and output, their sums.

    The stored loss derivative of each row and output, the sum of the
    stored gradients per parameter, and the update count.

    Parameters
    ----------
    step : ndarray of shape (1,), dtype=int64
        The number of updates made so far.
    grad_sum : ndarray of shape (n_coef,)
        The sum over the rows of the stored gradients of each parameter
        (the coefficients, then the intercepts).
    memory : ndarray of shape (n_rows, n_outputs)
        The weighted loss derivative of each training row and output at
        its last visit (zero before the first).

    Examples
    --------
    >>> import numpy as np
    >>> from skgd.solvers import SAGA
    >>> SAGA().init_state(3, np.float64, n_rows=2)
    SAGAState(step=array([0]), grad_sum=array([0., 0., 0.]), memory=array([[0.],
           [0.]]))
    """

    step: np.ndarray
    grad_sum: np.ndarray
    memory: np.ndarray


# ---------------------------------------------------------------------------
# The row pass: plain numeric Python, compiled by skgd into a generated module
# of its own (``skgd._jit._generate.row_source``) where the layer's loss
# functions and row readers are in scope.
# ---------------------------------------------------------------------------
def soft_threshold(x, t):
    """The proximal step of ``t * |x|``."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0


def catch_up(v, g, f, first, upto, l1n):
    """The stored coefficient ``v`` (the coefficient over the running scale)
    after the updates ``first + 1 .. upto`` that did not touch its column,
    in O(log(upto - first)).  Update ``t`` moved it by ``-a_t * g`` (``g``
    its gradient sum, constant while it is not touched; ``a_t = f[t] -
    f[t - 1]``, ``f`` their running sum) and soft-thresholded it at ``a_t *
    l1n``.  Without L1 that is one gradient step; when every update moves it
    towards zero (``|g| <= l1n``) the updates compose into one gradient step
    and one threshold.  Else (for ``g > l1n``, and by symmetry ``g < -l1n``)
    a positive ``v`` first falls by ``a_t * (g + l1n)`` per update, until the
    update (found by bisection of ``f``) that takes it to zero or below;
    from there on it falls by ``a_t * (g - l1n)``."""
    if upto <= first:
        return v
    if l1n == 0.0:
        return v - g * (f[upto] - f[first])
    if abs(g) <= l1n:
        total = f[upto] - f[first]
        return soft_threshold(v - g * total, total * l1n)
    sign = 1.0
    if g < 0.0:
        sign, v, g = -1.0, -v, -g
    if v > 0.0:
        # the last update t with v - (g + l1n) * (f[t] - f[first]) still above
        # the threshold of the next update
        limit = f[first] + v / (g + l1n)
        lo = first
        hi = upto
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if f[mid] < limit:
                lo = mid
            else:
                hi = mid - 1
        v -= (g + l1n) * (f[lo] - f[first])
        if lo == upto:
            return sign * v
        a = f[lo + 1] - f[lo]
        v = soft_threshold(v - g * a, a * l1n)
        first = lo + 1
    return sign * (v - (g - l1n) * (f[upto] - f[first]))


def saga_epoch(rows, targets, model, objective, control, scratch):
    """One SAGA pass over the training rows in ``targets.order`` (shuffled
    first when asked).  Dense rows update every coefficient at each step; CSR
    rows only their own columns, the others catching up just in time (and at
    the end of the pass) through a running scale for the L2 decay and the
    running sums of the average-gradient steps (``catch_up``).

    Returns (sum of weighted losses, sum of objective terms, updates)."""
    data, indices, indptr, dense = rows
    y, sw, order, vmask = targets
    w, b, S, R, hp = model.w, model.b, model.S, model.R, model.hp
    f, last, z = scratch.f, scratch.last, scratch.z
    ct = w.dtype.type
    n_out = b.shape[0]
    n_coef = w.shape[0]
    nf = n_coef // n_out
    softmax, cw = control.softmax, control.cw
    code, eps = objective.loss, objective.eps
    eta = hp[0]
    lam = objective.lam
    l1 = objective.alpha * objective.l1_ratio if objective.use_l1 else 0.0
    if control.do_shuffle:
        shuffle_order(order, control.seed)
    # in a random order every row starts with a cache miss: ask for the
    # rows ahead (as the other kernels do)
    prefetch = control.do_shuffle and worth_prefetching(data, indices)
    n_y = 1 if softmax else n_out
    n = 0
    for pos in range(order.shape[0]):
        if not vmask[order[pos]]:
            n += 1
    if n == 0:
        return 0.0, 0.0, 0
    inv_n = 1.0 / n
    l1n = l1 * n  # the threshold of a skipped update over its gradient step
    f[0] = 0.0  # the running sum of the skipped updates' gradient steps
    for j in range(nf):
        last[j] = 0
    decay = 1.0 - eta * lam
    wscale = 1.0
    sum_loss = 0.0
    k = 0
    for pos in range(order.shape[0]):
        if prefetch:
            prefetch_ahead(order, pos, data, indices, indptr, dense, nf, y, n_y, sw)
        r = order[pos]
        if vmask[r]:
            continue
        k += 1
        s, nnz = span(indptr, dense, nf, r)
        if not dense:  # the row's columns catch up the updates they missed
            for jj in range(nnz):
                j = U(indices[U(s + jj)])
                if last[j] < k - 1:
                    for o in range(n_out):
                        c = U(o * nf + j)
                        w[c] = ct(catch_up(np.float64(w[c]), np.float64(S[0, c]),
                                           f, last[j], k - 1, l1n))  # fmt: skip
                    last[j] = k - 1
        for o in range(n_out):
            acc = 0.0
            for jj in range(nnz):
                j = U(jj) if dense else U(indices[U(s + jj)])
                acc += np.float64(w[U(o * nf) + j]) * np.float64(data[U(s + jj)])
            z[o] = acc * wscale + b[o]
        # ---- the row's weighted loss derivatives
        if softmax:
            label = np.int64(y[r])
            wr = np.float64(sw[r]) * cw[label]
            zmax = z[0]
            for o in range(1, n_out):
                zmax = max(zmax, z[o])
            total = 0.0
            for o in range(n_out):
                z[o] = np.exp(z[o] - zmax)
                total += z[o]
            sum_loss += wr * (np.log(total) - np.log(z[label]))
            for o in range(n_out):
                z[o] = z[o] / total - (1.0 if o == label else 0.0)
        else:
            wr = np.float64(sw[r]) * (cw[1] if y[r * n_out] > 0.0 else cw[0])
            for o in range(n_out):
                yo = np.float64(y[r * n_out + o])
                if code == LOG_LOSS:
                    value, z[o] = log_loss_pair(yo, z[o])
                else:
                    value = loss_value(code, yo, z[o], eps)
                    z[o] = loss_derivative(code, yo, z[o], eps)
                sum_loss += wr * value
        # ---- the new derivative replaces the stored one: z holds the change
        for o in range(n_out):
            dl = min(max(z[o], -MAX_DLOSS), MAX_DLOSS) * wr
            m = U(r * n_out + o)
            z[o] = dl - np.float64(R[0, m])
            R[0, m] = dl
        if control.fit_intercept:
            for o in range(n_out):
                c = U(n_coef + o)
                total = np.float64(S[0, c])
                b[o] -= eta * (z[o] + total * inv_n)
                S[0, c] = total + z[o]
        # ---- the coefficients: change of the row's gradient, average of the
        # stored ones, L2, then the L1 proximal step
        if dense:
            for o in range(n_out):
                d = z[o]
                for j in range(nf):
                    c = U(o * nf + j)
                    gx = d * np.float64(data[U(s + j)])
                    old = np.float64(w[c])
                    total = np.float64(S[0, c])
                    new = old - eta * (gx + total * inv_n + lam * old)
                    if l1 > 0.0:
                        new = soft_threshold(new, eta * l1)
                    w[c] = ct(new)
                    S[0, c] = total + gx
            continue
        wscale *= decay
        step = eta / wscale
        f[k] = f[k - 1] + step * inv_n
        for jj in range(nnz):
            j = U(indices[U(s + jj)])
            x = np.float64(data[U(s + jj)])
            for o in range(n_out):
                c = U(o * nf + j)
                gx = z[o] * x
                total = np.float64(S[0, c])
                new = np.float64(w[c]) - step * (gx + total * inv_n)
                if l1 > 0.0:
                    new = soft_threshold(new, step * l1)
                w[c] = ct(new)
                S[0, c] = total + gx
            last[j] = k
        if wscale < 1e-9:  # fold the scale into the coefficients before it underflows
            for j in range(nf):
                for o in range(n_out):
                    c = U(o * nf + j)
                    v = catch_up(np.float64(w[c]), np.float64(S[0, c]), f,
                                 last[j], k, l1n)  # fmt: skip
                    w[c] = ct(v * wscale)
                last[j] = k
            wscale = 1.0
            f[k] = 0.0  # the updates to come are counted in the new scale
    if not dense:  # every column catches up to the end of the pass
        for j in range(nf):
            for o in range(n_out):
                c = U(o * nf + j)
                v = catch_up(np.float64(w[c]), np.float64(S[0, c]), f, last[j], k,
                             l1n)  # fmt: skip
                w[c] = ct(v * wscale)
    penalty = 0.0
    if objective.penalized:
        sq = 0.0
        l1_norm = 0.0
        for c in range(n_coef):
            wc = np.float64(w[c])
            sq += wc * wc
            l1_norm += abs(wc)
        l1_ratio = objective.l1_ratio
        penalty = objective.alpha * ((1.0 - l1_ratio) * 0.5 * sq + l1_ratio * l1_norm)
    return sum_loss, sum_loss + n * penalty, k


class SAGA(Solver):
    """SAGA (Defazio, Bach and Lacoste-Julien, 2014).

    An incremental gradient method: SAGA keeps the loss derivative of every
    training row (one scalar per row and output: O(n_samples * n_outputs)
    memory, besides a sum of the stored gradients per parameter) and steps,
    at each row ``i`` visited, along the row's new gradient minus its stored
    one plus the average of all stored ones::

        d_i = s_i * loss'(y_i, x_i . w + b)       (s_i: sample x class weight)
        w = prox(w - step * ((d_i - m_i) * x_i + G / n + l2 * w))
        b = b - step * ((d_i - m_i) + G_b / n)
        G += (d_i - m_i) * x_i,  G_b += d_i - m_i,  m_i = d_i

    where ``n`` is the number of training rows, ``l2 = alpha * (1 -
    l1_ratio)`` and ``prox`` is the soft-thresholding of the L1 part of the
    penalty, ``step * alpha * l1_ratio`` (no truncation by the estimator: SAGA
    owns the penalty).  The memory starts at zero.  With a constant step the
    iterates converge to the exact minimum of the objective, ``mean_i s_i
    loss_i + penalty``, linearly when it is strongly convex: the method for a
    precise fit of a data set that fits in memory.

    Only per-sample updates (``batch_size=1``) and the losses with a
    Lipschitz derivative: ``squared_error``, ``huber``,
    ``squared_epsilon_insensitive``, ``log_loss`` (also
    ``multi_class="multinomial"``), ``modified_huber``, ``squared_hinge``;
    no clipping (SAGA's variance reduction needs the exact gradients), no
    averaging.  The estimator's ``learning_rate``, ``eta0`` and ``power_t``
    are ignored: the step is SAGA's own.  The intercept's step is not damped
    on sparse input.  On CSR input a step costs O(non-zeros of the row): the
    columns the row does not touch catch up the steps they missed, exactly
    (the L1 proximal steps included), when they are next touched and at the
    end of each pass.

    ``fit`` starts the memory at zero (``warm_start`` too);
    ``partial_fit`` continues it when called on as many rows as the previous
    call, taking them to be the same rows in the same order (repeated passes
    over one data set), and restarts it, with a warning, otherwise.

    Parameters
    ----------
    step : "auto" or float, default="auto"
        The constant step.  ``"auto"`` is scikit-learn's for SAGA
        (``sklearn.linear_model._sag.get_auto_step_size``): ``1 / (2 * L +
        min(2 * n * l2, L))`` with ``L = c * max_i s_i * (||x_i||^2 +
        fit_intercept) + l2``, ``c`` the Lipschitz constant of the loss's
        derivative (1 for ``squared_error`` and ``huber``, 2 for
        ``squared_epsilon_insensitive``, ``modified_huber`` and
        ``squared_hinge``, 1/4 for ``log_loss``, 1/2 for the multinomial
        model) and ``s_i`` the row's weight over the training rows.
        scikit-learn leaves the sample weights out of ``L``; they are in it
        here, so that heavy rows do not make the step unstable (with unit
        weights the two agree).  A float sets the step.

    Examples
    --------
    >>> import numpy as np
    >>> from skgd import GDRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([1.0, 3.0, 5.0, 7.0])
    >>> reg = GDRegressor(solver="saga", penalty=None, tol=None, max_iter=500)
    >>> reg.fit(X, y).coef_.round(6), reg.intercept_.round(6)
    (array([2.]), array([1.]))
    """

    names = {"saga": {}}
    state = ("grad_sum",)
    row_state = ("memory",)
    State = SAGAState
    uses_schedule = False
    row_pass = (soft_threshold, catch_up, saga_epoch)

    _parameter_constraints: dict = {
        "step": [StrOptions({"auto"}), *POSITIVE],
    }

    def __init__(self, step="auto"):
        self.step = step

    def check_fit(self, config):
        """Raise a ValueError for a fit SAGA cannot run.

        Parameters
        ----------
        config : skgd._config.FitConfig
            The fit's configuration: SAGA needs ``batch_size=1``, a loss with
            a Lipschitz derivative, no clipping, no averaging, and a given
            step below ``1 / (alpha * (1 - l1_ratio))``.
        """
        if config.batch_size != 1:
            raise ValueError(
                "SAGA is a per-sample method (its memory holds one gradient per "
                f"row): it requires batch_size=1, got batch_size={config.batch_size!r}."
            )
        if config.loss not in LIPSCHITZ:
            smooth = ", ".join(repr(k) for k in LIPSCHITZ)
            raise ValueError(
                f"SAGA needs a loss with a Lipschitz derivative; loss={config.loss!r} "
                f"has none. Use one of {smooth}, or another solver for "
                f"loss={config.loss!r}."
            )
        if config.clip_norm or config.clip_value:
            raise ValueError(
                "SAGA's variance reduction needs the exact gradients: gradient "
                "clipping is not supported; set clip_norm=None and clip_value=None."
            )
        if config.average:
            raise ValueError(
                "SAGA converges to the minimum with its constant step and does "
                "not average: set average=False."
            )
        if isinstance(self.step, Real) and self.step * config.penalty.lam >= 1.0:
            raise ValueError(
                f"SAGA's step={self.step!r} times the L2 strength alpha * (1 - "
                f"l1_ratio) = {config.penalty.lam!r} must be below 1 (each step "
                "shrinks the coefficients by that factor); use a smaller step or "
                'step="auto".'
            )

    def init_state(self, n_coef, dtype, n_rows=0, n_out=1):
        """Create SAGA's state: zeros.

        Parameters
        ----------
        n_coef : int
            Number of parameters (``n_outputs * (n_features + 1)``).
        dtype : numpy dtype
            The dtype of the coefficients.
        n_rows : int, default=0
            Number of rows of the training data.
        n_out : int, default=1
            Number of outputs (targets, or classes of a multinomial model).

        Returns
        -------
        state : SAGAState
            The update count, ``grad_sum`` of ``n_coef`` entries and
            ``memory`` of shape ``(n_rows, n_out)``, zeros.
        """
        return SAGAState(
            np.zeros(1, dtype=np.int64),
            np.zeros(n_coef, dtype=dtype),
            np.zeros((n_rows, n_out), dtype=dtype),
        )

    def row_hyper(self, config, data, row_weight):
        """The hyperparameters of the row pass: the step.

        Parameters
        ----------
        config : skgd._config.FitConfig
            The fit's configuration (loss, penalty, intercept).
        data : skgd._paths.EpochData
            The epoch's data (``X``, the rows held out for validation).
        row_weight : ndarray of shape (n_samples,)
            The weight of each row in the loss.

        Returns
        -------
        hyper : tuple of float
            ``(step,)``: the given step, or scikit-learn's for SAGA with the
            row weights in the Lipschitz constant (see the class).
        """
        if self.step != "auto":
            return (float(self.step),)
        from sklearn.utils.extmath import row_norms

        train = ~data.validation_mask
        n = int(train.sum())
        if n == 0:
            return (1.0,)
        sq = row_norms(data.X, squared=True)[train] + float(config.fit_intercept)
        lipschitz = SOFTMAX_LIPSCHITZ if data.softmax else LIPSCHITZ[config.loss]
        lam = config.penalty.lam
        L = lipschitz * float(np.max(np.asarray(row_weight)[train] * sq)) + lam
        if L <= 0.0:  # no row has a gradient: any step
            return (1.0,)
        return (1.0 / (2.0 * L + min(2.0 * n * lam, L)),)

    def update(self, grad, state):
        raise NotImplementedError(
            "SAGA's steps depend on the row (its memory holds one gradient per "
            "row): it runs in its compiled row pass only, not from a gradient."
        )
