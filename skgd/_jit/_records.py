"""The named records that carry the kernels' arguments.

Each record is a ``NamedTuple`` with a field specification: the kind of
every field (an input array, read only; an output array; a scalar).  The
kernels are compiled with explicit signatures built from the specifications,
one per float dtype, so that nothing else is ever compiled: ``make``
converts the values to the declared types (input arrays become read-only
views, so that read-only and memory-mapped buffers use the same machine code
as ordinary ones; scalars become Python floats, ints and bools).
"""

from typing import NamedTuple

import numpy as np

# field kinds: (numpy dtype or "float", ndim, writable), or a scalar kind
FIN = ("float", 1, False)  # input array of the kernel's float dtype
FOUT = ("float", 1, True)  # output array of the kernel's float dtype
FOUT2 = ("float", 2, True)  # output matrix of the kernel's float dtype
F64IN = (np.float64, 1, False)
F64OUT = (np.float64, 1, True)
I32IN = (np.int32, 1, False)
I32OUT = (np.int32, 1, True)
I64OUT = (np.int64, 1, True)
U8IN = (np.uint8, 1, False)
U8OUT = (np.uint8, 1, True)
F64 = "float64"
I64 = "int64"
BOOL = "boolean"

_SCALARS = {F64: float, I64: int, BOOL: bool}


def _readonly(a):
    view = a.view()
    view.setflags(write=False)
    return view


def _maker(cls, spec):
    def make(**values):
        out = []
        for name, kind in spec.items():
            value = values[name]
            if kind in _SCALARS:
                out.append(_SCALARS[kind](value))
            elif kind[2]:
                out.append(value)
            else:
                out.append(_readonly(value))
        return cls(*out)

    return make


def record(name, doc, **spec):
    """A NamedTuple class ``name`` with the fields of ``spec`` (name ->
    kind), its ``make(**values)`` and ``numba_type(ft)``."""
    cls = NamedTuple(name, [(field, object) for field in spec])
    cls.__doc__ = doc
    cls.__module__ = __name__
    cls.spec = spec
    cls.make = staticmethod(_maker(cls, spec))
    globals()[name] = cls
    return cls


def numba_type(cls, ft):
    """The numba type of record class ``cls`` for the float type ``ft``."""
    from numba import types
    from numba.np.numpy_support import from_dtype

    fields = []
    for kind in cls.spec.values():
        if kind in _SCALARS:
            fields.append(getattr(types, kind))
        else:
            dtype, ndim, writable = kind
            base = ft if dtype == "float" else from_dtype(np.dtype(dtype))
            fields.append(types.Array(base, ndim, "C", readonly=not writable))
    if all(f == fields[0] for f in fields):  # numba's type of such a tuple
        return types.NamedUniTuple(fields[0], len(fields), cls)
    return types.NamedTuple(tuple(fields), cls)


Rows = record(
    "Rows",
    "The rows of X as the kernels read them (see skgd._jit._rows).",
    data=FIN, indices=I32IN, indptr=I32IN, dense=BOOL,
)  # fmt: skip

Targets = record(
    "Targets",
    "Targets and weights of the rows, their visiting order (shuffled in "
    "place) and the mask of the rows held out for validation.",
    y=FIN, sw=FIN, order=I32OUT, vmask=U8IN,
)  # fmt: skip

Objective = record(
    "Objective",
    "The loss (its code and epsilon) and the penalty, normalised once: "
    "l1_ratio is 1 for 'l1' and 0 for 'l2'; lam is the strength of its L2 "
    "part, 0 without one.",
    loss=I64, eps=F64, alpha=F64, l1_ratio=F64, lam=F64, use_l1=BOOL,
    use_l2=BOOL, penalized=BOOL,
)  # fmt: skip

Schedule = record(
    "Schedule",
    "The learning-rate schedule: its code, the epoch's rate eta, eta0, "
    "power_t, the t0 of 'optimal', and whether the schedule is normalised "
    "to eta0 at the first update (every solver but plain SGD).",
    code=I64, eta=F64, eta0=F64, power_t=F64, optimal_init=F64, normalize=BOOL,
)  # fmt: skip

