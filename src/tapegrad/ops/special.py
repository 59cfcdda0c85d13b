"""Pointwise functions beyond the basic table: torch.special, the gamma family, bitwise and
floating-point manipulation ops, and their torch.* / Tensor.* names. Declarations as in
`pointwise.py` (NOTE [Public surface]).

`torch.special` names that are torch.* ops under another name (`special.expit` is `sigmoid`,
`special.gammaln` is `lgamma`) are `@public(namespace="special")` functions calling the same
op, so their nodes are torch's (`SigmoidBackward0`, `LgammaBackward0`); the ones with nodes of
their own (`SpecialErfcxBackward0`) are Ops named as ATen names them (`special_erfcx`).
Formulas follow derivatives.yaml; functions torch marks `non_differentiable` (the Bessel and
orthogonal-polynomial families) have no node, so their results never require grad.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from .. import _device, _dtype, _errors, return_types
from .._checks import broadcast_shapes
from ..tensor import Tensor
from . import _backward_helpers as H
from . import pointwise as P
from . import reduction as R
from ._op import Op
from ._registry import Public, public, register
from .views import inplace

_u = dict(dtype_rule="float", inplace=True)
_special = dict(namespace="special", method=False)


def _special_op(name: str, op: Op, **surface) -> Op:
    """Declare `op` (named `special_<name>` as in ATen) as `torch.special.<name>`."""
    register(Public(name, op, module=__name__, namespace="special", method=False,
                    doc=f"Matches `torch.special.{name}`.", **surface))
    return op


def _not_implemented(name: str):
    """A formula for an input torch has no derivative for (derivatives.yaml's
    `not_implemented("...")`): raises torch's NotImplementedError in backward."""
    def formula(grad):
        raise NotImplementedError(_errors.DERIVATIVE_NOT_IMPLEMENTED_FOR.format(name=name))

    return formula


def _aten_not_implemented(name: str):
    """The formula of torch's `NotImplemented` node (an op with no derivatives.yaml entry)."""
    def formula(grad):
        raise RuntimeError(_errors.DERIVATIVE_NOT_IMPLEMENTED.format(name=name))

    return formula


def _floating_only(name: str, *names: str):
    """torch's error for an integer tensor given to a kernel defined on floats only."""
    def check(*tensors):
        for t in tensors[:len(names) or 1]:
            if isinstance(t, Tensor) and not (t.dtype.is_floating_point or t.dtype.is_complex):
                raise NotImplementedError(_errors.NOT_IMPLEMENTED_FOR.format(
                    kernel=f"{name}_cpu", dtype=t.dtype.scalar_name))

    return check


_integral_only = P._integral_only  # torch's error for floats given to integer kernels


# ------------------------------------------------------------------ gamma family
def _digamma_fwd(x):
    # torch: digamma(0) = -inf (scipy's convention at the pole), nan at the negative integers.
    return jnp.where(x == 0, jnp.asarray(-jnp.inf, x.dtype), jsp.digamma(x))


def _polygamma_fwd(self, n):
    if n == 0:
        return _digamma_fwd(self)
    return jsp.polygamma(jnp.asarray(n, jnp.int32), self).astype(self.dtype)


lgamma = Op("lgamma", "LgammaBackward0", jsp.gammaln, **_u,
            derivatives={"self": lambda grad, self: grad * digamma(self)})
digamma = Op("digamma", "DigammaBackward0", _digamma_fwd, **_u,
             derivatives={"self": lambda grad, self: grad * polygamma_op(self, 1)})
polygamma_op = Op("polygamma", "PolygammaBackward0", _polygamma_fwd, static=("n",),
                  dtype_rule="float",
                  derivatives={"self": lambda grad, self, n: grad * polygamma_op(self, n + 1)})
# In place, torch's polygamma_ is a node of its own (PolygammaBackward1).
polygamma_inplace_op = Op("polygamma_", "PolygammaBackward1", _polygamma_fwd, static=("n",),
                          dtype_rule="float",
                          derivatives={"self": lambda grad, self, n:
                                       grad * polygamma_op(self, n + 1)})
_polygamma_ = inplace(polygamma_inplace_op, "polygamma_")


def _check_polygamma(n):
    if n < 0:
        raise RuntimeError(_errors.POLYGAMMA_NEGATIVE)


def _polygamma_method(self, n):
    _check_polygamma(n)
    return polygamma_op(self, n)


def _polygamma_inplace(self, n):
    _check_polygamma(n)
    return _polygamma_(self, n)


@public(method=_polygamma_method, inplace=_polygamma_inplace)
def polygamma(n, input):
    """Matches `torch.polygamma` (the n-th derivative of digamma)."""
    _check_polygamma(n)
    return polygamma_op(input, n)


def _mvlgamma_fwd(self, p):
    return jsp.multigammaln(self, p)


def _mvlgamma_backward(grad, self, p):
    # torch's mvlgamma_backward: grad * sum_j digamma(self - j / 2), j < p.
    total = digamma(self)
    for j in range(1, p):
        total = total + digamma(self - j / 2)
    return grad * total


def _check_mvlgamma(self, p):
    if p < 1:
        raise RuntimeError(_errors.MVLGAMMA_P)


