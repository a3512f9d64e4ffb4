"""Per-epoch time of skgd against scikit-learn, in one process.

Run ``python benchmarks/bench_epoch.py`` (``--quick`` for a smaller problem,
``--png FILE`` to also save a chart of the ratios).  For each data set the
reference is scikit-learn's per-sample ``SGDRegressor`` (``SGDClassifier``
with ``loss="log_loss"`` for the classification rows), which is what a user
would otherwise run.  Every estimator is fitted once on 1000 rows to warm up
(numba compilation), then the time of one epoch is measured as the marginal
cost of more epochs, ``(t(1 + E) - t(1)) / E`` with each t the best of
``--repeat`` fits with ``tol=None``, so that the per-fit set-up (validation,
allocation) is not counted.  The table gives milliseconds per epoch, the
ratio skgd / scikit-learn, the target of the ratio and whether it is met.
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor

from skgd import GDClassifier, GDRegressor

#: block size of the cache-friendly shuffle measured (``shuffle_block_size``)
BLOCK = 64


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


def _fit_time(estimator, X, y, epochs, repeat):
    estimator.set_params(max_iter=epochs)
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        estimator.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best


def epoch_time(estimator, X, y, epochs, repeat):
    """Marginal seconds per epoch of ``estimator`` on (X, y)."""
    estimator.set_params(tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.set_params(max_iter=1)
        estimator.fit(X[:1000], y[:1000])  # warm-up: compilation
        one = _fit_time(estimator, X, y, 1, repeat)
        more = _fit_time(estimator, X, y, 1 + epochs, repeat)
    return max(more - one, 0.0) / epochs


ADAM256 = {"solver": "adam", "batch_size": 256, "eta0": 0.001}
ADAM1 = {"solver": "adam", "eta0": 0.001}
FULL = {"batch_size": "full", "learning_rate": "constant"}
BLOCKED = {"shuffle_block_size": BLOCK}


def _housing():
    """California housing, the eight numeric columns standardized: a narrow
    data set that stays in the caches, where the cost per row is the
    kernel's own work and not memory."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler

    from skgd.datasets import load_california_housing

    housing = load_california_housing(as_frame=True)
    numeric = [c for c in housing.feature_names if c != "ocean_proximity"]
    X = SimpleImputer(strategy="median").fit_transform(housing.data[numeric])
    X = np.ascontiguousarray(StandardScaler().fit_transform(X))
    return X, housing.target.to_numpy(dtype=np.float64)


#: epochs measured on the small housing data, per epoch on the large sets
HOUSING_EPOCH_FACTOR = 20


def problems(n):
    """(data set, X, y, reference, [(configuration, estimator, target)],
    factor on the number of epochs timed)."""
    Xd, yd = _dense(n, 100, np.float64)
    Xf, yf = _dense(n, 100, np.float32)
    Xs, ys = _csr(n, 50_000, 50, np.float64)
    Xs32, ys32 = Xs.astype(np.float32), ys.astype(np.float32)
    reg = GDRegressor
    yield (
        f"dense {n}x100 float64 regression", Xd, yd, SGDRegressor(),
        [
            ("per-sample SGD", reg(), 0.6),
            ("Adam, batch 256", reg(**ADAM256), 0.25),
            ("full batch", reg(**FULL), 0.25),
            (f"per-sample SGD, blocks of {BLOCK}", reg(**BLOCKED), 0.3),
        ],
        1,
    )  # fmt: skip
    Xh, yh = _housing()
    yield (
        f"California housing {Xh.shape[0]}x{Xh.shape[1]}", Xh, yh,
        SGDRegressor(), [("per-sample SGD", reg(), None)], HOUSING_EPOCH_FACTOR,
    )  # fmt: skip
    yield (
        f"dense {n}x100 float64 log_loss", Xd, (yd > 0).astype(int),
        SGDClassifier(loss="log_loss"),
        [
            ("per-sample SGD", GDClassifier(loss="log_loss"), 0.6),
            (
                f"per-sample SGD, blocks of {BLOCK}",
                GDClassifier(loss="log_loss", **BLOCKED), 0.3,
            ),
        ],
        1,
    )  # fmt: skip
    yield (
        f"dense {n}x100 float32 regression", Xf, yf, SGDRegressor(),
        [
            ("per-sample SGD", reg(), 0.6),
            ("Adam, batch 256", reg(**ADAM256), 0.25),
            ("full batch", reg(**FULL), 0.25),
        ],
        1,
    )  # fmt: skip
    yield (
        f"CSR {n}x50000 50 nnz/row float64", Xs, ys, SGDRegressor(),
        [
            ("per-sample SGD", reg(), 1.0),
            ("per-sample Adam", reg(**ADAM1), 2.0),
            ("Adam, batch 256", reg(**ADAM256), 0.8),
            ("full batch", reg(**FULL), None),
            (f"per-sample SGD, blocks of {BLOCK}", reg(**BLOCKED), 0.6),
        ],
        1,
    )  # fmt: skip
    yield (
        f"CSR {n}x50000 50 nnz/row float32", Xs32, ys32, SGDRegressor(),
        [
            ("per-sample SGD", reg(), 1.0),
            ("per-sample Adam", reg(**ADAM1), 2.0),
            ("Adam, batch 256", reg(**ADAM256), 0.8),
        ],
        1,
    )  # fmt: skip


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return f"{cpu}, {cores or os.cpu_count()} cores, python {platform.python_version()}"


def _chart(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{data}\n{config}" for data, config, *_ in rows]
    ratios = [r[4] for r in rows]
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1))
    pos = np.arange(len(rows))[::-1]
    ax.barh(pos, ratios, color="tab:blue", label="skgd / scikit-learn")
    for p, r in zip(pos, rows):
        if r[5] is not None:
            ax.plot([r[5], r[5]], [p - 0.4, p + 0.4], color="black", lw=2)
    ax.plot([], [], color="black", lw=2, label="target")
    ax.axvline(1.0, color="grey", ls=":")
    ax.set_yticks(pos, labels, fontsize=7)
    ax.set_xlabel("time per epoch, ratio to scikit-learn's per-sample SGD")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows instead of 200k")
    parser.add_argument("--epochs", type=int, default=3, help="E, the extra epochs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--png", help="save a bar chart of the ratios to this file")
    args = parser.parse_args()
    n = 20_000 if args.quick else 200_000

    print("machine:", _machine())
    header = (
        f"| {'data':36s} | {'skgd configuration':28s} | {'sklearn ms':>10s} "
        f"| {'skgd ms':>8s} | {'ratio':>5s} | {'target':>6s} | met |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    rows = []
    for data, X, y, reference, configs, factor in problems(n):
        epochs = args.epochs * factor
        ref = epoch_time(reference, X, y, epochs, args.repeat)
        for config, estimator, target in configs:
            ours = epoch_time(estimator, X, y, epochs, args.repeat)
            ratio = ours / ref
            met = "" if target is None else ("yes" if ratio <= target else "NO")
            shown = "" if target is None else f"{target:.2f}"
            print(
                f"| {data:36s} | {config:28s} | {1e3 * ref:10.1f} "
                f"| {1e3 * ours:8.1f} | {ratio:5.2f} | {shown:>6s} | {met:3s} |",
                flush=True,
            )
            rows.append((data, config, ref, ours, ratio, target))
    if args.png:
        _chart(rows, args.png)
        print("chart saved to", args.png)


if __name__ == "__main__":
    main()
