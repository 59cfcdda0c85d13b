"""nn.functional ops beyond `nn_ops.py`: more activations, losses, transposed convolutions,
interpolation, recurrent cells. Declarations as in `nn_ops.py`; samples in tests/nn/nn_db.py
or tests/ops/op_db_nn.py.

Where torch shows a node of its own (`HardtanhBackward0`, `GluBackward0`, ...), the op is an
`Op` with the formula of derivatives.yaml written in tapegrad ops. Where torch composes ops
(`softsign`, `tanhshrink`, `softmin`, `margin_ranking_loss`, ...), the public function here
composes tapegrad ops in torch's order, so the graph is torch's. Layers whose backward is a
fixed linear map or a window search (transposed convolution, interpolation, 3-d pooling,
pixel shuffle, fold/unfold) are `JaxFunction`s under torch's node names: their backward is the
vjp of the forward (itself differentiable, with generic double-backward nodes).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import _checks, _errors
from .. import random as _random
from .._grad_mode import no_grad
from ..tensor import Tensor, from_jax
from . import nn_ops as _nn
from . import pointwise as _pw
from ._op import Op
from ._registry import public
from .from_jax import JaxFunction
from .reduction import softmax as _softmax
from .shape import cat as _cat
from .shape import pad as _pad
from .views import inplace as _inplace

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


# ================================================================== activations
def _hardtanh_fwd(self, min_val, max_val):
    return jnp.minimum(jnp.maximum(self, jnp.asarray(min_val, self.dtype)),
                       jnp.asarray(max_val, self.dtype))


hardtanh_op = Op("hardtanh", "HardtanhBackward0", _hardtanh_fwd,
                 static=("min_val", "max_val"), dtype_rule="keep",
                 derivatives={"self": lambda grad, self, min_val, max_val:
                              grad * ((self > min_val).logical_and(self < max_val))})
_hardtanh_ = _inplace(hardtanh_op, "hardtanh_")


@public(**_F)
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Matches `torch.nn.functional.hardtanh`."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return (_hardtanh_ if inplace else hardtanh_op)(input, min_val, max_val)


@public(**_F)
def relu6(input, inplace=False):
    """Matches `torch.nn.functional.relu6` (hardtanh(0, 6): HardtanhBackward0)."""
    return (_hardtanh_ if inplace else hardtanh_op)(input, 0.0, 6.0)


# torch's kernel multiplies by the float constant 1.0f / 6.0f, in every dtype.
_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))
hardsigmoid_op = Op("hardsigmoid", "HardsigmoidBackward0",
                    lambda self: jnp.clip(self / 6 + 0.5, 0, 1).astype(self.dtype),
                    dtype_rule="keep",
                    derivatives={"self": lambda grad, self:
                                 grad * ((self > -3.0).logical_and(self < 3.0)) * _ONE_SIXTH})
_hardsigmoid_ = _inplace(hardsigmoid_op, "hardsigmoid_")


@public(**_F)
def hardsigmoid(input, inplace=False):
    """Matches `torch.nn.functional.hardsigmoid`."""
    _float_only(input, "hardsigmoid_cpu")
    return (_hardsigmoid_ if inplace else hardsigmoid_op)(input)


hardswish_op = Op("hardswish", "HardswishBackward0",
                  lambda self: (self * jnp.clip(self + 3, 0, 6) / 6).astype(self.dtype),
                  dtype_rule="keep",
                  derivatives={"self": lambda grad, self: grad.where(
                      self > 3.0, grad * (self / 3.0 + 0.5)).where(self >= -3.0, grad * 0)})
_hardswish_ = _inplace(hardswish_op, "hardswish_")


@public(**_F)
def hardswish(input, inplace=False):
    """Matches `torch.nn.functional.hardswish`."""
    _float_only(input, "hardswish_cpu")
    return (_hardswish_ if inplace else hardswish_op)(input)


def _shrink_mask(self, lambd):
    return (self < -lambd).logical_or(self > lambd)


hardshrink_op = Op("hardshrink", "HardshrinkBackward0",
                   lambda self, lambd: jnp.where((self >= -lambd) & (self <= lambd),
                                                 jnp.zeros_like(self), self),
                   static=("lambd",), defaults={"lambd": 0.5}, dtype_rule="keep",
                   derivatives={"self": lambda grad, self, lambd:
                                grad * _shrink_mask(self, lambd)})


@public(**_F)
def hardshrink(input, lambd=0.5):
    """Matches `torch.nn.functional.hardshrink`."""
    _float_only(input, "hardshrink_cpu")
    return hardshrink_op(input, lambd)


softshrink_op = Op("softshrink", "SoftshrinkBackward0",
                   lambda self, lambd: jnp.where(self > lambd, self - lambd, jnp.where(
                       self < -lambd, self + lambd, jnp.zeros_like(self))).astype(self.dtype),
                   static=("lambd",), defaults={"lambd": 0.5}, dtype_rule="keep",
                   derivatives={"self": lambda grad, self, lambd:
                                grad * _shrink_mask(self, lambd)})


@public(**_F)
def softshrink(input, lambd=0.5):
    """Matches `torch.nn.functional.softshrink`."""
    _float_only(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError(_errors.NNF_SOFTSHRINK_LAMBDA.format(
            max="3.40282e+38" if input.dtype.itemsize <= 4 else "1.79769e+308",
            dtype=input.dtype.scalar_name, lambd=f"{lambd:g}"))
    return softshrink_op(input, lambd)


def _mish_backward(grad, self):
    t = _pw.softplus(self).tanh()
    return grad * (t + self * self.sigmoid() * (1 - t * t))


mish_op = Op("mish", "MishBackward0",
             lambda self: self * jnp.tanh(jax.nn.softplus(self)), dtype_rule="keep",
             derivatives={"self": _mish_backward})
_mish_ = _inplace(mish_op, "mish_")


@public(**_F)
def mish(input, inplace=False):
    """Matches `torch.nn.functional.mish`."""
    _float_only(input, "mish_cpu")
    return (_mish_ if inplace else mish_op)(input)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_elu_result_ = _inplace(_pw.elu_result, "elu_")


@public(**_F)
def selu(input, inplace=False):
    """Matches `torch.nn.functional.selu` (elu with torch's constants: EluBackward0/1)."""
    _float_only(input, "elu_cpu")
    if inplace:
        return _elu_result_(input, _SELU_ALPHA, _SELU_SCALE, 1.0)
    return _pw.elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0)


