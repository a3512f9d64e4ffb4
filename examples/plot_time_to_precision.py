"""
Time to precision: SAGA against stochastic gradient descent
===========================================================

Plain SGD gets close to the optimum of its objective fast and then slows
down: its step must decay for the noise of single rows to die out. SAGA
(Defazio et al., 2014) keeps the gradient of every row seen last and
corrects each step with it, so that a constant step converges to the exact
optimum, at the price of one number per row in memory.

This example fits L2-penalised logistic regression on the sparse text-like
data of :func:`skgd.datasets.make_sparse_text` (the first class against the
others) and measures, after each number of epochs, how far the training
objective is from its exact optimum, for scikit-learn's ``SGDClassifier``
and ``LogisticRegression(solver="saga")`` and for skgd's
``GDClassifier(solver="saga")``. The full comparison, on more data sets, is
``benchmarks/bench_time_to_precision.py``.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier

from skgd import GDClassifier
from skgd.datasets import make_sparse_text

ALPHA = 1e-4
X, labels = make_sparse_text(n_samples=3000, random_state=0)
y = np.where(labels == labels[0], 1.0, -1.0)
target = (y > 0).astype(int)
n = X.shape[0]


def objective(w, b):
    """Mean logistic loss plus alpha / 2 ||w||^2 (skgd's and SGD's)."""
    z = -y * (X @ w + b)
    return np.mean(np.logaddexp(0.0, z)) + 0.5 * ALPHA * w @ w


def objective_and_gradient(v):
    w, b = v[:-1], v[-1]
    r = -y * expit(-y * (X @ w + b)) / n
    return objective(w, b), np.r_[X.T @ r + ALPHA * w, r.sum()]


# %%
# The exact optimum, by L-BFGS to a gradient norm of 1e-13.
best = minimize(
    objective_and_gradient, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B",
    options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 100_000},
)  # fmt: skip
f_star = best.fun
print(f"X: {X.shape[0]} x {X.shape[1]}, F* = {f_star:.12f}")

# %%
# Each method fitted for 1, 2, 3, 5, 8, ... epochs (no stopping rule); the
# time is that of the whole fit, the gap that of its coefficients.
methods = {
    "SGDClassifier": lambda k: SGDClassifier(
        loss="log_loss", max_iter=k, tol=None, random_state=0
    ),
    "LogisticRegression(saga)": lambda k: LogisticRegression(
        C=1.0 / (ALPHA * n), solver="saga", max_iter=k, tol=0.0, random_state=0
    ),
    "GDClassifier(solver='saga')": lambda k: GDClassifier(
        loss="log_loss", solver="saga", max_iter=k, tol=None, random_state=0
    ),
}
epochs = [1, 2, 3, 5, 8, 13, 20, 30, 45]
warnings.simplefilter("ignore", ConvergenceWarning)
curves = {}
for name, make in methods.items():
    make(1).fit(X, target)  # the first fit compiles skgd's kernels
    points = []
    for k in epochs:
        est = make(k)
        start = time.perf_counter()
        est.fit(X, target)
        seconds = time.perf_counter() - start
        gap = (objective(est.coef_.ravel(), est.intercept_[0]) - f_star) / f_star
        points.append((k, seconds, max(gap, 1e-16)))
    curves[name] = points
    print(f"{name:28s} gap after {epochs[-1]} epochs: {points[-1][2]:.1e}")

# %%
# The gap against the epochs and against the time of the fit.
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for name, points in curves.items():
    k, seconds, gap = zip(*points)
    left.semilogy(k, gap, marker="o", label=name)
    right.loglog(seconds, gap, marker="o", label=name)
left.set(xlabel="epochs", ylabel="relative objective gap (F - F*) / F*")
right.set(xlabel="seconds from calling fit")
for ax in (left, right):
    ax.grid(True, which="both", color="0.9")
left.legend()
fig.suptitle("L2 logistic regression on sparse text: distance to the optimum")
fig.tight_layout()
plt.show()
