"""Compile skgd's kernels once, before the first fit: ``python -m skgd.compile``.

The compiled loops of :class:`~skgd.GDRegressor` and
:class:`~skgd.GDClassifier` are built by numba on the first fit that needs
them and cached on disk; a first fit in a fresh environment therefore
spends seconds compiling.  This command fills numba's on-disk cache with
every built-in kernel ahead of time -- the base kernels, and the general and
simple module of every registered solver (``skgd.solvers.REGISTRY``) and of
the numpy path, for float64 and float32 -- in parallel processes, each
compiling every ``N``-th kernel.  Run it once after installing skgd (in a
container image, a CI job, a shared environment); later fits of any
process that uses the same cache load the kernels instead of compiling
them.  A second run finds everything in the cache and returns in seconds.

The cache is the one the fits use: ``$NUMBA_CACHE_DIR`` when that variable
is set (the generated solver modules under ``$NUMBA_CACHE_DIR/skgd``), else
beside skgd's sources.  When numba's JIT is disabled
(``NUMBA_DISABLE_JIT=1``) there is nothing to compile and the command says
so.  ``import skgd`` does not import this module.

Usage::

    python -m skgd.compile                 # every kernel, both dtypes
    python -m skgd.compile --dtype float64 --jobs 2
    python -m skgd.compile --solvers sgd,adam

Examples
--------
>>> from skgd.compile import main
>>> main(["--dtype", "float64", "--solvers", "sgd"])  # doctest: +SKIP
skgd.compile: ...
"""

import argparse
import json
import os
import subprocess
import sys
import time

__all__ = ["compile_all", "main"]

#: the dtypes ``--dtype`` names
DTYPES = {
    "float64": ("float64",),
    "float32": ("float32",),
    "both": ("float64", "float32"),
}


def _cpus():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _jit_disabled():
    from numba.core import config

    return bool(config.DISABLE_JIT)


def _kernels(solvers):
    """The entry points to compile: ``skgd._jit.builtin_kernels()``, or,
    for ``solvers`` (registered names), the base kernels and those names'
    solver modules (general and simple) only, in the same order."""
    from skgd import _jit

    everything = _jit.builtin_kernels()
    if solvers is None:
        return everything
    from skgd.solvers import REGISTRY

    base = _jit.base()
    keep = {id(k) for k in vars(base).values()}
    for name in solvers:
        for kernel in _jit.solver_entries(REGISTRY[name][0]):
            keep.add(id(kernel))
    return [k for k in everything if id(k) in keep]


def _dtypes_of(kernel, dtypes):
    """What ``compile_kernels`` passes to ``kernel.compile_for``."""
    from skgd import _jit

    b = _jit.base()
    if kernel in (b.shuffle_order, b.optimal_t0):  # one signature
        return (None,)
    return dtypes


def _signatures(kernel, dtypes):
    """The explicit signatures ``Kernel.compile_for`` compiles ``kernel``
    with, for ``dtypes``."""
    import numpy as np

    from skgd._jit._compile import FLOAT_TYPES

    return [
        kernel._build(None if d is None else FLOAT_TYPES[np.dtype(d)])
        for d in _dtypes_of(kernel, dtypes)
    ]


def _save_entry_points(kernels, dtypes):
    """Cache each kernel under its explicit signature when this process
    compiled (or loaded) it as another kernel's callee first.

    numba caches a function under the signature it is compiled with: as a
    callee, its argument types; as an entry point, the explicit signature
    of ``Kernel``.  ``compile_for`` then finds the callee's compilation in
    memory and caches nothing, so a later process, which asks the cache for
    the explicit signature, would compile the kernel again.  Such a kernel
    is compiled here once more, as an entry point, by a new dispatcher of
    the same function cached the layer's way (its callees are in memory).
    Returns how many signatures were cached so."""
    from skgd._jit._compile import OPTIONS, cached

    saved = 0
    for kernel in kernels:
        dispatcher = kernel.dispatcher
        seen = set(dispatcher.stats.cache_hits) | set(dispatcher.stats.cache_misses)
        missing = [s for s in _signatures(kernel, dtypes) if s not in seen]
        if not missing:
            continue
        options = {
            k: v for k, v in dispatcher.targetoptions.items()
            if k not in OPTIONS and k not in ("nopython", "boundscheck")
        }  # fmt: skip
        fresh = cached(**options)(dispatcher.py_func)
        for signature in missing:
            fresh.compile(signature)
            saved += 1
    return saved


