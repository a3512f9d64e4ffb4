"""Held-out accuracy and fit time on scikit-learn's bundled data sets.

Run ``python benchmarks/accuracy_table.py`` with skgd installed (or, from
the repository root, ``PYTHONPATH=. python benchmarks/accuracy_table.py``).
Each data set is split with
``train_test_split(test_size=0.25, random_state=0, stratify=y)``; every
configuration is a ``Pipeline(StandardScaler(), classifier)`` fitted on the
training part and scored on the held-out part. The rows are
LogisticRegression(max_iter=5000), SGDClassifier with loss='log_loss' and
'hinge', and GDClassifier with each solver for both losses, at the rates of
tests/test_classifier.py (per-sample steps for 'sgd', batches of 32
otherwise; random_state=0). The fit time is the best of ``--repeat`` fits,
after one fit to warm up (numba compilation).
"""

import argparse
import platform
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]

# The base rate of each solver, with the default learning_rate='optimal'
# (eta0 * t0 / (t0 + t - 1) for every solver but 'sgd'; for 'sgd' with
# batch_size=1 it is scikit-learn's 1 / (alpha * (t0 + t - 1)), which does
# not read eta0). The same dict as in tests/test_classifier.py, which checks
# that the two agree.
SOLVER_ETA0 = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.1,
    "rmsprop": 0.01,
    "adam": 0.02,
    "adamw": 0.02,
}

DATASETS = {"breast_cancer": load_breast_cancer, "digits": load_digits}


def gd_classifier(loss, solver):
    """The GDClassifier of one row: per-sample steps for plain SGD, batches
    of 32 for the other solvers."""
    return GDClassifier(
        loss=loss,
        solver=solver,
        batch_size=1 if solver == "sgd" else 32,
        eta0=SOLVER_ETA0[solver],
        random_state=0,
    )


def configurations():
    """(row label, estimator) pairs, in the order of the table."""
    yield "LogisticRegression", LogisticRegression(max_iter=5000)
    for loss in ("log_loss", "hinge"):
        yield f"SGDClassifier {loss}", SGDClassifier(loss=loss, random_state=0)
    for loss in ("log_loss", "hinge"):
        for solver in SOLVERS:
            if solver == "sgd":
                rate = "b=1 'optimal' rate"
            else:
                rate = f"b=32 eta0={SOLVER_ETA0[solver]}"
            yield f"GDClassifier {loss} {solver} {rate}", gd_classifier(loss, solver)


def split(dataset):
    X, y = DATASETS[dataset](return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def evaluate(estimator, data, repeat):
    """(held-out accuracy, best fit time in seconds) of the pipeline."""
    X_train, X_test, y_train, y_test = data
    make_pipeline(StandardScaler(), estimator).fit(X_train, y_train)  # warm-up
    best = np.inf
    for _ in range(repeat):
        model = make_pipeline(StandardScaler(), estimator)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        best = min(best, time.perf_counter() - start)
    return model.score(X_test, y_test), best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed fits per cell")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    data = {name: split(name) for name in DATASETS}
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, estimator in configurations():
            cells = [evaluate(estimator, data[name], args.repeat) for name in data]
            rows.append((label, cells))

    print(
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}, {platform.machine()}"
    )
    for name, (X_train, X_test, _, y_test) in data.items():
        print(
            f"{name}: {X_train.shape[0]} training / {X_test.shape[0]} held-out "
            f"rows, {X_train.shape[1]} features, {np.unique(y_test).size} classes"
        )
    print()
    width = max(len(label) for label, _ in rows)
    titles = [title for name in data for title in (f"{name} acc", f"{name} fit ms")]
    widths = [max(len(title), 15) for title in titles]
    print(
        f"| {'configuration':<{width}} | "
        + " | ".join(f"{t:>{w}}" for t, w in zip(titles, widths))
        + " |"
    )
    print(
        f"|{'-' * (width + 2)}|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    )
    reference = [accuracy for accuracy, _ in rows[0][1]]
    for label, cells in rows:
        texts = []
        for (accuracy, seconds), ref in zip(cells, reference):
            texts += [
                f"{accuracy:.4f} ({accuracy - ref:+.3f})",
                f"{1000 * seconds:.1f}",
            ]
        print(
            f"| {label:<{width}} | "
            + " | ".join(f"{t:>{w}}" for t, w in zip(texts, widths))
            + " |"
        )
    print()
    print("acc: held-out accuracy (difference to LogisticRegression's)")


if __name__ == "__main__":
    main()
