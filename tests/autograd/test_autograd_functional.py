"""autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp against live torch (values,
shapes, result graphs with create_graph, strict-mode and argument errors)."""

from __future__ import annotations

import pytest

from tapegrad.testing import assert_parity


def assert_raises_like_torch(program):
    got = assert_parity(program)
    assert got.error is not None, "expected the program to raise under both modules"
    return got


def _inputs(T):
    x = T.tensor([0.5, 1.5, -1.0], dtype=T.float64)
    y = T.tensor([[2.0, -0.5], [1.0, 3.0]], dtype=T.float64)
    return x, y


def _f_vector(x):
    return (x * x).exp() * x.sin()


def _f_pair(x, y=None):
    if y is None:
        return x.exp(), x.sum() * 2
    return (x.sum() * y).tanh(), (y * y).sum() + x.cos()




def _f_scalar(x):
    return (x ** 3).sum() + (x[0] * x[1]).sin()


def _f_scalar_pair(x, y):
    return (x * x).sum() * y.exp().sum() + (x ** 3).sum()


# ----------------------------------------------------------------- jacobian
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_of_vector_function(vectorize):
    def program(T):
        x, _ = _inputs(T)
        return T.autograd.functional.jacobian(_f_vector, x, vectorize=vectorize)

    assert_parity(program)


@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_of_tuple_inputs_and_outputs_is_nested_like_torch(vectorize):
    def program(T):
        x, y = _inputs(T)
        jac = T.autograd.functional.jacobian(_f_pair, (x, y), vectorize=vectorize)
        print(type(jac).__name__, len(jac), [type(row).__name__ for row in jac])
        return jac

    assert_parity(program)


def test_jacobian_with_one_tuple_input_keeps_the_tuple():
    def program(T):
        x, _ = _inputs(T)
        return T.autograd.functional.jacobian(_f_vector, (x,))

    assert_parity(program)


def test_jacobian_with_create_graph_is_differentiable_with_torch_graph():
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        jac = T.autograd.functional.jacobian(_f_vector, x, create_graph=True)
        jac.sum().backward()
        return jac, x

    assert_parity(program)


def test_jacobian_of_unused_input_is_zeros_and_strict_raises():
    def program(T):
        x, y = _inputs(T)
        jac = T.autograd.functional.jacobian(lambda a, b: a * 2, (x, y))
        print(jac)
        T.autograd.functional.jacobian(lambda a, b: a * 2, (x, y), strict=True)

    assert_raises_like_torch(program)


def test_jacobian_strict_with_output_not_requiring_grad_raises():
    def program(T):
        x, _ = _inputs(T)
        T.autograd.functional.jacobian(lambda a: T.ones(2), x, strict=True)

    assert_raises_like_torch(program)


def test_jacobian_forward_mode_strategy_nests_results_in_lists():
    def program(T):
        x, y = _inputs(T)
        F = T.autograd.functional
        return (F.jacobian(_f_pair, (x, y), vectorize=True, strategy="forward-mode"),
                F.jacobian(_f_vector, x, vectorize=True, strategy="forward-mode"),
                F.jacobian(_f_pair, x, vectorize=True, strategy="forward-mode"))

    assert_parity(program)


def test_jacobian_forward_mode_without_vectorize_raises_torch_error():
    def program(T):
        x, _ = _inputs(T)
        T.autograd.functional.jacobian(_f_vector, x, strategy="forward-mode")

    assert_raises_like_torch(program)


@pytest.mark.parametrize("kwargs", [{"strategy": "sideways"},
                                    {"strategy": "forward-mode", "create_graph": True},
                                    {"strategy": "forward-mode", "strict": True},
                                    {"vectorize": True, "strict": True}])
def test_jacobian_argument_combinations_torch_refuses(kwargs):
    def program(T):
        x, _ = _inputs(T)
        T.autograd.functional.jacobian(_f_vector, x, **kwargs)

    assert_raises_like_torch(program)


