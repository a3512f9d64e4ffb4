"""GDClassifier's contract: scikit-learn's API and errors, labels of any type,
probabilities, partial_fit, class weights, threads, every solver and batch
size, data formats, persistence, model selection and real data sets.

That the default fit gives SGDClassifier's numbers over a wide grid of
options is tests/test_same_numbers_classifier.py's job, and scikit-learn's
estimator checks are in tests/test_estimator_checks.py; here the comparisons
with SGDClassifier are limited to what each feature needs.
"""

import importlib.util
import inspect
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from _helpers import error_of, normalise
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer, load_digits, make_blobs
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import compute_class_weight

from skgd import GDClassifier
from skgd.solvers import Adam, AdamState

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
BATCH_SIZES = [1, 32, "full"]
# skgd's parameters, in the constructor's order after SGDClassifier's
#: scikit-learn's parameters whose skgd default is "auto": scikit-learn's
#: value for its per-sample algorithm (the drop-in), the data's elsewhere
AUTO_PARAMS = ("eta0", "learning_rate", "tol", "n_iter_no_change")

SKGD_PARAMS = {
    "solver": "sgd",
    "batch_size": 1,
    "clip_norm": None,
    "clip_value": None,
    "multi_class": "ovr",
    "gamma": 0.9,
    "step_size": 10,
    "eta_min": 0.0,
    "warmup_epochs": 0,
    "restore_best_weights": False,
    "keep_adaptive_state": False,
    "shuffle_block_size": None,
    "sparse_intercept_decay": "auto",
}
LOSSES = [
    "hinge",
    "log_loss",
    "modified_huber",
    "squared_hinge",
    "perceptron",
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
]
PROBA_LOSSES = ("log_loss", "modified_huber")

# The base rate eta0 of each solver: one rate per solver, with no tuning per
# data set, for standardized features and the default learning_rate='optimal'
# (which, for every solver but 'sgd', is eta0 * t0 / (t0 + t - 1): eta0 at the
# first update, halved after about t0 = 1000 updates at the default alpha).
# The adaptive solvers take 0.01-0.05 (AdaGrad's accumulated denominator only
# grows, so it starts higher); the heavy-ball ones a plain 0.01.  For 'sgd'
# the 'optimal' schedule is scikit-learn's own 1 / (alpha * (t0 + t - 1)),
# which does not read eta0: its entry (the default, 0.01) only matters with
# the other schedules.  benchmarks/accuracy_table.py uses the same rates.
SOLVER_ETA0 = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.1,
    "rmsprop": 0.01,
    "adam": 0.02,
    "adamw": 0.02,
}

# Held-out accuracy of every configuration on the real data sets may be at
# most this far from LogisticRegression(max_iter=5000)'s.
REAL_DATA_TOLERANCE = 0.03


def _real_data_classifier(loss, solver):
    """The configuration of the real-data tests and of the accuracy table:
    per-sample steps for plain SGD (scikit-learn's algorithm), mini-batches of
    32 for the other solvers, each at its rate in SOLVER_ETA0."""
    return GDClassifier(
        loss=loss,
        solver=solver,
        batch_size=1 if solver == "sgd" else 32,
        eta0=SOLVER_ETA0[solver],
        random_state=0,
    )


