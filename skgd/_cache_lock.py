"""numba's on-disk cache of the kernels, safe against several processes.

numba saves a compiled function by reading the function's cache index,
picking the first data-file number the index does not list, rewriting the
index and then writing the data file, with no lock between processes.  Two
processes that save new entries of one function at once (the first fits of
``GridSearchCV(n_jobs=2)`` over two solvers or two dtypes, in a new
environment) can both pick the same number: one entry is lost, or kept
but paired with the other entry's machine code, which a later compilation
calling the function would link in.  Measured with numba's own cache file,
four processes saving 40 entries each into one index: 84-98 of the 160
entries lost and 31-34 paired with another entry's data.

``guard(dispatcher)`` makes each save, load and flush of a dispatcher's
cache one critical section, under an exclusive lock on one file in its cache
directory.  Compilation itself runs outside the lock, so processes still
compile in parallel; only the few milliseconds of reading and writing the
cache files are serialized.
"""

import contextlib
import os

from numba.core.caching import IndexDataCacheFile

#: the lock file, in numba's cache directory of the kernels
LOCK_NAME = "skgd-cache.lock"

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(f):
        f.seek(0)
        while True:
            try:  # LK_LOCK gives up after ten one-second attempts
                msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue

    def _unlock(f):
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(f):
        fcntl.flock(f, fcntl.LOCK_EX)

    def _unlock(f):
        fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(directory, name=LOCK_NAME):
    """Hold the exclusive lock of the cache ``directory`` (waiting for it):
    against other processes and, as each holder opens the file anew, other
    threads.  ``name``: the lock file, for a lock other than the cache
    files'."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "a+b") as f:
        _lock(f)
        try:
            yield
        finally:
            _unlock(f)


class LockedIndex(IndexDataCacheFile):
    """numba's cache file of one function, read and written under the lock
    of its directory, so that an index entry is always saved with its own
    data file and read back with it."""

    def save(self, key, data):
        with locked(self._cache_path):
            super().save(key, data)

    def load(self, key):
        with locked(self._cache_path):
            return super().load(key)

    def flush(self):
        with locked(self._cache_path):
            super().flush()


def guard(dispatcher):
    """Give ``dispatcher``'s on-disk cache the locked cache file; returns the
    dispatcher.  Anything else (numba's JIT disabled, a function without a
    cache) is returned as it is."""
    cache = getattr(dispatcher, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    if type(cache_file) is IndexDataCacheFile:
        cache_file.__class__ = LockedIndex
    return dispatcher
