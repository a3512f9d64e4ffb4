"""GDRegressor's contract: scikit-learn's API, errors and warnings, skgd's
axes, divergence, persistence and data handling."""

import inspect
import io
import pickle
import re
import tracemalloc
import warnings
from contextlib import redirect_stdout

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import error_of, normalise
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skgd import GDClassifier, GDRegressor, _jit, _paths
from skgd._codes import SKGD_REGRESSION_LOSSES
from skgd._jit import _step
from skgd.solvers import Adam, AdamState, Momentum

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
BATCH_SIZES = [1, 32, "full"]
#: scikit-learn's parameters whose skgd default is "auto": scikit-learn's
#: value for its per-sample algorithm (the drop-in), the data's elsewhere
AUTO_PARAMS = ("eta0", "learning_rate", "tol", "n_iter_no_change")

SKGD_PARAMS = {
    "solver": "sgd",
    "batch_size": 1,
    "clip_norm": None,
    "clip_value": None,
    "gamma": 0.9,
    "step_size": 10,
    "eta_min": 0.0,
    "warmup_epochs": 0,
    "restore_best_weights": False,
    "keep_adaptive_state": False,
    "shuffle_block_size": None,
    "sparse_intercept_decay": "auto",
    "quantile": 0.5,
    "power": 1.5,
}


def _suitable(solver, batch_size, **extra):
    """Hyperparameters suitable for each configuration on standardized data."""
    eta0 = {"adagrad": 0.1, "adam": 0.02, "adamw": 0.02}.get(solver, 0.01)
    params = dict(solver=solver, batch_size=batch_size, eta0=eta0, random_state=0)
    if batch_size == "full":
        params.update(learning_rate="adaptive", max_iter=3000, tol=1e-7)
        if solver == "sgd":
            params["eta0"] = 0.1
    params.update(extra)
    return GDRegressor(**params)


@pytest.fixture(scope="module")
def regression_data():
    rng = np.random.RandomState(42)
    X = rng.randn(400, 8)
    y = X @ rng.randn(8) + 1.5 + 0.3 * rng.randn(400)
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------------------
# scikit-learn's API
# ---------------------------------------------------------------------------
def test_parameters_and_defaults_are_sgdregressors(regression_data):
    ours = GDRegressor().get_params()
    theirs = SGDRegressor().get_params()
    for name, default in theirs.items():
        assert name in ours, name
        assert ours[name] == ("auto" if name in AUTO_PARAMS else default), name
    # at the drop-in, "auto" is scikit-learn's default
    fitted = GDRegressor(random_state=0).fit(*regression_data)
    for name in AUTO_PARAMS:
        assert getattr(fitted, name + "_") == theirs[name], name
    assert set(ours) - set(theirs) == set(SKGD_PARAMS)
    assert {k: ours[k] for k in SKGD_PARAMS} == SKGD_PARAMS
    # fit: scikit-learn's parameters, then the keyword-only validation data
    ours_sig = list(inspect.signature(GDRegressor.fit).parameters.values())
    theirs_sig = list(inspect.signature(SGDRegressor.fit).parameters.values())
    assert ours_sig[: len(theirs_sig)] == theirs_sig
    extra = ours_sig[len(theirs_sig) :]
    assert [p.name for p in extra] == ["X_val", "y_val", "sample_weight_val"]
    assert all(p.kind is p.KEYWORD_ONLY and p.default is None for p in extra)


def test_fitted_attributes(regression_data):
    X, y = regression_data
    reg = GDRegressor(random_state=0).fit(X, y)
    assert reg.coef_.shape == (X.shape[1],)
    assert reg.intercept_.shape == (1,)
    assert isinstance(reg.n_iter_, int)
    assert reg.t_ == 1 + reg.n_iter_ * X.shape[0]
    assert reg.n_features_in_ == X.shape[1]
    assert len(reg.loss_curve_) == reg.n_iter_
    assert reg.validation_scores_ is None
    assert reg.solver_state_.step[0] == reg.n_iter_ * X.shape[0]
    assert not hasattr(reg, "feature_names_in_")


