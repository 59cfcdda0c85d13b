"""Misuse torch rejects (or warns about) and tapegrad used to accept silently or fail on with
an internal error (issue "Never silently wrong"): each program runs under torch and tapegrad
and every observable, the exception class and message included, must agree."""

from __future__ import annotations

import copy
import pickle

import pytest

from tapegrad.testing import assert_parity


def _raises(program):
    got = assert_parity(program)
    assert got.error is not None, "expected both libraries to raise"
    return got


def test_inplace_result_must_keep_the_target_shape_and_leaves_it_unchanged():
    def program(T):
        p = T.nn.Parameter(T.zeros(3))
        try:
            with T.no_grad():
                p.add_(T.ones(4, 3))
        except RuntimeError as e:
            print("raised:", e)
        return p, p._version

    assert_parity(program)


@pytest.mark.parametrize("hook", ["size", "dtype"])
def test_tensor_hook_may_not_change_size_or_dtype(hook):
    def program(T):
        x = T.ones(2, requires_grad=True)
        if hook == "size":
            x.register_hook(lambda g: T.ones(3))
        else:
            x.register_hook(lambda g: g.double())
        (x * 2).sum().backward()

    got = _raises(program)
    assert "has changed the" in got.error[1]


def test_non_leaf_hook_may_not_change_size():
    def program(T):
        x = T.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g[:1])
        y.sum().backward()

    _raises(program)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_refuses_integer_input(bias):
    def program(T):
        layer = T.nn.Linear(2, 2, bias=bias)
        layer(T.ones(3, 2, dtype=T.int64))

    _raises(program)


def test_detach_inplace_of_a_view_is_refused():
    def program(T):
        x = T.ones(3, requires_grad=True) * 1
        v = x[1:]
        v.detach_()

    _raises(program)


@pytest.mark.parametrize("factory", ["randn", "rand", "zeros", "ones", "empty", "full", "eye",
                                     "arange_zero_step", "arange_bounds"])
def test_factories_refuse_bad_sizes(factory):
    def program(T):
        calls = {"randn": lambda: T.randn(-2), "rand": lambda: T.rand(2, -1),
                 "zeros": lambda: T.zeros(2, -3), "ones": lambda: T.ones(-1),
                 "empty": lambda: T.empty(-1), "full": lambda: T.full((2, -1), 1.0),
                 "eye": lambda: T.eye(-1), "arange_zero_step": lambda: T.arange(0, 10, 0),
                 "arange_bounds": lambda: T.arange(10, 0, 1)}
        calls[factory]()

    _raises(program)


def test_tensor_of_a_tensor_warns_as_torch():
    def program(T):
        x = T.ones(2, requires_grad=True)
        y = T.tensor(x)
        return y

    got = assert_parity(program)
    assert got.warnings and "copy construct" in got.warnings[0][1]


def test_boolean_mask_assignment_and_custom_function_relu():
    # The PyTorch tutorial's MyReLU writes through a boolean mask in its backward.
    def program(T):
        class MyReLU(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[x < 0] = 0
                return grad_input

        x = T.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
        y = MyReLU.apply(x)
        (y * T.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        z = x.detach().clone()
        z[z > 0] = T.tensor([10.0, 20.0])
        return y, x.grad, z

    assert_parity(program)


# ------------------------------------------------------------------ pickle and deepcopy
def test_pickle_round_trips_leaves_non_leaves_and_parameters():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()  # used in an op: its AccumulateGrad is cached on it
        y = x * 3
        p = T.nn.Parameter(T.ones(2))
        state = T.nn.Linear(2, 1).state_dict()
        out = pickle.loads(pickle.dumps((x, y, p, state, T.ones(2)[1:])))
        return ([out[0], out[0].grad, out[1], out[1].is_leaf, type(out[2]).__name__,
                 sorted(out[3]), out[4]])

    assert_parity(program)


def test_deepcopy_copies_leaves_with_grad_and_refuses_non_leaves():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).sum().backward()
        c = copy.deepcopy(x)
        c.data.mul_(5)
        print(x, c, c.grad, c.requires_grad, c.is_leaf)
        copy.deepcopy(x * 2)

    _raises(program)
