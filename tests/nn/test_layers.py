"""Table-driven parity for every layer and loss in nn_db, float32 and float64, against torch.

Each case builds the module under torch and tapegrad with the same seeded weights (through
load_state_dict), runs it, backpropagates a seeded gradient and compares, through the parity
harness: outputs (values, dtype, shape, grad_fn graph to depth 6), input grads, parameter grads
and versions, and buffers (running statistics and their versions).
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from nn_db import CASES, fill_state, flat_outputs, make_inputs

from tapegrad.testing import assert_parity

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-10)}
# `.grad._version` depends on each torch kernel's internals (see tests/ops/test_op_parity.py).
IGNORE = r"\.grad\._version$"


def module_program(case, dtype_name):
    seed = zlib.crc32(case.name.encode())

    def program(T):
        rng = np.random.default_rng(seed)
        dtype = getattr(T, dtype_name)
        module = case.make(T).to(dtype)
        fill_state(T, module, rng)
        module.train(case.train)
        inputs = make_inputs(T, case.inputs, dtype, rng)
        result = case.call(T, module, *inputs) if case.call else module(*inputs)
        outs = [o for o in flat_outputs(result) if isinstance(o, T.Tensor)]
        diff = [o for o in outs if o.requires_grad]
        if diff:
            grads = [T.tensor(rng.uniform(-1, 1, size=tuple(o.shape)), dtype=o.dtype)
                     for o in diff]
            T.autograd.backward(diff, grads)
        params = [(name, p) for name, p in module.named_parameters()]
        buffers = [(name, b) for name, b in module.named_buffers()]
        return outs, inputs, params, buffers

    program.__name__ = f"{case.name}-{dtype_name}"
    return program


# float64 for every case; float32 for every layer and for losses with reduction="mean" (the
# other reductions differ only in the final reduce, and each dtype compiles its own kernels).
PARAMS = [(c, dt) for c in CASES for dt in ("float32", "float64")
          if dt == "float64" or not c.name.endswith(("-sum", "-none"))]


@pytest.mark.parametrize("case,dtype", PARAMS, ids=[f"{c.name}-{d}" for c, d in PARAMS])
def test_layer_matches_torch(case, dtype):
    run = assert_parity(module_program(case, dtype), ignore=IGNORE, **TOL[dtype])
    # A program that raised under both would pass the comparison: none of these should raise.
    assert run.error is None, run.error
    if "warns" in case.tags:
        assert run.warnings, "torch warns here"