def _suitable(solver, batch_size, **extra):
    """A configuration that fits the standardized blobs with each solver and
    batch size: the rates of SOLVER_ETA0 with the default 'optimal' schedule
    for batches of 1 and 32; for full-batch descent (one step per epoch) the
    'adaptive' schedule, which divides the rate by 5 whenever the objective
    stops improving, with up to 1000 epochs and, for plain gradient descent,
    a larger starting rate of 0.1."""
    params = dict(
        solver=solver,
        batch_size=batch_size,
        eta0=SOLVER_ETA0[solver],
        random_state=0,
    )
    if batch_size == "full":
        params.update(learning_rate="adaptive", max_iter=1000)
        if solver == "sgd":
            params["eta0"] = 0.1
    params.update(extra)
    return GDClassifier(**params)


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blobs():
    """Three standardized Gaussian blobs in two dimensions, 300 rows; they
    overlap: LogisticRegression's training accuracy is 0.927."""
    X, y = make_blobs(n_samples=300, centers=3, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def problems(blobs):
    """The blobs as a binary (class 2 against the rest) and a 3-class problem."""
    X, y = blobs
    return {2: (X, (y == 2).astype(int)), 3: (X, y)}


@pytest.fixture(scope="module")
def imbalanced():
    """Blobs of 150, 100 and 50 rows: binary (the 50 against the 250 others)
    and 3-class, for the class weights."""
    X, y = make_blobs(n_samples=[150, 100, 50], random_state=1)
    X = StandardScaler().fit_transform(X)
    return {2: (X, (y == 2).astype(int)), 3: (X, y)}


def _sparse_problem(n_classes, n_samples=150, n_features=6, seed=0):
    """Dense data with 40% zeros (for comparing dense and CSR fits)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X[rng.rand(n_samples, n_features) < 0.4] = 0.0
    y = np.argmax(X @ rng.randn(n_features, 3) + 0.5 * rng.randn(n_samples, 3), 1)
    if n_classes == 2:
        y = (y == 0).astype(int)
    return X, y


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _assert_same_error(action):
    """``action(Estimator)`` raises the same exception type, with the same
    message up to the class name, for SGDClassifier and GDClassifier."""
    ref_type, ref_msg = error_of(lambda: action(SGDClassifier))
    our_type, our_msg = error_of(lambda: action(GDClassifier))
    assert ref_type is not None, "SGDClassifier raised nothing"
    assert our_type is ref_type, (our_type, our_msg)
    assert normalise(our_msg) == normalise(ref_msg).replace(
        "SGDClassifier", "GDClassifier"
    )


def _states(clf):
    """The solver state of each binary problem, as a list."""
    state = clf.solver_state_
    return state if isinstance(state, list) else [state]


def _curves(clf):
    """The loss curve of each binary problem, as a list of lists."""
    return clf.loss_curve_ if len(clf.classes_) > 2 else [clf.loss_curve_]


# ---------------------------------------------------------------------------
# scikit-learn's API
# ---------------------------------------------------------------------------
def test_parameters_and_defaults_are_sgdclassifiers():
    ours = GDClassifier().get_params()
    theirs = SGDClassifier().get_params()
    auto = dict.fromkeys(AUTO_PARAMS, "auto")
    assert {k: v for k, v in ours.items() if k not in SKGD_PARAMS} == {
        **theirs, **auto
    }
    assert {k: ours[k] for k in set(ours) - set(theirs)} == SKGD_PARAMS
    # at the drop-in, "auto" is scikit-learn's default
    X, y = make_blobs(n_samples=200, centers=3, random_state=0)
    fitted = GDClassifier(random_state=0).fit(X, y)
    for name in AUTO_PARAMS:
        assert getattr(fitted, name + "_") == theirs[name], name
    # the constructor: same order, kinds and defaults, skgd's own at the end
    our_init = list(inspect.signature(GDClassifier.__init__).parameters.values())
    ref_init = list(inspect.signature(SGDClassifier.__init__).parameters.values())
    assert [
        p.replace(default="auto") if p.name in AUTO_PARAMS else p for p in ref_init
    ] == our_init[: len(ref_init)]
    assert [p.name for p in our_init[len(ref_init) :]] == list(SKGD_PARAMS)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_method_signatures_are_sgdclassifiers(method):
    """scikit-learn's parameters, then fit's keyword-only validation data."""
    ours = list(inspect.signature(getattr(GDClassifier, method)).parameters.values())
    theirs = list(inspect.signature(getattr(SGDClassifier, method)).parameters.values())
    assert ours[: len(theirs)] == theirs
    extra = ours[len(theirs) :]
    assert [p.name for p in extra] == (
        ["X_val", "y_val", "sample_weight_val"] if method == "fit" else []
    )
    assert all(p.kind is p.KEYWORD_ONLY and p.default is None for p in extra)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fitted_attributes(n_classes, early_stopping, problems):
    X, y = problems[n_classes]
    clf = GDClassifier(random_state=0, early_stopping=early_stopping).fit(X, y)
    n_rows = 1 if n_classes == 2 else n_classes
    assert_array_equal(clf.classes_, np.unique(y))
    assert clf.coef_.shape == (n_rows, X.shape[1])
    assert clf.intercept_.shape == (n_rows,)
    assert isinstance(clf.n_iter_, int)
    assert clf.t_ == 1 + clf.n_iter_ * X.shape[0]
    assert clf.n_features_in_ == X.shape[1]
    if n_classes == 2:
        assert isinstance(clf.loss_curve_, list)
        assert all(isinstance(v, float) for v in clf.loss_curve_)
        assert isinstance(clf.solver_state_, tuple)  # a NamedTuple
        assert hasattr(clf.solver_state_, "_fields")
    else:
        assert isinstance(clf.solver_state_, list)
        assert len(clf.solver_state_) == n_classes
        assert len(clf.loss_curve_) == n_classes
        assert all(isinstance(curve, list) for curve in clf.loss_curve_)
    lengths = [len(curve) for curve in _curves(clf)]
    assert max(lengths) == clf.n_iter_
    if early_stopping:
        scores = clf.validation_scores_
        scores = [scores] if n_classes == 2 else scores
        assert [len(s) for s in scores] == lengths
        assert all(0.0 <= v <= 1.0 for s in scores for v in s)
    else:
        assert clf.validation_scores_ is None


# ---------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------
# sorted label sets: the code k stands for labels[k], so that a fit on the
# labels must give the numbers of the fit on the codes.  (Object arrays of
# strings come out as numpy strings, as in SGDClassifier.)
LABEL_SETS = {
    "str": np.array(["ant", "bee", "cat"]),
    "object-str": np.array(["ant", "bee", "cat"], dtype=object),
    "int": np.array([0, 1, 2]),
    "non-contiguous-int": np.array([3, 7, 11]),
    "negative-int": np.array([-1, 1, 5]),
    "float": np.array([-1.0, 1.0, 2.0]),
    "bool": np.array([False, True]),
}
LABEL_CASES = [
    (kind, n_classes)
    for kind, labels in LABEL_SETS.items()
    for n_classes in (2, 3)
    if n_classes <= len(labels)
]


@pytest.mark.parametrize("kind, n_classes", LABEL_CASES)
def test_labels_of_any_type(kind, n_classes, problems):
    X, codes = problems[n_classes]
    labels = LABEL_SETS[kind][:n_classes]
    y = labels[codes]
    clf = GDClassifier(random_state=0).fit(X, y)
    by_code = GDClassifier(random_state=0).fit(X, codes)
    ref = SGDClassifier(random_state=0).fit(X, y)
    label_dtype = y.dtype if y.dtype != object else np.unique(y.astype(str)).dtype
    assert_array_equal(clf.classes_, np.unique(y))
    assert clf.classes_.dtype == ref.classes_.dtype == label_dtype
    assert_array_equal(clf.coef_, by_code.coef_)
    assert_array_equal(clf.intercept_, by_code.intercept_)
    pred = clf.predict(X)
    assert pred.dtype == label_dtype
    assert_array_equal(pred, labels[by_code.predict(X)])
    assert np.mean(pred == y) > 0.9
    decision = clf.decision_function(X)
    if n_classes == 2:
        assert clf.coef_.shape == (1, X.shape[1])
        assert decision.shape == (X.shape[0],)
        assert_array_equal(pred, clf.classes_[(decision > 0).astype(int)])
    else:
        assert clf.coef_.shape == (n_classes, X.shape[1])
        assert decision.shape == (X.shape[0], n_classes)
        assert_array_equal(pred, clf.classes_[np.argmax(decision, axis=1)])
    # partial_fit with the labels as classes
    partial = GDClassifier(random_state=0).partial_fit(X, y, classes=labels)
    assert_array_equal(partial.classes_, np.unique(y))
    assert partial.predict(X).dtype == label_dtype


# ---------------------------------------------------------------------------
# probabilities
# ---------------------------------------------------------------------------
def _attribute_error(estimator, name):
    with pytest.raises(AttributeError) as exc:
        getattr(estimator, name)
    return str(exc.value), str(exc.value.__cause__)


@pytest.mark.parametrize("loss", LOSSES)
def test_predict_proba_exists_exactly_for_probabilistic_losses(loss, problems):
    X, y = problems[3]
    # a constant rate: the losses whose gradient grows with the margin blow up
    # under the 'optimal' rate's first steps of alpha ** -0.25
    params = dict(loss=loss, learning_rate="constant", eta0=0.01, random_state=0)
    ours, ref = GDClassifier(**params), SGDClassifier(**params)
    expected = loss in PROBA_LOSSES
    for fitted in (False, True):
        if fitted:
            ours.fit(X, y)
            ref.fit(X, y)
        for method in ("predict_proba", "predict_log_proba"):
            assert hasattr(ours, method) is expected, (method, fitted)
            assert hasattr(ref, method) is expected
            if not expected:
                our_msg, our_cause = _attribute_error(ours, method)
                ref_msg, ref_cause = _attribute_error(ref, method)
                assert our_msg == ref_msg.replace("SGDClassifier", "GDClassifier")
                assert our_cause == ref_cause
    # availability follows the parameter
    ours.set_params(loss="hinge" if expected else "log_loss")
    assert hasattr(ours, "predict_proba") is not expected


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("loss", PROBA_LOSSES)
def test_predict_proba_is_sgdclassifiers(loss, n_classes, problems):
    X, y = problems[n_classes]
    ref = SGDClassifier(loss=loss, random_state=0).fit(X, y)
    ours = GDClassifier(loss=loss, random_state=0).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-13)
    proba = ours.predict_proba(X)
    assert proba.shape == (X.shape[0], n_classes)
    assert np.all((proba >= 0.0) & (proba <= 1.0))
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_allclose(proba, ref.predict_proba(X), rtol=1e-9, atol=1e-12)
    with np.errstate(divide="ignore"):  # modified_huber gives exact zeros
        assert_array_equal(ours.predict_log_proba(X), np.log(proba))
    if loss == "log_loss":
        # monotone in the decision: the most probable class is the prediction
        assert_array_equal(ours.classes_[proba.argmax(axis=1)], ours.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("loss", PROBA_LOSSES)
def test_predict_proba_with_adaptive_solver(loss, n_classes, problems):
    X, y = problems[n_classes]
    clf = _suitable("adam", 32, loss=loss).fit(X, y)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.mean(clf.classes_[proba.argmax(axis=1)] == y) > 0.9


# ---------------------------------------------------------------------------
# partial_fit
# ---------------------------------------------------------------------------
def test_partial_fit_first_call_needs_classes(problems):
    X, y = problems[3]
    _assert_same_error(lambda est: est().partial_fit(X, y))
    # once fitted, the classes are known
    clf = GDClassifier(random_state=0).fit(X, y)
    clf.partial_fit(X, y)
    assert_array_equal(clf.classes_, np.unique(y))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("loss", ["hinge", "log_loss"])
def test_partial_fit_sequence_is_sgdclassifiers(loss, n_classes, problems):
    """Four chunks; classes on the first call only (later calls may omit it)."""
    X, y = problems[n_classes]
    classes = np.unique(y)
    ref = SGDClassifier(loss=loss, random_state=0)
    ours = GDClassifier(loss=loss, random_state=0)
    for k, chunk in enumerate(np.array_split(np.arange(X.shape[0]), 4)):
        kwargs = {"classes": classes} if k == 0 else {}
        ref.partial_fit(X[chunk], y[chunk], **kwargs)
        ours.partial_fit(X[chunk], y[chunk], **kwargs)
        assert ours.coef_.shape == ref.coef_.shape
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-13)
        assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-13)
        assert ours.t_ == ref.t_
        assert ours.n_iter_ == ref.n_iter_ == 1


def test_partial_fit_refuses_balanced_class_weight(problems):
    X, y = problems[3]
    classes = np.unique(y)
    _assert_same_error(
        lambda est: est(class_weight="balanced").partial_fit(X, y, classes=classes)
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_partial_fit_carries_solver_state(n_classes, problems):
    """Adam's state (step count, moments) continues from chunk to chunk, in
    each one-vs-rest problem separately: 100-row chunks in batches of 16 are
    7 updates each."""
    X, y = problems[n_classes]
    clf = GDClassifier(solver="adam", batch_size=16, eta0=0.02, random_state=0)
    previous = None
    for k, chunk in enumerate(np.array_split(np.arange(X.shape[0]), 3), start=1):
        clf.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
        if n_classes == 2:
            assert isinstance(clf.solver_state_, AdamState)
        else:
            assert isinstance(clf.solver_state_, list)
            assert len(clf.solver_state_) == n_classes
        states = _states(clf)
        assert all(isinstance(s, AdamState) for s in states)
        assert [int(s.step[0]) for s in states] == [7 * k] * len(states)
        moments = [s.m.copy() for s in states]
        if previous is not None:
            for before, after in zip(previous, moments):
                assert not np.allclose(before, after)
        previous = moments
    # one state per problem, not one shared by the classes
    if n_classes > 2:
        assert len({id(s.m) for s in states}) == n_classes
        assert not np.allclose(states[0].m, states[1].m)


# ---------------------------------------------------------------------------
# class weights
# ---------------------------------------------------------------------------
def _class_weight_of(class_weight, y):
    classes = np.unique(y)
    return compute_class_weight(class_weight, classes=classes, y=y)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("class_weight", ["balanced", {0: 0.4, 1: 3.0}])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"batch_size": 8, "learning_rate": "constant"},
        {"solver": "adam", "batch_size": 32, "eta0": 0.02},
    ],
    ids=["sgd-1", "sgd-8", "adam-32"],
)
def test_binary_class_weight_is_a_sample_weight(
    params, class_weight, weighted, imbalanced
):
    """In a binary problem the class weight multiplies the sample weight in
    the update (as in SGDClassifier, where this equality holds too)."""
    X, y = imbalanced[2]
    sw = np.random.RandomState(0).uniform(0.5, 2.0, y.shape[0])
    if not weighted:
        sw = np.ones_like(sw)
    per_row = _class_weight_of(class_weight, y)[np.searchsorted(np.unique(y), y)]
    assert not np.allclose(per_row, 1.0)
    for est in (SGDClassifier, GDClassifier):
        if est is SGDClassifier and params:
            continue
        by_class = est(class_weight=class_weight, random_state=0, **params)
        by_class.fit(X, y, sample_weight=sw)
        by_row = est(random_state=0, **params).fit(X, y, sample_weight=sw * per_row)
        assert by_class.n_iter_ == by_row.n_iter_
        assert_allclose(by_class.coef_, by_row.coef_, rtol=1e-10, atol=1e-13)
        assert_allclose(by_class.intercept_, by_row.intercept_, rtol=1e-10)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 0.5, 2: 3.0}])
def test_one_vs_rest_class_weight_is_sgdclassifiers(class_weight, imbalanced):
    """One-vs-rest weighs the positive class of each binary problem only (the
    rest keep weight 1), as SGDClassifier does; so, unlike in the binary case,
    this is not a sample weight, and we check SGDClassifier's numbers."""
    X, y = imbalanced[3]
    ref = SGDClassifier(class_weight=class_weight, random_state=0).fit(X, y)
    ours = GDClassifier(class_weight=class_weight, random_state=0).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-13)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10, atol=1e-13)
    unweighted = GDClassifier(random_state=0).fit(X, y)
    assert not np.allclose(ours.coef_, unweighted.coef_)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def _with_nan(X):
    X = X.copy()
    X[5, 1] = np.nan
    return X


