"""What ``shuffle_block_size`` costs in convergence.

Run ``python benchmarks/bench_block_shuffle.py``.  On California housing
(its numeric columns, imputed and standardized, as in
``bench_time_to_accuracy.py``), fitted with the default L2 penalty, the
script reports the training objective after 5 and 20 epochs, as its
relative gap to the exact minimum (ridge regression on the centred data), for
per-row shuffling and for blocks of 16, 64 and 256 rows, with per-sample SGD
(the defaults) and Adam on batches of 32.  Two row orders of the data are
compared: shuffled once beforehand (what the documentation recommends) and
sorted by the target (the worst case: a block is a cluster of similar rows).
Each figure is the median over five seeds.  The speed side is in
``bench_epoch.py``.
"""

import warnings

import numpy as np
from bench_time_to_accuracy import load_data
from sklearn.exceptions import ConvergenceWarning

from skgd import GDRegressor

ALPHA = 1e-4
BLOCKS = [None, 16, 64, 256]
CONFIGS = [
    ("per-sample SGD", {}),
    ("Adam, batch 32", {"solver": "adam", "batch_size": 32, "eta0": 0.01}),
]


def objective(X, y, coef, intercept):
    r = y - X @ coef - intercept
    return 0.5 * np.mean(r * r) + 0.5 * ALPHA * coef @ coef


def minimum(X, y):
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    n, p = X.shape
    coef = np.linalg.solve(Xc.T @ Xc / n + ALPHA * np.eye(p), Xc.T @ yc / n)
    return objective(X, y, coef, y.mean() - X.mean(axis=0) @ coef)


def main():
    X, y = load_data()
    rng = np.random.RandomState(0)
    orders = {
        "shuffled once": rng.permutation(len(y)),
        "sorted by target": np.argsort(y, kind="stable"),
    }
    print(f"California housing, {X.shape[0]} x {X.shape[1]}, standardized")
    print("relative gap of the training objective to its minimum, median of 5 seeds")
    head = f"| {'data order':16s} | {'configuration':14s} | {'block':>5s} "
    head += "| after 5 epochs | after 20 epochs |"
    print(head)
    print("|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|")
    for order_name, order in orders.items():
        Xo, yo = np.ascontiguousarray(X[order]), y[order]
        best = minimum(Xo, yo)
        for label, params in CONFIGS:
            for block in BLOCKS:
                gaps = []
                for epochs in (5, 20):
                    runs = []
                    for seed in range(5):
                        est = GDRegressor(
                            shuffle_block_size=block, max_iter=epochs, tol=None,
                            random_state=seed, **params,
                        )  # fmt: skip
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", ConvergenceWarning)
                            est.fit(Xo, yo)
                        obj = objective(Xo, yo, est.coef_, est.intercept_[0])
                        runs.append((obj - best) / best)
                    gaps.append(np.median(runs))
                shown = "row" if block is None else str(block)
                print(
                    f"| {order_name:16s} | {label:14s} | {shown:>5s} "
                    f"| {gaps[0]:14.1e} | {gaps[1]:15.1e} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