def test_feature_names_in(regression_data):
    pd = pytest.importorskip("pandas")
    X, y = regression_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    reg = GDRegressor(random_state=0).fit(frame, y)
    assert_array_equal(reg.feature_names_in_, frame.columns)


def test_sparsify_densify(regression_data):
    X, y = regression_data
    reg = GDRegressor(random_state=0, penalty="l1", alpha=0.05).fit(X, y)
    dense_pred = reg.predict(X)
    reg.sparsify()
    assert sp.issparse(reg.coef_)
    assert_allclose(reg.predict(X), dense_pred)
    reg.densify()
    assert isinstance(reg.coef_, np.ndarray)
    assert_allclose(reg.predict(X), dense_pred)


@pytest.mark.parametrize(
    "params",
    [
        {"alpha": -1.0},
        {"loss": "hinge"},
        {"penalty": "l3"},
        {"max_iter": 0},
        {"eta0": 0.0},
        {"average": -1},
        {"validation_fraction": 1.0},
        {"learning_rate": "optimal", "alpha": 0.0},
        {"learning_rate": "pa1", "loss": "squared_error"},
        {"penalty": "elasticnet", "l1_ratio": None},
        {"tol": -1.0},
    ],
)
def test_parameter_errors_are_sgdregressors(params, regression_data):
    """Same exception type; the same message (with the name replaced), or,
    where skgd accepts more values, the same wording listing them."""
    X, y = regression_data
    ref_type, ref_msg = error_of(lambda: SGDRegressor(**params).fit(X, y))
    our_type, our_msg = error_of(lambda: GDRegressor(**params).fit(X, y))
    assert ref_type is not None
    assert our_type is ref_type
    if "among {'auto'}" in our_msg:  # the same wording, listing "auto" too
        assert set(params) & set(AUTO_PARAMS)
        our_msg = our_msg.replace(", None or a str among {'auto'}", " or None")
        our_msg = our_msg.replace(" or a str among {'auto'}", "")
    if "loss" in params:  # the same wording, listing skgd's own losses too
        for name in SKGD_REGRESSION_LOSSES:
            our_msg = our_msg.replace(f"{name!r}, ", "").replace(f", {name!r}", "")
    assert normalise(our_msg) == normalise(ref_msg).replace(
        "SGDRegressor", "GDRegressor"
    )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"solver": "lbfgs"}, r"The 'solver' parameter of GDRegressor must be"),
        ({"batch_size": 0}, r"The 'batch_size' parameter of GDRegressor must be"),
        ({"batch_size": "half"}, r"'batch_size' parameter .* Got 'half' instead"),
        ({"clip_norm": 0.0}, r"The 'clip_norm' parameter of GDRegressor must be"),
        ({"clip_value": -1.0}, r"The 'clip_value' parameter of GDRegressor must be"),
        ({"solver": object()}, r"implementing 'init_state' and 'update'"),
        (
            {"learning_rate": "foo"},
            r"'learning_rate' .* among .*'cosine'.* or a callable",
        ),
        ({"gamma": 0.0}, r"The 'gamma' parameter of GDRegressor must be"),
        ({"step_size": 0}, r"The 'step_size' parameter of GDRegressor must be"),
    ],
)
def test_skgd_parameter_errors(params, match, regression_data):
    X, y = regression_data
    with pytest.raises(InvalidParameterError, match=match):
        GDRegressor(**params).fit(X, y)


def test_invalid_solver_lists_every_option(regression_data):
    X, y = regression_data
    with pytest.raises(InvalidParameterError) as exc:
        GDRegressor(solver="lbfgs").fit(X, y)
    for name in SOLVERS:
        assert repr(name) in str(exc.value)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "adam"},
        {"batch_size": 8},
        {"clip_norm": 1.0},
    ],
)
@pytest.mark.parametrize("learning_rate", ["pa1", "pa2"])
def test_passive_aggressive_needs_per_sample_sgd(
    params, learning_rate, regression_data
):
    X, y = regression_data
    reg = GDRegressor(loss="epsilon_insensitive", learning_rate=learning_rate, **params)
    with pytest.raises(ValueError, match="requires solver='sgd', batch_size=1"):
        reg.fit(X, y)


