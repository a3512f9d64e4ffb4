"""
Exploding gradients on unscaled data, and three fixes
=====================================================

The numeric columns of California housing range from about 1 (the median
income, in units of $10,000) to about 35,000 (the population of a block
group). With a squared error, the gradient of a row grows with the square
of those values, and per-sample SGD at the default rate explodes within
the first epoch.

scikit-learn's ``SGDRegressor`` returns such a model without a word;
:class:`skgd.GDRegressor` returns the same model with a
:class:`~skgd.exceptions.DivergenceWarning` that names the fix for these
data. This example shows the warning, then three fixes: clipping the
gradient (``clip_norm``), a solver with per-coordinate steps (Adam), and
scaling the features, the real cure.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.datasets import load_california_housing
from skgd.exceptions import DivergenceWarning

X, y = load_california_housing(return_X_y=True)
X = X[:, :8].astype(float)  # the numeric columns
mask = ~np.isnan(X).any(axis=1)
X_train, X_test, y_train, y_test = train_test_split(
    X[mask], y[mask], test_size=0.25, random_state=0
)
print("column ranges:", np.ptp(X_train, axis=0).round())

# %%
# The warning
# -----------
# scikit-learn checks only for non-finite weights; here they stay finite
# but absurd. skgd returns the same model, and says so.
sgd = SGDRegressor(random_state=0).fit(X_train, y_train)
print(f"SGDRegressor test R²: {sgd.score(X_test, y_test):.3g}")

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DivergenceWarning)
    raw = GDRegressor(random_state=0).fit(X_train, y_train)
print(f"GDRegressor test R²: {raw.score(X_test, y_test):.3g}")
for warning in caught:
    if warning.category is DivergenceWarning:
        print(f"DivergenceWarning: {warning.message}")

# %%
# Fix 1: clip the gradient
# ------------------------
# ``clip_norm=c`` rescales every gradient (coefficients and intercept
# together) to a norm of at most ``c`` before the step. The fit stays
# finite, which is what clipping is for, but the models are poor: each step
# follows the columns with the largest values, and the larger the clip, the
# more those steps overshoot. Clipping guards against a blow-up; it does
# not make an ill-conditioned problem easy.
clip_norms = [0.01, 0.1, 1.0]
clipped = {
    c: GDRegressor(clip_norm=c, max_iter=20, tol=None, random_state=0).fit(
        X_train, y_train
    )
    for c in clip_norms
}
for c, reg in clipped.items():
    print(f"clip_norm={c:<5g} test R²: {reg.score(X_test, y_test):.3f}")

# %%
# Fix 2: per-coordinate steps
# ---------------------------
# Adam divides each coordinate of the gradient by a running estimate of its
# size, so every coefficient moves by about ``eta0`` per step, whatever the
# scale of its column.
adam = GDRegressor(
    solver="adam", batch_size=32, eta0=0.001, max_iter=20, tol=None, random_state=0
).fit(X_train, y_train)
print(f"Adam on raw data test R²: {adam.score(X_test, y_test):.3f}")

# %%
# Fix 3: scale the features
# -------------------------
# With standardised columns the same default estimator converges in a few
# epochs to a far better model.
scaled = make_pipeline(StandardScaler(), GDRegressor(random_state=0))
scaled.fit(X_train, y_train)
print(f"StandardScaler + GDRegressor test R²: {scaled.score(X_test, y_test):.3f}")

# %%
# The objective per epoch
# -----------------------
# The fits on raw data and the fit on scaled data, side by side with their
# test R².
fig, (ax_curve, ax_r2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")


def epochs(curve):
    """Epochs numbered from 1, as LossCurveDisplay numbers them."""
    return np.arange(1, len(curve) + 1)


for c, reg in clipped.items():
    ax_curve.plot(
        epochs(reg.loss_curve_), reg.loss_curve_, label=f"raw, clip_norm={c:g}"
    )
ax_curve.plot(epochs(adam.loss_curve_), adam.loss_curve_, "C3", label="raw, Adam")
curve = scaled[-1].loss_curve_
ax_curve.plot(epochs(curve), curve, "k-o", label="scaled, no clipping")
ax_curve.set_yscale("log")
ax_curve.set_xlabel("epoch")
ax_curve.set_ylabel("training objective")
ax_curve.set_ylim(top=30)  # room for the legend above the curves
ax_curve.legend(loc="upper right")

names = [f"raw, clip_norm={c:g}" for c in clip_norms] + ["raw, Adam", "scaled"]
r2 = [reg.score(X_test, y_test) for reg in clipped.values()]
r2 += [adam.score(X_test, y_test), scaled.score(X_test, y_test)]
ax_r2.barh(names, r2, color=["C0", "C1", "C2", "C3", "k"])
ax_r2.axvline(0, color="grey", linewidth=0.8)
ax_r2.set_xlim(-1, 1)  # R² below -1 runs off the left edge
for row, value in enumerate(r2):
    ax_r2.text(0.98, row, f"{value:.2f}", ha="right", va="center")
ax_r2.set_xlabel("test R²")
ax_r2.set_title(f"SGDRegressor on raw data: R² = {sgd.score(X_test, y_test):.1e}")

plt.show()