def _compile_share(dtypes, share, solvers):
    """Compile this process's share of the kernels; a report (dict)."""
    from skgd import _jit

    start = time.perf_counter()
    i, n = share
    mine = _kernels(solvers)[i::n]
    if solvers is None:
        _jit.compile_kernels(dtypes, share=share)
    else:  # compile_kernels' rule, on the restricted list
        for kernel in mine:
            for dtype in _dtypes_of(kernel, dtypes):
                kernel.compile_for(dtype)
    saved = _save_entry_points(mine, dtypes)
    hits = sum(sum(k.stats.cache_hits.values()) for k in mine)
    misses = sum(sum(k.stats.cache_misses.values()) for k in mine)
    paths = sorted({k.dispatcher._cache._cache_path for k in mine})
    return {
        "share": [i, n],
        "kernels": len(mine),
        "names": [k.__name__ for k in mine],
        "compiled_names": [k.__name__ for k in mine if k.stats.cache_misses],
        "compiled": misses + saved,
        "loaded": hits,
        "saved": saved,
        "seconds": time.perf_counter() - start,
        "cache_paths": paths,
    }


def _upper_bound(solvers):
    """At most how many kernels there are (without importing numba): six
    base kernels and two modules per solver class (and the numpy path's)."""
    from skgd.solvers import REGISTRY

    names = REGISTRY if solvers is None else solvers
    classes = {REGISTRY[name][0] for name in names}
    return 6 + 2 * (len(classes) + (solvers is None))


def compile_all(dtypes=("float64", "float32"), jobs=None, solvers=None, out=None):
    """Fill numba's on-disk cache with skgd's built-in kernels.

    Parameters
    ----------
    dtypes : tuple of str, default=("float64", "float32")
        The float dtypes to compile each kernel for.
    jobs : int, default=None
        The number of processes compiling at once, each taking every
        ``jobs``-th kernel; ``None``: the number of CPUs.  Never more than
        there are kernels; 1 compiles in this process.
    solvers : list of str, default=None
        Registered solver names (``skgd.solvers.REGISTRY``) whose modules
        to compile, besides the base kernels; ``None``: every registered
        solver and the numpy path's module, that is
        ``skgd._jit.builtin_kernels()``.
    out : file-like, default=None
        Where to print what is done (``None``: nothing is printed).

    Returns
    -------
    report : dict
        ``jit`` (False when numba's JIT is disabled: nothing was done),
        ``kernels`` (entry points), ``compiled`` and ``loaded`` (signatures
        compiled, and found in the cache), ``jobs``, ``seconds`` (wall
        time) and ``processes`` (one report per process).

    Examples
    --------
    >>> from skgd.compile import compile_all
    >>> compile_all(dtypes=("float64",), solvers=["sgd"])["compiled"]  # doctest: +SKIP
    6
    """
    start = time.perf_counter()
    import numpy as np

    dtypes = tuple(dict.fromkeys(np.dtype(d).name for d in dtypes))
    if not dtypes or not set(dtypes) <= {"float64", "float32"}:
        raise ValueError(f"dtypes must be float64 and/or float32, not {dtypes!r}")

    def say(*parts):
        if out is not None:
            print(*parts, file=out, flush=True)

    if _jit_disabled():
        say("skgd.compile: numba's JIT is disabled (NUMBA_DISABLE_JIT): the fits run")
        say("  the kernels as Python functions, there is nothing to compile.")
        return {"jit": False, "kernels": 0, "compiled": 0, "loaded": 0,
                "jobs": 0, "seconds": time.perf_counter() - start,
                "processes": []}  # fmt: skip
    jobs = _cpus() if jobs is None else int(jobs)
    jobs = max(1, min(jobs, _upper_bound(solvers)))
    what = "every built-in solver" if solvers is None else ", ".join(solvers)
    cache = os.environ.get("NUMBA_CACHE_DIR")
    say(
        f"skgd.compile: the kernels of {what} (general and simple modules, and "
        f"the base kernels) for {', '.join(dtypes)}, in {jobs} process"
        f"{'es' if jobs > 1 else ''}"
    )
    say(f"  numba's cache: {cache + ' (NUMBA_CACHE_DIR)' if cache else 'beside skgd'}")
    if jobs == 1:
        reports = [_compile_share(dtypes, (0, 1), solvers)]
    else:
        dtype = next(k for k, v in DTYPES.items() if set(v) == set(dtypes))
        command = [sys.executable, "-m", "skgd.compile", "--dtype", dtype]
        if solvers is not None:
            command += ["--solvers", ",".join(solvers)]
        procs = [
            subprocess.Popen(
                [*command, "--share", f"{i}/{jobs}"], stdout=subprocess.PIPE, text=True
            )
            for i in range(jobs)
        ]
        reports = []
        failed = []
        for i, proc in enumerate(procs):
            stdout, _ = proc.communicate()
            if proc.returncode != 0:
                failed.append(i)
                continue
            reports.append(json.loads(stdout.strip().splitlines()[-1]))
        if failed:
            raise RuntimeError(
                f"skgd.compile: process(es) {failed} failed (their errors are above)"
            )
    for r in reports:
        i, n = r["share"]
        say(
            f"  process {i + 1}/{n}: {r['kernels']} kernels, {r['compiled']} "
            f"compiled, {r['loaded']} from the cache, {r['seconds']:.1f} s"
        )
    if not cache:
        for path in sorted({p for r in reports for p in r["cache_paths"]}):
            say(f"  cache files in {path}")
    report = {
        "jit": True,
        "kernels": sum(r["kernels"] for r in reports),
        "compiled": sum(r["compiled"] for r in reports),
        "loaded": sum(r["loaded"] for r in reports),
        "jobs": jobs,
        "seconds": time.perf_counter() - start,
        "processes": reports,
    }
    say(
        f"skgd.compile: {report['kernels']} kernels: {report['compiled']} "
        f"compiled, {report['loaded']} found in the cache; "
        f"{report['seconds']:.1f} s wall"
    )
    return report


