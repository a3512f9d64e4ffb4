"""Sparse input fits as dense: ``sparse_intercept_decay``.

scikit-learn multiplies the intercept's step by 0.01 on sparse input only.
skgd keeps that in the drop-in configuration (``solver="sgd"``,
``batch_size=1``, no clipping), whose numbers are scikit-learn's, and takes
the full step everywhere else.  Where a solver's sparse update is exact, a
CSR fit then equals the dense fit of the same data; where it is lazy (only
the batch's columns move) or with L1 (truncating the touched columns only,
as scikit-learn does), the CSR fit equals the plain-numpy lazy rule run on
the dense matrix (``tests/naive.py``).
"""

from functools import lru_cache

import numpy as np
import pytest
import scipy.sparse as sp
from naive import RULES, naive_fit
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_diabetes
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skgd import GDClassifier, GDRegressor
from skgd.solvers import REGISTRY, get_solver

#: the solvers whose sparse step is exact without an L2 term in the gradient:
#: a zero gradient leaves their state as it is (AdaGrad) or decays it by a
#: known factor, caught up when the column is next touched
EXACT_WITHOUT_L2 = ("adagrad", "rmsprop", "adadelta")
#: the solvers that take one row at a time only
PER_SAMPLE_ONLY = ("saga",)
EPOCHS = 3
SETTINGS = dict(
    alpha=0.01, eta0=0.02, learning_rate="invscaling", tol=None, random_state=0
)


@lru_cache
def sparse_problem(classify=False):
    """60 rows, 12 columns at about 25% density, an intercept far from 0."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 12)) * (rng.random((60, 12)) < 0.25)
    score = X @ rng.normal(size=12) + 3.0
    y = (score > 3.0).astype(float) if classify else score + 0.1 * rng.normal(size=60)
    sw = rng.uniform(0.5, 2.0, size=60)
    return X, y, sw


def fit_both(est, X, y, sw):
    """The estimator's coefficients and intercepts fitted by ``EPOCHS``
    ``partial_fit`` calls on the dense and on the CSR form of ``X``."""
    out = []
    for data in (X, sp.csr_matrix(X)):
        model = clone(est)
        for _ in range(EPOCHS):
            kw = {"classes": np.unique(y)} if isinstance(model, GDClassifier) else {}
            model.partial_fit(data, y, sample_weight=sw, **kw)
        out.append((model.coef_.copy(), np.atleast_1d(model.intercept_).copy()))
    return out


def assert_same_model(a, b, rtol):
    assert_allclose(a[0], b[0], rtol=rtol, atol=rtol)
    assert_allclose(a[1], b[1], rtol=rtol, atol=rtol)


def test_default_is_auto_and_validated():
    assert GDRegressor().get_params()["sparse_intercept_decay"] == "auto"
    assert GDClassifier().get_params()["sparse_intercept_decay"] == "auto"
    X, y, _ = sparse_problem()
    for bad in (0.0, 1.5, -0.01, "none"):
        with pytest.raises(InvalidParameterError, match="sparse_intercept_decay"):
            GDRegressor(sparse_intercept_decay=bad).fit(X, y)


@pytest.mark.parametrize("estimator", ["regressor", "classifier"])
def test_drop_in_keeps_scikit_learns_damping(estimator):
    """At the defaults the CSR fit is scikit-learn's CSR fit (intercept
    damped by 0.01, unlike the dense one); sparse_intercept_decay=1.0 makes
    it the dense fit."""
    classify = estimator == "classifier"
    X, y, _ = sparse_problem(classify)
    Xs = sp.csr_matrix(X)
    ours, theirs = (GDRegressor, SGDRegressor)
    if classify:
        ours, theirs = GDClassifier, SGDClassifier
    kw = dict(random_state=0, max_iter=20, tol=None)
    sk = theirs(**kw).fit(Xs, y)
    auto = ours(**kw).fit(Xs, y)
    assert_allclose(auto.coef_, sk.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(auto.intercept_, sk.intercept_, rtol=1e-12)
    dense = ours(**kw).fit(X, y)
    assert not np.allclose(auto.intercept_, dense.intercept_, rtol=1e-3)
    undamped = ours(sparse_intercept_decay=1.0, **kw).fit(Xs, y)
    assert_allclose(undamped.coef_, dense.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(undamped.intercept_, dense.intercept_, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_diabetes_intercept_as_documented():
    """The migration page's figures: standardized diabetes, the drop-in
    configuration's CSR intercept 136.8 against 152.1 dense."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    dense = GDRegressor(random_state=0).fit(X, y).intercept_[0]
    csr = GDRegressor(random_state=0).fit(sp.csr_matrix(X), y).intercept_[0]
    assert (round(csr, 1), round(dense, 1)) == (136.8, 152.1)
    same = GDRegressor(random_state=0, sparse_intercept_decay=1.0)
    undamped = same.fit(sp.csr_matrix(X), y).intercept_[0]
    assert undamped == pytest.approx(dense, rel=1e-12)


