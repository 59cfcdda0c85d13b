"""Reductions, scans and softmax: the table, and the public functions (whose `dim` arguments
are declared, so they are wrapped and range-checked before the body runs)."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from .. import _checks, _dtype, _errors, return_types
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .from_jax import jax_function
from .indexing import scatter_op
from .pointwise import masked_fill, maximum, minimum, mul_scalar, to, where
from .._checks import user_stacklevel


def _sum_dtype(dt):
    # torch: sum/prod of bool/integers accumulate in int64.
    if dt.is_floating_point or dt.is_complex:
        return dt
    return _dtype.int64


_restore = H.restore_reduced_dims

# JAX computes zero-safe products' gradients (exclusive products); torch's formula branches
# on the data, which a traced backward cannot. Generic vjp ops, differentiable to any order.
def _torch_vjp(f, x, grad):
    # torch's gradient convention for complex values is conj(JAX's vjp of conj(grad)).
    return jnp.conj(jax.vjp(f, x)[1](jnp.conj(grad))[0])


_prod_vjp = jax_function(lambda self, grad, dim, keepdim: _torch_vjp(
    lambda x: jnp.prod(x, axis=dim, keepdims=keepdim), self, grad), name="prod_backward")
_cumprod_vjp = jax_function(lambda self, grad, dim: _torch_vjp(
    lambda x: jnp.cumprod(x, axis=dim), self, grad), name="cumprod_backward")

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
              # (torch's prod_backward saves `result` too: writing it in place is an error.)
              derivatives={"self": lambda grad, self, result: grad if self.ndim == 0
                           else _prod_vjp(self, grad, dim=None, keepdim=False)})
prod_dim = Op("prod", "ProdBackward1",
              lambda self, dim, keepdim: jnp.prod(self, axis=dim, keepdims=keepdim),
              static=("dim", "keepdim"), dtype_rule=_sum_dtype,
              # torch's prod_backward passes a 0-d input's gradient through as is.
              derivatives={"self": lambda grad, self, result, dim, keepdim: grad
                           if self.ndim == 0
                           else _prod_vjp(self, grad, dim=dim, keepdim=keepdim)})


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
    if not keepdim and len(sizes) > 0:
        grad = grad.unsqueeze(dim)
        indices = indices.unsqueeze(dim)
    return scatter_op(H.zeros(sizes, grad), indices, grad, dim)


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
    n = self.size if dim is None else math.prod(self.shape[d] for d in dim)
    if n - correction <= 0:
        # torch divides by max(0, n - correction): the sum of squares over 0 (inf, or NaN
        # for 0 / 0), where jnp.var goes negative or NaN.
        return jnp.var(self, axis=dim, keepdims=keepdim) * n / 0.0
    return jnp.var(self, axis=dim, ddof=correction, keepdims=keepdim)


def _var_backward(grad, self, dim, correction, keepdim):
    # torch's var_backward, branch by branch (its double-backward graph): `dim` None (the user
    # gave none) or a 0-d input use the whole-tensor mean; `2 / dof * grad` is mul.Scalar
    # (MulBackward1); no degrees of freedom give grad * (NaN where self == mean, else inf).
    if self.ndim == 0 or dim is None:
        dof = self.numel() - correction
        if dof <= 0:
            nan_or_inf = where(self == self.mean(), math.nan, math.inf)
            return grad * nan_or_inf
        return mul_scalar(grad, 2.0 / dof) * (self - self.mean())
    if not keepdim and self.ndim > 1:
        grad = _restore(grad, dim, False, self.ndim)
    n = 1
    for d in dim:
        n *= self.shape[d]
    dof = n - correction
    return mul_scalar(grad, 2.0 / dof if dof else math.inf) * (self - self.mean(dim,
                                                                              keepdim=True))


def _std_backward(grad, self, result, dim, correction, keepdim):
    # torch's std_backward: the var gradient of grad / (2 std), masked where std is 0 first.
    grad_var = masked_fill(grad / mul_scalar(result, 2), result == 0, 0.0)
    return _var_backward(grad_var, self, dim, correction, keepdim)


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
    dim = dim or None  # None or (): every dim (torch keeps which one the user gave)
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
    ndim = self.ndim
    if dim:
        g = _restore(grad, dim, keepdim, ndim)
        r = _restore(result, dim, keepdim, ndim)
    else:
        # torch's norm_backward: dim None or [] unsqueezes nothing (the 0-d grad broadcasts),
        # so its double-backward graph has no UnsqueezeBackward0.
        g, r = grad, result
        dim = tuple(range(ndim))
    if ord == 0:
        return H.zeros_like(self)
    if ord == 1:
        return self.sgn() * g
    # torch's norm_backward masks where the norm is 0, then multiplies: its node order.
    if ord == 2:
        return g * masked_fill(self / r, r == 0, 0.0)
    if math.isinf(ord):
        # torch: the argmax mask, NaN included (the derivative of amax respecting NaNs).
        a = self.abs()
        mask = (a == r).logical_or(a.isnan())
        return self.sgn() * ((g / mask.sum(dim, keepdim=True)) * mask)
    # torch's norm_backward, branch by branch (the node order of its double backward).
    if ord < 1:
        scaled = self.sgn() * masked_fill(self.abs().pow(ord - 1), self == 0, 0.0)
        return scaled * g * r.pow(1 - ord)
    if ord < 2:
        scaled = self.sgn() * self.abs().pow(ord - 1)
        return scaled * masked_fill(g / r.pow(ord - 1), r == 0, 0.0)
    return self * self.abs().pow(ord - 2) * masked_fill(g / r.pow(ord - 1), r == 0, 0.0)


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
                               * (self - _restore(result, dim, keepdim, self.ndim)).exp().conj()})
# A 0-d input has no dim to scan or normalize: `dim` is () there and the kernels reduce to
# the identity (softmax to 1), as torch's do.
def _scan(fn):
    return lambda self, dim: fn(self, axis=dim) if self.ndim else self


cumsum_op = Op("cumsum", "CumsumBackward0", _scan(jnp.cumsum), static=("dim",),
               dtype_rule=_sum_dtype,
               derivatives={"self": lambda grad, dim: grad.flip(dim).cumsum(dim).flip(dim)
                            if grad.ndim else grad})
cumprod_op = Op("cumprod", "CumprodBackward0", _scan(jnp.cumprod), static=("dim",),
                dtype_rule=_sum_dtype,
                derivatives={"self": lambda grad, self, dim: _cumprod_vjp(self, grad, dim=dim)
                             if self.ndim else grad})
# (A 0-d input: exp(x - x), 1 or NaN for NaN/inf as torch gives; log_softmax: x - x.)
softmax_op = Op("softmax", "SoftmaxBackward0", lambda self, dim: jax.nn.softmax(
    self, axis=dim) if self.ndim else jnp.exp(self - self), static=("dim",), dtype_rule="float",
                derivatives={"self": lambda grad, result, dim:
                             result * (grad - (grad * result).sum(dim, keepdim=True))})
log_softmax_op = Op("log_softmax", "LogSoftmaxBackward0",
                    lambda self, dim: jax.nn.log_softmax(self, axis=dim) if self.ndim
                    else self - self, static=("dim",), dtype_rule="float",
                    derivatives={"self": lambda grad, result, dim:
                                 grad - result.exp() * grad.sum(dim, keepdim=True)})
all_op = Op("all", None, lambda self, dim, keepdim: jnp.all(self, axis=dim, keepdims=keepdim),
            static=("dim", "keepdim"), dtype_rule="keep", out_dtype=lambda dt: _dtype.bool)
any_op = Op("any", None, lambda self, dim, keepdim: jnp.any(self, axis=dim, keepdims=keepdim),
            static=("dim", "keepdim"), dtype_rule="keep", out_dtype=lambda dt: _dtype.bool)


# --------------------------------------------------------------------- public functions
def _all_dims(input) -> tuple:
    return tuple(range(input.ndim))


def _as_dims(dim, input) -> tuple:
    """A wrapped dim (or dims, or None for all) as the sorted tuple the kernels take."""
    if dim is None or dim == ():  # torch: an empty dim list reduces over every dim
        return _all_dims(input)
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(dims)) if input.ndim > 0 else ()


def _float_only(input, message: str) -> None:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(message)


@public(dims="dim")
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    """Sum of elements, over all or over `dim`. Matches `torch.sum`."""
    if dtype is not None:
        input = to(input, dtype)
    if dim is None:
        return sum_all(input)
    return sum_dim(input, _as_dims(dim, input), keepdim)


@public(dims="dim")
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of elements, over all or over `dim`. Matches `torch.mean`."""
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise RuntimeError(_errors.MEAN_DTYPE.format(which="Optional",
                                                         dtype=dtype.scalar_name))
        input = to(input, dtype)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(_errors.MEAN_DTYPE.format(which="Input",
                                                     dtype=input.dtype.scalar_name))
    if dim is None:
        return mean_all(input)
    return mean_dim(input, _as_dims(dim, input), keepdim)


