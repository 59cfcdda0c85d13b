"""`autograd.grad`, `backward` and `.grad` accumulation, each compared with live torch."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import warnings

import pytest

from tapegrad.testing import assert_parity


@contextlib.contextmanager
def quiet_create_graph_warning():
    """torch warns about backward(create_graph=True) once per process; which test sees it
    depends on test order, so programs filter it (the once-per-process rule has its own
    test, in a fresh process)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Using backward\(\) with create_graph=True")
        yield


# ----------------------------------------------------------------- autograd.grad
def test_grad_of_scalar_output():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (g,) = T.autograd.grad((x * x).sum(), x)
        return x, g

    assert_parity(program)


def test_grad_returns_a_tuple_for_a_single_input():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        result = T.autograd.grad((x * x).sum(), x)
        print(type(result).__name__, len(result))
        return result

    assert_parity(program)


def test_grad_with_grad_outputs_weights_non_scalar_output():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        return T.autograd.grad(x * x, x, grad_outputs=T.tensor([1.0, 3.0]))

    assert_parity(program)


def test_grad_with_grad_outputs_as_list():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        return T.autograd.grad([x * x], [x], grad_outputs=[T.tensor([2.0, 0.5])])

    assert_parity(program)


def test_grad_with_multiple_outputs_sums_their_contributions():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        outs = [(x * y).sum(), (x * x).sum()]
        return T.autograd.grad(outs, [x, y])

    assert_parity(program)


def test_grad_with_multiple_outputs_and_grad_outputs():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        outs = [x * 3.0, x.exp()]
        return T.autograd.grad(outs, x, grad_outputs=[T.tensor([1.0, 2.0]),
                                                      T.tensor([0.5, 0.5])])

    assert_parity(program)


def test_grad_with_none_grad_output_for_scalar():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        outs = [(x * x).sum(), x * 2.0]
        return T.autograd.grad(outs, x, grad_outputs=[None, T.tensor([1.0, 1.0])])

    assert_parity(program)


def test_grad_does_not_touch_leaf_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        g = T.autograd.grad((x * x).sum(), x)
        print(x.grad)
        return x, g

    assert_parity(program)


def test_grad_with_retain_graph_can_be_called_twice():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x.exp()).sum()
        g1 = T.autograd.grad(y, x, retain_graph=True)
        g2 = T.autograd.grad(y, x)
        return g1, g2

    assert_parity(program)


def test_grad_create_graph_to_third_order():
    # x**3 -> 3x**2 -> 6x -> 6, each a differentiable result with torch's grad_fn graph.
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (g1,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x, create_graph=True)
        print(g1, g2, g3)
        return g1, g2, g3

    assert_parity(program)


def test_grad_fourth_order_of_cube_is_zero():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (g1,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x, create_graph=True)
        return T.autograd.grad(g3.sum(), x, allow_unused=True)

    assert_parity(program)


def test_grad_create_graph_of_mixed_product():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        gx, gy = T.autograd.grad((x * x * y).sum(), [x, y], create_graph=True)
        (gxy,) = T.autograd.grad(gx.sum(), y)
        return gx, gy, gxy

    assert_parity(program)


def test_grad_without_create_graph_gives_plain_tensors():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (g,) = T.autograd.grad((x ** 3).sum(), x)
        print(g.requires_grad, g.grad_fn)
        return g

    assert_parity(program)


def test_grad_allow_unused_gives_none():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        unused = T.tensor([5.0], requires_grad=True)
        result = T.autograd.grad((x * x).sum(), [x, unused], allow_unused=True)
        print(result[1])
        return result

    assert_parity(program)


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_materialize_grads_gives_zeros(create_graph):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        unused = T.tensor([5.0], requires_grad=True)
        return T.autograd.grad((x * x).sum(), [x, unused], materialize_grads=True,
                               create_graph=create_graph)

    assert_parity(program)


def test_grad_wrt_non_leaf_input():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3.0
        y = (h * h).sum()
        return T.autograd.grad(y, h)

    assert_parity(program)


def test_grad_wrt_intermediate_and_leaf_together():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        y = (h * x).sum()
        return T.autograd.grad(y, [h, x])

    assert_parity(program)