def exact_cases():
    """(solver, batch size, penalty, lazy) whose sparse step is exact: a
    solver without a ``lazy`` option has an exact sparse step (plain SGD,
    SAGA's just-in-time catch-up), one with it is exact without L2 where
    its state's catch-up is, and with ``lazy=False`` always."""
    for solver in sorted(REGISTRY):
        params = get_solver(solver).get_params()
        for batch_size in (1,) if solver in PER_SAMPLE_ONLY else (1, 7, "full"):
            if solver == "sgd" and batch_size == 1:
                continue  # the drop-in: the test above
            for penalty in ("l2", None):
                exact = "lazy" not in params
                exact |= penalty is None and solver in EXACT_WITHOUT_L2
                yield solver, batch_size, penalty, "auto" if exact else False


@pytest.mark.parametrize("solver,batch_size,penalty,lazy", list(exact_cases()))
def test_sparse_equals_dense_where_the_step_is_exact(solver, batch_size, penalty, lazy):
    """With the default sparse_intercept_decay, a CSR fit equals the dense
    fit: for every solver with lazy=False (every column moves at every
    step), and with its default lazy option where its sparse catch-up is
    exact."""
    X, y, sw = sparse_problem()
    solver_object = get_solver(solver)
    if lazy is False:
        solver_object.set_params(lazy=False)
    est = GDRegressor(
        solver=solver_object, batch_size=batch_size, penalty=penalty, **SETTINGS
    )
    dense, csr = fit_both(est, X, y, sw)
    assert_same_model(csr, dense, rtol=1e-12)


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
@pytest.mark.parametrize("solver", ["sgd", "adagrad"])
def test_classifier_sparse_equals_dense(solver, multi_class):
    X, y, sw = sparse_problem(classify=True)
    y = y + (X[:, 0] > 0.5)  # three classes
    est = GDClassifier(
        loss="log_loss", solver=solver, batch_size=5, penalty=None,
        multi_class=multi_class, **SETTINGS,
    )  # fmt: skip
    dense, csr = fit_both(est, X, y, sw)
    assert_same_model(csr, dense, rtol=1e-12)


def lazy_cases():
    """(solver, batch size, penalty) where the sparse step is the lazy rule
    or L1 truncates the touched columns only."""
    for solver in sorted(RULES):
        for batch_size in (1, 7):
            for penalty in ("l2", "elasticnet"):
                if solver == "sgd" and (batch_size == 1 or penalty == "l2"):
                    continue  # the drop-in, or exact: above
                yield solver, batch_size, penalty


@pytest.mark.parametrize("solver,batch_size,penalty", list(lazy_cases()))
@pytest.mark.parametrize("decay", ["auto", 0.01])
def test_lazy_sparse_equals_the_lazy_rule(solver, batch_size, penalty, decay):
    """Where sparse is not dense, the CSR fit is the lazy rule (only the
    batch's columns move, L1 on the touched columns) run on the dense
    matrix, with the intercept's step as sparse_intercept_decay says."""
    X, y, sw = sparse_problem()
    est = GDRegressor(
        solver=solver, batch_size=batch_size, penalty=penalty,
        sparse_intercept_decay=decay, shuffle=False, **SETTINGS,
    )  # fmt: skip
    csr = fit_both(est, X, y, sw)[1]
    ref = naive_fit(
        sp.csr_matrix(X), y, solver=solver, batch_size=batch_size, n_epochs=EPOCHS,
        penalty=penalty, alpha=SETTINGS["alpha"], eta0=SETTINGS["eta0"],
        sample_weight=sw, sparse_intercept_decay=decay,
    )[-1]  # fmt: skip
    assert_same_model(csr, (ref.coef, np.atleast_1d(ref.intercept)), rtol=1e-10)
