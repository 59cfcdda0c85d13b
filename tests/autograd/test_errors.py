"""Misuse of the tape raises torch's exception class and message, and leaves torch's state.

Every test runs a program under live torch and under tapegrad (`tapegrad.testing`); the
expected text is whatever torch says, never a constant written here.
"""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity


def assert_raises_like_torch(program):
    """Parity, and the program really ended with an exception (so the test can fail)."""
    got = assert_parity(program)
    assert got.error is not None, "expected the program to raise under both modules"
    return got


def _report(fn):
    """Run `fn()`; print the exception class and first line (to keep going after it)."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the exception is what the program observes
        print(type(exc).__name__, str(exc).split("\n")[0])
    else:
        print("no error")


# ----------------------------------------------------------------- backward without a graph
def test_backward_on_leaf_not_requiring_grad_raises_torch_error():
    def program(T):
        T.tensor([1.0, 2.0]).sum().backward()

    assert_raises_like_torch(program)


def test_backward_on_zero_dim_constant_raises_torch_error():
    def program(T):
        T.tensor(3.0).backward()

    assert_raises_like_torch(program)


def test_backward_of_result_computed_under_no_grad_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            y = (x * x).sum()
        y.backward()

    assert_raises_like_torch(program)


def test_autograd_backward_names_the_element_without_grad_fn():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([x.sum(), T.tensor(1.0)])

    assert_raises_like_torch(program)


def test_autograd_grad_of_output_without_grad_fn_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad(T.tensor(1.0), [x])

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- implicit gradient
def test_implicit_gradient_for_non_scalar_output_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()

    assert_raises_like_torch(program)


def test_implicit_gradient_for_non_scalar_output_in_autograd_grad_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad(x * 2, x)

    assert_raises_like_torch(program)


def test_implicit_gradient_for_one_element_non_scalar_is_allowed():
    def program(T):
        x = T.tensor([3.0], requires_grad=True)
        (x * x).backward()
        return x

    assert_parity(program)


# ----------------------------------------------------------------- backward twice
def test_second_backward_without_retain_graph_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    assert_raises_like_torch(program)


def test_second_backward_failure_leaves_first_grad_intact():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        _report(y.backward)
        return x

    assert_parity(program)


def test_saved_tensor_access_after_backward_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        print(y.grad_fn._saved_self)
        y.sum().backward()
        y.grad_fn._saved_self

    assert_raises_like_torch(program)


def test_saved_result_access_after_backward_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        print(y.grad_fn._saved_result)
        y.sum().backward()
        y.grad_fn._saved_result

    assert_raises_like_torch(program)


def test_second_backward_through_mul_by_python_scalar_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        y.backward()
        y.backward()

    assert_raises_like_torch(program)


@pytest.mark.parametrize("scalar", ["2", "2.5", "True"])
def test_saved_python_scalar_shows_as_wrapped_tensor_and_is_freed(scalar):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * eval(scalar)
        print(repr(y.grad_fn._saved_other))
        y.sum().backward()
        y.grad_fn._saved_other

    assert_raises_like_torch(program)


def test_mul_by_int_and_float_scalar_of_equal_value_give_each_its_gradient():
    # 2 == 2.0 == True as cache keys: the fused backward must not reuse one trace for all.
    def program(T):
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        grads = []
        for scalar in (True, 1, 1.0):
            (x * scalar).sum().backward()
            grads.append(x.grad.clone())
        return grads

    assert_parity(program)


def test_second_backward_with_retain_graph_accumulates():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        print(x.grad)
        _report(y.backward)
        return x

    assert_parity(program)


def test_second_backward_through_nodes_that_save_nothing_succeeds():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (-(x + 1)).sum()
        y.backward()
        y.backward()
        return x, y

    assert_parity(program)


def test_second_autograd_grad_without_retain_graph_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        print(T.autograd.grad(y, x))
        T.autograd.grad(y, x)

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- in-place on a leaf
@pytest.mark.parametrize("op", ["add_", "mul_", "zero_", "iadd", "sub_", "neg_"])
def test_inplace_on_leaf_requiring_grad_raises_torch_error(op):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        if op == "iadd":
            x += 1
        elif op in ("zero_", "neg_"):
            getattr(x, op)()
        else:
            getattr(x, op)(2.0)

    assert_raises_like_torch(program)


def test_inplace_on_leaf_failure_leaves_value_and_version_unchanged():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        _report(lambda: x.mul_(3.0))
        return x

    assert_parity(program)


def test_inplace_on_leaf_requiring_grad_is_allowed_under_no_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            x.mul_(3.0)
            x.add_(1.0)
        return x

    assert_parity(program)


# ----------------------------------------------------------------- requires_grad on integers
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
@pytest.mark.parametrize("how", ["tensor", "requires_grad_", "attribute", "zeros", "ones",
                                 "full"])
def test_requires_grad_on_non_floating_tensor_raises_torch_error(dtype, how):
    def program(T):
        dt = getattr(T, dtype)
        if how == "tensor":
            T.tensor([1, 0], dtype=dt, requires_grad=True)
        elif how == "requires_grad_":
            T.tensor([1, 0], dtype=dt).requires_grad_()
        elif how == "attribute":
            T.tensor([1, 0], dtype=dt).requires_grad = True
        elif how == "zeros":
            T.zeros(2, dtype=dt, requires_grad=True)
        elif how == "ones":
            T.ones(2, dtype=dt, requires_grad=True)
        else:
            T.full((2,), 1, dtype=dt, requires_grad=True)

    assert_raises_like_torch(program)


def test_requires_grad_on_inferred_int_tensor_raises_torch_error():
    def program(T):
        T.tensor([1, 2], requires_grad=True)

    assert_raises_like_torch(program)


def test_requires_grad_on_int_arange_raises_torch_error():
    def program(T):
        T.arange(3, requires_grad=True)

    assert_raises_like_torch(program)


def test_requires_grad_false_on_int_tensor_is_allowed():
    def program(T):
        return T.tensor([1, 2]).requires_grad_(False)

    assert_parity(program)


# ----------------------------------------------------------------- gradient shapes
@pytest.mark.parametrize("shape", [(3,), (1,), (2, 1), ()])
def test_backward_gradient_shape_mismatch_raises_torch_error(shape):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).backward(gradient=T.ones(shape))

    assert_raises_like_torch(program)


@pytest.mark.parametrize("shape", [(3,), (2, 1), ()])
def test_autograd_grad_outputs_shape_mismatch_raises_torch_error(shape):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad(x * x, x, grad_outputs=T.ones(shape))

    assert_raises_like_torch(program)


def test_autograd_grad_outputs_shape_mismatch_on_scalar_output_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad((x * x).sum(), x, grad_outputs=T.ones(1))

    assert_raises_like_torch(program)


def test_shape_mismatch_names_the_offending_output():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([(x * x).sum(), x * 3], [T.ones(()), T.ones(3)])

    assert_raises_like_torch(program)


def test_shape_mismatch_index_uses_tensor_equality_like_torch():
    # torch names the position with tuple.index, which compares tensors with `==`: an
    # earlier gradient of another shape makes that comparison itself fail.
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([x * 2.0, x * 3.0], [T.ones(2), T.ones(1)])

    assert_raises_like_torch(program)


def test_shape_mismatch_index_with_unbroadcastable_earlier_gradient():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([x * 2.0, x * 3.0], [T.ones(2), T.ones(3)])

    assert_raises_like_torch(program)


@pytest.mark.parametrize("expr", ["T.ones(3) + T.ones(2)", "T.ones(3, 1) * T.ones(2, 4)",
                                  "T.ones(2, 3) == T.ones(2)", "T.ones(2, 3).sub(T.ones(4, 1, 2))",
                                  "T.where(T.ones(2, 3) > 0, T.ones(2), T.ones(4))"])
def test_binary_op_on_unbroadcastable_shapes_raises_torch_error(expr):
    def program(T):
        eval(expr, {"T": T})

    assert_raises_like_torch(program)


def test_backward_gradient_of_other_float_dtype_is_cast():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).backward(gradient=T.tensor([1.0, 2.0], dtype=T.float64))
        return x

    assert_parity(program)


def test_backward_with_fewer_gradients_than_outputs_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([x.sum(), (x * x).sum()], [T.ones(())])

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- autograd.grad inputs
def test_autograd_grad_on_unused_input_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        unused = T.tensor([3.0], requires_grad=True)
        T.autograd.grad((x * x).sum(), [x, unused])

    assert_raises_like_torch(program)


def test_autograd_grad_names_the_unused_input_index():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        unused = T.tensor([3.0], requires_grad=True)
        T.autograd.grad((x * x).sum(), [unused, x])

    assert_raises_like_torch(program)


def test_autograd_grad_on_input_not_requiring_grad_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad((x * x).sum(), [x, T.tensor([1.0])])

    assert_raises_like_torch(program)


def test_autograd_grad_materialize_with_allow_unused_false_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.grad((x * x).sum(), x, allow_unused=False, materialize_grads=True)

    assert_raises_like_torch(program)


def test_backward_with_empty_inputs_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(inputs=[])

    assert_raises_like_torch(program)


def test_backward_inputs_not_requiring_grad_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(inputs=[T.tensor([1.0])])

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- requires_grad / retain_grad
def test_requires_grad_false_on_non_leaf_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).requires_grad_(False)

    assert_raises_like_torch(program)


def test_requires_grad_attribute_false_on_non_leaf_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.requires_grad = False

    assert_raises_like_torch(program)


def test_requires_grad_true_on_non_leaf_is_a_no_op():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        return (x * 2).requires_grad_(True)

    assert_parity(program)


@pytest.mark.parametrize("how", ["leaf", "detached"])
def test_retain_grad_on_tensor_not_requiring_grad_raises_torch_error(how):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        t = T.tensor([1.0]) if how == "leaf" else (x * 2).detach()
        t.retain_grad()

    assert_raises_like_torch(program)


def test_retain_grad_on_leaf_requiring_grad_is_a_no_op():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        x.retain_grad()
        return x

    assert_parity(program)


@pytest.mark.parametrize("kind", ["tensor", "post_accumulate"])
def test_hook_on_tensor_not_requiring_grad_raises_torch_error(kind):
    def program(T):
        t = T.tensor([1.0])
        if kind == "tensor":
            t.register_hook(lambda g: g)
        else:
            t.register_post_accumulate_grad_hook(lambda t: None)

    assert_raises_like_torch(program)


def test_post_accumulate_grad_hook_on_non_leaf_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- grad setter
@pytest.mark.parametrize("value", ["size", "float64", "int64", "number"])
def test_assigning_mismatched_grad_raises_torch_error(value):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        if value == "size":
            x.grad = T.ones(3)
        elif value == "number":
            x.grad = 3
        else:
            x.grad = T.ones(2, dtype=getattr(T, value))

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- conversions
@pytest.mark.parametrize("shape", [(2,), (0,), (1, 2)])
def test_item_on_tensor_without_exactly_one_element_raises_torch_error(shape):
    def program(T):
        T.zeros(shape).item()

    assert_raises_like_torch(program)


def test_item_on_one_element_tensor_requiring_grad_is_allowed():
    def program(T):
        x = T.tensor([[2.5]], requires_grad=True)
        print(x.item(), (x * 2).item())

    assert_parity(program)


@pytest.mark.parametrize("which", ["leaf", "non_leaf"])
def test_numpy_on_tensor_requiring_grad_raises_torch_error(which):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x if which == "leaf" else x * 2).numpy()

    assert_raises_like_torch(program)


def test_numpy_after_detach_is_allowed():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        print(x.detach().numpy().tolist(), (x * 2).detach().numpy().dtype)

    assert_parity(program)


@pytest.mark.parametrize("shape", [(2,), (0,)])
def test_bool_of_tensor_without_exactly_one_element_raises_torch_error(shape):
    def program(T):
        bool(T.zeros(shape))

    assert_raises_like_torch(program)


def test_len_of_zero_dim_tensor_raises_torch_error():
    def program(T):
        len(T.tensor(1.0))

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- state after a failed backward
def test_version_error_before_any_leaf_runs_leaves_grads_untouched():
    # The failing node (b * b, created last) runs before a's branch reaches its leaf.
    def program(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        q = a * 2
        p = b * b
        loss = p.sum() + q.sum()
        with T.no_grad():
            b.mul_(2.0)
        _report(loss.backward)
        return a, b

    assert_parity(program)


def test_version_error_after_a_leaf_ran_keeps_that_leafs_grad():
    # torch's engine accumulates into `a` (its branch was recorded later, so runs first)
    # before the node saving `b` fails: `a.grad` is set, `b.grad` stays None.
    def program(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        p = b * b
        q = a * 2
        loss = p.sum() + q.sum()
        with T.no_grad():
            b.mul_(2.0)
        _report(loss.backward)
        return a, b

    assert_parity(program)


def test_version_error_does_not_touch_existing_grads():
    def program(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        (a * a).sum().backward()
        y = (a * a).sum()
        with T.no_grad():
            a.add_(1.0)
        _report(y.backward)
        return a

    assert_parity(program)


def test_backward_after_a_failed_backward_reports_what_torch_reports():
    # After the failure, the nodes that ran were freed, the failing one was not.
    def program(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        p = b * b
        q = a * a
        loss = p.sum() + q.sum()
        with T.no_grad():
            b.mul_(2.0)
        _report(loss.backward)
        _report(loss.backward)
        return a, b

    assert_parity(program)


def test_autograd_grad_version_error_leaves_grads_untouched():
    def program(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        y = (a * a).sum()
        with T.no_grad():
            a.add_(1.0)
        _report(lambda: T.autograd.grad(y, a))
        return a

    assert_parity(program)


def test_version_error_on_saved_output_names_the_op():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        z = y * 1.0
        with T.no_grad():
            y.add_(1.0)
        z.sum().backward()

    assert_raises_like_torch(program)
