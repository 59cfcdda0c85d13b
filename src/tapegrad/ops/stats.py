"""Reductions, statistics and searches beyond `reduction.py`: nan-reductions, order
statistics, cumulative extrema, counting and binning. Declarations as in `reduction.py`.

Order statistics (median, kthvalue, mode) sort with a stable sort (NaNs last), which picks
the same index among ties as torch's CPU kernels do. Ops whose output size depends on the
data (bincount without a size, unique_consecutive) run eagerly, as `unique`/`nonzero`."""

from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _checks, _dtype, _errors, return_types
from .. import _grad_mode as grad_mode
from .._graph import gradient_edge
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from .indexing import scatter_add_op, sort
from .nn_ops import div_scalar
from .pointwise import _not_implemented, clamp, mul_scalar, to
from .reduction import (
    _as_dims,
    _correction,
    _evenly,
    _norm_backward,
    _norm_fwd,
    _scale_by_count,
    _select_backward,
    _std_backward,
    _var_backward,
    _var_fwd,
    vector_norm,
)
from .shape import cat, squeeze4_op

_restore = H.restore_reduced_dims


def _sum_dtype(dt):
    if dt.is_floating_point or dt.is_complex:
        return dt
    return _dtype.int64


def _float_only(input, message: str) -> None:
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(message)


# --------------------------------------------------------------------- nansum, nanmean
def _nansum_backward(grad, self, dim, keepdim):
    # torch: sum_backward(grad, sizes, dim, keepdim) * self.isnan().logical_not()
    return H.sum_backward(grad.to(self.dtype), tuple(self.shape), dim, keepdim) \
        * self.isnan().logical_not()


nansum_op = Op("nansum", "NansumBackward0",
               lambda self, dim, keepdim: jnp.nansum(self, axis=dim, keepdims=keepdim),
               static=("dim", "keepdim"), dtype_rule=_sum_dtype,
               derivatives={"self": lambda grad, self, dim, keepdim:
                            _nansum_backward(grad, self, dim, keepdim)})