def _with_inf(X):
    X = X.copy()
    X[2, 0] = np.inf
    return X


# Each case does something wrong with an estimator class ``est`` on the
# 3-class blobs; the test runs it with SGDClassifier and with GDClassifier.
ERROR_CASES = {}


def _error_case(function):
    ERROR_CASES[function.__name__.strip("_").replace("_", "-")] = function
    return function


@_error_case
def _bad_loss(est, X, y):
    est(loss="logistic").fit(X, y)


@_error_case
def _bad_class_weight_string(est, X, y):
    est(class_weight="auto").fit(X, y)


@_error_case
def _bad_class_weight_list(est, X, y):
    est(class_weight=[1, 2]).fit(X, y)


@_error_case
def _class_weight_of_unknown_label(est, X, y):
    est(class_weight={9: 2.0}).fit(X, y)


@_error_case
def _pa1_with_log_loss(est, X, y):
    est(loss="log_loss", learning_rate="pa1").fit(X, y)


@_error_case
def _pa2_with_modified_huber(est, X, y):
    est(loss="modified_huber", learning_rate="pa2").fit(X, y)


@_error_case
def _single_class(est, X, y):
    est().fit(X, np.full(y.shape, 4))


@_error_case
def _single_string_class(est, X, y):
    est().fit(X, np.full(y.shape, "a"))


