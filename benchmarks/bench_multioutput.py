"""Multi-output regression: one GDRegressor on a 2-D y against scikit-learn's
MultiOutputRegressor(SGDRegressor) (one pass over X per target).

Run ``python benchmarks/bench_multioutput.py``. Both run the same number of
epochs (``tol=None``); the table gives the best of three fit times and the
ratio skgd / scikit-learn.
"""

import time
import warnings

import numpy as np
from sklearn.linear_model import SGDRegressor
from sklearn.multioutput import MultiOutputRegressor

from skgd import GDRegressor


def _best_fit_time(model, X, Y, repeat=3):
    model.fit(X[:500], Y[:500])  # warm-up: compilation
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        model.fit(X, Y)
        best = min(best, time.perf_counter() - start)
    return best


def main(n_samples=100_000, n_features=100, epochs=5):
    rng = np.random.RandomState(0)
    X = rng.randn(n_samples, n_features)
    print(f"{n_samples} x {n_features} dense, {epochs} epochs")
    header = f"{'targets':>7s} {'skgd config':22s} {'sklearn s':>9s}"
    print(header + f" {'skgd s':>7s} {'ratio':>6s}")
    configs = [
        ("per-sample SGD", {}),
        ("Adam, batch 256", {"solver": "adam", "batch_size": 256, "eta0": 0.001}),
    ]
    for k in (1, 4, 16):
        Y = X @ rng.randn(n_features, k) + 0.1 * rng.randn(n_samples, k)
        Y = Y.ravel() if k == 1 else Y
        params = dict(max_iter=epochs, tol=None, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = (
                SGDRegressor(**params)
                if k == 1
                else MultiOutputRegressor(SGDRegressor(**params))
            )
            reference = _best_fit_time(ref, X, Y)
            for label, extra in configs:
                ours = _best_fit_time(GDRegressor(**params, **extra), X, Y)
                print(
                    f"{k:7d} {label:22s} {reference:9.2f} {ours:7.2f} "
                    f"{ours / reference:6.2f}"
                )


if __name__ == "__main__":
    main()
