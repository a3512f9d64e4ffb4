"""The entry points Python calls, with their explicit signatures (see
``skgd._jit._compile.Kernel``)."""

from numba import types

from skgd._jit import _records as r
from skgd._jit._compile import cached, entry


def _arr(t, ndim=1, readonly=False):
    return types.Array(t, ndim, "C", readonly=readonly)


def sgd_epoch_signature(ft):
    return types.Tuple((types.float64, types.float64, types.int64))(
        r.numba_type(r.Rows, ft), r.numba_type(r.Targets, ft),
        r.numba_type(r.SgdModel, ft), r.numba_type(r.Objective, ft),
        r.numba_type(r.Schedule, ft), r.numba_type(r.SgdControl, ft),
    )  # fmt: skip


def minibatch_signature(ft):
    return types.Tuple((types.float64, types.float64, types.float64, types.int64))(
        r.numba_type(r.Rows, ft), r.numba_type(r.Targets, ft),
        r.numba_type(r.Model, ft), r.numba_type(r.Objective, ft),
        r.numba_type(r.Schedule, ft), r.numba_type(r.Control, ft),
        r.numba_type(r.Scratch, ft),
    )  # fmt: skip


def gradient_signature(ft):
    return types.Tuple((types.float64, types.float64, types.int64))(
        r.numba_type(r.Rows, ft), r.numba_type(r.Targets, ft),
        r.numba_type(r.Model, ft), r.numba_type(r.Objective, ft),
        r.numba_type(r.Control, ft), r.numba_type(r.Scratch, ft),
    )  # fmt: skip


def finish_signature(ft):
    return types.float64(
        r.numba_type(r.Rows, ft), r.numba_type(r.Model, ft),
        r.numba_type(r.Objective, ft), r.numba_type(r.Control, ft),
        r.numba_type(r.Scratch, ft), types.int64,
    )  # fmt: skip


def row_signature(ft):
    return types.Tuple((types.float64, types.float64, types.int64))(
        r.numba_type(r.Rows, ft), r.numba_type(r.Targets, ft),
        r.numba_type(r.RowModel, ft), r.numba_type(r.Objective, ft),
        r.numba_type(r.RowControl, ft), r.numba_type(r.RowScratch, ft),
    )  # fmt: skip


def reset_wscale_signature(ft):
    return types.void(_arr(ft), _arr(ft), _arr(types.float64), types.boolean)


def shuffle_signature(_):
    return types.void(_arr(types.int32), types.int64)


def optimal_signature(_):
    return types.float64(types.int64, types.float64, types.float64)


def base_kernels():
    """The solver-independent entry points, as Python calls them."""
    from types import SimpleNamespace

    from skgd._jit import _epoch, _rows, _schedule, _sgd

    return SimpleNamespace(
        sgd_epoch=entry(_sgd.sgd_epoch, sgd_epoch_signature),
        reset_wscale=entry(_sgd.reset_wscale, reset_wscale_signature),
        shuffle_order=entry(_rows.shuffle_order, shuffle_signature, per_dtype=False),
        optimal_t0=entry(_schedule.optimal_t0, optimal_signature, per_dtype=False),
        batch_gradient=entry(_epoch.batch_gradient, gradient_signature),
        finish_sums=entry(_epoch.finish_sums, finish_signature),
    )


def minibatch_kernel(template):
    """The entry point of a solver's generated module: its copy of the
    template's ``minibatch_epoch``, cached."""
    func = getattr(template, "py_func", template)
    return entry(cached(error_model="numpy")(func), minibatch_signature)


def row_kernel(func):
    """The entry point of a row-state solver's generated module: its row
    pass, cached."""
    func = getattr(func, "py_func", func)
    return entry(cached(error_model="numpy")(func), row_signature)
