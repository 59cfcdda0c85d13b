"""create_graph through generic-path ops that are linear in their inputs (indexing, indexed
writes, masked scatter/select) and through padding (whose backward-backward takes the input in
torch): the gradient requires grad exactly when torch's does, and second derivatives through
it match torch's."""

import pytest
import torch

import tapegrad as tg
from tapegrad.testing import assert_parity

PROGRAMS = {
    "setitem basic": "y = x * 1; y[0] = v; out = y",
    "setitem advanced": "y = x * 1; y[T.tensor([0, 2])] = v; out = y",
    "setitem mask": "y = x * 1; y[x > 1.5] = v; out = y",
    "advanced getitem": "out = x[T.tensor([0, 2, 2])]",
    "masked_select": "out = x.masked_select(x > 1.5)",
    "masked_scatter": "out = x.masked_scatter(x > 1.5, v.expand(3))",
    "reflect pad": "out = T.nn.functional.pad(x.view(1, 1, 3), (1, 1), mode='reflect')",
}


def _run(T, src):
    x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
    v = T.tensor(5.0, dtype=T.float64, requires_grad=True)
    env = {"T": T, "x": x, "v": v}
    exec(src, env)
    out = env["out"]
    lin, = T.autograd.grad(out.sum(), x, create_graph=True)
    sq, = T.autograd.grad((out * out).sum(), x, create_graph=True)
    second, = T.autograd.grad(sq.sum(), x, allow_unused=True)
    return (lin.tolist(), lin.requires_grad, sq.tolist(), sq.requires_grad,
            None if second is None else second.tolist())


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_linear_generic_ops_double_backward_matches_torch(name):
    assert _run(tg, PROGRAMS[name]) == _run(torch, PROGRAMS[name])


# A linear function's backward reads no differentiable input, so torch saves none (copy_
# saves no `src`): modifying the written value afterwards is no version error, and no pack
# hook sees it (found by the fuzzer, seed 605).
def test_written_value_is_not_saved_by_an_indexed_write():
    def program(T):
        log = []
        v0 = T.tensor([0.0, 0.0], dtype=T.float64, requires_grad=True)
        v1 = v0.mul(v0)
        v3 = T.tensor(0.0, dtype=T.float64, requires_grad=True)
        v1[0] = v3
        with T.no_grad():
            v3.exp_()
        v1.sum().backward()
        w = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True) * 1
        src = T.tensor([5.0, 6.0], dtype=T.float64, requires_grad=True)
        mask = T.tensor([True, False, True])
        with T.autograd.graph.saved_tensors_hooks(
                lambda t: log.append(tuple(t.shape)) or t, lambda t: t):
            out = w.masked_scatter(mask, src)
            w2 = w.clone()
            w2[T.tensor([0, 2])] = src
        with T.no_grad():
            src.mul_(2)
        (out.sum() + w2.sum()).backward()
        return [v0, v1, v3, src, out, w2], log
    assert_parity(program)
