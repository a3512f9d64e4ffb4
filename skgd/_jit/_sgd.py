"""scikit-learn's per-sample SGD (``_plain_sgd`` and ``WeightVector``),
reproduced operation by operation, including where it rounds to the weight
dtype, so that the fitted numbers are the same."""

import math

import numpy as np

from skgd._jit._compile import cached
from skgd._jit._loss import (
    HINGE,
    LOG_LOSS,
    MAX_DLOSS,
    log_loss_pair,
    loss_derivative,
    loss_value,
)
from skgd._jit._rows import (
    SHORT_ROW,
    U,
    add_norms,
    add_norms_body,
    col,
    dot,
    fdot,
    prefetch_ahead,
    shuffle_order,
    span,
    worth_prefetching,
)
from skgd._jit._schedule import PA1, PA2, schedule_eta

# Layout of the float64 scalar-state vector ``st`` of the model.
ST_WSCALE = 0
ST_SQNORM = 1
ST_L1NORM = 2
ST_AVG_A = 3
ST_AVG_B = 4
ST_U = 5
ST_INTERCEPT = 6
ST_AVG_INTERCEPT = 7
ST_T = 8
ST_SIZE = 9


@cached()
def reset_wscale(w, aw, st, use_avg):
    """Fold the running scale (and the averaging pair) into the arrays."""
    ct = w.dtype.type
    if use_avg:
        a = ct(st[ST_AVG_A])
        for j in range(w.shape[0]):
            aw[j] = aw[j] + a * w[j]
        inv_b = ct(1.0 / st[ST_AVG_B])
        for j in range(w.shape[0]):
            aw[j] = aw[j] * inv_b
        st[ST_AVG_A] = 0.0
        st[ST_AVG_B] = 1.0
    wscale = ct(st[ST_WSCALE])
    for j in range(w.shape[0]):
        w[j] = w[j] * wscale
    st[ST_WSCALE] = 1.0


