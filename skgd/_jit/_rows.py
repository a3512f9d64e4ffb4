"""Reading the rows of X, and the order they are visited in.

Rows are read the same way for dense and CSR input: ``data`` is the flat
buffer (``X.ravel()`` for a C-contiguous dense ``X``, ``X.data`` for CSR),
row ``i`` spans ``data[s:s + n]`` with ``s = i * n_features`` and
``n = n_features`` (dense) or ``s = indptr[i]`` and ``n = indptr[i + 1] - s``
(CSR), and the column of ``data[s + j]`` is ``j`` (dense) or
``indices[s + j]`` (CSR).  Rows are read through these offsets, never through
slices: a slice is an array object whose reference count changes on every
row.  One compiled variant per dtype therefore serves both layouts.
"""

import numpy as np
from llvmlite import ir
from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic

from skgd._jit._compile import cached, inline, jit


def flat_rows(X):
    """X as the kernels read its rows: (values, column indices, row
    pointers), CSR's own arrays with int32 indices (converted only if
    wider), or a dense C-contiguous X's flat buffer, no copy, with no
    indices."""
    import scipy.sparse as sp

    if sp.issparse(X):
        return (
            X.data,
            X.indices.astype(np.int32, copy=False),
            X.indptr.astype(np.int32, copy=False),
        )
    return X.reshape(-1), np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int32)


# Array indices computed at run time (an offset plus a position, a column
# index read from CSR) are cast to unsigned: numba then skips its check for a
# negative index, which otherwise stops LLVM from vectorizing the loop and
# costs a compare per element.  Every such index is non-negative.
U = np.uint64


@inline()
def span(indptr, dense, n_features, r):
    """Start and length of row ``r`` in ``data`` (see the module
    docstring)."""
    if dense:
        return np.int64(r) * n_features, n_features
    s = np.int64(indptr[r])
    return s, np.int64(indptr[r + 1]) - s


@inline()
def col(indices, dense, s, j):
    """Column of the value ``data[s + j]`` of a row starting at ``s``."""
    if dense:
        return U(j)
    return U(indices[U(s + j)])


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

    def prefetch(arr, i):
        """No-op when the kernels run as plain Python."""

else:

    @intrinsic
    def prefetch(typingctx, arr, i):
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


