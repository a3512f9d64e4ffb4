"""LossCurveDisplay: scikit-learn's Display API over loss_curve_."""

import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import SGDRegressor

from skgd import GDClassifier, GDRegressor, LossCurveDisplay

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def regression():
    rng = np.random.RandomState(0)
    X = rng.randn(150, 4)
    return X, X @ rng.randn(4) + 0.1 * rng.randn(150)


def test_regressor_curve_and_validation(regression):
    X, y = regression
    reg = GDRegressor(early_stopping=True, random_state=0).fit(X, y)
    display = LossCurveDisplay.from_estimator(reg)
    assert len(display.lines_) == 1
    assert_allclose(display.lines_[0].get_ydata(), reg.loss_curve_)
    assert_allclose(display.lines_[0].get_xdata(), np.arange(1, reg.n_iter_ + 1))
    assert_allclose(display.validation_lines_[0].get_ydata(), reg.validation_scores_)
    assert display.lines_[0].get_label() == "GDRegressor"
    assert display.ax_.get_xlabel() == "epoch"
    assert display.figure_ is display.ax_.figure


def test_validation_curve_is_in_the_legend_which_covers_no_curve(regression):
    X, y = regression
    reg = GDRegressor(early_stopping=True, random_state=0).fit(X, y)
    display = LossCurveDisplay(
        loss_curve=reg.loss_curve_, validation_scores=reg.validation_scores_
    ).plot()
    legend = display.ax_.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "training objective", "validation score",
    ]  # fmt: skip
    display.figure_.canvas.draw()
    box = legend.get_window_extent()
    assert box.y1 < display.ax_.get_window_extent().y0  # below the axes
    assert display.validation_lines_[0].get_color() == display.lines_[0].get_color()


def test_one_vs_rest_draws_one_curve_per_class():
    X, y = make_blobs(n_samples=120, centers=3, random_state=0)
    clf = GDClassifier(random_state=0).fit(X, y)
    _, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(clf, ax=ax, name="ovr", color="k")
    assert display.ax_ is ax
    assert [line.get_label() for line in display.lines_] == ["ovr 0", "ovr 1", "ovr 2"]
    for line, curve in zip(display.lines_, clf.loss_curve_):
        assert_allclose(line.get_ydata(), curve)
    assert display.validation_lines_ == []


def test_from_arrays():
    display = LossCurveDisplay(loss_curve=[3.0, 2.0, 1.5]).plot()
    assert_allclose(display.lines_[0].get_ydata(), [3.0, 2.0, 1.5])


def test_errors(regression, monkeypatch):
    X, y = regression
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(GDRegressor())
    with pytest.raises(TypeError, match="records no loss_curve_"):
        LossCurveDisplay.from_estimator(SGDRegressor().fit(X, y))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="requires matplotlib.*pip install"):
        LossCurveDisplay(loss_curve=[1.0]).plot()
