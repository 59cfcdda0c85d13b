"""Elementwise ops: the table. Each entry reads like its derivatives.yaml line, plus its public
names (NOTE [Public surface] in `_registry.py`).

Formulas are tapegrad ops, so `create_graph=True` records torch's nodes for the backward.
Broadcast reduction and dtype casts of gradients happen once, in the engine's
`validate_grad`, never here. Long formulas live in `_backward_helpers.py`.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from .._compilation_cache import jit as _cc_jit
from .. import _checks, _device, _dtype, _errors
from .. import _grad_mode as grad_mode
from ..tensor import Tensor
from . import _backward_helpers as H
from ._op import Op
from ._registry import public
from ._to import move, parse_to
from .._storage import ViewStorage, is_contiguous_strides, strides_of, value_checkable
from . import views as _views
from .views import check_inplace, inplace
from .._checks import user_stacklevel

_binary = dict(inputs=("self", "other"), scalars=("other",))
_unary_float = dict(dtype_rule="float")
# Most pointwise ops are torch functions, methods and in-place methods alike.
_api = dict(inplace=True)


def _bool(dt):
    return _dtype.bool


def _conj(t):
    # torch's formulas conjugate f'(z) for complex inputs (NOTE in ops/complex_ops.py); for
    # real tensors and numbers this is the value itself (no node).
    if isinstance(t, Tensor):
        return t.conj() if t.dtype.is_complex else t
    return t.conjugate() if isinstance(t, complex) else t


def _maybe_multiply(t, alpha):
    # torch's maybe_multiply: skip the multiply when alpha is 1.
    return t if alpha == 1 else t * alpha


# ------------------------------------------------------------------ arithmetic
add = Op("add", "AddBackward0", lambda self, other, alpha: self + other * alpha
         if alpha != 1 else self + other, **_binary, static=("alpha",), defaults={"alpha": 1},
         **_api, dunders=("__add__", "__radd__"), inplace_dunders=("__iadd__",),
         derivatives={"self": lambda grad: grad,
                      "other": lambda grad, alpha: _maybe_multiply(grad, alpha)})
sub = Op("sub", "SubBackward0", lambda self, other, alpha: self - other * alpha
         if alpha != 1 else self - other, **_binary, static=("alpha",), defaults={"alpha": 1},
         **_api, aliases=("subtract",), dunders=("__sub__",), inplace_dunders=("__isub__",),
         derivatives={"self": lambda grad: grad,
                      "other": lambda grad, alpha: _maybe_multiply(-grad, alpha)})
# `2 - x` is torch.rsub(x, 2): a node of its own, RsubBackward1.
rsub_scalar = Op("rsub", "RsubBackward1", lambda self, other, alpha: other - self * alpha,
                 inputs=("self",), static=("other", "alpha"), defaults={"alpha": 1},
                 dtype_rule="keep",
                 derivatives={"self": lambda grad, alpha: _maybe_multiply(-grad, alpha)})
mul = Op("mul", "MulBackward0", lambda self, other: self * other, **_binary, **_api,
         aliases=("multiply",), dunders=("__mul__", "__rmul__"), inplace_dunders=("__imul__",),
         derivatives={"self": lambda grad, other: grad * _conj(other),
                      "other": lambda grad, self: grad * _conj(self)})
# mul.Scalar: what a formula's `exponent * tensor` is in ATen (MulBackward1, not 0).
mul_scalar = Op("_mul_scalar", "MulBackward1", lambda self, other: self * other,
                inputs=("self",), static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad, other: mul_scalar(grad, _conj(other))})
# `tensor / number` inside an ATen composite or formula is div.Scalar: DivBackward1 (Python's
# is DivBackward0).
div_scalar = Op("_div_scalar", "DivBackward1", lambda self, other: self / other,
                static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad, other: div_scalar(grad, other)})
# add.Scalar: a formula's `tensor + 1` (or `1 + tensor`) in ATen (AddBackward1).
add_scalar = Op("_add_scalar", "AddBackward1", lambda self, other: self + other,
                inputs=("self",), static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad: grad})
def one_minus(t):
    """A formula's `1 - tensor` in ATen: a filled tensor minus `t` (SubBackward0, whose first
    edge is None), not rsub (RsubBackward1)."""
    return sub(Tensor._make(jnp.ones((), t._storage.array.dtype)), t)


# sub.Scalar: a formula's `tensor - 1` in ATen (SubBackward1).
sub_scalar = Op("_sub_scalar", "SubBackward1", lambda self, other: self - other,
                inputs=("self",), static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad: grad})
div_op = Op("div", "DivBackward0", lambda self, other: self / other, **_binary,
            dtype_rule="float",
            derivatives={"self": lambda grad, other: grad / _conj(other),
                         "other": lambda grad, self, other:
                         -grad * _conj((self / other) / other)})
div_mode = Op("div", "DivBackward2",
              lambda self, other, rounding_mode: H.div_rounding(self, other, rounding_mode),
              **_binary, static=("rounding_mode",),
              derivatives={"self": lambda grad: H.zeros_like(grad),
                           "other": lambda grad: H.zeros_like(grad)})
neg = Op("neg", "NegBackward0", lambda self: -self, **_api, aliases=("negative",),
         dunders=("__neg__",), derivatives={"self": lambda grad: grad.neg()})
reciprocal = Op("reciprocal", "ReciprocalBackward0", lambda self: 1 / self, **_unary_float,
                **_api, derivatives={"self": lambda grad, result: -grad * _conj(result * result)})


def _pow_backward(grad, self, exponent):
    # torch: zeros when exponent == 0, else grad * (exponent * self.pow(exponent - 1)), where
    # `exponent * tensor` is mul.Scalar (MulBackward1).
    if exponent == 0:
        return H.zeros_like(self)
    return grad * _conj(mul_scalar(self.pow(exponent - 1), exponent))


def _pow_backward_self(grad, self, exponent):
    zero = H.zeros((), grad)
    # `exponent - 1` is sub.Scalar in ATen (SubBackward1).
    return where(exponent == 0.0, zero, grad * _conj(exponent * self.pow(sub_scalar(exponent, 1))))


def _pow_backward_exponent(grad, self, exponent, result):
    # torch: d/dexp of 0**exp is 0 where exp >= 0 (not nan from log(0)).
    cond = logical_and(self == 0, exponent >= 0)
    zero = H.zeros((), grad)
    return grad * _conj(where(cond, zero, result * self.log()))


pow_scalar = Op("pow", "PowBackward0", lambda self, exponent: H.pow_forward(self, exponent),
                static=("exponent",), dtype_rule=lambda dt: dt,
                derivatives={"self": lambda grad, self, exponent:
                             _pow_backward(grad, self, exponent)})
pow_tensor = Op("pow", "PowBackward1", lambda self, exponent: jnp.power(self, exponent),
                inputs=("self", "exponent"),
                derivatives={"self": lambda grad, self, exponent:
                             _pow_backward_self(grad, self, exponent),
                             "exponent": lambda grad, self, exponent, result:
                             _pow_backward_exponent(grad, self, exponent, result)})
# `2 ** x` is pow.Scalar: PowBackward2.
rpow_scalar = Op("pow", "PowBackward2", lambda exponent, self: jnp.power(self, exponent),
                 inputs=("exponent",), static=("self",), dtype_rule="float",
                 derivatives={"exponent": lambda grad, self, result:
                              grad * _conj(result * math.log(self)) if self != 0
                              else H.zeros_like(grad)})
fmod_scalar = Op("fmod", "FmodBackward0", lambda self, other: jnp.fmod(self, other),
                 static=("other",), dtype_rule="keep", derivatives={"self": lambda grad: grad})
fmod_tensor = Op("fmod", "FmodBackward1", lambda self, other: jnp.fmod(self, other),
                 **_binary, derivatives={
                     "self": lambda grad: grad,
                     "other": lambda grad, self, other: -grad * div_mode(self, other, "trunc")})
# torch's remainder is Python's modulo (the sign of the divisor), as jnp.remainder.
remainder_scalar = Op("remainder", "RemainderBackward0", lambda self, other: jnp.remainder(
    self, other), static=("other",), dtype_rule="keep", derivatives={"self": lambda grad: grad})
remainder_tensor = Op("remainder", "RemainderBackward1", lambda self, other: jnp.remainder(
    self, other), **_binary, derivatives={"self": lambda grad: grad,
                                          "other": lambda grad, self, other:
                                          -grad * div_mode(self, other, "floor")})
def _atan2_backward(grad, self, other, grad_input_mask):
    """torch's atan2_backward: one 1 / (self² + other²) (0 where that is inf, at the origin)
    shared by both gradients, so a double backward's graph is torch's."""
    recip = (self * self + other * other).reciprocal()
    recip = recip.masked_fill(recip.isinf(), 0)
    return (grad * other * recip if grad_input_mask[0] else None,
            grad * -self * recip if grad_input_mask[1] else None)


atan2 = Op("atan2", "Atan2Backward0", jnp.arctan2, **_binary, **_unary_float, **_api,
           aliases=("arctan2",), derivatives={("self", "other"): _atan2_backward})
def _minmax_backward(grad, self, other, masked):
    # torch: ties split the gradient evenly between both inputs (`grad / 2`: div.Scalar).
    return div_scalar(grad, 2).where(self == other, grad).masked_fill(masked, 0.0)


maximum = Op("maximum", "MaximumBackward0", jnp.maximum, grad_version=1, inputs=("self", "other"),
             public=True,
             derivatives={"self": lambda grad, self, other: _minmax_backward(grad, self, other,
                                                                              self < other),
                          "other": lambda grad, self, other: _minmax_backward(grad, self, other,
                                                                               self > other)})
minimum = Op("minimum", "MinimumBackward0", jnp.minimum, grad_version=1, inputs=("self", "other"),
             public=True,
             derivatives={"self": lambda grad, self, other: _minmax_backward(grad, self, other,
                                                                              self > other),
                          "other": lambda grad, self, other: _minmax_backward(grad, self, other,
                                                                               self < other)})
lerp_scalar = Op("lerp", "LerpBackward0",
                 lambda self, end, weight: H.lerp_forward(self, end, weight),
                 inputs=("self", "end"), static=("weight",),
                 derivatives={"self": lambda grad, weight: grad * (1 - weight),
                              "end": lambda grad, weight: grad * weight})
lerp_tensor = Op("lerp", "LerpBackward1",
                 lambda self, end, weight: H.lerp_forward(self, end, weight),
                 inputs=("self", "end", "weight"),
                 derivatives={"self": lambda grad, weight: grad * (1 - weight),
                              "end": lambda grad, weight: grad * weight,
                              "weight": lambda grad, self, end: grad * (end - self)})
logaddexp = Op("logaddexp", "LogaddexpBackward0", jnp.logaddexp, inputs=("self", "other"),
               dtype_rule="float", public=True,
               derivatives={"self": lambda grad, self, other: grad / (1 + (other - self).exp()),
                            "other": lambda grad, self, other: grad / (1 + (self - other).exp())})
logaddexp2 = Op("logaddexp2", "Logaddexp2Backward0", jnp.logaddexp2, inputs=("self", "other"),
                dtype_rule="float", public=True,
                derivatives={"self": lambda grad, self, other: grad / (1 + (other - self).exp2()),
                             "other": lambda grad, self, other:
                             grad / (1 + (self - other).exp2())})
addcmul = Op("addcmul", "AddcmulBackward0",
             lambda self, tensor1, tensor2, value: self + value * tensor1 * tensor2,
             inputs=("self", "tensor1", "tensor2"), static=("value",), defaults={"value": 1},
             **_api,
             derivatives={"self": lambda grad: grad,
                          "tensor1": lambda grad, tensor2, value:
                          grad * _conj(tensor2) * _conj(value),
                          "tensor2": lambda grad, tensor1, value:
                          grad * _conj(tensor1) * _conj(value)})
addcdiv = Op("addcdiv", "AddcdivBackward0",
             lambda self, tensor1, tensor2, value: self + value * tensor1 / tensor2,
             inputs=("self", "tensor1", "tensor2"), static=("value",), defaults={"value": 1},
             **_api,
             derivatives={"self": lambda grad: grad,
                          "tensor1": lambda grad, tensor2, value:
                          grad * _conj(value) / _conj(tensor2),
                          "tensor2": lambda grad, tensor1, tensor2, value:
                          -grad * _conj(value) * _conj(tensor1)
                          / (_conj(tensor2) * _conj(tensor2))})

# ------------------------------------------------------------------ unary math
_u = dict(**_unary_float, **_api)
exp = Op("exp", "ExpBackward0", jnp.exp, **_u,
         derivatives={"self": lambda grad, result: grad * _conj(result)})
exp2 = Op("exp2", "Exp2Backward0", jnp.exp2, **_u,
          derivatives={"self": lambda grad, result: mul_scalar(grad * _conj(result), math.log(2.0))})
expm1 = Op("expm1", "Expm1Backward0", jnp.expm1, **_u,
           derivatives={"self": lambda grad, result: grad * _conj(add_scalar(result, 1))})
log = Op("log", "LogBackward0", jnp.log, **_u,
         derivatives={"self": lambda grad, self: grad.div(_conj(self))})
log2 = Op("log2", "Log2Backward0", jnp.log2, **_u,
          derivatives={"self": lambda grad, self: grad / _conj(mul_scalar(self, math.log(2.0)))})
log10 = Op("log10", "Log10Backward0", jnp.log10, **_u,
           derivatives={"self": lambda grad, self: grad / _conj(mul_scalar(self, math.log(10.0)))})
log1p = Op("log1p", "Log1PBackward0", jnp.log1p, **_u,
           derivatives={"self": lambda grad, self: grad / _conj(add_scalar(self, 1))})
sqrt = Op("sqrt", "SqrtBackward0", jnp.sqrt, **_u,
          derivatives={"self": lambda grad, result: grad / _conj(mul_scalar(result, 2))})
rsqrt = Op("rsqrt", "RsqrtBackward0", jax.lax.rsqrt, **_u,
           derivatives={"self": lambda grad, result: -0.5 * grad * _conj(result.pow(3))})
sin = Op("sin", "SinBackward0", jnp.sin, **_u,
         derivatives={"self": lambda grad, self: grad * _conj(self.cos())})
cos = Op("cos", "CosBackward0", jnp.cos, **_u,
         derivatives={"self": lambda grad, self: grad * _conj(-self.sin())})
tan = Op("tan", "TanBackward0", jnp.tan, **_u,
         derivatives={"self": lambda grad, result: grad * _conj(add_scalar(result.pow(2), 1))})
asin = Op("asin", "AsinBackward0", jnp.arcsin, **_u, aliases=("arcsin",),
          derivatives={"self": lambda grad, self: grad * _conj(add_scalar(-self * self, 1).rsqrt())})
acos = Op("acos", "AcosBackward0", jnp.arccos, **_u, aliases=("arccos",),
          derivatives={"self": lambda grad, self: grad * _conj(-(add_scalar(-self * self, 1).rsqrt()))})
atan = Op("atan", "AtanBackward0", jnp.arctan, **_u, aliases=("arctan",),
          derivatives={"self": lambda grad, self: grad / _conj(add_scalar(self * self, 1))})
sinh = Op("sinh", "SinhBackward0", jnp.sinh, **_u,
          derivatives={"self": lambda grad, self: grad * _conj(self.cosh())})
cosh = Op("cosh", "CoshBackward0", jnp.cosh, **_u,
          derivatives={"self": lambda grad, self: grad * _conj(self.sinh())})
# The backward kernels are ops of their own in torch (tanh_backward, sigmoid_backward,
# softplus_backward): a create_graph backward records TanhBackwardBackward0 & co.
tanh_backward = Op("tanh_backward", "TanhBackwardBackward0",
                   lambda grad_output, output: grad_output * (1 - output * output).conj(),
                   inputs=("grad_output", "output"),
                   derivatives={"grad_output": lambda grad, output:
                                tanh_backward(grad, _conj(output)),
                                "output": lambda grad, output, grad_output:
                                _conj(grad) * (mul_scalar(_conj(output), -2) * grad_output)})
sigmoid_backward = Op("sigmoid_backward", "SigmoidBackwardBackward0",
                      lambda grad_output, output: grad_output * ((1 - output) * output).conj(),
                      inputs=("grad_output", "output"),
                      derivatives={"grad_output": lambda grad, output:
                                   sigmoid_backward(grad, _conj(output)),
                                   "output": lambda grad, output, grad_output:
                                   _conj(grad) * grad_output
                                   * (mul_scalar(_conj(output), -2) + 1)})


def _softplus_double_backward(grad, self, beta, threshold):
    x = mul_scalar(self, beta)
    return mul_scalar(sigmoid_backward(grad, x.sigmoid()) * (x < threshold), beta)


softplus_backward = Op(
    "softplus_backward", "SoftplusBackwardBackward0",
    lambda grad_output, self, beta, threshold: jnp.where(
        self * beta > threshold, grad_output,
        grad_output * jnp.exp(self * beta) / (jnp.exp(self * beta) + 1)),
    inputs=("grad_output", "self"), static=("beta", "threshold"),
    derivatives={"grad_output": lambda grad, self, beta, threshold:
                 softplus_backward(grad, self, beta, threshold),
                 "self": lambda grad, grad_output, self, beta, threshold:
                 _softplus_double_backward(grad * grad_output, self, beta, threshold)})
tanh = Op("tanh", "TanhBackward0", jnp.tanh, **_u, functional=True,
          derivatives={"self": lambda grad, result: tanh_backward(grad, result)})
def _inplace_not_differentiable(name: str, node: str, forward):
    """torch's in-place form of `name` records `node`, whose backward is not implemented."""
    def formula(grad):
        raise NotImplementedError(_errors.INPLACE_DERIVATIVE.format(name=name))

    return inplace(Op(f"{name}_", node, forward, **_unary_float,
                      derivatives={"self": formula}), f"{name}_")


