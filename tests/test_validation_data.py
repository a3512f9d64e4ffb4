"""Early stopping on the user's validation data: ``fit(X, y, *, X_val,
y_val, sample_weight_val)``, as scikit-learn's HistGradientBoosting
estimators take them.

With validation data every row of ``X`` trains, so the training is that of
``early_stopping=False`` with the same seed; each epoch's validation score
must then be scikit-learn's metric of that epoch's model on ``X_val``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skgd import GDClassifier, GDRegressor


def regression(n_targets=1):
    X, y = make_regression(260, 6, n_targets=n_targets, noise=5.0, random_state=0)
    return X[:200], y[:200], X[200:], y[200:]


def classification(n_classes):
    X, y = make_classification(
        320, 6, n_informative=4, n_classes=n_classes, random_state=0
    )
    return X[:240], y[:240], X[240:], y[240:]


def epoch_models(est, X, y, n_epochs, **fit_params):
    """The model after each epoch: the same fit without early stopping,
    stopped after 1, 2, ... epochs."""
    models = []
    for k in range(1, n_epochs + 1):
        m = sklearn.clone(est).set_params(
            early_stopping=False, restore_best_weights=False, max_iter=k, tol=None
        )
        models.append(m.fit(X, y, **fit_params))
    return models


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["sgd", "adam", "saga"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_scores_each_epoch_on_the_validation_data(n_targets, fmt, solver):
    X, y, X_val, y_val = regression(n_targets)
    if fmt == "csr":
        X, X_val = sp.csr_matrix(X), sp.csr_matrix(X_val)
    sw_val = np.linspace(0.5, 2.0, X_val.shape[0])
    eta0 = {"sgd": 0.002, "adam": 2.0}.get(solver, 0.01)  # SAGA: its own step
    # a schedule that does not read the stopping criterion (the 'adaptive'
    # one reads the validation scores here, the training loss without them)
    est = GDRegressor(
        early_stopping=True, random_state=0, eta0=eta0, tol=1e-4, solver=solver,
        learning_rate="invscaling",
    )  # fmt: skip
    est.fit(X, y, X_val=X_val, y_val=y_val, sample_weight_val=sw_val)
    assert 1 < est.n_iter_ < est.max_iter
    models = epoch_models(est, X, y, est.n_iter_)
    # every row trained: the coefficients are those of the plain fit
    assert_array_equal(est.coef_, models[-1].coef_)
    expected = [r2_score(y_val, m.predict(X_val), sample_weight=sw_val) for m in models]
    assert_allclose(est.validation_scores_, expected, rtol=1e-10)
    # and the stopping rule read them: scikit-learn's rule, run on the scores
    best, count, stop = -np.inf, 0, None
    for epoch, score in enumerate(expected, start=1):
        count = count + 1 if score < best + est.tol else 0
        best = max(best, score)
        if count >= est.n_iter_no_change_:
            stop = epoch
            break
    assert stop == est.n_iter_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "loss, multi_class",
    [("log_loss", "ovr"), ("hinge", "ovr"), ("log_loss", "multinomial")],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_scores_each_epoch_on_the_validation_data(
    loss, n_classes, multi_class
):
    X, y, X_val, y_val = classification(n_classes)
    labels = np.array(["a", "b", "c"])[:n_classes]
    y, y_val = labels[y], labels[y_val]
    est = GDClassifier(
        loss=loss, multi_class=multi_class, early_stopping=True, random_state=0,
        max_iter=8, tol=None,
    )  # fmt: skip
    est.fit(X, y, X_val=X_val, y_val=y_val)
    models = epoch_models(est, X, y, 8)
    assert_array_equal(est.coef_, models[-1].coef_)
    if multi_class == "multinomial" and n_classes > 2:
        expected = [accuracy_score(y_val, m.predict(X_val)) for m in models]
        assert_allclose(est.validation_scores_, expected, rtol=1e-12)
        return
    # one binary problem per class (one for two classes): the accuracy of
    # the sign of its decision against "the class or not"
    scores = est.validation_scores_ if n_classes > 2 else [est.validation_scores_]
    classes = est.classes_ if n_classes > 2 else est.classes_[1:]
    for i, (problem_scores, c) in enumerate(zip(scores, classes)):
        expected = [
            np.mean((np.atleast_2d(m.decision_function(X_val).T).T[:, i] > 0)
                    == (y_val == c))
            for m in models
        ]  # fmt: skip
        assert_allclose(problem_scores, expected, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_restore_best_weights_keeps_the_best_validation_epoch():
    """(Mini-batches: on the per-sample path restore_best_weights folds the
    running scale in each epoch, which changes the trajectory's digits.)"""
    X, y, X_val, y_val = regression()
    est = GDRegressor(
        early_stopping=True, restore_best_weights=True, random_state=0,
        batch_size=4, eta0=0.3, learning_rate="constant", max_iter=12, tol=None,
    )  # fmt: skip
    est.fit(X, y, X_val=X_val, y_val=y_val)
    best = int(np.argmax(est.validation_scores_))
    assert best < len(est.validation_scores_) - 1  # not simply the last one
    model = epoch_models(est, X, y, best + 1)[-1]
    assert_allclose(est.coef_, model.coef_, rtol=1e-12)
    assert est.best_validation_score_ == pytest.approx(
        r2_score(y_val, model.predict(X_val)), rel=1e-12
    )


def test_validation_data_replaces_the_split():
    """No row of X is held out: the internal split's fit differs."""
    X, y, X_val, y_val = regression()
    kw = dict(early_stopping=True, random_state=0, max_iter=5, tol=None)
    given = GDRegressor(**kw).fit(X, y, X_val=X_val, y_val=y_val)
    split = GDRegressor(**kw).fit(X, y)
    plain = GDRegressor(**{**kw, "early_stopping": False}).fit(X, y)
    assert_array_equal(given.coef_, plain.coef_)
    assert not np.allclose(split.coef_, plain.coef_)
    assert given.t_ == plain.t_


@pytest.mark.parametrize(
    "fit_params, message",
    [
        ({"X_val": "X"}, "X_val is provided, but y_val was not provided."),
        ({"y_val": "y"}, "y_val is provided, but X_val was not provided."),
        (
            {"sample_weight_val": "w"},
            "sample_weight_val is provided, but X_val and y_val were not provided.",
        ),
        ({"X_val": "X3", "y_val": "y"}, "X has 3 features, but GDRegressor is "),
        ({"X_val": "X", "y_val": "y2"}, "y_val has shape"),
        ({"X_val": "X", "y_val": "y", "sample_weight_val": "w3"}, "sample_weight"),
        ({"X_val": "X", "y_val": "y[:5]"}, "inconsistent numbers of samples"),
    ],
)
def test_bad_validation_data(fit_params, message):
    X, y, X_val, y_val = regression()
    values = {
        "X": X_val, "y": y_val, "w": np.ones(len(y_val)), "X3": X_val[:, :3],
        "y2": np.c_[y_val, y_val], "w3": np.ones(3), "y[:5]": y_val[:5],
    }  # fmt: skip
    params = {k: values[v] for k, v in fit_params.items()}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        GDRegressor(early_stopping=True).fit(X, y, **params)


@pytest.mark.parametrize("estimator", [GDRegressor, GDClassifier])
def test_validation_data_needs_early_stopping(estimator):
    X, y, X_val, y_val = classification(2)
    with pytest.raises(ValueError, match="early_stopping is False.*set to True"):
        estimator().fit(X, y, X_val=X_val, y_val=y_val)


def test_unseen_validation_labels():
    X, y, X_val, y_val = classification(3)
    with pytest.raises(ValueError, match=r"y_val contains labels that y does not"):
        GDClassifier(early_stopping=True).fit(X, y, X_val=X_val, y_val=y_val + 2)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_pipeline_transforms_the_validation_data():
    """Metadata routing with ``transform_input``: the scaler fitted on X
    transforms X_val before the estimator scores it."""
    X, y, X_val, y_val = regression()
    X, X_val = 100.0 + 30.0 * X, 100.0 + 30.0 * X_val  # far from scaled
    with sklearn.config_context(enable_metadata_routing=True):
        gd = GDRegressor(early_stopping=True, random_state=0, max_iter=6, tol=None)
        gd.set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline(
            [("scale", StandardScaler()), ("gd", gd)], transform_input=["X_val"]
        )
        pipe.fit(X, y, X_val=X_val, y_val=y_val)
        score = pipe.score(X_val, y_val)
        assert pipe[-1].validation_scores_[-1] == pytest.approx(score, rel=1e-12)
        # without transform_input the estimator sees X_val unscaled
        raw = Pipeline([("scale", StandardScaler()), ("gd", sklearn.clone(gd))])
        raw.fit(X, y, X_val=X_val, y_val=y_val)
        assert raw[-1].validation_scores_[-1] < score - 1.0
