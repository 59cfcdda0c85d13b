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
    # ----------------------------------------------------------- counting and searching
    OpInfo("count_nonzero", [S(C(M)), S(I([[0, 1, 2], [0, 0, 3]]), 1),
                             S(I([[0, 1, 2], [0, 0, 3]]), (0, 1))], gradcheck=False,
           note="int result", errors=[S(C(M), (0, 0))]),
    OpInfo("msort", [S(F(M)), S(F(V))]),
    OpInfo("argwhere", [S(I([[0, 1, 2], [0, 0, 3]]))], gradcheck=False, note="int result"),
    OpInfo("nonzero_static", [S(I([[0, 1, 2], [0, 0, 3]]), size=5),
                              S(I([[0, 1, 2], [0, 0, 3]]), size=2, fill_value=9)],
           gradcheck=False, note="int result", errors=[S(I([1]), size=-1)]),
    OpInfo("searchsorted", [S(I([1, 3, 5, 7]), I([[0, 3, 8], [5, 6, 7]])),
                            S(I([[1, 3, 5], [2, 4, 6]]), I([[3, 6], [1, 4]]), right=True),
                            S(I([1, 3, 5]), 3, out_int32=True),
                            S(I([5, 1, 3]), I([3, 4]), sorter=I([1, 2, 0]), side="right")],
           gradcheck=False, note="int result",
           errors=[S(I([[1, 3]]), I([1, 2])), S(I([1, 3]), I([1]), side="left", right=True),
                   S(I([1, 3]), I([1]), side="lft")]),
    OpInfo("bucketize", [S(I([[1, 5], [9, 3]]), I([1, 3, 5, 7, 9])),
                         S(C(M), I([-1, 0, 1]), right=True, out_int32=True)],
           gradcheck=False, note="int result", errors=[S(I([1]), I([[1, 3]]))]),
    OpInfo("isin", [S(I([[1, 2], [3, 4]]), I([2, 3])), S(I([1, 2]), 2, invert=True),
                    S(1, I([1, 2]))], gradcheck=False, note="bool result"),
    # ----------------------------------------------------------- binning
    OpInfo("histc", [S(C(M)), S(C(M), 4, -1, 1), S(F(M), bins=3)], gradcheck=False,
           note="torch has no derivative (not differentiable)",
           errors=[S(I([1, 2])), S(C(M), 0), S(C(M), 4, 3, 1)]),
    OpInfo("histogram", [S(C(M), 4), S(C(M), 3, range=(-1.0, 1.0), density=True),
                         S(C(M), C((4,), -1.0, 1.0), weight=C(M, 0, 1)),
                         S(C(M), I([0, 1, 2]))],
           fn=lambda T, x, b, **k: tuple(T.histogram(
               x, b.to(x.dtype).sort().values if isinstance(b, T.Tensor) else b, **k)),
           gradcheck=False, note="torch has no derivative",
           errors=[S(I([1, 2]), 3), S(C(M), 0), S(C(M), 3, range=(2.0, 1.0))]),
    OpInfo("bincount", [S(I([1, 2, 2, 5])), S(I([1, 2, 2, 5]), minlength=8),
                        S(I([1, 2, 2, 5]), F((4,)))], gradcheck=False,
           raises_in_backward=True, note="torch's node is NotImplemented (backward raises)",
           errors=[S(I([[1]])), S(I([-1])), S(C((2,))), S(I([1, 2]), C((1,))),
                   S(I([1, 2]), minlength=-1)]),
    OpInfo("unique_consecutive", [S(F(M)), S(F(M), return_counts=True),
                                  S(F(M), return_inverse=True, dim=1)],
           fn=lambda T, x, **k: T.unique_consecutive((x * 0.6).round().detach(), **k),
           gradcheck=False, note="torch has no derivative"),
    OpInfo("unique_consecutive_ints", [S(I([1, 1, 2, 2, 3, 1, 1, 2])),
                                       S(I([[1, 2], [1, 2], [3, 4]]))], op=None,
           gradcheck=False, note="int result",
           fn=lambda T, x: (T.unique_consecutive(x, return_inverse=True, return_counts=True),
                            T.unique_consecutive(x, dim=0, return_inverse=True,
                                                 return_counts=True))),
    OpInfo("unique_consecutive_graph", [S(F(M))], op=None, gradcheck=False,
           raises_in_backward=True,
           note="torch records UniqueConsecutiveBackward0, whose backward raises",
           fn=lambda T, x: T.unique_consecutive((x * 0.6).round())),
    # ----------------------------------------------------------- differences and integrals
    OpInfo("diff", [S(F(M)), S(F(M), 2, 0), S(F(M), 1, 1, F((3, 1)), F((3, 2))),
                    S(F(M), 0), S(F(V), 5)],
           errors=[S(F(Z)), S(F(M), -1), S(F(M), 1, 1, F(V)), S(F(M), 1, 1, F((2, 1)))]),
    OpInfo("diff_bool", [S(B([[True, False, False], [True, True, False]]))], op=None,
           gradcheck=False, note="bool result", fn=lambda T, x: T.diff(x)),
    OpInfo("trapezoid", [S(F(M)), S(F(M), dx=0.5, dim=0), S(F(M), F(V)),
                         S(F(M), C(V, 0.0, 3.0), dim=1), S(F(M), F((3, 4)), dim=0)],
           errors=[S(F(M), F((3,))), S(B([True, False]))]),
    OpInfo("trapz", [S(F(M)), S(F(M), F(V)), S(F(M), dx=2.0, dim=0)]),
    OpInfo("cumulative_trapezoid", [S(F(M)), S(F(M), dx=0.5, dim=0), S(F(M), F(V)),
                                    S(F(M), C(V, 0.0, 3.0))],
           errors=[S(F(M), F((3,))), S(B([True, False]))]),
    # ----------------------------------------------------------- cov, corrcoef
    OpInfo("cov", [S(F(M)), S(F(V)), S(F(M), correction=0),
                   S(F(M), fweights=I([1, 2, 1, 3]), aweights=C(V, 0.2, 1.0))],
           errors=[S(F((2, 3, 4))), S(B([True, False])), S(F(M), fweights=C(V)),
                   S(F(M), aweights=I([1, 2, 1, 3])), S(F(M), fweights=I([1, 2])),
                   S(F(M), fweights=I([1, -2, 1, 3]))]),
    OpInfo("corrcoef", [S(F(M)), S(F(V))], errors=[S(F((2, 3, 4)))]),
    # ----------------------------------------------------------- quantiles
    OpInfo("quantile", [S(F(M), 0.3), S(F(M), 0.3, 1), S(F(M), 0.7, 1, True),
                        S(F(M), C((2,), 0.0, 1.0), 1), S(F(V), 0.5, interpolation="lower"),
                        S(F(M), 0.4, 1, interpolation="higher"),
                        S(F(M), 0.4, 1, interpolation="midpoint"),
                        S(F(M), 0.4, -1, interpolation="nearest")],
           errors=[S(I([1, 2]), 0.5), S(F(M), C((2, 2), 0.0, 1.0)), S(F(M), 0.5,
                                                                        interpolation="foo"),
                   S(F((0,)), 0.5), S(F(M), 1.5), S(F(M), C((2,), 1.2, 1.5))]),
    OpInfo("nanquantile", [S(F(M), 0.3), S(F(M), C((2,), 0.0, 1.0), 1)],
           errors=[S(F(M), 1.5)]),
    OpInfo("quantile_dim0", [S(F(M))], op=None, gradcheck=False,
           note="values only: the grad's version after transpose/unsqueeze backward differs "
                "(engine, not quantile)",
           fn=lambda T, x: (T.quantile(x.detach(), 0.3, 0),
                            T.nanquantile(x.detach(), T.tensor([0.2, 0.9], dtype=x.dtype), 0,
                                          keepdim=True))),
    OpInfo("quantile_nan", [S(F(M))], op=None, gradcheck=False, note="NaNs made by a mask",
           fn=lambda T, x: (T.quantile(x / (x > -1.0), 0.3, 1),
                            T.nanquantile(x / (x > -1.0), 0.3, 1))),
    OpInfo("gradient", [S(F(M)), S(F(M), spacing=2.0, dim=1), S(F(M), spacing=[0.5, 2.0]),
                        S(F(M), dim=0, edge_order=2),
                        S(F(M), spacing=[C(V, 0.0, 1.0)],
                          dim=1)],
           fn=lambda T, x, **k: T.gradient(x, **_coords(T, k)),
           errors=[S(F(M), spacing=[1.0]), S(F(M), spacing=[1.0], dim=[0, 1]),
                   S(F(M), edge_order=3), S(F((1, 4)))]),
    OpInfo("gradient_coords2", [S(F(M))], op=None,
           fn=lambda T, x: T.gradient(x, spacing=[T.tensor([0.0, 0.5, 1.5, 3.0],
                                                           dtype=x.dtype)], dim=1,
                                      edge_order=2)),
    OpInfo("cdist", [S(F(M), F((2, 4))), S(F(M), F((2, 4)), 1.0), S(F(M), F((2, 4)), 3.0),
                     S(F((2, 3, 4)), F((1, 2, 4)), 1.5), S(F(M), F((2, 4)), float("inf"))],
           gradgradcheck=False, note="torch's _cdist_backward has no derivative",
           errors=[S(F(V), F(V)), S(F(M), F((2, 5))), S(F(M), F((2, 4)), -1.0),
                   S(I([[1, 2]]), I([[1, 2]])), S(F(M), F((2, 4)), 2.0, "x")]),
    OpInfo("cdist_mm", [S(F((30, 4)), F((2, 4))), S(F(M), F((2, 4)))], op=None,
           fn=lambda T, a, b: T.cdist(a, b) if a.shape[0] > 25
           else T.cdist(a, b, compute_mode="use_mm_for_euclid_dist")),
]


def _coords(T, k):
    # coordinates must increase: sort the sampled spacing tensors
    sp = k.get("spacing")
    if isinstance(sp, list) and sp and isinstance(sp[0], T.Tensor):
        k = dict(k, spacing=[s.sort().values.cumsum(0) + T.arange(s.shape[0]) for s in sp])
    return k
