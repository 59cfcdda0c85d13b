"""OpInfo-lite, keyed by the op table's public names (`tapegrad.ops.REGISTRY`).

An entry names the public op it calls (`op`, a REGISTRY key) and gives sample inputs and
error inputs; how to call it under torch or tapegrad (function, method, in-place form, a
namespace) comes from the declaration, so the tests derive every variant from the table.
Scenarios (`fn=`) exercise what a plain call does not (ties, views of views, graphs).

Sample specs: `F(shape)` is a float tensor that requires grad (values drawn from a seeded
RNG in [low, high)); `C(shape)` a float constant; `I(values)` an int64 tensor; `B(values)`
a bool tensor; anything else is passed as is. `S(*args, **kwargs)` is one sample. Shapes come
from a small pool so JAX compiles little. Error inputs are samples on which torch raises: the
tests check that tapegrad raises the same class and message (and generate out-of-range dims
for every declared dim argument).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class F:
    shape: tuple
    low: float = -2.0
    high: float = 2.0
    requires_grad: bool = True
    # For square matrices: `eye` added on the diagonal (well conditioned); `spd`: a @ a.T + I.
    eye: float = 0.0
    spd: bool = False
    # A complex tensor (complex64 where the table runs float32, complex128 for float64):
    # real and imaginary parts each drawn in [low, high).
    complex: bool = False


def C(shape, low=-2.0, high=2.0):  # noqa: N802
    return F(shape, low, high, requires_grad=False)


def Fc(shape, low=-2.0, high=2.0, requires_grad=True):  # noqa: N802
    """A complex tensor spec (see `F.complex`)."""
    return F(shape, low, high, requires_grad=requires_grad, complex=True)


@dataclass(frozen=True)
class I:  # noqa: E742
    values: Any


@dataclass(frozen=True)
class B:
    values: Any


class S:
    """One sample: positional and keyword arguments (specs or plain values)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def __repr__(self) -> str:
        # (Functions by name: a test id must not carry an address, or xdist workers differ.)
        args = tuple(_Named(a) if callable(a) and not isinstance(a, type) else a
                     for a in self.args)
        return f"S{args}{self.kwargs or ''}"


class _Named:
    def __init__(self, f: Callable) -> None:
        self.name = getattr(f, "__name__", type(f).__name__)

    def __repr__(self) -> str:
        return self.name


@dataclass
class OpInfo:
    name: str
    samples: list
    op: str | None = "="       # the REGISTRY key called ("=" means `name`); None: a scenario
    fn: Callable | None = None  # fn(T, *args, **kwargs), when the call is not the plain one
    errors: list = field(default_factory=list)
    gradcheck: bool = True
    gradgradcheck: bool = True
    # Forms ("function", "method", "inplace", "fn"; True: all) whose backward raises in torch
    # (a derivative torch does not implement): both sides must raise the same error there.
    raises_in_backward: bool | tuple = False
    # Why a check is off, when it is (the README's op table shows it).
    note: str = ""
    tags: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.op == "=":
            self.op = self.name
        self.samples = [s if isinstance(s, S) else S(*s) for s in self.samples]
        self.errors = [s if isinstance(s, S) else S(*s) for s in self.errors]


M = (3, 4)
V = (4,)
Z = ()
P = dict(low=0.2, high=2.0)     # positive inputs (log, sqrt, pow)
U = dict(low=-0.9, high=0.9)    # inside (-1, 1) (asin, atanh)

unary = [S(F(M)), S(F(V)), S(F(Z))]
unary_pos = [S(F(M, **P)), S(F(V, **P)), S(F(Z, **P))]
binary = [S(F(M), F(M)), S(F((3, 1)), F((1, 4))), S(F(V), F(Z))]
binary_pos = [S(F(M, **P), F(M, **P)), S(F((3, 1), **P), F((1, 4), **P))]
# Shapes that do not broadcast: torch's TensorIterator error.
broadcast_error = [S(F(M), F((2, 4)))]
not_tensor = [S([1.0, 2.0])]  # a list where a tensor is expected: torch's TypeError


def u(name, samples=unary, **kw):
    return OpInfo(name, samples, errors=kw.pop("errors", not_tensor), **kw)


def b(name, samples=binary, **kw):
    return OpInfo(name, samples, errors=kw.pop("errors", broadcast_error), **kw)


