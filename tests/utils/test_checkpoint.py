"""tg.utils.checkpoint against torch.utils.checkpoint: same values and grads, recomputation in
the backward (counted), the RNG state replayed, torch's warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcp

import tapegrad as tg
import tapegrad.utils.checkpoint as gcp

W = np.random.default_rng(0).standard_normal((4, 4))
X = np.random.default_rng(1).standard_normal((3, 4))


def _run(M, cp, reentrant, counter):
    w = M.tensor(W, requires_grad=True)
    x = M.tensor(X, requires_grad=True)

    def block(a, scale):
        counter.append(1)
        return (a @ w).tanh().sin() * scale

    y = cp.checkpoint(block, x * 2, 3.0, use_reentrant=reentrant)
    calls_after_forward = len(counter)
    loss = (y * y).sum()
    loss.backward()
    return y, x.grad, w.grad, calls_after_forward, len(counter)


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_grads_equal_torch_and_recompute_in_backward(reentrant):
    ours_c, ref_c = [], []
    y, gx, gw, c1, c2 = _run(tg, gcp, reentrant, ours_c)
    ty, tgx, tgw, t1, t2 = _run(torch, tcp, reentrant, ref_c)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), tgx.numpy(), rtol=1e-10)
    np.testing.assert_allclose(gw.numpy(), tgw.numpy(), rtol=1e-10)
    assert (c1, c2) == (t1, t2) == (1, 2)
    assert y.grad_fn.name() == ty.grad_fn.name()


def test_checkpoint_without_use_reentrant_warns_as_torch():
    x = tg.ones(2, requires_grad=True)
    tx = torch.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        gcp.checkpoint(lambda a: a * 2, x)
    with warnings.catch_warnings(record=True) as ref:
        warnings.simplefilter("always")
        tcp.checkpoint(lambda a: a * 2, tx)
    assert [str(w.message) for w in ours] == [str(w.message) for w in ref]
    assert [w.category for w in ours] == [w.category for w in ref]


def test_checkpoint_errors_as_torch():
    for cp, M in ((gcp, tg), (tcp, torch)):
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            cp.checkpoint(lambda a: a, M.ones(1), use_reentrant=True, foo=1)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            cp.checkpoint(lambda a: a * 2, M.ones(1), use_reentrant=True)


@pytest.mark.parametrize("reentrant", [True, False])
def test_preserve_rng_state_replays_dropout_randomness(reentrant):
    x = tg.ones(64, requires_grad=True)

    def noisy(a):
        return a * tg.rand(64)

    tg.manual_seed(0)
    y = gcp.checkpoint(noisy, x, use_reentrant=reentrant)
    after = tg.get_rng_state()
    y.sum().backward()
    # The recomputed noise is the forward's: d/dx sum(x * u) = u.
    np.testing.assert_array_equal(x.grad.numpy(), (y / x).detach().numpy())
    # The generator's state after the backward is the state it had after the forward.
    assert (tg.get_rng_state() == after).all()


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_sequential_equals_torch(reentrant):
    tlin = [torch.nn.Linear(4, 4).double() for _ in range(4)]
    seq_ref = torch.nn.Sequential(tlin[0], torch.nn.Tanh(), tlin[1], torch.nn.Tanh(), tlin[2],
                                  tlin[3])
    fns = []
    for m in seq_ref:
        if isinstance(m, torch.nn.Linear):
            w = tg.tensor(m.weight.detach().numpy(), requires_grad=True)
            b = tg.tensor(m.bias.detach().numpy(), requires_grad=True)
            fns.append((lambda w, b: (lambda a: a @ w.T + b))(w, b))
            fns[-1].params = (w, b)
        else:
            fns.append(lambda a: a.tanh())
    x, tx = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    y = gcp.checkpoint_sequential(fns, 3, x, use_reentrant=reentrant)
    ty = tcp.checkpoint_sequential(seq_ref, 3, tx, use_reentrant=reentrant)
    y.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(fns[0].params[0].grad.numpy(), tlin[0].weight.grad.numpy(),
                               rtol=1e-10)


def test_nonreentrant_works_with_autograd_grad():
    x = tg.tensor(X, requires_grad=True)
    tx = torch.tensor(X, requires_grad=True)
    g, = tg.autograd.grad(gcp.checkpoint(lambda a: a.exp().sin(), x,
                                         use_reentrant=False).sum(), x)
    tgr, = torch.autograd.grad(tcp.checkpoint(lambda a: a.exp().sin(), tx,
                                              use_reentrant=False).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tgr.numpy(), rtol=1e-12)