@public(dims="dim")
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Matches `torch.nansum` (NaNs count as zero)."""
    if dtype is not None:
        input = to(input, dtype)
    return nansum_op(input, _as_dims(dim, input), keepdim)


@public(dims="dim")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Matches `torch.nanmean`: nansum over the count of non-NaN values (DivBackward0)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise RuntimeError(_errors.NANMEAN_DTYPE.format(dtype=input.dtype.scalar_name))
    factor = input.isnan().logical_not().sum(dim, keepdim=keepdim) if dim is not None \
        else input.isnan().logical_not().sum()
    return nansum(input, dim, keepdim, dtype=dtype).div(factor)


# --------------------------------------------------------------------- order statistics
def _rows(self, dim):
    """`self` with `dim` moved last, its stable argsort (NaNs last) and the sorted values."""
    x = jnp.moveaxis(self, dim, -1)
    idx = jnp.argsort(x, axis=-1, stable=True)
    return x, idx, jnp.take_along_axis(x, idx, axis=-1)


def _pick(x, idx, s, pos, dim, keepdim):
    pos = pos[..., None].astype(jnp.int32)
    values = jnp.take_along_axis(s, pos, axis=-1)
    indices = jnp.take_along_axis(idx, pos, axis=-1).astype(jnp.int64)
    values, indices = jnp.moveaxis(values, -1, dim), jnp.moveaxis(indices, -1, dim)
    if not keepdim:
        values, indices = jnp.squeeze(values, dim), jnp.squeeze(indices, dim)
    return values, indices


def _median_pos(x, ignore_nan):
    n = x.shape[-1]
    count = n - jnp.sum(jnp.isnan(x), axis=-1)
    if ignore_nan:  # the lower median of the non-NaN values (all NaN: the first NaN)
        return jnp.where(count > 0, (count - 1) // 2, 0)
    # a NaN in the row: torch returns it (the first one)
    return jnp.where(count < n, count, (n - 1) // 2)


def _median_dim_fwd(self, dim, keepdim, ignore_nan):
    if self.ndim == 0:
        return self, jnp.zeros((), jnp.int64)
    x, idx, s = _rows(self, dim)
    return _pick(x, idx, s, _median_pos(x, ignore_nan), dim, keepdim)


def _median_all_fwd(self, ignore_nan):
    x = jnp.ravel(self)
    if x.size == 0:
        return jnp.array(jnp.nan, self.dtype)
    s = jnp.sort(x)
    return s[_median_pos(x, ignore_nan)]


def _kthvalue_fwd(self, k, dim, keepdim):
    if self.ndim == 0:
        return self, jnp.zeros((), jnp.int64)
    x, idx, s = _rows(self, dim)
    return _pick(x, idx, s, jnp.full(x.shape[:-1], k - 1), dim, keepdim)


def _mode_fwd(self, dim, keepdim):
    if self.ndim == 0:
        return self, jnp.zeros((), jnp.int64)
    x, _, s = _rows(self, dim)
    n = x.shape[-1]
    # how often each sorted value occurs; the smallest most frequent value wins, and torch
    # reports the last index at which it occurs.
    counts = jnp.sum(s[..., :, None] == s[..., None, :], axis=-1)
    first = jnp.argmax(counts, axis=-1)
    value = jnp.take_along_axis(s, first[..., None], axis=-1)
    where = jnp.where(x == value, jnp.arange(n), -1)
    index = jnp.max(where, axis=-1, keepdims=True).astype(jnp.int64)
    value, index = jnp.moveaxis(value, -1, dim), jnp.moveaxis(index, -1, dim)
    if not keepdim:
        value, index = jnp.squeeze(value, dim), jnp.squeeze(index, dim)
    return value, index


_selecting = {"self": lambda grad, indices, self_sym_sizes, dim, keepdim:
              _select_backward(grad, indices, self_sym_sizes, dim, keepdim)}

median_all = Op("median", "MedianBackward0", lambda self, ignore_nan: _median_all_fwd(
    self, ignore_nan), static=("ignore_nan",), grad_version=1, dtype_rule="keep",
                derivatives={"self": lambda grad, self, result: _evenly(grad, self, result)})
nanmedian_all = Op("nanmedian", "NanmedianBackward0", lambda self, ignore_nan: _median_all_fwd(
    self, ignore_nan), static=("ignore_nan",), grad_version=1, dtype_rule="keep",
                   derivatives={"self": lambda grad, self, result: _evenly(grad, self, result)})
median_dim = Op("median", "MedianBackward1", _median_dim_fwd, grad_version=2,
                static=("dim", "keepdim", "ignore_nan"), outputs=("values", "indices"),
                dtype_rule="keep", derivatives=_selecting)
nanmedian_dim = Op("nanmedian", "NanmedianBackward1", _median_dim_fwd, grad_version=2,
                   static=("dim", "keepdim", "ignore_nan"), outputs=("values", "indices"),
                   dtype_rule="keep", derivatives=_selecting)
kthvalue_op = Op("kthvalue", "KthvalueBackward0", _kthvalue_fwd, grad_version=2,
                 static=("k", "dim", "keepdim"), outputs=("values", "indices"),
                 dtype_rule="keep", derivatives=_selecting)
mode_op = Op("mode", "ModeBackward0", _mode_fwd, grad_version=2, static=("dim", "keepdim"),
             outputs=("values", "indices"), dtype_rule="keep", derivatives=_selecting)


def _check_reduce_dim(name, input, dim):
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(_errors.REDUCTION_EMPTY_DIM.format(name=name, dim=dim))


def _median(name, all_op, dim_op, ignore_nan, input, dim, keepdim):
    if dim is None:
        return all_op(input, ignore_nan)
    _check_reduce_dim("median", input, dim)
    values, indices = dim_op(input, dim if input.ndim else (), keepdim, ignore_nan)
    return return_types.make(name)(values, indices)


@public(dims="dim")
def median(input, dim=None, keepdim=False):
    """Matches `torch.median`: the lower median; per-dim (values, indices)."""
    return _median("median", median_all, median_dim, False, input, dim, keepdim)


@public(dims="dim")
def nanmedian(input, dim=None, keepdim=False):
    """Matches `torch.nanmedian`: the lower median of the non-NaN values."""
    return _median("nanmedian", nanmedian_all, nanmedian_dim, True, input, dim, keepdim)


@public(dims="dim")
def kthvalue(input, k, dim=-1, keepdim=False):
    """Matches `torch.kthvalue`: the k-th smallest value (1-based) and its index."""
    size = input.shape[dim] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(_errors.KTHVALUE_RANGE.format(dim=dim))
    values, indices = kthvalue_op(input, k, dim if input.ndim else (), keepdim)
    return return_types.make("kthvalue")(values, indices)


@public(dims="dim")
def mode(input, dim=-1, keepdim=False):
    """Matches `torch.mode`: the most frequent value (the smallest among ties) and the last
    index where it occurs."""
    _check_reduce_dim("mode", input, dim)
    values, indices = mode_op(input, dim if input.ndim else (), keepdim)
    return return_types.make("mode")(values, indices)


# --------------------------------------------------------------------- aminmax
def _aminmax_backward(grads, self, min, max, dim, keepdim):
    # torch's aminmax_backward: each defined gradient scaled by the count of its ties.
    out = None
    for g, r in zip(grads, (min, max)):
        if g is None:
            continue
        part = _scale_by_count(g, self, r, dim, keepdim)
        out = part if out is None else out + part
    return out


aminmax_op = Op("aminmax", "AminmaxBackward0", lambda self, dim, keepdim: (
    jnp.min(self, axis=dim, keepdims=keepdim), jnp.max(self, axis=dim, keepdims=keepdim)),
                static=("dim", "keepdim"), outputs=("min", "max"), dtype_rule="keep",
                grad_version=1,
                derivatives={"self": lambda grads, self, min, max, dim, keepdim:
                             _aminmax_backward(grads, self, min, max, dim, keepdim)})


@public(dims="dim")
def aminmax(input, *, dim=None, keepdim=False):
    """Matches `torch.aminmax` ((min, max), one node for both)."""
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(_errors.AMINMAX_EMPTY)
        dims = tuple(range(input.ndim))
    else:
        if input.ndim and input.shape[dim] == 0:
            raise IndexError(_errors.AMINMAX_EMPTY_DIM.format(dim=dim))
        dims = (dim,) if input.ndim else ()
    mn, mx = aminmax_op(input, dims, keepdim)
    return return_types.make("aminmax", ("min", "max"))(mn, mx)


# --------------------------------------------------------------------- var_mean, std_mean
def _var_mean_backward(grads, self, dim, correction, keepdim):
    out = None
    if grads[0] is not None:
        out = _var_backward(grads[0], self, dim, correction, keepdim)
    if grads[1] is not None:
        part = H.mean_backward(grads[1], tuple(self.shape), dim, keepdim)
        out = part if out is None else out + part
    return out


def _std_mean_backward(grads, self, result0, dim, correction, keepdim):
    out = None
    if grads[0] is not None:
        out = _std_backward(grads[0], self, result0, dim, correction, keepdim)
    if grads[1] is not None:
        part = H.mean_backward(grads[1], tuple(self.shape), dim, keepdim)
        out = part if out is None else out + part
    return out


var_mean_op = Op("var_mean", "VarMeanBackward0", lambda self, dim, correction, keepdim: (
    _var_fwd(self, dim, correction, keepdim), jnp.mean(self, axis=dim, keepdims=keepdim)),
                 static=("dim", "correction", "keepdim"), outputs=("result0", "result1"),
                 dtype_rule="keep",
                 derivatives={"self": lambda grads, self, dim, correction, keepdim:
                              _var_mean_backward(grads, self, dim, correction, keepdim)})
std_mean_op = Op("std_mean", "StdMeanBackward0", lambda self, dim, correction, keepdim: (
    jnp.sqrt(_var_fwd(self, dim, correction, keepdim)),
    jnp.mean(self, axis=dim, keepdims=keepdim)),
                 static=("dim", "correction", "keepdim"), outputs=("result0", "result1"),
                 dtype_rule="keep",
                 derivatives={"self": lambda grads, self, result0, dim, correction, keepdim:
                              _std_mean_backward(grads, self, result0, dim, correction,
                                                 keepdim)})


@public(dims="dim", method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Matches `torch.var_mean` ((var, mean), one node)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _float_only(input, _errors.VAR_MEAN_DTYPE.format(name="var_mean"))
    return tuple(var_mean_op(input, _as_dims(dim, input), _correction(unbiased, correction),
                             keepdim))


@public(dims="dim", method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Matches `torch.std_mean` ((std, mean), one node)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _float_only(input, _errors.VAR_MEAN_DTYPE.format(name="std_mean"))
    return tuple(std_mean_op(input, _as_dims(dim, input), _correction(unbiased, correction),
                             keepdim))


# --------------------------------------------------------------------- scans
def _reverse_logcumsumexp(x, dim):
    return logcumsumexp_op(x.flip((dim,)), dim).flip((dim,))


def _logcumsumexp_backward(grad, self, result, dim):
    # torch's logcumsumexp_backward (positive and negative parts of the gradient in log space)
    if grad.ndim == 0 or grad.numel() == 0:
        return grad
    lowest = float(jnp.finfo(grad._storage.array.dtype).min)
    log_abs = grad.abs().log()
    pos = log_abs.where(grad > 0, lowest)
    neg = log_abs.where(grad < 0, lowest)
    out_pos = (_reverse_logcumsumexp(pos - result, dim) + self).exp()
    out_neg = (_reverse_logcumsumexp(neg - result, dim) + self).exp()
    return out_pos - out_neg


logcumsumexp_op = Op("logcumsumexp", "LogcumsumexpBackward0",
                     lambda self, dim: jax.lax.cumlogsumexp(self, axis=dim) if self.ndim
                     else self, static=("dim",), dtype_rule="keep",
                     derivatives={"self": lambda grad, self, result, dim:
                                  _logcumsumexp_backward(grad, self, result, dim)})


@public(dims="dim")
def logcumsumexp(input, dim):
    """Matches `torch.logcumsumexp`."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
            kernel="logcumsumexp_out_cpu", dtype=input.dtype.scalar_name))
    return logcumsumexp_op(input, dim if input.ndim else 0)


