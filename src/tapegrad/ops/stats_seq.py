"""Statistics on sequences: diff, trapezoid, cov/corrcoef, quantile, gradient, cdist (the
reductions, searches and binning are in `stats.py`). Declarations as in `reduction.py`."""

from __future__ import annotations

import builtins
import math

import jax.numpy as jnp
import numpy as np

from .._storage import value_checkable
from .. import _checks, _dtype, _errors
from .. import _grad_mode as grad_mode
from ..tensor import Tensor, zeros, zeros_like
from ._op import Op
from ._registry import public
from .indexing import sort
from .nn_ops import div_scalar
from .pointwise import clamp, mul_scalar, to
from .reduction import (
    _norm_fwd,
)
from .shape import cat, squeeze4_op
from .stats import _raise_not_implemented
from .._checks import user_stacklevel



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
    return value_checkable(t._storage.array)


def _check_not_negative(w, name):
    # (checked where the values are concrete: torch reads them on the host too)
    if w.numel() and _concrete_array(w) and bool(np.asarray(w._storage.array).min() < 0):
        raise RuntimeError(_errors.COV_W_NEGATIVE.format(name=name))


def _warn_dof():
    import warnings
    warnings.warn(_errors.COV_DOF, UserWarning, stacklevel=user_stacklevel())


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
