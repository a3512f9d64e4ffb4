"""A plain-numpy reference of GDRegressor's mini-batch update.

This module restates, one small function per rule, the update that
``GDRegressor`` performs whenever it does not run scikit-learn's per-sample
algorithm (``batch_size > 1`` or ``"full"``, a solver other than ``"sgd"``, or
gradient clipping).  It is written to be read, not to be fast: one update at a
time, every array in float64, sparse input densified for the arithmetic and
used only to find the columns a batch touches.

Conventions: the solver state vectors have ``n_features + 1`` entries, the
intercept last; ``t`` is the 1-based number of the update, counted across
epochs.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

MAX_DLOSS = 1e12
SPARSE_INTERCEPT_DECAY = 0.01
SOLVERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
LAZY_SOLVERS = SOLVERS[1:]


# ---------------------------------------------------------------------------
# Loss derivatives with respect to the prediction p.
# ---------------------------------------------------------------------------
def loss_derivative(loss, y, p, epsilon):
    """dL/dp of a regression loss, elementwise, clamped to +-MAX_DLOSS."""
    r = p - y
    if loss == "squared_error":  # 0.5 * r**2
        d = r
    elif loss == "huber":
        d = np.where(np.abs(r) <= epsilon, r, epsilon * np.sign(r))
    elif loss == "epsilon_insensitive":  # max(0, |r| - epsilon)
        d = np.where(r > epsilon, 1.0, np.where(r < -epsilon, -1.0, 0.0))
    elif loss == "squared_epsilon_insensitive":  # max(0, |r| - epsilon)**2
        excess = np.maximum(np.abs(r) - epsilon, 0.0)
        d = 2.0 * np.sign(r) * excess
    else:
        raise ValueError(f"unknown loss {loss!r}")
    return np.clip(d, -MAX_DLOSS, MAX_DLOSS)


def batch_gradient(X, y, sw, w, b, loss, epsilon):
    """Weighted mean loss gradient of a batch: (g_w, g_b)."""
    dloss = loss_derivative(loss, y, X @ w + b, epsilon)
    scaled = sw * dloss
    m = X.shape[0]
    return X.T @ scaled / m, scaled.sum() / m


# ---------------------------------------------------------------------------
# Penalty split and learning rate.
# ---------------------------------------------------------------------------
def l1_share(penalty, l1_ratio):
    """The l of the specification: the part of alpha that is L1."""
    return {"l1": 1.0, "l2": 0.0, "elasticnet": l1_ratio}.get(penalty, 0.0)


def l2_strength(penalty, alpha, l1_ratio):
    """alpha * (1 - l) for an L2 or elastic-net penalty, else 0."""
    if penalty in ("l2", "elasticnet"):
        return alpha * (1.0 - l1_share(penalty, l1_ratio))
    return 0.0


def step_size(schedule, t, *, eta0, power_t, alpha, solver):
    """eta_t of update number t (1-based)."""
    if schedule in ("constant", "adaptive"):
        return eta0
    if schedule == "invscaling":
        return eta0 / t**power_t
    if schedule == "optimal":
        typw = np.sqrt(1.0 / np.sqrt(alpha))
        t0 = 1.0 / (typw * alpha)
        if solver == "sgd":
            return 1.0 / (alpha * (t0 + t - 1))
        return eta0 * t0 / (t0 + t - 1)
    raise ValueError(f"unknown learning rate {schedule!r}")


# ---------------------------------------------------------------------------
# Clipping of the gradient vector (g_w, g_b).
# ---------------------------------------------------------------------------
def clip_gradient(g_w, g_b, *, clip_value, clip_norm, fit_intercept):
    if clip_value is not None:
        g_w = np.clip(g_w, -clip_value, clip_value)
        g_b = float(np.clip(g_b, -clip_value, clip_value))
    if clip_norm is not None:
        sq = g_w @ g_w + (g_b * g_b if fit_intercept else 0.0)
        norm = np.sqrt(sq)
        if norm > clip_norm:
            g_w = g_w * (clip_norm / norm)
            g_b = g_b * (clip_norm / norm)
    return g_w, g_b


# ---------------------------------------------------------------------------
# Solver rules.  Each takes the gradient ``g`` of the coordinates ``idx``
# updated in this step (``absent``: the coefficient indices left out of it),
# updates the state in place and returns the direction for ``idx``.
# ---------------------------------------------------------------------------
def sgd_rule(g, state, t, idx, absent):
    return g.copy()


def momentum_rule(g, state, t, idx, absent, *, momentum=0.9):
    v = state["velocity"]
    v[idx] = momentum * v[idx] + g
    return v[idx].copy()


def nesterov_rule(g, state, t, idx, absent, *, momentum=0.9):
    v = state["velocity"]
    v[idx] = momentum * v[idx] + g
    return g + momentum * v[idx]


def adagrad_rule(g, state, t, idx, absent, *, epsilon=1e-10):
    acc = state["sum_sq"]
    acc[idx] = acc[idx] + g * g
    return g / (np.sqrt(acc[idx]) + epsilon)


def rmsprop_rule(g, state, t, idx, absent, *, rho=0.9, epsilon=1e-8):
    avg = state["mean_sq"]
    avg[absent] = rho * avg[absent]  # a zero gradient still decays E
    avg[idx] = rho * avg[idx] + (1.0 - rho) * g * g
    return g / (np.sqrt(avg[idx]) + epsilon)


def adam_rule(g, state, t, idx, absent, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state["m"], state["v"]
    m[idx] = beta_1 * m[idx] + (1.0 - beta_1) * g
    v[idx] = beta_2 * v[idx] + (1.0 - beta_2) * g * g
    m_hat = m[idx] / (1.0 - beta_1**t)
    v_hat = v[idx] / (1.0 - beta_2**t)
    return m_hat / (np.sqrt(v_hat) + epsilon)


def amsgrad_rule(g, state, t, idx, absent, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    # PyTorch's Adam(amsgrad=True): the bias correction of v is taken out of
    # the square root of the running maximum
    m, v, v_max = state["m"], state["v"], state["v_max"]
    m[idx] = beta_1 * m[idx] + (1.0 - beta_1) * g
    v[idx] = beta_2 * v[idx] + (1.0 - beta_2) * g * g
    v_max[idx] = np.maximum(v_max[idx], v[idx])
    step_size = 1.0 / (1.0 - beta_1**t)
    denom = np.sqrt(v_max[idx]) / np.sqrt(1.0 - beta_2**t) + epsilon
    return step_size * m[idx] / denom


def nadam_rule(
    g, state, t, idx, absent, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
    momentum_decay=0.004,
):  # fmt: skip
    # PyTorch's NAdam, its two parameter updates summed into one direction
    def mu(s):
        return beta_1 * (1.0 - 0.5 * 0.96 ** (s * momentum_decay))

    mu_product = np.prod([mu(s) for s in range(1, t + 1)])
    m, v = state["m"], state["v"]
    m[idx] = beta_1 * m[idx] + (1.0 - beta_1) * g
    v[idx] = beta_2 * v[idx] + (1.0 - beta_2) * g * g
    denom = np.sqrt(v[idx] / (1.0 - beta_2**t)) + epsilon
    grad_part = (1.0 - mu(t)) / (1.0 - mu_product) * g / denom
    m_part = mu(t + 1) / (1.0 - mu_product * mu(t + 1)) * m[idx] / denom
    return grad_part + m_part


def adadelta_rule(g, state, t, idx, absent, *, rho=0.9, epsilon=1e-6):
    # PyTorch's Adadelta (its lr is the estimator's eta)
    square_avg, acc_delta = state["mean_sq"], state["mean_sq_delta"]
    square_avg[absent] = rho * square_avg[absent]  # a zero gradient decays both
    acc_delta[absent] = rho * acc_delta[absent]
    square_avg[idx] = rho * square_avg[idx] + (1.0 - rho) * g * g
    std = np.sqrt(square_avg[idx] + epsilon)
    delta = np.sqrt(acc_delta[idx] + epsilon) / std * g
    acc_delta[idx] = rho * acc_delta[idx] + (1.0 - rho) * delta * delta
    return delta


def lion_rule(g, state, t, idx, absent, *, beta_1=0.9, beta_2=0.99):
    m = state["m"]
    update = np.sign(beta_1 * m[idx] + (1.0 - beta_1) * g)  # sign(0) = 0
    m[idx] = beta_2 * m[idx] + (1.0 - beta_2) * g
    return update


RULES = {
    "sgd": (sgd_rule, ()),
    "momentum": (momentum_rule, ("velocity",)),
    "nesterov": (nesterov_rule, ("velocity",)),
    "adagrad": (adagrad_rule, ("sum_sq",)),
    "rmsprop": (rmsprop_rule, ("mean_sq",)),
    "adam": (adam_rule, ("m", "v")),
    "adamw": (adam_rule, ("m", "v")),
    "amsgrad": (amsgrad_rule, ("m", "v", "v_max")),
    "nadam": (nadam_rule, ("m", "v")),
    "adadelta": (adadelta_rule, ("mean_sq", "mean_sq_delta")),
    "lion": (lion_rule, ("m",)),
}
#: the solvers whose default applies the L2 part of the penalty as decoupled
#: weight decay
DECOUPLED_BY_DEFAULT = ("adamw", "lion")


# ---------------------------------------------------------------------------
# L1: cumulative truncated gradient (Tsuruoka et al., 2009).
# ---------------------------------------------------------------------------
def truncate_l1(w, q, u, cols):
    """Apply the cumulative L1 penalty ``u`` to the coordinates ``cols``."""
    for j in cols:
        z = w[j]
        if z > 0.0:
            w[j] = max(0.0, z - (u + q[j]))
        elif z < 0.0:
            w[j] = min(0.0, z + (u - q[j]))
        q[j] += w[j] - z


def touched_columns(X, rows):
    """Columns stored in the CSR rows ``rows`` (explicit zeros included)."""
    parts = [X.indices[X.indptr[r] : X.indptr[r + 1]] for r in rows]
    return np.unique(np.concatenate(parts)).astype(np.intp)


class Snapshot(NamedTuple):
    """Fitted values at the end of one epoch."""

    coef: np.ndarray
    intercept: float
    state: dict
    n_updates: int


def naive_fit(
    X,
    y,
    *,
    solver="sgd",
    batch_size=1,
    n_epochs=1,
    loss="squared_error",
    penalty="l2",
    alpha=1e-4,
    l1_ratio=0.15,
    epsilon=0.1,
    eta0=0.01,
    learning_rate="invscaling",
    power_t=0.25,
    clip_norm=None,
    clip_value=None,
    fit_intercept=True,
    sample_weight=None,
    average=False,
    lazy="auto",
    solver_params=None,
    decoupled_weight_decay=None,
    sparse_intercept_decay="auto",
):
    """Fit by the specified mini-batch rule, rows in order, no shuffling.

    ``X`` is a dense array or a CSR matrix.  Each epoch is one pass over the
    rows in order (what one ``partial_fit`` call does).  Returns one
    :class:`Snapshot` per epoch, holding the reported ``coef_`` and
    ``intercept_`` (the averaged ones when averaging is on and has started).
    ``decoupled_weight_decay`` (default: the solver's default) applies the L2
    part of the penalty as a decay of the weights instead of a gradient.
    ``sparse_intercept_decay`` multiplies the intercept's step on sparse
    ``X``: 'auto' is scikit-learn's 0.01 for plain per-sample unclipped
    steps (the drop-in configuration) and 1 otherwise.
    """
    sparse = sp.issparse(X)
    if sparse:
        X = sp.csr_matrix(X)
        dense_X = X.toarray().astype(np.float64)
    else:
        dense_X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n_samples, n_features = dense_X.shape
    sw = (
        np.ones(n_samples)
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    hyper = dict(solver_params or {})
    if solver == "rmsprop" and hyper.get("rho", "auto") == "auto":
        # rho="auto": a moving average over about 1000 rows, 0.9 at least
        # (and for the full batch)
        hyper["rho"] = 0.9 if batch_size == "full" else max(0.9, 1 - batch_size / 1000)
    if batch_size == "full":
        sw = sw * n_samples / sw.sum()
        batch_size = n_samples

    rule, state_names = RULES[solver]
    lazy_updates = sparse and solver != "sgd" and lazy in (True, "auto")
    l1 = l1_share(penalty, l1_ratio)
    lam = l2_strength(penalty, alpha, l1_ratio)
    if decoupled_weight_decay is None:
        decoupled_weight_decay = solver in DECOUPLED_BY_DEFAULT
    lam_grad = 0.0 if decoupled_weight_decay else lam
    lam_decay = lam if decoupled_weight_decay else 0.0
    drop_in = solver == "sgd" and batch_size == 1 and not (clip_norm or clip_value)
    if not sparse:
        intercept_decay = 1.0
    elif sparse_intercept_decay == "auto":
        intercept_decay = SPARSE_INTERCEPT_DECAY if drop_in else 1.0
    else:
        intercept_decay = float(sparse_intercept_decay)
    avg_start = int(average)

    w = np.zeros(n_features)
    b = 0.0
    state = {name: np.zeros(n_features + 1) for name in state_names}
    u = 0.0
    q = np.zeros(n_features)
    sum_w, sum_b, n_avg = np.zeros(n_features), 0.0, 0
    t = 0
    all_cols = np.arange(n_features)
    snapshots = []
    for _ in range(n_epochs):
        for start in range(0, n_samples, batch_size):
            rows = np.arange(start, min(start + batch_size, n_samples))
            t += 1
            cols = touched_columns(X, rows) if lazy_updates else all_cols
            absent = np.setdiff1d(all_cols, cols)

            g_w, g_b = batch_gradient(
                dense_X[rows], y[rows], sw[rows], w, b, loss, epsilon
            )
            g_w = g_w[cols] + lam_grad * w[cols]
            if not fit_intercept:
                g_b = 0.0
            g_w, g_b = clip_gradient(
                g_w,
                g_b,
                clip_value=clip_value,
                clip_norm=clip_norm,
                fit_intercept=fit_intercept,
            )
            eta = step_size(
                learning_rate,
                t,
                eta0=eta0,
                power_t=power_t,
                alpha=alpha,
                solver=solver,
            )

            if fit_intercept:
                idx = np.append(cols, n_features)
                g = np.append(g_w, g_b)
            else:
                idx, g = cols, g_w
            d = rule(g, state, t, idx, absent, **hyper)

            if lam_decay:
                w[cols] *= max(0.0, 1.0 - eta * lam_decay)
            w[cols] -= eta * d[: len(cols)]
            if fit_intercept:
                b -= eta * d[-1] * intercept_decay
            if l1 > 0.0:
                u += l1 * eta * alpha
                truncate_l1(w, q, u, cols)
            if avg_start and t >= avg_start:
                sum_w += w
                sum_b += b
                n_avg += 1

        if n_avg:
            coef, intercept = sum_w / n_avg, sum_b / n_avg
        else:
            coef, intercept = w.copy(), b
        snapshots.append(
            Snapshot(
                coef=coef,
                intercept=intercept,
                state={k: v.copy() for k, v in state.items()},
                n_updates=t,
            )
        )
    return snapshots


# ---------------------------------------------------------------------------
# SAGA (Defazio, Bach and Lacoste-Julien, 2014): one row at a time, with a
# memory of each row's weighted loss derivative (zero at first).
# ---------------------------------------------------------------------------
def saga_derivative(loss, y, p, epsilon):
    """dL/dp of a loss SAGA takes (regression losses, and the log loss of
    labels in {0, 1}), clamped to +-MAX_DLOSS."""
    if loss == "log_loss":
        return np.clip(1.0 / (1.0 + np.exp(-p)) - y, -MAX_DLOSS, MAX_DLOSS)
    return loss_derivative(loss, y, p, epsilon)


def naive_saga(
    X, y, *, step, n_epochs, loss="squared_error", penalty="l2", alpha=1e-4,
    l1_ratio=0.15, epsilon=0.1, sample_weight=None, fit_intercept=True,
):  # fmt: skip
    """SAGA on (X, y) in row order for ``n_epochs`` passes; y of shape
    (n,) or (n, K) (one model per column).  Each step, at row i::

        d = s_i * loss'(y_i, W x_i + b);  delta = d - M_i
        W = soft(W - step * (delta x_i^T + G / n + l2 * W), step * l1)
        b = b - step * (delta + G_b / n)
        G += delta x_i^T;  G_b += delta;  M_i = d

    Returns the (coef, intercept) after each pass: coef of shape (n_features,)
    or (K, n_features)."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    one = y.ndim == 1
    Y = y.reshape(len(y), -1)
    n, nf = X.shape
    k = Y.shape[1]
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    share = l1_share(penalty, l1_ratio) if penalty else 0.0
    l1 = alpha * share if penalty in ("l1", "elasticnet") else 0.0
    l2 = alpha * (1.0 - share) if penalty in ("l2", "elasticnet") else 0.0
    W = np.zeros((k, nf))
    b = np.zeros(k)
    G = np.zeros((k, nf))
    Gb = np.zeros(k)
    M = np.zeros((n, k))
    snapshots = []
    for _ in range(n_epochs):
        for i in range(n):
            x = X[i]
            d = sw[i] * saga_derivative(loss, Y[i], W @ x + b, epsilon)
            delta = d - M[i]
            W = W - step * (np.outer(delta, x) + G / n + l2 * W)
            W = np.sign(W) * np.maximum(np.abs(W) - step * l1, 0.0)
            if fit_intercept:
                b = b - step * (delta + Gb / n)
            G += np.outer(delta, x)
            Gb += delta
            M[i] = d
        snapshots.append((W[0].copy() if one else W.copy(),
                          b[:1].copy() if one else b.copy()))  # fmt: skip
    return snapshots