mvlgamma = Op("mvlgamma", "MvlgammaBackward0", _mvlgamma_fwd, static=("p",), **_u,
              check=_check_mvlgamma,
              derivatives={"self": lambda grad, self, p: _mvlgamma_backward(grad, self, p)})
erfinv = Op("erfinv", "ErfinvBackward0", jsp.erfinv, **_u,
            derivatives={"self": lambda grad, self:
                         P.mul_scalar(erfinv(self).pow(2).exp(), 0.5 * math.sqrt(math.pi))
                         * grad})

# ------------------------------------------------------------------ Bessel functions
special_i1 = _special_op("i1", Op(
    "special_i1", "SpecialI1Backward0", jsp.i1, dtype_rule="float",
    derivatives={"self": lambda grad, self, result: P.where(
        self == 0, 0.5, i0(self) - result / self) * grad}))
special_i0e = _special_op("i0e", Op(
    "special_i0e", "SpecialI0EBackward0", jsp.i0e, dtype_rule="float",
    derivatives={"self": lambda grad, self, result:
                 grad * (special_i1e(self) - self.sgn() * result)}))
special_i1e = _special_op("i1e", Op(
    "special_i1e", "SpecialI1EBackward0", jsp.i1e, dtype_rule="float",
    derivatives={"self": lambda grad, self, result: P.where(
        self == 0, 0.5, special_i0e(self) - result * (self.sgn() + self.reciprocal())) * grad}))
i0 = Op("i0", "I0Backward0", jsp.i0, **_u,
        derivatives={"self": lambda grad, self: grad * special_i1(self)})

# torch marks these non_differentiable: no node, results never require grad.
_nd = dict(dtype_rule="float")


_special_op("modified_bessel_i0", Op("special_modified_bessel_i0", None, jsp.i0, **_nd))
_special_op("modified_bessel_i1", Op("special_modified_bessel_i1", None, jsp.i1, **_nd))
_special_op("spherical_bessel_j0", Op(
    "special_spherical_bessel_j0", None,
    lambda x: jnp.where(x == 0, jnp.ones_like(x), jnp.sin(x) / x), inputs=("x",), **_nd))


# ------------------------------------------------------------------ other unary functions
def _sinc_backward(grad, self):
    self_pi = self * math.pi
    self_squared_pi = self * self * math.pi
    out = grad * P._conj((self_pi * self_pi.cos()) - self_pi.sin()) / P._conj(self_squared_pi)
    return P.where(self_squared_pi == 0.0, 0.0, out)


sinc = Op("sinc", "SincBackward0", jnp.sinc, **_u,
          derivatives={"self": lambda grad, self: _sinc_backward(grad, self)})


def _logit_fwd(self, eps):
    if eps is not None:
        self = jnp.clip(self, eps, 1 - eps)
    return jnp.log(self / (1 - self))


def _logit_backward(grad, self, eps):
    if eps is None:
        inside = P.logical_and(self >= 0, self <= 1)
        return P.where(inside, grad / (self * P.one_minus(self)), math.nan)
    inside = P.logical_and(self >= eps, self <= 1 - eps)
    return P.where(inside, grad / (self * P.one_minus(self)), 0.0)


logit = Op("logit", "LogitBackward0", _logit_fwd, static=("eps",), defaults={"eps": None},
           **_u, derivatives={"self": lambda grad, self, eps: _logit_backward(grad, self, eps)})
_deg = dict(dtype_rule="float", inplace=True)
deg2rad = Op("deg2rad", "Deg2RadBackward0", lambda self: self * (math.pi / 180), **_deg,
             derivatives={"self": lambda grad: P.mul_scalar(grad, math.pi / 180)})
rad2deg = Op("rad2deg", "Rad2DegBackward0", lambda self: self * (180 / math.pi), **_deg,
             derivatives={"self": lambda grad: P.mul_scalar(grad, 180 / math.pi)})


@public
def positive(input):
    """Matches `torch.positive` (the input itself; refused for bool, as torch)."""
    if input.dtype is _dtype.bool:
        raise RuntimeError(_errors.POSITIVE_BOOL)
    return input


_pred = dict(out_dtype=lambda dt: _dtype.bool, dtype_rule="keep")
signbit = Op("signbit", None, jnp.signbit, **_pred, public=True)
isneginf = Op("isneginf", None, jnp.isneginf, **_pred, public=True)
isposinf = Op("isposinf", None, jnp.isposinf, **_pred, public=True)
isreal = Op("isreal", None, lambda self: jnp.imag(self) == 0 if jnp.iscomplexobj(self) else
            jnp.ones(self.shape, bool), **_pred, public=True)

# ------------------------------------------------------------------ binary functions
_bin = dict(inputs=("self", "other"))


def _xlogy_fwd(self, other):
    # torch: nan where other is nan, 0 where self is 0, else self * log(other).
    out = jnp.where(self == 0, jnp.zeros_like(self * other), self * jnp.log(other))
    return jnp.where(jnp.isnan(other), other, out)


def _xlog1py_fwd(self, other):
    out = jnp.where(self == 0, jnp.zeros_like(self * other), self * jnp.log1p(other))
    return jnp.where(jnp.isnan(other), other, out)


