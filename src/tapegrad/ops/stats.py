"""Reductions, statistics and searches beyond `reduction.py`: nan-reductions, order
statistics, cumulative extrema, counting and binning. Declarations as in `reduction.py`.

Order statistics (median, kthvalue, mode) sort with a stable sort (NaNs last), which picks
the same index among ties as torch's CPU kernels do. Ops whose output size depends on the
data (bincount without a size, unique_consecutive) run eagerly, as `unique`/`nonzero`."""

from __future__ import annotations

import builtins

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
from .pointwise import _not_implemented, to
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


