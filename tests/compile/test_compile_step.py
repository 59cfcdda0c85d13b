"""tg.compile of a whole training step: the same results and side effects as eager (SPEC §6).

Each test runs the same step eagerly on one copy of the state and compiled on another, over
several steps, and compares losses, parameter values, `.grad` (including None transitions),
optimizer state and every `_version`; where tapegrad's nn/optim exist, also against torch.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch
from compile_db import (
    as_np,
    assert_close,
    assert_same_tensor_state,
    data,
    mlp,
    tolerance,
    torch_data,
    torch_train_step,
    torch_twin,
    train_step,
)

import tapegrad as tg

STEPS = 4
DTYPES = [tg.float64, tg.float32]


# ----------------------------------------------------------------------------- hand-written
def hand_params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(6, 10), (10,), (10, 3), (3,)]
    return [tg.tensor(rng.standard_normal(s) * 0.5, dtype=dtype, requires_grad=True)
            for s in shapes]


def hand_forward(params, x):
    w1, b1, w2, b2 = params
    return (x @ w1 + b1).relu() @ w2 + b2


def hand_step(params, bufs, x, y, lr=0.1, momentum=0.9):
    """zero_grad(set_to_none) + forward + backward + in-place SGD with momentum."""
    for p in params:
        p.grad = None
    loss = ((hand_forward(params, x) - y) ** 2).mean()
    loss.backward()
    with tg.no_grad():
        for p, buf in zip(params, bufs):
            buf.mul_(momentum).add_(p.grad)
            p.sub_(lr * buf)
    return loss


def hand_data(dtype, seed):
    rng = np.random.default_rng(seed)
    return (tg.tensor(rng.standard_normal((8, 6)), dtype=dtype),
            tg.tensor(rng.standard_normal((8, 3)), dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_hand_written_step_matches_eager_and_torch(dtype):
    tol = tolerance(dtype)
    eager_p, comp_p = hand_params(dtype), hand_params(dtype)
    eager_b = [tg.zeros_like(p) for p in eager_p]
    comp_b = [tg.zeros_like(p) for p in comp_p]
    tdtype = torch.float64 if dtype is tg.float64 else torch.float32
    torch_p = [torch.tensor(as_np(p), requires_grad=True) for p in eager_p]
    torch_b = [torch.zeros_like(p) for p in torch_p]
    step = tg.compile(hand_step)
    for i in range(STEPS):
        x, y = hand_data(dtype, i)
        eager_loss = hand_step(eager_p, eager_b, x, y)
        comp_loss = step(comp_p, comp_b, x, y)
        # torch, the same program text
        tx, ty = (torch.tensor(as_np(t), dtype=tdtype) for t in (x, y))
        for p in torch_p:
            p.grad = None
        t_loss = ((((tx @ torch_p[0] + torch_p[1]).relu() @ torch_p[2] + torch_p[3]) - ty) ** 2
                  ).mean()
        t_loss.backward()
        with torch.no_grad():
            for p, buf in zip(torch_p, torch_b):
                buf.mul_(0.9).add_(p.grad)
                p.sub_(0.1 * buf)

        assert_close(comp_loss, eager_loss, tol, f"loss, step {i}")
        assert_close(comp_loss, t_loss, tol, f"loss vs torch, step {i}")
        for k, (a, b, t) in enumerate(zip(eager_p, comp_p, torch_p)):
            assert_same_tensor_state(b, a, tol, f"param {k}, step {i}")
            assert_close(b, t, tol, f"param {k} vs torch, step {i}")
            assert_close(b.grad, t.grad, tol, f"grad {k} vs torch, step {i}")
            assert b._version == t._version and b.grad._version == t.grad._version
        for k, (a, b, t) in enumerate(zip(eager_b, comp_b, torch_b)):
            assert_same_tensor_state(b, a, tol, f"momentum buffer {k}, step {i}")
            assert b._version == t._version
    # Two programs: step 1 starts with every .grad None, later steps with the previous grads.
    assert step.compiles == 2 and step.eager_calls == 0
    assert step.fast_calls == STEPS - 2  # the later steps took the guarded fast path


def test_state_reached_through_closure_and_globals():
    params = hand_params(tg.float64)
    bufs = [tg.zeros_like(p) for p in params]
    # Fresh leaves with the same values (deepcopy would start them at version 1, as torch's).
    twin_p, twin_b = ([tg.tensor(t.jax(), requires_grad=t.requires_grad) for t in ts]
                      for ts in (params, bufs))
    global _GLOBAL_SCALE
    _GLOBAL_SCALE = tg.tensor(2.0, dtype=tg.float64)

    def closure_step(x, y):
        loss = hand_step(params, bufs, x * _GLOBAL_SCALE, y)  # params via closure
        _GLOBAL_SCALE.mul_(1.5)  # in-place write to a global tensor
        return loss

    compiled = tg.compile(closure_step)
    scale = tg.tensor(2.0, dtype=tg.float64)
    for i in range(3):
        x, y = hand_data(tg.float64, i)
        got = compiled(x, y)
        want = hand_step(twin_p, twin_b, x * scale, y)
        scale.mul_(1.5)
        assert_close(got, want, 1e-12)
        for a, b in zip(params + bufs, twin_p + twin_b):
            assert_same_tensor_state(a, b, 1e-12, "closure state")
        assert_same_tensor_state(_GLOBAL_SCALE, scale, 1e-12, "global")
    assert compiled.compiles == 2  # first call: every .grad is None; then they exist


# ----------------------------------------------------------------------------- nn + optim
def _sgd(params, **kw):
    return tg.optim.SGD(params, lr=0.1, momentum=0.9, **kw)


def _torch_sgd(params, **kw):
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, **kw)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("kw", [{}, {"nesterov": True, "weight_decay": 0.01}],
                         ids=["momentum", "nesterov-wd"])
def test_nn_optim_step_matches_eager_and_torch(dtype, kw):
    tol = tolerance(dtype)
    eager_m, comp_m = mlp(dtype), mlp(dtype)  # the same weights and versions
    torch_m = torch_twin(eager_m)
    torch_v0 = [t._version for t in torch_m.parameters()]
    comp_v0 = [p._version for p in comp_m.parameters()]
    eager_o, comp_o = _sgd(eager_m.parameters(), **kw), _sgd(comp_m.parameters(), **kw)
    torch_o = _torch_sgd(torch_m.parameters(), **kw)
    step = tg.compile(train_step)
    for i in range(STEPS):
        x, y = data(dtype, seed=i)
        want = train_step(eager_m, eager_o, x, y)
        got = step(comp_m, comp_o, x, y)
        t_loss = torch_train_step(torch_m, torch_o, *torch_data(x, y))
        assert_close(got, want, tol, f"loss, step {i}")
        assert_close(got, t_loss, tol, f"loss vs torch, step {i}")
        for (name, a), b, t, bv0, tv0 in zip(eager_m.named_parameters(), comp_m.parameters(),
                                             torch_m.parameters(), comp_v0, torch_v0):
            assert_same_tensor_state(b, a, tol, f"{name}, step {i}")
            assert_close(b, t, tol, f"{name} vs torch, step {i}")
            assert b._version - bv0 == t._version - tv0  # in-place updates since creation
            buf_c = comp_o.state[b]["momentum_buffer"]
            assert_same_tensor_state(buf_c, eager_o.state[a]["momentum_buffer"], tol,
                                     f"{name} momentum, step {i}")
            assert_close(buf_c, torch_o.state[t]["momentum_buffer"], tol)
    # Step 1 creates the optimizer state (a Python-level change): it runs eagerly; the
    # following steps replay one compiled program.
    assert step.eager_calls == 1 and step.compiles == 1
    assert step.fast_calls == STEPS - 2


def test_returned_loss_graph_is_consumed_like_eager():
    model = mlp(tg.float32)
    opt = _sgd(model.parameters())
    step = tg.compile(train_step)
    for i in range(3):
        loss = step(model, opt, *data(tg.float32, seed=i))
    assert loss.requires_grad and not loss.is_leaf and loss.grad_fn is not None
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        loss.backward()


def test_grad_transitions_and_accumulation():
    """.grad None -> tensor, accumulation across calls (no zeroing), in-place zeroing, and
    tensor -> None, each as eager does, with the same .grad objects' versions."""
    def accumulate(model, x):
        (model(x) ** 2).sum().backward()

    def zero_in_place(model):
        for p in model.parameters():
            p.grad.zero_()

    def clear(model):
        for p in model.parameters():
            p.grad = None

    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    acc, zero, none = (tg.compile(f) for f in (accumulate, zero_in_place, clear))
    x, _ = data(tg.float64)
    schedule = [("acc", 0), ("acc", 1), ("acc", 2), ("zero", 0), ("acc", 3), ("none", 0),
                ("acc", 4)]
    for what, seed in schedule:
        x, _ = data(tg.float64, seed=seed)
        if what == "acc":
            accumulate(eager_m, x), acc(comp_m, x)
        elif what == "zero":
            zero_in_place(eager_m), zero(comp_m)
        else:
            clear(eager_m), none(comp_m)
        for (name, a), b in zip(eager_m.named_parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"{name} after {what}")
    # A grad that is the same object before and after an in-place zero stays that object.
    grads = [p.grad for p in comp_m.parameters()]
    zero(comp_m)
    assert all(p.grad is g for p, g in zip(comp_m.parameters(), grads))


