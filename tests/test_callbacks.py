"""scikit-learn's callback API: each epoch a subtask, monitors, stop requests."""

import importlib.util
import pickle
import re
import sys
import types
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV

import skgd._callbacks
from skgd import GDClassifier, GDRegressor

callback = pytest.importorskip("sklearn.callback")


class Recorder:
    """Records every hook call; asks to stop after epoch ``stop_after`` of
    each problem."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.calls = []
        self.epochs = []

    def setup(self, estimator, context):
        self.calls.append(("setup", context.task_name))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.calls.append(("begin", context.task_name))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None,
        fitted_estimator=None,
    ):  # fmt: skip
        self.calls.append(("end", context.task_name))
        if context.task_name != "epoch":
            return False
        self.epochs.append(
            {
                "problem": context.parent.task_id,
                "epoch": context.task_id,
                "n_iter": fitted_estimator.n_iter_,
                "t": fitted_estimator.t_,
                "coef": fitted_estimator.coef_,
                "intercept": fitted_estimator.intercept_,
                "loss_curve": fitted_estimator.loss_curve_,
                "validation_scores": fitted_estimator.validation_scores_,
                "metadata": metadata,
                "n_rows": X.shape[0],
            }
        )
        return self.stop_after is not None and context.task_id + 1 >= self.stop_after


@pytest.fixture(scope="module")
def regression():
    return make_regression(n_samples=200, n_features=6, noise=1.0, random_state=0)


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=240, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


REGRESSORS = [
    dict(),
    dict(average=True),
    dict(average=250),
    dict(solver="adam", batch_size=32, eta0=0.02),
    dict(solver="momentum", batch_size=16, average=True),
    dict(solver="rmsprop", batch_size="full", eta0=0.05),
    dict(early_stopping=True),
]


def _fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def test_set_callbacks_is_scikit_learns():
    recorder = Recorder()
    est = GDRegressor()
    assert est.set_callbacks(recorder) is est
    assert est._skl_callbacks == [recorder]
    with pytest.raises(TypeError, match="FitCallback protocol"):
        GDClassifier().set_callbacks(Recorder)


@pytest.mark.parametrize("params", REGRESSORS, ids=str)
def test_epoch_subtasks_report_the_objective(params, regression):
    """One epoch subtask per epoch run; the copy each sees holds the epoch's
    objective as the last entry of loss_curve_."""
    X, y = regression
    recorder = Recorder()
    est = _fit_quietly(
        GDRegressor(random_state=0, **params).set_callbacks(recorder), X, y
    )
    assert len(recorder.epochs) == est.n_iter_
    assert [e["epoch"] for e in recorder.epochs] == list(range(est.n_iter_))
    assert [e["n_iter"] for e in recorder.epochs] == list(range(1, est.n_iter_ + 1))
    objectives = [e["loss_curve"][-1] for e in recorder.epochs]
    assert objectives == est.loss_curve_
    assert recorder.epochs[-1]["t"] == est.t_
    if params.get("early_stopping"):
        scores = [e["validation_scores"][-1] for e in recorder.epochs]
        assert scores == est.validation_scores_
    assert recorder.calls[0] == ("setup", "fit")
    assert recorder.calls[1] == ("begin", "fit")
    assert recorder.calls[-2:] == [("end", "fit"), ("teardown", "fit")]
    assert not hasattr(est, "_callback_fit_ctx")


@pytest.mark.parametrize("params", REGRESSORS[:-1], ids=str)
def test_epoch_model_is_the_fit_stopped_there(params, regression):
    """The coefficients a callback sees after epoch k are those of a fit of
    k epochs (the running scale folded, the averaged pair once exposed)."""
    X, y = regression
    recorder = Recorder()
    GDRegressor(random_state=0, max_iter=4, tol=None, **params).set_callbacks(
        recorder
    ).fit(X, y)
    for k, epoch in enumerate(recorder.epochs, start=1):
        ref = _fit_quietly(
            GDRegressor(random_state=0, max_iter=k, tol=None, **params), X, y
        )
        assert_array_equal(epoch["coef"], ref.coef_)
        assert_array_equal(epoch["intercept"], ref.intercept_)
        assert epoch["t"] == ref.t_


@pytest.mark.parametrize("params", REGRESSORS, ids=str)
def test_callbacks_leave_the_numbers_unchanged(params, regression):
    X, y = regression
    plain = _fit_quietly(GDRegressor(random_state=0, **params), X, y)
    watched = _fit_quietly(
        GDRegressor(random_state=0, **params).set_callbacks(Recorder()), X, y
    )
    assert_array_equal(watched.coef_, plain.coef_)
    assert_array_equal(watched.intercept_, plain.intercept_)
    assert watched.n_iter_ == plain.n_iter_
    assert watched.loss_curve_ == plain.loss_curve_


@pytest.mark.parametrize("params", REGRESSORS, ids=str)
def test_stop_request_ends_training_after_that_epoch(params, regression):
    X, y = regression
    est = GDRegressor(random_state=0, **params).set_callbacks(Recorder(stop_after=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    ref = _fit_quietly(
        GDRegressor(random_state=0, max_iter=3, tol=None, **params), X, y
    )
    assert est.n_iter_ == 3
    assert est.t_ == ref.t_
    assert est.loss_curve_ == ref.loss_curve_
    assert_array_equal(est.coef_, ref.coef_)
    assert_array_equal(est.intercept_, ref.intercept_)


def test_stop_at_max_iter_warns_as_without_callbacks(regression):
    X, y = regression
    est = GDRegressor(random_state=0, max_iter=3).set_callbacks(Recorder(stop_after=3))
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        est.fit(X, y)
    assert est.n_iter_ == 3


def test_multi_output_regression(regression):
    X, y = regression
    Y = np.column_stack([y, -2 * y])
    recorder = Recorder(stop_after=2)
    est = GDRegressor(random_state=0, batch_size=8).set_callbacks(recorder).fit(X, Y)
    ref = _fit_quietly(
        GDRegressor(random_state=0, batch_size=8, max_iter=2, tol=None), X, Y
    )
    assert est.n_iter_ == 2
    assert recorder.epochs[-1]["coef"].shape == est.coef_.shape == (2, X.shape[1])
    assert_array_equal(recorder.epochs[-1]["coef"], est.coef_)
    assert_array_equal(recorder.epochs[-1]["intercept"], est.intercept_)
    assert_array_equal(est.coef_, ref.coef_)


def test_partial_fit_is_one_epoch_task(regression):
    X, y = regression
    recorder = Recorder()
    est = GDRegressor(random_state=0).set_callbacks(recorder)
    for _ in range(3):
        est.partial_fit(X, y)
    assert [e["epoch"] for e in recorder.epochs] == [0, 0, 0]
    assert [len(e["loss_curve"]) for e in recorder.epochs] == [1, 2, 3]
    assert recorder.epochs[-1]["loss_curve"] == est.loss_curve_
    assert recorder.epochs[-1]["t"] == est.t_
    assert recorder.calls.count(("setup", "partial_fit")) == 3


def test_sample_weight_is_passed_as_metadata(regression):
    X, y = regression
    sw = np.linspace(0.5, 2.0, X.shape[0])
    recorder = Recorder(stop_after=1)
    GDRegressor().set_callbacks(recorder).fit(X, y, sample_weight=sw)
    assert recorder.epochs[0]["metadata"]["sample_weight"] is sw
    recorder = Recorder(stop_after=1)
    GDRegressor().set_callbacks(recorder).fit(X, y)
    assert recorder.epochs[0]["metadata"] is None


# ---------------------------------------------------------------------------
# the classifier: binary, multinomial, one-vs-rest
# ---------------------------------------------------------------------------
CLASSIFIERS = [
    dict(),
    dict(solver="adam", batch_size=16, eta0=0.02, average=True),
    dict(loss="log_loss", multi_class="multinomial", solver="adam", eta0=0.02),
]


@pytest.mark.parametrize("params", CLASSIFIERS, ids=str)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_stop_request(params, n_classes, classification):
    """A stop after epoch k: every problem runs k epochs; the fit is that of
    max_iter=k."""
    X, y = classification
    X, y = X[y < n_classes], y[y < n_classes]
    recorder = Recorder(stop_after=2)
    est = GDClassifier(random_state=0, **params).set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    ref = _fit_quietly(
        GDClassifier(random_state=0, max_iter=2, tol=None, **params), X, y
    )
    assert est.n_iter_ == 2
    assert_array_equal(est.coef_, ref.coef_)
    assert_array_equal(est.intercept_, ref.intercept_)
    assert est.loss_curve_ == ref.loss_curve_
    n_problems = 3 if n_classes == 3 and "multi_class" not in params else 1
    assert len(recorder.epochs) == 2 * n_problems
    for epoch in recorder.epochs:
        assert epoch["coef"].shape == est.coef_.shape


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_one_vs_rest_nests_a_task_per_class(n_jobs, classification):
    """fit -> one parallel task per class -> that problem's epochs."""
    X, y = classification
    recorder = Recorder()
    est = GDClassifier(random_state=0, n_jobs=n_jobs).set_callbacks(recorder)
    est.fit(X, y)
    names = [f"class {c} vs rest" for c in est.classes_]
    for name in names:
        assert recorder.calls.count(("begin", name)) == 1
        assert recorder.calls.count(("end", name)) == 1
    for i, curve in enumerate(est.loss_curve_):
        mine = [e for e in recorder.epochs if e["problem"] == i]
        assert [e["epoch"] for e in mine] == list(range(len(curve)))
        assert [e["loss_curve"][i][-1] for e in mine] == curve
    assert max(len(curve) for curve in est.loss_curve_) == est.n_iter_
    # after the last epoch of each problem, its row is the fitted one
    for i in range(len(names)):
        last = [e for e in recorder.epochs if e["problem"] == i][-1]
        assert_array_equal(last["coef"][i], est.coef_[i])
        assert last["intercept"][i] == est.intercept_[i]


