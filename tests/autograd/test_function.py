"""Custom autograd.Function: ctx API, output wrapping, saved tensors, once_differentiable,
double backward and torch's errors, each compared with live torch."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity


def assert_raises_like_torch(program):
    got = assert_parity(program)
    assert got.error is not None, "expected the program to raise under both modules"
    return got


def _report(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - the exception is what the program observes
        print(type(exc).__name__, str(exc).split("\n")[0])
    else:
        print("no error")


def _scaled_mul(T):
    """x * y * k with a non-tensor argument k in the middle; saves both tensors."""

    class ScaledMul(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            print("forward", T.is_grad_enabled(), ctx.needs_input_grad, type(ctx).__name__)
            ctx.save_for_backward(x, y)
            ctx.k = k
            return x * y * k

        @staticmethod
        def backward(ctx, grad):
            print("backward", T.is_grad_enabled(), grad.requires_grad)
            x, y = ctx.saved_tensors
            return grad * y * ctx.k, None, grad * x * ctx.k

    return ScaledMul


def _square(T):
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    return Square


# ----------------------------------------------------------------- forward / backward basics
def test_function_forward_backward_graph_and_grads():
    def program(T):
        ScaledMul = _scaled_mul(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0])
        out = ScaledMul.apply(x, 2, y)
        print(out.grad_fn.name(), out.grad_fn.needs_input_grad)
        print(type(out.grad_fn).__name__, out.grad_fn is not None)
        out.sum().backward()
        return x, y, out

    assert_parity(program)


def test_function_with_every_input_requiring_grad():
    def program(T):
        ScaledMul = _scaled_mul(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0], requires_grad=True)
        out = ScaledMul.apply(x * 1, 0.5, y)
        (out * out).sum().backward()
        return x, y, out

    assert_parity(program)


def test_function_under_no_grad_records_nothing_but_reports_needs_input_grad():
    def program(T):
        ScaledMul = _scaled_mul(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            out = ScaledMul.apply(x, 2, x)
        plain = ScaledMul.apply(T.ones(2), 2, T.ones(2))
        return out, plain

    assert_parity(program)


def test_ctx_is_the_grad_fn_and_holds_user_attributes():
    def program(T):
        seen = []

        class Keep(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen.append(ctx)
                ctx.note = "kept"
                return x * 3

            @staticmethod
            def backward(ctx, grad):
                print(ctx.note, ctx is seen[0])
                return grad * 3

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Keep.apply(x)
        print(out.grad_fn is seen[0], out.grad_fn.note)
        out.sum().backward()
        return x

    assert_parity(program)


def test_setup_context_style_with_keyword_and_default_arguments():
    def program(T):
        class Scale(T.autograd.Function):
            @staticmethod
            def forward(x, k=2.0):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                print("setup", len(inputs), inputs[1], T.is_grad_enabled(), ctx.needs_input_grad)
                ctx.save_for_backward(inputs[0])
                ctx.k = inputs[1]

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                print("saved", x)
                return grad * ctx.k, None

        x = T.tensor([1.0, 2.0], requires_grad=True)
        a = Scale.apply(x)
        b = Scale.apply(x, k=3.0)
        (a + b).sum().backward()
        return x, a, b

    assert_parity(program)


def test_keyword_tensor_argument_gets_an_edge():
    def program(T):
        class Mul(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b=None):
                print(ctx.needs_input_grad)
                return a * b

            @staticmethod
            def backward(ctx, grad):
                return grad, grad * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0], requires_grad=True)
        out = Mul.apply(x, b=w)
        out.sum().backward()
        return x, w, out

    assert_parity(program)


# ----------------------------------------------------------------- saved tensors
def test_saved_tensors_are_freed_by_backward():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(x)
        print(out.grad_fn.saved_tensors)
        out.sum().backward()
        _report(lambda: out.grad_fn.saved_tensors)
        _report(lambda: out.sum().backward())
        return x

    assert_parity(program)


def test_saved_tensors_empty_still_raise_after_backward():
    def program(T):
        class NoSave(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                print("saved", ctx.saved_tensors)
                return grad * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = NoSave.apply(x)
        out.sum().backward()
        _report(lambda: out.grad_fn.saved_tensors)
        out2 = NoSave.apply(x)
        return x, out2

    assert_parity(program)


def test_retain_graph_allows_a_second_backward_through_a_function():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(x).sum()
        out.backward(retain_graph=True)
        out.backward()
        return x

    assert_parity(program)


def test_saved_input_modified_in_place_raises_version_error():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        out = Square.apply(h)
        h.add_(1)
        out.sum().backward()

    assert_raises_like_torch(program)


def test_saved_leaf_modified_under_no_grad_raises_version_error():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(x)
        with T.no_grad():
            x.mul_(2)
        out.sum().backward()

    assert_raises_like_torch(program)


def test_saved_output_is_rebuilt_with_the_node_and_checked_for_versions():
    def program(T):
        class Exp(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                result = x.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad):
                (result,) = ctx.saved_tensors
                print(type(result.grad_fn).__name__, result.requires_grad, result.is_leaf)
                return grad * result

        x = T.tensor([0.0, 1.0], requires_grad=True)
        out = Exp.apply(x)
        out.sum().backward(retain_graph=True)
        with T.no_grad():
            out.mul_(2)
        _report(lambda: out.sum().backward())
        return x

    assert_parity(program)


def test_saved_intermediate_and_none():
    def program(T):
        class Inter(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                t = x * 2
                ctx.save_for_backward(t, None, x)
                return t * 3

            @staticmethod
            def backward(ctx, grad):
                t, nothing, x = ctx.saved_tensors
                print(t.requires_grad, t.grad_fn, nothing, type(x.grad_fn).__name__)
                return grad * 6

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Inter.apply(x * 1)
        out.sum().backward()
        return x

    assert_parity(program)


def test_saved_tensors_inside_forward_are_empty():
    def program(T):
        class Early(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                print("in forward", ctx.saved_tensors)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        return Early.apply(x)

    assert_parity(program)


# ----------------------------------------------------------------- mark_dirty
def _add_one(T):
    class AddOne(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    return AddOne


def test_mark_dirty_rebases_the_input_and_bumps_its_version():
    def program(T):
        AddOne = _add_one(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        out = AddOne.apply(h)
        print(out is h, h._version)
        out.sum().backward()
        return x, h

    assert_parity(program)


def test_mark_dirty_without_grad_still_bumps_the_version():
    def program(T):
        AddOne = _add_one(T)
        plain = T.tensor([1.0, 2.0])
        out = AddOne.apply(plain)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        with T.no_grad():
            AddOne.apply(x)
        print(out is plain)
        return plain, x

    assert_parity(program)


def test_mark_dirty_on_a_view_rewrites_the_base_history():
    def program(T):
        AddOne = _add_one(T)
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * 1
        view = base[:2]
        out = AddOne.apply(view)
        print(out is view, view._version, base._version)
        (base * T.tensor([1.0, 10.0, 100.0])).sum().backward()
        return x, base, out

    assert_parity(program)


def test_mark_dirty_on_a_view_with_two_outputs_raises_torch_error():
    def program(T):
        class TwoOut(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x, x * 2

            @staticmethod
            def backward(ctx, grad_a, grad_b):
                return grad_a

        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        TwoOut.apply((x * 1)[:2])

    assert_raises_like_torch(program)


def test_mark_dirty_on_leaf_requiring_grad_raises_torch_error():
    def program(T):
        AddOne = _add_one(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        AddOne.apply(x)

    assert_raises_like_torch(program)


def test_mark_dirty_of_tensor_not_returned_raises_torch_error():
    def program(T):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad

        x = T.tensor([1.0, 2.0], requires_grad=True)
        Bad.apply(x * 1)

    assert_raises_like_torch(program)


def test_saved_dirty_input_is_saved_as_an_output():
    def program(T):
        class DoubleInPlace(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                ctx.save_for_backward(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                print(type(x.grad_fn).__name__)
                return grad * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = DoubleInPlace.apply(x * 1)
        out.sum().backward()
        return x, out

    assert_parity(program)


# ----------------------------------------------------------------- outputs
def test_mark_non_differentiable_and_integer_outputs_get_zero_gradients():
    def program(T):
        class Split(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                z = x * 3
                ctx.mark_non_differentiable(z)
                return x * 2, z, x > 1

            @staticmethod
            def backward(ctx, grad, grad_z, grad_mask):
                print(grad, grad_z, grad_mask)
                return grad

        x = T.tensor([1.0, 2.0], requires_grad=True)
        y, z, mask = Split.apply(x)
        y.sum().backward()
        return x, y, z, mask

    assert_parity(program)


def test_set_materialize_grads_false_passes_none_for_unused_outputs():
    def program(T):
        class Two(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, grad_a, grad_b):
                print(grad_a, grad_b)
                return grad_a if grad_b is None else grad_a + grad_b

        x = T.tensor([1.0, 2.0], requires_grad=True)
        a, _ = Two.apply(x)
        a.sum().backward()
        return x

    assert_parity(program)


def test_materialized_zero_gradient_has_the_output_dtype():
    def program(T):
        class Mixed(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x.double() * 3

            @staticmethod
            def backward(ctx, grad_a, grad_b):
                print(grad_a, grad_b)
                return grad_a

        x = T.tensor([1.0, 2.0], requires_grad=True)
        a, b = Mixed.apply(x)
        a.sum().backward()
        return x, b

    assert_parity(program)


def test_non_tensor_outputs_pass_through_and_get_none_gradients():
    def program(T):
        class WithExtras(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return 5, x * 2, "label"

            @staticmethod
            def backward(ctx, *grads):
                print(grads)
                return grads[1]

        x = T.tensor([1.0, 2.0], requires_grad=True)
        five, y, label = WithExtras.apply(x)
        print(five, label, y.output_nr)
        y.sum().backward()
        return x, y

    assert_parity(program)


def test_list_output_is_not_a_tensor_output():
    def program(T):
        class ListOut(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return [x * 2, x * 3]

            @staticmethod
            def backward(ctx, grad):
                return grad

        x = T.tensor([1.0, 2.0], requires_grad=True)
        return ListOut.apply(x)

    assert_parity(program)


def test_returned_input_is_an_alias_with_the_node_as_grad_fn():
    def program(T):
        class Identity(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        plain = T.tensor([3.0, 4.0])
        out = Identity.apply(x)
        alias = Identity.apply(plain)
        print(out is x, out._base is x, alias is plain, alias._base is plain)
        out.sum().backward()
        return x, out, alias

    assert_parity(program)


def test_mark_non_differentiable_on_returned_input_detaches_it():
    def program(T):
        class Same(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_non_differentiable(x)
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Same.apply(x)
        print(out is x, out._base is x)
        return out

    assert_parity(program)


def test_same_tensor_returned_twice_takes_the_last_output_number():
    def program(T):
        class Twice(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x * 2
                return y, y

            @staticmethod
            def backward(ctx, grad_a, grad_b):
                print(grad_a, grad_b)
                return grad_a + grad_b

        x = T.tensor([1.0, 2.0], requires_grad=True)
        p, q = Twice.apply(x)
        print(p is q, p.output_nr)
        (p.sum() + q.sum()).backward()
        return x

    assert_parity(program)


# ----------------------------------------------------------------- gradients returned
def test_returning_none_gradients_leaves_grad_unset():
    def program(T):
        class NoGrad(T.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                return a * b

            @staticmethod
            def backward(ctx, grad):
                return None, None

        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0], requires_grad=True)
        NoGrad.apply(x, w).sum().backward()
        print(x.grad, w.grad)
        print(T.autograd.grad(NoGrad.apply(x, w).sum(), x, allow_unused=True))
        _report(lambda: T.autograd.grad(NoGrad.apply(x, w).sum(), x))

    assert_parity(program)


def test_extra_trailing_none_gradients_are_allowed():
    def program(T):
        class Extra(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * 2, None, None

        x = T.tensor([1.0, 2.0], requires_grad=True)
        Extra.apply(x).sum().backward()
        return x

    assert_parity(program)


def test_returned_gradient_of_other_dtype_is_cast():
    def program(T):
        class Cast(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad.double() * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        Cast.apply(x).sum().backward()
        return x

    assert_parity(program)


def test_returned_gradient_is_summed_to_a_broadcast_input_shape():
    def program(T):
        class Bigger(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return T.ones(3, 2)

        x = T.tensor([1.0, 2.0], requires_grad=True)
        Bigger.apply(x).sum().backward()
        return x

    assert_parity(program)


def _returning(T, make_grads, n_inputs=1):
    class Bad(T.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            return args[0] * 2

        @staticmethod
        def backward(ctx, grad):
            return make_grads(T, grad)

    return Bad


@pytest.mark.parametrize("case", ["too_few", "too_many", "grad_for_number", "not_a_tensor",
                                  "wrong_shape", "unbroadcastable_shape"])
def test_wrong_gradients_raise_torch_error(case):
    def program(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        w = T.tensor([3.0, 4.0], requires_grad=True)
        if case == "too_few":
            out = _returning(T, lambda T, g: g).apply(x, w)
        elif case == "too_many":
            out = _returning(T, lambda T, g: (g, g)).apply(x)
        elif case == "grad_for_number":
            out = _returning(T, lambda T, g: (g, g)).apply(x, 2)
        elif case == "not_a_tensor":
            out = _returning(T, lambda T, g: 3).apply(x)
        elif case == "wrong_shape":
            out = _returning(T, lambda T, g: T.ones(3)).apply(x)
        else:
            out = _returning(T, lambda T, g: T.ones(1)).apply(x)
        out.sum().backward()

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- definition errors
def test_legacy_instance_call_raises_torch_error():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        Square()(x)

    import warnings

    with warnings.catch_warnings():
        # torch also warns (DeprecationWarning) when the Function is instantiated.
        warnings.simplefilter("ignore", DeprecationWarning)
        assert_raises_like_torch(program)


def test_missing_forward_raises_torch_error():
    def program(T):
        class Empty(T.autograd.Function):
            pass

        Empty.apply(T.tensor([1.0], requires_grad=True))

    assert_raises_like_torch(program)


def test_missing_backward_raises_at_backward_time():
    def program(T):
        class ForwardOnly(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = ForwardOnly.apply(x)
        print(type(out.grad_fn).__name__)
        out.sum().backward()

    assert_raises_like_torch(program)


def test_backward_and_vjp_both_defined_raises_and_vjp_alone_works():
    def program(T):
        class Both(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad

            @staticmethod
            def vjp(ctx, grad):
                return grad

        class VjpOnly(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def vjp(ctx, grad):
                return grad * 5

        x = T.tensor([1.0, 2.0], requires_grad=True)
        _report(lambda: Both.apply(x).sum().backward())
        VjpOnly.apply(x).sum().backward()
        return x

    assert_parity(program)


@pytest.mark.parametrize("method", ["save_for_backward", "mark_non_differentiable",
                                    "mark_dirty"])
def test_ctx_methods_given_a_non_tensor_raise_torch_error(method):
    def program(T):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                getattr(ctx, method)(3)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad

        Bad.apply(T.tensor([1.0, 2.0], requires_grad=True))

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- hooks, nesting
def test_node_hooks_on_a_function_node_fire():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(x)
        out.grad_fn.register_prehook(lambda grad_outputs: print("pre", grad_outputs))
        out.grad_fn.register_hook(lambda grad_inputs, grad_outputs: print("post", grad_inputs))
        out.register_hook(lambda grad: grad * 10)
        out.sum().backward()
        return x

    assert_parity(program)


def test_function_inside_a_graph_of_ops_and_grad_mode_inside_forward():
    def program(T):
        class EnableInside(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                with T.enable_grad():
                    inner = x * 2
                print("inner", type(inner.grad_fn).__name__)
                return inner

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(EnableInside.apply(x.exp())).sin()
        out.sum().backward()
        return x, out

    assert_parity(program)


# ----------------------------------------------------------------- higher order
def test_double_backward_through_a_function_written_in_tapegrad_ops():
    def program(T):
        Square = _square(T)
        x = T.tensor([1.0, 2.0], requires_grad=True)
        out = Square.apply(x)
        (grad_x,) = T.autograd.grad(out.sum(), x, create_graph=True)
        print(grad_x)
        (grad_x * grad_x).sum().backward()
        return x, grad_x

    assert_parity(program)


def test_cube_function_second_and_third_derivatives():
    def program(T):
        class Cube(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x ** 2

        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        (g1,) = T.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (g2,) = T.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = T.autograd.grad(g2.sum(), x)
        return g1, g2, g3

    assert_parity(program)


def test_once_differentiable_first_order_and_error_on_second():
    def program(T):
        class Once(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            @T.autograd.function.once_differentiable
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                print("in backward", T.is_grad_enabled())
                return 2 * x * grad

        x = T.tensor([1.0, 2.0], requires_grad=True)
        (plain,) = T.autograd.grad(Once.apply(x).sum(), x, create_graph=True)
        v = T.ones(2, requires_grad=True)
        (marked,) = T.autograd.grad(Once.apply(x), x, v, create_graph=True)
        print(marked.grad_fn.name())
        _report(lambda: marked.sum().backward())
        return plain, marked

    assert_parity(program)


def test_function_module_exports():
    def program(T):
        print(T.autograd.Function is T.autograd.function.Function)
        print(T.autograd.function.FunctionCtx.__name__,
              T.autograd.function.once_differentiable.__name__)

    assert_parity(program)


def test_tapegrad_also_exports_ctx_and_once_differentiable_from_autograd():
    # Not in torch.autograd's namespace (only in torch.autograd.function); a convenience.
    import tapegrad as tg

    assert tg.autograd.FunctionCtx is tg.autograd.function.FunctionCtx
    assert tg.autograd.once_differentiable is tg.autograd.function.once_differentiable


# ----------------------------------------------------------------- known gaps
def _head(T):
    class Head(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[:2]

        @staticmethod
        def backward(ctx, grad):
            return T.cat([grad, T.zeros(1)]) * 2

    return Head


def test_function_returning_a_view_of_its_input():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * 1
        out = _head(T).apply(base)
        print(out._base is base, out.is_leaf)
        out.sum().backward()
        return x, out

    assert_parity(program)


def test_in_place_on_a_view_returned_by_a_function_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        _head(T).apply(x * 1).add_(1)

    assert_raises_like_torch(program)


def test_grad_fn_of_a_function_view_after_base_in_place_raises_torch_error():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        base = x * 1
        out = _head(T).apply(base)
        base.mul_(2)
        print(out.grad_fn)

    assert_raises_like_torch(program)


def _identity_and_head(T):
    class Both(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x[1:]

        @staticmethod
        def backward(ctx, g0, g1):
            return g0 + T.cat([T.zeros(1), g1])

    return Both


@pytest.mark.parametrize("which", [0, 1])
def test_in_place_on_an_input_returned_as_is_or_second_view_output_raises(which):
    # Output 0 is the input returned as-is (torch: a view_as alias), output 1 a slice.
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        outs = _identity_and_head(T).apply(x * 1)
        outs[which].mul_(2)

    assert_raises_like_torch(program)


def test_function_view_output_may_be_written_without_grad_and_cloned():
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = _head(T).apply(x * 1)
        with T.no_grad():
            out.add_(1)
        c = out.clone()
        c.mul_(3)
        print(out._version, c.grad_fn)
        c.sum().backward()
        return x, out, c

    assert_parity(program)


def _view_and_double(T):
    class One(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[1:], x * 2

        @staticmethod
        def backward(ctx, g0, g1):
            return g1 * 2

    return One


@pytest.mark.parametrize("case", ["direct", "base_written", "no_grad_then_read"])
def test_view_output_of_a_multi_output_function(case):
    # Several differentiable outputs: torch marks the views MULTI_OUTPUT_NODE.
    def program(T):
        x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 1
        v, d = _view_and_double(T).apply(b)
        if case == "direct":
            v.mul_(2)
        elif case == "base_written":
            b.mul_(2)
            print(v.grad_fn)
        else:
            with T.no_grad():
                v.mul_(2)
            print(d.grad_fn is not None, v._version)
            print(v.grad_fn)

    assert_raises_like_torch(program)
