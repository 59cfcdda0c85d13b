"""Convolutions (transposed, 3-d), interpolation and pooling."""

from __future__ import annotations

import math
import warnings

import jax.numpy as jnp
import numpy as np
from jax import lax

from ... import _errors
from .. import nn_ops as _nn
from .. import pointwise as _pw
from .._registry import public
from ..from_jax import JaxFunction
from ._common import _F, _aten, _const, _float_only, _tuple  # noqa: F401

_NNF = dict(_F, namespace="nn.functional")  # where torch.<name> is declared too
from ..._checks import user_stacklevel

# ================================================================== convolution
_DIMS = {1: ("NCH", "OIH", "NCH"), 2: ("NCHW", "OIHW", "NCHW"), 3: ("NCDHW", "OIDHW", "NCDHW")}


def _conv_transpose_fwd(input, weight, bias, stride, padding, output_padding, groups,
                        dilation):
    # The transposed convolution is a convolution of the stride-dilated input with the
    # flipped kernel, its in/out channels swapped within each group.
    nd = input.ndim - 2
    cin, cout_g = weight.shape[:2]
    kernel = weight.shape[2:]
    w = weight.reshape((groups, cin // groups, cout_g) + kernel)
    w = jnp.swapaxes(w, 1, 2).reshape((groups * cout_g, cin // groups) + kernel)
    w = jnp.flip(w, axis=tuple(range(2, 2 + nd)))
    pads = [(d * (k - 1) - p, d * (k - 1) - p + op)
            for k, p, op, d in zip(kernel, padding, output_padding, dilation, strict=True)]
    out = lax.conv_general_dilated(input, w, window_strides=(1,) * nd, padding=pads,
                                   lhs_dilation=stride, rhs_dilation=dilation,
                                   dimension_numbers=_DIMS[nd], feature_group_count=groups)
    return out + bias.reshape((1, -1) + (1,) * nd)


# torch's convolution(transposed=True): the one ConvolutionBackward0 node of every conv.
_conv_transpose = JaxFunction(_conv_transpose_fwd, name="convolution_transposed",
                              node="ConvolutionBackward0", precision="conv")


def _conv_check(input, weight, nd, name, groups, transposed):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    unbatched = input.ndim == nd + 1
    shape = ([1] if unbatched else []) + list(input.shape)
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if shape[1] != expected:
        what = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {what}, weight of size {list(weight.shape)}, expected "
                           f"input{shape} to have {expected} channels, but got {shape[1]} "
                           f"channels instead")
    return input.unsqueeze(0) if unbatched else input, unbatched


@public(method=False, functional=True)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Matches `torch.nn.functional.conv3d` (numeric padding or 'valid'; 'same' for odd
    total padding is left out)."""
    x, unbatched = _conv_check(input, weight, 3, "conv3d", groups, False)
    stride, dilation = _tuple(stride, 3), _tuple(dilation, 3)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * 3
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:], strict=True)]
            if any(t % 2 for t in totals):
                raise NotImplementedError("tapegrad: conv3d padding='same' with an even "
                                          "total padding is not supported")
            pads = tuple((t // 2, t // 2) for t in totals)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        pads = tuple((p, p) for p in _tuple(padding, 3))
    if bias is None:
        bias = _const((weight.shape[0],), 0.0, weight)
    out = _nn.convolution(x, weight, bias, stride, pads, dilation, groups)
    return out.squeeze(0) if unbatched else out


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                       dilation, nd, name):
    x, unbatched = _conv_check(input, weight, nd, name, groups, True)
    stride, padding = _tuple(stride, nd), _tuple(padding, nd)
    output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation,
                                                   strict=True)):
        names = ("depth", "height", "width")[3 - max(nd, 2):]
        if nd == 1:  # (torch runs a 1-d transposed convolution as a 2-d one)
            output_padding, stride, dilation = ((0,) + output_padding, (1,) + stride,
                                                (1,) + dilation)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding, strict=True)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride, strict=True)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation, strict=True)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           "but got " + " ".join(parts))
    if bias is None:
        bias = _const((weight.shape[1] * groups,), 0.0, weight)
    out = _conv_transpose(x, weight, bias, stride=stride, padding=padding,
                          output_padding=output_padding, groups=int(groups), dilation=dilation)
    return out.squeeze(0) if unbatched else out


@public(method=False, functional=True)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Matches `torch.nn.functional.conv_transpose1d`."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 1, "conv_transpose1d")


@public(method=False, functional=True)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Matches `torch.nn.functional.conv_transpose2d`."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 2, "conv_transpose2d")


@public(method=False, functional=True)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Matches `torch.nn.functional.conv_transpose3d`."""
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups,
                              dilation, 3, "conv_transpose3d")


# ================================================================== interpolation
def _area_scale(in_size, out_size, align_corners, scale):
    # torch's area_pixel_compute_scale.
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else in_size / out_size


def _source_index(s, i, align_corners, cubic):
    # torch's area_pixel_compute_source_index.
    if align_corners:
        return s * i
    src = s * (i + 0.5) - 0.5
    return 0.0 if (not cubic and src < 0) else src


def _linear_matrix(in_size, out_size, align_corners, scale):
    s = _area_scale(in_size, out_size, align_corners, scale)
    m = np.zeros((out_size, in_size))
    for i in range(out_size):
        src = _source_index(s, i, align_corners, False)
        i0 = int(src)
        i1 = i0 + (1 if i0 < in_size - 1 else 0)
        l1 = min(max(src - i0, 0.0), 1.0)
        m[i, i0] += 1.0 - l1
        m[i, i1] += l1
    return m


def _cubic_matrix(in_size, out_size, align_corners, scale, a=-0.75):
    s = _area_scale(in_size, out_size, align_corners, scale)

    def cc1(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def cc2(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    m = np.zeros((out_size, in_size))
    for i in range(out_size):
        src = _source_index(s, i, align_corners, True)
        i0 = math.floor(src)
        t = src - i0
        for k, c in enumerate((cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t))):
            m[i, min(max(i0 - 1 + k, 0), in_size - 1)] += c
    return m


def _nearest_index(in_size, out_size, scale, exact):
    # torch's nearest_idx / nearest_neighbor_exact_compute_source_index, in float32.
    s = (np.float32(1.0 / scale) if scale is not None and scale > 0
         else np.float32(in_size) / np.float32(out_size))
    pos = np.arange(out_size, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    return np.minimum(np.floor(pos * s).astype(np.int64), in_size - 1)


def _separable(x, mats):
    nd = len(mats)
    for j, m in enumerate(mats):
        ax = x.ndim - nd + j
        y = jnp.tensordot(x, jnp.asarray(m, x.dtype), axes=([ax], [1]),
                          precision=lax.Precision.HIGHEST)
        x = jnp.moveaxis(y, -1, ax)
    return x


def _upsample_fwd(kind):
    def fwd(self, output_size, scales, align_corners):
        nd = len(output_size)
        sizes = self.shape[-nd:]
        if kind in ("nearest", "nearest-exact"):
            for j in range(nd):
                idx = _nearest_index(sizes[j], output_size[j], scales[j],
                                     kind == "nearest-exact")
                self = jnp.take(self, jnp.asarray(idx), axis=self.ndim - nd + j)
            return self
        make = _cubic_matrix if kind == "cubic" else _linear_matrix
        return _separable(self, [make(sizes[j], output_size[j], align_corners, scales[j])
                                 for j in range(nd)])

    return fwd


_UPSAMPLE = {}
for _mode, _kind, _nds, _node in (
        ("nearest", "nearest", (1, 2, 3), "UpsampleNearest{n}DBackward0"),
        ("nearest-exact", "nearest-exact", (1, 2, 3), "UpsampleNearestExact{n}DBackward0"),
        ("linear", "linear", (1,), "UpsampleLinear1DBackward0"),
        ("bilinear", "linear", (2,), "UpsampleBilinear2DBackward0"),
        ("trilinear", "linear", (3,), "UpsampleTrilinear3DBackward0"),
        ("bicubic", "cubic", (2,), "UpsampleBicubic2DBackward0")):
    for _n in _nds:
        _UPSAMPLE[_mode, _n] = JaxFunction(_upsample_fwd(_kind), name=f"upsample_{_mode}{_n}d",
                                           node=_node.format(n=_n))

_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


@public(**_F)
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Matches `torch.nn.functional.interpolate` (no antialias)."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(_errors.NNF_INTERP_SIZE.format(
                    spatial=list(input.shape[2:]), size=size))
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(_errors.NNF_INTERP_SCALE.format(
                    spatial=list(input.shape[2:]), scale=scale_factor))
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias:
        raise NotImplementedError("tapegrad: interpolate(antialias=True) is not supported")
    if input.ndim in (3, 4, 5):
        if mode in _NEEDS and input.ndim != _NEEDS[mode]:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                      f"{_NEEDS[mode]}D input")
        if output_size is None:
            output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        if mode == "area":
            return (adaptive_avg_pool1d, _adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](
                input, output_size)
        if (mode, dim) in _UPSAMPLE:
            scales = tuple(scale_factors) if scale_factors is not None else (None,) * dim
            return _UPSAMPLE[mode, dim](input, output_size=tuple(output_size), scales=scales,
                                        align_corners=bool(align_corners))
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
        "modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
        f"nearest-exact (got {mode})")