def _cummaxmin_fwd(self, dim, is_max):
    if self.ndim == 0:
        return self, jnp.zeros((), jnp.int64)
    if self.shape[dim] == 0:
        return self, jnp.zeros(self.shape, jnp.int64)
    shape = [1] * self.ndim
    shape[dim] = self.shape[dim]
    iota = jnp.broadcast_to(jnp.arange(self.shape[dim], dtype=jnp.int64).reshape(shape),
                            self.shape)

    def combine(a, b):
        (va, ia), (vb, ib) = a, b
        # torch: take the later element when it is NaN, or when neither is NaN and it is
        # >= (cummax) / <= (cummin) the running one.
        better = (vb >= va) if is_max else (vb <= va)
        take = jnp.isnan(vb) | (~jnp.isnan(va) & better) if jnp.issubdtype(
            va.dtype, jnp.inexact) else better
        return jnp.where(take, vb, va), jnp.where(take, ib, ia)

    return jax.lax.associative_scan(combine, (self, iota), axis=dim)


def _cummaxmin_backward(grad, self, indices, dim):
    # torch's cummaxmin_backward: zeros, then scatter_add_ of grad at the indices.
    if self.numel() == 0:
        return self
    return scatter_add_op(H.zeros(tuple(self.shape), grad), indices, grad, dim)


cummax_op = Op("cummax", "CummaxBackward0", lambda self, dim: _cummaxmin_fwd(self, dim, True),
               static=("dim",), outputs=("values", "indices"), dtype_rule="keep",
               grad_version=2,
               derivatives={"self": lambda grad, self, indices, dim:
                            _cummaxmin_backward(grad, self, indices, dim)})
cummin_op = Op("cummin", "CumminBackward0", lambda self, dim: _cummaxmin_fwd(self, dim, False),
               static=("dim",), outputs=("values", "indices"), dtype_rule="keep",
               grad_version=2,
               derivatives={"self": lambda grad, self, indices, dim:
                            _cummaxmin_backward(grad, self, indices, dim)})


@public(dims="dim")
def cummax(input, dim):
    """Matches `torch.cummax` (values, indices; the last index among ties)."""
    values, indices = cummax_op(input, dim if input.ndim else 0)
    return return_types.make("cummax")(values, indices)


@public(dims="dim")
def cummin(input, dim):
    """Matches `torch.cummin`."""
    values, indices = cummin_op(input, dim if input.ndim else 0)
    return return_types.make("cummin")(values, indices)


# --------------------------------------------------------------------- norms
def _dist_backward(grad, self, other, p, result):
    diff = self - other
    return _norm_backward(grad, diff, p, result, tuple(range(diff.ndim)), False)


dist_op = Op("dist", "DistBackward0",
             lambda self, other, p: _norm_fwd(self - other, p, tuple(range(
                 jnp.broadcast_shapes(self.shape, other.shape).__len__())), False),
             inputs=("self", "other"), static=("p",), dtype_rule="promote",
             derivatives={"self": lambda grad, self, other, p, result:
                          _dist_backward(grad, self, other, p, result),
                          "other": lambda grad, self, other, p, result:
                          -_dist_backward(grad, self, other, p, result)})


@public
def dist(input, other, p=2):
    """Matches `torch.dist`: the p-norm of `input - other` (broadcast)."""
    _checks.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    dt = _dtype.result_type(input, other)
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError(_errors.DIST_DTYPE.format(dtype=dt.scalar_name))
    return dist_op(input, other, float(p))


def _renorm_fwd(self, p, dim, maxnorm):
    dims = tuple(d for d in range(self.ndim) if d != dim)
    acc = jnp.float64 if self.dtype in (jnp.float32, jnp.float64) and \
        jax.config.jax_enable_x64 else self.dtype
    norm = _norm_fwd(self.astype(acc), p, dims, True)
    factor = jnp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return (self * factor).astype(self.dtype)


def _renorm_backward(grad, self, p, dim, maxnorm):
    # torch's renorm_backward (its norms in the accumulate type, double on CPU)
    dims = tuple(d for d in range(self.ndim) if d != dim)
    x = self.double() if self.dtype is _dtype.float32 else self
    g = grad.double() if grad.dtype is _dtype.float32 else grad
    norm = vector_norm(x, p, dims, True)
    grad_output = (x * g).sum(dims, keepdim=True)
    nb = _norm_backward(grad_output, x, p, norm, dims, True)
    invnorm = (norm + 1e-7).reciprocal()
    factor = invnorm * maxnorm
    out = (factor * g - (factor * invnorm) * nb).where(norm > maxnorm, g)
    return out.to(self.dtype)


renorm_op = Op("renorm", "RenormBackward0", _renorm_fwd, static=("p", "dim", "maxnorm"),
               dtype_rule="keep",
               derivatives={"self": lambda grad, self, p, dim, maxnorm:
                            _renorm_backward(grad, self, p, dim, maxnorm)})


@public(dims="dim", inplace=True)
def renorm(input, p, dim, maxnorm):
    """Matches `torch.renorm`: sub-tensors along `dim` rescaled to p-norm at most maxnorm."""
    if p <= 0:
        raise RuntimeError(_errors.RENORM_P)
    if maxnorm < 0:
        raise RuntimeError(_errors.RENORM_MAXNORM.format(maxnorm=_fmt(maxnorm)))
    if input.ndim <= 1:
        raise RuntimeError(_errors.RENORM_DIMS.format(ndim=input.ndim))
    _float_only(input, _errors.VECTOR_NORM_DTYPE.format(dtype=input.dtype.scalar_name))
    return renorm_op(input, float(p), dim, float(maxnorm))


