"""Whether every solver and batch size reaches the optimum at its defaults.

Run ``python benchmarks/accuracy_table.py`` with skgd installed (or, from
the repository root, ``PYTHONPATH=. python benchmarks/accuracy_table.py``).

For each problem -- the regressor (squared loss) on California housing and
diabetes, each dense and CSR; the classifier with log and hinge loss on
breast cancer (binary), digits (one-vs-rest, and multinomial with log
loss) and the sparse text set of ``skgd.datasets.make_sparse_text`` (CSR,
one-vs-rest and multinomial) -- and for every registered solver and batch
size 1, 32, 256 and "full", the estimator is fitted at its defaults
(``random_state=0`` only, plus the ``--set`` overrides) on the standardized
training part (``skgd.datasets._problems``: 25% held out, random_state=0).

A cell passes when the training objective (mean loss + alpha/2 ||w||^2,
the intercept unpenalized; the sum over the classes for one-vs-rest) is
within a relative 1e-2 of the exact optimum of the same objective, and the
held-out score (R^2, accuracy) is no worse than the exact solution's by
more than 0.01. Exact solutions: ``Ridge(alpha=alpha*n)`` in closed form,
``LogisticRegression(C=1/(alpha*n))`` (lbfgs, tol 1e-10; it does not
penalize the intercept), and for the hinge loss ``SVC(kernel="linear",
C=1/(alpha*n), tol=1e-6)``: libsvm's dual has the intercept free, where
``LinearSVC`` penalizes it (alpha/2 b^2 with ``intercept_scaling=1``: its
solution's objective is 4.9% above SVC's on digits one-vs-rest, and a
larger ``intercept_scaling`` does not converge in 100 000 iterations). The
hinge intercept is then set to the exact minimizer given ``coef`` (a
relative change of at most 5e-7 here).

Each cell shows the relative objective gap, the held-out score minus the
exact solution's, ``n_iter_`` and the fit time (numba compilation included
when the cache is cold); ``*`` marks a failing cell, ``x`` an exempt
cell: the drop-in configuration (``solver="sgd", batch_size=1``,
scikit-learn's numbers) and FTRL-Proximal, whose penalty weighs against the
sum of the losses of all its updates rather than their mean, so that it
minimises another objective than the exact solution's. ``--tuned`` prints the former table instead: held-out accuracy
of GDClassifier at the tuned rates of tests/test_classifier.py against
LogisticRegression and SGDClassifier.

The grid functions are importable (``run_grid`` takes ``params_for``, a
function of the problem, solver, batch size and training X giving extra
estimator parameters) to compare default mechanisms.
"""

import argparse
import json
import os
import pickle
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skgd import GDClassifier, GDRegressor
from skgd._config import FitConfig
from skgd.datasets._problems import problem_split
from skgd.solvers import SOLVER_NAMES, get_solver

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]

# The base rate of each solver, with the default learning_rate='optimal'
# (eta0 * t0 / (t0 + t - 1) for every solver but 'sgd'; for 'sgd' with
# batch_size=1 it is scikit-learn's 1 / (alpha * (t0 + t - 1)), which does
# not read eta0). The same dict as in tests/test_classifier.py, which checks
# that the two agree.
SOLVER_ETA0 = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.1,
    "rmsprop": 0.01,
    "adam": 0.02,
    "adamw": 0.02,
}

DATASETS = {"breast_cancer": load_breast_cancer, "digits": load_digits}


def gd_classifier(loss, solver):
    """The GDClassifier of one row: per-sample steps for plain SGD, batches
    of 32 for the other solvers."""
    return GDClassifier(
        loss=loss,
        solver=solver,
        batch_size=1 if solver == "sgd" else 32,
        eta0=SOLVER_ETA0[solver],
        random_state=0,
    )


def configurations():
    """(row label, estimator) pairs, in the order of the table."""
    yield "LogisticRegression", LogisticRegression(max_iter=5000)
    for loss in ("log_loss", "hinge"):
        yield f"SGDClassifier {loss}", SGDClassifier(loss=loss, random_state=0)
    for loss in ("log_loss", "hinge"):
        for solver in SOLVERS:
            if solver == "sgd":
                rate = "b=1 'optimal' rate"
            else:
                rate = f"b=32 eta0={SOLVER_ETA0[solver]}"
            yield f"GDClassifier {loss} {solver} {rate}", gd_classifier(loss, solver)