xlogy_tensor = Op("xlogy", "XlogyBackward0", _xlogy_fwd, **_bin, dtype_rule="float",
                  derivatives={"self": lambda grad, self, other: masked_fill_and(
                      xlogy(grad, other), self == 0.0, other <= 0.0),
                               "other": lambda grad, self, other: grad * self / other})
xlogy_scalar_self = Op("xlogy", "XlogyBackward1", lambda other, self: _xlogy_fwd(
    jnp.asarray(self, other.dtype), other), inputs=("other",), static=("self",),
                       dtype_rule="float",
                       derivatives={"other": lambda grad, self, other: grad * self / other})
xlogy_scalar_other = Op("xlogy", "XlogyBackward2", lambda self, other: _xlogy_fwd(
    self, jnp.asarray(other, self.dtype)), static=("other",), dtype_rule="float",
                        derivatives={"self": lambda grad, self, other: xlogy(grad, other)
                                     if other > 0 else P.masked_fill(
                                         xlogy(grad, other), self == 0.0, 0.0)})


def masked_fill_and(t, a, b):
    return P.masked_fill(t, P.logical_and(a, b), 0.0)


def _binary_dispatch(name, tensor_op, self_scalar_op, other_scalar_op):
    def call(input, other):
        if isinstance(input, Tensor):
            if isinstance(other, Tensor):
                return tensor_op(input, other)
            return other_scalar_op(input, other)
        return self_scalar_op(other, input)

    call.__name__ = call.__qualname__ = name
    return call


_xlogy = _binary_dispatch("xlogy", xlogy_tensor, xlogy_scalar_self, xlogy_scalar_other)


@public(inplace=True, number_input=True)
def xlogy(input, other):
    """`input * log(other)`, 0 where input is 0. Matches `torch.xlogy` (XlogyBackward0, or 1/2
    with a number for input/other)."""
    return _xlogy(input, other)


special_xlog1py_tensor = Op(
    "special_xlog1py", "SpecialXlog1PyBackward0", _xlog1py_fwd, **_bin, dtype_rule="float",
    derivatives={"self": lambda grad, self, other: masked_fill_and(
        _xlog1py(grad, other), self == 0.0, other <= -1.0),
                 "other": lambda grad, self, other: grad * self / (other + 1)})
special_xlog1py_scalar_self = Op(
    "special_xlog1py", "SpecialXlog1PyBackward1", lambda other, self: _xlog1py_fwd(
        jnp.asarray(self, other.dtype), other), inputs=("other",), static=("self",),
    dtype_rule="float",
    derivatives={"other": lambda grad, self, other: grad * self / (other + 1)})
special_xlog1py_scalar_other = Op(
    "special_xlog1py", "SpecialXlog1PyBackward2", lambda self, other: _xlog1py_fwd(
        self, jnp.asarray(other, self.dtype)), static=("other",), dtype_rule="float",
    derivatives={"self": lambda grad, self, other: _xlog1py(grad, other)
                 if other > -1 else P.masked_fill(_xlog1py(grad, other), self == 0.0, 0.0)})
_xlog1py = _binary_dispatch("xlog1py", special_xlog1py_tensor, special_xlog1py_scalar_self,
                            special_xlog1py_scalar_other)


@public(number_input=True, **_special)
def xlog1py(input, other):
    """`input * log1p(other)`, 0 where input is 0. Matches `torch.special.xlog1py`."""
    return _xlog1py(input, other)


@public(name="xlogy", number_input=True, **_special)
def _special_xlogy(input, other):
    """Matches `torch.special.xlogy` (torch.xlogy)."""
    return _xlogy(input, other)


def _zeta_fwd(self, other):
    return jsp.zeta(self, other)


special_zeta_tensor = Op("special_zeta", "SpecialZetaBackward0", _zeta_fwd, **_bin,
                         dtype_rule="float",
                         derivatives={"self": _not_implemented("zeta"),
                                      "other": lambda grad, self, other:
                                      grad * -self * _zeta(self + 1.0, other)})
special_zeta_scalar_self = Op(
    "special_zeta", "SpecialZetaBackward1", lambda other, self: _zeta_fwd(
        jnp.asarray(self, other.dtype), other), inputs=("other",), static=("self",),
    dtype_rule="float",
    derivatives={"other": lambda grad, self, other: grad * -self * _zeta(self + 1.0, other)})
special_zeta_scalar_other = Op(
    "special_zeta", "SpecialZetaBackward2", lambda self, other: _zeta_fwd(
        self, jnp.asarray(other, self.dtype)), static=("other",), dtype_rule="float",
    derivatives={"self": _not_implemented("zeta")})
_zeta = _binary_dispatch("zeta", special_zeta_tensor, special_zeta_scalar_self,
                         special_zeta_scalar_other)


@public(number_input=True, **_special)
def zeta(input, other):
    """The Hurwitz zeta function. Matches `torch.special.zeta` (no derivative for `input`)."""
    return _zeta(input, other)