@_error_case
def _single_class_partial_fit(est, X, y):
    est().partial_fit(X, np.zeros_like(y), classes=[0])


@_error_case
def _continuous_y(est, X, y):
    est().fit(X, y + 0.5)


@_error_case
def _nan_in_X(est, X, y):
    est().fit(_with_nan(X), y)


@_error_case
def _inf_in_X(est, X, y):
    est().fit(_with_inf(X), y)


@_error_case
def _nan_at_predict(est, X, y):
    est().fit(X, y).predict(_with_nan(X))


@_error_case
def _n_features_at_predict(est, X, y):
    est().fit(X, y).predict(X[:, :1])


@_error_case
def _n_features_at_decision_function(est, X, y):
    est().fit(X, y).decision_function(np.c_[X, X])


@_error_case
def _n_features_at_predict_proba(est, X, y):
    est(loss="log_loss").fit(X, y).predict_proba(X[:, :1])


@_error_case
def _n_features_at_partial_fit(est, X, y):
    est().fit(X, y).partial_fit(X[:, :1], y)


@_error_case
def _partial_fit_with_other_classes(est, X, y):
    clf = est().partial_fit(X, y, classes=[0, 1, 2])
    clf.partial_fit(X, y, classes=[0, 1, 2, 3])


@_error_case
def _partial_fit_label_not_in_classes(est, X, y):
    est().partial_fit(X, y, classes=[0, 1])