def _fmt(v) -> str:
    return str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))


# --------------------------------------------------------------------- counting
count_nonzero_op = Op("count_nonzero", None, lambda self, dim: jnp.sum(
    self != 0, axis=dim).astype(jnp.int64), static=("dim",), dtype_rule="keep")


@public(dims="dim")
def count_nonzero(input, dim=None):
    """Matches `torch.count_nonzero` (int64)."""
    return count_nonzero_op(input, _as_dims(dim, input))


@public
def msort(input):
    """Matches `torch.msort`: sort along dim 0 (SortBackward0)."""
    return sort(input, 0).values


def _nonzero_static_fwd(self, size, fill_value):
    nz = jnp.nonzero(self, size=size, fill_value=fill_value)
    return jnp.stack(nz, axis=-1).astype(jnp.int64) if nz else jnp.zeros((size, 0), jnp.int64)


nonzero_static_op = Op("nonzero_static", None, _nonzero_static_fwd,
                       static=("size", "fill_value"), dtype_rule="keep")


@public
def nonzero_static(input, *, size, fill_value=-1):
    """Matches `torch.nonzero_static`: a fixed number of rows (padded with `fill_value`), so
    it traces."""
    if not isinstance(size, int) or size < 0:
        raise RuntimeError(_errors.NONZERO_STATIC_SIZE)
    return nonzero_static_op(input, size, fill_value)


# --------------------------------------------------------------------- searching
def _searchsorted_fwd(seq, values, right, out_int32, sorter=None):
    dt = jnp.result_type(seq, values)
    seq, values = seq.astype(dt), values.astype(dt)
    if sorter is not None:
        seq = jnp.take_along_axis(seq, sorter, axis=-1)
    side = "right" if right else "left"
    if seq.ndim <= 1:
        out = jnp.searchsorted(seq, values, side=side)
    else:
        n, m = seq.shape[-1], values.shape[-1]
        out = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(
            seq.reshape(-1, n), values.reshape(-1, m)).reshape(values.shape)
    return out.astype(jnp.int32 if out_int32 else jnp.int64)


searchsorted_op = Op("searchsorted", None, _searchsorted_fwd,
                     inputs=("sorted_sequence", "self"), static=("right", "out_int32"),
                     dtype_rule="keep")
searchsorted_sorter_op = Op(
    "searchsorted", None, lambda seq, values, sorter, right, out_int32: _searchsorted_fwd(
        seq, values, right, out_int32, sorter), inputs=("sorted_sequence", "self", "sorter"),
    static=("right", "out_int32"), dtype_rule="keep")


def _scalar_tensor(value, like):
    if isinstance(value, Tensor):
        return value
    return Tensor._make(jnp.asarray(value, dtype=jnp.result_type(value)))


@public(method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Matches `torch.searchsorted` (N-d sequences searched row by row, `side`, `sorter`)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(_errors.SEARCHSORTED_SIDE.format(side=side))
        if right and side == "left":
            raise RuntimeError(_errors.SEARCHSORTED_SIDE_RIGHT.format(side=side))
        right = side == "right"
    values = _scalar_tensor(input, sorted_sequence)
    if sorted_sequence.ndim > 1 and (values.ndim != sorted_sequence.ndim or tuple(
            values.shape[:-1]) != tuple(sorted_sequence.shape[:-1])):
        raise RuntimeError(_errors.SEARCHSORTED_DIMS.format(
            seq=list(sorted_sequence.shape), vals=list(values.shape)))
    if sorter is not None:
        return searchsorted_sorter_op(sorted_sequence, values, sorter, right, out_int32)
    return searchsorted_op(sorted_sequence, values, right, out_int32)


@public(method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Matches `torch.bucketize` (1-d boundaries)."""
    if boundaries.ndim != 1:
        raise RuntimeError(_errors.BUCKETIZE_DIMS.format(ndim=boundaries.ndim))
    return searchsorted_op(boundaries, _scalar_tensor(input, boundaries), right, out_int32)


isin_op = Op("isin", None, lambda elements, test_elements, invert: jnp.isin(
    elements, test_elements, invert=invert), inputs=("elements", "test_elements"),
             static=("invert",), dtype_rule="keep", out_dtype=lambda dt: _dtype.bool)


@public(method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Matches `torch.isin` (either argument may be a number)."""
    return isin_op(_scalar_tensor(elements, None), _scalar_tensor(test_elements, None), invert)


# --------------------------------------------------------------------- binning
def _histc_fwd(self, bins, min, max):
    x = jnp.ravel(self)
    lo = jnp.asarray(min, self.dtype)
    hi = jnp.asarray(max, self.dtype)
    if min == max and x.size:
        lo, hi = jnp.min(x), jnp.max(x)
    same = lo == hi
    lo, hi = jnp.where(same, lo - 1, lo), jnp.where(same, hi + 1, hi)
    # torch's LINEAR_INTERPOLATION: pos = (x - min) * bins / (max - min), the right edge in
    # the last bin; values outside [min, max] (and NaNs) are not counted.
    pos = jnp.floor((x - lo) * bins / (hi - lo)).astype(jnp.int64)
    pos = jnp.where(pos == bins, bins - 1, pos)
    valid = (x >= lo) & (x <= hi)
    return jnp.zeros(bins, self.dtype).at[jnp.where(valid, pos, bins)].add(
        jnp.ones_like(x), mode="drop")


histc_op = Op("histc", None, _histc_fwd, static=("bins", "min", "max"), dtype_rule="keep")


@public
def histc(input, bins=100, min=0, max=0):
    """Matches `torch.histc` (range from the data when min == max)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
            kernel="histogram_cpu", dtype=input.dtype.scalar_name))
    if bins <= 0:
        raise RuntimeError(_errors.HISTOGRAM_BINS.format(bins=bins))
    if max < min:
        raise RuntimeError(_errors.HISTC_RANGE)
    return histc_op(input, int(bins), float(min), float(max))


def _histogram_fwd(self, edges, weight, nbins_static, range, density):
    x = jnp.ravel(self)
    if edges is None:
        if range is not None:
            lo, hi = jnp.asarray(range[0], self.dtype), jnp.asarray(range[1], self.dtype)
        elif x.size:
            lo, hi = jnp.min(x), jnp.max(x)
        else:
            lo, hi = jnp.asarray(0, self.dtype), jnp.asarray(0, self.dtype)
        same = lo == hi
        lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)
        edges = jnp.linspace(lo, hi, nbins_static + 1, dtype=self.dtype)
    nbins = edges.shape[0] - 1
    pos = jnp.searchsorted(edges, x, side="right") - 1
    pos = jnp.where(x == edges[-1], nbins - 1, pos)
    valid = (x >= edges[0]) & (x <= edges[-1])
    w = jnp.ones_like(x) if weight is None else jnp.ravel(weight).astype(self.dtype)
    hist = jnp.zeros(nbins, self.dtype).at[jnp.where(valid, pos, nbins)].add(w, mode="drop")
    if density:
        hist = hist / (jnp.sum(hist) * jnp.diff(edges))
    return hist, edges


histogram_op = Op("histogram", None, lambda self, bins, range, density: _histogram_fwd(
    self, None, None, bins, range, density), static=("bins", "range", "density"),
                  outputs=("hist", "bin_edges"), dtype_rule="keep")
histogram_w_op = Op("histogram", None, lambda self, weight, bins, range, density:
                    _histogram_fwd(self, None, weight, bins, range, density),
                    inputs=("self", "weight"), static=("bins", "range", "density"),
                    outputs=("hist", "bin_edges"), dtype_rule="keep")
histogram_edges_op = Op("histogram", None, lambda self, edges, density: _histogram_fwd(
    self, edges, None, None, None, density), inputs=("self", "edges"), static=("density",),
                        outputs=("hist", "bin_edges"), dtype_rule="keep")
histogram_edges_w_op = Op("histogram", None, lambda self, edges, weight, density:
                          _histogram_fwd(self, edges, weight, None, None, density),
                          inputs=("self", "edges", "weight"), static=("density",),
                          outputs=("hist", "bin_edges"), dtype_rule="keep")


@public
def histogram(input, bins, *, range=None, weight=None, density=False):
    """Matches `torch.histogram` (hist, bin_edges)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
            kernel="histogramdd", dtype=input.dtype.scalar_name))
    if isinstance(bins, Tensor):
        if weight is None:
            hist, edges = histogram_edges_op(input, bins, density)
        else:
            hist, edges = histogram_edges_w_op(input, bins, weight, density)
    else:
        if bins <= 0:
            raise RuntimeError(_errors.HISTOGRAM_BINS.format(bins=bins))
        if range is not None:
            if range[0] > range[1]:
                raise RuntimeError(_errors.HISTOGRAM_RANGE.format(min=_fmt(range[0]),
                                                                  max=_fmt(range[1])))
            range = (float(range[0]), float(range[1]))
        if weight is None:
            hist, edges = histogram_op(input, int(bins), range, density)
        else:
            hist, edges = histogram_w_op(input, weight, int(bins), range, density)
    return return_types.make("histogram", ("hist", "bin_edges"))(hist, edges)