hypot = Op("hypot", "HypotBackward0", jnp.hypot, **_bin, inplace=True,
           check=_floating_only("hypot", "self", "other"),
           derivatives={"self": lambda grad, self, result: grad * self / result,
                        "other": lambda grad, other, result: grad * other / result})


def _copysign_backward(grad, self, result):
    return grad * P.masked_fill(result / self, self == 0, 0.0)


copysign_tensor = Op("copysign", "CopysignBackward0", jnp.copysign, **_bin, dtype_rule="float",
                     grad_version={"other": 1},  # torch's zeros_like is zero_()'d
                     derivatives={"self": lambda grad, self, result:
                                  _copysign_backward(grad, self, result),
                                  "other": lambda grad, other_sym_sizes:
                                  H.zeros(other_sym_sizes, grad)})
copysign_scalar = Op("copysign", "CopysignBackward1", lambda self, other: jnp.copysign(
    self, jnp.asarray(other, self.dtype)), static=("other",), dtype_rule="float",
                     derivatives={"self": lambda grad, self, result:
                                  _copysign_backward(grad, self, result)})


@public(inplace=True)
def copysign(input, other):
    """Matches `torch.copysign` (CopysignBackward0, or CopysignBackward1 for a number)."""
    if isinstance(other, Tensor):
        return copysign_tensor(input, other)
    return copysign_scalar(input, other)


fmax = Op("fmax", "FmaxBackward0", jnp.fmax, **_bin, public=True,
          derivatives={"self": lambda grad, self, other: P.masked_fill(
              grad, P.logical_or(self >= other, other.isnan()).logical_not(), 0),
                       "other": lambda grad, self, other: P.masked_fill(
              grad, P.logical_or(self >= other, other.isnan()), 0)})
fmin = Op("fmin", "FminBackward0", jnp.fmin, **_bin, public=True,
          derivatives={"self": lambda grad, self, other: P.masked_fill(
              grad, P.logical_or(self <= other, other.isnan()).logical_not(), 0),
                       "other": lambda grad, self, other: P.masked_fill(
              grad, P.logical_or(self <= other, other.isnan()), 0)})
nextafter = Op("nextafter", "NextafterBackward0", jnp.nextafter, **_bin, inplace=True,
               check=_floating_only("nextafter", "self", "other"), grad_version={"other": 1},
               derivatives={"self": lambda grad, self, other: P.where(self != other, grad, 0),
                            "other": lambda grad, other_sym_sizes:
                            H.zeros(other_sym_sizes, grad)})
ldexp = Op("ldexp", "LdexpBackward0", lambda self, other: self * jnp.exp2(other), **_bin,
           dtype_rule="float", inplace=True,
           derivatives={"self": lambda grad, other: grad * _pow2(other),
                        "other": lambda grad, result: grad * result * math.log(2.0)})


def _pow2(other):
    # torch's pow(2, other) keeps an integer `other`'s dtype: 2 ** -k is 0 there.
    if other.dtype.is_floating_point or other.dtype.is_complex:
        return P.pow(2, other)
    return P.where(other >= 0, P.pow(2, other), 0.0)


def _check_heaviside(self, values):
    if self.dtype is not values.dtype:
        raise RuntimeError(_errors.HEAVISIDE_DTYPES)


_heaviside_ = inplace(Op("heaviside_", "NotImplemented", jnp.heaviside,
                        inputs=("self", "values"),
                        derivatives={"self": _aten_not_implemented("heaviside_"),
                                     "values": _aten_not_implemented("heaviside_")}),
                     "heaviside_")


def _heaviside_inplace(self, values):
    _check_heaviside(self, values)
    return _heaviside_(self, values)


heaviside = Op("heaviside", "NotImplemented", jnp.heaviside, inputs=("self", "values"),
               check=_check_heaviside, inplace=_heaviside_inplace,
               derivatives={"self": _aten_not_implemented("heaviside"),
                            "values": _aten_not_implemented("heaviside")})


def _igamma_other(grad, self, other):
    return grad * ((self - 1) * other.log() - other - lgamma(self)).exp()


igamma = Op("igamma", "IgammaBackward0", jsp.gammainc, **_bin, inplace=True,
            check=_floating_only("igamma", "self", "other"),
            derivatives={"self": _not_implemented("igamma: input"),
                         "other": lambda grad, self, other: _igamma_other(grad, self, other)})
igammac = Op("igammac", "IgammacBackward0", jsp.gammaincc, **_bin, inplace=True,
             check=_floating_only("igammac", "self", "other"),
             derivatives={"self": _not_implemented("igammac: input"),
                          "other": lambda grad, self, other: -_igamma_other(grad, self, other)})
gcd = Op("gcd", None, jnp.gcd, **_bin, inplace=True, check=_integral_only("gcd"))
lcm = Op("lcm", None, jnp.lcm, **_bin, inplace=True, check=_integral_only("lcm"))


def _frexp_fwd(self):
    mantissa, exponent = jnp.frexp(self)
    return mantissa, exponent.astype(jnp.int32)


frexp_op = Op("frexp", "FrexpBackward0", _frexp_fwd, outputs=("mantissa", "exponent"),
              dtype_rule="keep",
              derivatives={"self": lambda grad, exponent: grad / exponent.exp2()})


