"""Solver hyperparameters are validated the scikit-learn way when the
estimator fits, and a solver class or a nested parameter of a solver name
gets an error that names the fix."""

import re

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skgd import GDClassifier, GDRegressor
from skgd.solvers import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp

X, y = make_regression(60, 4, random_state=0)

DECAY = "a float in the range [0.0, 1.0)"
POSITIVE = "a float in the range (0.0, inf)"
LAZY = "a str among {'auto'} or an instance of 'bool' or an instance of 'numpy.bool'"
BOOL = "an instance of 'bool' or an instance of 'numpy.bool'"

#: (solver class, parameter, a bad value, the constraint as worded)
BAD = [
    (Momentum, "momentum", 1.0, DECAY),
    (Momentum, "momentum", -0.1, DECAY),
    (Momentum, "momentum", "abc", DECAY),
    (Momentum, "nesterov", "yes", BOOL),
    (Momentum, "lazy", "sometimes", LAZY),
    (AdaGrad, "epsilon", -1.0, POSITIVE),
    (AdaGrad, "epsilon", 0.0, POSITIVE),
    (AdaGrad, "initial_accumulator_value", -0.5, "a float in the range [0.0, inf)"),
    (AdaGrad, "lazy", 2, LAZY),
    (RMSProp, "rho", 1.0, DECAY + " or a str among {'auto'}"),
    (RMSProp, "epsilon", -1e-8, POSITIVE),
    (RMSProp, "lazy", None, LAZY),
    (Adam, "beta_1", 1.5, DECAY),
    (Adam, "beta_2", 1.0, DECAY),
    (Adam, "epsilon", 0.0, POSITIVE),
    (Adam, "lazy", "no", LAZY),
    (AdamW, "beta_1", -0.2, DECAY),
    (AdamW, "beta_2", 2.0, DECAY),
    (AdamW, "epsilon", -1.0, POSITIVE),
    (SGD, "decoupled_weight_decay", "yes", BOOL),
    (Momentum, "decoupled_weight_decay", 1, BOOL),
    (AdaGrad, "decoupled_weight_decay", None, BOOL),
    (RMSProp, "decoupled_weight_decay", "no", BOOL),
    (Adam, "decoupled_weight_decay", 0.5, BOOL),
]


@pytest.mark.parametrize(
    "solver_class, name, value, constraint", BAD, ids=lambda v: repr(v)
)
def test_bad_hyperparameters_raise_when_fitting(solver_class, name, value, constraint):
    solver = solver_class(**{name: value})  # __init__ only stores them
    expected = (
        f"The {name!r} parameter of {solver_class.__name__} must be {constraint}. "
        f"Got {value!r} instead."
    )
    for est in (GDRegressor(solver=solver, batch_size=8), GDClassifier(solver=solver)):
        target = y if isinstance(est, GDRegressor) else y > 0
        with pytest.raises(InvalidParameterError, match=re.escape(expected)):
            est.fit(X, target)
        with pytest.raises(InvalidParameterError, match=re.escape(expected)):
            est.partial_fit(X, target, **({} if target is y else {"classes": [0, 1]}))


def test_every_hyperparameter_of_every_builtin_solver_is_constrained():
    for solver_class in (SGD, Momentum, AdaGrad, RMSProp, Adam, AdamW):
        params = set(solver_class().get_params())
        assert params == set(solver_class._parameter_constraints), solver_class
        covered = {name for cls, name, _, _ in BAD if cls is solver_class}
        if solver_class is not AdamW:  # AdamW's lazy is Adam's constraint
            assert covered == params, solver_class


@pytest.mark.parametrize(
    "solver",
    [Momentum(momentum=0.0, nesterov=True, lazy=False), AdaGrad(epsilon=1e-3),
     RMSProp(rho=0.0, lazy=True), Adam(beta_1=0.0, beta_2=0.5, lazy="auto")],
    ids=repr,
)  # fmt: skip
def test_values_on_the_bounds_are_accepted(solver):
    reg = GDRegressor(solver=solver, batch_size=8, max_iter=3, tol=None).fit(X, y)
    assert np.all(np.isfinite(reg.coef_))


def test_a_solver_class_is_refused_with_the_fix():
    with pytest.raises(InvalidParameterError, match=r"solver=Adam\(\)"):
        GDRegressor(solver=Adam).fit(X, y)


@pytest.mark.parametrize(
    "name, obj", [("adam", "Adam()"), ("nesterov", "Momentum(nesterov=True)")]
)
def test_nested_parameter_of_a_solver_name_names_the_fix(name, obj):
    est = GDRegressor(solver=name, batch_size=8)
    with pytest.raises(ValueError, match=re.escape(f"solver={obj}")):
        est.set_params(solver__beta_1=0.8)
    search = GridSearchCV(est, {"solver__momentum": [0.5, 0.9]}, cv=2)
    with pytest.raises(ValueError, match=re.escape(f"solver={obj}")):
        search.fit(X, y)
    # with the object, the same grid runs
    est.set_params(solver=Momentum(nesterov=True), max_iter=5, tol=None)
    GridSearchCV(est, {"solver__momentum": [0.5, 0.9]}, cv=2).fit(X, y)