@_error_case
def _partial_fit_with_early_stopping(est, X, y):
    est(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@_error_case
def _sample_weight_length(est, X, y):
    est().fit(X, y, sample_weight=np.ones(3))


@_error_case
def _predict_before_fit(est, X, y):
    est().predict(X)


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_are_sgdclassifiers(case, problems):
    X, y = problems[3]
    _assert_same_error(lambda est: ERROR_CASES[case](est, X, y))


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "adam", "batch_size": 32, "eta0": 0.02}],
    ids=["default", "adam-32"],
)
def test_n_jobs_gives_identical_fits(params, imbalanced):
    """Each one-vs-rest problem has its own seed drawn before the threads
    start: the result does not depend on the number of threads."""
    X, y = imbalanced[3]
    serial = GDClassifier(random_state=0, **params).fit(X, y)
    threaded = GDClassifier(random_state=0, n_jobs=2, **params).fit(X, y)
    assert_array_equal(threaded.coef_, serial.coef_)
    assert_array_equal(threaded.intercept_, serial.intercept_)
    assert threaded.n_iter_ == serial.n_iter_
    assert threaded.loss_curve_ == serial.loss_curve_
    for a, b in zip(_states(threaded), _states(serial)):
        for x, z in zip(a, b):
            assert_array_equal(x, z)


