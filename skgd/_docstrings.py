"""The docstring fragments both estimators share: skgd's own parameters,
attributes and notes, written once.

A line of a class docstring that holds only ``%(name)s`` stands for the
fragment ``name``, indented as that line; ``fill_docstring`` puts the
fragments in when the class is defined, so that ``__doc__`` (what numpydoc,
sphinx and ``help`` read) holds the whole text.
"""

import re
from string import Template

#: the opening promise; ``$sgd`` is the scikit-learn estimator replaced
DROP_IN = """\
A drop-in replacement for :class:`sklearn.linear_model.$sgd`:
every parameter, method, fitted attribute, error and warning of
``$sgd`` is here with the same meaning, and with the default
``solver="sgd"``, ``batch_size=1`` and an integer ``random_state`` the
fitted ``coef_``, ``intercept_``, ``n_iter_`` and ``t_`` are
``$sgd``'s.
"""

#: the schedules skgd adds to ``learning_rate`` (inside its description)
EPOCH_SCHEDULES = """\
skgd adds schedules evaluated once per epoch ``e`` (0-based,
counted over ``fit``, or over the ``partial_fit`` calls), the rate
being constant within the epoch:

- 'exponential': ``eta = eta0 * gamma**e``;
- 'step': ``eta = eta0 * gamma**(e // step_size)``;
- 'cosine': from ``eta0`` down to ``eta_min`` over ``max_iter``
  epochs, ``eta_min + (eta0 - eta_min) * (1 + cos(pi * e' / T)) / 2``
  with ``e' = e - warmup_epochs`` and ``T = max_iter - warmup_epochs``,
  after ``warmup_epochs`` of linear warm-up;
- a callable ``schedule(e) -> eta``, e.g. a picklable object with a
  ``__call__`` method (your own schedule).
"""

#: how a gradient becomes a step: ``solver``, ``batch_size``, clipping
SOLVER_PARAMETERS = """\
solver : str or Solver, default='sgd'
    *skgd.* How a gradient becomes a step: 'sgd' (plain gradient
    descent), the name of another solver of :mod:`skgd.solvers`
    ($solver_names), or a solver object carrying its own
    hyperparameters (``Adam(beta_1=0.8)``), including a subclass of
    :class:`skgd.solvers.Solver` that you write. Nested parameters
    (``solver__beta_1``) can be grid-searched. For 'adamw' and 'lion' the
    L2 part of the penalty is decoupled weight decay instead of a
    gradient term. 'saga' (:class:`skgd.solvers.SAGA`) is the incremental
    gradient method with one stored gradient per row: per-sample only
    (``batch_size=1``), for the losses with a Lipschitz derivative, with
    a constant step of its own taken from the data (``learning_rate``,
    ``eta0`` and ``power_t`` are then ignored), no clipping, no
    averaging; it converges to the exact minimum. 'ftrl'
    (:class:`skgd.solvers.FTRL`) is FTRL-Proximal, which owns the
    penalty (``l1 = alpha * l1_ratio``, ``l2 = alpha * (1 - l1_ratio)``)
    and gives exact zeros in closed form, lazily on sparse input.

batch_size : int or 'full', default=1
    *skgd.* How the gradient is sampled: 1 is per-sample SGD (the
    default, scikit-learn's algorithm), an int ``k`` averages the
    gradient over mini-batches of ``k`` rows (the last batch of an epoch
    is smaller when ``k`` does not divide the number of rows), and
    'full' is batch gradient descent: one step per epoch along the exact
    gradient of the objective. For integer batch sizes the sample
    weights enter the gradient as they are (as in scikit-learn, whose
    per-sample step is proportional to the weight); for 'full' they are
    normalised to mean one, so that the step is the gradient of
    ``sum_i s_i L_i / sum_i s_i + R(w)``.

clip_norm : float or None, default=None
    *skgd.* Clip the gradient (coefficients and intercept together) to
    this L2 norm before the solver sees it: the classic guard against
    exploding gradients.

clip_value : float or None, default=None
    *skgd.* Clip each component of the gradient to
    ``[-clip_value, clip_value]`` before the solver sees it.
"""

#: the per-epoch schedules' parameters, the best weights, the adaptive
#: state across calls and the block shuffle
EPOCH_PARAMETERS = """\
gamma : float, default=0.9
    *skgd.* The decay factor of the 'exponential' and 'step' schedules,
    in (0, 1].

step_size : int, default=10
    *skgd.* The number of epochs between two decays of the 'step'
    schedule.

eta_min : float, default=0.0
    *skgd.* The floor of the 'cosine' schedule.

warmup_epochs : int, default=0
    *skgd.* Epochs of linear warm-up of the 'cosine' schedule, from
    ``eta0 / (warmup_epochs + 1)`` up to ``eta0``.

restore_best_weights : bool, default=False
    *skgd.* When True, ``fit`` (and each ``partial_fit``) leaves
    ``coef_`` and ``intercept_`` at the epoch with the best validation
    score (with ``early_stopping``) or the best training objective
    (without), instead of the last epoch's. The solver state is not
    rewound. On the per-sample plain SGD path the running scale is then
    folded into the weights each epoch, so the numbers differ from
    scikit-learn's in the last digits.

keep_adaptive_state : bool, default=False
    *skgd.* With ``learning_rate='adaptive'``, let ``partial_fit`` carry
    the current rate and the stopping counters over to the next call, so
    that a sequence of ``partial_fit`` calls behaves as the epochs of one
    ``fit``. The default restarts at ``eta0`` on every call, as
    scikit-learn does.

shuffle_block_size : int or None, default=None
    *skgd.* With ``shuffle=True``, shuffle blocks of this many
    consecutive rows instead of single rows: each epoch visits the
    blocks in a new random order and the rows of a block in their order
    in X. Reading rows in runs is kinder to the memory cache and makes
    an epoch faster on large data, at the price of a less random order
    (shuffle or sort the data once beforehand so that a block is not a
    cluster of similar rows). The dot product of each row is then
    summed in SIMD registers rather than strictly left to right (the
    same value to rounding). None keeps scikit-learn's per-row
    permutation, and its numbers.

sparse_intercept_decay : 'auto' or float in (0, 1], default='auto'
    *skgd.* The factor of the intercept's step on sparse input
    (scipy.sparse X); dense input always takes the full step.
    scikit-learn multiplies the intercept's step by 0.01 on sparse input
    only, so the same data as a CSR matrix and as a dense array give
    different models. 'auto' keeps scikit-learn's 0.01 where the fit runs
    scikit-learn's per-sample algorithm (``solver='sgd'``,
    ``batch_size=1``, no clipping: the drop-in configuration, whose
    numbers are scikit-learn's) and is 1 everywhere else, so that sparse
    input fits as dense. Set 1.0 to fit sparse as dense in the drop-in
    configuration too, or 0.01 to damp the intercept everywhere as
    scikit-learn does.
"""