@public
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent. Matches `torch.frexp`."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(_errors.FREXP_DTYPE)
    mantissa, exponent = frexp_op(input)
    return return_types.make("frexp", ("mantissa", "exponent"))(mantissa, exponent)


@public(inplace=lambda self, exponent: _float_power_inplace(self, exponent), number_input=True)
def float_power(input, exponent):
    """`pow` in double precision. Matches `torch.float_power` (a composite: ToCopyBackward0
    then PowBackward0/1/2)."""
    if not isinstance(input, Tensor):
        return P.pow(input, _to_double(exponent))
    if isinstance(exponent, Tensor):
        return P.pow(_to_double(input), _to_double(exponent))
    return P.pow(_to_double(input), float(exponent))


def _to_double(t):
    return P.to(t, _dtype.complex128 if t.dtype.is_complex else _dtype.float64)


def _float_power_inplace(self, exponent):
    expected = _dtype.complex128 if self.dtype.is_complex else _dtype.float64
    if self.dtype is not expected:
        raise RuntimeError(_errors.FLOAT_POWER_INPLACE.format(
            dtype=self.dtype.scalar_name, expected=expected.scalar_name))
    return _float_power_(self, exponent)


_float_power_ = inplace(lambda self, exponent: float_power(self, exponent), "float_power_")

# ------------------------------------------------------------------ shifts
_shift = dict(inputs=("self", "other"), scalars=("other",))


def _lshift(self, other):
    bits = jnp.iinfo(self.dtype).bits if self.dtype != bool else 8
    other = jnp.asarray(other, self.dtype)
    ok = (other >= 0) & (other < bits)
    return jnp.where(ok, jnp.left_shift(self, jnp.where(ok, other, 0)), jnp.zeros_like(self))


def _rshift(self, other):
    bits = jnp.iinfo(self.dtype).bits if self.dtype != bool else 8
    other = jnp.asarray(other, self.dtype)
    # torch: shifting by the width or more (or a negative amount) gives the sign fill.
    amount = jnp.where((other >= 0) & (other < bits), other, bits - 1)
    return jnp.right_shift(self, amount)


bitwise_left_shift = Op("bitwise_left_shift", None, _lshift, **_shift, inplace=True,
                        check=_integral_only("lshift"), dunders=("__lshift__",),
                        inplace_dunders=("__ilshift__",))
bitwise_right_shift = Op("bitwise_right_shift", None, _rshift, **_shift, inplace=True,
                         check=_integral_only("rshift"), dunders=("__rshift__",),
                         inplace_dunders=("__irshift__",))


@public(function=False, name="__rlshift__")
def _rlshift(self, other):
    return bitwise_left_shift(H.full_like(self, other), self)


@public(function=False, name="__rrshift__")
def _rrshift(self, other):
    return bitwise_right_shift(H.full_like(self, other), self)


# `2 % x` is remainder.Scalar_Tensor: torch has no derivative for it (a NotImplemented node).
_rremainder = Op("remainder", "NotImplemented", lambda other, self: jnp.remainder(
    jnp.asarray(self, other.dtype), other), inputs=("other",), static=("self",),
                 dtype_rule="keep", derivatives={"other": _aten_not_implemented("remainder")})


@public(function=False, name="__rmod__")
def _rmod(self, other):
    P._check_integer_division(H.full_like(self, other), self)
    return _rremainder(self, other)


# ------------------------------------------------------------------ comparisons
def _check_same_dtype(input, other):
    if input.dtype is not other.dtype:
        raise RuntimeError(_errors.DTYPE_DID_NOT_MATCH.format(a=input.dtype.scalar_name,
                                                              b=other.dtype.scalar_name))


def _isclose_fwd(self, other, rtol, atol, equal_nan):
    # torch's composite: close = self == other, then |= the nan and tolerance terms.
    close = self == other
    if equal_nan:
        close = close | (jnp.isnan(self) & jnp.isnan(other))
    if rtol == 0 and atol == 0:
        return close
    if not jnp.issubdtype(self.dtype, jnp.floating):
        self = self.astype(jnp.float32)
        other = other.astype(jnp.float32)
    allowed = atol + jnp.abs(rtol * other)
    actual = jnp.abs(self - other)
    return close | (jnp.isfinite(actual) & (actual <= allowed))


_isclose = Op("isclose", None, _isclose_fwd, inputs=("self", "other"),
              static=("rtol", "atol", "equal_nan"), dtype_rule="keep",
              out_dtype=lambda dt: _dtype.bool)


@public
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Matches `torch.isclose` (its result's version counts torch's in-place `|=`s)."""
    _check_same_dtype(input, other)
    if rtol < 0:
        raise RuntimeError(_errors.ISCLOSE_TOL.format(name="rtol", value=rtol))
    if atol < 0:
        raise RuntimeError(_errors.ISCLOSE_TOL.format(name="atol", value=atol))
    broadcast_shapes(tuple(input.shape), tuple(other.shape))
    out = _isclose(input, other, float(rtol), float(atol), bool(equal_nan))
    out._vc.version = int(bool(equal_nan)) + int(not (rtol == 0 and atol == 0))
    return out


@public
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Matches `torch.allclose` (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@public
def equal(input, other):
    """True when both have the same shape and values. Matches `torch.equal`."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input.detach() == other.detach()).all())


