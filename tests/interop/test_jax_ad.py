"""JAX's AD over tapegrad code with torch's semantics (NOTE [Untracked writes under JAX
transforms] in _storage.py, NOTE [Custom Functions under JAX transforms] in
autograd/function.py): detach, .data, no_grad, inference_mode, untracked in-place writes and
custom Functions' backward, each checked against torch's autograd running the same program
with the input as a leaf that requires grad."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import tapegrad as tg

A = np.array([0.5, -1.5, 2.0])


def _detach(T, x):
    return (x * x.detach()).sum()


def _data(T, x):
    return (x.sin() * x.data).sum()


def _no_grad(T, x):
    with T.no_grad():
        u = x * 2
    return (x * u).sum()


def _inference_mode(T, x):
    with T.inference_mode():
        u = x.exp()
    return (x * u.clone()).sum()


def _inplace_under_no_grad(T, x):
    y = x * 3  # a non-leaf written where autograd does not see it: its history stays
    with T.no_grad():
        y.mul_(2)
    return (y * y).sum()


def _write_through_detached_alias(T, x):
    y = x * 3
    y.detach().add_(1)
    return (y * x).sum()


def _enable_grad_inside_no_grad(T, x):
    with T.no_grad():
        with T.enable_grad():
            u = x.cos()
        v = x.sin()
    return (u * v * x).sum()


PROGRAMS = [_detach, _data, _no_grad, _inference_mode, _inplace_under_no_grad,
            _write_through_detached_alias, _enable_grad_inside_no_grad]


def _torch_grad(program, a=A):
    x = torch.tensor(a, requires_grad=True)
    program(torch, x).backward()
    return x.grad.numpy()


def _tg_fn(program):
    return lambda a: program(tg, tg.from_jax(a)).jax()


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__.strip("_"))
def test_jax_grad_and_jit_grad_match_torch(program):
    expected = _torch_grad(program)
    a = jnp.asarray(A)
    np.testing.assert_allclose(np.asarray(jax.grad(_tg_fn(program))(a)), expected, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.grad(_tg_fn(program)))(a)), expected,
                               rtol=1e-12)


def test_detach_example_is_x_not_2x():
    a = jnp.asarray(A)
    g = jax.grad(lambda a: (tg.from_jax(a) * tg.from_jax(a).detach()).sum().jax())(a)
    np.testing.assert_allclose(np.asarray(g), _torch_grad(_detach), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(g), A, rtol=1e-12)


def test_jvp_and_jacrev_match_torch():
    tangent = np.array([1.0, 2.0, -1.0])

    def vector(T, x):
        return x * x.detach() + (x.sin() * 2).detach() * x

    x = torch.tensor(A, requires_grad=True)
    jac = torch.autograd.functional.jacobian(lambda x: vector(torch, x), x)
    f = lambda a: vector(tg, tg.from_jax(a)).jax()  # noqa: E731
    np.testing.assert_allclose(np.asarray(jax.jacrev(f)(jnp.asarray(A))), jac.numpy(),
                               rtol=1e-12)
    _, jvp_out = jax.jvp(f, (jnp.asarray(A),), (jnp.asarray(tangent),))
    np.testing.assert_allclose(np.asarray(jvp_out), jac.numpy() @ tangent, rtol=1e-12)
    _, pullback = jax.vjp(f, jnp.asarray(A))
    np.testing.assert_allclose(np.asarray(pullback(jnp.asarray(tangent))[0]),
                               tangent @ jac.numpy(), rtol=1e-12)


def _cube_fn(T):
    class Cube(T.autograd.Function):
        """x ** 3 with a deliberately different backward (100 * x): the test sees which one
        JAX differentiates."""

        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x ** 3, (x * 2).long()

        @staticmethod
        def backward(ctx, grad, _unused):
            (x,) = ctx.saved_tensors
            return grad * ctx.scale * x, None

    return Cube


def _custom(T, x):
    y, _ = _cube_fn(T).apply(x, 100.0)
    return (y * x.cos()).sum()


def test_custom_function_backward_under_jax_grad_vmap_and_hessian():
    expected = _torch_grad(_custom)
    a = jnp.asarray(A)
    f = _tg_fn(_custom)
    np.testing.assert_allclose(np.asarray(jax.grad(f)(a)), expected, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.grad(f))(a)), expected, rtol=1e-12)
    rows = np.stack([A, A * 0.5])
    per_row = np.stack([_torch_grad(_custom, r) for r in rows])
    np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(f))(jnp.asarray(rows))), per_row,
                               rtol=1e-12)
    # Second order: torch differentiates the custom backward (create_graph), so does JAX in
    # reverse-over-reverse (jax.hessian is forward-over-reverse: see the README).
    hess = torch.autograd.functional.hessian(lambda x: _custom(torch, x), torch.tensor(A))
    np.testing.assert_allclose(np.asarray(jax.jacrev(jax.jacrev(f))(a)), hess.numpy(),
                               rtol=1e-10)
    # Values (the forward) are unchanged.
    np.testing.assert_allclose(float(f(a)), _custom(torch, torch.tensor(A)).item(), rtol=1e-12)


def test_custom_function_inside_the_tape_under_jit_still_uses_the_tape():
    # .backward() inside jax.jit: the tape's gradient through the custom backward, as torch.
    @jax.jit
    def tape_grad(a):
        x = tg.from_jax(a, requires_grad=True)
        _custom(tg, x).backward()
        return x.grad.jax()

    np.testing.assert_allclose(np.asarray(tape_grad(jnp.asarray(A))), _torch_grad(_custom),
                               rtol=1e-12)


class _TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2).double()

    def forward(self, x):
        h = self.fc(x)
        return h * h.detach() + self.fc.weight.detach().sum()


class _TgNet(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tg.nn.Linear(3, 2).double()

    def forward(self, x):
        h = self.fc(x)
        return h * h.detach() + self.fc.weight.detach().sum()


def test_to_equinox_gradients_respect_detach_as_torch():
    tnet, gnet = _TorchNet(), _TgNet()
    gnet.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tnet.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((4, 3))
    tnet(torch.tensor(x)).sum().backward()
    emod = tg.nn.to_equinox(gnet)
    grads = jax.jit(jax.grad(lambda m, x: m(x).sum()))(emod, jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(grads.params["fc.weight"]),
                               tnet.fc.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(grads.params["fc.bias"]), tnet.fc.bias.grad.numpy(),
                               rtol=1e-12)


def test_eager_results_stay_concrete_arrays():
    # Outside a JAX transform nothing changes: no_grad outputs and detached tensors hold the
    # same concrete arrays (no stop_gradient is applied to them).
    x = tg.tensor(A, requires_grad=True)
    with tg.no_grad():
        y = x * 2
    d = x.detach()
    assert type(y.jax()) is type(x.jax()) and d.jax() is x.jax()
    assert d._storage is x._storage  # detach() still shares the very storage box


def test_forward_mode_over_a_custom_function_is_refused_as_in_torch():
    # torch's forward-mode AD needs the Function's jvp (not defined here) and refuses; JAX
    # refuses forward mode over the custom_vjp tapegrad gives it.
    import torch.autograd.forward_ad as fwad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch's own torch.jit notice
        with fwad.dual_level(), pytest.raises(RuntimeError, match="jvp"):
            _custom(torch, fwad.make_dual(torch.tensor(A), torch.ones(3).double()))
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jvp(_tg_fn(_custom), (jnp.asarray(A),), (jnp.ones(3),))
