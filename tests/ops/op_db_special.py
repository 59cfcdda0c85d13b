"""op_db entries for the special family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, P, S, U, V, Z, OpInfo, b, binary, u, unary  # noqa: F401

ND = "torch: non_differentiable (no node, the result never requires grad)"
UNIT = dict(low=0.05, high=0.95)     # inside (0, 1): logit, ndtri
MV = dict(low=1.5, high=3.0)         # mvlgamma's domain for p <= 3
int_error = [S(I([1, 2]), I([3, 4]))]  # a kernel defined on floats only
float_error = [S(C(V), C(V))]          # a kernel defined on integers only


def _shifts(T, x, y):
    z = x.clone()
    z <<= y
    w = x.clone()
    w >>= 1
    return x << y, x >> y, 2 << y, 64 >> y, x << 1, z, w


def _edges(T, t):
    inf, nan = float("inf"), float("nan")
    return (T.digamma(t([0.0, -1.0, 1.0])), T.isneginf(t([-inf, 1.0, inf])),
            T.isposinf(t([-inf, 1.0, inf])), T.signbit(t([-0.0, 0.0, -1.0])),
            T.angle(t([-0.0, nan, -2.0])), T.sinc(t([0.0, 1.0])),
            T.special.entr(t([0.0, -1.0, 2.0])),
            T.xlogy(t([0.0, 0.0, 1.0]), t([0.0, nan, 2.0])),
            T.special.spherical_bessel_j0(t([0.0, 1.0])),
            T.lgamma(t([0.0, -1.5, 3.0])), T.special.i1e(t([0.0, -3.0])))


def _double_backward(T, x):
    # The backward kernels are ops in torch: create_graph records TanhBackwardBackward0 & co.
    F = T.nn.functional
    outs = []
    for y in (x.tanh(), x.sigmoid(), F.softplus(x), F.softplus(x, beta=2.0, threshold=1.0)):
        g, = T.autograd.grad((y * y).sum(), x, create_graph=True)
        outs.append(g)
    return tuple(outs)


def _closeness(T, x, y):
    return T.tensor([T.allclose(x, y), T.allclose(x, x * 1), T.allclose(x, x + 1e-9),
                     T.allclose(x, y, rtol=2.0, atol=4.0)])


def _equality(T, x, y):
    return T.tensor([T.equal(x, y), T.equal(x, x * 1), T.equal(x, x[:2])])


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- gamma family
    u("lgamma", [S(F(M, **P)), S(F(Z, **P))]),
    u("digamma", [S(F(M, **P))]),
    OpInfo("polygamma", [S(1, F(M, **P)), S(2, F(V, **P)), S(0, F(Z, **P))],
           fn=lambda T, n, x: T.polygamma(n, x), errors=[S(-1, F(M))]),
    OpInfo("polygamma_method", [S(F(M, **P))], op=None,
           fn=lambda T, x, n=1: x.polygamma(n), errors=[S(F(M), -2)]),
    OpInfo("polygamma_inplace", [S(F(M, **P))], op=None,
           fn=lambda T, x, n=2: (x * 1).polygamma_(n), errors=[S(F(M), -1)]),
    OpInfo("mvlgamma", [S(F(M, **MV), 2), S(F(V, **P), 1)], errors=[S(F(M), 0)]),
    u("erfinv", [S(F(M, **U))]),
    # ----------------------------------------------------------- Bessel functions
    u("i0"),
    u("special.i1", [S(F(M))]), u("special.i0e", [S(F(M))]), u("special.i1e", [S(F(M))]),
    *[u(f"special.{n}", [S(F(M, 0.1, 4.0))], gradcheck=False, note=ND)
      for n in ("modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0")],
    *[u(f"special.{n}", [S(F(M, 0.01, 8.0)), S(F(V, 2.5, 60.0))], gradcheck=False, note=ND)
      for n in ("modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
                "scaled_modified_bessel_k1")],
    # ----------------------------------------------------------- other unary functions
    u("sinc"),
    OpInfo("logit", [S(F(M, **UNIT)), S(F(M, **UNIT), 0.2), S(F(V, **UNIT), eps=0.3)]),
    u("deg2rad"), u("rad2deg"),
    u("angle", [S(F(M))]),
    OpInfo("angle_int", [S(I([-1, 0, 2]))], op="angle", gradcheck=False, note="integer input"),
    OpInfo("positive", [S(F(M))], errors=[S(B([True, False]))]),
    *[OpInfo(n, [S(F(M)), S(I([-1, 0, 2]))], gradcheck=False, note="bool result",
             errors=[S([1.0])]) for n in ("signbit", "isneginf", "isposinf", "isreal")],
    OpInfo("special_edges", [S(C(V))], op=None, gradcheck=False,
           note="torch's values at poles, zeros and infinities",
           fn=lambda T, x: _edges(T, lambda v: T.tensor(v, dtype=x.dtype))),
    # ----------------------------------------------------------- binary functions
    OpInfo("xlogy", [S(F(M), F(M, **P)), S(F((3, 1)), F((1, 4), **P)), S(2.0, F(V, **P)),
                     S(F(M), 3.0)],
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("xlogy_negative", [S(F(V), -1.0)], op="xlogy", gradcheck=False,
           note="log of a negative: NaN, no finite differences (grads vs torch in parity)"),
    OpInfo("xlogy_zero", [S(F(M), F(M))], op=None, gradcheck=False,
           note="a zero self masks the gradient (checked against torch's values)",
           fn=lambda T, x, y: T.xlogy(T.where(x > 0, x, 0.0), T.where(y > 0, y, 0.0))),
    OpInfo("hypot", binary[:2], errors=[S(F(M), F((2, 4)))] + int_error),
    OpInfo("copysign", [S(F(M), F(M)), S(F((3, 1)), F((1, 4))), S(F(M), -1.5)],
           errors=[S(F(M), F((2, 4)))]),
    b("fmax"), b("fmin"),
    OpInfo("fmax_nan", [S(F(M), F(M))], op=None, gradcheck=False,
           note="nan inputs: the other value wins",
           fn=lambda T, x, y: (T.fmax(x, y / (y > 0)), T.fmin(x / (x > 0), y))),
    OpInfo("float_power", [S(F(M, **P), F(M, **P)), S(F(M), 2), S(2.0, F(V))],
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("float_power_float32", [S(F(M))], op=None, gradcheck=False,
           note="a float32 round trip inside: float64 finite differences see its rounding "
                "(grads vs torch in parity)",
           fn=lambda T, x: T.float_power(x.float(), 3)),
    OpInfo("float_power_inplace", [S(F(M))], op=None,
           fn=lambda T, x, double=True: ((x.double() if double else x.float()) * 1)
           .float_power_(2), errors=[S(F(M), False)]),
    OpInfo("heaviside", [S(F(M), F(M)), S(F(V), F(Z))], gradcheck=False,
           raises_in_backward=True, note="torch has no derivative (NotImplemented node)",
           errors=[S(F(M), I([1]))]),
    OpInfo("nextafter", [S(F(M), F(M))], errors=[S(F(M), F((2, 4)))] + int_error),
    OpInfo("ldexp", [S(F(M), F(M))], errors=[S(F(M), F((2, 4)))]),
    OpInfo("ldexp_int_exponent", [S(F(M), I([[1, 2, -3, 4]] * 3))], op="ldexp", gradcheck=False,
           note="torch's formula is 0 for a negative integer exponent (integer pow(2, k)); "
                "torch's own gradcheck fails there: grads checked against torch in parity"),
    *[OpInfo(n, [S(I([4, 6, 9, -12]), I([6, 4, 3, 8])), S(I([4, 6, 9, 12]), I([3]))],
             gradcheck=False, note="integer result", errors=float_error)
      for n in ("gcd", "lcm")],
    # igamma's derivative for `self` is not implemented in torch: constant `self` here.
    *[OpInfo(n, [S(C(M, 0.5, 2.0), F(M, **P)), S(C((3, 1), 0.5, 2.0), F((1, 4), **P))],
             errors=[S(F(M), F((2, 4)))] + int_error)
      for n in ("igamma", "igammac", "special.gammainc", "special.gammaincc")],
    OpInfo("igamma_self_grad", [S(F(M, **P), F(M, **P))], op="igamma", gradcheck=False,
           raises_in_backward=True, note="torch: not_implemented(\"igamma: input\")",
           fn=lambda T, a, x: (T.igamma(a, x), T.special.gammaincc(a, x))),
    OpInfo("frexp", [S(F(M)), S(F(Z))], errors=[S(I([1, 2]))]),
    OpInfo("frexp_method", [S(F(M, -40.0, 40.0))], op="frexp", fn=lambda T, x: x.frexp()),
    # ----------------------------------------------------------- shifts and dunders
    *[OpInfo(n, [S(I([1, 2, 3, -8]), I([1, 0, 2, 1])), S(I([-8, 5, 7, 1]), 1)],
             gradcheck=False, note="integer result", errors=[S(C(V), 1)])
      for n in ("bitwise_left_shift", "bitwise_right_shift")],
    OpInfo("shift_dunders", [S(I([1, 2, 3, -8]), I([1, 0, 2, 1]))], op="bitwise_left_shift",
           gradcheck=False, note="integer result", fn=_shifts),
    OpInfo("__rlshift__", [S(I([1, 0, 2]))], gradcheck=False, note="integer result",
           fn=lambda T, x: 3 << x),
    OpInfo("__rrshift__", [S(I([1, 0, 2]))], gradcheck=False, note="integer result",
           fn=lambda T, x: 30 >> x),
    OpInfo("__rmod__", [S(F(M, **P)), S(I([3, 4, 5]))], fn=lambda T, x: 2 % x, gradcheck=False,
           raises_in_backward=True, note="torch has no derivative (NotImplemented node)"),
    # ----------------------------------------------------------- comparisons
    OpInfo("isclose", [S(F(M), F(M)), S(F(M), F(M), 2.0, 3.0)], gradcheck=False,
           note="bool result",
           errors=[S(F(M), F((2, 4))), S(F(M), I([1])), S(F(M), F(M), rtol=-1.0),
                   S(F(M), F(M), atol=-0.5)]),
    OpInfo("isclose_nan", [S(F(V))], op="isclose", gradcheck=False, note="bool result",
           fn=lambda T, x: (T.isclose(x / 0 * 0, x / 0 * 0), T.isclose(x / 0 * 0, x / 0 * 0,
                                                                     equal_nan=True),
                            T.isclose(x / 0, x / 0))),
    OpInfo("allclose", [S(F(M), F(M))], gradcheck=False, note="bool result", fn=_closeness),
    OpInfo("equal", [S(F(M), F(M))], gradcheck=False, note="bool result", fn=_equality),
    # ----------------------------------------------------------- factories
    OpInfo("linspace", [S(0.0, 1.0, 5), S(-2.0, 3.0, 8), S(1.5, 1.5, 1), S(0, 1, 0)],
           gradcheck=False, note="factory", errors=[S(0.0, 1.0, -1)]),
    OpInfo("logspace", [S(0.0, 1.0, 5), S(-2.0, 3.0, 8, 2.0)], gradcheck=False,
           note="factory", errors=[S(0.0, 1.0, -1)]),
    OpInfo("factory_keywords", [S()], op=None, gradcheck=False, note="factory",
           fn=lambda T: (T.linspace(0, 10, 7, dtype=T.float64),
                         T.linspace(-3, 10, 6, dtype=T.int64),
                         T.logspace(0, 2, 3, dtype=T.float64),
                         T.linspace(0.0, 1.0, 4, requires_grad=True) * 2,
                         T.logspace(0.0, 1.0, 4, requires_grad=True).exp())),
    OpInfo("activation_double_backward", [S(F(M))], op=None, fn=_double_backward,
           gradcheck=False, note="the gradients' graphs; gradgradcheck covers the values "
           "through tanh/sigmoid/softplus"),
    # ----------------------------------------------------------- torch.special
    *[OpInfo(f"special.{n}", [S(F(M), 3), S(F(V, -1.0, 1.0), I([0, 1, 2, 9])),
                              S(0.5, C(V, -1.0, 6.0))],
             gradcheck=False, note=ND, errors=[S([1.0], 2)])
      for n in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
                "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
                "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p")],
    u("special.entr", [S(F(M, **P))]), u("special.erfcx", [S(F(M))]),
    u("special.log_ndtr", [S(F(M))]), u("special.ndtri", [S(F(M, **UNIT))]),
    u("special.ndtr", [S(F(M))]),
    OpInfo("special.ndtr_int", [S(I([-1, 0, 2]))], op="special.ndtr", gradcheck=False,
           note="integer input"),
    OpInfo("special.round", [S(F(M)), S(F(M), decimals=2)], gradcheck=False,
           note="piecewise constant", errors=[S([1.0])]),
    *[u(f"special.{n}", [S(F(M))]) for n in ("erf", "erfc", "exp2", "expm1", "expit", "i0",
                                                "sinc")],
    *[u(f"special.{n}", [S(F(M, **P))]) for n in ("log1p", "gammaln", "digamma", "psi")],
    u("special.erfinv", [S(F(M, **U))]),
    u("special.logit", [S(F(M, **UNIT)), S(F(M, **UNIT), 0.25)]),
    OpInfo("special.polygamma", [S(1, F(M, **P))], errors=[S(-1, F(M))]),
    OpInfo("special.multigammaln", [S(F(M, **MV), 3)], errors=[S(F(M), 0)]),
    OpInfo("special.softmax", [S(F(M), 1)], errors=[S([1.0], 0)]),
    OpInfo("special.log_softmax", [S(F(M), 0)], errors=[S([1.0], 0)]),
    OpInfo("special.logsumexp", [S(F(M), 1), S(F(M), (0, 1), True)], errors=[S([1.0], 0)]),
    OpInfo("special.xlogy", [S(F(M), F(M, **P)), S(2.0, F(V, **P))],
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("special.xlog1py", [S(F(M), F(M, **P)), S(2.0, F(V, **P)), S(F(M), 0.5)],
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("special.xlog1py_negative", [S(F(V), -1.5)], op="special.xlog1py", gradcheck=False,
           note="log1p below -1: NaN, no finite differences (grads vs torch in parity)"),
    OpInfo("special.zeta", [S(C(M, 1.5, 3.0), F(M, **P)), S(2.5, F(V, **P))],
           errors=[S(F(M), F((2, 4)))]),
    OpInfo("zeta_self_grad", [S(F(M, 1.5, 3.0), F(M, **P)), S(F(V, 1.5, 3.0), 2.0)],
           op="special.zeta", fn=lambda T, x, q: T.special.zeta(x, q), gradcheck=False,
           raises_in_backward=True, note="torch: not_implemented(\"zeta\")"),
]
