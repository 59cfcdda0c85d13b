"""Elementwise ops: the table. Each entry reads like its derivatives.yaml line.

Formulas are tapegrad ops, so `create_graph=True` records torch's nodes for the backward.
Broadcast reduction and dtype casts of gradients happen once, in `validate_grad`, never here.
Long formulas live in `_backward_helpers.py`.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from .. import _dtype
from . import _backward_helpers as H
from ._op import Op

_binary = dict(inputs=("self", "other"), scalars=("other",))
_unary_float = dict(dtype_rule="float")


def _bool(dt):
    return _dtype.bool


def _maybe_multiply(t, alpha):
    # torch's maybe_multiply: skip the multiply when alpha is 1.
    return t if alpha == 1 else t * alpha


# ------------------------------------------------------------------ arithmetic
add = Op("add", "AddBackward0", lambda self, other, alpha: self + other * alpha
         if alpha != 1 else self + other, **_binary, static=("alpha",), defaults={"alpha": 1},
         derivatives={"self": lambda grad: grad,
                      "other": lambda grad, alpha: _maybe_multiply(grad, alpha)})
sub = Op("sub", "SubBackward0", lambda self, other, alpha: self - other * alpha
         if alpha != 1 else self - other, **_binary, static=("alpha",), defaults={"alpha": 1},
         derivatives={"self": lambda grad: grad,
                      "other": lambda grad, alpha: _maybe_multiply(-grad, alpha)})
# `2 - x` is torch.rsub(x, 2): a node of its own, RsubBackward1.
rsub_scalar = Op("rsub", "RsubBackward1", lambda self, other, alpha: other - self * alpha,
                 inputs=("self",), static=("other", "alpha"), defaults={"alpha": 1},
                 dtype_rule="keep",
                 derivatives={"self": lambda grad, alpha: _maybe_multiply(-grad, alpha)})
mul = Op("mul", "MulBackward0", lambda self, other: self * other, **_binary,
         derivatives={"self": lambda grad, other: grad * other,
                      "other": lambda grad, self: grad * self})
# mul.Scalar: what a formula's `exponent * tensor` is in ATen (MulBackward1, not 0).
mul_scalar = Op("_mul_scalar", "MulBackward1", lambda self, other: self * other,
                inputs=("self",), static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad, other: mul_scalar(grad, other)})
div = Op("div", "DivBackward0", lambda self, other: self / other, **_binary, dtype_rule="float",
         derivatives={"self": lambda grad, other: grad / other,
                      "other": lambda grad, self, other: -grad * ((self / other) / other)})
div_mode = Op("div", "DivBackward2",
              lambda self, other, rounding_mode: H.div_rounding(self, other, rounding_mode),
              **_binary, static=("rounding_mode",),
              derivatives={"self": lambda grad: H.zeros_like(grad),
                           "other": lambda grad: H.zeros_like(grad)})
neg = Op("neg", "NegBackward0", lambda self: -self,
         derivatives={"self": lambda grad: grad.neg()})
reciprocal = Op("reciprocal", "ReciprocalBackward0", lambda self: 1 / self, **_unary_float,
                derivatives={"self": lambda grad, result: -grad * (result * result)})
pow_scalar = Op("pow", "PowBackward0", lambda self, exponent: H.pow_forward(self, exponent),
                static=("exponent",), dtype_rule=lambda dt: dt,
                derivatives={"self": lambda grad, self, exponent:
                             H.pow_backward(grad, self, exponent)})
pow_tensor = Op("pow", "PowBackward1", lambda self, exponent: jnp.power(self, exponent),
                inputs=("self", "exponent"),
                derivatives={"self": lambda grad, self, exponent:
                             H.pow_backward_self(grad, self, exponent),
                             "exponent": lambda grad, self, exponent, result:
                             H.pow_backward_exponent(grad, self, exponent, result)})
# `2 ** x` is pow.Scalar: PowBackward2.
rpow_scalar = Op("pow", "PowBackward2", lambda exponent, self: jnp.power(self, exponent),
                 inputs=("exponent",), static=("self",), dtype_rule="float",
                 derivatives={"exponent": lambda grad, self, result:
                              grad * (result * math.log(self)) if self != 0
                              else H.zeros_like(grad)})
fmod_scalar = Op("fmod", "FmodBackward0", lambda self, other: jnp.fmod(self, other),
                 static=("other",), dtype_rule="keep", derivatives={"self": lambda grad: grad})
fmod_tensor = Op("fmod", "FmodBackward1", lambda self, other: jnp.fmod(self, other),
                 **_binary, derivatives={
                     "self": lambda grad: grad,
                     "other": lambda grad, self, other: -grad * div_mode(self, other, "trunc")})
remainder_scalar = Op("remainder", "RemainderBackward0",
                      lambda self, other: H.remainder(self, other), static=("other",),
                      dtype_rule="keep",
                      derivatives={"self": lambda grad: grad})
remainder_tensor = Op("remainder", "RemainderBackward1",
                      lambda self, other: H.remainder(self, other), **_binary,
                      derivatives={"self": lambda grad: grad,
                                   "other": lambda grad, self, other:
                                   -grad * div_mode(self, other, "floor")})
atan2 = Op("atan2", "Atan2Backward0", jnp.arctan2, **_binary, **_unary_float,
           derivatives={"self": lambda grad, self, other:
                        grad * other / (self * self + other * other),
                        "other": lambda grad, self, other:
                        grad * -self / (self * self + other * other)})
maximum = Op("maximum", "MaximumBackward0", jnp.maximum, grad_version=1, inputs=("self", "other"),
             derivatives={"self": lambda grad, self, other: H.minmax_backward(grad, self, other,
                                                                              self < other),
                          "other": lambda grad, self, other: H.minmax_backward(grad, self, other,
                                                                               self > other)})
minimum = Op("minimum", "MinimumBackward0", jnp.minimum, grad_version=1, inputs=("self", "other"),
             derivatives={"self": lambda grad, self, other: H.minmax_backward(grad, self, other,
                                                                              self > other),
                          "other": lambda grad, self, other: H.minmax_backward(grad, self, other,
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
addcmul = Op("addcmul", "AddcmulBackward0",
             lambda self, tensor1, tensor2, value: self + value * tensor1 * tensor2,
             inputs=("self", "tensor1", "tensor2"), static=("value",), defaults={"value": 1},
             derivatives={"self": lambda grad: grad,
                          "tensor1": lambda grad, tensor2, value: grad * tensor2 * value,
                          "tensor2": lambda grad, tensor1, value: grad * tensor1 * value})
addcdiv = Op("addcdiv", "AddcdivBackward0",
             lambda self, tensor1, tensor2, value: self + value * tensor1 / tensor2,
             inputs=("self", "tensor1", "tensor2"), static=("value",), defaults={"value": 1},
             derivatives={"self": lambda grad: grad,
                          "tensor1": lambda grad, tensor2, value: grad * value / tensor2,
                          "tensor2": lambda grad, tensor1, tensor2, value:
                          -grad * value * tensor1 / (tensor2 * tensor2)})

# ------------------------------------------------------------------ unary math
exp = Op("exp", "ExpBackward0", jnp.exp, **_unary_float,
         derivatives={"self": lambda grad, result: grad * result})
exp2 = Op("exp2", "Exp2Backward0", jnp.exp2, **_unary_float,
          derivatives={"self": lambda grad, result: grad * result * math.log(2.0)})
expm1 = Op("expm1", "Expm1Backward0", jnp.expm1, **_unary_float,
           derivatives={"self": lambda grad, result: grad * (result + 1)})
log = Op("log", "LogBackward0", jnp.log, **_unary_float,
         derivatives={"self": lambda grad, self: grad.div(self)})
log2 = Op("log2", "Log2Backward0", jnp.log2, **_unary_float,
          derivatives={"self": lambda grad, self: grad / (self * math.log(2.0))})
log10 = Op("log10", "Log10Backward0", jnp.log10, **_unary_float,
           derivatives={"self": lambda grad, self: grad / (self * math.log(10.0))})
log1p = Op("log1p", "Log1PBackward0", jnp.log1p, **_unary_float,
           derivatives={"self": lambda grad, self: grad / (self + 1)})
sqrt = Op("sqrt", "SqrtBackward0", jnp.sqrt, **_unary_float,
          derivatives={"self": lambda grad, result: grad / mul_scalar(result, 2)})
rsqrt = Op("rsqrt", "RsqrtBackward0", jax.lax.rsqrt, **_unary_float,
           derivatives={"self": lambda grad, result: -0.5 * grad * result.pow(3)})
sin = Op("sin", "SinBackward0", jnp.sin, **_unary_float,
         derivatives={"self": lambda grad, self: grad * self.cos()})
cos = Op("cos", "CosBackward0", jnp.cos, **_unary_float,
         derivatives={"self": lambda grad, self: grad * -self.sin()})
tan = Op("tan", "TanBackward0", jnp.tan, **_unary_float,
         derivatives={"self": lambda grad, result: grad * (1 + result.pow(2))})
asin = Op("asin", "AsinBackward0", jnp.arcsin, **_unary_float,
          derivatives={"self": lambda grad, self: grad * (-self * self + 1).rsqrt()})
acos = Op("acos", "AcosBackward0", jnp.arccos, **_unary_float,
          derivatives={"self": lambda grad, self: grad * -((-self * self + 1).rsqrt())})
atan = Op("atan", "AtanBackward0", jnp.arctan, **_unary_float,
          derivatives={"self": lambda grad, self: grad / (self * self + 1)})
sinh = Op("sinh", "SinhBackward0", jnp.sinh, **_unary_float,
          derivatives={"self": lambda grad, self: grad * self.cosh()})
cosh = Op("cosh", "CoshBackward0", jnp.cosh, **_unary_float,
          derivatives={"self": lambda grad, self: grad * self.sinh()})
tanh = Op("tanh", "TanhBackward0", jnp.tanh, **_unary_float,
          derivatives={"self": lambda grad, result: grad * (1 - result * result)})
asinh = Op("asinh", "AsinhBackward0", jnp.arcsinh, **_unary_float,
           derivatives={"self": lambda grad, self: grad * (self.pow(2) + 1).rsqrt()})
acosh = Op("acosh", "AcoshBackward0", jnp.arccosh, **_unary_float,
           derivatives={"self": lambda grad, self: grad * (self.pow(2) - 1).rsqrt()})
atanh = Op("atanh", "AtanhBackward0", jnp.arctanh, **_unary_float,
           derivatives={"self": lambda grad, self: grad * (1 / (1 - self.pow(2)))})
erf = Op("erf", "ErfBackward0", jax.scipy.special.erf, **_unary_float,
         derivatives={"self": lambda grad, self:
                      (2.0 / math.sqrt(math.pi)) * (-self.pow(2)).exp() * grad})
erfc = Op("erfc", "ErfcBackward0", jax.scipy.special.erfc, **_unary_float,
          derivatives={"self": lambda grad, self:
                       (-2.0 / math.sqrt(math.pi)) * (-self.pow(2)).exp() * grad})
sigmoid = Op("sigmoid", "SigmoidBackward0", jax.nn.sigmoid, **_unary_float,
             derivatives={"self": lambda grad, result: grad * ((1 - result) * result)})
logsigmoid = Op("logsigmoid", "LogSigmoidBackward0", jax.nn.log_sigmoid, **_unary_float,
                derivatives={"self": lambda grad, self: grad * (-self).sigmoid()})
relu = Op("relu", "ReluBackward0", lambda self: jnp.maximum(self, 0),
          derivatives={"self": lambda grad, result: grad * (result > 0)})
gelu = Op("gelu", "GeluBackward0", lambda self, approximate: jax.nn.gelu(
    self, approximate=approximate == "tanh"), static=("approximate",),
          defaults={"approximate": "none"}, **_unary_float,
          derivatives={"self": lambda grad, self, approximate:
                       H.gelu_backward(grad, self, approximate)})
silu = Op("silu", "SiluBackward0", jax.nn.silu, **_unary_float,
          derivatives={"self": lambda grad, self: H.silu_backward(grad, self)})
softplus = Op("softplus", "SoftplusBackward0",
              lambda self, beta, threshold: jnp.where(self * beta > threshold, self,
                                                      jnp.log1p(jnp.exp(self * beta)) / beta),
              static=("beta", "threshold"), defaults={"beta": 1.0, "threshold": 20.0},
              **_unary_float,
              derivatives={"self": lambda grad, self, beta, threshold:
                           H.softplus_backward(grad, self, beta, threshold)})
elu = Op("elu", "EluBackward0",
         lambda self, alpha, scale, input_scale: jnp.where(
             self > 0, self * scale, scale * alpha * (jnp.exp(self * input_scale) - 1)),
         static=("alpha", "scale", "input_scale"),
         defaults={"alpha": 1.0, "scale": 1.0, "input_scale": 1.0}, **_unary_float,
         derivatives={"self": lambda grad, self, alpha, scale, input_scale:
                      H.elu_backward(grad, self, alpha, scale, input_scale)})
leaky_relu = Op("leaky_relu", "LeakyReluBackward0",
                lambda self, negative_slope: jnp.where(self > 0, self, self * negative_slope),
                static=("negative_slope",), defaults={"negative_slope": 0.01},
                derivatives={"self": lambda grad, self, negative_slope:
                             where(self > 0, grad, grad * negative_slope)})
abs = Op("abs", "AbsBackward0", jnp.abs,  # noqa: A001
         derivatives={"self": lambda grad, self: grad * self.sgn()})
sign = Op("sign", "SignBackward0", jnp.sign,
          derivatives={"self": lambda grad: H.zeros_like(grad)})
sgn = Op("sgn", "SgnBackward0", jnp.sign,
         derivatives={"self": lambda grad: H.zeros_like(grad)})
floor = Op("floor", "FloorBackward0", jnp.floor,
           derivatives={"self": lambda grad: H.zeros_like(grad)})
ceil = Op("ceil", "CeilBackward0", jnp.ceil,
          derivatives={"self": lambda grad: H.zeros_like(grad)})
round = Op("round", "RoundBackward0", jnp.round,  # noqa: A001
           derivatives={"self": lambda grad: H.zeros_like(grad)})
trunc = Op("trunc", "TruncBackward0", jnp.trunc,
           derivatives={"self": lambda grad: H.zeros_like(grad)})
frac = Op("frac", "FracBackward0", lambda self: self - jnp.trunc(self),
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
                defaults={"nan": 0.0, "posinf": None, "neginf": None},
                derivatives={"self": lambda grad, self: grad * self.isfinite()})

# ------------------------------------------------------------------ selection
where = Op("where", "WhereBackward0", lambda condition, self, other:
           jnp.where(condition, self, other),
           inputs=("condition", "self", "other"), scalars=("self", "other"),
           promote=("self", "other"),
           derivatives={"self": lambda grad, condition: where(condition, grad, 0.0),
                        "other": lambda grad, condition: where(condition, 0.0, grad)})
masked_fill = Op("masked_fill", "MaskedFillBackward0",
                 lambda self, mask, value: jnp.where(mask, jnp.asarray(value, self.dtype), self),
                 inputs=("self", "mask"), static=("value",), promote=("self",),
                 derivatives={"self": lambda grad, mask: masked_fill(grad, mask, 0.0)})

# ------------------------------------------------------------------ comparisons and logic
_cmp = dict(inputs=("self", "other"), scalars=("other",), out_dtype=_bool)
_pred = dict(out_dtype=_bool, dtype_rule="keep")

eq = Op("eq", None, lambda self, other: self == other, **_cmp)
ne = Op("ne", None, lambda self, other: self != other, **_cmp)
lt = Op("lt", None, lambda self, other: self < other, **_cmp)
le = Op("le", None, lambda self, other: self <= other, **_cmp)
gt = Op("gt", None, lambda self, other: self > other, **_cmp)
ge = Op("ge", None, lambda self, other: self >= other, **_cmp)
logical_and = Op("logical_and", None, jnp.logical_and, **_cmp)
logical_or = Op("logical_or", None, jnp.logical_or, **_cmp)
logical_xor = Op("logical_xor", None, jnp.logical_xor, **_cmp)
logical_not = Op("logical_not", None, jnp.logical_not, **_pred)
isnan = Op("isnan", None, jnp.isnan, **_pred)
isinf = Op("isinf", None, jnp.isinf, **_pred)
isfinite = Op("isfinite", None, jnp.isfinite, **_pred)
