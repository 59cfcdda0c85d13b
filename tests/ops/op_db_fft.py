"""op_db entries for torch.fft's transforms and complex autograd (issue 11); see op_db.py for
the spec language. `Fc(shape)` is a complex input (complex64 in the float32 run, complex128 in
the float64 run), so values, grads (torch's conjugate Wirtinger convention), grad_fn graphs,
gradcheck and gradgradcheck run on complex tensors too."""

from __future__ import annotations

from op_db import F, Fc, I, M, P, S, V, Z, OpInfo

R3 = (3, 3)          # an odd last dim (irfft's default n is even: 2 * (3 - 1))
not_tensor = [S([1.0, 2.0])]
# `.grad._version` follows torch's output strides and lazy conj views here (test_op_parity).
LAYOUT = ("grad_layout",)


def _norm_errors(z):
    # An unknown norm; n < 1; a dim out of range; a 0-d input (dims do not wrap there).
    return [S(z, norm="bad"), S(z, n=0), S(z, n=-1), S(z, dim=2), S(F(Z)), S(z, n=2.0),
            S(z, dim=(0,)), *not_tensor]


def _nd_errors(z):
    return [S(z, norm="bad"), S(z, dim=(0, 0)), S(z, dim=(1, -1)), S(z, dim=(0, 3)),
            S(z, s=(2, 3), dim=(0,)), S(z, s=(2, 3, 4)), S(z, s=(0, 3)), *not_tensor]


def cx(name, samples, **kw):
    """Complex samples of a core op, called as `T.<name>` (the in-place and method forms
    are checked on real inputs in op_db.py; torch refuses some in place on complex ones)."""
    return OpInfo(f"{name}_complex", samples, op=name,
                  fn=lambda T, *a, **k: getattr(T, name)(*a, **k), **kw)


_real_only = [S(Fc(M))]         # rfft & co refuse complex inputs
_one_axis = [S(Fc(M), dim=())]  # the c2r/r2c n-d transforms need an axis