def cmp(name):
    return OpInfo(name, binary[:2] + [S(F(M), 0.5)], gradcheck=False, note="bool result",
                  errors=broadcast_error)


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- arithmetic
    b("add", binary + [S(F(M), F(M), alpha=2.5), S(F(M), 1.5)]),
    b("sub", binary + [S(F(M), F(M), alpha=0.5), S(F(M), 1)]),
    b("mul", binary + [S(F(M), 3)]),
    b("div", binary_pos + [S(F(M), 2), S(F(M, **P), F(M, **P), rounding_mode="floor")],
      errors=broadcast_error + [S(F(M), F(M), rounding_mode="round"),
                                S(I([1, 7]), I([0, 0]), rounding_mode="trunc")]),
    b("true_divide", binary_pos[:1]),
    OpInfo("radd_scalar", [S(F(M))], op="add", fn=lambda T, x: 2 + x),
    OpInfo("rsub", [S(F(M), 1.5), S(F(V), F(V))], errors=[S([1.0], 1)]),
    OpInfo("__rsub__", [S(F(M))], fn=lambda T, x: 1 - x),
    OpInfo("__rtruediv__", [S(F(M, **P))], fn=lambda T, x: 2 / x),
    OpInfo("__rfloordiv__", [S(F(M, **P))], fn=lambda T, x: 3 // x, gradcheck=False,
           raises_in_backward=True, note="torch has no derivative (NotImplemented node)"),
    OpInfo("div_floor", [S(F(M, **P), F(M, **P))], op="div",
           fn=lambda T, x, y: T.div(x, y, rounding_mode="floor"), gradcheck=False,
           note="piecewise constant"),
    OpInfo("div_trunc", [S(F(M))], op="div",
           fn=lambda T, x: T.div(x, 0.7, rounding_mode="trunc"), gradcheck=False,
           note="piecewise constant"),
    OpInfo("floor_divide", [S(F(M, **P), F(M, **P)), S(C(M), 2), S(I([7, -7]), I([2, 3]))],
           gradcheck=False, raises_in_backward=True,
           note="torch has no derivative (NotImplemented node)",
           errors=broadcast_error + [S(I([1, 7]), I([0, 2])), S(I([1, 7]), 0)]),
    u("neg"),
    u("reciprocal", unary_pos),
    OpInfo("pow", [S(F(M), 2), S(F(V), 2), S(F(Z), 2), S(F(M, **P), 1.5), S(F(M, **P), -2),
                   S(F(M), 0), S(F(M, **P), F(M, **P)), S(F((3, 1), **P), F((1, 4), **P))],
           errors=[S(I([1, 2]), -1)]),
    OpInfo("__rpow__", [S(F(M)), S(F(V))], fn=lambda T, x: 2 ** x),
    u("square", unary[:1]),
    OpInfo("fmod", [S(F(M), 1.5), S(F(M, **P), F(M, **P))], gradcheck=False,
           note="y's grad is -grad*trunc(x/y): finite differences cross jumps",
           errors=broadcast_error + [S(I([1, 7]), I([2, 0]))]),
    OpInfo("remainder", [S(F(M), 1.5), S(F(M, **P), F(M, **P)), S(I([7, -7]), 3)],
           gradcheck=False, note="piecewise: finite differences cross jumps",
           errors=broadcast_error + [S(I([1, 7]), 0)]),
    b("atan2"), b("maximum"), b("minimum"), b("logaddexp"), b("logaddexp2"),
    OpInfo("lerp", [S(F(M), F(M), 0.3), S(F((3, 1)), F((1, 4)), 0.3),
                    S(F(M), F(M), F(M, 0, 1))], errors=[S(F(M), F((2, 4)), 0.5)]),
    OpInfo("addcmul", [S(F(M), F(M), F(M), value=2)], errors=[S(F(M), F(M), F((2, 4)))]),
    OpInfo("addcdiv", [S(F(M), F(M), F(M, **P), value=0.5)],
           errors=[S(F(M), F(M), F((2, 4)))]),
    # ----------------------------------------------------------- unary math
    u("exp"), u("exp2"), u("expm1"), u("log", unary_pos), u("log2", unary_pos),
    u("log10", unary_pos), u("log1p", unary_pos), u("sqrt", unary_pos),
    u("rsqrt", unary_pos), u("sin"), u("cos"), u("tan", [S(F(M, **U))]),
    u("asin", [S(F(M, **U))]), u("acos", [S(F(M, **U))]), u("atan"), u("sinh"), u("cosh"),
    u("tanh"), u("asinh", raises_in_backward=("inplace",)),
    u("acosh", [S(F(M, 1.2, 3.0))], raises_in_backward=("inplace",)),
    u("atanh", [S(F(M, **U))], raises_in_backward=("inplace",)),
    u("sigmoid"), u("erf"), u("erfc"), u("relu"), u("abs"),
    u("sign", gradcheck=False, note="zero gradient; jumps at 0"),
    # (torch's sgn gradient is a ZeroTensor, which it cannot hand to numpy: a constant input.)
    u("sgn", [S(C(M))], gradcheck=False, note="torch's gradient is a ZeroTensor"),
    OpInfo("sgn_graph", [S(F(M))], op=None, fn=lambda T, x: x.sgn() + x, gradcheck=False,
           note="zero gradient; jumps at 0"),
    u("floor", gradcheck=False, note="piecewise constant"),
    u("ceil", gradcheck=False, note="piecewise constant"),
    u("round", gradcheck=False, note="piecewise constant"),
    u("trunc", gradcheck=False, note="piecewise constant"), u("frac"),
    OpInfo("logsigmoid", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.logsigmoid(x)),
    OpInfo("gelu", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.gelu(x)),
    OpInfo("gelu_tanh", [S(F(M))], op=None,
           fn=lambda T, x: T.nn.functional.gelu(x, approximate="tanh")),
    OpInfo("silu", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.silu(x)),
    OpInfo("softplus", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.softplus(x)),
    OpInfo("softplus_beta", [S(F(M))], op=None,
           fn=lambda T, x: T.nn.functional.softplus(x, beta=2.0, threshold=1.0),
           gradcheck=False, note="kink at the threshold"),
    OpInfo("elu", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.elu(x, alpha=0.7)),
    OpInfo("leaky_relu", [S(F(M))], op=None,
           fn=lambda T, x: T.nn.functional.leaky_relu(x, 0.2)),
    OpInfo("elu_inplace", [S(F(M))], op=None,
           fn=lambda T, x: T.nn.functional.elu(x * 1, alpha=0.7, inplace=True)),
    OpInfo("leaky_relu_inplace", [S(F(M))], op=None,
           fn=lambda T, x: T.nn.functional.leaky_relu(x * 1, 0.2, True)),
    OpInfo("relu_silu_inplace", [S(F(M))], op=None,
           fn=lambda T, x: (T.nn.functional.relu(x * 1, inplace=True),
                            T.nn.functional.silu(x * 1, inplace=True))),
    OpInfo("clamp", [S(F(M), -0.5, 0.5), S(F(M), min=0.1), S(F(M), max=0.2),
                     S(F(M), F(M, -1.0, -0.2), F(M, 0.2, 1.0))], errors=[S(F(M))]),
    OpInfo("clamp_min", [S(F(M), 0.1), S(F(M), F(M))], errors=[S([1.0], 1)]),
    OpInfo("clamp_max", [S(F(M), 0.2), S(F(M), F(M))], errors=[S([1.0], 1)]),
    OpInfo("where", [S(B([[True, False, True, False]] * 3), F(M), F(M)),
                     S(B([True, False, True, False]), F((3, 1)), F((1, 4))),
                     S(B([True, False, True, False]), F(V), 0.0)],
           errors=[S(C(M), F(M), F(M))]),
    OpInfo("masked_fill", [S(F(M), B([True, False, True, False]), 2.0)],
           errors=[S(F(M), C(V), 2.0)]),
    u("nan_to_num", unary[:1]),
    # ----------------------------------------------------------- comparisons and logic
    *[cmp(n) for n in ("eq", "ne", "lt", "le", "gt", "ge")],
    *[OpInfo(n, [S(B([[True, False]] * 2), B([[True, True], [False, False]]))],
             gradcheck=False, note="bool result", errors=broadcast_error)
      for n in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", [S(B([True, False]))], gradcheck=False, note="bool result",
           errors=not_tensor),
    *[OpInfo(n, [S(F(M))], gradcheck=False, note="bool result", errors=not_tensor)
      for n in ("isnan", "isinf", "isfinite")],
    OpInfo("isnan_isinf", [S(F(M))], op=None, gradcheck=False, note="bool result",
           fn=lambda T, x: (T.isnan(x / x.abs().round()), T.isinf(1 / x.round()))),
    *[OpInfo(n, [S(I([3, 5, 6]), I([1, 4, 2])), S(B([True, False]), B([True, True]))],
             gradcheck=False, note="integer result", errors=[S(C(V), C(V))])
      for n in ("bitwise_and", "bitwise_or", "bitwise_xor")],
    OpInfo("bitwise_not", [S(I([3, -5])), S(B([True, False]))], gradcheck=False,
           note="integer result", errors=[S(C(V))]),
    OpInfo("bit_dunders", [S(I([3, 5, 6]), I([1, 4, 2]))], op=None, gradcheck=False,
           note="integer result", fn=lambda T, x, y: (x & y, x | y, x ^ y, ~x)),
    # ----------------------------------------------------------- reductions
    OpInfo("sum", [S(F(M)), S(F(M), 1), S(F(M), 0, True), S(F(M), (0, 1)), S(F(M), -1),
                   S(F(Z), 0)], errors=[S(F(M), (0, 0))]),
    OpInfo("mean", [S(F(M)), S(F(M), 1), S(F(M), 0, True), S(F(M), (0, 1)), S(F(M), -1)],
           errors=[S(I([1, 2]))]),
    OpInfo("prod", [S(F(M, 0.5, 1.5)), S(F(M, 0.5, 1.5), 1)]),
    OpInfo("prod_zeros", [S(F(M, -3.0, 1.5))], op=None,
           fn=lambda T, x: (x * (x > -1.0)).prod(1), gradcheck=False,
           note="zeros made by a mask; checked against torch's values"),
    OpInfo("max", [S(F(M)), S(F(V)), S(F(M), 1), S(F(M), 0, keepdim=True), S(F(M), F(M))],
           errors=[S(F(M), 2), S(F((0, 4))), S(F((0, 4)), 0)]),
    OpInfo("min", [S(F(M)), S(F(V)), S(F(M), 1), S(F(M), 0, keepdim=True)],
           errors=[S(F(M), -3), S(F((0, 4)))]),
    OpInfo("max_ties", [S(F(M))], op=None,
           fn=lambda T, x: (x * 0 + 1).max() + x.round().max(), gradcheck=False,
           note="ties: torch's even split, checked against torch"),
    OpInfo("amax", [S(F(M), 1), S(F(M))], errors=[S(F((0, 4)))]),
    OpInfo("amin", [S(F(M), (0, 1))]),
    OpInfo("amin_ties", [S(F(M))], op=None, fn=lambda T, x: (x.round()).amin() * x.sum(),
           gradcheck=False, note="ties: even split"),
    *[OpInfo(n, [S(F(M)), S(F(M), 1), S(F(M), 0, keepdim=True)], gradcheck=False,
             note="int result", errors=[S(F((0, 4)))]) for n in ("argmax", "argmin")],
    OpInfo("var", [S(F(M)), S(F(M), 1), S(F(M), 0, unbiased=False), S(F(M), 1, correction=0)],
           errors=[S(I([1, 2]))]),
    OpInfo("std", [S(F(M)), S(F(M), 1, correction=0), S(F(M), 0, keepdim=True)],
           errors=[S(I([1, 2]))]),
    OpInfo("norm", [S(F(M)), S(F(M), dim=1), S(F(M), p=1), S(F(M), p=3),
                    S(F(M), p=float("inf"))], errors=[S(I([1, 2]))]),
    OpInfo("linalg.vector_norm", [S(F(M), 2, dim=0)], errors=[S(I([1, 2]))]),
    OpInfo("linalg.norm", [S(F(M), dim=1)], errors=[S(I([1, 2]))]),
    OpInfo("norm_at_zero", [S(F(M))], op=None, fn=lambda T, x: (x * 0).norm() + x.sum(),
           gradcheck=False, note="gradient at 0 is torch's 0 (masked), not a finite difference"),
    OpInfo("logsumexp", [S(F(M), 1), S(F(M), (0, 1), True)]),
    OpInfo("cumsum", [S(F(M), 1), S(F(Z), 0)]),
    OpInfo("cumprod", [S(F(M), 1)]),
    OpInfo("softmax", [S(F(M), 1), S(F(Z), 0)]),
    OpInfo("log_softmax", [S(F(M), -1)]),
    *[OpInfo(n, [S(B([[True, False], [True, True]])), S(B([[True, False], [True, True]]), 1)],
             gradcheck=False, note="bool result") for n in ("all", "any")],
    # ----------------------------------------------------------- linear algebra
    OpInfo("mm", [S(F((3, 4)), F((4, 2)))],
           errors=[S(F((3, 4)), F((3, 2))), S(F((3, 4)), F(V)),
                   S(F((3, 4)), I([[1, 2], [3, 4], [5, 6], [7, 8]]))]),
    OpInfo("bmm", [S(F((2, 3, 4)), F((2, 4, 2)))],
           errors=[S(F((3, 4)), F((4, 2))), S(F((2, 3, 4)), F((3, 4, 2)))]),
    OpInfo("mv", [S(F((3, 4)), F((4,)))], errors=[S(F((3, 4)), F((3,))), S(F(V), F(V))]),
    OpInfo("dot", [S(F((4,)), F((4,)))], errors=[S(F(M), F(M)), S(F(V), F((3,)))]),
    OpInfo("outer", [S(F((3,)), F((4,)))], errors=[S(F(M), F(V))]),
    OpInfo("matmul", [S(F((3, 4)), F((4, 2))), S(F((4,)), F((4,))), S(F((3, 4)), F((4,))),
                      S(F((4,)), F((4, 2))), S(F((2, 3, 4)), F((4, 2))),
                      S(F((2, 3, 4)), F((2, 4, 2)))],
           errors=[S(F(M), F(Z)), S(F((2, 2, 3)), F((3, 3, 5))), S(F((3,)), F((4, 5)))]),
    OpInfo("__rmatmul__", [S(F((3, 4)), F((2, 3)))], fn=lambda T, x, y: x.__rmatmul__(y),
           errors=[S(F(M), F((2, 2)))]),
    OpInfo("einsum", [S("ij,kj->ik", F((3, 4)), F((2, 4)))], tags=("generic_node",),
           note="generic EinsumBackward node (torch: its matmul path)",
           errors=[S("ij,jk->ik", F(M), F(M)), S("ij,jk->ik", F(M)),
                   S("ij,jk", F((2, 3)), F((3, 2)), F((2,))), S("ij->ik", F(M))]),
    OpInfo("linalg.matmul", [S(F((3, 4)), F((4, 2)))], errors=[S(F(M), F(M))]),
    OpInfo("linalg.inv", [S(F((3, 3), eye=3.0))],
           errors=[S(F(M)), S(F(V)), S(C((3, 3), 1.0, 1.0))]),
    OpInfo("linalg.det", [S(F((3, 3)))], gradgradcheck=False,
           note="generic-path double backward; first order checked",
           errors=[S(F(M)), S(F(V))]),
    OpInfo("linalg.solve", [S(F((3, 3), eye=3.0), F((3, 2))), S(F((3, 3), eye=3.0), F((3,)))],
           errors=[S(F(M), F((3,))), S(F((3, 3)), F((4,)))]),
    OpInfo("linalg.cholesky", [S(F((3, 3), spd=True))],
           gradgradcheck=False, note="generic-path double backward; first order checked",
           errors=[S(F(M)), S(C((3, 3), -1.0, -0.5))]),
    OpInfo("linalg.qr", [S(F((4, 3)))], fn=lambda T, a: tuple(T.linalg.qr(a)),
           gradgradcheck=False, note="generic-path double backward; first order checked",
           errors=[S(F(V))]),
    OpInfo("linalg.svd", [S(F((4, 3)))],
           fn=lambda T, a: T.linalg.svd(a, full_matrices=False)[1], gradgradcheck=False,
           note="singular values; U/V have sign freedom (torch defines no unique grad)",
           errors=[S(F(V))]),
    OpInfo("trace", [S(F((3, 3)))], errors=[S(F(V))]),
    OpInfo("diagonal", [S(F((3, 4))), S(F((2, 3, 4)), 1, 0, 2)], errors=[S(F(M), 0, 1, 1)]),
    OpInfo("diag", [S(F((3,))), S(F((3, 4)), 1)], errors=[S(F((2, 2, 2)))]),
    OpInfo("triu", [S(F((3, 4))), S(F((3, 4)), 1)], errors=[S(F(V))]),
    OpInfo("tril", [S(F((3, 4)), -1)], errors=[S(F(V))]),
    # ----------------------------------------------------------- shape
    OpInfo("view", [S(F(M), 4, 3), S(F(M), -1), S(F(M), (2, -1))],
           errors=[S(F(M), 5), S(F(M), -1, -1), S(F(M), 2, -2), S(F((0, 3)), -1, 0)]),
    # torch's view of views: what the strides allow, and its error where they do not.
    OpInfo("view_of_views", [S(F((2, 3, 4)), "ok")], op=None, fn=lambda T, x, kind: _views(x, kind),
           errors=[S(F(M), "t"), S(F(M), "sliced"), S(F(M), "expanded")]),
    OpInfo("reshape", [S(F(M), (2, 6)), S(F(M), (-1,))], errors=[S(F(M), (5,))]),
    OpInfo("reshape_varargs", [S(F(M), 2, 6)], op=None, fn=lambda T, x, *s: x.reshape(*s)),
    OpInfo("view_as", [S(F(M), C((2, 6)))], errors=[S(F(M), C((5,)))]),
    OpInfo("reshape_as", [S(F(M), C((12,)))], errors=[S(F(M), C((5,)))]),
    OpInfo("flatten", [S(F(M)), S(F((2, 3, 4)), 1, 2), S(F(Z))], errors=[S(F(M), 1, 0)]),
    OpInfo("unflatten", [S(F(M), 1, (2, 2)), S(F(M), 1, (-1, 2))],
           errors=[S(F(M), 1, (2, 3))]),
    OpInfo("squeeze", [S(F((1, 3, 1, 4))), S(F((1, 3, 1, 4)), 2), S(F((1, 3, 1, 4)), (0, 2))]),
    OpInfo("unsqueeze", [S(F(M), 0), S(F(M), -1), S(F(M), 2)]),
    OpInfo("transpose", [S(F(M), 0, 1), S(F((2, 3, 4)), -1, 0)]),
    OpInfo("swapaxes", [S(F(M), axis0=0, axis1=1), S(F((2, 3, 4)), -1, 0)],
           errors=[S(F(M), 0, 2)]),
    OpInfo("t", [S(F(M)), S(F(V))], errors=[S(F((2, 3, 4)))]),
    OpInfo("T", [S(F(M)), S(F((2, 3, 4)))], fn=lambda T, x: x.T),
    OpInfo("mT", [S(F(M)), S(F((2, 3, 4)))], fn=lambda T, x: x.mT, errors=[S(F(V))]),
    OpInfo("permute", [S(F((2, 3, 4)), (2, 0, 1)), S(F((2, 3, 4)), (1, 2, 0))],
           errors=[S(F(M), (0,)), S(F(M), (1, 1)), S(F(M), (0, 2))]),
    OpInfo("permute_varargs", [S(F((2, 3, 4)), 2, 0, 1)], op=None,
           fn=lambda T, x, *dims: x.permute(*dims)),
    OpInfo("expand", [S(F((4,)), 3, 4), S(F((3, 1)), 3, 4), S(F((3, 1)), -1, 4)],
           errors=[S(F(M), 2, 4), S(F(M), 3), S(F(M), -1, 3, 4)]),
    OpInfo("expand_as", [S(F((1, 4)), C(M))], errors=[S(F(M), C((2, 5)))]),
    OpInfo("repeat", [S(F(M), 2, 1, 3)], errors=[S(F(M), 2), S(F(M), -1, 1)]),
    OpInfo("tile", [S(F(M), (2,)), S(F(M), (2, 1, 3))], errors=[S(F(M), (-1,))]),
    OpInfo("flip", [S(F(M), (0,)), S(F(M), (0, 1))], errors=[S(F(M), (2,)), S(F(M), (0, 0))]),
    OpInfo("roll", [S(F(M), 1, 0), S(F(M), 1)], errors=[S(F(M), 1, 2), S(F(M), (1, 2), 0)]),
    OpInfo("narrow", [S(F(M), 1, 1, 2), S(F(M), 0, -2, 1)],
           errors=[S(F(M), 1, 2, 3), S(F(M), 1, 0, -1), S(F(M), 1, 5, 0)]),
    OpInfo("select", [S(F(M), 1, 2), S(F(M), 0, -1)], errors=[S(F(M), 1, 4), S(F(Z), 0, 0)]),
    OpInfo("split", [S(F(M), 2, 1), S(F(M), [1, 3], 1)],
           errors=[S(F(M), 2, 2), S(F(M), 0), S(F(M), -1), S(F(M), [1, 1], 1)]),
    OpInfo("split_with_sizes", [S(F(M), [1, 3], 1)], errors=[S(F(M), [4, -1], 1)]),
    OpInfo("split_one_used", [S(F(M))], op=None, fn=lambda T, x: x.split(2, 1)[1] * 2),
    OpInfo("chunk", [S(F(M), 2), S(F(M), 3, 1)], errors=[S(F(M), 0), S(F(M), 2, 2),
                                                        S(F(Z), 1)]),
    OpInfo("unbind", [S(F(M), 1), S(F(M))], errors=[S(F(M), 2), S(F(Z))]),
    OpInfo("cat", [S([F((3, 2)), F((3, 4))], 1)],
           errors=[S([F(M), F((3, 3))], 0), S([F(M), F(V)]), S([F(M), F(M)], 2), S([]),
                   S([F(Z), F(Z)])]),
    OpInfo("stack", [S([F(M), F(M)], 0), S([F(M), F(M)], 2)],
           errors=[S([F(M), F(V)]), S([F(M), F(M)], 3), S([])]),
    OpInfo("pad", [S(F(M), (1, 2))], fn=lambda T, x, p: T.nn.functional.pad(x, p),
           errors=[S(F(M), (1,)), S(F(M), (1, 1, 1, 1, 1, 1))]),
    OpInfo("pad_reflect", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.pad(
        x.unsqueeze(0), (1, 1), mode="reflect")),
    OpInfo("pad_replicate", [S(F(M))], op=None, fn=lambda T, x: T.nn.functional.pad(
        x.unsqueeze(0), (1, 2), mode="replicate")),
    OpInfo("movedim", [S(F((2, 3, 4)), 0, 2), S(F((2, 3, 4)), (0, 1), (2, 0))],
           errors=[S(F(M), 0, 2), S(F(M), (0, 0), (0, 1)), S(F(M), (0, 1), (0,))]),
    # ----------------------------------------------------------- indexing
    OpInfo("getitem", [S(F(M), 1), S(F(M), (slice(None), slice(1, 3))),
                       S(F(M), (slice(None, None, 2), slice(1, None, 2))), S(F(M), None),
                       S(F(M), (Ellipsis, 1)), S(F(M), slice(None)), S(F(M), Ellipsis),
                       S(F(M), [0, 2, 0]), S(F(M), I([0, 0, 2])),
                       S(F(M), (slice(1, None), [0, 1])), S(F(M), ([0, 2], [1, 3]))],
           fn=lambda T, x, index: x[index],
           errors=[S(F(M), 3), S(F(M), (0, 4)), S(F(M), I([3])), S(F(M), I([-4])),
                   S(F(M), [0, 5]), S(F(M), (0, 0, 0)), S(F(Z), 0), S(F(Z), slice(0, 1)),
                   S(F(M), B([True, False]))]),
    OpInfo("getitem_bool", [S(F(M))], op=None, fn=lambda T, x: x[x > 0], gradcheck=False,
           note="mask depends on the values"),
    OpInfo("setitem", [S(F(M), 1, 2.0), S(F(M), I([0, 2]), F(V)), S(F(M), (slice(None), 1),
                                                                   F((3,)))],
           fn=lambda T, x, index, value: _setitem(x * 1, index, value),
           errors=[S(F(M), I([3]), 1.0), S(F(M), 5, 1.0), S(F(M), C((1,)), 1.0)]),
    OpInfo("setitem_bool", [S(F(M))], op=None, gradcheck=False,
           note="mask depends on the values",
           fn=lambda T, x: _setitem(x * 1, x > 0, 0.0)),
    OpInfo("gather", [S(F(M), 1, I([[0], [1], [3]]))],
           errors=[S(F(M), 1, I([[7]])), S(F(M), 1, I([[-1]])), S(F(M), 1, I([7])),
                   S(F(M), 1, I([[0]] * 4)), S(F(M), 1, C((1, 1)))]),
    OpInfo("scatter", [S(F(M), 1, I([[0], [1], [3]]), F((3, 1))),
                       S(F(M), 1, I([[0], [1], [3]]), 2.5)],
           errors=[S(F(M), 1, I([[7]]), F((1, 1))), S(F(M), 1, I([1]), F((1,))),
                   S(F(M), 1, I([[0]] * 4), F((4, 1)))]),
    OpInfo("scatter_add", [S(F(M), 1, I([[0, 0], [1, 2], [3, 3]]), F((3, 2)))],
           errors=[S(F(M), 1, I([[7]]), F((1, 1)))]),
    OpInfo("index_select", [S(F(M), 0, I([0, 2, 2]))],
           errors=[S(F(M), 0, I([5])), S(F(M), 0, I([-1])), S(F(M), 0, I([[0]])),
                   S(F(M), 0, C((1,)))]),
    OpInfo("index_add", [S(F(M), 0, I([0, 2, 0]), F((3, 4)))],
           errors=[S(F(M), 0, I([5]), F((1, 4))), S(F(M), 0, I([0]), F((2, 4)))]),
    OpInfo("take_along_dim", [S(F(M), I([[0], [1], [3]]), 1), S(F(M), I([0, 5, 11]))],
           errors=[S(F(M), I([[0]]), 2)]),
    OpInfo("masked_select", [S(F(M), B([True, False, True, False]))], gradcheck=False,
           note="mask depends on the values", errors=[S(F(M), C(V))]),
    OpInfo("sort", [S(F(M), 1), S(F(M), 0, descending=True)], fn=lambda T, *a, **k:
           tuple(T.sort(*a, **k))),
    OpInfo("argsort", [S(F(M), 1)], gradcheck=False, note="int result"),
    OpInfo("topk", [S(F(M), 2), S(F(M), 2, 0)], fn=lambda T, *a, **k: tuple(T.topk(*a, **k)),
           errors=[S(F(M), 5), S(F(M), -1)]),
    OpInfo("nonzero", [S(F(M))], gradcheck=False, note="int result", errors=not_tensor),
    OpInfo("unique", [S(F(M))], fn=lambda T, x, **k: T.unique(x.round().detach(), **k),
           gradcheck=False, note="int-like values; unique has no derivative in torch",
           errors=[S(F(M), dim=2)]),
    OpInfo("unique_dim", [S(I([[1, 2], [1, 2], [3, 4]]))], op=None, gradcheck=False,
           note="int result",
           fn=lambda T, x: T.unique(x, dim=0, return_inverse=True, return_counts=True)),
    OpInfo("unique_graph", [S(F(M))], op=None, gradcheck=False,
           note="torch records Unique2Backward0, whose backward raises",
           fn=lambda T, x: T.unique(x.round()).grad_fn.name()),
    OpInfo("one_hot", [S(I([0, 3, 1]), 5), S(I([0, 3, 1]))], gradcheck=False,
           note="int result", fn=lambda T, *a: T.nn.functional.one_hot(*a),
           errors=[S(I([3]), 3), S(I([-1]), 3), S(C((2,)), 3)]),
    # ----------------------------------------------------------- dtype and copies
    OpInfo("to", [S(F(M)), S(F(M))], fn=lambda T, x: x.to(T.float64)),
    OpInfo("float", [S(F(M))], fn=lambda T, x: x.float(), gradcheck=False,
           note="a float32 output: finite differences in float32 are too coarse"),
    OpInfo("double", [S(F(M))], fn=lambda T, x: x.double()),
    *[OpInfo(n, [S(F(M))], fn=lambda T, x, _n=n: getattr(x, _n)(), gradcheck=False,
             note="integer or low-precision result")
      for n in ("half", "long", "int", "short", "char", "byte", "bool")],
    # (bfloat16: torch cannot hand a bfloat16 tensor to numpy, the harness's view of it.)
    OpInfo("bfloat16", [S(F(M))], fn=lambda T, x: x.bfloat16().float(), gradcheck=False,
           note="low-precision result"),
    OpInfo("type_as", [S(F(M), I([1]))], errors=[S(F(M), 3)]),
    OpInfo("clone", [S(F(M))], errors=not_tensor),
    OpInfo("zero_", [S(F(M))], fn=lambda T, x: (x * 1).zero_()),
    OpInfo("fill_", [S(F(M), 3.0), S(F(M), F(Z))], fn=lambda T, x, v: (x * 2).fill_(v),
           errors=[S(F(M), F((2,)))]),
    OpInfo("copy_", [S(F(M), F(V))], fn=lambda T, x, y: (x * 1).copy_(y),
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("contiguous", [S(F(M))], fn=lambda T, x: (x.t().contiguous(), x.contiguous() * 1)),
    OpInfo("reshape_transposed", [S(F(M))], op=None, fn=lambda T, x: x.t().reshape(12)),
    OpInfo("reshape_sliced", [S(F(M))], op=None, fn=lambda T, x: x[:, 1:3].reshape(-1)),
    OpInfo("reshape_expanded", [S(F(M))], op=None,
           fn=lambda T, x: x.expand(2, 3, 4).reshape(6, 4)),
]


