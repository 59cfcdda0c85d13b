"""op_db entries for the nn family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, P, S, U, V, Z, OpInfo, b, binary, u, unary  # noqa: F401


def _f(name, **kw):
    """A call of `T.nn.functional.<name>` (keyword arguments fixed)."""
    return lambda T, *a: getattr(T.nn.functional, name)(*a, **kw)


def _inplace(name, **kw):
    """`F.<name>(x * 1, inplace=True)`: the in-place form on a non-leaf."""
    return lambda T, x, *a: getattr(T.nn.functional, name)(x * 1, *a, inplace=True, **kw)


INT = [S(I([1, 2, -3]))]

OPS: list[OpInfo] = [
    # ----------------------------------------------------------- activations
    OpInfo("hardtanh", [S(F(M)), S(F(V), -0.5, 1.5), S(F(Z))],
           errors=[S(F(M), 2.0, 1.0)]),
    OpInfo("hardtanh_inplace", [S(F(M))], op="hardtanh", fn=_inplace("hardtanh")),
    OpInfo("relu6", [S(F(M, -8.0, 8.0)), S(F(Z))]),
    OpInfo("relu6_inplace", [S(F(M, -8.0, 8.0))], op="relu6", fn=_inplace("relu6")),
    OpInfo("hardsigmoid", [S(F(M, -4.0, 4.0)), S(F(Z))], errors=INT),
    OpInfo("hardsigmoid_inplace", [S(F(M, -4.0, 4.0))], op="hardsigmoid",
           fn=_inplace("hardsigmoid")),
    OpInfo("hardswish", [S(F(M, -4.0, 4.0)), S(F(Z))], errors=INT),
    OpInfo("hardswish_inplace", [S(F(M, -4.0, 4.0))], op="hardswish",
           fn=_inplace("hardswish")),
    OpInfo("hardshrink", [S(F(M)), S(F(V), 1.0), S(F(Z))], errors=INT),
    OpInfo("softshrink", [S(F(M)), S(F(V), lambd=1.0), S(F(Z))],
           errors=INT + [S(F(M), -1.0)]),
    OpInfo("mish", [S(F(M)), S(F(Z))], errors=INT),
    OpInfo("mish_inplace", [S(F(M))], op="mish", fn=_inplace("mish")),
    OpInfo("selu", [S(F(M)), S(F(Z))], errors=INT),
    OpInfo("selu_inplace", [S(F(M))], op="selu", fn=_inplace("selu")),
    OpInfo("celu", [S(F(M)), S(F(V), 0.5), S(F(Z))], errors=INT + [S(F(M), 0.0)]),
    OpInfo("celu_inplace", [S(F(M))], op="celu", fn=_inplace("celu", alpha=0.7)),
    OpInfo("glu", [S(F(M)), S(F((4, 3)), 0), S(F(V))],
           errors=[S(F((3, 5))), S(F(Z)), S(F(M), 2), S(F(M), -3)]),
    OpInfo("prelu", [S(F(M), F((1,))), S(F(M), F((4,))), S(F(V), F((1,))), S(F(Z), F((1,))),
                     S(F((2, 4, 3)), F((4,)))],
           errors=[S(F(M), F((3,))), S(F(M), F((4, 1)))]),
    OpInfo("rrelu", [S(F(M)), S(F(V), 0.1, 0.3)], errors=[S(F(M), 0.5, 0.1)]),
    OpInfo("rrelu_eval_inplace", [S(F(M))], op="rrelu", fn=_inplace("rrelu")),
    OpInfo("softmin", [S(F(M), 1), S(F(M), 0, dtype=None), S(F(V), -1)]),
    OpInfo("softmin_dtype", [S(C(M))], op="softmin",
           fn=lambda T, x: T.nn.functional.softmin(x, 1, dtype=T.float64), gradcheck=False,
           note="constant input (the dtype cast)"),
    OpInfo("softsign", [S(F(M)), S(F(Z))]),
    OpInfo("tanhshrink", [S(F(M)), S(F(Z))]),
    OpInfo("threshold", [S(F(M), 0.1, 2.0), S(F(V), -0.5, 0.0)]),
    OpInfo("threshold_inplace", [S(F(M), 0.1, 2.0)], op="threshold", fn=_inplace("threshold")),
]