@pytest.mark.parametrize(
    "X_bad, y_bad",
    [
        ("nan", None),
        ("inf", None),
        ("strings", None),
        ("empty", None),
        ("3d", None),
        (None, "short"),
    ],
)
def test_bad_input_errors_are_sgdregressors(X_bad, y_bad, regression_data):
    X, y = regression_data
    X = X.copy()
    y = y.copy()
    if X_bad == "nan":
        X[3, 2] = np.nan
    elif X_bad == "inf":
        X[1, 1] = np.inf
    elif X_bad == "strings":
        X = np.array([["a", "b"]] * 4)
        y = y[:4]
    elif X_bad == "empty":
        X = X[:0]
        y = y[:0]
    elif X_bad == "3d":
        X = X.reshape(4, 100, -1)
        y = y[:4]
    if y_bad == "2d":
        y = np.c_[y, y]
    elif y_bad == "short":
        y = y[:-1]
    ref_type, ref_msg = error_of(lambda: SGDRegressor().fit(X, y))
    our_type, our_msg = error_of(lambda: GDRegressor().fit(X, y))
    assert ref_type is not None and our_type is ref_type
    assert our_msg == ref_msg.replace("SGDRegressor", "GDRegressor")


def test_partial_fit_errors(regression_data):
    X, y = regression_data
    reg = GDRegressor().partial_fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but GDRegressor is"):
        reg.partial_fit(X[:, :5], y)
    with pytest.raises(ValueError, match="early_stopping should be False"):
        GDRegressor(early_stopping=True).partial_fit(X, y)


@pytest.mark.parametrize(
    "ours, theirs, kwargs",
    [
        (GDRegressor, SGDRegressor, {}),
        (GDClassifier, SGDClassifier, {"classes": [0, 1, 2]}),
    ],
)
def test_averaging_cannot_start_between_partial_fit_calls(
    ours, theirs, kwargs, regression_data
):
    """Turned on after a call without it, averaging would count the earlier
    updates as zeros: a ValueError that names the fix (scikit-learn fails
    with an AttributeError).  Turning it off continues from ``coef_`` as
    scikit-learn does (compared with the regressor: scikit-learn's
    classifier loses its standard intercepts between averaged calls, see
    test_same_numbers_classifier.py), and it cannot come back after that."""
    X, y = regression_data
    if ours is GDClassifier:
        y = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    model = ours(random_state=0).partial_fit(X, y, **kwargs)
    model.set_params(average=5)
    with pytest.raises(ValueError, match="average=5 was set after the model was"):
        model.partial_fit(X, y)
    model.fit(X, y)  # fit starts over, averaging from its first update

    pair = [cls(average=5, random_state=0) for cls in (ours, theirs)]
    for est in pair:
        est.partial_fit(X, y, **kwargs)
        est.partial_fit(X, y)
        est.set_params(average=False)
        est.partial_fit(X, y)
    if ours is GDRegressor:
        assert_allclose(pair[0].coef_, pair[1].coef_, rtol=1e-10)
        assert_allclose(pair[0].intercept_, pair[1].intercept_, rtol=1e-10)
    pair[0].set_params(average=5)
    with pytest.raises(ValueError, match="average=5 was set after the model was"):
        pair[0].partial_fit(X, y)


@pytest.mark.parametrize("Estimator", [GDRegressor, GDClassifier])
def test_fitting_on_from_sparsified_coefficients_asks_for_densify(
    Estimator, regression_data
):
    """scikit-learn documents that fitting further after sparsify() needs
    densify() first; its estimators then fail with an unrelated TypeError."""
    X, y = regression_data
    y = y > 0 if Estimator is GDClassifier else y
    model = Estimator(warm_start=True, random_state=0).fit(X, y).sparsify()
    for fit_on, name in ((model.partial_fit, "partial_fit"), (model.fit, "warm")):
        with pytest.raises(TypeError, match=f"{name}.*call densify\\(\\) first"):
            fit_on(X, y)
    model.densify().partial_fit(X, y)


