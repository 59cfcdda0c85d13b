"""torch.autograd's legacy names against torch: Variable, variable, set_multithreading_enabled."""

from __future__ import annotations

from tapegrad.testing import assert_parity


def test_variable_is_a_detached_alias_with_requires_grad() -> None:
    def program(T):
        from_x = T.ones(2)
        v = T.autograd.Variable(from_x, requires_grad=True)
        print(v is from_x, type(v).__name__, v.requires_grad, from_x.requires_grad, v.is_leaf)
        w = T.autograd.Variable(from_x)
        w.add_(1)
        print(from_x._version, v._version, w.requires_grad)
        y = T.ones(2, requires_grad=True) * 3
        print(T.autograd.Variable(y).grad_fn, T.autograd.Variable(y).requires_grad)
        print(isinstance(from_x, T.autograd.Variable), isinstance(3, T.autograd.Variable))
        print(T.autograd.Variable().shape, T.autograd.Variable().dtype)
        (v * 2).sum().backward()
        for bad in (lambda: T.autograd.Variable([1.0, 2.0]), lambda: T.autograd.variable(1.0),
                    lambda: T.autograd.Variable(T.ones(2, dtype=T.int64), requires_grad=True)):
            try:
                bad()
            except (TypeError, RuntimeError) as e:
                print(type(e).__name__, e)
        return v.grad, T.autograd.Variable(T.ones(2), volatile=True)
    assert_parity(program)


def test_set_multithreading_enabled_is_a_function_and_a_context_manager() -> None:
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.autograd.set_multithreading_enabled(False):
            (x * x).sum().backward()
        T.autograd.set_multithreading_enabled(True)

        @T.autograd.set_multithreading_enabled(False)
        def f(t):
            return (t ** 3).sum()

        f(x).backward()
        return x.grad
    assert_parity(program)
