"""The hooks of the solver protocol for the solvers to come: a solver that
owns the penalty (``proximal``), the penalty's strengths ``l1`` and ``l2``
as names a rule reads, and a solver whose state is per row (its own
compiled pass over the rows)."""

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_regression
from sklearn.linear_model import ElasticNet, Lasso

from skgd import GDRegressor
from skgd.solvers import Solver

if TYPE_CHECKING:  # in scope in the row pass's generated module
    from skgd._jit._loss import loss_derivative
    from skgd._jit._rows import U, span


class ISTA(Solver):
    """Proximal gradient descent: the gradient step, then the proximal
    operator of the elastic-net penalty (soft thresholding, shrinking)."""

    @staticmethod
    def rule(g):
        return (g,)

    @staticmethod
    def proximal(w, eta, l1, l2):
        z = max(abs(w) - eta * l1, 0.0)
        return math.copysign(z, w) / (1.0 + eta * l2)


def soft(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0.0)


@pytest.fixture(scope="module")
def data():
    X, y = make_regression(120, 8, n_informative=3, noise=1.0, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    return X, y


def ista(**params):
    base = dict(
        solver=ISTA(), alpha=1.0, batch_size="full", learning_rate="constant",
        eta0=0.5, max_iter=2000, tol=None,
    )  # fmt: skip
    return GDRegressor(**{**base, **params})


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize(
    "penalty, alpha, l1_ratio, reference",
    [
        ("l1", 1.0, 0.15, Lasso(alpha=1.0, tol=1e-13, max_iter=100_000)),
        (
            "elasticnet", 5.0, 0.7,
            ElasticNet(alpha=5.0, l1_ratio=0.7, tol=1e-13, max_iter=100_000),
        ),
    ],
)  # fmt: skip
def test_a_proximal_solver_reaches_the_lasso_and_elastic_net_optimum(
    data, layout, penalty, alpha, l1_ratio, reference
):
    X, y = data
    Xin = sp.csr_matrix(X) if layout == "csr" else X
    # sparse input fits as dense outside the drop-in configuration
    reg = ista(
        penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, eta0=0.5, max_iter=2000,
    ).fit(Xin, y)  # fmt: skip
    reference.fit(X, y)
    np.testing.assert_allclose(reg.coef_, reference.coef_, atol=1e-9)
    np.testing.assert_allclose(reg.intercept_[0], reference.intercept_, atol=1e-9)
    # the proximal step gives exact zeros, where the reference has them
    assert (reg.coef_ == 0.0).sum() == (reference.coef_ == 0.0).sum() > 0


def test_a_proximal_solver_reaches_the_multi_output_lasso(data):
    X, y = data
    Y = np.column_stack([y, -0.5 * y + X[:, 0]])
    reg = ista(penalty="l1").fit(X, Y)
    ref = Lasso(alpha=1.0, tol=1e-13, max_iter=100_000).fit(X, Y)
    np.testing.assert_allclose(reg.coef_, ref.coef_, atol=1e-9)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet", None])
def test_a_proximal_solver_step_by_step(data, layout, penalty):
    """Mini-batches of 7 rows in order, against numpy: the penalty enters
    only through the proximal step (no L2 in the gradient, no cumulative L1
    truncation), with the strengths l1 and l2 of the estimator's penalty."""
    X, y = data
    alpha, l1_ratio, eta, bs = 0.3, 0.4, 0.05, 7
    l1 = {"l1": alpha, "elasticnet": alpha * l1_ratio}.get(penalty, 0.0)
    l2 = {"l2": alpha, "elasticnet": alpha * (1 - l1_ratio)}.get(penalty, 0.0)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(3):
        for start in range(0, X.shape[0], bs):
            Xb, yb = X[start : start + bs], y[start : start + bs]
            r = Xb @ w + b - yb
            w = soft(w - eta * (Xb.T @ r) / len(yb), eta * l1) / (1 + eta * l2)
            b -= eta * r.mean()  # the same on CSR: no intercept decay
    Xin = sp.csr_matrix(X) if layout == "csr" else X
    reg = ista(
        penalty=penalty, alpha=alpha, l1_ratio=l1_ratio, eta0=eta, batch_size=bs,
        max_iter=3, shuffle=False,
    ).fit(Xin, y)  # fmt: skip
    np.testing.assert_allclose(reg.coef_, w, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(reg.intercept_[0], b, rtol=1e-12)


def test_the_estimators_penalty_is_left_to_the_solver(data):
    """With a proximal step that ignores the penalty, penalty='l2' and
    penalty=None fit the same model: the update order added nothing."""
    X, y = data

    class NoPenalty(ISTA):
        @staticmethod
        def proximal(w, eta):
            return w

    fits = [
        ista(solver=NoPenalty(), penalty=p, alpha=0.5, max_iter=20).fit(X, y).coef_
        for p in ("l2", "l1", None)
    ]
    np.testing.assert_array_equal(fits[0], fits[2])
    np.testing.assert_array_equal(fits[1], fits[2])


def test_a_proximal_solver_without_a_rule_is_refused(data):
    class OnlyProximal(Solver):
        def update(self, grad, state):
            state.step[0] += 1
            return grad, state

        @staticmethod
        def proximal(w, eta, l1):
            return w

    with pytest.raises(ValueError, match="defines proximal but no rule"):
        ista(solver=OnlyProximal(), max_iter=2).fit(*data)


def test_a_proximal_solver_numba_refuses_raises_instead_of_running_slow(data):
    class Refused(ISTA):
        @staticmethod
        def rule(g):
            return (np.linalg.norm(g),)  # numba has no norm of a float

    with pytest.raises(ValueError, match="owns the penalty"):
        ista(solver=Refused(), max_iter=2).fit(*data)


def remember_epoch(rows, targets, model, objective, control, scratch):
    """A row pass: per-sample gradient descent at the constant step
    ``hp[0]``, each row's weighted loss derivative kept in ``R``."""
    data, indices, indptr, dense = rows
    y, sw, order, vmask = targets
    w, b, R, hp = model.w, model.b, model.R, model.hp
    nf = w.shape[0]
    k = 0
    for pos in range(order.shape[0]):
        r = order[pos]
        if vmask[r]:
            continue
        k += 1
        s, nnz = span(indptr, dense, nf, r)
        p = b[0]
        for jj in range(nnz):
            j = U(jj) if dense else U(indices[U(s + jj)])
            p += w[j] * data[U(s + jj)]
        d = loss_derivative(objective.loss, y[r], p, objective.eps) * sw[r]
        R[0, r] = d
        for jj in range(nnz):
            j = U(jj) if dense else U(indices[U(s + jj)])
            w[j] -= hp[0] * d * data[U(s + jj)]
        if control.fit_intercept:
            b[0] -= hp[0] * d
    return 0.0, 0.0, k


class Remember(Solver):
    """A solver with state per row, through the general row-state path."""

    row_state = ("last_derivative",)
    row_pass = (remember_epoch,)

    def __init__(self, step=0.01):
        self.step = step

    def init_state(self, n_coef, dtype, n_rows=0, n_out=1):
        return RememberState(
            np.zeros(1, dtype=np.int64), np.zeros((n_rows, n_out), dtype=dtype)
        )

    def row_hyper(self, config, data, row_weight):
        return (self.step,)


class RememberState(NamedTuple):
    step: np.ndarray
    last_derivative: np.ndarray


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_a_solver_with_state_per_row(data, layout):
    X, y = data
    reg = GDRegressor(solver=Remember(), shuffle=False, tol=None, penalty=None)
    Xl = sp.csr_matrix(X) if layout == "csr" else X
    reg.partial_fit(Xl, y)
    reg.partial_fit(Xl, y)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(2):
        last = np.zeros(len(y))
        for i in range(len(y)):
            d = X[i] @ w + b - y[i]
            last[i] = d
            w, b = w - 0.01 * d * X[i], b - 0.01 * d
    np.testing.assert_allclose(reg.coef_, w, rtol=1e-12)
    np.testing.assert_allclose(reg.solver_state_.last_derivative[:, 0], last)
    assert reg.solver_state_.step[0] == 2 * len(y)


def test_a_solver_with_state_per_row_needs_its_pass(data):
    class NoPass(Remember):
        row_pass = ()

    with pytest.raises(ValueError, match="no row_pass"):
        GDRegressor(solver=NoPass(), max_iter=2).fit(*data)