# ------------------------------------------------------------------ factories
def _check_steps(steps):
    if steps < 0:
        raise RuntimeError(_errors.STEPS_NEGATIVE)


def _linspace_array(start, end, steps, dt):
    # torch's kernel: the first half counted from start, the second from end, in the dtype's
    # precision (double for integer dtypes). By NumPy, one IEEE operation at a time, then put
    # on the device: no programs to compile per `steps` (NOTE [Host-built factories]).
    if steps == 1:
        return jnp.full((1,), start, dt)
    dt = np.dtype(dt)
    integral = not jnp.issubdtype(dt, jnp.floating)
    st = np.dtype(np.float64) if integral else dt
    if integral:
        start, end = int(start), int(end)
    lo, hi = np.asarray(start, dt).astype(st), np.asarray(end, dt).astype(st)
    step = (hi - lo) / np.asarray(max(steps - 1, 1), st)
    if not integral and dt.itemsize < 8:
        # torch's vectorized kernel uses fused multiply-adds: for types narrower than double,
        # the exact product and one rounding are the float64 product and sum, cast once.
        lo, hi, step = (v.astype(np.float64) for v in (lo, hi, step))
        st = np.dtype(np.float64)
    i = np.arange(steps, dtype=st)
    with np.errstate(all="ignore"):  # inf/nan endpoints give inf/nan, as in torch
        out = np.where(i < steps // 2, lo + step * i, hi - step * (steps - 1 - i))
        # NumPy's cast to bfloat16 could round twice; XLA's rounds once.
        return jnp.asarray(out).astype(dt) if dt == jnp.bfloat16 else jax.device_put(out.astype(dt))


@public(method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """Matches `torch.linspace`."""
    _check_steps(steps)
    dt = dtype or _dtype.get_default_dtype()
    return Tensor._make(_device.place(_linspace_array(start, end, steps, dt.np), device,
                                      "linspace")).requires_grad_(requires_grad)


@public(method=False)
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """Matches `torch.logspace` (powers computed in double, then cast)."""
    _check_steps(steps)
    dt = dtype or _dtype.get_default_dtype()
    exps = _linspace_array(float(start), float(end), steps, jnp.float64)
    array = jnp.power(jnp.asarray(base, jnp.float64), exps).astype(dt.np)
    return Tensor._make(_device.place(array, device, "logspace")).requires_grad_(requires_grad)


# ------------------------------------------------------------------ torch.special
def _entr_fwd(x):
    out = jnp.where(x > 0, -x * jnp.log(jnp.where(x > 0, x, 1)), jnp.zeros_like(x))
    out = jnp.where(x < 0, jnp.asarray(-jnp.inf, x.dtype), out)
    return jnp.where(jnp.isnan(x), x, out)


special_entr = _special_op("entr", Op(
    "special_entr", "SpecialEntrBackward0", _entr_fwd, dtype_rule="float",
    derivatives={"self": lambda grad, self: grad * (-(1 + self.log()))}))
special_erfcx = _special_op("erfcx", Op(
    "special_erfcx", "SpecialErfcxBackward0", jsp.erfcx, dtype_rule="float",
    derivatives={"self": lambda grad, self, result:
                 (2.0 * self * result - 2.0 / math.sqrt(math.pi)) * grad}))
special_log_ndtr = _special_op("log_ndtr", Op(
    "special_log_ndtr", "SpecialLogNdtrBackward0", jsp.log_ndtr, dtype_rule="float",
    derivatives={"self": lambda grad, self, result:
                 grad / math.sqrt(2 * math.pi) * (result + self.pow(2) / 2).neg().exp()}))
special_ndtri = _special_op("ndtri", Op(
    "special_ndtri", "SpecialNdtriBackward0", jsp.ndtri, dtype_rule="float",
    derivatives={"self": lambda grad, result:
                 grad * math.sqrt(2 * math.pi) * (result.square() / 2).exp()}))
# special.round(x, decimals=) is round.decimals: RoundBackward1.
_round_decimals = Op("round", "RoundBackward1", lambda self, decimals: jnp.round(
    self, decimals), static=("decimals",), dtype_rule="keep",
                     derivatives={"self": lambda grad: H.zeros_like(grad)})
# torch's add.Scalar (a composite's `1 + t` in C++): AddBackward1.
_add_scalar = P.add_scalar


@public(**_special)
def ndtr(input):
    """The standard normal CDF. Matches `torch.special.ndtr` (a composite:
    `(1 + erf(x / sqrt(2))) * 0.5`)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = P.to(input, _dtype.get_default_dtype())
    return P.mul_scalar(_add_scalar(P.erf(P.mul_scalar(input, math.sqrt(0.5))), 1), 0.5)


@public(name="round", **_special)
def _special_round(input, *, decimals=0):
    """Matches `torch.special.round` (round.decimals: RoundBackward1)."""
    return _round_decimals(input, decimals)


@public(name="polygamma", **_special)
def _special_polygamma(n, input):
    """Matches `torch.special.polygamma`."""
    _check_polygamma(n)
    return polygamma_op(input, n)


@public(name="multigammaln", **_special)
def _special_multigammaln(input, p):
    """Matches `torch.special.multigammaln` (torch.mvlgamma)."""
    _check_mvlgamma(input, p)
    return mvlgamma(input, p)


@public(name="logit", **_special)
def _special_logit(input, eps=None):
    """Matches `torch.special.logit`."""
    return logit(input, eps)


@public(name="gammainc", **_special)
def _special_gammainc(input, other):
    """Matches `torch.special.gammainc` (torch.igamma)."""
    igamma.check(input, other)
    return igamma(input, other)


@public(name="gammaincc", **_special)
def _special_gammaincc(input, other):
    """Matches `torch.special.gammaincc` (torch.igammac)."""
    igammac.check(input, other)
    return igammac(input, other)


@public(name="softmax", dims="dim", **_special)
def _special_softmax(input, dim, dtype=None):
    """Matches `torch.special.softmax`."""
    return R.softmax(input, dim, dtype)


@public(name="log_softmax", dims="dim", **_special)
def _special_log_softmax(input, dim, *, dtype=None):
    """Matches `torch.special.log_softmax`."""
    return R.log_softmax(input, dim, dtype)


@public(name="logsumexp", dims="dim", **_special)
def _special_logsumexp(input, dim, keepdim=False):
    """Matches `torch.special.logsumexp`."""
    return R.logsumexp(input, dim, keepdim)


def _unary_alias(name: str, op):
    """`torch.special.<name>`: torch's unary op `op` under its special name (same node)."""
    def alias(input):
        return op(input)

    alias.__name__ = alias.__qualname__ = name
    alias.__doc__ = f"Matches `torch.special.{name}`."
    public(alias, **_special)


for _name, _target in (("erf", P.erf), ("erfc", P.erfc), ("exp2", P.exp2), ("expm1", P.expm1),
                       ("log1p", P.log1p), ("expit", P.sigmoid), ("gammaln", lgamma),
                       ("digamma", digamma), ("psi", digamma), ("erfinv", erfinv),
                       ("i0", i0), ("sinc", sinc)):
    _unary_alias(_name, _target)


# ------------------------------------------------------------------ orthogonal polynomials
# torch marks them non_differentiable. P_n(x) for an integer n (a number or a tensor,
# truncated as torch's static_cast<int64_t>), by the three-term recurrence of each family
# (a `while_loop` up to the largest n, so a traced n works), with torch's special cases.
def _poly(first, step, special=None):
    def forward(x, n):
        x, n = jnp.broadcast_arrays(jnp.asarray(x), jnp.asarray(n))
        n = n.astype(jnp.int64)
        one = jnp.ones_like(x)
        p1 = first(x)

        def cond(state):
            return state[0] < jnp.max(n, initial=0)

        def body(state):
            j, p, q = state
            r = step(j.astype(x.dtype), x, p, q)
            active = j < n
            return j + 1, jnp.where(active, q, p), jnp.where(active, r, q)

        _, _, pn = jax.lax.while_loop(cond, body, (jnp.asarray(1, jnp.int64), one, p1))
        out = jnp.where(n == 0, one, jnp.where(n == 1, p1, pn))
        if special is not None:
            out = special(x, n.astype(x.dtype), out)
        return jnp.where(n < 0, jnp.zeros_like(x), out)

    return forward


def _odd(n):
    return jnp.remainder(n, 2) == 1


def _cheb(first, at_one, at_minus_one, shifted=False):
    def special(x, n, out):
        if shifted:
            return jnp.where(x == 1, at_one(n), jnp.where(x == 0, at_minus_one(n), out))
        return jnp.where(x == 1, at_one(n), jnp.where(x == -1, at_minus_one(n), out))

    two_x = (lambda x: 2 * (x + x - 1)) if shifted else (lambda x: x + x)
    return _poly(first, lambda j, x, p, q: two_x(x) * q - p, special)


def _sign_odd(n, value):
    return jnp.where(_odd(n), -value, value)


_POLYNOMIALS = {
    "chebyshev_polynomial_t": _cheb(lambda x: x, lambda n: jnp.ones_like(n),
                                    lambda n: _sign_odd(n, jnp.ones_like(n))),
    "chebyshev_polynomial_u": _cheb(lambda x: x + x, lambda n: n + 1,
                                    lambda n: _sign_odd(n, n + 1)),
    "chebyshev_polynomial_v": _cheb(lambda x: x + x - 1, lambda n: jnp.ones_like(n),
                                    lambda n: _sign_odd(n, n + n + 1)),
    "chebyshev_polynomial_w": _cheb(lambda x: x + x + 1, lambda n: n + n + 1,
                                    lambda n: _sign_odd(n, jnp.ones_like(n))),
    "shifted_chebyshev_polynomial_t": _cheb(lambda x: x + x - 1, lambda n: jnp.ones_like(n),
                                            lambda n: _sign_odd(n, jnp.ones_like(n)), True),
    "shifted_chebyshev_polynomial_u": _cheb(lambda x: 2 * (x + x - 1), lambda n: n + 1,
                                            lambda n: _sign_odd(n, n + 1), True),
    "shifted_chebyshev_polynomial_v": _cheb(lambda x: 2 * (x + x - 1) - 1,
                                            lambda n: jnp.ones_like(n),
                                            lambda n: _sign_odd(n, n + n + 1), True),
    "shifted_chebyshev_polynomial_w": _cheb(lambda x: 2 * (x + x - 1) + 1,
                                            lambda n: n + n + 1,
                                            lambda n: _sign_odd(n, jnp.ones_like(n)), True),
    "hermite_polynomial_h": _poly(lambda x: x + x, lambda j, x, p, q: (x + x) * q - 2 * j * p),
    "hermite_polynomial_he": _poly(lambda x: x, lambda j, x, p, q: x * q - j * p),
    "laguerre_polynomial_l": _poly(
        lambda x: 1 - x, lambda j, x, p, q: ((j + j + (1 - x)) * q - j * p) / (j + 1),
        lambda x, n, out: jnp.where(x == 0, jnp.ones_like(out), out)),
    "legendre_polynomial_p": _poly(
        lambda x: x, lambda j, x, p, q: ((j + j + 1) * x * q - j * p) / (j + 1),
        lambda x, n, out: jnp.where(x == 1, jnp.ones_like(out), jnp.where(
            x == -1, _sign_odd(n, jnp.ones_like(out)), out))),
}
def _polynomial_arguments(name: str):
    def check(x, n):
        # torch's parser: (Tensor, Tensor), (Scalar, Tensor) or (Tensor, Scalar).
        if not all(isinstance(a, (Tensor, int, float)) for a in (x, n)) or not (
                isinstance(x, Tensor) or isinstance(n, Tensor)):
            types = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__
                              for a in (x, n))
            raise TypeError(_errors.INVALID_ARGUMENTS.format(name=f"special_{name}",
                                                             types=types))

    return check


for _name, _forward in _POLYNOMIALS.items():
    _special_op(_name, Op(f"special_{_name}", None, _forward, inputs=("x", "n"),
                          scalars=("x", "n"), check=_polynomial_arguments(_name)))


# ------------------------------------------------------------------ modified Bessel K
# K_v(x) = integral over t >= 0 of exp(-x cosh t) cosh(v t): the trapezoidal rule on this
# analytic, doubly exponentially decaying integrand converges geometrically (error about
# exp(-pi^2 / h)). For x > 2 the peak (width 1/sqrt(x)) is resolved by substituting
# w = sqrt(2x) sinh(t / 2), which leaves exp(-w^2) times a smooth factor. Computed in double,
# scaled by exp(x), then cast; torch marks these non_differentiable.
_K_STEP = 0.2
_K_NODES = 300  # t up to 60: enough for x >= 1e-24; below, the leading small-x terms
_K_W_NODES = 40  # w up to 8


def _trapezoid(f, nodes, like):
    # h * (f(0) / 2 + f(h) + f(2h) + ...), accumulated node by node (memory of one array).
    def body(k, total):
        return total + f(k * _K_STEP)

    total = jax.lax.fori_loop(1, nodes, body, 0.5 * f(jnp.zeros((), jnp.float64)) + 0 * like)
    return total * _K_STEP


def _bessel_k_scaled(x, v):
    dt = x.dtype
    x = x.astype(jnp.float64)
    small = jnp.where((x > 0) & (x <= 2), x, 1.0)
    near = _trapezoid(lambda t: jnp.exp(-small * (jnp.cosh(t) - 1.0)) * jnp.cosh(v * t),
                      _K_NODES, x)
    large = jnp.where(x > 2, x, 4.0)

    def far_term(w):
        factor = 2.0 / jnp.sqrt(1.0 + w * w / (2 * large))
        if v == 1:
            factor = factor * (1.0 + w * w / large)
        return jnp.exp(-w * w) * factor

    far = _trapezoid(far_term, _K_W_NODES, x) / jnp.sqrt(2 * large)
    out = jnp.where(x > 2, far, near)
    safe = jnp.where(x > 0, x, 1.0)
    tiny = -jnp.log(safe / 2) - 0.5772156649015329 if v == 0 else 1.0 / safe
    out = jnp.where(x < 1e-20, tiny, out)
    out = jnp.where(x == 0, jnp.inf, jnp.where(x < 0, jnp.nan, out))
    out = jnp.where(jnp.isinf(x) & (x > 0), 0.0, out)
    return jnp.where(jnp.isnan(x), x, out).astype(dt)


def _bessel_k(x, v):
    scaled = _bessel_k_scaled(x, v)
    return jnp.where(x > 0, scaled * jnp.exp(-x), scaled)


for _v in (0, 1):
    _special_op(f"modified_bessel_k{_v}", Op(
        f"special_modified_bessel_k{_v}", None, lambda self, v=_v: _bessel_k(self, v), **_nd))
    _special_op(f"scaled_modified_bessel_k{_v}", Op(
        f"special_scaled_modified_bessel_k{_v}", None,
        lambda x, v=_v: _bessel_k_scaled(x, v), inputs=("x",), **_nd))
