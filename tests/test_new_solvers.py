"""Lion, AMSGrad, Nadam and Adadelta against the plain-numpy reference.

Each solver's compiled fit is compared, epoch by epoch, with the rule that
``tests/naive.py`` spells out (after PyTorch's implementations), over the
layouts, dtypes, batch sizes and options of the update order; its numpy
``update`` with its compiled rule; its hyperparameters with their
constraints; and its name with the estimators and a grid search.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from naive import RULES, naive_fit
from numpy.testing import assert_allclose
from sklearn.datasets import make_blobs, make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from test_solvers import BASE, ELASTICNET, N_EPOCHS, as_input, assert_matches, make_data

from skgd import GDClassifier, GDRegressor
from skgd.solvers import (
    SOLVER_NAMES,
    Adadelta,
    AMSGrad,
    Lion,
    Nadam,
    Solver,
    get_solver,
)

CLASSES = {"lion": Lion, "amsgrad": AMSGrad, "nadam": Nadam, "adadelta": Adadelta}
NAMES = tuple(CLASSES)
#: a base rate of sensible steps on ``make_data()``: Lion steps by eta0 per
#: coordinate, Adadelta's steps are its own (eta0=1 is the paper's method)
ETA0 = {"lion": 0.02, "amsgrad": 0.05, "nadam": 0.05, "adadelta": 1.0}
#: the solvers whose lazy sparse updates are not the dense ones: a column
#: with zero gradient keeps moving under their dense update
INEXACT_LAZY = ("lion", "amsgrad", "nadam")


def make_solver(name, lazy="auto", decoupled=None):
    params = {"lazy": lazy}
    if decoupled is not None:
        params["decoupled_weight_decay"] = decoupled
    return CLASSES[name](**params)


def fit_and_compare(
    name,
    batch_size,
    layout="dense",
    dtype="float64",
    *,
    lazy="auto",
    decoupled=None,
    estimator_solver=None,
    **params,
):
    """Fit by ``partial_fit`` (one epoch each, rows in order) and compare
    coefficients, intercept, update count and (for the built-in solver)
    state with ``naive_fit`` after each epoch.  Returns the reference
    snapshots."""
    params = {**BASE, "eta0": ETA0[name], **params}
    X_ref, y, _ = make_data()
    X = as_input(X_ref, layout)
    reference = naive_fit(
        X,
        y,
        solver=name,
        batch_size=batch_size,
        n_epochs=N_EPOCHS,
        lazy=lazy,
        decoupled_weight_decay=decoupled,
        **params,
    )
    builtin = estimator_solver is None
    solver = make_solver(name, lazy, decoupled) if builtin else estimator_solver
    reg = GDRegressor(
        solver=solver, batch_size=batch_size, shuffle=False, tol=None, **params
    )
    X_fit = X.astype(dtype)
    for epoch, snap in enumerate(reference, start=1):
        reg.partial_fit(X_fit, y.astype(dtype))
        assert reg.coef_.dtype == np.dtype(dtype)
        assert reg.solver_state_.step[0] == snap.n_updates, f"epoch {epoch}"
        assert_matches(reg.coef_, snap.coef, dtype, f"coef_, epoch {epoch}")
        assert_matches(
            reg.intercept_, [snap.intercept], dtype, f"intercept_, epoch {epoch}"
        )
        if builtin:
            assert set(snap.state) == set(type(solver).state)
            for state_name, value in snap.state.items():
                got = getattr(reg.solver_state_, state_name)
                what = f"state {state_name}, epoch {epoch}"
                assert_matches(got, value, dtype, what)
    return reference


def test_the_reference_has_a_rule_per_solver():
    for name, cls in CLASSES.items():
        assert SOLVER_NAMES[name] == (cls, {})
        assert RULES[name][1] == cls.state


# ---------------------------------------------------------------------------
# Layouts, dtypes and batch sizes (1: a batch of one row, which only plain
# SGD runs by scikit-learn's per-sample algorithm).
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("batch_size", [1, 3, "full"])
@pytest.mark.parametrize("name", NAMES)
def test_matches_reference(name, batch_size, layout, dtype):
    fit_and_compare(name, batch_size, layout, dtype)


# ---------------------------------------------------------------------------
# The options of the update order, one at a time.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "clip", [{"clip_norm": 0.5}, {"clip_value": 0.2}], ids=["norm", "value"]
)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name", NAMES)
def test_clipping(name, layout, clip):
    clipped = fit_and_compare(name, 3, layout, **clip)
    free = fit_and_compare(name, 3, layout)
    assert not np.allclose(clipped[-1].coef, free[-1].coef, rtol=1e-6, atol=0)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("penalty", [None, "l1", "elasticnet"])
@pytest.mark.parametrize("name", NAMES)
def test_penalties(name, penalty, layout):
    fit_and_compare(name, 3, layout, **{**ELASTICNET, "penalty": penalty})


@pytest.mark.parametrize("name", NAMES)
def test_l1_penalty_zeroes_a_coefficient(name):
    # makes sure the L1 cases exercise the truncation to exactly zero (Lion's
    # steps of eta0 in every coordinate need a stronger penalty, Adadelta's
    # first steps of about sqrt(epsilon) a weaker one)
    alpha = {"lion": 0.5, "adadelta": 3e-4}.get(name, 0.3)
    snaps = fit_and_compare(name, 3, **{**ELASTICNET, "penalty": "l1", "alpha": alpha})
    assert np.any(snaps[-1].coef == 0.0)
    assert np.any(snaps[-1].coef != 0.0)


@pytest.mark.parametrize("average, batch_size", [(True, 3), (4, 7), (True, "full")])
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name", NAMES)
def test_averaging(name, average, batch_size, layout):
    fit_and_compare(name, batch_size, layout, average=average, **ELASTICNET)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name", NAMES)
def test_decoupled_weight_decay(name, layout):
    params = {**BASE, "alpha": 0.5}
    decoupled = fit_and_compare(name, 3, layout, decoupled=True, **params)
    coupled = fit_and_compare(name, 3, layout, decoupled=False, **params)
    assert not np.allclose(decoupled[-1].coef, coupled[-1].coef, rtol=1e-6)


def test_lion_decouples_its_weight_decay_by_default():
    # as the paper and its reference implementations define Lion
    assert Lion().decoupled_weight_decay
    for cls in (AMSGrad, Nadam, Adadelta):
        assert not cls().decoupled_weight_decay
    fit_and_compare("lion", 3, **{**BASE, "alpha": 0.5})


# ---------------------------------------------------------------------------
# Sparse input: the lazy option.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("lazy", [True, False])
@pytest.mark.parametrize("batch_size", [2, 7])
@pytest.mark.parametrize("name", NAMES)
def test_sparse_lazy_option(name, batch_size, lazy):
    fit_and_compare(name, batch_size, "csr", lazy=lazy, **ELASTICNET)


def _final_coef(name, X, y, lazy, penalty):
    reg = GDRegressor(
        solver=make_solver(name, lazy),
        batch_size=2,
        shuffle=False,
        tol=None,
        fit_intercept=False,  # on sparse input its updates are scaled by 0.01
        **{**ELASTICNET, "eta0": ETA0[name], "penalty": penalty},
    )
    for _ in range(N_EPOCHS):
        reg.partial_fit(X, y)
    return reg.coef_


@pytest.mark.parametrize(
    "name, lazy, penalty, same_as_dense",
    [
        # Adadelta's columns of zero gradient do not move, and the decay of
        # both its averages is caught up exactly (lazy_decay)
        ("adadelta", True, None, True),
        # the others keep moving them on dense input
        *[(name, True, None, False) for name in INEXACT_LAZY],
        *[(name, False, "elasticnet", True) for name in NAMES],
    ],
)
def test_sparse_against_dense(name, lazy, penalty, same_as_dense):
    X, y, _ = make_data()
    dense = _final_coef(name, X, y, lazy, penalty)
    sparse = _final_coef(name, sp.csr_matrix(X), y, lazy, penalty)
    assert np.allclose(sparse, dense, rtol=1e-9, atol=1e-13) == same_as_dense


def test_only_adadelta_catches_up_lazily():
    assert Adadelta.lazy_decay == "rho"
    for name in INEXACT_LAZY:
        assert CLASSES[name].lazy_decay is None


# ---------------------------------------------------------------------------
# Several outputs: the general pass, each target its own single-target fit.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name", NAMES)
def test_multi_output_is_one_reference_fit_per_target(name, layout):
    X_ref, y, _ = make_data()
    Y = np.column_stack([y, 0.5 * y[::-1] - 1.0])
    X = as_input(X_ref, layout)
    params = {**ELASTICNET, "eta0": ETA0[name]}
    reg = GDRegressor(
        solver=make_solver(name), batch_size=3, shuffle=False, tol=None, **params
    )
    references = [
        naive_fit(X, Y[:, k], solver=name, batch_size=3, n_epochs=N_EPOCHS, **params)
        for k in range(2)
    ]
    for epoch in range(N_EPOCHS):
        reg.partial_fit(X, Y)
        assert reg.coef_.shape == (2, X.shape[1])
        for k, reference in enumerate(references):
            snap = reference[epoch]
            what = f"target {k}, epoch {epoch + 1}"
            assert_matches(reg.coef_[k], snap.coef, "float64", what)
            assert_matches(reg.intercept_[k], snap.intercept, "float64", what)


@pytest.mark.parametrize("name", NAMES)
def test_multinomial_classifier_learns(name):
    X, y = make_blobs(n_samples=300, centers=4, cluster_std=2.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    reference = LogisticRegression().fit(X, y).score(X, y)
    eta0 = {"lion": 0.01, "adadelta": 1.0}.get(name, 0.05)
    model = GDClassifier(
        loss="log_loss",
        multi_class="multinomial",
        solver=name,
        batch_size=16,
        eta0=eta0,
        max_iter=100,
        random_state=0,
    ).fit(X, y)
    assert model.coef_.shape == (4, 2)
    assert isinstance(model.solver_state_, CLASSES[name].State)
    assert model.score(X, y) > reference - 0.03


# ---------------------------------------------------------------------------
# The numpy ``update`` is the compiled rule.
# ---------------------------------------------------------------------------
def numpy_twin(cls):
    """A solver with ``cls``'s hyperparameters, state and numpy ``update``
    but no rule: it runs on the numpy path."""
    return type(
        f"Numpy{cls.__name__}",
        (Solver,),
        {
            "__init__": cls.__init__,
            "update": cls.update,
            "state": cls.state,
            "State": cls.State,
            "__module__": __name__,
        },
    )


TWINS = {name: numpy_twin(cls) for name, cls in CLASSES.items()}


@pytest.mark.parametrize("step0", [0, 40, 8000])
@pytest.mark.parametrize("name", NAMES)
def test_numpy_update_is_the_rule_applied_with_numpy(name, step0):
    """``update`` against ``Solver.update``, which applies the rule (and
    ``begin``/``prepare``/``finish``) with numpy; from update ``step0`` on
    (8000: Nadam's product of momentum coefficients has underflowed)."""
    rng = np.random.default_rng(0)
    solver = CLASSES[name]()
    states = [solver.init_state(7, np.float64) for _ in range(2)]
    for state in states:
        state.step[0] = step0
    for _ in range(6):
        grad = rng.normal(size=7)
        grad[2] = 0.0  # Lion's sign(0) = 0 at the first update
        expected, _ = Solver.update(solver, grad, states[0])
        got, _ = solver.update(grad, states[1])
        assert_allclose(got, expected, rtol=1e-12, atol=1e-300)
        for field in states[0]._fields:
            assert_allclose(getattr(states[1], field), getattr(states[0], field))
    assert states[1].step[0] == step0 + 6


@pytest.mark.parametrize(
    "extra", [{}, {"average": True, "clip_norm": 0.5}], ids=["plain", "avg-clip"]
)
@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("name", NAMES)
def test_numpy_path_equals_compiled_path(name, layout, extra):
    twin = TWINS[name](lazy=False)
    assert type(twin)._own("rule") is None  # the numpy path
    params = {**ELASTICNET, **extra}
    # against the reference (the numpy path updates every column) ...
    fit_and_compare(name, 3, layout, lazy=False, estimator_solver=twin, **params)
    # ... and against the compiled solver, state included
    X, y, _ = make_data()
    X = as_input(X, layout)
    fits = [
        GDRegressor(
            solver=solver,
            batch_size=3,
            shuffle=False,
            tol=None,
            **{**params, "eta0": ETA0[name]},
        )
        for solver in (TWINS[name](lazy=False), CLASSES[name](lazy=False))
    ]
    for _ in range(N_EPOCHS):
        for reg in fits:
            reg.partial_fit(X, y)
    numpy_fit, compiled = fits
    assert_allclose(numpy_fit.coef_, compiled.coef_, rtol=1e-9, atol=1e-13)
    assert_allclose(numpy_fit.intercept_, compiled.intercept_, rtol=1e-9)
    for field in compiled.solver_state_._fields:
        got = getattr(numpy_fit.solver_state_, field)
        expected = getattr(compiled.solver_state_, field)
        assert_allclose(got, expected, rtol=1e-9, atol=1e-15, err_msg=field)


def test_lion_leaves_a_coordinate_of_zero_gradient_in_place():
    # sign(0) = 0: a feature that is always zero never moves, even densely
    X, y, _ = make_data()
    X = X.copy()
    X[:, 2] = 0.0
    reg = GDRegressor(solver="lion", batch_size=4, penalty=None, max_iter=5, tol=None)
    reg.fit(X, y)
    assert reg.coef_[2] == 0.0
    assert np.all(reg.coef_[[0, 3, 4, 5]] != 0.0)


def test_amsgrad_keeps_the_largest_second_moment():
    X, y, _ = make_data()
    reg = GDRegressor(solver="amsgrad", batch_size=4, max_iter=5, tol=None)
    reg.set_params(random_state=0).fit(X, y)
    state = reg.solver_state_
    assert np.all(state.v_max >= state.v)
    assert np.any(state.v_max > state.v)  # the second moment has come down


# ---------------------------------------------------------------------------
# Hyperparameters: constrained, checked when the estimator fits.
# ---------------------------------------------------------------------------
DECAY = "a float in the range [0.0, 1.0)"
POSITIVE = "a float in the range (0.0, inf)"
LAZY = "a str among {'auto'} or an instance of 'bool' or an instance of 'numpy.bool'"
BOOL = "an instance of 'bool' or an instance of 'numpy.bool'"

BAD = [
    (Lion, "beta_1", 1.5, DECAY),
    (Lion, "beta_2", 1.0, DECAY),
    (Lion, "lazy", "no", LAZY),
    (Lion, "decoupled_weight_decay", "yes", BOOL),
    (AMSGrad, "beta_1", -0.1, DECAY),
    (AMSGrad, "beta_2", 1.0, DECAY),
    (AMSGrad, "epsilon", 0.0, POSITIVE),
    (AMSGrad, "lazy", 2, LAZY),
    (AMSGrad, "decoupled_weight_decay", None, BOOL),
    (Nadam, "beta_1", 1.5, DECAY),
    (Nadam, "beta_2", "abc", DECAY),
    (Nadam, "epsilon", -1e-8, POSITIVE),
    (Nadam, "momentum_decay", -0.004, "a float in the range [0.0, inf)"),
    (Nadam, "lazy", None, LAZY),
    (Nadam, "decoupled_weight_decay", 1, BOOL),
    (Adadelta, "rho", 1.0, DECAY),
    (Adadelta, "epsilon", 0.0, POSITIVE),
    (Adadelta, "lazy", "sometimes", LAZY),
    (Adadelta, "decoupled_weight_decay", 0.5, BOOL),
]


@pytest.mark.parametrize("cls, param, value, constraint", BAD, ids=repr)
def test_bad_hyperparameters_raise_when_fitting(cls, param, value, constraint):
    X, y, _ = make_data()
    solver = cls(**{param: value})  # __init__ only stores them
    expected = (
        f"The {param!r} parameter of {cls.__name__} must be {constraint}. "
        f"Got {value!r} instead."
    )
    with pytest.raises(InvalidParameterError, match=re.escape(expected)):
        GDRegressor(solver=solver).fit(X, y)
    with pytest.raises(InvalidParameterError, match=re.escape(expected)):
        GDClassifier(solver=solver).fit(X, y > 0)


@pytest.mark.parametrize("cls", CLASSES.values(), ids=lambda c: c.__name__)
def test_every_hyperparameter_is_constrained(cls):
    params = set(cls().get_params())
    assert params == set(cls._parameter_constraints)
    assert params == {param for c, param, _, _ in BAD if c is cls}


@pytest.mark.parametrize(
    "solver",
    [Lion(beta_1=0.0, beta_2=0.0, lazy=False), AMSGrad(beta_1=0.0, beta_2=0.0),
     Nadam(beta_1=0.0, momentum_decay=0.0, lazy=True), Adadelta(rho=0.0)],
    ids=repr,
)  # fmt: skip
def test_values_on_the_bounds_are_accepted(solver):
    X, y, _ = make_data()
    reg = GDRegressor(solver=solver, batch_size=8, max_iter=3, tol=None).fit(X, y)
    assert np.all(np.isfinite(reg.coef_))


# ---------------------------------------------------------------------------
# The names.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_name_stands_for_the_defaults(name):
    assert repr(get_solver(name)) == f"{CLASSES[name].__name__}()"
    X, y, _ = make_data()
    params = dict(batch_size=4, max_iter=3, tol=None, random_state=0)
    by_name = GDRegressor(solver=name, **params).fit(X, y)
    by_object = GDRegressor(solver=CLASSES[name](), **params).fit(X, y)
    assert isinstance(by_name.solver_state_, CLASSES[name].State)
    assert by_name.solver_state_.step[0] == 3 * 10
    assert_allclose(by_name.coef_, by_object.coef_, rtol=1e-12)


def test_an_invalid_name_lists_the_new_ones():
    X, y, _ = make_data()
    with pytest.raises(InvalidParameterError) as exc:
        GDRegressor(solver="lbfgs").fit(X, y)
    for name in NAMES:
        assert repr(name) in str(exc.value)


def test_grid_search_over_solver_names():
    X, y = make_regression(200, 5, noise=1, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    est = GDRegressor(batch_size=16, max_iter=50, random_state=0)
    grid = {"solver": list(NAMES), "eta0": [0.01, 1.0]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the non-converged small rates
        search = GridSearchCV(est, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert set(search.cv_results_["param_solver"]) == set(NAMES)
    assert search.best_params_["solver"] in NAMES
    assert search.best_score_ > 0.99


# the schedule each solver needs on standardised features and target
# (Adadelta: the paper's method, a constant rate of 1)
SANITY = {
    "lion": {"eta0": 0.1},
    "amsgrad": {"eta0": 0.1},
    "nadam": {"eta0": 0.1},
    "adadelta": {"eta0": 1.0, "learning_rate": "constant"},
}


@pytest.mark.parametrize("name", NAMES)
def test_fits_a_standardised_regression(name):
    X, y = make_regression(200, 5, noise=1, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    reg = GDRegressor(solver=name, batch_size=32, max_iter=200, **SANITY[name])
    reg.set_params(random_state=0).fit(X, y)  # Lion: 0.9915 to 0.998 by seed
    assert reg.score(X, y) > 0.99
