"""`torch.fft`: declared with `namespace="fft"` (NOTE [Public surface]).

The transforms are torch's three primitives, each an op with torch's node: `_fft_c2c`
(FftC2CBackward0), `_fft_r2c` (FftR2CBackward0), `_fft_c2r` (FftC2RBackward0), taking the dims,
a `normalization` (0: none, 1: 1/sqrt(n), 2: 1/n, over the op's own dims) and a direction.
The public functions compose them as torch's SpectralOps.cpp does (argument checks in its
order, the input resized by slice and constant_pad_nd, conj where torch conjugates), so values,
gradients and grad_fn graphs are torch's.

The shifts are rolls (torch's composition: RollBackward0); the frequency factories build their
values as torch does (an arange, the upper half shifted down, scaled by 1/(n*d))."""

from __future__ import annotations


import jax.numpy as jnp
import numpy as np

from .. import _device, _dtype, _errors
from .. import tensor as _tensor
from .._checks import wrap_dim
from ._op import Op
from ._registry import public
from .complex_ops import conj, conj_physical, real
from .pointwise import to
from .shape import constant_pad_op, narrow, roll

_fft = dict(namespace="fft", method=False)


def _shift_dims(x, dim):
    if dim is None:
        return tuple(range(x.ndim))
    return (dim,) if isinstance(dim, int) else tuple(dim)


