"""float64 gradcheck and gradgradcheck (the create_graph path) of every differentiable op_db
sample."""

from __future__ import annotations

import pytest
import torch

import tapegrad as tg
from tapegrad.autograd import gradcheck, gradgradcheck

from op_calls import call, default_form, seed_of
from op_db import OPS, flat_outputs, make_inputs, tensors_in

CASES = [(op, i) for op in OPS if op.gradcheck for i in range(len(op.samples))]


def _check(op, index, checker):
    args, kwargs = make_inputs(tg, op.samples[index], tg.float64, seed_of(op, index))
    diff = [t for t in tensors_in(args, kwargs) if isinstance(t, tg.Tensor) and t.requires_grad]
    assert diff, f"{op.name}: gradcheck=True but no input requires grad"

    def f(*values):
        it = iter(values)
        swap = {id(t): next(it) for t in diff}

        def sub(a):
            if isinstance(a, list):
                return [sub(x) for x in a]
            return swap.get(id(a), a)

        outs = call(op, tg, [sub(a) for a in args], {k: sub(v) for k, v in kwargs.items()},
                    default_form(op))
        return tuple(o for o in flat_outputs(outs)
                     if isinstance(o, tg.Tensor)
                     and (o.dtype.is_floating_point or o.dtype.is_complex))

    assert checker(f, tuple(diff))


# (`x.T` on 3-D warns once per process, as torch; test_op_parity checks the warning.)
@pytest.mark.filterwarnings("ignore:The use of `x.T`")
@pytest.mark.parametrize("op,index", CASES, ids=[f"{o.name}-{i}" for o, i in CASES])
def test_gradcheck(op, index):
    _check(op, index, gradcheck)


@pytest.mark.filterwarnings("ignore:The use of `x.T`")
@pytest.mark.parametrize("op,index", [c for c in CASES if c[0].gradgradcheck],
                         ids=[f"{o.name}-{i}" for o, i in CASES if o.gradgradcheck])
def test_gradgradcheck(op, index):
    _check(op, index, gradgradcheck)


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
