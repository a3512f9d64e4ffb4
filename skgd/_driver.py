"""The epoch driver: up to ``max_iter`` epochs of one linear problem, on any
path (``skgd._paths``), from the fit configuration and the epoch's data
alone.

It shuffles (scikit-learn's per-row permutation, or skgd's blocks), asks
the schedule for the epoch's rate, runs the epoch, stops on non-finite
weights with scikit-learn's error, records the objective and the validation
score, prints scikit-learn's verbose lines, applies the stopping rule, keeps
the best weights when asked, reports each epoch to the callbacks, and at
the end leaves in the problem's state what the next ``partial_fit``
continues from and what the divergence warning compares.
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils.extmath import safe_sparse_dot

from skgd import _losses
from skgd._codes import LOG_LINK_LOSSES
from skgd._divergence import (
    SCREEN_FACTOR,
    StepSetting,
    all_finite,
    overflow_error,
    ratio,
)
from skgd._paths import EpochData, ExactPath, KernelPath, NumpyPath, RowPath


class ProblemState:
    """What one linear problem carries from one call to the next: the solver
    state, the cumulative L1 penalty, the number of averaged updates, the
    stopping rule's state, the record of the objective and validation
    scores, and the objectives of the last call's end and start.  (A
    one-vs-rest classifier has one per class.)"""

    def __init__(self):
        self.solver_state = None
        self.l1_u = 0.0
        self.l1_q = None
        self.average_count = 0.0
        self.loss_curve = []
        self.validation_scores = None
        self.epochs_done = 0
        self.eta = None
        self.best_objective = np.inf
        self.best_score = -np.inf
        self.no_improvement_count = 0
        self.end = None

    def bests(self, early_stopping):
        """(best training objective, best validation score), None for the
        one the stopping rule did not track."""
        if early_stopping:
            return None, self.best_score
        return self.best_objective, None


class StoppingRule:
    """scikit-learn's stopping rule across the epochs of a fit: the best
    training objective (or validation score) so far, the count of epochs
    without an improvement of more than ``tol``, and the rate of the
    ``"adaptive"`` schedule, which a plateau divides by 5.  Taken from the
    ``ProblemState`` and left in it (``save``), so that ``partial_fit``
    calls with ``keep_adaptive_state`` continue them."""

    def __init__(self, config, problem, reset_state):
        self.config = config
        self.tol = config.tol
        if not reset_state and config.keep_adaptive_state and problem.eta is not None:
            self.eta = problem.eta
            self.best_objective = problem.best_objective
            self.best_score = problem.best_score
            self.count = problem.no_improvement_count
        else:
            self.eta = config.schedule.eta0
            self.best_objective = np.inf
            self.best_score = -np.inf
            self.count = 0

    def _count(self, value, best):
        """Count an epoch whose ``value`` (to minimise) does not improve on
        ``best`` by more than ``tol``; reset the count otherwise.  Returns
        whether ``value`` improves on ``best`` at all."""
        worse = self.tol > -np.inf and value > best - self.tol
        self.count = self.count + 1 if worse else 0
        return value < best

    def objective(self, value):
        """Count the epoch's training objective; whether it is the best."""
        improved = self._count(value, self.best_objective)
        if improved:
            self.best_objective = value
        return improved

    def score(self, value):
        """Count the epoch's validation score (higher is better); whether it
        is the best."""
        improved = self._count(-value, -self.best_score)
        if improved:
            self.best_score = value
        return improved

    def converged(self, epoch, t_start):
        """The end of an epoch: after ``n_iter_no_change`` epochs without
        improvement, the ``"adaptive"`` schedule divides its rate by 5
        (while it exceeds 1e-6) and starts counting again; otherwise the fit
        has converged.  Returns whether it has."""
        config = self.config
        if self.count < config.n_iter_no_change:
            return False
        adaptive = config.schedule.learning_rate == "adaptive"
        if adaptive and config.solver.uses_schedule and self.eta > 1e-6:
            self.eta /= 5
            self.count = 0
            return False
        if config.verbose:
            print(
                "Convergence after %d epochs took %.2f seconds"
                % (epoch + 1, time.time() - t_start)
            )
        return True

    def save(self, problem):
        """Leave the rule's state in ``problem`` for the next call."""
        problem.eta = self.eta
        problem.best_objective = self.best_objective
        problem.best_score = self.best_score
        problem.no_improvement_count = self.count


