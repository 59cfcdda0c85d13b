"""op_db entries for the linear-algebra names outside torch.linalg (ops/linalg_legacy.py); see
op_db.py for the spec language. The deprecated names warn once per process in torch and in
tapegrad: their samples call them with warnings silenced (both sides' once-flags are spent the
same way), and tests/ops/test_linalg_legacy.py checks the warnings themselves."""

from __future__ import annotations

import warnings

from op_db import B, C, F, Fc, I, M, OpInfo, S, V, Z

SQ = (3, 3)
A = F(SQ, eye=3.0)          # well conditioned
SPD = F(SQ, spd=True)
GEN = "generic-path double backward; first order checked"


def quiet(f):
    """`f` with the deprecation warnings silenced."""
    def run(T, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return f(T, *args, **kwargs)
    run.__name__ = getattr(f, "__name__", "quiet")
    return run


def _eig_abs(T, a):
    r = T.linalg.eig(a)
    return r.eigenvalues, r.eigenvectors.abs()


OPS: list[OpInfo] = [
    OpInfo("adjoint", [S(F(M)), S(F((2, 3, 4))), S(Fc(M))], errors=[S(F(V))]),
    OpInfo("inner", tags=("grad_layout",), samples=[S(F(M), F(V)), S(F(V), F(Z)), S(F(M), F(M))],
           errors=[S(F(M), F((4, 3)))]),
    OpInfo("inner_dtype", [], op="inner", errors=[S(F(M), I([1, 2, 3, 4]))]),
    # torch's paths: mm over permuted reshapes; dot when every dim is contracted (a product
    # summed when a permuted operand is not contiguous); size-1 contracted dims summed first.
    OpInfo("tensordot", tags=("grad_layout",),
           samples=[S(F(M), F((4, 2)), 1), S(F(M), F(M), 2), S(F(M), F(M), ([1, 0], [1, 0])),
                    S(F((3, 1)), F(M), ([1], [1]))],
           errors=[S(F(M), F(M), 1), S(F(M), F(M), -1), S(F(M), F(V), 2),
                   S(F(M), F(M), ([0], [0, 1])), S(F(M), F(M), ([2], [0])),
                   S(F(M), F(M), "a"), S(F(M), I([[1]]), ([1], [1]))]),
    OpInfo("vander", [S(F(V)), S(F(V), 3, True), S(F(V), 1), S(F(V), 0)],
           raises_in_backward=True, gradcheck=False,
           note="torch's own backward raises (its cumprod input is overwritten in place)",
           errors=[S(F(M)), S(F(V), -1)]),
    OpInfo("vander_int", [S(I([1, 2, 3])), S(B([True, False]), 3)], op="vander",
           gradcheck=False, note="integer result"),
    OpInfo("complex", [S(F(M), F(M)), S(F(M), F(V))],
           errors=[S(I([1, 2]), I([1, 2])), S(F(M), F((3,)))]),
    OpInfo("polar", [S(F(M, 0.2, 2.0), F(M)), S(F((3, 1), 0.2, 2.0), F(V))],
           errors=[S(I([1, 2]), I([1, 2])), S(F(M), F((3,)))]),
    # ------------------------------------------------------- deprecated factorizations
    OpInfo("cholesky", [S(SPD), S(SPD, True)],
           fn=quiet(lambda T, a, *u: T.cholesky(a, *u)), gradgradcheck=False, note=GEN),
    OpInfo("cholesky_method", [S(SPD)], op="cholesky",
           fn=quiet(lambda T, a: a.cholesky(upper=True)), gradgradcheck=False, note=GEN),
    OpInfo("cholesky_errors", [], op="cholesky",
           errors=[S(F(V)), S(F(M)), S(C(SQ, -1.0, -0.5))]),
    OpInfo("qr", [S(F((4, 3))), S(A, False)],
           fn=quiet(lambda T, a, *s: tuple(T.qr(a, *s))), gradgradcheck=False, note=GEN),
    OpInfo("qr_method", [S(F((4, 3)))], op="qr",
           fn=quiet(lambda T, a: tuple(a.qr(some=True))), gradgradcheck=False, note=GEN),
    OpInfo("qr_errors", [], op="qr", errors=[S(F(V))]),
    OpInfo("lu", [S(A), S(F(M))], fn=quiet(lambda T, a: T.lu(a)), gradgradcheck=False,
           note=GEN),
    OpInfo("lu_infos", [S(A)], op="lu",
           fn=quiet(lambda T, a: tuple(T.lu(a, get_infos=True))), gradgradcheck=False,
           note=GEN),
    OpInfo("lu_infos_singular", [S(C(SQ, 1.0, 1.0))], op="lu",
           fn=quiet(lambda T, a: tuple(T.lu(a, get_infos=True))), gradcheck=False,
           note="a constant singular input: its info"),
    OpInfo("lu_method", [S(A)], op="lu",
           fn=quiet(lambda T, a: (a.lu(), a.lu(get_infos=True))), gradgradcheck=False,
           note=GEN),
    OpInfo("lu_errors", [], op="lu", errors=[S(F(V))]),
    OpInfo("lu_solve", [S(F((3, 2)), A)],
           fn=quiet(lambda T, b, a: T.lu_solve(b, *T.linalg.lu_factor(a))),
           gradgradcheck=False, note=GEN),
    OpInfo("lu_solve_method", [S(F((3, 2)), A)], op="lu_solve",
           fn=quiet(lambda T, b, a: b.lu_solve(*T.linalg.lu_factor(a))),
           gradgradcheck=False, note=GEN),
    OpInfo("lu_solve_errors", [], op="lu_solve",
           errors=[S(F((3, 2)), A, I([1, 2, 3]))]),
    OpInfo("triangular_solve", [S(F((3, 2)), A, False), S(F((3, 2)), A, True, True),
                                S(F((3, 2)), A, False, False, True)],
           fn=quiet(lambda T, *a: tuple(T.triangular_solve(*a))), gradgradcheck=False,
           note=GEN),
    OpInfo("triangular_solve_method", [S(F((3, 2)), A)], op="triangular_solve",
           fn=quiet(lambda T, b, a: tuple(b.triangular_solve(a, upper=False))),
           gradgradcheck=False, note=GEN),
    OpInfo("triangular_solve_errors", [], op="triangular_solve",
           errors=[S(F((3,)), A), S(F((3, 2)), F(V)), S(F((4, 3)), A), S(F((3, 2)), F(M))]),
    # ------------------------------------------------------- deprecated norms
    OpInfo("frobenius_norm", [S(F(M), (0, 1)), S(F(M), (1,), True), S(F(M), 1)],
           fn=quiet(lambda T, *a: T.frobenius_norm(*a))),
    OpInfo("frobenius_norm_errors", [], op="frobenius_norm",
           errors=[S(F(M), (0, 1, 1)), S(I([1, 2]), (0,)), S(F(M), (0, 2))]),
    OpInfo("nuclear_norm", [S(F(M), True), S(F(M), (0, 1), True), S(F((2, 3, 4)))],
           fn=quiet(lambda T, *a: T.nuclear_norm(*a)), gradgradcheck=False, note=GEN),
    OpInfo("nuclear_norm_errors", [], op="nuclear_norm",
           errors=[S(F(V)), S(F(M), (0, 2)), S(F(M), (0,))]),
    # ------------------------------------------------------- linalg.tensorinv
    OpInfo("linalg.tensorinv", [S(A, 1), S(F((2, 3, 6)), 2)]),
    OpInfo("linalg.tensorinv_errors", [], op="linalg.tensorinv",
           errors=[S(F(M), 1), S(A, 0), S(C(SQ, 1.0, 1.0), 1)]),
]

OPS += [
    # ------------------------------------------------------- Householder: geqrf, orgqr, ormqr
    OpInfo("geqrf", [S(F((4, 3))), S(F((3, 4)))], fn=lambda T, a: tuple(T.geqrf(a)),
           gradcheck=False, raises_in_backward=True,
           note="torch has no derivative (its backward raises)"),
    OpInfo("geqrf_method", [S(F((4, 3)))], op="geqrf", fn=lambda T, a: tuple(a.geqrf()),
           gradcheck=False, raises_in_backward=True,
           note="torch has no derivative (its backward raises)"),
    OpInfo("geqrf_errors", [], op="geqrf", errors=[S(F(V))]),
    OpInfo("orgqr", [S(F((4, 3)), F((2,)))], gradgradcheck=False, note=GEN,
           errors=[S(F(V), F(V))]),
    OpInfo("ormqr", [S(F((4, 3)), F((3,)), F((4, 2))), 
                     S(F((4, 3)), F((3,)), F((2, 4)), False, True)],
           gradgradcheck=False, note=GEN,
           errors=[S(F(V), F((3,)), F((4, 2))), S(F((4, 3)), F((3,)), F((3, 2))),
                   S(F((4, 3)), F((2,)), F((4, 2))), S(F((4, 3)), F((2, 3)), F((4, 2)))]),
    # ------------------------------------------------------- linalg.eigvals
    OpInfo("linalg.eigvals", [S(A), S(SPD)], gradgradcheck=False, note=GEN,
           errors=[S(F(M)), S(F(V)), S(C(M))]),
]

OPS += [
    # ------------------------------------------------------- linalg.eig (complex results)
    OpInfo("linalg.eig", [S(A), S(F(SQ))],
           fn=_eig_abs,
           gradgradcheck=False, note="eigenvectors up to phase: compared as |V|; " + GEN,
           errors=[S(F(M)), S(F(V))]),
    OpInfo("linalg.eig_phase", [S(F(SQ))], op=None, fn=lambda T, a: T.linalg.eig(a)[1].real,
           gradcheck=False, raises_in_backward=True,
           note="a loss that depends on the eigenvectors' phases: torch's backward raises"),
]

# Complex inputs, where torch supports them.
OPS += [
    OpInfo("inner_complex", [S(Fc(M), Fc(V))], op="inner", tags=("grad_layout",)),
    OpInfo("tensordot_complex", [S(Fc(M), Fc((4, 2)), 1), S(Fc(M), Fc(M), 2)], op="tensordot",
           tags=("grad_layout",)),
    OpInfo("frobenius_norm_complex", [S(Fc(M), (0, 1))], op="frobenius_norm",
           fn=quiet(lambda T, *a: T.frobenius_norm(*a))),
    OpInfo("triangular_solve_complex", [S(Fc((3, 2)), Fc(SQ))], op="triangular_solve",
           fn=quiet(lambda T, b, a: tuple(T.triangular_solve(b, a + 3 * T.eye(3, dtype=a.dtype)))),
           gradgradcheck=False, note=GEN),
    OpInfo("linalg.eigvals_complex", [S(Fc(SQ))], op="linalg.eigvals", gradgradcheck=False,
           note=GEN),
    OpInfo("linalg.eig_complex", [S(Fc(SQ))], op="linalg.eig", gradgradcheck=False,
           fn=_eig_abs,
           note="eigenvectors up to phase: compared as |V|; " + GEN),
]
