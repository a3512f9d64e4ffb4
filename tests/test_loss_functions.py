"""The estimators' ``loss_functions`` table: scikit-learn's keys and default
parameters, with loss objects whose values and derivatives are
scikit-learn's."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import SGDClassifier, SGDRegressor

from skgd import GDClassifier, GDRegressor

# scikit-learn's own loss objects that have its py_loss / py_dloss
PY_LOSSES = (
    "hinge", "squared_hinge", "perceptron", "modified_huber",
    "epsilon_insensitive", "squared_epsilon_insensitive",
)  # fmt: skip


@pytest.mark.parametrize(
    "ours, theirs", [(GDRegressor, SGDRegressor), (GDClassifier, SGDClassifier)]
)
def test_same_keys_and_default_parameters(ours, theirs):
    assert set(ours.loss_functions) == set(theirs.loss_functions)
    for name, entry in theirs.loss_functions.items():
        assert ours.loss_functions[name][1:] == entry[1:], name
    assert ours(epsilon=0.9).set_params(epsilon=0.1).loss_functions["huber"][1] == 0.1


@pytest.mark.parametrize("name", PY_LOSSES)
def test_values_and_derivatives_are_sklearns(name):
    ours_cls, *args = GDClassifier.loss_functions[name]
    theirs_cls, *theirs_args = SGDClassifier.loss_functions[name]
    ours, theirs = ours_cls(*args), theirs_cls(*theirs_args)
    for p in (-2.5, -1.0, -0.3, 0.0, 0.05, 0.1, 1.0, 3.0):
        for y in (-1.0, 1.0, 0.4):
            assert ours.py_loss(p, y) == pytest.approx(theirs.py_loss(p, y)), (p, y)
            assert ours.py_dloss(p, y) == pytest.approx(theirs.py_dloss(p, y)), (p, y)


@pytest.mark.parametrize("name", ["log_loss", "squared_error", "huber"])
def test_array_interface_matches_sklearns(name):
    rng = np.random.RandomState(0)
    y = (rng.rand(50) > 0.5).astype(float) if name == "log_loss" else rng.randn(50)
    p = 2 * rng.randn(50)
    sw = rng.rand(50)
    ours_cls, *args = GDClassifier.loss_functions[name]
    theirs_cls, *theirs_args = SGDClassifier.loss_functions[name]
    ours, theirs = ours_cls(*args), theirs_cls(*theirs_args)
    expected_loss = np.empty(50)
    expected_grad = np.empty(50)
    theirs.loss(y, p, sw, expected_loss, 1)
    theirs.gradient(y, p, sw, expected_grad, 1)
    out = np.empty(50)
    assert ours.loss(y, p, sw, out) is out
    assert_allclose(out, expected_loss, rtol=1e-12)
    assert_allclose(ours.gradient(y, p, sample_weight=sw), expected_grad, rtol=1e-12)
