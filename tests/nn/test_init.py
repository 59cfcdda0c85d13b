"""tapegrad.nn.init: torch's formulas (gains, fans, bounds), in place under no_grad."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tapegrad as tg
from tapegrad.testing import assert_parity

INITS = {
    "uniform_": lambda init, t: init.uniform_(t, -0.5, 0.5),
    "normal_": lambda init, t: init.normal_(t, 1.0, 0.1),
    "constant_": lambda init, t: init.constant_(t, 0.3),
    "ones_": lambda init, t: init.ones_(t),
    "zeros_": lambda init, t: init.zeros_(t),
    "eye_": lambda init, t: init.eye_(t),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t, gain=2.0),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
    "orthogonal_": lambda init, t: init.orthogonal_(t, gain=1.5),
}


@pytest.mark.parametrize("name", list(INITS))
def test_init_is_in_place_on_a_parameter_and_bumps_version_as_torch(name):
    def program(T):
        p = T.nn.Parameter(T.zeros(6, 4))
        out = INITS[name](T.nn.init, p)
        return out is p, p._version, p.requires_grad, p.is_leaf, p.grad_fn, tuple(p.shape)

    run = assert_parity(program)
    assert run.error is None


def test_gains_and_init_errors_match_torch():
    def program(T):
        init = T.nn.init
        out = [init.calculate_gain(n) for n in ("linear", "conv2d", "sigmoid", "tanh", "relu",
                                                "leaky_relu", "selu")]
        out.append(init.calculate_gain("leaky_relu", 0.2))
        for fn in (lambda: init.calculate_gain("swish"),
                   lambda: init.xavier_uniform_(T.zeros(3)),
                   lambda: init.kaiming_uniform_(T.zeros(3, 3), mode="fan_avg"),
                   lambda: init.orthogonal_(T.zeros(3)),
                   lambda: init.calculate_gain("leaky_relu", "x")):
            try:
                fn()
            except ValueError as e:
                out.append(str(e))
        return out

    assert_parity(program)


def test_init_distributions_follow_torch_formulas():
    tg.manual_seed(0)
    w = tg.zeros(300, 200, 3)  # fan_in 600, fan_out 900
    tg.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2) / math.sqrt(900)) < 2e-3
    tg.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = math.sqrt(3) * math.sqrt(2 / 6) / math.sqrt(600)
    assert bound * 0.99 < np.abs(w.numpy()).max() <= bound
    tg.nn.init.xavier_uniform_(w, gain=2.0)
    bound = 2.0 * math.sqrt(6 / (600 + 900))
    assert bound * 0.99 < np.abs(w.numpy()).max() <= bound
    tg.nn.init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / 1500)) < 1e-3
    tg.nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.0)
    v = w.numpy()
    assert v.min() >= -1 and v.max() <= 1 and 0.1 < v.mean() < 0.3
    q = tg.zeros(5, 8)
    tg.nn.init.orthogonal_(q, gain=2.0)
    np.testing.assert_allclose(q.numpy() @ q.numpy().T, 4 * np.eye(5), atol=1e-5)
    q = tg.zeros(8, 5, dtype=tg.float64)
    tg.nn.init.orthogonal_(q)
    np.testing.assert_allclose(q.numpy().T @ q.numpy(), np.eye(5), atol=1e-12)
    e = tg.nn.init.eye_(tg.zeros(3, 4)).numpy()
    np.testing.assert_array_equal(e, np.eye(3, 4))