asinh = Op("asinh", "AsinhBackward0", jnp.arcsinh, **_unary_float, aliases=("arcsinh",),
           inplace=_inplace_not_differentiable("asinh", "AsinhBackward1", jnp.arcsinh),
           derivatives={"self": lambda grad, self: grad * _conj(add_scalar(self.pow(2), 1).rsqrt())})
acosh = Op("acosh", "AcoshBackward0", jnp.arccosh, **_unary_float, aliases=("arccosh",),
           inplace=_inplace_not_differentiable("acosh", "AcoshBackward1", jnp.arccosh),
           derivatives={"self": lambda grad, self: grad * _conj(sub_scalar(self * self, 1).rsqrt())})
atanh = Op("atanh", "AtanhBackward0", jnp.arctanh, **_unary_float, aliases=("arctanh",),
           inplace=_inplace_not_differentiable("atanh", "AtanhBackward1", jnp.arctanh),
           derivatives={"self": lambda grad, self: grad / _conj(one_minus(self.pow(2)))})
erf = Op("erf", "ErfBackward0", jax.scipy.special.erf, **_u,
         derivatives={"self": lambda grad, self:
                      mul_scalar((-self.pow(2)).exp(), 2.0 / math.sqrt(math.pi)) * grad})
erfc = Op("erfc", "ErfcBackward0", jax.scipy.special.erfc, **_u,
          derivatives={"self": lambda grad, self:
                       mul_scalar((-self.pow(2)).exp(), -2.0 / math.sqrt(math.pi)) * grad})