# bincount's size depends on the data (the largest value): its length is read eagerly, as
# `unique`'s values are; the kernel itself then traces.
bincount_op = Op("bincount", None, lambda self, length: jnp.bincount(self, length=length),
                 static=("length",), dtype_rule="keep")
bincount_w_op = Op("bincount", "NotImplemented", lambda self, weights, length: jnp.bincount(
    self, weights.astype(jnp.float32 if weights.dtype == jnp.float32 else jnp.float64),
    length=length), inputs=("self", "weights"), static=("length",), dtype_rule="keep",
                   derivatives={"weights": _not_implemented("bincount")})


@public
def bincount(input, weights=None, minlength=0):
    """Matches `torch.bincount` (eager only without a fixed size: it depends on the data)."""
    if minlength < 0:
        raise RuntimeError(_errors.BINCOUNT_MINLENGTH)
    if input.ndim != 1 or input.dtype.is_floating_point or input.dtype is _dtype.bool:
        if input.ndim == 1 and input.dtype.is_floating_point:
            raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
                kernel="bincount_cpu", dtype=input.dtype.scalar_name))
        raise RuntimeError(_errors.BINCOUNT_INPUT)
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError(_errors.BINCOUNT_WEIGHTS)
    array = np.asarray(input._storage.array)
    if array.size and array.min() < 0:
        raise RuntimeError(_errors.BINCOUNT_INPUT)
    length = builtins.max(int(array.max()) + 1 if array.size else 0, minlength)
    if weights is None:
        return bincount_op(input, length)
    return bincount_w_op(input, weights, length)


# --------------------------------------------------------------------- unique_consecutive
_unique_consecutive_grad = Op(
    "_unique_consecutive", "UniqueConsecutiveBackward0", lambda self: self, dtype_rule="keep",
    derivatives={"self": lambda grad: _raise_not_implemented("unique_consecutive")})


def _with_node(self, values):
    # As `unique`: the data-dependent result gets a node with an edge to `self` (torch's
    # UniqueConsecutiveBackward0, whose backward raises).
    if not (self.requires_grad and grad_mode.is_grad_enabled()):
        return values
    node = _unique_consecutive_grad.node_cls((gradient_edge(self),),
                                             ((tuple(values.shape), values.dtype),))
    node._saved = {}
    node._args = None
    return Tensor._make(values._storage.array, node, 0)


def _raise_not_implemented(name):
    raise NotImplementedError(_errors.DERIVATIVE_NOT_IMPLEMENTED_THE.format(name=name))


