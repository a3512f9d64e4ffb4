"""Full-batch gradient descent on a dask array, data-parallel.

``GDRegressor(batch_size="full").fit(X, y)`` and the classifier's ``fit``
accept a dask array or dask DataFrame ``X``.  Each epoch sends the
coefficients to the blocks of ``X`` (``n_out * (n_features + 1)`` numbers), a
task per block computes the sum of its rows' loss gradients and losses with
the compiled kernel (``skgd._kernels.minibatch_epoch`` run as a pure gradient
evaluation), and the client adds the per-block vectors and takes the step:
the coefficients stay small and local, the data stays on the workers.

The targets and weights are small next to ``X`` (one or ``n_targets``
numbers a row): they are validated and encoded in memory by the estimator,
exactly as for a numpy ``X``, then sent to the workers once per fit.

Nothing here imports dask at module level: ``import skgd`` never does.
"""

import time

import numpy as np
from sklearn.utils.validation import _check_feature_names, _check_n_features, _check_y

from skgd._base import _StoppingRule
from skgd._codes import LOSS_CODES
from skgd._divergence import StepSetting, all_finite, overflow_error
from skgd._epochs import flat_rows, minibatch_scratch
from skgd.solvers import get_solver


def is_dask_collection(X):
    """Whether ``X`` is a dask collection (array, DataFrame, Series), without
    importing dask."""
    return hasattr(X, "__dask_graph__") and type(X).__module__.startswith("dask")


def _compute(obj):
    """A dask collection as a numpy array (other inputs pass through)."""
    if not is_dask_collection(obj):
        return obj
    return np.asarray(obj.compute())


def validate_data(
    estimator, X, y, sample_weight, *, reset, multi_output=False,
    dtype=(np.float64, np.float32),
):  # fmt: skip
    """The dask counterpart of ``validate_data`` for ``fit``; ``dtype`` as
    there: the accepted dtypes (X of another one is converted to the first)
    or the one dtype X is converted to.

    Returns ``(design, y, sample_weight)``: ``design`` a :class:`DaskDesign`
    wrapping the float dask array (one chunk across the columns), ``y`` and
    ``sample_weight`` numpy arrays.
    """
    import dask.array as da

    name = type(estimator).__name__
    if estimator.batch_size != "full":
        raise ValueError(
            f"{name} on a dask collection computes the exact full-batch gradient "
            f"block by block: it requires batch_size='full', got "
            f"batch_size={estimator.batch_size!r}. For mini-batch or per-sample "
            "updates over the blocks, wrap the estimator in "
            "dask_ml.wrappers.Incremental, which calls partial_fit on each block."
        )
    if estimator.early_stopping:
        raise ValueError(
            f"early_stopping=True is not supported when {name} is fitted on a dask "
            "collection: the validation split needs random access to the rows. "
            "Set early_stopping=False (stopping then uses the training objective, "
            "tol and n_iter_no_change), or score a held-out set yourself."
        )
    if hasattr(X, "to_dask_array"):  # dask DataFrame: names from its pandas meta
        _check_feature_names(estimator, X._meta, reset=reset)
        X = X.to_dask_array(lengths=True)
    else:
        _check_feature_names(estimator, X, reset=reset)
    if not isinstance(X, da.Array):
        raise TypeError(
            f"{name} accepts a dask array or a dask DataFrame as X; got "
            f"{type(X).__name__}."
        )
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead. Reshape your data "
            "either using array.reshape(-1, 1) if your data has a single feature "
            "or array.reshape(1, -1) if it contains a single sample."
        )
    if not isinstance(X._meta, np.ndarray):
        raise TypeError(
            f"{name} on a dask array needs dense numpy blocks; got blocks of type "
            f"{type(X._meta).__name__}. Convert them with "
            "X.map_blocks(lambda b: b.toarray()), or fit in memory."
        )
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    accepted = dtype if isinstance(dtype, (list, tuple)) else [dtype]
    if X.dtype not in accepted:
        X = X.astype(accepted[0])
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    _check_n_features(estimator, X, reset=reset)
    y = _check_y(_compute(y), multi_output=multi_output, y_numeric=multi_output)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {y.shape[0]}]"
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 "
            "is required."
        )
    return DaskDesign(X), y, _compute(sample_weight)