sigmoid = Op("sigmoid", "SigmoidBackward0", jax.nn.sigmoid, **_u, functional=True,
             derivatives={"self": lambda grad, result: sigmoid_backward(grad, result)})
logsigmoid = Op("log_sigmoid", "LogSigmoidBackward0", jax.nn.log_sigmoid, **_unary_float,
                derivatives={"self": lambda grad, self: grad * (-self).sigmoid()})
# torch's relu backward is threshold_backward(grad, result, 0): its own node under
# create_graph, whose output requires grad through `result` (with a zero derivative).
threshold_backward = Op(
    "threshold_backward", "ThresholdBackwardBackward0",
    lambda grad_output, self, threshold: jnp.where(self <= threshold, jnp.zeros_like(
        grad_output), grad_output), inputs=("grad_output", "self"), static=("threshold",),
    dtype_rule="keep",
    derivatives={"grad_output": lambda grad, self, threshold:
                 threshold_backward(grad, self, threshold),
                 "self": lambda grad: H.zeros_like(grad)})
relu = Op("relu", "ReluBackward0", lambda self: jnp.maximum(self, 0), **_api,
          derivatives={"self": lambda grad, result: threshold_backward(grad, result, 0)})
gelu = Op("gelu", "GeluBackward0", lambda self, approximate: jax.nn.gelu(
    self, approximate=approximate == "tanh"), static=("approximate",),
          defaults={"approximate": "none"}, **_unary_float,
          derivatives={"self": lambda grad, self, approximate:
                       H.gelu_backward(grad, self, approximate)})