@inline()
def prefetch_range(arr, start, stop):
    """Prefetch ``arr[start:stop]``, one hint per 64-byte line.  The step is
    picked, not divided out, and the loop is no ``range``: a step known only
    at run time costs integer divisions per call (for the step and the trip
    count), which showed in the time per row (CSR per-sample 45 -> 42 ms an
    epoch without them)."""
    size = arr.itemsize
    step = 8 if size == 8 else (16 if size == 4 else max(1, 64 // size))
    p = start
    while p < stop:
        prefetch(arr, p)
        p += step
    if stop > start:
        prefetch(arr, stop - 1)


@inline()
def worth_prefetching(data, indices):
    """Whether the rows are too large to stay in the caches.  The kernels
    prefetch only then, and only when they visit the rows in a random
    permutation: in row order (no shuffle, full batch) and in blocks of
    consecutive rows the hardware prefetcher does better alone (measured:
    sequential per-sample 39 -> 31 ms and full batch 29 -> 22 ms an epoch on
    200 000 x 100 without the hints)."""
    size = data.shape[0] * data.itemsize + indices.shape[0] * indices.itemsize
    return size >= PREFETCH_MIN_BYTES


@inline()
def prefetch_ahead(order, i, data, indices, indptr, dense, nf, y, n_y, sw):
    """Prefetch what the row ``PREFETCH_DISTANCE`` places after position
    ``i`` of ``order`` will read (its values, column indices, target and
    weight), and the CSR row pointer of the row after that."""
    n = order.shape[0]
    a = i + PREFETCH_DISTANCE
    if a < n:
        r = order[a]
        if dense:
            prefetch_range(data, r * nf, (r + 1) * nf)
        else:
            prefetch_range(data, indptr[r], indptr[r + 1])
            prefetch_range(indices, indptr[r], indptr[r + 1])
        prefetch(y, r * n_y)
        prefetch(sw, r)
        if not dense and a + PREFETCH_DISTANCE < n:
            prefetch(indptr, order[a + PREFETCH_DISTANCE])


# The dot product of the per-sample path is summed left to right, as
# scikit-learn sums it (in scikit-learn's orders of the rows; the opt-in
# block order, whose fit scikit-learn has no counterpart of, takes the
# vectorized ``fdot``): a threshold loss (hinge, modified Huber) compares the
# margin with a constant, and a reassociated sum that differs in the last bit
# can take the other branch and send the fit along another path.  The sums of
# squares and absolute values after an update only feed the reported
# objective, so they may be reassociated (``FAST``) and vectorized; no flag
# allows contracting ``w + x * step`` into a fused multiply-add, whose
# rounding would differ from scikit-learn's.
FAST = {"reassoc"}


@inline()
def dot(w, off, data, indices, s, n, dense):
    """``w[off + columns] @ row`` for the row ``data[s:s + n]``, accumulated
    in float64, left to right."""
    acc = 0.0
    o = U(off)
    r0 = U(s)
    if dense:
        for j in range(n):
            acc += w[o + U(j)] * data[r0 + U(j)]
    else:
        for j in range(n):
            acc += w[o + U(indices[r0 + U(j)])] * data[r0 + U(j)]
    return acc


@inline()
def add_norms_body(w, data, indices, s, n, dense, step):
    """``w[columns] += step * row`` rounded to ``w``'s dtype; returns the
    squared and absolute sums of the updated entries.  Inlined as it is for
    short rows, where a call costs more than the loop; long rows call
    ``add_norms``, whose sums may be vectorized."""
    ct = w.dtype.type
    l2 = 0.0
    l1 = 0.0
    r0 = U(s)
    for j in range(n):
        c = U(j) if dense else U(indices[r0 + U(j)])
        wj = ct(w[c] + np.float64(data[r0 + U(j)]) * step)
        w[c] = wj
        l2 += wj * wj
        l1 += abs(np.float64(wj))
    return l2, l1


@jit(fastmath=FAST)
def add_norms(w, data, indices, s, n, dense, step):
    """``add_norms_body`` compiled on its own, with reassociated sums."""
    return add_norms_body(w, data, indices, s, n, dense, step)


#: rows with at most this many stored values update ``w`` inline
SHORT_ROW = 16


# The mini-batch kernel (and the per-sample one in the block order) promises
# the update rule, not scikit-learn's bits: its row sums may be reassociated
# and contracted into fused multiply-adds, which lets LLVM keep several
# partial sums in SIMD registers.
FASTER = {"reassoc", "contract", "nsz"}


@jit(fastmath=FASTER)
def fdot(w, off, data, indices, s, n, dense):
    """``dot`` compiled on its own, accumulated in any order (vectorized)."""
    return dot(w, off, data, indices, s, n, dense)


@jit(fastmath=FASTER)
def faxpy(g, off, a, data, indices, s, n, dense):
    """``g[off + columns] += a * row`` for the row ``data[s:s + n]``."""
    o = U(off)
    r0 = U(s)
    if dense:
        for j in range(n):
            g[o + U(j)] += a * data[r0 + U(j)]
    else:
        for j in range(n):
            g[o + U(indices[r0 + U(j)])] += a * data[r0 + U(j)]


@jit()
def rand_r(seed):
    """scikit-learn's 32-bit xorshift ``our_rand_r``: (new seed, draw)."""
    if seed == 0:
        seed = 1
    seed ^= (seed << 13) & 0xFFFFFFFF
    seed ^= seed >> 17
    seed ^= (seed << 5) & 0xFFFFFFFF
    return seed, seed & 0x7FFFFFFF


@cached()
def shuffle_order(order, seed):
    """scikit-learn's in-place Fisher-Yates pass (``SequentialDataset.shuffle``).

    It is applied once per epoch with the same seed to the permutation left by
    the previous epoch, exactly as scikit-learn does.
    """
    n = order.shape[0]
    s = np.int64(seed) & 0xFFFFFFFF
    for i in range(n - 1):
        s, r = rand_r(s)
        j = i + r % (n - i)
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


# ---------------------------------------------------------------------------
# Per-sample plain SGD: scikit-learn's ``_plain_sgd`` and ``WeightVector``,
