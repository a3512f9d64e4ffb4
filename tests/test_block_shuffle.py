"""``shuffle_block_size``: each epoch visits blocks of consecutive rows in a
random order, the rows of a block in order."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.utils._param_validation import InvalidParameterError

import skgd._driver
from skgd import GDClassifier, GDRegressor


def _data(n_samples=203, n_features=5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X[rng.rand(n_samples, n_features) < 0.4] = 0.0
    y = X @ rng.randn(n_features) + 0.1 * rng.randn(n_samples)
    return X, y


@pytest.fixture
def recorded_orders(monkeypatch):
    """The row order of every epoch that uses blocks, as fit computed it."""
    orders = []
    original = skgd._driver.block_order

    def record(*args):
        order = original(*args)
        orders.append(order.copy())
        return order

    monkeypatch.setattr(skgd._driver, "block_order", record)
    return orders


@pytest.mark.parametrize("n_samples, block", [(203, 16), (200, 8), (7, 3), (5, 9)])
def test_order_is_a_permutation_of_whole_blocks(n_samples, block):
    for epoch in range(3):
        order = skgd._driver.block_order(n_samples, block, 42, epoch)
        assert order.dtype == np.int32
        assert_array_equal(np.sort(order), np.arange(n_samples))
        # cut where a block starts: every piece is a run of consecutive rows
        # starting at a multiple of the block size, of full length but for
        # the last block of the data
        pieces = np.split(order, np.flatnonzero(order % block == 0)[1:])
        assert len(pieces) == -(-n_samples // block)
        for piece in pieces:
            assert piece[0] % block == 0
            assert_array_equal(piece, np.arange(piece[0], piece[0] + len(piece)))
            assert len(piece) == min(block, n_samples - piece[0])


def test_epochs_and_seeds_draw_different_orders():
    orders = [skgd._driver.block_order(1000, 10, s, e) for s in (0, 1) for e in (0, 1)]
    for i in range(len(orders)):
        for j in range(i):
            assert not np.array_equal(orders[i], orders[j])
    assert_array_equal(orders[0], skgd._driver.block_order(1000, 10, 0, 0))


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize(
    "ours, theirs, loss",
    [
        (GDRegressor, SGDRegressor, "squared_error"),
        # value and derivative from one exp in this order (_log_loss_pair)
        (GDClassifier, SGDClassifier, "log_loss"),
    ],
)
def test_fit_visits_rows_in_the_block_order(ours, theirs, loss, fmt, recorded_orders):
    # one epoch of scikit-learn's algorithm over the rows in the recorded
    # order, unshuffled, is the same fit
    X, y = _data()
    if loss == "log_loss":
        y = (y > 0).astype(int)
    Xf = sp.csr_matrix(X) if fmt == "csr" else X
    params = dict(loss=loss, max_iter=1, tol=None, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = ours(shuffle_block_size=16, **params).fit(Xf, y)
        (order,) = recorded_orders
        ref = theirs(shuffle=False, **params).fit(Xf[order], y[order])
    assert not np.array_equal(order, np.arange(len(y)))
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-12, atol=1e-14)


def test_one_block_is_the_unshuffled_fit():
    X, y = _data()
    yc = (y > 0).astype(int)
    params = dict(max_iter=5, tol=None, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = GDClassifier(shuffle_block_size=len(y), **params).fit(X, yc)
        ref = SGDClassifier(shuffle=False, **params).fit(X, yc)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-12)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-12)


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="adam", batch_size=8, eta0=0.01),
        dict(solver="momentum", batch_size=1, eta0=0.001),
    ],
)
def test_each_epoch_draws_a_new_order_and_the_fit_converges(params, recorded_orders):
    # a sorted target makes blocks of similar rows, so the order matters;
    # shuffled blocks still reach the ridge solution
    X, y = _data(n_samples=400)
    sort = np.argsort(y)
    X, y = X[sort], y[sort]
    alpha = 1e-3
    est = GDRegressor(
        shuffle_block_size=20, alpha=alpha, max_iter=60, tol=None,
        learning_rate="constant", random_state=0, **params,
    ).fit(X, y)  # fmt: skip
    assert len(recorded_orders) == 60
    assert len({o.tobytes() for o in recorded_orders}) == 60
    # ridge with scikit-learn's scaling: mean squared error / 2 + alpha/2 |w|^2
    Xc = np.column_stack([X, np.ones(len(y))])
    reg = np.diag([alpha] * X.shape[1] + [0.0]) * len(y)
    w = np.linalg.solve(Xc.T @ Xc + reg, Xc.T @ y)
    assert_allclose(est.coef_, w[:-1], atol=0.03)


def test_no_blocks_without_shuffle_or_with_full_batch(recorded_orders):
    X, y = _data()
    GDRegressor(shuffle_block_size=4, shuffle=False, max_iter=3, tol=None).fit(X, y)
    GDRegressor(shuffle_block_size=4, batch_size="full", max_iter=3, tol=None).fit(X, y)
    assert recorded_orders == []


@pytest.mark.parametrize("value", [0, -3, 2.5, "8"])
def test_invalid_block_size(value):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="shuffle_block_size"):
        GDRegressor(shuffle_block_size=value).fit(X, y)
