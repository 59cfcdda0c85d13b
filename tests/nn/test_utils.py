"""tapegrad.nn.utils against torch: gradient clipping and parameter/vector conversion."""

from __future__ import annotations

import numpy as np
import pytest

from tapegrad.testing import assert_parity


def _params_with_grads(T):
    rng = np.random.default_rng(1)
    ps = [T.tensor(rng.uniform(-1, 1, size=s), requires_grad=True) for s in [(3, 4), (4,), (2,)]]
    (sum((p * T.tensor(rng.uniform(-3, 3, size=tuple(p.shape)))).sum() for p in ps)).backward()
    return ps


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                 (0.5, float("inf")), (2.0, 3)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    def program(T):
        ps = _params_with_grads(T)
        total = T.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        return total, [p.grad for p in ps]

    run = assert_parity(program, ignore=r"\.grad\._version$")
    assert run.error is None


def test_clip_grad_norm_edge_cases_match_torch():
    def program(T):
        out = [T.nn.utils.clip_grad_norm_([T.zeros(2, requires_grad=True)], 1.0)]
        p = T.zeros(2, requires_grad=True)
        p.grad = T.tensor([float("inf"), 1.0])
        try:
            T.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
        except RuntimeError as e:
            out.append(str(e))
        return out

    assert_parity(program)


def test_clip_grad_value_and_vector_conversion_match_torch():
    def program(T):
        ps = _params_with_grads(T)
        T.nn.utils.clip_grad_value_(ps, 0.7)
        vec = T.nn.utils.parameters_to_vector(ps)
        T.nn.utils.vector_to_parameters(vec.detach() * 2, ps)
        return [p.grad for p in ps], vec, ps

    run = assert_parity(program, ignore=r"\.grad\._version$")
    assert run.error is None