@pytest.mark.parametrize("Estimator", [GDRegressor, GDClassifier])
@pytest.mark.parametrize(
    "params, change",
    [
        ({}, {"dtype": np.float32}),
        ({"solver": "adam", "batch_size": 8}, {"dtype": np.float32}),
        ({}, {"average": 5}),
    ],
)
def test_a_warm_started_fit_starts_from_the_model_as_from_coef_init(
    Estimator, params, change, regression_data
):
    """A warm-started fit is a fit from coef_init=coef_, intercept_init=
    intercept_, also on data of the other float dtype (the data's dtype, as
    in a fit) and with averaging turned on (an average started anew)."""
    X, y = regression_data
    y = y > 0 if Estimator is GDClassifier else y
    model = Estimator(warm_start=True, random_state=0, **params).fit(X, y)
    init = dict(coef_init=model.coef_.copy(), intercept_init=model.intercept_.copy())
    Xb = X.astype(change.get("dtype", X.dtype))
    model.set_params(average=change.get("average", False))
    reference = clone(model).set_params(warm_start=False).fit(Xb, y, **init)
    model.fit(Xb, y)
    assert model.coef_.dtype == Xb.dtype
    # coef_init's intercept is rounded to float32 with float32 data
    rtol = 1e-6 if Xb.dtype == np.float32 else 1e-12
    assert_allclose(model.coef_, reference.coef_, rtol=rtol)
    assert_allclose(model.intercept_, reference.intercept_, rtol=rtol)


def test_all_zero_sample_weight(regression_data):
    X, y = regression_data
    with pytest.raises(ValueError, match="weight.*zero|zero.*weight"):
        GDRegressor().fit(X, y, sample_weight=np.zeros(X.shape[0]))


@pytest.mark.parametrize("bad", ["coef", "intercept"])
def test_init_shape_errors(bad, regression_data):
    X, y = regression_data
    kwargs = {"coef_init": np.zeros(3)} if bad == "coef" else {"intercept_init": [1, 2]}
    match = "Provided coef_init" if bad == "coef" else "Provided intercept_init"
    with pytest.raises(ValueError, match=match):
        GDRegressor().fit(X, y, **kwargs)


def test_convergence_warning(regression_data):
    X, y = regression_data
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        GDRegressor(max_iter=1).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        GDRegressor(max_iter=1, tol=None).fit(X, y)


def _run_verbose(est, X, y):
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        est.fit(X, y)
    return re.sub(r"\d+\.\d\d seconds", "<time> seconds", buffer.getvalue())


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_output_is_sgdregressors(early_stopping, regression_data):
    X, y = regression_data
    params = dict(verbose=1, random_state=0, early_stopping=early_stopping)
    ours = _run_verbose(GDRegressor(**params), X, y)
    assert ours == _run_verbose(SGDRegressor(**params), X, y)
    assert "-- Epoch 1\nNorm: " in ours


# ---------------------------------------------------------------------------
# skgd's axes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_fits(solver, batch_size, regression_data):
    X, y = regression_data
    reg = _suitable(solver, batch_size).fit(X, y)
    assert reg.score(X, y) > 0.95
    assert reg.solver_state_.step[0] > 0
    assert len(reg.loss_curve_) == reg.n_iter_


def test_full_batch_loss_curve_is_the_objective(regression_data):
    """With batch_size='full' each entry is the exact objective before the
    step, recomputed here from the recorded iterates."""
    X, y = regression_data
    alpha = 0.01
    reg = GDRegressor(
        batch_size="full", learning_rate="constant", eta0=0.1, alpha=alpha, tol=None
    )
    coefs, intercepts, curve = [], [], []
    for _ in range(5):
        if hasattr(reg, "coef_"):
            coefs.append(reg.coef_.copy())
            intercepts.append(reg.intercept_[0])
        else:
            coefs.append(np.zeros(X.shape[1]))
            intercepts.append(0.0)
        reg.partial_fit(X, y)
        curve.append(reg.loss_curve_[-1])
    for w, b, value in zip(coefs, intercepts, curve):
        expected = 0.5 * np.mean((X @ w + b - y) ** 2) + 0.5 * alpha * w @ w
        assert_allclose(value, expected, rtol=1e-12)