OPS: list[OpInfo] = [
    # ------------------------------------------------------- complex views and conjugation
    OpInfo("conj", [S(Fc(M)), S(F(M))]),
    OpInfo("conj_physical", [S(Fc(M)), S(F(V))]),
    OpInfo("real", [S(Fc(M)), S(F(V))]),
    OpInfo("imag", [S(Fc(M))], errors=[S(F(V))]),
    OpInfo("real_property", [S(Fc(M))], op="real", fn=lambda T, z: (z.real * 2, z.imag),
           tags=LAYOUT),
    OpInfo("view_as_real", [S(Fc(M))], errors=[S(F(M))]),
    OpInfo("view_as_complex", [S(F((3, 2)))],
           errors=[S(F(M)), S(I([[1, 2]])), S(F(Z))]),
    cx("angle", [S(Fc(M)), S(Fc(Z))]),
    OpInfo("isreal_complex", [S(Fc(V, requires_grad=False))], op="isreal",
           fn=lambda T, z: T.isreal(z * T.tensor([1, 1j, 0, 1], dtype=z.dtype)),
           gradcheck=False, note="bool result"),
    # ------------------------------------------------------- complex formulas of the core
    cx("mul", [S(Fc(M), Fc(M)), S(Fc(M), F(M)), S(F(V), Fc(V)), S(Fc(M), 2.5)]),
    cx("div", [S(Fc(M, **P), Fc(M, **P)), S(F(M, **P), Fc(M, **P))]),
    cx("abs", [S(Fc(M, **P))]),
    cx("sgn", [S(Fc(M, **P))]),
    cx("sum", [S(Fc(M)), S(Fc(M), 1)]),
    cx("mean", [S(Fc(M))]),
    cx("add", [S(Fc(M), Fc(M)), S(Fc(M), F(M), alpha=2), S(F(V), Fc(V))]),
    cx("sub", [S(Fc(M), Fc(M)), S(F(M), Fc(M))]),
    cx("pow", [S(Fc(M, **P), 2), S(Fc(M, **P), 1.5)]),
    cx("exp", [S(Fc(M, -1.0, 1.0))]),
    cx("log", [S(Fc(M, **P))]),
    cx("sqrt", [S(Fc(M, **P))]),
    cx("reciprocal", [S(Fc(M, **P))]),
    cx("sin", [S(Fc(M, -1.0, 1.0))]),
    cx("tanh", [S(Fc(M, -0.5, 0.5))]),
    cx("sigmoid", [S(Fc(M, -0.5, 0.5))]),
    cx("matmul", [S(Fc(M), Fc((4, 2))), S(Fc(M), Fc(V))]),
    cx("prod", [S(Fc(V, **P))]),
    cx("addcmul", [S(Fc(M), Fc(M), Fc(M), value=0.5)]),
    cx("addcdiv", [S(Fc(M), Fc(M), Fc(M, **P), value=2)]),
    cx("logsumexp", [S(Fc(M, -1.0, 1.0), 1)]),
    cx("sinc", [S(Fc(M, -0.9, 0.9))]),
    cx("vdot", [S(Fc(V), Fc(V))]),
    OpInfo("linalg_complex", [S(F((3, 3), eye=3.0, complex=True), Fc(M)),
                              S(F((3, 3), eye=3.0, complex=True), Fc((3,)))],
           op=None, fn=lambda T, a, b: (T.linalg.inv(a), T.linalg.solve(a, b))),
    # ------------------------------------------------------- one-dimensional transforms
    OpInfo("fft.fft", [S(Fc(M)), S(F(M)), S(Fc(M), n=6, norm="ortho"),
                       S(Fc(M), n=2, dim=0, norm="forward")],
           errors=_norm_errors(Fc(M)) + [S(F(V), norm="xx")]),
    OpInfo("fft.fft_int", [S(I([1, 2, 3]))], op="fft.fft", gradcheck=False,
           note="an integer input (promoted to the default float's complex type)"),
    OpInfo("fft.ifft", [S(Fc(M)), S(F(V)), S(Fc(M), n=5, dim=0, norm="forward"),
                        S(F(M), norm="ortho")],
           errors=_norm_errors(Fc(M)), tags=LAYOUT),
    OpInfo("fft.rfft", [S(F(M)), S(F(M), n=7, norm="ortho"), S(F(M), n=2, dim=0,
                                                              norm="forward")],
           errors=_norm_errors(F(M)) + _real_only),
    OpInfo("fft.irfft", [S(Fc(M)), S(Fc(M), n=5, norm="ortho"),
                         S(Fc(R3), n=4, dim=0, norm="forward"), S(F(M))],
           errors=_norm_errors(Fc(M)) + [S(Fc((3, 1)))]),
    OpInfo("fft.hfft", [S(Fc(M)), S(Fc(R3), n=5, norm="ortho"), S(Fc(M), dim=0)],
           errors=_norm_errors(Fc(M)), tags=LAYOUT),
    OpInfo("fft.ihfft", [S(F(M)), S(F(M), n=5, norm="forward")],
           errors=_norm_errors(F(M)) + _real_only),
    # ------------------------------------------------------- n-dimensional transforms
    OpInfo("fft.fft2", [S(Fc(M)), S(F(M), s=(2, 5), norm="ortho")],
           errors=[S(F(V)), S(Fc(M), norm="bad")]),
    OpInfo("fft.ifft2", [S(Fc(M), norm="forward"), S(F(M))], errors=[S(Fc(V))]),
    OpInfo("fft.fftn", [S(Fc(M), s=(2, 5)), S(F(M), dim=(0,)), S(Fc(M), dim=()),
                        S(Fc(M), s=3), S(Fc(Z))],
           errors=_nd_errors(Fc(M))),
    OpInfo("fft.ifftn", [S(Fc(M), s=(-1, 6), norm="ortho"), S(Fc(M), dim=0)],
           errors=_nd_errors(Fc(M)), tags=LAYOUT),
    OpInfo("fft.rfft2", [S(F(M)), S(F(M), s=(2, 5), norm="forward")],
           errors=_real_only + [S(F(V))]),
    OpInfo("fft.irfft2", [S(Fc(M)), S(Fc(M), s=(4, 5), norm="ortho")], errors=[S(Fc(V))]),
    OpInfo("fft.rfftn", [S(F(M)), S(F(M), dim=0, norm="ortho"), S(F(M), s=(5,))],
           errors=_nd_errors(F(M)) + _real_only + [S(F(M), dim=())]),
    OpInfo("fft.irfftn", [S(Fc(M)), S(Fc(R3), s=(2, 5), norm="forward"), S(F(M), dim=0)],
           errors=_nd_errors(Fc(M)) + _one_axis + [S(Fc((3, 1)))]),
    OpInfo("fft.hfft2", [S(Fc(M)), S(Fc(M), s=(2, 3), norm="ortho")],
           errors=[S(Fc(V))], tags=LAYOUT),
    OpInfo("fft.ihfft2", [S(F(M)), S(F(M), norm="forward")],
           errors=_real_only + [S(F(V))]),
    OpInfo("fft.hfftn", [S(Fc(M)), S(Fc(M), dim=0, norm="forward")],
           errors=_nd_errors(Fc(M)) + _one_axis, tags=LAYOUT),
    OpInfo("fft.ihfftn", [S(F(M)), S(F(M), s=(2, 6), norm="ortho")],
           errors=_nd_errors(F(M)) + _real_only + [S(F(M), dim=())]),
    OpInfo("fft_of_fft", [S(F(M))], op=None,
           fn=lambda T, x: (T.fft.ifft(T.fft.fft(x) * 2).real, T.fft.irfft(T.fft.rfft(x),
                                                                         n=4).sum()), tags=LAYOUT),
]
