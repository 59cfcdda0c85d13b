"""A compiled function that needs a concrete value while tracing gets a clear error naming
the user's line, what is not allowed, why, and what to write instead (SPEC §6)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tapegrad as tg

W = tg.tensor([1.0, -2.0], requires_grad=True)


def uses_item(x):
    loss = (W * x).sum()
    return loss * loss.item()


def uses_if(x):
    loss = (W * x).sum()
    if loss > 0:
        loss = loss * 2
    return loss


def uses_bool(x):
    return bool((W * x).sum() > 0)


def uses_tolist(x):
    return (W * x).detach().tolist()


def uses_numpy(x):
    return (W * x).detach().numpy()


def uses_float(x):
    return float((W * x).sum())


def uses_int(x):
    return x[: int(x.sum())]


CASES = [  # (function, text of the offending line, what the message calls it, the way out)
    (uses_item, "return loss * loss.item()", "`tensor.item()`", "print(loss.item())"),
    (uses_if, "if loss > 0:", "Python `if`", "tg.where("),
    (uses_bool, "return bool((W * x).sum() > 0)", "`bool(tensor)`", "tg.where("),
    (uses_tolist, "return (W * x).detach().tolist()", "`tensor.tolist()`", "out.max()"),
    (uses_numpy, "return (W * x).detach().numpy()", "`tensor.numpy()`", "out.mean()"),
    (uses_float, "return float((W * x).sum())", "`float(tensor)`", "keep it a tensor"),
    (uses_int, "return x[: int(x.sum())]", "`int(tensor)`", "uncompiled"),
]


def _line_of(fn, text: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, text, what, instead", CASES, ids=[c[0].__name__ for c in CASES])
def test_concrete_value_error_names_the_line(fn, text, what, instead):
    compiled = tg.compile(fn)
    x = tg.tensor([3.0, 1.0])
    with pytest.raises(tg.ConcreteValueError) as info:
        compiled(x)
    err = info.value
    message = str(err)
    assert isinstance(err, RuntimeError)
    assert message.startswith("tg.compile: ") and what in message
    assert f'File "{__file__}", line {_line_of(fn, text)}, in {fn.__name__}' in message
    assert text in message
    assert "Not allowed inside tg.compile" in message and "Why:" in message
    assert "Write instead:" in message and instead in message
    assert err.__cause__ is None and err.jax_error is not None
    # Nothing traced leaked into the tensors the function saw: they work eagerly.
    np.testing.assert_allclose(np.asarray(W.detach().numpy()), [1.0, -2.0])
    assert W.grad is None and W._version == 0
    # The same call still fails the same way (nothing was cached).
    with pytest.raises(tg.ConcreteValueError):
        compiled(x)
    assert compiled.compiles == 0


def test_value_read_inside_a_library_routine_is_attributed():
    # clip_grad_norm_(error_if_nonfinite=True) checks the norm on the host, as torch does.
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.1, momentum=0.9)

    def step(x):
        opt.zero_grad()
        (w * x).sum().backward()
        tg.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
        opt.step()

    with pytest.raises(tg.ConcreteValueError) as info:
        tg.compile(step)(tg.tensor([1.0, 1.0]))
    message = str(info.value)
    line = _line_of(step, "tg.nn.utils.clip_grad_norm_")
    assert f'File "{__file__}", line {line}, in step' in message
    assert "clip_grad.py" in message and "float(total_norm)" in message
    assert "tapegrad itself" in message
    assert w.grad is None and opt.state == {}  # restored: nothing half-applied
