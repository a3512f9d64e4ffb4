"""Compiled inner loops.

Everything a kernel calls lives in this module: numba's on-disk cache only
notices edits to the file that defines the cached function.

Rows are read the same way for dense and CSR input: ``data`` is the flat
buffer (``X.ravel()`` for a C-contiguous dense ``X``, ``X.data`` for CSR),
row ``i`` spans ``data[s:s + n]`` with ``s = i * n_features`` and
``n = n_features`` (dense) or ``s = indptr[i]`` and ``n = indptr[i + 1] - s``
(CSR), and the column of ``data[s + j]`` is ``j`` (dense) or
``indices[s + j]`` (CSR).  Rows are read through these offsets, never through
slices: a slice is an array object whose reference count changes on every
row.  One compiled variant per dtype therefore serves both layouts, and the
explicit signatures below accept read-only and memory-mapped buffers without
compiling again.
"""

import inspect
import math
import threading

import numpy as np
from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import _cache_lock

# Codes; ``skgd._codes`` holds the same tables for the Python side.
SQUARED_ERROR = 0
HUBER = 1
EPSILON_INSENSITIVE = 2
SQUARED_EPSILON_INSENSITIVE = 3
HINGE = 4
LOG_LOSS = 5
MODIFIED_HUBER = 6
SQUARED_HINGE = 7
PERCEPTRON = 8

NO_PENALTY = 0
L1 = 1
L2 = 2
ELASTICNET = 3

CONSTANT = 1
OPTIMAL = 2
INVSCALING = 3
ADAPTIVE = 4
PA1 = 5
PA2 = 6

SGD = 0
MOMENTUM = 1
ADAGRAD = 2
RMSPROP = 3
ADAM = 4

MAX_DLOSS = 1e12

# Layout of the float64 scalar-state vector of ``sgd_epoch``.
ST_WSCALE = 0
ST_SQNORM = 1
ST_L1NORM = 2
ST_AVG_A = 3
ST_AVG_B = 4
ST_U = 5
ST_INTERCEPT = 6
ST_AVG_INTERCEPT = 7
ST_T = 8
ST_SIZE = 9

# Layout of the float64 scalar-state vector of ``minibatch_epoch``.
MB_U = 0
MB_STEP = 1
MB_AVG_COUNT = 2
MB_SIZE = 3


# ---------------------------------------------------------------------------
# Explicit signatures: the only compiled variants are float64 and float32.
# Input buffers are typed read-only so that read-only and memory-mapped
# arrays (GridSearchCV with n_jobs, check_estimator's memmap checks) use the
# same machine code as ordinary ones.  Each variant is compiled (or loaded
# from numba's cache) on the first call with its dtype, not at import: a
# new environment compiles only the kernels its fits use.
# ---------------------------------------------------------------------------
def _arr(dtype, readonly=False):
    return types.Array(dtype, 1, "C", readonly=readonly)


_FLOAT_TYPES = {
    np.dtype(np.float64): types.float64,
    np.dtype(np.float32): types.float32,
}


class _Kernel:
    """A compiled kernel with one signature per float dtype, ``build(ft)``,
    compiled on its first call with a first argument of that dtype.  As with
    signatures given to ``njit``, nothing else is ever compiled: arguments
    are converted to the declared types (a read-only array, a Python int
    for a float parameter)."""

    _lock = threading.Lock()

    def __init__(self, dispatcher, build):
        self.dispatcher = dispatcher
        self.py_func = dispatcher.py_func
        self.__name__ = dispatcher.__name__
        self.__doc__ = dispatcher.__doc__
        self._build = build
        self._ready = set()

    @property
    def signatures(self):
        """The signatures compiled so far."""
        return self.dispatcher.signatures

    def compile_for(self, dtype):
        """Compile the variant for ``dtype`` (or load it from the cache)."""
        dtype = np.dtype(dtype)
        with self._lock:
            if dtype not in self._ready:
                self.dispatcher.disable_compile(False)
                try:
                    self.dispatcher.compile(self._build(_FLOAT_TYPES[dtype]))
                finally:
                    self.dispatcher.disable_compile()
                self._ready.add(dtype)

    def __call__(self, *args):
        if args[0].dtype not in self._ready:
            self.compile_for(args[0].dtype)
        return self.dispatcher(*args)


class _PerSolver:
    """A kernel defined once per solver: ``make(code)`` returns the kernel
    whose body reads the solver's code as a closure constant.  numba prunes
    the branches of every other solver before typing, so a variant compiles
    only its own solver's coefficient passes: the first mini-batch fit in a
    new environment compiles one solver (Adam: 5.7 s alone) rather than all
    five (13.2 s).  numba's on-disk cache keys each variant on the closure's
    value.  A call picks the variant by its ``solver_code`` argument."""

    def __init__(self, make, codes):
        self.variants = {code: make(code) for code in codes}
        first = self.variants[codes[0]]
        self.py_func = first.py_func if hasattr(first, "py_func") else first
        self.__name__ = self.py_func.__name__
        self.__doc__ = self.py_func.__doc__
        params = list(inspect.signature(self.py_func).parameters)
        self._solver_arg = params.index("solver_code")

    def __call__(self, *args):
        return self.variants[args[self._solver_arg]](*args)


def _all_kernels():
    """Every kernel: the single ones, then each solver's variant of the
    per-solver ones (an order whose alternate halves take about as long to
    compile)."""
    found = list(globals().values())
    kernels = [k for k in found if isinstance(k, _Kernel)]
    for k in found:
        if isinstance(k, _PerSolver):
            kernels += k.variants.values()
    return kernels


def compile_kernels(dtypes=("float64", "float32"), share=(0, 1)):
    """Compile the kernels for each of ``dtypes`` into numba's cache (what
    the first fits would do one kernel at a time).  ``share=(i, n)``: only
    every ``n``-th kernel from the ``i``-th, so that ``n`` processes fill the
    cache together, each compiling its own kernels (the helpers they share
    are saved under ``skgd._cache_lock``'s lock)."""
    i, n = share
    for kernel in _all_kernels()[i::n]:
        if isinstance(kernel, _Kernel):  # not with numba's JIT disabled
            for dtype in dtypes:
                kernel.compile_for(dtype)


def _jit(*signature, **options):
    """``njit`` with what every function of this module shares: cached on
    disk, releasing the GIL, and compiled without numba's reference-counting
    runtime (``_nrt=False``, as numba compiles its own allocation-free
    helpers).  Nothing here allocates: every array comes from the caller,
    who keeps it alive for the call.  With the runtime, each call of a
    helper and each inlined helper that receives arrays atomically
    increments and decrements their reference counts, once per row: that
    took a quarter to a third of an epoch (measured on 200 000 x 100:
    per-sample SGD 46 -> 35 ms, Adam with batches of 256 40 -> 28 ms).
    The cache files are read and written under a lock shared by processes
    (``skgd._cache_lock``)."""
    jit = njit(*signature, cache=True, nogil=True, _nrt=False, **options)

    def decorate(func):
        return _cache_lock.guard(jit(func))

    return decorate


