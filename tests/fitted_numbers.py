"""Record, or check bit for bit, the fitted numbers of a wide grid of fits.

A refactoring of the fit machinery must not change a single bit of what a
fit computes.  Record the grid on the code before the change, then check the
changed code against the record::

    python tests/fitted_numbers.py record /tmp/grid.pkl    # before
    python tests/fitted_numbers.py check /tmp/grid.pkl     # after

The grid: every built-in solver (and a user's numpy solver) x batch sizes
(1, 16, "full") x dense/CSR x float64/float32, each with one of the penalty,
clipping and averaging variants in turn; one-output and several-output
regression, binary, one-vs-rest and multinomial classification; the losses
and schedules of scikit-learn's per-sample path, with and without sample
weights; sequences of ``partial_fit`` calls.  For each fit: ``coef_``,
``intercept_``, ``n_iter_``, ``t_``, ``loss_curve_`` and the solver state.
Not collected by pytest (the record is made from the code itself).
"""

import itertools
import pickle
import sys
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from skgd import GDClassifier, GDRegressor
from skgd.solvers import AdaGrad, Adam, Momentum, RMSProp, Solver

SOLVERS = (
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
)  # fmt: skip
BATCHES = (1, 16, "full")
VARIANTS = (
    {},
    {"clip_norm": 0.5},
    {"clip_value": 0.05},
    {"penalty": "l1", "alpha": 0.01},
    {"penalty": "elasticnet", "alpha": 0.01, "l1_ratio": 0.4},
    {"average": True},
    {"average": 30},
    {"penalty": None},
)


class _NumpyMomentumState(NamedTuple):
    step: np.ndarray
    velocity: np.ndarray


class NumpyMomentum(Solver):
    """A user's solver, on the numpy path."""

    def __init__(self, momentum=0.8):
        self.momentum = momentum

    def init_state(self, n_coef, dtype):
        return _NumpyMomentumState(np.zeros(1, np.int64), np.zeros(n_coef, dtype))

    def update(self, grad, state):
        state.velocity[:] = self.momentum * state.velocity + grad
        state.step[0] += 1
        return state.velocity.copy(), state


def _data(seed=0, n=90, nf=8):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, nf)
    X[rng.rand(n, nf) < 0.5] = 0.0
    X /= np.sqrt(nf)
    coef = rng.randn(nf)
    y = X @ coef + 0.3 + 0.1 * rng.randn(n)
    Y = np.c_[y, X @ rng.randn(nf) - 0.2]
    y_bin = (y > np.median(y)).astype(int)
    y_3 = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    sw = rng.uniform(0.3, 2.0, n)
    return X, y, Y, y_bin, y_3, sw


def _solver_params(solver):
    eta0 = {"adagrad": 0.1, "adam": 0.02, "adamw": 0.02}.get(solver, 0.01)
    return {"solver": solver, "eta0": eta0}


