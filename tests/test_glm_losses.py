"""skgd's own regression losses: 'quantile' (the pinball loss) and the
log-link half deviances 'poisson', 'gamma' and 'tweedie', compared with
scikit-learn's estimators of the same objective."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import (
    GammaRegressor,
    PoissonRegressor,
    QuantileRegressor,
    TweedieRegressor,
)
from sklearn.metrics import d2_tweedie_score
from sklearn.utils._param_validation import InvalidParameterError

from skgd import GDClassifier, GDRegressor, check_gradient
from skgd._losses import loss_value

# a sample of the solvers and batch sizes, each at its defaults
CONFIGURATIONS = [
    dict(solver="sgd", batch_size=1),
    dict(solver="sgd", batch_size=32),
    dict(solver="sgd", batch_size="full"),
    dict(solver="adam", batch_size=32),
    dict(solver="adagrad", batch_size=1),
    dict(solver="momentum", batch_size=256),
]


def _glm_data(loss, n=2000, seed=0):
    """Standardized features and targets drawn from the loss's family, with
    a log-linear mean."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 5)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    mu = np.exp(X @ np.array([0.3, -0.2, 0.1, 0.0, 0.4]) + 1.0)
    if loss == "poisson":
        y = rng.poisson(mu).astype(np.float64)
    elif loss == "gamma":
        y = rng.gamma(2.0, mu / 2.0)
    else:  # compound Poisson-gamma: zeros and positive amounts
        counts = rng.poisson(mu / 2.0)
        y = np.array([rng.gamma(2.0, 1.0, size=k).sum() for k in counts])
    return X, y


def _reference(loss, alpha):
    if loss == "poisson":
        return PoissonRegressor(alpha=alpha, tol=1e-10, max_iter=1000)
    if loss == "gamma":
        return GammaRegressor(alpha=alpha, tol=1e-10, max_iter=1000)
    return TweedieRegressor(
        power=1.5, link="log", alpha=alpha, tol=1e-10, max_iter=1000
    )


@pytest.mark.parametrize("config", CONFIGURATIONS, ids=str)
@pytest.mark.parametrize("loss", ["poisson", "gamma", "tweedie"])
def test_log_link_means_match_scikit_learns_glm(loss, config):
    """At its defaults, every sampled configuration predicts the means of
    scikit-learn's GLM with the same L2 penalty to 1%."""
    X, y = _glm_data(loss)
    ours = GDRegressor(loss=loss, random_state=0, **config).fit(X, y)
    theirs = _reference(loss, ours.alpha).fit(X, y)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=0.01)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=1e-3)


@pytest.mark.parametrize("loss", ["poisson", "gamma", "tweedie"])
def test_predict_is_the_mean_and_score_is_d2(loss):
    X, y = _glm_data(loss, n=500)
    est = GDRegressor(loss=loss, batch_size=32, random_state=0).fit(X, y)
    linear = X @ est.coef_ + est.intercept_
    np.testing.assert_allclose(est.predict(X), np.exp(linear), rtol=1e-12)
    power = {"poisson": 1.0, "gamma": 2.0, "tweedie": 1.5}[loss]
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=y.shape[0])
    expected = d2_tweedie_score(y, np.exp(linear), sample_weight=w, power=power)
    assert est.score(X, y, sample_weight=w) == pytest.approx(expected, rel=1e-12)


