"""float64 gradcheck and gradgradcheck (the create_graph path) of every differentiable op."""

from __future__ import annotations

import zlib

import pytest
import torch

import tapegrad as tg
from tapegrad.autograd import gradcheck, gradgradcheck

from op_db import OPS, flat_outputs, make_inputs

CASES = [(op, 0) for op in OPS if op.gradcheck]


def _fn(op):
    def f(*inputs):
        outs = [o for o in flat_outputs(op.fn(tg, *inputs))
                if isinstance(o, tg.Tensor) and o.dtype.is_floating_point]
        return tuple(outs)

    return f


def _inputs(op, index):
    seed = zlib.crc32(f"{op.name}:{index}".encode())
    return make_inputs(tg, op.samples[index], tg.float64, seed)


@pytest.mark.parametrize("op,index", CASES, ids=[o.name for o, _ in CASES])
def test_gradcheck(op, index):
    assert gradcheck(_fn(op), tuple(_inputs(op, index)))


@pytest.mark.parametrize("op,index", [c for c in CASES if c[0].gradgradcheck],
                         ids=[o.name for o, _ in CASES if o.gradgradcheck])
def test_gradgradcheck(op, index):
    assert gradgradcheck(_fn(op), tuple(_inputs(op, index)))


def test_gradcheck_catches_a_wrong_formula():
    # tapegrad's gradcheck must fail where torch's fails: a backward that lies (3x for 2x).
    from tapegrad.ops import Op

    bad = Op("bad_double", "BadDoubleBackward0", lambda self: self * 2.0,
             derivatives={"self": lambda grad: grad * 3.0})
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    assert not gradcheck(bad, (x,), raise_exception=False)
    from tapegrad.autograd.gradcheck import GradcheckError  # as torch.autograd.gradcheck's

    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradcheck(bad, (x,))

    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 3.0

    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(Bad.apply, (tx,), raise_exception=False)
