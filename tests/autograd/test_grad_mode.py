"""Grad modes (`no_grad`, `enable_grad`, `set_grad_enabled`, `is_grad_enabled`) as context
managers and decorators, nesting and thread-locality, each compared with live torch."""

from __future__ import annotations

import threading

import pytest

from tapegrad.testing import assert_parity


@pytest.fixture(autouse=True)
def _grad_mode_is_restored():
    # A program that leaves grad mode off would leak into later tests; fail loudly instead.
    import torch

    import tapegrad

    yield
    assert torch.is_grad_enabled() and tapegrad.is_grad_enabled()


def _describe(t):
    return (t.requires_grad, t.is_leaf, t.grad_fn is None)


# ----------------------------------------------------------------- context managers
def test_ops_under_no_grad_do_not_record():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            y = x * 2.0
            z = (y * x).exp()
            print(T.is_grad_enabled(), _describe(y), _describe(z))
        print(T.is_grad_enabled())
        return x, y, z

    assert_parity(program)


def test_no_grad_enter_returns_none_and_exit_restores_after_exception():
    def program(T):
        with T.no_grad() as value:
            print(value)
        try:
            with T.no_grad():
                raise ValueError("inside")
        except ValueError:
            pass
        print(T.is_grad_enabled())

    assert_parity(program)


def test_enable_grad_inside_no_grad_records():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            with T.enable_grad():
                y = x * x
                print(T.is_grad_enabled())
            z = y * 2.0
            print(T.is_grad_enabled())
        y.sum().backward()
        return x, y, z

    assert_parity(program)


def test_nested_modes_restore_the_enclosing_mode():
    def program(T):
        log = [T.is_grad_enabled()]
        with T.no_grad():
            log.append(T.is_grad_enabled())
            with T.no_grad():
                log.append(T.is_grad_enabled())
            log.append(T.is_grad_enabled())
            with T.set_grad_enabled(True):
                log.append(T.is_grad_enabled())
                with T.set_grad_enabled(False):
                    log.append(T.is_grad_enabled())
                log.append(T.is_grad_enabled())
            log.append(T.is_grad_enabled())
        log.append(T.is_grad_enabled())
        print(log)

    assert_parity(program)


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_context_manager(mode):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.set_grad_enabled(mode):
            y = x * 3.0
            print(T.is_grad_enabled())
        print(T.is_grad_enabled())
        return y

    assert_parity(program)


def test_set_grad_enabled_as_a_call_takes_effect_at_once():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        try:
            T.set_grad_enabled(False)
            y = x * 3.0
            print(T.is_grad_enabled())
        finally:
            T.set_grad_enabled(True)
        z = x * 3.0
        print(T.is_grad_enabled())
        return y, z

    assert_parity(program)


def test_factories_and_requires_grad_under_no_grad():
    def program(T):
        with T.no_grad():
            a = T.tensor([1.0, 2.0], requires_grad=True)
            b = T.zeros(2, requires_grad=True)
            c = T.ones(2).requires_grad_()
            d = a * b
        return a, b, c, d

    assert_parity(program)


def test_inplace_under_no_grad_bumps_version_without_recording():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2.0
        with T.no_grad():
            y.mul_(3.0)
            x.add_(1.0)
        print(y.grad_fn.name(), y._version, x._version)
        return x, y

    assert_parity(program)


def test_backward_under_no_grad_still_computes_grads():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with T.no_grad():
            y.backward()
            print(T.is_grad_enabled())
        return x

    assert_parity(program)


def test_autograd_namespace_exports_the_same_modes():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.autograd.no_grad():
            with T.autograd.enable_grad():
                y = x * 2.0
            z = x * 2.0
        with T.autograd.set_grad_enabled(False):
            w = x * 2.0
        return y, z, w

    assert_parity(program)


