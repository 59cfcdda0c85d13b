"""Tensors, Parameters and Modules as JAX pytrees (NOTE [Tensors as pytrees] in tensor.py,
NOTE [Modules as pytrees] in nn/modules/_pytree.py): through jax.jit, jax.vmap,
jax.device_put, jax.tree_util, optax and equinox, with values and gradients against torch."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

import tapegrad as tg

X = np.random.default_rng(0).standard_normal((4, 3))


def _pair(seed: int = 0):
    """The same 3-4-2 MLP in torch and tapegrad (float64)."""
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                             torch.nn.Linear(4, 2)).double()
    gm = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2)).double()
    gm.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, gm


def test_tensor_flattens_to_its_array_and_unflattens_to_a_leaf_with_the_same_flag():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    y = t * 3  # a non-leaf: its history does not survive the round trip
    leaves, treedef = jax.tree_util.tree_flatten(y)
    assert len(leaves) == 1 and isinstance(leaves[0], jax.Array)
    back = jax.tree_util.tree_unflatten(treedef, leaves)
    # What unflattening gives is torch's y.detach().requires_grad_(y.requires_grad).
    ty = torch.tensor([1.0, 2.0], requires_grad=True) * 3
    ref = ty.detach().requires_grad_(ty.requires_grad)
    assert type(back) is tg.Tensor
    assert (back.requires_grad, back.is_leaf, back.grad_fn) == (ref.requires_grad, ref.is_leaf,
                                                                None)
    assert back.dtype == tg.float32 and back.tolist() == ref.tolist()
    i = tg.tensor([1, 2])
    assert jax.tree_util.tree_map(lambda a: a + 1, i).tolist() == [2, 3]
    assert jax.tree_util.tree_map(lambda a: a + 1, i).requires_grad is False


def test_parameter_stays_a_parameter_and_paths_name_the_data():
    p = tg.nn.Parameter(tg.ones(2))
    q = jax.tree_util.tree_map(lambda a: a * 2, p)
    assert type(q) is tg.nn.Parameter and q.requires_grad and q.tolist() == [2.0, 2.0]
    assert p.tolist() == [1.0, 1.0]  # a new tensor, not a write
    [(path, _)] = jax.tree_util.tree_flatten_with_path(p)[0]
    assert jax.tree_util.keystr(path) == ".data"


def test_tensors_through_jit_vmap_and_device_put_match_torch():
    t = tg.tensor(X)
    out = jax.jit(lambda a: (a.sin() * 2).sum(1))(t)
    assert isinstance(out, tg.Tensor)
    np.testing.assert_allclose(out.numpy(), (torch.tensor(X).sin() * 2).sum(1).numpy(),
                               rtol=1e-12)
    w = tg.tensor(X[:3, :2])
    vm = jax.vmap(lambda row: row @ w)(t)  # rows of t are tensors inside
    np.testing.assert_allclose(vm.numpy(), (torch.tensor(X) @ torch.tensor(X[:3, :2])).numpy(),
                               rtol=1e-12)
    moved = jax.device_put(tg.tensor([1.0], requires_grad=True), jax.devices("cpu")[0])
    assert isinstance(moved, tg.Tensor) and moved.requires_grad


def test_jax_grad_of_a_module_gives_torchs_parameter_gradients():
    tm, gm = _pair()
    torch.nn.functional.mse_loss(tm(torch.tensor(X)), torch.zeros(4, 2).double()).backward()
    x = tg.tensor(X)

    def loss(model):
        return tg.nn.functional.mse_loss(model(x), tg.zeros(4, 2).double()).jax()

    g = jax.jit(jax.grad(loss))(gm)
    assert type(g) is tg.nn.Sequential
    for (name, p), (tname, tp) in zip(g.named_parameters(), tm.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.detach().numpy(), tp.grad.numpy(), rtol=1e-10)
    paths = [jax.tree_util.keystr(k) for k, _ in jax.tree_util.tree_flatten_with_path(gm)[0]]
    assert paths == [f".{n}.data" for n, _ in tm.named_parameters()]


def test_jit_of_a_module_retraces_when_training_changes():
    _, gm = _pair()
    traces = []

    @jax.jit
    def run(model, x):
        traces.append(model.training)
        return model(x)

    x = tg.tensor(X)
    run(gm, x)
    run(gm, x)
    assert traces == [True]
    gm.eval()
    run(gm, x)
    assert traces == [True, False]


def test_tree_map_over_parameters_and_optax_adam_match_torch_adam():
    tm, gm = _pair()
    params = list(gm.parameters())
    zeros = jax.tree_util.tree_map(lambda p: jnp.zeros_like(p), params)
    assert all(type(z) is tg.nn.Parameter and z.abs().sum().item() == 0 for z in zeros)
    tx = optax.adam(1e-2)
    state = tx.init(params)  # was: Cannot interpret 'tapegrad.float32' as a data type
    topt = torch.optim.Adam(tm.parameters(), lr=1e-2)
    x, tx_ = tg.tensor(X), torch.tensor(X)
    for _ in range(2):
        topt.zero_grad()
        tm(tx_).pow(2).mean().backward()
        topt.step()
        for p in params:
            p.grad = None
        gm(x).pow(2).mean().backward()
        # grads and params must match the state's structure (Parameters requiring grad).
        grads = [tg.nn.Parameter(p.grad) for p in params]
        updates, state = tx.update(grads, state, params)
        new = optax.apply_updates(params, updates)
        with tg.no_grad():
            for p, n in zip(params, new):
                p.copy_(n)
    for p, tp in zip(gm.parameters(), tm.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-6)


def test_equinox_filters_see_tensor_arrays():
    tm, gm = _pair()
    assert all(eqx.is_array(leaf) for leaf in jax.tree_util.tree_leaves(gm))
    out = eqx.filter_jit(lambda m, x: m(x))(gm, tg.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), tm(torch.tensor(X)).detach().numpy(),
                               rtol=1e-12)
    tm(torch.tensor(X)).sum().backward()
    g = eqx.filter_grad(lambda m, x: m(x).sum().jax())(gm, tg.tensor(X))
    np.testing.assert_allclose(g[0].weight.detach().numpy(), tm[0].weight.grad.numpy(),
                               rtol=1e-10)


def test_jnp_functions_and_dtypes():
    t = tg.tensor([0.5, 1.0])
    np.testing.assert_allclose(np.asarray(jnp.sin(t)), np.sin([0.5, 1.0]), rtol=1e-6)
    assert np.dtype(tg.float32) == np.float32 and jnp.zeros(2, tg.float64).dtype == jnp.float64
    assert jnp.zeros_like(t.jax()).dtype == jnp.float32
    # Documented limit: jnp's *_like read `t.dtype` through np.result_type, which wants a
    # NumPy dtype object; map over the tensor (or pass t.jax()) instead.
    with pytest.raises(ValueError, match="Could not convert"):
        jnp.zeros_like(t)
    z = jax.tree_util.tree_map(jnp.zeros_like, t)
    assert isinstance(z, tg.Tensor) and z.tolist() == [0.0, 0.0]


def test_tapegrad_traversals_keep_tensors_and_modules_whole():
    # tg.func and tg.compile treat tensors as leaves and modules as opaque.
    _, gm = _pair()
    x = tg.tensor(X)
    step = tg.compile(lambda m, x: m(x).sum())
    np.testing.assert_allclose(step(gm, x).item(), gm(x).sum().item(), rtol=1e-12)
    assert step(gm, x) is not None and step.compiles == 1
    g = tg.func.grad(lambda m, x: m(x).sum(), argnums=1)(gm, x)
    assert isinstance(g, tg.Tensor) and tuple(g.shape) == (4, 3)