@public(**_F)
def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Matches `torch.nn.functional.upsample` (deprecated: interpolate, with its warning)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=user_stacklevel())
    return interpolate(input, size, scale_factor, mode, align_corners)


@public(**_F)
def upsample_nearest(input, size=None, scale_factor=None):
    """Matches `torch.nn.functional.upsample_nearest` (deprecated)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=user_stacklevel())
    return interpolate(input, size, scale_factor, mode="nearest")


@public(**_F)
def upsample_bilinear(input, size=None, scale_factor=None):
    """Matches `torch.nn.functional.upsample_bilinear` (deprecated)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=user_stacklevel())
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ================================================================== pooling
def _adaptive_ranges(size, out):
    # torch: window i covers [floor(i*size/out), ceil((i+1)*size/out)).
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _adaptive_avg_fwd(self, output_size):
    nd = len(output_size)
    mats = []
    for j in range(nd):
        size = self.shape[self.ndim - nd + j]
        m = np.zeros((output_size[j], size))
        for i, (a, b) in enumerate(_adaptive_ranges(size, output_size[j])):
            m[i, a:b] = 1.0 / (b - a)
        mats.append(m)
    return _separable(self, mats)


_adaptive_avg_pool3d = JaxFunction(_adaptive_avg_fwd, name="adaptive_avg_pool3d",
                                   node="AdaptiveAvgPool3DBackward0")


