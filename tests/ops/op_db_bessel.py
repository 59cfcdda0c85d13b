"""op_db entries for the Bessel J/Y and Airy Ai functions of torch.special (ops/special_bessel.py);
see op_db.py for the spec language. torch marks all of them non_differentiable."""

from __future__ import annotations

from op_db import F, M, S, V, Z, OpInfo, u

ND = "torch: non_differentiable (no node, the result never requires grad)"
FIRST = ("bessel_j0", "bessel_j1")
SECOND = ("bessel_y0", "bessel_y1")
NAMES = FIRST + SECOND + ("airy_ai",)

# Every branch boundary, the poles and signed zeros, NaN, the infinities, huge arguments (the
# asymptotic phases need torch's exact rounding) and float32 overflow (1e300 -> inf).
EDGES = [float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-6, -1e-6, 1e-5, 5.0, -5.0,
         5.0001, 2.09, -2.09, 2.0899, -2.0901, 8.3203353, 8.33, 103.892, 103.9, -13.5, 37.25,
         1e4, -1e4, 3e7, -3e7, 1e10, -1e10, 1e300, -1e300, 1e-300]


def _edges(T, x):
    t = T.tensor(EDGES, dtype=x.dtype)
    return tuple(getattr(T.special, n)(t) for n in NAMES)


def _integer_input(T, x):
    # Integer tensors compute in the default float dtype, as torch's float-only kernels do.
    t = T.tensor([-3, -1, 0, 1, 2, 5, 40])
    return tuple(getattr(T.special, n)(t) for n in NAMES)


OPS = [
    *[u(f"special.{n}", [S(F(M, -30.0, 30.0)), S(F(V, -5.0, 5.0)), S(F(Z, 5.0, 200.0))],
        gradcheck=False, note=ND) for n in FIRST],
    *[u(f"special.{n}", [S(F(M, 0.01, 30.0)), S(F(V, -2.0, 5.0)), S(F(Z, 5.0, 200.0))],
        gradcheck=False, note=ND + "; NaN for x < 0") for n in SECOND],
    u("special.airy_ai", [S(F(M, -30.0, 10.0)), S(F(V, -2.2, 2.2)), S(F(Z, 2.0, 9.0))],
      gradcheck=False, note=ND),
    OpInfo("special_bessel_airy_edges", [S(F(V))], op=None, gradcheck=False,
           note="torch's values at branch boundaries, poles, NaN, infinities, huge arguments",
           fn=_edges),
    OpInfo("special_bessel_airy_int", [S(F(V))], op=None, gradcheck=False,
           note="integer input: float32 result", fn=_integer_input),
]
