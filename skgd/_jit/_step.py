"""One update of the mini-batch kernel, in DESIGN.md's order, written once:
batch gradient (mean) -> + coupled L2 -> clip -> solver direction -> x -eta
(after the decoupled weight decay) -> L1 truncation -> averaging.

The solver enters through two functions of its generated module, passed in
as arguments (numba compiles one version of each pass per solver):
``coordinate(g, w, eta, S, c, h, p, catch_up)`` runs the solver's rule on
coordinate ``c`` (of value ``w``, at the update's rate ``eta``) of the state
matrix ``S`` (each state entry first times
``catch_up``, the decay it owes for the updates that skipped it) and returns
the rule's two intermediates; ``complete(a, b, h, p)`` turns them into the
direction.  ``h`` holds the solver's hyperparameters, ``p`` the values its
``prepare`` computed for this update.

``Pass`` carries what the coefficient passes of one update read.
"""

import math
from typing import NamedTuple

import numpy as np

from skgd._jit._compile import inline, jit
from skgd._jit._rows import U

#: the kernel folds its running scale of w into w below this
WSCALE_MIN = 1e-6

#: how many powers of a solver's skip decay the kernel tabulates
#: (``decay_since``)
SKIP_POWERS = 8192


class Pass(NamedTuple):
    """What a coefficient pass of one update reads."""

    full: bool  # every column, in order
    direct: bool  # the columns of the one row read (lazy batches of one row)
    prepared: bool  # the finished gradient is in gbuf (clipping by norm)
    use_l1: bool
    use_avg: bool
    averaged: bool  # this update is averaged
    decaying: bool  # the solver's state decays when a coordinate is skipped
    n_cols: int
    k: int  # the update's number within the call
    n_out: int
    nf: int
    avg_first: int  # the first averaged update of the call
    bs: int  # start of the row read (direct)
    eta: float  # the rate of the step (divided by the running scale)
    decay: float  # decoupled weight decay factor
    u: float  # the cumulative L1 penalty
    scale: float  # clipping by norm's factor of a prepared gradient
    inv_n: float  # 1 / rows in the batch
    grad_lam: float  # the L2 strength added to the gradient
    clip_value: float
    skip_decay: float  # per skipped update, the decay of the solver's state


@inline(error_model="numpy")
def avg_steps(lo, hi, first):
    """Number of averaged local steps in (lo, hi] when averaging starts at
    local step ``first``."""
    lo2 = max(lo, first - 1)
    return max(0, hi - lo2)


@inline()
def pass_column(jj, full, direct, indices, bs, touched):
    """The column of the ``jj``-th coordinate a coefficient pass updates:
    every column in order (``full``), the columns of the one row read
    (``direct``, the row starting at ``bs``) or the ``touched`` ones."""
    if full:
        return np.int64(jj)
    elif direct:
        return np.int64(indices[U(bs + jj)])
    return touched[jj]


@inline()
def decay_since(rho, missed, dbuf, off):
    """``rho ** missed``, the decay a lazily updated state owes for the
    ``missed`` updates that did not touch its coordinate: read from the
    table of libm's ``pow(rho, m)`` at ``dbuf[off + m]``, which the kernel
    fills once a call, where it reaches, else libm's pow itself.  The same
    bits either way; a table read rather than a pow per touched coordinate
    took a per-sample RMSProp epoch on CSR 200 000 x 50 000 from 290 to
    149 ms.  (numba's own ``float ** int`` squares repeatedly: slower.)"""
    if missed <= 0:
        return 1.0
    if off + missed < dbuf.shape[0]:
        return dbuf[U(off + missed)]
    return math.pow(rho, np.float64(missed))


@jit()
def fold_scale(w, scale):
    """``w *= scale`` rounded to ``w``'s dtype; returns the new squared
    norm of ``w``."""
    ct = w.dtype.type
    sq = 0.0
    for c in range(w.shape[0]):
        v = ct(np.float64(w[c]) * scale)
        w[c] = v
        sq += np.float64(v) * np.float64(v)
    return sq