def test_one_vs_rest_stop_ends_one_problem(classification):
    """A stop request ends the epochs of the problem that asked."""

    class StopClassOne(Recorder):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            return context.task_name == "epoch" and context.parent.task_id == 1

    X, y = classification
    est = GDClassifier(random_state=0).set_callbacks(StopClassOne()).fit(X, y)
    plain = GDClassifier(random_state=0).fit(X, y)
    assert len(est.loss_curve_[1]) == 1
    assert est.loss_curve_[0] == plain.loss_curve_[0]
    assert est.loss_curve_[2] == plain.loss_curve_[2]


# ---------------------------------------------------------------------------
# scikit-learn's callbacks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, scoring",
    [
        (lambda: GDRegressor(random_state=0), "r2"),
        (lambda: GDClassifier(random_state=0), "accuracy"),
        (
            lambda: GDClassifier(
                random_state=0, loss="log_loss", multi_class="multinomial"
            ),
            "neg_log_loss",
        ),
    ],
)
def test_scoring_monitor_scores_every_epoch(make, scoring, regression, classification):
    est = make()
    if isinstance(est, GDRegressor):
        X, y = regression
    else:
        X, y = classification
        if est.multi_class == "ovr":
            X, y = X[y < 2], y[y < 2]
    monitor = callback.ScoringMonitor(scoring=scoring)
    est = _fit_quietly(est.set_callbacks(monitor), X, y)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == est.n_iter_
    assert [row["task_id_path"] for row in epochs] == [
        (0, k) for k in range(est.n_iter_)
    ]
    final = get_scorer(scoring)(est, X, y)
    assert_allclose(epochs[-1][scoring], final)
    (root,) = [row for row in rows if row["task_name"] == "fit"]
    assert_allclose(root[scoring], final)