# ----------------------------------------------------------------- decorators
def test_no_grad_decorator_with_and_without_parentheses():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)

        @T.no_grad()
        def called(t):
            """Doubles."""
            return t * 2.0, T.is_grad_enabled()

        @T.no_grad
        def bare(t):
            return t * 2.0, T.is_grad_enabled()

        print(called.__name__, called.__doc__, bare.__name__)
        return called(x), bare(x), T.is_grad_enabled()

    assert_parity(program)


def test_enable_grad_decorator_inside_no_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)

        @T.enable_grad()
        def f(t):
            return t * 2.0

        @T.enable_grad
        def g(t):
            return t * 3.0

        with T.no_grad():
            y = f(x)
            z = g(x)
            print(T.is_grad_enabled())
        return y, z

    assert_parity(program)


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_decorator_applies_only_inside_the_function(mode):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.set_grad_enabled(not mode):
            @T.set_grad_enabled(mode)
            def f(t):
                return t * 2.0, T.is_grad_enabled()

            print(T.is_grad_enabled())
            result = f(x)
            print(T.is_grad_enabled())
        return result

    assert_parity(program)


def test_decorator_restores_mode_when_function_raises():
    def program(T):
        @T.no_grad()
        def fail():
            raise KeyError("x")

        try:
            fail()
        except KeyError:
            pass
        print(T.is_grad_enabled())

    assert_parity(program)


def test_no_grad_decorator_on_generator_function():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)

        @T.no_grad()
        def gen():
            for i in range(2):
                received = yield x * float(i + 1), T.is_grad_enabled()
                print("received", received, T.is_grad_enabled())

        g = gen()
        first = next(g)
        print("between", T.is_grad_enabled())
        second = g.send("hello")
        print("between", T.is_grad_enabled())
        try:
            g.send(None)
        except StopIteration:
            print("stopped", T.is_grad_enabled())
        return first, second

    assert_parity(program)


def test_enable_grad_decorator_on_generator_inside_no_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)

        @T.enable_grad()
        def gen():
            yield x * 2.0
            yield x * 3.0

        with T.no_grad():
            results = list(gen())
            print(T.is_grad_enabled())
        return results

    assert_parity(program)


def test_generator_decorated_with_no_grad_sees_thrown_exception_in_mode():
    def program(T):
        @T.no_grad()
        def gen():
            try:
                yield 1
            except ValueError:
                print("caught", T.is_grad_enabled())
                yield 2

        g = gen()
        next(g)
        print(g.throw(ValueError("boom")), T.is_grad_enabled())
        g.close()
        print(T.is_grad_enabled())

    assert_parity(program)


def test_decorated_method_keeps_binding():
    def program(T):
        class Model:
            scale = 4.0

            @T.no_grad()
            def forward(self, t):
                return t * self.scale

        x = T.tensor([1.0, 2.0], requires_grad=True)
        return Model().forward(x)

    assert_parity(program)


# ----------------------------------------------------------------- threads
def test_grad_mode_is_thread_local():
    def program(T):
        seen = {}

        def worker(name):
            seen[name] = T.is_grad_enabled()
            with T.no_grad():
                seen[name + " inside"] = T.is_grad_enabled()

        with T.no_grad():
            t = threading.Thread(target=worker, args=("thread",))
            t.start()
            t.join()
            seen["main in no_grad"] = T.is_grad_enabled()
        seen["main after"] = T.is_grad_enabled()
        print(sorted(seen.items()))

    assert_parity(program)


def test_a_thread_in_no_grad_does_not_disable_grad_in_main_thread():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        entered = threading.Event()
        release = threading.Event()

        def worker():
            with T.no_grad():
                entered.set()
                release.wait(10)

        t = threading.Thread(target=worker)
        t.start()
        entered.wait(10)
        y = x * 2.0  # recorded: the other thread's no_grad is not ours
        release.set()
        t.join()
        return y

    assert_parity(program)


def test_set_grad_enabled_call_in_thread_does_not_leak():
    def program(T):
        def worker():
            T.set_grad_enabled(False)

        t = threading.Thread(target=worker)
        t.start()
        t.join()
        print(T.is_grad_enabled())

    assert_parity(program)