def test_batchnorm_running_stats_and_train_eval():
    def make():
        tg.manual_seed(0)
        return tg.nn.Sequential(tg.nn.Linear(6, 8), tg.nn.BatchNorm1d(8), tg.nn.ReLU(),
                                tg.nn.Linear(8, 4))

    eager_m, comp_m = make(), make()
    torch_m = torch_twin(eager_m)
    eager_o, comp_o = _sgd(eager_m.parameters()), _sgd(comp_m.parameters())
    torch_o = _torch_sgd(torch_m.parameters())
    step = tg.compile(train_step)
    for i in range(3):
        x, y = data(tg.float32, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-6)
        torch_train_step(torch_m, torch_o, *torch_data(x, y))
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            a, b = getattr(eager_m[1], name), getattr(comp_m[1], name)
            assert_same_tensor_state(b, a, 1e-6, name)
            assert_close(b, getattr(torch_m[1], name), 1e-6, name + " vs torch")
    # eval mode: the `training` flags are part of the key, so this recompiles.
    forward = tg.compile(lambda m, x: m(x))
    eager_m.eval(), comp_m.eval()
    x, _ = data(tg.float32, seed=9)
    with tg.no_grad():
        assert_close(forward(comp_m, x), eager_m(x), 1e-6)
        comp_m.train(), eager_m.train()
        assert_close(forward(comp_m, x), eager_m(x), 1e-6)
    assert forward.compiles == 2
    assert_same_tensor_state(comp_m[1].running_mean, eager_m[1].running_mean, 1e-6, "rm")


