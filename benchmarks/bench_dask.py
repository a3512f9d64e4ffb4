"""Time per epoch of the data-parallel full-batch fit on 1 and 2 dask workers.

Run ``python benchmarks/bench_dask.py`` (``--quick`` for a small problem).

A ``LocalCluster`` (127.0.0.1 only, no dashboard) of 1 or 2 worker processes,
one thread each, with ``--memory-limit`` per worker, holds a dense float64
``X`` of ``--rows`` x ``--features`` generated on the workers in ``--chunks``
row blocks and persisted there.  With the defaults, ``X`` (1 GB in 10 blocks
of 100 MB) is larger than what one worker of ``memory_limit=1.5GB`` keeps in
memory (dask spills to disk above 60 % of the limit in stored data, or 70 %
in process memory, which includes the ~0.35 GB of the imported libraries):
one worker spills part of ``X`` to disk and reads it back every epoch, two
workers hold their halves in memory.

Each configuration is fitted once with two epochs (warm-up: numba, worker
imports), then timed as the best of ``--repeat`` fits of ``--epochs`` epochs
of ``GDRegressor(batch_size="full", solver="adam", tol=None)``.  The
in-memory row is the same fit on the numpy array in this process.

Communication per epoch: the coefficients to every block and one gradient
vector back from every block (``n_features + 1`` numbers and three scalars):
51 float64 each way per block here, against 100 MB of data in a block.
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgd import GDRegressor


def _fit_time(X, y, epochs, repeat):
    est = GDRegressor(batch_size="full", solver="adam", eta0=0.01, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(max_iter=2).fit(X, y)  # warm-up
        best = np.inf
        for _ in range(repeat):
            start = time.perf_counter()
            est.set_params(max_iter=epochs).fit(X, y)
            best = min(best, time.perf_counter() - start)
    return best / epochs, est


def _memory(client):
    """(MB of X spilled to disk, largest worker process RSS in MB)."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    spilled = sum(w["metrics"].get("spilled_bytes", {}).get("disk", 0) for w in workers)
    rss = max(w["metrics"].get("memory", 0) for w in workers)
    return spilled / 1e6, rss / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k rows")
    parser.add_argument("--rows", type=int, default=2_500_000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--memory-limit", default="1.5GB")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.epochs, args.repeat = 100_000, 3, 2

    import dask.array as da
    from distributed import Client, LocalCluster, wait

    n, d = args.rows, args.features
    chunk = -(-n // args.chunks)
    coef = np.random.RandomState(0).randn(d)

    print(
        f"{platform.machine()}, {os.cpu_count()} cores; X: {n} x {d} float64 = "
        f"{n * d * 8 / 1e6:.0f} MB in {args.chunks} blocks of "
        f"{chunk * d * 8 / 1e6:.0f} MB; memory_limit={args.memory_limit} per "
        f"worker; {args.epochs} epochs, best of {args.repeat}"
    )

    def make_X():  # the same numbers on every scheduler
        return da.random.RandomState(0).standard_normal((n, d), chunks=(chunk, d))

    X_mem = make_X().compute(scheduler="threads")
    y = X_mem @ coef
    rows = []
    for n_workers in (1, 2):
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                memory_limit=args.memory_limit,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.wait_for_workers(n_workers, timeout=120)
            X = make_X().persist()
            wait(X)
            per_epoch, _ = _fit_time(X, y, args.epochs, args.repeat)
            time.sleep(1.0)  # let the workers report their memory
            spilled, rss = _memory(client)
            rows.append((f"dask, {n_workers} worker(s)", per_epoch, spilled, rss))
    per_epoch, _ = _fit_time(X_mem, y, args.epochs, args.repeat)
    rows.append(("numpy, in memory", per_epoch, 0.0, float("nan")))

    print(
        f"\n{'configuration':<20} {'s / epoch':>10} {'spilled MB':>11} "
        f"{'worker RSS MB':>14}"
    )
    for name, per_epoch, spilled, rss in rows:
        print(f"{name:<20} {per_epoch:>10.3f} {spilled:>11.0f} {rss:>14.0f}")
    print(f"\nspeed-up 1 -> 2 workers: {rows[0][1] / rows[1][1]:.2f}x")


if __name__ == "__main__":
    main()
