"""tapegrad code runs inside jax.jit: a Tensor may hold a tracer (SPEC §6)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import torch

import tapegrad as tg


def _step(w_array, x_array):
    # A PyTorch-style program: leaves, ops, backward, .grad - on tracers.
    w = tg.from_jax(w_array, requires_grad=True)
    x = tg.from_jax(x_array)
    y = ((w * x).sum() + (w ** 2).mean()).exp()
    y.backward()
    return y.jax(), w.grad.jax()


def test_backward_inside_jax_jit_matches_eager_and_torch():
    w = jnp.asarray([0.1, -0.2, 0.3], dtype=jnp.float32)
    x = jnp.asarray([1.0, 2.0, 3.0], dtype=jnp.float32)
    eager_y, eager_g = _step(w, x)
    jit_y, jit_g = jax.jit(_step)(w, x)
    assert jit_y.dtype == jnp.float32 and jit_g.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(jit_y), np.asarray(eager_y), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jit_g), np.asarray(eager_g), rtol=1e-6)

    tw = torch.tensor(np.asarray(w), requires_grad=True)
    ty = ((tw * torch.tensor(np.asarray(x))).sum() + (tw ** 2).mean()).exp()
    ty.backward()
    np.testing.assert_allclose(np.asarray(jit_g), tw.grad.numpy(), rtol=1e-6)


def test_autograd_grad_create_graph_inside_jit():
    def second_derivative(x_array):
        x = tg.from_jax(x_array, requires_grad=True)
        (g,) = tg.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (h,) = tg.autograd.grad(g.sum(), x)
        return h.jax()

    x = jnp.asarray([1.0, 2.0], dtype=jnp.float64)
    np.testing.assert_allclose(np.asarray(jax.jit(second_derivative)(x)), [6.0, 12.0])


def test_jax_grad_through_tapegrad_forward():
    # jax.grad of a function whose body is tapegrad ops (forward only).
    def f(a):
        t = tg.from_jax(a)
        return (t.sin() * t).sum().jax()

    a = jnp.asarray([0.5, 1.5], dtype=jnp.float64)
    expected = np.sin(np.asarray(a)) + np.asarray(a) * np.cos(np.asarray(a))
    np.testing.assert_allclose(np.asarray(jax.grad(f)(a)), expected, rtol=1e-12)


def test_jax_vmap_of_a_tapegrad_backward_gives_per_example_grads():
    # Per-example gradients: jax.vmap over a function that runs a tapegrad backward, checked
    # against torch's loop over examples.
    rng = np.random.default_rng(0)
    w = rng.standard_normal(3)
    xs = rng.standard_normal((5, 3))

    def per_example(x_array):
        wt = tg.from_jax(jnp.asarray(w), requires_grad=True)
        loss = ((wt * tg.from_jax(x_array)).sum().tanh() - 0.5) ** 2
        loss.backward()
        return wt.grad.jax()

    got = np.asarray(jax.jit(jax.vmap(per_example))(jnp.asarray(xs)))
    want = []
    for x in xs:
        tw = torch.tensor(w, requires_grad=True)
        (((tw * torch.tensor(x)).sum().tanh() - 0.5) ** 2).backward()
        want.append(tw.grad.numpy())
    np.testing.assert_allclose(got, np.stack(want), rtol=1e-12)