def _out_size(output_size, input, nd):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    return tuple(input.shape[input.ndim - nd + i] if s is None else int(s)
                 for i, s in enumerate(sizes))


def _adaptive_avg_pool2d(input, output_size):
    # F.adaptive_avg_pool2d (nn.functional's), for interpolate's area mode.
    if input.ndim not in (3, 4):
        raise RuntimeError("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{list(input.shape)}")
    size = _out_size(output_size, input, 2)
    if size == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    return _nn.adaptive_avg_pool2d(input, size)


def _rank_check_1d(input, name):
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional "
                           f"tensor for argument #1 'self' (while checking arguments for "
                           f"{name})")


@public(method=False, functional=True)
def adaptive_avg_pool1d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool1d` (2-d pooling of input.unsqueeze(-2))."""
    _rank_check_1d(input, "adaptive_avg_pool1d")
    out = _out_size(output_size, input, 1)
    return _adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + out).squeeze(-2)


@public(**_F)
def adaptive_avg_pool3d(input, output_size):
    """Matches `torch.nn.functional.adaptive_avg_pool3d` (a 1x1x1 output is a mean)."""
    if input.ndim not in (4, 5):
        raise RuntimeError("adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{list(input.shape)}")
    size = _out_size(output_size, input, 3)
    if size == (1, 1, 1):
        return input.mean((-1, -2, -3), keepdim=True)
    return _adaptive_avg_pool3d(input, output_size=size)


def _gather_windows(self, windows, nd):
    """(values, flat indices) of the windows (out..., k) over the last nd dims; -1 is
    padding (a -inf slot)."""
    lead = self.shape[:-nd]
    n = int(np.prod(self.shape[-nd:]))
    flat = self.reshape(lead + (n,))
    flat = jnp.concatenate([flat, jnp.full(lead + (1,), -jnp.inf, self.dtype)], axis=-1)
    w = np.where(windows >= 0, windows, n)
    values = flat[..., w]
    arg = jnp.argmax(jnp.where(jnp.isnan(values), jnp.inf, values), axis=-1)
    result = jnp.take_along_axis(values, arg[..., None], axis=-1)[..., 0]
    idx = jnp.take_along_axis(jnp.broadcast_to(jnp.asarray(w), values.shape), arg[..., None],
                              axis=-1)[..., 0]
    return result, idx.astype(jnp.int64)


def _combine_windows(per_dim, sizes):
    """Per-dim (out_j, k_j) positions (-1: padding) -> (out..., prod k) flat positions."""
    nd = len(per_dim)
    flat = np.zeros([1] * (2 * nd), np.int64)
    valid = np.ones([1] * (2 * nd), bool)
    stride = 1
    for j in range(nd - 1, -1, -1):
        pos = per_dim[j]
        shape = [1] * (2 * nd)
        shape[j], shape[nd + j] = pos.shape
        p = pos.reshape(shape)
        flat = flat + np.where(p >= 0, p, 0) * stride
        valid = valid & (p >= 0)
        stride *= sizes[j]
    out_shape = tuple(p.shape[0] for p in per_dim)
    full = np.broadcast_to(np.where(valid, flat, -1),
                           out_shape + tuple(p.shape[1] for p in per_dim))
    return full.reshape(out_shape + (-1,))


def _window_positions(size, kernel, stride, pad, dilation, ceil_mode):
    out = _nn.pool_output_size(size, kernel, stride, pad, dilation, ceil_mode)
    pos = np.arange(out)[:, None] * stride - pad + np.arange(kernel)[None, :] * dilation
    return np.where((pos >= 0) & (pos < size), pos, -1)


def _max_pool_nd_fwd(self, kernel_size, stride, padding, dilation, ceil_mode):
    nd = len(kernel_size)
    sizes = self.shape[-nd:]
    windows = _combine_windows([_window_positions(sizes[j], kernel_size[j], stride[j],
                                                  padding[j], dilation[j], ceil_mode)
                                for j in range(nd)], sizes)
    return _gather_windows(self, windows, nd)


_max_pool3d = JaxFunction(_max_pool_nd_fwd, name="max_pool3d_with_indices",
                          node="MaxPool3DWithIndicesBackward0")


def _pool_params(kernel_size, stride, padding, dilation, nd):
    kernel = _tuple(kernel_size, nd)
    stride = kernel if stride is None or stride == [] or stride == () else _tuple(stride, nd)
    return kernel, stride, _tuple(padding, nd), _tuple(dilation, nd)


@public(method=False, functional=True)
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool1d_with_indices` (2-d pooling of
    input.unsqueeze(-2))."""
    if input.ndim not in (2, 3):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(input.shape)}")
    k, s, p, d = _pool_params(kernel_size, stride, padding, dilation, 1)
    if p[0] > k[0] // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p[0]} and kernel_size={k[0]}")
    out, idx = _nn.max_pool2d_with_indices(input.unsqueeze(-2), (1,) + k, (1,) + s, (0,) + p,
                                           (1,) + d, bool(ceil_mode))
    return out.squeeze(-2), idx.squeeze(-2)


@public(**_NNF)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Matches `torch.nn.functional.max_pool1d`."""
    out, idx = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


