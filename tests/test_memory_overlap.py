"""torch's partial-overlap check on in-place writes (NOTE [Memory overlap] in `_storage.py`):
an operand sharing memory in part with the written tensor raises torch's error, at the call,
with nothing written; full overlap, disjoint ranges and non-dense views pass as in torch. And
its internal-overlap check on an expanded target (only the scalar fills pass)."""

import jax
import jax.numpy as jnp
import pytest
import torch

import tapegrad as tg

# Each statement runs with x = arange(6.), y = arange(12.).reshape(3, 4), m = arange(16.)
# reshaped (4, 4), xi = arange(6), a = x[1:], b = x[:-1], I = tensor.
CASES = [
    # partial overlap: torch raises
    "a.add_(b)", "a.copy_(b)", "a.mul_(x[3])", "a.add_(x[2])", "a.sub_(x[0:5:1])",
    "a.clamp_(min=b)", "a.clamp_(min=x[3])", "a.clamp_max_(b)", "a.addcmul_(b, a)",
    "a.addcdiv_(b, a + 1)", "a.lerp_(b, 0.5)", "a.lerp_(x[4], x[3])", "a.pow_(b)",
    "a.atan2_(b)", "a.copysign_(b)", "a.hypot_(b)", "a.xlogy_(b)", "a.remainder_(b)",
    "a.floor_divide_(b)", "a.true_divide_(b)", "a.eq_(b)", "a.lt_(b)", "a.logical_and_(b)",
    "a.nextafter_(b)", "a.heaviside_(b)", "a += b", "a *= b", "xi[1:].bitwise_and_(xi[:-1])",
    "xi[1:].__ilshift__(xi[:-1])", "a.add_(b.detach())", "a.add_(b.data)",
    "a.mul_(b.view(5))", "x.view(2, 3).t().add_(x.view(3, 2))", "m.t().add_(m)",
    "m[1:].addcmul_(m[:-1], m[1:])", "y.t().add_(y)", "m.mT.add_(m.mT.narrow(1, 0, 1))",
    "a.scatter_(0, I([0]), b)", "a.scatter_add_(0, I([0]), b)",
    "a.scatter_reduce_(0, I([0]), b, 'sum')", "a.index_add_(0, I([0, 1]), x[:2])",
    "a.index_add_(0, I([0]), x[3:4], alpha=2)", "a.index_copy_(0, I([0]), x[2:3])",
    "a.index_put_((I([0, 1]),), b[1:3])", "a.index_put_((I([0, 1]),), b[1:3], accumulate=True)",
    "a.put_(I([0, 1]), b[1:3])", "a.copy_(x[3])",
    "x[1:] = x[:-1]", "x[1:4] = x[2:5]", "x[:3] = x[1:4]", "a[I([0, 1])] = b[:2]",
    "a[I([0, 1])] = x[3]", "a[a > 2] = b[:2]",
    # no error in torch: same memory, disjoint ranges, fresh operands, non-dense operands,
    # a 0-d value read as a number
    "x.add_(x)", "x[:3].add_(x[3:])", "x[:3].copy_(x[3:])", "a.mul_(2)", "a.add_(x[0])",
    "a.add_(b.clone())", "x[::2].mul_(x[1::2])", "x.view(2, 3)[0].add_(x[3:])",
    "a.add_(x[0].expand(5))", "x[:5].add_(a.flip(0))", "y[0] = y[1]", "a[:2] = x[3]",
    "a.fill_(x[2])", "a.masked_fill_(a > 2, x[3])", "a.index_fill_(0, I([1]), x[3])",
    "a.ldexp_(b)", "x[:] = x", "x[...] = x[:]", "a.add_(b.unsqueeze(0).squeeze(0).clone())",
    # a target whose elements alias (an expand): torch's scalar fill kernels write one value
    # everywhere and pass; every other write, a tensor-valued fill_ included, raises
    "x[2:3].expand(4).fill_(7.)", "x[2:3].expand(4).zero_()", "x[:1].expand(2, 3).fill_(1.5)",
    "x[2:3].expand(4).fill_(x[0])", "x[2:3].expand(4).mul_(2)", "x[2:3].expand(4).copy_(b[:4])",
    "x[2:3].expand(4).add_(1)", "x[2:3].expand(4).clamp_(0, 1)",
]


def _run(lib, stmt):
    x = lib.arange(6.)
    env = {"x": x, "y": lib.arange(12.).reshape(3, 4), "m": lib.arange(16.).reshape(4, 4),
           "xi": lib.arange(6), "a": x[1:], "b": x[:-1], "I": lib.tensor}
    try:
        exec(stmt, env)
        err = None
    except RuntimeError as e:
        err = str(e)
    return err, [env[k].tolist() for k in ("x", "y", "m", "xi")], x._version


@pytest.mark.parametrize("stmt", CASES)
def test_overlap_matches_torch(stmt):
    t_err, t_vals, t_version = _run(torch, stmt)
    g_err, g_vals, g_version = _run(tg, stmt)
    assert g_err == t_err
    assert g_vals == t_vals  # on an error: nothing written, as torch
    assert g_version == t_version


def test_partial_overlap_error_comes_before_broadcast_error():
    # torch's TensorIterator checks overlap before shapes.
    for lib in (torch, tg):
        y = lib.arange(12.).reshape(3, 4)
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            y.t().add_(y)


def test_autograd_checks_come_first():
    for lib in (torch, tg):
        x = lib.arange(6., requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            x[1:].add_(x[:-1])


def test_aliasing_ops_torch_does_not_check_compute_from_values_before_the_write():
    # torch's addmm_/masked_scatter_ make no overlap check and read values they already wrote
    # (their result depends on the kernel's write order); tapegrad's are the snapshot's.
    m = tg.arange(16.).reshape(4, 4)
    before = m.clone()
    m[1:3, 1:3].addmm_(m[:2, :2], m[:2, :2])
    expected = before[1:3, 1:3] + before[:2, :2] @ before[:2, :2]
    assert m[1:3, 1:3].tolist() == expected.tolist()


def test_overlap_is_checked_inside_jax_jit():
    def f(arr):
        x = tg.from_jax(arr)
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            x[1:].add_(x[:-1])
        x[:2].add_(x[3:5])  # disjoint: no error
        assert x[1:].stride() == (1,) and x[1:].storage_offset() == 1
        return x._storage.array

    out = jax.jit(f)(jnp.arange(6.))
    assert out.tolist() == [3.0, 5.0, 2.0, 3.0, 4.0, 5.0]
