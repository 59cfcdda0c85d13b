"""A bounded cache: the one kind of cache tapegrad keeps (compiled kernels and plans).

Keys hold structure only (shapes, dtypes, static arguments, node classes), never tensors or
nodes, and every cache has a size bound with least-recently-used eviction, so neither memory
nor compiled code grows without bound over many distinct shapes.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["LRU", "CACHES"]

# Every cache made, by name, so the limits can be inspected and changed in one place
# (`tapegrad._lru.CACHES["fusion"].maxsize = 64`).
CACHES: dict[str, LRU] = {}


class LRU:
    """A dict-like cache with at most `maxsize` entries (least recently used evicted first)."""

    __slots__ = ("name", "maxsize", "_data", "hits", "misses")

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.maxsize = maxsize
        self._data: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0
        CACHES[name] = self

    def get(self, key: Any) -> Any:
        data = self._data
        try:
            value = data[key]
        except KeyError:
            self.misses += 1
            return None
        data.move_to_end(key)
        self.hits += 1
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        data = self._data
        data[key] = value
        data.move_to_end(key)
        while len(data) > self.maxsize:
            data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Any) -> bool:
        return key in self._data

    def clear(self) -> None:
        self._data.clear()


# NOTE [Compiled-code budget]
# JAX compiles a program per input shape and keeps every executable (and its lowering) in
# process-wide caches for the life of the process: an eager program that sees many distinct
# shapes grows by 1-3 MB per new kernel, without bound. tapegrad counts backend compilations
# (JAX's monitoring event) and, once more than `COMPILE_CACHE_LIMIT` happened since the last
# clear, clears JAX's caches (`jax.clear_caches()`) and its own at the next eager op, outside
# any trace. Kernels in use are compiled again on their next call. The limit is read from
# `TAPEGRAD_COMPILE_CACHE_LIMIT` (0 turns the budget off) and can be set with
# `set_compile_cache_limit`. This clears the caches of JAX code outside tapegrad too.
import os as _os  # noqa: E402

import jax as _jax  # noqa: E402

COMPILE_CACHE_LIMIT = int(_os.environ.get("TAPEGRAD_COMPILE_CACHE_LIMIT", "256"))
_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
compiles = 0      # backend compilations since the last clear
over_budget = False   # read on the eager hot path: a plain module global


def set_compile_cache_limit(limit: int | None) -> None:
    """Clear compiled code after `limit` new compilations (None or 0: never)."""
    global COMPILE_CACHE_LIMIT
    COMPILE_CACHE_LIMIT = int(limit or 0)


def _on_duration_event(event: str, duration: float, **kwargs: Any) -> None:
    global compiles, over_budget
    if event == _COMPILE_EVENT:
        compiles += 1
        if COMPILE_CACHE_LIMIT and compiles > COMPILE_CACHE_LIMIT:
            over_budget = True


def clear_compiled() -> None:
    """Drop every compiled kernel (JAX's caches and tapegrad's); see NOTE [Compiled-code
    budget]. Never call while tracing."""
    global compiles, over_budget
    compiles = 0
    over_budget = False
    for cache in CACHES.values():
        cache.clear()
    _jax.clear_caches()


_jax.monitoring.register_event_duration_secs_listener(_on_duration_event)