# ---------------------------------------------------------------------------
# every solver and batch size
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_and_batch_size_fits(solver, batch_size, blobs):
    X, y = blobs
    clf = _suitable(solver, batch_size).fit(X, y)
    assert clf.score(X, y) > 0.9
    updates_per_epoch = {1: X.shape[0], 32: -(-X.shape[0] // 32), "full": 1}
    curves = _curves(clf)
    assert max(len(curve) for curve in curves) == clf.n_iter_
    for state, curve in zip(_states(clf), curves):
        assert int(state.step[0]) == len(curve) * updates_per_epoch[batch_size]
        assert curve[-1] < curve[0]


# ---------------------------------------------------------------------------
# data formats and persistence
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "solver, batch_size",
    [("sgd", 1), ("adam", 32), ("rmsprop", "full")],
    ids=["sgd-1", "adam-32", "rmsprop-full"],
)
def test_float32_in_float32_out(solver, batch_size, n_classes, problems):
    X, y = problems[n_classes]
    clf = _suitable(solver, batch_size).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    assert np.mean(clf.predict(X.astype(np.float32)) == y) > 0.9
    for state in _states(clf):
        assert all(a.dtype == np.float32 for a in state[1:])


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "solver, batch_size",
    [("sgd", 1), ("sgd", 8), (Adam(lazy=False), 8)],
    ids=["sgd-1", "sgd-8", "dense-adam-8"],
)
def test_sparse_equals_dense(solver, batch_size, n_classes):
    """fit_intercept=False: on CSR input the intercept's steps are damped by
    0.01, as in scikit-learn."""
    X, y = _sparse_problem(n_classes)
    params = dict(
        solver=solver,
        batch_size=batch_size,
        fit_intercept=False,
        random_state=0,
        max_iter=5,
        tol=None,
    )
    dense = GDClassifier(**params).fit(X, y)
    sparse = GDClassifier(**params).fit(sp.csr_matrix(X), y)
    assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9, atol=1e-12)
    assert_array_equal(sparse.predict(sp.csr_matrix(X)), dense.predict(X))


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "adam", "batch_size": 32, "eta0": 0.02}],
    ids=["default", "adam-32"],
)
def test_pickle_round_trip_continues_identically(params, n_classes, problems):
    X, y = problems[n_classes]
    first, second = slice(0, 150), slice(150, None)
    clf = GDClassifier(random_state=0, **params)
    clf.partial_fit(X[first], y[first], classes=np.unique(y))
    copy = pickle.loads(pickle.dumps(clf))
    assert_array_equal(copy.predict(X), clf.predict(X))
    assert_array_equal(copy.decision_function(X), clf.decision_function(X))
    clf.partial_fit(X[second], y[second])
    copy.partial_fit(X[second], y[second])
    assert_array_equal(copy.coef_, clf.coef_)
    assert_array_equal(copy.intercept_, clf.intercept_)
    assert copy.t_ == clf.t_
    for a, b in zip(_states(copy), _states(clf)):
        for x, z in zip(a, b):
            assert_array_equal(x, z)


