"""The order a node saves and unpacks its values: torch's generated nodes save the inputs
sorted by name, then the outputs sorted by name, and unpack (checking versions) in that
order. Observable through saved-tensor hooks and through which tensor a version error
names (found by the fuzzer, seed 605: `maximum` named `self` where torch names `other`)."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity

FORMS = {
    "maximum": lambda T, a, b, c: T.maximum(a, b),
    "minimum": lambda T, a, b, c: T.minimum(a, b),
    "mul": lambda T, a, b, c: a * b,
    "div": lambda T, a, b, c: a / b,
    "pow": lambda T, a, b, c: a ** b,
    "atan2": lambda T, a, b, c: T.atan2(a, c),
    "hypot": lambda T, a, b, c: T.hypot(a, b),
    "fmod": lambda T, a, b, c: T.fmod(a, b),
    "xlogy": lambda T, a, b, c: T.xlogy(a, b),
    "copysign": lambda T, a, b, c: T.copysign(a, b),
    "addcmul": lambda T, a, b, c: T.addcmul(a, b, c),
    "addcdiv": lambda T, a, b, c: T.addcdiv(a, b, c),
    "lerp": lambda T, a, b, c: T.lerp(a, b, c),
    "where": lambda T, a, b, c: T.where(c > 1, a, b),
    "tanh": lambda T, a, b, c: a.tanh() * b,
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_save_and_unpack_order_and_version_error(name):
    form = FORMS[name]

    def program(T):
        log = []
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0], requires_grad=True)
        z = T.tensor([[0.5], [1.5]], requires_grad=True)
        with T.autograd.graph.saved_tensors_hooks(
                lambda t: log.append(("pack", tuple(t.shape))) or t,
                lambda t: log.append(("unpack", tuple(t.shape))) or t):
            form(T, x * 1, y * 1, z * 1).sum().backward()
        a, b, c = x * 1, y * 1, z * 1
        out = form(T, a, b, c)
        with T.no_grad():
            a.add_(1)
            b.add_(1)
            c.add_(1)
        try:
            out.sum().backward()
        except RuntimeError as e:
            print(e)
        return [x, y, z], log
    assert_parity(program)