def test_dropout_uses_and_advances_the_generator_as_eager():
    def make():
        tg.manual_seed(0)
        return tg.nn.Sequential(tg.nn.Linear(6, 16), tg.nn.Dropout(0.5), tg.nn.Linear(16, 4))

    eager_m, comp_m = make(), make()
    eager_o, comp_o = _sgd(eager_m.parameters()), _sgd(comp_m.parameters())
    step = tg.compile(train_step)
    for i in range(3):
        x, y = data(tg.float32, seed=i)
        tg.manual_seed(100 + i)
        want = train_step(eager_m, eager_o, x, y)
        after_eager = np.asarray(tg.get_rng_state().jax())
        tg.manual_seed(100 + i)
        got = step(comp_m, comp_o, x, y)
        np.testing.assert_array_equal(np.asarray(tg.get_rng_state().jax()), after_eager)
        assert_close(got, want, 1e-6, f"loss, step {i}")
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-6, f"step {i}")
    assert step.compiles == 1


ADAPTIVE = {
    "Adam": lambda ps: tg.optim.Adam(ps, lr=0.01),
    "AdamW-amsgrad": lambda ps: tg.optim.AdamW(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
    "Adagrad": lambda ps: tg.optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("opt_name", list(ADAPTIVE))
def test_adaptive_optimizer_step_matches_eager(opt_name, dtype):
    """Adam/Adagrad read the step count on the host eagerly (torch's `_get_value`); compiled,
    the bias correction runs on the traced step: one program for every step, eager's values."""
    tol = tolerance(dtype)
    make = ADAPTIVE[opt_name]
    eager_m, comp_m = mlp(dtype), mlp(dtype)
    eager_o, comp_o = make(eager_m.parameters()), make(comp_m.parameters())
    step = tg.compile(train_step)
    for i in range(STEPS + 2):
        x, y = data(dtype, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), tol,
                     f"loss, step {i}")
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, tol, f"param, step {i}")
            assert set(comp_o.state[b]) == set(eager_o.state[a])
            for k, v in eager_o.state[a].items():
                assert_same_tensor_state(comp_o.state[b][k], v, tol, f"{k}, step {i}")
        if i == 1:
            warm = step.compiles
    # Adam creates its state on the first step (a Python change: that call runs eagerly);
    # Adagrad's exists from __init__, so its first call compiles with .grad None and the
    # second with .grad set. After that, one program serves every step count.
    assert step.compiles == warm <= 2
    assert step.eager_calls <= 1