def _block_sums(xb, yw, wb, loss_code, softmax, eps, cw):
    """Sum over the rows of one block of the weighted loss gradient
    (coefficients, intercepts), of the weighted loss and of the weights.

    Runs the compiled mini-batch kernel on the whole block as one batch with
    plain SGD, no penalty, no clipping and a zero rate on copies of the
    coefficients: it leaves the batch's summed coefficient gradient in
    ``gbuf`` and its mean intercept gradient in ``gb``.
    """
    from skgd import _kernels

    yb, swb = yw
    w, b = wb
    ft = w.dtype
    xb = np.ascontiguousarray(xb, dtype=ft)
    n, nf = xb.shape
    n_out = b.shape[0]
    empty = np.zeros(0, dtype=ft)
    scratch = minibatch_scratch(_kernels.SGD, 0, n_out, n, nf)
    gbuf, gb = scratch[:2]
    loss_sum, _, weight_sum, _ = _kernels.minibatch_epoch(
        *flat_rows(xb), True, yb, swb, np.arange(n, dtype=np.int32),
        np.zeros(n, np.uint8), w.copy(), b.copy(), empty, empty, empty,
        np.zeros(n_out), empty, np.zeros(_kernels.MB_SIZE), *scratch,
        loss_code, softmax, eps, _kernels.NO_PENALTY, 0.0, 0.0,
        _kernels.CONSTANT, 0.0, 0.0, 0.0, 0.0,
        _kernels.SGD, np.zeros(4), 0, max(n, 1), 0.0, 0.0,
        True, 1.0, 0, cw, False, 0,
    )  # fmt: skip
    return gbuf, gb * n, loss_sum, weight_sum


def _distributed_client():
    """The ``distributed.Client`` that ``dask.compute`` would use, or None."""
    import dask.base

    client = getattr(dask.base.get_scheduler(), "__self__", None)
    if type(client).__module__.startswith("distributed"):
        return client
    return None


def _block_workers(client, array):
    """For each row block of ``array``, the workers holding it (None where it
    is not in a worker's memory)."""
    keys = [key[0] for key in array.__dask_keys__()]  # one column chunk
    try:
        who_has = client.who_has(keys)
    except Exception:  # placement is only a hint
        return [None] * len(keys)
    return [list(who_has.get(key, ())) or None for key in keys]