def test_grad_wrt_output_itself():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2.0
        return T.autograd.grad(y, y, grad_outputs=T.tensor([3.0, 4.0]))

    assert_parity(program)


def test_grad_wrt_intermediate_leaves_leaf_grads_and_retained_grads_alone():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3.0
        h.retain_grad()
        y = (h * h).sum()
        g = T.autograd.grad(y, h, retain_graph=True)
        print(x.grad, h.grad)
        y.backward()
        return g, x, h

    assert_parity(program)


# ----------------------------------------------------------------- backward(inputs=...)
def test_backward_inputs_restricts_accumulation_to_listed_leaves():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        (x * y).sum().backward(inputs=[x])
        return x, y

    assert_parity(program)


def test_backward_inputs_single_tensor():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        (x * y).sum().backward(inputs=y)
        return x, y

    assert_parity(program)


def test_backward_inputs_with_non_leaf_fills_its_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3.0
        (h * h).sum().backward(inputs=[h])
        print(h.retains_grad)
        return x, h

    assert_parity(program)


def test_backward_inputs_with_leaf_and_non_leaf():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([0.5, -1.0], requires_grad=True)
        h = x * w
        (h.exp() * x).sum().backward(inputs=[h, x])
        return x, w, h

    assert_parity(program)


def test_backward_inputs_then_full_backward():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        z = (x * y).sum()
        z.backward(inputs=[y], retain_graph=True)
        z.backward()
        return x, y

    assert_parity(program)


def test_autograd_backward_function_with_inputs():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        T.autograd.backward([(x * y).sum()], inputs=[x, y])
        return x, y

    assert_parity(program)


# ----------------------------------------------------------------- backward(gradient=...)
def test_backward_with_gradient_on_non_scalar():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).backward(gradient=T.tensor([1.0, 0.1]))
        return x

    assert_parity(program)


def test_backward_with_gradient_on_matrix_output():
    def program(T):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        (x * x.exp()).backward(T.tensor([[1.0, 0.0], [2.0, -1.0]]))
        return x

    assert_parity(program)


def test_backward_with_gradient_on_scalar():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(T.tensor(3.0))
        return x

    assert_parity(program)


def test_autograd_backward_of_several_outputs_with_gradients():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward([x * x, x.exp()], [T.tensor([1.0, 2.0]), T.tensor([1.0, 0.0])])
        return x

    assert_parity(program)


def test_autograd_backward_of_a_single_tensor():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        T.autograd.backward((x * x).sum())
        return x

    assert_parity(program)


def test_backward_gradient_is_not_modified():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        g = T.tensor([1.0, 0.5])
        (x * 3.0).backward(g)
        return x, g

    assert_parity(program)


# ----------------------------------------------------------------- accumulation
def test_multiple_backward_calls_accumulate_into_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(3):
            (x * x).sum().backward()
            print(x.grad, x.grad._version)
        return x

    assert_parity(program)


def test_accumulation_keeps_the_same_grad_object():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad
        (x * x).sum().backward()
        print(first is x.grad, first)
        return x, first

    assert_parity(program)


def test_grad_zero_then_accumulate():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x.grad.zero_()
        (x * 3.0).sum().backward()
        return x

    assert_parity(program)


def test_grad_set_to_none_then_backward_starts_fresh():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        x.grad = None
        (x * 3.0).sum().backward()
        return x

    assert_parity(program)


def test_grad_setter_then_backward_accumulates_into_assigned_tensor():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        g = T.tensor([10.0, 20.0])
        x.grad = g
        (x * x).sum().backward()
        print(x.grad is g, g)
        return x, g

    assert_parity(program)


def test_grad_setter_on_non_leaf_and_int_tensor():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2.0
        y.grad = T.tensor([1.0, 1.0])
        n = T.tensor([1, 2])
        n.grad = T.tensor([3, 4])
        return y, n, n.grad

    assert_parity(program)


@pytest.mark.parametrize("expr", ["x*x", "x+x", "x*x*x", "x.exp()*x", "(x*y+x).exp()",
                                  "x*y+x"])
def test_grad_of_leaf_used_twice_and_its_version(expr):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        out = eval(expr, {"x": x, "y": y})
        out.backward(T.tensor([1.0, 1.0]))
        print(x.grad._version)
        out2 = eval(expr, {"x": x, "y": y})
        out2.backward(T.tensor([1.0, 1.0]))
        print(x.grad._version)
        return x, y

    assert_parity(program)