def test_adam_compiled_matches_torch():
    dtype = tg.float64
    tg_m = mlp(dtype)
    t_m = torch_twin(tg_m)
    tg_o = tg.optim.Adam(tg_m.parameters(), lr=0.01)
    t_o = torch.optim.Adam(t_m.parameters(), lr=0.01)
    step = tg.compile(train_step)
    # torch_twin's copy_ bumped torch's versions once: compare versions from here on.
    v0 = [(p._version, q._version) for p, q in zip(tg_m.parameters(), t_m.parameters())]
    for i in range(STEPS + 2):
        x, y = data(dtype, seed=i)
        loss = step(tg_m, tg_o, x, y)
        t_loss = torch_train_step(t_m, t_o, *torch_data(x, y))
        np.testing.assert_allclose(as_np(loss), t_loss.detach().numpy(), rtol=1e-12)
        for (p, q), (pv, qv) in zip(zip(tg_m.parameters(), t_m.parameters()), v0):
            np.testing.assert_allclose(as_np(p), q.detach().numpy(), rtol=1e-12, atol=1e-14)
            np.testing.assert_array_equal(as_np(tg_o.state[p]["step"]),
                                          t_o.state[q]["step"].numpy())
            assert p._version - pv == q._version - qv


# ----------------------------------------------------------------------------- Python state
class Counter:
    def __init__(self):
        self.calls = 0
        self.history = []


def test_python_counter_falls_back_to_eager_then_stays_eager(caplog):
    """A Python int mutated on every call cannot be replayed: each call runs eagerly (with
    eager's results), and after three such calls tg.compile warns and stops trying."""
    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    counter = Counter()

    def step(x):
        counter.calls += 1
        loss = (w * x).sum() * counter.calls
        loss.backward()
        return loss

    compiled = tg.compile(step)
    x = tg.tensor([1.0, 1.0], dtype=tg.float64)
    with caplog.at_level(logging.DEBUG, logger="tapegrad.compile"):
        for i in range(2):
            assert compiled(x).item() == 3.0 * (i + 1)
        with pytest.warns(UserWarning, match="changed Python-level state"):
            compiled(x)
        compiled(x)
    assert counter.calls == 4 and compiled.eager_calls == 4 and compiled.compiles == 0
    np.testing.assert_allclose(as_np(w.grad), [10.0, 10.0])
    assert "runs eagerly for this input: entry 'calls' of a dict or object changed (1 -> 2)" \
        in caplog.text


