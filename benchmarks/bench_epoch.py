"""Per-epoch time of skgd against scikit-learn, in one process.

Run ``python benchmarks/bench_epoch.py`` (``--quick`` for a smaller problem).
Each configuration is fitted once to warm up (numba compilation), then timed
as the best of ``--repeat`` fits of ``--epochs`` epochs with ``tol=None``; the
table gives milliseconds per epoch and the ratio skgd / scikit-learn, where
the reference is scikit-learn's per-sample SGDRegressor on the same data.
"""

import argparse
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from skgd import GDRegressor


def _dense(n_samples, n_features, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(dtype)
    y = (X @ rng.randn(n_features) + 0.1 * rng.randn(n_samples)).astype(dtype)
    return X, y


def _csr(n_samples, n_features, nnz_per_row, dtype, seed=0):
    rng = np.random.RandomState(seed)
    indptr = np.arange(0, (n_samples + 1) * nnz_per_row, nnz_per_row)
    indices = np.concatenate(
        [
            np.sort(rng.choice(n_features, nnz_per_row, replace=False))
            for _ in range(n_samples)
        ]
    )
    data = rng.randn(n_samples * nnz_per_row).astype(dtype) / np.sqrt(nnz_per_row)
    X = sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_features))
    y = (X @ rng.randn(n_features) + 0.1 * rng.randn(n_samples)).astype(dtype)
    return X, y


def _epoch_time(estimator, X, y, epochs, repeat):
    estimator.set_params(max_iter=epochs, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X[:1000], y[:1000])  # warm-up: compilation
        best = np.inf
        for _ in range(repeat):
            start = time.perf_counter()
            estimator.fit(X, y)
            best = min(best, time.perf_counter() - start)
    return best / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows instead of 200k")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 20_000 if args.quick else 200_000

    skgd_configs = [
        ("per-sample SGD", {}),
        ("Adam, batch 256", {"solver": "adam", "batch_size": 256, "eta0": 0.001}),
        ("full batch", {"batch_size": "full", "learning_rate": "constant"}),
    ]
    problems = [
        ("dense %dx100 float64" % n, _dense(n, 100, np.float64)),
        ("dense %dx100 float32" % n, _dense(n, 100, np.float32)),
        ("CSR %dx50000, 50 nnz/row" % n, _csr(n, 50_000, 50, np.float64)),
    ]
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"python {platform.python_version()}"
    )
    header = f"{'data':32s} {'skgd configuration':18s} {'sklearn ms':>10s} "
    header += f"{'skgd ms':>9s} {'ratio':>6s}"
    print(header)
    print("-" * len(header))
    for name, (X, y) in problems:
        reference = _epoch_time(SGDRegressor(), X, y, args.epochs, args.repeat)
        for label, params in skgd_configs:
            ours = _epoch_time(GDRegressor(**params), X, y, args.epochs, args.repeat)
            print(
                f"{name:32s} {label:18s} {1e3 * reference:10.1f} "
                f"{1e3 * ours:9.1f} {ours / reference:6.2f}"
            )


if __name__ == "__main__":
    main()