def _configurations():
    """(name, estimator class, params, target key, fit kind) for every fit."""
    extra_solvers = {
        "momentum_dense": Momentum(lazy=False),
        "adam_dense": Adam(lazy=False),
        "adagrad_dense": AdaGrad(lazy=False),
        "rmsprop_dense": RMSProp(lazy=False),
        "user": NumpyMomentum(),
    }
    solvers = list(SOLVERS) + list(extra_solvers)
    i = 0
    for solver, batch, fmt, dtype in itertools.product(
        solvers, BATCHES, ("dense", "csr"), ("f64", "f32")
    ):
        params = _solver_params(solver)
        if solver in extra_solvers:
            params["solver"] = extra_solvers[solver]
        params.update(batch_size=batch, max_iter=4, tol=None, random_state=3)
        for j in (0, 1 + i % (len(VARIANTS) - 1)):
            variant = dict(params, **VARIANTS[j])
            if batch == 1 and solver == "sgd" and "clip" in str(VARIANTS[j]):
                pass  # the clipped per-sample sgd runs on the batch kernel
            for kind, cls, target in (
                ("reg", GDRegressor, "y"),
                ("clf", GDClassifier, "y_bin"),
            ):
                p = dict(variant)
                if kind == "clf":
                    p["loss"] = "log_loss" if i % 2 else "hinge"
                name = f"{kind}-{solver}-{batch}-{fmt}-{dtype}-v{j}"
                yield name, cls, p, target, fmt, dtype, "fit"
        i += 1
    # several outputs: multi-output regression, one-vs-rest, multinomial
    for solver, batch, fmt in itertools.product(
        list(SOLVERS) + ["user"], BATCHES, ("dense", "csr")
    ):
        params = _solver_params(solver)
        if solver == "user":
            params["solver"] = NumpyMomentum()
        params.update(batch_size=batch, max_iter=3, tol=None, random_state=5)
        v = VARIANTS[(len(solver) + len(str(batch))) % len(VARIANTS)]
        p = dict(params, **v)
        yield (f"multi-{solver}-{batch}-{fmt}", GDRegressor, p, "Y", fmt, "f64", "fit")
        yield (
            f"ovr-{solver}-{batch}-{fmt}", GDClassifier, dict(p, loss="hinge"), "y_3",
            fmt, "f64", "fit",
        )  # fmt: skip
        yield (
            f"softmax-{solver}-{batch}-{fmt}", GDClassifier,
            dict(p, loss="log_loss", multi_class="multinomial"), "y_3", fmt, "f32",
            "fit",
        )  # fmt: skip
    # scikit-learn's per-sample path: losses x schedules, sample weights
    reg_losses = ("squared_error", "huber", "epsilon_insensitive",
                  "squared_epsilon_insensitive")  # fmt: skip
    clf_losses = ("hinge", "log_loss", "modified_huber", "squared_hinge",
                  "perceptron")  # fmt: skip
    schedules = ("constant", "optimal", "invscaling", "adaptive")
    for k, (loss, lr, fmt) in enumerate(
        itertools.product(reg_losses + clf_losses, schedules, ("dense", "csr"))
    ):
        cls = GDRegressor if loss in reg_losses else GDClassifier
        target = "y" if cls is GDRegressor else ("y_3" if k % 3 == 0 else "y_bin")
        p = dict(loss=loss, learning_rate=lr, eta0=0.02, alpha=0.01, max_iter=6,
                 random_state=11, tol=1e-4)  # fmt: skip
        p.update(VARIANTS[k % len(VARIANTS)])
        if lr == "optimal" and not p.get("alpha"):
            p["alpha"] = 0.01
        yield f"exact-{loss}-{lr}-{fmt}", cls, p, target, fmt, "f64", "fit_sw"
    for lr, fmt in itertools.product(("pa1", "pa2"), ("dense", "csr")):
        yield (
            f"pa-{lr}-{fmt}", GDRegressor,
            dict(loss="epsilon_insensitive", learning_rate=lr, eta0=0.1, max_iter=5,
                 random_state=2, tol=None),
            "y", fmt, "f64", "fit",
        )  # fmt: skip
    # partial_fit sequences, early stopping, epoch schedules, best weights
    for solver, batch, fmt in itertools.product(
        ("sgd", "momentum", "rmsprop", "adam"), (1, 16), ("dense", "csr")
    ):
        p = dict(_solver_params(solver), batch_size=batch, random_state=4)
        v = VARIANTS[(len(solver) + batch) % len(VARIANTS)]
        p.update(v)
        yield f"pf-reg-{solver}-{batch}-{fmt}", GDRegressor, p, "y", fmt, "f64", "pf"
        yield (
            f"pf-clf-{solver}-{batch}-{fmt}", GDClassifier, dict(p, loss="log_loss"),
            "y_3", fmt, "f32", "pf",
        )  # fmt: skip
    others = [
        dict(early_stopping=True, max_iter=20, random_state=0),
        dict(early_stopping=True, solver="adam", batch_size=8, eta0=0.01,
             max_iter=20, random_state=0, restore_best_weights=True),
        dict(learning_rate="cosine", solver="adam", batch_size=8, eta0=0.02,
             max_iter=10, tol=None, warmup_epochs=2, random_state=1),
        dict(learning_rate="exponential", gamma=0.8, max_iter=10, tol=None,
             random_state=1),
        dict(learning_rate="step", step_size=2, max_iter=10, tol=None,
             random_state=1, batch_size="full", eta0=0.1),
        dict(restore_best_weights=True, max_iter=15, random_state=1),
        dict(shuffle_block_size=8, max_iter=5, tol=None, random_state=1),
        dict(shuffle=False, solver="nesterov", batch_size=4, max_iter=5, tol=None),
        dict(learning_rate="adaptive", solver="rmsprop", batch_size=8, max_iter=30,
             tol=1e-2, n_iter_no_change=2, random_state=1),
    ]  # fmt: skip
    for k, p in enumerate(others):
        for fmt in ("dense", "csr"):
            yield f"other-reg-{k}-{fmt}", GDRegressor, p, "y", fmt, "f64", "fit_sw"
            yield (
                f"other-clf-{k}-{fmt}", GDClassifier, dict(p, loss="modified_huber"),
                "y_3", fmt, "f64", "fit",
            )  # fmt: skip