def _silu_backward(grad, self):
    # torch's silu_backward: grad * sigmoid * (1 + self * (1 - sigmoid)), in ATen's overloads.
    s = self.sigmoid()
    return grad * s * add_scalar(self * one_minus(s), 1)


silu = Op("silu", "SiluBackward0", jax.nn.silu, **_unary_float,
          derivatives={"self": lambda grad, self: _silu_backward(grad, self)})
softplus = Op("softplus", "SoftplusBackward0",
              lambda self, beta, threshold: jnp.where(self * beta > threshold, self,
                                                      jnp.log1p(jnp.exp(self * beta)) / beta),
              static=("beta", "threshold"), defaults={"beta": 1.0, "threshold": 20.0},
              **_unary_float,
              derivatives={"self": lambda grad, self, beta, threshold:
                           softplus_backward(grad, self, beta, threshold)})
elu = Op("elu", "EluBackward0",
         lambda self, alpha, scale, input_scale: jnp.where(
             self > 0, self * scale, scale * alpha * (jnp.exp(self * input_scale) - 1)),
         static=("alpha", "scale", "input_scale"),
         defaults={"alpha": 1.0, "scale": 1.0, "input_scale": 1.0}, **_unary_float,
         derivatives={"self": lambda grad, self, alpha, scale, input_scale:
                      H.elu_backward(grad, self, alpha, scale, input_scale)})
# In place, torch's elu_ and leaky_relu_ save the result (EluBackward1, LeakyReluBackward1).
elu_result = Op("elu_", "EluBackward1",
                lambda self, alpha, scale, input_scale: jnp.where(
                    self > 0, self * scale, scale * alpha * (jnp.exp(self * input_scale) - 1)),
                static=("alpha", "scale", "input_scale"),
                defaults={"alpha": 1.0, "scale": 1.0, "input_scale": 1.0}, **_unary_float,
                derivatives={"self": lambda grad, result, alpha, scale, input_scale:
                             (grad * scale).where(result > 0, grad * input_scale
                                                  * (result + alpha * scale))})
leaky_relu = Op("leaky_relu", "LeakyReluBackward0",
                lambda self, negative_slope: jnp.where(self > 0, self, self * negative_slope),
                static=("negative_slope",), defaults={"negative_slope": 0.01},
                derivatives={"self": lambda grad, self, negative_slope:
                             grad.where(self > 0, grad * negative_slope)})
leaky_relu_result = Op("leaky_relu_", "LeakyReluBackward1",
                       lambda self, negative_slope: jnp.where(self > 0, self,
                                                              self * negative_slope),
                       static=("negative_slope",), defaults={"negative_slope": 0.01},
                       derivatives={"self": lambda grad, result, negative_slope:
                                    grad.where(result > 0, grad * negative_slope)})
abs = Op("abs", "AbsBackward0", jnp.abs, **_api, aliases=("absolute",),  # noqa: A001
         dunders=("__abs__",), derivatives={"self": lambda grad, self: grad * self.sgn()})
def _sign_kernel(x):
    # torch's sign of a real NaN is 0 ((0 < x) - (x < 0)); jnp.sign gives NaN.
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jnp.where(jnp.isnan(x), jnp.zeros((), x.dtype), jnp.sign(x))
    return jnp.sign(x)


