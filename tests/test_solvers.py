"""GDRegressor's mini-batch updates against the plain-numpy reference.

Every configuration here leaves scikit-learn's per-sample algorithm (a batch
size above one, a solver other than "sgd", or clipping), so the estimator must
reproduce, update for update, the rule that ``tests/naive.py`` spells out.
The estimator is fitted by repeated ``partial_fit`` (one epoch each, rows in
order) and compared with the reference after every epoch.
"""

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pytest
import scipy.sparse as sp
from naive import LAZY_SOLVERS, SOLVERS, naive_fit
from numpy.testing import assert_allclose

from skgd import GDRegressor
from skgd.solvers import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp, Solver

N_EPOCHS = 3
BASE = {
    "loss": "squared_error",
    "penalty": "l2",
    "alpha": 0.01,
    "eta0": 0.05,
    "learning_rate": "invscaling",
    "power_t": 0.25,
}
ELASTICNET = {**BASE, "penalty": "elasticnet", "alpha": 0.05, "l1_ratio": 0.5}
SOLVER_CLASSES = {
    "momentum": Momentum,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


def make_solver(name, lazy="auto"):
    """The built-in solver object for ``name`` with the given ``lazy``."""
    if name == "sgd":
        return SGD()
    if name == "nesterov":
        return Momentum(nesterov=True, lazy=lazy)
    return SOLVER_CLASSES[name](lazy=lazy)


@lru_cache
def make_data(n_samples=40, n_features=6, seed=0):
    """A small regression problem with about half of X zero.

    Column densities run from 15% to 85%, so small batches often miss the
    rare columns (which is when lazy sparse updates differ).  All values are
    exactly representable in float32, so float32 fits see the same data as
    the float64 reference.
    """
    rng = np.random.default_rng(seed)
    density = np.linspace(0.15, 0.85, n_features)
    X = rng.normal(size=(n_samples, n_features))
    X *= rng.random((n_samples, n_features)) < density
    true_coef = rng.normal(size=n_features)
    true_coef[1] = 0.0
    y = X @ true_coef + 0.5 + 0.1 * rng.normal(size=n_samples)
    sample_weight = rng.uniform(0.2, 2.0, size=n_samples)
    return tuple(a.astype(np.float32).astype(np.float64) for a in (X, y, sample_weight))


def as_input(X, layout, dtype="float64"):
    X = X.astype(dtype)
    return sp.csr_matrix(X) if layout == "csr" else X


def assert_matches(actual, expected, dtype, what):
    """rtol 1e-9 in float64; a float32 fit against the float64 reference
    within float32 accumulation error (rtol 1e-4, atol 1e-5 of the scale)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if np.dtype(dtype) == np.float64:
        rtol, atol = 1e-9, 1e-13
    else:
        rtol, atol = 1e-4, 1e-5 * max(np.abs(expected).max(initial=0.0), 1e-3)
    assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def fit_and_compare(
    solver,
    batch_size,
    layout="dense",
    dtype="float64",
    *,
    lazy="auto",
    sample_weight=None,
    X=None,
    estimator_solver=None,
    **params,
):
    """Fit by ``partial_fit`` and compare with ``naive_fit`` after each epoch.

    ``solver`` names the reference rule; ``estimator_solver`` (default: the
    built-in solver of that name) is what the estimator is given.  Returns
    the reference snapshots.
    """
    X_ref, y, _ = make_data()
    if X is None:
        X = as_input(X_ref, layout)
    reference = naive_fit(
        X,
        y,
        solver=solver,
        batch_size=batch_size,
        n_epochs=N_EPOCHS,
        lazy=lazy,
        sample_weight=sample_weight,
        **params,
    )
    builtin = estimator_solver is None
    reg = GDRegressor(
        solver=make_solver(solver, lazy) if builtin else estimator_solver,
        batch_size=batch_size,
        shuffle=False,
        tol=None,
        **params,
    )
    X_fit = X.astype(dtype)
    for epoch, snap in enumerate(reference, start=1):
        reg.partial_fit(X_fit, y.astype(dtype), sample_weight=sample_weight)
        assert reg.coef_.dtype == np.dtype(dtype)
        assert reg.intercept_.shape == (1,)
        assert reg.solver_state_.step[0] == snap.n_updates, f"epoch {epoch}"
        assert_matches(reg.coef_, snap.coef, dtype, f"coef_, epoch {epoch}")
        assert_matches(
            reg.intercept_, [snap.intercept], dtype, f"intercept_, epoch {epoch}"
        )
        if builtin:
            for name, value in snap.state.items():
                got = getattr(reg.solver_state_, name)
                assert_matches(got, value, dtype, f"state {name}, epoch {epoch}")
    return reference


# ---------------------------------------------------------------------------
# The full matrix: solver x batch size x layout x dtype.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("batch_size", [3, 7, "full"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_matches_reference(solver, batch_size, layout, dtype):
    fit_and_compare(solver, batch_size, layout, dtype, **BASE)


@pytest.mark.parametrize("solver", SOLVERS)
def test_batch_size_one_off_the_exact_path(solver):
    # clipping takes even plain SGD with batch_size=1 off scikit-learn's path
    fit_and_compare(solver, 1, **BASE, clip_norm=0.5)


# ---------------------------------------------------------------------------
# One option at a time, for every solver.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_penalties(solver, penalty, layout):
    fit_and_compare(solver, 3, layout, **{**ELASTICNET, "penalty": penalty})


def test_l1_penalty_zeroes_a_coefficient():
    # makes sure the L1 cases above exercise the truncation to exactly zero
    X, y, _ = make_data()
    params = {**ELASTICNET, "penalty": "l1", "alpha": 0.2}
    snaps = naive_fit(X, y, solver="adam", batch_size=3, n_epochs=N_EPOCHS, **params)
    assert np.any(snaps[-1].coef == 0.0)
    fit_and_compare("adam", 3, **params)


@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "optimal"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_learning_rates(solver, learning_rate):
    params = {**BASE, "learning_rate": learning_rate, "power_t": 0.5, "alpha": 1.0}
    fit_and_compare(solver, 7, **params)


@pytest.mark.parametrize(
    "clip", [{"clip_norm": 0.5}, {"clip_value": 0.2}], ids=["norm", "value"]
)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_clipping(solver, layout, clip):
    clipped = fit_and_compare(solver, 3, layout, **BASE, **clip)
    X, y, _ = make_data()
    free = naive_fit(
        as_input(X, layout), y, solver=solver, batch_size=3, n_epochs=N_EPOCHS, **BASE
    )
    assert not np.allclose(clipped[-1].coef, free[-1].coef, rtol=1e-6, atol=0)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("batch_size", [3, "full"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_sample_weight(solver, batch_size, layout):
    sample_weight = make_data()[2]
    fit_and_compare(solver, batch_size, layout, sample_weight=sample_weight, **BASE)


@pytest.mark.parametrize(
    "average, batch_size", [(True, 3), (5, 3), (4, 7), (True, "full")]
)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_averaging(solver, average, batch_size, layout):
    # every configuration starts averaging within the first epoch
    fit_and_compare(solver, batch_size, layout, average=average, **ELASTICNET)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_no_intercept(solver, layout):
    # clip_norm then covers the coefficients only
    fit_and_compare(solver, 3, layout, fit_intercept=False, clip_norm=0.5, **BASE)


@pytest.mark.parametrize(
    "loss", ["huber", "epsilon_insensitive", "squared_epsilon_insensitive"]
)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_losses(solver, loss):
    fit_and_compare(solver, 3, **{**BASE, "loss": loss, "epsilon": 0.3})


# ---------------------------------------------------------------------------
# Sparse input: the lazy option.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lazy", [True, False])
@pytest.mark.parametrize("batch_size", [2, 7])
@pytest.mark.parametrize("solver", LAZY_SOLVERS)
def test_sparse_lazy_option(solver, batch_size, lazy):
    fit_and_compare(solver, batch_size, "csr", lazy=lazy, **ELASTICNET)


def _final_coef(solver, X, y, lazy, penalty):
    reg = GDRegressor(
        solver=make_solver(solver, lazy),
        batch_size=2,
        shuffle=False,
        tol=None,
        fit_intercept=False,
        **{**ELASTICNET, "penalty": penalty},
    )
    for _ in range(N_EPOCHS):
        reg.partial_fit(X, y)
    return reg.coef_


@pytest.mark.parametrize(
    "solver, lazy, penalty, same_as_dense",
    [
        # zero gradient leaves AdaGrad's and RMSProp's columns where they are
        ("adagrad", True, None, True),
        ("rmsprop", True, None, True),
        # ... but momentum and Adam keep moving them on dense input
        ("adam", True, None, False),
        ("momentum", True, None, False),
        *[(s, False, "elasticnet", True) for s in LAZY_SOLVERS],
        ("sgd", "auto", "elasticnet", True),
    ],
)
def test_sparse_against_dense(solver, lazy, penalty, same_as_dense):
    # no intercept: on sparse input its updates are scaled by 0.01
    X, y, _ = make_data()
    dense = _final_coef(solver, X, y, lazy, penalty)
    sparse = _final_coef(solver, sp.csr_matrix(X), y, lazy, penalty)
    assert np.allclose(sparse, dense, rtol=1e-9, atol=1e-13) == same_as_dense


def _with_stored_zeros(X, seed=1):
    """CSR copy of X that also stores explicit zeros in ~30% of the zero cells."""
    rng = np.random.default_rng(seed)
    stored = (X != 0) | (rng.random(X.shape) < 0.3)
    rows, cols = np.nonzero(stored)
    return sp.csr_matrix((X[rows, cols], (rows, cols)), shape=X.shape)


@pytest.mark.parametrize("solver", ["momentum", "adam"])
def test_stored_zeros_are_touched(solver):
    X, y, _ = make_data()
    X_stored = _with_stored_zeros(X)
    assert X_stored.nnz > sp.csr_matrix(X).nnz
    with_zeros = fit_and_compare(solver, 2, X=X_stored, **ELASTICNET)
    plain = naive_fit(
        sp.csr_matrix(X),
        y,
        solver=solver,
        batch_size=2,
        n_epochs=N_EPOCHS,
        **ELASTICNET,
    )
    assert not np.allclose(with_zeros[-1].coef, plain[-1].coef)


# ---------------------------------------------------------------------------
# A user-defined solver takes the Python path and must agree with the
# compiled one.
# ---------------------------------------------------------------------------
class HandAdamState(NamedTuple):
    step: np.ndarray
    m: np.ndarray
    v: np.ndarray


class HandAdam(Solver):
    """Adam written out in numpy, outside the built-in set."""

    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def init_state(self, n_coef, dtype):
        return HandAdamState(
            step=np.zeros(1, dtype=np.int64),
            m=np.zeros(n_coef, dtype=dtype),
            v=np.zeros(n_coef, dtype=dtype),
        )

    def update(self, grad, state):
        t = state.step[0] + 1
        m = self.beta_1 * state.m + (1 - self.beta_1) * grad
        v = self.beta_2 * state.v + (1 - self.beta_2) * grad**2
        direction = (m / (1 - self.beta_1**t)) / (
            np.sqrt(v / (1 - self.beta_2**t)) + self.epsilon
        )
        return direction, HandAdamState(step=np.array([t]), m=m, v=v)


@pytest.mark.parametrize(
    "extra", [{}, {"average": True}, {"clip_norm": 0.5}], ids=["plain", "avg", "clip"]
)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("batch_size", [3, "full"])
def test_user_defined_solver(batch_size, layout, extra):
    params = {**ELASTICNET, **extra}
    X, y, sample_weight = make_data()
    X = as_input(X, layout)
    # against the reference (lazy=False: a user solver updates every column)
    fit_and_compare(
        "adam",
        batch_size,
        layout,
        lazy=False,
        sample_weight=sample_weight,
        estimator_solver=HandAdam(),
        **params,
    )
    # and against the compiled Adam, state included
    fits = [
        GDRegressor(
            solver=solver, batch_size=batch_size, shuffle=False, tol=None, **params
        )
        for solver in (HandAdam(), Adam(lazy=False))
    ]
    for _ in range(N_EPOCHS):
        for reg in fits:
            reg.partial_fit(X, y, sample_weight=sample_weight)
        hand, builtin = fits
        assert_allclose(hand.coef_, builtin.coef_, rtol=1e-9, atol=1e-13)
        assert_allclose(hand.intercept_, builtin.intercept_, rtol=1e-9, atol=1e-13)
        for name in ("step", "m", "v"):
            got = getattr(hand.solver_state_, name)
            expected = getattr(builtin.solver_state_, name)
            assert_allclose(got, expected, rtol=1e-9, atol=1e-15, err_msg=name)