@public(dims="dim")
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Matches `torch.prod` (over all elements, or one dim)."""
    if isinstance(dim, tuple):
        raise TypeError(_errors.PROD_DIM_TUPLE.format(type_name="tuple"))
    if dtype is not None:
        input = to(input, dtype)
    if dim is None:
        return prod_all(input)
    return prod_dim(input, dim if input.ndim else (), keepdim)


def _maxmin(name, all_op, dim_op, binary, input, dim, keepdim):
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(_errors.REDUCTION_EMPTY_NO_DIM.format(name=name))
        return all_op(input)
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(_errors.REDUCTION_EMPTY_DIM.format(name=name, dim=dim))
    values, indices = dim_op(input, dim if input.ndim else (), keepdim)
    return return_types.make(name)(values, indices)


@public
def max(input, dim=None, keepdim=False):  # noqa: A001
    """Whole max, per-dim (values, indices), or elementwise with a tensor. Matches `torch.max`."""
    if dim is not None and not isinstance(dim, Tensor):
        dim = _checks.wrap_dim(dim, input.ndim)
    return _maxmin("max", max_all, max_dim, maximum, input, dim, keepdim)


@public
def min(input, dim=None, keepdim=False):  # noqa: A001
    """Matches `torch.min`."""
    if dim is not None and not isinstance(dim, Tensor):
        dim = _checks.wrap_dim(dim, input.ndim)
    return _maxmin("min", min_all, min_dim, minimum, input, dim, keepdim)


def _amaxmin(name, op, input, dim, keepdim):
    if dim is None or dim == ():
        if input.numel() == 0:
            raise RuntimeError(_errors.REDUCTION_EMPTY_NO_DIM.format(name=name))
        dim = _all_dims(input)
    return op(input, _as_dims(dim, input), keepdim)


@public(dims="dim")
def amax(input, dim=(), keepdim=False):
    """Matches `torch.amax`."""
    return _amaxmin("amax", amax_op, input, dim, keepdim)


@public(dims="dim")
def amin(input, dim=(), keepdim=False):
    """Matches `torch.amin`."""
    return _amaxmin("amin", amin_op, input, dim, keepdim)


def _arg(name, op, input, dim, keepdim):
    if isinstance(dim, tuple):
        raise TypeError(_errors.ARG_DIM_TUPLE.format(name=name))
    if dim is None and input.numel() == 0:
        raise IndexError(_errors.ARG_EMPTY.format(name=name))
    return op(input, None if dim is None else (dim if input.ndim else None), keepdim)


@public(dims="dim")
def argmax(input, dim=None, keepdim=False):
    """Matches `torch.argmax`."""
    return _arg("argmax", argmax_op, input, dim, keepdim)


@public(dims="dim")
def argmin(input, dim=None, keepdim=False):
    """Matches `torch.argmin`."""
    return _arg("argmin", argmin_op, input, dim, keepdim)


def _correction(unbiased, correction) -> float:
    if correction is not None:
        return correction
    if unbiased is None:
        return 1
    return 1 if unbiased else 0


@public(dims="dim")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Matches `torch.var` (both `unbiased=` and `correction=`; `var(False)` is unbiased)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _float_only(input, _errors.STD_VAR_DTYPE)
    dims, c = _as_dims(dim, input), _correction(unbiased, correction)
    _warn_dof("var", input, dims, c)
    # dim None stays None: torch's saved dim, and its backward's whole-tensor branch.
    return var_op(input, None if dim is None else dims, c, keepdim)


@public(dims="dim")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Matches `torch.std`."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _float_only(input, _errors.STD_VAR_DTYPE)
    dims, c = _as_dims(dim, input), _correction(unbiased, correction)
    _warn_dof("std", input, dims, c)
    return std_op(input, None if dim is None else dims, c, keepdim)


def _warn_dof(name: str, input, dims: tuple, correction) -> None:
    """torch warns (every call) when the reduced count minus the correction is <= 0."""
    if input._base is not None:
        input.grad_fn  # torch reads the input's edge (a stale view's checks) before its kernel
    n = math.prod(input.shape[d] for d in dims)
    if n - correction <= 0:
        warnings.warn(_errors.STD_VAR_DOF.format(name=name), UserWarning, stacklevel=user_stacklevel())


def vector_norm(input, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """Matches `torch.linalg.vector_norm` (`dim` wrapped by the caller)."""
    _float_only(input, _errors.VECTOR_NORM_DTYPE.format(dtype=input.dtype.scalar_name))
    # dim None or () stays as given (torch's saved dim; its backward unsqueezes nothing).
    dims = dim if dim is None or dim == () else _as_dims(dim, input)
    if dtype is not None and dtype is not input.dtype:
        check_norm_dtype("linalg.vector_norm", input, dtype)
        return _vector_norm_in(dtype)(input, float(ord), dims, keepdim)
    return vector_norm_op(input, float(ord), dims, keepdim)


def check_norm_dtype(name: str, input: Tensor, dtype) -> None:
    """torch's checks of a norm's `dtype=`: floating or complex, and no narrower than the
    input's."""
    if not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(_errors.NORM_DTYPE_KIND.format(name=name, dtype=dtype.scalar_name))
    if _dtype.promote_types(input.dtype, dtype) is not dtype:
        raise RuntimeError(_errors.NORM_DTYPE_NARROWING.format(
            name=name, input=input.dtype.scalar_name, dtype=dtype.scalar_name))


