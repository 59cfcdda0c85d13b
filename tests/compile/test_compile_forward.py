"""A compiled forward (`fast = tg.compile(model)`): outputs carry one fused grad_fn, and a
backward outside gives the eager gradients (SPEC §6, issue 6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from compile_db import as_np, assert_close, assert_same_tensor_state, data, mlp, torch_twin

import tapegrad as tg


def _loss(out):
    return (out ** 2).sum()


def test_fused_forward_gradients_match_eager_and_torch():
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    torch_m = torch_twin(eager_m)
    fast = tg.compile(comp_m)
    for i in range(3):  # gradients accumulate across calls, as eagerly
        x, _ = data(tg.float64, seed=i)
        xe, xc = x.detach().requires_grad_(), x.detach().requires_grad_()
        xt = torch.tensor(as_np(x), requires_grad=True)
        out = fast(xc)
        assert type(out.grad_fn).__name__ == "CompiledFunctionBackward"
        assert out.requires_grad and not out.is_leaf
        _loss(out).backward()
        _loss(eager_m(xe)).backward()
        _loss(torch_m(xt)).backward()
        assert_close(out, eager_m(xe), 1e-12)
        assert_close(xc.grad, xe.grad, 1e-12, "input grad")
        assert_close(xc.grad, xt.grad, 1e-12, "input grad vs torch")
        for (name, a), b, t in zip(eager_m.named_parameters(), comp_m.parameters(),
                                   torch_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"{name}, call {i}")
            assert_close(b.grad, t.grad, 1e-12, f"{name} vs torch")
    # Edges: one per tensor requiring grad that the program can see (input, then parameters).
    edges = out.grad_fn.next_functions
    assert len(edges) == 5
    assert {fn.variable for fn, _ in edges if fn is not None} >= set(comp_m.parameters())


class Stopped(tg.nn.Module):
    """A forward whose gradient depends on the tape's rules: detach() and no_grad."""

    def __init__(self):
        super().__init__()
        self.lin = tg.nn.Linear(3, 3, dtype=tg.float64)

    def forward(self, x):
        h = self.lin(x)
        with tg.no_grad():
            scale = h.abs().sum()
        return h * h.detach() + h * scale


def test_fused_forward_respects_detach_and_no_grad():
    tg.manual_seed(0)
    eager_m = Stopped()
    tg.manual_seed(0)
    comp_m = Stopped()
    fast = tg.compile(comp_m)
    x = tg.tensor(np.arange(6.0).reshape(2, 3), dtype=tg.float64)
    fast(x).sum().backward()
    eager_m(x).sum().backward()
    for a, b in zip(eager_m.parameters(), comp_m.parameters()):
        assert_same_tensor_state(b, a, 1e-12, "detach")


def test_fused_forward_updates_batchnorm_buffers():
    def make():
        tg.manual_seed(0)
        return tg.nn.Sequential(tg.nn.Linear(6, 8), tg.nn.BatchNorm1d(8), tg.nn.ReLU())

    eager_m, comp_m = make(), make()
    fast = tg.compile(comp_m)
    for i in range(3):
        x, _ = data(tg.float32, seed=i)
        _loss(fast(x)).backward()
        _loss(eager_m(x)).backward()
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            assert_same_tensor_state(getattr(comp_m[1], name), getattr(eager_m[1], name),
                                     1e-6, name)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-5, "param")


def test_fused_backward_errors_and_retain_graph_as_eager():
    model = mlp(tg.float64)
    fast = tg.compile(model)
    x, _ = data(tg.float64)
    out = fast(x)
    loss = _loss(out)
    loss.backward(retain_graph=True)
    first = [as_np(p.grad).copy() for p in model.parameters()]
    loss.backward()  # the graph was retained: a second backward accumulates
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(as_np(p.grad), 2 * g, rtol=1e-12)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        loss.backward()
    # A parameter modified in place between forward and backward: torch's version error.
    out = fast(x)
    with tg.no_grad():
        model[0].weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _loss(out).backward()
    # Double backward is refused with a clear message.
    out = fast(x)
    with pytest.raises(RuntimeError, match="create_graph=True"):
        tg.autograd.grad(_loss(out), model[0].weight, create_graph=True)


def test_gradient_flows_into_an_eager_graph_before_the_compiled_forward():
    model = mlp(tg.float64)
    fast = tg.compile(model)
    x, _ = data(tg.float64)
    leaf_e = x.detach().requires_grad_()
    leaf_c = x.detach().requires_grad_()
    _loss(model(leaf_e * 3.0)).backward()
    eager_grads = [as_np(p.grad).copy() for p in model.parameters()]
    model.zero_grad()
    _loss(fast(leaf_c * 3.0)).backward()  # the input is a non-leaf with a MulBackward0
    assert_close(leaf_c.grad, leaf_e.grad, 1e-12)
    for p, g in zip(model.parameters(), eager_grads):
        np.testing.assert_allclose(as_np(p.grad), g, rtol=1e-12, atol=1e-12)


def test_compiled_forward_under_no_grad_has_no_graph():
    model = mlp(tg.float32)
    fast = tg.compile(model)
    x, _ = data(tg.float32)
    with tg.no_grad():
        out = fast(x)
    assert out.grad_fn is None and not out.requires_grad
    assert_close(out, model(x), 1e-6)