def test_python_list_append_runs_eagerly_and_is_applied():
    log = []
    w = tg.tensor([1.0, 2.0])

    @tg.compile
    def record(x):
        log.append("called")
        return w * x

    out = record(tg.tensor([3.0, 3.0]))
    assert log == ["called"]
    np.testing.assert_allclose(as_np(out), [3.0, 6.0])
    assert record.eager_calls == 1


def test_returned_values_structure_identity_and_aliasing():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    buf = tg.zeros(2)

    @tg.compile
    def f(x, scale):
        with tg.no_grad():
            buf.add_(x)
        return {"w": w, "view": buf.detach(), "pair": (x * scale, 7), "none": None}

    for i in range(2):
        version = buf._version
        out = f(tg.tensor([1.0, 1.0]), 3.0)
        assert out["w"] is w  # an external tensor comes back as itself
        assert out["pair"][1] == 7 and out["none"] is None
        np.testing.assert_allclose(as_np(out["pair"][0]), [3.0, 3.0])
        # detach() shares storage and version counter with `buf`, as eagerly
        np.testing.assert_allclose(as_np(out["view"]), [i + 1.0, i + 1.0])
        assert out["view"]._version == buf._version == version + 1
        buf.mul_(2)  # an eager write through buf is seen through the returned alias
        np.testing.assert_allclose(as_np(out["view"]), [2 * i + 2.0, 2 * i + 2.0])
        assert out["view"]._version == buf._version
        buf.div_(2)
    assert f.compiles == 1


def test_compiled_method_walks_self():
    class Trainer:
        def __init__(self):
            self.model = mlp(tg.float64)
            self.opt = _sgd(self.model.parameters())

        @tg.compile
        def step(self, x, y):
            return train_step(self.model, self.opt, x, y)

    a = Trainer()
    b = Trainer()
    for i in range(3):
        x, y = data(tg.float64, seed=i)
        assert_close(a.step(x, y), train_step(b.model, b.opt, x, y), 1e-12)
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert_same_tensor_state(p, q, 1e-12, "method")


def test_in_place_write_through_a_view_of_an_external_tensor():
    def f(w):
        with tg.no_grad():
            w[1:].mul_(2.0)
            w.t()[0].add_(1.0)
        return w.sum()

    eager_w = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=tg.float64)
    comp_w = tg.tensor(eager_w.jax())
    compiled = tg.compile(f)
    for _ in range(3):
        assert_close(compiled(comp_w), f(eager_w), 1e-12)
        assert_same_tensor_state(comp_w, eager_w, 1e-12, "w")


def test_compiled_step_runs_inside_jax_jit():
    """A compiled step inside an outer jax.jit (state in, state out) gives eager's values."""
    import jax

    w = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)

    @tg.compile
    def step(x):
        w.grad = None
        loss = (w * x).sum() ** 2
        loss.backward()
        with tg.no_grad():
            w.sub_(0.1 * w.grad)
        return loss.detach()

    def functional(w_array, x_array):
        w._storage.array = w_array
        loss = step(tg.from_jax(x_array))
        out = loss.jax(), w.jax(), w.grad.jax()
        w.grad = None  # nothing traced may stay behind in the tensor
        return out

    x = tg.tensor([1.0, 3.0], dtype=tg.float64).jax()
    w0 = w.jax()
    jitted = jax.jit(functional)(w0, x)
    eager = functional(w0, x)
    for a, b in zip(jitted, eager):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(eager[0]), 49.0)