def _elu_fwd(self, alpha, scale, input_scale):
    return jnp.where(self > 0, self * scale,
                     scale * alpha * (jnp.exp(self * input_scale) - 1)).astype(self.dtype)


# torch's celu backwards take input_scale = 1 / float(alpha) (alpha rounded to float32).
def _celu_inv(alpha):
    return 1.0 / float(np.float32(alpha))


celu_op = Op("celu", "CeluBackward0", lambda self, alpha: _elu_fwd(self, alpha, 1.0, 1 / alpha),
             static=("alpha",), dtype_rule="keep",
             derivatives={"self": lambda grad, self, alpha: grad.where(
                 self > 0, grad * _celu_inv(alpha) * alpha * (self * _celu_inv(alpha)).exp())})
celu_result_op = Op("celu_", "CeluBackward1",
                    lambda self, alpha: _elu_fwd(self, alpha, 1.0, 1 / alpha),
                    static=("alpha",), dtype_rule="keep",
                    derivatives={"self": lambda grad, result, alpha: grad.where(
                        result > 0, grad * _celu_inv(alpha) * (result + alpha))})
_celu_ = _inplace(celu_result_op, "celu_")


@public(**_F)
def celu(input, alpha=1.0, inplace=False):
    """Matches `torch.nn.functional.celu`."""
    _float_only(input, "elu_cpu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return (_celu_ if inplace else celu_op)(input, alpha)


def _glu_fwd(self, dim):
    a, b = jnp.split(self, 2, axis=dim)
    return a * jax.nn.sigmoid(b)


def _glu_backward(grad, self, dim):
    a, b = self.chunk(2, dim)
    sb = b.sigmoid()
    return _cat([grad * sb, grad * a * sb * (1 - sb)], dim)


glu_op = Op("glu", "GluBackward0", _glu_fwd, static=("dim",), dtype_rule="keep",
            derivatives={"self": _glu_backward})


@public(**_F)
def glu(input, dim=-1):
    """Matches `torch.nn.functional.glu`."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    # (dims= would make the table's dim tests look for a Tensor.glu torch lacks.)
    dim = _checks.wrap_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size "
                           f"{input.shape[dim]}")
    return glu_op(input, dim)


prelu_kernel = Op("_prelu_kernel", "PreluKernelBackward0",
                  lambda self, weight: jnp.where(self > 0, self, self * weight),
                  inputs=("self", "weight"),
                  derivatives={"self": lambda grad, self, weight: grad.where(
                      self > 0, grad * weight),
                      "weight": lambda grad, self: grad.where(self <= 0, grad * 0) * self})


@public(method=False, functional=True)
def prelu(input, weight):
    """Matches `torch.prelu` / `torch.nn.functional.prelu` (_prelu_kernel)."""
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if not (n == 1 or (input.ndim > 0 and n == channels)):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    if input.ndim == 0:
        weight = weight.view(())
    elif input.ndim >= 2:
        weight = weight.view((n,) + (1,) * (input.ndim - 2))
    return prelu_kernel(input, weight)


def _rrelu_backward(grad, self, noise, lower, upper, training):
    if training:
        return grad * noise
    return grad.where(self > 0, grad * ((lower + upper) / 2))


rrelu_op = Op("rrelu_with_noise", "RreluWithNoiseBackward0",
              lambda self, noise, lower, upper, training: self * noise if training
              else jnp.where(self > 0, self, self * ((lower + upper) / 2)),
              inputs=("self", "noise"), static=("lower", "upper", "training"),
              promote=("self",), derivatives={"self": _rrelu_backward})
rrelu_result_op = Op("rrelu_with_noise_", "RreluWithNoiseBackward1",
                     lambda self, noise, lower, upper, training: self * noise if training
                     else jnp.where(self > 0, self, self * ((lower + upper) / 2)),
                     inputs=("self", "noise"), static=("lower", "upper", "training"),
                     promote=("self",),
                     derivatives={"self": lambda grad, result, noise, lower, upper, training:
                                  _rrelu_backward(grad, result, noise, lower, upper, training)})
_rrelu_ = _inplace(rrelu_result_op, "rrelu_")


@public(**_F)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Matches `torch.nn.functional.rrelu`. In training the negative slopes are drawn from
    tapegrad's generator (`tapegrad.manual_seed`), not torch's."""
    _float_only(input, "rrelu_with_noise_out_cpu")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    with no_grad():
        if training:
            slopes = _random.rand(*input.shape, dtype=input.dtype) * (upper - lower) + lower
            noise = slopes.where(input <= 0, _const((), 1.0, input))
        else:
            noise = _const(tuple(input.shape), 0.0, input)
    return (_rrelu_ if inplace else rrelu_op)(input, noise, lower, upper, bool(training))


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


@public(**_F)
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """Matches `torch.nn.functional.softmin` (softmax of -input)."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    return _softmax(-input, dim, dtype)


@public(**_F)
def softsign(input):
    """Matches `torch.nn.functional.softsign`: input / (1 + |input|)."""
    return input / (input.abs() + 1)


@public(**_F)
def tanhshrink(input):
    """Matches `torch.nn.functional.tanhshrink`: input - tanh(input)."""
    return input - input.tanh()


threshold_op = Op("threshold", "ThresholdBackward0",
                  lambda self, threshold, value: jnp.where(
                      self > threshold, self, jnp.asarray(value).astype(self.dtype)),
                  static=("threshold", "value"), dtype_rule="keep",
                  derivatives={"self": lambda grad, self, threshold:
                               grad * (self > threshold)})
threshold_result_op = Op("threshold_", "ThresholdBackward1",
                         lambda self, threshold, value: jnp.where(
                             self > threshold, self, jnp.asarray(value).astype(self.dtype)),
                         static=("threshold", "value"), dtype_rule="keep",
                         # (torch saves the original self for threshold_'s formula.)
                         derivatives={"self": lambda grad, self, threshold:
                                      grad * (self > threshold)})
_threshold_ = _inplace(threshold_result_op, "threshold_")


@public(**_F)
def threshold(input, threshold, value, inplace=False):
    """Matches `torch.nn.functional.threshold`."""
    return (_threshold_ if inplace else threshold_op)(input, threshold, value)


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
                                   dimension_numbers=_DIMS[nd], feature_group_count=groups,
                                   precision=lax.Precision.HIGHEST)
    return out + bias.reshape((1, -1) + (1,) * nd)


# torch's convolution(transposed=True): the one ConvolutionBackward0 node of every conv.
_conv_transpose = JaxFunction(_conv_transpose_fwd, name="convolution_transposed",
                              node="ConvolutionBackward0")


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
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@public(**_F)
def upsample_nearest(input, size=None, scale_factor=None):
    """Matches `torch.nn.functional.upsample_nearest` (deprecated)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


@public(**_F)
def upsample_bilinear(input, size=None, scale_factor=None):
    """Matches `torch.nn.functional.upsample_bilinear` (deprecated)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
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


@public(**_F)
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


@public(**_F)
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


@public(**_F)
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


# ================================================================== shuffles, fold/unfold
def _pixel_shuffle_fwd(self, r):
    *lead, c, h, w = self.shape
    x = self.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    n = len(lead)
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def _pixel_unshuffle_fwd(self, r):
    *lead, c, h, w = self.shape
    x = self.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    n = len(lead)
    x = jnp.transpose(x, tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def _channel_shuffle_fwd(self, groups):
    n, c = self.shape[:2]
    rest = self.shape[2:]
    x = self.reshape((n, groups, c // groups) + rest)
    return jnp.swapaxes(x, 1, 2).reshape(self.shape)


_pixel_shuffle = JaxFunction(_pixel_shuffle_fwd, name="pixel_shuffle",
                             node="PixelShuffleBackward0")
_pixel_unshuffle = JaxFunction(_pixel_unshuffle_fwd, name="pixel_unshuffle",
                               node="PixelUnshuffleBackward0")
_channel_shuffle = JaxFunction(_channel_shuffle_fwd, name="channel_shuffle",
                               node="ChannelShuffleBackward0")


@public(method=False, functional=True)
def pixel_shuffle(input, upscale_factor):
    """Matches `torch.nn.functional.pixel_shuffle`."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    r = int(upscale_factor)
    if input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but "
                           f"input.size(-3)={input.shape[-3]} is not divisible by {r * r}")
    return _pixel_shuffle(input, r=r)


