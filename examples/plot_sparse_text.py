"""
Sparse text classification: multinomial or one-vs-rest
======================================================

Documents hashed into a sparse matrix with scikit-learn's
:class:`~sklearn.feature_extraction.text.HashingVectorizer`, classified by a
logistic model trained with Adam on mini-batches. skgd offers two
multi-class models:

- ``multi_class="ovr"`` (scikit-learn's): one binary logistic model per
  class, each trained on its own; the probabilities are the binary ones,
  normalised to sum to one;
- ``multi_class="multinomial"`` (skgd's): one softmax model of all classes,
  trained on the cross-entropy; the probabilities are the softmax of the
  scores.

The documents come from :func:`skgd.datasets.make_sparse_text`: each class
(a topic) has its own vocabulary, and every document mixes words of its
topic with words of the other topics and of a shared stock, so the classes
overlap.
"""

import time

import matplotlib.pyplot as plt
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from skgd import GDClassifier
from skgd.datasets import make_sparse_text

X, labels, texts = make_sparse_text(4000, random_state=0, return_documents=True)
print(texts[0][:120], "...")

X_train, X_test, y_train, y_test = train_test_split(
    X, labels, test_size=0.3, random_state=0
)
print(
    f"X: {X.shape[0]} documents × {X.shape[1]} hashed features, "
    f"{X.nnz / X.shape[0]:.0f} non-zeros a row"
)

# %%
# The two models
# --------------
# Same loss, solver, rate, batch size and number of epochs.
results = {}
for multi_class in ["ovr", "multinomial"]:
    clf = GDClassifier(
        loss="log_loss",
        multi_class=multi_class,
        solver="adam",
        batch_size=32,
        eta0=0.01,
        alpha=1e-5,
        max_iter=10,
        tol=None,
        random_state=0,
    )
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    proba = clf.predict_proba(X_test)
    results[multi_class] = {
        "accuracy": accuracy_score(y_test, clf.predict(X_test)),
        "log loss": log_loss(y_test, proba, labels=clf.classes_),
        "fit time (s)": seconds,
    }
    print(
        f"{multi_class:12s}",
        "  ".join(
            f"{name} {value:.3f}" for name, value in results[multi_class].items()
        ),
    )

# %%
# Accuracy, log loss and time
# ---------------------------
# The decisions of the two models are close; their probabilities are not.
# The one-vs-rest probabilities come from binary models trained separately
# and normalised afterwards, which makes them worse calibrated: a higher
# log loss. The multinomial model is one problem, fitted in one pass over
# the data per epoch, where one-vs-rest makes one pass per class.
fig, axes = plt.subplots(1, 3, figsize=(10, 3.5), layout="constrained")
for ax, metric in zip(axes, ["accuracy", "log loss", "fit time (s)"]):
    values = [results[m][metric] for m in results]
    ax.bar(list(results), values, color=["C0", "C1"])
    for i, value in enumerate(values):
        ax.text(i, value, f"{value:.3f}", ha="center", va="bottom")
    ax.set_title(metric)
    ax.margins(y=0.15)

plt.show()