def _views(x, kind):
    if kind == "t":
        return x.t().view(12)
    if kind == "sliced":
        return x[:, 1:3].view(-1)
    if kind == "expanded":
        return x.expand(2, 3, 4).view(6, 4)
    return (x.transpose(1, 2).view(2, 4, 3), x[:, 1:].view(2, 2, 4), x.unsqueeze(1).view(6, 4),
            x.permute(0, 2, 1).unsqueeze(2).view(2, 4, 1, 3), x[..., :2].view(2, 3, 2, 1),
            x.expand(2, 2, 3, 4)[1].view(6, 4), x[:, :, ::2].view(2, 3, 2))


def _setitem(x, index, value):
    x[index] = value
    return x


# The breadth families (issue 11) keep their entries in files of their own; they import the
# helpers above, so they are read here, after everything they use is defined.
from op_db_special import OPS as _SPECIAL  # noqa: E402
from op_db_stats import OPS as _STATS  # noqa: E402
from op_db_scatter import OPS as _SCATTER  # noqa: E402
from op_db_linalg import OPS as _LINALG  # noqa: E402
from op_db_nn import OPS as _NN  # noqa: E402
from op_db_tensor_api import OPS as _TENSOR_API  # noqa: E402
from op_db_fft import OPS as _FFT  # noqa: E402
from op_db_bessel import OPS as _BESSEL  # noqa: E402
from op_db_nn_modules import OPS as _NN_MODULES  # noqa: E402
from op_db_nntop import OPS as _NNTOP  # noqa: E402
from op_db_tmisc import OPS as _TMISC  # noqa: E402
from op_db_linleg import OPS as _LINLEG  # noqa: E402

