"""Test-suite configuration.

Under pytest-xdist with ``--dist=loadgroup`` (set in pyproject.toml), the
tests of ``test_dask.py`` run in one worker process, so that its
module-scoped dask ``LocalCluster`` is started once.  pytest-xdist 3.8
groups the tests marked ``xdist_group`` by a suffix of their node ids, which
pytest 9.2 no longer lets a plugin change (pytest-xdist issue #1386); this
scheduler groups that module by its path instead, and leaves every other
test to loadgroup's own rules.

The longest single tests (a docs build, subprocess compiles, scikit-learn's
own SGD test file) are collected first, so that the two workers do not end
with one of them running a 40-second test alone.

Before any test runs, the main process fills numba's cache with the
compiled kernels, half of the kernels in each of two processes at once
(both dtypes of a kernel in the same process; the helpers the two halves
share are saved under ``skgd._cache_lock``'s lock); the test processes then
load them instead of each compiling the same kernels.
"""

import subprocess
import sys

DASK_MODULE = "tests/test_dask.py::"
#: the tests of 10 s and more (``--durations``), started first
LONGEST_FIRST = (
    "tests/test_docs.py::",
    "tests/test_compile_command.py::test_a_compiled_cache",
    "tests/test_sklearn_sgd_suite.py::",
    "tests/test_kernels.py::test_a_users_rule",
    "tests/test_custom_solver_page.py::test_the_dozen_line_solver",
    "tests/test_kernels.py::test_a_solver_compiles_only_its_own_module",
)


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        for k, prefix in enumerate(LONGEST_FIRST):
            if item.nodeid.startswith(prefix):
                return k
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        return
    code = "import sys, skgd._jit as k; k.compile_kernels(share=(int(sys.argv[1]), 2))"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i)]) for i in range(2)]
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError("compiling skgd's kernels failed")


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class DaskModuleScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            if nodeid.startswith(DASK_MODULE):
                return DASK_MODULE
            return super()._split_scope(nodeid)

    return DaskModuleScheduling(config, log)
