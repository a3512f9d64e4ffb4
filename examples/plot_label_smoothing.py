"""
Soft labels: label smoothing and calibration
============================================

The multinomial classifier accepts soft labels: ``fit(X, Y)`` with ``Y`` of
shape ``(n_samples, n_classes)``, each row a probability distribution over
the classes, trains the cross-entropy against those rows. Two uses:

- **knowledge distillation**: ``Y`` is a larger model's ``predict_proba``;
- **label smoothing**: ``Y = (1 - e) * one_hot(y) + e / n_classes`` keeps
  the model from pushing its scores apart without end to fit every training
  row with certainty, which makes its probabilities over-confident.

This example fits the softmax model on scikit-learn's digits with hard
labels and with smoothed ones, and compares how well the predicted
probabilities are calibrated on held-out digits: the reliability diagram
plots, in bins of the top class's predicted probability, the fraction of
the bin that the top class gets right.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, random_state=0, stratify=y
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
n_classes = 10
one_hot = np.eye(n_classes)[y_train]


def fit(Y):
    """The softmax model on targets Y (labels or class probabilities)."""
    model = GDClassifier(
        loss="log_loss", multi_class="multinomial", solver="adam", batch_size=32,
        eta0=0.01, alpha=1e-7, max_iter=600, tol=None, random_state=0,
    )  # fmt: skip
    return model.fit(X_train, Y)


def calibration(proba, labels, n_bins=10):
    """Per bin of top-class confidence: mean confidence, accuracy, count;
    and the expected calibration error (their gap, weighted by count)."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges) - 1, 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        inside = which == b
        if inside.any():
            rows.append(
                (confidence[inside].mean(), correct[inside].mean(), inside.sum())
            )
    conf, acc, count = map(np.array, zip(*rows))
    ece = np.sum(count * np.abs(conf - acc)) / count.sum()
    return conf, acc, count, ece


# %%
# Hard labels, and labels smoothed by e = 0.02 and 0.1. The penalty is
# almost nil and the training long, so that the hard-label model can grow
# its scores apart: its probabilities come out over-confident.
models = {"hard labels": fit(y_train)}
for e in (0.02, 0.1):
    models[f"smoothed, e = {e}"] = fit((1 - e) * one_hot + e / n_classes)

results = {}
for name, model in models.items():
    proba = model.predict_proba(X_test)
    conf, acc, count, ece = calibration(proba, y_test)
    results[name] = (conf, acc, count)
    print(
        f"{name:18s} accuracy {accuracy_score(y_test, model.predict(X_test)):.3f}"
        f"  log loss {log_loss(y_test, proba, labels=range(n_classes)):.3f}"
        f"  mean confidence {proba.max(axis=1).mean():.3f}  ECE {ece:.3f}"
    )

# %%
# The reliability diagram: a calibrated model lies on the diagonal; below
# it, the model is more confident than it is right, above it less. A little
# smoothing lowers the confidence of the hard-label model to about its
# accuracy (the smallest calibration error, ECE, of the three); more
# smoothing lowers it further, below the accuracy: the model becomes
# under-confident. The amount is a hyperparameter, to be chosen on held-out
# data like the penalty.
fig, ax = plt.subplots(figsize=(5.5, 5))
ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", label="calibrated")
for name, (conf, acc, count) in results.items():
    ax.plot(conf, acc, marker="o", label=name)
ax.set(
    xlabel="top-class predicted probability (bin mean)",
    ylabel="fraction correct", title="Digits, held out: reliability",
    xlim=(0, 1.02), ylim=(0, 1.02),
)  # fmt: skip
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