@public(dims="dim")
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Matches `torch.unique_consecutive` (eager only: the size depends on the data)."""
    array = np.asarray(input._storage.array)
    if dim is None:
        flat = array.reshape(-1)
        if flat.size:
            starts = np.concatenate([[True], flat[1:] != flat[:-1]])
        else:
            starts = np.zeros(0, bool)
        values = flat[starts]
        inverse = (np.cumsum(starts) - 1).reshape(array.shape)
    else:
        moved = np.moveaxis(array, dim, 0)
        n = moved.shape[0]
        if n:
            rest = moved.reshape(n, -1)
            starts = np.concatenate([[True], np.any(rest[1:] != rest[:-1], axis=1)])
        else:
            starts = np.zeros(0, bool)
        values = np.moveaxis(moved[starts], 0, dim)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), starts.size))
    out = _with_node(input, Tensor._make(jnp.asarray(values, array.dtype)))
    if not (return_inverse or return_counts):
        return out
    result = [out]
    if return_inverse:
        result.append(Tensor._make(jnp.asarray(inverse, jnp.int64)))
    if return_counts:
        result.append(Tensor._make(jnp.asarray(counts, jnp.int64)))
    return tuple(result)



# --------------------------------------------------------------------- diff
def _diff_other(input, other, dim):
    if other is None:
        return
    if other.ndim != input.ndim:
        raise RuntimeError(_errors.DIFF_OTHER_NDIM)
    for i in range(other.ndim):
        if i != dim and other.shape[i] != input.shape[i]:
            raise RuntimeError(_errors.DIFF_OTHER_SHAPE.format(i=i, a=input.shape[i],
                                                               b=other.shape[i]))


@public(dims="dim")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """Matches `torch.diff` (narrow(1) - narrow(0), n times, after cat of prepend/append)."""
    if input.ndim < 1:
        raise RuntimeError(_errors.DIFF_NDIM)
    if n < 0:
        raise RuntimeError(_errors.DIFF_ORDER.format(n=n))
    dim = _checks.wrap_dim(dim, input.ndim)
    _diff_other(input, prepend, dim)
    _diff_other(input, append, dim)
    if n == 0:
        from ..tensor import zeros_like
        return zeros_like(input).copy_(input)
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, input, append) if t is not None]
        input = cat(parts, dim)
    out_len = input.shape[dim] - 1
    n = builtins.min(n, input.shape[dim])
    result = input
    for _ in range(n):
        hi, lo = result.narrow(dim, 1, out_len), result.narrow(dim, 0, out_len)
        result = hi.logical_xor(lo) if input.dtype is _dtype.bool else hi - lo
        out_len -= 1
    return result


# --------------------------------------------------------------------- trapezoid
def _zeros_except(y, dim):
    from ..tensor import zeros
    shape = [s for i, s in enumerate(y.shape) if i != dim]
    return zeros(*shape, dtype=y.dtype)


def _x_dx(name, y, x, dim):
    if y.dtype is _dtype.bool or x.dtype is _dtype.bool:
        raise RuntimeError(_errors.TRAPEZOID_BOOL_XY.format(name=name))
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(_errors.TRAPEZOID_X_SIZE.format(name=name))
        sizes = [1] * y.ndim
        sizes[dim] = x.shape[0]
        x = x.view(sizes)
    elif x.ndim < y.ndim:
        x = x.view([1] * (y.ndim - x.ndim) + list(x.shape))
    n = x.shape[dim]
    return x.narrow(dim, 1, n - 1) - x.narrow(dim, 0, builtins.max(n - 1, 0))


@public(method=False, dims="dim")
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Matches `torch.trapezoid` (sample points `x`, or a constant spacing `dx`)."""
    dim = _checks.wrap_dim(dim, y.ndim)
    if isinstance(x, Tensor):
        if y.shape[dim] == 0:
            return _zeros_except(y, dim)
        d = _x_dx("trapezoid", y, x, dim)
        n = y.shape[dim]
        return div_scalar(((y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)) * d).sum(dim),
                          2.0)
    if x is not None:  # a number in x's place is the spacing
        dx = x
    if y.shape[dim] == 0:
        return _zeros_except(y, dim)
    if y.dtype is _dtype.bool:
        raise RuntimeError(_errors.TRAPEZOID_BOOL)
    dx = 1.0 if dx is None else float(dx)
    ends = mul_scalar(y.select(dim, 0) + y.select(dim, -1), 0.5)
    return mul_scalar(y.sum(dim) - ends, dx)


@public(method=False, dims="dim")
def trapz(y, x=None, *, dx=None, dim=-1):
    """Matches `torch.trapz` (torch's older name for trapezoid)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@public(method=False, dims="dim")
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Matches `torch.cumulative_trapezoid`."""
    dim = _checks.wrap_dim(dim, y.ndim)
    n = y.shape[dim]
    if isinstance(x, Tensor):
        d = _x_dx("cumulative_trapezoid", y, x, dim)
        both = y.narrow(dim, 0, builtins.max(n - 1, 0)) + y.narrow(dim, 1, builtins.max(n - 1, 0))
        return div_scalar((both * d).cumsum(dim), 2.0)
    if x is not None:
        dx = x
    if y.dtype is _dtype.bool:
        raise RuntimeError(_errors.CUMULATIVE_TRAPEZOID_BOOL)
    dx = 1.0 if dx is None else float(dx)
    both = y.narrow(dim, 0, builtins.max(n - 1, 0)) + y.narrow(dim, 1, builtins.max(n - 1, 0))
    return mul_scalar(both, dx / 2.0).cumsum(dim)


