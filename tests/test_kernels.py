"""The compiled layer: its code tables, its shuffle, how it is compiled and
cached."""

import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher
from sklearn.utils._testing import ignore_warnings

from skgd import _cache_lock, _codes, _jit
from skgd._jit import _compile, _epoch, _loss, _rows, _schedule, _sgd, _step


@pytest.mark.parametrize(
    "table, module",
    [(_codes.LOSS_CODES, _loss), (_codes.LEARNING_RATE_CODES, _schedule)],
)
def test_code_tables_agree_with_kernels(table, module):
    for name, code in table.items():
        assert getattr(module, name.upper()) == code


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
        _jit.base().shuffle_order(order, seed)
        expected = [int(dataset._next_py()[1]) for _ in range(n)]
        assert order.tolist() == expected


def test_log_loss_pair_is_the_loss_and_its_derivative():
    """``log_loss_pair`` (the row orders scikit-learn has not): the
    derivative has ``loss_derivative``'s bits, the value is numpy's
    ``logaddexp(0, p) - y p`` to a few ulps of its terms, on every branch
    of scikit-learn's formulas (-37, -2, 0, 18, 33.3)."""
    ps = np.concatenate(
        [np.linspace(-60, 60, 2401), [-37.0, -36.99, -2.0, 0.0, 18.0, 33.3]]
    )
    for y in (0.0, 1.0):
        for p in ps:
            value, derivative = _loss.log_loss_pair(y, p)
            assert derivative == _loss.loss_derivative(_loss.LOG_LOSS, y, p, 0.0)
            scale = np.logaddexp(0.0, p) + abs(y * p)
            assert abs(value - (np.logaddexp(0.0, p) - y * p)) <= 4e-16 * scale, p


def _dispatchers():
    """Every numba dispatcher of the compiled layer and of one solver's
    generated module, and which of them are cached."""
    from skgd.solvers import Adam

    modules = (_compile, _epoch, _loss, _rows, _schedule, _sgd, _step,
               _jit.for_solver(Adam))  # fmt: skip
    found = {}
    for module in modules:
        for obj in vars(module).values():
            obj = getattr(obj, "dispatcher", obj)
            if isinstance(obj, CPUDispatcher):
                found[id(obj)] = obj
    if not found:
        pytest.skip("numba's JIT is disabled")
    names = {d.__name__ for d in found.values()}
    assert {"sgd_epoch", "minibatch_epoch", "column_pass", "fdot", "gather"} <= names
    return list(found.values())


def test_every_compiled_function_runs_without_reference_counting():
    """No function of the compiled layer uses numba's reference-counting
    runtime: with it, every helper taking arrays paid atomic increments and
    decrements once per row, a quarter to a third of an epoch."""
    for d in _dispatchers():
        assert d.targetoptions.get("_nrt") is False, d.__name__


def test_every_cached_function_is_locked_and_stamped_with_the_layer():
    """A cached function reads and writes its cache files under the lock,
    and its cache is valid only for the layer's current sources."""
    cached = [d for d in _dispatchers() if d._cache is not None
              and type(d._cache).__name__ != "NullCache"]  # fmt: skip
    names = {d.__name__ for d in cached}
    assert {"sgd_epoch", "gather", "loss_value", "minibatch_epoch"} <= names
    for d in cached:
        cache_file = d._cache._cache_file
        assert type(cache_file) is _cache_lock.LockedIndex, d.__name__
        assert cache_file._source_stamp == ("skgd layer", _compile.layer_digest())


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


_SOLVER_FILE = """
import math
from skgd.solvers import Solver


class Halving(Solver):
    state = ("m",)

    def __init__(self, rate=0.5):
        self.rate = rate

    @staticmethod
    def rule(g, m, rate):
        m = rate * m + g
        return m * SCALE, m
"""

_FIT = """
import json, sys
import numpy as np
from skgd import GDRegressor
from halving import Halving
X = np.random.RandomState(0).randn(60, 4)
y = X @ np.arange(4.0)
reg = GDRegressor(solver=Halving(), batch_size=8, eta0=0.01, max_iter=3, tol=None,
                  random_state=0).fit(X, y)
module = next(m for n, m in sys.modules.items() if n.startswith("skgd_solver"))
stats = module.run_epoch.stats
print(json.dumps({"coef": reg.coef_.tolist(), "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values())}))
"""


def _fit_in_a_new_process(tmp_path):
    import json

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    out = subprocess.run(
        [sys.executable, "-c", _FIT], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_users_rule_is_cached_and_an_edit_recompiles(tmp_path):
    """A second process loads the user's compiled rule from the cache (no
    compilation); an edited rule gets a module of its own, compiled anew,
    with the new numbers."""
    if not hasattr(_jit.base().sgd_epoch, "compile_for"):
        pytest.skip("numba's JIT is disabled")
    source = tmp_path / "halving.py"
    source.write_text(_SOLVER_FILE.replace("SCALE", "1.0"))
    first = _fit_in_a_new_process(tmp_path)
    second = _fit_in_a_new_process(tmp_path)
    assert second == dict(first, hits=1, misses=0)
    source.write_text(_SOLVER_FILE.replace("SCALE", "2.0"))
    edited = _fit_in_a_new_process(tmp_path)
    assert edited["misses"] == 1 and edited["hits"] == 0
    assert not np.allclose(edited["coef"], first["coef"])


def test_a_solver_compiles_only_its_own_module(tmp_path):
    """A first fit in a new environment generates and compiles the module
    of its solver's rule, and no other solver's."""
    code = textwrap.dedent("""
        import numpy as np
        from skgd import GDRegressor
        X = np.random.RandomState(0).randn(40, 3)
        GDRegressor(solver="adam", batch_size=8, max_iter=2, tol=None).fit(X, X[:, 0])
    """)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    modules = sorted(p.name for p in (tmp_path / "skgd").glob("skgd_solver_*.py"))
    assert len(modules) == 1
    assert "skgd.solvers._adam.Adam" in (tmp_path / "skgd" / modules[0]).read_text()