_NORM_IN: dict = {}


def _vector_norm_in(dtype) -> Op:
    """vector_norm computing in `dtype` (torch casts inside the op: one
    LinalgVectorNormBackward0, the gradient cast back to the input's dtype by the engine)."""
    op = _NORM_IN.get(dtype)
    if op is None:
        op = _NORM_IN[dtype] = Op(
            "linalg_vector_norm", "LinalgVectorNormBackward0", _norm_fwd,
            static=("ord", "dim", "keepdim"), dtype_rule=lambda dt, d=dtype: d,
            derivatives={"self": lambda grad, self, ord, result, dim, keepdim: _norm_backward(
                grad, self.to(result.dtype), ord, result, dim, keepdim).to(self.dtype)})
    return op


@public(dims="dim")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Matches `torch.norm` for vector norms (p = number, 'fro' over all dims)."""
    if p == "fro":
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


@public(dims="dim")
def logsumexp(input, dim, keepdim=False):
    """Matches `torch.logsumexp`."""
    return logsumexp_op(input, _as_dims(dim, input), keepdim)


@public(dims="dim", inplace=True)
def cumsum(input, dim, *, dtype=None):
    """Matches `torch.cumsum`."""
    if dtype is not None:
        input = to(input, dtype)
    return cumsum_op(input, dim) if input.ndim else cumsum_op(input, ())


@public(dims="dim", inplace=True)
def cumprod(input, dim, *, dtype=None):
    """Matches `torch.cumprod`."""
    if dtype is not None:
        input = to(input, dtype)
    return cumprod_op(input, dim) if input.ndim else cumprod_op(input, ())


@public(dims="dim")
def softmax(input, dim, dtype=None):
    """Matches `torch.softmax`."""
    if dtype is not None:
        input = to(input, dtype)
    return softmax_op(input, dim if input.ndim else ())


@public(dims="dim")
def log_softmax(input, dim, dtype=None):
    """Matches `torch.log_softmax`."""
    if dtype is not None:
        input = to(input, dtype)
    return log_softmax_op(input, dim if input.ndim else ())


@public(dims="dim")
def all(input, dim=None, keepdim=False):  # noqa: A001
    """Matches `torch.all`."""
    return all_op(input, None if dim is None else _as_dims(dim, input), keepdim)


@public(dims="dim")
def any(input, dim=None, keepdim=False):  # noqa: A001
    """Matches `torch.any`."""
    return any_op(input, None if dim is None else _as_dims(dim, input), keepdim)

