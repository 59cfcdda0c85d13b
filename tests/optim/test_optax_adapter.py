"""tg.optim.Optax: optax transformations as tapegrad optimizers, against torch's optimizers
with the same formulas, eager and under tg.compile."""

from __future__ import annotations

import numpy as np
import optax
import pytest
import torch

import tapegrad as tg

STEPS = 5


def _problem(T):
    rng = np.random.default_rng(0)
    w = T.tensor(rng.standard_normal((4, 3)), dtype=T.float64, requires_grad=True)
    b = T.tensor(rng.standard_normal(3), dtype=T.float64, requires_grad=True)
    x = T.tensor(rng.standard_normal((8, 4)), dtype=T.float64)
    return w, b, x


def _step(opt, w, b, x):
    opt.zero_grad()
    loss = ((x @ w + b).tanh() ** 2).mean()
    loss.backward()
    opt.step()
    return loss


# optax transformation vs the torch optimizer with the same update rule.
PAIRS = {
    "sgd_momentum": (lambda: optax.sgd(0.1, momentum=0.9),
                     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    "adam": (lambda: optax.adam(0.01), lambda ps: torch.optim.Adam(ps, lr=0.01)),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_matches_torch_optimizer_with_the_same_rule(name):
    make_tx, make_torch = PAIRS[name]
    w, b, x = _problem(tg)
    tw, tb, tx = _problem(torch)
    opt = tg.optim.Optax([w, b], make_tx())
    topt = make_torch([tw, tb])
    for _ in range(STEPS):
        loss, tloss = _step(opt, w, b, x), _step(topt, tw, tb, tx)
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.detach().numpy(), tb.detach().numpy(), rtol=1e-10)
    # One in-place write per parameter per step, as torch's optimizers make.
    assert w._version == tw._version == STEPS


def test_compiled_step_matches_eager_and_state_dict_round_trips():
    w1, b1, x = _problem(tg)
    w2, b2, _ = _problem(tg)
    eager = tg.optim.Optax([w1, b1], optax.adam(0.01))
    comp = tg.optim.Optax([w2, b2], optax.adam(0.01))
    step = tg.compile(_step)
    for _ in range(STEPS):
        np.testing.assert_allclose(step(comp, w2, b2, x).item(), _step(eager, w1, b1, x).item(),
                                   rtol=1e-12)
    np.testing.assert_allclose(w2.detach().numpy(), w1.detach().numpy(), rtol=1e-12)
    assert step.compiles <= 2 and step.eager_calls <= 1
    # The optax state travels through state_dict into a fresh optimizer.
    w3, b3, _ = _problem(tg)
    with tg.no_grad():
        w3.copy_(w1)
        b3.copy_(b1)
    fresh = tg.optim.Optax([w3, b3], optax.adam(0.01))
    fresh.load_state_dict(eager.state_dict())
    np.testing.assert_allclose(_step(fresh, w3, b3, x).item(), _step(eager, w1, b1, x).item(),
                               rtol=1e-12)
    np.testing.assert_allclose(w3.detach().numpy(), w1.detach().numpy(), rtol=1e-12)


def test_rejects_what_is_not_a_transformation():
    with pytest.raises(TypeError, match="optax GradientTransformation"):
        tg.optim.Optax([tg.zeros(2, requires_grad=True)], lambda g: g)
