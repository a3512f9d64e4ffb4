"""Time to precision: wall time from calling ``fit`` until the training
objective is within a relative 1e-3, 1e-6 and 1e-9 of its exact optimum.

Run ``python benchmarks/bench_time_to_precision.py`` (``--quick``: fewer
epochs; ``--png FILE``: the convergence plot; ``--skgd NAME=JSON``: another
skgd configuration to time). Every method runs in this one process, its
kernels compiled by a first fit before anything is timed. The methods:
``SGDRegressor`` / ``SGDClassifier(loss="log_loss")`` at their defaults,
scikit-learn's SAGA estimators, and ``solver="saga"``.

Problems (alpha = 1e-4, scikit-learn's default, for all):

- ``housing``: ridge-penalised squared loss on California housing, the
  numeric columns median-imputed and standardized, ``ocean_proximity``
  one-hot, y in units of $100 000;
- ``breast_cancer``: L2 logistic regression, standardized;
- ``text``: L2 logistic regression on the sparse text-like set of the
  sparse-text example (hashed documents x 16 384 columns, CSR, rows of unit
  norm), the first class against the others.

Each is the training part (75%) of the split of the accuracy benchmark
(``skgd.datasets._problems.problem_split``).

Objective (skgd's and scikit-learn's SGD, docs/semantics.rst)::

    F(w, b) = mean_i loss(y_i, x_i w + b) + alpha / 2 * ||w||**2

with ``loss = 0.5 * (y - p)**2`` or ``log(1 + exp(-y p))`` (y in {-1, 1}).
Its optimum F* is exact: ridge in closed form on the centred data, logistic
regression by scipy's L-BFGS-B to a gradient norm of 1e-13 (then checked:
no method may end below F*). scikit-learn's SAGA estimators get the same
problem: ``Ridge(alpha=alpha * n)``, ``LogisticRegression(C=1 / (alpha * n))``.

Method: each method is fitted with ``max_iter=k`` (and no stopping rule) for
k on a geometric grid of epochs; each fit is timed (best of ``--repeat``)
and the relative gap (F - F*) / F* of its coefficients computed untimed.
The time to a level is that of the smallest k whose fit ends within it;
"--" means no fit within ``--max-epochs`` reached it (the gap it ended at is
printed). Times are wall-clock on a shared machine: compare within a run.
"""

import argparse
import json
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize
from scipy.special import expit, log1p
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier, SGDRegressor

import skgd
from skgd import GDClassifier, GDRegressor
from skgd.datasets._problems import problem_split

ALPHA = 1e-4
LEVELS = (1e-3, 1e-6, 1e-9)

#: skgd's configurations: SAGA, for precision (user guide, "SAGA"); more
#: with --skgd NAME=JSON, e.g. --skgd 'asgd={"average": true}'
SKGD_METHODS = {"skgd saga": dict(solver="saga")}


def load(problem):
    """(X, y, loss) of a problem; y in {-1, 1} for the logistic ones."""
    X, _, y, _ = problem_split(problem)  # the training part
    if problem == "housing":
        return X, y, "squared_error"
    return X, np.where(y == np.unique(y)[0], 1.0, -1.0), "log_loss"


def objective(loss, X, y, w, b):
    p = np.asarray(X @ w).ravel() + b
    if loss == "squared_error":
        losses = 0.5 * (y - p) ** 2
    else:
        z = -y * p
        losses = np.where(z > 0, z + log1p(np.exp(-np.abs(z))), log1p(np.exp(z)))
    return float(np.mean(losses) + 0.5 * ALPHA * np.dot(w, w))


def optimum(loss, X, y):
    """F*, exact (closed form) or by L-BFGS-B polished to 1e-13."""
    n, d = X.shape
    if loss == "squared_error":
        Xd = X.toarray() if sp.issparse(X) else X
        mean = Xd.mean(axis=0)
        Xc, yc = Xd - mean, y - y.mean()
        w = np.linalg.solve(Xc.T @ Xc / n + ALPHA * np.eye(d), Xc.T @ yc / n)
        return objective(loss, X, y, w, y.mean() - mean @ w)

    def f_and_grad(z):
        w, b = z[:-1], z[-1]
        p = np.asarray(X @ w).ravel() + b
        r = -y * expit(-y * p) / n
        grad = np.r_[np.asarray(X.T @ r).ravel() + ALPHA * w, r.sum()]
        return objective(loss, X, y, w, b), grad

    res = minimize(
        f_and_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 100_000, "maxcor": 30},
    )  # fmt: skip
    return float(res.fun)


