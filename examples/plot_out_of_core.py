"""
Out-of-core learning with ``partial_fit``
=========================================

When the data do not fit in memory, read them in chunks and call
``partial_fit`` once per chunk: each call is one pass over the chunk, and
the solver's state (Adam's moments, its update count) carries over from
one call to the next.

This example writes a CSV file of 60,000 rows to a temporary directory,
then trains a :class:`skgd.GDRegressor` on it chunk by chunk with
:func:`pandas.read_csv`'s ``chunksize``, never holding more than one chunk.
A first pass over the file fits the scaler (``StandardScaler.partial_fit``);
then every chunk is scaled and handed to the regressor, for three passes
over the file.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor

# %%
# A file on disk
# --------------
# A linear model with noise and features of very different scales; the
# test rows stay in memory to score the model as it learns.
rng = np.random.default_rng(0)
n_rows, n_features = 60_000, 10
scales = np.logspace(-2, 3, n_features)
true_coef = rng.normal(size=n_features) / scales


def make_rows(n):
    X = rng.normal(size=(n, n_features)) * scales
    return X, X @ true_coef + 0.5 * rng.normal(size=n)


X_test, y_test = make_rows(5_000)

workdir = tempfile.TemporaryDirectory()
path = Path(workdir.name) / "train.csv"
X, y = make_rows(n_rows)
frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
frame["target"] = y
frame.to_csv(path, index=False, float_format="%.6g")
del X, y, frame
print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")

# %%
# Reading it chunk by chunk
# -------------------------
chunksize = 5_000


def chunks():
    for chunk in pd.read_csv(path, chunksize=chunksize):
        yield chunk.drop(columns="target").to_numpy(), chunk["target"].to_numpy()


scaler = StandardScaler()
for X_chunk, _ in chunks():
    scaler.partial_fit(X_chunk)

reg = GDRegressor(solver="adam", batch_size=32, eta0=0.01, random_state=0)
scores = []
for n_pass in range(3):
    for X_chunk, y_chunk in chunks():
        reg.partial_fit(scaler.transform(X_chunk), y_chunk)
        scores.append(reg.score(scaler.transform(X_test), y_test))
    print(f"after pass {n_pass + 1}: test R² {scores[-1]:.4f}")

# %%
# Compared with a fit in memory
# -----------------------------
# The same estimator fitted on the whole file at once (which here fits in
# memory, to compare), with the default stopping rule.
full = pd.read_csv(path)
X_all = scaler.transform(full.drop(columns="target").to_numpy())
in_memory = GDRegressor(solver="adam", batch_size=32, eta0=0.01, random_state=0)
in_memory.fit(X_all, full["target"].to_numpy())
best = in_memory.score(scaler.transform(X_test), y_test)
print(f"fit in memory ({in_memory.n_iter_} epochs): test R² {best:.4f}")
workdir.cleanup()

n_chunks = n_rows // chunksize
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.plot(np.arange(1, len(scores) + 1), scores, "o-", label="partial_fit per chunk")
ax.axhline(best, color="k", linestyle="--", label="fit in memory")
for n_pass in range(1, 3):
    ax.axvline(n_pass * n_chunks + 0.5, color="grey", linewidth=0.8)
ax.set_xlabel(f"chunks of {chunksize:,} rows read (three passes over the file)")
ax.set_ylabel("test R²")
ax.set_ylim(min(0.9, min(scores)), 1.0)
ax.legend(loc="lower right")

# %%
# The streamed model reaches the score of the in-memory fit within the
# first pass, after a few chunks: Adam's moments and update count carry
# over from one ``partial_fit`` call to the next, so a sequence of calls
# trains as one long epoch would. With ``learning_rate="adaptive"``, set
# ``keep_adaptive_state=True`` to carry the reduced rate across calls too.

plt.show()