#: the best objective and validation score of the last call
BEST_ATTRIBUTES = """\
best_loss_ : float, list of float or None
    *skgd.* The best training objective over the epochs (None with
    ``early_stopping``; a list, one per class, for a one-vs-rest
    classifier).

best_validation_score_ : float, list of float or None
    *skgd.* The best validation score over the epochs (None without
    ``early_stopping``; a list, one per class, for a one-vs-rest
    classifier).

eta0_ : float
    *skgd.* The ``eta0`` the fit used: the parameter, or the value its
    'auto' took (read off the data of the call that started the model;
    a ``partial_fit`` that continues it keeps it).

learning_rate_ : str or callable
    *skgd.* The schedule the fit used ('auto' resolved).

tol_ : float or None
    *skgd.* The stopping tolerance the fit used ('auto' resolved; None
    when stopping on ``tol`` is disabled).

n_iter_no_change_ : int
    *skgd.* The patience the fit used ('auto' resolved).
"""

#: the callbacks (a paragraph of Notes)
CALLBACKS_NOTE = """\
*skgd.* ``set_callbacks`` (scikit-learn's callback API) attaches
callbacks such as :class:`sklearn.callback.ProgressBar` and
:class:`sklearn.callback.ScoringMonitor` to ``fit`` and ``partial_fit``:
each epoch is a subtask (for a one-vs-rest classifier, of its class's
problem); its callbacks see the model as it stands and may stop the
training of its problem after it (see :ref:`callbacks`).
"""

#: fit's validation data (parameters of ``fit``)
FIT_VALIDATION = """\
X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
    *skgd.* Validation data for ``early_stopping``, scored instead of a
    ``validation_fraction`` split of ``X`` (every row of ``X`` then
    trains). Requires ``early_stopping=True`` and ``y_val``, as in
    scikit-learn's HistGradientBoosting estimators. In a
    :class:`~sklearn.pipeline.Pipeline`, ``X_val`` is transformed as
    ``X`` is with ``Pipeline(..., transform_input=["X_val"])`` and
    metadata routing (see :ref:`validation-data`).
y_val : array-like of shape (n_val,)$y_val_shape, default=None
    *skgd.* The targets of ``X_val``$y_val_note.
sample_weight_val : array-like of shape (n_val,), default=None
    *skgd.* The weights of the validation rows in the validation score.
"""

FRAGMENTS = {
    "drop_in": DROP_IN,
    "epoch_schedules": EPOCH_SCHEDULES,
    "solver_parameters": SOLVER_PARAMETERS,
    "epoch_parameters": EPOCH_PARAMETERS,
    "best_attributes": BEST_ATTRIBUTES,
    "callbacks_note": CALLBACKS_NOTE,
    "fit_validation": FIT_VALIDATION,
}

#: the methods whose docstrings hold fragments too
_METHODS = ("fit",)


def _solver_names():
    """The registered solver names but 'sgd', for the ``solver``
    parameter's text (a solver file that registers a name appears there
    without an edit of the estimators)."""
    from skgd.solvers import SOLVER_NAMES

    names = ", ".join(repr(n) for n in SOLVER_NAMES if n != "sgd")
    return {"solver_names": names}


_PLACEHOLDER = re.compile(r"^( *)%\((\w+)\)s$", re.MULTILINE)


def fill_docstring(**fields):
    """Class decorator: put the fragments in the class docstring (and in
    those of the methods ``_METHODS`` names).

    A line of the docstring that holds only ``%(name)s``, ``name`` a key of
    ``FRAGMENTS``, is replaced with that fragment, indented as the line.

    Parameters
    ----------
    **fields : str
        The values of the fragments' ``$field`` placeholders (as
        :class:`string.Template` substitutes them).

    Returns
    -------
    decorate : callable
        Fills ``cls.__doc__`` in and returns ``cls``.
    """

    def fragment(match):
        indent, name = match.groups()
        text = Template(FRAGMENTS[name]).substitute(_solver_names(), **fields)
        return "\n".join(
            indent + line if line else line for line in text.rstrip("\n").split("\n")
        )

    def decorate(cls):
        cls.__doc__ = _PLACEHOLDER.sub(fragment, cls.__doc__)
        for name in _METHODS:
            method = cls.__dict__.get(name)
            if method is not None and method.__doc__:
                method.__doc__ = _PLACEHOLDER.sub(fragment, method.__doc__)
        return cls

    return decorate
