"""Helpers shared by `nn.functional` and its loss functions (argument normalisation, checks)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..ops import nn_ops as _nn
from .. import _x64
from ..tensor import Tensor, from_jax
from .._checks import user_stacklevel

Number = int | float


# ------------------------------------------------------------------ helpers
@_x64.scoped
def _const(shape: Sequence[int], value: float, like: Tensor) -> Tensor:
    """A constant that does not require grad, standing in for an undefined optional tensor."""
    return from_jax(jnp.full(tuple(shape), value, like.jax().dtype))


def _snapshot(t: Tensor) -> Tensor:
    """A new leaf over `t`'s current array: saved by a node, unaffected by later writes to `t`."""
    return from_jax(t.jax())


def _tuple(x: Any, n: int) -> tuple[int, ...]:
    if isinstance(x, (tuple, list)):
        if len(x) == 1:
            return tuple(int(x[0]) for _ in range(n))
        return tuple(int(v) for v in x)
    return (int(x),) * n


def _reduction_enum(reduction: str) -> int:
    if reduction not in _nn.REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _nn.REDUCTIONS[reduction]


def _legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    # torch's _Reduction.legacy_get_string (and its deprecation warning).
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='{}' instead.".format(
                      "none" if reduce is False else "mean" if size_average in (None, True)
                      else "sum"), stacklevel=user_stacklevel())
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _warn_target_size(input: Tensor, target: Tensor) -> None:
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", stacklevel=user_stacklevel())


def _broadcast_pair(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    # torch.broadcast_tensors: no node for a tensor already of the broadcast shape.
    shape = tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
    a = a if tuple(a.shape) == shape else a.expand(shape)
    b = b if tuple(b.shape) == shape else b.expand(shape)
    return a, b


def _host_values(t: Tensor) -> np.ndarray | None:
    """The values of `t` on the host, for a check torch's CPU kernel also makes (it syncs too).

    None inside a JAX trace, where the check is skipped.
    """
    array = t.jax()
    if isinstance(array, jax.core.Tracer):
        return None
    return np.asarray(array)