sign = Op("sign", "SignBackward0", _sign_kernel, **_api,
          derivatives={"self": lambda grad: H.zeros_like(grad)})
def _sgn_backward(grad, self, result):
    # torch's sgn_backward: zero for real inputs; for complex ones the part of grad tangent
    # to the unit circle, over |z| (zero at 0).
    if not self.dtype.is_complex:
        return H.zeros_like(grad)
    magnitude = self.abs()
    tangent = (grad - result * (result.conj() * grad).real) / magnitude
    return where(magnitude == 0.0, H.zeros((), tangent), tangent)


sgn = Op("sgn", "SgnBackward0", _sign_kernel, **_api,  # (complex: masked_fill_ in torch)
         grad_version={"self": lambda shape, dtype: 1 if dtype.is_complex else 0},
         derivatives={"self": _sgn_backward})
floor = Op("floor", "FloorBackward0", jnp.floor, **_api,
           derivatives={"self": lambda grad: H.zeros_like(grad)})
ceil = Op("ceil", "CeilBackward0", jnp.ceil, **_api,
          derivatives={"self": lambda grad: H.zeros_like(grad)})
round = Op("round", "RoundBackward0", jnp.round, **_api,  # noqa: A001
           derivatives={"self": lambda grad: H.zeros_like(grad)})
trunc = Op("trunc", "TruncBackward0", jnp.trunc, **_api, aliases=("fix",),
           derivatives={"self": lambda grad: H.zeros_like(grad)})
frac = Op("frac", "FracBackward0", lambda self: self - jnp.trunc(self), **_api,
          derivatives={"self": lambda grad: grad})
clamp_scalar = Op("clamp", "ClampBackward1", lambda self, min, max: H.clamp_forward(self, min, max),
                  static=("min", "max"), defaults={"min": None, "max": None},
                  dtype_rule="keep",
                  derivatives={"self": lambda grad, self, min, max:
                               H.clamp_backward(grad, self, min, max)})
clamp_tensor = Op("clamp", "ClampBackward0", lambda self, min, max: jnp.minimum(
    jnp.maximum(self, min), max), inputs=("self", "min", "max"),
                  derivatives={"self": lambda grad, self, min, max:
                               where((self >= min).logical_and(self <= max), grad, 0.0),
                               "min": lambda grad, self, min, max:
                               where((self < min).logical_and(min < max), grad, 0.0),
                               "max": lambda grad, self, min, max:
                               where((self > max).logical_or(max < min), grad, 0.0)})
nan_to_num = Op("nan_to_num", "NanToNumBackward0",
                lambda self, nan, posinf, neginf: jnp.nan_to_num(self, nan=nan, posinf=posinf,
                                                                 neginf=neginf),
                static=("nan", "posinf", "neginf"),
                defaults={"nan": 0.0, "posinf": None, "neginf": None}, **_api,
                derivatives={"self": lambda grad, self: grad * self.isfinite()})

# ------------------------------------------------------------------ selection
def _bool_condition(condition, self, other):
    if condition.dtype is not _dtype.bool:
        raise RuntimeError(_errors.WHERE_CONDITION.format(dtype=condition.dtype.scalar_name))


def _bool_mask(self, mask, value):
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(_errors.MASKED_FILL_MASK.format(dtype=mask.dtype.type_meta_name))


where = Op("where", "WhereBackward0", lambda condition, self, other:
           jnp.where(condition, self, other),
           inputs=("condition", "self", "other"), scalars=("self", "other"),
           promote=("self", "other"), check=_bool_condition,
           # torch's method form is self.where(condition, other).
           method=lambda self, condition, other: (_bool_condition(condition, self, other),
                                                  where(condition, self, other))[1],
           derivatives={"self": lambda grad, condition: where(condition, grad, 0.0),
                        "other": lambda grad, condition: where(condition, 0.0, grad)})
masked_fill = Op("masked_fill", "MaskedFillBackward0",
                 lambda self, mask, value: jnp.where(mask, jnp.asarray(value, self.dtype), self),
                 inputs=("self", "mask"), static=("value",), promote=("self",), **_api,
                 check=_bool_mask,
                 derivatives={"self": lambda grad, mask: masked_fill(grad, mask, 0.0)})

# ------------------------------------------------------------------ comparisons and logic
_cmp = dict(inputs=("self", "other"), scalars=("other",), out_dtype=_bool, **_api)
_pred = dict(out_dtype=_bool, dtype_rule="keep")

def _comparison_inplace(name: str, node: str, fn):
    """torch's `eq_` & co.: the comparison written into self's dtype, recorded as
    `<Name>Backward0` (a number) or `<Name>Backward1` (a tensor), whose gradients are zeros."""
    zeros = dict(dtype_rule="keep")
    scalar = Op(f"{name}_", f"{node}Backward0", lambda self, other: fn(self, other).astype(
        self.dtype), static=("other",), **zeros,
                derivatives={"self": lambda grad, self_sym_sizes: H.zeros(self_sym_sizes, grad)})
    # (torch's gradient for `other` is at version 1: its kernel writes it in place.)
    tensor = Op(f"{name}_", f"{node}Backward1", lambda self, other: fn(self, other).astype(
        self.dtype), inputs=("self", "other"), grad_version={"other": 1}, **zeros,
                derivatives={"self": lambda grad, self_sym_sizes: H.zeros(self_sym_sizes, grad),
                             "other": lambda grad, other_sym_sizes:
                             H.zeros(other_sym_sizes, grad)})
    return inplace(lambda self, other: tensor(self, other) if isinstance(other, Tensor)
                   else scalar(self, other), f"{name}_")


def _comparison(name: str, node: str, fn, **surface) -> Op:
    return Op(name, None, fn, inputs=("self", "other"), scalars=("other",), out_dtype=_bool,
              inplace=_comparison_inplace(name, node, fn), **surface)


eq = _comparison("eq", "Eq", lambda self, other: self == other, dunders=("__eq__",))
ne = _comparison("ne", "Ne", lambda self, other: self != other, aliases=("not_equal",),
                 dunders=("__ne__",))
