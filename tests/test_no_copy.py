"""No copy of X: the compiled kernels read X's own buffer, and a fit that
starts from non-zero coefficients (partial_fit after the first call,
warm_start, coef_init) needs no more memory than one from zero.
(tests/test_regressor.py checks a plain fit from zero.)"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from skgd import GDClassifier, GDRegressor
from skgd._jit._compile import Kernel


def _data(fmt, dtype, n_samples=4000, n_features=500, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features).astype(dtype)
    y = X[:, :5].sum(axis=1) + 0.1 * rng.randn(n_samples)
    if fmt == "csr":
        X[np.abs(X) < 1.0] = 0.0
        X = sp.csr_matrix(X)
        size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    else:
        size = X.nbytes
    return X, y, size


def _buffers(X):
    arrays = (X.data, X.indices) if sp.issparse(X) else (X,)
    return {a.__array_interface__["data"][0] for a in arrays}


def _starts(kind):
    """(estimator, the call measured), the estimator already fitted once
    where the call continues from its coefficients."""
    common = dict(max_iter=2, tol=None, random_state=0)
    if kind == "partial_fit":
        est = GDRegressor(**common)
        return est, lambda X, y: est.partial_fit(X, y)
    if kind == "warm_start":
        est = GDRegressor(warm_start=True, **common)
        return est, lambda X, y: est.fit(X, y)
    if kind == "coef_init":
        est = GDRegressor(**common)
        return est, lambda X, y: est.fit(X, y, coef_init=np.full(X.shape[1], 0.1))
    if kind == "adam partial_fit":
        est = GDRegressor(solver="adam", batch_size=32, eta0=1e-3, **common)
        return est, lambda X, y: est.partial_fit(X, y)
    if kind == "multi-output partial_fit":
        est = GDRegressor(solver="adam", batch_size=32, eta0=1e-3, **common)
        return est, lambda X, y: est.partial_fit(X, np.c_[y, -y])
    if kind == "classifier partial_fit":
        est = GDClassifier(
            loss="squared_hinge", learning_rate="constant", eta0=1e-4, **common
        )
        return est, lambda X, y: est.partial_fit(X, (y > 0).astype(int), [0, 1])
    est = GDClassifier(loss="log_loss", multi_class="multinomial", **common)
    est.set_params(solver="adam", batch_size=32, eta0=1e-3)
    return est, lambda X, y: est.fit(X, np.digitize(y, [-1.0, 1.0]))


KINDS = [
    "partial_fit",
    "warm_start",
    "coef_init",
    "adam partial_fit",
    "multi-output partial_fit",
    "classifier partial_fit",
    "multinomial fit",
]


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", KINDS)
def test_kernels_receive_the_buffer_of_X(fmt, dtype, kind, monkeypatch):
    X, y, _ = _data(fmt, dtype, n_samples=300, n_features=40)
    est, call = _starts(kind)
    seen = []

    call_kernel = Kernel.__call__

    def recording(self, *args):
        for a in args:  # arrays, and the arrays of records
            fields = a if isinstance(a, tuple) else (a,)
            seen.extend(f for f in fields if isinstance(f, np.ndarray))
        return call_kernel(self, *args)

    monkeypatch.setattr(Kernel, "__call__", recording)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        call(X, y)
        call(X, y)
    received = {a.__array_interface__["data"][0] for a in seen if a.size}
    assert seen, "no call of a kernel of skgd._jit was seen"
    assert _buffers(X) <= received


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", KINDS)
def test_warm_starts_make_no_copy_of_X(fmt, dtype, kind):
    """Peak of the numpy allocations of a call that continues from non-zero
    coefficients: under 10% of X plus 16 vectors of n_samples and of
    n_features floats; a copy of X (or a float64 cast of a float32 X) would
    be several times that."""
    X, y, size = _data(fmt, dtype)
    est, call = _starts(kind)
    n_samples, n_features = X.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        call(X[:100], y[:100])  # compile and import outside the measurement
        call(X, y)
        tracemalloc.start()
        try:
            call(X, y)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 0.1 * size + 16 * 8 * (n_samples + n_features)