def split(dataset):
    X, y = DATASETS[dataset](return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def evaluate(estimator, data, repeat):
    """(held-out accuracy, best fit time in seconds) of the pipeline."""
    X_train, X_test, y_train, y_test = data
    make_pipeline(StandardScaler(), estimator).fit(X_train, y_train)  # warm-up
    best = np.inf
    for _ in range(repeat):
        model = make_pipeline(StandardScaler(), estimator)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        best = min(best, time.perf_counter() - start)
    return model.score(X_test, y_test), best


def tuned_main(args):
    """The classifier table at the tuned rates of tests/test_classifier.py."""

    data = {name: split(name) for name in DATASETS}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, estimator in configurations():
            cells = [evaluate(estimator, data[name], args.repeat) for name in data]
            rows.append((label, cells))

    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, {platform.machine()}"
    )
    for name, (X_train, X_test, _, y_test) in data.items():
        print(
            f"{name}: {X_train.shape[0]} training / {X_test.shape[0]} held-out "
            f"rows, {X_train.shape[1]} features, {np.unique(y_test).size} classes"
        )
    print()
    width = max(len(label) for label, _ in rows)
    titles = [title for name in data for title in (f"{name} acc", f"{name} fit ms")]
    widths = [max(len(title), 15) for title in titles]
    print(
        f"| {'configuration':<{width}} | "
        + " | ".join(f"{t:>{w}}" for t, w in zip(titles, widths))
        + " |"
    )
    print(
        f"|{'-' * (width + 2)}|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    )
    reference = [accuracy for accuracy, _ in rows[0][1]]
    for label, cells in rows:
        texts = []
        for (accuracy, seconds), ref in zip(cells, reference):
            texts += [
                f"{accuracy:.4f} ({accuracy - ref:+.3f})",
                f"{1000 * seconds:.1f}",
            ]
        print(
            f"| {label:<{width}} | "
            + " | ".join(f"{t:>{w}}" for t, w in zip(texts, widths))
            + " |"
        )
    print()
    print("acc: held-out accuracy (difference to LogisticRegression's)")


# ---------------------------------------------------------------------------
# The default grid
# ---------------------------------------------------------------------------

ALPHA = 1e-4  # the estimators' default alpha
OBJECTIVE_RTOL = 1e-2
SCORE_TOL = 0.01
BATCH_SIZES = (1, 32, 256, "full")

# name: (data set, format, loss, multi_class); multi_class None: regressor
PROBLEMS = {
    "housing": ("housing", "dense", "squared_error", None),
    "housing-csr": ("housing", "csr", "squared_error", None),
    "diabetes": ("diabetes", "dense", "squared_error", None),
    "diabetes-csr": ("diabetes", "csr", "squared_error", None),
    "cancer-log": ("breast_cancer", "dense", "log_loss", "ovr"),
    "cancer-hinge": ("breast_cancer", "dense", "hinge", "ovr"),
    "digits-ovr-log": ("digits", "dense", "log_loss", "ovr"),
    "digits-ovr-hinge": ("digits", "dense", "hinge", "ovr"),
    "digits-mn-log": ("digits", "dense", "log_loss", "multinomial"),
    "text-ovr-log": ("text", "csr", "log_loss", "ovr"),
    "text-ovr-hinge": ("text", "csr", "hinge", "ovr"),
    "text-mn-log": ("text", "csr", "log_loss", "multinomial"),
}
QUICK_PROBLEMS = ["housing", "cancer-log", "digits-mn-log", "text-ovr-hinge"]
QUICK_SOLVERS = ["sgd", "momentum", "adagrad", "adam"]


def exempt(solver, batch_size):
    """The drop-in configuration, which keeps scikit-learn's numbers, and
    FTRL-Proximal, whose minimum is not that of the objective compared."""
    return (solver == "sgd" and batch_size == 1) or solver == "ftrl"


def _binary_loss(loss, margin):
    if loss == "log_loss":
        return np.logaddexp(0.0, -margin)
    return np.maximum(0.0, 1.0 - margin)


def objective(problem, X, y, coef, intercept, alpha=ALPHA):
    """skgd's training objective: mean loss + alpha/2 ||coef||^2 (the
    intercept unpenalized); for one-vs-rest the sum of the binary
    objectives of the classes (labels +1 for the class, -1 otherwise).
    ``y`` is the target, or the class index of each row for a classifier."""
    _, _, loss, multi_class = PROBLEMS[problem]
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    P = np.asarray(X @ coef.T) + intercept
    penalty = 0.5 * alpha * float(np.sum(coef * coef))
    if multi_class is None:
        r = y - P[:, 0]
        return 0.5 * float(np.mean(r * r)) + penalty
    if multi_class == "multinomial":
        data = logsumexp(P, axis=1) - P[np.arange(P.shape[0]), y]
        return float(np.mean(data)) + penalty
    if P.shape[1] == 1:  # binary: the positive class is classes_[1]
        margins = np.where(y == 1, 1.0, -1.0)[:, None] * P
    else:
        signs = np.where(y[:, None] == np.arange(P.shape[1]), 1.0, -1.0)
        margins = signs * P
    return float(np.sum(np.mean(_binary_loss(loss, margins), axis=0))) + penalty


def _hinge_intercept(X, s, w):
    """The intercept minimizing the mean hinge loss for fixed ``w`` and
    labels ``s`` (+-1): the loss is convex and piecewise linear in b, so
    its minimum is at a kink, some b = s_i - x_i.w."""
    m = np.asarray(X @ w).ravel()
    candidates = np.unique(s - m)
    totals = [np.maximum(0.0, 1.0 - s * (m + b)).mean() for b in candidates]
    return float(candidates[int(np.argmin(totals))])


class Problem:
    """One problem's data, exact solution and its objective and score."""

    def __init__(self, name, cache=None):
        self.name = name
        dataset, fmt, loss, multi_class = PROBLEMS[name]
        self.loss, self.multi_class = loss, multi_class
        X_train, X_test, y_train, y_test = problem_split(dataset)
        if fmt == "csr":
            X_train, X_test = sp.csr_matrix(X_train), sp.csr_matrix(X_test)
        self.X_train, self.X_test = X_train, X_test
        self.y_train, self.y_test = y_train, y_test
        if multi_class is not None:
            self.classes = np.unique(y_train)
            self.codes = np.searchsorted(self.classes, y_train)
        start = time.perf_counter()
        if cache is not None and name in cache:
            self.coef, self.intercept = cache[name]
        else:
            self.coef, self.intercept = self._exact()
            if cache is not None:
                cache[name] = self.coef, self.intercept
        self.exact_seconds = time.perf_counter() - start
        self.f_star = self.objective(self.coef, self.intercept)
        self.score_star = self.score(self.coef, self.intercept)

    @property
    def n(self):
        return self.X_train.shape[0]

    def objective(self, coef, intercept):
        y = self.y_train if self.multi_class is None else self.codes
        return objective(self.name, self.X_train, y, coef, intercept)

    def predict(self, coef, intercept, X=None):
        X = self.X_test if X is None else X
        P = np.asarray(X @ np.atleast_2d(coef).T) + np.atleast_1d(intercept)
        if self.multi_class is None:
            return P[:, 0]
        if P.shape[1] == 1:
            return self.classes[(P[:, 0] > 0).astype(int)]
        return self.classes[np.argmax(P, axis=1)]

    def score(self, coef, intercept):
        prediction = self.predict(coef, intercept)
        if self.multi_class is None:
            return r2_score(self.y_test, prediction)
        return accuracy_score(self.y_test, prediction)

    def _exact(self):
        X = self.X_train
        X = X.toarray() if sp.issparse(X) and self.multi_class is None else X
        n = self.n
        if self.multi_class is None:
            ridge = Ridge(alpha=ALPHA * n, solver="cholesky").fit(X, self.y_train)
            return ridge.coef_[None, :], np.array([ridge.intercept_])
        C = 1.0 / (ALPHA * n)
        if self.loss == "log_loss":
            if self.multi_class == "multinomial":
                model = LogisticRegression(C=C, tol=1e-10, max_iter=100_000)
                model.fit(X, self.codes)
                return model.coef_, model.intercept_
            targets = self._binary_targets()
            rows = []
            for s in targets:
                model = LogisticRegression(C=C, tol=1e-10, max_iter=100_000)
                model.fit(X, s)
                rows.append((model.coef_[0], model.intercept_[0]))
            return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
        rows = []
        for s in self._binary_targets():
            model = SVC(kernel="linear", C=C, tol=1e-6, cache_size=1000).fit(X, s)
            w = model.dual_coef_ @ model.support_vectors_
            w = np.asarray(w.toarray() if sp.issparse(w) else w).ravel()
            rows.append((w, _hinge_intercept(X, s, w)))
        return np.array([r[0] for r in rows]), np.array([r[1] for r in rows])

    def _binary_targets(self):
        """+-1 labels of each one-vs-rest model (one for a binary problem,
        whose positive class is classes_[1])."""
        if self.classes.size == 2:
            return [np.where(self.codes == 1, 1.0, -1.0)]
        return [np.where(self.codes == k, 1.0, -1.0) for k in range(self.classes.size)]

    def estimator(self, **params):
        if self.multi_class is None:
            return GDRegressor(**params)
        return GDClassifier(loss=self.loss, multi_class=self.multi_class, **params)


def fit_cell(problem, solver, batch_size, params):
    """The result of one cell: a dict of its numbers."""
    est = problem.estimator(
        solver=solver, batch_size=batch_size, random_state=0, **params
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        est.fit(problem.X_train, problem.y_train)
        seconds = time.perf_counter() - start
    coef, intercept = est.coef_, est.intercept_
    f = problem.objective(coef, intercept)
    gap = (f - problem.f_star) / abs(problem.f_star)
    score_gap = problem.score(coef, intercept) - problem.score_star
    if not np.isfinite(f):
        gap = np.inf
    if not np.isfinite(score_gap):
        score_gap = -np.inf
    n_iter = int(np.max(est.n_iter_))
    return {
        "problem": problem.name, "solver": solver, "batch_size": batch_size,
        "objective": f, "gap": float(gap), "score_gap": float(score_gap),
        "n_iter": n_iter, "seconds": seconds,
        "converged": not any(w.category is ConvergenceWarning for w in caught),
        "passes": bool(gap <= OBJECTIVE_RTOL and score_gap >= -SCORE_TOL),
        "exempt": exempt(solver, batch_size),
    }  # fmt: skip


def refuses(problem, solver, batch_size, params):
    """Whether the solver refuses the cell's configuration (its
    ``check_fit``: a batch size or a loss it does not take)."""
    est = problem.estimator(solver=solver, batch_size=batch_size, **params)
    try:
        get_solver(solver).check_fit(FitConfig.of(est))
    except ValueError:
        return True
    return False


def run_grid(problems, solvers, batch_sizes=BATCH_SIZES, params_for=None,
             overrides=None, progress=None):  # fmt: skip
    """Every cell of the grid: a list of dicts (see ``fit_cell``).

    ``params_for(problem, solver, batch_size)`` (a ``Problem``, a solver
    name, a batch size) returns extra estimator parameters; ``overrides``
    are added to every cell (and win)."""
    results = []
    for name in problems:
        problem = name if isinstance(name, Problem) else Problem(name)
        for solver in solvers:
            for batch_size in batch_sizes:
                params = (
                    dict(params_for(problem, solver, batch_size)) if params_for else {}
                )
                params.update(overrides or {})
                if refuses(problem, solver, batch_size, params):
                    continue  # e.g. SAGA: per-sample, smooth losses only
                cell = fit_cell(problem, solver, batch_size, params)
                cell["params"] = {k: repr(v) for k, v in params.items()}
                results.append(cell)
                if progress:
                    progress(cell)
    return results


def _cell_text(cell):
    mark = "x" if cell["exempt"] else (" " if cell["passes"] else "*")
    gap = cell["gap"]
    gap_text = f"{gap:8.1e}" if np.isfinite(gap) else f"{'inf':>8}"
    return (
        f"{gap_text} {cell['score_gap']:+6.3f} {cell['n_iter']:>4} "
        f"{cell['seconds']:5.1f}{mark}"
    )


def summary(results):
    """(failing non-exempt cells, non-exempt cells)."""
    counted = [c for c in results if not c["exempt"]]
    return sum(not c["passes"] for c in counted), len(counted)


def print_table(results, problems_info=None):
    batch_sizes = []
    for c in results:
        if c["batch_size"] not in batch_sizes:
            batch_sizes.append(c["batch_size"])
    rows = {}
    for c in results:
        rows.setdefault((c["problem"], c["solver"]), {})[c["batch_size"]] = c
    width = max(len(f"{p} {s}") for p, s in rows)
    cell_width = len(_cell_text(results[0]))
    print(
        f"{'problem solver':<{width}} | "
        + " | ".join(f"{'b=' + str(b):^{cell_width}}" for b in batch_sizes)
    )
    print(
        f"{'':<{width}} | "
        + " | ".join(f"{'gap dscore iter s':^{cell_width}}" for _ in batch_sizes)
    )
    last = None
    for (p, s), cells in rows.items():
        if last is not None and p != last:
            print()
        last = p
        texts = [_cell_text(cells[b]) if b in cells else " " * cell_width
                 for b in batch_sizes]  # fmt: skip
        print(f"{p + ' ' + s:<{width}} | " + " | ".join(texts))
    failing, total = summary(results)
    print()
    print(
        f"{failing} of {total} non-exempt cells fail (relative objective gap > "
        f"{OBJECTIVE_RTOL:g} or held-out score below the exact solution's by "
        f"more than {SCORE_TOL:g})"
    )
    by_batch = {b: [0, 0] for b in batch_sizes}
    for c in results:
        if not c["exempt"]:
            by_batch[c["batch_size"]][1] += 1
            by_batch[c["batch_size"]][0] += not c["passes"]
    print(
        "failing by batch size: "
        + ", ".join(f"{b}: {f}/{t}" for b, (f, t) in by_batch.items())
    )


def _parse_value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"None": None, "True": True, "False": False}.get(text, text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"problems {QUICK_PROBLEMS}, solvers {QUICK_SOLVERS}",
    )
    parser.add_argument("--problems", nargs="+", choices=list(PROBLEMS))
    parser.add_argument("--solvers", nargs="+", choices=list(SOLVER_NAMES))
    parser.add_argument("--batch-sizes", nargs="+", help="e.g. 1 32 full")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an estimator parameter for every cell (repeatable)",
    )
    parser.add_argument("--json", metavar="FILE", help="save the cells as JSON")
    parser.add_argument(
        "--cache",
        metavar="FILE",
        help="pickle file keeping the exact solutions between runs",
    )
    parser.add_argument(
        "--tuned",
        action="store_true",
        help="the former table: classifiers at tuned rates",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed fits per cell (--tuned)"
    )
    args = parser.parse_args()  # fmt: skip
    if args.tuned:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        tuned_main(args)
        return
    problems = args.problems or (QUICK_PROBLEMS if args.quick else list(PROBLEMS))
    solvers = args.solvers or (QUICK_SOLVERS if args.quick else list(SOLVER_NAMES))
    batch_sizes = BATCH_SIZES
    if args.batch_sizes:
        batch_sizes = [b if b == "full" else int(b) for b in args.batch_sizes]
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = _parse_value(value)

    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, {platform.machine()}; overrides {overrides}"
    )
    start = time.perf_counter()
    cache = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, "rb") as handle:
            cache = pickle.load(handle)
    results = []
    for name in problems:
        problem = Problem(name, cache)
        if args.cache:
            with open(args.cache, "wb") as handle:
                pickle.dump(cache, handle)
        print(
            f"{name}: {problem.X_train.shape[0]} x {problem.X_train.shape[1]} "
            f"training, {problem.X_test.shape[0]} held out; exact objective "
            f"{problem.f_star:.6g}, held-out score {problem.score_star:.4f} "
            f"({problem.exact_seconds:.1f} s)", flush=True,
        )  # fmt: skip
        results += run_grid([problem], solvers, batch_sizes, overrides=overrides)
    print()
    print_table(results)
    print(f"grid time {time.perf_counter() - start:.0f} s")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1, default=str)


if __name__ == "__main__":
    main()
