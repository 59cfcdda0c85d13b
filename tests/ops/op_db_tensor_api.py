"""op_db entries for the tensor queries and utilities of ops/tensor_api.py (more programs
in tests/test_torch_api.py)."""

from __future__ import annotations

from op_db import C, F, I, M, S, V, Z, OpInfo  # noqa: F401

_q = dict(gradcheck=False, note="a query: no gradient")


def _random(fill):
    # Samples differ from torch's generator: compare what is defined (result, shape, dtype,
    # version bump), not the values.
    def program(T, x):
        t = x.clone()  # (the input stays as it was: the harness compares inputs too)
        v = t._version
        out = fill(t)
        return out is t, t._version - v, tuple(t.shape), t.dtype
    return program


def _error_of(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the error is the observable
        return type(e).__name__, str(e)
    return None


OPS: list[OpInfo] = [
    OpInfo("numel", [S(F(M)), S(F(Z))], **_q),
    OpInfo("is_floating_point", [S(F(M)), S(I([1, 2]))], **_q),
    OpInfo("is_signed", [S(F(M)), S(I([1]))], **_q),
    OpInfo("is_nonzero", [S(C((1,))), S(C(Z))], errors=[S(F(M)), S(C((0,)))], **_q),
    OpInfo("is_same_size", [S(F(M), C(M)), S(F(M), C(V))], **_q),
    OpInfo("is_inference", [S(F(M))], **_q),
    OpInfo("get_device", [S(F(M))], **_q),
    OpInfo("ndimension", [S(F(M)), S(F(Z))], **_q),
    OpInfo("nbytes", [S(F(M))], fn=lambda T, x: x.nbytes, **_q),
    OpInfo("_is_view", [S(F(M))], fn=lambda T, x: (
        x._is_view(), x[1:]._is_view(), x.t()._is_view(), x.detach()._is_view(),
        x.clone()._is_view(), x.view(-1).view(x.shape)._is_view()), **_q),
    OpInfo("itemsize", [S(F(M))], fn=lambda T, x: x.itemsize, **_q),
    OpInfo("H", [S(F(M)), S(F(Z))], fn=lambda T, x: x.H, errors=[S(F((2, 3, 4)))]),
    OpInfo("mH", [S(F(M)), S(F((2, 3, 4)))], fn=lambda T, x: x.mH, errors=[S(F(V))]),
    OpInfo("cpu", [S(F(M))]),
    # Strides of views (NOTE [Strides]): a transposed, sliced, expanded, selected view.
    OpInfo("stride", [S(F(M)), S(F(M), 1), S(F(M), -2)], errors=[S(F(M), 2)],
           fn=lambda T, x, *a: (x.stride(*a), x.t().stride(), x[:, 1:3].stride(),
                                x.expand(2, 3, 4).stride(), x[1].stride(),
                                x.unsqueeze(1).stride(), x[:, ::2].t().stride()), **_q),
    OpInfo("storage_offset", [S(F(M))], fn=lambda T, x: (
        x.storage_offset(), x[1:].storage_offset(), x[:, 2].storage_offset(),
        x.t()[1:, 2:].storage_offset(), x.diagonal(1).storage_offset()), **_q),
    OpInfo("is_contiguous", [S(F(M))], fn=lambda T, x: (
        x.is_contiguous(), x.t().is_contiguous(), x[1:].is_contiguous(),
        x[:, 1:].is_contiguous(), x.unsqueeze(0).is_contiguous(),
        x.expand(2, 3, 4).is_contiguous(), x[:, :1].is_contiguous(),
        x.t().contiguous().is_contiguous()), **_q),
    # (No GPU in CI: the call raises the CPU build's AssertionError, read as a result here.)
    OpInfo("cuda", [S(F(M))], fn=lambda T, x: _error_of(x.cuda), errors=[S(F(M))], **_q),
    OpInfo("type", [S(F(M)), S(F(M), "torch.DoubleTensor")], errors=[S(F(M), "torch.Foo")]),
    OpInfo("cdouble", [S(C(M))], gradcheck=False, note="complex result (no complex autograd)"),
    OpInfo("cfloat", [S(C(M))], gradcheck=False, note="complex result (no complex autograd)"),
    OpInfo("detach", [S(F(M))], **_q),
    OpInfo("empty_like", [S(F(M))], fn=lambda T, x: (tuple(T.empty_like(x).shape),
                                                      T.empty_like(x).dtype), **_q),
    OpInfo("__contains__", [S(F(M), 0.5), S(C(M), C(Z))], fn=lambda T, x, e: e in x,
           errors=[S(F(M), "a")], **_q),
    OpInfo("__reversed__", [S(F(M)), S(F(Z))], fn=lambda T, x: reversed(x)),
    OpInfo("__long__", [S(I([3]))], fn=lambda T, x: x.__long__(), **_q),
    OpInfo("__complex__", [S(C((1,)))], fn=lambda T, x: complex(x), errors=[S(C(M))], **_q),
    OpInfo("__nonzero__", [S(C((1,)))], fn=lambda T, x: x.__nonzero__(), **_q),
    OpInfo("__div__", [S(F(M), 2.0), S(F(M), F(M, low=0.5, high=2.0))],
           fn=lambda T, x, y: x.__div__(y)),
    OpInfo("__rdiv__", [S(F(M, low=0.5, high=2.0), 2.0)], fn=lambda T, x, y: x.__rdiv__(y)),
    OpInfo("__idiv__", [S(C(M), 2.0)], fn=lambda T, x, y: x.__idiv__(y), **_q),
    OpInfo("sum_to_size", [S(F(M), 1, 4), S(F(M), (3, 1)), S(F(M), 3, 4)],
           errors=[S(F(M), 2), S(F(M), 2, 4)]),
    OpInfo("fill_diagonal_", [S(C((3, 3)), 2.0), S(C((4, 2)), 1.0, True)],
           errors=[S(C(V), 1.0), S(C((2, 2, 3)), 1.0)], **_q),
    OpInfo("apply_", [S(C(M), lambda v: v * 2)], errors=[S(F(M), lambda v: v)], **_q),
    OpInfo("map_", [S(C(M), C(M), lambda a, b: a + b)],
           errors=[S(F(M), C(M), lambda a, b: a)], **_q),
    OpInfo("exponential_", [S(C(M))], fn=_random(lambda x: x.exponential_(2.0)),
           errors=[S(C(M), 0.0)], **_q),
    OpInfo("cauchy_", [S(C(M))], fn=_random(lambda x: x.cauchy_()),
           errors=[S(I([1, 2]))], **_q),
    OpInfo("log_normal_", [S(C(M))], fn=_random(lambda x: x.log_normal_()),
           errors=[S(I([1, 2]))], **_q),
    OpInfo("geometric_", [S(C(M))], fn=_random(lambda x: x.geometric_(0.3)),
           errors=[S(C(M), 1.5)], **_q),
    OpInfo("random_", [S(C(M))], fn=_random(lambda x: x.random_(2, 5)),
           errors=[S(C(M), 5, 2)], **_q),
]
