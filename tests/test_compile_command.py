"""``python -m skgd.compile``: the warm-up command that fills numba's cache."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from skgd import compile as compile_command

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _run(args, env=None, timeout=300):
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=None if env is None else dict(os.environ, **env),
        timeout=timeout,
    )


def test_help():
    out = _run(["-m", "skgd.compile", "--help"], timeout=60)
    assert out.returncode == 0, out.stderr
    for option in ("--jobs", "--dtype", "--solvers", "NUMBA_CACHE_DIR"):
        assert option in out.stdout
    assert "adam" in out.stdout  # the registered names are listed


def test_import_skgd_imports_neither_numba_nor_the_command():
    code = textwrap.dedent("""
        import sys
        import skgd
        loaded = [m for m in sys.modules
                  if m == "numba" or m.startswith("numba.") or m == "skgd.compile"]
        assert not loaded, loaded
        assert not hasattr(skgd, "compile")
    """)
    out = _run(["-c", code], timeout=60)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "0"], "--jobs must be a positive number"),
        (["--jobs", "-2"], "--jobs must be a positive number"),
        (["--jobs", "two"], "invalid int value"),
        (["--dtype", "float16"], "invalid choice: 'float16'"),
        (["--solvers", "sgd,nope"], "unknown solver name(s) ['nope']"),
        (["--solvers", ","], "unknown solver name(s)"),
        (["--share", "2/2"], "--share must be I/N"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_argument_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        compile_command.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("usage: python -m skgd.compile")


def test_compile_all_refuses_other_dtypes():
    with pytest.raises(ValueError, match="float64 and/or float32"):
        compile_command.compile_all(dtypes=("float16",))
    with pytest.raises(ValueError, match="float64 and/or float32"):
        compile_command.compile_all(dtypes=())


def test_with_numbas_jit_disabled_there_is_nothing_to_do(tmp_path):
    out = _run(
        ["-m", "skgd.compile"],
        env={"NUMBA_DISABLE_JIT": "1", "NUMBA_CACHE_DIR": str(tmp_path)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "JIT is disabled" in out.stdout and "nothing to compile" in out.stdout
    assert not list(tmp_path.iterdir())


# a first fit of each path the sgd modules serve, with numba's compilations
# recorded from the start of the process
_FIT = """
import json, sys, time
from numba.core import event
recorder = event.install_recorder("numba:compile")
compilations = recorder.__enter__()
import numpy as np
from skgd import GDRegressor
X = np.random.RandomState(0).randn(200, 5)
y = X @ np.arange(5.0)
start = time.perf_counter()
GDRegressor(batch_size=32, max_iter=3, tol=None, random_state=0).fit(X, y)
seconds = time.perf_counter() - start
GDRegressor(max_iter=3, tol=None, random_state=0).fit(X, y)  # per-sample
GDRegressor(batch_size=8, penalty="l1", max_iter=3, tol=None).fit(X, y)  # general
recorder.__exit__(None, None, None)
compiled = [e.data["dispatcher"].__name__ for _, e in compilations.buffer
            if e.is_start]
modules = [m for n, m in sys.modules.items() if n.startswith("skgd_solver_")]
hits = sum(sum(m.run_epoch.stats.cache_hits.values()) for m in modules)
print(json.dumps({"compiled": compiled, "hits": hits, "modules": len(modules),
                  "seconds": seconds}))
"""


def test_a_compiled_cache_serves_the_next_process_without_compiling(tmp_path):
    """``--solvers sgd --dtype float64`` into an empty ``NUMBA_CACHE_DIR``:
    a second run compiles nothing, and a new process's first fits of the
    simple and the general sgd module and of the per-sample path load
    every kernel from that cache (numba compiles nothing)."""
    if compile_command._jit_disabled():
        pytest.skip("numba's JIT is disabled")
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    argv = ["-m", "skgd.compile", "--solvers", "sgd", "--dtype", "float64"]
    first = _run([*argv, "--jobs", "2"], env=env)
    assert first.returncode == 0, first.stderr
    assert "in 2 processes" in first.stdout
    assert str(tmp_path) in first.stdout
    assert list(tmp_path.rglob("*.nbi")) and list(tmp_path.rglob("*.nbc"))
    assert list((tmp_path / "skgd").glob("skgd_solver_*.py"))

    second = _run([*argv, "--jobs", "1"], env=env)
    assert second.returncode == 0, second.stderr
    assert ": 0 compiled" in second.stdout, second.stdout

    out = _run(["-c", _FIT], env=env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["compiled"] == [], report
    assert report["modules"] == 2 and report["hits"] == 2, report
    assert report["seconds"] < 5.0, report
