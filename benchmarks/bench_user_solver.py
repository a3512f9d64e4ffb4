"""A user's own compiled solver against the built-in one: Adam written in
this script, in the documented protocol, against ``solver="adam"``.

Run ``python benchmarks/bench_user_solver.py`` (``--quick`` for 20 000 rows
instead of 200 000).  ``UserAdam`` below is a subclass of
``skgd.solvers.Solver`` -- not of ``skgd.solvers.Adam`` -- with Adam's state
``("m", "v")``, ``prepared``, ``begin``, ``prepare``, ``rule`` and
``finish`` written out here (as in ``skgd/solvers/_adam.py``), and the
``lazy`` parameter the kernels read.  skgd compiles its rule into a module
of its own, as it does for the built-in solvers.

In this one process, on dense 200 000 x 100 float64 regression and on CSR
200 000 x 50 000 with 50 non-zeros a row, at ``batch_size=1`` and ``256``:

- the time of an epoch of each, measured as in ``bench_epoch.py``: the
  marginal cost of more epochs, ``(t(1 + E) - t(1)) / E``, each t the best
  of ``--repeat`` fits with ``tol=None`` after a warm-up fit on 1000 rows
  (compilation); here the fits of the two solvers alternate, so that both
  see the same drift of the machine.  Target of the ratio user / built-in:
  1.2;
- whether the two fitted models are identical, bit for bit
  (``np.array_equal`` of ``coef_`` and of ``intercept_``); the script
  fails if not.

Then, each in a new process: the first fit of ``UserAdam`` (1000 x 20,
batch 256) with ``NUMBA_CACHE_DIR`` a new empty directory (every kernel it
needs is compiled; target: under 10 s), with a cache that ``python -m
skgd.compile --solvers adam`` filled (only the user's rule is compiled),
and with that cache once more (nothing is compiled).

For context, the same solver written with a numpy ``update`` only (the
numpy path: one Python call per batch) against the built-in on a smaller
problem (a tenth of the rows; one epoch of the numpy path timed, twenty of
the built-in's).
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgd import GDRegressor
from skgd.solvers import Solver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_epoch import _csr, _dense, _fit_time, _machine  # noqa: E402

RATIO_TARGET = 1.2
COMPILE_TARGET = 10.0
BATCH_SIZES = (1, 256)
ETA0 = 0.001
#: the numpy path's problem: this fraction of the rows; the built-in's epochs
#: timed there (it is fast: one epoch would be lost in the noise)
NUMPY_FRACTION = 10
NUMPY_BUILTIN_EPOCHS = 20


class UserAdam(Solver):
    """Adam (Kingma and Ba, 2015), written as a user would: the compiled
    protocol, in this file."""

    state = ("m", "v")
    prepared = ("ibc1", "isbc2")

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8, lazy="auto"):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lazy = lazy

    @staticmethod
    def begin(t0, beta_1, beta_2):
        return beta_1**t0, beta_2**t0

    @staticmethod
    def prepare(power_1, power_2, beta_1, beta_2):
        power_1 = power_1 * beta_1
        power_2 = power_2 * beta_2
        return (power_1, power_2), (
            1.0 / (1.0 - power_1),
            1.0 / math.sqrt(1.0 - power_2),
        )

    @staticmethod
    def rule(g, m, v, beta_1, beta_2, ibc1):
        m = beta_1 * m + (1.0 - beta_1) * g
        v = beta_2 * v + (1.0 - beta_2) * g * g
        return m * ibc1, v, m, v

    @staticmethod
    def finish(m_hat, v, epsilon, isbc2):
        return m_hat / (math.sqrt(v) * isbc2 + epsilon)


class NumpyAdam(Solver):
    """The same Adam with a numpy ``update`` only: the numpy path."""

    state = ("m", "v")

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def update(self, grad, state):
        b1, b2 = self.beta_1, self.beta_2
        state.step[0] += 1
        t = state.step[0]
        state.m[:] = b1 * state.m + (1.0 - b1) * grad
        state.v[:] = b2 * state.v + (1.0 - b2) * grad * grad
        m_hat = state.m / (1.0 - b1**t)
        v_hat = state.v / (1.0 - b2**t)
        return m_hat / (np.sqrt(v_hat) + self.epsilon), state


def _estimator(solver, batch_size):
    return GDRegressor(solver=solver, batch_size=batch_size, eta0=ETA0)


def epoch_times(estimators, X, y, epochs, repeat):
    """Marginal seconds per epoch of each of ``estimators`` on (X, y), as
    ``bench_epoch.epoch_time`` measures it, their fits alternating; each
    estimator is left fitted for ``1 + epochs`` epochs."""
    one = [np.inf] * len(estimators)
    more = [np.inf] * len(estimators)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in estimators:
            est.set_params(tol=None, random_state=0, max_iter=1)
            est.fit(X[:1000], y[:1000])  # warm-up: compilation
        for _ in range(repeat):
            for i, est in enumerate(estimators):
                one[i] = min(one[i], _fit_time(est, X, y, 1, 1))
                more[i] = min(more[i], _fit_time(est, X, y, 1 + epochs, 1))
    return [max(m - o, 0.0) / epochs for o, m in zip(one, more)]


def _problems(n):
    yield f"dense {n}x100 float64", *_dense(n, 100, np.float64)
    yield f"CSR {n}x50000 50 nnz/row float64", *_csr(n, 50_000, 50, np.float64)


def _compare(n, epochs, repeat):
    print()
    header = (
        f"| {'data':34s} | {'batch':>5s} | {'built-in ms':>11s} | {'user ms':>7s} "
        f"| {'ratio':>5s} | {'target':>6s} | met | coef_, intercept_ identical |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    rows = []
    for data, X, y in _problems(n):
        for batch_size in BATCH_SIZES:
            builtin = _estimator("adam", batch_size)
            user = _estimator(UserAdam(), batch_size)
            t_builtin, t_user = epoch_times([builtin, user], X, y, epochs, repeat)
            same = np.array_equal(builtin.coef_, user.coef_) and np.array_equal(
                builtin.intercept_, user.intercept_
            )
            ratio = t_user / t_builtin
            print(
                f"| {data:34s} | {batch_size:5d} | {1e3 * t_builtin:11.1f} "
                f"| {1e3 * t_user:7.1f} | {ratio:5.2f} | {RATIO_TARGET:6.1f} "
                f"| {'yes' if ratio <= RATIO_TARGET else 'NO':3s} "
                f"| {'yes, bit for bit' if same else 'NO':27s} |",
                flush=True,
            )
            rows.append((data, batch_size, t_builtin, t_user, ratio, same))
    return rows


def _numpy_path(n, repeat):
    print()
    print(
        f"numpy path, for context: the same Adam with a numpy update only ({n} rows; "
        f"built-in: {NUMPY_BUILTIN_EPOCHS} epochs timed, numpy path: 1)"
    )
    print()
    header = (
        f"| {'data':34s} | {'batch':>5s} | {'built-in ms':>11s} "
        f"| {'numpy path ms':>13s} | {'ratio':>7s} |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for data, X, y in _problems(n):
        for batch_size in BATCH_SIZES:
            builtin = _estimator("adam", batch_size)
            numpy = _estimator(NumpyAdam(), batch_size)
            (t_builtin,) = epoch_times([builtin], X, y, NUMPY_BUILTIN_EPOCHS, repeat)
            (t_numpy,) = epoch_times([numpy], X, y, 1, repeat)
            ratio = t_numpy / t_builtin if t_builtin > 0 else float("inf")
            print(
                f"| {data:34s} | {batch_size:5d} | {1e3 * t_builtin:11.2f} "
                f"| {1e3 * t_numpy:13.1f} | {ratio:7.0f} |",
                flush=True,
            )


def child_first_fit():
    """In a fresh process: time the first fit of ``UserAdam`` and say which
    entry points numba compiled (cache misses) or loaded (hits)."""
    X, y = _dense(1000, 20, np.float64)
    est = _estimator(UserAdam(), 256).set_params(max_iter=3, tol=None)
    warnings.simplefilter("ignore", ConvergenceWarning)
    t1 = time.perf_counter()
    est.fit(X, y)
    t_fit = time.perf_counter() - t1
    from skgd import _jit

    kernels = [(n, k) for n, k in vars(_jit.base()).items()]
    kernels += [
        (f"{name}.run_epoch", m.run_epoch)
        for name, m in sys.modules.items()
        if name.startswith("skgd_solver_")
    ]
    compiled = [n for n, k in kernels if sum(k.stats.cache_misses.values())]
    loaded = [n for n, k in kernels if sum(k.stats.cache_hits.values())]
    user = [
        n
        for n, m in sys.modules.items()
        if n.startswith("skgd_solver_") and "UserAdam" in (m.__doc__ or "")
    ]
    report = {"fit": t_fit, "compiled": compiled, "loaded": loaded, "user": user}
    print(json.dumps(report))


def _first_fits():
    print()
    rows = []
    with tempfile.TemporaryDirectory(prefix="skgd-numba-cache-") as empty:
        env = dict(os.environ, NUMBA_CACHE_DIR=empty)
        rows.append(("new empty cache", _child(env)))
    with tempfile.TemporaryDirectory(prefix="skgd-numba-cache-") as filled:
        env = dict(os.environ, NUMBA_CACHE_DIR=filled)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "skgd.compile", "--solvers", "adam",
             "--dtype", "float64"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        t_compile = time.perf_counter() - start
        rows.append(
            (f"cache filled by skgd.compile --solvers adam ({t_compile:.0f} s)",
             _child(env))
        )  # fmt: skip
        rows.append(("the same cache, second process", _child(env)))
    header = (
        f"| {'first fit of UserAdam, batch 256 (1000x20)':58s} | {'fit s':>5s} "
        "| compiled (cache misses) |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    for name, r in rows:
        compiled = ", ".join(c if ".run_epoch" not in c else (
            "UserAdam's run_epoch" if c.split(".")[0] in r["user"]
            else "another run_epoch") for c in r["compiled"]) or "nothing"  # fmt: skip
        print(f"| {name:58s} | {r['fit']:5.2f} | {compiled} |")
    return rows


def _child(env):
    out = subprocess.run(
        [sys.executable, __file__, "--child-first-fit"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load():
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows instead of 200k")
    parser.add_argument("--epochs", type=int, default=3, help="E, the extra epochs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--child-first-fit", action="store_true", help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child_first_fit:
        child_first_fit()
        return
    n = 20_000 if args.quick else 200_000
    print("machine:", _machine(), "|", _load())
    rows = _compare(n, args.epochs, args.repeat)
    fits = _first_fits()
    _numpy_path(n // NUMPY_FRACTION, min(args.repeat, 2))
    print()
    print(f"done ({_load()})")
    worst = max(r[4] for r in rows)
    cold = fits[0][1]["fit"]
    print(
        f"ratio user / built-in: {min(r[4] for r in rows):.2f}-{worst:.2f} (target "
        f"{RATIO_TARGET}); first fit in a new cache {cold:.1f} s (target < "
        f"{COMPILE_TARGET:g} s)"
    )
    if not all(r[5] for r in rows):
        raise SystemExit("the user solver's fitted models differ from the built-in's")
    print("every fitted coef_ and intercept_ of UserAdam equals Adam's, bit for bit")


if __name__ == "__main__":
    main()
