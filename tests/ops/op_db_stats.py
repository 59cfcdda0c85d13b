"""op_db entries for the stats family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, P, S, U, V, Z, OpInfo, b, binary, u, unary  # noqa: F401

_ints = I([[3, 1, 3, 1, 2], [2, 2, 5, 5, 0]])


def _tuple(name):
    return lambda T, *a, **k: tuple(getattr(T, name)(*a, **k))


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- nan-reductions
    OpInfo("nansum", [S(F(M)), S(F(M), 1), S(F(M), (0, 1), True)]),
    OpInfo("nansum_nan", [S(F(M))], op=None, gradcheck=False, note="NaNs made by a mask",
           fn=lambda T, x: T.nansum(x / (x > -1.0), 1)),
    OpInfo("nanmean", [S(F(M)), S(F(M), 1, True)], errors=[S(I([1, 2]))]),
    OpInfo("nanmean_nan", [S(F(M))], op=None, gradcheck=False, note="NaNs made by a mask",
           fn=lambda T, x: T.nanmean(x / (x > -1.0), 0)),
    # ----------------------------------------------------------- order statistics
    OpInfo("median", [S(F(M)), S(F(M), 1), S(F(V), 0, True)],
           fn=None, errors=[S(F((0, 4)), 0)]),
    OpInfo("median_ties", [S(_ints)], op=None, gradcheck=False, note="int result",
           fn=lambda T, x: (tuple(T.median(x, 1)), T.median(x))),
    OpInfo("median_nan", [S(F(M))], op=None, gradcheck=False, note="NaNs made by a mask",
           fn=lambda T, x: (tuple(T.median(x / (x > -1.0), 1)),
                            tuple(T.nanmedian(x / (x > -1.0), 1)))),
    OpInfo("nanmedian", [S(F(M)), S(F(M), 0)], errors=[S(F((0, 4)), 0)]),
    OpInfo("kthvalue", [S(F(M), 2), S(F(M), 3, 0, True)], errors=[S(F(M), 5), S(F(M), 0)]),
    OpInfo("kthvalue_ties", [S(_ints)], op=None, gradcheck=False, note="int result",
           fn=lambda T, x: tuple(T.kthvalue(x, 2, 1))),
    OpInfo("mode", [S(F(M)), S(F(M), 0)], errors=[S(F((0, 4)), 0)]),
    OpInfo("mode_ties", [S(_ints)], op=None, gradcheck=False, note="int result",
           fn=lambda T, x: tuple(T.mode(x, 1))),
    OpInfo("aminmax", [S(F(M)), S(F(M), dim=1), S(F(M), dim=0, keepdim=True)],
           errors=[S(F((0, 4))), S(F((0, 4)), dim=0)]),
    OpInfo("var_mean", [S(F(M)), S(F(M), 1), S(F(M), 0, correction=0, keepdim=True)],
           errors=[S(I([1, 2]))]),
    OpInfo("var_mean_var_only", [S(F(M))], op=None, fn=lambda T, x: T.var_mean(x, 1)[0]),
    OpInfo("std_mean", [S(F(M)), S(F(M), 1, unbiased=False)], errors=[S(I([1, 2]))]),
    OpInfo("std_mean_mean_only", [S(F(M))], op=None, fn=lambda T, x: T.std_mean(x, 1)[1]),
    # ----------------------------------------------------------- scans
    OpInfo("logcumsumexp", [S(F(M), 1), S(F(M), 0), S(F(Z), 0)], errors=[S(I([1, 2]), 0)]),
    OpInfo("cummax", [S(F(M), 1), S(F(M), 0)]),
    OpInfo("cummin", [S(F(M), 1)]),
    OpInfo("cummaxmin_ties", [S(_ints)], op=None, gradcheck=False, note="int result",
           fn=lambda T, x: (tuple(T.cummax(x, 1)), tuple(T.cummin(x, 1)))),
    OpInfo("cummax_nan", [S(F(M))], op=None, gradcheck=False, note="NaNs made by a mask",
           fn=lambda T, x: (tuple(T.cummax(x / (x > -1.0), 1)),
                            tuple(T.cummin(x / (x > -1.0), 1)))),
    # ----------------------------------------------------------- norms
    OpInfo("dist", [S(F(M), F(M)), S(F(M), F(V), 1), S(F(M), F(M), 3)],
           errors=[S(F(M), F((2, 4))), S(I([1, 2]), I([1, 2]))]),
    OpInfo("renorm", [S(F(M), 2, 0, 1.0), S(F(M), 1, 1, 0.5)],
           errors=[S(F(M), -1, 0, 1.0), S(F(M), 2, 0, -1.5), S(F(V), 2, 0, 1.0),
                   S(I([[1, 2]]), 2, 0, 1)]),
]