def test_pinball_loss_matches_quantile_regressor():
    """QuantileRegressor(alpha=0) is the exact optimum of the pinball loss;
    skgd at its defaults (L2 alpha=1e-4) reaches it within 1%."""
    rng = np.random.RandomState(0)
    X = rng.randn(3000, 4)
    y = X @ np.array([1.0, -0.5, 0.25, 0.0]) + (1.0 + np.abs(X[:, 0])) * rng.randn(3000)
    for q in (0.1, 0.5, 0.9):
        theirs = QuantileRegressor(quantile=q, alpha=0.0, solver="highs").fit(X, y)
        best = loss_value("quantile", y, theirs.predict(X), q).mean()
        for config in CONFIGURATIONS[:4]:
            ours = GDRegressor(loss="quantile", quantile=q, random_state=0, **config)
            ours.fit(X, y)
            reached = loss_value("quantile", y, ours.predict(X), q).mean()
            assert best <= reached <= 1.01 * best, (q, config, reached / best)
            # the share of targets below the fitted quantile is about q
            below = np.mean(y <= ours.predict(X))
            assert below == pytest.approx(q, abs=0.03)


@pytest.mark.parametrize(
    "loss, y_bad, name",
    [
        ("poisson", [-1.0], "HalfPoissonLoss"),
        ("gamma", [0.0], "HalfGammaLoss"),
        ("tweedie", [-1.0], "HalfTweedieLoss"),
    ],
)
def test_targets_out_of_range_raise_scikit_learns_error(loss, y_bad, name):
    X = np.ones((4, 2))
    y = np.array([1.0, 2.0, 3.0] + y_bad)
    message = f"Some value(s) of y are out of the valid range of the loss '{name}'."
    with pytest.raises(ValueError) as ours:
        GDRegressor(loss=loss).fit(X, y)
    assert str(ours.value) == message
    sklearn_name = {"poisson": PoissonRegressor, "gamma": GammaRegressor}
    if loss in sklearn_name:  # the very message of scikit-learn's GLM
        with pytest.raises(ValueError) as theirs:
            sklearn_name[loss]().fit(X, y)
        assert str(theirs.value) == message
    with pytest.raises(ValueError, match="out of the valid range"):
        GDRegressor(loss=loss).partial_fit(X, y)


def test_tweedie_power_sets_the_target_range():
    X = np.random.RandomState(0).randn(50, 2)
    y = np.linspace(-1.0, 1.0, 50)
    # the normal distribution (power 0) takes any real target
    GDRegressor(loss="tweedie", power=0.0).fit(X, y + 2.0 * (y > -0.9))
    with pytest.raises(ValueError, match="out of the valid range"):
        GDRegressor(loss="tweedie", power=1.2).fit(X, y)
    with pytest.raises(ValueError, match="out of the valid range"):
        GDRegressor(loss="tweedie", power=3.0).fit(X, np.abs(y) * (y > -0.99))


@pytest.mark.parametrize(
    "params, positive",
    [
        (dict(loss="poisson"), True),
        (dict(loss="gamma"), True),
        (dict(loss="tweedie", power=1.5), True),
        (dict(loss="tweedie", power=0.0), False),
        (dict(loss="quantile"), False),
        (dict(), False),
    ],
)
def test_positive_only_tag_as_scikit_learns_glms(params, positive):
    tags = GDRegressor(**params).__sklearn_tags__()
    assert tags.target_tags.positive_only is positive
    if params.get("loss") == "tweedie":
        theirs = TweedieRegressor(power=params["power"]).__sklearn_tags__()
        assert theirs.target_tags.positive_only is positive


def test_fit_starts_at_the_best_constant():
    """With a negligible rate the fitted intercept stays where the fit
    started: the log of the mean (log link), the quantile (pinball)."""
    rng = np.random.RandomState(0)
    X = rng.randn(400, 3)
    y = rng.gamma(2.0, 3.0, size=400)
    w = rng.uniform(0.5, 2.0, size=400)
    tiny = dict(eta0=1e-12, learning_rate="constant", max_iter=1, tol=None)
    est = GDRegressor(loss="gamma", **tiny).fit(X, y, sample_weight=w)
    assert est.intercept_[0] == pytest.approx(np.log(np.average(y, weights=w)))
    est = GDRegressor(loss="quantile", quantile=0.3, **tiny).fit(X, y)
    assert est.intercept_[0] == pytest.approx(
        np.quantile(y, 0.3, method="inverted_cdf")
    )
    # an explicit start and scikit-learn's losses keep theirs
    est = GDRegressor(loss="gamma", **tiny).fit(X, y, intercept_init=0.5)
    assert est.intercept_[0] == pytest.approx(0.5)
    assert GDRegressor(**tiny).fit(X, y).intercept_[0] == pytest.approx(0.0, abs=1e-6)
    est = GDRegressor(loss="poisson", fit_intercept=False, **tiny).fit(X, y)
    assert est.intercept_[0] == 0.0