SgdModel = record(
    "SgdModel",
    "scikit-learn's per-sample model: the stored coefficients (times the "
    "running scale), their average, the cumulative L1 penalty of each "
    "coefficient and the float64 scalars (skgd._jit._sgd.ST_*).",
    w=FOUT, aw=FOUT, q=FOUT, st=F64OUT,
)  # fmt: skip

SgdControl = record(
    "SgdControl",
    "The rest of scikit-learn's per-sample epoch.",
    fit_intercept=BOOL, intercept_decay=F64, average=I64, weight_pos=F64,
    weight_neg=F64, wscale_threshold=F64, do_shuffle=BOOL, seed=I64, exact=BOOL,
)  # fmt: skip

Model = record(
    "Model",
    "A mini-batch model of K outputs: coefficients (K x n_features, row by "
    "row) and intercepts, their averages, the cumulative L1 penalty of each "
    "coefficient, the solver's state (one row per state vector, the "
    "coefficients' entries then the intercepts') and hyperparameters, and "
    "the float64 scalars (skgd._jit._epoch.MB_*).",
    w=FOUT, b=F64OUT, aw=FOUT, ab=F64OUT, q=FOUT, S=FOUT2, hp=F64IN, st=F64OUT,
)  # fmt: skip

Control = record(
    "Control",
    "How the mini-batch updates run: the loss's class weights (cw) and "
    "softmax model, batch size, sparse mode (0: every column each step; 1: "
    "the batch's columns; 2: the row's own columns, batches of one row), "
    "clipping, intercept, averaging, decoupled weight decay, whether the "
    "solver is plain gradient descent (whose sparse steps keep the L2 decay "
    "in a running scale), the decay of a solver's state per update that "
    "skips its coordinate (1: none), shuffling; and, when given_rows > 0, "
    "the sums of one batch already in the scratch (its rows, weighted loss "
    "and weight: the step of a dask array's summed blocks, or of a solver "
    "of the numpy path).",
    cw=F64IN, softmax=BOOL, batch_size=I64, lazy_mode=I64, clip_norm=F64,
    clip_value=F64, fit_intercept=BOOL, intercept_decay=F64, average=I64,
    decoupled=BOOL, plain=BOOL, skip_decay=F64, do_shuffle=BOOL, seed=I64,
    given_rows=I64, given_loss=F64, given_weight=F64,
)  # fmt: skip

Scratch = record(
    "Scratch",
    "The mini-batch kernel's scratch arrays (skgd._jit._epoch.scratch).",
    gbuf=F64OUT, gb=F64OUT, zbuf=F64OUT, asum=F64OUT, last=I64OUT,
    touched=I64OUT, mark=U8OUT, dbuf=F64OUT,
)  # fmt: skip

RowModel = record(
    "RowModel",
    "The model of a solver that keeps state per row (its own pass over the "
    "rows): coefficients (K x n_features, row by row) and intercepts, the "
    "solver's per-coordinate state (one row per state vector, the "
    "coefficients' entries then the intercepts'), its per-row state (one row "
    "per row-state vector, n_rows x K entries) and its hyperparameters.",
    w=FOUT, b=F64OUT, S=FOUT2, R=FOUT2, hp=F64IN,
)  # fmt: skip

RowControl = record(
    "RowControl",
    "How a row pass runs: the loss's class weights (cw: those of y <= 0 and "
    "y > 0, or one per class for the softmax model), the softmax model, the "
    "intercept, shuffling.",
    cw=F64IN, softmax=BOOL, fit_intercept=BOOL, do_shuffle=BOOL, seed=I64,
)  # fmt: skip

RowScratch = record(
    "RowScratch",
    "A row pass's scratch arrays: floats (f), integers per column (last) and "
    "one float per output (z).",
    f=F64OUT, last=I64OUT, z=F64OUT,
)  # fmt: skip
