"""
Swap SGDRegressor for GDRegressor on California housing
=======================================================

``GDRegressor`` is a drop-in replacement for scikit-learn's ``SGDRegressor``:
change the class name and the fitted model is the same, number for number.
Then the solver, the batch size and gradient clipping are parameters.

This example fits both on the 1990 California housing census data (20,640
block groups; 207 missing ``total_bedrooms``; a categorical
``ocean_proximity``) through a pipeline that imputes, scales and one-hot
encodes, compares them, tries a few skgd solvers, and shows what happens on
the raw, unscaled columns: scikit-learn silently returns an exploded model;
skgd returns the same model with a ``DivergenceWarning`` that names the fix.

The first fit of each configuration in a new environment compiles skgd's
kernels (a few seconds each, cached on disk by numba): every timing below
is taken after a warm-up fit of its configuration.
"""

import tempfile
import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skgd import GDRegressor, LossCurveDisplay
from skgd.datasets import load_california_housing
from skgd.exceptions import DivergenceWarning

housing = load_california_housing(as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    housing.data, housing.target, test_size=0.25, random_state=0
)
numeric = [name for name in housing.feature_names if name != "ocean_proximity"]


def preprocessing(scale=True):
    steps = [SimpleImputer(strategy="median")]
    if scale:
        steps.append(StandardScaler())
    return make_column_transformer(
        (make_pipeline(*steps), numeric),
        (OneHotEncoder(handle_unknown="ignore"), ["ocean_proximity"]),
    )


def fit(regressor, scale=True):
    """Fit the pipeline, after a warm-up fit of the same configuration (one
    epoch on 200 rows: in a new environment, that one compiles)."""
    warm_up = clone(regressor).set_params(max_iter=1, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_pipeline(preprocessing(scale), warm_up).fit(X_train[:200], y_train[:200])
    model = make_pipeline(preprocessing(scale), regressor)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    return model, time.perf_counter() - start


print(
    "The first fit of each configuration in a new environment compiles skgd's\n"
    "kernels (numba caches them on disk); the times below follow a warm-up fit."
)


# %%
# The drop-in swap
# ----------------
# Same parameters, same seed: the same coefficients, intercept, epochs and
# update count.
sk_model, sk_time = fit(SGDRegressor(random_state=0))
gd_model, gd_time = fit(GDRegressor(random_state=0))
sk, gd = sk_model[-1], gd_model[-1]
print("SGDRegressor vs GDRegressor, same parameters and seed")
print(
    f"  test R²        {sk_model.score(X_test, y_test):.6f}  "
    f"{gd_model.score(X_test, y_test):.6f}"
)
print(f"  n_iter_, t_    {sk.n_iter_}, {sk.t_:.0f}  {gd.n_iter_}, {gd.t_:.0f}")
print(f"  fit time (s)   {sk_time:.3f}  {gd_time:.3f}")
print(
    f"  max |coef_ difference| {np.max(np.abs(sk.coef_ - gd.coef_)):.1e}, "
    f"|intercept_ difference| {abs(sk.intercept_[0] - gd.intercept_[0]):.1e}"
)

# %%
# What skgd adds: solvers and batch sizes
# ---------------------------------------
# Each at its defaults: away from scikit-learn's per-sample algorithm,
# ``eta0``, ``learning_rate``, ``tol`` and ``n_iter_no_change`` ("auto") are
# read off the data -- the step from the curvature of a batch's loss (or an
# adaptive solver's base rate), the 'adaptive' schedule and a tolerance
# relative to the objective. The values used are fitted attributes.
configurations = {
    "sgd, batch 1 (drop-in)": GDRegressor(random_state=0),
    "momentum, batch 32": GDRegressor(
        solver="momentum", batch_size=32, random_state=0
    ),
    "adam, batch 64": GDRegressor(solver="adam", batch_size=64, random_state=0),
    "adagrad, batch 1": GDRegressor(solver="adagrad", random_state=0),
    "sgd, full batch": GDRegressor(batch_size="full"),
}
print("\nskgd solvers on the scaled pipeline")
print(
    f"  {'configuration':24s} {'test R²':>8s} {'epochs':>7s} {'time (s)':>9s}"
    f" {'eta0_':>9s}  learning_rate_"
)
fig, ax = plt.subplots(figsize=(7, 4))
for label, regressor in configurations.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model, seconds = fit(regressor)
    reg = model[-1]
    print(
        f"  {label:24s} {model.score(X_test, y_test):8.4f} {reg.n_iter_:7d} "
        f"{seconds:9.3f} {reg.eta0_:9.3g}  {reg.learning_rate_}"
    )
    LossCurveDisplay.from_estimator(reg, ax=ax, name=label)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_title("California housing: objective per epoch")
ax.legend()
fig.tight_layout()
figure_path = Path(tempfile.gettempdir()) / "skgd_california_housing.png"
fig.savefig(figure_path, dpi=120)
print(f"  figure saved to {figure_path}")

# %%
# Unscaled data: silent garbage, or a warning that names the fix
# --------------------------------------------------------------
# Without the StandardScaler the columns differ in scale by five orders of
# magnitude and per-sample SGD explodes. scikit-learn returns the exploded
# model silently; skgd returns the same model (it never breaks a fit that
# scikit-learn completes) with a ``DivergenceWarning`` that names the fix.
# Adam's per-coordinate steps absorb the scales.
raw_sk, _ = fit(SGDRegressor(random_state=0), scale=False)
print("\nWithout scaling")
print(f"  SGDRegressor test R²: {raw_sk.score(X_test, y_test):.3g}")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DivergenceWarning)
    raw_gd, _ = fit(GDRegressor(random_state=0), scale=False)
print(f"  GDRegressor test R²: {raw_gd.score(X_test, y_test):.3g}, with the warning")
for warning in caught:
    if warning.category is DivergenceWarning:
        print(f"    {warning.message}")
adam, _ = fit(
    GDRegressor(solver="adam", batch_size=32, eta0=0.001, random_state=0), scale=False
)
print(
    f"  GDRegressor(solver='adam', batch_size=32, eta0=0.001) test R²: "
    f"{adam.score(X_test, y_test):.3f}"
)

plt.show()
