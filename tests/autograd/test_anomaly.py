"""Anomaly mode: the enable warning, the failing node's name and forward traceback, NaN checks
and the parent chain of double-backward nodes, compared with live torch (warnings are compared
by class and first line; the traceback's last frame is compared by printing it)."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity


@pytest.fixture(autouse=True)
def _anomaly_off_after_each_test():
    import torch

    import tapegrad

    yield
    torch.autograd.set_detect_anomaly(False)
    tapegrad.autograd.set_detect_anomaly(False)


def assert_raises_like_torch(program):
    got = assert_parity(program)
    assert got.error is not None, "expected the program to raise under both modules"
    return got


def _last_frames(T, fn):
    """Run fn() catching warnings; print each anomaly warning's first line and the last
    source line of its traceback (the user's forward line), then re-raise."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        finally:
            for w in caught:
                lines = [line for line in str(w.message).split("\n") if line.strip()]
                lines = [line for line in lines if "Triggered internally" not in line]
                print(lines[0][:60], "|", lines[-1].strip() if len(lines) > 1 else "")


def test_detect_anomaly_warns_on_construction_and_restores_state():
    def program(T):
        print(T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())
        with T.autograd.detect_anomaly(check_nan=False):
            print(T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())
        print(T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())

    assert_parity(program)


def test_set_detect_anomaly_as_function_and_context_manager():
    def program(T):
        T.autograd.set_detect_anomaly(True, check_nan=False)
        print(T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())
        T.autograd.set_detect_anomaly(False)
        with T.autograd.set_detect_anomaly(True):
            print(T.is_anomaly_enabled())
        print(T.is_anomaly_enabled(), T.is_anomaly_check_nan_enabled())

    assert_parity(program)


def test_detect_anomaly_is_not_a_decorator_in_torch():
    def program(T):
        @T.autograd.detect_anomaly()
        def f():
            return 1

    assert_raises_like_torch(program)


def test_version_error_names_the_node_and_shows_its_forward_line():
    def program(T):
        def run():
            with T.autograd.detect_anomaly():
                x = T.tensor([1.0, 2.0], requires_grad=True)
                y = x * 2
                z = y * y
                y.add_(1)
                z.sum().backward()

        _last_frames(T, run)

    assert_raises_like_torch(program)


def test_nan_gradient_raises_and_names_the_node():
    def program(T):
        def run():
            with T.autograd.detect_anomaly():
                x = T.tensor([-1.0, 2.0], requires_grad=True)
                y = x.sqrt()
                y.sum().backward()

        _last_frames(T, run)

    assert_raises_like_torch(program)


def test_nan_from_zero_times_inf_in_backward():
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([0.0, 2.0], requires_grad=True)
            (x.sqrt() * 0).sum().backward()

    assert_raises_like_torch(program)


def test_check_nan_false_lets_nan_gradients_through():
    def program(T):
        with T.autograd.detect_anomaly(check_nan=False):
            x = T.tensor([-1.0, 2.0], requires_grad=True)
            x.sqrt().sum().backward()
        return x

    assert_parity(program)


def test_nan_root_gradient_is_reported_at_the_first_node():
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([1.0, 2.0], requires_grad=True)
            y = x * 2
            y.backward(T.tensor([float("nan"), 1.0]))

    assert_raises_like_torch(program)


def test_nan_returned_by_a_leaf_hook_is_not_checked():
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([1.0, 2.0], requires_grad=True)
            x.register_hook(lambda grad: grad * float("nan"))
            (x * 2).sum().backward()
        return x

    assert_parity(program)


def test_node_created_before_enabling_has_no_forward_information():
    def program(T):
        x = T.tensor([-1.0, 2.0], requires_grad=True)
        y = x.sqrt()
        with T.autograd.detect_anomaly():
            y.sum().backward()

    assert_raises_like_torch(program)


def test_hook_error_keeps_its_class_and_names_the_node():
    def program(T):
        def run():
            with T.autograd.detect_anomaly():
                x = T.tensor([1.0, 2.0], requires_grad=True)
                y = x * 2
                y.register_hook(lambda grad: 1 / 0)
                y.sum().backward()

        _last_frames(T, run)

    assert_raises_like_torch(program)


def test_double_backward_failure_reports_the_parent_node():
    # The failing node was made during a backward: its traceback ends inside the library
    # (torch's engine call vs tapegrad's `autograd.grad` caller line), so only the warnings'
    # first lines are compared, which name the node and then its parent.
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([0.0, 2.0], requires_grad=True)
            y = x.pow(3)
            (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
            g.sqrt().sum().backward()

    got = assert_raises_like_torch(program)
    assert [w[1][:35] for w in got.warnings[1:]] == [
        "Error detected in PowBackward0. Tra", "Previous calculation was induced by"]


def test_backward_twice_under_anomaly_mode():
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([1.0, 2.0], requires_grad=True)
            y = x * x
            y.sum().backward()
            y.sum().backward()

    assert_raises_like_torch(program)


def test_custom_function_errors_and_nans_are_reported_with_its_node_name():
    def program(T):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * float("nan")

        with T.autograd.detect_anomaly():
            x = T.tensor([1.0, 2.0], requires_grad=True)
            Bad.apply(x).sum().backward()

    assert_raises_like_torch(program)


def test_anomaly_mode_does_not_change_results():
    def program(T):
        with T.autograd.detect_anomaly():
            x = T.tensor([1.0, 2.0], requires_grad=True)
            y = (x.exp() * x).sum()
            (g,) = T.autograd.grad(y, x, create_graph=True)
            g.sum().backward()
        return x, g

    assert_parity(program)
