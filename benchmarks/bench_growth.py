"""How the cost of an epoch grows: with the number of rows (dense) and with
the width of sparse data, for skgd and scikit-learn, in one process.

Run ``python benchmarks/bench_growth.py`` (``--png FILE`` for the log-log
plot, ``--quick`` for the sweeps up to a tenth of the sizes). It needs about
13 GB of memory at 10**7 rows (X in float32, and the float64 copy that
scikit-learn's SGD makes of it).

- **Rows**: dense float32, 100 columns, n from 10**4 to 10**7 rows; skgd
  fits float32 as it is, scikit-learn converts X to float64 in ``fit``.
- **Width**: CSR float64, 10**6 rows of 50 non-zeros (distinct columns drawn
  uniformly), widths from 10**3 to 10**7 columns.

Both run scikit-learn's per-sample SGD (``SGDRegressor``, and ``GDRegressor``
at its defaults, which computes the same numbers), shuffled rows. The epoch
time is marginal: ``t(1 + E) - t(1)``, divided by ``E``, each t the best of
``--repeat`` fits with ``tol=None``, so that conversion, validation and
allocation are not counted. The table gives the time per epoch, per row
(rows sweep) or per non-zero (width sweep), and the slope of log(time)
against log(size) on each segment: 1 is linear in the rows, 0 is flat in the
width.
"""

import argparse
import gc
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from skgd import GDRegressor

N_FEATURES = 100
NNZ = 50
SPARSE_ROWS = 10**6
ROWS = [10**4, 3 * 10**4, 10**5, 3 * 10**5, 10**6, 3 * 10**6, 10**7]
WIDTHS = [10**3, 10**4, 10**5, 10**6, 10**7]
LIBRARIES = {"skgd": GDRegressor, "scikit-learn": SGDRegressor}


def dense(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, N_FEATURES), dtype=np.float32)
    w = rng.standard_normal(N_FEATURES).astype(np.float32) / np.sqrt(N_FEATURES)
    y = X @ w + np.float32(0.1) * rng.standard_normal(n, dtype=np.float32)
    return X, y


def sparse(width, n=SPARSE_ROWS, seed=0):
    """n rows of NNZ distinct columns each, drawn uniformly in [0, width)."""
    rng = np.random.default_rng(seed)
    draws = np.sort(rng.integers(0, width, size=(n, NNZ + 20)), axis=1)
    repeated = np.zeros_like(draws, dtype=bool)
    repeated[:, 1:] = draws[:, 1:] == draws[:, :-1]
    draws[repeated] = width  # past every column: sorted to the end
    cols = np.sort(draws, axis=1)[:, :NNZ]
    if np.any(cols == width):
        raise RuntimeError("too few distinct columns drawn for a row")
    data = rng.standard_normal(n * NNZ) / np.sqrt(NNZ)
    indptr = np.arange(0, (n + 1) * NNZ, NNZ, dtype=np.int32)
    X = sp.csr_matrix((data, cols.ravel().astype(np.int32), indptr), shape=(n, width))
    y = X @ rng.standard_normal(width) + 0.1 * rng.standard_normal(n)
    return X, y


def fit_time(cls, X, y, epochs, repeat):
    best = np.inf
    for _ in range(repeat):
        est = cls(max_iter=epochs, tol=None, random_state=0)
        gc.collect()
        start = time.perf_counter()
        est.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best


def epoch_time(cls, X, y, extra, repeat):
    return (
        fit_time(cls, X, y, 1 + extra, repeat) - fit_time(cls, X, y, 1, repeat)
    ) / extra


def sweep(sizes, make, unit_count, repeat):
    """{library: [(size, seconds per epoch)]} over the sizes."""
    out = {name: [] for name in LIBRARIES}
    for size in sizes:
        X, y = make(size)
        extra = 4 if unit_count(X) <= 10**7 else 1
        for name, cls in LIBRARIES.items():
            cls(max_iter=1, tol=None).fit(X[:1000], y[:1000])  # compile, warm up
            seconds = epoch_time(cls, X, y, extra, repeat)
            out[name].append((size, seconds))
            print(
                f"  {name:12s} {size:>10,d}: {1e3 * seconds:10.2f} ms/epoch", flush=True
            )
        del X, y
    return out


def table(title, results, unit, per):
    print(f"\n### {title}\n")
    names = list(results)
    head = " | ".join(f"{n} ms | {n} ns/{unit} | {n} slope" for n in names)
    print(f"| size | {head} |")
    print("|---" * (1 + 3 * len(names)) + "|")
    sizes = [s for s, _ in results[names[0]]]
    for i, size in enumerate(sizes):
        cells = []
        for name in names:
            s, t = results[name][i]
            slope = "" if i == 0 else f"{slope_of(results[name][i - 1], (s, t)):.2f}"
            cells += [f"{1e3 * t:.1f}", f"{1e9 * t / per(s):.2f}", slope]
        print(f"| {size:,d} | " + " | ".join(cells) + " |")
    ratio = [t / u for (_, t), (_, u) in zip(results["skgd"], results["scikit-learn"])]
    print("\nskgd / scikit-learn: " + ", ".join(f"{r:.2f}" for r in ratio))


def slope_of(a, b):
    return np.log(b[1] / a[1]) / np.log(b[0] / a[0])


def plot(rows, widths, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, points in rows.items():
        n, t = zip(*points)
        left.loglog(n, t, marker="o", label=name)
    for name, points in widths.items():
        d, t = zip(*points)
        right.loglog(d, t, marker="o", label=name)
    left.set(
        title=f"dense float32, {N_FEATURES} columns, per-sample SGD",
        xlabel="rows", ylabel="seconds per epoch",
    )  # fmt: skip
    right.set(
        title=f"CSR, {SPARSE_ROWS:,} rows x {NNZ} non-zeros, per-sample SGD",
        xlabel="columns (width)", ylabel="seconds per epoch",
    )  # fmt: skip
    for ax in (left, right):
        ax.grid(True, which="both", color="0.9")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nfigure: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to a tenth")
    parser.add_argument("--repeat", type=int, default=2, help="best of N fits")
    parser.add_argument("--png", help="save the log-log plot to this file")
    args = parser.parse_args()
    rows, widths = ROWS, WIDTHS
    if args.quick:
        rows, widths = ROWS[:-2], WIDTHS[:-1]
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"Python {platform.python_version()}, {platform.machine()}")
    print("rows sweep")
    by_rows = sweep(rows, dense, lambda X: X.shape[0], args.repeat)
    print("width sweep")
    rows_sparse = SPARSE_ROWS // 10 if args.quick else SPARSE_ROWS
    by_width = sweep(
        widths, lambda d: sparse(d, n=rows_sparse), lambda X: X.nnz // NNZ, args.repeat
    )
    table("Rows (dense float32)", by_rows, "row", lambda n: n)
    table("Width (CSR)", by_width, "non-zero", lambda d: rows_sparse * NNZ)
    if args.png:
        plot(by_rows, by_width, args.png)


if __name__ == "__main__":
    main()