def _kernel(build, **options):
    """``_jit`` with the float64 and float32 signatures of ``build``,
    each compiled on first use (see ``_Kernel``)."""

    def decorate(func):
        dispatcher = _jit(**options)(func)
        if config.DISABLE_JIT:
            return dispatcher
        return _Kernel(dispatcher, build)

    return decorate


_I32_RO = _arr(types.int32, True)
_I32 = _arr(types.int32)
_U8_RO = _arr(types.uint8, True)
_U8 = _arr(types.uint8)
_F64 = _arr(types.float64)
_F64_RO = _arr(types.float64, True)
_I64 = _arr(types.int64)


def _sgd_epoch_sig(ft):
    return types.Tuple((types.float64, types.float64, types.int64))(
        _arr(ft, True), _I32_RO, _I32_RO, types.boolean,
        _arr(ft, True), _arr(ft, True), _I32, _U8_RO,
        _arr(ft), _arr(ft), _arr(ft), _F64,
        types.int64, types.float64, types.int64, types.float64, types.float64,
        types.int64, types.float64, types.float64, types.float64, types.float64,
        types.boolean, types.float64, types.int64, types.float64, types.float64,
        types.float64, types.boolean, types.int64, types.boolean,
    )  # fmt: skip


def _minibatch_epoch_sig(ft):
    return types.Tuple((types.float64, types.float64, types.float64, types.int64))(
        _arr(ft, True), _I32_RO, _I32_RO, types.boolean,
        _arr(ft, True), _arr(ft, True), _I32, _U8_RO,
        _arr(ft), _F64, _arr(ft), _arr(ft), _arr(ft), _F64, _arr(ft), _F64,
        _F64, _F64, _F64, _F64, _I64, _I64, _U8, _F64,
        types.int64, types.boolean, types.float64, types.int64, types.float64,
        types.float64,
        types.int64, types.float64, types.float64, types.float64, types.float64,
        types.int64, _F64_RO, types.int64, types.int64, types.float64,
        types.float64,
        types.boolean, types.float64, types.int64, _F64_RO,
        types.boolean, types.int64,
    )  # fmt: skip


def _reset_wscale_sig(ft):
    return types.void(_arr(ft), _arr(ft), _F64, types.boolean)


# ---------------------------------------------------------------------------
# Losses: value and derivative with respect to the prediction ``p``.
# Definitions and argument order follow scikit-learn's ``_sgd_fast`` and
# ``_loss`` modules exactly (the same-numbers promise depends on it).
# ---------------------------------------------------------------------------
@_jit()
def _log1pexp(x):
    if x <= -37.0:
        return math.exp(x)
    elif x <= -2.0:
        return math.log1p(math.exp(x))
    elif x <= 18.0:
        return math.log(1.0 + math.exp(x))
    elif x <= 33.3:
        return x + math.exp(-x)
    return x


@_jit()
def loss_value(code, y, p, eps):
    if code == SQUARED_ERROR:
        return 0.5 * (p - y) * (p - y)
    elif code == HUBER:
        r = abs(y - p)
        if r <= eps:
            return 0.5 * r**2
        return eps * (r - 0.5 * eps)
    elif code == EPSILON_INSENSITIVE:
        r = abs(y - p) - eps
        return r if r > 0 else 0.0
    elif code == SQUARED_EPSILON_INSENSITIVE:
        r = abs(y - p) - eps
        return r * r if r > 0 else 0.0
    elif code == HINGE or code == PERCEPTRON:
        threshold = 1.0 if code == HINGE else 0.0
        z = p * y
        if z <= threshold:
            return threshold - z
        return 0.0
    elif code == LOG_LOSS:
        return _log1pexp(p) - y * p
    elif code == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return (1.0 - z) * (1.0 - z)
        return -4.0 * z
    else:  # SQUARED_HINGE
        z = 1.0 - p * y
        if z > 0:
            return z * z
        return 0.0


@_jit()
def loss_derivative(code, y, p, eps):
    if code == SQUARED_ERROR:
        return p - y
    elif code == HUBER:
        r = p - y
        if abs(r) <= eps:
            return r
        return eps if r >= 0 else -eps
    elif code == EPSILON_INSENSITIVE:
        if y - p > eps:
            return -1.0
        elif p - y > eps:
            return 1.0
        return 0.0
    elif code == SQUARED_EPSILON_INSENSITIVE:
        z = y - p
        if z > eps:
            return -2.0 * (z - eps)
        elif z < -eps:
            return 2.0 * (-z - eps)
        return 0.0
    elif code == HINGE or code == PERCEPTRON:
        threshold = 1.0 if code == HINGE else 0.0
        if p * y <= threshold:
            return -y
        return 0.0
    elif code == LOG_LOSS:
        if p > -37.0:
            e = math.exp(-p)
            return ((1.0 - y) - y * e) / (1.0 + e)
        return math.exp(p) - y
    elif code == MODIFIED_HUBER:
        z = p * y
        if z >= 1.0:
            return 0.0
        elif z >= -1.0:
            return 2.0 * (1.0 - z) * -y
        return -4.0 * y
    else:  # SQUARED_HINGE
        z = 1.0 - p * y
        if z > 0:
            return -2.0 * y * z
        return 0.0


@_jit(inline="always")
def _log_loss_pair(y, p):
    """The log loss's value and derivative at ``p`` from one ``exp``, for
    the row orders scikit-learn has not (whose numbers are not promised):
    the derivative has ``loss_derivative``'s bits, the value is
    ``loss_value``'s to an ulp or two (``log1p(exp(-p)) + p``, or
    ``log1p(1 / exp(-p))`` below zero, instead of ``log(1 + exp(p))``).
    Two transcendental calls a row instead of three: the log_loss epoch in
    blocks of 64 rows, on 200 000 x 100, 26.6 -> 23.8 ms."""
    if p > -37.0:
        e = math.exp(-p)
        if p > 0.0:
            value = p + math.log1p(e)
        else:
            value = math.log1p(1.0 / e)
        return value - y * p, ((1.0 - y) - y * e) / (1.0 + e)
    e = math.exp(p)
    return e - y * p, e - y


# Array indices computed at run time (an offset plus a position, a column
# index read from CSR) are cast to unsigned: numba then skips its check for a
# negative index, which otherwise stops LLVM from vectorizing the loop and
# costs a compare per element.  Every such index is non-negative.
_U = np.uint64


@_jit(inline="always")
def _span(indptr, dense, n_features, r):
    """Start and length of row ``r`` in ``data`` (see the module
    docstring)."""
    if dense:
        return np.int64(r) * n_features, n_features
    s = np.int64(indptr[r])
    return s, np.int64(indptr[r + 1]) - s


@_jit(inline="always")
def _col(indices, dense, s, j):
    """Column of the value ``data[s + j]`` of a row starting at ``s``."""
    if dense:
        return _U(j)
    return _U(indices[_U(s + j)])


