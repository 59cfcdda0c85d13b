"""op_db entries for the misc family (issue: tensor misc): the in-place view ops of
ops/inplace_views.py, the random samplers and the utilities. Programs the table cannot express
are in tests/test_tensor_misc.py."""

from __future__ import annotations

from op_db import C, F, M, S, V, Z, OpInfo  # noqa: F401


def _inplace_view(name):
    # On a non-leaf copy: the result is the target itself, with torch's geometry (strides),
    # version, node (TBackward1, ...) and the gradient through it.
    def program(T, x, *args, **kwargs):
        b = x * 1
        out = getattr(b, name)(*args, **kwargs)
        return out is b, b, b.stride(), b.is_contiguous(), b.storage_offset()
    return program


# `.grad._version`: torch's mul backward keeps the transposed gradient's strides and
# AccumulateGrad copies it into a contiguous one (README "Semantics": grad layout).
_layout = dict(tags=("grad_layout",))

OPS: list[OpInfo] = [
    # ----------------------------------------------------------- in-place view ops
    OpInfo("t_", [S(F(M)), S(F(V))], fn=_inplace_view("t_"), errors=[S(C((2, 3, 4)))],
           **_layout),
    OpInfo("transpose_", [S(F(M), 0, 1), S(F((2, 3, 4)), -1, 0)],
           fn=_inplace_view("transpose_"), errors=[S(C(M), 0, 2), S(C(M), -3, 0)], **_layout),
    OpInfo("swapaxes_", [S(F(M), 1, 0), S(F(M), axis0=0, axis1=1)],
           fn=_inplace_view("swapaxes_"), errors=[S(C(M), 2, 0)], **_layout),
    OpInfo("swapdims_", [S(F(M), 0, -1)], fn=_inplace_view("swapdims_"),
           errors=[S(C(M), 0, -3)], **_layout),
    OpInfo("squeeze_", [S(F((3, 1, 4, 1))), S(F((3, 1))), S(F((3, 1)), 1), S(F(M), 0),
                        S(F((1, 3, 1)), (0, 2)), S(F(Z), 0)],
           fn=_inplace_view("squeeze_"),
           errors=[S(C(M), 2), S(C(M), (0, 2)), S(C(M), (0, 0))]),
    OpInfo("unsqueeze_", [S(F(M), 0), S(F(M), -1), S(F(Z), 0)],
           fn=_inplace_view("unsqueeze_"), errors=[S(C(M), 3), S(C(M), -4)]),
]
