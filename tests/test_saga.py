"""SAGA: step by step against the plain-numpy reference, converged against
scikit-learn's exact solvers, sparse against dense, and its refusals."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from naive import naive_saga
from numpy.testing import assert_allclose
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.linear_model._sag import get_auto_step_size
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from test_solvers import make_data

from skgd import GDClassifier, GDRegressor
from skgd.solvers import SAGA, get_solver
from skgd.solvers._saga import catch_up, soft_threshold

PENALTIES = {
    "none": dict(penalty=None),
    "l2": dict(penalty="l2", alpha=0.05),
    "l1": dict(penalty="l1", alpha=0.02),
    "elasticnet": dict(penalty="elasticnet", alpha=0.05, l1_ratio=0.5),
}
#: the estimator's schedule is ignored by SAGA: odd values show it
IGNORED = dict(learning_rate="invscaling", eta0=123.0, power_t=0.9)


def as_layout(X, layout):
    return sp.csr_matrix(X) if layout == "csr" else X


def regression(n=200, nf=8, seed=0, noise=0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, nf)) * (rng.random((n, nf)) < 0.6)
    y = X @ rng.normal(size=nf) + 1.0 + noise * rng.normal(size=n)
    return X, y


def classification(n=200, nf=6, seed=0, n_classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, nf))
    scores = X @ rng.normal(size=(nf, n_classes)) + rng.normal(size=(n, n_classes))
    return X, np.argmax(scores, axis=1)


# ---------------------------------------------------------------------------
# Step by step: partial_fit passes in row order against naive_saga
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_matches_reference(layout, penalty, weighted):
    X, y, sw = make_data()
    sw = sw if weighted else None
    step = 0.01
    params = PENALTIES[penalty]
    reference = naive_saga(X, y, step=step, n_epochs=3, sample_weight=sw, **params)
    reg = GDRegressor(solver=SAGA(step=step), shuffle=False, tol=None, **params,
                      **IGNORED)  # fmt: skip
    Xl = as_layout(X, layout)
    for epoch, (coef, intercept) in enumerate(reference, start=1):
        reg.partial_fit(Xl, y, sample_weight=sw)
        assert_allclose(reg.coef_, coef, rtol=1e-12, atol=1e-12, err_msg=f"{epoch}")
        assert_allclose(reg.intercept_, intercept, rtol=1e-12, atol=1e-12)
        assert reg.solver_state_.step[0] == epoch * X.shape[0]
    assert reg.solver_state_.memory.shape == (X.shape[0], 1)


@pytest.mark.parametrize("loss", ["huber", "squared_epsilon_insensitive"])
def test_matches_reference_losses_and_no_intercept(loss):
    X, y, sw = make_data()
    ref = naive_saga(X, y, step=0.01, n_epochs=2, loss=loss, epsilon=0.3,
                     fit_intercept=False, sample_weight=sw)  # fmt: skip
    reg = GDRegressor(solver=SAGA(step=0.01), loss=loss, epsilon=0.3, shuffle=False,
                      tol=None, max_iter=2, fit_intercept=False)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the max_iter warning
        reg.fit(sp.csr_matrix(X), y, sample_weight=sw)
    assert_allclose(reg.coef_, ref[-1][0], rtol=1e-12, atol=1e-12)
    assert_allclose(reg.intercept_, 0.0)


def test_matches_reference_log_loss():
    X, y = classification()
    labels = np.array(["no", "yes"])[y]
    ref = naive_saga(X, y.astype(float), step=0.05, n_epochs=2, loss="log_loss",
                     alpha=0.01)  # fmt: skip
    clf = GDClassifier(solver=SAGA(step=0.05), loss="log_loss", alpha=0.01,
                       shuffle=False, tol=None)  # fmt: skip
    for coef, intercept in ref:
        clf.partial_fit(X, labels, classes=["no", "yes"])
    assert_allclose(clf.coef_.ravel(), coef, rtol=1e-12, atol=1e-12)
    assert_allclose(clf.intercept_, intercept, rtol=1e-12, atol=1e-12)


def test_multi_output_matches_reference():
    X, y, sw = make_data()
    Y = np.column_stack([y, -2.0 * y + 1.0, X[:, 0]])
    ref = naive_saga(X, Y, step=0.01, n_epochs=2, sample_weight=sw,
                     **PENALTIES["elasticnet"])  # fmt: skip
    reg = GDRegressor(solver=SAGA(step=0.01), shuffle=False, tol=None, max_iter=2,
                      **PENALTIES["elasticnet"])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(sp.csr_matrix(X), Y, sample_weight=sw)
    assert_allclose(reg.coef_, ref[-1][0], rtol=1e-12, atol=1e-12)
    assert_allclose(reg.intercept_, ref[-1][1], rtol=1e-12, atol=1e-12)
    assert reg.solver_state_.memory.shape == (X.shape[0], 3)


def test_float32_matches_reference():
    X, y, sw = make_data()
    ref = naive_saga(X, y, step=0.01, n_epochs=2, sample_weight=sw)
    reg = GDRegressor(solver=SAGA(step=0.01), shuffle=False, tol=None)
    for layout in ("dense", "csr"):
        reg = GDRegressor(solver=SAGA(step=0.01), shuffle=False, tol=None)
        for _ in range(2):
            reg.partial_fit(as_layout(X.astype(np.float32), layout), y,
                            sample_weight=sw)  # fmt: skip
        assert reg.coef_.dtype == np.float32
        assert_allclose(reg.coef_, ref[-1][0], rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# The step: scikit-learn's, the row weights in L
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.0, 0.01, 3.0])
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_auto_step_is_sklearns(loss, alpha):
    X, y = classification(n=50)
    n = X.shape[0]
    max_sq = float(np.max(np.sum(X**2, axis=1)))
    kind = "log" if loss == "log_loss" else "squared"
    expected = get_auto_step_size(max_sq, alpha, kind, True, n_samples=n, is_saga=True)
    Est = GDClassifier if loss == "log_loss" else GDRegressor
    auto = Est(solver="saga", loss=loss, alpha=alpha, shuffle=False, tol=None)
    given = Est(solver=SAGA(step=expected), loss=loss, alpha=alpha, shuffle=False,
                tol=None)  # fmt: skip
    for est in (auto, given):
        est.partial_fit(X, y, **({"classes": [0, 1]} if Est is GDClassifier else {}))
    assert_allclose(auto.coef_, given.coef_, rtol=1e-13, atol=0)


def test_auto_step_weighs_the_rows():
    """L takes the largest s_i * (||x_i||^2 + 1); with weights of two, the
    step is the one of the doubled rows' norms."""
    X, y = regression(n=60)
    sw = np.full(X.shape[0], 2.0)
    sq = np.sum(X**2, axis=1) + 1.0
    L = 2.0 * sq.max() + 0.01
    step = 1.0 / (2 * L + min(2 * 60 * 0.01, L))
    auto = GDRegressor(solver="saga", alpha=0.01, shuffle=False, tol=None)
    given = GDRegressor(solver=SAGA(step=step), alpha=0.01, shuffle=False, tol=None)
    auto.partial_fit(X, y, sample_weight=sw)
    given.partial_fit(X, y, sample_weight=sw)
    assert_allclose(auto.coef_, given.coef_, rtol=1e-13, atol=0)