def test_scoring_monitor_one_vs_rest(classification):
    X, y = classification
    monitor = callback.ScoringMonitor(scoring="accuracy")
    sw = np.ones(X.shape[0])
    est = GDClassifier(random_state=0, n_jobs=2).set_callbacks(monitor)
    est.fit(X, y, sample_weight=sw)
    rows = monitor.get_logs().data
    epochs = [row for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == sum(len(curve) for curve in est.loss_curve_)
    problems = [row for row in rows if row["task_name"].endswith("vs rest")]
    assert [row["task_id_path"] for row in problems] == [(0, 0), (0, 1), (0, 2)]
    (root,) = [row for row in rows if row["task_name"] == "fit"]
    assert root["sequential_subtasks"] is False
    assert_allclose(root["accuracy"], est.score(X, y))


@pytest.mark.parametrize(
    "make",
    [
        lambda: GDRegressor(max_iter=30, tol=None),
        lambda: GDClassifier(max_iter=30, tol=None, n_jobs=2),
    ],
)
def test_progress_bar(make, regression, classification, capsys):
    pytest.importorskip("rich")
    X, y = regression if "Regressor" in type(make()).__name__ else classification
    est = make().set_callbacks(callback.ProgressBar())
    _fit_quietly(est, X, y)
    out = capsys.readouterr().out
    name = type(est).__name__
    assert f"{name} - fit" in out
    assert "100%" in out
    if name == "GDClassifier":
        assert f"{name} - class 2 vs rest #2" in out


def test_progress_bar_propagates_from_a_search(regression, capsys):
    pytest.importorskip("rich")
    X, y = regression
    search = GridSearchCV(GDRegressor(max_iter=5, tol=None), {"alpha": [1e-4, 1e-3]})
    search.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    _fit_quietly(search, X, y)
    out = capsys.readouterr().out
    assert "GDRegressor - fit" in out


@pytest.mark.parametrize(
    "estimator",
    [GDRegressor(), GDClassifier(), LogisticRegression()],
    ids=lambda est: type(est).__name__,
)
def test_clone_and_pickle_keep_callbacks(estimator, regression):
    """As for scikit-learn's own estimators: clone shares the callback
    instances; a pickle carries copies; neither carries a fit's context."""
    recorder = Recorder()
    est = clone(estimator).set_callbacks(recorder)
    assert clone(est)._skl_callbacks[0] is recorder
    X, y = regression
    y = y > 0 if not isinstance(est, GDRegressor) else y
    _fit_quietly(est, X, y)
    restored = pickle.loads(pickle.dumps(est))
    assert isinstance(restored._skl_callbacks[0], Recorder)
    assert restored._skl_callbacks[0] is not recorder
    assert not hasattr(restored, "_callback_fit_ctx")
    assert_array_equal(restored.predict(X), est.predict(X))


def test_teardown_when_fit_fails(regression):
    X, y = regression
    recorder = Recorder()
    est = GDRegressor(eta0=10.0, learning_rate="constant").set_callbacks(recorder)
    with pytest.raises(ValueError, match="overflow"):
        est.fit(X * 1e200, y)
    assert recorder.calls[-1] == ("teardown", "fit")
    assert not hasattr(est, "_callback_fit_ctx")


def test_sparse_input(regression):
    X, y = regression
    recorder = Recorder(stop_after=2)
    est = GDRegressor(random_state=0).set_callbacks(recorder).fit(sp.csr_matrix(X), y)
    assert est.n_iter_ == 2
    assert_array_equal(recorder.epochs[-1]["coef"], est.coef_)


def test_without_the_callback_api(monkeypatch, regression):
    """With a scikit-learn that has no sklearn.callback, the mixin adds
    nothing and a fit's tasks do nothing."""
    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    spec = importlib.util.spec_from_file_location(
        "callbacks_without_api", skgd._callbacks.__file__
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not hasattr(module.CallbackSupportMixin, "set_callbacks")
    X, y = regression
    estimator = types.SimpleNamespace(t_=1.0)
    task = module.FitTask(estimator, X, y, None, "fit", 5, [], coef_shape=(X.shape[1],))
    assert task.epochs() is None
    task.end()
    assert vars(estimator) == {"t_": 1.0}


def test_verbose_lines_unchanged(regression, capsys):
    """verbose=1 prints the same lines with callbacks as without."""
    X, y = regression

    def printed(est):
        _fit_quietly(est, X, y)
        return re.sub(r"\d+\.\d+ seconds", "seconds", capsys.readouterr().out)

    plain = printed(GDRegressor(verbose=1, random_state=0, max_iter=5))
    watched = printed(
        GDRegressor(verbose=1, random_state=0, max_iter=5).set_callbacks(Recorder())
    )
    assert watched == plain
    assert plain.count("-- Epoch") == 5
