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


def _aten(name: str):
    """Name a top-level (ATen-signature) form after torch's function, so that Python's own
    argument errors (`selu() got an unexpected keyword argument 'inplace'`) read as torch's."""
    def rename(f):
        f.__name__ = f.__qualname__ = name
        return f
    return rename


def _reduce_int(loss: Tensor, reduction: int) -> Tensor:
    """ATen's apply_loss_reduction on the int enum: 1 mean, 2 sum, anything else none."""
    return loss.mean() if reduction == 1 else loss.sum() if reduction == 2 else loss


# torch's padding='same' warning is TORCH_WARN_ONCE: once per process, whichever of
# torch.conv<n>d and nn.functional.conv<n>d meets it first.
SAME_PADDING_WARNED: list = []


def _int_reduction(name: str, position: int, reduction: Any) -> None:
    """torch's argument parser on a loss's `int reduction` (the text of a positional use)."""
    if type(reduction) is not int:
        raise TypeError(_errors.TOP_INT_ARGUMENT.format(
            name=name, arg="reduction", position=position, type=type(reduction).__name__))