lt = _comparison("lt", "Lt", lambda self, other: self < other, aliases=("less",),
                 dunders=("__lt__",))
le = _comparison("le", "Le", lambda self, other: self <= other, aliases=("less_equal",),
                 dunders=("__le__",))
gt = _comparison("gt", "Gt", lambda self, other: self > other, aliases=("greater",),
                 dunders=("__gt__",))
ge = _comparison("ge", "Ge", lambda self, other: self >= other, aliases=("greater_equal",),
                 dunders=("__ge__",))
logical_and = Op("logical_and", None, jnp.logical_and, **_cmp)
logical_or = Op("logical_or", None, jnp.logical_or, **_cmp)
logical_xor = Op("logical_xor", None, jnp.logical_xor, **_cmp)
logical_not = Op("logical_not", None, jnp.logical_not, **_pred, **_api)
isnan = Op("isnan", None, jnp.isnan, **_pred, public=True)
isinf = Op("isinf", None, jnp.isinf, **_pred, public=True)
isfinite = Op("isfinite", None, jnp.isfinite, **_pred, public=True)
# Bitwise ops (integers and bools): Python's &, |, ^, ~ on tensors.
def _integral_only(name: str):
    """torch's error for a float tensor given to a kernel defined on integers and bools."""
    def check(self, other=None):
        for t in (self, other):
            if isinstance(t, Tensor) and (t.dtype.is_floating_point or t.dtype.is_complex):
                raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
                    kernel=f"{name}_cpu", dtype=t.dtype.scalar_name))

    return check


_bitwise = dict(inputs=("self", "other"), scalars=("other",), **_api)
bitwise_and = Op("bitwise_and", None, jnp.bitwise_and, **_bitwise,
                 check=_integral_only("bitwise_and"),
                 dunders=("__and__", "__rand__"), inplace_dunders=("__iand__",))
bitwise_or = Op("bitwise_or", None, jnp.bitwise_or, **_bitwise,
                check=_integral_only("bitwise_or"),
                dunders=("__or__", "__ror__"), inplace_dunders=("__ior__",))
bitwise_xor = Op("bitwise_xor", None, jnp.bitwise_xor, **_bitwise,
                 check=_integral_only("bitwise_xor"),
                 dunders=("__xor__", "__rxor__"), inplace_dunders=("__ixor__",))
bitwise_not = Op("bitwise_not", None, jnp.invert, dtype_rule="keep", **_api,
                 check=_integral_only("bitwise_not"), dunders=("__invert__",))


# ------------------------------------------------------------------ dispatching functions
def _check_integer_division(input, other) -> None:
    """torch raises for an integer division by zero (its kernels check the divisor); the
    divisor's values are read when concrete (see NOTE [Index checks] in indexing.py)."""
    if not isinstance(input, Tensor) or input.dtype.is_floating_point or input.dtype.is_complex:
        return
    if isinstance(other, Tensor):
        if other.dtype.is_floating_point or other.dtype.is_complex:
            return
        array = other._storage.array
        if not value_checkable(array) or not bool(_any_zero(array)):
            return
    elif not (isinstance(other, int) and other == 0):
        return
    raise RuntimeError(_errors.ZERO_DIVISION)


@_cc_jit
def _any_zero(a):
    return (a == 0).any()



# The small dispatch torch does in its Python bindings: which overload a call is.
@public(inplace=True, dunders=("__pow__",), inplace_dunders=("__ipow__",), overloaded=True,
        number_input=True)
def pow(input, exponent):  # noqa: A001
    """Matches `torch.pow`: a Python exponent is PowBackward0, a tensor one PowBackward1."""
    if isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return pow_tensor(input, exponent)
        if (not (input.dtype.is_floating_point or input.dtype.is_complex)
                and isinstance(exponent, int) and exponent < 0):
            raise RuntimeError(_errors.INTEGER_NEGATIVE_POWER)
        if isinstance(exponent, float) and not (input.dtype.is_floating_point
                                                or input.dtype.is_complex):
            input = to(input, _dtype.get_default_dtype())
        return pow_scalar(input, exponent)
    return rpow_scalar(exponent, input)


@public(function=False, name="__rpow__")
def _rpow(self, other):
    return pow(other, self)


@public(inplace=True, aliases=("divide",), dunders=("__truediv__",),
        inplace_dunders=("__itruediv__",))
