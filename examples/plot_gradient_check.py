"""
Check a gradient with ``check_gradient``
========================================

:func:`skgd.check_gradient` compares an analytic gradient with a central
finite difference, ``(f(x + s e_j) - f(x - s e_j)) / (2 s)`` for every
coordinate ``j``, and reports their relative error. It checks any function
with its gradient, the losses and penalties of skgd by name, or the
objective of a fitted linear model.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_regression

from skgd import GDRegressor, check_gradient

rng = np.random.default_rng(0)

# %%
# A function of your own
# ----------------------
# A correct gradient of a smooth function gives a relative error around
# 1e-10; a wrong one, an error far above 1e-6.


def fun(x):
    return np.sum(np.log1p(np.exp(x))) + 0.5 * x @ x


def grad(x):
    return 1 / (1 + np.exp(-x)) + x


def wrong_grad(x):
    return 1 / (1 + np.exp(x)) + x  # the sign of the exponent is wrong


x0 = rng.normal(size=5)
print("correct gradient:", check_gradient(fun, grad, x0))
print("wrong gradient:  ", check_gradient(fun, wrong_grad, x0))

# %%
# Every loss, and a fitted model
# ------------------------------
# For the losses, each coordinate is one pair (target, prediction). Targets
# are -1/+1 for the margin losses and 0/1 for ``log_loss``. The kinks of
# the non-smooth losses (``hinge``, ``perceptron``, ``epsilon_insensitive``)
# are left out of the error, as the result reports.
losses = {
    "squared_error": "regression",
    "huber": "regression",
    "epsilon_insensitive": "regression",
    "squared_epsilon_insensitive": "regression",
    "log_loss": "binary01",
    "hinge": "margin",
    "modified_huber": "margin",
    "squared_hinge": "margin",
    "perceptron": "margin",
}
predictions = rng.normal(scale=2, size=200)
targets = {
    "regression": rng.normal(scale=2, size=200),
    "binary01": rng.integers(2, size=200).astype(float),
    "margin": rng.choice([-1.0, 1.0], size=200),
}
errors = {}
for loss, kind in losses.items():
    result = check_gradient(loss=loss, y=targets[kind], x0=predictions)
    errors[loss] = result.relative_error
    print(f"{loss:28s} {result.relative_error:.1e}  ({result.kinks.sum()} at a kink)")

X, y = make_regression(n_samples=300, n_features=5, noise=1.0, random_state=0)
reg = GDRegressor(loss="huber", max_iter=5, tol=None, random_state=0).fit(X, y)
result = check_gradient(estimator=reg, X=X, y=y)
errors["GDRegressor objective"] = result.relative_error
print(f"{'GDRegressor objective':28s} {result.relative_error:.1e}")

# %%
# The step of the finite difference
# ---------------------------------
# A central difference has a truncation error of order ``s**2`` and a
# rounding error of order ``eps / s``: the total is smallest near
# ``s = eps ** (1/3)``, about 6e-6, the default relative step ``h``.
steps = np.logspace(-12, -1, 23)
by_step = [check_gradient(fun, grad, x0, h=h).relative_error for h in steps]

fig, (ax_loss, ax_step) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
# the perceptron's gradient is piecewise constant: its finite difference is
# exact away from the kink, and a zero error has no place on a log axis
shown = np.maximum(list(errors.values()), 1e-14)
ax_loss.barh(list(errors), shown)
for row, (value, error) in enumerate(zip(shown, errors.values())):
    ax_loss.text(value, row, f" {error:.0e}" if error else " 0", va="center")
ax_loss.set_xscale("log")
ax_loss.set_xlim(1e-14, 1e-8)
ax_loss.set_xlabel("relative error")
ax_loss.set_title("Analytic vs finite-difference gradient")
ax_loss.invert_yaxis()

ax_step.loglog(steps, by_step, "o-")
ax_step.axvline(
    np.finfo(float).eps ** (1 / 3),
    color="grey",
    linestyle="--",
    label="default h = eps^(1/3)",
)
ax_step.set_xlabel("relative step h")
ax_step.set_ylabel("relative error")
ax_step.set_title("The error of the check against its step")
ax_step.legend()

plt.show()
