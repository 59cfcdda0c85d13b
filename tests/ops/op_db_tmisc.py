"""op_db entries for the misc family (issue: tensor misc): the in-place view ops of
ops/inplace_views.py, the random samplers and the utilities. Programs the table cannot express
are in tests/test_tensor_misc.py."""

from __future__ import annotations

from op_db import C, F, I, M, S, V, Z, OpInfo


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
    OpInfo("swapaxes_", [S(F(M), axis0=0, axis1=1)],
           fn=_inplace_view("swapaxes_"), errors=[S(C(M), 2, 0)], **_layout),
    OpInfo("swapdims_", [S(F(M), 0, -1)], op="transpose_", fn=_inplace_view("swapdims_"),
           errors=[S(C(M), 0, -3)], **_layout),
    OpInfo("squeeze_", [S(F((3, 1, 4, 1))), S(F((3, 1)), 1), S(F((1, 3, 1)), (0, 2)),
                        S(F(Z), 0)],
           fn=_inplace_view("squeeze_"),
           errors=[S(C(M), 2), S(C(M), (0, 2)), S(C(M), (0, 0))]),
    OpInfo("unsqueeze_", [S(F(M), -1), S(F(Z), 0)],
           fn=_inplace_view("unsqueeze_"), errors=[S(C(M), 3), S(C(M), -4)]),
]


# ----------------------------------------------------------- random samplers
# Values come from tapegrad's generator, not torch's: the programs compare what is defined
# (shape, dtype, flags, support, the graph), not the values.
def _multinomial_support(T, p, n, replacement=False):
    out = T.multinomial(p, n, replacement)
    rows = out.reshape(-1, n)
    distinct = all(len(set(r.tolist())) == n for r in rows) if not replacement else True
    positive = bool((p.reshape(-1, p.shape[-1]).gather(1, rows) > 0).all())
    return tuple(out.shape), out.dtype, out.requires_grad, distinct, positive


def _poisson(T, rate):
    y = T.poisson(rate)
    g, = T.autograd.grad(y.sum(), rate, retain_graph=True)
    return (y * 0, tuple(y.shape), y.dtype, y.requires_grad, type(y.grad_fn).__name__,
            bool((y >= 0).all()), bool((y == y.round()).all()), g, g.requires_grad)


def _randint_like(T, x, *args, **kwargs):
    out = T.randint_like(x, *args, **kwargs)
    low, high = (0, args[0]) if len(args) == 1 else args
    a = out.double()
    return (tuple(out.shape), out.dtype, out.requires_grad, bool((a >= low).all()),
            bool((a < high).all()), bool((a == a.round()).all()))


_rand = dict(gradcheck=False, note="a random draw: no derivative to check")
OPS += [
    OpInfo("multinomial", [S(C(V, 0.0, 1.0), 3), S(C(M, 0.1, 1.0), 6, True),
                           S(C(M, 0.1, 1.0), 4, replacement=False)],
           fn=_multinomial_support,
           errors=[S(C((2, 3, 4)), 1), S(C(V, 0.1, 1.0), 0), S(C(V, 0.1, 1.0), 5),
                   S(C(V, -2.0, -1.0), 2), S(C(V, -2.0, -1.0), 2, True),
                   S(C((2, 0)), 2, True), S(I([1, 2]), 1), S(C(V), 2.0), S([0.5], 1)], **_rand),
    OpInfo("poisson", [S(F(M, 0.0, 5.0))], fn=_poisson,
           errors=[S(C(V, -2.0, -1.0)), S(I([1, 2])), S([0.5])], **_rand),
    OpInfo("randint_like", [S(C(V), -3, 4), S(I([1, 2, 3]), 2, 9),
                            S(C(V), 10, requires_grad=True)],
           fn=_randint_like, errors=[S(C(M), 5, 2), S(C(M), 0), S(C(M), 1.5)], **_rand),
]


# ----------------------------------------------------------- utilities
_q = dict(gradcheck=False, note="a query: no gradient")


def _conj_physical_(T, x):
    y = x * 1
    out = y.conj_physical_()
    return out is y, y


def _layout(T, x):
    return str(x.layout), x.layout is T.strided


def _volatile(T, x):
    import warnings

    # (The harness records the warnings; other table tests run with warnings as errors.)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        before = x.volatile
        x.volatile = True  # (torch warns; nothing changes)
        return before, x.volatile, x.requires_grad


OPS += [
    OpInfo("fill", [S(F(M), 2.5), S(F(V), F(Z))],
           errors=[S(F(M), F(V)), S(F(M), "a"), S([1.0], 1.0)]),
    OpInfo("fill_casts", [S(I([1, 2]), 2.5), S(C(M), True)], op="fill", **_q),
    OpInfo("is_distributed", [S(F(M))], errors=[S([1.0])], **_q),
    OpInfo("conj_physical_", [S(F(M)), S(F(M, complex=True))], fn=_conj_physical_),
    OpInfo("layout", [S(F(M))], fn=_layout, **_q),
    OpInfo("volatile", [S(F(M))], fn=_volatile, **_q),
]
