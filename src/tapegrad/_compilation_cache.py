"""NOTE [Compilation cache]: tapegrad's kernels compiled once per machine, not once per process.

Eager tapegrad compiles one small XLA program per op and signature; a fresh process spends most
of its first seconds there. JAX's persistent compilation cache can keep them on disk, but only
programs that took over a second to compile are written by default, and turning it on is a
process-wide setting. tapegrad turns it on for its own work without touching JAX's configuration:

- The directory: if the user has not configured one (`jax_compilation_cache_dir` unset) and
  JAX's cache is not yet initialized, `install()` (run at import) gives JAX a `_FileCache` in
  `$TAPEGRAD_COMPILATION_CACHE`, default `$XDG_CACHE_HOME/tapegrad/jax` (`~/.cache/...`).
  `TAPEGRAD_COMPILATION_CACHE=0` turns it off. JAX keeps one cache per process, so JAX programs
  in the same process read it too, and one of theirs that takes over a second to compile (JAX's
  own threshold, untouched) is written there; a directory the user sets after tapegrad's import
  is not taken up (JAX reads the setting once). A user's own directory always wins when set first.
- The threshold: tapegrad jits its kernels through `jit` below, whose function, when JAX
  traces it (a compile follows), sets `jax_persistent_cache_min_compile_time_secs` to 0 for
  this thread, so tapegrad's kernels are written whatever their compile time. The exit of
  tapegrad's JAX scope (NOTE [x64]) outside any trace restores the user's value. So the hot
  path pays one flag test per entry, not a setting swap (a swap per op cost ~10% of eager
  op overhead).
- Safe across processes (pytest-xdist workers, DataLoader workers): an entry is written to a
  temporary file and renamed into place, so a reader never sees half an entry (JAX's own file
  cache writes in place unless given a size limit, and then scans the directory on every write).
  Bounded: at install (at most once a day: the scan costs ~0.1 s for a large directory),
  least recently used entries go until the directory is under
  `TAPEGRAD_COMPILATION_CACHE_MAX_MB` (default 1024).

JAX has no public API to supply a cache object, so `install()` sets the module attribute JAX's
own initialization sets (`jax._src.compilation_cache._cache`); if that API is absent (another JAX
version), nothing is installed and tapegrad runs as before, compiling in every process.
"""

from __future__ import annotations

import functools
import os
import pathlib
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import jax

__all__ = ["install", "directory", "jit", "disarm", "THRESHOLD_STATE"]

_OFF = {"0", "off", "false", "no", ""}
_SUFFIX = "-cache"

_DIRECTORY: str | None = None

try:  # JAX internals this relies on; absent in another JAX version -> no persistent cache
    from jax._src import compilation_cache as _jcc
    from jax._src import config as _jconfig
    from jax._src.compilation_cache_interface import CacheInterface as _Base
    from jax._src.core import trace_state_clean as _trace_state_clean

    THRESHOLD_STATE: Any = _jconfig.persistent_cache_min_compile_time_secs
except Exception:  # pragma: no cover - depends on the JAX version
    _jcc = _jconfig = _trace_state_clean = None
    _Base = object
    THRESHOLD_STATE = None

armed = 0  # threads whose threshold is lowered (read on the hot path: a plain module global)
_local = threading.local()
_lock = threading.Lock()


def _arm() -> None:
    # Called while JAX traces a tapegrad kernel: a compile follows in this thread.
    global armed
    if _DIRECTORY is None or hasattr(_local, "prev"):
        return
    _local.prev = THRESHOLD_STATE.swap_local(0.0)
    with _lock:
        armed += 1


def disarm() -> None:
    """Restore this thread's threshold once no trace is running (the compile is done)."""
    global armed
    if not hasattr(_local, "prev") or not _trace_state_clean():
        return
    THRESHOLD_STATE.set_local(_local.prev)
    del _local.prev
    with _lock:
        armed -= 1


def jit(fun: Callable, **kwargs: Any) -> Any:
    """`jax.jit(fun, **kwargs)` whose traces lower the write threshold (see the NOTE)."""
    if _DIRECTORY is None:
        return jax.jit(fun, **kwargs)

    @functools.wraps(fun)
    def traced(*args: Any, **kw: Any) -> Any:
        _arm()
        return fun(*args, **kw)

    return jax.jit(traced, **kwargs)


class _FileCache(_Base):  # type: ignore[misc, valid-type]
    """One file per entry; written atomically (temporary file, then rename); a hit refreshes
    the file's mtime, which orders eviction."""

    def __init__(self, path: pathlib.Path) -> None:
        self._path = path

    def get(self, key: str) -> bytes | None:
        file = self._path / (key + _SUFFIX)
        try:
            data = file.read_bytes()
        except OSError:  # a miss, or pruned by another process
            return None
        try:
            os.utime(file)
        except OSError:
            pass
        return data

    def put(self, key: str, value: bytes) -> None:
        file = self._path / (key + _SUFFIX)
        if file.exists():
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self._path, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(value)
            os.replace(tmp, file)
        except OSError:  # a full or read-only disk costs only the cache
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass


_PRUNE_EVERY_S = 24 * 3600  # a scan of a large directory costs ~0.1 s: at most once a day


def _maybe_prune(path: pathlib.Path, max_bytes: int) -> None:
    marker = path / ".pruned"
    try:
        if time.time() - marker.stat().st_mtime < _PRUNE_EVERY_S:
            return
    except OSError:
        pass
    _prune(path, max_bytes)
    try:
        marker.touch()
    except OSError:
        pass


def _prune(path: pathlib.Path, max_bytes: int) -> None:
    # Least recently used first, until the directory is under 80% of the limit.
    entries = []
    total = 0
    with os.scandir(path) as it:
        for e in it:
            try:
                st = e.stat()
            except OSError:
                continue
            if e.name.endswith(_SUFFIX):
                entries.append((st.st_mtime, st.st_size, e.path))
                total += st.st_size
    if total <= max_bytes:
        return
    entries.sort()
    for _, size, p in entries:
        if total <= 0.8 * max_bytes:
            break
        try:
            os.unlink(p)
            total -= size
        except OSError:
            pass


def _default_directory() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tapegrad", "jax")


def install() -> str | None:
    """Give JAX tapegrad's persistent cache if the user configured none; the directory or None."""
    global _DIRECTORY
    setting = os.environ.get("TAPEGRAD_COMPILATION_CACHE")
    if _jcc is None or (setting is not None and setting.strip().lower() in _OFF):
        return None
    try:
        if (not _jconfig.enable_compilation_cache.value
                or _jconfig.compilation_cache_dir.value is not None):
            return None  # the user's choice (off, or their own directory) stands
        path = pathlib.Path(setting or _default_directory()).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        limit = float(os.environ.get("TAPEGRAD_COMPILATION_CACHE_MAX_MB", "1024")) * 2**20
        _maybe_prune(path, int(limit))
        with _jcc._cache_initialized_mutex:
            if _jcc._cache_initialized or _jcc._cache is not None:
                return None
            _jcc._cache = _FileCache(path)
            _jcc._cache_initialized = True
    except Exception:  # unwritable home, another JAX version: no persistent cache
        return None
    _DIRECTORY = str(path)
    return _DIRECTORY


def directory() -> str | None:
    """The directory tapegrad's compiled kernels are cached in, or None (off, or JAX's own)."""
    return _DIRECTORY
