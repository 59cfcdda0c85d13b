"""The shared boxes behind aliasing: a Storage holds the current array, a VersionCounter the
number of in-place writes. JAX arrays are immutable, so an in-place op swaps the array inside
the box; every tensor sharing the box sees the new value.

NOTE [Storage and version counter]
torch's `detach()` shares both storage and version counter with its source; `.data` shares the
storage but gets a fresh version counter (so autograd cannot see writes made through it). A
tensor therefore holds the two boxes separately.
"""

from __future__ import annotations


class Storage:
    __slots__ = ("array",)

    def __init__(self, array) -> None:
        self.array = array


class VersionCounter:
    __slots__ = ("version",)

    def __init__(self, version: int = 0) -> None:
        self.version = version