def test_validation_scores(regression_data):
    X, y = regression_data
    reg = GDRegressor(early_stopping=True, random_state=0).fit(X, y)
    assert len(reg.validation_scores_) == reg.n_iter_
    assert max(reg.validation_scores_) > 0.9


@pytest.mark.parametrize("solver", ["adam", Adam(beta_2=0.99)])
def test_partial_fit_keeps_solver_state(solver, regression_data):
    X, y = regression_data
    reg = GDRegressor(solver=solver, batch_size=50, eta0=0.01)
    reg.partial_fit(X, y)
    assert isinstance(reg.solver_state_, AdamState)
    first_moment = reg.solver_state_.m.copy()
    assert reg.solver_state_.step[0] == 8
    reg.partial_fit(X, y)
    assert reg.solver_state_.step[0] == 16
    assert not np.allclose(reg.solver_state_.m, first_moment)


_ADAM_L1_AVERAGED = {"solver": "adam", "batch_size": 8, "average": 5, "penalty": "l1"}
_MULTINOMIAL = {"loss": "log_loss", "multi_class": "multinomial", "batch_size": 8}


#: models continued by partial_fit: (estimator, parameters)
_CONTINUED = [
    (GDRegressor, {}),
    (GDRegressor, {"batch_size": 8}),
    (GDRegressor, {"solver": "adam", "penalty": "l1"}),
    (GDRegressor, {"average": 5}),
    (GDRegressor, _ADAM_L1_AVERAGED),
    (GDClassifier, {}),
    (GDClassifier, _ADAM_L1_AVERAGED),
    (GDClassifier, _MULTINOMIAL),
]


def _two_calls(Estimator, params, X, y):
    """The data in two halves for two partial_fit calls, and the first
    call's keyword arguments (three classes for the classifier: one-vs-rest
    or multinomial)."""
    kwargs = {}
    if Estimator is GDClassifier:
        y = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
        kwargs = {"classes": [0, 1, 2]}
    return X[:200], y[:200], X[200:], y[200:], kwargs


def _assert_same_model(ours, theirs):
    """Same coefficients, intercepts and solver state, to the bit."""
    assert_array_equal(ours.coef_, theirs.coef_)
    assert_array_equal(ours.intercept_, theirs.intercept_)
    states = [ours.solver_state_, theirs.solver_state_]
    if not isinstance(states[0], list):  # one problem, not one per class
        states = [[s] for s in states]
    for a_state, b_state in zip(*states, strict=True):
        for a, b in zip(a_state, b_state, strict=True):
            assert_array_equal(a, b)


@pytest.mark.parametrize("Estimator, params", _CONTINUED)
@pytest.mark.parametrize(
    "first, later", [("float64", "float32"), ("float32", "float64")]
)
def test_partial_fit_converts_later_data_to_the_models_dtype(
    Estimator, params, first, later, regression_data
):
    """The first call fixes the model's dtype; a later call on data of the
    other float dtype fits as if the data had been converted to it (it
    used to fail in the kernels with numba's 'No matching definition')."""
    X1, y1, X2, y2, kwargs = _two_calls(Estimator, params, *regression_data)
    models = []
    for second in (X2.astype(later), X2.astype(later).astype(first)):
        model = Estimator(random_state=0, eta0=0.01, **params)
        model.partial_fit(X1.astype(first), y1, **kwargs).partial_fit(second, y2)
        models.append(model)
    assert models[0].coef_.dtype == np.dtype(first)
    _assert_same_model(*models)


@pytest.mark.parametrize("Estimator, params", _CONTINUED)
def test_partial_fit_continues_a_model_loaded_read_only(
    Estimator, params, regression_data, tmp_path
):
    """A model loaded with joblib's mmap_mode="r" (or handed to a joblib
    worker, which memory-maps large arrays) holds read-only arrays; a later
    partial_fit continues it as it would the model in memory (scikit-learn
    crashes there)."""
    X1, y1, X2, y2, kwargs = _two_calls(Estimator, params, *regression_data)
    model = Estimator(random_state=0, eta0=0.01, **params).partial_fit(X1, y1, **kwargs)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    assert not loaded.coef_.flags.writeable
    _assert_same_model(loaded.partial_fit(X2, y2), model.partial_fit(X2, y2))