OPS += (_SPECIAL + _STATS + _SCATTER + _LINALG + _NN + _TENSOR_API + _FFT + _BESSEL
        + _NN_MODULES + _NNTOP + _TMISC + _LINLEG)
BY_NAME = {op.name: op for op in OPS}
assert len(BY_NAME) == len(OPS), "duplicate names in op_db"


def make_inputs(T, sample: S, dtype, seed: int) -> tuple[list, dict]:
    """One sample's (args, kwargs) as T tensors (the same values under torch and tapegrad)."""
    rng = np.random.default_rng(seed)

    def build(spec):
        if isinstance(spec, F):
            data = rng.uniform(spec.low, spec.high, size=spec.shape)
            if spec.spd:
                data = data @ np.swapaxes(data, -1, -2) + np.eye(spec.shape[-1])
            elif spec.eye:
                data = data + spec.eye * np.eye(spec.shape[-1])
            if spec.complex:
                data = data + 1j * rng.uniform(spec.low, spec.high, size=spec.shape)
                cdtype = T.complex64 if dtype == T.float32 else T.complex128
                return T.tensor(data, dtype=cdtype, requires_grad=spec.requires_grad)
            return T.tensor(data, dtype=dtype, requires_grad=spec.requires_grad)
        if isinstance(spec, I):
            return T.tensor(spec.values, dtype=T.int64)
        if isinstance(spec, B):
            return T.tensor(spec.values, dtype=T.bool)
        if isinstance(spec, list) and any(isinstance(s, (F, I, B)) for s in spec):
            return [build(s) for s in spec]
        return spec

    return [build(s) for s in sample.args], {k: build(v) for k, v in sample.kwargs.items()}


def tensors_in(args: list, kwargs: dict) -> list:
    """The tensors among built inputs (list arguments flattened)."""
    out = []
    for a in [*args, *kwargs.values()]:
        out.extend(a if isinstance(a, list) else [a])
    return out


def flat_outputs(result) -> list:
    if isinstance(result, (tuple, list)):
        items = []
        for r in result:
            items.extend(flat_outputs(r))
        return items
    return [result]