@public(method=False, functional=True)
def pixel_unshuffle(input, downscale_factor):
    """Matches `torch.nn.functional.pixel_unshuffle`."""
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    r = int(downscale_factor)
    for name, d in (("height", -2), ("width", -1)):
        if input.shape[d] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by "
                               f"downscale_factor, but input.size({d})={input.shape[d]} is not "
                               f"divisible by {r}")
    return _pixel_unshuffle(input, r=r)


@public(method=False, functional=True)
def channel_shuffle(input, groups):
    """Matches `torch.nn.functional.channel_shuffle`."""
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if input.shape[1] % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got "
                           f"{input.shape[1]} channels and {groups} groups.")
    return _channel_shuffle(input, groups=int(groups))


def _im2col_index(size, kernel, dilation, padding, stride):
    """(C-independent) positions into the padded image: (kh*kw, L) flat indices."""
    blocks = [(size[j] + 2 * padding[j] - dilation[j] * (kernel[j] - 1) - 1) // stride[j] + 1
              for j in range(2)]
    ph, pw = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    ki = np.arange(kernel[0])[:, None] * dilation[0]
    kj = np.arange(kernel[1])[None, :] * dilation[1]
    bi = np.arange(blocks[0])[:, None] * stride[0]
    bj = np.arange(blocks[1])[None, :] * stride[1]
    rows = (ki.reshape(-1, 1, 1, 1) + np.zeros_like(kj).reshape(1, -1, 1, 1)
            + bi.reshape(1, 1, -1, 1))
    cols = (kj.reshape(1, -1, 1, 1) + bj.reshape(1, 1, 1, -1))
    flat = rows * pw + cols
    return flat.reshape(kernel[0] * kernel[1], blocks[0] * blocks[1]), blocks, (ph, pw)