# ---------------------------------------------------------------------------
# Software prefetch.  In the default (scikit-learn) order the rows of an
# epoch are visited in a random permutation, so every row starts with a
# cache miss that the hardware prefetcher cannot foresee; the kernels know
# the next rows and ask for them a few rows ahead.
# ---------------------------------------------------------------------------
#: how many rows ahead of the current one the kernels prefetch
PREFETCH_DISTANCE = 4
#: data smaller than this (values and column indices) is not prefetched: it
#: stays in the caches, where the hints only cost time (a quarter of the
#: time per row on 20640 x 8)
PREFETCH_MIN_BYTES = 4 << 20

if config.DISABLE_JIT:

    def _prefetch(arr, i):
        """No-op when the kernels run as plain Python."""

else:

    @intrinsic
    def _prefetch(typingctx, arr, i):
        """Hint the CPU to load the cache line holding ``arr[i]`` (no bounds
        check, no fault: an out-of-range hint is ignored by the hardware)."""
        sig = types.void(arr, i)

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            ptr = cgutils.get_item_pointer(
                context, builder, aryty, ary, [args[1]], wraparound=False
            )
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(
                builder.module, fnty, "llvm.prefetch.p0"
            )
            # read access, high temporal locality, data cache
            builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
            return context.get_dummy_value()

        return sig, codegen


