"""Soft labels: the multinomial classifier fitted on class probabilities.

``GDClassifier(multi_class="multinomial").fit(X, Y)`` with ``Y`` of shape
``(n_samples, n_classes)`` minimises the mean cross-entropy against the rows
of ``Y`` plus the penalty. References: one-hot ``Y`` is the hard-label fit;
the first full-batch step is the numpy gradient of the soft cross-entropy;
the fit reaches scipy's optimum of the same objective.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score

from skgd import GDClassifier

ALPHA = 0.01


def problem(n_classes=3, n=240, seed=0):
    X, y = make_classification(
        n, 6, n_informative=4, n_classes=n_classes, n_clusters_per_class=1,
        random_state=seed,
    )  # fmt: skip
    Y = np.eye(n_classes)[y]
    smooth = 0.8 * Y + 0.2 / n_classes
    return X, y, Y, smooth


def multinomial(**params):
    base = dict(loss="log_loss", multi_class="multinomial", alpha=ALPHA, random_state=0)
    return GDClassifier(**{**base, **params})


def soft_objective(X, Y, W, b):
    Z = X @ W.T + b
    return np.mean(logsumexp(Z, axis=1) - np.sum(Y * Z, axis=1)) + 0.5 * ALPHA * np.sum(
        W * W
    )


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "solver, batch_size", [("sgd", 1), ("sgd", 16), ("adam", 8), ("rmsprop", "full")]
)
def test_one_hot_labels_are_the_hard_label_fit(solver, batch_size, fmt):
    X, y, Y, _ = problem()
    if fmt == "csr":
        X = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    sw = np.linspace(0.5, 2.0, len(y))
    est = multinomial(solver=solver, batch_size=batch_size, max_iter=4, tol=None)
    hard = clone(est).fit(X, y, sample_weight=sw)
    soft = clone(est).fit(X, Y, sample_weight=sw)
    assert_array_equal(soft.classes_, np.arange(3))
    assert_array_equal(soft.coef_, hard.coef_)
    assert_array_equal(soft.intercept_, hard.intercept_)
    # the loss in its other form: log-sum-exp minus the score, to rounding
    assert_allclose(soft.loss_curve_, hard.loss_curve_, rtol=1e-14)


def test_first_full_batch_step_is_the_soft_cross_entropy_gradient():
    X, _, _, Y = problem()
    eta = 0.3
    est = multinomial(
        solver="sgd", batch_size="full", learning_rate="constant", eta0=eta,
        max_iter=1, tol=None,
    ).fit(X, Y)  # fmt: skip
    # at zero: W1 = -eta * (X' (softmax(0) - Y) / n), b1 = -eta * mean(softmax(0) - Y)
    R = softmax(np.zeros_like(Y), axis=1) - Y
    assert_allclose(est.coef_, -eta * R.T @ X / len(X), rtol=1e-12, atol=1e-15)
    assert_allclose(est.intercept_, -eta * R.mean(axis=0), rtol=1e-12, atol=1e-15)
    assert est.loss_curve_[0] == pytest.approx(np.log(3), rel=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_fit_reaches_the_soft_cross_entropy_optimum(n_classes):
    X, _, _, Y = problem(n_classes)
    n, d = X.shape
    k = n_classes if n_classes > 2 else 1

    def f_and_grad(v):
        W, b = v[: k * d].reshape(k, d), v[k * d :]
        if n_classes == 2:  # the binary logistic model of class 1
            z = X @ W[0] + b[0]
            p = 1.0 / (1.0 + np.exp(-z))
            q = Y[:, 1]
            loss = np.mean(np.logaddexp(0.0, z) - q * z) + 0.5 * ALPHA * W[0] @ W[0]
            r = (p - q) / n
            return loss, np.r_[X.T @ r + ALPHA * W[0], r.sum()]
        Z = X @ W.T + b
        R = (softmax(Z, axis=1) - Y) / n
        grad = np.r_[(R.T @ X + ALPHA * W).ravel(), R.sum(axis=0)]
        return soft_objective(X, Y, W, b), grad

    best = minimize(
        f_and_grad, np.zeros(k * (d + 1)), jac=True, method="L-BFGS-B",
        options={"ftol": 0.0, "gtol": 1e-12, "maxiter": 10_000},
    )  # fmt: skip
    est = multinomial(
        solver="momentum", batch_size="full", learning_rate="constant", eta0=0.5,
        max_iter=3000, tol=None,
    ).fit(X, Y)  # fmt: skip
    assert_allclose(est.coef_.ravel(), best.x[: k * d], rtol=1e-6, atol=1e-8)
    assert_allclose(est.intercept_, best.x[k * d :], rtol=1e-6, atol=1e-8)
    assert est.coef_.shape == (k, d)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_early_stopping_scores_the_most_probable_class():
    """Validation data with soft labels are scored against each row's most
    probable class."""
    X, _, _, Y = problem(n=300)
    est = multinomial(
        solver="adam", batch_size=8, early_stopping=True, max_iter=6, tol=None
    )
    X_val, Y_val = X[:60], Y[:60]
    given = clone(est).fit(X[60:], Y[60:], X_val=X_val, y_val=Y_val)
    plain = clone(est).set_params(early_stopping=False)
    expected = [
        accuracy_score(
            Y_val.argmax(axis=1),
            clone(plain).set_params(max_iter=k).fit(X[60:], Y[60:]).predict(X_val),
        )
        for k in range(1, 7)
    ]
    assert_allclose(given.validation_scores_, expected, rtol=1e-12)


def test_partial_fit_takes_the_classes():
    X, _, _, Y = problem()
    est = multinomial(solver="adam", batch_size=8)
    est.partial_fit(X, Y, classes=np.array(["a", "b", "c"]))
    est.partial_fit(X, Y)
    assert_array_equal(est.classes_, ["a", "b", "c"])
    assert set(est.predict(X)) <= {"a", "b", "c"}
    with pytest.raises(ValueError, match="y has 2 columns, but the classifier has 3"):
        est.partial_fit(X, Y[:, :2] / Y[:, :2].sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    "make_y, params, message",
    [
        (lambda Y: Y * 1.1, {}, "each row must sum to 1, but row 0 sums to 1.1"),
        (lambda Y: Y - 0.2, {}, "y has negative entries"),
        (lambda Y: Y, {"class_weight": "balanced"}, "class_weight is not supported"),
        (lambda Y: Y, {"multi_class": "ovr"}, "y should be a 1d array"),
        (lambda Y: Y, {"solver": "saga", "batch_size": 1}, "takes class labels only"),
    ],
)
def test_bad_soft_labels(make_y, params, message):
    X, _, _, Y = problem()
    with pytest.raises(ValueError, match=message):
        multinomial(**params).fit(X, make_y(Y))


def test_soft_labels_on_dask_arrays_are_refused():
    da = pytest.importorskip("dask.array")
    X, _, _, Y = problem()
    with pytest.raises(ValueError, match="not supported on dask arrays"):
        multinomial().fit(da.from_array(X, chunks=60), da.from_array(Y, chunks=60))


def test_a_data_frame_of_soft_labels():
    pd = pytest.importorskip("pandas")
    X, _, Y, _ = problem()
    est = multinomial(solver="adam", batch_size=8, max_iter=3, tol=None)
    framed = clone(est).fit(X, pd.DataFrame(Y))
    assert_array_equal(framed.coef_, clone(est).fit(X, Y).coef_)
