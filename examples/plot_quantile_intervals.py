"""
Prediction intervals with the quantile loss
===========================================

``GDRegressor(loss="quantile", quantile=q)`` minimises the pinball loss: its
predictions estimate the ``q``-quantile of the target given the features,
the model of scikit-learn's ``QuantileRegressor``. Two fits, at ``q = 0.05``
and ``q = 0.95``, bound a 90% prediction interval.

This example fits the three quantiles 0.05, 0.5 and 0.95 on California
housing (its numeric columns standardized, 4000 training rows), compares each fit's
training pinball loss with the exact optimum of ``QuantileRegressor(alpha=0)``
(a linear program; its default ``alpha=1.0`` would zero the coefficients),
and plots the held-out interval: a well-calibrated 90% interval contains
about 90% of the held-out prices.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import QuantileRegressor
from sklearn.metrics import mean_pinball_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgd import GDRegressor
from skgd.datasets import load_california_housing

X, y = load_california_housing(return_X_y=True)
X = X[:, :8].astype(float)  # the numeric columns
mask = ~np.isnan(X).any(axis=1)  # drop the rows with a missing total_bedrooms
X_train, X_test, y_train, y_test = train_test_split(
    X[mask], y[mask], train_size=4000, test_size=5000, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

predictions = {}
for q in (0.05, 0.5, 0.95):
    start = time.perf_counter()
    ours = GDRegressor(loss="quantile", quantile=q, random_state=0)
    ours.fit(X_train, y_train)
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    exact = QuantileRegressor(quantile=q, alpha=0.0).fit(X_train, y_train)
    t_exact = time.perf_counter() - start
    reached = mean_pinball_loss(y_train, ours.predict(X_train), alpha=q)
    best = mean_pinball_loss(y_train, exact.predict(X_train), alpha=q)
    print(
        f"q={q:.2f}: pinball loss {reached:.4f} (QuantileRegressor {best:.4f}, "
        f"ratio {reached / best:.4f}); fit {t_ours:.2f} s vs {t_exact:.2f} s"
    )
    predictions[q] = ours.predict(X_test)

low, median, high = predictions[0.05], predictions[0.5], predictions[0.95]
inside = (y_test >= low) & (y_test <= high)
print(f"held-out coverage of the 90% interval: {inside.mean():.1%}")
print(f"held-out share below the median: {np.mean(y_test <= median):.1%}")

# %%
# The held-out interval, rows sorted by their predicted median (one in ten
# shown): the prices outside the band are drawn in red.
order = np.argsort(median)[::10]
rank = np.arange(order.size)
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.fill_between(rank, low[order], high[order], color="tab:blue", alpha=0.25,
                label="90% interval (q = 0.05 to 0.95)")  # fmt: skip
ax.plot(rank, median[order], color="tab:blue", label="median (q = 0.5)")
ok = inside[order]
ax.scatter(rank[ok], y_test[order][ok], s=4, color="black", label="price, inside")
ax.scatter(rank[~ok], y_test[order][~ok], s=6, color="tab:red",
           label="price, outside")  # fmt: skip
ax.set_xlabel("held-out district, by predicted median")
ax.set_ylabel("median house value (100 000 $)")
ax.set_title(f"Quantile regression on California housing: coverage {inside.mean():.1%}")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
