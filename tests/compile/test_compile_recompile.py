"""Recompilation: a new program when shapes, dtypes, requires_grad flags, Python
hyperparameters or the grad mode change, with a debug log saying what changed; the old
program is reused when the old inputs come back."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from compile_db import as_np, assert_close, assert_same_tensor_state, data, mlp, train_step

import tapegrad as tg


def _sgd(model, lr=0.1):
    return tg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def test_recompiles_on_batch_size_change_and_reuses_programs(caplog):
    eager_m, comp_m = mlp(tg.float32), mlp(tg.float32)
    eager_o, comp_o = _sgd(eager_m), _sgd(comp_m)
    step = tg.compile(train_step)
    sizes = [12, 12, 12, 5, 5, 12, 5]
    with caplog.at_level(logging.DEBUG, logger="tapegrad.compile"):
        for i, n in enumerate(sizes):
            x, y = data(tg.float32, n=n, seed=i)
            assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-6)
    for a, b in zip(eager_m.parameters(), comp_m.parameters()):
        assert_same_tensor_state(b, a, 1e-6, "after shape changes")
    # step 1 eager (optimizer state is created), then one program per batch size.
    assert step.eager_calls == 1 and step.compiles == 2
    messages = [r.getMessage() for r in caplog.records if "compiling" in r.getMessage()]
    assert len(messages) == 3
    assert "shape (12, 6) dtype float32 -> shape (5, 6) dtype float32" in messages[2]


def test_recompiles_on_dtype_and_requires_grad_change():
    w = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)

    @tg.compile
    def f(x):
        out = (w * x).sum()
        out.backward()
        return out

    f(tg.tensor([1.0, 1.0, 1.0]))
    f(tg.tensor([1.0, 1.0, 1.0], dtype=tg.float64))  # float64 input (and w.grad exists now)
    f(tg.tensor([1.0, 1.0, 1.0], dtype=tg.float64))
    assert f.compiles == 2
    x = tg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    f(x)
    assert f.compiles == 3
    np.testing.assert_allclose(as_np(x.grad), as_np(w))
    np.testing.assert_allclose(as_np(w.grad), [5.0, 5.0, 5.0])


def test_python_hyperparameter_change_recompiles_with_the_new_value():
    # dampening is a constant of the program: a new value compiles a new program, which uses
    # it. A positive momentum or weight_decay is a program input (NOTE [Traced
    # hyperparameters]): 0.9 -> 0.5 reuses the program; zero (the optimizer's other branch)
    # is a constant of a program of its own, and coming back reuses the earlier program.
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    eager_o, comp_o = _sgd(eager_m), _sgd(comp_m)
    step = tg.compile(train_step)
    changes = {2: ("momentum", 0.5), 3: ("weight_decay", 0.01), 4: ("weight_decay", 0.02),
               5: ("dampening", 0.1), 6: ("momentum", 0.0), 8: ("momentum", 0.25)}
    compiles = [0, 1, 1, 2, 2, 3, 4, 4, 4, 4]
    for i in range(10):
        if i in changes:
            for o in (eager_o, comp_o):
                o.param_groups[0][changes[i][0]] = changes[i][1]
        x, y = data(tg.float64, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"step {i}")
        assert step.compiles == compiles[i], (i, step.compiles)
    assert step.eager_calls == 1
    assert type(comp_o.param_groups[0]["momentum"]) is float


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam"])
def test_a_scheduled_weight_decay_is_a_program_input_not_a_recompile(optimizer):
    make = getattr(tg.optim, optimizer)
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    kwargs = dict(lr=0.01, weight_decay=0.1)
    eager_o, comp_o = make(eager_m.parameters(), **kwargs), make(comp_m.parameters(), **kwargs)
    step = tg.compile(train_step)
    for i in range(6):
        for o in (eager_o, comp_o):
            o.param_groups[0]["weight_decay"] = 0.1 / (i + 1)
        x, y = data(tg.float64, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"step {i}")
        if i == 1:
            # (step 1 runs eagerly where it creates the optimizer's state, or compiles a
            # program for parameters without .grad yet: SGD without momentum, Adagrad)
            settled = step.compiles
    assert step.compiles == settled  # weight_decay changed at every step


@pytest.mark.parametrize("optimizer", ["SGD", "SGD-nesterov", "RMSprop", "Adam", "AdamW",
                                       "NAdam", "RAdam", "Adamax"])
@pytest.mark.parametrize("scheduler", ["OneCycleLR", "CyclicLR"])
def test_cycled_momentum_and_betas_are_program_inputs_not_recompiles(optimizer, scheduler):
    # CyclicLR/OneCycleLR with cycle_momentum set `momentum` (or `betas[0]`) every step: like
    # `lr`, a program input (NOTE [Traced hyperparameters]), so one program serves every step
    # and matches eager step for step.
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9), "RMSprop": dict(lr=0.01, momentum=0.9),
              "SGD-nesterov": dict(lr=0.1, momentum=0.9, nesterov=True),
              "Adam": dict(lr=0.01), "AdamW": dict(lr=0.01), "NAdam": dict(lr=0.01),
              "RAdam": dict(lr=0.01), "Adamax": dict(lr=0.01)}[optimizer]
    make = getattr(tg.optim, optimizer.split("-")[0])
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    eager_o, comp_o = make(eager_m.parameters(), **kwargs), make(comp_m.parameters(), **kwargs)
    sched = getattr(tg.optim.lr_scheduler, scheduler)
    extra = (dict(max_lr=0.05, total_steps=20) if scheduler == "OneCycleLR"
             else dict(base_lr=0.001, max_lr=0.05, step_size_up=3))
    scheds = [sched(o, **extra) for o in (eager_o, comp_o)]
    step = tg.compile(train_step)
    seen = set()
    for i in range(8):
        x, y = data(tg.float64, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"step {i}")
        group = comp_o.param_groups[0]
        seen.add(group["momentum"] if "momentum" in group else group["betas"])
        for s in scheds:
            s.step()
    hypers = [{k: v for k, v in o.param_groups[0].items() if k != "params"}
              for o in (comp_o, eager_o)]
    assert hypers[0] == hypers[1]  # Python floats again after each call
    assert len(seen) >= 5  # the scheduler changed it (CyclicLR comes back to values)
    assert step.eager_calls == 1 and step.compiles == 1


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_scheduled_learning_rate_is_a_program_input_not_a_recompile(optimizer):
    # NOTE [Traced hyperparameters]: an LR scheduler changing `lr` every step reuses one
    # program (which reads the current lr at each call) and matches eager step for step.
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9), "Adam": dict(lr=0.01),
              "AdamW": dict(lr=0.01, weight_decay=0.1), "RMSprop": dict(lr=0.01),
              "Adagrad": dict(lr=0.1)}[optimizer]
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    make = getattr(tg.optim, optimizer)
    eager_o, comp_o = make(eager_m.parameters(), **kwargs), make(comp_m.parameters(), **kwargs)
    scheds = [tg.optim.lr_scheduler.ExponentialLR(o, 0.8) for o in (eager_o, comp_o)]
    step = tg.compile(train_step)
    for i in range(8):
        x, y = data(tg.float64, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, f"step {i}")
        for s in scheds:
            s.step()
    assert comp_o.param_groups[0]["lr"] == eager_o.param_groups[0]["lr"]
    assert type(comp_o.param_groups[0]["lr"]) is float
    assert step.eager_calls == 1 and step.compiles == 1


def test_setting_the_learning_rate_inside_the_compiled_function_runs_eagerly():
    model = mlp(tg.float64)
    opt = _sgd(model)

    def step_and_decay(x, y):
        loss = train_step(model, opt, x, y)
        opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"] * 0.5
        return loss

    step = tg.compile(step_and_decay)
    for i in range(3):
        x, y = data(tg.float64, seed=i)
        step(x, y)
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5 ** 3
    assert type(opt.param_groups[0]["lr"]) is float


def test_grad_mode_is_part_of_the_key():
    model = mlp(tg.float32)
    forward = tg.compile(lambda x: model(x))
    x, _ = data(tg.float32)
    with tg.no_grad():
        a = forward(x)
    b = forward(x)
    assert not a.requires_grad and b.requires_grad
    assert forward.compiles == 2


def test_replaced_parameter_of_the_same_shape_is_updated_without_recompiling():
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    step = tg.compile(train_step)
    for i in range(4):
        if i == 2:
            for m in (eager_m, comp_m):
                old = m[0].weight
                m[0].weight = tg.nn.Parameter(tg.ones(10, 6, dtype=tg.float64))
                m[0].weight.grad = tg.zeros(10, 6, dtype=tg.float64)  # same layout as before
                old_value = as_np(old).copy()
        # optimizers are rebuilt so that they see the current parameters
        eager_o = tg.optim.SGD(eager_m.parameters(), lr=0.1)
        comp_o = tg.optim.SGD(comp_m.parameters(), lr=0.1)
        x, y = data(tg.float64, seed=i)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_close(b, a, 1e-12, f"step {i}")
    np.testing.assert_array_equal(as_np(old), old_value)  # the replaced one is left alone
    assert step.compiles == 2  # first call (grads None), then grads present


def test_disable_runs_eagerly():
    w = tg.tensor([1.0], requires_grad=True)
    f = tg.compile(lambda: (w * 2).sum(), disable=True)
    assert f().grad_fn is not None and type(f().grad_fn).__name__ == "SumBackward0"
    assert f.compiles == 0


@pytest.mark.parametrize("decorator", [tg.compile, tg.compile()], ids=["bare", "called"])
def test_decorator_forms(decorator):
    @decorator
    def double(x):
        return x * 2

    np.testing.assert_allclose(as_np(double(tg.tensor([1.5]))), [3.0])
    assert double.__name__ == "double" and double.compiles == 1


def test_batches_sliced_from_a_dataset_do_not_recompile():
    eager_m, comp_m = mlp(tg.float32), mlp(tg.float32)
    eager_o, comp_o = _sgd(eager_m), _sgd(comp_m)
    X, Y = data(tg.float32, n=40, seed=3)
    step = tg.compile(train_step)
    for i in range(0, 40, 8):
        x, y = X[i:i + 8], Y[i:i + 8]  # views of the dataset tensors
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-6)
    for a, b in zip(eager_m.parameters(), comp_m.parameters()):
        assert_same_tensor_state(b, a, 1e-6, "param")
    assert step.eager_calls == 1 and step.compiles == 1


def test_changes_made_between_calls_are_seen():
    """Edits outside the compiled step - in-place writes, `.data =`, a hook, eval() - are
    honoured on the next call (the cheap guard falls back to a full walk when needed)."""
    eager_m, comp_m = mlp(tg.float64), mlp(tg.float64)
    eager_o, comp_o = _sgd(eager_m), _sgd(comp_m)
    step = tg.compile(train_step)

    def both(edit, seed):
        edit(eager_m), edit(comp_m)
        x, y = data(tg.float64, seed=seed)
        assert_close(step(comp_m, comp_o, x, y), train_step(eager_m, eager_o, x, y), 1e-12)
        for a, b in zip(eager_m.parameters(), comp_m.parameters()):
            assert_same_tensor_state(b, a, 1e-12, "param")

    def scale(m):
        with tg.no_grad():
            m[0].bias.mul_(0.5)

    def replace_data(m):
        m[2].weight.data = tg.full((4, 10), 0.1, dtype=tg.float64)

    def hook(m):
        m[0].weight.register_hook(lambda g: g * 0)

    def evaluate(m):
        m.eval()

    for seed, edit in enumerate([lambda m: None] * 3 + [scale, replace_data, hook,
                                                        lambda m: None, evaluate]):
        both(edit, seed)
    np.testing.assert_allclose(as_np(comp_m[0].weight.grad), 0.0)
    assert step.fast_calls >= 2


class _Trainer:
    """The pattern of the README issue: the compiled step is an attribute of the object whose
    state it updates, so the walk reaches the compiled function itself."""

    def __init__(self, dtype):
        self.model = mlp(dtype)
        self.opt = _sgd(self.model)
        self.step = tg.compile(self._step)

    def _step(self, x, y):
        return train_step(self.model, self.opt, x, y)


def test_a_compiled_function_reachable_from_its_state_compiles_once():
    trainer = _Trainer(tg.float64)
    eager_m = mlp(tg.float64)
    eager_o = _sgd(eager_m)
    for i in range(6):
        x, y = data(tg.float64, seed=i)
        assert_close(trainer.step(x, y), train_step(eager_m, eager_o, x, y), 1e-12)
    for a, b in zip(eager_m.parameters(), trainer.model.parameters()):
        assert_same_tensor_state(b, a, 1e-12, "param")
    # step 1 eager (momentum buffers are created), step 2 compiles, the rest replay.
    assert trainer.step.compiles == 1 and trainer.step.eager_calls == 1
    assert trainer.step.fast_calls == 4


_global_model = mlp(tg.float64)
_global_opt = _sgd(_global_model)


def _global_step(x, y):
    # Names the compiled function's own global name (as a module-level `step = compile(step)`
    # whose body refers to `step`, e.g. to read its counters): the walk reaches it.
    assert global_step is not None
    return train_step(_global_model, _global_opt, x, y)


global_step = tg.compile(_global_step)


def test_module_level_compiled_step_naming_itself_compiles_once():
    for i in range(5):
        global_step(*data(tg.float64, seed=i))
    assert global_step.compiles == 1 and global_step.eager_calls == 1
    assert global_step.fast_calls == 3


def test_recompile_limit_warns_once_and_runs_eagerly(caplog):
    w = tg.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        loss = (w * x).sum()
        loss.backward()
        return loss

    step = tg.compile(f)
    eager_w = tg.tensor([1.0, -2.0], requires_grad=True)
    with caplog.at_level(logging.INFO, logger="tapegrad.compile"), \
            pytest.warns(UserWarning, match=r"hit the recompile limit \(8 programs\).*shape") \
            as record:
        for n in range(1, 13):  # a new batch size each call: a new program each time
            x = tg.ones(n, 2)
            out = step(x)
            expected = (eager_w * x).sum()
            expected.backward()
            assert_close(out, expected, 1e-6)
    assert len([r for r in record if "recompile limit" in str(r.message)]) == 1
    assert step.compiles == 8 and step.eager_calls == 4
    assert_close(w.grad, eager_w.grad, 1e-6)
    infos = [r for r in caplog.records if r.levelno == logging.INFO and "compiling" in r.message]
    assert len(infos) == 8 and "first call" in infos[0].message
    assert "shape (1, 2) dtype float32 -> shape (2, 2) dtype float32" in infos[1].message
    small = tg.compile(f, cache_size_limit=2)
    with pytest.warns(UserWarning, match=r"recompile limit \(2 programs\)"):
        for n in range(1, 4):
            small(tg.ones(n, 2))
    assert small.compiles == 2