def test_partial_fit_solver_change_restarts_state(regression_data):
    X, y = regression_data
    reg = GDRegressor(solver="adam", batch_size=50).partial_fit(X, y)
    reg.set_params(solver="momentum")
    with pytest.warns(UserWarning, match="solver state .* restarts from zero"):
        reg.partial_fit(X, y)
    assert reg.solver_state_.step[0] == 8


def test_warm_start_restarts_solver_state(regression_data):
    X, y = regression_data
    reg = GDRegressor(
        solver="adam", batch_size=50, warm_start=True, max_iter=3, tol=None
    )
    reg.fit(X, y)
    coef = reg.coef_.copy()
    reg.fit(X, y)
    assert reg.solver_state_.step[0] == 3 * 8
    assert reg.t_ == 1 + 3 * X.shape[0]
    assert not np.allclose(reg.coef_, coef)


def test_solver_objects_grid_search_and_clone(regression_data):
    X, y = regression_data
    reg = GDRegressor(solver=Adam(), batch_size=32, eta0=0.02, random_state=0)
    search = GridSearchCV(reg, {"solver__beta_1": [0.5, 0.9]}, cv=2).fit(X, y)
    assert search.best_params_["solver__beta_1"] in (0.5, 0.9)
    assert reg.solver.get_params() == Adam().get_params()
    assert clone(reg).solver is not reg.solver


