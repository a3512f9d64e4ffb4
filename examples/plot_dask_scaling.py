"""
Training on a chunked Dask array
================================

skgd trains on a Dask array in two ways (see the "Scaling out" page of the
documentation):

* ``GDRegressor(batch_size="full")`` and ``GDClassifier(batch_size="full")``
  fit a dask array directly: every epoch, each block's gradient is summed on
  the worker that holds it, and only those small vectors travel to the
  client, which takes the step. The model is the in-memory full-batch fit.
* :class:`dask_ml.wrappers.Incremental` calls ``partial_fit`` on one block
  after the other, carrying the solver state (Adam's moments, the step count)
  from block to block: the model is in-memory ``partial_fit`` over the same
  blocks in the same order.

This example runs both on a small ``LocalCluster`` and checks each against
the in-memory fit. The cluster's workers are threads of this process so that
the example runs in seconds; on a real cluster, connect the ``Client`` to its
scheduler instead and nothing else changes.
"""

import time
import warnings

import matplotlib

matplotlib.use("Agg")
import dask.array as da  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from dask_ml.wrappers import Incremental  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skgd import GDRegressor  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)

# %%
# A chunked data set on a local cluster
# -------------------------------------
#
# 20,000 rows and 20 features in 4 row blocks of 5,000 rows. ``persist``
# keeps the blocks on the workers, so that the epochs do not recompute them.

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
)
client = Client(cluster)

rng = np.random.RandomState(0)
n_samples, n_features, chunk = 20_000, 20, 5_000
X = rng.randn(n_samples, n_features) * rng.uniform(0.5, 2.0, n_features)
y = X @ rng.randn(n_features) + 3.0 + 0.5 * rng.randn(n_samples)
X_dask = da.from_array(X, chunks=(chunk, n_features)).persist()
y_dask = da.from_array(y, chunks=chunk).persist()
print(f"X: {X_dask.shape}, {X_dask.numblocks[0]} blocks of {chunk} rows")

# %%
# Full batch: the exact gradient, summed on the workers
# -----------------------------------------------------
#
# The same estimator fitted on the dask array and on the numpy array follows
# the same path: the objective of every epoch agrees to rounding (the blocks
# add the rows in another order).

params = dict(batch_size="full", solver="adam", eta0=0.2, max_iter=30, tol=None)
start = time.perf_counter()
full_dask = GDRegressor(**params).fit(X_dask, y_dask)
elapsed = time.perf_counter() - start
full_numpy = GDRegressor(**params).fit(X, y)
gap = np.max(
    np.abs(np.subtract(full_dask.loss_curve_, full_numpy.loss_curve_))
    / np.asarray(full_numpy.loss_curve_)
)
print(f"full batch on dask: {elapsed:.2f} s for {full_dask.n_iter_} epochs")
print(f"largest relative gap between the loss curves: {gap:.1e}")
print(
    "same coefficients:",
    np.allclose(full_dask.coef_, full_numpy.coef_, rtol=1e-10, atol=0.0),
)

# %%
# Block by block: ``Incremental`` and ``partial_fit``
# ---------------------------------------------------
#
# Each ``Incremental.fit`` or ``partial_fit`` call is one pass over the
# blocks, in order with ``shuffle_blocks=False``. Adam's moments and step
# count carry over from block to block and from pass to pass, exactly as
# in-memory ``partial_fit`` calls on the same blocks. ``scoring`` is given
# because dask-ml's default R² scorer fails on a dask array.

sgd_params = dict(solver="adam", batch_size=64, eta0=0.01, random_state=0)
incremental = Incremental(
    GDRegressor(**sgd_params),
    shuffle_blocks=False,
    scoring="neg_mean_squared_error",
)
in_memory = GDRegressor(**sgd_params)
n_passes = 4
mse_dask, mse_numpy = [], []
for _ in range(n_passes):
    incremental.partial_fit(X_dask, y_dask)
    for start_row in range(0, n_samples, chunk):
        rows = slice(start_row, start_row + chunk)
        in_memory.partial_fit(X[rows], y[rows])
    mse_dask.append(np.mean((incremental.estimator_.predict(X) - y) ** 2))
    mse_numpy.append(np.mean((in_memory.predict(X) - y) ** 2))
print(
    "Incremental equals in-memory partial_fit:",
    np.allclose(incremental.estimator_.coef_, in_memory.coef_, rtol=1e-12),
    f"(t_ = {incremental.estimator_.t_:.0f} rows seen)",
)
# scored block by block on the workers
print(f"training MSE: {-incremental.score(X_dask, y_dask):.4f}")

client.close()
cluster.close()

# %%
# The curves
# ----------
#
# Left, the full-batch objective per epoch; right, the training MSE after
# each pass of ``Incremental`` (Adam, batches of 64 rows). The markers (dask)
# sit on the lines (in memory).

fig, (ax_full, ax_inc) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
epochs = np.arange(1, full_numpy.n_iter_ + 1)
ax_full.plot(epochs, full_numpy.loss_curve_, label="numpy array, in memory")
ax_full.plot(
    epochs, full_dask.loss_curve_, "o", markersize=4, fillstyle="none",
    label=f"dask array, {X_dask.numblocks[0]} blocks",
)  # fmt: skip
ax_full.set(
    xlabel="epoch", ylabel="objective", yscale="log",
    title='full batch: GDRegressor(batch_size="full")',
)  # fmt: skip
ax_full.legend()

passes = np.arange(1, n_passes + 1)
ax_inc.plot(passes, mse_numpy, label="partial_fit on each block, in memory")
ax_inc.plot(
    passes, mse_dask, "o", markersize=6, fillstyle="none",
    label="Incremental on the dask array",
)  # fmt: skip
ax_inc.set(
    xlabel="pass over the blocks", ylabel="training MSE", yscale="log",
    xticks=passes, title="Incremental: partial_fit block by block",
)  # fmt: skip
ax_inc.legend()
plt.show()