@public(**_F)
def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool3d_with_indices`."""
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    k, s, p, d = _pool_params(kernel_size, stride, padding, dilation, 3)
    for pp, kk in zip(p, k, strict=True):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={d[0]}")
    return _max_pool3d(input, kernel_size=k, stride=s, padding=p, dilation=d,
                       ceil_mode=bool(ceil_mode))


@public(**_NNF)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Matches `torch.nn.functional.max_pool3d`."""
    out, idx = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


@public(**_F)
def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """Matches `torch.nn.functional.max_pool2d_with_indices`."""
    if input.ndim not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k, s, p, d = _pool_params(kernel_size, stride, padding, dilation, 2)
    for pp, kk in zip(p, k, strict=True):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={d[0]}")
    return _nn.max_pool2d_with_indices(input, k, s, p, d, bool(ceil_mode))


def _avg_pool_nd_fwd(self, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override):
    nd = len(kernel_size)
    sizes = self.shape[-nd:]
    mats, counts = [], []
    for j in range(nd):
        pos = _window_positions(sizes[j], kernel_size[j], stride[j], padding[j], 1, ceil_mode)
        m = np.zeros((pos.shape[0], sizes[j]))
        for i, r in enumerate(pos):
            m[i, r[r >= 0]] = 1
        mats.append(m)
        start = np.arange(pos.shape[0]) * stride[j] - padding[j]
        end = np.minimum(start + kernel_size[j], sizes[j] + padding[j])
        counts.append(end - start if count_include_pad
                      else np.minimum(end, sizes[j]) - np.maximum(start, 0))
    summed = _separable(self, mats)
    if divisor_override:
        return summed / divisor_override
    total = counts[0]
    for c in counts[1:]:
        total = np.multiply.outer(total, c)
    return summed / jnp.asarray(total, self.dtype)


_avg_pool3d = JaxFunction(_avg_pool_nd_fwd, name="avg_pool3d", node="AvgPool3DBackward0")


@public(method=False, functional=True)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Matches `torch.nn.functional.avg_pool1d` (2-d pooling of input.unsqueeze(-2))."""
    _rank_check_1d(input, "avg_pool1d")
    k, s, p, _ = _pool_params(kernel_size, stride, padding, 1, 1)
    if p[0] > k[0] // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={p[0]}, kernel_size={k[0]} and dilation=1")
    return _nn.avg_pool2d(input.unsqueeze(-2), (1,) + k, (1,) + s, (0,) + p, bool(ceil_mode),
                          bool(count_include_pad), None).squeeze(-2)


@public(**_F)
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Matches `torch.nn.functional.avg_pool3d`."""
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    k, s, p, _ = _pool_params(kernel_size, stride, padding, 1, 3)
    for pp, kk in zip(p, k, strict=True):
        if pp > kk // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation=1")
    return _avg_pool3d(input, kernel_size=k, stride=s, padding=p, ceil_mode=bool(ceil_mode),
                       count_include_pad=bool(count_include_pad),
                       divisor_override=divisor_override)


def _adaptive_max_fwd(self, output_size):
    nd = len(output_size)
    sizes = self.shape[-nd:]
    per_dim = []
    for j in range(nd):
        ranges = _adaptive_ranges(sizes[j], output_size[j])
        k = max(b - a for a, b in ranges)
        pos = -np.ones((output_size[j], k), np.int64)
        for i, (a, b) in enumerate(ranges):
            pos[i, :b - a] = np.arange(a, b)
        per_dim.append(pos)
    return _gather_windows(self, _combine_windows(per_dim, sizes), nd)


_ADAPTIVE_MAX = {n: JaxFunction(_adaptive_max_fwd, name=f"adaptive_max_pool{n}d",
                                node=f"AdaptiveMaxPool{n}DBackward0") for n in (2, 3)}


@public(**_F)
def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool1d_with_indices`."""
    _rank_check_1d(input, "adaptive_max_pool1d")
    out, idx = _ADAPTIVE_MAX[2](input.unsqueeze(-2),
                                output_size=(1,) + _out_size(output_size, input, 1))
    return out.squeeze(-2), idx.squeeze(-2)


@public(**_NNF)
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool1d`."""
    out, idx = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def _adaptive_max_nd(input, output_size, nd):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"adaptive_max_pool{nd}d(): Expected {nd + 1}D or {nd + 2}D tensor, "
                           f"but got: {list(input.shape)}")
    return _ADAPTIVE_MAX[nd](input, output_size=_out_size(output_size, input, nd))