@pytest.mark.parametrize("loss", ["quantile", "poisson", "gamma", "tweedie"])
def test_estimator_gradient_passes_finite_difference(loss):
    X, y = _glm_data("gamma", n=300)
    est = GDRegressor(loss=loss, quantile=0.7, power=1.7, max_iter=5, tol=None)
    est.fit(X, y)
    result = check_gradient(estimator=est, X=X, y=y)
    assert result.checked.sum() >= X.shape[1]
    assert result.relative_error < 1e-6


@pytest.mark.parametrize("loss", ["poisson", "tweedie"])
def test_csr_equals_dense(loss):
    """No scikit-learn numbers at stake: the intercept's step is not decayed
    on sparse input, and CSR fits as dense."""
    X, y = _glm_data(loss, n=400)
    X[np.abs(X) < 0.7] = 0.0
    params = dict(loss=loss, batch_size="full", random_state=0)
    dense = GDRegressor(**params).fit(X, y)
    csr = GDRegressor(**params).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(csr.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(csr.intercept_, dense.intercept_, rtol=1e-10)


def test_multi_output_fits_each_target():
    X, y1 = _glm_data("poisson", seed=0)
    y2 = np.random.RandomState(5).poisson(np.exp(0.5 - 0.3 * X[:, 1])).astype(float)
    Y = np.column_stack([y1, y2])
    est = GDRegressor(loss="poisson", batch_size=32, random_state=0).fit(X, Y)
    pred = est.predict(X)
    assert pred.shape == Y.shape
    for k in range(2):
        theirs = PoissonRegressor(alpha=est.alpha, tol=1e-10).fit(X, Y[:, k])
        np.testing.assert_allclose(pred[:, k], theirs.predict(X), rtol=0.01)
    expected = np.mean([d2_tweedie_score(Y[:, k], pred[:, k], power=1) for k in (0, 1)])
    assert est.score(X, Y) == pytest.approx(expected, rel=1e-12)


def test_early_stopping_scores_d2_on_validation_data():
    X, y = _glm_data("poisson", n=1200)
    X_val, y_val = X[1000:], y[1000:]
    est = GDRegressor(loss="poisson", batch_size=32, early_stopping=True,
                      random_state=0)  # fmt: skip
    est.fit(X[:1000], y[:1000], X_val=X_val, y_val=y_val)
    # the last epoch's validation score is the returned model's D²
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_val, y_val))
    assert 0.2 < est.validation_scores_[-1] < 1.0


@pytest.mark.parametrize("loss", ["quantile", "poisson", "gamma", "tweedie"])
def test_classifier_does_not_take_them(loss):
    with pytest.raises(InvalidParameterError, match="'loss' parameter of GDClassifier"):
        GDClassifier(loss=loss).fit(np.ones((4, 2)), [0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(loss="quantile", quantile=1.0), "'quantile' parameter of GDRegressor"),
        (dict(loss="quantile", quantile=0.0), "'quantile' parameter of GDRegressor"),
        (dict(loss="tweedie", power=np.inf), "'power' parameter of GDRegressor"),
    ],
)
def test_parameter_ranges(params, match):
    with pytest.raises(InvalidParameterError, match=match):
        GDRegressor(**params).fit(np.ones((4, 2)), [1.0, 2.0, 3.0, 4.0])
