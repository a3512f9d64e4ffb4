"""FTRL-Proximal: step by step against a plain-numpy Algorithm 1 (McMahan et
al. 2013), exact zeros, sparse against dense, continuation, its parameters."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError
from test_solvers import make_data

from skgd import GDClassifier, GDRegressor
from skgd.solvers import FTRL, get_solver

PENALTIES = {
    "none": dict(penalty=None),
    "l2": dict(penalty="l2", alpha=0.05),
    "l1": dict(penalty="l1", alpha=10.0),
    "elasticnet": dict(penalty="elasticnet", alpha=10.0, l1_ratio=0.6),
}
ETA0 = 0.3


def strengths(penalty=None, alpha=0.0001, l1_ratio=0.15):
    """(l1, l2) of the estimator's penalty."""
    share = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[penalty]
    if penalty is None:
        return 0.0, 0.0
    return alpha * share, alpha * (1.0 - share)


def loss_derivative(kind, pred, y):
    """d loss / d prediction, row by output (``y``: targets, +-1 labels of
    each output, or class indices for ``"multinomial"``)."""
    if kind == "squared_error":
        return pred - y
    if kind == "log_loss":
        return -y / (1.0 + np.exp(y * pred))
    e = np.exp(pred - pred.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - np.eye(pred.shape[1])[y]


def naive_ftrl(X, y, kind, n_out, epochs, batch_size, eta, l1, l2, beta=1.0,
               power=-0.5, initial=0.0, sample_weight=None):  # fmt: skip
    """Algorithm 1 of the paper on the rows in order, one update per batch of
    ``batch_size`` rows (its mean gradient), the intercept unpenalized.
    Returns (coef of shape (n_out, n_features), intercept, n)."""
    n_rows, nf = X.shape
    sw = np.ones(n_rows) if sample_weight is None else sample_weight
    W = np.zeros((nf + 1, n_out))  # the last row: the intercepts
    Z = np.zeros_like(W)
    N = np.full_like(W, initial)
    L1 = np.zeros_like(W)
    L2 = np.zeros_like(W)
    L1[:nf], L2[:nf] = l1, l2
    Xb = np.hstack([X, np.ones((n_rows, 1))])
    for _ in range(epochs):
        for start in range(0, n_rows, batch_size):
            rows = slice(start, start + batch_size)
            d = loss_derivative(kind, Xb[rows] @ W, y[rows]) * sw[rows, None]
            g = Xb[rows].T @ d / Xb[rows].shape[0]
            N_new = N + g * g
            sigma = (N_new**-power - N**-power) / eta
            Z += g - sigma * W
            N = N_new
            W = np.where(
                np.abs(Z) <= L1, 0.0,
                -(Z - np.sign(Z) * L1) / ((beta + N ** -power) / eta + L2),
            )  # fmt: skip
    return W[:nf].T, W[nf], N[:nf].T


def classification(n=60, nf=6, n_classes=2, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, nf)) * (rng.random((n, nf)) < 0.5)
    scores = X @ rng.normal(size=(nf, n_classes)) + rng.normal(size=(n, n_classes))
    return X, np.argmax(scores, axis=1)


def layout(X, kind, dtype=np.float64):
    X = X.astype(dtype)
    return sp.csr_matrix(X) if kind == "csr" else X


def fit(est, X, y, epochs, **kwargs):
    """``epochs`` passes in row order through ``partial_fit``."""
    for _ in range(epochs):
        est.partial_fit(X, y, **kwargs)
    return est


def ftrl_params(**params):
    base = dict(solver="ftrl", eta0=ETA0, learning_rate="constant", shuffle=False,
                tol=None)  # fmt: skip
    return {**base, **params}


