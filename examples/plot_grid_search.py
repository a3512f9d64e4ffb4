"""
Grid-search the learning rate and the batch size
================================================

In skgd the batch size and the solver are constructor parameters like
``eta0``, so scikit-learn's model selection tools search them. This example
runs :class:`~sklearn.model_selection.GridSearchCV` over ``eta0`` ×
``batch_size`` for Adam inside a pipeline that scales the features, and
shows the cross-validated R² as a heat map.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.datasets import load_california_housing

X, y = load_california_housing(return_X_y=True)
X = X[:, :8].astype(float)  # the numeric columns
mask = ~np.isnan(X).any(axis=1)
X_train, X_test, y_train, y_test = train_test_split(
    X[mask], y[mask], train_size=5000, random_state=0
)

# %%
# The search
# ----------
# Every candidate trains for exactly twenty epochs (``tol=None`` turns the
# stopping rule off), so they all get the same budget of passes over the
# data. The parameters of a pipeline step are addressed as
# ``step__parameter``.
model = make_pipeline(
    StandardScaler(),
    GDRegressor(solver="adam", max_iter=20, tol=None, random_state=0),
)
param_grid = {
    "gdregressor__eta0": [1e-4, 1e-3, 1e-2, 1e-1, 1.0],
    "gdregressor__batch_size": [1, 8, 64, 512, "full"],
}
search = GridSearchCV(model, param_grid, cv=3)
start = time.perf_counter()
search.fit(X_train, y_train)
print(
    f"{len(search.cv_results_['params'])} candidates × 3 folds "
    f"in {time.perf_counter() - start:.1f} s"
)
print("best parameters:", search.best_params_)
print(f"best cross-validated R²: {search.best_score_:.3f}")
print(f"test R² of the refitted best model: {search.score(X_test, y_test):.3f}")

# %%
# The heat map
# ------------
# ``cv_results_`` lists the candidates in the order of the grid: the last
# parameter (here ``eta0``, sorted by name) varies fastest.
eta0s = param_grid["gdregressor__eta0"]
batch_sizes = param_grid["gdregressor__batch_size"]
scores = np.empty((len(batch_sizes), len(eta0s)))
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    row = batch_sizes.index(params["gdregressor__batch_size"])
    scores[row, eta0s.index(params["gdregressor__eta0"])] = score

fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
image = ax.imshow(np.clip(scores, 0, None), cmap="viridis", vmin=0)
for (row, col), score in np.ndenumerate(scores):
    ax.text(
        col,
        row,
        f"{score:.2f}",
        ha="center",
        va="center",
        color="black" if score > 0.4 else "white",
    )
ax.set_xticks(range(len(eta0s)), [f"{e:g}" for e in eta0s])
ax.set_yticks(range(len(batch_sizes)), [str(b) for b in batch_sizes])
ax.set_xlabel("eta0")
ax.set_ylabel("batch_size")
ax.set_title("Adam, 20 epochs: mean cross-validated R²")
fig.colorbar(image, ax=ax, label="R² (negative shown as 0)")

# %%
# Reading the map
# ---------------
# Small batches make many steps per epoch and do well with a small
# ``eta0``; with a large one their noisy steps never settle (an R² below 0
# at ``eta0=1``). Larger batches make fewer steps and need a larger rate: a
# full batch makes only twenty Adam steps in twenty epochs, and at a small
# rate the model is still far from the data (starting from zero
# coefficients and intercept, its R² is very negative). The band of good
# settings runs along the diagonal, which is why the learning rate and the
# batch size are best searched together.

plt.show()
