"""Scaling out on Dask: ``dask_ml.wrappers.Incremental`` over ``partial_fit``,
and the data-parallel full-batch fit of a dask array.

Every result is compared with the in-memory fit it stands for: ``partial_fit``
over the same blocks in the same order, or the in-memory full-batch fit.
The tests that need worker processes share one module-scoped
``LocalCluster`` (loopback only, no dashboard); under pytest-xdist,
tests/conftest.py sends the whole module to one worker process, so that a
parallel run starts a single cluster.
"""

import faulthandler
import subprocess
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
dask_ml_model_selection = pytest.importorskip("dask_ml.model_selection")

import dask  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from skgd import GDClassifier, GDRegressor  # noqa: E402

Incremental = dask_ml_wrappers.Incremental

CHUNK = 60
SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
#: whole-fit bound for the tests on the cluster: a hung cluster fails the run
CLUSTER_TIMEOUT = 240


@pytest.fixture(scope="module")
def client():
    # a watchdog: a cluster that hangs (start, task, close) ends the test
    # process with every thread's traceback instead of blocking the run
    faulthandler.dump_traceback_later(CLUSTER_TIMEOUT, exit=True)
    cluster = None
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": "60s"}):
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            with distributed.Client(cluster) as client:
                client.wait_for_workers(2, timeout=120)
                yield client
    finally:
        if cluster is not None:
            cluster.close(timeout=60)
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def threads():
    """The local threaded scheduler, even when a Client exists."""
    with dask.config.set(scheduler="threads"):
        yield


def regression_data(n_targets=None, n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5)
    coef = rng.randn(5) if n_targets is None else rng.randn(5, n_targets)
    y = X @ coef + 0.3 + 0.1 * rng.randn(*np.shape(X @ coef))
    return X, y


def blocks(*arrays):
    """The dask arrays of ``arrays``, in row chunks of ``CHUNK``."""
    return [da.from_array(a, chunks=(CHUNK,) + np.shape(a)[1:]) for a in arrays]


def partial_fits(est, X, y, **kwargs):
    """In-memory ``partial_fit`` over the row blocks of ``blocks``, in order."""
    for start in range(0, X.shape[0], CHUNK):
        sl = slice(start, start + CHUNK)
        est.partial_fit(X[sl], y[sl], **kwargs)
    return est


def assert_same_fit(got, expected, rtol=1e-10):
    assert got.n_iter_ == expected.n_iter_
    assert got.t_ == expected.t_
    assert_allclose(got.coef_, expected.coef_, rtol=rtol, atol=1e-13)
    assert_allclose(got.intercept_, expected.intercept_, rtol=rtol, atol=1e-13)
    curves = got.loss_curve_, expected.loss_curve_
    if np.ndim(expected.loss_curve_[0]) == 0:  # one problem, not one per class
        curves = [got.loss_curve_], [expected.loss_curve_]
    for curve, expected_curve in zip(*curves, strict=True):
        assert_allclose(curve, expected_curve, rtol=rtol)