@pytest.mark.parametrize("bad", ["list", "number", "tuple_with_number"])
def test_functional_input_type_errors(bad):
    def program(T):
        x, _ = _inputs(T)
        inputs = {"list": [x], "number": 3.0, "tuple_with_number": (x, 2)}[bad]
        T.autograd.functional.jacobian(_f_vector, inputs)

    assert_raises_like_torch(program)


def test_function_returning_a_list_is_refused():
    def program(T):
        x, _ = _inputs(T)
        T.autograd.functional.vjp(lambda a: [a * 2], x, T.ones(3, dtype=T.float64))

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- hessian
@pytest.mark.parametrize("vectorize", [False, True])
def test_hessian_of_scalar_function(vectorize):
    def program(T):
        x, _ = _inputs(T)
        return T.autograd.functional.hessian(_f_scalar, x, vectorize=vectorize)

    assert_parity(program)


def test_hessian_of_tuple_inputs_is_a_nested_tuple():
    def program(T):
        x, y = _inputs(T)
        hess = T.autograd.functional.hessian(_f_scalar_pair, (x, y))
        print([[tuple(h.shape) for h in row] for row in hess])
        return hess

    assert_parity(program)


def test_hessian_with_create_graph_and_outer_forward_mode():
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        hess = T.autograd.functional.hessian(_f_scalar, x, create_graph=True)
        hess.sum().backward()
        forward = T.autograd.functional.hessian(_f_scalar, x.detach(), vectorize=True,
                                                outer_jacobian_strategy="forward-mode")
        # Known difference: torch's forward-over-reverse result carries a graph from its
        # forward-AD internals (requires_grad=True); tapegrad computes it in reverse mode
        # and returns it detached. Values are compared.
        return hess, x, forward.detach()

    assert_parity(program)


@pytest.mark.parametrize("case", ["non_scalar", "tuple_output", "linear_strict",
                                  "bad_strategy"])
def test_hessian_errors(case):
    def program(T):
        x, _ = _inputs(T)
        F = T.autograd.functional
        if case == "non_scalar":
            F.hessian(_f_vector, x)
        elif case == "tuple_output":
            F.hessian(lambda a: (a.sum(), a.sum()), x)
        elif case == "linear_strict":
            F.hessian(lambda a: (a * 2).sum(), x, strict=True)
        else:
            F.hessian(_f_scalar, x, outer_jacobian_strategy="sideways")

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- vjp / jvp
def test_vjp_and_jvp_values_and_shapes():
    def program(T):
        x, y = _inputs(T)
        F = T.autograd.functional
        v_out = (T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64),
                 T.tensor([1.0, -1.0, 0.5], dtype=T.float64))
        v_in = (T.tensor([1.0, 0.0, 2.0], dtype=T.float64),
                T.tensor([[0.5, 0.5], [1.0, -1.0]], dtype=T.float64))
        return (F.vjp(_f_pair, (x, y), v_out), F.jvp(_f_pair, (x, y), v_in),
                F.vjp(_f_vector, x, T.ones(3, dtype=T.float64)),
                F.jvp(_f_vector, x, T.ones(3, dtype=T.float64)))

    assert_parity(program)


def test_vjp_and_jvp_of_scalar_without_v():
    def program(T):
        x = T.tensor(0.7, dtype=T.float64)
        F = T.autograd.functional
        return F.vjp(lambda a: (a * a).sin(), x), F.jvp(lambda a: (a * a).sin(), x)

    assert_parity(program)


def test_vjp_and_jvp_with_create_graph_keep_torch_graphs():
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        F = T.autograd.functional
        v = T.tensor([1.0, 2.0, 3.0], dtype=T.float64)
        out, vjp = F.vjp(_f_vector, x, v, create_graph=True)
        out2, jvp = F.jvp(_f_vector, x, v, create_graph=True)
        (vjp.sum() + jvp.sum()).backward()
        return out, vjp, out2, jvp, x

    assert_parity(program)


def test_results_do_not_require_grad_without_create_graph():
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        F = T.autograd.functional
        out, vjp = F.vjp(_f_vector, x, T.ones(3, dtype=T.float64))
        jac = F.jacobian(_f_vector, x)
        return out, vjp, jac, x

    assert_parity(program)


