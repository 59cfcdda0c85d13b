"""Reductions, scans and softmax: the table, and the wrappers that normalize `dim`."""

from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp

from .. import _dtype, return_types
from . import _backward_helpers as H
from ._op import Op
from .from_jax import jax_function


def _sum_dtype(dt):
    # torch: sum/prod of bool/integers accumulate in int64.
    if dt.is_floating_point or dt.is_complex:
        return dt
    return _dtype.int64


def _restore(t, dim, keepdim, ndim):
    # torch's restore_reduced_dims: unsqueeze the reduced dims back.
    if keepdim or ndim == 0:
        return t
    for d in sorted(dim):
        t = t.unsqueeze(d)
    return t


def _all_dims(ndim):
    return tuple(range(ndim))


# JAX computes zero-safe products' gradients (exclusive products); torch's formula branches
# on the data, which a traced backward cannot. Generic vjp ops, differentiable to any order.
_prod_vjp = jax_function(lambda self, grad, dim, keepdim: jax.vjp(
    lambda x: jnp.prod(x, axis=dim, keepdims=keepdim), self)[1](grad)[0], name="prod_backward")
_cumprod_vjp = jax_function(lambda self, grad, dim: jax.vjp(
    lambda x: jnp.cumprod(x, axis=dim), self)[1](grad)[0], name="cumprod_backward")

sum_all = Op("sum", "SumBackward0", lambda self: jnp.sum(self), dtype_rule=_sum_dtype,
             derivatives={"self": lambda grad, self_sym_sizes: grad.expand(self_sym_sizes)})
sum_dim = Op("sum", "SumBackward1",
             lambda self, dim, keepdim: jnp.sum(self, axis=dim, keepdims=keepdim),
             static=("dim", "keepdim"), defaults={"keepdim": False}, dtype_rule=_sum_dtype,
             derivatives={"self": lambda grad, self_sym_sizes, dim, keepdim:
                          H.sum_backward(grad, self_sym_sizes, dim, keepdim)})
mean_all = Op("mean", "MeanBackward0", lambda self: jnp.mean(self), dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes:
                           grad.expand(self_sym_sizes) / H.numel(self_sym_sizes)})
mean_dim = Op("mean", "MeanBackward1",
              lambda self, dim, keepdim: jnp.mean(self, axis=dim, keepdims=keepdim),
              static=("dim", "keepdim"), defaults={"keepdim": False}, dtype_rule="keep",
              derivatives={"self": lambda grad, self_sym_sizes, dim, keepdim:
                           H.mean_backward(grad, self_sym_sizes, dim, keepdim)})
prod_all = Op("prod", "ProdBackward0", lambda self: jnp.prod(self), dtype_rule=_sum_dtype,
              derivatives={"self": lambda grad, self: _prod_vjp(self, grad, dim=None,
                                                                keepdim=False)})
prod_dim = Op("prod", "ProdBackward1",
              lambda self, dim, keepdim: jnp.prod(self, axis=dim, keepdims=keepdim),
              static=("dim", "keepdim"), dtype_rule=_sum_dtype,
              derivatives={"self": lambda grad, self, dim, keepdim:
                           _prod_vjp(self, grad, dim=dim, keepdim=keepdim)})


def _evenly(grad, self, result):
    # torch's evenly_distribute_backward: ties (and NaNs) share the gradient equally.
    mask = (self == result).logical_or(self.isnan().logical_and(result.isnan()))
    return mask * (grad / mask.sum())


max_all = Op("max", "MaxBackward1", lambda self: jnp.max(self), grad_version=1, dtype_rule="keep",
             derivatives={"self": lambda grad, self, result: _evenly(grad, self, result)})
min_all = Op("min", "MinBackward1", lambda self: jnp.min(self), grad_version=1, dtype_rule="keep",
             derivatives={"self": lambda grad, self, result: _evenly(grad, self, result)})


def _select_backward(grad, indices, sizes, dim, keepdim):
    # torch's value_selecting_reduction_backward: scatter grad at the chosen indices.
    from .indexing import scatter
    from .tensor_factories import zeros_of

    if not keepdim and len(sizes) > 0:
        grad = grad.unsqueeze(dim)
        indices = indices.unsqueeze(dim)
    return scatter(zeros_of(sizes, grad), dim, indices, grad)