# ---------------------------------------------------------------------------
# import skgd never imports dask
# ---------------------------------------------------------------------------
def test_import_and_numpy_fit_do_not_import_dask():
    code = (
        "import sys\n"
        "import numpy as np\n"
        "import skgd\n"
        "X = np.random.RandomState(0).randn(20, 3)\n"
        "skgd.GDRegressor(batch_size='full', max_iter=3, tol=None)"
        ".fit(X, X[:, 0])\n"
        "skgd.GDClassifier(max_iter=3, tol=None).fit(X, X[:, 0] > 0)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'dask_ml')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ---------------------------------------------------------------------------
# full batch on a dask array equals the in-memory full-batch fit
# ---------------------------------------------------------------------------
#: every solver without options, and each group of options with a few solvers
FULL_BATCH_CASES = [(solver, {}) for solver in SOLVERS] + [
    (solver, params)
    for params, solvers in [
        ({"penalty": "elasticnet", "alpha": 0.01, "average": 4}, ["sgd", "adam"]),
        ({"penalty": "l1", "alpha": 0.01, "clip_value": 0.5}, ["momentum", "adamw"]),
        ({"clip_norm": 0.5, "fit_intercept": False}, ["nesterov", "rmsprop"]),
        ({"learning_rate": "adaptive", "restore_best_weights": True}, ["sgd", "adam"]),
        ({"learning_rate": "invscaling", "loss": "huber"}, ["sgd", "adagrad"]),
        ({"learning_rate": "cosine", "warmup_epochs": 2}, ["adam", "adamw"]),
    ]
    for solver in solvers
]


@pytest.mark.parametrize("solver, params", FULL_BATCH_CASES)
def test_full_batch_regressor(solver, params, threads):
    X, y = regression_data()
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=y.shape[0])
    kwargs = dict(
        batch_size="full", solver=solver, eta0=0.05, learning_rate="constant",
        max_iter=25, tol=1e-4, n_iter_no_change=3,
    )  # fmt: skip
    kwargs.update(params)
    Xd, swd = blocks(X, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = GDRegressor(**kwargs).fit(X, y, sample_weight=sw)
        got = GDRegressor(**kwargs).fit(Xd, y, sample_weight=swd)
    assert_same_fit(got, expected)
    state, expected_state = got.solver_state_, expected.solver_state_
    assert type(state) is type(expected_state)
    for a, b in zip(state, expected_state):
        assert_allclose(a, b, rtol=1e-10, atol=1e-13)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_full_batch_regressor_more_inputs(threads):
    """Multi-output, a dask y, coef_init (the divergence guard's objective
    at the initial coefficients is computed blockwise), float32, and a
    dask DataFrame with its feature names."""
    X, Y = regression_data(n_targets=3)
    kwargs = dict(batch_size="full", solver="adam", eta0=0.05, max_iter=30)
    Xd, Yd = blocks(X, Y)
    assert_same_fit(GDRegressor(**kwargs).fit(Xd, Yd), GDRegressor(**kwargs).fit(X, Y))

    X, y = regression_data()
    init = np.full(X.shape[1], 0.1)
    expected = GDRegressor(**kwargs).fit(X, y, coef_init=init, intercept_init=1.0)
    got = GDRegressor(**kwargs).fit(blocks(X)[0], y, coef_init=init, intercept_init=1.0)
    assert_same_fit(got, expected)

    # partial_fit with batch_size="full": one full-batch epoch a call
    expected = GDRegressor(**kwargs)
    got = GDRegressor(**kwargs)
    for _ in range(3):
        expected.partial_fit(X, y)
        got.partial_fit(blocks(X)[0], y)
    assert_same_fit(got, expected)

    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    got = GDRegressor(**kwargs).fit(blocks(X32)[0], y32)
    expected = GDRegressor(**kwargs).fit(X32, y32)
    assert got.coef_.dtype == np.float32
    assert_same_fit(got, expected, rtol=1e-4)
    # partial_fit on float32 blocks after float64 ones: the model stays float64
    got = GDRegressor(**kwargs).partial_fit(blocks(X)[0], y)
    expected = GDRegressor(**kwargs).partial_fit(X, y)
    got.partial_fit(blocks(X32)[0], y32)
    expected.partial_fit(X32, y32)
    assert got.coef_.dtype == np.float64
    assert_same_fit(got, expected)

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    ddf = dd.from_pandas(frame, npartitions=4)
    got = GDRegressor(**kwargs).fit(ddf, dd.from_pandas(pd.Series(y), npartitions=4))
    expected = GDRegressor(**kwargs).fit(frame, y)
    assert_array_equal(got.feature_names_in_, frame.columns)
    assert_same_fit(got, expected)


@pytest.mark.parametrize("solver", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize(
    "n_classes, params",
    [
        (2, {"loss": "hinge"}),
        (2, {"loss": "squared_hinge", "class_weight": "balanced"}),
        (3, {"loss": "modified_huber", "average": 2}),
        (3, {"loss": "log_loss", "multi_class": "multinomial"}),
        (4, {"loss": "log_loss", "multi_class": "multinomial",
             "class_weight": "balanced", "clip_norm": 1.0}),
    ],
)  # fmt: skip
def test_full_batch_classifier(solver, n_classes, params, threads):
    X, y = regression_data()
    labels = np.digitize(y, np.quantile(y, np.linspace(0, 1, n_classes + 1)[1:-1]))
    labels = np.array(["a", "b", "c", "d"])[labels]
    kwargs = dict(batch_size="full", solver=solver, eta0=0.05, max_iter=20)
    kwargs.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = GDClassifier(**kwargs).fit(X, labels)
        got = GDClassifier(**kwargs).fit(blocks(X)[0], labels)
    assert_array_equal(got.classes_, expected.classes_)
    # the blocks change the order of the gradient's sum; Adam's normalised
    # steps carry that rounding of nearly cancelled components a little
    # further than the regressor's tests (1e-9 here after 20 epochs)
    assert_same_fit(got, expected, rtol=1e-8)


@pytest.mark.parametrize("Estimator", [GDRegressor, GDClassifier])
def test_full_batch_errors(Estimator, threads):
    X, y = regression_data()
    y = y > 0
    Xd = blocks(X)[0]
    fix = "requires batch_size='full', got batch_size=.*dask_ml.wrappers.Incremental"
    for batch_size in [1, 32]:
        with pytest.raises(ValueError, match=fix):
            Estimator(batch_size=batch_size).fit(Xd, y)
    classes = {"classes": [False, True]} if Estimator is GDClassifier else {}
    with pytest.raises(ValueError, match=fix):
        Estimator().partial_fit(Xd, y, **classes)
    with pytest.raises(ValueError, match="early_stopping=True is not supported"):
        Estimator(batch_size="full", early_stopping=True).fit(Xd, y)
    sparse = Xd.map_blocks(sp.csr_matrix)
    with pytest.raises(TypeError, match="dense numpy blocks"):
        Estimator(batch_size="full").fit(sparse, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Estimator(batch_size="full").fit(Xd, y[:-1])


# ---------------------------------------------------------------------------
# on a LocalCluster: Incremental, GridSearchCV(Incremental), full batch
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("frame", [False, True])
@pytest.mark.parametrize(
    "params",
    [
        {},  # scikit-learn's per-sample SGD
        {"solver": "adam", "batch_size": 16, "eta0": 0.01, "average": 50},
        {"solver": "rmsprop", "batch_size": 8, "eta0": 0.01, "clip_norm": 1.0},
    ],
)
def test_incremental_regressor(client, params, frame):
    X, y = regression_data()
    est = GDRegressor(random_state=0, **params)
    if frame:
        Xd = dd.from_pandas(pd.DataFrame(X), chunksize=CHUNK)
        yd = dd.from_pandas(pd.Series(y), chunksize=CHUNK)
    else:
        Xd, yd = blocks(X, y)
    inc = Incremental(est, shuffle_blocks=False).fit(Xd, yd)
    expected = partial_fits(GDRegressor(random_state=0, **params), X, y)
    got = inc.estimator_
    assert got.t_ == expected.t_
    assert_allclose(got.coef_, expected.coef_, rtol=1e-12)
    assert_allclose(got.intercept_, expected.intercept_, rtol=1e-12)
    for a, b in zip(got.solver_state_, expected.solver_state_):
        assert_allclose(a, b, rtol=1e-12)
    if frame:  # dask-ml's metrics fail on dask DataFrames upstream
        return
    # the default (R²) score fails upstream: pass scoring=
    scored = Incremental(
        GDRegressor(random_state=0, **params),
        shuffle_blocks=False,
        scoring="neg_mean_squared_error",
    ).fit(Xd, yd)
    mse = np.mean((expected.predict(X) - y) ** 2)
    assert_allclose(scored.score(Xd, yd), -mse, rtol=1e-10)


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_incremental_classifier(client, multi_class):
    X, y = regression_data()
    labels = np.digitize(y, [-1.0, 1.0])
    params = dict(
        loss="log_loss", multi_class=multi_class, solver="adam", batch_size=8,
        eta0=0.01, random_state=0,
    )  # fmt: skip
    Xd, yd = blocks(X, labels)
    inc = Incremental(GDClassifier(**params), shuffle_blocks=False)
    inc.fit(Xd, yd, classes=[0, 1, 2])
    expected = partial_fits(GDClassifier(**params), X, labels, classes=[0, 1, 2])
    assert_allclose(inc.estimator_.coef_, expected.coef_, rtol=1e-12)
    assert_allclose(inc.estimator_.intercept_, expected.intercept_, rtol=1e-12)
    assert inc.estimator_.t_ == expected.t_
    assert_allclose(inc.score(Xd, yd), expected.score(X, labels))


def test_grid_search_incremental(client):
    X, y = regression_data()
    Xd, yd = blocks(X, y)
    base = GDRegressor(solver="adam", batch_size=16, random_state=0)
    inc = Incremental(base, shuffle_blocks=False, scoring="neg_mean_squared_error")
    search = dask_ml_model_selection.GridSearchCV(
        inc, {"estimator__eta0": [0.1, 1e-4]}, cv=2
    ).fit(Xd, yd)
    assert search.best_params_ == {"estimator__eta0": 0.1}
    # dask-ml's search hands each fit its training rows as one numpy array:
    # the refit is one partial_fit over all the rows
    best = search.best_estimator_.estimator_
    expected = base.set_params(eta0=0.1).partial_fit(X, y)
    assert_allclose(best.coef_, expected.coef_, rtol=1e-12)
    assert_allclose(best.solver_state_.m, expected.solver_state_.m, rtol=1e-12)


def test_full_batch_on_cluster(client):
    # four blocks: each epoch is a round trip through the scheduler per block;
    # a persisted X (the targets and weights go to the blocks' workers), then
    # a lazy one
    X, y = regression_data(n=1000)
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=y.shape[0])
    Xd = da.from_array(X, chunks=(250, 5)).persist()
    yd = da.from_array(y, chunks=250)
    kwargs = dict(
        batch_size="full", solver="adam", eta0=0.05, average=5, max_iter=10, tol=None
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = GDRegressor(**kwargs).fit(X, y, sample_weight=sw)
        got = GDRegressor(**kwargs).fit(Xd, yd, sample_weight=sw)
    assert_same_fit(got, expected)
    Xd = da.from_array(X, chunks=(250, 5))
    labels = np.digitize(y, [-1.0, 1.0])
    kwargs = dict(
        batch_size="full", loss="log_loss", multi_class="multinomial", max_iter=10,
        tol=None,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = GDClassifier(**kwargs).fit(X, labels)
        got = GDClassifier(**kwargs).fit(Xd, da.from_array(labels, chunks=250))
    assert_same_fit(got, expected)


@pytest.mark.parametrize("loss", ["poisson", "quantile"])
def test_full_batch_of_skgds_own_losses_is_the_in_memory_fit(threads, loss):
    """The start at the best constant and the GLM target check see the
    whole dask array."""
    X, _ = regression_data(n=600)
    y = np.random.RandomState(1).poisson(np.exp(0.3 * X[:, 0] + 0.5)).astype(float)
    Xd, yd = blocks(X, y)
    params = dict(loss=loss, batch_size="full", random_state=0)
    expected = GDRegressor(**params).fit(X, y)
    assert_same_fit(GDRegressor(**params).fit(Xd, yd), expected)
    if loss == "poisson":
        with pytest.raises(ValueError, match="'HalfPoissonLoss'"):
            GDRegressor(**params).fit(Xd, -yd - 1.0)


# ---------------------------------------------------------------------------
# upstream failures (dask-ml 2025.1.0 with dask / distributed 2026.8.0),
# documented in docs/scaling.rst: these tests fail while upstream does
# ---------------------------------------------------------------------------
@pytest.mark.xfail(
    raises=ValueError,
    strict=True,
    reason="dask-ml's R² scorer fails on a predicted dask array with unknown "
    "block lengths: 'cannot broadcast shape (nan,)'",
)
def test_upstream_incremental_r2_scoring_regressor(client):
    X, y = regression_data()
    Xd, yd = blocks(X, y)
    inc = Incremental(GDRegressor(), scoring="r2", shuffle_blocks=False)
    inc.fit(Xd, yd).score(Xd, yd)


def test_incremental_default_score_is_the_regressors(client):
    """Without ``scoring``, Incremental calls GDRegressor.score (R², or D² for
    a log-link loss), which scores the blocks in memory."""
    X, y = regression_data()
    Xd, yd = blocks(X, y)
    inc = Incremental(GDRegressor(), shuffle_blocks=False).fit(Xd, yd)
    assert inc.score(Xd, yd) == pytest.approx(inc.estimator_.score(X, y), rel=1e-12)
    counts = np.random.RandomState(0).poisson(np.exp(0.3 * X[:, 0]))
    _, cd = blocks(X, counts.astype(float))
    inc = Incremental(GDRegressor(loss="poisson"), shuffle_blocks=False).fit(Xd, cd)
    expected = inc.estimator_.score(X, counts.astype(float))
    assert inc.score(Xd, cd) == pytest.approx(expected, rel=1e-12)


@pytest.mark.xfail(
    raises=RuntimeError,
    strict=True,
    reason="dask-ml's IncrementalSearchCV calls dask.compute inside the "
    "client's event loop: 'Attempting to use an asynchronous Client in a "
    "synchronous context'",
)
def test_upstream_incremental_search_cv(client):
    X, y = regression_data()
    Xd, yd = blocks(X, y)
    search = dask_ml_model_selection.IncrementalSearchCV(
        GDRegressor(solver="adam", batch_size=16),
        {"eta0": [0.1, 1e-3]},
        n_initial_parameters=2,
        max_iter=2,
        decay_rate=None,
        scoring="neg_mean_squared_error",
        random_state=0,
    )
    search.fit(Xd, yd)


# ---------------------------------------------------------------------------
# scikit-learn's callbacks see the epochs of a full-batch fit on dask
# ---------------------------------------------------------------------------
class _EpochRecorder:
    """Records each epoch's coefficients; asks to stop after ``stop_after``."""

    def __init__(self, stop_after):
        self.stop_after = stop_after
        self.epochs = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):  # fmt: skip
        if context.task_name != "epoch":
            return False
        self.epochs.append((type(X).__module__, fitted_estimator.coef_.copy()))
        return context.task_id + 1 >= self.stop_after


def test_full_batch_callbacks(threads):
    pytest.importorskip("sklearn.callback")
    X, y = regression_data()
    kwargs = dict(batch_size="full", solver="adam", eta0=0.05, max_iter=10, average=2)
    got, expected = _EpochRecorder(3), _EpochRecorder(3)
    fit = GDRegressor(**kwargs).set_callbacks(got).fit(blocks(X)[0], y)
    ref = GDRegressor(**kwargs).set_callbacks(expected).fit(X, y)
    assert fit.n_iter_ == ref.n_iter_ == 3
    assert [module.split(".")[0] for module, _ in got.epochs] == ["dask"] * 3
    for (_, coef), (_, expected_coef) in zip(got.epochs, expected.epochs, strict=True):
        assert_allclose(coef, expected_coef, rtol=1e-10)
    assert_same_fit(fit, ref)
