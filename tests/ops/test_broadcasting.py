"""hypothesis: binary ops over mutually broadcastable shapes, reductions over dims/keepdim.

Shapes are drawn from a small pool (JAX compiles per shape); every example runs the same
program under torch and tapegrad through the harness.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tapegrad.testing import assert_parity

BINARY = ["add", "sub", "mul", "div", "maximum", "atan2", "pow"]
shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1,
                                       max_side=3)


@given(shapes=shapes, op=st.sampled_from(BINARY), seed=st.integers(0, 3))
def test_binary_op_broadcasting_matches_torch(shapes, op, seed):
    a_shape, b_shape = shapes.input_shapes
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2.0, size=a_shape)
    b = rng.uniform(0.5, 2.0, size=b_shape)
    g = rng.uniform(-1, 1, size=shapes.result_shape)

    def program(T):
        x = T.tensor(a, dtype=T.float64, requires_grad=True)
        y = T.tensor(b, dtype=T.float64, requires_grad=True)
        out = getattr(T, op)(x, y)
        out.backward(T.tensor(g, dtype=T.float64))
        return out, x, y

    assert_parity(program, rtol=1e-10, atol=1e-12)


@given(shape=st.sampled_from([(3,), (2, 3), (2, 3, 2)]), data=st.data(),
       op=st.sampled_from(["sum", "mean", "amax", "logsumexp", "var", "std", "norm"]),
       keepdim=st.booleans())
def test_reduction_dims_match_torch(shape, data, op, keepdim):
    ndim = len(shape)
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda d: d % ndim))
    dim = dims[0] if len(dims) == 1 and data.draw(st.booleans()) else tuple(dims)
    rng = np.random.default_rng(len(shape) + 7 * len(dims))
    a = rng.uniform(-2, 2, size=shape)

    def program(T):
        x = T.tensor(a, dtype=T.float64, requires_grad=True)
        if op == "norm":
            out = x.norm(dim=dim, keepdim=keepdim)
        else:
            out = getattr(x, op)(dim, keepdim=keepdim)
        out.sum().backward()
        return out, x

    assert_parity(program, rtol=1e-10, atol=1e-12)
