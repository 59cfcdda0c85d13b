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
