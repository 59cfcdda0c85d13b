"""Activations with torch's nodes (`HardtanhBackward0`, `GluBackward0`, ...) or composites."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _checks, _errors
from ... import random as _random
from ..._grad_mode import no_grad
from .. import pointwise as _pw
from .._op import Op
from .._registry import public
from ..reduction import softmax as _softmax
from ..shape import cat as _cat
from ..views import inplace as _inplace
from ._common import _F, _aten, _const, _float_only, _tuple  # noqa: F401

_NNF = dict(_F, namespace="nn.functional")  # where torch.<name> is declared too
from ..._checks import user_stacklevel


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


@public(functional=True)
def hardshrink(input, lambd=0.5):
    """Matches `torch.hardshrink` / `Tensor.hardshrink` / `torch.nn.functional.hardshrink`."""
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


@public(**_NNF)
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


@public(**_NNF)
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


@public(functional=True)
def prelu(input, weight):
    """Matches `torch.prelu` / `Tensor.prelu` / `torch.nn.functional.prelu` (_prelu_kernel)."""
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


@public(**_NNF)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Matches `torch.nn.functional.rrelu`. In training the negative slopes are drawn from
    tapegrad's generator (`tapegrad.manual_seed`), not torch's."""
    return _rrelu(input, lower, upper, training, inplace, None)


def _rrelu(input, lower, upper, training, inplace, generator):
    # ATen's rrelu: leaky_relu's kernel (and its dtype error) in evaluation.
    _float_only(input, "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    with no_grad():
        if training:
            slopes = _random.rand(*input.shape, dtype=input.dtype,
                                  generator=generator) * (upper - lower) + lower
            noise = slopes.where(input <= 0, _const((), 1.0, input))
        else:
            noise = _const(tuple(input.shape), 0.0, input)
    return (_rrelu_ if inplace else rrelu_op)(input, noise, lower, upper, bool(training))


def _softmax_dim(name: str, ndim: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=user_stacklevel())
    return 0 if ndim in (0, 1, 3) else 1


@public(**_F)
def softmin(input, dim=None, _stacklevel=user_stacklevel(), dtype=None):
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


@public(**_NNF)
def threshold(input, threshold, value, inplace=False):
    """Matches `torch.nn.functional.threshold`."""
    return (_threshold_ if inplace else threshold_op)(input, threshold, value)


# ================================================================== torch.<name> forms
# ATen's signatures: no `inplace`, Scalars where nn.functional has Python numbers. (The
# nn.functional forms are declared above under the `nn.functional` namespace.)
@public(name="selu", method=False)
@_aten("selu")
def _selu_aten(input):
    """Matches `torch.selu` (EluBackward0)."""
    return selu(input)


@public(name="celu", method=False)
@_aten("celu")
def _celu_aten(input, alpha=1.0):
    """Matches `torch.celu` (CeluBackward0)."""
    return celu(input, alpha)


@public(name="threshold", method=False)
@_aten("threshold")
def _threshold_aten(input, threshold, value):
    """Matches `torch.threshold` (ThresholdBackward0)."""
    return threshold_op(input, threshold, value)


@public(name="rrelu", method=False)
@_aten("rrelu")
def _rrelu_aten(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Matches `torch.rrelu`. In training the negative slopes are drawn from tapegrad's
    generator (`generator`, or the default one), not torch's."""
    return _rrelu(input, lower, upper, training, False, generator)
