"""skgd's own regression losses against scikit-learn's estimators of the same
objective, at skgd's defaults, for every solver and batch size of a grid.

Run ``python benchmarks/bench_losses.py`` (``--quick`` for a smaller grid).

- ``loss="quantile"`` on standardized California housing (the split of
  ``skgd.datasets._problems.housing_split``), for the quantiles 0.1, 0.5 and
  0.9: the training pinball loss against that of
  ``QuantileRegressor(alpha=0, solver="highs")``, the exact optimum (its
  default ``alpha=1.0`` zeroes the coefficients), as a ratio (1.000 is the
  optimum; skgd keeps its default L2 ``alpha=1e-4``).
- ``loss="poisson"`` on seeded counts with a log-linear mean, ``"gamma"`` on
  California housing's target (positive prices), ``"tweedie"`` (power 1.5)
  on seeded compound Poisson-gamma amounts: the largest relative
  difference between skgd's predicted means and those of
  ``PoissonRegressor``/``GammaRegressor``/``TweedieRegressor(link="log")``
  with the same ``alpha`` on the training rows (the largest, and the 99th
  percentile over the rows), and both held-out D².

Each row also gives the fit times (one process, the kernels compiled
beforehand) and their ratio; the machine may be shared: compare ratios.
Targets: pinball ratio <= 1.01, means within 1%.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import (
    GammaRegressor,
    PoissonRegressor,
    QuantileRegressor,
    TweedieRegressor,
)

from skgd import GDRegressor
from skgd._losses import loss_value
from skgd.datasets._problems import housing_split

SOLVERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
BATCHES = (1, 32, 256, "full")


def synthetic(loss, n=20_000, p=10, seed=0):
    """Standardized Gaussian features; counts (poisson) or compound
    Poisson-gamma amounts (tweedie) of mean ``exp(x . w + 0.5)``."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    w = rng.uniform(-0.3, 0.3, size=p)
    mu = np.exp(X @ w + 0.5)
    if loss == "poisson":
        y = rng.poisson(mu).astype(np.float64)
    else:
        counts = rng.poisson(mu)
        y = np.array([rng.gamma(2.0, 0.5, size=k).sum() for k in counts])
    cut = int(0.75 * n)
    return X[:cut], X[cut:], y[:cut], y[cut:]


def timed(est, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return time.perf_counter() - start


def glm_rows(loss, data, grid):
    X, X_test, y, y_test = data
    reference = {
        "poisson": PoissonRegressor, "gamma": GammaRegressor,
        "tweedie": lambda **kw: TweedieRegressor(power=1.5, link="log", **kw),
    }[loss](alpha=1e-4, tol=1e-10, max_iter=1000)  # fmt: skip
    t_ref = timed(reference, X, y)
    mean_ref = reference.predict(X)
    d2_ref = reference.score(X_test, y_test)
    worst = 0.0
    for solver, batch in grid:
        est = GDRegressor(loss=loss, solver=solver, batch_size=batch, random_state=0)
        t = timed(est, X, y)
        rel = np.abs(est.predict(X) / mean_ref - 1.0)
        diff = float(np.max(rel))
        worst = max(worst, diff)
        print(
            f"{loss:8s} {solver:9s} {str(batch):>5s}  mean diff: max {diff:8.2e} "
            f"99% {np.quantile(rel, 0.99):8.2e}  "
            f"D² {est.score(X_test, y_test):.4f} vs {d2_ref:.4f}  "
            f"epochs {est.n_iter_:4d}  {t:6.2f} s vs {t_ref:5.2f} s "
            f"({t / t_ref:5.2f}x)"
        )
    print(f"{loss}: largest relative difference of the means {worst:.2e} "
          f"(target 1e-2)\n")  # fmt: skip
    return worst


def quantile_rows(data, grid, quantiles):
    X, _, y, _ = data
    worst = 0.0
    for q in quantiles:
        reference = QuantileRegressor(quantile=q, alpha=0.0, solver="highs")
        t_ref = timed(reference, X, y)
        best = float(np.mean(loss_value("quantile", y, reference.predict(X), q)))
        for solver, batch in grid:
            est = GDRegressor(loss="quantile", quantile=q, solver=solver,
                              batch_size=batch, random_state=0)  # fmt: skip
            t = timed(est, X, y)
            reached = float(np.mean(loss_value("quantile", y, est.predict(X), q)))
            worst = max(worst, reached / best)
            print(
                f"quantile {q:.1f} {solver:9s} {str(batch):>5s}  pinball ratio "
                f"{reached / best:.4f}  epochs {est.n_iter_:4d}  {t:6.2f} s vs "
                f"{t_ref:5.2f} s ({t / t_ref:5.2f}x)"
            )
    print(f"quantile: largest pinball ratio {worst:.4f} (target 1.01)\n")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid")
    args = parser.parse_args()
    solvers = SOLVERS[::2] if args.quick else SOLVERS
    grid = [(s, b) for s in solvers for b in BATCHES]
    housing = housing_split()
    # compile the kernels outside the timings
    X, _, y, _ = housing
    for loss in ("quantile", "gamma"):
        for solver, batch in grid:
            GDRegressor(loss=loss, solver=solver, batch_size=batch, max_iter=1,
                        tol=None).fit(X[:200], y[:200])  # fmt: skip
    quantile_rows(housing, grid, (0.5,) if args.quick else (0.1, 0.5, 0.9))
    glm_rows("poisson", synthetic("poisson"), grid)
    glm_rows("gamma", housing, grid)
    glm_rows("tweedie", synthetic("tweedie"), grid)


if __name__ == "__main__":
    main()