def _parser():
    from skgd.solvers import REGISTRY

    parser = argparse.ArgumentParser(
        prog="python -m skgd.compile",
        description=(
            "Fill numba's on-disk cache with skgd's built-in kernels (every "
            "registered solver, general and simple modules, and the base "
            "kernels), so that first fits load them instead of compiling. "
            "Respects NUMBA_CACHE_DIR; a second run is a cache hit."
        ),
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=None,
        help=f"processes compiling at once (default: the number of CPUs, {_cpus()})",
    )  # fmt: skip
    parser.add_argument(
        "--dtype", default="both", choices=list(DTYPES),
        help="the dtypes to compile for (default: both)",
    )  # fmt: skip
    parser.add_argument(
        "--solvers", default=None,
        help=(
            "comma-separated solver names to compile besides the base kernels "
            f"(default: all, and the numpy path's module): {', '.join(REGISTRY)}"
        ),
    )  # fmt: skip
    parser.add_argument("--share", default=None, help=argparse.SUPPRESS)
    return parser


def _parse(argv):
    from skgd.solvers import REGISTRY

    parser = _parser()
    args = parser.parse_args(argv)
    args.dtypes = DTYPES[args.dtype]
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be a positive number of processes, not {args.jobs}")
    if args.solvers is not None:
        names = [s.strip() for s in args.solvers.split(",") if s.strip()]
        unknown = [s for s in names if s not in REGISTRY]
        if unknown or not names:
            parser.error(
                f"--solvers: unknown solver name(s) {unknown or [args.solvers]}; "
                f"the registered names are {', '.join(REGISTRY)}"
            )
        args.solvers = names
    if args.share is not None:
        try:
            i, n = (int(x) for x in args.share.split("/"))
            assert 0 <= i < n
        except (ValueError, AssertionError):
            parser.error(f"--share must be I/N with 0 <= I < N, not {args.share!r}")
        args.share = (i, n)
    return args


def main(argv=None):
    """Run the command ``python -m skgd.compile``.

    Parameters
    ----------
    argv : list of str, default=None
        The command-line arguments (``None``: ``sys.argv[1:]``); see
        ``python -m skgd.compile --help``.

    Returns
    -------
    report : dict
        What :func:`compile_all` returns.

    Examples
    --------
    >>> from skgd.compile import main
    >>> main(["--jobs", "2"])  # doctest: +SKIP
    skgd.compile: the kernels of every built-in solver ...
    """
    args = _parse(argv)
    if args.share is not None:  # one of the processes of a parallel run
        report = _compile_share(args.dtypes, args.share, args.solvers)
        print(json.dumps(report))
        return report
    return compile_all(args.dtypes, args.jobs, args.solvers, out=sys.stdout)


if __name__ == "__main__":
    main()