def methods(loss, n):
    """name -> function of k returning an unfitted estimator of k epochs."""
    regress = loss == "squared_error"
    out = {}
    if regress:
        out["SGDRegressor"] = lambda k: SGDRegressor(
            max_iter=k, tol=None, random_state=0
        )
        out["Ridge(saga)"] = lambda k: Ridge(
            alpha=ALPHA * n, solver="saga", max_iter=k, tol=0.0, random_state=0
        )
    else:
        out["SGDClassifier"] = lambda k: SGDClassifier(
            loss="log_loss", max_iter=k, tol=None, random_state=0
        )
        out["LogisticRegression(saga)"] = lambda k: LogisticRegression(
            C=1.0 / (ALPHA * n), solver="saga", max_iter=k, tol=0.0, random_state=0
        )
    ours = GDRegressor if regress else GDClassifier
    extra = {} if regress else {"loss": "log_loss"}
    for name, params in SKGD_METHODS.items():
        if params.get("solver", "sgd") not in skgd.solvers.REGISTRY:
            continue  # a solver this version does not have
        out[name] = lambda k, p=params: ours(
            **extra, **p, max_iter=k, tol=None, random_state=0
        )
    return out


def epochs_grid(max_epochs):
    ks = {1}
    k = 1.0
    while k < max_epochs:
        k *= 1.5
        ks.add(min(int(round(k)), max_epochs))
    return sorted(ks)


def run(problem, max_epochs, repeat):
    X, y, loss = load(problem)
    f_star = optimum(loss, X, y)
    labels = y if loss == "squared_error" else (y > 0).astype(int)
    curves = {}
    for name, make in methods(loss, X.shape[0]).items():
        make(1).fit(X, labels)  # compiles skgd's kernels
        points = []
        for k in epochs_grid(max_epochs):
            best = np.inf
            for _ in range(repeat):
                est = make(k)
                start = time.perf_counter()
                est.fit(X, labels)
                best = min(best, time.perf_counter() - start)
            w = np.ravel(est.coef_).astype(np.float64)
            b = float(np.ravel(est.intercept_)[0])
            gap = (objective(loss, X, y, w, b) - f_star) / f_star
            points.append((k, best, gap))
            if gap < -1e-12:
                raise AssertionError(f"{name} ends below F*: F* is not the optimum")
            if gap <= LEVELS[-1]:
                break
        curves[name] = points
    return f_star, curves


def time_to(points, level):
    for k, seconds, gap in points:
        if gap <= level:
            return f"{seconds:.3g} s ({k} ep.)"
    return f"-- ({points[-1][2]:.1e} at {points[-1][0]} ep.)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="at most 100 epochs")
    parser.add_argument("--max-epochs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N fits")
    parser.add_argument("--problems", default="housing,breast_cancer,text")
    parser.add_argument("--png", help="save the convergence plot to this file")
    parser.add_argument(
        "--skgd", action="append", default=[], metavar="NAME=JSON",
        help="another skgd configuration: its name and its parameters as JSON",
    )  # fmt: skip
    args = parser.parse_args()
    for item in args.skgd:
        name, params = item.split("=", 1)
        SKGD_METHODS[name] = json.loads(params)
    max_epochs = 100 if args.quick else args.max_epochs
    print(
        f"skgd {skgd.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}; alpha={ALPHA}, "
        f"at most {max_epochs} epochs, best of {args.repeat}"
    )
    warnings.simplefilter("ignore", ConvergenceWarning)
    results = {}
    for problem in args.problems.split(","):
        f_star, curves = run(problem, max_epochs, args.repeat)
        results[problem] = curves
        print(f"\n### {problem} (F* = {f_star:.12g})\n")
        print("| method | " + " | ".join(f"gap {level:g}" for level in LEVELS) + " |")
        print("|---" * (len(LEVELS) + 1) + "|")
        for name, points in curves.items():
            cells = " | ".join(time_to(points, level) for level in LEVELS)
            print(f"| {name} | {cells} |")
    if args.png:
        plot(results, args.png)


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4))
    for ax, (problem, curves) in zip(np.atleast_1d(axes), results.items()):
        for name, points in curves.items():
            _, seconds, gaps = zip(*points)
            ax.loglog(seconds, np.maximum(gaps, 1e-16), marker=".", label=name)
        for level in LEVELS:
            ax.axhline(level, color="0.8", lw=0.8, zorder=0)
        ax.set(title=problem, xlabel="seconds from calling fit",
               ylabel="relative objective gap")  # fmt: skip
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"\nfigure: {path}")


if __name__ == "__main__":
    main()
