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

The documents are generated here: each class (a topic) has its own
vocabulary, and every document mixes words of its topic with words of the
other topics and of a shared stock, so the classes overlap.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from skgd import GDClassifier

rng = np.random.default_rng(0)
topics = np.array(["sport", "science", "politics", "music", "cooking"])
vocabulary = np.array([[f"{t[:3]}{i}" for i in range(300)] for t in topics])
common = np.array([f"word{i}" for i in range(2000)])


def document(topic):
    """Words of the topic (10-40%), of any topic (10%), and common words."""
    n_words = rng.integers(20, 80)
    draw = rng.random(n_words)
    topic_share = rng.uniform(0.1, 0.4)
    own = vocabulary[topic, rng.integers(300, size=n_words)]
    other = vocabulary[
        rng.integers(len(topics), size=n_words), rng.integers(300, size=n_words)
    ]
    stock = common[rng.integers(len(common), size=n_words)]
    words = np.where(
        draw < topic_share, own, np.where(draw < topic_share + 0.1, other, stock)
    )
    return " ".join(words)


label_codes = rng.integers(len(topics), size=4000)
texts = [document(code) for code in label_codes]
labels = topics[label_codes]
print(texts[0][:120], "...")

vectorizer = HashingVectorizer(n_features=2**14, alternate_sign=False, norm="l2")
X = vectorizer.transform(texts)
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