def _max_dim_fwd(self, dim, keepdim):
    return (jnp.max(self, axis=dim, keepdims=keepdim),
            jnp.argmax(self, axis=dim, keepdims=keepdim).astype(jnp.int64))


def _min_dim_fwd(self, dim, keepdim):
    return (jnp.min(self, axis=dim, keepdims=keepdim),
            jnp.argmin(self, axis=dim, keepdims=keepdim).astype(jnp.int64))


max_dim = Op("max", "MaxBackward0", _max_dim_fwd, grad_version=2, static=("dim", "keepdim"),
             outputs=("values", "indices"), dtype_rule="keep",
             derivatives={"self": lambda grad, indices, self_sym_sizes, dim, keepdim:
                          _select_backward(grad, indices, self_sym_sizes, dim, keepdim)})
min_dim = Op("min", "MinBackward0", _min_dim_fwd, grad_version=2, static=("dim", "keepdim"),
             outputs=("values", "indices"), dtype_rule="keep",
             derivatives={"self": lambda grad, indices, self_sym_sizes, dim, keepdim:
                          _select_backward(grad, indices, self_sym_sizes, dim, keepdim)})


def _scale_by_count(grad, self, result, dim, keepdim):
    ndim = self.ndim
    mask = _restore(result, dim, keepdim, ndim) == self
    g = _restore(grad, dim, keepdim, ndim)
    return (g / mask.sum(dim, keepdim=True)) * mask


amax_op = Op("amax", "AmaxBackward0", lambda self, dim, keepdim: jnp.max(self, axis=dim,
                                                                      keepdims=keepdim),
          static=("dim", "keepdim"), dtype_rule="keep",
          derivatives={"self": lambda grad, self, result, dim, keepdim:
                       _scale_by_count(grad, self, result, dim, keepdim)})
amin_op = Op("amin", "AminBackward0", lambda self, dim, keepdim: jnp.min(self, axis=dim,
                                                                      keepdims=keepdim),
          static=("dim", "keepdim"), dtype_rule="keep",
          derivatives={"self": lambda grad, self, result, dim, keepdim:
                       _scale_by_count(grad, self, result, dim, keepdim)})
argmax_op = Op("argmax", None, lambda self, dim, keepdim: (
    jnp.argmax(self, axis=dim, keepdims=keepdim) if dim is not None
    else jnp.argmax(self)).astype(jnp.int64), static=("dim", "keepdim"), dtype_rule="keep")
argmin_op = Op("argmin", None, lambda self, dim, keepdim: (
    jnp.argmin(self, axis=dim, keepdims=keepdim) if dim is not None
    else jnp.argmin(self)).astype(jnp.int64), static=("dim", "keepdim"), dtype_rule="keep")


def _var_fwd(self, dim, correction, keepdim):
    return jnp.var(self, axis=dim, ddof=correction, keepdims=keepdim)


def _var_backward(grad, self, dim, correction, keepdim):
    n = 1
    for d in dim:
        n *= self.shape[d]
    g = _restore(grad, dim, keepdim, self.ndim)
    return (2.0 / (n - correction)) * g * (self - self.mean(dim, keepdim=True))


def _std_backward(grad, self, result, dim, correction, keepdim):
    from .pointwise import masked_fill

    g = _var_backward(grad / (result * 2), self, dim, correction, keepdim)
    return masked_fill(g, _restore(result, dim, keepdim, self.ndim) == 0, 0.0)


var_op = Op("var", "VarBackward0", _var_fwd, static=("dim", "correction", "keepdim"),
            dtype_rule="keep",
            derivatives={"self": lambda grad, self, dim, correction, keepdim:
                         _var_backward(grad, self, dim, correction, keepdim)})
std_op = Op("std", "StdBackward0", lambda self, dim, correction, keepdim: jnp.sqrt(
    _var_fwd(self, dim, correction, keepdim)), static=("dim", "correction", "keepdim"),
            dtype_rule="keep",
            derivatives={"self": lambda grad, self, result, dim, correction, keepdim:
                         _std_backward(grad, self, result, dim, correction, keepdim)})