# ---------------------------------------------------------------------------
# Step by step against the numpy Algorithm 1
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", [1, 7])
@pytest.mark.parametrize("penalty", list(PENALTIES))
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_regressor_matches_algorithm_1(kind, penalty, batch_size, dtype):
    X, y, _ = make_data()
    params = PENALTIES[penalty]
    coef, intercept, n = naive_ftrl(X, y[:, None], "squared_error", 1, 3,
                                    batch_size, ETA0, *strengths(**params))  # fmt: skip
    reg = GDRegressor(batch_size=batch_size, **ftrl_params(**params))
    fit(reg, layout(X, kind, dtype), y, 3)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    assert reg.coef_.dtype == dtype
    assert_allclose(reg.coef_, coef[0], rtol=tol, atol=tol)
    assert_allclose(reg.intercept_, intercept, rtol=tol, atol=tol)
    assert_allclose(reg.solver_state_.n[: X.shape[1]], n[0], rtol=tol, atol=tol)
    assert reg.solver_state_.step[0] == 3 * -(-X.shape[0] // batch_size)
    assert_array_equal(reg.coef_ == 0.0, coef[0] == 0.0)  # zeros where it has them


@pytest.mark.parametrize("batch_size", [1, 5])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_sample_weights_match_algorithm_1(kind, batch_size):
    X, y, sw = make_data()
    params = PENALTIES["elasticnet"]
    coef, intercept, _ = naive_ftrl(
        X, y[:, None], "squared_error", 1, 2, batch_size, ETA0, *strengths(**params),
        sample_weight=sw,
    )  # fmt: skip
    reg = GDRegressor(batch_size=batch_size, **ftrl_params(**params))
    fit(reg, layout(X, kind), y, 2, sample_weight=sw)
    assert_allclose(reg.coef_, coef[0], rtol=1e-12, atol=1e-12)
    assert_allclose(reg.intercept_, intercept, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "n_classes, multi_class", [(2, "ovr"), (3, "ovr"), (3, "multinomial")]
)
@pytest.mark.parametrize("batch_size", [1, 8])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet"])
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_classifier_matches_algorithm_1(kind, penalty, batch_size, n_classes,
                                        multi_class):  # fmt: skip
    X, labels = classification(n_classes=n_classes)
    params = dict(PENALTIES[penalty], alpha=4.0)
    if multi_class == "multinomial":
        target, kind_loss, n_out = labels, "multinomial", n_classes
    else:
        n_out = 1 if n_classes == 2 else n_classes
        onehot = np.eye(n_classes)[labels]
        target = (onehot[:, 1:] if n_classes == 2 else onehot) * 2.0 - 1.0
        kind_loss = "log_loss"
    coef, intercept, _ = naive_ftrl(X, target, kind_loss, n_out, 3, batch_size,
                                    ETA0, *strengths(**params))  # fmt: skip
    clf = GDClassifier(loss="log_loss", multi_class=multi_class,
                       batch_size=batch_size, **ftrl_params(**params))  # fmt: skip
    fit(clf, layout(X, kind), labels, 3, classes=np.arange(n_classes))
    assert_allclose(clf.coef_, coef, rtol=1e-12, atol=1e-12)
    assert_allclose(clf.intercept_, intercept, rtol=1e-12, atol=1e-12)
    assert_array_equal(clf.coef_ == 0.0, coef == 0.0)


@pytest.mark.parametrize(
    "model, batch_size, penalty, n_zeros",
    [
        ("regressor", 7, dict(penalty="l1", alpha=10.0), 5),
        ("regressor", 1, dict(penalty="elasticnet", alpha=10.0, l1_ratio=0.6), 1),
        ("binary", 8, dict(penalty="elasticnet", alpha=4.0, l1_ratio=0.6), 4),
        ("ovr", 1, dict(penalty="elasticnet", alpha=4.0, l1_ratio=0.6), 2),
        ("multinomial", 1, dict(penalty="elasticnet", alpha=4.0, l1_ratio=0.6), 4),
    ],
)
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_l1_gives_the_exact_zeros_of_algorithm_1(kind, model, batch_size, penalty,
                                                 n_zeros):  # fmt: skip
    """FTRL's L1 threshold ``|z| <= l1`` acts on the sum of the gradients:
    some coefficients, not all, are exact zeros, as many as Algorithm 1's."""
    if model == "regressor":
        X, y, _ = make_data()
        est = GDRegressor(batch_size=batch_size, **ftrl_params(**penalty))
        fit(est, layout(X, kind), y, 3)
        ref, *_ = naive_ftrl(X, y[:, None], "squared_error", 1, 3, batch_size, ETA0,
                             *strengths(**penalty))  # fmt: skip
    else:
        n_classes = 2 if model == "binary" else 3
        X, labels = classification(n_classes=n_classes)
        onehot = np.eye(n_classes)[labels]
        target, loss, n_out = {
            "binary": (onehot[:, 1:] * 2.0 - 1.0, "log_loss", 1),
            "ovr": (onehot * 2.0 - 1.0, "log_loss", 3),
            "multinomial": (labels, "multinomial", 3),
        }[model]
        est = GDClassifier(
            loss="log_loss", batch_size=batch_size,
            multi_class="multinomial" if model == "multinomial" else "ovr",
            **ftrl_params(**penalty),
        )  # fmt: skip
        fit(est, layout(X, kind), labels, 3, classes=np.arange(n_classes))
        ref, *_ = naive_ftrl(X, target, loss, n_out, 3, batch_size, ETA0,
                             *strengths(**penalty))  # fmt: skip
    assert (ref == 0.0).sum() == n_zeros
    assert (est.coef_ == 0.0).sum() == n_zeros
    assert_array_equal(est.coef_ == 0.0, ref.reshape(est.coef_.shape) == 0.0)


@pytest.mark.parametrize(
    "solver",
    [
        FTRL(learning_rate_power=-0.3, beta=0.5, initial_accumulator_value=0.1),
        FTRL(learning_rate_power=0.0, beta=0.0),
    ],
)
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_hyperparameters_match_algorithm_1(kind, solver):
    """The generalised rate ``alpha / (beta + n**-p)``: TensorFlow's Ftrl."""
    X, y, _ = make_data()
    params = PENALTIES["elasticnet"]
    coef, intercept, _ = naive_ftrl(
        X, y[:, None], "squared_error", 1, 3, 4, ETA0, *strengths(**params),
        beta=solver.beta, power=solver.learning_rate_power,
        initial=solver.initial_accumulator_value,
    )  # fmt: skip
    reg = GDRegressor(batch_size=4, **ftrl_params(**params, solver=solver))
    fit(reg, layout(X, kind), y, 3)
    assert_allclose(reg.coef_, coef[0], rtol=1e-12, atol=1e-12)
    assert_allclose(reg.intercept_, intercept, rtol=1e-12, atol=1e-12)


def test_the_penalty_is_not_applied_twice_and_the_intercept_is_free():
    """With an L1 strength above every gradient sum, every coefficient stays
    an exact zero (no truncation or L2 decay on top) while z moves, and the
    unpenalized intercept follows the fit of the intercept alone."""
    X, y, _ = make_data()
    params = ftrl_params(batch_size="full", max_iter=50, eta0=5.0)
    reg = GDRegressor(penalty="l1", alpha=1e6, **params).fit(X, y + 10.0)
    alone = GDRegressor(penalty=None, **params).fit(np.zeros_like(X), y + 10.0)
    assert_array_equal(reg.coef_, 0.0)
    assert np.abs(reg.solver_state_.z[: X.shape[1]]).min() > 0.0
    assert_allclose(reg.intercept_, alone.intercept_, rtol=1e-12)
    assert reg.intercept_[0] == pytest.approx(np.mean(y + 10.0), rel=1e-2)


# ---------------------------------------------------------------------------
# Sparse input
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lazy", ["auto", True, False])
@pytest.mark.parametrize("batch_size", [1, 6, "full"])
def test_csr_equals_dense(batch_size, lazy):
    """A zero gradient changes neither z nor n: with a constant rate, lazy
    sparse updates are exact, penalties included."""
    X, y, sw = make_data()
    params = ftrl_params(**PENALTIES["elasticnet"], batch_size=batch_size,
                         solver=FTRL(lazy=lazy), shuffle=True, random_state=0,
                         max_iter=4)  # fmt: skip
    dense = GDRegressor(**params).fit(X, y, sample_weight=sw)
    csr = GDRegressor(**params).fit(sp.csr_matrix(X), y, sample_weight=sw)
    assert_allclose(csr.coef_, dense.coef_, rtol=1e-13, atol=1e-14)
    assert_allclose(csr.intercept_, dense.intercept_, rtol=1e-13, atol=1e-14)
    assert_array_equal(csr.coef_ == 0.0, dense.coef_ == 0.0)


@pytest.mark.parametrize("lazy", ["auto", False])
@pytest.mark.parametrize("learning_rate", ["invscaling", "optimal"])
@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_csr_equals_dense_under_a_changing_rate(penalty, learning_rate, lazy):
    """A zero gradient leaves a coefficient where it is at any rate: the
    columns a batch skips owe nothing, whatever the schedule and penalty."""
    X, y, _ = make_data()
    params = ftrl_params(**PENALTIES[penalty], learning_rate=learning_rate,
                         power_t=0.5, max_iter=3, solver=FTRL(lazy=lazy))  # fmt: skip
    dense = GDRegressor(**params).fit(X, y)
    csr = GDRegressor(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(csr.coef_, dense.coef_, rtol=1e-12, atol=1e-14)
    assert_array_equal(csr.coef_ == 0.0, dense.coef_ == 0.0)


@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("penalty", list(PENALTIES))
def test_a_smaller_rate_keeps_the_coefficients(kind, penalty):
    """sigma is the change of the inverse of the coordinate's rate since its
    last update: an update of zero gradient at a rate 5 times smaller
    leaves every coefficient where it was."""
    X, y, _ = make_data()
    reg = GDRegressor(**ftrl_params(**PENALTIES[penalty]))
    reg.partial_fit(layout(X, kind), y)
    before = reg.coef_.copy(), reg.intercept_.copy()
    reg.set_params(eta0=ETA0 / 5)
    reg.partial_fit(layout(X[:1] * 0.0, kind), reg.intercept_)
    assert_allclose(reg.coef_, before[0], rtol=1e-12)
    assert_allclose(reg.intercept_, before[1], rtol=1e-12)


# ---------------------------------------------------------------------------
# Continuation, parameters
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_partial_fit_continues_one_longer_fit(kind):
    X, y, _ = make_data()
    Xl = layout(X, kind)
    params = ftrl_params(**PENALTIES["l1"], batch_size=3)
    one = GDRegressor(max_iter=4, **params).fit(Xl, y)
    calls = fit(GDRegressor(**params), Xl, y, 4)
    assert_array_equal(calls.coef_, one.coef_)
    assert_array_equal(calls.intercept_, one.intercept_)
    assert_array_equal(calls.solver_state_.z, one.solver_state_.z)
    assert_array_equal(calls.solver_state_.n, one.solver_state_.n)


def test_name_and_state():
    assert get_solver("ftrl").get_params() == FTRL().get_params()
    state = FTRL(initial_accumulator_value=0.5).init_state(3, np.float32)
    assert state.z.dtype == state.n.dtype == np.float32
    assert_array_equal(state.n, 0.5)
    assert FTRL.base_rate == 0.1


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(learning_rate_power=0.5), "learning_rate_power"),
        (dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
        (dict(beta=-0.1), "beta"),
        (dict(lazy="sometimes"), "lazy"),
    ],
)
def test_parameter_errors(params, match):
    X, y, _ = make_data()
    with pytest.raises(InvalidParameterError, match=match):
        GDRegressor(solver=FTRL(**params)).fit(X, y)


def test_numpy_update_is_refused():
    state = FTRL().init_state(2, np.float64)
    with pytest.raises(NotImplementedError, match="compiled kernels only"):
        FTRL().update(np.ones(2), state)


def test_auto_eta0_converges():
    """``eta0="auto"``: the base rate 0.1 (times the square root of the
    batch size and the targets' scale) reaches the least-squares fit."""
    X, y, _ = make_data(n_samples=200)
    reg = GDRegressor(solver="ftrl", penalty=None, batch_size=8, random_state=0,
                      max_iter=300).fit(X, y)  # fmt: skip
    best = np.linalg.lstsq(np.hstack([X, np.ones((200, 1))]), y, rcond=None)[0]
    assert_allclose(reg.coef_, best[:-1], atol=0.05)
