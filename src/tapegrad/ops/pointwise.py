"""Elementwise ops: the table. Each entry reads like its derivatives.yaml line.

Formulas are tapegrad ops, so `create_graph=True` records torch's nodes for the backward.
Broadcast reduction and dtype casts of gradients happen once, in `validate_grad`, never here.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from ._backward_helpers import (abs_backward, pow_backward, pow_backward_exponent,
                                pow_backward_self, zeros_like)
from ._op import Op

_binary = dict(inputs=("self", "other"), scalars=("other",))


def _maybe_multiply(t, alpha):
    # torch's maybe_multiply: skip the multiply when alpha is 1.
    return t if alpha == 1 else t * alpha


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
mul = Op("mul", "MulBackward0", lambda self, other: self * other,
         **_binary,
         derivatives={"self": lambda grad, other: grad * other,
                      "other": lambda grad, self: grad * self})
# mul.Scalar: what a formula's `exponent * tensor` is in ATen (MulBackward1, not 0).
mul_scalar = Op("_mul_scalar", "MulBackward1", lambda self, other: self * other,
                inputs=("self",), static=("other",), dtype_rule="keep",
                derivatives={"self": lambda grad, other: mul_scalar(grad, other)})
div = Op("div", "DivBackward0", lambda self, other: self / other, **_binary, dtype_rule="float",
         derivatives={"self": lambda grad, other: grad / other,
                      "other": lambda grad, self, other: -grad * ((self / other) / other)})
neg = Op("neg", "NegBackward0", lambda self: -self,
         derivatives={"self": lambda grad: grad.neg()})
reciprocal = Op("reciprocal", "ReciprocalBackward0", lambda self: 1 / self, dtype_rule="float",
                derivatives={"self": lambda grad, result: -grad * (result * result)})
pow_scalar = Op("pow", "PowBackward0", lambda self, exponent: jnp.power(self, exponent),
                static=("exponent",),
                dtype_rule=lambda dt: dt,
                derivatives={"self": lambda grad, self, exponent:
                             pow_backward(grad, self, exponent)})
pow_tensor = Op("pow", "PowBackward1", lambda self, exponent: jnp.power(self, exponent),
                inputs=("self", "exponent"),
                derivatives={"self": lambda grad, self, exponent:
                             pow_backward_self(grad, self, exponent),
                             "exponent": lambda grad, self, exponent, result:
                             pow_backward_exponent(grad, self, exponent, result)})
# `2 ** x` is pow.Scalar: PowBackward2.
rpow_scalar = Op("pow", "PowBackward2", lambda exponent, self: jnp.power(self, exponent),
                 inputs=("exponent",), static=("self",), dtype_rule="float",
                 derivatives={"exponent": lambda grad, self, result:
                              grad * (result * math.log(self)) if self != 0
                              else zeros_like(grad)})
exp = Op("exp", "ExpBackward0", jnp.exp, dtype_rule="float",
         derivatives={"self": lambda grad, result: grad * result})
log = Op("log", "LogBackward0", jnp.log, dtype_rule="float",
         derivatives={"self": lambda grad, self: grad.div(self)})
sqrt = Op("sqrt", "SqrtBackward0", jnp.sqrt, dtype_rule="float",
          derivatives={"self": lambda grad, result: grad / (mul_scalar(result, 2))})
sin = Op("sin", "SinBackward0", jnp.sin, dtype_rule="float",
         derivatives={"self": lambda grad, self: grad * self.cos()})
cos = Op("cos", "CosBackward0", jnp.cos, dtype_rule="float",
         derivatives={"self": lambda grad, self: grad * -self.sin()})
tanh = Op("tanh", "TanhBackward0", jnp.tanh, dtype_rule="float",
          derivatives={"self": lambda grad, result: grad * (1 - result * result)})
sigmoid = Op("sigmoid", "SigmoidBackward0", lambda self: 1 / (1 + jnp.exp(-self)),
             dtype_rule="float",
             derivatives={"self": lambda grad, result: grad * (result * (1 - result))})
relu = Op("relu", "ReluBackward0", lambda self: jnp.maximum(self, 0),
          derivatives={"self": lambda grad, result: grad * (result > 0)})
abs = Op("abs", "AbsBackward0", jnp.abs,  # noqa: A001
         derivatives={"self": lambda grad, self: abs_backward(grad, self)})
sign = Op("sign", "SignBackward0", jnp.sign,
          derivatives={"self": lambda grad: zeros_like(grad)})
sgn = Op("sgn", "SgnBackward0", jnp.sign,
         derivatives={"self": lambda grad: zeros_like(grad)})

_cmp = dict(inputs=("self", "other"), scalars=("other",), out_dtype=lambda dt: _bool())


def _bool():
    from .. import _dtype

    return _dtype.bool


eq = Op("eq", None, lambda self, other: self == other, **_cmp)
ne = Op("ne", None, lambda self, other: self != other, **_cmp)
lt = Op("lt", None, lambda self, other: self < other, **_cmp)
le = Op("le", None, lambda self, other: self <= other, **_cmp)
gt = Op("gt", None, lambda self, other: self > other, **_cmp)
ge = Op("ge", None, lambda self, other: self >= other, **_cmp)

logical_and = Op("logical_and", None, lambda self, other: jnp.logical_and(self, other),
                 **_cmp)
logical_or = Op("logical_or", None, lambda self, other: jnp.logical_or(self, other), **_cmp)
logical_not = Op("logical_not", None, jnp.logical_not, out_dtype=lambda dt: _bool())
where = Op("where", "WhereBackward0", lambda condition, self, other:
           jnp.where(condition, self, other),
           inputs=("condition", "self", "other"), scalars=("self", "other"),
           dtype_rule=lambda dt: dt,
           derivatives={"self": lambda grad, condition: where(condition, grad, 0.0),
                        "other": lambda grad, condition: where(condition, 0.0, grad)})
