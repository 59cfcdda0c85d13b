"""op_db entries for the scatter family (issue 11); see op_db.py for the spec language."""

from __future__ import annotations

from op_db import B, C, F, I, M, P, S, U, V, Z, OpInfo, b, binary, u, unary  # noqa: F401

X3 = (2, 3, 4)
MASK = B([True, False, True, False])
MASK_M = B([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _quiet(fn, *args, **kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _warnings_of(T, fn, *args):
    """fn's result and a checksum of the texts of the warnings it gave (torch's C++ suffix
    dropped), as a tensor the harness compares. torch warns once per process, and so does
    tapegrad: the first call in a process is the one checked."""
    import re
    import warnings
    import zlib

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args)
    texts = [re.sub(r"\s*\(Triggered internally at [^)]*\)\.?$", "", str(w.message))
             for w in caught]
    return out, T.tensor(float(sum(zlib.crc32(t.encode()) for t in texts)))


def _grad_graph(T, fn, x):
    """A create_graph backward through `fn`: the double-backward nodes appear in the graph."""
    y = fn(x)
    (g,) = T.autograd.grad((y * y).sum(), x, create_graph=True)
    return g


OPS: list[OpInfo] = [
    # ----------------------------------------------------------- stacks and atleast_*d
    OpInfo("hstack", [S([F(M), F(M)]), S([F(Z), F(V)])],
           errors=[S([]), S([F(M), F(V)])]),
    OpInfo("vstack", [S([F(M), F(V)]), S([F(Z), F(Z)])], errors=[S([]), S([F(M), F((5,))])]),
    OpInfo("row_stack", [S([F(M), F(M)])], op="vstack",
           fn=lambda T, ts: T.row_stack(ts)),
    # (dstack/column_stack of 1-d and 2-d inputs: torch's leaf grads are non-contiguous
    # views it copies (grad._version 1), which tapegrad's reshape/squeeze of a strided
    # gradient does not reproduce; see the report.)
    OpInfo("dstack", [S([F(X3), F(X3)]), S([F(Z), F(Z)])], errors=[S([])]),
    OpInfo("column_stack", [S([F(M), F(M)]), S([F(Z), F(Z)])],
           errors=[S([])]),
    OpInfo("atleast_1d", [S(F(Z), F(M))]),
    OpInfo("atleast_2d", [S(F(Z)), S([F(M), F(V)])]),
    OpInfo("atleast_3d", [S(F(Z)), S(F(V)), S(F(M))]),
    # ----------------------------------------------------------- flips and rotations
    OpInfo("fliplr", [S(F(M))], errors=[S(F(V))]),
    OpInfo("flipud", [S(F(M)), S(F(V))], errors=[S(F(Z))]),
    OpInfo("rot90", [S(F(M)), S(F(M), 2), S(F(X3), -1, (2, 0))],
           errors=[S(F(M), 1, [0]), S(F(M), 1, [0, 0]), S(F(V)), S(F(M), 1, [0, 2])]),
    # ----------------------------------------------------------- flattening, broadcasting
    OpInfo("ravel", [S(F(M)), S(F(Z))]),
    OpInfo("ravel_transposed", [S(F(M))], op=None, fn=lambda T, x: T.ravel(x.t())),
    OpInfo("broadcast_to", [S(F((3, 1)), (2, 3, 4))],
           errors=[S(F(M), (2, 4))]),
    OpInfo("broadcast_tensors", [S(F((3, 1)), F((1, 4)), F(Z))],
           errors=[S(F(M), F((2, 4)))]),
    # ----------------------------------------------------------- splits
    OpInfo("tensor_split", [S(F(M), 3, 1), S(F(M), I([1, -1]), 1), S(F(M), [0, 5])],
           errors=[S(F(M), 0), S(F(Z), 2), S(F(M), C((1,))), S(F(M), I([[1]]))]),
    OpInfo("hsplit", [S(F(M), 2), S(F(V), [1, 3])], errors=[S(F(Z), 2), S(F(M), 3)]),
    OpInfo("vsplit", [S(F(M), [1])], errors=[S(F(V), 2), S(F(M), 2)]),
    OpInfo("dsplit", [S(F(X3), 2)], errors=[S(F(M), 2), S(F(X3), 3)]),
    OpInfo("unsafe_split", [S(F(M), 2, 1), S(F(M), 3, 1)], errors=[S(F(M), 0, 1), S(F(Z), 1), S(F(M), 2, 2)]),
    OpInfo("unsafe_chunk", [S(F(M), 2, 1), S(F(M), 2)], errors=[S(F(M), 0), S(F(M), 2, -3)]),
    OpInfo("unsafe_split_with_sizes", [S(F(M), [1, 3], 1)],
           errors=[S(F(M), [4, -1], 1), S(F(M), [1, 1], 1)]),
    # ----------------------------------------------------------- products
    OpInfo("vdot", [S(F(V), F(V))], errors=[S(F(M), F(M)), S(F(V), F((3,)))]),
    OpInfo("kron", [S(F(M), F((3, 1))), S(F(V), F(M))],
           errors=[S(F(M), [1.0])]),
    # ----------------------------------------------------------- grids and combinations
    OpInfo("meshgrid", [S([F(V), F(Z)], indexing="ij"), S(F(V), F((3,)), F((2,)),
                                                          indexing="xy")],
           errors=[S(F(V), F(V), indexing="foo"), S(indexing="ij")]),
    OpInfo("meshgrid_warns", [S(F(V), F((3,)))], op=None, gradcheck=False,
           note="meshgrid's values and grads are checked above; this checks torch's warning",
           fn=lambda T, *ts: _warnings_of(T, T.meshgrid, *ts)),
    OpInfo("cartesian_prod", [S(F(V), F((3,))), S(F(V))],
           errors=[S(F(M), F(V))]),
    OpInfo("combinations_empty", [S(F(V), 0)], op="combinations", gradcheck=False,
           note="r=0: an empty tensor that does not require grad, as torch's"),
    OpInfo("combinations", [S(F(V)), S(F(V), 3, True)],
           errors=[S(F(M)), S(F(V), -1)]),
    OpInfo("block_diag", [S(F(M), F(V), F(Z)), S(F((3, 1)), F((1, 4)))],
           errors=[S(F(X3))]),
    OpInfo("tril_indices", [S(3, 4), S(4, 3, 1), S(3, 3, -1)], gradcheck=False,
           note="int result", errors=[S(-1, 3), S(3, -1)]),
    OpInfo("triu_indices", [S(3, 4), S(4, 3, -1), S(3, 3, 2)], gradcheck=False,
           note="int result", errors=[S(-1, 3), S(3, -1)]),
    OpInfo("unravel_index", [S(I([0, 5, 11, 13, -1]), (3, 4)), S(I(7), (2, 2, 2)), S(I([3]), 5)],
           gradcheck=False, note="int result",
           errors=[S(C(V), (3, 4)), S(I([1]), (3, -4))]),
    # ----------------------------------------------------------- diagonals
    OpInfo("diag_embed", [S(F(M)), S(F(M), -1, 0, 2)],
           errors=[S(F(M), 0, 1, 1)]),
    OpInfo("diagflat", [S(F(Z)), S(F(Z), 1)]),
    OpInfo("diagonal_scatter", [S(F(M), F((3,)), 1), S(F(X3), F((4, 2)), 0, 0, 1)],
           errors=[S(F(M), F(V)), S(F(M), F((3,)), 0, 1, 1)]),
    OpInfo("select_scatter", [S(F(M), F(V), 0, 1), S(F(M), F((3,)), 1, -1)],
           errors=[S(F(M), F((3,)), 0, 1), S(F(M), F(V), 0, 5)]),
    OpInfo("slice_scatter", [S(F(M), F((3, 2)), 1, 0, None, 2)],
           errors=[S(F(M), F(M), 1, 0, 2), S(F(M), F(M), 1, 0, 4, 0)]),
    # ----------------------------------------------------------- unfold, argwhere
    OpInfo("unfold", [S(F(M), 1, 2, 1), S(F(X3), -1, 2, 2)],
           errors=[S(F(M), 1, 5, 1), S(F(M), 1, 2, 0), S(F(M), 1, -1, 1)]),
    OpInfo("unfold_graph", [S(F(M))], op=None, gradcheck=False,
           note="checks the double-backward graph (UnfoldBackwardBackward0)",
           fn=lambda T, x: _grad_graph(T, lambda t: t.unfold(1, 2, 1), x)),
    OpInfo("argwhere", [S(F(M))], gradcheck=False, note="int result"),
    # ----------------------------------------------------------- index_put, index_copy, ...
    OpInfo("index_put", [S(F(M), [I([0, 2])], F(V)), S(F(M), [I([0, 0]), I([1, 1])], F(Z), True),
                         S(F(M), [MASK_M], F(Z))],
           errors=[S(F(M), [I([3])], F(Z)), S(F(M), [C((1,))], F(Z)),
                   S(F(M), [I([0, 1])], F((3,))), S(F(M), [I([0]), I([0]), I([0])], F(Z)),
                   S(F(M), [I([0])], I([1])), S(F(M), [None, I([1])], F(Z))]),
    OpInfo("index_copy", [S(F(M), 1, I([3, 1]), F((3, 2))), S(F(M), 1, I(2), F((3, 1)))],
           errors=[S(F(M), 0, I([3]), F((1, 4))), S(F(M), 0, I([0, 1]), F((1, 4))),
                   S(F(M), 0, C((1,)), F((1, 4))), S(F(M), 0, I([[0]]), F((1, 4))),
                   S(F(M), 0, I([0]), I([[1, 2, 3, 4]]))]),
    OpInfo("index_fill", [S(F(M), 1, I([0, 2]), 1.5), S(F(M), 0, I([2, 0, 0]), F(Z)),
                          S(F(M), 0, I(-1), 0.5)],
           errors=[S(F(M), 1, I([4]), 1.0), S(F(M), 1, C((1,)), 1.0),
                   S(F(M), 1, I([1]), F((1,))), S(F(M), 1, I([[1]]), 1.0),
                   S(F(M), 1, I([-5]), 1.0)]),
    OpInfo("take", [S(F(M), I([0, 5, 11, -1])), S(F(M), I([[1, 1], [2, 0]]))],
           errors=[S(F(M), I([12])), S(F(M), I([-13])), S(F(M), C((1,)))]),
    OpInfo("put", [S(F(M), I([1, 1, 2]), F((3,)), True), S(F(M), I([[3], [7]]), F((1, 2)))],
           errors=[S(F(M), I([12]), F((1,))), S(F(M), I([1, 2]), F((1,))),
                   S(F(M), C((1,)), F((1,))), S(F(M), I([1]), I([1]))]),
    OpInfo("masked_scatter", [S(F(M), MASK, F(M)), S(F((1, 4)), MASK_M, F((12,)))],
           errors=[S(F(M), I([1, 0, 1, 0]), F(M)), S(F(M), MASK, F((2,))),
                   S(F(M), B([True] * 3), F(M))]),
    # ----------------------------------------------------------- scatter_reduce, index_reduce
    *[OpInfo(f"scatter_reduce_{r}", [S(F(M), 1, I([[0, 0], [1, 3], [3, 3]]), F((3, 2)), r)
                                     if r in ("sum", "amax") else
                                     S(F(M), 0, I([[0, 1, 2, 0], [0, 1, 2, 2]]), F((2, 4)), r,
                                       include_self=False)],
             op="scatter_reduce",
             errors=[S(F(M), 1, I([[0]]), F(M), "foo"), S(F(M), 1, I([[4]]), F(M), r)]
             if r == "sum" else [])
      for r in ("sum", "mean", "amax", "amin")],
    OpInfo("scatter_reduce_prod", [S(F(M, 0.5, 1.5), 0, I([[0, 1, 2, 0], [0, 1, 2, 2]]),
                                     F((2, 4), 0.5, 1.5), "prod", include_self=False)],
           op="scatter_reduce"),
    OpInfo("scatter_reduce_ties", [S(F(M))], op=None, gradcheck=False,
           note="ties in amax/amin: torch's even split",
           fn=lambda T, x: (T.scatter_reduce(x.round(), 1, T.tensor([[0, 0]] * 3), x[:, :2].round(), "amax"),
                            T.scatter_reduce(x * 0, 0, T.tensor([[0, 1, 2, 0]]), x[:1] * 0, "amin"))),
    OpInfo("scatter_reduce_prod_zeros", [S(F(M))], op=None, gradcheck=False,
           note="zeros made by a mask; torch's exclusive products",
           fn=lambda T, x: T.scatter_reduce(x * (x > 0), 1, T.tensor([[0, 0, 1, 1]] * 3),
                                            x * (x < 0), "prod")),
    # (index_reduce warns once per process, as torch's TORCH_WARN_ONCE: which test calls it
    # first depends on the selection, so these calls run with warnings ignored.)
    *[OpInfo(f"index_reduce_{r}", [S(F(M, 0.5, 1.5), 0, I([0, 2, 0]), F(M, 0.5, 1.5), r)
                                   if r in ("mean", "amax") else
                                   S(F(M, 0.5, 1.5), 1, I([1, 1]), F((3, 2), 0.5, 1.5), r,
                                     include_self=False)],
             op="index_reduce", fn=lambda T, *a, **k: _quiet(T.index_reduce, *a, **k),
             errors=[S(F(M), 0, I([0]), F((1, 4)), "sum"), S(F(M), 0, I([5]), F((1, 4)), r),
                     S(F(M), 0, I([[0]]), F((1, 4)), r), S(F(M), 0, C((1,)), F((1, 4)), r),
                     S(F(M), 0, I([0, 1]), F((1, 4)), r)] if r == "prod" else [])
      for r in ("prod", "mean", "amax", "amin")],
    OpInfo("index_reduce_method", [S(F(M, 0.5, 1.5), 0, I([0, 2, 0]), F(M, 0.5, 1.5), "amax")],
           op="index_reduce", fn=lambda T, x, *a, **k: _quiet(x.index_reduce, *a, **k)),
    OpInfo("index_reduce_inplace", [S(F(M, 0.5, 1.5), 0, I([0, 2, 0]), F(M, 0.5, 1.5), "mean")],
           op="index_reduce", fn=lambda T, x, *a, **k: _quiet((x * 1).index_reduce_, *a, **k)),
    # ----------------------------------------------------------- repeat_interleave
    OpInfo("repeat_interleave", [S(F(M), 2), S(F(M), 2, 1), S(F(M), I([2]), 0),
                                 S(F(M), I([1, 2, 0, 1]), 1, output_size=4),
                                 S(F(V), I([1, 0, 2, 1]))],
           errors=[S(F(M), -1), S(F(M), 2, 2), S(F(M), I([1, 2]), 0), S(F(M), I([[1]]), 0),
                   S(F(M), I([1, -1, 1]), 0), S(F(M), C((3,)), 0), S(F(M), I([1, 2])),
                   S(F(M), I([1, 2, 0]), 0, output_size=2)]),
    OpInfo("repeat_interleave_index", [S(I([1, 2, 0, 3]))], op="repeat_interleave",
           fn=lambda T, r: T.repeat_interleave(r), gradcheck=False, note="int result"),
]
