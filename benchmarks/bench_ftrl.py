"""FTRL-Proximal against scikit-learn's SGDClassifier(penalty="l1") on sparse
text: held-out accuracy, fraction of exact zeros in ``coef_``, fit time.

Run ``python benchmarks/bench_ftrl.py`` (``--quick`` for smaller data).

The data: :func:`skgd.datasets.make_sparse_text` (five overlapping topics,
hashed into 2**14 columns, about 50 non-zeros a row), 20 000 documents, 70%
for training and 30% held out.  Both models are one-vs-rest logistic
regressions fitted for 5 epochs of per-sample steps in a seeded shuffled
order (``tol=None``): ``SGDClassifier(loss="log_loss", penalty="l1")`` with
its ``optimal`` schedule, and ``GDClassifier(solver="ftrl",
loss="log_loss", penalty="l1")`` at a constant rate 0.1 (FTRL's base
rate).  Each is fitted over a range of ``alpha``: FTRL's L1 threshold acts
on the sum of the gradients of all its updates (``|z| <= alpha``), SGD's
truncation on each step (``eta * alpha``), so FTRL's alphas are about as
many times larger as there are updates between a column's visits.

Printed: for each alpha, the held-out accuracy, the fraction of exact zeros
of ``coef_`` (over all columns, and over the columns that occur in the
training documents: most hashed columns never do, and are zero for both),
and the fit time, the best of ``--repeat`` fits; then, at equal accuracy
(each SGD point paired with the FTRL point of the closest accuracy, within
half a point), the ratios.  The machine may be shared: compare the ratios.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from skgd import GDClassifier
from skgd.datasets import make_sparse_text

SGD_ALPHAS = (1e-5, 3e-5, 1e-4, 2e-4, 3e-4)
FTRL_ALPHAS = (3.0, 10.0, 20.0, 30.0, 50.0)
EPOCHS = 5


def sgd(alpha):
    return SGDClassifier(loss="log_loss", penalty="l1", alpha=alpha,
                         max_iter=EPOCHS, tol=None, random_state=0)  # fmt: skip


def ftrl(alpha):
    return GDClassifier(solver="ftrl", loss="log_loss", penalty="l1", alpha=alpha,
                        eta0=0.1, learning_rate="constant", max_iter=EPOCHS,
                        tol=None, random_state=0)  # fmt: skip


def measure(make, alpha, data, repeat):
    """(accuracy, zeros over all columns, zeros over active ones, seconds)."""
    X_train, X_test, y_train, y_test, active = data
    best = np.inf
    for _ in range(repeat):
        est = make(alpha)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X_train, y_train)
        best = min(best, time.perf_counter() - start)
    coef = est.coef_
    return (
        est.score(X_test, y_test),
        float(np.mean(coef == 0.0)),
        float(np.mean(coef[:, active] == 0.0)),
        best,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 6000 if args.quick else 20000
    X, y = make_sparse_text(n, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0
    )
    active = np.unique(X_train.indices)
    data = (X_train, X_test, y_train, y_test, active)
    print(
        f"make_sparse_text: {X_train.shape[0]} training and {X_test.shape[0]} "
        f"held-out documents, {X.shape[1]} columns ({active.size} occur in the "
        f"training documents), {X.nnz / X.shape[0]:.0f} non-zeros a row; "
        f"{EPOCHS} epochs, one-vs-rest, best of {args.repeat} fits"
    )
    ftrl(1.0).set_params(max_iter=1).fit(X_train[:50], y_train[:50])  # warm-up

    header = (
        f"{'model':6s} {'alpha':>8s} {'accuracy':>9s} {'zeros':>7s} "
        f"{'zeros (active)':>15s} {'fit (s)':>8s}"
    )
    print(header)
    results = {}
    for name, make, alphas in (("sgd", sgd, SGD_ALPHAS), ("ftrl", ftrl, FTRL_ALPHAS)):
        results[name] = []
        for alpha in alphas:
            acc, zeros, active_zeros, seconds = measure(make, alpha, data, args.repeat)
            results[name].append((alpha, acc, zeros, active_zeros, seconds))
            print(
                f"{name:6s} {alpha:8.0e} {100 * acc:8.2f}% {100 * zeros:6.2f}% "
                f"{100 * active_zeros:14.2f}% {seconds:8.3f}"
            )

    print("\nat equal accuracy (within 0.5 point): FTRL / SGD")
    print(
        f"{'sgd alpha':>9s} {'ftrl alpha':>10s} {'accuracy':>17s} "
        f"{'zeros (active)':>17s} {'zeros ratio':>11s} {'time ratio':>10s}"
    )
    for s_alpha, s_acc, _, s_zeros, s_time in results["sgd"]:
        f_alpha, f_acc, _, f_zeros, f_time = min(
            results["ftrl"], key=lambda r: abs(r[1] - s_acc)
        )
        if abs(f_acc - s_acc) > 0.005:
            print(f"{s_alpha:9.0e} {'-':>10s} (no FTRL point within 0.5 point)")
            continue
        print(
            f"{s_alpha:9.0e} {f_alpha:10.0f} {100 * f_acc:7.2f}/{100 * s_acc:.2f}% "
            f"{100 * f_zeros:7.2f}/{100 * s_zeros:.2f}% "
            f"{f_zeros / s_zeros:11.2f} {f_time / s_time:10.2f}"
        )


if __name__ == "__main__":
    main()
