"""
Compare the solvers at three batch sizes
========================================

Every built-in solver of skgd, trained on the same scaled California housing
data with the same epoch budget, at three ways of sampling the gradient:
per-sample (``batch_size=1``), mini-batches of 32 rows and the full batch.
Each panel shows the training objective per epoch (``loss_curve_``).

Each solver gets the base rate ``eta0`` that suits its kind: the plain and
momentum methods take raw gradient steps, the adaptive ones
(AdaGrad, RMSProp, Adam, AdamW) normalise each coordinate, so their steps
have the size of ``eta0`` whatever the scale of the gradient.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.datasets import load_california_housing

X, y = load_california_housing(return_X_y=True)
X = X[:, :8].astype(float)  # the numeric columns
mask = ~np.isnan(X).any(axis=1)  # drop the rows with a missing total_bedrooms
X, y = StandardScaler().fit_transform(X[mask]), y[mask]
print(f"{X.shape[0]} rows, {X.shape[1]} features")

# %%
# The exact minimum
# -----------------
# The objective, ``mean(0.5 * (y - X w - b)**2) + alpha / 2 * ||w||**2``, is
# a ridge regression: scikit-learn's ``Ridge`` with ``alpha * n_samples``
# solves it exactly, so each curve can show its distance to the optimum.
alpha = 1e-4
ridge = Ridge(alpha=alpha * X.shape[0]).fit(X, y)
residual = y - ridge.predict(X)
best = 0.5 * np.mean(residual**2) + 0.5 * alpha * ridge.coef_ @ ridge.coef_
print(f"minimum of the objective: {best:.6f}")

# %%
# The grid
# --------
# A constant learning rate isolates what the solver does with the gradient.
# Momentum's velocity sums the past gradients, so its effective step is
# ``eta0 / (1 - momentum)``, ten times ``eta0`` at the default momentum 0.9:
# it gets a tenth of plain SGD's rate. AdaGrad's per-coordinate rates only
# shrink, so it starts from a larger ``eta0``. A full-batch gradient is the
# exact mean over all rows, without sampling noise, and affords larger steps.
solvers = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
eta0 = {
    1: {"sgd": 1e-3, "momentum": 1e-4, "nesterov": 1e-4, "adagrad": 0.05},
    32: {"sgd": 1e-2, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.1},
    "full": {"sgd": 0.3, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.3},
}
max_iter = {1: 20, 32: 40, "full": 200}

fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True, layout="constrained")
for ax, batch_size in zip(axes, [1, 32, "full"]):
    for solver in solvers:
        # RMSProp, Adam and AdamW: steps of about eta0 per coordinate
        rate = eta0[batch_size].get(
            solver, {1: 1e-3, 32: 1e-2, "full": 0.05}[batch_size]
        )
        reg = GDRegressor(
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            eta0=rate,
            learning_rate="constant",
            max_iter=max_iter[batch_size],
            tol=None,
            random_state=0,
        )
        start = time.perf_counter()
        reg.fit(X, y)
        seconds = time.perf_counter() - start
        print(
            f"batch_size={batch_size!s:4}  {solver:8}  eta0={rate:<6g} "
            f"final objective {reg.loss_curve_[-1]:.4f}  ({seconds:.2f} s)"
        )
        ax.plot(
            range(1, len(reg.loss_curve_) + 1),
            np.asarray(reg.loss_curve_) - best,
            label=solver,
            linestyle="--" if solver in ("nesterov", "adamw") else "-",
        )
    ax.set_title(f"batch_size={batch_size!r}")
    ax.set_xlabel("epoch")
    ax.set_xscale("log")
axes[0].set_ylabel("training objective - minimum")
axes[0].set_yscale("log")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper")
fig.suptitle("Scaled California housing, squared error + L2")

# %%
# Reading the curves
# ------------------
# Per-sample and mini-batch updates get close to the minimum within a few
# epochs, since an epoch makes one step per row (or per 32 rows); then, at
# a constant rate, the sampling noise keeps them at a distance that grows
# with the rate. AdaGrad's rates shrink as its squared gradients add up,
# which damps that noise: it ends closest. At full batch an epoch is a
# single, noise-free step, and the choice of solver and rate decides how
# fast the curves go down: momentum overshoots and oscillates before it
# settles, Adam ends within 1e-8 of the minimum, while RMSProp's steps of
# about ``eta0`` per coordinate, with no momentum to average them,
# bounce around the minimum. AdamW stops a little above it: its decoupled
# weight decay has a fixed point that is not the minimum of this coupled
# L2 objective. A decaying schedule (``learning_rate="invscaling"``,
# ``"cosine"``, ...) removes the plateau of the stochastic runs. The adaptive
# solvers differ most from plain SGD when the features are badly scaled:
# see :ref:`sphx_glr_auto_examples_plot_exploding_gradients.py`.

plt.show()