def div(input, other, *, rounding_mode=None):
    """True division, or 'trunc'/'floor' rounding (DivBackward2). Matches `torch.div`."""
    if rounding_mode is None:
        return div_op(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(_errors.DIV_ROUNDING_MODE.format(mode=rounding_mode))
    _check_integer_division(input, other)
    return div_mode(input, other, rounding_mode)


@public(inplace=True)
def true_divide(input, other):
    """Matches `torch.true_divide` (division without rounding)."""
    return div_op(input, other)


@public(function=False, name="__rtruediv__")
def _rtruediv(self, other):
    # torch's Tensor.__rtruediv__ is `self.reciprocal() * other`.
    return reciprocal(self) * other


def _not_implemented(name: str):
    def formula(grad):
        raise RuntimeError(_errors.DERIVATIVE_NOT_IMPLEMENTED.format(name=name))

    return formula


# torch has no derivative for floor_divide: its node (NotImplemented) raises in backward.
floor_divide_op = Op("floor_divide", "NotImplemented", lambda self, other: H.div_rounding(
    self, other, "floor"), **_binary, derivatives={"self": _not_implemented("floor_divide"),
                                                   "other": _not_implemented("floor_divide")})
floor_divide_inplace_op = Op("floor_divide_", "NotImplemented", lambda self, other:
                             H.div_rounding(self, other, "floor"), **_binary,
                             derivatives={"self": _not_implemented("floor_divide_"),
                                          "other": _not_implemented("floor_divide_")})


@public(inplace=inplace(floor_divide_inplace_op, "floor_divide_"), dunders=("__floordiv__",),
        inplace_dunders=("__ifloordiv__",))
def floor_divide(input, other):
    """Matches `torch.floor_divide` (division rounded down; no derivative, as torch)."""
    _check_integer_division(input, other)
    return floor_divide_op(input, other)


@public(function=False, name="__rfloordiv__")
def _rfloordiv(self, other):
    return floor_divide(H.full_like(self, other), self)


@public(inplace=True)
def fmod(input, other):
    """Matches `torch.fmod` (C's remainder: the sign of the dividend)."""
    _check_integer_division(input, other)
    if isinstance(other, Tensor):
        return fmod_tensor(input, other)
    return fmod_scalar(input, other)


@public(inplace=True, dunders=("__mod__",), inplace_dunders=("__imod__",))
def remainder(input, other):
    """Matches `torch.remainder` (Python's modulo: the sign of the divisor)."""
    _check_integer_division(input, other)
    if isinstance(other, Tensor):
        return remainder_tensor(input, other)
    return remainder_scalar(input, other)


@public(inplace=True, aliases=("clip",), overloaded=True)
def clamp(input, min=None, max=None):  # noqa: A002
    """Matches `torch.clamp` (number bounds: ClampBackward1, tensor bounds: ClampBackward0)."""
    if min is None and max is None:
        raise RuntimeError(_errors.CLAMP_NO_BOUNDS)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if min is not None else H.full_like(input, -float("inf"))
        hi = max if max is not None else H.full_like(input, float("inf"))
        lo = lo if isinstance(lo, Tensor) else H.full_like(input, lo)
        hi = hi if isinstance(hi, Tensor) else H.full_like(input, hi)
        return clamp_tensor(input, lo, hi)
    return clamp_scalar(input, min, max)


clamp_min_scalar = Op("clamp_min", "ClampMinBackward0", lambda self, min: jnp.maximum(
    self, jnp.asarray(min, self.dtype)), static=("min",), dtype_rule="keep",
                      derivatives={"self": lambda grad, self, min: grad.where(self >= min, 0.0)})
clamp_min_tensor = Op("clamp_min", "ClampMinBackward1", jnp.maximum, inputs=("self", "min"),
                      derivatives={"self": lambda grad, self, min: grad.where(self >= min, 0.0),
                                   "min": lambda grad, self, min: grad.where(self < min, 0.0)})
clamp_max_scalar = Op("clamp_max", "ClampMaxBackward0", lambda self, max: jnp.minimum(
    self, jnp.asarray(max, self.dtype)), static=("max",), dtype_rule="keep",
                      derivatives={"self": lambda grad, self, max: grad.where(self <= max, 0.0)})
clamp_max_tensor = Op("clamp_max", "ClampMaxBackward1", jnp.minimum, inputs=("self", "max"),
                      derivatives={"self": lambda grad, self, max: grad.where(self <= max, 0.0),
                                   "max": lambda grad, self, max: grad.where(self > max, 0.0)})


@public(inplace=True, overloaded=True)
def clamp_min(input, min):  # noqa: A002
    """Matches `torch.clamp_min` (ClampMinBackward0, or ClampMinBackward1 for a tensor)."""
    if isinstance(min, Tensor):
        return clamp_min_tensor(input, min)
    return clamp_min_scalar(input, min)


@public(inplace=True, overloaded=True)
def clamp_max(input, max):  # noqa: A002
    """Matches `torch.clamp_max` (ClampMaxBackward0, or ClampMaxBackward1 for a tensor)."""
    if isinstance(max, Tensor):
        return clamp_max_tensor(input, max)
    return clamp_max_scalar(input, max)


@public(inplace=True)
def lerp(input, end, weight):
    """Matches `torch.lerp` (a number weight: LerpBackward0, a tensor: LerpBackward1)."""
    if isinstance(weight, Tensor):
        return lerp_tensor(input, end, weight)
    return lerp_scalar(input, end, weight)


@public(inplace=True)
def square(input):
    """Matches `torch.square` (it is pow(self, 2) in ATen: PowBackward0)."""
    return pow(input, 2)


rsub_tensor = Op("rsub", "RsubBackward0", lambda self, other, alpha: other - self * alpha
                 if alpha != 1 else other - self, inputs=("self", "other"), static=("alpha",),
                 defaults={"alpha": 1},
                 derivatives={"self": lambda grad, alpha: _maybe_multiply(-grad, alpha),
                              "other": lambda grad: grad})


@public(method=False, overloaded=True)
def rsub(input, other, alpha=1):
    """`other - alpha * input`. Matches `torch.rsub` (RsubBackward0 or, for a number,
    RsubBackward1)."""
    if isinstance(other, Tensor):
        return rsub_tensor(input, other, alpha)
    return rsub_scalar(input, other, alpha)


@public(function=False, name="__rsub__")
def _rsub(self, other):
    return rsub(self, other)


# ------------------------------------------------------------------ dtype conversions, copies
def _convert(self, dtype):
    # torch converts floats to narrow integers through int64 (C casts: -1.5 -> -1 -> 255 as
    # uint8); XLA saturates instead.
    if jnp.issubdtype(self.dtype, jnp.floating) and not (
            dtype.is_floating_point or dtype.is_complex or dtype is _dtype.bool
            or dtype is _dtype.int64):
        return self.astype(jnp.int64).astype(dtype.np)
    if jnp.iscomplexobj(self) and not dtype.is_complex:
        self = jnp.real(self)  # torch drops the imaginary part (warning once, in `to`)
    return self.astype(dtype.np)


def _to_copy_backward(grad, self_dtype):
    # torch's _to_copy_backward: a real input's gradient is the real part, without a warning.
    if grad.dtype.is_complex and not self_dtype.is_complex:
        grad = grad.real
    return to(grad, self_dtype)


_to_copy = Op("_to_copy", "ToCopyBackward0", _convert,
              static=("dtype",), dtype_rule="keep",
              derivatives={"self": _to_copy_backward})
clone_op = Op("clone", "CloneBackward0", lambda self: self + 0 if self.dtype != bool
              else self, dtype_rule="keep", derivatives={"self": lambda grad: grad})
_views.clone_for_save = clone_op  # (views cannot import this module: it imports views)
copy_op = Op("copy", "CopyBackwards", lambda self, src: jnp.broadcast_to(
    jnp.asarray(src, self.dtype), self.shape), inputs=("self", "src"), promote=(),
             derivatives={"self": lambda grad: H.zeros_like(grad),
                          "src": lambda grad, src_dtype: to(grad, src_dtype)})
# (copy_, zero_, fill_: torch's formula is `zeros_like(grad)`, a tensor without history, so
# a create_graph backward stops there and an inf/nan incoming gradient gives 0.)
zero_op = Op("zero", "ZeroBackward0", lambda self: jnp.zeros_like(self), dtype_rule="keep",
             derivatives={"self": lambda grad: H.zeros_like(grad)})
fill_op = Op("fill", "FillBackward2", lambda self, value: jnp.full_like(self, value),
             static=("value",), dtype_rule="keep",
             derivatives={"self": lambda grad: H.zeros_like(grad)})
# fill_(Tensor value): a 0-d tensor, differentiable (its gradient is the sum).
fill_tensor_op = Op("fill", "FillBackward3", lambda self, value: jnp.full_like(self, value),
                    inputs=("self", "value"), dtype_rule="keep",
                    derivatives={"self": lambda grad: H.zeros_like(grad),
                                 "value": lambda grad: grad.sum()})

# torch's scalar fill kernel writes one value everywhere: an expanded target is allowed.
zero_ = public(inplace(zero_op, "zero_", overlap_ok=True), name="zero_")
_fill_scalar_ = inplace(fill_op, "fill_", overlap_ok=True)
_fill_tensor_ = inplace(fill_tensor_op, "fill_")


@public(name="fill_")
def fill_(input, value):
    """Fill with `value` (a number or a 0-d tensor). Matches `torch.Tensor.fill_`."""
    if isinstance(value, Tensor):
        check_inplace(input, (value,))  # torch checks the target first
        if value.ndim:
            raise RuntimeError(_errors.FILL_VALUE_DIM.format(ndim=value.ndim))
        return _fill_tensor_(input, value)
    return _fill_scalar_(input, value)
_copy_inplace = inplace(copy_op, "copy_")


@public(function=False)
def copy_(self, src, non_blocking: bool = False):
    """In-place copy with broadcasting and dtype cast. Matches `torch.Tensor.copy_`."""
    if not isinstance(src, Tensor):
        src = Tensor._make(jnp.asarray(src, self._storage.array.dtype))
    elif _device.MULTI and src.device != self.device:
        src = to(src, self.device)  # torch copies across devices (ToCopyBackward0 here)
    if src.shape != self.shape:
        check_inplace(self, (src,))  # torch's autograd checks come before the shape check
        shape = _checks.broadcast_shapes(self.shape, src.shape)
        if shape != tuple(self.shape):
            raise RuntimeError(_errors.INPLACE_BROADCAST.format(shape=list(self.shape),
                                                                broadcast=list(shape)))
    return _copy_inplace(self, src)


def copy_from(src: Tensor) -> Tensor:
    """The create_graph copy AccumulateGrad makes: torch's empty_strided + copy_, whose
    CopyBackwards node's first edge is the (empty) destination."""
    dest = Tensor._make(jnp.zeros(src._storage.array.shape, src._storage.array.dtype))
    return copy_op(dest, src)


@public(function=False)
def to(self, *args, **kwargs):
    """Dtype and device conversion. Matches `torch.Tensor.to`: `self` when nothing changes
    (unless `copy=True`), else a copy recorded as `ToCopyBackward0` (NOTE [Devices])."""
    if not kwargs and len(args) == 1 and isinstance(args[0], _dtype.dtype):
        dev, dtype, copy = None, args[0], False  # the common `x.to(dtype)`, parsed fast
    else:
        dev, dtype, copy = parse_to(args, kwargs)
    if dtype is None:
        dtype = self.dtype
    if dev is not None:
        target = _device.canonical(dev)  # torch's error here for a device we cannot use
        if target != self.device:
            with grad_mode.no_grad():
                converted = self if dtype is self.dtype else _to_copy(self, dtype)
            return move(self, target, converted)
        # torch fills in a CUDA index ('cuda' is cuda:0 here) but not a CPU one: 'cpu:0' is
        # not the tensor's 'cpu', so it copies.
        copy = copy or (dev.type == "cpu" and dev.index is not None)
    if dtype is self.dtype and not copy:
        return self
    if self.dtype.is_complex and not dtype.is_complex and not _complex_cast_warned:
        # torch's TORCH_WARN_ONCE in copy_: once per process.
        globals()["_complex_cast_warned"] = True
        warnings.warn(_errors.COMPLEX_TO_REAL, UserWarning, stacklevel=user_stacklevel())
    return _to_copy(self, dtype)


_complex_cast_warned = False


@public
def clone(input, *, memory_format=None):
    """A copy with its own storage (CloneBackward0). Matches `torch.clone`."""
    return clone_op(input)


@public(function=False)
def type_as(self, other):
    """Matches `torch.Tensor.type_as`."""
    if not isinstance(other, Tensor):
        raise TypeError(_errors.ARGUMENT_NOT_TENSOR.format(name="type_as", arg="other",
                                                           position=1,
                                                           type_name=type(other).__name__))
    return to(self, other.dtype)


@public(function=False)
def contiguous(self, memory_format=None):
    """Matches `torch.Tensor.contiguous`: torch copies (CloneBackward0) only what it lays out
    non-contiguously."""
    if isinstance(self._storage, ViewStorage):
        shape = tuple(self.shape)
        if not is_contiguous_strides(shape, strides_of(self._storage, shape)[0]):
            return clone(self)
    return self


def _converter(dt: _dtype.dtype, name: str):
    def convert(self, memory_format=None):
        return to(self, dt)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"`self.to({dt!r})`. Matches `torch.Tensor.{name}`."
    return public(convert, function=False)


for _name, _dt in (("float", _dtype.float32), ("double", _dtype.float64),
                   ("half", _dtype.float16), ("bfloat16", _dtype.bfloat16),
                   ("long", _dtype.int64), ("int", _dtype.int32), ("short", _dtype.int16),
                   ("char", _dtype.int8), ("byte", _dtype.uint8), ("bool", _dtype.bool)):
    _converter(_dt, _name)
