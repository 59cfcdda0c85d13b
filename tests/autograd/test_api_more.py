"""autograd.graph's saved-tensor hooks, gradcheck called as a function, against torch."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import tapegrad as tg

X = [0.5, -0.7, 2.0]


def _hooked(M, hooks_cls, inplace=False):
    calls = {"pack": 0, "unpack": 0}

    def pack(t):
        calls["pack"] += 1
        return t

    def unpack(t):
        calls["unpack"] += 1
        return t

    x = M.tensor(X, dtype=M.float64, requires_grad=True)
    y = x * 1
    with M.autograd.graph.saved_tensors_hooks(pack, unpack):
        z = (y * y.exp()).sin().sum()
    if inplace:
        y.add_(1)  # no version check through hooks, as torch
    z.backward()
    return x.grad.numpy(), calls


@pytest.mark.parametrize("inplace", [False, True])
def test_saved_tensors_hooks_called_as_torch(inplace):
    g, calls = _hooked(tg, None, inplace)
    tgr, tcalls = _hooked(torch, None, inplace)
    np.testing.assert_allclose(g, tgr, rtol=1e-12, atol=1e-14)
    assert calls == tcalls


def test_unpack_hook_must_return_a_tensor():
    for M in (tg, torch):
        x = M.tensor(X, requires_grad=True)
        with M.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: 5):
            z = x.exp().sum()
        with pytest.raises(TypeError, match="Output of saved tensor unpack_hook expected to be "
                                            "a Tensor but got result of type int"):
            z.backward()


def test_save_on_cpu_double_backward_equals_torch():
    out = []
    for M in (tg, torch):
        x = M.tensor(X, dtype=M.float64, requires_grad=True)
        with M.autograd.graph.save_on_cpu():
            z = (x.sin() * x * x.exp()).sum()
        g, = M.autograd.grad(z, x, create_graph=True)
        g.sum().backward()
        out.append((g.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-14)


def test_disable_saved_tensors_hooks():
    for M in (tg, torch):
        with M.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="^no hooks here$"):
                with M.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with M.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


def test_gradcheck_is_callable_like_torch():
    x = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    assert tg.autograd.gradcheck(lambda a: (a * a).sin(), (x,), eps=1e-6, atol=1e-5)
    assert tg.autograd.gradgradcheck(lambda a: (a * a).sin(), (x,))
    assert tg.autograd.gradcheck(lambda a: a.detach() * a, (x,), raise_exception=False) is False
    # The submodule stays importable (shadowed by the function, as torch's is).
    assert issubclass(sys.modules["tapegrad.autograd.gradcheck"].GradcheckError, RuntimeError)
