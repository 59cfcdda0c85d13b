"""op_db entries for the linalg family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

import warnings

from op_db import B, C, F, I, M, OpInfo, S, V, Z

SQ = (3, 3)
A = F(SQ, eye=3.0)          # well conditioned
SPD = F(SQ, spd=True)       # symmetric positive-definite, distinct eigenvalues (seeded)
GEN = "generic-path double backward; first order checked"
# eigh, eigvalsh and pinv(hermitian=True) read one triangle while torch's formulas assume a
# symmetric input: finite differences do not apply (torch's own gradcheck fails the same way).
SYM = "torch's gradient assumes a symmetric input: grads checked against torch's"

def _quiet_chain_matmul(T, *matrices):
    # (torch warns once per process that chain_matmul is deprecated; so does tapegrad.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return T.chain_matmul(*matrices)


OPS: list[OpInfo] = [
    OpInfo("linalg.slogdet", [S(A)], fn=lambda T, a: tuple(T.linalg.slogdet(a)),
           errors=[S(F(M)), S(F(V))]),
    OpInfo("linalg.slogdet_call", [S(A)], op="linalg.slogdet",
           errors=[S(F(M)), S(F(V))]),
    OpInfo("slogdet", [S(A)], errors=[S(F(M))]),
    OpInfo("logdet", [S(SPD)], errors=[S(F(M))]),
    OpInfo("logdet_negative", [S(C(SQ))], op=None, gradcheck=False,
           note="nan where the determinant is negative",
           fn=lambda T, a: T.logdet(-a)),
    OpInfo("det", [S(A)], gradgradcheck=False, note=GEN, errors=[S(F(M))]),
    OpInfo("inverse", [S(A)], errors=[S(F(M)), S(C(SQ, 1.0, 1.0))]),
    OpInfo("linalg.inv_ex_singular", [S(C(SQ, 1.0, 1.0))], op=None, gradcheck=False,
           note="info of a singular matrix", fn=lambda T, a: T.linalg.inv_ex(a).info),
    OpInfo("linalg.inv_ex", [S(A)],
           errors=[S(F(M)), S(C(SQ, 1.0, 1.0), check_errors=True)]),
    OpInfo("linalg.cholesky_ex", [S(SPD)], gradgradcheck=False, note=GEN,
           errors=[S(F(M)), S(C(SQ, -1.0, -0.5), check_errors=True)]),
    OpInfo("linalg.cholesky_ex_info", [S(C(SQ, -1.0, -0.5))], op=None, gradcheck=False,
           note="the info of a matrix that is not positive-definite",
           fn=lambda T, a: T.linalg.cholesky_ex(a).info),
    OpInfo("linalg.solve_ex", [S(A, F((3, 2)))],
           errors=[S(F(M), F((3,))), S(C(SQ, 1.0, 1.0), C((3,)), check_errors=True)]),
    OpInfo("linalg.svdvals", [S(F(M))], gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("linalg.matrix_norm", [S(F(M)), S(F(M), "nuc"), S(F(M), -2, keepdim=True),
                                  S(F(M), float("inf"), (1, 0)), S(F(M), -1, keepdim=True)],
           gradgradcheck=False, note=GEN,
           errors=[S(F(M), 3), S(F(V)), S(F(M), dim=(0, 0)), S(I([[1, 2]]))]),
    OpInfo("linalg.norm_matrix", [S(F(M), "fro"), S(F(M), "nuc"), S(F(M), 2), S(F(M), -1),
                                  S(F(M), float("inf")), S(F(M), 1, dim=(1, 0), keepdim=True)],
           op="linalg.norm", gradgradcheck=False, note=GEN,
           errors=[S(F((2, 3, 4)), 2), S(F(M), "fro", dim=(1,)), S(F(M), dim=(0, 1, 1)),
                   S(F(V), "fro"), S(F(M), dim=2), S(F(M), 2, dim=(0, 2))]),
    OpInfo("linalg.norm_dtype", [S(F(M)), S(F(M), float("inf"), dim=1)], op="linalg.norm",
           fn=lambda T, x, *a, **k: T.linalg.norm(x, *a, dtype=T.float64, **k)),
    OpInfo("linalg.matrix_norm_dtype", [S(F(M)), S(F(M), 1), S(F(M), "nuc")],
           op="linalg.matrix_norm", gradgradcheck=False, note=GEN,
           fn=lambda T, x, *a, **k: T.linalg.matrix_norm(x, *a, dtype=T.float64, **k)),
    OpInfo("linalg.vector_norm_dtype", [S(F(M), 3)], op="linalg.vector_norm",
           fn=lambda T, x, *a, **k: T.linalg.vector_norm(x, *a, dtype=T.float64, **k)),
    OpInfo("linalg.svd_driver", [], op=None, errors=[S(F(M))],
           fn=lambda T, x: (T.linalg.svd(x, driver="gesvd"), T.linalg.svdvals(x, driver="gesvd"))),
    OpInfo("linalg.svdvals_driver", [], op=None, errors=[S(F(M))],
           fn=lambda T, x: T.linalg.svdvals(x, driver="gesvd")),
    OpInfo("linalg.vector_norm_int_dtype", [], op=None, errors=[S(F(M))],
           fn=lambda T, x: T.linalg.vector_norm(x, dtype=T.int64)),
    OpInfo("linalg.cond", [S(A), S(A, -2)], gradgradcheck=False,
           note=GEN, errors=[S(F(M), 1), S(F(V))]),
    OpInfo("linalg.cond_inv", [S(A, 1), S(A, "fro")], op="linalg.cond", gradcheck=False,
           raises_in_backward=True,
           note="torch writes into the saved inverse (masked_fill_): its backward raises"),
    OpInfo("linalg.pinv", [S(F(M)), S(F(M), atol=0.1)],
           gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("linalg.pinv_hermitian", [S(SPD, hermitian=True)], op="linalg.pinv", gradcheck=False,
           note=SYM),
    OpInfo("pinverse", [S(F(M))], gradgradcheck=False, note=GEN),
    OpInfo("linalg.eigh", [S(SPD), S(SPD, "U")],
           fn=lambda T, a, *u: (lambda r: (r.eigenvalues, r.eigenvectors.abs()))(
               T.linalg.eigh(a, *u)),
           gradcheck=False, note="eigenvectors up to sign: compared as |V|; " + SYM,
           errors=[S(F(M)), S(A, "X")]),
    OpInfo("linalg.eigvalsh", [S(SPD)], gradcheck=False, note=SYM, errors=[S(F(V))]),
    OpInfo("linalg.matrix_exp", [S(F(SQ, -0.5, 0.5))], gradgradcheck=False, note=GEN,
           errors=[S(F(M)), S(F(V))]),
    OpInfo("matrix_exp", [S(F(SQ, -0.5, 0.5))], gradgradcheck=False, note=GEN),
    OpInfo("linalg.matrix_power", [S(A, 5), S(A, -2), S(A, 1), S(A, 0),
                                   S(F((2, 3, 3), eye=3.0), 4)],
           errors=[S(F(M), 2), S(F(V), 2), S(I([[1, 0], [0, 1]]), -1)]),
    OpInfo("matrix_power", [S(A, 3)]),
    OpInfo("linalg.cross", [S(F((4, 3)), F((4, 3))), S(F((3, 4)), F((3, 4)), dim=0),
                            S(F((4, 3)), F((1, 3)))],
           errors=[S(F(M), F(M)), S(F((2, 3)), F((4, 3)))]),
    OpInfo("cross", [S(F((3, 4)), F((3, 4)), 0), S(F((4, 3)), F((4, 3)), -1)],
           errors=[S(F(M), F(M), 1)]),
    OpInfo("linalg.vecdot", [S(F(M), F(M)), S(F(M), F(V)), S(F(M), F(M), dim=0)],
           errors=[S(F(M), F((3,)))]),
    OpInfo("linalg.diagonal", [S(F(M)), S(F((2, 3, 4)), offset=1, dim1=0, dim2=2)]),
    OpInfo("linalg.multi_dot", [S([F((3, 4)), F((4, 2))]),
                                S([F((4,)), F((4, 4)), F((4, 2)), F((2,))]),
                                S([F((2, 3)), F((3, 4)), F((4, 4)), F((4, 2))])],
           errors=[S([F(M)]), S([F((2, 3, 4)), F(M)]), S([F(M), F(M)]),
                   S([F(M), F(V), F(M)])]),
    OpInfo("linalg.solve_triangular", [S(A, F((3, 2)), upper=True),
                                       S(A, F((2, 3)), upper=False, left=False),
                                       S(A, F((3, 2)), upper=False, unitriangular=True)],
           fn=lambda T, a, b, **k: T.linalg.solve_triangular(
               a.triu() if k.get("upper") else a.tril(), b, **k),
           gradgradcheck=False, note=GEN,
           errors=[S(A, F((3,)), upper=True), S(A, F((2, 4)), upper=True)]),
    OpInfo("linalg.vander_int", [S(I([1, 2, 3]))], op="linalg.vander", gradcheck=False,
           note="integer result"),
    OpInfo("linalg.vander", [S(F(V)), S(F(M), N=3)],
           errors=[S(F(V), N=1), S(B([True, False]))]),
    OpInfo("linalg.tensorsolve", [S(A, F((3,)))]),
    # ------------------------------------------------------- add*mm family
    OpInfo("addmm", [S(F(M), F((3, 2)), F((2, 4))), S(F(V), F((3, 2)), F((2, 4)), beta=0.5,
                                                      alpha=2.0)],
           errors=[S(F(M), F(V), F(M)), S(F(M), F(M), F(M)), S(F((2, 2)), F(M), F((4, 2)))]),
    OpInfo("addmv", [S(F((3,)), F(M), F(V)), S(F((1,)), F(M), F(V), beta=0.5, alpha=2.0)],
           errors=[S(F(V), F(M), F(V))]),
    OpInfo("addr", [S(F(M), F((3,)), F(V)), S(F(Z), F((3,)), F(V), beta=2.0, alpha=0.5)],
           errors=[S(F(M), F(M), F(V)), S(F((2, 2)), F((3,)), F(V))]),
    OpInfo("baddbmm", [S(F((2, 3, 4)), F((2, 3, 2)), F((2, 2, 4)), beta=0.5, alpha=2.0)],
           errors=[S(F((2, 3, 4)), F((2, 3, 2)), F((2, 3, 4)))]),
    OpInfo("addbmm", [S(F(M), F((2, 3, 2)), F((2, 2, 4))),
                      S(F(V), F((2, 3, 2)), F((2, 2, 4)), beta=0.5, alpha=2.0)],
           errors=[S(F((2, 2)), F((2, 3, 2)), F((2, 2, 4)))]),
    # ------------------------------------------------------- LU and Cholesky products
    OpInfo("linalg.lu_factor", [S(A)], fn=lambda T, a: tuple(T.linalg.lu_factor(a)),
           gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("linalg.lu_factor_ex", [S(A)], fn=lambda T, a: tuple(T.linalg.lu_factor_ex(a)),
           gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("linalg.lu", [S(A), S(F(M))], fn=lambda T, a: tuple(T.linalg.lu(a)),
           gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("lu_unpack", [S(A)], fn=lambda T, a: tuple(T.lu_unpack(*T.linalg.lu_factor(a))),
           gradgradcheck=False, note=GEN),
    OpInfo("linalg.lu_solve", [S(A, F((3, 2))), S(A, F((2, 3)), left=False),
                               S(A, F((3, 2)), adjoint=True)],
           fn=lambda T, a, b, **k: T.linalg.lu_solve(*T.linalg.lu_factor(a), b, **k),
           gradgradcheck=False, note=GEN,
           errors=[]),
    OpInfo("cholesky_inverse", [S(SPD), S(SPD, True)],
           fn=lambda T, a, *u: T.cholesky_inverse(T.linalg.cholesky(a, upper=bool(u)), *u),
           gradgradcheck=False, note=GEN),
    OpInfo("cholesky_inverse_full", [S(A), S(A, True)], op="cholesky_inverse",
           gradcheck=False, note="torch reads one triangle, its formula uses the whole input",
           errors=[S(F(V))]),
    OpInfo("cholesky_solve", [S(F((3, 2)), A), S(F((3, 2)), A, True)], gradcheck=False,
           note="torch reads one triangle, its formula uses the whole input",
           errors=[S(F(V), A)]),
    OpInfo("cholesky_solve_tri", [S(F((3, 2)), SPD)], op="cholesky_solve", gradgradcheck=False,
           note=GEN, fn=lambda T, b, a: T.cholesky_solve(b, T.linalg.cholesky(a))),
    OpInfo("linalg.householder_product", [S(F((4, 3)), F((2,)))], gradgradcheck=False,
           note=GEN, errors=[S(F(V), F(V)), S(F(M), F((2,))), S(F((4, 3)), F(V))]),
    OpInfo("svd", [S(F((4, 3))), S(F((4, 3)), False)],
           fn=lambda T, a, *s: (lambda r: (r.S, r.U.abs(), r.V.abs()))(T.svd(a, *s)),
           gradcheck=False, note="U and V up to sign: compared as |U|, |V|"),
    OpInfo("svd_values", [S(F((4, 3)))], op="svd", fn=lambda T, a: T.svd(a).S,
           gradgradcheck=False, note=GEN, errors=[S(F(V))]),
    OpInfo("linalg.lstsq", [S(A, F((3, 2))), S(F((4, 3)), F((4, 2)), driver="gelsd")],
           fn=lambda T, a, b, **k: tuple(T.linalg.lstsq(a, b, **k))[:3],
           gradgradcheck=False, note=GEN, errors=[S(F(M), F((4, 2)))]),
    OpInfo("linalg.lstsq_all", [S(F((4, 3)), F((4, 2)), driver="gelsd")], op="linalg.lstsq",
           fn=lambda T, a, b, **k: tuple(T.linalg.lstsq(a, b, **k)), gradcheck=False,
           note="singular_values carry no graph (as torch's): no finite difference"),
    OpInfo("linalg.matrix_rank", [S(A), S(C((3, 3), 1.0, 1.0)), S(SPD, hermitian=True),
                                  S(A, atol=3.0)],
           gradcheck=False, note="integer result", errors=[S(F(V))]),
]

OPS += [
    OpInfo("chain_matmul", [S(F((3, 4)), F((4, 2)), F((2, 3)))], fn=_quiet_chain_matmul),
    # ------------------------------------------------------- torch.fft
    OpInfo("fft.fftshift", [S(F(M)), S(F(M), dim=1), S(F((5,)))], errors=[S(F(M), dim=2)]),
    OpInfo("fft.ifftshift", [S(F(M)), S(F((3, 5)), dim=(0, 1))]),
    OpInfo("fft.fftfreq_dtype", [S(4, 0.5)], op="fft.fftfreq", gradcheck=False, note="a factory",
           fn=lambda T, n, d: T.fft.fftfreq(n, d, dtype=T.float64)),
    OpInfo("fft.fftfreq", [S(5), S(6, requires_grad=True)],
           gradcheck=False, note="a factory", errors=[S(-1)]),
    OpInfo("fft.rfftfreq", [S(5, d=2.0), S(8)], gradcheck=False, note="a factory",
           errors=[S(-5)]),
]

OPS += [
    OpInfo("is_complex", [S(F(M))], gradcheck=False, note="a bool query"),
    OpInfo("is_conj", [S(F(M))], gradcheck=False, note="a bool query"),
    OpInfo("is_neg", [S(F(M))], gradcheck=False, note="a bool query"),
    OpInfo("resolve_conj", [S(F(M))], gradcheck=False, note="the input itself"),
    OpInfo("resolve_neg", [S(F(M))], gradcheck=False, note="the input itself"),
    OpInfo("resolve_identity", [S(F(M))], op=None, gradcheck=False, note="the input itself",
           fn=lambda T, x: (T.resolve_conj(x) is x, x.resolve_neg() is x)),
]

# Ops that wrap their dims in the body: an out-of-range dim among their error inputs (torch's
# IndexError; tests/ops/test_error_inputs.py).
OPS += [
    OpInfo("linalg.matrix_norm_dim_error", [], op="linalg.matrix_norm",
           errors=[S(F(M), dim=(0, 2))]),
    OpInfo("linalg.cross_dim_error", [], op="linalg.cross", errors=[S(F((3, 3)), F((3, 3)), dim=2)]),
    OpInfo("cross_dim_error", [], op="cross", errors=[S(F((3, 3)), F((3, 3)), dim=2)]),
    OpInfo("linalg.vecdot_dim_error", [], op="linalg.vecdot", errors=[S(F(M), F(M), dim=2)]),
    OpInfo("linalg.diagonal_dim_error", [], op="linalg.diagonal",
           errors=[S(F(M), dim1=0, dim2=2)]),
    OpInfo("linalg.tensorsolve_dim_error", [], op="linalg.tensorsolve",
           errors=[S(F((4, 2, 2)), F((4,)), dims=(5,))]),
]