@public(dims="dim", **_fft)
def fftshift(input, dim=None):
    """Matches `torch.fft.fftshift`."""
    dims = _shift_dims(input, dim)
    return roll(input, [input.shape[d] // 2 for d in dims], list(dims))


@public(dims="dim", **_fft)
def ifftshift(input, dim=None):
    """Matches `torch.fft.ifftshift`."""
    dims = _shift_dims(input, dim)
    return roll(input, [(input.shape[d] + 1) // 2 for d in dims], list(dims))


def _freq(values: np.ndarray, n: int, d: float, dtype, requires_grad: bool, device=None):
    dt = dtype or _dtype.get_default_dtype()
    scale = np.asarray(1.0 / (n * d), dt.np)
    t = _tensor.Tensor._make(_device.place(jnp.asarray(values.astype(dt.np) * scale, dt.np),
                                           device, "fftfreq"))
    t._requires_grad = requires_grad
    return t


@public(**_fft)
def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False,
            pin_memory=False):
    """Matches `torch.fft.fftfreq`."""
    if n < 0:
        raise RuntimeError(_errors.FFT_NEGATIVE.format(n=n))
    values = np.arange(n, dtype=np.int64)
    values[(n + 1) // 2:] -= n
    return _freq(values, n, d, dtype, requires_grad, device)


@public(**_fft)
def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """Matches `torch.fft.rfftfreq`."""
    size = (n // 2 if n >= 0 else -((-n) // 2)) + 1  # C++ division truncates
    if size < 0:
        raise RuntimeError(_errors.FFT_NEGATIVE.format(n=size))
    return _freq(np.arange(size, dtype=np.int64), n, d, dtype, requires_grad, device)


# ---------------------------------------------------------------------- the primitives
# jnp's norm names for (forward transform, inverse transform) per torch normalization.
_FORWARD_NORM = ("backward", "ortho", "forward")
_INVERSE_NORM = ("forward", "ortho", "backward")


def _c2c_forward(self, dim, normalization, forward):
    if not dim:
        return self + 0
    if forward:
        return jnp.fft.fftn(self, axes=dim, norm=_FORWARD_NORM[normalization])
    return jnp.fft.ifftn(self, axes=dim, norm=_INVERSE_NORM[normalization])


def _r2c_forward(self, dim, normalization, onesided):
    transform = jnp.fft.rfftn if onesided else jnp.fft.fftn
    return transform(self, axes=dim, norm=_FORWARD_NORM[normalization])


def _c2r_forward(self, dim, normalization, last_dim_size):
    s = [self.shape[d] for d in dim[:-1]] + [last_dim_size]
    return jnp.fft.irfftn(self, s=s, axes=dim, norm=_INVERSE_NORM[normalization])


def _r2c_backward(grad, self, dim, normalization, onesided):
    # torch's fft_r2c_backward: the one-sided gradient zero-padded to the full length, then
    # the real part of the adjoint (inverse, same scaling) transform.
    if onesided:
        last = dim[-1]
        missing = self.shape[last] - grad.shape[last]
        if missing > 0:
            grad = constant_pad_op(grad, _pad_amount(grad.ndim, {last: missing}), 0)
    return real(_fft_c2c(grad, dim, normalization, False))


def _c2r_backward(grad, dim, normalization):
    # torch's fft_c2r_backward: the one-sided transform of grad, with the entries whose mirror
    # image lies outside the one-sided half counted twice.
    out = _fft_r2c(grad, dim, normalization, True)
    last = dim[-1]
    double = grad.shape[last] - out.shape[last]
    if double > 0:
        weight = np.ones(out.shape[last])
        weight[1:1 + double] = 2
        shape = [1] * out.ndim
        shape[last] = out.shape[last]
        real_dt = _dtype.float32 if out.dtype is _dtype.complex64 else _dtype.float64
        out = out * _tensor.Tensor._make(jnp.asarray(weight.reshape(shape), real_dt.np))
    return out


# NOTE [FFT gradient versions]
# torch's FFT kernels lay a transform over dims other than the trailing ones out
# non-contiguously, and AccumulateGrad clones such a gradient (`.grad._version` 1); the
# real part r2c's backward returns is a strided view (cloned too); c2r's backward doubles part
# of its result in place (mul_). `grad_version` says so, as a function of the statics.
def _suffix(shape, dim) -> bool:
    return sorted(dim) == list(range(len(shape) - len(dim), len(shape)))


_fft_c2c = Op("_fft_c2c", "FftC2CBackward0", _c2c_forward,
              static=("dim", "normalization", "forward"), dtype_rule="keep",
              grad_version={"self": lambda shape, dim: 0 if _suffix(shape, dim) else 1},
              derivatives={"self": lambda grad, dim, normalization, forward:
                           _fft_c2c(grad, dim, normalization, not forward)})
_fft_r2c = Op("_fft_r2c", "FftR2CBackward0", _r2c_forward,
              static=("dim", "normalization", "onesided"), dtype_rule="keep", grad_version=1,
              derivatives={"self": _r2c_backward})
_fft_c2r = Op("_fft_c2r", "FftC2RBackward0", _c2r_forward,
              static=("dim", "normalization", "last_dim_size"), dtype_rule="keep",
              grad_version={"self": lambda shape, dim, last_dim_size: 1 if (
                  last_dim_size >= 3 or not _suffix(shape, dim)) else 0},
              # (the formula names last_dim_size so the version rule can read it)
              derivatives={"self": lambda grad, dim, normalization, last_dim_size:
                           _c2r_backward(grad, dim, normalization)})


# ---------------------------------------------------------------------- argument handling
def _normalization(norm, forward: bool) -> int:
    """torch's norm_from_string: 0 none, 1 by_root_n, 2 by_n."""
    if norm is None or norm == "backward":
        return 0 if forward else 2
    if norm == "forward":
        return 2 if forward else 0
    if norm == "ortho":
        return 1
    raise RuntimeError(_errors.FFT_INVALID_NORM.format(norm=norm))


def _promote(input, require_complex: bool):
    """torch's promote_tensor_fft: integers to the default float, float32/float64 only."""
    dt = input.dtype
    if dt.is_complex:
        return input
    if not dt.is_floating_point:
        dt = _dtype.get_default_dtype()
    if dt not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(_errors.FFT_UNSUPPORTED_DTYPE.format(dtype=dt.scalar_name))
    if require_complex:
        dt = _dtype.complex64 if dt is _dtype.float32 else _dtype.complex128
    return to(input, dt)


def _pad_amount(ndim: int, missing: dict) -> tuple:
    pad = [0] * (2 * ndim)
    for d, m in missing.items():
        pad[2 * ndim - 2 * d - 1] = m
    return tuple(pad)


def _resize(x, dims, sizes):
    """torch's resize_fft_input: slice dims that are too long, zero-pad those too short."""
    missing = {}
    for d, n in zip(dims, sizes):
        if n == -1:
            continue
        if x.shape[d] < n:
            missing[d] = n - x.shape[d]
        if x.shape[d] > n:
            x = narrow(x, d, 0, n)
    return constant_pad_op(x, _pad_amount(x.ndim, missing), 0) if missing else x


def _check_int(fname: str, arg: str, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(_errors.FFT_ARG_TYPE.format(name=fname, arg=arg,
                                                    type_name=type(value).__name__))


def _one_dim(fname, input, n, dim):
    _check_int(fname, "n", n)
    _check_int(fname, "dim", dim)
    return wrap_dim(dim, input.ndim, wrap_scalar=False)


def _shape_and_dims(input, s, dim):
    """torch's canonicalize_fft_shape_and_dim_args: (signal sizes, dims)."""
    ndim = input.ndim
    if isinstance(s, int):
        s = (s,)
    if isinstance(dim, int):
        dim = (dim,)
    dims = None
    if dim is not None:
        dims = tuple(wrap_dim(d, ndim, wrap_scalar=False) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(_errors.FFT_DIMS_UNIQUE)
    if s is not None:
        if dims is not None and len(dims) != len(s):
            raise RuntimeError(_errors.FFT_DIM_SHAPE_LEN)
        if len(s) > ndim:
            raise RuntimeError(_errors.FFT_SHAPE_TOO_LONG.format(n=len(s), ndim=ndim))
        if dims is None:
            dims = tuple(range(ndim - len(s), ndim))
        shape = tuple(input.shape[d] if n == -1 else n for n, d in zip(s, dims))
    elif dims is None:
        dims, shape = tuple(range(ndim)), tuple(input.shape)
    else:
        shape = tuple(input.shape[d] for d in dims)
    for n in shape:
        if n <= 0:
            raise RuntimeError(_errors.FFT_INVALID_POINTS.format(n=n))
    return shape, dims


def _c2r_shape_and_dims(fname, input, s, dim):
    """torch's canonicalize_fft_c2r_shape_and_dim_args: (input sizes, dims, output size)."""
    shape, dims = _shape_and_dims(input, s, dim)
    if not shape:
        raise RuntimeError(_errors.FFT_NO_AXIS.format(name=fname))
    if s is None or (not isinstance(s, int) and s[-1] == -1):
        last = 2 * (input.shape[dims[-1]] - 1)
    else:
        last = shape[-1]
    if last < 1:
        raise RuntimeError(_errors.FFT_INVALID_POINTS.format(n=last))
    return shape[:-1] + (last // 2 + 1,), dims, last


# ---------------------------------------------------------------------- one-dimensional
def _c2c(fname, input, n, dim, norm, forward):
    if not input.dtype.is_complex:
        raise RuntimeError(_errors.FFT_COMPLEX_INPUT.format(name=fname,
                                                            dtype=input.dtype.scalar_name))
    dim = _one_dim(fname, input, n, dim)
    size = input.shape[dim] if n is None else n
    if size < 1:
        raise RuntimeError(_errors.FFT_INVALID_POINTS.format(n=size))
    if n is not None:
        input = _resize(input, (dim,), (n,))
    return _fft_c2c(input, (dim,), _normalization(norm, forward), forward)


def _r2c(fname, input, n, dim, norm, forward, onesided):
    if input.dtype.is_complex:
        raise RuntimeError(_errors.FFT_REAL_INPUT.format(name=fname,
                                                         dtype=input.dtype.scalar_name))
    input = _promote(input, False)
    dim = _one_dim(fname, input, n, dim)
    size = input.shape[dim] if n is None else n
    if size < 1:
        raise RuntimeError(_errors.FFT_INVALID_POINTS.format(n=size))
    if n is not None:
        input = _resize(input, (dim,), (n,))
    out = _fft_r2c(input, (dim,), _normalization(norm, forward), onesided)
    return out if forward else conj(out)


def _c2r(fname, input, n, dim, norm, forward):
    input = _promote(input, True)
    dim = _one_dim(fname, input, n, dim)
    size = 2 * (input.shape[dim] - 1) if n is None else n
    if size < 1:
        raise RuntimeError(_errors.FFT_INVALID_POINTS.format(n=size))
    if n is not None:
        input = _resize(input, (dim,), (size // 2 + 1,))
    normalization = _normalization(norm, forward)
    if forward:
        input = conj(input)
    return _fft_c2r(input, (dim,), normalization, size)


_fft1 = dict(namespace="fft", method=False)


@public(**_fft1)
def fft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.fft` (a real input takes the real-to-complex transform)."""
    if input.dtype.is_complex:
        return _c2c("fft", input, n, dim, norm, True)
    return _r2c("fft", input, n, dim, norm, True, False)


@public(**_fft1)
def ifft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.ifft` (a real input: the conjugate of a real-to-complex transform)."""
    if input.dtype.is_complex:
        return _c2c("ifft", input, n, dim, norm, False)
    return _r2c("ifft", input, n, dim, norm, False, False)


@public(**_fft1)
def rfft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.rfft`."""
    return _r2c("rfft", input, n, dim, norm, True, True)


@public(**_fft1)
def irfft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.irfft`."""
    return _c2r("irfft", input, n, dim, norm, False)


@public(**_fft1)
def hfft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.hfft`."""
    return _c2r("hfft", input, n, dim, norm, True)


@public(**_fft1)
def ihfft(input, n=None, dim=-1, norm=None):
    """Matches `torch.fft.ihfft`."""
    return _r2c("ihfft", input, n, dim, norm, False, True)


# ---------------------------------------------------------------------- n-dimensional
def _fftn_c2c(fname, input, s, dim, norm, forward):
    shape, dims = _shape_and_dims(input, s, dim)
    x = _resize(_promote(input, True), dims, shape)
    return _fft_c2c(x, dims, _normalization(norm, forward), forward)


def _rfftn(fname, input, s, dim, norm):
    if input.dtype.is_complex:
        raise RuntimeError(_errors.FFT_REAL_VALUED_INPUT.format(
            name=fname, dtype=input.dtype.scalar_name))
    shape, dims = _shape_and_dims(input, s, dim)
    if not shape:
        raise RuntimeError(_errors.FFT_NO_AXIS.format(name=fname))
    x = _resize(_promote(input, False), dims, shape)
    return _fft_r2c(x, dims, _normalization(norm, True), True)


def _irfftn(fname, input, s, dim, norm):
    shape, dims, last = _c2r_shape_and_dims(fname, input, s, dim)
    x = _resize(_promote(input, True), dims, shape)
    return _fft_c2r(x, dims, _normalization(norm, False), last)


def _hfftn(fname, input, s, dim, norm):
    shape, dims, last = _c2r_shape_and_dims(fname, input, s, dim)
    x = _resize(_promote(input, True), dims, shape)
    normalization = _normalization(norm, True)
    if len(dims) > 1:
        x = _fft_c2c(x, dims[:-1], normalization, True)
    return _fft_c2r(conj(x), dims[-1:], normalization, last)


def _ihfftn(fname, input, s, dim, norm):
    shape, dims = _shape_and_dims(input, s, dim)
    if not shape:
        raise RuntimeError(_errors.FFT_NO_AXIS.format(name=fname))
    if input.dtype.is_complex:
        raise RuntimeError(_errors.FFT_FLOATING_ONLY.format(dtype=input.dtype.scalar_name))
    x = _resize(_promote(input, False), dims, shape)
    normalization = _normalization(norm, False)
    out = _fft_r2c(x, dims[-1:], normalization, True)
    if len(dims) == 1:
        return conj(out)
    return _fft_c2c(conj_physical(out), dims[:-1], normalization, False)


_fftn = dict(namespace="fft", method=False)


@public(**_fftn)
def fftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.fftn`."""
    return _fftn_c2c("fftn", input, s, dim, norm, True)


@public(**_fftn)
def ifftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.ifftn`."""
    return _fftn_c2c("ifftn", input, s, dim, norm, False)


@public(**_fftn)
def rfftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.rfftn`."""
    return _rfftn("rfftn", input, s, dim, norm)


@public(**_fftn)
def irfftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.irfftn`."""
    return _irfftn("irfftn", input, s, dim, norm)


@public(**_fftn)
def hfftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.hfftn`."""
    return _hfftn("hfftn", input, s, dim, norm)


@public(**_fftn)
def ihfftn(input, s=None, dim=None, norm=None):
    """Matches `torch.fft.ihfftn`."""
    return _ihfftn("ihfftn", input, s, dim, norm)


@public(**_fftn)
def fft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.fft2`."""
    return _fftn_c2c("fftn", input, s, dim, norm, True)


@public(**_fftn)
def ifft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.ifft2`."""
    return _fftn_c2c("ifftn", input, s, dim, norm, False)


@public(**_fftn)
def rfft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.rfft2`."""
    return _rfftn("rfftn", input, s, dim, norm)


@public(**_fftn)
def irfft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.irfft2`."""
    return _irfftn("irfftn", input, s, dim, norm)


@public(**_fftn)
def hfft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.hfft2`."""
    return _hfftn("hfftn", input, s, dim, norm)


@public(**_fftn)
def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    """Matches `torch.fft.ihfft2`."""
    return _ihfftn("ihfftn", input, s, dim, norm)
