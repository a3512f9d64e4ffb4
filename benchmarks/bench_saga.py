"""SAGA against scikit-learn's: objective gap to the exact minimum after E
epochs, and milliseconds per epoch.

Run ``python benchmarks/bench_saga.py`` (``--quick`` for smaller data).

Problems (float64, seeded):

- dense 20 000 x 50, squared loss + L2 (``alpha=1e-3``): ``GDRegressor(
  solver="saga")`` against ``Ridge(alpha=alpha * n, solver="saga")``, the
  minimum from ``Ridge``'s closed form;
- the same X, log loss + L2: ``GDClassifier(solver="saga",
  loss="log_loss")`` against ``LogisticRegression(C=1 / (alpha * n),
  solver="saga")``, the minimum from ``LogisticRegression(tol=1e-12)``;
- CSR 100 000 x 50 000 (50 non-zeros a row), log loss, L2 and elastic net
  (``alpha=1e-5``, ``l1_ratio=0.5``): epoch times only.

Both objectives are skgd's, ``mean_i loss_i + alpha * penalty(w)``; the gap
is ``(F - F*) / F*``. Times are marginal, ``(t(21) - t(1)) / 20`` on the
dense data and ``(t(3) - t(1)) / 2`` on CSR, each t the best of ``--repeat``
fits with ``tol`` off (validation and set-up excluded); the machine may be
shared, so compare the ratios.
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge

from skgd import GDClassifier, GDRegressor


def best_time(make, X, y, repeat):
    best = np.inf
    for _ in range(repeat):
        est = make()
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        best = min(best, time.perf_counter() - t)
    return best, est


def marginal(make, X, y, e1, e2, repeat):
    """(ms per epoch, the fit of e2 epochs)."""
    t1, _ = best_time(lambda: make(e1), X, y, repeat)
    t2, est = best_time(lambda: make(e2), X, y, repeat)
    return (t2 - t1) / (e2 - e1) * 1e3, est


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, d = (5000, 50) if args.quick else (20000, 50)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=n)
    yc = (X @ rng.normal(size=d) + rng.normal(size=n) > 0).astype(int)
    alpha = 1e-3
    # warm-up: the kernels loaded or compiled
    GDRegressor(solver="saga", max_iter=1, tol=None).fit(X[:50], y[:50])
    GDClassifier(solver="saga", loss="log_loss", max_iter=1, tol=None).fit(
        X[:50], yc[:50]
    )

    def sq_obj(coef, b):
        r = X @ coef + b - y
        return 0.5 * np.mean(r**2) + 0.5 * alpha * coef @ coef

    def log_obj(coef, b):
        p = X @ np.ravel(coef) + b
        return np.mean(np.logaddexp(0, p) - yc * p) + 0.5 * alpha * coef @ coef.T

    exact = Ridge(alpha=alpha * n).fit(X, y)
    f_sq = sq_obj(exact.coef_, exact.intercept_)
    lr = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10000).fit(X, yc)
    f_log = float(log_obj(lr.coef_.ravel(), lr.intercept_[0]))
    print(f"dense {n} x {d}, alpha={alpha}")
    print("| problem | library | gap after 6 / 11 / 21 epochs | ms/epoch |")
    print("| --- | --- | --- | --- |")
    ridge_skgd = lambda e: GDRegressor(  # noqa: E731
        solver="saga", alpha=alpha, max_iter=e, tol=None, random_state=0
    )
    ridge_sklearn = lambda e: Ridge(  # noqa: E731
        alpha=alpha * n, solver="saga", max_iter=e, tol=0, random_state=0
    )
    log_skgd = lambda e: GDClassifier(  # noqa: E731
        solver="saga", loss="log_loss", alpha=alpha, max_iter=e, tol=None,
        random_state=0,
    )  # fmt: skip
    log_sklearn = lambda e: LogisticRegression(  # noqa: E731
        C=1 / (alpha * n), solver="saga", max_iter=e, tol=0, random_state=0
    )
    rows = [
        ("ridge", "skgd", ridge_skgd, y, lambda m: sq_obj(m.coef_, m.intercept_[0]),
         f_sq),
        ("ridge", "scikit-learn", ridge_sklearn, y,
         lambda m: sq_obj(m.coef_, m.intercept_), f_sq),
        ("logistic", "skgd", log_skgd, yc,
         lambda m: float(log_obj(m.coef_.ravel(), m.intercept_[0])), f_log),
        ("logistic", "scikit-learn", log_sklearn, yc,
         lambda m: float(log_obj(m.coef_.ravel(), m.intercept_[0])), f_log),
    ]  # fmt: skip
    for problem, library, make, target, f, f_star in rows:
        gaps = []
        for epochs in (6, 11, 21):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gaps.append((f(make(epochs).fit(X, target)) - f_star) / f_star)
        ms, _ = marginal(make, X, target, 1, 21, args.repeat)
        text = " / ".join(f"{g:.1e}" for g in gaps)
        print(f"| {problem} | {library} | {text} | {ms:.1f} |")

    n, d, nnz = (20000, 10000, 50) if args.quick else (100000, 50000, 50)
    indptr = np.arange(0, n * nnz + 1, nnz)
    indices = np.sort(rng.integers(0, d, size=(n, nnz)), axis=1).ravel()
    values = rng.normal(size=n * nnz) / np.sqrt(nnz)
    Xs = sp.csr_matrix((values, indices, indptr), shape=(n, d))
    Xs.sum_duplicates()
    ys = (Xs @ rng.normal(size=d) + 0.3 * rng.normal(size=n) > 0).astype(int)
    alpha = 1e-5
    print(f"\nCSR {n} x {d}, {nnz} non-zeros a row, log loss, alpha={alpha}")
    print("| penalty | skgd ms/epoch | scikit-learn ms/epoch |")
    print("| --- | --- | --- |")
    for penalty, l1_ratio in (("l2", 0.0), ("elasticnet", 0.5)):
        ms, _ = marginal(
            lambda e: GDClassifier(solver="saga", loss="log_loss", alpha=alpha,
                                   penalty=penalty, l1_ratio=l1_ratio, max_iter=e,
                                   tol=None, random_state=0),
            Xs, ys, 1, 3, args.repeat,
        )  # fmt: skip
        ms_ref, _ = marginal(
            lambda e: LogisticRegression(C=1 / (alpha * n), solver="saga",
                                         l1_ratio=l1_ratio, max_iter=e, tol=0,
                                         random_state=0),
            Xs, ys, 1, 2, 1,
        )  # fmt: skip
        print(f"| {penalty} | {ms:.0f} | {ms_ref:.0f} |")


if __name__ == "__main__":
    main()
