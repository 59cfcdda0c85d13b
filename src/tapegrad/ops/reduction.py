"""Reductions: the table."""

from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype
from ._backward_helpers import mean_backward, numel, sum_backward
from ._op import Op


def _sum_dtype(dt):
    # torch: sum of bool/integers accumulates in int64.
    if dt.is_floating_point or dt.is_complex:
        return dt
    return _dtype.int64


def _norm_dim(dim, ndim):
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(dim)


sum_all = Op("sum", "SumBackward0", lambda self: jnp.sum(self), dtype_rule=_sum_dtype,
             derivatives={"self": lambda grad, self_sym_sizes: grad.expand(self_sym_sizes)})
sum_dim = Op("sum", "SumBackward1",
             lambda self, dim, keepdim: jnp.sum(self, axis=dim, keepdims=keepdim),
             static=("dim", "keepdim"), defaults={"keepdim": False}, dtype_rule=_sum_dtype,
             derivatives={"self": lambda grad, self_sym_sizes, dim, keepdim:
                          sum_backward(grad, self_sym_sizes, dim, keepdim)})
mean_all = Op("mean", "MeanBackward0", lambda self: jnp.mean(self), dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes:
                           grad.expand(self_sym_sizes) / numel(self_sym_sizes)})
mean_dim = Op("mean", "MeanBackward1",
              lambda self, dim, keepdim: jnp.mean(self, axis=dim, keepdims=keepdim),
              static=("dim", "keepdim"), defaults={"keepdim": False}, dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes, dim, keepdim:
                           mean_backward(grad, self_sym_sizes, dim, keepdim)})


def sum(self, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """Sum of elements, over all or over `dim`. Matches `torch.sum`."""
    if dtype is not None:
        self = self.to(dtype)
    if dim is None:
        return sum_all(self)
    return sum_dim(self, _norm_dim(dim, self.ndim), keepdim)


def mean(self, dim=None, keepdim: bool = False, *, dtype=None):
    """Mean of elements, over all or over `dim`. Matches `torch.mean`."""
    if dtype is not None:
        self = self.to(dtype)
    if not (self.dtype.is_floating_point or self.dtype.is_complex):
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_TORCH_SCALAR_NAMES.get(self.dtype.name, self.dtype.name)}")
    if dim is None:
        return mean_all(self)
    return mean_dim(self, _norm_dim(dim, self.ndim), keepdim)


_TORCH_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                       "uint8": "Byte", "bool": "Bool"}
