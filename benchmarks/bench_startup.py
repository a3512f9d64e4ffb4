"""Start-up costs: the time ``import skgd`` adds to ``import
sklearn.linear_model``, the first ``fit`` of a new process with a cold and
a warm numba cache for every built-in solver and batch path, and the
warm-up command ``python -m skgd.compile``.

Run ``python benchmarks/bench_startup.py`` (``--quick`` for fewer repeats).
Every number comes from fresh subprocesses (the interpreter's own start-up
is not counted in the import and fit figures: the clock starts inside the
process):

- import: the best of ``--repeat`` processes for ``import
  sklearn.linear_model`` alone and for ``import sklearn.linear_model; import
  skgd`` (whose second import is also timed on its own); and which of numba
  and dask ``import skgd`` loads.  Target: ``import skgd`` adds at most
  0.1 s.
- first fit: every registered solver (``skgd.solvers.REGISTRY``, so that a
  new solver gets its rows) x batch size 1, 32 and "full" on dense data,
  then CSR and classifier rows.  One process per configuration imports
  skgd, builds a small problem (1000 x 20, not timed) and times its first
  ``fit`` (3 epochs), which includes importing numba and loading or
  compiling the kernels.  *Cold*: ``NUMBA_CACHE_DIR`` points at a new
  empty directory of its own, so no kernel comes from an earlier
  configuration and every kernel the fit needs is compiled (target: 3 s);
  *warm*: the best of ``--repeat`` later processes with that same
  directory, now filled (target: 0.5 s).  The script checks that the cold
  run wrote its cache files there (numba otherwise caches beside the
  sources).
- ``python -m skgd.compile`` (every built-in kernel, both dtypes, one
  process per CPU) in a new empty cache directory, then again in the
  filled one; wall time of the command, interpreter start-up included.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

#: targets, in seconds
IMPORT_TARGET = 0.1
COLD_TARGET = 3.0
WARM_TARGET = 0.5

#: the batch paths every solver is measured on
BATCH_SIZES = (1, 32, "full")

#: the rows after the solver x batch size grid: name -> (estimator, sparse
#: X, parameters)
EXTRA_CONFIGS = {
    "sgd, batch 1, CSR": ("GDRegressor", True, {}),
    "adam, batch 32, CSR": (
        "GDRegressor", True, {"solver": "adam", "batch_size": 32, "eta0": 1e-3}
    ),
    "classifier log_loss, sgd, batch 1": ("GDClassifier", False, {"loss": "log_loss"}),
    "classifier multinomial, adam, batch 32": (
        "GDClassifier", False,
        {"loss": "log_loss", "multi_class": "multinomial", "solver": "adam",
         "batch_size": 32, "eta0": 1e-3},
    ),
}  # fmt: skip


def fit_configs():
    """name -> (estimator, sparse X, parameters): every registered solver x
    ``BATCH_SIZES`` it runs (SAGA: 1 only) on dense data, then
    ``EXTRA_CONFIGS``."""
    from skgd import GDRegressor
    from skgd._config import FitConfig
    from skgd.solvers import REGISTRY, get_solver

    configs = {}
    for solver in REGISTRY:
        for batch_size in BATCH_SIZES:
            params = {"solver": solver, "batch_size": batch_size}
            if solver != "sgd":
                params["eta0"] = 1e-3
            if batch_size == "full":
                params["learning_rate"] = "constant"
            try:
                get_solver(solver).check_fit(FitConfig.of(GDRegressor(**params)))
            except ValueError:
                continue  # a batch size the solver refuses
            configs[f"{solver}, batch {batch_size}, dense"] = (
                "GDRegressor", False, params
            )  # fmt: skip
    configs.update(EXTRA_CONFIGS)
    return configs


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
        [sys.executable, *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_fit(config):
    """Time the first fit of one configuration (JSON: estimator, sparse,
    params) in this fresh process."""
    t0 = time.perf_counter()
    import numpy as np
    import scipy.sparse as sp

    import skgd

    t_import = time.perf_counter() - t0
    estimator, sparse, params = json.loads(config)
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

    warnings.simplefilter("ignore", ConvergenceWarning)  # DivergenceWarning too
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


def _met(value, target):
    return "yes" if value <= target else "NO"


def _load():
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def _import_rows(repeat):
    alone, both, own = [], [], []
    loads = {"numba": False, "dask": False}
    for _ in range(repeat):
        alone.append(_run(["-c", IMPORT_CODE.replace("WITH_SKGD", "False")]))
        r = _run(["-c", IMPORT_CODE.replace("WITH_SKGD", "True")])
        both.append(r["total"])
        own.append(r["skgd"])
        loads = {k: loads[k] or r[k] for k in loads}
    t_alone = min(r["sklearn"] for r in alone)
    added = min(both) - t_alone
    print()
    print(f"import sklearn.linear_model               {t_alone:6.3f} s")
    print(f"import sklearn.linear_model; import skgd  {min(both):6.3f} s")
    print(f"  difference of the two bests             {added:6.3f} s")
    print(f"  import skgd timed on its own            {min(own):6.3f} s")
    print(f"  import skgd loads numba: {loads['numba']}, dask: {loads['dask']}")
    return [
        ("import skgd after sklearn.linear_model (difference of bests)", added,
         IMPORT_TARGET),
        ("import skgd timed on its own", min(own), IMPORT_TARGET),
    ]  # fmt: skip


def _first_fits(configs, repeat):
    print()
    print(f"first fit (1000 x 20, 3 epochs); cold target {COLD_TARGET:g} s, warm "
          f"target {WARM_TARGET:g} s; best of {repeat} warm processes")  # fmt: skip
    print()
    header = (
        f"| {'configuration':40s} | {'cold s':>6s} | {'cold/target':>11s} "
        f"| {'warm s':>6s} | {'warm/target':>11s} | {'warm import+fit s':>17s} "
        "| met |"
    )
    print(header)
    print("|" + "|".join("-" * len(c) for c in header.split("|")[1:-1]) + "|")
    rows = []
    for name, config in configs.items():
        with tempfile.TemporaryDirectory(prefix="skgd-numba-cache-") as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            child = [__file__, "--child-fit", json.dumps(config)]
            try:
                cold = _run(child, env=env)
                n_files = _cache_files(cache)
                warm = [_run(child, env=env) for _ in range(repeat)]
            except RuntimeError as exc:  # the fit failed: say so, go on
                error = str(exc).strip().splitlines()[-1]
                print(f"| {name:40s} | fit failed: {error} |", flush=True)
                continue
        best = min(r["fit"] for r in warm)
        both = min(r["import"] + r["fit"] for r in warm)
        met = "yes" if cold["fit"] <= COLD_TARGET and best <= WARM_TARGET else "NO"
        note = "" if n_files else " (NUMBA_CACHE_DIR not used!)"
        print(
            f"| {name:40s} | {cold['fit']:6.2f} | {cold['fit'] / COLD_TARGET:11.2f} "
            f"| {best:6.2f} | {best / WARM_TARGET:11.2f} | {both:17.2f} "
            f"| {met:3s} |{note}",
            flush=True,
        )
        rows.append((name, cold["fit"], best))
    return rows


def _compile_command(repeat):
    """Wall seconds of ``python -m skgd.compile``: cold (a new cache), then
    the best of ``repeat`` warm runs; and the cold run's summary line."""
    with tempfile.TemporaryDirectory(prefix="skgd-numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        times, summaries = [], []
        for _ in range(1 + repeat):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "skgd.compile"],
                capture_output=True, text=True, env=env,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
            if out.returncode != 0:
                raise RuntimeError(f"python -m skgd.compile failed:\n{out.stderr}")
            summaries.append(out.stdout.strip().splitlines()[-1])
    return times[0], min(times[1:]), summaries[0], summaries[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats, not 7")
    parser.add_argument("--repeat", type=int, default=None)
    parser.add_argument(
        "--match", default=None,
        help="only the first-fit configurations whose name contains this",
    )  # fmt: skip
    parser.add_argument("--child-fit", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_fit is not None:
        child_fit(args.child_fit)
        return
    repeat = args.repeat or (3 if args.quick else 7)
    print(
        f"machine: {platform.machine()}, python {platform.python_version()}, "
        f"{os.cpu_count()} cpus (shared with other work), {_load()}; best of "
        f"{repeat} fresh processes"
    )

    summary = _import_rows(repeat)

    configs = fit_configs()
    if args.match:
        configs = {k: v for k, v in configs.items() if args.match in k}
    rows = _first_fits(configs, repeat)

    cold, warm, cold_line, warm_line = _compile_command(min(repeat, 3))
    print()
    print(f"python -m skgd.compile, new cache:    {cold:6.1f} s  ({cold_line})")
    print(f"python -m skgd.compile, filled cache: {warm:6.1f} s  ({warm_line})")

    print()
    print(f"summary ({_load()})")
    print()
    print("| figure | seconds | target | ratio | met |")
    print("|---|---|---|---|---|")
    for name, value, target in summary:
        print(f"| {name} | {value:.3f} | {target:g} | {value / target:.2f} "
              f"| {_met(value, target)} |")  # fmt: skip
    if rows:
        colds = [r[1] for r in rows]
        warms = [r[2] for r in rows]
        for what, values, target in (
            ("first fit, cold cache", colds, COLD_TARGET),
            ("first fit, warm cache", warms, WARM_TARGET),
        ):
            n_met = sum(v <= target for v in values)
            worst = max(values)
            print(
                f"| {what}: {min(values):.2f}-{worst:.2f} s over {len(values)} "
                f"configurations, {n_met} within the target | {worst:.2f} "
                f"| {target:g} | {worst / target:.2f} | {_met(worst, target)} |"
            )
    print(f"| python -m skgd.compile, new cache | {cold:.1f} |  |  |  |")
    print(f"| python -m skgd.compile, filled cache | {warm:.1f} |  |  |  |")


if __name__ == "__main__":
    main()
