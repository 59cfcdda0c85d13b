"""Named tuples returned by max/min/sort/topk, printing like `torch.return_types.*`."""

from __future__ import annotations

from collections import namedtuple

_cache: dict = {}


def make(name: str):
    cls = _cache.get(name)
    if cls is None:
        base = namedtuple(name, ["values", "indices"])

        def __repr__(self):
            return (f"tapegrad.return_types.{name}(\nvalues={self.values!r},\n"
                    f"indices={self.indices!r})")

        cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
        _cache[name] = cls
    return cls
