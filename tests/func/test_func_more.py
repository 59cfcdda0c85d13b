"""tg.func additions against torch.func: linearize, stack_module_state, functional_call over
stacked state, jacrev's chunk_size, vmap's randomness/chunk_size checks, tg.vmap."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tapegrad as tg

X = [0.3, -1.2, 2.0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.func.linearize scripts
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_linearize_equals_torch():
    x, tx = tg.tensor(X, dtype=tg.float64), torch.tensor(X, dtype=torch.float64)
    out, fn = tg.func.linearize(lambda a: a.sin() * a, x)
    tout, tfn = torch.func.linearize(lambda a: a.sin() * a, tx)
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-12)
    t = [1.0, 0.5, -2.0]
    np.testing.assert_allclose(fn(tg.tensor(t, dtype=tg.float64)).numpy(),
                               tfn(torch.tensor(t, dtype=torch.float64)).numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError) as e:
        fn(tg.ones(2, dtype=tg.float64))
    with pytest.raises(RuntimeError) as te:
        tfn(torch.ones(2, dtype=torch.float64))
    assert str(e.value) == str(te.value)


def _models(nn, n=3):
    return [nn.Linear(3, 2) for _ in range(n)]


def test_stack_module_state_and_functional_call_with_vmapped_state():
    tms = _models(torch.nn)
    gms = _models(tg.nn)
    for g, t in zip(gms, tms):
        g.weight.data = tg.tensor(t.weight.detach().numpy())
        g.bias.data = tg.tensor(t.bias.detach().numpy())
    params, buffers = tg.func.stack_module_state(gms)
    tparams, tbuffers = torch.func.stack_module_state(tms)
    assert params.keys() == tparams.keys() and buffers.keys() == tbuffers.keys()
    for k in params:
        assert tuple(params[k].shape) == tuple(tparams[k].shape)
        assert params[k].is_leaf and params[k].requires_grad
        np.testing.assert_array_equal(params[k].detach().numpy(), tparams[k].detach().numpy())
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    # functional_call with a tuple of dicts, one model at a time.
    for i in range(3):
        one = {k: v[i] for k, v in params.items()}
        tone = {k: v[i] for k, v in tparams.items()}
        out = tg.func.functional_call(gms[0], (one, {}), (tg.tensor(x),))
        tout = torch.func.functional_call(tms[0], (tone, {}), (torch.tensor(x),))
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5)


def test_stack_module_state_errors_equal_torch():
    for M in (tg, torch):
        with pytest.raises(RuntimeError, match="^stack_module_state: Expected at least one "
                                               "model, got 0.$"):
            M.func.stack_module_state([])
        a, b = M.nn.Linear(2, 2), M.nn.Linear(2, 2)
        b.eval()
        with pytest.raises(RuntimeError, match="same training/eval mode"):
            M.func.stack_module_state([a, b])
        with pytest.raises(RuntimeError, match="same class"):
            M.func.stack_module_state([M.nn.Linear(2, 2), M.nn.Tanh()])
        c = M.nn.Linear(2, 2)
        c.bias.requires_grad_(False)
        with pytest.raises(RuntimeError, match="^Expected bias from each model to have the same "
                                               r"\.requires_grad$"):
            M.func.stack_module_state([M.nn.Linear(2, 2), c])


def test_chunk_size_and_randomness_checks():
    for M in (tg, torch):
        with pytest.raises(ValueError, match="jacrev: `chunk_size` should be greater than 0."):
            M.func.jacrev(M.sin, chunk_size=0)
        with pytest.raises(ValueError, match=r"vmap: chunk_size should be None or greater "
                                             r"than 0. \(got 0\)"):
            M.func.vmap(M.sin, chunk_size=0)
        with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
            M.func.vmap(M.sin, randomness="bad")
    x = tg.tensor(X, dtype=tg.float64)
    j = tg.func.jacrev(lambda a: a.sin(), chunk_size=2)(x)
    np.testing.assert_allclose(j.numpy(), np.diag(np.cos(X)), rtol=1e-12)
    assert tg.vmap is tg.func.vmap
    np.testing.assert_allclose(tg.vmap(lambda a: a * 2, chunk_size=2)(x).numpy(),
                               np.array(X) * 2)