@_jit(inline="always")
def _prefetch_range(arr, start, stop):
    """Prefetch ``arr[start:stop]``, one hint per 64-byte line.  The step is
    picked, not divided out, and the loop is no ``range``: a step known only
    at run time costs integer divisions per call (for the step and the trip
    count), which showed in the time per row (CSR per-sample 45 -> 42 ms an
    epoch without them)."""
    size = arr.itemsize
    step = 8 if size == 8 else (16 if size == 4 else max(1, 64 // size))
    p = start
    while p < stop:
        _prefetch(arr, p)
        p += step
    if stop > start:
        _prefetch(arr, stop - 1)


@_jit(inline="always")
def _worth_prefetching(data, indices):
    """Whether the rows are too large to stay in the caches.  The kernels
    prefetch only then, and only when they visit the rows in a random
    permutation: in row order (no shuffle, full batch) and in blocks of
    consecutive rows the hardware prefetcher does better alone (measured:
    sequential per-sample 39 -> 31 ms and full batch 29 -> 22 ms an epoch on
    200 000 x 100 without the hints)."""
    size = data.shape[0] * data.itemsize + indices.shape[0] * indices.itemsize
    return size >= PREFETCH_MIN_BYTES


@_jit(inline="always")
def _prefetch_ahead(order, i, data, indices, indptr, dense, nf, y, n_y, sw):
    """Prefetch what the row ``PREFETCH_DISTANCE`` places after position
    ``i`` of ``order`` will read (its values, column indices, target and
    weight), and the CSR row pointer of the row after that."""
    n = order.shape[0]
    a = i + PREFETCH_DISTANCE
    if a < n:
        r = order[a]
        if dense:
            _prefetch_range(data, r * nf, (r + 1) * nf)
        else:
            _prefetch_range(data, indptr[r], indptr[r + 1])
            _prefetch_range(indices, indptr[r], indptr[r + 1])
        _prefetch(y, r * n_y)
        _prefetch(sw, r)
        if not dense and a + PREFETCH_DISTANCE < n:
            _prefetch(indptr, order[a + PREFETCH_DISTANCE])


# The dot product of the per-sample path is summed left to right, as
# scikit-learn sums it (in scikit-learn's orders of the rows; the opt-in
# block order, whose fit scikit-learn has no counterpart of, takes the
# vectorized ``_fdot``): a threshold loss (hinge, modified Huber) compares the
# margin with a constant, and a reassociated sum that differs in the last bit
# can take the other branch and send the fit along another path.  The sums of
# squares and absolute values after an update only feed the reported
# objective, so they may be reassociated (``_FAST``) and vectorized; no flag
# allows contracting ``w + x * step`` into a fused multiply-add, whose
# rounding would differ from scikit-learn's.
_FAST = {"reassoc"}


@_jit(inline="always")
def _dot(w, off, data, indices, s, n, dense):
    """``w[off + columns] @ row`` for the row ``data[s:s + n]``, accumulated
    in float64, left to right."""
    acc = 0.0
    o = _U(off)
    r0 = _U(s)
    if dense:
        for j in range(n):
            acc += w[o + _U(j)] * data[r0 + _U(j)]
    else:
        for j in range(n):
            acc += w[o + _U(indices[r0 + _U(j)])] * data[r0 + _U(j)]
    return acc


@_jit(inline="always")
def _add_norms_body(w, data, indices, s, n, dense, step):
    """``w[columns] += step * row`` rounded to ``w``'s dtype; returns the
    squared and absolute sums of the updated entries.  Inlined as it is for
    short rows, where a call costs more than the loop; long rows call
    ``_add_norms``, whose sums may be vectorized."""
    ct = w.dtype.type
    l2 = 0.0
    l1 = 0.0
    r0 = _U(s)
    for j in range(n):
        c = _U(j) if dense else _U(indices[r0 + _U(j)])
        wj = ct(w[c] + np.float64(data[r0 + _U(j)]) * step)
        w[c] = wj
        l2 += wj * wj
        l1 += abs(np.float64(wj))
    return l2, l1


@_jit(fastmath=_FAST)
def _add_norms(w, data, indices, s, n, dense, step):
    """``_add_norms_body`` compiled on its own, with reassociated sums."""
    return _add_norms_body(w, data, indices, s, n, dense, step)


#: rows with at most this many stored values update ``w`` inline
SHORT_ROW = 16


# The mini-batch kernel (and the per-sample one in the block order) promises
# the update rule, not scikit-learn's bits: its row sums may be reassociated
# and contracted into fused multiply-adds, which lets LLVM keep several
# partial sums in SIMD registers.
_FASTER = {"reassoc", "contract", "nsz"}


@_jit(fastmath=_FASTER)
def _fdot(w, off, data, indices, s, n, dense):
    """``_dot`` compiled on its own, accumulated in any order (vectorized)."""
    return _dot(w, off, data, indices, s, n, dense)


@_jit(fastmath=_FASTER)
def _faxpy(g, off, a, data, indices, s, n, dense):
    """``g[off + columns] += a * row`` for the row ``data[s:s + n]``."""
    o = _U(off)
    r0 = _U(s)
    if dense:
        for j in range(n):
            g[o + _U(j)] += a * data[r0 + _U(j)]
    else:
        for j in range(n):
            g[o + _U(indices[r0 + _U(j)])] += a * data[r0 + _U(j)]


@_jit()
def _rand_r(seed):
    """scikit-learn's 32-bit xorshift ``our_rand_r``: (new seed, draw)."""
    if seed == 0:
        seed = 1
    seed ^= (seed << 13) & 0xFFFFFFFF
    seed ^= seed >> 17
    seed ^= (seed << 5) & 0xFFFFFFFF
    return seed, seed & 0x7FFFFFFF


@_jit(types.void(_I32, types.int64))
def shuffle_order(order, seed):
    """scikit-learn's in-place Fisher-Yates pass (``SequentialDataset.shuffle``).

    It is applied once per epoch with the same seed to the permutation left by
    the previous epoch, exactly as scikit-learn does.
    """
    n = order.shape[0]
    s = np.int64(seed) & 0xFFFFFFFF
    for i in range(n - 1):
        s, r = _rand_r(s)
        j = i + r % (n - i)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


# ---------------------------------------------------------------------------
# Per-sample plain SGD: scikit-learn's ``_plain_sgd`` and ``WeightVector``,
# reproduced operation by operation, including where it rounds to the
# weight dtype, so that the fitted numbers are the same.
# ---------------------------------------------------------------------------
@_jit()
def _reset_wscale(w, aw, st, use_avg):
    ct = w.dtype.type
    if use_avg:
        a = ct(st[ST_AVG_A])
        for j in range(w.shape[0]):
            aw[j] = aw[j] + a * w[j]
        inv_b = ct(1.0 / st[ST_AVG_B])
        for j in range(w.shape[0]):
            aw[j] = aw[j] * inv_b
        st[ST_AVG_A] = 0.0
        st[ST_AVG_B] = 1.0
    wscale = ct(st[ST_WSCALE])
    for j in range(w.shape[0]):
        w[j] = w[j] * wscale
    st[ST_WSCALE] = 1.0


@_kernel(_reset_wscale_sig)
def reset_wscale(w, aw, st, use_avg):
    """Fold the running scale (and the averaging pair) into the arrays."""
    _reset_wscale(w, aw, st, use_avg)


@_kernel(_sgd_epoch_sig)
def sgd_epoch(
    data, indices, indptr, dense, y, sw, order, vmask,
    w, aw, q, st,
    loss_code, eps, penalty, alpha, l1_ratio,
    lr_code, eta, eta0, power_t, optimal_init,
    fit_intercept, intercept_decay, average, weight_pos, weight_neg,
    wscale_threshold, do_shuffle, seed, exact,
):  # fmt: skip
    """One epoch of scikit-learn's per-sample SGD.

    ``exact``: scikit-learn's arithmetic (its numbers): each row's dot
    product summed left to right, the log loss by its reference formulas.
    Otherwise (for an order of the rows that scikit-learn has not, where
    its numbers are not promised anyway) the dot product is summed in any
    order, vectorized, and the log loss's value and derivative share one
    ``exp`` (``_log_loss_pair``).

    Returns (sum of losses, sum of objective terms, rows used).
    """
    ct = w.dtype.type
    n_features = w.shape[0]
    use_avg = aw.shape[0] > 0
    use_l1 = penalty == L1 or penalty == ELASTICNET
    if penalty == L2:
        l1_ratio = 0.0
    elif penalty == L1:
        l1_ratio = 1.0
    if do_shuffle:
        shuffle_order(order, seed)
    prefetch = do_shuffle and _worth_prefetching(data, indices)
    wscale = ct(st[ST_WSCALE])
    sq_norm = ct(st[ST_SQNORM])
    l1_norm = ct(st[ST_L1NORM])
    u = st[ST_U]
    intercept = st[ST_INTERCEPT]
    avg_intercept = st[ST_AVG_INTERCEPT]
    t = st[ST_T]
    is_hinge = loss_code == HINGE
    sumloss = 0.0
    objective_sum = 0.0
    count = 0
    cw_pos = ct(weight_pos)
    cw_neg = ct(weight_neg)
    for i in range(order.shape[0]):
        if prefetch:
            _prefetch_ahead(
                order, i, data, indices, indptr, dense, n_features, y, 1, sw
            )
        k = order[i]
        if vmask[k]:
            continue
        s, nnz = _span(indptr, dense, n_features, k)
        r0 = _U(s)
        yk = y[k]

        if exact:
            inner = _dot(w, 0, data, indices, s, nnz, dense)
        else:
            inner = _fdot(w, 0, data, indices, s, nnz, dense)
        inner *= wscale
        p = ct(inner) + intercept
        if lr_code == OPTIMAL:
            eta = 1.0 / (alpha * (optimal_init + t - 1))
        elif lr_code == INVSCALING:
            eta = eta0 / t**power_t

        dloss = 0.0
        if loss_code == LOG_LOSS and not exact:
            cur, dloss = _log_loss_pair(yk, p)
        else:
            cur = loss_value(loss_code, yk, p, eps)
        sumloss += cur
        objective_sum += cur
        if lr_code != PA1 and lr_code != PA2 and penalty > 0:
            nrm = np.float64(ct(math.sqrt(sq_norm)))
            objective_sum += alpha * (
                (1 - l1_ratio) * 0.5 * nrm * nrm + l1_ratio * l1_norm
            )

        class_weight = cw_pos if yk > 0.0 else cw_neg

        if lr_code == PA1 or lr_code == PA2:
            xnorm = 0.0
            for j in range(nnz):
                z = np.float64(data[r0 + _U(j)])
                xnorm += z * z
            if lr_code == PA1:
                if xnorm == 0:
                    continue
                update = min(eta0, cur / xnorm)
            else:
                update = cur / (xnorm + 0.5 / eta0)
            if is_hinge:
                update *= yk
            elif yk - p < 0:
                update *= -1
        else:
            if loss_code != LOG_LOSS or exact:
                dloss = loss_derivative(loss_code, yk, p, eps)
            if dloss < -MAX_DLOSS:
                dloss = -MAX_DLOSS
            elif dloss > MAX_DLOSS:
                dloss = MAX_DLOSS
            update = -eta * dloss

        update *= class_weight * sw[k]

        if penalty >= L2:
            c = ct(max(0.0, 1.0 - ((1.0 - l1_ratio) * eta * alpha)))
            wscale = wscale * c
            sq_norm = sq_norm * (c * c)
            l1_norm = ct(l1_norm * abs(np.float64(c)))
            if wscale < wscale_threshold:
                st[ST_WSCALE] = wscale
                _reset_wscale(w, aw, st, use_avg)
                wscale = ct(1.0)

        if update != 0.0:
            cu = ct(update)
            step = cu / wscale
            if nnz <= SHORT_ROW:
                l2acc, l1acc = _add_norms_body(w, data, indices, s, nnz, dense, step)
            else:
                l2acc, l1acc = _add_norms(w, data, indices, s, nnz, dense, step)
            sq_norm = ct(l2acc * (wscale * wscale))
            l1_norm = ct(l1acc * wscale)
        if fit_intercept:
            if update != 0:
                intercept += update * intercept_decay

        if 0 < average <= t:
            num_iter = ct(t - average + 1)
            cu = ct(update)
            a_c = ct(st[ST_AVG_A])
            wsd = np.float64(wscale)
            coef = -np.float64(cu) / wsd
            for j in range(nnz):
                idx = _col(indices, dense, s, j)
                aw[idx] = aw[idx] + a_c * np.float64(data[r0 + _U(j)]) * coef
            mu = 1.0 / num_iter
            if num_iter > 1:
                st[ST_AVG_B] = ct(st[ST_AVG_B] / (1.0 - mu))
            st[ST_AVG_A] = ct(a_c + mu * ct(st[ST_AVG_B]) * wsd)
            avg_intercept += (intercept - avg_intercept) / (t - average + 1)

        if use_l1:
            u += l1_ratio * eta * alpha
            wsd = np.float64(wscale)
            for j in range(nnz):
                idx = _col(indices, dense, s, j)
                z = np.float64(w[idx])
                if wsd * z > 0.0:
                    w[idx] = max(0.0, w[idx] - ((u + q[idx]) / wsd))
                elif wsd * z < 0.0:
                    w[idx] = min(0.0, w[idx] + ((u - q[idx]) / wsd))
                q[idx] = q[idx] + wsd * (w[idx] - z)

        t += 1
        count += 1

    st[ST_WSCALE] = wscale
    st[ST_SQNORM] = sq_norm
    st[ST_L1NORM] = l1_norm
    st[ST_U] = u
    st[ST_INTERCEPT] = intercept
    st[ST_AVG_INTERCEPT] = avg_intercept
    st[ST_T] = t
    return sumloss, objective_sum, count


# ---------------------------------------------------------------------------
# Mini-batch / full-batch gradient descent with every built-in solver.
# One update, in DESIGN.md's order: batch loss gradient -> + L2 gradient ->
# clip -> solver direction -> x -eta -> L1 truncation -> averaging.
# ---------------------------------------------------------------------------
@_jit(error_model="numpy")
def schedule_eta(lr_code, eta, eta0, power_t, alpha, optimal_init, t, normalize):
    """Learning rate of update number ``t`` (1-based).

    ``normalize`` (every solver but plain SGD) scales the schedule so that it
    equals ``eta0`` at the first update.
    """
    if lr_code == OPTIMAL:
        if normalize:
            return eta0 * optimal_init / (optimal_init + t - 1)
        return 1.0 / (alpha * (optimal_init + t - 1))
    elif lr_code == INVSCALING:
        return eta0 / t**power_t
    return eta


@_jit(inline="always", error_model="numpy")
def _moments(solver, h0, h1, g, a1, a2, ibc1, catch_up):
    """The state update of an adaptive solver (AdaGrad, RMSProp, Adam) for
    a coordinate with gradient ``g`` and state ``a1``/``a2``: (numerator,
    radicand, new ``a1``, new ``a2``), its direction being
    ``numerator / (sqrt(radicand) * scale + eps)`` with ``_scale_eps``.
    Split from the division so that a pass can take the square roots and
    divisions of many coordinates in SIMD registers (``_adaptive_pass``).
    Arguments as in ``_direction``."""
    if solver == ADAGRAD:
        acc = a1 + g * g
        return g, acc, acc, a2
    elif solver == RMSPROP:
        acc = h0 * (a1 * catch_up) + (1.0 - h0) * g * g
        return g, acc, acc, a2
    # ADAM
    m = h0 * a1 + (1.0 - h0) * g
    v = h1 * a2 + (1.0 - h1) * g * g
    return m * ibc1, v, m, v


@_jit(inline="always")
def _scale_eps(solver, h0, h1, h2, isbc2):
    """The scale of the square root and the epsilon of an adaptive solver's
    denominator (see ``_moments``).  A scale of 1 changes no bit."""
    if solver == ADAM:
        return isbc2, h2
    elif solver == RMSPROP:
        return 1.0, h1
    return 1.0, h0


@_jit(inline="always", error_model="numpy")
def _direction(solver, h0, h1, h2, g, a1, a2, ibc1, isbc2, catch_up):
    """The solver's direction for a coordinate with gradient ``g`` and state
    ``a1``/``a2`` (its entries of ``s1``/``s2``): (direction, new ``a1``,
    new ``a2``).  ``h0``-``h2``: the solver's hyperparameters (see
    ``minibatch_epoch``).  ``catch_up``: the decay lazy sparse RMSProp owes
    the coordinate's average for the updates that did not touch it
    (``_decay_since``; 1 when there are none).
    ``ibc1``/``isbc2``: Adam's bias corrections for the update ``t``,
    so that ``m / (1 - beta_1**t)`` is ``m * ibc1`` and
    ``sqrt(v / (1 - beta_2**t))`` is ``sqrt(v) * isbc2``.  Scalars in and
    out (no arrays, so no reference counting per coordinate): the caller
    reads and writes the state arrays."""
    if solver == SGD:
        return g, a1, a2
    elif solver == MOMENTUM:
        v = h0 * a1 + g
        return (g + h0 * v if h1 != 0.0 else v), v, a2
    num, rad, a1, a2 = _moments(solver, h0, h1, g, a1, a2, ibc1, catch_up)
    scale, eps = _scale_eps(solver, h0, h1, h2, isbc2)
    return num / (math.sqrt(rad) * scale + eps), a1, a2


#: how many powers of RMSProp's ``rho`` the mini-batch kernel tabulates for
#: its lazy sparse updates (``_decay_since``)
RMSPROP_POWERS = 8192


@_jit(inline="always")
def _decay_since(rho, missed, dbuf, off):
    """``rho ** missed``, the decay a lazily updated RMSProp average owes
    for the ``missed`` updates that did not touch its coordinate: read from
    the table of libm's ``pow(rho, m)`` at ``dbuf[off + m]``, which the
    kernel fills once a call, where it reaches, else libm's pow itself.  The
    same bits either way; a table read rather than a pow per touched
    coordinate took a per-sample RMSProp epoch on CSR 200 000 x 50 000 from
    290 to 149 ms (Adam's: 111 ms).  (numba's own ``float ** int`` squares
    repeatedly: slower still.)"""
    if missed <= 0:
        return 1.0
    if off + missed < dbuf.shape[0]:
        return dbuf[_U(off + missed)]
    return math.pow(rho, np.float64(missed))


#: the mini-batch kernel folds its running scale of w into w below this
WSCALE_MIN = 1e-6


@_jit()
def _fold_scale(w, scale):
    """``w *= scale`` rounded to ``w``'s dtype; returns the new squared
    norm of ``w``."""
    ct = w.dtype.type
    sq = 0.0
    for c in range(w.shape[0]):
        v = ct(np.float64(w[c]) * scale)
        w[c] = v
        sq += np.float64(v) * np.float64(v)
    return sq


@_jit(error_model="numpy")
def _avg_steps(lo, hi, first):
    """Number of averaged local steps in (lo, hi] when averaging starts at
    local step ``first``."""
    lo2 = max(lo, first - 1)
    return max(0, hi - lo2)


@_jit(inline="always")
def _pass_column(jj, full, direct, indices, bs, touched):
    """The column of the ``jj``-th coordinate a coefficient pass updates:
    every column in order (``full``), the columns of the one row read
    (``direct``, the row starting at ``bs``) or the ``touched`` ones."""
    if full:
        return np.int64(jj)
    elif direct:
        return np.int64(indices[_U(bs + jj)])
    return touched[jj]


@_jit(error_model="numpy")
def _adaptive_pass(solver, flags, scal, ints, arrs, sq_norm):
    """``_column_pass`` for an adaptive solver (AdaGrad, RMSProp, Adam) and
    one output without clipping, L1 or averaging, in three loops: the
    gradient and the solver's state per column, writing each direction's
    numerator and radicand to ``dbuf``; the directions, over ``dbuf`` alone,
    whose square roots and divisions LLVM takes four at a time; the steps.
    The same operations in the same order as the one-loop pass, so the same
    bits, in less time on sparse rows, where the columns come in no order
    and a square root and a division per column otherwise wait for each
    other (CSR, 50 000 columns: Adam on batches of 256 159 -> 136 ms an
    epoch, per-sample Adam 124 -> 120 ms).  The kernel calls it directly:
    reached through ``_column_pass``, per-sample Adam took 110 ms, but the
    kernel compiled in 18 s instead of 14.  Returns the squared L2 norm of
    the coefficients, updated."""
    full, direct = flags[0], flags[1]
    n_cols, k, _, nf, _, bs = ints
    data, indices, touched, last, mark, w, s1, s2, _, _, gbuf, zbuf, dbuf = arrs
    h0, h1, h2, ibc1, isbc2, eta_t, decay, _, _, inv_n, grad_lam, _ = scal
    ct = w.dtype.type
    rads = _U(n_cols)  # the radicands follow the numerators in dbuf
    for jj in range(n_cols):
        j = _pass_column(jj, full, direct, indices, bs, touched)
        c = _U(j)
        g = zbuf[0] * data[_U(bs + jj)] if direct else gbuf[c] * inv_n
        g += grad_lam * np.float64(w[c])
        if not full and not direct:
            gbuf[c] = 0.0  # ready for the next batch
        catch_up = 1.0
        if solver == RMSPROP and not full:
            catch_up = _decay_since(h0, k - 1 - last[j], dbuf, 2 * nf)
        num, rad, a1, a2 = _moments(
            solver, h0, h1, g, np.float64(s1[c]),
            np.float64(s2[c]) if solver == ADAM else 0.0, ibc1, catch_up,
        )  # fmt: skip
        s1[c] = a1
        if solver == ADAM:
            s2[c] = a2
        dbuf[_U(jj)] = num
        dbuf[rads + _U(jj)] = rad
    scale, eps = _scale_eps(solver, h0, h1, h2, isbc2)
    for jj in range(n_cols):
        dbuf[_U(jj)] = dbuf[_U(jj)] / (math.sqrt(dbuf[rads + _U(jj)]) * scale + eps)
    for jj in range(n_cols):
        j = _pass_column(jj, full, direct, indices, bs, touched)
        c = _U(j)
        old = np.float64(w[c])
        new = ct(old * decay - eta_t * dbuf[_U(jj)])
        w[c] = new
        nw = np.float64(new)
        sq_norm += nw * nw - old * old
        if solver == RMSPROP:
            last[j] = k  # for the catch-up of lazily updated coordinates
        if not full and not direct:
            mark[j] = 0
    return sq_norm


@_jit(error_model="numpy")
def _column_pass(solver, simple, flags, scal, ints, arrs, norms):
    """One update's pass over the coefficient columns it touches: gradient
    (mean + coupled L2, clipped; or the ``prepared`` gradient already in
    ``gbuf`` times ``scale``), solver direction, step, decoupled decay, L1
    truncation, averaging.  Called with ``solver`` a constant, so numba
    compiles one version per solver, typed with the constant, whose loop
    holds only that solver's rule.  ``simple`` (a constant too): the version
    for one output without clipping, L1 or averaging, whose loop holds no
    branch for them (plain SGD and momentum; the adaptive solvers take
    ``_adaptive_pass`` there).  (A separate function rather than one
    inlined into the kernel ten times: the same speed, and the kernel
    compiles in about 13 s instead of 23.)  ``flags``: (full, direct,
    prepared, use_l1, use_avg, averaged) and ``scal``: (h0, h1, h2, ibc1,
    isbc2, eta_t, decay, u, scale, inv_n, grad_lam, clip_value), ``ints``,
    ``arrs`` and ``norms`` as unpacked below, all as in ``minibatch_epoch``
    (grouped to keep the call's arguments few).  Returns the running
    squared L2 norm and L1 norm of the coefficients, updated."""
    full, direct, prepared, use_l1, use_avg, averaged = flags
    n_cols, k, n_out, nf, avg_first, bs = ints
    data, indices, touched, last, mark, w, s1, s2, q, asum, gbuf, zbuf, dbuf = arrs
    sq_norm, l1_norm = norms
    h0, h1, h2, ibc1, isbc2, eta_t, decay, u, scale, inv_n, grad_lam, clip_value = scal
    if simple:
        prepared = use_l1 = use_avg = averaged = False
        clip_value = 0.0
        n_out = 1
    ct = w.dtype.type
    for jj in range(n_cols):
        j = _pass_column(jj, full, direct, indices, bs, touched)
        catch_up = 1.0
        if solver == RMSPROP and not full:
            catch_up = _decay_since(h0, k - 1 - last[j], dbuf, 2 * nf)
        for o in range(n_out):
            c = _U(o * nf + j)
            old = np.float64(w[c])
            if prepared:
                g = gbuf[c] * scale
            else:
                g = zbuf[o] * data[_U(bs + jj)] if direct else gbuf[c] * inv_n
                g += grad_lam * old
                if clip_value > 0.0:
                    g = min(max(g, -clip_value), clip_value)
            if not full and not direct:
                gbuf[c] = 0.0  # ready for the next batch
            d, a1, a2 = _direction(
                solver, h0, h1, h2, g,
                np.float64(s1[c]) if solver != SGD else 0.0,
                np.float64(s2[c]) if solver == ADAM else 0.0,
                ibc1, isbc2, catch_up,
            )  # fmt: skip
            if solver != SGD:
                s1[c] = a1
            if solver == ADAM:
                s2[c] = a2
            if use_avg and not full:
                asum[c] += old * _avg_steps(last[j], k - 1, avg_first)
            new = ct(old * decay - eta_t * d)
            if use_l1:
                z = np.float64(new)
                if z > 0.0:
                    new = ct(max(0.0, z - (u + q[c])))
                elif z < 0.0:
                    new = ct(min(0.0, z + (u - q[c])))
                q[c] = q[c] + (np.float64(new) - z)
            w[c] = new
            nw = np.float64(new)
            sq_norm += nw * nw - old * old
            if not simple:  # the simple pass has no L1 term to report
                l1_norm += abs(nw) - abs(old)
            if averaged:
                asum[c] += nw
        if solver == RMSPROP or use_avg:
            last[j] = k  # for the catch-up of lazily updated coordinates
        if not full and not direct:
            mark[j] = 0
    return sq_norm, l1_norm


def _minibatch_epoch_for(solver):
    """``minibatch_epoch`` compiled for one solver, whose code ``solver`` is
    a constant of the kernel (see ``_PerSolver``)."""

    def minibatch_epoch(
        data, indices, indptr, dense, y, sw, order, vmask,
        w, b, s1, s2, aw, ab, q, st, gbuf, gb, zbuf, asum, last, touched, mark, dbuf,
        loss_code, softmax, eps, penalty, alpha, l1_ratio,
        lr_code, eta, eta0, power_t, optimal_init,
        solver_code, hp, lazy_mode, batch_size, clip_norm, clip_value,
        fit_intercept, intercept_decay, average, cw,
        do_shuffle, seed,
    ):  # fmt: skip
        """One epoch of mini-batch gradient descent on ``K`` outputs.

        ``w`` holds the ``(K, n_features)`` coefficients row by row and ``b``
        the ``K`` intercepts (``aw``/``ab``: their averages).  With ``softmax``
        the outputs are the scores of a multinomial logistic model (``y`` holds
        class indices, ``cw`` the class weights); otherwise ``loss_code`` is a
        one-output loss applied to each of the ``K`` targets (``y`` holds the
        ``(n_samples, K)`` targets row by row; ``cw`` = (weight of y <= 0,
        weight of y > 0), read on the first target).  ``s1``/``s2`` are the
        solver's state vectors (``K * n_features`` coefficient entries, then
        ``K`` intercept entries), ``st``
        the float64 scalars (``MB_*``), ``dbuf`` (``2 * n_features`` float64
        for the adaptive solvers, which alone read it) the scratch of
        ``_adaptive_pass``, followed for lazy RMSProp by room for its table
        of ``rho ** m`` (``_decay_since``).  ``solver_code`` is the code of
        the solver this variant was compiled for (``_PerSolver`` picks the
        variant by it).
        ``hp`` holds the solver hyperparameters: momentum: (mu, nesterov);
        adagrad: (epsilon,); rmsprop: (rho, epsilon); adam: (beta_1, beta_2,
        epsilon, decoupled).
        ``lazy_mode`` (sparse input only): 0, every step updates every column;
        1 (lazy), an update touches only the columns present in the batch (in
        every output); 2, the same for batches of one row whose column indices
        are distinct (a canonical CSR matrix): the row's own indices are the
        touched columns and the gradient is read off the row, with no buffer.
        Lazy mode with plain SGD is exact, and is only asked for, without L1,
        averaging or clipping.

        Returns (sum of weighted losses, sum of objective terms -- weighted loss
        plus the penalty once per row --, sum of weights, number of updates).
        """
        ct = w.dtype.type
        n_out = b.shape[0]
        nf = w.shape[0] // n_out
        n_coef = w.shape[0]
        full = dense or lazy_mode == 0
        direct = not full and lazy_mode == 2 and batch_size == 1
        use_l1 = penalty == L1 or penalty == ELASTICNET
        use_l2 = penalty == L2 or penalty == ELASTICNET
        if penalty == L1:
            l1_ratio = 1.0
        elif penalty == L2:
            l1_ratio = 0.0
        decoupled = solver == ADAM and hp[3] != 0.0
        lam = alpha * (1.0 - l1_ratio) if use_l2 else 0.0
        grad_lam = 0.0 if decoupled else lam
        # Plain SGD on lazily updated sparse input keeps w as ``wscale`` times
        # the stored array (scikit-learn's running scale): the coupled L2 decay
        # of every coordinate is then one multiplication of the scale, and the
        # column pass steps only the touched columns, by the loss gradient
        # alone.  Exact, like the dense update, given what the caller
        # guarantees when it asks for lazy mode with plain SGD: no L1 penalty,
        # no averaging, no clipping (which involve every column).
        scaled = solver == SGD and not full and lam > 0.0
        wscale = 1.0
        if scaled:
            grad_lam = 0.0
        normalize = solver != SGD
        use_avg = aw.shape[0] > 0
        # the solver's hyperparameters and whether it keeps one or two vectors
        h0 = hp[0]
        h1 = hp[1]
        h2 = hp[2]
        has1 = s1.shape[0] > 0
        has2 = s2.shape[0] > 0

        if do_shuffle:
            shuffle_order(order, seed)
        prefetch = do_shuffle and _worth_prefetching(data, indices)
        if solver == RMSPROP and not full:
            # rho ** m for the lazy updates' catch-up (``_decay_since``)
            for m in range(2 * nf, dbuf.shape[0]):
                dbuf[m] = math.pow(h0, np.float64(m - 2 * nf))

        u = st[MB_U]
        step0 = st[MB_STEP]
        avg_count0 = st[MB_AVG_COUNT]
        pow1 = h0**step0 if solver == ADAM else 0.0
        pow2 = h1**step0 if solver == ADAM else 0.0

        # running norms of w for the objective, kept up to date incrementally
        sq_norm = 0.0
        l1_norm = 0.0
        for c in range(n_coef):
            wc = np.float64(w[c])
            sq_norm += wc * wc
            l1_norm += abs(wc)
            asum[c] = 0.0
            gbuf[c] = 0.0  # a lazy update leaves the entries it reads at zero
        for j in range(nf):
            last[j] = 0
            mark[j] = 0

        # local step at which averaging starts (t = step0 + k >= average)
        avg_first = 1
        if use_avg:
            avg_first = max(1, np.int64(average - step0))

        sum_loss = 0.0
        sum_obj = 0.0
        sum_w = 0.0
        n_y = 1 if softmax else n_out  # targets per row in y
        k = 0  # local update count
        bs = np.int64(0)  # start and length of the last row read
        bn = np.int64(0)
        n_order = order.shape[0]
        pos = 0
        while pos < n_order:
            # ---- gather one batch of training rows
            n_touched = 0
            bw = 0.0
            bl = 0.0
            nrows = 0
            for o in range(n_out):
                gb[o] = 0.0
            if full:
                for c in range(n_coef):
                    gbuf[c] = 0.0
            while pos < n_order and nrows < batch_size:
                if prefetch:
                    _prefetch_ahead(
                        order, pos, data, indices, indptr, dense, nf, y, n_y, sw
                    )
                r = order[pos]
                pos += 1
                if vmask[r]:
                    continue
                nrows += 1
                s, nnz = _span(indptr, dense, nf, r)
                if direct:
                    bs = s
                    bn = nnz
                first = 0  # outputs whose score is still to compute start here
                if not full and not direct:
                    # one pass over the (sparse) row: record its new columns and
                    # compute the first output's score
                    acc = 0.0
                    r0 = _U(s)
                    for j in range(nnz):
                        idx = _U(indices[r0 + _U(j)])
                        if mark[idx] == 0:
                            mark[idx] = 1
                            touched[n_touched] = idx
                            n_touched += 1
                        acc += w[idx] * data[r0 + _U(j)]
                    zbuf[0] = acc * wscale + b[0]
                    first = 1
                for o in range(first, n_out):
                    inner = _fdot(w, o * nf, data, indices, s, nnz, dense) * wscale
                    zbuf[o] = inner + b[o]
                if softmax:
                    label = np.int64(y[r])
                    wr = np.float64(sw[r]) * cw[label]
                    zmax = zbuf[0]
                    for o in range(1, n_out):
                        zmax = max(zmax, zbuf[o])
                    total = 0.0
                    for o in range(n_out):
                        zbuf[o] = math.exp(zbuf[o] - zmax)
                        total += zbuf[o]
                    bl += wr * (math.log(total) + zmax - (math.log(zbuf[label]) + zmax))
                    for o in range(n_out):
                        zbuf[o] = zbuf[o] / total - (1.0 if o == label else 0.0)
                else:
                    # one-output losses, on each of the n_out targets of the row
                    yr = y[r * n_out]
                    wr = np.float64(sw[r]) * (cw[1] if yr > 0.0 else cw[0])
                    for o in range(n_out):
                        yo = y[r * n_out + o]
                        bl += wr * loss_value(loss_code, yo, zbuf[o], eps)
                        zbuf[o] = loss_derivative(loss_code, yo, zbuf[o], eps)
                bw += wr
                for o in range(n_out):
                    dl = zbuf[o]
                    if dl < -MAX_DLOSS:
                        dl = -MAX_DLOSS
                    elif dl > MAX_DLOSS:
                        dl = MAX_DLOSS
                    dl *= wr
                    zbuf[o] = dl
                    if dl != 0.0 and not direct:
                        _faxpy(gbuf, o * nf, dl, data, indices, s, nnz, dense)
                    gb[o] += dl
            if nrows == 0:
                break
            k += 1
            t = step0 + k
            inv_n = 1.0 / nrows
            sum_loss += bl
            pen = 0.0
            if penalty != NO_PENALTY:
                pen = alpha * (
                    (1.0 - l1_ratio) * 0.5 * sq_norm * wscale * wscale
                    + l1_ratio * l1_norm * abs(wscale)
                )
            sum_obj += bl + pen * nrows
            sum_w += bw
            n_cols = nf if full else (bn if direct else n_touched)

            # ---- intercept gradients: mean, clipped by value
            for o in range(n_out):
                gb[o] *= inv_n
                if clip_value > 0.0:
                    gb[o] = min(max(gb[o], -clip_value), clip_value)
            # ---- clipping by norm needs the whole gradient first: one pass that
            # finishes it (mean + coupled L2, clipped by value) in place
            prepared = clip_norm > 0.0
            scale = 1.0
            if prepared:
                gsq = 0.0
                for o in range(n_out):
                    if fit_intercept:
                        gsq += gb[o] * gb[o]
                    off = o * nf
                    for jj in range(n_cols):
                        c = off + _pass_column(jj, full, direct, indices, bs, touched)
                        g = zbuf[o] * data[bs + jj] if direct else gbuf[c] * inv_n
                        g += grad_lam * w[c]
                        if clip_value > 0.0:
                            g = min(max(g, -clip_value), clip_value)
                        gbuf[c] = g
                        gsq += g * g
                gnorm = math.sqrt(gsq)
                if gnorm > clip_norm:
                    scale = clip_norm / gnorm
                    for o in range(n_out):
                        gb[o] *= scale

            eta_t = schedule_eta(
                lr_code, eta, eta0, power_t, alpha, optimal_init, t, normalize
            )
            ibc1 = 1.0
            isbc2 = 1.0
            if solver == ADAM:
                # beta_1**t and beta_2**t as running products (no pow per step)
                pow1 *= h0
                pow2 *= h1
                ibc1 = 1.0 / (1.0 - pow1)
                isbc2 = 1.0 / math.sqrt(1.0 - pow2)

            # ---- intercepts: direction and step
            if fit_intercept:
                for o in range(n_out):
                    c = n_coef + o
                    d, a1, a2 = _direction(
                        solver, h0, h1, h2, gb[o],
                        np.float64(s1[c]) if has1 else 0.0,
                        np.float64(s2[c]) if has2 else 0.0,
                        ibc1, isbc2, 1.0,
                    )  # fmt: skip
                    if has1:
                        s1[c] = a1
                    if has2:
                        s2[c] = a2
                    b[o] -= eta_t * d * intercept_decay
            if use_l1:
                u += l1_ratio * eta_t * alpha
            decay = max(0.0, 1.0 - eta_t * lam) if decoupled else 1.0
            step_eta = eta_t
            if scaled:
                wscale *= 1.0 - eta_t * lam
                if abs(wscale) < WSCALE_MIN:
                    sq_norm = _fold_scale(w, wscale)
                    wscale = 1.0
                step_eta = eta_t / wscale
            averaged = use_avg and k >= avg_first
            simple = (
                n_out == 1 and not (prepared or use_l1 or use_avg) and clip_value <= 0
            )

            # ---- coefficients, one pass per touched column: gradient (mean +
            # coupled L2, clipped), solver direction, step, decoupled decay, L1
            # truncation, running norms, averaging
            flags = (full, direct, prepared, use_l1, use_avg, averaged)
            scal = (
                h0, h1, h2, ibc1, isbc2, step_eta, decay, u, scale, inv_n, grad_lam,
                clip_value,
            )  # fmt: skip
            ints = (n_cols, k, n_out, nf, avg_first, bs)
            arrs = (
                data, indices, touched, last, mark, w, s1, s2, q, asum, gbuf, zbuf,
                dbuf,
            )  # fmt: skip
            norms = (sq_norm, l1_norm)
            # ``solver`` is a constant of this variant: numba prunes the other
            # solvers' branches and types each pass with the constant, so
            # its loop holds only this solver's rule
            if not simple:
                sq_norm, l1_norm = _column_pass(
                    solver, False, flags, scal, ints, arrs, norms
                )
            elif solver == ADAGRAD or solver == RMSPROP or solver == ADAM:
                sq_norm = _adaptive_pass(solver, flags, scal, ints, arrs, sq_norm)
            else:
                sq_norm, l1_norm = _column_pass(
                    solver, True, flags, scal, ints, arrs, norms
                )
            if averaged:
                cnt = avg_count0 + _avg_steps(0, k, avg_first)
                for o in range(n_out):
                    ab[o] += (b[o] - ab[o]) / cnt

        # ---- bring lazily updated coordinates up to the end of the epoch
        if scaled and wscale != 1.0:
            _fold_scale(w, wscale)
        if not full and solver == RMSPROP:
            for j in range(nf):
                if k > last[j]:
                    decay_j = _decay_since(h0, k - last[j], dbuf, 2 * nf)
                    for o in range(n_out):
                        s1[o * nf + j] = s1[o * nf + j] * decay_j
        if use_avg:
            n_avg = _avg_steps(0, k, avg_first)
            if n_avg > 0:
                total = avg_count0 + n_avg
                for c in range(n_coef):
                    acc = asum[c]
                    if not full:
                        acc += np.float64(w[c]) * _avg_steps(last[c % nf], k, avg_first)
                    aw[c] = ct((np.float64(aw[c]) * avg_count0 + acc) / total)
                st[MB_AVG_COUNT] = total

        st[MB_U] = u
        st[MB_STEP] = step0 + k
        return sum_loss, sum_obj, sum_w, k

    # numba names a kernel's cache files after its qualified name: one set
    # of files per solver, each variant's index holding only its own entries
    minibatch_epoch.__qualname__ = "minibatch_epoch_solver%d" % solver
    return _kernel(_minibatch_epoch_sig, error_model="numpy")(minibatch_epoch)


minibatch_epoch = _PerSolver(
    _minibatch_epoch_for, (SGD, MOMENTUM, ADAGRAD, RMSPROP, ADAM)
)