@pytest.mark.parametrize("fn", ["vjp", "jvp", "hvp", "vhp"])
@pytest.mark.parametrize("case", ["v_none_non_scalar", "v_wrong_size", "v_wrong_count",
                                  "v_wrong_size_in_tuple"])
def test_v_argument_errors(fn, case):
    def program(T):
        x, y = _inputs(T)
        func = getattr(T.autograd.functional, fn)
        f = _f_vector if fn in ("vjp", "jvp") else _f_scalar
        f2 = _f_pair if fn in ("vjp", "jvp") else _f_scalar_pair
        if case == "v_none_non_scalar":
            func(f, x)
        elif case == "v_wrong_size":
            func(f, x, T.ones(4, dtype=T.float64))
        elif case == "v_wrong_count":
            func(f, x, (T.ones(3, dtype=T.float64), T.ones(3, dtype=T.float64)))
        else:
            func(f2, (x, y), (T.ones(3, dtype=T.float64), T.ones(3, dtype=T.float64)))

    assert_raises_like_torch(program)


@pytest.mark.parametrize("fn", ["vjp", "jvp"])
def test_strict_mode_errors_for_independent_outputs(fn):
    def program(T):
        x, y = _inputs(T)
        func = getattr(T.autograd.functional, fn)
        v = T.ones(3, dtype=T.float64)
        print(func(lambda a, b: a * 2, (x, y), v if fn == "vjp" else (v, T.ones(2, 2,
                                                                            dtype=T.float64))))
        func(lambda a, b: a * 2, (x, y), v if fn == "vjp" else (v, T.ones(2, 2,
                                                                  dtype=T.float64)),
             strict=True)

    assert_raises_like_torch(program)


# ----------------------------------------------------------------- hvp / vhp
def test_hvp_and_vhp_values():
    def program(T):
        x, y = _inputs(T)
        F = T.autograd.functional
        v = (T.tensor([1.0, 0.0, -1.0], dtype=T.float64),
             T.tensor([[0.5, 1.0], [0.0, 2.0]], dtype=T.float64))
        return (F.hvp(_f_scalar_pair, (x, y), v), F.vhp(_f_scalar_pair, (x, y), v),
                F.hvp(_f_scalar, x, v[0]), F.vhp(_f_scalar, x, v[0]))

    assert_parity(program)


def test_hvp_and_vhp_with_create_graph():
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        F = T.autograd.functional
        v = T.tensor([1.0, 0.0, -1.0], dtype=T.float64)
        out, hvp = F.hvp(_f_scalar, x, v, create_graph=True)
        out2, vhp = F.vhp(_f_scalar, x, v, create_graph=True)
        (hvp.sum() + vhp.sum()).backward()
        return out, hvp, out2, vhp, x

    assert_parity(program)


def test_vjp_with_create_graph_keeps_torch_graph():
    # vjp's graph does not depend on the formula-order gap: compared in full.
    def program(T):
        x, _ = _inputs(T)
        x.requires_grad_()
        out, vjp = T.autograd.functional.vjp(_f_vector, x, T.ones(3, dtype=T.float64),
                                             create_graph=True)
        return out, vjp

    assert_parity(program)


@pytest.mark.parametrize("fn", ["hvp", "vhp"])
@pytest.mark.parametrize("case", ["non_scalar", "linear_strict"])
def test_hvp_and_vhp_errors(fn, case):
    def program(T):
        x, _ = _inputs(T)
        func = getattr(T.autograd.functional, fn)
        v = T.ones(3, dtype=T.float64)
        if case == "non_scalar":
            func(_f_vector, x, v)
        else:
            func(lambda a: (a * 2).sum(), x, v, strict=True)

    assert_raises_like_torch(program)


def test_functional_under_no_grad_still_differentiates():
    def program(T):
        x, _ = _inputs(T)
        F = T.autograd.functional
        with T.no_grad():
            out = F.vjp(_f_vector, x, T.ones(3, dtype=T.float64)), F.jacobian(_f_vector, x)
        return out

    assert_parity(program)