@public(**_F)
def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool2d_with_indices`."""
    return _adaptive_max_nd(input, output_size, 2)


@public(**_F)
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool2d`."""
    out, idx = _adaptive_max_nd(input, output_size, 2)
    return (out, idx) if return_indices else out


@public(**_F)
def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool3d_with_indices`."""
    return _adaptive_max_nd(input, output_size, 3)


@public(**_F)
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Matches `torch.nn.functional.adaptive_max_pool3d`."""
    out, idx = _adaptive_max_nd(input, output_size, 3)
    return (out, idx) if return_indices else out


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, nd):
    k = _tuple(kernel_size, nd)
    s = k if stride is None else _tuple(stride, nd)
    x = input.pow(norm_type)
    if nd == 1:
        out = avg_pool1d(x, k, s, 0, ceil_mode)
    elif nd == 2:
        if x.ndim not in (3, 4):
            raise RuntimeError(f"avg_pool2d: Expected 3D or 4D tensor, but got: "
                               f"{list(x.shape)}")
        out = _nn.avg_pool2d(x, k, s, (0, 0), bool(ceil_mode), True, None)
    else:
        out = avg_pool3d(x, k, s, 0, ceil_mode)
    return (out.sign() * _pw.relu(out.abs())).mul(int(np.prod(k))).pow(1.0 / norm_type)


@public(**_F)
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Matches `torch.nn.functional.lp_pool1d`."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


@public(**_F)
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Matches `torch.nn.functional.lp_pool2d`."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


@public(**_F)
def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Matches `torch.nn.functional.lp_pool3d`."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)


# ================================================================== torch.<name> forms
# ATen's signatures: no `return_indices` (adaptive_max_pool1d returns both, always).
@public(name="max_pool1d", method=False)
@_aten("max_pool1d")
def _max_pool1d_aten(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Matches `torch.max_pool1d`."""
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


@public(name="max_pool2d", method=False)
@_aten("max_pool2d")
def _max_pool2d_aten(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Matches `torch.max_pool2d` (MaxPool2DWithIndicesBackward0)."""
    return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


@public(name="max_pool3d", method=False)
@_aten("max_pool3d")
def _max_pool3d_aten(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """Matches `torch.max_pool3d` (MaxPool3DWithIndicesBackward0)."""
    return max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


@public(name="adaptive_max_pool1d", method=False)
@_aten("adaptive_max_pool1d")
def _adaptive_max_pool1d_aten(input, output_size):
    """Matches `torch.adaptive_max_pool1d`: (values, indices)."""
    return adaptive_max_pool1d_with_indices(input, output_size)
