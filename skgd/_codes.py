"""Integer codes for names crossing into the compiled layer.

The compiled layer (``skgd._jit``) uses the same numbers (``tests/test_kernels.py``
checks that the tables agree); this module stays free of numba so that
``import skgd`` is cheap.  Solvers are not codes: each solver's rule is
compiled into kernels of its own.
"""

# scikit-learn's own codes (``sklearn.linear_model._sgd_fast``).
PENALTY_CODES = {"none": 0, "l1": 1, "l2": 2, "elasticnet": 3}
LEARNING_RATE_CODES = {
    "constant": 1,
    "optimal": 2,
    "invscaling": 3,
    "adaptive": 4,
    "pa1": 5,
    "pa2": 6,
}
LOSS_CODES = {
    "squared_error": 0,
    "huber": 1,
    "epsilon_insensitive": 2,
    "squared_epsilon_insensitive": 3,
    "hinge": 4,
    "log_loss": 5,
    "modified_huber": 6,
    "squared_hinge": 7,
    "perceptron": 8,
    # skgd's own regression losses (no scikit-learn SGD number at stake)
    "quantile": 9,
    "poisson": 10,
    "gamma": 11,
    "tweedie": 12,
}
#: the losses scikit-learn's SGD estimators have
SKLEARN_LOSSES = tuple(LOSS_CODES)[:9]
REGRESSION_LOSSES = (
    "squared_error",
    "huber",
    "epsilon_insensitive",
    "squared_epsilon_insensitive",
)
#: skgd's losses of the log link (half deviances of the Tweedie family)
LOG_LINK_LOSSES = ("poisson", "gamma", "tweedie")
#: skgd's own regression losses
SKGD_REGRESSION_LOSSES = ("quantile", *LOG_LINK_LOSSES)