def _unfold_fwd(self, kernel_size, dilation, padding, stride):
    n, c, h, w = self.shape
    idx, _, (ph, pw) = _im2col_index((h, w), kernel_size, dilation, padding, stride)
    x = jnp.pad(self, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    cols = x.reshape(n, c, ph * pw)[:, :, idx]  # (n, c, k, L)
    return cols.reshape(n, c * idx.shape[0], idx.shape[1])


def _fold_fwd(self, output_size, kernel_size, dilation, padding, stride):
    n = self.shape[0]
    idx, _, (ph, pw) = _im2col_index(output_size, kernel_size, dilation, padding, stride)
    c = self.shape[1] // idx.shape[0]
    cols = self.reshape(n, c, idx.shape[0], idx.shape[1])
    out = jnp.zeros((n, c, ph * pw), self.dtype).at[:, :, idx].add(cols)
    out = out.reshape(n, c, ph, pw)
    return out[:, :, padding[0]:padding[0] + output_size[0],
               padding[1]:padding[1] + output_size[1]]


_unfold = JaxFunction(_unfold_fwd, name="im2col", node="Im2ColBackward0")
_fold = JaxFunction(_fold_fwd, name="col2im", node="Col2ImBackward0")


@public(**_F)
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Matches `torch.nn.functional.unfold` (im2col; 3-d unbatched or 4-d input)."""
    if 0 < input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {input.ndim})")
    if input.ndim not in (3, 4):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           "and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out = _unfold(x, kernel_size=_tuple(kernel_size, 2), dilation=_tuple(dilation, 2),
                  padding=_tuple(padding, 2), stride=_tuple(stride, 2))
    return out.squeeze(0) if unbatched else out


@public(**_F)
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Matches `torch.nn.functional.fold` (col2im; 2-d unbatched or 3-d input)."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           "batch size and non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    out_size, k = _tuple(output_size, 2), _tuple(kernel_size, 2)
    d, p, s = _tuple(dilation, 2), _tuple(padding, 2), _tuple(stride, 2)
    x = input.unsqueeze(0) if input.ndim == 2 else input
    kk = k[0] * k[1]
    if x.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size={k}.")
    blocks = [(out_size[j] + 2 * p[j] - d[j] * (k[j] - 1) - 1) // s[j] + 1 for j in range(2)]
    if x.shape[2] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size={out_size}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={x.shape[2]}.")
    out = _fold(x, output_size=out_size, kernel_size=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if input.ndim == 2 else out


# ================================================================== losses, distances, norms
# ATen's Scalar overloads inside composites: `t + 0.5` is add.Scalar (AddBackward1) there.
add_scalar = Op("_add_scalar", "AddBackward1", lambda self, other: self + other,
                static=("other",), dtype_rule="keep", derivatives={"self": lambda grad: grad})
sub_scalar = Op("_sub_scalar", "SubBackward1", lambda self, other: self - other,
                static=("other",), dtype_rule="keep", derivatives={"self": lambda grad: grad})


def _norm_fwd(self, p, dim, keepdim):
    a = jnp.abs(self)
    if p == 2:
        return jnp.sqrt(jnp.sum(a * a, axis=dim, keepdims=keepdim))
    if p == 1:
        return jnp.sum(a, axis=dim, keepdims=keepdim)
    return jnp.sum(a ** p, axis=dim, keepdims=keepdim) ** (1.0 / p)


def _norm_backward(grad, self, p, result, dim, keepdim):
    # torch's norm_backward for a finite p > 0.
    if not keepdim:
        grad = grad.unsqueeze(dim)
        result = result.unsqueeze(dim)
    if p == 1:
        return self.sgn() * grad
    if p == 2:
        return self * (grad / result).masked_fill(result == 0, 0)
    return (self * self.abs().pow(p - 2) * grad / result.pow(p - 1)).masked_fill(result == 0, 0)


# norm.ScalarOpt_dim (pairwise_distance's norm): NormBackward1.
norm_dim = Op("_norm_dim", "NormBackward1", _norm_fwd, static=("p", "dim", "keepdim"),
              dtype_rule="keep", derivatives={"self": _norm_backward})


def _reduction_enum(reduction):
    if reduction not in _nn.REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _nn.REDUCTIONS[reduction]


def _legacy(size_average, reduce, reduction):
    # torch's _Reduction.legacy_get_string (with its deprecation warning).
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _apply_reduction(loss, reduction):
    # ATen's apply_loss_reduction.
    r = _reduction_enum(reduction)
    return loss.mean() if r == 1 else loss.sum() if r == 2 else loss


def _soft_margin_fwd(self, target, reduction):
    return _nn._reduce(jnp.log1p(jnp.exp(-target * self)), reduction)


soft_margin_loss_op = _nn._op("soft_margin_loss", "SoftMarginLossBackward0", _soft_margin_fwd,
                              ("self", "target"), ("self",), ("reduction",),
                              promote=("self", "target"))


@public(**_F)
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.soft_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    return soft_margin_loss_op(input, target, _reduction_enum(reduction))


def _multi_margin_fwd(self, target, weight, p, margin, reduction):
    x = self if self.ndim == 2 else self.reshape(1, -1)
    t = target.reshape(-1)
    picked = jnp.take_along_axis(x, t[:, None], axis=1)
    z = jnp.maximum(margin - picked + x, 0)
    if p == 2:
        z = z * z
    z = z * weight[t][:, None]
    z = jnp.where(jnp.arange(x.shape[1])[None, :] == t[:, None], 0, z)
    loss = jnp.sum(z, axis=1) / x.shape[1]
    if self.ndim < 2 and reduction == 0:
        loss = loss.reshape(())
    return _nn._reduce(loss, reduction)


multi_margin_loss_op = _nn._op("multi_margin_loss", "MultiMarginLossBackward0",
                               _multi_margin_fwd, ("self", "target", "weight"), ("self",),
                               ("p", "margin", "reduction"), promote=("self", "weight"))


@public(**_F)
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.multi_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    dim = input.ndim
    n_classes = input.shape[-1] if dim else 1
    if not (dim <= 1 and target.numel() == 1) and not (dim == 2 and input.shape[0] != 0
                                                       and target.ndim <= 1
                                                       and target.numel() == input.shape[0]):
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{input.shape[0] if dim == 2 else 1}], but got "
                           f"{list(target.shape)}. Input has shape {list(input.shape)}.")
    w = weight if weight is not None else _const((n_classes,), 1.0, input)
    return multi_margin_loss_op(input if dim else input.reshape(1), target, w, int(p),
                                float(margin), _reduction_enum(reduction))


def _multilabel_margin_fwd(self, target, reduction):
    x = self if self.ndim == 2 else self.reshape(1, -1)
    t = target.reshape(x.shape)
    c = x.shape[1]
    valid = jnp.cumprod(t != -1, axis=1).astype(bool)
    is_target = jnp.any((t[:, :, None] == jnp.arange(c)[None, None, :]) & valid[:, :, None],
                        axis=1)  # (n, c)
    tgt = jnp.where(valid, t, 0)
    xj = jnp.take_along_axis(x, tgt, axis=1)  # (n, c) the target entries
    z = jnp.maximum(1 - xj[:, :, None] + x[:, None, :], 0)  # (n, j, k)
    z = z * valid[:, :, None] * (~is_target)[:, None, :]
    loss = jnp.sum(z, axis=(1, 2)) / c
    if self.ndim < 2 and reduction == 0:
        loss = loss.reshape(())
    return _nn._reduce(loss, reduction)


multilabel_margin_loss_op = _nn._op("multilabel_margin_loss", "MultilabelMarginLossBackward0",
                                    _multilabel_margin_fwd, ("self", "target"), ("self",),
                                    ("reduction",), promote=("self",))


@public(**_F)
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.multilabel_margin_loss`."""
    reduction = _legacy(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    return multilabel_margin_loss_op(input, target, _reduction_enum(reduction))


@public(**_F)
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """Matches `torch.nn.functional.margin_ranking_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    out = add_scalar(-target * (input1 - input2), margin)
    return _apply_reduction(out.clamp_min_(0), reduction)


@public(**_F)
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """Matches `torch.nn.functional.hinge_embedding_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    zeros = _const(tuple(input.shape), 0.0, input)
    margin_clamp = (_const((), margin, input) - input).clamp_min_(0)
    output_margin = margin_clamp.where(target != 1, zeros)
    output_self = input.where(target != -1, zeros)
    return _apply_reduction(output_margin + output_self, reduction)


@public(**_F)
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """Matches `torch.nn.functional.cosine_embedding_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    d = target.ndim
    eps = 1e-12
    prod_sum = (input1 * input2).sum(d)
    mag1 = add_scalar((input1 * input1).sum(d), eps)
    mag2 = add_scalar((input2 * input2).sum(d), eps)
    denom = (mag1 * mag2).sqrt_()
    cos = prod_sum / denom
    zeros = _const(tuple(cos.shape), 0.0, cos)
    pos = _const((), 1.0, cos) - cos
    neg = sub_scalar(cos, margin).clamp_min_(0)
    output = pos.where(target == 1, zeros) + neg.where(target == -1, zeros)
    return _apply_reduction(output, reduction)


@public(method=False, functional=True)
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """Matches `torch.nn.functional.pairwise_distance` (norm(x1 - x2 + eps, p, -1))."""
    if p == float("inf") or p <= 0:
        raise NotImplementedError("tapegrad: pairwise_distance with p <= 0 or inf is not "
                                  "supported")
    out_dim = max(x1.ndim, x2.ndim)
    return norm_dim(add_scalar(x1 - x2, eps), float(p), max(out_dim - 1, 0), bool(keepdim))


@public(**_F)
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.triplet_margin_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _apply_reduction((add_scalar(d_pos, margin) - d_neg).clamp_min(0), reduction)


@public(**_F)
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Matches `torch.nn.functional.triplet_margin_with_distance_loss`."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pos == neg):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    loss = (margin + d_pos - d_neg).clamp_min(0)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@public(**_F)
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Matches `torch.nn.functional.poisson_nll_loss` (ATen's composite)."""
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_scalar(input, eps).log()
    if full:
        stirling = (target * target.log() - target
                    + _pw.mul_scalar(_pw.mul_scalar(target, 2 * math.pi).log(), 0.5))
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, reduction)


@public(**_F)
def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Matches `torch.nn.functional.gaussian_nll_loss`."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _const(tuple(input.shape), 1.0, input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.size(), var.size(), strict=True) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@public(**_F)
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Matches `torch.nn.functional.multilabel_soft_margin_loss`."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    loss = -(target * _pw.logsigmoid(input) + (1 - target) * _pw.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


@public(method=False, functional=True)
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Matches `torch.nn.functional.cosine_similarity` (norms cloned and clamped without
    grad, as ATen's)."""
    if x1.shape != x2.shape:
        shape = _broadcast(x1, x2)  # ATen's expand_outplace: both expanded
        x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _broadcast(a, b):
    return tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))


@public(**_F)
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """Matches `torch.nn.functional.normalize`."""
    if out is not None:
        raise NotImplementedError("tapegrad: normalize(out=) is not supported")
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


@public(method=False, functional=True)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Matches `torch.nn.functional.rms_norm` (CPU composite)."""
    shape = (tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list))
             else (int(normalized_shape),))
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{', '.join(str(s) for s in shape)}], but got input of size"
            f"{list(input.shape)}")
    if eps is None:
        eps = float(np.finfo(input.dtype.np).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * add_scalar(input.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    return out * weight if weight is not None else out


@public(method=False, functional=True)
def pdist(input, p=2):
    """Matches `torch.nn.functional.pdist` (PdistBackward0)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return _pdist(input, p=float(p))


def _pdist_fwd(self, p):
    n = self.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = jnp.abs(self[i] - self[j])
    if p == 2:
        return jnp.sqrt(jnp.sum(diff * diff, axis=-1))
    if p == 1:
        return jnp.sum(diff, axis=-1)
    return jnp.sum(diff ** p, axis=-1) ** (1.0 / p)


_pdist = JaxFunction(_pdist_fwd, name="pdist", node="PdistBackward0")


@public(**_F)
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Matches `torch.nn.functional.local_response_norm`."""
    dim = input.ndim
    if dim < 3:
        raise ValueError(_errors.NNF_LRN_DIM.format(dim=dim))
    if input.numel() == 0:
        return input
    div = input.mul(input)
    if dim == 3:
        div = div.unsqueeze(1)
        div = _pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = _nn.avg_pool2d(div, (size, 1), (1, 1), (0, 0), False, True, None).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = _pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div


@public(**_F)
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Matches `torch.nn.functional.instance_norm` (ATen's: batch norm over (1, N*C, ...),
    weight and bias repeated N times; running stats updated with the batch's average)."""
    if use_input_stats:
        size = tuple(input.shape)
        spatial = 1
        for s in size[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {input.size()}")
    b, c = input.shape[:2]
    shape = (1, b * c) + tuple(input.shape[2:])
    w = weight.repeat(b) if weight is not None else _const((b * c,), 1.0, input)
    bb = bias.repeat(b) if bias is not None else _const((b * c,), 0.0, input)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    rm = (running_mean.detach().repeat(b) if running_mean is not None
          else _const((b * c,), 0.0, input))
    rv = (running_var.detach().repeat(b) if running_var is not None
          else _const((b * c,), 1.0, input))
    out, mean, var = _nn.native_batch_norm(input.contiguous().view(shape), w, bb, rm, rv,
                                           bool(use_input_stats), float(momentum), float(eps))
    if use_input_stats and running_mean is not None and running_var is not None:
        count = input.numel() // (b * c)
        with no_grad():
            new_mean = (mean * momentum + rm * (1 - momentum)).view(b, c).mean(0)
            new_var = (var * (count / (count - 1)) * momentum
                       + rv * (1 - momentum)).view(b, c).mean(0)
            # ATen writes through an alias: a version bump, unlike batch_norm's kernel.
            running_mean.copy_(new_mean)
            running_var.copy_(new_var)
    return out.view(tuple(input.shape))


# ================================================================== unpooling, grids
def _max_unpool_fwd(self, indices, output_size):
    nd = len(output_size)
    lead = self.shape[:-nd]
    n = int(np.prod(output_size))
    flat = self.reshape(lead + (-1,))
    idx = indices.reshape(lead + (-1,))
    rows = jnp.arange(int(np.prod(lead)) if lead else 1).reshape(lead + (1,)) if lead else None
    out = jnp.zeros(lead + (n,), self.dtype)
    if lead:
        lead_idx = jnp.unravel_index(jnp.broadcast_to(rows, idx.shape), lead)
        out = out.at[lead_idx + (idx,)].set(flat)
    else:
        out = out.at[idx].set(flat)
    return out.reshape(lead + tuple(output_size))


_MAX_UNPOOL = {n: JaxFunction(_max_unpool_fwd, name=f"max_unpool{n}d",
                              node=f"MaxUnpool{n}DBackward0") for n in (2, 3)}


def _unpool_output_size(input, kernel, stride, padding, output_size):
    nd = len(kernel)
    default = [(input.shape[input.ndim - nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        ret = default
    else:
        output_size = list(output_size)
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                             f"elements, but it has a length of '{len(output_size)}'")
        for d in range(nd):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                                 f'{lo} and {hi})')
        ret = output_size
    for d in range(nd):
        if ret[d] < 0:
            raise RuntimeError(f"max_unpooling: output_size must contain non-negative spatial "
                               f"dimensions, but got output_size[{d}]={ret[d]}")
    return [int(r) for r in ret]


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, nd):
    k = _tuple(kernel_size, nd)
    s = k if stride is None else _tuple(stride, nd)
    p = _tuple(padding, nd)
    size = _unpool_output_size(input, k, s, p, output_size)
    if indices.dtype.is_floating_point:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{indices.dtype.scalar_name}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if nd == 1:
        out = _MAX_UNPOOL[2](input.unsqueeze(-1), indices.unsqueeze(-1),
                             output_size=tuple(size) + (1,))
        return out.squeeze(-1)
    return _MAX_UNPOOL[nd](input, indices, output_size=tuple(size))


@public(**_F)
def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool1d` (2-d unpooling of input.unsqueeze(-1))."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


@public(**_F)
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool2d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


@public(**_F)
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Matches `torch.nn.functional.max_unpool3d`."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3)


def _linspace_neg_one(n, align_corners, dtype):
    if n <= 1:
        return np.zeros((1,), dtype)
    r = np.linspace(-1.0, 1.0, n).astype(dtype)
    return r if align_corners else r * (n - 1) / n


def _affine_grid_fwd(theta, size, align_corners):
    dt = np.dtype(theta.dtype)
    if len(size) == 4:
        _, _, h, w = size
        base = np.ones((h, w, 3), dt)
        base[..., 0] = _linspace_neg_one(w, align_corners, dt)[None, :]
        base[..., 1] = _linspace_neg_one(h, align_corners, dt)[:, None]
        grid = jnp.einsum("pk,nck->npc", jnp.asarray(base.reshape(-1, 3)), theta,
                          precision=lax.Precision.HIGHEST)
        return grid.reshape(theta.shape[0], h, w, 2)
    _, _, d, h, w = size
    base = np.ones((d, h, w, 4), dt)
    base[..., 0] = _linspace_neg_one(w, align_corners, dt)[None, None, :]
    base[..., 1] = _linspace_neg_one(h, align_corners, dt)[None, :, None]
    base[..., 2] = _linspace_neg_one(d, align_corners, dt)[:, None, None]
    grid = jnp.einsum("pk,nck->npc", jnp.asarray(base.reshape(-1, 4)), theta,
                      precision=lax.Precision.HIGHEST)
    return grid.reshape(theta.shape[0], d, h, w, 3)


_affine_grid = JaxFunction(_affine_grid_fwd, name="affine_grid_generator",
                           node="AffineGridGeneratorBackward0")


@public(**_F)
def affine_grid(theta, size, align_corners=None):
    """Matches `torch.nn.functional.affine_grid`."""
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if "
                      "the old behavior is desired. See the documentation of grid_sample for "
                      "details.", stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    given, size = size, [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{given}. Got {theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {given}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {given}")
    return _affine_grid(theta, size=tuple(size), align_corners=bool(align_corners))


# ================================================================== random layers
def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p, train, inplace, feature, alpha):
    # ATen's _dropout_impl; masks from tapegrad's generator (`tapegrad.manual_seed`).
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = _const((), 0.0, input)
        return input.mul_(zero) if inplace else input * zero
    shape = (tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature
             else tuple(input.shape))
    with no_grad():
        noise = _random.bernoulli(_const(shape, 1 - p, input))
        if alpha:
            a_const = 1.7580993408473766
            a = 1.0 / math.sqrt((a_const * a_const * p + 1) * (1 - p))
            b = (noise - 1) * (a_const * a) + a_const * a * p
            noise = noise * a
        else:
            noise = noise / (1 - p)
    out = input.mul_(noise) if inplace else input * noise
    if alpha:
        return out.add_(b)
    return out


def _feature_dropout(input, p, training, inplace, lo, hi, name, warn_only):
    _check_p(p)
    nd = input.ndim
    if nd not in (lo, hi):
        if not warn_only:
            raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D "
                               "input. Note that dropout1d exists to provide channel-wise "
                               "dropout on inputs with 1 spatial dimension, a channel "
                               "dimension, and an optional batch dimension (i.e. 2D or 3D "
                               "inputs).")
        warnings.warn(_errors.NNF_DROPOUT_DIM.format(name=name, nd=nd, k=lo - 1, lo=lo, hi=hi),
                      stacklevel=3)
    batched = nd == hi or name == "dropout2d"
    x = input if batched else (input.unsqueeze_(0) if inplace else input.unsqueeze(0))
    out = _dropout_impl(x, p, training, inplace, True, False)
    if not batched:
        out = out.squeeze_(0) if inplace else out.squeeze(0)
    return out


@public(**_F)
def dropout1d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout1d` (channel masks from tapegrad's generator)."""
    return _feature_dropout(input, p, training, inplace, 2, 3, "dropout1d", False)


@public(**_F)
def dropout2d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout2d` (channel masks from tapegrad's generator)."""
    if input.ndim == 3:
        _check_p(p)
        warnings.warn(_errors.NNF_DROPOUT2D_3D, stacklevel=2)
    return _feature_dropout(input, p, training, inplace, 3, 4, "dropout2d", True)


@public(**_F)
def dropout3d(input, p=0.5, training=True, inplace=False):
    """Matches `torch.nn.functional.dropout3d` (channel masks from tapegrad's generator)."""
    return _feature_dropout(input, p, training, inplace, 4, 5, "dropout3d", True)


@public(**_F)
def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Matches `torch.nn.functional.alpha_dropout` (masks from tapegrad's generator)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


@public(**_F)
def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Matches `torch.nn.functional.feature_alpha_dropout` (masks from tapegrad's
    generator)."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)


@public(**_F)
def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Matches `torch.nn.functional.gumbel_softmax` (noise from tapegrad's generator)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    with no_grad():
        u = _random.rand(*logits.shape, dtype=logits.dtype)
        gumbels = -(-(1 - u).log()).log()
    y_soft = _softmax((logits + gumbels) / tau, dim)
    if hard:
        with no_grad():
            index = y_soft.argmax(dim, keepdim=True)
            y_hard = _const(tuple(logits.shape), 0.0, logits).scatter(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft
