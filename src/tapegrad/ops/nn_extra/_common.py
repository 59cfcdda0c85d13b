"""Helpers shared by the nn_extra modules."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from ... import _errors
from ...tensor import Tensor, from_jax

_F = dict(function=False, method=False, functional=True)


def _const(shape, value, like: Tensor) -> Tensor:
    """A constant that does not require grad (an undefined optional tensor in torch)."""
    return from_jax(jnp.full(tuple(shape), value, like.jax().dtype))


def _tuple(x: Any, n: int) -> tuple[int, ...]:
    if isinstance(x, (tuple, list)):
        if len(x) == 1:
            return tuple(int(x[0]) for _ in range(n))
        return tuple(int(v) for v in x)
    return (int(x),) * n


def _float_only(input: Tensor, kernel: str) -> None:
    # torch's dispatch error for a kernel with floating types only.
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(_errors.NNF_NOT_IMPLEMENTED.format(
            kernel=kernel, dtype=input.dtype.scalar_name))