@pytest.mark.parametrize("expr", ["x.sum()", "(x+1).sum()", "(x*x+x).sum()"])
def test_grad_version_when_sum_backward_reaches_the_leaf(expr):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        eval(expr, {"x": x}).backward()
        print(x.grad._version)
        eval(expr, {"x": x}).backward()
        return x

    assert_parity(program)


# ----------------------------------------------------------------- create_graph with backward
def test_backward_create_graph_gives_grad_with_grad_fn():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with quiet_create_graph_warning():
            (x ** 3).sum().backward(create_graph=True)
        print(x.grad)
        return x, x.grad

    assert_parity(program)


def test_backward_create_graph_grad_is_differentiable():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with quiet_create_graph_warning():
            (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        x.grad = None
        g.sum().backward()
        return x, g

    assert_parity(program)


def test_backward_create_graph_twice_accumulates_out_of_place():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with quiet_create_graph_warning():
            (x * x).sum().backward(create_graph=True)
            first = x.grad
            (x * x * x).sum().backward(create_graph=True)
        print(first is x.grad)
        return x, first

    assert_parity(program)


def test_backward_create_graph_retains_the_graph():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with quiet_create_graph_warning():
            y.backward(create_graph=True)
        y.backward()
        return x

    assert_parity(program)


_CREATE_GRAPH_WARNING_SCRIPT = textwrap.dedent("""
    import warnings
    import {module} as T

    x = T.tensor([1.0, 2.0], requires_grad=True)
    for i in range(3):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if i == 1:
                T.autograd.grad((x * x).sum(), x, create_graph=True)
            else:
                (x * x).sum().backward(create_graph=True)
        print(i, [(w.category.__name__, str(w.message).split(".")[0]) for w in caught])
""")


def test_backward_create_graph_warns_once_per_process():
    # In a fresh interpreter, so that the once-per-process state is known.
    outputs = []
    for module in ("torch", "tapegrad"):
        proc = subprocess.run([sys.executable, "-c",
                               _CREATE_GRAPH_WARNING_SCRIPT.format(module=module)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert "UserWarning" in outputs[0]  # the program does exercise the warning


# ----------------------------------------------------------------- edges and corners
def test_backward_on_a_leaf_itself():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        g = T.tensor([0.5, 2.0])
        x.backward(g)
        print(x.grad is g)
        return x, g

    assert_parity(program)


def test_grad_of_a_leaf_with_respect_to_itself():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        return T.autograd.grad(x, x, grad_outputs=T.tensor([3.0, 4.0]))

    assert_parity(program)


def test_grad_of_input_in_graph_but_not_reaching_output_is_none_with_allow_unused():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0], requires_grad=True)
        _ = x * 2.0
        z = (w * w).sum()
        return T.autograd.grad(z, [x, w], allow_unused=True)

    assert_parity(program)


def test_backward_inputs_unreachable_from_output_stay_without_grad():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0], requires_grad=True)
        (w * w).sum().backward(inputs=[x, w])
        return x, w

    assert_parity(program)


def test_grad_outputs_requiring_grad_make_the_result_differentiable_in_them():
    # The double-backward trick for a Jacobian-vector product.
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        v = T.tensor([1.0, 1.0], requires_grad=True)
        y = x * x * x
        (g,) = T.autograd.grad(y, x, grad_outputs=v, create_graph=True)
        (jvp,) = T.autograd.grad(g, v, grad_outputs=T.tensor([1.0, 0.5]))
        return g, jvp

    assert_parity(program)


def test_requires_grad_set_after_use_is_not_retroactive():
    def program(T):
        x = T.tensor([1.0, 2.0])
        y = x * 2.0
        x.requires_grad_()
        z = x * 3.0
        print(y.requires_grad, z.requires_grad)
        (z * z).sum().backward()
        return x, y, z

    assert_parity(program)


def test_two_losses_sharing_a_freed_subgraph():
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        loss1 = (h * 2.0).sum()
        loss2 = (h * 3.0).sum()
        loss1.backward()
        print(x.grad)
        loss2.backward()

    assert_parity(program)