@cached()
def sgd_epoch(rows, targets, model, objective, sched, control):
    """One epoch of scikit-learn's per-sample SGD.

    ``control.exact``: scikit-learn's arithmetic (its numbers): each row's
    dot product summed left to right, the log loss by its reference
    formulas.  Otherwise (for an order of the rows that scikit-learn has
    not, where its numbers are not promised anyway) the dot product is
    summed in any order, vectorized, and the log loss's value and derivative
    share one ``exp`` (``log_loss_pair``).

    Returns (sum of losses, sum of objective terms, rows used).
    """
    data, indices, indptr, dense = rows
    y, sw, order, vmask = targets
    w, aw, q, st = model
    loss_code, eps = objective.loss, objective.eps
    alpha, l1_ratio = objective.alpha, objective.l1_ratio
    lr_code, eta0 = sched.code, sched.eta0
    eta = sched.eta
    fit_intercept, intercept_decay = control.fit_intercept, control.intercept_decay
    average, exact = control.average, control.exact
    do_shuffle, seed = control.do_shuffle, control.seed
    wscale_threshold = control.wscale_threshold
    ct = w.dtype.type
    n_features = w.shape[0]
    use_avg = aw.shape[0] > 0
    use_l1 = objective.use_l1
    if do_shuffle:
        shuffle_order(order, seed)
    prefetch = do_shuffle and worth_prefetching(data, indices)
    wscale = ct(st[ST_WSCALE])
    sq_norm = ct(st[ST_SQNORM])
    l1_norm = ct(st[ST_L1NORM])
    u = st[ST_U]
    intercept = st[ST_INTERCEPT]
    avg_intercept = st[ST_AVG_INTERCEPT]
    t = st[ST_T]
    is_hinge = loss_code == HINGE
    sumloss = 0.0
    objective_sum = 0.0
    count = 0
    cw_pos = ct(control.weight_pos)
    cw_neg = ct(control.weight_neg)
    for i in range(order.shape[0]):
        if prefetch:
            prefetch_ahead(order, i, data, indices, indptr, dense, n_features, y, 1, sw)
        k = order[i]
        if vmask[k]:
            continue
        s, nnz = span(indptr, dense, n_features, k)
        r0 = U(s)
        yk = y[k]

        if exact:
            inner = dot(w, 0, data, indices, s, nnz, dense)
        else:
            inner = fdot(w, 0, data, indices, s, nnz, dense)
        inner *= wscale
        p = ct(inner) + intercept
        eta = schedule_eta(sched, alpha, t)

        dloss = 0.0
        if loss_code == LOG_LOSS and not exact:
            cur, dloss = log_loss_pair(yk, p)
        else:
            cur = loss_value(loss_code, yk, p, eps)
        sumloss += cur
        objective_sum += cur
        if lr_code != PA1 and lr_code != PA2 and objective.penalized:
            nrm = np.float64(ct(math.sqrt(sq_norm)))
            objective_sum += alpha * (
                (1 - l1_ratio) * 0.5 * nrm * nrm + l1_ratio * l1_norm
            )

        class_weight = cw_pos if yk > 0.0 else cw_neg

        if lr_code == PA1 or lr_code == PA2:
            xnorm = 0.0
            for j in range(nnz):
                z = np.float64(data[r0 + U(j)])
                xnorm += z * z
            if lr_code == PA1:
                if xnorm == 0:
                    continue
                update = min(eta0, cur / xnorm)
            else:
                update = cur / (xnorm + 0.5 / eta0)
            if is_hinge:
                update *= yk
            elif yk - p < 0:
                update *= -1
        else:
            if loss_code != LOG_LOSS or exact:
                dloss = loss_derivative(loss_code, yk, p, eps)
            if dloss < -MAX_DLOSS:
                dloss = -MAX_DLOSS
            elif dloss > MAX_DLOSS:
                dloss = MAX_DLOSS
            update = -eta * dloss

        update *= class_weight * sw[k]

        if objective.use_l2:
            c = ct(max(0.0, 1.0 - ((1.0 - l1_ratio) * eta * alpha)))
            wscale = wscale * c
            sq_norm = sq_norm * (c * c)
            l1_norm = ct(l1_norm * abs(np.float64(c)))
            if wscale < wscale_threshold:
                st[ST_WSCALE] = wscale
                reset_wscale(w, aw, st, use_avg)
                wscale = ct(1.0)

        if update != 0.0:
            cu = ct(update)
            step = cu / wscale
            if nnz <= SHORT_ROW:
                l2acc, l1acc = add_norms_body(w, data, indices, s, nnz, dense, step)
            else:
                l2acc, l1acc = add_norms(w, data, indices, s, nnz, dense, step)
            sq_norm = ct(l2acc * (wscale * wscale))
            l1_norm = ct(l1acc * wscale)
        if fit_intercept:
            if update != 0:
                intercept += update * intercept_decay

        if 0 < average <= t:
            num_iter = ct(t - average + 1)
            cu = ct(update)
            a_c = ct(st[ST_AVG_A])
            wsd = np.float64(wscale)
            coef = -np.float64(cu) / wsd
            for j in range(nnz):
                idx = col(indices, dense, s, j)
                aw[idx] = aw[idx] + a_c * np.float64(data[r0 + U(j)]) * coef
            mu = 1.0 / num_iter
            if num_iter > 1:
                st[ST_AVG_B] = ct(st[ST_AVG_B] / (1.0 - mu))
            st[ST_AVG_A] = ct(a_c + mu * ct(st[ST_AVG_B]) * wsd)
            avg_intercept += (intercept - avg_intercept) / (t - average + 1)

        if use_l1:
            u += l1_ratio * eta * alpha
            wsd = np.float64(wscale)
            for j in range(nnz):
                idx = col(indices, dense, s, j)
                z = np.float64(w[idx])
                if wsd * z > 0.0:
                    w[idx] = max(0.0, w[idx] - ((u + q[idx]) / wsd))
                elif wsd * z < 0.0:
                    w[idx] = min(0.0, w[idx] + ((u - q[idx]) / wsd))
                q[idx] = q[idx] + wsd * (w[idx] - z)

        t += 1
        count += 1

    st[ST_WSCALE] = wscale
    st[ST_SQNORM] = sq_norm
    st[ST_L1NORM] = l1_norm
    st[ST_U] = u
    st[ST_INTERCEPT] = intercept
    st[ST_AVG_INTERCEPT] = avg_intercept
    st[ST_T] = t
    return sumloss, objective_sum, count