class DaskDesign:
    """A validated dask array ``X``, as the epoch driver receives it.

    The estimators read ``shape`` and ``dtype`` and hand it to
    ``BaseGD._run_epochs``, which passes the fit on to :meth:`run_epochs`.
    """

    _skgd_dask_design = True

    def __init__(self, array):
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype

    def _bounds(self):
        ends = np.cumsum(self.array.chunks[0])
        return zip(ends - np.asarray(self.array.chunks[0]), ends)

    def _scatter(self, y, sample_weight):
        """(block of X, its targets and weights) for each block.

        On a ``distributed`` cluster, each block's targets and weights are
        scattered once per fit to the worker that holds the block of X, when
        X is persisted (anywhere otherwise); with dask's local schedulers
        they stay in this process.
        """
        flat = y.reshape(y.shape[0], -1)
        pieces = [
            (np.ascontiguousarray(flat[s:e]).reshape(-1), sample_weight[s:e])
            for s, e in self._bounds()
        ]
        client = _distributed_client()
        if client is not None:
            homes = _block_workers(client, self.array)
            pieces = [
                client.scatter(piece, workers=home, hash=False)
                for piece, home in zip(pieces, homes)
            ]
        return list(zip(self.array.to_delayed().ravel(), pieces))

    def gradient_sums(self, parts, w, b, loss_code, softmax, eps, cw):
        """(loss gradient sum, intercept gradient sum, loss sum, weight sum)
        over all rows, one task per block, added on the client in block
        order."""
        import dask

        # the coefficients enter the graph once, not once per block
        wb = dask.delayed((w.copy(), b.copy()), pure=False)
        task = dask.delayed(_block_sums, pure=False)
        results = dask.compute(
            *[task(xb, yw, wb, loss_code, softmax, eps, cw) for xb, yw in parts]
        )
        g = np.zeros(w.shape[0])
        gb = np.zeros(b.shape[0])
        loss_sum = 0.0
        weight_sum = 0.0
        for g_i, gb_i, loss_i, weight_i in results:
            g += g_i
            gb += gb_i
            loss_sum += loss_i
            weight_sum += weight_i
        return g, gb, loss_sum, weight_sum

    def run_epochs(
        self, est, y, sample_weight, max_iter, *, coef, intercept, average_coef,
        average_intercept, weight_pos, weight_neg, problem, reset_state,
        class_weights, epochs=None,
    ):  # fmt: skip
        """``BaseGD._run_epochs`` for ``batch_size="full"`` on a dask array.

        The same epochs as in memory: one step per epoch along the exact
        gradient (sample weights rescaled to mean one, class weights
        included), the objective before the step in ``loss_curve_``, the
        same stopping rule, adaptive schedule, divergence guard, averaging,
        best-weights snapshot and callbacks (``epochs``).
        """
        softmax = class_weights is not None
        multi = not softmax and np.ndim(y) == 2
        n_out = len(class_weights) if softmax else (y.shape[1] if multi else 1)
        vector_out = softmax or multi
        n = self.shape[0]
        n_coef = n_out * self.shape[1]
        dtype = coef.dtype
        y = np.ascontiguousarray(y, dtype=dtype)
        sample_weight = np.ascontiguousarray(sample_weight, dtype=dtype)

        if softmax:
            cw = np.asarray(class_weights, dtype=np.float64)
            row_cw = cw[y.astype(np.int64)]
        else:
            cw = np.array([weight_neg, weight_pos], dtype=np.float64)
            row_cw = 1.0 if multi else np.where(y > 0, weight_pos, weight_neg)
        wfac = n / float(np.sum(sample_weight * row_cw, dtype=np.float64))
        sample_weight = (sample_weight * wfac).astype(dtype, copy=False)
        parts = self._scatter(y, sample_weight)

        loss_code = LOSS_CODES[est.loss]
        eps = float(est.epsilon)
        solver = get_solver(est.solver)
        if reset_state:
            problem.loss_curve = []
        problem.validation_scores = None
        state = est._solver_state(problem, solver, n_coef + n_out, dtype, reset_state)
        use_l1 = est._penalty_code() in (1, 3)
        u, q = est._l1_state(problem, n_coef, dtype, use_l1, reset_state)
        step = _Step(est, solver, n_coef, n_out, loss_code)
        aw = average_coef if est.average else np.zeros(0, dtype=dtype)
        b = np.array(intercept, dtype=np.float64).reshape(n_out)
        ab = np.array(average_intercept, dtype=np.float64).reshape(n_out)
        avg_count = 0.0 if reset_state else problem.average_count

        # as BaseGD._reference_objective: weights without class weights
        reference = self._reference(est, y, sample_weight, coef, b, parts)

        if reset_state:
            problem.epochs_done = 0
        rule = _StoppingRule(est, problem, reset_state)
        snapshot = None
        count = 0
        t_start = time.time()
        epoch = 0

        def model(n_epochs):
            """The problem's (coef, intercept) as they stand, the averaged
            pair once averaging has begun (as the in-memory driver)."""
            if est.average and avg_count > 0:
                return aw.copy(), ab.copy()
            return coef.copy(), b.copy()

        for epoch in range(max_iter):
            if epochs is not None:
                epochs.begin(model)
            if est.verbose > 0:
                print("-- Epoch %d" % (epoch + 1))
            if est._epoch_schedule():
                rule.eta = est._epoch_eta(problem.epochs_done)
            problem.epochs_done += 1
            g, gb, loss_sum, _ = self.gradient_sums(
                parts, coef, b, loss_code, softmax, eps, cw
            )
            objective_sum = loss_sum + est._penalty(coef) * n
            u, avg_count = step(
                g / n, gb / n, rule.eta, state, coef, b, aw, ab, q, u, avg_count
            )
            count += n
            objective = objective_sum / n
            problem.loss_curve.append(objective)

            if not all_finite(coef, b):
                row_weight = est._row_weight(
                    y, sample_weight, weight_pos, weight_neg, class_weights
                )
                setting = StepSetting.of(est, step.schedule[-1])
                raise overflow_error(epoch, self, y, row_weight, setting)
            if est.verbose > 0:
                est._print_epoch(
                    float(np.linalg.norm(coef)), coef, b, count, loss_sum,
                    objective_sum, n, t_start,
                )  # fmt: skip
            if rule.objective(objective) and est.restore_best_weights:
                snapshot = (coef.copy(), aw.copy(), b.copy(), ab.copy())
            stop = epochs is not None and epochs.end(model)
            if rule.converged(epoch, t_start) or stop:
                break

        rule.save(problem)
        problem.end = (objective, reference)
        if snapshot is not None:
            coef[:], aw[:], b[:], ab[:] = snapshot
        problem.l1_u = u
        problem.l1_q = q
        problem.average_count = avg_count
        problem.solver_state = state
        if vector_out:
            return b, ab, epoch + 1
        return b[0], ab[0], epoch + 1

    def _reference(self, est, y, sample_weight, coef, b, parts):
        """``BaseGD._reference_objective`` with the objective at the initial
        coefficients computed blockwise (a pass over X only when they are
        not zero)."""
        from skgd import _losses

        eps = float(est.epsilon)
        y_t = y.reshape(y.shape[0], -1).astype(np.float64)
        sw = sample_weight.astype(np.float64)
        n = y_t.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            at_zero = np.sum(
                sw[:, None] * _losses.loss_value(est.loss, y_t, 0.0 * y_t, eps)
            )
            at_zero /= n
            if not np.any(coef) and not np.any(b):
                return at_zero
            loss_code = LOSS_CODES[est.loss]
            ones = np.ones(2)
            loss_sum = self.gradient_sums(parts, coef, b, loss_code, False, eps, ones)
            at_init = loss_sum[2] / n + est._penalty(coef)
        return max(at_zero, at_init)


