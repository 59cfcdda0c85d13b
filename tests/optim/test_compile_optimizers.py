"""The optimizers added beside Adam/Adagrad under tg.compile: the compiled training step gives
eager's parameters, state and versions, and one program serves every step count (the step
counts, ASGD's eta/mu and NAdam's mu_product are read at run time, not compiled in)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tg

STEPS = 5


def _mlp(seed=0):
    tg.manual_seed(seed)
    return tg.nn.Sequential(tg.nn.Linear(6, 8, dtype=tg.float64), tg.nn.Tanh(),
                            tg.nn.Linear(8, 3, dtype=tg.float64))


def _data(seed):
    rng = np.random.default_rng(seed)
    return (tg.tensor(rng.standard_normal((12, 6))),
            tg.tensor(rng.integers(0, 3, 12)))


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = tg.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


OPTIMIZERS = {
    "Adadelta": lambda ps: tg.optim.Adadelta(ps, lr=0.5, weight_decay=0.01),
    "Adamax": lambda ps: tg.optim.Adamax(ps, lr=0.02),
    "ASGD": lambda ps: tg.optim.ASGD(ps, lr=0.05, t0=2),
    "NAdam": lambda ps: tg.optim.NAdam(ps, lr=0.02, weight_decay=0.01),
    "RAdam": lambda ps: tg.optim.RAdam(ps, lr=0.02),  # rho_t crosses 5 at step 6
    "Rprop": lambda ps: tg.optim.Rprop(ps, lr=0.02),
}


def _np(t):
    return np.asarray(t.jax())


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_compiled_step_matches_eager(name):
    eager_m, comp_m = _mlp(), _mlp()
    eager_o, comp_o = OPTIMIZERS[name](eager_m.parameters()), OPTIMIZERS[name](comp_m.parameters())
    step = tg.compile(train_step)
    for i in range(STEPS + 2):
        x, y = _data(i)
        np.testing.assert_allclose(_np(step(comp_m, comp_o, x, y)),
                                   _np(train_step(eager_m, eager_o, x, y)), rtol=1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters(), strict=True):
            np.testing.assert_allclose(_np(b), _np(a), rtol=1e-12, atol=1e-14)
            assert a._version == b._version
            for k, v in eager_o.state[a].items():
                w = comp_o.state[b][k]
                np.testing.assert_allclose(_np(w), _np(v), rtol=1e-12, atol=1e-14, err_msg=k)
                assert w._version == v._version, k
        if i == 1:
            warm = step.compiles
    assert step.compiles == warm <= 2