def block_order(n_samples, block_size, seed, epoch):
    """The rows of one epoch with ``shuffle_block_size``: the blocks of
    ``block_size`` consecutive rows (the last one may be shorter) in a random
    order drawn from ``seed`` and the epoch number, each block's rows in
    order."""
    n_blocks = -(-n_samples // block_size)
    rng = np.random.default_rng([int(seed), int(epoch)])
    starts = rng.permutation(n_blocks) * block_size
    lengths = np.minimum(block_size, n_samples - starts)
    # row = its block's start + its offset within the block
    offsets = np.arange(n_samples) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return (np.repeat(starts, lengths) + offsets).astype(np.int32)


def row_weight(y, sample_weight, weight_pos, weight_neg, class_weights):
    """The weight of each row in the loss: its sample weight times its
    class weight (one-output losses: ``weight_pos`` where ``y > 0``)."""
    sw = np.asarray(sample_weight, dtype=np.float64)
    if class_weights is not None and np.ndim(y) == 2:
        return sw  # soft labels: no class weights
    if class_weights is not None:
        return sw * np.asarray(class_weights)[np.asarray(y, dtype=np.int64)]
    if np.ndim(y) == 1:
        return sw * np.where(np.asarray(y) > 0, weight_pos, weight_neg)
    return sw


def hard_labels(config, y, softmax):
    """The validation split's targets as labels: soft labels (class
    probabilities) become their most probable class (the binary model's
    probability of its class: whether it is above 1/2)."""
    if softmax and np.ndim(y) == 2:
        return np.argmax(y, axis=1).astype(y.dtype)
    if config.classifier and config.loss == "log_loss":
        return (y > 0.5).astype(y.dtype)
    return y


def validation_score(config, X_val, y_val, sw_val, coef, intercept, softmax):
    """Score of the raw coefficient array on the validation split, as
    scikit-learn's ``_ValidationScoreCallback`` computes it: R² for a
    regressor; for one binary problem of a classifier, the accuracy of the
    sign of the decision against the problem's labels."""
    from sklearn.metrics import accuracy_score, r2_score

    n_out = np.size(intercept)
    scores = safe_sparse_dot(X_val, coef.reshape(n_out, -1).T, dense_output=True)
    if softmax:
        pred = np.argmax(scores + intercept, axis=1)
        return accuracy_score(y_val.astype(np.int64), pred, sample_weight=sw_val)
    pred = scores + np.atleast_1d(intercept)
    if n_out == 1:
        pred = pred.ravel()
    if config.classifier:
        # the problem's labels: 1 for the class, 0 (log loss) or -1 the rest
        negative = 0.0 if config.loss == "log_loss" else -1.0
        labels = np.array([negative, 1.0], dtype=y_val.dtype)[(pred > 0).astype(int)]
        return accuracy_score(y_val, labels, sample_weight=sw_val)
    if config.loss in LOG_LINK_LOSSES:  # D² of the mean, as GDRegressor.score
        return _losses.d2_score(y_val, np.exp(pred), sw_val, config.loss_param)
    return r2_score(y_val, pred, sample_weight=sw_val)


def print_epoch(norm, coef, intercept, count, sumloss, objective_sum, n, t_start,
                score=None):  # fmt: skip
    """scikit-learn's verbose lines after an epoch."""
    line = "Norm: %.2f, NNZs: %d, Bias: %.6f, T: %d, Avg. loss: %f, Objective: %f" % (
        norm, np.count_nonzero(coef), float(np.mean(intercept)), count,
        sumloss / n, objective_sum / n,
    )  # fmt: skip
    if score is not None:
        line += ", Validation score: %f" % score
    print(line)
    print("Total training time: %.2f seconds." % (time.time() - t_start))


def solver_state(problem, solver, n_coef, dtype, reset, n_rows=0, n_out=1):
    """The solver state a call starts from: the problem's, or a new one
    when the call starts afresh or the solver changed (with a warning).  A
    solver that keeps state per row gets ``n_rows`` rows of ``n_out``
    outputs; its state restarts, with a warning, when the call has another
    number of rows than the previous one."""
    if solver.row_state:
        fresh = solver.init_state(n_coef, dtype, n_rows=n_rows, n_out=n_out)
    else:
        fresh = solver.init_state(n_coef, dtype)
    old = problem.solver_state
    if reset or old is None:
        problem.solver_state = fresh
        return fresh
    same_type = type(old) is type(fresh)
    compatible = same_type and all(
        np.shape(a) == np.shape(b) for a, b in zip(old, fresh)
    )
    if not compatible:
        name = type(solver).__name__
        if same_type and solver.row_state:
            rows = np.shape(getattr(old, solver.row_state[0]))[0]
            message = (
                f"{name} keeps state per row ({', '.join(solver.row_state)}): this "
                f"call has {n_rows} rows, the previous one had {rows}, so its "
                "stored gradients belong to other rows and restart from zero."
            )
        else:
            message = (
                f"The solver changed since the previous call to partial_fit (its "
                f"state was {type(old).__name__}, {name} needs "
                f"{type(fresh).__name__}): the solver state (moments, step "
                "count) restarts from zero."
            )
        warnings.warn(message, UserWarning)
        problem.solver_state = fresh
        return fresh
    return old


def _numpy_path_instead(solver, why):
    """Warn that the fit of ``solver`` runs on the numpy path because
    ``why``; or raise, when the solver owns the penalty (its proximal step
    runs compiled only)."""
    name = type(solver).__name__
    if type(solver)._own("proximal") is not None:
        raise ValueError(
            f"{why}. {name} owns the penalty (it defines proximal), and a solver's "
            "proximal step runs only in the compiled kernels: make the rule "
            "compile, or let the estimator apply the penalty (no proximal)."
        )
    warnings.warn(
        f"{why}. The fit runs on the numpy path, one Python call per batch: it "
        "will be slow.",
        UserWarning,
        stacklevel=7,
    )


def compiled_kernels(solver, dtype, general):
    """The generated module of ``solver``'s rule (``general`` or simple),
    its kernel compiled for ``dtype``; or None, with a warning that names
    the line numba refused, when the rule cannot be compiled (the fit then
    runs on the numpy path)."""
    from numba.core.errors import NumbaError

    from skgd import _jit
    from skgd._jit._generate import SourceUnavailable, refused_line

    name = type(solver).__name__
    try:
        module = _jit.for_solver(solver, general)
    except SourceUnavailable as exc:
        _numpy_path_instead(solver, f"{name}'s rule cannot be compiled: {exc}")
        return None
    try:
        if hasattr(module.run_epoch, "compile_for"):
            module.run_epoch.compile_for(dtype)
    except NumbaError as exc:
        where = refused_line(module, exc)
        at = "" if where is None else " at %s, line %d: %r" % where
        first = str(exc).strip().splitlines()
        reason = next((t for t in first if t and not t.startswith("Failed in")), "")
        _numpy_path_instead(
            solver, f"numba cannot compile the rule of {name}{at} ({reason.strip()})"
        )
        return None
    return module


def _make_path(config, data, model, problem, state, reset_state):
    kwargs = dict(problem=problem, state=state, reset_state=reset_state)
    if config.solver.row_state:
        if getattr(data.X, "_skgd_dask_design", False):
            raise ValueError(
                f"{type(config.solver).__name__} keeps state per row and runs on "
                "rows in memory: a dask array needs another solver."
            )
        return RowPath(config, data, *model, **kwargs)
    if getattr(data.X, "_skgd_dask_design", False):
        from skgd._dask import DaskPath

        return DaskPath(config, data, *model, problem=problem, state=state,
                        reset_state=reset_state)  # fmt: skip
    if config.exact and not data.vector_out:
        return ExactPath(config, data, *model)
    if config.proximal and not config.compiled:
        raise ValueError(
            f"{type(config.solver).__name__} defines proximal but no rule: a solver "
            "that owns the penalty gives its direction by rule(g, ...), compiled."
        )
    if config.compiled:
        general = config.general(data.n_out)
        module = compiled_kernels(config.solver, model[0].dtype, general)
        if module is not None:
            return KernelPath(config, data, *model, module=module, **kwargs)
    return NumpyPath(config, data, *model, **kwargs)


def run_epochs(
    config, X, y, sample_weight, max_iter, *, coef, intercept, average_coef,
    average_intercept, validation_mask, seed, t_start, problem, reset_state,
    weight_pos=1.0, weight_neg=1.0, class_weights=None, epochs=None,
    validation=None,
):  # fmt: skip
    """Run up to ``max_iter`` epochs on (X, y) from the given state.

    ``coef`` (and ``average_coef``) are updated in place, and so is
    ``problem`` (a ``ProblemState``).  Returns (intercept, average_intercept,
    n_iter).

    With ``class_weights`` (one per class) the model is the multinomial
    logistic one: ``y`` holds class indices, ``coef`` is the flattened
    ``(n_classes, n_features)`` matrix and the intercepts are arrays.

    ``epochs`` (a ``skgd._callbacks.EpochTasks``) reports each epoch to the
    callbacks, which may end the training after any epoch.

    ``validation`` (``X_val, y_val, sample_weight_val``, the targets as
    ``y``'s), when given, is what ``early_stopping`` scores instead of the
    rows of ``validation_mask``.
    """
    n_samples, n_features = X.shape
    softmax = class_weights is not None
    # several regression targets: y of shape (n_samples, n_targets)
    multi = not softmax and np.ndim(y) == 2
    n_out = len(class_weights) if softmax else (y.shape[1] if multi else 1)
    dtype = coef.dtype
    y = np.ascontiguousarray(y, dtype=dtype)
    sample_weight = np.ascontiguousarray(sample_weight, dtype=dtype)
    train = ~validation_mask
    exact = config.exact and not (softmax or multi)
    row_w = row_weight(y, sample_weight, weight_pos, weight_neg, class_weights)
    wfac = 1.0
    if config.batch_size == "full" and not exact:
        # weights rescaled to mean one over the training rows, so that the
        # step is the exact gradient of sum(s * loss) / sum(s) + penalty; the
        # total includes the class weights, which multiply the sample weights
        total = float(np.sum(row_w[train], dtype=np.float64))
        wfac = int(train.sum()) / total
        sample_weight = (sample_weight * wfac).astype(dtype, copy=False)
        row_w = row_weight(y, sample_weight, weight_pos, weight_neg, class_weights)
    data = EpochData(
        X=X, y=y, sample_weight=sample_weight, validation_mask=validation_mask,
        weight_pos=float(weight_pos), weight_neg=float(weight_neg),
        class_weights=class_weights, n_out=n_out, seed=int(seed), t_start=t_start,
        intercept_decay=config.intercept_decay(not sp.issparse(X)),
    )  # fmt: skip
    if reset_state:
        problem.loss_curve = []
        problem.epochs_done = 0
    problem.validation_scores = [] if config.early_stopping else None
    state = solver_state(problem, config.solver, n_out * (n_features + 1), dtype,
                         reset_state, n_rows=n_samples, n_out=n_out)  # fmt: skip
    model = (coef, average_coef, intercept, average_intercept)
    path = _make_path(config, data, model, problem, state, reset_state)

    # scikit-learn's per-sample objective is the unweighted mean loss; the
    # batch kernel's weighs each row by its sample and class weights
    sw_obj = np.ones_like(sample_weight) if exact else row_w
    # the scale of "far worse": max(objective at the start, at zero)
    reference = max(
        path.objective_at(sw_obj, train, 0 * coef, np.zeros(n_out), softmax),
        path.objective_at(sw_obj, train, coef, intercept, softmax),
    )
    if config.early_stopping and validation is not None:
        X_val, y_val, sw_val = validation  # the user's, given to fit
    elif config.early_stopping:
        X_val = X[validation_mask]
        y_val = hard_labels(config, y[validation_mask], softmax)
        sw_val = sample_weight[validation_mask] / wfac

    rule = StoppingRule(config, problem, reset_state)
    snapshot = None
    count = 0
    t_clock = time.time()
    epoch = 0
    order = np.arange(n_samples, dtype=np.int32)
    for epoch in range(max_iter):
        if epochs is not None:
            epochs.begin(path.model)
        if config.verbose > 0:
            print("-- Epoch %d" % (epoch + 1))
        do_shuffle = config.shuffle and config.batch_size != "full"
        blocks = do_shuffle and config.shuffle_block_size is not None
        if blocks:
            order = block_order(
                n_samples, config.shuffle_block_size, seed, problem.epochs_done
            )
            do_shuffle = False
        if config.schedule.per_epoch:
            rule.eta = config.schedule.epoch_eta(problem.epochs_done)
        problem.epochs_done += 1
        sumloss, objective_sum, n_used = path.epoch(
            float(rule.eta), order, do_shuffle, blocks
        )
        intercept = path.intercept()
        if not all_finite(coef, intercept):
            setting = StepSetting.of(config)
            raise overflow_error(epoch, X, y, row_w, setting)
        if config.restore_best_weights:
            # the arrays hold the model that is scored and may be kept
            path.settle()
        count += n_used
        train_count = data.train_count
        objective = objective_sum / train_count
        problem.loss_curve.append(objective)

        score = None
        # the model may be finite but huge: no floating-point error from
        # skgd's own arithmetic on it (a fit under np.errstate(all="raise"))
        with np.errstate(all="ignore"):
            if config.early_stopping:
                # the user's validation data score the model the fit returns
                # if it stops here; scikit-learn's split scores the standard
                # weights as they stand in memory (before the running scale)
                w_val, b_val = (
                    (coef, intercept) if validation is None else path.model(epoch + 1)
                )
                score = validation_score(
                    config, X_val, y_val, sw_val, w_val, b_val, softmax
                )
                problem.validation_scores.append(score)
            if config.verbose > 0:
                print_epoch(
                    path.norm(), coef, intercept, count, sumloss, objective_sum,
                    train_count, t_clock, score,
                )  # fmt: skip
        if config.early_stopping:
            improved = rule.score(score)
        else:
            improved = rule.objective(objective)
        if config.restore_best_weights and improved:
            snapshot = path.snapshot()

        stop = epochs is not None and epochs.end(path.model)
        if rule.converged(epoch, t_clock) or stop:
            break

    rule.save(problem)
    path.settle()
    if snapshot is not None:
        path.restore(snapshot)
    if ratio(objective, reference) > SCREEN_FACTOR:
        # the epoch objective averages the rows' losses at the weights each
        # was visited with: confirm with the model the call returns
        w_end, b_end = path.model(epoch + 1)
        objective = path.objective_at(sw_obj, train, w_end, b_end, softmax)
    problem.end = (objective, reference)
    return (*path.finish(problem, state, count), epoch + 1)
