"""Peak extra memory of ``fit``, skgd against scikit-learn, one fresh process
per configuration.

Run ``python benchmarks/bench_memory.py`` (``--quick`` for 20k rows instead
of 200k). Each configuration runs in its own subprocess, which

1. builds X and y (dense 200k x 100 float64 or float32, or CSR 200k x 50k
   with 50 non-zeros per row),
2. fits the estimator once on the first 1000 rows (imports, numba
   compilation or cache loading, allocator warm-up),
3. resets the kernel's high-water mark of the resident set (writing "5" to
   ``/proc/self/clear_refs``, after which ``VmHWM`` restarts from the
   current ``VmRSS``) and records the resident set as the baseline,
4. fits on the whole data (``--epochs`` epochs, ``tol=None``) and reads
   ``VmHWM`` again.

The peak extra memory is ``VmHWM - baseline``; it is also given as a
percentage of the size of X (``X.nbytes``, or data + indices + indptr for
CSR). The budget column checks the target "at most 10% of X plus
O(n_samples + n_features)", with the linear term taken as 64 bytes per
sample and per feature (y, sample weights, the row order and masks, each at
most eight bytes per row). Where ``/proc/self/clear_refs`` is not writable
the script falls back to ``ru_maxrss`` and says so; the fall-back can only
see growth above the warm-up's peak.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys

MIB = 2.0**20

#: name -> (data, estimator family, library, parameters)
CONFIGS = {
    "dense64 sgd": ("dense64", "reg", "skgd", {}),
    "dense64 adam/256": (
        "dense64", "reg", "skgd", {"solver": "adam", "batch_size": 256, "eta0": 1e-3}
    ),
    "dense64 full": (
        "dense64", "reg", "skgd", {"batch_size": "full", "learning_rate": "constant"}
    ),
    "dense64 sklearn": ("dense64", "reg", "sklearn", {}),
    "dense32 sgd": ("dense32", "reg", "skgd", {}),
    "dense32 adam/256": (
        "dense32", "reg", "skgd", {"solver": "adam", "batch_size": 256, "eta0": 1e-3}
    ),
    "dense32 full": (
        "dense32", "reg", "skgd", {"batch_size": "full", "learning_rate": "constant"}
    ),
    "dense32 sklearn": ("dense32", "reg", "sklearn", {}),
    "csr64 sgd": ("csr64", "reg", "skgd", {}),
    "csr64 adam/256": (
        "csr64", "reg", "skgd", {"solver": "adam", "batch_size": 256, "eta0": 1e-3}
    ),
    "csr64 sklearn": ("csr64", "reg", "sklearn", {}),
    "dense64 clf log_loss sgd": ("dense64", "clf", "skgd", {"loss": "log_loss"}),
    "dense64 clf log_loss sklearn": ("dense64", "clf", "sklearn", {"loss": "log_loss"}),
}  # fmt: skip


def _make_data(kind, n_samples, seed=0):
    """(X, y, size of X in bytes) for one of the three data kinds."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    if kind.startswith("dense"):
        dtype = np.float64 if kind == "dense64" else np.float32
        X = rng.standard_normal((n_samples, 100)).astype(dtype)
        y = X @ rng.standard_normal(100).astype(dtype)
        y += 0.1 * rng.standard_normal(n_samples).astype(dtype)
        return X, y, X.nbytes
    n_features, nnz = 50_000, 50
    # one column from each of 50 bands of 1000: sorted and distinct per row
    width = n_features // nnz
    cols = np.arange(nnz, dtype=np.int32) * width
    cols = (cols + rng.randint(0, width, (n_samples, nnz))).astype(np.int32)
    data = rng.standard_normal(n_samples * nnz) / np.sqrt(nnz)
    indptr = np.arange(0, (n_samples + 1) * nnz, nnz, dtype=np.int32)
    X = sp.csr_matrix(
        (data, cols.ravel(), indptr), shape=(n_samples, n_features), copy=False
    )
    assert X.indices.dtype == np.int32 and X.has_canonical_format
    y = X @ rng.standard_normal(n_features) + 0.1 * rng.standard_normal(n_samples)
    return X, y, X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def _estimator(family, library, params, epochs):
    common = {"max_iter": epochs, "tol": None, "random_state": 0}
    if library == "skgd":
        from skgd import GDClassifier, GDRegressor

        cls = GDRegressor if family == "reg" else GDClassifier
    else:
        from sklearn.linear_model import SGDClassifier, SGDRegressor

        cls = SGDRegressor if family == "reg" else SGDClassifier
    return cls(**params, **common)


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak():
    """Restart the high-water mark; False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(name, n_samples, epochs):
    """Measure one configuration in this process; print one JSON line."""
    import gc
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    data_kind, family, library, params = CONFIGS[name]
    X, y, x_bytes = _make_data(data_kind, n_samples)
    if family == "clf":
        y = (y > np.median(y)).astype(np.float64)
    est = _estimator(family, library, params, epochs)
    warnings.simplefilter("ignore", ConvergenceWarning)
    est.fit(X[:1000], y[:1000])  # warm-up: imports, compilation, allocator
    est = _estimator(family, library, params, epochs)
    gc.collect()
    exact = _reset_peak()
    if exact:
        base_kib = _status_kib("VmRSS")
    else:
        base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    est.fit(X, y)
    if exact:
        peak_kib = _status_kib("VmHWM")
    else:
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n_features = X.shape[1]
    print(
        json.dumps(
            {
                "name": name,
                "x_mib": x_bytes / MIB,
                "extra_mib": max(peak_kib - base_kib, 0) / 1024.0,
                "linear_mib": 64 * (n_samples + n_features) / MIB,
                "exact": exact,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20k rows, not 200k")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument(
        "--only", nargs="*", default=None, help="names of configurations to run"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--n-samples", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    n_samples = args.n_samples or (20_000 if args.quick else 200_000)
    if args.child is not None:
        child(args.child, n_samples, args.epochs)
        return

    print(
        f"machine: {platform.machine()}, python {platform.python_version()}, "
        f"{os.cpu_count()} cpus (shared); {n_samples} rows, {args.epochs} epochs"
    )
    header = (
        f"{'configuration':30s} {'X MiB':>7s} {'peak extra MiB':>14s} "
        f"{'% of X':>7s} {'budget MiB':>10s} {'ok':>3s}"
    )
    print(header)
    print("-" * len(header))
    for name in args.only or CONFIGS:
        out = subprocess.run(
            [
                sys.executable, __file__, "--child", name,
                "--n-samples", str(n_samples), "--epochs", str(args.epochs),
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        budget = 0.1 * r["x_mib"] + r["linear_mib"]
        ok = "yes" if r["extra_mib"] <= budget else "NO"
        note = "" if r["exact"] else "  (ru_maxrss: lower bound)"
        print(
            f"{name:30s} {r['x_mib']:7.1f} {r['extra_mib']:14.1f} "
            f"{100 * r['extra_mib'] / r['x_mib']:6.1f}% {budget:10.1f} {ok:>3s}" + note
        )


if __name__ == "__main__":
    main()
