"""Start-up costs: the time ``import skgd`` adds to ``import
sklearn.linear_model``, and the first ``fit`` of a new process with a warm
and with a cold numba cache.

Run ``python benchmarks/bench_startup.py`` (``--quick`` for fewer repeats).
Every number comes from fresh subprocesses (the interpreter's own start-up
is not counted: the clock starts inside the process):

- import: the best of ``--repeat`` processes for ``import
  sklearn.linear_model`` alone and for ``import sklearn.linear_model; import
  skgd`` (whose second import is also timed on its own); and which of numba
  and dask ``import skgd`` loads.
- first fit: one process per configuration imports skgd, builds a small
  problem (1000 x 20, not timed) and times its first ``fit`` (3 epochs),
  which includes importing numba and loading or compiling the kernels.
  *Cold*: ``NUMBA_CACHE_DIR`` points at a new empty directory, so every
  kernel is compiled; *warm*: the best of ``--repeat`` later processes with
  that same directory, now filled. The script checks that the cold run
  wrote its cache files there (numba otherwise caches next to the module,
  in ``skgd/__pycache__``).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

#: name -> (estimator, sparse X, parameters)
FIT_CONFIGS = {
    "per-sample SGD, dense": ("GDRegressor", False, {}),
    "Adam batch 32, dense": (
        "GDRegressor", False, {"solver": "adam", "batch_size": 32, "eta0": 1e-3}
    ),
    "full batch, dense": (
        "GDRegressor", False, {"batch_size": "full", "learning_rate": "constant"}
    ),
    "per-sample SGD, CSR": ("GDRegressor", True, {}),
    "Adam batch 32, CSR": (
        "GDRegressor", True, {"solver": "adam", "batch_size": 32, "eta0": 1e-3}
    ),
    "classifier log_loss, SGD": ("GDClassifier", False, {"loss": "log_loss"}),
    "classifier multinomial, Adam 32": (
        "GDClassifier", False,
        {"loss": "log_loss", "multi_class": "multinomial", "solver": "adam",
         "batch_size": 32, "eta0": 1e-3},
    ),
}  # fmt: skip

IMPORT_CODE = """
import json, sys, time
t0 = time.perf_counter()
import sklearn.linear_model
t1 = time.perf_counter()
out = {"sklearn": t1 - t0}
if WITH_SKGD:
    import skgd
    out["skgd"] = time.perf_counter() - t1
    out["numba"] = any(m == "numba" or m.startswith("numba.") for m in sys.modules)
    out["dask"] = any(m == "dask" or m.startswith("dask.") for m in sys.modules)
out["total"] = time.perf_counter() - t0
print(json.dumps(out))
"""


def _run(args, env=None):
    out = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_fit(name):
    """Time the first fit of one configuration in this fresh process."""
    import time

    t0 = time.perf_counter()
    import numpy as np
    import scipy.sparse as sp

    import skgd

    t_import = time.perf_counter() - t0
    estimator, sparse, params = FIT_CONFIGS[name]
    rng = np.random.RandomState(0)
    X = rng.standard_normal((1000, 20))
    y = X @ rng.standard_normal(20)
    if estimator == "GDClassifier":
        y = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
        if params.get("multi_class") != "multinomial":
            y = (y > 0).astype(int)
    if sparse:
        X[np.abs(X) < 1.0] = 0.0
        X = sp.csr_matrix(X)
    model = getattr(skgd, estimator)(max_iter=3, tol=None, random_state=0, **params)
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    t1 = time.perf_counter()
    model.fit(X, y)
    t_fit = time.perf_counter() - t1
    print(json.dumps({"import": t_import, "fit": t_fit}))


def _cache_files(directory):
    return sum(
        1
        for _, _, files in os.walk(directory)
        for f in files
        if f.endswith((".nbi", ".nbc"))
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, not 7")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument("--child-fit", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_fit is not None:
        child_fit(args.child_fit)
        return
    repeat = args.repeat or (3 if args.quick else 7)
    print(
        f"machine: {platform.machine()}, python {platform.python_version()}, "
        f"{os.cpu_count()} cpus (shared with other work); best of {repeat} "
        "fresh processes"
    )

    # -- import -------------------------------------------------------------
    alone, both, own = [], [], []
    loads = {"numba": False, "dask": False}
    for _ in range(repeat):
        alone.append(_run(["-c", IMPORT_CODE.replace("WITH_SKGD", "False")]))
        r = _run(["-c", IMPORT_CODE.replace("WITH_SKGD", "True")])
        both.append(r["total"])
        own.append(r["skgd"])
        loads = {k: loads[k] or r[k] for k in loads}
    t_alone = min(r["sklearn"] for r in alone)
    print()
    print(f"import sklearn.linear_model               {t_alone:6.3f} s")
    print(f"import sklearn.linear_model; import skgd  {min(both):6.3f} s")
    print(f"  difference of the two bests             {min(both) - t_alone:6.3f} s")
    print(f"  import skgd timed on its own            {min(own):6.3f} s")
    print(f"  import skgd loads numba: {loads['numba']}, dask: {loads['dask']}")

    # -- first fit ----------------------------------------------------------
    print()
    header = (
        f"{'first fit (1000x20, 3 epochs)':34s} {'cold s':>7s} {'warm s':>7s} "
        f"{'warm import+fit s':>17s}"
    )
    print(header)
    print("-" * len(header))
    for name in FIT_CONFIGS:
        with tempfile.TemporaryDirectory(prefix="skgd-numba-cache-") as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            cold = _run([__file__, "--child-fit", name], env=env)
            n_files = _cache_files(cache)
            warm = [
                _run([__file__, "--child-fit", name], env=env) for _ in range(repeat)
            ]
        best = min(warm, key=lambda r: r["fit"])
        note = "" if n_files else "  (NUMBA_CACHE_DIR not used!)"
        print(
            f"{name:34s} {cold['fit']:7.2f} {best['fit']:7.2f} "
            f"{min(r['import'] + r['fit'] for r in warm):17.2f}{note}"
        )


if __name__ == "__main__":
    main()
