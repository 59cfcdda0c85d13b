"""Small constructors used inside formulas (traceable: no host round trip)."""

from __future__ import annotations

import jax.numpy as jnp

from ..tensor import Tensor


def zeros_of(sizes: tuple, like: Tensor) -> Tensor:
    return Tensor._make(jnp.zeros(tuple(sizes), like._storage.array.dtype))