def test_pipeline_grid_search_over_rate_and_batch_size():
    """A constant rate, so that eta0 matters at every batch size (plain SGD's
    default 'optimal' schedule does not read it)."""
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(),
        GDClassifier(loss="log_loss", learning_rate="constant", random_state=0),
    )
    grid = {
        "gdclassifier__eta0": [1e-5, 0.01],
        "gdclassifier__batch_size": [1, 32, "full"],
    }
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    assert search.best_score_ > 0.95
    best = search.best_estimator_[-1]
    for name, value in search.best_params_.items():
        assert best.get_params()[name.split("__")[1]] == value
    # the rate makes a difference: with a tiny one the stopping criterion
    # sees no progress and ends the fit early, at every batch size
    assert search.best_params_["gdclassifier__eta0"] == 0.01
    tiny = search.cv_results_["param_gdclassifier__eta0"] == 1e-5
    assert np.all(search.cv_results_["mean_test_score"][tiny] < 0.95)


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------
DATASETS = {"breast_cancer": load_breast_cancer, "digits": load_digits}
_splits = {}
_reference_accuracy = {}


def _split(dataset):
    if dataset not in _splits:
        X, y = DATASETS[dataset](return_X_y=True)
        _splits[dataset] = train_test_split(
            X, y, test_size=0.25, random_state=0, stratify=y
        )
    return _splits[dataset]