#: scikit-learn's defaults of the parameters skgd's "auto" resolves from the
#: data away from its per-sample algorithm: the grid pins them, so that it
#: compares the same fits before and after the "auto" defaults
SKLEARN_DEFAULTS = {"eta0": 0.01, "tol": 1e-3, "n_iter_no_change": 5}
SKLEARN_LEARNING_RATE = {"GDRegressor": "invscaling", "GDClassifier": "optimal"}


def _pinned(cls, params):
    """``params`` with scikit-learn's value of each of the four "auto"
    parameters it does not set."""
    pinned = dict(SKLEARN_DEFAULTS, learning_rate=SKLEARN_LEARNING_RATE[cls.__name__])
    return {**pinned, **params}


def _fit(cls, params, target, fmt, dtype, kind):
    params = _pinned(cls, params)
    X, y, Y, y_bin, y_3, sw = _data()
    targets = {"y": y, "Y": Y, "y_bin": y_bin, "y_3": y_3}
    t = targets[target]
    X = X.astype(np.float32 if dtype == "f32" else np.float64)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    est = cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "fit":
            est.fit(X, t)
        elif kind == "fit_sw":
            est.fit(X, t, sample_weight=sw)
        else:
            extra = {"classes": np.unique(t)} if cls is GDClassifier else {}
            for start in (0, 30, 60):
                rows = slice(start, start + 30)
                est.partial_fit(X[rows], t[rows], sample_weight=sw[rows], **extra)
            est.partial_fit(X, t)
    return est


def _numbers(est):
    out = {
        "coef_": np.asarray(est.coef_).copy(),
        "intercept_": np.asarray(est.intercept_).copy(),
        "n_iter_": est.n_iter_,
        "t_": est.t_,
        "loss_curve_": np.asarray(est.loss_curve_, dtype=object)
        if isinstance(est.loss_curve_[0], list)
        else np.asarray(est.loss_curve_),
    }
    states = est.solver_state_
    states = states if isinstance(states, list) else [states]
    for i, st in enumerate(states):
        for field, arr in zip(st._fields, st):
            out[f"state{i}.{field}"] = np.asarray(arr).copy()
    return out


def compute():
    results = {}
    for name, cls, params, target, fmt, dtype, kind in _configurations():
        try:
            results[name] = _numbers(_fit(cls, params, target, fmt, dtype, kind))
        except Exception as exc:  # noqa: BLE001 - a refused fit is a result too
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


def _same(a, b):
    if isinstance(a, np.ndarray) and a.dtype == object:
        return len(a) == len(b) and all(_same(np.asarray(x), np.asarray(y))
                                        for x, y in zip(a, b))  # fmt: skip
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return (
            a.shape == b.shape and a.dtype == b.dtype
            and a.tobytes() == b.tobytes()
        )  # fmt: skip
    return a == b


def _largest_relative_difference(ref, got, keys):
    """The largest relative difference between the numeric arrays ``keys``
    of two records (inf where one is missing or shapes differ)."""
    worst = 0.0
    for k in keys if isinstance(keys, list) else ():
        if got is None or k not in ref or k not in got:
            return np.inf
        try:
            a = np.asarray(ref[k], dtype=np.float64)
            b = np.asarray(got[k], dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if a.shape != b.shape:
            return np.inf
        scale = np.maximum(np.abs(a), np.abs(b))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
        if rel.size:
            worst = max(worst, float(np.nanmax(rel)))
    return worst


def main(argv):
    mode, path = argv[1], argv[2]
    results = compute()
    if mode == "record":
        with open(path, "wb") as f:
            pickle.dump(results, f)
        errors = sum("error" in r for r in results.values())
        print(f"recorded {len(results)} fits ({errors} refused) in {path}")
        return 0
    with open(path, "rb") as f:
        recorded = pickle.load(f)
    bad = []
    for name, ref in recorded.items():
        got = results.get(name)
        if got is None:
            bad.append((name, "missing"))
            continue
        keys = set(ref) | set(got)
        diff = [k for k in sorted(keys) if k not in ref or k not in got
                or not _same(ref[k], got[k])]  # fmt: skip
        if diff:
            bad.append((name, diff))
    worst = 0.0
    for name, diff in bad:
        rel = _largest_relative_difference(recorded[name], results.get(name), diff)
        worst = max(worst, rel)
        print("DIFFERS", name, diff, f"(largest relative difference {rel:.2g})")
    if bad:
        print(f"largest relative difference of all: {worst:.2g}")
    print(f"{len(recorded) - len(bad)} of {len(recorded)} fits bit for bit equal")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
