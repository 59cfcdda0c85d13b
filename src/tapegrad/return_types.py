"""Named tuples returned by max/min/sort/topk/qr/..., printing like `torch.return_types.*`."""

from __future__ import annotations

from collections import namedtuple

_cache: dict = {}


def make(name: str, fields: tuple[str, ...] = ("values", "indices")) -> type:
    """The `tapegrad.return_types.<name>` class (made once) with `fields`."""
    cls = _cache.get(name)
    if cls is None:
        base = namedtuple(name, fields)

        def __repr__(self):
            body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
            return f"tapegrad.return_types.{name}(\n{body})"

        cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
        cls.__module__ = "tapegrad.return_types"
        _cache[name] = cls
        globals()[name] = cls
    return cls
