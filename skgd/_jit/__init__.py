"""The compiled layer (numba): pure functions of arrays and scalars.

Nothing here is imported by ``import skgd``: the first fit imports numba
and loads (or compiles) the kernels it needs.  ``base()`` holds the
solver-independent entry points, ``for_solver(solver)`` is the generated
module of a solver's (see ``skgd._jit._generate``).
"""

_base = []


def base():
    """The solver-independent entry points (``skgd._jit._entries``)."""
    if not _base:
        from skgd._jit._entries import base_kernels

        _base.append(base_kernels())
    return _base[0]


def for_solver(solver, general=False):
    """The generated module of ``solver``'s rule (a Solver instance or
    class), for fits with several outputs, clipping, L1 or averaging
    (``general``) or the others."""
    from skgd._jit import _generate

    cls = solver if isinstance(solver, type) else type(solver)
    return _generate.for_solver(cls, general)


def row_kernels(solver):
    """The generated module of the row pass of ``solver`` (an instance or
    class of a solver that keeps state per row)."""
    from skgd._jit import _generate

    cls = solver if isinstance(solver, type) else type(solver)
    return _generate.for_row_solver(cls)


def solver_entries(cls):
    """The entry points of solver class ``cls``: its row pass, or the
    kernels of its rule (simple, then general)."""
    if cls.row_state:
        return [row_kernels(cls).run_rows]
    return [for_solver(cls, general).run_epoch for general in (False, True)]


def builtin_kernels():
    """Every entry point of the built-in solvers and of the base, in an
    order whose two halves (``[0::2]``, ``[1::2]``) take about as long to
    compile and begin with different shared pieces."""
    from skgd._paths import _GivenDirection
    from skgd.solvers import REGISTRY

    b = base()
    classes = [c for c, _ in REGISTRY.values()] + [_GivenDirection]
    modules = []
    for general in (False, True):
        for cls in classes:
            if cls.row_state:
                continue
            module = for_solver(cls, general)
            if module not in modules:
                modules.append(module)
    rows = []
    for cls in classes:
        if cls.row_state and row_kernels(cls).run_rows not in rows:
            rows.append(row_kernels(cls).run_rows)
    shared = [b.batch_gradient, b.sgd_epoch, b.finish_sums, b.reset_wscale]
    kernels = shared + [m.run_epoch for m in modules] + rows
    return kernels + [b.shuffle_order, b.optimal_t0]


def compile_kernels(dtypes=("float64", "float32"), share=(0, 1)):
    """Compile the built-in kernels for each of ``dtypes`` into numba's cache
    (what the first fits would do one kernel at a time).  ``share=(i, n)``:
    only every ``n``-th kernel from the ``i``-th, so that ``n`` processes
    fill the cache together."""
    i, n = share
    for kernel in builtin_kernels()[i::n]:
        if not hasattr(kernel, "compile_for"):  # numba's JIT disabled
            continue
        b = base()
        if kernel in (b.shuffle_order, b.optimal_t0):  # one signature
            kernel.compile_for(None)
        else:
            for dtype in dtypes:
                kernel.compile_for(dtype)
