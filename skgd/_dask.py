"""Full-batch gradient descent on a dask array, data-parallel.

``GDRegressor(batch_size="full").fit(X, y)`` and the classifier's ``fit``
accept a dask array or dask DataFrame ``X``.  Each epoch sends the
coefficients to the blocks of ``X`` (``n_out * (n_features + 1)`` numbers), a
task per block computes the sum of its rows' loss gradients and losses with
the compiled kernel (the base kernels' ``batch_gradient``), and the client
adds the per-block vectors and takes the step with the kernels' own update
(``DaskPath``, a path of the epoch driver like the in-memory ones): the
coefficients stay small and local, the data stays on the workers.

The targets and weights are small next to ``X`` (one or ``n_targets``
numbers a row): they are validated and encoded in memory by the estimator,
exactly as for a numpy ``X``, then sent to the workers once per fit.

Nothing here imports dask at module level: ``import skgd`` never does.
"""

import numpy as np
from sklearn.utils.validation import _check_feature_names, _check_n_features, _check_y

from skgd._paths import KernelPath, NumpyPath, objective_at


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


def _block_sums(xb, yw, wb, setting):
    """Sum over the rows of one block of the weighted loss gradient
    (coefficients, intercepts), of the weighted loss and of the weights, by
    the base kernels' ``batch_gradient`` (on a worker)."""
    from skgd import _jit
    from skgd._jit import _records as r

    yb, swb = yw
    w, b = wb
    objective, cw, softmax = setting
    ft = w.dtype
    xb = np.ascontiguousarray(xb, dtype=ft)
    n, nf = xb.shape
    n_out = b.shape[0]
    empty = np.zeros(0, dtype=ft)
    scratch = {
        "gbuf": np.zeros(n_out * nf), "gb": np.zeros(n_out), "zbuf": np.zeros(n_out),
        "asum": np.zeros(0), "last": np.zeros(0, np.int64),
        "touched": np.zeros(0, np.int64), "mark": np.zeros(0, np.uint8),
        "dbuf": np.zeros(0),
    }  # fmt: skip
    rows = r.Rows.make(
        data=xb.reshape(-1), indices=np.zeros(0, np.int32),
        indptr=np.zeros(1, np.int32), dense=True,
    )  # fmt: skip
    targets = r.Targets.make(
        y=yb, sw=swb, order=np.arange(n, dtype=np.int32), vmask=np.zeros(n, np.uint8)
    )
    model = r.Model.make(
        w=w, b=b, aw=empty, ab=np.zeros(0), q=empty, S=np.zeros((0, 0), ft),
        hp=np.zeros(0), st=np.zeros(3),
    )  # fmt: skip
    control = r.Control.make(
        cw=cw, softmax=softmax, batch_size=max(n, 1), lazy_mode=0, clip_norm=0.0,
        clip_value=0.0, fit_intercept=True, intercept_decay=1.0, average=0,
        decoupled=False, plain=True, skip_decay=1.0, do_shuffle=False, seed=0,
        given_rows=0, given_loss=0.0, given_weight=0.0,
    )  # fmt: skip
    loss_sum, weight_sum, _ = _jit.base().batch_gradient(
        rows, targets, model, objective, control, r.Scratch.make(**scratch)
    )
    return scratch["gbuf"], scratch["gb"], loss_sum, weight_sum


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
    """A validated dask array ``X``, as the epoch driver receives it (it
    runs ``DaskPath`` on it)."""

    _skgd_dask_design = True

    def __init__(self, array):
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype

    def _bounds(self):
        ends = np.cumsum(self.array.chunks[0])
        return zip(ends - np.asarray(self.array.chunks[0]), ends)

    def scatter(self, y, sample_weight):
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

    def gradient_sums(self, parts, w, b, setting):
        """(loss gradient sum, intercept gradient sum, loss sum, weight sum)
        over all rows, one task per block, added on the client in block
        order."""
        import dask

        # the coefficients enter the graph once, not once per block
        wb = dask.delayed((w.copy(), b.copy()), pure=False)
        task = dask.delayed(_block_sums, pure=False)
        results = dask.compute(*[task(xb, yw, wb, setting) for xb, yw in parts])
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


class DaskPath:
    """Full-batch gradient descent on a dask array, for the epoch driver:
    each epoch, the blocks' gradient sums (``DaskDesign.gradient_sums``),
    added on the client, make one update by the kernels, as the in-memory
    full batch does (one batch holding every row): the solver's compiled
    update (``KernelPath``) or, for a solver without a compiled rule, the
    numpy path's (``NumpyPath``)."""

    def __init__(self, config, data, *model, problem, state, reset_state):
        design = data.X
        # the in-memory path that takes the step, on no rows of its own
        data.dense = True
        data.data = np.zeros(0, dtype=data.y.dtype)
        data.indices = np.zeros(0, dtype=np.int32)
        data.indptr = np.zeros(1, dtype=np.int32)
        data.vmask = np.zeros(0, dtype=np.uint8)
        data.X = _Shape(design.shape, design.dtype)
        from skgd._driver import compiled_kernels

        kwargs = dict(problem=problem, state=state, reset_state=reset_state)
        module = None
        if config.compiled:
            general = config.general(data.n_out)
            module = compiled_kernels(config.solver, model[0].dtype, general)
        if module is not None:
            self.step = KernelPath(config, data, *model, module=module, **kwargs)
        else:
            self.step = NumpyPath(config, data, *model, **kwargs)
        self.design = design
        self.config = config
        self.data = data
        self.parts = design.scatter(data.y, data.sample_weight)
        self.setting = (self.step.objective, self.step.cw, data.softmax)

    def __getattr__(self, name):  # intercept, norm, model, snapshot, ...
        return getattr(self.step, name)

    def epoch(self, eta, order, do_shuffle, blocks):
        """One epoch, one step: (sum of losses, sum of objective terms, rows
        used)."""
        s = self.step
        g, gb, loss_sum, weight_sum = self.design.gradient_sums(
            self.parts, s.coef, s.b, self.setting
        )
        n = self.design.shape[0]
        return s.step_from_sums(eta, g, gb, n, loss_sum, weight_sum)

    def objective_at(self, sw_obj, train, coef, intercept, softmax):
        """The objective at ``coef``: from the targets alone at zero
        coefficients, else summed blockwise."""
        if not np.any(coef):
            return objective_at(
                self.config, None, self.data.y, sw_obj, train, coef, intercept,
                softmax,
            )  # fmt: skip
        b = np.array(intercept, dtype=np.float64).reshape(self.data.n_out)
        w = np.asarray(coef)
        loss_sum = self.design.gradient_sums(self.parts, w, b, self.setting)[2]
        return loss_sum / self.design.shape[0] + self.config.penalty.value(coef)


class _Shape:
    """What the step's path reads of X: its shape and dtype."""

    has_canonical_format = True

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