class _Step:
    """One full-batch update from the mean loss gradient, in the order and
    arithmetic of the compiled ``minibatch_epoch`` (one batch holding every
    row): + coupled L2 -> clip -> solver direction -> x -eta (after AdamW's
    decoupled decay) -> L1 truncation -> averaging.

    The compiled kernel fuses this step with its pass over the rows, so it
    cannot take a gradient summed elsewhere; the solvers' numpy ``update``
    gives the direction (the same formulas as the kernel's).
    """

    def __init__(self, est, solver, n_coef, n_out, loss_code):
        from skgd import _kernels

        penalty_code = est._penalty_code()
        alpha = float(est.alpha)
        l1_ratio = float(est._get_l1_ratio())
        if penalty_code == _kernels.L1:
            l1_ratio = 1.0
        elif penalty_code == _kernels.L2:
            l1_ratio = 0.0
        use_l2 = penalty_code in (_kernels.L2, _kernels.ELASTICNET)
        self.decoupled = bool(getattr(solver, "_decoupled_weight_decay", bool)())
        self.lam = alpha * (1.0 - l1_ratio) if use_l2 else 0.0
        self.grad_lam = 0.0 if self.decoupled else self.lam
        self.use_l1 = penalty_code in (_kernels.L1, _kernels.ELASTICNET)
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.n_coef = n_coef
        self.fit_intercept = bool(est.fit_intercept)
        self.clip_norm = float(est.clip_norm or 0.0)
        self.clip_value = float(est.clip_value or 0.0)
        self.average = int(est.average)
        self.schedule = (
            est._lr_code(), float(est.eta0), float(est.power_t), alpha,
            est._optimal_init(loss_code),
        )  # fmt: skip
        self.normalize = solver._code != _kernels.SGD

    def __call__(self, g, gb, eta, state, w, b, aw, ab, q, u, avg_count):
        from skgd import _kernels

        ct = w.dtype.type
        n_coef = self.n_coef
        old = w.astype(np.float64)
        g = g + self.grad_lam * old
        if self.clip_value > 0.0:
            gb = np.clip(gb, -self.clip_value, self.clip_value)
            g = np.clip(g, -self.clip_value, self.clip_value)
        if self.clip_norm > 0.0:
            gsq = np.dot(g, g) + (np.dot(gb, gb) if self.fit_intercept else 0.0)
            gnorm = np.sqrt(gsq)
            if gnorm > self.clip_norm:
                scale = self.clip_norm / gnorm
                g = g * scale
                gb = gb * scale
        t = int(state.step[0]) + 1
        lr_code, eta0, power_t, alpha, optimal_init = self.schedule
        eta_t = _kernels.schedule_eta(
            lr_code, float(eta), eta0, power_t, alpha, optimal_init, float(t),
            self.normalize,
        )  # fmt: skip
        # the kernel leaves the intercepts' solver state alone without an
        # intercept to fit
        kept = [np.array(a[n_coef:]) for a in state[1:]]
        direction, state = self.solver.update(np.concatenate([g, gb]), state)
        state.step[0] = t
        if not self.fit_intercept:
            for a, saved in zip(state[1:], kept):
                a[n_coef:] = saved
        direction = np.asarray(direction, dtype=np.float64)
        if self.fit_intercept:
            b -= eta_t * direction[n_coef:]
        if self.use_l1:
            u += self.l1_ratio * eta_t * alpha
        decay = max(0.0, 1.0 - eta_t * self.lam) if self.decoupled else 1.0
        new = (old * decay - eta_t * direction[:n_coef]).astype(ct)
        if self.use_l1:
            z = new.astype(np.float64)
            qz = q.astype(np.float64)
            pos = np.maximum(0.0, z - (u + qz))
            neg = np.minimum(0.0, z + (u - qz))
            new = np.where(z > 0.0, pos, np.where(z < 0.0, neg, z)).astype(ct)
            q[:] = qz + (new.astype(np.float64) - z)
        w[:] = new
        if self.average and t >= self.average:
            total = avg_count + 1
            ab += (b - ab) / total
            aw[:] = (
                (aw.astype(np.float64) * avg_count + new.astype(np.float64)) / total
            ).astype(ct)
            avg_count = total
        return u, avg_count
