"""GDClassifier(multi_class='multinomial'): the softmax cross-entropy model."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.datasets import load_iris, make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier
from skgd.solvers import Adam, Solver, SolverState

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _multinomial(**params):
    return GDClassifier(loss="log_loss", multi_class="multinomial", **params)


@pytest.mark.parametrize("alpha", [0.01, 0.001])
def test_full_batch_l2_is_logistic_regression(alpha, iris):
    """Same objective as LogisticRegression(C=1/(alpha n)), multinomial for
    multi-class y: the same coefficients and probabilities."""
    X, y = iris
    reference = LogisticRegression(
        C=1 / (alpha * X.shape[0]), tol=1e-12, max_iter=10**4
    )
    reference.fit(X, y)
    model = _multinomial(
        batch_size="full",
        learning_rate="constant",
        eta0=0.5,
        alpha=alpha,
        max_iter=30000,
        tol=None,
    ).fit(X, y)
    assert_allclose(model.coef_, reference.coef_, atol=2e-4)
    assert_allclose(model.intercept_, reference.intercept_, atol=2e-4)
    assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-4)
    assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
    assert_allclose(model.predict_proba(X), softmax(model.decision_function(X), 1))


def test_one_full_batch_step_is_the_softmax_gradient_step(iris):
    """A numpy reference of one step: W -= eta (P - Y)^T X / n (+ alpha W)."""
    X, y = iris
    eta, alpha = 0.3, 0.01
    model = _multinomial(
        batch_size="full", learning_rate="constant", eta0=eta, alpha=alpha
    )
    model.partial_fit(X, y, classes=np.unique(y))
    W = np.zeros((3, X.shape[1]))
    b = np.zeros(3)
    P = softmax(X @ W.T + b, axis=1)
    G = P - np.eye(3)[y]
    W -= eta * (G.T @ X / X.shape[0] + alpha * W)
    b -= eta * G.mean(axis=0)
    assert_allclose(model.coef_, W, rtol=1e-12)
    assert_allclose(model.intercept_, b, rtol=1e-12)
    # the objective recorded for that epoch is the cross-entropy at zero
    assert_allclose(model.loss_curve_[0], np.log(3), rtol=1e-12)


def test_requires_log_loss(iris):
    X, y = iris
    with pytest.raises(ValueError, match="requires loss='log_loss', got loss='hinge'"):
        GDClassifier(multi_class="multinomial").fit(X, y)


def test_two_classes_is_the_binary_logistic_model(iris):
    X, y = iris
    mask = y < 2
    params = dict(loss="log_loss", random_state=0, solver="adam", batch_size=8)
    multinomial = GDClassifier(multi_class="multinomial", **params).fit(
        X[mask], y[mask]
    )
    binary = GDClassifier(**params).fit(X[mask], y[mask])
    assert multinomial.coef_.shape == (1, X.shape[1])
    assert multinomial.decision_function(X).ndim == 1
    assert_array_equal(multinomial.coef_, binary.coef_)


@pytest.mark.parametrize("batch_size", [1, 16, "full"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_and_batch_size(solver, batch_size):
    X, y = make_blobs(n_samples=300, centers=4, cluster_std=2.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    reference = LogisticRegression().fit(X, y).score(X, y)
    if batch_size == "full":
        params = dict(learning_rate="adaptive", eta0=0.1, max_iter=1000)
    else:
        params = dict(learning_rate="invscaling", eta0=0.05, max_iter=300)
    if solver in ("adagrad", "sgd"):
        # AdaGrad's accumulator and plain SGD's decaying rate (power_t=0.5
        # over updates) want a larger base rate
        params["eta0"] *= 4
    model = _multinomial(
        solver=solver, batch_size=batch_size, random_state=0, **params
    ).fit(X, y)
    assert model.coef_.shape == (4, 2)
    assert model.score(X, y) > reference - 0.03
    proba = model.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))


@pytest.mark.parametrize("solver", ["sgd", Adam(lazy=False)])
def test_sparse_equals_dense(solver, iris):
    X, y = iris
    X = X.copy()
    X[np.abs(X) < 0.5] = 0.0
    params = dict(
        solver=solver, batch_size=8, fit_intercept=False, random_state=0, max_iter=5,
        tol=None,
    )  # fmt: skip
    dense = _multinomial(**params).fit(X, y)
    sparse = _multinomial(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)


def test_lazy_sparse_touches_only_present_columns(iris):
    """With lazy Adam a column absent from every row keeps its zeros."""
    X, y = iris
    X = np.c_[X, np.zeros(X.shape[0])]
    model = _multinomial(solver="adam", batch_size=8, random_state=0, alpha=0.01)
    model.fit(sp.csr_matrix(X), y)
    assert_array_equal(model.coef_[:, -1], 0.0)
    assert np.all(model.coef_[:, :-1] != 0.0)


class _PlainSGD(Solver):
    """Plain gradient descent written as a user would."""

    def init_state(self, n_coef, dtype):
        return SolverState(step=np.zeros(1, dtype=np.int64))

    def update(self, grad, state):
        state.step[0] += 1
        return grad, state


@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_user_solver_matches_compiled(fmt, iris):
    X, y = iris
    if fmt == "csr":
        X = sp.csr_matrix(X)
    # (a user solver's schedule is normalised to eta0 at the first update, as
    # every solver's but plain SGD's: 'invscaling' is the same for both)
    params = dict(
        batch_size=16, eta0=0.05, learning_rate="invscaling", random_state=0,
        max_iter=4, tol=None,
    )  # fmt: skip
    compiled = _multinomial(solver="sgd", **params).fit(X, y)
    python = _multinomial(solver=_PlainSGD(), **params).fit(X, y)
    assert_allclose(python.coef_, compiled.coef_, rtol=1e-10)
    assert_allclose(python.intercept_, compiled.intercept_, rtol=1e-10)
    assert_allclose(python.loss_curve_, compiled.loss_curve_, rtol=1e-10)


def test_partial_fit_class_weight_and_early_stopping(iris):
    X, y = iris
    model = _multinomial(solver="adam", batch_size=10, eta0=0.05)
    for chunk in np.array_split(np.random.RandomState(0).permutation(len(y)), 3):
        model.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert model.solver_state_.step[0] == 15
    assert model.score(X, y) > 0.8
    # a class weight multiplies the sample weights of its rows
    weighted = _multinomial(class_weight={0: 5.0}, random_state=0).fit(X, y)
    reweighted = _multinomial(random_state=0)
    reweighted.fit(X, y, sample_weight=np.where(y == 0, 5.0, 1.0))
    assert_allclose(weighted.coef_, reweighted.coef_, rtol=1e-12)
    plain = _multinomial(random_state=0).fit(X, y)
    assert not np.allclose(weighted.coef_, plain.coef_)
    stopped = _multinomial(early_stopping=True, random_state=0).fit(X, y)
    assert len(stopped.validation_scores_) == stopped.n_iter_
