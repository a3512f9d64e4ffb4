"""GDClassifier at its defaults (solver='sgd', batch_size=1) reproduces
scikit-learn's SGDClassifier, binary and one-vs-rest: the same coef_,
intercept_, n_iter_ and t_; but for averaged partial_fit calls after the
first, where scikit-learn loses its standard intercepts and its own fit is
the reference, and for early stopping with the log loss, where scikit-learn
scores its validation split against the wrong labels and its fit with the
score corrected is the reference."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.linear_model import _stochastic_gradient as sklearn_sgd

from skgd import GDClassifier

# losses whose gradient grows with the residual diverge under the default
# 'optimal' rate (first step alpha**-0.25) in SGDClassifier too: they are
# covered with a constant rate below
LOSSES = ["hinge", "log_loss", "modified_huber", "perceptron"]
CONSTANT_RATE_LOSSES = [
    "squared_hinge",
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]


def _data(n_classes, n_samples=150, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X[rng.rand(n_samples, n_features) < 0.4] = 0.0
    scores = X @ rng.randn(n_features, 3) + 0.5 * rng.randn(n_samples, 3)
    y = np.argmax(scores, axis=1)
    if n_classes == 2:
        y = (y == 0).astype(int)
    sample_weight = rng.uniform(0.3, 2.0, n_samples)
    return X, y, sample_weight


@pytest.fixture
def corrected_log_loss_score(monkeypatch):
    """scikit-learn's validation score with the log loss's labels.

    With the log loss a binary problem's labels are 0 and 1, but
    scikit-learn scores the validation split with the classes -1 and 1, so
    that no negative row is ever counted right (the score is at most the
    share of positive rows). skgd counts them; this gives scikit-learn the
    classes 0 and 1, so that its fit is the reference again."""
    original = sklearn_sgd._ValidationScoreCallback.__init__

    def init(self, estimator, X_val, y_val, sample_weight_val, classes=None):
        if classes is not None and estimator.loss == "log_loss":
            assert set(np.unique(y_val)) <= {0.0, 1.0}
            classes = np.array([0.0, 1.0], dtype=classes.dtype)
        original(self, estimator, X_val, y_val, sample_weight_val, classes)

    monkeypatch.setattr(sklearn_sgd._ValidationScoreCallback, "__init__", init)


def test_scikit_learns_log_loss_validation_score_is_off():
    """What the fixture corrects: scikit-learn's validation score with the
    log loss counts only the positive rows predicted positive."""
    X, y, _ = _data(2)
    seen = []
    original = sklearn_sgd._ValidationScoreCallback.__call__

    def call(self, coef, intercept):
        seen.append((original(self, coef, intercept), self, coef, intercept))
        return seen[-1][0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sklearn_sgd._ValidationScoreCallback, "__call__", call)
        _fit_both(dict(loss="log_loss", early_stopping=True, random_state=0), X, y)
    score, callback, coef, intercept = seen[-1]
    positive = callback.X_val @ coef + intercept > 0
    truth = callback.y_val == 1.0
    assert score == pytest.approx(np.mean(positive & truth))
    assert np.mean(positive == truth) > score + 0.2  # the accuracy


def _fit_both(params, X, y, fit_params=None):
    fit_params = fit_params or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SGDClassifier(**params).fit(X, y, **fit_params)
        ours = GDClassifier(**params).fit(X, y, **fit_params)
    return ref, ours


def _assert_same(ref, ours, rtol=1e-10):
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert ours.coef_.shape == ref.coef_.shape
    assert ours.coef_.dtype == ref.coef_.dtype
    assert ours.intercept_.dtype == ref.intercept_.dtype
    assert_allclose(ours.coef_, ref.coef_, rtol=rtol, atol=1e-13)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "loss, n_classes, average, early_stopping, class_weight, weighted",
    list(
        itertools.product(
            LOSSES,
            [2, 3],
            [False, True],
            [False, True],
            [None, "balanced"],
            [False, True],
        )
    ),
)
def test_grid(
    loss, n_classes, average, early_stopping, class_weight, weighted, fmt, request
):
    if loss == "log_loss" and early_stopping:
        request.getfixturevalue("corrected_log_loss_score")
    X, y, sw = _data(n_classes)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    params = dict(
        loss=loss,
        average=average,
        early_stopping=early_stopping,
        class_weight=class_weight,
        alpha=0.01,
        random_state=3,
    )
    ref, ours = _fit_both(params, X, y, {"sample_weight": sw} if weighted else None)
    _assert_same(ref, ours)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("loss", CONSTANT_RATE_LOSSES)
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_constant_rate_losses_and_penalties(loss, penalty, fmt):
    X, y, _ = _data(3, seed=1)
    if fmt == "csr":
        X = sp.csr_matrix(X)
    params = dict(
        loss=loss, penalty=penalty, learning_rate="constant", eta0=0.01, random_state=0
    )
    ref, ours = _fit_both(params, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_schedules(learning_rate, n_classes):
    X, y, _ = _data(n_classes, seed=2)
    params = dict(learning_rate=learning_rate, eta0=0.05, random_state=4)
    ref, ours = _fit_both(params, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("learning_rate", ["pa1", "pa2"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_passive_aggressive(learning_rate, n_classes):
    X, y, _ = _data(n_classes, seed=5)
    params = dict(learning_rate=learning_rate, eta0=0.5, random_state=1)
    ref, ours = _fit_both(params, X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_class_weight_dict_and_labels(n_classes):
    X, y, _ = _data(n_classes, seed=6)
    labels = np.array(["ant", "bee", "cat"])[y]
    params = dict(class_weight={"ant": 3.0, "bee": 0.5}, random_state=7)
    ref, ours = _fit_both(params, X, labels)
    _assert_same(ref, ours)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)


@pytest.mark.parametrize("average", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_partial_fit_and_warm_start(average, n_classes):
    """With averaging, one call: from the second on, scikit-learn's partial
    fit loses the standard intercept (the next test)."""
    X, y, sw = _data(n_classes, seed=8)
    classes = np.unique(y)
    ref = SGDClassifier(random_state=5, average=average)
    ours = GDClassifier(random_state=5, average=average)
    chunks = np.array_split(np.arange(X.shape[0]), 3)
    for chunk in chunks[:1] if average else chunks:
        ref.partial_fit(X[chunk], y[chunk], classes=classes, sample_weight=sw[chunk])
        ours.partial_fit(X[chunk], y[chunk], classes=classes, sample_weight=sw[chunk])
        _assert_same(ref, ours)
    ref.set_params(warm_start=True, max_iter=4, tol=None)
    ours.set_params(warm_start=True, max_iter=4, tol=None)
    ref.fit(X, y)
    ours.fit(X, y)
    _assert_same(ref, ours)


@pytest.mark.parametrize("average", [5, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_partial_fit_with_averaging_continues_like_one_fit(average, n_classes):
    """Unshuffled, three partial_fit calls are one fit of three epochs,
    averaging included; scikit-learn's fit is the reference.  Its own
    partial_fit kept the standard intercept only until averaging ran: the
    next call restarted it from zero (binary) or from the first call's
    (one-vs-rest, where intercept_ then reported standard intercepts),
    1 to 7.5 away from its fit's intercepts here."""
    X, y, sw = _data(n_classes, seed=8)
    params = dict(random_state=5, average=average, shuffle=False)
    ref = SGDClassifier(max_iter=3, tol=None, **params).fit(X, y, sample_weight=sw)
    ours = GDClassifier(**params)
    for _ in range(3):
        ours.partial_fit(X, y, classes=np.unique(y), sample_weight=sw)
    assert ours.t_ == ref.t_
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32(n_classes):
    """float32 in, float32 coef_ out; the intercept dtype as scikit-learn's
    (float64 for a binary problem, float32 for one-vs-rest)."""
    X, y, _ = _data(n_classes, seed=9)
    ref, ours = _fit_both({"random_state": 0}, X.astype(np.float32), y)
    assert ours.coef_.dtype == np.float32
    _assert_same(ref, ours, rtol=1e-4)