def _held_out_accuracy(estimator, dataset):
    X_train, X_test, y_train, y_test = _split(dataset)
    model = make_pipeline(StandardScaler(), estimator).fit(X_train, y_train)
    return model.score(X_test, y_test)


def _logistic_regression_accuracy(dataset):
    if dataset not in _reference_accuracy:
        _reference_accuracy[dataset] = _held_out_accuracy(
            LogisticRegression(max_iter=5000), dataset
        )
    return _reference_accuracy[dataset]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("loss", ["log_loss", "hinge"])
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_real_data_accuracy_near_logistic_regression(dataset, loss, solver):
    accuracy = _held_out_accuracy(_real_data_classifier(loss, solver), dataset)
    reference = _logistic_regression_accuracy(dataset)
    assert abs(accuracy - reference) <= REAL_DATA_TOLERANCE, (accuracy, reference)


def test_accuracy_table_uses_the_tested_configurations():
    path = Path(__file__).parents[1] / "benchmarks" / "accuracy_table.py"
    spec = importlib.util.spec_from_file_location("accuracy_table", path)
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    assert table.SOLVER_ETA0 == SOLVER_ETA0
    for loss in ("log_loss", "hinge"):
        for solver in SOLVERS:
            ours = _real_data_classifier(loss, solver).get_params()
            assert table.gd_classifier(loss, solver).get_params() == ours


@pytest.mark.parametrize("multi_class", ["ovr", "multinomial"])
def test_full_batch_class_weight_is_a_sample_weight(multi_class):
    """Full batch normalises by the total weight, class weights included: a
    class weight equals the same factor on the sample weights of its rows
    (binary problems, and the multinomial model)."""
    X, y = make_blobs(n_samples=120, centers=3, random_state=0)
    if multi_class == "ovr":
        y = (y == 0).astype(int)
    X = StandardScaler().fit_transform(X)
    params = dict(
        loss="log_loss", multi_class=multi_class, batch_size="full",
        learning_rate="constant", eta0=0.1, max_iter=50, tol=None,
    )  # fmt: skip
    weighted = GDClassifier(class_weight={0: 3.0}, **params).fit(X, y)
    reweighted = GDClassifier(**params).fit(
        X, y, sample_weight=np.where(y == 0, 3.0, 1.0)
    )
    assert_allclose(weighted.coef_, reweighted.coef_, rtol=1e-10)
    assert_allclose(weighted.intercept_, reweighted.intercept_, rtol=1e-10)


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_verbose_output_is_sgdclassifiers(n_classes, early_stopping, capsys):
    X, y = make_blobs(n_samples=150, centers=n_classes, random_state=1)
    params = dict(verbose=1, random_state=0, early_stopping=early_stopping)
    outputs = []
    for estimator in (SGDClassifier(**params), GDClassifier(**params)):
        estimator.fit(X, y)
        printed = capsys.readouterr().out
        outputs.append(re.sub(r"\d+\.\d\d seconds", "<time> seconds", printed))
    assert outputs[0] == outputs[1]
    assert "-- Epoch 1\nNorm: " in outputs[1]
