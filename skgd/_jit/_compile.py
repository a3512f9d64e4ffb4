"""How the compiled layer is compiled.

numba caches a compiled function under the file that defines it and notices
edits of that file only: a function that calls a function of another file
would keep the old machine code after that file changes.  So the layer
stamps the cache of each of its cached functions (``cached``) with a hash of
every file of ``skgd._jit`` (and skgd's, numba's and Python's versions):
an edit of any of them invalidates them all.  A solver's kernels live in a
module generated for its rule (``skgd._jit._generate``), named by a hash of
the rule and of the layer.

``Kernel(dispatcher, signature)`` is how Python calls a cached function:
with one explicit signature per float dtype built from ``signature(ft)``,
compiled (or loaded from the cache) on the first call with that dtype.  A
cached function that another one calls is linked into it from its own cache
entry, not compiled again: the solver-independent pieces (reading a batch,
the per-sample kernel) are compiled once per environment, and each solver's
kernel only adds its own.
"""

import functools
import hashlib
import os
import sys
import threading
from pathlib import Path

import numba
import numpy as np
from numba import config, njit, types

import skgd
from skgd import _cache_lock

HERE = Path(__file__).resolve().parent

FLOAT_TYPES = {
    np.dtype(np.float64): types.float64,
    np.dtype(np.float32): types.float32,
}

#: what every compiled function shares: releasing the GIL, and no
#: reference-counting runtime (``_nrt=False``): nothing in the layer
#: allocates, every array comes from the caller, who keeps it alive for the
#: call.  With the runtime, each call of a helper that receives arrays
#: atomically increments and decrements their reference counts, once per
#: row: that took a quarter to a third of an epoch (200 000 x 100:
#: per-sample SGD 46 -> 35 ms, Adam with batches of 256 40 -> 28 ms).
OPTIONS = {"nogil": True, "_nrt": False}


@functools.lru_cache(maxsize=None)
def layer_digest():
    """Hash of what the layer compiles: its files and the versions of skgd,
    numba and Python."""
    h = hashlib.sha256()
    for path in sorted(HERE.glob("*.py")) + [HERE.parent / "_cache_lock.py"]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for version in (skgd.__version__, numba.__version__, sys.version):
        h.update(version.encode())
    return h.hexdigest()


def jit(*signature, **options):
    """``njit`` with the layer's options (not cached on its own)."""
    return njit(*signature, **OPTIONS, **options)


def cached(**options):
    """``jit`` cached on disk, under ``skgd._cache_lock``'s lock, valid
    while no file of the layer changes (see the module docstring)."""

    def decorate(func):
        dispatcher = njit(cache=True, **OPTIONS, **options)(func)
        cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
        if cache_file is not None:
            cache_file._source_stamp = ("skgd layer", layer_digest())
        return _cache_lock.guard(dispatcher)

    return decorate


def inline(**options):
    """``jit`` inlined into its callers by numba."""
    return jit(inline="always", **options)


class Kernel:
    """An entry point with one signature per float dtype, ``build(ft)``,
    compiled (or loaded from numba's cache) on its first call with a first
    argument of that dtype, and nothing else ever compiled: a call goes to
    the compiled function of that signature, whose arguments are converted
    to the declared types (the dispatcher stays free to compile what other
    compiled functions call it with).

    Processes that need the same entry point at once compile it once: the
    first takes a lock file beside the generated module for the time of the
    compilation, the others wait for it and then load the cached result
    (``GridSearchCV(n_jobs=...)`` in a new environment)."""

    _lock = threading.Lock()

    def __init__(self, dispatcher, build, dtype_of):
        self.dispatcher = dispatcher
        self.py_func = dispatcher.py_func
        self.__name__ = dispatcher.__name__
        self.__doc__ = dispatcher.__doc__
        self._build = build
        self._dtype_of = dtype_of
        self._ready = {}

    @property
    def signatures(self):
        """The signatures compiled so far."""
        return self.dispatcher.signatures

    @property
    def stats(self):
        """numba's cache hits and misses of this entry point."""
        return self.dispatcher.stats

    def _compile_lock(self, dtype):
        directory = self.dispatcher._cache._cache_path
        source = os.path.basename(self.py_func.__code__.co_filename)
        return _cache_lock.locked(directory, f"{source}.{self.__name__}.{dtype}.lock")

    def compile_for(self, dtype):
        """Compile the variant for ``dtype`` (or load it from the cache)."""
        dtype = None if dtype is None else np.dtype(dtype)
        with self._lock:
            if dtype in self._ready:
                return
            ft = None if dtype is None else FLOAT_TYPES[dtype]
            signature = self._build(ft)
            with self._compile_lock(dtype):
                self.dispatcher.compile(signature)
            self._ready[dtype] = self.dispatcher.overloads[signature.args].entry_point

    def __call__(self, *args):
        dtype = self._dtype_of(args)
        if dtype not in self._ready:
            self.compile_for(dtype)
        return self._ready[dtype](*args)


def _first_array_dtype(args):
    first = args[0]
    if hasattr(first, "dtype"):
        return first.dtype
    return first[0].dtype  # a record: its first field is the data


def _no_dtype(args):
    return None


def entry(dispatcher, build, per_dtype=True):
    """The ``Kernel`` of a ``cached`` dispatcher, with the float64 and
    float32 signatures of ``build`` (``per_dtype``; else the one signature
    ``build(None)``); the dispatcher itself when numba's JIT is disabled."""
    if config.DISABLE_JIT:
        return dispatcher
    return Kernel(dispatcher, build, _first_array_dtype if per_dtype else _no_dtype)