# ---------------------------------------------------------------------------
# Converged: the exact minimum of scikit-learn's solvers
# ---------------------------------------------------------------------------
def objective(X, y, coef, intercept, alpha, l1_ratio=0.0, loss="squared_error"):
    p = X @ coef + intercept
    if loss == "log_loss":
        losses = np.logaddexp(0.0, p) - y * p
    else:
        losses = 0.5 * (p - y) ** 2
    pen = alpha * (0.5 * (1 - l1_ratio) * coef @ coef + l1_ratio * np.abs(coef).sum())
    return losses.mean() + pen


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_converges_to_ridge(layout):
    X, y = regression()
    alpha = 0.01
    ridge = Ridge(alpha=alpha * X.shape[0]).fit(X, y)
    reg = GDRegressor(solver="saga", alpha=alpha, tol=None, max_iter=150,
                      random_state=0).fit(as_layout(X, layout), y)  # fmt: skip
    assert_allclose(reg.coef_, ridge.coef_, rtol=1e-8, atol=1e-9)
    assert_allclose(reg.intercept_, ridge.intercept_, rtol=1e-8)


def test_converges_to_logistic_regression():
    X, y = classification()
    alpha = 0.01
    lr = LogisticRegression(C=1.0 / (alpha * X.shape[0]), tol=1e-12, max_iter=10000)
    lr.fit(X, y)
    clf = GDClassifier(solver="saga", loss="log_loss", alpha=alpha, tol=None,
                       max_iter=200, random_state=0).fit(X, y)  # fmt: skip
    assert_allclose(clf.coef_, lr.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(clf.intercept_, lr.intercept_, rtol=1e-6, atol=1e-7)
    f_lr = objective(X, y, lr.coef_.ravel(), lr.intercept_, alpha, loss="log_loss")
    f = objective(X, y, clf.coef_.ravel(), clf.intercept_, alpha, loss="log_loss")
    assert (f - f_lr) / f_lr < 1e-10


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_converges_to_lasso_and_elastic_net(layout):
    X, y = regression()
    for ref, params in [
        (Lasso(alpha=0.05, tol=1e-14, max_iter=100000), dict(penalty="l1", alpha=0.05)),
        (ElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-14, max_iter=100000),
         dict(penalty="elasticnet", alpha=0.05, l1_ratio=0.3)),
    ]:  # fmt: skip
        ref.fit(X, y)
        reg = GDRegressor(solver="saga", tol=None, max_iter=200, random_state=0,
                          **params).fit(as_layout(X, layout), y)  # fmt: skip
        assert_allclose(reg.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
        assert_allclose(reg.intercept_, ref.intercept_, rtol=1e-6)
        # the exact zeros of the L1 penalty
        assert np.array_equal(reg.coef_ == 0.0, ref.coef_ == 0.0)


def test_multinomial_converges_to_logistic_regression():
    X, y = classification(n_classes=3)
    alpha = 0.01
    lr = LogisticRegression(C=1.0 / (alpha * X.shape[0]), tol=1e-12, max_iter=10000)
    lr.fit(X, y)
    clf = GDClassifier(
        solver="saga",
        loss="log_loss",
        multi_class="multinomial",
        alpha=alpha,
        tol=None,
        max_iter=300,
        random_state=0,
    )
    clf.fit(X, y)
    # the softmax's intercepts and coefficients are defined up to a common
    # shift per feature; scikit-learn's penalty fixes the coefficients' and
    # leaves the intercepts' shift free: compare them centred
    assert_allclose(clf.coef_, lr.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(
        clf.intercept_ - clf.intercept_.mean(),
        lr.intercept_ - lr.intercept_.mean(),
        rtol=1e-6,
        atol=1e-7,
    )
    assert clf.solver_state_.memory.shape == (X.shape[0], 3)


def test_one_vs_rest_converges():
    X, y = classification(n_classes=3)
    alpha = 0.01
    lr = LogisticRegression(C=1.0 / (alpha * X.shape[0]), tol=1e-12, max_iter=10000)
    ovr = OneVsRestClassifier(lr).fit(X, y)
    clf = GDClassifier(solver="saga", loss="log_loss", alpha=alpha, tol=None,
                       max_iter=200, random_state=0).fit(X, y)  # fmt: skip
    expected = np.vstack([e.coef_ for e in ovr.estimators_])
    assert_allclose(clf.coef_, expected, rtol=1e-6, atol=1e-7)
    assert len(clf.solver_state_) == 3


@pytest.mark.parametrize("loss", ["modified_huber", "squared_hinge"])
def test_smooth_margin_losses_reach_their_minimum(loss):
    """Converged: the objective's gradient vanishes."""
    X, y = classification()
    X = StandardScaler().fit_transform(X)
    alpha = 0.01
    clf = GDClassifier(solver="saga", loss=loss, alpha=alpha, tol=None, max_iter=300,
                       random_state=0).fit(X, y)  # fmt: skip
    s = 2.0 * y - 1.0
    z = s * (X @ clf.coef_.ravel() + clf.intercept_)
    if loss == "squared_hinge":
        dz = -2.0 * np.maximum(0.0, 1.0 - z)
    else:
        dz = np.where(z >= 1, 0.0, np.where(z >= -1, -2.0 * (1.0 - z), -4.0))
    dp = dz * s
    grad = X.T @ dp / len(y) + alpha * clf.coef_.ravel()
    assert np.abs(grad).max() < 1e-9
    assert abs(dp.mean()) < 1e-9


# ---------------------------------------------------------------------------
# Sparse equals dense: the just-in-time catch-up is exact
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        dict(penalty="l2", alpha=1e-3),
        dict(penalty="elasticnet", alpha=1e-3, l1_ratio=0.5),  # steps replayed
        dict(penalty="l1", alpha=0.2),  # composed into one step
        # a strong L2: the running scale folds within a pass
        dict(penalty="elasticnet", alpha=10.0, l1_ratio=0.01),
    ],
)
def test_sparse_equals_dense(params):
    X, y = regression(n=300, nf=20)
    X[:, 3] *= np.random.default_rng(1).random(300) < 0.05  # a rare column
    fits = [
        GDRegressor(solver="saga", tol=None, max_iter=5, random_state=0, **params)
        for _ in range(2)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits[0].fit(X, y)
        fits[1].fit(sp.csr_matrix(X), y)
    assert_allclose(fits[1].coef_, fits[0].coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(fits[1].intercept_, fits[0].intercept_, rtol=1e-10)


def test_catch_up_equals_the_skipped_updates_one_by_one():
    """The just-in-time catch-up of a column (plain Python: the function the
    row pass compiles) against the updates it stands for, replayed: every
    regime of the gradient sum against the L1 threshold, from both signs."""
    rng = np.random.default_rng(0)
    for _ in range(2000):
        n_steps = int(rng.integers(1, 40))
        steps = rng.uniform(0.1, 2.0, size=n_steps + 1)
        steps[0] = 0.0
        f = np.cumsum(steps)
        first = int(rng.integers(0, n_steps))
        upto = int(rng.integers(first, n_steps + 1))
        v = rng.normal() * rng.choice([0.0, 0.1, 10.0])
        g = rng.normal() * rng.choice([0.1, 1.0, 3.0])
        l1n = rng.choice([0.0, 0.5, 1.0])
        expected = v
        for t in range(first + 1, upto + 1):
            a = f[t] - f[t - 1]
            expected = soft_threshold(expected - g * a, a * l1n)
        got = catch_up(v, g, f, first, upto, l1n)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_sparse_rows_with_repeated_columns():
    X, y = regression(n=50, nf=5)
    A = sp.csr_matrix(X)
    # the same matrix with each entry split in two
    data = np.repeat(A.data / 2.0, 2)
    indices = np.repeat(A.indices, 2)
    B = sp.csr_matrix((data, indices, A.indptr * 2), shape=A.shape)
    assert not B.has_canonical_format
    fits = [GDRegressor(solver="saga", penalty="l1", alpha=0.05, tol=None,
                        max_iter=3, random_state=0) for _ in range(2)]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits[0].fit(A, y)
        fits[1].fit(B, y)
    assert_allclose(fits[1].coef_, fits[0].coef_, rtol=1e-12)


# ---------------------------------------------------------------------------
# The memory across calls
# ---------------------------------------------------------------------------
def test_partial_fit_continues_the_memory_and_fit_restarts_it():
    X, y = regression(n=80)
    one = GDRegressor(solver="saga", shuffle=False, tol=None, max_iter=3).fit(X, y)
    parts = GDRegressor(solver="saga", shuffle=False, tol=None)
    for _ in range(3):
        parts.partial_fit(X, y)
    assert_allclose(parts.coef_, one.coef_, rtol=1e-13)
    assert_allclose(parts.solver_state_.memory, one.solver_state_.memory, rtol=1e-13)
    # warm_start: from the coefficients, the memory at zero
    warm = GDRegressor(solver="saga", shuffle=False, tol=None, max_iter=1)
    warm.fit(X, y)
    restart = GDRegressor(solver="saga", shuffle=False, tol=None, max_iter=1)
    restart.fit(X, y, coef_init=warm.coef_, intercept_init=warm.intercept_)
    warm.set_params(warm_start=True).fit(X, y)
    assert_allclose(warm.coef_, restart.coef_, rtol=1e-13)
    assert warm.solver_state_.step[0] == X.shape[0]


def test_partial_fit_on_other_rows_restarts_the_memory():
    X, y = regression(n=80)
    reg = GDRegressor(solver="saga", shuffle=False, tol=None)
    reg.partial_fit(X, y)
    with pytest.warns(UserWarning, match="keeps state per row.*40 rows.*80"):
        reg.partial_fit(X[:40], y[:40])
    assert reg.solver_state_.memory.shape == (40, 1)


def test_state_pickles():
    import pickle

    X, y = regression(n=30)
    reg = GDRegressor(solver="saga", tol=None, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    assert_allclose(again.solver_state_.memory, reg.solver_state_.memory)
    again.partial_fit(X, y)
    reg.partial_fit(X, y)
    assert_allclose(again.coef_, reg.coef_)


def test_the_schedule_is_ignored_and_optimal_needs_no_alpha():
    X, y = classification()
    fits = [
        GDClassifier(solver="saga", loss="log_loss", tol=None, max_iter=2,
                     random_state=0, **params)
        for params in ({}, dict(learning_rate="constant", eta0=5.0),
                       dict(learning_rate="optimal", alpha=0.0, penalty=None))
    ]  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for clf in fits[:2]:
            clf.fit(X, y)
        fits[2].fit(X, y)
    assert_allclose(fits[0].coef_, fits[1].coef_)


# ---------------------------------------------------------------------------
# What SAGA refuses
# ---------------------------------------------------------------------------
X_SMALL = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
Y_REG = np.array([0.0, 1.0, 1.0, 2.0])
Y_CLF = np.array([0, 1, 1, 0])


@pytest.mark.parametrize(
    "est, match",
    [
        (GDRegressor(solver="saga", batch_size=8), "batch_size=1"),
        (GDRegressor(solver="saga", batch_size="full"), "batch_size=1"),
        (GDClassifier(solver="saga"), "loss='hinge'.*squared_hinge"),
        (GDClassifier(solver="saga", loss="perceptron"), "'perceptron'"),
        (GDRegressor(solver="saga", loss="epsilon_insensitive"), "Lipschitz"),
        (GDRegressor(solver="saga", clip_norm=1.0), "clip_norm=None"),
        (GDRegressor(solver="saga", clip_value=1.0), "clipping"),
        (GDRegressor(solver="saga", average=True), "average=False"),
        (GDRegressor(solver=SAGA(step=20.0), alpha=0.1), "below 1"),
    ],
)
def test_refusals(est, match):
    y = Y_CLF if isinstance(est, GDClassifier) else Y_REG
    with pytest.raises(ValueError, match=match):
        est.fit(X_SMALL, y)
    assert getattr(est, "coef_", None) is None  # refused before any allocation
    with pytest.raises(ValueError, match=match):
        if isinstance(est, GDClassifier):
            est.partial_fit(X_SMALL, y, classes=[0, 1])
        else:
            est.partial_fit(X_SMALL, y)


@pytest.mark.parametrize("step", [0.0, -1.0, "big", None])
def test_bad_step(step):
    with pytest.raises(InvalidParameterError, match="'step' parameter of SAGA"):
        GDRegressor(solver=SAGA(step=step)).fit(X_SMALL, Y_REG)


def test_registered_and_numpy_update_refused():
    assert isinstance(get_solver("saga"), SAGA)
    state = SAGA().init_state(3, np.float64, n_rows=4, n_out=2)
    assert state.memory.shape == (4, 2) and state.grad_sum.shape == (3,)
    with pytest.raises(NotImplementedError, match="row pass"):
        SAGA().update(np.zeros(3), state)


def test_a_too_large_step_is_named_in_the_divergence_advice():
    from skgd.exceptions import DivergenceWarning

    X, y = regression(n=100, nf=5)
    reg = GDRegressor(solver=SAGA(step=50.0), penalty=None, tol=None, max_iter=20)
    with pytest.warns(DivergenceWarning, match="step='auto'") as record:
        reg.fit(X, y)
    assert "eta0" not in str(record[0].message)
