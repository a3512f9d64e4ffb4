"""The compiled layer: its code tables and its shuffle."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from sklearn.utils._testing import ignore_warnings

from skgd import _cache_lock, _codes, _kernels


@pytest.mark.parametrize(
    "table",
    [
        _codes.LOSS_CODES,
        _codes.PENALTY_CODES,
        _codes.LEARNING_RATE_CODES,
        _codes.SOLVER_CODES,
    ],
)
def test_code_tables_agree_with_kernels(table):
    for name, code in table.items():
        assert (
            getattr(_kernels, name.upper() if name != "none" else "NO_PENALTY") == code
        )


def test_penalty_and_schedule_codes_are_sklearns():
    from sklearn.linear_model import _stochastic_gradient as sgd

    assert _codes.PENALTY_CODES == sgd.PENALTY_TYPES
    assert _codes.LEARNING_RATE_CODES == sgd.LEARNING_RATE_TYPES


@ignore_warnings
@pytest.mark.parametrize("n", [1, 2, 17, 1000])
@pytest.mark.parametrize("seed", [1, 12345, 2**31 - 2])
def test_shuffle_is_sklearns(n, seed):
    """The same permutation as scikit-learn's SequentialDataset.shuffle,
    applied twice (two epochs) with the same seed."""
    from sklearn.utils._seq_dataset import ArrayDataset64

    X = np.arange(n, dtype=np.float64).reshape(n, 1)
    dataset = ArrayDataset64(X, X.ravel().copy(), np.ones(n), seed=1)
    order = np.arange(n, dtype=np.int32)
    for _ in range(2):
        dataset._shuffle_py(seed)
        _kernels.shuffle_order(order, seed)
        expected = [int(dataset._next_py()[1]) for _ in range(n)]
        assert order.tolist() == expected


def test_log_loss_pair_is_the_loss_and_its_derivative():
    """``_log_loss_pair`` (the row orders scikit-learn has not): the
    derivative has ``loss_derivative``'s bits, the value is numpy's
    ``logaddexp(0, p) - y p`` to a few ulps of its terms, on every branch
    of scikit-learn's formulas (-37, -2, 0, 18, 33.3)."""
    ps = np.concatenate(
        [np.linspace(-60, 60, 2401), [-37.0, -36.99, -2.0, 0.0, 18.0, 33.3]]
    )
    for y in (0.0, 1.0):
        for p in ps:
            value, derivative = _kernels._log_loss_pair(y, p)
            assert derivative == _kernels.loss_derivative(_kernels.LOG_LOSS, y, p, 0.0)
            scale = np.logaddexp(0.0, p) + abs(y * p)
            assert abs(value - (np.logaddexp(0.0, p) - y * p)) <= 4e-16 * scale, p


def _dispatchers():
    """Every numba dispatcher of the compiled layer: the kernels, each
    solver's variant and the helpers they call."""
    from numba.core.registry import CPUDispatcher

    objs = list(vars(_kernels).values())
    objs += [v for obj in objs for v in getattr(obj, "variants", {}).values()]
    dispatchers = []
    for obj in objs:
        obj = getattr(obj, "dispatcher", obj)
        if isinstance(obj, CPUDispatcher):
            dispatchers.append(obj)
    if not dispatchers:
        pytest.skip("numba's JIT is disabled")
    names = {d.__name__ for d in dispatchers}
    assert {"sgd_epoch", "minibatch_epoch", "_column_pass", "_fdot"} <= names
    return dispatchers


def test_every_compiled_function_runs_without_reference_counting():
    """No function of the compiled layer uses numba's reference-counting
    runtime: with it, every helper taking arrays paid atomic increments and
    decrements once per row, a quarter to a third of an epoch."""
    for d in _dispatchers():
        assert d.targetoptions.get("_nrt") is False, d.__name__


def test_every_compiled_function_reads_and_writes_its_cache_under_the_lock():
    for d in _dispatchers():
        assert type(d._cache._cache_file) is _cache_lock.LockedIndex, d.__name__


# A process saving ``n`` entries into one cache index once every process of
# the test is ready (argv: directory, process number, n).
_SAVER = """
import os, sys, time
from skgd._cache_lock import LockedIndex
d, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
index = LockedIndex(cache_path=d, filename_base="f", source_stamp=("stamp", 1))
open(os.path.join(d, "ready-" + who), "w").close()
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.001)
for i in range(n):
    index.save("%s-%d" % (who, i), "%s-%d" % (who, i))
"""


def test_processes_saving_into_one_cache_index_keep_every_entry_with_its_data(
    tmp_path,
):
    """numba saves a cache entry by reading the index, taking the first
    free data-file number and rewriting the index, with no lock: four
    processes saving 40 entries each at once lost 84-98 of the 160 and
    paired 31-34 with another entry's data.  Under the lock, none."""
    n_proc, n = 4, 40
    procs = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(tmp_path), str(w), str(n)])
        for w in range(n_proc)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < n_proc:
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "go").touch()
    assert [p.wait() for p in procs] == [0] * n_proc
    index = _cache_lock.LockedIndex(
        cache_path=str(tmp_path), filename_base="f", source_stamp=("stamp", 1)
    )
    keys = ["%d-%d" % (w, i) for w in range(n_proc) for i in range(n)]
    assert [index.load(key) for key in keys] == keys


def test_a_cache_save_waits_for_the_lock(tmp_path):
    """The deterministic half of the test above: while the lock is held
    (here by this thread, on a file descriptor of its own), a save writes
    nothing."""
    index = _cache_lock.LockedIndex(
        cache_path=str(tmp_path), filename_base="f", source_stamp=("stamp", 1)
    )
    saver = threading.Thread(target=index.save, args=("key", "data"))
    with _cache_lock.locked(str(tmp_path)):
        saver.start()
        saver.join(0.5)
        assert saver.is_alive()
        assert not list(tmp_path.glob("*.nbc"))
    saver.join(10)
    assert not saver.is_alive()
    assert index.load("key") == "data"


def test_a_solver_variant_compiles_only_its_own_coefficient_passes(tmp_path):
    """The mini-batch kernel is compiled once per solver with the solver's
    code as a constant, so that numba drops the other solvers' branches and
    a first fit in a new environment compiles one solver's passes, not all
    five (Adam: 13.2 -> 5.7 s).  Compiled here into an empty cache."""
    if not hasattr(_kernels.minibatch_epoch.variants[_kernels.ADAM], "compile_for"):
        pytest.skip("numba's JIT is disabled")
    code = (
        "import numpy as np, skgd._kernels as k\n"
        "k.minibatch_epoch.variants[k.ADAM].compile_for(np.float64)\n"
        "for f in (k._column_pass, k._adaptive_pass):\n"
        "    for sig in f.signatures:\n"
        "        print(f.__name__, sig[0].literal_value)\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    compiled = sorted(out.stdout.split("\n")[:-1])
    adam = _kernels.ADAM
    assert compiled == [f"_adaptive_pass {adam}", f"_column_pass {adam}"]