# --------------------------------------------------------------------- cov, corrcoef
@public
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Matches `torch.cov` (rows are variables, columns observations; fweights/aweights)."""
    if input.ndim > 2:
        raise RuntimeError(_errors.COV_NDIM.format(ndim=input.ndim))
    if input.dtype is _dtype.bool:
        raise RuntimeError(_errors.COV_BOOL)
    x = input.view(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.ndim > 1:
            raise RuntimeError(_errors.COV_W_NDIM.format(name="fweights", ndim=fweights.ndim))
        if fweights.dtype.is_floating_point or fweights.dtype.is_complex \
                or fweights.dtype is _dtype.bool:
            raise RuntimeError(_errors.COV_FW_DTYPE.format(dtype=fweights.dtype.scalar_name))
        if fweights.numel() != n:
            raise RuntimeError(_errors.COV_W_NUMEL.format(name="fweights",
                                                          numel=fweights.numel(), n=n))
        _check_not_negative(fweights, "fweights")
        w = fweights
    if aweights is not None:
        if aweights.ndim > 1:
            raise RuntimeError(_errors.COV_W_NDIM.format(name="aweights", ndim=aweights.ndim))
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(_errors.COV_AW_DTYPE.format(dtype=aweights.dtype.scalar_name))
        if aweights.numel() != n:
            raise RuntimeError(_errors.COV_W_NUMEL.format(name="aweights",
                                                          numel=aweights.numel(), n=n))
        _check_not_negative(aweights, "aweights")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = Tensor._make(jnp.asarray(n, jnp.int64))
        avg = x.sum(1) / w_sum
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
    if w is not None and correction != 0 and aweights is not None:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    if w is None:
        if n - correction <= 0:
            _warn_dof()
            norm_factor = norm_factor * 0
    elif _concrete_array(norm_factor) and float(np.asarray(
            norm_factor._storage.array)) <= 0:
        _warn_dof()
        norm_factor = norm_factor * 0
    x = x - avg.unsqueeze(1)
    c = x.mm((x if w is None else x * w).t())
    return c.true_divide(norm_factor).squeeze()


def _concrete_array(t) -> bool:
    return not isinstance(t._storage.array, jax.core.Tracer)


def _check_not_negative(w, name):
    # (checked where the values are concrete: torch reads them on the host too)
    if w.numel() and _concrete_array(w) and bool(np.asarray(w._storage.array).min() < 0):
        raise RuntimeError(_errors.COV_W_NEGATIVE.format(name=name))


def _warn_dof():
    import warnings
    warnings.warn(_errors.COV_DOF, UserWarning, stacklevel=3)


@public
def corrcoef(input):
    """Matches `torch.corrcoef` (cov normalized by the standard deviations, clipped)."""
    if input.ndim > 2:
        raise RuntimeError(_errors.CORRCOEF_NDIM.format(ndim=input.ndim))
    c = cov(input)
    if c.ndim == 0:
        return c / c
    stddev = c.diagonal().sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    return clamp(c, -1, 1)


# --------------------------------------------------------------------- quantile
# torch's quantile ends with in-place view ops on its result (unsqueeze_, transpose_,
# squeeze_): their nodes, same math as the out-of-place ones.
unsqueeze1_op = Op("unsqueeze_", "UnsqueezeBackward1", lambda self, dim: jnp.expand_dims(
    self, dim), static=("dim",), dtype_rule="keep",
                   derivatives={"self": lambda grad, dim: grad.squeeze(dim)})
transpose1_op = Op("transpose_", "TransposeBackward1", lambda self, dim0, dim1: jnp.swapaxes(
    self, dim0, dim1), static=("dim0", "dim1"), dtype_rule="keep",
                   derivatives={"self": lambda grad, dim0, dim1: grad.transpose(dim0, dim1)})

_QUANTILE_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _bump(out, version):
    out._vc.version = version
    return out


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    if interpolation not in _QUANTILE_MODES:
        raise RuntimeError(_errors.QUANTILE_MODE.format(mode=interpolation))
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(_errors.QUANTILE_Q_RANGE.format(q=q))
        q = Tensor._make(jnp.asarray(q, input._storage.array.dtype))
    if input.numel() == 0:
        raise RuntimeError(_errors.QUANTILE_EMPTY)
    if q.ndim > 1:
        raise RuntimeError(_errors.QUANTILE_Q_DIM)
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(_errors.QUANTILE_DTYPE)
    if q.dtype is not input.dtype:
        raise RuntimeError(_errors.QUANTILE_Q_DTYPE)
    qa = q._storage.array
    if _concrete_array(q) and not bool(np.all((np.asarray(qa) >= 0) & (np.asarray(qa) <= 1))):
        raise RuntimeError(_errors.QUANTILE_Q_VALUES)
    # the output shape: q's size first, then the reduced shape
    if dim is not None and input.ndim > 0:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[dim] = 1
        else:
            del out_shape[dim]
    elif keepdim:
        out_shape = [1] * input.ndim
    else:
        out_shape = []
    if dim is None:
        sorted_ = sort(input.flatten() if input.ndim != 1 else input).values
    elif input.ndim == 0 or dim == input.ndim - 1:
        sorted_ = sort(input).values
    else:
        sorted_ = sort(input.unsqueeze(-1).transpose(dim, -1)).values
    out_shape.insert(0, q.numel())
    in_shape = out_shape[1:] + [sorted_.shape[-1] if sorted_.ndim else 1]
    sorted_ = sorted_.view(in_shape)
    ranks_shape = [1] * len(in_shape)
    ranks_shape[-1] = q.numel()
    with grad_mode.no_grad():
        qv = q.detach().view(ranks_shape)
        s = sorted_.detach()
        if ignore_nan:
            ranks = qv * (s.isnan().logical_not().sum(-1, keepdim=True) - 1)
            ranks = ranks.masked_fill(ranks < 0, 0)
        else:
            last = s.shape[-1] - 1
            ranks = (qv * last).expand(*s.shape[:-1], q.numel()) if s.ndim > 1 else qv * last
            ranks = ranks.masked_fill(s.isnan().any(-1, keepdim=True), last)
        if interpolation == "lower":
            ranks = ranks.floor()
        elif interpolation == "higher":
            ranks = ranks.ceil()
        elif interpolation == "nearest":
            ranks = ranks.round()
        below = ranks.long()
    values = sorted_.gather(-1, below)
    version = 0
    if interpolation in ("linear", "midpoint"):
        with grad_mode.no_grad():
            weights = ranks * 0 + 0.5 if interpolation == "midpoint" else ranks - below
            above = ranks.ceil().long()
        values = values.lerp_(sorted_.gather(-1, above), weights)
        version = values._vc.version
    if q.ndim == 0:
        return _bump(squeeze4_op(values, values.ndim - 1), version + 1)
    values = _bump(unsqueeze1_op(values, 0), version + 1)
    values = _bump(transpose1_op(values, 0, values.ndim - 1), version + 2)
    return _bump(squeeze4_op(values, values.ndim - 1), version + 3)


@public(dims="dim")
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Matches `torch.quantile` (q a number or a 1-D tensor; the five interpolations)."""
    return _quantile(input, q, dim, keepdim, interpolation, False)


@public(dims="dim")
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Matches `torch.nanquantile` (NaNs ignored)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


# --------------------------------------------------------------------- gradient
def _sl(t, d, start, end=None):
    """at::slice(t, d, start, end) (negative bounds from the end) as narrow: SliceBackward0."""
    n = t.shape[d]
    start = start + n if start < 0 else start
    end = n if end is None else (end + n if end < 0 else end)
    return t.narrow(d, start, builtins.max(end - start, 0))


def _gradient_float(self, h, d, edge_order):
    center = div_scalar(_sl(self, d, 2) - _sl(self, d, 0, -2), h)
    if edge_order == 1:
        prepend = div_scalar(_sl(self, d, 1, 2) - _sl(self, d, 0, 1), h)
        append = div_scalar(_sl(self, d, -1) - _sl(self, d, -2, -1), h)
    else:
        prepend = div_scalar(mul_scalar(_sl(self, d, 0, 1), -1.5)
                             + mul_scalar(_sl(self, d, 1, 2), 2)
                             - mul_scalar(_sl(self, d, 2, 3), 0.5), h)
        append = div_scalar(mul_scalar(_sl(self, d, -3, -2), 0.5)
                            - mul_scalar(_sl(self, d, -2, -1), 2)
                            + mul_scalar(_sl(self, d, -1), 1.5), h)
    return cat([prepend, div_scalar(center, 2.0), append], d)