def test_pipeline_grid_search_over_rate_batch_and_solver(regression_data):
    X, y = regression_data
    pipe = make_pipeline(StandardScaler(), GDRegressor(random_state=0, max_iter=200))
    grid = {
        "gdregressor__eta0": [1e-4, 0.01],
        "gdregressor__batch_size": [1, 32, "full"],
        "gdregressor__solver": ["sgd", "adam"],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    assert search.best_score_ > 0.95
    # the smallest rate cannot get there in 200 epochs of full batch descent
    scores = search.cv_results_["mean_test_score"]
    params = search.cv_results_["params"]
    worst = params[int(np.argmin(scores))]
    assert worst["gdregressor__eta0"] == 1e-4


# ---------------------------------------------------------------------------
# overflow
# ---------------------------------------------------------------------------
def test_overflow_message_extends_sklearns():
    X = np.array([[1e200, 1e200], [1e200, -1e200]])
    y = np.array([1e200, -1e200])
    ref_type, ref_msg = error_of(lambda: SGDRegressor(penalty=None).fit(X, y))
    assert ref_type is ValueError
    with pytest.raises(ValueError) as exc:
        GDRegressor(penalty=None).fit(X, y)
    assert str(exc.value).startswith(ref_msg)
    assert "root mean squares up to 1e+200" in str(exc.value)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_read_only_and_memmap_input_use_the_same_kernels(fmt, dtype, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4).astype(dtype)
    y = (X @ np.arange(4.0)).astype(dtype)
    path = tmp_path / "X.dat"
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    X_ro = np.memmap(path, dtype=dtype, mode="r", shape=X.shape)
    y_ro = y.copy()
    y_ro.setflags(write=False)
    if fmt == "csr":
        X, X_ro = sp.csr_matrix(X), sp.csr_matrix(X)
        X_ro.data.setflags(write=False)
        X_ro.indices.setflags(write=False)
    for params in ({}, {"solver": "adam", "batch_size": 8}):
        ref = GDRegressor(random_state=0, **params).fit(X, y)
        ours = GDRegressor(random_state=0, **params).fit(X_ro, y_ro)
        assert_array_equal(ours.coef_, ref.coef_)
    # no variant for read-only arrays: at most the float64 and float32 ones
    for kernel in _jit.builtin_kernels():
        assert len(kernel.signatures) <= 2


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("params", [{}, {"solver": "adam", "batch_size": 64}])
def test_fit_makes_no_copy_of_X(fmt, dtype, params):
    """Peak extra memory of fit: under 10% of X plus sixteen vectors of
    n_samples floats (y, weights, order, ...); a copy of X would not fit."""
    n_samples = 20000
    rng = np.random.RandomState(0)
    X = rng.randn(n_samples, 200).astype(dtype)
    y = X[:, 0] + 0.1 * rng.randn(n_samples)
    if fmt == "csr":
        X[X < 0.5] = 0.0
        X = sp.csr_matrix(X)
        size = X.data.nbytes + X.indices.nbytes
    else:
        size = X.nbytes
    reg = GDRegressor(max_iter=1, tol=None, **params)
    reg.fit(X[:100], y[:100])  # compile outside the measurement
    tracemalloc.start()
    reg.fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 0.1 * size + 16 * 8 * n_samples


@pytest.mark.parametrize("batch_size", [7, "full"])
def test_average_exposed_once_an_update_is_averaged(batch_size, regression_data):
    """Before averaging starts, coef_ are the plain weights (as scikit-learn's
    per-sample rule); afterwards the mean of the averaged iterates."""
    X, y = regression_data
    n_updates = 1 if batch_size == "full" else -(-X.shape[0] // 7)
    params = dict(solver="adam", batch_size=batch_size, eta0=0.01, shuffle=False)
    late = GDRegressor(average=n_updates + 1, **params).partial_fit(X, y)
    plain = GDRegressor(**params).partial_fit(X, y)
    assert_array_equal(late.coef_, plain.coef_)
    late.partial_fit(X, y)
    late.partial_fit(X, y)
    assert late._problem_.average_count == 2 * n_updates
    assert not np.array_equal(late.coef_, late._standard_coef)


def test_pickle_round_trip_continues_identically(regression_data):
    X, y = regression_data
    reg = GDRegressor(solver="adam", batch_size=32, random_state=0).partial_fit(X, y)
    copy = pickle.loads(pickle.dumps(reg))
    assert_array_equal(copy.predict(X), reg.predict(X))
    reg.partial_fit(X, y)
    copy.partial_fit(X, y)
    assert_array_equal(copy.coef_, reg.coef_)
    assert_array_equal(copy.solver_state_.v, reg.solver_state_.v)


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_random_state_is_reproducible(solver, regression_data):
    X, y = regression_data
    first = _suitable(solver, 16).fit(X, y)
    second = _suitable(solver, 16).fit(X, y)
    assert_array_equal(first.coef_, second.coef_)
    other = _suitable(solver, 16, random_state=1).fit(X, y)
    assert not np.array_equal(first.coef_, other.coef_)


@pytest.mark.parametrize(
    "solver, batch_size",
    [("sgd", 1), ("sgd", 8), ("sgd", "full")]
    + [
        (Momentum(lazy=False), 8),
        (Adam(lazy=False), 8),
        ("adagrad", 8),
        ("rmsprop", 8),
    ],
)
@pytest.mark.parametrize("penalty", [None, "l2"])
def test_sparse_equals_dense_where_exact(solver, batch_size, penalty, regression_data):
    """fit_intercept=False (the sparse intercept step is damped by 0.01, as in
    scikit-learn). Lazy AdaGrad and RMSProp are exact only without L2."""
    if isinstance(solver, str) and solver in ("adagrad", "rmsprop") and penalty:
        pytest.skip("lazy AdaGrad/RMSProp are exact only without an L2 term")
    X, y = regression_data
    X = X.copy()
    X[np.abs(X) < 0.7] = 0.0
    params = dict(
        solver=solver,
        batch_size=batch_size,
        penalty=penalty,
        fit_intercept=False,
        random_state=0,
        max_iter=5,
        tol=None,
    )
    dense = GDRegressor(**params).fit(X, y)
    sparse = GDRegressor(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("batch_size", [1, 8])
def test_lazy_rmsprop_catch_up_is_the_same_from_its_table(
    batch_size, n_targets, regression_data, monkeypatch
):
    """Lazy sparse RMSProp decays a coordinate's average by rho**m for the m
    updates that did not touch it, read from a table of libm's pow(rho, m)
    that the kernel fills once an epoch, or from pow itself beyond the
    table: the table changes no bit (a full table, one of two powers and
    none give the same fit and state), and the lazy fit equals the dense
    one, which decays every coordinate at every step."""
    X, y = regression_data
    X = X.copy()
    X[np.abs(X) < 0.7] = 0.0
    if n_targets > 1:
        y = np.column_stack([y, 2.0 * y, 1.0 - y])
    params = dict(
        solver="rmsprop", batch_size=batch_size, fit_intercept=False, penalty=None,
        random_state=0, max_iter=5, tol=None,
    )  # fmt: skip
    dense = GDRegressor(**params).fit(X, y)
    fits = []
    for n_powers in (_step.SKIP_POWERS, 2, 0):
        monkeypatch.setattr(_step, "SKIP_POWERS", n_powers)
        fits.append(GDRegressor(**params).fit(sp.csr_matrix(X), y))
    for fit in fits[1:]:
        assert_array_equal(fit.coef_, fits[0].coef_)
        assert_array_equal(fit.solver_state_.mean_sq, fits[0].solver_state_.mean_sq)
    assert_allclose(fits[0].coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(
        fits[0].solver_state_.mean_sq, dense.solver_state_.mean_sq, rtol=1e-9
    )


@pytest.fixture
def lazy_modes(monkeypatch):
    """The ``lazy_mode`` of every call of the mini-batch kernel, in order."""
    modes = []
    control = _paths._BatchPath._control

    def spy(self, *args, **kwargs):
        record = control(self, *args, **kwargs)
        modes.append(record.lazy_mode)
        return record

    monkeypatch.setattr(_paths._BatchPath, "_control", spy)
    return modes


@pytest.mark.parametrize("outputs", ["one target", "three targets", "multinomial"])
@pytest.mark.parametrize("batch_size", [8, "full"])
@pytest.mark.parametrize("alpha", [1e-3, 30.0])
def test_sparse_sgd_with_l2_is_lazy_and_exact(
    outputs, batch_size, alpha, regression_data, lazy_modes
):
    """Plain SGD with an L2 penalty on sparse batches updates only the
    batch's columns (the kernel's lazy mode, O(non-zeros) a step) and keeps
    the decay of the others in a running scale, so the fit equals the dense
    one (without intercept, whose sparse step is damped by 0.01 as in
    scikit-learn), for one output as for several: several targets, or the
    scores of a multinomial classifier. With alpha=30 (a decay of 0.7 a
    step) the scale falls below its threshold and is folded into the
    coefficients several times an epoch."""
    X, y = regression_data
    X = X.copy()
    X[np.abs(X) < 0.7] = 0.0
    X[:, 3] = 0.0  # a column no row touches decays all the same
    params = dict(
        batch_size=batch_size, alpha=alpha, learning_rate="constant", eta0=0.01,
        fit_intercept=False, random_state=0, max_iter=5, tol=None,
    )  # fmt: skip
    Y = X @ np.random.RandomState(0).randn(X.shape[1], 3)
    if outputs == "one target":
        model, target = GDRegressor(**params), y
    elif outputs == "three targets":
        model, target = GDRegressor(**params), Y
    else:
        model = GDClassifier(loss="log_loss", multi_class="multinomial", **params)
        target = np.argmax(Y, axis=1)
    dense = clone(model).fit(X, target)
    lazy_modes.clear()
    sparse = clone(model).fit(sp.csr_matrix(X), target)
    assert lazy_modes == [1] * 5
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-9)
    assert np.all(sparse.coef_[..., 3] == 0.0)


@pytest.mark.parametrize(
    "params",
    [{"penalty": "l1"}, {"average": True}, {"clip_value": 1.0}, {"clip_norm": 1.0}],
)
def test_sparse_sgd_updates_every_column_where_lazy_is_not_exact(
    params, regression_data, lazy_modes
):
    """L1 truncation, averaging and clipping involve every column, so plain
    SGD on sparse batches keeps the full update with them."""
    X, y = regression_data
    GDRegressor(batch_size=8, max_iter=2, tol=None, **params).fit(sp.csr_matrix(X), y)
    assert lazy_modes == [0, 0]
