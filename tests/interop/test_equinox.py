"""tapegrad <-> equinox: an equinox model trained as a tapegrad Module, and a tapegrad
Module used as an equinox model under jax.jit/jax.grad, against JAX's and torch's grads."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import torch

import tapegrad as tg


class Net(eqx.Module):
    w1: jax.Array
    b1: jax.Array
    w2: jax.Array
    act: str = eqx.field(static=True)

    def __call__(self, x):
        h = x @ self.w1 + self.b1
        h = jnp.tanh(h) if self.act == "tanh" else jax.nn.relu(h)
        return h @ self.w2


def _net():
    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(0), 3)
    return Net(jax.random.normal(k1, (4, 5), jnp.float64) * 0.5,
               jax.random.normal(k2, (5,), jnp.float64) * 0.1,
               jax.random.normal(k3, (5, 2), jnp.float64) * 0.5, "tanh")


X = np.random.default_rng(0).standard_normal((6, 4))


def _loss_eqx(model, x):
    return jnp.mean(model(x) ** 2)


def test_equinox_model_as_a_module_gives_jax_gradients_and_trains():
    net = _net()
    mod = tg.nn.from_equinox(net)
    assert sorted(n for n, _ in mod.named_parameters()) == ["b1", "w1", "w2"]
    x = tg.tensor(X, requires_grad=True)
    loss = (mod(x) ** 2).mean()
    np.testing.assert_allclose(loss.item(), float(_loss_eqx(net, jnp.asarray(X))), rtol=1e-12)
    loss.backward()
    grads = jax.grad(_loss_eqx, argnums=(0, 1))(net, jnp.asarray(X))
    np.testing.assert_allclose(mod.w1.grad.numpy(), np.asarray(grads[0].w1), rtol=1e-12)
    np.testing.assert_allclose(mod.b1.grad.numpy(), np.asarray(grads[0].b1), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), np.asarray(grads[1]), rtol=1e-12)
    # A tg.optim step moves the Parameters; to_equinox() carries them back.
    opt = tg.optim.SGD(mod.parameters(), lr=0.1)
    opt.step()
    trained = mod.to_equinox()
    np.testing.assert_allclose(np.asarray(trained.w1),
                               np.asarray(net.w1) - 0.1 * np.asarray(grads[0].w1), rtol=1e-12)
    assert trained.act == "tanh"


def test_tapegrad_module_as_an_equinox_model_under_jit_and_grad():
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.Tanh(), tg.nn.Linear(8, 2)).double()
    emod = tg.nn.to_equinox(model)
    assert sorted(emod.params) == ["0.bias", "0.weight", "2.bias", "2.weight"]

    @jax.jit
    def loss_and_grad(m, x):
        return jax.value_and_grad(lambda m: jnp.mean(m(x) ** 2))(m)

    value, grads = loss_and_grad(emod, jnp.asarray(X))
    # torch, from the same weights.
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 2)).double()
    tmodel.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in emod.params.items()})
    tloss = (tmodel(torch.tensor(X)) ** 2).mean()
    tloss.backward()
    np.testing.assert_allclose(float(value), tloss.item(), rtol=1e-12)
    for name, p in tmodel.named_parameters():
        np.testing.assert_allclose(np.asarray(grads.params[name]), p.grad.numpy(), rtol=1e-10)
    # The module itself is untouched by the functional call.
    assert all(p.grad is None for p in model.parameters())
    assert isinstance(model[0].weight, tg.nn.Parameter)