def _gradient_coords(self, x, d, edge_order):
    if x.ndim != 1:
        raise RuntimeError(_errors.GRADIENT_COORD_NDIM.format(ndim=x.ndim))
    shape = [1] * self.ndim
    shape[d] = -1
    ax = x.diff(1, 0)
    dx1, dx2 = _sl(ax, 0, 0, -1), _sl(ax, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _sl(self, d, 0, -2) + b * _sl(self, d, 1, -1) + c * _sl(self, d, 2)
    if edge_order == 1:
        prepend = (_sl(self, d, 1, 2) - _sl(self, d, 0, 1)) / ax[0]
        append = (_sl(self, d, -1) - _sl(self, d, -2, -1)) / ax[-1]
    else:
        h0, h1 = ax[0], ax[1]
        a = -(mul_scalar(h0, 2.0) + h1) / (h0 * (h0 + h1))
        b = (h0 + h1) / (h0 * h1)
        c = (-h0) / (h1 * (h0 + h1))
        prepend = a * _sl(self, d, 0, 1) + b * _sl(self, d, 1, 2) + c * _sl(self, d, 2, 3)
        hl, hm = ax[-1], ax[-2]
        a = hl / (hm * (hl + hm))
        b = -(hl + hm) / (hl * hm)
        c = (mul_scalar(hl, 2) + hm) / (hl * (hl + hm))
        append = a * _sl(self, d, -3, -2) + b * _sl(self, d, -2, -1) + c * _sl(self, d, -1)
    return cat([prepend, center, append], d)


@public(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Matches `torch.gradient`: central differences inside, one-sided (first or second
    order) at the edges; spacing a number, numbers per dim, or coordinates per dim."""
    if input.dtype is _dtype.uint8:
        raise RuntimeError(_errors.GRADIENT_UINT8)
    dims = None if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if isinstance(spacing, (list, tuple)):
        n = len(spacing)
        if dims is None and n != input.ndim:
            raise RuntimeError(_errors.GRADIENT_SPACING_NDIM.format(ndim=input.ndim, n=n))
        if dims is not None and n != len(dims):
            raise RuntimeError(_errors.GRADIENT_SPACING_DIM.format(n=n, d=len(dims)))
        spacing = list(spacing)
    if edge_order not in (1, 2):
        raise RuntimeError(_errors.GRADIENT_EDGE_ORDER)
    if dims is not None:
        dims = list(_checks.wrap_dims(dims, input.ndim))
    for d in (dims if dims is not None else range(input.ndim)):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(_errors.GRADIENT_SIZE)
    dims = dims if dims is not None else list(range(input.ndim))
    if not isinstance(spacing, list):
        spacing = [spacing] * len(dims)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = to(input, _dtype.get_default_dtype())
    if all(isinstance(s, Tensor) for s in spacing) and spacing:
        return tuple(_gradient_coords(input, s, d, edge_order) for s, d in zip(spacing, dims))
    return tuple(_gradient_float(input, float(s), d, edge_order) for s, d in zip(spacing, dims))


# --------------------------------------------------------------------- cdist
def _cdist_fwd(x1, x2, p):
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    return _norm_fwd(diff, p, (diff.ndim - 1,), False)


def _cdist_grad_fwd(grad, x1, x2, res, p):
    # torch's _cdist_backward: the gradient of each distance, summed over x2's rows
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    r = res[..., None]
    g = grad[..., None]
    if p == 0:
        t = jnp.zeros_like(diff)
    elif p == 1:
        t = jnp.sign(diff)
    elif p == 2:
        t = jnp.where(r == 0, 0, diff / jnp.where(r == 0, 1, r))
    elif math.isinf(p):
        t = jnp.sign(diff) * (jnp.abs(diff) == r)
    elif p < 2:
        safe = (r == 0) | ((diff == 0) & (p < 1))
        t = jnp.where(safe, 0, jnp.sign(diff) * jnp.abs(jnp.where(safe, 1, diff)) ** (p - 1)
                      / jnp.where(r == 0, 1, r) ** (p - 1))
    else:
        t = jnp.where(r == 0, 0, diff * jnp.abs(diff) ** (p - 2)
                      / jnp.where(r == 0, 1, r) ** (p - 1))
    return jnp.sum(g * t, axis=-2)


_cdist_not_implemented = {
    n: (lambda grad: _raise_not_implemented("_cdist_backward"))
    for n in ("grad", "x1", "x2", "cdist")}
cdist_backward_op = Op("_cdist_backward", "CdistBackwardBackward0", _cdist_grad_fwd,
                       inputs=("grad", "x1", "x2", "cdist"), static=("p",), dtype_rule="keep",
                       derivatives=_cdist_not_implemented)
cdist_op = Op("_cdist_forward", "CdistBackward0", _cdist_fwd, inputs=("x1", "x2"),
              static=("p",), dtype_rule="promote",
              derivatives={"x1": lambda grad, x1, x2, p, result:
                           cdist_backward_op(grad, x1, x2, result, p),
                           "x2": lambda grad, x1, x2, p, result:
                           cdist_backward_op(grad.mT, x2, x1, result.mT, p)})


def _euclidean_fwd(x1, x2):
    return jnp.sqrt(jnp.sum((x1[..., :, None, :] - x2[..., None, :, :]) ** 2, axis=-1))


def _euclidean_backward(grad, x1, x2, result, which):
    # torch's _euclidean_dist_backward
    ratio = (grad / result).masked_fill(result == 0, 0.0)
    if which == 0:
        return x1 * ratio.sum(-1, keepdim=True) - ratio.matmul(x2)
    return x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT.matmul(x1)


euclidean_dist_op = Op("_euclidean_dist", "EuclideanDistBackward0", _euclidean_fwd,
                       inputs=("x1", "x2"), dtype_rule="promote",
                       derivatives={"x1": lambda grad, x1, x2, result:
                                    _euclidean_backward(grad, x1, x2, result, 0),
                                    "x2": lambda grad, x1, x2, result:
                                    _euclidean_backward(grad, x1, x2, result, 1)})

_CDIST_MODES = (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


@public(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Matches `torch.cdist` (CdistBackward0; torch's matmul path for p=2 on more than 25
    rows, EuclideanDistBackward0 under a view)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(_errors.CDIST_MODE.format(mode=compute_mode))
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(_errors.CDIST_NDIM.format(name=name, ndim=t.ndim))
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(_errors.CDIST_COLUMNS.format(a=x1.shape[-1], b=x2.shape[-1]))
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.dtype.is_floating_point:
            raise RuntimeError(_errors.CDIST_DTYPE.format(name=name, dtype=t.dtype.scalar_name))
    if p < 0:
        raise RuntimeError(_errors.CDIST_P)
    batch = _checks.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    r1, r2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode in (None, "use_mm_for_euclid_dist_if_necessary") and (r1 > 25 or r2 > 25)))
    if use_mm:
        return euclidean_dist_op(x1, x2).view(*batch, r1, r2)
    return cdist_op(x1, x2, float(p))