def _norm_fwd(self, ord, dim, keepdim):  # noqa: A002
    a = jnp.abs(self)
    if ord == math.inf:
        return jnp.max(a, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return jnp.min(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return jnp.sum(a != 0, axis=dim, keepdims=keepdim).astype(self.dtype)
    if ord == 1:
        return jnp.sum(a, axis=dim, keepdims=keepdim)
    if ord == 2:
        return jnp.sqrt(jnp.sum(a * a, axis=dim, keepdims=keepdim))
    return jnp.sum(a ** ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)


def _norm_backward(grad, self, ord, result, dim, keepdim):  # noqa: A002
    from .pointwise import masked_fill

    ndim = self.ndim
    g = _restore(grad, dim, keepdim, ndim)
    r = _restore(result, dim, keepdim, ndim)
    if ord == 0:
        return H.zeros_like(self)
    if ord == 1:
        return self.sgn() * g
    if ord == 2:
        return masked_fill(self * (g / r), r == 0, 0.0)
    if math.isinf(ord):
        mask = self.abs() == r
        return self.sgn() * ((g / mask.sum(dim, keepdim=True)) * mask)
    out = self * self.abs().pow(ord - 2) * g / r.pow(ord - 1)
    return masked_fill(out, r == 0, 0.0)


vector_norm_op = Op("linalg_vector_norm", "LinalgVectorNormBackward0", _norm_fwd,
                    static=("ord", "dim", "keepdim"), dtype_rule="float",
                    derivatives={"self": lambda grad, self, ord, result, dim, keepdim:
                                 _norm_backward(grad, self, ord, result, dim, keepdim)})
logsumexp_op = Op("logsumexp", "LogsumexpBackward0",
                  lambda self, dim, keepdim: jax.scipy.special.logsumexp(
                      self, axis=dim, keepdims=keepdim), static=("dim", "keepdim"),
                  dtype_rule="float",
                  derivatives={"self": lambda grad, self, result, dim, keepdim:
                               _restore(grad, dim, keepdim, self.ndim)
                               * (self - _restore(result, dim, keepdim, self.ndim)).exp()})
cumsum_op = Op("cumsum", "CumsumBackward0", lambda self, dim: jnp.cumsum(self, axis=dim),
               static=("dim",), dtype_rule=_sum_dtype,
               derivatives={"self": lambda grad, dim: grad.flip(dim).cumsum(dim).flip(dim)})
cumprod_op = Op("cumprod", "CumprodBackward0", lambda self, dim: jnp.cumprod(self, axis=dim),
                static=("dim",), dtype_rule=_sum_dtype,
                derivatives={"self": lambda grad, self, dim: _cumprod_vjp(self, grad, dim=dim)})
softmax_op = Op("softmax", "SoftmaxBackward0", lambda self, dim: jax.nn.softmax(self, axis=dim),
                static=("dim",), dtype_rule="float",
                derivatives={"self": lambda grad, result, dim:
                             result * (grad - (grad * result).sum(dim, keepdim=True))})
log_softmax_op = Op("log_softmax", "LogSoftmaxBackward0",
                    lambda self, dim: jax.nn.log_softmax(self, axis=dim),
                    static=("dim",), dtype_rule="float",
                    derivatives={"self": lambda grad, result, dim:
                                 grad - result.exp() * grad.sum(dim, keepdim=True)})
all_op = Op("all", None, lambda self, dim, keepdim: jnp.all(self, axis=dim, keepdims=keepdim),
            static=("dim", "keepdim"), dtype_rule="keep", out_dtype=lambda dt: _dtype.bool)
any_op = Op("any", None, lambda self, dim, keepdim: jnp.any(self, axis=dim, keepdims=keepdim),
            static=("dim", "keepdim"), dtype_rule="keep", out_dtype=lambda dt: _dtype.bool)

# --------------------------------------------------------------------- public wrappers
_TORCH_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                       "uint8": "Byte", "bool": "Bool"}

max_return = return_types.make("max")
min_return = return_types.make("min")


def _dims(dim, ndim: int) -> tuple:
    if dim is None:
        return _all_dims(ndim)
    if isinstance(dim, int):
        dim = (dim,)
    n = builtins.max(ndim, 1)
    return tuple(sorted(d % n for d in dim)) if ndim > 0 else ()


def _dim1(dim: int, ndim: int) -> int:
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def sum(self, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """Sum of elements, over all or over `dim`. Matches `torch.sum`."""
    if dtype is not None:
        self = self.to(dtype)
    if dim is None:
        return sum_all(self)
    return sum_dim(self, _dims(dim, self.ndim), keepdim)


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
    return mean_dim(self, _dims(dim, self.ndim), keepdim)


def prod(self, dim=None, keepdim: bool = False, *, dtype=None):
    """Matches `torch.prod`."""
    if dtype is not None:
        self = self.to(dtype)
    if dim is None:
        return prod_all(self)
    return prod_dim(self, _dim1(dim, self.ndim), keepdim)


def _maxmin(all_op, dim_op, ret, binary, self, dim=None, keepdim=False):
    from ..tensor import Tensor

    if isinstance(dim, Tensor):
        return binary(self, dim)
    if dim is None:
        if self.numel() == 0:
            raise RuntimeError(f"{all_op.name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return all_op(self)
    values, indices = dim_op(self, _dim1(dim, self.ndim), keepdim)
    return ret(values, indices)


def max(self, dim=None, keepdim: bool = False):  # noqa: A001
    """Whole max, per-dim (values, indices), or elementwise with a tensor. Matches `torch.max`."""
    from .pointwise import maximum

    return _maxmin(max_all, max_dim, max_return, maximum, self, dim, keepdim)


def min(self, dim=None, keepdim: bool = False):  # noqa: A001
    """Matches `torch.min`."""
    from .pointwise import minimum

    return _maxmin(min_all, min_dim, min_return, minimum, self, dim, keepdim)


def amax(self, dim=(), keepdim: bool = False):
    return amax_op(self, _dims(dim if dim != () else None, self.ndim), keepdim)


def amin(self, dim=(), keepdim: bool = False):
    return amin_op(self, _dims(dim if dim != () else None, self.ndim), keepdim)




def argmax(self, dim=None, keepdim: bool = False):
    return argmax_op(self, None if dim is None else _dim1(dim, self.ndim), keepdim)


def argmin(self, dim=None, keepdim: bool = False):
    return argmin_op(self, None if dim is None else _dim1(dim, self.ndim), keepdim)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


def var(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Matches `torch.var` (both `unbiased=` and `correction=`)."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return var_op(self, _dims(dim, self.ndim), _correction(unbiased, correction), keepdim)


def std(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Matches `torch.std`."""
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    return std_op(self, _dims(dim, self.ndim), _correction(unbiased, correction), keepdim)


def vector_norm(self, ord=2, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.vector_norm`."""
    return vector_norm_op(self, float(ord), _dims(dim, self.ndim), keepdim)


def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """Matches `torch.norm` for vector norms (p = number, 'fro' over all dims)."""
    if p == "fro":
        p = 2
    return vector_norm(self, p, dim, keepdim)


def logsumexp(self, dim, keepdim: bool = False):
    return logsumexp_op(self, _dims(dim, self.ndim), keepdim)


def cumsum(self, dim, *, dtype=None):
    if dtype is not None:
        self = self.to(dtype)
    return cumsum_op(self, _dim1(dim, self.ndim))


def cumprod(self, dim, *, dtype=None):
    if dtype is not None:
        self = self.to(dtype)
    return cumprod_op(self, _dim1(dim, self.ndim))


def softmax(self, dim, dtype=None):
    if dtype is not None:
        self = self.to(dtype)
    return softmax_op(self, _dim1(dim, self.ndim))


def log_softmax(self, dim, dtype=None):
    if dtype is not None:
        self = self.to(dtype)
    return log_softmax_op(self, _dim1(dim, self.ndim))


def all(self, dim=None, keepdim: bool = False):  # noqa: A001
    return all_op(self, None if dim is None else _dims(dim, self.ndim), keepdim)


def any(self, dim=None, keepdim: bool = False):  # noqa: A001
    return any_op(self, None if dim is None else _dims(dim, self.ndim), keepdim)
